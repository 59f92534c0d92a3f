"""The one loader of trained models: weights/NAME.safetensors (no pickle), once per process.

Every committed model loads here: the MNIST models of models/mnist.py (``mlp``, ``lecture_cnn``,
...), the surname classifier ``names_gru`` (models/names.py), the poem model ``poems_gru``
(models/poems.py) and the movie-review sentiment GRU ``sentiment_gru`` with its bag-of-words
baseline ``sentiment_bow`` (models/sentiment.py). The config comes from the file's metadata,
float16 tensors are read as float32, and the model is returned in eval mode with gradients off.

Importing this module needs no torch (the app names ``WEIGHTS`` at start-up without it).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"  # the one name of the weights folder

# The sequence models, beside models.mnist.MODELS: name -> (module, config class, model class).
SEQUENCE_MODELS = {
    "names_gru": ("models.names", "NamesGRUConfig", "NamesEnsemble"),
    "poems_gru": ("models.poems", "PoemConfig", "PoemLM"),
    "sentiment_gru": ("models.sentiment", "SentimentConfig", "SentimentEnsemble"),
    "sentiment_bow": ("models.sentiment", "BagOfWordsConfig", "BagOfWords"),
}


def path(name: str) -> Path:
    return WEIGHTS / f"{name}.safetensors"


def metadata(name: str | Path) -> dict:
    """The JSON metadata stored in a safetensors file (a model name or a path): config, and for the
    MNIST models name, model_class, train and metrics."""
    from safetensors import safe_open

    file = name if isinstance(name, Path) else path(name)
    with safe_open(str(file), framework="pt") as f:
        raw = f.metadata() or {}
    return {key: json.loads(value) if key in ("config", "train", "metrics") else value for key, value in raw.items()}


def available() -> list[str]:
    """Every model name ``load`` knows."""
    from models.mnist import MODELS

    return sorted([*MODELS, *SEQUENCE_MODELS])


def classes(name: str) -> tuple[type, type]:
    """(config class, model class) of a model name."""
    import importlib

    from models.mnist import MODELS

    if name in MODELS:
        return MODELS[name]
    if name in SEQUENCE_MODELS:
        module, config_cls, model_cls = SEQUENCE_MODELS[name]
        module = importlib.import_module(module)
        return getattr(module, config_cls), getattr(module, model_cls)
    raise ValueError(f"unknown model {name!r}; choose from {available()}")


def from_file(file: Path, config_cls: type, model_cls: type) -> nn.Module:
    """A model from any safetensors file: its config from the metadata, its tensors (float16 read as
    float32) with strict key and shape checks; eval mode, gradients off."""
    from safetensors.torch import load_file

    config_dict = metadata(Path(file))["config"]
    config = config_cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in config_dict.items()})
    model = model_cls(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(file)).items()}
    model.load_state_dict(state)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


@functools.cache
def load(name: str) -> nn.Module:
    """The trained model in eval mode, shared by all callers: do not train or modify it."""
    config_cls, model_cls = classes(name)
    return from_file(path(name), config_cls, model_cls)
