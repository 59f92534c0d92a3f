"""PyTorch lecture 6 (Lee ML 2021 classification): logistic regression,
P(pass | hours) = sigmoid(w·hours + b), trained with BCELoss and SGD, streamed;
a query with a "not sure" band; and why BCE rather than MSE on a sigmoid."""

from __future__ import annotations

import functools
import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, ui
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("logistic_regression", "sec_classification", "lg_tab", "lg_source", "lg_intro")

built_keys("lg_pass", "lg_fail", "lg_uncertain")

register(
    {
        "lg_tab": ("第6讲 逻辑斯蒂回归", "L6 Logistic regression"),
        "lg_source": (
            "**刘二 PyTorch 第6讲 · 逻辑斯蒂回归** · 李宏毅 ML 分类与逻辑回归",
            "**Liu Er PyTorch lecture 6 · Logistic regression** · Hung-yi Lee ML, classification",
        ),
        "lg_intro": (
            "学习了 x 小时，能通过考试吗？分类要的是概率：ŷ = P(通过) = σ(w·x + b)，σ(z) = 1/(1 + e⁻ᶻ) 把任何实数压到 0 到 1 之间。"
            "模型只比第5讲多了一个 `torch.sigmoid`；损失换成二分类交叉熵 `BCELoss`："
            "loss = −[y·log ŷ + (1 − y)·log(1 − ŷ)]（讲义 size_average=False，即对样本求和）。"
            "ŷ = 0.5 的地方 w·x + b = 0，即 x = −b/w，是判定边界。讲义建议：概率在 0.4 到 0.6 之间时回答“不确定”。"
            "下方的对比图说明为什么不用 MSE：套上 sigmoid 后 MSE 对 w 有平坦区、不是凸函数，离目标很远时梯度几乎为 0；"
            "交叉熵则是凸的，离得越远坡越陡（李宏毅的论点）。",
            "Studied x hours: will you pass? Classification wants a probability: ŷ = P(pass) = σ(w·x + b), where "
            "σ(z) = 1/(1 + e⁻ᶻ) squeezes any number into 0..1. The model is lecture 5's plus one `torch.sigmoid`; the "
            "loss becomes binary cross-entropy, `BCELoss`: loss = −[y·log ŷ + (1 − y)·log(1 − ŷ)] (summed over the "
            "samples, the lecture's size_average=False). Where ŷ = 0.5, w·x + b = 0, so x = −b/w is the decision "
            "boundary. As the lecture suggests, a probability between 0.4 and 0.6 answers 'uncertain'. The panel "
            "below shows why not MSE: through a sigmoid, MSE as a function of w has flat stretches and is not convex, "
            "so far from the target its gradient all but vanishes; cross-entropy is convex and steeper the further "
            "off you are (Hung-yi Lee's point).",
        ),
        "lg_data": ("数据", "Data"),
        "lg_data_lecture": ("讲义：1、2、3 小时 → 不过、不过、过", "Lecture: 1, 2, 3 hours → fail, fail, pass"),
        "lg_data_students": ("20 名学生（按种子生成）", "20 students (generated, seeded)"),
        "lg_lr": ("学习率 lr", "learning rate lr"),
        "lg_epochs": ("训练轮数 epochs", "epochs"),
        "lg_reduction": ("BCELoss 的 reduction", "BCELoss reduction"),
        "lg_sum": ("sum（讲义 size_average=False）", "sum (the lecture's size_average=False)"),
        "lg_mean": ("mean（平均，默认）", "mean (the default)"),
        "lg_seed": ("随机种子（初始 w、b）", "seed (initial w, b)"),
        "lg_train": ("▶ 开始训练", "▶ Train"),
        "lg_stop": ("■ 停止", "■ Stop"),
        "lg_ready": ("按 ▶ 开始训练。", "Press ▶ Train."),
        "lg_progress": (
            "第 {epoch}/{epochs} 轮：w = {w:.4f}，b = {b:.4f}，loss = {loss:.4g}，边界 x = −b/w = {edge}",
            "epoch {epoch}/{epochs}: w = {w:.4f}, b = {b:.4f}, loss = {loss:.4g}, boundary x = −b/w = {edge}",
        ),
        "lg_done": ("**完成**：", "**Done**: "),
        "lg_no_edge": ("无（w = 0）", "none (w = 0)"),
        "lg_diverged": (
            "**发散**：第 {epoch} 轮损失或参数不再是有限的数，训练停止。请用更小的学习率。",
            "**Diverged** at epoch {epoch}: the loss or the parameters stopped being finite numbers; training "
            "stopped. Use a smaller learning rate.",
        ),
        "lg_growing": (
            "**正在发散**：损失比开始时更大，学习率太大了（BCELoss 把 log 截断在 −100，所以损失不会变成无穷大）。",
            "**Diverging**: the loss ended higher than it began; the learning rate is too large (BCELoss clips the "
            "log at −100, so the loss never becomes infinite).",
        ),
        "lg_hours": ("学习时间（小时）", "hours studied"),
        "lg_answer": (
            "P(通过 | {h:g} 小时) = σ({w:.3f} × {h:g} + ({b:.3f})) = **{p:.3f}** → {verdict}",
            "P(pass | {h:g} h) = σ({w:.3f} × {h:g} + ({b:.3f})) = **{p:.3f}** → {verdict}",
        ),
        "lg_ask": ("请输入 {lo:g} 到 {hi:g} 之间的学习时间。", "Enter the hours studied, between {lo:g} and {hi:g}."),
        "lg_pass": ("**能通过** ✓", "**pass** ✓"),
        "lg_fail": ("**通不过** ✗", "**fail** ✗"),
        "lg_uncertain": (
            "**不确定**（0.4 ≤ P ≤ 0.6，模型拿不准）",
            "**uncertain** (0.4 ≤ P ≤ 0.6: the model cannot tell)",
        ),
        "lg_train_first": ("先训练模型（▶ 开始训练），再来问。", "Train the model first (▶ Train), then ask."),
        "lg_fit_title": ("P(通过) = σ(w·x + b)", "P(pass) = σ(w·x + b)"),
        "lg_hours_axis": ("学习时间 x（小时）", "hours studied x"),
        "lg_p_axis": ("通过的概率", "probability of passing"),
        "lg_passed": ("通过 (y = 1)", "passed (y = 1)"),
        "lg_failed": ("没通过 (y = 0)", "failed (y = 0)"),
        "lg_sigmoid": ("σ(w·x + b)", "σ(w·x + b)"),
        "lg_linear": ("对比：线性模型 + MSE（第5讲）", "contrast: linear model + MSE (lecture 5)"),
        "lg_band": ("不确定 0.4–0.6", "uncertain 0.4–0.6"),
        "lg_edge": ("x = −b/w = {x:.2f}", "x = −b/w = {x:.2f}"),
        "lg_query": ("你的问题", "your question"),
        "lg_loss_title": ("每轮的 BCE 损失（{reduction}）", "BCE loss of each epoch ({reduction})"),
        "lg_epoch": ("轮次 epoch", "epoch"),
        "lg_contrast_heading": (
            "### 为什么用交叉熵而不用 MSE？",
            "### Why cross-entropy rather than MSE?",
        ),
        "lg_contrast_intro": (
            "同一份数据、同一个模型 ŷ = σ(w·x + b)，b 固定在滑块的值，只改变 w。左轴：MSE = mean((ŷ − y)²)；"
            "右轴：BCE = −mean(y·log ŷ + (1 − y)·log(1 − ŷ))。红色阴影是 MSE 向下弯（二阶导 < 0、非凸）的区间；"
            "BCE 处处向上弯。训练完成后 b 自动设为训练得到的值，竖线是训练得到的 w。",
            "The same data and model ŷ = σ(w·x + b), with b fixed at the slider's value and only w varying. Left "
            "axis: MSE = mean((ŷ − y)²); right axis: BCE = −mean(y·log ŷ + (1 − y)·log(1 − ŷ)). Red shading marks where "
            "MSE bends down (second derivative < 0: not convex); BCE bends up everywhere. After training, b is set "
            "to the trained value and the vertical line marks the trained w.",
        ),
        "lg_b_fixed": ("固定的 b", "b (held fixed)"),
        "lg_contrast_title": ("损失随 w 的变化（b = {b:g}）", "Loss as a function of w (b = {b:g})"),
        "lg_mse_name": ("MSE（sigmoid 之后）", "MSE (after the sigmoid)"),
        "lg_bce_name": ("BCE 交叉熵", "BCE cross-entropy"),
        "lg_concave": ("MSE 非凸区", "MSE not convex"),
        "lg_trained_w": ("训练得到的 w", "trained w"),
    }
)

