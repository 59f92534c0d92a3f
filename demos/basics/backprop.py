"""PyTorch lecture 4: backpropagation through the graph of y_hat = w*x, loss = (y_hat - y)^2,
and the homework: fit y = w1*x^2 + w2*x + b with autograd."""

from __future__ import annotations

import math
import time

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, ui
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("backprop", "sec_basics", "bp_tab", "bp_source", "bp_intro")

built_keys("bp_step?")

register(
    {
        "bp_tab": ("第4讲 反向传播", "L4 Backpropagation"),
        "bp_source": ("**刘二 PyTorch 第4讲 · 反向传播**", "**Liu Er PyTorch lecture 4 · Backpropagation**"),
        "bp_intro": (
            "模型 ŷ = w·x，损失 loss = (ŷ − y)²，画成计算图：方框是数据，圆圈是运算。点 **下一步**："
            "先前向逐个节点算出数值（蓝色），再反向逐个节点求局部梯度，并用链式法则把它们连乘（红色），"
            "最后得到 ∂loss/∂w，旁边是 PyTorch 的 `loss.backward()` 算出的 `w.grad`——两者一致。"
            "默认值 x=2、y=4、w=1 是讲义的练习 4-1。",
            "The model ŷ = w·x and the loss (ŷ − y)² drawn as a computation graph: boxes are data, circles are "
            "operations. Press **Next**: the forward pass fills in the values node by node (blue), then the backward "
            "pass takes each node's local gradient and multiplies them by the chain rule (red), ending in ∂loss/∂w, "
            "beside the `w.grad` that PyTorch's `loss.backward()` computes: the same number. "
            "The defaults x=2, y=4, w=1 are the lecture's exercise 4-1.",
        ),
        "bp_step": ("步骤", "Step"),
        "bp_prev": ("◀ 上一步", "◀ Previous"),
        "bp_next": ("下一步 ▶", "Next ▶"),
        "bp_forward": ("前向", "forward"),
        "bp_backward": ("反向", "backward"),
        "bp_graph_title": ("计算图 · 第 {k}/{n} 步 · {phase}", "Computation graph · step {k}/{n} · {phase}"),
        "bp_local": ("局部梯度", "local"),
        "bp_head": ("#### 第 {k}/{n} 步 · {phase}", "#### Step {k}/{n} · {phase}"),
        "bp_step0": (
            "输入：x = {x}，y = {y}，权重 w = {w}。按 **下一步** 沿箭头做前向计算。",
            "Inputs: x = {x}, y = {y}, weight w = {w}. Press **Next** to run the forward pass along the arrows.",
        ),
        "bp_step1": (
            "乘法节点：ŷ = w·x = {p_w} × {p_x} = **{y_hat}**。",
            "The × node: ŷ = w·x = {p_w} × {p_x} = **{y_hat}**.",
        ),
        "bp_step2": (
            "减法节点：r = ŷ − y = {p_y_hat} − {p_y} = **{r}**。",
            "The − node: r = ŷ − y = {p_y_hat} − {p_y} = **{r}**.",
        ),
        "bp_step3": (
            "平方节点：loss = r² = {p_r}² = **{loss}**。前向结束；现在从 loss 出发反向求梯度。",
            "The ² node: loss = r² = {p_r}² = **{loss}**. The forward pass is done; now go backward from the loss.",
        ),
        "bp_step4": (
            "反向传播从输出开始：∂loss/∂loss = **1**。",
            "The backward pass starts at the output: ∂loss/∂loss = **1**.",
        ),
        "bp_step5": (
            "平方节点的局部梯度 ∂loss/∂r = 2r = 2 × {p_r} = {dr}。链式法则：1 × {p_dr} = **{dr}**。",
            "The ² node's local gradient is ∂loss/∂r = 2r = 2 × {p_r} = {dr}. Chain rule: 1 × {p_dr} = **{dr}**.",
        ),
        "bp_step6": (
            "减法节点的局部梯度 ∂r/∂ŷ = 1。链式法则：∂loss/∂ŷ = ∂loss/∂r · ∂r/∂ŷ = {p_dr} × 1 = **{dy_hat}**。",
            "The − node's local gradient is ∂r/∂ŷ = 1. Chain rule: ∂loss/∂ŷ = ∂loss/∂r · ∂r/∂ŷ = {p_dr} × 1 = **{dy_hat}**.",
        ),
        "bp_step7": (
            "乘法节点对 w 的局部梯度 ∂ŷ/∂w = x = {x}。链式法则：∂loss/∂w = ∂loss/∂ŷ · ∂ŷ/∂w = {p_dy_hat} × {p_x} = "
            "**{grad_w}**。\n\n验算：2·(w·x − y)·x = 2·({p_w}·{p_x} − {p_y})·{p_x} = **{check}**；PyTorch 的 `loss.backward()` 给出 "
            "`w.grad` = **{torch_grad}** ✓",
            "The × node's local gradient with respect to w is ∂ŷ/∂w = x = {x}. Chain rule: ∂loss/∂w = "
            "∂loss/∂ŷ · ∂ŷ/∂w = {p_dy_hat} × {p_x} = **{grad_w}**.\n\nCheck: 2·(w·x − y)·x = 2·({p_w}·{p_x} − {p_y})·{p_x} = **{check}**; PyTorch's "
            "`loss.backward()` gives `w.grad` = **{torch_grad}** ✓",
        ),
        "bp_hw_title": (
            "### 作业：用 autograd 拟合 y = w1·x² + w2·x + b",
            "### Homework: fit y = w1·x² + w2·x + b with autograd",
        ),
        "bp_hw_intro": (
            "三个参数都从 0 开始，像讲义一样逐个样本做随机梯度下降：`l.backward()` 求出三个梯度，"
            "再 `p.data -= lr * p.grad`、`p.grad.zero_()`。学习率太大（约 0.035 以上）会发散。",
            "All three parameters start at 0 and follow stochastic gradient descent one sample at a time, as in the "
            "lecture: `l.backward()` fills the three gradients, then `p.data -= lr * p.grad` and `p.grad.zero_()`. "
            "A learning rate above about 0.035 diverges.",
        ),
        "bp_data": ("数据", "Data"),
        "bp_data_lecture": ("讲义数据 (1,2) (2,4) (3,6)", "Lecture data (1,2) (2,4) (3,6)"),
        "bp_data_quadratic": ("二次数据 y = x² + x + 1", "Quadratic data y = x² + x + 1"),
        "bp_lr": ("学习率 lr", "Learning rate lr"),
        "bp_epochs": ("训练轮数 epochs", "Epochs"),
        "bp_train": ("▶ 训练", "▶ Train"),
        "bp_stop": ("■ 停止", "■ Stop"),
        "bp_idle": ("按 **训练** 开始。", "Press **Train** to start."),
        "bp_progress": (
            "第 {epoch}/{epochs} 轮：w1 = {w1:.4f}，w2 = {w2:.4f}，b = {b:.4f}，MSE = {mse:.3g}",
            "Epoch {epoch}/{epochs}: w1 = {w1:.4f}, w2 = {w2:.4f}, b = {b:.4f}, MSE = {mse:.3g}",
        ),
        "bp_done": (
            "**完成** {epochs} 轮：w1 = {w1:.4f}，w2 = {w2:.4f}，b = {b:.4f}，MSE = {mse:.3g}。"
            "精确解：w1 = {e1:g}，w2 = {e2:g}，b = {e3:g}。",
            "**Done**, {epochs} epochs: w1 = {w1:.4f}, w2 = {w2:.4f}, b = {b:.4f}, MSE = {mse:.3g}. "
            "Exact solution: w1 = {e1:g}, w2 = {e2:g}, b = {e3:g}.",
        ),
        "bp_diverged": (
            "**发散**：第 {epoch} 轮损失爆炸（超过 10⁶），训练已停止。学习率 {lr:g} 太大，试试 0.02。",
            "**Diverged** at epoch {epoch}: the loss blew up (above 10⁶), so training stopped. The learning rate {lr:g} is too "
            "large; try 0.02.",
        ),
        "bp_timeout": (
            "**超时**：训练超过 {s} 秒，已在第 {epoch} 轮停止。",
            "**Time limit**: training took longer than {s} s and stopped at epoch {epoch}.",
        ),
        "bp_epoch": ("轮次 epoch", "epoch"),
        "bp_params_title": ("参数 w1、w2、b（虚线：精确解）", "Parameters w1, w2, b (dashed: exact solution)"),
        "bp_loss_title": ("三个点的 MSE（对数坐标）", "MSE over the three points (log scale)"),
        "bp_fit_title": ("ŷ = {w1:.3f}·x² + {w2:.3f}·x + {b:.3f}", "ŷ = {w1:.3f}·x² + {w2:.3f}·x + {b:.3f}"),
        "bp_points": ("数据点", "data points"),
        "bp_model": ("模型", "model"),
        "bp_exact": ("精确解", "exact solution"),
    }
)

