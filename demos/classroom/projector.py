"""Class mode's projector view: what the class sent, as figures and a table for the teacher's screen.

Pure functions: the stored payloads of one activity (already validated, oldest first) in, Plotly
figures, arrays and table rows out; no gradio, no database. Every figure is built in one step
(ui.figure) and shows only numbers and our own labels, never text a student typed.

    linear_figure(points, lang)         # L2: every (w, b) on the MSE contour, the best one starred
    lr_figure(runs, lang)               # L3: learning rates by method, diverged or not, and the limit
    digit_gallery(digits, lang)         # drawn digits, misreads first
    confusion(digits), confusion_figure(digits, lang)
    leaderboard(entries, lang), leaderboard_headers(lang)   # playground results, best first
    counts_text(students, per_activity, lang)
"""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go

from demos import ui
from demos.basics import linear_model
from demos.classification import playground
from demos.i18n import register, t

register(
    {
        "cls_pj_empty": ("还没有人发送结果", "No one has sent anything yet"),
        "cls_pj_linear_empty": ("线性模型：全班的 (w, b)", "Linear model: the class's (w, b)"),
        "cls_pj_linear_title": (
            "全班 {n} 个 (w, b) · 最好的 MSE = {mse:.4f}",
            "The class's {n} (w, b) · best MSE = {mse:.4f}",
        ),
        "cls_pj_class_points": ("同学们的 (w, b)", "the class's (w, b)"),
        "cls_pj_best": (
            "最好：w = {w:.2f}，b = {b:.2f}，MSE = {mse:.4f}",
            "best: w = {w:.2f}, b = {b:.2f}, MSE = {mse:.4f}",
        ),
        "cls_pj_true_min": ("真正的最小值 w = 2，b = 0（MSE = 0）", "true minimum w = 2, b = 0 (MSE = 0)"),
        "cls_pj_lr_empty": ("梯度下降：全班的学习率", "Gradient descent: the class's learning rates"),
        "cls_pj_lr_title": (
            "全班 {n} 次训练的学习率 · {d} 次发散",
            "The class's {n} runs by learning rate · {d} diverged",
        ),
        "cls_pj_lr_axis": ("学习率 lr（对数坐标）", "learning rate lr (log scale)"),
        "cls_pj_minibatch_row": ("小批量，每批 {k} 个", "mini-batch of {k}"),
        "cls_pj_converged": ("收敛", "converged"),
        "cls_pj_diverged": ("发散", "diverged"),
        "cls_pj_limit": ("理论上限（最大的稳定 lr）", "theoretical limit (largest stable lr)"),
        "cls_pj_limit_at": ("上限 {lr:.4g}", "limit {lr:.4g}"),
        "cls_pj_gallery_empty": ("全班画的数字", "The class's digits"),
        "cls_pj_gallery_title": (
            "全班画的 {n} 个数字 · {model} 读错 {m} 个（红色，排在最前）",
            "The class's {n} digits · the {model} misread {m} (red, shown first)",
        ),
        "cls_pj_gallery_hidden": ("，另有 {k} 个未显示", ", {k} more not shown"),
        "cls_pj_confusion_empty": (
            "混淆矩阵：想写的数字 vs 模型读出的数字",
            "Confusion: the digit meant vs the digit read",
        ),
        "cls_pj_confusion_title": (
            "{model} 读对了全班 {n} 个数字中的 {right} 个（{pct:.1f}%）",
            "The {model} read {right} of the class's {n} digits right ({pct:.1f}%)",
        ),
        "cls_pj_meant": ("想写的数字", "the digit meant"),
        "cls_pj_read_by": ("{model} 读出的数字", "the digit the {model} read"),
        "cls_pj_model_mlp": ("全连接网络 (MLP)", "MLP"),
        "cls_pj_model_lecture_cnn": ("第10讲的 CNN", "lecture 10 CNN"),
        "cls_pj_model_best_cnn": ("最佳 CNN", "best CNN"),
        "cls_pj_h_rank": ("名次", "rank"),
        "cls_pj_h_accuracy": ("测试准确率 %", "test accuracy %"),
        "cls_pj_h_params": ("参数个数", "parameters"),
        "cls_pj_h_dataset": ("数据集", "data set"),
        "cls_pj_h_layers": ("隐藏层", "hidden layers"),
        "cls_pj_h_activation": ("激活函数", "activation"),
        "cls_pj_h_features": ("输入特征", "features"),
        "cls_pj_h_optimizer": ("优化器", "optimizer"),
        "cls_pj_h_lr": ("学习率", "lr"),
        "cls_pj_no_hidden": ("无（逻辑回归）", "none (logistic regression)"),
        "cls_pj_students": ("{n} 名同学已加入", "{n} students joined"),
        "cls_pj_one_student": ("1 名同学已加入", "1 student joined"),
        "cls_pj_act_linear": ("线性模型", "linear model"),
        "cls_pj_act_gradient": ("梯度下降", "gradient descent"),
        "cls_pj_act_digit": ("手写数字", "digits"),
        "cls_pj_act_playground": ("网络游乐场", "playground"),
    }
)

