"""PyTorch lecture 12: RNN basics. Learn "hello" -> "ohlol" (or any pair of equal-length strings)
live, one epoch at a time, with RNNCell, nn.RNN, Embedding + RNN + Linear, nn.LSTM or nn.GRU;
watch the hidden state and the softmax at every time step; and read the tensor shapes of
RNNCell / RNN / LSTM / GRU as PyTorch returns them. The computation lives in demos/sequences/rnn_compute.py."""

from __future__ import annotations

import html

import gradio as gr
import plotly.graph_objects as go

from demos import live, offload, ui
from demos.i18n import I18N, built_keys, register, t
from demos.sequences import rnn_compute as rc

LECTURE = ui.Lecture("rnn_basics", "sec_sequences", "rnn_tab", "rnn_source", "rnn_intro")

built_keys("rnn_cell_*")

register(
    {
        "rnn_tab": ("第12讲 循环神经网络基础", "L12 RNN basics"),
        "rnn_source": (
            "**刘二 PyTorch 第12讲 · 循环神经网络基础 (Basic RNN)**",
            "**Liu Er PyTorch lecture 12 · Basic RNN**",
        ),
        "rnn_intro": (
            "RNN 一个时间步读一个字符：h_t = tanh(W_ih·x_t + b_ih + W_hh·h_(t−1) + b_hh)，同一组权重在每一步重复使用，"
            "隐藏状态 h 把前面读过的内容带到下一步。任务是讲义里的 “hello” → “ohlol”：字符表 idx2char = ['e', 'h', 'l', 'o']，"
            "输入 x = [1, 0, 2, 2, 3] 变成独热向量，每一步的输出经过 softmax 给出 4 个字符的概率，用 `CrossEntropyLoss` 训练。"
            "注意第 3、4 步输入的都是 “l”，却要输出 “l” 和 “o”——只有隐藏状态记住了前文才做得到。"
            "按 **▶ 训练**，看每一轮预测出的字符串、损失曲线、每一步的隐藏状态和 softmax。也可以输入任意两个等长的字符串。",
            "An RNN reads one character per time step: h_t = tanh(W_ih·x_t + b_ih + W_hh·h_(t−1) + b_hh), the same "
            "weights at every step, and the hidden state h carries what was read so far to the next step. The task is the "
            "lecture's “hello” → “ohlol”: idx2char = ['e', 'h', 'l', 'o'], the input x = [1, 0, 2, 2, 3] becomes one-hot "
            "vectors, each step's output goes through softmax into probabilities of the 4 characters, and "
            "`CrossEntropyLoss` trains it. Steps 3 and 4 both read “l” but must answer “l” and then “o”: only a hidden state "
            "that remembers what came before can. Press **▶ Train** and watch the predicted string of every epoch, the loss, "
            "and the hidden state and the softmax at every step. Any two strings of equal length work too.",
        ),
        "rnn_source_box": ("源字符串（输入）", "Source (input)"),
        "rnn_target_box": ("目标字符串（每步的输出）", "Target (output at each step)"),
        "rnn_cell": ("模型", "Model"),
        "rnn_cell_rnncell": ("RNNCell（手动逐步循环）", "RNNCell (stepped by hand)"),
        "rnn_cell_rnn": ("nn.RNN（整个序列）", "nn.RNN (whole sequence)"),
        "rnn_cell_embedding": ("嵌入 + RNN + 线性层", "Embedding + RNN + Linear"),
        "rnn_cell_lstm": ("nn.LSTM（长短期记忆）", "nn.LSTM"),
        "rnn_cell_gru": ("nn.GRU（门控循环单元）", "nn.GRU"),
        "rnn_linear": (
            "加一个线性输出层 Linear(hidden, 字符数)",
            "Linear output layer Linear(hidden, characters)",
        ),
        "rnn_linear_info": (
            "不勾选 = 讲义的 RNNCell / RNN 版本：隐藏状态本身就是各字符的得分，所以 hidden_size = 字符数；"
            "tanh 把这些得分限制在 [−1, 1]，损失因此降不了太低",
            "Unticked = the lecture's RNNCell / RNN version: the hidden state itself is the characters' scores, "
            "so hidden_size = number of characters; tanh keeps these scores in [−1, 1], so the loss cannot fall far",
        ),
        "rnn_hidden": ("隐藏层大小 hidden_size", "hidden_size"),
        "rnn_layers": ("层数 num_layers", "num_layers"),
        "rnn_lr": ("Adam 学习率 lr", "Adam lr"),
        "rnn_epochs": ("训练轮数 epochs", "epochs"),
        "rnn_seed": ("随机种子 seed（初始权重）", "seed (initial weights)"),
        "rnn_train": ("▶ 训练", "▶ Train"),
        "rnn_stop": ("■ 停止", "■ Stop"),
        "rnn_console": ("每一轮的输出（同讲义的 print）", "Every epoch's output (the lecture's print)"),
        "rnn_vocab": (
            "字符表 idx2char = {vocab}（{n} 个字符，独热输入 input_size = {n}）  \nx = {x}  \ny = {y}",
            "idx2char = {vocab} ({n} characters, one-hot input_size = {n})  \nx = {x}  \ny = {y}",
        ),
        "rnn_seed_note": (
            "结果取决于随机种子（初始权重）。默认设置（线性输出层、16 个隐藏单元、Adam lr 0.1；嵌入版用讲义的 8 个单元、2 层、"
            "lr 0.05）在种子 0–49 中每一个都能在 15 轮内学会 hello → ohlol。讲义原版（没有线性层，hidden_size = 4）只有 "
            "37/50 个种子做到，种子 0 一直停在 “ohlll”。RNNCell 把 5 步的损失相加，其余版本取平均，所以它的损失约是 5 倍；"
            "Adam 的步长与损失的整体缩放无关，因此同一种子下 RNNCell 与 nn.RNN 的预测完全一样。每一轮显示的是这一轮前向计算"
            "（更新之前）的结果，和讲义打印的一样。",
            "The result depends on the seed (the initial weights). The defaults (a Linear output layer, 16 hidden units, "
            "Adam lr 0.1; the embedding version keeps the lecture's 8 units, 2 layers, lr 0.05) learn hello → ohlol "
            "within 15 epochs for every seed 0-49. The lecture's own version (no Linear layer, hidden_size = 4) does for "
            "37 of 50 seeds; seed 0 stays at “ohlll”. RNNCell sums the 5 per-step losses where the others average them, "
            "so its loss is about 5 times larger; Adam's steps ignore a constant scale of the loss, so RNNCell and "
            "nn.RNN predict exactly alike for the same seed. Each epoch shows that epoch's forward pass (before its "
            "update), as the lecture prints it.",
        ),
        "rnn_line": (
            "预测字符串: {pred}，第 [{epoch}/{epochs}] 轮 loss={loss:.4f}",
            "Predicted string: {pred}, Epoch [{epoch}/{epochs}] loss={loss:.4f}",
        ),
        "rnn_idle": ("按 **▶ 训练** 开始。", "Press **▶ Train** to start."),
        "rnn_now": ("第 {epoch}/{epochs} 轮 · 预测字符串", "Epoch {epoch}/{epochs} · Predicted string"),
        "rnn_target_word": ("目标", "target"),
        "rnn_learned": (
            "✓ 第 {epoch} 轮首次完全预测正确。",
            "✓ Right for the first time in epoch {epoch}.",
        ),
        "rnn_not_learned": ("还没有完全预测正确。", "Not right yet."),
        "rnn_model_line": (
            "模型：{arch}，共 {params} 个参数；Adam lr = {lr:g}，种子 {seed}。",
            "Model: {arch}, {params} parameters; Adam lr = {lr:g}, seed {seed}.",
        ),
        "rnn_diverged": (
            "**发散**：第 {epoch} 轮的损失变成了 {loss}，训练已停止。学习率 {lr:g} 太大，试试 0.1 或更小。",
            "**Diverged**: the loss of epoch {epoch} became {loss}, so training stopped. The learning rate {lr:g} is too "
            "large; try 0.1 or less.",
        ),
        "rnn_stopped_time": ("已达到时间上限，训练停止。", "Stopped at the time limit."),
        "rnn_loss_title": ("每一轮的损失（{kind}）", "Loss of each epoch ({kind})"),
        "rnn_loss_sum": ("各步之和", "sum over the steps"),
        "rnn_loss_mean": ("各步平均", "mean over the steps"),
        "rnn_epoch": ("轮次 epoch", "epoch"),
        "rnn_learned_mark": ("第 {epoch} 轮学会", "learned at epoch {epoch}"),
        "rnn_hidden_title": (
            "每一步的隐藏状态 h_t（第 {epoch} 轮，最后一层）",
            "Hidden state h_t at every step (epoch {epoch}, last layer)",
        ),
        "rnn_probs_title": (
            "每一步对 {n} 个字符的 softmax（第 {epoch} 轮，□ = 目标）",
            "Softmax over the {n} characters at every step (epoch {epoch}, □ = target)",
        ),
        "rnn_step": ("时间步：输入 → 目标", "step: input → target"),
        "rnn_unit": ("隐藏单元", "hidden unit"),
        "rnn_char": ("字符", "character"),
        "rnn_target_marker": ("目标", "target"),
        "rnn_press_train": ("按 ▶ 训练 后显示", "Shown after ▶ Train"),
        "rnn_shapes_head": ("### 张量形状：RNNCell、RNN、LSTM、GRU", "### Tensor shapes: RNNCell, RNN, LSTM, GRU"),
        "rnn_shapes_intro": (
            "选好大小，下表的“PyTorch 实际返回”一列是把模块真正跑一遍（输入全为 0）得到的形状。RNNCell 一次只走一个时间步；"
            "RNN / LSTM / GRU 一次吃下整个序列。D = 2（双向）或 1。batch_first 只交换 input 和 output 的前两维，"
            "h0、c0、h_n、c_n 始终是 (D·num_layers, batch, hidden_size)。LSTM 多一个细胞状态 c。",
            "Choose the sizes; the column “PyTorch returns” is the shape each module really returns when run on zeros of "
            "those sizes. RNNCell takes one time step at a time; RNN / LSTM / GRU take the whole sequence. D = 2 "
            "(bidirectional) or 1. batch_first swaps the first two axes of input and output only: h0, c0, h_n and c_n "
            "are always (D·num_layers, batch, hidden_size). An LSTM carries a cell state c too.",
        ),
        "rnn_sh_seq": ("序列长度 seq_len", "seq_len"),
        "rnn_sh_batch": ("批量 batch_size", "batch_size"),
        "rnn_sh_input": ("输入大小 input_size", "input_size"),
        "rnn_sh_hidden": ("隐藏层大小 hidden_size", "hidden_size"),
        "rnn_sh_layers": ("层数 num_layers", "num_layers"),
        "rnn_sh_bidir": ("双向 bidirectional", "bidirectional"),
        "rnn_sh_batch_first": ("batch_first（批量维在前）", "batch_first"),
        "rnn_sh_table_head": (
            "| 模块 | 张量 | 公式 | 由公式得到 | PyTorch 实际返回 | |",
            "| module | tensor | formula | formula gives | PyTorch returns | |",
        ),
        "rnn_sh_params": ("参数个数", "parameters"),
        "rnn_sh_legend": (
            "其中 I = input_size，H = hidden_size，L = num_layers，D = {d}。",
            "I = input_size, H = hidden_size, L = num_layers, D = {d}.",
        ),
    }
)