# ---- pure computation: one forward and backward pass ----------------------------

LIMIT = 1e3  # |x|, |y|, |w| accepted by the API
FORWARD_STEPS = 4  # 0 inputs, 1 y_hat, 2 r, 3 loss
LAST_STEP = 7  # 4 dloss/dloss, 5 dloss/dr, 6 dloss/dy_hat, 7 dloss/dw


def backprop(x: float, y: float, w: float) -> dict:
    """Forward and backward by hand through y_hat = w*x, r = y_hat - y, loss = r^2."""
    y_hat = w * x
    r = y_hat - y
    loss = r**2
    dr = 2 * r  # dloss/dr: local gradient of the square, times dloss/dloss = 1
    dy_hat = dr * 1.0  # dr/dy_hat = 1
    grad_w = dy_hat * x  # dy_hat/dw = x
    return {"y_hat": y_hat, "r": r, "loss": loss, "dr": dr, "dy_hat": dy_hat, "grad_w": grad_w}


def autograd(x: float, y: float, w: float) -> dict:
    """The same pass done by PyTorch: loss.backward() fills w.grad (float64, as the figures show)."""
    torch = ui.torch_ready()
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    y_hat = wt * x
    loss = (y_hat - y) ** 2
    loss.backward()
    return {"y_hat": y_hat.item(), "loss": loss.item(), "grad_w": wt.grad.item()}


