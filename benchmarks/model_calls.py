"""One call of every public endpoint that loads or trains a model: what "every model
used once" means for the memory figure of benchmarks/startup.py."""

from __future__ import annotations

from pathlib import Path


def calls(root: Path) -> list[tuple[str, tuple]]:
    return [
        ("/sigmoids_fit", ("lee", "sigmoid", 6, 0, 500, 0.05)),
        ("/playground", ("circles", 200, 0.1, 30.0, 0, "8, 8", "relu", ["x₁", "x₂"], "adam", 0.03, 16, 0.0, 5)),
    ]
