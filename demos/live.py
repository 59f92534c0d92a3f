"""What every live-training tab shares: frame pacing, a time budget, finite
numbers for the browser, and the curves figure.

A browser redraws one or two Plotly figures in about 0.1-0.2 s on a modest
laptop (and in headless Chromium here), so streamed training yields a frame
at most every ``min_interval`` seconds; faster frames only pile up.
"""

from __future__ import annotations

import math
import os
import threading
import time

import gradio as gr
import plotly.graph_objects as go

from demos import offload, ui
from demos.i18n import register, t

register(
    {
        "live_time_up": (
            "已达到本次训练的时间上限（{seconds:g} 秒），训练停止；结果保留到目前为止。",
            "Stopped at this run's time limit ({seconds:g} s); the results so far are kept.",
        ),
    }
)

TRAIN_SECONDS = 60  # the longest a live training run may take, per click


def workers() -> int:
    """App processes behind one balancer: APP_WORKERS, set by `python -m deploy` (1 for `python app.py`)."""
    try:
        return max(1, int(os.environ.get("APP_WORKERS", "1")))
    except ValueError:
        return 1


def per_process(limit: int) -> int:
    """A limit for the whole machine split among its processes: ceil(limit / workers), at least 1,
    so N processes on these 2 cores run no more at once than one process did."""
    return max(1, -(-limit // workers()))


TRAIN_CONCURRENCY = per_process(4)  # live training runs at once, per tab (2 cores here), over all processes
# Event settings of a streamed training run (give each event its own concurrency_id).
TRAINING = {"concurrency_limit": TRAIN_CONCURRENCY, "time_limit": TRAIN_SECONDS, "api_visibility": "private"}


def train_button(start: gr.Button, stop: gr.Button, fn, inputs, outputs, *, concurrency_id: str, **settings):
    """Wire a Train button to the generator ``fn`` and a Stop button that ends it; returns
    ``(training, stopping)``, the two click events (chain on ``stopping`` to redraw after a Stop).

    Stop is cooperative: it raises a flag the run reads between frames, and the run ends as if
    finished, keeping its last frame. Gradio's own ``cancels=`` kills the event instead, and then
    6.31's page sometimes leaves an "Error" badge over the outputs for good (the cancelled run's
    end and the cancel's own race in the event stream), which students read as a crash.

    The run itself goes to a child process (demos/offload.py) when ``fn`` is a module-level function,
    off the interpreter that serves everyone's drags; closing it there kills the child.

    A click of Train first arms the flag (a quick event outside the queue), so a Stop while the
    run still waits for a free slot ends it before its first frame. One flag per page (Gradio's
    session) and Train button (``concurrency_id``); a second Train while one runs is skipped by
    the page (trigger mode "once") and keeps the flag."""
    key = concurrency_id

    async def arm(request: gr.Request):
        _flag(request, key, create=True)

    async def ask_stop(request: gr.Request):
        flag = _flag(request, key)
        if flag is not None:
            flag.set()

    offloaded = offload.sendable(fn)

    def run(request: gr.Request, *args):
        flag = _flag(request, key, create=True)
        # a generator either way: nothing runs (and no process starts) before the first next()
        frames = offload.stream(fn, *args) if offloaded and offload.enabled() else fn(*args)
        try:
            if flag.is_set():  # stopped while it waited in the queue
                return
            for frame in frames:
                if flag.is_set():  # computed after the Stop: not shown
                    return
                yield frame
        finally:
            frames.close()  # ends the tab's loop at its current frame (GeneratorExit)
            with _FLAGS_LOCK:
                if _FLAGS.get((_session(request), key)) is flag:
                    del _FLAGS[(_session(request), key)]

    private = {"api_visibility": "private", "show_progress": "hidden"}
    training = start.click(arm, None, None, queue=False, **private).then(
        run, inputs, outputs, concurrency_id=concurrency_id, **{**TRAINING, **settings}
    )
    stopping = stop.click(ask_stop, None, None, queue=False, **private)
    return training, stopping


_FLAGS: dict[tuple[str, str], threading.Event] = {}  # (session, Train button) -> its Stop flag
_FLAGS_LOCK = threading.Lock()


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or ""


def _flag(request: gr.Request | None, key: str, create: bool = False) -> threading.Event | None:
    with _FLAGS_LOCK:
        if create:
            return _FLAGS.setdefault((_session(request), key), threading.Event())
        return _FLAGS.get((_session(request), key))


class Pacer:
    """Decides when a training loop yields a frame, and keeps it within a time budget.

    ``due(step, last)`` is true for the last step, and otherwise when at least
    ``min_interval`` seconds passed since the previous frame. For computations
    that finish in a blink, ``min_seconds`` stretches the run into about
    ``frames`` evenly spaced frames so the curve visibly grows.
    """

    def __init__(
        self,
        steps: int,
        frames: int = 20,
        min_interval: float = 0.15,
        min_seconds: float = 0.0,
        budget: float = TRAIN_SECONDS,
    ):
        self.steps = max(1, steps)
        self.stride = max(1, math.ceil(self.steps / frames))
        self.min_interval = min_interval
        self.delay = min_seconds / frames if min_seconds else 0.0
        self.budget = budget
        self.start = self.last = time.monotonic()

    def due(self, step: int) -> bool:
        """Step is 1-based; the final step is always due."""
        if step >= self.steps:
            return True
        if self.delay:  # paced by step count, with a pause after each frame
            return step % self.stride == 0
        return time.monotonic() - self.last >= self.min_interval

    def shown(self) -> None:
        """Call right after yielding a frame."""
        if self.delay:
            time.sleep(self.delay)
        self.last = time.monotonic()

    def time_up(self) -> bool:
        return time.monotonic() - self.start > self.budget

    def time_up_text(self, lang: str) -> str:
        return t("live_time_up", lang, seconds=self.budget)


def finite(values) -> list[float]:
    """Floats safe for JSON (NaN and infinities cannot cross to the browser); non-finite become None."""
    return [float(v) if math.isfinite(v) else None for v in values]


def curves_figure(
    curves: dict[str, list[float]], title: str, x: str, y: str, log_y: bool = False, height: int = 380
) -> go.Figure:
    """One line per named curve against its 1-based index (epoch, step, ...)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(values) + 1)),
                y=finite(values),
                mode="lines",
                name=name,
                line={"color": ui.COLORS[i % len(ui.COLORS)], "width": 3},
            )
        )
    ui.style(fig, title, x, y, height=height)
    if log_y:
        fig.update_yaxes(type="log")
    return fig
