"""PyTorch lecture 7: many input features. The Pima diabetes table (768 x 8) and
the lecture's 8-6-4-1 network, trained full-batch with BCELoss, live.

    X (N, 8) -> linear1 -> act -> (N, 6) -> linear2 -> act -> (N, 4) -> linear3 -> sigmoid -> (N, 1)
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import links, live, ui
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("pima", "sec_classification", "pima_tab", "pima_source", "pima_intro")

built_keys("pima_f_*", "pima_train_*", "pima_test_*")

register(
    {
        "pima_tab": ("第7讲 多维特征输入", "L7 Many features"),
        "pima_source": (
            "**刘二 PyTorch 第7讲 · 处理多维特征的输入** · 皮马印第安人糖尿病数据（768 × 8）",
            "**Liu Er PyTorch lecture 7 · Multiple-dimension input** · the Pima Indians diabetes table (768 × 8)",
        ),
        "pima_intro": (
            "每位病人有 8 个特征（怀孕次数、血糖、血压……），标签是五年内是否患糖尿病。一次把全部 N 个样本排成矩阵 X（N×8）："
            "`nn.Linear(8, 6)` 计算 X·Wᵀ + b，权重 W 的形状是 6×8，输出 N×6；再经过激活函数、`Linear(6, 4)`、`Linear(4, 1)`，"
            "最后 sigmoid 给出患病概率 ŷ，用二分类交叉熵 `BCELoss` 训练：loss = −mean(y·log ŷ + (1−y)·log(1−ŷ))。"
            "像讲义一样每个 epoch 用全部训练样本（全批量）更新一次。数据按固定种子分成 614 个训练、154 个测试样本；"
            "特征已用训练集的均值和标准差标准化，血糖、血压、皮褶、胰岛素、BMI 中的 0 表示缺失，已换成训练集中位数。",
            "Each patient has 8 features (pregnancies, glucose, blood pressure, ...) and a label: diabetes within five "
            "years or not. All N samples at once form a matrix X (N×8): `nn.Linear(8, 6)` computes X·Wᵀ + b with a weight "
            "W of shape 6×8, giving N×6; then an activation, `Linear(6, 4)`, `Linear(4, 1)` and a final sigmoid give the "
            "probability ŷ, trained with binary cross-entropy `BCELoss`: loss = −mean(y·log ŷ + (1−y)·log(1−ŷ)). As in "
            "the lecture every epoch is one update from all training samples (full batch). A fixed seeded split gives "
            "614 training and 154 test patients; features are z-scored with the training mean and std, and a 0 in "
            "glucose, blood pressure, skinfold, insulin or BMI means missing and was replaced by the training median.",
        ),
        "pima_activation": ("隐藏层激活函数", "Hidden activation"),
        "pima_optimizer": ("优化器", "Optimizer"),
        "pima_lr": ("学习率 lr", "Learning rate lr"),
        "pima_epochs": ("轮数 epochs（全批量，每轮更新一次）", "Epochs (full batch: one update each)"),
        "pima_seed": ("随机种子（初始权重）", "Seed (initial weights)"),
        "pima_train": ("▶ 开始训练", "▶ Train"),
        "pima_stop": ("■ 停止", "■ Stop"),
        "pima_ready": ("按 ▶ 开始训练。", "Press ▶ Train."),
        "pima_progress": (
            "第 {epoch}/{epochs} 轮：训练损失 {train_loss:.4f}，测试损失 {test_loss:.4f}，测试准确率 **{test_acc:.1%}**",
            "epoch {epoch}/{epochs}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, test accuracy **{test_acc:.1%}**",
        ),
        "pima_done": (
            "**完成**：{epochs} 轮后训练准确率 {train_acc:.1%}，测试准确率 **{test_acc:.1%}**"
            "（全部猜“不患病”的基线：{baseline:.1%}）。",
            "**Done**: after {epochs} epochs, train accuracy {train_acc:.1%}, test accuracy **{test_acc:.1%}** "
            "(always guessing 'no diabetes' scores {baseline:.1%}).",
        ),
        "pima_diverged": (
            "**发散**：第 {epoch} 轮损失变成了非有限数（NaN/inf），训练停止。学习率 {lr:g} 太大，请调小。",
            "**Diverged**: at epoch {epoch} the loss became non-finite (NaN/inf); training stopped. "
            "The learning rate {lr:g} is too large; lower it.",
        ),
        "pima_loss_title": ("BCE 损失", "BCE loss"),
        "pima_acc_title": ("准确率（ŷ > 0.5 判为患病）", "Accuracy (ŷ > 0.5 means diabetic)"),
        "pima_epoch": ("轮次 epoch", "epoch"),
        "pima_train_loss": ("训练集", "train"),
        "pima_test_loss": ("测试集", "test"),
        "pima_train_acc": ("训练集", "train"),
        "pima_test_acc": ("测试集", "test"),
        "pima_baseline": ("基线：全猜“不患病” {b:.1%}", "baseline: always 'no' {b:.1%}"),
        "pima_net_title": (
            "网络 8 → 6 → 4 → 1（线宽 = |权重|，蓝正红负）",
            "Network 8 → 6 → 4 → 1 (width = |weight|, blue +, red −)",
        ),
        "pima_net_untrained": (
            "网络 8 → 6 → 4 → 1（训练后显示权重）",
            "Network 8 → 6 → 4 → 1 (weights shown after training)",
        ),
        "pima_shapes": (
            "#### 每层的形状（N = {n} 个训练样本）\n\n"
            "| 层 | PyTorch | 权重 W | 偏置 b | 输出 |\n|---|---|---|---|---|\n"
            "| linear1 | `nn.Linear(8, 6)` | 6×8 | 6 | N×6 → {act} |\n"
            "| linear2 | `nn.Linear(6, 4)` | 4×6 | 4 | N×4 → {act} |\n"
            "| linear3 | `nn.Linear(4, 1)` | 1×4 | 1 | N×1 → sigmoid = ŷ |\n\n"
            "矩阵视角（`Linear` 计算 X·Wᵀ + b）：\n\n"
            "({n}×8)·(8×6) + b → {act} → ({n}×6)·(6×4) + b → {act} → ({n}×4)·(4×1) + b → sigmoid → ({n}×1)\n\n"
            "参数共 6·8+6 + 4·6+4 + 1·4+1 = **{params}** 个。",
            "#### The shape of each layer (N = {n} training samples)\n\n"
            "| layer | PyTorch | weight W | bias b | output |\n|---|---|---|---|---|\n"
            "| linear1 | `nn.Linear(8, 6)` | 6×8 | 6 | N×6 → {act} |\n"
            "| linear2 | `nn.Linear(6, 4)` | 4×6 | 4 | N×4 → {act} |\n"
            "| linear3 | `nn.Linear(4, 1)` | 1×4 | 1 | N×1 → sigmoid = ŷ |\n\n"
            "The matrix view (`Linear` computes X·Wᵀ + b):\n\n"
            "({n}×8)·(8×6) + b → {act} → ({n}×6)·(6×4) + b → {act} → ({n}×4)·(4×1) + b → sigmoid → ({n}×1)\n\n"
            "**{params}** parameters: 6·8+6 + 4·6+4 + 1·4+1.",
        ),
        "pima_patient_head": (
            "### 预测一位病人\n输入真实单位的数值（0 表示未测，按训练集中位数处理），或从测试集里选一位。用的是你刚训练的网络。",
            "### Predict one patient\nEnter values in real units (0 means not measured and is treated as the training "
            "median), or pick a patient from the test set. It uses the network you just trained.",
        ),
        "pima_pick": ("测试集中的病人 #", "Test-set patient #"),
        "pima_predict": ("预测", "Predict"),
        "pima_need_train": ("先训练网络，再预测。", "Train the network first, then predict."),
        "pima_prob": (
            "P(糖尿病) = ŷ = **{p:.1%}** → 判为 **{verdict}**",
            "P(diabetes) = ŷ = **{p:.1%}** → predicted **{verdict}**",
        ),
        "pima_yes": ("患病", "diabetic"),
        "pima_no": ("不患病", "not diabetic"),
        "pima_truth": ("（此病人真实标签：{label}）", " (this patient's true label: {label})"),
        "pima_z": ("标准化后输入 z = (x − 均值)/标准差：", "Standardised input z = (x − mean)/std: "),
        "pima_f_pregnancies": ("怀孕次数", "Pregnancies"),
        "pima_f_glucose": ("血糖 (mg/dL)", "Glucose (mg/dL)"),
        "pima_f_blood_pressure": ("舒张压 (mmHg)", "Diastolic BP (mmHg)"),
        "pima_f_skin_thickness": ("三头肌皮褶 (mm)", "Triceps skinfold (mm)"),
        "pima_f_insulin": ("胰岛素 (μU/mL)", "Insulin (μU/mL)"),
        "pima_f_bmi": ("体重指数 BMI", "BMI (kg/m²)"),
        "pima_f_pedigree": ("糖尿病家族谱系函数", "Diabetes pedigree"),
        "pima_f_age": ("年龄（岁）", "Age (years)"),
    }
)

DATA = Path(__file__).resolve().parents[2] / "data" / "pima.csv"
FEATURES = ("pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi", "pedigree", "age")
# Training-split statistics written by data/derive_tables.py (see data/tables.md):
# name: (median that replaces a missing 0, or None; mean; std), z = (x - mean) / std.
STATS = {
    "pregnancies": (None, 3.83062, 3.34508),
    "glucose": (117.0, 120.849, 30.2833),
    "blood_pressure": (72.0, 72.4821, 11.8182),
    "skin_thickness": (29.0, 28.9169, 8.25773),
    "insulin": (130.0, 145.08, 88.4786),
    "bmi": (32.05, 32.4091, 6.85828),
    "pedigree": (None, 0.468397, 0.333238),
    "age": (None, 33.2394, 11.8418),
}
# Accepted real-unit inputs (a little beyond the table's own range), and the step of each box.
RANGES = {
    "pregnancies": (0, 20, 1),
    "glucose": (0, 250, 1),
    "blood_pressure": (0, 160, 1),
    "skin_thickness": (0, 110, 1),
    "insulin": (0, 1000, 1),
    "bmi": (0, 80, 0.1),
    "pedigree": (0, 3, 0.001),
    "age": (18, 100, 1),
}
ACTIVATIONS = ("sigmoid", "relu", "tanh")
ACT_NAMES = {"sigmoid": "Sigmoid", "relu": "ReLU", "tanh": "Tanh"}  # torch.nn class names
OPTIMIZERS = ("sgd", "adam")
OPT_LABELS = {"sgd": "SGD", "adam": "Adam"}
LAYERS = ((8, 6), (6, 4), (4, 1))  # (in, out) of linear1..3; weight shape (out, in)
MAX_EPOCHS = 10_000
MAX_POINTS = 400  # points per curve sent to the browser


# ---- pure computation ---------------------------------------------------------


@functools.cache
def load_table() -> dict[str, np.ndarray]:
    """The committed table: x_train (614, 8), y_train (614,), x_test (154, 8), y_test (154,)."""
    with open(DATA, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in FEATURES] for r in rows], dtype=np.float32)
    y = np.array([float(r["diabetes"]) for r in rows], dtype=np.float32)
    train = np.array([r["split"] == "train" for r in rows])
    return {"x_train": x[train], "y_train": y[train], "x_test": x[~train], "y_test": y[~train]}


def baseline() -> float:
    """Test accuracy of always answering 'no diabetes' (the majority class)."""
    return float(1 - load_table()["y_test"].mean())


def standardise(values) -> np.ndarray:
    """Real units -> the network's input: a 0 where it means missing -> training median; z = (x - mean)/std."""
    z = []
    for name, v in zip(FEATURES, values):
        fill, mean, std = STATS[name]
        if fill is not None and v == 0:
            v = fill
        z.append((v - mean) / std)
    return np.array(z, dtype=np.float32)


