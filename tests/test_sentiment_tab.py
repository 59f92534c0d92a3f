"""Lecture 13's homework tab (movie-review sentiment): its views against models.sentiment, the
live run, the /sentiment API, and bad input in both languages."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pytest
import torch

from demos.sequences import sentiment as D
from models import sentiment as S

torch.set_num_threads(1)
REVIEW = "It's not a bad film, but it's not a good one either."


def cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_constants_agree_with_the_model():
    from models import train_sentiment as TS

    assert D.CLASSES == S.CLASSES and D.MAX_INPUT == S.MAX_CHARS and D.METRICS_FILE == S.METRICS_FILE
    assert D.LIVE_DEFAULTS == {"epochs": TS.LIVE_RECIPE.epochs, "lr": TS.LIVE_RECIPE.lr}


def test_views_show_what_the_model_computes():
    probs_fig, text, prefix_fig, occl_fig = D.on_text(REVIEW, "en")
    p = S.predict(REVIEW).double().numpy()
    np.testing.assert_allclose(probs_fig.data[0].x, p, rtol=1e-6)
    c = int(p.argmax())
    assert f"The GRU says **{S.CLASSES[c]}** ({p[c]:.1%})" in text
    base = S.predict(REVIEW, S.load_baseline()).double().numpy()
    assert f"bag-of-words baseline says **{S.CLASSES[int(base.argmax())]}**" in text
    pre = S.prefix_predictions(REVIEW)
    assert len(prefix_fig.data) == 5 and list(prefix_fig.layout.xaxis.ticktext) == pre.tokens
    for i, trace in enumerate(prefix_fig.data):  # stacked areas: each class's probability after each word
        np.testing.assert_allclose(trace.y, pre.probs[:, i].double().numpy(), rtol=1e-6)
    occl = S.occlusion(REVIEW)
    np.testing.assert_allclose(occl_fig.data[0].y, occl.deltas.double().numpy(), rtol=1e-6)
    assert S.CLASSES[occl.predicted] in occl_fig.layout.title.text
    zh = D.on_text(REVIEW, "zh")
    assert "GRU 判断为" in zh[1] and D.CLASS_ZH[c] in zh[1] and "每读一个词" in zh[2].layout.title.text


def test_unknown_words_are_named_and_bracketed():
    _, text, prefix_fig, _ = D.on_text("A zorblatt of a movie", "en")
    assert "Words the model does not know (read as `<unk>`): zorblatt" in text
    assert "[zorblatt]" in list(prefix_fig.layout.xaxis.ticktext)


@pytest.mark.parametrize(
    "text,en,zh",
    [
        ("", "Please type a review", "请输入一句影评"),
        ("🙂🙂🙂", "No English words found", "没有找到任何英文单词"),
        ("zzxq qqzx", "knows none of these words: zzxq, qqzx", "一个词也不认识：zzxq, qqzx"),
        ("good " * 201, "at most 200 words; got 201", "最多 200 个词，收到 201 个"),
        ("a" * 2001, "at most 2,000 characters; got 2,001", "最多 2,000 个字符，收到 2,001 个"),
        (42, "must be text", "必须是文字"),
    ],
)
def test_bad_reviews(text, en, zh):
    for lang, message in (("en", en), ("zh", zh)):
        with pytest.raises(gr.Error) as err:
            D.analyse(text, lang)
        assert message in err.value.message and cjk(err.value.message) == (lang == "zh")
    assert D.on_text_lang(text, "zh")[1] == "输入一句影评。"  # a language redraw never raises


def test_empty_box_clears_the_views():
    fig, text, _, _ = D.on_text("  ", "en")
    assert text == "Type a review." and len(fig.data) == 0


def test_test_split_table_and_confusion():
    m = D.record()["metrics"]
    cm = np.asarray(D.test_confusion())
    assert cm.tolist() == m["gru_test"]["confusion"]  # recomputed here = recorded at training
    assert cm.trace() / cm.sum() == pytest.approx(m["gru_test"]["accuracy"])
    text, fig = D.on_eval("en")
    assert f"{m['gru_test']['accuracy']:.1%}" in text and f"{m['bow_test']['accuracy']:.1%}" in text
    assert m["gru_test"]["accuracy"] > m["bow_test"]["accuracy"] > m["majority_test"]["accuracy"]
    np.testing.assert_array_equal(np.asarray(fig.data[0].text, dtype=int), cm)
    assert "混淆矩阵" in D.on_eval("zh")[1].layout.title.text


def test_live_run_streams_and_reports():
    frames = list(D.on_train(1, 0.01, 0, REVIEW, "en"))
    status, loss_fig, acc_fig, run = frames[-1]
    assert run["status"] == "done" and len(run["history"]) == 1 and "Done: 1 epochs" in status
    row = run["history"][0]
    assert list(acc_fig.data[1].y) == [row["val_acc"]] and list(loss_fig.data[0].y) == [row["train_loss"]]
    assert 0.3 < row["val_acc"] < 0.7 and run["yours"] is not None and abs(sum(run["yours"]) - 1) < 1e-5
    assert "训练完成" in D.on_live_lang(run, "zh")[1]
    with pytest.raises(gr.Error, match="between"):
        next(D.on_train(99, 0.003, 0, REVIEW, "en"))
    with pytest.raises(gr.Error):
        next(D.on_train(2, float("nan"), 0, REVIEW, "zh"))


def test_diverging_run_says_so(monkeypatch):
    from models import train_sentiment as TS

    def exploding(seed, recipe):
        yield (
            {"epoch": 1, "train_loss": float("nan"), "train_acc": 0, "val_loss": float("nan"), "val_acc": 0},
            None,
            None,
        )

    monkeypatch.setattr(TS, "live_run", exploding)
    status, *_, run = list(D.on_train(2, 0.02, 0, REVIEW, "en"))[-1]
    assert run["status"] == "diverged" and "diverged" in status


def test_api_sentiment(client):
    out = client.predict(REVIEW, api_name="/sentiment")
    p = S.predict(REVIEW).double().numpy()
    assert [label for label, _ in out] == [S.CLASSES[i] for i in np.argsort(-p, kind="stable")]
    assert [q for _, q in out] == pytest.approx(sorted(p, reverse=True), rel=1e-6)
    for bad, message in (("", "Please type a review"), ("🙂", "No English words"), ("x" * 2001, "2,000")):
        with pytest.raises(Exception, match=message) as err:
            client.predict(bad, api_name="/sentiment")
        assert cjk(str(err.value))
