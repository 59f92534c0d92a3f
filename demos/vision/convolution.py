"""PyTorch lecture 10: convolution and pooling, step by step, and a shape calculator.

The lecture's 5x5 input convolved with the 3x3 kernel 1..9 (padding, stride), the window
sliding position by position with its 9 products and their sum; a C-channel kernel summing
over the channels and m kernels stacking m output channels; max-pooling the 4x4 example; and
a calculator of every layer's shape and parameter count (demos.vision.conv_shapes), each checked
against PyTorch (F.conv2d, F.max_pool2d, a forward pass of the same nn.Sequential).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import links, ui
from demos.i18n import I18N, built_keys, register, t
from demos.vision import conv_shapes as cs

LECTURE = ui.Lecture("convolution", "sec_vision", "conv_tab", "conv_source", "conv_intro")

register(cs.MESSAGES)
built_keys("conv_preset_*")

register(
    {
        "conv_tab": ("第10讲 卷积与池化", "L10 Convolution & pooling"),
        "conv_source": (
            "**刘二 PyTorch 第10讲 · 卷积神经网络（基础篇）**",
            "**Liu Er PyTorch lecture 10 · Basic CNN: convolution and pooling**",
        ),
        "conv_intro": (
            "卷积层让一个小的**卷积核**（例如 3×3）在输入上滑动：每到一个位置，把窗口里的数和核里对应的数逐个相乘再相加，"
            "得到输出的一个数。输出大小 H′ = ⌊(H + 2p − d·(k−1) − 1) / s⌋ + 1（p 补零、s 步长、d 膨胀）。"
            "多通道时，一个卷积核有和输入一样多的通道，各通道的结果相加成**一张**图；m 个卷积核叠成 m 个输出通道，"
            "权重形状为 m × n × k × k。**池化**在每个窗口里取最大值（或平均值），不改变通道数，也没有参数。",
            "A convolution layer slides a small **kernel** (say 3×3) over the input: at each position it multiplies the "
            "numbers in the window by the kernel's numbers one by one and adds them up, giving one output number. The "
            "output size is H′ = ⌊(H + 2p − d·(k−1) − 1) / s⌋ + 1 (p padding, s stride, d dilation). With several "
            "channels a kernel has as many channels as the input and their results add up to **one** map; m kernels "
            "stack m output channels, and the weight has shape m × n × k × k. **Pooling** takes the largest (or the "
            "mean) number of each window; it keeps the channels and has no parameters.",
        ),
        # ① the worked example
        "conv_step_head": (
            "### ① 一个输出数 = 窗口 ⊙ 卷积核，再求和",
            "### ① One output number = the window ⊙ the kernel, summed",
        ),
        "conv_padding": ("补零 padding p", "padding p"),
        "conv_stride": ("步长 stride s", "stride s"),
        "conv_position": ("窗口位置（第几个输出）", "window position (which output)"),
        "conv_prev": ("◀ 上一步", "◀ Previous"),
        "conv_next": ("下一步 ▶", "Next ▶"),
        "conv_play": ("▶ 自动播放", "▶ Play"),
        "conv_pause": ("■ 暂停", "■ Pause"),
        "conv_edit": ("修改输入和卷积核", "Edit the input and the kernel"),
        "conv_edit_pool": ("修改输入", "Edit the input"),
        "conv_input_text": (
            "输入（每行一行数字，用空格或逗号分隔）",
            "input (one row a line, numbers split by spaces or commas)",
        ),
        "conv_kernel_text": ("卷积核", "kernel"),
        "conv_apply": ("使用这些数字", "Use these numbers"),
        "conv_reset": ("恢复讲义的例子", "Back to the lecture's example"),
        "conv_fig_input": ("输入 {h}×{w}，补零 {p} → {hp}×{wp}", "input {h}×{w}, padding {p} → {hp}×{wp}"),
        "conv_fig_kernel": ("卷积核 {kh}×{kw}", "kernel {kh}×{kw}"),
        "conv_fig_output": ("输出 {oh}×{ow}", "output {oh}×{ow}"),
        "conv_fig_title": (
            "第 {pos}/{n} 步：窗口左上角在补零后的第 {r0} 行第 {c0} 列（步长 {s}）",
            "Step {pos}/{n}: the window's top-left corner at row {r0}, column {c0} of the padded input (stride {s})",
        ),
        "conv_sum_line": ("### 输出[{r}, {c}] = {terms} = **{total}**", "### output[{r}, {c}] = {terms} = **{total}**"),
        "conv_size_line": (
            "输出大小：H′ = ⌊({h} + 2·{p} − {kh}) / {s}⌋ + 1 = **{oh}**，W′ = ⌊({w} + 2·{p} − {kw}) / {s}⌋ + 1 = **{ow}**"
            "（共 {n} 个位置）。",
            "Output size: H′ = ⌊({h} + 2·{p} − {kh}) / {s}⌋ + 1 = **{oh}**, W′ = ⌊({w} + 2·{p} − {kw}) / {s}⌋ + 1 = "
            "**{ow}** ({n} positions).",
        ),
        "conv_torch_ok": (
            "✓ 整个输出与 PyTorch 的 `F.conv2d(x, w, stride={s}, padding={p})` 完全相同：{out}",
            "✓ The whole output equals PyTorch's `F.conv2d(x, w, stride={s}, padding={p})`: {out}",
        ),
        "conv_torch_bad": (
            "✗ 与 PyTorch 的 `F.conv2d` 不同（最大差 {diff:.3g}）：{out}",
            "✗ Differs from PyTorch's `F.conv2d` (largest difference {diff:.3g}): {out}",
        ),
        "conv_err_grid_empty": ("{name}不能为空。", "The {name} must not be empty."),
        "conv_err_grid_value": (
            "{name}第 {row} 行：看不懂 {value!r}，只能写数字。",
            "The {name}, row {row}: cannot read {value!r}; write numbers only.",
        ),
        "conv_err_grid_ragged": (
            "{name}每行的数字个数必须相同：第 {row} 行有 {got} 个，第 1 行有 {want} 个。",
            "Every row of the {name} needs the same count of numbers: row {row} has {got}, row 1 has {want}.",
        ),
        "conv_err_grid_size": (
            "{name}最多 {max}×{max}，收到 {rows}×{cols}。",
            "The {name} may be at most {max}×{max}; got {rows}×{cols}.",
        ),
        "conv_err_grid_range": (
            "{name}里的数必须是有限的，且在 ±{limit} 以内，收到 {value}。",
            "The {name}'s numbers must be finite and within ±{limit}; got {value}.",
        ),
        "conv_err_kernel_big": (
            "卷积核 {kh}×{kw} 比补零后的输入 {hp}×{wp} 还大，没有任何位置可放。请加 padding 或用更小的核。",
            "The kernel {kh}×{kw} is larger than the padded input {hp}×{wp}: it fits nowhere. Add padding or use a "
            "smaller kernel.",
        ),
        "conv_name_input": ("输入", "input"),
        "conv_name_kernel": ("卷积核", "kernel"),
        # ② many channels
        "conv_multi_head": (
            "### ② 多通道：n 通道的卷积核把 n 个通道加成一张图，m 个卷积核得到 m 个输出通道",
            "### ② Many channels: an n-channel kernel adds its channels into one map; m kernels give m output channels",
        ),
        "conv_channels": ("输入通道数 n", "input channels n"),
        "conv_kernels": ("卷积核个数 m（输出通道数）", "kernels m (output channels)"),
        "conv_which": ("看第几个卷积核 j", "show kernel j"),
        "conv_shuffle": ("换一组数", "New numbers"),
        "conv_multi_title": (
            "卷积核 {j} 在位置 ({r}, {c})：每个通道各算一个和，再全部相加",
            "Kernel {j} at position ({r}, {c}): one sum per channel, then all added up",
        ),
        "conv_multi_channel": ("通道 {c}：和 = {s}", "channel {c}: sum = {s}"),
        "conv_multi_out": ("输出通道 {j}", "output channel {j}"),
        "conv_multi_sum": (
            "### 输出[{j}, {r}, {c}] = {terms} = **{total}**",
            "### output[{j}, {r}, {c}] = {terms} = **{total}**",
        ),
        "conv_multi_shapes": (
            "输入 n × H × W = **{n} × 5 × 5** · 每个卷积核 n × 3 × 3 = {n} × 3 × 3 · 权重 `nn.Conv2d({n}, {m}, 3).weight` "
            "的形状 m × n × 3 × 3 = **{m} × {n} × 3 × 3** → 输出 m × H′ × W′ = **{m} × 3 × 3**",
            "Input n × H × W = **{n} × 5 × 5** · each kernel n × 3 × 3 = {n} × 3 × 3 · the weight of "
            "`nn.Conv2d({n}, {m}, 3)` has shape m × n × 3 × 3 = **{m} × {n} × 3 × 3** → output m × H′ × W′ = "
            "**{m} × 3 × 3**",
        ),
        "conv_multi_torch": (
            "✓ 与 PyTorch 的 `F.conv2d` 相同：输出形状 {shape}",
            "✓ Equals PyTorch's `F.conv2d`: output shape {shape}",
        ),
        "conv_stack_title": (
            "m = {m} 个卷积核（每行一个，各 {n} 个通道）→ {m} 个输出通道",
            "m = {m} kernels (one a row, {n} channels each) → {m} output channels",
        ),
        "conv_stack_kernel": ("核 {j}·通道 {c}", "kernel {j}, ch {c}"),
        # ③ pooling
        "conv_pool_head": (
            "### ③ 池化：每个窗口取最大值（或平均值）",
            "### ③ Pooling: the largest (or the mean) of each window",
        ),
        "conv_pool_kind": ("池化方式", "pooling"),
        "conv_pool_max": ("最大池化 MaxPool2d", "max pooling MaxPool2d"),
        "conv_pool_avg": ("平均池化 AvgPool2d", "average pooling AvgPool2d"),
        "conv_pool_k": ("池化核 k（步长 = k）", "kernel k (stride = k)"),
        "conv_pool_title": (
            "第 {pos}/{n} 步：{op}({k}×{k}) 窗口，步长 {k}",
            "Step {pos}/{n}: {op} over a {k}×{k} window, stride {k}",
        ),
        "conv_pool_input": ("输入 {h}×{w}", "input {h}×{w}"),
        "conv_pool_output": ("输出 {oh}×{ow}", "output {oh}×{ow}"),
        "conv_pool_max_line": (
            "### 输出[{r}, {c}] = max({terms}) = **{total}**",
            "### output[{r}, {c}] = max({terms}) = **{total}**",
        ),
        "conv_pool_avg_line": (
            "### 输出[{r}, {c}] = ({terms}) / {count} = **{total}**",
            "### output[{r}, {c}] = ({terms}) / {count} = **{total}**",
        ),
        "conv_pool_torch": (
            "✓ 与 PyTorch 的 `F.{fn}(x, {k})` 相同：{out}。通道数不变，没有参数。",
            "✓ Equals PyTorch's `F.{fn}(x, {k})`: {out}. The channels are kept; there are no parameters.",
        ),
        "conv_pool_torch_bad": ("✗ 与 PyTorch 不同：{out}", "✗ Differs from PyTorch: {out}"),
        "conv_err_pool_big": (
            "池化核 {k}×{k} 比输入 {h}×{w} 还大。",
            "The pooling kernel {k}×{k} is larger than the input {h}×{w}.",
        ),
        # ④ the shape calculator
        "conv_calc_head": (
            "### ④ 形状计算器：每一层的输出形状和参数个数",
            "### ④ Shape calculator: every layer's output shape and parameters",
        ),
        "conv_calc_intro": (
            "每行写一层，可以直接粘贴 PyTorch 代码，例如 `nn.Conv2d(1, 10, kernel_size=5)`、`nn.MaxPool2d(2)`、`nn.ReLU()`、"
            "`nn.Flatten()`、`nn.Linear(320, 10)`、`InceptionA(10)`、`ResidualBlock(16)`；也可以用简写 `conv out=10 k=5 s=1 p=0 d=1`、"
            "`maxpool k=2`、`avgpool k=3 s=1 p=1`、`linear out=10`（省略的输入通道数自动推出）。"
            "形状里不含批量维 N：PyTorch 的张量是 N × C × H × W。",
            "One layer a line; paste PyTorch code such as `nn.Conv2d(1, 10, kernel_size=5)`, `nn.MaxPool2d(2)`, "
            "`nn.ReLU()`, `nn.Flatten()`, `nn.Linear(320, 10)`, `InceptionA(10)`, `ResidualBlock(16)`, or the short form "
            "`conv out=10 k=5 s=1 p=0 d=1`, `maxpool k=2`, `avgpool k=3 s=1 p=1`, `linear out=10` (an input channel "
            "count left out is inferred). Shapes leave out the batch dimension N: PyTorch's tensors are N × C × H × W.",
        ),
        "conv_preset": ("例子", "example"),
        "conv_preset_lecture_cnn": ("第10讲 CNN（1×28×28 MNIST）", "L10 lecture CNN (1×28×28 MNIST)"),
        "conv_preset_homework_cnn": (
            "第10讲 作业 CNN（3 个卷积 + 3 个线性层）",
            "L10 homework CNN (3 conv + 3 linear)",
        ),
        "conv_preset_inception": (
            "第11讲 Inception 网络（88 通道的 Inception 块）",
            "L11 Inception net (88-channel blocks)",
        ),
        "conv_preset_residual": ("第11讲 残差网络（ResidualBlock）", "L11 residual net (ResidualBlock)"),
        "conv_preset_mlp": ("第9讲 全连接网络 784-512-256-128-64-10", "L9 fully connected 784-512-256-128-64-10"),
        "conv_preset_lecture_code": (
            "第10讲 代码：5×100×100 输入，10 个 3×3 核",
            "L10 code: 5×100×100 input, 10 kernels 3×3",
        ),
        "conv_preset_worked_example": (
            "第10讲 5×5 例子：padding 1、stride 2、池化",
            "L10 5×5 examples: padding 1, stride 2, pool",
        ),
        "conv_in_c": ("输入通道 C", "input channels C"),
        "conv_in_h": ("高 H", "height H"),
        "conv_in_w": ("宽 W", "width W"),
        "conv_layers": ("网络的层（每行一层）", "the layers (one a line)"),
        "conv_col_n": ("#", "#"),
        "conv_col_layer": ("层（PyTorch）", "layer (PyTorch)"),
        "conv_col_shape": ("输出形状", "output shape"),
        "conv_col_params": ("参数个数", "parameters"),
        "conv_col_formula": ("怎么算的", "how"),
        "conv_col_torch": ("PyTorch", "PyTorch"),
        "conv_row_input": ("输入", "input"),
        "conv_calc_ok": (
            "### 输出 {shape} · 参数共 **{total}** 个\nPyTorch 逐层前向（{device}）的形状全部一致，"
            "`sum(p.numel() for p in model.parameters())` = {torch_total} {mark}",
            "### Output {shape} · **{total}** parameters in all\nPyTorch's forward pass layer by layer ({device}) gives "
            "every shape the same; `sum(p.numel() for p in model.parameters())` = {torch_total} {mark}",
        ),
        "conv_calc_mismatch": (
            "### ✗ 与 PyTorch 不一致：{detail}",
            "### ✗ Disagrees with PyTorch: {detail}",
        ),
        "conv_calc_error": ("### ✗ 这样的网络不成立\n{message}", "### ✗ This network is impossible\n{message}"),
        "conv_calc_torch_says": ("PyTorch 自己的报错：`{message}`", "PyTorch itself says: `{message}`"),
        "conv_calc_line_of": ("（编辑框第 {line} 行）", " (line {line} of the editor)"),
        "conv_calc_empty": (
            "还没有层：在左边写一行，例如 `nn.Conv2d(1, 10, kernel_size=5)`。",
            "No layers yet: write one on the left, e.g. `nn.Conv2d(1, 10, kernel_size=5)`.",
        ),
        "conv_code_label": ("同样的网络：PyTorch 代码", "The same network as PyTorch code"),
        "conv_meta": ("meta 设备，只算形状", "meta device, shapes only"),
        "conv_cpu": ("CPU", "CPU"),
    }
)

# ---- the lecture's numbers ----------------------------------------------------------------

LECTURE_X = ((3, 4, 6, 5, 7), (2, 4, 6, 8, 2), (1, 6, 7, 8, 4), (9, 7, 4, 6, 2), (3, 7, 5, 4, 1))
LECTURE_K = ((1, 2, 3), (4, 5, 6), (7, 8, 9))
POOL_X = ((3, 4, 6, 5), (2, 4, 6, 8), (1, 6, 7, 8), (9, 7, 4, 6))
MAX_INPUT = 10  # rows and columns of an edited input (readable cells on a projector)
MAX_KERNEL = 5
VALUE_LIMIT = 1000.0
PADDINGS = (0, 1, 2)
STRIDES = (1, 2, 3)
MAX_CHANNELS = 4  # the multi-channel example
MAX_KERNELS = 4
POOL_KINDS = ("max", "avg")
POOL_SIZES = (2, 3)

RED, YELLOW, GREY, BLUE, GREEN = "#d62728", "#fff1a8", "#e5e7eb", "#dbeafe", "#dcfce7"
CELL_FONT = 26


def fmt(v: float) -> str:
    """A number as the lecture writes it: 211, 3.25, −2 (a real minus sign)."""
    v = float(v)
    if abs(v - round(v)) < 1e-9:
        s = str(int(round(v)))
    else:
        s = f"{v:.4g}"
    return s.replace("-", "−")


def matrix_text(a) -> str:
    """A 2-D array as `[[91, 168], [114, 211]]`."""
    return "`[" + ", ".join("[" + ", ".join(fmt(v) for v in row) + "]" for row in a) + "]`"


def grid_text(a) -> str:
    return "\n".join(" ".join(fmt(v).replace("−", "-") for v in row) for row in a)


def parse_grid(text, name_key: str, max_side: int, lang: str | None) -> np.ndarray:
    """Rows of numbers (one row a line, split by spaces or commas; a Python list of lists also
    works) as a 2-D float array, or a gr.Error naming the row and what is wrong."""
    name = t(name_key, lang)
    text = str(text or "").strip()
    if not text:
        raise ui.user_error("conv_err_grid_empty", lang, name=name)
    if text.startswith("["):
        try:
            rows = [[str(v) for v in row] for row in ast.literal_eval(text)]
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise ui.user_error("conv_err_grid_value", lang, name=name, row=1, value=text[:40]) from None
    else:
        rows = [line.replace(",", " ").replace(";", " ").split() for line in text.splitlines() if line.strip()]
    if len(rows) > max_side or any(len(r) > max_side for r in rows):
        cols = max(len(r) for r in rows)
        raise ui.user_error("conv_err_grid_size", lang, name=name, max=max_side, rows=len(rows), cols=cols)
    out = []
    for i, row in enumerate(rows, 1):
        if len(row) != len(rows[0]):
            raise ui.user_error("conv_err_grid_ragged", lang, name=name, row=i, got=len(row), want=len(rows[0]))
        values = []
        for v in row:
            try:
                x = float(v.replace("−", "-"))
            except ValueError:
                raise ui.user_error("conv_err_grid_value", lang, name=name, row=i, value=v) from None
            if not math.isfinite(x) or abs(x) > VALUE_LIMIT:
                raise ui.user_error("conv_err_grid_range", lang, name=name, limit=fmt(VALUE_LIMIT), value=v)
            values.append(x)
        out.append(values)
    if not out or not out[0]:
        raise ui.user_error("conv_err_grid_empty", lang, name=name)
    return np.array(out, dtype=np.float64)


# ---- ① convolution, step by step ------------------------------------------------------------


def conv_plan(x, w, padding: int, stride: int) -> dict:
    """The padded input, the output size and the whole output, by the definition.

    out[r, c] = Σ_ij xp[r·s + i, c·s + j] · w[i, j] (cross-correlation, as nn.Conv2d computes);
    H′ = ⌊(H + 2p − kh) / s⌋ + 1."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    xp = np.pad(x, padding)
    (kh, kw), s = w.shape, stride
    oh, ow = (xp.shape[0] - kh) // s + 1, (xp.shape[1] - kw) // s + 1
    out = np.zeros((max(oh, 0), max(ow, 0)))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = (xp[r * s : r * s + kh, c * s : c * s + kw] * w).sum()
    return {"x": x, "w": w, "xp": xp, "p": padding, "s": s, "oh": oh, "ow": ow, "out": out}


