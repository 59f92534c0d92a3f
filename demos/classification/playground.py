"""Hung-yi Lee ML P7: a fully connected network playground (the TensorFlow
Playground experience, backed by real PyTorch).

Data: 2-D toy sets (circles, moons, two spirals, XOR, two gaussians) made with
numpy from a seed. Model: nn.Sequential(Linear, activation, ..., Linear) from a
layer list such as "8, 8, 4", trained with BCEWithLogitsLoss and Adam or SGD;
the decision boundary P(class 1 | x) is drawn on a grid, live.
"""

from __future__ import annotations

import math
import threading

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, offload, ui
from demos.classroom import activities, send
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("playground", "sec_classification", "pg_tab", "pg_source", "pg_intro")

built_keys("pg_circles", "pg_moons", "pg_spirals", "pg_xor", "pg_gaussians")

register(
    {
        "pg_tab": ("李宏毅 P7 全连接网络游乐场", "Lee P7 Network playground"),
        "pg_source": (
            "**李宏毅 机器学习 P7 · 全连接网络** · TensorFlow Playground 式的互动实验，背后是真正的 PyTorch",
            "**Hung-yi Lee ML P7 · Fully connected networks** · the TensorFlow Playground experience, backed by real PyTorch",
        ),
        "pg_intro": (
            "选一个二维玩具数据集，搭一个全连接网络：每个隐藏层是 Linear(in, out) 加激活函数，最后一层 Linear(·, 1) 输出 logit，"
            "σ(logit) = P(类别 1)。用 BCEWithLogitsLoss 训练，看背景的**决策边界**（蓝 = 类别 1，橙 = 类别 0）一帧帧长出来。"
            "没有隐藏层时就是逻辑回归，只能画直线；多加几层和神经元，或加入 x₁²、sin x₁ 这样的特征，圆环和螺旋也能分开。"
            "参数个数 = Σ(输入·输出 + 输出)。",
            "Pick a 2-D toy data set and build a fully connected network: each hidden layer is Linear(in, out) plus an "
            "activation, and a last Linear(·, 1) gives a logit with σ(logit) = P(class 1). It trains with BCEWithLogitsLoss "
            "while the **decision boundary** in the background (blue = class 1, orange = class 0) grows frame by frame. "
            "With no hidden layer it is logistic regression and can only draw a straight line; more layers and neurons, or "
            "features such as x₁² and sin x₁, separate the circles and spirals too. Parameters = Σ(in·out + out).",
        ),
        "pg_data_head": ("#### 数据", "#### Data"),
        "pg_net_head": ("#### 网络", "#### Network"),
        "pg_train_head": ("#### 训练", "#### Training"),
        "pg_dataset": ("数据集", "Data set"),
        "pg_circles": ("圆环", "circles"),
        "pg_moons": ("月牙", "moons"),
        "pg_spirals": ("双螺旋", "two spirals"),
        "pg_xor": ("异或 XOR", "XOR"),
        "pg_gaussians": ("两团高斯", "two gaussians"),
        "pg_noise": ("噪声（标准差）", "Noise (std)"),
        "pg_n": ("样本数", "Samples"),
        "pg_test_pct": ("测试集比例 %", "Test share %"),
        "pg_seed": ("随机种子（数据、初始权重、打乱顺序）", "Seed (data, initial weights, shuffling)"),
        "pg_features": ("输入特征", "Input features"),
        "pg_layers": (
            "隐藏层（每层神经元数，用逗号分隔；留空 = 逻辑回归）",
            "Hidden layers (neurons per layer, comma-separated; empty = logistic regression)",
        ),
        "pg_activation": ("激活函数", "Activation"),
        "pg_optimizer": ("优化器", "Optimizer"),
        "pg_lr": ("学习率 lr", "Learning rate lr"),
        "pg_batch": ("批大小 batch size", "Batch size"),
        "pg_l2": ("L2 正则（weight_decay）", "L2 regularisation (weight_decay)"),
        "pg_epochs": ("轮数 epochs", "Epochs"),
        "pg_train": ("▶ 从头训练", "▶ Train from scratch"),
        "pg_continue": ("▶▶ 继续训练", "▶▶ Continue"),
        "pg_stop": ("■ 停止", "■ Stop"),
        "pg_show_test": ("显示测试点", "Show test points"),
        "pg_discrete": ("离散化输出（P > 0.5）", "Discretize output (P > 0.5)"),
        "pg_ready": ("按 **▶ 从头训练** 开始。", "Press **▶ Train from scratch** to start."),
        "pg_progress": (
            "第 {epoch}/{epochs} 轮 · 训练损失 {train:.4f} · 测试损失 {test:.4f} · 训练准确率 {train_acc:.1f}% · 测试准确率 {test_acc:.1f}%",
            "epoch {epoch}/{epochs} · train loss {train:.4f} · test loss {test:.4f} · train accuracy {train_acc:.1f}% · test accuracy {test_acc:.1f}%",
        ),
        "pg_first": ("第 0/{epochs} 轮", "epoch 0/{epochs}"),  # a run inside its first epoch (batch size 1, much data)
        "pg_done": ("**完成。**", "**Done.**"),
        "pg_fresh": (
            "网络或数据已改变，已从头开始训练。",
            "The network or data changed, so training started from scratch.",
        ),
        "pg_diverged": (
            "**发散了**：第 {epoch} 轮损失变成了无穷大或 NaN，训练停止。请减小学习率。",
            "**Diverged**: at epoch {epoch} the loss became infinite or NaN; training stopped. Lower the learning rate.",
        ),
        "pg_boundary_title": ("决策边界 P(类别 1) · 第 {epoch} 轮", "Decision boundary P(class 1) · epoch {epoch}"),
        "pg_data_title": ("数据（尚未训练）", "The data (not trained yet)"),
        "pg_loss_title": ("损失（BCE）", "Loss (BCE)"),
        "pg_train_curve": ("训练", "train"),
        "pg_test_curve": ("测试", "test"),
        "pg_class": ("类别 {c}", "class {c}"),
        "pg_train_pts": ("训练", "train"),
        "pg_test_pts": ("测试", "test"),
        "pg_arch": ("#### 网络结构：{n} 个参数", "#### The network: {n} parameters"),
        "pg_arch_cols": ("| 层 | 形状 | 参数 = in·out + out |", "| layer | shape | parameters = in·out + out |"),
        "pg_arch_total": ("合计", "total"),
        "pg_arch_logit": ("输出 logit；σ(logit) = P(类别 1)", "output logit; σ(logit) = P(class 1)"),
        "pg_err_layers_token": (
            "隐藏层写法有误：「{token}」不是整数。请写成用逗号分隔的神经元个数，例如 8, 8, 4。",
            "Hidden layers: “{token}” is not a whole number. Write neurons per layer separated by commas, e.g. 8, 8, 4.",
        ),
        "pg_err_layers_count": (
            "隐藏层最多 {max} 层，收到 {n} 层。",
            "At most {max} hidden layers; got {n}.",
        ),
        "pg_err_layers_size": (
            "每层神经元数必须在 1 到 {max} 之间，收到 {value}。",
            "Each layer needs 1 to {max} neurons; got {value}.",
        ),
        "pg_err_features": ("至少选一个输入特征。", "Choose at least one input feature."),
    }
)

