# Hung-yi Lee ML P7: a fully connected network on a 2-D toy data set, as the playground tab runs it.
import numpy as np
import torch
from torch import nn

dataset, n, noise, test_pct, seed = "circles", 300, 0.2, 30, 0
hidden, activation = [8, 8], nn.Tanh  # "8, 8" and tanh in the tab
lr, batch_size, l2, epochs = 0.03, 32, 0.0, 50


def make_data(name, n, noise, seed):
    """(X (n, 2), y (n,)): n // 2 points of class 0, then class 1, plus N(0, noise²) noise."""
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    if name == "circles":  # class 1 inside radius 1.5, class 0 on a ring 2.2..3.5
        r = np.concatenate([rng.uniform(2.2, 3.5, n0), rng.uniform(0, 1.5, n1)])
        a = rng.uniform(0, 2 * np.pi, n)
        X = np.stack([r * np.cos(a), r * np.sin(a)], 1)
    elif name == "moons":  # two interleaved half circles, scaled by 2 around the origin
        s = rng.uniform(0, np.pi, n)
        upper = np.stack([np.cos(s[:n0]), np.sin(s[:n0])], 1)
        lower = np.stack([1 - np.cos(s[n0:]), 0.5 - np.sin(s[n0:])], 1)
        X = 2.0 * (np.concatenate([upper, lower]) - [0.5, 0.25])
    elif name == "spirals":  # r = 3.5u, angle = 3.5πu (+π for class 1)
        u = rng.uniform(0.05, 1, n)
        a = 3.5 * np.pi * u + np.where(np.arange(n) < n0, 0.0, np.pi)
        X = np.stack([3.5 * u * np.sin(a), 3.5 * u * np.cos(a)], 1)
    elif name == "xor":  # class 1 where x1·x2 > 0, 0.3 away from the axes
        X = rng.uniform(0.3, 3.5, (n, 2)) * rng.choice([-1.0, 1.0], (n, 1))
        X[:n0, 1] *= -1  # class 0: quadrants 2 and 4
    else:  # "gaussians": N((-1.5, -1.5), 0.7²) and N((1.5, 1.5), 0.7²)
        X = rng.normal(0, 0.7, (n, 2)) + np.where(np.arange(n) < n0, -1.5, 1.5)[:, None]
    y = (np.arange(n) >= n0).astype(np.float64)
    return X + rng.normal(0, noise, (n, 2)), y


def features(X):
    """The network's inputs: here x1, x2 (the tab also offers x1², x2², x1·x2, sin x1, sin x2)."""
    return np.stack([X[:, 0], X[:, 1]], 1)


X, y = make_data(dataset, n, noise, seed)
order = np.random.default_rng(seed + 1).permutation(n)  # the train/test split
n_test = round(n * test_pct / 100)
train_idx, test_idx = order[n_test:], order[:n_test]
F = torch.tensor(features(X), dtype=torch.float32)  # (n, 2)
Y = torch.tensor(y, dtype=torch.float32)[:, None]  # (n, 1)
X_train, y_train, X_test, y_test = F[train_idx], Y[train_idx], F[test_idx], Y[test_idx]

# Linear(2, 8) -> Tanh -> Linear(8, 8) -> Tanh -> Linear(8, 1): the last layer outputs a logit
torch.manual_seed(seed)
sizes = [F.shape[1], *hidden, 1]
layers = []
for i, o in zip(sizes[:-1], sizes[1:]):
    layers += [nn.Linear(i, o), activation()]
model = nn.Sequential(*layers[:-1])  # no activation after the last Linear
n_params = sum(p.numel() for p in model.parameters())  # = Σ (in·out + out)
print(model, f"\nparameters: {n_params}")

criterion = nn.BCEWithLogitsLoss()  # mean of −[y·log σ(z) + (1 − y)·log(1 − σ(z))]
optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=l2)  # weight_decay: the L2 term
gen = torch.Generator().manual_seed(seed)  # shuffles the mini-batches
train_losses, test_losses = [], []
for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(X_train), generator=gen)
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        loss = criterion(model(X_train[idx]), y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        train_losses.append(criterion(model(X_train), y_train).item())
        test_logits = model(X_test)
        test_losses.append(criterion(test_logits, y_test).item())
test_accuracy = 100 * ((test_logits > 0).float() == y_test).float().mean().item()  # logit > 0 <=> P > 0.5
print(
    f"epoch {epochs}: train loss {train_losses[-1]:.4f}, test loss {test_losses[-1]:.4f}, test accuracy {test_accuracy:.1f}%"
)

# The heatmap: P(class 1) = sigmoid(logit) on a 60 x 60 grid over [-4, 4]²
g = np.linspace(-4, 4, 60)
x1, x2 = np.meshgrid(g, g)
grid = torch.tensor(features(np.stack([x1.ravel(), x2.ravel()], 1)), dtype=torch.float32)  # (3600, 2)
with torch.no_grad():
    probs = torch.sigmoid(model(grid)).reshape(60, 60)  # rows: x2, columns: x1
