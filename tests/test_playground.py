"""The network playground (Lee P7): data generators, layer specs, parameter
counts, training and its stream, checked against PyTorch."""

import math
import re
import runpy
import subprocess
import sys
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from gradio_client.exceptions import AppError

from demos import live
from demos.classification import playground as pg
from demos.ui import SNIPPETS

ROOT = Path(__file__).resolve().parents[1]
CFG = {
    "dataset": "circles", "n": 300, "noise": 0.2, "test_pct": 30, "seed": 0, "hidden": [8, 8], "activation": "tanh",
    "features": ["x₁", "x₂"], "optimizer": "adam", "lr": 0.03, "batch_size": 32, "l2": 0.0,
}  # fmt: skip
# the event's inputs: dataset, n, noise, test %, seed, layers, activation, features, optimizer, lr, batch, L2
ARGS = ["circles", 300, 0.2, 30, 0, "8, 8", "tanh", ["x₁", "x₂"], "adam", 0.03, 64, 0.0]


# ---- data ---------------------------------------------------------------------


@pytest.mark.parametrize("name", pg.DATASETS)
def test_data_shapes_balance_and_seed(name):
    X, y = pg.make_data(name, 301, 0.1, seed=5)
    assert X.shape == (301, 2) and y.shape == (301,)
    assert set(np.unique(y)) == {0.0, 1.0} and (y == 0).sum() == 150 and (y == 1).sum() == 151
    X2, y2 = pg.make_data(name, 301, 0.1, seed=5)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, pg.make_data(name, 301, 0.1, seed=6)[0])
    clean, _ = pg.make_data(name, 301, 0.0, seed=5)
    if name != "gaussians":  # without noise the data lies inside the plotted square
        assert np.abs(clean).max() <= pg.DOMAIN


def test_data_geometry_without_noise():
    X, y = pg.make_data("circles", 400, 0.0, 0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].max() <= 1.5 and r[y == 0].min() >= 2.2
    X, y = pg.make_data("xor", 400, 0.0, 0)
    assert np.array_equal(X[:, 0] * X[:, 1] > 0, y == 1) and np.abs(X).min() >= 0.3
    X, y = pg.make_data("gaussians", 2000, 0.0, 0)
    assert X[y == 1].mean(0) == pytest.approx([1.5, 1.5], abs=0.1)
    assert X[y == 0].mean(0) == pytest.approx([-1.5, -1.5], abs=0.1)
    X, y = pg.make_data("spirals", 400, 0.0, 0)  # class 1 is class 0 turned by 180°
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 3.5 and r.min() >= 3.5 * 0.05 - 1e-9


def test_noise_is_gaussian_with_the_given_std():
    clean, _ = pg.make_data("moons", 4000, 0.0, 3)
    noisy, _ = pg.make_data("moons", 4000, 0.5, 3)  # the same points, then the noise is drawn
    assert (noisy - clean).std() == pytest.approx(0.5, rel=0.05)


def test_split_and_features():
    tr, te = pg.split(400, 30, 0)
    assert len(te) == 120 and len(tr) == 280
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(400))
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    F = pg.features(X, list(pg.FEATURES))
    assert F.shape == (2, 7)
    assert F[0].tolist() == pytest.approx([1, 2, 1, 4, 2, math.sin(1), math.sin(2)])
    assert F[1].tolist() == pytest.approx([-0.5, 3, 0.25, 9, -1.5, math.sin(-0.5), math.sin(3)])


# ---- the network ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text,sizes",
    [("8, 8, 4", [8, 8, 4]), ("", []), ("  ", []), ("16", [16]), ("3，2", [3, 2]), ("1,1,1,1,1,1", [1] * 6)],
)
def test_parse_layers(text, sizes):
    assert pg.parse_layers(text) == sizes


@pytest.mark.parametrize(
    "text,en,zh",
    [
        ("8, x", "“x” is not a whole number", "不是整数"),
        ("-3", "“-3” is not a whole number", "不是整数"),
        ("2.5", "not a whole number", "不是整数"),
        ("4,4,4,4,4,4,4", "At most 6 hidden layers; got 7", "最多 6 层"),
        ("8, 17", "1 to 16 neurons; got 17", "1 到 16"),
        ("0", "got 0", "收到 0"),
    ],
)
def test_bad_layer_specs_are_clear(text, en, zh):
    for lang, part in (("en", en), ("zh", zh)):
        with pytest.raises(gr.Error) as err:
            pg.parse_layers(text, lang)
        assert part in err.value.message
    with pytest.raises(gr.Error) as err:  # API callers get both languages
        pg.parse_layers(text, None)
    assert en in err.value.message and zh in err.value.message


