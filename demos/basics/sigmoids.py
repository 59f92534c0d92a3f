"""Hung-yi Lee ML 2021 P2-P3: a model built from many sigmoids (or ReLUs).

    y = b0 + sum_i c_i * sigmoid(b_i + w_i * x)      (kind "sigmoid")
    y = b0 + sum_i c_i * max(0, b_i + w_i * x)       (kind "relu")

Any piecewise-linear curve is a constant plus hard sigmoids, a sigmoid is a
smooth hard sigmoid, and two ReLUs make one hard sigmoid.
"""

from __future__ import annotations

import math
import sys
import time
from typing import TYPE_CHECKING

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import links, live, offload, ui
from demos.i18n import I18N, built_keys, register, t

if TYPE_CHECKING:  # torch is imported lazily (ui.torch_ready): building the tab must not load it
    import torch

LECTURE = ui.Lecture("sigmoids", "sec_basics", "sig_tab", "sig_source", "sig_intro")

built_keys("sig_target_lee", "sig_target_sine", "sig_target_step")

register(
    {
        "sig_tab": ("李宏毅 P2–3 多个 Sigmoid", "Lee P2-3 Many sigmoids"),
        "sig_source": (
            "**李宏毅 机器学习 2021 P2–P3 · 由许多 sigmoid 组成的模型**",
            "**Hung-yi Lee ML 2021 P2-P3 · A model from many sigmoids**",
        ),
        "sig_intro": (
            "任何折线都可以写成一个常数加上若干个“硬 sigmoid”（平—斜坡—平）。光滑的 c·sigmoid(b + w·x) 近似一个硬 sigmoid："
            "w 决定陡峭程度，b 决定在哪里上升（在 x = −b/w 处），c 决定升多高。所以只要段数足够，"
            "y = b + Σᵢ cᵢ·sigmoid(bᵢ + wᵢ·x) 可以逼近任何连续曲线。选一段，拖动它的 c、b、w；粗线是所有段之和。"
            "换成 ReLU：c·max(0, b + w·x)。两个 ReLU 组成一个硬 sigmoid："
            "c·[max(0, x−x₁) − max(0, x−x₂)]/(x₂−x₁)，所以 N 个 ReLU 相当于 N/2 个硬 sigmoid。"
            "按“拟合”，让梯度下降（Adam）同时调整所有参数。",
            "Any piecewise-linear curve is a constant plus a few 'hard sigmoids' (flat, ramp, flat). A smooth "
            "c·sigmoid(b + w·x) approximates one: w sets how steep it is, b where it rises (at x = −b/w), c how high. "
            "So with enough pieces, y = b + Σᵢ cᵢ·sigmoid(bᵢ + wᵢ·x) can approximate any continuous curve. "
            "Pick a piece and drag its c, b, w; the thick line is the sum of all pieces. "
            "Switch to ReLU, c·max(0, b + w·x): two ReLUs make one hard sigmoid, "
            "c·[max(0, x−x₁) − max(0, x−x₂)]/(x₂−x₁), so N ReLUs make N/2 hard sigmoids. "
            "Press Fit and gradient descent (Adam) tunes all the parameters at once.",
        ),
        "sig_target": ("目标曲线", "Target curve"),
        "sig_target_lee": ("李宏毅的折线", "Lee's piecewise-linear curve"),
        "sig_target_sine": ("正弦 sin(2πx)", "Sine sin(2πx)"),
        "sig_target_step": ("阶跃", "Step"),
        "sig_kind": ("每一段是", "Each piece is a"),
        "sig_n": ("段数 N", "Number of pieces N"),
        "sig_seed": ("随机种子（初始 c）", "Seed (initial c)"),
        "sig_reset": ("重新初始化", "Re-initialise"),
        "sig_piece": ("选择一段", "Chosen piece"),
        "sig_b0": ("常数 b", "Constant b"),
        "sig_steps": ("训练步数", "Training steps"),
        "sig_lr": ("学习率（Adam）", "Learning rate (Adam)"),
        "sig_fit": ("▶ 拟合（梯度下降）", "▶ Fit (gradient descent)"),
        "sig_stop": ("■ 停止", "■ Stop"),
        "sig_mse_now": ("### MSE = {mse:.4f}", "### MSE = {mse:.4f}"),
        "sig_model_title": (
            "常数 + {n} 个 {kind} = 模型（MSE = {mse:.4f}）",
            "Constant + {n} {kind} pieces = the model (MSE = {mse:.4f})",
        ),
        "sig_target_name": ("目标", "target"),
        "sig_sum": ("模型（所有段之和）", "model (sum of pieces)"),
        "sig_constant": ("常数 b", "constant b"),
        "sig_piece_name": ("第 {i} 段", "piece {i}"),
        "sig_loss_title": ("训练损失（MSE）", "Training loss (MSE)"),
        "sig_step_axis": ("步数", "step"),
        "sig_loss_empty": ("按“拟合”开始训练", "Press Fit to train"),
        "sig_status_idle": (
            "移动滑块手动拟合，或按“拟合”让 Adam 来做。",
            "Move the sliders to fit by hand, or press Fit and let Adam do it.",
        ),
        "sig_status_running": (
            "Adam 第 {step}/{steps} 步：MSE {first:.4f} → {last:.4f}",
            "Adam step {step}/{steps}: MSE {first:.4f} → {last:.4f}",
        ),
        "sig_status_done": (
            "完成 {steps} 步 Adam：MSE {first:.4f} → {last:.4f}",
            "Done, {steps} Adam steps: MSE {first:.4f} → {last:.4f}",
        ),
        "sig_status_diverged": (
            "训练发散（损失不再是有限数），已停在第 {step} 步并保留最后的有限参数。请调小学习率。",
            "Training diverged (the loss is no longer finite); stopped at step {step} and kept the last finite "
            "parameters. Lower the learning rate.",
        ),
        "sig_name_n": ("段数 N", "N"),
        "sig_name_seed": ("随机种子", "seed"),
        "sig_name_piece": ("段号", "piece"),
        "sig_name_steps": ("训练步数", "steps"),
        "sig_name_lr": ("学习率", "learning rate"),
        "sig_name_target": ("目标曲线", "target"),
        "sig_name_kind": ("类型", "kind"),
    }
)

