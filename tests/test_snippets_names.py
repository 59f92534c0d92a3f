"""The lecture 13 code panel: the lecture's RNNClassifier (sequence-first, batch sorted by length)
loads the committed weights and predicts exactly what the tab's model predicts."""

import runpy

import torch

from demos.ui import SNIPPETS
from models import names


def test_names_snippet_predicts_as_the_tab(capsys):
    g = runpy.run_path(str(SNIPPETS / "names.py"), run_name="__main__")
    assert g["COUNTRIES"] == list(names.COUNTRIES) and g["ALPHABET"] == names.ALPHABET
    texts = [names.prepare(n)[0] for n in g["names"]]
    assert [len(n) for n in texts] == [g["name2list"](n)[1] for n in g["names"]]
    expected = names.load().probabilities(texts)  # (B, 18), the module's batch-first, unsorted packing
    torch.testing.assert_close(g["probs"], expected, rtol=1e-5, atol=1e-6)
    assert g["seq_lengths"].tolist() == sorted(g["seq_lengths"].tolist(), reverse=True)
    out = capsys.readouterr().out
    assert "Nakamura" in out and names.COUNTRIES[int(expected[1].argmax())] in out.splitlines()[1]
