"""What every live-training tab shares: frame pacing, a time budget, finite
numbers for the browser, and the curves figure.

A browser redraws one or two Plotly figures in about 0.1-0.2 s on a modest
laptop (and in headless Chromium here), so streamed training yields a frame
at most every ``min_interval`` seconds; faster frames only pile up.
"""

from __future__ import annotations

import math
import os
import time

import plotly.graph_objects as go

from demos import ui
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
