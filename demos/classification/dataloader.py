"""PyTorch lecture 8: Dataset and DataLoader. Which sample lands in which batch,
iterations per epoch, what the batch size does to loss noise and time per epoch,
and the homework: Titanic survival with a Dataset subclass.

    iterations per epoch = len(loader) = ceil(N / batch_size)   (floor with drop_last=True)
"""

from __future__ import annotations

import csv
import functools
import math
import time
from pathlib import Path

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, ui
from demos.classification import pima
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("dataloader", "sec_classification", "dl_tab", "dl_source", "dl_intro")

built_keys("dl_t_*_title")

register(
    {
        "dl_tab": ("第8讲 Dataset 与 DataLoader", "L8 Dataset & DataLoader"),
        "dl_source": (
            "**刘二 PyTorch 第8讲 · 加载数据集** · Dataset、DataLoader、batch、iteration、epoch",
            "**Liu Er PyTorch lecture 8 · Dataset and DataLoader** · batch, iteration, epoch",
        ),
        "dl_intro": (
            "**epoch**：所有训练样本都参与一次前向和反向传播；**batch size**：一次前向/反向用的样本数；"
            "**iteration**：一个 epoch 里更新的次数，等于 batch 的个数 ⌈N / batch_size⌉。"
            "`Dataset` 子类只需实现 `__getitem__`（按下标取一个样本）和 `__len__`；`DataLoader` 负责（可选地）打乱下标、"
            "把样本拼成 batch。下面三部分：看样本如何分进 batch；在第7讲的糖尿病网络上比较不同 batch size；"
            "最后是作业——用自己的 `TitanicDataset` 训练泰坦尼克号生还预测。",
            "An **epoch** is one forward and backward pass of every training sample; the **batch size** is how many "
            "samples one forward/backward pass uses; an **iteration** is one update, and an epoch has ⌈N / batch_size⌉ "
            "of them. A `Dataset` subclass only implements `__getitem__` (one sample by index) and `__len__`; the "
            "`DataLoader` shuffles the indices (if asked) and stacks samples into batches. Below: see which samples "
            "land in which batch; compare batch sizes on lecture 7's diabetes network; and the homework, Titanic "
            "survival with your own `TitanicDataset`.",
        ),
        # part 1: the batches
        "dl_part1": ("### 1 · 样本如何分进 batch", "### 1 · Which sample lands in which batch"),
        "dl_n": ("数据集大小 N（样本 i 就是数字 i）", "Dataset size N (sample i is the number i)"),
        "dl_bs": ("batch_size", "batch_size"),
        "dl_shuffle": ("shuffle（每个 epoch 重新打乱）", "shuffle (a new order every epoch)"),
        "dl_drop_last": ("drop_last（丢掉不满的最后一批）", "drop_last (drop the last, short batch)"),
        "dl_seed": ("随机种子（torch.Generator）", "Seed (torch.Generator)"),
        "dl_epochs_shown": ("显示几个 epoch", "Epochs shown"),
        "dl_grid_title": (
            "DataLoader(batch_size={bs}, shuffle={shuffle}, drop_last={drop})：颜色 = batch，数字 = 样本下标",
            "DataLoader(batch_size={bs}, shuffle={shuffle}, drop_last={drop}): colour = batch, number = sample index",
        ),
        "dl_grid_x": ("每个 epoch 中的 iteration（batch）", "iteration (batch) within the epoch"),
        "dl_it": ("第{i}批", "it {i}"),
        "dl_dropped": ("丢弃", "dropped"),
        "dl_epoch_row": ("epoch {e}", "epoch {e}"),
        "dl_iters": (
            "len(dataset) = {n}，batch_size = {bs} → 每个 epoch **{iters}** 次 iteration（len(loader) = {formula}）。{tail}",
            "len(dataset) = {n}, batch_size = {bs} → **{iters}** iterations per epoch (len(loader) = {formula}). {tail}",
        ),
        "dl_tail_full": ("每个 batch 都是 {bs} 个样本。", "Every batch holds {bs} samples."),
        "dl_tail_short": ("最后一个 batch 只有 {last} 个样本。", "The last batch holds only {last} samples."),
        "dl_tail_drop": (
            "每个 epoch 丢掉 {dropped} 个样本（打乱时每次丢的不同）。",
            "{dropped} samples are dropped each epoch (different ones when shuffled).",
        ),
        "dl_tail_none": (
            "batch_size 大于 N 且 drop_last：一个 batch 也没有！",
            "batch_size exceeds N with drop_last: no batch at all!",
        ),
        # part 2: batch sizes compared
        "dl_part2": (
            "### 2 · batch size 的影响：同一个 8-6-4-1 网络（sigmoid、SGD），同样的初始权重",
            "### 2 · What the batch size does: the same 8-6-4-1 network (sigmoid, SGD), the same initial weights",
        ),
        "dl_part2_note": (
            "batch 越小，每个 epoch 更新次数越多、进展越快，但每次的梯度只来自几个样本，损失抖动大；"
            "batch 越大，一次矩阵运算处理更多样本，每个 epoch 更快，但更新次数少。时间是这台服务器上实测的。",
            "Small batches make many updates per epoch and progress fast, but each gradient comes from a few samples, "
            "so the loss is noisy; large batches process many samples in one matrix product, so an epoch is quicker, "
            "but make few updates. The times are measured on this server.",
        ),
        "dl_sizes": (
            "要比较的 batch size（614 = 全部训练样本）",
            "Batch sizes to compare (614 = the whole training set)",
        ),
        "dl_cmp_epochs": ("每个 batch size 训练的 epoch 数", "Epochs for each batch size"),
        "dl_cmp_lr": ("学习率 lr（SGD）", "Learning rate lr (SGD)"),
        "dl_compare": ("▶ 比较", "▶ Compare"),
        "dl_stop": ("■ 停止", "■ Stop"),
        "dl_cmp_ready": ("选几个 batch size，按 ▶ 比较。", "Pick some batch sizes and press ▶ Compare."),
        "dl_need_size": ("至少选一个 batch size。", "Pick at least one batch size."),
        "dl_cmp_row": (
            "batch_size = {bs}：每个 epoch {iters} 次 iteration，{ms:.1f} ms/epoch，最后一个 epoch 的平均损失 {loss:.4f}",
            "batch_size = {bs}: {iters} iterations per epoch, {ms:.1f} ms per epoch, mean loss of the last epoch {loss:.4f}",
        ),
        "dl_cmp_running": (
            "正在训练 batch_size = {bs}，epoch {epoch}/{epochs}……",
            "Training batch_size = {bs}, epoch {epoch}/{epochs}…",
        ),
        "dl_diverged": (
            "**发散**：损失变成了 NaN/inf，已停止。请调小学习率。",
            "**Diverged**: the loss became NaN/inf; stopped. Lower the learning rate.",
        ),
        "dl_noise_title": ("每次 iteration 的 batch 损失", "Batch loss of every iteration"),
        "dl_noise_x": ("epoch（iteration / 每个 epoch 的 iteration 数）", "epoch (iteration / iterations per epoch)"),
        "dl_time_title": ("每个 epoch 的耗时（实测中位数）", "Time per epoch (measured median)"),
        "dl_time_y": ("毫秒 / epoch", "ms per epoch"),
        "dl_iters_short": ("{iters} 次/epoch", "{iters} it/epoch"),
        # part 3: Titanic
        "dl_part3": (
            "### 3 · 作业：泰坦尼克号生还预测（自己写 Dataset）",
            "### 3 · Homework: Titanic survival (your own Dataset)",
        ),
        "dl_part3_note": (
            "`TitanicDataset(Dataset)` 读取 data/titanic.csv（1309 位乘客，固定种子分成 1047 训练 / 262 测试），把 "
            "舱位等级（独热 3）、性别、年龄、兄弟姐妹/配偶数、父母/子女数、log(1+票价)、登船港口（独热 3）编码成 11 维特征"
            "（数值特征用训练集的均值和标准差标准化），`__getitem__` 返回 (x, y)。网络 11 → 16 → 8 → 1（ReLU，最后 sigmoid），BCELoss。",
            "`TitanicDataset(Dataset)` reads data/titanic.csv (1309 passengers, a fixed seeded split into 1047 train / "
            "262 test) and encodes class (one-hot, 3), sex, age, siblings/spouses, parents/children, log(1 + fare) and "
            "port of embarkation (one-hot, 3) into 11 features (numbers z-scored with the training mean and std); "
            "`__getitem__` returns (x, y). The network is 11 → 16 → 8 → 1 (ReLU, then a sigmoid), with BCELoss.",
        ),
        "dl_t_bs": ("batch_size", "batch_size"),
        "dl_t_shuffle": ("shuffle", "shuffle"),
        "dl_t_optimizer": ("优化器", "Optimizer"),
        "dl_t_lr": ("学习率 lr", "Learning rate lr"),
        "dl_t_epochs": ("轮数 epochs", "Epochs"),
        "dl_t_seed": ("随机种子", "Seed"),
        "dl_t_train": ("▶ 训练", "▶ Train"),
        "dl_t_ready": ("按 ▶ 训练。", "Press ▶ Train."),
        "dl_t_progress": (
            "epoch {epoch}/{epochs}（每个 epoch {iters} 次 iteration，共 {updates} 次更新）：训练准确率 {train_acc:.1%}，测试准确率 **{test_acc:.1%}**",
            "epoch {epoch}/{epochs} ({iters} iterations per epoch, {updates} updates so far): train accuracy {train_acc:.1%}, test accuracy **{test_acc:.1%}**",
        ),
        "dl_t_done": (
            "**完成** {epochs} 个 epoch（共 {updates} 次更新）：训练准确率 {train_acc:.1%}，测试准确率 **{test_acc:.1%}**"
            "（全猜“遇难”的基线：{baseline:.1%}）。",
            "**Done**, {epochs} epochs ({updates} updates): train accuracy {train_acc:.1%}, test accuracy **{test_acc:.1%}** "
            "(always guessing 'died' scores {baseline:.1%}).",
        ),
        "dl_t_diverged": (
            "**发散**：第 {epoch} 个 epoch 损失变成 NaN/inf，训练停止。学习率 {lr:g} 太大。",
            "**Diverged**: at epoch {epoch} the loss became NaN/inf; training stopped. The learning rate {lr:g} is too large.",
        ),
        "dl_t_loss_title": ("泰坦尼克号：BCE 损失", "Titanic: BCE loss"),
        "dl_t_acc_title": ("泰坦尼克号：准确率", "Titanic: accuracy"),
        "dl_train": ("训练集", "train"),
        "dl_test": ("测试集", "test"),
        "dl_epoch": ("轮次 epoch", "epoch"),
        "dl_baseline": ("基线：全猜“遇难” {b:.1%}", "baseline: always 'died' {b:.1%}"),
    }
)

