"""Lecture 10 (train the CNN): the lecture's Net, the shape trace against PyTorch, live
training of the CNN and the MLP (interleaved), collapse and divergence messages, bad
input, the throughput function and its benchmark, and the /cnn_shapes API."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from gradio_client.exceptions import AppError

from demos import live, mnist_data, mnist_live
from demos.classification import softmax
from demos.vision import cnn_training as ct

ROOT = Path(__file__).resolve().parents[1]
LECTURE_STEPS = ["input", "conv1", "pooling", "conv2", "pooling", "view", "fc"]


def finite_json(fig) -> dict:
    """The figure as the browser receives it; fails on NaN or infinity."""

    def bad(const):
        raise AssertionError(f"non-finite number in a figure: {const}")

    for trace in fig.data:
        for key in ("x", "y", "z"):
            values = getattr(trace, key, None)
            if values is not None and np.asarray(values).dtype.kind == "f":
                assert np.all(np.isfinite(values)), f"non-finite {key} in a figure"
    return json.loads(fig.to_json(), parse_constant=bad)


# ---- the model and its shapes -------------------------------------------------------------


def test_net_is_the_lectures():
    model = ct.make_model("cnn", 0)
    shapes = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
    assert shapes == [
        ("conv1.weight", (10, 1, 5, 5)),
        ("conv1.bias", (10,)),
        ("conv2.weight", (20, 10, 5, 5)),
        ("conv2.bias", (20,)),
        ("fc.weight", (10, 320)),
        ("fc.bias", (10,)),
    ]
    assert mnist_live.count_parameters(model) == 8_490
    assert mnist_live.count_parameters(ct.make_model("mlp", 0)) == 575_050
    # make_model seeds torch before it builds models.mnist.LectureCNN: the seed alone decides the weights
    from models.mnist import LectureCNN

    torch.manual_seed(0)
    ref = LectureCNN()
    for (name, a), (_, b) in zip(model.state_dict().items(), ref.state_dict().items()):
        assert torch.equal(a, b), name
    x, _ = mnist_data.tensors("test")
    with torch.no_grad():
        assert torch.equal(model(x[:7]), ref(x[:7]))
    assert not torch.equal(ct.make_model("cnn", 1).conv1.weight, model.conv1.weight)


@pytest.mark.parametrize("batch_size", [1, 64, 256])
def test_shape_trace_matches_pytorch_step_by_step(batch_size):
    rows = ct.shape_trace("cnn", batch_size)
    assert [r["step"] for r in rows] == LECTURE_STEPS
    model = ct.make_model("cnn", 0)
    x = mnist_data.tensors("train")[0][:batch_size]
    with torch.no_grad():
        a = model.conv1(x)
        b = model.pooling(a)
        c = model.conv2(F.relu(b))
        d = model.pooling(c)
        e = F.relu(d).view(batch_size, -1)
        f = model.fc(e)
    expected = [x, a, b, c, d, e, f]
    assert [r["shape"] for r in rows] == [tuple(t.shape) for t in expected]
    if batch_size == 64:  # the lecture's numbers
        assert [r["shape"] for r in rows] == [
            (64, 1, 28, 28),
            (64, 10, 24, 24),
            (64, 10, 12, 12),
            (64, 20, 8, 8),
            (64, 20, 4, 4),
            (64, 320),
            (64, 10),
        ]
    assert [r["params"] for r in rows] == [0, 260, 0, 5_020, 0, 0, 3_210]
    assert sum(r["params"] for r in rows) == mnist_live.count_parameters(model)
    # every "how" ends in the size it explains
    for r in rows[1:]:
        assert r["how"].endswith(f"= {r['shape'][2]}" if len(r["shape"]) == 4 else f"{r['shape'][1]}"), r
    assert rows[1]["how"] == "28 − 5 + 1 = 24" and rows[2]["how"] == "⌊24 / 2⌋ = 12"
    assert rows[5]["how"] == "20 · 4 · 4 = 320" and rows[5]["layer"] == "x.view(batch_size, -1)"
    assert [r["layer"] for r in rows[1:]] == [
        "Conv2d(1, 10, kernel_size=5)",
        "MaxPool2d(2)",
        "Conv2d(10, 20, kernel_size=5)",
        "MaxPool2d(2)",
        "x.view(batch_size, -1)",
        "Linear(320, 10)",
    ]
    assert rows[1]["params_text"] == "10·1·5·5 + 10 = 260" and rows[6]["params_text"] == "320·10 + 10 = 3,210"


def test_mlp_trace_and_the_general_size_formula():
    rows = ct.shape_trace("mlp", 32)
    assert [r["step"] for r in rows] == ["input", "view", "l1", "l2", "l3", "l4", "l5"]
    assert [r["shape"] for r in rows] == [
        (32, 1, 28, 28),
        (32, 784),
        (32, 512),
        (32, 256),
        (32, 128),
        (32, 64),
        (32, 10),
    ]
    assert rows[1]["layer"] == "x.view(-1, 784)" and rows[1]["how"] == "1 · 28 · 28 = 784"
    assert sum(r["params"] for r in rows) == 575_050
    # ⌊(H + 2p − k) / s⌋ + 1 against PyTorch for layers the lecture does not use
    for conv in (torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.Conv2d(1, 4, 5, padding=2)):
        out = conv(torch.zeros(1, conv.in_channels, 28, 28))
        text = ct.how(conv, (1, conv.in_channels, 28, 28))
        assert text.endswith(f"= {out.shape[2]}"), text
    pool = torch.nn.MaxPool2d(3, stride=2)
    out = pool(torch.zeros(1, 1, 13, 13))
    assert ct.how(pool, (1, 1, 13, 13)) == f"⌊(13 + 2·0 − 3) / 2⌋ + 1 = {out.shape[2]}"


def test_trace_markdown_in_both_languages():
    en = ct.on_trace("cnn", 64, "en")
    assert "**(64, 320)**" in en and "**8,490**" in en and "total" in en and "| step |" in en
    zh = ct.on_trace("both", 16, "zh")
    assert "合计" in zh and "**(16, 20, 4, 4)**" in zh and "**575,050**" in zh and "CNN（第10讲）" in zh
    assert zh.count("| input |") == 2


# ---- training -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def both_frames():
    """One epoch of both models, interleaved, with the tab's defaults (lr 0.01, momentum 0.5, batch 64)."""
    return list(ct.on_train("both", 0.01, 0.5, 64, 1, 0, "en"))


