"""How demos/ui.py wires a tab's events."""

from __future__ import annotations

import pytest


def test_a_tabs_language_redraws_run_as_one_event():
    """ui.tab_draw: the redraws a tab's language triggers become one event (each event costs the
    browser a pass over every output's status); skips, {component: value} returns, dict values
    and a redraw's error (a warning; the other views still drawn) behave as in separate events."""
    import gradio as gr

    from demos import ui

    def bad(x, lang):
        raise ui.user_error("err_not_number", lang, name="x")

    with gr.Blocks() as demo:
        lang = gr.Textbox("", visible="hidden")
        with ui.tab_draw(lang) as draw:
            x = gr.Number(2)
            a, b, c, d = gr.Markdown(), gr.Markdown(), gr.JSON(), gr.Markdown()
            ui.on_inputs(lambda x, lang: (f"a{x}", gr.skip()), [x, lang], [a, b])
            ui.on_inputs(lambda x, lang: {"state": x}, [x, lang], c)  # a dict is a value
            ui.on_inputs(lambda x, lang: {b: f"b{x}"}, [x, lang], [b, d])  # a {component: value} return
            ui.on_inputs(bad, [x, lang], d)
            only_lang = ui.on_inputs(lambda lang: "d", [lang], d, triggers=[lang])
            costly = ui.on_inputs(lambda x, lang: "d", [x, lang], d, concurrency_limit=1)
    assert only_lang is None and costly is not None  # a costly redraw keeps its own event
    merged = [fn for fn in demo.fns.values() if fn.name == "draw_tab"]
    assert len(merged) == 1 and [t[1] for t in merged[0].targets] == ["change"]
    inputs, outputs = merged[0].inputs, merged[0].outputs
    assert outputs == [a, b, c, d]
    warnings = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gr, "Warning", lambda message: warnings.append(message))
        got = draw.run(inputs, outputs, [3, "en"])
    assert got == ["a3", "b3", {"state": 3}, "d"]
    assert len(warnings) == 1 and "x" in warnings[0]


def test_a_tab_with_one_redraw_output_gets_its_value_as_is():
    """Gradio takes the return of a one-output event as that output's value (a list would be the value)."""
    import gradio as gr

    from demos import ui

    with gr.Blocks() as demo:
        lang = gr.Textbox("", visible="hidden")
        with ui.tab_draw(lang):
            plot = gr.Markdown()
            ui.on_inputs(lambda lang: f"drawn in {lang}", [lang], [plot])
    (merged,) = [fn for fn in demo.fns.values() if fn.name == "draw_tab"]
    assert merged.fn("zh") == "drawn in zh"
