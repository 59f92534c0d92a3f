"""A shared link reproduces the view it was copied from, for every lecture tab: change a tab's
settings through the page, copy its link, open the link in a fresh page, and find the same settings
(the fresh page's own link is the same link) and the same view (a text the settings decide).

What a link carries is settings, not what a button press made: a training run or a generated poem
is made again by pressing the button (the runs are seeded)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_tools import open_tab, set_number
from playwright.sync_api import Page, expect

import demos
from demos.classification import pima
from demos.i18n import t

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier

LECTURES = {m.LECTURE.key: m for m in demos.LECTURES}

# tab key -> (changes made through the page, the elem_id of a text the changed settings decide)
# A change: ("number", elem_id, value) types into a slider's or number's box; ("radio", elem_id, label)
# clicks a choice; ("check", elem_id) toggles a checkbox; ("text", elem_id, text) types into a textbox;
# ("keys", elem_id, n) presses → n times on a slider (a drag: the events a typed value does not fire);
# ("click", elem_id) presses a button.
CHANGES = {
    "linear_model": ([("number", "lin-w", 2.5), ("number", "lin-b", -0.5)], "lin-mse"),
    "gradient_descent": ([("radio", "gd-mode", t("gd_sgd")), ("number", "gd-lr", 0.05)], "gd-stable"),
    "backprop": ([("keys", "bp-x", 10), ("keys", "bp-w", 5), ("number", "bp-step", 4)], "bp-explain"),
    "sigmoids": ([("radio", "sig-target", t("sig_target_sine")), ("keys", "sig-n", 2)], "sig-mse"),
    "linear_regression": ([("radio", "lr-optimizer", "Adam"), ("number", "lr-lr", 0.05)], "lr-status"),
    "logistic_regression": ([("number", "lg-hours", 3.5), ("number", "lg-b", -1.5)], "lg-answer"),
    "pima": (
        [
            ("radio", "pima-activation", pima.ACT_NAMES["relu"]),
            ("number", "pima-pick", 5),
            ("number", "pima-glucose", 190),
        ],
        "pima-shapes",
    ),
    "dataloader": ([("number", "dl-n", 25), ("number", "dl-bs", 6), ("check", "dl-drop-last")], "dl-iters"),
    "softmax": ([("number", "sm-classes", 5), ("radio", "sm-target", "4"), ("number", "sm-z4", 2.5)], "sm-math"),
    "playground": ([("radio", "pg-dataset", t("pg_xor")), ("text", "pg-layers", "4, 2")], "pg-arch"),
    "convolution": (
        [
            ("radio", "conv-padding", "2"),
            ("number", "conv-pos", 30),
            ("number", "conv-m", 4),
            ("number", "conv-j", 3),
            ("number", "conv-mpos", 5),
            ("radio", "conv-pool-k", "3"),
            ("click", "conv-edit"),
            ("text", "conv-k", "1 0\n0 1"),
            ("click", "conv-apply"),
        ],
        "conv-sum",
    ),
    "cnn_training": ([("radio", "ct-model", t("ct_model_mlp")), ("radio", "ct-batch", "128")], "ct-trace"),
    "draw_digit": ([("radio", "dd-model", t("dd_model_mlp"))], "dd-status"),
    "advanced_cnn": ([("number", "ac-inc-c", 3), ("number", "ac-depth", 8)], "ac-branches"),
    "beyond": ([("number", "by-index", 7), ("radio", "by-xai-class", "5")], "by-pred"),
    "rnn_basics": ([("number", "rnn-sh-seq_len", 5), ("check", "rnn-sh-bidir")], "rnn-shapes"),
    "names": ([("text", "nm-name", "Schmidt")], "nm-answer"),
    "sentiment": ([("text", "st-text", "A gorgeous, witty movie."), ("number", "st-lr", 0.02)], "st-result"),
    "poems": (
        [("radio", "pm-form", t("pm_7x8")), ("text", "pm-text", "春"), ("number", "pm-temperature", 0.5)],
        "pm-card",
    ),
}


def change(page: Page, how: str, elem_id: str, *value) -> None:
    where = page.locator(f"#{elem_id}")
    if how == "number":
        set_number(page, elem_id, value[0])
    elif how == "radio":
        where.get_by_text(str(value[0]), exact=True).click()
    elif how == "check":
        where.locator("input").click()
    elif how == "text":
        where.locator("textarea, input").first.fill(value[0])
    elif how == "keys":
        for _ in range(value[0]):
            where.locator("input[type=range]").press("ArrowRight")
    elif how == "click":
        where.click()


def view_text(page: Page, elem_id: str) -> str:
    """The element's text without Gradio's progress timer (which may stay on a redrawn view)."""
    return page.locator(f"#{elem_id}").evaluate(
        """(e) => { const c = e.cloneNode(true);
        c.querySelectorAll('.progress-text, .eta-bar, .meta-text').forEach((x) => x.remove());
        return c.innerText.replace(/\\s+/g, ' ').trim(); }"""
    )


def settled_text(page: Page, elem_id: str, want: str | None = None, before: str | None = None) -> str:
    """The element's text once it stays the same for half a second (and equals ``want``). With
    ``before``, the first 8 s wait for a text that differs from it: the redraw the changes set off
    (a view that the changes leave as it was is taken after that)."""
    last = None
    for tries in range(60):
        now = view_text(page, elem_id)
        if now == last and now and want in (None, now) and (now != before or tries >= 16):
            return now
        last = now
        page.wait_for_timeout(500)
    raise AssertionError(f"#{elem_id} shows {last!r}" + ("" if want is None else f", not {want!r}"))


def shown_link(page: Page, key: str) -> str:
    page.locator(f"#tab-{key} .share-button").click()
    box = page.locator(f"#tab-{key} .share-link textarea")
    expect(box).to_have_value(re.compile(r"\?tab="))
    return box.input_value()


def settings(url: str) -> dict:
    return {k: v for k, v in parse_qs(urlsplit(url).query).items() if k != "lang"}


def check_tab(page: Page, key: str) -> None:
    """Change the tab's settings, copy its link, open the link as a fresh page (a new session):
    the same text and the same settings (that page's own link) come back."""
    changes, view = CHANGES[key]
    open_tab(page, LECTURES[key])
    # the tab opened: its lecture line shows (tests/test_browser.py checks the same in Chinese)
    expect(page.get_by_text(re.compile(re.escape(t(LECTURES[key].LECTURE.source).split("**")[1])))).to_be_visible()
    before = settled_text(page, view)
    for how, elem_id, *value in changes:
        change(page, how, elem_id, *value)
    text = settled_text(page, view, before=before)
    link = shown_link(page, key)
    assert len(settings(link)) > 1, link  # the changes are in the link
    page.goto(link)
    settled_text(page, view, want=text)
    assert settings(shown_link(page, key)) == settings(link)


@pytest.mark.timeout(900)  # every tab, each changed, copied and opened again: about 4-5 minutes here
def test_a_link_reproduces_the_view_it_was_copied_from(app_page: Page):
    """Every tab in one page: the page a link opens is where the next tab's changes are made, so
    each tab costs one page load. Every tab is checked; the failures are reported together."""
    assert set(CHANGES) == set(LECTURES), "every tab has a shared-link check"
    failed = {}
    for key in LECTURES:
        try:
            check_tab(app_page, key)
        except Exception as error:  # an assertion, or a Playwright time-out
            failed[key] = str(error)[:1500]
            app_page.goto(app_page.url.split("?")[0] + "?lang=en")  # a clean page for the next tab
    assert not failed, "\n\n".join(f"{key}: {text}" for key, text in failed.items())
