"""Lecture 13: the Tang poem model and its form-constrained decoding, the training pipeline on a
tiny corpus, the tab's compute functions and the /poem API through gradio_client."""

from __future__ import annotations

import json
import math

import gradio as gr
import pytest
import torch
from gradio_client.exceptions import AppError
from safetensors import safe_open

from demos.sequences import poems as D
from models import poems as P

torch.set_num_threads(1)


def cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def lm():
    return P.load()


def assert_form(lines: list[str], form: str, vocab: P.Vocab) -> None:
    """Exactly the form's lines, characters per line and punctuation; only vocabulary characters."""
    width, n = P.FORMS[form]
    assert len(lines) == n, lines
    for i, line in enumerate(lines):
        assert len(line) == width + 1 and line[-1] == ("，" if i % 2 == 0 else "。"), lines
        for ch in line[:-1]:
            assert P.is_cjk(ch) and vocab.stoi[ch] >= vocab.first_char, lines


# ---- the form is guaranteed ------------------------------------------------------------


@pytest.mark.parametrize("form", list(P.FORMS))
def test_form_over_many_seeds(lm, form):
    model, vocab = lm
    width, n = P.FORMS[form]
    heads = "春花秋月夜江山雪"[:n]
    for seed in range(5):
        free = P.generate(form, temperature=1.0, seed=seed, model=model, vocab=vocab)
        assert_form(free["lines"], form, vocab)
        assert P.as_text(free).split("\n") == free["lines"] and len(free["steps"]) == width * n
        acro = P.generate(form, heads[: 1 + seed % n], True, 0.9, 20, seed, model=model, vocab=vocab)
        assert_form(acro["lines"], form, vocab)
        assert [line[0] for line in acro["lines"][: 1 + seed % n]] == list(heads[: 1 + seed % n])
        opening = "白日依山尽黄河入海流"[: 2 + seed]
        cont = P.generate(form, opening, False, 1.2, 0, seed, model=model, vocab=vocab)
        assert_form(cont["lines"], form, vocab)
        assert cont["chars"].startswith(opening) and cont["forced"][: len(opening)] == [True] * len(opening)
        assert not any(cont["forced"][len(opening) :])
    for temperature, top_k in ((0.1, 0), (5.0, 0), (1.0, 1)):  # extremes keep the form too
        assert_form(P.generate(form, "", False, temperature, top_k, 3, model=model, vocab=vocab)["lines"], form, vocab)


def test_form_holds_even_when_the_model_wants_punctuation(lm):
    """Push every special and punctuation logit to +50: decoding still writes characters only."""
    model, vocab = lm
    rogue = P.PoemLM(model.config)
    rogue.load_state_dict(model.state_dict())
    rogue.eval()
    with torch.no_grad():
        bias = rogue.out_bias if rogue.config.tied else rogue.out.bias
        bias[: vocab.first_char] += 50.0
        logits, _ = rogue(torch.tensor([[vocab.bos("5x4")]]))
    assert logits[0, -1].argmax() < vocab.first_char  # unconstrained, it would write a special token
    for seed in range(3):
        for greedy in (False, True):
            poem = P.generate("7x8", "", False, 1.0, 0, seed, greedy=greedy, model=rogue, vocab=vocab)
            assert_form(poem["lines"], "7x8", vocab)


def test_a_full_opening_is_the_poem(lm):
    model, vocab = lm
    chars = "白日依山尽黄河入海流欲穷千里目更上一层楼"
    poem = P.generate("5x4", "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。", model=model, vocab=vocab)
    assert poem["chars"] == chars and all(poem["forced"])
    assert poem["lines"] == ["白日依山尽，", "黄河入海流。", "欲穷千里目，", "更上一层楼。"]


# ---- seeds, greedy, the sampling distribution ------------------------------------------


def test_seeds_repeat_and_differ(lm):
    model, vocab = lm
    a = P.generate("7x4", "春", False, 0.8, 30, 7, model=model, vocab=vocab)
    b = P.generate("7x4", "春", False, 0.8, 30, 7, model=model, vocab=vocab)
    assert a["lines"] == b["lines"] and a["steps"] == b["steps"]
    others = {P.as_text(P.generate("7x4", "春", False, 0.8, 30, s, model=model, vocab=vocab)) for s in range(5)}
    assert len(others) >= 4