LECTURE_X, LECTURE_Y = (1.0, 2.0, 3.0), (0.0, 0.0, 1.0)
STUDENTS, STUDENT_SEED = 20, 6
DATASETS = ("lecture", "students")
B_DEFAULT = {"lecture": -2.7, "students": -4.1}  # about the b that 1000 epochs of SGD reach
REDUCTIONS = ("sum", "mean")
UNCERTAIN = (0.4, 0.6)  # the lecture's "not sure" band of P(pass)
HOURS = (0.0, 10.0)  # the x range plotted and the hours a student may ask about
LR_RANGE = (1e-4, 10.0)
EPOCH_RANGE = (1, 5000)
EPOCH_DEFAULT = 1000  # as in the lecture
SEED_RANGE = (0, 2**31 - 1)
B_RANGE = (-10.0, 5.0)
W_GRID = np.linspace(-6.0, 6.0, 481)  # the contrast panel's w axis


# ---- pure computation ---------------------------------------------------------


def sigmoid(z):
    """1 / (1 + e^-z), written with tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def bce(y_hat, y):
    """Binary cross-entropy per sample: −[y·log ŷ + (1 − y)·log(1 − ŷ)]."""
    y_hat, y = np.asarray(y_hat, dtype=float), np.asarray(y, dtype=float)
    return -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


def bce_logit(z, y):
    """bce(sigmoid(z), y) without rounding sigmoid to 0 or 1: log(1 + e^z) − y·z."""
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    return np.logaddexp(0.0, z) - y * z


@functools.cache
def student_data(n: int = STUDENTS, seed: int = STUDENT_SEED) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """n students: hours uniform in 0.5..7.5 (one decimal), passing with probability σ(1.5·(hours − 4))."""
    rng = np.random.default_rng(seed)
    hours = np.round(np.sort(rng.uniform(0.5, 7.5, n)), 1)
    passed = (rng.random(n) < sigmoid(1.5 * (hours - 4.0))).astype(float)
    return tuple(hours.tolist()), tuple(passed.tolist())


def dataset(key: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return (LECTURE_X, LECTURE_Y) if key == "lecture" else student_data()


@functools.cache
def model_class():
    """The lecture's LogisticRegressionModel (defined on first use: importing this module needs no torch)."""
    torch = ui.torch_ready()

    class LogisticRegressionModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(1, 1)

        def forward(self, x):
            return torch.sigmoid(self.linear(x))  # (N, 1) -> (N, 1), P(pass)

    return LogisticRegressionModel


