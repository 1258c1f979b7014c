"""Real-data operations: the doctor, the history of figures, consent withdrawal, the manifest
draft."""

from __future__ import annotations

import subprocess
from datetime import date

import pandas as pd
import pytest
import yaml

from pipeline.cli import main
from pipeline.config import parse_yaml
from pipeline.doctor import check
from pipeline.history import read_history
from tests.conftest import run_job
from tests.helpers import ROOT, manifest_row, write_folder

CONVERSATION = (
    "Rådgiver: Hej, velkommen. Hvad tænker du selv om at komme i gang med noget nyt?\n"
    "Borger: Jeg har selv besluttet, at jeg vil prøve noget med dyr. Det har jeg altid villet.\n"
    "Rådgiver: Så for dig er det vigtigt, at det giver mening. Har du søgt noget endnu?\n"
    "Borger: Ja, jeg søgte to steder i sidste uge.\n"
    "Rådgiver: Det lyder som om, du allerede er godt i gang. Vi skal have dig i praktik.\n"
    "Borger: Jeg blev sendt på kursus sidste gang, og det hjalp ikke.\n"
)


def _git(folder, *args):
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "PATH": "/usr/bin:/bin",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})  # fmt: skip


def _findings(root, transcripts, out, config, today=date(2026, 11, 27)):
    return {f.key: f for f in check(root, transcripts, out, config, today=today)}


def test_doctor_finds_transcripts_and_text_outputs_in_git(tmp_path, config):
    root = tmp_path / "project"
    transcripts = write_folder(root / "udskrifter", {"a.txt": CONVERSATION},
                               [manifest_row("a.txt", date="2025-01-10")])  # fmt: skip
    (root / "out").mkdir()
    (root / "out" / "turns.csv").write_text("text\nhej\n", encoding="utf-8")
    (root / "out" / "conversations.csv").write_text("citizen_share\n0.5\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "by mistake")
    found = _findings(root, transcripts, root / "out", config)
    assert found["transcripts_in_git"].paths == ["udskrifter/a.txt", "udskrifter/manifest.csv"]
    assert found["outputs_in_git"].paths == ["out/turns.csv"]  # figures-only tables may be there
    assert {"outputs_not_ignored", "not_in_dvc", "no_remote", "expired"} <= set(found)
    assert found["expired"].paths == ["a.txt (a, 2025-01-10)"]


def test_doctor_is_quiet_when_things_are_in_order(tmp_path, config):
    root = tmp_path / "project"
    transcripts = write_folder(root / "udskrifter", {"a.txt": CONVERSATION},
                               [manifest_row("a.txt", date="2026-10-01")])  # fmt: skip
    (root / ".gitignore").write_text("/udskrifter/\n/out/\n", encoding="utf-8")
    (root / "udskrifter.dvc").write_text("outs:\n- path: udskrifter\n", encoding="utf-8")
    (root / ".dvc").mkdir()
    remote = "[core]\n    remote = kommune\n['remote \"kommune\"']\n    url = /mnt/sikker\n"
    (root / ".dvc" / "config").write_text(remote)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "pointer only")
    assert _findings(root, transcripts, root / "out", config) == {}


def test_doctor_command_exit_code(tmp_path, monkeypatch, capsys):
    write_folder(tmp_path / "udskrifter", {"a.txt": CONVERSATION}, [manifest_row("a.txt")])
    monkeypatch.chdir(tmp_path)
    params = ROOT / "configs" / "params.yaml"
    assert main(["doctor", "--transcripts", "udskrifter", "--params", str(params)]) == 1
    err = capsys.readouterr().err
    assert "ikke et git-repository" in err and "dvc add udskrifter" in err


@pytest.fixture
def two_periods(tmp_path):
    files = {"q1.txt": CONVERSATION, "q2.txt": CONVERSATION.replace("to steder", "tre steder"),
             "other.txt": CONVERSATION}  # fmt: skip
    rows = [manifest_row("q1.txt", date="2026-02-03"), manifest_row("q2.txt", date="2026-05-04"),
            manifest_row("other.txt", caseworker_id="cw-02", date="2026-05-05")]  # fmt: skip
    return tmp_path / "in", files, rows


