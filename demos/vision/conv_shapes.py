"""Shapes and parameter counts of a stack of 2-D layers (lecture 10's bookkeeping), in pure Python.

A spec is {"input": [C, H, W], "layers": [{"type": "conv", "out": 10, "k": 5}, ...]}. Each
conv/pool layer maps a size H to

    H' = floor((H + 2p - d(k-1) - 1) / s + 1)          (PyTorch, ceil_mode=False)

and the parameters are out·(in/groups)·kh·kw + out for a conv, in·out + out for a linear
layer, 0 for pooling, flatten and ReLU. The first impossible layer raises a SpecError that
names it. No gradio here: the tab and the API turn SpecError into text with MESSAGES.
torch is imported only by the functions that build and run the PyTorch model.
"""

from __future__ import annotations

import ast
import json
import math
import re

MAX_SIZE = 4096  # H and W of the input and of every layer's output
MAX_CHANNELS = 4096  # in/out channels of a conv, and groups
MAX_LINEAR = 65536  # out_features of a linear layer
MAX_IN_FEATURES = 10**12  # a given in_features beyond this is surely a typo
MAX_LAYERS = 64
MAX_SPEC_CHARS = 100_000

TYPES = ("conv", "maxpool", "avgpool", "flatten", "linear", "relu", "inception", "residual")
# The keys each type takes, in PyTorch's positional order (nn.Conv2d(in, out, k, s, p, d, g, bias)).
KEYS = {
    "conv": ("in", "out", "k", "s", "p", "d", "g", "bias"),
    "maxpool": ("k", "s", "p", "d"),
    "avgpool": ("k", "s", "p"),
    "flatten": (),
    "linear": ("in", "out", "bias"),
    "relu": ("inplace",),
    "inception": ("in",),
    "residual": ("in",),
}
REQUIRED = {"conv": ("out", "k"), "maxpool": ("k",), "avgpool": ("k",), "linear": ("out",)}
PAIR_KEYS = ("k", "s", "p", "d")  # an int or a pair [h, w]

TYPE_ALIASES = {
    "conv": "conv",
    "conv2d": "conv",
    "maxpool": "maxpool",
    "maxpool2d": "maxpool",
    "max_pool": "maxpool",
    "avgpool": "avgpool",
    "avgpool2d": "avgpool",
    "avg_pool": "avgpool",
    "flatten": "flatten",
    "linear": "linear",
    "relu": "relu",
    "inception": "inception",
    "inceptiona": "inception",
    "residual": "residual",
    "residualblock": "residual",
}
KEY_ALIASES = {
    "in_channels": "in",
    "in_features": "in",
    "in_": "in",  # `in` is a Python keyword: parse_line reads `in=320` as in_=320
    "channels": "in",
    "out_channels": "out",
    "out_features": "out",
    "kernel_size": "k",
    "stride": "s",
    "padding": "p",
    "dilation": "d",
    "groups": "g",
}

# Lecture 11's InceptionA: (in, out, k) of each conv, in = None meaning the block's input C.
# Branches: 1x1 (16) | 1x1 16 -> 5x5 24 | 1x1 16 -> 3x3 24 -> 3x3 24 | avg-pool 3 -> 1x1 24.
INCEPTION_CONVS = ((None, 16, 1), (None, 16, 1), (16, 24, 5), (None, 16, 1), (16, 24, 3), (24, 24, 3), (None, 24, 1))
INCEPTION_BRANCHES = (16, 24, 24, 24)  # the last conv of each branch, concatenated on channels
INCEPTION_OUT = sum(INCEPTION_BRANCHES)  # 88

