"""A classroom under load: many students dragging sliders and drawing digits while
a few train live, all through gradio_client against a local server (loopback only,
bounded in time and request count). Prints p50/p95/max latency and errors per endpoint.

    python benchmarks/load.py                      # 40 students, 2 training, 30 s
    python benchmarks/load.py --users 4 --trainers 1 --seconds 5    # the CI smoke setting
    python benchmarks/load.py --users 100 --hall 2 --kill-after 10  # 2 processes behind HAProxy, one killed
    python benchmarks/load.py --senders 100 --compare-senders      # + 100 students sending to a class, vs none
    python benchmarks/load.py --senders 100 --compare-senders --pairs 2   # ... twice, in alternating order
    python benchmarks/load.py --senders 100 --seconds 180 --alternate 10  # ... in one run: sends every other 10 s

Each student is a closed loop: send one event, wait for its answer, think for a
moment (uniform in --think seconds), repeat; this is how a dragged slider behaves
with trigger_mode="always_last" (at most one event in flight per student). The
events are the tabs' own: the L2 weight slider's redraw and the draw tab's stroke
event, both callable by name (undocumented). Connecting and a session's first event
(which opens its event stream) are timed in rows of their own, before the measured phase.

Class mode (--senders N): once the students have connected (as without senders), one class
is started (/class_create) and N more students connect and join it (/class_join), a few at a
time (rows in brackets, not measured). In the measured phase each of them sends to the class
(/class_submit) every uniform(--send-every) seconds, rotating over the four activities, each send
one plain POST of the event's data and number, as a page's "Send to class" is (a direct event,
outside the queue); at the end the class's
public summary (/class_summary) must hold exactly the sends that succeeded. The senders run in a
process of their own, as other devices would: their clients' work does not share the interpreter of
the clients being measured.
--compare-senders runs the same scenario twice, without senders and then with them, each on a
fresh server, and prints the drag and draw p95 of both and their ratio. On a shared machine a run's
drag p95 moves by a factor of two from one run to the next, as much as the senders' effect; so
--alternate S compares within one run instead: the senders send only in every other window of S
seconds (the first without), and the students' events are split by the window they were sent and
answered in (from 1 s into it), so that both conditions share the server, its sessions and the
machine's same minutes. With --pairs K, K such runs, each on a fresh server, their windows pooled.

A server the script starts keeps its classes in a temporary database (CLASS_DB), never in
the repository's classdata/.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
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

sys.path.insert(0, str(Path(__file__).parent))
from procs import cpu_seconds  # noqa: E402


def class_env() -> dict[str, str]:
    """Class mode's settings for a server the benchmarks start: a fresh temporary database (never the
    repository's classdata/), no password, and room for a lecture hall of senders."""
    folder = tempfile.mkdtemp(prefix="bench-class-db-")
    return {
        "CLASS_DB": os.path.join(folder, "classes.sqlite"),
        "CLASS_PASSWORD": "",
        "CLASS_MAX_STUDENTS": "1000",
        "CLASS_CREATES_PER_HOUR": "1000",
        "CLASS_SENDS_PER_MINUTE": "60",  # a send every 10 s is 6 a minute; the default 12 would do too
    }


def start_server(
    timeout: float = 90.0, script: str | Path = "app.py", env: dict | None = None
) -> tuple[subprocess.Popen, str]:
    """`python app.py` (or another Gradio script) on a free loopback port; returns (process, url) once it serves.
    Its class database is a temporary file (class_env), named by the process's `class_db` attribute;
    ``env`` overrides (a test's own CLASS_DB)."""
    port = free_port()
    extra = env or {}
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env |= class_env() | extra
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    proc.class_db = env["CLASS_DB"]
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
    # hall.spawn passes this process's environment on to the launcher and its workers (and to a
    # worker it starts again): the temporary class database is set here for the moment of the spawn
    extra = class_env()
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        launcher, url = hall.spawn(workers, run_dir)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    launcher.class_db = extra["CLASS_DB"]
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
        self.timed: list[tuple[str, float, float]] = []  # (endpoint, start, seconds) of the measured phase
        self.start: float | None = None  # the measured phase's, time.monotonic()

    def fail(self, when: float, server: str) -> None:
        with self.lock:
            self.failures.append((when, server))

    def add(self, name: str, seconds: float | None, error: str | None = None, start: float | None = None) -> None:
        """An answer (seconds) or an error; start: when it was sent (time.monotonic()), in the measured phase."""
        with self.lock:
            self.latency.setdefault(name, [])
            self.errors.setdefault(name, [])
            if error is None:
                self.latency[name].append(seconds)
                if start is not None:
                    self.timed.append((name, start, seconds))
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


