"""Every code panel's snippet runs and computes what the demo shows."""

import runpy

import pytest

from demos.basics import linear_model as lm
from demos.ui import SNIPPETS


def run(name):
    return runpy.run_path(str(SNIPPETS / f"{name}.py"), run_name="__main__")


def test_every_snippet_is_shown_by_some_tab():
    import inspect

    import demos

    shown = "".join(inspect.getsource(m) for m in demos.LECTURES)
    for path in SNIPPETS.glob("*.py"):
        assert f'"{path.stem}"' in shown, f"{path.name} is in no code panel"


def test_linear_model_snippet(capsys):
    g = run("linear_model")
    expected = lm.exhaustive_search(b=0.0)
    assert len(g["mse_list"]) == len(expected)
    for (w, m), w_s, m_s in zip(expected, g["w_list"], g["mse_list"]):
        assert w_s == pytest.approx(w) and m_s == pytest.approx(m)


def test_gradient_descent_snippet():
    from demos.basics import gradient_descent as gd

    g = run("gradient_descent")
    for mode, prefix in (("batch", "batch"), ("sgd", "stochastic"), ("minibatch", "minibatch")):
        expected = gd.gradient_descent(mode, 0.01, 100, 1.0, seed=0, batch_size=2)
        assert g[f"{prefix}_w"] == pytest.approx(expected["w"], rel=1e-12)
        assert g[f"{prefix}_loss"] == pytest.approx(expected["loss"], rel=1e-12, abs=1e-30)


def test_sentiment_snippet():
    import torch

    from models import sentiment as S

    g = run("sentiment")
    for review, p in zip(g["reviews"], g["probs"]):
        torch.testing.assert_close(p, S.predict(review), rtol=1e-5, atol=1e-6)
