"""Lecture 5: nn.Linear(1, 1) + MSELoss + eight torch.optim optimizers, checked against PyTorch."""

import math
import runpy
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch

from demos import live
from demos.basics import linear_regression as lr
from demos.ui import SNIPPETS

X = torch.tensor([[1.0], [2.0], [3.0]])
Y = torch.tensor([[2.0], [4.0], [6.0]])


def lecture_loop(name, rate, epochs, seed=0, reduction="sum"):
    """The lecture's code written out independently: global manual_seed, nn.Linear, the loop."""
    torch.manual_seed(seed)
    model = torch.nn.Linear(1, 1)
    criterion = torch.nn.MSELoss(reduction=reduction)
    optimizer = getattr(torch.optim, name)(model.parameters(), lr=rate)
    ws, bs, losses = [model.weight.item()], [model.bias.item()], []

    def closure():
        optimizer.zero_grad()
        loss = criterion(model(X), Y)
        loss.backward()
        return loss

    for _ in range(epochs):
        if name == "LBFGS":
            loss = optimizer.step(closure)
        else:
            loss = criterion(model(X), Y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
        ws.append(model.weight.item())
        bs.append(model.bias.item())
    return ws, bs, losses, model


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_start_point_is_the_seeded_nn_linear_init(seed):
    torch.manual_seed(seed)
    ref = torch.nn.Linear(1, 1)
    assert lr.start_point(seed) == (ref.weight.item(), ref.bias.item())


def test_the_private_generator_leaves_the_global_rng_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    lr.make_model(0)  # the throw-away default init draws globally; reseed to compare
    torch.manual_seed(7)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("name", lr.OPTIMIZERS)
@pytest.mark.parametrize("reduction", lr.REDUCTIONS)
def test_every_optimizer_matches_the_lecture_loop(name, reduction):
    run = lr.train(name, 0.05, 25, seed=3, reduction=reduction)
    ws, bs, losses, _ = lecture_loop(name, 0.05, 25, seed=3, reduction=reduction)
    assert run["w"] == ws and run["b"] == bs and run["loss"] == losses  # bit for bit
    assert run["diverged"] is None


def test_all_start_together_and_run_in_lockstep():
    *_, (epoch, runs) = lr.train_all(lr.OPTIMIZERS, 0.01, 5, seed=0)
    assert epoch == 5 and list(runs) == list(lr.OPTIMIZERS)
    assert len({(r["w"][0], r["b"][0]) for r in runs.values()}) == 1
    assert all(len(r["w"]) == 6 and len(r["loss"]) == 5 for r in runs.values())


def test_sgd_learns_y_equals_2x_and_predicts_8():
    run = lr.train("SGD", 0.01, 1000)
    *_, model = lecture_loop("SGD", 0.01, 1000)
    w, b = run["w"][-1], run["b"][-1]
    assert w == pytest.approx(2.0, abs=1e-3) and b == pytest.approx(0.0, abs=2e-3)
    assert lr.predict(w, b) == pytest.approx(model(torch.tensor([[4.0]])).item(), abs=1e-6)
    assert lr.predict(w, b) == pytest.approx(8.0, abs=2e-3)


@pytest.mark.parametrize("reduction", lr.REDUCTIONS)
def test_cost_is_torch_mse_loss(reduction):
    for w, b in [(0.3, -1.2), (2.0, 0.0), (5.0, 3.0)]:
        ref = torch.nn.MSELoss(reduction=reduction)(w * X.double() + b, Y.double()).item()
        assert lr.cost(w, b, reduction) == pytest.approx(ref, rel=1e-12)
    grid = lr.cost(np.array([[1.0, 2.0]]), np.array([[0.0], [1.0]]), reduction)
    assert grid.shape == (2, 2) and grid[0, 1] == 0.0


def test_sum_is_three_times_mean_so_sgd_needs_a_third_of_the_rate():
    a = lr.train("SGD", 0.01, 200, reduction="sum")
    b = lr.train("SGD", 0.03, 200, reduction="mean")
    assert a["w"] == pytest.approx(b["w"], rel=1e-5)
    assert a["loss"] == pytest.approx([3 * v for v in b["loss"]], rel=1e-4, abs=1e-9)


def test_sgd_stability_bound_is_two_over_the_largest_curvature():
    # loss = Σ(w x + b − y)² has Hessian 2·[[Σx², Σx], [Σx, N]]; SGD is stable for lr < 2/λ_max.
    x = np.array(lr.X_DATA)
    hessian = 2 * np.array([[x @ x, x.sum()], [x.sum(), len(x)]])
    bound = 2 / np.linalg.eigvalsh(hessian).max()
    assert bound == pytest.approx(0.0601, abs=1e-4)
    assert lr.train("SGD", 0.97 * bound, 1000)["diverged"] is None
    assert lr.train("SGD", 1.03 * bound, 1000)["diverged"]


def test_lbfgs_with_its_closure_gets_there_in_a_few_steps():
    run = lr.train("LBFGS", 1.0, 3)
    assert run["w"][-1] == pytest.approx(2.0, abs=1e-4) and run["b"][-1] == pytest.approx(0.0, abs=1e-4)


def test_divergence_is_per_optimizer_and_never_stores_nan():
    *_, (_, runs) = lr.train_all(lr.OPTIMIZERS, 0.1, 300)
    diverged = {name for name, run in runs.items() if run["diverged"]}
    assert diverged == {"SGD", "ASGD"}
    assert runs["LBFGS"]["w"][-1] == pytest.approx(2.0, abs=1e-4)
    for run in runs.values():
        assert all(math.isfinite(v) for v in run["w"] + run["b"] + run["loss"])
    state = {"names": list(lr.OPTIMIZERS), "reduction": "sum", "runs": runs}
    table = lr.table_markdown(state, "en")
    assert f"| SGD | ✕ {runs['SGD']['diverged']} | — |" in table and "| LBFGS | ✓ |" in table


def test_thin_and_inside():
    assert lr.thin(10) == list(range(10))
    kept = lr.thin(1001)
    assert len(kept) <= 600 and kept[:200] == list(range(200)) and kept[-1] == 1000
    run = {"w": [0.0, 1.0, 50.0, 1e5], "b": [0.0, 0.0, 0.0, 0.0]}
    assert lr.inside(run, -1, 3, -1, 1) == 3  # up to the first point out of the window


@pytest.fixture
def fast_frames(monkeypatch):
    """Streamed frames without the pause that lets a browser redraw (the frames are the same)."""
    monkeypatch.setattr(live.Pacer, "shown", lambda self: None)


def no_bad_numbers(fig):
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text


def test_stream_grows_and_ends_done(fast_frames):
    frames = list(lr.on_train("all", 0.1, 60, 0, "sum", True, "zh"))
    assert len(frames) >= 10
    epochs = [f[4]["epoch"] for f in frames]
    assert epochs == sorted(epochs) and epochs[-1] == 60
    loss_fig, path_fig, table, status, state = frames[-1]
    assert status.startswith("**完成**") and "60/60" in status
    assert len(loss_fig.data) == 8 and "第 16 轮发散" in loss_fig.data[0].name
    assert "LBFGS" in table and "ŷ(4)" in table
    no_bad_numbers(loss_fig)
    no_bad_numbers(path_fig)
    # the same run redrawn in English
    loss_en, _, table_en, status_en, _ = lr.redraw(state, False, "en")
    assert "diverged at epoch 16" in loss_en.data[0].name and status_en.startswith("**Done**")
    assert loss_en.layout.yaxis.type != "log"


def test_time_limit_stops_the_run(monkeypatch):
    monkeypatch.setattr(live.Pacer, "time_up", lambda self: True)
    frames = list(lr.on_train("SGD", 0.01, 500, 0, "sum", True, "en"))
    assert len(frames) == 1 and frames[-1][4]["epoch"] == 1
    assert "time limit" in frames[-1][3]


def test_empty_figures():
    for lang in ("zh", "en"):
        loss_fig, path_fig, table, status, state = lr.redraw(None, True, lang)
        assert state is None and len(path_fig.data) == 2  # contour and the optimum
    assert "press ▶ Train" in lr.status_text(None, "en")


def test_building_both_tabs_needs_no_torch(monkeypatch):
    """Start-up stays fast: neither module imports torch at the top, and build() never asks for it."""
    from demos import ui
    from demos.classification import logistic_regression

    def no_torch():
        raise AssertionError("build() asked for torch")

    monkeypatch.setattr(ui, "torch_ready", no_torch)
    with gr.Blocks():
        lang = gr.Radio(["zh", "en"], value="en")
        lr.build(lang)
        logistic_regression.build(lang)
    for module in (lr, logistic_regression):
        top = [line for line in Path(module.__file__).read_text().splitlines() if line.startswith(("import", "from"))]
        assert not any("torch" in line for line in top)


@pytest.mark.parametrize(
    "args",
    [
        ("Newton", 0.01, 10, 0, "sum"),
        ("SGD", -0.1, 10, 0, "sum"),
        ("SGD", float("nan"), 10, 0, "sum"),
        ("SGD", 0.01, 0, 0, "sum"),
        ("SGD", 0.01, 2.5, 0, "sum"),
        ("SGD", 0.01, 10**6, 0, "sum"),
        ("SGD", 0.01, 10, -1, "sum"),
        ("SGD", 0.01, 10, 0, "max"),
        ("SGD", None, 10, 0, "sum"),
    ],
)
def test_bad_input_is_a_clear_error_in_the_users_language(args):
    with pytest.raises(gr.Error) as err:
        next(lr.on_train(*args, True, "zh"))
    assert any("\u4e00" <= c <= "\u9fff" for c in err.value.message)


def test_snippet_is_the_tabs_sgd_run(capsys):
    g = runpy.run_path(str(SNIPPETS / "linear_regression.py"), run_name="__main__")
    run = lr.train("SGD", 0.01, 1000, seed=0, reduction="sum")
    assert g["losses"] == run["loss"]
    assert g["model"].linear.weight.item() == run["w"][-1] and g["model"].linear.bias.item() == run["b"][-1]
    assert g["y_test"].item() == pytest.approx(lr.predict(run["w"][-1], run["b"][-1]), abs=1e-6)
    assert "w = " in capsys.readouterr().out
