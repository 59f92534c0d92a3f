"""Lecture 9: softmax and cross-entropy checked against PyTorch, the MNIST MLP,
the code-panel snippets, and the /softmax_ce API through gradio_client."""

from __future__ import annotations

import json
import runpy

import gradio as gr
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from gradio_client.exceptions import AppError

from demos import live, mnist_data
from demos.classification import softmax as sm
from demos.ui import SNIPPETS

LECTURE_Z, LECTURE_LOSS = [0.2, 0.1, -0.1], 0.9729189131256584  # the lecture's numpy example, target 0


def torch64(z, target):
    """PyTorch's softmax and cross-entropy in float64."""
    zt = torch.tensor(z, dtype=torch.float64).unsqueeze(0)  # (1, C)
    return torch.softmax(zt, dim=1)[0].numpy(), F.cross_entropy(zt, torch.tensor([target])).item()


def finite_json(fig) -> dict:
    """The figure as the browser receives it; fails on NaN or infinity."""

    def bad(const):
        raise AssertionError(f"non-finite number in a figure: {const}")

    for trace in fig.data:  # numpy arrays travel as binary, where JSON would not notice
        for key in ("x", "y", "z"):
            values = getattr(trace, key, None)
            if values is not None and np.asarray(values).dtype.kind == "f":
                assert np.all(np.isfinite(values)), f"non-finite {key} in a figure"
    return json.loads(fig.to_json(), parse_constant=bad)


def random_cases(n=300, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        c = int(rng.integers(1, 51))
        scale = float(rng.choice([0.1, 1.0, 10.0, 100.0, 1e3, 1e5]))
        yield (rng.standard_normal(c) * scale).tolist(), int(rng.integers(0, c)), scale


# ---- softmax and cross-entropy ----------------------------------------------------


def test_lecture_example():
    r = sm.softmax_ce(LECTURE_Z, 0)
    assert r["loss"] == pytest.approx(LECTURE_LOSS, rel=1e-14)
    np.testing.assert_allclose(r["probs"], [0.37797814, 0.34200877, 0.28001309], atol=1e-8)
    np.testing.assert_allclose(r["shifted"], [0.0, -0.1, -0.3], atol=1e-15)
    assert r["total"] == pytest.approx(np.exp([0.0, -0.1, -0.3]).sum())


def test_numpy_equals_torch_for_many_random_vectors():
    for z, target, scale in random_cases():
        r = sm.softmax_ce(z, target)
        p64, loss64 = torch64(z, target)
        np.testing.assert_allclose(r["probs"], p64, rtol=1e-12, atol=1e-300)
        assert r["loss"] == pytest.approx(loss64, rel=1e-12, abs=1e-12)
        assert r["probs"].sum() == pytest.approx(1.0, rel=1e-12)
        both = sm.torch_losses(z, target, "float64")  # CrossEntropyLoss = LogSoftmax + NLLLoss
        assert both["cross_entropy"] == pytest.approx(both["nll"], rel=1e-12, abs=1e-12)
        if scale <= 10:  # float32, as the tab shows: agrees to float32 precision
            f32 = sm.torch_losses(z, target)
            tol = 2e-6 * max(1.0, r["loss"]) * max(1.0, scale)
            assert abs(f32["cross_entropy"] - r["loss"]) <= tol
            assert abs(f32["nll"] - r["loss"]) <= tol
            np.testing.assert_allclose(f32["probs"], r["probs"], atol=1e-6)


def test_stable_where_the_naive_formula_overflows():
    z = [1000.0, 0.0, -1000.0]
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(z) / np.exp(z).sum()
    assert np.isnan(naive[0])  # inf / inf
    for target, loss in ((0, 0.0), (1, 1000.0), (2, 2000.0)):
        r = sm.softmax_ce(z, target)
        np.testing.assert_allclose(r["probs"], [1.0, 0.0, 0.0])
        assert r["loss"] == pytest.approx(loss, abs=1e-12)
        assert r["loss"] == pytest.approx(torch64(z, target)[1], abs=1e-9)
    assert sm.softmax_ce([5.0], 0)["loss"] == 0.0  # one class: certain


@pytest.mark.parametrize(
    "logits,message",
    [
        ([], "must not be empty"),
        ([1.0] * 1001, "at most 1000"),
        ([1.0, float("nan")], r"logits\[1\] must be a finite number"),
        ([float("inf")], "finite number"),
        ([1.0, "abc"], "finite number"),
        ([None], "finite number"),
        ([1e7, 0.0], "between"),
        ("1, 2, 3", "list of numbers"),
        (3.0, "list of numbers"),
        ({"a": 1}, "list of numbers"),
    ],
)
def test_bad_logits_are_explained_in_both_languages(logits, message):
    with pytest.raises(gr.Error, match=message) as err:
        sm.check_logits(logits, None)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)
    with pytest.raises(gr.Error) as zh:
        sm.check_logits(logits, "zh")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.value.message) and "must" not in zh.value.message


