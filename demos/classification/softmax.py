"""PyTorch lecture 9: softmax and cross-entropy on a vector of logits (numpy beside
torch.nn.CrossEntropyLoss and LogSoftmax + NLLLoss), then the lecture's MNIST MLP
784-512-256-128-64-10 trained live on the app's MNIST subset."""

from __future__ import annotations

import math

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import links, live, mnist_data, mnist_live, ui
from demos.i18n import I18N, register, t
from demos.mnist_live import (  # noqa: F401  (re-exported: this tab's loop, curves and digits live there)
    BATCH_SIZES,
    EPOCH_RANGE,
    LOSS_POINTS,
    LR_RANGE,
    MOMENTUM_RANGE,
    digit_picks,
    digits_figure,
    evaluate,
    new_run,
    status_text,
)

LECTURE = ui.Lecture("softmax", "sec_classification", "sm_tab", "sm_source", "sm_intro")

register(
    {
        "sm_tab": ("第9讲 Softmax 多分类", "L9 Softmax classifier"),
        "sm_source": (
            "**刘二 PyTorch 第9讲 · 多分类问题 (Softmax Classifier)**",
            "**Liu Er PyTorch lecture 9 · Softmax classifier**",
        ),
        "sm_intro": (
            "网络最后一层输出 C 个实数 z（logits）。**Softmax** 把它们变成概率：p_i = e^(z_i) / Σ_j e^(z_j)，都为正且和为 1。"
            "**交叉熵损失**用独热标签 y 计算 −Σ y_i·log p_i，也就是 −log p_目标。先减去 max(z) 不改变任何 p_i，"
            "却让每个 e^(…) ≤ 1，大的 logit 也不会溢出。PyTorch 的 `CrossEntropyLoss` = `LogSoftmax` + `NLLLoss`："
            "它直接吃原始 logits（最后一层不要再加 softmax）和类别下标（LongTensor）。拖动下面的滑块，看概率和损失如何变化。",
            "A network's last layer gives C real numbers z, the logits. **Softmax** turns them into probabilities: "
            "p_i = e^(z_i) / Σ_j e^(z_j), all positive, summing to 1. The **cross-entropy loss** with a one-hot label y is "
            "−Σ y_i·log p_i, that is −log p_target. Subtracting max(z) first changes no p_i but keeps every e^(…) ≤ 1, so "
            "large logits cannot overflow. PyTorch's `CrossEntropyLoss` = `LogSoftmax` + `NLLLoss`: it takes the raw logits "
            "(no softmax on the last layer) and class indices (a LongTensor). Drag the sliders and watch the probabilities "
            "and the loss.",
        ),
        "sm_classes": ("类别数 C", "number of classes C"),
        "sm_target": ("目标类别（真实标签）", "target class (the true label)"),
        "sm_probs_title": (
            "softmax 概率 · 损失 −log p_{t} = {loss:.4f}",
            "Softmax probabilities · loss −log p_{t} = {loss:.4f}",
        ),
        "sm_class": ("类别", "class"),
        "sm_prob": ("概率 p", "probability p"),
        "sm_table_head": (
            "| 类别 i | z_i | z_i − max z | e^(z_i − max z) | p_i |",
            "| class i | z_i | z_i − max z | e^(z_i − max z) | p_i |",
        ),
        "sm_sum": ("Σ e^(z_j − max z) = **{total:.6g}**", "Σ e^(z_j − max z) = **{total:.6g}**"),
        "sm_loss_line": (
            "损失 = −log p_{t} = log Σ e^(z_j − max z) − (z_{t} − max z) = **{loss:.7f}**（numpy，float64）",
            "loss = −log p_{t} = log Σ e^(z_j − max z) − (z_{t} − max z) = **{loss:.7f}** (numpy, float64)",
        ),
        "sm_torch_lines": (
            "- `nn.CrossEntropyLoss()(z, t)`（float32）= **{ce:.7f}**，与 numpy 相差 {d_ce:.1e}\n"
            "- `nn.NLLLoss()(nn.LogSoftmax(dim=1)(z), t)`（float32）= **{nll:.7f}**，与 numpy 相差 {d_nll:.1e}\n"
            "- 两种 PyTorch 写法之差：{d_torch:.1e}（float32 的精度约为 1e-7）",
            "- `nn.CrossEntropyLoss()(z, t)` (float32) = **{ce:.7f}**, {d_ce:.1e} from numpy\n"
            "- `nn.NLLLoss()(nn.LogSoftmax(dim=1)(z), t)` (float32) = **{nll:.7f}**, {d_nll:.1e} from numpy\n"
            "- the two PyTorch ways differ by {d_torch:.1e} (float32 carries about 7 digits)",
        ),
        "sm_err_list": ("logits 必须是一个数字列表。", "logits must be a list of numbers."),
        "sm_err_empty": (
            "logits 不能为空：至少需要一个类别。",
            "logits must not be empty: at least one class is needed.",
        ),
        "sm_err_too_many": (
            "logits 最多 {max} 个，收到 {n} 个。",
            "logits may hold at most {max} values; got {n}.",
        ),
        "sm_mlp_head": (
            "### MNIST 全连接网络：784 → 512 → 256 → 128 → 64 → 10",
            "### The MNIST fully connected network: 784 → 512 → 256 → 128 → 64 → 10",
        ),
        "sm_mlp_intro": (
            "讲义的网络：每张 28×28 的图 `x.view(-1, 784)` 拉平，经过四个 ReLU 隐藏层，最后一层输出 10 个 logits（不加 softmax），"
            "损失用 `CrossEntropyLoss`，优化器 `SGD(lr=0.01, momentum=0.5)`，批量 64。这里在随应用一起提供的 MNIST 子集上现场训练："
            "6,000 张训练图、1,000 张测试图（每个数字各 600 / 100 张），每轮结束后在测试集上算准确率。lr = 0.01 时，"
            "前两三轮损失几乎停在 ln 10 ≈ 2.30（网络还在“猜”），然后才迅速下降；试试 lr = 0.1。",
            "The lecture's network: each 28×28 image is flattened by `x.view(-1, 784)`, passes four ReLU hidden layers, "
            "and the last layer gives 10 logits (no softmax); the loss is `CrossEntropyLoss`, the optimiser "
            "`SGD(lr=0.01, momentum=0.5)`, the batch size 64. It trains live here on the MNIST subset shipped with the app: "
            "6,000 training and 1,000 test images (600 / 100 of each digit), with the test accuracy after every epoch. "
            "At lr = 0.01 the loss sits near ln 10 ≈ 2.30 (the network is still guessing) for two or three epochs before it "
            "drops; try lr = 0.1.",
        ),
        "sm_lr": ("学习率 lr", "learning rate lr"),
        "sm_momentum": ("动量 momentum", "momentum"),
        "sm_batch": ("批量大小 batch_size", "batch size"),
        "sm_epochs": ("训练轮数 epochs", "epochs"),
        "sm_seed": ("随机种子 seed", "seed"),
        "sm_train": ("▶ 训练", "▶ Train"),
        "sm_stop": ("■ 停止", "■ Stop"),
    }
)