def real_units(z) -> list[float]:
    """The inverse of standardise (a filled-in missing value comes back as the median)."""
    return [float(zi) * STATS[name][2] + STATS[name][1] for name, zi in zip(FEATURES, z)]


def make_model(activation: str, seed: int, layers: tuple[tuple[int, int], ...] = LAYERS):
    """The lecture's Model as an nn.Sequential with state_dict keys linear1.weight, linear1.bias, ...:
    Linear, activation, ..., Linear, Sigmoid, with (in, out) sizes `layers` (8-6-4-1 by default).

    The weights are drawn as nn.Linear draws them, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), weight then
    bias, layer by layer, but from a private generator: the same numbers as torch.manual_seed(seed)
    followed by Model(), without touching the global seed another user's run may be using.
    """
    torch = ui.torch_ready()
    from collections import OrderedDict

    modules = OrderedDict()
    for i, (n_in, n_out) in enumerate(layers, 1):
        modules[f"linear{i}"] = torch.nn.Linear(n_in, n_out)
        last = i == len(layers)
        modules["sigmoid" if last else f"act{i}"] = (
            torch.nn.Sigmoid() if last else getattr(torch.nn, ACT_NAMES[activation])()
        )
    model = torch.nn.Sequential(modules)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for i, (n_in, _) in enumerate(layers, 1):
            linear = getattr(model, f"linear{i}")
            for p in (linear.weight, linear.bias):
                p.uniform_(-1 / math.sqrt(n_in), 1 / math.sqrt(n_in), generator=g)
    return model


