"""Beyond accuracy (Hung-yi Lee, ML 2021 lecture 1): explain, attack, say "I don't know", adapt and
compress the app's pretrained MNIST models. Pure computation: arrays in, arrays, dicts and floats out.

Images are ink (28, 28) float32 in [0, 1] (1 = ink), as demos.vision.digits makes them; a model sees
(ink - 0.1307) / 0.3081. Attacks and saliency work in ink space, so epsilon is in pixel units
(1 = black to white). The shared models are never modified: fine-tuning, pruning and quantising
work on a deep copy. torch is imported on first use.
"""

from __future__ import annotations

import copy
import functools
import gzip
import io
import time
import warnings

import numpy as np

from demos import ui
from demos.vision import digits

MODELS = digits.MODELS  # ("mlp", "lecture_cnn", "best_cnn")
SALIENCY_METHODS = ("gradient", "integrated", "occlusion")
IG_STEPS = 32  # integrated gradients: midpoint Riemann sum with 32 points between blank paper and the image
OCCLUSION_PATCH, OCCLUSION_STRIDE = 6, 2  # 12 x 12 = 144 occluded copies in one batch
EPS_MAX = 0.5  # the largest attack strength searched and offered (pixel units)
EPS_GRID = 32  # the smallest flipping epsilon: a grid of 32 strengths in (0, EPS_MAX], then bisection
BISECTIONS = 12  # EPS_MAX / 32 / 2**12 ≈ 4e-6 precision
IFGSM_STEPS = 10
OOD_METHODS = ("msp", "energy", "ensemble")
MSP_THRESHOLD = 0.9  # default: reject when the maximum softmax probability is below 0.9
SHIFTS = ("none", "invert", "background", "thin", "thick", "rotate")
ROTATION = 45.0  # degrees
FINETUNE = {"per_class": 5, "steps": 40, "lr": 1e-3}  # 50 shifted training digits, 40 Adam steps, full batch
COMPRESS_MODEL = "best_cnn"
LATENCY_RUNS = 50
QUANT_MARGIN = 0.01  # int8 models keep accuracy within 1 percentage point of fp32 (tests/test_beyond.py)


def _torch():
    return ui.torch_ready()


def _logits(model, ink):
    """ink (N, 1, 28, 28) tensor in [0, 1] -> logits (N, 10); differentiable in ink."""
    return model((ink - digits.MEAN) / digits.STD)


def _ink(images):
    """(28, 28) or (N, 28, 28) array -> float32 tensor (N, 1, 28, 28)."""
    torch = _torch()
    return torch.tensor(np.asarray(images, np.float32).reshape(-1, 1, 28, 28))


def predict(model_name: str, images) -> np.ndarray:
    """softmax probabilities (N, 10) float64 of ink images (N, 28, 28) (or (10,) for one image)."""
    return digits.probabilities(model_name, np.asarray(images, np.float32))


@functools.cache
def test_set() -> tuple[np.ndarray, np.ndarray]:
    """The app's 1,000 test digits as ink (1000, 28, 28) float32 and labels (1000,) int64."""
    return digits.sample_digits()


@functools.cache
def train_set() -> tuple[np.ndarray, np.ndarray]:
    from demos import mnist_data

    return mnist_data.images("train").astype(np.float32) / 255.0, mnist_data.raw()["y_train"].astype(np.int64)


def accuracy(model, images, labels) -> float:
    """Fraction of (N, 28, 28) ink images the model (an nn.Module) classifies as ``labels``."""
    torch = _torch()
    with torch.no_grad():
        pred = _logits(model, _ink(images)).argmax(1).numpy()
    return float(np.mean(pred == np.asarray(labels)))


# ---- 1. explainable AI: saliency maps ------------------------------------------------------


