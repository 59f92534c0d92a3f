# PyTorch lecture 13: a character-level GRU language model writes a Tang poem, the form guaranteed by the
# decoding. Uses the app's trained weights (weights/poems_gru.safetensors, from python -m models.train_poems).
import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file

form, width, lines = "5x4", 5, 4  # five characters a line, four lines (五言绝句)
temperature, top_k, seed = 0.8, 30, 0
heads = "春夏秋冬"  # an acrostic: line i starts with heads[i] ("" for none)

weights = Path(__file__).resolve().parents[2] / "weights"
vocab = json.loads((weights / "poems_vocab.json").read_text(encoding="utf-8"))
itos = vocab["itos"]  # <pad> <unk> <eos> <5x4> <7x4> <5x8> <7x8> ， 。 then the characters
stoi = {s: i for i, s in enumerate(itos)}
FIRST_CHAR = itos.index("。") + 1  # ids below this are special tokens and punctuation
with safe_open(str(weights / "poems_gru.safetensors"), framework="pt") as f:
    config = json.loads(f.metadata()["config"])


class PoemLM(torch.nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_layers, dropout, tied):
        super().__init__()
        assert tied and embed_dim == hidden_size  # the output layer reuses the embedding matrix
        self.embed = torch.nn.Embedding(vocab_size, embed_dim)
        self.rnn = torch.nn.GRU(embed_dim, hidden_size, num_layers=num_layers, batch_first=True, dropout=dropout)
        self.drop = torch.nn.Dropout(dropout)
        self.out_bias = torch.nn.Parameter(torch.zeros(vocab_size))

    def forward(self, x, h=None):
        y, h = self.rnn(self.drop(self.embed(x)), h)  # (B, T) -> (B, T, E) -> (B, T, H)
        return self.drop(y) @ self.embed.weight.T + self.out_bias, h  # logits (B, T, V): tied to the embedding


model = PoemLM(**config)
model.load_state_dict({k: v.float() for k, v in load_file(weights / "poems_gru.safetensors").items()})  # float16 file
model.eval()  # no dropout


def next_probs(logits, greedy=False):
    """The distribution a character slot draws from: only characters allowed, logits / T, the top k kept."""
    z = logits.clone()
    z[:FIRST_CHAR] = float("-inf")  # no special token and no punctuation inside a line
    if not greedy:
        z = z / temperature
        kth = torch.topk(z, top_k).values[-1]
        z[z < kth] = float("-inf")
    return torch.softmax(z, dim=-1)


@torch.no_grad()
def write(heads="", greedy=False):
    g = torch.Generator().manual_seed(seed)
    x, h, poem = torch.tensor([[stoi[f"<{form}>"]]]), None, []
    for line in range(lines):
        text = ""
        for col in range(width):
            logits, h = model(x, h)  # (1, 1, V): feed one token, keep the memory h
            p = next_probs(logits[0, -1], greedy)
            if col == 0 and line < len(heads):
                idx = stoi[heads[line]]  # the acrostic forces the line's first character
            elif greedy:
                idx = int(p.argmax())
            else:
                idx = int(torch.multinomial(p, 1, generator=g))  # roulette wheel: slice width = probability
            text += itos[idx]
            x = torch.tensor([[idx]])
        _, h = model(x, h)  # feed the line's last character; what follows it is fixed by the form:
        punct = "，" if line % 2 == 0 else "。"
        poem.append(text + punct)
        x = torch.tensor([[stoi[punct]]])
    return poem


sampled = write()
acrostic = write(heads)
greedy = write(greedy=True)  # always the likeliest character: it soon repeats itself
print("\n".join(sampled), "\n\n" + "\n".join(acrostic), "\n\n" + "\n".join(greedy))
