"""PyTorch lecture 11: advanced CNNs. The Inception block drawn branch by branch with
the shapes, parameters and multiplications of the real InceptionA; why 1x1 convolutions
(the lecture's operation count, checked by torch's FLOP counter); the residual block
traced op by op; the gradient norm reaching each layer of a deep plain stack and of the
same stack with skips; a short training race; the trained MNIST models of lectures 9-11.

The numbers come from demos.vision.advanced_cnn_compute; this module draws and wires them."""

from __future__ import annotations

import math

import gradio as gr
import plotly.graph_objects as go

from demos import live, offload, ui
from demos.i18n import I18N, built_keys, register, t
from demos.vision import advanced_cnn_compute as ac

LECTURE = ui.Lecture("advanced_cnn", "sec_vision", "ac_tab", "ac_source", "ac_intro")

built_keys("ac_lec_*")

register(
    {
        "ac_tab": ("第11讲 Inception 与残差网络", "L11 Inception & residual"),
        "ac_source": (
            "**刘二 PyTorch 第11讲 · 卷积神经网络（高级篇）(Advanced CNN)**",
            "**Liu Er PyTorch lecture 11 · Advanced CNN**",
        ),
        "ac_intro": (
            "第10讲的网络是一条直线：卷积、池化、卷积……。第11讲介绍两种更好的结构。**Inception 块**让几条分支并行："
            "1×1、5×5、两个 3×3 卷积和平均池化，每条分支保持 H×W 不变，最后沿通道维拼接（`torch.cat(dim=1)`），"
            "由训练决定哪种卷积核更有用；1×1 卷积先把通道数压低，让大卷积核便宜得多。**残差块**输出 relu(x + F(x))："
            "跳连把 x 原样加回来，梯度沿这条捷径直接传回前面的层，所以很深的网络也能训练。下面所有形状、参数量和运算量"
            "都来自真实运行的 PyTorch 模块。",
            "Lecture 10's networks are a straight line: conv, pool, conv, … Lecture 11 shows two better designs. An "
            "**Inception block** runs several branches side by side (a 1×1, a 5×5, two 3×3 convolutions and an average "
            "pool), each keeping H×W, and concatenates them along the channels (`torch.cat(dim=1)`): training decides "
            "which kernel helps. 1×1 convolutions first shrink the channels, which makes the large kernels much cheaper. "
            "A **residual block** outputs relu(x + F(x)): the skip connection adds x back unchanged, so the gradient has "
            "a short path back to the early layers and very deep networks still train. Every shape, parameter count and "
            "operation count below comes from running the real PyTorch modules.",
        ),
        # ---- Inception
        "ac_inc_head": (
            "### 1. Inception 块（讲义的 `InceptionA`）",
            "### 1. The Inception block (the lecture's `InceptionA`)",
        ),
        "ac_in_c": ("输入通道数 C", "input channels C"),
        "ac_in_h": ("输入高度 H", "input height H"),
        "ac_in_w": ("输入宽度 W", "input width W"),
        # the residual block's own keys (a shareable link names each control by its label key)
        "ac_res_in_c": ("输入通道数 C", "input channels C"),
        "ac_res_in_h": ("输入高度 H", "input height H"),
        "ac_res_in_w": ("输入宽度 W", "input width W"),
        "ac_inc_title": (
            "Inception 块：输入 {c}×{h}×{w} → 输出 {oc}×{oh}×{ow}，共 {params} 个参数",
            "Inception block: input {c}×{h}×{w} → output {oc}×{oh}×{ow}, {params} parameters",
        ),
        "ac_input_box": ("输入 x：{shape}（C×H×W）", "input x: {shape} (C×H×W)"),
        "ac_params_n": ("{n} 个参数", "{n} params"),
        "ac_concat_caption": (
            "torch.cat([branch1x1, branch5x5, branch3x3, branch_pool], dim=1)：{sum} = <b>{total}</b> 个通道 → <b>{shape}</b>",
            "torch.cat([branch1x1, branch5x5, branch3x3, branch_pool], dim=1): {sum} = <b>{total}</b> channels → <b>{shape}</b>",
        ),
        "ac_branch_table_head": (
            "| 分支（按拼接顺序） | 输出 | 参数 | 乘法次数 |",
            "| branch (in concat order) | output | parameters | multiplications |",
        ),
        "ac_branch_total": ("**合计**", "**total**"),
        "ac_branch_note": (
            "乘法次数由 `torch.utils.flop_counter.FlopCounterMode` 在真实前向中计数（卷积每次乘加算 2 个 FLOP，这里除以 2）；"
            "每层都等于 k²·C_in·C_out·H·W。各分支都保持 {h}×{w}，所以才能沿通道拼接。"
            "讲义代码按 1×1（16）、5×5（24）、3×3（24）、池化（24）的顺序拼接：16+24+24+24 = 88；换个顺序写成 24+16+24+24，总数还是 88。",
            "Multiplications are counted by `torch.utils.flop_counter.FlopCounterMode` during the real forward pass "
            "(2 FLOPs per multiply-add of a convolution, halved here); each layer's count is k²·C_in·C_out·H·W. Every "
            "branch keeps {h}×{w}, which is what lets them be concatenated along the channels. The lecture's code "
            "concatenates the 1×1 branch (16) first: 16+24+24+24; written in another order, 24+16+24+24, the sum is the same 88.",
        ),
        "ac_why_head": (
            "#### 为什么用 1×1 卷积？（讲义的运算量）",
            "#### Why 1×1 convolutions? (the lecture's operation count)",
        ),
        "ac_why_body": (
            "把 {c_in}×{s}×{s} 的特征图卷成 {c_out}×{s}×{s}（{k}×{k} 卷积，padding {p}）：\n\n"
            "- **直接卷积**：{k}²·{s}²·{c_in}·{c_out} = **{direct}** 次乘法（PyTorch 计数：{torch_direct}）\n"
            "- **先用 1×1 卷积降到 {c_mid} 个通道**：1²·{s}²·{c_in}·{c_mid} = {reduce}，再 {k}²·{s}²·{c_mid}·{c_out} = {expand}，"
            "合计 **{bottleneck}** 次（PyTorch 计数：{torch_bottleneck}）\n\n"
            "输出形状相同（{shape}），运算量只有约 **1/{ratio:.1f}**。1×1 卷积在每个像素上把 C_in 个通道线性组合成新的通道，"
            "就像一个逐像素的全连接层（Network in Network）。",
            "Turning a {c_in}×{s}×{s} feature map into {c_out}×{s}×{s} ({k}×{k} convolution, padding {p}):\n\n"
            "- **directly**: {k}²·{s}²·{c_in}·{c_out} = **{direct}** multiplications (PyTorch counts {torch_direct})\n"
            "- **through a 1×1 convolution to {c_mid} channels first**: 1²·{s}²·{c_in}·{c_mid} = {reduce}, then "
            "{k}²·{s}²·{c_mid}·{c_out} = {expand}, together **{bottleneck}** (PyTorch counts {torch_bottleneck})\n\n"
            "The output has the same shape ({shape}) for about **1/{ratio:.1f}** of the work. A 1×1 convolution mixes the "
            "C_in channels of each pixel into new channels, like a fully connected layer applied at every pixel "
            "(Network in Network).",
        ),
        # ---- Residual
        "ac_res_head": (
            "### 2. 残差块（讲义的 `ResidualBlock`）",
            "### 2. The residual block (the lecture's `ResidualBlock`)",
        ),
        "ac_res_title": (
            "残差块：relu(x + F(x))，输入 {shape} → 输出 {out}，共 {params} 个参数",
            "Residual block: relu(x + F(x)), input {shape} → output {out}, {params} parameters",
        ),
        "ac_skip": ("跳连：x 原样加回（{shape}）", "skip connection: x added back unchanged ({shape})"),
        "ac_res_in": ("输入 x", "input x"),
        "ac_res_out": ("输出", "output"),
        "ac_res_why": (
            "**为什么形状必须相同？** `x + F(x)` 是逐元素相加，F(x) 必须和 x 的形状完全一样：两个卷积都是 3×3、padding=1"
            "（H×W 不变），输出通道都等于输入通道 C。上图每个形状都是真实前向中逐个操作记录下来的"
            "（`TorchFunctionMode`：{ops}）。把规则打破会怎样？PyTorch 的回答：\n\n"
            "- 第二个卷积输出 {c2} 个通道：{wide}\n"
            "- 两个卷积都不加 padding（每个 3×3 卷积让 H 和 W 各少 2）：{unpadded}\n"
            "- 通道不同时的修补办法（ResNet 的投影捷径）：跳连上加一个 1×1 卷积 {c}→{c2}，relu(W·x + F(x))：{projected}",
            "**Why must the shapes match?** `x + F(x)` adds element by element, so F(x) must have exactly x's shape: both "
            "convolutions are 3×3 with padding=1 (H×W kept) and give C output channels, as many as came in. Every shape "
            "in the diagram was recorded op by op during the real forward pass (`TorchFunctionMode`: {ops}). What if "
            "the rule is broken? PyTorch's answer:\n\n"
            "- the second convolution gives {c2} channels: {wide}\n"
            "- neither convolution is padded (each 3×3 convolution then takes 2 off H and W): {unpadded}\n"
            "- the fix when the channels differ (ResNet's projection shortcut): a 1×1 convolution {c}→{c2} on the skip "
            "path, relu(W·x + F(x)): {projected}",
        ),
        "ac_ok_shape": ("✓ 输出 {shape}", "✓ output {shape}"),
        "ac_broadcast": (
            "没有报错，但 F(x) 是 {f}、x 是 {x}，PyTorch 把它们广播成了 {shape}：这已经不是逐元素的 x + F(x) 了",
            "no error, but F(x) is {f} and x is {x}: PyTorch broadcast them to {shape}, which is no longer x + F(x) element by element",
        ),
        # ---- Gradient flow
        "ac_grad_head": (
            "### 3. 梯度流：普通深层网络 vs 残差网络",
            "### 3. Gradient flow: a deep plain stack against a residual one",
        ),
        "ac_grad_intro": (
            "N 个全连接层（每层 64 个神经元）叠在一起，层间用所选激活函数，最后接一个 64→10 的输出层；"
            "输入是 64 张 MNIST 测试图（由种子挑选），损失是交叉熵。**普通网络**：z<sub>l</sub> = W<sub>l</sub>·f(z<sub>l−1</sub>) + b<sub>l</sub>。"
            "**残差网络**：同样的层、同样的初始权重，只多了跳连 z<sub>l</sub> = z<sub>l−1</sub> + W<sub>l</sub>·f(z<sub>l−1</sub>) + b<sub>l</sub>。"
            "做一次反向传播，画出每层收到的梯度范数 ‖∂L/∂W<sub>l</sub>‖（对数坐标）。链式法则里，普通网络每经过一层都乘一次 "
            "diag(f′)·W<sub>l</sub>ᵀ，sigmoid 的 f′ ≤ 0.25，于是梯度指数级地变小；残差网络的每层雅可比矩阵是 I + W<sub>l</sub>·diag(f′)，"
            "单位矩阵 I 给梯度留了一条直通的路。",
            "N fully connected layers of 64 units, the chosen activation between them, and a 64→10 output layer; the "
            "input is 64 MNIST test digits (picked by the seed) and the loss is cross-entropy. **Plain**: "
            "z<sub>l</sub> = W<sub>l</sub>·f(z<sub>l−1</sub>) + b<sub>l</sub>. **Residual**: the same layers with the same initial weights, plus a skip: "
            "z<sub>l</sub> = z<sub>l−1</sub> + W<sub>l</sub>·f(z<sub>l−1</sub>) + b<sub>l</sub>. One backward pass, then the gradient norm ‖∂L/∂W<sub>l</sub>‖ that reached "
            "each layer, on a log scale. By the chain rule the plain stack multiplies the gradient by diag(f′)·W<sub>l</sub>ᵀ at "
            "every layer, and sigmoid's f′ ≤ 0.25, so it shrinks exponentially; a residual layer's Jacobian is "
            "I + W<sub>l</sub>·diag(f′), and the identity I gives the gradient a straight path.",
        ),
        "ac_depth": ("层数 N", "depth N (layers)"),
        "ac_activation": ("激活函数 f", "activation f"),
        "ac_seed": ("随机种子", "seed"),
        "ac_plain": ("普通网络", "plain"),
        "ac_residual": ("残差网络", "residual"),
        "ac_grad_title": (
            "每层的梯度范数 ||∂L/∂W<sub>l</sub>||（N = {n}，{act}，float64）",
            "Gradient norm ||∂L/∂W<sub>l</sub>|| at each layer (N = {n}, {act}, float64)",
        ),
        "ac_layer_axis": ("层 l（1 = 最靠近输入）", "layer l (1 = next to the input)"),
        "ac_norm_axis": ("||∂L/∂W<sub>l</sub>||（对数）", "||∂L/∂W<sub>l</sub>|| (log)"),
        "ac_grad_summary": (
            "**第 1 层**（离输入最近）：普通网络 **{p1}**，残差网络 **{r1}**，相差 **{ratio}** 倍。"
            "第 {n} 层（离损失最近）：普通 {pn}，残差 {rn}。\n\n"
            "用 float64 计算，极小的数不会下溢；训练常用的 float32 最小只能表示约 1.4e-45，"
            "在 float32 中普通网络有 **{pz}** 层、残差网络有 **{rz}** 层的梯度恰好是 0。",
            "**Layer 1** (next to the input): plain **{p1}**, residual **{r1}**, a factor of **{ratio}**. Layer {n} "
            "(next to the loss): plain {pn}, residual {rn}.\n\n"
            "Computed in float64 so that tiny numbers do not underflow; float32, which training uses, stops at about "
            "1.4e-45, and in float32 **{pz}** plain and **{rz}** residual layers get a gradient of exactly 0.",
        ),
        "ac_inf": ("无穷（普通网络为 0）", "infinite (plain is 0)"),
        # ---- Training race
        "ac_race_head": (
            "#### 训练比赛：同样深度，有没有跳连",
            "#### A training race: the same depth, with and without skips",
        ),
        "ac_race_intro": (
            "用上面的层数、激活函数和种子，在应用自带的 6,000 张 MNIST 图上同时训练两个网络："
            "同样的初始权重、同样的批次，`SGD(lr=0.1, momentum=0.5)`，批量 64，每轮后在 1,000 张测试图上算准确率。"
            "20 层 sigmoid 的普通网络损失一直停在 ln 10 ≈ 2.30（只能瞎猜），残差网络很快学会。"
            "很深的 ReLU 残差网络没有 BatchNorm 时，激活值随层数增大，lr = 0.1 可能发散——真正的 ResNet 在每个卷积后都加了 BatchNorm。",
            "With the depth, activation and seed above, two networks train side by side on the app's 6,000 MNIST "
            "digits: the same initial weights, the same batches, `SGD(lr=0.1, momentum=0.5)`, batch 64, and the test "
            "accuracy on 1,000 digits after each epoch. A 20-layer sigmoid plain stack stays at ln 10 ≈ 2.30 (guessing), "
            "the residual one learns at once. A very deep ReLU residual stack without batch normalisation grows its "
            "activations layer by layer and may diverge at lr = 0.1: real ResNets put batch normalisation after every convolution.",
        ),
        "ac_epochs": ("训练轮数", "epochs"),
        "ac_train": ("▶ 训练两个网络", "▶ Train both"),
        "ac_stop": ("■ 停止", "■ Stop"),
        "ac_race_ready": ("按 **▶ 训练两个网络** 开始（通常几秒钟）。", "Press **▶ Train both** (a few seconds)."),
        "ac_race_title": ("训练损失（每 {k} 批平均）", "Training loss (mean of every {k} batches)"),
        "ac_epoch_axis": ("轮次 epoch", "epoch"),
        "ac_race_running": (
            "N = {n}，{act}：第 {epoch}/{epochs} 轮，第 {batch}/{batches} 批。",
            "N = {n}, {act}: epoch {epoch}/{epochs}, batch {batch}/{batches}.",
        ),
        "ac_race_starting": ("N = {n}，{act}：正在准备两个网络……", "N = {n}, {act}: preparing both networks…"),
        "ac_race_done": (
            "**完成**：N = {n}，{act}，共 {epochs} 轮。",
            "**Done**: N = {n}, {act}, epochs = {epochs}.",
        ),
        "ac_race_line": (
            "- {name}：最近损失 {loss}，测试准确率 {acc}",
            "- {name}: latest loss {loss}, test accuracy {acc}",
        ),
        "ac_diverged": ("发散（损失变成 nan/inf，已停止）", "diverged (the loss became nan/inf; stopped)"),
        "ac_not_yet": ("尚未测试", "not yet tested"),
        # ---- Models table
        "ac_models_head": ("### 4. 第9–11讲训练好的 MNIST 模型", "### 4. The trained MNIST models of lectures 9–11"),
        "ac_models_table_head": (
            "| 模型 | 讲次与结构 | 参数量 | 测试准确率 | 秒/轮 | 轮数 | 线程 |",
            "| model | lecture and design | parameters | test accuracy | s / epoch | epochs | threads |",
        ),
        "ac_lec_mlp": ("第9讲 全连接 784-512-256-128-64-10", "L9 fully connected 784-512-256-128-64-10"),
        "ac_lec_lecture_cnn": ("第10讲 CNN（卷积 10、20，全连接 320）", "L10 CNN (conv 10, 20, linear 320)"),
        "ac_lec_homework_cnn": ("第10讲作业：3 个卷积 + 3 个全连接", "L10 homework: 3 convs + 3 linear layers"),
        "ac_lec_inception": ("第11讲 两个 Inception 块", "L11 two Inception blocks"),
        "ac_lec_residual": ("第11讲 两个残差块", "L11 two residual blocks"),
        "ac_lec_best_cnn": ("课外：BatchNorm + 数据增强", "beyond: batch norm + augmentation"),
        "ac_models_note": (
            "数字读自 `weights/<名字>.safetensors` 的元数据，由 `python -m models.train <名字>` 在完整 MNIST 上训练得到"
            "（6 万张训练图，{opt}）；测试准确率是在 {total} 张测试图上的结果；计时来自 2 核开发机（线程数见表）。",
            "Read from the metadata of `weights/<name>.safetensors`, written by `python -m models.train <name>` on full "
            "MNIST (60,000 training digits, {opt}); test accuracy on the {total} test digits; timings from the 2-core "
            "development machine (threads as listed).",
        ),
    }
)

