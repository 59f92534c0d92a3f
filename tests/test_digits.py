"""demos/vision/digits.py: any image -> ink -> MNIST-style 28x28 -> probabilities, checked on synthetic drawings.

The drawings are made from the committed test digits (tests/data/mnist_test_sample.npz): each digit's
skeleton (Zhang-Suen thinning at 4x) is redrawn with a round pen of a chosen radius on a canvas, at a
chosen scale and place -- off-centre, small, large, thin and thick, as people draw with a mouse.
Scribbles, letters and noise are drawn the same way. Run with -s to see the measured figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from demos.vision import digits
from models import data, load

SAMPLE = Path(__file__).resolve().parent / "data" / "mnist_test_sample.npz"


# ---- synthetic drawings ---------------------------------------------------------------


def zhang_suen(b: np.ndarray) -> np.ndarray:
    """Thin a boolean image to one-pixel-wide strokes (Zhang & Suen 1984), vectorised."""
    img = np.pad(b.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = img
            nb = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:], p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]
            p2, p4, p6, p8 = nb[0], nb[2], nb[4], nb[6]
            count = sum(n.astype(np.int32) for n in nb)
            ring = nb + [nb[0]]
            transitions = sum(((ring[i] == 0) & (ring[i + 1] == 1)).astype(np.int32) for i in range(8))
            if step == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            kill = (p[1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if kill.any():
                img[1:-1, 1:-1][kill] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def pen_path(digit: np.ndarray, up: int = 4) -> np.ndarray:
    """The path a pen would follow to write an MNIST digit: its skeleton at 4x, as points (N, 2)
    (row, col) in 28x28 pixel units, with the midpoints between 8-neighbouring skeleton pixels."""
    x = torch.from_numpy(digit.astype(np.float32) / 255)[None, None]
    big = F.interpolate(x, scale_factor=up, mode="bilinear", align_corners=False)[0, 0].numpy() > 0.5
    skeleton = zhang_suen(big)
    pixels = np.argwhere(skeleton)
    on = set(map(tuple, pixels.tolist()))
    mids = [
        (y + dy / 2, x + dx / 2)
        for y, x in pixels.tolist()
        for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1))
        if (y + dy, x + dx) in on
    ]
    points = np.concatenate([pixels.astype(np.float64), np.array(mids, np.float64).reshape(-1, 2)])
    return (points + 0.5) / up - 0.5


def stamp(points: np.ndarray, size: int, radius: int) -> np.ndarray:
    """Ink (size, size) in {0, 1}: a round pen of the radius put down at every point (row, col)."""
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disk = (yy * yy + xx * xx <= radius * radius + 0.25).astype(np.float32)
    pad = radius + 1
    canvas = np.zeros((size + 2 * pad, size + 2 * pad), np.float32)
    for y, x in np.rint(points).astype(int):
        if -radius <= y < size + radius and -radius <= x < size + radius:
            window = canvas[y + 1 : y + 2 * radius + 2, x + 1 : x + 2 * radius + 2]
            np.maximum(window, disk, out=window)
    return canvas[pad : pad + size, pad : pad + size]


def polyline(vertices, step: float = 1.0) -> np.ndarray:
    """Points every `step` pixels along straight strokes through the vertices (row, col)."""
    v = np.asarray(vertices, np.float64)
    out = [v[:1]]
    for a, b in zip(v[:-1], v[1:]):
        n = max(1, int(np.ceil(np.hypot(*(b - a)) / step)))
        out.append(a + (b - a) * (np.arange(1, n + 1)[:, None] / n))
    return np.concatenate(out)


def draw(strokes, size: int = 280, radius: int = 11) -> np.ndarray:
    return stamp(np.concatenate([polyline(s) for s in strokes]), size, radius)


# Shapes that are no digit, as strokes in a unit box (row down, col right).
LETTERS = {
    "A": [[(1, 0), (0, 0.5), (1, 1)], [(0.55, 0.25), (0.55, 0.75)]],
    "E": [[(0, 1), (0, 0), (1, 0), (1, 1)], [(0.5, 0), (0.5, 0.8)]],
    "F": [[(0, 1), (0, 0), (1, 0)], [(0.5, 0), (0.5, 0.8)]],
    "H": [[(0, 0), (1, 0)], [(0, 1), (1, 1)], [(0.5, 0), (0.5, 1)]],
    "K": [[(0, 0), (1, 0)], [(0, 1), (0.5, 0), (1, 1)]],
    "M": [[(1, 0), (0, 0), (0.6, 0.5), (0, 1), (1, 1)]],
    "N": [[(1, 0), (0, 0), (1, 1), (0, 1)]],
    "W": [[(0, 0), (1, 0.25), (0.4, 0.5), (1, 0.75), (0, 1)]],
    "X": [[(0, 0), (1, 1)], [(0, 1), (1, 0)]],
    "#": [[(0, 0.3), (1, 0.3)], [(0, 0.7), (1, 0.7)], [(0.3, 0), (0.3, 1)], [(0.7, 0), (0.7, 1)]],
    "+": [[(0, 0.5), (1, 0.5)], [(0.5, 0), (0.5, 1)]],
    "=": [[(0.3, 0), (0.3, 1)], [(0.7, 0), (0.7, 1)]],
    "box": [[(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)]],
    "star": [[(1, 0.2), (0, 0.5), (1, 0.8), (0.35, 0), (0.35, 1), (1, 0.2)]],
}


def letters(per_letter: int = 10) -> list[np.ndarray]:
    out = []
    for strokes in LETTERS.values():
        for seed in range(per_letter):
            rng = np.random.default_rng(seed)
            h, w = rng.uniform(140, 220), rng.uniform(100, 200)
            offset = (rng.uniform(10, 270 - h), rng.uniform(10, 270 - w))
            out.append(draw([np.asarray(s) * (h, w) + offset for s in strokes], radius=int(rng.integers(5, 16))))
    return out


def scribbles(n: int = 200, seed: int = 0) -> list[np.ndarray]:
    """Random walks of 6-13 straight strokes over a 280x280 canvas."""
    rng = np.random.default_rng(seed)
    return [draw([rng.uniform(20, 260, size=(int(rng.integers(6, 14)), 2))], radius=10) for _ in range(n)]


def noise(n: int = 50, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(rng.random((280, 280)) < 0.05).astype(np.float32) for _ in range(n)]


def paper(ink: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] -> an RGBA uint8 image of black ink on opaque white, as the browser's pad sends."""
    grey = np.rint(255 * (1 - ink)).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


