"""Lecture 13 (Tang poems) in real headless Chromium: write an acrostic, inspect a position's
candidates, switch to Chinese, and see an unknown character named."""

from __future__ import annotations

import re

import pytest
from browser_tools import open_tab, set_number
from playwright.sync_api import Page, expect

from demos.i18n import t
from demos.sequences import poems
from models import poems as P

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def open_poems(page: Page) -> None:
    """The tab by its section and label; by a link when the section tab bar overflows into its "..." menu."""
    if page.get_by_role("tab", name=t(poems.LECTURE.section, "en"), exact=True).count():
        open_tab(page, poems)
    else:
        page.goto(page.url.split("?")[0] + "?lang=en&tab=poems")
    expect(page.locator("#pm-generate")).to_be_visible(timeout=20_000)


def test_acrostic_candidates_and_chinese(app_page: Page, tmp_path):
    page = app_page
    open_poems(page)
    expect(page.locator("#pm-greedy-example")).to_contain_text("distinct characters")  # drawn on page load
    page.locator("#pm-form").get_by_text("seven-character quatrain").click()
    page.locator("#pm-text textarea, #pm-text input").first.fill("深度学习")
    page.locator("#pm-acrostic input").check()
    set_number(page, "pm-seed", 3)
    page.locator("#pm-generate").click()
    view = page.locator("#pm-poem")
    expect(view.locator(".pm-ch")).to_have_count(28)
    expected = P.generate("7x4", "深度学习", True, poems.DEFAULTS["temperature"], poems.DEFAULTS["top_k"], 3)
    shown = view.inner_text()
    assert re.sub(r"\s", "", shown) == "".join(expected["lines"]), shown
    expect(view.locator(".pm-forced")).to_have_count(4)
    expect(page.locator("#pm-status")).to_contain_text("seed 3")
    set_number(page, "pm-line", 2)
    set_number(page, "pm-col", 4)
    expect(page.locator("#pm-cand")).to_contain_text("Line 2, character 4")
    chosen = expected["chars"][7 + 3]
    expect(page.locator("#pm-cand-text")).to_contain_text(f"drew {chosen}")
    expect(view.locator(".pm-sel")).to_have_text(chosen)
    page.screenshot(path=str(tmp_path / "poems_en.png"), full_page=True)
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#pm-cand")).to_contain_text("第 2 句第 4 字", timeout=20_000)
    expect(page.locator("#pm-status")).to_contain_text("轮盘赌抽样")
    expect(page.locator("#pm-greedy-example")).to_contain_text("不同的字")
    page.screenshot(path=str(tmp_path / "poems_zh.png"), full_page=True)
    # an unknown character is named in the error
    page.locator("#pm-text textarea, #pm-text input").first.fill("深度x")
    page.locator("#pm-generate").click()
    expect(page.get_by_text(re.compile("不在模型的字表里：x"))).to_be_visible()


def test_regulated_poem_and_meter_checker(app_page: Page, tmp_path):
    """A regulated poem shows its grid under the characters and its rhyme group; the checker explains
    静夜思 in both languages; a pasted tag is named as text, never run as HTML."""
    from models import meter

    page = app_page
    open_poems(page)
    page.locator("#pm-form").get_by_text("seven-character quatrain").click()
    page.locator("#pm-meter").get_by_text("regulated").click()
    page.locator("#pm-first-rhymes input").check()
    set_number(page, "pm-seed", 5)
    page.locator("#pm-generate").click()
    expected = P.generate(
        "7x4",
        "",
        False,
        poems.DEFAULTS["temperature"],
        poems.DEFAULTS["top_k"],
        5,
        meter="regulated",
        first_rhymes=True,
    )
    view = page.locator("#pm-poem")
    expect(view.locator("ruby")).to_have_count(28)
    assert [r for r in view.locator("rt").all_inner_texts()] == list("".join(expected["grid"]))
    expect(page.locator("#pm-meter-text")).to_contain_text(expected["rhyme_group"])
    expect(page.locator("#pm-meter-text")).to_contain_text("平起 (level start), first line rhymes")
    # the checker, on the poem just written: regulated
    page.locator("#pm-check-this").click()
    expect(page.locator("#pm-check-verdict")).to_contain_text("Regulated")
    assert meter.check("".join(expected["lines"]))["regulated"]
    page.locator("#pm-check-text textarea").fill("静夜思\n床前明月光，疑是地上霜。\n举头望明月，低头思故乡。")
    page.locator("#pm-check").click()
    verdict = page.locator("#pm-check-verdict")
    expect(verdict).to_contain_text("It rhymes (下平声七阳), but the tones break the rules")
    expect(verdict).to_contain_text("does not stick to line 2 (粘)")
    expect(page.locator("#pm-check-view .pm-bad").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "meter_en.png"), full_page=True)
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(verdict).to_contain_text("押韵（下平声七阳），但平仄不合律", timeout=20_000)
    expect(page.locator("#pm-meter-text")).to_contain_text("平起、首句入韵")
    page.screenshot(path=str(tmp_path / "meter_zh.png"), full_page=True)
    page.locator("#pm-check-text textarea").fill("白日依山尽<img src=x onerror=alert(1)>")
    page.locator("#pm-check").click()
    expect(page.get_by_text(re.compile("只能有汉字和标点，不能有：.*<"))).to_be_visible()
    expect(page.locator("img[src=x]")).to_have_count(0)
