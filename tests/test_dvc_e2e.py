"""`dvc repro` in a fresh copy of the repository writes every output; metrics and plots show."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.e2e


def _project_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [name for name in listed.stdout.splitlines() if (ROOT / name).is_file()]


def test_dvc_repro_in_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    for name in _project_files():
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    (clone / "dvc.lock").unlink(missing_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "DVC_NO_ANALYTICS": "1"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "repro"], cwd=clone, env=env,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    intake = pd.read_csv(clone / "out" / "intake.csv")
    assert (intake["status"] == "analysed").sum() == 14
    conversations = pd.read_csv(clone / "out" / "conversations.csv")
    assert len(conversations) == 14
    caseworkers = pd.read_csv(clone / "out" / "caseworkers.csv")
    assert set(caseworkers["caseworker_id"]) == {"cw-01", "cw-02", "cw-03", "cw-04"}
    sheets = {p.name for p in (clone / "out" / "sheets").iterdir()}
    assert sheets == {"cw-01.html", "cw-02.html", "cw-03.html", "cw-04.html", "index.html"}
    assert (clone / "dvc.lock").is_file()
    dvc = [sys.executable, "-m", "dvc"]
    shown = subprocess.run([*dvc, "metrics", "show", "--json"], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    metrics = json.loads(shown.stdout)[""]["data"]
    assert metrics["metrics/corpus.json"]["data"]["conversations"] == 14
    assert metrics["metrics/eval.json"]["data"]["da"]["question"]["n"] > 0
    plots = subprocess.run([*dvc, "plots", "show", "--json"], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert plots.returncode == 0, plots.stderr
    assert "metrics/trends/corpus.csv" in plots.stdout and "citizen_share" in plots.stdout
    again = subprocess.run(
        [sys.executable, "-m", "dvc", "status"], cwd=clone, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "up to date" in again.stdout
