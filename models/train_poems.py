"""Train lecture 13's Tang poem model, reproducibly, on a CPU.

    python -m models.train_poems --data ../shared/data/poems [--epochs 3 --seed 0 --threads 1]

Reads poet.tang.*.json (npm chinese-poetry@2.0.1, MIT) from --data; converts to simplified
Chinese with zhconv (a training-only dependency); keeps regular 5- and 7-character poems of
4 or 8 lines whose only punctuation is ，after odd and 。after even lines (dropping brackets,
notes, □ and other noise); drops duplicates (the same text, or a first or last couplet seen
before); splits train/held-out by a hash of the text; trains Embedding -> GRU -> Linear.

Writes weights/poems_gru.safetensors (float16 tensors, config and metrics in the metadata),
weights/poems_vocab.json, weights/poems_gru.json (metrics, corpus sizes, history) and
tests/data/poems_heldout_sample.txt (held-out poems whose perplexity the tests recompute).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import hashlib
import json
import os
import random
import re
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from tqdm import tqdm

import models.load
from models import poems as P

RECIPE = {
    "epochs": 12,
    "batch_size": 64,
    "max_lr": 3e-3,
    "weight_decay": 0.01,
    "clip": 1.0,
    "min_count": 3,  # a character seen fewer times in training becomes <unk>
    "heldout_percent": 5,  # by hash of the text: stable whatever the file order
    "sample_size": 400,  # held-out poems committed for the tests
}
MODEL = {"embed_dim": 384, "hidden_size": 384, "num_layers": 2, "dropout": 0.25, "tied": True}
LINE = re.compile(r"([\u4e00-\u9fff]+)([，。])")


def read_corpus(data: Path) -> tuple[list[str], dict]:
    """Every poem's raw text (its paragraphs joined), in file order."""
    files = sorted(data.glob("poet.tang.*.json"), key=lambda p: int(p.stem.split(".")[-1]))
    if not files:
        raise SystemExit(f"no poet.tang.*.json under {data}")
    texts = []
    for f in files:
        texts += ["".join(p.get("paragraphs") or []) for p in json.loads(f.read_text(encoding="utf-8"))]
    return texts, {"files": len(files)}


def parse(text: str) -> tuple[str, str] | None:
    """(form, characters) of a regular poem with clean punctuation, else None."""
    lines = LINE.findall(text)
    if not lines or "".join(a + b for a, b in lines) != text:  # brackets, □, digits, ？！；… anywhere
        return None
    width, n = len(lines[0][0]), len(lines)
    form = f"{width}x{n}"
    if form not in P.FORMS or any(len(a) != width for a, _ in lines):
        return None
    if any(p != P.punct_after(i) for i, (_, p) in enumerate(lines)):
        return None
    return form, "".join(a for a, _ in lines)


def prepare_corpus(texts: list[str]) -> tuple[list[tuple[str, str]], dict]:
    """Simplify, filter, deduplicate. Returns [(form, characters)] and the count after each step."""
    import zhconv  # training only: the app never converts

    counts = {"poems": len(texts)}
    simple = [zhconv.convert(t, "zh-cn") for t in texts]
    parsed = [p for p in map(parse, simple) if p is not None]
    counts["regular_clean"] = len(parsed)
    seen_text, exact = set(), []
    for form, chars in parsed:
        if chars not in seen_text:
            seen_text.add(chars)
            exact.append((form, chars))
    counts["unique_text"] = len(exact)
    seen_couplet, kept = set(), []
    for form, chars in exact:  # variants of one poem (OCR, another author) share a couplet
        couplet = 2 * P.FORMS[form][0]
        first, last = chars[:couplet], chars[-couplet:]
        if first not in seen_couplet and last not in seen_couplet:
            kept.append((form, chars))
        seen_couplet.update((first, last))
    counts["unique_couplets"] = len(kept)
    counts["by_form"] = dict(sorted(collections.Counter(f for f, _ in kept).items()))
    return kept, counts


def is_heldout(chars: str, percent: int) -> bool:
    return int(hashlib.md5(chars.encode("utf-8")).hexdigest(), 16) % 100 < percent


