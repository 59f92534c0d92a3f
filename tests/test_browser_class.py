"""Class mode in real Chromium: a short class played through by a teacher and three students
(separate browser contexts, one in Chinese), nicknames that try to be HTML or Markdown."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from browser_tools import open_tab, set_number
from playwright.sync_api import Browser, Page, expect

from demos.basics import gradient_descent, linear_model
from demos.classification import playground
from demos.i18n import t
from demos.vision import draw_digit

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier

XSS = "<img src=x onerror=alert(1)>"
BOLD = "**bold**"


@pytest.fixture
def new_page(browser: Browser):
    """Pages in browser contexts of their own, all closed after the test (a teacher page left open
    would go on polling its class every 2 s through the rest of the suite)."""
    expect.set_options(timeout=15_000)  # as app_page: answers on a busy 2-core machine can take seconds
    contexts = []

    def make(url: str, locale: str = "en-US") -> Page:
        contexts.append(browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale))
        return open_page(contexts[-1], url)

    yield make
    for context in contexts:
        context.close()


def open_page(context, url: str) -> Page:
    page = context.new_page()
    page.dialogs = []  # an alert() from a nickname would land here
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    expect(page.locator("#app-title")).to_be_visible(timeout=30_000)
    return page


def open_class(page: Page, lang: str) -> None:
    page.get_by_role("tab", name=t("sec_class", lang), exact=True).click()


def send_all(page: Page, lang: str, w: float) -> None:
    """The four sends of one student, each answered on its tab."""
    sent = t("cls_sent", lang, code="XXXXX", submission=0).split("XXXXX")[0]
    open_tab(page, linear_model, lang)
    set_number(page, "lin-w", w)
    expect(page.locator("#lin-mse")).to_contain_text(f"{linear_model.mse(w, 0.0):.4f}")
    page.locator("#cls-send-btn-linear").click()
    expect(page.locator("#cls-sent-linear")).to_contain_text(sent)

    open_tab(page, gradient_descent, lang)
    page.locator("#cls-send-btn-gradient").click()
    expect(page.locator("#cls-sent-gradient")).to_contain_text(sent)

    open_tab(page, draw_digit, lang)
    page.locator("#dd-random").click()
    truth = page.locator("#dd-truth")
    expect(truth).to_contain_text("#")
    meant = re.search(r"(\d)\D*$", truth.inner_text().split("(")[0].split("（")[0]).group(1)
    page.locator("#cls-meant-digit input").click()
    page.get_by_role("option", name=meant, exact=True).click()
    page.locator("#cls-send-btn-digit").click()
    expect(page.locator("#cls-sent-digit")).to_contain_text(sent)

    open_tab(page, playground, lang)
    page.locator("#cls-send-btn-playground").click()  # nothing trained yet: a clear message beside the button
    expect(page.locator("#cls-sent-playground")).to_contain_text("⚠ " + t("cls_err_no_run", lang))
    set_number(page, "pg-epochs", 20)
    page.locator("#pg-train").click()
    expect(page.locator("#pg-status")).to_contain_text("20/20" if lang == "en" else "20/20", timeout=60_000)
    page.locator("#cls-send-btn-playground").click()
    expect(page.locator("#cls-sent-playground")).to_contain_text(sent)


def test_a_short_class(new_page, server_url: str, client):
    teacher = new_page(server_url + "?lang=en")
    open_class(teacher, "en")
    teacher.locator("#cls-start").click()
    card = teacher.locator("#cls-card")
    expect(card).to_contain_text("Class code:")
    code = re.search(r"Class code: ([A-Z0-9]{5})", card.inner_text()).group(1)
    assert "#" not in card.inner_text()  # the teacher key is not on the (projected) card...
    teacher.locator("#cls-key").first.click()  # ...but in a closed panel of its own
    private = teacher.locator("#cls-key-link")
    expect(private).to_contain_text(f"?class={code}#")
    key = re.search(rf"\?class={code}#([A-Za-z0-9_-]+)", private.inner_text()).group(1)
    expect(teacher.locator("#cls-qr svg")).to_be_visible()
    expect(teacher.locator("#cls-counts")).to_contain_text("0 students joined", timeout=10_000)

    # three students: by link (English, Chinese) and by typing the code
    ann = new_page(f"{server_url}?class={code}&lang=en")
    expect(ann.locator("#cls-banner").first).to_contain_text("You are invited to a class")
    expect(ann.locator("#cls-code input, #cls-code textarea").first).to_have_value(code)
    ann.locator("#cls-nick input, #cls-nick textarea").first.fill(XSS)
    ann.locator("#cls-join").click()
    expect(ann.locator("#cls-joined")).to_contain_text(f"You joined class {code} as student 1 ({XSS})")
    bo = new_page(f"{server_url}?class={code}&lang=zh", locale="zh-CN")
    expect(bo.locator("#cls-banner").first).to_contain_text("你被邀请加入一个课堂")
    bo.locator("#cls-nick input, #cls-nick textarea").first.fill(BOLD)
    bo.locator("#cls-join").click()
    expect(bo.locator("#cls-joined")).to_contain_text(f"你已作为 学生 2 ({BOLD}) 加入课堂")
    cy = new_page(server_url + "?lang=en")
    expect(cy.locator("#cls-banner").first).to_be_hidden()
    expect(cy.locator("#cls-send-linear").first).to_be_hidden()  # no send button outside a class
    open_class(cy, "en")
    cy.locator("#cls-code-typed input, #cls-code-typed textarea").first.fill(code.lower())
    cy.locator("#cls-join-typed").click()
    expect(cy.locator("#cls-joined-typed")).to_contain_text("as student 3.")

    for page, lang, w in ((ann, "en", 1.5), (bo, "zh", 2.2), (cy, "en", 2.0)):
        send_all(page, lang, w)
    counts = teacher.locator("#cls-counts")
    expect(counts).to_contain_text("3 students joined · linear model 3 · gradient descent 3", timeout=15_000)
    expect(counts).to_contain_text("playground 3")
    best = teacher.locator("#cls-linear")
    expect(best).to_contain_text("best: w = 2.00, b = 0.00")  # the best point: student 3's exact fit

    # a leaderboard row opens that network in the playground
    href = teacher.locator("#cls-leaders a").first.get_attribute("href")
    assert "tab=playground" in href and "pg_layers=8%2C+8" in href
    net = new_page(server_url + href.lstrip("/").lstrip("./"))
    expect(net.locator("#pg-epochs input[type=number]")).to_have_value("20", timeout=20_000)  # not the default 200

    # nicknames, shown by the teacher, appear as typed: no image, no bold, no script
    teacher.locator("#cls-teacher-tools").click()
    teacher.locator("#cls-names input").check()
    subs = teacher.locator("#cls-subs")
    expect(subs).to_contain_text(XSS, timeout=15_000)
    expect(subs).to_contain_text(BOLD)
    expect(subs.locator("img")).to_have_count(0)
    expect(subs.locator("strong, b")).to_have_count(0)

    # a student takes one back, the teacher removes one
    open_class(cy, "en")
    cy.locator("#cls-withdraw").click()  # nothing chosen: refused beside the button
    expect(cy.locator("#cls-withdrawn")).to_contain_text("⚠ " + t("class_no_submission", "en"))
    mine = cy.locator("#cls-mine")
    mine.locator("input").click()
    cy.get_by_role("option").first.click()
    cy.locator("#cls-withdraw").click()
    expect(cy.locator("#cls-withdrawn")).to_contain_text("was taken back")
    expect(counts).to_contain_text("playground 2", timeout=15_000)  # the newest of student 3's: the network
    first = client.predict(code, key, api_name="/class_export")["submissions"][0]
    teacher.locator("#cls-sub-id input").fill(str(first["submission"]))
    teacher.locator("#cls-remove").click()
    expect(counts).to_contain_text("linear model 2", timeout=15_000)

    # the export holds the rest: 3 digits, 10 submissions
    teacher.locator("#cls-export").click()
    files = teacher.locator("#cls-files")
    expect(files).to_contain_text(".npz")
    link = files.locator("a[href*='.npz']").first
    body = teacher.request.get(link.get_attribute("href")).body()  # what the link downloads
    with np.load(io.BytesIO(body)) as npz:
        assert npz["images"].shape == (3, 28, 28) and npz["labels"].shape == (3,)
        assert list(npz["student"]) == [1, 2, 3] and npz["images"].dtype == np.uint8
    assert len(client.predict(code, key, api_name="/class_export")["submissions"]) == 10
    teacher.locator("#lang-switch").get_by_text("中文").click()  # the card follows the language
    expect(card).to_contain_text(f"课堂代码：{code}", timeout=15_000)
    expect(counts).to_contain_text("3 名同学已加入", timeout=15_000)
    for page in (teacher, ann, bo, cy):
        assert page.dialogs == []
    teacher.screenshot(path="/tmp/class-teacher.png", full_page=True)
