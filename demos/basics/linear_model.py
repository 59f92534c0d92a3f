"""PyTorch lecture 2: the linear model y_hat = w*x + b and its mean squared error."""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import links, ui
from demos.classroom import activities, send
from demos.i18n import I18N, register, t

# build() draws every view (w = 1, b = 0) in English: an English page open, which shows this tab first,
# redraws nothing
LECTURE = ui.Lecture("linear_model", "sec_basics", "lin_tab", "lin_source", "lin_intro", drawn_at_build=True)

register(
    {
        "lin_tab": ("第2讲 线性模型", "L2 Linear model"),
        "lin_source": (
            "**刘二 PyTorch 第2讲 · 线性模型** · 李宏毅 ML 2021 P1–P2",
            "**Liu Er PyTorch lecture 2 · Linear model** · Hung-yi Lee ML 2021 P1-P2",
        ),
        "lin_intro": (
            "三个数据点 (1,2)、(2,4)、(3,6)。模型 ŷ = w·x + b。拖动 w 和 b：每个点的误差 (ŷ−y)² 和它们的平均值 MSE 随之变化。"
            "MSE 最小的 w 就是最好的模型——右边的曲线和下方的曲面把所有可能的 w、b 都画了出来。",
            "Three data points (1,2), (2,4), (3,6). The model is ŷ = w·x + b. Drag w and b: each point's error (ŷ−y)² "
            "and their mean, the MSE, follow. The best w is the one with the smallest MSE; the curve and the surface "
            "below draw it for every possible w and b.",
        ),
        "lin_mse_now": ("### MSE = {mse:.4f}", "### MSE = {mse:.4f}"),
        "lin_fit_title": ("数据与直线 ŷ = {w:.2f}·x + {b:.2f}", "Data and the line ŷ = {w:.2f}·x + {b:.2f}"),
        "lin_points": ("数据点", "data points"),
        "lin_line": ("模型", "model"),
        "lin_curve_title": ("MSE 随 w 变化（b = {b:.2f}）", "MSE against w (b = {b:.2f})"),
        "lin_current": ("当前 w", "current w"),
        "lin_surface_title": ("作业：(w, b) 的 MSE 曲面", "Homework: the MSE surface over (w, b)"),
        "lin_current_wb": ("当前 (w, b)", "current (w, b)"),
        "lin_search": (
            "穷举搜索：w 从 0 到 4，步长 0.1（讲义代码）",
            "Exhaustive search: w from 0 to 4 in steps of 0.1 (the lecture's code)",
        ),
        "lin_best": (
            "最好的 w = {w:.1f}，MSE = {mse:.4f}（b = {b:.2f}）",
            "Best w = {w:.1f}, MSE = {mse:.4f} (b = {b:.2f})",
        ),
    }
)

X = np.array([1.0, 2.0, 3.0])
Y = np.array([2.0, 4.0, 6.0])
W_RANGE = (0.0, 4.0)
B_RANGE = (-2.0, 2.0)


# ---- pure computation ---------------------------------------------------------


def predict(w: float, b: float, x=X) -> np.ndarray:
    return w * np.asarray(x) + b


def squared_errors(w: float, b: float) -> np.ndarray:
    """(y_hat - y)^2 for each of the three points, shape (3,)."""
    return (predict(w, b) - Y) ** 2


def mse(w: float, b: float = 0.0) -> float:
    """Mean squared error over the lecture data: mean((w*x + b - y)^2)."""
    return float(np.mean(squared_errors(w, b)))


def exhaustive_search(b: float = 0.0, step: float = 0.1) -> list[tuple[float, float]]:
    """The lecture's search: (w, MSE) for w = 0, 0.1, ..., 4.0."""
    ws = np.round(np.arange(0.0, 4.0 + step / 2, step), 10)
    return [(float(w), mse(w, b)) for w in ws]


def mse_grid(ws: np.ndarray, bs: np.ndarray) -> np.ndarray:
    """MSE for every (b, w) pair, shape (len(bs), len(ws)); rows are b, as Plotly wants."""
    pred = ws[None, :, None] * X[None, None, :] + bs[:, None, None]  # (B, W, 3)
    return ((pred - Y) ** 2).mean(axis=-1)


# ---- figures ------------------------------------------------------------------


