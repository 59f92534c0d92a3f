"""Lecture 10's tab: the worked convolution, the multi-channel example and pooling against
F.conv2d / F.max_pool2d / F.avg_pool2d, the grid parser, the stepping, and every event's
output in both languages."""

from __future__ import annotations

import contextlib
import io
import json

import gradio as gr
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from demos.vision import conv_shapes as cs
from demos.vision import convolution as cv

torch.set_num_threads(1)

# PyTorch's nn.Conv2d(1, 1, kernel_size=3, padding=1, bias=False) with the weight 1..9 on the lecture's input
LECTURE_PADDED = [
    [91, 168, 224, 215, 127],
    [114, 211, 295, 262, 149],
    [192, 259, 282, 214, 122],
    [194, 251, 253, 169, 86],
    [96, 112, 110, 68, 31],
]


def torch_conv(x, w, padding, stride):
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None, None]
    wt = torch.tensor(np.asarray(w, dtype=np.float64))[None, None]
    return F.conv2d(xt, wt, stride=stride, padding=padding)[0, 0].numpy()


def test_lecture_examples_equal_pytorch():
    layer = torch.nn.Conv2d(1, 1, kernel_size=3, padding=1, bias=False)
    layer.weight.data = torch.tensor(cv.LECTURE_K, dtype=torch.float32).view(1, 1, 3, 3)
    with torch.no_grad():
        theirs = layer(torch.tensor(cv.LECTURE_X, dtype=torch.float32).view(1, 1, 5, 5))
    assert theirs.shape == (1, 1, 5, 5)
    np.testing.assert_array_equal(theirs[0, 0].numpy(), LECTURE_PADDED)
    np.testing.assert_array_equal(cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 1, 1)["out"], LECTURE_PADDED)
    stride2 = cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 0, 2)
    assert (stride2["oh"], stride2["ow"]) == (2, 2)
    np.testing.assert_array_equal(stride2["out"], [[211, 262], [251, 169]])
    np.testing.assert_array_equal(stride2["out"], torch_conv(cv.LECTURE_X, cv.LECTURE_K, 0, 2))
    np.testing.assert_array_equal(cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 0, 1)["out"][1, 1], 282)
    pool = cv.pool_plan(cv.POOL_X, 2, "max")["out"]
    np.testing.assert_array_equal(pool, [[4, 8], [9, 8]])
    np.testing.assert_array_equal(pool, F.max_pool2d(torch.tensor(cv.POOL_X, dtype=torch.float64)[None, None], 2)[0, 0])


def test_random_convolutions_equal_pytorch():
    rng = np.random.default_rng(0)
    for _ in range(200):
        h, w = rng.integers(1, cv.MAX_INPUT + 1, size=2)
        kh, kw = rng.integers(1, cv.MAX_KERNEL + 1, size=2)
        p, s = int(rng.choice(cv.PADDINGS)), int(rng.choice(cv.STRIDES))
        x = rng.normal(size=(h, w)).round(2)
        k = rng.integers(-3, 4, size=(kh, kw)).astype(float)
        plan = cv.conv_plan(x, k, p, s)
        if plan["oh"] < 1 or plan["ow"] < 1:
            with pytest.raises(RuntimeError):
                torch_conv(x, k, p, s)
            with pytest.raises(gr.Error, match="larger than the padded input"):
                cv.check_fits(plan, "en")
            continue
        ours, theirs = plan["out"], cv.torch_conv(x, k, p, s)
        assert ours.shape == theirs.shape == (cs.out_size(h, kh, s, p, 1), cs.out_size(w, kw, s, p, 1))
        np.testing.assert_allclose(ours, theirs, atol=1e-9)
        for pos in (1, plan["oh"] * plan["ow"]):  # the window's products add up to that output
            win = cv.window(plan, pos)
            assert sum(a * b for a, b in win["products"]) == pytest.approx(ours[win["r"], win["c"]])
            assert len(win["products"]) == kh * kw