CELL_CHOICES = [(I18N(f"rnn_cell_{c}"), c) for c in rc.CELLS]
SHAPE_DEFAULTS = {"seq_len": 3, "batch": 1, "input_size": 4, "hidden": 2, "layers": 1}  # the lecture's sizes
EPOCH_SLIDER = (1, 100)  # the tab's slider; the API accepts up to rc.EPOCH_RANGE[1]
RIGHT, WRONG = "#2ca02c", "#d62728"
FRAMES = 25  # frames of a streamed run at most, 0.4 s apart
HEAT_EVERY = 5  # in runs of more than FRAMES epochs, the heatmaps are redrawn every HEAT_EVERY-th frame


# ---- checks -----------------------------------------------------------------------------


def check(source, target, cell, hidden, layers, linear, lr, epochs, seed, lang):
    """Validated (pair, cfg, lr, epochs, seed) or a gr.Error in the user's language (both for lang=None)."""
    pair = rc.make_pair(source, target, lang)
    cfg = rc.make_config(cell, len(pair.vocab), hidden, layers, linear, lang)
    lr = ui.number(lr, "lr" if lang is None else t("rnn_lr", lang), *rc.LR_RANGE, lang)
    epochs = ui.integer(epochs, "epochs" if lang is None else t("rnn_epochs", lang), *rc.EPOCH_RANGE, lang)
    seed = ui.integer(seed, "seed" if lang is None else t("rnn_seed", lang), *rc.SEED_RANGE, lang)
    return pair, cfg, lr, epochs, seed