def test_greedy_is_deterministic_and_takes_the_argmax(lm):
    model, vocab = lm
    a = P.generate("5x8", greedy=True, seed=1, model=model, vocab=vocab)
    b = P.generate("5x8", greedy=True, seed=99, temperature=3.0, top_k=5, model=model, vocab=vocab)
    assert a["lines"] == b["lines"] and a["greedy"]
    # one pass over the finished poem (teacher forcing) gives the same argmax at every character slot
    logp = P.teacher_forced("5x8", a["chars"], model, vocab)[P.char_rows("5x8")]  # (40, V)
    chosen = logp[torch.arange(len(a["chars"])), [vocab.stoi[c] for c in a["chars"]]]
    best = logp[:, vocab.first_char :].max(dim=1).values  # the likeliest character (up to float rounding in ties)
    torch.testing.assert_close(chosen, best, rtol=0, atol=1e-5)
    assert len(set(a["chars"])) < len(
        set(P.generate("5x8", seed=0, temperature=0.8, top_k=30, model=model, vocab=vocab)["chars"])
    )


def test_sampling_probs_against_torch(lm):
    _, vocab = lm
    z = torch.randn(len(vocab), generator=torch.Generator().manual_seed(0)) * 3
    for temperature, top_k in ((1.0, 0), (0.5, 0), (2.0, 10), (0.7, 1)):
        p = P.sampling_probs(z, vocab, temperature, top_k, greedy=False)
        chars = z[vocab.first_char :] / temperature
        expect = torch.softmax(chars, 0)
        if top_k:
            keep = torch.topk(chars, top_k).indices
            expect = torch.zeros_like(chars).index_copy(0, keep, torch.softmax(chars[keep], 0))
        assert torch.all(p[: vocab.first_char] == 0)
        torch.testing.assert_close(p[vocab.first_char :], expect, rtol=1e-5, atol=1e-7)
        assert float(p.sum()) == pytest.approx(1.0, abs=1e-5)
    greedy = P.sampling_probs(z, vocab, 0.3, 5, greedy=True)  # greedy: T = 1, no truncation
    torch.testing.assert_close(greedy[vocab.first_char :], torch.softmax(z[vocab.first_char :], 0))


def test_recorded_candidates_are_what_the_model_gives(lm):
    """The per-position candidates stored while sampling equal a fresh teacher-forced pass."""
    model, vocab = lm
    poem = P.generate("7x4", "月", True, 0.8, 30, 5, model=model, vocab=vocab)
    logits = P.teacher_forced("7x4", poem["chars"], model, vocab)  # log-softmax (T, V): same argmax/softmax input
    for slot, row in enumerate(P.char_rows("7x4")):
        step = poem["steps"][slot]
        p = P.sampling_probs(logits[row], vocab, 0.8, 30, False)
        top = torch.topk(p, 10)
        assert step["chosen"] == vocab.stoi[poem["chars"][slot]]
        torch.testing.assert_close(torch.tensor(step["probs"]), top.values, rtol=1e-4, atol=1e-6)
        assert step["p_model"] == pytest.approx(math.exp(float(logits[row, step["chosen"]])), rel=1e-4)
        if not step["forced"]:
            assert step["p"] > 0 and step["chosen"] in torch.nonzero(p).flatten().tolist()
    assert poem["logprob"] == pytest.approx(
        float(sum(logits[r, vocab.stoi[c]] for r, c in zip(P.char_rows("7x4"), poem["chars"]))), rel=1e-4
    )


# ---- input checks ------------------------------------------------------------------------


def test_unknown_characters_are_named(lm):
    model, vocab = lm
    with pytest.raises(P.OutOfVocabulary) as err:
        P.generate("5x4", "春a眠🙂春a", model=model, vocab=vocab)
    assert err.value.chars == ["a", "🙂"] and "a🙂" in str(err.value)
    with pytest.raises(P.OutOfVocabulary, match="<unk>"):  # a special token's name is not a character
        P.prepare(vocab, "5x4", "<unk>", False)
    for lang, word in (("en", "not in the model's vocabulary: x龘"), ("zh", "不在模型的字表里：x龘")):
        with pytest.raises(gr.Error, match=word):
            D.write(D.check("5x4", "x龘春", False, 1, 0, 0, False, lang), lang)


def test_traditional_input_and_punctuation(lm):
    model, vocab = lm
    mapped = {t: s for t, s in vocab.t2s.items() if t in "風雲東書"}
    assert mapped and all(s in vocab.stoi and t not in vocab.stoi for t, s in vocab.t2s.items())
    poem = P.generate("5x4", " 風，雲！", False, model=model, vocab=vocab)
    assert poem["chars"].startswith(vocab.normalise("風雲")) and poem["chars"][:2] == "风云"


