"""Beyond accuracy (Lee P1): each method's core property, checked against PyTorch itself."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from demos.vision import beyond_compute as bc
from demos.vision import digits


@pytest.fixture(scope="module")
def data():
    return bc.test_set()


def first_of(y, digit):
    return int(np.flatnonzero(y == digit)[0])


# ---- 1. saliency -----------------------------------------------------------------


@pytest.mark.parametrize("method", bc.SALIENCY_METHODS)
def test_saliency_has_the_input_shape_and_is_finite(data, method):
    x, y = data
    s = bc.saliency("best_cnn", x[0], int(y[0]), method)
    assert s.shape == x[0].shape == (28, 28)
    assert np.all(np.isfinite(s)) and np.abs(s).max() > 0


def test_gradient_saliency_is_autograd_of_the_logit(data):
    x, y = data
    model = digits.model("lecture_cnn")
    ink = torch.tensor(x[3][None, None], requires_grad=True)
    model((ink - 0.1307) / 0.3081)[0, 7].backward()
    np.testing.assert_allclose(bc.saliency("lecture_cnn", x[3], 7, "gradient"), ink.grad[0, 0].numpy(), rtol=1e-5)
    # the gradient sees the normalisation: d/dx of model((x - m)/s) = model'(.)/s; a first-order check
    g = bc.saliency("lecture_cnn", x[3], 7, "gradient")
    h = 1e-3
    d = np.zeros((28, 28), np.float32)
    d[14, 14] = h
    numeric = (bc.logit("lecture_cnn", x[3] + d, 7) - bc.logit("lecture_cnn", x[3] - d, 7))[0] / (2 * h)
    assert numeric == pytest.approx(g[14, 14], rel=0.05, abs=1e-3)


@pytest.mark.parametrize("model_name", bc.MODELS)
def test_integrated_gradients_complete(data, model_name):
    """Completeness: the attributions sum to z(x) - z(blank), up to the Riemann sum's error."""
    x, y = data
    target = int(y[5])
    ig = bc.saliency(model_name, x[5], target, "integrated")
    z = bc.logit(model_name, np.stack([x[5], np.zeros((28, 28), np.float32)]), target)
    assert ig.sum() == pytest.approx(z[0] - z[1], rel=0.05, abs=0.2)


def test_occlusion_blanking_ink_lowers_the_true_logit(data):
    x, y = data
    s = bc.saliency("best_cnn", x[0], int(y[0]), "occlusion")
    assert s[x[0] > 0.5].mean() > s[x[0] == 0].mean()
    with pytest.raises(ValueError):
        bc.saliency("best_cnn", x[0], 0, "lime")


# ---- 2. attacks ------------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.01, 0.1, 0.3])
@pytest.mark.parametrize("model_name", bc.MODELS)
def test_fgsm_perturbation_max_norm_is_epsilon(data, model_name, eps):
    x, _ = data
    r = bc.fgsm(model_name, x[2], eps)
    assert np.abs(r["delta"]).max() == pytest.approx(eps, abs=1e-6)
    assert r["adv"].min() >= 0 and r["adv"].max() <= 1


def test_fgsm_is_the_sign_of_the_loss_gradient(data):
    x, _ = data
    model = digits.model("best_cnn")
    ink = torch.tensor(x[4][None, None], requires_grad=True)
    logits = model((ink - 0.1307) / 0.3081)
    label = int(logits.argmax())
    torch.nn.functional.cross_entropy(logits, torch.tensor([label])).backward()
    expected = (ink + 0.05 * ink.grad.sign()).clamp(0, 1)[0, 0].detach().numpy()
    np.testing.assert_allclose(bc.fgsm("best_cnn", x[4], 0.05)["adv"], expected, atol=1e-6)


def test_ifgsm_stays_in_the_epsilon_ball_and_targeted_attack_hits_its_target(data):
    x, y = data
    i = first_of(y, 3)
    r = bc.fgsm("best_cnn", x[i], 0.2, target=8, steps=bc.IFGSM_STEPS)
    assert np.abs(r["delta"]).max() <= 0.2 + 1e-6
    assert r["pred_before"] == 3 and r["pred_after"] == 8 and r["success"]


@pytest.mark.parametrize("steps", [1, bc.IFGSM_STEPS])
def test_smallest_flipping_epsilon_flips_and_a_bit_less_does_not(data, steps):
    x, _ = data
    r = bc.smallest_eps("best_cnn", x[0], steps=steps)
    eps = r["eps"]
    assert 0 < eps < bc.EPS_MAX
    assert bc.fgsm("best_cnn", x[0], eps, steps=steps)["success"]
    assert not bc.fgsm("best_cnn", x[0], eps - 1e-4, steps=steps)["success"]
    assert r["p_pred"].shape == r["grid"].shape == (bc.EPS_GRID,)


