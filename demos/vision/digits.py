"""Reading a hand-drawn digit as MNIST was made: pure computation shared by the digit tabs.

MNIST's digits were cropped to their ink, scaled into a 20x20 box keeping the aspect ratio
(with anti-aliasing, hence the grey edges) and placed in a 28x28 field so that their centre
of mass is at pixel (14, 14) (LeCun et al.). A raw resize of a whole canvas is not that, and
is why many draw-a-digit demos misread real drawings. ``preprocess`` does the same steps, and
one more that MNIST did not need: it brings the stroke width to MNIST's median, so that a
thin pen or a fat brush reads like a test digit (measured in tests/test_digits.py).

No gradio, no UI: arrays in, arrays and floats out. torch is imported on first use.

    ink = to_ink(image)            # (H, W) float32 in [0, 1], 1 = ink; image: a Sketchpad
                                   # value, an array, a PIL image or a file path
    pre = preprocess(ink)          # Preprocessed(image=(28, 28) float32 in [0, 1], ...) or None
    p = probabilities("best_cnn", pre.image)   # 10 floats summing to 1
    confident({m: probabilities(m, pre.image) for m in MODELS})  # False: warn, it may be no digit
    read(image, "best_cnn")        # all of the above in one dict
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from demos import ui

MODELS = ("mlp", "lecture_cnn", "best_cnn")  # the models a user can compare
CONV_MODELS = ("lecture_cnn", "best_cnn")  # the ones with convolutions to look into

MEAN, STD = 0.1307, 0.3081  # of the MNIST training set, as models.data (which imports torchvision)
SIZE, BOX, CENTRE = 28, 20, 14.0  # MNIST: a 28x28 field, the digit scaled into 20x20, mass centre at (14, 14)
# A pixel is ink when 1 - grey/255 > 0.1 (grey below 230). With it the bounding box of every
# MNIST sample digit has its longest side exactly 20, and anti-aliasing or JPEG haze stays out.
INK_THRESHOLD = 0.1
WORK = 4  # the stroke width is measured and adjusted with the digit at 4x the 20x20 box (80 px)
# Median stroke width of MNIST test digits in pixels of the 20x20 box, 2·area/boundary of the
# ink above 0.5 (5 %-95 %: 1.8-4.1); preprocessing thins or thickens strokes outside
# [0.8, 1.25] x this towards it.
MNIST_STROKE = 2.7
STROKE_BAND = (0.8, 1.25)
# The answer is trusted when the three models, averaged, give their top digit at least 0.9
# (then each of them gives it at least 0.7, so they agree). One softmax alone is too sure of
# itself on scribbles: best_cnn gives 67 % of random scribbles a top probability above 0.8.
# Measured in tests/test_digits.py: the mean stays below 0.9 for 2-4 % of the committed test
# digits (re)drawn with thin to thick pens -- among them 25 of best_cnn's 26 misreads -- and for about
# 70 % of letters, 80 % of scribbles and all noise.
CONFIDENT = 0.9
# A dot is no digit, yet scaled into the 20x20 box it looks like a fat 0 to every model (94 %).
# Its stroke width is half its size: 8.4-10.4 px of the 20-px box for round dots, against at
# most 7.5 for digits drawn with a pen a quarter as wide as the digit is tall.
BLOB_STROKE = 8.0
MAX_SIDE = 4096  # larger images are refused (a 4096x4096 RGBA array is 256 MB as float32)
READ_SIDE = 1024  # image files and PIL images are shrunk to at most this many pixels a side


# ---- any image -> ink -------------------------------------------------------------


def _pil_array(im) -> np.ndarray:
    """A PIL image -> float (H, W, 4) RGBA; a photo larger than READ_SIDE is shrunk first (the digit
    ends up 20 px tall anyway), so a phone picture costs no more memory than a drawing."""
    from PIL import Image

    if max(im.size) > MAX_SIDE:
        raise ValueError(f"image of {im.size[0]}x{im.size[1]} pixels; at most {MAX_SIDE} a side")
    im = im.convert("RGBA")
    if max(im.size) > READ_SIDE:
        im.thumbnail((READ_SIDE, READ_SIDE), Image.Resampling.BOX)
    return np.asarray(im, dtype=np.float32)


def _image_array(image) -> np.ndarray | None:
    """A Sketchpad dict, a FileData dict, a path, a PIL image or an array -> float (H, W, 4) RGBA in [0, 255]."""
    from PIL import Image

    if image is None:
        return None
    if isinstance(image, dict):
        if "path" in image:  # a FileData dict (what gradio hands an API function)
            return _image_array(image["path"])
        if "composite" in image or "background" in image or "layers" in image:
            composite = _image_array(image.get("composite"))
            if composite is not None:
                return composite
            # no composite (a client sent only a background and layers): layers over the background
            parts = [_image_array(image.get("background")), *(_image_array(x) for x in image.get("layers") or [])]
            parts = [p for p in parts if p is not None]
            if not parts:
                return None
            out = np.full_like(parts[0], 255.0)
            out[..., 3] = 0.0
            for p in parts:
                if p.shape != out.shape:
                    raise ValueError(f"layer of shape {p.shape[:2]} on a background of {out.shape[:2]}")
                a = p[..., 3:] / 255.0  # "over" compositing with straight alpha
                out[..., :3] = p[..., :3] * a + out[..., :3] * (1 - a)
                out[..., 3:] = 255.0 * (a + out[..., 3:] / 255.0 * (1 - a))
            return out
        raise ValueError("a dict image needs 'composite', 'background'/'layers' or 'path'")
    if isinstance(image, str | Path):
        try:
            with Image.open(image) as im:
                return _pil_array(im)
        except Image.DecompressionBombError as e:
            raise ValueError(str(e)) from None
    if isinstance(image, Image.Image):
        return _pil_array(image)
    a = np.asarray(image)
    if a.dtype == bool or a.dtype.kind not in "uif":
        raise ValueError(f"an image array must hold numbers, not {a.dtype}")
    a = a.astype(np.float32)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or min(a.shape[:2]) < 1:
        raise ValueError(f"an image array must be (H, W), (H, W, 3) or (H, W, 4); got {a.shape}")
    if max(a.shape[:2]) > MAX_SIDE:
        raise ValueError(f"image of {a.shape[1]}x{a.shape[0]} pixels; at most {MAX_SIDE} a side")
    if not np.all(np.isfinite(a)):
        raise ValueError("the image holds NaN or infinite values")
    if a.dtype.kind == "f" and a.size and a.max() <= 1.0:  # float images in [0, 1]
        a = a * 255.0
    a = np.clip(a, 0.0, 255.0)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    if a.shape[2] == 3:
        a = np.concatenate([a, np.full(a.shape[:2] + (1,), 255.0, np.float32)], axis=2)
    return a


def to_ink(image) -> np.ndarray | None:
    """Any image -> ink (H, W) float32 in [0, 1], 1 = full ink; None when there is no image.

    RGBA is composited over white (transparent = paper; from the browser the pad is opaque),
    turned grey with the ITU-R 601 luma weights (as PIL's "L"), and inverted: ink = 1 - grey/255.
    Arrays are images: 255 (or 1.0 for floats) is white. An image whose border is mostly dark
    (white ink on black, like the MNIST files themselves) is inverted back.
    """
    rgba = _image_array(image)
    if rgba is None:
        return None
    alpha = rgba[..., 3:] / 255.0
    rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)  # over white
    grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32)  # (H, W)
    ink = (1.0 - grey / 255.0).astype(np.float32)
    border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    if np.median(border) > 0.5:  # dark paper: the digit is the light part
        ink = 1.0 - ink
    return np.clip(ink, 0.0, 1.0)


# ---- MNIST-style preprocessing ------------------------------------------------------


def ink_box(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), inclusive, of the pixels with ink > threshold; None if there are none."""
    rows = np.flatnonzero(ink.max(axis=1) > threshold)
    if rows.size == 0:
        return None
    cols = np.flatnonzero(ink.max(axis=0) > threshold)
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def crop_to_ink(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray | None:
    box = ink_box(ink, threshold)
    if box is None:
        return None
    top, bottom, left, right = box
    return ink[top : bottom + 1, left : right + 1]


def fit(a: np.ndarray, side: int) -> np.ndarray:
    """Resize so the longest side is ``side`` keeping the aspect ratio (the other side rounded, at least 1 px).

    Bilinear with antialias=True: when shrinking, each output pixel averages the input pixels it
    covers (like PIL's resize), so a stroke thinner than a pixel becomes a grey pixel, not a gap.
    """
    torch = ui.torch_ready()
    h, w = a.shape
    longest = max(h, w)
    size = (max(1, round(h * side / longest)), max(1, round(w * side / longest)))
    x = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None, None]  # (1, 1, h, w)
    out = torch.nn.functional.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
    return out[0, 0].clamp(0.0, 1.0).numpy()


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in pixels: 2·area/boundary of the ink above 0.5.

    A stroke of width w and length l has area w·l and about 2·l boundary pixels (ink pixels
    with a paper pixel among their 4 neighbours). A round blob of radius r gives r."""
    b = ink > 0.5
    area = int(b.sum())
    if area == 0:
        return 0.0
    p = np.pad(b, 1)
    inner = p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    return 2.0 * area / max(int((b & ~inner).sum()), 1)


_CROSS = ((0, 1), (1, 0), (1, 2), (2, 1))  # 3x3 neighbours as offsets into the 1-padded image
_SQUARE = _CROSS + ((0, 0), (0, 2), (2, 0), (2, 2))


def _morph(a: np.ndarray, radius: int, op) -> np.ndarray:
    """Grey dilation (op=np.maximum) or erosion (np.minimum) by an octagon of the given radius:
    alternating 3x3 crosses and squares, each step moving every stroke edge by one pixel."""
    h, w = a.shape
    for i in range(radius):
        p = np.pad(a, 1)  # paper (0) outside
        for dy, dx in _CROSS if i % 2 == 0 else _SQUARE:
            a = op(a, p[dy : dy + h, dx : dx + w])
    return a


def normalise_stroke(work: np.ndarray, target: float) -> tuple[np.ndarray, float]:
    """Thicken or thin the strokes of ``work`` towards ``target`` pixels when they lie outside
    STROKE_BAND x target; returns the new image (padded when thickened) and the width before."""
    width = stroke_width(work)
    lo, hi = STROKE_BAND
    if 0 < width < lo * target:
        r = round((target - width) / 2)  # each side grows by r
        work = _morph(np.pad(work, r), r, np.maximum)
    elif width > hi * target:
        r = round((width - target) / 2)
        thinned = _morph(work, r, np.minimum)
        if ink_box(thinned) is not None:  # never erase the digit
            work = thinned
    return work, width


@dataclass
class Preprocessed:
    """What the model sees and how it was made from the drawing."""

    image: np.ndarray  # (28, 28) float32 in [0, 1], 1 = ink, centre of mass at (14, 14)
    box: tuple[int, int, int, int]  # the ink's bounding box in the input (top, bottom, left, right)
    stroke: float  # the drawing's stroke width before adjustment, in pixels of the 20x20 box
    scale: float  # 20 / longest side of the ink's bounding box
    size: tuple[int, int]  # the digit scaled into the 20x20 box: (height, width), the longer one 20
    shift: tuple[int, int]  # where that digit's top-left corner went in 28x28 (row, col)


def centre_of_mass(a: np.ndarray) -> tuple[float, float]:
    """(row, col) of the ink's centre of mass, in pixel indices."""
    m = float(a.sum())
    rows, cols = np.arange(a.shape[0]), np.arange(a.shape[1])
    return float(a.sum(axis=1) @ rows) / m, float(a.sum(axis=0) @ cols) / m


def preprocess(ink: np.ndarray | None) -> Preprocessed | None:
    """MNIST's recipe on an ink image (H, W) in [0, 1]; None when nothing exceeds INK_THRESHOLD.

    1. crop to the ink's bounding box and scale the ink so its darkest pixel is 1;
    2. scale it to 80 px (4x the box) along its longest side, and bring its stroke width
       towards MNIST's (MNIST_STROKE x 4 px) by grey dilation or erosion, then crop again;
    3. scale into 20x20 keeping the aspect ratio, with antialiasing;
    4. paste in 28x28, shifted by whole pixels so the centre of mass lands at (14, 14)
       (within half a pixel); like MNIST, ink shifted past the edge is cut.
    """
    if ink is None:
        return None
    box = ink_box(ink)
    if box is None:
        return None
    top, bottom, left, right = box
    crop = ink[top : bottom + 1, left : right + 1]
    crop = crop / crop.max()  # a grey pencil reads like black ink
    work, width = normalise_stroke(fit(crop, BOX * WORK), MNIST_STROKE * WORK)
    work = crop_to_ink(work)
    small = fit(work, BOX)  # (h, w), max(h, w) = 20
    h, w = small.shape
    cy, cx = centre_of_mass(small)
    dy, dx = round(CENTRE - cy), round(CENTRE - cx)
    field = np.zeros((3 * SIZE, 3 * SIZE), np.float32)  # room on every side, then the middle 28x28
    field[SIZE + dy : SIZE + dy + h, SIZE + dx : SIZE + dx + w] = small
    image = field[SIZE : 2 * SIZE, SIZE : 2 * SIZE].copy()
    return Preprocessed(image, box, width / WORK, BOX / max(bottom - top + 1, right - left + 1), (h, w), (dy, dx))


# ---- the models -----------------------------------------------------------------


def model(name: str):
    """The trained model in eval mode (loaded once per process by models.load)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {MODELS}")
    ui.torch_ready()
    from models import load

    return load.load(name)


def to_tensor(images: np.ndarray):
    """(28, 28) or (N, 28, 28) ink in [0, 1] -> (N, 1, 28, 28) float32 normalised as in training."""
    torch = ui.torch_ready()
    x = torch.from_numpy(np.asarray(images, np.float32).reshape(-1, 1, SIZE, SIZE).copy())  # (N, 1, 28, 28)
    return (x - MEAN) / STD


def probabilities(model_name: str, images: np.ndarray) -> np.ndarray:
    """softmax(model(x)): (10,) for one (28, 28) image, (N, 10) for a batch (N, 28, 28); float64."""
    torch = ui.torch_ready()
    with torch.no_grad():
        p = torch.softmax(model(model_name)(to_tensor(images)), dim=1).double().numpy()
    return p[0] if np.ndim(images) == 2 else p


def consensus(every: dict[str, np.ndarray]) -> tuple[int, float]:
    """(digit, probability) of the top class of the models' mean probabilities."""
    mean = np.mean([np.asarray(p, np.float64) for p in every.values()], axis=0)
    digit = int(np.argmax(mean))
    return digit, float(mean[digit])


def confident(every: dict[str, np.ndarray]) -> bool:
    """True when the mean of the models' probabilities gives its top digit at least CONFIDENT;
    False means: maybe no digit at all, warn instead of answering."""
    return consensus(every)[1] >= CONFIDENT


def top_k(probs, k: int = 3) -> list[tuple[int, float]]:
    """[(digit, probability)] of the k most probable digits, most probable first."""
    order = np.argsort(-np.asarray(probs), kind="stable")[:k]
    return [(int(d), float(probs[d])) for d in order]


def read(image, model_name: str = "best_cnn") -> dict:
    """Preprocess one drawing and classify it with every model.

    {"empty": True, ...} when there is no ink; else "digit" and "confidence" of ``model_name``,
    its "probs" (10 floats), "every" {model: 10 floats}, "consensus" (digit, mean probability),
    "confident" and "pre" (the Preprocessed input)."""
    if model_name not in MODELS:
        raise ValueError(f"unknown model {model_name!r}; choose from {MODELS}")
    pre = preprocess(to_ink(image))
    if pre is None:
        return {
            "empty": True,
            "digit": None,
            "confidence": None,
            "probs": None,
            "every": None,
            "consensus": None,
            "blob": False,
            "confident": False,
            "pre": None,
        }
    every = {m: probabilities(m, pre.image) for m in MODELS}
    p = every[model_name]
    digit = int(np.argmax(p))
    return {
        "empty": False,
        "digit": digit,
        "confidence": float(p[digit]),
        "probs": [float(v) for v in p],
        "every": {m: [float(v) for v in q] for m, q in every.items()},
        "consensus": consensus(every),
        "blob": pre.stroke > BLOB_STROKE,
        "confident": confident(every) and pre.stroke <= BLOB_STROKE,
        "pre": pre,
    }


# ---- inside the CNNs -------------------------------------------------------------


def conv_layers(model_name: str) -> list:
    """The first two conv layers' output modules (whose outputs are the feature maps after ReLU).

    lecture_cnn: conv1 (10 maps 24x24), conv2 (20 maps 8x8) -- the lecture's relu(pool(conv(x)))
    equals pool(relu(conv(x))), so relu(conv(x)) is the map before pooling.
    best_cnn: features[0] = conv 5x5 + batch norm + ReLU (32 maps 24x24), features[2] = conv
    3x3 + batch norm + ReLU (64 maps 12x12)."""
    m = model(model_name)
    if model_name == "lecture_cnn":
        return [m.conv1, m.conv2]
    if model_name == "best_cnn":
        return [m.features[0], m.features[2]]
    raise ValueError(f"{model_name!r} has no convolution layers; choose from {CONV_MODELS}")


def feature_maps(model_name: str, image: np.ndarray) -> list[np.ndarray]:
    """[conv1 maps (C1, H1, W1), conv2 maps (C2, H2, W2)] after ReLU for one (28, 28) image."""
    torch = ui.torch_ready()
    layers = conv_layers(model_name)
    seen: dict[int, np.ndarray] = {}
    hooks = [
        layer.register_forward_hook(lambda _m, _i, out, k=k: seen.__setitem__(k, out)) for k, layer in enumerate(layers)
    ]
    try:
        with torch.no_grad():
            model(model_name)(to_tensor(image))
    finally:
        for h in hooks:
            h.remove()
    # lecture_cnn's conv has no ReLU of its own; best_cnn's block ends with one (relu again is a no-op)
    return [torch.relu(seen[k])[0].numpy() for k in range(len(layers))]


def conv1_kernels(model_name: str) -> np.ndarray:
    """The learned first-layer kernels (C, k, k): 10 of 5x5 for lecture_cnn, 32 of 5x5 for best_cnn."""
    layer = conv_layers(model_name)[0]
    conv = layer if model_name == "lecture_cnn" else layer[0]
    return conv.weight.detach()[:, 0].numpy().copy()


@functools.cache
def sample_digits() -> tuple[np.ndarray, np.ndarray]:
    """The app's 1,000 MNIST test digits (data/mnist_subset.npz) as ink (N, 28, 28) float32 in [0, 1]
    and labels (N,) int64, read-only (shared by every caller)."""
    from demos import mnist_data

    ink = mnist_data.images("test").astype(np.float32) / 255.0
    labels = mnist_data.raw()["y_test"].astype(np.int64)
    for a in (ink, labels):
        a.setflags(write=False)
    return ink, labels