def check_fits(plan: dict, lang: str | None) -> None:
    if plan["oh"] < 1 or plan["ow"] < 1:
        kh, kw = plan["w"].shape
        hp, wp = plan["xp"].shape
        raise ui.user_error("conv_err_kernel_big", lang, kh=kh, kw=kw, hp=hp, wp=wp)


def window(plan: dict, pos: int) -> dict:
    """Output position pos (1-based, row by row): its cell, the window's corner and the products."""
    n = plan["oh"] * plan["ow"]
    pos = min(max(int(pos), 1), n)
    r, c = divmod(pos - 1, plan["ow"])
    kh, kw = plan["w"].shape
    r0, c0 = r * plan["s"], c * plan["s"]
    win = plan["xp"][r0 : r0 + kh, c0 : c0 + kw]
    products = [(float(a), float(b)) for a, b in zip(win.ravel(), plan["w"].ravel())]
    return {
        "pos": pos,
        "n": n,
        "r": r,
        "c": c,
        "r0": r0,
        "c0": c0,
        "products": products,
        "total": float(plan["out"][r, c]),
    }


def torch_conv(x, w, padding: int, stride: int) -> np.ndarray:
    """PyTorch's F.conv2d on a batch of one, one channel, float64: (H, W) -> (H', W')."""
    torch = ui.torch_ready()
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).view(1, 1, *np.shape(x))  # (N, C, H, W)
    wt = torch.tensor(np.asarray(w, dtype=np.float64)).view(1, 1, *np.shape(w))  # (out, in, kh, kw)
    return torch.nn.functional.conv2d(xt, wt, stride=stride, padding=padding)[0, 0].numpy()