def test_iterated_fgsm_needs_no_more_epsilon_than_fgsm(data):
    x, _ = data
    one = [bc.smallest_eps("mlp", x[i])["eps"] for i in range(5)]
    many = [bc.smallest_eps("mlp", x[i], steps=bc.IFGSM_STEPS)["eps"] for i in range(5)]
    assert np.median(many) <= np.median(one)


# ---- 3. "I don't know" -----------------------------------------------------------


def test_scores_match_torch(data):
    x, _ = data
    model = digits.model("mlp")
    with torch.no_grad():
        z = model((torch.tensor(x[:20, None]) - 0.1307) / 0.3081)
    np.testing.assert_allclose(bc.scores("mlp", x[:20], "msp"), torch.softmax(z, 1).max(1).values, rtol=1e-6)
    np.testing.assert_allclose(bc.scores("mlp", x[:20], "energy"), torch.logsumexp(z, 1), rtol=1e-6)
    ens = np.mean([digits.probabilities(m, x[:20]) for m in bc.MODELS], 0).max(1)
    np.testing.assert_allclose(bc.scores("best_cnn", x[:20], "ensemble"), ens, rtol=1e-9)


def test_non_digit_gallery_and_rates():
    images, kinds, names = bc.non_digits()
    assert images.shape == (len(kinds), 28, 28) and len(set(names)) == len(names)
    assert {"letter", "shape", "noise", "blank"} == set(kinds)
    assert images.min() >= 0 and images.max() <= 1
    d, o = bc.ood_scores("best_cnn", "msp")
    assert d.shape == (1000,) and o.shape == (len(kinds),)
    r = bc.rates(d, o, bc.MSP_THRESHOLD)
    assert r == {"detection": np.mean(o < 0.9), "false_alarm": np.mean(d < 0.9)}
    assert r["false_alarm"] < 0.05  # digits are seldom rejected
    assert bc.rates(d, o, 1.01) == {"detection": 1.0, "false_alarm": 1.0}
    assert bc.rates(d, o, 0.0) == {"detection": 0.0, "false_alarm": 0.0}
    # the ensemble rejects more non-digits than one model's softmax at the same threshold
    de, oe = bc.ood_scores("best_cnn", "ensemble")
    assert bc.rates(de, oe, 0.9)["detection"] > r["detection"]


# ---- 4. domain shift -------------------------------------------------------------


def test_shifts(data):
    x, _ = data
    a = x[:8]
    np.testing.assert_array_equal(bc.shift(a, "invert"), 1 - a)
    bg = bc.shift(a, "background")
    assert np.all(bg >= a - 1e-6) and np.all(bg[:, 0, 0] > 0.2)  # a grey wash under the same strokes
    assert (bc.shift(a, "thin") > 0.5).sum() < (a > 0.5).sum() < (bc.shift(a, "thick") > 0.5).sum()
    rot = bc.shift(a, "rotate")
    assert rot.shape == a.shape and not np.allclose(rot, a)
    assert abs(rot.sum() - a.sum()) / a.sum() < 0.1  # rotation about the centre keeps the ink
    with pytest.raises(ValueError):
        bc.shift(a, "blur")


def test_shift_accuracy_drops_and_finetuning_recovers():
    acc = bc.shift_accuracies("best_cnn")
    assert acc["none"] > 0.98 and acc["invert"] < 0.5
    before = {n: p.detach().clone() for n, p in digits.model("best_cnn").named_parameters()}
    r = bc.finetune("best_cnn", "invert", 5, 40, 0)
    assert r["before"] == acc["invert"] and r["clean_before"] == acc["none"]
    assert r["after"] > r["before"] + 0.3
    assert r["examples"] == 50 and r["losses"][-1] < r["losses"][0]
    for n, p in digits.model("best_cnn").named_parameters():  # the shared model is untouched
        assert torch.equal(p, before[n]) and not p.requires_grad


# ---- 5. compression --------------------------------------------------------------


def test_quantised_models_keep_accuracy_within_the_margin():
    fp32, dyn, static = (bc.measure(v) for v in ("fp32", "dynamic_int8", "static_int8"))
    assert fp32["accuracy"] == pytest.approx(0.992)  # best_cnn on the 1,000 test digits
    for q in (dyn, static):
        assert abs(q["accuracy"] - fp32["accuracy"]) <= bc.QUANT_MARGIN
    assert static["bytes"] < 0.4 * fp32["bytes"]  # int8: about a quarter of fp32
    assert fp32["params"] == sum(p.numel() for p in digits.model("best_cnn").parameters()) == 66666
    for row in (fp32, dyn, static):
        assert row["latency_ms"] > 0


