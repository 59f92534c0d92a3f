"""PyTorch lecture 10: draw a digit and watch three trained networks read it -- preprocessed
as MNIST was made (demos/vision/digits.py), with the input the model sees, the top-3 probabilities,
a warning for scribbles, and the feature maps and kernels of the CNNs."""

from __future__ import annotations

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import links, live, mnist_data, ui
from demos.classroom import activities, send
from demos.i18n import I18N, both, built_keys, register, t
from demos.vision import digits

LECTURE = ui.Lecture("draw_digit", "sec_vision", "dd_tab", "dd_source", "dd_intro")

built_keys("dd_conv?_title", "dd_model_*", "dd_name_*")

register(
    {
        "dd_tab": ("第10讲 手写数字识别", "L10 Draw a digit"),
        "dd_source": (
            "**刘二 PyTorch 第10讲 · 卷积网络读手写数字**：在画板上写一个数字，看训练好的网络怎么读它",
            "**Liu Er PyTorch lecture 10 · A CNN reads handwriting**: draw a digit and watch trained networks read it",
        ),
        "dd_intro": (
            "MNIST 的数字是这样做出来的：裁到笔迹的外框，保持长宽比缩放进 20×20 的方框（抗锯齿，所以边缘是灰的），"
            "再放进 28×28 的画面，使笔迹的**质心**落在 (14, 14)。直接把整张画布缩成 28×28 并不是这样，"
            "这正是很多“手写数字”演示认不准真实笔迹的原因。这里按同样的步骤处理你的画，另外把笔画粗细调到 MNIST 的中位数，"
            "于是画得偏、画得小、笔粗笔细都一样能认。右边是模型真正看到的 28×28 输入。每画完一笔就重新识别；"
            "三个模型（第9讲的全连接网络、第10讲的 CNN、一个更强的 CNN）平均起来对最高的数字也不到 90% 时，会提示“可能不是数字”。",
            "MNIST's digits were made like this: cropped to the ink, scaled into a 20×20 box keeping the aspect ratio "
            "(with anti-aliasing, hence the grey edges), and placed in a 28×28 field with the ink's **centre of mass** "
            "at (14, 14). Shrinking the whole canvas to 28×28 is not that, and is why many draw-a-digit demos misread real "
            "drawings. Your drawing goes through the same steps, plus one: the stroke width is brought to MNIST's median, so "
            "off-centre, small, thin or fat digits read as well as test digits. On the right is the 28×28 input the model "
            "really sees. Every stroke re-reads the drawing; when the three models (lecture 9's MLP, lecture 10's CNN and a "
            "stronger CNN), averaged, give their top digit less than 90 %, you are told it may be no digit.",
        ),
        "dd_pad": ("画板：写一个数字", "Draw a digit"),
        "dd_clear": ("清空画板", "Clear"),
        "dd_random": ("随机测试图", "A test digit"),
        "dd_model": ("模型", "Model"),
        "dd_model_mlp": ("全连接网络 MLP（第9讲）", "MLP (lecture 9)"),
        "dd_model_lecture_cnn": ("第10讲 CNN", "Lecture 10 CNN"),
        "dd_model_best_cnn": ("最佳 CNN（批归一化 + 数据增强）", "Best CNN (batch norm, augmentation)"),
        "dd_top3": ("最可能的 3 个数字", "Top 3 digits"),
        "dd_no_digit": ("没有数字", "no digit"),
        "dd_status_empty": (
            "**画板是空的**：没有笔迹就没有数字可认，不会去猜。用鼠标写一个 0–9 的数字吧。",
            "**The pad is empty**: no ink, so no digit to read, and no guess. Draw a digit 0-9 with the mouse.",
        ),
        "dd_status_sure": (
            "**{digit}**：三个模型一致，平均概率 {mean:.0%}。{votes}",
            "**{digit}**: the three models agree, {mean:.0%} on average. {votes}",
        ),
        "dd_status_unsure": (
            "⚠️ **没把握，这可能不是数字**：三个模型平均起来对最可能的数字 {digit} 只有 {mean:.0%}（低于 {thr:.0%}）。{votes} "
            "把 “{mine}” 当作猜测。",
            "⚠️ **Not sure; this may be no digit**: averaged, the three models give their top digit {digit} only "
            "{mean:.0%} (below {thr:.0%}). {votes} Take “{mine}” as a guess.",
        ),
        "dd_status_blob": (
            "⚠️ **这是一个点或一团墨，不是数字**：笔画宽到和整个图形差不多大（{stroke:.1f} 像素，20×20 方框里超过 {max:.0f}）。"
            "模型看它像个粗“0”，但别当真。{votes}",
            "⚠️ **A dot or a blob is not a digit**: its stroke is nearly as wide as the whole drawing ({stroke:.1f} px of "
            "the 20×20 box, over {max:.0f}). The models see a fat 0 in it; don't believe them. {votes}",
        ),
        "dd_votes": ("各模型：{items}。", "Each model: {items}."),
        "dd_name_mlp": ("MLP", "MLP"),
        "dd_name_lecture_cnn": ("第10讲 CNN", "lecture CNN"),
        "dd_name_best_cnn": ("最佳 CNN", "best CNN"),
        "dd_truth": (
            "测试图 #{i}，真实标签 **{label}**（可以在上面接着画）",
            "Test digit #{i}, true label **{label}** (draw over it if you like)",
        ),
        "dd_seen_title": ("模型看到的 28×28 输入", "What the model sees: 28×28"),
        "dd_seen_empty": ("（画板为空）", "(the pad is empty)"),
        "dd_com": ("质心", "centre of mass"),
        "dd_seen_caption": (
            "笔迹外框 {h}×{w} 像素 → ×{scale:.3g} → {bh}×{bw}；笔画粗细 {stroke:.1f} 像素{adjust}；质心 ({cy:.1f}, {cx:.1f})，目标 (14, 14)。",
            "ink box {h}×{w} px → ×{scale:.3g} → {bh}×{bw}; stroke {stroke:.1f} px{adjust}; centre of mass ({cy:.1f}, {cx:.1f}), target (14, 14).",
        ),
        "dd_thicken": ("，加粗到约 {target:.1f}", ", thickened to about {target:.1f}"),
        "dd_thin": ("，减细到约 {target:.1f}", ", thinned to about {target:.1f}"),
        "dd_conv1_title": (
            "conv1 特征图：{c} 张 {h}×{w}（ReLU 之后）<br><sup>{model}</sup>",
            "conv1 feature maps: {c} of {h}×{w} (after ReLU)<br><sup>{model}</sup>",
        ),
        "dd_conv2_title": (
            "conv2 特征图：{c} 张 {h}×{w}（ReLU 之后）<br><sup>{model}</sup>",
            "conv2 feature maps: {c} of {h}×{w} (after ReLU)<br><sup>{model}</sup>",
        ),
        "dd_kernels_title": (
            "学到的 conv1 卷积核：{c} 个 {k}×{k}<br><sup>{model} · 红为正，蓝为负</sup>",
            "Learned conv1 kernels: {c} of {k}×{k}<br><sup>{model} · red +, blue −</sup>",
        ),
        "dd_mlp_note": (
            "（MLP 没有卷积层）",
            "(the MLP has no convolutions)",
        ),
        "dd_maps_empty": ("画一个数字，看每个卷积核在哪里有响应", "Draw a digit to see where each kernel responds"),
        "dd_maps_head": ("### 卷积层里面：特征图与卷积核", "### Inside the convolutions: feature maps and kernels"),
        "dd_maps_intro": (
            "conv1 的每个卷积核在 28×28 的输入上滑动，得到一张 24×24 的特征图：亮的地方就是输入里有这个核“要找的”"
            "笔画方向或边缘。conv2 再在这些图上组合出更大的形状。每层按该层的最大激活值缩放；鼠标悬停可以看通道号和数值。",
            "Each conv1 kernel slides over the 28×28 input and gives one 24×24 feature map: bright where the input has the "
            "stroke direction or edge the kernel looks for. conv2 combines these maps into larger shapes. Each layer is "
            "scaled by its own largest activation; hover to read the channel and the value.",
        ),
        "dd_err_image": ("无法读取这张图：{reason}", "Cannot read this image: {reason}"),
        "dd_err_file": (
            "{what} 必须是上传的图片文件（gradio_client 的 handle_file）。",
            "{what} must be an uploaded image file (gradio_client's handle_file).",
        ),
        "dd_err_kind": (
            "请发送一个图片文件（handle_file）或画板的值 {{background, layers, composite}}。",
            "Send an image file (handle_file) or a Sketchpad value {{background, layers, composite}}.",
        ),
        "dd_err_model": ("模型必须是 {choices} 之一，收到 {value}。", "model must be one of {choices}; got {value}."),
        "dd_api_empty": (
            "图像是空的：没有笔迹（没有比灰度 230 更深的像素），所以没有数字。",
            "The image is empty: no ink (no pixel darker than grey 230), so no digit.",
        ),
        "dd_api_sure": (
            "三个模型一致：{digit}（平均 {mean:.0%}）。",
            "The three models agree: {digit} ({mean:.0%} on average).",
        ),
        "dd_api_blob": (
            "这是一个点或一团墨，不是数字（笔画宽 {stroke:.1f} 像素，20×20 方框里超过 {max:.0f}）。",
            "A dot or a blob, not a digit (stroke {stroke:.1f} px of the 20×20 box, over {max:.0f}).",
        ),
        "dd_api_unsure": (
            "没把握，可能不是数字：三个模型平均对 {digit} 只有 {mean:.0%}（低于 {thr:.0%}）。",
            "Not sure, maybe no digit: the three models average only {mean:.0%} for {digit} (below {thr:.0%}).",
        ),
    }
)

