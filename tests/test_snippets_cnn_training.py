"""The "Train the CNN" code panel's snippet runs and computes what the tab computes."""

import runpy

import pytest
import torch

from demos import mnist_live
from demos.ui import SNIPPETS
from demos.vision import cnn_training as ct


def test_cnn_training_snippet_matches_the_tab():
    threads = torch.get_num_threads()
    g = runpy.run_path(str(SNIPPETS / "cnn_training.py"), run_name="__main__")
    torch.set_num_threads(threads)
    assert g["n_params"] == 8_490
    # the hooks' shapes: the module's trace without the input and the view (not modules)
    trace = [
        (r["step"], r["shape"]) for r in ct.shape_trace("cnn", g["batch_size"]) if r["step"] not in ("input", "view")
    ]
    assert g["shapes"] == trace
    # the same seed gives the same training, epoch by epoch
    h = mnist_live.history(ct.net_class(), g["lr"], g["momentum"], g["batch_size"], g["epochs"], g["seed"])
    assert g["epochs"] == 2 and len(g["train_losses"]) == 2
    assert g["train_losses"] == pytest.approx(h["train_loss"], rel=1e-6)
    assert g["test_accuracies"] == pytest.approx(h["test_acc"], abs=1e-9)
    assert g["test_accuracies"][-1] > 0.8 and g["train_losses"][1] < g["train_losses"][0]
