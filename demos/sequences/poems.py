"""PyTorch lecture 13: a character-level GRU language model writes Tang poems. Form-constrained
decoding (the form's ，and 。 are forced, acrostic heads and an opening too), temperature and
top-k roulette-wheel sampling with a seed, greedy decoding, and the candidates at any position."""

from __future__ import annotations

import html

import gradio as gr
import plotly.graph_objects as go

from demos import links, ui
from demos.i18n import I18N, built_keys, register, t

LECTURE = ui.Lecture("poems", "sec_sequences", "pm_tab", "pm_source", "pm_intro")

FORMS = ("5x4", "7x4", "5x8", "7x8")
SHAPE = {"5x4": (5, 4), "7x4": (7, 4), "5x8": (5, 8), "7x8": (7, 8)}  # = models.poems.FORMS (checked by a test)
TEMPERATURE = (0.05, 5.0)  # accepted; the slider offers 0.1-2
TOP_K = (0, 5000)  # 0: the whole vocabulary
SEED_MAX = 2**31 - 1
TEXT_MAX = 200  # characters a request may send before punctuation is dropped
DEFAULTS = {"form": "5x4", "temperature": 0.8, "top_k": 30, "seed": 0}
CANDIDATES = 10
METERS = ("free", "rhyme", "regulated")  # = models.meter_decoding.METERS (checked by a test)
PATTERNS = ("pingqi", "zeqi")  # = models.meter.PATTERNS
CHECK_MAX = 300  # characters of a poem to check (a title and an eight-line poem need ~80)

built_keys("pm_?x?", "pm_err_*", "pm_meter_*", "pm_tone_*", "pm_rule_*", "pm_*qi")

