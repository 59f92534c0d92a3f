"""The lecture hall (`python -m deploy`): two app processes behind HAProxy, started for real.

HAProxy must be installed (`.ci/run` installs it as it installs Chromium): these tests fail, never
skip, without it. What they check: sticky sessions by the balancer's cookie (a session's events all
reach one process, in the browser and through gradio_client), Gradio's files compressed once and
then served from the balancer's cache, and a killed process replaced while its students carry on.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from browser_tools import ONE, open_draw_tab, open_tab, set_number, stroke
from playwright.sync_api import Page, expect

from demos import live
from demos.basics import linear_model
from deploy import hall as deploy_hall
from deploy import haproxy

ROOT = Path(__file__).resolve().parents[1]
LOG_LINE = re.compile(r'^\S+ (?P<server>\S+) (?P<status>-?\d+) \S+ \S+ (?P<cookie>\S*) "(?P<request>[^"]*)"')


def require_haproxy() -> None:
    if shutil.which("haproxy") is None:
        pytest.fail(deploy_hall.INSTALL_HAPROXY, pytrace=False)


class Hall:
    """A running `python -m deploy --workers 2` on a free port."""

    def __init__(self, run_dir: Path):
        require_haproxy()
        self.run_dir = run_dir
        self.proc, self.url = deploy_hall.spawn(2, run_dir)

    def launcher_output(self) -> str:
        return (self.run_dir / "launcher.out").read_text(errors="replace")

    def workers(self) -> list[dict]:
        return json.loads((self.run_dir / "hall.json").read_text())["workers"]

    def log(self) -> list[dict]:
        """The balancer's request log: server ('w1', 'w2', '<CACHE>', '<NOSRV>'), status, cookie, request."""
        lines = (self.run_dir / "haproxy.log").read_text(errors="replace").splitlines()
        return [m.groupdict() for m in map(LOG_LINE.match, lines) if m]

    def log_until(self, start: int, done, timeout: float = 10.0) -> list[dict]:
        """The log's entries from index start on, once done(entries) holds: HAProxy writes a request's
        line when its answer has gone out, a moment after the client has read it."""
        deadline = time.monotonic() + timeout
        while not done(entries := self.log()[start:]) and time.monotonic() < deadline:
            time.sleep(0.1)
        return entries

    def get(self, path: str, headers: dict | None = None):
        request = urllib.request.Request(self.url.rstrip("/") + path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read()  # headers: case-insensitive

    def stop(self) -> None:
        deploy_hall.stop(self.proc)


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    running = Hall(tmp_path_factory.mktemp("hall"))
    yield running
    running.stop()
    for w in running.workers():  # the launcher stops its workers
        assert not Path(f"/proc/{w['pid']}").exists() or "zombie" in Path(f"/proc/{w['pid']}/status").read_text()


def test_the_generated_config_is_valid_haproxy(tmp_path):
    require_haproxy()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(haproxy.config(haproxy.Hall(8080, (7001, 7002, 7003))))
    check = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    text = cfg.read_text()
    assert text.count("server w") == 3 and "cookie lecture_hall insert" in text and "balance source" not in text


def test_without_haproxy_it_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert deploy_hall.main(["--workers", "2", "--port", "8080"]) == 2
    err = capsys.readouterr().err
    assert "apt-get install haproxy" in err and "python app.py" in err


def test_bad_arguments_are_refused(capsys):
    for argv in (["--workers", "0"], ["--port", "70000"], ["--workers", "two"]):
        with pytest.raises(SystemExit) as exit_info:
            deploy_hall.main(argv)
        assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err


@pytest.mark.parametrize(
    "workers,expected", [("1", (8, 4)), ("2", (4, 2)), ("3", (3, 2)), ("8", (1, 1)), ("x", (8, 4))]
)
def test_concurrency_limits_are_split_among_the_processes(monkeypatch, workers, expected):
    # N processes on the same cores run no more events at once than one process did: ceil(limit / N)
    monkeypatch.setenv("APP_WORKERS", workers)
    assert (live.per_process(8), live.per_process(4)) == expected


def test_an_api_client_keeps_to_one_process(hall):
    from gradio_client import Client

    before = len(hall.log())
    for _ in range(2):  # two clients: each gets its own cookie, and leastconn gives them both processes
        client = Client(hall.url, verbose=False)
        assert client.cookies.get(haproxy.COOKIE) in ("w1", "w2")
        assert client.predict(2.0, 0.0, api_name="/linear_mse") == pytest.approx(linear_model.mse(2.0, 0.0))
    both = lambda entries: {e["server"] for e in entries if e["cookie"] in ("w1", "w2")} == {"w1", "w2"}  # noqa: E731
    mine = [e for e in hall.log_until(before, both) if e["cookie"] != "-"]
    assert mine, hall.log()[before:]
    assert all(e["server"] == e["cookie"] for e in mine), mine  # every request went where its cookie says
    assert {e["server"] for e in mine} == {"w1", "w2"}


def test_a_class_is_the_same_on_every_process(hall):
    """Class mode's database is one file the hall's processes share: a class started through one
    process is joined, sent to and summed up through the other."""
    from gradio_client import Client

    by_process = {}
    for _ in range(8):  # each new client gets a process by leastconn: collect one of each
        client = Client(hall.url, verbose=False)
        by_process.setdefault(client.cookies.get(haproxy.COOKIE), client)
        if {"w1", "w2"} <= set(by_process):
            break
    one, two = by_process["w1"], by_process["w2"]
    made = one.predict("", api_name="/class_create")
    me = two.predict(made["code"], "x", api_name="/class_join")
    two.predict(
        made["code"], me["student"], me["student_token"], "linear", {"w": 2.5, "b": 0}, api_name="/class_submit"
    )
    summary = one.predict(made["code"], api_name="/class_summary")
    assert summary["students"] == 1 and summary["linear"][0]["w"] == 2.5


def test_the_page_goes_out_compressed(hall):
    # Gradio compresses only paths with a file extension; the balancer compresses the 1.7 MB page
    status, headers, body = hall.get("/", {"Accept-Encoding": "gzip"})
    page = gzip.decompress(body)
    assert status == 200 and headers["Content-Encoding"] == "gzip" and len(body) < len(page) / 2
    assert b"gradio" in page
    _, headers, plain = hall.get("/", {"Accept-Encoding": "identity"})  # a client that asks for none gets none
    assert headers["Content-Encoding"] is None and plain.startswith(b"<!doctype html>")


def test_gradio_files_are_compressed_once_then_served_from_the_cache(hall):
    page = hall.get("/")[2].decode()
    asset = re.search(r"/assets/[\w.-]+\.js", page).group(0)
    bodies = [hall.get(asset, {"Accept-Encoding": "gzip, deflate, br"}) for _ in range(3)]
    assert all(status == 200 and headers.get("Content-Encoding") in ("br", "gzip") for status, headers, _ in bodies)
    assert bodies[0][2] == bodies[1][2] == bodies[2][2]
    entries = hall.log_until(0, lambda es: sum(asset in e["request"] for e in es) >= 3)
    served = [e["server"] for e in entries if asset in e["request"]]
    assert served[-2:] == ["<CACHE>", "<CACHE>"], served  # no process compressed it again


@pytest.mark.browser  # starts a real Chromium
def test_a_page_through_the_balancer_keeps_to_one_process(hall, page: Page):
    """Its queued events and its direct ones (a class send: one POST, which needs the session's
    membership on the process that holds it) all reach the process its cookie names."""
    from gradio_client import Client

    code = Client(hall.url, verbose=False).predict("", api_name="/class_create")["code"]
    expect.set_options(timeout=20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{hall.url}?lang=en&class={code}")
    expect(page.locator("#app-title")).to_contain_text("Interactive Lectures", timeout=30_000)
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}[haproxy.COOKIE]
    page.locator("#cls-join").click()
    expect(page.locator("#cls-joined")).to_contain_text(f"You joined class {code} as student 1")
    open_tab(page, linear_model)
    set_number(page, "lin-w", 2.5)
    expect(page.locator("#lin-mse")).to_contain_text(f"MSE = {linear_model.mse(2.5, 0.0):.4f}")
    page.locator("#cls-send-btn-linear").click()
    expect(page.locator("#cls-sent-linear")).to_contain_text(f"Sent to class {code}")
    open_draw_tab(page)
    stroke(page, ONE)
    expect(page.locator("#dd-status")).to_contain_text("1: the three models agree")
    ours = lambda entries: [e for e in entries if e["cookie"] == cookie and "/gradio_api/" in e["request"]]  # noqa: E731
    events = ours(hall.log_until(0, lambda entries: len(ours(entries)) >= 5))
    assert len(events) >= 5 and {e["server"] for e in events} == {cookie}, events
    assert any("/gradio_api/run/" in e["request"] for e in events), events  # the send, direct
    assert not errors, errors


def test_a_killed_process_is_replaced_and_its_students_carry_on(hall):
    victim = hall.workers()[0]
    os.kill(victim["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while hall.workers()[0]["starts"] < 2:  # the launcher saw it exit and starts it again
        assert time.monotonic() < deadline, hall.launcher_output()
        time.sleep(0.2)
    assert "exited with code -9: starting it again" in hall.launcher_output()
    # meanwhile a student whose cookie names it reloads: the page comes from the other process
    before = len(hall.log())
    status, _, body = hall.get("/", {"Cookie": f"{haproxy.COOKIE}={victim['name']}"})
    assert status == 200 and b"gradio" in body
    pages = lambda entries: [e["server"] for e in entries if e["request"].startswith("GET / ")]  # noqa: E731
    assert pages(hall.log_until(before, pages)) == ["w2"]
    # back in the rotation once it serves again and its health check passes (every second)
    deadline = time.monotonic() + 120
    while True:
        before = len(hall.log())
        hall.get("/robots.txt", {"Cookie": f"{haproxy.COOKIE}={victim['name']}"})
        if [e["server"] for e in hall.log_until(before, len)] == [victim["name"]]:
            break
        assert time.monotonic() < deadline, hall.log()[-5:]
        time.sleep(1)


def test_the_fault_run_counts_what_a_killed_process_cost():
    # benchmarks/load.py's fault run, small: a trainer and 4 students on a hall of 2; the trainer's process
    # is killed 3 s in, in the middle of its 3000-step fit
    require_haproxy()
    spec = importlib.util.spec_from_file_location("load", ROOT / "benchmarks" / "load.py")
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    argv = ["--hall", "2", "--users", "4", "--trainers", "1", "--seconds", "10", "--think", "0.1", "0.3"]
    result = load.main([*argv, "--kill-after", "3"])
    fault, rows = result["fault"], {row["endpoint"]: row for row in result["rows"]}
    assert fault["killed"] in ("w1", "w2") and fault["failed_elsewhere"] == 0, fault
    # each failed event is followed by one reload: a new session on the process still up
    assert fault["failed_on_killed"] >= 1 and fault["failed_on_killed"] == fault["reloads"] + fault["reload_errors"]
    assert fault["reload_errors"] == 0 and rows["(reload)"]["ok"] >= 1, fault
    assert rows["/linear_model_view"]["ok"] > 10
