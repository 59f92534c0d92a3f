# Lee P1 · explainable AI: which pixels make best_cnn say its digit?
# The input gradient and integrated gradients of the predicted class's logit z_c.
from pathlib import Path

import numpy as np
import torch

from models.load import load  # the trained model, eval mode, weights frozen

ROOT = Path(__file__).resolve().parents[2]
data = np.load(ROOT / "data" / "mnist_subset.npz", allow_pickle=False)
x = torch.tensor(data["x_test"][0], dtype=torch.float32)[None, None] / 255  # (1, 1, 28, 28) ink in [0, 1]
model = load("best_cnn")


def logits(ink):  # the models were trained on (x - 0.1307) / 0.3081
    return model((ink - 0.1307) / 0.3081)


c = int(logits(x).argmax())  # explain the predicted class

# input gradient: how much z_c moves when one pixel gets brighter
x.requires_grad_(True)
logits(x)[0, c].backward()
gradient = x.grad[0, 0]  # (28, 28), the input's shape
x = x.detach()

# integrated gradients: from blank paper (0) to x, (x - 0) * the mean gradient along the straight path
m = 32
alphas = (torch.arange(m) + 0.5) / m  # midpoints of m steps
path = (alphas.view(-1, 1, 1, 1) * x).requires_grad_(True)  # (32, 1, 28, 28)
logits(path)[:, c].sum().backward()
integrated = (x * path.grad.mean(0, keepdim=True))[0, 0]  # (28, 28)

with torch.no_grad():
    gap = (logits(x)[0, c] - logits(torch.zeros_like(x))[0, c]).item()
print(f"class {c}: integrated gradients sum to {integrated.sum():.3f}; z_c(x) - z_c(blank) = {gap:.3f}")