# Canvas variants: (scale in canvas px per MNIST px, top-left offset, canvas size, pen radius).
# scale 10 makes a ~200 px digit; MNIST's strokes are ~2.7 px of 20, i.e. a pen radius of ~13 px.
VARIANTS = {
    "centred, pen r8": (10, (0, 0), 280, 8),
    "off-centre corner": (6, (200, 10), 400, 6),
    "small (60 px)": (3, (20, 300), 400, 3),
    "large (380 px)": (14, (0, 0), 400, 12),
    "thin pen r2": (10, (0, 0), 280, 2),
    "thick pen r20": (10, (0, 0), 300, 20),
}


@pytest.fixture(scope="module")
def sample():
    with np.load(SAMPLE, allow_pickle=False) as f:
        return f["x"], f["y"].astype(np.int64)


@pytest.fixture(scope="module")
def paths(sample):
    x, _ = sample
    return [pen_path(d) for d in x]


@pytest.fixture(scope="module")
def drawn(paths):
    """{variant: (N, 28, 28) preprocessed inputs, [Preprocessed]} for every sample digit redrawn."""
    out = {}
    for name, (scale, offset, size, radius) in VARIANTS.items():
        pres = [digits.preprocess(stamp(p * scale + np.asarray(offset), size, radius)) for p in paths]
        out[name] = (np.stack([p.image for p in pres]), pres)
    return out


def batch_of(images) -> np.ndarray:
    return np.stack([digits.preprocess(i).image for i in images])


# ---- any image -> ink ----------------------------------------------------------------------