@pytest.mark.parametrize(
    "args,key",
    [
        (("5x4", "春夏秋冬雪", True), "acrostic_long"),
        (("7x8", "一二三四五六七八九", True), "acrostic_long"),
        (("5x4", "，。 ", True), "acrostic_empty"),
        (("5x4", "", True), "acrostic_empty"),
        (("5x4", "春" * 21, False), "start_long"),
        (("6x4", "", False), "form"),
    ],
)
def test_bad_requests(lm, args, key):
    with pytest.raises(P.PoemError) as err:
        P.prepare(lm[1], *args)
    assert err.value.key == key
    if key != "form":
        for lang in ("en", "zh"):
            with pytest.raises(gr.Error) as ui_err:
                D.write(D.check(*args, 0.8, 30, 0, False, lang), lang)
            assert cjk(ui_err.value.message) == (lang == "zh")
            with pytest.raises(gr.Error) as checked:  # the tab checks before it writes: the same message
                D.on_check(*args, 0.8, 30, 0, False, "free", "pingqi", False, 1, 1, lang)
            assert checked.value.message == ui_err.value.message
    with pytest.raises(P.PoemError, match="temperature"):
        P.generate("5x4", temperature=0.0, model=lm[0], vocab=lm[1])


@pytest.mark.parametrize(
    "args,message",
    [
        (("9x9", "", False, 1, 0, 0, False), "must be one of"),
        (("5x4", "", False, float("nan"), 0, 0, False), "finite number"),
        (("5x4", "", False, 0.0, 0, 0, False), "between"),
        (("5x4", "", False, 1, -1, 0, False), "between"),
        (("5x4", "", False, 1, 2.5, 0, False), "whole number"),
        (("5x4", "", False, 1, 0, -3, False), "between"),
        (("5x4", "", False, 1, 0, None, False), "finite number"),
        (("5x4", "春" * 201, False, 1, 0, 0, False), "at most 200"),
        (("5x4", 123, False, 1, 0, 0, False), "must be text"),
    ],
)
def test_bad_controls(args, message):
    with pytest.raises(gr.Error, match=message):
        D.check(*args, "en")
    with pytest.raises(gr.Error) as err:
        D.check(*args, "zh")
    assert cjk(err.value.message)
    D.check("5x4", "", False, 0.0, 0, 0, True, "en")  # greedy ignores the temperature


# ---- the committed model and its metrics -------------------------------------------------


def test_model_reloads_and_reproduces_its_heldout_perplexity(lm):
    model, vocab = lm
    info = P.metrics()
    meta = P.read_metadata()
    assert meta["metrics"] == info["metrics"] and meta["config"] == info["config"]
    sample = P.read_sample()
    assert len(sample) == info["metrics"]["sample_poems"] >= 300
    ev = P.perplexity(sample, model, vocab)
    assert ev["perplexity_char"] == pytest.approx(info["metrics"]["sample_perplexity_char"], rel=1e-4)
    assert ev["perplexity_all"] == pytest.approx(info["metrics"]["sample_perplexity_all_tokens"], rel=1e-4)
    # the sample is a fair draw: close to the whole held-out set's figure, far below guessing
    assert ev["perplexity_char"] == pytest.approx(info["metrics"]["heldout_perplexity_char"], rel=0.15)
    assert ev["perplexity_char"] < 0.1 * (len(vocab) - vocab.first_char)
    assert info["metrics"]["parameters"] == P.count_parameters(model)
    # the perplexity is exp(mean -log p) over the characters, as a plain loop computes it
    nll, n = 0.0, 0
    for form, chars in sample[:25]:
        logp = P.teacher_forced(form, chars, model, vocab)
        ids = vocab.encode(form, chars)
        for row in P.char_rows(form):
            nll -= float(logp[row, ids[row + 1]])
            n += 1
    assert P.perplexity(sample[:25], model, vocab)["perplexity_char"] == pytest.approx(math.exp(nll / n), rel=1e-5)


def test_intro_describes_the_committed_model(lm):
    import re

    from demos.i18n import t

    c = lm[0].config
    en, zh = t("pm_intro", "en"), t("pm_intro", "zh")
    assert re.search(r"a (\d+)-number vector", en)[1] == str(c.embed_dim) == re.search(r"变成 (\d+) 维", zh)[1]
    assert re.search(r"\((\d+) hidden units\)", en)[1] == str(c.hidden_size) == re.search(r"隐藏 (\d+) 维", zh)[1]
    assert c.num_layers == 2 and c.tied and "tied embeddings" in en and "tied embeddings" in zh


