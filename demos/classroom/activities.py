"""What a student can send to the class, checked and completed on the server.

A payload from a tab or from the API is validated with the tab's own checks, and everything the
projector shows about it is computed here from what was sent, never taken from the sender: the
MSE of (w, b), whether a gradient-descent run diverges, what the three models read in a drawing,
a network's parameter count. A playground's test accuracy needs the run itself: a tab sends the
one it trained (server-side state); an API caller's figure is taken as given, within 0-100 %.

Stored forms (JSON):
  linear      {"w", "b", "mse"}
  gradient    {"mode", "lr", "epochs", "w0", "seed", "batch_size", "diverged", "w", "loss", "bound"}
  digit       {"image": 28 rows of 28 ints 0-255 (255 = ink), "label", "reads": {model: digit},
               "confidence": {model: probability}}
  playground  {"settings": {dataset, n, noise, test_pct, seed, layers, activation, features,
               optimizer, lr, batch_size, l2, epochs}, "accuracy" (test, %), "params"}
"""

from __future__ import annotations

import math
import urllib.parse

import gradio as gr
import numpy as np

from demos import ui
from demos.i18n import built_keys, register

ACTIVITIES = ("linear", "gradient", "digit", "playground")
built_keys("cls_act_*")  # t(f"cls_act_{activity}")

register(
    {
        "cls_act_linear": ("线性模型 (w, b)", "linear model (w, b)"),
        "cls_act_gradient": ("梯度下降学习率", "gradient-descent learning rate"),
        "cls_act_digit": ("手写数字", "handwritten digit"),
        "cls_act_playground": ("网络游乐场", "network playground"),
        "cls_err_payload": ("发送的内容不对：{reason}", "What was sent is not valid: {reason}"),
        "cls_err_image": (
            "数字图像必须是 28×28 的 0–255 整数（255 为墨迹）。",
            "The digit image must be 28×28 integers from 0 to 255 (255 = ink).",
        ),
        "cls_err_blank": ("画板是空的：先画一个数字。", "The pad is empty: draw a digit first."),
        "cls_err_label": ("请选择你想写的数字（0–9）。", "Pick the digit you meant (0–9)."),
        "cls_err_no_run": (
            "还没有训练好的网络：先按 ▶ 训练。",
            "There is no trained network yet: press ▶ Train first.",
        ),
    }
)


def fail(reason: str, lang: str | None):
    return ui.user_error("cls_err_payload", lang, reason=reason)


def field(payload: dict, name: str, lang: str | None):
    if not isinstance(payload, dict):
        raise fail("a JSON object is needed", lang)
    if name not in payload:
        raise fail(f"missing “{name}”", lang)
    return payload[name]


def check_activity(activity, lang: str | None) -> str:
    return ui.choice(activity, "activity", ACTIVITIES, lang)


# ---- L2 linear model -----------------------------------------------------------------------


def linear(payload: dict, lang: str | None = None) -> dict:
    from demos.basics import linear_model as L

    w = ui.number(field(payload, "w", lang), "w", *L.W_RANGE, lang)
    b = ui.number(field(payload, "b", lang), "b", *L.B_RANGE, lang)
    return {"w": w, "b": b, "mse": L.mse(w, b)}


# ---- L3 gradient descent -------------------------------------------------------------------


def gradient(payload: dict, lang: str | None = None) -> dict:
    """The run is done again here (microseconds to tens of ms): its end and whether it diverged."""
    from demos.basics import gradient_descent as G

    args = [payload.get(k) if isinstance(payload, dict) else None for k in ("mode", "lr", "epochs", "w0", "seed")]
    size = payload.get("batch_size", 2) if isinstance(payload, dict) else 2
    mode, lr, epochs, w0, seed, batch_size = G.check(*args, size, lang)
    if lr <= 0:
        raise fail("lr must be above 0", lang)
    run = G.gradient_descent(mode, lr, epochs, w0, seed, batch_size)
    return {
        "mode": mode,
        "lr": lr,
        "epochs": epochs,
        "w0": w0,
        "seed": seed,
        "batch_size": batch_size,
        "diverged": bool(run["diverged"]),
        "w": run["w"][-1] if run["w"] and not run["diverged"] else None,
        "loss": run["loss"][-1] if run["loss"] and not run["diverged"] else None,
        "bound": G.largest_stable_lr(mode, batch_size),
    }


# ---- draw a digit --------------------------------------------------------------------------


def label(value, lang: str | None) -> int:
    try:
        return ui.integer(value, "label", 0, 9, lang)
    except gr.Error:
        raise ui.user_error("cls_err_label", lang) from None


def digit_reads(image: np.ndarray) -> tuple[dict, dict]:
    """({model: digit}, {model: probability of it}) for a (28, 28) uint8 image, 255 = ink."""
    from demos.vision import digits

    x = image.astype(np.float32) / 255.0
    reads, confidence = {}, {}
    for m in digits.MODELS:
        p = np.asarray(digits.probabilities(m, x)).reshape(-1)
        reads[m] = int(np.argmax(p))
        confidence[m] = float(p[reads[m]])
    return reads, confidence


def digit_payload(image: np.ndarray, meant: int) -> dict:
    reads, confidence = digit_reads(image)
    return {"image": image.tolist(), "label": meant, "reads": reads, "confidence": confidence}