def test_probs_figure_and_computation_text():
    z = [0.2, 0.1, -0.1, 3.0]
    for lang, word in (("en", "Softmax probabilities"), ("zh", "概率")):
        fig = sm.probs_figure(z, 3, lang)
        finite_json(fig)
        assert word in fig.layout.title.text and "p_3" in fig.layout.title.text
        assert np.allclose(fig.data[0].y, sm.softmax_ce(z, 3)["probs"])
        assert fig.data[0].marker.color[3] == "#d62728" and fig.data[0].marker.color[0] != "#d62728"
        text = sm.ce_markdown(z, 3, lang)
        loss = sm.softmax_ce(z, 3)["loss"]
        ce = sm.torch_losses(z, 3)["cross_entropy"]
        assert f"**{loss:.7f}**" in text and f"**{ce:.7f}**" in text
        assert "CrossEntropyLoss" in text and "LogSoftmax" in text and "◀" in text
        assert text.count("\n|") == 4 + 1  # a header separator and one row per class
    assert "损失" in sm.ce_markdown(z, 0, "zh") and "from numpy" in sm.ce_markdown(z, 0, "en")


def test_class_count_and_slider_events():
    *sliders, radio, held = sm.on_classes(5, 4)
    assert [s.visible for s in sliders] == [True] * 5 + [False] * 5
    assert radio.value == 4 and len(radio.choices) == 5 and held is None
    assert sm.on_classes(3, 4)[-2].value == 2  # the target stays among the classes
    assert sm.on_classes(5, 0, 4)[-2].value == 4  # a shared link's target, held over the radio's
    logits = list(sm.DEFAULT_LOGITS)
    fig, text, held = sm.on_logits(3, 0, "en", *logits)
    assert f"{LECTURE_LOSS:.7f}" in text and len(fig.data[0].y) == 3 and held is None
    fig, _, _ = sm.on_logits(3, 7, "en", *logits)  # the class count shrank before the target followed
    assert len(fig.data[0].y) == 3 and "p_2" in fig.layout.title.text
    with pytest.raises(gr.Error, match="z1"):
        sm.on_logits(3, 0, "en", 0.0, None, 0.0, *logits[3:])
    with pytest.raises(gr.Error, match="between 3 and 10"):
        sm.on_logits(11, 0, "en", *logits)


def run_snippet(name, replace=None):
    path = SNIPPETS / f"{name}.py"
    if replace is None:
        return runpy.run_path(str(path), run_name="__main__")
    source = path.read_text(encoding="utf-8")
    assert replace[0] in source
    scope = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(source.replace(*replace), str(path), "exec"), scope)
    return scope