def saliency(model_name: str, image, target: int, method: str = "gradient") -> np.ndarray:
    """How much each pixel matters for the logit z_target; (28, 28) float64, signed.

    gradient:   ∂z_target/∂x (Simonyan et al. 2013);
    integrated: (x - x0) · mean_k ∂z_target/∂x at x0 + (k - ½)/m · (x - x0), x0 = blank paper
                (Sundararajan et al. 2017); it sums to z(x) - z(x0) (completeness);
    occlusion:  z(x) - z(x with a 6x6 patch blanked), averaged over the patches covering the pixel.
    """
    torch = _torch()
    model = digits.model(model_name)
    x = _ink(image)  # (1, 1, 28, 28)
    if method == "gradient":
        x.requires_grad_(True)
        _logits(model, x)[0, target].backward()
        return x.grad[0, 0].double().numpy()
    if method == "integrated":
        alphas = (torch.arange(IG_STEPS, dtype=torch.float32) + 0.5) / IG_STEPS  # midpoints in (0, 1)
        path = (alphas.view(-1, 1, 1, 1) * x).requires_grad_(True)  # (m, 1, 28, 28), baseline 0
        _logits(model, path)[:, target].sum().backward()
        return (x[0, 0] * path.grad.mean(0)[0]).double().numpy()
    if method == "occlusion":
        starts = range(0, 28 - OCCLUSION_PATCH + 1, OCCLUSION_STRIDE)
        boxes = [(r, c) for r in starts for c in starts]
        batch = x.repeat(len(boxes), 1, 1, 1)  # (144, 1, 28, 28)
        for k, (r, c) in enumerate(boxes):
            batch[k, 0, r : r + OCCLUSION_PATCH, c : c + OCCLUSION_PATCH] = 0.0
        with torch.no_grad():
            drop = (_logits(model, x)[0, target] - _logits(model, batch)[:, target]).double().numpy()
        total, count = np.zeros((28, 28)), np.zeros((28, 28))
        for d, (r, c) in zip(drop, boxes):
            total[r : r + OCCLUSION_PATCH, c : c + OCCLUSION_PATCH] += d
            count[r : r + OCCLUSION_PATCH, c : c + OCCLUSION_PATCH] += 1
        return total / count
    raise ValueError(f"unknown saliency method {method!r}; choose from {SALIENCY_METHODS}")


def logit(model_name: str, images, target: int) -> np.ndarray:
    """z_target of each image (N,), float64 (for the completeness check of integrated gradients)."""
    torch = _torch()
    with torch.no_grad():
        return _logits(digits.model(model_name), _ink(images))[:, target].double().numpy()


# ---- 2. attacks: FGSM and iterated FGSM ---------------------------------------------------


def attack_batch(model, image, eps, target: int | None = None, steps: int = 1, label: int | None = None):
    """Attack one ink image with every strength in ``eps`` at once; (len(eps), 28, 28) float32 tensor.

    Untargeted (target None): climb the loss of ``label`` (default: the model's own answer),
        x' = clip(x + ε·sign(∇x CE(f(x), label)), 0, 1).
    Targeted: descend the loss of ``target``, x' = clip(x - ε·sign(∇x CE(f(x), target)), 0, 1).
    steps > 1 is iterated FGSM (Kurakin et al. 2016): steps of α = 2.5·ε/steps, each followed by a
    projection back into the ε-ball around x and into [0, 1].
    """
    torch = _torch()
    x = _ink(image)  # (1, 1, 28, 28)
    e = torch.as_tensor(np.asarray(eps, np.float32)).view(-1, 1, 1, 1)  # (E, 1, 1, 1)
    if label is None:
        with torch.no_grad():
            label = int(_logits(model, x).argmax(1))
    cls = torch.full((e.size(0),), label if target is None else target, dtype=torch.long)
    sign = 1.0 if target is None else -1.0  # untargeted: up the loss; targeted: down
    alpha = e if steps == 1 else 2.5 * e / steps
    adv = x.repeat(e.size(0), 1, 1, 1)
    for _ in range(steps):
        adv.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(_logits(model, adv), cls, reduction="sum")
        (grad,) = torch.autograd.grad(loss, adv)
        with torch.no_grad():
            adv = adv + sign * alpha * grad.sign()
            adv = torch.min(torch.max(adv, x - e), x + e).clamp(0.0, 1.0)  # project: ε-ball, then [0, 1]
    return adv.detach()[:, 0]


