"""PyTorch lecture 13's homework: the movie-review sentiment classifier (the Kaggle "Sentiment
Analysis on Movie Reviews" task, on 10,605 rated Rotten Tomatoes sentences). Type a review and see
the five class probabilities of the trained bidirectional GRU (models/sentiment.py), how they move
word by word, which words pushed the answer, how the model and a bag-of-words baseline do on the
test split, and train a small GRU from scratch live."""

from __future__ import annotations

import functools
import json

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, ui
from demos.i18n import I18N, built_keys, register, t
from models.load import WEIGHTS  # models.load imports no torch

LECTURE = ui.Lecture("sentiment", "sec_sequences", "st_tab", "st_source", "st_intro")
METRICS_FILE = WEIGHTS / "sentiment_gru.json"  # = models.sentiment.METRICS_FILE, named without torch
CLASSES = ("negative", "somewhat negative", "neutral", "somewhat positive", "positive")  # = models.sentiment.CLASSES
CLASS_ZH = ("负面", "偏负面", "中性", "偏正面", "正面")
CLASS_COLORS = ("#d62728", "#ff9896", "#9a9a9a", "#98df8a", "#2ca02c")
EXAMPLES = (
    "A gorgeous, witty, seductive movie.",
    "The plot is nothing but boilerplate clichés from start to finish.",
    "It's not a bad film, but it's not a good one either.",
    "Too long, too loud and not nearly as funny as it thinks it is.",
    "An uneven but often moving portrait of a family.",
)
MAX_INPUT = 2000  # characters (= models.sentiment.MAX_CHARS, checked by a test)
LIVE_EPOCHS = (1, 12)
LIVE_LR = (1e-4, 0.1)
LIVE_DEFAULTS = {"epochs": 6, "lr": 0.01}  # = models.train_sentiment.LIVE_RECIPE (checked by a test)
SEED_MAX = 2**31 - 1

register({f"st_c_{i}": (zh, en) for i, (en, zh) in enumerate(zip(CLASSES, CLASS_ZH))})
built_keys("st_c_*", "st_err_*", "st_status_*")