def digit(payload: dict, lang: str | None = None) -> dict:
    """From the API: the preprocessed 28×28 drawing (never a raw canvas) and the digit meant."""
    raw = field(payload, "image", lang)
    meant = label(field(payload, "label", lang), lang)
    try:
        a = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise ui.user_error("cls_err_image", lang) from None
    ok = a.shape == (28, 28) and np.isfinite(a).all() and ((a >= 0) & (a <= 255) & (a == np.round(a))).all()
    if not ok:
        raise ui.user_error("cls_err_image", lang)
    if not a.any():
        raise ui.user_error("cls_err_blank", lang)
    return digit_payload(a.astype(np.uint8), meant)


def drawing(sketch, shown, meant, lang: str) -> dict:
    """From the tab: the pad's drawing, preprocessed as the models see it, then as from the API."""
    from demos.vision import digits

    meant = label(meant, lang)
    try:
        pre = digits.preprocess(digits.to_ink(shown if sketch is None else sketch))
    except (ValueError, OSError):
        raise ui.user_error("cls_err_image", lang) from None
    if pre is None:
        raise ui.user_error("cls_err_blank", lang)
    return digit_payload(np.round(pre.image * 255).astype(np.uint8), meant)


# ---- network playground --------------------------------------------------------------------

SETTINGS = ("dataset", "n", "noise", "test_pct", "seed", "layers", "activation", "features", "optimizer",
            "lr", "batch_size", "l2", "epochs")  # fmt: skip
# each setting's name in a playground link (tests/data/url_names.json)
LINK_NAMES = {
    "dataset": "pg_dataset",
    "noise": "pg_noise",
    "n": "pg_n",
    "test_pct": "pg_test_pct",
    "seed": "pg_seed",
    "features": "pg_features",
    "layers": "pg_layers",
    "activation": "pg_activation",
    "optimizer": "pg_optimizer",
    "lr": "pg_lr",
    "batch_size": "pg_batch",
    "l2": "pg_l2",
    "epochs": "pg_epochs",
}


def playground_settings(cfg: dict, epochs: int) -> dict:
    """A checked playground config (playground.check) as the settings a link carries."""
    return {
        "dataset": cfg["dataset"],
        "n": cfg["n"],
        "noise": cfg["noise"],
        "test_pct": cfg["test_pct"],
        "seed": cfg["seed"],
        "layers": ", ".join(map(str, cfg["hidden"])),
        "activation": cfg["activation"],
        "features": list(cfg["features"]),
        "optimizer": cfg["optimizer"],
        "lr": cfg["lr"],
        "batch_size": cfg["batch_size"],
        "l2": cfg["l2"],
        "epochs": epochs,
    }


def playground_payload(cfg: dict, epochs: int, accuracy: float) -> dict:
    from demos.classification import playground as P

    sizes = P.layer_sizes(len(cfg["features"]), cfg["hidden"])
    return {"settings": playground_settings(cfg, epochs), "accuracy": accuracy, "params": P.param_count(sizes)}


def playground(payload: dict, lang: str | None = None) -> dict:
    """From the API: the settings (checked as the tab checks them) and the test accuracy in %."""
    from demos.classification import playground as P

    s = field(payload, "settings", lang)
    if not isinstance(s, dict):
        raise fail("“settings” must be an object", lang)
    feats = s.get("features")
    if not isinstance(feats, list) or not all(isinstance(f, str) for f in feats):
        raise fail("“features” must be a list of names", lang)
    cfg = P.check(*(s.get(k) for k in SETTINGS[:-1]), lang)
    epochs = ui.integer(s.get("epochs"), "epochs", *P.EPOCH_RANGE, lang)
    accuracy = ui.number(field(payload, "accuracy", lang), "accuracy", 0.0, 100.0, lang)
    return playground_payload(cfg, epochs, accuracy)


def trained(run, lang: str) -> dict:
    """From the tab: the run the student trained (its gr.State), with its last test accuracy."""
    history = (run or {}).get("history") or {}
    acc = history.get("test_acc") or []
    if not acc or not math.isfinite(acc[-1]):
        raise ui.user_error("cls_err_no_run", lang)
    return playground_payload(run["cfg"], len(acc), float(acc[-1]))


def playground_link(settings: dict) -> str:
    """The query string that opens these settings in the playground tab (?tab=playground&...)."""
    from demos.classification import playground as P

    params = {"tab": "playground"}
    for key, name in LINK_NAMES.items():
        value = settings[key]
        if key == "lr" and value not in P.LR_CHOICES:
            continue  # the tab offers a list of rates: another one stays at the tab's default
        if isinstance(value, list):
            value = ",".join(value)
        elif isinstance(value, float) and value.is_integer() and key in ("n", "seed", "epochs", "batch_size"):
            value = int(value)
        params[name] = str(value)
    return "?" + urllib.parse.urlencode(params)


# ---- one entry point -----------------------------------------------------------------------


def by_activity(submissions: list[dict]) -> dict[str, list[dict]]:
    """{activity: [stored payloads, oldest first]} of a class's submissions (store rows)."""
    return {a: [s["payload"] for s in submissions if s["activity"] == a] for a in ACTIVITIES}


CHECKS = {"linear": linear, "gradient": gradient, "digit": digit, "playground": playground}


def check(activity, payload, lang: str | None = None) -> tuple[str, dict]:
    """(activity, the payload as stored) for an API caller's submission, or a gr.Error."""
    activity = check_activity(activity, lang)
    if not isinstance(payload, dict):
        raise fail("a JSON object is needed", lang)
    return activity, CHECKS[activity](payload, lang)
