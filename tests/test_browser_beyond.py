"""Lee P1 (beyond accuracy) in real headless Chromium: move the epsilon slider and watch the
prediction flip, see the other sections fill, then switch to Chinese."""

from __future__ import annotations

import os
import re

import pytest
from browser_tools import open_tab
from playwright.sync_api import Page, expect

from demos.i18n import t
from demos.vision import beyond
from demos.vision import beyond_compute as bc

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier

SHOTS = os.environ.get("BEYOND_SHOTS")  # a folder for screenshots, when set


def test_epsilon_slider_flips_the_prediction_in_both_languages(app_page: Page):
    page = app_page
    open_tab(page, beyond)
    expect(page.locator("#by-pred")).to_contain_text("test digit #0")
    expect(page.locator("#by-xai-plot")).to_contain_text("predicted class 0")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/beyond_explain_en.png", full_page=True)
    page.get_by_role("tab", name=t("by_atk_tab", "en"), exact=True).click()
    text = page.locator("#by-atk-pred")
    expect(text).to_contain_text("ε = 0.000")
    expect(text).to_contain_text("The model holds on")
    smallest = bc.smallest_eps("best_cnn", bc.test_set()[0][0])["eps"]
    expect(page.locator("#by-atk-min")).to_contain_text(f"{smallest:.4f}")
    slider = page.locator("#by-eps input[type=range]")
    slider.focus()
    for _ in range(20):  # step 0.005: 0 -> 0.1, above the smallest flipping epsilon (about 0.069)
        slider.press("ArrowRight")
    expect(text).to_contain_text("ε = 0.100")
    r = bc.fgsm("best_cnn", bc.test_set()[0][0], 0.1)
    expect(text).to_contain_text(f"now {r['pred_after']} ")
    expect(text).to_contain_text("the prediction flipped")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/beyond_attack_en.png", full_page=True)
    page.get_by_role("tab", name=t("by_ood_tab", "en"), exact=True).click()
    expect(page.locator("#by-ood-rates")).to_contain_text("detection rate")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/beyond_ood_en.png", full_page=True)
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#by-ood-rates")).to_contain_text("检测率", timeout=30_000)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/beyond_ood_zh.png", full_page=True)
    for key in ("by_xai_tab", "by_dom_tab", "by_cmp_tab"):  # every sub-tab's label follows the language
        expect(page.get_by_role("tab", name=t(key, "zh"), exact=True)).to_be_visible()
    page.get_by_role("tab", name=t("by_atk_tab", "zh"), exact=True).click()
    expect(text).to_contain_text("攻击成功")
    slider.focus()
    slider.press("ArrowLeft")  # 0.095: still flipped, and the text follows the slider in Chinese
    expect(text).to_contain_text("ε = 0.095")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/beyond_attack_zh.png", full_page=True)


def test_fine_tune_and_compression_buttons(app_page: Page):
    page = app_page
    open_tab(page, beyond)
    page.get_by_role("tab", name=t("by_dom_tab", "en"), exact=True).click()
    expect(page.locator("#by-dom-plot")).to_contain_text("Accuracy of best_cnn", timeout=60_000)
    page.locator("#by-finetune").click()
    r = bc.finetune("best_cnn", "invert", 5, 40, 0)
    expect(page.locator("#by-ft-text")).to_contain_text(f"{100 * r['after']:.1f} %", timeout=60_000)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/beyond_domain_en.png", full_page=True)
    page.get_by_role("tab", name=t("by_cmp_tab", "en"), exact=True).click()
    page.locator("#by-cmp-run").click()
    table = page.locator("#by-cmp-table")
    expect(table).to_contain_text("static int8", timeout=90_000)
    expect(table).to_contain_text(f"{100 * bc.measure('fp32')['accuracy']:.1f} %")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/beyond_compress_en.png", full_page=True)


def test_a_drawing_becomes_the_input(app_page: Page):
    page = app_page
    open_tab(page, beyond)
    page.get_by_text(t("by_draw", "en"), exact=True).click()  # open the drawing accordion
    expect(page.locator("#by-pad button[aria-label=Brush]")).to_have_class(re.compile("highlight"))
    box = page.locator("#by-pad canvas").first.bounding_box()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.18 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.82 * box["height"], steps=12)
    page.mouse.up()
    pred = page.locator("#by-pred")
    expect(pred).to_contain_text("your drawing", timeout=30_000)
    expect(pred).to_contain_text("reads 1")
    expect(page.locator("#by-xai-plot")).to_contain_text("predicted class 1")
