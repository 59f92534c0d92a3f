"""A class opening the app at once. Prints, per page open, p50/p95/max seconds and errors
for N students together against one alone, and the server's CPU seconds per page open.

    python benchmarks/page_open.py                        # 40 students at once
    python benchmarks/page_open.py --students 40 100 --hall 2     # also through 2 processes behind HAProxy
    python benchmarks/page_open.py --students 3 --alone 1     # the CI smoke setting

How: a real headless Chromium window opens the page once in English and once in Chinese,
moves the L2 weight slider as soon as it is shown and waits for the MSE it gives (the
end-to-end time of one student alone, this machine's rendering included). Every request
those windows send is recorded: the page (HTML with its config), its scripts, styles and
fonts, and the page-load events (in Chinese, in a browser set to Chinese, the first tab's
draw). N students then replay those requests at the same instant over HTTP, half in
each language, each with a fresh session and six connections as a browser has, and read
their event streams to the end: the server does all it does for N page opens, while the
load generator renders nothing (N browsers rendering on the server's 2 cores would
measure the browsers). Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from procs import cpu_seconds  # noqa: E402

TIMEOUT = 120.0  # seconds: a bound on each window and each replayed page open
STATIC = ("document", "script", "stylesheet", "font", "image")
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "page_open.py (headless replay)"}


def chromium() -> str:
    import shutil

    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    raise SystemExit("no Chromium found: install one (apt-get install chromium) or set CHROMIUM")


def record_requests(page) -> list[dict]:
    """Every request the page sends from now on, appended as it goes."""
    requests: list[dict] = []
    page.on(
        "request",
        lambda r: requests.append({"method": r.method, "url": r.url, "type": r.resource_type, "body": r.post_data}),
    )
    return requests


async def real_window(browser, url: str, lang: str, w: float) -> dict:
    """One student in a real window (empty profile): open the page, move the weight slider to w.
    Returns the seconds until the slider is shown and until its answer, and the requests sent."""
    from demos.basics.linear_model import mse
    from demos.i18n import t

    # a Chinese student's browser is set to Chinese: the page starts in its locale (i18n.JS_RELABEL)
    locale = "zh-CN" if lang == "zh" else "en-US"
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    try:
        page = await context.new_page()
        requests = record_requests(page)
        t0 = time.perf_counter()
        await page.goto(f"{url}?lang={lang}", timeout=TIMEOUT * 1000, wait_until="commit")
        box = page.locator("#lin-w input[type=number]")
        await box.wait_for(timeout=TIMEOUT * 1000)
        shown = time.perf_counter() - t0
        await box.fill(f"{w:.2f}")
        await box.press("Enter")
        expected = t("lin_mse_now", lang, mse=mse(w, 0.0)).lstrip("# ")
        await page.locator("#lin-mse", has_text=expected).wait_for(timeout=TIMEOUT * 1000)
        answer = time.perf_counter() - t0
        return {"shown": shown, "answer": answer, "requests": requests}
    finally:
        await context.close()


async def hello_window(browser, url: str) -> dict:
    """The bare Gradio hello-world's page open in a real window: its requests."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        requests = record_requests(page)
        await page.goto(url, timeout=TIMEOUT * 1000)
        await page.get_by_text("hello").wait_for(timeout=TIMEOUT * 1000)
        await page.wait_for_timeout(1000)
        return {"requests": requests}
    finally:
        await context.close()


