"""Build `sheets/<caseworker_id>.html` for every caseworker and `sheets/index.html`.

Each sheet is made from that caseworker's rows only: the tables are filtered before anything
is computed or rendered, so no other caseworker's words or figures can reach it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from pipeline import __version__
from pipeline.aggregation import period_of, summarise, summarise_by, summary_options
from pipeline.config import Config, parse_yaml
from pipeline.digest import HashedRows, digest_files, digest_values
from pipeline.figures import BY_NAME
from pipeline.history import read_history
from pipeline.io.personal_data import PersonalDataScanner
from pipeline.sheets import charts
from pipeline.sheets.excerpts import pick_excerpts
from pipeline.sheets.names import sheet_names

# Which sheet was drawn from which inputs (hashes only), beside the tag cache: a sheet whose
# inputs did not change is not drawn again.
RENDERED = Path("cache") / "sheets.json"
_ENVIRONMENT = Environment(
    loader=PackageLoader("pipeline.sheets"), autoescape=select_autoescape(default=True),
    trim_blocks=True, lstrip_blocks=True,
)  # fmt: skip


def sheet_texts(config: Config, lang: str) -> dict:
    """configs/sheet/<lang>.yaml: every text on a sheet, editable by supervisors."""
    path = config.config_dir / "sheet" / f"{lang}.yaml"
    return parse_yaml(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Sheets:
    paths: list[Path]  # every caseworker's sheet
    drawn: list[Path]  # those drawn in this run: the others' inputs had not changed


def build_sheets(
    out: Path, config: Config, evaluation: Path | None, history: Path, lang: str
) -> Sheets:
    """Write one sheet per caseworker and the index into `out/sheets`.

    A sheet covers the caseworker's conversations in this run; its trend also shows the earlier
    periods kept in the history of figures."""
    conversations = pd.read_parquet(out / "conversations.parquet")
    period = str(config.get("aggregate.period", "quarter"))
    past = read_history(history)
    past = past.assign(period=period_of(past["date"], period))
    turns = pd.read_parquet(out / "turns.parquet")
    units = pd.read_parquet(out / "units.parquet")
    texts = sheet_texts(config, lang)
    scores = _scores(evaluation)
    folder = out / "sheets"
    folder.mkdir(parents=True, exist_ok=True)
    names = sheet_names(sorted(conversations["caseworker_id"].astype(str).unique()))
    for stale in folder.glob("*.html"):
        if stale.name not in names.values():
            stale.unlink()
    rendered = out / RENDERED
    rendered.parent.mkdir(parents=True, exist_ok=True)
    before = json.loads(rendered.read_text()) if rendered.is_file() else {}
    shared = _shared_inputs(texts, scores, config)
    owners = dict(zip(conversations["conversation_id"], conversations["caseworker_id"],
                      strict=True))  # fmt: skip
    turn_rows, unit_rows = (_rows_by_caseworker(table, owners) for table in (turns, units))
    hashed_turns, hashed_units = HashedRows.of(turns), HashedRows.of(units)
    none = np.zeros(0, dtype=np.int64)
    paths, drawn, after = [], [], {}
    for caseworker_id, own in conversations.groupby("caseworker_id", sort=True):
        at_turns, at_units = turn_rows.get(caseworker_id, none), unit_rows.get(caseworker_id, none)
        own_past = past[past["caseworker_id"] == caseworker_id]
        path = folder / names[str(caseworker_id)]
        after[path.name] = digest_values(shared, own, hashed_turns.select(at_turns),
                                         hashed_units.select(at_units), own_past)  # fmt: skip
        if before.get(path.name) != after[path.name] or not path.is_file():
            path.write_text(render_sheet(str(caseworker_id), own, turns.iloc[at_turns],
                                         units.iloc[at_units], own_past, texts, scores, config),
                            encoding="utf-8")  # fmt: skip
            drawn.append(path)
        paths.append(path)
    rendered.write_text(json.dumps(after, indent=1, sort_keys=True) + "\n")
    intake = pd.read_csv(out / "intake.csv", dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")  # fmt: skip
    (folder / "index.html").write_text(render_index(names, intake, texts), encoding="utf-8")
    return Sheets(paths, drawn)


def _rows_by_caseworker(table: pd.DataFrame, owners: dict[str, str]) -> dict[str, np.ndarray]:
    """Each caseworker's row positions (in table order) in a turn or unit table."""
    owner = table["conversation_id"].map(owners)
    return {caseworker_id: np.sort(at) for caseworker_id, at in
            owner.groupby(owner, sort=False).indices.items()}  # fmt: skip


