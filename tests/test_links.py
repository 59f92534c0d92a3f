"""Shareable links: URL parameters -> tab and settings, for every lecture tab."""

from __future__ import annotations

import json
import os
from pathlib import Path

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


SNAPSHOT = Path(__file__).parent / "data" / "url_names.json"


def test_url_names_are_pinned(shared):
    """Renaming a tab key or a setting's URL name breaks every link and QR code already printed on a
    slide: this fails until tests/data/url_names.json is updated on purpose
    (URL_NAMES_UPDATE=1 python -m pytest tests/test_links.py rewrites it)."""
    import demos

    now = {m.LECTURE.key: list(shared[m.LECTURE.key]) for m in demos.LECTURES}
    if os.environ.get("URL_NAMES_UPDATE"):
        SNAPSHOT.write_text(json.dumps(now, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    pinned = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert list(now) == list(pinned), "the tab= keys changed"
    for key, names in pinned.items():
        assert now[key] == names, f"the URL names of tab {key!r} changed"


def test_a_url_name_belongs_to_one_control():
    with gr.Blocks(), gr.Tab("t") as tab:
        gr.Slider(1, 9, label="w")
        second = gr.Slider(1, 9, label="w")
    with pytest.raises(ValueError, match="'w'"):
        links.controls(tab)
    links.url_name(second, "w2")
    assert list(links.controls(tab)) == ["w", "w2"]


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


def conv_link(shared, **settings):
    """links.apply for a convolution-tab link: (values by URL name or state, messages)."""
    tab, values, messages = links.apply({"tab": "convolution", **settings}, shared, "en")
    names = {c: n for n, c in shared["convolution"].items()}
    return {names.get(c, "grids" if isinstance(c, gr.JSON) else c): v for c, v in values.items()}, messages


def test_a_link_checks_a_value_against_the_range_its_other_values_make(shared):
    # the 5x5 example with a 3x3 kernel: 9 positions; padding 2 makes 7x7 = 49
    values, messages = conv_link(shared, conv_padding="2", conv_position="49")
    assert not messages and values["conv_padding"] == 2
    assert values["conv_position"] == {"value": 49, "maximum": 49, "__type__": "update"}
    assert conv_link(shared, conv_position="10")[1]  # no padding: 9 positions
    assert conv_link(shared, conv_padding="2", conv_position="50")[1]
    # which kernel: up to the link's number of kernels
    assert conv_link(shared, conv_which="3")[1]
    values, messages = conv_link(shared, conv_kernels="4", conv_which="3")
    assert not messages and values["conv_which"]["value"] == 3


def test_a_link_applies_an_edited_grid_as_apply_does(shared):
    from demos.vision import convolution

    grid = "1 2 3 4\n5 6 7 8\n9 10 11 12\n13 14 15 16"
    values, messages = conv_link(shared, conv_input_text=grid, conv_position="4")
    assert not messages and values["conv_input_text"] == grid
    assert values["grids"] == convolution.on_conv_apply(grid, convolution.grid_text(convolution.LECTURE_K), "en")
    assert conv_link(shared, conv_input_text=grid, conv_position="5")[1]  # 4x4 input, 3x3 kernel: 4 positions
    values, messages = conv_link(shared, conv_input_text="1 x\n2 3", conv_padding="1")
    assert "conv_input_text" in messages[0] and set(values) == {"conv_padding"}  # the bad grid is dropped whole
    values, messages = conv_link(shared, conv_pool_input_text="1 2\n3 4", conv_pool_position="1")
    assert not messages and values["conv_pool_position"]["value"] == 1 and values["grids"] == [[1.0, 2.0], [3.0, 4.0]]


def test_a_class_link_composes_with_a_share_link(shared):
    """?class=CODE (and a stray key) are the class mode's: never reported as unknown settings."""
    tab, values, messages = links.apply(
        {"tab": "linear_model", "class": "ABCDE", "key": "k" * 32, "lin-w": "2.5"}, shared, "en"
    )
    assert tab == "linear_model" and messages == [] and list(values.values()) == [2.5]
    assert links.apply({"class": "ABCDE"}, shared, "en") == (None, {}, [])
