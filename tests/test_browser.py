"""Real headless Chromium against the running app (pytest-playwright)."""

from __future__ import annotations

import os
import re

import pytest
from browser_tools import click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

import demos
from demos.i18n import t

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def test_every_tab_opens_in_both_languages(app_page: Page):
    """Every tab opens in both languages: in English here only with SCREENSHOTS set, since
    tests/test_browser_share_links.py opens and checks every tab in English already. SCREENSHOTS=DIR
    saves a full-page screenshot of each in DIR to look at."""
    page = app_page
    shots = os.environ.get("SCREENSHOTS")
    for lang in ("en", "zh") if shots else ("zh",):
        if lang == "zh":
            page.locator("#lang-switch").get_by_text("中文").click()
            expect(page.locator("#app-title")).to_contain_text("互动课堂")
        for module in demos.LECTURES:
            open_tab(page, module, lang)
            # every lecture tab is a visible tab button, not hidden in an overflow menu
            expect(page.get_by_role("tab", name=t(module.LECTURE.tab, lang), exact=True)).to_be_visible()
            expect(
                page.get_by_text(re.compile(re.escape(t(module.LECTURE.source, lang).split("**")[1])))
            ).to_be_visible()
            if shots:
                page.screenshot(path=os.path.join(shots, f"{module.LECTURE.key}-{lang}.png"), full_page=True)


@pytest.mark.parametrize("browser_locale", ["en-US", "zh-CN"])
def test_a_page_opened_in_chinese_labels_every_tab_in_chinese(browser, server_url, browser_locale):
    """?lang=zh in an English browser switches Gradio's locale at run time, and the labels are then
    sent again; in a Chinese browser the page starts in Chinese and needs no such event. Either way
    every section and lecture label is Chinese, the tabs not yet shown too."""
    context = browser.new_context(locale=browser_locale, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server_url + "?lang=zh&tab=poems")
        expect(page.locator("#app-title")).to_contain_text("互动课堂", timeout=20_000)
        # the link's event selects its tab: a click before it arrives would be undone by it
        poems = page.get_by_role("tab", name=t("pm_tab", "zh"), exact=True)
        expect(poems).to_have_attribute("aria-selected", "true", timeout=20_000)
        for section, modules in demos.sections():
            page.get_by_role("tab", name=t(section, "zh"), exact=True).click(timeout=15_000)
            for module in modules:
                expect(page.get_by_role("tab", name=t(module.LECTURE.tab, "zh"), exact=True)).to_be_visible()
    finally:
        context.close()


def test_dragging_w_changes_the_mse(app_page: Page):
    page = app_page
    from demos.basics import linear_model

    open_tab(page, linear_model)
    mse = page.locator("#lin-mse")
    expect(mse).to_contain_text("MSE = 4.6667")
    # Drag the w handle with the mouse from w = 1 to about w = 2.
    slider = page.locator("#lin-w input[type=range]")
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=10)
    page.mouse.up()
    w = float(page.locator("#lin-w input[type=number]").input_value())
    assert 1.5 < w < 2.5
    expect(mse).to_contain_text(f"MSE = {linear_model.mse(w, 0.0):.4f}")
    # A value typed into b's box updates everything, the search table included.
    set_number(page, "lin-b", 0.5)
    expect(mse).to_contain_text("MSE = 0.2500")
    page.get_by_text(t("lin_search", "en")).click()
    expect(page.locator("#lin-best")).to_contain_text("b = 0.50")


def test_the_surface_marker_follows_w_once_it_rests(app_page: Page):
    """A step of w redraws the line and the curve; the surface's marker moves in the browser once w
    rests, to (w, b, MSE) with the MSE PyTorch gives."""
    import torch

    from demos.basics import linear_model

    page = app_page
    open_tab(page, linear_model)
    set_number(page, "lin-b", -0.5)
    set_number(page, "lin-w", 2.5)
    expect(page.locator("#lin-mse")).to_contain_text(f"MSE = {linear_model.mse(2.5, -0.5):.4f}")
    x, y = torch.tensor(linear_model.X), torch.tensor(linear_model.Y)
    expected = [2.5, -0.5, torch.nn.functional.mse_loss(2.5 * x - 0.5, y).item()]
    # null while the surface is still drawing (Plotly loads on first use); a marker moved by an
    # earlier answer may show for a moment, then the last one's (w, b, MSE)
    marker = (
        "() => { const gd = document.querySelector('#lin-surface .js-plotly-plot');"
        " const d = gd && gd.data && gd.data[1]; return d ? [d.x[0], d.y[0], d.z[0]] : null; }"
    )
    page.wait_for_function(
        f"(e) => {{ const m = ({marker})(); return !!m && m.every((v, i) => Math.abs(v - e[i]) < 1e-9); }}",
        arg=expected,
        timeout=30_000,
    )
    assert page.evaluate(marker) == pytest.approx(expected)


def test_gradient_descent_streams_and_stops(app_page: Page):
    page = app_page
    from demos.basics import gradient_descent

    open_tab(page, gradient_descent)
    status = page.locator("#gd-status")
    record_text(page, "#gd-status")
    page.locator("#gd-train").click()
    expect(status).to_contain_text("epoch 100/100", timeout=20_000)
    seen = {int(m.group(1)) for text in recorded(page) if (m := re.search(r"epoch (\d+)/100", text))}
    assert len(seen) >= 5, f"the curve did not stream: {sorted(seen)}"
    expect(page.locator("#gd-loss .js-plotly-plot")).to_be_visible()

    # A long run, stopped once it has started, never reaches its last epoch.
    set_number(page, "gd-epochs", 500)
    set_number(page, "gd-lr", 0.001)
    record_text(page, "#gd-status")
    click_when_text(page, "#gd-status", r"epoch \d+/500", "#gd-stop")
    page.locator("#gd-train").click()
    expect(status).to_contain_text(re.compile(r"epoch \d+/500"))
    page.wait_for_timeout(4000)  # a full run lasts about 3 s
    assert not any("500/500" in text for text in recorded(page)), recorded(page)
    expect(status).to_contain_text(re.compile(r"epoch \d+/500"))


def test_a_diverging_learning_rate_is_explained(app_page: Page):
    page = app_page
    from demos.basics import gradient_descent

    open_tab(page, gradient_descent)
    set_number(page, "gd-lr", 0.3)
    page.locator("#gd-train").click()
    expect(page.locator("#gd-status")).to_contain_text("Diverged", timeout=20_000)
    expect(page.locator("#gd-stable")).to_contain_text("0.2143")