def _shared_inputs(texts: dict, scores: dict, config: Config) -> str:
    """What every sheet depends on besides the caseworker's rows: texts, scores, settings, and
    the code, templates and lists that make a sheet. Not today's date: a sheet whose inputs did
    not change keeps the date it was made on (its footer stays true), so a run on a new day
    draws only the sheets whose figures or words changed."""
    here = Path(__file__).parent
    code = digest_files(here, here.parent / "aggregation.py", here.parent / "figures.py",
                        config.config_dir / "personal_data")  # fmt: skip
    settings = {key: config.get(key) for key in ("aggregate", "sheets")}
    return digest_values(texts, scores, settings, __version__, code)


def render_sheet(
    caseworker_id: str, conversations: pd.DataFrame, turns: pd.DataFrame, units: pd.DataFrame,
    history: pd.DataFrame, texts: dict, scores: dict, config: Config,
) -> str:  # fmt: skip
    """One caseworker's sheet as HTML, from that caseworker's rows only (`history`: the figures
    of all their conversations so far, this run's included, for the trend)."""
    lang = texts["lang"]
    covered = conversations.sort_values(["date", "conversation_id"])
    if str(config.get("sheets.covers", "all")) == "latest":
        covered = covered[covered["period"] == covered["period"].max()]
    turns = turns[turns["conversation_id"].isin(set(covered["conversation_id"]))]
    units = units[units["conversation_id"].isin(set(covered["conversation_id"]))]
    options = summary_options(config)
    summary = summarise(covered, **options)
    language = str(covered["language"].mode().iat[0])
    scanner = PersonalDataScanner.for_language(config.config_dir, language)
    picked = pick_excerpts(turns, units, scanner,
                           per_kind=int(config.get("sheets.excerpts_per_kind", 2)))  # fmt: skip
    minutes = summary["minutes"]
    return _ENVIRONMENT.get_template("sheet.html.j2").render(
        t=texts, lang=lang, caseworker=caseworker_id,
        first=summary["first_date"], last=summary["last_date"],
        volume=(texts["volume"].format(conversations=summary["conversations"],
                                       minutes=round(minutes))
                if not math.isnan(minutes) else
                texts["volume_no_minutes"].format(conversations=summary["conversations"])),
        small_sample=texts["small_sample"].format(n=summary["conversations"])
        if summary["small_sample"] else "",
        others=_others_note(covered, texts),
        headline=[_headline(name, summary, texts) for name in texts["headline"]],
        charts=_charts(covered, units, history, texts, options),
        excerpts=picked, questions=choose_questions(summary, texts),
        method=[(texts["tags"][tag], _accuracy(scores.get(language, {}),
                                               texts["tag_dimension"][tag], texts))
                for tag in texts["tags"]],
        footer=texts["footer"].format(version=__version__, today=date.today().isoformat(),
                                      caseworker=caseworker_id),
    )  # fmt: skip


def render_index(names: dict[str, str], intake: pd.DataFrame, texts: dict) -> str:
    """The supervisor's page: links to the sheets and what the intake gate did; no figures."""
    counts = {status: int((intake["status"] == status).sum())
              for status in ("analysed", "warning", "quarantined")}  # fmt: skip
    remarks = intake[intake["status"] != "analysed"]
    return _ENVIRONMENT.get_template("index.html.j2").render(
        t=texts,
        lang=texts["lang"],
        sheets=sorted(names.items()),
        counts=texts["index"]["intake_counts"].format(**counts),
        remarks=remarks.to_dict("records"),
    )


def choose_questions(summary: dict, texts: dict) -> list[str]:
    """The reflection questions whose condition the medians meet, then the general ones."""
    chosen = []
    for question in texts["questions"]:
        if "figure" not in question:
            continue
        value = summary.get(f"{question['figure']}_median", math.nan)
        if math.isnan(value):
            continue
        if ("below" in question and value < question["below"]) or (
                "above" in question and value > question["above"]):  # fmt: skip
            chosen.append(question["text"])
    chosen += [q["text"] for q in texts["questions"] if q.get("always")]
    return chosen[: int(texts.get("max_questions", 4))]


