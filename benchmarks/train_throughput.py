"""Training throughput of the "Train the CNN" tab's loop against a bare PyTorch loop.

The app's loop is demos.vision.cnn_training.throughput: the lecture's DataLoader, SGD step and
loss.item(), one event per batch, recorded as the tab records it. The bare loop below is the
same model, optimiser, data and batch order style with nothing else: a shuffled index tensor
and a plain for-loop over slices. Both count images per second of wall time over the same
number of batches; the median of a few repeats is printed, with the ratio app / bare.

    python benchmarks/train_throughput.py                     # 1 and 2 threads, cnn and mlp
    python benchmarks/train_throughput.py --batches 20 --repeats 1 --threads 1   # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demos import mnist_data, ui  # noqa: E402
from demos.vision import cnn_training  # noqa: E402


def bare_throughput(model_name: str, batch_size: int = 64, batches: int = 50, seed: int = 0) -> float:
    """Images per second of a plain PyTorch training loop over tensors (no DataLoader, no events)."""
    torch = ui.torch_ready()
    x, y = mnist_data.tensors("train")  # (6000, 1, 28, 28), (6000,)
    model = cnn_training.make_model(model_name, seed)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    generator = torch.Generator().manual_seed(seed)
    done = images = 0
    start = time.perf_counter()
    while done < batches:
        order = torch.randperm(len(y), generator=generator)  # one shuffle per epoch
        for i in range(0, len(y), batch_size):
            index = order[i : i + batch_size]
            inputs, target = x[index], y[index]
            optimizer.zero_grad()
            loss = criterion(model(inputs), target)
            loss.backward()
            optimizer.step()
            images += len(index)
            done += 1
            if done == batches:
                break
    return images / (time.perf_counter() - start)


def measure(model_name: str, batch_size: int, batches: int, repeats: int) -> dict:
    """Median images/s of the app's loop and the bare loop, alternating which runs first."""
    app, bare = [], []
    for r in range(repeats):
        pair = [
            ("app", lambda: cnn_training.throughput(model_name, batch_size, batches)),
            ("bare", lambda: bare_throughput(model_name, batch_size, batches)),
        ]
        for name, fn in pair if r % 2 == 0 else pair[::-1]:
            (app if name == "app" else bare).append(fn())
    a, b = statistics.median(app), statistics.median(bare)
    return {"model": model_name, "app": a, "bare": b, "ratio": a / b}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["cnn", "mlp"], choices=["cnn", "mlp"])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=60, help="training batches per measurement")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch intra-op threads (the app: 1)")
    args = parser.parse_args(argv)
    torch = ui.torch_ready()  # sets one thread, as the app does; set again per row below
    rows = []
    print(f"batch size {args.batch_size}, {args.batches} batches, median of {args.repeats}")
    print(f"{'threads':>7} {'model':>5} {'app img/s':>10} {'bare img/s':>11} {'app/bare':>9}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for model_name in args.models:
            cnn_training.throughput(model_name, args.batch_size, min(5, args.batches))  # warm-up
            row = {"threads": threads, **measure(model_name, args.batch_size, args.batches, args.repeats)}
            rows.append(row)
            print(f"{threads:>7} {model_name:>5} {row['app']:>10.0f} {row['bare']:>11.0f} {row['ratio']:>9.3f}")
    torch.set_num_threads(1)
    return rows


if __name__ == "__main__":
    main()
