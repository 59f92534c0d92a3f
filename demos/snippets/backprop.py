# PyTorch lecture 4: one forward and one backward pass through y_hat = x * w, loss = (y_hat - y)^2.
import torch

x, y = 2.0, 4.0  # exercise 4-1; the tab lets you move x, y and w
w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)  # autograd tracks w

y_hat = x * w  # forward, the (x) node
loss = (y_hat - y) ** 2  # forward, the (-) and (^2) nodes
loss.backward()  # backward: the chain rule, node by node, into w.grad

by_hand = 2 * (x * w.item() - y) * x  # dloss/dw = dloss/dr * dr/dy_hat * dy_hat/dw = 2r * 1 * x
print("y_hat =", y_hat.item(), " loss =", loss.item())
print("w.grad =", w.grad.item(), " by hand =", by_hand)