# activity -> its name's key, in the order the course meets them
ACTIVITIES = {
    "linear": "cls_pj_act_linear",
    "gradient": "cls_pj_act_gradient",
    "digit": "cls_pj_act_digit",
    "playground": "cls_pj_act_playground",
}
MODEL_NAMES = {
    "mlp": "cls_pj_model_mlp",
    "lecture_cnn": "cls_pj_model_lecture_cnn",
    "best_cnn": "cls_pj_model_best_cnn",
}
GALLERY_MODEL = "best_cnn"  # a digit is misread when this model reads it wrong
RED, GREEN, GOLD = ui.COLORS[1], ui.COLORS[2], "#ffd400"


def _empty(title_key: str, lang: str, height: int = 420) -> go.Figure:
    """A titled figure without axes that says no one has sent yet."""
    note = {"text": t("cls_pj_empty", lang), "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper"}
    note["font"] = {"size": ui.FONT_SIZE + 10, "color": "#666"}
    hidden = {"visible": False}
    return ui.figure([], t(title_key, lang), height=height, annotations=[note], xaxis=hidden, yaxis=hidden)


# ---- L2 linear model ------------------------------------------------------------


@functools.cache
def _mse_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ws, bs, MSE over the grid, rows b): the same for every class, so computed once."""
    ws = np.linspace(*linear_model.W_RANGE, 41)
    bs = np.linspace(*linear_model.B_RANGE, 41)
    return ws, bs, linear_model.mse_grid(ws, bs)


def best_point(points: list[dict]) -> tuple[int, float]:
    """(index, MSE) of the lowest MSE; on a tie the first sent. MSE recomputed by the lecture's code."""
    errors = [linear_model.mse(p["w"], p["b"]) for p in points]
    i = min(range(len(errors)), key=errors.__getitem__)  # min keeps the first of equals
    return i, errors[i]


def linear_figure(points: list[dict], lang: str) -> go.Figure:
    """Every (w, b) the class sent on the MSE contour; the best starred, the true minimum crossed."""
    if not points:
        return _empty("cls_pj_linear_empty", lang, 560)
    ws, bs, z = _mse_grid()
    contour = {"type": "contour", "x": ws, "y": bs, "z": z, "colorscale": "Viridis", "ncontours": 24}
    contour.update(colorbar={"title": {"text": "MSE"}}, hoverinfo="skip", name="MSE")
    w = [p["w"] for p in points]
    b = [p["b"] for p in points]
    m = [linear_model.mse(x, y) for x, y in zip(w, b)]
    hover = "w = %{x:.2f}<br>b = %{y:.2f}<br>MSE = %{customdata:.4f}<extra></extra>"
    cloud = {"type": "scatter", "x": w, "y": b, "customdata": m, "mode": "markers", "hovertemplate": hover}
    cloud["cliponaxis"] = False  # a point on the border shows whole
    cloud.update(name=t("cls_pj_class_points", lang), marker={"size": 14, "color": "white", "line": {"width": 2}})
    i, best = best_point(points)
    star = {"type": "scatter", "x": [w[i]], "y": [b[i]], "mode": "markers", "hoverinfo": "skip"}
    star["name"] = t("cls_pj_best", lang, w=w[i], b=b[i], mse=best)
    star["marker"] = {"size": 30, "symbol": "star", "color": GOLD, "line": {"width": 2, "color": "#111"}}
    truth = {"type": "scatter", "x": [2.0], "y": [0.0], "mode": "markers", "hoverinfo": "skip"}
    truth.update(name=t("cls_pj_true_min", lang), marker={"size": 22, "symbol": "x", "color": RED})
    truth["marker"]["line"] = {"width": 2, "color": "white"}
    axes = {"xaxis": {"range": list(linear_model.W_RANGE)}, "yaxis": {"range": list(linear_model.B_RANGE)}}
    legend = {"orientation": "h", "y": -0.2}
    title = t("cls_pj_linear_title", lang, n=len(points), mse=best)
    return ui.figure([contour, cloud, star, truth], title, "w", "b", height=620, legend=legend, **axes)