TITANIC = Path(__file__).resolve().parents[2] / "data" / "titanic.csv"
N_RANGE = (1, 40)
SIZES = (1, 4, 16, 64, 256, 614)  # 614 = every Pima training row: full batch
TITANIC_LAYERS = ((11, 16), (16, 8), (8, 1))
OPTIMIZERS = pima.OPTIMIZERS
MAX_NOISE_POINTS = 1500  # per curve sent to the browser


# ---- pure computation: batches -------------------------------------------------


@functools.cache
def dataset_classes():
    """The Dataset subclasses, defined on first use so that importing this module does not import torch."""
    torch = ui.torch_ready()

    class IndexDataset(torch.utils.data.Dataset):
        """N samples; sample i is just the number i, so a batch shows which samples it holds."""

        def __init__(self, n: int):
            self.n = n

        def __getitem__(self, i: int) -> int:
            return i

        def __len__(self) -> int:
            return self.n

    class TitanicDataset(torch.utils.data.Dataset):
        """The homework table: x (n, 11) float32 features, y (n, 1) survived (0/1)."""

        def __init__(self, split: str):
            x, y, splits = titanic_features()
            keep = splits == split
            self.x = torch.from_numpy(x[keep])  # (n, 11)
            self.y = torch.from_numpy(y[keep]).unsqueeze(1)  # (n, 1)

        def __getitem__(self, i: int):
            return self.x[i], self.y[i]

        def __len__(self) -> int:
            return len(self.y)

    return IndexDataset, TitanicDataset


