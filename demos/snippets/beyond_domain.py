# Lee P1 · domain adaptation: invert the test digits, then fine-tune a copy of best_cnn on 50 inverted ones.
import copy
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from models.load import load

ROOT = Path(__file__).resolve().parents[2]
data = np.load(ROOT / "data" / "mnist_subset.npz", allow_pickle=False)


def ink(images):  # uint8 (N, 28, 28) -> (N, 1, 28, 28) in [0, 1]
    return torch.tensor(images, dtype=torch.float32)[:, None] / 255


def invert(x):  # the new domain: black digits on white paper
    return 1 - x


x_test, y_test = invert(ink(data["x_test"])), torch.tensor(data["y_test"]).long()
rng = np.random.default_rng(0)  # 5 training digits of each class, from the new domain
idx = np.concatenate([rng.choice(np.flatnonzero(data["y_train"] == c), 5, replace=False) for c in range(10)])
x_few, y_few = invert(ink(data["x_train"][idx])), torch.tensor(data["y_train"][idx]).long()

base = load("best_cnn")
model = copy.deepcopy(base)  # never train the shared model
for p in model.parameters():
    p.requires_grad_(True)


def accuracy(net, x, y):
    with torch.no_grad():
        return (net((x - 0.1307) / 0.3081).argmax(1) == y).float().mean().item()


before = accuracy(base, x_test, y_test)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(40):  # eval mode: batch norm keeps its statistics, no dropout
    optimizer.zero_grad()
    loss = F.cross_entropy(model((x_few - 0.1307) / 0.3081), y_few)
    loss.backward()
    optimizer.step()
after = accuracy(model, x_test, y_test)
print(f"inverted test digits: {100 * before:.1f} % -> {100 * after:.1f} % after fine-tuning on 50 examples")
