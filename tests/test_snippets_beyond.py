"""The Lee P1 (beyond accuracy) code-panel snippets run and compute what the tab shows."""

from __future__ import annotations

import runpy

import numpy as np
import pytest

from demos.ui import SNIPPETS
from demos.vision import beyond_compute as bc


def run(name):
    return runpy.run_path(str(SNIPPETS / f"{name}.py"), run_name="__main__")


@pytest.fixture(scope="module")
def digit():
    return bc.test_set()[0][0]


def test_saliency_snippet(digit):
    g = run("beyond_saliency")
    c = g["c"]
    assert c == int(np.argmax(bc.predict("best_cnn", digit)))
    assert tuple(g["gradient"].shape) == (28, 28)
    np.testing.assert_allclose(
        g["gradient"].numpy(), bc.saliency("best_cnn", digit, c, "gradient"), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        g["integrated"].numpy(), bc.saliency("best_cnn", digit, c, "integrated"), rtol=1e-4, atol=1e-6
    )
    assert float(g["integrated"].sum()) == pytest.approx(g["gap"], rel=0.05)


def test_fgsm_snippet(digit):
    g = run("beyond_fgsm")
    np.testing.assert_allclose(g["adv"][0, 0].numpy(), bc.fgsm("best_cnn", digit, 0.1)["adv"], atol=1e-6)
    ifgsm = g["ifgsm"](g["x"], 0.1)[0, 0].numpy()
    np.testing.assert_allclose(ifgsm, bc.fgsm("best_cnn", digit, 0.1, steps=bc.IFGSM_STEPS)["adv"], atol=1e-5)
    assert g["smallest_fgsm"] == pytest.approx(bc.smallest_eps("best_cnn", digit)["eps"], abs=1e-4)
    assert g["smallest_ifgsm"] == pytest.approx(
        bc.smallest_eps("best_cnn", digit, steps=bc.IFGSM_STEPS)["eps"], abs=1e-4
    )
    assert g["smallest_ifgsm"] <= g["smallest_fgsm"]


def test_ood_snippet():
    g = run("beyond_ood")
    d, _ = bc.ood_scores("best_cnn", "msp")
    np.testing.assert_allclose(g["msp_digits"].numpy(), d, rtol=1e-5)
    np.testing.assert_allclose(g["energy_digits"].numpy(), bc.ood_scores("best_cnn", "energy")[0], rtol=1e-5)
    assert g["false_alarm"] == pytest.approx(np.mean(d < 0.9), abs=1e-6)
    images, kinds, _ = bc.non_digits()
    other = bc.scores("best_cnn", images[[k for k, kind in enumerate(kinds) if kind in ("noise", "blank")]][:4])
    np.testing.assert_allclose(g["msp_other"].numpy()[:4], other, rtol=1e-5)  # the same seeded noise


def test_domain_snippet():
    g = run("beyond_domain")
    r = bc.finetune("best_cnn", "invert", 5, 40, 0)
    assert g["before"] == pytest.approx(r["before"], abs=1e-6)
    assert g["after"] == pytest.approx(r["after"], abs=0.002)


def test_compress_snippet():
    g = run("beyond_compress")
    res = g["results"]
    for name, variant, sparsity in [
        ("fp32", "fp32", 0.0),
        ("dynamic int8", "dynamic_int8", 0.0),
        ("static int8", "static_int8", 0.0),
        ("pruned 50 %", "pruned", 0.5),
    ]:
        row = bc.measure(variant, sparsity)
        assert res[name]["accuracy"] == pytest.approx(row["accuracy"], abs=0.0011), name
        assert res[name]["bytes"] == pytest.approx(row["bytes"], rel=0.02), name
    assert abs(res["static int8"]["accuracy"] - res["fp32"]["accuracy"]) <= bc.QUANT_MARGIN
