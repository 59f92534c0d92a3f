"""PyTorch lecture 5: linear regression with nn.Linear(1, 1), MSELoss and an
optimizer from torch.optim, on the lecture data (1,2), (2,4), (3,6).

Every optimizer starts from the same w, b (the seeded nn.Linear init) and
runs the lecture's loop; "all" runs the eight side by side, streamed.
"""

from __future__ import annotations

import functools
import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, ui
from demos.i18n import I18N, register, t

LECTURE = ui.Lecture("linear_regression", "sec_basics", "lr_tab", "lr_source", "lr_intro")

register(
    {
        "lr_tab": ("第5讲 线性回归", "L5 Linear regression"),
        "lr_source": (
            "**刘二 PyTorch 第5讲 · 用 PyTorch 实现线性回归**",
            "**Liu Er PyTorch lecture 5 · Linear regression with PyTorch**",
        ),
        "lr_intro": (
            "四步：① 数据做成 (3, 1) 的张量 x = [[1],[2],[3]]、y = [[2],[4],[6]]；② 模型 `LinearModel` 里是 "
            "`nn.Linear(1, 1)`，ŷ = x·w + b；③ 损失 `MSELoss` 和一个优化器；④ 训练循环：前向算 ŷ 和 loss，"
            "`optimizer.zero_grad()`、`loss.backward()`、`optimizer.step()`。讲义的 `size_average=False` "
            "在新版 PyTorch 里写作 `reduction='sum'`：loss = Σ(ŷ − y)²，是平均值的 3 倍，所以 SGD 的步子也大 3 倍；"
            "Adam、RMSprop、Rprop 等自适应优化器按梯度大小缩放步长，几乎不受影响。LBFGS 每一步要重新计算损失多达 20 次，"
            "所以 `step` 需要传入一个闭包 closure。所有优化器都从同一个随机初始化（种子）出发，最优解是 w = 2、b = 0。"
            "试试：lr = 0.01 时 SGD 很好而 Adagrad 几乎不动；lr = 0.1 时 SGD 发散而其他优化器没事；lr = 1 时 LBFGS 一步到位。",
            "Four steps: ① the data as (3, 1) tensors x = [[1],[2],[3]], y = [[2],[4],[6]]; ② the model "
            "`LinearModel` holds `nn.Linear(1, 1)`, ŷ = x·w + b; ③ the loss `MSELoss` and an optimizer; ④ the "
            "training cycle: forward to ŷ and the loss, then `optimizer.zero_grad()`, `loss.backward()`, "
            "`optimizer.step()`. The lecture's `size_average=False` is `reduction='sum'` in today's PyTorch: "
            "loss = Σ(ŷ − y)², three times the mean, so SGD's steps are three times larger too; adaptive optimizers "
            "(Adam, RMSprop, Rprop, …) scale their steps by the gradient's size and hardly notice. LBFGS re-evaluates "
            "the loss up to 20 times in one step, so its `step` takes a closure. Every optimizer starts from the same "
            "seeded initialisation; the optimum is w = 2, b = 0. Try lr = 0.01 (SGD fine, Adagrad barely moves), "
            "lr = 0.1 (SGD diverges, the others do not) and lr = 1 (LBFGS gets there in one step).",
        ),
        "lr_optimizer": ("优化器", "Optimizer"),
        "lr_all": ("全部 8 个", "all 8"),
        "lr_lr": ("学习率 lr", "learning rate lr"),
        "lr_epochs": ("训练轮数 epochs", "epochs"),
        "lr_reduction": ("MSELoss 的 reduction", "MSELoss reduction"),
        "lr_sum": ("sum（讲义 size_average=False）", "sum (the lecture's size_average=False)"),
        "lr_mean": ("mean（平均，默认）", "mean (the default)"),
        "lr_seed": ("随机种子（初始 w、b）", "seed (initial w, b)"),
        "lr_log": ("对数纵轴", "log-scale loss axis"),
        "lr_train": ("▶ 开始训练", "▶ Train"),
        "lr_stop": ("■ 停止", "■ Stop"),
        "lr_ready": ("选好优化器，按 ▶ 开始训练。", "Choose an optimizer and press ▶ Train."),
        "lr_progress": (
            "第 {epoch}/{epochs} 轮 (epoch)，起点 w = {w0:.4f}、b = {b0:.4f}（种子 {seed}）",
            "epoch {epoch}/{epochs}, starting from w = {w0:.4f}, b = {b0:.4f} (seed {seed})",
        ),
        "lr_done": ("**完成** · ", "**Done** · "),
        "lr_loss_title": ("每轮的损失 loss（{reduction}）", "Loss of each epoch ({reduction})"),
        "lr_epoch": ("轮次 epoch", "epoch"),
        "lr_path_title": ("(w, b) 的路径，背景是损失的等高线", "Paths of (w, b) over the loss contours"),
        "lr_contour": ("log₁₀ 损失", "log₁₀ loss"),
        "lr_start": ("共同起点", "common start"),
        "lr_optimum": ("最优解 (2, 0)", "optimum (2, 0)"),
        "lr_diverged_at": ("{name} ✕ 第 {epoch} 轮发散", "{name} ✕ diverged at epoch {epoch}"),
        "lr_col_opt": ("优化器", "optimizer"),
        "lr_col_loss": ("最终损失", "loss"),
        "lr_table_key": (
            "ŷ(4)：x = 4 时的预测，理想值 8。✓ 收敛（|w − 2| 和 |b| 都小于 0.001）· … 还没到 · ↗ 损失变大，正在发散 · "
            "✕ k：第 k 轮发散（参数爆炸），这个优化器停止，其余继续。",
            "ŷ(4): the prediction for x = 4, ideally 8. ✓ converged (|w − 2| and |b| below 0.001) · … not there yet · "
            "↗ the loss grew: diverging · ✕ k: diverged (blew up) at epoch k; that optimizer stopped, the others "
            "went on.",
        ),
        "lr_table_hint": (
            "训练后这里列出每个优化器的 w、b、最终损失和 x = 4 时的预测（理想值 8）。",
            "After training: each optimizer's w, b, final loss and its prediction for x = 4 (ideally 8).",
        ),
    }
)