def evaluate(model, x, y) -> tuple[float, float]:
    """(BCE loss, accuracy) of the model on (x, y), without gradients."""
    torch = ui.torch_ready()
    with torch.no_grad():
        p = model(x).squeeze(1)  # (N, 1) -> (N,)
        loss = torch.nn.functional.binary_cross_entropy(p, y).item()
        acc = ((p > 0.5).float() == y).float().mean().item()
    return loss, acc


def train_run(activation: str, optimizer: str, lr: float, epochs: int, seed: int = 0):
    """Yield (epoch, loss, model) for each full-batch update: the loss of the forward pass
    before the update (as the lecture prints it) and the model after it."""
    torch = ui.torch_ready()
    data = tensors()
    model = make_model(activation, seed)
    criterion = torch.nn.BCELoss()
    opt_class = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    opt = opt_class(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        y_pred = model(data["x_train"])  # forward, (614, 8) -> (614, 1)
        loss = criterion(y_pred, data["y_train"].unsqueeze(1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        yield epoch, loss.item(), model


def tensors() -> dict:
    torch = ui.torch_ready()
    return {k: torch.from_numpy(v) for k, v in load_table().items()}


def metrics(model, data: dict | None = None) -> dict[str, float]:
    """train_loss, test_loss, train_acc, test_acc of the model as it is now."""
    data = data or tensors()
    train_loss, train_acc = evaluate(model, data["x_train"], data["y_train"])
    test_loss, test_acc = evaluate(model, data["x_test"], data["y_test"])
    return {"train_loss": train_loss, "test_loss": test_loss, "train_acc": train_acc, "test_acc": test_acc}


def state_lists(model) -> dict[str, list]:
    """The state_dict as nested lists (what gr.State keeps per user)."""
    return {k: v.tolist() for k, v in model.state_dict().items()}


def forward(state: dict[str, list], activation: str, z) -> dict[str, np.ndarray]:
    """The network on one standardised patient z (8,), by hand: h = act(W·x + b) per layer.
    Returns every layer's output: h1 (6,), h2 (4,), p (1,)."""
    acts = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0), "tanh": np.tanh}
    h = np.asarray(z, dtype=np.float64)
    out = {}
    for i in range(1, len(LAYERS) + 1):
        w, b = np.array(state[f"linear{i}.weight"]), np.array(state[f"linear{i}.bias"])  # (out, in), (out,)
        h = w @ h + b
        h = acts[activation](h) if i < len(LAYERS) else acts["sigmoid"](h)
        out[f"h{i}" if i < len(LAYERS) else "p"] = h
    return out


# ---- figures and texts -----------------------------------------------------------


def curves(run: dict | None, keys: tuple[str, str], title: str, y: str, lang: str) -> go.Figure:
    """Two curves against the epochs recorded."""
    hist = run["history"] if run else {"epoch": [], **{k: [] for k in keys}}
    fig = live.curves_figure({t(f"pima_{k}", lang): hist[k] for k in keys}, title, t("pima_epoch", lang), y)
    fig.update_traces(x=hist["epoch"])  # every `stride`-th epoch is recorded, not each one
    return fig


def loss_figure(run: dict | None, lang: str) -> go.Figure:
    return curves(run, ("train_loss", "test_loss"), t("pima_loss_title", lang), "loss", lang)


def acc_figure(run: dict | None, lang: str) -> go.Figure:
    fig = curves(run, ("train_acc", "test_acc"), t("pima_acc_title", lang), "accuracy", lang)
    b = baseline()
    fig.add_hline(y=b, line={"dash": "dash", "color": "#777", "width": 2})
    fig.add_annotation(x=0.99, xref="paper", y=b, text=t("pima_baseline", lang, b=b), showarrow=False,
                       xanchor="right", yanchor="top", font={"color": "#555"})  # fmt: skip
    fig.update_yaxes(range=[0.4, 1.0], tickformat=".0%")
    return fig


def network_figure(state: dict | None, lang: str) -> go.Figure:
    """Nodes 8-6-4-1 in columns; each edge j <- i of layer k drawn with weight W_k[j, i]."""
    sizes = [LAYERS[0][0]] + [n_out for _, n_out in LAYERS]
    pos = [[(col, (n - 1) / 2 - r) for r in range(n)] for col, n in enumerate(sizes)]
    fig = go.Figure()
    weights = [np.array(state[f"linear{k}.weight"]) for k in (1, 2, 3)] if state else None
    top = max(float(np.abs(w).max()) for w in weights) if weights else 1.0
    # Edges grouped by (sign, width bucket): a handful of traces instead of 76.
    groups: dict[tuple[int, int], tuple[list, list]] = {}
    for k in range(len(LAYERS)):
        for j, (x1, y1) in enumerate(pos[k + 1]):
            for i, (x0, y0) in enumerate(pos[k]):
                w = weights[k][j, i] if weights else 0.0
                key = (int(w >= 0), min(3, int(4 * abs(w) / top))) if weights else (-1, 0)
                xs, ys = groups.setdefault(key, ([], []))
                xs += [x0, x1, None]
                ys += [y0, y1, None]
    for (sign, bucket), (xs, ys) in sorted(groups.items()):
        color = "#bbb" if sign < 0 else (ui.COLORS[0] if sign else ui.COLORS[1])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                 line={"color": color, "width": 1 + 2 * bucket}, opacity=0.75))  # fmt: skip
    nodes = [p for column in pos for p in column]
    fig.add_trace(go.Scatter(x=[p[0] for p in nodes], y=[p[1] for p in nodes], mode="markers", hoverinfo="skip",
                             showlegend=False, marker={"size": 22, "color": "#eef3fb", "line": {"width": 2, "color": "#333"}}))  # fmt: skip
    for r, name in enumerate(FEATURES):
        fig.add_annotation(x=-0.08, y=pos[0][r][1], text=t(f"pima_f_{name}", lang), showarrow=False,
                           xanchor="right", font={"size": 14})  # fmt: skip
    for col, text in enumerate(("x: 8", "6", "4", "ŷ: 1")):
        fig.add_annotation(x=col, y=-4.3, text=f"<b>{text}</b>", showarrow=False)
    for k, (n_in, n_out) in enumerate(LAYERS):
        fig.add_annotation(x=k + 0.5, y=4.3, text=f"W{k + 1}: {n_out}×{n_in}", showarrow=False, font={"color": "#444"})
    ui.style(fig, t("pima_net_title" if state else "pima_net_untrained", lang), height=460)
    fig.update_xaxes(visible=False, range=[-1.6, 3.3], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-4.7, 4.7], fixedrange=True)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def shapes_text(activation: str, lang: str) -> str:
    n = len(load_table()["y_train"])
    params = sum(n_in * n_out + n_out for n_in, n_out in LAYERS)
    return t("pima_shapes", lang, n=n, act=ACT_NAMES[activation], params=params)


