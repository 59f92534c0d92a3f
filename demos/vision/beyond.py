"""Hung-yi Lee, ML lecture 1 (P1): what machine learning must do besides being accurate, made
tangible on the pretrained digit models: explain, attack, say "I don't know", adapt, compress.
The computation lives in demos/vision/beyond_compute.py; this module is layout and wiring."""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import links, ui
from demos.i18n import I18N, built_keys, register, t
from demos.vision import beyond_compute as bc
from demos.vision import digits

LECTURE = ui.Lecture("beyond", "sec_vision", "by_tab", "by_source", "by_intro")

built_keys("by_g_*", "by_m_*", "by_s_*", "by_sh_*", "by_v_*")

register(
    {
        "by_tab": ("李宏毅 P1 超越准确率", "Lee P1 Beyond accuracy"),
        "by_source": (
            "**李宏毅 机器学习 2021 第1讲（P1）· 除了准确率，机器学习还要做到什么**",
            "**Hung-yi Lee, Machine Learning 2021 lecture 1 (P1) · What machine learning must do besides being accurate**",
        ),
        "by_intro": (
            "准确率高还不够。李宏毅老师在第一讲列出了更多要求：模型要能**解释**自己的判断，要**抵抗攻击**，遇到没见过的东西要会说"
            "“**我不知道**”，换了场景要能**适应**，还要能**压缩**到小设备上运行。下面用前面视觉课已训练好的手写数字模型，逐一动手试。"
            "先选一张测试数字（或自己画一个），再打开下面的五个小标签页。",
            "Being accurate is not enough. Hung-yi Lee's first lecture lists more: a model should **explain** its answer, "
            '**resist attacks**, say **"I don\'t know"** to things it has never seen, **adapt** to a new domain, and be '
            "**compressed** to run on small devices. Here are five of them, tried on the pretrained digit models of the "
            "vision tabs. Pick a test digit (or draw one), then open the five tabs below.",
        ),
        "by_model": ("模型", "model"),
        "by_index": ("测试数字编号（1,000 张中的第几张）", "test digit (index among the 1,000)"),
        "by_draw": ("或者自己画一个数字", "or draw a digit"),
        "by_pad": ("画板（画完一笔就更新）", "sketchpad (updates after each stroke)"),
        "by_input_title": ("输入", "input"),
        "by_pred": (
            "输入：{source}。**{model}** 认为是 **{digit}**（概率 {p:.1f}%）。",
            "Input: {source}. **{model}** reads **{digit}** (probability {p:.1f} %).",
        ),
        "by_src_test": ("测试数字 #{i}，真实标签 {label}", "test digit #{i}, true label {label}"),
        "by_src_drawing": ("你的画", "your drawing"),
        "by_err_image": (
            "图像必须是 28×28 个 0 到 1 之间的有限数字。",
            "The image must be 28×28 finite numbers between 0 and 1.",
        ),
        # 1. explain
        "by_xai_tab": ("① 可解释性", "① Explain"),
        "by_xai_intro": (
            "**可解释 AI：模型看的是哪里？** 显著图给每个像素一个分数：它对某一类的 logit z_c 有多重要。"
            "**输入梯度** ∂z_c/∂x：这个像素变亮一点，z_c 变多少。**积分梯度**：从白纸（全 0）沿直线走到这张图，"
            "把一路上的梯度平均再乘以 (x − 0)，所有像素的分数加起来正好等于 z_c(x) − z_c(白纸)。**遮挡**：把一个 6×6 方块涂白，看 z_c 掉多少。"
            "红色 = 支持这一类，蓝色 = 反对。左边是模型预测的类，右边是你选的类。",
            "**Explainable AI: where does the model look?** A saliency map scores every pixel by how much it matters "
            "to the logit z_c of a class. **Input gradient** ∂z_c/∂x: how much z_c changes when this pixel gets a little "
            "brighter. **Integrated gradients**: walk in a straight line from blank paper (all 0) to the image, average "
            "the gradients along the way and multiply by (x − 0); the scores of all pixels add up to exactly z_c(x) − "
            "z_c(blank). **Occlusion**: blank a 6×6 patch and see how much z_c drops. Red = for the class, blue = against "
            "it. Left: the predicted class; right: a class you pick.",
        ),
        "by_xai_method": ("方法", "method"),
        "by_m_gradient": ("输入梯度", "input gradient"),
        "by_m_integrated": ("积分梯度", "integrated gradients"),
        "by_m_occlusion": ("遮挡", "occlusion"),
        "by_xai_class": ("要解释的另一类", "another class to explain"),
        "by_xai_pred_title": ("预测类 {c}", "predicted class {c}"),
        "by_xai_pick_title": ("所选类 {c}", "chosen class {c}"),
        "by_xai_sum": (
            "预测类 {c}：显著图总和 {s:.3f}；z_{c}(x) − z_{c}(白纸) = {d:.3f}（积分梯度的完备性：两者应几乎相等）。",
            "predicted class {c}: the map sums to {s:.3f}; z_{c}(x) − z_{c}(blank) = {d:.3f} (integrated gradients' "
            "completeness: the two should nearly agree).",
        ),
        "by_xai_max": (
            "预测类 {c} 显著图的最大绝对值 {m:.3g}；所选类 {k} 的 {n:.3g}。",
            "largest |score| for the predicted class {c}: {m:.3g}; for the chosen class {k}: {n:.3g}.",
        ),
        # 2. attack
        "by_atk_tab": ("② 对抗攻击", "② Attack"),
        "by_atk_intro": (
            "**模型攻击：肉眼看不出的改动，让模型改口。** FGSM（快速梯度符号法）把每个像素朝着让损失变大的方向推 ε："
            "x′ = clip(x + ε·sign(∇ₓ 损失), 0, 1)，所以改动的最大幅度正好是 ε（像素取值 0–1）。迭代 FGSM 走 10 小步，每步后再投影回 ε 范围内，"
            "通常用更小的 ε 就能成功。选一个目标类，就改为让那一类的损失变小（定向攻击）。中间那张图把改动放大显示：红 = 变亮，蓝 = 变暗。",
            "**Model attack: a change you can hardly see makes the model change its mind.** FGSM (fast gradient sign "
            "method) pushes every pixel by ε in the direction that raises the loss: x′ = clip(x + ε·sign(∇ₓ loss), 0, 1), "
            "so the largest change of any pixel is exactly ε (pixels run from 0 to 1). Iterated FGSM takes 10 small steps, "
            "each projected back into the ε-box, and usually succeeds with a smaller ε. Pick a target class to lower that "
            "class's loss instead (a targeted attack). The middle picture shows the change magnified: red = brighter, blue = darker.",
        ),
        "by_eps": ("攻击强度 ε", "attack strength ε"),
        "by_atk_method": ("攻击方法", "attack"),
        "by_atk_target": ("目标类（无 = 只要改口就算成功）", "target class (none = any other answer)"),
        "by_none": ("无", "none"),
        "by_atk_orig": ("原图", "original"),
        "by_atk_delta": ("改动 ×{k:.0f}（最大 {m:.3f}）", "change ×{k:.0f} (max {m:.3f})"),
        "by_atk_adv": ("攻击后", "attacked"),
        "by_atk_pred": (
            "ε = {eps:.3f}（{method}）：原来认作 **{a}**（{pa:.1f}%）→ 现在认作 **{b}**（{pb:.1f}%）。",
            "ε = {eps:.3f} ({method}): read as **{a}** ({pa:.1f} %) → now **{b}** ({pb:.1f} %).",
        ),
        "by_atk_flipped": ("**攻击成功，预测变了！**", "**The attack worked: the prediction flipped!**"),
        "by_atk_hit": ("**攻击成功：命中目标类！**", "**The attack worked: it hit the target class!**"),
        "by_atk_held": ("模型还没改口。", "The model holds on."),
        "by_atk_min": (
            "能让攻击成功的最小 ε（在 32 个强度的网格上找到第一个成功的，再二分 12 次）：**{eps:.4f}**，"
            "约为一个像素灰度范围的 {pct:.1f}%。",
            "The smallest ε that succeeds (the first success on a grid of 32 strengths, then 12 bisections): "
            "**{eps:.4f}**, about {pct:.1f} % of a pixel's range.",
        ),
        "by_atk_min_none": (
            "在 ε ≤ {max} 内没有找到能成功的攻击。",
            "No attack with ε ≤ {max} succeeds.",
        ),
        "by_atk_min_zero": ("模型本来就认作目标类。", "The model already reads the target class."),
        "by_atk_curve": ("随 ε 变化的概率", "Probability against ε"),
        "by_atk_p_pred": ("原预测 {c} 的概率", "p(original answer {c})"),
        "by_atk_p_target": ("目标类 {c} 的概率", "p(target {c})"),
        "by_atk_now": ("当前 ε", "current ε"),
        # 3. I don't know
        "by_ood_tab": ("③ 说“我不知道”", '③ "I don\'t know"'),
        "by_ood_intro": (
            "**异常检测：不是数字的东西，模型要拒绝回答。** 分类器总会在 10 个数字里挑一个。给它一个分数，低于阈值就说“我不知道”："
            "**最大 softmax 概率**（MSP）、**能量** logsumexp(z)（越大越像见过的数据），或**三个模型平均概率的最大值**（集成）。"
            "下面的图库有字母、图形、噪声、空白（应被拒绝，**检测率**越高越好）和真正的测试数字（被拒绝就是**误报**）。"
            "检测率和误报率都在 46 个非数字和 1,000 张测试数字上计算。你会看到：单个模型对很多字母和噪声也“很自信”。",
            "**Anomaly detection: things that are not digits should get no answer.** A classifier always picks one of the "
            '10 digits. Give it a score and say "I don\'t know" below a threshold: the **maximum softmax probability** '
            "(MSP), the **energy** score logsumexp(z) (higher = more like the training data), or the **ensemble**: the "
            "largest of the three models' mean probabilities. The gallery holds letters, shapes, noise and blanks (they "
            "should be rejected: the **detection rate**) and real test digits (rejecting one is a **false alarm**). Both "
            'rates are computed over the 46 non-digits and the 1,000 test digits. You will see one model is "sure" of '
            "many letters and much noise.",
        ),
        "by_ood_method": ("分数", "score"),
        "by_s_msp": ("最大 softmax 概率", "max softmax probability"),
        "by_s_energy": ("能量 logsumexp(z)", "energy logsumexp(z)"),
        "by_s_ensemble": ("三模型集成", "ensemble of three models"),
        "by_threshold": ("阈值：分数低于它就拒绝", "threshold: reject below it"),
        "by_ood_rates": (
            "阈值 {thr:.3g}：**检测率 {det:.1f}%**（{nd} 个非数字中拒绝 {nr} 个），**误报率 {fa:.1f}%**"
            "（1,000 张测试数字中拒绝 {fr} 张）。你的输入得分 {s:.3g} → {verdict}。",
            "Threshold {thr:.3g}: **detection rate {det:.1f} %** ({nr} of {nd} non-digits rejected), **false-alarm "
            "rate {fa:.1f} %** ({fr} of the 1,000 test digits rejected). Your input scores {s:.3g} → {verdict}.",
        ),
        "by_reject": ("“我不知道”", '"I don\'t know"'),
        "by_accept": ("作答", "answered"),
        "by_gallery_title": (
            "图库：绿色 = 作答，红色 = 拒绝（后两行是真正的测试数字）",
            "Gallery: green = answered, red = rejected (the last rows are real test digits)",
        ),
        "by_g_circle": ("圆", "circle"),
        "by_g_square": ("方框", "square"),
        "by_g_triangle": ("三角", "triangle"),
        "by_g_star": ("星", "star"),
        "by_g_cross": ("十字", "cross"),
        "by_g_grid": ("井字", "grid"),
        "by_g_spiral": ("螺旋", "spiral"),
        "by_g_smiley": ("笑脸", "smiley"),
        "by_g_heart": ("心形", "heart"),
        "by_g_arrow": ("箭头", "arrow"),
        "by_g_noise": ("噪声", "noise"),
        "by_g_salt": ("椒盐", "salt"),
        "by_g_blank": ("空白", "blank"),
        "by_g_filled": ("涂满", "filled"),
        "by_ood_curve": ("检测率与误报率", "Detection vs false alarms"),
        "by_thr_axis": ("阈值", "threshold"),
        "by_detection": ("检测率（非数字被拒）", "detection (non-digits rejected)"),
        "by_false_alarm": ("误报率（数字被拒）", "false alarms (digits rejected)"),
        # 4. domain
        "by_dom_tab": ("④ 领域适应", "④ Adapt"),
        "by_dom_intro": (
            "**领域适应：同样的数字，换了样子。** 训练数据是黑底白字、笔画粗细适中、摆正的数字。把 1,000 张测试数字**反色**、"
            "放在**彩色背景**上（模型只看灰度：背景变成一层灰）、把笔画**变细**或**变粗**（3×3 灰度腐蚀 / 膨胀）、**旋转 45°**，"
            "准确率会怎样？再从新领域取每类几张训练图，把模型的副本**微调**几十步（Adam，全批量），看准确率回来多少，以及原来的干净数字还认得多少。",
            "**Domain adaptation: the same digits, looking different.** The training digits are white on black, of "
            "middling stroke width and upright. What happens to the accuracy on the 1,000 test digits when they are "
            "**inverted**, put on a **coloured background** (the model sees grey: the background becomes a grey wash), "
            "drawn **thinner** or **thicker** (3×3 grey erosion / dilation) or **rotated 45°**? Then take a few training "
            "digits per class from the new domain, **fine-tune** a copy of the model for a few dozen steps (Adam, full "
            "batch) and see how much accuracy comes back, and how well it still reads clean digits.",
        ),
        "by_shift": ("新领域", "new domain"),
        "by_sh_none": ("原样", "original"),
        "by_sh_invert": ("反色", "inverted"),
        "by_sh_background": ("彩色背景", "coloured background"),
        "by_sh_thin": ("细笔画", "thin strokes"),
        "by_sh_thick": ("粗笔画", "thick strokes"),
        "by_sh_rotate": ("旋转 45°", "rotated 45°"),
        "by_per_class": ("每类样本数", "examples per class"),
        "by_steps": ("微调步数", "fine-tuning steps"),
        "by_finetune": ("▶ 在新领域上微调", "▶ Fine-tune on the new domain"),
        "by_measure": ("测量每个领域的准确率", "Measure accuracy per domain"),
        "by_dom_acc_title": ("{model} 在 1,000 张测试数字上的准确率", "Accuracy of {model} on the 1,000 test digits"),
        "by_dom_before": ("原模型", "original model"),
        "by_dom_after": ("微调后（各自领域）", "fine-tuned (each on its domain)"),
        "by_dom_idle": (
            "按“测量”查看每个领域的准确率（第一次约几秒）。",
            "Press Measure to see the accuracy per domain (a few seconds the first time).",
        ),
        "by_dom_result": (
            "在 **{shift}** 上用 {n} 张图微调 {steps} 步（{sec:.1f} 秒）：该领域准确率 **{before:.1f}% → {after:.1f}%**；"
            "原始干净数字 {cb:.1f}% → {ca:.1f}%。损失 {l0:.3f} → {l1:.3f}。",
            "Fine-tuned on **{shift}** with {n} images for {steps} steps ({sec:.1f} s): accuracy on that domain "
            "**{before:.1f} % → {after:.1f} %**; on the clean digits {cb:.1f} % → {ca:.1f} %. Loss {l0:.3f} → {l1:.3f}.",
        ),
        # 5. compression
        "by_cmp_tab": ("⑤ 网络压缩", "⑤ Compress"),
        "by_cmp_intro": (
            "**网络压缩：更小、更快，几乎一样准。** 拿最好的 CNN（best_cnn）："
            "**动态 int8 量化**只把全连接层的权重存成 8 位整数，激活值在运行时再量化；**静态 int8 量化**把卷积层和全连接层的权重和激活都变成 8 位"
            "（先用 256 张训练图校准每层的取值范围，批归一化并入卷积）；**剪枝**把所有卷积和全连接权重中绝对值最小的那部分置零（全局幅值剪枝）。"
            "零不会让 torch.save 的文件变小，但 gzip 压缩后会变小。大小、参数量、单张图的 CPU 延迟（50 次的中位数，单线程）和 1,000 张测试数字上的"
            "准确率都在这台机器上现场测量。",
            "**Network compression: smaller, faster, nearly as accurate.** Take the best CNN (best_cnn): **dynamic int8 "
            "quantisation** stores only the linear layer's weights as 8-bit integers and quantises activations on the "
            "fly; **static int8 quantisation** makes the weights and activations of every conv and linear layer 8-bit "
            "(each layer's range calibrated on 256 training digits first, batch norm folded into the convs); **pruning** "
            "zeroes the smallest-magnitude share of all conv and linear weights (global magnitude pruning). Zeros do not "
            "shrink torch.save's file, but they shrink it after gzip. Size, parameters, CPU latency of one digit (median "
            "of 50 runs, one thread) and accuracy on the 1,000 test digits are measured live on this machine.",
        ),
        "by_sparsity": ("剪枝比例（置零的权重占比）", "pruning sparsity (share of weights set to zero)"),
        "by_cmp_run": ("▶ 测量", "▶ Measure"),
        "by_cmp_idle": (
            "按“测量”现场测量（第一次约 5–10 秒）。",
            "Press Measure to measure live (5-10 s the first time).",
        ),
        "by_cmp_head": (
            "| 模型 | 参数（非零） | torch.save 大小 | gzip 后 | 单张延迟 | 1,000 张用时 | 准确率 |\n|---|---|---|---|---|---|---|",
            "| model | parameters (non-zero) | torch.save size | after gzip | latency, 1 digit | 1,000 digits | accuracy |\n"
            "|---|---|---|---|---|---|---|",
        ),
        "by_v_fp32": ("原模型 fp32", "original fp32"),
        "by_v_dynamic_int8": ("动态 int8（全连接层）", "dynamic int8 (linear)"),
        "by_v_static_int8": ("静态 int8（卷积 + 全连接）", "static int8 (conv + linear)"),
        "by_v_pruned": ("剪枝 {s:.0f}%", "pruned {s:.0f} %"),
        "by_v_pruned_int8": ("剪枝 {s:.0f}% + 静态 int8", "pruned {s:.0f} % + static int8"),
        "by_cmp_note": (
            "量化引擎：{engine}。每个设置在本机第一次请求时测量一次并缓存；机器由多人共用，延迟会有波动。",
            "Quantisation engine: {engine}. Each setting is measured on this machine the first time it is asked "
            "for, then cached; the machine is shared, so latency varies.",
        ),
    }
)