def fit_figure(w: float, b: float, lang: str) -> go.Figure:
    xs = np.linspace(0, 4, 50)
    red = ui.COLORS[1]
    data, notes = [], []
    for xi, yi, pi, ei in zip(X, Y, predict(w, b), squared_errors(w, b)):  # each point's error, dotted
        line = {"color": red, "width": 3, "dash": "dot"}
        data.append(
            {"type": "scatter", "x": [xi, xi], "y": [yi, pi], "mode": "lines", "line": line, "showlegend": False}
        )
        data[-1]["hoverinfo"] = "skip"
        notes.append({"x": xi, "y": (yi + pi) / 2, "text": f"{ei:.2f}", "showarrow": False, "xshift": 30})
        notes[-1]["font"] = {"color": red}
    line = {"color": ui.COLORS[0], "width": 4}
    data.append({"type": "scatter", "x": xs, "y": predict(w, b, xs), "mode": "lines", "line": line})
    data[-1]["name"] = t("lin_line", lang)
    marker = {"size": 16, "color": "#111"}
    data.append({"type": "scatter", "x": X, "y": Y, "mode": "markers", "name": t("lin_points", lang), "marker": marker})
    axes = {"xaxis": {"range": [0, 4]}, "yaxis": {"range": [-3, 19]}}
    return ui.figure(data, t("lin_fit_title", lang, w=w, b=b), "x", "y", annotations=notes, **axes)


def curve_figure(w: float, b: float, lang: str) -> go.Figure:
    ws = np.linspace(*W_RANGE, 161)
    curve = {"type": "scatter", "x": ws, "y": [mse(v, b) for v in ws], "mode": "lines", "name": "MSE(w)"}
    curve["line"] = {"color": ui.COLORS[0], "width": 4}
    now = {"type": "scatter", "x": [w], "y": [mse(w, b)], "mode": "markers", "name": t("lin_current", lang)}
    now["marker"] = {"size": 18, "color": ui.COLORS[1]}
    return ui.figure([curve, now], t("lin_curve_title", lang, b=b), "w", "MSE")