TARGETS = ("lee", "sine", "step")
KINDS = ("sigmoid", "relu")
N_MAX = 12
# The training inputs 0, 0.01, ..., 1, shape (101,): the float32 values torch trains on (the code panel's
# x = torch.arange(101) / 100, the same float32 division), held in float64 for numpy.
X = (np.arange(101, dtype=np.float32) / 100).astype(np.float64)
X_PLOT = np.linspace(0, 1, 301)  # a finer grid for drawing
# Parameters stay inside the sliders' ranges (also during fitting).
LIMITS = {"b0": 3.0, "c": 3.0, "b": 50.0, "w": 50.0}
W0 = {"sigmoid": 20.0, "relu": 5.0}  # initial steepness
C0 = {"sigmoid": 1.0, "relu": 0.5}  # initial |c| ~ U(C0 / 2, C0), signs alternating
STEPS, LR = 500, 0.05  # the Fit button's defaults
FRAMES, FRAME_SLEEP = 40, 0.05  # ~40 streamed frames, ~2 s plus compute


# ---- pure computation ---------------------------------------------------------


def hard_sigmoid(x, c: float, x1: float, x2: float):
    """c * clip((x - x1) / (x2 - x1), 0, 1): flat 0, a ramp from x1 to x2, flat c."""
    return c * ((x - x1) / (x2 - x1)).clip(0, 1)


