"""PyTorch lecture 10: the lecture's CNN (conv 1->10 k5, max-pool 2, conv 10->20 k5,
max-pool 2, linear 320->10) trained live on the app's MNIST subset, beside lecture 9's
MLP for comparison; the shape of one batch through each layer, traced by forward hooks
on the real model; training throughput in images per second of compute time.

The loop, curves, digits and status are shared with the softmax tab (demos/mnist_live.py)."""

from __future__ import annotations

import math
import time

import gradio as gr
import plotly.graph_objects as go

from demos import live, mnist_data, mnist_live, ui
from demos.classification import softmax
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("cnn_training", "sec_vision", "ct_tab", "ct_source", "ct_intro")

built_keys("ct_model_*", "ct_name_*")

register(
    {
        "ct_tab": ("第10讲 训练卷积网络", "L10 Train the CNN"),
        "ct_source": (
            "**刘二 PyTorch 第10讲 · 在 MNIST 上训练基础卷积网络**",
            "**Liu Er PyTorch lecture 10 · Training the basic CNN on MNIST**",
        ),
        "ct_intro": (
            "卷积层 `Conv2d(1, 10, kernel_size=5)` 用 10 个 5×5 的卷积核在图上滑动，每个输出像素 = Σ w·x + b，"
            "所以 28×28 的图变成 10 张 (28 − 5 + 1) = 24×24 的特征图；`MaxPool2d(2)` 取每个 2×2 块的最大值，边长减半。"
            "两次“卷积 → 池化 → ReLU”之后是 20 个 4×4 的通道，`x.view(batch_size, -1)` 拉平成 320 个数，"
            "最后 `Linear(320, 10)` 给出 10 个 logits。同一个卷积核在整张图上共享权重，所以这个 CNN 只有 **8,490** 个参数，"
            "而第9讲的全连接网络有 **575,050** 个。按 **▶ 训练**，在随应用提供的 6,000 张训练图上现场训练（损失、优化器、批量同讲义），"
            "并和全连接网络比一比：同样的 lr = 0.01，CNN 一轮后就能认对八成以上的测试数字。",
            "The convolution `Conv2d(1, 10, kernel_size=5)` slides 10 kernels of 5×5 over the image, each output pixel "
            "being Σ w·x + b, so a 28×28 image becomes 10 feature maps of (28 − 5 + 1) = 24×24; `MaxPool2d(2)` keeps the "
            "largest of each 2×2 block and halves the side. After two rounds of conv → pool → ReLU there are 20 channels of "
            "4×4, `x.view(batch_size, -1)` flattens them into 320 numbers, and `Linear(320, 10)` gives 10 logits. One kernel "
            "is shared over the whole image, so this CNN has only **8,490** parameters against the **575,050** of lecture "
            "9's fully connected network. Press **▶ Train** to train it live on the 6,000 training images shipped with the "
            "app (loss, optimiser and batch size as in the lecture) and compare it with the MLP: at the same lr = 0.01 "
            "the CNN reads more than eight in ten test digits after a single epoch.",
        ),
        "ct_model": ("模型", "model"),
        "ct_model_cnn": ("第10讲 CNN", "lecture 10 CNN"),
        "ct_model_mlp": ("第9讲 全连接网络 MLP", "lecture 9 MLP"),
        "ct_model_both": ("两个都训练（交替进行，曲线对比）", "both (interleaved, curves side by side)"),
        "ct_name_cnn": ("CNN（第10讲）", "CNN (L10)"),
        "ct_name_mlp": ("MLP（第9讲）", "MLP (L9)"),
        "ct_lr": ("学习率 lr", "learning rate lr"),
        "ct_momentum": ("动量 momentum", "momentum"),
        "ct_batch": ("批量大小 batch_size", "batch size"),
        "ct_epochs": ("训练轮数 epochs", "epochs"),
        "ct_seed": ("随机种子 seed", "seed"),
        "ct_train": ("▶ 训练", "▶ Train"),
        "ct_stop": ("■ 停止", "■ Stop"),
        "ct_speed": (
            "{name}：训练速度 **{ips:,.0f} 张图/秒**（只计计算时间，单线程），{params:,} 个参数",
            "{name}: **{ips:,.0f} images/s** of training (compute time only, one thread), {params:,} parameters",
        ),
        "ct_speed_wait": ("{name}：{params:,} 个参数", "{name}: {params:,} parameters"),
        "ct_trace_head": ("### 一批图片经过网络时的形状", "### The shape of one batch on its way through the network"),
        "ct_trace_intro": (
            "下表由真实模型上的前向钩子（`register_forward_hook`）量出：取训练集的前 batch_size 张图跑一次前向，"
            "记下每一层的输入和输出形状。`F.relu` 不改变形状；`view` 一行是 `x.view(...)` 把每张图拉平成一个向量。"
            "卷积输出边长 = ⌊(H + 2·padding − kernel) / stride⌋ + 1，池化 = ⌊H / 2⌋。",
            "Measured by forward hooks (`register_forward_hook`) on the real model: the first batch_size training images go "
            "through one forward pass, and each layer's input and output shapes are recorded. `F.relu` keeps the shape; "
            "the `view` row is `x.view(...)` flattening each image into one vector. A convolution's output side is "
            "⌊(H + 2·padding − kernel) / stride⌋ + 1, a pooling's ⌊H / 2⌋.",
        ),
        "ct_trace_table_head": (
            "| 步骤 | 层 | 输出形状 | 怎么算 | 参数个数 |",
            "| step | layer | output shape | how | parameters |",
        ),
        "ct_trace_input": ("{n} 张 1 通道 28×28 的图", "{n} images, 1 channel, 28×28"),
        "ct_trace_total": ("合计", "total"),
        "ct_err_model": ("未知的模型 {value}。", "unknown model {value}."),
    }
)

