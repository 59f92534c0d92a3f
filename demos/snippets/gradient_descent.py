# PyTorch lecture 3: gradient descent for y_hat = w * x, as the tab runs it.
import numpy as np

x_data = np.array([1.0, 2.0, 3.0])
y_data = np.array([2.0, 4.0, 6.0])
lr, epochs = 0.01, 100


def cost(w, xs, ys):  # mean squared error over the samples given
    return np.mean((w * xs - ys) ** 2)


def gradient(w, xs, ys):  # d cost / d w = mean(2 * x * (w * x - y))
    return np.mean(2 * xs * (w * xs - ys))


# Batch gradient descent: one update per epoch from all three samples.
w = 1.0
batch_w, batch_loss = [], []
for epoch in range(epochs):
    cost_val = cost(w, x_data, y_data)  # the loss before this epoch's update
    w -= lr * gradient(w, x_data, y_data)
    batch_w.append(w)
    batch_loss.append(cost_val)
print(f"batch:      w = {w:.6f}, loss = {batch_loss[-1]:.3e}")

# Stochastic (batch_size = 1) and mini-batch (batch_size = 2): one update per
# batch, the samples shuffled each epoch by the seed.
for batch_size in (1, 2):
    rng = np.random.default_rng(0)  # seed
    w = 1.0
    sgd_w, sgd_loss = [], []
    for epoch in range(epochs):
        order = rng.permutation(len(x_data))
        losses = []
        for i in range(0, len(x_data), batch_size):
            idx = order[i : i + batch_size]
            losses.extend((w * x_data[idx] - y_data[idx]) ** 2)
            w -= lr * gradient(w, x_data[idx], y_data[idx])
        sgd_w.append(w)
        sgd_loss.append(np.mean(losses))  # the epoch loss: mean of the per-sample losses
    print(f"batch_size={batch_size}: w = {w:.6f}, loss = {sgd_loss[-1]:.3e}")
    if batch_size == 1:
        stochastic_w, stochastic_loss = sgd_w, sgd_loss
    else:
        minibatch_w, minibatch_loss = sgd_w, sgd_loss
