"""Train lecture 13's homework, 5-class movie-review sentiment, reproducibly: the bidirectional GRU
and the bag-of-words logistic regression baseline.

    python -m models.train sentiment            (or: python -m models.train_sentiment)

Reads data/movie_reviews.tsv.gz (the committed table; --data for another copy): 8,529 train,
1,029 validation, 1,047 test sentences. The vocabulary is every token seen twice in the train split.

GRU: Recipe.members copies of models.sentiment.SentimentGRU from seeds seed, seed+1, ...
(AdamW, word dropout, label smoothing); each keeps the weights of its epoch with the best
validation accuracy, and the ensemble averages their probabilities. Baseline: a multinomial
logistic regression on the binary bag of words, full-batch L-BFGS, its L2 penalty chosen from
L2_GRID by validation accuracy. The test split chooses nothing.

Both models are rounded to float16, reloaded, and then scored (so the recorded numbers are the
committed files' numbers): 5-class accuracy, macro F1 and two-class accuracy on validation and
test, beside the majority class. Writes weights/sentiment_gru.safetensors, sentiment_bow.safetensors,
sentiment_vocab.json, sentiment_gru.json (config, recipe, metrics, history) and
tests/data/sentiment_test_sample.tsv (test rows with recorded probabilities); --out writes
them under another folder.

``train_epochs`` is the training loop, also run live by the tab on a small config (LIVE_CONFIG).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

import models.load
from models import sentiment as S
from models.sentiment import BagOfWords, BagOfWordsConfig, SentimentConfig, SentimentEnsemble, SentimentGRU

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "sentiment_test_sample.tsv"
SAMPLE_SIZE = 60  # test rows with recorded probabilities, 12 per class
L2_GRID = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)  # baseline: λ of the mean loss + λ·||W||²


@dataclass
class Recipe:
    epochs: int = 15
    batch_size: int = 32
    lr: float = 2e-3  # AdamW, constant
    weight_decay: float = 0.0
    label_smoothing: float = 0.1
    word_dropout: float = 0.2  # each training token read as <unk> with this probability
    members: int = 5  # GRUs from seeds seed, seed+1, ...; their probabilities are averaged
    max_batches: int = 0  # per epoch; 0 = all (a smaller number for quick checks)


# The tab's live "train from scratch": small enough for tens of seconds on one thread.
# Measured on one thread of the loaded 2-core machine: about 3.4 s an epoch, 22 s for the 6 epochs,
# validation accuracy 58.6 % after the 6th (the committed 5-GRU ensemble: 62.1 %).
LIVE_CONFIG = SentimentConfig(embed_size=32, hidden_size=32, dropout=0.5)
LIVE_RECIPE = Recipe(epochs=6, batch_size=64, lr=1e-2, word_dropout=0.1, members=1)


def encode_rows(rows, vocab: S.Vocab) -> tuple[list[list[int]], torch.Tensor]:
    """Token ids of every row and the labels (N,)."""
    return [vocab.ids(S.tokenize(r.text)) for r in rows], torch.tensor([r.label for r in rows], dtype=torch.long)


def drop_words(tokens: torch.Tensor, p: float, unk: int, generator: torch.Generator) -> torch.Tensor:
    """Each real token (not <pad>) replaced by <unk> with probability p: (B, T) -> (B, T)."""
    if p <= 0:
        return tokens
    mask = (torch.rand(tokens.shape, generator=generator) < p) & (tokens != 0)
    return tokens.masked_fill(mask, unk)


@torch.no_grad()
def loss_and_accuracy(model: torch.nn.Module, ids: list[list[int]], labels: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy (no smoothing) and accuracy in eval mode."""
    probs = S.predict_ids(ids, model)
    loss = F.nll_loss(probs.clamp_min(1e-12).log(), labels)
    return float(loss), float((probs.argmax(1) == labels).double().mean())


