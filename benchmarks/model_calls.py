"""One call of every public endpoint that loads or trains a model: what "every model
used once" means for the memory figure of benchmarks/startup.py. Endpoints the app
does not have are skipped by the caller."""

from __future__ import annotations

from pathlib import Path


def calls(root: Path) -> list[tuple[str, tuple]]:
    from gradio_client import handle_file

    digit = root / "tests" / "data" / "digit_seven.png"
    out = [
        ("/sigmoids_fit", ("lee", "sigmoid", 6, 0, 500, 0.05)),
        ("/playground", ("circles", 200, 0.1, 30.0, 0, "8, 8", "relu", ["x₁", "x₂"], "adam", 0.03, 16, 0.0, 5)),
        ("/conv_shapes", ('{"input": [1, 28, 28], "layers": [{"type": "conv", "out": 10, "k": 5}]}',)),
        ("/inception_block", (10, 12, 12)),
        ("/gradient_flow", (20, "sigmoid", 0)),
        ("/rnn_train", ("hello", "ohlol", "lstm", 15, 0.1, 0)),
        ("/poem", ("7x4", "春", False, 0.8, 0)),
        ("/name_to_country", ("Nakamura", 3)),
    ]
    if digit.exists():
        out += [("/classify_digit", (handle_file(str(digit)),))]
    return out
