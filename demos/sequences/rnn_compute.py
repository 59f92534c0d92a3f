"""Pure computation for lecture 12 (RNN basics): the character vocabulary of a
source/target pair, the five models (RNNCell stepped by hand, nn.RNN,
embedding + RNN + linear, nn.LSTM, nn.GRU), their epoch-by-epoch training, and
the tensor shapes of RNNCell / RNN / LSTM / GRU obtained by running them.

No UI here: the tab is demos/sequences/rnn_basics.py. torch is imported lazily.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from demos import ui
from demos.i18n import register

register(
    {
        "rnn_err_text": ("源字符串和目标字符串必须是文本。", "The source and target must be text."),
        "rnn_err_empty": (
            "源字符串和目标字符串都不能为空（例如 hello → ohlol）。",
            "The source and target must not be empty (for example hello → ohlol).",
        ),
        "rnn_err_length": (
            "源字符串和目标字符串必须一样长：每个时间步输入一个字符、输出一个字符。现在源有 {n} 个字符，目标有 {m} 个。",
            "The source and target must have the same length: one character in and one out at every time step. "
            "The source has {n} characters, the target {m}.",
        ),
        "rnn_err_long": (
            "字符串最多 {max} 个字符，收到 {n} 个。",
            "The strings may hold at most {max} characters; got {n}.",
        ),
        "rnn_err_vocab": (
            "两个字符串合起来最多 {max} 种不同的字符，收到 {n} 种。",
            "The two strings together may use at most {max} distinct characters; got {n}.",
        ),
        "rnn_err_cell": ("模型必须是 {choices} 之一，收到 {value}。", "cell must be one of {choices}; got {value}."),
    }
)

CELLS = ("rnncell", "rnn", "embedding", "lstm", "gru")
MAX_LEN = 40  # characters per string: 40 time steps keep an epoch in milliseconds
MAX_VOCAB = 30  # distinct characters: the softmax heatmap stays readable
EMBED_SIZE = 10  # the lecture's embedding_size
HIDDEN_RANGE = (1, 64)
LAYER_RANGE = (1, 4)
LR_RANGE = (0.0001, 1.0)
EPOCH_RANGE = (1, 200)
SEED_RANGE = (0, 2**31 - 1)

# The lecture's example: idx2char = ['e', 'h', 'l', 'o'], x = [1, 0, 2, 2, 3], y = [3, 1, 2, 3, 2].
LECTURE_SOURCE, LECTURE_TARGET = "hello", "ohlol"

# Defaults per cell. With a Linear layer on 16 hidden units and Adam lr 0.1, every seed 0..49 learns
# hello -> ohlol within 15 epochs for rnncell, rnn, lstm and gru (tests/test_rnn_basics.py). The lecture's
# own RNNCell / RNN versions (no Linear layer: hidden size = 4 characters) manage it for 37 of 50 seeds.
# The embedding version is the lecture's: Embedding(4, 10) -> RNN(10, 8, 2 layers) -> Linear(8, 4), lr 0.05.
DEFAULTS = {
    "rnncell": {"hidden": 16, "layers": 1, "lr": 0.1, "linear": True},
    "rnn": {"hidden": 16, "layers": 1, "lr": 0.1, "linear": True},
    "embedding": {"hidden": 8, "layers": 2, "lr": 0.05, "linear": True},
    "lstm": {"hidden": 16, "layers": 1, "lr": 0.1, "linear": True},
    "gru": {"hidden": 16, "layers": 1, "lr": 0.1, "linear": True},
}
DEFAULT_EPOCHS = 15
DEFAULT_SEED = 0


# ---- the vocabulary ------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A checked source/target pair: vocab is idx2char, x and y the character indices."""

    source: str
    target: str
    vocab: tuple[str, ...]
    x: tuple[int, ...]
    y: tuple[int, ...]


def make_pair(source, target, lang: str | None = None) -> Pair:
    """The vocabulary is the sorted set of the characters of source + target (for hello/ohlol: e h l o)."""
    if not isinstance(source, str) or not isinstance(target, str):
        raise ui.user_error("rnn_err_text", lang)
    if not source or not target:
        raise ui.user_error("rnn_err_empty", lang)
    if len(source) != len(target):
        raise ui.user_error("rnn_err_length", lang, n=len(source), m=len(target))
    if len(source) > MAX_LEN:
        raise ui.user_error("rnn_err_long", lang, max=MAX_LEN, n=len(source))
    vocab = tuple(sorted(set(source + target)))
    if len(vocab) > MAX_VOCAB:
        raise ui.user_error("rnn_err_vocab", lang, max=MAX_VOCAB, n=len(vocab))
    index = {c: i for i, c in enumerate(vocab)}
    return Pair(source, target, vocab, tuple(index[c] for c in source), tuple(index[c] for c in target))


