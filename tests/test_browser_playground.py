"""The network playground (Lee P7) in real headless Chromium: train, watch the
boundary frames stream, stop, continue, and a bad layer list explained."""

from __future__ import annotations

import re

import pytest
from browser_tools import assert_stopped, click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.classification import playground

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier

EPOCH = re.compile(r"epoch (\d+)/(\d+)")


def test_train_streams_frames_then_stop_and_continue(app_page: Page):
    page = app_page
    open_tab(page, playground)
    status = page.locator("#pg-status")
    expect(status).to_contain_text("Train from scratch")
    expect(page.locator("#pg-arch")).to_contain_text("105 parameters")
    page.locator("#pg-dataset").get_by_text("two gaussians").click()
    expect(page.locator("#pg-boundary")).to_contain_text("not trained yet")
    set_number(page, "pg-epochs", 1000)  # the longest run allowed: it must still be running when stopped
    record_text(page, "#pg-status")
    # Stop from inside the page at the sixth frame, early in the run: a busy machine cannot reach the end first
    click_when_text(page, "#pg-status", r"epoch \d+/1000", "#pg-stop", times=6)
    page.locator("#pg-train").click()
    expect(status).to_contain_text(re.compile(r"epoch \d+/1000"), timeout=30_000)
    page.wait_for_function("window._texts.filter((x) => /epoch \\d+\\/1000/.test(x)).length >= 6", timeout=30_000)
    texts = [x for x in recorded(page) if EPOCH.search(x)]
    epochs = [int(EPOCH.search(x).group(1)) for x in texts]
    assert len(texts) >= 5 and epochs == sorted(epochs), texts
    expect(page.locator("#pg-boundary .heatmaplayer")).to_be_attached()
    expect(page.locator("#pg-boundary")).to_contain_text("Decision boundary")

    # stopped: the status stays where it was, short of the last epoch
    stopped = assert_stopped(page, "#pg-status", 1_000, 1_500, finished="Done")
    reached = int(EPOCH.search(stopped).group(1))

    # continue from there: the epoch count goes on past where it stopped
    page.locator("#pg-continue").click()
    expect(status).to_contain_text(re.compile(rf"epoch (\d+)/{reached + 1000}"), timeout=20_000)
    page.locator("#pg-stop").click()


def test_bad_layers_are_explained_in_both_languages(app_page: Page):
    page = app_page
    open_tab(page, playground)
    box = page.locator("#pg-layers textarea, #pg-layers input").first
    box.fill("8, 40")
    expect(page.locator("#pg-arch")).to_contain_text("1 to 16 neurons; got 40")
    page.locator("#pg-train").click()
    expect(page.get_by_text("1 to 16 neurons; got 40").last).to_be_visible()
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#pg-arch")).to_contain_text("收到 40", timeout=15_000)
    box.fill("4")
    expect(page.locator("#pg-arch")).to_contain_text("17 个参数", timeout=15_000)