def architecture(cfg: rc.Config, seq: int) -> str:
    """The model as a line of code-like text, with the shapes of one run over the string."""
    v, h, layers = cfg.vocab_size, cfg.hidden_size, cfg.num_layers
    if cfg.cell == "embedding":
        parts = [
            f"x ({1}, {seq})",
            f"Embedding({v}, {rc.EMBED_SIZE})",
            f"RNN({rc.EMBED_SIZE}, {h}, num_layers={layers})",
        ]
    elif cfg.cell == "rnncell":
        parts = [f"one-hot ({seq}, 1, {v})", f"{seq} × RNNCell({v}, {h})"]
    else:
        parts = [f"one-hot ({seq}, 1, {v})", f"{cfg.cell.upper()}({v}, {h}, num_layers={layers})"]
    if cfg.has_linear:
        parts.append(f"Linear({h}, {v})")
    parts.append(f"scores ({seq}, {v})")
    return "`" + " → ".join(parts) + "`"


def param_total(cfg: rc.Config) -> int:
    """Parameters of the model: the recurrent part by rc.param_count, plus Embedding and Linear."""
    v, h = cfg.vocab_size, cfg.hidden_size
    if cfg.cell == "embedding":
        n = v * rc.EMBED_SIZE + rc.param_count("RNN", rc.EMBED_SIZE, h, cfg.num_layers, False)
    else:
        name = {"rnncell": "RNNCell", "rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[cfg.cell]
        n = rc.param_count(name, v, h, cfg.num_layers, False)
    return n + (h * v + v if cfg.has_linear else 0)


# ---- the run record and its views --------------------------------------------------------


def new_run(pair: rc.Pair | None = None, cfg: rc.Config | None = None, lr=0.1, epochs=15, seed=0) -> dict:
    """Per-user record of the last run (kept in gr.State)."""
    return {
        "status": "idle",
        "source": pair.source if pair else "",
        "target": pair.target if pair else "",
        "vocab": list(pair.vocab) if pair else [],
        "cell": cfg.cell if cfg else "rnn",
        "arch": architecture(cfg, len(pair.source)) if cfg and pair else "",
        "params": param_total(cfg) if cfg else 0,
        "lr": lr,
        "epochs": epochs,
        "seed": seed,
        "preds": [],
        "loss": [],
        "hidden": None,
        "probs": None,
        "bad_loss": None,
    }


def console_text(run: dict, lang: str) -> str:
    epochs = run["epochs"]
    lines = [
        t("rnn_line", lang, pred=p, epoch=i, epochs=epochs, loss=loss)
        for i, (p, loss) in enumerate(zip(run["preds"], run["loss"]), 1)
    ]
    return "\n".join(lines)


def colored(pred: str, target: str) -> str:
    """The predicted string, each character green where it equals the target's, red where not."""
    spans = []
    for p, q in zip(pred, target):
        color = RIGHT if p == q else WRONG
        spans.append(f'<span style="color:{color}">{html.escape(rc.show_char(p))}</span>')
    return "".join(spans)


def headline(run: dict, lang: str) -> str:
    """The current prediction, large, against the target; then the model line and the seed note."""
    if run["status"] == "idle":
        return t("rnn_idle", lang)
    parts = []
    if run["preds"]:
        epoch, pred = len(run["preds"]), run["preds"][-1]
        target = html.escape("".join(rc.show_char(c) for c in run["target"]))
        parts.append(
            f"### {t('rnn_now', lang, epoch=epoch, epochs=run['epochs'])}: "
            f"<code style='font-size:1.5em'>{colored(pred, run['target'])}</code> "
            f"({t('rnn_target_word', lang)} <code>{target}</code>)"
        )
        learned = rc.first_learned(run["preds"], run["target"])
        parts.append(t("rnn_learned", lang, epoch=learned) if learned else t("rnn_not_learned", lang))
    if run["status"] == "diverged":
        parts.append(t("rnn_diverged", lang, epoch=len(run["preds"]) + 1, loss=run["bad_loss"], lr=run["lr"]))
    if run["status"] == "time_up":
        parts.append(t("rnn_stopped_time", lang))
    parts.append(t("rnn_model_line", lang, arch=run["arch"], params=run["params"], lr=run["lr"], seed=run["seed"]))
    return "  \n".join(parts)


def loss_figure(run: dict, lang: str) -> go.Figure:
    name = t("rnn_loss_sum" if run["cell"] == "rnncell" else "rnn_loss_mean", lang)
    fig = live.curves_figure(
        {"loss": run["loss"]}, t("rnn_loss_title", lang, kind=name), t("rnn_epoch", lang), "loss", height=330
    )
    fig.data[0].update(mode="lines+markers", marker={"size": 7})
    learned = rc.first_learned(run["preds"], run["target"]) if run["preds"] else None
    if learned:  # the label on the side of the line with more room
        fig.add_vline(
            x=learned,
            line={"dash": "dot", "color": RIGHT, "width": 2},
            annotation_text=t("rnn_learned_mark", lang, epoch=learned),
            annotation_position="top right" if learned <= run["epochs"] / 2 else "top left",
            annotation_font={"color": RIGHT},
        )
    fig.update_xaxes(range=[0.5, max(run["epochs"], 1) + 0.5])
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(showlegend=False)
    return fig


def step_labels(run: dict) -> list[str]:
    return [f"{i}: {rc.show_char(a)} → {rc.show_char(b)}" for i, (a, b) in enumerate(zip(run["source"], run["target"]))]


def heat_height(rows: int) -> int:
    return max(300, min(720, 150 + 34 * rows))


def placeholder(title: str, lang: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=t("rnn_press_train", lang), showarrow=False, font={"size": 20, "color": "#666"})
    ui.style(fig, title, height=300)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def hidden_figure(run: dict, lang: str) -> go.Figure:
    """Time steps x hidden units of the last layer's h_t; every h_t lies in [-1, 1] (tanh / o·tanh(c))."""
    epoch = len(run["preds"])
    title = t("rnn_hidden_title", lang, epoch=epoch)
    if not run["hidden"]:
        return placeholder(t("rnn_hidden_title", lang, epoch=0), lang)
    z = run["hidden"]
    units = len(z[0])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(units)),
            y=step_labels(run),
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            texttemplate="%{z:.2f}" if units <= 12 else None,
            textfont={"size": 14},
            hovertemplate="%{y}<br>h[%{x}] = %{z:.4f}<extra></extra>",
            colorbar={"thickness": 14},
        )
    )
    ui.style(fig, title, t("rnn_unit", lang), t("rnn_step", lang), height=heat_height(len(z)))
    fig.update_yaxes(autorange="reversed", showgrid=False, zeroline=False, type="category")
    fig.update_xaxes(showgrid=False, zeroline=False, dtick=1 if units <= 16 else None)
    fig.update_layout(margin={"l": 110, "r": 20, "t": 60, "b": 60}, title_font_size=18)
    return fig