def num(v: float) -> str:
    """Short number for the graph and text: 6 significant digits."""
    return f"{v:.6g}"


def arg(v: float) -> str:
    """A number used as an operand: negatives in brackets, 2 × (-4)."""
    return f"({num(v)})" if v < 0 else num(v)


# ---- pure computation: the homework --------------------------------------------

DATA = {
    # key: (x, y, y-axis range of the fit plot)
    "lecture": ([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], (-1.0, 10.0)),
    "quadratic": ([1.0, 2.0, 3.0], [3.0, 7.0, 13.0], (-1.0, 20.0)),  # y = x^2 + x + 1
}
LR_RANGE = (0.001, 0.05)
EPOCH_RANGE = (1, 5000)
BLOW_UP = 1e6  # an MSE above this (or not finite) counts as divergence
FRAMES = 20  # streamed figure updates per run (each costs ~70 ms of Plotly work)
HISTORY = 500  # points kept per curve after the first EARLY epochs, whatever the epochs
EARLY = 100  # every one of the first epochs is kept: the fast start, or the blow-up
FRAME_GAP = 0.1  # s, at least, between frames, so even a short run grows visibly
TIME_LIMIT = 60  # s; gradio's time_limit only applies to .stream() events


def exact_solution(key: str) -> np.ndarray:
    """(w1, w2, b) through the three points: solve the 3x3 Vandermonde system."""
    xs, ys, _ = DATA[key]
    return np.linalg.solve(np.vander(xs, 3), ys)


