"""PyTorch lecture 11, the numbers behind the tab: the shapes, parameters and
multiplications of the real InceptionA and ResidualBlock (models/mnist.py),
the 1x1-convolution operation count, and the gradient norm reaching each layer
of a deep plain stack and of the same stack with residual connections.

Pure computation: numbers, tensors and dicts in and out, no Gradio. torch is
imported on first use (demos.ui.torch_ready).
"""

from __future__ import annotations

import functools
import math
import threading

from demos import mnist_data, ui

# ---- the Inception block -----------------------------------------------------------

# The lecture's forward order, which is also the order of torch.cat([...], dim=1):
# (branch key, the layers of that branch in order). "avg_pool" is F.avg_pool2d(x, 3, stride=1, padding=1).
INCEPTION_BRANCHES = (
    ("branch1x1", ("branch1x1",)),
    ("branch5x5", ("branch5x5_1", "branch5x5_2")),
    ("branch3x3", ("branch3x3_1", "branch3x3_2", "branch3x3_3")),
    ("branch_pool", ("avg_pool", "branch_pool")),
)
LECTURE_INCEPTION_INPUT = (10, 12, 12)  # InceptionNet's first block: after conv1 (1->10, 5x5) and a 2x2 max-pool
LECTURE_RESIDUAL_INPUT = (16, 12, 12)  # ResidualNet's first block
CHANNEL_RANGE = (1, 256)  # input channels a student may choose
SIZE_RANGE = (1, 64)  # input height and width
_seed_lock = threading.Lock()  # seeding torch's global generator and building a module is one step


def _seeded(make, seed: int):
    """make() with torch's global generator seeded, safely among concurrent users."""
    torch = ui.torch_ready()
    with _seed_lock:
        torch.manual_seed(seed)
        return make()


def _conv_info(conv) -> dict:
    return {
        "kind": "conv",
        "kernel": conv.kernel_size[0],
        "padding": conv.padding[0],
        "in": conv.in_channels,
        "out": conv.out_channels,
        "params": sum(p.numel() for p in conv.parameters()),  # k*k*in*out weights + out biases
    }


