# PyTorch lecture 7: the 8-6-4-1 network on the Pima diabetes table, full batch, as the tab runs it.
import csv
from pathlib import Path

import torch

# data/pima.csv: 8 z-scored features, diabetes (0/1), split (train/test); see data/tables.md
with open(Path(__file__).resolve().parents[2] / "data" / "pima.csv", newline="") as f:
    rows = list(csv.reader(f))[1:]
x = torch.tensor([[float(v) for v in r[:8]] for r in rows])  # (768, 8)
y = torch.tensor([[float(r[8])] for r in rows])  # (768, 1), 1 = diabetic
train = torch.tensor([r[9] == "train" for r in rows])
x_train, y_train, x_test, y_test = x[train], y[train], x[~train], y[~train]  # 614 and 154 rows


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = torch.nn.Linear(8, 6)  # weight (6, 8), bias (6,)
        self.linear2 = torch.nn.Linear(6, 4)  # weight (4, 6)
        self.linear3 = torch.nn.Linear(4, 1)  # weight (1, 4)
        self.activate = torch.nn.Sigmoid()  # the tab's choice: Sigmoid(), ReLU() or Tanh()
        self.sigmoid = torch.nn.Sigmoid()

    def forward(self, x):  # x: (N, 8)
        x = self.activate(self.linear1(x))  # (N, 8)·(8, 6) + b -> (N, 6)
        x = self.activate(self.linear2(x))  # (N, 6)·(6, 4) + b -> (N, 4)
        return self.sigmoid(self.linear3(x))  # (N, 4)·(4, 1) + b -> (N, 1) = P(diabetic)


torch.manual_seed(0)
model = Model()
criterion = torch.nn.BCELoss()  # -mean(y*log(y_hat) + (1-y)*log(1-y_hat))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)  # or torch.optim.Adam

for epoch in range(3000):
    y_pred = model(x_train)  # forward: all 614 training rows at once (full batch)
    loss = criterion(y_pred, y_train)
    optimizer.zero_grad()
    loss.backward()  # backward
    optimizer.step()  # update

with torch.no_grad():
    train_loss = criterion(model(x_train), y_train).item()
    test_loss = criterion(model(x_test), y_test).item()
    train_acc = ((model(x_train) > 0.5).float() == y_train).float().mean().item()
    test_acc = ((model(x_test) > 0.5).float() == y_test).float().mean().item()
print(f"train loss {train_loss:.4f}, accuracy {train_acc:.1%}; test loss {test_loss:.4f}, accuracy {test_acc:.1%}")
