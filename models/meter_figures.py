"""The poem tab's 格律 figures: how often real and generated poems keep the rules, and what the
constraints cost. Prints them and writes weights/poems_meter.json (the README quotes it).

    python -m models.meter_figures --data ../shared/data/poems [--seeds 200 --threads 2]

- Held-out Tang poems (never trained on) through models.meter.check: the committed sample of 400
  (tests/data/poems_heldout_sample.txt) and, from --data, all held-out poems of the training split.
- Generated at the tab's defaults (T = 0.8, top-k = 30): free decoding, 50 seeds per form (200 poems);
  "rhyme" and "regulated" over the 4 forms x 2 patterns (平起 / 仄起) x 2 first-line choices, --seeds
  seeds each, all checked.
- The cost: the model's mean log-probability per character (at T = 1, over the whole vocabulary) of
  the constrained poems against free ones drawn with the same settings and seeds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import torch

import models.load
from models import meter as M
from models import poems as P

OUT = models.load.WEIGHTS / "poems_meter.json"
SAMPLING = {"temperature": 0.8, "top_k": 30}  # the tab's defaults


def pass_counts(texts: list[str]) -> dict:
    results = [M.check(t) for t in texts]
    return {
        "poems": len(results),
        "rhymes": sum(r["rhymes"] for r in results),
        "tones_ok": sum(r["tones_ok"] for r in results),
        "regulated": sum(r["regulated"] for r in results),
    }


def heldout_poems(data: Path) -> list[tuple[str, str]]:
    """Every held-out poem of the training split (the same cleaning and hash as models.train_poems)."""
    from models import train_poems as T

    texts, _ = T.read_corpus(data)
    corpus, _ = T.prepare_corpus(texts)
    return [p for p in corpus if T.is_heldout(p[1], T.RECIPE["heldout_percent"])]


def generate_set(model, vocab, seeds: range, **kwargs) -> tuple[list[dict], float]:
    """Poems for every seed (and form, if not given); returns them and the seconds per poem."""
    forms = [kwargs.pop("form")] if "form" in kwargs else list(P.FORMS)
    poems, start = [], time.perf_counter()
    for form in forms:
        for seed in seeds:
            poems.append(P.generate(form, seed=seed, model=model, vocab=vocab, **SAMPLING, **kwargs))
    return poems, (time.perf_counter() - start) / max(1, len(poems))


def mean_logprob(poems: list[dict]) -> float:
    """Mean over characters of log p(character) under the model at T = 1."""
    return sum(p["logprob"] for p in poems) / sum(len(p["chars"]) for p in poems)


def measure(data: Path | None, seeds: int) -> dict:
    model, vocab = P.load()
    out: dict = {"sampling": SAMPLING, "seeds_per_setting": seeds}
    sample = P.read_sample()
    out["heldout_sample"] = pass_counts(["".join(P.as_lines(f, c)) for f, c in sample])
    if data is not None:
        out["heldout_all"] = pass_counts(["".join(P.as_lines(f, c)) for f, c in heldout_poems(data)])
    free, free_s = generate_set(model, vocab, range(50))
    out["free_200"] = {**pass_counts([P.as_text(p) for p in free]), "seconds_per_poem": round(free_s, 4)}
    out["free_logprob_per_char"] = mean_logprob(free)
    out["settings"] = []
    free_by_form = {form: generate_set(model, vocab, range(seeds), form=form)[0] for form in P.FORMS}
    examples = {"free": [P.as_text(p) for p in free[::50][:4]]}
    for meter in ("rhyme", "regulated"):
        total = {"poems": 0, "rhymes": 0, "regulated": 0, "constrained_logprob": 0.0, "free_logprob": 0.0, "chars": 0}
        for form in P.FORMS:
            for pattern in M.PATTERNS if meter == "regulated" else ("pingqi",):
                for first in (False, True):
                    kwargs = {"meter": meter, "pattern": pattern, "first_rhymes": first, "form": form}
                    poems, secs = generate_set(model, vocab, range(seeds), **kwargs)
                    same_free = free_by_form[form]  # the same seeds, free
                    counts = pass_counts([P.as_text(p) for p in poems])
                    row = {
                        "meter": meter,
                        "form": form,
                        "pattern": pattern if meter == "regulated" else None,
                        "first_rhymes": first,
                        **counts,
                        "relaxed": sum(bool(p["relaxed"]) for p in poems),
                        "logprob_per_char": mean_logprob(poems),
                        "free_logprob_per_char": mean_logprob(same_free),
                        "seconds_per_poem": round(secs, 4),
                    }
                    out["settings"].append(row)
                    print(json.dumps(row, ensure_ascii=False), flush=True)
                    n_chars = sum(len(p["chars"]) for p in poems)
                    total["poems"] += counts["poems"]
                    total["rhymes"] += counts["rhymes"]
                    total["regulated"] += counts["regulated"]
                    total["constrained_logprob"] += sum(p["logprob"] for p in poems)
                    total["free_logprob"] += sum(p["logprob"] for p in same_free)
                    total["chars"] += n_chars
                    if form in ("5x4", "7x4") and pattern == "pingqi" and first:
                        examples.setdefault(meter, []).extend(P.as_text(p) for p in poems[:2])
        out[meter] = {
            "poems": total["poems"],
            "rhymes": total["rhymes"],
            "regulated": total["regulated"],
            "logprob_per_char": total["constrained_logprob"] / total["chars"],
            "free_logprob_per_char": total["free_logprob"] / total["chars"],
        }
    out["heldout_sample_logprob_per_char"] = -math.log(P.perplexity(sample, model, vocab)["perplexity_char"])
    out["examples"] = examples
    out["torch"] = torch.__version__
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder of poet.tang.*.json (../shared/data/poems): adds all held-out poems")
    parser.add_argument("--seeds", type=int, default=200, help="seeds per constrained setting (default 200)")
    parser.add_argument("--threads", type=int, help="torch threads (default: min(2, cores))")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads or min(2, os.cpu_count() or 1))
    out = measure(Path(args.data) if args.data else None, args.seeds)
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for key in ("heldout_sample", "heldout_all", "free_200", "rhyme", "regulated"):
        if key in out:
            print(f"{key}: {out[key]}")
    print(f"wrote {args.out}")
    return out


if __name__ == "__main__":
    main()