def fgsm(model_name: str, image, eps: float, target: int | None = None, steps: int = 1) -> dict:
    """One attack: the adversarial image, the perturbation and the probabilities before and after."""
    model = digits.model(model_name)
    adv = attack_batch(model, image, [eps], target, steps)[0].numpy()
    before, after = predict(model_name, image), predict(model_name, adv)
    pred = int(np.argmax(before))
    new = int(np.argmax(after))
    return {
        "adv": adv,
        "delta": adv - np.asarray(image, np.float32),
        "before": before,
        "after": after,
        "pred_before": pred,
        "pred_after": new,
        "success": new != pred if target is None else new == target,
    }


def _success(model, adv, pred: int, target: int | None) -> np.ndarray:
    torch = _torch()
    with torch.no_grad():
        out = _logits(model, adv[:, None]).argmax(1).numpy()
    return out != pred if target is None else out == target


def smallest_eps(model_name: str, image, target: int | None = None, steps: int = 1) -> dict:
    """The smallest ε in (0, EPS_MAX] whose attack succeeds: the first of 32 grid strengths that does,
    then bisection between it and the grid point before (which failed); "eps" is None if none does.
    Also the curve p(original answer) against the grid strengths."""
    model = digits.model(model_name)
    p0 = predict(model_name, image)
    pred = int(np.argmax(p0))
    grid = np.linspace(0.0, EPS_MAX, EPS_GRID + 1)[1:]
    adv = attack_batch(model, image, grid, target, steps)
    ok = _success(model, adv, pred, target)
    curve = predict(model_name, adv.numpy())  # (32, 10)
    out = {"grid": grid, "p_pred": curve[:, pred], "p_target": None if target is None else curve[:, target]}
    out["pred"] = pred
    if target is not None and target == pred:
        return {**out, "eps": 0.0}
    if not ok.any():
        return {**out, "eps": None}
    k = int(np.argmax(ok))
    lo, hi = (grid[k - 1] if k else 0.0), grid[k]
    for _ in range(BISECTIONS):
        mid = (lo + hi) / 2
        if _success(model, attack_batch(model, image, [mid], target, steps), pred, target)[0]:
            hi = mid
        else:
            lo = mid
    return {**out, "eps": float(hi)}


# ---- 3. anomaly detection: "I don't know" ---------------------------------------------------


def scores(model_name: str, images, method: str = "msp") -> np.ndarray:
    """How digit-like each image looks to the model (N,), higher = more confident.
    msp: max softmax probability (Hendrycks & Gimpel 2017); energy: logsumexp(z) = -E(x)
    (Liu et al. 2020); ensemble: the max of the three models' mean probabilities (demos.vision.digits'
    own check, whatever ``model_name`` is)."""
    torch = _torch()
    if method == "ensemble":
        return np.mean([predict(m, np.asarray(images, np.float32).reshape(-1, 28, 28)) for m in MODELS], 0).max(1)
    with torch.no_grad():
        z = _logits(digits.model(model_name), _ink(images))
    if method == "msp":
        return torch.softmax(z, 1).max(1).values.double().numpy()
    if method == "energy":
        return torch.logsumexp(z, 1).double().numpy()
    raise ValueError(f"unknown score {method!r}; choose from {OOD_METHODS}")


LETTERS = "ACEFHKMNPRTUVWXYaefhkmnrtwy"  # letters that do not look like digits (no O, I, S, Z, B, G, l...)
SHAPES = ("circle", "square", "triangle", "star", "cross", "grid", "spiral", "smiley", "heart", "arrow")


def _canvas(draw_fn) -> np.ndarray:
    """Draw black on a white 112x112 PIL canvas, then MNIST-style preprocessing (demos.vision.digits)."""
    from PIL import Image, ImageDraw

    im = Image.new("L", (112, 112), 255)
    draw_fn(ImageDraw.Draw(im))
    pre = digits.preprocess(digits.to_ink(np.asarray(im)))
    return pre.image