def show_char(c: str) -> str:
    """A character as a label: a space is ␣, other invisible characters are escaped."""
    if c == " ":
        return "␣"
    return c if c.isprintable() else c.encode("unicode_escape").decode("ascii")


# ---- the models ----------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    cell: str  # one of CELLS
    vocab_size: int  # V: one-hot input size and number of output classes
    hidden: int  # hidden_size asked for; without a Linear layer the hidden state is the scores, so V is used
    layers: int  # num_layers (RNNCell: always one step of one layer)
    linear: bool  # a Linear(hidden, V) output layer (always for "embedding")

    @property
    def hidden_size(self) -> int:
        return self.hidden if self.has_linear else self.vocab_size

    @property
    def num_layers(self) -> int:
        return 1 if self.cell == "rnncell" else self.layers

    @property
    def has_linear(self) -> bool:
        return self.linear or self.cell == "embedding"


def make_config(cell, vocab_size: int, hidden, layers, linear, lang: str | None = None) -> Config:
    if cell not in CELLS:
        raise ui.user_error("rnn_err_cell", lang, choices=", ".join(CELLS), value=cell)
    hidden = ui.integer(hidden, "hidden_size", *HIDDEN_RANGE, lang)
    layers = ui.integer(layers, "num_layers", *LAYER_RANGE, lang)
    return Config(cell, vocab_size, hidden, layers, bool(linear))


def init_like_pytorch(model, generator) -> None:
    """Each submodule's default reset_parameters(), in construction order, drawing from ``generator``.

    The same numbers as torch.manual_seed(seed) followed by building the modules normally (as the
    snippets do), without touching torch's global generator that other users' requests share.
    """
    torch = ui.torch_ready()
    nn, init = torch.nn, torch.nn.init
    for m in model.children():
        if isinstance(m, nn.Embedding):  # N(0, 1)
            init.normal_(m.weight, generator=generator)
        elif isinstance(m, nn.RNNBase | nn.RNNCellBase):  # every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))
            stdv = 1.0 / math.sqrt(m.hidden_size)
            for p in m.parameters():
                init.uniform_(p, -stdv, stdv, generator=generator)
        elif isinstance(m, nn.Linear):  # U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both
            init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
            bound = 1.0 / math.sqrt(m.in_features)
            init.uniform_(m.bias, -bound, bound, generator=generator)
        else:  # pragma: no cover - every submodule above is handled
            raise TypeError(f"no initialiser for {type(m).__name__}")


@functools.cache
def model_class():
    """CharRNN, defined on first use so that importing this module needs no torch."""
    torch = ui.torch_ready()
    nn, F = torch.nn, torch.nn.functional

    class CharRNN(nn.Module):
        """Characters -> one-hot (or Embedding) -> recurrent layers -> (Linear) -> scores over the V characters."""

        def __init__(self, cfg: Config, seed: int):
            super().__init__()
            self.cfg = cfg
            V, H, L = cfg.vocab_size, cfg.hidden_size, cfg.num_layers
            meta = {"device": "meta"}  # allocated below and initialised from our own generator
            if cfg.cell == "embedding":
                self.emb = nn.Embedding(V, EMBED_SIZE, **meta)
                self.rnn = nn.RNN(EMBED_SIZE, H, L, batch_first=True, **meta)
            elif cfg.cell == "rnncell":
                self.rnn = nn.RNNCell(V, H, **meta)
            else:
                self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cfg.cell](V, H, L, **meta)
            self.fc = nn.Linear(H, V, **meta) if cfg.has_linear else None
            self.to_empty(device="cpu")
            init_like_pytorch(self, torch.Generator().manual_seed(seed))

        def forward(self, x):
            """x: (seq,) character indices. Returns (scores, hidden): for "rnncell" a list of seq
            (1, V) score tensors, one per step as in the lecture; otherwise (seq, V). hidden is the
            last layer's hidden state h_t at every step, (seq, H)."""
            cfg = self.cfg
            V, H, L = cfg.vocab_size, cfg.hidden_size, cfg.num_layers
            if cfg.cell == "embedding":
                h0 = torch.zeros(L, 1, H)  # (num_layers, batch, hidden)
                out, _ = self.rnn(self.emb(x.view(1, -1)), h0)  # (1, seq) -> (1, seq, 10) -> (1, seq, H)
                out = out.view(-1, H)  # (seq, H)
                return self.fc(out), out
            inputs = F.one_hot(x, V).float().view(-1, 1, V)  # (seq, batch=1, V): one-hot characters
            if cfg.cell == "rnncell":
                hidden, steps, states = torch.zeros(1, H), [], []  # hidden: (batch, hidden)
                for x_t in inputs:  # x_t: (batch, input) = (1, V)
                    hidden = self.rnn(x_t, hidden)
                    states.append(hidden)
                    steps.append(self.fc(hidden) if self.fc is not None else hidden)  # (1, V)
                return steps, torch.cat(states)
            h0 = torch.zeros(L, 1, H)  # (num_layers, batch, hidden)
            out, _ = self.rnn(inputs, (h0, torch.zeros_like(h0)) if cfg.cell == "lstm" else h0)  # (seq, 1, H)
            out = out.view(-1, H)  # (seq * batch, H)
            return (self.fc(out) if self.fc is not None else out), out

    return CharRNN


