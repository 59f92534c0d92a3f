"""The public API through gradio_client against a real server."""

import pytest
from gradio_client.exceptions import AppError

from demos.basics import linear_model as lm


def test_linear_mse(client):
    assert client.predict(2.0, 0.0, api_name="/linear_mse") == pytest.approx(0.0)
    assert client.predict(1.0, 0.5, api_name="/linear_mse") == pytest.approx(lm.mse(1.0, 0.5))


def test_linear_mse_bad_input(client):
    # JSON cannot carry NaN; a missing value and a string are what clients send.
    for bad in (None, "nan"):
        with pytest.raises(AppError, match="finite number"):
            client.predict(bad, 0.0, api_name="/linear_mse")
    with pytest.raises(AppError, match="between"):
        client.predict(1e9, 0.0, api_name="/linear_mse")


def test_gradient_descent(client):
    from demos.basics import gradient_descent as gd

    out = client.predict("batch", 0.01, 100, 1.0, 0, api_name="/gradient_descent")
    assert out == gd.gradient_descent("batch", 0.01, 100, 1.0, 0)
    assert len(out["w"]) == 100 and out["diverged"] is False
    diverged = client.predict("batch", 0.25, 500, 1.0, 0, api_name="/gradient_descent")
    assert diverged["diverged"] is True


@pytest.mark.parametrize(
    "args,message",
    [
        (("newton", 0.01, 10, 1.0, 0), "must be one of"),
        (("batch", "abc", 10, 1.0, 0), "finite number"),
        (("batch", 0.01, -1, 1.0, 0), "between"),
        (("batch", 0.01, 10**7, 1.0, 0), "between"),
    ],
)
def test_gradient_descent_bad_input(client, args, message):
    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name="/gradient_descent")