MODELS = ("cnn", "mlp", "both")
VIEW_CODE = {"cnn": "x.view(batch_size, -1)", "mlp": "x.view(-1, 784)"}  # the flatten as each lecture writes it
DEFAULTS = {"model": "cnn", "lr": 0.01, "momentum": 0.5, "batch_size": 64, "epochs": 3, "seed": 0}


# ---- pure computation ------------------------------------------------------------------


def net_class():
    """The lecture's CNN, models.mnist.LectureCNN, imported on first use so that importing this module
    needs no torch."""
    ui.torch_ready()
    from models.mnist import LectureCNN

    return LectureCNN


def factory(name: str):
    """The model class of "cnn" (lecture 10) or "mlp" (lecture 9)."""
    return {"cnn": net_class, "mlp": softmax.net_class}[name]()


def make_model(name: str, seed: int = 0):
    return mnist_live.make_model(factory(name), seed)


def model_keys(model: str) -> list[str]:
    return ["cnn", "mlp"] if model == "both" else [model]


def _side(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _pair(v) -> tuple[int, int]:
    return tuple(v) if isinstance(v, tuple | list) else (v, v)


def how(module, in_shape: tuple) -> str:
    """The arithmetic that gives a layer's output size from its input shape and its own settings
    (square kernels, dilation 1, as in the lectures)."""
    torch = ui.torch_ready()
    nn = torch.nn
    if isinstance(module, nn.Conv2d | nn.MaxPool2d):
        k, s, p = (_pair(getattr(module, a)) for a in ("kernel_size", "stride", "padding"))
        h = in_shape[2]
        side = _side(h, k[0], s[0], p[0])
        if isinstance(module, nn.MaxPool2d) and s[0] == k[0] and p[0] == 0:
            text = f"⌊{h} / {k[0]}⌋ = {side}"
        elif s[0] == 1 and p[0] == 0:
            text = f"{h} − {k[0]} + 1 = {side}"
        else:
            text = f"⌊({h} + 2·{p[0]} − {k[0]}) / {s[0]}⌋ + 1 = {side}"
        return text
    if isinstance(module, nn.Linear):
        return f"{module.in_features} → {module.out_features}"
    return ""


def layer_text(module) -> str:
    """A layer as the lecture writes it: Conv2d(1, 10, kernel_size=5), MaxPool2d(2), Linear(320, 10)."""
    torch = ui.torch_ready()
    nn = torch.nn
    if isinstance(module, nn.Conv2d):
        k = _pair(module.kernel_size)
        return f"Conv2d({module.in_channels}, {module.out_channels}, kernel_size={k[0] if k[0] == k[1] else k})"
    if isinstance(module, nn.MaxPool2d):
        return f"MaxPool2d({module.kernel_size})"
    if isinstance(module, nn.Linear):
        return f"Linear({module.in_features}, {module.out_features})"
    return type(module).__name__


def params_text(module) -> str:
    """The parameter count of one layer as its formula: out·in·k·k + out, in·out + out."""
    torch = ui.torch_ready()
    nn = torch.nn
    n = sum(p.numel() for p in module.parameters(recurse=False))
    if isinstance(module, nn.Conv2d):
        kh, kw = _pair(module.kernel_size)
        bias = f" + {module.out_channels}" if module.bias is not None else ""
        return f"{module.out_channels}·{module.in_channels}·{kh}·{kw}{bias} = {n:,}"
    if isinstance(module, nn.Linear):
        bias = f" + {module.out_features}" if module.bias is not None else ""
        return f"{module.in_features}·{module.out_features}{bias} = {n:,}"
    return str(n)


def shape_trace(name: str, batch_size: int = 64, seed: int = 0) -> list[dict]:
    """One forward pass of the first ``batch_size`` training images, recorded by forward hooks.

    Rows {"step", "layer", "shape", "how", "params", "params_text"}: the input, then every leaf
    module call in order (a module called twice, like the shared pooling, gives two rows), with
    a "view" row wherever a module's input shape differs from the previous output (the flatten).
    """
    torch = ui.torch_ready()
    model = make_model(name, seed)
    x = mnist_data.tensors("train")[0][:batch_size]  # (N, 1, 28, 28)
    rows = [{"step": "input", "layer": "x", "shape": tuple(x.shape), "how": "", "params": 0, "params_text": "0"}]

    def hook(step: str):
        def record(module, inputs, output):
            in_shape = tuple(inputs[0].shape)
            if in_shape != rows[-1]["shape"]:  # reshaped between two modules: the x.view(...)
                flat = " · ".join(str(d) for d in rows[-1]["shape"][1:])
                rows.append(
                    {
                        "step": "view",
                        "layer": VIEW_CODE[name],
                        "shape": in_shape,
                        "how": f"{flat} = {math.prod(in_shape[1:])}",
                        "params": 0,
                        "params_text": "0",
                    }
                )
            first = step not in {r["step"] for r in rows}  # count a reused layer's parameters once
            rows.append(
                {
                    "step": step,
                    "layer": layer_text(module),
                    "shape": tuple(output.shape),
                    "how": how(module, in_shape),
                    "params": sum(p.numel() for p in module.parameters(recurse=False)) if first else 0,
                    "params_text": params_text(module) if first else "0",
                }
            )

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if not list(m.children())]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return rows


