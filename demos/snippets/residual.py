# PyTorch lecture 11: the residual block, relu(x + F(x)), and the MNIST network built around it.
import torch
import torch.nn.functional as F


class ResidualBlock(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.channels = channels
        self.conv1 = torch.nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x):
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(x + y)  # x + F(x): the shapes must match


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, kernel_size=5)
        self.conv2 = torch.nn.Conv2d(16, 32, kernel_size=5)

        self.rblock1 = ResidualBlock(16)
        self.rblock2 = ResidualBlock(32)

        self.mp = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(512, 10)

    def forward(self, x):
        in_size = x.size(0)
        x = self.mp(F.relu(self.conv1(x)))  # (B, 16, 12, 12)
        x = self.rblock1(x)  # (B, 16, 12, 12)
        x = self.mp(F.relu(self.conv2(x)))  # (B, 32, 4, 4)
        x = self.rblock2(x)  # (B, 32, 4, 4)
        x = x.view(in_size, -1)  # (B, 512)
        x = self.fc(x)
        return x  # (B, 10)


# The first block's input: 16 x 12 x 12 (a batch of one), step by step.
C, H, W = 16, 12, 12
block = ResidualBlock(C)
x = torch.randn(1, C, H, W)
with torch.no_grad():
    steps = [("conv2d", block.conv1(x))]
    steps.append(("relu", F.relu(steps[-1][1])))
    steps.append(("conv2d", block.conv2(steps[-1][1])))
    steps.append(("add", x + steps[-1][1]))  # the skip connection
    steps.append(("relu", F.relu(steps[-1][1])))
shapes = [(name, tuple(y.shape[1:])) for name, y in steps]
block_params = sum(p.numel() for p in block.parameters())  # 2 * (3*3*C*C + C)
print(shapes, f"{block_params:,} parameters")

# If F(x) has another shape, x + F(x) fails:
wider = torch.nn.Conv2d(C, 2 * C, kernel_size=3, padding=1)  # a second conv giving 2C channels
try:
    x + wider(F.relu(block.conv1(x)))
except RuntimeError as e:
    mismatch_error = str(e)
    print("RuntimeError:", mismatch_error)

model = Net()
net_out_shape = tuple(model(torch.randn(1, 1, 28, 28)).shape)
net_params = sum(p.numel() for p in model.parameters())
print("Net:", net_out_shape, f"{net_params:,} parameters")
