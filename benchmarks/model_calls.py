"""One call of every public endpoint that loads or trains a model: what "every model
used once" means for the memory figure of benchmarks/startup.py. Endpoints the app
does not have are skipped by the caller."""

from __future__ import annotations

from pathlib import Path


def calls(root: Path) -> list[tuple[str, tuple]]:
    import tempfile

    import numpy as np
    from gradio_client import handle_file
    from PIL import Image

    # a committed test digit as a student draws it: black ink on white, 280x280
    ink = np.load(root / "tests" / "data" / "mnist_test_sample.npz")["x"][0].astype(np.uint8)
    digit = Path(tempfile.mkdtemp()) / "digit.png"
    Image.fromarray(255 - ink).resize((280, 280), Image.Resampling.BILINEAR).save(digit)
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
    out += [("/classify_digit", (handle_file(str(digit)), name)) for name in ("mlp", "lecture_cnn", "best_cnn")]
    return out