register(
    {
        "pm_tab": ("第13讲 唐诗生成", "L13 Tang poems"),
        "pm_source": (
            "**刘二 PyTorch 第13讲 · 循环神经网络（高级篇）：用字符级 GRU 语言模型写唐诗**",
            "**Liu Er PyTorch lecture 13 · RNN, advanced: a character-level GRU language model writes Tang poems**",
        ),
        "pm_intro": (
            "模型读过三万多首唐诗（繁体转简体、过滤、去重），学会了一件事：给出前面的字，预测下一个字的概率。"
            "结构是 **Embedding → GRU → Linear**：每个字先变成 384 维向量，两层 GRU（隐藏 384 维）逐字更新记忆 h，"
            "最后线性层给出字表里每个字的分数（logits），softmax 后就是下一个字的概率；这个线性层和输入共用同一张字向量表"
            "（权重共享，tied embeddings），模型因此小了三分之一。写诗就是一个字一个字地抽："
            "抽出的字再喂回去，接着预测。**格式由解码保证**：逗号、句号的位置是固定的，句中的位置只允许汉字；"
            "藏头诗的每句首字、给定的开头也是直接指定的。选了**格律**，每个位置还只允许合平仄、合韵的字（见下方格律检查）。",
            "The model has read over 30,000 Tang poems (converted to simplified characters, filtered, deduplicated) and "
            "learned one thing: given the characters so far, the probability of the next one. It is **Embedding → GRU → "
            "Linear**: each character becomes a 384-number vector, two GRU layers (384 hidden units) update a memory h "
            "character by character, and a linear layer scores every character of the vocabulary (logits); softmax "
            "turns the scores into next-character probabilities. That linear layer shares its weights with the input's "
            "character vectors (tied embeddings), which makes the model a third smaller. Writing is drawing one "
            "character at a time and feeding it back. **The form is guaranteed by the decoding**: the places of ，and 。 "
            "are fixed and only Chinese characters may appear inside a line; an acrostic's line heads and a given "
            "opening are simply imposed. With a **meter**, each position also allows only the characters that fit its "
            "tone and the rhyme (see the meter check below).",
        ),
        "pm_form": ("诗体", "form"),
        "pm_5x4": ("五言绝句（5 字 × 4 句）", "five-character quatrain (5 × 4)"),
        "pm_7x4": ("七言绝句（7 字 × 4 句）", "seven-character quatrain (7 × 4)"),
        "pm_5x8": ("五言律诗（5 字 × 8 句）", "five-character regulated verse (5 × 8)"),
        "pm_7x8": ("七言律诗（7 字 × 8 句）", "seven-character regulated verse (7 × 8)"),
        "pm_text": ("开头的字 / 藏头的字（可留空）", "opening characters / acrostic characters (may be empty)"),
        "pm_text_ph": ("例如：春眠不觉晓 或 深度学习", "e.g. 春眠不觉晓 or 深度学习"),
        "pm_acrostic": (
            "藏头诗：每句以下一个字开头（1 到句数个字；多出的句子自由生成）",
            "acrostic (藏头诗): each line starts with the next character (1 up to the number of lines; "
            "any further lines are free)",
        ),
        "pm_temperature": ("温度 T（越低越保守，越高越大胆）", "temperature T (lower: safer, higher: bolder)"),
        "pm_top_k": (
            "top-k：只在概率最高的 k 个字里抽（0 = 全部）",
            "top-k: draw only among the k likeliest (0 = all)",
        ),
        "pm_seed": ("随机种子 seed（同一种子 → 同一首诗）", "seed (same seed → same poem)"),
        "pm_greedy": ("贪心解码：每步取概率最大的字（不抽样）", "greedy decoding: always take the likeliest character"),
        "pm_generate": ("▶ 写诗", "▶ Write a poem"),
        "pm_next": ("种子 + 1，再写一首", "Seed + 1, write again"),
        "pm_placeholder": ("按 **▶ 写诗** 生成一首诗。", "Press **▶ Write a poem**."),
        "pm_status": (
            "{form}，{how}；模型给这首诗的平均每字困惑度 {ppl:.1f}（T = 1）。红字是指定的字。",
            "{form}, {how}; the model's per-character perplexity of this poem: {ppl:.1f} (at T = 1). "
            "Red characters were given, not drawn.",
        ),
        "pm_how_sample": (
            "轮盘赌抽样 T = {temperature:g}，top-k = {top_k}，种子 {seed}",
            "roulette-wheel sampling at T = {temperature:g}, top-k = {top_k}, seed {seed}",
        ),
        "pm_how_greedy": ("贪心解码（没有随机性）", "greedy decoding (no randomness)"),
        "pm_all": ("全部", "all"),
        "pm_line": ("第几句", "line"),
        "pm_col": ("第几个字", "character"),
        "pm_cand_head": (
            "### 某个位置的候选字\n选一个位置，看模型在那一步的概率分布：轮盘上每个字占的份额。",
            "### The candidates at one position\nPick a position and see the distribution the model drew from there: "
            "each character's slice of the wheel.",
        ),
        "pm_cand_title": (
            "第 {line} 句第 {col} 字：概率最高的 {k} 个候选",
            "Line {line}, character {col}: top {k} candidates",
        ),
        "pm_cand_x": ("概率 p", "probability p"),
        "pm_cand_empty": ("先写一首诗，再看候选字", "Write a poem first to see the candidates"),
        "pm_cand_drawn": (
            "第 {line} 句第 {col} 字抽中了 **{ch}**：它在轮盘上占 p = {p:.4f}（{rank}），"
            "模型本身（T = 1、不限字）给它的概率是 {p_model:.4f}。前 {k} 个候选合计占 {mass:.1%}。",
            "Line {line}, character {col} drew **{ch}**: its slice of the wheel was p = {p:.4f} ({rank}); the model "
            "itself (T = 1, no restriction) gave it {p_model:.4f}. The top {k} together hold {mass:.1%} of the wheel.",
        ),
        "pm_cand_greedy": (
            "第 {line} 句第 {col} 字：贪心解码取了概率最大的 **{ch}**（p = {p:.4f}，T = 1）。",
            "Line {line}, character {col}: greedy decoding took the likeliest character, **{ch}** (p = {p:.4f}, T = 1).",
        ),
        "pm_cand_forced": (
            "第 {line} 句第 {col} 字的 **{ch}** 是指定的（开头或藏头），不是抽出来的。图中是模型在这里本来会抽的分布；"
            "模型本身（T = 1、不限字）给 {ch} 的概率是 {p_model:.4f}。",
            "Line {line}, character {col}, **{ch}**, was given (opening or acrostic), not drawn. The bars show what the "
            "model would have drawn from here; the model itself (T = 1, no restriction) gave {ch} p = {p_model:.4f}.",
        ),
        "pm_rank": ("第 {rank} 名", "rank {rank}"),
        "pm_rank_out": ("不在前 {k} 名", "outside the top {k}"),
        "pm_note": (
            "### 轮盘赌抽样与贪心解码\n"
            "**轮盘赌抽样**（roulette-wheel selection）：把一个圆盘按下一个字的概率切成扇区，p = 0.3 的字占 30% 的圆周，"
            "然后随机转一次。代码里就是 `torch.multinomial(p, 1, generator=g)`，`g` 用种子固定，所以同一种子总得到同一首诗。"
            "**温度** T 先把 logits 除以 T 再做 softmax：T < 1 让大的更大（更稳妥），T > 1 让分布更平（更大胆也更乱）。"
            "**top-k** 只保留概率最高的 k 个字再归一化，去掉长尾里的怪字。\n\n"
            "**贪心解码**每一步都取概率最大的字。它看起来最“稳”，却总在绕圈子：最常见的几个字和词（一、不、山、春风、一夜……）"
            "一再出现，因为相似的上文把记忆 h 带回相似的状态，于是又做出同样的选择；而且它永远写同一首诗，种子改变不了任何东西。"
            "下面是同一个模型贪心写出的诗，和抽样写出的对比：",
            "### Roulette-wheel sampling and greedy decoding\n"
            "**Roulette-wheel sampling**: cut a wheel into slices, one per character, each as wide as its probability "
            "(a character with p = 0.3 gets 30 % of the rim), and spin once. In code that is "
            "`torch.multinomial(p, 1, generator=g)`, with `g` seeded, so the same seed always gives the same poem. "
            "**Temperature** T divides the logits by T before the softmax: T < 1 sharpens the distribution (safer), "
            "T > 1 flattens it (bolder and wilder). **Top-k** keeps only the k likeliest characters and renormalises, "
            "cutting off the long tail of odd ones.\n\n"
            "**Greedy decoding** takes the likeliest character at every step. It looks safest, yet it goes round in "
            "circles: the same few common characters and phrases (一, 不, 山, 春风, 一夜 …) keep coming back, because a "
            "similar context brings the memory h back to a similar state and the same choice follows; and it always "
            "writes the same poem, whatever the seed. The same model, greedy and sampled:",
        ),
        "pm_greedy_example": (
            "| 贪心解码 | 抽样（T = {temperature:g}，top-k = {top_k}，种子 {seed}）|\n|---|---|\n{rows}\n"
            "| 不同的字：{g_distinct} / {n} | 不同的字：{s_distinct} / {n} |",
            "| greedy | sampled (T = {temperature:g}, top-k = {top_k}, seed {seed}) |\n|---|---|\n{rows}\n"
            "| distinct characters: {g_distinct} of {n} | distinct characters: {s_distinct} of {n} |",
        ),
        "pm_model_card": (
            "模型：{params:,} 个参数，字表 {vocab:,} 个字；在 {train:,} 首诗上训练，{heldout:,} 首留出诗上的每字困惑度 **{ppl:.1f}**"
            "（只算汉字，不算标点）。",
            "Model: {params:,} parameters, a vocabulary of {vocab:,} characters; trained on {train:,} poems, per-character "
            "perplexity **{ppl:.1f}** on {heldout:,} held-out poems (Chinese characters only, not punctuation).",
        ),
        "pm_err_oov": (
            "这些字不在模型的字表里：{chars}（字表只有训练诗中出现至少 3 次的简体字）。请换成别的字。",
            "These characters are not in the model's vocabulary: {chars} (it knows only the simplified characters seen "
            "at least 3 times in its training poems). Please use other characters.",
        ),
        "pm_err_acrostic_empty": (
            "藏头诗至少需要一个字：请在文本框里输入要藏的字，或取消“藏头诗”。",
            "An acrostic needs at least one character: type the characters to hide, or untick “acrostic”.",
        ),
        "pm_err_acrostic_long": (
            "藏头的字有 {n} 个，但 {form_name} 只有 {lines} 句。请减少字数，或选择八句的律诗。",
            "{n} acrostic characters, but a {form_name} has only {lines} lines. Use fewer characters or an "
            "eight-line form.",
        ),
        "pm_err_start_long": (
            "开头有 {n} 个字，但 {form_name} 一共只有 {total} 个字。",
            "The opening has {n} characters, but a {form_name} has only {total} in all.",
        ),
        "pm_err_text_long": (
            "文本最多 {max} 个字符，收到 {n} 个。",
            "The text may hold at most {max} characters; got {n}.",
        ),
        "pm_err_text": ("开头 / 藏头必须是文字。", "The opening / acrostic must be text."),
        "pm_err_temperature": ("温度必须大于 0。", "The temperature must be above 0."),
        "pm_meter": ("格律", "meter"),
        "pm_meter_free": ("自由：只保证字数和标点", "free: the form only"),
        "pm_meter_rhyme": ("押韵：偶数句押同一个平声韵", "rhyme: even lines rhyme in one 平 group"),
        "pm_meter_regulated": ("格律诗：平仄 + 押韵", "regulated: tones and rhyme"),
        "pm_pattern": ("平起 / 仄起（首句第二字的平仄）", "平起 / 仄起 (the tone of the first line's 2nd character)"),
        "pm_pingqi": ("平起", "平起 (level start)"),
        "pm_zeqi": ("仄起", "仄起 (oblique start)"),
        "pm_first_rhymes": ("首句入韵", "the first line rhymes too (首句入韵)"),
        "pm_meter_note": (
            "**格律**：○ 平声 · ● 仄声 · ◐ 可平可仄。{grid}{group}",
            "**Meter**: ○ level (平) · ● oblique (仄) · ◐ either. {grid}{group}",
        ),
        "pm_grid_name": ("这首诗是{pattern}、{first}的格式。", "The pattern: {pattern}, {first}. "),
        "pm_first_yes": ("首句入韵", "first line rhymes"),
        "pm_first_no": ("首句不入韵", "first line does not rhyme"),
        "pm_group": ("韵部：**{group}**（韵脚 {chars}）。", "Rhyme group: **{group}** (rhymes {chars})."),
        "pm_rhyme_only": ("只约束韵脚：", "Only the line ends are constrained: "),
        "pm_conflict_tone": (
            "⚠ 给定的字 **{ch}**（第 {line} 句第 {col} 字）是{tone}，这里要{needs}声：这一处不合格律，其余照常。",
            "⚠ The given character **{ch}** (line {line}, character {col}) is {tone}; the pattern needs {needs} "
            "there. That place breaks the meter; the rest keeps it.",
        ),
        "pm_conflict_group": (
            "⚠ 给定的字 **{ch}**（第 {line} 句第 {col} 字）不在韵部 {needs} 里：这一处不押韵，其余照常。",
            "⚠ The given character **{ch}** (line {line}, character {col}) is not in the rhyme group {needs}: "
            "that line end does not rhyme; the rest keeps the rhyme.",
        ),
        "pm_relaxed": (
            "第 {line} 句第 {col} 字已没有合格律的字可选，放宽了一步（{how}）。",
            "Line {line}, character {col} had no character left that fits; the constraint was relaxed ({how}).",
        ),
        "pm_tone_平": ("平声", "level (平)"),
        "pm_tone_仄": ("仄声", "oblique (仄)"),
        "pm_tone_平仄": ("可平可仄", "either"),
        "pm_tone_?": ("字表里没有", "not in the table"),
        "pm_check_head": (
            "### 格律检查（近体诗）\n"
            "粘贴一首绝句或律诗（简体或繁体，可以带标题），看每个字的平仄（按平水韵）、韵脚的韵部，"
            "以及哪条规则在哪里被打破：**二四六分明**（句内第 2、4、6 字平仄交替）、**对**（一联两句第 2、4、6 字平仄相反）、"
            "**粘**（下一联首句与上一联末句第 2、4、6 字平仄相同）、偶数句押同一个平声韵、首句之外的奇数句收仄声。"
            "字表里没有的字标 ?，算作合律。",
            "### Meter check (regulated verse)\n"
            "Paste a quatrain or an eight-line poem (simplified or traditional, a title line allowed) to see each "
            "character's tone (by the 平水韵 rhyme table), the rhyme group of the line ends, and which rule breaks "
            "where: **二四六分明** (the 2nd, 4th, 6th characters of a line alternate), **对** (the second line of a "
            "couplet has the opposite tones there), **粘** (a couplet's first line has the same tones there as the "
            "line before), the even lines end on one 平 rhyme group, and the other lines after the first end 仄. "
            "A character the table does not have is marked ? and counted as fitting.",
        ),
        "pm_check_text": ("要检查的诗", "poem to check"),
        "pm_check_ph": (
            "例如：白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
            "e.g. 白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
        ),
        "pm_check_btn": ("检查格律", "Check the meter"),
        "pm_check_this": ("检查上面写出的诗", "Check the poem written above"),
        "pm_check_empty": ("粘贴一首诗，按 **检查格律**。", "Paste a poem and press **Check the meter**."),
        "pm_verdict_ok": (
            "✅ **合律**：{pattern}，{first}，押 **{group}** 韵。",
            "✅ **Regulated**: {pattern}, {first}, rhyming in **{group}**.",
        ),
        "pm_verdict_rhymes": (
            "押韵（**{group}**），但平仄不合律：",
            "It rhymes (**{group}**), but the tones break the rules:",
        ),
        "pm_verdict_tones": ("平仄合律，但韵脚不合：", "The tones are regulated, but the rhyme breaks:"),
        "pm_verdict_neither": ("韵脚和平仄都不合律：", "Neither the rhyme nor the tones are regulated:"),
        "pm_pattern_unknown": ("平起仄起难定", "平起 or 仄起 unclear"),
        "pm_unknown_chars": (
            "字表里没有的字：{chars}（算作合律）。",
            "Not in the table: {chars} (counted as fitting).",
        ),
        "pm_title_dropped": ("（标题“{title}”没有计入。）", "(The title “{title}” was left out.)"),
        "pm_rule_fenming": (
            "第 {line} 句：{cols}平仄相同（二四六分明）",
            "line {line}: {cols} have the same tone (二四六分明)",
        ),
        "pm_rule_dui": (
            "第 {line} 句与第 {with_line} 句不对：{cols}平仄应相反",
            "line {line} does not answer line {with_line} (对): {cols} should have the opposite tone",
        ),
        "pm_rule_nian": (
            "第 {line} 句与第 {with_line} 句不粘：{cols}平仄应相同",
            "line {line} does not stick to line {with_line} (粘): {cols} should have the same tone",
        ),
        "pm_rule_even_end": (
            "第 {line} 句收尾的 {ch} 是仄声：偶数句应押平声韵",
            "line {line} ends on {ch}, oblique (仄): even lines should rhyme in 平",
        ),
        "pm_rule_rhyme": (
            "第 {line} 句的 {ch} 不在 {group} 里：不押韵",
            "line {line}: {ch} is not in {group}: no rhyme",
        ),
        "pm_rule_first_end": (
            "首句收平声的 {ch}，却不在 {group} 里：首句收平声就要入韵",
            "the first line ends on {ch}, level (平), but not in {group}: a first line ending 平 must rhyme",
        ),
        "pm_rule_odd_end": (
            "第 {line} 句收平声的 {ch}：首句之外的奇数句应收仄声",
            "line {line} ends on {ch}, level (平): odd lines after the first should end 仄",
        ),
        "pm_err_meter_empty": (
            "请粘贴一首诗：4 句或 8 句，每句 5 或 7 个字。",
            "Paste a poem: 4 or 8 lines of 5 or 7 characters.",
        ),
        "pm_err_meter_chars": (
            "只能有汉字和标点，不能有：{chars}",
            "Only Chinese characters and punctuation, not: {chars}",
        ),
        "pm_err_meter_shape": (
            "绝句是 4 句、律诗是 8 句，每句 5 或 7 个字；这里有 {lines} 句、{chars} 个字。",
            "A quatrain has 4 lines and a regulated poem 8, of 5 or 7 characters each; this has {lines} lines, "
            "{chars} characters.",
        ),
        "pm_err_meter": (
            "格律只能是 free、rhyme 或 regulated，收到 {meter}。",
            "The meter must be free, rhyme or regulated; got {meter}.",
        ),
        "pm_err_pattern": (
            "起式只能是 pingqi 或 zeqi，收到 {pattern}。",
            "The pattern must be pingqi or zeqi; got {pattern}.",
        ),
    }
)