X_DATA = (1.0, 2.0, 3.0)
Y_DATA = (2.0, 4.0, 6.0)
X_TEST = 4.0
OPTIMIZERS = ("SGD", "Adagrad", "Adam", "Adamax", "ASGD", "LBFGS", "RMSprop", "Rprop")
ALL = "all"
REDUCTIONS = ("sum", "mean")
LR_RANGE = (1e-4, 10.0)
EPOCH_RANGE = (1, 1000)
EPOCH_DEFAULT = 1000  # as in the lecture
SEED_RANGE = (0, 2**31 - 1)
BLOWUP = 1e6  # |w| or |b| beyond this (the loss beyond ~1e12) counts as divergence
LOG_FLOOR = 1e-14  # a log axis cannot show a loss of exactly 0
CONVERGED = 1e-3  # |w - 2| and |b| below this count as converged


# ---- pure computation ---------------------------------------------------------


@functools.cache
def model_class():
    """The lecture's LinearModel (defined on first use, so importing this module needs no torch)."""
    torch = ui.torch_ready()

    class LinearModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(1, 1)  # ŷ = x·wᵀ + b, (N, 1) -> (N, 1)

        def forward(self, x):
            return self.linear(x)

    return LinearModel


def make_model(seed: int):
    """LinearModel initialised as torch.manual_seed(seed) then LinearModel() would, but from a private
    generator: nn.Linear's own init (w, b uniform in ±1/√fan_in), without touching the global RNG
    that concurrent users share."""
    torch = ui.torch_ready()
    model = model_class()()
    linear, g = model.linear, torch.Generator().manual_seed(seed)
    with torch.no_grad():  # the draws of nn.Linear.reset_parameters, in its order
        torch.nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=g)
        bound = 1 / math.sqrt(linear.in_features)
        torch.nn.init.uniform_(linear.bias, -bound, bound, generator=g)
    return model


def start_point(seed: int) -> tuple[float, float]:
    """(w0, b0): where every optimizer starts for this seed."""
    model = make_model(seed)
    return model.linear.weight.item(), model.linear.bias.item()


