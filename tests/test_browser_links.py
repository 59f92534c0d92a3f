"""Shareable links and presenter mode in real headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def test_link_opens_tab_with_settings_and_copy_link_round_trips(page: Page, server_url, tmp_path):
    expect.set_options(timeout=20_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server_url + "?tab=gradient_descent&gd_lr=0.25&gd_epochs=9999&lang=en")
    lr = page.locator("#gd-lr input[type=number]")
    expect(lr).to_be_visible(timeout=40_000)  # the gradient-descent tab is open (slow when the machine is busy)
    expect(lr).to_have_value("0.25")
    expect(page.get_by_text("gd_epochs=9999 is not valid")).to_be_visible()  # a bad setting is named
    expect(page.locator("#gd-epochs input[type=number]")).to_have_value("100")
    # copy link: the current settings that differ from the defaults, and a QR code
    page.locator("#gd-lr input[type=number]").fill("0.2")
    page.locator("#gd-lr input[type=number]").press("Enter")
    page.get_by_role("button", name="Copy link to this view").locator("visible=true").click()
    box = page.locator(".share-link textarea").locator("visible=true")
    expect(box).to_have_value(re.compile(r"\?tab=gradient_descent&lang=en&gd_lr=0\.2$"))
    expect(page.locator(".share-qr svg").locator("visible=true")).to_be_visible()
    url = box.input_value()
    page.goto(url.replace("gd_lr=0.2", "gd_lr=0.2&lin-w=3.5").replace("gradient_descent", "linear_model"))
    expect(page.locator("#lin-w input[type=number]")).to_have_value(
        "3.5"
    )  # another tab; a control without a translated label goes by its elem_id
    expect(page.locator("#lin-mse")).to_contain_text("MSE")


def test_presenter_mode_from_url_and_switch(page: Page, server_url, tmp_path):
    expect.set_options(timeout=20_000)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(server_url + "?presenter=1&lang=zh&tab=softmax")
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresenter\b"))
    expect(page.locator("#presenter-toggle input")).to_be_checked()
    expect(page.locator("#sm-math")).to_be_visible()  # the controls and results stay
    intro = page.locator(".lecture-intro").locator("visible=true")
    expect(intro).to_have_count(0)  # the long explanations are hidden
    zoom = page.evaluate("getComputedStyle(document.querySelector('.gradio-container')).zoom")
    assert float(zoom) > 1.2
    page.screenshot(path=str(tmp_path / "presenter-1920x1080.png"))
    page.locator("#presenter-toggle input").uncheck()
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bpresenter\b"))
    expect(page.locator(".lecture-intro").locator("visible=true").first).to_be_visible()


def test_link_to_a_tab_drawn_on_first_show_in_chinese(page: Page, server_url):
    """A tab is drawn only when first shown; a link opening it must still draw it, in the
    link's language, from the link's settings (not the defaults)."""
    from demos.i18n import t
    from demos.vision import beyond_compute

    expect.set_options(timeout=30_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server_url + "?tab=beyond&lang=zh&by_index=7")
    label = int(beyond_compute.test_set()[1][7])
    expect(page.locator("#by-pred")).to_contain_text(t("by_src_test", "zh", i=7, label=label), timeout=40_000)
    expect(page.locator("#by-input .js-plotly-plot")).to_be_visible()
    expect(page.locator("#by-xai-plot .js-plotly-plot")).to_be_visible()  # the inner tab on screen is drawn too