def _model():
    """The trained model and vocabulary (torch imported and weights loaded on first use)."""
    ui.torch_ready()
    from models import poems

    return poems, *poems.load()


# ---- pure computation ---------------------------------------------------------------


def form_name(form: str, lang: str | None) -> str:
    name = t(f"pm_{form}", lang or "en")
    return name.split("（")[0].split(" (")[0]  # without the "(5 × 4)"


def check(
    form,
    text,
    acrostic,
    temperature,
    top_k,
    seed,
    greedy,
    lang: str | None,
    meter="free",
    pattern="pingqi",
    first_rhymes=False,
) -> dict:
    """Validated generation arguments, or a gr.Error in the user's language (both when lang is None)."""
    form = ui.choice(form, t("pm_form", lang or "en"), FORMS, lang)
    meter = ui.choice(meter, t("pm_meter", lang or "en"), METERS, lang)
    pattern = ui.choice(pattern, "pattern", PATTERNS, lang)
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ui.user_error("pm_err_text", lang)
    if len(text) > TEXT_MAX:
        raise ui.user_error("pm_err_text_long", lang, max=TEXT_MAX, n=len(text))
    greedy = bool(greedy)
    if not greedy:
        temperature = ui.number(temperature, "T", *TEMPERATURE, lang)
    top_k = ui.integer(top_k, "top-k", *TOP_K, lang)
    seed = ui.integer(seed, "seed", 0, SEED_MAX, lang)
    return {
        "form": form,
        "start": text,
        "acrostic": bool(acrostic),
        "temperature": temperature if not greedy else 1.0,
        "top_k": top_k,
        "seed": seed,
        "greedy": greedy,
        "meter": meter,
        "pattern": pattern,
        "first_rhymes": bool(first_rhymes),
    }


