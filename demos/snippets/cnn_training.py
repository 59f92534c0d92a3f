# PyTorch lecture 10: the basic CNN on MNIST, trained as the tab trains it
# (on the app's subset: 6,000 training and 1,000 test digits; the lecture uses all 60,000).
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)  # as the app does
batch_size, lr, momentum, epochs, seed = 64, 0.01, 0.5, 2, 0

data = np.load(Path(__file__).resolve().parents[2] / "data" / "mnist_subset.npz", allow_pickle=False)


def transform(images):  # = transforms.ToTensor() then transforms.Normalize((0.1307,), (0.3081,))
    x = torch.tensor(images).unsqueeze(1).float() / 255  # (N, 1, 28, 28) in [0, 1]
    return (x - 0.1307) / 0.3081


x_train, y_train = transform(data["x_train"]), torch.tensor(data["y_train"]).long()
x_test, y_test = transform(data["x_test"]), torch.tensor(data["y_test"]).long()
train_loader = DataLoader(
    TensorDataset(x_train, y_train),
    batch_size=batch_size,
    shuffle=True,
    generator=torch.Generator().manual_seed(seed),
)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = torch.nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(320, 10)

    def forward(self, x):
        # flatten data from (n, 1, 28, 28) to (n, 320)
        batch_size = x.size(0)
        x = F.relu(self.pooling(self.conv1(x)))  # (n, 10, 24, 24) -> pool -> (n, 10, 12, 12)
        x = F.relu(self.pooling(self.conv2(x)))  # (n, 20, 8, 8) -> pool -> (n, 20, 4, 4)
        x = x.view(batch_size, -1)  # (n, 320)
        return self.fc(x)  # (n, 10) logits


torch.manual_seed(seed)
model = Net()
n_params = sum(p.numel() for p in model.parameters())  # 8,490 (the lecture 9 MLP has 575,050)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)

# The shape after each layer, recorded by forward hooks on one batch.
shapes = []
hooks = [
    m.register_forward_hook(lambda m, inputs, out, name=name: shapes.append((name, tuple(out.shape))))
    for name, m in model.named_children()
]
with torch.no_grad():
    model(x_train[:batch_size])
for h in hooks:
    h.remove()
# conv1 (64, 10, 24, 24), pooling (64, 10, 12, 12), conv2 (64, 20, 8, 8), pooling (64, 20, 4, 4), fc (64, 10)
print(shapes)


def train(epoch):
    running_loss = 0.0
    for batch_idx, (inputs, target) in enumerate(train_loader):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, target)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    return running_loss / len(train_loader)  # the epoch's mean training loss


def test():
    with torch.no_grad():
        outputs = model(x_test)  # all 1,000 test digits at once
        _, predicted = torch.max(outputs, dim=1)
    return (predicted == y_test).float().mean().item()


train_losses, test_accuracies = [], []
for epoch in range(epochs):
    start = time.perf_counter()
    train_losses.append(train(epoch))
    seconds = time.perf_counter() - start
    test_accuracies.append(test())
    print(
        f"epoch {epoch + 1}: loss {train_losses[-1]:.4f}, accuracy on test set {100 * test_accuracies[-1]:.1f} %, "
        f"{seconds:.2f} s ({len(x_train) / seconds:.0f} images/s)"
    )