@functools.lru_cache(maxsize=64)  # a language switch redraws without recomputing; callers must not modify
def inception_block(channels: int, height: int, width: int, seed: int = 0) -> dict:
    """Run the real models.mnist.InceptionA(channels) on one (1, C, H, W) input and record
    every layer's output shape (forward hooks), parameters and multiplications
    (torch.utils.flop_counter counts 2 FLOPs per multiply-add of a convolution).

    Returns {"input": (C, H, W), "branches": [{"key", "layers": [{"key", "kind", "kernel",
    "padding", "in", "out", "shape", "params", "mults"}], "params", "mults", "channels"}],
    "output": (88, H, W), "params", "mults"}.
    """
    torch = ui.torch_ready()
    from torch.utils.flop_counter import FlopCounterMode

    from models.mnist import InceptionA

    block = _seeded(lambda: InceptionA(channels), seed)
    shapes: dict[str, tuple[int, ...]] = {}
    hooks = [
        module.register_forward_hook(lambda m, i, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:])))
        for name, module in block.named_children()
    ]
    # branch_pool's input is the average-pooled x: the shape after F.avg_pool2d
    hooks.append(
        block.branch_pool.register_forward_pre_hook(lambda m, i: shapes.__setitem__("avg_pool", i[0].shape[1:]))
    )
    x = torch.randn(1, channels, height, width, generator=torch.Generator().manual_seed(seed))  # (1, C, H, W)
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            out = block(x)  # (1, 88, H, W)
    finally:
        for h in hooks:
            h.remove()
    flops = {name.rsplit(".", 1)[-1]: sum(c.values()) for name, c in counter.get_flop_counts().items()}
    branches = []
    for key, names in INCEPTION_BRANCHES:
        layers = []
        for name in names:
            if name == "avg_pool":
                info = {"kind": "avg_pool", "kernel": 3, "padding": 1, "in": channels, "out": channels, "params": 0}
            else:
                info = _conv_info(getattr(block, name))
            info.update(key=name, shape=tuple(int(s) for s in shapes[name]), mults=flops.get(name, 0) // 2)
            layers.append(info)
        branches.append(
            {
                "key": key,
                "layers": layers,
                "params": sum(layer["params"] for layer in layers),
                "mults": sum(layer["mults"] for layer in layers),
                "channels": layers[-1]["shape"][0],
            }
        )
    return {
        "input": (channels, height, width),
        "branches": branches,
        "output": tuple(int(s) for s in out.shape[1:]),
        "params": sum(p.numel() for p in block.parameters()),
        "mults": sum(b["mults"] for b in branches),
    }


# ---- why 1x1 convolutions: the lecture's operation count -------------------------------

LECTURE_COST = {"c_in": 192, "c_mid": 16, "c_out": 32, "size": 28, "kernel": 5}


def conv_mults(kernel: int, size: int, c_in: int, c_out: int) -> int:
    """Multiplications of a same-padded k x k convolution: k^2 * H * W * C_in * C_out."""
    return kernel * kernel * size * size * c_in * c_out


@functools.lru_cache(maxsize=8)
def bottleneck_cost(c_in: int = 192, c_mid: int = 16, c_out: int = 32, size: int = 28, kernel: int = 5) -> dict:
    """A k x k conv C_in -> C_out against a 1x1 conv C_in -> C_mid followed by the k x k conv C_mid -> C_out,
    all on size x size maps with 'same' padding: by the formula and as counted by torch's FlopCounterMode
    (on the meta device: the real convolutions' shapes, no arithmetic).
    Lecture: 120,422,400 against 2,408,448 + 10,035,200 = 12,443,648."""
    torch = ui.torch_ready()
    from torch.utils.flop_counter import FlopCounterMode

    nn = torch.nn
    pad = kernel // 2
    x = torch.empty(1, c_in, size, size, device="meta")  # (1, C_in, H, W)
    direct = nn.Conv2d(c_in, c_out, kernel, padding=pad, device="meta")
    reduce = nn.Conv2d(c_in, c_mid, 1, device="meta")
    expand = nn.Conv2d(c_mid, c_out, kernel, padding=pad, device="meta")
    with FlopCounterMode(display=False) as a:
        y_direct = direct(x)
    with FlopCounterMode(display=False) as b:
        y_mid = reduce(x)
        y_bottle = expand(y_mid)
    return {
        **{"c_in": c_in, "c_mid": c_mid, "c_out": c_out, "size": size, "kernel": kernel},
        "direct": conv_mults(kernel, size, c_in, c_out),
        "reduce": conv_mults(1, size, c_in, c_mid),
        "expand": conv_mults(kernel, size, c_mid, c_out),
        "bottleneck": conv_mults(1, size, c_in, c_mid) + conv_mults(kernel, size, c_mid, c_out),
        "torch_direct": a.get_total_flops() // 2,  # FLOPs = 2 x multiply-adds
        "torch_bottleneck": b.get_total_flops() // 2,
        "shapes": [tuple(y_direct.shape[1:]), tuple(y_mid.shape[1:]), tuple(y_bottle.shape[1:])],
    }


# ---- the residual block ------------------------------------------------------------------


def _op_trace(fn):
    """Run fn() and return [(torch function name, output shape without the batch)] of every op it ran."""
    torch = ui.torch_ready()
    from torch.overrides import TorchFunctionMode

    class Trace(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.ops = []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if isinstance(out, torch.Tensor):
                self.ops.append((getattr(func, "__name__", str(func)), tuple(out.shape[1:])))
            return out

    with torch.no_grad(), Trace() as trace:
        fn()
    return trace.ops


@functools.lru_cache(maxsize=64)
def residual_block(channels: int, height: int, width: int, seed: int = 0) -> dict:
    """Run the real models.mnist.ResidualBlock(channels) on one (1, C, H, W) input, tracing each op:
    conv2d -> relu -> conv2d -> add (x + F(x)) -> relu, all C x H x W.

    Also what happens when the shapes do not match, straight from torch: the second conv giving
    2C channels, or both convs without padding (H-4 x W-4), makes x + F(x) raise; a 1x1 conv on the
    skip path (C -> 2C) repairs the channel mismatch."""
    torch = ui.torch_ready()
    from models.mnist import ResidualBlock

    nn, F = torch.nn, torch.nn.functional
    block = _seeded(lambda: ResidualBlock(channels), seed)
    x = torch.randn(1, channels, height, width, generator=torch.Generator().manual_seed(seed))  # (1, C, H, W)
    ops = _op_trace(lambda: block(x))

    def attempt(skip, branch) -> dict:
        """relu(skip(x) + branch(x)): F(x)'s shape and the result's, or torch's error message."""
        f_shape = None
        try:
            with torch.no_grad():
                fx = branch(x)
                f_shape = tuple(fx.shape[1:])
                return {"f_shape": f_shape, "shape": tuple(F.relu(skip(x) + fx).shape[1:]), "error": None}
        except RuntimeError as e:  # torch's own message, shown as is
            return {"f_shape": f_shape, "shape": None, "error": str(e).strip().splitlines()[0]}

    def identity(v):
        return v

    wide = _seeded(
        lambda: (nn.Conv2d(channels, channels, 3, padding=1), nn.Conv2d(channels, 2 * channels, 3, padding=1)), seed
    )
    proj = _seeded(lambda: nn.Conv2d(channels, 2 * channels, 1), seed)  # ResNet's projection shortcut
    valid = _seeded(lambda: (nn.Conv2d(channels, channels, 3), nn.Conv2d(channels, channels, 3)), seed)
    return {
        "input": (channels, height, width),
        "ops": ops,
        "output": ops[-1][1],
        "params": sum(p.numel() for p in block.parameters()),  # 2 * (9 C^2 + C)
        "conv_params": sum(p.numel() for p in block.conv1.parameters()),
        "wide": attempt(identity, lambda v: wide[1](F.relu(wide[0](v)))),  # F(x) has 2C channels
        "projected": attempt(proj, lambda v: wide[1](F.relu(wide[0](v)))),
        "unpadded": attempt(identity, lambda v: valid[1](F.relu(valid[0](v)))),  # F(x) is (H-4) x (W-4)
    }


# ---- gradient flow: a deep plain stack against the same stack with skips ---------------------

ACTIVATIONS = ("sigmoid", "tanh", "relu")
DEPTH_RANGE = (5, 50)
WIDTH = 64  # units of every hidden layer
BATCH = 64  # MNIST test digits in the batch of the backward pass
IN_FEATURES = 784


def make_stack(depth: int, activation: str, residual: bool, seed: int = 0, width: int = WIDTH):
    """The stack of the gradient-flow demo, initialised by torch.manual_seed(seed) (the plain and the
    residual stack of one seed have identical weights)."""
    return _seeded(lambda: _stack_class()(depth, activation, residual, width), seed)


@functools.cache
def _stack_class():
    torch = ui.torch_ready()
    nn = torch.nn

    class Stack(nn.Module):
        """depth Linear layers and a Linear head, the activation f between them:
        plain     z_1 = W_1 x + b_1,   z_l = W_l f(z_{l-1}) + b_l,          logits = head(f(z_N))
        residual  z_1 = W_1 x + b_1,   z_l = z_{l-1} + W_l f(z_{l-1}) + b_l  (l >= 2: the skip adds z_{l-1})
        """

        def __init__(self, depth: int, activation: str, residual: bool, width: int):
            super().__init__()
            self.layers = nn.ModuleList(
                [nn.Linear(IN_FEATURES, width)] + [nn.Linear(width, width) for _ in range(depth - 1)]
            )
            self.head = nn.Linear(width, 10)
            self.f = getattr(torch, activation)
            self.residual = residual

        def forward(self, x):
            z = self.layers[0](x.view(x.size(0), -1))  # (B, 784) -> (B, width)
            for layer in self.layers[1:]:
                z = z + layer(self.f(z)) if self.residual else layer(self.f(z))  # (B, width)
            return self.head(self.f(z))  # (B, 10)

    return Stack


def gradient_batch(seed: int = 0):
    """BATCH MNIST test digits, picked by the seed: x (B, 1, 28, 28) normalised, y (B,)."""
    torch = ui.torch_ready()
    x, y = mnist_data.tensors("test")
    idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))[:BATCH]
    return x[idx], y[idx]