def test_softmax_snippet():
    g = run_snippet("softmax")
    r = sm.softmax_ce(g["z"], g["target"])
    np.testing.assert_allclose(g["p"], r["probs"], rtol=1e-15)
    assert g["loss"] == pytest.approx(r["loss"], rel=1e-14) and g["loss_stable"] == pytest.approx(r["loss"], rel=1e-14)
    th = sm.torch_losses(g["z"], g["target"])
    assert g["ce"] == th["cross_entropy"] and g["nll"] == th["nll"]
    # the lecture's batches: CrossEntropyLoss is the mean over the rows
    y = [2, 0, 1]
    for key, rows, value in (
        ("l1", [[0.1, 0.2, 0.9], [1.1, 0.1, 0.2], [0.2, 2.1, 0.1]], 0.4966),
        ("l2", [[0.8, 0.2, 0.3], [0.2, 0.3, 0.5], [0.2, 0.2, 0.5]], 1.2389),
    ):
        mean = np.mean([sm.softmax_ce(row, t)["loss"] for row, t in zip(rows, y)])
        assert g[key] == pytest.approx(mean, rel=1e-6) and round(g[key], 4) == value


# ---- the MNIST MLP ----------------------------------------------------------------


def test_net_is_the_lectures():
    model = sm.make_model(0)
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(512, 784), (512,), (256, 512), (256,), (128, 256), (128,), (64, 128), (64,), (10, 64), (10,)]
    assert sum(p.numel() for p in model.parameters()) == 575_050
    x, _ = mnist_data.tensors("test")
    assert model(x[:5]).shape == (5, 10)
    assert model(x[:5].view(5, 784)).shape == (5, 10)  # x.view(-1, 784) accepts both
    same, other = sm.make_model(0), sm.make_model(1)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), same.parameters()))
    assert not torch.equal(model.l1.weight, other.l1.weight)


def test_evaluate_matches_a_direct_computation():
    model = sm.make_model(0)
    x, y = mnist_data.tensors("test")
    ev = sm.evaluate(model, x, y)
    with torch.no_grad():
        out = model(x)
    assert ev["loss"] == pytest.approx(F.cross_entropy(out, y).item(), rel=1e-6)
    assert ev["pred"] == out.argmax(dim=1).tolist()
    assert ev["acc"] == pytest.approx((out.argmax(dim=1) == y).float().mean().item())
    assert ev["loss"] == pytest.approx(np.log(10), abs=0.1)  # untrained: about ln 10


def test_one_epoch_matches_the_snippet():
    g = run_snippet("softmax_mnist", ("64, 0.01, 0.5, 10, 0", "64, 0.01, 0.5, 1, 0"))
    h = sm.history(0.01, 0.5, 64, 1, 0)
    assert g["train_losses"] == pytest.approx(h["train_loss"], rel=1e-6)
    assert g["test_accuracies"] == pytest.approx(h["test_acc"], abs=1e-9)
    assert not h["diverged"] and 2.0 < h["train_loss"][0] < 2.35  # the lecture's slow start at lr 0.01


def test_training_streams_and_finishes():
    frames = list(sm.on_train(0.1, 0.5, 64, 1, 0, "en"))
    assert len(frames) >= 2
    loss_fig, acc_fig, status, digits, run = frames[-1]
    assert run["status"] == "done" and status.startswith("**Done**, 1 epochs")
    assert len(run["test_acc"]) == 1 and run["test_acc"][0] > 0.6  # lr 0.1 learns within one epoch
    assert f"{100 * run['test_acc'][0]:.1f} %" in status
    assert run["loss_x"] == sorted(run["loss_x"]) and run["loss_x"][-1] == 1.0
    assert len(run["loss"]) == sm.LOSS_POINTS + 1  # 94 batches: every 9th, and the last
    assert len(run["pred"]) == 1000 and run["seconds"][0] > 0
    for fig in (loss_fig, acc_fig, digits):
        finite_json(fig)
    assert "misread" in digits.layout.title.text
    assert frames[0][2] == sm.t("mnl_starting", "en")  # the first frame clears the last run
    assert all(not isinstance(f[3], type(digits)) for f in frames[1:-1])  # the middle frames skip the digits


def test_divergence_stops_with_a_message():
    *_, (loss_fig, _, status, _, run) = sm.on_train(1.0, 0.99, 64, 1, 0, "zh")
    assert run["status"] == "diverged" and "发散" in status and "nan" in status
    finite_json(loss_fig)
    assert "Diverged" in sm.status_text(run, "en")