def _cell(shapes, notes, x0, y0, text, fill, size=CELL_FONT, color="#111", sub=None, sub_color=RED):
    """One square cell at column x0, row y0 (rows grow downwards) with its number."""
    shapes.append(
        {
            "type": "rect",
            "x0": x0,
            "x1": x0 + 1,
            "y0": y0,
            "y1": y0 + 1,
            "fillcolor": fill,
            "line": {"color": "#666", "width": 1},
            "layer": "below",
        }
    )
    if sub is None:
        notes.append(
            {"x": x0 + 0.5, "y": y0 + 0.5, "text": text, "showarrow": False, "font": {"size": size, "color": color}}
        )
    else:
        notes.append(
            {"x": x0 + 0.5, "y": y0 + 0.4, "text": text, "showarrow": False, "font": {"size": size, "color": color}}
        )
        notes.append(
            {
                "x": x0 + 0.5,
                "y": y0 + 0.82,
                "text": sub,
                "showarrow": False,
                "font": {"size": max(12, size * 0.55), "color": sub_color},
            }
        )


def _frame(shapes, x0, y0, w, h, color=RED, width=5):
    shapes.append(
        {
            "type": "rect",
            "x0": x0,
            "x1": x0 + w,
            "y0": y0,
            "y1": y0 + h,
            "line": {"color": color, "width": width},
            "fillcolor": "rgba(0,0,0,0)",
        }
    )