def build_model(cfg: Config, seed: int):
    """The model, initialised as torch.manual_seed(seed) then building it the lecture's way would."""
    return model_class()(cfg, seed)


# ---- training ------------------------------------------------------------------------


def train(pair: Pair, cfg: Config, lr: float, epochs: int, seed: int) -> Iterator[dict]:
    """Adam on CrossEntropyLoss, one epoch = one forward/backward over the whole string.

    Yields per epoch {"epoch", "loss", "pred" (the predicted string), "hidden" (seq x H), "probs" (seq x V)}
    from that epoch's forward pass, before its update: what the lecture prints as "Predicted string".
    The RNNCell version sums the per-step losses (loss += criterion(hidden, label)), the others take
    CrossEntropyLoss's mean over the seq steps, as the lecture does. A non-finite loss yields
    {"epoch", "loss", "diverged": True} and ends the run.
    """
    torch = ui.torch_ready()
    model = build_model(cfg, seed)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    inputs, labels = torch.tensor(pair.x), torch.tensor(pair.y)  # (seq,) int64 each
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        scores, hidden = model(inputs)
        if cfg.cell == "rnncell":
            loss = 0
            for step, label in zip(scores, labels.view(-1, 1)):  # step: (1, V), label: (1,)
                loss += criterion(step, label)
            scores = torch.cat(scores)  # (seq, V)
        else:
            loss = criterion(scores, labels)  # scores (seq, V), labels (seq,)
        value = loss.item()
        if not math.isfinite(value):
            yield {"epoch": epoch, "loss": value, "diverged": True}
            return
        loss.backward()
        optimizer.step()
        # Never yield inside torch.no_grad(): grad mode is per thread, and the server may resume this
        # generator on another thread, leaving gradients switched off where it paused.
        with torch.no_grad():
            idx = scores.argmax(dim=1).tolist()
            probs = torch.softmax(scores, dim=1).tolist()
        yield {
            "epoch": epoch,
            "loss": value,
            "pred": "".join(pair.vocab[i] for i in idx),
            "hidden": hidden.detach().tolist(),
            "probs": probs,
        }


def history(pair: Pair, cfg: Config, lr: float, epochs: int, seed: int) -> dict:
    """The whole run at once: {"predictions": [...], "loss": [...], "diverged": bool}."""
    out = {"predictions": [], "loss": [], "diverged": False}
    for ev in train(pair, cfg, lr, epochs, seed):
        if ev.get("diverged"):
            out["diverged"] = True
        else:
            out["predictions"].append(ev["pred"])
            out["loss"].append(ev["loss"])
    return out


def first_learned(predictions: list[str], target: str) -> int | None:
    """The 1-based epoch whose predicted string first equals the target, or None."""
    return next((i for i, p in enumerate(predictions, 1) if p == target), None)


# ---- the tensor shapes -----------------------------------------------------------------

SHAPE_LIMITS = {"seq_len": (1, 30), "batch": (1, 16), "input_size": (1, 64), "hidden": (1, 64), "layers": (1, 4)}
GATES = {"RNNCell": 1, "RNN": 1, "LSTM": 4, "GRU": 3}  # weight_ih is (gates * hidden, input)


def param_count(module: str, input_size: int, hidden: int, layers: int, bidirectional: bool) -> int:
    """Per direction and layer: gates*H*(in + H) weights and 2*gates*H biases; layer k > 0 reads D*H inputs."""
    g, d = GATES[module], 2 if bidirectional else 1
    if module == "RNNCell":
        return g * hidden * (input_size + hidden + 2)
    first = g * hidden * (input_size + hidden + 2)
    later = g * hidden * (d * hidden + hidden + 2)
    return d * (first + (layers - 1) * later)


