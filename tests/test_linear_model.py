import gradio as gr
import numpy as np
import pytest
import torch

from demos.basics import linear_model as lm


@pytest.mark.parametrize("w,b", [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (2.5, -1.3), (3.7, 1.9)])
def test_mse_matches_torch(w, b):
    x = torch.tensor(lm.X)
    y = torch.tensor(lm.Y)
    expected = torch.nn.functional.mse_loss(w * x + b, y).item()
    assert lm.mse(w, b) == pytest.approx(expected, abs=1e-12)


def test_squared_errors_per_point():
    assert lm.squared_errors(1.0, 0.0).tolist() == [1.0, 4.0, 9.0]


def test_exhaustive_search_is_the_lectures():
    rows = lm.exhaustive_search()
    assert len(rows) == 41
    assert rows[0] == (0.0, pytest.approx(56 / 3))
    best_w, best = min(rows, key=lambda r: r[1])
    assert best_w == pytest.approx(2.0) and best == pytest.approx(0.0, abs=1e-12)


def test_grid_agrees_with_pointwise_mse():
    ws, bs = np.linspace(0, 4, 5), np.linspace(-2, 2, 3)
    z = lm.mse_grid(ws, bs)
    assert z.shape == (3, 5)
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            assert z[i, j] == pytest.approx(lm.mse(w, b))


def test_figures_mark_the_current_point():
    curve = lm.curve_figure(1.5, 0.0, "en")
    assert curve.data[-1].x == (1.5,) and curve.data[-1].y[0] == pytest.approx(lm.mse(1.5))
    surface = lm.surface_figure(1.5, 0.5, "zh")
    assert surface.data[-1].z[0] == pytest.approx(lm.mse(1.5, 0.5))
    assert "数据" in lm.fit_figure(1, 0, "zh").layout.title.text


def test_bad_input_is_a_clear_error():
    import gradio as gr

    for bad in (float("nan"), None, "x", 1e9):
        with pytest.raises(gr.Error):
            lm.api_linear_mse(bad, 0.0)


def test_a_step_of_w_redraws_only_what_w_changes():
    """The surface (a 41x41 WebGL plot) and the search table do not depend on w: redrawing them on
    every step of w made the step 4x slower in the browser (benchmarks/browser_feel.py)."""
    import app

    demo = app.build_app()
    by_id = {block._id: block for block in demo.blocks.values()}
    step = next(fn for fn in demo.fns.values() if fn.api_name == "linear_model_view")
    shown = {getattr(by_id[c._id], "elem_id", None) for c in step.outputs}
    assert "lin-mse" in shown and "lin-surface" not in shown
    assert not any(isinstance(c, gr.Dataframe) for c in step.outputs)
    assert [c.elem_id for c in step.inputs[:2]] == ["lin-w", "lin-b"]
    assert lm.line_views(2.5, -0.5, "en")[-1] == pytest.approx(lm.mse(2.5, -0.5))  # the marker's MSE