def test_one_epoch_cnn_well_above_chance_and_ahead_of_the_mlp(both_frames):
    loss_fig, acc_fig, status, digits, session = both_frames[-1]
    cnn, mlp = session["runs"]
    assert session["keys"] == ["cnn", "mlp"] and cnn["status"] == mlp["status"] == "done"
    assert cnn["test_acc"][0] > 0.80  # measured 85.0 % (seeds 0-5: 80.9-86.6 %)
    assert mlp["test_acc"][0] < 0.5  # the MLP at lr 0.01 is still near its ln 10 plateau (17.8 %)
    assert cnn["params"] == 8_490 and mlp["params"] == 575_050
    assert "CNN (L10)** · **Done**, 1 epochs" in status and "MLP (L9)** · **Done**" in status
    assert f"{100 * cnn['test_acc'][0]:.1f} %" in status
    assert "8,490 parameters" in status and "575,050 parameters" in status
    ips = mnist_live.images_per_second(cnn)
    assert cnn["images"] == 6000 and ips > 0 and f"{ips:,.0f} images/s" in status
    assert 0 < cnn["train_seconds"] < sum(cnn["seconds"])  # compute time; the epoch adds the test pass
    for fig in (loss_fig, acc_fig, digits):
        finite_json(fig)
    assert [tr.name for tr in loss_fig.data] == [
        "CNN (L10) · training loss",
        "CNN (L10) · test loss",
        "MLP (L9) · training loss",
        "MLP (L9) · test loss",
    ]
    assert loss_fig.data[0].line.color == loss_fig.data[1].line.color != loss_fig.data[2].line.color
    assert list(acc_fig.data[0].y) == pytest.approx([100 * cnn["test_acc"][0]])
    assert digits.layout.title.text.startswith("CNN (L10): ") and "misread" in digits.layout.title.text
    assert both_frames[0][2] == mnist_live.t("mnl_starting", "en")
    assert all(not isinstance(f[3], type(digits)) for f in both_frames[1:-1])  # digits only first and last
    # the curves grew side by side: a middle frame has both models part-way
    both_partway = re.compile(
        r"CNN \(L10\)\*\* · Epoch 1/1, batch \d\d?/94.*MLP \(L9\)\*\* · Epoch 1/1, batch \d\d?/94", re.S
    )
    assert any(both_partway.search(f[2]) for f in both_frames[1:-1]), [f[2] for f in both_frames]


