# PyTorch lecture 11: why residual connections help. A deep plain stack and the same stack
# with skips: the gradient norm reaching each layer after one backward pass, then a short
# training race between the two (on the app's 6,000 + 1,000 MNIST digits).
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

depth, activation, seed, epochs = 20, "sigmoid", 0, 3
f = getattr(torch, activation)  # torch.sigmoid, torch.tanh or torch.relu

data = np.load(Path(__file__).resolve().parents[2] / "data" / "mnist_subset.npz", allow_pickle=False)


def transform(images):  # = transforms.ToTensor() then transforms.Normalize((0.1307,), (0.3081,))
    x = torch.tensor(images).unsqueeze(1).float() / 255  # (N, 1, 28, 28) in [0, 1]
    return (x - 0.1307) / 0.3081


x_train, y_train = transform(data["x_train"]), torch.tensor(data["y_train"]).long()
x_test, y_test = transform(data["x_test"]), torch.tensor(data["y_test"]).long()


class Stack(torch.nn.Module):
    def __init__(self, depth, residual, width=64):
        super().__init__()
        self.layers = torch.nn.ModuleList(
            [torch.nn.Linear(784, width)] + [torch.nn.Linear(width, width) for _ in range(depth - 1)]
        )
        self.head = torch.nn.Linear(width, 10)
        self.residual = residual

    def forward(self, x):
        z = self.layers[0](x.view(x.size(0), -1))  # (B, 784) -> (B, 64)
        for layer in self.layers[1:]:
            if self.residual:
                z = z + layer(f(z))  # the skip: dz_l/dz_{l-1} = I + W_l diag(f')
            else:
                z = layer(f(z))  # dz_l/dz_{l-1} = W_l diag(f'), and sigmoid's f' <= 0.25
        return self.head(f(z))  # (B, 10)


# One backward pass on 64 test digits; float64 so that tiny norms do not underflow.
idx = torch.randperm(len(y_test), generator=torch.Generator().manual_seed(seed))[:64]
x, y = x_test[idx], y_test[idx]
norms = {}
for name, residual in (("plain", False), ("residual", True)):
    torch.manual_seed(seed)  # the same initial weights for both
    model = Stack(depth, residual).double()
    loss = F.cross_entropy(model(x.double()), y)
    loss.backward()
    norms[name] = [layer.weight.grad.norm().item() for layer in model.layers]  # ||dL/dW_l||
    print(f"{name:8s} layer 1: {norms[name][0]:.3e}   layer {depth}: {norms[name][-1]:.3e}")

# The race: the same weights, the same batches, SGD(lr=0.1, momentum=0.5).
train_loader = DataLoader(
    TensorDataset(x_train, y_train), batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(seed)
)
models = {}
for name, residual in (("plain", False), ("residual", True)):
    torch.manual_seed(seed)
    models[name] = Stack(depth, residual)
optimizers = {name: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.5) for name, m in models.items()}
losses = {name: [] for name in models}
accuracies = {name: [] for name in models}
for epoch in range(epochs):
    for inputs, target in train_loader:
        for name, model in models.items():
            optimizers[name].zero_grad()
            loss = F.cross_entropy(model(inputs), target)
            loss.backward()
            optimizers[name].step()
            losses[name].append(loss.item())
    for name, model in models.items():
        with torch.no_grad():
            accuracies[name].append((model(x_test).argmax(dim=1) == y_test).float().mean().item())
    print(
        f"epoch {epoch + 1}:",
        {name: f"loss {losses[name][-1]:.3f}, test accuracy {accuracies[name][-1]:.3f}" for name in models},
    )