JS_CLEAR = """
() => { document.querySelector('#dd-pad button[aria-label="Clear canvas"]')?.click(); return []; }
"""
CANVAS = 280  # the pad's canvas in pixels (10 per MNIST pixel); the page scales it to the column
BRUSH = 14  # brush radius in canvas pixels: a 28 px stroke on a ~200 px digit is MNIST's median 2.7 px of 20
DEFAULT_MODEL = "best_cnn"
HEAT = [[0.0, "#ffffff"], [1.0, "#08306b"]]  # activations: white (0) to dark blue (largest)


def model_label(name: str, lang: str) -> str:
    return t(f"dd_name_{name}", lang)


# ---- figures ------------------------------------------------------------------------


def _square_axes(n_rows: int, n_cols: int) -> dict:
    """Layout for an image of n_rows x n_cols cells: square cells, row 0 on top, no axes, no zoom."""
    x = {"visible": False, "range": [-0.5, n_cols - 0.5], "fixedrange": True, "constrain": "domain"}
    y = {"visible": False, "range": [n_rows - 0.5, -0.5], "scaleanchor": "x", "fixedrange": True, "constrain": "domain"}
    return {"xaxis": x, "yaxis": y}


def _image_figure(data: list[dict], title: str, height: int, n_rows: int, n_cols: int, top: int = 50, **extra):
    """An image-like figure (square cells, no axes, no legend) built in one step by ui.figure."""
    margin = {"l": 10, "r": 10, "t": top, "b": 10}
    square = _square_axes(n_rows, n_cols)
    look = {"margin": margin, "plot_bgcolor": "#e5e7eb", "showlegend": False, "title_size": 18}
    return ui.figure(data, title, height=height, **look, **square, **extra)