async def in_browser(job):
    """``await job(browser)`` with a headless Chromium launched for it."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        try:
            return await job(browser)
        finally:
            await browser.close()


async def windows_alone(url: str, count: int) -> list[dict]:
    async def job(browser):
        await real_window(browser, url, "en", 2.0)  # warm-up: the server's first page and first events
        return [await real_window(browser, url, ("en", "zh")[i % 2], 1.5 + i / 10) for i in range(count)]

    return await in_browser(job)


def page_load_requests(window: dict, origin: str) -> list[dict]:
    """The page-open part of a window's requests, in order: everything before the slider's
    event (the last queue join), without the heartbeat (a long poll kept open while the page is)."""
    reqs = [r for r in window["requests"] if r["url"].startswith(origin) and "/heartbeat/" not in r["url"]]
    joins = [i for i, r in enumerate(reqs) if "/queue/join" in r["url"]]
    return reqs[: joins[-1]] if joins else reqs


async def replay_one(recorded: list[dict], seed: int) -> dict:
    """One student's page open, replayed: the page and its files six at a time, then the
    page-load events with a fresh session, reading the event stream to its end."""
    import httpx

    session = "".join(random.Random(seed).choices(string.ascii_lowercase + string.digits, k=11))
    static = [r for r in recorded if r["type"] in STATIC]
    events = [r for r in recorded if r["type"] not in STATIC and r["method"] == "POST"]
    origin = static[0]["url"].split("?")[0].rstrip("/")
    limits = httpx.Limits(max_connections=6)
    received = 0
    t0 = time.perf_counter()
    try:
        async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT, headers=BROWSER_HEADERS) as client:

            async def get(url: str) -> int:
                response = await client.get(url)
                response.raise_for_status()
                return response.num_bytes_downloaded  # on the wire, compressed as for a browser

            received += await get(static[0]["url"])  # the document first, as a browser does
            received += sum(await asyncio.gather(*(get(r["url"]) for r in static[1:])))
            pending: dict[str, int] = {}  # event id -> fn_index, until its process_completed
            last = []
            for r in events:
                body = json.loads(r["body"])
                body["session_hash"] = session
                response = await client.post(r["url"], json=body)
                response.raise_for_status()
                if event_id := response.json().get("event_id"):
                    pending[event_id] = body.get("fn_index")
            if pending:
                url = f"{origin}/gradio_api/queue/data?session_hash={session}"
                async with client.stream("GET", url) as response:
                    async for line in response.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        message = json.loads(line[5:])
                        last = [*last[-3:], message.get("msg")]
                        if message.get("msg") == "process_completed":
                            if not message.get("success", True):
                                raise RuntimeError(f"an event failed: {str(message)[:200]}")
                            pending.pop(message.get("event_id"), None)
                        if not pending or message.get("msg") == "close_stream":
                            break
            if pending:
                raise RuntimeError(
                    f"page-load events (fn_index {sorted(pending.values())}) never completed; last: {last}"
                )
        return {"seconds": time.perf_counter() - t0, "bytes": received}
    except Exception as e:  # noqa: BLE001 - counted, reported
        return {"error": repr(e)[:200]}


async def replay_together(recordings: list[list[dict]], students: int) -> list[dict]:
    jobs = [replay_one(recordings[i % len(recordings)], i) for i in range(students)]
    return await asyncio.wait_for(asyncio.gather(*jobs), TIMEOUT + 30)


def stats(xs: list[float]) -> dict | None:
    xs = sorted(xs)
    n = len(xs)
    return {"p50": statistics.median(xs), "p95": xs[min(n - 1, int(0.95 * n))], "max": xs[-1]} if xs else None


def row(name: str, results: list[dict], cpu: float | None) -> dict:
    done = [r for r in results if "error" not in r]
    return {
        "name": name,
        "students": len(results),
        "errors": len(results) - len(done),
        "seconds": stats([r["seconds"] for r in done]),
        "mb_per_open": statistics.median(r["bytes"] for r in done) / 1e6 if done else None,
        "cpu_per_open": cpu,
        "error_texts": [r["error"] for r in results if "error" in r][:3],
    }


def measure(url: str, pids: list[int], recordings: list[list[dict]], students: list[int], alone_runs: int, name: str):
    """Rows for ``alone_runs`` page opens one at a time, then each count of ``students`` at once.
    CPU is the sum over ``pids`` (the server, or a hall's balancer and workers); none: not measured."""

    def cpu() -> float:
        return sum(cpu_seconds(pid) for pid in pids)

    alone, alone_cpu = [], []
    for i in range(alone_runs):
        c0 = cpu()
        alone += asyncio.run(replay_together([recordings[i % len(recordings)]], 1))
        alone_cpu.append(cpu() - c0)
    rows = [row(f"{name}: one page open alone", alone, statistics.median(alone_cpu) if pids else None)]
    for n in students:
        c0 = cpu()
        together = asyncio.run(replay_together(recordings, n))
        rows.append(row(f"{name}: {n} page opens at once", together, (cpu() - c0) / n if pids else None))
    return rows


def hello_rows(students: list[int], alone_runs: int) -> list[dict]:
    """The same measurement against a bare Gradio hello-world: the framework's own cost of a page open."""
    import tempfile

    from load import start_server
    from startup import HELLO

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "hello.py"
        script.write_text(HELLO)
        proc, url = start_server(60, script)
        try:
            window = asyncio.run(in_browser(lambda browser: hello_window(browser, url)))
            recording = page_load_requests(window, url.rstrip("/"))
            return measure(url, [proc.pid], [recording], students, alone_runs, "hello-world")
        finally:
            proc.terminate()
            proc.wait(10)


def hall_rows(workers: int, students: list[int], alone_runs: int) -> tuple[list[dict], list[dict]]:
    """The same measurement through `python -m deploy --workers N`: N processes behind HAProxy,
    CPU summed over the balancer and the workers. Also returns the real windows opened through it."""
    from load import hall_pids, start_hall, stop_hall

    proc, url, run_dir = start_hall(workers)
    try:
        windows = asyncio.run(windows_alone(url, max(2, alone_runs)))
        recordings = [page_load_requests(w, url.rstrip("/")) for w in windows[:2]]
        return measure(url, hall_pids(run_dir), recordings, students, alone_runs, f"hall of {workers}"), windows
    finally:
        stop_hall(proc)


def app_rows(args) -> tuple[list[dict], list[dict], list[list[dict]]]:
    """python app.py (or --url): rows, the real windows and their recordings (English, Chinese)."""
    from load import start_server

    proc, url, pid = None, args.url, args.pid
    if url is None:
        proc, url = start_server()
        pid = proc.pid
    url = url if url.endswith("/") else url + "/"
    try:
        windows = asyncio.run(windows_alone(url, max(2, args.alone)))
        recordings = [page_load_requests(w, url.rstrip("/")) for w in windows[:2]]
        return measure(url, [pid] if pid else [], recordings, args.students, args.alone, "app.py"), windows, recordings
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)