@functools.cache
def _surface_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ws, bs, MSE over the grid): the same for every (w, b) shown, so computed once."""
    ws = np.linspace(*W_RANGE, 41)
    bs = np.linspace(*B_RANGE, 41)
    return ws, bs, mse_grid(ws, bs)


def _surface_trace() -> dict:
    # a new dict every call: go.Figure pops and re-adds a trace's "type", so a shared one races
    ws, bs, z = _surface_grid()
    contours = {"z": {"show": True, "usecolormap": True, "project": {"z": True}}}
    surface = {"type": "surface", "x": ws, "y": bs, "z": z, "colorscale": "Viridis"}
    return {**surface, "opacity": 0.9, "showscale": False, "contours": contours}


def surface_figure(w: float, b: float, lang: str) -> go.Figure:
    now = {"type": "scatter3d", "x": [w], "y": [b], "z": [mse(w, b)], "mode": "markers"}
    now.update(name=t("lin_current_wb", lang), marker={"size": 8, "color": ui.COLORS[1]})
    # fewer, smaller ticks: 3-D axes crowd at projector font sizes
    ticks = {"nticks": 5, "tickfont": {"size": 13}}
    scene = {
        "xaxis": {"title": {"text": "w"}, **ticks},
        "yaxis": {"title": {"text": "b"}, **ticks},
        "zaxis": {"title": {"text": "MSE"}, **ticks},
        "camera": {"eye": {"x": 1.6, "y": -1.6, "z": 0.9}},
    }
    legend = {"orientation": "h", "y": -0.02}
    return ui.figure([_surface_trace(), now], t("lin_surface_title", lang), height=560, scene=scene, legend=legend)


def point_table(w: float, b: float) -> str:
    rows = [f"| {x:g} | {y:g} | {p:.2f} | {e:.4f} |" for x, y, p, e in zip(X, Y, predict(w, b), squared_errors(w, b))]
    return "\n".join(["| x | y | ŷ = w·x + b | (ŷ − y)² |", "|---:|---:|---:|---:|", *rows])


# ---- events -------------------------------------------------------------------


def _check(w, b, lang):
    return ui.number(w, "w", -100, 100, lang), ui.number(b, "b", -100, 100, lang)


def line_views(w, b, lang):
    """What a step of w changes: the line, per-point errors, the MSE (as text and as a number for
    the surface's marker) and the w-MSE curve."""
    w, b = _check(w, b, lang)
    m = mse(w, b)
    return fit_figure(w, b, lang), t("lin_mse_now", lang, mse=m), point_table(w, b), curve_figure(w, b, lang), m


def search_views(w, b, lang):
    """What only b and the language change: the (w, b) surface and the exhaustive-search table."""
    w, b = _check(w, b, lang)
    rows = exhaustive_search(b)
    best_w, best_mse = min(rows, key=lambda r: r[1])
    table = [[f"{v:.1f}", f"{m:.4f}"] for v, m in rows]
    return surface_figure(w, b, lang), table, t("lin_best", lang, w=best_w, mse=best_mse, b=b)


# The surface's (w, b, MSE) marker follows a step of w in the browser, with the MSE the server
# computed: sending the figure again made the browser rebuild the 41x41 WebGL surface, and even
# Plotly.restyle of the one marker redraws the 3-D scene (0.2-0.3 s of a laptop without GPU). So the
# marker moves once w has rested for 0.3 s: on release while dragging, just after a typed value.
MOVE_MARKER_JS = """(w, b, m) => {
  clearTimeout(window.linMarkerTimer);
  window.linMarkerTimer = setTimeout(() => {
    const gd = document.querySelector('#lin-surface .js-plotly-plot');
    if (window.Plotly && gd && gd.data && gd.data.length > 1) window.Plotly.restyle(gd, {x: [[w]], y: [[b]], z: [[m]]}, [1]);
  }, 300);
}"""


def api_linear_mse(w: float, b: float) -> float:
    """MSE of y_hat = w*x + b over the lecture data (1,2), (2,4), (3,6)."""
    w, b = _check(w, b, None)
    return mse(w, b)


def build(lang: ui.TabLang) -> None:
    surface0, search0, best0 = search_views(1.0, 0.0, "en")
    ui.header(LECTURE)
    with gr.Row():
        with gr.Column(scale=2):
            w = gr.Slider(*W_RANGE, value=1.0, step=0.01, label="w", elem_id="lin-w")
            b = gr.Slider(*B_RANGE, value=0.0, step=0.01, label="b", elem_id="lin-b")
            mse_md = gr.Markdown(t("lin_mse_now", "en", mse=mse(1.0, 0.0)), elem_id="lin-mse")
            table = gr.Markdown(point_table(1.0, 0.0))
            send.row("linear", [w, b], lambda w, b, lang: activities.linear({"w": w, "b": b}, lang))
        with gr.Column(scale=3):
            fit = gr.Plot(fit_figure(1.0, 0.0, "en"), show_label=False)
    with gr.Row():
        curve = gr.Plot(curve_figure(1.0, 0.0, "en"), show_label=False)
        surface = gr.Plot(surface0, show_label=False, elem_id="lin-surface")
    with gr.Accordion(I18N("lin_search"), open=False):
        best = gr.Markdown(best0, elem_id="lin-best")
        search = gr.Dataframe(search0, headers=["w", "MSE"], interactive=False, max_height=360)
    ui.code_panel("linear_model")

    # .change also covers a value typed into a slider's box (.input and .release do not).
    # A step of w redraws only what w changes; b and the language redraw the surface and search too.
    # Callable by name (undocumented) so benchmarks/load.py drags w as a browser does.
    mse_now = links.not_shared(gr.Number(mse(1.0, 0.0), visible="hidden", elem_id="lin-mse-value"))
    line = [fit, mse_md, table, curve, mse_now]
    step = ui.on_inputs(line_views, [w, b, lang], line, api_name="linear_model_view", api_visibility="undocumented")
    step.success(None, [w, b, mse_now], None, js=MOVE_MARKER_JS, queue=False)
    resurfaced = ui.on_inputs(search_views, [w, b, lang], [surface, search, best], triggers=[b, lang])
    # a surface answering after a later step of w carries that step's old w: put the marker back
    resurfaced.success(None, [w, b, mse_now], None, js=MOVE_MARKER_JS, queue=False)
    gr.api(api_linear_mse, api_name="linear_mse")