# ---- pure computation: softmax and cross-entropy -------------------------------

UI_CLASSES = (3, 10)  # the class-count slider
LOGIT_RANGE = (-10.0, 10.0)  # each logit slider
DEFAULT_LOGITS = (0.2, 0.1, -0.1, 0.5, -0.5, 1.0, -1.0, 0.3, -0.3, 0.0)  # the first three: the lecture's example
API_MAX_LOGITS = 1000
API_LOGIT_LIMIT = 1e6  # |z| accepted by the API; the stable formula handles it (naive exp overflows past ~709)


def softmax_ce(logits, target: int) -> dict:
    """Softmax and cross-entropy by the stable formula, in float64.

    shifted = z - max z; exps = e^shifted (all <= 1); p = exps / sum(exps);
    loss = -log p_target = log(sum(exps)) - shifted[target] (finite for any finite z).
    """
    z = np.asarray(logits, dtype=np.float64)
    shifted = z - z.max()
    exps = np.exp(shifted)
    total = float(exps.sum())  # in [1, C]: the max contributes e^0 = 1
    loss = math.log(total) - float(shifted[target])
    return {"z": z, "shifted": shifted, "exps": exps, "total": total, "probs": exps / total, "loss": loss}


def torch_losses(logits, target: int, dtype: str = "float32") -> dict:
    """The same loss two ways in PyTorch, on a batch of one: z (1, C), target (1,)."""
    torch = ui.torch_ready()
    z = torch.tensor(np.asarray(logits, dtype=np.float64), dtype=getattr(torch, dtype)).unsqueeze(0)  # (1, C)
    y = torch.tensor([target])  # (1,) int64
    ce = torch.nn.CrossEntropyLoss()(z, y).item()
    nll = torch.nn.NLLLoss()(torch.nn.LogSoftmax(dim=1)(z), y).item()
    return {"cross_entropy": ce, "nll": nll, "probs": torch.softmax(z, dim=1)[0].tolist()}


