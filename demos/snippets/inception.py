# PyTorch lecture 11: the Inception block and the MNIST network built around it, then
# each branch's output shape and parameters, and why 1x1 convolutions save work.
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode


class InceptionA(torch.nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch1x1 = torch.nn.Conv2d(in_channels, 16, kernel_size=1)

        self.branch5x5_1 = torch.nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = torch.nn.Conv2d(16, 24, kernel_size=5, padding=2)

        self.branch3x3_1 = torch.nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = torch.nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = torch.nn.Conv2d(24, 24, kernel_size=3, padding=1)

        self.branch_pool = torch.nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)

        branch5x5 = self.branch5x5_1(x)
        branch5x5 = self.branch5x5_2(branch5x5)

        branch3x3 = self.branch3x3_1(x)
        branch3x3 = self.branch3x3_2(branch3x3)
        branch3x3 = self.branch3x3_3(branch3x3)

        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)

        outputs = [branch1x1, branch5x5, branch3x3, branch_pool]
        return torch.cat(outputs, dim=1)  # (B, 16 + 24 + 24 + 24 = 88, H, W)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = torch.nn.Conv2d(88, 20, kernel_size=5)

        self.incep1 = InceptionA(in_channels=10)
        self.incep2 = InceptionA(in_channels=20)

        self.mp = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(1408, 10)

    def forward(self, x):
        in_size = x.size(0)
        x = F.relu(self.mp(self.conv1(x)))  # (B, 10, 12, 12)
        x = self.incep1(x)  # (B, 88, 12, 12)
        x = F.relu(self.mp(self.conv2(x)))  # (B, 20, 4, 4)
        x = self.incep2(x)  # (B, 88, 4, 4)
        x = x.view(in_size, -1)  # (B, 1408)
        x = self.fc(x)
        return x  # (B, 10)


# Each branch on the first block's input, 10 x 12 x 12 (a batch of one).
C, H, W = 10, 12, 12
block = InceptionA(C)
x = torch.randn(1, C, H, W)
with torch.no_grad():
    branches = {
        "branch1x1": block.branch1x1(x),
        "branch5x5": block.branch5x5_2(block.branch5x5_1(x)),
        "branch3x3": block.branch3x3_3(block.branch3x3_2(block.branch3x3_1(x))),
        "branch_pool": block.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)),
    }
    out = block(x)
layers = {
    "branch1x1": [block.branch1x1],
    "branch5x5": [block.branch5x5_1, block.branch5x5_2],
    "branch3x3": [block.branch3x3_1, block.branch3x3_2, block.branch3x3_3],
    "branch_pool": [block.branch_pool],
}
shapes = {name: tuple(y.shape[1:]) for name, y in branches.items()}
params = {name: sum(p.numel() for m in mods for p in m.parameters()) for name, mods in layers.items()}
for name in shapes:
    print(f"{name:12s} -> {shapes[name]}  {params[name]:,} parameters")
print(
    "torch.cat(dim=1):",
    " + ".join(str(s[0]) for s in shapes.values()),
    "=",
    out.shape[1],
    "channels ->",
    tuple(out.shape[1:]),
)

# Why 1x1: a 5x5 conv from 192 x 28 x 28 to 32 x 28 x 28, directly or through 16 channels first.
direct = 5 * 5 * 28 * 28 * 192 * 32  # k^2 * H * W * C_in * C_out multiplications
bottleneck = 1 * 1 * 28 * 28 * 192 * 16 + 5 * 5 * 28 * 28 * 16 * 32
print(f"5x5 directly: {direct:,}   1x1 to 16 then 5x5: {bottleneck:,}")
a = torch.empty(1, 192, 28, 28, device="meta")  # shapes only, no arithmetic
with FlopCounterMode(display=False) as count_direct:
    torch.nn.Conv2d(192, 32, kernel_size=5, padding=2, device="meta")(a)
with FlopCounterMode(display=False) as count_bottleneck:
    b = torch.nn.Conv2d(192, 16, kernel_size=1, device="meta")(a)
    torch.nn.Conv2d(16, 32, kernel_size=5, padding=2, device="meta")(b)
torch_direct = count_direct.get_total_flops() // 2  # a multiply-add counts as 2 FLOPs
torch_bottleneck = count_bottleneck.get_total_flops() // 2
print(f"PyTorch's FLOP counter / 2: {torch_direct:,} and {torch_bottleneck:,}")

model = Net()
net_out_shape = tuple(model(torch.randn(1, 1, 28, 28)).shape)
net_params = sum(p.numel() for p in model.parameters())
print("Net:", net_out_shape, f"{net_params:,} parameters")