def layer_grad_norms(model, x, y, dtype=None) -> list[float]:
    """One forward and backward pass of the cross-entropy loss; ||dL/dW_l|| (Frobenius) for every layer l."""
    torch = ui.torch_ready()
    if dtype is not None:
        model, x = model.to(dtype), x.to(dtype)
    model.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    return [layer.weight.grad.norm().item() for layer in model.layers]


@functools.lru_cache(maxsize=64)
def gradient_flow(depth: int, activation: str, seed: int = 0) -> dict:
    """||dL/dW_l|| for l = 1..depth in the plain and the residual stack (same weights, same batch),
    in float64 so that the tiny norms do not underflow, and how many layers get exactly 0 in float32."""
    torch = ui.torch_ready()
    x, y = gradient_batch(seed)
    out = {"depth": depth, "activation": activation, "seed": seed}
    for kind in ("plain", "residual"):
        out[kind] = layer_grad_norms(make_stack(depth, activation, kind == "residual", seed), x, y, torch.float64)
        f32 = layer_grad_norms(make_stack(depth, activation, kind == "residual", seed), x, y)
        out[f"{kind}_zero_f32"] = sum(v == 0.0 for v in f32)
    out["ratio"] = out["residual"][0] / out["plain"][0] if out["plain"][0] > 0 else math.inf
    return out