def optimizer_steps(name: str, lr: float, seed: int = 0, reduction: str = "sum"):
    """Endless generator of (loss before the step, w after it, b after it): the lecture's loop."""
    torch = ui.torch_ready()
    x_data = torch.tensor([[x] for x in X_DATA])  # (3, 1): 3 samples, 1 feature
    y_data = torch.tensor([[y] for y in Y_DATA])  # (3, 1)
    model = make_model(seed)
    criterion = torch.nn.MSELoss(reduction=reduction)
    optimizer = getattr(torch.optim, name)(model.parameters(), lr=lr)

    def closure():  # LBFGS re-evaluates the loss several times within one step
        optimizer.zero_grad()
        loss = criterion(model(x_data), y_data)
        loss.backward()
        return loss

    while True:
        if name == "LBFGS":
            loss = optimizer.step(closure)  # returns the loss of its first evaluation
        else:
            y_pred = model(x_data)
            loss = criterion(y_pred, y_data)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        yield loss.item(), model.linear.weight.item(), model.linear.bias.item()


def blew_up(loss: float, w: float, b: float) -> bool:
    return not all(math.isfinite(v) for v in (loss, w, b)) or max(abs(w), abs(b)) > BLOWUP


def train_all(names, lr: float, epochs: int, seed: int = 0, reduction: str = "sum"):
    """Run the optimizers in lockstep; yield (epoch, runs) after each epoch.

    runs[name] = {"w": [w0, w1, ...], "b": [b0, b1, ...], "loss": [loss of epoch 1, ...],
    "diverged": None or the epoch it blew up}. A diverged optimizer stops; the others go on.
    Only finite numbers are stored.
    """
    w0, b0 = start_point(seed)
    steps = {name: optimizer_steps(name, lr, seed, reduction) for name in names}
    runs = {name: {"w": [w0], "b": [b0], "loss": [], "diverged": None} for name in names}
    for epoch in range(1, epochs + 1):
        for name, run in runs.items():
            if run["diverged"] is None:
                loss, w, b = next(steps[name])
                if blew_up(loss, w, b):
                    run["diverged"] = epoch
                else:
                    run["w"].append(w)
                    run["b"].append(b)
                    run["loss"].append(loss)
        yield epoch, runs


def train(name: str, lr: float, epochs: int, seed: int = 0, reduction: str = "sum") -> dict:
    """One optimizer's whole run (see train_all)."""
    *_, (_, runs) = train_all([name], lr, epochs, seed, reduction)  # the last (epoch, runs)
    return runs[name]


def cost(w, b, reduction: str = "sum"):
    """Σ or mean of (w·x + b − y)² over the data, for scalars or arrays of w and b (numpy)."""
    w, b = np.asarray(w, dtype=float)[..., None], np.asarray(b, dtype=float)[..., None]
    sq = (w * np.array(X_DATA) + b - np.array(Y_DATA)) ** 2
    return sq.sum(-1) if reduction == "sum" else sq.mean(-1)


def predict(w: float, b: float, x: float = X_TEST) -> float:
    return w * x + b


def growing(losses: list[float]) -> bool:
    """Diverging though not yet blown up: the loss ended clearly above where it began."""
    return len(losses) > 1 and losses[-1] > 1.01 * losses[0] + 1e-12


def inside(run: dict, wl: float, wh: float, bl: float, bh: float) -> int:
    """How many points of the path to draw: up to and including its first step out of the window
    (a diverging path would otherwise sweep the whole plot)."""
    for k, (w, b) in enumerate(zip(run["w"], run["b"])):
        if not (wl <= w <= wh and bl <= b <= bh):
            return k + 1
    return len(run["w"])


def thin(n: int, head: int = 200, most: int = 600) -> list[int]:
    """Indices 0..n-1 to draw: all of the first `head`, then evenly spaced, the last always."""
    if n <= most:
        return list(range(n))
    tail = np.linspace(head, n - 1, most - head).round().astype(int)
    return list(range(head)) + sorted(set(tail.tolist()))


# ---- figures ------------------------------------------------------------------


def color(i: int) -> str:
    return ui.COLORS[i % len(ui.COLORS)]


def legend_name(name: str, run: dict, lang: str) -> str:
    return t("lr_diverged_at", lang, name=name, epoch=run["diverged"]) if run["diverged"] else name


def loss_figure(state: dict | None, log_y: bool, lang: str) -> go.Figure:
    """The loss curves of every optimizer, overlaid (the colours follow the order of state["names"])."""
    curves = {}
    if state:
        for name in state["names"]:
            run = state["runs"][name]
            losses = [max(v, LOG_FLOOR) for v in run["loss"]] if log_y else run["loss"]
            curves[legend_name(name, run, lang)] = losses
    reduction = state["reduction"] if state else "sum"
    fig = live.curves_figure(
        curves, t("lr_loss_title", lang, reduction=reduction), t("lr_epoch", lang), "loss", log_y, height=440
    )
    fig.update_xaxes(range=[0, (state["epochs"] if state else EPOCH_DEFAULT) + 1])
    if log_y:
        fig.update_yaxes(exponentformat="power")
    return fig