def is_tensor(x) -> bool:
    """Whether x is a torch tensor, without importing torch (a tensor exists only once torch is loaded)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def target(name: str, x):
    """The target curve at x (a numpy array or a torch tensor)."""
    if name == "lee":  # 0.5 plus three hard sigmoids: a piecewise-linear curve
        return 0.5 + hard_sigmoid(x, 1.0, 0.2, 0.4) + hard_sigmoid(x, -1.2, 0.5, 0.7) + hard_sigmoid(x, 0.8, 0.75, 0.9)
    if name == "sine":
        return (x * 2 * math.pi).sin() if is_tensor(x) else np.sin(2 * np.pi * x)
    return (x >= 0.5) * 1.0  # "step"


def forward(b0, c, b, w, x: torch.Tensor, kind: str) -> torch.Tensor:
    """y = b0 + sum_i c_i * act(b_i + w_i * x) in torch; x (M,), c/b/w (N,) -> (M,)."""
    torch = ui.torch_ready()
    act = torch.sigmoid if kind == "sigmoid" else torch.relu
    return b0 + (c * act(b + w * x[:, None])).sum(dim=1)  # (M, N) summed over pieces


def pieces_np(params: dict, x: np.ndarray) -> np.ndarray:
    """Each piece c_i * act(b_i + w_i * x) in numpy, shape (N, M)."""
    c, b, w = (np.asarray(params[k], dtype=float)[:, None] for k in "cbw")
    z = b + w * np.asarray(x, dtype=float)[None, :]
    act = np.exp(-np.logaddexp(0.0, -z)) if params["kind"] == "sigmoid" else np.maximum(z, 0.0)  # stable sigmoid
    return c * act


def predict_np(params: dict, x: np.ndarray) -> np.ndarray:
    return params["b0"] + pieces_np(params, x).sum(axis=0)


def mse(params: dict) -> float:
    """Mean squared error over the 101 training points."""
    return float(np.mean((predict_np(params, X) - target(params["target"], X)) ** 2))


def init_params(target_name: str = "lee", kind: str = "sigmoid", n: int = 3, seed: int = 0) -> dict:
    """Transitions spread evenly over [0, 1] (piece i at x = (i + 0.5) / n), heights c of alternating
    sign and random size from the seed, and the constant b0 that makes the mean error zero.
    Pure numpy, so that building the tab needs no torch. c, b, w are rounded to the float32 values
    torch trains with and b0 is averaged in float64, as in the code panel: Adam's first step moves b0
    by the learning rate in the direction of its near-zero gradient, so both must round alike."""
    i = np.arange(n)
    u = np.random.default_rng(seed).random(n)  # U(0, 1), (n,)
    c = C0[kind] * (0.5 + 0.5 * u) * (-1.0) ** i  # up, down, up, ...
    w = np.full(n, W0[kind])
    b = -w * (i + 0.5) / n  # sigmoid(b + w x) rises at x = -b / w
    params = {
        "target": target_name,
        "kind": kind,
        "b0": 0.0,
        **{k: v.astype(np.float32).tolist() for k, v in (("c", c), ("b", b), ("w", w))},
        "history": [],
        "diverged": False,
    }
    params["b0"] = float(np.mean(target(target_name, X) - predict_np(params, X)))  # float64, (101,) -> ()
    return params


def fit_steps(params: dict, steps: int = STEPS, lr: float = LR, every: int = 1):
    """Adam on the MSE with torch autograd and real gradients. Yields (step, params) every `every` steps
    and at the end; params["history"][k] is the loss after k updates. Stops on a non-finite loss,
    keeping the last finite parameters (params["diverged"] = True)."""
    torch = ui.torch_ready()
    x = torch.from_numpy(X).float()  # (101,), exactly the float32 training inputs
    y = target(params["target"], x)
    b0 = torch.tensor(params["b0"], requires_grad=True)
    c, b, w = (torch.tensor(params[k], requires_grad=True) for k in "cbw")
    opt = torch.optim.Adam([b0, c, b, w], lr=lr)
    history: list[float] = []

    def snapshot():
        return {**params, "b0": b0.item(), "c": c.tolist(), "b": b.tolist(), "w": w.tolist(), "diverged": False}

    last_good = snapshot()
    for step in range(steps + 1):
        loss = torch.mean((forward(b0, c, b, w, x, params["kind"]) - y) ** 2)
        if not torch.isfinite(loss):
            yield step, {**last_good, "history": history, "diverged": True}
            return
        history.append(loss.item())
        last_good = snapshot()  # these parameters have the loss history[-1]
        if step == steps or step % every == 0:
            yield step, {**last_good, "history": list(history)}
        if step == steps:
            return
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():  # keep every parameter inside its slider's range
            for p, lim in ((b0, LIMITS["b0"]), (c, LIMITS["c"]), (b, LIMITS["b"]), (w, LIMITS["w"])):
                p.clamp_(-lim, lim)


def fit(params: dict, steps: int = STEPS, lr: float = LR) -> dict:
    """Run fit_steps to the end; the fitted parameters with their loss history."""
    return list(fit_steps(params, steps, lr, every=steps + 1))[-1][1]  # only the last frame


# ---- figures and messages -----------------------------------------------------


def kind_name(kind: str) -> str:
    return "sigmoid" if kind == "sigmoid" else "ReLU"


def model_figure(params: dict, chosen: int, lang: str) -> go.Figure:
    """Target (dashed), each piece (thin, the chosen one thicker), the constant, and their sum (thick)."""
    pieces = pieces_np(params, X_PLOT)
    total = params["b0"] + pieces.sum(axis=0)
    y_t = target(params["target"], X_PLOT)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=X_PLOT,
            y=np.full_like(X_PLOT, params["b0"]),
            mode="lines",
            name=t("sig_constant", lang),
            line={"color": "#777", "width": 2, "dash": "dot"},
        )
    )
    for i, piece in enumerate(pieces):
        fig.add_trace(
            go.Scatter(
                x=X_PLOT,
                y=piece,
                mode="lines",
                name=t("sig_piece_name", lang, i=i + 1),
                line={"color": ui.COLORS[1 + i % (len(ui.COLORS) - 1)], "width": 5 if i == chosen else 1.8},
                opacity=1.0 if i == chosen else 0.7,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=X_PLOT,
            y=y_t,
            mode="lines",
            name=t("sig_target_name", lang),
            line={"color": "#111", "width": 3, "dash": "dash"},
        )
    )
    fig.add_trace(
        go.Scatter(x=X_PLOT, y=total, mode="lines", name=t("sig_sum", lang), line={"color": ui.COLORS[0], "width": 6})
    )
    n = len(params["c"])
    ui.style(
        fig, t("sig_model_title", lang, n=n, kind=kind_name(params["kind"]), mse=mse(params)), "x", "y", height=520
    )
    # Frame the target, the model and the pieces, but no more than 2.5 beyond the target.
    lo = min(y_t.min(), total.min(), pieces.min(), params["b0"]) - 0.3
    hi = max(y_t.max(), total.max(), pieces.max(), params["b0"]) + 0.3
    fig.update_yaxes(range=[max(lo, y_t.min() - 2.5), min(hi, y_t.max() + 2.5)])
    fig.update_xaxes(range=[0, 1])
    return fig


def loss_figure(history: list[float], lang: str) -> go.Figure:
    fig = go.Figure()
    if history:
        fig.add_trace(
            go.Scatter(
                x=list(range(len(history))),
                y=history,
                mode="lines",
                name="MSE",
                line={"color": ui.COLORS[1], "width": 4},
            )
        )
    ui.style(fig, t("sig_loss_title", lang), t("sig_step_axis", lang), "MSE (log)", height=380)
    fig.update_yaxes(type="log")
    if not history:
        fig.add_annotation(text=t("sig_loss_empty", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def status_text(params: dict, lang: str, running: tuple[int, int] | None = None) -> str:
    h = params["history"]
    if params["diverged"]:
        return t("sig_status_diverged", lang, step=len(h))
    if not h:
        return t("sig_status_idle", lang)
    if running:
        return t("sig_status_running", lang, step=running[0], steps=running[1], first=h[0], last=h[-1])
    return t("sig_status_done", lang, steps=len(h) - 1, first=h[0], last=h[-1])


def mse_text(params: dict, lang: str) -> str:
    return t("sig_mse_now", lang, mse=mse(params))


# ---- events -------------------------------------------------------------------


def _piece_sliders(params: dict, chosen: int):
    """The c, b, w sliders for the chosen piece and the constant's slider (rounded for display only)."""
    return (
        round(params["c"][chosen], 3),
        round(params["b"][chosen], 2),
        round(params["w"][chosen], 2),
        round(params["b0"], 3),
    )


