"""The MNIST networks of lectures 9-11 of Liu Er's course, plus a small, stronger CNN.

Every model takes a config dataclass and maps (B, 1, 28, 28) normalised images to
(B, 10) logits (no softmax: nn.CrossEntropyLoss applies it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class LectureMLPConfig:
    sizes: tuple[int, ...] = (784, 512, 256, 128, 64, 10)


class LectureMLP(nn.Module):
    """Lecture 9: five linear layers l1..l5 with ReLU, 784-512-256-128-64-10 (the lecture's Net)."""

    def __init__(self, config: LectureMLPConfig | None = None):
        super().__init__()
        self.config = config or LectureMLPConfig()
        s = self.config.sizes
        if len(s) != 6:
            raise ValueError(f"the lecture's MLP has five linear layers, so sizes needs 6 numbers; got {s}")
        self.l1 = nn.Linear(s[0], s[1])
        self.l2 = nn.Linear(s[1], s[2])
        self.l3 = nn.Linear(s[2], s[3])
        self.l4 = nn.Linear(s[3], s[4])
        self.l5 = nn.Linear(s[4], s[5])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.size(0), -1)  # (B, 1, 28, 28) -> (B, 784); the lecture's x.view(-1, 784)
        x = F.relu(self.l1(x))
        x = F.relu(self.l2(x))
        x = F.relu(self.l3(x))
        x = F.relu(self.l4(x))
        return self.l5(x)  # (B, 10) logits


@dataclass
class LectureCNNConfig:
    channels: tuple[int, int] = (10, 20)
    kernel_size: int = 5
    num_classes: int = 10


class LectureCNN(nn.Module):
    """Lecture 10: conv 1->10 k5, max-pool 2, conv 10->20 k5, max-pool 2, linear 320->10."""

    def __init__(self, config: LectureCNNConfig | None = None):
        super().__init__()
        self.config = c = config or LectureCNNConfig()
        self.conv1 = nn.Conv2d(1, c.channels[0], kernel_size=c.kernel_size)
        self.conv2 = nn.Conv2d(c.channels[0], c.channels[1], kernel_size=c.kernel_size)
        self.pooling = nn.MaxPool2d(2)
        self.fc = nn.Linear(c.channels[1] * 4 * 4, c.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.pooling(self.conv1(x)))  # (B, 10, 12, 12)
        x = F.relu(self.pooling(self.conv2(x)))  # (B, 20, 4, 4)
        x = x.view(x.size(0), -1)  # (B, 20, 4, 4) -> (B, 320)
        return self.fc(x)  # (B, 10)


@dataclass
class HomeworkCNNConfig:
    channels: tuple[int, int, int] = (16, 32, 64)
    hidden: tuple[int, int] = (128, 64)
    num_classes: int = 10


