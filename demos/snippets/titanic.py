# PyTorch lecture 8 homework: Titanic survival with a Dataset subclass and a DataLoader.
import csv
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

CSV = Path(__file__).resolve().parents[2] / "data" / "titanic.csv"  # see data/tables.md


class TitanicDataset(Dataset):
    def __init__(self, split):
        with open(CSV, newline="") as f:
            rows = list(csv.DictReader(f))
        train = np.array([r["split"] == "train" for r in rows])

        def col(name):
            return np.array([float(r[name]) for r in rows])

        def z(v):  # standardised with the training rows' mean and std
            return (v - v[train].mean()) / v[train].std()

        features = [col("pclass") == k for k in (1, 2, 3)]  # one-hot class
        features.append(np.array([r["sex"] == "female" for r in rows]))
        features += [z(col("age")), z(col("sibsp")), z(col("parch")), z(np.log1p(col("fare")))]
        features += [np.array([r["embarked"] == port for r in rows]) for port in "CQS"]  # one-hot port
        x = np.stack(features, axis=1).astype(np.float32)  # (1309, 11)
        keep = np.array([r["split"] == split for r in rows])
        self.x = torch.from_numpy(x[keep])  # (n, 11)
        self.y = torch.from_numpy(col("survived").astype(np.float32)[keep]).unsqueeze(1)  # (n, 1)

    def __getitem__(self, index):
        return self.x[index], self.y[index]

    def __len__(self):
        return len(self.y)


train_set, test_set = TitanicDataset("train"), TitanicDataset("test")  # 1047 and 262 passengers
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = torch.nn.Linear(11, 16)
        self.linear2 = torch.nn.Linear(16, 8)
        self.linear3 = torch.nn.Linear(8, 1)
        self.relu = torch.nn.ReLU()
        self.sigmoid = torch.nn.Sigmoid()

    def forward(self, x):  # x: (batch, 11)
        x = self.relu(self.linear1(x))  # (batch, 16)
        x = self.relu(self.linear2(x))  # (batch, 8)
        return self.sigmoid(self.linear3(x))  # (batch, 1) = P(survived)


torch.manual_seed(0)
model = Model()
criterion = torch.nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

for epoch in range(40):
    for i, (inputs, labels) in enumerate(train_loader):  # 33 iterations per epoch
        y_pred = model(inputs)
        loss = criterion(y_pred, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

with torch.no_grad():
    train_acc = ((model(train_set.x) > 0.5).float() == train_set.y).float().mean().item()
    test_acc = ((model(test_set.x) > 0.5).float() == test_set.y).float().mean().item()
print(f"train accuracy {train_acc:.1%}, test accuracy {test_acc:.1%}")
