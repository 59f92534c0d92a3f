"""The many-sigmoids tab in a real headless Chromium: drag a piece, fit, stop, switch language."""

from __future__ import annotations

import re

import pytest
from browser_tools import click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.basics import sigmoids as sg

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def mse_line(params) -> str:
    return f"MSE = {sg.mse(params):.4f}"


def test_moving_a_piece_changes_the_model(app_page: Page):
    page = app_page
    open_tab(page, sg)
    p0 = sg.init_params()
    mse = page.locator("#sig-mse")
    expect(mse).to_contain_text(mse_line(p0), timeout=20_000)
    slider = page.locator("#sig-c input[type=range]")
    slider.focus()
    for _ in range(40):  # step 0.01: piece 1 rises by about 0.4
        slider.press("ArrowRight")
    moved = sg.set_param(p0, "c", 0, float(slider.input_value()))
    assert mse_line(moved) != mse_line(p0)
    expect(mse).to_contain_text(mse_line(moved))
    expect(page.locator("#sig-model")).to_contain_text(mse_line(moved))  # the figure's title agrees
    # choosing piece 2 loads its c, b, w into the sliders
    page.locator("#sig-piece").get_by_text("2", exact=True).click()
    expect(page.locator("#sig-c input[type=number]")).to_have_value(f"{round(p0['c'][1], 3):g}")  # as JS prints it
    expect(page.locator("#sig-b input[type=number]")).to_have_value(f"{round(p0['b'][1], 2):g}")


def test_fit_streams_the_loss_and_stop_stops_it(app_page: Page):
    page = app_page
    open_tab(page, sg)
    status = page.locator("#sig-status")
    expect(page.locator("#sig-mse")).to_contain_text(mse_line(sg.init_params()), timeout=20_000)
    expect(page.locator("#sig-loss")).to_contain_text("Press Fit to train")

    # a full fit with the defaults streams, and the loss falls to what the pure function gives
    record_text(page, "#sig-status")
    page.locator("#sig-fit").click()
    fitted = sg.fit(sg.init_params())
    expect(status).to_contain_text(f"Done, 500 Adam steps: MSE {fitted['history'][0]:.4f} → ", timeout=30_000)
    seen = {int(m.group(1)) for text in recorded(page) if (m := re.search(r"Adam step (\d+)/500", text))}
    assert len(seen) >= 5, f"the fit did not stream: {sorted(seen)}"
    expect(page.locator("#sig-mse")).to_contain_text(mse_line(fitted))
    expect(page.locator("#sig-loss")).not_to_contain_text("Press Fit to train")

    # a long fit, stopped half-way: nothing moves afterwards
    set_number(page, "sig-steps", 3000)
    record_text(page, "#sig-status")
    click_when_text(page, "#sig-status", r"Adam step \d+/3000", "#sig-stop")  # from inside the page: no lag
    page.locator("#sig-fit").click()
    expect(status).to_contain_text(re.compile(r"Adam step \d+/3000"), timeout=20_000)
    page.wait_for_timeout(5000)  # an unstopped run lasts about 3 s
    assert not any("Done, 3000" in text for text in recorded(page)), recorded(page)
    expect(status).to_contain_text(re.compile(r"Adam step \d+/3000"))

    # the figures follow the header's language switch
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#sig-model")).to_contain_text("模型")
    expect(page.locator("#sig-loss")).to_contain_text("步数")
