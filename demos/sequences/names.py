"""PyTorch lecture 13: the surname classifier. Type a surname, see the top countries of the
trained bidirectional GRU (models/names.py), how its answer changes letter by letter, and how
well it does on the course's test split (confusion matrix and per-country accuracy)."""

from __future__ import annotations

import functools
import json

import gradio as gr
import numpy as np
import plotly.graph_objects as go

from demos import live, ui
from demos.i18n import I18N, built_keys, register, t
from models.load import WEIGHTS  # models.load imports no torch

LECTURE = ui.Lecture("names", "sec_sequences", "nm_tab", "nm_source", "nm_intro")
METRICS_FILE = WEIGHTS / "names_gru.json"  # = models.names.METRICS_FILE, named here without torch

# The data's 18 country labels (models.names.COUNTRIES, repeated here so that the tab needs no torch to draw).
COUNTRIES = (
    "Arabic", "Chinese", "Czech", "Dutch", "English", "French", "German", "Greek", "Irish",
    "Italian", "Japanese", "Korean", "Polish", "Portuguese", "Russian", "Scottish", "Spanish", "Vietnamese",
)  # fmt: skip
COUNTRY_ZH = (
    "阿拉伯", "中国", "捷克", "荷兰", "英格兰", "法国", "德国", "希腊", "爱尔兰",
    "意大利", "日本", "韩国", "波兰", "葡萄牙", "俄罗斯", "苏格兰", "西班牙", "越南",
)  # fmt: skip
EXAMPLES = ("Müller", "Nakamura", "O'Brien", "Dostoevsky", "Nguyen", "Smith-Jones", "Łukasiewicz", "Papadopoulos")
MAX_INPUT = 200  # characters accepted before folding (the model's own limit applies after folding)
TOP = 3  # countries in the bar chart
MAX_LINES = 6  # countries in the letter-by-letter chart

register({f"nm_c_{c}": (zh, c) for c, zh in zip(COUNTRIES, COUNTRY_ZH)})
built_keys("nm_c_*")

