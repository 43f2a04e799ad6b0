"""Load a run's results folder, with its schema and format version checked.

Inputs are never evaluated: tables are read with pandas/pyarrow (Parquet) and the manifest
with :mod:`json`; nothing is unpickled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulation.atomic import is_complete
from simulation.collector import BILATERAL_COLUMNS, OUTPUT_COLUMNS
from simulation.output import RESULTS_FORMAT_VERSION


#: Text columns of ``flows_bilateral.csv`` (the others are numeric).
_BILATERAL_TEXT = ("home_iso3", "vendor_iso3", "process_group")


class ResultsError(ValueError):
    """A results folder that cannot be loaded; ``str(err)`` is one line."""


@dataclass
class RunFolder:
    """A loaded run: tables (pandas) and manifest (dict)."""

    path: Path
    quarterly: pd.DataFrame
    annual: pd.DataFrame
    acv_by_country: pd.DataFrame
    manifest: dict
    flows_bilateral: pd.DataFrame


def _check_columns(df: pd.DataFrame, name: str, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ResultsError(f"{name}: missing column(s) {', '.join(missing)}")
    for c in required:
        if not pd.api.types.is_numeric_dtype(df[c]):
            raise ResultsError(f"{name}: column {c} must be numeric, found {df[c].dtype}")


def load_run(path: str | Path) -> RunFolder:
    """Load the results folder of ``bposim run``.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    RunFolder

    Raises
    ------
    ResultsError
        If the folder is incomplete (no ``COMPLETE`` marker), was written by an
        incompatible version (the message names it), or a table lacks a column.
    """
    path = Path(path)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such results folder")
    if not is_complete(path):
        raise ResultsError(f"{path}: incomplete results folder (no COMPLETE marker); the run "
                           "that wrote it did not finish")
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ResultsError(f"{path}/manifest.json: unreadable ({err})") from None
    if not isinstance(manifest, dict):
        raise ResultsError(f"{path}/manifest.json: not a JSON object")
    fmt = manifest.get("results_format_version")
    version = manifest.get("package_version", "unknown")
    if fmt != RESULTS_FORMAT_VERSION:
        raise ResultsError(
            f"{path}: written by bposim {version} in results format {fmt!r}; this bposim "
            f"reads format {RESULTS_FORMAT_VERSION}; re-run it with this version or load it "
            f"with bposim {version}")
    try:
        q = pd.read_parquet(path / "quarterly.parquet")
        a = pd.read_parquet(path / "annual.parquet")
        c = pd.read_csv(path / "acv_by_country.csv", dtype={"vendor_iso3": str})
        f = pd.read_csv(path / "flows_bilateral.csv", dtype=dict.fromkeys(_BILATERAL_TEXT, str))
    except Exception as err:  # pyarrow / pandas raise many types for damaged files
        raise ResultsError(f"{path}: cannot read a table ({type(err).__name__}: "
                           f"{' '.join(str(err).split())})") from None
    _check_columns(q, "quarterly.parquet", ("year", "quarter", *OUTPUT_COLUMNS))
    _check_columns(a, "annual.parquet", ("year", *OUTPUT_COLUMNS))
    _check_columns(c, "acv_by_country.csv", ("year", "acv_usd_bn"))
    if "vendor_iso3" not in c.columns:
        raise ResultsError("acv_by_country.csv: missing column(s) vendor_iso3")
    missing = [x for x in BILATERAL_COLUMNS if x not in f.columns]
    if missing:
        raise ResultsError(f"flows_bilateral.csv: missing column(s) {', '.join(missing)}")
    if len(f):  # an empty market writes only the header
        _check_columns(f, "flows_bilateral.csv", tuple(x for x in BILATERAL_COLUMNS
                                                       if x not in _BILATERAL_TEXT))
    return RunFolder(path=path, quarterly=q, annual=a, acv_by_country=c, manifest=manifest,
                     flows_bilateral=f)
