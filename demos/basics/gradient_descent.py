"""PyTorch lecture 3 (Lee P2/P3): batch, stochastic and mini-batch gradient
descent for y_hat = w*x on the lecture data, streamed epoch by epoch."""

from __future__ import annotations

import functools
import itertools
import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, ui
from demos.classroom import activities, send
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("gradient_descent", "sec_basics", "gd_tab", "gd_source", "gd_intro")

built_keys("gd_batch", "gd_sgd", "gd_minibatch")

register(
    {
        "gd_tab": ("第3讲 梯度下降", "L3 Gradient descent"),
        "gd_source": (
            "**刘二 PyTorch 第3讲 · 梯度下降** · 李宏毅 ML 2021 P2–P3",
            "**Liu Er PyTorch lecture 3 · Gradient descent** · Hung-yi Lee ML 2021 P2-P3",
        ),
        "gd_intro": (
            "模型 ŷ = w·x，数据 (1,2)、(2,4)、(3,6)。每一步沿梯度的反方向走：w ← w − lr·∂cost/∂w，其中 "
            "∂cost/∂w = mean(2·x·(w·x − y))。**批量**梯度下降每个 epoch 用全部样本更新一次；**随机**梯度下降每个样本更新一次"
            "（每个 epoch 按种子打乱顺序）；**小批量**每次用几个样本。学习率太大，w 会越过最低点并越跳越远——这就是发散。",
            "The model is ŷ = w·x on (1,2), (2,4), (3,6). Each step walks against the gradient: w ← w − lr·∂cost/∂w with "
            "∂cost/∂w = mean(2·x·(w·x − y)). **Batch** gradient descent updates once per epoch from all samples; "
            "**stochastic** updates once per sample (the order shuffled each epoch by the seed); **mini-batch** uses a "
            "few samples at a time. With too large a learning rate w overshoots the minimum further each step: it diverges.",
        ),
        "gd_mode": ("方法", "Method"),
        "gd_batch": ("批量 (batch)", "batch"),
        "gd_sgd": ("随机 (SGD)", "stochastic (SGD)"),
        "gd_minibatch": ("小批量 (mini-batch)", "mini-batch"),
        "gd_lr": ("学习率 lr", "learning rate lr"),
        "gd_epochs": ("轮数 epochs", "epochs"),
        "gd_w0": ("初始 w", "start w"),
        "gd_seed": ("随机种子", "seed"),
        "gd_batch_size": ("小批量大小", "mini-batch size"),
        "gd_ema": (
            "平滑系数 a：loss'(i) = a·loss(i) + (1−a)·loss'(i−1)",
            "smoothing a: loss'(i) = a·loss(i) + (1−a)·loss'(i−1)",
        ),
        "gd_log": ("对数纵轴", "log-scale loss axis"),
        "gd_train": ("▶ 开始训练", "▶ Train"),
        "gd_stop": ("■ 停止", "■ Stop"),
        "gd_loss_title": ("每个 epoch 的损失", "Loss of each epoch"),
        "gd_raw": ("原始损失", "raw loss"),
        "gd_smooth": ("平滑后 (a = {a:.2f})", "smoothed (a = {a:.2f})"),
        "gd_path_title": ("w 在损失曲线上的路径", "The path of w on the loss curve"),
        "gd_cost": ("cost(w) = mean((w·x − y)²)", "cost(w) = mean((w·x − y)²)"),
        "gd_path": ("w 的路径", "path of w"),
        "gd_start": ("起点", "start"),
        "gd_diverged_note": ("发散！曲线已截断", "diverged! curve clipped"),
        "gd_ready": ("按 ▶ 开始训练。", "Press ▶ Train."),
        "gd_progress": (
            "第 {epoch}/{epochs} 轮 (epoch)：w = {w:.6f}，loss = {loss:.6g}",
            "epoch {epoch}/{epochs}: w = {w:.6f}, loss = {loss:.6g}",
        ),
        "gd_diverged": (
            "**发散了**：在第 {epoch} 个 epoch，|w| 或损失已大到失去意义（w = {w:.3g}），训练停止。lr = {lr:g} 超过了这种方法在此数据上的最大稳定学习率 {bound:.4f}。",
            "**Diverged**: by epoch {epoch} |w| or the loss had grown beyond meaning (w = {w:.3g}); training stopped. "
            "lr = {lr:g} is above this method's largest stable learning rate for this data, {bound:.4f}.",
        ),
        "gd_diverging": (
            "**正在发散**：损失比开始时更大。lr = {lr:g}，而这种方法的最大稳定学习率是 {bound:.4f}。",
            "**Diverging**: the loss ended higher than it began. lr = {lr:g}; this method's largest stable learning rate is {bound:.4f}.",
        ),
        "gd_stable": (
            "最大稳定学习率（{mode}）：lr < **{bound:.4f}**。{why}",
            "Largest stable learning rate ({mode}): lr < **{bound:.4f}**. {why}",
        ),
        "gd_why_batch": (
            "批量梯度下降每步 w − 2 = (1 − 2·lr·mean(x²))·(w_旧 − 2)，所以要求 |1 − 2·lr·mean(x²)| < 1，即 lr < 1/mean(x²) = 3/14。",
            "Each batch step gives w − 2 = (1 − 2·lr·mean(x²))·(w_old − 2), so it needs |1 − 2·lr·mean(x²)| < 1: lr < 1/mean(x²) = 3/14.",
        ),
        "gd_why_sgd": (
            "每个 epoch 把 w − 2 乘上 ∏(1 − 2·lr·mean(x²)_批)，对所有可能的打乱顺序都需小于 1（数值求得）。",
            "Each epoch multiplies w − 2 by ∏(1 − 2·lr·mean(x²) of each batch); that must stay below 1 in size for every shuffle (found numerically).",
        ),
    }
)