def _label(notes, x, y, text, size=18, color="#111", anchor="center"):
    notes.append(
        {"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": size, "color": color}, "xanchor": anchor}
    )


def _grid_figure(shapes, notes, width: float, height: float, title: str, px_per_cell: int = 54) -> go.Figure:
    """A figure of drawn cells: square cells, hidden axes, rows growing downwards."""
    fig = go.Figure(go.Scatter(x=[0, width], y=[-1, height], mode="markers", marker={"opacity": 0}, hoverinfo="skip"))
    ui.style(fig, title, height=int(min(720, max(320, 90 + px_per_cell * (height + 1)))))
    fig.update_layout(
        shapes=shapes,
        annotations=notes,
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        title_font_size=19,
    )
    fig.update_xaxes(visible=False, range=[-0.3, width + 0.3], fixedrange=True)
    fig.update_yaxes(visible=False, range=[height + 0.2, -1.1], fixedrange=True, scaleanchor="x", scaleratio=1)
    return fig


def conv_figure(plan: dict, pos: int, lang: str) -> go.Figure:
    """Padded input with the window framed (each cell shows x and ×w), the kernel, and the output filling in."""
    win = window(plan, pos)
    xp, w, p = plan["xp"], plan["w"], plan["p"]
    hp, wp = xp.shape
    kh, kw = w.shape
    shapes, notes = [], []
    for r in range(hp):
        for c in range(wp):
            pad = r < p or c < p or r >= hp - p or c >= wp - p
            inside = win["r0"] <= r < win["r0"] + kh and win["c0"] <= c < win["c0"] + kw
            fill = YELLOW if inside else (GREY if pad else "white")
            sub = "×" + fmt(w[r - win["r0"], c - win["c0"]]) if inside else None
            _cell(shapes, notes, c, r, fmt(xp[r, c]), fill, color="#888" if pad else "#111", sub=sub)
    _frame(shapes, win["c0"], win["r0"], kw, kh)
    h, wd = plan["x"].shape
    _label(notes, wp / 2, -0.55, t("conv_fig_input", lang, h=h, w=wd, p=p, hp=hp, wp=wp))
    kx = wp + 1.2
    _label(notes, kx - 0.6, kh / 2, "⊙", size=30)
    for r in range(kh):
        for c in range(kw):
            _cell(shapes, notes, kx + c, r, fmt(w[r, c]), GREEN, color=RED)
    _label(notes, kx + kw / 2, -0.55, t("conv_fig_kernel", lang, kh=kh, kw=kw))
    ox = kx + kw + 1.2
    _label(notes, ox - 0.6, kh / 2, "→", size=30)
    for r in range(plan["oh"]):
        for c in range(plan["ow"]):
            k = r * plan["ow"] + c + 1
            if k < win["pos"]:
                _cell(shapes, notes, ox + c, r, fmt(plan["out"][r, c]), BLUE, size=CELL_FONT - 4)
            elif k == win["pos"]:
                _cell(shapes, notes, ox + c, r, fmt(plan["out"][r, c]), YELLOW, size=CELL_FONT - 4)
            else:
                _cell(shapes, notes, ox + c, r, "", "white")
    _frame(shapes, ox + win["c"], win["r"], 1, 1)
    _label(notes, ox + plan["ow"] / 2, -0.55, t("conv_fig_output", lang, oh=plan["oh"], ow=plan["ow"]))
    title = t("conv_fig_title", lang, pos=win["pos"], n=win["n"], r0=win["r0"], c0=win["c0"], s=plan["s"])
    return _grid_figure(shapes, notes, ox + plan["ow"], max(hp, kh, plan["oh"]), title)


def _terms(products) -> str:
    return " + ".join(f"{fmt(a)}·{fmt(b) if b >= 0 else '(' + fmt(b) + ')'}" for a, b in products)


def conv_text(plan: dict, pos: int, lang: str) -> str:
    """The sum at this position, the output-size formula, and PyTorch's F.conv2d beside ours."""
    win = window(plan, pos)
    h, w = plan["x"].shape
    kh, kw = plan["w"].shape
    lines = [
        t("conv_sum_line", lang, r=win["r"], c=win["c"], terms=_terms(win["products"]), total=fmt(win["total"])),
        t(
            "conv_size_line",
            lang,
            h=h,
            w=w,
            p=plan["p"],
            kh=kh,
            kw=kw,
            s=plan["s"],
            oh=plan["oh"],
            ow=plan["ow"],
            n=win["n"],
        ),
    ]
    theirs = torch_conv(plan["x"], plan["w"], plan["p"], plan["s"])
    out = matrix_text(theirs)
    diff = float(np.abs(theirs - plan["out"]).max()) if theirs.shape == plan["out"].shape else math.inf
    key = "conv_torch_ok" if diff <= 1e-9 * max(1.0, float(np.abs(plan["out"]).max())) else "conv_torch_bad"
    lines.append(t(key, lang, s=plan["s"], p=plan["p"], out=out, diff=diff))
    return "\n\n".join(lines)


# ---- ② many channels ----------------------------------------------------------------------