# Gradio's pad starts with no tool: twice a second pick the brush when the pad shows and has none
MODEL_CHOICES = [(m, m) for m in bc.MODELS]
DEFAULT_MODEL = "best_cnn"
N_TEST = 1000
GALLERY_DIGITS = 14  # test digits shown in the "I don't know" gallery beside the non-digits


# ---- input ------------------------------------------------------------------------


def check_image(image, lang: str | None) -> np.ndarray:
    """A (28, 28) list/array of finite floats in [0, 1], or a gr.Error."""
    try:
        a = np.asarray(image, dtype=np.float64)
    except (TypeError, ValueError):
        raise ui.user_error("by_err_image", lang) from None
    if a.shape != (28, 28) or not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
        raise ui.user_error("by_err_image", lang)
    return a.astype(np.float32)


def test_image(index: int) -> dict:
    x, y = bc.test_set()
    return {"image": x[index].tolist(), "source": "test", "index": int(index), "label": int(y[index])}


def pad_image(pad) -> dict | None:
    """A sketchpad value -> the MNIST-style input, or None when it holds no ink."""
    pre = digits.preprocess(digits.to_ink(pad))
    return None if pre is None else {"image": pre.image.tolist(), "source": "drawing"}


def heat(z, colorscale="Greys", zmin=0.0, zmax=1.0, opacity=1.0) -> go.Heatmap:
    """A 28x28 image as a heatmap: ink dark on white by default; signed maps use RdBu_r on [-1, 1]."""
    return go.Heatmap(
        z=z, colorscale=colorscale, zmin=zmin, zmax=zmax, showscale=False, opacity=opacity, hoverinfo="skip"
    )


