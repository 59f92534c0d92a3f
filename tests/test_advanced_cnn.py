"""Lecture 11 (Inception and residual networks): every shape, parameter count, operation
count and gradient norm the tab shows, checked against PyTorch computed here directly;
the training race; bad input; the public API through gradio_client."""

from __future__ import annotations

import json
import math

import gradio as gr
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from gradio_client.exceptions import AppError
from torch import nn

from demos import live, mnist_data
from demos.vision import advanced_cnn as tab
from demos.vision import advanced_cnn_compute as ac
from models import load
from models.mnist import MODELS, InceptionA, ResidualBlock, count_parameters

SHAPES = [(10, 12, 12), (20, 4, 4), (1, 1, 1), (3, 28, 28), (192, 7, 5), (64, 2, 31)]


def finite_json(fig) -> dict:
    def bad(const):
        raise AssertionError(f"non-finite number in a figure: {const}")

    return json.loads(fig.to_json(), parse_constant=bad)


def texts(fig) -> str:
    """Every text the figure draws: title, annotations."""
    return " ".join([fig.layout.title.text or ""] + [a.text or "" for a in fig.layout.annotations])


def cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ---- the Inception block ----------------------------------------------------------------------


def conv_params(c_in, c_out, k):
    return k * k * c_in * c_out + c_out  # weights + biases


@pytest.mark.parametrize("c,h,w", SHAPES)
def test_inception_branches_match_pytorch(c, h, w):
    r = ac.inception_block(c, h, w)
    torch.manual_seed(1)
    block = InceptionA(c)  # other weights than the tab's: shapes and counts do not depend on them
    x = torch.randn(2, c, h, w)
    with torch.no_grad():
        direct = {
            "branch1x1": [block.branch1x1(x)],
            "branch5x5": [y := block.branch5x5_1(x), block.branch5x5_2(y)],
            "branch3x3": [y := block.branch3x3_1(x), y := block.branch3x3_2(y), block.branch3x3_3(y)],
            "branch_pool": [y := F.avg_pool2d(x, 3, stride=1, padding=1), block.branch_pool(y)],
        }
        out = block(x)
    expected_params = {
        "branch1x1": conv_params(c, 16, 1),
        "branch5x5": conv_params(c, 16, 1) + conv_params(16, 24, 5),
        "branch3x3": conv_params(c, 16, 1) + conv_params(16, 24, 3) + conv_params(24, 24, 3),
        "branch_pool": conv_params(c, 24, 1),
    }
    assert [b["key"] for b in r["branches"]] == list(direct)  # the lecture's concat order
    for branch in r["branches"]:
        ys = direct[branch["key"]]
        assert [layer["shape"] for layer in branch["layers"]] == [tuple(y.shape[1:]) for y in ys]
        assert branch["params"] == expected_params[branch["key"]]
        for layer in branch["layers"]:
            if layer["kind"] == "conv":
                module = getattr(block, layer["key"])
                assert layer["params"] == sum(p.numel() for p in module.parameters())
                # multiplications: k^2 * C_in * C_out * H_out * W_out
                assert layer["mults"] == layer["kernel"] ** 2 * layer["in"] * layer["out"] * h * w
            else:
                assert layer["params"] == layer["mults"] == 0
    assert [b["channels"] for b in r["branches"]] == [16, 24, 24, 24]
    assert sum(b["channels"] for b in r["branches"]) == 88 == InceptionA.out_channels
    assert r["output"] == tuple(out.shape[1:]) == (88, h, w)
    assert r["params"] == count_parameters(block) == sum(expected_params.values())
    assert r["mults"] == sum(b["mults"] for b in r["branches"])


def test_concat_slices_are_the_branches_in_order():
    torch.manual_seed(0)
    block = InceptionA(10)
    x = torch.randn(1, 10, 12, 12)
    with torch.no_grad():
        out = block(x)
        parts = [
            block.branch1x1(x),
            block.branch5x5_2(block.branch5x5_1(x)),
            block.branch3x3_3(block.branch3x3_2(block.branch3x3_1(x))),
            block.branch_pool(F.avg_pool2d(x, 3, stride=1, padding=1)),
        ]
    start = 0
    for branch, part in zip(ac.inception_block(10, 12, 12)["branches"], parts):
        end = start + branch["channels"]
        assert torch.equal(out[:, start:end], part), branch["key"]
        start = end
    assert start == 88


