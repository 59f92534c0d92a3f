"""Lecture 13's Tang poem generator: a character-level language model
(Embedding -> GRU -> Linear) and form-constrained decoding.

A poem of form "5x4" (五言绝句) is the token sequence
    <5x4> c c c c c ， c c c c c 。 c c c c c ， c c c c c 。 <eos>
one start token per form (so the model knows the form from the first step),
the characters of each line, then "，" after odd and "。" after even lines.

Decoding walks this fixed layout: at a punctuation slot the punctuation is
forced; at a character slot every non-character token (specials, ，。) is
masked to -inf, so a generated poem always has exactly the chosen number of
lines and characters per line. Start characters and acrostic heads are forced
too. The remaining slots are filled by greedy argmax or by roulette-wheel
sampling (torch.multinomial) from softmax(logits / T), optionally truncated to
the top k, with a seeded torch.Generator.

Weights: weights/poems_gru.safetensors (float16 tensors, loaded as float32;
config and metrics as JSON in the metadata), vocabulary in
weights/poems_vocab.json. Built by ``python -m models.train_poems``.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch

import models.load
from models import meter as M
from models import meter_decoding as MD

WEIGHTS_FILE = models.load.path("poems_gru")
VOCAB_FILE = models.load.WEIGHTS / "poems_vocab.json"
METRICS_FILE = models.load.WEIGHTS / "poems_gru.json"
HELDOUT_SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "poems_heldout_sample.txt"

# form -> (characters per line, lines)
FORMS: dict[str, tuple[int, int]] = {"5x4": (5, 4), "7x4": (7, 4), "5x8": (5, 8), "7x8": (7, 8)}
PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
COMMA, PERIOD = "，", "。"
SPECIALS = (PAD, UNK, EOS, *(f"<{f}>" for f in FORMS), COMMA, PERIOD)  # ids 0..8; characters follow
# Punctuation the user may type in an opening; it is dropped (the form fixes where ，and 。 go).
IGNORED_INPUT = set(" \t\r\n\u3000，。,.、；;：:！!？?·“”\"'‘’《》「」『』（）()")


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def punct_after(line: int) -> str:
    """The punctuation after 0-based line ``line``: ，after the first line of a couplet, 。after the second."""
    return COMMA if line % 2 == 0 else PERIOD


class PoemError(ValueError):
    """Bad generation input; ``key`` names the message, ``fmt`` its fields (for the UI's languages)."""

    def __init__(self, key: str, message: str, **fmt):
        super().__init__(message)
        self.key, self.fmt = key, fmt


class OutOfVocabulary(PoemError):
    def __init__(self, chars: list[str]):
        shown = "".join(chars)
        super().__init__("oov", f"characters not in the model's vocabulary: {shown}", chars=shown)
        self.chars = chars


class Vocab:
    """Tokens <-> ids. ``t2s`` maps traditional characters (seen in the corpus, not in the
    vocabulary) to their simplified form in the vocabulary, so that user input like 風 works."""

    def __init__(self, itos: list[str], t2s: dict[str, str] | None = None):
        if tuple(itos[: len(SPECIALS)]) != SPECIALS:
            raise ValueError("the vocabulary must start with the special tokens")
        self.itos = list(itos)
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        self.t2s = dict(t2s or {})
        self.pad, self.unk, self.eos = self.stoi[PAD], self.stoi[UNK], self.stoi[EOS]
        self.comma, self.period = self.stoi[COMMA], self.stoi[PERIOD]
        self.first_char = len(SPECIALS)  # ids >= first_char are Chinese characters

    def __len__(self) -> int:
        return len(self.itos)

    def bos(self, form: str) -> int:
        return self.stoi[f"<{form}>"]

    def id(self, ch: str) -> int:
        return self.stoi.get(ch, self.unk)

    def encode(self, form: str, chars: str) -> list[int]:
        """<form> + each line's characters and its punctuation + <eos>; unknown characters -> <unk>."""
        width, lines = FORMS[form]
        if len(chars) != width * lines:
            raise ValueError(f"a {form} poem has {width * lines} characters, got {len(chars)}")
        ids = [self.bos(form)]
        for line in range(lines):
            ids += [self.id(c) for c in chars[line * width : (line + 1) * width]]
            ids.append(self.stoi[punct_after(line)])
        return ids + [self.eos]

    def normalise(self, text: str) -> str:
        """User text -> characters: drop spaces and punctuation, map known traditional characters."""
        return "".join(self.t2s.get(c, c) for c in str(text) if c not in IGNORED_INPUT)

    def check(self, chars: str) -> None:
        """Raise OutOfVocabulary naming every character the model cannot write."""
        bad = [c for c in dict.fromkeys(chars) if self.stoi.get(c, 0) < self.first_char]
        if bad:
            raise OutOfVocabulary(bad)

    def to_json(self) -> dict:
        return {"itos": self.itos, "t2s": self.t2s}

    @classmethod
    def from_json(cls, data: dict) -> Vocab:
        return cls(data["itos"], data.get("t2s"))


@dataclass
class PoemConfig:
    vocab_size: int
    embed_dim: int = 128
    hidden_size: int = 256
    num_layers: int = 2
    dropout: float = 0.1
    tied: bool = False  # the output layer reuses the embedding matrix (embed_dim == hidden_size)


class PoemLM(torch.nn.Module):
    """Embedding -> GRU -> Linear: at every step, logits over the vocabulary for the next token.

    Tied (Press & Wolf 2017): logits = y @ E^T + b with E the (V, H) embedding matrix, so the output
    layer has only its bias of its own; a character's input vector is also its output vector."""

    def __init__(self, config: PoemConfig):
        super().__init__()
        self.config = config
        self.embed = torch.nn.Embedding(config.vocab_size, config.embed_dim)
        self.rnn = torch.nn.GRU(
            config.embed_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        self.drop = torch.nn.Dropout(config.dropout)
        if config.tied:
            if config.embed_dim != config.hidden_size:
                raise ValueError("a tied output layer needs embed_dim == hidden_size")
            self.out_bias = torch.nn.Parameter(torch.zeros(config.vocab_size))
            # N(0, 1) rows would give logits of std ~ sqrt(H): start near uniform instead
            torch.nn.init.normal_(self.embed.weight, std=config.hidden_size**-0.5)
        else:
            self.out = torch.nn.Linear(config.hidden_size, config.vocab_size)

    def logits(self, y: torch.Tensor) -> torch.Tensor:
        """(..., H) -> (..., V)"""
        if self.config.tied:
            return torch.nn.functional.linear(y, self.embed.weight, self.out_bias)
        return self.out(y)

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        e = self.drop(self.embed(x))  # (B, T) -> (B, T, E)
        y, h = self.rnn(e, h)  # (B, T, H); h (layers, B, H)
        return self.logits(self.drop(y)), h  # (B, T, V)


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---- loading -------------------------------------------------------------------------


def read_metadata(path: Path = WEIGHTS_FILE) -> dict:
    return models.load.metadata(Path(path))


def read_vocab(vocab_file: Path, config: PoemConfig, weights: Path) -> Vocab:
    """The vocabulary of a vocab JSON, checked against the model's config."""
    vocab = Vocab.from_json(json.loads(vocab_file.read_text(encoding="utf-8")))
    if config.vocab_size != len(vocab):
        raise ValueError(f"{weights.name} expects {config.vocab_size} tokens, the vocabulary has {len(vocab)}")
    return vocab


def load_from(weights: Path, vocab_file: Path) -> tuple[PoemLM, Vocab]:
    """Model (eval mode, float32, frozen) and vocabulary from any safetensors file and its vocab JSON
    (a freshly trained one; the committed model loads through ``load``)."""
    model = models.load.from_file(weights, PoemConfig, PoemLM)  # stored as float16, read as float32
    return model, read_vocab(vocab_file, model.config, weights)


@functools.cache
def load() -> tuple[PoemLM, Vocab]:
    """The committed model (``models.load.load("poems_gru")``, shared: do not modify) and its
    vocabulary, once per process."""
    model = models.load.load("poems_gru")
    return model, read_vocab(VOCAB_FILE, model.config, WEIGHTS_FILE)


def metrics() -> dict:
    """What training recorded: held-out perplexity, corpus sizes, timing (weights/poems_gru.json)."""
    return json.loads(METRICS_FILE.read_text(encoding="utf-8"))


# ---- generation ------------------------------------------------------------------------


def prepare(vocab: Vocab, form: str, start: str = "", acrostic: bool = False) -> tuple[str, str]:
    """Check the request; returns (opening characters, acrostic heads), one of them empty.

    Acrostic: 1 to ``lines`` characters; line i starts with the i-th (lines beyond the
    given characters are free). Opening: at most width x lines characters.
    """
    if form not in FORMS:
        raise PoemError("form", f"unknown form {form!r}; choose from {', '.join(FORMS)}", form=form)
    width, lines = FORMS[form]
    chars = vocab.normalise(start)
    if acrostic and not chars:
        raise PoemError("acrostic_empty", "an acrostic needs at least one character")
    if acrostic and len(chars) > lines:
        raise PoemError(
            "acrostic_long",
            f"{len(chars)} acrostic characters, but a {form} poem has {lines} lines",
            n=len(chars),
            lines=lines,
            form=form,
        )
    if not acrostic and len(chars) > width * lines:
        raise PoemError(
            "start_long",
            f"{len(chars)} opening characters, but a {form} poem has {width * lines}",
            n=len(chars),
            total=width * lines,
            form=form,
        )
    vocab.check(chars)
    return ("", chars) if acrostic else (chars, "")


def forced_chars(form: str, opening: str, heads: str) -> dict[int, str]:
    """{character slot index (0-based, line-major): forced character}."""
    width, _ = FORMS[form]
    forced = {i: c for i, c in enumerate(opening)}
    forced.update({line * width: c for line, c in enumerate(heads)})
    return forced


def sampling_probs(
    logits: torch.Tensor,
    vocab: Vocab,
    temperature: float,
    top_k: int,
    greedy: bool,
    allowed: torch.Tensor | None = None,
) -> torch.Tensor:
    """The distribution one character slot draws from, (V,): only characters allowed (and of those only
    ``allowed``, the meter's mask); greedy -> softmax(logits) (T = 1, argmax is taken); else
    softmax(logits / T) over the top k (0 = all)."""
    z = logits.clone()
    z[: vocab.first_char] = -math.inf  # no special token, no punctuation inside a line
    if allowed is not None:
        z[~allowed] = -math.inf  # the tone pattern and the rhyme (models.meter_decoding)
    if not greedy:
        z = z / temperature
        if 0 < top_k < len(z) - vocab.first_char:
            kth = torch.topk(z, top_k).values[-1]
            z[z < kth] = -math.inf
    return torch.softmax(z, dim=-1)


def choose(probs: torch.Tensor, forced: str | None, greedy: bool, gen: torch.Generator, vocab: Vocab) -> int:
    """The slot's token id: its forced character, else argmax (greedy), else a draw from ``probs``."""
    if forced is not None:
        return vocab.stoi[forced]
    if greedy:
        return int(torch.argmax(probs))
    return int(torch.multinomial(probs, 1, generator=gen))  # roulette wheel: each character gets a slice of width p


def slot_step(logits: torch.Tensor, probs: torch.Tensor, idx: int, candidates: int, forced: bool) -> tuple[dict, float]:
    """One slot's record (top ``candidates`` of ``probs``, the chosen id and its p) and the model's log p(chosen)."""
    top = torch.topk(probs, candidates)
    logp = float(torch.log_softmax(logits, -1)[idx])  # the model's own log p (T = 1, all tokens)
    step = {
        "ids": top.indices.tolist(),
        "probs": top.values.tolist(),
        "chosen": idx,
        "p": float(probs[idx]),
        "p_model": math.exp(logp),
        "forced": forced,
    }
    return step, logp


def meter_mask(
    state: MD.MeterState,
    slot: int,
    logits: torch.Tensor,
    vocab: Vocab,
    chars: torch.Tensor,
    given: bool,
    sampling: tuple,
) -> torch.Tensor:
    """The tokens a slot may take under the meter. At the first rhyme slot the group is picked first, by the
    mass the slot's distribution gives each group. A given character's slot shows what the rule allows
    there (everything, if the rule leaves nothing)."""
    temperature, top_k, greedy, gen = sampling
    mask, eligible = state.allowed(slot, chars)
    if given:
        return mask if bool(mask.any()) else chars
    if eligible and bool(mask.any()):
        state.pick_group(sampling_probs(logits, vocab, temperature, top_k, greedy, mask), eligible, greedy, gen)
        mask, _ = state.allowed(slot, chars)
    if not bool(mask.any()):
        mask = state.relax(slot, chars)
    return mask


@torch.no_grad()
def sample_slots(
    model: PoemLM,
    vocab: Vocab,
    form: str,
    forced: dict[int, str],
    *,
    temperature: float,
    top_k: int,
    greedy: bool,
    seed: int,
    candidates: int,
    state: MD.MeterState | None = None,
) -> tuple[list[str], list[dict], float]:
    """Feed the model one token at a time through the form: (characters, per-slot steps, sum of log p(chosen)).
    With a meter ``state``, each slot draws only from what its rule allows (models.meter_decoding)."""
    width, lines = FORMS[form]
    gen = torch.Generator().manual_seed(int(seed))
    chars_mask = torch.zeros(len(vocab), dtype=torch.bool)
    chars_mask[vocab.first_char :] = True
    x = torch.tensor([[vocab.bos(form)]])  # (1, 1)
    h = None
    chars, steps, logprob = [], [], 0.0
    for line in range(lines):
        for col in range(width + 1):  # the line's characters, then its punctuation
            logits, h = model(x, h)  # (1, 1, V): one token in, the memory h carried along
            if col == width:  # the form fixes the punctuation: no choice, just feed it next
                x = torch.tensor([[vocab.stoi[punct_after(line)]]])
                continue
            logits = logits[0, -1]  # (V,)
            slot = line * width + col
            allowed = None
            if state is not None:
                allowed = meter_mask(
                    state, slot, logits, vocab, chars_mask, slot in forced, (temperature, top_k, greedy, gen)
                )
            probs = sampling_probs(logits, vocab, temperature, top_k, greedy, allowed)
            idx = choose(probs, forced.get(slot), greedy, gen, vocab)
            if state is not None:
                state.commit(slot, idx, slot in forced, vocab.itos[idx])
            step, logp = slot_step(logits, probs, idx, candidates, slot in forced)
            steps.append(step)
            logprob += logp
            chars.append(vocab.itos[idx])
            x = torch.tensor([[idx]])
    return chars, steps, logprob


@torch.no_grad()
def generate(
    form: str = "5x4",
    start: str = "",
    acrostic: bool = False,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
    greedy: bool = False,
    candidates: int = 10,
    model: PoemLM | None = None,
    vocab: Vocab | None = None,
    meter: str = "free",
    pattern: str = "pingqi",
    first_rhymes: bool = False,
) -> dict:
    """One poem of ``form``. Returns {"form", "lines": [str with its ，/。], "chars", "forced": [bool per char],
    "steps": [per character slot: {"ids", "probs" (top ``candidates`` of the distribution it drew from),
    "chosen", "p" (its probability there), "p_model" (under the model at T = 1), "forced"}],
    "logprob": sum of log p(chosen) under the model at T = 1, the settings, and for a meter
    (models.meter_decoding) "grid" (the pattern's marks per line, regulated only), "rhyme_group",
    "conflicts" (given characters that break the rule at their slot) and "relaxed" (slots that backed off)}."""
    if model is None or vocab is None:
        model, vocab = load()
    opening, heads = prepare(vocab, form, start, acrostic)
    if not greedy and not temperature > 0:
        raise PoemError("temperature", "temperature must be positive (or use greedy decoding)")
    width, lines = FORMS[form]
    forced = forced_chars(form, opening, heads)
    state = meter_state(vocab, form, meter, pattern, bool(first_rhymes))
    chars, steps, logprob = sample_slots(
        model,
        vocab,
        form,
        forced,
        temperature=temperature,
        top_k=top_k,
        greedy=greedy,
        seed=seed,
        candidates=candidates,
        state=state,
    )
    text = "".join(chars)
    return {
        "form": form,
        "greedy": greedy,
        "temperature": 1.0 if greedy else temperature,
        "top_k": top_k,
        "seed": int(seed),
        "chars": text,
        "lines": as_lines(form, text),
        "forced": [i in forced for i in range(width * lines)],
        "steps": steps,
        "logprob": logprob,
        **meter_record(form, meter, pattern, bool(first_rhymes), state),
    }


def meter_state(vocab: Vocab, form: str, meter: str, pattern: str, first_rhymes: bool) -> MD.MeterState | None:
    """The decoding state of a meter (None for "free"); PoemError for an unknown meter or pattern."""
    if meter not in MD.METERS:
        raise PoemError("meter", f"unknown meter {meter!r}; choose from {', '.join(MD.METERS)}", meter=meter)
    if pattern not in M.PATTERNS:
        raise PoemError("pattern", f"unknown pattern {pattern!r}; choose from {', '.join(M.PATTERNS)}", pattern=pattern)
    if meter == "free":
        return None
    width, lines = FORMS[form]
    rules = MD.slot_rules(width, lines, meter, pattern, first_rhymes)
    return MD.MeterState(rules, MD.vocab_meter(tuple(vocab.itos), vocab.first_char))


def meter_record(form: str, meter: str, pattern: str, first_rhymes: bool, state: MD.MeterState | None) -> dict:
    """What generate() reports of the meter: the settings, the grid, the rhyme group, conflicts, relaxations."""
    width, lines = FORMS[form]
    return {
        "meter": meter,
        "pattern": pattern,
        "first_rhymes": first_rhymes,
        "grid": M.grid(width, lines, pattern, first_rhymes) if meter == "regulated" else None,
        "rhyme_group": state.group if state else None,
        "conflicts": state.conflicts if state else [],
        "relaxed": state.relaxed if state else [],
    }


def as_lines(form: str, chars: str) -> list[str]:
    """The poem's lines, each with its ，or 。"""
    width, lines = FORMS[form]
    return [chars[i * width : (i + 1) * width] + punct_after(i) for i in range(lines)]


def as_text(poem: dict) -> str:
    return "\n".join(poem["lines"])


@torch.no_grad()
def teacher_forced(form: str, chars: str, model: PoemLM | None = None, vocab: Vocab | None = None) -> torch.Tensor:
    """log-probabilities the model gives at every position of an encoded poem in one pass: (T - 1, V),
    row t predicting token t + 1 (the first row predicts the first character)."""
    if model is None or vocab is None:
        model, vocab = load()
    ids = torch.tensor([vocab.encode(form, chars)])  # (1, T)
    logits, _ = model(ids[:, :-1])  # (1, T - 1, V)
    return torch.log_softmax(logits[0], dim=-1)


def char_rows(form: str) -> list[int]:
    """Rows of ``teacher_forced`` that predict a character (not ，。 or <eos>), in slot order."""
    width, lines = FORMS[form]
    return [line * (width + 1) + col for line in range(lines) for col in range(width)]


# ---- evaluation -------------------------------------------------------------------------


@torch.no_grad()
def perplexity(poems: list[tuple[str, str]], model: PoemLM, vocab: Vocab, batch_size: int = 256) -> dict:
    """Per-character perplexity exp(mean -log p) of (form, characters) poems, over the Chinese-character
    targets (an unknown character counts as the <unk> token), and over all tokens (with ，。<eos>)."""
    nll_char = nll_all = 0.0
    n_char = n_all = n_unk = 0
    by_form: dict[str, list[tuple[str, str]]] = {}
    for form, chars in poems:
        by_form.setdefault(form, []).append(chars)
    for form, group in by_form.items():
        rows = torch.tensor(char_rows(form))
        for i in range(0, len(group), batch_size):
            ids = torch.tensor([vocab.encode(form, c) for c in group[i : i + batch_size]])  # (B, T)
            logits, _ = model(ids[:, :-1])  # (B, T - 1, V)
            nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none")  # (B, T-1)
            nll_all += float(nll.double().sum())
            n_all += nll.numel()
            nll_char += float(nll[:, rows].double().sum())
            n_char += nll[:, rows].numel()
            n_unk += int((ids[:, 1:][:, rows] == vocab.unk).sum())
    return {
        "perplexity_char": math.exp(nll_char / n_char),
        "perplexity_all": math.exp(nll_all / n_all),
        "nll_char": nll_char / n_char,
        "chars": n_char,
        "tokens": n_all,
        "unk_chars": n_unk,
        "poems": len(poems),
    }


def read_sample(path: Path = HELDOUT_SAMPLE) -> list[tuple[str, str]]:
    """The committed held-out poems: lines "form<TAB>poem with ，。"; # starts a comment."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            form, text = line.split("\t")
            out.append((form, "".join(c for c in text if c not in (COMMA, PERIOD))))
    return out
