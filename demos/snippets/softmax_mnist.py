# PyTorch lecture 9: the fully connected MNIST classifier, trained as the tab trains it
# (on the app's subset: 6,000 training and 1,000 test digits).
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

batch_size, lr, momentum, epochs, seed = 64, 0.01, 0.5, 10, 0

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
        self.l1 = torch.nn.Linear(784, 512)
        self.l2 = torch.nn.Linear(512, 256)
        self.l3 = torch.nn.Linear(256, 128)
        self.l4 = torch.nn.Linear(128, 64)
        self.l5 = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 784)  # (N, 1, 28, 28) -> (N, 784)
        x = F.relu(self.l1(x))
        x = F.relu(self.l2(x))
        x = F.relu(self.l3(x))
        x = F.relu(self.l4(x))
        return self.l5(x)  # (N, 10) logits: no softmax, CrossEntropyLoss includes it


torch.manual_seed(seed)
model = Net()
criterion = torch.nn.CrossEntropyLoss()  # = LogSoftmax + NLLLoss
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


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
    train_losses.append(train(epoch))
    test_accuracies.append(test())
    print(f"epoch {epoch + 1}: loss {train_losses[-1]:.4f}, accuracy on test set {100 * test_accuracies[-1]:.1f} %")