def mse(xs, ys, w1: float, w2: float, b: float) -> float:
    x = np.asarray(xs)
    return float(np.mean((w1 * x**2 + w2 * x + b - np.asarray(ys)) ** 2))


def train_quadratic(xs, ys, lr: float, epochs: int):
    """Yield (epoch, w1, w2, b, mse) for epoch 0 (the start) .. epochs, as in the lecture:
    SGD one sample at a time, l.backward(), p.data -= lr * p.grad, p.grad.zero_()."""
    torch = ui.torch_ready()
    w1 = torch.tensor([0.0], requires_grad=True)
    w2 = torch.tensor([0.0], requires_grad=True)
    b = torch.tensor([0.0], requires_grad=True)
    yield 0, 0.0, 0.0, 0.0, mse(xs, ys, 0.0, 0.0, 0.0)
    for epoch in range(1, epochs + 1):
        for x, y in zip(xs, ys):
            cost = (w1 * x**2 + w2 * x + b - y) ** 2  # the same forward as the snippet
            cost.backward()
            for p in (w1, w2, b):
                p.data -= lr * p.grad.data
                p.grad.data.zero_()
        p1, p2, p3 = w1.item(), w2.item(), b.item()
        yield epoch, p1, p2, p3, mse(xs, ys, p1, p2, p3)


def blew_up(values) -> bool:
    return not all(math.isfinite(v) for v in values) or values[-1] > BLOW_UP


def new_run(key: str, lr: float = 0.0, epochs: int = 0) -> dict:
    """Per-user history of one run (kept in gr.State); starts at the zero parameters."""
    xs, ys, _ = DATA[key]
    return {"data": key, "lr": lr, "epochs": epochs, "status": "idle", "at": 0,
            "epoch": [0], "w1": [0.0], "w2": [0.0], "b": [0.0], "mse": [mse(xs, ys, 0, 0, 0)]}  # fmt: skip


# ---- figures ------------------------------------------------------------------

# Node positions on a 12 x 5.6 canvas: boxes are data, circles are operations.
POS = {
    "x": (0, 3.2),
    "w": (0, 0.8),
    "mul": (2.7, 2),
    "y": (5.4, 3.7),
    "sub": (5.4, 2),
    "sq": (8.1, 2),
    "loss": (10.7, 2),
}
DATA_NODES = {"x": "x", "w": "w", "y": "y", "loss": "loss"}
OP_NODES = {"mul": "×", "sub": "−", "sq": "( )²"}
# edge -> the forward step from which its value is known (its arrow turns blue)
EDGES = {("x", "mul"): 1, ("w", "mul"): 1, ("mul", "sub"): 1, ("y", "sub"): 2, ("sub", "sq"): 2, ("sq", "loss"): 3}
# backward step -> the edge whose gradient it finds (a red arrow pointing back)
BACK_EDGE = {4: ("sq", "loss"), 5: ("sub", "sq"), 6: ("mul", "sub"), 7: ("w", "mul")}
# step -> the nodes it works on (highlighted)
ACTIVE = {
    0: ("x", "w", "y"),
    1: ("mul",),
    2: ("sub",),
    3: ("sq", "loss"),
    4: ("loss",),
    5: ("sq",),
    6: ("sub",),
    7: ("mul", "w"),
}
FWD, BWD, DONE = ui.COLORS[0], ui.COLORS[1], ui.COLORS[2]
RADIUS = 0.42  # arrows stop short of the node markers


def _arrow(fig, a, b, color, width, dy=0.0):
    (x0, y0), (x1, y1) = POS[a], POS[b]
    d = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    fig.add_annotation(
        x=x1 - ux * RADIUS, y=y1 - uy * RADIUS + dy, ax=x0 + ux * RADIUS, ay=y0 + uy * RADIUS + dy,
        xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2,
        arrowwidth=width, arrowcolor=color, text="",
    )  # fmt: skip