def probs_figure(run: dict, lang: str) -> go.Figure:
    """Time steps x characters: softmax of each step's scores; the target of each step boxed."""
    n = len(run["vocab"])
    epoch = len(run["preds"])
    if not run["probs"]:
        return placeholder(t("rnn_probs_title", lang, n=n or 4, epoch=0), lang)
    chars = [rc.show_char(c) for c in run["vocab"]]
    rows = step_labels(run)
    fig = go.Figure(
        go.Heatmap(
            z=run["probs"],
            x=chars,
            y=rows,
            zmin=0,
            zmax=1,
            colorscale="Blues",
            texttemplate="%{z:.2f}" if n <= 12 else None,
            textfont={"size": 14},
            hovertemplate="%{y}<br>p(%{x}) = %{z:.4f}<extra></extra>",
            colorbar={"thickness": 14},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[rc.show_char(c) for c in run["target"]],
            y=rows,
            mode="markers",
            marker={"symbol": "square-open", "size": 34 if n <= 12 else 16, "color": WRONG, "line": {"width": 3}},
            name=t("rnn_target_marker", lang),
            hoverinfo="skip",
        )
    )
    ui.style(fig, t("rnn_probs_title", lang, n=n, epoch=epoch), t("rnn_char", lang), t("rnn_step", lang))
    fig.update_layout(height=heat_height(len(rows)), showlegend=False, title_font_size=18)
    fig.update_layout(margin={"l": 110, "r": 20, "t": 60, "b": 60})
    fig.update_yaxes(autorange="reversed", showgrid=False, zeroline=False, type="category")
    fig.update_xaxes(showgrid=False, zeroline=False, type="category", categoryorder="array", categoryarray=chars)
    return fig


