"""The code panel of the "Draw a digit" tab runs and computes what the tab computes."""

import runpy

import numpy as np
import pytest
import torch

from demos.ui import SNIPPETS
from demos.vision import digits
from models import load


def test_draw_digit_snippet(capsys):
    g = runpy.run_path(str(SNIPPETS / "draw_digit.py"), run_name="__main__")
    # the snippet's Net is the lecture CNN with the app's weights
    for key, value in load.load("lecture_cnn").state_dict().items():
        assert torch.equal(g["model"].state_dict()[key], value), key
    # its preprocessing is the tab's, step by step, on the same canvas
    pre = digits.preprocess(digits.to_ink(g["canvas"]))
    np.testing.assert_allclose(g["ink"], digits.to_ink(g["canvas"]), atol=1e-6)
    assert g["width"] / 4 == pytest.approx(pre.stroke)
    np.testing.assert_allclose(g["image"], pre.image, atol=1e-6)
    np.testing.assert_allclose(g["probs"].numpy(), digits.probabilities("lecture_cnn", pre.image), atol=1e-6)
    out = capsys.readouterr().out
    assert f"true label {g['label']}; the CNN reads {g['label']}" in out
    # the canvas puts the digit off-centre; the input has its centre of mass at (14, 14)
    cy, cx = digits.centre_of_mass(g["image"])
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
