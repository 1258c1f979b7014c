"""Tag turns: units, labels per unit and per turn, calibrated probabilities and evidence.

`Tagger("da", config, backend="rules" | "model" | "transformer")`. One call tags many turns; the
language pack and the models are loaded once per Tagger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.config import Config
from pipeline.nlp.pack import Hit, LanguagePack, TurnAnalysis, Unit
from pipeline.taggers import ModelsMissing
from pipeline.taggers import rules as r
from pipeline.taggers.features import Item
from pipeline.taggers.model import Blend, LabelModel, load_models, predict
from pipeline.taggers.schema import ACT, BY_NAME, act_of, dimensions_for

# Which pattern groups count as evidence for which label.
EVIDENCE = {
    ("question", "open"): (*r.OPEN_GROUPS, "open_wh"),
    ("question", "closed"): (*r.CLOSED_GROUPS, "verb_first", "reflection_opener"),
    ("reflection", "yes"): ("reflection_opener", "second_person_start"),
    ("input", "yes"): r.INPUT_GROUPS,
    ("framing", "becomer"): (*r.BECOMER_GROUPS, "demand"),
    ("framing", "being"): r.BEING_GROUPS,
    ("agency", "agentive"): r.AGENTIVE_GROUPS,
    ("agency", "non_agentive"): r.NON_AGENTIVE_GROUPS,
}
RULES_CALIBRATION = "rules_calibration.json"
# Dimensions whose turn label is the roll-up of the units' model labels (codebook: the
# caseworker's act is a property of a sentence); framing and agency are judged on the whole
# turn, which measured better for them on the project's gold turns (docs/validation.md).
ROLL_UP_FROM_UNITS = ("question", "reflection", "input")


@dataclass
class Tagged:
    """One tagged turn: labels, probabilities and evidence per dimension; the same per unit."""

    labels: dict[str, str] = field(default_factory=dict)
    p: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[Hit]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)  # every pattern hit in the turn or unit
    proba: dict[str, np.ndarray] = field(default_factory=dict)  # the model's, per label
    units: list[tuple[Unit, Tagged]] = field(default_factory=list)


class Tagger:
    def __init__(self, lang: str, config: Config, backend: str = "model",
                 models_dir: Path | None = None) -> None:  # fmt: skip
        self.lang = lang
        self.backend = backend
        self.pack = LanguagePack(lang, config.lexicon(lang))
        self.rules = r.Rules()
        folder = (models_dir or Path(str(config.get("paths.models", "models")))) / lang
        self.models: dict[str, LabelModel] = {}
        try:
            if backend == "model":
                self.models = dict(load_models(folder))
            elif backend == "transformer":
                from pipeline.taggers import transformer  # torch only for this backend

                options = transformer.settings(config.get("tagger.transformer"))
                self.models = _blended(transformer.load(folder, options), folder,
                                       bool(options["blend"]))  # fmt: skip
        except FileNotFoundError as error:
            raise ModelsMissing(str(folder)) from error
        calibration = folder / RULES_CALIBRATION
        self.calibration = json.loads(calibration.read_text()) if calibration.is_file() else {}

    def tag(self, texts: list[str], roles: list[str], contexts: list[str]) -> list[Tagged]:
        analyses = list(self.pack.analyse(texts))
        tagged = [self._rules_turn(a, role) for a, role in zip(analyses, roles, strict=True)]
        if self.models:
            self._apply_models(analyses, roles, contexts, tagged)
        for turn, role in zip(tagged, roles, strict=True):
            if role == "caseworker":
                _set_act(turn)
                for _, unit in turn.units:
                    _set_act(unit)
        return tagged

    def tag_text(self, text: str, role: str = "caseworker", context: str = "") -> Tagged:
        """Tag one string: `Tagger("da", config).tag_text("Hvad tænker du?")`."""
        return self.tag([text], [role], [context])[0]

    # --- rules ----------------------------------------------------------------------------
    def _rules_turn(self, analysis: TurnAnalysis, role: str) -> Tagged:
        turn = Tagged(hits=[hit for unit in analysis.units for hit in unit.hits])
        for unit in analysis.units:
            decisions = self.rules.unit(unit, role)
            tags = Tagged(
                labels={name: d.label for name, d in decisions.items()},
                evidence={name: list(d.evidence) for name, d in decisions.items()},
                hits=list(unit.hits),
            )
            tags.p = {name: self._rules_p(name, label) for name, label in tags.labels.items()}
            turn.units.append((unit, tags))
        for dimension in dimensions_for(role):
            label = dimension.roll_up([t.labels[dimension.name] for _, t in turn.units])
            turn.labels[dimension.name] = label
            turn.p[dimension.name] = self._rules_p(dimension.name, label)
            turn.evidence[dimension.name] = [
                hit for _, t in turn.units if t.labels.get(dimension.name) == label
                for hit in t.evidence.get(dimension.name, [])
            ]  # fmt: skip
        return turn

    def _rules_p(self, dimension: str, label: str) -> float:
        """How often the rules' label was right on the annotations (from `train`), else NaN."""
        return float(self.calibration.get(dimension, {}).get(label, float("nan")))

    # --- model ----------------------------------------------------------------------------
    def _apply_models(self, analyses: list[TurnAnalysis], roles: list[str],
                      contexts: list[str], tagged: list[Tagged]) -> None:  # fmt: skip
        # the rules' labels are features; keep them apart from the labels the models set
        rule_labels = {id(t): dict(t.labels) for turn in tagged
                       for t in (turn, *(u for _, u in turn.units))}  # fmt: skip
        for role in sorted({BY_NAME[name].role for name in self.models}):
            rows = [i for i, value in enumerate(roles) if value == role]
            names = [name for name in self.models if BY_NAME[name].role == role]
            labels = {name: self.models[name].labels for name in names}
            if not rows:
                continue
            unit_items, owners = [], []
            for i in rows:
                for unit, tags in tagged[i].units:
                    unit_items.append(Item.of_unit(unit, contexts[i], rule_labels[id(tags)]))
                    owners.append(tags)
            models = [self.models[name] for name in names]
            unit_probabilities = predict(models, unit_items) if unit_items else [
                np.zeros((0, len(labels[name]))) for name in names]  # fmt: skip
            sizes = [len(tagged[i].units) for i in rows]
            turns = [tagged[i] for i in rows]
            for name, probabilities in zip(names, unit_probabilities, strict=True):
                _decide(owners, name, labels[name], probabilities)
                if name in ROLL_UP_FROM_UNITS:
                    order = BY_NAME[name].labels
                    rolled = roll_up_turns(order, labels[name], probabilities, sizes)
                    _decide(turns, name, list(order), rolled)
            whole = [name for name in names if name not in ROLL_UP_FROM_UNITS]
            items = [Item(analyses[i], contexts[i], rule_labels[id(tagged[i])]) for i in rows]
            for name, probabilities in zip(
                whole, predict([self.models[name] for name in whole], items), strict=True
            ):
                _decide(turns, name, labels[name], probabilities)


