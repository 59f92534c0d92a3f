"""Lecture 4 (backpropagation): every number checked against torch.autograd; the
snippets, the streamed homework and the public /backprop API."""

import json
import math
import re
import runpy

import gradio as gr
import numpy as np
import plotly
import pytest
import torch
from gradio_client.exceptions import AppError

from demos.basics import backprop as bp
from demos.ui import SNIPPETS


def torch_pass(x, y, w):
    """ŷ = w·x, loss = (ŷ − y)², with autograd keeping every intermediate gradient."""
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    y_hat = wt * x
    r = y_hat - y
    loss = r**2
    for v in (y_hat, r):
        v.retain_grad()
    loss.backward()
    return {"y_hat": y_hat, "r": r, "loss": loss, "w": wt}


CASES = [(2.0, 4.0, 1.0), (1.0, 2.0, 1.0), (-3.5, 0.7, 2.2), (0.0, 5.0, -4.0), (1e3, -1e3, 1e3)]
CASES += [tuple(v) for v in np.random.default_rng(0).uniform(-50, 50, size=(30, 3)).round(3)]


@pytest.mark.parametrize("x,y,w", CASES)
def test_hand_backprop_matches_autograd(x, y, w):
    hand = bp.backprop(x, y, w)
    ref = torch_pass(x, y, w)
    for key in ("y_hat", "r", "loss"):
        assert hand[key] == pytest.approx(ref[key].item(), rel=1e-12, abs=1e-12)
    # every backward step: dloss/dr, dloss/dy_hat and dloss/dw
    assert hand["dr"] == pytest.approx(ref["r"].grad.item(), rel=1e-12, abs=1e-12)
    assert hand["dy_hat"] == pytest.approx(ref["y_hat"].grad.item(), rel=1e-12, abs=1e-12)
    assert hand["grad_w"] == pytest.approx(ref["w"].grad.item(), rel=1e-12, abs=1e-12)
    assert hand["grad_w"] == pytest.approx(2 * (w * x - y) * x, rel=1e-12, abs=1e-12)
    assert bp.autograd(x, y, w)["grad_w"] == pytest.approx(hand["grad_w"], rel=1e-12, abs=1e-12)


def test_the_lectures_examples():
    # Slides: x=1, y=2, w=1 gives dloss/dw = -2; exercise 4-1: x=2, y=4, w=1 gives -8.
    assert bp.backprop(1, 2, 1)["grad_w"] == -2
    assert bp.backprop(2, 4, 1) == {"y_hat": 2, "r": -2, "loss": 4, "dr": -4, "dy_hat": -4, "grad_w": -8}


def annotations(fig):
    return " ".join(a.text for a in fig.layout.annotations)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_steps_reveal_values_then_gradients(lang):
    texts = [annotations(bp.graph_figure(2, 4, 1, k, lang)) for k in range(bp.LAST_STEP + 1)]
    assert "ŷ = 2" not in texts[0] and "ŷ = 2" in texts[1]
    assert "r = ŷ − y = -2" in texts[2] and "loss = 4" in texts[3] and "∂loss" not in texts[3]
    assert "∂loss/∂loss = 1" in texts[4] and "∂loss/∂r = 1×(-4) = -4" in texts[5]
    assert "∂loss/∂ŷ = (-4)×1 = -4" in texts[6] and "∂loss/∂w = (-4)×2 = -8" in texts[7]
    assert "w.grad = -8" in texts[7] and "w.grad" not in texts[6]
    local = bp.t("bp_local", lang)
    assert local not in texts[4] and local in texts[5]
    # the step's explanation, in the user's language
    for k in range(bp.LAST_STEP + 1):
        md = bp.step_text(2, 4, 1, k, lang)
        assert f"{k}/{bp.LAST_STEP}" in md
        assert any("\u4e00" <= c <= "\u9fff" for c in md) == (lang == "zh")
    last = bp.step_text(2, 4, 1, bp.LAST_STEP, lang)
    assert "2·(1·2 − 4)·2 = **-8**" in last and "`w.grad` = **-8**" in last


def test_negative_operands_are_bracketed():
    md = bp.step_text(-1.5, 2, -2, 1, "en")
    assert "(-2) × (-1.5) = **3**" in md


def test_homework_converges_to_the_exact_fit():
    for key, exact in (("lecture", (0, 2, 0)), ("quadratic", (1, 1, 1))):
        assert bp.exact_solution(key) == pytest.approx(exact, abs=1e-9)
        *_, (epoch, w1, w2, b, m) = bp.train_quadratic(*bp.DATA[key][:2], 0.03, 3000)
        assert epoch == 3000 and (w1, w2, b) == pytest.approx(exact, abs=1e-3) and m < 1e-6


def test_homework_first_step_is_the_lectures_sgd():
    """One epoch by hand: for each sample, p -= lr * 2*(pred - y) * (x², x, 1)."""
    xs, ys, _ = bp.DATA["quadratic"]
    p, lr = np.zeros(3), 0.01
    for x, y in zip(xs, ys):
        feat = np.array([x * x, x, 1.0])
        p -= lr * 2 * (p @ feat - y) * feat
    steps = list(bp.train_quadratic(xs, ys, lr, 1))
    assert steps[0] == (0, 0.0, 0.0, 0.0, pytest.approx(bp.mse(xs, ys, 0, 0, 0)))
    assert steps[1][1:4] == pytest.approx(tuple(p), rel=1e-5)
    assert steps[1][4] == pytest.approx(bp.mse(xs, ys, *p), rel=1e-4)