BRANCH_COLORS = dict(zip([key for key, _ in ac.INCEPTION_BRANCHES], ui.COLORS[:4]))
PLAIN_COLOR, RESIDUAL_COLOR = ui.COLORS[1], ui.COLORS[0]


def num(n: int) -> str:
    return f"{n:,}"


def shape_text(shape) -> str:
    return "×".join(str(s) for s in shape)


def sci(x: float) -> str:
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.2e}"


def _tint(color: str, alpha: float = 0.13) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _box(fig, x0, x1, y0, y1, color, fill=None, width=2.5, dash=None):
    fig.add_shape(
        type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line={"color": color, "width": width, "dash": dash},
        fillcolor=fill or _tint(color), layer="below",
    )  # fmt: skip


def _text(fig, x, y, text, size=16, color="#111", **kw):
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, font={"size": size, "color": color}, **kw)


def _arrow(fig, x0, y0, x1, y1, color="#555", width=2.5):
    fig.add_annotation(
        x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
        arrowhead=2, arrowsize=1.1, arrowwidth=width, arrowcolor=color,
    )  # fmt: skip


def _frame(fig, title, xr, yr, height):
    ui.style(fig, title, height=height)
    fig.update_xaxes(visible=False, range=xr, fixedrange=True)
    fig.update_yaxes(visible=False, range=yr, fixedrange=True)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 56, "b": 6}, showlegend=False, title_font_size=20)
    return fig


