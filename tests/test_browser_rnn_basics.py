"""Lecture 12 (RNN basics) in real headless Chromium: train hello -> ohlol and watch it stream,
type a bad pair, stop a long run, read the shape table, and the same in Chinese."""

from __future__ import annotations

import re

import pytest
from browser_tools import assert_stopped, click_when_text, open_tab, record_text, recorded, set_number
from playwright.sync_api import Page, expect

from demos.sequences import rnn_basics, rnn_compute

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def open_rnn_tab(page: Page, lang: str = "en") -> None:
    open_tab(page, rnn_basics, lang)


def test_hello_becomes_ohlol_live(app_page: Page):
    page = app_page
    open_rnn_tab(page)
    expect(page.locator("#rnn-vocab")).to_contain_text("[1, 0, 2, 2, 3]")
    status, console = page.locator("#rnn-status"), page.locator("#rnn-console textarea")
    record_text(page, "#rnn-status")
    page.locator("#rnn-train").click()
    expect(status).to_contain_text("Epoch 15/15", timeout=60_000)
    expect(status).to_contain_text("Right for the first time in epoch")
    epochs_seen = {int(m) for text in recorded(page) for m in re.findall(r"Epoch (\d+)/15", text)}
    assert len(epochs_seen) >= 10, epochs_seen  # it streamed epoch by epoch
    expected = rnn_compute.history(
        rnn_compute.make_pair("hello", "ohlol"), rnn_compute.make_config("rnn", 4, 16, 1, True), 0.1, 15, 0
    )
    value = console.input_value()
    assert value.splitlines()[-1] == f"Predicted string: ohlol, Epoch [15/15] loss={expected['loss'][-1]:.4f}"
    assert len(value.splitlines()) == 15
    expect(page.locator("#rnn-loss")).to_contain_text("learned at epoch")
    expect(page.locator("#rnn-probs-plot")).to_contain_text("Softmax over the 4 characters")
    expect(page.locator("#rnn-hidden-plot")).to_contain_text("Hidden state h_t")

    # another model: its defaults follow, and it learns too
    page.locator("#rnn-cell").get_by_text("Embedding + RNN + Linear").click()
    expect(page.locator("#rnn-lr input[type=number]")).to_have_value("0.05")
    expect(page.locator("#rnn-layers input[type=number]")).to_have_value("2")
    page.locator("#rnn-train").click()
    expect(status).to_contain_text("RNN(10, 8, num_layers=2)", timeout=60_000)
    expect(status).to_contain_text("Epoch 15/15", timeout=60_000)
    expect(console).to_have_value(re.compile(r"Predicted string: ohlol, Epoch \[15/15\]"))

    # a pair of unequal length: an inline note while typing, a clear error on Train
    target = page.locator("#rnn-target").get_by_role("textbox")
    target.fill("ohlo")
    expect(page.locator("#rnn-vocab")).to_contain_text("same length")
    page.locator("#rnn-train").click()
    expect(page.get_by_text("The source has 5 characters, the target 4").last).to_be_visible()
    target.fill("")
    expect(page.locator("#rnn-vocab")).to_contain_text("must not be empty")


def test_stop_ends_a_long_run_and_shapes_follow_the_sizes(app_page: Page):
    page = app_page
    open_rnn_tab(page)
    status = page.locator("#rnn-status")
    set_number(page, "rnn-epochs", 100)
    page.locator("#rnn-stop").scroll_into_view_if_needed()  # both buttons in view, as a user has them
    click_when_text(page, "#rnn-status", r"Epoch \d+/100", "#rnn-stop")  # from inside the page: never late
    page.locator("#rnn-train").click()
    expect(status).to_contain_text(re.compile(r"Epoch \d+/100"), timeout=30_000)
    assert_stopped(page, "#rnn-status", 1500, 2500, finished="100/100")

    shapes = page.locator("#rnn-shapes")
    expect(shapes).to_contain_text("(3, 1, 4)")  # the lecture's sizes
    set_number(page, "rnn-sh-layers", 3)
    page.locator("#rnn-sh-bidir").get_by_text("bidirectional").click()
    page.locator("#rnn-sh-batch-first").get_by_text("batch_first").click()
    expect(shapes).to_contain_text("(6, 1, 2)")  # h0: (D·num_layers, batch, hidden_size)
    expect(shapes).to_contain_text("(1, 3, 4)")  # batch_first input: (batch, seq_len, input_size)
    assert "✗" not in shapes.inner_text() and shapes.inner_text().count("✓") == 21


def test_chinese(app_page: Page):
    page = app_page
    open_rnn_tab(page)
    page.locator("#lang-switch").get_by_text("中文").click()  # every tab redraws: allow for a busy machine
    expect(page.locator("#rnn-status")).to_contain_text("训练", timeout=20_000)
    expect(page.locator("#rnn-shapes")).to_contain_text("模块", timeout=20_000)
    expect(page.locator("#rnn-vocab")).to_contain_text("字符表")
    page.locator("#rnn-cell").get_by_text("nn.GRU（门控循环单元）").click()
    page.locator("#rnn-train").click()
    expect(page.locator("#rnn-status")).to_contain_text("第 15/15 轮", timeout=60_000)
    expect(page.locator("#rnn-console textarea")).to_have_value(re.compile(r"预测字符串: ohlol，第 \[15/15\] 轮"))
    expect(page.locator("#rnn-probs-plot")).to_contain_text("softmax")
    expect(page.locator("#rnn-loss")).to_contain_text("每一轮的损失（各步平均）")
    page.locator("#rnn-target").get_by_role("textbox").fill("ohl")
    expect(page.locator("#rnn-vocab")).to_contain_text("必须一样长")