register(
    {
        "nm_tab": ("第13讲 姓名分类", "L13 Surname → country"),
        "nm_source": (
            "**刘二 PyTorch 第13讲 · 循环神经网络（高级篇）：姓名分类器**",
            "**Liu Er PyTorch lecture 13 · RNN classifier: which country is a surname from?**",
        ),
        "nm_intro": (
            "每个字母先变成一个编号，**嵌入层** (`nn.Embedding`) 把编号变成向量；**双向 GRU** 从左往右、从右往左各读一遍，"
            "两个方向最后的隐藏状态拼在一起，经过**线性层**得到 18 个国家的 logits，softmax 后就是概率。"
            "一批名字长短不一：短的在后面补 0 (**padding**)，再用 `pack_padded_sequence` **打包**，GRU 就在每个名字的最后一个字母处停下，"
            "补的 0 不会混进隐藏状态。模型在课程的姓名数据（13,374 个训练姓名）上训练；在下面输入一个姓，边打字边看预测如何变化。"
            "带重音的字母先折叠成 ASCII（Müller → muller），连字符当作空格。",
            "Each letter becomes an index, and an **embedding** (`nn.Embedding`) turns it into a vector; a **bidirectional GRU** "
            "reads the name left to right and right to left, the final hidden states of both directions are concatenated, and a "
            "**linear layer** gives 18 country logits, softmax gives probabilities. Names in a batch differ in length: the short "
            "ones are **padded** with 0 and the batch is **packed** with `pack_padded_sequence`, so the GRU stops at each "
            "name's last letter and the padding never enters a hidden state. The model was trained on the course's names data "
            "(13,374 training surnames). Type a surname below and watch the answer change as you type. Accented letters are "
            "folded to ASCII first (Müller → muller), and a hyphen counts as a space.",
        ),
        "nm_name": ("姓氏（拉丁字母）", "surname (Latin letters)"),
        "nm_placeholder": ("例如 Nakamura", "e.g. Nakamura"),
        "nm_examples": ("试试这些", "Try these"),
        "nm_read_as": (
            "**{name}** 被读作 `{text}`（{n} 个字符）：",
            "**{name}** is read as `{text}` ({n} characters):",
        ),
        "nm_prompt": ("在上面输入一个姓氏。", "Type a surname above."),
        "nm_top_title": ("最可能的 {k} 个国家", "The {k} most likely countries"),
        "nm_prob": ("概率", "probability"),
        "nm_prefix_title": (
            "逐字母的预测：每一点是只输入到这个字母时模型的回答",
            "Letter by letter: each point is the model's answer for the name typed so far",
        ),
        "nm_letter": ("已输入的字母", "letters typed so far"),
        "nm_space": ("空格", "space"),
        "nm_eval_head": ("### 在测试集上有多准？", "### How good is it on the test split?"),
        "nm_eval": (
            "测试集 {rows:,} 个姓名（其中约 84% 在训练集中从未出现）：**top-1 准确率 {top1:.1f}%**，"
            "**平衡准确率 {bal:.1f}%**（18 个国家各自准确率的平均）。数据里 47% 是俄罗斯姓氏，"
            "一直回答“俄罗斯”就有 47% 的 top-1 准确率，但平衡准确率只有 1/18 ≈ 5.6%，所以两个数都要看。"
            "模型：{members} 个讲义中的分类器（不同随机种子训练），取它们概率的平均（共 {params:,} 个参数）；"
            "每个分类器保留哪一轮，由从训练集中留出的验证集决定，从不看测试集。",
            "The test split's {rows:,} surnames (about 84 % of them never seen in training): **top-1 accuracy {top1:.1f} %**, "
            "**balanced accuracy {bal:.1f} %** (the mean of the 18 per-country accuracies). The data is 47 % Russian: "
            "always answering 'Russian' scores 47 % top-1 but a balanced accuracy of 1/18 ≈ 5.6 %, so look at both. "
            "The model: {members} copies of the lecture's classifier trained from different seeds, their probabilities "
            "averaged ({params:,} parameters in all); a validation split held out from the training data, never the test "
            "split, chose the epoch each one keeps.",
        ),
        "nm_eval_tau": (
            "验证集还选定了先验校正 p / 先验^τ（τ = {tau}）：它把小国家的概率相对调高一些，让模型不只偏向俄罗斯和英格兰。",
            "The validation split also chose a prior correction p / prior^τ (τ = {tau}): it raises the small "
            "countries' probabilities a little, so the model does not favour Russian and English only.",
        ),
        "nm_confusion_title": (
            "混淆矩阵（测试集；颜色 = 行内比例，数字 = 个数）",
            "Confusion matrix (test split; colour = share of the row, number = count)",
        ),
        "nm_true": ("真实国家", "true country"),
        "nm_pred": ("预测国家", "predicted country"),
        "nm_per_title": (
            "每个国家的准确率（测试集；括号内为姓名数）",
            "Accuracy per country (test split; rows in brackets)",
        ),
        "nm_accuracy": ("准确率 %", "accuracy %"),
        "nm_top1_line": ("top-1 准确率 {v:.1f}%", "top-1 {v:.1f} %"),
        "nm_bal_line": ("平衡 {v:.1f}%", "balanced {v:.1f} %"),
        "nm_err_type": ("姓氏必须是文本。", "The surname must be text."),
        "nm_err_empty": (
            "姓氏不能为空：请至少输入一个拉丁字母。",
            "The surname is empty: type at least one Latin letter.",
        ),
        "nm_err_long": (
            "姓氏太长：最多 {max} 个字符，收到 {n} 个。",
            "The surname is too long: at most {max} characters; got {n}.",
        ),
        "nm_err_chars": (
            "模型只认识拉丁字母（重音会被去掉）、空格、连字符和撇号；这些字符无法转换：{chars}",
            "The model reads Latin letters (accents are removed), spaces, hyphens and apostrophes only; "
            "these characters have no such form: {chars}",
        ),
    }
)


# ---- pure computation ----------------------------------------------------------------


def country_name(country: str, lang: str) -> str:
    return t(f"nm_c_{country}", lang)


def check_name(name, lang: str | None) -> str:
    """The model's input text for ``name`` (folded, lower case), or a gr.Error in the user's language."""
    ui.torch_ready()
    from models import names

    if not isinstance(name, str):
        raise ui.user_error("nm_err_type", lang)
    if len(name) > MAX_INPUT:
        raise ui.user_error("nm_err_long", lang, max=names.MAX_LEN, n=len(name))
    text, bad = names.prepare(name)
    if bad:
        raise ui.user_error("nm_err_chars", lang, chars=" ".join(bad))
    if not text.replace(" ", "").replace("'", ""):
        raise ui.user_error("nm_err_empty", lang)
    if len(text) > names.MAX_LEN:
        raise ui.user_error("nm_err_long", lang, max=names.MAX_LEN, n=len(text))
    return text


def probabilities(texts: list[str]) -> np.ndarray:
    """Prepared texts -> the trained model's softmax probabilities (B, 18), float64 for display."""
    ui.torch_ready()
    from models import names

    return names.load().probabilities(texts).double().numpy()


def ranked(probs: np.ndarray, k: int = len(COUNTRIES)) -> list[tuple[str, float]]:
    """[(country, probability)] best first, the first k."""
    order = np.argsort(-probs, kind="stable")[:k]
    return [(COUNTRIES[i], float(probs[i])) for i in order]


