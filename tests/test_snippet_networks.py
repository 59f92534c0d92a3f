"""The code panels define their networks themselves, as the lectures do; each of those networks is
tied here to the committed weights it stands for: the snippet's own class takes
weights/NAME.safetensors with strict key and shape checks (``load_state_dict(..., strict=True)``)
and then computes what ``models.load.load(NAME)`` computes. A snippet whose network drifts from
models/ (a renamed layer, another kernel size, another order) fails here.

Only each snippet's imports and class definitions run (no training, no files read), so this is quick.
"""

from __future__ import annotations

import ast

import pytest
import torch
from safetensors.torch import load_file

from demos import mnist_data
from demos.classification import softmax
from demos.ui import SNIPPETS
from demos.vision import cnn_training
from models import load
from models import names as names_model
from models import poems as poems_model

# (snippet, its network class, the committed model it is)
MNIST = [
    ("softmax_mnist", "Net", "mlp"),  # lecture 9: l1..l5
    ("cnn_training", "Net", "lecture_cnn"),  # lecture 10
    ("draw_digit", "Net", "lecture_cnn"),
    ("inception", "Net", "inception"),  # lecture 11 (with its InceptionA)
    ("residual", "Net", "residual"),  # lecture 11 (with its ResidualBlock)
]
SEQUENCES = [
    ("names", "RNNClassifier", "names_gru"),
    ("sentiment", "RNNClassifier", "sentiment_gru"),
    ("poems", "PoemLM", "poems_gru"),
]
TIED = {(snippet, cls) for snippet, cls, _ in MNIST + SEQUENCES} | {
    ("inception", "InceptionA"),
    ("residual", "ResidualBlock"),
}
# Networks trained live in their tab, with no committed weights (their own tests follow them).
LIVE_ONLY = {
    ("linear_regression", "LinearModel"),
    ("logistic_regression", "LogisticRegressionModel"),
    ("sigmoids", "ManySigmoids"),
    ("pima", "Model"),
    ("dataloader", "Model"),
    ("titanic", "Model"),
    ("gradient_flow", "Stack"),
    ("rnn_basics", "Model"),
    ("rnn_basics_embedding", "Model"),
    ("rnn_basics_rnn", "Model"),
}
# The tabs that train a snippet's network live: the same class layout, so the same initial weights for a seed.
LIVE_TABS = {
    "softmax_mnist": lambda seed: softmax.make_model(seed),
    "cnn_training": lambda seed: cnn_training.make_model("cnn", seed),
}


def definitions(snippet: str) -> dict:
    """The snippet's imports and classes, executed without the rest of the script."""
    path = SNIPPETS / f"{snippet}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    body = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom | ast.ClassDef)]
    scope = {"__name__": f"snippet_{snippet}", "__file__": str(path)}
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), scope)
    return scope


