"""The shape calculator (demos.vision.conv_shapes) against PyTorch: every preset against the real
modules of models/mnist.py, hundreds of random layer stacks against layers built here
directly with torch.nn, impossible stacks naming their layer, and the /conv_shapes API."""

from __future__ import annotations

import contextlib
import io
import json
import random

import pytest
import torch
from torch import nn

from demos.vision import conv_shapes as cs
from models import mnist

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

# preset -> the module of models/mnist.py it describes
MODULES = {
    "lecture_cnn": mnist.LectureCNN,
    "homework_cnn": mnist.HomeworkCNN,
    "inception": mnist.InceptionNet,
    "residual": mnist.ResidualNet,
    "mlp": mnist.LectureMLP,
}
TRACKED = (nn.Conv2d, nn.MaxPool2d, nn.Linear, mnist.InceptionA, mnist.ResidualBlock)


def run_traced(model: nn.Module, x: torch.Tensor):
    """The module's output and, in execution order, each conv/pool/linear/block call's
    (module, output shape without batch); layers inside an Inception or residual block are left out."""
    inner = set()
    for m in model.modules():
        if isinstance(m, mnist.InceptionA | mnist.ResidualBlock):
            inner |= set(m.modules()) - {m}
    calls = []
    hooks = [
        m.register_forward_hook(lambda mod, _inp, out: calls.append((mod, tuple(out.shape[1:]))))
        for m in model.modules()
        if isinstance(m, TRACKED) and m not in inner
    ]
    try:
        y = model(x)
    finally:
        for h in hooks:
            h.remove()
    return y, calls


@pytest.mark.parametrize("name", list(MODULES))
def test_every_preset_is_the_real_module(name):
    """Same shapes at every conv/pool/linear/block, same parameter count, and, with the real
    module's weights copied in, the same function (so even the ReLUs sit in the right places)."""
    result = cs.compute(cs.PRESETS[name])
    assert result["error"] is None
    real = MODULES[name]().eval()
    x = torch.randn(3, *result["input"])
    y, calls = run_traced(real, x)
    ours = [
        tuple(row["shape"])
        for row in result["layers"]
        if row["type"] in ("conv", "maxpool", "linear", "inception", "residual")
    ]
    assert ours == [shape for _, shape in calls]
    assert result["total_params"] == mnist.count_parameters(real)
    assert tuple(result["layers"][-1]["shape"]) == tuple(y.shape[1:]) == (10,)

    seq = cs.build_model(result, "cpu").eval()
    assert sum(p.numel() for p in seq.parameters()) == result["total_params"]
    seen, real_params = set(), []
    for mod, _ in calls:  # parameters in the order the forward pass uses them
        if mod not in seen:
            seen.add(mod)
            real_params += list(mod.parameters())
    seq_params = list(seq.parameters())
    assert [p.shape for p in seq_params] == [p.shape for p in real_params]
    with torch.no_grad():
        for a, b in zip(seq_params, real_params):
            a.copy_(b)
        torch.testing.assert_close(seq(x), y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(cs.PRESETS))
def test_every_preset_agrees_with_a_forward_pass_layer_by_layer(name):
    result = cs.compute(cs.PRESETS[name])
    assert result["error"] is None
    for device in ("cpu", "meta"):
        check = cs.torch_check(result, device)
        assert check["error"] is None
        assert check["shapes"] == [tuple(row["shape"]) for row in result["layers"]]
        assert check["params"] == result["total_params"]