def _shape(draw, name: str) -> None:
    w = 9
    if name == "circle":
        draw.ellipse((16, 16, 96, 96), outline=0, width=w)
    elif name == "square":
        draw.rectangle((20, 20, 92, 92), outline=0, width=w)
    elif name == "triangle":
        draw.polygon([(56, 12), (100, 96), (12, 96)], outline=0, width=w)
    elif name == "star":
        pts = [(56 + 44 * np.sin(k * 4 * np.pi / 5), 60 - 44 * np.cos(k * 4 * np.pi / 5)) for k in range(5)]
        draw.line([*pts, pts[0]], fill=0, width=w, joint="curve")
    elif name == "cross":
        draw.line((56, 10, 56, 102), fill=0, width=w)
        draw.line((10, 56, 102, 56), fill=0, width=w)
    elif name == "grid":
        for v in (38, 74):
            draw.line((v, 10, v, 102), fill=0, width=w)
            draw.line((10, v, 102, v), fill=0, width=w)
    elif name == "spiral":
        t = np.linspace(0, 4 * np.pi, 200)
        draw.line(list(zip(56 + 3.3 * t * np.cos(t), 56 + 3.3 * t * np.sin(t))), fill=0, width=w - 2)
    elif name == "smiley":
        draw.ellipse((12, 12, 100, 100), outline=0, width=w - 2)
        draw.ellipse((34, 36, 46, 48), fill=0)
        draw.ellipse((66, 36, 78, 48), fill=0)
        draw.arc((32, 40, 80, 84), 20, 160, fill=0, width=w - 2)
    elif name == "heart":
        t = np.linspace(0, 2 * np.pi, 200)
        xs, ys = 16 * np.sin(t) ** 3, 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
        draw.polygon(list(zip(56 + 2.6 * xs, 52 - 2.6 * ys)), fill=0)
    elif name == "arrow":
        draw.line((12, 56, 96, 56), fill=0, width=w)
        draw.line((70, 30, 98, 56, 70, 82), fill=0, width=w, joint="curve")
    else:
        raise ValueError(name)


@functools.cache
def non_digits() -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """The gallery of things that are not digits: (images (M, 28, 28) float32, kinds, names).
    Letters and shapes are drawn with PIL and preprocessed like a drawing; noise is seeded."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=90)  # Pillow's bundled scalable font: no system font needed
    images, kinds, names = [], [], []
    for ch in LETTERS:
        images.append(_canvas(lambda d, ch=ch: d.text((56, 56), ch, fill=0, font=font, anchor="mm")))
        kinds.append("letter")
        names.append(ch)
    for name in SHAPES:
        images.append(_canvas(lambda d, name=name: _shape(d, name)))
        kinds.append("shape")
        names.append(name)
    rng = np.random.default_rng(0)
    for k in range(4):
        images.append(rng.random((28, 28)).astype(np.float32))  # uniform noise
        kinds.append("noise")
        names.append(f"noise {k + 1}")
    for k in range(3):  # sparse salt noise
        images.append((rng.random((28, 28)) < 0.15).astype(np.float32))
        kinds.append("noise")
        names.append(f"salt {k + 1}")
    images.append(np.zeros((28, 28), np.float32))
    kinds.append("blank")
    names.append("blank")
    images.append(np.ones((28, 28), np.float32))
    kinds.append("blank")
    names.append("filled")  # all ink
    out = np.stack(images).astype(np.float32)
    out.setflags(write=False)
    return out, tuple(kinds), tuple(names)


@functools.lru_cache(maxsize=8)
def ood_scores(model_name: str, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(scores of the 1,000 test digits, scores of the non-digit gallery) for one model and score."""
    x, _ = test_set()
    return scores(model_name, x, method), scores(model_name, non_digits()[0], method)


def rates(digit_scores, other_scores, threshold: float) -> dict:
    """Reject an image when its score < threshold. detection = share of non-digits rejected;
    false alarm = share of real digits rejected."""
    d, o = np.asarray(digit_scores), np.asarray(other_scores)
    return {"detection": float(np.mean(o < threshold)), "false_alarm": float(np.mean(d < threshold))}


# ---- 4. domain shift and adaptation ---------------------------------------------------------


def _morph(a: np.ndarray, op) -> np.ndarray:
    """Grey erosion (np.minimum) or dilation (np.maximum) of (N, 28, 28) by a 3x3 cross."""
    p = np.pad(a, ((0, 0), (1, 1), (1, 1)))
    out = a.copy()
    for dy, dx in ((0, 1), (2, 1), (1, 0), (1, 2)):
        out = op(out, p[:, dy : dy + 28, dx : dx + 28])
    return out


