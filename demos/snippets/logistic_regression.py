# PyTorch lecture 6: logistic regression, P(pass | hours) = sigmoid(w * hours + b).
import torch

# 1. Data: hours studied -> failed (0) or passed (1), shape (3, 1).
x_data = torch.tensor([[1.0], [2.0], [3.0]])
y_data = torch.tensor([[0.0], [0.0], [1.0]])


# 2. Model: lecture 5's linear model plus a sigmoid.
class LogisticRegressionModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))  # (N, 1) -> (N, 1), each in (0, 1)


torch.manual_seed(0)
model = LogisticRegressionModel()

# 3. Binary cross-entropy, summed over the samples (the lecture's size_average=False):
# loss = -sum(y * log(y_hat) + (1 - y) * log(1 - y_hat))
criterion = torch.nn.BCELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

# 4. Training cycle.
losses = []
for epoch in range(1000):
    y_pred = model(x_data)
    loss = criterion(y_pred, y_data)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

w, b = model.linear.weight.item(), model.linear.bias.item()
print(f"w = {w:.4f}, b = {b:.4f}, loss = {losses[-1]:.4f}")
print(f"P = 0.5 at x = -b/w = {-b / w:.3f} hours")

# The lecture plots P(pass) for 0..10 hours; here, a few of them.
x_test = torch.tensor([[1.0], [2.5], [4.0], [8.0]])
with torch.no_grad():
    p_pass = model(x_test)  # (4, 1)
for hours, p in zip(x_test.view(-1).tolist(), p_pass.view(-1).tolist()):
    answer = "pass" if p > 0.6 else "fail" if p < 0.4 else "uncertain"
    print(f"{hours:4.1f} h: P(pass) = {p:.3f} -> {answer}")
