import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: pip install -r requirements-dev.txt", pytrace=False)
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def repo_files() -> list[Path]:
    """The files a clone has: git's list when this is a checkout, else every file outside .git."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        return [p for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]


def test_no_file_over_10_mb():
    # a Hugging Face Space takes files under 10 MB without Git LFS; the README states the repo size
    big = [
        (p.relative_to(ROOT), p.stat().st_size) for p in repo_files() if p.exists() and p.stat().st_size >= 10_000_000
    ]
    assert not big, big