def _line(**kw) -> dict:
    return {"type": "line", "line": {"color": "#aaa", "width": 1, "dash": "dot"}, **kw}


def seen_figure(pre: digits.Preprocessed | None, lang: str, height: int = 380) -> go.Figure:
    """The 28x28 input as ink (dark on white), the 20x20 box and the centre of mass."""
    img = np.zeros((digits.SIZE, digits.SIZE), np.float32) if pre is None else pre.image
    hover = "row %{y}, col %{x}: %{z:.2f}<extra></extra>"
    traces = [{"type": "heatmap", "z": img, "colorscale": "Greys", "zmin": 0, "zmax": 1, "showscale": False}]
    traces[0].update(xgap=1, ygap=1, hovertemplate=hover)
    shapes = [_line(x0=14, x1=14, y0=-0.5, y1=27.5), _line(y0=14, y1=14, x0=-0.5, x1=27.5)]
    if pre is not None:
        (h, w), (dy, dx) = pre.size, pre.shift
        box = {"color": ui.COLORS[0], "width": 2, "dash": "dash"}
        shapes.append(
            {"type": "rect", "x0": dx - 0.5, "x1": dx + w - 0.5, "y0": dy - 0.5, "y1": dy + h - 0.5, "line": box}
        )
        cy, cx = digits.centre_of_mass(pre.image)
        cross = {"symbol": "cross-thin", "size": 22, "line": {"width": 3, "color": ui.COLORS[1]}}
        hover = t("dd_com", lang) + " (%{y:.2f}, %{x:.2f})<extra></extra>"
        traces.append({"type": "scatter", "x": [cx], "y": [cy], "mode": "markers", "marker": cross})
        traces[-1]["hovertemplate"] = hover
    title = t("dd_seen_title", lang) + ("" if pre is not None else " " + t("dd_seen_empty", lang))
    return _image_figure(traces, title, height, digits.SIZE, digits.SIZE, shapes=shapes)