def test_lecture_numbers():
    rows = cs.compute(cs.PRESETS["lecture_cnn"])["layers"]
    assert [tuple(r["shape"]) for r in rows] == [
        (10, 24, 24),
        (10, 12, 12),
        (10, 12, 12),
        (20, 8, 8),
        (20, 4, 4),
        (20, 4, 4),
        (320,),
        (10,),
    ]
    assert [r["params"] for r in rows] == [260, 0, 0, 5020, 0, 0, 0, 3210]
    assert rows[0]["formula"] == "C′ = 10;  H′ = W′ = ⌊(28 + 2·0 − 1·(5−1) − 1) / 1⌋ + 1 = 24"
    assert rows[0]["params_formula"] == "10·1·5·5 + 10 = 260"
    assert rows[6]["formula"] == "C·H·W = 20·4·4 = 320"
    inception = cs.compute(cs.PRESETS["inception"])["layers"]
    assert [tuple(r["shape"]) for r in inception if r["type"] == "inception"] == [(88, 12, 12), (88, 4, 4)]
    code = cs.compute(cs.PRESETS["lecture_code"])["layers"][0]  # the lecture's 5-channel 100x100 example
    assert tuple(code["shape"]) == (10, 98, 98) and code["params"] == 10 * 5 * 3 * 3 + 10
    worked = cs.compute(cs.PRESETS["worked_example"])["layers"]  # 5x5: padding 1 keeps 5x5, stride 2 gives 2x2
    assert [tuple(r["shape"]) for r in worked] == [(1, 5, 5), (1, 2, 2), (1, 1, 1)]
    assert [r["params"] for r in worked] == [9, 9, 0]


@pytest.mark.parametrize("c", [1, 3, 10, 20, 88])
def test_block_parameter_formulas_equal_the_modules(c):
    n, text = cs.inception_params(c)
    assert n == mnist.count_parameters(mnist.InceptionA(c))
    assert text.endswith(f"= {n:,}")
    row = cs.compute({"input": [c, 6, 7], "layers": [{"type": "residual"}]})["layers"][0]
    assert row["params"] == mnist.count_parameters(mnist.ResidualBlock(c))
    assert tuple(row["shape"]) == (c, 6, 7)


def test_defaults_are_pytorchs():
    bare = cs.compute(
        {"input": [3, 32, 30], "layers": [{"type": "conv", "out": 8, "k": 3}, {"type": "maxpool", "k": 3}]}
    )
    full = cs.compute(
        {
            "input": [3, 32, 30],
            "layers": [
                {"type": "conv", "out": 8, "k": 3, "s": 1, "p": 0, "d": 1, "g": 1, "bias": True},
                {"type": "maxpool", "k": 3, "s": 3, "p": 0, "d": 1},
            ],
        }
    )
    assert [r["shape"] for r in bare["layers"]] == [r["shape"] for r in full["layers"]] == [(8, 30, 28), (8, 10, 9)]
    assert bare["total_params"] == full["total_params"] == 8 * 3 * 9 + 8
    assert bare["layers"][1]["code"] == "nn.MaxPool2d(3)"  # stride = kernel: PyTorch's default, left out
    avg = cs.compute({"input": [1, 9, 9], "layers": [{"type": "avgpool", "k": 2}]})["layers"][0]
    assert tuple(avg["shape"]) == (1, 4, 4)
    # null means the default too, as PyTorch's stride=None does
    assert cs.compute({"input": [1, 9, 9], "layers": [{"type": "maxpool", "k": 2, "s": None}]})["layers"][0][
        "shape"
    ] == (1, 4, 4)


# ---- random stacks against layers built directly with torch.nn ------------------------------


def torch_layer(raw: dict, cin: int) -> nn.Module:
    """The test's own PyTorch layer for a spec layer (not the calculator's generated code)."""
    t = raw["type"]
    if t == "conv":
        return nn.Conv2d(
            raw.get("in", cin),
            raw["out"],
            raw["k"],
            stride=raw.get("s", 1),
            padding=raw.get("p", 0),
            dilation=raw.get("d", 1),
            groups=raw.get("g", 1),
            bias=raw.get("bias", True),
        )
    if t == "maxpool":
        return nn.MaxPool2d(raw["k"], stride=raw.get("s"), padding=raw.get("p", 0), dilation=raw.get("d", 1))
    if t == "avgpool":
        return nn.AvgPool2d(raw["k"], stride=raw.get("s"), padding=raw.get("p", 0))
    if t == "flatten":
        return nn.Flatten()
    if t == "linear":
        return nn.Linear(raw.get("in", cin), raw["out"], bias=raw.get("bias", True))
    if t == "relu":
        return nn.ReLU()
    if t == "inception":
        return mnist.InceptionA(raw.get("in", cin))
    return mnist.ResidualBlock(raw.get("in", cin))