# ---- a short training race: plain against residual ------------------------------------------

TRAIN_LR, TRAIN_MOMENTUM, TRAIN_BATCH = 0.1, 0.5, 64
EPOCH_RANGE = (1, 5)


def accuracy(model, x, y) -> float:
    torch = ui.torch_ready()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def train_race(depth: int, activation: str, epochs: int, seed: int = 0):
    """Train the plain and the residual stack side by side on the app's 6,000 MNIST digits:
    the same initial weights, the same batches, SGD(lr=0.1, momentum=0.5), batch 64.

    Yields {"kind": "batch", "epoch", "batch", "batches", "loss": {"plain", "residual"}} after each
    batch (a diverged model's loss is None from then on, and it stops training), and
    {"kind": "epoch", "epoch", "acc": {"plain", "residual"}} with the test accuracy after each epoch.
    """
    torch = ui.torch_ready()
    x_train, y_train = mnist_data.tensors("train")
    x_test, y_test = mnist_data.tensors("test")
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train),
        batch_size=TRAIN_BATCH,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    kinds = ("plain", "residual")
    models = {k: make_stack(depth, activation, k == "residual", seed) for k in kinds}
    optims = {k: torch.optim.SGD(m.parameters(), lr=TRAIN_LR, momentum=TRAIN_MOMENTUM) for k, m in models.items()}
    alive = dict.fromkeys(kinds, True)
    for epoch in range(1, epochs + 1):
        for batch, (inputs, target) in enumerate(loader, 1):
            losses = {}
            for k in kinds:
                if not alive[k]:
                    losses[k] = None
                    continue
                optims[k].zero_grad()
                loss = torch.nn.functional.cross_entropy(models[k](inputs), target)
                loss.backward()
                optims[k].step()
                value = loss.item()
                alive[k] = math.isfinite(value)
                losses[k] = value if alive[k] else None
            yield {"kind": "batch", "epoch": epoch, "batch": batch, "batches": len(loader), "loss": losses}
        acc = {k: accuracy(m, x_test, y_test) if alive[k] else None for k, m in models.items()}
        yield {"kind": "epoch", "epoch": epoch, "acc": acc}


# ---- the trained MNIST models of lectures 9-11 -----------------------------------------------

MODEL_NAMES = ("lecture_cnn", "homework_cnn", "inception", "residual", "mlp", "best_cnn")


def model_rows() -> list[dict]:
    """One row per committed model, from its safetensors metadata (the file header only, no weights)."""
    from models import load

    rows = []
    for name in MODEL_NAMES:
        meta = load.metadata(name)
        m, train = meta["metrics"], meta["train"]
        rows.append(
            {
                "name": name,
                "class": meta.get("model_class", ""),
                "parameters": int(m["parameters"]),
                "test_accuracy": float(m["test_accuracy"]),
                "test_correct": int(m["test_correct"]),
                "test_total": int(m["test_total"]),
                "seconds_per_epoch": float(m["seconds_per_epoch"]),
                "epochs": int(m["epochs"]),
                "threads": int(m["threads"]),
                "optimizer": train.get("optimizer", ""),
                "schedule": train.get("schedule", ""),
                "augment": bool(train.get("augment", False)),
            }
        )
    return rows
