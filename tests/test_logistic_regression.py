"""Lecture 6: logistic regression with BCELoss, checked against PyTorch; the MSE-vs-BCE panel."""

import math
import runpy

import gradio as gr
import numpy as np
import pytest
import torch

from demos import live
from demos.classification import logistic_regression as lg
from demos.ui import SNIPPETS


def test_sigmoid_matches_torch_and_never_overflows():
    z = np.array([-800.0, -30.0, -1.5, 0.0, 2.0, 30.0, 800.0])
    ref = torch.sigmoid(torch.tensor(z)).numpy()
    assert lg.sigmoid(z) == pytest.approx(ref, rel=1e-12, abs=1e-15)
    assert lg.sigmoid(0.0) == 0.5


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_bce_formula_is_torch_bce_loss(reduction):
    gen = torch.Generator().manual_seed(0)
    y_hat = torch.rand(50, generator=gen, dtype=torch.float64) * 0.98 + 0.01
    y = (torch.rand(50, generator=gen, dtype=torch.float64) > 0.5).double()
    ours = lg.bce(y_hat.numpy(), y.numpy())  # −[y·log ŷ + (1 − y)·log(1 − ŷ)] per sample
    ours = {"none": ours, "sum": ours.sum(), "mean": ours.mean()}[reduction]
    ref = torch.nn.BCELoss(reduction=reduction)(y_hat, y).numpy()
    assert ours == pytest.approx(ref, rel=1e-12)


def test_bce_from_logits_is_stable_and_equal():
    z = np.linspace(-20, 20, 81)
    y = (np.arange(81) % 2).astype(float)
    assert lg.bce_logit(z, y) == pytest.approx(lg.bce(lg.sigmoid(z), y), rel=1e-7)
    big = np.array([-500.0, 500.0])
    ref = torch.nn.BCEWithLogitsLoss(reduction="none")(torch.tensor(big), torch.tensor([1.0, 0.0], dtype=torch.float64))
    assert lg.bce_logit(big, [1.0, 0.0]) == pytest.approx(ref.numpy())  # 500 each, no inf


def test_student_data_is_fixed_and_interesting():
    hours, passed = lg.student_data()
    assert len(hours) == len(passed) == lg.STUDENTS == 20
    assert hours[:5] == (0.6, 0.8, 0.9, 1.4, 2.0) and hours == tuple(sorted(hours))
    assert sum(passed) == 11
    # not separable: some student passed with fewer hours than one who failed
    assert min(h for h, p in zip(hours, passed) if p) < max(h for h, p in zip(hours, passed) if not p)


def test_model_starts_as_the_seeded_constructor():
    torch.manual_seed(5)
    ref = torch.nn.Linear(1, 1)
    model = lg.make_model(5)
    assert model.linear.weight.item() == ref.weight.item() and model.linear.bias.item() == ref.bias.item()
    x = torch.tensor([[1.0], [2.0]])
    assert torch.equal(model(x), torch.sigmoid(ref(x)))