# ---- the Inception diagram ---------------------------------------------------------------------

ROWS_Y = (5.55, 4.1, 2.65)  # centres of a branch's first, second and third layer
BOX_W, BOX_H = 0.86, 1.05
BAR_Y, BAR_H = 1.3, 0.85  # the concatenated channels, one segment per branch


def layer_lines(layer: dict, lang: str) -> str:
    """Three lines: what the layer is, its output shape, its parameters."""
    k = layer["kernel"]
    if layer["kind"] == "avg_pool":
        head = f"<b>avg_pool2d {k}×{k}</b><br>stride 1, padding 1"
    else:
        pad = f", padding={layer['padding']}" if layer["padding"] else ""
        head = f"<b>Conv2d {k}×{k}</b>{pad}<br>{layer['in']} → {layer['out']} ch"
    return f"{head}<br>→ <b>{shape_text(layer['shape'])}</b> · {t('ac_params_n', lang, n=num(layer['params']))}"


def inception_figure(r: dict, lang: str) -> go.Figure:
    """Input on top, the four branches in the lecture's concat order, then the concatenated channels."""
    fig = go.Figure()
    c, h, w = r["input"]
    top = 6.85
    _box(fig, 1.3, 2.7, top - 0.3, top + 0.3, "#444", fill="#f3f3f3")
    _text(fig, 2.0, top, t("ac_input_box", lang, shape=f"<b>{shape_text(r['input'])}</b>"), size=18)
    total = r["output"][0]
    bar_x0, bar_x1 = 0.15, 3.85
    edge = bar_x0
    for i, branch in enumerate(r["branches"]):
        cx, color = i + 0.5, BRANCH_COLORS[branch["key"]]
        _arrow(fig, 2.0 + (i - 1.5) * 0.3, top - 0.3, cx, ROWS_Y[0] + BOX_H / 2)
        for j, layer in enumerate(branch["layers"]):
            y = ROWS_Y[j]
            _box(fig, cx - BOX_W / 2, cx + BOX_W / 2, y - BOX_H / 2, y + BOX_H / 2, color)
            _text(fig, cx, y, layer_lines(layer, lang), size=15)
            if j:
                _arrow(fig, cx, ROWS_Y[j - 1] - BOX_H / 2, cx, y + BOX_H / 2, color)
        # this branch's slice of the concatenated channels, its width in proportion to its channels
        seg = (bar_x1 - bar_x0) * branch["channels"] / total
        _box(fig, edge, edge + seg, BAR_Y - BAR_H / 2, BAR_Y + BAR_H / 2, color, fill=_tint(color, 0.35), width=2)
        _text(
            fig, edge + seg / 2, BAR_Y,
            f"<b>{branch['key']}</b><br><b>{branch['channels']}</b> ch · {t('ac_params_n', lang, n=num(branch['params']))}",
            size=15,
        )  # fmt: skip
        last = ROWS_Y[len(branch["layers"]) - 1] - BOX_H / 2
        _arrow(fig, cx, last, edge + seg / 2, BAR_Y + BAR_H / 2, color)
        edge += seg
    parts = " + ".join(str(b["channels"]) for b in r["branches"])
    caption = t("ac_concat_caption", lang, sum=parts, total=total, shape=shape_text(r["output"]))
    _text(fig, 2.0, BAR_Y - BAR_H / 2 - 0.32, caption, size=16)
    oc, oh, ow = r["output"]
    title = t("ac_inc_title", lang, c=c, h=h, w=w, oc=oc, oh=oh, ow=ow, params=num(r["params"]))
    return _frame(fig, title, [0, 4], [0.35, 7.2], 620)


