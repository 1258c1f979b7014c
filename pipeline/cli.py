"""The `samtalespejl` command. Help and messages in Danish by default (English: --ui-lang en
or SAMTALESPEJL_UI_LANG=en)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow.parquet as pq

from pipeline import doctor, stages
from pipeline.config import Config, ConfigError, LexiconError
from pipeline.io.intake import IntakeResult
from pipeline.io.manifest_draft import draft_manifest
from pipeline.messages import UI_LANGUAGES, Messages, resolve_language
from pipeline.taggers import ModelsMissing

if TYPE_CHECKING:
    from pipeline.corpus_tagging import TagCounts

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2
HISTORY = Path("history") / "conversations.csv"  # `run` keeps its history beside its outputs
BACKENDS = ("model", "rules", "transformer")
LANGUAGES = ("da", "en")


def build_parser(messages: Messages) -> argparse.ArgumentParser:
    t = messages.text

    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
            super().add_usage(usage, actions, groups, t("cli.usage") if prefix is None else prefix)

    def localised(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser._optionals.title = t("cli.options")
        parser._positionals.title = t("cli.positionals")
        parser.add_argument("-h", "--help", action="help", help=t("cli.help"))
        parser.add_argument("--params", type=Path, help=t("cli.params"),
                            default=argparse.SUPPRESS)  # fmt: skip
        parser.add_argument("--ui-lang", choices=UI_LANGUAGES, help=t("cli.ui_lang"),
                            default=argparse.SUPPRESS)  # fmt: skip
        return parser

    parser = localised(argparse.ArgumentParser(
        prog="samtalespejl", description=t("cli.description"), add_help=False,
        formatter_class=Formatter))  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True, title=t("cli.commands"))

    def command(name: str) -> argparse.ArgumentParser:
        return localised(commands.add_parser(
            name, help=t(f"cli.{name}"), description=t(f"cli.{name}"), add_help=False,
            formatter_class=Formatter))  # fmt: skip

    for name in ("run", "intake"):
        sub = command(name)
        sub.add_argument("--transcripts", type=Path, help=t("cli.transcripts"))
        sub.add_argument("--out", type=Path, help=t("cli.out"))
        sub.add_argument("--strict", action="store_true", help=t("cli.strict"))
    sub = command("tag")
    sub.add_argument("input", type=Path, help=t("cli.tag_input"))
    sub.add_argument("--out", type=Path, required=True, help=t("cli.tag_out"))
    sub.add_argument("--units", type=Path, help=t("cli.tag_units"))
    sub.add_argument("--lang", choices=LANGUAGES, help=t("cli.lang"))
    sub.add_argument("--backend", choices=BACKENDS, help=t("cli.backend"))
    sub.add_argument("--csv", action="store_true", help=t("cli.also_csv"))
    sub = command("aggregate")
    sub.add_argument("--out", type=Path, help=t("cli.out"))
    sub.add_argument("--metrics", type=Path, help=t("cli.metrics"))
    sub.add_argument("--history", type=Path, help=t("cli.history"))
    sub = command("sheets")
    sub.add_argument("--out", type=Path, help=t("cli.out"))
    sub.add_argument("--evaluation", type=Path, help=t("cli.evaluation"))
    sub.add_argument("--history", type=Path, help=t("cli.history"))
    sub = command("sample")
    sub.add_argument("turns", type=Path, help=t("cli.sample_turns"))
    sub.add_argument("--n", type=int, default=200, help=t("cli.sample_n"))
    sub.add_argument("--out", type=Path, required=True, help=t("cli.sample_out"))
    sub.add_argument("--seed", type=int, default=0, help=t("cli.seed"))
    sub = command("agreement")
    sub.add_argument("sheet", type=Path, help=t("cli.agreement_sheet"))
    sub.add_argument("--lang", choices=LANGUAGES, help=t("cli.lang"))
    sub.add_argument("--backend", choices=BACKENDS, help=t("cli.backend"))
    sub.add_argument("--out", type=Path, help=t("cli.agreement_out"))
    sub = command("doctor")
    sub.add_argument("--transcripts", type=Path, help=t("cli.transcripts"))
    sub.add_argument("--out", type=Path, help=t("cli.out"))
    sub = command("manifest")
    sub.add_argument("folder", type=Path, help=t("cli.manifest_folder"))
    sub.add_argument("--out", type=Path, help=t("cli.manifest_out"))
    sub = command("train")
    sub.add_argument("--lang", choices=LANGUAGES, nargs="+", help=t("cli.train_lang"))
    sub = command("evaluate")
    sub.add_argument("gold", type=Path, help=t("cli.gold"))
    sub.add_argument("--lang", choices=LANGUAGES, help=t("cli.lang"))
    sub.add_argument("--backend", choices=BACKENDS, help=t("cli.backend"))
    sub.add_argument("--out", type=Path, help=t("cli.eval_out"))
    sub.add_argument("--confusion", type=Path, help=t("cli.confusion"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    messages = Messages(_early_ui_language(argv))
    args = build_parser(messages).parse_args(argv)
    try:
        config = Config.load(getattr(args, "params", None))
    except ConfigError as error:
        print(messages.text("cli.params_missing", path=error), file=sys.stderr)
        return EXIT_USAGE
    ui_lang = getattr(args, "ui_lang", None)
    messages = Messages(ui_lang or resolve_language(str(config.get("ui_language", "da"))))
    try:
        return COMMANDS[args.command](args, config, messages)
    except ModelsMissing as error:
        print(messages.text("cli.models_missing", path=error), file=sys.stderr)
        return EXIT_USAGE
    except LexiconError as error:
        print(messages.text("cli.lexicon_not_word", path=error.path, line=error.line,
                            word=error.word), file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    except ImportError as error:  # the transformer backend without its extra
        if error.name not in ("torch", "transformers"):
            raise
        print(messages.text("cli.transformer_not_installed"), file=sys.stderr)
        return EXIT_USAGE
    except FileNotFoundError as error:
        if type(error).__name__ != "TransformerModelMissing":
            raise
        print(messages.text("cli.transformer_missing", path=error), file=sys.stderr)
        return EXIT_USAGE


def _intake(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    transcripts = args.transcripts or _path(config, "paths.transcripts")
    out = args.out or _path(config, "paths.out")
    if not transcripts.is_dir():
        print(messages.text("cli.folder_missing", path=transcripts), file=sys.stderr)
        return EXIT_USAGE
    if args.command == "run":
        _print_findings(transcripts, out, config, messages, quiet_when_ok=True)
    result = stages.intake(transcripts, out, config, messages)
    code = _report(result, out / "intake.csv", messages, args.strict)
    if args.command == "run" and result.conversations:
        _ensure_models(config, messages)
        _report_tagging(stages.tag(out, config), out, messages)
        # Figures of this run stay with its outputs; the models' scores come from the project.
        stages.aggregate(out, out / "metrics", out / HISTORY, config)
        _write_sheets(out, config, messages, history=out / HISTORY)
    return code


def _aggregate(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    out = args.out or _path(config, "paths.out")
    metrics = args.metrics or _path(config, "paths.metrics")
    history = args.history or _path(config, "paths.history") / HISTORY.name
    conversations = stages.aggregate(out, metrics, history, config)
    print(messages.text("cli.aggregated", conversations=len(conversations), path=out),
          file=sys.stderr)  # fmt: skip
    return EXIT_OK


def _sheets(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    _write_sheets(args.out or _path(config, "paths.out"), config, messages, args.evaluation,
                  args.history)  # fmt: skip
    return EXIT_OK


def _write_sheets(out: Path, config: Config, messages: Messages, evaluation: Path | None = None,
                  history: Path | None = None) -> None:  # fmt: skip
    from pipeline.sheets.build import build_sheets  # matplotlib only for commands that draw

    evaluation = evaluation or _path(config, "paths.metrics") / "eval.json"
    history = history or _path(config, "paths.history") / HISTORY.name
    sheets = build_sheets(out, config, evaluation, history, messages.lang)
    print(messages.text("cli.sheets_written", n=len(sheets.paths), drawn=len(sheets.drawn),
                        path=out / "sheets" / "index.html"), file=sys.stderr)  # fmt: skip


def _sample(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    from pipeline.annotation_sheet import export_sample, write_sheet
    from pipeline.tagging import TableError

    try:
        sheet = export_sample(_read_table(args.turns), args.n, args.seed)
    except TableError as error:
        detail = messages.text(f"table.{error.key}", **error.params)
        print(messages.text("cli.table_error", error=detail), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError, KeyError) as error:
        print(messages.text("cli.table_error", error=f"{args.turns}: {error}"), file=sys.stderr)
        return EXIT_USAGE
    write_sheet(sheet, args.out)
    print(messages.text("cli.sampled", n=len(sheet), path=args.out), file=sys.stderr)
    return EXIT_OK


def _agreement(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    from pipeline.annotation_sheet import agreement_report, read_filled
    from pipeline.taggers.tagger import Tagger

    try:
        frame, problems = read_filled(args.sheet)
    except (ValueError, OSError) as error:
        print(messages.text("cli.gold_error", error=error), file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        text = messages.text("cli.bad_label", path=args.sheet, line=problem.line,
                             column=problem.column, value=problem.value)  # fmt: skip
        print(text, file=sys.stderr)
    lang = args.lang or stages.only_language(frame, args.sheet)
    backend = args.backend or str(config.get("tagger.backend", "model"))
    report = agreement_report(frame, Tagger(lang, config, backend))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(messages.text("cli.agreement_header"))
    for dimension, s in report.items():
        print(f"{dimension:11s} {s['n']:5d}  {s['agreement']:.3f}  {_figure(s['kappa'])}  "
              f"{s['alpha']:.3f}")  # fmt: skip
    return EXIT_OK


def _doctor(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    transcripts = args.transcripts or _path(config, "paths.transcripts")
    out = args.out or _path(config, "paths.out")
    findings = _print_findings(transcripts, out, config, messages)
    return EXIT_NOTHING if any(f.key != "no_git" for f in findings) else EXIT_OK


def _print_findings(transcripts: Path, out: Path, config: Config, messages: Messages,
                    quiet_when_ok: bool = False) -> list[doctor.Finding]:  # fmt: skip
    findings = doctor.check(Path.cwd(), transcripts, out, config)
    for finding in findings:
        examples = ", ".join(finding.paths[:5]) + (" …" if len(finding.paths) > 5 else "")
        print(messages.text(f"doctor.{finding.key}", n=len(finding.paths), examples=examples,
                            **finding.params), file=sys.stderr)  # fmt: skip
    if not findings and not quiet_when_ok:
        print(messages.text("doctor.ok"), file=sys.stderr)
    return findings


def _manifest(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    if not args.folder.is_dir():
        print(messages.text("cli.folder_missing", path=args.folder), file=sys.stderr)
        return EXIT_USAGE
    path = args.out or args.folder / "manifest_draft.csv"
    if path.exists():
        print(messages.text("cli.draft_exists", path=path), file=sys.stderr)
        return EXIT_USAGE
    draft = draft_manifest(args.folder, config, messages)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft.to_csv(path, index=False, encoding="utf-8-sig")
    print(messages.text("cli.draft_written", n=len(draft), path=path), file=sys.stderr)
    return EXIT_OK


def _path(config: Config, key: str) -> Path:
    return Path(str(config.get(key)))


def _ensure_models(config: Config, messages: Messages) -> None:
    """`run` without DVC trains the models first when they are missing (a minute or two)."""
    if str(config.get("tagger.backend", "model")) != "model":
        return
    models = Path(str(config.get("paths.models")))
    missing = [lang for lang in config.get("tagger.languages", LANGUAGES)
               if not (models / lang / "meta.json").is_file()]  # fmt: skip
    for lang, meta in (stages.train(config, missing) if missing else {}).items():
        print(messages.text("cli.trained", lang=lang, turns=meta["turns"], path=models / lang),
              file=sys.stderr)  # fmt: skip


def _tag(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    from pipeline.corpus_tagging import tag_corpus
    from pipeline.tagging import TableError

    counts = None
    try:
        if _streamable(args):
            counts = tag_corpus(args.input, args.out, args.units, config, args.backend, args.csv)
        else:
            turns, units = _tag_in_memory(args, config)
    except TableError as error:
        detail = messages.text(f"table.{error.key}", **error.params)
        print(messages.text("cli.table_error", error=detail), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError) as error:
        print(messages.text("cli.table_error", error=error), file=sys.stderr)
        return EXIT_USAGE
    if counts is None:
        print(messages.text("cli.tagged", turns=turns, units=units, path=args.out), file=sys.stderr)
    else:
        _report_tagging(counts, args.out, messages)
    return EXIT_OK


def _report_tagging(counts: TagCounts, path: Path, messages: Messages) -> None:
    """What was tagged, and how much of it came unchanged from the cache of earlier runs."""
    print(messages.text("cli.tagged", turns=counts.turns, units=counts.units, path=path),
          file=sys.stderr)  # fmt: skip
    print(messages.text("cli.tag_reuse", tagged=counts.tagged, cached=counts.cached),
          file=sys.stderr)  # fmt: skip


def _streamable(args: argparse.Namespace) -> bool:
    """A Parquet turn table of whole conversations into Parquet: tagged in chunks, on workers,
    with the cache (pipeline/corpus_tagging.py), as the DVC stage does."""
    paths = [args.input, args.out] + ([args.units] if args.units else [])
    return (args.lang is None and all(p.suffix.lower() == ".parquet" for p in paths)
            and args.input.is_file()
            and "conversation_id" in pq.read_schema(args.input).names)  # fmt: skip


def _tag_in_memory(args: argparse.Namespace, config: Config) -> tuple[int, int]:
    from pipeline.tagging import tag_table

    turns, units = tag_table(_read_table(args.input), config, lang=args.lang,
                             backend=args.backend)  # fmt: skip
    for frame, path in ((turns, args.out), (units, args.units)):
        if path is not None:
            _write_any(frame, path)
            if args.csv and path.suffix.lower() == ".parquet":
                _write_any(frame, path.with_suffix(".csv"))
    return len(turns), len(units)


def _train(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    models = Path(str(config.get("paths.models")))
    for lang, meta in stages.train(config, args.lang).items():
        print(messages.text("cli.trained", lang=lang, turns=meta["turns"], path=models / lang),
              file=sys.stderr)  # fmt: skip
    return EXIT_OK


def _evaluate(args: argparse.Namespace, config: Config, messages: Messages) -> int:
    try:
        results = stages.evaluate_gold(args.gold, config, args.lang, args.backend, args.out,
                                       args.confusion)  # fmt: skip
    except (ValueError, OSError, KeyError) as error:
        print(messages.text("cli.gold_error", error=error), file=sys.stderr)
        return EXIT_USAGE
    print(messages.text("cli.scores_header"))
    for name, scores in results.items():
        for dimension, s in scores.items():
            f1, ap, kappa, ece = (
                _figure(s.get(key))
                for key in ("f1", "average_precision", "kappa", "calibration_error")
            )
            print(f"{name:10s} {dimension:11s} {s['macro_f1']:.3f}      {f1}    {ap}    "
                  f"{kappa}   {ece}              {s['n']}")  # fmt: skip
    return EXIT_OK


def _figure(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def _report(result: IntakeResult, path: Path, messages: Messages, strict: bool) -> int:
    counts = result.counts()
    print(messages.text("cli.summary", path=path, **counts), file=sys.stderr)
    if not result.conversations:
        print(messages.text("cli.nothing_analysed", path=path), file=sys.stderr)
        return EXIT_NOTHING
    if strict and counts["quarantined"]:
        print(messages.text("cli.strict_failed", path=path), file=sys.stderr)
        return EXIT_NOTHING
    return EXIT_OK


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    sep = "\t" if suffix == ".tsv" else None
    return pd.read_csv(path, sep=sep, engine="python", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")  # fmt: skip


def _write_any(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",",
                     encoding="utf-8-sig")  # fmt: skip


def _early_ui_language(argv: list[str]) -> str:
    """The UI language before parsing, so that --help is already in it."""
    if "--ui-lang" in argv[:-1]:
        return argv[argv.index("--ui-lang") + 1]
    try:
        return str(Config.load().get("ui_language", "da"))
    except ConfigError:
        return resolve_language()


COMMANDS = {"run": _intake, "intake": _intake, "tag": _tag, "aggregate": _aggregate,
            "sheets": _sheets, "sample": _sample, "agreement": _agreement, "doctor": _doctor,
            "manifest": _manifest, "train": _train, "evaluate": _evaluate}  # fmt: skip
