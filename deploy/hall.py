"""Start a lecture hall: N app processes on internal ports behind HAProxy, and keep them up.

    python -m deploy --workers 2 --port 8080

Installs nothing: when HAProxy is missing it says how to get it and exits. Each worker is
`python app.py` on 127.0.0.1 with APP_WORKERS=N, so the per-event concurrency limits
(demos/live.py: per_process) are the hall's limits divided among the processes. A worker
that dies is started again on its port; HAProxy's health check takes it out meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from deploy import haproxy

ROOT = Path(__file__).resolve().parents[1]
INSTALL_HAPROXY = (
    "HAProxy is not installed, and the lecture hall needs it as its load balancer.\n"
    "  Debian / Ubuntu:  sudo apt-get install haproxy\n"
    "  Fedora / RHEL:    sudo dnf install haproxy\n"
    "  macOS (Homebrew): brew install haproxy\n"
    "Then run this command again. (One process needs no balancer: python app.py)"
)


def missing() -> list[str]:
    """What this machine lacks to run a hall, as messages a person can act on."""
    return [] if shutil.which("haproxy") else [INSTALL_HAPROXY]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port: int, timeout: float = 2.0, host: str = "127.0.0.1") -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{haproxy.HEALTH_PATH}", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


class Worker:
    """One `python app.py` on 127.0.0.1:port, its output in run_dir/<name>.log."""

    def __init__(self, name: str, port: int, workers: int, run_dir: Path):
        self.name, self.port, self.workers, self.run_dir = name, port, workers, run_dir
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        env = os.environ | {
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_SERVER_PORT": str(self.port),
            "APP_WORKERS": str(self.workers),
            "GRADIO_ANALYTICS_ENABLED": "False",
        }
        with open(self.run_dir / f"{self.name}.log", "ab") as log:  # the child keeps its own copy open
            self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=log)
        self.starts += 1

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not healthy(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode}: see {self.run_dir}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer on port {self.port} within {timeout:g} s")
            time.sleep(0.25)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def write_state(workers: list[Worker], balancer: subprocess.Popen | None, run_dir: Path) -> None:
    """run_dir/hall.json: the balancer's pid, and each worker's name, port, pid and starts (for
    operators, tests and benchmarks/page_open.py, which sums their CPU seconds)."""
    state = {
        "balancer": balancer.pid if balancer else None,
        "workers": [{"name": w.name, "port": w.port, "pid": w.proc.pid, "starts": w.starts} for w in workers],
    }
    (run_dir / "hall.json").write_text(json.dumps(state, indent=1))


def start_balancer(hall: haproxy.Hall, run_dir: Path) -> subprocess.Popen:
    cfg = run_dir / "haproxy.cfg"
    cfg.write_text(haproxy.config(hall))
    check = subprocess.run(["haproxy", "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"haproxy rejected {cfg}:\n{check.stdout}{check.stderr}")
    with open(run_dir / "haproxy.log", "ab") as log:  # the child keeps its own copy open
        return subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)


def supervise(workers: list[Worker], balancer: subprocess.Popen, stop: list[bool], run_dir: Path) -> int:
    """Restart a worker that exits, until asked to stop or the balancer exits (its code)."""
    while not stop:
        if balancer.poll() is not None:
            print(f"haproxy exited with code {balancer.returncode}", flush=True)
            return balancer.returncode or 1
        for w in workers:
            if w.proc.poll() is not None:
                print(f"{w.name} (port {w.port}) exited with code {w.proc.returncode}: starting it again", flush=True)
                w.start()
                write_state(workers, balancer, run_dir)
        time.sleep(0.5)
    return 0


def run(n: int, port: int, host: str, run_dir: Path) -> int:
    run_dir.mkdir(parents=True, exist_ok=True)
    workers = [Worker(haproxy.server_name(i), free_port(), n, run_dir) for i in range(n)]
    stop: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    balancer = None
    try:
        for w in workers:  # all start at once; each takes a few seconds to import and build the app
            w.start()
        for w in workers:
            w.wait_ready()
        balancer = start_balancer(haproxy.Hall(port, tuple(w.port for w in workers), host), run_dir)
        write_state(workers, balancer, run_dir)
        deadline = time.monotonic() + 10
        probe = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # a wildcard listens on loopback too
        while not healthy(port, host=probe) and balancer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)  # HAProxy binds in a moment; "ready" means a student can connect
        ports = ", ".join(f"{w.name} on {w.port}" for w in workers)
        print(f"Lecture hall ready on http://{host}:{port} ({ports}); logs in {run_dir}", flush=True)
        return supervise(workers, balancer, stop, run_dir)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as e:  # a worker that cannot start, a config HAProxy rejects: said plainly
        print(e, file=sys.stderr, flush=True)
        return 1
    finally:
        if balancer and balancer.poll() is None:
            balancer.terminate()
            balancer.wait(10)
        for w in workers:
            w.stop()


def spawn(workers: int, run_dir: Path, timeout: float = 180.0) -> tuple[subprocess.Popen, str]:
    """`python -m deploy` in the background on a free loopback port (for benchmarks and tests).
    Returns (launcher, url) once students can connect; its output goes to run_dir/launcher.out."""
    port, out = free_port(), run_dir / "launcher.out"
    cmd = [sys.executable, "-m", "deploy", "--workers", str(workers), "--port", str(port), "--host", "127.0.0.1"]
    with open(out, "wb") as log:
        launcher = subprocess.Popen([*cmd, "--run-dir", str(run_dir)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while "ready on" not in out.read_text(errors="replace"):
        if launcher.poll() is not None or time.monotonic() > deadline:
            launcher.kill()
            raise RuntimeError(f"the hall did not start: {out.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)
    return launcher, f"http://127.0.0.1:{port}/"


def stop(launcher: subprocess.Popen) -> None:
    """SIGTERM, as a service manager sends it: the launcher stops HAProxy and its workers."""
    launcher.send_signal(signal.SIGTERM)
    try:
        launcher.wait(30)
    except subprocess.TimeoutExpired:
        launcher.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="app processes (default: cores)")
    parser.add_argument("--port", type=int, default=8080, help="the port students connect to")
    parser.add_argument("--host", default="0.0.0.0", help="the address to listen on (default: every interface)")
    parser.add_argument("--run-dir", type=Path, help="where the logs and haproxy.cfg go (default: a temp folder)")
    args = parser.parse_args(argv)
    if args.workers < 1 or not 0 < args.port < 65536:
        parser.error("--workers must be at least 1 and --port between 1 and 65535")
    problems = missing()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    return run(args.workers, args.port, args.host, args.run_dir or Path(tempfile.mkdtemp(prefix="lecture-hall-")))
