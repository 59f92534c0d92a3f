"""Lecture 10's "Draw a digit" tab: what its events show, checked against demos/vision/digits.py and PyTorch,
and the /classify_digit API through gradio_client."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gradio as gr
import httpx
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from test_digits import draw, paper, stamp

from demos import mnist_data
from demos.vision import digits
from demos.vision import draw_digit as dd

ZERO = draw([[(140 - 90 * np.cos(a), 140 + 55 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 60)]])
SEVEN = draw([[(50, 80), (50, 200)], [(50, 200), (140, 160), (230, 120)]])
STAR = draw([[(230, 80), (40, 140), (230, 200), (110, 40), (110, 240), (230, 80)]])


def pad_value(ink):
    img = paper(ink)
    return {"background": img, "layers": [img], "composite": img}


def finite_json(fig) -> dict:
    """The figure as the browser receives it; NaN only where a mosaic has gaps."""
    return json.loads(fig.to_json())


def test_on_draw_shows_what_read_computes():
    label, status, seen, caption, conv1, conv2 = dd.on_draw(pad_value(SEVEN), None, "best_cnn", "en")
    r = digits.read(paper(SEVEN), "best_cnn")
    assert label == {str(d): p for d, p in enumerate(r["probs"])} and max(label, key=label.get) == "7"
    assert status.startswith("**7**: the three models agree") and "best CNN 7" in status
    np.testing.assert_array_equal(seen.data[0].z, r["pre"].image)
    cy, cx = digits.centre_of_mass(r["pre"].image)
    assert seen.data[1].x[0] == pytest.approx(cx) and seen.data[1].y[0] == pytest.approx(cy)
    assert "20×" in caption or "×20" in caption
    maps = digits.feature_maps("best_cnn", r["pre"].image)
    for fig, m, cols in ((conv1, maps[0], 8), (conv2, maps[1], 16)):
        z = np.asarray(fig.data[0].z)
        h, w = m.shape[1:]
        np.testing.assert_allclose(z[:h, :w], m[0], atol=1e-6)  # channel 0, top left
        np.testing.assert_allclose(z[:h, (w + 1) * (cols - 1) :], m[cols - 1], atol=1e-6)  # last of the first row
        assert np.isnan(z[:, w]).all()  # the gap between maps
        assert fig.data[0].zmax == pytest.approx(float(m.max()))
    assert "32 of 24×24" in conv1.layout.title.text and "64 of 12×12" in conv2.layout.title.text
    for fig in (seen, conv1, conv2):
        finite_json(fig)


def test_models_and_their_insides():
    for model, c1, c2 in (("lecture_cnn", "10 of 24×24", "20 of 8×8"), ("mlp", "10 of 24×24", "20 of 8×8")):
        *_, conv1, conv2 = dd.on_draw(pad_value(ZERO), None, model, "en")
        assert c1 in conv1.layout.title.text and c2 in conv2.layout.title.text
        assert ("no convolutions" in conv1.layout.title.text) == (model == "mlp")
    kern = dd.on_kernels("best_cnn", "en")
    z = np.asarray(kern.data[0].z)
    w = digits.conv1_kernels("best_cnn")
    np.testing.assert_allclose(z[:5, :5], w[0], atol=1e-6)
    np.testing.assert_allclose(z[6:11, :5], w[8], atol=1e-6)  # 8 kernels a row
    assert kern.data[0].zmin == -kern.data[0].zmax == pytest.approx(-float(np.abs(w).max()))
    assert "10 of 5×5" in dd.on_kernels("mlp", "en").layout.title.text


def test_empty_pad_says_no_digit_in_both_languages():
    for sketch in (None, {"background": None, "layers": [], "composite": None}, pad_value(np.zeros((280, 280)))):
        for lang, word in (("en", "no digit"), ("zh", "没有数字")):
            label, status, seen, caption, conv1, conv2 = dd.on_draw(sketch, None, "best_cnn", lang)
            assert label == word and caption == ""
            assert status == dd.t("dd_status_empty", lang)
            assert not conv1.data and dd.t("dd_maps_empty", lang) in conv1.layout.annotations[0].text
    assert "10 of 24×24" in dd.on_draw(None, None, "lecture_cnn", "en")[4].layout.title.text


def test_scribble_and_dot_get_a_warning():
    status = dd.on_draw(pad_value(STAR), None, "best_cnn", "en")[1]
    assert status.startswith("⚠️ **Not sure; this may be no digit**") and "Take" in status
    assert "没把握" in dd.on_draw(pad_value(STAR), None, "best_cnn", "zh")[1]
    dot = stamp(np.array([[140.0, 140.0]]), 280, 14)
    assert "A dot or a blob is not a digit" in dd.on_draw(pad_value(dot), None, "mlp", "en")[1]


def test_random_test_digit_is_read_from_state():
    value, truth, shown = dd.on_random("en")
    assert value["background"].shape == (dd.CANVAS, dd.CANVAS, 3) and value["composite"] is shown
    i = int(truth.split("#")[1].split(",")[0])
    label_true = int(mnist_data.raw()["y_test"][i])
    assert f"true label **{label_true}**" in truth
    # the pad reports None for an image the server put there: the tab reads `shown`
    label, status, *_ = dd.on_draw(None, shown, "best_cnn", "en")
    r = digits.read(shown)
    assert label == {str(d): p for d, p in enumerate(r["probs"])}
    # the digit drawn on the pad reads as the test digit itself does
    direct = digits.probabilities("best_cnn", mnist_data.images("test")[i] / 255.0)
    assert int(np.argmax(r["probs"])) == int(np.argmax(direct))
    # once the user draws, the pad's own value wins
    assert dd.on_draw(pad_value(SEVEN), shown, "best_cnn", "en")[1].startswith("**7**")


def test_bad_input_is_a_clear_error():
    with pytest.raises(gr.Error, match="model must be one of"):
        dd.on_draw(None, None, "resnet", "en")
    with pytest.raises(gr.Error, match="无法读取这张图"):
        dd.on_draw(np.full((10, 10), np.nan), None, "mlp", "zh")
    with pytest.raises(gr.Error, match="Cannot read this image"):
        dd.on_draw({"foo": 1}, None, "mlp", "en")


# ---- the public API -------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    out = {}
    Image.fromarray(paper(SEVEN)).save(tmp_path / "seven.png")
    rgba = np.zeros((280, 280, 4), np.uint8)  # black ink on transparent
    rgba[..., 3] = np.rint(255 * ZERO).astype(np.uint8)
    Image.fromarray(rgba).save(tmp_path / "zero_transparent.png")
    Image.fromarray(np.full((120, 90), 255, np.uint8)).save(tmp_path / "blank.png")
    Image.fromarray(np.zeros((100, 100, 4), np.uint8)).save(tmp_path / "clear.png")
    Image.fromarray(paper(STAR)).save(tmp_path / "star.png")
    (tmp_path / "not_an_image.png").write_bytes(b"hello")
    for name in ("seven.png", "zero_transparent.png", "blank.png", "clear.png", "star.png", "not_an_image.png"):
        out[name.split(".")[0]] = str(tmp_path / name)
    return out


def test_api_reads_an_image_file(client, files):
    r = client.predict(handle_file(files["seven"]), api_name="/classify_digit")
    want = digits.read(paper(SEVEN), "best_cnn")
    assert r["label"] == "7" and r["digit"] == 7 and r["confident"] is True and r["model"] == "best_cnn"
    assert [c["label"] for c in r["confidences"]] == [str(d) for d, _ in digits.top_k(want["probs"], 10)]
    assert [c["confidence"] for c in r["confidences"]] == pytest.approx(sorted(want["probs"], reverse=True), abs=1e-6)
    assert r["consensus"]["digit"] == 7 and "agree" in r["message"] and "一致" in r["message"]
    zero = client.predict(handle_file(files["zero_transparent"]), "lecture_cnn", api_name="/classify_digit")
    assert zero["label"] == "0" and zero["model"] == "lecture_cnn"


def test_api_reads_a_sketchpad_value(client, files):
    for value in (
        {"background": None, "layers": [], "composite": handle_file(files["seven"])},
        {"background": None, "layers": [handle_file(files["zero_transparent"])], "composite": None},
    ):
        r = client.predict(value, "mlp", api_name="/classify_digit")
        assert r["label"] == ("7" if value["composite"] else "0")


def test_api_empty_image_is_no_digit(client, files):
    for image in (
        handle_file(files["blank"]),
        handle_file(files["clear"]),
        None,
        {"background": None, "layers": [], "composite": None},
    ):
        r = client.predict(image, api_name="/classify_digit")
        assert r["digit"] is None and r["confidences"] == [] and r["confident"] is False
        assert r["label"] == "no digit / 没有数字" and "empty" in r["message"]


def test_api_warns_on_a_scribble(client, files):
    r = client.predict(handle_file(files["star"]), api_name="/classify_digit")
    assert r["confident"] is False and "Not sure" in r["message"] and len(r["confidences"]) == 10


def test_api_bad_input(client, files):
    cases = [
        ((handle_file(files["seven"]), "resnet"), "model must be one of"),
        ((handle_file(files["not_an_image"]),), "Cannot read this image"),
        (("abc",), "Send an image file"),
        ((5,), "Send an image file"),
        (({"path": "/etc/hostname"},), "must be an uploaded image file"),  # no FileData mark: not checked by gradio
        (({"background": None, "layers": "x", "composite": None},), "Send an image file"),
    ]
    for args, message in cases:
        with pytest.raises(AppError, match=message):
            client.predict(*args, api_name="/classify_digit")


def test_api_refuses_server_paths(server_url):
    """A raw request naming a file on the server (not uploaded) is refused by gradio before our code runs."""
    payload = {"data": [{"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}, "best_cnn"]}
    with httpx.Client(base_url=server_url, timeout=30) as http:
        event = http.post("gradio_api/call/classify_digit", json=payload).json()["event_id"]
        stream = http.get(f"gradio_api/call/classify_digit/{event}").text
    assert "event: error" in stream and '"label"' not in stream, stream


def test_build_does_not_import_torch_and_adds_one_public_api():
    code = (
        "import sys, types; pkg = types.ModuleType('demos'); pkg.__path__ = ['demos']; sys.modules['demos'] = pkg\n"
        "import gradio as gr; from demos.vision import draw_digit\n"
        "with gr.Blocks() as demo:\n"
        "    lang = gr.Radio(['zh', 'en'], value='en')\n    draw_digit.build(lang)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert list(demo.get_api_info()['named_endpoints']) == ['/classify_digit'], demo.get_api_info()"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
