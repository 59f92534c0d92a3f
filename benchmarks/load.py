"""A classroom under load: many students dragging sliders and drawing digits while
a few train live, all through gradio_client against a local server (loopback only,
bounded in time and request count). Prints p50/p95/max latency and errors per endpoint.

    python benchmarks/load.py                      # 40 students, 2 training, 30 s
    python benchmarks/load.py --users 4 --trainers 1 --seconds 5    # the CI smoke setting

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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def run_user(url, kind, seed, clock, max_requests, think, digits, endpoints, rec, ready):
    """One student (or trainer) thread. It connects and (a student) sends a first event, both
    timed in rows of their own; clock["stop"] is set once everyone has done so, and the
    measured phase starts."""
    from gradio_client import Client

    r = random.Random(seed)
    actions = student_actions(digits, endpoints)
    t0 = time.perf_counter()
    try:
        client = Client(url, verbose=False, ssl_verify=False)
        rec.add("(connect)", time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 - counted, reported
        rec.add("(connect)", None, repr(e))
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
        if kind == "student":
            time.sleep(r.uniform(*think))


def endpoint_names(url: str) -> set[str]:
    with urllib.request.urlopen(url + "config", timeout=10) as resp:
        config = json.load(resp)
    return {"/" + d["api_name"] for d in config.get("dependencies", []) if d.get("api_name")}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app (default: start python app.py on a free port)")
    parser.add_argument("--users", type=int, default=40, help="students dragging sliders and drawing digits")
    parser.add_argument("--trainers", type=int, default=2, help="students training live at the same time")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the measured phase")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), help="pause between a student's events")
    parser.add_argument("--max-requests", type=int, default=200, help="per student, a bound on the run")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("loopback only: the load script never drives a remote server")

    proc = None
    url = args.url
    if url is None:
        proc, url = start_server()
    url = url if url.endswith("/") else url + "/"
    try:
        endpoints = endpoint_names(url)
        with tempfile.TemporaryDirectory() as tmp:
            digits = digit_files(Path(tmp))
            rec = Recorder()
            total = args.users + args.trainers
            ready = threading.Barrier(total + 1)
            clock = {"stop": float("inf")}
            threads = [
                threading.Thread(
                    target=run_user,
                    args=(
                        url,
                        "trainer" if i < args.trainers else "student",
                        i,
                        clock,
                        args.max_requests,
                        args.think,
                        digits,
                        endpoints,
                        rec,
                        ready,
                    ),
                    daemon=True,
                )
                for i in range(total)
            ]
            for th in threads:
                th.start()
            ready.wait()  # every client has connected: the measured phase starts
            clock["stop"] = time.monotonic() + args.seconds
            for th in threads:
                th.join(args.seconds + 120)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    rows = rec.table()
    print(
        f"{args.users} students (think {args.think[0]:g}-{args.think[1]:g} s) + {args.trainers} training, "
        f"{args.seconds:g} s, {url}"
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
    result = {"users": args.users, "trainers": args.trainers, "seconds": args.seconds, "rows": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
