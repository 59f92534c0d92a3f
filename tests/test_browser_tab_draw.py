"""ui.tab_draw and ui.on_inputs in real Chromium: a slider step sent while the tab's draw is out is
not overwritten by the draw's answer for the old value (the race a student dragging during the first
draw met), and an event that sets two controls at once ends on the view of both new values (a link
opening a tab: one step went out with half the values set and answered last)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from deploy.hall import free_port

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


def served(demo):
    """Launch a test app on a free loopback port; yield its URL, then close it."""
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture
def slow_draw_url():
    """A tab whose language draw takes 1.5 s at w = 1; the page sets the language on load."""
    import gradio as gr

    from demos import ui

    def view(w, lang):
        if lang and float(w) == 1.0:
            time.sleep(1.5)  # the draw, sent with the old w, is still out when the student moves w
        return f"w = {float(w):.1f} ({lang})"

    with gr.Blocks() as demo:
        lang = gr.Textbox("", visible="hidden")
        with ui.tab_draw(lang):
            w = gr.Number(1.0, elem_id="w")
            out = gr.Markdown("w = 1.0", elem_id="out")
            ui.on_inputs(view, [w, lang], out)
        demo.load(None, None, lang, js="() => 'zh'")
    yield from served(demo)


def test_a_step_sent_during_the_draw_keeps_its_answer(page: Page, slow_draw_url):
    page.goto(slow_draw_url)
    box = page.locator("#w input[type=number]")
    box.wait_for()
    page.wait_for_timeout(300)  # the draw is out (it answers after 1.5 s)
    box.fill("2")
    box.press("Enter")
    out = page.locator("#out")
    expect(out).to_contain_text("w = 2.0 (zh)", timeout=10_000)
    page.wait_for_timeout(2500)  # long after the draw's answer
    expect(out).to_contain_text("w = 2.0 (zh)")
    box.fill("3")  # and with no draw out, a step is sent at once
    box.press("Enter")
    expect(out).to_contain_text("w = 3.0 (zh)", timeout=1_000)


@pytest.fixture
def burst_url():
    """A button that opens a tab and sets its three controls at once (as a link does), and a redraw of
    the three that is slow while they are half set. The tab's controls mount as it opens and take
    their values over several ticks, and each change fires the redraw with the values set so far."""
    import gradio as gr

    from demos import ui

    def view(a, b, c):
        if not (a == 5 and b and c == 5):  # half set: this answer is slow, and must not be the last one shown
            time.sleep(1.0)
        return f"a = {a:g}, b = {b}, c = {c:g}"

    with gr.Blocks() as demo:
        both = gr.Button("open", elem_id="open")
        with gr.Tabs() as tabs:
            with gr.Tab("one", id="one"):
                gr.Markdown("first")
            with gr.Tab("two", id="two"):
                a = gr.Number(1, elem_id="a")
                b = gr.Checkbox(False, elem_id="b")
                c = gr.Slider(0, 10, value=1, elem_id="c")
                out = gr.Markdown("", elem_id="out")
        ui.on_inputs(view, [a, b, c], out)
        both.click(lambda: (gr.Tabs(selected="two"), 5, True, 5), None, [tabs, a, b, c], show_progress="hidden")
    yield from served(demo)


def test_controls_set_at_once_end_on_the_view_of_all(page: Page, burst_url):
    page.goto(burst_url)
    page.locator("#open").click()
    out = page.locator("#out")
    expect(out).to_contain_text("a = 5, b = True, c = 5", timeout=10_000)
    page.wait_for_timeout(2000)  # after any half-set answer (before the fix: "c = 1" landed last)
    expect(out).to_contain_text("a = 5, b = True, c = 5")
    out_now = page.evaluate("Object.values(window.gdSteps).map((s) => s.out)")
    assert out_now == [0], out_now  # every request of the step answered and was counted back