def window(w0: float, b0: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (w, b) box shown: the start and the optimum (2, 0) with a margin."""
    return (min(w0, 2.0) - 1.5, max(w0, 2.0) + 1.5), (min(b0, 0.0) - 1.5, max(b0, 0.0) + 1.5)


def path_figure(state: dict | None, lang: str) -> go.Figure:
    w0, b0 = state["start"] if state else (0.0, 0.0)
    reduction = state["reduction"] if state else "sum"
    (wl, wh), (bl, bh) = window(w0, b0)
    ws, bs = np.linspace(wl, wh, 81), np.linspace(bl, bh, 81)
    z = np.log10(cost(ws[None, :], bs[:, None], reduction) + 1e-6).round(3)  # (b, w) grid
    fig = go.Figure(
        go.Contour(
            x=ws, y=bs, z=z, colorscale="Greys", reversescale=True, opacity=0.45, ncontours=18,
            contours={"coloring": "fill", "showlines": True}, showscale=False, name=t("lr_contour", lang),
            hovertemplate="w=%{x:.2f}, b=%{y:.2f}<br>log₁₀ loss=%{z:.2f}<extra></extra>",
        )
    )  # fmt: skip
    if state:
        for i, name in enumerate(state["names"]):
            run = state["runs"][name]
            keep = thin(inside(run, wl, wh, bl, bh))
            fig.add_trace(
                go.Scatter(
                    x=[run["w"][k] for k in keep], y=[run["b"][k] for k in keep], mode="lines+markers",
                    name=legend_name(name, run, lang), line={"color": color(i), "width": 3}, marker={"size": 4},
                )
            )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=[w0], y=[b0], mode="markers", name=t("lr_start", lang),
                       marker={"size": 16, "color": "#111", "symbol": "diamond"})
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=[2.0], y=[0.0], mode="markers", name=t("lr_optimum", lang),
                   marker={"size": 22, "color": "#f5c518", "symbol": "star", "line": {"width": 2, "color": "#111"}})
    )  # fmt: skip
    ui.style(fig, t("lr_path_title", lang), "w", "b", height=520)
    fig.update_xaxes(range=[wl, wh])
    fig.update_yaxes(range=[bl, bh])
    return fig


def mark(run: dict) -> str:
    """✕ k diverged at epoch k, ↗ loss grew, ✓ converged, … not yet."""
    if run["diverged"]:
        return f"✕ {run['diverged']}"
    if growing(run["loss"]):
        return "↗"
    return "✓" if abs(run["w"][-1] - 2.0) < CONVERGED and abs(run["b"][-1]) < CONVERGED else "…"


def fixed(v: float) -> str:
    """4 decimals, without the "-0.0000" of a tiny negative number."""
    return f"{round(v, 4) + 0.0:.4f}"


def table_markdown(state: dict | None, lang: str) -> str:
    """Final w, b, loss (at the final w, b) and ŷ(4) per optimizer, as a Markdown table."""
    if not state:
        return t("lr_table_hint", lang)
    head = [t("lr_col_opt", lang), "", "w", "b", t("lr_col_loss", lang), "ŷ(4)"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in state["names"]:
        run = state["runs"][name]
        if run["diverged"]:
            cells = [name, mark(run), "—", "—", "—", "—"]
        else:
            w, b = run["w"][-1], run["b"][-1]
            loss = float(cost(w, b, state["reduction"]))
            cells = [name, mark(run), fixed(w), fixed(b), f"{loss:.3g}", fixed(predict(w, b))]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n\n" + t("lr_table_key", lang)


def status_text(state: dict | None, lang: str) -> str:
    if not state:
        return t("lr_ready", lang)
    w0, b0 = state["start"]
    text = t("lr_progress", lang, epoch=state["epoch"], epochs=state["epochs"], w0=w0, b0=b0, seed=state["seed"])
    if state["status"] == "done":
        text = t("lr_done", lang) + text
    elif state["status"] == "time":
        text += "  \n" + t("live_time_up", lang, seconds=live.TRAIN_SECONDS)
    return text


def outputs(state: dict | None, log_y: bool, lang: str):
    return (
        loss_figure(state, log_y, lang),
        path_figure(state, lang),
        table_markdown(state, lang),
        status_text(state, lang),
        state,
    )


# ---- events -------------------------------------------------------------------


def check(optimizer, lr, epochs, seed, reduction, lang):
    return (
        ui.choice(optimizer, t("lr_optimizer", lang), (ALL, *OPTIMIZERS), lang),
        ui.number(lr, "lr", *LR_RANGE, lang),
        ui.integer(epochs, "epochs", *EPOCH_RANGE, lang),
        ui.integer(seed, t("lr_seed", lang), *SEED_RANGE, lang),
        ui.choice(reduction, "reduction", REDUCTIONS, lang),
    )


def on_train(optimizer, lr, epochs, seed, reduction, log_y, lang):
    """Stream the run: yields (loss figure, path figure, table, status, state)."""
    optimizer, lr, epochs, seed, reduction = check(optimizer, lr, epochs, seed, reduction, lang)
    names = list(OPTIMIZERS) if optimizer == ALL else [optimizer]
    state = {"names": names, "lr": lr, "epochs": epochs, "seed": seed, "reduction": reduction,
             "start": start_point(seed), "epoch": 0, "status": "running", "runs": {}}  # fmt: skip
    pacer = live.Pacer(epochs, frames=20, min_seconds=3.0)
    for epoch, runs in train_all(names, lr, epochs, seed, reduction):
        state.update(epoch=epoch, runs=runs)
        if pacer.time_up():
            state["status"] = "time"
            yield outputs(state, log_y, lang)
            return
        if all(run["diverged"] for run in runs.values()):
            break
        if pacer.due(epoch) and epoch < epochs:
            yield outputs(state, log_y, lang)
            pacer.shown()
    state["status"] = "done"
    yield outputs(state, log_y, lang)


def redraw(state, log_y, lang):
    """Re-render from the stored run (log axis or language changed)."""
    return outputs(state, bool(log_y), lang)


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    state = gr.State(None)  # per user: the last run (see on_train)
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            optimizer = gr.Radio(
                [(I18N("lr_all"), ALL)] + [(n, n) for n in OPTIMIZERS],
                value=ALL,
                label=I18N("lr_optimizer"),
                elem_id="lr-optimizer",
            )
            lr = gr.Slider(0.001, 1.0, value=0.01, step=0.001, label=I18N("lr_lr"), elem_id="lr-lr")
            epochs = gr.Slider(*EPOCH_RANGE, value=EPOCH_DEFAULT, step=1, label=I18N("lr_epochs"), elem_id="lr-epochs")
            reduction = gr.Radio(
                [(I18N("lr_sum"), "sum"), (I18N("lr_mean"), "mean")],
                value="sum",
                label=I18N("lr_reduction"),
                elem_id="lr-reduction",
            )
            with gr.Row():
                seed = gr.Number(0, precision=0, label=I18N("lr_seed"), elem_id="lr-seed")
                log_y = gr.Checkbox(True, label=I18N("lr_log"), elem_id="lr-log")
            with gr.Row():
                start = gr.Button(I18N("lr_train"), variant="primary", elem_id="lr-train")
                stop = gr.Button(I18N("lr_stop"), variant="stop", elem_id="lr-stop")
            status = gr.Markdown(status_text(None, "en"), elem_id="lr-status")
        with gr.Column(scale=3):
            loss_plot = gr.Plot(loss_figure(None, True, "en"), show_label=False, elem_id="lr-loss")
    with gr.Row():
        with gr.Column(scale=1):
            path_plot = gr.Plot(path_figure(None, "en"), show_label=False, elem_id="lr-path")
        with gr.Column(scale=1):
            table = gr.Markdown(table_markdown(None, "en"), elem_id="lr-table")
    ui.code_panel("linear_regression")

    outs = [loss_plot, path_plot, table, status, state]
    live.train_button(
        start,
        stop,
        on_train,
        [optimizer, lr, epochs, seed, reduction, log_y, lang],
        outs,
        concurrency_id="lr_train",
        show_progress="minimal",
    )
    ui.on_inputs(redraw, [state, log_y, lang], outs, triggers=[log_y, lang])
