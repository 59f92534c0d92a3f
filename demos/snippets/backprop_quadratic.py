# PyTorch lecture 4 homework: fit y = w1 * x^2 + w2 * x + b with autograd, one sample at a time.
import torch

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]  # the tab also offers y = x^2 + x + 1: [3.0, 7.0, 13.0]
lr, epochs = 0.02, 3000

w1 = torch.tensor([0.0], requires_grad=True)
w2 = torch.tensor([0.0], requires_grad=True)
b = torch.tensor([0.0], requires_grad=True)


def forward(x):
    return w1 * x**2 + w2 * x + b


def loss(x, y):
    return (forward(x) - y) ** 2


for epoch in range(1, epochs + 1):
    for x, y in zip(x_data, y_data):
        cost = loss(x, y)
        cost.backward()  # fills w1.grad, w2.grad and b.grad
        for p in (w1, w2, b):
            p.data -= lr * p.grad.data  # a gradient descent step
            p.grad.data.zero_()  # backward() adds up gradients: clear them
    if epoch % 500 == 0:
        print(f"epoch {epoch}: loss = {cost.item():.6f}")

print(f"w1 = {w1.item():.4f}, w2 = {w2.item():.4f}, b = {b.item():.4f}")
print("predict (after training) x = 4:", forward(4.0).item())
