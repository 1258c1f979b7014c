"""The `samtalespejl` command. Help and messages in Danish by default (English: --ui-lang en
or SAMTALESPEJL_UI_LANG=en)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline import stages
from pipeline.config import Config, ConfigError
from pipeline.io.intake import IntakeResult
from pipeline.messages import UI_LANGUAGES, Messages, resolve_language

EXIT_OK, EXIT_NOTHING, EXIT_USAGE = 0, 1, 2


def build_parser(messages: Messages) -> argparse.ArgumentParser:
    t = messages.text

    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
            super().add_usage(usage, actions, groups, t("cli.usage") if prefix is None else prefix)

    def localised(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser._optionals.title = t("cli.options")
        parser.add_argument("-h", "--help", action="help", help=t("cli.help"))
        return parser

    parser = localised(
        argparse.ArgumentParser(
            prog="samtalespejl",
            description=t("cli.description"),
            add_help=False,
            formatter_class=Formatter,
        )
    )
    parser.add_argument("--ui-lang", choices=UI_LANGUAGES, help=t("cli.ui_lang"))
    commands = parser.add_subparsers(dest="command", required=True, title=t("cli.commands"))
    for name in ("run", "intake"):
        command = localised(
            commands.add_parser(
                name,
                help=t(f"cli.{name}"),
                description=t(f"cli.{name}"),
                add_help=False,
                formatter_class=Formatter,
            )
        )
        command.add_argument("--transcripts", type=Path, help=t("cli.transcripts"))
        command.add_argument("--out", type=Path, help=t("cli.out"))
        command.add_argument("--params", type=Path, help=t("cli.params"))
        command.add_argument("--strict", action="store_true", help=t("cli.strict"))
        command.add_argument(
            "--ui-lang", choices=UI_LANGUAGES, help=t("cli.ui_lang"), default=argparse.SUPPRESS
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    messages = Messages(_early_ui_language(argv))
    args = build_parser(messages).parse_args(argv)
    try:
        config = Config.load(args.params)
    except ConfigError as error:
        print(messages.text("cli.params_missing", path=error), file=sys.stderr)
        return EXIT_USAGE
    messages = Messages(args.ui_lang or resolve_language(str(config.get("ui_language", "da"))))
    transcripts = args.transcripts or Path(str(config.get("paths.transcripts")))
    out = args.out or Path(str(config.get("paths.out")))
    if not transcripts.is_dir():
        print(messages.text("cli.folder_missing", path=transcripts), file=sys.stderr)
        return EXIT_USAGE
    result = stages.intake(transcripts, out, config, messages)
    return _report(result, out / "intake.csv", messages, args.strict)


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


def _early_ui_language(argv: list[str]) -> str:
    """The UI language before parsing, so that --help is already in it."""
    if "--ui-lang" in argv[:-1]:
        return argv[argv.index("--ui-lang") + 1]
    try:
        return str(Config.load().get("ui_language", "da"))
    except ConfigError:
        return resolve_language()