DATASETS = ("circles", "moons", "spirals", "xor", "gaussians")
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU"}  # -> nn class
OPTIMIZERS = {"adam": "Adam", "sgd": "SGD"}  # -> torch.optim class
# feature -> f(x1, x2); the names are the labels shown
FEATURES = {
    "x₁": lambda a, b: a,
    "x₂": lambda a, b: b,
    "x₁²": lambda a, b: a**2,
    "x₂²": lambda a, b: b**2,
    "x₁·x₂": lambda a, b: a * b,
    "sin x₁": lambda a, b: np.sin(a),
    "sin x₂": lambda a, b: np.sin(b),
}
MAX_LAYERS, MAX_NEURONS = 6, 16
N_RANGE = (100, 600)  # each point is an SVG marker: 1000 of them cost the browser ~250 ms a frame
NOISE_MAX = 1.0
TEST_PCT = (10, 90)
EPOCH_RANGE = (1, 1000)
BATCH_RANGE = (1, 256)
LR_RANGE = (1e-5, 3.0)
L2_RANGE = (0.0, 1.0)
LR_CHOICES = (0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
L2_CHOICES = (0.0, 0.0001, 0.001, 0.01, 0.1)
DOMAIN = 4.0  # the plot shows [-4, 4]²; the data lies within about 3.5 of the origin
GRID = 60  # boundary heatmap: GRID x GRID cells
FRAME_INTERVAL = (
    0.25  # s between frames (+ ~0.08 s to make one): about 3 a second; a browser redraws both plots in ~0.1-0.2 s
)
ORANGE, BLUE = "#f59322", "#0877bd"  # class 0, class 1, as in TensorFlow Playground


# ---- pure computation: data ------------------------------------------------------


def make_data(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X (n, 2), y (n,) of 0/1): n // 2 points of class 0 first, then class 1, plus N(0, noise²) noise."""
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    if name == "circles":  # class 1 inside radius 1.5, class 0 on a ring 2.2..3.5
        r = np.concatenate([rng.uniform(2.2, 3.5, n0), rng.uniform(0, 1.5, n1)])
        a = rng.uniform(0, 2 * np.pi, n)
        X = np.stack([r * np.cos(a), r * np.sin(a)], 1)
    elif name == "moons":  # two interleaved half circles, scaled by 2 around the origin
        s = rng.uniform(0, np.pi, n)
        upper = np.stack([np.cos(s[:n0]), np.sin(s[:n0])], 1)
        lower = np.stack([1 - np.cos(s[n0:]), 0.5 - np.sin(s[n0:])], 1)
        X = 2.0 * (np.concatenate([upper, lower]) - [0.5, 0.25])
    elif name == "spirals":  # r = 3.5u, angle = 3.5πu (+π for class 1)
        u = rng.uniform(0.05, 1, n)
        a = 3.5 * np.pi * u + np.where(np.arange(n) < n0, 0.0, np.pi)
        X = np.stack([3.5 * u * np.sin(a), 3.5 * u * np.cos(a)], 1)
    elif name == "xor":  # class 1 where x1·x2 > 0 (quadrants 1 and 3), 0.3 away from the axes
        X = rng.uniform(0.3, 3.5, (n, 2)) * rng.choice([-1.0, 1.0], (n, 1))
        X[:n0, 1] *= -1  # class 0: quadrants 2 and 4
    elif name == "gaussians":  # N((-1.5, -1.5), 0.7²) and N((1.5, 1.5), 0.7²)
        X = rng.normal(0, 0.7, (n, 2)) + np.where(np.arange(n) < n0, -1.5, 1.5)[:, None]
    else:
        raise ValueError(f"unknown data set {name!r}")
    y = (np.arange(n) >= n0).astype(np.float64)
    return X + rng.normal(0, noise, (n, 2)), y


def split(n: int, test_pct: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train indices, test indices) with round(n·test_pct/100) test points."""
    order = np.random.default_rng(seed + 1).permutation(n)
    n_test = round(n * test_pct / 100)
    return order[n_test:], order[:n_test]


def features(X: np.ndarray, names: list[str]) -> np.ndarray:
    """(n, 2) points -> (n, len(names)) network inputs, e.g. [x1, x2, x1², sin x1]."""
    return np.stack([FEATURES[f](X[:, 0], X[:, 1]) for f in names], 1)


def parse_layers(text: str | None, lang: str | None = None) -> list[int]:
    """'8, 8, 4' -> [8, 8, 4]; '' -> [] (no hidden layer); a clear gr.Error otherwise."""
    tokens = [s.strip() for s in str(text or "").replace("，", ",").split(",")]
    tokens = [s for s in tokens if s]
    sizes = []
    for token in tokens:
        if not token.isdigit():
            raise ui.user_error("pg_err_layers_token", lang, token=token)
        sizes.append(int(token))
    if len(sizes) > MAX_LAYERS:
        raise ui.user_error("pg_err_layers_count", lang, max=MAX_LAYERS, n=len(sizes))
    for size in sizes:
        if not 1 <= size <= MAX_NEURONS:
            raise ui.user_error("pg_err_layers_size", lang, max=MAX_NEURONS, value=size)
    return sizes


def layer_sizes(n_features: int, hidden: list[int]) -> list[int]:
    """[inputs, hidden..., 1]: one logit out."""
    return [n_features, *hidden, 1]


def param_count(sizes: list[int]) -> int:
    """Σ over the Linear layers of in·out (weights) + out (biases)."""
    return sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))


def make_model(sizes: list[int], activation: str):
    """nn.Sequential(Linear(s0, s1), Act(), ..., Linear(s_k, 1)): no activation after the last layer."""
    nn = ui.torch_ready().nn
    layers = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(i, o), getattr(nn, ACTIVATIONS[activation])()]
    return nn.Sequential(*layers[:-1])


def grid_points() -> np.ndarray:
    """(GRID², 2): the cell centres of the heatmap, row by row (x2 outer, x1 inner)."""
    g = np.linspace(-DOMAIN, DOMAIN, GRID)
    x1, x2 = np.meshgrid(g, g)
    return np.stack([x1.ravel(), x2.ravel()], 1)


def plain(obj):
    """Tensors -> {"tensor": nested list, "dtype": name}, recursively: state_dicts as plain lists for gr.State."""
    torch = ui.torch_ready()
    if isinstance(obj, torch.Tensor):
        return {"tensor": obj.tolist(), "dtype": str(obj.dtype).removeprefix("torch.")}
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(plain(v) for v in obj)
    return obj


def unplain(obj):
    """The inverse of plain()."""
    torch = ui.torch_ready()
    if isinstance(obj, dict):
        if set(obj) == {"tensor", "dtype"}:
            return torch.tensor(obj["tensor"], dtype=getattr(torch, obj["dtype"]))
        return {k: unplain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(unplain(v) for v in obj)
    return obj


_INIT_LOCK = threading.Lock()  # torch.manual_seed is process-wide: seed and build as one step


class Trainer:
    """One user's network, optimizer, shuffling generator and data, epoch by epoch.

    cfg: dataset, n, noise, test_pct, seed, hidden, activation, features (what
    the network and data are); optimizer, lr, batch_size, l2 (how it trains).
    """

    ARCH_KEYS = ("dataset", "n", "noise", "test_pct", "seed", "hidden", "activation", "features")

    def __init__(self, cfg: dict, saved: dict | None = None):
        torch = ui.torch_ready()
        self.cfg = cfg
        X, y = make_data(cfg["dataset"], cfg["n"], cfg["noise"], cfg["seed"])
        tr, te = split(cfg["n"], cfg["test_pct"], cfg["seed"])
        F = torch.tensor(features(X, cfg["features"]), dtype=torch.float32)  # (n, k)
        Y = torch.tensor(y, dtype=torch.float32)[:, None]  # (n, 1)
        self.X_train, self.y_train, self.X_test, self.y_test = F[tr], Y[tr], F[te], Y[te]
        self.grid = torch.tensor(features(grid_points(), cfg["features"]), dtype=torch.float32)  # (GRID², k)
        with _INIT_LOCK:
            torch.manual_seed(cfg["seed"])
            self.model = make_model(layer_sizes(len(cfg["features"]), cfg["hidden"]), cfg["activation"])
        self.loss_fn = torch.nn.BCEWithLogitsLoss()
        self.optimizer = getattr(torch.optim, OPTIMIZERS[cfg["optimizer"]])(
            self.model.parameters(), lr=cfg["lr"], weight_decay=cfg["l2"]
        )
        self.gen = torch.Generator().manual_seed(cfg["seed"])  # shuffles the batches
        self.batch = 0  # mini-batches done in the current epoch
        self.history = {"train": [], "test": [], "train_acc": [], "test_acc": []}
        if saved is not None:  # continue where the saved run stopped
            self.model.load_state_dict(unplain(saved["model"]))
            if saved["cfg"]["optimizer"] == cfg["optimizer"]:
                self.optimizer.load_state_dict(unplain(saved["optimizer"]))
                for group in self.optimizer.param_groups:  # today's lr and L2, yesterday's moments
                    group.update(lr=cfg["lr"], weight_decay=cfg["l2"])
            self.gen.set_state(unplain(saved["gen"]))
            self.history = {k: list(v) for k, v in saved["history"].items()}

    @property
    def epoch(self) -> int:
        return len(self.history["train"])

    def steps(self, epochs: int):
        """Train for `epochs` passes over the shuffled training set in mini-batches.
        Yields after every optimizer step; True when that step ended an epoch (losses then recorded)."""
        torch = ui.torch_ready()
        size = self.cfg["batch_size"]
        for _ in range(epochs):
            self.model.train()
            order = torch.randperm(len(self.X_train), generator=self.gen)
            for i in range(0, len(order), size):
                idx = order[i : i + size]
                loss = self.loss_fn(self.model(self.X_train[idx]), self.y_train[idx])  # mean BCE of the batch
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.batch = i // size + 1
                if i + size >= len(order):
                    self.evaluate()
                    yield True
                else:
                    yield False

    def train(self, epochs: int) -> None:
        for _ in self.steps(epochs):
            pass

    @property
    def batches(self) -> int:
        return math.ceil(len(self.X_train) / self.cfg["batch_size"])

    def evaluate(self) -> None:
        torch = ui.torch_ready()
        self.model.eval()
        with torch.no_grad():
            for name, X, y in (("train", self.X_train, self.y_train), ("test", self.X_test, self.y_test)):
                logits = self.model(X)
                self.history[name].append(self.loss_fn(logits, y).item())
                self.history[name + "_acc"].append(100 * ((logits > 0).float() == y).float().mean().item())

    def grid_probs(self) -> list[list[float]]:
        """P(class 1) on the GRID x GRID heatmap cells: sigmoid(model(grid)), (GRID, GRID)."""
        torch = ui.torch_ready()
        self.model.eval()
        with torch.no_grad():
            return torch.sigmoid(self.model(self.grid)).reshape(GRID, GRID).tolist()

    def state(self) -> dict:
        """Everything needed to redraw or continue, as plain Python lists (for gr.State)."""
        return {
            "cfg": dict(self.cfg),
            "model": plain(self.model.state_dict()),
            "optimizer": plain(self.optimizer.state_dict()),
            "gen": plain(self.gen.get_state()),
            "history": {k: list(v) for k, v in self.history.items()},
            "grid": self.grid_probs(),
        }


def same_arch(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in Trainer.ARCH_KEYS)


def diverged(history: dict) -> bool:
    return not all(math.isfinite(h[-1]) for h in (history["train"], history["test"]))


# ---- figures ------------------------------------------------------------------

HEAT = [[0.0, "#f8b878"], [0.5, "#ffffff"], [1.0, "#7fb6dd"]]  # lighter than the points: P = 0 orange, 1 blue


def boundary_figure(cfg: dict, probs, epoch: int, show_test: bool, discrete: bool, lang: str) -> go.Figure:
    """P(class 1) as a heatmap on [-4, 4]² with the train (white rim) and test (black rim) points on top."""
    X, y = make_data(cfg["dataset"], cfg["n"], cfg["noise"], cfg["seed"])
    tr, te = split(cfg["n"], cfg["test_pct"], cfg["seed"])
    fig = go.Figure()
    if probs is not None:
        z = np.nan_to_num(np.asarray(probs, dtype=float), nan=0.5)  # a diverged net: no NaN to the browser
        z = (z > 0.5).astype(float) if discrete else np.round(z, 3)  # 3 decimals: a lighter frame
        g = np.linspace(-DOMAIN, DOMAIN, GRID)
        fig.add_trace(
            go.Heatmap(x=g, y=g, z=z, zmin=0, zmax=1, colorscale=HEAT, hoverinfo="skip",
                       colorbar={"title": {"text": "P(1)"}, "len": 0.8, "thickness": 14})
        )  # fmt: skip
    for split_name, idx, rim in (("pg_train_pts", tr, "white"), ("pg_test_pts", te, "black")):
        if split_name == "pg_test_pts" and not show_test:
            continue
        for c, color in ((0, ORANGE), (1, BLUE)):
            pts = X[idx][y[idx] == c]
            fig.add_trace(
                go.Scatter(
                    x=np.round(pts[:, 0], 3),
                    y=np.round(pts[:, 1], 3),
                    mode="markers",
                    name=f"{t('pg_class', lang, c=c)} · {t(split_name, lang)}",
                    marker={"color": color, "size": 8, "line": {"color": rim, "width": 1.5}},
                )
            )
    title = t("pg_boundary_title", lang, epoch=epoch) if probs is not None else t("pg_data_title", lang)
    ui.style(fig, title, "x₁", "x₂", height=560)
    fig.update_xaxes(range=[-DOMAIN, DOMAIN], zeroline=False, showgrid=False, constrain="domain")
    fig.update_yaxes(range=[-DOMAIN, DOMAIN], zeroline=False, showgrid=False, scaleanchor="x")
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "font": {"size": 14}}, margin={"t": 50, "b": 110}
    )
    return fig


def loss_figure(history: dict | None, lang: str) -> go.Figure:
    h = history or {"train": [], "test": []}
    curves = {t("pg_train_curve", lang): h["train"], t("pg_test_curve", lang): h["test"]}
    return live.curves_figure(curves, t("pg_loss_title", lang), "epoch", "loss", height=320)


def arch_text(n_features: int, hidden: list[int], activation: str, lang: str) -> str:
    """The layers as a table: shape and in·out + out parameters each, and the total."""
    sizes = layer_sizes(n_features, hidden)
    rows = [t("pg_arch", lang, n=param_count(sizes)), "", t("pg_arch_cols", lang), "|---|---|---|"]
    last = len(sizes) - 2
    for k, (i, o) in enumerate(zip(sizes[:-1], sizes[1:])):
        act = f" → {ACTIVATIONS[activation]}" if k < last else f" → {t('pg_arch_logit', lang)}"
        rows.append(f"| Linear {k + 1} | ({i} → {o}): W {o}×{i}, b {o}{act} | {i}·{o} + {o} = {i * o + o} |")
    rows.append(f"| **{t('pg_arch_total', lang)}** | | **{param_count(sizes)}** |")
    return "\n".join(rows)


def status_text(run: dict | None, lang: str) -> str:
    if not run:
        return t("pg_ready", lang)
    h = run["history"]
    if not h["train"]:
        return t("pg_first", lang, epochs=run["target"])
    text = t(
        "pg_progress", lang, epoch=len(h["train"]), epochs=run["target"], train=h["train"][-1], test=h["test"][-1],
        train_acc=h["train_acc"][-1], test_acc=h["test_acc"][-1],
    )  # fmt: skip
    if run.get("fresh"):
        text += "  \n" + t("pg_fresh", lang)
    if run.get("end") == "done":
        text = t("pg_done", lang) + " " + text
    return text


# ---- events -------------------------------------------------------------------


def check(dataset, n, noise, test_pct, seed, layers, activation, feats, optimizer, lr, batch_size, l2, lang) -> dict:
    """The validated configuration of a run, or a clear gr.Error in the user's language."""
    feats = [f for f in FEATURES if f in (feats or [])]  # in the canonical order
    if not feats:
        raise ui.user_error("pg_err_features", lang)
    return {
        "dataset": ui.choice(dataset, t("pg_dataset", lang or "en"), DATASETS, lang),
        "n": ui.integer(n, t("pg_n", lang or "en"), *N_RANGE, lang),
        "noise": ui.number(noise, t("pg_noise", lang or "en"), 0.0, NOISE_MAX, lang),
        "test_pct": ui.number(test_pct, t("pg_test_pct", lang or "en"), *TEST_PCT, lang),
        "seed": ui.integer(seed, t("pg_seed", lang or "en"), 0, 2**31 - 1, lang),
        "hidden": parse_layers(layers, lang),
        "activation": ui.choice(activation, t("pg_activation", lang or "en"), tuple(ACTIVATIONS), lang),
        "features": feats,
        "optimizer": ui.choice(optimizer, t("pg_optimizer", lang or "en"), tuple(OPTIMIZERS), lang),
        "lr": ui.number(lr, "lr", *LR_RANGE, lang),
        "batch_size": ui.integer(batch_size, "batch size", *BATCH_RANGE, lang),
        "l2": ui.number(l2, "L2", *L2_RANGE, lang),
    }


def run_state(trainer: Trainer, target: int, fresh: bool, end: str | None = None) -> dict:
    return trainer.state() | {"target": target, "fresh": fresh, "end": end}


def train(run, resume, *args):
    """Stream a run: (boundary figure, loss figure, status, run state), a frame every 0.2-0.5 s."""
    *config, epochs, show_test, discrete, lang = args
    cfg = check(*config, lang)
    epochs = ui.integer(epochs, t("pg_epochs", lang), *EPOCH_RANGE, lang)
    fresh = bool(resume and run and not same_arch(run["cfg"], cfg))
    trainer = Trainer(cfg, run if resume and run and not fresh else None)
    start = trainer.epoch
    target = start + epochs

    def frame(end=None, note=""):
        state = run_state(trainer, target, fresh, end)
        fig = boundary_figure(cfg, state["grid"], trainer.epoch, show_test, discrete, lang)
        return fig, loss_figure(state["history"], lang), status_text(state, lang) + note, state

    pacer = live.Pacer(epochs, min_interval=FRAME_INTERVAL)
    for epoch_end in trainer.steps(epochs):
        if epoch_end and diverged(trainer.history):
            for h in trainer.history.values():  # never keep or send NaN
                h.pop()
            yield frame("diverged", "  \n" + t("pg_diverged", lang, epoch=trainer.epoch + 1))
            return
        done = trainer.epoch - start
        if pacer.due(done if epoch_end else min(done, epochs - 1)):
            note = "" if epoch_end else f" · batch {trainer.batch}/{trainer.batches}"
            yield frame("done" if done == epochs else None, note)
            pacer.shown()
        if pacer.time_up():
            yield frame("time_up", "  \n" + pacer.time_up_text(lang))
            return


def on_train(run, *args):
    yield from train(run, False, *args)


def on_continue(run, *args):
    yield from train(run, True, *args)


def redraw(run, dataset, n, noise, test_pct, seed, show_test, discrete, lang):
    """Re-render from the stored run (view or language changed), or preview the data before training."""
    if run:
        cfg, probs, epoch = run["cfg"], run["grid"], len(run["history"]["train"])
    else:
        cfg = {
            "dataset": ui.choice(dataset, t("pg_dataset", lang), DATASETS, lang),
            "n": ui.integer(n, t("pg_n", lang), *N_RANGE, lang),
            "noise": ui.number(noise, t("pg_noise", lang), 0.0, NOISE_MAX, lang),
            "test_pct": ui.number(test_pct, t("pg_test_pct", lang), *TEST_PCT, lang),
            "seed": ui.integer(seed, t("pg_seed", lang), 0, 2**31 - 1, lang),
        }
        probs, epoch = None, 0
    history = run["history"] if run else None
    return (
        boundary_figure(cfg, probs, epoch, show_test, discrete, lang),
        loss_figure(history, lang),
        status_text(run, lang),
    )


def on_arch(layers, feats, activation, lang):
    """The layer table, or what is wrong with the layer list (as text: the user is still typing)."""
    try:
        hidden = parse_layers(layers, lang)
    except gr.Error as e:
        return "⚠️ " + e.message
    n_features = len([f for f in FEATURES if f in (feats or [])])
    if not n_features:
        return "⚠️ " + t("pg_err_features", lang)
    return arch_text(
        n_features, hidden, ui.choice(activation, t("pg_activation", lang), tuple(ACTIVATIONS), lang), lang
    )


def api_playground(
    dataset: str, n: int, noise: float, test_pct: float, seed: int, layers: str, activation: str,
    features: list[str], optimizer: str, lr: float, batch_size: int, l2: float, epochs: int,
) -> dict:  # fmt: skip
    """Train the playground's network; returns its layer sizes, parameter count, per-epoch losses and accuracies (%)."""
    cfg = check(dataset, n, noise, test_pct, seed, layers, activation, features, optimizer, lr, batch_size, l2, None)
    epochs = ui.integer(epochs, "epochs", *EPOCH_RANGE, None)
    trainer = Trainer(cfg)
    pacer = live.Pacer(epochs)
    for epoch_end in trainer.steps(epochs):
        if (epoch_end and diverged(trainer.history)) or pacer.time_up():
            break
    h = trainer.history
    sizes = layer_sizes(len(cfg["features"]), cfg["hidden"])
    return {
        "layer_sizes": sizes,
        "parameters": param_count(sizes),
        "train_loss": live.finite(h["train"]),
        "test_loss": live.finite(h["test"]),
        "train_accuracy": h["train_acc"],
        "test_accuracy": h["test_acc"],
    }


def _data_controls():
    """The data: which set, its noise, size, test share and seed."""
    gr.Markdown(I18N("pg_data_head"))
    dataset = gr.Radio(
        [(I18N(f"pg_{d}"), d) for d in DATASETS],
        value="circles",
        label=I18N("pg_dataset"),
        elem_id="pg-dataset",
    )
    noise = gr.Slider(0, NOISE_MAX, value=0.2, step=0.05, label=I18N("pg_noise"), elem_id="pg-noise")
    with gr.Row():
        n = gr.Slider(*N_RANGE, value=300, step=50, label=I18N("pg_n"), elem_id="pg-n")
        test_pct = gr.Slider(*TEST_PCT, value=30, step=5, label=I18N("pg_test_pct"), elem_id="pg-test")
    seed = gr.Number(0, precision=0, minimum=0, label=I18N("pg_seed"), elem_id="pg-seed")
    return dataset, noise, n, test_pct, seed


def _network_controls():
    """The network: its input features, hidden layer sizes and activation."""
    gr.Markdown(I18N("pg_net_head"))
    feats = gr.CheckboxGroup(list(FEATURES), value=["x₁", "x₂"], label=I18N("pg_features"), elem_id="pg-features")
    layers = gr.Textbox("8, 8", label=I18N("pg_layers"), elem_id="pg-layers", max_lines=1)
    activation = gr.Radio(list(ACTIVATIONS), value="tanh", label=I18N("pg_activation"), elem_id="pg-activation")
    return feats, layers, activation


def _training_controls():
    """Training: optimizer, learning rate, batch size, L2 and epochs, and the Train / Continue / Stop buttons.
    Returns [optimizer, lr, batch size, L2], epochs and the three buttons."""
    gr.Markdown(I18N("pg_train_head"))
    with gr.Row():
        optimizer = gr.Radio(list(OPTIMIZERS), value="adam", label=I18N("pg_optimizer"), elem_id="pg-optimizer")
        lr = gr.Dropdown(list(LR_CHOICES), value=0.03, label=I18N("pg_lr"), elem_id="pg-lr")
    with gr.Row():
        batch_size = gr.Slider(*BATCH_RANGE, value=32, step=1, label=I18N("pg_batch"), elem_id="pg-batch")
        l2 = gr.Dropdown(list(L2_CHOICES), value=0.0, label=I18N("pg_l2"), elem_id="pg-l2")
    epochs = gr.Slider(*EPOCH_RANGE, value=200, step=1, label=I18N("pg_epochs"), elem_id="pg-epochs")
    with gr.Row():
        start = gr.Button(I18N("pg_train"), variant="primary", elem_id="pg-train")
        cont = gr.Button(I18N("pg_continue"), elem_id="pg-continue")
        stop = gr.Button(I18N("pg_stop"), variant="stop", elem_id="pg-stop")
    return [optimizer, lr, batch_size, l2], epochs, (start, cont, stop)


def _views():
    """The status, the decision boundary with its two display options, the loss curves and the architecture."""
    default = {"dataset": "circles", "n": 300, "noise": 0.2, "test_pct": 30, "seed": 0}
    status = gr.Markdown(t("pg_ready", "en"), elem_id="pg-status")
    boundary = gr.Plot(boundary_figure(default, None, 0, True, False, "en"), show_label=False, elem_id="pg-boundary")
    with gr.Row():
        show_test = gr.Checkbox(True, label=I18N("pg_show_test"), elem_id="pg-show-test")
        discrete = gr.Checkbox(False, label=I18N("pg_discrete"), elem_id="pg-discrete")
    loss_plot = gr.Plot(loss_figure(None, "en"), show_label=False, elem_id="pg-loss")
    arch = gr.Markdown(arch_text(2, [8, 8], "tanh", "en"), elem_id="pg-arch")
    return status, boundary, show_test, discrete, loss_plot, arch


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    run = gr.State(None)  # per user: the last run's cfg, weights, optimizer, history, heatmap (plain lists)
    with gr.Row():
        with gr.Column(scale=2, min_width=340):
            dataset, noise, n, test_pct, seed = _data_controls()
            feats, layers, activation = _network_controls()
            optimization, epochs, (start, cont, stop) = _training_controls()
        with gr.Column(scale=3):
            status, boundary, show_test, discrete, loss_plot, arch = _views()
            send.row("playground", [run], activities.trained)  # the run this student trained
    ui.code_panel("playground")

    config = [dataset, n, noise, test_pct, seed, layers, activation, feats, *optimization]
    outputs = [boundary, loss_plot, status, run]
    live_opts = {"show_progress": "minimal"}
    inputs = [run, *config, epochs, show_test, discrete, lang]
    live.train_button(start, stop, on_train, inputs, outputs, concurrency_id="pg_train", **live_opts)
    live.train_button(cont, stop, on_continue, inputs, outputs, concurrency_id="pg_continue", **live_opts)

    view = [run, dataset, n, noise, test_pct, seed, show_test, discrete, lang]
    ui.on_inputs(redraw, view, [boundary, loss_plot, status], triggers=[show_test, discrete, lang])
    # New data or a new network: the old run no longer applies; preview the data.
    for control, event in ((dataset, "change"), (noise, "release"), (n, "release"), (test_pct, "release"),
                           (seed, "change"), (feats, "change"), (layers, "change"), (activation, "change")):  # fmt: skip
        getattr(control, event)(lambda: None, None, run, **ui.CHEAP).then(
            redraw, view, [boundary, loss_plot, status], **ui.CHEAP
        )
    ui.on_inputs(on_arch, [layers, feats, activation, lang], arch)
    gr.api(
        offload.api(api_playground),
        api_name="playground",
        concurrency_limit=live.TRAIN_CONCURRENCY,
        concurrency_id="pg_api",
    )