def multi_example(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """An n-channel 5×5 input (digits 0-9) and m kernels of n×3×3 (integers −2..2).

    Seed 0 starts from the lecture: channel 0 is the 5×5 example, kernel 0's channel 0 is 1..9."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, size=(n, 5, 5)).astype(np.float64)  # (n, H, W)
    w = rng.integers(-2, 3, size=(m, n, 3, 3)).astype(np.float64)  # (m, n, kh, kw)
    if seed == 0:
        x[0] = LECTURE_X
        w[0, 0] = LECTURE_K
    return x, w


def multi_conv(x, w) -> np.ndarray:
    """out[j, r, c] = Σ_ch Σ_ij x[ch, r+i, c+j] · w[j, ch, i, j]; (n, 5, 5), (m, n, 3, 3) -> (m, 3, 3)."""
    m, n, kh, kw = w.shape
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((m, oh, ow))
    for j in range(m):
        for r in range(oh):
            for c in range(ow):
                out[j, r, c] = (x[:, r : r + kh, c : c + kw] * w[j]).sum()
    return out


def torch_multi(x, w) -> np.ndarray:
    torch = ui.torch_ready()
    return torch.nn.functional.conv2d(torch.tensor(x)[None], torch.tensor(w))[0].numpy()  # (1, n, H, W) -> (m, H', W')


def channel_sums(x, w, j: int, pos: int) -> tuple[int, int, list[float]]:
    """Output position pos (1..9) of kernel j: (r, c) and the sum of each channel's products."""
    r, c = divmod(min(max(int(pos), 1), 9) - 1, 3)
    return r, c, [float((x[ch, r : r + 3, c : c + 3] * w[j, ch]).sum()) for ch in range(x.shape[0])]


def multi_figure(x, w, j: int, pos: int, lang: str) -> go.Figure:
    """Each channel with kernel j's window on it (x and ×w in every cell) and its sum; then output map j."""
    n = x.shape[0]
    r, c, sums = channel_sums(x, w, j, pos)
    out = multi_conv(x, w)
    shapes, notes = [], []
    for ch in range(n):
        x0 = ch * 6
        for i in range(5):
            for k in range(5):
                inside = r <= i < r + 3 and c <= k < c + 3
                sub = "×" + fmt(w[j, ch, i - r, k - c]) if inside else None
                _cell(shapes, notes, x0 + k, i, fmt(x[ch, i, k]), YELLOW if inside else "white", size=22, sub=sub)
        _frame(shapes, x0 + c, r, 3, 3)
        _label(notes, x0 + 2.5, -0.55, f"x[{ch}]")
        _label(notes, x0 + 2.5, 5.6, t("conv_multi_channel", lang, c=ch, s=fmt(sums[ch])), size=17, color=RED)
        if ch < n - 1:
            _label(notes, x0 + 5.5, 2.5, "+", size=30)
    ox = n * 6 + 0.5
    _label(notes, ox - 0.5, 2.5, "=", size=30)
    for i in range(3):
        for k in range(3):
            current = (i, k) == (r, c)
            _cell(shapes, notes, ox + k, i + 1, fmt(out[j, i, k]), YELLOW if current else BLUE, size=20)
    _frame(shapes, ox + c, r + 1, 1, 1)
    _label(notes, ox + 1.5, 0.45, t("conv_multi_out", lang, j=j), size=17)
    return _grid_figure(shapes, notes, ox + 3, 6.0, t("conv_multi_title", lang, j=j, r=r, c=c), px_per_cell=52)


def stack_figure(x, w, j: int, pos: int, lang: str) -> go.Figure:
    """One row per kernel: its n channel slices (3×3) → its output map; the row of kernel j framed."""
    m, n = w.shape[:2]
    r, c, _ = channel_sums(x, w, j, pos)
    out = multi_conv(x, w)
    shapes, notes = [], []
    for jj in range(m):
        y0 = jj * 4.4 + 0.6
        for ch in range(n):
            x0 = ch * 3.6
            for i in range(3):
                for k in range(3):
                    _cell(shapes, notes, x0 + k, y0 + i, fmt(w[jj, ch, i, k]), GREEN, size=16, color=RED)
            _label(notes, x0 + 1.5, y0 - 0.35, t("conv_stack_kernel", lang, j=jj, c=ch), size=14)
        ox = n * 3.6 + 1.2
        _label(notes, ox - 0.75, y0 + 1.5, "→", size=26)
        for i in range(3):
            for k in range(3):
                _cell(
                    shapes,
                    notes,
                    ox + k,
                    y0 + i,
                    fmt(out[jj, i, k]),
                    YELLOW if (jj, i, k) == (j, r, c) else BLUE,
                    size=16,
                )
        _label(notes, ox + 1.5, y0 - 0.35, t("conv_multi_out", lang, j=jj), size=14)
        if jj == j:
            _frame(shapes, -0.15, y0 - 0.15, ox + 3.3, 3.3, width=3)
    title = t("conv_stack_title", lang, m=m, n=n)
    return _grid_figure(shapes, notes, n * 3.6 + 4.2, m * 4.4, title, px_per_cell=44)


def multi_text(x, w, j: int, pos: int, lang: str) -> str:
    m, n = w.shape[:2]
    r, c, sums = channel_sums(x, w, j, pos)
    total = sum(sums)
    ours = multi_conv(x, w)
    theirs = torch_multi(x, w)
    lines = [
        t(
            "conv_multi_sum",
            lang,
            j=j,
            r=r,
            c=c,
            terms=" + ".join(f"({fmt(s)})" if s < 0 else fmt(s) for s in sums),
            total=fmt(total),
        ),
        t("conv_multi_shapes", lang, n=n, m=m),
    ]
    if (
        theirs.shape == ours.shape
        and np.allclose(theirs, ours, rtol=0, atol=1e-9)
        and abs(ours[j, r, c] - total) < 1e-9
    ):
        lines.append(t("conv_multi_torch", lang, shape=" × ".join(map(str, theirs.shape))))
    else:
        lines.append(t("conv_torch_bad", lang, diff=float(np.abs(theirs - ours).max()), out=matrix_text(theirs[j])))
    return "\n\n".join(lines)


# ---- ③ pooling ----------------------------------------------------------------------------


def pool_plan(x, k: int, kind: str) -> dict:
    """Kernel k, stride k, no padding: out[r, c] = max (or mean) of x[r·k : r·k+k, c·k : c·k+k]."""
    x = np.asarray(x, dtype=np.float64)
    oh, ow = (x.shape[0] - k) // k + 1, (x.shape[1] - k) // k + 1
    out = np.zeros((max(oh, 0), max(ow, 0)))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            win = x[r * k : r * k + k, c * k : c * k + k]
            out[r, c] = win.max() if kind == "max" else win.mean()
    return {"x": x, "k": k, "kind": kind, "oh": oh, "ow": ow, "out": out}


def torch_pool(x, k: int, kind: str) -> np.ndarray:
    torch = ui.torch_ready()
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None, None]  # (1, 1, H, W)
    f = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    return f(xt, k)[0, 0].numpy()


def pool_window(plan: dict, pos: int) -> dict:
    n = plan["oh"] * plan["ow"]
    pos = min(max(int(pos), 1), n)
    r, c = divmod(pos - 1, plan["ow"])
    k = plan["k"]
    win = plan["x"][r * k : r * k + k, c * k : c * k + k]
    arg = np.unravel_index(int(np.argmax(win)), win.shape)  # the first largest, row by row
    return {
        "pos": pos,
        "n": n,
        "r": r,
        "c": c,
        "values": win.ravel().tolist(),
        "arg": arg,
        "total": float(plan["out"][r, c]),
    }


def pool_figure(plan: dict, pos: int, lang: str) -> go.Figure:
    win = pool_window(plan, pos)
    x, k = plan["x"], plan["k"]
    h, w = x.shape
    shapes, notes = [], []
    for r in range(h):
        for c in range(w):
            inside = win["r"] * k <= r < win["r"] * k + k and win["c"] * k <= c < win["c"] * k + k
            is_max = plan["kind"] == "max" and inside and (r - win["r"] * k, c - win["c"] * k) == tuple(win["arg"])
            _cell(
                shapes,
                notes,
                c,
                r,
                f"<b>{fmt(x[r, c])}</b>" if is_max else fmt(x[r, c]),
                YELLOW if inside else "white",
                color=RED if is_max else "#111",
            )
            if is_max:
                shapes.append(
                    {
                        "type": "circle",
                        "x0": c + 0.14,
                        "x1": c + 0.86,
                        "y0": r + 0.14,
                        "y1": r + 0.86,
                        "line": {"color": RED, "width": 3},
                    }
                )
    _frame(shapes, win["c"] * k, win["r"] * k, k, k)
    _label(notes, w / 2, -0.55, t("conv_pool_input", lang, h=h, w=w))
    ox = w + 1.4
    _label(notes, ox - 0.7, min(h, 2) / 2, "→", size=30)
    for r in range(plan["oh"]):
        for c in range(plan["ow"]):
            n = r * plan["ow"] + c + 1
            fill = BLUE if n < win["pos"] else (YELLOW if n == win["pos"] else "white")
            _cell(shapes, notes, ox + c, r, fmt(plan["out"][r, c]) if n <= win["pos"] else "", fill)
    _frame(shapes, ox + win["c"], win["r"], 1, 1)
    _label(notes, ox + plan["ow"] / 2, -0.55, t("conv_pool_output", lang, oh=plan["oh"], ow=plan["ow"]))
    title = t("conv_pool_title", lang, pos=win["pos"], n=win["n"], op=plan["kind"], k=k)
    return _grid_figure(shapes, notes, ox + plan["ow"], max(h, plan["oh"]), title, px_per_cell=58)