X = np.array([1.0, 2.0, 3.0])
Y = np.array([2.0, 4.0, 6.0])
XS, YS = X.tolist(), Y.tolist()  # the same, as Python floats for the steps of a run
MODES = ("batch", "sgd", "minibatch")
MAX_EPOCHS = 10_000
BLOWUP = 1e8  # |w| beyond this (the loss beyond ~1e17) counts as divergence


# ---- pure computation ---------------------------------------------------------


def cost(w: float, idx=slice(None)) -> float:
    """mean((w*x - y)^2) over the samples idx."""
    return float(np.mean((w * X[idx] - Y[idx]) ** 2))


def gradient(w: float, idx=None) -> float:
    """d cost / d w = mean(2*x*(w*x - y)) over the samples idx (a list of indices; all by default).
    In Python floats, NumPy's arithmetic to the bit: NumPy's calls on 1-3 numbers made a run 4x
    slower, and a class's send checks a run of up to 10,000 epochs again."""
    idx = range(len(XS)) if idx is None else idx
    return sum(2 * XS[i] * (w * XS[i] - YS[i]) for i in idx) / len(idx)


def epoch_batches(mode: str, rng: np.random.Generator, batch_size: int = 2) -> list[np.ndarray]:
    """The index groups of one epoch: all at once, one by one, or in chunks, shuffled."""
    if mode == "batch":
        return [np.arange(len(X))]
    order = rng.permutation(len(X))
    size = 1 if mode == "sgd" else batch_size
    return [order[i : i + size] for i in range(0, len(X), size)]


def run_epochs(mode: str, lr: float, epochs: int, w0: float, seed: int = 0, batch_size: int = 2):
    """Yield (epoch, w after the epoch, epoch loss, diverged) for each epoch.

    The epoch loss is the mean of the per-sample losses each taken before the
    update it feeds, as the lecture prints cost before updating w. Stops after
    the first epoch that diverges; never yields a non-finite number.
    """
    rng = np.random.default_rng(seed)
    w = float(w0)
    for epoch in range(1, epochs + 1):
        losses = []
        for batch in epoch_batches(mode, rng, batch_size):
            idx = batch.tolist()
            # each sample's loss before the step; e * e, as NumPy squares (Python's ** 2 is pow(): other bits)
            losses.extend(e * e for e in (w * XS[i] - YS[i] for i in idx))
            w -= lr * gradient(w, idx)
        loss = sum(losses) / len(losses)
        if not (math.isfinite(w) and abs(w) < BLOWUP and math.isfinite(loss)):
            yield epoch, None, None, True
            return
        yield epoch, w, loss, False