def image_row(panels: list[tuple[str, list]], height: int = 330, gap: float = 0.03) -> go.Figure:
    """1 x n square panels of 28x28 heatmap stacks, axes hidden, titled above; built in one step
    (make_subplots and per-axis updates cost ~30 ms a figure, and the epsilon slider redraws one)."""
    n = len(panels)
    width = (1 - gap * (n - 1)) / n  # each panel's share of the width
    base = ui.layout()
    hidden = {"visible": False, "fixedrange": True, "constrain": "domain"}
    data, axes, titles = [], {}, []
    for k, (title, traces) in enumerate(panels):
        s = "" if k == 0 else str(k + 1)  # axis suffix: x, x2, x3, ...
        left = k * (width + gap)
        data += [tr.update(xaxis=f"x{s}", yaxis=f"y{s}") for tr in traces]
        axes[f"xaxis{s}"] = {**base["xaxis"], "anchor": f"y{s}", "domain": [left, left + width], **hidden}
        axes[f"yaxis{s}"] = {**base["yaxis"], "anchor": f"x{s}", "domain": [0.0, 1.0], **hidden}
        axes[f"yaxis{s}"].update(autorange="reversed", scaleanchor=f"x{s}")
        titles.append({"text": title, "x": left + width / 2, "y": 1.0, "xref": "paper", "yref": "paper"})
        titles[-1].update(xanchor="center", yanchor="bottom", showarrow=False, font={"size": 17})
    margin = {"l": 10, "r": 10, "t": 50, "b": 10}
    return ui.figure(data, height=height, margin=margin, annotations=titles, **axes)