register(
    {
        "st_tab": ("第13讲 作业 影评情感", "L13 homework: movie reviews"),
        "st_source": (
            "**刘二 PyTorch 第13讲 · 课后作业：电影评论情感分类（Kaggle Sentiment Analysis on Movie Reviews）**",
            "**Liu Er PyTorch lecture 13 · homework: movie-review sentiment (Kaggle's Sentiment Analysis on Movie Reviews)**",
        ),
        "st_intro": (
            "第13讲的作业：把一句影评分成五类——负面、偏负面、中性、偏正面、正面。数据是 10,605 句烂番茄（Rotten Tomatoes）影评，"
            "和 Kaggle 比赛同源，每句有人工打出的平均分（−4 到 +4），按 x = (分数 + 4) / 8 以 0.2、0.4、0.6、0.8 为界分成五类。"
            "做法就是本讲姓名分类器的做法，只是把字母换成**单词**：分词 → 单词编号 → **嵌入层** → **双向 GRU**"
            "（一批句子补齐后用 `pack_padded_sequence` 打包）→ **线性层**得到 5 个 logits。下面输入一句英文影评；"
            "旁边是一个**词袋逻辑回归**基线（不看词序，只数每个词出现几次），看看循环网络多学到了什么。",
            "The lecture's homework: sort a movie-review sentence into five classes, negative, somewhat negative, neutral, "
            "somewhat positive, positive. The data are 10,605 Rotten Tomatoes sentences (the source of the Kaggle task), "
            "each with a mean human rating from −4 to +4, cut into five classes at x = (rating + 4) / 8 = 0.2, 0.4, 0.6, "
            "0.8. The recipe is the lecture's surname classifier with **words** for letters: tokens → word indices → "
            "**embedding** → **bidirectional GRU** (a batch padded and packed with `pack_padded_sequence`) → a **linear "
            "layer** with 5 logits. Type an English review below. Beside it is a **bag-of-words logistic regression** "
            "baseline (word counts, no word order): see what the recurrent network adds.",
        ),
        "st_text": ("影评（英文）", "review (English)"),
        "st_text_ph": ("例如：A gorgeous, witty, seductive movie.", "e.g. A gorgeous, witty, seductive movie."),
        "st_examples": ("例句", "examples"),
        "st_go": ("▶ 分析", "▶ Analyse"),
        "st_prob": ("概率", "probability"),
        "st_probs_title": ("五类的概率（训练好的 GRU）", "The five classes (trained GRU)"),
        "st_empty": ("输入一句影评。", "Type a review."),
        "st_result": (
            "GRU 判断为 **{label}**（{p:.1%}）；词袋基线判断为 **{base}**（{pb:.1%}）。{unknown}",
            "The GRU says **{label}** ({p:.1%}); the bag-of-words baseline says **{base}** ({pb:.1%}). {unknown}",
        ),
        "st_unknown": (
            "模型不认识的词（按 `<unk>` 读）：{words}。",
            "Words the model does not know (read as `<unk>`): {words}.",
        ),
        "st_prefix_title": ("每读一个词之后的预测", "The prediction after each word"),
        "st_word": ("读到第几个词", "word"),
        "st_occl_title": (
            "哪些词推动了“{label}”<br><sub>把这个词换成 &lt;unk&gt; 后，“{label}”的概率下降多少</sub>",
            "Which words pushed “{label}”<br><sub>how much its probability drops when the word is read as &lt;unk&gt;</sub>",
        ),
        "st_occl_y": ("概率下降", "drop in probability"),
        "st_eval_head": ("### 在测试集上的表现", "### On the test split"),
        "st_eval_table": (
            "| 模型 | 五分类准确率 | 宏平均 F1 | 二分类准确率（0-1 对 3-4） |\n|---|---|---|---|\n"
            "| 双向 GRU（{members} 个平均） | {g_acc:.1%} | {g_f1:.3f} | {g_two:.1%} |\n"
            "| 词袋逻辑回归 | {b_acc:.1%} | {b_f1:.3f} | {b_two:.1%} |\n"
            "| 总猜最多的类（{major}） | {m_acc:.1%} | {m_f1:.3f} | {m_two:.1%} |\n\n"
            "测试集 {rows:,} 句（二分类时去掉中性，剩 {two_rows:,} 句）；模型只在 {train:,} 句训练集上训练，"
            "用 {val:,} 句验证集挑选轮数。",
            "| model | 5-class accuracy | macro F1 | 2-class accuracy (0-1 vs 3-4) |\n|---|---|---|---|\n"
            "| bidirectional GRU ({members} averaged) | {g_acc:.1%} | {g_f1:.3f} | {g_two:.1%} |\n"
            "| bag-of-words logistic regression | {b_acc:.1%} | {b_f1:.3f} | {b_two:.1%} |\n"
            "| always the most frequent class ({major}) | {m_acc:.1%} | {m_f1:.3f} | {m_two:.1%} |\n\n"
            "{rows:,} test sentences ({two_rows:,} without the neutral ones for 2 classes); the models trained on the "
            "{train:,} training sentences only, the epochs chosen on the {val:,} validation sentences.",
        ),
        "st_cm_title": (
            "GRU 在测试集上的混淆矩阵（行：真实类别，列：预测）",
            "GRU test confusion matrix (rows: true, columns: predicted)",
        ),
        "st_live_head": (
            "### 从零训练一个小 GRU\n和上面同样的做法，但模型小得多（嵌入 {embed}、隐藏 {hidden}），在 {train:,} 句训练集上现场训练，"
            "每轮后在验证集上打分。几十秒就能看到它超过“总猜最多的类”，但追不上训练好的模型。",
            "### Train a small GRU from scratch\nThe same recipe with a much smaller model (embedding {embed}, hidden "
            "{hidden}), trained live on the {train:,} training sentences and scored on the validation split after each "
            "epoch. Within tens of seconds it passes the most-frequent-class guess; it does not reach the trained model.",
        ),
        "st_epochs": ("轮数 epochs", "epochs"),
        "st_lr": ("学习率 lr", "learning rate lr"),
        "st_seed": ("随机种子 seed", "seed"),
        "st_train": ("▶ 开始训练", "▶ Train"),
        "st_stop": ("■ 停止", "■ Stop"),
        "st_curves_loss": ("损失（交叉熵）", "loss (cross-entropy)"),
        "st_curves_acc": ("准确率", "accuracy"),
        "st_epoch": ("轮", "epoch"),
        "st_train_loss": ("训练损失", "train loss"),
        "st_val_loss": ("验证损失", "validation loss"),
        "st_train_acc": ("训练准确率", "train accuracy"),
        "st_val_acc": ("验证准确率", "validation accuracy"),
        "st_status_idle": ("按 **▶ 开始训练**。", "Press **▶ Train**."),
        "st_status_running": (
            "训练中：第 {epoch} / {epochs} 轮，已用 {seconds:.0f} 秒。",
            "Training: epoch {epoch} of {epochs}, {seconds:.0f} s so far.",
        ),
        "st_status_done": (
            "训练完成：{epochs} 轮，用时 {seconds:.0f} 秒；验证集准确率 **{acc:.1%}**（训练好的模型：{ref:.1%}，总猜最多的类：{major:.1%}）。"
            "你的模型对上面那句影评的判断：{yours}",
            "Done: {epochs} epochs in {seconds:.0f} s; validation accuracy **{acc:.1%}** (the trained model: {ref:.1%}; "
            "the most frequent class: {major:.1%}). Your model on the review above: {yours}",
        ),
        "st_status_diverged": (
            "损失变成了 {loss}：学习率太大，训练发散了。请调小学习率再试。",
            "The loss became {loss}: the learning rate is too large and training diverged. Try a smaller one.",
        ),
        "st_yours_none": ("（上面还没有可分析的影评）", "(no review above to read yet)"),
        "st_err_empty": ("请输入一句影评。", "Please type a review."),
        "st_err_too_long": (
            "影评最多 {limit:,} 个字符，收到 {length:,} 个。",
            "A review may have at most {limit:,} characters; got {length:,}.",
        ),
        "st_err_too_many_words": (
            "影评最多 {limit} 个词，收到 {length} 个。",
            "A review may have at most {limit} words; got {length}.",
        ),
        "st_err_no_letters": (
            "没有找到任何英文单词（只有符号或表情）。请输入一句英文影评。",
            "No English words found (only symbols or emoji). Please type an English review.",
        ),
        "st_err_unknown": (
            "模型一个词也不认识：{words}。它只认识训练集里出现过至少两次的英文单词。",
            "The model knows none of these words: {words}. It knows the English words seen at least twice in its "
            "training sentences.",
        ),
        "st_err_text": ("影评必须是文字。", "The review must be text."),
    }
)