def train_epochs(
    model: SentimentGRU,
    train_ids: list[list[int]],
    train_labels: torch.Tensor,
    val_ids: list[list[int]],
    val_labels: torch.Tensor,
    recipe: Recipe,
    seed: int,
    unk: int = 1,
) -> Iterator[dict]:
    """The training loop, one epoch per step of the generator: AdamW, shuffled batches, word dropout,
    label-smoothed cross-entropy. Yields {epoch, train_loss, train_acc (running, in train mode, over the
    epoch's batches), val_loss, val_acc (eval mode), seconds}; the model is trained in place."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    n, bs = len(train_ids), recipe.batch_size
    steps = (n + bs - 1) // bs
    if recipe.max_batches:
        steps = min(steps, recipe.max_batches)
    for epoch in range(1, recipe.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator).tolist()
        total, correct, seen = 0.0, 0, 0
        for step in range(steps):
            idx = order[step * bs : (step + 1) * bs]
            tokens, lengths = S.make_batch([train_ids[i] for i in idx])  # (b, T), (b,)
            tokens = drop_words(tokens, recipe.word_dropout, unk, generator)
            logits = model(tokens, lengths)  # (b, 5)
            y = train_labels[idx]
            loss = F.cross_entropy(logits, y, label_smoothing=recipe.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(idx)
        val_loss, val_acc = loss_and_accuracy(model, val_ids, val_labels)
        yield {
            "epoch": epoch,
            "train_loss": round(total / seen, 5),
            "train_acc": round(correct / seen, 5),
            "val_loss": round(val_loss, 5),
            "val_acc": round(val_acc, 5),
            "seconds": round(time.perf_counter() - t0, 2),
        }


def live_run(seed: int = 0, config: SentimentConfig = LIVE_CONFIG, recipe: Recipe = LIVE_RECIPE,
             rows=None) -> Iterator[tuple[dict, SentimentGRU, S.Vocab]]:  # fmt: skip
    """Train a fresh small GRU on the committed table's train split, scored on validation each epoch.
    Yields (epoch row as train_epochs', the model being trained, its vocabulary) after every epoch."""
    rows = rows if rows is not None else S.table()
    train_rows, val_rows = S.split_rows(rows, "train"), S.split_rows(rows, "validation")
    vocab = S.Vocab.build([r.text for r in train_rows])
    (tr_ids, tr_y), (va_ids, va_y) = encode_rows(train_rows, vocab), encode_rows(val_rows, vocab)
    torch.manual_seed(seed)
    model = SentimentGRU(dataclasses.replace(config, vocab_size=len(vocab), members=1))
    for row in train_epochs(model, tr_ids, tr_y, va_ids, va_y, recipe, seed, vocab.unk):
        yield row, model, vocab


def fit_gru(tr, va, config: SentimentConfig, recipe: Recipe, seed: int, unk: int,
            progress: bool = True) -> tuple[SentimentGRU, list[dict], int]:  # fmt: skip
    """One GRU from ``seed``; keeps the epoch with the best validation accuracy (ties: the earlier one).
    Returns (model with those weights, history, the kept epoch)."""
    torch.manual_seed(seed)
    model = SentimentGRU(dataclasses.replace(config, members=1))
    history, best, best_state, best_epoch = [], -1.0, None, 0
    rows = train_epochs(model, *tr, *va, recipe, seed, unk)
    for row in tqdm(rows, total=recipe.epochs, desc=f"seed {seed}", disable=not progress, mininterval=1):
        history.append(row)
        if row["val_acc"] > best:
            best, best_epoch, best_state = row["val_acc"], row["epoch"], copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return model.eval(), history, best_epoch


def ensemble_of(members: list[SentimentGRU], config: SentimentConfig) -> SentimentEnsemble:
    ensemble = SentimentEnsemble(dataclasses.replace(config, members=len(members)))
    for slot, model in zip(ensemble.members, members):
        slot.load_state_dict(model.state_dict())
    return ensemble.eval()


def fit_baseline(tr, va, vocab_size: int, grid=L2_GRID, max_iter: int = 200) -> tuple[BagOfWords, list[dict]]:
    """Multinomial logistic regression on binary bags of words: full-batch L-BFGS on
    mean cross-entropy + λ·||W||² (bias not penalised) for each λ of the grid; keeps the best by
    validation accuracy (ties: the larger λ). Returns (model, one row per λ)."""
    bags = BagOfWords.bags(*S.make_batch(tr[0]))
    rows, best = [], None
    for lam in grid:
        model = BagOfWords(BagOfWordsConfig(vocab_size=vocab_size, weight_decay=lam))
        optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure(model=model, optimizer=optimizer, lam=lam):
            optimizer.zero_grad()
            loss = F.cross_entropy(model.forward_bags(*bags), tr[1]) + lam * model.weight.weight.pow(2).sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        model.eval()
        train_loss, train_acc = loss_and_accuracy(model, *tr)
        val_loss, val_acc = loss_and_accuracy(model, *va)
        rows.append({"l2": lam, "train_loss": round(train_loss, 5), "train_acc": round(train_acc, 5),
                     "val_loss": round(val_loss, 5), "val_acc": round(val_acc, 5)})  # fmt: skip
        if best is None or val_acc >= best[0]:
            best = (val_acc, model)
    for p in best[1].parameters():
        p.requires_grad_(False)
    return best[1], rows


def save(model: torch.nn.Module, name: str, info: dict, path: Path) -> None:
    """The state dict as float16 safetensors with the config (and info's train/metrics) as JSON metadata."""
    from safetensors.torch import save_file

    state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items()}
    meta = {"name": name, "model_class": type(model).__name__, "config": json.dumps(asdict(model.config))}
    meta.update({k: json.dumps(info[k]) for k in ("train", "metrics") if k in info})
    save_file(state, str(path), metadata=meta)