def make_model(seed: int):
    """The model initialised as torch.manual_seed(seed) then the constructor would, but from a private
    generator (nn.Linear's own init, uniform in ±1/√fan_in), so concurrent users never share an RNG."""
    torch = ui.torch_ready()
    model = model_class()()
    linear, g = model.linear, torch.Generator().manual_seed(seed)
    with torch.no_grad():  # the draws of nn.Linear.reset_parameters, in its order
        torch.nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=g)
        bound = 1 / math.sqrt(linear.in_features)
        torch.nn.init.uniform_(linear.bias, -bound, bound, generator=g)
    return model


def train(xs, ys, lr: float, epochs: int, seed: int = 0, reduction: str = "sum"):
    """Yield (epoch, loss before the step, w, b after it) for epochs 1..epochs: the lecture's loop.
    Stops after yielding a non-finite value (divergence)."""
    torch = ui.torch_ready()
    x_data = torch.tensor(xs, dtype=torch.float32).view(-1, 1)  # (N, 1)
    y_data = torch.tensor(ys, dtype=torch.float32).view(-1, 1)  # (N, 1), 0 or 1
    model = make_model(seed)
    criterion = torch.nn.BCELoss(reduction=reduction)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        y_pred = model(x_data)
        loss = criterion(y_pred, y_data)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        values = (loss.item(), model.linear.weight.item(), model.linear.bias.item())
        yield (epoch, *values)
        if not all(math.isfinite(v) for v in values):
            return


