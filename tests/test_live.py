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
