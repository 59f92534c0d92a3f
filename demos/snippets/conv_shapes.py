# The shape and parameter count of every layer of lecture 10's CNN, by the formula and by PyTorch.
import torch
from torch import nn


def out_size(h, k, s=1, p=0, d=1):
    """A conv's or pool's output size: floor((H + 2p - d(k-1) - 1) / s + 1)."""
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


model = nn.Sequential(
    nn.Conv2d(1, 10, kernel_size=5),  # 28 -> 24
    nn.MaxPool2d(2),  # 24 -> 12
    nn.ReLU(),
    nn.Conv2d(10, 20, kernel_size=5),  # 12 -> 8
    nn.MaxPool2d(2),  # 8 -> 4
    nn.ReLU(),
    nn.Flatten(),  # 20 * 4 * 4 = 320
    nn.Linear(320, 10),
)

x = torch.zeros(1, 1, 28, 28)  # (N, C, H, W): one MNIST-sized image
shapes, params = [], []
for layer in model:
    x = layer(x)
    shapes.append(tuple(x.shape[1:]))  # without the batch dimension N
    params.append(sum(p.numel() for p in layer.parameters()))  # conv: out*in*k*k + out; linear: in*out + out
    print(f"{str(layer):45} -> {tuple(x.shape)}  parameters: {params[-1]}")

h = out_size(out_size(out_size(out_size(28, 5), 2, s=2), 5), 2, s=2)  # 28 -> 24 -> 12 -> 8 -> 4
print("H = W after the convs and pools:", h, "; flatten: 20 *", h, "*", h, "=", 20 * h * h)
print("parameters in all:", sum(params))  # 8490
