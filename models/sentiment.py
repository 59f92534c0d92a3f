"""Lecture 13's homework: 5-class sentiment of movie-review sentences, words -> Embedding ->
bidirectional GRU over padded and packed sequences -> Linear, beside a bag-of-words logistic
regression baseline.

Data: data/movie_reviews.tsv.gz (10,605 Rotten Tomatoes sentences with a mean human rating,
labelled 0-4 and split train / validation / test; data/movie_reviews.md). The app and the
tests read only that table.

Tokenizer (``tokenize``): NFKC, curly apostrophes and backquotes -> ', lower case; tokens are
runs of letters/digits with inner apostrophes (regex ``[^\\W_]+(?:'[^\\W_]+)*``) and the marks
! and ?. Everything else separates tokens, hyphens and dashes included: the source has every
hyphen already replaced by a space ("old fashioned", "co writer"), so "old-fashioned" is read
as the same two words. Clitics are split off as in the Penn Treebank: "doesn't" -> "does",
"n't"; "can't" -> "can", "n't"; "won't" -> "will", "n't"; "film's" -> "film", "'s" (also 're,
've, 'll, 'd, 'm).

Vocabulary (``Vocab``): <pad> = 0, <unk> = 1, then every token seen at least twice in the
train split, most frequent first (ties alphabetical); JSON in weights/sentiment_vocab.json.

Input limits (``encode``): at most MAX_CHARS characters and MAX_WORDS tokens; errors are
``SentimentError`` with a ``key`` (empty, too_long, too_many_words, no_letters, unknown) and
the message's fields in ``fmt``, for the UI's languages.

Metrics (``scores``): 5-class accuracy; macro F1, the mean over the 5 classes of
F1_c = 2·TP_c / (2·TP_c + FP_c + FN_c) (0 for a class never true nor predicted); two-class
accuracy on the sentences of classes 0, 1 (negative) and 3, 4 (positive), class 2 left out,
a sentence read as positive when p3 + p4 > p0 + p1 (the summed probabilities of each side).
The majority baseline predicts the train split's most frequent class for every sentence.

Weights: weights/sentiment_gru.safetensors (float16, read as float32; config and metrics as
JSON in the metadata) and weights/sentiment_bow.safetensors (the baseline), both loaded once,
lazily, through models/load.py; metrics and history in weights/sentiment_gru.json. Built by
``python -m models.train sentiment``.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import models.load

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "data" / "movie_reviews.tsv.gz"
WEIGHTS_FILE = models.load.path("sentiment_gru")
BASELINE_FILE = models.load.path("sentiment_bow")
VOCAB_FILE = models.load.WEIGHTS / "sentiment_vocab.json"
METRICS_FILE = models.load.WEIGHTS / "sentiment_gru.json"

CLASSES = ("negative", "somewhat negative", "neutral", "somewhat positive", "positive")
SPLITS = ("train", "validation", "test")
PAD, UNK = "<pad>", "<unk>"
MIN_COUNT = 2  # a train-split token seen fewer times is <unk>
MAX_CHARS = 2000  # the data's longest sentence has 257 characters
MAX_WORDS = 200  # tokens; the data's longest sentence has 53

# ---- tokenizer -------------------------------------------------------------------------

TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[!?]")  # letters/digits with inner apostrophes, or ! ?
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
CLITICS = ("'s", "'re", "'ve", "'ll", "'d", "'m")
NEGATED = {"ca": "can", "wo": "will", "sha": "shall"}  # can't -> ca + n't -> can + n't


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens, e.g. tokenize("It doesn't work -- at all!") ==
    ["it", "does", "n't", "work", "at", "all", "!"] (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(APOSTROPHES).lower()
    out = []
    for tok in TOKEN.findall(text):
        if tok.endswith("n't") and len(tok) > 3:
            stem = tok[:-3]
            out += [NEGATED.get(stem, stem), "n't"]
            continue
        clitic = next((c for c in CLITICS if tok.endswith(c) and len(tok) > len(c)), None)
        out += [tok[: -len(clitic)], clitic] if clitic else [tok]
    return out


def is_word(token: str) -> bool:
    """A token with a letter or a digit (not ! or ?, not a clitic like 's alone)."""
    return any(ch.isalnum() for ch in token) and not token.startswith("'") and token != "n't"


class SentimentError(ValueError):
    """Bad input text; ``key`` names the message, ``fmt`` its fields (for the UI's languages)."""

    def __init__(self, key: str, message: str, **fmt):
        super().__init__(message)
        self.key, self.fmt = key, fmt


class Vocab:
    """Tokens <-> ids: <pad> = 0, <unk> = 1, then the words."""

    def __init__(self, itos: list[str]):
        if tuple(itos[:2]) != (PAD, UNK):
            raise ValueError("the vocabulary must start with <pad>, <unk>")
        self.itos = list(itos)
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        self.pad, self.unk = 0, 1

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi and self.stoi[token] > self.unk

    def ids(self, tokens: list[str]) -> list[int]:
        return [self.stoi.get(t, self.unk) for t in tokens]

    @classmethod
    def build(cls, texts: list[str], min_count: int = MIN_COUNT) -> Vocab:
        """Tokens seen at least ``min_count`` times in ``texts``, most frequent first, ties alphabetical."""
        counts = Counter(tok for text in texts for tok in tokenize(text))
        words = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls([PAD, UNK, *words])

    def to_json(self) -> dict:
        return {"itos": self.itos, "min_count": MIN_COUNT, "tokenizer": "models.sentiment.tokenize"}

    @classmethod
    def from_json(cls, data: dict) -> Vocab:
        return cls(data["itos"])


def encode(text: str, vocab: Vocab) -> list[int]:
    """Text -> token ids, or a SentimentError: empty, too_long (over MAX_CHARS characters),
    too_many_words (over MAX_WORDS tokens), no_letters (no letter at all: emoji, digits or
    punctuation only), unknown (no word in the vocabulary; ``fmt["words"]`` lists them)."""
    text = text or ""
    if not text.strip():
        raise SentimentError("empty", "type a sentence")
    if len(text) > MAX_CHARS:
        raise SentimentError("too_long", f"at most {MAX_CHARS:,} characters ({len(text):,} given)",
                             limit=MAX_CHARS, length=len(text))  # fmt: skip
    if not any(ch.isalpha() for ch in text):
        raise SentimentError("no_letters", "the text has no letters")
    tokens = tokenize(text)
    if len(tokens) > MAX_WORDS:
        raise SentimentError("too_many_words", f"at most {MAX_WORDS} words ({len(tokens)} given)",
                             limit=MAX_WORDS, length=len(tokens))  # fmt: skip
    if not any(t in vocab for t in tokens if is_word(t)):
        words = ", ".join(dict.fromkeys(t for t in tokens if is_word(t)))
        raise SentimentError("unknown", f"no word the model knows: {words}", words=words)
    return vocab.ids(tokens)


# ---- the table -------------------------------------------------------------------------


class Row(NamedTuple):
    id: int
    rating: str  # as printed in the source: a mean of human ratings in -4..+4
    label: int  # 0-4, see data/movie_reviews.md
    split: str
    text: str


def read_table(path: Path = TABLE) -> list[Row]:
    """Every row of the derived table, in the source's order."""
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != list(Row._fields):
            raise ValueError(f"{path}: unexpected columns {header}")
        rows = []
        for line in f:
            sid, rating, lab, split, text = line.rstrip("\n").split("\t", 4)
            rows.append(Row(int(sid), rating, int(lab), split, text))
    return rows


@functools.cache
def table() -> tuple[Row, ...]:
    """The committed table, read once."""
    return tuple(read_table(TABLE))


def split_rows(rows, split: str) -> list[Row]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    return [r for r in rows if r.split == split]


# ---- models ----------------------------------------------------------------------------


@dataclass
class SentimentConfig:
    vocab_size: int = 2
    embed_size: int = 64
    hidden_size: int = 64
    num_layers: int = 1
    dropout: float = 0.5  # on the embeddings, between GRU layers and before the linear layer (training only)
    pooling: str = "last"  # "last": [backward, forward] final hidden states (the lecture); "max": max over time
    num_classes: int = len(CLASSES)
    members: int = 1  # SentimentEnsemble: how many SentimentGRU, trained from different seeds, vote


def make_batch(ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest: tokens (B, T) int64 with <pad> = 0 after each sentence, lengths (B,) int64."""
    lengths = torch.tensor([len(s) for s in ids], dtype=torch.long)
    tokens = torch.zeros(len(ids), int(lengths.max()), dtype=torch.long)  # (B, T)
    for i, s in enumerate(ids):
        tokens[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return tokens, lengths


class SentimentGRU(nn.Module):
    """Embedding -> bidirectional GRU over the packed batch -> Linear to 5 classes."""

    def __init__(self, config: SentimentConfig | None = None):
        super().__init__()
        self.config = c = config or SentimentConfig()
        self.embedding = nn.Embedding(c.vocab_size, c.embed_size, padding_idx=0)
        self.gru = nn.GRU(
            c.embed_size,
            c.hidden_size,
            c.num_layers,
            batch_first=True,
            bidirectional=True,
            dropout=c.dropout if c.num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(c.dropout)
        self.fc = nn.Linear(2 * c.hidden_size, c.num_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) padded with 0, lengths (B,) >= 1 -> logits (B, 5)."""
        x = self.dropout(self.embedding(tokens))  # (B, T, E)
        # Packing stops each direction at the sentence's own ends: the padding never enters a state.
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, hidden = self.gru(packed)  # hidden (num_layers * 2, B, H), in the input order
        if self.config.pooling == "max":
            out, _ = pad_packed_sequence(out, batch_first=True, padding_value=-math.inf)  # (B, T, 2H)
            features = out.max(dim=1).values  # (B, 2H)
        else:
            features = torch.cat([hidden[-1], hidden[-2]], dim=1)  # (B, 2H): backward, forward (as the lecture)
        return self.fc(self.dropout(features))  # (B, 5)


class SentimentEnsemble(nn.Module):
    """``config.members`` SentimentGRU from different seeds; the ensemble's probability is the mean of
    theirs (its logits are log of that mean, so softmax gives it back)."""

    def __init__(self, config: SentimentConfig | None = None):
        super().__init__()
        self.config = config or SentimentConfig()
        self.members = nn.ModuleList(SentimentGRU(self.config) for _ in range(self.config.members))

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """tokens (B, T), lengths (B,) -> log of the mean member probability (B, 5)."""
        log_p = torch.stack([torch.log_softmax(m(tokens, lengths), dim=1) for m in self.members])  # (K, B, 5)
        return torch.logsumexp(log_p, dim=0) - math.log(len(self.members))  # log((1/K) Σ_k p_k)


@dataclass
class BagOfWordsConfig:
    vocab_size: int = 2
    num_classes: int = len(CLASSES)
    weight_decay: float = 0.0  # the L2 penalty it was trained with (chosen on the validation split)


class BagOfWords(nn.Module):
    """Multinomial logistic regression on the set of a sentence's token ids (binary bag of words):
    logits = Σ_{distinct ids w} W[w] + b, an EmbeddingBag of sums over each sentence's distinct ids."""

    def __init__(self, config: BagOfWordsConfig | None = None):
        super().__init__()
        self.config = c = config or BagOfWordsConfig()
        self.weight = nn.EmbeddingBag(c.vocab_size, c.num_classes, mode="sum", padding_idx=0)
        self.bias = nn.Parameter(torch.zeros(c.num_classes))
        nn.init.zeros_(self.weight.weight)

    @staticmethod
    def bags(tokens: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded tokens (B, T) -> (flat distinct ids of every sentence, offsets (B,)) for EmbeddingBag."""
        sets = [torch.unique(row[:n]) for row, n in zip(tokens, lengths.tolist())]
        offsets = torch.tensor([0] + [len(s) for s in sets[:-1]]).cumsum(0)
        return torch.cat(sets), offsets

    def forward_bags(self, flat: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.weight(flat, offsets) + self.bias  # (B, 5)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """tokens (B, T), lengths (B,) -> logits (B, 5)."""
        return self.forward_bags(*self.bags(tokens, lengths))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---- loading ---------------------------------------------------------------------------


@dataclass
class Predictor:
    """A trained model with its vocabulary and the training record (weights/sentiment_gru.json)."""

    model: nn.Module
    vocab: Vocab
    info: dict = field(default_factory=dict, repr=False)

    @property
    def metrics(self) -> dict:
        return self.info.get("metrics", {})


def read_vocab(vocab_file: Path, config, weights: Path) -> Vocab:
    vocab = Vocab.from_json(json.loads(Path(vocab_file).read_text(encoding="utf-8")))
    if config.vocab_size != len(vocab):
        raise ValueError(f"{Path(weights).name} expects {config.vocab_size} tokens, the vocabulary has {len(vocab)}")
    return vocab


def load_from(weights: Path, vocab_file: Path, metrics_file: Path | None = None) -> Predictor:
    """A model from any safetensors file (float16 read as float32; eval mode, frozen) with its vocab
    JSON: a freshly trained one. The class comes from the file's metadata (GRU ensemble or bag of words)."""
    meta = models.load.metadata(Path(weights))
    cls = {"SentimentEnsemble": (SentimentConfig, SentimentEnsemble), "BagOfWords": (BagOfWordsConfig, BagOfWords)}
    model = models.load.from_file(Path(weights), *cls[meta.get("model_class", "SentimentEnsemble")])
    info = json.loads(Path(metrics_file).read_text(encoding="utf-8")) if metrics_file else {}
    return Predictor(model, read_vocab(vocab_file, model.config, weights), info)


@functools.cache
def load() -> Predictor:
    """The committed GRU (``models.load.load("sentiment_gru")``: eval mode, frozen, shared, so do not
    train or modify it) with its vocabulary and training record, once per process."""
    model = models.load.load("sentiment_gru")
    info = json.loads(METRICS_FILE.read_text(encoding="utf-8"))
    return Predictor(model, read_vocab(VOCAB_FILE, model.config, WEIGHTS_FILE), info)


@functools.cache
def load_baseline() -> Predictor:
    """The committed bag-of-words baseline (``models.load.load("sentiment_bow")``), same vocabulary."""
    model = models.load.load("sentiment_bow")
    return Predictor(model, read_vocab(VOCAB_FILE, model.config, BASELINE_FILE), load().info)


# ---- prediction ------------------------------------------------------------------------


@torch.no_grad()
def predict_ids(ids: list[list[int]], model: nn.Module | None = None, batch_size: int = 512) -> torch.Tensor:
    """Non-empty id lists -> softmax probabilities (B, 5), in eval mode (default: the committed GRU).
    Batches of ``batch_size`` in the given order, so a result never depends on what else is asked."""
    model = model if model is not None else load().model
    was_training = model.training
    model.eval()
    out = []
    for i in range(0, len(ids), batch_size):
        out.append(torch.softmax(model(*make_batch(ids[i : i + batch_size])), dim=1))
    model.train(was_training)
    return torch.cat(out) if out else torch.zeros(0, len(CLASSES))


def predict(text: str, predictor: Predictor | None = None) -> torch.Tensor:
    """Text -> probabilities (5,) of CLASSES; SentimentError for unusable text."""
    p = predictor or load()
    return predict_ids([encode(text, p.vocab)], p.model)[0]


class Prefixes(NamedTuple):
    tokens: list[str]  # the sentence's tokens, n of them
    known: list[bool]  # whether each is in the vocabulary (else the model reads <unk>)
    probs: torch.Tensor  # (n, 5): row k = the model on tokens[: k + 1]


def prefix_predictions(text: str, predictor: Predictor | None = None) -> Prefixes:
    """The 5 probabilities after each word: the model run on every prefix of the sentence (one padded,
    packed batch of n prefixes). The last row is predict(text)."""
    p = predictor or load()
    ids = encode(text, p.vocab)
    probs = predict_ids([ids[: k + 1] for k in range(len(ids))], p.model)  # (n, 5)
    return Prefixes(tokenize(text), [i != p.vocab.unk for i in ids], probs)


class Occlusion(NamedTuple):
    tokens: list[str]
    known: list[bool]
    predicted: int  # argmax class of the whole sentence
    probs: torch.Tensor  # (5,) the whole sentence
    deltas: torch.Tensor  # (n,) p[predicted](sentence) - p[predicted](sentence with token i read as <unk>)


def occlusion(text: str, predictor: Predictor | None = None) -> Occlusion:
    """Which words pushed the prediction: for each token i, the drop in the predicted class's probability
    when token i is replaced by <unk> (the length stays the same; the model learnt <unk> as "a word I do
    not know" from rare words and word dropout). Positive: the word pushed towards the prediction;
    an unknown word gives 0."""
    p = predictor or load()
    ids = encode(text, p.vocab)
    variants = [ids] + [ids[:i] + [p.vocab.unk] + ids[i + 1 :] for i in range(len(ids))]
    probs = predict_ids(variants, p.model)  # (1 + n, 5)
    c = int(probs[0].argmax())
    return Occlusion(tokenize(text), [i != p.vocab.unk for i in ids], c, probs[0], probs[0, c] - probs[1:, c])


# ---- metrics ---------------------------------------------------------------------------


def confusion_matrix(labels: list[int] | torch.Tensor, predicted: list[int] | torch.Tensor) -> torch.Tensor:
    """(5, 5) int64 counts: row = true class, column = predicted."""
    k = len(CLASSES)
    labels, predicted = torch.as_tensor(labels, dtype=torch.long), torch.as_tensor(predicted, dtype=torch.long)
    return torch.bincount(labels * k + predicted, minlength=k * k).reshape(k, k)


def macro_f1(cm: torch.Tensor) -> float:
    """Mean over classes of 2·TP / (2·TP + FP + FN); 0 for a class that is never true nor predicted."""
    cm = cm.double()
    tp = cm.diagonal()
    denom = cm.sum(0) + cm.sum(1)  # (TP + FP) + (TP + FN)
    f1 = torch.where(denom > 0, 2 * tp / denom.clamp(min=1), torch.zeros_like(tp))
    return float(f1.mean())


def scores(labels: list[int] | torch.Tensor, probs: torch.Tensor) -> dict:
    """accuracy, macro_f1, two_class_accuracy (classes 0-1 vs 3-4, class 2 left out; positive when
    p3 + p4 > p0 + p1), the confusion matrix and the row counts."""
    labels = torch.as_tensor(labels, dtype=torch.long)
    cm = confusion_matrix(labels, probs.argmax(dim=1))
    polar = labels != 2
    positive = probs[:, 3] + probs[:, 4] > probs[:, 0] + probs[:, 1]  # (N,)
    two = (positive[polar] == (labels[polar] >= 3)).double().mean()
    return {
        "accuracy": float(cm.trace()) / float(cm.sum()),
        "macro_f1": macro_f1(cm),
        "two_class_accuracy": float(two),
        "rows": len(labels),
        "two_class_rows": int(polar.sum()),
        "confusion": cm.tolist(),
    }


def majority_class(rows) -> int:
    """The train split's most frequent class (ties: the lower class)."""
    counts = Counter(r.label for r in rows if r.split == "train")
    return max(range(len(CLASSES)), key=lambda k: (counts[k], -k))


def one_hot(classes: list[int]) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.as_tensor(classes), len(CLASSES)).double()


def evaluate(model: nn.Module, rows, vocab: Vocab) -> tuple[torch.Tensor, dict]:
    """(probabilities (N, 5), scores) of a model on table rows (every row of the table is readable)."""
    probs = predict_ids([vocab.ids(tokenize(r.text)) for r in rows], model)
    return probs, scores([r.label for r in rows], probs)


def confusion(split: str = "test", model: str = "gru") -> dict:
    """The committed model ("gru" or "bow") or the train split's majority class ("majority") scored on a
    split of the committed table: scores(...) with the (5, 5) confusion matrix under "confusion"."""
    rows = split_rows(table(), split)
    if model == "majority":
        return scores([r.label for r in rows], one_hot([majority_class(table())] * len(rows)))
    p = {"gru": load, "bow": load_baseline}[model]()
    return evaluate(p.model, rows, p.vocab)[1]