# Messages: {key: (zh, en)}; the tab registers them in demos.i18n.
MESSAGES = {
    "convs_at_layer": ("第 {n} 层（{type}）：", "Layer {n} ({type}): "),
    "convs_at_layer_bare": ("第 {n} 层：", "Layer {n}: "),
    "convs_at_line": ("第 {n} 行：", "Line {n}: "),
    "convs_at_input": ("输入：", "Input: "),
    "convs_err_json": ("spec 不是合法的 JSON：{detail}", "the spec is not valid JSON: {detail}"),
    "convs_err_long": ("spec 太长：最多 {max} 个字符。", "the spec is too long: at most {max} characters."),
    "convs_err_spec": (
        'spec 必须是 {{"input": [C, H, W], "layers": [...]}} 这样的对象。',
        'the spec must be an object {{"input": [C, H, W], "layers": [...]}}.',
    ),
    "convs_err_spec_key": (
        "spec 不认识键 {key!r}：只有 input 和 layers。",
        "the spec has an unknown key {key!r}: only input and layers.",
    ),
    "convs_err_input": (
        "input 必须是三个整数 [C, H, W]，收到 {value}。",
        "input must be three whole numbers [C, H, W]; got {value}.",
    ),
    "convs_err_input_range": (
        "{name} 必须在 1 到 {max} 之间，收到 {value}。",
        "{name} must be between 1 and {max}; got {value}.",
    ),
    "convs_err_layers": ("layers 必须是一个列表。", "layers must be a list."),
    "convs_err_too_many": ("最多 {max} 层，收到 {n} 层。", "at most {max} layers; got {n}."),
    "convs_err_layer_obj": (
        '每一层必须是带 "type" 的对象，例如 {{"type": "conv", "out": 10, "k": 5}}。',
        'each layer must be an object with a "type", e.g. {{"type": "conv", "out": 10, "k": 5}}.',
    ),
    "convs_err_type": ("未知的层类型 {value!r}；可用：{types}。", "unknown layer type {value!r}; known: {types}."),
    "convs_err_key": (
        "{type} 没有参数 {key!r}；它接受：{keys}。",
        "{type} has no parameter {key!r}; it takes: {keys}.",
    ),
    "convs_err_missing": ("{type} 需要参数 {key}。", "{type} needs {key}."),
    "convs_err_int": (
        "{key} 必须是整数（或一对整数 [h, w]），收到 {value!r}。",
        "{key} must be a whole number (or a pair [h, w]); got {value!r}.",
    ),
    "convs_err_bool": ("{key} 必须是 true 或 false，收到 {value!r}。", "{key} must be true or false; got {value!r}."),
    "convs_err_range": (
        "{key} 必须在 {lo} 到 {hi} 之间，收到 {value}。",
        "{key} must be between {lo} and {hi}; got {value}.",
    ),
    "convs_err_padding_str": (
        "padding 只能是整数、一对整数或 'same' / 'valid'，收到 {value!r}。",
        "padding must be a whole number, a pair, or 'same' / 'valid'; got {value!r}.",
    ),
    "convs_err_same_stride": (
        "padding='same' 只能用于 stride 1（PyTorch 不支持带步长的 'same'），这里 stride = {s}。",
        "padding='same' needs stride 1 (PyTorch rejects it for strided convolutions); stride = {s} here.",
    ),
    "convs_err_pad_half": (
        "padding {p} 超过了池化核 {k} 的一半：PyTorch 要求 p ≤ k // 2 = {half}。",
        "padding {p} is more than half the pooling kernel {k}: PyTorch requires p ≤ k // 2 = {half}.",
    ),
    "convs_err_too_small": (
        "输出尺寸会是 {h} × {w}，不是正数：{dim} 方向上卷积核覆盖 d·(k−1)+1 = {span}，"
        "而补零后的输入只有 {size} + 2·{p} = {padded}。请减小 kernel/dilation 或增加 padding。",
        "the output would be {h} × {w}, not positive: along {dim} the kernel spans d·(k−1)+1 = {span} but the "
        "padded input is only {size} + 2·{p} = {padded}. Use a smaller kernel or dilation, or more padding.",
    ),
    "convs_err_too_large": (
        "输出尺寸 {h} × {w} 太大：每边最多 {max}。",
        "the output {h} × {w} is too large: at most {max} on a side.",
    ),
    "convs_err_groups": (
        "groups = {g} 必须同时整除 in_channels = {cin} 和 out_channels = {cout}。",
        "groups = {g} must divide both in_channels = {cin} and out_channels = {cout}.",
    ),
    "convs_err_in_channels": (
        "in_channels = {given}，但输入有 {actual} 个通道（上一层输出 {shape}）。",
        "in_channels = {given} but the input has {actual} channels (the previous output is {shape}).",
    ),
    "convs_err_in_features": (
        "in_features = {given}，但拉平后的输入有 {actual} 个数。",
        "in_features = {given} but the flattened input has {actual} features.",
    ),
    "convs_err_needs_image": (
        "{type} 需要 C × H × W 的输入，但这里的输入已经被拉平成长度 {n} 的向量。",
        "{type} needs a C × H × W input, but here the input is already a flat vector of {n}.",
    ),
    "convs_err_needs_flat": (
        "linear 需要拉平的向量：先加一层 nn.Flatten()（或 x.view(N, -1)）。输入是 {shape}；"
        "直接作用在 N×C×H×W 上时 nn.Linear 只作用于最后一维 W。",
        "linear needs a flat vector: add nn.Flatten() (or x.view(N, -1)) before it. The input is {shape}; "
        "on an N×C×H×W tensor nn.Linear would act on the last dimension W only.",
    ),
    "convs_err_syntax": (
        "看不懂 {text!r}：每行写一层，例如 nn.Conv2d(1, 10, kernel_size=5) 或 conv out=10 k=5。",
        "cannot read {text!r}: write one layer a line, e.g. nn.Conv2d(1, 10, kernel_size=5) or conv out=10 k=5.",
    ),
    "convs_err_args": (
        "{type} 最多接受 {max} 个位置参数，收到 {n} 个。",
        "{type} takes at most {max} positional arguments; got {n}.",
    ),
    "convs_err_twice": ("参数 {key} 给了两次。", "{key} is given twice."),
    "convs_err_unsupported": (
        "{key}={value!r} 这里不支持（只算 ceil_mode=False 等默认情形）。",
        "{key}={value!r} is not supported here (only ceil_mode=False and the other defaults).",
    ),
}