@pytest.mark.parametrize(
    "features,hidden", [(2, []), (2, [8, 8]), (7, [16] * 6), (3, [1]), (5, [4, 16, 2])]
)  # fmt: skip
@pytest.mark.parametrize("activation", list(pg.ACTIVATIONS))
def test_parameter_count_and_layers_match_torch(features, hidden, activation):
    sizes = pg.layer_sizes(features, hidden)
    model = pg.make_model(sizes, activation)
    assert pg.param_count(sizes) == sum(p.numel() for p in model.parameters())
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == list(zip(sizes[:-1], sizes[1:]))
    assert isinstance(model[-1], torch.nn.Linear) and model[-1].out_features == 1  # a logit, no activation after
    acts = [m for m in model if not isinstance(m, torch.nn.Linear)]
    assert len(acts) == len(hidden) and all(type(a).__name__ == pg.ACTIVATIONS[activation] for a in acts)
    assert model(torch.zeros(5, features)).shape == (5, 1)


def test_arch_text_lists_every_layer():
    text = pg.arch_text(7, [16] * 6, "relu", "en")
    assert "1505 parameters" in text and "(7 → 16): W 16×7, b 16 → ReLU" in text and "16·1 + 1 = 17" in text
    assert "1505" in pg.arch_text(7, [16] * 6, "relu", "zh") and "参数" in pg.arch_text(2, [], "tanh", "zh")


# ---- training -------------------------------------------------------------------


def test_losses_are_bce_and_the_heatmap_is_sigmoid_of_the_logits():
    tr = pg.Trainer(CFG)
    tr.train(2)
    with torch.no_grad():
        p = torch.sigmoid(tr.model(tr.X_test)).double()
        y = tr.y_test.double()
        bce = -(y * p.log() + (1 - y) * (1 - p).log()).mean().item()
        acc = 100 * ((p > 0.5).double() == y).double().mean().item()
    assert tr.history["test"][-1] == pytest.approx(bce, rel=1e-5)
    assert tr.history["test_acc"][-1] == pytest.approx(acc)
    probs = np.array(tr.grid_probs())
    assert probs.shape == (pg.GRID, pg.GRID)
    g = np.linspace(-pg.DOMAIN, pg.DOMAIN, pg.GRID)
    i, j = 7, 41  # row i is x2 = g[i], column j is x1 = g[j]
    with torch.no_grad():
        one = torch.sigmoid(tr.model(torch.tensor([[g[j], g[i]]], dtype=torch.float32))).item()
    assert probs[i, j] == pytest.approx(one, rel=1e-5)


@pytest.mark.parametrize(
    "dataset,hidden,features",
    [("gaussians", [], ["x₁", "x₂"]), ("xor", [8, 8], ["x₁", "x₂"]), ("xor", [], ["x₁·x₂"])],
)
def test_easy_sets_reach_95_percent_quickly(dataset, hidden, features):
    cfg = CFG | {"dataset": dataset, "hidden": hidden, "features": features, "noise": 0.1, "batch_size": 32}
    tr = pg.Trainer(cfg)
    tr.train(25)
    assert tr.history["test_acc"][-1] >= 95.0, tr.history["test_acc"][-5:]
    assert tr.history["train"][-1] < tr.history["train"][0]


def test_training_is_seeded():
    a, b = pg.Trainer(CFG), pg.Trainer(CFG)
    a.train(3)
    b.train(3)
    assert a.history == b.history
    c = pg.Trainer(CFG | {"seed": 1})
    c.train(3)
    assert c.history != a.history


@pytest.mark.parametrize("optimizer,l2", [("adam", 0.0), ("sgd", 0.001)])
def test_continue_equals_one_long_run(optimizer, l2):
    cfg = CFG | {"optimizer": optimizer, "l2": l2, "lr": 0.1}
    whole = pg.Trainer(cfg)
    whole.train(4)
    first = pg.Trainer(cfg)
    first.train(2)
    saved = first.state()  # plain lists only: what gr.State keeps
    assert isinstance(saved["model"]["0.weight"]["tensor"], list)
    second = pg.Trainer(cfg, saved)
    second.train(2)
    assert second.history == whole.history
    for (k, v), w in zip(second.model.state_dict().items(), whole.model.state_dict().values()):
        assert torch.equal(v, w), k