def input_figure(image) -> go.Figure:
    return image_row([("28 × 28", [heat(image)])], height=260)


def prediction_text(state: dict, model: str, lang: str) -> str:
    p = bc.predict(model, np.asarray(state["image"], np.float32))
    d = int(np.argmax(p))
    if state["source"] == "test":
        source = t("by_src_test", lang, i=state["index"], label=state["label"])
    else:
        source = t("by_src_drawing", lang)
    return t("by_pred", lang, source=source, model=model, digit=d, p=100 * p[d])


# ---- 1. explain ------------------------------------------------------------------


def xai_outputs(state: dict, model: str, method: str, pick: int, lang: str):
    image = np.asarray(state["image"], np.float32)
    pred = int(np.argmax(bc.predict(model, image)))
    maps = [bc.saliency(model, image, c, method) for c in (pred, pick)]
    panels = [(t("by_input_title", lang), [heat(image)])]
    for title, c, s in zip(("by_xai_pred_title", "by_xai_pick_title"), (pred, pick), maps):
        m = float(np.abs(s).max()) or 1.0
        panels.append(
            (
                t(title, lang, c=c),
                [heat(image, opacity=0.45), heat(s / m, "RdBu_r", -1.0, 1.0, opacity=0.8)],
            )
        )
    fig = image_row(panels)
    if method == "integrated":
        z = bc.logit(model, np.stack([image, np.zeros_like(image)]), pred)
        text = t("by_xai_sum", lang, c=pred, s=float(maps[0].sum()), d=float(z[0] - z[1]))
    else:
        text = t("by_xai_max", lang, c=pred, m=float(np.abs(maps[0]).max()), k=pick, n=float(np.abs(maps[1]).max()))
    return fig, text


# ---- 2. attack -------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _smallest(model: str, image_bytes: bytes, target: int | None, steps: int) -> dict:
    image = np.frombuffer(image_bytes, np.float32).reshape(28, 28)
    return bc.smallest_eps(model, image, target, steps)


def attack_outputs(state: dict, model: str, eps: float, steps: int, target: int | None, lang: str):
    image = np.asarray(state["image"], np.float32)
    r = bc.fgsm(model, image, eps, target, steps)
    m = float(np.abs(r["delta"]).max())
    k = 1.0 / max(m, 1e-9) if m > 0 else 1.0
    panels = [
        (t("by_atk_orig", lang), [heat(image)]),
        (t("by_atk_delta", lang, k=k if m > 0 else 1, m=m), [heat(r["delta"] * k, "RdBu_r", -1.0, 1.0)]),
        (t("by_atk_adv", lang), [heat(r["adv"])]),
    ]
    fig = image_row(panels)
    if eps == 0:
        verdict = t("by_atk_held", lang)
    elif r["success"]:
        verdict = t("by_atk_flipped" if target is None else "by_atk_hit", lang)
    else:
        verdict = t("by_atk_held", lang)
    a, b = r["pred_before"], r["pred_after"]
    method = "FGSM" if steps == 1 else f"I-FGSM ×{steps}"
    text = t("by_atk_pred", lang, eps=eps, method=method, a=a, pa=100 * r["before"][a], b=b, pb=100 * r["after"][b])
    text += " " + verdict
    s = _smallest(model, image.tobytes(), target, steps)
    if s["eps"] is None:
        min_text = t("by_atk_min_none", lang, max=bc.EPS_MAX)
    elif s["eps"] == 0:
        min_text = t("by_atk_min_zero", lang)
    else:
        min_text = t("by_atk_min", lang, eps=s["eps"], pct=100 * s["eps"])
    return fig, text, min_text, attack_curve(s, eps, target, lang)


