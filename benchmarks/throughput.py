"""Throughput and memory of tagging on a synthetic corpus built from the sample transcripts.

Builds N conversations (default 2,000, about 200,000 turns) by resampling the turns of the
sample transcripts, then measures on the same text, each in its own process so that peak
memory is its own:

- the floor: spaCy tokenisation alone (the text must be read and split anyway);
- tagging with the rules backend and with the model backend (`tag_table`);
- the whole `samtalespejl run` on the corpus written as one turn table.

Prints turns per second per core and the ratio to the floor, and peak memory (max RSS).

    python benchmarks/throughput.py --conversations 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def build_corpus(conversations: int, seed: int, folder: Path) -> Path:
    """A turn table of `conversations` conversations resampled from the samples, + manifest."""
    from pipeline import stages
    from pipeline.config import Config
    from pipeline.messages import Messages

    sample = folder / "sample-out"
    stages.intake(ROOT / "transcripts_sample", sample, Config.load(), Messages("da"),
                  progress=False)  # fmt: skip
    turns = pd.read_parquet(sample / "intake" / "turns.parquet")
    lengths = turns.groupby("conversation_id").size().to_numpy()
    rng = np.random.default_rng(seed)
    rows = []
    for n in range(conversations):
        size = int(rng.choice(lengths))
        picked = turns.iloc[rng.integers(0, len(turns), size)]
        rows.append(pd.DataFrame({"conversation_id": f"syn-{n:05d}", "turn": range(size),
                                  "speaker": picked["speaker"].to_numpy(),
                                  "role": picked["role"].to_numpy(),
                                  "text": picked["text"].to_numpy()}))  # fmt: skip
    corpus = pd.concat(rows, ignore_index=True)
    transcripts = folder / "transcripts"
    transcripts.mkdir()
    corpus.to_parquet(transcripts / "corpus.parquet", index=False)
    manifest = pd.DataFrame({
        "file": "corpus.parquet", "conversation_id": [f"syn-{n:05d}" for n in range(conversations)],
        "caseworker_id": [f"cw-{n % 40:02d}" for n in range(conversations)],
        "date": [f"2026-{1 + n % 12:02d}-15" for n in range(conversations)], "consent": "yes",
        "anonymised": "yes", "language": "da", "unit": "syn", "meeting_type": "jobsamtale",
        "speakers": "x=caseworker",
    })  # fmt: skip
    manifest.to_csv(transcripts / "manifest.csv", index=False)
    return transcripts


def measure(step: str, corpus: Path, out: Path) -> dict:
    """Run one step in this process and report its seconds and peak memory."""
    from pipeline.config import Config
    from pipeline.nlp.words import blank
    from pipeline.tagging import tag_table

    config = Config.load()
    turns = pd.read_parquet(corpus / "corpus.parquet").assign(language="da")
    if step == "tokenise":
        nlp = blank("da")
        nlp.tokenizer("varm op")
        started = time.perf_counter()
        for _ in nlp.tokenizer.pipe(turns["text"].tolist(), batch_size=1000):
            pass
    elif step in ("rules", "model"):
        from pipeline.taggers.tagger import Tagger

        taggers = {"da": Tagger("da", config, step)}
        started = time.perf_counter()
        tag_table(turns, config, backend=step, taggers=taggers)
    else:
        started = time.perf_counter()
        command = [sys.executable, "-m", "pipeline", "run", "--transcripts", str(corpus),
                   "--out", str(out)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if step == "run":
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"step": step, "turns": len(turns), "seconds": round(seconds, 2),
            "peak_mb": round(peak / 1024)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", nargs="+", default=["tokenise", "rules", "model", "run"])
    parser.add_argument("--step", help=argparse.SUPPRESS)  # one measurement, in a child process
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(measure(args.step, args.corpus, args.corpus.parent / "out")))
        return
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="samtalespejl-bench-") as tmp:
        corpus = build_corpus(args.conversations, args.seed, Path(tmp))
        results = {}
        for step in args.steps:
            command = [sys.executable, __file__, "--step", step, "--corpus", str(corpus)]
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            results[step] = json.loads(done.stdout.strip().splitlines()[-1])
    floor = results.get("tokenise", {}).get("seconds")
    print(f"{args.conversations} conversations, {next(iter(results.values()))['turns']} turns, "
          f"{cores} cores")  # fmt: skip
    print(f"{'step':10s} {'seconds':>9s} {'turns/s/core':>13s} {'x floor':>8s} {'peak MB':>8s}")
    for step, r in results.items():
        rate = r["turns"] / r["seconds"] / cores if r["seconds"] else float("inf")
        ratio = f"{r['seconds'] / floor:.1f}" if floor else "-"
        print(f"{step:10s} {r['seconds']:9.2f} {rate:13.0f} {ratio:>8s} {r['peak_mb']:8d}")


if __name__ == "__main__":
    main()