def torch_run(spec: dict):
    """Run the stack in PyTorch on a batch of 2: (shapes, parameter count, index of the failing layer or None)."""
    x = torch.randn(2, *spec["input"])
    shapes, params = [], 0
    for n, raw in enumerate(spec["layers"], 1):
        try:
            layer = torch_layer(raw, x.shape[1])
            with torch.no_grad():
                x = layer(x)
        except (RuntimeError, ValueError):
            return shapes, params, n
        shapes.append(tuple(x.shape[1:]))
        params += sum(p.numel() for p in layer.parameters())
    return shapes, params, None


def pair_or_int(rng, lo, hi):
    a = rng.randint(lo, hi)
    return [a, rng.randint(lo, hi)] if rng.random() < 0.2 else a


def random_spec(rng: random.Random) -> dict:
    """A random stack, valid more often than not: convs, pools, ReLU, blocks, then maybe flatten + linear."""
    c = rng.randint(1, 4)
    layers = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choices(["conv", "maxpool", "avgpool", "relu", "inception", "residual"], [6, 3, 2, 1, 0.3, 0.3])[0]
        if kind == "conv":
            g = rng.choice([1, 1, 1, 2])
            layer = {"type": "conv", "out": rng.randint(1, 6) * g, "k": pair_or_int(rng, 1, 5)}
            if rng.random() < 0.5:
                layer["s"] = pair_or_int(rng, 1, 3)
            if rng.random() < 0.5:
                layer["p"] = pair_or_int(rng, 0, 3)
            if rng.random() < 0.3:
                layer["d"] = pair_or_int(rng, 1, 3)
            if g > 1:
                layer["g"] = g  # impossible when the input channels are odd: PyTorch refuses too
            if rng.random() < 0.2:
                layer["bias"] = False
            if rng.random() < 0.1:
                layer["in"] = rng.randint(1, 8)  # sometimes wrong: PyTorch refuses too
            if rng.random() < 0.05 and "s" not in layer:
                layer["p"] = "same"
        elif kind in ("maxpool", "avgpool"):
            k = rng.randint(1, 4)
            layer = {"type": kind, "k": k}
            if rng.random() < 0.5:
                layer["s"] = rng.randint(1, 3)
            if rng.random() < 0.4:
                layer["p"] = rng.randint(0, k // 2 + (1 if rng.random() < 0.2 else 0))  # sometimes past k // 2
            if kind == "maxpool" and rng.random() < 0.2:
                layer["d"] = rng.randint(1, 2)
        else:
            layer = {"type": kind}
        layers.append(layer)
    if rng.random() < 0.6:
        layers.append({"type": "flatten"})
        layers.append({"type": "linear", "out": rng.randint(1, 12)})
        if rng.random() < 0.1:
            layers[-1]["in"] = rng.randint(1, 400)  # usually wrong
    return {"input": [c, rng.randint(1, 24), rng.randint(1, 24)], "layers": layers}


def test_random_stacks_agree_with_pytorch():
    rng = random.Random(0)
    valid = invalid = 0
    for _ in range(400):
        spec = random_spec(rng)
        result = cs.compute(json.dumps(spec))
        shapes, params, failed = torch_run(spec)
        err = result["error"]
        ours = [tuple(row["shape"]) for row in result["layers"]]
        assert ours == shapes[: len(ours)], spec
        if failed is None:
            assert err is None, (spec, err)
            assert ours == shapes and result["total_params"] == params, spec
            valid += 1
        else:
            assert err is not None and err.where == failed, (spec, err, failed)
            assert f"Layer {failed} (" in err.text("en") and f"第 {failed} 层" in err.text("zh")
            invalid += 1
    assert valid >= 150 and invalid >= 60, (valid, invalid)  # both kinds really tested


def test_meta_check_reports_the_same_as_the_cpu():
    rng = random.Random(1)
    for _ in range(60):
        result = cs.compute(random_spec(rng))
        cpu, meta = cs.torch_check(result, "cpu"), cs.torch_check(result, "meta")
        assert cpu["shapes"] == meta["shapes"] and cpu["params"] == meta["params"]
        assert (cpu["error"] is None) == (meta["error"] is None)
        if result["error"] is None:
            assert cpu["shapes"] == [tuple(r["shape"]) for r in result["layers"]]
        elif result["error"].code:  # a layer PyTorch can build: PyTorch fails on it as well
            assert cpu["error"] is not None or "too large" in result["error"].text("en")


def test_big_stacks_are_checked_on_the_meta_device():
    spec = {"input": [3, 4096, 4096], "layers": [{"type": "conv", "out": 4096, "k": 3}, {"type": "flatten"}]}
    result = cs.compute(spec)
    assert result["error"] is None and result["layers"][1]["shape"] == (4096 * 4094 * 4094,)
    check = cs.torch_check(result)  # would need 275 GB on the CPU
    assert check["device"] == "meta" and check["shapes"] == [(4096, 4094, 4094), (4096 * 4094 * 4094,)]


# ---- impossible and malformed specs -----------------------------------------------------------

LECTURE_START = [{"type": "conv", "out": 10, "k": 5}, {"type": "maxpool", "k": 2}]


@pytest.mark.parametrize(
    "layers, n, en, zh",
    [
        (LECTURE_START + [{"type": "conv", "out": 20, "k": 13}], 3, "the output would be 0 × 0", "输出尺寸会是 0 × 0"),
        (LECTURE_START + [{"type": "maxpool", "k": 3, "p": 2}], 3, "PyTorch requires p ≤ k // 2 = 1", "p ≤ k // 2 = 1"),
        (LECTURE_START + [{"type": "linear", "out": 10}], 3, "add nn.Flatten()", "nn.Flatten()"),
        (LECTURE_START + [{"type": "flatten"}, {"type": "linear", "in": 320, "out": 10}], 4, "1440 features", "1440"),
        (LECTURE_START + [{"type": "conv", "in": 20, "out": 20, "k": 5}], 3, "the input has 10 channels", "10 个通道"),
        (LECTURE_START + [{"type": "flatten"}, {"type": "conv", "out": 2, "k": 1}], 4, "already a flat vector", "拉平"),
        (LECTURE_START + [{"type": "conv", "out": 5, "k": 3, "g": 4}], 3, "groups = 4 must divide", "groups = 4"),
        (
            LECTURE_START + [{"type": "conv", "out": 5, "k": 3, "p": "same", "s": 2}],
            3,
            "padding='same' needs stride 1",
            "stride 1",
        ),
        (
            LECTURE_START + [{"type": "conv", "out": 5, "k": 3, "p": -1}],
            3,
            "p must be between 0 and 4096; got -1",
            "p 必须在",
        ),
        (LECTURE_START + [{"type": "conv", "out": 5, "k": 2.5}], 3, "k must be a whole number", "k 必须是整数"),
        (LECTURE_START + [{"type": "conv", "out": 5, "k": True}], 3, "k must be a whole number", "整数"),
        (LECTURE_START + [{"type": "conv", "out": 5, "k": "3"}], 3, "k must be a whole number", "整数"),
        (LECTURE_START + [{"type": "conv", "out": 5, "k": [3, 3, 3]}], 3, "or a pair", "一对整数"),
        (LECTURE_START + [{"type": "conv", "out": 5000, "k": 3}], 3, "out must be between 1 and 4096", "out 必须在"),
        (LECTURE_START + [{"type": "conv", "out": 5, "k": 5000}], 3, "k must be between 1 and 4096", "k 必须在"),
        (LECTURE_START + [{"type": "conv", "out": 5}], 3, "conv needs k", "需要参数 k"),
        (LECTURE_START + [{"type": "conv", "out": 5, "kernel": 3}], 3, "has no parameter 'kernel'", "没有参数"),
        (
            LECTURE_START + [{"type": "convolution", "out": 5, "k": 3}],
            3,
            "unknown layer type 'convolution'",
            "未知的层类型",
        ),
        (LECTURE_START + [{"out": 5, "k": 3}], 3, 'object with a "type"', "type"),
        (LECTURE_START + [{"type": "maxpool", "k": 2, "d": 0}], 3, "d must be between 1", "d 必须在"),
        (LECTURE_START + [{"type": "avgpool", "k": 2, "d": 2}], 3, "avgpool has no parameter 'd'", "没有参数"),
        (LECTURE_START + [{"type": "relu", "out": 3}], 3, "relu has no parameter 'out'", "没有参数"),
        (LECTURE_START + [{"type": "inception", "in": 3}], 3, "in_channels = 3", "in_channels = 3"),
        (LECTURE_START + [{"type": "conv", "out": 5, "k": 1, "p": 4000}], 3, "too large", "太大"),
        (LECTURE_START + [{"type": "linear", "out": 10**6}], 3, "out must be between 1 and 65536", "out 必须在"),
        (
            LECTURE_START + [{"type": "flatten"}, {"type": "linear", "out": 10**6}],
            4,
            "out must be between 1 and 65536",
            "out",
        ),
    ],
)
def test_impossible_layers_are_named(layers, n, en, zh):
    result = cs.compute({"input": [1, 28, 28], "layers": layers})
    err = result["error"]
    assert err is not None and err.where == n
    assert err.text("en").startswith(f"Layer {n}") and en in err.text("en")
    assert err.text("zh").startswith(f"第 {n} 层") and zh in err.text("zh")
    assert len(result["layers"]) == n - 1  # the layers before it are still computed
    assert f"{err.text('en')} / {err.text('zh')}" == err.both()


@pytest.mark.parametrize(
    "spec, en",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2, 3]", 'must be an object {"input"'),
        ('{"input": [1, 28, 28]}', 'must be an object {"input"'),
        ('{"input": [1, 28, 28], "layers": {}}', "layers must be a list"),
        ('{"input": [1, 28, 28], "layers": [], "extra": 1}', "unknown key 'extra'"),
        ('{"input": [1, 28], "layers": []}', "Input: input must be three whole numbers"),
        ('{"input": [1, 28, 28.5], "layers": []}', "three whole numbers"),
        ('{"input": [1, 28, 0], "layers": []}', "Input: W must be between 1 and 4096; got 0"),
        ('{"input": [1, 5000, 28], "layers": []}', "H must be between 1 and 4096"),
        ('{"input": [10000, 28, 28], "layers": []}', "C must be between 1 and 4096"),
        ('{"input": [1, 28, 28], "layers": [' + ", ".join(['{"type": "relu"}'] * 65) + "]}", "at most 64 layers"),
        ('{"input": [1, 28, 28], "layers": [], "x": "' + "a" * 100_001 + '"}', "too long"),
    ],
)
def test_malformed_specs(spec, en):
    err = cs.compute(spec)["error"]
    assert err is not None and en in err.text("en")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.text("zh"))