def format_value(value: float, kind: str, texts: dict) -> str:
    """A figure as a person reads it: shares in per cent, words and seconds with their unit,
    Danish decimal commas."""
    if value is None or math.isnan(value):
        return "–"
    if kind == "share":
        text = f"{value * 100:.0f} %"
    elif kind in ("ratio", "rate"):
        text = f"{value:.1f}"
    else:
        text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    text = text.replace(".", ",") if texts["lang"] == "da" else text
    unit = texts.get("units", {}).get(kind)
    return f"{text} {unit}" if unit else text


def _others_note(conversations: pd.DataFrame, texts: dict) -> str:
    """Where a third person (interpreter, relative) said much, the citizen's share of the words
    is low for a reason the figure cannot show: say so."""
    threshold = float(texts["others"]["threshold"])
    shares = conversations["other_word_share"].fillna(0)
    if not (shares >= threshold).any():
        return ""
    return texts["others"]["note"].format(
        n=int((shares >= threshold).sum()),
        share=format_value(float(shares.max()), "share", texts),
    )


def _headline(name: str, summary: dict, texts: dict) -> dict:
    kind = BY_NAME[name].kind
    value = lambda key: format_value(summary[f"{name}_{key}"], kind, texts)  # noqa: E731
    interval = "" if math.isnan(summary[f"{name}_ci_low"]) else texts["interval"].format(
        low=value("ci_low"), high=value("ci_high"))  # fmt: skip
    return {"label": texts["figures"][name]["label"], "explain": texts["figures"][name]["explain"],
            "value": value("median"), "range": texts["range"].format(low=value("min"),
                                                                     high=value("max")),
            "interval": interval}  # fmt: skip


def _charts(covered: pd.DataFrame, units: pd.DataFrame, history: pd.DataFrame, texts: dict,
            options: dict) -> list[dict]:  # fmt: skip
    c = texts["charts"]
    dates = covered["date"].astype(str).tolist()
    result = [
        _chart(c["share"], charts.share_per_conversation(
            dates, covered["citizen_share"].tolist(), float(covered["citizen_share"].median()),
            c["share"])),
        _chart(c["acts"], charts.acts_per_conversation(dates, {
            "open": covered["open_question_units"].tolist(),
            "closed": covered["closed_question_units"].tolist(),
            "reflection": covered["reflection_units"].tolist()}, c["acts"])),
        _chart(c["balance"], charts.balance(_balance_rows(units, c["balance"]), c["balance"])),
    ]  # fmt: skip
    periods = summarise_by(history, ["period"], **options)
    if len(periods) >= 2:
        series = {texts["figures"][name]["label"]: periods[f"{name}_median"].tolist()
                  for name in c["trend"]["series"]}  # fmt: skip
        result.append(_chart(c["trend"], charts.trend(periods["period"].tolist(), series)))
    else:
        result.append({"title": c["trend"]["title"], "sentence": c["trend"]["only_one"],
                       "svg": ""})  # fmt: skip
    return result


def _balance_rows(units: pd.DataFrame, labels: dict) -> list[tuple[str, list[tuple[str, float]]]]:
    citizen = units.loc[units["role"] == "citizen", "agency"]
    framed = units.loc[units["role"] == "caseworker", "framing"]
    framed = framed[framed.isin(["being", "becomer"])]
    rows = []
    if len(citizen):
        rows.append(
            (
                labels["citizen"],
                [
                    (k, float((citizen == k).mean()))
                    for k in ("agentive", "neutral", "non_agentive")
                ],
            )
        )
    if len(framed):
        rows.append(
            (labels["caseworker"], [(k, float((framed == k).mean())) for k in ("being", "becomer")])
        )
    return rows  # fmt: skip


def _chart(text: dict, svg: str) -> dict:
    return {"title": text["title"], "sentence": text["sentence"], "svg": svg}


def _accuracy(scores: dict, dimension: str, texts: dict) -> str:
    score = scores.get(dimension)
    if not score:
        return texts["accuracy_missing"]
    value = f"{score['macro_f1']:.2f}"
    return texts["accuracy"].format(score=value.replace(".", ",") if texts["lang"] == "da"
                                    else value, n=score["n"])  # fmt: skip


def _scores(evaluation: Path | None) -> dict:
    if evaluation is None or not evaluation.is_file():
        return {}
    return json.loads(evaluation.read_text(encoding="utf-8"))