def _label(fig, at, text, color, dy, size=17, anchor="center"):
    x, y = POS[at] if isinstance(at, str) else at
    fig.add_annotation(
        x=x, y=y + dy, text=text, showarrow=False, font={"size": size, "color": color}, xanchor=anchor, align=anchor
    )


def _mid(a, b):
    (x0, y0), (x1, y1) = POS[a], POS[b]
    return (x0 + x1) / 2, (y0 + y1) / 2


def _edges(fig, step):
    """The forward arrows (grey until their value is known) and the backward arrows found so far."""
    for (a, b), known in EDGES.items():
        _arrow(fig, a, b, FWD if step >= known else "#999", 3)
    # backward arrows, drawn just below their edge and pointing back
    for k, (a, b) in BACK_EDGE.items():
        if step >= k:
            _arrow(fig, b, a, BWD, 4 if k == step else 2.5, dy=-0.28)


def _nodes(fig, active):
    """One marker trace of data boxes and one of operation circles; the ``active`` nodes highlighted."""
    for nodes, symbol in ((DATA_NODES, "square"), (OP_NODES, "circle")):
        names = list(nodes)
        fig.add_trace(
            go.Scatter(
                x=[POS[n][0] for n in names],
                y=[POS[n][1] for n in names],
                text=[nodes[n] for n in names],
                mode="markers+text",
                marker={
                    "symbol": symbol,
                    "size": 62,
                    "color": ["#fff3d6" if n in active else "#eef3fb" for n in names],
                    "line": {"width": [5 if n in active else 2 for n in names], "color": "#333"},
                },
                textfont={"size": 22, "color": "#111"},
                hoverinfo="skip",
                showlegend=False,
            )
        )


def _forward_labels(fig, x, y, w, v, step):
    """The forward values, blue, above the nodes and edges."""
    _label(fig, "x", f"x = {num(x)}", FWD, 0.62)
    _label(fig, "w", f"w = {num(w)}", FWD, -0.62)
    _label(fig, (POS["y"][0] + 1.05, POS["y"][1]), f"y = {num(y)}", FWD, 0)
    if step >= 1:
        _label(fig, _mid("mul", "sub"), f"ŷ = {num(v['y_hat'])}", FWD, 0.32)
    if step >= 2:
        _label(fig, _mid("sub", "sq"), f"r = ŷ − y = {num(v['r'])}", FWD, 0.32)
    if step >= 3:
        _label(fig, "loss", f"loss = {num(v['loss'])}", FWD, 0.62)


def _backward_labels(fig, x, v, step, lang):
    """Backward: each local gradient and the chain-rule product, red, below the edges."""
    loc = t("bp_local", lang)
    if step >= 4:
        _label(fig, "loss", "<b>∂loss/∂loss = 1</b>", BWD, -0.75)
    if step >= 5:
        text = f"{loc}: 2r = {num(v['dr'])}<br><b>∂loss/∂r = 1×{arg(v['dr'])} = {num(v['dr'])}</b>"
        _label(fig, (POS["sub"][0] + 0.1, 2), text, BWD, -0.8, anchor="left")
    if step >= 6:
        text = f"{loc}: ∂r/∂ŷ = 1<br><b>∂loss/∂ŷ = {arg(v['dr'])}×1 = {num(v['dy_hat'])}</b>"
        _label(fig, (POS["sub"][0] - 0.1, 2), text, BWD, -0.8, anchor="right")
    if step >= 7:
        text = f"{loc}: ∂ŷ/∂w = x = {num(x)}<br><b>∂loss/∂w = {arg(v['dy_hat'])}×{arg(x)} = {num(v['grad_w'])}</b>"
        _label(fig, (1.8, 0.2), text, BWD, 0)


