# PyTorch lecture 2: exhaustive search for the best w of y_hat = w * x + b.
import numpy as np

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]
b = 0.0  # the tab lets you move b too


def forward(x):
    return x * w + b


def loss(x, y):
    y_pred = forward(x)
    return (y_pred - y) ** 2


w_list, mse_list = [], []
for w in np.arange(0.0, 4.1, 0.1):
    l_sum = 0.0
    for x_val, y_val in zip(x_data, y_data):
        l_sum += loss(x_val, y_val)
    w_list.append(w)
    mse_list.append(l_sum / len(x_data))
    print(f"w={w:.1f}  MSE={l_sum / len(x_data):.4f}")
