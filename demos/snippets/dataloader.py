# PyTorch lecture 8: what a DataLoader does with batch_size, shuffle and drop_last, and how the
# batch size changes loss noise and time per epoch on lecture 7's diabetes network.
import csv
import math
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset


class IndexDataset(Dataset):
    """N samples; sample i is just the number i."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, index):
        return index

    def __len__(self):
        return self.n


n, batch_size = 30, 8
loader = DataLoader(IndexDataset(n), batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0))
print(f"len(loader) = ceil({n}/{batch_size}) = {len(loader)} == {math.ceil(n / batch_size)} iterations per epoch")
grid = []
for epoch in range(3):
    grid.append([batch.tolist() for batch in loader])  # a new shuffle every epoch
    print(f"epoch {epoch + 1}:", grid[-1])

# The same 8-6-4-1 sigmoid network and SGD, with several batch sizes.
with open(Path(__file__).resolve().parents[2] / "data" / "pima.csv", newline="") as f:
    rows = [r for r in list(csv.reader(f))[1:] if r[9] == "train"]
x_train = torch.tensor([[float(v) for v in r[:8]] for r in rows])  # (614, 8)
y_train = torch.tensor([[float(r[8])] for r in rows])  # (614, 1)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = torch.nn.Linear(8, 6)
        self.linear2 = torch.nn.Linear(6, 4)
        self.linear3 = torch.nn.Linear(4, 1)
        self.sigmoid = torch.nn.Sigmoid()

    def forward(self, x):
        x = self.sigmoid(self.linear1(x))
        x = self.sigmoid(self.linear2(x))
        return self.sigmoid(self.linear3(x))


batch_losses, epoch_seconds = {}, {}
for batch_size in (4, 16, 64, 614):
    torch.manual_seed(0)
    model = Model()
    criterion = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(
        TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    batch_losses[batch_size], epoch_seconds[batch_size] = [], []
    for epoch in range(2):
        start = time.perf_counter()
        for i, (inputs, labels) in enumerate(loader):  # one iteration: one mini-batch, one update
            loss = criterion(model(inputs), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses[batch_size].append(loss.item())
        epoch_seconds[batch_size].append(time.perf_counter() - start)
    print(f"batch_size={batch_size:3d}: {len(loader):3d} iterations/epoch, "
          f"{1000 * min(epoch_seconds[batch_size]):.1f} ms/epoch, last loss {batch_losses[batch_size][-1]:.4f}")  # fmt: skip