def test_weight_decay_is_the_l2_gradient():
    # SGD with weight_decay λ steps by lr·(grad + λ·w): the gradient of loss + λ/2·||w||²
    cfg = CFG | {"optimizer": "sgd", "l2": 0.1, "lr": 0.5, "batch_size": 1000}
    tr = pg.Trainer(cfg)
    before = [p.detach().clone() for p in tr.model.parameters()]
    tr.model.zero_grad()
    order = torch.randperm(len(tr.X_train), generator=torch.Generator().manual_seed(0))
    tr.loss_fn(tr.model(tr.X_train[order]), tr.y_train[order]).backward()
    grads = [p.grad.clone() for p in tr.model.parameters()]
    tr.train(1)
    for p, w, g in zip(tr.model.parameters(), before, grads):
        assert torch.allclose(p.detach(), w - 0.5 * (g + 0.1 * w), atol=1e-6)


def test_snippet_computes_what_the_tab_computes():
    g = runpy.run_path(str(SNIPPETS / "playground.py"), run_name="__main__")
    tr = pg.Trainer(CFG)
    tr.train(g["epochs"])
    assert g["train_losses"] == pytest.approx(tr.history["train"], rel=1e-6)
    assert g["test_losses"] == pytest.approx(tr.history["test"], rel=1e-6)
    assert g["test_accuracy"] == pytest.approx(tr.history["test_acc"][-1])
    assert g["n_params"] == pg.param_count(pg.layer_sizes(2, [8, 8]))
    assert np.allclose(g["probs"].numpy(), tr.grid_probs(), atol=1e-6)
    for name in pg.DATASETS:  # the snippet's generators are the tab's
        X, y = g["make_data"](name, 101, 0.3, 7)
        X2, y2 = pg.make_data(name, 101, 0.3, 7)
        assert np.array_equal(X, X2) and np.array_equal(y, y2)


# ---- the streamed event ---------------------------------------------------------


def frames_of(run, resume, *args, epochs=30, lang="en"):
    gen = (pg.on_continue if resume else pg.on_train)(run, *args, epochs, True, False, lang)
    return list(gen)


def test_stream_grows_and_ends_done():
    frames = frames_of(None, False, *ARGS, lang="zh")
    epochs = [len(f[3]["history"]["train"]) for f in frames]
    assert epochs == sorted(epochs) and epochs[-1] == 30
    fig, loss, status, state = frames[-1]
    assert "完成" in status and "第 30/30 轮" in status
    assert "第 30 轮" in fig.layout.title.text and len(loss.data[0].y) == 30
    assert all(v is not None and math.isfinite(v) for v in fig.data[0].z.ravel())
    # continue: 30 more epochs from where it stopped
    more = frames_of(state, True, *ARGS)
    assert "epoch 60/60" in more[-1][2] and more[-1][3]["history"]["train"][:30] == state["history"]["train"]
    # a different network cannot continue: it starts afresh and says so
    fresh = frames_of(state, True, *ARGS[:5], "4", *ARGS[6:])
    assert "from scratch" in fresh[-1][2] and len(fresh[-1][3]["history"]["train"]) == 30


def test_frames_are_paced_by_time_not_by_epoch(monkeypatch):
    """The largest network on the most data with batch size 1: frames come mid-epoch, once per interval.

    A fake clock that moves 0.05 s per reading stands for a slow machine (the wall-clock gaps are a
    benchmark's business, not a test's): a frame is due after FRAME_INTERVAL of it, long before the
    epoch's 420 batches end."""
    clock = iter(np.arange(0, 1e4, 0.05))
    monkeypatch.setattr(live.time, "monotonic", lambda: float(next(clock)))
    args = ["spirals", 600, 0.2, 10, 0, ",".join(["16"] * 6), "relu", list(pg.FEATURES), "adam", 0.01, 1, 0.0]
    gen = pg.on_train(None, *args, 1000, True, False, "en")
    notes = [next(gen)[2] for _ in range(6)]
    gen.close()
    batches = [int(re.search(r"batch (\d+)/", note).group(1)) for note in notes]
    # all six inside the first epoch, which the status says (not "Press Train to start")
    assert all(note.startswith("epoch 0/1000 · batch ") for note in notes), notes
    gaps = np.diff(batches)
    assert batches == sorted(batches) and gaps.max() <= 1 + pg.FRAME_INTERVAL / 0.05, batches