def prefixes(text: str) -> list[str]:
    """Every non-empty prefix: 'abe' -> ['a', 'ab', 'abe']."""
    return [text[: i + 1] for i in range(len(text))]


def predict_name(name, k: int = TOP, lang: str | None = None) -> list[tuple[str, float]]:
    text = check_name(name, lang)
    return ranked(probabilities([text])[0], k)


@functools.cache
def metrics() -> dict:
    """The test-split metrics recorded at training time (weights/names_gru.json)."""
    info = json.loads(METRICS_FILE.read_text(encoding="utf-8"))
    return {**info["metrics"], "countries": info["countries"]}


# ---- figures ------------------------------------------------------------------------


def top_figure(top: list[tuple[str, float]] | None, lang: str) -> go.Figure:
    """Horizontal bars of the top countries, the best on top."""
    title = t("nm_top_title", lang, k=TOP)
    if not top:
        return ui.empty_figure(title, 300)
    labels = [country_name(c, lang) for c, _ in top][::-1]
    values = [p for _, p in top][::-1]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": [ui.COLORS[i] for i in range(len(top))][::-1]},
            text=[f"{100 * p:.1f}%" for p in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    ui.style(fig, title, t("nm_prob", lang), "", height=300)
    fig.update_xaxes(range=[0, 1.18], tickformat=".0%")
    fig.update_layout(showlegend=False, margin={"l": 110, "r": 20, "t": 60, "b": 60})
    return fig


def prefix_countries(probs: np.ndarray) -> list[int]:
    """Countries to draw: the final top 3, then any country that led after some prefix (at most MAX_LINES)."""
    chosen = [int(i) for i in np.argsort(-probs[-1], kind="stable")[:TOP]]
    for i in probs.argmax(axis=1):
        if int(i) not in chosen and len(chosen) < MAX_LINES:
            chosen.append(int(i))
    return chosen


def prefix_figure(text: str | None, probs: np.ndarray | None, lang: str) -> go.Figure:
    """One line per country: its probability after each prefix of the name."""
    title = t("nm_prefix_title", lang)
    if text is None or probs is None:
        return ui.empty_figure(title, 380)
    steps = list(range(1, len(text) + 1))
    ticks = [t("nm_space", lang) if ch == " " else ch for ch in text]
    fig = go.Figure()
    for n, c in enumerate(prefix_countries(probs)):
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=probs[:, c],
                mode="lines+markers",
                name=country_name(COUNTRIES[c], lang),
                line={"color": ui.COLORS[n % len(ui.COLORS)], "width": 3},
                marker={"size": 9},
                customdata=prefixes(text),
                hovertemplate="%{customdata}: %{y:.3f}<extra>%{fullData.name}</extra>",
            )
        )
    ui.style(fig, title, t("nm_letter", lang), t("nm_prob", lang), height=380)
    fig.update_xaxes(tickmode="array", tickvals=steps, ticktext=ticks, range=[0.5, len(text) + 0.5])
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%")
    fig.update_layout(title_font_size=18)
    return fig


def confusion_figure(lang: str) -> go.Figure:
    """18x18 heatmap: rows true, columns predicted; colour = row share, text = count."""
    m = metrics()
    cm = np.asarray(m["test_confusion"], dtype=float)
    share = cm / cm.sum(axis=1, keepdims=True)
    labels = [country_name(c, lang) for c in COUNTRIES]
    text = [[str(int(v)) if v else "" for v in row] for row in cm]
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=labels,
            y=labels,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 12},
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"tickformat": ".0%", "thickness": 14},
            hovertemplate="%{y} → %{x}: %{text} (%{z:.1%})<extra></extra>",
        )
    )
    ui.style(fig, t("nm_confusion_title", lang), t("nm_pred", lang), t("nm_true", lang), height=720)
    fig.update_xaxes(tickangle=-45, showgrid=False, zeroline=False, tickfont={"size": 14})
    fig.update_yaxes(autorange="reversed", showgrid=False, zeroline=False, tickfont={"size": 14}, title_standoff=12)
    fig.update_layout(margin={"l": 140, "r": 20, "t": 60, "b": 130}, title_font_size=18)
    return fig


