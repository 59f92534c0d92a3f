import math
import time

from demos import live


def test_pacer_spreads_fast_runs_into_frames():
    pacer = live.Pacer(100, frames=10, min_seconds=0.1)
    due = [s for s in range(1, 101) if pacer.due(s)]
    assert due == list(range(10, 101, 10))


def test_pacer_by_time_always_shows_the_last_step():
    pacer = live.Pacer(1000, min_interval=10.0)
    assert not pacer.due(1) and pacer.due(1000)
    pacer.last -= 11
    assert pacer.due(2)


def test_time_budget():
    pacer = live.Pacer(10, budget=0.01)
    time.sleep(0.02)
    assert pacer.time_up()
    assert "0.01" in pacer.time_up_text("en") and "秒" in pacer.time_up_text("zh")


def test_finite_and_curves():
    assert live.finite([1, math.nan, math.inf, 2.5]) == [1.0, None, None, 2.5]
    fig = live.curves_figure({"train": [3, 2, 1], "test": [3.5, math.nan]}, "t", "epoch", "loss", log_y=True)
    assert [tr.name for tr in fig.data] == ["train", "test"]
    assert fig.data[1].y == (3.5, None) and fig.layout.yaxis.type == "log"


# ---- Stop (live.train_button) ----


class _Request:  # what the wiring reads of gr.Request
    def __init__(self, session: str):
        self.session_hash = session


def _call(coroutine):
    """Run a coroutine that awaits nothing (asyncio.run refuses inside the browser tests' event loop)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the coroutine awaited something")


def _wired(frames_made: list, closed: list):
    """A Train/Stop pair on a toy run of 5 frames; returns (arm, ask_stop, run) as Gradio calls them."""
    import gradio as gr

    def count(n):
        try:
            for i in range(n):
                frames_made.append(i)
                yield i
        finally:
            closed.append(True)

    with gr.Blocks() as demo:
        n = gr.Number(5)
        out = gr.Number()
        start, stop = gr.Button(), gr.Button()
        live.train_button(start, stop, count, [n], out, concurrency_id="toy")
    fns = {}
    for fn in demo.fns.values():
        fns.setdefault(fn.fn.__name__, fn)
    assert not any(getattr(fn, "cancels", None) for fn in demo.fns.values())
    run = fns["run"]
    assert (run.concurrency_limit, run.time_limit, run.concurrency_id) == (
        live.TRAIN_CONCURRENCY,
        live.TRAIN_SECONDS,
        "toy",
    )
    return fns["arm"].fn, fns["ask_stop"].fn, run.fn


def test_stop_ends_a_run_between_frames_and_closes_it():
    made, closed = [], []
    arm, ask_stop, run = _wired(made, closed)
    me, other = _Request("me"), _Request("other")
    _call(arm(me))
    frames = run(me, 5)
    assert next(frames) == 0
    _call(ask_stop(other))  # another page's Stop: not mine
    assert next(frames) == 1
    _call(ask_stop(me))
    assert list(frames) == []  # the frame computed after the Stop is not shown
    assert made == [0, 1, 2] and closed == [True]
    # the next Train starts afresh, and runs to the end
    _call(arm(me))
    assert list(run(me, 5)) == [0, 1, 2, 3, 4]
    assert not live._FLAGS  # nothing left behind


def test_stop_while_waiting_in_the_queue_runs_nothing_and_a_stop_when_idle_is_forgotten():
    made, closed = [], []
    arm, ask_stop, run = _wired(made, closed)
    me = _Request("me")
    _call(arm(me))  # Train clicked; the run waits for a free slot
    _call(ask_stop(me))
    assert list(run(me, 5)) == [] and made == []
    _call(ask_stop(me))  # Stop with nothing running
    _call(arm(me))
    assert list(run(me, 3)) == [0, 1, 2]


def test_a_second_train_click_while_running_keeps_the_flag():
    made, closed = [], []
    arm, ask_stop, run = _wired(made, closed)
    me = _Request("me")
    _call(arm(me))
    frames = run(me, 5)
    next(frames)
    _call(arm(me))  # the page skips the second run (trigger mode "once"), not its arm
    _call(ask_stop(me))
    assert list(frames) == []