def test_window_walks_row_by_row_with_the_stride():
    plan = cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 1, 2)  # 7x7 padded, 3x3 output
    cells = [(cv.window(plan, p)["r"], cv.window(plan, p)["c"]) for p in range(1, 10)]
    assert cells == [(r, c) for r in range(3) for c in range(3)]
    w = cv.window(plan, 6)
    assert (w["r0"], w["c0"]) == (2, 4) and w["total"] == 122  # out[1, 2] with padding 1, stride 2
    assert cv.window(plan, 0)["pos"] == 1 and cv.window(plan, 99)["pos"] == 9  # clamped
    first = cv.window(cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 0, 1), 1)
    assert first["products"] == [(3, 1), (4, 2), (6, 3), (2, 4), (4, 5), (6, 6), (1, 7), (6, 8), (7, 9)]
    assert first["total"] == 211


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_conv_figure_and_text(lang):
    plan = cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 1, 1)
    fig = cv.conv_figure(plan, 7, lang)
    texts = [a.text for a in fig.layout.annotations]
    assert "211" in texts and "×5" in texts  # the window's centre cell, 4 × 5, and out[1, 1] = 211
    # 7x7 padded input + 3x3 kernel + 5x5 output cells, the window's frame and the output's
    assert len(fig.layout.shapes) == 49 + 9 + 25 + 2
    json.loads(fig.to_json())
    text = cv.conv_text(plan, 7, lang)
    assert "3·1 + 4·2 + 6·3 + 2·4 + 4·5 + 6·6 + 1·7 + 6·8 + 7·9 = **211**" in text
    assert "✓" in text and "F.conv2d(x, w, stride=1, padding=1)" in text
    assert "[[91, 168, 224, 215, 127]" in text
    assert ("输出" in text) == (lang == "zh")
    negative = cv.conv_plan([[1, -2], [3, 4]], [[-1]], 0, 1)
    assert "1·(−1)" in cv.conv_text(negative, 1, lang)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "must not be empty"),
        ("1 2\n3", "row 2 has 1, row 1 has 2"),
        ("1 x 3", "cannot read 'x'"),
        ("1 nan", "must be finite"),
        ("1 1e9", "within ±1000"),
        ("\n".join(["1 " * 11] * 2), "at most 10×10"),
        ("[[1, 2], [3]]", "row 2 has 1"),
        ("[[1, 2], 3", "cannot read"),
    ],
)
def test_bad_grids_are_explained(text, message):
    with pytest.raises(gr.Error, match=message.replace("(", r"\(").replace("+", r"\+")):
        cv.parse_grid(text, "conv_name_input", cv.MAX_INPUT, "en")
    with pytest.raises(gr.Error) as info:
        cv.parse_grid(text, "conv_name_input", cv.MAX_INPUT, "zh")
    assert "输入" in str(info.value.message)


def test_grids_parse_in_several_spellings():
    want = [[1.0, -2.0], [3.5, 4.0]]
    for text in ("1 -2\n3.5 4", "1, -2\n3.5, 4", "[[1, -2], [3.5, 4]]", "  1  −2 \n\n 3.5 4 ", "1 -2; \n3.5 4"):
        assert cv.parse_grid(text, "conv_name_kernel", 5, "en").tolist() == want, text
    assert cv.parse_grid(cv.grid_text(cv.LECTURE_X), "conv_name_input", 10, "en").tolist() == [
        list(r) for r in cv.LECTURE_X
    ]


