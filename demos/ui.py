"""The one home of what every lecture tab shares: header, code panel,
plot style, input checks and the section registry."""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import plotly.graph_objects as go

from demos.i18n import I18N, both, register, t

SNIPPETS = Path(__file__).parent / "snippets"

register(
    {
        "app_title": ("PyTorch 深度学习实践 · 互动课堂", "Deep Learning with PyTorch · Interactive Lectures"),
        "app_subtitle": (
            "刘二《PyTorch 深度学习实践》第 1–13 讲与李宏毅机器学习开篇课程的互动演示：拖动、绘制、训练，看数学如何响应。",
            "Liu Er's PyTorch lectures 1-13 and Hung-yi Lee's opening ML lectures, live: "
            "drag, draw and train, and watch the mathematics respond.",
        ),
        "lang_label": ("语言 Language", "Language 语言"),
        "theme_button": ("🌓 明暗", "🌓 Light/dark"),
        "code_panel": ("本演示实际运行的代码", "The code this demo runs"),
        "sec_basics": ("基础（第1–5讲）", "Basics (L1–5)"),
        "sec_classification": ("分类（第6–9讲）", "Classification (L6–9)"),
        "sec_vision": ("视觉：卷积网络（第10–11讲）", "Vision: CNNs (L10–11)"),
        "sec_sequences": ("序列：循环网络（第12–13讲）", "Sequences: RNNs (L12–13)"),
        "err_not_number": (
            "{name} 必须是有限的数字（不能为空或 NaN）。",
            "{name} must be a finite number (not empty or NaN).",
        ),
        "err_range": (
            "{name} 必须在 {lo} 到 {hi} 之间，收到 {value}。",
            "{name} must be between {lo} and {hi}; got {value}.",
        ),
        "err_int": ("{name} 必须是整数，收到 {value}。", "{name} must be a whole number; got {value}."),
        "err_choice": ("{name} 必须是 {choices} 之一，收到 {value}。", "{name} must be one of {choices}; got {value}."),
    }
)

# Plots are read from the back of a lecture hall: big type, thick lines, a
# white card that stays readable in the light and the dark theme alike.
FONT_SIZE = 18
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def style(fig: go.Figure, title: str = "", x: str = "", y: str = "", height: int = 420) -> go.Figure:
    """Apply the shared projector-friendly look to a Plotly figure, in place (every x axis gets the
    x title and grid, every y axis the y ones). One layout assignment: Plotly's update_layout and
    update_xaxes cost milliseconds each, and every figure passes through here."""
    current = fig.layout.to_plotly_json()
    look = layout(title, x, y, height)
    axis_x, axis_y = look.pop("xaxis"), look.pop("yaxis")
    new = merged(current, look)
    for name in [k for k in current if re.fullmatch(r"xaxis\d*", k)] or ["xaxis"]:
        new[name] = merged(current.get(name, {}), axis_x)
    for name in [k for k in current if re.fullmatch(r"yaxis\d*", k)] or ["yaxis"]:
        new[name] = merged(current.get(name, {}), axis_y)
    fig.layout = new
    return fig


