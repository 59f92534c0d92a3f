"""Lecture 13's surname classifier: characters -> embedding -> bidirectional GRU over
padded and packed sequences -> linear, on the course's names data (18 countries).

Input text is folded to the model's alphabet first: accents stripped (Müller -> muller),
lower case, hyphens as spaces. ``load()`` gives the trained model from
weights/names_gru.safetensors (no pickle) with its metrics from weights/names_gru.json.
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import models.load

WEIGHTS_FILE = models.load.path("names_gru")
METRICS_FILE = models.load.WEIGHTS / "names_gru.json"

# The 18 countries of the course's data, in a fixed order (the model's output index).
COUNTRIES = (
    "Arabic", "Chinese", "Czech", "Dutch", "English", "French", "German", "Greek", "Irish",
    "Italian", "Japanese", "Korean", "Polish", "Portuguese", "Russian", "Scottish", "Spanish", "Vietnamese",
)  # fmt: skip

# Index 0 is padding; then a-z, the space (also standing for a hyphen) and the apostrophe.
PAD = 0
ALPHABET = "abcdefghijklmnopqrstuvwxyz '"
CHAR_INDEX = {c: i + 1 for i, c in enumerate(ALPHABET)}
VOCAB_SIZE = len(ALPHABET) + 1  # 29
MAX_LEN = 40  # characters after folding; the data's longest surname has 19

# Letters that NFKD does not decompose into an ASCII letter plus marks.
SPECIAL = {
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
    "ı": "i", "ŉ": "'n", "ĸ": "k", "ŋ": "ng", "Ŋ": "NG", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
    "ſ": "s", "ə": "e", "Ə": "E",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "´": "'",  # apostrophes: O’Brien
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",  # dashes
}  # fmt: skip
DROPPED = set(".,")  # punctuation a surname may carry (St. John; "Lytkin," in the data): ignored


def fold(name: str) -> tuple[str, list[str]]:
    """Fold to ASCII: NFKD, strip combining marks, then SPECIAL for letters NFKD keeps whole.

    Returns (ascii text, the characters with no ASCII form, each once, in order), e.g.
    fold("Müller") == ("Muller", []), fold("Łukasz") == ("Lukasz", []), fold("中村") == ("", ["中", "村"]).
    """
    out, bad = [], []
    for ch in unicodedata.normalize("NFC", name):
        ch = SPECIAL.get(ch, ch)
        for part in unicodedata.normalize("NFKD", ch):  # "ü" -> "u" + U+0308; "ﬁ" -> "fi"
            if unicodedata.combining(part):
                continue
            part = SPECIAL.get(part, part)
            if part.isascii():
                out.append(part)
            elif part not in bad:
                bad.append(part)
    return "".join(out), bad


def prepare(name: str) -> tuple[str, list[str]]:
    """The model's input text and the characters it cannot read.

    fold, lower case, hyphens and other white space -> one space, '.' and ',' dropped;
    anything else outside ALPHABET (digits, @, emoji, CJK) is reported."""
    text, bad = fold(name)
    kept = []
    for ch in text.lower():
        if ch == "-" or ch == "_" or ch.isspace():
            kept.append(" ")
        elif ch in CHAR_INDEX:
            kept.append(ch)
        elif ch not in DROPPED and ch not in bad:
            bad.append(ch)
    return " ".join("".join(kept).split()), bad


def encode(text: str) -> list[int]:
    """Prepared text -> token indices (1..28)."""
    return [CHAR_INDEX[c] for c in text]


def make_batch(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest: tokens (B, T) int64 with PAD = 0 after each name, lengths (B,) int64."""
    lengths = torch.tensor([len(s) for s in texts], dtype=torch.long)
    tokens = torch.zeros(len(texts), int(lengths.max()), dtype=torch.long)  # (B, T)
    for i, s in enumerate(texts):
        tokens[i, : len(s)] = torch.tensor(encode(s), dtype=torch.long)
    return tokens, lengths


