"""Lecture 9 (softmax) in real headless Chromium: move a logit and see the loss,
train the MNIST MLP and watch it stream, stop a run."""

from __future__ import annotations

import re

import pytest
from browser_tools import assert_stopped, click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.classification import softmax

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def loss_text(z, target):
    return f"{softmax.softmax_ce(z, target)['loss']:.7f}"


def test_logits_target_and_classes_change_the_loss(app_page: Page):
    page = app_page
    open_tab(page, softmax)
    math = page.locator("#sm-math")
    expect(math).to_contain_text("0.9729189")  # the lecture's example, with PyTorch's numbers beside it
    expect(math).to_contain_text("CrossEntropyLoss")
    slider = page.locator("#sm-z0 input[type=range]")
    slider.focus()
    for _ in range(10):  # step 0.1: z0 0.2 -> 1.2
        slider.press("ArrowRight")
    expect(math).to_contain_text(loss_text([1.2, 0.1, -0.1], 0))
    expect(page.locator("#sm-probs")).to_contain_text(f"{softmax.softmax_ce([1.2, 0.1, -0.1], 0)['loss']:.4f}")
    set_number(page, "sm-classes", 5)
    expect(page.locator("#sm-z4")).to_be_visible()
    z = [1.2, 0.1, -0.1, 0.5, -0.5]
    expect(math).to_contain_text(loss_text(z, 0))
    page.locator("#sm-target").get_by_text("4", exact=True).click()
    expect(math).to_contain_text(loss_text(z, 4))
    page.locator("#lang-switch").get_by_text("中文").click()  # every tab redraws: allow for a busy machine
    expect(math).to_contain_text("与 numpy 相差", timeout=20_000)
    expect(page.locator("#sm-probs")).to_contain_text("softmax 概率")
    expect(page.locator("#sm-status")).to_contain_text("训练")


def test_training_streams_then_stop_stops(app_page: Page):
    page = app_page
    open_tab(page, softmax)
    status = page.locator("#sm-status")
    set_number(page, "sm-epochs", 2)
    set_number(page, "sm-lr", 0.1)
    record_text(page, "#sm-status")
    page.locator("#sm-train").click()
    expect(status).to_contain_text("Done, 2 epochs", timeout=60_000)
    texts = recorded(page)
    assert any("test accuracy after epoch 1" in text for text in texts), texts  # the curve grew epoch by epoch
    expect(page.locator("#sm-acc")).to_contain_text(re.compile(r"\d+\.\d"))
    expect(page.locator("#sm-digits")).to_contain_text("misread")
    # a long run, stopped once it has started, stays stopped
    set_number(page, "sm-epochs", 10)
    set_number(page, "sm-lr", 0.01)
    click_when_text(page, "#sm-status", r"Epoch \d+/10, batch", "#sm-stop")  # from inside the page: no lag
    page.locator("#sm-train").click()
    expect(status).to_contain_text(re.compile(r"Epoch \d+/10, batch"), timeout=30_000)
    assert_stopped(page, "#sm-status", 1000, 2000, finished="Done")
