"""The MNIST subset the app trains on (data/mnist_subset.npz, see data/mnist_subset.md):
6,000 training and 1,000 test digits, balanced, loaded once on first use.

The lecture's transform is ToTensor() (pixel/255) then Normalize((0.1307,), (0.3081,));
``arrays``/``tensors`` give exactly that, shaped (N, 1, 28, 28) like a DataLoader batch.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from demos import ui

PATH = Path(__file__).resolve().parents[1] / "data" / "mnist_subset.npz"
MEAN, STD = 0.1307, 0.3081  # of the full MNIST training set, as in transforms.Normalize
SPLITS = ("train", "test")


@functools.cache
def raw() -> dict[str, np.ndarray]:
    """The stored arrays, read-only: x_train (6000, 28, 28) uint8, y_train (6000,) uint8, x_test, y_test, ..."""
    with np.load(PATH, allow_pickle=False) as f:
        out = {key: f[key] for key in f.files}
    for a in out.values():
        a.setflags(write=False)
    return out


def normalise(images: np.ndarray) -> np.ndarray:
    """uint8 (..., 28, 28) -> float32 (x/255 - 0.1307) / 0.3081, as ToTensor + Normalize."""
    return ((images.astype(np.float32) / 255.0 - MEAN) / STD).astype(np.float32)


@functools.cache
def arrays(split: str) -> tuple[np.ndarray, np.ndarray]:
    """(x float32 (N, 1, 28, 28) normalised, y int64 (N,)), read-only."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    data = raw()
    x = normalise(data[f"x_{split}"])[:, None]  # (N, 1, 28, 28)
    y = data[f"y_{split}"].astype(np.int64)
    for a in (x, y):
        a.setflags(write=False)
    return x, y


@functools.cache
def tensors(split: str):
    """(x float32 (N, 1, 28, 28), y int64 (N,)) as torch tensors. Shared by every user: do not modify."""
    torch = ui.torch_ready()
    x, y = arrays(split)
    return torch.tensor(x), torch.tensor(y)  # copies: torch wants writable memory


def images(split: str) -> np.ndarray:
    """The raw uint8 digits (N, 28, 28), 0 = background, 255 = ink, for display."""
    return raw()[f"x_{split}"]
