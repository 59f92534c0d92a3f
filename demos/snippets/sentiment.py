# PyTorch lecture 13 homework: 5-class movie-review sentiment, the lecture's classifier on words:
# tokens -> Embedding -> bidirectional GRU over a padded, packed batch -> Linear to 5 classes.
# Uses the app's trained weights (weights/sentiment_gru.safetensors, from python -m models.train sentiment).
import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch.nn.utils.rnn import pack_padded_sequence

from models.sentiment import tokenize  # lower case; words, ! and ?; "doesn't" -> "does", "n't"

CLASSES = ["negative", "somewhat negative", "neutral", "somewhat positive", "positive"]
reviews = ["A gorgeous, witty, seductive movie.", "Too long, too loud and not nearly as funny as it thinks it is."]

weights = Path(__file__).resolve().parents[2] / "weights"
itos = json.loads((weights / "sentiment_vocab.json").read_text(encoding="utf-8"))["itos"]  # <pad> <unk> words
stoi = {w: i for i, w in enumerate(itos)}
with safe_open(str(weights / "sentiment_gru.safetensors"), framework="pt") as f:
    config = json.loads(f.metadata()["config"])
assert config["num_layers"] == 1 and config["pooling"] == "last"  # the lecture's one-layer GRU, last states
state = {k: v.float() for k, v in load_file(weights / "sentiment_gru.safetensors").items()}  # float16 file


class RNNClassifier(torch.nn.Module):
    def __init__(self, vocab_size, embed_size, hidden_size, n_class=5):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.gru = torch.nn.GRU(embed_size, hidden_size, batch_first=True, bidirectional=True)
        self.fc = torch.nn.Linear(2 * hidden_size, n_class)

    def forward(self, tokens, lengths):  # tokens (B, T) padded with 0, lengths (B,)
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        _, hidden = self.gru(packed)  # (2, B, H): each direction stops at its sentence's own end
        return self.fc(torch.cat([hidden[-1], hidden[-2]], dim=1))  # (B, 5) logits


members = []  # the app averages the probabilities of GRUs trained from different seeds
for k in range(config["members"]):
    net = RNNClassifier(config["vocab_size"], config["embed_size"], config["hidden_size"])
    net.load_state_dict({n[len(f"members.{k}.") :]: v for n, v in state.items() if n.startswith(f"members.{k}.")})
    members.append(net.eval())

ids = [[stoi.get(w, 1) for w in tokenize(r)] for r in reviews]  # unknown words -> <unk> = 1
lengths = torch.tensor([len(s) for s in ids])
tokens = torch.zeros(len(ids), int(lengths.max()), dtype=torch.long)
for i, s in enumerate(ids):
    tokens[i, : len(s)] = torch.tensor(s)
with torch.no_grad():
    probs = torch.stack([torch.softmax(m(tokens, lengths), dim=1) for m in members]).mean(0)  # (B, 5)
for review, p in zip(reviews, probs):
    print(f"{CLASSES[int(p.argmax())]:>18} {float(p.max()):.2f}  {review}")