def branch_markdown(r: dict, lang: str) -> str:
    rows = [t("ac_branch_table_head", lang), "|---|---:|---:|---:|"]
    for branch in r["branches"]:
        shape = shape_text(branch["layers"][-1]["shape"])
        rows.append(f"| `{branch['key']}` | {shape} | {num(branch['params'])} | {num(branch['mults'])} |")
    total = t("ac_branch_total", lang)
    rows.append(f"| {total}: `torch.cat` | {shape_text(r['output'])} | {num(r['params'])} | {num(r['mults'])} |")
    _, h, w = r["input"]
    return "\n".join(rows) + "\n\n" + t("ac_branch_note", lang, h=h, w=w)


def why_markdown(lang: str) -> str:
    b = ac.bottleneck_cost(**ac.LECTURE_COST)
    values = {k: num(v) if isinstance(v, int) and k not in ac.LECTURE_COST else v for k, v in b.items()}
    return t("ac_why_head", lang) + "\n\n" + t(
        "ac_why_body", lang, **values, s=b["size"], k=b["kernel"], p=b["kernel"] // 2,
        shape=shape_text(b["shapes"][0]), ratio=b["direct"] / b["bottleneck"],
    )  # fmt: skip


# ---- the residual diagram ------------------------------------------------------------------------