def test_multi_channel_example_equals_pytorch():
    for seed in range(6):
        for n in range(1, cv.MAX_CHANNELS + 1):
            for m in range(1, cv.MAX_KERNELS + 1):
                x, w = cv.multi_example(n, m, seed)
                assert x.shape == (n, 5, 5) and w.shape == (m, n, 3, 3)
                ours = cv.multi_conv(x, w)
                theirs = F.conv2d(torch.tensor(x)[None], torch.tensor(w))[0].numpy()
                assert ours.shape == theirs.shape == (m, 3, 3)
                np.testing.assert_allclose(ours, theirs, atol=1e-9)
                r, c, sums = cv.channel_sums(x, w, m - 1, 5)
                assert (r, c) == (1, 1) and len(sums) == n
                assert sum(sums) == pytest.approx(ours[m - 1, 1, 1])  # the channels add up to one number
    x, w = cv.multi_example(3, 2, 0)  # seed 0 starts from the lecture's numbers
    assert x[0].tolist() == [list(r) for r in cv.LECTURE_X] and w[0, 0].tolist() == [list(r) for r in cv.LECTURE_K]
    assert cv.channel_sums(x, w, 0, 1)[2][0] == 211


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_multi_outputs(lang):
    fig, stack, text, which = cv.on_multi(3, 2, 1, 0, 5, lang)
    x, w = cv.multi_example(3, 2, 0)
    out = cv.multi_conv(x, w)
    r, c, sums = cv.channel_sums(x, w, 1, 5)
    assert f"= **{cv.fmt(out[1, 1, 1])}**" in text and "2 × 3 × 3 × 3" in text and "✓" in text
    notes = [a.text for a in fig.layout.annotations]
    assert any(cv.fmt(sums[0]) in n for n in notes)
    assert len([s for s in stack.layout.shapes if s.type == "rect"]) == 2 * (3 * 9 + 9) + 1  # kernels, outputs, frame
    assert which["maximum"] == 1 and "value" not in which  # j = 1 stays: a late redraw must not move it
    fig1, _, text1, which1 = cv.on_multi(2, 1, 3, 0, 9, lang)  # j past m - 1 is clamped
    assert which1["value"] == 0 and "1 × 2 × 3 × 3" in text1
    with pytest.raises(gr.Error):
        cv.on_multi(5, 2, 0, 0, 1, lang)


def test_pooling_equals_pytorch():
    rng = np.random.default_rng(1)
    for _ in range(100):
        h, w = rng.integers(2, cv.MAX_INPUT + 1, size=2)
        x = rng.integers(-9, 10, size=(h, w)).astype(float)
        for k in cv.POOL_SIZES:
            for kind in cv.POOL_KINDS:
                plan = cv.pool_plan(x, k, kind)
                if plan["oh"] < 1 or plan["ow"] < 1:
                    continue
                np.testing.assert_allclose(plan["out"], cv.torch_pool(x, k, kind), atol=1e-12)
                win = cv.pool_window(plan, plan["oh"] * plan["ow"])
                assert len(win["values"]) == k * k
                if kind == "max":
                    assert win["values"][win["arg"][0] * k + win["arg"][1]] == win["total"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pool_outputs(lang):
    fig, text, slider, n = cv.on_pool([list(r) for r in cv.POOL_X], "max", 2, 3, lang)
    assert n == 4 and "value" not in slider and slider["maximum"] == 4
    assert "max(1, 6, 9, 7) = **9**" in text and "[[4, 8], [9, 8]]" in text and "✓" in text
    assert sum(1 for s in fig.layout.shapes if s.type == "circle") == 1  # the window's largest number ringed
    _, avg, _, _ = cv.on_pool([list(r) for r in cv.POOL_X], "avg", 2, 2, lang)
    assert "(6 + 5 + 6 + 8) / 4 = **6.25**" in avg and "avg_pool2d" in avg
    with pytest.raises(gr.Error):
        cv.on_pool([[1, 2], [3, 4]], "max", 3, 1, lang)
    with pytest.raises(gr.Error):
        cv.on_pool([[1, 2], [3, 4]], "min", 2, 1, lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_conv_event_follows_padding_and_stride(lang):
    grids = {"x": [list(r) for r in cv.LECTURE_X], "w": [list(r) for r in cv.LECTURE_K]}
    fig, text, slider, n = cv.on_conv(grids, 1, 1, 30, lang)
    assert n == 25 and slider["value"] == 25 and slider["maximum"] == 25  # clamped to the last position
    assert "= **31**" in text
    _, text, slider, n = cv.on_conv(grids, 0, 2, 4, lang)
    assert n == 4 and "= **169**" in text
    with pytest.raises(gr.Error):
        cv.on_conv({"x": [[1, 2], [3, 4]], "w": [[1] * 3] * 3}, 0, 1, 1, lang)  # 3x3 kernel on 2x2
    with pytest.raises(gr.Error):
        cv.on_conv(grids, 7, 1, 1, lang)
    assert cv.on_conv_apply("1 2\n3 4", "1", lang) == {"x": [[1, 2], [3, 4]], "w": [[1]]}
    with pytest.raises(gr.Error):
        cv.on_conv_apply("1 2\n3 4", "1 2 3 4 5 6", lang)  # a kernel wider than 5


def test_stepping_and_playing():
    assert cv.step(1, 9, +1) == 2 and cv.step(9, 9, +1) == 1 and cv.step(1, 9, -1) == 9
    assert cv.step(None, None, +1) == 1
    pos, timer = cv.on_tick(3, 9)
    assert pos == 4 and timer.active is True
    pos, timer = cv.on_tick(9, 9)
    assert timer.active is False
    pos, timer = cv.on_play(9, 9)
    assert pos == 1 and timer.active is True


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_calculator_outputs(lang):
    c, h, w, text = cv.on_preset("lecture_cnn", lang)
    assert (c, h, w) == (1, 28, 28) and text.splitlines()[0] == "nn.Conv2d(1, 10, kernel_size=5)"
    status, table, code, dropdown = cv.on_calc(c, h, w, text, lang)
    assert "8,490" in status and "✓" in status
    assert "| 7 | `nn.Flatten()` | **320** |" in table
    assert table.count("✓") == 8
    assert "nn.Linear(320, 10),  # -> (N, 10)" in code
    assert [v for _, v in dropdown.choices] == list(cs.PRESETS)
    status, table, code, _ = cv.on_calc(1.0, 28.0, 28.0, "conv out=10 k=5\nmaxpool k=2\n\nconv out=20 k=13", lang)
    assert "nn.Conv2d(10, 20, kernel_size=13),  # impossible here" in code
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"), contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<calc>", "exec"), {})  # the code shown fails where the table says
    if lang == "en":
        assert "Layer 3 (conv): the output would be 0 × 0" in status and "(line 4 of the editor)" in status
        assert "PyTorch itself says" in status and "Kernel size can't be greater than actual input size" in status
    else:
        assert "第 3 层（conv）" in status and "编辑框第 4 行" in status and "PyTorch 自己的报错" in status
    assert "| 3 | `nn.Conv2d(10, 20, kernel_size=13)` | **✗** |" in table
    status, table, _, _ = cv.on_calc(1, 28, 28, "nn.Conv2d(1, 10, 5)\nnn.Dropout(0.5)", lang)
    assert ("Line 2" in status or "第 2 行" in status) and table == ""
    status, table, _, _ = cv.on_calc(None, 28, 28, "nn.ReLU()", lang)
    assert "C" in status and ("Input" in status or "输入" in status)
    status, table, _, _ = cv.on_calc(1, 28, 28, "", lang)
    assert "nn.Conv2d(1, 10, kernel_size=5)" in status and "| 0 |" in table
    with pytest.raises(gr.Error):
        cv.on_preset("nope", lang)