def test_lecture_operation_counts():
    b = ac.bottleneck_cost(**ac.LECTURE_COST)
    assert b["direct"] == b["torch_direct"] == 120_422_400
    assert b["reduce"] == 2_408_448 and b["expand"] == 10_035_200
    assert b["bottleneck"] == b["torch_bottleneck"] == 12_443_648
    assert b["shapes"] == [(32, 28, 28), (16, 28, 28), (32, 28, 28)]
    for args in ((64, 8, 16, 14, 3), (3, 1, 7, 5, 1), (32, 32, 32, 9, 7)):
        b = ac.bottleneck_cost(*args)
        assert b["direct"] == b["torch_direct"] and b["bottleneck"] == b["torch_bottleneck"]


def test_inception_figure_and_text_show_the_numbers():
    r = ac.inception_block(10, 12, 12)
    for lang in ("en", "zh"):
        fig = tab.inception_figure(r, lang)
        finite_json(fig)
        drawn = texts(fig)
        for s in ("16 + 24 + 24 + 24", "<b>88</b>", "88×12×12", "10×12×12", "9,624", "9,800", "19,104", "branch_pool"):
            assert s in drawn, s
        assert cjk(drawn) == (lang == "zh")
        md = tab.branch_markdown(r, lang)
        assert "1,405,440" in md and "2,730,240" in md and "| 19,104 |" in md
        why = tab.why_markdown(lang)
        assert "120,422,400" in why and "12,443,648" in why and "2,408,448" in why and "10,035,200" in why
        assert cjk(why) == (lang == "zh")


# ---- the residual block -----------------------------------------------------------------------


@pytest.mark.parametrize("c,h,w", SHAPES)
def test_residual_block_trace_matches_pytorch(c, h, w):
    r = ac.residual_block(c, h, w)
    torch.manual_seed(2)
    block = ResidualBlock(c)
    x = torch.randn(1, c, h, w)
    with torch.no_grad():
        y1 = block.conv1(x)
        y2 = F.relu(y1)
        y3 = block.conv2(y2)
        y4 = x + y3
        out = F.relu(y4)
        assert torch.equal(out, block(x))
    expected = [("conv2d", y1), ("relu", y2), ("conv2d", y3), ("add", y4), ("relu", out)]
    assert r["ops"] == [(name, tuple(y.shape[1:])) for name, y in expected]
    assert r["output"] == r["input"] == (c, h, w)
    assert r["params"] == count_parameters(block) == 2 * (9 * c * c + c)
    assert r["conv_params"] == 9 * c * c + c
    assert r["projected"] == {"f_shape": (2 * c, h, w), "shape": (2 * c, h, w), "error": None}

    def outcome(fn):  # torch's own answer, which the tab quotes
        try:
            with torch.no_grad():
                return {"shape": tuple(fn().shape[1:]), "error": None}
        except RuntimeError as e:
            return {"shape": None, "error": str(e).splitlines()[0]}

    wide = nn.Conv2d(c, 2 * c, 3, padding=1)
    valid = nn.Conv2d(c, c, 3), nn.Conv2d(c, c, 3)
    assert r["wide"]["f_shape"] == (2 * c, h, w)
    assert {k: r["wide"][k] for k in ("shape", "error")} == outcome(lambda: F.relu(x + wide(F.relu(block.conv1(x)))))
    unpadded = outcome(lambda: F.relu(x + valid[1](F.relu(valid[0](x)))))
    assert {k: r["unpadded"][k] for k in ("shape", "error")} == unpadded
    if c > 1:
        assert "must match the size of tensor b" in r["wide"]["error"]
    else:  # (1, 1, H, W) + (1, 2, H, W) broadcasts: the tab says so
        assert r["wide"]["shape"] == (2, h, w)
    assert r["unpadded"]["error"] is not None