def poem_error(err, lang: str | None) -> gr.Error:
    """A models.poems.PoemError as a gr.Error in the user's language."""
    fmt = dict(err.fmt)
    if "form" in fmt:  # API callers (lang None) get both languages in one text: name the form "5x4"
        fmt["form_name"] = form_name(fmt["form"], lang) if lang else fmt["form"]
    return ui.user_error(f"pm_err_{err.key}", lang, **fmt)


def write(args: dict, lang: str | None = "en") -> dict:
    """One poem (see models.poems.generate), bad text turned into a gr.Error."""
    P, model, vocab = _model()
    try:
        return P.generate(**args, candidates=CANDIDATES, model=model, vocab=vocab)
    except P.PoemError as err:
        raise poem_error(err, lang) from None


def poem_perplexity(poem: dict) -> float:
    """exp(-mean log p(character)) of the poem's characters under the model at T = 1."""
    import math

    return math.exp(-poem["logprob"] / len(poem["chars"]))


def distinct(chars: str) -> int:
    return len(set(chars))


def poem_html(poem: dict | None, line: int | None = None, col: int | None = None) -> str:
    """The poem, large, a couplet per row (a row too wide wraps between its two lines); given
    characters red, the selected position highlighted."""
    if poem is None:
        return ""
    width, lines = SHAPE[poem["form"]]
    rows = []
    for pair in range(0, lines, 2):
        halves = []
        for ln in (pair, pair + 1):
            spans = []
            for c in range(width):
                i = ln * width + c
                cls = ["pm-ch"]
                if poem["forced"][i]:
                    cls.append("pm-forced")
                if line is not None and (ln, c) == (line - 1, col - 1):
                    cls.append("pm-sel")
                ch = html.escape(poem["chars"][i])
                if poem.get("grid"):  # the pattern's mark under the character
                    ch = f"<ruby>{ch}<rt>{poem['grid'][ln][c]}</rt></ruby>"
                spans.append(f'<span class="{" ".join(cls)}">{ch}</span>')
            spans.append(f'<span class="pm-punct">{"，" if ln % 2 == 0 else "。"}</span>')
            halves.append(f'<span class="pm-line">{"".join(spans)}</span>')
        rows.append(f'<div class="pm-row">{"".join(halves)}</div>')
    return f'<div class="pm-poem pm-w{width}" lang="zh-CN">{"".join(rows)}</div>'