def fit(xs, ys, lr: float, epochs: int, seed: int = 0, reduction: str = "sum") -> dict:
    """The whole run: {"loss": [...], "w": final w, "b": final b}."""
    steps = list(train(xs, ys, lr, epochs, seed, reduction))  # [(epoch, loss, w, b), ...]
    return {"loss": [s[1] for s in steps], "w": steps[-1][2], "b": steps[-1][3]}


def probability(w: float, b: float, hours) -> float | np.ndarray:
    return sigmoid(w * np.asarray(hours, dtype=float) + b)


def verdict(p: float) -> str:
    """'pass' above 0.6, 'fail' below 0.4, else 'uncertain' (the lecture's advice)."""
    lo, hi = UNCERTAIN
    return "pass" if p > hi else "fail" if p < lo else "uncertain"


def boundary(w: float, b: float) -> float | None:
    """Where P = 0.5: w·x + b = 0, x = −b/w (none if w = 0)."""
    return -b / w if w != 0 else None


def growing(losses: list[float]) -> bool:
    """Diverging though finite: the loss ended clearly above where it began."""
    return len(losses) > 1 and losses[-1] > 1.01 * losses[0] + 1e-12


def least_squares_line(xs, ys) -> tuple[float, float]:
    """Lecture 5's answer to a classification task: the line a·x + c minimising the MSE."""
    a, c = np.polyfit(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), 1)
    return float(a), float(c)


def loss_vs_w(xs, ys, b: float, ws=W_GRID) -> dict[str, np.ndarray]:
    """Mean MSE of σ(w·x + b) and mean BCE, for each w (b fixed)."""
    z = np.asarray(ws)[:, None] * np.asarray(xs) + b  # (len(ws), N)
    y = np.asarray(ys)
    return {"mse": ((sigmoid(z) - y) ** 2).mean(1), "bce": bce_logit(z, y).mean(1)}


def concave_spans(ws, values, tol: float = 1e-9) -> list[tuple[float, float]]:
    """The w intervals where the curve bends down (second difference < −tol): not convex there."""
    ws = np.asarray(ws)
    down = np.diff(values, 2) < -tol  # at ws[1:-1]
    spans, start = [], None
    for i, d in enumerate(down, start=1):
        if d and start is None:
            start = i
        if not d and start is not None:
            spans.append((float(ws[start]), float(ws[i - 1])))
            start = None
    if start is not None:
        spans.append((float(ws[start]), float(ws[len(ws) - 2])))
    return spans


# ---- figures and texts --------------------------------------------------------


def fit_figure(key: str, run: dict | None, hours: float | None, lang: str) -> go.Figure:
    """Data, the fitted sigmoid, the 0.5 boundary, the uncertain band, lecture 5's line, the query."""
    xs, ys = dataset(key)
    grid = np.linspace(*HOURS, 201)
    fig = go.Figure()
    fig.add_hrect(y0=UNCERTAIN[0], y1=UNCERTAIN[1], fillcolor="#ffd54f", opacity=0.3, line_width=0)
    fig.add_hline(y=0.5, line={"color": "#777", "width": 2, "dash": "dot"})
    a, c = least_squares_line(xs, ys)
    fig.add_trace(
        go.Scatter(x=grid, y=a * grid + c, mode="lines", name=t("lg_linear", lang),
                   line={"color": "#999", "width": 3, "dash": "dash"})
    )  # fmt: skip
    for label, value, color, symbol in (
        ("lg_failed", 0.0, ui.COLORS[1], "x"),
        ("lg_passed", 1.0, ui.COLORS[2], "circle"),
    ):
        hx = [x for x, y in zip(xs, ys) if y == value]
        fig.add_trace(
            go.Scatter(x=hx, y=[value] * len(hx), mode="markers", name=t(label, lang),
                       marker={"size": 14, "color": color, "symbol": symbol, "line": {"width": 1, "color": "#111"}})
        )  # fmt: skip
    fig.add_trace(  # the band's legend entry (shapes have none)
        go.Scatter(x=[None], y=[None], mode="markers", name=t("lg_band", lang),
                   marker={"size": 14, "color": "#ffd54f", "symbol": "square"})
    )  # fmt: skip
    if run:
        w, b = run["w"], run["b"]
        fig.add_trace(
            go.Scatter(x=grid, y=probability(w, b, grid), mode="lines", name=t("lg_sigmoid", lang),
                       line={"color": ui.COLORS[0], "width": 4})
        )  # fmt: skip
        edge = boundary(w, b)
        if edge is not None and HOURS[0] <= edge <= HOURS[1]:
            fig.add_vline(x=edge, line={"color": ui.COLORS[0], "width": 2, "dash": "dash"})
            fig.add_annotation(
                x=edge, y=0.78, text=t("lg_edge", lang, x=edge), showarrow=False, xanchor="left", xshift=4,
                font={"color": ui.COLORS[0]}, bgcolor="rgba(255,255,255,0.85)",
            )  # fmt: skip
        if hours is not None:
            p = float(probability(w, b, hours))
            color = {"pass": ui.COLORS[2], "fail": ui.COLORS[1], "uncertain": "#e69500"}[verdict(p)]
            fig.add_trace(
                go.Scatter(x=[hours], y=[p], mode="markers", name=t("lg_query", lang),
                           marker={"size": 20, "color": color, "symbol": "diamond", "line": {"width": 2, "color": "#111"}})
            )  # fmt: skip
    ui.style(fig, t("lg_fit_title", lang), t("lg_hours_axis", lang), t("lg_p_axis", lang), height=460)
    fig.update_xaxes(range=list(HOURS))
    fig.update_yaxes(range=[-0.25, 1.25])
    fig.update_layout(legend={"x": 1.02, "y": 1, "xanchor": "left"}, margin={"r": 10})
    return fig


