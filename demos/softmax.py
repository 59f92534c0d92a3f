"""PyTorch lecture 9: softmax and cross-entropy on a vector of logits (numpy beside
torch.nn.CrossEntropyLoss and LogSoftmax + NLLLoss), then the lecture's MNIST MLP
784-512-256-128-64-10 trained live on the app's MNIST subset."""

from __future__ import annotations

import functools
import math
import threading
import time

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, mnist_data, ui
from demos.i18n import I18N, register, t

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
        "sm_ready": (
            "按 **▶ 训练** 开始（在 6,000 张图上每轮约几分之一秒到数秒，视机器负载而定）。",
            "Press **▶ Train** (an epoch over 6,000 images takes a fraction of a second to a few seconds, depending on the machine's load).",
        ),
        "sm_starting": ("正在准备数据和模型…", "Preparing the data and the model…"),
        "sm_progress": (
            "第 {epoch}/{epochs} 轮，第 {batch}/{batches} 批：训练损失 {loss:.4f}",
            "Epoch {epoch}/{epochs}, batch {batch}/{batches}: training loss {loss:.4f}",
        ),
        "sm_progress_acc": (
            "；第 {done} 轮后测试准确率 **{acc:.1f}%**（每轮 {sec:.2f} 秒）",
            "; test accuracy after epoch {done}: **{acc:.1f} %** ({sec:.2f} s per epoch)",
        ),
        "sm_done": (
            "**完成** {epochs} 轮：测试准确率 **{acc:.1f}%**（1,000 张测试图中对 {correct} 张），最后一轮训练损失 {loss:.4f}；"
            "每轮平均 {sec:.2f} 秒。",
            "**Done**, {epochs} epochs: test accuracy **{acc:.1f} %** ({correct} of the 1,000 test digits), last epoch's "
            "training loss {loss:.4f}; {sec:.2f} s per epoch on average.",
        ),
        "sm_diverged": (
            "**发散**：第 {epoch} 轮第 {batch} 批的损失变成了 {loss}，训练已停止。学习率 {lr:g}（动量 {momentum:g}）太大，试试 lr = 0.1 或更小。",
            "**Diverged**: at epoch {epoch}, batch {batch} the loss became {loss}, so training stopped. The learning rate "
            "{lr:g} (momentum {momentum:g}) is too large; try lr = 0.1 or less.",
        ),
        "sm_loss_title": ("损失（训练：每批滑动平均；测试：每轮）", "Loss (training: running mean; test: each epoch)"),
        "sm_train_loss": ("训练损失", "training loss"),
        "sm_test_loss": ("测试损失", "test loss"),
        "sm_acc_title": ("每轮后的测试准确率", "Test accuracy after each epoch"),
        "sm_test_acc": ("测试准确率 %", "test accuracy %"),
        "sm_chance": ("随机猜测 10%", "chance 10 %"),
        "sm_epoch": ("轮次 epoch", "epoch"),
        "sm_digits_title": (
            "上排：每个数字的第一张测试图；下排：前 10 个认错的测试图（真 → 预测）",
            "Top: the first test image of each digit; bottom: the first 10 misread test images (true → predicted)",
        ),
        "sm_digits_idle": (
            "测试集中每个数字的第一张图（训练后显示预测）",
            "The first test image of each digit (train to see predictions)",
        ),
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


# ---- pure computation: the MNIST MLP ---------------------------------------------

LR_RANGE = (0.0001, 1.0)
MOMENTUM_RANGE = (0.0, 0.99)
BATCH_SIZES = (16, 32, 64, 128, 256)
EPOCH_RANGE = (1, 10)
LOSS_POINTS = 10  # training-loss points per epoch on the curve
_seed_lock = threading.Lock()  # seeding torch's global generator and building the model is one step


@functools.cache
def net_class():
    """The lecture's Net, defined on first use so that importing this module needs no torch."""
    torch = ui.torch_ready()
    F = torch.nn.functional

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = torch.nn.Linear(784, 512)
            self.l2 = torch.nn.Linear(512, 256)
            self.l3 = torch.nn.Linear(256, 128)
            self.l4 = torch.nn.Linear(128, 64)
            self.l5 = torch.nn.Linear(64, 10)

        def forward(self, x):
            x = x.view(-1, 784)  # (N, 1, 28, 28) -> (N, 784)
            x = F.relu(self.l1(x))
            x = F.relu(self.l2(x))
            x = F.relu(self.l3(x))
            x = F.relu(self.l4(x))
            return self.l5(x)  # (N, 10) logits

    return Net