def check_logits(
    logits, lang: str | None, max_len: int = API_MAX_LOGITS, limit: float = API_LOGIT_LIMIT, name: str = "logits[{i}]"
) -> list[float]:
    """A non-empty list of at most max_len finite numbers in [-limit, limit], or a gr.Error."""
    if isinstance(logits, str | bytes | dict) or not hasattr(logits, "__len__"):
        raise ui.user_error("sm_err_list", lang)
    if len(logits) == 0:
        raise ui.user_error("sm_err_empty", lang)
    if len(logits) > max_len:
        raise ui.user_error("sm_err_too_many", lang, max=max_len, n=len(logits))
    return [ui.number(v, name.format(i=i), -limit, limit, lang) for i, v in enumerate(logits)]


# ---- figures and text: softmax --------------------------------------------------


def probs_figure(logits, target: int, lang: str) -> go.Figure:
    """Bars of p_i, the target's bar red; each bar labelled with its p and its logit."""
    r = softmax_ce(logits, target)
    classes = list(range(len(r["z"])))
    colors = [ui.COLORS[1] if i == target else ui.COLORS[0] for i in classes]
    fig = go.Figure(
        go.Bar(
            x=[f"{i}<br>z={z:.2f}" for i, z in zip(classes, r["z"])],
            y=r["probs"],
            marker={"color": colors},
            text=[f"{p:.3f}" for p in r["probs"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="p = %{y:.6f}<extra></extra>",
        )
    )
    ui.style(fig, t("sm_probs_title", lang, t=target, loss=r["loss"]), t("sm_class", lang), t("sm_prob", lang), 420)
    fig.update_yaxes(range=[0, 1.12])
    fig.update_layout(showlegend=False, margin={"b": 90})
    return fig


def ce_markdown(logits, target: int, lang: str) -> str:
    """The numpy computation step by step, then both PyTorch numbers and their differences."""
    r = softmax_ce(logits, target)
    rows = [t("sm_table_head", lang), "|---:|---:|---:|---:|---:|"]
    for i, (z, s, e, p) in enumerate(zip(r["z"], r["shifted"], r["exps"], r["probs"])):
        mark = " ◀" if i == target else ""
        cells = f"| {i}{mark} | {z:.4g} | {s:.4g} | {e:.6f} | {p:.6f} |"
        rows.append(cells.replace("| ", "| **", 1).replace(" |", "** |", 1) if mark else cells)
    th = torch_losses(logits, target)
    torch_text = t(
        "sm_torch_lines",
        lang,
        ce=th["cross_entropy"],
        nll=th["nll"],
        d_ce=abs(th["cross_entropy"] - r["loss"]),
        d_nll=abs(th["nll"] - r["loss"]),
        d_torch=abs(th["cross_entropy"] - th["nll"]),
    )
    lines = [
        "\n".join(rows),
        t("sm_sum", lang, total=r["total"]),
        t("sm_loss_line", lang, t=target, loss=r["loss"]),
        torch_text,
    ]
    return "\n\n".join(lines)


# ---- pure computation: the MNIST MLP (the loop, curves and digits: demos/mnist_live.py) ----


def net_class():
    """The lecture's Net (l1..l5), models.mnist.LectureMLP, imported on first use so that importing this
    module needs no torch."""
    ui.torch_ready()
    from models.mnist import LectureMLP

    return LectureMLP


def make_model(seed: int):
    """A freshly initialised Net, the same as torch.manual_seed(seed); Net() in the snippet (same layers, same
    initialisation order, so the same weights)."""
    return mnist_live.make_model(net_class(), seed)


def train_mlp(lr: float, momentum: float, batch_size: int, epochs: int, seed: int = 0):
    """The lecture's training of Net, event by event (see mnist_live.train)."""
    return mnist_live.train(net_class(), lr, momentum, batch_size, epochs, seed)


def history(lr: float, momentum: float, batch_size: int, epochs: int, seed: int = 0) -> dict:
    """The whole run at once: {"train_loss": [per epoch], "test_acc": [...], "test_loss": [...], "diverged"}."""
    return mnist_live.history(net_class(), lr, momentum, batch_size, epochs, seed)


# ---- figures and text: the MLP ---------------------------------------------------


def loss_figure(run: dict, lang: str) -> go.Figure:
    return mnist_live.loss_figure([run], lang)


def accuracy_figure(run: dict, lang: str) -> go.Figure:
    return mnist_live.accuracy_figure([run], lang)


def mlp_outputs(run: dict, lang: str, digits: bool = True):
    digits_fig = digits_figure(run, lang) if digits else gr.skip()
    return loss_figure(run, lang), accuracy_figure(run, lang), status_text(run, lang), digits_fig, run


# ---- events ---------------------------------------------------------------------


def on_classes(n, target, held=None):
    """Show the first n logit sliders; keep the target among the n classes. ``held``: a shared link's
    target, kept over the radio's (which drops a value its old choices lack), then let go."""
    n = ui.integer(n, "C", *UI_CLASSES)
    target = min(int(held if held is not None else (target or 0)), n - 1)
    sliders = [gr.Slider(visible=i < n) for i in range(UI_CLASSES[1])]
    return *sliders, gr.Radio(choices=[(str(i), i) for i in range(n)], value=target), None


def on_logits(n, target, lang, *logits):
    """Redraw the bars and the computation for the first n logits (and let go of a link's held target)."""
    n = ui.integer(n, t("sm_classes", lang), *UI_CLASSES, lang)
    z = check_logits(logits[:n], lang, UI_CLASSES[1], LOGIT_RANGE[1], name="z{i}")
    target = min(ui.integer(target, t("sm_target", lang), 0, UI_CLASSES[1] - 1, lang), n - 1)  # n may change first
    return probs_figure(z, target, lang), ce_markdown(z, target, lang), None


def api_softmax_ce(logits: list[float], target: int) -> dict:
    """Softmax probabilities and the cross-entropy loss -log p_target of one vector of logits."""
    z = check_logits(logits, None)
    target = ui.integer(target, "target", 0, len(z) - 1, None)
    r = softmax_ce(z, target)
    return {"probs": r["probs"].tolist(), "loss": r["loss"]}


def on_train(lr, momentum, batch_size, epochs, seed, lang):
    """Stream the training: loss and accuracy curves, a status line, at most ~5 frames a second."""
    names = tuple(t(k, lang) for k in ("sm_lr", "sm_momentum", "sm_batch", "sm_epochs", "sm_seed"))
    lr, momentum, batch_size, epochs, seed = mnist_live.check_settings(
        lr, momentum, batch_size, epochs, seed, names, lang
    )
    run = new_run(epochs, lr, momentum)
    run["status"] = "starting"
    yield mlp_outputs(run, lang)  # clears the previous run's digits
    batches = math.ceil(len(mnist_data.raw()["y_train"]) / batch_size)
    pacer = live.Pacer(epochs * batches, min_interval=0.2, budget=live.TRAIN_SECONDS)
    events = ((0, ev) for ev in train_mlp(lr, momentum, batch_size, epochs, seed))
    for digits in mnist_live.stream([run], events, pacer):
        yield mlp_outputs(run, lang, digits=digits)


def on_lang(run, lang):
    return mlp_outputs(run or new_run(), lang)


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    n0, target0 = 3, 0
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            n = gr.Slider(*UI_CLASSES, value=n0, step=1, label=I18N("sm_classes"), elem_id="sm-classes")
            target = gr.Radio(
                [(str(i), i) for i in range(n0)], value=target0, label=I18N("sm_target"), elem_id="sm-target"
            )
            logits = [
                gr.Slider(
                    *LOGIT_RANGE, value=DEFAULT_LOGITS[i], step=0.1, label=f"z{i}", visible=i < n0, elem_id=f"sm-z{i}"
                )
                for i in range(UI_CLASSES[1])
            ]
        with gr.Column(scale=3):
            probs = gr.Plot(probs_figure(DEFAULT_LOGITS[:n0], target0, "en"), show_label=False, elem_id="sm-probs")
            # The PyTorch numbers appear when the tab is first shown (ui.on_inputs below): no torch at build.
            math_md = gr.Markdown(elem_id="sm-math")

    gr.Markdown(I18N("sm_mlp_head"))
    gr.Markdown(I18N("sm_mlp_intro"), elem_classes=["lecture-intro"])
    run0 = new_run()
    run = gr.State(run0)  # per user: curves, predictions and status of the last run
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            lr = gr.Slider(*LR_RANGE, value=0.01, step=0.0001, label=I18N("sm_lr"), elem_id="sm-lr")
            momentum = gr.Slider(
                *MOMENTUM_RANGE, value=0.5, step=0.01, label=I18N("sm_momentum"), elem_id="sm-momentum"
            )
            batch_size = gr.Radio(list(BATCH_SIZES), value=64, label=I18N("sm_batch"), elem_id="sm-batch")
            epochs = gr.Slider(*EPOCH_RANGE, value=10, step=1, label=I18N("sm_epochs"), elem_id="sm-epochs")
            seed = gr.Number(0, precision=0, minimum=0, label=I18N("sm_seed"), elem_id="sm-seed")
            with gr.Row():
                start = gr.Button(I18N("sm_train"), variant="primary", elem_id="sm-train")
                stop = gr.Button(I18N("sm_stop"), variant="stop", elem_id="sm-stop")
            status = gr.Markdown(status_text(run0, "en"), elem_id="sm-status")
        with gr.Column(scale=3):
            loss_plot = gr.Plot(loss_figure(run0, "en"), show_label=False, elem_id="sm-loss")
            acc_plot = gr.Plot(accuracy_figure(run0, "en"), show_label=False, elem_id="sm-acc")
    digits = gr.Plot(digits_figure(run0, "en"), show_label=False, elem_id="sm-digits")
    ui.code_panel("softmax", "softmax_mnist")

    # a link's target: one of its n classes, held over the radio's until the classes are shown
    links.limit(target, [n], lambda n: [(str(i), i) for i in range(int(n))])
    held = links.derive(gr.JSON(None, visible="hidden"), [target], lambda t: t)
    n.change(on_classes, [n, target, held], [*logits, target, held], show_progress="hidden", api_visibility="private")
    # on every change of an input, the language included (a drag's steps, collapsed by always_last)
    ui.on_inputs(on_logits, [n, target, lang, *logits], [probs, math_md, held])
    mlp_out = [loss_plot, acc_plot, status, digits, run]
    live.train_button(
        start, stop, on_train, [lr, momentum, batch_size, epochs, seed, lang], mlp_out, concurrency_id="sm_train"
    )
    ui.on_inputs(on_lang, [run, lang], mlp_out, triggers=[lang])
    gr.api(api_softmax_ce, api_name="softmax_ce")