class SpecError(ValueError):
    """An impossible or malformed spec. ``where``: None (the spec), "input", ("line", n) or the layer number n.

    ``code`` is the failing layer's PyTorch constructor when it could be built (a shape error),
    so that the tab can show what PyTorch itself says."""

    def __init__(self, where, message: str, layer_type: str = "", code: str | None = None, **fmt):
        self.where, self.message, self.layer_type, self.code, self.fmt = where, message, layer_type, code, fmt
        self.weights = 0  # the failing layer's weight count, when apply_layer knows it
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        i = 0 if str(lang).lower().startswith("zh") else 1
        if self.where is None:
            prefix = ""
        elif self.where == "input":
            prefix = MESSAGES["convs_at_input"][i]
        elif isinstance(self.where, tuple):
            prefix = MESSAGES["convs_at_line"][i].format(n=self.where[1])
        elif not self.layer_type:
            prefix = MESSAGES["convs_at_layer_bare"][i].format(n=self.where)
        else:
            prefix = MESSAGES["convs_at_layer"][i].format(n=self.where, type=self.layer_type)
        return prefix + MESSAGES[self.message][i].format(**{"type": self.layer_type, **self.fmt})

    def both(self) -> str:
        """English and Chinese, like demos.i18n.both, for API callers."""
        return f"{self.text('en')} / {self.text('zh')}"


# ---- small value checks -----------------------------------------------------------------


def _whole(value):
    """An int from an int or an integral finite float; None otherwise (bools are not numbers here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return None


def _int(where, t, key, value, lo, hi) -> int:
    x = _whole(value)
    if x is None:
        raise SpecError(where, "convs_err_int", t, key=key, value=value)
    if not lo <= x <= hi:
        raise SpecError(where, "convs_err_range", t, key=key, lo=lo, hi=hi, value=x)
    return x


def _pair(where, t, key, value, lo, hi) -> tuple[int, int]:
    """(h, w) from an int or a pair of ints, each in [lo, hi]."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise SpecError(where, "convs_err_int", t, key=key, value=value)
        return _int(where, t, key, value[0], lo, hi), _int(where, t, key, value[1], lo, hi)
    x = _int(where, t, key, value, lo, hi)
    return x, x


def _bool(where, t, key, value) -> bool:
    if not isinstance(value, bool):
        raise SpecError(where, "convs_err_bool", t, key=key, value=value)
    return value


def normalize_layer(n: int, raw) -> dict:
    """A layer dict with its type canonical, keys canonical, pairs as tuples and defaults filled in.

    Defaults are PyTorch's: conv s=1, p=0, d=1, g=1, bias=True; pools s=k, p=0, d=1."""
    if not isinstance(raw, dict) or "type" not in raw:
        raise SpecError(n, "convs_err_layer_obj")
    t = TYPE_ALIASES.get(str(raw["type"]).strip().lower().removeprefix("nn.")) if isinstance(raw["type"], str) else None
    if t is None:
        raise SpecError(n, "convs_err_type", value=raw["type"], types=", ".join(TYPES))
    layer: dict = {"type": t}
    for key, value in raw.items():
        if key == "type":
            continue
        k = KEY_ALIASES.get(key, key)
        if k not in KEYS[t]:
            raise SpecError(n, "convs_err_key", t, key=key, keys=", ".join(KEYS[t]) or "—")
        if k in layer:
            raise SpecError(n, "convs_err_twice", t, key=key)
        layer[k] = value
    for key in REQUIRED.get(t, ()):
        if layer.get(key) is None:
            raise SpecError(n, "convs_err_missing", t, key=key)
    out: dict = {"type": t}
    if t in ("conv", "linear", "inception", "residual") and layer.get("in") is not None:
        hi = MAX_IN_FEATURES if t == "linear" else MAX_CHANNELS
        out["in"] = _int(n, t, "in", layer["in"], 1, hi)
    if t == "conv":
        out["out"] = _int(n, t, "out", layer["out"], 1, MAX_CHANNELS)
        out["k"] = _pair(n, t, "k", layer["k"], 1, MAX_SIZE)
        out["s"] = _pair(n, t, "s", 1 if layer.get("s") is None else layer["s"], 1, MAX_SIZE)
        p = layer.get("p", 0)
        if isinstance(p, str):
            if p not in ("same", "valid"):
                raise SpecError(n, "convs_err_padding_str", t, value=p)
            out["p"] = p if p == "same" else (0, 0)
        elif p is None:
            out["p"] = (0, 0)
        else:
            out["p"] = _pair(n, t, "p", p, 0, MAX_SIZE)
        out["d"] = _pair(n, t, "d", 1 if layer.get("d") is None else layer["d"], 1, MAX_SIZE)
        out["g"] = _int(n, t, "g", 1 if layer.get("g") is None else layer["g"], 1, MAX_CHANNELS)
        out["bias"] = _bool(n, t, "bias", layer.get("bias", True))
        if out["p"] == "same" and out["s"] != (1, 1):
            raise SpecError(n, "convs_err_same_stride", t, s=_show_pair(out["s"]))
    elif t in ("maxpool", "avgpool"):
        out["k"] = _pair(n, t, "k", layer["k"], 1, MAX_SIZE)
        out["s"] = out["k"] if layer.get("s") is None else _pair(n, t, "s", layer["s"], 1, MAX_SIZE)
        out["p"] = _pair(n, t, "p", 0 if layer.get("p") is None else layer["p"], 0, MAX_SIZE)
        out["d"] = _pair(n, t, "d", 1 if layer.get("d") is None else layer["d"], 1, MAX_SIZE)
    elif t == "linear":
        out["out"] = _int(n, t, "out", layer["out"], 1, MAX_LINEAR)
        out["bias"] = _bool(n, t, "bias", layer.get("bias", True))
    elif t == "relu":
        out["inplace"] = _bool(n, t, "inplace", layer.get("inplace", False))
    return out