def test_history_keeps_figures_when_old_transcripts_are_deleted(two_periods, tmp_path, config,
                                                                trained_taggers):  # fmt: skip
    folder, files, rows = two_periods
    out = tmp_path / "out"
    run_job(write_folder(folder, files, rows), out, config, trained_taggers)
    first = read_history(out / "history" / "conversations.csv")
    assert sorted(first["conversation_id"]) == ["other", "q1", "q2"]
    # Retention: the Q1 transcript is deleted together with its manifest row.
    (folder / "q1.txt").unlink()
    run_job(write_folder(folder, {}, rows[1:]), out, config, trained_taggers)
    history = read_history(out / "history" / "conversations.csv")
    assert sorted(history["conversation_id"]) == ["other", "q1", "q2"]
    q1 = history[history["conversation_id"] == "q1"].iloc[0]
    assert q1["citizen_share"] == pytest.approx(
        first[first["conversation_id"] == "q1"]["citizen_share"].iat[0])  # fmt: skip
    assert "q1" not in set(pd.read_csv(out / "conversations.csv")["conversation_id"])
    periods = pd.read_csv(out / "caseworkers.csv").query("caseworker_id == 'cw-01'")["period"]
    assert periods.tolist() == ["2026-Q1", "2026-Q2"]
    sheet = (out / "sheets" / "cw-01.html").read_text(encoding="utf-8")
    assert sheet.count("<svg") == 4  # the trend still has both periods
    text_columns = [c for c in history if not pd.api.types.is_numeric_dtype(history[c])]
    assert text_columns == ["conversation_id", "caseworker_id", "date", "language", "unit",
                            "meeting_type"]  # fmt: skip


@pytest.mark.parametrize("how", ["consent", "file"])
def test_withdrawn_conversation_disappears_everywhere(two_periods, tmp_path, config,
                                                      trained_taggers, how):  # fmt: skip
    folder, files, rows = two_periods
    out = tmp_path / "out"
    run_job(write_folder(folder, files, rows), out, config, trained_taggers)
    if how == "consent":
        rows[1]["consent"] = "no"
        write_folder(folder, {}, rows)
    else:
        (folder / "q2.txt").unlink()
    run_job(folder, out, config, trained_taggers)
    for table in ("turns", "units", "conversations"):
        for suffix in ("csv", "parquet"):
            path = out / f"{table}.{suffix}"
            frame = pd.read_parquet(path) if suffix == "parquet" else pd.read_csv(path)
            assert "q2" not in set(frame["conversation_id"]), path
    assert "q2" not in set(read_history(out / "history" / "conversations.csv")["conversation_id"])
    assert "tre steder" not in (out / "sheets" / "cw-01.html").read_text(encoding="utf-8")
    assert "2026-05-04" not in (out / "sheets" / "cw-01.html").read_text(encoding="utf-8")
    assert "2026-Q2" not in set(pd.read_csv(out / "caseworkers.csv")
                                .query("caseworker_id == 'cw-01'")["period"])  # fmt: skip
    intake = pd.read_csv(out / "intake.csv").set_index("conversation_id")
    assert "Samtykke trukket tilbage" in intake.loc["q2", "reason"]
    assert bool(intake.loc["q2", "withdrawn"]) and not bool(intake.loc["q1", "withdrawn"])


def test_text_outputs_are_never_kept_in_the_dvc_cache():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    outs = {}
    for stage in stages.values():
        for out in stage.get("outs", []):
            name, options = (out, {}) if isinstance(out, str) else next(iter(out.items()))
            outs[name] = options
    for name in ("intake/turns.parquet", "turns.parquet", "turns.csv", "units.parquet",
                 "units.csv", "sheets"):  # fmt: skip
        assert outs["${paths.out}/" + name].get("cache") is False, name


