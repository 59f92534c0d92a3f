"""Train lecture 13's surname classifier on the course's names data, reproducibly.

    python -m models.train_names --data ../shared/data/names     (or: python -m models.train names --data ...)

Reads names_train.csv.gz / names_test.csv.gz (rows "Surname","Country"; 13,374 / 6,700).
Trains 5 copies of the lecture's classifier from seeds 0-4 (15 epochs each, AdamW, one-cycle,
label smoothing) and averages their probabilities. A stratified 10 % of the training rows is
held out as a validation split; it picks the epoch each copy keeps and the prior correction
tau (the test split is never used to choose anything). Then it reports on the test split:
top-1 accuracy, balanced accuracy (the mean of the per-country recalls: the data is 47 %
Russian) and per-country accuracy. Writes weights/names_gru.safetensors,
weights/names_gru.json (config, training settings, metrics with the confusion matrix) and
tests/data/names_test_sample.csv (test rows with the model's recorded predictions).
"""

from __future__ import annotations

import argparse
import copy
import csv
import dataclasses
import gzip
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from models import names
from models.names import COUNTRIES, NamesEnsemble, NamesGRU, NamesGRUConfig

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "names_test_sample.csv"
SAMPLE_SIZE = 360  # 20 test rows per country (all of them when fewer)


@dataclass
class Recipe:
    epochs: int = 15
    batch_size: int = 128
    lr: float = 3e-3  # AdamW peak learning rate of a one-cycle schedule
    weight_decay: float = 0.01
    label_smoothing: float = 0.1
    class_weight_power: float = 0.0  # loss weight of a class ∝ count^-power (0: plain cross-entropy)
    val_fraction: float = 0.1
    members: int = 5  # classifiers trained from seeds seed, seed+1, ...; their probabilities are averaged
    # Prior correction p_c / prior_c^tau (folded into each member's fc.bias), tau from TAUS chosen on the
    # validation split: the largest balanced accuracy whose top-1 stays within max_top1_drop of tau = 0's.
    max_top1_drop: float = 0.0


TAUS = tuple(round(0.1 * i, 1) for i in range(11))