def loss_figure(run: dict | None, lang: str) -> go.Figure:
    reduction = run["reduction"] if run else "sum"
    curves = {f"BCE ({reduction})": run["loss"]} if run else {}
    fig = live.curves_figure(curves, t("lg_loss_title", lang, reduction=reduction), t("lg_epoch", lang), "loss")
    fig.update_xaxes(range=[0, (run["epochs"] if run else EPOCH_DEFAULT) + 1])
    if not run:
        fig.update_yaxes(range=[0, 3])
    return fig


def contrast_figure(key: str, b: float, w_mark: float | None, lang: str) -> go.Figure:
    """MSE of σ(w·x + b) (left axis) and BCE (right axis) against w, b fixed; MSE's concave spans shaded."""
    xs, ys = dataset(key)
    curves = loss_vs_w(xs, ys, b)
    fig = go.Figure()
    spans = concave_spans(W_GRID, curves["mse"])
    for lo, hi in spans:
        fig.add_vrect(x0=lo, x1=hi, fillcolor=ui.COLORS[1], opacity=0.12, line_width=0)
    fig.add_trace(
        go.Scatter(x=W_GRID, y=curves["mse"], mode="lines", name=t("lg_mse_name", lang),
                   line={"color": ui.COLORS[1], "width": 4})
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=W_GRID, y=curves["bce"], mode="lines", name=t("lg_bce_name", lang), yaxis="y2",
                   line={"color": ui.COLORS[0], "width": 4})
    )  # fmt: skip
    if spans:
        fig.add_trace(  # the shading's legend entry
            go.Scatter(x=[None], y=[None], mode="markers", name=t("lg_concave", lang),
                       marker={"size": 14, "color": "rgba(214,39,40,0.25)", "symbol": "square"})
        )  # fmt: skip
    if w_mark is not None and W_GRID[0] <= w_mark <= W_GRID[-1]:
        fig.add_vline(x=w_mark, line={"color": "#111", "width": 2, "dash": "dash"})
        fig.add_annotation(x=w_mark, y=1.0, yref="paper", text=t("lg_trained_w", lang), showarrow=False,
                           yanchor="bottom")  # fmt: skip
    ui.style(fig, t("lg_contrast_title", lang, b=round(b, 2)), "w", "MSE", height=440)
    fig.update_yaxes(title_font={"color": ui.COLORS[1]}, range=[0, max(1.0, float(curves["mse"].max()) * 1.05)])
    fig.update_layout(
        yaxis2={"title": {"text": "BCE", "font": {"color": ui.COLORS[0]}}, "overlaying": "y", "side": "right",
                "rangemode": "tozero", "showgrid": False},
        margin={"r": 80},
        legend={"x": 0.98, "y": 0.98, "xanchor": "right", "bgcolor": "rgba(255,255,255,0.8)"},
    )  # fmt: skip
    return fig