def status_text(run: dict | None, lang: str) -> str:
    if not run:
        return t("pima_ready", lang)
    return t(run["status"], lang, **run["fmt"])


def predict_text(run: dict | None, values, lang: str, truth: int | None = None) -> str:
    if not run or not run.get("state"):
        return t("pima_need_train", lang)
    z = standardise(values)
    p = float(forward(run["state"], run["activation"], z)["p"][0])
    text = t("pima_prob", lang, p=p, verdict=t("pima_yes" if p > 0.5 else "pima_no", lang))
    if truth is not None:
        text += t("pima_truth", lang, label=t("pima_yes" if truth else "pima_no", lang))
    return text + "\n\n" + t("pima_z", lang) + "`[" + ", ".join(f"{v:.2f}" for v in z) + "]`"


# ---- events -------------------------------------------------------------------


def check_patient(values, lang) -> list[float]:
    return [ui.number(v, t(f"pima_f_{n}", lang), RANGES[n][0], RANGES[n][1], lang) for n, v in zip(FEATURES, values)]


def train(activation, optimizer, lr, epochs, seed, lang, *patient):
    """Stream the run: yields (loss fig, accuracy fig, status, run state, network fig, prediction)."""
    activation = ui.choice(activation, "activation", ACTIVATIONS, lang)
    optimizer = ui.choice(optimizer, "optimizer", OPTIMIZERS, lang)
    lr = ui.number(lr, "lr", 1e-5, 10.0, lang)
    epochs = ui.integer(epochs, "epochs", 1, MAX_EPOCHS, lang)
    seed = ui.integer(seed, "seed", 0, 2**31 - 1, lang)
    patient = check_patient(patient, lang)
    data = tensors()
    hist = {k: [] for k in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}
    run = {"activation": activation, "history": hist, "state": None, "status": "pima_ready", "fmt": {}}
    stride = math.ceil(epochs / MAX_POINTS)  # record at most ~MAX_POINTS points per curve
    pacer = live.Pacer(epochs, frames=20, min_seconds=2.0)
    for epoch, loss, model in train_run(activation, optimizer, lr, epochs, seed):
        if not math.isfinite(loss):
            run.update(status="pima_diverged", fmt={"epoch": epoch, "lr": lr})
            yield loss_figure(run, lang), acc_figure(run, lang), status_text(run, lang), run, gr.skip(), gr.skip()
            return
        last, due = epoch == epochs or pacer.time_up(), pacer.due(epoch)
        if not (last or due or epoch % stride == 0):
            continue
        m = metrics(model, data)
        hist["epoch"].append(epoch)
        for k, v in m.items():
            hist[k].append(v)
        run["state"] = state_lists(model)  # 87 numbers: cheap, and Stop keeps the latest weights
        if last:
            run.update(status="pima_done", fmt={"epochs": epoch, "baseline": baseline(), **m})
            status = status_text(run, lang)
            if epoch < epochs:
                status += "\n\n" + pacer.time_up_text(lang)
            yield (loss_figure(run, lang), acc_figure(run, lang), status, run,
                   network_figure(run["state"], lang), predict_text(run, patient, lang))  # fmt: skip
            return
        if due:
            run.update(status="pima_progress", fmt={"epoch": epoch, "epochs": epochs, **m})
            yield loss_figure(run, lang), acc_figure(run, lang), status_text(run, lang), run, gr.skip(), gr.skip()
            pacer.shown()