def read_split(folder: str | Path, split: str) -> list[tuple[str, str]]:
    """[(surname, country)] from names_<split>.csv.gz, parsed with csv (some names hold commas)."""
    path = Path(folder) / f"names_{split}.csv.gz"
    if not path.exists():
        raise SystemExit(f"{path} not found: pass --data with the folder holding names_{{train,test}}.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return [(row[0], row[1]) for row in csv.reader(f) if row]


def encode_rows(rows: list[tuple[str, str]]) -> tuple[list[str], torch.Tensor]:
    """Prepared texts and country indices; every row of the data must be readable."""
    texts, labels = [], []
    for name, country in rows:
        text, bad = names.prepare(name)
        if bad or not text:
            raise ValueError(f"unreadable name in the data: {name!r}")
        texts.append(text)
        labels.append(COUNTRIES.index(country))
    return texts, torch.tensor(labels, dtype=torch.long)


def stratified_split(labels: torch.Tensor, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Row indices (train, validation): ``fraction`` of every country, at least one row, held out."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in range(len(COUNTRIES)):
        idx = rng.permutation(np.flatnonzero(labels.numpy() == c)).tolist()
        k = max(1, round(fraction * len(idx)))
        val += idx[:k]
        train += idx[k:]
    return sorted(train), sorted(val)


@torch.no_grad()
def predict(model: NamesGRU, texts: list[str], batch_size: int = 1024) -> torch.Tensor:
    """Softmax probabilities (N, 18), in eval mode."""
    model.eval()
    out = []
    for i in range(0, len(texts), batch_size):
        tokens, lengths = names.make_batch(texts[i : i + batch_size])
        out.append(torch.softmax(model(tokens, lengths), dim=1))
    return torch.cat(out)


def confusion(labels: torch.Tensor, pred: torch.Tensor) -> np.ndarray:
    """(18, 18) counts: row = true country, column = predicted."""
    n = len(COUNTRIES)
    return np.bincount(labels.numpy() * n + pred.numpy(), minlength=n * n).reshape(n, n)


def scores(cm: np.ndarray) -> dict:
    """Top-1 accuracy, balanced accuracy (mean recall over countries) and per-country recall."""
    recall = cm.diagonal() / cm.sum(axis=1)
    return {
        "top1": float(cm.trace() / cm.sum()),
        "balanced": float(recall.mean()),
        "per_country": {c: float(r) for c, r in zip(COUNTRIES, recall)},
    }


def train(
    train_texts: list[str],
    train_labels: torch.Tensor,
    val_texts: list[str],
    val_labels: torch.Tensor,
    config: NamesGRUConfig,
    recipe: Recipe,
    seed: int,
    progress: bool = True,
) -> tuple[NamesGRU, list[dict], int]:
    """Train with AdamW + one-cycle; keep the weights of the epoch with the best validation accuracy.

    Returns (model with those weights, per-epoch history, the chosen epoch)."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = NamesGRU(config)
    n, bs = len(train_texts), recipe.batch_size
    steps = (n + bs - 1) // bs
    counts = torch.bincount(train_labels, minlength=len(COUNTRIES)).float()
    weight = None
    if recipe.class_weight_power:
        weight = counts.pow(-recipe.class_weight_power)
        weight = weight / (weight * counts).sum() * counts.sum()  # the mean weight per row stays 1
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=recipe.lr, epochs=recipe.epochs, steps_per_epoch=steps
    )
    history, best, best_state, best_epoch = [], -1.0, None, 0
    bar = tqdm(range(1, recipe.epochs + 1), desc="epochs", disable=not progress, mininterval=1)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator).tolist()
        total = 0.0
        for step in range(steps):
            idx = order[step * bs : (step + 1) * bs]
            tokens, lengths = names.make_batch([train_texts[i] for i in idx])
            logits = model(tokens, lengths)  # (b, 18)
            loss = F.cross_entropy(logits, train_labels[idx], weight=weight, label_smoothing=recipe.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item()
        val = scores(confusion(val_labels, predict(model, val_texts).argmax(dim=1)))
        row = {
            "epoch": epoch,
            "train_loss": round(total / steps, 5),
            "val_top1": round(val["top1"], 5),
            "val_balanced": round(val["balanced"], 5),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        history.append(row)
        if val["top1"] > best:
            best, best_epoch = val["top1"], epoch
            best_state = copy.deepcopy(model.state_dict())
        bar.set_postfix(loss=f"{row['train_loss']:.3f}", val=f"{val['top1']:.3f}", bal=f"{val['balanced']:.3f}")
    model.load_state_dict(best_state)
    model.eval()
    return model, history, best_epoch


def ensemble_of(models: list[NamesGRU], config: NamesGRUConfig) -> NamesEnsemble:
    ensemble = NamesEnsemble(dataclasses.replace(config, members=len(models)))
    for member, model in zip(ensemble.members, models):
        member.load_state_dict(model.state_dict())
    return ensemble.eval()


def shift_bias(ensemble: NamesEnsemble, shift: torch.Tensor) -> NamesEnsemble:
    """A copy with ``shift`` (18,) added to every member's output bias: each p_c is multiplied by e^shift_c."""
    out = copy.deepcopy(ensemble)
    with torch.no_grad():
        for member in out.members:
            member.fc.bias += shift
    return out


def choose_tau(ensemble: NamesEnsemble, log_prior: torch.Tensor, texts: list[str], labels: torch.Tensor,
               max_drop: float) -> tuple[float, list[dict]]:  # fmt: skip
    """The prior correction tau (bias shift -tau·log prior) picked on the validation split."""
    rows = []
    for tau in TAUS:
        s = scores(confusion(labels, predict(shift_bias(ensemble, -tau * log_prior), texts).argmax(dim=1)))
        rows.append({"tau": tau, "val_top1": round(s["top1"], 5), "val_balanced": round(s["balanced"], 5)})
    floor = rows[0]["val_top1"] - max_drop
    best = max((r for r in rows if r["val_top1"] >= floor), key=lambda r: (r["val_balanced"], -r["tau"]))
    return best["tau"], rows


def write_sample(rows: list[tuple[str, str]], probs: torch.Tensor, seed: int, path: Path = SAMPLE) -> None:
    """Up to 20 test rows per country with the prediction and its probability, as recorded now."""
    rng = np.random.default_rng(seed)
    labels = np.array([COUNTRIES.index(c) for _, c in rows])
    chosen = sorted(
        i for c in range(len(COUNTRIES)) for i in rng.permutation(np.flatnonzero(labels == c))[:20].tolist()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["surname", "country", "predicted", "probability"])
        for i in chosen:
            p, k = probs[i].max(dim=0)
            w.writerow([rows[i][0], rows[i][1], COUNTRIES[int(k)], f"{float(p):.6f}"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; --epochs and --members default to the Recipe's."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder with names_train.csv.gz and names_test.csv.gz")
    parser.add_argument("--epochs", type=int, default=Recipe.epochs, help="epochs per member")
    parser.add_argument("--members", type=int, default=Recipe.members, help="classifiers in the ensemble")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch threads (default: min(2, cores))")
    parser.add_argument("--no-write", action="store_true", help="report only; write no files")
    return parser.parse_args(argv)


def train_members(
    tr_texts: list[str],
    tr_labels: torch.Tensor,
    va_texts: list[str],
    va_labels: torch.Tensor,
    config: NamesGRUConfig,
    recipe: Recipe,
    seed: int,
) -> tuple[list[NamesGRU], list[list[dict]], list[dict]]:
    """recipe.members classifiers from seeds seed, seed+1, ...; prints each one's kept epoch.

    Returns (models, their per-epoch histories, one row per member: seed, kept epoch, validation scores)."""
    models, histories, member_rows = [], [], []
    for k in range(recipe.members):
        model, history, best_epoch = train(tr_texts, tr_labels, va_texts, va_labels, config, recipe, seed + k)
        val = history[best_epoch - 1]
        print(f"member {k + 1}/{recipe.members} (seed {seed + k}): kept epoch {best_epoch}, "
              f"validation top-1 {val['val_top1']:.2%}, balanced {val['val_balanced']:.2%}")  # fmt: skip
        models.append(model)
        histories.append(history)
        member_rows.append(
            {"seed": seed + k, "best_epoch": best_epoch, **{key: val[key] for key in ("val_top1", "val_balanced")}}
        )
    return models, histories, member_rows


def correct_prior(
    ensemble: NamesEnsemble, tr_labels: torch.Tensor, va_texts: list[str], va_labels: torch.Tensor, max_drop: float
) -> tuple[NamesEnsemble, float, list[dict]]:
    """The ensemble with its output biases shifted by -tau·log prior (prior = the train split's country shares),
    tau chosen on the validation split. Returns (shifted ensemble, tau, validation scores by tau)."""
    prior = torch.bincount(tr_labels, minlength=len(COUNTRIES)).double() / len(tr_labels)
    log_prior = prior.log().float()
    tau, tau_rows = choose_tau(ensemble, log_prior, va_texts, va_labels, max_drop)
    return shift_bias(ensemble, -tau * log_prior), tau, tau_rows


def evaluate_test(
    ensemble: NamesEnsemble, test_texts: list[str], test_labels: torch.Tensor
) -> tuple[torch.Tensor, np.ndarray, dict]:
    """Prints the per-country test accuracy and the overall scores. Returns (probabilities, confusion, scores)."""
    probs = predict(ensemble, test_texts)
    cm = confusion(test_labels, probs.argmax(dim=1))
    test = scores(cm)
    print(f"{'country':<12} {'test rows':>9} {'accuracy':>9}")
    for c, n_c in zip(COUNTRIES, cm.sum(axis=1)):
        print(f"{c:<12} {n_c:>9} {test['per_country'][c]:>9.1%}")
    print(
        f"test top-1 accuracy {test['top1']:.2%}, balanced accuracy {test['balanced']:.2%} ({len(test_labels):,} rows)"
    )
    return probs, cm, test


def write_outputs(
    ensemble: NamesEnsemble,
    recipe: Recipe,
    metrics: dict,
    histories: list[list[dict]],
    test_rows: list[tuple[str, str]],
    probs: torch.Tensor,
    seed: int,
) -> None:
    """weights/names_gru.safetensors and .json, and the test sample with the recorded predictions."""
    info = {
        "name": "names_gru",
        "train": {**asdict(recipe), "optimizer": "AdamW", "schedule": "OneCycleLR", "data": "names 13,374 / 6,700"},
        "metrics": metrics,
        "history": histories,
    }
    names.save(ensemble, info)
    write_sample(test_rows, probs, seed)
    size = names.WEIGHTS_FILE.stat().st_size / 1e6
    print(f"wrote {names.WEIGHTS_FILE} ({size:.2f} MB), {names.METRICS_FILE}, {SAMPLE}")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    threads = args.threads or min(2, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    recipe = Recipe(epochs=args.epochs, members=args.members)
    config = NamesGRUConfig(members=args.members)

    train_rows, test_rows = read_split(args.data, "train"), read_split(args.data, "test")
    texts, labels = encode_rows(train_rows)
    test_texts, test_labels = encode_rows(test_rows)
    tr, va = stratified_split(labels, recipe.val_fraction, args.seed)
    tr_texts, tr_labels, va_texts, va_labels = [texts[i] for i in tr], labels[tr], [texts[i] for i in va], labels[va]
    print(
        f"names: {len(train_rows):,} training rows ({len(tr):,} train / {len(va):,} validation), "
        f"{len(test_rows):,} test rows; {recipe.members} x {names.count_parameters(NamesGRU(config)):,} parameters; "
        f"{threads} threads, seed {args.seed}\n{config}\n{recipe}"
    )
    start = time.perf_counter()
    models, histories, member_rows = train_members(tr_texts, tr_labels, va_texts, va_labels, config, recipe, args.seed)
    ensemble = ensemble_of(models, config)
    ensemble, tau, tau_rows = correct_prior(ensemble, tr_labels, va_texts, va_labels, recipe.max_top1_drop)
    val = next(r for r in tau_rows if r["tau"] == tau)
    seconds = time.perf_counter() - start
    print(f"ensemble of {recipe.members}: validation top-1 {tau_rows[0]['val_top1']:.2%}, balanced "
          f"{tau_rows[0]['val_balanced']:.2%}; prior correction tau = {tau} (validation top-1 {val['val_top1']:.2%}, "
          f"balanced {val['val_balanced']:.2%})")  # fmt: skip

    probs, cm, test = evaluate_test(ensemble, test_texts, test_labels)
    print(f"training time {seconds:.0f} s ({threads} threads)")
    metrics = {
        "test_top1": test["top1"],
        "test_balanced_accuracy": test["balanced"],
        "test_per_country": test["per_country"],
        "test_confusion": cm.tolist(),
        "test_rows": len(test_rows),
        "val_top1": val["val_top1"],
        "val_balanced_accuracy": val["val_balanced"],
        "prior_tau": tau,
        "val_by_tau": tau_rows,
        "members": member_rows,
        "parameters": names.count_parameters(ensemble),
        "train_seconds": round(seconds, 1),
        "threads": threads,
        "seed": args.seed,
        "torch": torch.__version__,
    }
    if not args.no_write:
        write_outputs(ensemble, recipe, metrics, histories, test_rows, probs, args.seed)
    return metrics


if __name__ == "__main__":
    main()
