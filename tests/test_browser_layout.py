"""Projectors and phones: every section and lecture one tap away, tap targets a finger can hit, no
sideways scroll, plots within the width, and a digit drawn by touch.

Sizes: presenter mode on 1280x800 and 1024x768 projectors; Playwright's Pixel 7 and iPhone 13
descriptors in Chromium (WebKit cannot be installed here)."""

from __future__ import annotations

import pytest
from browser_tools import ONE, open_draw_tab, pad_geometry
from playwright.sync_api import Browser, Page, Playwright, expect

import demos
from demos.i18n import t

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier

TAP = 44  # CSS px: the smallest comfortable touch target (Apple HIG, WCAG 2.5.5)


TITLE = {"en": "Interactive Lectures", "zh": "互动课堂"}


def open_page(page: Page, url: str, lang: str) -> None:
    expect.set_options(timeout=20_000)
    page.goto(url)
    expect(page.locator("#app-title")).to_contain_text(TITLE[lang], timeout=30_000)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window"


def every_lecture_in_two_taps(page: Page, lang: str, tap_size: int | None) -> None:
    """Each section tab is on screen with its label; a tap on it shows each of its lecture tabs,
    and a tap on one of those opens it. No tab sits in an overflow menu."""
    assert page.locator(".overflow-menu button:visible").count() == 0
    for section, modules in demos.sections():
        button = page.get_by_role("tab", name=t(section, lang), exact=True)
        expect(button).to_be_visible()
        check_target(button, tap_size)
        button.click()
        for module in modules:
            tab = page.get_by_role("tab", name=t(module.LECTURE.tab, lang), exact=True)
            expect(tab).to_be_visible()
            check_target(tab, tap_size)
            box = tab.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 1, box
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
    no_sideways_scroll(page)


def check_target(locator, tap_size: int | None) -> None:
    if tap_size:
        box = locator.bounding_box()
        assert box["height"] >= tap_size and box["width"] >= tap_size, box


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_presenter_mode_shows_every_section_and_lecture(page: Page, server_url, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_page(page, server_url + "?presenter=1&lang=zh", "zh")
    expect(page.locator("body.presenter")).to_be_attached()
    every_lecture_in_two_taps(page, "zh", None)


@pytest.fixture(params=["Pixel 7", "iPhone 13"])
def phone(request, browser: Browser, playwright: Playwright):
    device = {k: v for k, v in playwright.devices[request.param].items() if k != "default_browser_type"}
    context = browser.new_context(**device)
    yield context.new_page()
    context.close()


def test_a_phone_reaches_every_lecture_in_two_taps(phone: Page, server_url):
    open_page(phone, server_url + "?lang=en", "en")
    no_sideways_scroll(phone)
    every_lecture_in_two_taps(phone, "en", TAP)
    # plots fit the width: the last lecture opened is poems; open one with plots
    phone.get_by_role("tab", name=t("sec_basics", "en"), exact=True).click()
    phone.get_by_role("tab", name=t("lin_tab", "en"), exact=True).click()
    plots = phone.locator("#tab-linear_model .js-plotly-plot")
    expect(plots.first).to_be_visible()
    width = phone.viewport_size["width"]
    for i in range(plots.count()):
        box = plots.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (i, box, width)
    no_sideways_scroll(phone)


def test_a_digit_drawn_by_touch_is_read(phone: Page, server_url):
    open_page(phone, server_url + "?lang=en", "en")
    open_draw_tab(phone)
    x0, y0, side = pad_geometry(phone)
    points = [(x0 + fx * side, y0 + fy * side) for fx, fy in ONE]
    cdp = phone.context.new_cdp_session(phone)
    steps = [points[0], *((points[0][0], points[0][1] + (points[1][1] - points[0][1]) * k / 12) for k in range(1, 13))]
    for kind, (x, y) in [("touchStart", steps[0]), *(("touchMove", p) for p in steps[1:])]:
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(phone.locator("#dd-status")).to_contain_text("1: the three models agree", timeout=30_000)