def write_sample(rows, probs: torch.Tensor, seed: int, path: Path) -> None:
    """SAMPLE_SIZE / 5 test rows per class with the GRU's recorded probabilities (6 decimals)."""
    rng = np.random.default_rng(seed)
    labels = np.array([r.label for r in rows])
    per = SAMPLE_SIZE // len(S.CLASSES)
    chosen = sorted(i for c in range(len(S.CLASSES)) for i in rng.permutation(np.flatnonzero(labels == c))[:per])
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["id\tlabel\tpredicted\t" + "\t".join(f"p{k}" for k in range(len(S.CLASSES))) + "\ttext"]
    for i in chosen:
        p = probs[i]
        lines.append(f"{rows[i].id}\t{rows[i].label}\t{int(p.argmax())}\t" + "\t".join(f"{float(v):.6f}" for v in p)
                     + f"\t{rows[i].text}")  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=S.TABLE, help="the derived table (default: the committed one)")
    parser.add_argument("--epochs", type=int, default=Recipe.epochs, help="epochs per GRU")
    parser.add_argument("--members", type=int, default=Recipe.members, help="GRUs in the ensemble")
    parser.add_argument("--max-batches", type=int, default=0, help="batches per epoch (0: all); for quick checks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch threads (default: min(2, cores))")
    parser.add_argument("--out", type=Path, help="folder for all outputs (default: weights/ and tests/data/)")
    return parser.parse_args(argv)


def train_models(enc: dict, vocab: S.Vocab, config: SentimentConfig, recipe: Recipe, seed: int) -> dict:
    """The GRUs (seeds seed, seed+1, ...) and the baseline, with their histories and timings."""
    start = time.perf_counter()
    members, histories, kept = [], [], []
    for k in range(recipe.members):
        model, history, best_epoch = fit_gru(enc["train"], enc["validation"], config, recipe, seed + k, vocab.unk)
        print(f"GRU {k + 1}/{recipe.members} (seed {seed + k}): kept epoch {best_epoch}, "
              f"validation accuracy {history[best_epoch - 1]['val_acc']:.2%}")  # fmt: skip
        members.append(model)
        histories.append(history)
        kept.append({"seed": seed + k, "best_epoch": best_epoch, "val_acc": history[best_epoch - 1]["val_acc"]})
    gru_seconds = time.perf_counter() - start
    start = time.perf_counter()
    bow, l2_rows = fit_baseline(enc["train"], enc["validation"], len(vocab))
    bow_seconds = time.perf_counter() - start
    print(f"baseline: L2 {bow.config.weight_decay:g} (validation accuracy "
          f"{max(r['val_acc'] for r in l2_rows):.2%}), {bow_seconds:.1f} s")  # fmt: skip
    return {"gru": ensemble_of(members, config), "bow": bow, "histories": histories, "kept": kept,
            "l2_rows": l2_rows, "gru_seconds": gru_seconds, "bow_seconds": bow_seconds}  # fmt: skip


