"""What the live MNIST tabs share (lecture 9's MLP, lecture 10's CNN): the lecture's
training loop over any model factory, the test evaluation, the per-user run record,
the loss / accuracy curves, the mosaic of test digits and the status line.

The loop is the lecture's: DataLoader(shuffle=True, batch_size) (see shuffled_batches), CrossEntropyLoss,
SGD(lr, momentum), on the app's MNIST subset (demos/mnist_data.py). Seeding is the
snippets' order: the loader's own generator from ``seed``, then
``torch.manual_seed(seed); model = Net()``, so a snippet and a tab give the same numbers.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import plotly.graph_objects as go

from demos import live, mnist_data, ui
from demos.i18n import register, t

register(
    {
        "mnl_ready": (
            "按 **▶ 训练** 开始（在 6,000 张图上每轮约几分之一秒到数秒，视机器负载而定）。",
            "Press **▶ Train** (an epoch over 6,000 images takes a fraction of a second to a few seconds, depending on the machine's load).",
        ),
        "mnl_starting": ("正在准备数据和模型…", "Preparing the data and the model…"),
        "mnl_progress": (
            "第 {epoch}/{epochs} 轮，第 {batch}/{batches} 批：训练损失 {loss:.4f}",
            "Epoch {epoch}/{epochs}, batch {batch}/{batches}: training loss {loss:.4f}",
        ),
        "mnl_progress_acc": (
            "；第 {done} 轮后测试准确率 **{acc:.1f}%**（每轮 {sec:.2f} 秒）",
            "; test accuracy after epoch {done}: **{acc:.1f} %** ({sec:.2f} s per epoch)",
        ),
        "mnl_done": (
            "**完成** {epochs} 轮：测试准确率 **{acc:.1f}%**（1,000 张测试图中对 {correct} 张），最后一轮训练损失 {loss:.4f}；"
            "每轮平均 {sec:.2f} 秒。",
            "**Done**, {epochs} epochs: test accuracy **{acc:.1f} %** ({correct} of the 1,000 test digits), last epoch's "
            "training loss {loss:.4f}; {sec:.2f} s per epoch on average.",
        ),
        "mnl_diverged": (
            "**发散**：第 {epoch} 轮第 {batch} 批的损失变成了 {loss}，训练已停止。学习率 {lr:g}（动量 {momentum:g}）太大，试试 lr = 0.1 或更小。",
            "**Diverged**: at epoch {epoch}, batch {batch} the loss became {loss}, so training stopped. The learning rate "
            "{lr:g} (momentum {momentum:g}) is too large; try lr = 0.1 or less.",
        ),
        "mnl_dead": (
            "**网络“死”了**：第 {epoch} 轮后，进入最后一层的 {features} 个特征对每张测试图都是 0（之前的 ReLU 全部不再激活），"
            "于是网络对每张图都回答 {answer}（测试准确率 {acc:.1f}%），梯度也传不回前面的层，再训练也救不回来，训练已停止。"
            "学习率 {lr:g}（动量 {momentum:g}）太大，第一步就把权重推得太远；试试 lr = 0.1 或更小。",
            "**Collapsed**: after epoch {epoch} all {features} features entering the last layer are 0 for every test image "
            "(every ReLU before it has stopped firing), so the network answers {answer} for every digit (test accuracy "
            "{acc:.1f} %) and no gradient reaches the earlier layers: more training cannot bring it back, so it stopped. "
            "The learning rate {lr:g} (momentum {momentum:g}) is too large: the first steps threw the weights too far. "
            "Try lr = 0.1 or less.",
        ),
        "mnl_loss_title": ("损失（训练：每批滑动平均；测试：每轮）", "Loss (training: running mean; test: each epoch)"),
        "mnl_train_loss": ("训练损失", "training loss"),
        "mnl_test_loss": ("测试损失", "test loss"),
        "mnl_acc_title": ("每轮后的测试准确率", "Test accuracy after each epoch"),
        "mnl_test_acc": ("测试准确率 %", "test accuracy %"),
        "mnl_chance": ("随机猜测 10%", "chance 10 %"),
        "mnl_epoch": ("轮次 epoch", "epoch"),
        "mnl_digits_title": (
            "上排：每个数字的第一张测试图；下排：前 10 个认错的测试图（真 → 预测）",
            "Top: the first test image of each digit; bottom: the first 10 misread test images (true → predicted)",
        ),
        "mnl_digits_idle": (
            "测试集中每个数字的第一张图（训练后显示预测）",
            "The first test image of each digit (train to see predictions)",
        ),
    }
)

LR_RANGE = (0.0001, 1.0)
MOMENTUM_RANGE = (0.0, 0.99)
BATCH_SIZES = (16, 32, 64, 128, 256)
BATCH_RANGE = (1, 1024)  # accepted from any caller; the tabs offer BATCH_SIZES
EPOCH_RANGE = (1, 10)
SEED_RANGE = (0, 2**31 - 1)
LOSS_POINTS = 10  # training-loss points per epoch on the curve
_seed_lock = threading.Lock()  # seeding torch's global generator and building a model is one step


# ---- pure computation ---------------------------------------------------------------


def make_model(factory: Callable, seed: int):
    """A freshly initialised model, the same as torch.manual_seed(seed); Net() in a snippet."""
    torch = ui.torch_ready()
    with _seed_lock:
        torch.manual_seed(seed)
        return factory()


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def evaluate(model, x, y) -> dict:
    """Test loss, accuracy, predictions and their softmax confidence, all images at once; and
    "alive": how many of the features entering the last layer (the last module registered, e.g.
    fc) are non-zero for at least one image, out of "features". alive = 0 means every ReLU
    before it is dead: the output no longer depends on the image and no gradient gets through."""
    torch = ui.torch_ready()
    last = list(model.modules())[-1]
    seen = {}

    def record(module, inputs, output) -> None:  # a hook that returned a value would replace the output
        seen["x"] = inputs[0]

    handle = last.register_forward_hook(record)
    try:
        with torch.no_grad():
            out = model(x)  # (N, 10)
            loss = torch.nn.functional.cross_entropy(out, y).item()
            conf, pred = torch.softmax(out, dim=1).max(dim=1)
    finally:
        handle.remove()
    features = seen["x"].reshape(len(x), -1)  # (N, F): the last layer's input
    return {
        "loss": loss,
        "acc": (pred == y).float().mean().item(),
        "pred": pred.tolist(),
        "conf": conf.tolist(),
        "alive": int((features != 0).any(dim=0).sum()),
        "features": features.shape[1],
    }


def shuffled_batches(x, y, batch_size: int, seed: int):
    """The batches of the lecture's DataLoader(TensorDataset(x, y), batch_size, shuffle=True) with a
    generator seeded by ``seed``: the same RandomSampler and BatchSampler, so the same images in the
    same order, but each batch is fetched by one indexing x[indices] instead of batch_size single
    items stacked together (that took a fifth of the MLP's training time)."""
    torch = ui.torch_ready()
    data = torch.utils.data
    dataset = data.TensorDataset(x, y)
    generator = torch.Generator().manual_seed(seed)  # as DataLoader shares it: each epoch's base seed, then the order
    sampler = data.BatchSampler(data.RandomSampler(dataset, generator=generator), batch_size, drop_last=False)
    return data.DataLoader(dataset, sampler=sampler, batch_size=None, generator=generator)


def train(
    factory: Callable, lr: float, momentum: float, batch_size: int, epochs: int, seed: int = 0, stop_dead: bool = False
):
    """Train as the lecture does; yield after every batch and after every epoch's test.

    Yields {"kind": "start", "params"} once, then {"kind": "batch", "epoch", "batch", "batches", "loss",
    "images", "train_seconds"} (1-based; images and train_seconds count the run's training steps so far),
    then per epoch {"kind": "epoch", "epoch", "train_loss" (the epoch's mean), "test": evaluate(...), "seconds"}
    where seconds is the compute time of that epoch's training and test (time spent outside the generator
    excluded), or {"kind": "diverged", ...} once the loss is not finite, and stops. With ``stop_dead``
    it also stops after an epoch whose test finds the network dead (``evaluate``'s alive == 0).
    """
    torch = ui.torch_ready()
    x_train, y_train = mnist_data.tensors("train")
    x_test, y_test = mnist_data.tensors("test")
    loader = shuffled_batches(x_train, y_train, batch_size, seed)
    model = make_model(factory, seed)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    yield {"kind": "start", "params": count_parameters(model)}
    images, train_seconds = 0, 0.0
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
            step = time.perf_counter() - resumed  # fetching the batch and one SGD step
            busy += step
            train_seconds += step
            images += len(target)
            yield {
                "kind": "batch",
                "epoch": epoch,
                "batch": batch,
                "batches": len(loader),
                "loss": value,
                "images": images,
                "train_seconds": train_seconds,
            }
            resumed = time.perf_counter()
        test = evaluate(model, x_test, y_test)
        busy += time.perf_counter() - resumed
        yield {"kind": "epoch", "epoch": epoch, "train_loss": running / len(loader), "test": test, "seconds": busy}
        if stop_dead and test["alive"] == 0:
            return


def history(factory: Callable, lr: float, momentum: float, batch_size: int, epochs: int, seed: int = 0) -> dict:
    """The whole run at once: {"train_loss": [per epoch], "test_acc": [...], "test_loss": [...], "diverged"}."""
    out = {"train_loss": [], "test_acc": [], "test_loss": [], "diverged": False}
    for ev in train(factory, lr, momentum, batch_size, epochs, seed):
        if ev["kind"] == "diverged":
            out["diverged"] = True
        elif ev["kind"] == "epoch":
            out["train_loss"].append(ev["train_loss"])
            out["test_acc"].append(ev["test"]["acc"])
            out["test_loss"].append(ev["test"]["loss"])
    return out


def check_settings(lr, momentum, batch_size, epochs, seed, names: tuple[str, ...], lang: str | None) -> tuple:
    """(lr, momentum, batch_size, epochs, seed) checked and converted, or a gr.Error naming the field."""
    return (
        ui.number(lr, names[0], *LR_RANGE, lang),
        ui.number(momentum, names[1], *MOMENTUM_RANGE, lang),
        ui.integer(batch_size, names[2], *BATCH_RANGE, lang),
        ui.integer(epochs, names[3], *EPOCH_RANGE, lang),
        ui.integer(seed, names[4], *SEED_RANGE, lang),
    )


# ---- the per-user run record and how events fill it ------------------------------------


def new_run(epochs: int = 10, lr: float = 0.01, momentum: float = 0.5) -> dict:
    """Per-user record of one run (kept in gr.State); only finite numbers go in."""
    return {
        "epochs": epochs,
        "lr": lr,
        "momentum": momentum,
        "status": "idle",
        "loss_x": [],
        "loss": [],
        "window": [],  # training losses not yet averaged into a curve point
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
        "params": None,
        "images": 0,
        "train_seconds": 0.0,
        "stop_dead": False,  # whether the run stops once the network is dead (see train)
        "features": None,
        "answer": None,
    }


def absorb(run: dict, ev: dict) -> None:
    """Record one event of ``train`` in ``run``."""
    kind = ev["kind"]
    if kind == "start":
        run["params"] = ev["params"]
    elif kind == "batch":
        run.update(
            epoch=ev["epoch"],
            batch=ev["batch"],
            batches=ev["batches"],
            last_loss=ev["loss"],
            images=ev["images"],
            train_seconds=ev["train_seconds"],
        )
        run["window"].append(ev["loss"])
        every = max(1, ev["batches"] // LOSS_POINTS)  # batches per point of the training-loss curve
        if len(run["window"]) == every or ev["batch"] == ev["batches"]:
            run["loss_x"].append(ev["epoch"] - 1 + ev["batch"] / ev["batches"])
            run["loss"].append(sum(run["window"]) / len(run["window"]))
            run["window"] = []
    elif kind == "epoch":
        test = ev["test"]
        run["test_loss"].append(test["loss"])
        run["test_acc"].append(test["acc"])
        run["seconds"].append(ev["seconds"])
        run.update(pred=test["pred"], conf=test["conf"], epoch_loss=ev["train_loss"])
        if ev["epoch"] == run["epochs"]:
            run["status"] = "done"
        if run.get("stop_dead") and test["alive"] == 0:
            run.update(status="dead", epoch=ev["epoch"], features=test["features"], answer=test["pred"][0])
    elif kind == "diverged":
        run.update(status="diverged", epoch=ev["epoch"], batch=ev["batch"], bad_loss=str(ev["loss"]))


def interleave(streams: list[Iterable[dict]]) -> Iterator[tuple[int, dict]]:
    """(i, event) taking one event from each stream in turn until all end: runs of the same
    length then grow side by side. Each run seeds its own loader and model, so the
    numbers are those of the runs one after the other."""
    live_streams = [(i, iter(s)) for i, s in enumerate(streams)]
    while live_streams:
        for item in list(live_streams):
            i, it = item
            ev = next(it, None)
            if ev is None:
                live_streams.remove(item)
            else:
                yield i, ev


def stream(runs: list[dict], events: Iterable[tuple[int, dict]], pacer: live.Pacer) -> Iterator[bool]:
    """Feed (i, event) into runs[i]; yield when a frame is due. The value yielded says whether
    the digits (test predictions) should be redrawn too: only in the last frame.

    Frames: by time during batches (``pacer``), after every epoch's test, once when a run
    diverges, and at the end; the run stops early at the pacer's time budget (status "time_up")."""
    for run in runs:
        run["status"] = "running"
    step = 0  # batches so far, over all runs

    def running() -> bool:
        return any(r["status"] == "running" for r in runs)

    for i, ev in events:
        absorb(runs[i], ev)
        kind = ev["kind"]
        if kind == "start":  # a model was built; its first batch comes next
            continue
        if kind == "batch":
            step += 1
            if step < pacer.steps and pacer.due(step):
                yield False
                pacer.shown()
        elif kind in ("epoch", "diverged"):  # always show a test accuracy or a divergence
            if not running():
                yield kind == "epoch" or any(r["status"] == "done" for r in runs)
                return
            yield False
            pacer.shown()
        if pacer.time_up():
            for run in runs:
                if run["status"] == "running":
                    run.update(status="time_up", budget=pacer.budget)
            yield any(r["pred"] is not None for r in runs)
            return


# ---- figures and text -------------------------------------------------------------------


def _label(names: list[str] | None, i: int, text: str) -> str:
    return f"{names[i]} · {text}" if names else text


def _color(colors: list[str] | None, i: int) -> str:
    return colors[i] if colors else ui.COLORS[i % len(ui.COLORS)]


def loss_figure(
    runs: list[dict], lang: str, names: list[str] | None = None, colors: list[str] | None = None
) -> go.Figure:
    """Training loss (running mean, x in epochs) and test loss after each epoch, per run.
    With ``names`` each run has its own colour: training solid, test dotted."""
    curves = {}
    for i, run in enumerate(runs):
        curves[_label(names, i, t("mnl_train_loss", lang))] = run["loss"]
        curves[_label(names, i, t("mnl_test_loss", lang))] = run["test_loss"]
    fig = live.curves_figure(curves, t("mnl_loss_title", lang), t("mnl_epoch", lang), "loss")
    for i, run in enumerate(runs):
        train_trace, test_trace = fig.data[2 * i], fig.data[2 * i + 1]
        train_trace.x = run["loss_x"]  # fractions of an epoch
        test_trace.update(mode="lines+markers", marker={"size": 10})
        if names:
            color = _color(colors, i)
            train_trace.line.color = color
            test_trace.update(line={"color": color, "dash": "dot"}, marker={"color": color, "symbol": "diamond"})
    fig.update_xaxes(range=[0, max([r["epochs"] for r in runs] + [1])])
    fig.update_yaxes(rangemode="tozero")
    if names:
        _legend_below(fig)
    return fig


def _legend_below(fig: go.Figure) -> None:
    """Named runs: the legend in a row under the plot, leaving the plot its full width."""
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "y": -0.34, "yanchor": "top"},  # below the axis title
        margin={"b": 140},
        height=fig.layout.height + 80,
    )