def _formula(fig, x, y, w, step):
    """The formula under the graph; at the last step, the answer beside torch.autograd's."""
    if step == LAST_STEP:
        g = autograd(x, y, w)["grad_w"]
        top = f"<b>∂loss/∂w = 2·(w·x − y)·x = {num(2 * (w * x - y) * x)}</b>   ✓ torch.autograd: w.grad = {num(g)}"
        fig.add_annotation(
            x=5.4, y=-0.75, text=top, showarrow=False, font={"size": 19, "color": DONE},
            bordercolor=DONE, borderwidth=2, borderpad=6, bgcolor="#f0fbf0",
        )  # fmt: skip
    else:
        _label(fig, (5.4, -0.75), "ŷ = w·x,   loss = (ŷ − y)²", "#444", 0, size=19)


def graph_figure(x: float, y: float, w: float, step: int, lang: str) -> go.Figure:
    """The computation graph with the values of steps 0..step revealed."""
    v = backprop(x, y, w)
    fig = go.Figure()
    _edges(fig, step)
    _nodes(fig, ACTIVE[step])
    _forward_labels(fig, x, y, w, v, step)
    _backward_labels(fig, x, v, step, lang)
    _formula(fig, x, y, w, step)
    phase = t("bp_forward" if step < FORWARD_STEPS else "bp_backward", lang)
    ui.style(fig, t("bp_graph_title", lang, k=step, n=LAST_STEP, phase=phase), height=480)
    fig.update_xaxes(visible=False, range=[-0.7, 11.7], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-1.2, 4.4], fixedrange=True)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def step_text(x: float, y: float, w: float, step: int, lang: str) -> str:
    """The current step explained in the user's language."""
    values = {"x": x, "y": y, "w": w, **backprop(x, y, w)}
    v = {k: num(val) for k, val in values.items()} | {f"p_{k}": arg(val) for k, val in values.items()}
    if step == LAST_STEP:
        v["check"] = num(2 * (w * x - y) * x)  # the closed form
        v["torch_grad"] = num(autograd(x, y, w)["grad_w"])
    phase = t("bp_forward" if step < FORWARD_STEPS else "bp_backward", lang)
    head = t("bp_head", lang, k=step, n=LAST_STEP, phase=phase)
    return head + "\n\n" + t(f"bp_step{step}", lang, **v)


def fit_figure(run: dict, lang: str) -> go.Figure:
    xs, ys, yrange = DATA[run["data"]]
    w1, w2, b = run["w1"][-1], run["w2"][-1], run["b"][-1]
    grid = np.linspace(0, 4, 81)
    e1, e2, e3 = exact_solution(run["data"])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=grid, y=e1 * grid**2 + e2 * grid + e3, mode="lines", name=t("bp_exact", lang),
                   line={"color": "#999", "width": 3, "dash": "dash"})
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=grid, y=w1 * grid**2 + w2 * grid + b, mode="lines", name=t("bp_model", lang),
                   line={"color": ui.COLORS[0], "width": 4})
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=xs, y=ys, mode="markers", name=t("bp_points", lang), marker={"size": 16, "color": "#111"})
    )
    ui.style(fig, t("bp_fit_title", lang, w1=w1, w2=w2, b=b), "x", "y")
    fig.update_xaxes(range=[0, 4])
    fig.update_yaxes(range=list(yrange))
    fig.update_layout(legend={"x": 0.02, "y": 0.98, "bgcolor": "rgba(255,255,255,0.8)"})
    return fig


def params_figure(run: dict, lang: str) -> go.Figure:
    fig = go.Figure()
    exact = exact_solution(run["data"])
    right = max(run["epochs"], run["epoch"][-1], 1)
    for name, color, e in zip(("w1", "w2", "b"), ui.COLORS, exact):
        fig.add_trace(
            go.Scatter(x=np.array(run["epoch"]), y=np.array(run[name]), mode="lines", name=name, line={"color": color, "width": 4})
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=[0, right], y=[float(e)] * 2, mode="lines", showlegend=False, hoverinfo="skip",
                       line={"color": color, "width": 2, "dash": "dash"})
        )  # fmt: skip
    ui.style(fig, t("bp_params_title", lang), t("bp_epoch", lang), "")
    fig.update_xaxes(range=[0, right])
    return fig


