# Lee P1 · "I don't know": reject an input when the model's score is below a threshold.
from pathlib import Path

import numpy as np
import torch

from models.load import load

ROOT = Path(__file__).resolve().parents[2]
data = np.load(ROOT / "data" / "mnist_subset.npz", allow_pickle=False)
digits = torch.tensor(data["x_test"], dtype=torch.float32)[:, None] / 255  # (1000, 1, 28, 28) in [0, 1]
rng = np.random.default_rng(0)
noise = torch.tensor(rng.random((4, 1, 28, 28)), dtype=torch.float32)  # not digits at all
blank = torch.zeros(1, 1, 28, 28)
model = load("best_cnn")


def scores(ink):
    with torch.no_grad():
        z = model((ink - 0.1307) / 0.3081)  # (N, 10) logits
    msp = torch.softmax(z, 1).max(1).values  # maximum softmax probability
    energy = torch.logsumexp(z, 1)  # minus the energy: higher = more like the training data
    return msp, energy


threshold = 0.9
msp_digits, energy_digits = scores(digits)
msp_other, _ = scores(torch.cat([noise, blank]))
false_alarm = (msp_digits < threshold).float().mean().item()  # real digits rejected
detection = (msp_other < threshold).float().mean().item()  # non-digits rejected
print(
    f"threshold {threshold}: false alarms {100 * false_alarm:.1f} %, noise and blank rejected {100 * detection:.0f} %"
)
print("scores of noise and blank:", [round(v, 3) for v in msp_other.tolist()])
