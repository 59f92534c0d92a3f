# PyTorch lecture 12: Embedding -> RNN -> Linear, so that the hidden size is free of the number of characters.
import torch

num_class, input_size, hidden_size, embedding_size, num_layers = 4, 4, 8, 10, 2
batch_size, seq_len, lr, seed = 1, 5, 0.05, 0

idx2char = ["e", "h", "l", "o"]
x_data = [[1, 0, 2, 2, 3]]  # (batch, seq_len): character indices, no one-hot
y_data = [3, 1, 2, 3, 2]  # (batch * seq_len)
inputs = torch.LongTensor(x_data)
labels = torch.LongTensor(y_data)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(input_size, embedding_size)
        self.rnn = torch.nn.RNN(
            input_size=embedding_size, hidden_size=hidden_size, num_layers=num_layers, batch_first=True
        )
        self.fc = torch.nn.Linear(hidden_size, num_class)

    def forward(self, x):
        hidden = torch.zeros(num_layers, x.size(0), hidden_size)  # (layers, batch, hidden): batch_first leaves h0 alone
        x = self.emb(x)  # (batch, seq_len, embedding_size)
        x, _ = self.rnn(x, hidden)  # (batch, seq_len, hidden_size)
        x = self.fc(x)  # (batch, seq_len, num_class)
        return x.view(-1, num_class)  # (batch * seq_len, num_class)


torch.manual_seed(seed)
net = Model()
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)

predictions, losses = [], []
for epoch in range(15):
    optimizer.zero_grad()
    outputs = net(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()
    _, idx = outputs.max(dim=1)
    predictions.append("".join(idx2char[x] for x in idx.tolist()))
    losses.append(loss.item())
    print(f"Predicted: {predictions[-1]}, Epoch [{epoch + 1}/15] loss = {loss.item():.3f}")