def pool_text(plan: dict, pos: int, lang: str) -> str:
    win = pool_window(plan, pos)
    terms = (
        ", ".join(fmt(v) for v in win["values"]) if plan["kind"] == "max" else " + ".join(fmt(v) for v in win["values"])
    )
    key = "conv_pool_max_line" if plan["kind"] == "max" else "conv_pool_avg_line"
    lines = [t(key, lang, r=win["r"], c=win["c"], terms=terms, count=len(win["values"]), total=fmt(win["total"]))]
    theirs = torch_pool(plan["x"], plan["k"], plan["kind"])
    out = matrix_text(theirs)
    ok = theirs.shape == plan["out"].shape and np.allclose(theirs, plan["out"], rtol=0, atol=1e-9)
    fn = "max_pool2d" if plan["kind"] == "max" else "avg_pool2d"
    lines.append(t("conv_pool_torch" if ok else "conv_pool_torch_bad", lang, fn=fn, k=plan["k"], out=out))
    return "\n\n".join(lines)


# ---- ④ the shape calculator -----------------------------------------------------------------

PRESET_KEYS = tuple(cs.PRESETS)


def preset_text(name: str) -> tuple[int, int, int, str]:
    """A preset as (C, H, W, editor lines)."""
    result = cs.compute(cs.PRESETS[name])
    return (*result["input"], cs.editor_text(result))


def calculate(c, h, w, text) -> dict:
    """The editor's lines on an input C × H × W: compute()'s result, plus each layer's line number."""
    try:
        if len(str(text or "")) > cs.MAX_SPEC_CHARS:
            raise cs.SpecError(None, "convs_err_long", max=cs.MAX_SPEC_CHARS)
        layers, lines = cs.parse_lines(text)
    except cs.SpecError as e:
        return {"input": None, "layers": [], "total_params": 0, "error": e, "lines": []}
    result = cs.compute({"input": [_num(c), _num(h), _num(w)], "layers": layers})
    result["lines"] = lines
    return result


def _num(v):
    """A Number box's value for the spec: whole floats as ints, anything else left for compute() to reject."""
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return int(v)
    return v


def _shape(shape) -> str:
    return "\u202f×\u202f".join(map(str, shape))  # narrow no-break spaces: one line


def calc_outputs(result: dict, lang: str) -> tuple[str, str, str]:
    """(status, table, code) of a calculation: the table is Markdown, PyTorch's shapes checked beside ours."""
    err = result["error"]
    check = None
    if result["input"] is not None:
        ui.torch_ready()  # one thread, imported once
        check = cs.torch_check(result)
    rows, mismatches = _calc_rows(result, check, lang)
    if err is not None:
        if isinstance(err.where, int):  # the impossible layer's own row
            code = f"`{err.code}`" if err.code else ""
            rows.append(f"| {err.where} | {code} | **✗** | | | |")
        status = _calc_error_status(result, check, lang)
    else:
        status = _calc_status(result, check, mismatches, lang)
    code = ""
    if result["input"] is not None and (err is None or (isinstance(err.where, int) and err.code)):
        code = cs.script(result, extra=err.code if err is not None else None)  # raises where PyTorch does
    table = "\n".join(rows) if result["input"] is not None else ""
    return status, table, code


def _calc_rows(result: dict, check: dict | None, lang: str) -> tuple[list[str], list[str]]:
    """The table's Markdown rows (head, input, one per layer with PyTorch's shape beside ours) and the
    layers whose shape PyTorch disagrees with, as "n: ours ≠ theirs"."""
    keys = ("conv_col_n", "conv_col_layer", "conv_col_shape", "conv_col_params", "conv_col_formula", "conv_col_torch")
    rows = ["| " + " | ".join(t(k, lang) for k in keys) + " |", "|---:|---|---|---:|---|:---:|"]
    mismatches = []
    if result["input"] is not None:
        rows.append(f"| 0 | {t('conv_row_input', lang)} | **{_shape(result['input'])}** | 0 | N × C × H × W | |")
    for n, row in enumerate(result["layers"], 1):
        theirs = check["shapes"][n - 1] if check and n - 1 < len(check["shapes"]) else None
        mark = "✓" if theirs == tuple(row["shape"]) else f"✗ {theirs}"
        if theirs != tuple(row["shape"]):
            mismatches.append(f"{n}: {row['shape']} ≠ {theirs}")
        rows.append(
            f"| {n} | `{row['code']}` | **{_shape(row['shape'])}** | {row['params_formula']} | {row['formula']} | {mark} |"
        )
    return rows, mismatches


def _calc_error_status(result: dict, check: dict | None, lang: str) -> str:
    """The status of an impossible network: the error with its editor line, and PyTorch's own error."""
    err = result["error"]
    message = err.text(lang)
    if isinstance(err.where, int) and result.get("lines") and err.where <= len(result["lines"]):
        message += t("conv_calc_line_of", lang, line=result["lines"][err.where - 1])
    status = t("conv_calc_error", lang, message=message)
    if check and check["error"] and err.code:
        status += "\n\n" + t("conv_calc_torch_says", lang, message=check["error"].replace("`", "'"))
    return status


def _calc_status(result: dict, check: dict | None, mismatches: list[str], lang: str) -> str:
    """The status of a possible network: no layers yet, a disagreement with PyTorch, or the output
    shape and the parameter count, both checked."""
    if not result["layers"]:
        return t("conv_calc_empty", lang)
    if mismatches or (check and check["params"] != result["total_params"]):
        detail = "; ".join(mismatches) or f"{check['params']} ≠ {result['total_params']}"
        return t("conv_calc_mismatch", lang, detail=detail)
    device = t("conv_meta" if check["device"] == "meta" else "conv_cpu", lang)
    return t(
        "conv_calc_ok",
        lang,
        shape=_shape(result["layers"][-1]["shape"]),
        total=f"{result['total_params']:,}",
        device=device,
        torch_total=f"{check['params']:,}",
        mark="✓",
    )


def api_conv_shapes(spec: str) -> dict:
    """Every layer's output shape [C, H, W] or [F] and parameter count for a JSON spec
    {"input": [C, H, W], "layers": [{"type": "conv", "out": 10, "k": 5, "s": 1, "p": 0, "d": 1}, ...]};
    {"error": "..."} (English / 中文) naming the first impossible layer."""
    if not isinstance(spec, str | dict):
        return {"error": cs.SpecError(None, "convs_err_spec").both()}
    return cs.api_result(spec)


# ---- events ---------------------------------------------------------------------------------


def _steps_slider(n: int, pos) -> dict:
    """Positions 1..n; one position shows a fixed slider (Gradio's needs minimum < maximum). The value is
    sent only when it must change: a redraw that finishes late must not move the slider back."""
    pos = int(pos or 1)
    clamped = min(max(pos, 1), max(n, 1))
    value = {} if clamped == pos else {"value": clamped}
    return gr.update(minimum=1, maximum=max(n, 2), step=1, interactive=n > 1, **value)


def on_conv_apply(x_text, k_text, lang):
    """Parse the edited numbers into the state (a gr.Error names the bad row)."""
    x = parse_grid(x_text, "conv_name_input", MAX_INPUT, lang)
    w = parse_grid(k_text, "conv_name_kernel", MAX_KERNEL, lang)
    return {"x": x.tolist(), "w": w.tolist()}