@dataclass
class NamesGRUConfig:
    vocab_size: int = VOCAB_SIZE
    embed_size: int = 64
    hidden_size: int = 128
    num_layers: int = 2
    dropout: float = 0.4  # between GRU layers and before the linear layer (training only)
    num_classes: int = len(COUNTRIES)
    members: int = 5  # NamesEnsemble: how many NamesGRU, trained from different seeds, vote


class NamesGRU(nn.Module):
    """Lecture 13's RNNClassifier: Embedding -> bidirectional GRU over the packed batch -> Linear
    on [last layer's backward final hidden state, its forward final hidden state]."""

    def __init__(self, config: NamesGRUConfig | None = None):
        super().__init__()
        self.config = c = config or NamesGRUConfig()
        self.embedding = nn.Embedding(c.vocab_size, c.embed_size, padding_idx=PAD)
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
        """tokens (B, T) padded with 0, lengths (B,) >= 1 -> logits (B, num_classes)."""
        x = self.embedding(tokens)  # (B, T, E)
        # Packing makes the GRU stop at each name's last letter: the padding never enters the
        # forward pass, and the backward direction starts at the real last letter.
        # enforce_sorted=False sorts by length inside (the lecture sorts the batch by hand).
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, hidden = self.gru(packed)  # hidden (num_layers * 2, B, H), back in the input order
        hidden_cat = torch.cat([hidden[-1], hidden[-2]], dim=1)  # (B, 2H): backward, forward (as the lecture)
        return self.fc(self.dropout(hidden_cat))  # (B, num_classes)


class NamesEnsemble(nn.Module):
    """``config.members`` lecture classifiers trained from different seeds; the ensemble's
    probability is the mean of theirs (its logits are log of that mean, so softmax gives it back)."""

    def __init__(self, config: NamesGRUConfig | None = None):
        super().__init__()
        self.config = config or NamesGRUConfig()
        self.members = nn.ModuleList(NamesGRU(self.config) for _ in range(self.config.members))

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """tokens (B, T), lengths (B,) -> log of the mean member probability (B, num_classes)."""
        log_p = torch.stack([torch.log_softmax(m(tokens, lengths), dim=1) for m in self.members])  # (K, B, C)
        return torch.logsumexp(log_p, dim=0) - math.log(len(self.members))  # log((1/K) Σ_k p_k)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass
class Predictor:
    """The trained model with what it needs to read names."""

    model: NamesEnsemble
    info: dict = field(repr=False)

    @property
    def metrics(self) -> dict:
        return self.info["metrics"]

    @torch.no_grad()
    def probabilities(self, texts: list[str]) -> torch.Tensor:
        """Prepared, non-empty texts -> softmax probabilities (B, 18)."""
        tokens, lengths = make_batch(texts)
        return torch.softmax(self.model(tokens, lengths), dim=1)


def save(model: NamesEnsemble, info: dict, weights: Path = WEIGHTS_FILE, metrics: Path = METRICS_FILE) -> None:
    """The state dict as safetensors (config in its metadata), and ``info`` (with the config) as JSON."""
    from safetensors.torch import save_file

    info = {**info, "config": asdict(model.config), "countries": list(COUNTRIES), "alphabet": ALPHABET}
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(weights), metadata={"config": json.dumps(info["config"]), "model_class": "NamesEnsemble"})
    metrics.write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@functools.cache
def load() -> Predictor:
    """The trained model (``models.load.load("names_gru")``: eval mode, frozen, shared, so do not train
    or modify it) with the metrics and vocabulary recorded beside it, once per process."""
    info = json.loads(METRICS_FILE.read_text(encoding="utf-8"))
    if tuple(info["countries"]) != COUNTRIES or info["alphabet"] != ALPHABET:
        raise ValueError(f"{METRICS_FILE} was trained with another vocabulary; retrain with models.train_names")
    return Predictor(models.load.load("names_gru"), info)