def finite_json(fig):
    """What reaches the browser: JSON cannot carry NaN or inf."""
    json.dumps(fig.to_plotly_json(), allow_nan=False, cls=plotly.utils.PlotlyJSONEncoder)
    for trace in fig.data:
        for arr in (trace.x, trace.y):
            assert arr is None or all(math.isfinite(v) for v in arr)


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(bp, "FRAME_GAP", 0)


def test_training_streams_a_bounded_number_of_frames(no_sleep):
    frames = list(bp.on_train("lecture", 0.02, 3000, "en"))
    assert bp.FRAMES <= len(frames) <= bp.FRAMES + 1
    run = frames[-1][-1]
    assert run["status"] == "done" and run["epoch"][-1] == 3000 and len(run["epoch"]) <= bp.EARLY + bp.HISTORY + 1
    assert frames[-1][3].startswith("**Done**, 3000 epochs")
    seen = [int(re.match(r"Epoch (\d+)/3000", f[3]).group(1)) for f in frames[:-1]]
    assert seen == list(range(150, 3000, 150))  # evenly spaced progress
    for fig in frames[-1][:3]:
        finite_json(fig)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_divergence_stops_with_a_message_and_no_nan(no_sleep, lang):
    *_, last = bp.on_train("quadratic", 0.05, 5000, lang)
    fit, params, loss, status, run = last
    assert run["status"] == "diverged" and run["at"] < 50
    assert run["epoch"] == list(range(run["at"]))  # every epoch up to the blow-up is shown
    assert status == bp.t("bp_diverged", lang, epoch=run["at"], lr=0.05)
    assert all(math.isfinite(v) and abs(v) < 1e6 for k in ("w1", "w2", "b", "mse") for v in run[k])
    for fig in (fit, params, loss):
        finite_json(fig)


def test_training_has_a_time_limit(no_sleep, monkeypatch):
    monkeypatch.setattr(bp, "TIME_LIMIT", 0)  # past the deadline after the first epoch
    *_, last = bp.on_train("lecture", 0.02, 5000, "en")
    assert last[-1]["status"] == "timeout" and last[-1]["at"] == 1


def test_language_switch_redraws_the_homework(no_sleep):
    *_, (_, _, _, _, run) = bp.on_train("quadratic", 0.02, 3, "en")
    fit, params, loss, status, same = bp.homework_outputs(run, "zh")
    assert same is run and status.startswith("**完成** 3 轮")
    assert "精确解" in params.layout.title.text and "epoch" in loss.layout.xaxis.title.text
    assert bp.on_data("quadratic", "zh")[-1]["epoch"] == [0]


@pytest.mark.parametrize(
    "args",
    [(None, 4, 1), ("nan", 4, 1), (2, float("inf"), 1), (2, 4, 1e4), (2, 4, "w")],
)
def test_bad_input_is_a_clear_error(args):
    with pytest.raises(gr.Error):
        bp.api_backprop(*args)


@pytest.mark.parametrize(
    "args,en,zh",
    [
        (("lecture", 1.0, 100), "between", "之间"),
        (("lecture", None, 100), "finite number", "有限的数字"),
        (("cubic", 0.01, 100), "one of", "之一"),
        (("lecture", 0.01, 10.5), "whole number", "整数"),
        (("lecture", 0.01, 10**6), "between", "之间"),
    ],
)
def test_bad_training_settings(args, en, zh):
    with pytest.raises(gr.Error, match=en):
        next(bp.on_train(*args, "en"))
    with pytest.raises(gr.Error, match=zh):
        next(bp.on_train(*args, "zh"))


# ---- the code panel's snippets --------------------------------------------------


def run_snippet(name):
    return runpy.run_path(str(SNIPPETS / f"{name}.py"), run_name="__main__")


def test_backprop_snippet(capsys):
    g = run_snippet("backprop")
    hand = bp.backprop(g["x"], g["y"], 1.0)
    assert g["y_hat"].item() == hand["y_hat"] and g["loss"].item() == hand["loss"]
    assert g["w"].grad.item() == hand["grad_w"] == g["by_hand"] == -8
    assert "w.grad = -8.0" in capsys.readouterr().out


def test_backprop_quadratic_snippet():
    g = run_snippet("backprop_quadratic")
    *_, (epoch, w1, w2, b, _) = bp.train_quadratic(g["x_data"], g["y_data"], g["lr"], g["epochs"])
    assert epoch == g["epochs"]
    # the same float32 operations in the same order: the same numbers
    assert (g["w1"].item(), g["w2"].item(), g["b"].item()) == pytest.approx((w1, w2, b), rel=1e-6, abs=1e-7)


# ---- the public API through gradio_client -------------------------------------


def test_api_backprop(client):
    assert client.predict(2.0, 4.0, 1.0, api_name="/backprop") == {"y_hat": 2.0, "loss": 4.0, "grad_w": -8.0}
    out = client.predict(-3.5, 0.7, 2.2, api_name="/backprop")
    ref = torch_pass(-3.5, 0.7, 2.2)
    assert out["y_hat"] == pytest.approx(ref["y_hat"].item())
    assert out["loss"] == pytest.approx(ref["loss"].item())
    assert out["grad_w"] == pytest.approx(ref["w"].grad.item())


def test_api_backprop_bad_input(client):
    for bad in (None, "nan"):
        with pytest.raises(AppError, match="finite number"):
            client.predict(2.0, bad, 1.0, api_name="/backprop")
    with pytest.raises(AppError, match="between"):
        client.predict(2.0, 4.0, 1e4, api_name="/backprop")
