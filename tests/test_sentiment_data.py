"""Lecture 13's homework data: the committed movie-review table (data/movie_reviews.tsv.gz) and,
when the vaderSentiment sdist is at hand, that data/derive_sentiment.py rebuilds it byte for byte."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TABLE = DATA / "movie_reviews.tsv.gz"
SHA256 = "415e3ca4d9956c3b2197da7c0a16009994950287d16a48b7f12917b3875aefe9"
SDIST_NAME = "vaderSentiment-3.3.2.tar.gz"


def derive_module():
    spec = importlib.util.spec_from_file_location("derive_sentiment", DATA / "derive_sentiment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sdist() -> Path | None:
    for path in (os.environ.get("VADER_SDIST"), f"/tmp/scratch/pkgs/{SDIST_NAME}"):
        if path and Path(path).is_file():
            return Path(path)
    return None


def rows() -> list[list[str]]:
    lines = gzip.decompress(TABLE.read_bytes()).decode("utf-8").split("\n")
    assert lines[-1] == ""  # ends with a newline
    return [line.split("\t") for line in lines[:-1]]


def label_by_hand(rating: str) -> int:
    """The documented mapping, with decimal arithmetic: x = (s + 4) / 8, cuts 0.2 0.4 0.6 0.8 inclusive."""
    x = (Decimal(rating) + 4) / 8
    for k, cut in enumerate((Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8"))):
        if x <= cut:
            return k
    return 4


def test_checksum_is_the_documented_one():
    assert hashlib.sha256(TABLE.read_bytes()).hexdigest() == SHA256
    assert SHA256 in (DATA / "movie_reviews.md").read_text(encoding="utf-8")


def test_columns_rows_and_ids():
    header, *body = rows()
    assert header == ["id", "rating", "label", "split", "text"]
    assert len(body) == 10_605
    assert all(len(r) == 5 for r in body)
    assert [int(r[0]) for r in body] == list(range(1, 10_606))
    assert all(r[4].strip() == r[4] and r[4] for r in body)


def test_label_is_the_mapping_of_the_rating_for_every_row():
    _, *body = rows()
    assert all(-4 <= Decimal(r[1]) <= 4 for r in body)
    assert [int(r[2]) for r in body] == [label_by_hand(r[1]) for r in body]
    # the sentences exactly on a cut go to the class below it
    on_cut = Counter(r[1] for r in body if (Decimal(r[1]) + 4) / 8 in {Decimal(k) / 5 for k in range(1, 5)})
    assert on_cut == {"-2.4": 36, "-0.8": 29, "0.8": 18, "2.4": 36}
    assert {label_by_hand(r) for r in ("-2.4", "-0.8", "0.8", "2.4")} == {0, 1, 2, 3}
    assert [label_by_hand(r) for r in ("-4", "-2.39999", "1.6", "2.40001", "4")] == [0, 1, 3, 4, 4]


def test_class_and_split_shares():
    _, *body = rows()
    classes = Counter(int(r[2]) for r in body)
    assert [classes[k] for k in range(5)] == [1057, 3765, 1011, 3769, 1003]  # about 10/35/10/35/10 %
    splits = Counter(r[3] for r in body)
    assert splits == {"train": 8529, "validation": 1029, "test": 1047}  # about 80/10/10 %
    test = Counter(int(r[2]) for r in body if r[3] == "test")
    assert [test[k] for k in range(5)] == [115, 376, 111, 341, 104]


def test_split_is_the_md5_of_the_text_and_duplicates_share_a_split():
    _, *body = rows()
    for r in body:
        k = int(hashlib.md5(r[4].encode("utf-8")).hexdigest(), 16) % 10
        assert r[3] == ("test" if k == 0 else "validation" if k == 1 else "train")
    by_text: dict[str, set[str]] = {}
    for r in body:
        by_text.setdefault(r[4], set()).add(r[3])
    assert len(body) - len(by_text) == 2  # two texts occur twice
    assert all(len(s) == 1 for s in by_text.values())


def test_the_script_maps_and_splits_as_documented():
    derive = derive_module()
    assert [derive.label(r) for r in ("-4", "-2.4", "-2.39999999999", "-0.8", "0.8", "1.6", "2.4", "4")] == [
        0, 0, 1, 1, 2, 3, 3, 4,
    ]  # fmt: skip
    assert derive.on_cut("0.8") and not derive.on_cut("0.80000000001")


def test_derive_script_reproduces_the_committed_bytes(tmp_path):
    path = sdist()
    if path is None:
        pytest.skip(f"{SDIST_NAME} not found (set VADER_SDIST); the committed table was checked above")
    derive = derive_module()
    out = tmp_path / "movie_reviews.tsv.gz"
    derive.main(["--sdist", str(path), "--out", str(out)])
    assert out.read_bytes() == TABLE.read_bytes()
    _, licence = derive.read_source(path)
    md = (DATA / "movie_reviews.md").read_text(encoding="utf-8")
    assert all(line.strip() in md for line in licence.splitlines())
