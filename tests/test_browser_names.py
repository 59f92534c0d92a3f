"""Lecture 13 (surname -> country) in real headless Chromium: type a name letter by letter and
read the countries, pick an example, see a clear message for unreadable input, and Chinese."""

from __future__ import annotations

import re

import pytest
from browser_tools import open_tab, record_text, recorded
from playwright.sync_api import Page, expect

from demos.sequences import names as nm

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def name_box(page: Page):
    return page.locator("#nm-name textarea, #nm-name input").first


def test_typing_a_name_shows_its_countries(app_page: Page, tmp_path):
    page = app_page
    open_tab(page, nm)
    answer = page.locator("#nm-answer")
    expect(answer).to_contain_text("is read as nakamura")  # the default name, predicted on page load
    expect(answer).to_contain_text("Japanese")
    box = name_box(page)
    box.fill("")
    expect(answer).to_contain_text("Type a surname")
    record_text(page, "#nm-answer")
    box.press_sequentially("Dostoevsky", delay=150)  # live: the answer follows the keystrokes
    expect(answer).to_contain_text("is read as dostoevsky")
    partial = {m.group(1) for text in recorded(page) if (m := re.search(r"is read as (\w+)", text))}
    assert len(partial - {"dostoevsky"}) >= 2, partial  # answers for prefixes such as "dost" came first
    assert all("dostoevsky".startswith(p) for p in partial), partial
    top = nm.predict_name("Dostoevsky")  # the same model, computed here
    for country, p in top:
        expect(answer).to_contain_text(f"{country} {100 * p:.1f} %")
    expect(page.locator("#nm-top")).to_contain_text(f"{100 * top[0][1]:.1f}%")
    prefix = page.locator("#nm-prefix")
    expect(prefix).to_contain_text("letters typed so far")
    for label in ("d", "v", "y"):  # one tick per letter
        expect(prefix.locator("g.xtick text", has_text=label).first).to_be_visible()
    expect(page.locator("#nm-confusion")).to_contain_text("Confusion matrix")
    expect(page.locator("#nm-per-country")).to_contain_text("Russian (3136)")
    page.screenshot(path=str(tmp_path / "names-en.png"), full_page=True)

    page.get_by_text("Müller", exact=True).click()  # an example
    expect(answer).to_contain_text("is read as muller")
    expect(answer).to_contain_text(f"{nm.predict_name('Muller')[0][0]} ")
    box.fill("Smith-Jones")
    expect(answer).to_contain_text("is read as smith jones")
    box.fill("中村")
    expect(answer).to_contain_text("no such form: 中 村")
    box.fill("x" * 45)
    expect(answer).to_contain_text("at most 40 characters; got 45")


def test_chinese(app_page: Page, tmp_path):
    page = app_page
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#app-title")).to_contain_text("互动课堂")
    open_tab(page, nm, "zh")
    answer = page.locator("#nm-answer")
    name_box(page).fill("Papadopoulos")
    expect(answer).to_contain_text("被读作 papadopoulos")
    expect(answer).to_contain_text(nm.country_name(nm.predict_name("Papadopoulos")[0][0], "zh"))
    expect(page.locator("#nm-top")).to_contain_text("最可能的 3 个国家")
    expect(page.locator("#nm-per-country")).to_contain_text("俄罗斯 (3136)")
    expect(page.locator("#nm-confusion")).to_contain_text("混淆矩阵")
    expect(page.locator("#nm-eval")).to_contain_text("平衡准确率")
    name_box(page).fill("😀")
    expect(answer).to_contain_text("无法转换")
    page.screenshot(path=str(tmp_path / "names-zh.png"), full_page=True)