def layout(model: torch.nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    """Parameter and buffer names with their shapes, in registration order."""
    return [(key, tuple(value.shape)) for key, value in model.state_dict().items()]


def test_every_snippet_network_is_accounted_for():
    """A new network in a code panel must be tied to its weights here, or said to be trained live only."""
    found = set()
    for path in SNIPPETS.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and any(ast.unparse(b).endswith("Module") for b in node.bases):
                found.add((path.stem, node.name))
    assert found == TIED | LIVE_ONLY


@pytest.mark.parametrize("snippet,cls,name", MNIST)
def test_mnist_snippet_network_is_the_committed_model(snippet, cls, name):
    net = definitions(snippet)[cls]()
    model = load.load(name)
    assert layout(net) == layout(model)  # the same names, shapes and order as models/mnist.py
    net.load_state_dict(load_file(load.path(name)), strict=True)
    net.eval()
    x = mnist_data.tensors("test")[0][:32]  # (32, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(net(x), model(x), rtol=0, atol=0)
    assert sum(p.numel() for p in net.parameters()) == load.metadata(name)["metrics"]["parameters"]


@pytest.mark.parametrize("snippet", sorted(LIVE_TABS))
def test_live_tab_starts_from_the_snippets_weights(snippet):
    """torch.manual_seed(seed); Net() in the snippet gives the tab's initial model (models/mnist.py's class)."""
    cls = definitions(snippet)["Net"]
    for seed in (0, 3):
        torch.manual_seed(seed)
        net = cls()
        tab = LIVE_TABS[snippet](seed)
        assert layout(net) == layout(tab)
        for key, value in tab.state_dict().items():
            assert torch.equal(net.state_dict()[key], value), (snippet, seed, key)


def test_names_snippet_network_is_the_committed_model():
    """Each member of the committed ensemble is the snippet's lecture classifier."""
    cls = definitions("names")["RNNClassifier"]
    config = load.metadata("names_gru")["config"]
    state = load_file(load.path("names_gru"))
    ensemble = load.load("names_gru")
    surnames = ["Łukasiewicz", "Dostoevsky", "Nakamura", "O'Brien", "Müller", "Nguyen", "Li"]  # longest first
    tokens, lengths = names_model.make_batch([names_model.prepare(n)[0] for n in surnames])  # (B, T), (B,)
    used = set()
    for k, member in enumerate(ensemble.members):
        net = cls(
            config["vocab_size"],
            config["embed_size"],
            config["hidden_size"],
            config["num_classes"],
            config["num_layers"],
        )
        prefix = f"members.{k}."
        own = {key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)}
        net.load_state_dict(own, strict=True)
        used |= {prefix + key for key in own}
        net.eval()
        with torch.no_grad():  # the snippet: sequence first, sorted by length; models/: batch first, packed unsorted
            torch.testing.assert_close(net(tokens, lengths), member(tokens, lengths), rtol=1e-5, atol=1e-6)
    assert used == set(state)  # every tensor of the file belongs to a member


def test_sentiment_snippet_network_is_the_committed_model():
    """Each member of the committed ensemble is the snippet's lecture classifier."""
    from models import sentiment

    cls = definitions("sentiment")["RNNClassifier"]
    config = load.metadata("sentiment_gru")["config"]
    state = {k: v.float() for k, v in load_file(load.path("sentiment_gru")).items()}  # float16 on disk
    ensemble = load.load("sentiment_gru")
    vocab = sentiment.load().vocab
    reviews = ["A gorgeous, witty, seductive movie.", "Too long, too loud.", "Not bad at all!"]
    tokens, lengths = sentiment.make_batch([vocab.ids(sentiment.tokenize(r)) for r in reviews])  # (B, T), (B,)
    used = set()
    for k, member in enumerate(ensemble.members):
        net = cls(config["vocab_size"], config["embed_size"], config["hidden_size"])
        prefix = f"members.{k}."
        own = {key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)}
        net.load_state_dict(own, strict=True)
        used |= {prefix + key for key in own}
        net.eval()
        with torch.no_grad():
            torch.testing.assert_close(net(tokens, lengths), member(tokens, lengths), rtol=1e-5, atol=1e-6)
    assert used == set(state)  # every tensor of the file belongs to a member


def test_poems_snippet_network_is_the_committed_model():
    cls = definitions("poems")["PoemLM"]
    net = cls(**load.metadata("poems_gru")["config"])
    net.load_state_dict({k: v.float() for k, v in load_file(load.path("poems_gru")).items()}, strict=True)  # float16
    net.eval()
    model = load.load("poems_gru")
    assert layout(net) == layout(model)
    _, vocab = poems_model.load()
    ids = torch.tensor([vocab.encode("5x4", "白日依山尽黄河入海流欲穷千里目更上一层楼")])  # (1, T)
    with torch.no_grad():
        # the app's F.linear and the snippet's "y @ W.T + b" round apart (2e-6) on some CPUs
        torch.testing.assert_close(net(ids)[0], model(ids)[0], rtol=1e-5, atol=1e-5)
