"""Load a trained MNIST model from weights/NAME.safetensors (no pickle), once per process."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file

from models.mnist import MODELS

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"


def path(name: str) -> Path:
    return WEIGHTS / f"{name}.safetensors"


def metadata(name: str) -> dict:
    """The JSON metadata stored in the safetensors file: name, model_class, config, train, metrics."""
    with safe_open(str(path(name)), framework="pt") as f:
        raw = f.metadata() or {}
    return {key: json.loads(value) if key in ("config", "train", "metrics") else value for key, value in raw.items()}


@functools.cache
def load(name: str) -> torch.nn.Module:
    """The trained model in eval mode, shared by all callers: do not train or modify it."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS)}")
    config_cls, model_cls = MODELS[name]
    config_dict = metadata(name)["config"]
    config = config_cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in config_dict.items()})
    model = model_cls(config)
    model.load_state_dict(load_file(path(name)))
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