def make_model(seed: int):
    """A freshly initialised Net, the same as torch.manual_seed(seed); Net() in the snippet."""
    torch = ui.torch_ready()
    with _seed_lock:
        torch.manual_seed(seed)
        return net_class()()


def evaluate(model, x, y) -> dict:
    """Test loss, accuracy, predictions and their softmax confidence, all images at once."""
    torch = ui.torch_ready()
    with torch.no_grad():
        out = model(x)  # (N, 10)
        loss = torch.nn.functional.cross_entropy(out, y).item()
        conf, pred = torch.softmax(out, dim=1).max(dim=1)
    return {"loss": loss, "acc": (pred == y).float().mean().item(), "pred": pred.tolist(), "conf": conf.tolist()}


def train_mlp(lr: float, momentum: float, batch_size: int, epochs: int, seed: int = 0):
    """Train as the lecture does; yield after every batch and after every epoch's test.

    Yields {"kind": "batch", "epoch", "batch", "batches", "loss"} (1-based), then per epoch
    {"kind": "epoch", "epoch", "train_loss" (the epoch's mean), "test": evaluate(...), "seconds"}
    where seconds is the compute time of that epoch (time spent outside the generator excluded),
    or {"kind": "diverged", ...} once the loss is not finite, and stops.
    """
    torch = ui.torch_ready()
    x_train, y_train = mnist_data.tensors("train")
    x_test, y_test = mnist_data.tensors("test")
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    model = make_model(seed)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for epoch in range(1, epochs + 1):
        busy, resumed, running = 0.0, time.perf_counter(), 0.0
        for batch, (inputs, target) in enumerate(loader, 1):
            optimizer.zero_grad()
            loss = criterion(model(inputs), target)
            loss.backward()
            optimizer.step()
            value = loss.item()
            if not math.isfinite(value):
                yield {"kind": "diverged", "epoch": epoch, "batch": batch, "loss": value}
                return
            running += value
            busy += time.perf_counter() - resumed
            yield {"kind": "batch", "epoch": epoch, "batch": batch, "batches": len(loader), "loss": value}
            resumed = time.perf_counter()
        test = evaluate(model, x_test, y_test)
        busy += time.perf_counter() - resumed
        yield {"kind": "epoch", "epoch": epoch, "train_loss": running / len(loader), "test": test, "seconds": busy}


def history(lr: float, momentum: float, batch_size: int, epochs: int, seed: int = 0) -> dict:
    """The whole run at once: {"train_loss": [per epoch], "test_acc": [...], "test_loss": [...], "diverged"}."""
    out = {"train_loss": [], "test_acc": [], "test_loss": [], "diverged": False}
    for ev in train_mlp(lr, momentum, batch_size, epochs, seed):
        if ev["kind"] == "diverged":
            out["diverged"] = True
        elif ev["kind"] == "epoch":
            out["train_loss"].append(ev["train_loss"])
            out["test_acc"].append(ev["test"]["acc"])
            out["test_loss"].append(ev["test"]["loss"])
    return out


def new_run(epochs: int = 10, lr: float = 0.01, momentum: float = 0.5) -> dict:
    """Per-user record of one run (kept in gr.State); only finite numbers go in."""
    return {
        "epochs": epochs,
        "lr": lr,
        "momentum": momentum,
        "status": "idle",
        "loss_x": [],
        "loss": [],
        "test_loss": [],
        "test_acc": [],
        "seconds": [],
        "pred": None,
        "conf": None,
        "epoch": 0,
        "batch": 0,
        "batches": 0,
        "last_loss": None,
        "epoch_loss": None,
        "bad_loss": None,
        "budget": None,
    }


# ---- figures and text: the MLP ---------------------------------------------------


def loss_figure(run: dict, lang: str) -> go.Figure:
    """Training loss (running mean, x in epochs) and test loss after each epoch."""
    fig = live.curves_figure(
        {t("sm_train_loss", lang): run["loss"], t("sm_test_loss", lang): run["test_loss"]},
        t("sm_loss_title", lang),
        t("sm_epoch", lang),
        "loss",
    )
    fig.data[0].x = run["loss_x"]  # fractions of an epoch
    fig.data[1].update(mode="lines+markers", marker={"size": 10})
    fig.update_xaxes(range=[0, max(run["epochs"], 1)])
    fig.update_yaxes(rangemode="tozero")
    return fig


def accuracy_figure(run: dict, lang: str) -> go.Figure:
    fig = live.curves_figure(
        {t("sm_test_acc", lang): [100 * a for a in run["test_acc"]]},
        t("sm_acc_title", lang),
        t("sm_epoch", lang),
        "%",
    )
    fig.data[0].update(
        mode="lines+markers+text", marker={"size": 10}, texttemplate="%{y:.1f}", textposition="top center"
    )
    fig.add_hline(y=10, line={"dash": "dot", "color": "#888"}, annotation_text=t("sm_chance", lang))
    fig.update_xaxes(range=[0.5, max(run["epochs"], 1) + 0.5], dtick=1)
    fig.update_yaxes(range=[0, 105])
    return fig


