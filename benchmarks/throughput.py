"""Throughput and memory of tagging on a synthetic corpus built from the sample transcripts.

Builds N transcripts (default 2,000, about 170,000 turns), one text file each as a job centre
delivers them, by resampling the caseworker and citizen turns of the sample transcripts, reads
them once through the intake, then measures on the same text, each step in its own process:

- tokenise: spaCy tokenisation alone, the floor (the text must be read and split anyway);
- ngrams: one part of the model backend alone, its word and character n-grams of each turn once
  (the Danish model's fitted vectorisers; the tagger makes them for units and turns), to set
  against the floor;
- rules, model: `tag_table` in one process (one core), rules backend and model backend;
- tag-1, tag-2: the tag stage (`tag_corpus`, chunks, no cache) on one and on two workers;
- run: the whole `samtalespejl run` (intake, tagging, figures, sheets) into an empty folder;
- add-one: one conversation added to the corpus, and `run` again on the same folder.

Prints seconds, turns per second per core (cores = the worker processes a step uses), the cost
in core-seconds as a multiple of the floor, and peak memory: the largest sum of the proportional
set size (PSS: resident memory, shared pages counted once) of the step's process and its
children, sampled every 0.1 s.

    python benchmarks/throughput.py --conversations 2000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent


SPEAKERS = {"caseworker": "Rådgiver", "citizen": "Borger"}


def build_corpus(conversations: int, seed: int, folder: Path) -> Path:
    """`conversations` transcripts resampled from the turns of the samples, one text file each
    (as a job centre delivers them), with their manifest."""
    from pipeline import stages
    from pipeline.config import Config
    from pipeline.messages import Messages

    sample = folder / "sample-out"
    stages.intake(ROOT / "transcripts_sample", sample, Config.load(), Messages("da"),
                  progress=False)  # fmt: skip
    turns = pd.read_parquet(sample / "intake" / "turns.parquet")
    lengths = turns.groupby("conversation_id").size().to_numpy()
    rng = np.random.default_rng(seed)
    transcripts = folder / "transcripts"
    transcripts.mkdir()
    texts = {role: turns.loc[turns["role"] == role, "text"].to_numpy() for role in SPEAKERS}
    for n in range(conversations):  # caseworker and citizen take turns, as in the samples
        roles = ["caseworker", "citizen"] * (int(rng.choice(lengths)) // 2)
        lines = [f"{SPEAKERS[r]}: {rng.choice(texts[r])}" for r in roles]
        (transcripts / f"syn-{n:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = pd.DataFrame({
        "file": [f"syn-{n:05d}.txt" for n in range(conversations)],
        "conversation_id": [f"syn-{n:05d}" for n in range(conversations)],
        "caseworker_id": [f"cw-{n % 40:02d}" for n in range(conversations)],
        "date": [f"2026-{1 + n % 12:02d}-15" for n in range(conversations)], "consent": "yes",
        "anonymised": "yes", "language": "da", "unit": "syn", "meeting_type": "jobsamtale",
        "speakers": ";".join(f"{name}={role}" for role, name in SPEAKERS.items()),
    })  # fmt: skip
    manifest.to_csv(transcripts / "manifest.csv", index=False)
    return transcripts


def read_corpus(corpus: Path) -> Path:
    """The corpus's turn table as the intake makes it, written once beside the transcripts."""
    from pipeline import stages
    from pipeline.config import Config
    from pipeline.messages import Messages

    turns = corpus.parent / "turns.parquet"
    with tempfile.TemporaryDirectory() as scratch:
        stages.intake(corpus, Path(scratch), Config.load(), Messages("da"), progress=False)
        (Path(scratch) / stages.UNTAGGED_TURNS).replace(turns)
    return turns


STEPS = ("tokenise", "ngrams", "rules", "model", "tag-1", "tag-2", "run", "add-one")
CORES = {"tag-2": 2, "run": 2, "add-one": 2}  # worker processes a step uses; others use one


