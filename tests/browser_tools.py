"""Small helpers the browser tests share (the app_page fixture is in conftest.py)."""

from __future__ import annotations

import math
import re

from playwright.sync_api import Page, expect

from demos.i18n import t
from demos.vision import draw_digit


def open_tab(page: Page, module, lang="en"):
    page.get_by_role("tab", name=t(module.LECTURE.section, lang), exact=True).click()
    page.get_by_role("tab", name=t(module.LECTURE.tab, lang), exact=True).click()


def set_number(page: Page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def record_text(page: Page, selector: str) -> None:
    """Log every text the element shows, in the page itself: polling from the
    test would miss frames while the page is busy redrawing plots."""
    page.evaluate(
        """(sel) => { const el = document.querySelector(sel); window._texts = [];
        new MutationObserver(() => window._texts.push(el.innerText))
          .observe(el, {subtree: true, childList: true, characterData: true}); }""",
        selector,
    )


def recorded(page: Page) -> list[str]:
    return page.evaluate("window._texts")


def assert_stopped(page: Page, selector: str, settle_ms: int, watch_ms: int, finished: str = "") -> str:
    """After a Stop: the text the tab writes into the Markdown ``selector`` stays put for
    ``watch_ms`` (read ``settle_ms`` after the click) and never reaches ``finished``. Returns it.

    The text, not the component's whole innerText: while a cancelled step finishes in its thread,
    Gradio 6.31's frontend shows "Error" over the outputs for a few frames (its cancel() sets an
    error status before the complete one), so only the overlay's end is checked."""
    written = page.locator(selector).get_by_test_id("markdown")
    page.wait_for_timeout(settle_ms)
    stopped = written.inner_text()
    page.wait_for_timeout(watch_ms)
    assert written.inner_text() == stopped, (stopped, written.inner_text())
    assert not finished or finished not in stopped, stopped
    expect(page.locator(selector)).not_to_contain_text("Error")
    return stopped


def click_when_text(page: Page, selector: str, pattern: str, button: str, times: int = 1) -> None:
    """Click ``button`` from inside the page the moment ``selector``'s text has matched the regex
    ``pattern`` ``times`` times (say, the sixth frame of a training run): a Stop test then does not
    lose seconds to a busy test runner."""
    page.evaluate(
        """([sel, pat, btn, times]) => { const el = document.querySelector(sel); const re = new RegExp(pat);
        let seen = 0, last = null;
        const obs = new MutationObserver(() => { const text = el.innerText;
          if (text === last || !re.test(text)) return;
          last = text;
          if (++seen >= times) { obs.disconnect(); document.querySelector(btn).click(); } });
        obs.observe(el, {subtree: true, childList: true, characterData: true}); }""",
        [selector, pattern, button, times],
    )


# ---- the draw tab's pad (lecture 10) ----


def open_draw_tab(page: Page, lang: str = "en") -> None:
    """Like browser_tools.open_tab, also when the section sits in the tab bar's overflow menu."""
    name = t("sec_vision", lang)
    section = page.get_by_role("tab", name=name, exact=True)
    hidden = page.locator(".section-tabs .overflow-dropdown button", has_text=name)
    # labelled in this language (a server round trip after a language switch: slow on a busy machine)
    expect(section.or_(hidden).first).to_be_attached(timeout=30_000)
    if section.count():
        section.click()
    else:
        page.locator(".section-tabs .overflow-menu > button").first.click()
        hidden.first.click()
    page.get_by_role("tab", name=t(draw_digit.LECTURE.tab, lang), exact=True).click()
    # the tab picks the brush by itself (Gradio's pad starts with no tool)
    expect(page.locator("#dd-pad button[aria-label=Brush]")).to_have_class(re.compile("highlight"))
    # the tab is drawn when first shown: let its figures arrive (the page moves as they do)
    expect(page.locator("#dd-kernels .js-plotly-plot")).to_be_attached(timeout=30_000)


def pad_geometry(page: Page) -> tuple[float, float, float]:
    """(left, top, side) of the pad's drawing square in the window, once it has stopped moving.

    The square is the 280x280 canvas shown at the pad's zoom ("140%"), centred in the pad's
    <canvas> (as "Fit to screen" puts it). Clearing refits the zoom a moment later: wait until two
    looks 0.4 s apart agree."""
    page.locator("#dd-pad").scroll_into_view_if_needed()  # the mouse only reaches what the window shows
    zoom = page.locator("#dd-pad .zoom-number span[role=button]")
    expect(zoom).to_have_text(re.compile(r"^\d+%$"))
    last = None
    for _ in range(25):
        box = page.locator("#dd-pad canvas").first.bounding_box()
        now = (zoom.inner_text(), tuple(box.values()))
        if now == last:
            break
        last = now
        page.wait_for_timeout(400)
    side = draw_digit.CANVAS * int(zoom.inner_text().rstrip("%")) / 100
    return box["x"] + (box["width"] - side) / 2, box["y"] + (box["height"] - side) / 2, side


def stroke(page: Page, points, steps: int = 3) -> None:
    """One mouse stroke through points given as fractions (x, y) of the pad's drawing square
    (a stroke that starts outside the square draws nothing), ``steps`` mouse moves per segment.
    Each move over the pad costs headless Chromium about 0.2 s (it redraws the canvas in software)."""
    x0, y0, side = pad_geometry(page)
    xy = [(x0 + fx * side, y0 + fy * side) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=steps)
    page.mouse.up()


ONE = [(0.5, 0.15), (0.5, 0.85)]
# an ellipse as 24 straight segments, drawn one move each (the pad joins successive points)
ZERO = [(0.5 + 0.22 * math.sin(a), 0.5 - 0.35 * math.cos(a)) for a in (2 * math.pi * k / 24 for k in range(25))]