def attack_curve(s: dict, eps: float, target: int | None, lang: str) -> go.Figure:
    fig = go.Figure()
    grid = s["grid"].tolist()
    fig.add_trace(go.Scatter(x=grid, y=s["p_pred"].tolist(), name=t("by_atk_p_pred", lang, c=s["pred"])))
    if target is not None and s["p_target"] is not None:
        fig.add_trace(go.Scatter(x=grid, y=s["p_target"].tolist(), name=t("by_atk_p_target", lang, c=target)))
    ui.style(fig, t("by_atk_curve", lang), "ε", "p", height=320)
    fig.add_vline(x=eps, line={"dash": "dot", "color": "#555"}, annotation_text=t("by_atk_now", lang))
    if s["eps"]:
        fig.add_vline(
            x=s["eps"],
            line={"color": ui.COLORS[1]},
            annotation_text=f"{s['eps']:.3f}",
            annotation_position="bottom right",
        )
    fig.update_traces(mode="lines+markers", line={"width": 3})
    fig.update_yaxes(range=[0, 1.05])
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return fig


# ---- 3. I don't know -------------------------------------------------------------


def threshold_slider(method: str, model: str) -> dict:
    """Range and default of the threshold for a score: probabilities in [0, 1]; energy spans its scores."""
    if method == "energy":
        d, o = bc.ood_scores(model, method)
        lo, hi = float(np.floor(min(d.min(), o.min()))), float(np.ceil(max(d.max(), o.max())))
        return {"minimum": lo, "maximum": hi, "value": float(np.round(np.quantile(d, 0.02), 1)), "step": 0.1}
    return {"minimum": 0.0, "maximum": 1.0, "value": bc.MSP_THRESHOLD, "step": 0.01}


def ood_outputs(state: dict, model: str, method: str, threshold: float, lang: str):
    d, o = bc.ood_scores(model, method)
    r = bc.rates(d, o, threshold)
    images, _, names = bc.non_digits()
    x, y = bc.test_set()
    pick = np.linspace(0, N_TEST - 1, GALLERY_DIGITS).astype(int)
    tiles = [(im, gallery_name(name, lang), s) for im, name, s in zip(images, names, o)]
    tiles += [(x[i], f"#{i}: {y[i]}", d[i]) for i in pick]
    fig = gallery_figure(tiles, threshold, lang)
    mine = float(bc.scores(model, np.asarray(state["image"], np.float32)[None], method)[0])
    text = t(
        "by_ood_rates",
        lang,
        thr=threshold,
        det=100 * r["detection"],
        nd=len(o),
        nr=int((o < threshold).sum()),
        fa=100 * r["false_alarm"],
        fr=int((d < threshold).sum()),
        s=mine,
        verdict=t("by_reject" if mine < threshold else "by_accept", lang),
    )
    return fig, text, ood_curve(d, o, threshold, lang)


def gallery_name(name: str, lang: str) -> str:
    """A gallery item's name in the user's language: letters stay, shapes and noise are translated."""
    word, _, number = name.partition(" ")
    if len(name) == 1:
        return name
    return t(f"by_g_{word}", lang) + (f" {number}" if number else "")


def gallery_figure(tiles, threshold: float, lang: str, cols: int = 10) -> go.Figure:
    """Each tile: the image, its name and score, green when answered, red when rejected."""
    cell, head = 30, 22
    rows = -(-len(tiles) // cols)
    mosaic = np.zeros((rows * (cell + head), cols * cell))
    notes, boxes = [], []  # passed in one step: Plotly's add_annotation/add_shape cost O(n) each
    for k, (im, name, s) in enumerate(tiles):
        r, c = divmod(k, cols)
        top = r * (cell + head) + head
        mosaic[top : top + 28, c * cell : c * cell + 28] = im
        color = ui.COLORS[1] if s < threshold else ui.COLORS[2]
        notes.append({"x": c * cell + 13.5, "y": top - 11, "text": f"{name}<br>{s:.2f}", "showarrow": False})
        notes[-1]["font"] = {"size": 12, "color": color}
        boxes.append({"type": "rect", "x0": c * cell - 1, "x1": c * cell + 28, "y0": top - 1, "y1": top + 28})
        boxes[-1]["line"] = {"color": color, "width": 2}
    axes = {
        "xaxis": {"visible": False, "range": [-2, cols * cell], "fixedrange": True},
        "yaxis": {"visible": False, "autorange": "reversed", "scaleanchor": "x", "fixedrange": True},
    }
    margin = {"l": 10, "r": 10, "t": 50, "b": 10}
    title = t("by_gallery_title", lang)
    return ui.figure(
        [heat(mosaic)],
        title,
        height=110 + 85 * rows,
        title_size=17,
        annotations=notes,
        shapes=boxes,
        margin=margin,
        **axes,
    )


def ood_curve(d, o, threshold: float, lang: str) -> go.Figure:
    lo, hi = float(min(d.min(), o.min())), float(max(d.max(), o.max()))
    ts = np.linspace(lo, hi + 1e-9, 101)
    det = [100 * np.mean(o < v) for v in ts]
    fa = [100 * np.mean(d < v) for v in ts]
    fig = go.Figure(
        [
            go.Scatter(x=ts, y=det, name=t("by_detection", lang), line={"width": 3, "color": ui.COLORS[2]}),
            go.Scatter(x=ts, y=fa, name=t("by_false_alarm", lang), line={"width": 3, "color": ui.COLORS[1]}),
        ]
    )
    ui.style(fig, t("by_ood_curve", lang), t("by_thr_axis", lang), "%", height=400)
    fig.add_vline(x=threshold, line={"dash": "dot", "color": "#555"})
    fig.update_layout(legend={"x": 0.02, "y": 0.98, "bgcolor": "rgba(255,255,255,0.85)"})
    return fig


# ---- 4. domain -------------------------------------------------------------------


def domain_examples(state: dict, lang: str) -> go.Figure:
    image = np.asarray(state["image"], np.float32)
    panels = [(t(f"by_sh_{s}", lang), [heat(bc.shift(image[None], s, seed=1)[0])]) for s in bc.SHIFTS]
    return image_row(panels, height=260)


def domain_figure(model: str, after: dict, lang: str) -> go.Figure:
    acc = bc.shift_accuracies(model)
    names = [t(f"by_sh_{s}", lang).replace(" ", "<br>", 1) for s in bc.SHIFTS]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=[100 * acc[s] for s in bc.SHIFTS],
            name=t("by_dom_before", lang),
            marker_color=ui.COLORS[0],
            text=[f"{100 * acc[s]:.1f}" for s in bc.SHIFTS],
            textposition="outside",
        )
    )
    mine = after.get(model, {})
    if mine:
        fig.add_trace(
            go.Bar(
                x=names,
                y=[100 * mine[s] if s in mine else None for s in bc.SHIFTS],
                name=t("by_dom_after", lang),
                marker_color=ui.COLORS[2],
                text=[f"{100 * mine[s]:.1f}" if s in mine else "" for s in bc.SHIFTS],
                textposition="outside",
            )
        )
    ui.style(fig, t("by_dom_acc_title", lang, model=model), "", "%", height=400)
    fig.update_xaxes(tickfont={"size": 14}, tickangle=0)
    fig.update_yaxes(range=[0, 112])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    return fig