def background_colours(n: int, seed: int = 0) -> np.ndarray:
    """(n, 3) RGB in [0, 1]: saturated random colours behind the digits."""
    rng = np.random.default_rng(seed)
    hue = rng.random(n)
    k = (np.array([5.0, 3.0, 1.0]) + hue[:, None] * 6) % 6
    return 0.9 - 0.7 * np.clip(np.minimum(k, 4 - k), 0, 1)  # HSV to RGB, s = 0.78, v = 0.9


def luma(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 grey of (..., 3) RGB, as PIL's "L" and demos.vision.digits.to_ink."""
    return rgb @ np.array([0.299, 0.587, 0.114])


def shift(images, name: str, seed: int = 0) -> np.ndarray:
    """The same ink images (N, 28, 28) in a new domain, as the model receives them (grey, 1 = white):
    invert: black digit on white; background: white digit on a random coloured background (the
    model sees its grey, luma(c) + (1 - luma(c))·x); thin / thick: grey erosion / dilation by a
    3x3 cross; rotate: 45 degrees anticlockwise about the centre."""
    x = np.asarray(images, np.float32).reshape(-1, 28, 28)
    if name == "none":
        return x.copy()
    if name == "invert":
        return 1.0 - x
    if name == "background":
        b = luma(background_colours(len(x), seed)).astype(np.float32)[:, None, None]
        return b + (1.0 - b) * x
    if name == "thin":
        return _morph(x, np.minimum)
    if name == "thick":
        return _morph(x, np.maximum)
    if name == "rotate":
        torch = _torch()
        from torchvision.transforms.v2 import functional as TF

        return TF.rotate(torch.from_numpy(x.copy())[:, None], ROTATION)[:, 0].numpy()
    raise ValueError(f"unknown shift {name!r}; choose from {SHIFTS}")


@functools.lru_cache(maxsize=8)
def shift_accuracies(model_name: str) -> dict[str, float]:
    """Accuracy of the model on the 1,000 test digits under every shift."""
    x, y = test_set()
    model = digits.model(model_name)
    return {s: accuracy(model, shift(x, s, seed=1), y) for s in SHIFTS}


def few_shot(name: str, per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """per_class shifted training digits of each class (seeded): the few examples of the new domain."""
    x, y = train_set()
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)])
    return shift(x[idx], name, seed=seed + 100), y[idx]