# ---- L3 gradient descent ----------------------------------------------------------


LR_TICKS = [m * 10.0**k for k in range(-4, 2) for m in (1, 2, 5)]  # 0.0001, 0.0002, 0.0005, ..., 50


def lr_row(run: dict) -> tuple[str, int]:
    """The row a run goes in: (mode, batch size that matters); the limit depends on nothing else."""
    mode = run["mode"]
    return mode, run["batch_size"] if mode == "minibatch" else 0


def _row_label(row: tuple[str, int], lang: str) -> str:
    mode, k = row
    if mode == "minibatch":
        return t("cls_pj_minibatch_row", lang, k=k)
    return t("gd_sgd", lang) if mode == "sgd" else t("gd_batch", lang)


def _jitter(k: int) -> float:
    """The k-th run of a row: a deterministic offset in [-0.3, 0.3) (golden-ratio steps spread evenly)."""
    return ((k * 0.6180339887) % 1.0 - 0.5) * 0.6


def lr_figure(runs: list[dict], lang: str) -> go.Figure:
    """Each run's lr on a log axis, one row per method, diverged in red; each row's stable-lr limit."""
    if not runs:
        return _empty("cls_pj_lr_empty", lang)
    order = {"batch": 0, "sgd": 1, "minibatch": 2}
    rows = sorted({lr_row(r) for r in runs}, key=lambda r: (order.get(r[0], 3), r[1]))
    where = {row: i for i, row in enumerate(rows)}
    seen = dict.fromkeys(rows, 0)
    limits = {}  # row -> its limit, from the row's first run (every run of a row has the same)
    groups: dict[bool, tuple[list, list, list]] = {False: ([], [], []), True: ([], [], [])}
    for run in runs:
        row = lr_row(run)
        limits.setdefault(where[row], run["bound"])
        xs, ys, texts = groups[bool(run["diverged"])]
        xs.append(run["lr"])
        ys.append(where[row] + _jitter(seen[row]))
        seen[row] += 1
        end = "—" if run["w"] is None else f"{run['w']:.4g}"
        texts.append(f"lr = {run['lr']:.4g}<br>epochs = {run['epochs']}<br>w: {run['w0']:.4g} → {end}")
    data = []
    for diverged, (xs, ys, texts) in groups.items():
        look = {"symbol": "x", "color": RED} if diverged else {"symbol": "circle", "color": GREEN}
        name = t("cls_pj_diverged" if diverged else "cls_pj_converged", lang)
        trace = {"type": "scatter", "x": xs, "y": ys, "mode": "markers", "name": name, "text": texts}
        data.append({**trace, "hovertemplate": "%{text}<extra></extra>", "marker": {"size": 16, **look}})
    data.append(_limit_trace(limits, lang))
    notes = [_limit_note(row, bound, lang) for row, bound in limits.items()]
    y = {"tickvals": list(range(len(rows))), "ticktext": [_row_label(r, lang) for r in rows], "zeroline": False}
    y.update(range=[-0.6, len(rows) - 0.4], automargin=True)
    title = t("cls_pj_lr_title", lang, n=len(runs), d=len(groups[True][0]))
    extra = {
        "xaxis": {"type": "log", "tickvals": LR_TICKS},
        "yaxis": y,
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1.0, "xanchor": "right"},
        "margin": {"l": 70, "r": 20, "t": 110, "b": 70},  # the legend under the title, clear of the axis title
        "annotations": notes,
    }
    return ui.figure(data, title, t("cls_pj_lr_axis", lang), height=290 + 90 * len(rows), **extra)


