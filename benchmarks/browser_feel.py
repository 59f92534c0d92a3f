"""What a student's browser feels, in a real headless Chromium on this machine:

- per tab, click the tab -> the tab fully drawn (p50 of --reps, in both languages);
- the L2 weight slider: type a new w into its box and press Enter -> the MSE text, the line's
  title and the MSE(w) curve's marker show it (p50 of --steps); also when the surface's marker does;
- the draw tab: lift the pen after a stroke -> the top-3 shown;

against a bare Gradio page whose slider redraws one Plotly line (benchmarks/bare_plot.py), measured
the same way in the same browser, as a ratio.

    python benchmarks/browser_feel.py                          # all of it: about 15 min here
    python benchmarks/browser_feel.py --tabs linear_model poems --reps 1 --steps 5

How: a script added to every page before Gradio's counts the events it sends (queue joins) and
completes (the event stream's process_completed), the requests in flight, and the last change to
the page (a MutationObserver over the whole document). A tab is drawn when no event is pending, no
request is in flight and the page has not changed for --quiet seconds; its time is that of the last
change (or answer), from the click. A step's time is taken inside the page, each animation frame,
from the Enter key. The server runs on the same 2 cores as the browser, as in a classroom laptop's
`python app.py`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tests"))  # browser_tools: the draw tab's pad, as the browser tests draw

TIMEOUT = 60.0  # seconds: a bound on every wait
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

# Counts events and requests, and the last change to the page (performance.now() ms).
FEEL_JS = r"""
(() => {
  const f = window.__feel = {joins: 0, done: 0, open: 0, lastNet: 0, lastMut: 0, mark: 0};
  const now = () => performance.now();
  const readStream = async (body) => {  // a copy of the event stream: count completed events
    const reader = body.getReader(), dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buf += dec.decode(value, {stream: true});
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          for (const line of buf.slice(0, i).split('\n')) {
            if (!line.startsWith('data:')) continue;
            try { if (JSON.parse(line.slice(5)).msg === 'process_completed') { f.done++; f.lastNet = now(); } }
            catch (e) {}
          }
          buf = buf.slice(i + 2);
        }
      }
    } catch (e) {}
  };
  const real = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = String((input && input.url) || input);
    if (url.includes('/heartbeat/')) return real(input, init);
    const join = url.includes('/queue/join');
    if (join) f.joins++;
    f.open++;
    try {
      const r = await real(input, init);
      if (join && !r.ok) f.done++;
      if (url.includes('/queue/data') && r.body) {
        const [mine, theirs] = r.body.tee();
        readStream(theirs);
        return new Response(mine, {status: r.status, statusText: r.statusText, headers: r.headers});
      }
      return r;
    } catch (e) {
      if (join) f.done++;
      throw e;
    } finally { f.open--; f.lastNet = now(); }
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) f.lastNet = Math.max(f.lastNet, e.responseEnd);
  }).observe({type: 'resource', buffered: true});
  const watch = () => new MutationObserver(() => { f.lastMut = now(); })
    .observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.documentElement) watch(); else document.addEventListener('readystatechange', watch, {once: true});
  document.addEventListener('click', () => { f.mark = now(); }, true);
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') f.mark = now(); }, true);
  document.addEventListener('pointerup', () => { f.mark = now(); }, true);
})();
"""

STATE_JS = "() => ({...window.__feel, now: performance.now()})"

# Watches, each animation frame, for every named condition; records when each first holds, from the mark.
WATCH_JS = r"""
([conditions, args]) => {
  const f = window.__feel;
  const checks = Object.fromEntries(Object.entries(conditions).map(([k, src]) => [k, new Function('a', src)]));
  f.seen = {};
  const until = performance.now() + 60000;
  const frame = () => {
    const t = performance.now();
    for (const [k, check] of Object.entries(checks)) {
      let ok = false;
      try { ok = !(k in f.seen) && check(args); } catch (e) {}
      if (ok) f.seen[k] = t - f.mark;
    }
    if (Object.keys(f.seen).length < Object.keys(checks).length && t < until) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
"""

# Helpers the conditions use: the Plotly figures in an element, a figure's title and trace x.
PLOTS = (
    "const plots = (sel) => [...document.querySelectorAll(sel + ' .js-plotly-plot')];"
    "const title = (gd) => (gd.querySelector('.gtitle') || {}).textContent || '';"
    "const xAt = (gd, i) => gd._fullData && gd._fullData[i] && gd._fullData[i].x[0];"
)
BARE_DONE = PLOTS + "return plots('#bare-plot').some((gd) => title(gd).includes(a.wText));"
L2_CONDITIONS = {
    "mse": "return document.querySelector('#lin-mse').innerText.includes(a.mseText);",
    "line": PLOTS + "return plots('#tab-linear_model').some((gd) => title(gd).includes(a.wText));",
    "curve": PLOTS
    + "return plots('#tab-linear_model').some((gd) => gd._fullData[0].name === 'MSE(w)' && xAt(gd, 1) === a.w);",
    "surface": PLOTS
    + "return plots('#tab-linear_model').some((gd) => gd._fullData[0].type === 'surface' && xAt(gd, 1) === a.w);",
}
TOP3_SHOWN = (
    "const el = document.querySelector('#dd-label'); return el.innerText.trim() !== '' && el.innerText !== a.before;"
)


def stats(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"n": len(xs), "p50": statistics.median(xs), "max": xs[-1]}


def settle(page, quiet: float) -> float:
    """Wait until no event is pending, nothing is in flight and the page has not changed for ``quiet``
    seconds; returns the seconds from the last mark (click, Enter, pen up) to the last change."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        s = page.evaluate(STATE_JS)
        last = max(s["lastMut"], s["lastNet"])
        if s["joins"] <= s["done"] and s["open"] == 0 and s["now"] - last >= quiet * 1000:
            return (last - s["mark"]) / 1000
        time.sleep(0.05)
    raise TimeoutError(f"the page did not settle within {TIMEOUT:.0f} s")


def open_page(browser, url: str, quiet: float):
    """A fresh window on ``url``, settled; a Chinese page opens in a browser set to Chinese (as in a
    Chinese classroom: the page then starts in its locale, see i18n.JS_RELABEL)."""
    locale = "zh-CN" if "lang=zh" in url else "en-US"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    context.add_init_script(FEEL_JS)
    page = context.new_page()
    page.goto(url, timeout=TIMEOUT * 1000)
    settle(page, quiet)
    return context, page


def watch(page, conditions: dict[str, str], args: dict, act, quiet: float) -> dict[str, float]:
    """Start watching ``conditions``, ``act()``, wait until they all hold (or the page settles), and
    return the seconds to each from the mark (the page settled too: the next step starts clean)."""
    page.evaluate(WATCH_JS, [conditions, args])
    act()
    try:
        page.wait_for_function(f"Object.keys(window.__feel.seen).length === {len(conditions)}", timeout=TIMEOUT * 1000)
    finally:
        settle(page, quiet)
    return {k: v / 1000 for k, v in page.evaluate("window.__feel.seen").items()}


def steps(page, box_id: str, conditions, expect, count: int, quiet: float) -> list[dict[str, float]]:
    """``count`` slider steps: type w into the slider's box and press Enter."""
    box = page.locator(f"#{box_id} input[type=number]")
    out = []
    for k in range(count):
        w = round(0.5 + (k * 0.37) % 3, 2)  # 20 different values in [0.5, 3.5)

        def act(w=w):
            box.fill(str(w))
            box.press("Enter")

        out.append(watch(page, conditions, expect(w), act, quiet))
    return out


def bare_steps(browser, url: str, count: int, quiet: float) -> list[float]:
    context, page = open_page(browser, url, quiet)
    try:
        rows = steps(page, "bare-w", {"line": BARE_DONE}, lambda w: {"w": w, "wText": f"{w:.2f}·x"}, count, quiet)
        return [r["line"] for r in rows]
    finally:
        context.close()


def l2_steps(browser, url: str, count: int, quiet: float, lang: str = "en") -> list[dict[str, float]]:
    from demos.basics.linear_model import mse

    def expect(w):
        return {"w": w, "wText": f"{w:.2f}·x", "mseText": f"MSE = {mse(w, 0.0):.4f}"}

    context, page = open_page(browser, f"{url}?tab=linear_model&lang={lang}", quiet)
    try:
        return steps(page, "lin-w", L2_CONDITIONS, expect, count, quiet)
    finally:
        context.close()


def strokes(browser, url: str, count: int, quiet: float) -> list[dict[str, float]]:
    """Draw a 1, then a 0, ... on the draw tab: seconds from pen up to the top-3, and to all drawn."""
    from browser_tools import ONE, ZERO, stroke

    context, page = open_page(browser, f"{url}?tab=draw_digit&lang=en", quiet)
    try:
        out = []
        for k in range(count):
            page.locator("#dd-clear").click()
            settle(page, quiet)
            before = page.locator("#dd-label").inner_text()
            seen = watch(
                page, {"top3": TOP3_SHOWN}, {"before": before}, lambda k=k: stroke(page, (ONE, ZERO)[k % 2]), quiet
            )
            out.append({**seen, "drawn": settle(page, quiet)})
        return out
    finally:
        context.close()


# ---- tabs ---------------------------------------------------------------------


def tab_list() -> list[tuple[str, str, str]]:
    """(key, section key, tab label key) of every lecture tab, in page order."""
    import demos

    return [(m.LECTURE.key, section, m.LECTURE.tab) for section, modules in demos.sections() for m in modules]


def show_tab(page, section: str, label: str, lang: str, quiet: float) -> dict:
    """Click what shows the tab (its section, then the tab unless the section shows it already);
    seconds from the last click to the tab drawn, and the figures the tab then holds."""
    from demos.i18n import t

    section_tab = page.get_by_role("tab", name=t(section, lang), exact=True)
    tab = page.get_by_role("tab", name=t(label, lang), exact=True)
    seconds = None
    if section_tab.get_attribute("aria-selected") != "true":
        section_tab.click()
        seconds = settle(page, quiet)
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
        seconds = settle(page, quiet)
    return {"seconds": seconds, "figures": tab_figures(page)}


def tab_figures(page) -> int:
    """Plotly figures drawn in the lecture tab on screen."""
    return page.evaluate(
        "() => [...document.querySelectorAll('.tabitem')].filter((el) => el.offsetParent && el.id.startsWith('tab-'))"
        ".reduce((n, el) => n + el.querySelectorAll('.js-plotly-plot').length, 0)"
    )


def tab_clicks(browser, url: str, keys: list[str], langs: list[str], reps: int, quiet: float) -> dict:
    """{key: {lang: [row, ...]}}: each rep clicks through the tabs in page order on a page opened on
    the last tab (a link), then shows the last tab on a second page."""
    tabs = [row for row in tab_list() if row[0] in keys]
    out = {key: {lang: [] for lang in langs} for key, _, _ in tabs}
    for _ in range(reps):
        for lang in langs:
            last = tabs[-1]
            for start, todo in ((last[0], tabs[:-1]), (tabs[0][0], [last])):
                context, page = open_page(browser, f"{url}?tab={start}&lang={lang}", quiet)
                try:
                    for key, section, label in todo:
                        out[key][lang].append(show_tab(page, section, label, lang, quiet))
                finally:
                    context.close()
    return out


# ---- the run ------------------------------------------------------------------


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app (loopback only) instead of starting `python app.py`")
    parser.add_argument("--bare-url", help="a running benchmarks/bare_plot.py (loopback only)")
    parser.add_argument("--tabs", nargs="*", help="tab keys to click (default: all)")
    parser.add_argument("--langs", nargs="*", default=["en", "zh"])
    parser.add_argument("--reps", type=int, default=3, help="click-throughs per language")
    parser.add_argument("--steps", type=int, default=20, help="L2 slider steps (and bare page steps)")
    parser.add_argument("--strokes", type=int, default=5, help="digits drawn")
    parser.add_argument("--quiet", type=float, default=1.0, help="seconds without change that mean drawn")
    parser.add_argument("--json", help="write the result here")
    args = parser.parse_args(argv)
    for url in (args.url, args.bare_url):
        if url and not url.startswith(("http://127.0.0.1", "http://localhost")):
            raise SystemExit("browser_feel.py measures a server on this machine only (loopback)")
    return args


def run(args, url: str, bare_url: str) -> dict:
    from page_open import chromium
    from playwright.sync_api import sync_playwright

    keys = args.tabs if args.tabs is not None else [key for key, _, _ in tab_list()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            result = {"bare": stats(bare_steps(browser, bare_url, args.steps, args.quiet))}
            l2 = l2_steps(browser, url, args.steps, args.quiet)
            result["l2"] = {k: stats([r[k] for r in l2 if k in r]) for k in L2_CONDITIONS}
            result["l2"]["step"] = stats([max(r["mse"], r["line"], r["curve"]) for r in l2])
            if args.strokes:
                drawn = strokes(browser, url, args.strokes, args.quiet)
                result["draw"] = {k: stats([r[k] for r in drawn]) for k in ("top3", "drawn")}
            clicks = tab_clicks(browser, url, keys, args.langs, args.reps, args.quiet) if keys else {}
            result["tabs"] = {
                key: {
                    lang: {**stats([r["seconds"] for r in rows]), "figures": rows[-1]["figures"]}
                    for lang, rows in by.items()
                }
                for key, by in clicks.items()
            }
        finally:
            browser.close()
    return result


def print_result(r: dict) -> None:
    bare = r["bare"]["p50"]
    print(f"bare Gradio page, one Plotly update: p50 {bare:.3f} s (max {r['bare']['max']:.3f}, n={r['bare']['n']})")
    print("L2 slider step (type w, Enter):")
    for k, s in r["l2"].items():
        print(f"  {k:8s} p50 {s['p50']:.3f} s  max {s['max']:.3f} s  n={s['n']}  ratio to bare {s['p50'] / bare:.1f}")
    for k, s in r.get("draw", {}).items():
        print(f"draw a digit, pen up -> {k}: p50 {s['p50']:.3f} s  max {s['max']:.3f} s  n={s['n']}")
    if r["tabs"]:
        langs = list(next(iter(r["tabs"].values())))
        print("click a tab -> drawn, p50 s (max) [figures]: " + " | ".join(langs))
        for key, by in sorted(r["tabs"].items(), key=lambda kv: -max(s["p50"] for s in kv[1].values())):
            cells = " | ".join(f"{s['p50']:6.2f} ({s['max']:.2f}) [{s['figures']}]" for s in by.values())
            print(f"  {key:20s} {cells}")


# The same benchmark before issue 13's changes (commit 4546814, 2026-12-06; Chinese pages then opened
# in an English browser, which cost the same there: the tab labels were sent again at every Chinese page open).
BEFORE = {
    "bare": 0.053,
    "step": 0.614,
    "top3": 0.693,
    "tabs": {
        "beyond": (18.41, 30.27),
        "advanced_cnn": (8.18, 10.98),
        "convolution": (5.73, 9.56),
        "rnn_basics": (4.15, 7.14),
        "names": (3.60, 4.70),
    },
}


def feel_lines(r: dict) -> list[str]:
    """The benchmarks/README.md section of a run (benchmarks/run_all.py)."""
    bare = r["bare"]["p50"]

    def row(name, s):
        return f"| {name} | {s['p50']:.3f} s | {s['max']:.3f} s | {s['n']} | {s['p50'] / bare:.1f} |"

    tabs = sorted(r["tabs"].items(), key=lambda kv: -max(s["p50"] for s in kv[1].values()))
    old = ", ".join(f"{k} {en:.1f} / {zh:.1f} s" for k, (en, zh) in BEFORE["tabs"].items())
    return [
        "## What a student's browser feels (`benchmarks/browser_feel.py`)",
        "",
        "A real headless Chromium (software rendering, no GPU, as on a classroom laptop) on the same 2 cores as "
        "`python app.py`. A script added to each page counts the events it sends and completes and the last change "
        "to the page; times are taken inside the page. Baseline in the same run: a bare Gradio page whose slider "
        "redraws one Plotly line (`benchmarks/bare_plot.py`), measured the same way.",
        "",
        "| step | p50 | max | n | ratio to the bare page |",
        "| --- | --- | --- | --- | --- |",
        row("bare Gradio page: type w, Enter -> the line's title shows it", r["bare"]),
        row("L2: type w, Enter -> the MSE text, the line and the MSE(w) curve's marker show it", r["l2"]["step"]),
        row("L2: ... -> the surface's (w, b) marker shows it (once w rests 0.3 s)", r["l2"]["surface"]),
        *([row("draw a digit: pen up -> the top-3 shown", r["draw"]["top3"])] if "draw" in r else []),
        *([row("draw a digit: pen up -> every view drawn", r["draw"]["drawn"])] if "draw" in r else []),
        "",
        "Click a tab -> the tab drawn (no event pending, its figures present and the page unchanged for 1 s), "
        "p50 of 3 click-throughs of all the tabs in page order per language; a Chinese page in a browser set to "
        "Chinese:",
        "",
        "| tab | English p50 | max | Chinese p50 | max | figures |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {k} | {by['en']['p50']:.2f} s | {by['en']['max']:.2f} s | {by['zh']['p50']:.2f} s "
            f"| {by['zh']['max']:.2f} s | {by['zh']['figures']} |"
            for k, by in tabs
            if {"en", "zh"} <= set(by)
        ),
        "",
        "`linear_model`, the first tab, is drawn with the page, so its click mostly redraws nothing. "
        f"Before issue 13 (same benchmark at commit 4546814): the L2 step {BEFORE['step']:.3f} s against "
        f"{BEFORE['bare']:.3f} s for the bare page ({BEFORE['step'] / BEFORE['bare']:.1f}x); the slowest tabs, "
        f"English / Chinese p50: {old}.",
        "",
    ]


def main(argv=None) -> dict:
    from load import start_server

    args = parse(argv)
    procs = []
    try:
        url, bare_url = args.url, args.bare_url
        if url is None:
            proc, url = start_server()
            procs.append(proc)
        if bare_url is None:
            proc, bare_url = start_server(script=Path(__file__).parent / "bare_plot.py")
            procs.append(proc)
        result = run(args, url.rstrip("/") + "/", bare_url.rstrip("/") + "/")
    finally:
        for proc in procs:
            proc.kill()
    print_result(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
