# PyTorch lecture 10: read a drawing as MNIST was made, then classify it with the lecture's CNN.
# The "drawing": a test digit drawn 10x larger, off-centre, on a white 400x400 canvas.
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]


class Net(torch.nn.Module):  # lecture 10's CNN, trained by `python -m models.train lecture_cnn`
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = torch.nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(320, 10)

    def forward(self, x):
        batch_size = x.size(0)
        x = F.relu(self.pooling(self.conv1(x)))  # (N, 10, 12, 12)
        x = F.relu(self.pooling(self.conv2(x)))  # (N, 20, 4, 4)
        x = x.view(batch_size, -1)  # (N, 320)
        return self.fc(x)  # (N, 10) logits


model = Net()
model.load_state_dict(load_file(ROOT / "weights" / "lecture_cnn.safetensors"))
model.eval()

data = np.load(ROOT / "data" / "mnist_subset.npz", allow_pickle=False)
digit, label = data["x_test"][0], int(data["y_test"][0])
big = F.interpolate(torch.tensor(digit / 255, dtype=torch.float32)[None, None], scale_factor=10, mode="bilinear")
canvas = np.ones((400, 400), np.float32)  # white paper: grey 1.0
canvas[100:380, 60:340] -= big[0, 0].numpy()  # black ink
ink = 1 - canvas  # 1 = ink, 0 = paper


def crop(a, threshold=0.1):  # the bounding box of the ink
    rows, cols = np.flatnonzero(a.max(1) > threshold), np.flatnonzero(a.max(0) > threshold)
    return a[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fit(a, side):  # longest side -> side, aspect kept, antialiased like PIL's resize
    h, w = a.shape
    size = (max(1, round(h * side / max(h, w))), max(1, round(w * side / max(h, w))))
    x = torch.tensor(a, dtype=torch.float32)[None, None]  # (1, 1, h, w)
    return F.interpolate(x, size=size, mode="bilinear", antialias=True)[0, 0].clamp(0, 1).numpy()


def stroke_width(a):  # 2 * area / boundary: a stroke w wide and l long has area w*l, boundary ~2*l
    b = np.pad(a > 0.5, 1)
    inner = b[1:-1, 1:-1] & b[:-2, 1:-1] & b[2:, 1:-1] & b[1:-1, :-2] & b[1:-1, 2:]
    return 2 * b.sum() / max((b[1:-1, 1:-1] & ~inner).sum(), 1)


def morph(a, r, op):  # grey dilation (np.maximum) or erosion (np.minimum) by an octagon of radius r
    cross = ((0, 1), (1, 0), (1, 2), (2, 1))
    square = cross + ((0, 0), (0, 2), (2, 0), (2, 2))
    h, w = a.shape
    for i in range(r):
        p = np.pad(a, 1)
        for dy, dx in cross if i % 2 == 0 else square:
            a = op(a, p[dy : dy + h, dx : dx + w])
    return a


a = crop(ink)
a = a / a.max()  # the darkest pixel is full ink
a = fit(a, 80)  # 4x the 20x20 box
width, target = stroke_width(a), 2.7 * 4  # MNIST's median stroke: 2.7 px of the 20x20 box
if width < 0.8 * target:
    r = round((target - width) / 2)
    a = morph(np.pad(a, r), r, np.maximum)
elif width > 1.25 * target:
    r = round((width - target) / 2)
    a = morph(a, r, np.minimum)
small = fit(crop(a), 20)  # the digit in its 20x20 box
h, w = small.shape
cy = (small.sum(1) * np.arange(h)).sum() / small.sum()  # centre of mass (row, col)
cx = (small.sum(0) * np.arange(w)).sum() / small.sum()
dy, dx = round(14 - cy), round(14 - cx)
field = np.zeros((84, 84), np.float32)  # room on every side for the shift, then the middle 28x28
field[28 + dy : 28 + dy + h, 28 + dx : 28 + dx + w] = small
image = field[28:56, 28:56]  # (28, 28): what the model sees

x = (torch.tensor(image).view(1, 1, 28, 28) - 0.1307) / 0.3081  # normalised as in training
with torch.no_grad():
    probs = torch.softmax(model(x), dim=1)[0]
print(f"true label {label}; the CNN reads {probs.argmax().item()} with probability {probs.max().item():.4f}")
print("top 3:", [(d, round(p, 4)) for p, d in zip(*[v.tolist() for v in probs.topk(3)])])