def test_time_limit_and_divergence_stop_with_a_message(monkeypatch):
    class Short(pg.live.Pacer):
        def __init__(self, steps, **kw):
            super().__init__(steps, **kw | {"budget": 0.3})

    monkeypatch.setattr(pg.live, "Pacer", Short)
    last = frames_of(None, False, *ARGS, epochs=1000)[-1]
    assert "time limit" in last[2] and len(last[3]["history"]["train"]) < 1000
    monkeypatch.undo()

    real = pg.Trainer.evaluate

    def blow_up(self):  # the loss turns NaN at epoch 3
        real(self)
        if self.epoch == 3:
            self.history["train"][-1] = math.nan

    monkeypatch.setattr(pg.Trainer, "evaluate", blow_up)
    last = frames_of(None, False, *ARGS, lang="zh")[-1]
    assert "发散" in last[2] and "第 3 轮" in last[2]
    assert all(math.isfinite(v) for h in last[3]["history"].values() for v in h)  # no NaN kept
    assert len(last[3]["history"]["train"]) == 2


def test_nan_probabilities_never_reach_the_browser():
    probs = np.full((pg.GRID, pg.GRID), np.nan)
    fig = pg.boundary_figure(CFG, probs, 3, True, False, "en")
    assert np.isfinite(np.asarray(fig.data[0].z)).all()


@pytest.mark.parametrize(
    "i,bad,part",
    [
        (0, "squares", "must be one of"),
        (1, 50, "between"),
        (1, 1000, "between"),
        (1, 300.5, "whole number"),
        (2, float("nan"), "finite number"),
        (3, 95, "between"),
        (5, "8, eight", "not a whole number"),
        (6, "swish", "must be one of"),
        (7, [], "at least one input feature"),
        (8, "lbfgs", "must be one of"),
        (9, 0, "between"),
        (10, 0, "between"),
    ],
)
def test_bad_input_is_a_clear_error(i, bad, part):
    args = list(ARGS)
    args[i] = bad
    with pytest.raises(gr.Error) as err:
        frames_of(None, False, *args)
    assert part in err.value.message


def test_redraw_and_arch_follow_the_language():
    state = frames_of(None, False, *ARGS, epochs=3)[-1][3]
    fig, loss, status = pg.redraw(state, *ARGS[:5], False, True, "zh")
    assert "决策边界" in fig.layout.title.text and set(np.unique(fig.data[0].z)) <= {0.0, 1.0}  # discretized
    assert "第 3/3 轮" in status and loss.data[0].name == "训练"
    preview, _, ready = pg.redraw(None, "moons", 200, 0.1, 20, 1, False, False, "en")
    assert "not trained" in preview.layout.title.text and len(preview.data) == 2  # train points only
    assert "Train from scratch" in ready
    assert "⚠️" in pg.on_arch("8, 99", ["x₁"], "relu", "zh") and "1 到 16" in pg.on_arch("8, 99", ["x₁"], "relu", "zh")
    assert "17 parameters" in pg.on_arch("4", ["x₁", "x₂"], "relu", "en")  # 2·4+4 + 4·1+1


def test_build_does_not_import_torch():
    code = (
        "import sys, types; pkg = types.ModuleType('demos'); pkg.__path__ = ['demos']; sys.modules['demos'] = pkg\n"
        "import gradio as gr\nfrom demos.classification import playground\n"
        "with gr.Blocks():\n    playground.build(gr.Radio(['zh', 'en'], value='en'))\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ---- the public API ---------------------------------------------------------------


def test_api_trains_through_gradio_client(client):
    out = client.predict(
        "gaussians", 200, 0.1, 25, 0, "4", "relu", ["x₁", "x₂"], "adam", 0.03, 16, 0.0, 20, api_name="/playground"
    )
    assert out["layer_sizes"] == [2, 4, 1] and out["parameters"] == 2 * 4 + 4 + 4 * 1 + 1
    assert len(out["train_loss"]) == len(out["test_accuracy"]) == 20
    assert out["test_accuracy"][-1] >= 95.0
    tr = pg.Trainer(CFG | {"dataset": "gaussians", "n": 200, "noise": 0.1, "test_pct": 25, "hidden": [4],
                           "activation": "relu", "batch_size": 16})  # fmt: skip
    tr.train(20)
    assert out["test_loss"] == pytest.approx(tr.history["test"], rel=1e-5)


def test_api_bad_layers_message(client):
    with pytest.raises(AppError, match="At most 6 hidden layers"):
        client.predict(
            "xor", 200, 0.1, 25, 0, "2,2,2,2,2,2,2", "relu", ["x₁"], "adam", 0.03, 16, 0.0, 5, api_name="/playground"
        )