# ---- 5. compression --------------------------------------------------------------


def compression_markdown(sparsity: float, lang: str) -> str:
    rows = bc.compression_table(sparsity)
    lines = [t("by_cmp_head", lang)]
    for r in rows:
        name = t(f"by_v_{r['variant']}", lang, s=100 * r["sparsity"])
        lines.append(
            f"| {name} | {r['params']:,} ({r['nonzero']:,}) | {r['bytes'] / 1024:.1f} KB | {r['gzip'] / 1024:.1f} KB "
            f"| {r['latency_ms']:.2f} ms | {r['batch_ms']:.0f} ms | {100 * r['accuracy']:.1f} % |"
        )
    torch = ui.torch_ready()
    return "\n".join(lines) + "\n\n" + t("by_cmp_note", lang, engine=torch.backends.quantized.engine)


# ---- events ----------------------------------------------------------------------


# The input before the tab is first shown: nothing is drawn from it until then.
NOT_SHOWN = {"image": np.zeros((28, 28)).tolist(), "source": "none"}


def on_index(index):
    i = ui.integer(index, "index", 0, N_TEST - 1, None)
    state = test_image(i)
    return state, input_figure(state["image"])


def on_first_show(index, state):
    """The tab's language arrives when it is first shown: load the chosen test digit then."""
    return on_index(index) if state["source"] == "none" else (gr.skip(), gr.skip())


def once_shown(n_outputs: int):
    """Skip a redraw of the input's views while the input is still NOT_SHOWN, or while its (inner)
    tab has not been shown (its language, the last argument, is still "")."""

    def wrap(fn):
        @functools.wraps(fn)
        def redraw(state, *args):
            if state["source"] == "none" or not args[-1]:
                return gr.skip() if n_outputs == 1 else (gr.skip(),) * n_outputs
            return fn(state, *args)

        return redraw

    return wrap


def on_pad(pad):
    new = pad_image(pad)
    if new is None:
        return gr.skip(), gr.skip()
    return new, input_figure(new["image"])


@once_shown(1)
def on_pred(state, model, lang):
    ui.choice(model, t("by_model", lang), bc.MODELS, lang)
    return prediction_text(state, model, lang)


@once_shown(2)
def on_xai(state, model, method, pick, lang):
    ui.choice(model, t("by_model", lang), bc.MODELS, lang)
    ui.choice(method, t("by_xai_method", lang), bc.SALIENCY_METHODS, lang)
    pick = ui.integer(pick, t("by_xai_class", lang), 0, 9, lang)
    return xai_outputs(state, model, method, pick, lang)


def _target(value, lang):
    return None if value in (None, "none", -1) else ui.integer(value, t("by_atk_target", lang), 0, 9, lang)


@once_shown(4)
def on_attack(state, model, eps, steps, target, lang):
    ui.choice(model, t("by_model", lang), bc.MODELS, lang)
    eps = ui.number(eps, t("by_eps", lang), 0.0, bc.EPS_MAX, lang)
    steps = ui.integer(steps, t("by_atk_method", lang), 1, bc.IFGSM_STEPS, lang)
    return attack_outputs(state, model, eps, steps, _target(target, lang), lang)


def on_ood_method(method, model, lang):
    ui.choice(method, t("by_ood_method", lang), bc.OOD_METHODS, lang)
    return gr.Slider(**threshold_slider(method, model))


@once_shown(3)
def on_ood(state, model, method, threshold, lang):
    ui.choice(model, t("by_model", lang), bc.MODELS, lang)
    ui.choice(method, t("by_ood_method", lang), bc.OOD_METHODS, lang)
    threshold = ui.number(threshold, t("by_threshold", lang), -1e6, 1e6, lang)
    return ood_outputs(state, model, method, threshold, lang)


@once_shown(1)
def on_domain_examples(state, lang):
    return domain_examples(state, lang)


def on_measure(model, after, lang):
    ui.choice(model, t("by_model", lang), bc.MODELS, lang)
    return domain_figure(model, after, lang), {**after, "_shown": True}


def on_domain_lang(model, after, lang):
    if not after.get("_shown"):
        return gr.skip()
    return domain_figure(model, after, lang)


def on_finetune(model, shift, per_class, steps, after, lang):
    ui.choice(model, t("by_model", lang), bc.MODELS, lang)
    ui.choice(shift, t("by_shift", lang), bc.SHIFTS, lang)
    per_class = ui.integer(per_class, t("by_per_class", lang), 1, 20, lang)
    steps = ui.integer(steps, t("by_steps", lang), 1, 100, lang)
    r = bc.finetune(model, shift, per_class, steps, 0)
    mine = {**after.get(model, {}), shift: r["after"]}
    after = {**after, model: mine, "_shown": True, "_last": (model, shift, per_class, steps)}
    return domain_figure(model, after, lang), finetune_text(r, shift, steps, lang), after


