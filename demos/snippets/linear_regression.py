# PyTorch lecture 5: linear regression with nn.Linear, MSELoss and torch.optim.
import torch

# 1. Prepare the data: 3 samples of 1 feature, shape (3, 1).
x_data = torch.tensor([[1.0], [2.0], [3.0]])
y_data = torch.tensor([[2.0], [4.0], [6.0]])


# 2. Design the model: y_hat = x * w + b.
class LinearModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)  # in_features=1, out_features=1

    def forward(self, x):
        return self.linear(x)  # (N, 1) -> (N, 1)


torch.manual_seed(0)  # the same start w, b for every optimizer
model = LinearModel()

# 3. Loss and optimizer. The lecture's size_average=False is reduction="sum":
# loss = sum((y_hat - y)^2). Try Adagrad, Adam, Adamax, ASGD, RMSprop, Rprop.
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

# 4. Training cycle: forward, backward, update.
losses = []
for epoch in range(1000):
    y_pred = model(x_data)
    loss = criterion(y_pred, y_data)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
# torch.optim.LBFGS evaluates the loss several times per step, so it needs a closure:
#     def closure():
#         optimizer.zero_grad()
#         loss = criterion(model(x_data), y_data)
#         loss.backward()
#         return loss
#     optimizer.step(closure)

print("loss = ", losses[-1])
print("w = ", model.linear.weight.item())
print("b = ", model.linear.bias.item())

x_test = torch.tensor([[4.0]])
y_test = model(x_test)
print("y_pred = ", y_test.data)