def shape_row(module: str, tensor: str, formula: str, expected, actual) -> dict:
    """One row of ``shape_rows``; both shapes as tuples."""
    return {
        "module": module,
        "tensor": tensor,
        "formula": formula,
        "expected": tuple(expected),
        "actual": tuple(actual),
    }


def cell_shape_rows(batch: int, input_size: int, hidden: int) -> list[dict]:
    """RNNCell run once on zeros: one time step of one layer, so no seq_len, layers or directions."""
    torch = ui.torch_ready()
    cell = torch.nn.RNNCell(input_size, hidden)
    x, h = torch.zeros(batch, input_size), torch.zeros(batch, hidden)
    h1 = cell(x, h)
    n = sum(p.numel() for p in cell.parameters())
    return [
        shape_row("RNNCell", "input", "(batch, input_size)", (batch, input_size), x.shape),
        shape_row("RNNCell", "hidden", "(batch, hidden_size)", (batch, hidden), h.shape),
        shape_row("RNNCell", "hidden = cell(input, hidden)", "(batch, hidden_size)", (batch, hidden), h1.shape),
        shape_row(
            "RNNCell", "parameters", "H·(I + H + 2)", (param_count("RNNCell", input_size, hidden, 1, False),), (n,)
        ),
    ]


def sequence_layouts(seq_len: int, batch: int, input_size: int, hidden: int, layers: int, d: int, batch_first: bool):
    """(formula, shape) of RNN / LSTM / GRU's input, output and hidden states (h0, c0, h_n, c_n)."""
    if batch_first:
        x = "(batch, seq_len, input_size)", (batch, seq_len, input_size)
        out = "(batch, seq_len, D·hidden_size)", (batch, seq_len, d * hidden)
    else:
        x = "(seq_len, batch, input_size)", (seq_len, batch, input_size)
        out = "(seq_len, batch, D·hidden_size)", (seq_len, batch, d * hidden)
    h = "(D·num_layers, batch, hidden_size)", (d * layers, batch, hidden)  # batch_first ignored
    return x, out, h


def sequence_shape_rows(name: str, m, layouts) -> list[dict]:
    """Module ``m`` (RNN, LSTM or GRU) run on zeros: its input, h0 (and c0), output, h_n (and c_n)."""
    torch = ui.torch_ready()
    (x_formula, x_shape), (out_formula, out_shape), (h_formula, h_shape) = layouts
    x, h0 = torch.zeros(*x_shape), torch.zeros(*h_shape)
    rows = [shape_row(name, "input", x_formula, x_shape, x.shape), shape_row(name, "h0", h_formula, h_shape, h0.shape)]
    if name == "LSTM":
        c0 = torch.zeros(*h_shape)
        out, (hn, cn) = m(x, (h0, c0))
        rows.append(shape_row(name, "c0", h_formula, h_shape, c0.shape))
    else:
        out, hn = m(x, h0)
    rows.append(shape_row(name, "output", out_formula, out_shape, out.shape))
    rows.append(shape_row(name, "h_n", h_formula, h_shape, hn.shape))
    if name == "LSTM":
        rows.append(shape_row(name, "c_n", h_formula, h_shape, cn.shape))
    return rows


def shape_rows(
    seq_len: int, batch: int, input_size: int, hidden: int, layers: int, bidirectional: bool, batch_first: bool
) -> list[dict]:
    """Each tensor of RNNCell, RNN, LSTM and GRU: the formula, the shape it gives, and the shape PyTorch
    returns when the module really runs on zeros of those sizes (plus each module's parameter count).

    Rows: {"module", "tensor", "formula", "expected" (tuple), "actual" (tuple)}.
    """
    torch = ui.torch_ready()
    nn = torch.nn
    d = 2 if bidirectional else 1
    layouts = sequence_layouts(seq_len, batch, input_size, hidden, layers, d, batch_first)
    with torch.no_grad():
        rows = cell_shape_rows(batch, input_size, hidden)
        for name, cls in (("RNN", nn.RNN), ("LSTM", nn.LSTM), ("GRU", nn.GRU)):
            m = cls(input_size, hidden, layers, batch_first=batch_first, bidirectional=bidirectional)
            rows += sequence_shape_rows(name, m, layouts)
            g = {"RNN": "", "LSTM": "4·", "GRU": "3·"}[name]
            formula = f"D·{g}H·(I + H + 2) + (L − 1)·D·{g}H·(D·H + H + 2)"
            expected = param_count(name, input_size, hidden, layers, bidirectional)
            rows.append(shape_row(name, "parameters", formula, (expected,), (sum(p.numel() for p in m.parameters()),)))
    return rows