def test_pruning_zeroes_the_share_asked_and_leaves_the_model_alone():
    base = digits.model("best_cnn")
    pruned = bc.prune(base, 0.5)
    weights = [m.weight for m in pruned.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    total = sum(w.numel() for w in weights)
    zeros = sum(int((w == 0).sum()) for w in weights)
    assert zeros == round(0.5 * total)
    kept = torch.cat([w.abs().flatten() for w in weights])
    assert kept[kept > 0].min() >= kept.sort().values[zeros - 1]  # the smallest magnitudes went
    assert all(int((m.weight == 0).sum()) == 0 for m in base.modules() if isinstance(m, torch.nn.Conv2d))
    rows = bc.compression_table(0.5)
    assert [r["variant"] for r in rows] == list(bc.VARIANTS)
    p = rows[3]
    assert p["nonzero"] < 0.55 * p["params"] and p["gzip"] < rows[0]["gzip"]
    assert p["accuracy"] >= rows[0]["accuracy"] - 0.02
    assert bc.measure("pruned", 0.9)["accuracy"] < p["accuracy"]  # prune too much and it forgets


# ---- the tab's server-built text and figures, in both languages ---------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tab_outputs_in_both_languages(lang):
    from demos.vision import beyond

    state = beyond.test_image(0)
    assert "#0" in beyond.prediction_text(state, "best_cnn", lang)
    for method in bc.SALIENCY_METHODS:
        fig, text = beyond.on_xai(state, "best_cnn", method, 3, lang)
        assert len(fig.data) == 5 and text
    fig, text, min_text, curve = beyond.on_attack(state, "best_cnn", 0.1, 1, "none", lang)
    r = bc.fgsm("best_cnn", state["image"], 0.1)
    assert f"{r['pred_before']}" in text and f"{r['pred_after']}" in text
    assert ("flipped" in text) if lang == "en" else ("攻击成功" in text)
    assert f"{bc.smallest_eps('best_cnn', np.asarray(state['image'], np.float32))['eps']:.4f}" in min_text
    fig, text, curve = beyond.on_ood(state, "best_cnn", "msp", 0.9, lang)
    d, o = bc.ood_scores("best_cnn", "msp")
    assert f"{100 * np.mean(o < 0.9):.1f}" in text and f"{100 * np.mean(d < 0.9):.1f}" in text
    assert beyond.on_ood_method("energy", "best_cnn", lang).maximum > 1
    table, shown = beyond.on_compress(0.5, lang)
    assert shown and table.count("\n|") >= 6 and f"{100 * bc.measure('fp32')['accuracy']:.1f} %" in table


def test_bad_input_is_a_clear_error():
    import gradio as gr

    from demos.vision import beyond

    state = beyond.test_image(0)
    with pytest.raises(gr.Error):
        beyond.on_attack(state, "best_cnn", float("nan"), 1, "none", "en")
    with pytest.raises(gr.Error):
        beyond.on_attack(state, "best_cnn", 2.0, 1, "none", "zh")
    with pytest.raises(gr.Error):
        beyond.on_xai(state, "no_model", "gradient", 3, "en")
    with pytest.raises(gr.Error):
        beyond.api_attack([[0.0] * 28] * 27, "best_cnn", 0.1)
    with pytest.raises(gr.Error):
        beyond.api_attack([[float("nan")] * 28] * 28, "best_cnn", 0.1)
    with pytest.raises(gr.Error):
        beyond.on_compress(1.5, "en")
    assert beyond.pad_image(None) is None


def test_api_through_the_client(client):
    x = bc.test_set()[0][0]
    out = client.predict(x.tolist(), "best_cnn", 0.1, 1, -1, api_name="/beyond_attack")
    assert out["max_change"] == pytest.approx(0.1, abs=1e-6) and out["success"]
    assert out["smallest_eps"] == pytest.approx(bc.smallest_eps("best_cnn", x)["eps"], abs=1e-6)
    d, o = bc.ood_scores("best_cnn", "msp")
    assert client.predict("best_cnn", "msp", 0.9, api_name="/beyond_ood") == bc.rates(d, o, 0.9)


def test_a_sketchpad_drawing_is_preprocessed_like_mnist():
    from demos.vision import beyond

    canvas = np.full((280, 280, 4), 255, np.uint8)  # opaque white, as the browser sends it
    canvas[60:220, 130:150, :3] = 0  # a black vertical bar: a "1"
    out = beyond.pad_image({"background": None, "layers": [], "composite": canvas})
    assert out["source"] == "drawing"
    image = np.asarray(out["image"], np.float32)
    np.testing.assert_allclose(image, digits.preprocess(digits.to_ink(canvas)).image)
    assert int(np.argmax(bc.predict("best_cnn", image))) == 1
    assert (
        beyond.pad_image({"background": None, "layers": [], "composite": np.full((280, 280, 4), 255, np.uint8)}) is None
    )
