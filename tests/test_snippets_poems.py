"""Lecture 13's code-panel snippet runs on the committed weights and writes what the tab writes."""

import runpy

import torch

from demos.ui import SNIPPETS
from models import poems as P


def test_poems_snippet():
    g = runpy.run_path(str(SNIPPETS / "poems.py"), run_name="__main__")
    model, vocab = P.load()
    ids = torch.tensor([vocab.encode("5x4", "白日依山尽黄河入海流欲穷千里目更上一层楼")])
    with torch.no_grad():
        # the same network, to float32 rounding (F.linear against "y @ W.T + b")
        torch.testing.assert_close(g["model"](ids)[0], model(ids)[0], rtol=1e-5, atol=1e-5)
    args = {"form": g["form"], "temperature": g["temperature"], "top_k": g["top_k"], "seed": g["seed"]}
    assert (g["form"], g["width"], g["lines"]) == ("5x4", *P.FORMS["5x4"])
    assert g["sampled"] == P.generate(**args)["lines"]
    assert g["acrostic"] == P.generate(**args, start=g["heads"], acrostic=True)["lines"]
    assert g["greedy"] == P.generate(**args, greedy=True)["lines"]
    assert [line[0] for line in g["acrostic"]] == list(g["heads"])


def test_poems_meter_snippet():
    from models import meter as M

    g = runpy.run_path(str(SNIPPETS / "poems_meter.py"), run_name="__main__")
    assert g["grid"] == M.grid(5, 4, "zeqi", False) and g["rhyme_lines"] == M.rhyme_lines(4, False)
    args = {"temperature": g["temperature"], "top_k": g["top_k"], "seed": g["seed"]}
    poem = P.generate("5x4", **args, meter="regulated", pattern="zeqi")
    assert g["poem"] == poem["lines"] and g["group"] == poem["rhyme_group"]
    assert M.check("".join(g["poem"]))["regulated"]
    for ch, (tone, groups, _) in list(M.table().items())[::500]:  # the snippet reads the same table
        assert g["tone"][ch] == tone and tuple(g["groups"][ch]) == groups
