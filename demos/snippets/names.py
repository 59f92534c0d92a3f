# PyTorch lecture 13: the surname classifier, as the tab runs it, with the trained weights
# (trained by `python -m models.train names --data ../shared/data/names`).
import json
import unicodedata
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch.nn.utils.rnn import pack_padded_sequence

COUNTRIES = ["Arabic", "Chinese", "Czech", "Dutch", "English", "French", "German", "Greek", "Irish", "Italian",
             "Japanese", "Korean", "Polish", "Portuguese", "Russian", "Scottish", "Spanish", "Vietnamese"]  # fmt: skip
ALPHABET = "abcdefghijklmnopqrstuvwxyz '"  # index 0 is the padding, so 'a' = 1, 'b' = 2, ...


def name2list(name):
    # Müller -> muller: NFKD splits "ü" into "u" + a combining diaeresis, which is dropped
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    text = " ".join(text.lower().replace("-", " ").split())  # a hyphen reads as a space
    arr = [ALPHABET.index(c) + 1 for c in text]
    return arr, len(arr)


def make_tensors(names):
    sequences_and_lengths = [name2list(name) for name in names]
    name_sequences = [sl[0] for sl in sequences_and_lengths]
    seq_lengths = torch.LongTensor([sl[1] for sl in sequences_and_lengths])
    seq_tensor = torch.zeros(len(name_sequences), seq_lengths.max()).long()  # (B, S), padded with 0
    for idx, (seq, seq_len) in enumerate(zip(name_sequences, seq_lengths)):
        seq_tensor[idx, :seq_len] = torch.LongTensor(seq)
    # pack_padded_sequence wants the batch sorted by length, longest first
    seq_lengths, perm_idx = seq_lengths.sort(dim=0, descending=True)
    return seq_tensor[perm_idx], seq_lengths, perm_idx


class RNNClassifier(torch.nn.Module):
    def __init__(self, input_size, embed_size, hidden_size, output_size, n_layers=1, bidirectional=True):
        super().__init__()
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.n_directions = 2 if bidirectional else 1
        self.embedding = torch.nn.Embedding(input_size, embed_size)
        self.gru = torch.nn.GRU(embed_size, hidden_size, n_layers, bidirectional=bidirectional)
        self.fc = torch.nn.Linear(hidden_size * self.n_directions, output_size)

    def _init_hidden(self, batch_size):
        return torch.zeros(self.n_layers * self.n_directions, batch_size, self.hidden_size)

    def forward(self, input, seq_lengths):
        input = input.t()  # (B, S) -> (S, B)
        batch_size = input.size(1)
        hidden = self._init_hidden(batch_size)  # (n_layers * n_directions, B, H)
        embedding = self.embedding(input)  # (S, B, E)
        gru_input = pack_padded_sequence(embedding, seq_lengths)  # each name stops at its last letter
        output, hidden = self.gru(gru_input, hidden)  # hidden: (n_layers * n_directions, B, H)
        if self.n_directions == 2:
            hidden_cat = torch.cat([hidden[-1], hidden[-2]], dim=1)  # (B, 2H): last layer, both directions
        else:
            hidden_cat = hidden[-1]
        return self.fc(hidden_cat)  # (B, 18) logits


weights = Path(__file__).resolve().parents[2] / "weights" / "names_gru.safetensors"
with safe_open(str(weights), framework="pt") as f:
    config = json.loads(f.metadata()["config"])
state = load_file(str(weights))  # safetensors: tensors only, no pickle
classifiers = []  # several copies of the lecture's classifier, trained from different seeds
for k in range(config["members"]):
    classifier = RNNClassifier(
        config["vocab_size"], config["embed_size"], config["hidden_size"], config["num_classes"], config["num_layers"]
    )
    prefix = f"members.{k}."
    classifier.load_state_dict({key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)})
    classifier.eval()  # no dropout when predicting
    classifiers.append(classifier)

names = ["Müller", "Nakamura", "O'Brien", "Dostoevsky", "Nguyen", "Smith-Jones"]
inputs, seq_lengths, perm_idx = make_tensors(names)
with torch.no_grad():  # each classifier's softmax, averaged: (B, 18), longest name first
    probs = torch.stack([torch.softmax(c(inputs, seq_lengths), dim=1) for c in classifiers]).mean(dim=0)
probs = probs[perm_idx.argsort()]  # back in the order of `names`
for name, p in zip(names, probs):
    values, indices = p.topk(3)
    print(f"{name:12}", ", ".join(f"{COUNTRIES[i]} {v:.1%}" for v, i in zip(values, indices)))