def candidates(poem: dict, line: int, col: int, vocab) -> dict:
    """The top candidates recorded at (1-based) line, col: [(character, p)], the chosen one and how it came."""
    width, lines = SHAPE[poem["form"]]
    line, col = min(max(1, line), lines), min(max(1, col), width)
    step = poem["steps"][(line - 1) * width + col - 1]
    return {
        "line": line,
        "col": col,
        "chars": [vocab.itos[i] for i in step["ids"]],
        "probs": step["probs"],
        "chosen": vocab.itos[step["chosen"]],
        "p": step["p"],
        "p_model": step["p_model"],
        "forced": step["forced"],
        "greedy": poem["greedy"],
    }


def candidates_figure(cand: dict | None, lang: str) -> go.Figure:
    """Horizontal bars of the top candidates, likeliest on top, the chosen character red."""
    fig = go.Figure()
    if cand is None:
        ui.style(fig, t("pm_cand_empty", lang), t("pm_cand_x", lang), "", height=480)
        fig.update_xaxes(range=[0, 1])
        fig.update_yaxes(visible=False)
        return fig
    chars, probs = cand["chars"], cand["probs"]
    if cand["chosen"] not in chars:  # drawn (or given) from outside the top: show it below them
        chars, probs = [*chars, cand["chosen"]], [*probs, cand["p"]]
    chars, probs = chars[::-1], probs[::-1]
    fig.add_trace(
        go.Bar(
            x=probs,
            y=[f"{c} " for c in chars],
            orientation="h",
            marker={"color": [ui.COLORS[1] if c == cand["chosen"] else ui.COLORS[0] for c in chars]},
            text=[f"{p:.3f}" for p in probs],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: p = %{x:.4f}<extra></extra>",
        )
    )
    k = len(cand["chars"])
    ui.style(fig, t("pm_cand_title", lang, line=cand["line"], col=cand["col"], k=k), t("pm_cand_x", lang), "", 480)
    fig.update_xaxes(range=[0, min(1.0, max(probs) * 1.25 + 0.02)])
    fig.update_yaxes(tickfont={"size": 26}, showgrid=False)
    fig.update_layout(showlegend=False, margin={"l": 60, "r": 30, "t": 60, "b": 60})
    return fig


def candidates_text(cand: dict | None, lang: str) -> str:
    if cand is None:
        return ""
    fmt = {"line": cand["line"], "col": cand["col"], "ch": cand["chosen"], "p": cand["p"], "p_model": cand["p_model"]}
    if cand["forced"]:
        return t("pm_cand_forced", lang, **fmt)
    if cand["greedy"]:
        return t("pm_cand_greedy", lang, **fmt)
    k = len(cand["chars"])
    rank = cand["chars"].index(cand["chosen"]) + 1 if cand["chosen"] in cand["chars"] else None
    rank_text = t("pm_rank", lang, rank=rank) if rank else t("pm_rank_out", lang, k=k)
    return t("pm_cand_drawn", lang, **fmt, rank=rank_text, k=k, mass=sum(cand["probs"]))


def status_text(poem: dict | None, lang: str) -> str:
    if poem is None:
        return t("pm_placeholder", lang)
    if poem["greedy"]:
        how = t("pm_how_greedy", lang)
    else:
        top_k = poem["top_k"] or t("pm_all", lang)
        how = t("pm_how_sample", lang, temperature=poem["temperature"], top_k=top_k, seed=poem["seed"])
    return t("pm_status", lang, form=form_name(poem["form"], lang), how=how, ppl=poem_perplexity(poem))


def greedy_example(form: str, lang: str) -> str:
    """The greedy poem beside a sampled one (the tab's defaults, seed 0), with their distinct characters."""
    form = form if form in FORMS else DEFAULTS["form"]
    base = {"form": form, "start": "", "acrostic": False, "top_k": DEFAULTS["top_k"], "seed": 0}
    g = write({**base, "temperature": 1.0, "greedy": True}, lang)
    s = write({**base, "temperature": DEFAULTS["temperature"], "greedy": False}, lang)
    rows = "\n".join(f"| {a} | {b} |" for a, b in zip(g["lines"], s["lines"]))
    n = len(g["chars"])
    return t(
        "pm_greedy_example",
        lang,
        temperature=DEFAULTS["temperature"],
        top_k=DEFAULTS["top_k"],
        seed=0,
        rows=rows,
        g_distinct=distinct(g["chars"]),
        s_distinct=distinct(s["chars"]),
        n=n,
    )


def model_card(lang: str) -> str:
    P, model, vocab = _model()
    info = P.metrics()
    return t(
        "pm_model_card",
        lang,
        params=info["metrics"]["parameters"],
        vocab=len(vocab) - len(P.SPECIALS),
        train=info["corpus"]["train"],
        heldout=info["corpus"]["heldout"],
        ppl=info["metrics"]["heldout_perplexity_char"],
    )


# ---- meter ------------------------------------------------------------------------------


def _meter():
    from models import meter

    return meter


def pattern_name(pattern: str | None, first_rhymes: bool, lang: str) -> tuple[str, str]:
    name = t(f"pm_{pattern}", lang) if pattern else t("pm_pattern_unknown", lang)
    return name, t("pm_first_yes" if first_rhymes else "pm_first_no", lang)


def meter_text(poem: dict | None, lang: str) -> str:
    """Under a metered poem: the legend, the pattern's name, the rhyme group, and any given character
    that breaks the pattern (or a slot that had to relax)."""
    if poem is None or poem.get("meter", "free") == "free":
        return ""
    width, lines = SHAPE[poem["form"]]
    M = _meter()
    grid = ""
    if poem["grid"]:
        name, first = pattern_name(poem["pattern"], poem["first_rhymes"], lang)
        grid = t("pm_grid_name", lang, pattern=name, first=first)
    else:
        grid = t("pm_rhyme_only", lang)
    group = ""
    if poem["rhyme_group"]:
        ends = [poem["chars"][(i + 1) * width - 1] for i in M.rhyme_lines(lines, poem["first_rhymes"])]
        group = t("pm_group", lang, group=poem["rhyme_group"], chars=" ".join(ends))
    parts = [t("pm_meter_note", lang, grid=grid, group=group)]
    for c in poem["conflicts"]:
        line, col = divmod(c["slot"], width)
        fmt = {"ch": c["char"], "line": line + 1, "col": col + 1, "tone": t(f"pm_tone_{c['tone']}", lang)}
        if c["needs"] in (M.PING, M.ZE):
            parts.append(t("pm_conflict_tone", lang, **fmt, needs=c["needs"]))
        else:
            parts.append(t("pm_conflict_group", lang, **fmt, needs=c["needs"]))
    for r in poem["relaxed"]:
        line, col = divmod(r["slot"], width)
        parts.append(t("pm_relaxed", lang, line=line + 1, col=col + 1, how=r["how"]))
    return "\n\n".join(parts)