def empty_figure(title: str, height: int) -> go.Figure:
    """A titled figure with no axes: a chart's place before there is anything to draw."""
    fig = style(go.Figure(), title, height=height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def merged(base: dict, extra: dict) -> dict:
    """``base`` updated by ``extra``, nested dicts merged key by key (as Plotly's update_layout does)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def layout(
    title: str = "", x: str = "", y: str = "", height: int = 420, title_size: int = FONT_SIZE + 4, **extra
) -> dict:
    """The look style() gives, as a layout dict, updated by ``extra`` (nested dicts merged)."""

    def axis(text: str) -> dict:
        return {
            "title": {"text": text},
            "showgrid": True,
            "gridcolor": "#ddd",
            "zeroline": True,
            "zerolinecolor": "#999",
        }

    base = {
        "template": "none",
        "title": {"text": title, "x": 0.02, "font": {"size": title_size}},
        "font": {"size": FONT_SIZE, "family": "Noto Sans CJK SC, Source Sans Pro, Arial, sans-serif", "color": "#111"},
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 60, "b": 60},
        "legend": {"font": {"size": FONT_SIZE - 2}},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "uirevision": "keep",
        "xaxis": axis(x),
        "yaxis": axis(y),
    }
    return merged(base, extra)


def figure(data: list[dict], title: str = "", x: str = "", y: str = "", height: int = 420, **extra) -> go.Figure:
    """A styled figure made in one step from trace dicts ({"type": "scatter", ...}): about 1 ms,
    against 9 ms for go.Figure + add_trace + style(). Plotly's incremental updates are what cost,
    so figures redrawn while a slider is dragged or a digit drawn are built this way.
    ``extra``: layout keys, and title_size for the title's font."""
    return go.Figure({"data": data, "layout": layout(title, x, y, height, **extra)})


@functools.cache
def torch_ready():
    """Import torch once, on first use. Tabs call this instead of importing torch
    at module level, to keep start-up fast.

    One intra-op thread per request: the server runs several students' events
    at once on two cores, and the small live models spent most of their time
    in thread hand-offs with two threads under load (an Adam step 19-96 ms
    against 0.7-2 ms with one). The training CLI sets its own thread count."""
    import torch

    torch.set_num_threads(1)
    return torch


# Event settings of a cheap, stateless event (a button that redraws): never queued behind others, no spinner.
CHEAP = {"show_progress": "hidden", "concurrency_limit": None, "api_visibility": "private"}
# ... of a redraw: also, while a slider is dragged, at most one event at a time per user, then the last
# position (the steps a busy server could not keep up with are dropped).
REDRAW = {**CHEAP, "trigger_mode": "always_last"}


def on_inputs(fn, inputs: list, outputs, triggers: list | None = None, **settings):
    """Redraw ``outputs`` with ``fn(*inputs)`` whenever one of its inputs changes, the tab's
    language box among them; not on page load. The one way a tab wires a redraw.

    ``triggers``: components (their .change) or events (``slider.input``) to listen to instead of
    every input's change. ``settings``: event settings over REDRAW (a concurrency limit for a costly one).

    The language box starts empty and gets the page's language when the tab is first shown, so
    this is also the tab's first draw: a page open draws only the tab on screen, not all 18
    (gr.on(None, ...) would add a page-load trigger to every redraw).

    Inside ``tab_draw(lang)`` (app.py builds every lecture tab in one), a plain redraw's language
    trigger joins the tab's one draw event instead (see ``TabDraw``). Returns the event of the
    other triggers (None if the language was the only one)."""
    events = list(inputs if triggers is None else triggers)
    draw = _TAB_DRAW[-1] if _TAB_DRAW else None
    joined = draw is not None and draw.lang in events and draw.takes(fn, settings)
    if joined:
        draw.add(fn, inputs, outputs)
        events.remove(draw.lang)
        if not events:
            return None
    step, back = step_js(next(_STEP_NUMBERS), draw.number if joined else None)
    event = gr.on([getattr(c, "change", c) for c in events], fn, inputs, outputs, js=step, **{**REDRAW, **settings})
    answered(event, back)
    return event


def answered(event, js: str) -> None:
    """Run the browser function ``js`` once ``event`` has answered, with or without an error: Gradio
    6.31's page runs a ``.then`` only after a success (and a ``.failure`` only after an error)."""
    event.then(None, js=js, queue=False)
    event.failure(None, js=js, queue=False)


_STEP_NUMBERS = itertools.count()


# A redraw's answers must land in the order its values were set. Gradio's "always_last" keeps one
# request of an event out at a time, but only from the moment it is sent: an event that sets several
# controls at once (a link opening a tab, a Reset) fires their changes within a few milliseconds, each
# gathers the values set so far, and all go out together; the one sent with a half-set view (say,
# batch size new, drop_last still old) may answer last and stay. So the page numbers each set of
# values a step is given, and sends a step only when every request of it still out carries the
# newest set (identical requests may answer in any order), with that newest set: a burst of changes
# costs two round trips, not one per change. A step of a tab whose first draw is out waits for that
# draw too (its answer, sent with older values, would land over the step's). A copy held 20 s (a
# lost answer) goes anyway. Left open: the draw is counted out by its own js, which Gradio runs after
# gathering the draw's values; a step whose values change in between (a click in the tab's first
# milliseconds) is not held, and the draw's older answer can land last.
def step_js(number: int, draw: int | None) -> tuple[str, str]:
    """Browser side of a redraw's step: (held while busy, then sent; counted back when answered)."""
    state = f"((window.gdSteps = window.gdSteps || {{}})[{number}] ||= {{ out: 0, args: null, v: 0, sent: 0 }})"
    draw_out = "false" if draw is None else f"(window.gdDraws || {{}})[{draw}] > 0"
    step = f"""async (...a) => {{
  const s = {state};
  s.args = a;
  s.v += 1;
  const busy = () => (s.out > 0 && s.sent !== s.v) || {draw_out};
  let i = 0;
  for (; i < 1000 && busy(); i++) await new Promise((r) => setTimeout(r, 20));
  if (i === 1000) s.out = 0;
  s.out += 1;
  s.sent = s.v;
  return s.args;
}}"""
    back = f"() => {{ const s = {state}; s.out = Math.max(0, s.out - 1); }}"
    return step, back


_TAB_DRAW: list[TabDraw] = []  # the lecture tab being built, if any
_DRAW_NUMBERS = itertools.count()


class TabDraw:
    """A lecture tab's redraws that its language box triggers, run as one event.

    Each event costs the student's browser a pass over the status of every output any event of the
    page has had (Gradio's frontend; 0.1-0.3 s on a laptop without GPU once a few tabs were used),
    so a first draw of 5 events cost 5 passes. One event runs the redraws in order, returns all their
    outputs (the last that does not skip wins where two share one) and shows a redraw's error as a
    warning without losing the others' views. Only plain redraws join: no generator, no request or
    progress argument, no settings but an API name."""

    def __init__(self, lang: gr.Textbox):
        self.lang = lang
        self.parts: list[tuple] = []  # (fn, inputs, outputs)
        self.number = next(_DRAW_NUMBERS)  # names this draw in the page's JS (window.gdDraws)

    # Its answer, sent with the values of the moment the tab was first shown, must not land over a
    # step's: see step_js, which holds a step while the draw is out (window.gdDraws counts it).
    def draw_js(self) -> tuple[str, str]:
        """Browser side of the draw: count it out when sent, back when answered (or failed)."""
        n = self.number
        out = (
            f"(...a) => {{ const d = window.gdDraws = window.gdDraws || {{}}; d[{n}] = (d[{n}] || 0) + 1; return a; }}"
        )
        back = f"() => {{ const d = window.gdDraws || {{}}; d[{n}] = Math.max(0, (d[{n}] || 0) - 1); }}"
        return out, back

    @staticmethod
    def takes(fn, settings: dict) -> bool:
        if not set(settings) <= {"api_name", "api_visibility"} or not callable(fn):
            return False
        if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
            return False
        special = ("Request", "Progress", "EventData", "OAuth")
        params = inspect.signature(fn).parameters.values()
        return not any(any(word in str(p.annotation) for word in special) for p in params)

    def add(self, fn, inputs: list, outputs) -> None:
        self.parts.append((fn, list(inputs), outputs if isinstance(outputs, list) else [outputs]))

    def run(self, inputs: list, outputs: list, values: list) -> list:
        given = dict(zip(map(id, inputs), values))
        result = {id(c): gr.skip() for c in outputs}
        for fn, ins, outs in self.parts:
            try:
                got = fn(*(given[id(c)] for c in ins))
            except gr.Error as e:
                gr.Warning(e.message)
                continue
            if isinstance(got, dict) and got and all(isinstance(k, gr.blocks.Block) for k in got):
                got = [got.get(c, gr.skip()) for c in outs]  # {component: value}, as Gradio allows
            got = [got] if len(outs) == 1 else list(got)
            for c, v in zip(outs, got):
                if not (isinstance(v, dict) and v == gr.skip()):  # {"__type__": "update"}: changes nothing
                    result[id(c)] = v
        return [result[id(c)] for c in outputs]

    def wire(self) -> None:
        if not self.parts:
            return
        inputs = list({id(c): c for _, ins, _ in self.parts for c in ins}.values())
        outputs = list({id(c): c for _, _, outs in self.parts for c in outs}.values())

        def draw_tab(*values):
            result = self.run(inputs, outputs, list(values))
            return result[0] if len(outputs) == 1 else result  # Gradio takes one output's value as is

        out, back = self.draw_js()
        answered(self.lang.change(draw_tab, inputs, outputs, js=out, **REDRAW), back)


@contextlib.contextmanager
def tab_draw(lang: gr.Textbox):
    """Build a lecture tab inside: its plain redraws that ``lang`` triggers become one event."""
    draw = TabDraw(lang)
    _TAB_DRAW.append(draw)
    try:
        yield draw
    finally:
        _TAB_DRAW.pop()
    draw.wire()


# ---- input checks: every event validates before computing --------------------


def user_error(key: str, lang: str | None, **fmt) -> gr.Error:
    """A clear message for the user; ``lang=None`` (API callers) gives both languages."""
    return gr.Error(both(key, **fmt) if lang is None else t(key, lang, **fmt), print_exception=False)


def number(value, name: str, lo: float, hi: float, lang: str | None = None) -> float:
    """``value`` as a finite float in [lo, hi], or a gr.Error in the user's language."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise user_error("err_not_number", lang, name=name) from None
    if not math.isfinite(x):
        raise user_error("err_not_number", lang, name=name)
    if not lo <= x <= hi:
        raise user_error("err_range", lang, name=name, lo=lo, hi=hi, value=value)
    return x


def integer(value, name: str, lo: int, hi: int, lang: str | None = None) -> int:
    x = number(value, name, lo, hi, lang)
    if x != int(x):
        raise user_error("err_int", lang, name=name, value=value)
    return int(x)


def choice(value, name: str, choices: tuple[str, ...], lang: str | None = None) -> str:
    if value not in choices:
        raise user_error("err_choice", lang, name=name, choices=", ".join(choices), value=value)
    return value


# ---- lecture header and code panel ------------------------------------------


@dataclass(frozen=True)
class Lecture:
    """What the shell needs to place a lecture tab. Keys point into the table."""

    key: str  # tab id, also the snippet's file name
    section: str  # translation key of the course section
    tab: str  # translation key of the tab label
    source: str  # translation key: which lecture this teaches
    intro: str  # translation key: a short plain explanation
    # build() already draws every view in English: the tab's language box starts at "en",
    # so an English page open (which shows this tab first) redraws nothing
    drawn_at_build: bool = False


# The argument of every tab's build(lang): a hidden copy of the page's language, "" until the tab
# is first shown, then "zh" or "en". Its .change is the tab's first draw and every language switch.
TabLang = gr.Textbox


def inner_tab_lang(tab: gr.Tab, lang: TabLang) -> TabLang:
    """The same for an inner tab of a lecture tab (call it inside ``with gr.Tab(...) as tab``): "" until
    the inner tab is first selected, then following ``lang``. Its views wired to it draw when first
    shown, not with the lecture tab: on a laptop without GPU each drawn view and each event costs
    the student's browser time (benchmarks/browser_feel.py)."""
    box = gr.Textbox("", visible="hidden", interactive=False)
    tab.select(None, lang, box, js="(lang) => lang", queue=False)
    lang.change(None, [lang, box], box, js="(lang, mine) => (mine ? lang : mine)", queue=False)
    return box


def snippet(name: str) -> str:
    """The source of demos/snippets/<name>.py, shown in the code panel."""
    return (SNIPPETS / f"{name}.py").read_text(encoding="utf-8")


def header(lecture: Lecture) -> None:
    """The lecture line and the plain explanation at the top of a tab."""
    gr.Markdown(I18N(lecture.source), elem_classes=["lecture-source"])
    gr.Markdown(I18N(lecture.intro), elem_classes=["lecture-intro"])


def code_panel(*names: str) -> None:
    """A collapsed panel with the code the demo runs (kept honest by tests/test_snippets.py)."""
    with gr.Accordion(I18N("code_panel"), open=False, elem_classes=["code-panel"]):
        for name in names:
            gr.Code(snippet(name), language="python", interactive=False, label=f"{name}.py")


# ---- the drawing pad --------------------------------------------------------


# Gradio's pad starts with no tool selected ("select the draw tool to start") and drops the tool
# when cleared: pick the brush whenever the pad shows without a tool, so a class can draw at once.
# Its "Clear canvas" also leaves the canvas at 100 % (smaller than the pad): fit it again, as on load.
# (Presenter mode's page zoom is undone on the pad by CSS, from the start: give it links.UNZOOMED.)
def sketchpad_helpers_js(pad_id: str) -> str:
    """JavaScript for gr.HTML(js_on_load=...) beside the gr.Sketchpad with elem_id ``pad_id``."""
    return f"const PAD = '#{pad_id}';" + _SKETCHPAD_JS


_SKETCHPAD_JS = """
const padOf = () => document.querySelector(PAD);
setInterval(() => {  // twice a second, a querySelector; acts only when the pad shows
  const pad = padOf();
  const brush = pad && pad.querySelector('button[aria-label=Brush]');
  if (!brush || brush.offsetParent === null) return;
  if (!pad.querySelector('button.highlight, button.selected')) brush.click();
}, 500);
const fit = (tries) => {  // open the zoom menu, then press its first entry, "Fit to screen"
  const pad = padOf(), entry = pad && pad.querySelector('.zoom-controls button');
  if (entry) { entry.click(); return; }
  if (tries === 20) pad?.querySelector('.zoom-number span[role=button]')?.click();
  if (tries > 0) setTimeout(() => fit(tries - 1), 100);
};
document.addEventListener('click', (e) => {
  if (e.target.closest?.(PAD + ' button[aria-label="Clear canvas"]')) setTimeout(() => fit(20), 200);
}, true);
"""
