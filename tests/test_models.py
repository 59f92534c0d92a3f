"""The MNIST models package: shapes, sizes, and the committed weights (models/, weights/).

Needs only the committed weights and tests/data/mnist_test_sample.npz, not the full MNIST."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from models import data, load
from models.mnist import MODELS, BestCNN, InceptionA, InceptionNet, ResidualBlock, count_parameters

SAMPLE = Path(__file__).resolve().parent / "data" / "mnist_test_sample.npz"
TRAINED = sorted(name for name in MODELS if load.path(name).exists())
EXPECTED_PARAMETERS = {
    "mlp": 575_050,
    "lecture_cnn": 8_490,
    "homework_cnn": 106_058,
    "inception": 97_298,
    "residual": 41_514,
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_output_shape(name):
    config_cls, model_cls = MODELS[name]
    model = model_cls(config_cls()).eval()
    with torch.no_grad():
        out = model(torch.randn(3, 1, 28, 28))
    assert out.shape == (3, 10)


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMETERS))
def test_parameter_counts(name):
    config_cls, model_cls = MODELS[name]
    assert count_parameters(model_cls(config_cls())) == EXPECTED_PARAMETERS[name]


def test_best_cnn_is_small():
    assert count_parameters(BestCNN()) <= 100_000


def test_inception_block_has_88_channels():
    block = InceptionA(10)
    assert block(torch.randn(2, 10, 12, 12)).shape == (2, 88, 12, 12)
    assert InceptionA.out_channels == 88
    assert InceptionNet().fc.in_features == 1408


def test_residual_block_keeps_shape():
    assert ResidualBlock(16)(torch.randn(2, 16, 12, 12)).shape == (2, 16, 12, 12)


def test_required_weights_present_and_small():
    for name in ("lecture_cnn", "best_cnn"):
        assert name in TRAINED
    for name in TRAINED:
        assert load.path(name).stat().st_size < 10_000_000
        assert load.path(name).with_suffix(".json").stat().st_size < 20_000


@pytest.mark.parametrize("name", TRAINED)
def test_metadata_and_no_pickle(name):
    state = load_file(load.path(name))  # plain safetensors: no pickle involved
    config_cls, model_cls = MODELS[name]
    assert set(state) == set(model_cls(config_cls()).state_dict())
    with safe_open(str(load.path(name)), framework="pt") as f:
        raw = f.metadata()
    for key in ("config", "train", "metrics", "name", "model_class"):
        assert key in raw
    meta = load.metadata(name)
    assert meta["name"] == name and meta["model_class"] == model_cls.__name__
    metrics = meta["metrics"]
    assert metrics["test_total"] == 10_000
    assert metrics["parameters"] == count_parameters(model_cls(config_cls()))
    sidecar = json.loads(load.path(name).with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["metrics"] == metrics and sidecar["config"] == meta["config"]


def test_recorded_accuracy_targets():
    assert load.metadata("lecture_cnn")["metrics"]["test_accuracy"] >= 0.99
    best = load.metadata("best_cnn")["metrics"]
    assert best["parameters"] <= 100_000
    assert best["test_accuracy"] >= 0.995


def test_sample_is_small_and_pickle_free():
    assert SAMPLE.stat().st_size < 200_000
    with np.load(SAMPLE, allow_pickle=False) as f:
        x, y, index = f["x"], f["y"], f["index"]
    assert x.shape == (500, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == [50] * 10
    assert np.all(np.diff(index) > 0) and index[-1] < 10_000


@pytest.mark.parametrize("name", TRAINED)
def test_load_reproduces_recorded_accuracy(name):
    model = load.load(name)
    assert load.load(name) is model  # cached: loaded once
    assert not model.training
    with np.load(SAMPLE, allow_pickle=False) as f:
        x, y = torch.from_numpy(f["x"]), torch.from_numpy(f["y"]).long()
    with torch.no_grad():
        predictions = model(data.normalise(x)).argmax(dim=1)
    sample_accuracy = (predictions == y).float().mean().item()
    recorded = load.metadata(name)["metrics"]["test_accuracy"]
    assert sample_accuracy >= recorded - 0.015, (name, sample_accuracy, recorded)


def test_random_affine_identity_and_range():
    x = torch.rand(4, 1, 28, 28)
    same = data.random_affine(x, degrees=0, translate=0, scale=(1, 1))
    assert torch.allclose(same, x, atol=1e-4)
    moved = data.random_affine(x, generator=torch.Generator().manual_seed(0))
    assert moved.shape == x.shape and moved.min() >= 0 and moved.max() <= 1 + 1e-6
