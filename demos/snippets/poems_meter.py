# PyTorch lecture 13, beyond the lecture: regulated verse (格律诗) by masking the logits, as Jiuge does.
# A 五言绝句, 仄起, first line not rhyming: each position may take only the characters its tone allows,
# and the even lines end on one 平声 rhyme group, picked by the model's own probabilities.
import json
from pathlib import Path

import torch

from models.load import load

ROOT = Path(__file__).resolve().parents[2]
temperature, top_k, seed = 0.8, 30, 0
grid = ["◐●○○●", "○○◐●○", "◐○◐●●", "◐●●○○"]  # ○ 平, ● 仄, ◐ either (一三五不论)
rhyme_lines = [1, 3]

itos = json.loads((ROOT / "weights" / "poems_vocab.json").read_text(encoding="utf-8"))["itos"]
stoi = {s: i for i, s in enumerate(itos)}
FIRST_CHAR = itos.index("。") + 1
tone, groups = {}, {}  # character -> 平 / 仄 / 平仄, and its 平声 rhyme groups (平水韵)
for line in (ROOT / "data" / "pingshui.tsv").read_text(encoding="utf-8").splitlines():
    if not line.startswith("#"):
        ch, t, gs, _ = line.split("\t")
        tone[ch], groups[ch] = t, gs.split()

V = len(itos)
is_char = torch.arange(V) >= FIRST_CHAR
ping = torch.tensor([tone.get(c, "") in ("平", "平仄") for c in itos]) & is_char  # may stand where ○ is
ze = torch.tensor([tone.get(c, "") in ("仄", "平仄") for c in itos]) & is_char  # may stand where ● is
members = {}  # rhyme group -> (V,) mask of its characters
for i, c in enumerate(itos[FIRST_CHAR:], FIRST_CHAR):
    for g in groups.get(c, []):
        members.setdefault(g, torch.zeros(V, dtype=torch.bool))[i] = True

model = load("poems_gru")  # Embedding -> GRU -> Linear, trained on 32,345 Tang poems


def probs_over(logits, allowed):  # softmax(logits / T) over the allowed characters' top k
    z = (logits / temperature).masked_fill(~allowed, float("-inf"))
    kth = torch.topk(z, top_k).values[-1]
    return torch.softmax(z.masked_fill(z < kth, float("-inf")), -1)


@torch.no_grad()
def write():
    g = torch.Generator().manual_seed(seed)
    x, h, chars = torch.tensor([[stoi["<5x4>"]]]), None, []
    group, used = None, torch.zeros(V, dtype=torch.bool)
    for line in range(4):
        for col in range(5):
            logits, h = model(x, h)
            mark = grid[line][col]
            allowed = {"○": ping, "●": ze, "◐": is_char}[mark]
            if col == 4 and line in rhyme_lines:  # a rhyme: one group, no character twice
                if group is None:  # the groups that can still fill every rhyme, weighed by the model
                    left = len([r for r in rhyme_lines if r >= line])
                    names = sorted(n for n, m in members.items() if int((m & ~used).sum()) >= left)
                    p = probs_over(logits[0, -1], allowed & torch.stack([members[n] for n in names]).any(0))
                    mass = torch.stack([p[members[n]].sum() for n in names])
                    group = names[int(torch.multinomial(mass, 1, generator=g))]
                allowed = allowed & members[group] & ~used
            idx = int(torch.multinomial(probs_over(logits[0, -1], allowed), 1, generator=g))
            used[idx] |= col == 4 and line in rhyme_lines
            chars.append(itos[idx])
            x = torch.tensor([[idx]])
        _, h = model(x, h)  # feed the last character; the punctuation is fixed by the form
        x = torch.tensor([[stoi["，" if line % 2 == 0 else "。"]]])
    return ["".join(chars[i * 5 : i * 5 + 5]) + "，。"[i % 2] for i in range(4)], group


poem, group = write()
print("\n".join(poem), "\n", group)