def loss_figure(run: dict, lang: str) -> go.Figure:
    shown = np.maximum(run["mse"], 1e-12)  # a log axis cannot show 0
    fig = go.Figure(
        go.Scatter(x=np.array(run["epoch"]), y=shown, mode="lines", name="MSE", line={"color": BWD, "width": 4})
    )
    ui.style(fig, t("bp_loss_title", lang), t("bp_epoch", lang), "MSE")
    fig.update_xaxes(range=[0, max(run["epochs"], run["epoch"][-1], 1)])
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


def status_text(run: dict, lang: str) -> str:
    if run["status"] == "idle":
        return t("bp_idle", lang)
    if run["status"] == "diverged":
        return t("bp_diverged", lang, epoch=run["at"], lr=run["lr"])
    if run["status"] == "timeout":
        return t("bp_timeout", lang, s=TIME_LIMIT, epoch=run["at"])
    last = {k: run[k][-1] for k in ("w1", "w2", "b", "mse")}
    if run["status"] == "done":
        e1, e2, e3 = (round(float(v), 6) + 0.0 for v in exact_solution(run["data"]))
        return t("bp_done", lang, epochs=run["epochs"], e1=e1, e2=e2, e3=e3, **last)
    return t("bp_progress", lang, epoch=run["epoch"][-1], epochs=run["epochs"], **last)


def homework_outputs(run: dict, lang: str):
    return fit_figure(run, lang), params_figure(run, lang), loss_figure(run, lang), status_text(run, lang), run


# ---- events -------------------------------------------------------------------


def _check_xyw(x, y, w, lang):
    return tuple(ui.number(v, n, -LIMIT, LIMIT, lang) for v, n in ((x, "x"), (y, "y"), (w, "w")))


def on_graph(x, y, w, step, lang):
    """Redraw the graph and its explanation for the given step."""
    x, y, w = _check_xyw(x, y, w, lang)
    step = ui.integer(step, t("bp_step", lang), 0, LAST_STEP, lang)
    return graph_figure(x, y, w, step, lang), step_text(x, y, w, step, lang)


def on_data(key, lang):
    """A fresh, untrained run for the chosen data."""
    return homework_outputs(new_run(ui.choice(key, t("bp_data", lang), tuple(DATA), lang)), lang)


def on_train(key, lr, epochs, lang):
    """Stream the homework's training: about FRAMES figure updates, then a final message."""
    key = ui.choice(key, t("bp_data", lang), tuple(DATA), lang)
    lr = ui.number(lr, t("bp_lr", lang), *LR_RANGE, lang)
    epochs = ui.integer(epochs, t("bp_epochs", lang), *EPOCH_RANGE, lang)
    run = new_run(key, lr, epochs)
    run["status"] = "running"
    stride = math.ceil(epochs / FRAMES)  # epochs per streamed frame
    keep = math.ceil(epochs / HISTORY)  # epochs per stored point
    start = last = time.monotonic()
    xs, ys, _ = DATA[key]
    for epoch, w1, w2, b, m in train_quadratic(xs, ys, lr, epochs):
        if epoch == 0:
            continue
        if blew_up((w1, w2, b, m)):  # never store (or send) inf/NaN
            run.update(status="diverged", at=epoch)
            break
        if epoch <= EARLY or epoch % keep == 0 or epoch % stride == 0 or epoch == epochs:
            for k, val in zip(("epoch", "w1", "w2", "b", "mse"), (epoch, w1, w2, b, m)):
                run[k].append(val)
        if time.monotonic() - start > TIME_LIMIT:
            run.update(status="timeout", at=epoch)
            break
        if epoch % stride == 0 and epoch < epochs:
            time.sleep(max(0.0, last + FRAME_GAP - time.monotonic()))
            last = time.monotonic()
            yield homework_outputs(run, lang)
    else:
        run["status"] = "done"
    yield homework_outputs(run, lang)


