"""A classroom under load: many students dragging sliders and drawing digits while
a few train live, all through gradio_client against a local server (loopback only,
bounded in time and request count). Prints p50/p95/max latency and errors per endpoint.

    python benchmarks/load.py                      # 40 students, 2 training, 30 s
    python benchmarks/load.py --users 4 --trainers 1 --seconds 5    # the CI smoke setting
    python benchmarks/load.py --users 100 --hall 2 --kill-after 10  # 2 processes behind HAProxy, one killed

Each student is a closed loop: send one event, wait for its answer, think for a
moment (uniform in --think seconds), repeat; this is how a dragged slider behaves
with trigger_mode="always_last" (at most one event in flight per student). The
events are the tabs' own: the L2 weight slider's redraw and the draw tab's stroke
event, both callable by name (undocumented). Connecting and a session's first event
(which opens its event stream) are timed in rows of their own, before the measured phase.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy import hall, haproxy  # noqa: E402
from deploy.hall import free_port  # noqa: E402  (the one free-port helper; startup.py and the tests use it too)


def start_server(timeout: float = 90.0, script: str | Path = "app.py") -> tuple[subprocess.Popen, str]:
    """`python app.py` (or another Gradio script) on a free loopback port; returns (process, url) once it serves."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the app did not start within {timeout:.0f} s")


def start_hall(workers: int) -> tuple[subprocess.Popen, str, Path]:
    """N processes behind HAProxy (`python -m deploy`) on a free loopback port: (launcher, url, run dir)."""
    run_dir = Path(tempfile.mkdtemp(prefix="bench-hall-"))
    launcher, url = hall.spawn(workers, run_dir)
    return launcher, url, run_dir


def hall_pids(run_dir: Path) -> list[int]:
    """The balancer's and the workers' process ids, from the launcher's hall.json."""
    state = json.loads((run_dir / "hall.json").read_text())
    return [state["balancer"], *(w["pid"] for w in state["workers"])]


stop_hall = hall.stop


def digit_files(directory: Path, count: int = 20) -> list[str]:
    """A few committed test digits as 280x280 PNGs, black ink on white, as a student draws."""
    import numpy as np
    from PIL import Image

    sample = np.load(ROOT / "tests" / "data" / "mnist_test_sample.npz")
    paths = []
    for i in range(count):
        ink = sample["x"][i].astype(np.uint8)  # (28, 28), 255 = ink
        image = Image.fromarray(255 - ink).resize((280, 280), Image.Resampling.BILINEAR)
        path = directory / f"digit{i}.png"
        image.save(path)
        paths.append(str(path))
    return paths


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}
        self.failures: list[tuple[float, str]] = []  # (monotonic time, the failed session's process)
        self.pinned: dict[int, str] = {}  # user number -> the process its session is pinned to

    def fail(self, when: float, server: str) -> None:
        with self.lock:
            self.failures.append((when, server))

    def add(self, name: str, seconds: float | None, error: str | None = None) -> None:
        with self.lock:
            self.latency.setdefault(name, [])
            self.errors.setdefault(name, [])
            if error is None:
                self.latency[name].append(seconds)
            else:
                self.errors[name].append(error)

    def table(self) -> list[dict]:
        rows = []
        for name in sorted(self.latency):
            xs = sorted(self.latency[name])
            n = len(xs)
            rows.append(
                {
                    "endpoint": name,
                    "ok": n,
                    "errors": len(self.errors[name]),
                    "p50": statistics.median(xs) if xs else None,
                    "p95": xs[min(n - 1, int(0.95 * n))] if xs else None,
                    "max": xs[-1] if xs else None,
                }
            )
        return rows


MODELS = ("mlp", "lecture_cnn", "best_cnn")


def student_actions(digits: list[str], endpoints: set[str]):
    """The events a student sends, as (endpoint name, args) makers."""
    from gradio_client import handle_file

    actions = [("/linear_model_view", lambda r: (round(r.uniform(0, 4), 2), round(r.uniform(-2, 2), 2), "en"))]
    if "/draw_digit_view" in endpoints and digits:  # a stroke on the pad: the tab's own event, feature maps and all

        def stroke(r):
            drawing = handle_file(r.choice(digits))
            return {"background": None, "layers": [], "composite": drawing}, r.choice(MODELS), "en"

        actions.append(("/draw_digit_view", stroke))
    return actions


