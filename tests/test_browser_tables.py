"""Lectures 7 and 8 in real headless Chromium: train on the Pima and Titanic tables live,
see the curves grow, stop a run, and watch the DataLoader's batches change."""

from __future__ import annotations

import re

import pytest
from browser_tools import click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.classification import dataloader, pima

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def test_pima_trains_live_predicts_and_stops(app_page: Page):
    page = app_page
    open_tab(page, pima)
    status = page.locator("#pima-status")
    expect(page.locator("#pima-shapes")).to_contain_text("(614×8)·(8×6)")
    set_number(page, "pima-epochs", 300)
    page.locator("#pima-optimizer").get_by_text("Adam").click()
    set_number(page, "pima-lr", 0.01)
    record_text(page, "#pima-status")
    page.locator("#pima-train").click()
    expect(status).to_contain_text("Done", timeout=60_000)
    seen = {int(m.group(1)) for text in recorded(page) if (m := re.search(r"epoch (\d+)/300", text))}
    assert len(seen) >= 3, f"the curves did not stream: {sorted(seen)}"
    expect(status).to_contain_text(re.compile(r"test accuracy \d+\.\d%"))
    expect(page.locator("#pima-acc")).to_contain_text("baseline")
    expect(page.locator("#pima-net")).to_contain_text("width = |weight|")
    expect(page.locator("#pima-prediction")).to_contain_text("P(diabetes)")
    # another patient from the test set: the boxes fill in and the prediction names the true label
    set_number(page, "pima-pick", 5)
    expect(page.locator("#pima-prediction")).to_contain_text("true label")
    page.locator("#pima-glucose input").fill("190")
    page.locator("#pima-predict").click()
    expect(page.locator("#pima-prediction")).to_contain_text("P(diabetes)")

    # a long run, stopped once it has started, never finishes
    set_number(page, "pima-epochs", 10000)
    set_number(page, "pima-lr", 0.0001)
    record_text(page, "#pima-status")
    click_when_text(page, "#pima-status", r"epoch \d+/10000", "#pima-stop")  # from inside the page: never late
    page.locator("#pima-train").click()
    expect(status).to_contain_text(re.compile(r"epoch \d+/10000"), timeout=30_000)
    page.wait_for_timeout(3000)
    assert not any("after 10000 epochs" in text for text in recorded(page)), recorded(page)
    expect(status).to_contain_text(re.compile(r"epoch \d+/10000"))


def test_batches_follow_the_controls(app_page: Page):
    page = app_page
    open_tab(page, dataloader)
    iters = page.locator("#dl-iters")
    expect(iters).to_contain_text("4 iterations per epoch")
    expect(page.locator("#dl-grid")).to_contain_text("it 4", timeout=20_000)  # drawn on load, by torch's DataLoader
    set_number(page, "dl-bs", 10)
    expect(iters).to_contain_text("3 iterations per epoch")
    expect(page.locator("#dl-grid")).to_contain_text("batch_size=10")
    set_number(page, "dl-bs", 8)
    page.locator("#dl-drop-last input").check()
    expect(iters).to_contain_text("6 samples are dropped")
    expect(page.locator("#dl-grid")).to_contain_text("dropped")
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(iters).to_contain_text("次 iteration")
    expect(page.locator("#dl-grid")).to_contain_text("丢弃")


def test_titanic_trains_live_and_the_comparison_stops(app_page: Page):
    page = app_page
    open_tab(page, dataloader)
    status = page.locator("#dl-t-status")
    set_number(page, "dl-t-epochs", 12)
    set_number(page, "dl-t-bs", 128)
    record_text(page, "#dl-t-status")
    page.locator("#dl-t-train").click()
    expect(status).to_contain_text("Done, 12 epochs", timeout=60_000)
    seen = {int(m.group(1)) for text in recorded(page) if (m := re.search(r"epoch (\d+)/12 ", text))}
    assert len(seen) >= 3, f"the curves did not stream: {sorted(seen)}"
    expect(status).to_contain_text("(108 updates)")  # 12 epochs x ceil(1047/128) = 9
    expect(page.locator("#dl-t-acc")).to_contain_text("baseline")

    # the batch-size comparison streams, and Stop stops it before the last size
    cmp = page.locator("#dl-cmp-status")
    set_number(page, "dl-cmp-epochs", 50)
    record_text(page, "#dl-cmp-status")
    # Stop from inside the page as the second size starts: a busy test runner would click too late
    click_when_text(page, "#dl-cmp-status", "Training batch_size = 4", "#dl-compare-stop")
    page.locator("#dl-compare").click()
    expect(cmp).to_contain_text("Training batch_size = 4", timeout=30_000)
    page.wait_for_timeout(3000)
    assert not any("batch_size = 614:" in text for text in recorded(page)), recorded(page)
    expect(page.locator("#dl-noise")).to_contain_text("batch_size=4")