def _S():
    """models.sentiment (torch imported and the weights loaded on first use)."""
    ui.torch_ready()
    from models import sentiment

    return sentiment


def class_name(i: int, lang: str) -> str:
    return t(f"st_c_{i}", lang)


@functools.cache
def record() -> dict:
    """What training recorded (weights/sentiment_gru.json): config, metrics, history."""
    return json.loads(METRICS_FILE.read_text(encoding="utf-8"))


# ---- pure computation ---------------------------------------------------------------


def check_text(text, lang: str | None) -> str:
    """The review as text, or a gr.Error in the user's language (the model's own checks follow)."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ui.user_error("st_err_text", lang)
    if len(text) > MAX_INPUT:
        raise ui.user_error("st_err_too_long", lang, limit=MAX_INPUT, length=len(text))
    return text


def analyse(text, lang: str | None) -> dict:
    """Everything the tab shows about one review: the GRU's and the baseline's probabilities, the
    prediction after each word and the occlusion of each word. Unusable text: a gr.Error."""
    S = _S()
    text = check_text(text, lang)
    try:
        prefixes = S.prefix_predictions(text)
        occl = S.occlusion(text)
        base = S.predict(text, S.load_baseline())
    except S.SentimentError as err:
        raise ui.user_error(f"st_err_{err.key}", lang, **err.fmt) from None
    return {
        "tokens": prefixes.tokens,
        "known": prefixes.known,
        "probs": prefixes.probs[-1].double().numpy(),  # (5,) the whole review
        "prefix_probs": prefixes.probs.double().numpy(),  # (n, 5)
        "predicted": occl.predicted,
        "deltas": occl.deltas.double().numpy(),  # (n,)
        "base_probs": base.double().numpy(),
    }


def ranked(probs: np.ndarray) -> list[tuple[str, float]]:
    """[(class label, probability)] best first."""
    order = np.argsort(-probs, kind="stable")
    return [(CLASSES[i], float(probs[i])) for i in order]


# ---- figures ------------------------------------------------------------------------


def probs_figure(result: dict | None, lang: str) -> go.Figure:
    """Five horizontal bars, negative at the bottom, the predicted class outlined."""
    title = t("st_probs_title", lang)
    if result is None:
        return ui.empty_figure(title, 320)
    probs = result["probs"]
    fig = go.Figure(
        go.Bar(
            x=probs,
            y=[class_name(i, lang) for i in range(5)],
            orientation="h",
            marker={
                "color": list(CLASS_COLORS),
                "line": {
                    "color": ["#111" if i == result["predicted"] else "rgba(0,0,0,0)" for i in range(5)],
                    "width": 3,
                },
            },
            text=[f"{100 * p:.1f}%" for p in probs],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    ui.style(fig, title, t("st_prob", lang), "", height=320)
    fig.update_xaxes(range=[0, 1.18], tickformat=".0%")
    fig.update_yaxes(automargin=True)
    fig.update_layout(showlegend=False, margin={"l": 20, "r": 20, "t": 60, "b": 60})
    return fig


def word_ticks(result: dict) -> list[str]:
    """The tokens as axis labels, an unknown one in brackets (it is read as <unk>)."""
    return [tok if known else f"[{tok}]" for tok, known in zip(result["tokens"], result["known"])]


def prefix_figure(result: dict | None, lang: str) -> go.Figure:
    """Stacked areas: the five probabilities after each word (they sum to 1)."""
    title = t("st_prefix_title", lang)
    if result is None:
        return ui.empty_figure(title, 380)
    probs = result["prefix_probs"]
    steps = list(range(1, len(probs) + 1))
    fig = go.Figure()
    for i in range(5):
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=probs[:, i],
                mode="lines",
                stackgroup="p",
                name=class_name(i, lang),
                line={"color": CLASS_COLORS[i], "width": 1},
                hovertemplate="%{y:.3f}<extra>%{fullData.name}</extra>",
            )
        )
    ui.style(fig, title, t("st_word", lang), t("st_prob", lang), height=380)
    fig.update_xaxes(
        tickmode="array", tickvals=steps, ticktext=word_ticks(result), range=[0.5, len(steps) + 0.5], automargin=True
    )
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_layout(hovermode="x unified")
    return fig


def occlusion_figure(result: dict | None, lang: str) -> go.Figure:
    """One bar per word: how much the predicted class's probability drops without it (up: it pushed)."""
    if result is None:
        return ui.empty_figure(t("st_occl_title", lang, label="…"), 360)
    c = result["predicted"]
    deltas = result["deltas"]
    fig = go.Figure(
        go.Bar(
            x=list(range(1, len(deltas) + 1)),
            y=deltas,
            marker={"color": [CLASS_COLORS[c] if d >= 0 else "#7f7f7f" for d in deltas]},
            customdata=word_ticks(result),
            hovertemplate="%{customdata}: %{y:+.3f}<extra></extra>",
        )
    )
    ui.style(fig, t("st_occl_title", lang, label=class_name(c, lang)), t("st_word", lang), t("st_occl_y", lang), 360)
    steps = list(range(1, len(deltas) + 1))
    fig.update_xaxes(tickmode="array", tickvals=steps, ticktext=word_ticks(result), automargin=True)
    fig.update_layout(showlegend=False, title_font_size=16)
    return fig