def seen_caption(pre: digits.Preprocessed | None, lang: str) -> str:
    if pre is None:
        return ""
    top, bottom, left, right = pre.box
    h, w = bottom - top + 1, right - left + 1
    bh, bw = pre.size
    lo, hi = digits.STROKE_BAND
    adjust = ""
    if 0 < pre.stroke < lo * digits.MNIST_STROKE:
        adjust = t("dd_thicken", lang, target=digits.MNIST_STROKE)
    elif pre.stroke > hi * digits.MNIST_STROKE:
        adjust = t("dd_thin", lang, target=digits.MNIST_STROKE)
    cy, cx = digits.centre_of_mass(pre.image)
    return t(
        "dd_seen_caption", lang, h=h, w=w, scale=pre.scale, bh=bh, bw=bw, stroke=pre.stroke, adjust=adjust, cy=cy, cx=cx
    )


def mosaic(maps: np.ndarray, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """(C, H, W) -> one image of the maps in a grid with one-pixel gaps (NaN: drawn as the plot's
    grey background), and the channel index of every cell (-1 in the gaps) for the hover text."""
    c, h, w = maps.shape
    rows = math.ceil(c / cols)
    z = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan, np.float32)
    idx = np.full(z.shape, -1, np.int16)
    for k in range(c):
        r, q = divmod(k, cols)
        z[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = maps[k]
        idx[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = k
    return z, idx


def maps_figure(maps: np.ndarray | None, title: str, cols: int, lang: str, height: int) -> go.Figure:
    """Feature maps after ReLU, scaled by the layer's largest activation (white 0, dark blue the largest)."""
    if maps is None:
        note = {
            "text": t("dd_maps_empty", lang),
            "showarrow": False,
            "x": 0.5,
            "y": 0.5,
            "xref": "paper",
            "yref": "paper",
        }
        margin = {"l": 10, "r": 10, "t": 75, "b": 10}
        hidden = {"xaxis": {"visible": False}, "yaxis": {"visible": False}}
        return ui.figure([], title, height=height, title_size=18, annotations=[note], margin=margin, **hidden)
    top = float(maps.max())
    z, idx = mosaic(maps, cols)
    heat = {
        "type": "heatmap",
        "z": z,
        "customdata": idx,
        "colorscale": HEAT,
        "zmin": 0,
        "zmax": top if top > 0 else 1.0,
    }
    heat.update(showscale=False, hoverongaps=False, hovertemplate="channel %{customdata}: %{z:.3f}<extra></extra>")
    return _image_figure([heat], title, height, *z.shape, top=75)


def kernels_figure(kernels: np.ndarray, title: str, cols: int, height: int) -> go.Figure:
    """conv1 weights (C, k, k) on a diverging scale centred at 0 (red positive, blue negative)."""
    lim = float(np.abs(kernels).max()) or 1.0
    z, idx = mosaic(kernels, cols)
    heat = {"type": "heatmap", "z": z, "customdata": idx, "colorscale": "RdBu", "reversescale": True}
    heat.update(zmin=-lim, zmax=lim, showscale=False, hoverongaps=False)
    heat["hovertemplate"] = "kernel %{customdata}: %{z:.3f}<extra></extra>"
    return _image_figure([heat], title, height, *z.shape, top=75)


LAYOUT = {  # columns of each mosaic: lecture_cnn 10 | 20 maps, best_cnn 32 | 64 maps
    "lecture_cnn": {"conv1": 5, "conv2": 10, "kernels": 5},
    "best_cnn": {"conv1": 8, "conv2": 16, "kernels": 8},
}


def conv_model(model_name: str) -> str:
    """The CNN whose insides are shown: the chosen one, or the lecture CNN for the MLP."""
    return model_name if model_name in digits.CONV_MODELS else "lecture_cnn"


def model_title(model_name: str, lang: str) -> str:
    shown = conv_model(model_name)
    return t(f"dd_name_{shown}", lang) + ("" if shown == model_name else " " + t("dd_mlp_note", lang))


def maps_figures(pre: digits.Preprocessed | None, model_name: str, lang: str) -> tuple[go.Figure, go.Figure]:
    """conv1 and conv2 feature maps of the drawing (empty figures, titled with the shapes, without one)."""
    shown = conv_model(model_name)
    image = np.zeros((digits.SIZE, digits.SIZE), np.float32) if pre is None else pre.image
    maps = digits.feature_maps(shown, image)  # ~1 ms; gives the shapes even for an empty pad
    name, cols = model_title(model_name, lang), LAYOUT[shown]
    figs = []
    for key, m, height in zip(("conv1", "conv2"), maps, (330, 300)):
        title = t(f"dd_{key}_title", lang, model=name, c=m.shape[0], h=m.shape[1], w=m.shape[2])
        figs.append(maps_figure(None if pre is None else m, title, cols[key], lang, height))
    return figs[0], figs[1]


def kernels_for(model_name: str, lang: str) -> go.Figure:
    shown = conv_model(model_name)
    kernels = digits.conv1_kernels(shown)
    c, k = kernels.shape[0], kernels.shape[1]
    title = t("dd_kernels_title", lang, model=model_title(model_name, lang), c=c, k=k)
    return kernels_figure(kernels, title, LAYOUT[shown]["kernels"], 330)


# ---- text ---------------------------------------------------------------------------


def votes_text(every: dict, lang: str) -> str:
    items = []
    for m in digits.MODELS:
        p = np.asarray(every[m])
        d = int(np.argmax(p))
        items.append(f"{model_label(m, lang)} {d} ({p[d]:.0%})")
    return t("dd_votes", lang, items=", ".join(items) if lang != "zh" else "，".join(items))


def status_text(r: dict, lang: str) -> str:
    if r["empty"]:
        return t("dd_status_empty", lang)
    digit, mean = r["consensus"]
    votes = votes_text(r["every"], lang)
    if r["blob"]:
        return t("dd_status_blob", lang, stroke=r["pre"].stroke, max=digits.BLOB_STROKE, votes=votes)
    if r["confident"]:
        return t("dd_status_sure", lang, digit=digit, mean=mean, votes=votes)
    return t("dd_status_unsure", lang, digit=digit, mean=mean, thr=digits.CONFIDENT, votes=votes, mine=r["digit"])


def label_value(r: dict, lang: str):
    """gr.Label's value: {"7": 0.98, ...} or the text "no digit"."""
    if r["empty"]:
        return t("dd_no_digit", lang)
    return {str(d): p for d, p in enumerate(r["probs"])}


# ---- events -------------------------------------------------------------------------


def check_model(name, lang: str | None) -> str:
    if name not in digits.MODELS:
        choices = ", ".join(digits.MODELS)
        raise ui.user_error("dd_err_model", lang, choices=choices, value=name)
    return name


def safe_read(image, model_name: str, lang: str | None) -> dict:
    try:
        return digits.read(image, model_name)
    except (ValueError, OSError) as e:  # unreadable file, wrong array shape, NaN, too large
        raise ui.user_error("dd_err_image", lang, reason=str(e)) from None


def on_draw(sketch, shown, model_name, lang):
    """Everything the tab shows for the drawing: top-3, status, what the model sees, feature maps.

    ``sketch`` is the pad's value: a dict once the user has drawn or cleared, but None on page load
    and, at times, after the app put a test digit on the pad (Gradio 6 may send no value for an
    image the server set); then ``shown``, the image the app put there, is read."""
    model_name = check_model(model_name, lang)
    r = safe_read(shown if sketch is None else sketch, model_name, lang)
    pre = r["pre"]
    conv1, conv2 = maps_figures(pre, model_name, lang)
    return label_value(r, lang), status_text(r, lang), seen_figure(pre, lang), seen_caption(pre, lang), conv1, conv2


def on_kernels(model_name, lang):
    """The learned conv1 kernels: they change with the model and the language, not with the drawing."""
    return kernels_for(check_model(model_name, lang), lang)


def digit_canvas(image: np.ndarray) -> np.ndarray:
    """A 28x28 MNIST digit (uint8, ink 255) drawn on the pad: 280x280 RGB, black ink on white."""
    torch = ui.torch_ready()
    x = torch.from_numpy(image.astype(np.float32) / 255.0)[None, None]  # (1, 1, 28, 28)
    big = torch.nn.functional.interpolate(x, size=(CANVAS, CANVAS), mode="bilinear", align_corners=False)[0, 0]
    grey = np.rint(255.0 * (1.0 - big.clamp(0, 1).numpy())).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def on_random(lang):
    """Put a random test digit of the app's MNIST subset on the pad (a background the user can draw over);
    returns the pad's value, the note of its true label and the image for ``shown``."""
    images, labels = mnist_data.images("test"), mnist_data.raw()["y_test"]
    i = int(np.random.default_rng().integers(len(images)))
    img = digit_canvas(images[i])
    return {"background": img, "layers": [], "composite": img}, t("dd_truth", lang, i=i, label=int(labels[i])), img


def api_classify_digit(image: dict | None, model: str = DEFAULT_MODEL) -> dict:
    """Read a digit: ``image`` is a Sketchpad value ({"background", "layers", "composite"}) or an image file
    (gradio_client's handle_file), black ink on white or transparent; ``model``: mlp, lecture_cnn or best_cnn.

    Returns a Label ({"label", "confidences": [{"label", "confidence"}] for the 10 digits, most probable
    first}) plus "digit" (None when the image is empty), "confident", "consensus", "model" and "message"."""
    model = check_model(model, None)
    image = api_image(image)
    r = safe_read(image, model, None)
    if r["empty"]:
        return {
            "label": both("dd_no_digit"),
            "confidences": [],
            "digit": None,
            "confident": False,
            "consensus": None,
            "model": model,
            "message": both("dd_api_empty"),
        }
    digit, mean = r["consensus"]
    if r["blob"]:
        message = both("dd_api_blob", stroke=r["pre"].stroke, max=digits.BLOB_STROKE)
    else:
        key = "dd_api_sure" if r["confident"] else "dd_api_unsure"
        message = both(key, digit=digit, mean=mean, thr=digits.CONFIDENT)
    return {
        "label": str(r["digit"]),
        "confidences": [{"label": str(d), "confidence": p} for d, p in digits.top_k(r["probs"], 10)],
        "digit": r["digit"],
        "confident": r["confident"],
        "consensus": {"digit": digit, "probability": mean},
        "model": model,
        "message": message,
    }


def _file(value, what: str):
    """A file sent by a client: gradio has checked it was uploaded (its meta marks it a FileData)."""
    if value is None:
        return None
    if (
        isinstance(value, dict)
        and isinstance(value.get("path"), str)
        and (value.get("meta") or {}).get("_type") == "gradio.FileData"
        and not value["path"].startswith(("http://", "https://"))
    ):
        return value["path"]
    raise ui.user_error("dd_err_file", None, what=what)


def api_image(value):
    """The API's image: one uploaded file, or a Sketchpad dict whose images are uploaded files."""
    if value is None:
        return None
    if isinstance(value, dict) and "path" in value:
        return _file(value, "image")
    if isinstance(value, dict) and {"background", "layers", "composite"} & set(value):
        layers = value.get("layers") or []
        if not isinstance(layers, list):
            raise ui.user_error("dd_err_kind", None)
        return {
            "background": _file(value.get("background"), "background"),
            "layers": [_file(x, "layers[]") for x in layers],
            "composite": _file(value.get("composite"), "composite"),
        }
    raise ui.user_error("dd_err_kind", None)


def _pad_column():
    """The sketchpad with its Clear and Random buttons and the true label; returns (pad, clear, random, truth)."""
    with gr.Column(scale=5, min_width=320):
        pad = gr.Sketchpad(
            label=I18N("dd_pad"),
            type="numpy",
            image_mode="RGBA",
            canvas_size=(CANVAS, CANVAS),
            fixed_canvas=True,
            brush=gr.Brush(default_size=BRUSH, colors=["#000000"], color_mode="fixed"),
            eraser=gr.Eraser(default_size=BRUSH * 2),
            layers=False,
            transforms=(),
            buttons=[],
            height=460,
            elem_id="dd-pad",
            elem_classes=[links.UNZOOMED],
        )
        with gr.Row():
            clear = gr.Button(I18N("dd_clear"), variant="secondary", elem_id="dd-clear")
            random_btn = gr.Button(I18N("dd_random"), variant="secondary", elem_id="dd-random")
        truth = gr.Markdown(elem_id="dd-truth")
        gr.HTML("", js_on_load=ui.sketchpad_helpers_js("dd-pad"), padding=False, elem_id="dd-pick-brush")
    return pad, clear, random_btn, truth


def _feature_maps():
    """The heading and the plots of the first layer's kernels and both conv layers' maps; returns the plots."""
    gr.Markdown(I18N("dd_maps_head"))
    gr.Markdown(I18N("dd_maps_intro"), elem_classes=["lecture-intro"])
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            kernels = gr.Plot(show_label=False, elem_id="dd-kernels")
        with gr.Column(scale=3, min_width=400):
            conv1 = gr.Plot(show_label=False, elem_id="dd-conv1")
    conv2 = gr.Plot(show_label=False, elem_id="dd-conv2")
    ui.code_panel("draw_digit")
    return kernels, conv1, conv2


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    shown = gr.State(None)  # per user: the test digit the app put on the pad, until the user draws or clears
    with gr.Row(equal_height=False):
        pad, clear, random_btn, truth = _pad_column()
        with gr.Column(scale=4, min_width=250):
            seen = gr.Plot(seen_figure(None, "en"), show_label=False, elem_id="dd-seen")
            caption = gr.Markdown(elem_id="dd-caption")
        with gr.Column(scale=4, min_width=280):
            model = gr.Radio(
                [(I18N(f"dd_model_{m}"), m) for m in digits.MODELS],
                value=DEFAULT_MODEL,
                label=I18N("dd_model"),
                elem_id="dd-model",
            )
            label = gr.Label(num_top_classes=3, label=I18N("dd_top3"), elem_id="dd-label")
            status = gr.Markdown(t("dd_status_empty", "en"), elem_id="dd-status")
            # the drawing as the models see it (28x28), never the canvas, and the digit the student meant
            send.row("digit", [pad, shown], activities.drawing, meant=True)
    kernels, conv1, conv2 = _feature_maps()

    outputs = [label, status, seen, caption, conv1, conv2]
    # When the tab is first shown and whenever the drawing (one change per stroke), the test digit,
    # the model or the language changes; always_last drops the strokes queued behind a busy one. ~10 ms of work.
    ui.on_inputs(
        on_draw,
        [pad, shown, model, lang],
        outputs,
        concurrency_limit=live.per_process(4),
        concurrency_id="draw_digit",
        api_name="draw_digit_view",  # callable by name (undocumented): benchmarks/load.py draws as a browser does
        api_visibility="undocumented",
    )
    ui.on_inputs(on_kernels, [model, lang], kernels)  # on first show, model or language change
    # Clear with the pad's own "Clear canvas" (a value set by the server would drop the brush tool).
    clear.click(lambda: ("", None), None, [truth, shown], js=JS_CLEAR, **ui.CHEAP)
    random_btn.click(on_random, lang, [pad, truth, shown], **ui.CHEAP)
    gr.api(
        api_classify_digit,
        api_name="classify_digit",
        concurrency_limit=live.per_process(4),
        concurrency_id="draw_digit",
    )