def trainer_action(r: random.Random):
    """A live-training-sized job: the sigmoid fit of Lee P2-3, 3000 Adam steps."""
    return "/sigmoids_fit", ("lee", "sigmoid", 6, r.randrange(1000), 3000, 0.05)


def connect(url: str, rec: Recorder, row: str = "(connect)"):
    """A new session, as a page open or a reload gives one: (client, the process it is pinned to)."""
    from gradio_client import Client

    t0 = time.perf_counter()
    try:
        client = Client(url, verbose=False, ssl_verify=False)
    except Exception as e:  # noqa: BLE001 - counted, reported
        rec.add(row, None, repr(e)[:200])
        return None, None
    rec.add(row, time.perf_counter() - t0)
    return client, client.cookies.get(haproxy.COOKIE, "-")


def run_user(url, kind, seed, clock, max_requests, think, digits, endpoints, rec, ready):
    """One student (or trainer) thread. It connects and (a student) sends a first event, both
    timed in rows of their own; clock["stop"] is set once everyone has done so, and the
    measured phase starts. A failed event in that phase is followed by a reload (a new
    session, as a browser's reload gives), timed as "(reload)"."""
    r = random.Random(seed)
    actions = student_actions(digits, endpoints)
    client, server = connect(url, rec)
    rec.pinned[seed] = server
    if client is None:
        ready.wait()
        return
    if kind == "student":  # a session's first event also opens its event stream: timed apart
        name, make = r.choice(actions)
        t0 = time.perf_counter()
        try:
            client.predict(*make(r), api_name=name)
            rec.add("(first event)", time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - counted, reported
            rec.add("(first event)", None, repr(e)[:200])
    ready.wait()
    if kind == "student":  # students do not all click in the same millisecond: start within one think time
        time.sleep(r.uniform(0, think[1]))
    for _ in range(max_requests):
        if time.monotonic() >= clock["stop"]:
            break
        if kind == "trainer":
            name, args = trainer_action(r)
        else:
            name, make = r.choice(actions)
            args = make(r)
        t0 = time.perf_counter()
        try:
            client.predict(*args, api_name=name)
            rec.add(name, time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - counted, reported
            rec.add(name, None, repr(e)[:200])
            rec.fail(time.monotonic(), server)
            client, server = connect(url, rec, "(reload)")
            if client is None:
                return
        if kind == "student":
            time.sleep(r.uniform(*think))


def endpoint_names(url: str) -> set[str]:
    with urllib.request.urlopen(url + "config", timeout=10) as resp:
        config = json.load(resp)
    return {"/" + d["api_name"] for d in config.get("dependencies", []) if d.get("api_name")}


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app (default: start python app.py on a free port)")
    parser.add_argument("--users", type=int, default=40, help="students dragging sliders and drawing digits")
    parser.add_argument("--trainers", type=int, default=2, help="students training live at the same time")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the measured phase")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), help="pause between a student's events")
    parser.add_argument("--max-requests", type=int, default=200, help="per student, a bound on the run")
    parser.add_argument("--hall", type=int, metavar="N", help="start N processes behind HAProxy (python -m deploy)")
    parser.add_argument(
        "--kill-after",
        type=float,
        metavar="S",
        help="with --hall: SIGKILL the first trainer's process S s into the run",
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("loopback only: the load script never drives a remote server")
    if args.kill_after is not None and not args.hall:
        parser.error("--kill-after needs --hall")
    return args


def run_class(url: str, args, kill=None) -> tuple[Recorder, dict]:
    """Every student's thread, the measured phase, and (kill) a worker killed in the middle of it."""
    endpoints = endpoint_names(url)
    with tempfile.TemporaryDirectory() as tmp:
        digits = digit_files(Path(tmp))
        rec = Recorder()
        total = args.users + args.trainers
        ready = threading.Barrier(total + 1)
        clock = {"stop": float("inf")}
        common = (clock, args.max_requests, args.think, digits, endpoints, rec, ready)
        kinds = ["trainer" if i < args.trainers else "student" for i in range(total)]
        threads = [
            threading.Thread(target=run_user, args=(url, k, i, *common), daemon=True) for i, k in enumerate(kinds)
        ]
        for th in threads:
            th.start()
        ready.wait()  # every client has connected: the measured phase starts
        start = time.monotonic()
        clock["stop"] = start + args.seconds
        fault = {}
        if kill:
            time.sleep(args.kill_after)
            fault = kill(rec) | {"at": time.monotonic()}
        for th in threads:
            th.join(args.seconds + 120)
    return rec, fault


def fault_summary(rec: Recorder, fault: dict) -> dict:
    """What the kill cost: failed events, on the killed process and elsewhere, and for how long."""
    on_it = [when for when, server in rec.failures if server == fault["name"]]
    elsewhere = [when for when, server in rec.failures if server != fault["name"]]
    reloads = sorted(rec.latency.get("(reload)", []))
    return {
        "killed": fault["name"],
        "failed_on_killed": len(on_it),
        "failed_elsewhere": len(elsewhere),
        "failing_seconds": max(on_it) - fault["at"] if on_it else 0.0,
        "reloads": len(reloads),
        "reload_errors": len(rec.errors.get("(reload)", [])),
        "reload_p50": statistics.median(reloads) if reloads else None,
    }


def print_result(args, url: str, rows: list[dict], rec: Recorder, fault: dict | None) -> None:
    print(
        f"{args.users} students (think {args.think[0]:g}-{args.think[1]:g} s) + {args.trainers} training, "
        f"{args.seconds:g} s, {url}" + (f" (a hall of {args.hall})" if args.hall else "")
    )
    print(f"{'endpoint':<22}{'ok':>6}{'errors':>8}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for row in rows:
        fmt = lambda v: f"{v:9.3f}" if v is not None else f"{'-':>9}"  # noqa: E731
        print(
            f"{row['endpoint']:<22}{row['ok']:>6}{row['errors']:>8}{fmt(row['p50'])}{fmt(row['p95'])}{fmt(row['max'])}"
        )
    for name, errors in rec.errors.items():
        for e in errors[:3]:
            print(f"  error in {name}: {e}")
    if fault:
        print(
            f"killed {fault['killed']}: {fault['failed_on_killed']} events failed on it over "
            f"{fault['failing_seconds']:.1f} s, {fault['failed_elsewhere']} elsewhere; {fault['reloads']} reloads "
            f"({fault['reload_errors']} failed), p50 {fault['reload_p50'] or 0:.2f} s"
        )


def main(argv=None) -> dict:
    args = parse(argv)
    proc, url, run_dir = None, args.url, None
    if args.hall:
        proc, url, run_dir = start_hall(args.hall)
    elif url is None:
        proc, url = start_server()
    url = url if url.endswith("/") else url + "/"

    def kill(rec: Recorder) -> dict:
        """SIGKILL the process of user 0 (a trainer when there are trainers: mid-run, the worst case)."""
        workers = json.loads((run_dir / "hall.json").read_text())["workers"]
        name = rec.pinned.get(0, workers[0]["name"])
        victim = next((w for w in workers if w["name"] == name), workers[0])
        os.kill(victim["pid"], signal.SIGKILL)
        return {"name": victim["name"]}

    try:
        rec, fault = run_class(url, args, kill if args.kill_after is not None else None)
    finally:
        if proc is not None and args.hall:
            stop_hall(proc)
        elif proc is not None:
            proc.terminate()
            proc.wait(10)
    rows = rec.table()
    summary = fault_summary(rec, fault) if fault else None
    print_result(args, url, rows, rec, summary)
    result = {"users": args.users, "trainers": args.trainers, "seconds": args.seconds, "hall": args.hall}
    result |= {"rows": rows, "fault": summary}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