def test_interleaving_changes_no_number(both_frames):
    """Each run seeds its own loader and model: the same numbers as each model trained alone."""
    cnn, mlp = both_frames[-1][4]["runs"]
    alone_cnn = mnist_live.history(ct.net_class(), 0.01, 0.5, 64, 1, 0)
    alone_mlp = softmax.history(0.01, 0.5, 64, 1, 0)
    assert cnn["test_acc"] == alone_cnn["test_acc"] and cnn["test_loss"] == alone_cnn["test_loss"]
    assert mlp["test_acc"] == alone_mlp["test_acc"] and mlp["epoch_loss"] == pytest.approx(alone_mlp["train_loss"][0])


@pytest.mark.parametrize("batch_size,seed", [(64, 0), (100, 3), (256, 7)])
def test_batches_are_the_lecture_dataloaders(batch_size, seed):
    x, y = mnist_data.tensors("train")
    lecture = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    ours = mnist_live.shuffled_batches(x, y, batch_size, seed)
    assert len(ours) == len(lecture) == math.ceil(6000 / batch_size)
    for _epoch in range(2):  # a new order each epoch, the same in both
        pairs = list(zip(ours, lecture, strict=True))
        for (xa, ya), (xb, yb) in pairs:
            assert torch.equal(xa, xb) and torch.equal(ya, yb)
    assert len(pairs[-1][0][1]) == 6000 - (len(pairs) - 1) * batch_size


def test_interleave_takes_turns():
    assert list(mnist_live.interleave([iter("abc"), iter("xy"), iter("")])) == [
        (0, "a"),
        (1, "x"),
        (0, "b"),
        (1, "y"),
        (0, "c"),
    ]


def test_huge_lr_collapses_the_cnn_with_a_clear_message():
    """At lr 1, momentum 0.99 the CNN's ReLUs all die in the first epoch (no NaN): the tab says so and stops."""
    *_, (loss_fig, acc_fig, status, digits, session) = ct.on_train("cnn", 1.0, 0.99, 64, 3, 0, "en")
    (run,) = session["runs"]
    assert run["status"] == "dead" and run["epoch"] == 1 and len(run["test_acc"]) == 1
    assert "Collapsed" in status and "all 320 features" in status and "lr = 0.1" in status
    assert run["test_acc"][0] == pytest.approx(0.1) and set(run["pred"]) == {run["answer"]}  # one answer for all
    for fig in (loss_fig, acc_fig, digits):
        finite_json(fig)
    assert "死" in ct.status_text(session, "zh") and "320" in ct.status_text(session, "zh")
    # evaluate's "alive" is what PyTorch shows: the input of fc is all zeros
    model = ct.make_model("cnn", 0)
    x, y = mnist_data.tensors("test")
    ev = mnist_live.evaluate(model, x, y)
    assert ev["features"] == 320 and ev["alive"] > 0  # untrained: alive
    with torch.no_grad():
        model.conv2.bias.fill_(-1e6)  # kill every ReLU after conv2 by hand
    ev = mnist_live.evaluate(model, x, y)
    assert ev["alive"] == 0 and len(set(ev["pred"])) == 1


def test_nan_divergence_of_the_mlp_stops_with_a_message():
    *_, (loss_fig, _, status, _, session) = ct.on_train("mlp", 1.0, 0.99, 64, 1, 0, "zh")
    (run,) = session["runs"]
    assert run["status"] == "diverged" and "发散" in status and "nan" in status
    finite_json(loss_fig)
    assert "Diverged" in ct.status_text(session, "en")


def test_time_limit_stops_training(monkeypatch):
    monkeypatch.setattr(live, "TRAIN_SECONDS", 0)
    *_, (_, _, status, _, session) = ct.on_train("mlp", 0.01, 0.5, 64, 3, 0, "en")
    (run,) = session["runs"]
    assert run["status"] == "time_up" and "time limit" in status and run["epoch"] == 1
    assert "MLP (L9)" in status and "575,050 parameters" in status
    assert "时间上限" in ct.status_text(session, "zh")