def finetune_text(r: dict, shift: str, steps: int, lang: str) -> str:
    return t(
        "by_dom_result",
        lang,
        shift=t(f"by_sh_{shift}", lang),
        n=r["examples"],
        steps=steps,
        sec=r["seconds"],
        before=100 * r["before"],
        after=100 * r["after"],
        cb=100 * r["clean_before"],
        ca=100 * r["clean_after"],
        l0=r["losses"][0],
        l1=r["losses"][-1],
    )


def on_finetune_lang(after, lang):
    last = after.get("_last")
    if not last:
        return t("by_dom_idle", lang)
    model, shift, per_class, steps = last
    return finetune_text(bc.finetune(model, shift, per_class, steps, 0), shift, steps, lang)


def on_compress(sparsity, lang):
    s = ui.number(sparsity, t("by_sparsity", lang), 0.0, 0.95, lang)
    return compression_markdown(round(s, 2), lang), True


def on_compress_lang(sparsity, shown, lang):
    if not shown:
        return t("by_cmp_idle", lang)
    return compression_markdown(round(float(sparsity), 2), lang)


# ---- public API ------------------------------------------------------------------


def api_attack(image: list[list[float]], model: str, eps: float, steps: int = 1, target: int = -1) -> dict:
    """FGSM (steps=1) or iterated FGSM on a 28x28 ink image in [0, 1]; target -1 = untargeted.
    The adversarial image, the predictions before and after and the smallest flipping epsilon."""
    x = check_image(image, None)
    ui.choice(model, "model", bc.MODELS, None)
    eps = ui.number(eps, "eps", 0.0, bc.EPS_MAX, None)
    steps = ui.integer(steps, "steps", 1, bc.IFGSM_STEPS, None)
    tgt = None if target == -1 else ui.integer(target, "target", 0, 9, None)
    r = bc.fgsm(model, x, eps, tgt, steps)
    s = _smallest(model, x.tobytes(), tgt, steps)
    return {
        "adv": r["adv"].tolist(),
        "pred_before": r["pred_before"],
        "pred_after": r["pred_after"],
        "success": bool(r["success"]),
        "max_change": float(np.abs(r["delta"]).max()),
        "smallest_eps": s["eps"],
    }


def api_ood(model: str, method: str = "msp", threshold: float = bc.MSP_THRESHOLD) -> dict:
    """Detection and false-alarm rates of a score at a threshold, over the non-digit gallery and 1,000 test digits."""
    ui.choice(model, "model", bc.MODELS, None)
    ui.choice(method, "method", bc.OOD_METHODS, None)
    threshold = ui.number(threshold, "threshold", -1e6, 1e6, None)
    d, o = bc.ood_scores(model, method)
    return bc.rates(d, o, threshold)


def api_compression(sparsity: float = 0.5) -> list[dict]:
    """The compression table of best_cnn, measured live: one dict per variant."""
    s = ui.number(sparsity, "sparsity", 0.0, 0.95, None)
    return [dict(r) for r in bc.compression_table(round(s, 2))]


# ---- layout ----------------------------------------------------------------------


# a heavy computation: two at a time, with the full progress bar
_HEAVY = {"concurrency_limit": 2, "api_visibility": "private", "show_progress": "full"}


def _input_panel(lang: ui.TabLang):
    """The model, the test digit or drawing, its picture and the prediction; returns (state, model)."""
    state = gr.State(NOT_SHOWN)  # per user: the current 28x28 input
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            model = gr.Radio(MODEL_CHOICES, value=DEFAULT_MODEL, label=I18N("by_model"), elem_id="by-model")
            index = gr.Slider(0, N_TEST - 1, value=0, step=1, label=I18N("by_index"), elem_id="by-index")
            with gr.Accordion(I18N("by_draw"), open=False):
                pad = gr.Sketchpad(
                    type="numpy",
                    label=I18N("by_pad"),
                    canvas_size=(280, 280),
                    brush=gr.Brush(colors=["#000000"], color_mode="fixed", default_size=20),
                    elem_id="by-pad",
                    elem_classes=[links.UNZOOMED],
                )
                gr.HTML("", js_on_load=ui.sketchpad_helpers_js("by-pad"), padding=False, elem_id="by-pick-brush")
            pred = gr.Markdown(elem_id="by-pred")
        with gr.Column(scale=1, min_width=240):
            input_plot = gr.Plot(show_label=False, elem_id="by-input")

    # the input: the test digit when the tab is first shown and on every index change; per stroke of the drawing
    ui.on_inputs(on_index, [index], [state, input_plot])
    ui.on_inputs(on_first_show, [index, state], [state, input_plot], triggers=[lang])
    ui.on_inputs(on_pad, [pad], [state, input_plot])
    ui.on_inputs(on_pred, [state, model, lang], pred)
    return state, model


def _explain_tab(state, model, lang: ui.TabLang) -> None:
    """① Explain: saliency maps of the predicted class and a chosen class."""
    with gr.Tab(I18N("by_xai_tab"), elem_id="by-tab-xai"):
        gr.Markdown(I18N("by_xai_intro"), elem_classes=["lecture-intro"])
        with gr.Row():
            xai_method = gr.Radio(
                [(I18N(f"by_m_{m}"), m) for m in bc.SALIENCY_METHODS],
                value="gradient",
                label=I18N("by_xai_method"),
                elem_id="by-xai-method",
            )
            xai_class = gr.Radio(
                [(str(c), c) for c in range(10)], value=3, label=I18N("by_xai_class"), elem_id="by-xai-class"
            )
        xai_plot = gr.Plot(show_label=False, elem_id="by-xai-plot")
        xai_text = gr.Markdown(elem_id="by-xai-text")
        ui.code_panel("beyond_saliency")
    ui.on_inputs(on_xai, [state, model, xai_method, xai_class, lang], [xai_plot, xai_text])


