"""The load script runs in CI with a small, fast setting, so it cannot rot."""

from __future__ import annotations

import gc
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import would: load.py's senders' process finds its function by name
    spec.loader.exec_module(module)
    return module


def test_load_script_small_run(server_url, capsys):
    """The scenario twice on the test server, without and with 3 students sending to a class (the
    issue's comparison, small): every send answered, and the class keeps exactly the sends that succeeded."""
    load = load_module("load")
    argv = ["--url", server_url, "--users", "3", "--trainers", "1", "--seconds", "3", "--think", "0.1", "0.3"]
    result = load.main([*argv, "--senders", "3", "--send-every", "0.5", "1", "--compare-senders"])
    without, with_ = result["without"], result["with"]
    assert without["senders"] == 0 and without["sends"] is None and with_["senders"] == 3
    for run in (without, with_):
        rows = {row["endpoint"]: row for row in run["rows"]}
        assert "/linear_model_view" in rows and "/sigmoids_fit" in rows and "(connect)" in rows
        for row in rows.values():
            assert row["errors"] == 0, row
            assert row["ok"] >= 1 and 0 < row["p50"] <= row["p95"] <= row["max"]
    rows = {row["endpoint"]: row for row in with_["rows"]}
    assert "/class_submit" not in {row["endpoint"] for row in without["rows"]}
    assert rows["(class join)"]["ok"] == 3 and rows["(class create)"]["ok"] == 1
    sends = result["sends"]
    # the first send within 1 s, then one every 0.5-1 s: at least 2 each in 3 s, rotating over the activities
    assert sends["senders"] == sends["students"] == 3 and sends["failed"] == 0 and sends["ok"] >= 6
    assert sends["ok"] == rows["/class_submit"]["ok"]
    assert sends["kept"] == sends["ok"], sends  # nothing lost, nothing stored twice
    assert set(sends["counts"]) == set(load.ACTIVITIES) and min(sends["counts"].values()) >= 1, sends
    assert set(result["comparison"]) == {"/linear_model_view", "/draw_digit_view", "/class_submit", "cpu"}
    assert with_["cpu"]["server_cores"] is None and with_["cpu"]["generator_cores"] > 0  # --url: no server pid
    assert gc.isenabled()  # the generator's collector, off while measuring, is on again
    out = capsys.readouterr().out
    assert "p95" in out and "/linear_model_view" in out and "ratio" in out
    assert f"sends kept: {sends['kept']} of {sends['ok']}" in out


def test_load_script_alternating_windows(server_url, capsys):
    """--alternate: one run whose senders send only in every other window; the students' events are
    split by the window they were sent and answered in, and the class keeps every send."""
    load = load_module("load")
    argv = ["--url", server_url, "--users", "3", "--trainers", "0", "--seconds", "7.5", "--think", "0.1", "0.3"]
    result = load.main([*argv, "--senders", "2", "--send-every", "0.3", "0.6", "--alternate", "2.5"])
    without, with_ = result["windows"]
    assert len(result["runs"]) == 1 and result["measured_start"] > 0  # time.monotonic() of the measured phase
    assert without.get("/linear_model_view") and with_.get("/linear_model_view")
    assert result["sends"]["ok"] >= 2 and result["sends"]["kept"] == result["sends"]["ok"]
    assert result["sends"]["failed"] == 0
    c = result["comparison"]["/linear_model_view"]
    assert c["ok_without"] == len(without["/linear_model_view"]) and c["ratio"] > 0
    assert "every other 2.5 s window" in capsys.readouterr().out


def test_load_windows_split_the_measured_events():
    """Sends only in odd windows; an event counts from WINDOW_GUARD s into its window, if answered inside it."""
    load = load_module("load")
    clock = {"start": 100.0}
    assert [load.sending_at(100.0 + t, clock, 10.0) for t in (0, 9.9, 10, 19.9, 20, 35)] == [
        False, False, True, True, False, True,
    ]  # fmt: skip
    assert load.sending_at(100.0, clock, None)  # no --alternate: always
    timed = [
        ("/d", 100.5, 0.1),  # in the first second of window 0: left out
        ("/d", 102.0, 0.2),  # window 0
        ("/d", 109.5, 0.6),  # answered in window 1: left out
        ("/d", 111.0, 0.3),  # window 1
        ("/x", 125.0, 1.0),  # window 2
    ]
    assert load.split_by_window(timed, 100.0, 10.0) == [{"/d": [0.2], "/x": [1.0]}, {"/d": [0.3]}]