def accuracy_figure(
    runs: list[dict], lang: str, names: list[str] | None = None, colors: list[str] | None = None
) -> go.Figure:
    curves = {
        (names[i] if names else t("mnl_test_acc", lang)): [100 * a for a in r["test_acc"]] for i, r in enumerate(runs)
    }
    fig = live.curves_figure(curves, t("mnl_acc_title", lang), t("mnl_epoch", lang), "%")
    positions = ("top center", "bottom center")  # two runs' labels above and below their points
    for i, trace in enumerate(fig.data):
        trace.update(
            mode="lines+markers+text",
            marker={"size": 10},
            texttemplate="%{y:.1f}",
            textposition=positions[i % 2] if names else "top center",
        )
        if names:
            trace.line.color = trace.marker.color = trace.textfont.color = _color(colors, i)
    fig.add_hline(
        y=10,
        line={"dash": "dot", "color": "#888"},
        annotation_text=t("mnl_chance", lang),
        annotation_position="bottom right" if names else "top right",  # under the line: clear of point labels
    )
    fig.update_xaxes(range=[0.5, max([r["epochs"] for r in runs] + [1]) + 0.5], dtick=1)
    fig.update_yaxes(range=[0, 105])
    if names:
        _legend_below(fig)
    return fig


CELL = 30  # a 28x28 digit plus a 2-pixel gap