def _limit_trace(limits: dict[int, float], lang: str) -> dict:
    """One dashed vertical segment per row (y = row ± 0.42) at the row's limit."""
    xs, ys = [], []
    for row, bound in sorted(limits.items()):
        xs += [bound, bound, None]
        ys += [row - 0.42, row + 0.42, None]
    line = {"color": "#111", "width": 3, "dash": "dash"}
    return {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": line, "name": t("cls_pj_limit", lang)}


def _limit_note(row: int, bound: float, lang: str) -> dict:
    text = t("cls_pj_limit_at", lang, lr=bound)
    return {"x": np.log10(bound), "y": row + 0.42, "text": text, "showarrow": False, "xanchor": "left", "xshift": 6}


# ---- digits ---------------------------------------------------------------------------

SIDE, GAP_X, GAP_Y, COLS = 28, 4, 12, 10  # a tile, the gaps between (the label sits above the tile)
# The mosaic is uint8 (Plotly sends numpy arrays as base64: 60 tiles ≈ 100 kB): GAP (0) transparent,
# ink 0..255 as 1..LEVELS+1 white to black, a misread tile's as LEVELS+2..2*LEVELS+2 pink to red.
# (Not 255 for the gaps: its base64 is "/", which to_json escapes to two characters.)
LEVELS, GAP, TOP = 100, 0, 202
DIGIT_SCALE = [
    [0.0, "rgba(0,0,0,0)"],
    [0.5 / TOP, "rgba(0,0,0,0)"],
    [1 / TOP, "white"],
    [(LEVELS + 1) / TOP, "black"],
    [(LEVELS + 2) / TOP, "#fde4e4"],
    [1.0, RED],
]


def misread(digit: dict, model: str = GALLERY_MODEL) -> bool:
    return digit["reads"][model] != digit["label"]


def gallery_order(digits: list[dict]) -> list[int]:
    """Indices: the misreads newest first, then the rest newest first."""
    newest = range(len(digits) - 1, -1, -1)
    return [i for i in newest if misread(digits[i])] + [i for i in newest if not misread(digits[i])]


def mosaic(images: list, red: list[bool]) -> np.ndarray:
    """The tiles (28x28 ink 0..255) in rows of COLS, coded as DIGIT_SCALE reads them."""
    rows = -(-len(images) // COLS)
    out = np.full((rows * (SIDE + GAP_Y), COLS * (SIDE + GAP_X) - GAP_X), GAP, dtype=np.uint8)
    for k, (image, shift) in enumerate(zip(images, red)):
        top, left = (k // COLS) * (SIDE + GAP_Y) + GAP_Y, (k % COLS) * (SIDE + GAP_X)
        level = np.rint(np.clip(np.asarray(image, dtype=float), 0, 255) * (LEVELS / 255))
        out[top : top + SIDE, left : left + SIDE] = 1 + level + (LEVELS + 1) * shift
    return out


def digit_gallery(digits: list[dict], lang: str, limit: int = 60) -> go.Figure:
    """The class's drawings in one heatmap, misreads (red) first, each labelled "meant → read"."""
    if not digits:
        return _empty("cls_pj_gallery_empty", lang)
    shown = gallery_order(digits)[: max(0, limit)]
    red = [misread(digits[i]) for i in shown]
    z = mosaic([digits[i]["image"] for i in shown], red) if shown else np.full((1, 1), GAP, dtype=np.uint8)
    heat = {"type": "heatmap", "z": z, "colorscale": DIGIT_SCALE, "zmin": 0, "zmax": TOP}
    heat.update(showscale=False, hoverinfo="skip")
    notes = []
    for k, (i, bad) in enumerate(zip(shown, red)):
        d = digits[i]
        x = (k % COLS) * (SIDE + GAP_X) + (SIDE - 1) / 2
        y = (k // COLS) * (SIDE + GAP_Y) + GAP_Y / 2 - 0.5
        text = f"{d['label']} → {d['reads'][GALLERY_MODEL]}"
        notes.append({"x": x, "y": y, "text": text, "showarrow": False, "font": {"color": RED if bad else "#111"}})
    model, wrong = t(MODEL_NAMES[GALLERY_MODEL], lang), sum(misread(d) for d in digits)
    title = t("cls_pj_gallery_title", lang, n=len(digits), m=wrong, model=model)
    if len(shown) < len(digits):
        title += t("cls_pj_gallery_hidden", lang, k=len(digits) - len(shown))
    rows = -(-len(shown) // COLS)
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    y = {**axis, "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"}
    extra = {"xaxis": {**axis, "constrain": "domain"}, "yaxis": y, "annotations": notes}
    return ui.figure([heat], title, height=120 + 130 * max(rows, 1), title_size=ui.FONT_SIZE + 2, **extra)


def confusion(digits: list[dict], model: str = "best_cnn") -> np.ndarray:
    """(10, 10) int counts: row = the digit meant, column = the digit ``model`` read."""
    counts = np.zeros((10, 10), dtype=int)
    for d in digits:
        counts[int(d["label"]), int(d["reads"][model])] += 1
    return counts


def confusion_figure(digits: list[dict], lang: str, model: str = "best_cnn") -> go.Figure:
    """The confusion matrix with its counts written in; the class's accuracy in the title."""
    if not digits:
        return _empty("cls_pj_confusion_empty", lang, 560)
    counts = confusion(digits, model)
    name = t(MODEL_NAMES[model], lang)
    text = [[str(c) if c else "" for c in row] for row in counts]
    heat = {"type": "heatmap", "z": counts, "x": list(range(10)), "y": list(range(10)), "text": text}
    heat.update(texttemplate="%{text}", colorscale="Blues", showscale=False, xgap=2, ygap=2)
    heat.update(textfont={"size": ui.FONT_SIZE}, hovertemplate="%{y} → %{x}: %{z}<extra></extra>")
    right, n = int(np.trace(counts)), int(counts.sum())
    title = t("cls_pj_confusion_title", lang, model=name, right=right, n=n, pct=100 * right / n)
    ticks = {"tickmode": "linear", "dtick": 1, "showgrid": False, "zeroline": False}
    axes = {"xaxis": ticks, "yaxis": {**ticks, "autorange": "reversed"}}  # digit 0 meant at the top
    x_title = t("cls_pj_read_by", lang, model=name)
    return ui.figure([heat], title, x_title, t("cls_pj_meant", lang), height=620, **axes)


# ---- the playground leaderboard ---------------------------------------------------------


def _entry_row(entry: dict, lang: str) -> dict:
    """An entry's table values and sort key; only known names are shown (no free text)."""
    s = entry["settings"]
    hidden = playground.parse_layers(s["layers"])
    feats = [f for f in playground.FEATURES if f in s["features"]]  # the canonical order
    params = playground.param_count(playground.layer_sizes(len(feats), hidden))
    dataset = t(f"pg_{s['dataset']}", lang) if s["dataset"] in playground.DATASETS else "?"
    layers = ", ".join(map(str, hidden)) or t("cls_pj_no_hidden", lang)
    acc = round(float(entry["accuracy"]), 1)  # sorted as shown: equal shown accuracies go by params
    activation = playground.ACTIVATIONS.get(s["activation"], "?")
    optimizer = playground.OPTIMIZERS.get(s["optimizer"], "?")
    cells = [f"{acc:.1f}", params, dataset, layers, activation, ", ".join(feats), optimizer, f"{s['lr']:g}"]
    return {"key": (-acc, params), "cells": cells}


def leaderboard_order(rows: list[dict]) -> list[int]:
    """Indices best first: accuracy (1 decimal) down, then fewer parameters, then first sent."""
    return sorted(range(len(rows)), key=lambda i: (rows[i]["key"], i))


def leaderboard(entries: list[dict], lang: str) -> tuple[list[list], list[int]]:
    """(rows for a table, best first; the entries' indices in that order). Columns as
    leaderboard_headers: rank, accuracy (str), parameters (int), then names and lr (str)."""
    rows = [_entry_row(e, lang) for e in entries]
    order = leaderboard_order(rows)
    return [[rank, *rows[i]["cells"]] for rank, i in enumerate(order, start=1)], order


def leaderboard_headers(lang: str) -> list[str]:
    keys = ("cls_pj_h_rank", "cls_pj_h_accuracy", "cls_pj_h_params", "cls_pj_h_dataset", "cls_pj_h_layers")
    keys += ("cls_pj_h_activation", "cls_pj_h_features", "cls_pj_h_optimizer", "cls_pj_h_lr")
    return [t(k, lang) for k in keys]


# ---- the class line ------------------------------------------------------------------------


def counts_text(students: int, per_activity: dict[str, int], lang: str) -> str:
    """'12 students joined · linear model 9 · gradient descent 7 · digits 20 · playground 4'."""
    head = t("cls_pj_one_student", lang) if students == 1 else t("cls_pj_students", lang, n=students)
    parts = [f"{t(key, lang)} {int(per_activity.get(name, 0))}" for name, key in ACTIVITIES.items()]
    return " · ".join([head, *parts])