@pytest.mark.parametrize("reduction", lg.REDUCTIONS)
def test_training_is_the_lecture_loop(reduction):
    xs, ys = lg.student_data()
    run = lg.fit(xs, ys, 0.01, 300, seed=2, reduction=reduction)
    torch.manual_seed(2)
    model = torch.nn.Linear(1, 1)
    criterion = torch.nn.BCELoss(reduction=reduction)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.tensor(xs).view(-1, 1)
    y = torch.tensor(ys).view(-1, 1)
    losses = []
    for _ in range(300):
        loss = criterion(torch.sigmoid(model(x)), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert run["loss"] == losses and run["w"] == model.weight.item() and run["b"] == model.bias.item()
    assert run["loss"][-1] < run["loss"][0]


def test_lecture_data_boundary_and_the_uncertain_band():
    run = lg.fit(lg.LECTURE_X, lg.LECTURE_Y, 0.01, 1000)
    edge = lg.boundary(run["w"], run["b"])
    assert edge == pytest.approx(2.42, abs=0.01)
    assert lg.probability(run["w"], run["b"], edge) == pytest.approx(0.5)
    assert lg.verdict(lg.probability(run["w"], run["b"], 2.5)) == "uncertain"
    assert lg.verdict(lg.probability(run["w"], run["b"], 1.0)) == "fail"
    assert lg.verdict(lg.probability(run["w"], run["b"], 6.0)) == "pass"
    assert lg.boundary(0.0, 1.0) is None


def test_verdict_edges():
    assert [lg.verdict(p) for p in (0.39, 0.4, 0.5, 0.6, 0.61)] == [
        "fail",
        "uncertain",
        "uncertain",
        "uncertain",
        "pass",
    ]


@pytest.mark.parametrize("key,b", [("lecture", -2.7), ("lecture", 0.0), ("students", -4.1), ("students", -8.0)])
def test_bce_is_convex_in_w_and_mse_is_not(key, b):
    xs, ys = lg.dataset(key)
    curves = lg.loss_vs_w(xs, ys, b)
    # the curves are the mean of torch's own losses
    for i in (0, 200, 400):
        z = torch.tensor(lg.W_GRID[i] * np.array(xs) + b)
        y = torch.tensor(ys, dtype=torch.float64)
        assert curves["bce"][i] == pytest.approx(torch.nn.BCEWithLogitsLoss()(z, y).item(), rel=1e-9)
        assert curves["mse"][i] == pytest.approx(torch.nn.MSELoss()(torch.sigmoid(z), y).item(), rel=1e-9)
    assert np.diff(curves["bce"], 2).min() > -1e-12  # convex
    spans = lg.concave_spans(lg.W_GRID, curves["mse"])
    assert spans  # MSE bends down somewhere: not convex
    # Far off (w = −6), MSE is flat while BCE still slopes steeply towards the answer.
    dw = lg.W_GRID[1] - lg.W_GRID[0]
    assert abs(curves["mse"][1] - curves["mse"][0]) / dw < 1e-2
    assert abs(curves["bce"][1] - curves["bce"][0]) / dw > 0.3


def test_concave_spans():
    ws = np.linspace(-3, 3, 61)
    assert lg.concave_spans(ws, ws**2) == []
    (lo, hi), *rest = lg.concave_spans(ws, -(ws**2))
    assert not rest and lo == pytest.approx(-2.9) and hi == pytest.approx(2.9)


def test_least_squares_line_is_lecture_5s_fit_and_no_probability():
    xs, ys = lg.student_data()
    a, c = lg.least_squares_line(xs, ys)
    design = np.column_stack([xs, np.ones(len(xs))])
    ref, *_ = np.linalg.lstsq(design, np.array(ys), rcond=None)
    assert (a, c) == pytest.approx(tuple(ref))
    assert a * 10 + c > 1 and a * 0 + c < 0.1  # leaves [0, 1]: not a probability


@pytest.fixture
def fast_frames(monkeypatch):
    """Streamed frames without the pause that lets a browser redraw (the frames are the same)."""
    monkeypatch.setattr(live.Pacer, "shown", lambda self: None)


def no_bad_numbers(fig):
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text


def test_stream_grows_and_ends_with_the_contrast_at_the_trained_b(fast_frames):
    frames = list(lg.on_train("lecture", 0.01, 1000, 0, "sum", 2.5, "en"))
    assert len(frames) >= 10
    counts = [len(f[6]["loss"]) for f in frames]
    assert counts == sorted(counts) and counts[-1] == 1000
    fit_fig, loss_fig, contrast_fig, b_fixed, status, answer, run = frames[-1]
    assert status.startswith("**Done**") and "boundary x = −b/w = 2.419" in status
    assert "**uncertain**" in answer and "0.522" in answer
    assert b_fixed == -2.7 and "b = -2.7" in contrast_fig.layout.title.text
    assert all(isinstance(f[2], type(gr.skip())) for f in frames[:-1])  # the panel only redraws at the end
    for fig in (fit_fig, loss_fig, contrast_fig):
        no_bad_numbers(fig)
    # in Chinese
    fig_zh, loss_zh, contrast_zh, status_zh, answer_zh = lg.redraw(run, "lecture", 9.0, -2.7, "zh")
    assert status_zh.startswith("**完成**") and "能通过" in answer_zh
    assert "训练得到的 w" in contrast_zh.layout.annotations[0].text


def test_a_too_large_rate_is_flagged(fast_frames):
    xs, ys = lg.student_data()
    last = list(lg.on_train("students", 1.0, 300, 0, "sum", 2.5, "en"))[-1]
    assert "Diverging" in last[4]
    assert all(math.isfinite(v) for v in last[6]["loss"])


def test_time_limit_stops_the_run(monkeypatch):
    monkeypatch.setattr(live.Pacer, "time_up", lambda self: True)
    frames = list(lg.on_train("students", 0.01, 1000, 0, "sum", 2.5, "zh"))
    assert len(frames) == 1 and frames[0][6]["epoch"] == 1 and "时间上限" in frames[0][4]


def test_query_and_data_switch():
    fig, answer = lg.on_query(None, "lecture", 3.0, "en")
    assert "Train the model first" in answer
    run = {"data": "lecture", "w": 2.0, "b": -5.0, "loss": [1.0], "epoch": 1, "epochs": 1, "reduction": "sum", "status": "done"}  # fmt: skip
    fig, answer = lg.on_query(run, "lecture", 2.5, "en")
    assert "**0.500**" in answer and "uncertain" in answer
    assert lg.on_query(run, "students", 2.5, "en")[1].startswith("Train")  # a run on other data does not answer
    outs = lg.on_data("students", 2.5, "zh")
    assert outs[3] == lg.B_DEFAULT["students"] and outs[6] is None and "先训练" in outs[5]
    # a bad question is refused when asked, but blocks neither a data switch, a redraw nor training
    with pytest.raises(gr.Error):
        lg.on_query(run, "lecture", 42, "en")
    assert lg.on_data("lecture", 42, "en")[6] is None
    assert "between 0 and 10" in lg.redraw(run, "lecture", 42, -5.0, "en")[4]
    assert "between 0 and 10" in lg.answer_text(run, lg.hours_or_none(float("nan")), "en")


@pytest.mark.parametrize(
    "args",
    [
        ("exam", 0.01, 10, 0, "sum", 2.5),
        ("lecture", 0.0, 10, 0, "sum", 2.5),
        ("lecture", float("inf"), 10, 0, "sum", 2.5),
        ("lecture", 0.01, 0, 0, "sum", 2.5),
        ("lecture", 0.01, 10.5, 0, "sum", 2.5),
        ("lecture", 0.01, 10, -3, "sum", 2.5),
        ("lecture", 0.01, 10, 0, "avg", 2.5),
    ],
)
def test_bad_input_is_a_clear_error(args):
    with pytest.raises(gr.Error) as err:
        next(lg.on_train(*args, "zh"))
    assert any("\u4e00" <= c <= "\u9fff" for c in err.value.message)


@pytest.mark.parametrize("hours", [-1, 10.5, None, float("nan")])
def test_bad_questions_and_b_are_clear_errors(hours):
    with pytest.raises(gr.Error) as err:
        lg.on_query(None, "lecture", hours, "zh")
    assert "学习时间" in err.value.message
    with pytest.raises(gr.Error):
        lg.on_contrast(None, "lecture", 99, "en")


def test_snippet_is_the_tabs_lecture_run(capsys):
    g = runpy.run_path(str(SNIPPETS / "logistic_regression.py"), run_name="__main__")
    run = lg.fit(lg.LECTURE_X, lg.LECTURE_Y, 0.01, 1000, seed=0, reduction="sum")
    assert g["losses"] == run["loss"] and g["w"] == run["w"] and g["b"] == run["b"]
    expected = lg.probability(run["w"], run["b"], [1.0, 2.5, 4.0, 8.0])
    assert g["p_pass"].view(-1).tolist() == pytest.approx(expected.tolist(), abs=1e-6)
    assert "2.5 h: P(pass) = 0.522 -> uncertain" in capsys.readouterr().out