def gradient_descent(mode: str, lr: float, epochs: int, w0: float, seed: int = 0, batch_size: int = 2) -> dict:
    """{"w": [w after each epoch], "loss": [loss of each epoch], "diverged": bool}."""
    ws, losses, blew_up = [], [], False
    for _, w, loss, blew_up in run_epochs(mode, lr, epochs, w0, seed, batch_size):
        if blew_up:
            break
        ws.append(w)
        losses.append(loss)
    return {"w": ws, "loss": losses, "diverged": blew_up or growing(losses)}


def growing(losses: list[float]) -> bool:
    """Diverging though not yet blown up: the loss ended clearly above where it began."""
    return len(losses) > 1 and losses[-1] > 1.01 * losses[0] + 1e-12


def ema(values, a: float) -> list[float]:
    """The lecture's smoothing: s(0) = loss(0), s(i) = a*loss(i) + (1-a)*s(i-1)."""
    out: list[float] = []
    for v in values:
        out.append(v if not out else a * v + (1 - a) * out[-1])
    return out


def epoch_factor(lr: float, groups) -> float:
    """How one epoch scales (w - 2): prod over batches of (1 - 2*lr*mean(x^2))."""
    return scale(lr, batch_means(groups))


def batch_means(groups) -> list[float]:
    """Each batch's mean(x^2), for the samples' indices in ``groups``."""
    return [float(np.mean(X[list(g)] ** 2)) for g in groups]


def scale(lr: float, means: list[float]) -> float:
    """epoch_factor from its batches' mean(x^2)."""
    return math.prod(1 - 2 * lr * m for m in means)


def largest_stable_lr(mode: str, batch_size: int = 2, step: float = 1e-4) -> float:
    """The largest lr below which every epoch contracts |w - 2| for every shuffle.

    Batch: 1/mean(x^2) = 3/14. SGD and mini-batch: scanned, since the product of
    per-batch factors is not monotone in lr.
    """
    if mode == "batch":
        return float(1 / np.mean(X**2))
    return scanned_stable_lr(1 if mode == "sgd" else batch_size, step)


@functools.cache
def scanned_stable_lr(size: int, step: float) -> float:
    """largest_stable_lr for batches of ``size``: lr up in steps until some shuffle's epoch grows |w - 2|.
    Each partition's batch means are taken once (the scan was 0.2 s of NumPy calls on 1-3 numbers, held
    the interpreter from every other event, and a class's first gradient send of a process paid it)."""
    partitions = {
        tuple(tuple(sorted(p[i : i + size])) for i in range(0, len(X), size))
        for p in itertools.permutations(range(len(X)))
    }
    means = [batch_means(groups) for groups in partitions]
    lr = step
    while all(abs(scale(lr, ms)) < 1 for ms in means):
        lr += step
    return round(lr - step, 6)


# ---- figures ------------------------------------------------------------------


def loss_figure(run: dict | None, a: float, log_y: bool, lang: str) -> go.Figure:
    fig = go.Figure()
    if run and run["loss"]:
        epochs = list(range(1, len(run["loss"]) + 1))
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=run["loss"],
                mode="lines+markers",
                name=t("gd_raw", lang),
                line={"color": "#9aa7b8", "width": 2},
                marker={"size": 5},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=ema(run["loss"], a),
                mode="lines",
                name=t("gd_smooth", lang, a=a),
                line={"color": ui.COLORS[0], "width": 4},
            )
        )
        if (run["diverged"] or growing(run["loss"])) and not log_y:
            # Clip: a diverging loss would flatten everything before it.
            fig.update_yaxes(range=[0, 3 * max(run["loss"][0], 1e-9)])
        if run["diverged"] or growing(run["loss"]):
            fig.add_annotation(
                x=epochs[-1],
                y=0.9,
                yref="paper",
                text=t("gd_diverged_note", lang),
                showarrow=False,
                font={"color": ui.COLORS[1], "size": 20},
                xanchor="right",
            )
    ui.style(fig, t("gd_loss_title", lang), "epoch", "loss")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


