"""Start-up time: `python app.py` until its first page is served (HTTP 200 with
every lecture tab in the config), beside a bare Gradio hello-world measured in
the same run. Prints seconds and the ratio.

    python benchmarks/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELLO = "import gradio as gr\nwith gr.Blocks() as demo:\n    gr.Markdown('hello')\ndemo.launch()\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_first_page(script: Path, must_contain: list[str], timeout: float = 60.0) -> float:
    port = free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - start < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page = r.read().decode()
                if r.status == 200:
                    elapsed = time.perf_counter() - start
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=5) as c:
                        config = c.read().decode() + page
                    missing = [key for key in must_contain if key not in config]
                    if missing:
                        raise SystemExit(f"served page lacks tabs: {missing}")
                    return elapsed
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"{script.name} served nothing within {timeout} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import demos

    tabs = [m.LECTURE.key for m in demos.LECTURES]
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        app_times, hello_times = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            hello_times.append(time_to_first_page(hello, []))
            app_times.append(time_to_first_page(ROOT / "app.py", tabs))
    app_s, hello_s = statistics.median(app_times), statistics.median(hello_times)
    print(f"bare Gradio hello-world: first page after {hello_s:.2f} s (median of {args.runs})")
    print(f"app.py ({len(tabs)} lecture tabs): first page after {app_s:.2f} s (median of {args.runs})")
    print(f"ratio app / hello-world: {app_s / hello_s:.2f}")


if __name__ == "__main__":
    main()
