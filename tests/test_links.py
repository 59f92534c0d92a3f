"""Shareable links: URL parameters -> tab and settings, for every lecture tab."""

from __future__ import annotations

import gradio as gr
import pytest

from demos import links


@pytest.fixture(scope="module")
def shared():
    """{lecture key: {URL name: component}} of the real app, as app.build_app wires it."""
    import app
    import demos

    demo = app.build_app()
    found = {}
    for block in demo.blocks.values():
        if isinstance(block, gr.Tab) and block.id in {m.LECTURE.key for m in demos.LECTURES}:
            found[block.id] = links.controls(block)
    return found


def test_every_lecture_tab_has_shareable_settings(shared):
    import demos

    assert set(shared) == {m.LECTURE.key for m in demos.LECTURES}
    for key, controls in shared.items():
        assert controls, f"{key} has no shareable setting"
        assert not set(controls) & links.RESERVED


def test_gradient_descent_divergence_link(shared):
    tab, values, messages = links.apply({"tab": "gradient_descent", "gd_lr": "0.25", "lang": "en"}, shared, "en")
    assert tab == "gradient_descent" and not messages
    assert list(values.values()) == [0.25]
    assert list(values)[0] is shared["gradient_descent"]["gd_lr"]


def test_bad_settings_are_named_and_ignored(shared):
    params = {"tab": "gradient_descent", "gd_lr": "99", "gd_epochs": "2.5", "nope": "1", "gd_mode": "fast"}
    tab, values, messages = links.apply(params, shared, "en")
    assert tab == "gradient_descent" and values == {}
    assert len(messages) == 4 and "gd_lr=99" in messages[0]
    _, _, zh = links.apply({"tab": "gradient_descent", "gd_lr": "nan"}, shared, "zh")
    assert "无效" in zh[0]
    assert links.apply({"tab": "no_such_tab"}, shared, "en")[0] is None
    assert links.apply({}, shared, "en") == (None, {}, [])


def test_parse_by_component_type():
    slider = gr.Slider(0.001, 0.3, value=0.01, step=0.001)
    assert links.parse(slider, "0.25") == 0.25
    integer = gr.Slider(1, 500, value=100, step=1)
    assert links.parse(integer, "300") == 300 and isinstance(links.parse(integer, "300"), int)
    for bad in ("2.5", "0", "501", "inf", "x", ""):
        with pytest.raises(ValueError):
            links.parse(integer, bad)
    assert links.parse(gr.Number(0, precision=0, minimum=0), "7") == 7
    assert links.parse(gr.Checkbox(), "1") is True and links.parse(gr.Checkbox(), "false") is False
    radio = gr.Radio([("Batch", "batch"), ("SGD", "sgd")])
    assert links.parse(radio, "sgd") == "sgd"
    with pytest.raises(ValueError):
        links.parse(radio, "Batch")  # values, not labels
    group = gr.CheckboxGroup(["4", "16", "64"])
    assert links.parse(group, "4,64") == ["4", "64"]
    with pytest.raises(ValueError):
        links.parse(group, "4,5")
    assert links.parse(gr.Textbox(), "hello") == "hello"
    with pytest.raises(ValueError):
        links.parse(gr.Textbox(), "x" * (links.MAX_TEXT + 1))


def test_qr_code_is_an_svg():
    svg = links.qr_svg("http://127.0.0.1:7860/?tab=gradient_descent&gd_lr=0.25")
    assert "<svg" in svg and "<path" in svg
    assert links.qr_svg("") == ""