def test_load_script_refuses_remote_servers():
    load = load_module("load")
    with pytest.raises(SystemExit):
        load.main(["--url", "https://example.org/"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--compare-senders"],
        ["--senders", "3", "--send-every", "2", "1"],
        ["--senders", "3", "--pairs", "0"],
        ["--alternate", "10"],
        ["--senders", "3", "--alternate", "2"],
        ["--senders", "3", "--alternate", "10", "--compare-senders"],
    ],
)
def test_load_script_refuses_bad_sender_options(argv):
    load = load_module("load")
    with pytest.raises(SystemExit):
        load.main(argv)


@pytest.mark.browser  # records a real Chromium window's page open before replaying it
def test_page_open_script_small_run(server_url):
    """Three page opens replayed at once and one alone against the test server (no pid: no CPU figure)."""
    page_open = load_module("page_open")
    result = page_open.main(["--url", server_url, "--students", "3", "--alone", "1"])
    alone, together = result["rows"]
    assert together["students"] == 3 and alone["cpu_per_open"] is None
    for row in (alone, together):
        assert row["errors"] == 0, row["error_texts"]
        assert 0 < row["seconds"]["p50"] <= row["seconds"]["max"] < 120
        assert row["mb_per_open"] > 0.5  # the page, its scripts and styles: a replay that sent nothing would fail
    assert min(result["browser"]["requests"]) > 20
    assert 0 < result["browser"]["shown"]["p50"] < result["browser"]["answer"]["p50"]


def test_page_open_script_refuses_remote_servers():
    page_open = load_module("page_open")
    with pytest.raises(SystemExit):
        page_open.main(["--url", "https://example.org/"])


@pytest.mark.browser
def test_browser_feel_script_small_run(server_url, tmp_path):
    """Two L2 steps, one digit and two tabs in each language, against the test server and a bare page.
    In a child process: Playwright's sync API refuses to start inside this session's (pytest-playwright's)."""
    out = tmp_path / "feel.json"
    args = ["--url", server_url, "--tabs", "linear_model", "names", "--reps", "1", "--steps", "2", "--strokes", "1"]
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "browser_feel.py"), *args, "--quiet", "0.5", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["bare"]["n"] == 2 and result["l2"]["step"]["n"] == 2
    # a step is seen only once the page shows the new w: never before the Enter key
    assert 0 < result["bare"]["p50"] and 0 < result["l2"]["step"]["p50"] <= result["l2"]["step"]["max"]
    assert 0 < result["draw"]["top3"]["p50"] <= result["draw"]["drawn"]["p50"]
    assert set(result["tabs"]) == {"linear_model", "names"}
    for by_lang in result["tabs"].values():
        assert set(by_lang) == {"en", "zh"}
        for row in by_lang.values():
            assert row["n"] == 1 and 0 <= row["p50"] < 60
    assert result["tabs"]["linear_model"]["zh"]["figures"] == 3  # the line, the curve, the surface
    assert "ratio to bare" in run.stdout


def test_load_clients_take_their_messages_as_they_come():
    """gradio_client polls for an event's messages every 50 ms, which rounded every measured latency up
    to its next 50 ms tick; the load script's clients poll every few ms, as near a browser as it gets."""
    import time
    import types

    from gradio_client import utils

    load = load_module("load")
    load.poll_like_a_browser()
    load.poll_like_a_browser()  # once is enough: not wrapped twice
    assert isinstance(utils.time, load._FinerSleep) and not isinstance(utils.time._module, load._FinerSleep)
    assert utils.time.perf_counter is time.perf_counter  # the rest of the time module as it was
    slept = []
    finer = load._FinerSleep(types.SimpleNamespace(sleep=slept.append))
    finer.sleep(0.05)  # what stream_sse_v1plus sleeps between looks
    finer.sleep(0.001)
    assert slept == [load.POLL, 0.001] and load.POLL <= 0.005


def test_load_senders_post_as_a_page_does(client, server_url):
    """A sender's send is one POST, as a page's "Send to class" (a direct event): a kept send passes,
    a refusal is the app's message (counted as a refusal, the session kept), not a lost connection."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    load = load_module("load")
    code = client.predict("", api_name="/class_create")["code"]
    page = Client(server_url, verbose=False, ssl_verify=False)
    member = page.predict(code, "", api_name="/class_join")
    data = [code, member["student"], member["student_token"], "linear", {"w": 1.0, "b": 0.0}]
    with load.page_http(server_url, page) as http:
        load.post_send(http, page, data)
        with pytest.raises(AppError, match="not a student of this class"):
            load.post_send(http, page, [*data[:2], "wrong", *data[3:]])
    assert client.predict(code, api_name="/class_summary")["counts"]["linear"] == 1