def test_to_ink_handles_every_kind_of_image(tmp_path):
    ink = draw([[(40, 140), (240, 140)]])  # a vertical "1"
    opaque = paper(ink)
    transparent = np.zeros_like(opaque)  # what a client's transparent PNG gives: black ink in the alpha
    transparent[..., 3] = np.rint(255 * ink).astype(np.uint8)
    Image.fromarray(opaque).save(tmp_path / "opaque.png")
    Image.fromarray(transparent).save(tmp_path / "transparent.png")
    Image.fromarray(opaque).convert("RGB").save(tmp_path / "digit.jpg", quality=90)
    white_on_black = np.rint(255 * ink).astype(np.uint8)  # like the MNIST files
    cases = {
        "browser pad dict": {"background": opaque, "layers": [opaque], "composite": opaque},
        "client dict, transparent composite": {"background": None, "layers": [], "composite": transparent},
        "client dict, layers only": {"background": None, "layers": [transparent], "composite": None},
        "background + layer": {"background": np.full_like(opaque, 255), "layers": [transparent], "composite": None},
        "RGBA array": opaque,
        "RGB array": opaque[..., :3],
        "L array": opaque[..., 0],
        "(H, W, 1) array": opaque[..., :1],
        "float array in [0, 1]": opaque[..., 0] / 255.0,
        "white on black": white_on_black,
        "PIL image": Image.fromarray(transparent),
        "file path": str(tmp_path / "transparent.png"),
        "Path": tmp_path / "opaque.png",
        "FileData dict": {"path": str(tmp_path / "opaque.png"), "meta": {"_type": "gradio.FileData"}},
        "JPEG": tmp_path / "digit.jpg",
    }
    for name, image in cases.items():
        got = digits.to_ink(image)
        tol = 0.05 if name == "JPEG" else 1 / 255 + 1e-6
        assert got.shape == ink.shape and got.dtype == np.float32, name
        assert np.abs(got - ink).max() <= tol or (name == "JPEG" and np.abs(got - ink).mean() < 0.01), name
    assert digits.to_ink(None) is None


def test_a_large_photo_is_shrunk_and_read(tmp_path):
    ink = draw([[(50, 80), (50, 200)], [(50, 200), (140, 160), (230, 120)]], radius=14)  # a 7
    big = Image.fromarray(paper(ink)).resize((3000, 3000), Image.Resampling.BILINEAR)
    big.save(tmp_path / "photo.png")
    got = digits.to_ink(tmp_path / "photo.png")
    assert got.shape == (digits.READ_SIDE, digits.READ_SIDE)
    assert digits.read(tmp_path / "photo.png")["digit"] == 7
    Image.new("L", (digits.MAX_SIDE + 1, 10), 255).save(tmp_path / "wide.png")
    with pytest.raises(ValueError, match="at most"):
        digits.to_ink(tmp_path / "wide.png")


def test_to_ink_rejects_what_is_no_image():
    for bad in (
        np.full((10, 10), np.nan),
        np.zeros((10, 10, 2)),
        np.zeros((2, 3, 4, 5)),
        np.zeros((0, 5)),
        np.zeros((5, 5), bool),
        np.array([["a"]]),
        np.zeros((digits.MAX_SIDE + 1, 2)),
        {"foo": 1},
    ):
        with pytest.raises(ValueError):
            digits.to_ink(bad)


# ---- preprocessing -------------------------------------------------------------------------


def test_empty_and_faint_images_are_no_digit():
    assert digits.preprocess(None) is None
    for blank in (np.zeros((280, 280)), np.full((50, 80), 0.09), np.zeros((28, 28))):
        assert digits.preprocess(blank) is None
    white = np.full((280, 280, 3), 255, np.uint8)
    clear = np.zeros((280, 280, 4), np.uint8)  # fully transparent
    haze = np.full((280, 280), 240, np.uint8)  # grey 240: lighter than 230
    for image in (white, clear, haze, {"background": None, "layers": [], "composite": None}, None):
        r = digits.read(image)
        assert r["empty"] and r["digit"] is None and not r["confident"]
    assert digits.read(np.zeros((280, 280), np.uint8))["empty"]  # all black: dark paper, no digit