RES_LABELS = (
    "<b>Conv2d 3×3</b><br>padding=1",
    "<b>ReLU</b>",
    "<b>Conv2d 3×3</b><br>padding=1",
    "<b>+</b>",
    "<b>ReLU</b>",
)


# (centre x, half width) of: input, conv1, relu, conv2, the addition (a circle), relu, output
RES_NODES = ((0.5, 0.43), (1.85, 0.56), (3.07, 0.38), (4.29, 0.56), (5.5, 0.32), (6.55, 0.38), (7.6, 0.43))


def residual_figure(r: dict, lang: str) -> go.Figure:
    """x -> conv -> relu -> conv -> (+ x) -> relu, each with the shape traced in the real forward pass."""
    fig = go.Figure()
    y, bh = 1.35, 1.25
    shape_in = shape_text(r["input"])
    shapes = [r["input"], *(shape for _, shape in r["ops"]), r["output"]]
    c = r["input"][0]
    labels = [t("ac_res_in", lang), *RES_LABELS, t("ac_res_out", lang)]
    for i, ((x, half), label, shape) in enumerate(zip(RES_NODES, labels, shapes)):
        if i == 4:  # the addition: a circle
            fig.add_shape(
                type="circle", x0=x - half, x1=x + half, y0=y - half, y1=y + half,
                line={"color": RESIDUAL_COLOR, "width": 3}, fillcolor=_tint(RESIDUAL_COLOR, 0.2),
            )  # fmt: skip
            _text(fig, x, y, "<b>+</b>", size=28, color=RESIDUAL_COLOR)
            _text(fig, x, y - half - 0.1, f"x + F(x)<br><b>{shape_text(shape)}</b>", size=15, yanchor="top")
        else:
            outer = i in (0, 6)
            _box(
                fig,
                x - half,
                x + half,
                y - bh / 2,
                y + bh / 2,
                "#444" if outer else ui.COLORS[2],
                fill="#f3f3f3" if outer else None,
            )
            extra = ""
            if i in (1, 3):  # the two convolutions
                extra = f", {c} → {c}<br>{t('ac_params_n', lang, n=num(r['conv_params']))}"
            _text(fig, x, y, f"{label}{extra}<br>→ <b>{shape_text(shape)}</b>", size=15)
        if i:
            _arrow(fig, RES_NODES[i - 1][0] + RES_NODES[i - 1][1], y, x - half, y)
    # F(x): the dashed frame around conv -> relu -> conv
    x0, x1 = RES_NODES[1][0] - RES_NODES[1][1] - 0.1, RES_NODES[3][0] + RES_NODES[3][1] + 0.1
    _box(fig, x0, x1, y - bh / 2 - 0.15, y + bh / 2 + 0.15, "#888", fill="rgba(0,0,0,0)", width=2, dash="dash")
    _text(fig, RES_NODES[2][0], y - bh / 2 - 0.3, "<b>F(x)</b>", size=17, color="#666")
    # the skip connection: up from x, across, down into the addition
    sy, (xa, _), (xp, half) = y + bh / 2 + 0.7, RES_NODES[0], RES_NODES[4]
    for ax0, ay0, ax1, ay1 in ((xa, y + bh / 2, xa, sy), (xa, sy, xp, sy)):
        fig.add_shape(type="line", x0=ax0, y0=ay0, x1=ax1, y1=ay1, line={"color": RESIDUAL_COLOR, "width": 4})
    _arrow(fig, xp, sy, xp, y + half, RESIDUAL_COLOR, width=4)
    _text(
        fig,
        (xa + xp) / 2,
        sy + 0.1,
        t("ac_skip", lang, shape=shape_in),
        size=16,
        color=RESIDUAL_COLOR,
        yanchor="bottom",
    )
    title = t("ac_res_title", lang, shape=shape_in, out=shape_text(r["output"]), params=num(r["params"]))
    return _frame(fig, title, [0, 8.1], [0.05, 3.2], 380)


