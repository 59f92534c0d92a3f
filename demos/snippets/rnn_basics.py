# PyTorch lecture 12: learn "hello" -> "ohlol" with an RNNCell stepped by hand, one character at a time.
import torch

input_size, batch_size = 4, 1
# The lecture's version: no Linear layer, the hidden state itself is the 4 scores, so hidden_size = 4.
# With this seed it is right from epoch 5; seed 0 stays at "ohlll" (only 37 of the seeds 0..49 learn it
# within 15 epochs). The tab's default adds a Linear layer on 16 hidden units: hidden_size, linear = 16, True.
hidden_size, linear, lr, seed = 4, False, 0.1, 2

idx2char = ["e", "h", "l", "o"]  # the sorted characters of "hello" + "ohlol"
x_data = [1, 0, 2, 2, 3]  # h e l l o
y_data = [3, 1, 2, 3, 2]  # o h l o l
one_hot_lookup = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
x_one_hot = [one_hot_lookup[x] for x in x_data]
inputs = torch.Tensor(x_one_hot).view(-1, batch_size, input_size)  # (seq_len, batch, input_size)
labels = torch.LongTensor(y_data).view(-1, 1)  # (seq_len, 1): one label per step


class Model(torch.nn.Module):
    def __init__(self, input_size, hidden_size, batch_size):
        super().__init__()
        self.batch_size = batch_size
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.rnncell = torch.nn.RNNCell(input_size=self.input_size, hidden_size=self.hidden_size)
        self.fc = torch.nn.Linear(hidden_size, len(idx2char)) if linear else None  # hidden -> 4 scores

    def forward(self, input, hidden):
        hidden = self.rnncell(input, hidden)  # input (batch, input_size), hidden (batch, hidden_size)
        return hidden

    def init_hidden(self):
        return torch.zeros(self.batch_size, self.hidden_size)  # h0


torch.manual_seed(seed)
net = Model(input_size, hidden_size, batch_size)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)

predictions, losses = [], []
for epoch in range(15):
    loss = 0
    optimizer.zero_grad()
    hidden = net.init_hidden()
    predicted = ""
    for input, label in zip(inputs, labels):  # one time step: input (1, 4), label (1,)
        hidden = net(input, hidden)
        out = net.fc(hidden) if linear else hidden  # (1, 4) scores
        loss += criterion(out, label)  # the sum of the 5 per-step losses
        _, idx = out.max(dim=1)
        predicted += idx2char[idx.item()]
    loss.backward()
    optimizer.step()
    predictions.append(predicted)
    losses.append(loss.item())
    print(f"Predicted string: {predicted}, Epoch [{epoch + 1}/15] loss={loss.item():.4f}")