def answer_text(run: dict | None, hours: float | None, lang: str) -> str:
    if not run:
        return t("lg_train_first", lang)
    if hours is None:
        return t("lg_ask", lang, lo=HOURS[0], hi=HOURS[1])
    p = float(probability(run["w"], run["b"], hours))
    return t("lg_answer", lang, h=hours, w=run["w"], b=run["b"], p=p, verdict=t(f"lg_{verdict(p)}", lang))


def status_text(run: dict | None, lang: str) -> str:
    if not run:
        return t("lg_ready", lang)
    if run["status"] == "diverged":
        return t("lg_diverged", lang, epoch=run["epoch"])
    edge = boundary(run["w"], run["b"])
    text = t(
        "lg_progress", lang, epoch=run["epoch"], epochs=run["epochs"], w=run["w"], b=run["b"],
        loss=run["loss"][-1], edge=t("lg_no_edge", lang) if edge is None else f"{edge:.3f}",
    )  # fmt: skip
    if run["status"] == "done":
        text = t("lg_done", lang) + text
        if growing(run["loss"]):
            text += "  \n" + t("lg_growing", lang)
    elif run["status"] == "time":
        text += "  \n" + t("live_time_up", lang, seconds=live.TRAIN_SECONDS)
    return text


# ---- events -------------------------------------------------------------------


def check_hours(hours, lang) -> float:
    return ui.number(hours, t("lg_hours", lang), *HOURS, lang)


def hours_or_none(hours) -> float | None:
    """The question if it is a valid one, else None: a bad question must not block training or a redraw."""
    try:
        return check_hours(hours, None)
    except gr.Error:
        return None


def on_train(key, lr, epochs, seed, reduction, hours, lang):
    """Stream the training: (fit figure, loss figure, contrast figure, b slider, status, answer, run)."""
    key = ui.choice(key, t("lg_data", lang), DATASETS, lang)
    lr = ui.number(lr, "lr", *LR_RANGE, lang)
    epochs = ui.integer(epochs, "epochs", *EPOCH_RANGE, lang)
    seed = ui.integer(seed, t("lg_seed", lang), *SEED_RANGE, lang)
    reduction = ui.choice(reduction, "reduction", REDUCTIONS, lang)
    hours = hours_or_none(hours)
    run = {"data": key, "lr": lr, "epochs": epochs, "reduction": reduction, "epoch": 0, "loss": [],
           "w": 0.0, "b": 0.0, "status": "running"}  # fmt: skip
    pacer = live.Pacer(epochs, frames=20, min_seconds=3.0)
    xs, ys = dataset(key)
    for epoch, loss, w, b in train(xs, ys, lr, epochs, seed, reduction):
        if not all(math.isfinite(v) for v in (loss, w, b)):
            run.update(status="diverged", epoch=epoch)  # keep the last finite w, b and losses
            break
        run.update(epoch=epoch, w=w, b=b)
        run["loss"].append(loss)
        if pacer.time_up():
            run["status"] = "time"
            break
        if pacer.due(epoch) and epoch < epochs:
            yield (fit_figure(key, run, hours, lang), loss_figure(run, lang), gr.skip(), gr.skip(),
                   status_text(run, lang), answer_text(run, hours, lang), run)  # fmt: skip
            pacer.shown()
    else:
        run["status"] = "done"
    b_fixed = min(max(round(run["b"], 1), B_RANGE[0]), B_RANGE[1])  # the contrast panel at the trained b
    yield (fit_figure(key, run, hours, lang), loss_figure(run, lang), contrast_figure(key, b_fixed, run["w"], lang),
           b_fixed, status_text(run, lang), answer_text(run, hours, lang), run)  # fmt: skip


def trained_w(run, key) -> float | None:
    return run["w"] if run and run["data"] == key and run["loss"] else None


def on_data(key, hours, lang):
    """A new data set: forget the run, reset b."""
    key = ui.choice(key, t("lg_data", lang), DATASETS, lang)
    hours = hours_or_none(hours)
    b = B_DEFAULT[key]
    return (fit_figure(key, None, hours, lang), loss_figure(None, lang), contrast_figure(key, b, None, lang), b,
            status_text(None, lang), answer_text(None, hours, lang), None)  # fmt: skip