@functools.cache
def test_confusion() -> tuple[tuple[int, ...], ...]:
    """The committed GRU on the test split, computed here (the same as training recorded)."""
    return tuple(tuple(row) for row in _S().confusion("test", "gru")["confusion"])


def confusion_figure(lang: str) -> go.Figure:
    """5x5 heatmap: rows true, columns predicted; colour = row share, text = count."""
    cm = np.asarray(test_confusion(), dtype=float)
    share = cm / cm.sum(axis=1, keepdims=True)
    labels = [class_name(i, lang) for i in range(5)]
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=labels,
            y=labels,
            text=[[str(int(v)) for v in row] for row in cm],
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="%{y} → %{x}: %{text}<extra></extra>",
        )
    )
    ui.style(fig, t("st_cm_title", lang), "", "", height=440)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(automargin=True)
    fig.update_layout(title_font_size=16, margin={"l": 20, "r": 20, "t": 60, "b": 20})
    return fig


def eval_text(lang: str) -> str:
    info = record()
    m = info["metrics"]
    g, b, major = m["gru_test"], m["bow_test"], m["majority_test"]
    return t(
        "st_eval_table",
        lang,
        members=info["config"]["members"],
        g_acc=g["accuracy"],
        g_f1=g["macro_f1"],
        g_two=g["two_class_accuracy"],
        b_acc=b["accuracy"],
        b_f1=b["macro_f1"],
        b_two=b["two_class_accuracy"],
        m_acc=major["accuracy"],
        m_f1=major["macro_f1"],
        m_two=major["two_class_accuracy"],
        major=class_name(m["majority_class"], lang),
        rows=g["rows"],
        two_rows=g["two_class_rows"],
        train=m["rows"]["train"],
        val=m["rows"]["validation"],
    )