def test_fit_keeps_the_aspect_ratio_and_antialiases():
    block = np.zeros((200, 100), np.float32)
    block[:, 45:55] = 1.0  # a 10-px stroke: half a pixel at 1/10 scale
    small = digits.fit(block, 20)
    assert small.shape == (20, 10)
    assert small.max() == pytest.approx(0.5, abs=0.01)  # averaged into grey, not dropped or aliased
    assert small.sum() == pytest.approx(block.sum() / 100, rel=0.01)  # area averaging keeps the ink
    assert digits.fit(np.ones((3, 500)), 20).shape == (1, 20)


@pytest.mark.parametrize("width", [4, 10, 24])
def test_stroke_width_of_straight_strokes(width):
    bar = np.zeros((300, 300), np.float32)
    bar[150 - width // 2 : 150 - width // 2 + width, 20:280] = 1
    assert digits.stroke_width(bar) == pytest.approx(width, rel=0.1)
    ring = draw(
        [[(140 + 100 * np.cos(a), 140 + 100 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 200)]], 280, width // 2
    )
    assert digits.stroke_width(ring) == pytest.approx(2 * (width // 2) + 1, rel=0.15)


def test_morphology_moves_stroke_edges_by_the_radius():
    bar = np.zeros((60, 60), np.float32)
    bar[25:35, 10:50] = 1
    thick = digits._morph(bar, 3, np.maximum)
    assert digits.ink_box(thick) == (22, 37, 7, 52)
    thin = digits._morph(bar, 2, np.minimum)
    assert digits.ink_box(thin) == (27, 32, 12, 47)


def test_preprocess_places_digits_as_mnist_did(drawn, paths):
    """Every redrawn digit: scaled so the longer side of its box is 20, centre of mass within half a pixel
    of (14, 14) unless ink was shifted past the edge (MNIST's own digits are cut like that too)."""
    for name, (images, pres) in drawn.items():
        cut = 0
        for img, pre in zip(images, pres):
            assert max(pre.size) == 20 and img.shape == (28, 28) and 0 <= img.min() and img.max() <= 1
            (h, w), (dy, dx) = pre.size, pre.shift
            if dy < 0 or dx < 0 or dy + h > 28 or dx + w > 28:
                cut += 1
                continue
            cy, cx = digits.centre_of_mass(img)
            assert abs(cy - 14) <= 0.5 + 1e-5 and abs(cx - 14) <= 0.5 + 1e-5, name  # float32 sums
            top, bottom, left, right = digits.ink_box(img)
            assert max(bottom - top, right - left) + 1 in (19, 20), name  # the faint edge may fall below 0.1
        assert cut <= 0.01 * len(images), (name, cut)


def test_position_does_not_matter_and_size_barely(paths):
    """The same drawing anywhere on the canvas gives the same input; drawn twice as large, nearly the same."""
    for p in paths[::50]:
        a = digits.preprocess(stamp(p * 8, 400, 8)).image
        b = digits.preprocess(stamp(p * 8 + (150, 170), 400, 8)).image
        np.testing.assert_array_equal(a, b)
        c = digits.preprocess(stamp(p * 16, 460, 16)).image
        assert np.corrcoef(a.ravel(), c.ravel())[0, 1] > 0.9


def test_an_mnist_digit_comes_back_nearly_unchanged(sample):
    """A test digit is already made this way: unless its stroke width lies outside the band that
    preprocess() adjusts, it comes back almost as it was, centre of mass and all."""
    x, _ = sample
    lo, hi = (b * digits.MNIST_STROKE for b in digits.STROKE_BAND)
    kept = 0
    for d in x[::5]:
        img = d.astype(np.float32) / 255
        pre = digits.preprocess(img)
        cy0, cx0 = digits.centre_of_mass(img)
        cy1, cx1 = digits.centre_of_mass(pre.image)
        assert abs(cy0 - cy1) < 1 and abs(cx0 - cx1) < 1
        if lo <= pre.stroke <= hi:
            kept += 1
            assert np.corrcoef(img.ravel(), pre.image.ravel())[0, 1] > 0.95
    assert kept >= 0.5 * len(x[::5])


# ---- the models ----------------------------------------------------------------------------


def test_normalisation_is_the_trainings():
    assert (digits.MEAN, digits.STD) == (data.MEAN, data.STD)


def test_sample_digits_are_the_apps_test_digits():
    from demos import mnist_data

    ink, labels = digits.sample_digits()
    assert ink.shape == (1000, 28, 28) and ink.dtype == np.float32 and labels.dtype == np.int64
    np.testing.assert_array_equal(np.rint(ink * 255).astype(np.uint8), mnist_data.images("test"))
    np.testing.assert_array_equal(labels, mnist_data.raw()["y_test"])
    assert not ink.flags.writeable and digits.sample_digits()[0] is ink
    acc = (digits.probabilities("best_cnn", ink).argmax(1) == labels).mean()
    assert acc >= load.metadata("best_cnn")["metrics"]["test_accuracy"] - 0.015


@pytest.mark.parametrize("name", digits.MODELS)
def test_probabilities_are_pytorchs_softmax(sample, name):
    x, _ = sample
    ours = digits.probabilities(name, x[:20].astype(np.float32) / 255)
    with torch.no_grad():
        theirs = torch.softmax(load.load(name)(data.normalise(torch.from_numpy(x[:20]))), dim=1).double().numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert ours.shape == (20, 10) and np.allclose(ours.sum(1), 1)
    one = digits.probabilities(name, x[0].astype(np.float32) / 255)
    assert one.shape == (10,)
    np.testing.assert_allclose(one, ours[0], atol=1e-6)


@pytest.mark.parametrize("name", digits.MODELS)
def test_recorded_accuracy_through_the_preprocessing(sample, name):
    """The weights reproduce their recorded test accuracy on the committed sample, also after preprocess()."""
    x, y = sample
    recorded = load.metadata(name)["metrics"]["test_accuracy"]
    plain = (digits.probabilities(name, x / 255.0).argmax(1) == y).mean()
    again = (digits.probabilities(name, batch_of(x / 255.0)).argmax(1) == y).mean()
    print(f"\n{name}: recorded {recorded:.2%} (10k); sample {plain:.1%}; sample after preprocess {again:.1%}")
    assert plain >= recorded - 0.015 and again >= plain - 0.01


def test_drawn_digits_read_as_well_as_test_digits(sample, drawn):
    """Accuracy on the sample redrawn on a canvas (off-centre, small, large, thin, thick) stays within
    2 points of the plain sample, for every model."""
    x, y = sample
    lines = []
    for name in digits.MODELS:
        plain = (digits.probabilities(name, x / 255.0).argmax(1) == y).mean()
        row = [f"{name:12s} plain {plain:6.1%}"]
        for variant, (images, _) in drawn.items():
            acc = (digits.probabilities(name, images).argmax(1) == y).mean()
            row.append(f"{variant} {acc:6.1%}")
            floor = plain - (0.025 if name == "mlp" else 0.02)
            assert acc >= floor, (name, variant, acc, plain)
        lines.append(" | ".join(row))
    print("\n" + "\n".join(lines))


def test_without_stroke_normalisation_thin_pens_read_worse(paths, sample, monkeypatch):
    """The extra step earns its place: with it off, a thin pen costs the CNNs accuracy."""
    _, y = sample
    thin = [stamp(p * 10, 280, 2) for p in paths]
    with_it = batch_of(thin)
    monkeypatch.setattr(digits, "STROKE_BAND", (0.0, float("inf")))
    without = batch_of(thin)
    for name in ("best_cnn", "mlp"):
        a = (digits.probabilities(name, with_it).argmax(1) == y).mean()
        b = (digits.probabilities(name, without).argmax(1) == y).mean()
        print(f"\nthin pen r2, {name}: {a:.1%} with stroke normalisation, {b:.1%} without")
        assert a > b + 0.05


def test_confidence_rule_warns_on_scribbles_not_on_digits(sample, drawn):
    """The mean of the three models' probabilities flags few test digits and most non-digits."""
    x, y = sample

    def flagged(images):
        every = {m: digits.probabilities(m, images) for m in digits.MODELS}
        mean = np.mean(list(every.values()), axis=0)
        low = mean.max(1) < digits.CONFIDENT
        # the rule of confident(): the same on each image
        for i in range(0, len(images), 37):
            assert digits.confident({m: p[i] for m, p in every.items()}) == (not low[i])
        return low, every

    report = []
    low, every = flagged(x / 255.0)
    wrong = every["best_cnn"].argmax(1) != y
    report.append(
        f"test digits: {low.mean():.1%} flagged; best_cnn misreads {wrong.sum()}, of which flagged {low[wrong].sum()}"
    )
    assert low.mean() <= 0.04
    misreads, caught = int(wrong.sum()), int(low[wrong].sum())
    for variant, (images, _) in drawn.items():
        low, every = flagged(images)
        wrong = every["best_cnn"].argmax(1) != y
        misreads, caught = misreads + int(wrong.sum()), caught + int(low[wrong].sum())
        report.append(
            f"{variant}: {low.mean():.1%} flagged; best_cnn misreads {wrong.sum()}, flagged {low[wrong].sum()}"
        )
        assert low.mean() <= 0.06, variant
    report.append(f"all test digits, plain and drawn: best_cnn misreads {misreads}, of which flagged {caught}")
    assert caught >= 0.7 * misreads
    for kind, images, at_least in (
        ("letters and signs", letters(), 0.6),
        ("scribbles", scribbles(), 0.7),
        ("noise", noise(), 1.0),
    ):
        low, every = flagged(batch_of(images))
        single = (every["best_cnn"].max(1) < digits.CONFIDENT).mean()
        report.append(f"{kind}: {low.mean():.1%} flagged (best_cnn alone below {digits.CONFIDENT}: {single:.1%})")
        assert low.mean() >= at_least, kind
    print("\n" + "\n".join(report))


def test_a_dot_is_no_digit():
    for radius in (5, 11, 20):
        r = digits.read(paper(stamp(np.array([[140.0, 140.0]]), 280, radius)))
        assert not r["empty"] and r["blob"] and not r["confident"], radius
    one = digits.read(paper(draw([[(40, 140), (240, 140)]])))  # a stroke is no blob
    assert not one["blob"] and one["confident"] and one["digit"] == 1


def test_read_a_drawn_zero_one_and_seven():
    zero = draw([[(140 - 90 * np.cos(a), 140 + 55 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 60)]])
    seven = draw([[(50, 80), (50, 200)], [(50, 200), (140, 160), (230, 120)]])
    for ink, digit in ((zero, 0), (seven, 7)):
        for name in digits.MODELS:
            r = digits.read({"background": None, "layers": [], "composite": paper(ink)}, name)
            assert r["digit"] == digit and r["confident"] and r["consensus"][0] == digit
            assert r["probs"] == pytest.approx(r["every"][name]) and len(r["probs"]) == 10
    assert digits.top_k([0.1, 0.5, 0.05, 0.35] + [0.0] * 6, 3) == [(1, 0.5), (3, 0.35), (0, 0.1)]
    with pytest.raises(ValueError):
        digits.read(zero, "resnet")


# ---- inside the CNNs -----------------------------------------------------------------------


def test_feature_maps_and_kernels_are_the_models_own(sample):
    x = sample[0][3].astype(np.float32) / 255
    t = digits.to_tensor(x)
    with torch.no_grad():
        lecture = load.load("lecture_cnn")
        c1 = lecture.conv1(t)
        c2 = lecture.conv2(F.relu(lecture.pooling(c1)))
        best = load.load("best_cnn").features
        b1 = best[0](t)
        b2 = best[2](best[1](b1))
    for name, want in (("lecture_cnn", (c1, c2)), ("best_cnn", (b1, b2))):
        got = digits.feature_maps(name, x)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, F.relu(w)[0].numpy(), atol=1e-6)
    shapes = [m.shape for m in digits.feature_maps("lecture_cnn", x) + digits.feature_maps("best_cnn", x)]
    assert shapes == [(10, 24, 24), (20, 8, 8), (32, 24, 24), (64, 12, 12)]
    np.testing.assert_array_equal(digits.conv1_kernels("lecture_cnn"), lecture.conv1.weight[:, 0].numpy())
    np.testing.assert_array_equal(digits.conv1_kernels("best_cnn"), best[0][0].weight[:, 0].numpy())
    with pytest.raises(ValueError):
        digits.feature_maps("mlp", x)
    assert not lecture.conv1._forward_hooks  # the hooks are removed