def test_api_function_directly():
    assert cv.api_conv_shapes(json.dumps(cs.PRESETS["residual"]))["total_params"] == 41514
    assert "error" in cv.api_conv_shapes(123)
    assert " / " in cv.api_conv_shapes('{"input": [1, 2, 2], "layers": [{"type": "conv", "out": 1, "k": 3}]}')["error"]


def test_building_the_tab_needs_no_torch():
    """Importing and building the tab leaves torch unimported (demos/__init__ skipped: other tabs may import it)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, types\n"
        "pkg = types.ModuleType('demos'); pkg.__path__ = ['demos']; sys.modules['demos'] = pkg\n"
        "import gradio as gr\n"
        "from demos.vision import convolution\n"
        "with gr.Blocks():\n"
        "    convolution.build(gr.Radio(['zh', 'en'], value='en'))\n"
        "print('torch' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_grid_with_one_window_position_draws():
    """A 3x3 input under a 3x3 kernel has one position: the slider shows it, fixed (Gradio's slider
    needs minimum < maximum, so this once raised instead of drawing)."""
    grids = cv.on_conv_apply("1 2 3\n4 5 6\n7 8 9", "1 0 0\n0 1 0\n0 0 1", "en")
    _, text, slider, n = cv.on_conv(grids, 0, 1, 1, "en")
    assert n == 1 and slider["maximum"] == 2 and slider["interactive"] is False and "15" in text
    _, _, pool_slider, pool_n = cv.on_pool([[1, 2], [3, 4]], "max", 2, 1, "en")
    assert pool_n == 1 and pool_slider["maximum"] == 2