# ---- the editor's lines -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(cs.PRESETS))
def test_editor_text_round_trips(name):
    result = cs.compute(cs.PRESETS[name])
    layers, lines = cs.parse_lines(cs.editor_text(result))
    again = cs.compute({"input": list(result["input"]), "layers": layers})
    assert again["error"] is None and lines == list(range(1, len(layers) + 1))
    assert [r["code"] for r in again["layers"]] == [r["code"] for r in result["layers"]]
    assert [r["shape"] for r in again["layers"]] == [r["shape"] for r in result["layers"]]


def test_pytorch_lines_and_the_short_form_agree():
    pytorch = """
    # lecture 10
    torch.nn.Conv2d(1, 10, kernel_size=5),
    nn.MaxPool2d(2)
    nn.ReLU(inplace=True)
    Conv2d(10, 20, 5, 1, 0, 1, 1, True, padding_mode='zeros')
    nn.MaxPool2d(kernel_size=2, stride=None, padding=0, ceil_mode=False)
    nn.Flatten()
    nn.Linear(20 * 4 * 4, 10)
    """
    short = (
        "conv out=10 k=5\nmaxpool k=2\nrelu\nconv out=20 k=5 s=1 p=0 d=1\nmaxpool k=2\nflatten\nlinear in=320 out=10"
    )
    a, lines = cs.parse_lines(pytorch)
    b, _ = cs.parse_lines(short)
    assert lines == [3, 4, 5, 6, 7, 8, 9]
    ra, rb = (cs.compute({"input": [1, 28, 28], "layers": x}) for x in (a, b))
    assert ra["error"] is None and rb["error"] is None
    assert [r["shape"] for r in ra["layers"]] == [r["shape"] for r in rb["layers"]]
    assert ra["total_params"] == rb["total_params"] == 8490
    pairs = cs.parse_lines("conv out=4 k=(3, 5) p=[1, 2]\nnn.Conv2d(4, 4, kernel_size=(1, 3), padding='same')")[0]
    r = cs.compute({"input": [1, 10, 10], "layers": pairs})
    assert [r_["shape"] for r_ in r["layers"]] == [(4, 10, 10), (4, 10, 10)]
    assert r["layers"][0]["code"] == "nn.Conv2d(1, 4, kernel_size=(3, 5), padding=(1, 2))"


