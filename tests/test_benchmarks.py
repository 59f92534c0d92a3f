"""The load script runs in CI with a small, fast setting, so it cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_load_script_small_run(server_url, capsys):
    load = load_module("load")
    result = load.main(
        ["--url", server_url, "--users", "3", "--trainers", "1", "--seconds", "3", "--think", "0.1", "0.3"]
    )
    rows = {row["endpoint"]: row for row in result["rows"]}
    assert "/linear_model_view" in rows and "/sigmoids_fit" in rows and "(connect)" in rows
    for row in rows.values():
        assert row["errors"] == 0, row
        assert row["ok"] >= 1 and 0 < row["p50"] <= row["p95"] <= row["max"]
    out = capsys.readouterr().out
    assert "p95" in out and "/linear_model_view" in out


def test_load_script_refuses_remote_servers():
    load = load_module("load")
    with pytest.raises(SystemExit):
        load.main(["--url", "https://example.org/"])


@pytest.mark.browser  # records a real Chromium window's page open before replaying it
def test_page_open_script_small_run(server_url):
    """Three page opens replayed at once and one alone against the test server (no pid: no CPU figure)."""
    page_open = load_module("page_open")
    result = page_open.main(["--url", server_url, "--students", "3", "--alone", "1"])
    alone, together = result["rows"]
    assert together["students"] == 3 and alone["cpu_per_open"] is None
    for row in (alone, together):
        assert row["errors"] == 0, row["error_texts"]
        assert 0 < row["seconds"]["p50"] <= row["seconds"]["max"] < 120
        assert row["mb_per_open"] > 0.5  # the page, its scripts and styles: a replay that sent nothing would fail
    assert min(result["browser"]["requests"]) > 20
    assert 0 < result["browser"]["shown"]["p50"] < result["browser"]["answer"]["p50"]


def test_page_open_script_refuses_remote_servers():
    page_open = load_module("page_open")
    with pytest.raises(SystemExit):
        page_open.main(["--url", "https://example.org/"])