# ---- formulas ---------------------------------------------------------------------------


def _show_pair(p) -> str:
    return str(p[0]) if p[0] == p[1] else f"({p[0]}, {p[1]})"


def _g(n: int) -> str:
    """12345 -> '12,345'."""
    return f"{n:,}"


def out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """PyTorch's output size of a conv or pool along one dimension (ceil_mode=False)."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _size_text(size, k, s, p, d, result) -> str:
    return f"⌊({size} + 2·{p} − {d}·({k}−1) − 1) / {s}⌋ + 1 = {result}"


def _window_formula(hw, k, s, p, d, out_hw) -> str:
    """H' (and W') by the formula, with the numbers substituted; one line when both agree."""
    h = _size_text(hw[0], k[0], s[0], p[0], d[0], out_hw[0])
    w = _size_text(hw[1], k[1], s[1], p[1], d[1], out_hw[1])
    return f"H′ = W′ = {h}" if h == w else f"H′ = {h};  W′ = {w}"


def _conv_params(cin, cout, k, g, bias) -> tuple[int, str]:
    """out·(in/groups)·kh·kw + out (the bias), and the formula with numbers."""
    per = cin // g
    n = cout * per * k[0] * k[1] + (cout if bias else 0)
    cin_text = str(per) if g == 1 else f"({cin}/{g})"
    text = f"{cout}·{cin_text}·{k[0]}·{k[1]}" + (f" + {cout}" if bias else "")
    return n, f"{text} = {_g(n)}"


def inception_params(c: int) -> tuple[int, str]:
    """The InceptionA block's parameter count a·C + b, derived from INCEPTION_CONVS."""
    a = sum(cout * k * k for cin, cout, k in INCEPTION_CONVS if cin is None)
    b = sum(cout for cin, cout, k in INCEPTION_CONVS if cin is None)
    b += sum(cin * cout * k * k + cout for cin, cout, k in INCEPTION_CONVS if cin is not None)
    n = a * c + b
    return n, f"{a}·C + {_g(b)} = {a}·{c} + {_g(b)} = {_g(n)}"


def _fmt_shape(shape) -> str:
    return " × ".join(str(s) for s in shape)


# ---- PyTorch constructor text -----------------------------------------------------------


def layer_code(layer: dict, cin: int | None) -> str:
    """The PyTorch constructor of a normalized layer, e.g. nn.Conv2d(1, 10, kernel_size=5)."""
    t = layer["type"]
    if t == "conv":
        args = [str(cin), str(layer["out"]), f"kernel_size={_show_pair(layer['k'])}"]
        if layer["s"] != (1, 1):
            args.append(f"stride={_show_pair(layer['s'])}")
        if layer["p"] == "same":
            args.append("padding='same'")
        elif layer["p"] != (0, 0):
            args.append(f"padding={_show_pair(layer['p'])}")
        if layer["d"] != (1, 1):
            args.append(f"dilation={_show_pair(layer['d'])}")
        if layer["g"] != 1:
            args.append(f"groups={layer['g']}")
        if not layer["bias"]:
            args.append("bias=False")
        return f"nn.Conv2d({', '.join(args)})"
    if t in ("maxpool", "avgpool"):
        args = [_show_pair(layer["k"])]
        if layer["s"] != layer["k"]:
            args.append(f"stride={_show_pair(layer['s'])}")
        if layer["p"] != (0, 0):
            args.append(f"padding={_show_pair(layer['p'])}")
        if layer.get("d", (1, 1)) != (1, 1):
            args.append(f"dilation={_show_pair(layer['d'])}")
        return f"nn.{'MaxPool2d' if t == 'maxpool' else 'AvgPool2d'}({', '.join(args)})"
    if t == "flatten":
        return "nn.Flatten()"
    if t == "linear":
        return f"nn.Linear({cin}, {layer['out']}" + ("" if layer["bias"] else ", bias=False") + ")"
    if t == "relu":
        return "nn.ReLU(inplace=True)" if layer["inplace"] else "nn.ReLU()"
    if t == "inception":
        return f"InceptionA({cin})"
    return f"ResidualBlock({cin})"


# ---- the calculator ---------------------------------------------------------------------


def _spatial(n, layer, shape, hw_out, k, p, d, code) -> None:
    """Raise when an output size is not positive or too large."""
    for dim, i in (("H", 0), ("W", 1)):
        if hw_out[i] < 1:
            raise SpecError(
                n,
                "convs_err_too_small",
                layer["type"],
                code=code,
                h=hw_out[0],
                w=hw_out[1],
                dim=dim,
                span=d[i] * (k[i] - 1) + 1,
                size=shape[1 + i],
                p=p[i],
                padded=shape[1 + i] + 2 * p[i],
            )
    if max(hw_out) > MAX_SIZE:
        # our limit, not PyTorch's: no code, so that nobody builds this layer to see PyTorch fail
        raise SpecError(n, "convs_err_too_large", layer["type"], h=hw_out[0], w=hw_out[1], max=MAX_SIZE)


