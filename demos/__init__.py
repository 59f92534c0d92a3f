"""The lecture tabs, in course order. Tab order lives only here.

Each module has LECTURE (a demos.ui.Lecture naming its section, tab label,
source and intro keys) and build(lang) that adds the tab's content.
"""

from demos.basics import backprop, gradient_descent, linear_model, linear_regression, sigmoids
from demos.classification import dataloader, logistic_regression, pima, playground, softmax
from demos.sequences import names, poems, rnn_basics, sentiment
from demos.vision import advanced_cnn, beyond, cnn_training, convolution, draw_digit

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
    sentiment,
    poems,
]


def sections() -> list[tuple[str, list]]:
    """[(section key, [modules])] in first-appearance order of LECTURES."""
    out: dict[str, list] = {}
    for module in LECTURES:
        out.setdefault(module.LECTURE.section, []).append(module)
    return list(out.items())