def trace_markdown(name: str, batch_size: int, lang: str) -> str:
    rows = shape_trace(name, batch_size)
    lines = [f"#### {t('ct_name_' + name, lang)}", t("ct_trace_table_head", lang), "|---|---|---|---|---:|"]
    for r in rows:
        how_text = t("ct_trace_input", lang, n=r["shape"][0]) if r["step"] == "input" else r["how"]
        lines.append(f"| {r['step']} | `{r['layer']}` | **{r['shape']}** | {how_text} | {r['params_text']} |")
    total = sum(r["params"] for r in rows)
    lines.append(f"| **{t('ct_trace_total', lang)}** | | | | **{total:,}** |")
    return "\n".join(lines)


def throughput(model_name: str, batch_size: int = 64, batches: int = 50, seed: int = 0) -> float:
    """Images per second of the tab's training loop: ``mnist_live.train`` (DataLoader, SGD step,
    loss.item(), one event per batch) recorded by ``mnist_live.absorb`` as the tab does, for
    ``batches`` batches, on wall time from the first batch's fetch (model and data ready) to the
    end of the last, less the test passes between epochs. Drawing frames is left out: the tab
    yields them at most five times a second and the browser draws them."""
    if model_name not in ("cnn", "mlp"):
        raise ValueError(f"model_name must be 'cnn' or 'mlp', got {model_name!r}")
    if not (isinstance(batches, int) and batches >= 1 and isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError("batch_size and batches must be positive integers")
    per_epoch = math.ceil(len(mnist_data.raw()["y_train"]) / batch_size)
    epochs = math.ceil(batches / per_epoch)
    run = mnist_live.new_run(epochs)
    events = mnist_live.train(factory(model_name), 0.01, 0.5, batch_size, epochs, seed)
    start = last = time.perf_counter()
    off_clock, done = 0.0, 0
    for ev in events:
        now = time.perf_counter()
        mnist_live.absorb(run, ev)
        if ev["kind"] == "start":
            start = now
        elif ev["kind"] == "epoch":  # the test pass is not training: keep it off the clock
            off_clock += now - last
        elif ev["kind"] == "batch":
            done += 1
            if done == batches:
                break
        last = time.perf_counter()
    elapsed = time.perf_counter() - start - off_clock
    events.close()
    return run["images"] / elapsed


# ---- the per-user session: one run per model -----------------------------------------


def new_session(model: str = DEFAULTS["model"], epochs: int = DEFAULTS["epochs"], lr=0.01, momentum=0.5) -> dict:
    return {"keys": model_keys(model), "runs": [mnist_live.new_run(epochs, lr, momentum) for _ in model_keys(model)]}


def _names(session: dict, lang: str) -> list[str]:
    return [t(f"ct_name_{k}", lang) for k in session["keys"]]


def _colors(session: dict) -> list[str]:
    return [MODEL_COLORS[k] for k in session["keys"]]


MODEL_COLORS = {"cnn": ui.COLORS[0], "mlp": ui.COLORS[1]}  # one colour per model, in every mode


def loss_figure(session: dict, lang: str) -> go.Figure:
    return mnist_live.loss_figure(session["runs"], lang, _names(session, lang), _colors(session))


def accuracy_figure(session: dict, lang: str) -> go.Figure:
    return mnist_live.accuracy_figure(session["runs"], lang, _names(session, lang), _colors(session))


def digits_figure(session: dict, lang: str) -> go.Figure:
    """The first model's test digits (the CNN's when both trained)."""
    return mnist_live.digits_figure(session["runs"][0], lang, _names(session, lang)[0])


def status_text(session: dict, lang: str) -> str:
    """One line per model (its progress or result), then its throughput and parameter count."""
    runs, names = session["runs"], _names(session, lang)
    states = {r["status"] for r in runs}
    if states <= {"idle", "starting"}:
        return mnist_live.status_text(runs[0], lang)
    lines = [f"**{name}** · {mnist_live.status_text(run, lang)}" for name, run in zip(names, runs)]
    speeds = []
    for name, run in zip(names, runs):
        if run["params"] is not None:
            ips = mnist_live.images_per_second(run)
            key = "ct_speed" if ips else "ct_speed_wait"
            speeds.append("- " + t(key, lang, name=name, ips=ips or 0.0, params=run["params"]))
    return "\n\n".join(lines + ["\n".join(speeds)] if speeds else lines)


def outputs(session: dict, lang: str, digits: bool = True):
    digits_fig = digits_figure(session, lang) if digits else gr.skip()
    return loss_figure(session, lang), accuracy_figure(session, lang), status_text(session, lang), digits_fig, session


# ---- events ---------------------------------------------------------------------------------


def check_model(model, lang: str | None) -> str:
    if model not in MODELS:
        raise ui.user_error("ct_err_model", lang, value=model)
    return model


def on_train(model, lr, momentum, batch_size, epochs, seed, lang):
    """Stream the training of one model, or of both interleaved batch by batch."""
    model = check_model(model, lang)
    names = tuple(t(k, lang) for k in ("ct_lr", "ct_momentum", "ct_batch", "ct_epochs", "ct_seed"))
    lr, momentum, batch_size, epochs, seed = mnist_live.check_settings(
        lr, momentum, batch_size, epochs, seed, names, lang
    )
    session = new_session(model, epochs, lr, momentum)
    for run in session["runs"]:
        run["status"] = "starting"
    yield outputs(session, lang)  # clears the previous run's curves and digits
    batches = math.ceil(len(mnist_data.raw()["y_train"]) / batch_size)
    pacer = live.Pacer(len(session["runs"]) * epochs * batches, min_interval=0.2, budget=live.TRAIN_SECONDS)
    for run in session["runs"]:
        run["stop_dead"] = True  # a too-large lr kills every ReLU of the CNN long before any NaN: say so and stop
    streams = [
        mnist_live.train(factory(k), lr, momentum, batch_size, epochs, seed, stop_dead=True) for k in session["keys"]
    ]
    for digits in mnist_live.stream(session["runs"], mnist_live.interleave(streams), pacer):
        yield outputs(session, lang, digits=digits)


def on_lang(session, lang):
    return outputs(session or new_session(), lang)


def on_trace(model, batch_size, lang):
    model = check_model(model, lang)
    batch_size = ui.integer(batch_size, t("ct_batch", lang), *mnist_live.BATCH_RANGE, lang)
    return "\n\n".join(trace_markdown(k, batch_size, lang) for k in model_keys(model))


def api_cnn_shapes(model: str, batch_size: int) -> list[dict]:
    """The shape of a batch after each layer of "cnn" or "mlp", and each layer's parameter count."""
    if model not in ("cnn", "mlp"):
        raise ui.user_error("ct_err_model", None, value=model)
    batch_size = ui.integer(batch_size, "batch_size", *mnist_live.BATCH_RANGE)
    return [
        {"step": r["step"], "layer": r["layer"], "shape": list(r["shape"]), "params": r["params"]}
        for r in shape_trace(model, batch_size)
    ]


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    session0 = new_session()
    session = gr.State(session0)  # per user: each model's curves, predictions and status
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            model = gr.Radio(
                [(I18N(f"ct_model_{m}"), m) for m in MODELS],
                value=DEFAULTS["model"],
                label=I18N("ct_model"),
                elem_id="ct-model",
            )
            lr = gr.Slider(
                *mnist_live.LR_RANGE, value=DEFAULTS["lr"], step=0.0001, label=I18N("ct_lr"), elem_id="ct-lr"
            )
            momentum = gr.Slider(
                *mnist_live.MOMENTUM_RANGE,
                value=DEFAULTS["momentum"],
                step=0.01,
                label=I18N("ct_momentum"),
                elem_id="ct-momentum",
            )
            batch_size = gr.Radio(
                list(mnist_live.BATCH_SIZES), value=DEFAULTS["batch_size"], label=I18N("ct_batch"), elem_id="ct-batch"
            )
            epochs = gr.Slider(
                *mnist_live.EPOCH_RANGE, value=DEFAULTS["epochs"], step=1, label=I18N("ct_epochs"), elem_id="ct-epochs"
            )
            seed = gr.Number(DEFAULTS["seed"], precision=0, minimum=0, label=I18N("ct_seed"), elem_id="ct-seed")
            with gr.Row():
                start = gr.Button(I18N("ct_train"), variant="primary", elem_id="ct-train")
                stop = gr.Button(I18N("ct_stop"), variant="stop", elem_id="ct-stop")
            status = gr.Markdown(status_text(session0, "en"), elem_id="ct-status")
        with gr.Column(scale=3):
            loss_plot = gr.Plot(loss_figure(session0, "en"), show_label=False, elem_id="ct-loss")
            acc_plot = gr.Plot(accuracy_figure(session0, "en"), show_label=False, elem_id="ct-acc")
    digits = gr.Plot(digits_figure(session0, "en"), show_label=False, elem_id="ct-digits")
    gr.Markdown(I18N("ct_trace_head"))
    gr.Markdown(I18N("ct_trace_intro"), elem_classes=["lecture-intro"])
    trace = gr.Markdown(elem_id="ct-trace")  # filled when the tab is first shown (needs torch)
    ui.code_panel("cnn_training")

    out = [loss_plot, acc_plot, status, digits, session]
    live.train_button(
        start, stop, on_train, [model, lr, momentum, batch_size, epochs, seed, lang], out, concurrency_id="ct_train"
    )
    ui.on_inputs(on_lang, [session, lang], out, triggers=[lang])
    # whenever the model, the batch size or the language changes (so also when the tab is first shown)
    ui.on_inputs(on_trace, [model, batch_size, lang], trace)
    gr.api(api_cnn_shapes, api_name="cnn_shapes")