def apply_layer(n: int, layer: dict, shape: tuple) -> dict:
    """One layer on an input shape (C, H, W) or (F,): its output shape, parameters and formulas."""
    t = layer["type"]
    image = len(shape) == 3
    if t in ("conv", "maxpool", "avgpool", "inception", "residual") and not image:
        raise SpecError(n, "convs_err_needs_image", t, type=t, n=shape[0])
    if t == "linear" and image:
        raise SpecError(n, "convs_err_needs_flat", t, shape=_fmt_shape(shape))
    cin = shape[0]
    given = layer.get("in")
    code = layer_code(layer, cin if given is None else given)
    try:
        return _apply(n, layer, shape, cin, given, code)
    except SpecError as e:  # how big the failing layer's weights would be: torch_check builds it on the CPU if small
        e.weights = _weights(layer, cin if given is None else given)
        raise


def _weights(layer: dict, cin: int) -> int:
    """A layer's weight count (without groups: an upper bound), computed without any check."""
    t = layer["type"]
    if t == "conv":
        return layer["out"] * cin * layer["k"][0] * layer["k"][1]
    if t == "linear":
        return cin * layer["out"]
    if t == "inception":
        return inception_params(cin)[0]
    if t == "residual":
        return 2 * (cin * cin * 9 + cin)
    return 0