def _attack_tab(state, model, lang: ui.TabLang) -> None:
    """② Attack: (iterated) FGSM at a chosen ε, the smallest flipping ε and the probability against ε."""
    with gr.Tab(I18N("by_atk_tab"), elem_id="by-tab-attack") as tab:
        lang = ui.inner_tab_lang(tab, lang)
        gr.Markdown(I18N("by_atk_intro"), elem_classes=["lecture-intro"])
        with gr.Row():
            eps = gr.Slider(0, bc.EPS_MAX, value=0.0, step=0.005, label=I18N("by_eps"), elem_id="by-eps")
            steps = gr.Radio(
                [("FGSM", 1), (f"I-FGSM ×{bc.IFGSM_STEPS}", bc.IFGSM_STEPS)],
                value=1,
                label=I18N("by_atk_method"),
                elem_id="by-atk-steps",
            )
            target = gr.Dropdown(
                [(I18N("by_none"), "none")] + [(str(c), str(c)) for c in range(10)],
                value="none",
                label=I18N("by_atk_target"),
                elem_id="by-atk-target",
            )
        atk_text = gr.Markdown(elem_id="by-atk-pred")
        atk_plot = gr.Plot(show_label=False, elem_id="by-atk-plot")
        with gr.Row():
            atk_min = gr.Markdown(elem_id="by-atk-min")
            atk_curve = gr.Plot(show_label=False, elem_id="by-atk-curve")
        ui.code_panel("beyond_fgsm")
    ui.on_inputs(on_attack, [state, model, eps, steps, target, lang], [atk_plot, atk_text, atk_min, atk_curve])


def _anomaly_tab(state, model, lang: ui.TabLang) -> None:
    """③ "I don't know": a score and a threshold, the gallery of non-digits and the detection curve."""
    with gr.Tab(I18N("by_ood_tab"), elem_id="by-tab-ood") as tab:
        lang = ui.inner_tab_lang(tab, lang)
        gr.Markdown(I18N("by_ood_intro"), elem_classes=["lecture-intro"])
        with gr.Row():
            ood_method = gr.Radio(
                [(I18N(f"by_s_{m}"), m) for m in bc.OOD_METHODS],
                value="msp",
                label=I18N("by_ood_method"),
                elem_id="by-ood-method",
            )
            threshold = gr.Slider(
                0.0, 1.0, value=bc.MSP_THRESHOLD, step=0.01, label=I18N("by_threshold"), elem_id="by-threshold"
            )
        ood_text = gr.Markdown(elem_id="by-ood-rates")
        with gr.Row():
            ood_plot = gr.Plot(show_label=False, elem_id="by-ood-gallery", scale=3)
            ood_curve_plot = gr.Plot(show_label=False, elem_id="by-ood-curve", scale=2)
        ui.code_panel("beyond_ood")
    ui.on_inputs(on_ood_method, [ood_method, model, lang], threshold, triggers=[ood_method, model])
    ui.on_inputs(
        on_ood,
        [state, model, ood_method, threshold, lang],
        [ood_plot, ood_text, ood_curve_plot],
        triggers=[state, model, threshold, lang],
    )


def _domain_tab(state, model, lang: ui.TabLang) -> None:
    """④ Adapt: the shifted domains' examples, their accuracy, and fine-tuning on one of them."""
    with gr.Tab(I18N("by_dom_tab"), elem_id="by-tab-domain") as tab:
        lecture_lang, lang = lang, ui.inner_tab_lang(tab, lang)
        gr.Markdown(I18N("by_dom_intro"), elem_classes=["lecture-intro"])
        dom_examples = gr.Plot(show_label=False, elem_id="by-dom-examples")
        after = gr.State({})  # per user: fine-tuned accuracies {model: {shift: acc}}
        with gr.Row():
            with gr.Column(scale=2, min_width=280):
                shift = gr.Radio(
                    [(I18N(f"by_sh_{s}"), s) for s in bc.SHIFTS[1:]],
                    value="invert",
                    label=I18N("by_shift"),
                    elem_id="by-shift",
                )
                per_class = gr.Slider(1, 20, value=5, step=1, label=I18N("by_per_class"), elem_id="by-per-class")
                ft_steps = gr.Slider(1, 100, value=40, step=1, label=I18N("by_steps"), elem_id="by-ft-steps")
                with gr.Row():
                    measure = gr.Button(I18N("by_measure"), elem_id="by-measure")
                    tune = gr.Button(I18N("by_finetune"), variant="primary", elem_id="by-finetune")
                ft_text = gr.Markdown(t("by_dom_idle", "en"), elem_id="by-ft-text")
            with gr.Column(scale=3):
                dom_plot = gr.Plot(show_label=False, elem_id="by-dom-plot")
        ui.code_panel("beyond_domain")

    ui.on_inputs(on_domain_examples, [state, lang], dom_examples)
    # on select, the inner tab's own language arrives in the same moment: take the lecture tab's
    gr.on([measure.click, tab.select], on_measure, [model, after, lecture_lang], [dom_plot, after], **_HEAVY)
    tune.click(on_finetune, [model, shift, per_class, ft_steps, after, lang], [dom_plot, ft_text, after], **_HEAVY)
    # a new model or language redraws the accuracy chart only once this user has seen it
    ui.on_inputs(on_domain_lang, [model, after, lang], dom_plot, triggers=[model, lang], **_HEAVY)
    ui.on_inputs(on_finetune_lang, [after, lang], ft_text, triggers=[lang])


def _compress_tab(lang: ui.TabLang) -> None:
    """⑤ Compress: the live-measured table of best_cnn quantised and pruned."""
    with gr.Tab(I18N("by_cmp_tab"), elem_id="by-tab-compress") as tab:
        lang = ui.inner_tab_lang(tab, lang)
        gr.Markdown(I18N("by_cmp_intro"), elem_classes=["lecture-intro"])
        shown = gr.State(False)
        with gr.Row():
            sparsity = gr.Slider(0.0, 0.95, value=0.5, step=0.05, label=I18N("by_sparsity"), elem_id="by-sparsity")
            run = gr.Button(I18N("by_cmp_run"), variant="primary", elem_id="by-cmp-run")
        cmp_table = gr.Markdown(t("by_cmp_idle", "en"), elem_id="by-cmp-table")
        ui.code_panel("beyond_compress")
    gr.on([run.click, sparsity.release], on_compress, [sparsity, lang], [cmp_table, shown], **_HEAVY)
    ui.on_inputs(on_compress_lang, [sparsity, shown, lang], cmp_table, triggers=[lang])


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    state, model = _input_panel(lang)
    with gr.Tabs():
        _explain_tab(state, model, lang)
        _attack_tab(state, model, lang)
        _anomaly_tab(state, model, lang)
        _domain_tab(state, model, lang)
        _compress_tab(lang)
    gr.api(api_attack, api_name="beyond_attack")
    gr.api(api_ood, api_name="beyond_ood")
    gr.api(api_compression, api_name="beyond_compression")
