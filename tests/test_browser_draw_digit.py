"""Lecture 10's "Draw a digit" in real headless Chromium: draw with the mouse, read the prediction,
clear, switch models, load a test digit, in English and Chinese."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import Page, expect

from demos.i18n import t
from demos.vision import draw_digit

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def open_tab(page: Page, lang: str = "en") -> None:
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
STAR = [(0.25, 0.85), (0.5, 0.12), (0.75, 0.85), (0.12, 0.38), (0.88, 0.38), (0.25, 0.85)]


def ink_box(page: Page) -> tuple[int, int]:
    """(height, width) of the drawing's ink box in canvas pixels, as the caption reports it."""
    expect(page.locator("#dd-caption")).to_contain_text("ink box")
    h, w = re.search(r"ink box (\d+)×(\d+)", page.locator("#dd-caption").inner_text()).groups()
    return int(h), int(w)


def assert_zero_where_drawn(page: Page) -> None:
    """The ellipse ZERO spans 0.7 x 0.44 of the 280-px square, plus the 28-px brush: 224 x 151 px."""
    expect(page.locator("#dd-status")).to_contain_text("0: the three models agree")
    h, w = ink_box(page)
    assert abs(h - 224) <= 12 and abs(w - 151) <= 12, (h, w)


def test_draw_read_clear_and_draw_again(app_page: Page):
    page = app_page
    open_tab(page)
    status, label = page.locator("#dd-status"), page.locator("#dd-label")
    expect(status).to_contain_text("The pad is empty")
    stroke(page, ONE)
    expect(status).to_contain_text("1: the three models agree")
    expect(label).to_contain_text("1")
    expect(page.locator("#dd-caption")).to_contain_text("centre of mass")
    expect(page.locator("#dd-seen")).to_contain_text("What the model sees")
    expect(page.locator("#dd-conv1")).to_contain_text("32 of 24×24")
    page.locator("#dd-clear").click()
    expect(status).to_contain_text("The pad is empty")
    expect(label).to_contain_text("no digit")
    expect(page.locator("#dd-pad button[aria-label=Brush]")).to_have_class(re.compile("highlight"))
    stroke(page, ZERO, steps=1)
    assert_zero_where_drawn(page)
    page.locator("#dd-pad button[aria-label='Clear canvas']").click()  # the pad's own clear
    expect(status).to_contain_text("The pad is empty")


def test_scribble_warns_and_models_switch(app_page: Page):
    page = app_page
    open_tab(page)
    stroke(page, STAR)
    status = page.locator("#dd-status")
    expect(status).to_contain_text("Not sure; this may be no digit")
    model = page.locator("#dd-model")
    model.get_by_text(t("dd_model_lecture_cnn", "en")).click()
    expect(page.locator("#dd-conv1")).to_contain_text("10 of 24×24")
    expect(page.locator("#dd-conv2")).to_contain_text("20 of 8×8")
    expect(page.locator("#dd-kernels")).to_contain_text("10 of 5×5")
    model.get_by_text(t("dd_model_mlp", "en")).click()
    expect(page.locator("#dd-conv1")).to_contain_text("the MLP has no convolutions")
    expect(status).to_contain_text("Not sure")


def test_chinese_and_a_random_test_digit(app_page: Page):
    page = app_page
    page.goto(page.url.split("?")[0] + "?lang=zh")
    expect(page.locator("#app-title")).to_contain_text("互动课堂", timeout=20_000)
    open_tab(page, "zh")
    status = page.locator("#dd-status")
    expect(status).to_contain_text("画板是空的")
    stroke(page, ONE)
    expect(status).to_contain_text("1：三个模型一致")
    page.locator("#dd-random").click()
    truth = page.locator("#dd-truth")
    expect(truth).to_contain_text("真实标签")
    expect(page.locator("#dd-caption")).to_contain_text("质心")
    expect(status).not_to_contain_text("画板是空的")
    page.locator("#lang-switch").get_by_text("English").click()  # every tab redraws: allow for a busy machine
    expect(status).to_contain_text(re.compile(r"the three models|Not sure"), timeout=20_000)


def test_presenter_mode_draws_where_the_mouse_is(app_page: Page):
    """Presenter mode zooms the page by CSS; the pad keeps its own scale from the start (CSS, not a script
    a moment later, which raced the canvas's start-up and slid the drawing square down, partly off the pad).
    Opened straight from a presenter link to the tab, as a QR code on a slide does."""
    page = app_page
    page.goto(page.url.split("?")[0] + "?lang=en&presenter=1&tab=draw_digit")
    expect(page.locator("#app-title")).to_contain_text("Interactive Lectures", timeout=20_000)
    expect(page.locator("#dd-pad button[aria-label=Brush]")).to_have_class(re.compile("highlight"))
    expect(page.locator("#dd-kernels .js-plotly-plot")).to_be_attached(timeout=30_000)
    assert page.locator("#dd-pad").evaluate("e => getComputedStyle(e).zoom") == "0.769231"  # 1 / 1.3
    stroke(page, ZERO, steps=1)
    assert_zero_where_drawn(page)  # a misplaced stroke lands elsewhere, or off the pad, either way