def _apply(n: int, layer: dict, shape: tuple, cin: int, given: int | None, code: str) -> dict:
    t = layer["type"]
    image = len(shape) == 3
    row = {"type": t, "in_shape": tuple(shape), "code": code, "params": 0, "params_formula": "0"}
    if given is not None and given != cin:
        key = "convs_err_in_features" if t == "linear" else "convs_err_in_channels"
        raise SpecError(n, key, t, code=code, given=given, actual=cin, shape=_fmt_shape(shape))
    if t == "conv":
        g, cout = layer["g"], layer["out"]
        if cin % g or cout % g:
            raise SpecError(n, "convs_err_groups", t, code=code, g=g, cin=cin, cout=cout)
        k, d = layer["k"], layer["d"]
        if layer["p"] == "same":  # total padding d·(k−1), split as PyTorch does: output = input
            hw = shape[1:]
            formula = f"padding='same': H′ = H = {hw[0]}, W′ = W = {hw[1]}"
        else:
            s, p = layer["s"], layer["p"]
            hw = tuple(out_size(shape[1 + i], k[i], s[i], p[i], d[i]) for i in range(2))
            _spatial(n, layer, shape, hw, k, p, d, code)
            formula = _window_formula(shape[1:], k, s, p, d, hw)
        row["params"], row["params_formula"] = _conv_params(cin, cout, k, g, layer["bias"])
        row["shape"] = (cout, *hw)
        row["formula"] = f"C′ = {cout};  {formula}"
    elif t in ("maxpool", "avgpool"):
        k, s, p, d = layer["k"], layer["s"], layer["p"], layer["d"]
        for i in range(2):  # PyTorch: "pad should be at most half of effective kernel size"
            if p[i] > k[i] // 2:
                raise SpecError(n, "convs_err_pad_half", t, code=code, p=p[i], k=k[i], half=k[i] // 2)
        hw = tuple(out_size(shape[1 + i], k[i], s[i], p[i], d[i]) for i in range(2))
        _spatial(n, layer, shape, hw, k, p, d, code)
        row["shape"] = (cin, *hw)
        row["formula"] = f"C′ = C = {cin};  " + _window_formula(shape[1:], k, s, p, d, hw)
    elif t == "flatten":
        features = math.prod(shape)
        row["shape"] = (features,)
        row["formula"] = f"C·H·W = {'·'.join(map(str, shape))} = {_g(features)}" if image else "—"
    elif t == "linear":
        cout = layer["out"]
        row["shape"] = (cout,)
        n_params = cin * cout + (cout if layer["bias"] else 0)
        row["params"] = n_params
        row["params_formula"] = f"{cin}·{cout}" + (f" + {cout}" if layer["bias"] else "") + f" = {_g(n_params)}"
        row["formula"] = f"out_features = {cout}"
    elif t == "relu":
        row["shape"] = tuple(shape)
        row["formula"] = "max(0, x)"
    elif t == "inception":
        row["shape"] = (INCEPTION_OUT, *shape[1:])
        row["params"], row["params_formula"] = inception_params(cin)
        row["formula"] = f"C′ = {' + '.join(map(str, INCEPTION_BRANCHES))} = {INCEPTION_OUT};  H′ = H, W′ = W"
    else:  # residual: two 3×3 convs C -> C with padding 1, then relu(x + F(x))
        row["shape"] = tuple(shape)
        row["params"] = 2 * (cin * cin * 9 + cin)
        row["params_formula"] = f"2·({cin}·{cin}·3·3 + {cin}) = {_g(row['params'])}"
        row["formula"] = "relu(x + F(x))"
    return row


def parse_input(value) -> tuple[int, int, int]:
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise SpecError("input", "convs_err_input", value=value)
    out = []
    for name, v, hi in zip("CHW", value, (MAX_CHANNELS, MAX_SIZE, MAX_SIZE)):
        x = _whole(v)
        if x is None:
            raise SpecError("input", "convs_err_input", value=value)
        if not 1 <= x <= hi:
            raise SpecError("input", "convs_err_input_range", name=name, max=hi, value=x)
        out.append(x)
    return tuple(out)


def load_spec(spec) -> dict:
    """A spec from a JSON string or a dict, checked for its outer form."""
    if isinstance(spec, str):
        if len(spec) > MAX_SPEC_CHARS:
            raise SpecError(None, "convs_err_long", max=MAX_SPEC_CHARS)
        try:
            spec = json.loads(spec)
        except ValueError as e:
            raise SpecError(None, "convs_err_json", detail=str(e)) from None
    if not isinstance(spec, dict) or "input" not in spec or "layers" not in spec:
        raise SpecError(None, "convs_err_spec")
    for key in spec:
        if key not in ("input", "layers"):
            raise SpecError(None, "convs_err_spec_key", key=key)
    if not isinstance(spec["layers"], list):
        raise SpecError(None, "convs_err_layers")
    if len(spec["layers"]) > MAX_LAYERS:
        raise SpecError(None, "convs_err_too_many", max=MAX_LAYERS, n=len(spec["layers"]))
    return spec


def compute(spec) -> dict:
    """Every layer's output shape, parameters and formulas, up to the first impossible layer.

    Returns {"input": (C, H, W) or None, "layers": [row, ...], "total_params": int,
    "error": SpecError or None}; a row is {"type", "in_shape", "shape", "params", "params_formula",
    "formula", "code", "layer" (normalized)}. Shapes carry no batch dimension."""
    result = {"input": None, "layers": [], "total_params": 0, "error": None}
    try:
        spec = load_spec(spec)
        shape = result["input"] = parse_input(spec["input"])
        for n, raw in enumerate(spec["layers"], 1):
            layer = normalize_layer(n, raw)
            row = apply_layer(n, layer, shape)
            row["layer"] = layer
            result["layers"].append(row)
            result["total_params"] += row["params"]
            shape = row["shape"]
    except SpecError as e:
        result["error"] = e
    return result


def api_result(spec) -> dict:
    """The /conv_shapes answer: shapes and parameters, or {"error": "English / 中文"}."""
    r = compute(spec)
    if r["error"] is not None:
        return {"error": r["error"].both()}
    return {
        "input": list(r["input"]),
        "layers": [
            {
                "type": row["type"],
                "shape": list(row["shape"]),
                "params": row["params"],
                "formula": row["formula"],
                "params_formula": row["params_formula"],
                "code": row["code"],
            }
            for row in r["layers"]
        ],
        "total_params": r["total_params"],
    }


# ---- the layer editor: one PyTorch-like line per layer ----------------------------------

_CALL = re.compile(r"^([A-Za-z_][\w.]*)\s*\((.*)\)$", re.S)
_SHORT = re.compile(r"^([A-Za-z_][\w.]*)\s*(.*)$", re.S)


def _clip(text: str, n: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= n else text[:n] + "…"


_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b}


def _literal(node):
    """A constant, a tuple/list of them, or integer arithmetic (+ - * //) like 20*4*4; else ValueError."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, int | float | str)):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = _literal(node.operand)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(node)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.FloorDiv):
        a, b = _literal(node.left), _literal(node.right)
        if any(isinstance(v, bool) or not isinstance(v, int) or abs(v) > MAX_IN_FEATURES for v in (a, b)):
            raise ValueError(node)
        if isinstance(node.op, ast.FloorDiv):
            if b == 0:
                raise ValueError(node)
            return a // b
        return _OPS[type(node.op)](a, b)
    raise ValueError(node)


def parse_line(n: int, text: str) -> dict:
    """One editor line as a layer dict.

    Either PyTorch's constructor, `nn.Conv2d(1, 10, kernel_size=5)` (positional arguments in
    PyTorch's order), or the short form `conv out=10 k=5`. Values are literals or integer
    arithmetic such as 20*4*4, read from the syntax tree: nothing is executed."""
    where = ("line", n)
    line = text.strip().rstrip(",").strip()
    m = _CALL.match(line)
    if m:
        name, args = m.group(1), m.group(2)
    else:
        m = _SHORT.match(line)
        if not m:
            raise SpecError(where, "convs_err_syntax", text=_clip(text))
        name = m.group(1)
        args = re.sub(r"\s+(?=[A-Za-z_]\w*\s*=)", ", ", " " + m.group(2)).strip().lstrip(",")  # k=5 s=1 -> k=5, s=1
    base = name.split(".")[-1] if name.startswith(("nn.", "torch.nn.")) else name
    t = TYPE_ALIASES.get(base.lower())
    if t is None:
        raise SpecError(where, "convs_err_type", value=base, types=", ".join(TYPES))
    args = re.sub(r"(?<![\w.])in\s*=(?!=)", "in_=", args)
    try:
        call = ast.parse(f"f({args})", mode="eval").body
        positional = [_literal(a) for a in call.args]
        keywords = [(kw.arg, _literal(kw.value)) for kw in call.keywords]
        if any(k is None for k, _ in keywords):  # **kwargs
            raise ValueError
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise SpecError(where, "convs_err_syntax", text=_clip(text)) from None
    names = KEYS[t]
    if len(positional) > len(names):
        raise SpecError(where, "convs_err_args", type=t, max=len(names), n=len(positional))
    layer = {"type": t}
    for key, value in zip(names, positional):
        layer[key] = value
    for key, value in keywords:
        if t in ("maxpool", "avgpool") and key in ("ceil_mode", "return_indices", "count_include_pad"):
            if value != (key == "count_include_pad"):  # PyTorch's defaults: False, False, True
                raise SpecError(where, "convs_err_unsupported", key=key, value=value)
            continue
        if t == "conv" and key == "padding_mode":  # 'zeros', 'reflect', ...: the shape is the same
            continue
        canon = KEY_ALIASES.get(key, key)
        if canon in layer:
            raise SpecError(where, "convs_err_twice", key=key)
        layer[canon] = value
    return layer


def parse_lines(text: str) -> tuple[list[dict], list[int]]:
    """The layers of the editor text and each one's line number (blank and # comment lines skipped)."""
    layers, lines = [], []
    for n, raw in enumerate(str(text or "").splitlines(), 1):
        line = raw.split("#", 1)[0]
        if line.strip() in ("", "nn.Sequential(", ")", "model = nn.Sequential("):
            continue
        layers.append(parse_line(n, line))
        lines.append(n)
    return layers, lines


def editor_text(result: dict) -> str:
    """The computed layers as editor lines (PyTorch constructors with the channels filled in)."""
    return "\n".join(row["code"] for row in result["layers"])


# ---- presets: the lectures' networks, as in models/mnist.py ------------------------------

PRESETS: dict[str, dict] = {
    "lecture_cnn": {  # lecture 10: relu(pool(conv)) twice, then fc 320 -> 10
        "input": [1, 28, 28],
        "layers": [
            {"type": "conv", "in": 1, "out": 10, "k": 5},
            {"type": "maxpool", "k": 2},
            {"type": "relu"},
            {"type": "conv", "in": 10, "out": 20, "k": 5},
            {"type": "maxpool", "k": 2},
            {"type": "relu"},
            {"type": "flatten"},
            {"type": "linear", "in": 320, "out": 10},
        ],
    },
    "homework_cnn": {  # lecture 10 homework: pool(relu(conv 3x3 p1)) x3, then 576-128-64-10
        "input": [1, 28, 28],
        "layers": [
            {"type": "conv", "in": 1, "out": 16, "k": 3, "p": 1},
            {"type": "relu"},
            {"type": "maxpool", "k": 2},
            {"type": "conv", "in": 16, "out": 32, "k": 3, "p": 1},
            {"type": "relu"},
            {"type": "maxpool", "k": 2},
            {"type": "conv", "in": 32, "out": 64, "k": 3, "p": 1},
            {"type": "relu"},
            {"type": "maxpool", "k": 2},
            {"type": "flatten"},
            {"type": "linear", "in": 576, "out": 128},
            {"type": "relu"},
            {"type": "linear", "in": 128, "out": 64},
            {"type": "relu"},
            {"type": "linear", "in": 64, "out": 10},
        ],
    },
    "inception": {  # lecture 11: conv, pool, relu, Inception (88), conv, pool, relu, Inception, fc 1408 -> 10
        "input": [1, 28, 28],
        "layers": [
            {"type": "conv", "in": 1, "out": 10, "k": 5},
            {"type": "maxpool", "k": 2},
            {"type": "relu"},
            {"type": "inception", "in": 10},
            {"type": "conv", "in": 88, "out": 20, "k": 5},
            {"type": "maxpool", "k": 2},
            {"type": "relu"},
            {"type": "inception", "in": 20},
            {"type": "flatten"},
            {"type": "linear", "in": 1408, "out": 10},
        ],
    },
    "residual": {  # lecture 11: conv, relu, pool, ResidualBlock, conv, relu, pool, ResidualBlock, fc 512 -> 10
        "input": [1, 28, 28],
        "layers": [
            {"type": "conv", "in": 1, "out": 16, "k": 5},
            {"type": "relu"},
            {"type": "maxpool", "k": 2},
            {"type": "residual", "in": 16},
            {"type": "conv", "in": 16, "out": 32, "k": 5},
            {"type": "relu"},
            {"type": "maxpool", "k": 2},
            {"type": "residual", "in": 32},
            {"type": "flatten"},
            {"type": "linear", "in": 512, "out": 10},
        ],
    },
    "mlp": {  # lecture 9: 784-512-256-128-64-10
        "input": [1, 28, 28],
        "layers": [
            {"type": "flatten"},
            *(
                layer
                for a, b in ((784, 512), (512, 256), (256, 128), (128, 64))
                for layer in ({"type": "linear", "in": a, "out": b}, {"type": "relu"})
            ),
            {"type": "linear", "in": 64, "out": 10},
        ],
    },
    "lecture_code": {  # lecture 10's first code: a batch of 5-channel 100x100 images, 10 kernels 3x3
        "input": [5, 100, 100],
        "layers": [{"type": "conv", "in": 5, "out": 10, "k": 3}],
    },
    "worked_example": {  # lecture 10's 5x5 examples: padding 1 keeps 5x5, stride 2 gives 2x2, then max-pool
        "input": [1, 5, 5],
        "layers": [
            {"type": "conv", "in": 1, "out": 1, "k": 3, "p": 1, "bias": False},
            {"type": "conv", "in": 1, "out": 1, "k": 3, "s": 2, "bias": False},
            {"type": "maxpool", "k": 2},
        ],
    },
}

# ---- PyTorch code, and PyTorch's own shapes ------------------------------------------------

INCEPTION_CODE = """
class InceptionA(nn.Module):  # lecture 11: 16 + 24 + 24 + 24 = 88 channels, H and W kept
    def __init__(self, in_channels):
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([branch1x1, branch5x5, branch3x3, branch_pool], dim=1)  # (N, 88, H, W)
"""

RESIDUAL_CODE = """
class ResidualBlock(nn.Module):  # lecture 11: relu(x + conv2(relu(conv1(x)))), shape kept
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x):
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(x + y)
"""


def model_code(result: dict, extra: str | None = None) -> str:
    """The definitions: imports, the composite blocks used, and `model = nn.Sequential(...)`.

    ``extra``: one more constructor appended (the failing layer, to let PyTorch say why)."""
    codes = [row["code"] for row in result["layers"]] + ([extra] if extra else [])
    composite = any(c.startswith(("InceptionA(", "ResidualBlock(")) for c in codes)
    lines = ["import torch"] + (["import torch.nn.functional as F"] if composite else []) + ["from torch import nn", ""]
    if any(c.startswith("InceptionA(") for c in codes):
        lines += [INCEPTION_CODE.strip("\n"), ""]
    if any(c.startswith("ResidualBlock(") for c in codes):
        lines += [RESIDUAL_CODE.strip("\n"), ""]
    lines.append("model = nn.Sequential(")
    for row in result["layers"]:
        lines.append(f"    {row['code']},  # -> (N, {', '.join(map(str, row['shape']))})")
    if extra:
        lines.append(f"    {extra},  # impossible here")
    lines.append(")")
    return "\n".join(lines)


def script(result: dict, extra: str | None = None) -> str:
    """A standalone script: the model, a batch of one input, and every layer's output shape.

    With ``extra`` (an impossible layer) the script stops where PyTorch raises."""
    c, h, w = result["input"]
    return (
        model_code(result, extra)
        + f"""

x = torch.zeros(1, {c}, {h}, {w})  # a batch of N = 1 input, (N, C, H, W)
print("input".ljust(16), tuple(x.shape))
for layer in model:
    x = layer(x)
    print(type(layer).__name__.ljust(16), tuple(x.shape))
print("parameters:", sum(p.numel() for p in model.parameters()))  # {_g(result["total_params"])}
"""
    )


def build_model(result: dict, device: str = "meta", extra: str | None = None):
    """The nn.Sequential of ``model_code`` built on ``device`` ("meta": shapes only, no memory).

    The code is generated from validated integers only, so executing it is safe."""
    import torch

    namespace: dict = {}
    with torch.device(device):
        exec(compile(model_code(result, extra), "<conv_shapes>", "exec"), namespace)
    return namespace["model"]


def torch_check(result: dict, device: str | None = None) -> dict:
    """Run PyTorch on the computed stack (a batch of one) and report its shapes and parameters.

    Returns {"shapes": [shape without batch per layer], "params": int, "error": str or None,
    "device"}. When the stack failed at a layer PyTorch can build, that layer is appended so
    that "error" holds PyTorch's own message. Small nets run on the CPU, big ones on "meta"."""
    import torch

    if result["input"] is None:
        return {"shapes": [], "params": 0, "error": None, "device": None}
    err = result["error"]
    extra = err.code if err is not None and isinstance(err.where, int) else None
    if device is None:
        sizes = [math.prod(result["input"])] + [math.prod(row["shape"]) for row in result["layers"]]
        weights = result["total_params"] + (err.weights if extra else 0)
        device = "cpu" if max(sizes) <= 200_000 and weights <= 2_000_000 else "meta"
    try:
        model = build_model(result, device, extra)
    except Exception as e:  # PyTorch refused to build the extra layer
        return {"shapes": [], "params": 0, "error": _first_line(e), "device": device}
    shapes, message = [], None
    x = torch.zeros(1, *result["input"], device=device)
    with torch.no_grad():
        for layer in model:
            try:
                x = layer(x)
            except Exception as e:
                message = _first_line(e)
                break
            shapes.append(tuple(x.shape[1:]))
    n_params = sum(p.numel() for p in list(model.parameters())[: _n_params_tensors(result, model, extra)])
    return {"shapes": shapes, "params": n_params, "error": message, "device": device}


def _n_params_tensors(result, model, extra) -> int:
    """How many parameter tensors belong to the computed layers (not to the appended failing one)."""
    params = list(model.parameters())
    if not extra:
        return len(params)
    return len(params) - len(list(model[-1].parameters()))


def _first_line(e: Exception) -> str:
    return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
