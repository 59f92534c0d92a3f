"""Lecture 10's code-panel snippets run and compute what the tab shows."""

import runpy

import numpy as np

from demos.ui import SNIPPETS
from demos.vision import conv_shapes as cs
from demos.vision import convolution as cv


def run(name):
    return runpy.run_path(str(SNIPPETS / f"{name}.py"), run_name="__main__")


def test_convolution_snippet():
    g = run("convolution")
    padded = g["output_padding"].detach()[0, 0].numpy()
    np.testing.assert_array_equal(padded, cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 1, 1)["out"])
    stride = g["output_stride"].detach()[0, 0].numpy()
    np.testing.assert_array_equal(stride, cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 0, 2)["out"])
    assert g["by_hand"] == cv.window(cv.conv_plan(cv.LECTURE_X, cv.LECTURE_K, 0, 1), 1)["total"] == 211
    np.testing.assert_array_equal(g["output_pool"][0, 0].numpy(), cv.pool_plan(cv.POOL_X, 2, "max")["out"])
    # the lecture's 5-channel code: the calculator's preset gives the same shapes and parameters
    row = cs.compute(cs.PRESETS["lecture_code"])["layers"][0]
    assert tuple(g["output"].shape[1:]) == tuple(row["shape"])
    assert tuple(g["conv_layer"].weight.shape) == (10, 5, 3, 3)
    assert sum(p.numel() for p in g["conv_layer"].parameters()) == row["params"]


def test_conv_shapes_snippet():
    g = run("conv_shapes")
    result = cs.compute(cs.PRESETS["lecture_cnn"])
    assert g["shapes"] == [tuple(row["shape"]) for row in result["layers"]]
    assert g["params"] == [row["params"] for row in result["layers"]]
    assert sum(g["params"]) == result["total_params"] == 8490
    assert g["h"] == 4 and g["out_size"](28, 5) == cs.out_size(28, 5, 1, 0, 1)
    for h, k, s, p, d in [(28, 5, 1, 0, 1), (7, 2, 2, 0, 1), (10, 3, 2, 1, 2), (5, 3, 1, 1, 1)]:
        assert g["out_size"](h, k, s, p, d) == cs.out_size(h, k, s, p, d)
