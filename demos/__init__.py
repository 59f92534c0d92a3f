"""The lecture tabs, in course order. Tab order lives only here.

Each module has LECTURE (a demos.ui.Lecture naming its section, tab label,
source and intro keys) and build(lang) that adds the tab's content.
"""

from demos import (
    advanced_cnn,
    backprop,
    beyond,
    cnn_training,
    convolution,
    dataloader,
    draw_digit,
    gradient_descent,
    linear_model,
    linear_regression,
    logistic_regression,
    names,
    pima,
    playground,
    poems,
    rnn_basics,
    sigmoids,
    softmax,
)

LECTURES = [
    # Basics
    linear_model,
    gradient_descent,
    backprop,
    sigmoids,
    linear_regression,
    # Classification
    logistic_regression,
    pima,
    dataloader,
    softmax,
    playground,
    # Vision
    convolution,
    cnn_training,
    draw_digit,
    advanced_cnn,
    beyond,
    # Sequences
    rnn_basics,
    names,
    poems,
]


def sections() -> list[tuple[str, list]]:
    """[(section key, [modules])] in first-appearance order of LECTURES."""
    out: dict[str, list] = {}
    for module in LECTURES:
        out.setdefault(module.LECTURE.section, []).append(module)
    return list(out.items())
