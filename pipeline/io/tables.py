"""Result tables: Parquet for programs, CSV (UTF-8 with BOM, so Excel reads æøå) for people."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_table(frame: pd.DataFrame, folder: Path, name: str, parquet: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
    if parquet:
        frame.to_parquet(folder / f"{name}.parquet", index=False)
