"""Lectures 5 and 6 in real headless Chromium: train (the curves stream), stop, ask the model."""

from __future__ import annotations

import re

import pytest
from browser_tools import assert_stopped, click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.basics import linear_regression
from demos.classification import logistic_regression

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def epochs_seen(page: Page, total: int) -> set[int]:
    return {int(m.group(1)) for text in recorded(page) if (m := re.search(rf"(\d+)/{total}", text))}


def test_linear_regression_streams_all_optimizers_and_stops(app_page: Page):
    page = app_page
    open_tab(page, linear_regression)
    status = page.locator("#lr-status")
    expect(status).to_contain_text("press ▶ Train")
    set_number(page, "lr-lr", 0.1)
    set_number(page, "lr-epochs", 150)
    record_text(page, "#lr-status")
    page.locator("#lr-train").click()
    expect(status).to_contain_text("Done", timeout=30_000)
    seen = epochs_seen(page, 150)
    assert len(seen) >= 5, f"the curves did not stream: {sorted(seen)}"
    expect(page.locator("#lr-loss")).to_contain_text("SGD ✕ diverged at epoch 16")  # the legend
    table = page.locator("#lr-table")
    expect(table).to_contain_text("LBFGS")
    rprop = linear_regression.train("Rprop", 0.1, 150)  # the same run, computed here
    prediction = linear_regression.fixed(linear_regression.predict(rprop["w"][-1], rprop["b"][-1]))
    expect(table.locator("tr", has_text="Rprop")).to_contain_text(prediction)  # ŷ(4)
    expect(table.locator("tr", has_text="ASGD")).to_contain_text("✕ 16")
    expect(page.locator("#lr-path .js-plotly-plot")).to_be_visible()

    # A long run, stopped once it streams, never finishes.
    set_number(page, "lr-lr", 0.001)
    set_number(page, "lr-epochs", 1000)
    record_text(page, "#lr-status")
    click_when_text(page, "#lr-status", r"epoch \d+/1000", "#lr-stop")  # from inside the page: never late
    page.locator("#lr-train").click()
    expect(status).to_contain_text(re.compile(r"epoch \d+/1000"), timeout=20_000)
    page.wait_for_timeout(3000)
    assert not any("1000/1000" in text for text in recorded(page)), recorded(page)
    assert_stopped(page, "#lr-status", 0, 1000)

    # the language switch redraws the tab's texts
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(status).to_contain_text("轮", timeout=15_000)  # every tab redraws: slow on a busy machine


def test_logistic_regression_streams_answers_and_stops(app_page: Page):
    page = app_page
    open_tab(page, logistic_regression)
    status = page.locator("#lg-status")
    answer = page.locator("#lg-answer")
    expect(answer).to_contain_text("Train the model first")
    record_text(page, "#lg-status")
    page.locator("#lg-train").click()  # the lecture's data, lr 0.01, 1000 epochs
    expect(status).to_contain_text("Done", timeout=30_000)
    seen = epochs_seen(page, 1000)
    assert len(seen) >= 5, f"the curve did not stream: {sorted(seen)}"
    expect(status).to_contain_text("boundary x = −b/w = 2.419")
    expect(answer).to_contain_text("uncertain")  # 2.5 hours: P = 0.522
    expect(page.locator("#lg-contrast")).to_contain_text("b = -2.7")
    set_number(page, "lg-hours", 6)
    expect(answer).to_contain_text("pass ✓")
    set_number(page, "lg-hours", 1)
    expect(answer).to_contain_text("fail ✗")
    set_number(page, "lg-hours", 2.4)
    expect(answer).to_contain_text("uncertain")
    set_number(page, "lg-hours", 42)
    expect(page.locator(".toast-body").first).to_contain_text("hours studied", timeout=10_000)

    # the larger data set, stopped part-way
    page.locator("#lg-data").get_by_text("20 students").click()
    expect(answer).to_contain_text("Train the model first")
    set_number(page, "lg-epochs", 5000)
    set_number(page, "lg-lr", 0.001)
    record_text(page, "#lg-status")
    click_when_text(page, "#lg-status", r"epoch \d+/5000", "#lg-stop")
    page.locator("#lg-train").click()
    expect(status).to_contain_text(re.compile(r"epoch \d+/5000"), timeout=20_000)
    page.wait_for_timeout(3000)
    assert not any("5000/5000" in text for text in recorded(page)), recorded(page)

    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#lg-contrast")).to_contain_text("损失随 w 的变化", timeout=15_000)
