import itertools
import math

import gradio as gr
import pytest
import torch

from demos.basics import gradient_descent as gd


def torch_batch_gd(lr, epochs, w0):
    """The lecture's batch gradient descent with torch.autograd computing the gradient."""
    x = torch.tensor(gd.X)
    y = torch.tensor(gd.Y)
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    ws, losses = [], []
    for _ in range(epochs):
        loss = ((w * x - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
        ws.append(w.item())
        losses.append(loss.item())
    return ws, losses


@pytest.mark.parametrize("lr,w0", [(0.01, 1.0), (0.1, -1.5), (0.2, 5.0)])
def test_batch_matches_torch_autograd(lr, w0):
    run = gd.gradient_descent("batch", lr, 50, w0)
    ws, losses = torch_batch_gd(lr, 50, w0)
    assert run["w"] == pytest.approx(ws, rel=1e-12, abs=1e-12)
    assert run["loss"] == pytest.approx(losses, rel=1e-12, abs=1e-12)
    assert not run["diverged"]


def test_gradient_matches_autograd():
    w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    ((w * torch.tensor(gd.X) - torch.tensor(gd.Y)) ** 2).mean().backward()
    assert gd.gradient(0.7) == pytest.approx(w.grad.item())


@pytest.mark.parametrize("mode", gd.MODES)
def test_every_mode_converges_and_is_reproducible(mode):
    a = gd.gradient_descent(mode, 0.01, 200, 1.0, seed=3)
    b = gd.gradient_descent(mode, 0.01, 200, 1.0, seed=3)
    assert a == b
    assert a["w"][-1] == pytest.approx(2.0, abs=1e-3)
    assert len(a["w"]) == len(a["loss"]) == 200


def test_shuffle_depends_on_seed():
    runs = {tuple(gd.gradient_descent("sgd", 0.05, 3, 0.0, seed=s)["w"]) for s in range(6)}
    assert len(runs) > 1


def test_divergence_is_reported_without_nan():
    run = gd.gradient_descent("batch", 0.25, 1000, 1.0)
    assert run["diverged"]
    assert 0 < len(run["w"]) < 1000
    assert all(math.isfinite(v) for v in run["w"] + run["loss"])
    assert run["loss"][-1] > 1e6 * run["loss"][0]  # it really blew up


def test_largest_stable_lr_batch_is_three_fourteenths():
    assert gd.largest_stable_lr("batch") == pytest.approx(3 / 14)


@pytest.mark.parametrize("mode", ["batch", "sgd"])
def test_stable_bound_separates_convergence_from_divergence(mode):
    bound = gd.largest_stable_lr(mode)
    below = gd.gradient_descent(mode, 0.97 * bound, 3000, 1.0)
    above = gd.gradient_descent(mode, 1.03 * bound, 3000, 1.0)
    assert not below["diverged"] and below["w"][-1] == pytest.approx(2.0, abs=1e-6)
    assert above["diverged"]


def test_minibatch_bound_is_the_worst_shuffle():
    bound = gd.largest_stable_lr("minibatch", 2)
    # Just below, every split of a shuffle contracts; just above, one does not.
    assert abs(gd.epoch_factor(bound, [(0, 1), (2,)])) < 1 or abs(gd.epoch_factor(bound, [(1, 2), (0,)])) < 1
    worst = max(
        abs(gd.epoch_factor(bound + 2e-4, groups)) for groups in ([(0, 1), (2,)], [(0, 2), (1,)], [(1, 2), (0,)])
    )
    assert worst >= 1


@pytest.mark.parametrize("size", [1, 2, 3])
def test_scanned_bound_is_the_scan_over_every_shuffles_epoch_factor(size):
    """The scan with each batch's mean taken once gives the plain scan's bound, to the bit."""
    partitions = {
        tuple(tuple(sorted(p[i : i + size])) for i in range(0, 3, size)) for p in itertools.permutations(range(3))
    }
    lr = 1e-4
    while all(abs(gd.epoch_factor(lr, groups)) < 1 for groups in partitions):
        lr += 1e-4
    assert gd.largest_stable_lr("minibatch", size) == round(lr - 1e-4, 6)
    assert gd.largest_stable_lr("sgd", size) == gd.largest_stable_lr("minibatch", 1)  # SGD ignores the batch size


def test_ema_is_the_lectures_formula():
    assert gd.ema([4.0, 2.0, 1.0], 1.0) == [4.0, 2.0, 1.0]
    assert gd.ema([4.0, 2.0, 1.0], 0.5) == [4.0, 3.0, 2.0]


def test_stream_yields_growing_curves_and_state():
    frames = list(gd.train("batch", 0.01, 100, 1.0, 0, 2, 0.5, False, "zh"))
    assert len(frames) > 10
    counts = [len(f[3]["loss"]) for f in frames]
    assert counts == sorted(counts) and counts[-1] == 100
    assert "第 100/100 轮" in frames[-1][2]


def test_stream_reports_divergence_in_the_users_language():
    last = list(gd.train("batch", 0.3, 200, 1.0, 0, 2, 0.5, False, "zh"))[-1]
    assert "发散" in last[2] and last[3]["diverged"]
    assert last[0].layout.yaxis.range[1] == pytest.approx(3 * last[3]["loss"][0])


@pytest.mark.parametrize(
    "args",
    [
        ("newton", 0.01, 10, 1.0, 0),
        ("batch", -0.1, 10, 1.0, 0),
        ("batch", float("nan"), 10, 1.0, 0),
        ("batch", 0.01, -5, 1.0, 0),
        ("batch", 0.01, 10**9, 1.0, 0),
        ("batch", 0.01, 2.5, 1.0, 0),
    ],
)
def test_bad_input_is_a_clear_error(args):
    with pytest.raises(gr.Error):
        gd.api_gradient_descent(*args)


def test_slow_divergence_is_flagged_before_it_blows_up():
    run = gd.gradient_descent("batch", 0.22, 100, 1.0)
    assert len(run["w"]) == 100 and run["diverged"]
    last = list(gd.train("batch", 0.22, 100, 1.0, 0, 2, 0.5, False, "en"))[-1]
    assert "Diverging" in last[2]


def numpy_epochs(mode, lr, epochs, w0, seed, batch_size):
    """run_epochs as NumPy arrays would do it (its first form), with the same shuffles."""
    import numpy as np

    rng = np.random.default_rng(seed)
    w, out = float(w0), []
    for _ in range(epochs):
        losses = []
        for idx in gd.epoch_batches(mode, rng, batch_size):
            losses.extend((w * gd.X[idx] - gd.Y[idx]) ** 2)
            w -= lr * float(np.mean(2 * gd.X[idx] * (w * gd.X[idx] - gd.Y[idx])))
        loss = float(np.mean(losses))
        if not (math.isfinite(w) and abs(w) < gd.BLOWUP and math.isfinite(loss)):
            break
        out.append((w, loss))
    return out


@pytest.mark.parametrize("mode", gd.MODES)
@pytest.mark.parametrize("lr", [0.01, 0.2, 0.3, 1.0])
def test_run_epochs_is_numpys_arithmetic_exactly(mode, lr):
    """The run in Python floats (fast enough for a class's send to check again) gives NumPy's numbers to the bit."""
    for seed, batch_size in [(0, 2), (5, 1), (9, 3)]:
        got = [(w, loss) for _, w, loss, blew_up in gd.run_epochs(mode, lr, 80, 1.0, seed, batch_size) if not blew_up]
        assert got == numpy_epochs(mode, lr, 80, 1.0, seed, batch_size)
