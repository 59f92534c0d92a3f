"""Start-up time: `python app.py` until its first page is served (HTTP 200 with
every lecture tab in the config), beside a bare Gradio hello-world measured in
the same run; then the server's memory after every model has been used once.
Prints seconds, megabytes and the ratios.

    python benchmarks/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from procs import children_mb, rss_mb  # noqa: E402

from deploy.hall import free_port  # noqa: E402

HELLO = "import gradio as gr\nwith gr.Blocks() as demo:\n    gr.Markdown('hello')\ndemo.launch()\n"


def use_every_model(url: str) -> list[str]:
    """Call each public endpoint that loads or trains a model once; returns the ones called."""
    import model_calls
    from gradio_client import Client

    client = Client(url, verbose=False, ssl_verify=False)
    have = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    called = []
    for api_name, args in model_calls.calls(ROOT):
        if api_name in have:
            client.predict(*args, api_name=api_name)
            called.append(api_name)
    return called


def time_to_first_page(script: Path, must_contain: list[str], timeout: float = 60.0, then=None) -> float:
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
                    if then is not None:
                        then(f"http://127.0.0.1:{port}/", proc.pid)
                    return elapsed
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"{script.name} served nothing within {timeout} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import demos

    memory: dict[str, tuple] = {}

    def measure_app(url: str, pid: int) -> None:
        first = rss_mb(pid)[0]
        called = use_every_model(url)
        memory["app"] = (first, *rss_mb(pid), called)
        memory["children"] = children_mb(pid)

    def measure_hello(url: str, pid: int) -> None:
        memory["hello"] = rss_mb(pid)

    tabs = [m.LECTURE.key for m in demos.LECTURES]
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        app_times, hello_times = [], []
        for i in range(args.runs):  # interleaved, so both see the same machine load
            hello_times.append(time_to_first_page(hello, [], then=measure_hello if i == 0 else None))
            app_times.append(time_to_first_page(ROOT / "app.py", tabs, then=measure_app if i == 0 else None))
    app_s, hello_s = statistics.median(app_times), statistics.median(hello_times)
    print(f"bare Gradio hello-world: first page after {hello_s:.2f} s (median of {args.runs})")
    print(f"app.py ({len(tabs)} lecture tabs): first page after {app_s:.2f} s (median of {args.runs})")
    print(f"ratio app / hello-world: {app_s / hello_s:.2f}")
    first, rss, peak, called = memory["app"]
    hello_rss = memory["hello"][0]
    print(f"bare Gradio hello-world: {hello_rss:.0f} MB resident after its first page")
    print(
        f"app.py: {first:.0f} MB after its first page; after every model was used once ({len(called)} calls: "
        f"{', '.join(called)}): {rss:.0f} MB resident, {peak:.0f} MB peak"
    )
    kids_rss, kids_private = memory["children"]
    print(
        f"app.py's own processes (the training fork server, the resource tracker): {kids_rss:.0f} MB resident, "
        f"{kids_private:.0f} MB of it private (the rest shared with the server)"
    )
    print(f"ratio app (models used) / hello-world: {rss / hello_rss:.2f}")
    return {
        "tabs": len(tabs),
        "app_s": app_s,
        "hello_s": hello_s,
        "app_first_mb": first,
        "app_mb": rss,
        "app_peak_mb": peak,
        "children_mb": kids_rss,
        "children_private_mb": kids_private,
        "hello_mb": hello_rss,
        "calls": called,
    }


if __name__ == "__main__":
    main()