def score_all(gru: S.Predictor, base: S.Predictor, rows, by_split: dict) -> tuple[dict, torch.Tensor]:
    """Validation and test scores of the GRU, the baseline and the majority class; prints them.
    Returns (metrics, the GRU's test probabilities (N, 5))."""
    majority = S.majority_class(rows)
    metrics: dict = {"majority_class": majority}
    probs = {}
    for split in ("validation", "test"):
        r = by_split[split]
        probs[split], metrics[f"gru_{split}"] = S.evaluate(gru.model, r, gru.vocab)
        metrics[f"bow_{split}"] = S.evaluate(base.model, r, base.vocab)[1]
        metrics[f"majority_{split}"] = S.scores([x.label for x in r], S.one_hot([majority] * len(r)))
    print(f"{'':<9} {'split':<10} {'accuracy':>9} {'macro F1':>9} {'2-class':>9}")
    for name in ("gru", "bow", "majority"):
        for split in ("validation", "test"):
            m = metrics[f"{name}_{split}"]
            print(f"{name:<9} {split:<10} {m['accuracy']:>9.2%} {m['macro_f1']:>9.2%} {m['two_class_accuracy']:>9.2%}")
    print("GRU test confusion (rows: true class 0-4, columns: predicted):")
    for line in metrics["gru_test"]["confusion"]:
        print("   ", " ".join(f"{n:>4}" for n in line))
    return metrics, probs["test"]


def output_files(out: Path | None) -> dict[str, Path]:
    folder = out or models.load.WEIGHTS
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "gru": folder / "sentiment_gru.safetensors",
        "bow": folder / "sentiment_bow.safetensors",
        "vocab": folder / "sentiment_vocab.json",
        "info": folder / "sentiment_gru.json",
        "sample": (out / SAMPLE.name) if out else SAMPLE,
    }


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    threads = args.threads or min(2, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    recipe = Recipe(epochs=args.epochs, members=args.members, max_batches=args.max_batches)
    rows = S.read_table(args.data)
    by_split = {s: S.split_rows(rows, s) for s in S.SPLITS}
    vocab = S.Vocab.build([r.text for r in by_split["train"]])
    enc = {s: encode_rows(by_split[s], vocab) for s in S.SPLITS}
    config = SentimentConfig(vocab_size=len(vocab), members=recipe.members)
    print(f"sentiment: {', '.join(f'{len(by_split[s]):,} {s}' for s in S.SPLITS)}; vocabulary {len(vocab):,}; "
          f"{threads} threads, seed {args.seed}\n{config}\n{recipe}")  # fmt: skip

    trained = train_models(enc, vocab, config, recipe, args.seed)
    files = output_files(args.out)
    files["vocab"].write_text(json.dumps(vocab.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    save(trained["gru"], "sentiment_gru", {}, files["gru"])
    save(trained["bow"], "sentiment_bow", {}, files["bow"])
    # Score what was written: the float16 weights read back as float32.
    gru, base = S.load_from(files["gru"], files["vocab"]), S.load_from(files["bow"], files["vocab"])
    metrics, test_probs = score_all(gru, base, rows, by_split)
    metrics.update(
        gru_parameters=S.count_parameters(gru.model),
        bow_parameters=S.count_parameters(base.model),
        gru_train_seconds=round(trained["gru_seconds"], 1),
        bow_train_seconds=round(trained["bow_seconds"], 1),
        members=trained["kept"],
        bow_l2=trained["l2_rows"],
        vocab_size=len(vocab),
        rows={s: len(by_split[s]) for s in S.SPLITS},
        threads=threads,
        seed=args.seed,
        torch=torch.__version__,
    )
    print(f"GRU {metrics['gru_parameters']:,} parameters, {trained['gru_seconds']:.0f} s; baseline "
          f"{metrics['bow_parameters']:,} parameters, {trained['bow_seconds']:.0f} s ({threads} threads)")  # fmt: skip
    train = {**asdict(recipe), "optimizer": "AdamW", "data": str(args.data.name)}
    info = {"name": "sentiment_gru", "config": asdict(gru.model.config), "classes": list(S.CLASSES),
            "train": train, "metrics": metrics, "history": trained["histories"]}  # fmt: skip
    save(gru.model, "sentiment_gru", info, files["gru"])  # again, now with the metrics in the metadata
    files["info"].write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    write_sample(by_split["test"], test_probs, args.seed, files["sample"])
    print(f"wrote {files['gru']} ({files['gru'].stat().st_size / 1e6:.2f} MB), {files['bow'].name}, "
          f"{files['vocab'].name}, {files['info'].name}, {files['sample']}")  # fmt: skip
    return metrics


if __name__ == "__main__":
    main()
