# PyTorch lecture 12: the shapes going into and out of RNNCell, RNN, LSTM and GRU.
import torch

batch_size, seq_len, input_size, hidden_size, num_layers = 1, 3, 4, 2, 1  # the lecture's sizes
bidirectional, batch_first = False, False
D = 2 if bidirectional else 1  # directions
shapes = {}

# RNNCell: one time step at a time. input (batch, input_size), hidden (batch, hidden_size).
cell = torch.nn.RNNCell(input_size=input_size, hidden_size=hidden_size)
dataset = torch.randn(seq_len, batch_size, input_size)
hidden = torch.zeros(batch_size, hidden_size)
for idx, input in enumerate(dataset):
    hidden = cell(input, hidden)
    print(idx, "input size:", input.shape, " hidden size:", hidden.shape)
shapes["RNNCell", "input"], shapes["RNNCell", "hidden"] = tuple(input.shape), tuple(hidden.shape)

# RNN / LSTM / GRU: the whole sequence at once. batch_first swaps the first two axes of input and
# output only; h0, c0, h_n and c_n are always (D * num_layers, batch, hidden_size).
for name in ("RNN", "LSTM", "GRU"):
    rnn = getattr(torch.nn, name)(
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        batch_first=batch_first,
        bidirectional=bidirectional,
    )
    inputs = (
        torch.randn(batch_size, seq_len, input_size) if batch_first else torch.randn(seq_len, batch_size, input_size)
    )
    h0 = torch.zeros(D * num_layers, batch_size, hidden_size)
    if name == "LSTM":
        out, (h_n, c_n) = rnn(inputs, (h0, torch.zeros_like(h0)))  # an LSTM carries a cell state c too
        shapes[name, "c_n"] = tuple(c_n.shape)
    else:
        out, h_n = rnn(inputs, h0)
    shapes[name, "input"], shapes[name, "output"], shapes[name, "h_n"] = (
        tuple(inputs.shape),
        tuple(out.shape),
        tuple(h_n.shape),
    )
    shapes[name, "parameters"] = sum(p.numel() for p in rnn.parameters())
    print(f"{name}: input {tuple(inputs.shape)} output {tuple(out.shape)} h_n {tuple(h_n.shape)}")
