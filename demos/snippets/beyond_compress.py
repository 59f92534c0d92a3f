# Lee P1 · compression: quantise best_cnn to int8 and prune it; size, latency and accuracy side by side.
import copy
import gzip
import io
import time
from pathlib import Path

import numpy as np
import torch
from torch.ao.quantization import get_default_qconfig_mapping, quantize_dynamic
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
from torch.nn.utils import prune

from models.load import load

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
data = np.load(ROOT / "data" / "mnist_subset.npz", allow_pickle=False)
x_test = (torch.tensor(data["x_test"], dtype=torch.float32)[:, None] / 255 - 0.1307) / 0.3081
y_test = torch.tensor(data["y_test"]).long()
x_calib = (torch.tensor(data["x_train"][:256], dtype=torch.float32)[:, None] / 255 - 0.1307) / 0.3081
model = load("best_cnn")

# dynamic: int8 weights for the Linear layers, activations quantised on the fly
dynamic = quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)

# static: int8 weights and activations everywhere; a Flatten instead of view() so FX can trace it
torch.backends.quantized.engine = "x86"
flat = torch.nn.Sequential(copy.deepcopy(model.features), torch.nn.Flatten(), copy.deepcopy(model.fc)).eval()
prepared = prepare_fx(flat, get_default_qconfig_mapping("x86"), example_inputs=(x_test[:1],))
with torch.no_grad():
    prepared(x_calib)  # calibrate each layer's range
static = convert_fx(prepared)

# magnitude pruning: zero the 50 % smallest |w| over all conv and linear weights
pruned = copy.deepcopy(model)
layers = [(m, "weight") for m in pruned.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
prune.global_unstructured(layers, pruning_method=prune.L1Unstructured, amount=0.5)
for m, name in layers:
    prune.remove(m, name)  # make the zeros permanent


def size(net):  # bytes of torch.save(state_dict) and after gzip, in memory
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    return len(buf.getvalue()), len(gzip.compress(buf.getvalue(), 6, mtime=0))


def latency_ms(net, runs=50):  # median of single-digit forward passes
    times = []
    with torch.no_grad():
        for _ in range(runs):
            start = time.perf_counter()
            net(x_test[:1])
            times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


results = {}
for name, net in [("fp32", model), ("dynamic int8", dynamic), ("static int8", static), ("pruned 50 %", pruned)]:
    with torch.no_grad():
        acc = (net(x_test).argmax(1) == y_test).float().mean().item()
    (raw, zipped), ms = size(net), latency_ms(net)
    results[name] = {"bytes": raw, "gzip": zipped, "ms": ms, "accuracy": acc}
    print(f"{name:13s} {raw:7d} B (gzip {zipped:7d}) {ms:.2f} ms  {100 * acc:.1f} %")
