"""Run every benchmark and rewrite benchmarks/README.md with the figures.

    python benchmarks/run_all.py            # about 5 minutes on the 2-core machine

Each figure is measured beside a baseline in the same run (these machines are noisy):
start-up and memory against a bare Gradio hello-world, a class opening the page at once
against one window alone, endpoint latency under a classroom's load, digit inference per image, and the app's training loop against a bare PyTorch loop.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import browser_feel  # noqa: E402
import load  # noqa: E402
import page_open  # noqa: E402
import startup  # noqa: E402
import train_throughput  # noqa: E402


def inference_per_image(repeats: int = 200) -> list[dict]:
    """Median milliseconds to classify one 28x28 digit, per model, one thread (as the app runs)."""
    import numpy as np
    import torch

    from models import data
    from models.load import load as load_model

    torch.set_num_threads(1)
    x = torch.from_numpy(np.load(ROOT / "tests" / "data" / "mnist_test_sample.npz")["x"][:1])
    inputs = data.normalise(x)  # (1, 1, 28, 28)
    rows = []
    for name in ("mlp", "lecture_cnn", "best_cnn"):
        model = load_model(name)
        times = []
        with torch.no_grad():
            for _ in range(repeats):
                t0 = time.perf_counter()
                model(inputs).softmax(dim=1)
                times.append(1000 * (time.perf_counter() - t0))
        rows.append({"model": name, "ms": statistics.median(times)})
    return rows


def page_open_row(r: dict) -> str:
    s = r["seconds"]
    if s is None:
        return f"| {r['name']} | {r['students']} | {r['errors']} | - | - | - | - | - |"
    return (
        f"| {r['name']} | {r['students']} | {r['errors']} | {s['p50']:.2f} s | {s['p95']:.2f} s | {s['max']:.2f} s "
        f"| {r['mb_per_open']:.2f} | {r['cpu_per_open']:.2f} s |"
    )


def load_row(r: dict) -> str:
    return f"| `{r['endpoint']}` | {r['ok']} | {r['errors']} | {r['p50']:.3f} s | {r['p95']:.3f} s | {r['max']:.3f} s |"


def hall_lines(direct: dict, hall: dict, fault: dict) -> list[str]:
    """The lecture-hall section: 100 students against one process and against a hall, and a kill."""
    f = fault["fault"]
    return [
        "## A lecture hall: 2 processes behind HAProxy (`python -m deploy`, `benchmarks/load.py --hall 2`)",
        "",
        f"{hall['users']} students drag and draw as above, {hall['trainers']} train live, {hall['seconds']:g} s; "
        "the same run against `python app.py` (one process) and against a hall of 2 processes behind HAProxy "
        "(sticky cookie; the balancer, both processes and the load generator share the 2 cores).",
        "",
        "| endpoint | answers | errors | p50 | p95 | max |",
        "| --- | --- | --- | --- | --- | --- |",
        "| **one process** | | | | | |",
        *(load_row(r) for r in direct["rows"]),
        f"| **hall of {hall['hall']}** | | | | | |",
        *(load_row(r) for r in hall["rows"]),
        "",
        f"A process killed mid-run: {fault['users']} students on a hall of {fault['hall']}, worker "
        f"{f['killed']} killed with SIGKILL 10 s into {fault['seconds']:g} s. {f['failed_on_killed']} events "
        f"failed, all of students on {f['killed']} ({f['failed_elsewhere']} elsewhere), within "
        f"{f['failing_seconds']:.1f} s of the kill; each of those students reloaded (a new session, on the "
        f"process still up: {f['reloads']} reloads, {f['reload_errors']} failed, p50 {f['reload_p50'] or 0:.2f} s) "
        "and carried on. The launcher started the killed process again; HAProxy took it back once its "
        "health check passed.",
        "",
    ]


def main() -> None:
    t0 = time.perf_counter()
    start = startup.main(["--runs", "3"])
    alone = load.main(["--users", "1", "--trainers", "0", "--seconds", "10", "--think", "0.1", "0.2"])
    classroom = load.main(["--users", "40", "--trainers", "2", "--seconds", "30"])
    direct100 = load.main(["--users", "100", "--trainers", "2", "--seconds", "30"])
    hall100 = load.main(["--users", "100", "--trainers", "2", "--seconds", "30", "--hall", "2"])
    fault = load.main(["--users", "40", "--trainers", "0", "--seconds", "30", "--hall", "2", "--kill-after", "10"])
    opens = page_open.main(["--students", "40", "100", "--alone", "3", "--hello", "--hall", "2"])
    feel = browser_feel.main([])
    alone_p50 = {r["endpoint"]: r["p50"] for r in alone["rows"]}
    infer = inference_per_image()
    train = train_throughput.main(["--threads", "1", "--repeats", "5"])
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.date.today()} on {platform.machine()} with {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; regenerate with `python benchmarks/run_all.py` "
        f"({time.perf_counter() - t0:.0f} s). Each figure has a baseline measured in the same run.",
        "",
        "## Start-up and memory (`benchmarks/startup.py`)",
        "",
        "| | app.py | bare Gradio hello-world | ratio |",
        "| --- | --- | --- | --- |",
        f"| first page served (median of 3) | {start['app_s']:.2f} s ({start['tabs']} tabs) | {start['hello_s']:.2f} s "
        f"| {start['app_s'] / start['hello_s']:.2f} |",
        f"| resident memory after the first page | {start['app_first_mb']:.0f} MB | {start['hello_mb']:.0f} MB "
        f"| {start['app_first_mb'] / start['hello_mb']:.2f} |",
        f"| resident memory after every model was used once | {start['app_mb']:.0f} MB (peak {start['app_peak_mb']:.0f}) "
        f"| {start['hello_mb']:.0f} MB | {start['app_mb'] / start['hello_mb']:.2f} |",
        f"| its training fork server and resource tracker (`demos/offload.py`) | {start['children_mb']:.0f} MB, "
        f"{start['children_private_mb']:.0f} MB of it private | | |",
        "",
        f"Models used: {', '.join(start['calls'])}.",
        "",
        "## A class opening the page at once (`benchmarks/page_open.py`)",
        "",
        f"{' or '.join(map(str, opens['students']))} students open the app at the same instant, half in Chinese "
        "and half in English, against `python app.py` and against a hall of 2 processes behind HAProxy "
        "(`python -m deploy --workers 2`, its CPU summed over the balancer and the workers). "
        "Each replays every request a real headless Chromium window sent while opening the page "
        f"({opens['browser']['requests'][0]} in English: the page with its config, Gradio's scripts, styles "
        "and fonts, and the page-load events: in Chinese, in a browser set to Chinese, the first tab's draw) "
        "over HTTP, with a fresh session and six connections as a browser has, and reads its event stream to "
        "the end. The replay renders nothing, so the figures are the server's (the replaying client shares its "
        "2 cores); a student's browser adds its own rendering. Baselines in the same run: one page open alone, "
        "and a bare Gradio hello-world measured the same way. *MB*: bytes on the wire per page open "
        "(compressed as for a browser).",
        "",
        "| | students | errors | p50 | p95 | max | MB per open | server CPU per open |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(page_open_row(r) for r in opens["rows"]),
        "",
        f"One real headless Chromium window alone on this machine, rendering included: the L2 slider is on "
        f"screen after {opens['browser']['shown']['p50']:.2f} s (p50 of {opens['browser']['windows']}) and "
        f"answers its first move after {opens['browser']['answer']['p50']:.2f} s.",
        "",
        "## A classroom under load (`benchmarks/load.py`)",
        "",
        f"{classroom['users']} students each drag the L2 weight slider (`/linear_model_view`, the tab's own redraw) "
        f"or draw a digit (`/draw_digit_view`, the draw tab's own event: top-3, what the model sees, feature maps), "
        f"wait for the answer and think 1-3 s; {classroom['trainers']} more train live (`/sigmoids_fit`, 3000 Adam "
        f"steps) the whole time; {classroom['seconds']:g} s, loopback, the load generator on the same 2 cores. "
        "Every student first connects and sends one event (the rows in brackets, all 40 at the same moment, "
        "as when a class opens the page together); the endpoint rows are the measured phase after that. "
        "Baseline: one student alone on a fresh server, same events, in the same run.",
        "",
        "| endpoint | answers | errors | p50 | p95 | max | p50 alone | p95 / p50 alone |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in classroom["rows"]:
        base = alone_p50.get(r["endpoint"])
        versus = f"{base:.3f} s | {r['p95'] / base:.1f}" if base else "- | -"
        lines.append(
            f"| `{r['endpoint']}` | {r['ok']} | {r['errors']} | {r['p50']:.3f} s | {r['p95']:.3f} s "
            f"| {r['max']:.3f} s | {versus} |"
        )
    lines += ["", *hall_lines(direct100, hall100, fault)]
    lines += browser_feel.feel_lines(feel)
    lines += [
        "## Digit inference per image (one thread)",
        "",
        "| model | median ms per image |",
        "| --- | --- |",
        *(f"| `{r['model']}` | {r['ms']:.2f} |" for r in infer),
        "",
        "## Training throughput (`benchmarks/train_throughput.py`, one thread as in the app)",
        "",
        "| model | app's loop (images/s) | bare PyTorch loop (images/s) | ratio |",
        "| --- | --- | --- | --- |",
        *(f"| {r['model']} | {r['app']:.0f} | {r['bare']:.0f} | {r['ratio']:.2f} |" for r in train),
        "",
    ]
    out = ROOT / "benchmarks" / "README.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