def test_manifest_draft_lists_speakers_and_never_says_yes(tmp_path, capsys):
    table = "conversation_id,speaker,text\nx1,Jobkonsulent,Hej\nx1,Borger,Hej\nx2,Tolk,Goddag\n"
    folder = tmp_path / "nye"
    folder.mkdir()
    (folder / "2026-03-02 samtale.txt").write_text(CONVERSATION, encoding="utf-8")
    (folder / "tabel.csv").write_text(table, encoding="utf-8")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    params = str(ROOT / "configs" / "params.yaml")
    assert main(["manifest", str(folder), "--params", params]) == 0
    draft = pd.read_csv(folder / "manifest_draft.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig").set_index("conversation_id")  # fmt: skip
    assert set(draft.index) == {"2026-03-02 samtale", "x1", "x2", "broken"}
    assert (draft["consent"] == "").all() and (draft["anonymised"] == "").all()
    assert draft.loc["2026-03-02 samtale", "speakers"] == "Rådgiver=;Borger="
    assert draft.loc["2026-03-02 samtale", "date"] == "2026-03-02"
    assert draft.loc["x1", "speakers"] == "Jobkonsulent=;Borger="
    assert "kunne ikke læses" in draft.loc["broken", "note"]
    assert main(["manifest", str(folder), "--params", params]) == 2  # never overwritten
    assert "findes allerede" in capsys.readouterr().err


def test_doctor_leaves_outputs_outside_the_project_alone(tmp_path, config):
    root = tmp_path / "project"
    transcripts = write_folder(root / "udskrifter", {"a.txt": CONVERSATION},
                               [manifest_row("a.txt", date="2026-10-01")])  # fmt: skip
    (root / ".gitignore").write_text("/udskrifter/\n", encoding="utf-8")
    _git(root, "init", "-q")
    found = _findings(root, transcripts, tmp_path / "elsewhere", config)
    assert "outputs_not_ignored" not in found
    assert "outputs_not_ignored" in _findings(root, transcripts, root / "out", config)


def test_every_settings_file_reads_the_same_with_the_fast_yaml_parser():
    files = [*ROOT.glob("configs/**/*.yaml"), *ROOT.glob("pipeline/locale/*.yaml")]
    assert len(files) >= 8
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert parse_yaml(text) == yaml.safe_load(text), path


def test_every_word_in_the_lexicons_is_read_as_a_word(config):
    def words(node):
        if isinstance(node, dict):
            return [w for key, value in node.items() if key != "negatable" for w in words(value)]
        return [w for value in node for w in words(value)] if isinstance(node, list) else [node]

    for lang in ("da", "en"):
        found = words(config.lexicon(lang))
        assert len(found) > 300
        assert all(isinstance(word, str | int) and not isinstance(word, bool) for word in found)
    assert "no" in config.lexicon("en")["negations"]


def test_an_unquoted_no_in_a_lexicon_stops_with_the_file_and_line(tmp_path, capsys):
    (tmp_path / "lexicons").mkdir()
    (tmp_path / "params.yaml").write_text((ROOT / "configs" / "params.yaml").read_text())
    lexicon = tmp_path / "lexicons" / "en.yaml"
    lexicon.write_text('fillers: [so, "yes"]\nnegations:\n  - not\n  - no\n')
    table = tmp_path / "turns.csv"
    pd.DataFrame({"text": ["Hi."], "role": ["caseworker"]}).to_csv(table, index=False)
    params, out = tmp_path / "params.yaml", tmp_path / "o.csv"
    args = ["tag", str(table), "--lang", "en", "--backend", "rules", "--ui-lang", "en",
            "--params", str(params), "--out", str(out)]  # fmt: skip
    assert main(args) != 0
    error = capsys.readouterr().err
    assert f"{lexicon}, line 4:" in error and "'no'" in error and '"no"' in error
    assert not out.exists()