def traditional_map(texts: list[str], itos: list[str]) -> dict[str, str]:
    """Traditional characters of the raw corpus that are not in the vocabulary but whose simplified form is."""
    import zhconv

    known = set(itos)
    out = {}
    for ch in sorted({c for t in texts for c in t if P.is_cjk(c)} - known):
        s = zhconv.convert(ch, "zh-cn")
        if len(s) == 1 and s != ch and s in known:
            out[ch] = s
    return out


def build_vocab(train: list[tuple[str, str]], min_count: int, texts: list[str]) -> P.Vocab:
    counts = collections.Counter(c for _, chars in train for c in chars)
    chars = sorted((c for c, n in counts.items() if n >= min_count), key=lambda c: (-counts[c], c))
    itos = list(P.SPECIALS) + chars
    return P.Vocab(itos, traditional_map(texts, itos))


def batches(encoded: dict[str, torch.Tensor], batch_size: int, gen: torch.Generator) -> list[torch.Tensor]:
    """One epoch: each form's poems shuffled and cut into batches (one form per batch: no padding), the
    batches then shuffled."""
    out = []
    for form in sorted(encoded):
        ids = encoded[form]
        order = torch.randperm(len(ids), generator=gen)
        out += [ids[order[i : i + batch_size]] for i in range(0, len(ids), batch_size)]
    return [out[i] for i in torch.randperm(len(out), generator=gen).tolist()]