def test_residual_texts_and_broadcast_cases():
    r = ac.residual_block(16, 12, 12)
    for lang in ("en", "zh"):
        fig = tab.residual_figure(r, lang)
        finite_json(fig)
        drawn = texts(fig)
        assert drawn.count("16×12×12") >= 6 and "2,320" in drawn and "4,640" in drawn and "F(x)" in drawn
        assert cjk(drawn) == (lang == "zh")
        md = tab.residual_markdown(r, lang)
        assert "must match the size of tensor b (32) at non-singleton dimension 1" in md
        assert "must match the size of tensor b (8) at non-singleton dimension 3" in md
        assert "32×12×12" in md
    # C = 1 and H = W = 5 broadcast instead of failing: the text must not call that a success
    assert "broadcast" in tab.residual_markdown(ac.residual_block(1, 12, 12), "en")
    md = tab.residual_markdown(ac.residual_block(4, 5, 5), "en")
    assert "F(x) is 4×1×1 and x is 4×5×5: PyTorch broadcast them to 4×5×5" in md
    assert "广播" in tab.residual_markdown(ac.residual_block(4, 5, 5), "zh")


# ---- gradient flow ------------------------------------------------------------------------------


def direct_norms(depth, activation, seed, residual):
    """The same experiment written out independently: Linear layers created in the same order."""
    torch.manual_seed(seed)
    layers = [nn.Linear(784, 64)] + [nn.Linear(64, 64) for _ in range(depth - 1)]
    head = nn.Linear(64, 10)
    for m in [*layers, head]:
        m.double()
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    x_all, y_all = mnist_data.tensors("test")
    idx = torch.randperm(len(y_all), generator=torch.Generator().manual_seed(seed))[:64]
    x, y = x_all[idx].reshape(64, 784).double(), y_all[idx]
    z = layers[0](x)
    for layer in layers[1:]:
        z = z + layer(f(z)) if residual else layer(f(z))
    loss = F.cross_entropy(head(f(z)), y)
    grads = torch.autograd.grad(loss, [layer.weight for layer in layers])
    return [g.norm().item() for g in grads]


@pytest.mark.parametrize(
    "depth,activation,seed", [(5, "relu", 0), (20, "sigmoid", 1), (12, "tanh", 3), (50, "sigmoid", 0)]
)
def test_gradient_norms_equal_a_direct_computation(depth, activation, seed):
    g = ac.gradient_flow(depth, activation, seed)
    assert len(g["plain"]) == len(g["residual"]) == depth
    for kind in ("plain", "residual"):
        expected = direct_norms(depth, activation, seed, kind == "residual")
        np.testing.assert_allclose(g[kind], expected, rtol=1e-10, atol=0)


def test_residual_connections_keep_the_gradient():
    g = ac.gradient_flow(20, "sigmoid", 0)
    plain, res = g["plain"], g["residual"]
    assert res[0] > 1e8 * plain[0]  # orders of magnitude: about 1e16 here
    assert g["ratio"] == pytest.approx(res[0] / plain[0])
    # backwards from the loss, the plain stack's norm shrinks layer after layer (layer 1 sees the pixels, not f(z))
    assert all(a > b for a, b in zip(plain[2:], plain[1:]))
    assert 0.05 < res[0] < 20 and 1e-3 < plain[-1] < 1  # the residual first layer gets an O(1) gradient
    assert plain[-1] == pytest.approx(res[-1], rel=0.5)  # next to the loss the two are alike
    shallow = ac.gradient_flow(5, "sigmoid", 0)
    assert shallow["ratio"] < 1e5 < g["ratio"]  # the gap grows with depth
    deep = ac.gradient_flow(50, "sigmoid", 0)
    assert deep["plain_zero_f32"] > 0 and deep["residual_zero_f32"] == 0  # float32 underflows to exactly 0
    assert g["plain_zero_f32"] == 0


