"""Lecture 10 (train the CNN) in real headless Chromium: the shape trace, one epoch of
training with its accuracy and throughput, Stop on a long run, and the tab in Chinese."""

from __future__ import annotations

import re

import pytest
from browser_tools import assert_stopped, click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.vision import cnn_training

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def test_trace_then_one_epoch_shows_accuracy_and_speed(app_page: Page, tmp_path):
    page = app_page
    open_tab(page, cnn_training)
    trace = page.locator("#ct-trace")
    expect(trace).to_contain_text("(64, 20, 4, 4)")  # traced by hooks on page load
    expect(trace).to_contain_text("(64, 320)")
    expect(trace).to_contain_text("8,490")
    page.locator("#ct-batch").get_by_text("32", exact=True).click()
    expect(trace).to_contain_text("(32, 320)")
    page.locator("#ct-batch").get_by_text("64", exact=True).click()
    expect(trace).to_contain_text("(64, 320)")

    status = page.locator("#ct-status")
    set_number(page, "ct-epochs", 1)
    record_text(page, "#ct-status")
    page.locator("#ct-train").click()
    expect(status).to_contain_text("Done, 1 epochs", timeout=90_000)
    acc = re.search(r"test accuracy (\d+\.\d) %", status.inner_text())
    assert acc and float(acc.group(1)) > 80, status.inner_text()  # seed 0: 85.0 %
    expect(status).to_contain_text("images/s")
    expect(status).to_contain_text("8,490 parameters")
    assert any(re.search(r"Epoch 1/1, batch \d+/94", text) for text in recorded(page)), recorded(page)
    expect(page.locator("#ct-acc")).to_contain_text(acc.group(1))
    expect(page.locator("#ct-digits")).to_contain_text("misread")
    page.screenshot(path=str(tmp_path / "cnn_training-en.png"), full_page=True)
    print("screenshot in", tmp_path)


def test_stop_stops_a_long_run_of_both_models(app_page: Page):
    page = app_page
    open_tab(page, cnn_training)
    page.locator("#ct-model").get_by_text("both", exact=False).click()
    expect(page.locator("#ct-trace")).to_contain_text("575,050")  # both tables
    set_number(page, "ct-epochs", 10)
    status = page.locator("#ct-status")
    record_text(page, "#ct-status")
    click_when_text(page, "#ct-status", r"MLP \(L9\) · Epoch \d+/10, batch", "#ct-stop")
    page.locator("#ct-train").click()
    expect(status).to_contain_text(re.compile(r"MLP \(L9\) · Epoch \d+/10, batch"), timeout=30_000)
    assert_stopped(page, "#ct-status", 1500, 3000, finished="Done")
    assert not any("Done" in text or "Epoch 2/10" in text for text in recorded(page)), recorded(page)


def test_the_tab_in_chinese(page: Page, server_url, tmp_path):
    from playwright.sync_api import expect as expect_

    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server_url + "?lang=zh")
    expect_(page.locator("#app-title")).to_contain_text("互动课堂", timeout=20_000)
    open_tab(page, cnn_training, "zh")
    expect_(page.get_by_text("在 MNIST 上训练基础卷积网络")).to_be_visible()
    expect_(page.locator("#ct-trace")).to_contain_text("合计", timeout=15_000)
    expect_(page.locator("#ct-trace")).to_contain_text("张 1 通道")
    expect_(page.locator("#ct-status")).to_contain_text("训练")
    expect_(page.locator("#ct-model")).to_contain_text("第10讲 CNN")
    expect_(page.locator("#ct-loss")).to_contain_text("损失")
    page.screenshot(path=str(tmp_path / "cnn_training-zh.png"), full_page=True)
    print("screenshot in", tmp_path)
    assert not errors, errors