def read_meter(text, lang: str | None) -> dict:
    """models.meter.check of a pasted poem, bad text as a gr.Error in the user's language."""
    M = _meter()
    if text is not None and not isinstance(text, str):
        raise ui.user_error("pm_err_meter_empty", lang)
    if text is not None and len(text) > CHECK_MAX:
        raise ui.user_error("pm_err_text_long", lang, max=CHECK_MAX, n=len(text))
    try:
        return M.check(text)
    except M.MeterError as err:
        fmt = dict(err.fmt)
        if lang is not None and "chars" in fmt and isinstance(fmt["chars"], str):
            fmt["chars"] = html.escape(fmt["chars"])  # the page's alert renders (sanitised) HTML: show < as <
        raise ui.user_error(f"pm_err_meter_{err.key}", lang, **fmt) from None


TONE_MARK = {"平": "○", "仄": "●", "平仄": "◐", "?": "?"}


def meter_html(result: dict | None) -> str:
    """The checked poem: each character over its tone mark; characters in a broken rule red."""
    if result is None:
        return ""
    bad = {(b["line"], c) for b in result["breaks"] for c in b["cols"]}
    bad_rhyme = {b["line"] for b in result["breaks"] if b["rule"] in ("rhyme", "even_end", "first_end", "odd_end")}
    rhyming = {i for i in range(len(result["lines"])) if i % 2 == 1 or (i == 0 and result["first_rhymes"])}
    rhymed = rhyming - bad_rhyme if result["group"] else set()  # line ends shown in the rhyme's colour
    rows = []
    for i, row in enumerate(result["chars"]):
        spans = []
        for j, c in enumerate(row):
            cls = ["pm-ch"]
            if (i, j) in bad:
                cls.append("pm-bad")
            elif j == len(row) - 1 and i in rhymed:
                cls.append("pm-rhyme")
            tip = html.escape(c["tone"] + (" " + " ".join(c["groups"]) if c["groups"] else ""))
            ch = html.escape(c["ch"])
            spans.append(
                f'<span class="{" ".join(cls)}" title="{tip}"><ruby>{ch}<rt>{TONE_MARK[c["tone"]]}</rt></ruby></span>'
            )
        spans.append(f'<span class="pm-punct">{"，" if i % 2 == 0 else "。"}</span>')
        rows.append(f'<div class="pm-row"><span class="pm-line">{"".join(spans)}</span></div>')
    return f'<div class="pm-poem pm-check pm-w{result["width"]}" lang="zh-CN">{"".join(rows)}</div>'


def rule_text(b: dict, result: dict, lang: str) -> str:
    """One broken rule in words (lines and characters 1-based)."""
    ch = result["lines"][b["line"]][b["cols"][0]]
    n = [str(c + 1) for c in b["cols"]]
    if lang == "zh":
        cols = f"第 {'、'.join(n)} 字"
    else:
        cols = f"character {n[0]}" if len(n) == 1 else f"characters {', '.join(n[:-1])} and {n[-1]}"
    with_line = b["with"] + 1 if "with" in b else 0
    return t(
        f"pm_rule_{b['rule']}", lang, line=b["line"] + 1, cols=cols, with_line=with_line, ch=ch, group=result["group"]
    )


def verdict_text(result: dict | None, lang: str) -> str:
    if result is None:
        return t("pm_check_empty", lang)
    name, first = pattern_name(result["pattern"], result["first_rhymes"], lang)
    if result["regulated"]:
        head = t("pm_verdict_ok", lang, pattern=name, first=first, group=result["group"])
    elif result["rhymes"]:
        head = t("pm_verdict_rhymes", lang, group=result["group"])
    elif result["tones_ok"]:
        head = t("pm_verdict_tones", lang)
    else:
        head = t("pm_verdict_neither", lang)
    parts = ["\n".join([head] + [f"- {rule_text(b, result, lang)}" for b in result["breaks"]])]
    if result["unknown"]:
        parts.append(t("pm_unknown_chars", lang, chars=" ".join(result["unknown"])))
    if result["title"]:
        parts.append(t("pm_title_dropped", lang, title=result["title"]))
    return "\n\n".join(parts)


def on_meter_check(text, lang):
    """The checker's button and Enter: a bad poem is a gr.Error."""
    result = read_meter(text, lang)
    return meter_html(result), verdict_text(result, lang)


def on_meter_lang(text, lang):
    """The checker's view in the page's language; empty or bad text shows the hint, not an error."""
    try:
        result = read_meter(text, lang) if text and str(text).strip() else None
    except gr.Error:
        result = None
    return meter_html(result), verdict_text(result, lang)


def on_check_written(poem, lang):
    """Copy the written poem into the checker and check it."""
    if poem is None:
        return gr.skip(), gr.skip(), gr.skip()
    text = "".join(poem["lines"])
    return text, *on_meter_check(text, lang)