def outputs(run: dict, lang: str, heatmaps: bool = True):
    """Every view of the run; ``heatmaps=False`` leaves the two heatmaps as they are (cheaper frames)."""
    return (
        headline(run, lang),
        console_text(run, lang),
        loss_figure(run, lang),
        hidden_figure(run, lang) if heatmaps else gr.skip(),
        probs_figure(run, lang) if heatmaps else gr.skip(),
        run,
    )


def vocab_text(source, target, lang) -> str:
    """The lecture's idx2char, x and y for the typed pair, or why the pair cannot be used."""
    try:
        pair = rc.make_pair(source, target, lang)
    except gr.Error as err:
        return "⚠ " + err.message
    vocab = "[" + ", ".join(repr(c) for c in pair.vocab) + "]"
    return t("rnn_vocab", lang, vocab=vocab, n=len(pair.vocab), x=list(pair.x), y=list(pair.y))


def shapes_markdown(seq_len, batch, input_size, hidden, layers, bidirectional, batch_first, lang) -> str:
    names = ("rnn_sh_seq", "rnn_sh_batch", "rnn_sh_input", "rnn_sh_hidden", "rnn_sh_layers")
    sizes = [
        ui.integer(v, t(k, lang), *rc.SHAPE_LIMITS[key], lang)
        for v, k, key in zip((seq_len, batch, input_size, hidden, layers), names, rc.SHAPE_LIMITS)
    ]
    rows = rc.shape_rows(*sizes, bool(bidirectional), bool(batch_first))
    lines = [t("rnn_sh_table_head", lang), "|---|---|---|---|---|---|"]
    previous = None
    for r in rows:
        module = f"**{r['module']}**" if r["module"] != previous else ""
        previous = r["module"]
        tensor = t("rnn_sh_params", lang) if r["tensor"] == "parameters" else f"`{r['tensor']}`"
        exp, act = r["expected"], r["actual"]
        fmt = (lambda s: f"{s[0]:,}") if r["tensor"] == "parameters" else (lambda s: str(s).replace(",)", ")"))
        mark = "✓" if exp == act else "✗"
        lines.append(f"| {module} | {tensor} | `{r['formula']}` | {fmt(exp)} | {fmt(act)} | {mark} |")
    legend = t("rnn_sh_legend", lang, d=2 if bidirectional else 1)
    return "\n".join(lines) + "\n\n" + legend


