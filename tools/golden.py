"""Golden outputs for refactors: record a fixed set of results, then compare two records.

    python tools/golden.py record DIR     # runs, a small sweep, reproduce and validate --quick
    python tools/golden.py compare A B    # bit-for-bit comparison of the data files

Data files compared: every ``*.csv`` byte for byte, every ``*.parquet`` as a table
(values and dtypes, exact), ``*.md`` reports with timing lines removed, and the
``summary.txt`` written by the runs. Timing and provenance fields (manifests, PNGs) are
not compared. Records live outside the repository (generated results are not committed).
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

SWEEP_SPEC = """
name = "golden"
seed = 5
replications = 2
end_year = 2010
[base.overrides]
n_firms = 200
[design]
kind = "factorial"
[[parameters]]
name = "coordination_cost_decline"
values = [0.02, 0.06]
[[parameters]]
name = "countries.tax_rate_overrides.IND"
values = [0.15, 0.35]
"""

CAPTIVE = """
[captives]
captives_enabled = true
"""


def _bposim() -> str:
    return str(Path(sys.executable).with_name("bposim"))


def _sh(*args: str, cwd: Path | None = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=cwd)


def record(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=False)
    b = _bposim()
    for seed in (42, 7):
        _sh(b, "run", "--seed", str(seed), "--quiet", "--out", str(out / f"run{seed}"))
    (out / "captive.toml").write_text(CAPTIVE)
    _sh(b, "run", "--seed", "3", "--firms", "400", "--quiet", "--config",
        str(out / "captive.toml"), "--out", str(out / "run_captive"))
    cal = Path(__file__).resolve().parents[1] / "simulation/scenarios/calibrated.toml"
    _sh(b, "run", "--seed", "11", "--quiet", "--config", str(cal), "--out",
        str(out / "run_calibrated"))
    (out / "sweep.toml").write_text(SWEEP_SPEC)
    _sh(b, "sweep", str(out / "sweep.toml"), "--out", str(out / "sweep"), "--executor",
        "in-process", "--quiet")
    _sh(b, "reproduce", "--replications", "4", "--firms", "300", "--executor", "in-process",
        "--quiet", "--out", str(out / "reproduce"))
    _sh(b, "validate", "--quick", "--quiet", "--out", str(out / "validate"))


_TIMING = re.compile(r"(runtime|elapsed|seconds|took|wall|[0-9]+(\.[0-9]+)? ?s\b|"
                     r"\d{4}-\d\d-\d\dT|git|version|commit)", re.I)


#: Columns of sweep tables that record when and where a run ran, not what it computed.
_VOLATILE = {"wall_time_s", "started_utc", "finished_utc", "worker"}


def _table_digest(paths: list[Path]) -> str:
    import pandas as pd
    df = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
    df = df.drop(columns=[c for c in df.columns if c in _VOLATILE])
    if "run_id" in df.columns:
        keys = [c for c in ("run_id", "year", "quarter") if c in df.columns]
        df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    h = hashlib.sha256()
    h.update(repr(list(df.columns)).encode() + repr([str(t) for t in df.dtypes]).encode())
    for c in df.columns:
        col = df[c]
        if col.dtype.kind in "biuf":
            h.update(col.to_numpy().tobytes())
        else:
            h.update(repr([None if v is None else (list(v) if hasattr(v, "__len__")
                           and not isinstance(v, str) else v) for v in col]).encode())
    return h.hexdigest()


def _digest(path: Path | list[Path]) -> str:
    if isinstance(path, list):
        return _table_digest(path)
    if path.suffix == ".parquet":
        return _table_digest([path])
    data = path.read_bytes()
    if path.suffix in (".md", ".txt"):
        lines = [ln for ln in data.decode().splitlines() if not _TIMING.search(ln)]
        data = "\n".join(lines).encode()
    return hashlib.sha256(data).hexdigest()


def _files(root: Path) -> dict[str, Path | list[Path]]:
    """Data files by relative name; a folder of Parquet parts counts as one table."""
    keep = {".csv", ".parquet", ".md", ".txt"}
    out: dict[str, Path | list[Path]] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.suffix not in keep:
            continue
        rel = p.relative_to(root)
        if p.suffix == ".parquet" and p.name.startswith("part-"):
            out.setdefault(str(rel.parent) + "/part-*", []).append(p)
        else:
            out[str(rel)] = p
    return out


def compare(a: Path, b: Path) -> int:
    fa, fb = _files(a), _files(b)
    bad = 0
    for name in sorted(set(fa) | set(fb)):
        if name not in fa or name not in fb:
            print(f"MISSING {name} ({'A' if name not in fa else 'B'})")
            bad += 1
        elif _digest(fa[name]) != _digest(fb[name]):
            print(f"DIFFERS {name}")
            bad += 1
    print(f"{len(set(fa) & set(fb))} files compared, {bad} differ or are missing")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "record":
        record(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