def iterations(n: int, batch_size: int, drop_last: bool) -> int:
    """Batches per epoch: ceil(N / batch_size), or floor with drop_last."""
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def batches(n: int, batch_size: int, shuffle: bool, drop_last: bool, seed: int, epochs: int) -> list[list[list[int]]]:
    """The sample indices of every batch of every epoch, as a real DataLoader delivers them."""
    torch = ui.torch_ready()
    index_dataset, _ = dataset_classes()
    loader = torch.utils.data.DataLoader(
        index_dataset(n),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=torch.Generator().manual_seed(seed),
    )
    return [[batch.tolist() for batch in loader] for _ in range(epochs)]


# ---- pure computation: batch sizes compared on the Pima network ---------------------


def compare_run(batch_size: int, epochs: int, lr: float, seed: int = 0):
    """Yield (epoch, [batch loss of each iteration], seconds of the epoch) training lecture 7's
    8-6-4-1 sigmoid network with SGD on mini-batches of the Pima training rows."""
    torch = ui.torch_ready()
    data = pima.tensors()
    dataset = torch.utils.data.TensorDataset(data["x_train"], data["y_train"].unsqueeze(1))  # (614, 8), (614, 1)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    model = pima.make_model("sigmoid", seed)
    criterion = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        start, losses = time.perf_counter(), []
        for x, y in loader:
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        yield epoch, losses, time.perf_counter() - start