def on_conv(grids, padding, stride, pos, lang):
    """Redraw the worked example at this position; the slider's range follows the output size."""
    padding = ui.integer(padding, t("conv_padding", lang), PADDINGS[0], PADDINGS[-1], lang)
    stride = ui.integer(stride, t("conv_stride", lang), STRIDES[0], STRIDES[-1], lang)
    plan = conv_plan(grids["x"], grids["w"], padding, stride)
    check_fits(plan, lang)
    n = plan["oh"] * plan["ow"]
    shown = min(max(int(pos or 1), 1), n)
    return conv_figure(plan, shown, lang), conv_text(plan, shown, lang), _steps_slider(n, pos), n


def link_conv_positions(x_text, k_text, padding, stride) -> tuple[int, int]:
    """The position slider's range for a shared link's grids, padding and stride."""
    grids = on_conv_apply(x_text, k_text, "en")
    plan = conv_plan(grids["x"], grids["w"], int(padding), int(stride))
    if plan["oh"] < 1 or plan["ow"] < 1:
        raise ValueError("the kernel does not fit the padded input")
    return 1, plan["oh"] * plan["ow"]


def link_pool_positions(x_text, k) -> tuple[int, int]:
    """The pooling position slider's range for a shared link's grid and window size."""
    plan = pool_plan(on_pool_apply(x_text, "en"), int(k), "max")
    if plan["oh"] < 1 or plan["ow"] < 1:
        raise ValueError("the window does not fit the input")
    return 1, plan["oh"] * plan["ow"]


def step(pos, n, delta: int):
    """The previous/next position, wrapping around."""
    n = max(int(n or 1), 1)
    return (int(pos or 1) - 1 + delta) % n + 1


def on_tick(pos, n):
    """Play: one position forward a tick; stop at the last."""
    n = max(int(n or 1), 1)
    if int(pos or 1) >= n:
        return gr.skip(), gr.Timer(active=False)
    return int(pos) + 1, gr.Timer(active=True)


def on_play(pos, n):
    """Start playing; from the first position if the last one is showing."""
    return (1 if int(pos or 1) >= int(n or 1) else gr.skip()), gr.Timer(active=True)


def on_multi(n, m, j, seed, pos, lang):
    n = ui.integer(n, t("conv_channels", lang), 1, MAX_CHANNELS, lang)
    m = ui.integer(m, t("conv_kernels", lang), 1, MAX_KERNELS, lang)
    raw_j = ui.integer(j, t("conv_which", lang), 0, MAX_KERNELS - 1, lang)
    j = min(raw_j, m - 1)
    pos = ui.integer(pos, t("conv_position", lang), 1, 9, lang)
    x, w = multi_example(n, m, int(seed))
    # the kernel's index: its value only when it must change (see _steps_slider)
    value = {} if j == raw_j else {"value": j}
    which = gr.update(minimum=0, maximum=max(m - 1, 1), step=1, interactive=m > 1, **value)
    return multi_figure(x, w, j, pos, lang), stack_figure(x, w, j, pos, lang), multi_text(x, w, j, pos, lang), which


def on_pool_apply(x_text, lang):
    return parse_grid(x_text, "conv_name_input", MAX_INPUT, lang).tolist()


def on_pool(x, kind, k, pos, lang):
    kind = ui.choice(kind, t("conv_pool_kind", lang), POOL_KINDS, lang)
    k = ui.integer(k, t("conv_pool_k", lang), POOL_SIZES[0], POOL_SIZES[-1], lang)
    plan = pool_plan(x, k, kind)
    if plan["oh"] < 1 or plan["ow"] < 1:
        raise ui.user_error("conv_err_pool_big", lang, k=k, h=len(x), w=len(x[0]))
    n = plan["oh"] * plan["ow"]
    shown = min(max(int(pos or 1), 1), n)
    return pool_figure(plan, shown, lang), pool_text(plan, shown, lang), _steps_slider(n, pos), n


def on_preset(name, lang):
    name = ui.choice(name, t("conv_preset", lang), PRESET_KEYS, lang)
    return preset_text(name)


def on_calc(c, h, w, text, lang):
    status, table, code = calc_outputs(calculate(c, h, w, text), lang)
    choices = [(t(f"conv_preset_{k}", lang), k) for k in PRESET_KEYS]
    return status, table, code, gr.Dropdown(choices=choices)


def _stepper(prefix: str, n0: int, name: str | None = None):
    """A position slider with previous / next / play / pause, and the count of positions in a State.
    ``name``: the slider's own URL name, where the tab has another position slider."""
    pos = gr.Slider(1, n0, value=1, step=1, label=I18N("conv_position"), elem_id=f"{prefix}-pos")
    if name:
        links.url_name(pos, name)
    with gr.Row():
        prev = gr.Button(I18N("conv_prev"), size="sm", min_width=90, elem_id=f"{prefix}-prev")
        nxt = gr.Button(I18N("conv_next"), size="sm", variant="primary", min_width=90, elem_id=f"{prefix}-next")
    with gr.Row():
        play = gr.Button(I18N("conv_play"), size="sm", min_width=90, elem_id=f"{prefix}-play")
        pause = gr.Button(I18N("conv_pause"), size="sm", min_width=90, elem_id=f"{prefix}-pause")
    n_state = gr.State(n0)
    timer = gr.Timer(0.9, active=False)
    prev.click(lambda p, n: step(p, n, -1), [pos, n_state], pos, **ui.CHEAP)
    nxt.click(lambda p, n: step(p, n, +1), [pos, n_state], pos, **ui.CHEAP)
    play.click(on_play, [pos, n_state], [pos, timer], **ui.CHEAP)
    pause.click(lambda: gr.Timer(active=False), None, timer, **ui.CHEAP)
    timer.tick(on_tick, [pos, n_state], [pos, timer], **ui.CHEAP)
    return pos, n_state


def _lecture_grids() -> dict:
    """The lecture's input and kernel as the applied grids hold them."""
    return {"x": [list(r) for r in LECTURE_X], "w": [list(r) for r in LECTURE_K]}


def _worked_example(lang: ui.TabLang) -> Callable[[], None]:
    """① The lecture's 5x5 input and 3x3 kernel, one window position at a time; the grids can be edited.
    Returns the function that wires it (see build)."""
    gr.Markdown(I18N("conv_step_head"))
    plan0 = conv_plan(LECTURE_X, LECTURE_K, 0, 1)
    # the applied grids; a hidden component, not a gr.State, because a shared link sets them (links.derive)
    grids = gr.JSON(_lecture_grids(), visible="hidden")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            padding = gr.Radio(list(PADDINGS), value=0, label=I18N("conv_padding"), elem_id="conv-padding")
            stride = gr.Radio(list(STRIDES), value=1, label=I18N("conv_stride"), elem_id="conv-stride")
            pos, n_pos = _stepper("conv", plan0["oh"] * plan0["ow"])
            with gr.Accordion(I18N("conv_edit"), open=False, elem_id="conv-edit"):
                x_text = gr.Textbox(
                    grid_text(LECTURE_X), lines=5, max_length=2000, label=I18N("conv_input_text"), elem_id="conv-x"
                )
                k_text = gr.Textbox(
                    grid_text(LECTURE_K), lines=3, max_length=2000, label=I18N("conv_kernel_text"), elem_id="conv-k"
                )
                with gr.Row():
                    apply = gr.Button(I18N("conv_apply"), size="sm", variant="primary", elem_id="conv-apply")
                    reset = gr.Button(I18N("conv_reset"), size="sm", elem_id="conv-reset")
        with gr.Column(scale=3):
            conv_plot = gr.Plot(conv_figure(plan0, 1, "en"), show_label=False, elem_id="conv-plot")
            conv_md = gr.Markdown(elem_id="conv-sum")  # PyTorch's check arrives on first show: no torch at build

    # a shared link sets the grids as Apply would, and the position within the range its grids make
    links.derive(grids, [x_text, k_text], lambda x, k: on_conv_apply(x, k, "en"))
    links.limit(pos, [x_text, k_text, padding, stride], link_conv_positions)

    def wire() -> None:
        ui.on_inputs(on_conv, [grids, padding, stride, pos, lang], [conv_plot, conv_md, pos, n_pos])
        apply.click(on_conv_apply, [x_text, k_text, lang], grids, **ui.CHEAP)
        x_text.submit(on_conv_apply, [x_text, k_text, lang], grids, **ui.CHEAP)
        reset.click(
            lambda: (grid_text(LECTURE_X), grid_text(LECTURE_K), _lecture_grids()),
            None,
            [x_text, k_text, grids],
            **ui.CHEAP,
        )

    return wire