PATH_RANGE = (-2.0, 6.0)


def path_figure(run: dict | None, w0: float, lang: str) -> go.Figure:
    ws = np.linspace(*PATH_RANGE, 200)
    fig = go.Figure(
        go.Scatter(
            x=ws, y=[cost(w) for w in ws], mode="lines", name=t("gd_cost", lang), line={"color": "#555", "width": 3}
        )
    )
    path = [w0] + (run["w"] if run else [])
    shown = [w for w in path if PATH_RANGE[0] <= w <= PATH_RANGE[1]]  # clipped to the window
    fig.add_trace(
        go.Scatter(
            x=shown,
            y=[cost(w) for w in shown],
            mode="lines+markers",
            name=t("gd_path", lang),
            line={"color": ui.COLORS[1], "width": 2},
            marker={"size": 9},
        )
    )
    if PATH_RANGE[0] <= w0 <= PATH_RANGE[1]:
        fig.add_trace(
            go.Scatter(
                x=[w0],
                y=[cost(w0)],
                mode="markers",
                name=t("gd_start", lang),
                marker={"size": 16, "color": ui.COLORS[2], "symbol": "diamond"},
            )
        )
    ui.style(fig, t("gd_path_title", lang), "w", "cost")
    fig.update_xaxes(range=list(PATH_RANGE))
    fig.update_yaxes(range=[-2, cost(PATH_RANGE[0]) * 1.05])
    return fig


def stable_text(mode: str, batch_size: int, lang: str) -> str:
    why = t("gd_why_batch" if mode == "batch" else "gd_why_sgd", lang)
    return t("gd_stable", lang, mode=t(f"gd_{mode}", lang), bound=largest_stable_lr(mode, batch_size), why=why)


# ---- events -------------------------------------------------------------------


def check(mode, lr, epochs, w0, seed, batch_size, lang):
    return (
        ui.choice(mode, "mode", MODES, lang),
        ui.number(lr, "lr", 0.0, 10.0, lang),
        ui.integer(epochs, "epochs", 1, MAX_EPOCHS, lang),
        ui.number(w0, "w0", -100.0, 100.0, lang),
        ui.integer(seed, "seed", 0, 2**31 - 1, lang),
        ui.integer(batch_size, "batch_size", 1, len(X), lang),
    )


FRAMES = 15  # streamed frames per run: a browser redraws two Plotly figures in ~0.2 s
RUN_SECONDS = 3.0  # a run takes microseconds; spread its frames over ~3 s so the curve visibly grows


def train(mode, lr, epochs, w0, seed, batch_size, a, log_y, lang):
    """Stream the run: yields (loss figure, path figure, status, run state)."""
    mode, lr, epochs, w0, seed, batch_size = check(mode, lr, epochs, w0, seed, batch_size, lang)
    a = ui.number(a, "a", 0.0, 1.0, lang)
    run = {"w": [], "loss": [], "diverged": False, "w0": w0}
    pacer = live.Pacer(epochs, frames=FRAMES, min_seconds=RUN_SECONDS)
    for epoch, w, loss, diverged in run_epochs(mode, lr, epochs, w0, seed, batch_size):
        if diverged:
            run["diverged"] = True
            status = t(
                "gd_diverged",
                lang,
                epoch=epoch,
                w=run["w"][-1] if run["w"] else w0,
                lr=lr,
                bound=largest_stable_lr(mode, batch_size),
            )
            yield loss_figure(run, a, log_y, lang), path_figure(run, w0, lang), status, run
            return
        run["w"].append(w)
        run["loss"].append(loss)
        if pacer.due(epoch):
            status = t("gd_progress", lang, epoch=epoch, epochs=epochs, w=w, loss=loss)
            if epoch == epochs and growing(run["loss"]):
                run["diverged"] = True
                status += "  \n" + t("gd_diverging", lang, lr=lr, bound=largest_stable_lr(mode, batch_size))
            yield loss_figure(run, a, log_y, lang), path_figure(run, w0, lang), status, run
            pacer.shown()