def test_weights_files(lm):
    model, vocab = lm
    assert P.WEIGHTS_FILE.stat().st_size < 10e6 and P.VOCAB_FILE.stat().st_size < 10e6
    with safe_open(str(P.WEIGHTS_FILE), framework="pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
        assert set(f.keys()) == set(model.state_dict())
    assert tuple(vocab.itos[: len(P.SPECIALS)]) == P.SPECIALS
    assert all(P.is_cjk(c) for c in vocab.itos[vocab.first_char :]) and len(set(vocab.itos)) == len(vocab)
    assert model.config.vocab_size == len(vocab) and not model.training
    ids = torch.tensor([vocab.encode("5x4", "白日依山尽黄河入海流欲穷千里目更上一层楼")])
    logits, h = model(ids)
    assert logits.shape == (1, 26, len(vocab)) and h.shape == (model.config.num_layers, 1, model.config.hidden_size)
    assert D.SHAPE == P.FORMS


# ---- training, on a tiny corpus ------------------------------------------------------------


def test_parse_and_prepare():
    from models import train_poems as T

    assert T.parse("白日依山盡，黃河入海流。欲窮千里目，更上一層樓。") == (
        "5x4",
        "白日依山盡黃河入海流欲窮千里目更上一層樓",
    )
    for bad in (
        "白日依山尽，黄河入海流。欲穷千里目，更上一层楼",  # no final 。
        "白日依山尽。黄河入海流，欲穷千里目，更上一层楼。",  # 。 in the wrong place
        "白日依山尽，黄河入海流。欲穷千里目，更上一层楼？",
        "白日依□尽，黄河入海流。欲穷千里目，更上一层楼。",
        "白日依山尽（一作白日），黄河入海流。欲穷千里目，更上一层楼。",
        "白日依山尽，黄河入海流。",  # two lines
        "白日依山尽，黄河入海流水。欲穷千里目，更上一层楼。",
    ):
        assert T.parse(bad) is None, bad
    pytest.importorskip("zhconv")
    texts = [
        "白日依山盡，黃河入海流。欲窮千里目，更上一層樓。",
        "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
        "白日依山尽，黄河入海流。欲穷千里目，更上二层楼。",
        "千山鳥飛絕，萬徑人蹤滅。孤舟蓑笠翁，獨釣寒江雪。",
        "床前明月光，疑是地上霜。",
    ]
    kept, counts = T.prepare_corpus(texts)
    assert kept == [
        ("5x4", "白日依山尽黄河入海流欲穷千里目更上一层楼"),
        ("5x4", "千山鸟飞绝万径人踪灭孤舟蓑笠翁独钓寒江雪"),
    ]
    assert counts == {"poems": 5, "regular_clean": 4, "unique_text": 3, "unique_couplets": 2, "by_form": {"5x4": 2}}


def test_train_cli_round_trip(tmp_path):
    """main() on a small corpus writes weights that load and reproduce the recorded sample perplexity."""
    pytest.importorskip("zhconv")
    from models import train_poems as T

    data = tmp_path / "poems"
    data.mkdir()
    # the held-out sample rotated by one character: other texts, so most of them land in the training split
    poems = [{"paragraphs": P.as_lines(f, c[1:] + c[0])} for f, c in P.read_sample()[:120]]
    (data / "poet.tang.0.json").write_text(json.dumps(poems, ensure_ascii=False), encoding="utf-8")
    info = T.main(
        [
            "--data",
            str(data),
            "--epochs",
            "1",
            "--threads",
            "1",
            "--max-batches",
            "2",
            "--out",
            str(tmp_path / "w"),
            "--sample-out",
            str(tmp_path / "sample.txt"),
        ]
    )
    model, vocab = P.load_from(tmp_path / "w" / P.WEIGHTS_FILE.name, tmp_path / "w" / P.VOCAB_FILE.name)
    assert info["corpus"]["train"] + info["corpus"]["heldout"] == info["corpus"]["unique_couplets"] <= 120
    sample = P.read_sample(tmp_path / "sample.txt")
    ev = P.perplexity(sample, model, vocab)
    assert ev["perplexity_char"] == pytest.approx(info["metrics"]["sample_perplexity_char"], rel=1e-5)
    assert_form(P.generate("7x8", seed=0, model=model, vocab=vocab)["lines"], "7x8", vocab)


# ---- the tab ------------------------------------------------------------------------------------


def test_tab_events_and_texts():
    out = D.on_generate("7x4", "深度学习", True, 0.8, 30, 2, False, "free", "pingqi", False, 3, 9, "en")
    html_text, status, fig, cand_text, meter_text, poem, line_slider, col_slider = out
    assert meter_text == "" and "<ruby>" not in html_text  # free: no grid
    assert [ln[0] for ln in poem["lines"]] == list("深度学习")
    assert (
        html_text.count('class="pm-ch') == 28 and html_text.count("pm-forced") == 4 and html_text.count("pm-sel") == 1
    )
    assert all(ch in html_text for ch in poem["chars"]) and "roulette-wheel" in status and "seed 2" in status
    assert line_slider.maximum == 4 and col_slider.maximum == 7 and col_slider.value == 7  # 9 clamped to 7
    step = poem["steps"][2 * 7 + 6]  # line 3, character 7
    bars = list(fig.data[0].x)[::-1]
    assert bars[:10] == pytest.approx(step["probs"])
    assert bars[10:] == ([] if step["chosen"] in step["ids"] else [pytest.approx(step["p"])])
    assert "Line 3, character 7" in fig.layout.title.text and "Line 3, character 7" in cand_text
    # the first character of a line is the acrostic's: given, not drawn
    forced = D.on_position(poem, 2, 1, "zh")
    assert "是指定的" in forced[3] and "度" in forced[3]
    html_zh, status_zh, fig_zh, text_zh, _ = D.on_lang(poem, 1, 2, "zh")
    assert "轮盘赌" in status_zh and "第 1 句第 2 字" in fig_zh.layout.title.text and "抽中了" in text_zh
    greedy = D.on_generate("5x4", "", False, 0.8, 30, 0, True, "free", "pingqi", False, 1, 1, "en")
    assert "greedy decoding" in greedy[1] and "greedy decoding took" in greedy[3]
    assert D.on_position(None, 1, 1, "en")[0] is not None  # nothing to show: skipped, no error
    assert D.on_check("7x4", "深度学习", True, 0.8, 30, 2, False, "regulated", "zeqi", True, 3, 9, "en") is None
    assert D.on_next_seed(4) == 5 and D.on_next_seed(None) == 0
    empty_fig = D.candidates_figure(None, "zh")
    assert "先写一首诗" in empty_fig.layout.title.text


def test_greedy_example_and_model_card():
    text = D.greedy_example("5x4", "en")
    greedy = P.generate("5x4", greedy=True)
    assert all(line in text for line in greedy["lines"]) and f"{len(set(greedy['chars']))} of 20" in text
    assert "不同的字" in D.greedy_example("7x8", "zh")
    info = P.metrics()["metrics"]
    card = D.model_card("en")
    assert f"{info['heldout_perplexity_char']:.1f}" in card and f"{info['parameters']:,}" in card


# ---- the public API -----------------------------------------------------------------------------


def test_api_poem(client, lm):
    model, vocab = lm
    for form in P.FORMS:
        text = client.predict(form, "", False, 0.8, 3, api_name="/poem")
        assert text == P.as_text(P.generate(form, "", False, 0.8, 0, 3, model=model, vocab=vocab))
        assert_form(text.split("\n"), form, vocab)
    acro = client.predict("5x8", "春江花月夜", True, 1.0, 0, api_name="/poem").split("\n")
    assert [line[0] for line in acro[:5]] == list("春江花月夜")
    greedy = client.predict("7x4", "春风", False, 0.0, 5, api_name="/poem")
    assert greedy == P.as_text(P.generate("7x4", "春风", greedy=True, model=model, vocab=vocab))
    top = client.predict("5x4", "", False, 0.8, 3, 30, api_name="/poem")  # the optional top_k
    assert top == P.as_text(P.generate("5x4", "", False, 0.8, 30, 3, model=model, vocab=vocab))


@pytest.mark.parametrize(
    "args,message",
    [
        (("5x4", "春a", False, 1.0, 0), "not in the model's vocabulary: a"),
        (("5x4", "春夏秋冬雪", True, 1.0, 0), "5 acrostic characters, but a 5x4 has only 4 lines"),
        (("5x4", "", True, 1.0, 0), "needs at least one character"),
        (("4x4", "", False, 1.0, 0), "must be one of"),
        (("5x4", "", False, -1.0, 0), "between"),
        (("5x4", "", False, 1.0, -1), "between"),
    ],
)
def test_api_bad_input(client, args, message):
    with pytest.raises(AppError, match=message) as err:
        client.predict(*args, api_name="/poem")
    assert cjk(str(err.value).split(" / ")[-1])
