# Lee P1 · attack: FGSM, iterated FGSM and the smallest epsilon that flips best_cnn's answer.
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from models.load import load

ROOT = Path(__file__).resolve().parents[2]
data = np.load(ROOT / "data" / "mnist_subset.npz", allow_pickle=False)
x = torch.tensor(data["x_test"][0], dtype=torch.float32)[None, None] / 255  # (1, 1, 28, 28) in [0, 1]
model = load("best_cnn")


def logits(ink):
    return model((ink - 0.1307) / 0.3081)


label = logits(x).argmax(1)  # attack the model's own answer


def fgsm(x, eps):  # one step of size eps along the sign of the loss gradient
    x = x.clone().requires_grad_(True)
    F.cross_entropy(logits(x), label).backward()
    return (x + eps * x.grad.sign()).clamp(0, 1).detach()


def ifgsm(x, eps, steps=10):  # small steps, each projected back into the eps-box around x and into [0, 1]
    adv, alpha = x.clone(), 2.5 * eps / steps
    for _ in range(steps):
        adv.requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(logits(adv), label), adv)
        adv = torch.min(torch.max(adv + alpha * grad.sign(), x - eps), x + eps).clamp(0, 1).detach()
    return adv


eps = 0.1
adv = fgsm(x, eps)
print(f"max |change| = {(adv - x).abs().max():.4f}; {label.item()} -> {logits(adv).argmax().item()}")


def flips(eps, attack):
    return bool(logits(attack(x, eps)).argmax(1) != label)


def smallest(attack, eps_max=0.5, grid=32, bisections=12):  # the first flip on a grid, then bisection
    strengths = np.linspace(0, eps_max, grid + 1)[1:]
    hits = [flips(e, attack) for e in strengths]
    if not any(hits):
        return None
    k = hits.index(True)
    lo, hi = (strengths[k - 1] if k else 0.0), strengths[k]
    for _ in range(bisections):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if flips(mid, attack) else (mid, hi)
    return hi


smallest_fgsm, smallest_ifgsm = smallest(fgsm), smallest(ifgsm)
print(f"smallest flipping eps: FGSM {smallest_fgsm:.4f}, iterated FGSM {smallest_ifgsm:.4f}")