def split_corpus(data: Path, recipe: dict) -> tuple[dict, list[tuple[str, str]], list[tuple[str, str]], P.Vocab]:
    """Read, clean and split the corpus and build the vocabulary from the training split; prints the counts.

    Returns (counts after each step, train poems, held-out poems, vocabulary)."""
    t0 = time.perf_counter()
    texts, info = read_corpus(data)
    corpus, counts = prepare_corpus(texts)
    train_set = [p for p in corpus if not is_heldout(p[1], recipe["heldout_percent"])]
    heldout = [p for p in corpus if is_heldout(p[1], recipe["heldout_percent"])]
    counts.update(train=len(train_set), heldout=len(heldout), files=info["files"])
    vocab = build_vocab(train_set, recipe["min_count"], texts)
    print(
        f"corpus: {counts}; vocabulary {len(vocab)} tokens ({len(vocab.t2s)} traditional forms mapped); "
        f"prepared in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    if not train_set or not heldout:
        raise SystemExit(f"need poems to train on and to hold out; got {len(train_set)} and {len(heldout)}")
    return counts, train_set, heldout, vocab


def encode_by_form(train_set: list[tuple[str, str]], vocab: P.Vocab) -> dict[str, torch.Tensor]:
    """Each form's training poems as one tensor of token ids; forms without poems are left out."""
    encoded = {}
    for form in P.FORMS:
        rows = [vocab.encode(f, c) for f, c in train_set if f == form]
        if rows:
            encoded[form] = torch.tensor(rows)  # (N_form, T_form)
    return encoded


def train_epoch(
    model: P.PoemLM, epoch_batches: list[torch.Tensor], optimizer, scheduler, clip: float, desc: str
) -> float:
    """One pass over the batches with gradient clipping; returns the mean training loss."""
    model.train()
    total, n = 0.0, 0
    bar = tqdm(epoch_batches, desc=desc, mininterval=5)
    for step, ids in enumerate(bar):
        logits, _ = model(ids[:, :-1])  # (B, T-1, V): predict token t+1 from tokens <= t
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        scheduler.step()
        total, n = total + loss.item(), n + 1
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    return total / n


def fit(
    model: P.PoemLM,
    encoded: dict[str, torch.Tensor],
    heldout: list[tuple[str, str]],
    vocab: P.Vocab,
    recipe: dict,
    steps_per_epoch: int,
    gen: torch.Generator,
) -> tuple[list[dict], float, float]:
    """AdamW with a one-cycle schedule, the held-out perplexity after each epoch.

    Returns (per-epoch history, wall seconds, CPU seconds)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe["max_lr"], weight_decay=recipe["weight_decay"])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=recipe["max_lr"], epochs=recipe["epochs"], steps_per_epoch=steps_per_epoch
    )
    history = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for epoch in range(recipe["epochs"]):
        t_epoch = time.perf_counter()
        epoch_batches = batches(encoded, recipe["batch_size"], gen)[:steps_per_epoch]
        loss = train_epoch(model, epoch_batches, optimizer, scheduler, recipe["clip"], f"epoch {epoch + 1}")
        model.eval()
        ev = P.perplexity(heldout, model, vocab)
        history.append(
            {
                "epoch": epoch + 1,
                "train_loss": round(loss, 4),
                "heldout_perplexity_char": round(ev["perplexity_char"], 3),
                "seconds": round(time.perf_counter() - t_epoch, 1),
            }
        )
        print(f"epoch {epoch + 1}: {history[-1]}", flush=True)
    # CPU time: what the run costs when other jobs share the cores
    return history, time.perf_counter() - start, time.process_time() - cpu_start


def write_weights(
    path: Path, state: dict[str, torch.Tensor], config: P.PoemConfig, train_info: dict, metrics: dict | None = None
) -> None:
    """The float16 state dict with the config, training settings and (once measured) metrics as JSON metadata."""
    metadata = {"config": json.dumps(dataclasses.asdict(config)), "train": json.dumps(train_info)}
    if metrics is not None:
        metadata["metrics"] = json.dumps(metrics)
    save_file(state, path, metadata=metadata)


def save_model(
    out_dir: Path, model: P.PoemLM, config: P.PoemConfig, vocab: P.Vocab, train_info: dict
) -> tuple[Path, Path, dict[str, torch.Tensor]]:
    """Write the vocabulary and the weights as float16; returns (weights file, vocabulary file, float16 state)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    weights, vocab_file = out_dir / P.WEIGHTS_FILE.name, out_dir / P.VOCAB_FILE.name
    vocab_file.write_text(json.dumps(vocab.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    write_weights(weights, state, config, train_info)
    return weights, vocab_file, state


def measure(saved: P.PoemLM, vocab: P.Vocab, heldout: list[tuple[str, str]], sample: list[tuple[str, str]]) -> dict:
    """Per-character and all-token perplexities of the reloaded model on every held-out poem and on the sample."""
    ev = P.perplexity(heldout, saved, vocab)
    ev_sample = P.perplexity(sample, saved, vocab)
    return {
        "heldout_perplexity_char": ev["perplexity_char"],
        "heldout_perplexity_all_tokens": ev["perplexity_all"],
        "heldout_chars": ev["chars"],
        "heldout_unk_chars": ev["unk_chars"],
        "sample_perplexity_char": ev_sample["perplexity_char"],
        "sample_perplexity_all_tokens": ev_sample["perplexity_all"],
        "sample_poems": len(sample),
    }


def write_heldout_sample(path: Path, sample: list[tuple[str, str]]) -> None:
    """The held-out poems whose perplexity the tests recompute, one "form<TAB>poem" a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# {len(sample)} held-out Tang poems (never trained on): npm chinese-poetry@2.0.1 (MIT), converted to "
        "simplified Chinese by zhconv; written by python -m models.train_poems. form<TAB>poem\n"
    )
    body = "".join(f"{f}\t{''.join(P.as_lines(f, c))}\n" for f, c in sample)
    path.write_text(header + body, encoding="utf-8")


def print_summary(metrics: dict, train_seconds: float, cpu_seconds: float, weights: Path, vocab_file: Path) -> None:
    """The reloaded model's held-out perplexities, the training time and the files written."""
    m = metrics
    print(
        f"held-out perplexity per character {m['heldout_perplexity_char']:.2f} ({m['heldout_chars']:,} characters, "
        f"{m['heldout_unk_chars']} <unk>), all tokens {m['heldout_perplexity_all_tokens']:.2f}; sample of "
        f"{m['sample_poems']}: {m['sample_perplexity_char']:.3f}",
        flush=True,
    )
    print(
        f"{m['parameters']:,} parameters; trained in {train_seconds / 60:.1f} min ({cpu_seconds / 60:.1f} min of CPU); wrote {weights} "
        f"({weights.stat().st_size / 1e6:.2f} MB), {vocab_file} ({vocab_file.stat().st_size / 1e6:.2f} MB)"
    )


def start_run(args) -> tuple[dict, int, torch.Generator]:
    """The recipe with --epochs applied, the torch threads set and every RNG seeded.

    Returns (recipe, threads, the generator that shuffles the batches)."""
    recipe = dict(RECIPE)
    if args.epochs is not None:
        recipe["epochs"] = args.epochs
    threads = args.threads or min(2, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    return recipe, threads, torch.Generator().manual_seed(args.seed)


def train_settings(recipe: dict, args, threads: int) -> dict:
    """The training settings recorded with the weights."""
    return {
        **recipe,
        "optimizer": "AdamW",
        "schedule": "OneCycleLR",
        "seed": args.seed,
        "threads": threads,
        "max_batches": args.max_batches,
        "data": "chinese-poetry@2.0.1 poet.tang.*.json, zhconv zh-cn",
    }


def train(args) -> dict:
    """Prepare the corpus, train, save as float16, reload and measure; returns what poems_gru.json holds."""
    recipe, threads, gen = start_run(args)
    out_dir = Path(args.out) if args.out else models.load.WEIGHTS
    sample_path = Path(args.sample_out) if args.sample_out else P.HELDOUT_SAMPLE

    counts, train_set, heldout, vocab = split_corpus(Path(args.data), recipe)
    encoded = encode_by_form(train_set, vocab)
    tokens = sum(t[:, 1:].numel() for t in encoded.values())
    config = P.PoemConfig(vocab_size=len(vocab), **MODEL)
    model = P.PoemLM(config)
    params = P.count_parameters(model)
    steps_per_epoch = len(batches(encoded, recipe["batch_size"], torch.Generator().manual_seed(0)))
    if args.max_batches:
        steps_per_epoch = min(steps_per_epoch, args.max_batches)
    print(
        f"{params:,} parameters, {tokens:,} training tokens an epoch, {recipe}, {threads} threads, seed {args.seed}",
        flush=True,
    )
    history, train_seconds, cpu_seconds = fit(model, encoded, heldout, vocab, recipe, steps_per_epoch, gen)

    # Save as float16, reload exactly as the app does, and measure that model.
    train_info = train_settings(recipe, args, threads)
    weights, vocab_file, state = save_model(out_dir, model, config, vocab, train_info)
    saved, _ = P.load_from(weights, vocab_file)
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(heldout, min(recipe["sample_size"], len(heldout))))
    metrics = {
        **measure(saved, vocab, heldout, sample),
        "parameters": params,
        "vocab_size": len(vocab),
        "train_tokens_per_epoch": tokens,
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(cpu_seconds, 1),
        "threads": threads,
        "torch": torch.__version__,
    }
    write_weights(weights, state, config, train_info, metrics)  # the same metrics in the metadata: rewrite the file
    info = {
        "config": dataclasses.asdict(config),
        "train": train_info,
        "corpus": counts,
        "metrics": metrics,
        "history": history,
    }
    (out_dir / P.METRICS_FILE.name).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_heldout_sample(sample_path, sample)
    print_summary(metrics, train_seconds, cpu_seconds, weights, vocab_file)
    return info


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder of poet.tang.*.json (../shared/data/poems)")
    parser.add_argument("--epochs", type=int, help=f"default {RECIPE['epochs']}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch threads (default: min(2, cores))")
    parser.add_argument("--max-batches", type=int, help="stop each epoch after this many batches (quick trials)")
    parser.add_argument("--out", help="output folder for the weights (default: weights/)")
    parser.add_argument("--sample-out", help="held-out sample file (default: tests/data/poems_heldout_sample.txt)")
    return train(parser.parse_args(argv))


if __name__ == "__main__":
    main()