def result_text(result: dict | None, lang: str) -> str:
    if result is None:
        return t("st_empty", lang)
    unknown = [tok for tok, known in zip(result["tokens"], result["known"]) if not known]
    b = int(np.argmax(result["base_probs"]))
    return t(
        "st_result",
        lang,
        label=class_name(result["predicted"], lang),
        p=float(result["probs"][result["predicted"]]),
        base=class_name(b, lang),
        pb=float(result["base_probs"][b]),
        unknown=t("st_unknown", lang, words=", ".join(unknown)) if unknown else "",
    )


# ---- live training ---------------------------------------------------------------------


def live_settings(epochs, lr, seed, lang: str | None) -> tuple[int, float, int]:
    epochs = ui.integer(epochs, t("st_epochs", lang or "en"), *LIVE_EPOCHS, lang)
    lr = ui.number(lr, "lr", *LIVE_LR, lang)
    seed = ui.integer(seed, "seed", 0, SEED_MAX, lang)
    return epochs, lr, seed


def new_run(epochs: int = LIVE_DEFAULTS["epochs"]) -> dict:
    return {"status": "idle", "epochs": epochs, "history": [], "seconds": 0.0, "yours": None, "bad_loss": ""}


def curves(run: dict, lang: str) -> tuple[go.Figure, go.Figure]:
    h = run["history"]
    loss = live.curves_figure(
        {t("st_train_loss", lang): [r["train_loss"] for r in h], t("st_val_loss", lang): [r["val_loss"] for r in h]},
        t("st_curves_loss", lang),
        t("st_epoch", lang),
        "",
        height=320,
    )
    acc = live.curves_figure(
        {t("st_train_acc", lang): [r["train_acc"] for r in h], t("st_val_acc", lang): [r["val_acc"] for r in h]},
        t("st_curves_acc", lang),
        t("st_epoch", lang),
        "",
        height=320,
    )
    for fig in (loss, acc):
        fig.update_traces(mode="lines+markers")
        fig.update_xaxes(range=[0.8, run["epochs"] + 0.2], dtick=1)
    acc.update_yaxes(range=[0, 1], tickformat=".0%")
    return loss, acc


