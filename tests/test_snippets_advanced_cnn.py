"""The lecture-11 code-panel snippets run and compute what the tab shows. That the snippets'
networks are the committed models (their trained weights load and give the same logits) is
checked with every other snippet network in test_snippet_networks.py."""

from __future__ import annotations

import runpy

import numpy as np
import pytest

from demos.ui import SNIPPETS
from demos.vision import advanced_cnn_compute as ac
from models import load
from models.mnist import InceptionNet, ResidualNet, count_parameters


def run(name, replace=None):
    path = SNIPPETS / f"{name}.py"
    if replace is None:
        return runpy.run_path(str(path), run_name="__main__")
    source = path.read_text(encoding="utf-8")
    assert replace[0] in source
    scope = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(source.replace(*replace), str(path), "exec"), scope)
    return scope


def test_inception_snippet():
    g = run("inception")
    r = ac.inception_block(g["C"], g["H"], g["W"])
    assert (g["C"], g["H"], g["W"]) == ac.LECTURE_INCEPTION_INPUT
    assert list(g["shapes"]) == [b["key"] for b in r["branches"]]
    for b in r["branches"]:
        assert g["shapes"][b["key"]] == b["layers"][-1]["shape"]
        assert g["params"][b["key"]] == b["params"]
    assert tuple(g["out"].shape[1:]) == r["output"] == (88, 12, 12)
    cost = ac.bottleneck_cost(**ac.LECTURE_COST)
    assert (g["direct"], g["bottleneck"]) == (cost["direct"], cost["bottleneck"]) == (120_422_400, 12_443_648)
    assert (g["torch_direct"], g["torch_bottleneck"]) == (cost["torch_direct"], cost["torch_bottleneck"])
    assert g["net_out_shape"] == (1, 10)
    assert g["net_params"] == count_parameters(InceptionNet()) == load.metadata("inception")["metrics"]["parameters"]


def test_residual_snippet():
    g = run("residual")
    r = ac.residual_block(g["C"], g["H"], g["W"])
    assert (g["C"], g["H"], g["W"]) == ac.LECTURE_RESIDUAL_INPUT
    assert g["shapes"] == r["ops"]
    assert g["block_params"] == r["params"] == 4640
    assert g["mismatch_error"].splitlines()[0] == r["wide"]["error"]
    assert g["net_out_shape"] == (1, 10)
    assert g["net_params"] == count_parameters(ResidualNet()) == load.metadata("residual")["metrics"]["parameters"]


def test_gradient_flow_snippet():
    # one epoch of the race instead of three, to keep the test short
    g = run(
        "gradient_flow",
        (
            'depth, activation, seed, epochs = 20, "sigmoid", 0, 3',
            'depth, activation, seed, epochs = 20, "sigmoid", 0, 1',
        ),
    )
    flow = ac.gradient_flow(20, "sigmoid", 0)
    for kind in ("plain", "residual"):
        np.testing.assert_allclose(g["norms"][kind], flow[kind], rtol=1e-12)
    assert g["norms"]["residual"][0] > 1e8 * g["norms"]["plain"][0]
    events = list(ac.train_race(20, "sigmoid", 1, 0))
    for kind in ("plain", "residual"):
        losses = [e["loss"][kind] for e in events if e["kind"] == "batch"]
        assert g["losses"][kind] == pytest.approx(losses, rel=1e-6)
        assert g["accuracies"][kind] == pytest.approx(
            [e["acc"][kind] for e in events if e["kind"] == "epoch"], abs=1e-9
        )