def _many_channels(lang: ui.TabLang) -> Callable[[], None]:
    """② An n-channel input, m kernels of n channels, and one output number of kernel j summed over the
    channels. Returns the function that wires it (see build)."""
    gr.Markdown(I18N("conv_multi_head"))
    seed = gr.State(0)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            n_ch = gr.Slider(1, MAX_CHANNELS, value=3, step=1, label=I18N("conv_channels"), elem_id="conv-n")
            m_k = gr.Slider(1, MAX_KERNELS, value=2, step=1, label=I18N("conv_kernels"), elem_id="conv-m")
            which = gr.Slider(0, 1, value=0, step=1, label=I18N("conv_which"), elem_id="conv-j")
            mpos = gr.Slider(1, 9, value=1, step=1, label=I18N("conv_position"), elem_id="conv-mpos")
            links.url_name(mpos, "conv_multi_position")
            shuffle = gr.Button(I18N("conv_shuffle"), size="sm", elem_id="conv-shuffle")
        with gr.Column(scale=3):
            x0, w0 = multi_example(3, 2, 0)
            multi_plot = gr.Plot(multi_figure(x0, w0, 0, 1, "en"), show_label=False, elem_id="conv-multi")
            multi_md = gr.Markdown(elem_id="conv-multi-sum")
            stack_plot = gr.Plot(stack_figure(x0, w0, 0, 1, "en"), show_label=False, elem_id="conv-stack")
    links.limit(which, [m_k], lambda m: (0, int(m) - 1))  # a shared link's kernel j < m

    def wire() -> None:
        ui.on_inputs(on_multi, [n_ch, m_k, which, seed, mpos, lang], [multi_plot, stack_plot, multi_md, which])
        shuffle.click(lambda s: int(s) + 1, seed, seed, **ui.CHEAP)

    return wire


def _pooling(lang: ui.TabLang) -> Callable[[], None]:
    """③ Max or average pooling of the 4x4 example, one window at a time; the input can be edited.
    Returns the function that wires it (see build)."""
    gr.Markdown(I18N("conv_pool_head"))
    pool_x = gr.JSON([list(r) for r in POOL_X], visible="hidden")  # the applied grid (see _worked_example)
    pplan0 = pool_plan(POOL_X, 2, "max")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            kind = gr.Radio(
                [(t("conv_pool_max", "en"), "max"), (t("conv_pool_avg", "en"), "avg")],
                value="max",
                label=I18N("conv_pool_kind"),
                elem_id="conv-pool-kind",
            )
            pool_k = gr.Radio(list(POOL_SIZES), value=2, label=I18N("conv_pool_k"), elem_id="conv-pool-k")
            ppos, n_ppos = _stepper("conv-pool", pplan0["oh"] * pplan0["ow"], "conv_pool_position")
            with gr.Accordion(I18N("conv_edit_pool"), open=False):
                px_text = gr.Textbox(
                    grid_text(POOL_X), lines=4, max_length=2000, label=I18N("conv_input_text"), elem_id="conv-pool-x"
                )
                links.url_name(px_text, "conv_pool_input_text")
                papply = gr.Button(I18N("conv_apply"), size="sm", variant="primary", elem_id="conv-pool-apply")
        with gr.Column(scale=3):
            pool_plot = gr.Plot(pool_figure(pplan0, 1, "en"), show_label=False, elem_id="conv-pool-plot")
            pool_md = gr.Markdown(elem_id="conv-pool-sum")
    # a shared link sets the grid as Apply would, and the position within the range it makes
    links.derive(pool_x, [px_text], lambda x: on_pool_apply(x, "en"))
    links.limit(ppos, [px_text, pool_k], link_pool_positions)

    def wire() -> None:
        ui.on_inputs(on_pool, [pool_x, kind, pool_k, ppos, lang], [pool_plot, pool_md, ppos, n_ppos])
        papply.click(on_pool_apply, [px_text, lang], pool_x, **ui.CHEAP)
        ui.on_inputs(
            lambda lg: gr.Radio(choices=[(t("conv_pool_max", lg), "max"), (t("conv_pool_avg", lg), "avg")]),
            [lang],
            kind,
        )

    return wire


def _shape_calculator(lang: ui.TabLang) -> None:
    """④ Every layer's output shape and parameter count for an input and the editor's layers (or a preset),
    checked against PyTorch; also the tab's API endpoint conv_shapes."""
    gr.Markdown(I18N("conv_calc_head"))
    gr.Markdown(I18N("conv_calc_intro"), elem_classes=["lecture-intro"])
    c0, h0, w0, text0 = preset_text("lecture_cnn")
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            preset = gr.Dropdown(
                [(t(f"conv_preset_{k}", "en"), k) for k in PRESET_KEYS],
                value="lecture_cnn",
                label=I18N("conv_preset"),
                elem_id="conv-preset",
            )
            with gr.Row():
                cin = gr.Number(c0, precision=0, label=I18N("conv_in_c"), elem_id="conv-c", min_width=90)
                hin = gr.Number(h0, precision=0, label=I18N("conv_in_h"), elem_id="conv-h", min_width=90)
                win = gr.Number(w0, precision=0, label=I18N("conv_in_w"), elem_id="conv-w", min_width=90)
            layers = gr.Textbox(
                text0, lines=12, max_lines=40, max_length=20_000, label=I18N("conv_layers"), elem_id="conv-layers"
            )
        with gr.Column(scale=3):
            calc_status = gr.Markdown(elem_id="conv-calc-status")
            calc_code = gr.Code(
                language="python", label=I18N("conv_code_label"), interactive=False, elem_id="conv-calc-code"
            )
    calc_table = gr.Markdown(elem_id="conv-calc-table")
    ui.code_panel("convolution", "conv_shapes")

    preset.input(on_preset, [preset, lang], [cin, hin, win, layers], **ui.CHEAP)
    ui.on_inputs(on_calc, [cin, hin, win, layers, lang], [calc_status, calc_table, calc_code, preset])
    gr.api(api_conv_shapes, api_name="conv_shapes")


def build(lang: ui.TabLang) -> None:
    """The tab: ① the worked example, ② many channels, ③ pooling, ④ the shape calculator."""
    ui.header(LECTURE)
    wire_example = _worked_example(lang)
    wire_channels = _many_channels(lang)
    wire_pooling = _pooling(lang)
    # ①-③ wire their events only now, after ③'s stepper has wired its own: the events keep their order,
    # by which Gradio numbers the lambdas' endpoint names (lambda_21, ...). Every redraw runs on a change
    # of its inputs, the language included (so when the tab is first shown).
    wire_example()
    wire_channels()
    wire_pooling()
    _shape_calculator(lang)
