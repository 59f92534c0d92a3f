"""The public API through gradio_client against a real server."""

import pytest
from gradio_client.exceptions import AppError

from demos import linear_model as lm


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