def test_time_limit_stops_training(monkeypatch):
    monkeypatch.setattr(live, "TRAIN_SECONDS", 0)
    *_, (_, _, status, _, run) = sm.on_train(0.01, 0.5, 64, 3, 0, "en")
    assert run["status"] == "time_up" and "time limit" in status and run["epoch"] == 1
    assert "时间上限" in sm.status_text(run, "zh")


@pytest.mark.parametrize(
    "args,message",
    [
        ((0.0, 0.5, 64, 1, 0), "between"),
        ((None, 0.5, 64, 1, 0), "finite number"),
        ((0.01, 1.5, 64, 1, 0), "between"),
        ((0.01, 0.5, 0, 1, 0), "between"),
        ((0.01, 0.5, 64, 11, 0), "between"),
        ((0.01, 0.5, 64, 1.5, 0), "whole number"),
        ((0.01, 0.5, 64, 1, -1), "between"),
    ],
)
def test_bad_training_input(args, message):
    with pytest.raises(gr.Error, match=message):
        next(sm.on_train(*args, "en"))


def test_every_state_renders_in_both_languages():
    run = sm.new_run(3)
    run.update(loss_x=[0.5, 1.0], loss=[2.3, 2.2], test_loss=[2.1], test_acc=[0.3], seconds=[0.4], epoch=2, batch=5,
               batches=94, last_loss=2.0, epoch_loss=2.25, pred=[0] * 1000, conf=[0.5] * 1000)  # fmt: skip
    for status in ("idle", "starting", "running", "time_up", "done", "diverged"):
        run.update(status=status, bad_loss="nan", budget=60)
        for lang in ("en", "zh"):
            loss_fig, acc_fig, text, digits, _ = sm.on_lang(run, lang)
            assert text and all(finite_json(f) for f in (loss_fig, acc_fig, digits))
            assert ("损失" in loss_fig.layout.title.text) == (lang == "zh")
    # untrained: the first image of each digit, labelled with its class
    fig = sm.digits_figure(sm.new_run(), "en")
    labels = [a.text for a in fig.layout.annotations]
    assert labels == [str(d) for d in range(10)]
    firsts, wrong = sm.digit_picks([0] * 1000, mnist_data.raw()["y_test"])
    assert [int(mnist_data.raw()["y_test"][i]) for i in firsts] == list(range(10)) and len(wrong) == 10


# ---- the public API ---------------------------------------------------------------


def test_api_softmax_ce(client):
    out = client.predict(LECTURE_Z, 0, api_name="/softmax_ce")
    assert set(out) == {"probs", "loss"} and out["loss"] == pytest.approx(LECTURE_LOSS, rel=1e-12)
    for z, target, _ in random_cases(20, seed=1):
        out = client.predict(z, target, api_name="/softmax_ce")
        p64, loss64 = torch64(z, target)
        assert out["loss"] == pytest.approx(loss64, rel=1e-6, abs=1e-6)
        np.testing.assert_allclose(out["probs"], p64, atol=1e-6)
    big = client.predict([1000.0, 0.0, -1e6], 1, api_name="/softmax_ce")  # naive exp(1000) overflows
    assert big == {"probs": [1.0, 0.0, 0.0], "loss": 1000.0}


@pytest.mark.parametrize(
    "args,message",
    [
        (([], 0), "must not be empty"),
        (([1.0, 2.0], 2), "between 0 and 1"),
        (([1.0, 2.0], -1), "between 0 and 1"),
        (([1.0, 2.0], 0.5), "whole number"),
        ((["nan", 1.0], 0), "finite number"),
        (([None, 1.0], 0), "finite number"),
        (([1.0] * 1001, 0), "at most 1000"),
        (([1e300, 0.0], 0), "between"),
        (("hello", 0), "list of numbers"),
    ],
)
def test_api_bad_input(client, args, message):
    with pytest.raises(AppError, match=message) as err:
        client.predict(*args, api_name="/softmax_ce")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value))  # both languages