POLL = 0.005  # s: how often a client looks for its event's next message (gradio_client: 0.05)


def poll_like_a_browser() -> None:
    """gradio_client hands an event's messages from its stream reader to the waiting call by polling
    every 50 ms (``gradio_client.utils.stream_sse_v1plus``: ``time.sleep(0.05)``), so every latency
    it reports is rounded up to its next 50 ms tick, and a p95 jumped between ticks (0.07 or 0.11 s
    for the same drags). A browser's page takes each message as it comes. This process's clients
    poll every POLL seconds instead (the module's other sleeps, checks for a cancel, likewise)."""
    from gradio_client import utils

    if isinstance(utils.time, _FinerSleep):
        return
    utils.time = _FinerSleep(utils.time)


class _FinerSleep:
    """The time module, with sleeps cut to at most POLL seconds."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    def sleep(self, seconds: float) -> None:
        self._module.sleep(min(seconds, POLL))


CONNECT_TIMEOUT = 60.0  # s, each request of a new session's set-up


def connect(url: str, rec: Recorder, row: str = "(connect)"):
    """A new session, as a page open or a reload gives one: (client, the process it is pinned to)."""
    from gradio_client import Client

    t0 = time.perf_counter()
    try:
        # a browser waits for a page longer than httpx's default 5 s: 40 students opening the 2 MB
        # config at once on 2 cores take up to about 9 s here
        client = Client(url, verbose=False, ssl_verify=False, httpx_kwargs={"timeout": CONNECT_TIMEOUT})
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
        t0, start = time.perf_counter(), time.monotonic()
        try:
            client.predict(*args, api_name=name)
            rec.add(name, time.perf_counter() - t0, start=start)
        except Exception as e:  # noqa: BLE001 - counted, reported
            rec.add(name, None, repr(e)[:200])
            rec.fail(time.monotonic(), server)
            client, server = connect(url, rec, "(reload)")
            if client is None:
                return
        if kind == "student":
            time.sleep(r.uniform(*think))


ACTIVITIES = ("linear", "gradient", "digit", "playground")  # class mode's (demos/classroom/activities.py)
PLAYGROUND = {
    "dataset": "moons", "n": 200, "noise": 0.1, "test_pct": 30, "seed": 0, "layers": "4, 4",
    "activation": "tanh", "features": ["x₁", "x₂"], "optimizer": "adam", "lr": 0.03, "batch_size": 32,
    "l2": 0.0, "epochs": 50,
}  # fmt: skip
SENDER_CONNECTS = 4  # senders connecting and joining at once (the connect phase, not measured)


def send_payloads() -> dict:
    """activity -> a maker of a valid payload for it, as the class API takes them (the digits: MNIST test
    images, 255 = ink, with their labels)."""
    from demos import mnist_data

    data = mnist_data.raw()
    x, y = data["x_test"], data["y_test"]

    def digit(r):
        i = r.randrange(len(y))
        return {"image": x[i].tolist(), "label": int(y[i])}

    return {
        "linear": lambda r: {"w": round(r.uniform(0, 4), 2), "b": round(r.uniform(-2, 2), 2)},
        "gradient": lambda r: {
            "mode": r.choice(("batch", "sgd", "minibatch")),
            "lr": round(r.uniform(0.01, 0.4), 3),
            "epochs": r.choice((20, 50, 100)),
            "w0": round(r.uniform(-2, 4), 1),
            "seed": r.randrange(1000),
        },
        "digit": digit,
        "playground": lambda r: {
            "settings": PLAYGROUND | {"dataset": r.choice(("circles", "moons", "xor")), "seed": r.randrange(1000)},
            "accuracy": round(r.uniform(50, 100), 1),
        },
    }


def open_class(url: str, count: int, rec: Recorder) -> tuple[str, list[list]]:
    """A class started (/class_create) and `count` students connected and joined to it (/class_join),
    SENDER_CONNECTS at a time: (its code, each sender's [client, its process, membership, page_http])."""
    from concurrent.futures import ThreadPoolExecutor

    teacher, _ = connect(url, rec, "(sender connect)")
    if teacher is None:
        raise RuntimeError(f"class mode: cannot connect to {url}: {rec.errors['(sender connect)'][-1]}")
    t0 = time.perf_counter()
    code = teacher.predict("", api_name="/class_create")["code"]  # a server with CLASS_PASSWORD refuses: it says so
    rec.add("(class create)", time.perf_counter() - t0)

    def join(i: int):
        client, server = connect(url, rec, "(sender connect)")
        if client is None:
            return None
        t0 = time.perf_counter()
        try:  # the session's first event: it also opens the session's event stream
            member = client.predict(code, f"sender {i}", api_name="/class_join")
        except Exception as e:  # noqa: BLE001 - counted, reported
            rec.add("(class join)", None, repr(e)[:200])
            return None
        rec.add("(class join)", time.perf_counter() - t0)
        return [client, server, member, page_http(url, client)]

    with ThreadPoolExecutor(SENDER_CONNECTS) as pool:
        joined = list(pool.map(join, range(count)))
    return code, [s for s in joined if s is not None]


def page_http(url: str, client):
    """A page's own connection for its direct events: kept alive, with the session's cookies (in a hall,
    the balancer's, to the same process). Made when the page joins, not in the measured phase: a
    client with certificates loaded costs 25 ms of CPU (loopback: none needed), and 100 made at once
    took this machine's cores from the server for 2 s, which every drag then showed."""
    import httpx

    return httpx.Client(base_url=url, timeout=60, cookies=client.cookies, verify=False)


def post_send(http, client, data: list) -> None:
    """One send as a page makes it: a POST of the event's data, naming the event by its number as a page
    does (named only in the URL, Gradio searches all 452 of the app's events for it), answered in the same
    request. A refusal raises AppError, anything else the error it is."""
    from gradio_client.exceptions import AppError

    body = {"data": data, "fn_index": event_number(client, "class_submit"), "session_hash": client.session_hash}
    answer = http.post("gradio_api/run/predict", json=body)
    if answer.status_code == 500 and answer.headers.get("content-type", "").startswith("application/json"):
        raise AppError(str(answer.json().get("error")))
    answer.raise_for_status()
    if "submission" not in answer.json()["data"][0]:
        raise RuntimeError(f"not a send's answer: {answer.text[:200]}")


def event_number(client, api_name: str) -> int:
    """The number of the app's event called api_name, from the config a page (and this client) loaded."""
    return next(d["id"] for d in client.config["dependencies"] if d.get("api_name") == api_name)


def run_sender(url, sender, code, seed, clock, args, payloads, rec):
    """One student sending to the class in the measured phase: the first send within one interval, then
    one every uniform(--send-every) s from the last one's start, the activities in turn. Every failure
    (a refusal, "database is locked", a lost connection) counts; a lost connection is followed by a reload."""
    from gradio_client.exceptions import AppError

    r = random.Random(seed)
    client, server, member, http = sender
    due = clock["start"] + r.uniform(0, args.send_every[1])
    for k in range(args.max_requests):
        if due >= clock["stop"]:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        if not sending_at(due, clock, args.alternate):  # --alternate: a window without sends
            due += r.uniform(*args.send_every)
            continue
        activity = ACTIVITIES[(seed + k) % len(ACTIVITIES)]
        payload = payloads[activity](r)
        t0 = time.perf_counter()
        try:
            post_send(http, client, [code, member["student"], member["student_token"], activity, payload])
            rec.add("/class_submit", time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - counted, reported
            rec.add("/class_submit", None, repr(e)[:200])
            rec.fail(time.monotonic(), server)
            if not isinstance(e, AppError):  # the app answered a refusal: the session is fine
                client, server = connect(url, rec, "(reload)")
                if client is None:
                    return
                http.close()
                http = page_http(url, client)
        due += r.uniform(*args.send_every)
    http.close()


def sending_at(t: float, clock: dict, window: float | None) -> bool:
    """Whether the senders send at time t: always, or (--alternate) in every other window of the
    measured phase, the first one without."""
    return window is None or int((t - clock["start"]) // window) % 2 == 1


WINDOW_GUARD = 1.0  # s: an event counts for its window from 1 s after its start (a send's max was 0.6 s)


def split_by_window(timed: list[tuple[str, float, float]], start: float, window: float) -> list[dict]:
    """--alternate: the measured events' latencies, [those in windows without sends, those in windows
    with them], each {endpoint: [seconds]}. An event counts if it was sent WINDOW_GUARD s or more into
    its window and answered inside it: none overlaps the other condition's sends."""
    out: list[dict] = [{}, {}]
    for name, t0, dt in timed:
        k, into = divmod(t0 - start, window)
        if into >= WINDOW_GUARD and into + dt <= window:
            out[int(k) % 2].setdefault(name, []).append(dt)
    return out


def sender_process(url: str, args, conn) -> None:
    """The senders, in a process of their own (spawned by run_class), as 100 other devices would be:
    their clients' work (parsing answers, 100 more event streams) does not share the interpreter of
    the clients whose latencies are measured. It opens the class and joins (reports ("joined", code,
    count) or ("error", text)), waits for the measured phase's clock, sends, and sends back its records."""
    poll_like_a_browser()
    rec = Recorder()
    try:
        code, senders = open_class(url, args.senders, rec)
        payloads = send_payloads()
    except Exception as e:  # noqa: BLE001 - raised in the parent
        conn.send(("error", repr(e)[:500]))
        return
    gc.collect()  # as the parent: once before the measured phase (100 clients' objects: about 1 s), none during
    gc.disable()
    conn.send(("joined", code, len(senders)))
    clock = conn.recv()  # {"start", "stop"}: time.monotonic() is the machine's, the same in both processes
    cpu0 = time.process_time()
    sending = [
        threading.Thread(target=run_sender, args=(url, s, code, 10_000 + i, clock, args, payloads, rec), daemon=True)
        for i, s in enumerate(senders)
    ]
    for th in sending:
        th.start()
    for th in sending:
        th.join(max(0.0, clock["stop"] + 120 - time.monotonic()))
    conn.send((rec.latency, rec.errors, rec.failures, time.process_time() - cpu0))


def sends_kept(url: str, code: str, joined: int, rec: Recorder) -> dict:
    """The class's public summary against the sends: every successful send stored, and nothing else."""
    from gradio_client import Client

    summary = Client(url, verbose=False, ssl_verify=False).predict(code, api_name="/class_summary")
    return {
        "senders": joined,
        "ok": len(rec.latency.get("/class_submit", [])),
        "failed": len(rec.errors.get("/class_submit", [])),
        "kept": sum(summary["counts"].values()),
        "counts": summary["counts"],
        "students": summary["students"],
    }


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
    parser.add_argument("--senders", type=int, default=0, help="students more, each sending to a class")
    parser.add_argument(
        "--send-every",
        type=float,
        nargs=2,
        default=(10.0, 20.0),
        metavar=("LO", "HI"),
        help="a sender's pause between sends, uniform in LO-HI s",
    )
    parser.add_argument(
        "--compare-senders",
        action="store_true",
        help="run the scenario twice, without the senders and with them (a fresh server each), and compare",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=1,
        help="with --compare-senders: pairs of runs, in alternating order; with --alternate: runs; "
        "p95 over each condition's runs pooled",
    )
    parser.add_argument(
        "--alternate",
        type=float,
        metavar="S",
        help="instead of --compare-senders: one run, the senders sending only in every other window of S s "
        "(the first without); the drag and draw p95 compared between the windows with sends and those without",
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("loopback only: the load script never drives a remote server")
    if args.kill_after is not None and not args.hall:
        parser.error("--kill-after needs --hall")
    if not 0 < args.send_every[0] <= args.send_every[1]:
        parser.error("--send-every LO HI needs 0 < LO <= HI")
    if args.compare_senders and args.senders < 1:
        parser.error("--compare-senders needs --senders N")
    if args.pairs < 1:
        parser.error("--pairs needs at least 1")
    if args.alternate is not None and (args.senders < 1 or args.compare_senders or args.alternate <= 2 * WINDOW_GUARD):
        parser.error(f"--alternate S needs --senders N, S > {2 * WINDOW_GUARD:g} and no --compare-senders")
    return args


def cpu_now(pids: list[int]) -> tuple[float, float, float]:
    """(wall clock, the server processes' CPU seconds, this load generator's CPU seconds) so far."""
    return time.monotonic(), sum(cpu_seconds(pid) for pid in pids), time.process_time()


def run_class(url: str, args, kill=None, pids: list[int] | None = None) -> tuple[Recorder, dict, dict | None, dict]:
    """Every student's thread, the measured phase, and (kill) a worker killed in the middle of it.
    With senders: their class, their threads, and what the class kept of their sends. With the
    server's pids: the cores it and this load generator used over the measured phase."""
    endpoints = endpoint_names(url)
    with tempfile.TemporaryDirectory() as tmp:
        digits = digit_files(Path(tmp))
        rec = Recorder()
        joined: dict = {"code": None, "count": 0}
        senders = None  # (their process, its end of the pipe)

        def before_measuring():
            """Once every student has connected: with senders, their process, which opens the class and
            joins them, a few at a time (their connect phase as without senders); then this generator's
            garbage collector is kept out of the measured phase."""
            nonlocal senders
            if args.senders:
                import multiprocessing

                ctx = multiprocessing.get_context("spawn")  # not fork: this process has 40 client threads
                here, there = ctx.Pipe()
                senders = (ctx.Process(target=sender_process, args=(url, args, there), daemon=True), here)
                senders[0].start()
                there.close()
                try:
                    reply = here.recv()
                except EOFError:
                    senders[0].join(5)
                    reply = ("error", f"the senders' process ended (exit code {senders[0].exitcode})")
                if reply[0] == "joined":
                    joined["code"], joined["count"] = reply[1:]
                else:  # raised below, once the students are let go
                    joined["error"] = RuntimeError(f"class mode: {reply[1]}")
            # A full collection here walks every client's parsed copy of the app's API (about 20,000
            # objects a client) and stops every client thread meanwhile: up to 1.2 s with 142 clients,
            # which the latencies then showed as the server's. Once before, none during.
            gc.collect()
            gc.disable()

        total = args.users + args.trainers
        ready = threading.Barrier(total + 1, action=before_measuring)
        clock = {"stop": float("inf")}
        common = (clock, args.max_requests, args.think, digits, endpoints, rec, ready)
        kinds = ["trainer" if i < args.trainers else "student" for i in range(total)]
        threads = [
            threading.Thread(target=run_user, args=(url, k, i, *common), daemon=True) for i, k in enumerate(kinds)
        ]
        for th in threads:
            th.start()
        try:
            ready.wait()  # every client has connected (and the senders joined): the measured phase starts
            cpu0 = cpu_now(pids or [])
            start = time.monotonic()
            clock["start"], clock["stop"] = start, start + args.seconds
            rec.start = start
            if "error" in joined:
                clock["stop"] = start
                raise joined["error"]
            if senders:
                senders[1].send({"start": start, "stop": clock["stop"]})
            fault = {}
            if kill:
                time.sleep(args.kill_after)
                fault = kill(rec) | {"at": time.monotonic()}
            for th in threads:
                th.join(max(0.0, start + args.seconds + 120 - time.monotonic()))
            wall, server, generator = (b - a for a, b in zip(cpu0, cpu_now(pids or [])))
            if senders:
                generator += merge(rec, senders[1], start + args.seconds + 180)
            cpu = {
                "seconds": wall,
                "server_cores": server / wall if pids else None,
                "generator_cores": generator / wall,  # this process's and its senders' process's
            }
            sends = sends_kept(url, joined["code"], joined["count"], rec) if args.senders else None
        finally:
            gc.enable()  # also when the class could not be opened
            if senders:
                senders[0].kill()
                senders[0].join()
    return rec, fault, sends, cpu


def merge(rec: Recorder, conn, deadline: float) -> float:
    """The senders' records, from their process, into this one's; returns the CPU seconds it used
    over the measured phase."""
    if not conn.poll(max(0.0, deadline - time.monotonic())):
        raise RuntimeError("class mode: the senders' process did not finish")
    latency, errors, failures, cpu = conn.recv()
    with rec.lock:
        for name, xs in latency.items():
            rec.latency.setdefault(name, []).extend(xs)
            rec.errors.setdefault(name, [])
        for name, xs in errors.items():
            rec.errors.setdefault(name, []).extend(xs)
            rec.latency.setdefault(name, [])
        rec.failures.extend(failures)
    return cpu


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


def print_result(args, url, rows: list[dict], rec: Recorder, fault: dict | None, sends: dict | None, cpu: dict) -> None:
    sending = ""
    if args.senders:
        sending = f" + {args.senders} sending every {args.send_every[0]:g}-{args.send_every[1]:g} s"
    print(
        f"{args.users} students (think {args.think[0]:g}-{args.think[1]:g} s) + {args.trainers} training{sending}, "
        f"{args.seconds:g} s, {url}" + (f" (a hall of {args.hall})" if args.hall else "")
    )
    print(f"{'endpoint':<22}{'ok':>6}{'errors':>8}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for row in rows:
        print(
            f"{row['endpoint']:<22}{row['ok']:>6}{row['errors']:>8}"
            f"{seconds(row['p50'])}{seconds(row['p95'])}{seconds(row['max'])}"
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
    server = f"the server {cpu['server_cores']:.2f}, " if cpu["server_cores"] is not None else ""
    print(
        f"cores used over the measured phase ({cpu['seconds']:.0f} s): {server}this load generator {cpu['generator_cores']:.2f}"
    )
    if sends:
        print(
            f"{sends['senders']} of {args.senders} senders joined; sends: {sends['ok']} ok, {sends['failed']} failed; "
            f"sends kept: {sends['kept']} of {sends['ok']} ({sends['counts']})"
        )


def seconds(v: float | None) -> str:
    return f"{v:9.3f}" if v is not None else f"{'-':>9}"


def run_once(args) -> dict:
    """One run of the scenario on a fresh server (or hall), or on --url: its result, printed."""
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

    # the cores used in the measured phase: of the server this script started (not of a hall whose
    # worker is killed midway), and of this load generator, which shares the machine
    pids = [] if proc is None or args.kill_after is not None else hall_pids(run_dir) if args.hall else [proc.pid]
    try:
        rec, fault, sends, cpu = run_class(url, args, kill if args.kill_after is not None else None, pids)
    finally:
        if proc is not None and args.hall:
            stop_hall(proc)
        elif proc is not None:
            proc.terminate()
            proc.wait(10)
        if proc is not None:
            shutil.rmtree(Path(proc.class_db).parent, ignore_errors=True)
    rows = rec.table()
    summary = fault_summary(rec, fault) if fault else None
    print_result(args, url, rows, rec, summary, sends, cpu)
    result = {"users": args.users, "trainers": args.trainers, "seconds": args.seconds, "hall": args.hall}
    result |= {"senders": args.senders, "send_every": list(args.send_every)}
    result |= {"rows": rows, "fault": summary, "sends": sends, "cpu": cpu}
    result["latency"] = {name: sorted(rec.latency.get(name, [])) for name in (*COMPARED, "/class_submit")}
    if args.alternate:
        result["windows"] = split_by_window(rec.timed, rec.start, args.alternate)
        result["measured_start"] = rec.start  # time.monotonic(): the machine's, to match a server's own log
    return result


COMPARED = ("/linear_model_view", "/draw_digit_view")  # a dragged slider, a drawn digit


def p95(xs: list[float]) -> float | None:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.95 * len(xs)))] if xs else None


def compare(withouts: list[dict], withs: list[dict]) -> dict:
    """The drag and draw p95 without and with the senders (each over the pooled latencies of its
    runs), their ratio, each pair's own ratio, and the sends' figures (pooled)."""
    pooled = [
        {name: [x for run in runs for x in run["latency"].get(name, [])] for name in (*COMPARED, "/class_submit")}
        for runs in (withouts, withs)
    ]
    out = {}
    for name in COMPARED:
        a, b = pooled[0][name], pooled[1][name]
        if a and b:
            pairs = [p95(w["latency"][name]) / p95(o["latency"][name])
                     for o, w in zip(withouts, withs) if o["latency"].get(name) and w["latency"].get(name)]  # fmt: skip
            out[name] = {
                "p95_without": p95(a),
                "p95_with": p95(b),
                "ratio": p95(b) / p95(a),
                "ok_without": len(a),
                "ok_with": len(b),
                "pair_ratios": pairs,
            }
    sends = pooled[1]["/class_submit"]
    errors = sum({r["endpoint"]: r for r in run["rows"]}.get("/class_submit", {}).get("errors", 0) for run in withs)
    out["/class_submit"] = {
        "ok": len(sends),
        "errors": errors,
        "p50": statistics.median(sends) if sends else None,
        "p95": p95(sends),
        "max": max(sends) if sends else None,
    }
    out["cpu"] = {"without": withouts[0]["cpu"], "with": withs[0]["cpu"]}
    return out


def print_comparison(args, comparison: dict, sends: dict) -> None:
    where = f"all on {args.url}" if args.url else "a fresh server for each run"
    order = "" if args.pairs == 1 else f", {args.pairs} pairs in the order without-with, with-without, ..."
    if args.alternate:
        runs = "one run" if args.pairs == 1 else f"{args.pairs} runs, each on a fresh server"
        where, order = f"{runs}, sending in every other {args.alternate:g} s window", ""
    print(f"\nwithout and with {args.senders} senders ({where}{order}):")
    print(f"{'endpoint':<22}{'ok without':>12}{'ok with':>9}{'p95 without':>13}{'p95 with':>10}{'ratio':>7}  pairs")
    for name in COMPARED:
        if c := comparison.get(name):
            pairs = " ".join(f"{r:.2f}" for r in c["pair_ratios"])
            print(
                f"{name:<22}{c['ok_without']:>12}{c['ok_with']:>9}{c['p95_without']:>13.3f}"
                f"{c['p95_with']:>10.3f}{c['ratio']:>7.2f}  {pairs}"
            )
    cores = {k: comparison["cpu"][k]["server_cores"] for k in ("without", "with")}
    if None not in cores.values():
        print(f"{'server cores used':<22}{'':>21}{cores['without']:>13.2f}{cores['with']:>10.2f}")
    s = comparison["/class_submit"]
    print(
        f"/class_submit: {s['ok'] or 0} ok, {s['errors'] or 0} failed, p50 {seconds(s['p50']).strip()} s, "
        f"p95 {seconds(s['p95']).strip()} s; sends kept: {sends['kept']} of {sends['ok']}"
    )


def main(argv=None) -> dict:
    args = parse(argv)
    poll_like_a_browser()
    if args.compare_senders:
        # pairs alternate their order (without-with, with-without, ...): a second run on this machine
        # tends to be slower than the first, and one order alone would charge that to the senders
        withouts, withs = [], []
        for i in range(args.pairs):
            for senders in (0, args.senders) if i % 2 == 0 else (args.senders, 0):
                run = run_once(argparse.Namespace(**(vars(args) | {"senders": senders})))
                (withs if senders else withouts).append(run)
                print()
        comparison = compare(withouts, withs)
        sends = {"kept": sum(r["sends"]["kept"] for r in withs), "ok": sum(r["sends"]["ok"] for r in withs)}
        print_comparison(args, comparison, sends)
        result = {"without": withouts[0], "with": withs[0], "comparison": comparison, "sends": withs[0]["sends"]}
        result |= {"runs": {"without": withouts, "with": withs}}
    elif args.alternate:
        # the same server, sessions and minutes of this machine for both conditions: its drift, which
        # moved a run's drag p95 between 0.05 and 0.20 s from one run to the next, cancels out
        runs, withouts, withs = [], [], []
        for _ in range(args.pairs):  # each run a pair of conditions: its windows without and with sends
            run = run_once(args)
            print()
            without, with_ = run["windows"]
            withouts.append({"latency": without, "rows": [], "cpu": run["cpu"]})
            with_ = with_ | {"/class_submit": run["latency"]["/class_submit"]}
            withs.append({"latency": with_, "rows": run["rows"], "cpu": run["cpu"]})
            runs.append(run)
        comparison = compare(withouts, withs)
        sends = {"kept": sum(r["sends"]["kept"] for r in runs), "ok": sum(r["sends"]["ok"] for r in runs)}
        print_comparison(args, comparison, sends)
        result = runs[0] | {"comparison": comparison, "runs": runs}
    else:
        result = run_once(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