def yours_text(probs, lang: str) -> str:
    if probs is None:
        return t("st_yours_none", lang)
    i = int(np.argmax(probs))
    return f"**{class_name(i, lang)}** ({100 * float(probs[i]):.1f}%)"


def status_text(run: dict, lang: str) -> str:
    h, status = run["history"], run["status"]
    if status == "idle":
        return t("st_status_idle", lang)
    if status == "diverged":
        return t("st_status_diverged", lang, loss=run["bad_loss"])
    epoch = h[-1]["epoch"] if h else 0
    if status == "running":
        return t("st_status_running", lang, epoch=epoch, epochs=run["epochs"], seconds=run["seconds"])
    m = record()["metrics"]
    done = t(
        "st_status_done",
        lang,
        epochs=epoch,
        seconds=run["seconds"],
        acc=h[-1]["val_acc"] if h else 0.0,
        ref=m["gru_validation"]["accuracy"],
        major=m["majority_validation"]["accuracy"],
        yours=yours_text(run["yours"], lang),
    )
    if status == "time_up":
        return t("live_time_up", lang, seconds=live.TRAIN_SECONDS) + " " + done
    return done


def run_outputs(run: dict, lang: str) -> tuple:
    return (status_text(run, lang), *curves(run, lang), run)


def your_prediction(model, vocab, text) -> list[float] | None:
    """The freshly trained model on the review above (None when there is nothing it can read)."""
    S = _S()
    try:
        ids = S.encode(text if isinstance(text, str) else "", vocab)
    except S.SentimentError:
        return None
    return S.predict_ids([ids], model)[0].tolist()


def on_train(epochs, lr, seed, text, lang):
    """Stream a from-scratch run: one frame per epoch; Stop or the time limit ends it."""
    import math
    import time

    epochs, lr, seed = live_settings(epochs, lr, seed, lang)
    _S()
    from models import train_sentiment as TS

    run = new_run(epochs)
    run["status"] = "running"
    yield run_outputs(run, lang)
    pacer = live.Pacer(epochs, frames=epochs)
    start = time.monotonic()
    recipe = TS.dataclasses.replace(TS.LIVE_RECIPE, epochs=epochs, lr=lr)
    for row, model, vocab in TS.live_run(seed, recipe=recipe):
        run["seconds"] = time.monotonic() - start
        if not (math.isfinite(row["train_loss"]) and math.isfinite(row["val_loss"])):
            run.update(status="diverged", bad_loss=str(row["train_loss"]))
            yield run_outputs(run, lang)
            return
        run["history"].append(row)
        if row["epoch"] == epochs:
            run.update(status="done", yours=your_prediction(model, vocab, text))
        yield run_outputs(run, lang)
        pacer.shown()
        if row["epoch"] < epochs and pacer.time_up():
            run.update(status="time_up", yours=your_prediction(model, vocab, text))
            yield run_outputs(run, lang)
            return


# ---- events ----------------------------------------------------------------------------


def on_text(text, lang):
    """The review's views; empty text clears them (no error while the box is empty)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return views(None, lang)
    return views(analyse(text, lang), lang)


def views(result: dict | None, lang: str) -> tuple:
    return (
        probs_figure(result, lang),
        result_text(result, lang),
        prefix_figure(result, lang),
        occlusion_figure(result, lang),
    )


def on_text_lang(text, lang):
    """A redraw in the page's language never raises: unusable text shows the empty views."""
    try:
        return on_text(text, lang)
    except gr.Error:
        return views(None, lang)


def on_eval(lang):
    return eval_text(lang), confusion_figure(lang)


def on_live_lang(run, lang):
    _S()
    from models.train_sentiment import LIVE_CONFIG

    m = record()["metrics"]
    head = t(
        "st_live_head", lang, train=m["rows"]["train"], embed=LIVE_CONFIG.embed_size, hidden=LIVE_CONFIG.hidden_size
    )
    return head, *run_outputs(run or new_run(), lang)