def api_poem_check(text: str) -> dict:
    """The 格律 of a 绝句 or 律诗 (simplified or traditional characters; a title line allowed).

    Returns {"lines", "title", "tones": per line a string of 平 / 仄 / ◐ (either) / ? (not in the table),
    "chars": per line [{"ch", "tone", "groups"}], "rhyme_group", "pattern": "pingqi" | "zeqi" | null,
    "first_rhymes", "rhymes", "tones_ok", "regulated", "unknown", "breaks": [{"rule", "line", "cols"
    (1-based), "en", "zh"}]}. Rules: fenming (二四六分明), dui (对), nian (粘), even_end, rhyme, first_end,
    odd_end."""
    r = read_meter(text, None)
    return {
        "lines": r["lines"],
        "title": r["title"],
        "tones": ["".join("◐" if c["tone"] == "平仄" else c["tone"] for c in row) for row in r["chars"]],
        "chars": [[{k: c[k] for k in ("ch", "tone", "groups")} for c in row] for row in r["chars"]],
        "rhyme_group": r["group"],
        "pattern": r["pattern"],
        "first_rhymes": r["first_rhymes"],
        "rhymes": r["rhymes"],
        "tones_ok": r["tones_ok"],
        "regulated": r["regulated"],
        "unknown": r["unknown"],
        "breaks": [
            {
                "rule": b["rule"],
                "line": b["line"] + 1,
                "cols": [c + 1 for c in b["cols"]],
                "en": rule_text(b, r, "en"),
                "zh": rule_text(b, r, "zh"),
            }
            for b in r["breaks"]
        ],
    }


# ---- events ----------------------------------------------------------------------------


def position_sliders(form: str, line, col):
    width, lines = SHAPE[form]
    line = min(max(1, int(line or 1)), lines)
    col = min(max(1, int(col or 1)), width)
    return gr.Slider(maximum=lines, value=line), gr.Slider(maximum=width, value=col), line, col


def show(poem: dict | None, line: int, col: int, lang: str):
    """Poem, status, candidates plot and text for the stored poem."""
    cand = None
    if poem is not None:
        _, _, vocab = _model()
        cand = candidates(poem, line, col, vocab)
    return (
        poem_html(poem, line, col),
        status_text(poem, lang),
        candidates_figure(cand, lang),
        candidates_text(cand, lang),
    )


def on_generate(form, text, acrostic, temperature, top_k, seed, greedy, meter, pattern, first_rhymes, line, col, lang):
    args = check(form, text, acrostic, temperature, top_k, seed, greedy, lang, meter, pattern, first_rhymes)
    poem = write(args, lang)
    line_slider, col_slider, line, col = position_sliders(args["form"], line, col)
    return *show(poem, line, col, lang), meter_text(poem, lang), poem, line_slider, col_slider


def on_check(
    form, text, acrostic, temperature, top_k, seed, greedy, meter, pattern, first_rhymes, line, col, lang
) -> None:
    """Raise the gr.Error on_generate would raise, without writing anything."""
    args = check(form, text, acrostic, temperature, top_k, seed, greedy, lang, meter, pattern, first_rhymes)
    P, _, vocab = _model()
    try:
        P.prepare(vocab, args["form"], args["start"], args["acrostic"])
    except P.PoemError as err:
        raise poem_error(err, lang) from None


def on_next_seed(seed):
    try:
        return min(int(seed) + 1, SEED_MAX)
    except (TypeError, ValueError, OverflowError):
        return 0


def on_position(poem, line, col, lang):
    if poem is None:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    width, lines = SHAPE[poem["form"]]
    line = min(max(1, int(line or 1)), lines)
    col = min(max(1, int(col or 1)), width)
    return show(poem, line, col, lang)


def on_lang(poem, line, col, lang):
    width, lines = SHAPE[poem["form"]] if poem else (7, 8)
    line, col = min(max(1, int(line or 1)), lines), min(max(1, int(col or 1)), width)
    return *show(poem, line, col, lang), meter_text(poem, lang)


def on_form_note(form, lang):
    return greedy_example(form, lang), model_card(lang)


def api_poem(
    form: str,
    start: str,
    acrostic: bool,
    temperature: float,
    seed: int,
    top_k: int = 0,
    meter: str = "free",
    pattern: str = "pingqi",
    first_rhymes: bool = False,
) -> str:
    """A Tang poem of form "5x4" | "7x4" | "5x8" | "7x8": its lines (each with its ，or 。) separated by newlines.

    start: opening characters, or with acrostic=True the first character of each line (1 up to the
    number of lines). temperature 0 means greedy decoding; top_k 0 samples from the whole vocabulary.
    meter: "free" (the form only), "rhyme" (even lines rhyme in one 平声 group) or "regulated" (平仄
    and rhyme, by the pattern "pingqi" 平起 or "zeqi" 仄起); first_rhymes: the first line rhymes too.
    Given characters are kept even where they break the meter; /poem_check names what breaks."""
    greedy = temperature == 0
    args = check(form, start, acrostic, temperature, top_k, seed, greedy, None, meter, pattern, first_rhymes)
    return "\n".join(write(args, None)["lines"])


CSS = """
<style>
.pm-poem { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Songti SC", serif; padding: 0.3em 0.2em;
  line-height: 1.45; }
.pm-poem .pm-line { display: inline-block; white-space: nowrap; }
.pm-poem .pm-line span { display: inline-block; width: 1.1em; text-align: center; font-size: 2.8rem; }
.pm-poem.pm-w7 .pm-line span { font-size: 2.3rem; }
.pm-poem .pm-forced { color: #d62728; font-weight: 700; }
.pm-poem .pm-sel { background: #ffe066; color: #111; border-radius: 0.15em; }
.pm-poem ruby { ruby-position: under; }
.pm-poem rt { font-size: 0.45em; color: #777; font-weight: 400; }
.pm-poem .pm-bad { color: #d62728; font-weight: 700; background: #fde2e2; border-radius: 0.15em; }
.pm-poem .pm-rhyme { color: #1f77b4; font-weight: 700; }
.pm-poem.pm-check .pm-line span { font-size: 2.0rem; }
</style>
"""


