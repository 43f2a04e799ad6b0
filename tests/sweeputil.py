"""Helpers for the sweep tests: small specs, fast runs, reading the stored tables."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from conftest import ROOT, bposim_exe, default_sigint

#: A small, fast base: 40 firms, 2 spin-up years, 2000-2004 (28 quarters per run).
FAST_BASE = """
[base.overrides]
n_firms = 40
"time.spinup_years" = 2
"""

#: The done-when sweep: 2 parameters on a 2 x 3 grid (2 levels of the review hazard, 3 of
#: India's statutory corporate tax rate, a per-country field) x 4 replications = 24 runs.
SPEC_24 = f"""
name = "two_by_three"
seed = 20240501
replications = 4
end_year = 2004
outputs = ["market_acv_usd_bn", "tcv_signed_usd_bn", "share_offshore", "n_vendors",
           "outsourcing_rate"]
{FAST_BASE}
[design]
kind = "factorial"

[[parameters]]
name = "review_hazard"
values = [0.01, 0.05]

[[parameters]]
name = "countries.tax_rate_overrides.IND"
range = [0.10, 0.30]
levels = 3
"""


def write(path: Path, text: str) -> Path:
    """Write a spec file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


def in_process_sweep(spec: Path, out: Path) -> pd.DataFrame:
    """Run a spec in-process (the reference numbers); its sorted time series."""
    from experiments.runner import SweepOptions, run_sweep
    from experiments.storage import load_sweep

    outcome = run_sweep(spec, SweepOptions(out=out, executor="in-process", quiet=True))
    assert outcome.exit_status == 0 and outcome.ok == outcome.planned
    return sorted_ts(load_sweep(out).timeseries)


def raw_runs(sweep_dir: Path) -> pd.DataFrame:
    """Every record of the runs table as stored on disk (no de-duplication)."""
    parts = sorted((Path(sweep_dir) / "runs").glob("part-*.parquet"))
    return pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)


def raw_timeseries(sweep_dir: Path) -> pd.DataFrame:
    """Every row of the time-series table as stored on disk."""
    parts = sorted((Path(sweep_dir) / "timeseries").glob("part-*.parquet"))
    return pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)


def sorted_ts(df: pd.DataFrame) -> pd.DataFrame:
    """Time series sorted by run, year, quarter (for exact comparisons)."""
    return df.sort_values(["run_id", "year", "quarter"]).reset_index(drop=True)


def popen_cli(args, env=None, **kw) -> subprocess.Popen:
    """Start ``bposim ARGS`` in its own session (so the test can signal it), with SIGINT's
    default disposition (``conftest.default_sigint``)."""
    return subprocess.Popen(bposim_exe() + [str(a) for a in args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=env, cwd=ROOT, preexec_fn=default_sigint, **kw)


def wait_for_parts(sweep_dir: Path, n: int, proc: subprocess.Popen, timeout: float = 120
                   ) -> int:
    """Wait until at least ``n`` runs parts are stored; returns how many there are."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        parts = list((Path(sweep_dir) / "runs").glob("part-*.parquet"))
        if len(parts) >= n:
            return len(parts)
        if proc.poll() is not None:
            raise AssertionError(f"sweep ended early: {proc.returncode} "
                                 f"{proc.stderr.read()}")
        time.sleep(0.02)
    raise AssertionError(f"no {n} parts stored within {timeout} s")


def fault_env(faults: dict, tmp: Path) -> dict:
    """Environment whose Python processes inject faults into the model.

    ``faults`` maps a ``review_hazard`` value to ``"raise"`` (the run raises) or
    ``"exit"`` (the run kills its worker process), in the run's 4th quarter. A
    ``sitecustomize.py`` on PYTHONPATH patches ``BPOModel._advance_quarter`` in every
    process of the sweep (coordinator, fork server, pool workers); nothing in bposim
    knows about it.
    """
    return sitecustomize_env(tmp / "fault", f'''
import os
from simulation.model import BPOModel
_FAULTS = {faults!r}
_orig = BPOModel._advance_quarter
def _faulty(self):
    mode = _FAULTS.get(self.scenario_config.decision.review_hazard)
    if self.t == 3 and mode == "exit":
        os._exit(9)
    if self.t == 3 and mode == "raise":
        raise ValueError("injected fault for the test")
    return _orig(self)
BPOModel._advance_quarter = _faulty
''')


def sitecustomize_env(folder: Path, code: str) -> dict:
    """Environment whose Python processes run ``code`` at start-up: it is written as
    ``folder/sitecustomize.py``, and ``folder`` is put first on PYTHONPATH."""
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(code)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                                           else []))
    return env


def run_cli_env(args, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``bposim ARGS`` with an environment; returns CompletedProcess (text)."""
    return subprocess.run(bposim_exe() + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)


#: A 3 x 3 grid x 2 replications = 18 runs, longer (to 2010) for the crash tests.
SPEC_18 = SPEC_24.replace('name = "two_by_three"', 'name = "three_by_three"').replace(
    "end_year = 2004", "end_year = 2010").replace("values = [0.01, 0.05]",
                                                  "values = [0.01, 0.03, 0.05]").replace(
    "replications = 4", "replications = 2")


def signal_at_rename_env(tmp: Path, name: str, how: str) -> dict:
    """Environment whose bposim process signals itself when it renames a file or folder
    into place as ``name`` (``os.replace(src, .../name)``), the commit of a write.

    ``how``: ``"kill"`` sends SIGKILL just before the rename (it never happens);
    ``"interrupt"`` sends SIGINT just after it (Ctrl-C landing on the rename). Only the
    first such rename is hit. A ``sitecustomize.py`` on PYTHONPATH patches ``os.replace``.
    """
    return sitecustomize_env(tmp / f"signal-{how}", f'''
import os
import signal
_orig = os.replace
_hit = []
def _replace(src, dst, *args, **kw):
    first = os.path.basename(os.fspath(dst)) == {name!r} and not _hit
    if first:
        _hit.append(1)
    if first and {how!r} == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    result = _orig(src, dst, *args, **kw)
    if first and {how!r} == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)
    return result
os.replace = _replace
''')


def slow_env(tmp: Path, seconds_per_quarter: float) -> dict:
    """Environment whose model sleeps ``seconds_per_quarter`` in every quarter (so that a
    test can act while a run is in progress). A ``sitecustomize.py`` on PYTHONPATH patches
    ``BPOModel._advance_quarter`` in every process of the command."""
    return sitecustomize_env(tmp / "slow", f'''
import time
from simulation.model import BPOModel
_orig = BPOModel._advance_quarter
def _slow(self):
    time.sleep({seconds_per_quarter!r})
    return _orig(self)
BPOModel._advance_quarter = _slow
''')