@functools.lru_cache(maxsize=32)
def finetune(model_name: str, name: str, per_class: int = 5, steps: int = 40, seed: int = 0) -> dict:
    """Fine-tune a deep copy on per_class x 10 shifted training digits: full batch, Adam (lr 1e-3),
    ``steps`` steps, model in eval mode (batch norm keeps its statistics, dropout off).
    Accuracy on the 1,000 shifted test digits and on the clean ones, before and after."""
    torch = _torch()
    torch.manual_seed(seed)
    base = digits.model(model_name)
    model = copy.deepcopy(base)
    for p in model.parameters():
        p.requires_grad_(True)
    xs, ys = few_shot(name, per_class, seed)
    xb, yb = _ink(xs), torch.tensor(ys)
    opt = torch.optim.Adam(model.parameters(), lr=FINETUNE["lr"])
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(_logits(model, xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - start
    x, y = test_set()
    shifted = shift(x, name, seed=1)
    return {
        "before": accuracy(base, shifted, y),
        "after": accuracy(model, shifted, y),
        "clean_before": accuracy(base, x, y),
        "clean_after": accuracy(model, x, y),
        "losses": losses,
        "examples": len(ys),
        "seconds": seconds,
    }


# ---- 5. network compression -----------------------------------------------------------------


def _flat(model):
    """best_cnn as features -> Flatten -> fc: the same function in eval mode (dropout is the identity),
    but FX-traceable with quantised tensors (its x.view fails on channels-last int8 tensors)."""
    torch = _torch()
    return torch.nn.Sequential(copy.deepcopy(model.features), torch.nn.Flatten(), copy.deepcopy(model.fc)).eval()


def prune(model, sparsity: float):
    """A pruned deep copy: the ``sparsity`` share of all conv and linear weights with the smallest |w|
    set to zero (global magnitude pruning, torch.nn.utils.prune), the masks made permanent."""
    torch = _torch()
    from torch.nn.utils import prune as tprune

    model = copy.deepcopy(model)
    params = [(m, "weight") for m in model.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    if sparsity > 0:
        tprune.global_unstructured(params, pruning_method=tprune.L1Unstructured, amount=float(sparsity))
        for m, n in params:
            tprune.remove(m, n)
    return model


def quantize_dynamic(model):
    """int8 weights for the Linear layers, activations quantised on the fly (no calibration)."""
    torch = _torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


def quantize_static(model, calibration: int = 256):
    """int8 weights and activations for every conv and linear layer (FX graph mode, x86 engine),
    batch norm folded into the convs, scales calibrated on 256 training digits."""
    torch = _torch()
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    engine = "x86" if "x86" in torch.backends.quantized.supported_engines else "qnnpack"
    torch.backends.quantized.engine = engine
    x, _ = train_set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = prepare_fx(_flat(model), get_default_qconfig_mapping(engine), example_inputs=(_ink(x[:1]),))
        with torch.no_grad():
            prepared(_normalise(_ink(x[:calibration])))
        return convert_fx(prepared)


def size_bytes(model) -> tuple[int, int]:
    """(bytes of torch.save(state_dict), bytes after gzip) -- in memory, measuring only."""
    torch = _torch()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    raw = buf.getvalue()
    return len(raw), len(gzip.compress(raw, 6, mtime=0))


def parameter_counts(model) -> tuple[int, int]:
    """(weights and biases, the non-zero ones), counting the int8 weights of quantised layers too
    (they keep them packed behind weight() and bias() methods)."""
    torch = _torch()
    total = nonzero = 0
    for m in model.modules():
        for name in ("weight", "bias"):
            v = getattr(m, name, None)
            v = v() if callable(v) else v
            if isinstance(v, torch.Tensor):
                v = v.dequantize() if v.is_quantized else v
                total += v.numel()
                nonzero += int((v != 0).sum())
    return total, nonzero


def latency_ms(model, runs: int = LATENCY_RUNS) -> float:
    """Median wall time in ms of one digit (batch 1) through the model, one thread, after 3 warm-ups."""
    torch = _torch()
    x = _ink(test_set()[0][:1])
    times = []
    with torch.no_grad():
        for k in range(runs + 3):
            start = time.perf_counter()
            model(_normalise(x))
            if k >= 3:
                times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def _normalise(x):
    return (x - digits.MEAN) / digits.STD


VARIANTS = ("fp32", "dynamic_int8", "static_int8", "pruned", "pruned_int8")


def build_variant(variant: str, sparsity: float = 0.5):
    base = digits.model(COMPRESS_MODEL)
    if variant == "fp32":
        return base
    if variant == "dynamic_int8":
        return quantize_dynamic(base)
    if variant == "static_int8":
        return quantize_static(base)
    if variant == "pruned":
        return prune(base, sparsity)
    if variant == "pruned_int8":
        return quantize_static(prune(base, sparsity))
    raise ValueError(f"unknown variant {variant!r}; choose from {VARIANTS}")


@functools.lru_cache(maxsize=64)
def measure(variant: str, sparsity: float = 0.0) -> dict:
    """One row of the compression table, measured live: parameters, size, latency and accuracy."""
    model = build_variant(variant, sparsity)
    x, y = test_set()
    start = time.perf_counter()
    acc = accuracy(model, x, y)
    batch_seconds = time.perf_counter() - start
    raw, zipped = size_bytes(model)
    total, nonzero = parameter_counts(model)
    return {
        "variant": variant,
        "sparsity": sparsity if variant.startswith("pruned") else 0.0,
        "params": total,
        "nonzero": nonzero,
        "bytes": raw,
        "gzip": zipped,
        "latency_ms": latency_ms(model),
        "batch_ms": 1000 * batch_seconds,
        "accuracy": acc,
    }


def compression_table(sparsity: float) -> list[dict]:
    """Every variant side by side (pruned ones at ``sparsity``); cached per setting."""
    s = round(float(sparsity), 2)
    return [measure(v, s if v.startswith("pruned") else 0.0) for v in VARIANTS]
