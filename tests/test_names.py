"""Lecture 13, the surname classifier: folding, padding and packing against a plain GRU run,
the committed weights against their recorded predictions and metrics, the tab's functions,
and the /name_to_country API through gradio_client."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from gradio_client.exceptions import AppError
from safetensors import safe_open

from demos.sequences import names as nm
from models import names
from models.names import COUNTRIES, NamesEnsemble, NamesGRU, NamesGRUConfig

SAMPLE = Path(__file__).resolve().parent / "data" / "names_test_sample.csv"


def cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def finite_json(fig) -> dict:
    def bad(const):
        raise AssertionError(f"non-finite number in a figure: {const}")

    for trace in fig.data:
        for key in ("x", "y", "z"):
            values = getattr(trace, key, None)
            if values is not None and np.asarray(values).dtype.kind == "f":
                assert np.all(np.isfinite(values)), f"non-finite {key} in a figure"
    return json.loads(fig.to_json(), parse_constant=bad)


def read_sample() -> list[dict]:
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ---- folding and the vocabulary ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw,folded",
    [
        ("Müller", "Muller"),
        ("Dvořák", "Dvorak"),
        ("Nguyễn", "Nguyen"),
        ("Łukasiewicz", "Lukasiewicz"),
        ("Straße", "Strasse"),
        ("Øster", "Oster"),
        ("Æbelø", "AEbelo"),
        ("Œuvre", "OEuvre"),
        ("O’Brien", "O'Brien"),
        ("Smith–Jones", "Smith-Jones"),  # an en dash
        ("ﬁsher", "fisher"),  # a ligature: NFKD gives "fi"
        ("Mu\u0308ller", "Muller"),  # already decomposed
        ("Ðorđević", "Dordevic"),
        ("Þórsson", "Thorsson"),
        ("Nakamura", "Nakamura"),
    ],
)
def test_fold_to_ascii(raw, folded):
    assert names.fold(raw) == (folded, [])


def test_fold_reports_what_has_no_ascii_form():
    assert names.fold("中村") == ("", ["中", "村"])
    assert names.fold("Ab😀c😀") == ("Abc", ["😀"])  # each character once, in order
    assert names.fold("Иванов")[1] == ["И", "в", "а", "н", "о"]  # Cyrillic has no ASCII form under NFKD


@pytest.mark.parametrize(
    "raw,text,bad",
    [
        ("Müller", "muller", []),
        ("Smith-Jones", "smith jones", []),
        ("  van   der\tBerg ", "van der berg", []),
        ("St. John", "st john", []),
        ("Lytkin,", "lytkin", []),  # as in the data
        ("O'Brien", "o'brien", []),
        ("Mac_Donald", "mac donald", []),
        ("R2D2", "rd", ["2"]),
        ("a@b", "ab", ["@"]),
        ("😀", "", ["😀"]),
    ],
)
def test_prepare(raw, text, bad):
    assert names.prepare(raw) == (text, bad)


def test_vocabulary():
    assert names.VOCAB_SIZE == 29 and names.PAD == 0 and 0 not in names.CHAR_INDEX.values()
    assert names.encode("ab z'") == [1, 2, 27, 26, 28]
    assert sorted(names.CHAR_INDEX.values()) == list(range(1, 29))


def test_make_batch_pads_with_zeros():
    tokens, lengths = names.make_batch(["ab", "abcd", "c"])
    assert tokens.shape == (3, 4) and tokens.dtype == torch.long
    assert lengths.tolist() == [2, 4, 1]
    assert tokens.tolist() == [[1, 2, 0, 0], [1, 2, 3, 4], [3, 0, 0, 0]]


# ---- padding and packing ----------------------------------------------------------------


def per_name_logits(model: NamesGRU, texts: list[str]) -> torch.Tensor:
    """The reference: each name alone through embedding -> GRU (no padding, no packing) -> linear."""
    out = []
    for text in texts:
        x = model.embedding(torch.tensor([names.encode(text)]))  # (1, L, E)
        _, hidden = model.gru(x)  # (layers * 2, 1, H)
        out.append(model.fc(torch.cat([hidden[-1], hidden[-2]], dim=1)))  # (1, 18)
    return torch.cat(out)


TEXTS = ["nakamura", "li", "o'brien", "smith jones", "a", "dostoevsky", "van der berg", "ng"]


@pytest.mark.parametrize("layers", [1, 2])
def test_packed_batch_equals_each_name_alone(layers):
    torch.manual_seed(0)
    model = NamesGRU(NamesGRUConfig(embed_size=12, hidden_size=16, num_layers=layers)).double().eval()
    tokens, lengths = names.make_batch(TEXTS)
    with torch.no_grad():
        batched = model(tokens, lengths)
        alone = per_name_logits(model, TEXTS)
        # the same batch without packing: the padding runs through the GRU and changes the short names
        x = model.embedding(tokens)  # (B, T, E)
        _, hidden = model.gru(x)
        unpacked = model.fc(torch.cat([hidden[-1], hidden[-2]], dim=1))
    torch.testing.assert_close(batched, alone, rtol=1e-12, atol=1e-12)
    longest = lengths == lengths.max()
    torch.testing.assert_close(unpacked[longest], alone[longest], rtol=1e-12, atol=1e-12)
    assert (unpacked[~longest] - alone[~longest]).abs().amax(dim=1).min() > 1e-6


def test_batch_order_does_not_matter():
    model = names.load().model.members[0]  # a trained lecture classifier
    with torch.no_grad():
        a = model(*names.make_batch(TEXTS))
        b = model(*names.make_batch(TEXTS[::-1]))
        alone = per_name_logits(model, TEXTS)
    torch.testing.assert_close(a, b.flip(0), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(a, alone, rtol=1e-5, atol=1e-5)


def test_the_ensemble_averages_its_members_probabilities():
    ensemble = names.load().model
    assert len(ensemble.members) == ensemble.config.members >= 1
    batch = names.make_batch(TEXTS)
    with torch.no_grad():
        mean = torch.stack([torch.softmax(m(*batch), dim=1) for m in ensemble.members]).mean(dim=0)  # (B, 18)
        out = ensemble(*batch)
    torch.testing.assert_close(torch.softmax(out, dim=1), mean, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(out.exp().sum(dim=1), torch.ones(len(TEXTS)), rtol=1e-5, atol=1e-6)


def test_dropout_is_off_at_inference():
    p = names.load()
    assert not p.model.training
    a, b = p.probabilities(TEXTS), p.probabilities(TEXTS)
    assert torch.equal(a, b)


# ---- the committed weights ----------------------------------------------------------------


def test_weights_file_is_safetensors_and_small():
    assert names.WEIGHTS_FILE.stat().st_size < 10 * 2**20
    with safe_open(str(names.WEIGHTS_FILE), framework="pt") as f:
        config = json.loads(f.metadata()["config"])
        keys = set(f.keys())
    assert config == names.load().info["config"]
    assert keys == set(NamesEnsemble(NamesGRUConfig(**config)).state_dict())
    info = names.load().info
    assert info["countries"] == list(COUNTRIES) and info["alphabet"] == names.ALPHABET


def test_recorded_predictions_are_reproduced():
    rows = read_sample()
    assert len(rows) >= 300 and {r["country"] for r in rows} == set(COUNTRIES)
    texts = [names.prepare(r["surname"])[0] for r in rows]
    probs = names.load().probabilities(texts)  # (N, 18)
    p, k = probs.max(dim=1)
    assert [COUNTRIES[i] for i in k.tolist()] == [r["predicted"] for r in rows]
    np.testing.assert_allclose(p.numpy(), [float(r["probability"]) for r in rows], atol=2e-6)
    # the sample's accuracy, from the model now, equals the one recorded at training time
    now = np.mean([COUNTRIES[i] == r["country"] for i, r in zip(k.tolist(), rows)])
    recorded = np.mean([r["predicted"] == r["country"] for r in rows])
    assert now == recorded and now > 0.5  # 20 rows per country: near the balanced accuracy


def test_recorded_metrics_are_consistent():
    m = names.load().metrics
    cm = np.asarray(m["test_confusion"])
    assert cm.shape == (18, 18) and cm.sum() == m["test_rows"] == 6700
    recall = cm.diagonal() / cm.sum(axis=1)
    assert m["test_top1"] == pytest.approx(cm.trace() / cm.sum(), abs=1e-12)
    assert m["test_balanced_accuracy"] == pytest.approx(recall.mean(), abs=1e-12)
    assert [m["test_per_country"][c] for c in COUNTRIES] == pytest.approx(recall.tolist(), abs=1e-12)
    assert cm.sum(axis=1)[COUNTRIES.index("Russian")] == 3136  # the test split's class balance
    assert m["parameters"] == names.count_parameters(names.load().model)
    # the figures quoted in the README: top-1 84.9 %, balanced 55.8 % (the target of 87 % top-1 is not met)
    assert m["test_top1"] >= 0.849 and m["test_balanced_accuracy"] >= 0.558
    assert m["prior_tau"] in [r["tau"] for r in m["val_by_tau"]]
    assert len(m["members"]) == names.load().model.config.members


def test_well_known_surnames():
    expected = {
        "nakamura": "Japanese",
        "dostoevsky": "Russian",
        "papadopoulos": "Greek",
        "kowalski": "Polish",
        "o'brien": "Irish",
        "schmidt": "German",
    }
    probs = names.load().probabilities(list(expected))
    assert [COUNTRIES[i] for i in probs.argmax(dim=1).tolist()] == list(expected.values())


# ---- the tab ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,message",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("'-", "empty"),
        ("😀", "no such form: 😀"),
        ("中村", "no such form: 中 村"),
        ("Müller😀", "no such form: 😀"),
        ("Smith 3", "no such form: 3"),
        ("a" * 41, "at most 40 characters; got 41"),
        ("a" * 201, "at most 40 characters; got 201"),
        (None, "must be text"),
        (42, "must be text"),
    ],
)
def test_bad_names_are_explained_in_the_users_language(value, message):
    with pytest.raises(gr.Error, match=message) as both:
        nm.check_name(value, None)
    assert cjk(both.value.message)
    with pytest.raises(gr.Error) as zh:
        nm.check_name(value, "zh")
    assert cjk(zh.value.message) and "must" not in zh.value.message


def test_accents_and_hyphens_reach_the_model_folded():
    assert nm.check_name("Müller", None) == "muller" and nm.check_name(" Smith-Jones ", None) == "smith jones"
    assert nm.predict_name("Müller", 18) == nm.predict_name("muller", 18)
    assert nm.predict_name("Dvořák") == nm.predict_name("Dvorak")


def test_prediction_is_the_models_softmax():
    top = nm.predict_name("Nakamura", 18)
    assert [c for c, _ in top] != [] and len(top) == 18 and set(c for c, _ in top) == set(COUNTRIES)
    ps = [p for _, p in top]
    assert ps == sorted(ps, reverse=True) and sum(ps) == pytest.approx(1, abs=1e-6)
    with torch.no_grad():
        logits = names.load().model(*names.make_batch(["nakamura"]))[0].double()
    expected = torch.softmax(logits, dim=0)
    for c, p in top:
        assert p == pytest.approx(expected[COUNTRIES.index(c)].item(), abs=1e-6)
    assert top[0][0] == "Japanese" and nm.predict_name("Nakamura") == top[:3]


def test_prefix_batch_equals_each_prefix_alone():
    text = "dostoevsky"
    assert nm.prefixes("abe") == ["a", "ab", "abe"]
    batch = nm.probabilities(nm.prefixes(text))
    alone = np.stack([nm.probabilities([p])[0] for p in nm.prefixes(text)])
    np.testing.assert_allclose(batch, alone, atol=1e-6)
    chosen = nm.prefix_countries(batch)
    assert chosen[:3] == list(np.argsort(-batch[-1])[:3]) and len(chosen) <= nm.MAX_LINES
    assert set(batch.argmax(axis=1)) <= set(chosen) or len(chosen) == nm.MAX_LINES


def test_on_name_draws_the_answer_in_both_languages():
    for lang, russian, word in (("en", "Russian", "read as"), ("zh", "俄罗斯", "被读作")):
        top, prefix, text = nm.on_name("Dostoevsky", lang)
        assert word in text and "`dostoevsky`" in text and russian in text
        assert finite_json(top) and finite_json(prefix)
        assert list(top.data[0].y)[-1] == russian  # the best country is the top bar
        assert len(prefix.data[0].x) == len("dostoevsky") and list(prefix.layout.xaxis.ticktext)[:2] == ["d", "o"]
        best = nm.predict_name("Dostoevsky", 1)[0][1]
        assert prefix.data[0].y[-1] == pytest.approx(best, abs=1e-6) and top.data[0].x[-1] == pytest.approx(best)
    _, prefix, _ = nm.on_name("Smith-Jones", "en")
    assert "space" in list(prefix.layout.xaxis.ticktext)
    for lang in ("en", "zh"):
        top, prefix, text = nm.on_name("", lang)
        assert text == nm.t("nm_prompt", lang) and not top.data and not prefix.data
        top, _, text = nm.on_name("😀", lang)
        assert text.startswith("⚠️") and "😀" in text and cjk(text) == (lang == "zh") and not top.data


def test_test_split_figures_come_from_the_recorded_metrics():
    m = nm.metrics()
    assert m["test_confusion"] == names.load().metrics["test_confusion"]
    for lang in ("en", "zh"):
        conf = nm.confusion_figure(lang)
        finite_json(conf)
        z = np.asarray(conf.data[0].z)
        cm = np.asarray(m["test_confusion"])
        np.testing.assert_allclose(z, cm / cm.sum(axis=1, keepdims=True))
        assert conf.data[0].text[0][0] == str(cm[0, 0])
        per = nm.per_country_figure(lang)
        finite_json(per)
        assert per.data[0].y[-1] == ("Russian (3136)" if lang == "en" else "俄罗斯 (3136)")  # on top
        assert max(per.data[0].x) <= 100 and len(per.data[0].x) == 18
        text = nm.eval_text(lang)
        assert f"{100 * m['test_top1']:.1f}" in text and f"{100 * m['test_balanced_accuracy']:.1f}" in text
    assert "阿拉伯" in nm.confusion_figure("zh").data[0].x and "Arabic" in nm.confusion_figure("en").data[0].x
    assert len(nm.on_lang("zh")) == 3


def test_every_country_has_a_chinese_name():
    assert nm.COUNTRIES == names.COUNTRIES
    for c in COUNTRIES:
        assert nm.country_name(c, "en") == c and cjk(nm.country_name(c, "zh"))


# ---- the public API ---------------------------------------------------------------------


def test_api_name_to_country(client):
    out = client.predict("Nakamura", 3, api_name="/name_to_country")
    assert [c for c, _ in out][0] == "Japanese" and len(out) == 3
    expected = nm.predict_name("Nakamura", 3)
    for (c, p), (ce, pe) in zip(out, expected):
        assert c == ce and p == pytest.approx(pe, abs=1e-9)
    full = client.predict("Müller", 18, api_name="/name_to_country")
    assert full == [list(x) for x in nm.predict_name("muller", 18)]  # folded as the tab folds it
    assert sum(p for _, p in full) == pytest.approx(1, abs=1e-6)


@pytest.mark.parametrize(
    "args,message",
    [
        (("", 3), "empty"),
        (("😀", 3), "no such form"),
        (("北京", 3), "no such form"),
        (("x" * 300, 3), "too long"),
        (("Smith", 0), "between 1 and 18"),
        (("Smith", 19), "between 1 and 18"),
        (("Smith", 2.5), "whole number"),
    ],
)
def test_api_bad_input(client, args, message):
    with pytest.raises(AppError, match=message) as err:
        client.predict(*args, api_name="/name_to_country")
    assert cjk(str(err.value))