def _check_piece(params: dict, chosen, lang) -> int:
    return ui.integer(chosen, t("sig_name_piece", lang), 0, len(params["c"]) - 1, lang)


def on_init(target_name, kind, n, seed, lang):
    """New parameters for a new target, kind, N or seed; piece 1 chosen."""
    target_name = ui.choice(target_name, t("sig_name_target", lang), TARGETS, lang)
    kind = ui.choice(kind, t("sig_name_kind", lang), KINDS, lang)
    n = ui.integer(n, t("sig_name_n", lang), 1, N_MAX, lang)
    seed = ui.integer(seed, t("sig_name_seed", lang), 0, 2**31 - 1, lang)
    params = init_params(target_name, kind, n, seed)
    piece = gr.update(choices=[(str(i + 1), i) for i in range(n)], value=0)
    return (
        params,
        model_figure(params, 0, lang),
        mse_text(params, lang),
        loss_figure([], lang),
        status_text(params, lang),
        piece,
        *_piece_sliders(params, 0),
    )


def on_choose(params, chosen, lang):
    """Load the chosen piece's c, b, w into the sliders and highlight it."""
    chosen = _check_piece(params, chosen, lang)
    return model_figure(params, chosen, lang), *_piece_sliders(params, chosen)[:3]


def set_param(params: dict, which: str, chosen: int, value: float) -> dict:
    """A copy of params with one parameter changed (which in 'c', 'b', 'w', 'b0')."""
    out = {**params, **{k: list(params[k]) for k in "cbw"}}
    if which == "b0":
        out["b0"] = value
    else:
        out[which][chosen] = value
    return out