def api_sentiment(text: str) -> list:
    """The sentiment of an English movie-review sentence: [[class, probability], ...] for the five
    classes negative, somewhat negative, neutral, somewhat positive, positive, best first."""
    S = _S()
    text = check_text(text, None)
    try:
        probs = S.predict(text)
    except S.SentimentError as err:
        raise ui.user_error(f"st_err_{err.key}", None, **err.fmt) from None
    return [[label, p] for label, p in ranked(probs.double().numpy())]


def _review_section():
    """The review box with examples, and the five probabilities."""
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            text = gr.Textbox(
                "",
                label=I18N("st_text"),
                placeholder=I18N("st_text_ph"),
                lines=2,
                max_lines=6,
                max_length=MAX_INPUT,
                elem_id="st-text",
            )
            go_btn = gr.Button(I18N("st_go"), variant="primary", elem_id="st-go")
            gr.Examples([[e] for e in EXAMPLES], [text], label=I18N("st_examples"), elem_id="st-examples")
        with gr.Column(scale=3):
            probs_plot = gr.Plot(probs_figure(None, "en"), show_label=False, elem_id="st-probs")
            result_md = gr.Markdown(I18N("st_empty"), elem_id="st-result")
    return text, go_btn, probs_plot, result_md


def _live_section():
    """Train a small GRU from scratch: settings, Start / Stop, status and curves."""
    head = gr.Markdown(elem_id="st-live-head")
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            epochs = gr.Slider(
                *LIVE_EPOCHS, value=LIVE_DEFAULTS["epochs"], step=1, label=I18N("st_epochs"), elem_id="st-epochs"
            )
            lr = gr.Slider(0.001, 0.05, value=LIVE_DEFAULTS["lr"], step=0.001, label=I18N("st_lr"), elem_id="st-lr")
            seed = gr.Number(0, precision=0, minimum=0, label=I18N("st_seed"), elem_id="st-seed")
            with gr.Row():
                start = gr.Button(I18N("st_train"), variant="primary", elem_id="st-train")
                stop = gr.Button(I18N("st_stop"), variant="stop", elem_id="st-stop")
        with gr.Column(scale=3):
            status = gr.Markdown(I18N("st_status_idle"), elem_id="st-status")
            with gr.Row():
                loss_plot = gr.Plot(show_label=False, elem_id="st-loss")
                acc_plot = gr.Plot(show_label=False, elem_id="st-acc")
    return head, epochs, lr, seed, start, stop, status, loss_plot, acc_plot


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    run = gr.State(new_run())  # per user: the last from-scratch run's history
    text, go_btn, probs_plot, result_md = _review_section()
    with gr.Row():
        prefix_plot = gr.Plot(prefix_figure(None, "en"), show_label=False, elem_id="st-prefix")
        occl_plot = gr.Plot(occlusion_figure(None, "en"), show_label=False, elem_id="st-occlusion")
    gr.Markdown(I18N("st_eval_head"))
    with gr.Row():
        eval_md = gr.Markdown(elem_id="st-eval")
        cm_plot = gr.Plot(show_label=False, elem_id="st-confusion")
    head, epochs, lr, seed, start, stop, status, loss_plot, acc_plot = _live_section()
    ui.code_panel("sentiment")

    shown = [probs_plot, result_md, prefix_plot, occl_plot]
    settings = {"api_visibility": "private", "concurrency_limit": None, "show_progress": "hidden"}
    gr.on([go_btn.click, text.submit], on_text, [text, lang], shown, **settings)
    # every change of the text (typing, an example, a link) or the language (so also the tab's first draw);
    # a sentence's prefixes and occlusions take a few milliseconds, so a few at once are plenty
    ui.on_inputs(on_text_lang, [text, lang], shown, concurrency_limit=live.per_process(4), concurrency_id="st_predict")
    ui.on_inputs(on_eval, [lang], [eval_md, cm_plot])
    train_out = [status, loss_plot, acc_plot, run]
    live.train_button(start, stop, on_train, [epochs, lr, seed, text, lang], train_out, concurrency_id="st_train")
    ui.on_inputs(on_live_lang, [run, lang], [head, *train_out], triggers=[lang])
    gr.api(api_sentiment, api_name="sentiment")