def test_gradient_figure_and_summary():
    g = ac.gradient_flow(50, "sigmoid", 0)
    for lang in ("en", "zh"):
        fig = tab.gradient_figure(g, lang)
        finite_json(fig)
        assert fig.layout.yaxis.type == "log"
        assert list(fig.data[0].y) == pytest.approx(g["plain"]) and list(fig.data[1].y) == pytest.approx(g["residual"])
        assert "N = 50" in fig.layout.title.text
        md = tab.gradient_markdown(g, lang)
        assert tab.sci(g["plain"][0]) in md and tab.sci(g["residual"][0]) in md and str(g["plain_zero_f32"]) in md
        assert cjk(md) == (lang == "zh")
    zero = dict(g, plain=[0.0] + g["plain"][1:], ratio=math.inf)  # a float64 underflow stays off the log axis
    fig = tab.gradient_figure(zero, "en")
    finite_json(fig)
    assert fig.data[0].y[0] is None
    assert "infinite" in tab.gradient_markdown(zero, "en")


# ---- the training race ----------------------------------------------------------------------------


def test_race_plain_sigmoid_stack_cannot_learn_and_residual_can():
    events = list(ac.train_race(20, "sigmoid", 1, 0))
    batches = [e for e in events if e["kind"] == "batch"]
    assert len(batches) == 94 and batches[-1]["batches"] == 94
    (epoch,) = [e for e in events if e["kind"] == "epoch"]
    assert epoch["acc"]["plain"] < 0.2 < 0.7 < epoch["acc"]["residual"]
    assert batches[-1]["loss"]["plain"] > 2.0 > 1.0 > batches[-1]["loss"]["residual"]


def test_race_streams_and_renders():
    frames = list(tab.on_race(20, "sigmoid", 0, 1, "en"))
    assert len(frames) >= 3
    fig, status, race = frames[-1]
    assert race["status"] == "done" and status.startswith("**Done**")
    assert len(race["x"]) == 10 and race["x"][-1] == 1.0  # every 10th of 94 batches, and the last
    assert len(race["loss"]["plain"]) == len(race["loss"]["residual"]) == 10
    assert f"{100 * race['acc']['residual']:.1f} %" in status
    finite_json(fig)
    assert [tr.name for tr in fig.data] == ["plain", "residual"]
    assert "训练损失" in tab.race_figure(race, "zh").layout.title.text and "完成" in tab.race_text(race, "zh")
    first = frames[0][1]  # the first frame clears the last race
    assert "not yet tested" in first and "preparing both networks" in first


def test_race_a_diverging_model_stops_and_the_other_goes_on():
    # 50 ReLU layers with skips and no batch norm: the activations grow and lr 0.1 blows up
    seen = []
    for ev in ac.train_race(50, "relu", 1, 0):
        seen.append(ev["loss"])
        if len(seen) == 15:
            break
    first_bad = next(i for i, loss in enumerate(seen) if loss["residual"] is None)
    assert all(loss["residual"] is None for loss in seen[first_bad:])  # it stops training
    assert all(math.isfinite(loss["plain"]) for loss in seen)


def test_race_diverged_model_is_shown_and_drawable():
    race = tab.new_race()
    race.update(status="running", batch=3, batches=94, epoch=1, x=[0.1])
    race["loss"] = {"plain": [2.3], "residual": [None]}
    race["last"] = {"plain": 2.3, "residual": None}
    finite_json(tab.race_figure(race, "en"))
    assert "diverged" in tab.race_text(race, "en") and "发散" in tab.race_text(race, "zh")
    assert "test accuracy —" in tab.race_text(race, "en")


def test_race_time_limit(monkeypatch):
    monkeypatch.setattr(live, "TRAIN_SECONDS", 0)
    *_, (_, status, race) = tab.on_race(20, "sigmoid", 0, 3, "en")
    assert race["status"] == "time_up" and "time limit" in status


# ---- the models table --------------------------------------------------------------------------


