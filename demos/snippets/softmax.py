# PyTorch lecture 9: softmax and the cross-entropy loss, by hand in numpy and in PyTorch.
import numpy as np
import torch

z = np.array([0.2, 0.1, -0.1])  # the logits of 3 classes (the lecture's example)
target = 0  # the true class

# Softmax p_i = exp(z_i) / sum_j exp(z_j). Subtracting max(z) changes no p_i
# but keeps every exp(.) <= 1, so large logits cannot overflow.
shifted = z - z.max()
exps = np.exp(shifted)
p = exps / exps.sum()
loss = -np.log(p[target])  # cross-entropy with a one-hot y: -sum(y * log p) = -log p_target
loss_stable = np.log(exps.sum()) - shifted[target]  # the same number, never log(0)
print("softmax:", p, " loss:", loss, loss_stable)

# PyTorch takes raw logits (no softmax layer) as a batch (N, C) and class indices (N,).
z_t = torch.tensor(z, dtype=torch.float32).unsqueeze(0)  # (1, 3): a batch of one
y_t = torch.tensor([target])  # (1,) LongTensor
ce = torch.nn.CrossEntropyLoss()(z_t, y_t).item()
nll = torch.nn.NLLLoss()(torch.nn.LogSoftmax(dim=1)(z_t), y_t).item()  # CrossEntropyLoss = LogSoftmax + NLLLoss
print("CrossEntropyLoss:", ce, " LogSoftmax + NLLLoss:", nll, " numpy - torch:", loss - ce)

# The lecture's batch of three samples, with targets 2, 0, 1: the loss is the batch mean.
criterion = torch.nn.CrossEntropyLoss()
Y = torch.LongTensor([2, 0, 1])
Y_pred1 = torch.Tensor([[0.1, 0.2, 0.9], [1.1, 0.1, 0.2], [0.2, 2.1, 0.1]])  # good predictions
Y_pred2 = torch.Tensor([[0.8, 0.2, 0.3], [0.2, 0.3, 0.5], [0.2, 0.2, 0.5]])  # poor predictions
l1, l2 = criterion(Y_pred1, Y).item(), criterion(Y_pred2, Y).item()
print("Batch Loss1 =", l1, "\nBatch Loss2 =", l2)
