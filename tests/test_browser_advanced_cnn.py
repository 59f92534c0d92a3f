"""Lecture 11 (Inception and residual networks) in real headless Chromium: the diagrams
draw with the real shapes, the depth and activation redraw the gradient flow, the language
switch reaches every server-built text, the training race streams and stops."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_tools import assert_stopped, click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.vision import advanced_cnn, advanced_cnn_compute

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier

SHOTS = Path(os.environ.get("SCREENSHOTS", "/tmp"))


def summary_numbers(depth, activation):
    g = advanced_cnn_compute.gradient_flow(depth, activation, 0)
    return advanced_cnn.sci(g["plain"][0]), advanced_cnn.sci(g["residual"][0])


def test_diagrams_gradient_flow_and_language(app_page: Page):
    page = app_page
    open_tab(page, advanced_cnn)
    inception, grad, summary = page.locator("#ac-inception"), page.locator("#ac-grad"), page.locator("#ac-grad-summary")
    expect(inception).to_contain_text("16 + 24 + 24 + 24", timeout=30_000)
    expect(inception).to_contain_text("88×12×12")
    expect(inception).to_contain_text("19,104 parameters")
    expect(page.locator("#ac-why")).to_contain_text("120,422,400")
    expect(page.locator("#ac-why")).to_contain_text("12,443,648")
    expect(page.locator("#ac-residual")).to_contain_text("4,640 parameters")
    expect(page.locator("#ac-res-why")).to_contain_text("must match the size of tensor b (32)")
    expect(page.locator("#ac-models")).to_contain_text("97,298")
    expect(grad).to_contain_text("N = 20, sigmoid")
    plain, residual = summary_numbers(20, "sigmoid")
    expect(summary).to_contain_text(f"plain {plain}, residual {residual}")
    page.screenshot(path=str(SHOTS / "advanced_cnn-en.png"), full_page=True)

    set_number(page, "ac-depth", 35)  # the depth changes the plot and the numbers
    expect(grad).to_contain_text("N = 35, sigmoid")
    plain, residual = summary_numbers(35, "sigmoid")
    expect(summary).to_contain_text(f"plain {plain}, residual {residual}")
    page.locator("#ac-act").get_by_text("relu", exact=True).click()
    expect(grad).to_contain_text("N = 35, relu")
    plain, residual = summary_numbers(35, "relu")
    expect(summary).to_contain_text(f"plain {plain}, residual {residual}")

    set_number(page, "ac-inc-c", 20)  # a student's own input shape, run through the real block
    set_number(page, "ac-inc-h", 4)
    expect(inception).to_contain_text("input 20×4×12")
    expect(inception).to_contain_text("88×4×12")
    set_number(page, "ac-res-c", 32)
    expect(page.locator("#ac-residual")).to_contain_text("18,496 parameters")  # 2 * (9 * 32^2 + 32)

    page.locator("#lang-switch").get_by_text("中文").click()  # every tab redraws: allow for a busy machine
    expect(grad).to_contain_text("每层的梯度范数", timeout=60_000)
    expect(summary).to_contain_text("残差网络")
    expect(inception).to_contain_text("个参数")
    expect(page.locator("#ac-why")).to_contain_text("为什么用 1×1 卷积")
    expect(page.locator("#ac-res-why")).to_contain_text("形状必须相同")
    expect(page.locator("#ac-models")).to_contain_text("第11讲")
    expect(page.locator("#ac-race-status")).to_contain_text("训练两个网络")
    page.screenshot(path=str(SHOTS / "advanced_cnn-zh.png"), full_page=True)


def test_training_race_streams_then_stop_stops(app_page: Page):
    page = app_page
    open_tab(page, advanced_cnn)
    status = page.locator("#ac-race-status")
    set_number(page, "ac-epochs", 1)
    record_text(page, "#ac-race-status")
    page.locator("#ac-train").click()
    expect(status).to_contain_text("Done", timeout=90_000)
    texts = recorded(page)
    assert any(re.search(r"epoch 1/1, batch \d+/94", text) for text in texts), texts  # it streamed
    expect(status).to_contain_text(re.compile(r"residual: latest loss \d\.\d+, test accuracy \d+\.\d %"))
    expect(page.locator("#ac-race")).to_contain_text("ln 10")
    # a long run, stopped once it has started, stays stopped
    set_number(page, "ac-epochs", 5)
    click_when_text(page, "#ac-race-status", r"epoch \d/5, batch", "#ac-stop")  # stop at the first frame
    page.locator("#ac-train").click()
    expect(status).to_contain_text(re.compile(r"epoch \d/5, batch"), timeout=30_000)
    assert_stopped(page, "#ac-race-status", 1500, 2500, finished="Done")