@pytest.mark.parametrize(
    "args,message",
    [
        (("rnn", 0.01, 0.5, 64, 1, 0), "unknown model"),
        ((None, 0.01, 0.5, 64, 1, 0), "unknown model"),
        (("cnn", 0.0, 0.5, 64, 1, 0), "between"),
        (("cnn", None, 0.5, 64, 1, 0), "finite number"),
        (("cnn", float("nan"), 0.5, 64, 1, 0), "finite number"),
        (("cnn", 1e9, 0.5, 64, 1, 0), "between"),
        (("cnn", 0.01, 1.5, 64, 1, 0), "momentum must be between"),
        (("cnn", 0.01, 0.5, 0, 1, 0), "batch size must be between"),
        (("cnn", 0.01, 0.5, "abc", 1, 0), "finite number"),
        (("cnn", 0.01, 0.5, 64, 11, 0), "epochs must be between"),
        (("cnn", 0.01, 0.5, 64, 1.5, 0), "whole number"),
        (("cnn", 0.01, 0.5, 64, 1, -1), "seed must be between"),
    ],
)
def test_bad_training_input(args, message):
    with pytest.raises(gr.Error, match=message):
        next(ct.on_train(*args, "en"))
    with pytest.raises(gr.Error) as zh:
        next(ct.on_train(*args, "zh"))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.value.message)


def test_bad_trace_input():
    with pytest.raises(gr.Error, match="unknown model"):
        ct.on_trace("lstm", 64, "en")
    with pytest.raises(gr.Error, match="between 1 and 1024"):
        ct.on_trace("cnn", 0, "en")
    with pytest.raises(gr.Error, match="批量大小"):
        ct.on_trace("cnn", float("inf"), "zh")


def test_every_state_renders_in_both_languages():
    for model in ct.MODELS:
        session = ct.new_session(model, 3)
        for run in session["runs"]:
            run.update(loss_x=[0.5, 1.0], loss=[2.3, 2.2], test_loss=[2.1], test_acc=[0.3], seconds=[0.4], epoch=2,
                       batch=5, batches=94, last_loss=2.0, epoch_loss=2.25, pred=[0] * 1000, conf=[0.5] * 1000,
                       params=8490, images=320, train_seconds=0.2, features=320, answer=0)  # fmt: skip
        for status in ("idle", "starting", "running", "time_up", "done", "diverged", "dead"):
            for run in session["runs"]:
                run.update(status=status, bad_loss="nan", budget=60)
            for lang in ("en", "zh"):
                loss_fig, acc_fig, text, digits, _ = ct.on_lang(session, lang)
                assert text and all(finite_json(f) for f in (loss_fig, acc_fig, digits))
                assert ("损失" in loss_fig.layout.title.text) == (lang == "zh")
                if status in ("running", "done"):
                    assert ("1,600" in text) and ("8,490" in text)  # 320 images / 0.2 s
    fig = ct.digits_figure(ct.new_session(), "en")
    assert [a.text for a in fig.layout.annotations] == [str(d) for d in range(10)]


# ---- throughput -----------------------------------------------------------------------------


def test_throughput_counts_images_over_compute_time():
    for name, batch_size, batches in (("cnn", 64, 3), ("mlp", 256, 30)):  # 30 batches of 256 cross an epoch
        ips = ct.throughput(name, batch_size, batches)
        assert math.isfinite(ips) and 50 < ips < 1e6, (name, ips)
    with pytest.raises(ValueError):
        ct.throughput("rnn", 64, 3)
    with pytest.raises(ValueError):
        ct.throughput("cnn", 64, 0)


def test_benchmark_script_small_run(capsys):
    spec = importlib.util.spec_from_file_location("train_throughput", ROOT / "benchmarks" / "train_throughput.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(["--models", "cnn", "--batches", "3", "--repeats", "1", "--threads", "1"])
    assert len(rows) == 1 and rows[0]["model"] == "cnn" and rows[0]["threads"] == 1
    assert rows[0]["app"] > 0 and rows[0]["bare"] > 0 and rows[0]["ratio"] == rows[0]["app"] / rows[0]["bare"]
    assert "app/bare" in capsys.readouterr().out
    assert torch.get_num_threads() == 1  # left as the app uses it
    assert bench.bare_throughput("mlp", 64, 2) > 0


# ---- the public API -------------------------------------------------------------------------


def test_api_cnn_shapes(client):
    out = client.predict("cnn", 64, api_name="/cnn_shapes")
    assert [r["step"] for r in out] == LECTURE_STEPS
    assert [tuple(r["shape"]) for r in out] == [r["shape"] for r in ct.shape_trace("cnn", 64)]
    assert sum(r["params"] for r in out) == 8_490
    mlp = client.predict("mlp", 2, api_name="/cnn_shapes")
    assert mlp[-1]["shape"] == [2, 10] and sum(r["params"] for r in mlp) == 575_050
    for args, message in ((("both", 64), "unknown model"), (("cnn", 0), "between"), (("cnn", 2.5), "whole number")):
        with pytest.raises(AppError, match=message) as err:
            client.predict(*args, api_name="/cnn_shapes")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value))
