"""Lecture 13's homework (movie-review sentiment) in real headless Chromium: type a review and read
the five classes, word by word and which words pushed them; pick an example; bad input; train a
small GRU live and stop it; Chinese."""

from __future__ import annotations

import re

import pytest
from browser_tools import assert_stopped, click_when_text, open_tab, set_number
from playwright.sync_api import Page, expect

from demos.sequences import sentiment as st
from models import sentiment as S

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def box(page: Page):
    return page.locator("#st-text textarea").first


def test_a_review_and_its_views(app_page: Page, tmp_path):
    page = app_page
    open_tab(page, st)
    expect(page.locator("#st-eval")).to_contain_text("bag-of-words logistic regression")
    expect(page.locator("#st-confusion")).to_contain_text("confusion matrix")
    review = "Too long, too loud and not nearly as funny as it thinks it is."
    box(page).fill(review)
    page.locator("#st-go").click()
    p = S.predict(review)
    c = int(p.argmax())
    result = page.locator("#st-result")
    expect(result).to_contain_text(f"The GRU says {S.CLASSES[c]} ({100 * float(p[c]):.1f}%)")
    expect(page.locator("#st-probs")).to_contain_text(f"{100 * float(p[c]):.1f}%")
    prefix = page.locator("#st-prefix")
    expect(prefix).to_contain_text("The prediction after each word")
    for word in ("loud", "funny", "thinks"):
        expect(prefix.locator("g.xtick text", has_text=word).first).to_be_visible()
    expect(page.locator("#st-occlusion")).to_contain_text(f"Which words pushed “{S.CLASSES[c]}”")
    page.screenshot(path=str(tmp_path / "sentiment-en.png"), full_page=True)

    page.get_by_text(st.EXAMPLES[0], exact=True).click()  # an example fills the box and redraws
    first = S.predict(st.EXAMPLES[0])
    expect(result).to_contain_text(f"({100 * float(first.max()):.1f}%)")
    box(page).fill("🙂🙂🙂")
    page.locator("#st-go").click()
    expect(page.get_by_text(re.compile("No English words found"))).to_be_visible()
    box(page).fill("zzqx qqzx")
    page.locator("#st-go").click()
    expect(page.get_by_text(re.compile("knows none of these words: zzqx, qqzx"))).to_be_visible()
    box(page).fill("<b>zzqx</b> movie")
    page.locator("#st-go").click()
    expect(result).to_contain_text(
        "Words the model does not know (read as <unk>): zzqx"
    )  # <unk> shown, not eaten as a tag
    expect(page.locator("b", has_text="zzqx")).to_have_count(0)  # the review is read as words, never as HTML


def test_live_training_stop_and_chinese(app_page: Page, tmp_path):
    page = app_page
    open_tab(page, st)
    page.locator("#lang-switch").get_by_text("中文").click()
    expect(page.locator("#st-live-head")).to_contain_text("从零训练一个小 GRU", timeout=20_000)
    expect(page.locator("#st-eval")).to_contain_text("词袋逻辑回归")
    box(page).fill("A gorgeous, witty, seductive movie.")
    page.locator("#st-go").click()
    expect(page.locator("#st-result")).to_contain_text("GRU 判断为")
    status = page.locator("#st-status")
    set_number(page, "st-epochs", 1)
    page.locator("#st-train").click()
    expect(status).to_contain_text("训练完成：1 轮", timeout=120_000)
    expect(status).to_contain_text("你的模型对上面那句影评的判断")
    expect(page.locator("#st-acc")).to_contain_text("准确率")
    page.screenshot(path=str(tmp_path / "sentiment-zh.png"), full_page=True)
    # a long run, stopped after its first epoch's frame
    set_number(page, "st-epochs", 6)
    click_when_text(page, "#st-status", "训练中：第 1 / 6 轮", "#st-stop")
    page.locator("#st-train").click()
    expect(status).to_contain_text("训练中：第 1 / 6 轮", timeout=120_000)
    assert_stopped(page, "#st-status", 1500, 6000, finished="训练完成")  # Stop ended the run