# ---- pure computation: the Titanic homework --------------------------------------------


@functools.cache
def titanic_features() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (1309, 11) float32, y (1309,) float32, split (1309,) from data/titanic.csv.

    Features: pclass one-hot (3), female (1), z-scored age, sibsp, parch and log(1 + fare) (4),
    embarked one-hot C/Q/S (3); means and stds from the training rows only.
    """
    with open(TITANIC, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    split = np.array([r["split"] for r in rows])
    train = split == "train"

    def col(name):
        return np.array([float(r[name]) for r in rows])

    def z(v):
        return (v - v[train].mean()) / v[train].std()

    features = [col("pclass") == k for k in (1, 2, 3)]
    features.append(np.array([r["sex"] == "female" for r in rows]))
    features += [z(col("age")), z(col("sibsp")), z(col("parch")), z(np.log1p(col("fare")))]
    features += [np.array([r["embarked"] == port for r in rows]) for port in "CQS"]
    x = np.stack(features, axis=1).astype(np.float32)
    return x, col("survived").astype(np.float32), split


def titanic_baseline() -> float:
    """Test accuracy of always answering 'died'."""
    _, y, split = titanic_features()
    return float(1 - y[split == "test"].mean())


def titanic_run(batch_size: int, shuffle: bool, optimizer: str, lr: float, epochs: int, seed: int = 0):
    """Yield (epoch, metrics, iterations per epoch) after each epoch of mini-batch training;
    metrics (train/test loss and accuracy of the model after the epoch) is None once the loss is not finite."""
    torch = ui.torch_ready()
    _, titanic_dataset = dataset_classes()
    train_set, test_set = titanic_dataset("train"), titanic_dataset("test")
    loader = torch.utils.data.DataLoader(
        train_set, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(seed)
    )
    model = pima.make_model("relu", seed, TITANIC_LAYERS)
    criterion = torch.nn.BCELoss()
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        finite = True
        for x, y in loader:  # x (batch, 11), y (batch, 1)
            loss = criterion(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            finite = finite and math.isfinite(loss.item())
        if not finite:
            yield epoch, None, len(loader)
            return
        train_loss, train_acc = pima.evaluate(model, train_set.x, train_set.y.squeeze(1))
        test_loss, test_acc = pima.evaluate(model, test_set.x, test_set.y.squeeze(1))
        m = {"train_loss": train_loss, "test_loss": test_loss, "train_acc": train_acc, "test_acc": test_acc}
        yield epoch, m, len(loader)


# ---- figures and texts -----------------------------------------------------------------

PALETTE = ("#8ecae6", "#ffb703", "#90be6d", "#f4a6c0", "#b8b0f0", "#f9c74f", "#80cbc4", "#ffab91")
DROPPED = "#d9d9d9"


def grid_figure(n, batch_size, shuffle, drop_last, seed, epochs, lang) -> go.Figure:
    """One row per epoch: the samples in the order the loader delivers them, coloured by batch."""
    runs = batches(n, batch_size, shuffle, drop_last, seed, epochs)
    z, text = [], []
    for epoch in runs:
        row_z, row_t = [], []
        for b, batch in enumerate(epoch):
            row_z += [b % len(PALETTE)] * len(batch)
            row_t += batch
        dropped = sorted(set(range(n)) - set(row_t))  # only with drop_last
        row_z += [len(PALETTE)] * len(dropped)
        row_t += dropped
        z.append(row_z)
        text.append(row_t)
    levels = [*PALETTE, DROPPED]
    scale = [[(i + k) / len(levels), c] for i, c in enumerate(levels) for k in (0, 1)]  # one flat step per level
    fig = go.Figure(
        go.Heatmap(
            z=z, text=text, texttemplate="%{text}", textfont={"size": 15}, colorscale=scale, zmin=-0.5,
            zmax=len(levels) - 0.5, showscale=False, xgap=3, ygap=6, hoverinfo="skip",
        )
    )  # fmt: skip
    # x ticks at the middle of each batch; the dropped samples after them
    ticks, labels, pos = [], [], 0
    for b, batch in enumerate(runs[0]):
        ticks.append(pos + (len(batch) - 1) / 2)
        labels.append(t("dl_it", lang, i=b + 1))
        pos += len(batch)
    if pos < n:
        ticks.append(pos + (n - pos - 1) / 2)
        labels.append(t("dl_dropped", lang))
    title = t("dl_grid_title", lang, bs=batch_size, shuffle=bool(shuffle), drop=bool(drop_last))
    ui.style(fig, title, t("dl_grid_x", lang), height=140 + 70 * epochs)
    fig.update_xaxes(tickvals=ticks, ticktext=labels, showgrid=False, zeroline=False, range=[-0.5, n - 0.5])
    fig.update_yaxes(tickvals=list(range(epochs)), ticktext=[t("dl_epoch_row", lang, e=e + 1) for e in range(epochs)],
                     autorange="reversed", showgrid=False, zeroline=False)  # fmt: skip
    fig.update_layout(title={"font": {"size": 17}}, margin={"l": 90, "r": 10, "t": 60, "b": 60})
    return fig


def iterations_text(n: int, batch_size: int, drop_last: bool, lang: str) -> str:
    iters = iterations(n, batch_size, drop_last)
    formula = f"⌊{n}/{batch_size}⌋" if drop_last else f"⌈{n}/{batch_size}⌉"
    if drop_last and iters == 0:
        tail = t("dl_tail_none", lang)
    elif drop_last and n % batch_size:
        tail = t("dl_tail_drop", lang, dropped=n % batch_size)
    elif n % batch_size:
        tail = t("dl_tail_short", lang, last=n % batch_size)
    else:
        tail = t("dl_tail_full", lang, bs=batch_size)
    return t("dl_iters", lang, n=n, bs=batch_size, iters=iters, formula=f"{formula} = {iters}", tail=tail)


def noise_figure(cmp: dict | None, lang: str) -> go.Figure:
    """Batch loss against epoch = iteration / iterations per epoch, one line per batch size."""
    fig = go.Figure()
    for i, (bs, r) in enumerate((cmp or {}).items()):
        losses, iters = r["losses"], r["iters"]
        stride = max(1, math.ceil(len(losses) / MAX_NOISE_POINTS))
        idx = range(0, len(losses), stride)
        fig.add_trace(go.Scatter(x=[(k + 1) / iters for k in idx], y=live.finite([losses[k] for k in idx]),
                                 mode="lines", name=f"batch_size={bs}", opacity=0.85,
                                 line={"color": ui.COLORS[i % len(ui.COLORS)], "width": 1.5 if bs < 64 else 3}))  # fmt: skip
    ui.style(fig, t("dl_noise_title", lang), t("dl_noise_x", lang), "BCE loss")
    fig.update_layout(showlegend=True, legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "xanchor": "left"},
                      margin={"t": 90})  # fmt: skip
    return fig


def time_figure(cmp: dict | None, lang: str) -> go.Figure:
    sizes = list(cmp or {})
    ms = [1000 * float(np.median(cmp[bs]["seconds"])) for bs in sizes]
    fig = go.Figure(
        go.Bar(
            x=[str(bs) for bs in sizes], y=ms, marker={"color": [ui.COLORS[i % len(ui.COLORS)] for i in range(len(sizes))]},
            text=[t("dl_iters_short", lang, iters=cmp[bs]["iters"]) for bs in sizes], textposition="outside",
            textangle=0, cliponaxis=False,
        )
    )  # fmt: skip
    ui.style(fig, t("dl_time_title", lang), "batch_size", t("dl_time_y", lang), height=340)
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1.2 * max(ms, default=1)])  # room for the labels above the bars
    return fig


def compare_text(cmp: dict | None, lang: str) -> str:
    if not cmp:
        return t("dl_cmp_ready", lang)
    rows = []
    for bs, r in cmp.items():
        last = r["losses"][-r["iters"] :]
        ms = 1000 * float(np.median(r["seconds"]))
        rows.append("- " + t("dl_cmp_row", lang, bs=bs, iters=r["iters"], ms=ms, loss=float(np.mean(last))))
    return "\n".join(rows)


def titanic_curves(run: dict | None, kind: str, lang: str) -> go.Figure:
    hist = run["history"] if run else {f"{s}_{kind}": [] for s in ("train", "test")}
    names = {t("dl_train", lang): hist[f"train_{kind}"], t("dl_test", lang): hist[f"test_{kind}"]}
    fig = live.curves_figure(
        names, t(f"dl_t_{kind}_title", lang), t("dl_epoch", lang), kind if kind == "loss" else "accuracy"
    )
    if kind == "acc":
        b = titanic_baseline()
        fig.add_hline(y=b, line={"dash": "dash", "color": "#777", "width": 2})
        fig.add_annotation(x=0.99, xref="paper", y=b, text=t("dl_baseline", lang, b=b), showarrow=False,
                           xanchor="right", yanchor="top", font={"color": "#555"})  # fmt: skip
        fig.update_yaxes(range=[0.4, 1.0], tickformat=".0%")
    return fig


def titanic_text(run: dict | None, lang: str) -> str:
    return t(run["status"], lang, **run["fmt"]) if run else t("dl_t_ready", lang)


# ---- events -------------------------------------------------------------------------


def check_grid(n, batch_size, shuffle, drop_last, seed, epochs, lang):
    n = ui.integer(n, t("dl_n", lang), *N_RANGE, lang)
    return (
        n,
        ui.integer(batch_size, "batch_size", 1, N_RANGE[1], lang),
        bool(shuffle),
        bool(drop_last),
        ui.integer(seed, t("dl_seed", lang), 0, 2**31 - 1, lang),
        ui.integer(epochs, t("dl_epochs_shown", lang), 1, 4, lang),
    )


def on_grid(n, batch_size, shuffle, drop_last, seed, epochs, lang):
    n, batch_size, shuffle, drop_last, seed, epochs = check_grid(n, batch_size, shuffle, drop_last, seed, epochs, lang)
    return grid_figure(n, batch_size, shuffle, drop_last, seed, epochs, lang), iterations_text(
        n, batch_size, drop_last, lang
    )


def compare(sizes, epochs, lr, lang):
    """Stream the comparison: yields (noise fig, time fig, text, state)."""
    if not sizes:
        raise ui.user_error("dl_need_size", lang)
    sizes = sorted(int(ui.choice(str(s), "batch_size", tuple(map(str, SIZES)), lang)) for s in sizes)
    epochs = ui.integer(epochs, t("dl_cmp_epochs", lang), 1, 50, lang)
    lr = ui.number(lr, "lr", 1e-4, 10.0, lang)
    cmp: dict[int, dict] = {}
    pacer = live.Pacer(len(sizes) * epochs, min_interval=0.25)
    step = 0
    for bs in sizes:
        cmp[bs] = {"losses": [], "seconds": [], "iters": math.ceil(len(pima.load_table()["y_train"]) / bs)}
        for epoch, losses, seconds in compare_run(bs, epochs, lr):
            step += 1
            cmp[bs]["losses"] += losses
            cmp[bs]["seconds"].append(seconds)
            if not all(math.isfinite(v) for v in losses):
                yield noise_figure(cmp, lang), time_figure(cmp, lang), t("dl_diverged", lang), cmp
                return
            if pacer.time_up():
                text = compare_text(cmp, lang) + "\n\n" + pacer.time_up_text(lang)
                yield noise_figure(cmp, lang), time_figure(cmp, lang), text, cmp
                return
            if pacer.due(step):
                text = compare_text(cmp, lang)
                if step < pacer.steps:
                    text += "\n\n" + t("dl_cmp_running", lang, bs=bs, epoch=epoch, epochs=epochs)
                yield noise_figure(cmp, lang), time_figure(cmp, lang), text, cmp
                pacer.shown()


def train_titanic(batch_size, shuffle, optimizer, lr, epochs, seed, lang):
    """Stream the homework: yields (loss fig, accuracy fig, status, state)."""
    batch_size = ui.integer(batch_size, "batch_size", 1, 1047, lang)
    optimizer = ui.choice(optimizer, t("dl_t_optimizer", lang), OPTIMIZERS, lang)
    lr = ui.number(lr, "lr", 1e-5, 10.0, lang)
    epochs = ui.integer(epochs, "epochs", 1, 500, lang)
    seed = ui.integer(seed, t("dl_t_seed", lang), 0, 2**31 - 1, lang)
    hist = {k: [] for k in ("train_loss", "test_loss", "train_acc", "test_acc")}
    run = {"history": hist, "status": "dl_t_ready", "fmt": {}}
    pacer = live.Pacer(epochs, frames=20, min_seconds=2.0)
    for epoch, m, iters in titanic_run(batch_size, bool(shuffle), optimizer, lr, epochs, seed):
        if m is None:
            run.update(status="dl_t_diverged", fmt={"epoch": epoch, "lr": lr})
            yield titanic_curves(run, "loss", lang), titanic_curves(run, "acc", lang), titanic_text(run, lang), run
            return
        for k, v in m.items():
            hist[k].append(v)
        timeout = pacer.time_up()
        if epoch == epochs or timeout:
            run.update(
                status="dl_t_done", fmt={"epochs": epoch, "updates": epoch * iters, "baseline": titanic_baseline(), **m}
            )
            text = titanic_text(run, lang) + ("\n\n" + pacer.time_up_text(lang) if timeout else "")
            yield titanic_curves(run, "loss", lang), titanic_curves(run, "acc", lang), text, run
            return
        if pacer.due(epoch):
            run.update(
                status="dl_t_progress",
                fmt={"epoch": epoch, "epochs": epochs, "iters": iters, "updates": epoch * iters, **m},
            )
            yield titanic_curves(run, "loss", lang), titanic_curves(run, "acc", lang), titanic_text(run, lang), run
            pacer.shown()


def on_lang(cmp, run, lang):
    return (noise_figure(cmp, lang), time_figure(cmp, lang), compare_text(cmp, lang),
            titanic_curves(run, "loss", lang), titanic_curves(run, "acc", lang), titanic_text(run, lang))  # fmt: skip


def _batch_grid(lang) -> None:
    """Part 1: which samples land in which batch, redrawn whenever an input changes."""
    gr.Markdown(I18N("dl_part1"))
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            n = gr.Slider(*N_RANGE, value=30, step=1, label=I18N("dl_n"), elem_id="dl-n")
            bs = gr.Slider(1, N_RANGE[1], value=8, step=1, label=I18N("dl_bs"), elem_id="dl-bs")
            with gr.Row():
                shuffle = gr.Checkbox(True, label=I18N("dl_shuffle"), elem_id="dl-shuffle")
                drop_last = gr.Checkbox(False, label=I18N("dl_drop_last"), elem_id="dl-drop-last")
            with gr.Row():
                seed = gr.Number(0, precision=0, minimum=0, label=I18N("dl_seed"), elem_id="dl-seed")
                shown = gr.Slider(1, 4, value=3, step=1, label=I18N("dl_epochs_shown"))
            grid_inputs = [n, bs, shuffle, drop_last, seed, shown, lang]
            iters = gr.Markdown(iterations_text(30, 8, False, "en"), elem_id="dl-iters")
        with gr.Column(scale=4):
            # drawn when the tab is first shown: it needs torch's DataLoader
            grid = gr.Plot(show_label=False, elem_id="dl-grid")
    # whenever an input changes, the language included (so also when the tab is first shown)
    ui.on_inputs(on_grid, grid_inputs, [grid, iters])


def _batch_size_race(lang):
    """Part 2: train with several batch sizes and compare loss noise and time, with a stop button.
    Returns the run's State and its three outputs, for the language redraw."""
    gr.Markdown(I18N("dl_part2"))
    gr.Markdown(I18N("dl_part2_note"))
    cmp = gr.State(None)  # per user: {batch size: {"losses", "seconds", "iters"}}
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            sizes = gr.CheckboxGroup([str(s) for s in SIZES], value=["4", "16", "64", "614"], label=I18N("dl_sizes"),
                                     elem_id="dl-sizes")  # fmt: skip
            cmp_epochs = gr.Slider(1, 50, value=10, step=1, label=I18N("dl_cmp_epochs"), elem_id="dl-cmp-epochs")
            cmp_lr = gr.Number(0.1, label=I18N("dl_cmp_lr"), step=0.01, minimum=0, elem_id="dl-cmp-lr")
            with gr.Row():
                compare_btn = gr.Button(I18N("dl_compare"), variant="primary", elem_id="dl-compare")
                compare_stop = gr.Button(I18N("dl_stop"), variant="stop", elem_id="dl-compare-stop")
            cmp_text = gr.Markdown(compare_text(None, "en"), elem_id="dl-cmp-status")
        with gr.Column(scale=4):
            noise_plot = gr.Plot(noise_figure(None, "en"), show_label=False, elem_id="dl-noise")
            time_plot = gr.Plot(time_figure(None, "en"), show_label=False, elem_id="dl-time")
    live.train_button(compare_btn, compare_stop, compare, [sizes, cmp_epochs, cmp_lr, lang],
                      [noise_plot, time_plot, cmp_text, cmp], concurrency_id="dl_compare", show_progress="hidden")  # fmt: skip
    return cmp, noise_plot, time_plot, cmp_text