def digit_picks(pred: list[int] | None, y: np.ndarray) -> tuple[list[int], list[int]]:
    """Indices shown: the first test image of each digit; the first 10 misread ones."""
    firsts = [int(np.flatnonzero(y == d)[0]) for d in range(10)]
    wrong = [] if pred is None else [int(i) for i in np.flatnonzero(np.asarray(pred) != y)[:10]]
    return firsts, wrong


def digits_figure(run: dict, lang: str, name: str | None = None) -> go.Figure:
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
    title = t("mnl_digits_idle" if pred is None else "mnl_digits_title", lang)
    ui.style(fig, f"{name}: {title}" if name and pred is not None else title, height=120 + 150 * len(rows))
    fig.update_xaxes(visible=False, range=[-1, 10 * CELL - 1], fixedrange=True)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", fixedrange=True)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10}, title_font_size=18)
    return fig


def status_text(run: dict, lang: str) -> str:
    s = run["status"]
    if s == "idle":
        return t("mnl_ready", lang)
    if s == "starting":
        return t("mnl_starting", lang)
    if s == "dead":
        return t(
            "mnl_dead",
            lang,
            epoch=run["epoch"],
            features=run["features"],
            answer=run["answer"],
            acc=100 * run["test_acc"][-1],
            lr=run["lr"],
            momentum=run["momentum"],
        )
    if s == "diverged":
        return t(
            "mnl_diverged",
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
            "mnl_done",
            lang,
            epochs=len(run["test_acc"]),
            acc=100 * acc,
            correct=correct,
            loss=run["epoch_loss"],
            sec=sec,
        )
    if run["last_loss"] is None:  # running, before its first batch
        return t("mnl_starting", lang)
    text = t(
        "mnl_progress",
        lang,
        epoch=run["epoch"],
        epochs=run["epochs"],
        batch=run["batch"],
        batches=run["batches"],
        loss=run["last_loss"],
    )
    if run["test_acc"]:
        text += t("mnl_progress_acc", lang, done=len(run["test_acc"]), acc=100 * run["test_acc"][-1], sec=sec)
    if s == "time_up":
        text += "  \n" + t("live_time_up", lang, seconds=run["budget"])
    return text


def images_per_second(run: dict) -> float | None:
    """Training throughput of a run: images / compute seconds of its SGD steps (None before any)."""
    return run["images"] / run["train_seconds"] if run["train_seconds"] > 0 else None