@pytest.mark.parametrize(
    "text, en",
    [
        ("conv(", "Line 1: cannot read"),
        ("nn.Conv2d(1, 10, 5)\nnn.Linear(2 ** 10, 3)", "Line 2: cannot read"),
        ("nn.Linear(1 // 0, 3)", "cannot read"),
        ("nn.Linear(*x)", "cannot read"),
        ("nn.Linear(**x)", "cannot read"),
        ("nn.Conv2d(__import__('os').getcwd(), 3, 3)", "cannot read"),
        ("nn.Conv2d(1, 10, 5, 1, 0, 1, 1, True, 7)", "at most 8 positional arguments; got 9"),
        ("nn.BatchNorm2d(10)", "unknown layer type 'BatchNorm2d'"),
        ("conv out=1 k=3 k=5", "k is given twice"),
        ("nn.MaxPool2d(2, ceil_mode=True)", "ceil_mode=True is not supported"),
        ("\n\nnn.Dropout(0.5)", "Line 3: unknown layer type"),
    ],
)
def test_bad_lines_name_their_line(text, en):
    with pytest.raises(cs.SpecError) as info:
        cs.parse_lines(text)
    assert en in info.value.text("en")
    assert "行" in info.value.text("zh")


# ---- the generated PyTorch code ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["lecture_cnn", "inception", "residual", "worked_example"])
def test_generated_script_runs_and_prints_every_shape(name):
    result = cs.compute(cs.PRESETS[name])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cs.script(result), f"<{name}>", "exec"), {})
    printed = out.getvalue().splitlines()
    assert len(printed) == len(result["layers"]) + 2
    for line, row in zip(printed[1:], result["layers"]):
        assert line.endswith(str((1, *row["shape"])))
    assert printed[-1] == f"parameters: {result['total_params']}"