CELL = 30  # a 28x28 digit plus a 2-pixel gap


def digit_picks(pred: list[int] | None, y: np.ndarray) -> tuple[list[int], list[int]]:
    """Indices shown: the first test image of each digit; the first 10 misread ones."""
    firsts = [int(np.flatnonzero(y == d)[0]) for d in range(10)]
    wrong = [] if pred is None else [int(i) for i in np.flatnonzero(np.asarray(pred) != y)[:10]]
    return firsts, wrong


def digits_figure(run: dict, lang: str) -> go.Figure:
    """A mosaic of test digits, ink dark on white, each with its prediction (green right, red wrong)."""
    imgs, y = mnist_data.images("test"), mnist_data.raw()["y_test"]
    pred, conf = run["pred"], run["conf"]
    rows = [r for r in digit_picks(pred, y) if r]
    mosaic = np.zeros((len(rows) * (CELL + 14), 10 * CELL))
    fig = go.Figure()
    for r, picks in enumerate(rows):
        for c, i in enumerate(picks):
            top = r * (CELL + 14) + 14  # 14 rows of space above each digit for its label
            mosaic[top : top + 28, c * CELL : c * CELL + 28] = imgs[i]
            if pred is None:
                text, color = str(int(y[i])), "#111"
            elif pred[i] == y[i]:
                text, color = f"{pred[i]} ✓ {100 * conf[i]:.0f}%", ui.COLORS[2]
            else:
                text, color = f"{int(y[i])}→{pred[i]} ✗", ui.COLORS[1]
            fig.add_annotation(
                x=c * CELL + 13.5, y=top - 7, text=text, showarrow=False, font={"size": 15, "color": color}
            )
    fig.add_trace(go.Heatmap(z=mosaic, colorscale="Greys", zmin=0, zmax=255, showscale=False, hoverinfo="skip"))
    title = t("sm_digits_idle" if pred is None else "sm_digits_title", lang)
    ui.style(fig, title, height=120 + 150 * len(rows))
    fig.update_xaxes(visible=False, range=[-1, 10 * CELL - 1], fixedrange=True)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", fixedrange=True)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10}, title_font_size=18)
    return fig


def status_text(run: dict, lang: str) -> str:
    s = run["status"]
    if s == "idle":
        return t("sm_ready", lang)
    if s == "starting":
        return t("sm_starting", lang)
    if s == "diverged":
        return t(
            "sm_diverged",
            lang,
            epoch=run["epoch"],
            batch=run["batch"],
            loss=run["bad_loss"],
            lr=run["lr"],
            momentum=run["momentum"],
        )
    sec = sum(run["seconds"]) / len(run["seconds"]) if run["seconds"] else 0.0
    if s == "done":
        acc = run["test_acc"][-1]
        correct = round(acc * len(run["pred"]))
        return t(
            "sm_done",
            lang,
            epochs=len(run["test_acc"]),
            acc=100 * acc,
            correct=correct,
            loss=run["epoch_loss"],
            sec=sec,
        )
    text = t(
        "sm_progress",
        lang,
        epoch=run["epoch"],
        epochs=run["epochs"],
        batch=run["batch"],
        batches=run["batches"],
        loss=run["last_loss"],
    )
    if run["test_acc"]:
        text += t("sm_progress_acc", lang, done=len(run["test_acc"]), acc=100 * run["test_acc"][-1], sec=sec)
    if s == "time_up":
        text += "  \n" + t("live_time_up", lang, seconds=run["budget"])
    return text


def mlp_outputs(run: dict, lang: str, digits: bool = True):
    digits_fig = digits_figure(run, lang) if digits else gr.skip()
    return loss_figure(run, lang), accuracy_figure(run, lang), status_text(run, lang), digits_fig, run


# ---- events ---------------------------------------------------------------------


def on_classes(n, target):
    """Show the first n logit sliders; keep the target among the n classes."""
    n = ui.integer(n, "C", *UI_CLASSES)
    target = min(int(target or 0), n - 1)
    sliders = [gr.Slider(visible=i < n) for i in range(UI_CLASSES[1])]
    return *sliders, gr.Radio(choices=[(str(i), i) for i in range(n)], value=target)


