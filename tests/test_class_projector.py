"""demos/classroom/projector.py: the projector view's figures and tables, checked against the lectures' code."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from demos.basics import gradient_descent as gd
from demos.basics import linear_model as lm
from demos.classification import playground as pg
from demos.classroom import projector as P

torch.set_num_threads(1)

NICK = "<b>Bobby</b> 小明"  # free text a payload never carries; figures must not show it if one did


def linear_points(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        w, b = round(rng.uniform(0, 4), 2), round(rng.uniform(-2, 2), 2)
        out.append({"w": w, "b": b, "mse": lm.mse(w, b)})
    return out


def gd_run(mode: str, lr: float, batch_size: int = 2, epochs: int = 50, w0: float = 1.0) -> dict:
    run = gd.gradient_descent(mode, lr, epochs, w0, 0, batch_size)
    return {
        "mode": mode,
        "lr": lr,
        "epochs": epochs,
        "w0": w0,
        "seed": 0,
        "batch_size": batch_size,
        "diverged": run["diverged"],
        "w": run["w"][-1] if run["w"] else None,
        "loss": run["loss"][-1] if run["loss"] else None,
        "bound": gd.largest_stable_lr(mode, batch_size),
    }


def digit(label: int, read: int, seed: int) -> dict:
    image = np.random.default_rng(seed).integers(0, 256, (28, 28)).tolist()
    reads = {"mlp": label, "lecture_cnn": (label + 3) % 10, "best_cnn": read}
    return {"image": image, "label": label, "reads": reads, "confidence": dict.fromkeys(reads, 0.9)}


def entry(acc: float, layers: str, features=("x₁", "x₂"), dataset="circles", lr=0.03) -> dict:
    settings = {"dataset": dataset, "n": 200, "noise": 0.1, "test_pct": 30, "seed": 0, "layers": layers}
    settings.update(activation="tanh", features=list(features), optimizer="adam", lr=lr, batch_size=10, l2=0.0)
    settings["epochs"] = 100
    return {"settings": settings, "accuracy": acc, "params": 0}


def title(fig) -> str:
    return fig.layout.title.text


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def trace(fig, name_part: str):
    return next(tr for tr in fig.data if tr.name and name_part in tr.name)


# ---- linear ----------------------------------------------------------------------------------


def test_the_best_point_is_the_lowest_mse_and_the_first_sent_on_a_tie():
    points = linear_points(40)
    # two equal best points (mirror images give the same MSE only by chance, so repeat one exactly)
    points[7] = {"w": 2.01, "b": -0.02, "mse": lm.mse(2.01, -0.02)}
    points[30] = dict(points[7])
    i, best = P.best_point(points)
    assert i == 7 and best == min(lm.mse(p["w"], p["b"]) for p in points)
    fig = P.linear_figure(points, "en")
    star = trace(fig, "best")
    assert (star.x[0], star.y[0]) == (2.01, -0.02)
    assert "w = 2.01, b = -0.02, MSE = " + f"{lm.mse(2.01, -0.02):.4f}" in star.name
    assert f"{best:.4f}" in title(fig) and "40" in title(fig)
    cloud = trace(fig, "class")
    assert list(cloud.x) == [p["w"] for p in points] and list(cloud.y) == [p["b"] for p in points]
    assert np.allclose(cloud.customdata, [lm.mse(p["w"], p["b"]) for p in points])
    truth = trace(fig, "true minimum")
    assert (truth.x[0], truth.y[0]) == (2.0, 0.0) and lm.mse(2.0, 0.0) == 0.0


def test_the_contour_is_the_lectures_mse_over_its_ranges():
    fig = P.linear_figure(linear_points(3), "en")
    contour = next(tr for tr in fig.data if tr.type == "contour")
    x, y, z = np.asarray(contour.x), np.asarray(contour.y), np.asarray(contour.z)
    assert (x[0], x[-1]) == lm.W_RANGE and (y[0], y[-1]) == lm.B_RANGE
    assert z.shape == (len(y), len(x))
    for i, j in [(0, 0), (5, 17), (20, 20), (len(y) - 1, 3), (11, len(x) - 1)]:
        assert z[i, j] == pytest.approx(lm.mse(x[j], y[i]))
    assert z.min() == pytest.approx(0.0, abs=1e-12)  # the grid passes through (2, 0)


# ---- gradient descent ------------------------------------------------------------------------


def lr_runs() -> list[dict]:
    return [
        gd_run("batch", 0.1),
        gd_run("batch", 0.1),  # equal lrs: must not hide each other
        gd_run("batch", 0.25),
        gd_run("sgd", 0.05, batch_size=3),  # SGD's limit does not depend on the batch size box
        gd_run("minibatch", 0.2, batch_size=2),
        gd_run("minibatch", 0.3, batch_size=3),
        gd_run("minibatch", 0.01, batch_size=2),
    ]


def test_each_row_has_its_largest_stable_lr():
    runs = lr_runs()
    fig = P.lr_figure(runs, "en")
    labels = list(fig.layout.yaxis.ticktext)
    assert labels == ["batch", "stochastic (SGD)", "mini-batch of 2", "mini-batch of 3"]
    limit = trace(fig, "theoretical limit")
    xs, ys = list(limit.x), list(limit.y)
    expected = [
        gd.largest_stable_lr("batch"),
        gd.largest_stable_lr("sgd", 1),
        gd.largest_stable_lr("minibatch", 2),
        gd.largest_stable_lr("minibatch", 3),
    ]
    assert len(set(expected)) == 4  # the rows really differ
    for row, bound in enumerate(expected):
        k = 3 * row  # each segment: bottom, top, None
        assert xs[k] == xs[k + 1] == bound and xs[k + 2] is None
        assert ys[k] < row < ys[k + 1]
    notes = {round(a.y): a.text for a in fig.layout.annotations}
    assert notes == {row: f"limit {bound:.4g}" for row, bound in enumerate(expected)}
    assert fig.layout.xaxis.type == "log"


def test_runs_sit_in_their_rows_by_outcome_without_overlapping():
    runs = lr_runs()
    fig = P.lr_figure(runs, "zh")
    conv, div = trace(fig, "收敛"), trace(fig, "发散")
    assert sorted([*conv.x, *div.x]) == sorted(r["lr"] for r in runs)
    assert len(div.x) == sum(r["diverged"] for r in runs) >= 1 and len(conv.x) >= 1
    assert 0.25 in div.x and 0.01 in conv.x  # above and below the batch limit 3/14
    ys = [*conv.y, *div.y]
    assert all(abs(y - round(y)) <= 0.3 + 1e-9 for y in ys)
    batch_ys = [y for x, y in zip(conv.x, conv.y) if x == 0.1 and round(y) == 0]
    assert len(batch_ys) == 2 and batch_ys[0] != batch_ys[1]
    assert P.lr_figure(runs, "zh").to_json() == fig.to_json()  # deterministic jitter
    assert f"{len(div.x)} 次发散" in title(fig)


# ---- digits -----------------------------------------------------------------------------------


def class_digits() -> list[dict]:
    # oldest first; misread (best_cnn) at 1, 4, 6
    pairs = [(7, 7), (7, 1), (3, 3), (0, 0), (4, 9), (5, 5), (2, 8), (1, 1)]
    return [digit(label, read, seed) for seed, (label, read) in enumerate(pairs)]


def tile(z: np.ndarray, k: int) -> np.ndarray:
    top, left = (k // P.COLS) * (P.SIDE + P.GAP_Y) + P.GAP_Y, (k % P.COLS) * (P.SIDE + P.GAP_X)
    return z[top : top + P.SIDE, left : left + P.SIDE].astype(int)


def test_the_gallery_shows_misreads_first_newest_first_and_respects_the_limit():
    digits = class_digits()
    assert P.gallery_order(digits) == [6, 4, 1, 7, 5, 3, 2, 0]
    fig = P.digit_gallery(digits, "en", limit=5)
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["2 → 8", "4 → 9", "7 → 1", "1 → 1", "5 → 5"]
    colours = [a.font.color for a in fig.layout.annotations]
    assert colours[:3] == [P.RED] * 3 and P.RED not in colours[3:]
    assert "3 more not shown" in title(fig) and "misread 3" in title(fig) and "8 digits" in title(fig)
    z = np.asarray(fig.data[0].z)
    for k, i in enumerate([6, 4, 1, 7, 5]):  # each tile is its drawing, a misread one shifted into the red scale
        level = np.rint(np.asarray(digits[i]["image"]) * P.LEVELS / 255).astype(int)
        shift = P.LEVELS + 1 if k < 3 else 0
        assert (tile(z, k) == 1 + level + shift).all()
    assert (z[: P.GAP_Y] == P.GAP).all()  # the label strip is a gap
    assert "not shown" not in title(P.digit_gallery(digits, "en"))


def test_sixty_tiles_are_one_small_heatmap():
    digits = [digit(i % 10, i % 10, i) for i in range(80)]
    fig = P.digit_gallery(digits, "zh")
    assert len(fig.data) == 1 and len(fig.layout.annotations) == 60
    assert np.asarray(fig.data[0].z).shape == (6 * (P.SIDE + P.GAP_Y), 10 * (P.SIDE + P.GAP_X) - P.GAP_X)
    assert len(fig.to_json()) < 150_000  # what Gradio sends (numpy as base64)
    assert "另有 20 个未显示" in title(fig)


def test_confusion_counts_agree_with_torch_bincount():
    rng = random.Random(1)
    digits = [digit(rng.randrange(10), rng.randrange(10), s) for s in range(200)]
    for model in ("best_cnn", "lecture_cnn", "mlp"):
        labels = torch.tensor([d["label"] for d in digits])
        reads = torch.tensor([d["reads"][model] for d in digits])
        expected = torch.bincount(labels * 10 + reads, minlength=100).reshape(10, 10).numpy()
        got = P.confusion(digits, model)
        assert got.shape == (10, 10) and got.dtype.kind == "i" and (got == expected).all()
    assert (P.confusion([]) == 0).all()


def test_the_confusion_figure_writes_the_counts_and_the_accuracy():
    digits = class_digits()
    fig = P.confusion_figure(digits, "en")
    counts = P.confusion(digits)
    heat = fig.data[0]
    assert (np.asarray(heat.z) == counts).all()
    assert [[int(c or 0) for c in row] for row in heat.text] == counts.tolist()
    assert title(fig) == "The best CNN read 5 of the class's 8 digits right (62.5%)"
    assert fig.layout.yaxis.title.text == "the digit meant" and "best CNN" in fig.layout.xaxis.title.text
    zh = P.confusion_figure(digits, "zh", model="lecture_cnn")
    assert title(zh) == "第10讲的 CNN 读对了全班 8 个数字中的 0 个（0.0%）"  # it reads (label + 3) % 10 here
    assert zh.layout.xaxis.title.text == "第10讲的 CNN 读出的数字"


# ---- playground -----------------------------------------------------------------------------------


def test_the_leaderboard_sorts_by_accuracy_then_fewer_parameters_then_first_sent():
    entries = [
        entry(91.0, "8, 8"),  # 2·8+8 + 8·8+8 + 8+1 = 105 params
        entry(97.24, "4"),
        entry(91.04, "2"),  # shows 91.0 like the first: fewer params wins
        entry(97.2, "4"),  # shows 97.2 like the second, same params: the first sent wins
        entry(50.0, "", features=("x₁",), dataset="xor"),  # logistic regression on one feature: 2 params
    ]
    rows, order = P.leaderboard(entries, "en")
    assert order == [1, 3, 2, 0, 4]  # which entry each row is (the Class tab links each row to it)
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert [r[1] for r in rows] == ["97.2", "97.2", "91.0", "91.0", "50.0"]
    sizes = [pg.param_count(pg.layer_sizes(2, h)) for h in ([4], [4], [2], [8, 8])]
    assert [r[2] for r in rows] == [*sizes, pg.param_count([1, 1])]
    assert rows[2][2] < rows[3][2] == 105 and rows[4][2] == 2
    assert rows[0][3:] == ["circles", "4", "Tanh", "x₁, x₂", "Adam", "0.03"]
    assert rows[4][3:6] == ["XOR", "none (logistic regression)", "Tanh"]
    assert len(P.leaderboard_headers("en")) == len(rows[0]) == 9
    zh, _ = P.leaderboard(entries, "zh")
    assert zh[4][3:5] == ["异或 XOR", "无（逻辑回归）"]
    assert all(has_cjk(h) for h in P.leaderboard_headers("zh"))
    assert P.leaderboard([], "en") == ([], [])


# ---- every view ---------------------------------------------------------------------------------------


def every_figure(lang: str, empty: bool = False):
    digits = [] if empty else class_digits()
    return [
        P.linear_figure([] if empty else linear_points(5), lang),
        P.lr_figure([] if empty else lr_runs(), lang),
        P.digit_gallery(digits, lang),
        P.confusion_figure(digits, lang),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_empty_inputs_give_figures_that_say_so(lang):
    for fig in every_figure(lang, empty=True):
        assert title(fig) and not fig.data
        assert fig.layout.annotations[0].text == (
            "还没有人发送结果" if lang == "zh" else "No one has sent anything yet"
        )
        json.loads(fig.to_json())


def test_titles_are_in_the_page_language():
    for empty in (False, True):
        for zh, en in zip(every_figure("zh", empty), every_figure("en", empty)):
            assert has_cjk(title(zh)) and not has_cjk(title(en)), (title(zh), title(en))


def test_figures_show_no_free_text():
    points, runs, digits = linear_points(3), lr_runs(), class_digits()
    for payload in [*points, *runs, *digits]:
        payload["nickname"] = NICK
    figs = [P.linear_figure(points, "en"), P.lr_figure(runs, "en"), P.digit_gallery(digits, "en")]
    figs.append(P.confusion_figure(digits, "en"))
    assert not any("Bobby" in f.to_json() for f in figs)


def test_counts_text():
    assert (
        P.counts_text(12, {"linear": 9, "gradient": 7, "digit": 20, "playground": 4}, "en")
        == "12 students joined · linear model 9 · gradient descent 7 · digits 20 · playground 4"
    )
    assert P.counts_text(1, {"digit": 2}, "en").startswith("1 student joined · linear model 0")
    assert (
        P.counts_text(3, {"linear": 1}, "zh") == "3 名同学已加入 · 线性模型 1 · 梯度下降 0 · 手写数字 0 · 网络游乐场 0"
    )
