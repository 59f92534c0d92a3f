"""Lecture 4 (backpropagation) in real headless Chromium: step through the graph,
train the homework, stop it, and watch it diverge."""

from __future__ import annotations

import re

import pytest
from browser_tools import click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.basics import backprop

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def test_step_through_forward_and_backward(app_page: Page):
    page = app_page
    open_tab(page, backprop)
    explain = page.locator("#bp-explain")
    expect(explain).to_contain_text("Step 0/7")
    expect(page.locator("#bp-graph .js-plotly-plot")).to_be_visible()
    for _ in range(3):  # quick clicks: none is lost
        page.locator("#bp-next").click()
    expect(explain).to_contain_text("loss = r² = (-2)² = 4")
    for _ in range(4):
        page.locator("#bp-next").click()
    expect(explain).to_contain_text("(-4) × 2 = -8")
    expect(explain).to_contain_text("w.grad = -8")
    expect(page.locator("#bp-graph")).to_contain_text("torch.autograd: w.grad = -8")
    page.locator("#bp-next").click()  # already the last step
    page.locator("#bp-prev").click()
    expect(explain).to_contain_text("Step 6/7")
    # another x: dloss/dw = 2 (w x - y) x = 2 (3 - 4) 3 = -6
    set_number(page, "bp-x", 3)
    expect(explain).to_contain_text("(-2) × 1 = -2")
    page.locator("#bp-next").click()
    expect(page.locator("#bp-graph")).to_contain_text("w.grad = -6")
    # the same step in Chinese
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(explain).to_contain_text("乘法节点")
    expect(page.locator("#bp-graph")).to_contain_text("局部梯度")


def test_train_converges_and_stop_stops(app_page: Page):
    page = app_page
    open_tab(page, backprop)
    status = page.locator("#bp-status")
    page.locator("#bp-data").get_by_text("Quadratic data").click()
    set_number(page, "bp-epochs", 1000)
    page.locator("#bp-train").click()
    expect(status).to_contain_text("Done, 1000 epochs", timeout=30_000)
    expect(status).to_contain_text("Exact solution: w1 = 1, w2 = 1, b = 1")
    expect(page.locator("#bp-params")).to_contain_text("Parameters w1, w2, b")
    # a long run, stopped part-way: it stays stopped
    set_number(page, "bp-lr", 0.001)
    set_number(page, "bp-epochs", 5000)
    record_text(page, "#bp-status")
    # Stop is clicked from inside the page at the first streamed frame: a busy test
    # runner cannot lose the ~2 s a whole run lasts
    click_when_text(page, "#bp-status", r"Epoch \d+/5000", "#bp-stop")
    page.locator("#bp-train").click()
    expect(status).to_contain_text(re.compile(r"Epoch \d+/5000"), timeout=10_000)
    page.wait_for_timeout(3_000)
    assert not any("Done, 5000" in text for text in recorded(page)), recorded(page)
    expect(status).to_contain_text(re.compile(r"Epoch \d+/5000"))


def test_divergence_is_reported(app_page: Page):
    page = app_page
    open_tab(page, backprop)
    set_number(page, "bp-lr", 0.05)
    page.locator("#bp-train").click()
    expect(page.locator("#bp-status")).to_contain_text("Diverged at epoch", timeout=20_000)
    expect(page.locator("#bp-status")).to_contain_text("try 0.02")
