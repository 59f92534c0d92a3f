"""The contract every lecture tab keeps, checked for each entry of demos.LECTURES (timm-style).

A lecture module has ``LECTURE`` (a ui.Lecture) and ``build(lang: ui.TabLang)``, which adds the
tab's content inside any gr.Blocks; ``lang`` is the tab's hidden language box, "" until the tab is
first shown. Building imports no torch. Every display that is empty at build is filled by an event
that the language box's change sets off (directly or through the values it changes), so the tab's
first draw, when it is first shown, leaves nothing blank.
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import gradio as gr
import pytest

import demos
from demos import ui

ROOT = Path(__file__).resolve().parents[1]
LECTURES = {m.LECTURE.key: m for m in demos.LECTURES}
params = pytest.mark.parametrize("key", list(LECTURES))

# Displays that stay empty on purpose until the user acts (elem_id: why).
EMPTY_UNTIL_ASKED = {
    "dd-truth": "the true label of a test digit, shown only after 'Random test digit'",
    **{f"cls-sent-{a}": "a send to the class's answer, in a row shown only to a class's students"
       for a in ("linear", "gradient", "digit", "playground")},
}  # fmt: skip
DISPLAYS = (gr.Plot, gr.Markdown, gr.HTML, gr.Label, gr.Dataframe, gr.Code, gr.Image, gr.JSON, gr.LinePlot)


def build_alone(module) -> tuple[gr.Blocks, gr.Textbox]:
    with gr.Blocks() as demo:
        lang = gr.Textbox("", visible="hidden", interactive=False)
        module.build(lang)
    return demo, lang


@params
def test_lecture_and_build_signature(key):
    module = LECTURES[key]
    assert isinstance(module.LECTURE, ui.Lecture) and module.LECTURE.key == key
    hints = typing.get_type_hints(module.build)
    assert list(typing.get_type_hints(module.build)) == ["lang", "return"] and hints["lang"] is ui.TabLang


@params
def test_tab_lives_in_the_package_of_its_section(key):
    # the layout mirrors the tab bar: section "sec_vision" -> demos/vision/
    module = LECTURES[key]
    package = module.LECTURE.section.removeprefix("sec_")
    assert module.__name__ == f"demos.{package}.{key}", (module.__name__, module.LECTURE.section)


# One fresh interpreter builds each tab alone, in its own gr.Blocks, and says which build imported torch.
BUILD_EACH = """
import json, sys
import gradio as gr
import demos
out = {}
for module in demos.LECTURES:
    with gr.Blocks():
        module.build(gr.Textbox("", visible="hidden", interactive=False))
    out[module.LECTURE.key] = "torch" in sys.modules
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def torch_after_build():
    result = subprocess.run([sys.executable, "-c", BUILD_EACH], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@params
def test_builds_alone_without_torch(key, torch_after_build):
    assert torch_after_build[key] is False, f"building {key} (or a tab before it) imported torch"


def reached_from(demo: gr.Blocks, start: gr.components.Component) -> set[int]:
    """Ids of the components that events set off by ``start``'s change can write: an event's
    outputs change, which sets off their own change events, and .then() chains follow."""
    fns = list(demo.fns.values())
    changed, done, written = {start._id}, set(), set()
    progress = True
    while progress:
        progress = False
        for i, fn in enumerate(fns):
            if i in done:
                continue
            by_change = any(event == "change" and block in changed for block, event in fn.targets)
            by_then = fn.trigger_after is not None and fn.trigger_after in done
            if by_change or by_then:
                done.add(i)
                progress = True
                ids = {c._id for c in fn.outputs}
                written |= ids
                changed |= ids
    return written


def is_empty(component) -> bool:
    if isinstance(component, gr.HTML) and component.js_on_load:
        return False  # a script's carrier (such as the sketchpad helpers), not a display
    value = component.value
    if isinstance(component, gr.Dataframe):
        return not value or not value.get("data")
    return value in (None, "", [], {})


@params
def test_every_empty_display_is_drawn_on_first_show(key):
    demo, lang = build_alone(LECTURES[key])
    written = reached_from(demo, lang)
    blank = [
        c.elem_id or f"{type(c).__name__}#{c._id}"
        for c in demo.blocks.values()
        if isinstance(c, DISPLAYS) and is_empty(c) and c._id not in written and c.elem_id not in EMPTY_UNTIL_ASKED
    ]
    assert not blank, f"{key}: empty at build and never drawn when the tab is first shown: {blank}"


def test_the_deliberately_empty_displays_exist():
    ids = {c.elem_id for k in ("draw_digit", "linear_model", "gradient_descent", "playground")
           for c in build_alone(LECTURES[k])[0].blocks.values()}  # fmt: skip
    assert set(EMPTY_UNTIL_ASKED) <= ids


@pytest.mark.parametrize("key", [k for k, m in LECTURES.items() if m.LECTURE.drawn_at_build])
def test_a_tab_drawn_at_build_shows_its_english_redraw(key):
    """Lecture.drawn_at_build: an English page open skips the tab's first draw, so what build()
    shows must be exactly what the language box's change to "en" would draw."""
    demo, lang = build_alone(LECTURES[key])
    redraws = [fn for fn in demo.fns.values() if fn.fn and (lang._id, "change") in fn.targets]
    assert redraws
    for fn in redraws:
        args = ["en" if c is lang else c.value for c in fn.inputs]
        outputs = fn.fn(*args)
        outputs = outputs if isinstance(outputs, (tuple, list)) and len(fn.outputs) > 1 else [outputs]
        for component, out in zip(fn.outputs, outputs, strict=True):
            post = component.postprocess(out)
            post = post.model_dump() if hasattr(post, "model_dump") else post
            shown = json.dumps(component.value, sort_keys=True, default=str)
            assert shown == json.dumps(post, sort_keys=True, default=str), (key, fn.name, component.elem_id)


@params
def test_a_streamed_run_has_limits_and_a_stop_that_ends_it(key):
    # Every generator event is a live.train_button run: concurrency and time limits, a cooperative
    # Stop, off the serving interpreter; no Gradio `cancels=` (6.31's page can leave an "Error" badge over a cancelled run's outputs).
    import inspect

    demo, _ = build_alone(LECTURES[key])
    for fn in demo.fns.values():
        assert not getattr(fn, "cancels", None), (key, fn.fn)
        if fn.fn and inspect.isgeneratorfunction(fn.fn):
            assert fn.fn.__qualname__ == "train_button.<locals>.run", (key, fn.fn)
            # ... of a module-level function, which runs in a child process (demos/offload.py)
            assert inspect.getclosurevars(fn.fn).nonlocals["offloaded"], (key, fn.concurrency_id)
            assert fn.concurrency_limit and fn.time_limit and fn.time_limit <= 60, (key, fn.concurrency_id)
