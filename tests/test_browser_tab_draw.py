"""ui.tab_draw in real Chromium: a slider step sent while the tab's draw is out is not overwritten
by the draw's answer for the old value (the race a student dragging during the first draw met)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from deploy.hall import free_port

pytestmark = pytest.mark.browser  # starts a real Chromium: the slow tier


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
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


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