# ---- the /conv_shapes API -----------------------------------------------------------------------


def test_api_conv_shapes(client):
    spec = {
        "input": [1, 28, 28],
        "layers": [
            {"type": "conv", "out": 10, "k": 5},
            {"type": "maxpool", "k": 2},
            {"type": "conv", "out": 20, "k": 5, "s": 1, "p": 0, "d": 1},
            {"type": "maxpool", "k": 2, "s": 2, "p": 0},
            {"type": "flatten"},
            {"type": "linear", "out": 10},
        ],
    }
    out = client.predict(json.dumps(spec), api_name="/conv_shapes")
    assert [layer["shape"] for layer in out["layers"]] == [
        [10, 24, 24],
        [10, 12, 12],
        [20, 8, 8],
        [20, 4, 4],
        [320],
        [10],
    ]
    assert [layer["params"] for layer in out["layers"]] == [260, 0, 5020, 0, 0, 3210]
    assert out["total_params"] == 8490 and out["input"] == [1, 28, 28]
    blocks = client.predict(json.dumps(cs.PRESETS["inception"]), api_name="/conv_shapes")
    assert blocks["total_params"] == mnist.count_parameters(mnist.InceptionNet())
    avg = client.predict(
        '{"input": [3, 8, 8], "layers": [{"type": "avgpool", "k": 3, "s": 1, "p": 1}]}', api_name="/conv_shapes"
    )
    assert avg["layers"] == [
        {
            "type": "avgpool",
            "shape": [3, 8, 8],
            "params": 0,
            "formula": "C′ = C = 3;  H′ = W′ = ⌊(8 + 2·1 − 1·(3−1) − 1) / 1⌋ + 1 = 8",
            "params_formula": "0",
            "code": "nn.AvgPool2d(3, stride=1, padding=1)",
        }
    ]