def window_stats(windows: list[dict]) -> dict:
    return {
        "windows": len(windows),
        "shown": stats([w["shown"] for w in windows]),
        "answer": stats([w["answer"] for w in windows]),
    }


def print_rows(rows: list[dict]) -> None:
    fmt = lambda v: f"{v:.2f}" if v is not None else "-"  # noqa: E731
    print(f"{'':<36}{'students':>9}{'errors':>7}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'MB':>7}{'cpu s':>7}")
    for r in rows:
        s = r["seconds"] or {}
        print(
            f"{r['name']:<36}{r['students']:>9}{r['errors']:>7}{fmt(s.get('p50')):>8}{fmt(s.get('p95')):>8}"
            f"{fmt(s.get('max')):>8}{fmt(r['mb_per_open']):>7}{fmt(r['cpu_per_open']):>7}"
        )
        for e in r["error_texts"]:
            print(f"  error: {e}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app (default: start python app.py on a free port)")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, for its CPU seconds")
    parser.add_argument("--students", type=int, nargs="+", default=[40], help="page opens replayed at the same instant")
    parser.add_argument("--alone", type=int, default=3, help="baseline: this many opens one at a time")
    parser.add_argument("--hello", action="store_true", help="also measure a bare Gradio hello-world, the floor")
    parser.add_argument(
        "--hall", type=int, metavar="N", help="also measure N processes behind HAProxy (python -m deploy)"
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("loopback only: the page-open script never drives a remote server")

    rows, windows, recordings = app_rows(args)
    browser = window_stats(windows) | {"requests": [len(r) for r in recordings]}
    hall = None
    if args.hall:
        hall_result, hall_windows = hall_rows(args.hall, args.students, args.alone)
        rows += hall_result
        hall = {"workers": args.hall} | window_stats(hall_windows)
    if args.hello:
        rows += hello_rows(args.students, args.alone)
    print(f"page opens; requests per open (en, zh): {browser['requests']}")
    print_rows(rows)
    for name, b in (("app.py", browser), (f"hall of {args.hall}", hall)):
        if b:
            print(
                f"{name}, one real Chromium window alone ({b['windows']} opens): slider shown p50 "
                f"{b['shown']['p50']:.2f} s, its first answer p50 {b['answer']['p50']:.2f} s"
            )
    result = {"students": args.students, "rows": rows, "browser": browser, "hall": hall}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