def on_logits(n, target, lang, *logits):
    """Redraw the bars and the computation for the first n logits."""
    n = ui.integer(n, t("sm_classes", lang), *UI_CLASSES, lang)
    z = check_logits(logits[:n], lang, UI_CLASSES[1], LOGIT_RANGE[1], name="z{i}")
    target = min(ui.integer(target, t("sm_target", lang), 0, UI_CLASSES[1] - 1, lang), n - 1)  # n may change first
    return probs_figure(z, target, lang), ce_markdown(z, target, lang)


def api_softmax_ce(logits: list[float], target: int) -> dict:
    """Softmax probabilities and the cross-entropy loss -log p_target of one vector of logits."""
    z = check_logits(logits, None)
    target = ui.integer(target, "target", 0, len(z) - 1, None)
    r = softmax_ce(z, target)
    return {"probs": r["probs"].tolist(), "loss": r["loss"]}


def on_train(lr, momentum, batch_size, epochs, seed, lang):
    """Stream the training: loss and accuracy curves, a status line, at most ~5 frames a second."""
    lr = ui.number(lr, t("sm_lr", lang), *LR_RANGE, lang)
    momentum = ui.number(momentum, t("sm_momentum", lang), *MOMENTUM_RANGE, lang)
    batch_size = ui.integer(batch_size, t("sm_batch", lang), 1, 1024, lang)
    epochs = ui.integer(epochs, t("sm_epochs", lang), *EPOCH_RANGE, lang)
    seed = ui.integer(seed, t("sm_seed", lang), 0, 2**31 - 1, lang)
    run = new_run(epochs, lr, momentum)
    run["status"] = "starting"
    yield mlp_outputs(run, lang)  # clears the previous run's digits
    run["status"] = "running"
    batches = math.ceil(len(mnist_data.raw()["y_train"]) / batch_size)
    every = max(1, batches // LOSS_POINTS)  # batches per point of the training-loss curve
    pacer = live.Pacer(epochs * batches, min_interval=0.2, budget=live.TRAIN_SECONDS)
    window: list[float] = []
    for ev in train_mlp(lr, momentum, batch_size, epochs, seed):
        if ev["kind"] == "diverged":
            run.update(status="diverged", epoch=ev["epoch"], batch=ev["batch"], bad_loss=str(ev["loss"]))
            yield mlp_outputs(run, lang, digits=False)
            return
        if ev["kind"] == "batch":
            run.update(epoch=ev["epoch"], batch=ev["batch"], batches=ev["batches"], last_loss=ev["loss"])
            window.append(ev["loss"])
            if len(window) == every or ev["batch"] == ev["batches"]:
                run["loss_x"].append(ev["epoch"] - 1 + ev["batch"] / ev["batches"])
                run["loss"].append(sum(window) / len(window))
                window = []
            step = (ev["epoch"] - 1) * batches + ev["batch"]
            if step < pacer.steps and pacer.due(step):
                yield mlp_outputs(run, lang, digits=False)
                pacer.shown()
        else:  # an epoch ended: always show its test accuracy
            test = ev["test"]
            run["test_loss"].append(test["loss"])
            run["test_acc"].append(test["acc"])
            run["seconds"].append(ev["seconds"])
            run.update(pred=test["pred"], conf=test["conf"], epoch_loss=ev["train_loss"])
            if ev["epoch"] == epochs:
                run["status"] = "done"
                yield mlp_outputs(run, lang)
                return
            yield mlp_outputs(run, lang, digits=False)
            pacer.shown()
        if pacer.time_up():
            run.update(status="time_up", budget=pacer.budget)
            yield mlp_outputs(run, lang, digits=run["pred"] is not None)
            return


def on_lang(run, lang):
    return mlp_outputs(run or new_run(), lang)


def build(lang: gr.Radio) -> None:
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
            # The PyTorch numbers appear on page load (gr.on below), so building the tab needs no torch.
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

    n.change(on_classes, [n, target], [*logits, target], show_progress="hidden", api_visibility="private")
    # triggers=None: on page load and on every change of an input (a drag's steps, collapsed by always_last)
    gr.on(
        None,
        on_logits,
        [n, target, lang, *logits],
        [probs, math_md],
        show_progress="hidden",
        trigger_mode="always_last",
        concurrency_limit=None,
        api_visibility="private",
    )
    mlp_out = [loss_plot, acc_plot, status, digits, run]
    training = start.click(
        on_train,
        [lr, momentum, batch_size, epochs, seed, lang],
        mlp_out,
        concurrency_id="sm_train",
        **live.TRAINING,
    )
    stop.click(None, cancels=[training])
    lang.change(on_lang, [run, lang], mlp_out, show_progress="hidden", api_visibility="private")
    gr.api(api_softmax_ce, api_name="softmax_ce")