def _request_inputs():
    """The form, the opening (or acrostic) characters and the sampling settings, in on_generate's order."""
    form = gr.Radio(
        [(I18N(f"pm_{f}"), f) for f in FORMS], value=DEFAULTS["form"], label=I18N("pm_form"), elem_id="pm-form"
    )
    text = gr.Textbox(
        "",
        label=I18N("pm_text"),
        placeholder=I18N("pm_text_ph"),
        max_lines=1,
        max_length=TEXT_MAX,
        elem_id="pm-text",
    )
    acrostic = gr.Checkbox(False, label=I18N("pm_acrostic"), elem_id="pm-acrostic")
    temperature = gr.Slider(
        0.1,
        2.0,
        value=DEFAULTS["temperature"],
        step=0.05,
        label=I18N("pm_temperature"),
        elem_id="pm-temperature",
    )
    top_k = gr.Slider(0, 200, value=DEFAULTS["top_k"], step=1, label=I18N("pm_top_k"), elem_id="pm-top-k")
    with gr.Row():
        seed = gr.Number(DEFAULTS["seed"], precision=0, minimum=0, label=I18N("pm_seed"), elem_id="pm-seed")
        greedy = gr.Checkbox(False, label=I18N("pm_greedy"), elem_id="pm-greedy")
    meter = gr.Radio(
        [(I18N(f"pm_meter_{m}"), m) for m in METERS], value="free", label=I18N("pm_meter"), elem_id="pm-meter"
    )
    with gr.Row():
        pattern = gr.Radio(
            [(I18N(f"pm_{p}"), p) for p in PATTERNS], value="pingqi", label=I18N("pm_pattern"), elem_id="pm-pattern"
        )
        first_rhymes = gr.Checkbox(False, label=I18N("pm_first_rhymes"), elem_id="pm-first-rhymes")
    return form, text, acrostic, temperature, top_k, seed, greedy, meter, pattern, first_rhymes


def _poem_views():
    """The right column: the poem, its status line and the model card."""
    with gr.Column(scale=3):
        gr.HTML(CSS, padding=False)
        poem_view = gr.HTML("", elem_id="pm-poem", padding=False)
        meter_md = gr.Markdown(elem_id="pm-meter-text")
        status = gr.Markdown(I18N("pm_placeholder"), elem_id="pm-status")
        card = gr.Markdown(elem_id="pm-card")
    return poem_view, meter_md, status, card


def _candidates_section(form):
    """The line and character to inspect, and the candidates the sampler drew that character from."""
    gr.Markdown(I18N("pm_cand_head"))
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            line = gr.Slider(1, 4, value=1, step=1, label=I18N("pm_line"), elem_id="pm-line")
            col = gr.Slider(1, 5, value=1, step=1, label=I18N("pm_col"), elem_id="pm-col")
            cand_md = gr.Markdown(elem_id="pm-cand-text")
        with gr.Column(scale=3):
            cand_plot = gr.Plot(candidates_figure(None, "en"), show_label=False, elem_id="pm-cand")
    # a link's line and character: within its form (they point into the poem its Write makes)
    links.limit(line, [form], lambda f: (1, SHAPE[f][1]))
    links.limit(col, [form], lambda f: (1, SHAPE[f][0]))
    return line, col, cand_md, cand_plot


def _wire_writing(generate, text, next_seed, seed, inputs: list, outputs: list) -> None:
    """Write, Enter in the text box, and Next seed (seed + 1) each check the request, then write the poem.

    Check first, in an event without outputs: a bad request shows its message alone, instead of
    Gradio stamping "Error" on every output of the event that failed."""
    checking = {"api_visibility": "private", "concurrency_limit": None, "show_progress": "hidden"}
    writing = {"api_visibility": "private", "concurrency_limit": None, "show_progress": "minimal"}
    generate.click(on_check, inputs, None, **checking).success(on_generate, inputs, outputs, **writing)
    text.submit(on_check, inputs, None, **checking).success(on_generate, inputs, outputs, **writing)
    next_seed.click(on_next_seed, seed, seed, **ui.CHEAP).then(on_check, inputs, None, **checking).success(
        on_generate, inputs, outputs, **writing
    )


def _checker_section(poem_state, lang) -> None:
    """Paste a poem (or take the one written above) and see its tones, rhyme and broken rules."""
    gr.Markdown(I18N("pm_check_head"))
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            check_text = gr.Textbox(
                "",
                label=I18N("pm_check_text"),
                placeholder=I18N("pm_check_ph"),
                lines=3,
                max_lines=10,
                max_length=CHECK_MAX,
                elem_id="pm-check-text",
            )
            with gr.Row():
                check_btn = gr.Button(I18N("pm_check_btn"), variant="primary", elem_id="pm-check")
                check_this = gr.Button(I18N("pm_check_this"), elem_id="pm-check-this")
        with gr.Column(scale=3):
            check_view = gr.HTML("", elem_id="pm-check-view", padding=False)
            verdict = gr.Markdown(I18N("pm_check_empty"), elem_id="pm-check-verdict")
    settings = {"api_visibility": "private", "concurrency_limit": None, "show_progress": "hidden"}
    gr.on([check_btn.click, check_text.submit], on_meter_check, [check_text, lang], [check_view, verdict], **settings)
    check_this.click(on_check_written, [poem_state, lang], [check_text, check_view, verdict], **settings)
    ui.on_inputs(on_meter_lang, [check_text, lang], [check_view, verdict], triggers=[lang])


def build(lang: ui.TabLang) -> None:
    ui.header(LECTURE)
    poem_state = gr.State(None)  # per user: the last poem with every step's candidates
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            form, text, acrostic, temperature, top_k, seed, greedy, meter, pattern, first_rhymes = _request_inputs()
            with gr.Row():
                generate = gr.Button(I18N("pm_generate"), variant="primary", elem_id="pm-generate")
                next_seed = gr.Button(I18N("pm_next"), elem_id="pm-next")
        poem_view, meter_md, status, card = _poem_views()
    line, col, cand_md, cand_plot = _candidates_section(form)
    _checker_section(poem_state, lang)
    gr.Markdown(I18N("pm_note"), elem_classes=["lecture-intro"])
    greedy_md = gr.Markdown(elem_id="pm-greedy-example")
    ui.code_panel("poems", "poems_meter")

    shown = [poem_view, status, cand_plot, cand_md]
    inputs = [form, text, acrostic, temperature, top_k, seed, greedy, meter, pattern, first_rhymes, line, col, lang]
    _wire_writing(generate, text, next_seed, seed, inputs, [*shown, meter_md, poem_state, line, col])
    ui.on_inputs(on_position, [poem_state, line, col, lang], shown, triggers=[line, col])
    ui.on_inputs(on_form_note, [form, lang], [greedy_md, card])  # on first show and on every change
    ui.on_inputs(on_lang, [poem_state, line, col, lang], [*shown, meter_md], triggers=[lang])
    gr.api(api_poem, api_name="poem")
    gr.api(api_poem_check, api_name="poem_check")
