"""Lecture 10 (convolution and pooling) in real headless Chromium: step the window and see
its sum, pad and stride, pool, pick a calculator preset, break a layer, switch to Chinese."""

from __future__ import annotations

import re

import pytest
from browser_tools import open_tab
from playwright.sync_api import Page, expect

from demos.i18n import t
from demos.vision import convolution

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def open_conv(page: Page, lang: str = "en") -> None:
    """Open the tab; at 1280 px the vision section can sit in the section bar's "..." menu."""
    section = page.get_by_role("tab", name=t(convolution.LECTURE.section, lang), exact=True)
    more = page.locator(".section-tabs .overflow-menu > button").first
    expect(section.or_(more).first).to_be_visible()
    if not section.is_visible():
        more.click()
        page.locator(".section-tabs .overflow-dropdown button", has_text=t(convolution.LECTURE.section, lang)).click()
        page.get_by_role("tab", name=t(convolution.LECTURE.tab, lang), exact=True).click()
    else:
        open_tab(page, convolution, lang)
    expect(page.locator("#conv-plot")).to_be_visible()


def test_step_the_window_and_see_the_sum(app_page: Page):
    page = app_page
    open_conv(page)
    total = page.locator("#conv-sum")
    expect(total).to_contain_text("output[0, 0] = 3·1 + 4·2 + 6·3 + 2·4 + 4·5 + 6·6 + 1·7 + 6·8 + 7·9 = 211")
    expect(total).to_contain_text("✓ The whole output equals PyTorch's")
    page.locator("#conv-next").click()
    expect(total).to_contain_text("output[0, 1] = 4·1 + 6·2 + 5·3")
    expect(total).to_contain_text("= 295")
    expect(page.locator("#conv-plot")).to_contain_text("Step 2/9")
    page.locator("#conv-padding").get_by_text("1", exact=True).click()  # padding 1: 5x5 output, 25 steps
    expect(page.locator("#conv-plot")).to_contain_text("Step 2/25")
    expect(total).to_contain_text("= 168")
    expect(total).to_contain_text("[[91, 168, 224, 215, 127]")
    page.locator("#conv-prev").click()
    expect(total).to_contain_text("output[0, 0] = 0·1 + 0·2 + 0·3 + 0·4 + 3·5 + 4·6 + 0·7 + 2·8 + 4·9 = 91")
    page.locator("#conv-stride").get_by_text("2", exact=True).click()
    expect(page.locator("#conv-plot")).to_contain_text("Step 1/9")
    page.locator("#conv-play").click()  # plays on by itself, then pauses
    expect(page.locator("#conv-plot")).to_contain_text(re.compile(r"Step [3-9]/9"), timeout=20_000)
    page.locator("#conv-pause").click()
    # pooling: the lecture's 4x4 example, one window a step
    pool = page.locator("#conv-pool-sum")
    expect(pool).to_contain_text("max(3, 4, 2, 4) = 4")
    page.locator("#conv-pool-next").click()
    expect(pool).to_contain_text("max(6, 5, 6, 8) = 8")
    expect(pool).to_contain_text("[[4, 8], [9, 8]]")
    expect(page.locator("#conv-multi-sum")).to_contain_text("2 × 3 × 3 × 3")


def test_edit_the_numbers(app_page: Page):
    page = app_page
    open_conv(page)
    # the tab's first draw has answered (as it has long before a student's hand reaches Apply; a click
    # within its first milliseconds can still meet the gap before the draw is counted out: see ui.step_js)
    expect(page.locator("#conv-sum")).to_contain_text("= 211")
    page.locator("#conv-edit").get_by_text("Edit the input and the kernel").click()
    page.locator("#conv-k textarea").fill("1 0\n0 -1")
    page.locator("#conv-apply").click()
    expect(page.locator("#conv-sum")).to_contain_text("3·1 + 4·0 + 2·0 + 4·(−1) = −1")
    expect(page.locator("#conv-plot")).to_contain_text("Step 1/16")
    page.locator("#conv-k textarea").fill("1 0\n0 x")
    page.locator("#conv-apply").click()
    expect(page.locator(".toast-body").first).to_contain_text("cannot read 'x'")


def select_preset(page: Page, label: str) -> None:
    page.locator("#conv-preset input").click()
    page.get_by_role("option", name=label, exact=True).click()


def test_presets_and_an_impossible_layer(app_page: Page):
    page = app_page
    open_conv(page)
    status, table = page.locator("#conv-calc-status"), page.locator("#conv-calc-table")
    expect(status).to_contain_text("8,490 parameters in all")
    select_preset(page, t("conv_preset_homework_cnn", "en"))
    expect(status).to_contain_text("106,058 parameters in all")
    expect(table).to_contain_text("C·H·W = 64·3·3 = 576")
    select_preset(page, t("conv_preset_lecture_cnn", "en"))
    expect(table).to_contain_text("C·H·W = 20·4·4 = 320")
    expect(status).to_contain_text("8,490")
    expect(page.locator("#conv-calc-code")).to_contain_text("nn.Linear(320, 10)")
    page.locator("#conv-layers textarea").fill(
        "nn.Conv2d(1, 10, kernel_size=5)\nnn.MaxPool2d(2)\nnn.Conv2d(10, 20, kernel_size=13)"
    )
    expect(status).to_contain_text("Layer 3 (conv): the output would be 0 × 0")
    expect(status).to_contain_text("PyTorch itself says")
    page.locator("#conv-layers textarea").fill("conv out=10 k=5\nmaxpool k=2\nflatten\nlinear in=320 out=10")
    expect(status).to_contain_text("Layer 4 (linear): in_features = 320 but the flattened input has 1440 features")


def test_chinese(app_page: Page):
    page = app_page
    open_conv(page)
    expect(page.locator("#conv-calc-status")).to_contain_text("8,490")
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#conv-sum")).to_contain_text("输出[0, 0] = 3·1", timeout=20_000)
    expect(page.locator("#conv-sum")).to_contain_text("完全相同")
    expect(page.locator("#conv-plot")).to_contain_text("第 1/9 步")
    expect(page.locator("#conv-calc-status")).to_contain_text("参数共 8,490 个")
    expect(page.locator("#conv-calc-table")).to_contain_text("输出形状")
    expect(page.locator("#conv-pool-kind")).to_contain_text("最大池化")
    page.locator("#conv-layers textarea").fill("nn.MaxPool2d(3, padding=2)")
    expect(page.locator("#conv-calc-status")).to_contain_text("第 1 层（maxpool）：padding 2 超过了池化核 3 的一半")