def on_query(run, key, hours, lang):
    """P(pass) for the hours asked, on the figure and in words."""
    key = ui.choice(key, t("lg_data", lang), DATASETS, lang)
    hours = check_hours(hours, lang)
    run = run if run and run["data"] == key else None
    return fit_figure(key, run, hours, lang), answer_text(run, hours, lang)


def on_contrast(run, key, b, lang):
    key = ui.choice(key, t("lg_data", lang), DATASETS, lang)
    b = ui.number(b, t("lg_b_fixed", lang), *B_RANGE, lang)
    return contrast_figure(key, b, trained_w(run, key), lang)


def redraw(run, key, hours, b, lang):
    """Everything again in the new language."""
    key, hours = ui.choice(key, t("lg_data", lang), DATASETS, lang), hours_or_none(hours)
    run_here = run if run and run["data"] == key else None
    fig, answer = fit_figure(key, run_here, hours, lang), answer_text(run_here, hours, lang)
    return fig, loss_figure(run_here, lang), on_contrast(run, key, b, lang), status_text(run_here, lang), answer


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    run = gr.State(None)  # per user: the last run (see on_train)
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            data = gr.Radio(
                [(I18N("lg_data_lecture"), "lecture"), (I18N("lg_data_students"), "students")],
                value="lecture",
                label=I18N("lg_data"),
                elem_id="lg-data",
            )
            lr = gr.Slider(0.001, 1.0, value=0.01, step=0.001, label=I18N("lg_lr"), elem_id="lg-lr")
            epochs = gr.Slider(*EPOCH_RANGE, value=EPOCH_DEFAULT, step=1, label=I18N("lg_epochs"), elem_id="lg-epochs")
            reduction = gr.Radio(
                [(I18N("lg_sum"), "sum"), (I18N("lg_mean"), "mean")],
                value="sum",
                label=I18N("lg_reduction"),
                elem_id="lg-reduction",
            )
            seed = gr.Number(0, precision=0, label=I18N("lg_seed"), elem_id="lg-seed")
            with gr.Row():
                start = gr.Button(I18N("lg_train"), variant="primary", elem_id="lg-train")
                stop = gr.Button(I18N("lg_stop"), variant="stop", elem_id="lg-stop")
            status = gr.Markdown(status_text(None, "en"), elem_id="lg-status")
            # no minimum/maximum here: check_hours explains a bad value in the user's language
            hours = gr.Number(2.5, step=0.1, label=I18N("lg_hours"), elem_id="lg-hours")
            answer = gr.Markdown(answer_text(None, 2.5, "en"), elem_id="lg-answer")
        with gr.Column(scale=3):
            fit_plot = gr.Plot(fit_figure("lecture", None, 2.5, "en"), show_label=False, elem_id="lg-fit")
            loss_plot = gr.Plot(loss_figure(None, "en"), show_label=False, elem_id="lg-loss")
    gr.Markdown(I18N("lg_contrast_heading"))
    gr.Markdown(I18N("lg_contrast_intro"))
    with gr.Row():
        with gr.Column(scale=1, min_width=260):
            b_fixed = gr.Slider(*B_RANGE, value=B_DEFAULT["lecture"], step=0.1, label=I18N("lg_b_fixed"),
                                elem_id="lg-b")  # fmt: skip
        with gr.Column(scale=4):
            contrast_plot = gr.Plot(
                contrast_figure("lecture", B_DEFAULT["lecture"], None, "en"), show_label=False, elem_id="lg-contrast"
            )
    ui.code_panel("logistic_regression")

    outs = [fit_plot, loss_plot, contrast_plot, b_fixed, status, answer, run]
    live.train_button(
        start,
        stop,
        on_train,
        [data, lr, epochs, seed, reduction, hours, lang],
        outs,
        concurrency_id="lg_train",
        show_progress="minimal",
    )
    data.input(on_data, [data, hours, lang], outs, **ui.CHEAP)
    ui.on_inputs(on_query, [run, data, hours, lang], [fit_plot, answer], triggers=[hours])
    ui.on_inputs(on_contrast, [run, data, b_fixed, lang], contrast_plot, triggers=[b_fixed.input])
    ui.on_inputs(
        redraw, [run, data, hours, b_fixed, lang], [fit_plot, loss_plot, contrast_plot, status, answer], triggers=[lang]
    )
