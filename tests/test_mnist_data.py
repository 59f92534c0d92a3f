"""The committed MNIST subset and its loader (demos/mnist_data.py)."""

import numpy as np
import pytest

from demos import mnist_data


def test_file_is_small_and_pickle_free():
    assert mnist_data.PATH.stat().st_size < 3_000_000
    with np.load(mnist_data.PATH, allow_pickle=False) as f:
        assert set(f.files) == {"x_train", "y_train", "x_test", "y_test", "train_index", "test_index"}


def test_shapes_dtypes_and_balance():
    raw = mnist_data.raw()
    for split, n in (("train", 6000), ("test", 1000)):
        x, y = raw[f"x_{split}"], raw[f"y_{split}"]
        assert x.shape == (n, 28, 28) and x.dtype == np.uint8
        assert y.shape == (n,) and y.dtype == np.uint8
        assert np.bincount(y, minlength=10).tolist() == [n // 10] * 10
        assert x.max() == 255 and x.min() == 0  # real digits: full ink and background
    # positions in the official sets: sorted, distinct, in range
    for key, size in (("train_index", 60_000), ("test_index", 10_000)):
        idx = raw[key]
        assert np.all(np.diff(idx) > 0) and idx[0] >= 0 and idx[-1] < size


def test_loaded_once_and_read_only():
    assert mnist_data.raw() is mnist_data.raw()
    x, y = mnist_data.arrays("train")
    assert mnist_data.arrays("train")[0] is x
    with pytest.raises(ValueError):
        x[0, 0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        mnist_data.raw()["y_test"][0] = 3
    with pytest.raises(ValueError):
        mnist_data.arrays("valid")


def test_normalisation_is_the_lectures_transform():
    from torchvision import transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    x, y = mnist_data.arrays("test")
    assert x.shape == (1000, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    images = mnist_data.images("test")
    for i in (0, 1, 500, 999):
        expected = transform(images[i].copy()).numpy()  # (1, 28, 28)
        np.testing.assert_array_equal(x[i], expected)
    np.testing.assert_array_equal(y, mnist_data.raw()["y_test"])
    # the subset's statistics are close to the full training set's 0.1307 / 0.3081
    xt, _ = mnist_data.arrays("train")
    assert abs(float(xt.mean())) < 0.03 and abs(float(xt.std()) - 1) < 0.03


def test_tensors_match_arrays():
    import torch

    for split in mnist_data.SPLITS:
        xt, yt = mnist_data.tensors(split)
        x, y = mnist_data.arrays(split)
        assert xt.dtype == torch.float32 and yt.dtype == torch.int64
        assert torch.equal(xt, torch.from_numpy(x.copy())) and torch.equal(yt, torch.from_numpy(y.copy()))