# ---- events ------------------------------------------------------------------------------


def on_train(source, target, cell, hidden, layers, linear, lr, epochs, seed, lang):
    """Stream the training: one frame per epoch for up to 25 epochs (25 frames for longer runs), 0.4 s apart:
    slow enough to read each predicted string. Each heatmap costs a busy browser as much as the rest of a
    frame, so longer runs redraw them every HEAT_EVERY-th frame (and on the last)."""
    pair, cfg, lr, epochs, seed = check(source, target, cell, hidden, layers, linear, lr, epochs, seed, lang)
    run = new_run(pair, cfg, lr, epochs, seed)
    run["status"] = "running"
    yield outputs(run, lang)
    pacer = live.Pacer(
        epochs, frames=min(epochs, FRAMES), min_seconds=0.4 * min(epochs, FRAMES), budget=live.TRAIN_SECONDS
    )
    frame = 0
    for ev in rc.train(pair, cfg, lr, epochs, seed):
        if ev.get("diverged"):
            run.update(status="diverged", bad_loss=str(ev["loss"]))
            yield outputs(run, lang)
            return
        run["preds"].append(ev["pred"])
        run["loss"].append(ev["loss"])
        run["hidden"], run["probs"] = ev["hidden"], ev["probs"]
        if ev["epoch"] == epochs:
            run["status"] = "done"
        if pacer.due(ev["epoch"]):
            frame += 1
            yield outputs(run, lang, epochs <= FRAMES or frame % HEAT_EVERY == 0 or ev["epoch"] == epochs)
            pacer.shown()
        if ev["epoch"] < epochs and pacer.time_up():
            run["status"] = "time_up"
            yield outputs(run, lang)
            return


