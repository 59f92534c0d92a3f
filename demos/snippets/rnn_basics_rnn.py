# PyTorch lecture 12: the same task with nn.RNN over the whole sequence at once (or nn.LSTM, nn.GRU).
import torch

CELL = torch.nn.RNN  # or torch.nn.LSTM, torch.nn.GRU
input_size, batch_size, seq_len = 4, 1, 5
# The lecture's version: no Linear layer, hidden_size = 4 scores. The tab's default: 16, 1, True, 0.1, 0.
hidden_size, num_layers, linear, lr, seed = 4, 1, False, 0.1, 2

idx2char = ["e", "h", "l", "o"]
x_data = [1, 0, 2, 2, 3]  # hello
y_data = [3, 1, 2, 3, 2]  # ohlol
one_hot_lookup = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
x_one_hot = [one_hot_lookup[x] for x in x_data]
inputs = torch.Tensor(x_one_hot).view(seq_len, batch_size, input_size)  # (seq_len, batch, input_size)
labels = torch.LongTensor(y_data)  # (seq_len * batch,)


class Model(torch.nn.Module):
    def __init__(self, input_size, hidden_size, batch_size, num_layers=1):
        super().__init__()
        self.num_layers = num_layers
        self.batch_size = batch_size
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.rnn = CELL(input_size=self.input_size, hidden_size=self.hidden_size, num_layers=num_layers)
        self.fc = torch.nn.Linear(hidden_size, len(idx2char)) if linear else None  # hidden -> 4 scores

    def forward(self, input):
        hidden = torch.zeros(self.num_layers, self.batch_size, self.hidden_size)  # h0: (layers, batch, hidden)
        state = (hidden, torch.zeros_like(hidden)) if CELL is torch.nn.LSTM else hidden  # an LSTM also takes c0
        out, _ = self.rnn(input, state)  # out: (seq_len, batch, hidden_size)
        out = out.view(-1, self.hidden_size)  # (seq_len * batch, hidden_size) for CrossEntropyLoss
        return self.fc(out) if linear else out


torch.manual_seed(seed)
net = Model(input_size, hidden_size, batch_size, num_layers)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)

predictions, losses = [], []
for epoch in range(15):
    optimizer.zero_grad()
    outputs = net(inputs)
    loss = criterion(outputs, labels)  # the mean over the 5 steps
    loss.backward()
    optimizer.step()
    _, idx = outputs.max(dim=1)
    predictions.append("".join(idx2char[x] for x in idx.tolist()))
    losses.append(loss.item())
    print(f"Predicted: {predictions[-1]}, Epoch [{epoch + 1}/15] loss = {loss.item():.3f}")