def _titanic_training(lang):
    """Part 3: train on Titanic with a chosen batch size, shuffle and optimizer, with a stop button.
    Returns the run's State and its three outputs, for the language redraw."""
    gr.Markdown(I18N("dl_part3"))
    gr.Markdown(I18N("dl_part3_note"))
    run = gr.State(None)  # per user: {"history", "status", "fmt"}
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            t_bs = gr.Slider(1, 256, value=32, step=1, label=I18N("dl_t_bs"), elem_id="dl-t-bs")
            t_shuffle = gr.Checkbox(True, label=I18N("dl_t_shuffle"), elem_id="dl-t-shuffle")
            t_opt = gr.Radio([(pima.OPT_LABELS[o], o) for o in OPTIMIZERS], value="adam", label=I18N("dl_t_optimizer"),
                             elem_id="dl-t-optimizer")  # fmt: skip
            t_lr = gr.Number(0.001, label=I18N("dl_t_lr"), step=0.001, minimum=0, elem_id="dl-t-lr")
            t_epochs = gr.Slider(1, 200, value=40, step=1, label=I18N("dl_t_epochs"), elem_id="dl-t-epochs")
            t_seed = gr.Number(0, precision=0, minimum=0, label=I18N("dl_t_seed"), elem_id="dl-t-seed")
            with gr.Row():
                t_train = gr.Button(I18N("dl_t_train"), variant="primary", elem_id="dl-t-train")
                t_stop = gr.Button(I18N("dl_stop"), variant="stop", elem_id="dl-t-stop")
            t_status = gr.Markdown(titanic_text(None, "en"), elem_id="dl-t-status")
        with gr.Column(scale=4):
            with gr.Row():
                t_loss = gr.Plot(titanic_curves(None, "loss", "en"), show_label=False, elem_id="dl-t-loss")
                t_acc = gr.Plot(titanic_curves(None, "acc", "en"), show_label=False, elem_id="dl-t-acc")
    live.train_button(t_train, t_stop, train_titanic, [t_bs, t_shuffle, t_opt, t_lr, t_epochs, t_seed, lang],
                      [t_loss, t_acc, t_status, run], concurrency_id="dl_titanic", show_progress="hidden")  # fmt: skip
    return run, t_loss, t_acc, t_status


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    _batch_grid(lang)
    cmp, noise_plot, time_plot, cmp_text = _batch_size_race(lang)
    run, t_loss, t_acc, t_status = _titanic_training(lang)
    ui.code_panel("dataloader", "titanic")
    ui.on_inputs(on_lang, [cmp, run, lang], [noise_plot, time_plot, cmp_text, t_loss, t_acc, t_status], triggers=[lang])