def on_cell(cell):
    """A new model: its default sizes and learning rate; RNNCell has one layer, the embedding version a Linear layer."""
    cell = ui.choice(cell, "cell", rc.CELLS)
    d = rc.DEFAULTS[cell]
    return (
        gr.Slider(value=d["hidden"], interactive=True),
        gr.Slider(value=d["layers"], interactive=cell != "rnncell"),
        gr.Slider(value=d["lr"]),
        gr.Checkbox(value=d["linear"], interactive=cell != "embedding"),
    )


def on_linear(cell, linear):
    """Without a Linear layer the hidden size is the number of characters: the slider rests."""
    return gr.Slider(interactive=bool(linear) or cell == "embedding")


def on_lang(run, lang):
    return outputs(run or new_run(), lang)


def api_rnn_train(
    source: str,
    target: str,
    cell: str,
    epochs: int,
    lr: float,
    seed: int,
    hidden_size: int | None = None,
    num_layers: int | None = None,
    linear: bool = True,
) -> dict:
    """Train a character RNN to turn source into target (equal lengths); cell is "rnncell", "rnn", "embedding",
    "lstm" or "gru". hidden_size and num_layers default to the cell's defaults; linear=False is the lecture's
    RNNCell / RNN version (hidden state = scores). Returns the predicted string and the loss of every epoch."""
    if cell not in rc.CELLS:
        raise ui.user_error("rnn_err_cell", None, choices=", ".join(rc.CELLS), value=cell)
    d = rc.DEFAULTS[cell]
    hidden = d["hidden"] if hidden_size is None else hidden_size
    layers = d["layers"] if num_layers is None else num_layers
    pair, cfg, lr, epochs, seed = check(source, target, cell, hidden, layers, linear, lr, epochs, seed, None)
    return rc.history(pair, cfg, lr, epochs, seed)


def _pair_inputs(lang: ui.TabLang):
    """The source and target strings, and their vocabulary (idx2char, x, y) redrawn as they are typed."""
    with gr.Row():
        source = gr.Textbox(rc.LECTURE_SOURCE, label=I18N("rnn_source_box"), elem_id="rnn-source", max_length=80)
        target = gr.Textbox(rc.LECTURE_TARGET, label=I18N("rnn_target_box"), elem_id="rnn-target", max_length=80)
    vocab = gr.Markdown(elem_id="rnn-vocab")
    # on every change of an input, the language included (so also when the tab is first shown)
    ui.on_inputs(vocab_text, [source, target, lang], vocab)
    return source, target


def _model_settings():
    """The model and its training settings, at nn.RNN's defaults; returns them in on_train's order."""
    d = rc.DEFAULTS["rnn"]
    cell = gr.Radio(CELL_CHOICES, value="rnn", label=I18N("rnn_cell"), elem_id="rnn-cell")
    linear = gr.Checkbox(d["linear"], label=I18N("rnn_linear"), info=I18N("rnn_linear_info"), elem_id="rnn-linear")
    with gr.Row():
        hidden = gr.Slider(*rc.HIDDEN_RANGE, value=d["hidden"], step=1, label=I18N("rnn_hidden"), elem_id="rnn-hidden")
        layers = gr.Slider(*rc.LAYER_RANGE, value=d["layers"], step=1, label=I18N("rnn_layers"), elem_id="rnn-layers")
    with gr.Row():
        lr = gr.Slider(0.001, 0.5, value=d["lr"], step=0.001, label=I18N("rnn_lr"), elem_id="rnn-lr")
        epochs = gr.Slider(
            *EPOCH_SLIDER, value=rc.DEFAULT_EPOCHS, step=1, label=I18N("rnn_epochs"), elem_id="rnn-epochs"
        )
    seed = gr.Number(rc.DEFAULT_SEED, precision=0, minimum=0, label=I18N("rnn_seed"), elem_id="rnn-seed")
    return cell, hidden, layers, linear, lr, epochs, seed


