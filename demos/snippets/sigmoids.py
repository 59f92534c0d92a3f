# Hung-yi Lee ML 2021 P2-P3: y = b + sum_i c_i * sigmoid(b_i + w_i * x), fitted by gradient descent (Adam).
import numpy as np
import torch
from torch import nn

KIND = "sigmoid"  # or "relu": y = b + sum_i c_i * max(0, b_i + w_i * x)
N, SEED, STEPS, LR = 3, 0, 500, 0.05  # the tab's defaults
LIMITS = {"b0": 3.0, "c": 3.0, "b": 50.0, "w": 50.0}  # the sliders' ranges


def hard_sigmoid(x, c, x1, x2):
    # flat 0, a straight ramp from x1 to x2, flat c
    return c * ((x - x1) / (x2 - x1)).clamp(0, 1)


def target(x):
    # Lee's target: a constant plus three hard sigmoids is a piecewise-linear curve.
    return 0.5 + hard_sigmoid(x, 1.0, 0.2, 0.4) + hard_sigmoid(x, -1.2, 0.5, 0.7) + hard_sigmoid(x, 0.8, 0.75, 0.9)


x = torch.arange(101) / 100  # (101,): 0, 0.01, ..., 1
y = target(x)


class ManySigmoids(nn.Module):
    def __init__(self, n, kind, seed):
        super().__init__()
        self.act = torch.sigmoid if kind == "sigmoid" else torch.relu
        c0, w0 = (1.0, 20.0) if kind == "sigmoid" else (0.5, 5.0)
        # heights, (n,): alternating up, down, up, ... of random size. numpy's generator, not torch's:
        # the app draws these starting pieces before it has loaded torch.
        u = np.random.default_rng(seed).random(n)
        self.c = nn.Parameter(torch.tensor(c0 * (0.5 + 0.5 * u) * (-1) ** np.arange(n), dtype=torch.float32))
        self.w = nn.Parameter(torch.full((n,), w0))  # steepness, (n,)
        # piece i rises at x = -b_i / w_i = (i + 0.5) / n: transitions spread over [0, 1]
        self.b = nn.Parameter(-self.w.detach() * (torch.arange(n) + 0.5) / n)
        self.b0 = nn.Parameter(torch.tensor(0.0))
        with torch.no_grad():  # start with zero mean error, averaged in float64 as the app does
            self.b0.copy_((target(x.double()) - self(x.double())).mean())

    def forward(self, x):  # x (M,) -> (M,)
        pieces = self.c * self.act(self.b + self.w * x[:, None])  # (M, n): one column per piece
        return self.b0 + pieces.sum(dim=1)


model = ManySigmoids(N, KIND, SEED)
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
losses = []
for step in range(STEPS):
    loss = torch.mean((model(x) - y) ** 2)  # MSE
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():  # keep the parameters inside the sliders' ranges
        for name, p in model.named_parameters():
            p.clamp_(-LIMITS[name], LIMITS[name])
    if step % 100 == 0:
        print(f"step {step:4d}  MSE {loss.item():.5f}")
with torch.no_grad():
    losses.append(torch.mean((model(x) - y) ** 2).item())
print(f"after {STEPS} steps: MSE {losses[-1]:.5f}")
print("b0 =", round(model.b0.item(), 3))
for i, (c, b, w) in enumerate(zip(model.c.tolist(), model.b.tolist(), model.w.tolist())):
    print(f"piece {i + 1}: c={c:+.3f}  b={b:+.3f}  w={w:+.3f}  rises at x={-b / w:.3f}")