def _blended(tuned: dict[str, LabelModel], folder: Path, blend: bool) -> dict[str, LabelModel]:
    """The transformer backend's models: each fine-tuned dimension blended with the scikit-learn
    model trained beside it (their mean ranked reflections better than either,
    docs/validation.md), or alone without `blend`; the scikit-learn model where no dimension
    was fine-tuned."""
    try:
        own: dict[str, LabelModel] = dict(load_models(folder))
    except FileNotFoundError:
        own = {}
    if not blend:
        return {**own, **tuned}
    return {**own, **{name: Blend((model, own[name])) if name in own else model
                      for name, model in tuned.items()}}  # fmt: skip


def _decide(tagged: list[Tagged], name: str, labels: list[str],
            probabilities: np.ndarray) -> None:  # fmt: skip
    """Give each of `tagged` the likeliest label of its row of `probabilities`, with the
    pattern hits that are evidence for that label."""
    best = probabilities.argmax(axis=1)
    best_p = probabilities[np.arange(len(best)), best].tolist()
    groups = [EVIDENCE.get((name, label), ()) for label in labels]
    for tags, row, b, p in zip(tagged, probabilities, best.tolist(), best_p, strict=True):
        tags.labels[name] = labels[b]
        tags.p[name] = p
        tags.proba[name] = row
        tags.evidence[name] = [hit for hit in tags.hits if hit.group in groups[b]]


def roll_up_turns(order: tuple[str, ...], labels: list[str], units: np.ndarray,
                  sizes: list[int]) -> np.ndarray:  # fmt: skip
    """P(turn label) for each label in `order`, one row per turn, from the units' probabilities:
    `units` holds them turn after turn (columns in the model's `labels` order), `sizes` how many
    units each turn has.

    A turn takes the first label (in `order`) that any unit has. The units of one turn are
    not independent (one speaker, one style: where the model errs on one, it tends to err on
    the next), so their probabilities are combined as fully dependent:
    P(turn = L_j) = min_u(1 - sum_{i<j} p_u(L_i)) - min_u(1 - sum_{i<=j} p_u(L_i)).
    A yes/no turn is then as likely as its likeliest unit, so its label is the roll-up of its
    units' labels; a turn without units has the last label. (Assuming independence made long
    turns "yes" from many small unit probabilities, and measured worse on the gold turns,
    docs/validation.md.)
    """
    stacked = units[:, [labels.index(label) for label in order]]
    below = np.concatenate([np.zeros((len(stacked), 1)), np.cumsum(stacked, axis=1)], axis=1)
    none_yet = np.ones((len(sizes), len(order) + 1))  # a turn without units has none of the labels
    sized = np.asarray(sizes)
    if len(stacked):  # no unit has any of the first j labels
        starts = np.concatenate([[0], np.cumsum(sized)[:-1]])[sized > 0]
        none_yet[sized > 0] = np.minimum.reduceat(np.clip(1 - below, 0, 1), starts, axis=0)
    turns = none_yet[:, :-1] - none_yet[:, 1:]
    turns[:, -1] += none_yet[:, -1]
    return turns


def _set_act(tags: Tagged) -> None:
    tags.labels[ACT.name] = act_of(tags.labels)
    deciding = {"open_question": "question", "closed_question": "question",
                "reflection": "reflection", "input": "input", "other": "question"}  # fmt: skip
    tags.p[ACT.name] = tags.p.get(deciding[tags.labels[ACT.name]], float("nan"))