def _run_views(run0: dict):
    """The right column: the headline, every epoch's printed line, and the loss curve."""
    with gr.Column(scale=3):
        status = gr.Markdown(headline(run0, "en"), elem_id="rnn-status")
        console = gr.Textbox(
            label=I18N("rnn_console"),
            lines=15,
            max_lines=15,
            interactive=False,
            autoscroll=True,
            elem_id="rnn-console",
        )
        loss_plot = gr.Plot(loss_figure(run0, "en"), show_label=False, elem_id="rnn-loss")
    return status, console, loss_plot


def _heatmaps(run0: dict):
    """The note on seeds, then the hidden state and the softmax of every step side by side."""
    gr.Markdown(I18N("rnn_seed_note"), elem_id="rnn-seed-note")
    with gr.Row():
        hidden_plot = gr.Plot(hidden_figure(run0, "en"), show_label=False, elem_id="rnn-hidden-plot")
        probs_plot = gr.Plot(probs_figure(run0, "en"), show_label=False, elem_id="rnn-probs-plot")
    return hidden_plot, probs_plot


def _shapes_section(lang: ui.TabLang) -> None:
    """The sizes and the table of RNNCell / RNN / LSTM / GRU tensor shapes, redrawn on every change."""
    gr.Markdown(I18N("rnn_shapes_head"))
    gr.Markdown(I18N("rnn_shapes_intro"), elem_classes=["lecture-intro"])
    with gr.Row():
        sh = {
            key: gr.Slider(
                *rc.SHAPE_LIMITS[key], value=SHAPE_DEFAULTS[key], step=1, label=I18N(label), elem_id=f"rnn-sh-{key}"
            )
            for key, label in zip(
                rc.SHAPE_LIMITS, ("rnn_sh_seq", "rnn_sh_batch", "rnn_sh_input", "rnn_sh_hidden", "rnn_sh_layers")
            )
        }
    with gr.Row():
        bidir = gr.Checkbox(False, label=I18N("rnn_sh_bidir"), elem_id="rnn-sh-bidir")
        batch_first = gr.Checkbox(False, label=I18N("rnn_sh_batch_first"), elem_id="rnn-sh-batch-first")
    shapes = gr.Markdown(elem_id="rnn-shapes")
    ui.on_inputs(shapes_markdown, [*sh.values(), bidir, batch_first, lang], shapes)


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    run0 = new_run()
    run = gr.State(run0)  # per user: the last run's predictions, losses, hidden states and softmax
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            source, target = _pair_inputs(lang)
            cell, hidden, layers, linear, lr, epochs, seed = _model_settings()
            with gr.Row():
                start = gr.Button(I18N("rnn_train"), variant="primary", elem_id="rnn-train")
                stop = gr.Button(I18N("rnn_stop"), variant="stop", elem_id="rnn-stop")
        status, console, loss_plot = _run_views(run0)
    hidden_plot, probs_plot = _heatmaps(run0)
    _shapes_section(lang)
    ui.code_panel("rnn_basics", "rnn_basics_rnn", "rnn_basics_embedding", "rnn_basics_shapes")

    cell.input(on_cell, cell, [hidden, layers, lr, linear], **ui.CHEAP)
    linear.change(on_linear, [cell, linear], hidden, **ui.CHEAP)
    train_out = [status, console, loss_plot, hidden_plot, probs_plot, run]
    live.train_button(
        start,
        stop,
        on_train,
        [source, target, cell, hidden, layers, linear, lr, epochs, seed, lang],
        train_out,
        concurrency_id="rnn_train",
    )
    ui.on_inputs(on_lang, [run, lang], train_out, triggers=[lang])
    gr.api(
        offload.api(api_rnn_train),
        api_name="rnn_train",
        concurrency_limit=live.TRAIN_CONCURRENCY,
        concurrency_id="rnn_api",
    )
