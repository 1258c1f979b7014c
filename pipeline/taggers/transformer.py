"""The optional transformer backend: a local encoder (transformers + torch) fine-tuned with a
sequence-classification head per dimension, the other speaker's previous turn as the second
segment. Install with `pip install ".[transformer]"`; nothing else in the package imports this.

Models load only from folders on disk (`tagger.transformer.model_path` in params); nothing is
downloaded. A fitted dimension is saved under models/<lang>/transformer/<dimension>/ and plugs
into the Tagger like the scikit-learn models: `labels` and `proba(items)`; the Tagger blends it
with the scikit-learn model of the same dimension unless `blend` is false.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from pipeline.taggers.features import Item

FOLDER = "transformer"
DEFAULTS = {"max_length": 128, "batch_size": 16, "epochs": 4, "learning_rate": 5e-5,
            "patience": 1, "holdout": 0.1, "progress_above": 2000, "blend": True}  # fmt: skip


class TransformerModelMissing(FileNotFoundError):
    """`model_path` is not a local folder with a model (config.json)."""


def settings(config_value: object) -> dict:
    """`tagger.transformer` from params with the defaults filled in."""
    return {**DEFAULTS, **(config_value if isinstance(config_value, dict) else {})}


def model_path(options: dict, lang: str) -> Path:
    """The local encoder for a language: `model_path` is one folder or a mapping per language."""
    value = options.get("model_path")
    value = value.get(lang) if isinstance(value, dict) else value
    path = Path(str(value)) if value else None
    if path is None or not (path / "config.json").is_file():
        raise TransformerModelMissing(str(path) if path else "")
    return path


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class TransformerModel:
    name: str
    model: torch.nn.Module
    tokenizer: object
    label_names: list[str]
    max_length: int = 128
    batch_size: int = 32
    progress_above: int = 2000

    @property
    def labels(self) -> list[str]:
        return self.label_names

    def proba(self, items: list[Item]) -> np.ndarray:
        """Class probabilities, batched, shortest texts together so padding stays small."""
        order = sorted(range(len(items)), key=lambda i: len(items[i].text) + len(items[i].context))
        out = np.zeros((len(items), len(self.label_names)))
        self.model.eval()
        starts = range(0, len(order), self.batch_size)
        bar = tqdm(starts, disable=len(items) <= self.progress_above, unit="batch")
        with torch.inference_mode():
            for start in bar:
                chosen = order[start : start + self.batch_size]
                batch = self._encode([items[i] for i in chosen])
                logits = self.model(**batch).logits
                out[chosen] = torch.softmax(logits, dim=-1).cpu().numpy()
        return out

    def _encode(self, items: list[Item]) -> dict:
        encoded = self.tokenizer([i.text for i in items], [i.context or "" for i in items],
                                 truncation="longest_first", max_length=self.max_length,
                                 padding=True, return_tensors="pt")  # fmt: skip
        return {key: value.to(self.model.device) for key, value in encoded.items()}


def fit_transformer(
    name: str, items: list[Item], labels: list[str], base: Path, seed: int, options: dict
) -> tuple[TransformerModel, dict]:
    """Fine-tune `base` on (items, labels) with early stopping on a held-out slice.

    Returns the model at its best held-out loss and a record of the training."""
    _seed(seed)
    label_names = sorted(set(labels))
    y = np.array([label_names.index(label) for label in labels])
    train_rows, held_rows = _split(y, float(options["holdout"]), seed)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(label_names), local_files_only=True,
        id2label=dict(enumerate(label_names)), label2id={n: i for i, n in enumerate(label_names)},
    ).to(device())  # fmt: skip
    wrapped = TransformerModel(name, model, tokenizer, label_names, int(options["max_length"]),
                               int(options["batch_size"]))  # fmt: skip
    optimiser = torch.optim.AdamW(model.parameters(), lr=float(options["learning_rate"]))
    generator = np.random.default_rng(seed)
    best_loss, best_state, waited, history = float("inf"), None, 0, []
    started = time.perf_counter()
    for epoch in range(int(options["epochs"])):
        model.train()
        shuffled = generator.permutation(train_rows)
        starts = range(0, len(shuffled), wrapped.batch_size)
        for start in tqdm(starts, desc=f"{name} {epoch + 1}", unit="batch", mininterval=10):
            rows = shuffled[start : start + wrapped.batch_size]
            batch = wrapped._encode([items[i] for i in rows])
            target = torch.tensor(y[rows], device=model.device)
            loss = torch.nn.functional.cross_entropy(model(**batch).logits, target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        held = wrapped.proba([items[i] for i in held_rows])
        held_loss = float(-np.mean(np.log(held[np.arange(len(held_rows)), y[held_rows]] + 1e-9)))
        history.append({"epoch": epoch + 1, "held_out_loss": round(held_loss, 4)})
        if held_loss < best_loss:
            best_loss, waited = held_loss, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited > int(options["patience"]):
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    record = {"epochs": history, "seconds": round(time.perf_counter() - started, 1),
              "train_turns": len(train_rows), "held_out_turns": len(held_rows),
              "device": str(model.device)}  # fmt: skip
    return wrapped, record


def save(models: dict[str, TransformerModel], folder: Path, meta: dict) -> None:
    target = folder / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for name, wrapped in models.items():
        wrapped.model.save_pretrained(target / name)
        wrapped.tokenizer.save_pretrained(target / name)
    meta = {**meta, "dimensions": sorted(models), "torch": torch.__version__}
    (target / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")


def load(folder: Path, options: dict) -> dict[str, TransformerModel]:
    """The fine-tuned dimensions of one language; FileNotFoundError when there are none."""
    target = folder / FOLDER
    meta_path = target / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(target)
    models = {}
    for name in json.loads(meta_path.read_text())["dimensions"]:
        model = AutoModelForSequenceClassification.from_pretrained(
            target / name, local_files_only=True).to(device())  # fmt: skip
        tokenizer = AutoTokenizer.from_pretrained(target / name, local_files_only=True)
        label_names = [model.config.id2label[i] for i in range(model.config.num_labels)]
        models[name] = TransformerModel(name, model, tokenizer, label_names,
                                        int(options["max_length"]), int(options["batch_size"]),
                                        int(options["progress_above"]))  # fmt: skip
    return models


def _split(y: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and held-out rows, stratified by label, at least one held-out row per label."""
    rng = np.random.default_rng(seed)
    held = []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        held += list(rows[: max(1, round(share * len(rows)))]) if len(rows) > 1 else []
    held_rows = np.array(sorted(held), dtype=int)
    return np.setdiff1d(np.arange(len(y)), held_rows), held_rows


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