def redraw(run, a, log_y, w0, lang):
    """Re-render from the stored run (smoothing, log axis or language changed)."""
    a = ui.number(a, "a", 0.0, 1.0, lang)
    w0 = run["w0"] if run else ui.number(w0, "w0", -100.0, 100.0, lang)
    return loss_figure(run, a, log_y, lang), path_figure(run, w0, lang)


def on_settings(mode, batch_size, lang):
    return stable_text(ui.choice(mode, "mode", MODES, lang), ui.integer(batch_size, "batch_size", 1, 3, lang), lang)


def api_gradient_descent(mode: str, lr: float, epochs: int, w0: float, seed: int) -> dict:
    """Run gradient descent for y_hat = w*x on (1,2), (2,4), (3,6); mini-batches hold 2 samples."""
    mode, lr, epochs, w0, seed, _ = check(mode, lr, epochs, w0, seed, 2, None)
    return gradient_descent(mode, lr, epochs, w0, seed)


def send_payload(mode, lr, epochs, w0, seed, batch_size, lang) -> dict:
    """What "Send to class" keeps: these settings; the run is done again where it is checked."""
    keys = ("mode", "lr", "epochs", "w0", "seed", "batch_size")
    return activities.gradient(dict(zip(keys, (mode, lr, epochs, w0, seed, batch_size))), lang)


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    run = gr.State(None)  # per user: {"w", "loss", "diverged", "w0"} of the last run
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            mode = gr.Radio(
                [(I18N(f"gd_{m}"), m) for m in MODES], value="batch", label=I18N("gd_mode"), elem_id="gd-mode"
            )
            lr = gr.Slider(0.001, 0.3, value=0.01, step=0.001, label=I18N("gd_lr"), elem_id="gd-lr")
            epochs = gr.Slider(1, 500, value=100, step=1, label=I18N("gd_epochs"), elem_id="gd-epochs")
            w0 = gr.Slider(-2, 6, value=1.0, step=0.1, label=I18N("gd_w0"))
            with gr.Row():
                seed = gr.Number(0, precision=0, minimum=0, label=I18N("gd_seed"))
                batch_size = gr.Slider(1, 3, value=2, step=1, label=I18N("gd_batch_size"))
            with gr.Row():
                start = gr.Button(I18N("gd_train"), variant="primary", elem_id="gd-train")
                stop = gr.Button(I18N("gd_stop"), variant="stop", elem_id="gd-stop")
            status = gr.Markdown(t("gd_ready", "en"), elem_id="gd-status")
            stable = gr.Markdown(stable_text("batch", 2, "en"), elem_id="gd-stable")
            send.row("gradient", [mode, lr, epochs, w0, seed, batch_size], send_payload)
        with gr.Column(scale=3):
            loss_plot = gr.Plot(loss_figure(None, 0.5, False, "en"), show_label=False, elem_id="gd-loss")
            with gr.Row():
                a = gr.Slider(0.05, 1.0, value=0.5, step=0.05, label=I18N("gd_ema"))
                log_y = gr.Checkbox(False, label=I18N("gd_log"))
            path_plot = gr.Plot(path_figure(None, 1.0, "en"), show_label=False)
    ui.code_panel("gradient_descent")

    inputs = [mode, lr, epochs, w0, seed, batch_size, a, log_y, lang]
    live.train_button(start, stop, train, inputs, [loss_plot, path_plot, status, run], concurrency_id="gd_train")
    ui.on_inputs(redraw, [run, a, log_y, w0, lang], [loss_plot, path_plot], triggers=[a, log_y, lang])
    ui.on_inputs(on_settings, [mode, batch_size, lang], stable)
    gr.api(api_gradient_descent, api_name="gradient_descent")