def per_country_figure(lang: str) -> go.Figure:
    """Accuracy of each country on the test split as horizontal bars, the most frequent country on top,
    with the top-1 and the balanced accuracy as vertical lines."""
    m = metrics()
    rows = np.asarray(m["test_confusion"]).sum(axis=1)
    order = np.argsort(-rows, kind="stable")[::-1]  # plotly draws the first bar at the bottom
    acc = [100 * m["test_per_country"][COUNTRIES[i]] for i in order]
    fig = go.Figure(
        go.Bar(
            x=acc,
            y=[f"{country_name(COUNTRIES[i], lang)} ({rows[i]})" for i in order],
            orientation="h",
            marker={"color": ui.COLORS[0]},
            text=[f"{a:.0f}" for a in acc],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
        )
    )
    ui.style(fig, t("nm_per_title", lang), t("nm_accuracy", lang), "", height=720)
    for value, key, color, shift in (
        (m["test_top1"], "nm_top1_line", ui.COLORS[1], 0),
        (m["test_balanced_accuracy"], "nm_bal_line", ui.COLORS[3], 22),
    ):  # dashed lines labelled above the plot, one label above the other
        fig.add_vline(x=100 * value, line={"dash": "dash", "color": color, "width": 2})
        fig.add_annotation(x=100 * value, y=1.0, yref="paper", yanchor="bottom", yshift=shift, text=t(key, lang, v=100 * value),
                           showarrow=False, font={"size": 15, "color": color})  # fmt: skip
    fig.update_xaxes(range=[0, 112])
    fig.update_yaxes(showgrid=False, tickfont={"size": 14})
    fig.update_layout(showlegend=False, margin={"l": 150, "r": 20, "t": 110, "b": 70}, title_font_size=18)
    return fig


def eval_text(lang: str) -> str:
    m = metrics()
    return t(
        "nm_eval",
        lang,
        rows=m["test_rows"],
        top1=100 * m["test_top1"],
        bal=100 * m["test_balanced_accuracy"],
        params=m["parameters"],
        members=len(m["members"]),
    ) + (" " + t("nm_eval_tau", lang, tau=m["prior_tau"]) if m["prior_tau"] else "")


def result_text(name: str, text: str, top: list[tuple[str, float]], lang: str) -> str:
    lines = [t("nm_read_as", lang, name=name.strip(), text=text, n=len(text))]
    lines += [f"{i}. **{country_name(c, lang)}** {100 * p:.1f} %" for i, (c, p) in enumerate(top, 1)]
    return "\n".join(lines)


# ---- events -------------------------------------------------------------------------


def on_name(name, lang):
    """Live prediction while typing: top-3 bars, the letter-by-letter chart and a line of text.

    Typing is no error: empty or unreadable input shows its message in place of the answer."""
    if not (name or "").strip():
        return top_figure(None, lang), prefix_figure(None, None, lang), t("nm_prompt", lang)
    try:
        text = check_name(name, lang)
    except gr.Error as err:
        return top_figure(None, lang), prefix_figure(None, None, lang), f"⚠️ {err.message}"
    probs = probabilities(prefixes(text))  # (L, 18): every prefix in one packed batch; the last is the name
    top = ranked(probs[-1], TOP)
    return top_figure(top, lang), prefix_figure(text, probs, lang), result_text(name, text, top, lang)


def on_lang(lang):
    """The test-split text and figures in the new language (the answer redraws through on_name)."""
    return eval_text(lang), confusion_figure(lang), per_country_figure(lang)


def api_name_to_country(name: str, k: int) -> list:
    """The k most likely countries of a surname: [[country, probability], ...], best first."""
    k = ui.integer(k, "k", 1, len(COUNTRIES), None)
    return [[c, p] for c, p in predict_name(name, k, None)]


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            name = gr.Textbox(
                "Nakamura",
                label=I18N("nm_name"),
                placeholder=I18N("nm_placeholder"),
                max_lines=1,
                max_length=MAX_INPUT,
                elem_id="nm-name",
            )
            gr.Examples([[e] for e in EXAMPLES], inputs=[name], label=I18N("nm_examples"), examples_per_page=10)
            answer = gr.Markdown(t("nm_prompt", "en"), elem_id="nm-answer")
        with gr.Column(scale=3):
            top = gr.Plot(top_figure(None, "en"), show_label=False, elem_id="nm-top")
    prefix = gr.Plot(prefix_figure(None, None, "en"), show_label=False, elem_id="nm-prefix")
    gr.Markdown(I18N("nm_eval_head"))
    evaluation = gr.Markdown(eval_text("en"), elem_id="nm-eval")
    with gr.Row():
        with gr.Column(scale=3):
            confusion = gr.Plot(confusion_figure("en"), show_label=False, elem_id="nm-confusion")
        with gr.Column(scale=2):
            per_country = gr.Plot(per_country_figure("en"), show_label=False, elem_id="nm-per-country")
    ui.code_panel("names")

    # on every change of the name (typing, an example) or the language (so also when the tab is first shown)
    # A forward pass over a name's prefixes takes a few milliseconds, so a few at once are plenty.
    ui.on_inputs(
        on_name, [name, lang], [top, prefix, answer], concurrency_limit=live.per_process(4), concurrency_id="nm_predict"
    )
    ui.on_inputs(on_lang, [lang], [evaluation, confusion, per_country])
    gr.api(api_name_to_country, api_name="name_to_country")