def on_slide(which: str):
    def handler(params, chosen, value, lang):
        chosen = _check_piece(params, chosen, lang)
        lim = LIMITS[which]
        value = ui.number(value, which if which != "b0" else "b", -lim, lim, lang)
        params = set_param(params, which, chosen, value)
        return params, model_figure(params, chosen, lang), mse_text(params, lang)

    return handler


def on_fit(params, chosen, steps, lr, lang):
    """Stream ~40 frames of Adam: the model, the falling loss, the status; the parameters go into the state."""
    chosen = _check_piece(params, chosen, lang)
    steps = ui.integer(steps, t("sig_name_steps", lang), 1, 5000, lang)
    lr = ui.number(lr, t("sig_name_lr", lang), 1e-4, 1.0, lang)
    every = max(1, steps // FRAMES)
    for step, out in fit_steps(params, steps, lr, every):
        running = None if (step == steps or out["diverged"]) else (step, steps)
        yield (
            out,
            model_figure(out, chosen, lang),
            mse_text(out, lang),
            loss_figure(out["history"], lang),
            status_text(out, lang, running),
            *_piece_sliders(out, chosen),
        )
        if running:
            time.sleep(FRAME_SLEEP)


def on_lang(params, chosen, start, lang):
    """Every view of the model in the state, in ``lang``, on first show and on a language switch.
    ``start``: a shared link's [target, kind, N, seed], which starts a new model as Reset does."""
    if start:
        params, chosen = init_params(*start), 0
    chosen = min(int(chosen or 0), len(params["c"]) - 1)
    return (
        params,
        model_figure(params, chosen, lang),
        mse_text(params, lang),
        loss_figure(params["history"], lang),
        status_text(params, lang),
        gr.update(choices=[(str(i + 1), i) for i in range(len(params["c"]))], value=chosen),
        *_piece_sliders(params, chosen),
        None,
    )


def api_sigmoids_fit(
    target_name: str = "lee", kind: str = "sigmoid", n: int = 3, seed: int = 0, steps: int = STEPS, lr: float = LR
) -> dict:
    """Initialise (as the tab does) and fit by Adam; the MSE before and after and the fitted parameters."""
    target_name = ui.choice(target_name, "target_name", TARGETS)
    kind = ui.choice(kind, "kind", KINDS)
    n = ui.integer(n, "n", 1, N_MAX)
    seed = ui.integer(seed, "seed", 0, 2**31 - 1)
    steps = ui.integer(steps, "steps", 1, 5000)
    lr = ui.number(lr, "lr", 1e-4, 1.0)
    out = fit(init_params(target_name, kind, n, seed), steps, lr)
    h = out["history"]
    return {
        "mse_before": h[0],
        "mse_after": h[-1],
        "diverged": out["diverged"],
        **{k: out[k] for k in ("b0", "c", "b", "w")},
    }


def _model_row(p0: dict):
    """The first row: the model's settings and Reset, the chosen piece's sliders, and the model plot.
    Returns the settings [target, kind, N, seed], Reset, the piece radio, its 4 sliders, the MSE and the plot."""
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            target_in = gr.Radio(
                [(I18N(f"sig_target_{k}"), k) for k in TARGETS],
                value="lee",
                label=I18N("sig_target"),
                elem_id="sig-target",
            )
            kind_in = gr.Radio([("sigmoid", "sigmoid"), ("ReLU", "relu")], value="sigmoid", label=I18N("sig_kind"))
            n_in = gr.Slider(1, N_MAX, value=3, step=1, label=I18N("sig_n"), elem_id="sig-n")
            with gr.Row():
                seed_in = gr.Number(0, label=I18N("sig_seed"), precision=0, elem_id="sig-seed")
                reset = gr.Button(I18N("sig_reset"), size="sm")
            piece = gr.Radio([(str(i + 1), i) for i in range(3)], value=0, label=I18N("sig_piece"), elem_id="sig-piece")
            c0, bb0, w0, b00 = _piece_sliders(p0, 0)
            c_in = gr.Slider(-LIMITS["c"], LIMITS["c"], value=c0, step=0.01, label="c", elem_id="sig-c")
            b_in = gr.Slider(-LIMITS["b"], LIMITS["b"], value=bb0, step=0.1, label="b", elem_id="sig-b")
            w_in = gr.Slider(-LIMITS["w"], LIMITS["w"], value=w0, step=0.1, label="w", elem_id="sig-w")
            b0_in = gr.Slider(-LIMITS["b0"], LIMITS["b0"], value=b00, step=0.01, label=I18N("sig_b0"), elem_id="sig-b0")
            mse_md = gr.Markdown(mse_text(p0, "en"), elem_id="sig-mse")
        with gr.Column(scale=3):
            model_plot = gr.Plot(model_figure(p0, 0, "en"), show_label=False, elem_id="sig-model")
    return [target_in, kind_in, n_in, seed_in], reset, piece, [c_in, b_in, w_in, b0_in], mse_md, model_plot


def _fit_row(p0: dict):
    """The second row: steps, learning rate, Fit and Stop, the status line, and the loss plot."""
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            steps_in = gr.Slider(50, 3000, value=STEPS, step=50, label=I18N("sig_steps"), elem_id="sig-steps")
            lr_in = gr.Number(LR, label=I18N("sig_lr"), step=0.01, elem_id="sig-lr")
            with gr.Row():
                fit_btn = gr.Button(I18N("sig_fit"), variant="primary", elem_id="sig-fit")
                stop_btn = gr.Button(I18N("sig_stop"), variant="stop", elem_id="sig-stop")
            status = gr.Markdown(status_text(p0, "en"), elem_id="sig-status")
        with gr.Column(scale=3):
            loss_plot = gr.Plot(loss_figure([], "en"), show_label=False, elem_id="sig-loss")
    return steps_in, lr_in, fit_btn, stop_btn, status, loss_plot


def _wire_pieces(state, piece, sliders, model_plot, mse_md, lang) -> None:
    """Choosing a piece loads its c, b, w into the sliders; each slider edits the model by hand."""
    piece.input(on_choose, [state, piece, lang], [model_plot, *sliders[:3]], **ui.CHEAP)
    for slider, which in zip(sliders, ("c", "b", "w", "b0")):
        ui.on_inputs(
            on_slide(which), [state, piece, slider, lang], [state, model_plot, mse_md], triggers=[slider.input]
        )


def build(lang: ui.TabLang) -> None:
    p0 = init_params()
    ui.header(LECTURE)
    state = gr.State(p0)
    settings, reset, piece, sliders, mse_md, model_plot = _model_row(p0)
    steps_in, lr_in, fit_btn, stop_btn, status, loss_plot = _fit_row(p0)
    ui.code_panel("sigmoids")

    # wired once both rows exist: a new model redraws the fit row's loss and status too
    views = [model_plot, mse_md, loss_plot, status, piece, *sliders]
    target_in, kind_in, n_in, seed_in = settings
    for trigger in (target_in.input, kind_in.input, seed_in.submit, reset.click):
        trigger(on_init, [*settings, lang], [state, *views], **ui.CHEAP)
    n_in.input(on_init, [*settings, lang], [state, *views], trigger_mode="always_last", **ui.CHEAP)
    _wire_pieces(state, piece, sliders, model_plot, mse_md, lang)
    live.train_button(
        fit_btn,
        stop_btn,
        on_fit,
        [state, piece, steps_in, lr_in, lang],
        [state, model_plot, mse_md, loss_plot, status, *sliders],
        show_progress="hidden",
        concurrency_limit=live.per_process(4),
        concurrency_id="sigmoids_fit",
    )
    # A link carries the target, kind, N and seed (its model starts from them on first show, as Reset does),
    # not a piece's hand-edited parameters: the piece and its sliders show the model, they are not settings.
    start = links.derive(gr.JSON(None, visible="hidden"), settings, lambda *s: list(s))
    ui.on_inputs(on_lang, [state, piece, start, lang], [state, *views, start], triggers=[lang])
    for component in (piece, *sliders):
        links.not_shared(component)
    gr.api(offload.api(api_sigmoids_fit), api_name="sigmoids_fit")