def api_backprop(x: float, y: float, w: float) -> dict:
    """Forward and backward through y_hat = w*x, loss = (y_hat - y)^2: {"y_hat", "loss", "grad_w"}."""
    x, y, w = _check_xyw(x, y, w, None)
    v = backprop(x, y, w)
    return {"y_hat": v["y_hat"], "loss": v["loss"], "grad_w": v["grad_w"]}


def build(lang: ui.TabLang) -> None:
    x0, y0, w0 = 2.0, 4.0, 1.0  # the lecture's exercise 4-1
    run0 = new_run("lecture", 0.02, 3000)
    ui.header(LECTURE)
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            x = gr.Slider(-5, 5, value=x0, step=0.1, label="x", elem_id="bp-x")
            y = gr.Slider(-10, 10, value=y0, step=0.1, label="y", elem_id="bp-y")
            w = gr.Slider(-5, 5, value=w0, step=0.1, label="w", elem_id="bp-w")
            step = gr.Slider(0, LAST_STEP, value=0, step=1, label=I18N("bp_step"), elem_id="bp-step")
            with gr.Row():
                prev = gr.Button(I18N("bp_prev"), elem_id="bp-prev")
                nxt = gr.Button(I18N("bp_next"), variant="primary", elem_id="bp-next")
            explain = gr.Markdown(step_text(x0, y0, w0, 0, "en"), elem_id="bp-explain")
        with gr.Column(scale=5):
            graph = gr.Plot(graph_figure(x0, y0, w0, 0, "en"), show_label=False, elem_id="bp-graph")
    gr.Markdown(I18N("bp_hw_title"))
    gr.Markdown(I18N("bp_hw_intro"))
    run = gr.State(run0)  # per user: the history of the last run
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            data = gr.Radio(
                [(I18N("bp_data_lecture"), "lecture"), (I18N("bp_data_quadratic"), "quadratic")],
                value="lecture",
                label=I18N("bp_data"),
                elem_id="bp-data",
            )
            lr = gr.Slider(*LR_RANGE, value=0.02, step=0.001, label=I18N("bp_lr"), elem_id="bp-lr")
            epochs = gr.Slider(*EPOCH_RANGE, value=3000, step=1, label=I18N("bp_epochs"), elem_id="bp-epochs")
            with gr.Row():
                train = gr.Button(I18N("bp_train"), variant="primary", elem_id="bp-train")
                stop = gr.Button(I18N("bp_stop"), variant="stop", elem_id="bp-stop")
            status = gr.Markdown(status_text(run0, "en"), elem_id="bp-status")
        with gr.Column(scale=3):
            fit = gr.Plot(fit_figure(run0, "en"), show_label=False, elem_id="bp-fit")
    with gr.Row():
        params = gr.Plot(params_figure(run0, "en"), show_label=False, elem_id="bp-params")
        loss = gr.Plot(loss_figure(run0, "en"), show_label=False, elem_id="bp-loss")
    ui.code_panel("backprop", "backprop_quadratic")

    graph_in = [x, y, w, step, lang]
    # Prev/Next move the step slider in the browser (no lost clicks); its change redraws.
    ui.on_inputs(on_graph, graph_in, [graph, explain], triggers=[x.input, y.input, w.input, step, lang])
    prev.click(None, step, step, js="(s) => Math.max(0, s - 1)")
    nxt.click(None, step, step, js=f"(s) => Math.min({LAST_STEP}, s + 1)")

    hw_out = [fit, params, loss, status, run]
    data.input(on_data, [data, lang], hw_out, **ui.CHEAP)
    live.train_button(
        train, stop, on_train, [data, lr, epochs, lang], hw_out, concurrency_limit=live.per_process(4),
        concurrency_id="bp_train", time_limit=TIME_LIMIT, show_progress="minimal",
    )  # fmt: skip

    ui.on_inputs(homework_outputs, [run, lang], hw_out, triggers=[lang])
    gr.api(api_backprop, api_name="backprop")