def measure(step: str, corpus: Path, out: Path) -> dict:
    """Run one step in this process and report its seconds and peak memory."""
    from pipeline.config import Config
    from pipeline.nlp.words import blank

    config = Config.load()
    source = corpus.parent / "turns.parquet"
    turns = pd.read_parquet(source) if step in ("tokenise", "ngrams", "rules", "model") else None
    peak = PeakMemory()
    started = time.perf_counter()
    if step == "tokenise":
        for _ in blank("da").tokenizer.pipe(turns["text"].tolist(), batch_size=1000):
            pass
    elif step == "ngrams":
        from pipeline.taggers.features import char_tfidf, word_tfidf
        from pipeline.taggers.model import load_models

        features = next(iter(load_models(ROOT / "models" / "da").values())).features
        word_tfidf(features.words, turns["text"].tolist())
        char_tfidf(features.chars, turns["text"].tolist(), {})
    elif step in ("rules", "model"):
        from pipeline.tagging import tag_table

        tag_table(turns, config, backend=step)
    elif step.startswith("tag-"):
        from pipeline.corpus_tagging import tag_corpus

        config.params["batch"] = {**config.params.get("batch", {}), "cache": False,
                                  "workers": int(step[-1])}  # fmt: skip
        out.mkdir(parents=True, exist_ok=True)
        tag_corpus(source, out / "turns.parquet", out / "units.parquet", config)
    else:
        if step == "add-one":
            add_conversation(corpus)
        command = [sys.executable, "-m", "pipeline", "run", "--transcripts", str(corpus),
                   "--out", str(out)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    seconds = time.perf_counter() - started
    rows = pq.ParquetFile(
        out / "turns.parquet" if step in ("run", "add-one") else source
    ).metadata.num_rows
    return {"step": step, "turns": rows, "seconds": round(seconds, 2), "peak_mb": peak.stop()}


def add_conversation(corpus: Path) -> None:
    """One more transcript (the first one again, under a new name) in the folder and manifest."""
    manifest = pd.read_csv(corpus / "manifest.csv", dtype=str, keep_default_na=False)
    first = manifest.iloc[[0]]
    (corpus / "syn-added.txt").write_bytes((corpus / first["file"].iat[0]).read_bytes())
    added = first.assign(file="syn-added.txt", conversation_id="syn-added")
    pd.concat([manifest, added], ignore_index=True).to_csv(corpus / "manifest.csv", index=False)


class PeakMemory:
    """The largest total memory (PSS) of this process and its children, sampled."""

    def __init__(self, interval: float = 0.1) -> None:
        import psutil

        self.process, self.peak, self.interval = psutil.Process(), 0, interval
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while self.running:
            total = 0
            for process in [self.process, *self.process.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # proportional: shared pages once
                    total += process.memory_full_info().pss
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return round(self.peak / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--step", help=argparse.SUPPRESS)  # one measurement, in a child process
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        out = args.corpus.parent / ("out" if args.step in ("run", "add-one") else args.step)
        print(json.dumps(measure(args.step, args.corpus, out)))
        return
    with tempfile.TemporaryDirectory(prefix="samtalespejl-bench-") as tmp:
        corpus = build_corpus(args.conversations, args.seed, Path(tmp))
        read_corpus(corpus)
        results = {}
        for step in args.steps:
            command = [sys.executable, __file__, "--step", step, "--corpus", str(corpus)]
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            results[step] = json.loads(done.stdout.strip().splitlines()[-1])
    report(args.conversations, results)


def report(conversations: int, results: dict) -> None:
    floor = results.get("tokenise", {}).get("seconds")
    print(f"{conversations} conversations, {next(iter(results.values()))['turns']} turns, "
          f"{len(os.sched_getaffinity(0))} cores")  # fmt: skip
    print(f"{'step':8s} {'seconds':>8s} {'turns/s/core':>13s} {'x floor':>8s} {'peak MB':>8s}")
    for step, r in results.items():
        cores = CORES.get(step, 1)
        rate = r["turns"] / r["seconds"] / cores if r["seconds"] else float("inf")
        ratio = f"{r['seconds'] * cores / floor:.1f}" if floor else "-"
        print(f"{step:8s} {r['seconds']:8.2f} {rate:13.0f} {ratio:>8s} {r['peak_mb']:8d}")
    if "tag-1" in results and "tag-2" in results:
        print(f"two workers / one worker on the tag step: "
              f"{results['tag-1']['seconds'] / results['tag-2']['seconds']:.2f}x")  # fmt: skip
    if "run" in results and "add-one" in results:
        print(f"re-run after adding one conversation: "
              f"{100 * results['add-one']['seconds'] / results['run']['seconds']:.1f} % of the "
              f"full run")  # fmt: skip


if __name__ == "__main__":
    main()
