"""Lecture 13's homework, 5-class movie-review sentiment: the tokenizer and vocabulary, input errors,
packing against a plain GRU run, the committed GRU and baseline against their recorded metrics and
predictions, prefix and occlusion views, the metrics by hand, and the training command on a tiny table."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

import models.load
from models import sentiment as S
from models import train_sentiment as T
from models.sentiment import SentimentConfig, SentimentError, SentimentGRU, Vocab

SAMPLE = Path(__file__).resolve().parent / "data" / "sentiment_test_sample.tsv"


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ---- tokenizer and vocabulary ----------------------------------------------------------


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("It doesn't work!", ["it", "does", "n't", "work", "!"]),
        ("I can't, won't, shan't", ["i", "can", "n't", "will", "n't", "shall", "n't"]),
        ("The film's ''Conan''", ["the", "film", "'s", "conan"]),
        ("you're we've they'll I'd I'm", ["you", "'re", "we", "'ve", "they", "'ll", "i", "'d", "i", "'m"]),
        ("O'Brien's rock'n'roll", ["o'brien", "'s", "rock'n'roll"]),
        ("Old-fashioned -- fun?!", ["old", "fashioned", "fun", "?", "!"]),  # hyphens separate, as in the data
        ("It doesn\u2019t", ["it", "does", "n't"]),  # a curly apostrophe
        ("Café ÉTÉ, 21st century", ["café", "été", "21st", "century"]),
        ("'quoted' words' end.", ["quoted", "words", "end"]),
        ("snake_case 3.5 stars", ["snake", "case", "3", "5", "stars"]),
        ("😀😀", []),
    ],
)
def test_tokenize(text, tokens):
    assert S.tokenize(text) == tokens


def test_is_word():
    assert [S.is_word(t) for t in ["film", "21st", "!", "'s", "n't", "o'brien"]] == [1, 1, 0, 0, 0, 1]


def test_vocab_counts_order_and_json():
    vocab = Vocab.build(["a b b c", "b c d", "e!"], min_count=2)
    assert vocab.itos == ["<pad>", "<unk>", "b", "c"]  # b 3 times, c twice; a, d, e, ! once
    assert vocab.ids(["b", "zzz", "c"]) == [2, 1, 3]
    assert "b" in vocab and "zzz" not in vocab and "<unk>" not in vocab
    again = Vocab.from_json(json.loads(json.dumps(vocab.to_json())))
    assert again.itos == vocab.itos and again.pad == 0 and again.unk == 1
    with pytest.raises(ValueError):
        Vocab(["a", "<pad>"])


def test_committed_vocab_is_the_train_splits_words_seen_twice():
    vocab = S.load().vocab
    assert vocab.itos == Vocab.build([r.text for r in S.split_rows(S.table(), "train")]).itos
    assert len(vocab) == S.load().model.config.vocab_size == 8782
    assert vocab.itos[:6] == ["<pad>", "<unk>", "the", "a", "and", "of"]


# ---- input errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,key,fmt",
    [
        ("", "empty", {}),
        ("   \n\t", "empty", {}),
        ("a" * (S.MAX_CHARS + 1), "too_long", {"limit": S.MAX_CHARS, "length": S.MAX_CHARS + 1}),
        ("good " * (S.MAX_WORDS + 1), "too_many_words", {"limit": S.MAX_WORDS, "length": S.MAX_WORDS + 1}),
        ("😀 🎬 !!", "no_letters", {}),
        ("12345", "no_letters", {}),
        ("xyzzyq plugh's florbix!", "unknown", {"words": "xyzzyq, plugh, florbix"}),
    ],
)
def test_encode_errors(text, key, fmt):
    with pytest.raises(SentimentError) as err:
        S.encode(text, S.load().vocab)
    assert err.value.key == key and err.value.fmt == fmt
    if key == "unknown":
        assert "xyzzyq" in str(err.value)


def test_encode_reads_unknown_words_as_unk():
    vocab = S.load().vocab
    ids = S.encode("A xyzzyq film!", vocab)
    assert ids == [vocab.stoi["a"], vocab.unk, vocab.stoi["film"], vocab.stoi["!"]]


def test_make_batch_pads_with_zeros():
    tokens, lengths = S.make_batch([[5, 6], [7, 8, 9], [4]])
    assert tokens.tolist() == [[5, 6, 0], [7, 8, 9], [4, 0, 0]] and lengths.tolist() == [2, 3, 1]


# ---- packing -----------------------------------------------------------------------------


def plain_logits(model: SentimentGRU, ids: list[int]) -> torch.Tensor:
    """The reference: one sentence, no padding, no packing: embedding -> GRU -> linear."""
    _, hidden = model.gru(model.embedding(torch.tensor([ids])))  # (2, 1, H)
    return model.fc(torch.cat([hidden[-1], hidden[-2]], dim=1))[0]  # (5,)


@torch.no_grad()
def test_packed_equals_plain_for_one_sentence_and_padding_changes_nothing():
    member = S.load().model.members[0]
    vocab = S.load().vocab
    sentences = [S.encode(t, vocab) for t in ["A gorgeous, witty film.", "Dull.", "It is not bad at all, really!"]]
    batch = member(*S.make_batch(sentences))  # (3, 5), padded and packed
    for row, ids in zip(batch, sentences):
        alone = member(*S.make_batch([ids]))[0]
        assert torch.allclose(alone, plain_logits(member, ids), atol=1e-5)
        assert torch.allclose(row, alone, atol=1e-5)


@torch.no_grad()
def test_ensemble_is_the_mean_of_member_probabilities():
    model, vocab = S.load().model, S.load().vocab
    batch = S.make_batch([S.encode("a slow, dull and pretentious mess", vocab)])
    mean = torch.stack([torch.softmax(m(*batch), dim=1) for m in model.members]).mean(0)
    assert torch.allclose(torch.softmax(model(*batch), dim=1), mean, atol=1e-6)


def test_max_pooling_option_runs():
    model = SentimentGRU(SentimentConfig(vocab_size=10, embed_size=4, hidden_size=3, pooling="max")).eval()
    assert model(*S.make_batch([[2, 3, 4], [5]])).shape == (2, 5)


# ---- the committed model -----------------------------------------------------------------


def test_weights_are_small_float16_safetensors_with_metadata():
    for name in ("sentiment_gru", "sentiment_bow"):
        path = models.load.path(name)
        assert path.stat().st_size < 10_000_000
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata()
            assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
        assert meta["name"] == name and json.loads(meta["config"])["vocab_size"] == 8782
    meta = models.load.metadata("sentiment_gru")
    assert meta["model_class"] == "SentimentEnsemble" and meta["metrics"] == S.load().metrics
    assert "sentiment_gru" in models.load.available() and "sentiment_bow" in models.load.available()


def test_recorded_metrics_are_reproduced_exactly():
    recorded = S.load().metrics
    for split in ("validation", "test"):
        for model in ("gru", "bow", "majority"):
            assert S.confusion(split, model) == recorded[f"{model}_{split}"], (model, split)
    assert recorded["majority_class"] == S.majority_class(S.table()) == 3
    # the homework's claim: the GRU beats the bag of words and the majority class on the test split
    assert recorded["gru_test"]["accuracy"] > recorded["bow_test"]["accuracy"] > recorded["majority_test"]["accuracy"]


def test_sample_predictions_are_reproduced():
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        sample = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(sample) == T.SAMPLE_SIZE
    by_id = {r.id: r for r in S.table()}
    probs = S.predict_ids([S.encode(by_id[int(r["id"])].text, S.load().vocab) for r in sample])
    for row, p in zip(sample, probs):
        assert by_id[int(row["id"])].text == row["text"] and by_id[int(row["id"])].label == int(row["label"])
        assert int(p.argmax()) == int(row["predicted"])
        assert p.tolist() == pytest.approx([float(row[f"p{k}"]) for k in range(5)], abs=2e-6)


def test_predict_is_a_distribution_and_reads_sentiment():
    pos, neg = S.predict("A gorgeous, funny and moving film."), S.predict("A dull, lifeless and boring mess.")
    for p in (pos, neg):
        assert p.shape == (5,) and float(p.sum()) == pytest.approx(1, abs=1e-6)
    assert float(pos[3:].sum()) > 0.5 > float(neg[3:].sum())


def test_prefix_predictions_last_row_is_predict_and_rows_are_prefixes():
    text = "The plot is thin, but the acting is wonderful."
    out = S.prefix_predictions(text)
    assert out.tokens == S.tokenize(text) and len(out.known) == len(out.tokens) == out.probs.shape[0]
    assert torch.allclose(out.probs[-1], S.predict(text), atol=1e-6)
    vocab = S.load().vocab
    ids = S.encode(text, vocab)
    for k in (0, 3, 7):
        assert torch.allclose(out.probs[k], S.predict_ids([ids[: k + 1]])[0], atol=1e-6)


def test_occlusion_against_direct_recomputation():
    text = "A xyzzyq , not funny and far too long movie"
    out = S.occlusion(text)
    vocab = S.load().vocab
    ids = S.encode(text, vocab)
    full = S.predict_ids([ids])[0]
    assert out.predicted == int(full.argmax()) and torch.allclose(out.probs, full, atol=1e-6)
    for i in range(len(ids)):
        masked = S.predict_ids([ids[:i] + [vocab.unk] + ids[i + 1 :]])[0]
        assert float(out.deltas[i]) == pytest.approx(float(full[out.predicted] - masked[out.predicted]), abs=1e-6)
    assert out.known[1] is False and float(out.deltas[1]) == pytest.approx(0, abs=1e-6)  # <unk> for <unk>


# ---- metrics and the baseline ------------------------------------------------------------


def test_metrics_by_hand_on_a_tiny_example():
    labels = [0, 1, 1, 2, 3, 4, 4]
    predicted = [0, 1, 3, 2, 3, 3, 1]
    probs = S.one_hot(predicted)
    probs[3] = torch.tensor([0.1, 0.3, 0.35, 0.15, 0.1], dtype=torch.float64)  # argmax 2, negative side 0.4 > 0.25
    m = S.scores(labels, probs)
    assert m["accuracy"] == pytest.approx(4 / 7)
    # per class (TP, FP, FN): 0 (1,0,0) 1 (1,1,1) 2 (1,0,0) 3 (1,2,0) 4 (0,0,2)
    f1 = [2 / 2, 2 / 4, 2 / 2, 2 / 4, 0 / 2]
    assert m["macro_f1"] == pytest.approx(sum(f1) / 5)
    # two-class: rows of classes 0, 1, 3, 4: 0 neg ok, 1 neg ok, 1 -> 3 wrong, 3 ok, 4 -> 3 ok, 4 -> 1 wrong
    assert m["two_class_accuracy"] == pytest.approx(4 / 6) and m["two_class_rows"] == 6
    assert m["confusion"][1] == [0, 1, 0, 1, 0] and sum(map(sum, m["confusion"])) == 7
    # a class never true nor predicted counts as F1 = 0
    assert S.macro_f1(S.confusion_matrix([0, 1], [0, 1])) == pytest.approx(2 / 5)


def test_bag_of_words_is_a_sum_over_distinct_words():
    model = S.BagOfWords(S.BagOfWordsConfig(vocab_size=6))
    with torch.no_grad():
        model.weight.weight.copy_(torch.arange(30.0).reshape(6, 5))
        model.bias.copy_(torch.tensor([1.0, 0, 0, 0, -1]))
    logits = model(*S.make_batch([[2, 3, 2, 5], [4]]))  # a repeated word counts once; padding not at all
    w = model.weight.weight
    assert torch.allclose(logits[0], w[2] + w[3] + w[5] + model.bias)
    assert torch.allclose(logits[1], w[4] + model.bias)


def test_baseline_metrics_recomputed_by_hand():
    base = S.load_baseline()
    rows = S.split_rows(S.table(), "test")
    w, b = base.model.weight.weight, base.model.bias  # (V, 5), (5,)
    predicted = []
    for r in rows:
        ids = set(base.vocab.ids(S.tokenize(r.text)))
        predicted.append(int((w[sorted(ids)].sum(0) + b).argmax()))
    correct = sum(p == r.label for p, r in zip(predicted, rows))
    assert correct / len(rows) == S.load().metrics["bow_test"]["accuracy"]


# ---- training ----------------------------------------------------------------------------


def tiny_table(path: Path, per_split: dict[str, int]) -> None:
    rows = [r for s, n in per_split.items() for r in S.split_rows(S.table(), s)[:n]]
    lines = ["\t".join(S.Row._fields)] + ["\t".join(map(str, r)) for r in sorted(rows)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))


def test_train_command_round_trips_on_a_tiny_table(tmp_path):
    data = tmp_path / "tiny.tsv.gz"
    tiny_table(data, {"train": 300, "validation": 60, "test": 60})
    argv = ["--data", str(data), "--epochs", "2", "--members", "2", "--max-batches", "4", "--threads", "1"]
    metrics = T.main([*argv, "--out", str(tmp_path)])
    info = json.loads((tmp_path / "sentiment_gru.json").read_text(encoding="utf-8"))
    assert info["metrics"] == json.loads(json.dumps(metrics)) and len(info["history"]) == 2
    assert [h["epoch"] for h in info["history"][0]] == [1, 2] and info["metrics"]["rows"]["test"] == 60
    gru = S.load_from(tmp_path / "sentiment_gru.safetensors", tmp_path / "sentiment_vocab.json")
    bow = S.load_from(tmp_path / "sentiment_bow.safetensors", tmp_path / "sentiment_vocab.json")
    assert isinstance(gru.model, S.SentimentEnsemble) and len(gru.model.members) == 2
    assert isinstance(bow.model, S.BagOfWords) and bow.model.config.weight_decay in T.L2_GRID
    rows = S.read_table(data)
    for split in ("validation", "test"):
        assert S.evaluate(gru.model, S.split_rows(rows, split), gru.vocab)[1] == metrics[f"gru_{split}"]
        assert S.evaluate(bow.model, S.split_rows(rows, split), bow.vocab)[1] == metrics[f"bow_{split}"]
    assert (tmp_path / T.SAMPLE.name).read_text(encoding="utf-8").count("\n") > 1
    # same seed, same numbers
    again = T.main([*argv, "--out", str(tmp_path / "again")])
    assert again["gru_test"] == metrics["gru_test"] and again["members"] == metrics["members"]


def test_live_run_yields_every_epoch_and_learns():
    rows = [r for r in S.table() if r.split != "test"][:1500]
    recipe = T.Recipe(epochs=3, batch_size=32, lr=3e-3, members=1, max_batches=20)
    seen = []
    for row, model, vocab in T.live_run(seed=0, recipe=recipe, rows=rows):
        seen.append(row)
        assert isinstance(model, SentimentGRU) and model.config.vocab_size == len(vocab)
    assert [r["epoch"] for r in seen] == [1, 2, 3]
    assert set(seen[0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
    assert seen[-1]["train_loss"] < seen[0]["train_loss"]
    # the reported validation numbers are the model's own
    val = S.split_rows(rows, "validation")
    _, acc = T.loss_and_accuracy(model, *T.encode_rows(val, vocab))
    assert acc == pytest.approx(seen[-1]["val_acc"], abs=1e-5)
