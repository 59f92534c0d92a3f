"""Lecture 10's "Draw a digit" in real headless Chromium: draw with the mouse, read the prediction,
clear, switch models, load a test digit, in English and Chinese."""

from __future__ import annotations

import re

import pytest
from browser_tools import ONE, ZERO, stroke
from browser_tools import open_draw_tab as open_tab
from playwright.sync_api import Page, expect

from demos.i18n import t

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


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