def on_predict(run, lang, *patient):
    return predict_text(run, check_patient(patient, lang), lang)


def on_pick(index, run, held, lang):
    """Load test patient #index (1-based) into the boxes and predict it; ``held``: the boxes of a
    shared link, which keep their values (a teacher picked a patient, then edited a value)."""
    table = load_table()
    i = ui.integer(index, t("pima_pick", lang), 1, len(table["y_test"]), lang) - 1
    if held is not None:
        return *held, predict_text(run, held, lang), None
    values = [round(v, 3) for v in real_units(table["x_test"][i])]
    return *values, predict_text(run, values, lang, truth=int(table["y_test"][i])), None


def on_lang(run, activation, lang, *patient):
    """Every view in ``lang``; on first show it also lets go of a link's held boxes (see on_pick)."""
    try:
        prediction = predict_text(run, check_patient(patient, lang), lang)
    except gr.Error:
        prediction = gr.skip()
    return (loss_figure(run, lang), acc_figure(run, lang), status_text(run, lang),
            network_figure(run and run["state"], lang), shapes_text(activation, lang), prediction, None)  # fmt: skip


def after_stop(run, lang, *patient):
    try:
        prediction = predict_text(run, check_patient(patient, lang), lang)
    except gr.Error:
        prediction = gr.skip()
    return network_figure(run and run["state"], lang), prediction


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    run = gr.State(None)  # per user: {"activation", "history", "state" (state_dict as lists), "status", "fmt"}
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            activation = gr.Radio([(ACT_NAMES[a], a) for a in ACTIVATIONS], value="sigmoid",
                                  label=I18N("pima_activation"), elem_id="pima-activation")  # fmt: skip
            optimizer = gr.Radio([(OPT_LABELS[o], o) for o in OPTIMIZERS], value="sgd",
                                 label=I18N("pima_optimizer"), elem_id="pima-optimizer")  # fmt: skip
            lr = gr.Number(0.1, label=I18N("pima_lr"), step=0.01, minimum=0, elem_id="pima-lr")
            epochs = gr.Slider(1, MAX_EPOCHS, value=3000, step=1, label=I18N("pima_epochs"), elem_id="pima-epochs")
            seed = gr.Number(0, precision=0, minimum=0, label=I18N("pima_seed"), elem_id="pima-seed")
            with gr.Row():
                start = gr.Button(I18N("pima_train"), variant="primary", elem_id="pima-train")
                stop = gr.Button(I18N("pima_stop"), variant="stop", elem_id="pima-stop")
            status = gr.Markdown(t("pima_ready", "en"), elem_id="pima-status")
        with gr.Column(scale=3):
            loss_plot = gr.Plot(loss_figure(None, "en"), show_label=False, elem_id="pima-loss")
            acc_plot = gr.Plot(acc_figure(None, "en"), show_label=False, elem_id="pima-acc")
    with gr.Row():
        with gr.Column(scale=1):
            net_plot = gr.Plot(network_figure(None, "en"), show_label=False, elem_id="pima-net")
        with gr.Column(scale=1, min_width=320):
            shapes = gr.Markdown(shapes_text("sigmoid", "en"), elem_id="pima-shapes")
    gr.Markdown(I18N("pima_patient_head"))
    defaults = (3, 117, 72, 29, 130, 32.0, 0.372, 29)  # the training medians
    patient = []
    with gr.Row():
        for name, value in zip(FEATURES, defaults):
            lo, hi, step = RANGES[name]
            patient.append(gr.Number(value, label=I18N(f"pima_f_{name}"), minimum=lo, maximum=hi, step=step,
                                     min_width=120, elem_id=f"pima-{name.replace('_', '-')}"))  # fmt: skip
    with gr.Row():
        pick = gr.Slider(1, len(load_table()["y_test"]), value=1, step=1, label=I18N("pima_pick"), elem_id="pima-pick")
        predict = gr.Button(I18N("pima_predict"), elem_id="pima-predict")
    prediction = gr.Markdown(t("pima_need_train", "en"), elem_id="pima-prediction")
    ui.code_panel("pima")

    _, stopping = live.train_button(
        start,
        stop,
        train,
        [activation, optimizer, lr, epochs, seed, lang, *patient],
        [loss_plot, acc_plot, status, run, net_plot, prediction],
        show_progress="hidden",
        concurrency_id="pima_train",
    )
    stopping.then(after_stop, [run, lang, *patient], [net_plot, prediction], **ui.CHEAP)
    predict.click(on_predict, [run, lang, *patient], prediction, **ui.CHEAP)
    # A link sets the patient's boxes and the picked patient at once: the boxes it sets are held over the
    # pick's own (events read their inputs when they start, so on_lang's release comes after on_pick's read).
    held = links.derive(gr.JSON(None, visible="hidden"), patient, lambda *values: list(values))
    ui.on_inputs(on_pick, [pick, run, held, lang], [*patient, prediction, held], triggers=[pick])
    ui.on_inputs(shapes_text, [activation, lang], shapes, triggers=[activation])
    ui.on_inputs(
        on_lang, [run, activation, lang, *patient], [loss_plot, acc_plot, status, net_plot, shapes, prediction, held],
        triggers=[lang],
    )  # fmt: skip