@pytest.mark.parametrize(
    "spec, en, zh",
    [
        (
            '{"input": [1, 28, 28], "layers": [{"type": "conv", "out": 10, "k": 29}]}',
            "Layer 1 (conv): the output would be",
            "第 1 层（conv）",
        ),
        (
            '{"input": [1, 28, 28], "layers": [{"type": "flatten"}, {"type": "linear", "in": 100, "out": 10}]}',
            "Layer 2 (linear): in_features = 100",
            "第 2 层",
        ),
        ("not json", "not valid JSON", "不是合法的 JSON"),
        ('{"input": [1, 28, 28], "layers": [{"type": "pool", "k": 2}]}', "unknown layer type 'pool'", "未知的层类型"),
    ],
)
def test_api_errors_in_both_languages(client, spec, en, zh):
    out = client.predict(spec, api_name="/conv_shapes")
    assert set(out) == {"error"}
    assert en in out["error"] and zh in out["error"]


def test_api_never_crashes_on_odd_input(client):
    for spec in ["", "null", "[]", "{}", '{"input": null, "layers": null}', '{"input": [1, 1, 1], "layers": [null]}']:
        out = client.predict(spec, api_name="/conv_shapes")
        assert "error" in out and " / " in out["error"], spec


@pytest.mark.parametrize(
    "layer",
    [
        {"type": "conv", "out": 4096, "k": 4096},  # too small, with 275 GB of weights
        {"type": "conv", "in": 4096, "out": 4096, "k": 4000},  # wrong in_channels, as big
        {"type": "conv", "out": 4096, "k": 1, "p": 4000},  # an output past 4096 a side
    ],
)
def test_a_huge_impossible_layer_is_never_built_on_the_cpu(layer):
    result = cs.compute({"input": [1, 28, 28], "layers": [{"type": "relu"}, layer]})
    assert result["error"] is not None and result["error"].where == 2
    check = cs.torch_check(result)
    assert check["device"] == "meta" or result["error"].code is None
    assert check["shapes"] == [(1, 28, 28)]
    assert (check["error"] is None) == (result["error"].code is None)