class HomeworkCNN(nn.Module):
    """Lecture 10 homework: three conv (3x3, padding 1) + ReLU + max-pool, then three linear layers."""

    def __init__(self, config: HomeworkCNNConfig | None = None):
        super().__init__()
        self.config = c = config or HomeworkCNNConfig()
        ins = (1, *c.channels[:-1])
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(ins, c.channels))
        self.pooling = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(c.channels[-1] * 3 * 3, c.hidden[0])
        self.fc2 = nn.Linear(c.hidden[0], c.hidden[1])
        self.fc3 = nn.Linear(c.hidden[1], c.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:  # 28 -> 14 -> 7 -> 3
            x = self.pooling(F.relu(conv(x)))
        x = x.view(x.size(0), -1)  # (B, 64, 3, 3) -> (B, 576)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)  # (B, 10)


class InceptionA(nn.Module):
    """Lecture 11's Inception block: 1x1 (16), 5x5 (24), double 3x3 (24) and pool (24) branches = 88 channels."""

    out_channels = 16 + 24 + 24 + 24

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([branch1x1, branch5x5, branch3x3, branch_pool], dim=1)  # (B, 88, H, W)


@dataclass
class InceptionNetConfig:
    channels: tuple[int, int] = (10, 20)
    num_classes: int = 10


class InceptionNet(nn.Module):
    """Lecture 11: conv 1->10 k5, pool, InceptionA, conv 88->20 k5, pool, InceptionA, linear 1408->10."""

    def __init__(self, config: InceptionNetConfig | None = None):
        super().__init__()
        self.config = c = config or InceptionNetConfig()
        self.conv1 = nn.Conv2d(1, c.channels[0], kernel_size=5)
        self.conv2 = nn.Conv2d(InceptionA.out_channels, c.channels[1], kernel_size=5)
        self.incep1 = InceptionA(c.channels[0])
        self.incep2 = InceptionA(c.channels[1])
        self.mp = nn.MaxPool2d(2)
        self.fc = nn.Linear(InceptionA.out_channels * 4 * 4, c.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.mp(self.conv1(x)))  # (B, 10, 12, 12)
        x = self.incep1(x)  # (B, 88, 12, 12)
        x = F.relu(self.mp(self.conv2(x)))  # (B, 20, 4, 4)
        x = self.incep2(x)  # (B, 88, 4, 4)
        x = x.view(x.size(0), -1)  # (B, 88, 4, 4) -> (B, 1408)
        return self.fc(x)  # (B, 10)


class ResidualBlock(nn.Module):
    """Lecture 11: two 3x3 convs keeping the channel count, output relu(x + F(x))."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(x + y)  # (B, C, H, W), same shape as x


@dataclass
class ResidualNetConfig:
    channels: tuple[int, int] = (16, 32)
    num_classes: int = 10


class ResidualNet(nn.Module):
    """Lecture 11: conv 1->16 k5, pool, ResidualBlock(16), conv 16->32 k5, pool, ResidualBlock(32), linear 512->10."""

    def __init__(self, config: ResidualNetConfig | None = None):
        super().__init__()
        self.config = c = config or ResidualNetConfig()
        self.conv1 = nn.Conv2d(1, c.channels[0], kernel_size=5)
        self.conv2 = nn.Conv2d(c.channels[0], c.channels[1], kernel_size=5)
        self.rblock1 = ResidualBlock(c.channels[0])
        self.rblock2 = ResidualBlock(c.channels[1])
        self.mp = nn.MaxPool2d(2)
        self.fc = nn.Linear(c.channels[1] * 4 * 4, c.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.mp(F.relu(self.conv1(x)))  # (B, 16, 12, 12)
        x = self.rblock1(x)
        x = self.mp(F.relu(self.conv2(x)))  # (B, 32, 4, 4)
        x = self.rblock2(x)
        x = x.view(x.size(0), -1)  # (B, 32, 4, 4) -> (B, 512)
        return self.fc(x)  # (B, 10)


@dataclass
class BestCNNConfig:
    channels: tuple[int, int, int] = (32, 64, 64)
    dropout: float = 0.25
    num_classes: int = 10


class BestCNN(nn.Module):
    """A small CNN with batch norm, under 100k parameters: conv 5x5 -> pool -> conv 3x3 -> pool
    -> conv 3x3 -> linear, each conv followed by batch norm and ReLU."""

    def __init__(self, config: BestCNNConfig | None = None):
        super().__init__()
        self.config = c = config or BestCNNConfig()
        c1, c2, c3 = c.channels

        def block(a: int, b: int, k: int, padding: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(a, b, k, padding=padding, bias=False), nn.BatchNorm2d(b), nn.ReLU())

        self.features = nn.Sequential(
            block(1, c1, 5, 0),  # (B, 32, 24, 24)
            nn.MaxPool2d(2),  # (B, 32, 12, 12)
            block(c1, c2, 3, 1),  # (B, 64, 12, 12)
            nn.MaxPool2d(2),  # (B, 64, 6, 6)
            block(c2, c3, 3, 0),  # (B, 64, 4, 4)
        )
        self.dropout = nn.Dropout(c.dropout)
        self.fc = nn.Linear(c3 * 4 * 4, c.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (B, 64, 4, 4)
        x = x.view(x.size(0), -1)  # (B, 64, 4, 4) -> (B, 1024)
        return self.fc(self.dropout(x))  # (B, 10)


MODELS: dict[str, tuple[type, type[nn.Module]]] = {
    "mlp": (LectureMLPConfig, LectureMLP),
    "lecture_cnn": (LectureCNNConfig, LectureCNN),
    "homework_cnn": (HomeworkCNNConfig, HomeworkCNN),
    "inception": (InceptionNetConfig, InceptionNet),
    "residual": (ResidualNetConfig, ResidualNet),
    "best_cnn": (BestCNNConfig, BestCNN),
}


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