def test_models_table_is_the_committed_metadata():
    rows = {r["name"]: r for r in ac.model_rows()}
    assert list(rows) == ["lecture_cnn", "homework_cnn", "inception", "residual", "mlp", "best_cnn"]
    for name, r in rows.items():
        config_cls, model_cls = MODELS[name]
        config = load.metadata(name)["config"]
        model = model_cls(config_cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}))
        assert r["parameters"] == count_parameters(model)
        assert r["test_accuracy"] == pytest.approx(r["test_correct"] / r["test_total"])
        assert r["seconds_per_epoch"] > 0 and r["epochs"] >= 1
    for lang in ("en", "zh"):
        md = tab.models_markdown(lang)
        assert md.count("\n|") == 7
        assert f"| {rows['inception']['parameters']:,} | {100 * rows['inception']['test_accuracy']:.2f} %" in md
        assert cjk(md) == (lang == "zh")


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn,args,message",
    [
        (tab.on_inception, (0, 12, 12), "between 1 and 256"),
        (tab.on_inception, (257, 12, 12), "between 1 and 256"),
        (tab.on_inception, (10, float("nan"), 12), "finite number"),
        (tab.on_inception, (10, 12, None), "finite number"),
        (tab.on_inception, (2.5, 12, 12), "whole number"),
        (tab.on_inception, ("abc", 12, 12), "finite number"),
        (tab.on_residual, (16, 65, 12), "between 1 and 64"),
        (tab.on_residual, (16, 12, 1e9), "between 1 and 64"),
        (tab.on_gradient, (4, "sigmoid", 0), "between 5 and 50"),
        (tab.on_gradient, (51, "sigmoid", 0), "between 5 and 50"),
        (tab.on_gradient, (20, "gelu", 0), "must be one of sigmoid, tanh, relu"),
        (tab.on_gradient, (20, "relu", -1), "between 0"),
        (tab.on_gradient, (20, "relu", float("inf")), "finite number"),
    ],
)
def test_bad_input_is_explained_in_the_users_language(fn, args, message):
    with pytest.raises(gr.Error, match=message):
        fn(*args, "en")
    with pytest.raises(gr.Error) as zh:
        fn(*args, "zh")
    assert cjk(zh.value.message) and "must" not in zh.value.message


@pytest.mark.parametrize("args", [(20, "sigmoid", 0, 0), (20, "sigmoid", 0, 6), (20, "softmax", 0, 1)])
def test_bad_race_input(args):
    with pytest.raises(gr.Error):
        next(tab.on_race(*args, "en"))


# ---- the public API through gradio_client ----------------------------------------------------------


def test_api_inception_block(client):
    out = client.predict(10, 12, 12, api_name="/inception_block")
    assert out["output"] == [88, 12, 12] and out["params"] == 19_104
    assert [b["name"] for b in out["branches"]] == ["branch1x1", "branch5x5", "branch3x3", "branch_pool"]
    assert [b["channels"] for b in out["branches"]] == [16, 24, 24, 24]
    r = ac.inception_block(20, 4, 4)
    out = client.predict(20, 4, 4, api_name="/inception_block")
    assert [b["params"] for b in out["branches"]] == [b["params"] for b in r["branches"]]
    assert out["branches"][2]["layers"][2]["shape"] == [24, 4, 4]


def test_api_residual_block_and_gradient_flow(client):
    out = client.predict(16, 12, 12, api_name="/residual_block")
    assert out["params"] == 4640 and [o["op"] for o in out["ops"]] == ["conv2d", "relu", "conv2d", "add", "relu"]
    assert all(o["shape"] == [16, 12, 12] for o in out["ops"])
    g = client.predict(20, "sigmoid", 0, api_name="/gradient_flow")
    expected = ac.gradient_flow(20, "sigmoid", 0)
    assert g["plain"] == pytest.approx(expected["plain"], rel=1e-12)
    assert g["residual"] == pytest.approx(expected["residual"], rel=1e-12)


@pytest.mark.parametrize(
    "args,api,message",
    [
        ((0, 12, 12), "/inception_block", "between 1 and 256"),
        ((16, 0, 12), "/residual_block", "between 1 and 64"),
        ((3, "sigmoid", 0), "/gradient_flow", "between 5 and 50"),
        ((20, "swish", 0), "/gradient_flow", "must be one of"),
    ],
)
def test_api_bad_input(client, args, api, message):
    with pytest.raises(AppError, match=message) as err:
        client.predict(*args, api_name=api)
    assert cjk(str(err.value))