def residual_markdown(r: dict, lang: str) -> str:
    def outcome(res, skip_shape):
        if res["error"] is not None:
            return f"✗ `RuntimeError: {res['error']}`"  # torch's message, in English in every language
        if res["f_shape"] != skip_shape:  # C = 1 or H = W = 5: the mismatched shapes happen to broadcast
            return t(
                "ac_broadcast",
                lang,
                f=shape_text(res["f_shape"]),
                x=shape_text(skip_shape),
                shape=shape_text(res["shape"]),
            )
        return t("ac_ok_shape", lang, shape=shape_text(res["shape"]))

    c, h, w = r["input"]
    ops = " → ".join(f"`{name}` {shape_text(shape)}" for name, shape in r["ops"])
    return t(
        "ac_res_why", lang, ops=ops, c=c, c2=2 * c,
        wide=outcome(r["wide"], r["input"]), unpadded=outcome(r["unpadded"], r["input"]),
        projected=outcome(r["projected"], (2 * c, h, w)),
    )  # fmt: skip


# ---- gradient flow -----------------------------------------------------------------------------------


def gradient_figure(g: dict, lang: str) -> go.Figure:
    fig = go.Figure()
    layers = list(range(1, g["depth"] + 1))
    for kind, color, symbol in (("plain", PLAIN_COLOR, "circle"), ("residual", RESIDUAL_COLOR, "diamond")):
        values = [v if v > 0 else None for v in g[kind]]  # log axis: an exact 0 (float64 underflow) is left out
        fig.add_trace(
            go.Scatter(
                x=layers, y=live.finite([v or math.nan for v in values]), mode="lines+markers",
                name=t(f"ac_{kind}", lang), line={"color": color, "width": 3}, marker={"size": 8, "symbol": symbol},
                hovertemplate="l = %{x}<br>||∂L/∂W|| = %{y:.3e}<extra></extra>",
            )
        )  # fmt: skip
    act = g["activation"]
    ui.style(
        fig, t("ac_grad_title", lang, n=g["depth"], act=act), t("ac_layer_axis", lang), t("ac_norm_axis", lang), 460
    )
    fig.update_yaxes(type="log", exponentformat="power", zeroline=False, title_standoff=8)
    fig.update_xaxes(range=[0.5, g["depth"] + 0.5], zeroline=False)
    fig.update_layout(
        margin={"l": 105},
        legend={"x": 0.99, "xanchor": "right", "y": 0.02, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"},
    )
    return fig


def gradient_markdown(g: dict, lang: str) -> str:
    p, r = g["plain"], g["residual"]
    ratio = sci(g["ratio"]) if math.isfinite(g["ratio"]) else t("ac_inf", lang)
    return t(
        "ac_grad_summary", lang, p1=sci(p[0]), r1=sci(r[0]), ratio=ratio, n=g["depth"], pn=sci(p[-1]), rn=sci(r[-1]),
        pz=g["plain_zero_f32"], rz=g["residual_zero_f32"],
    )  # fmt: skip


# ---- the training race ------------------------------------------------------------------------------

LOSS_EVERY = 10  # batches per point of the loss curves


def new_race(depth=20, activation="sigmoid", epochs=3) -> dict:
    """Per-user record of a race (kept in gr.State); only finite numbers and None go in."""
    return {
        "depth": depth, "activation": activation, "epochs": epochs, "status": "idle", "x": [],
        "loss": {"plain": [], "residual": []}, "last": {"plain": None, "residual": None},
        "acc": {"plain": None, "residual": None}, "epoch": 0, "batch": 0, "batches": 0, "budget": None,
    }  # fmt: skip


def race_figure(race: dict, lang: str) -> go.Figure:
    nan = [[math.nan if v is None else v for v in race["loss"][k]] for k in ("plain", "residual")]  # a diverged run
    fig = live.curves_figure(
        {t("ac_plain", lang): nan[0], t("ac_residual", lang): nan[1]},
        t("ac_race_title", lang, k=LOSS_EVERY), t("ac_epoch_axis", lang), "loss", height=400,
    )  # fmt: skip
    for trace, color in zip(fig.data, (PLAIN_COLOR, RESIDUAL_COLOR)):
        trace.x = race["x"][: len(trace.y)]
        trace.line.color = color
    fig.add_hline(y=math.log(10), line={"dash": "dot", "color": "#888"}, annotation_text="ln 10 ≈ 2.30")
    fig.update_xaxes(range=[0, max(race["epochs"], 1)])
    # room above the ln 10 line for its label; a deep ReLU stack may start higher
    top = max([2.9] + [1.05 * v for v in nan[0] + nan[1] if math.isfinite(v)])
    fig.update_yaxes(range=[0, top])
    fig.update_layout(legend={"x": 0.99, "xanchor": "right", "y": 0.75, "yanchor": "top"})
    return fig


def race_text(race: dict, lang: str) -> str:
    s = race["status"]
    if s == "idle":
        return t("ac_race_ready", lang)
    fmt = {"n": race["depth"], "act": race["activation"], "epochs": race["epochs"]}
    if s == "done":
        head = t("ac_race_done", lang, **fmt)
    elif race["batch"] == 0:
        head = t("ac_race_starting", lang, **fmt)
    else:
        head = t("ac_race_running", lang, **fmt, epoch=race["epoch"], batch=race["batch"], batches=race["batches"])
    lines = [head, ""]
    for kind in ("plain", "residual"):
        last = race["last"][kind]
        loss = f"{last:.4f}" if last is not None else ("—" if race["batch"] == 0 else t("ac_diverged", lang))
        acc = race["acc"][kind]
        if acc is not None:
            acc_text = f"**{100 * acc:.1f} %**"
        else:
            acc_text = "—" if last is None and race["batch"] else t("ac_not_yet", lang)
        lines.append(t("ac_race_line", lang, name=t(f"ac_{kind}", lang), loss=loss, acc=acc_text))
    text = "\n".join(lines)
    if s == "time_up":
        text += "\n\n" + t("live_time_up", lang, seconds=race["budget"])
    return text


def race_outputs(race: dict, lang: str):
    return race_figure(race, lang), race_text(race, lang), race


# ---- the models table ---------------------------------------------------------------------------------


def models_markdown(lang: str) -> str:
    rows = ac.model_rows()
    lines = [t("ac_models_table_head", lang), "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        acc = f"{100 * r['test_accuracy']:.2f} %"
        lines.append(
            f"| `{r['name']}` | {t('ac_lec_' + r['name'], lang)} | {num(r['parameters'])} | {acc} "
            f"| {r['seconds_per_epoch']:.1f} | {r['epochs']} | {r['threads']} |"
        )
    recipes = sorted({f"{r['optimizer']} + {r['schedule']}" for r in rows})
    total = num(rows[0]["test_total"])
    return "\n".join(lines) + "\n\n" + t("ac_models_note", lang, opt=", ".join(recipes), total=total)


# ---- events --------------------------------------------------------------------------------------------


def _shape_inputs(c, h, w, lang, prefix="ac_in"):
    c = ui.integer(c, t(f"{prefix}_c", lang), *ac.CHANNEL_RANGE, lang)
    h = ui.integer(h, t(f"{prefix}_h", lang), *ac.SIZE_RANGE, lang)
    w = ui.integer(w, t(f"{prefix}_w", lang), *ac.SIZE_RANGE, lang)
    return c, h, w


def on_inception(c, h, w, lang):
    r = ac.inception_block(*_shape_inputs(c, h, w, lang))
    return inception_figure(r, lang), branch_markdown(r, lang), why_markdown(lang)


def on_residual(c, h, w, lang):
    r = ac.residual_block(*_shape_inputs(c, h, w, lang, "ac_res_in"))
    return residual_figure(r, lang), residual_markdown(r, lang)


def _grad_inputs(depth, activation, seed, lang):
    depth = ui.integer(depth, t("ac_depth", lang), *ac.DEPTH_RANGE, lang)
    activation = ui.choice(activation, t("ac_activation", lang), ac.ACTIVATIONS, lang)
    seed = ui.integer(seed, t("ac_seed", lang), 0, 2**31 - 1, lang)
    return depth, activation, seed


def on_gradient(depth, activation, seed, lang):
    g = ac.gradient_flow(*_grad_inputs(depth, activation, seed, lang))
    return gradient_figure(g, lang), gradient_markdown(g, lang)


def on_models(lang):
    return models_markdown(lang)


def on_race(depth, activation, seed, epochs, lang):
    """Stream both loss curves; a frame at most every 0.2 s, the run stretched to about 3 s."""
    depth, activation, seed = _grad_inputs(depth, activation, seed, lang)
    epochs = ui.integer(epochs, t("ac_epochs", lang), *ac.EPOCH_RANGE, lang)
    race = new_race(depth, activation, epochs)
    race["status"] = "running"
    yield race_outputs(race, lang)
    batches = math.ceil(6000 / ac.TRAIN_BATCH)
    pacer = live.Pacer(epochs * batches, frames=30, min_seconds=3.0, budget=live.TRAIN_SECONDS)
    window = {"plain": [], "residual": []}
    for ev in ac.train_race(depth, activation, epochs, seed):
        if ev["kind"] == "batch":
            race.update(epoch=ev["epoch"], batch=ev["batch"], batches=ev["batches"])
            for kind, value in ev["loss"].items():
                race["last"][kind] = value
                window[kind].append(value)
            if ev["batch"] % LOSS_EVERY == 0 or ev["batch"] == ev["batches"]:
                race["x"].append(ev["epoch"] - 1 + ev["batch"] / ev["batches"])
                for kind, values in window.items():
                    ok = [v for v in values if v is not None]
                    race["loss"][kind].append(sum(ok) / len(ok) if len(ok) == len(values) else None)
                    window[kind] = []
            step = (ev["epoch"] - 1) * batches + ev["batch"]
            if step < pacer.steps and pacer.due(step):
                yield race_outputs(race, lang)
                pacer.shown()
        else:
            race["acc"] = ev["acc"]
            if ev["epoch"] == epochs:
                race["status"] = "done"
                yield race_outputs(race, lang)
                return
            yield race_outputs(race, lang)
        if pacer.time_up():
            race.update(status="time_up", budget=pacer.budget)
            yield race_outputs(race, lang)
            return


def on_race_lang(race, lang):
    return race_outputs(race or new_race(), lang)


# ---- public API ----------------------------------------------------------------------------------------


def api_inception_block(channels: int, height: int, width: int) -> dict:
    """Shapes, parameters and multiplications of every branch of InceptionA(channels) on a C x H x W input."""
    r = ac.inception_block(*_shape_inputs(channels, height, width, None))
    return {
        "input": list(r["input"]),
        "output": list(r["output"]),
        "params": r["params"],
        "mults": r["mults"],
        "branches": [
            {
                "name": b["key"],
                "channels": b["channels"],
                "params": b["params"],
                "mults": b["mults"],
                "layers": [{"name": x["key"], "shape": list(x["shape"]), "params": x["params"]} for x in b["layers"]],
            }
            for b in r["branches"]
        ],
    }


def api_residual_block(channels: int, height: int, width: int) -> dict:
    """The op-by-op shapes of ResidualBlock(channels) on a C x H x W input, and its parameter count."""
    r = ac.residual_block(*_shape_inputs(channels, height, width, None, "ac_res_in"))
    return {
        "input": list(r["input"]),
        "output": list(r["output"]),
        "params": r["params"],
        "ops": [{"op": name, "shape": list(shape)} for name, shape in r["ops"]],
    }


def api_gradient_flow(depth: int, activation: str, seed: int) -> dict:
    """||dL/dW_l|| for every layer of the plain and the residual stack (float64), after one backward pass."""
    g = ac.gradient_flow(*_grad_inputs(depth, activation, seed, None))
    return {
        k: g[k] for k in ("depth", "activation", "seed", "plain", "residual", "plain_zero_f32", "residual_zero_f32")
    }


# ---- layout and wiring -------------------------------------------------------------------------------
# Each section redraws on every change of an input, the language included (so also when the tab is first shown).


def _shape_sliders(prefix: str, keys: tuple[str, str, str], default: tuple[int, int, int]):
    """Three sliders C, H, W; elem_ids {prefix}-c, -h, -w."""
    with gr.Row():
        ranges = (ac.CHANNEL_RANGE, ac.SIZE_RANGE, ac.SIZE_RANGE)
        return [
            gr.Slider(*rng, value=v, step=1, label=I18N(key), elem_id=f"{prefix}-{key[-1]}")
            for key, rng, v in zip(keys, ranges, default)
        ]


def _inception_section(lang: ui.TabLang) -> None:
    """The Inception block: input shape sliders, its diagram, the branches' shapes and why 1x1 convolutions."""
    gr.Markdown(I18N("ac_inc_head"))
    inc_in = _shape_sliders("ac-inc", ("ac_in_c", "ac_in_h", "ac_in_w"), ac.LECTURE_INCEPTION_INPUT)
    # Drawn when the tab is first shown (ui.on_inputs below): building the tab needs no torch.
    inc_plot = gr.Plot(show_label=False, elem_id="ac-inception")
    with gr.Row():
        with gr.Column(scale=3):
            inc_md = gr.Markdown(elem_id="ac-branches")
        with gr.Column(scale=2):
            why_md = gr.Markdown(elem_id="ac-why")
    ui.on_inputs(on_inception, [*inc_in, lang], [inc_plot, inc_md, why_md])


def _residual_section(lang: ui.TabLang) -> None:
    """The residual block: input shape sliders, its diagram and why the skip connection."""
    gr.Markdown(I18N("ac_res_head"))
    res_in = _shape_sliders("ac-res", ("ac_res_in_c", "ac_res_in_h", "ac_res_in_w"), ac.LECTURE_RESIDUAL_INPUT)
    res_plot = gr.Plot(show_label=False, elem_id="ac-residual")
    res_md = gr.Markdown(elem_id="ac-res-why")
    ui.on_inputs(on_residual, [*res_in, lang], [res_plot, res_md])


def _gradient_section(lang: ui.TabLang):
    """Gradient flow through a plain and a residual stack; returns (depth, activation, seed) for the race."""
    gr.Markdown(I18N("ac_grad_head"))
    gr.Markdown(I18N("ac_grad_intro"), elem_classes=["lecture-intro"])
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            depth = gr.Slider(*ac.DEPTH_RANGE, value=20, step=1, label=I18N("ac_depth"), elem_id="ac-depth")
            activation = gr.Radio(list(ac.ACTIVATIONS), value="sigmoid", label=I18N("ac_activation"), elem_id="ac-act")
            seed = gr.Number(0, precision=0, minimum=0, label=I18N("ac_seed"), elem_id="ac-seed")
            grad_md = gr.Markdown(elem_id="ac-grad-summary")
        with gr.Column(scale=2):
            grad_plot = gr.Plot(show_label=False, elem_id="ac-grad")
    ui.on_inputs(
        on_gradient,
        [depth, activation, seed, lang],
        [grad_plot, grad_md],
        concurrency_id="ac_grad",
        concurrency_limit=live.per_process(4),
    )
    return depth, activation, seed


def _race_panel():
    """The training race's layout; returns (epochs, start, stop, (plot, status, race state)). build wires it."""
    gr.Markdown(I18N("ac_race_head"))
    gr.Markdown(I18N("ac_race_intro"), elem_classes=["lecture-intro"])
    race0 = new_race()
    race = gr.State(race0)  # per user: the curves and status of the last race
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            epochs = gr.Slider(*ac.EPOCH_RANGE, value=3, step=1, label=I18N("ac_epochs"), elem_id="ac-epochs")
            with gr.Row():
                start = gr.Button(I18N("ac_train"), variant="primary", elem_id="ac-train")
                stop = gr.Button(I18N("ac_stop"), variant="stop", elem_id="ac-stop")
            race_md = gr.Markdown(race_text(race0, "en"), elem_id="ac-race-status")
        with gr.Column(scale=2):
            race_plot = gr.Plot(race_figure(race0, "en"), show_label=False, elem_id="ac-race")
    return epochs, start, stop, (race_plot, race_md, race)


def _models_section(lang: ui.TabLang) -> None:
    """The models' summary and the lecture's code."""
    gr.Markdown(I18N("ac_models_head"))
    models_md = gr.Markdown(elem_id="ac-models")
    ui.code_panel("inception", "residual", "gradient_flow")
    ui.on_inputs(on_models, [lang], [models_md])


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    _inception_section(lang)
    _residual_section(lang)
    depth, activation, seed = _gradient_section(lang)
    epochs, start, stop, (race_plot, race_md, race) = _race_panel()
    _models_section(lang)
    # the race is wired here, after the models' redraw: the events keep their order on a language change
    race_out = [race_plot, race_md, race]
    live.train_button(start, stop, on_race, [depth, activation, seed, epochs, lang], race_out, concurrency_id="ac_race")
    ui.on_inputs(on_race_lang, [race, lang], race_out, triggers=[lang])
    gr.api(api_inception_block, api_name="inception_block")
    gr.api(api_residual_block, api_name="residual_block")
    gr.api(
        offload.api(api_gradient_flow),
        api_name="gradient_flow",
        concurrency_limit=live.per_process(4),
        concurrency_id="ac_grad",
    )
