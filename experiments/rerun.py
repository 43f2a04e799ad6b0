"""Re-create one run of a sweep exactly (``bposim run --from-sweep DIR --run-id ID``).

The run's scenario is rebuilt from the sweep's stored base scenario and the run's
parameters (checked against the stored scenario hash), and its seed from the stored
entropy and spawn key. The command simulates it as a normal ``bposim run`` (results folder
with CSV, Parquet, figure and manifest) and :func:`compare` checks its quarterly outputs
against the time series stored in the sweep, exactly (bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import storage
from experiments.parameters import resolve, scenario_with
from experiments.plan import decode
from simulation.config import Scenario, load_scenario
from simulation.run import make_seed


class RerunError(ValueError):
    """The run cannot be re-created (one line)."""


@dataclass
class StoredRun:
    """A planned run of a sweep, re-created.

    Attributes
    ----------
    run_id : int
    scenario : Scenario
    seed : numpy.random.SeedSequence
    record : dict or None
        The stored runs-table record (None if the run has not been stored).
    timeseries : DataFrame
        Its stored time series (empty unless its status is ``ok``).
    outputs : list of str
    """

    run_id: int
    scenario: Scenario
    seed: np.random.SeedSequence
    record: dict | None
    timeseries: pd.DataFrame
    outputs: list[str]


def load_run(sweep_dir: str | Path, run_id: int) -> StoredRun:
    """Re-create a planned run of a sweep folder.

    Raises
    ------
    RerunError
        Not a sweep folder, one of another storage format, unknown run id, or the rebuilt
        scenario does not match the stored scenario hash (the sweep was made with a
        different bposim version).
    simulation.faults.DamagedFolder
        A file of the sweep folder is missing or damaged.
    """
    sweep_dir = Path(sweep_dir)
    if not (sweep_dir / storage.MANIFEST).is_file():
        raise RerunError(f"--from-sweep: {sweep_dir} is not a bposim sweep folder (no "
                         f"{storage.MANIFEST})")
    try:
        storage.check_format(sweep_dir)
    except storage.SweepFormatError as err:
        raise RerunError(f"--from-sweep: {err}") from None
    manifest = storage.read_manifest(sweep_dir)
    plan = storage.read_table(sweep_dir / storage.PLAN).to_pandas()
    rows = plan[plan["run_id"] == run_id]
    if rows.empty:
        raise RerunError(f"--run-id: no run {run_id} in {sweep_dir} (run ids "
                         f"{plan['run_id'].min()}-{plan['run_id'].max()})")
    row = rows.iloc[0]
    base = load_scenario(sweep_dir / storage.BASE_SCENARIO)
    enc = manifest.get("encodings", {})
    assign = {}
    for name in manifest["parameters"]:
        value = row[name]
        value = decode(value) if name in enc else value.item() if hasattr(value, "item") \
            else value
        assign[resolve(name)] = value
    scenario = scenario_with(base, assign)
    if scenario.config_hash() != row["scenario_hash"]:
        raise RerunError(f"--run-id: the scenario of run {run_id} rebuilt from {sweep_dir} "
                         "does not match its stored hash (made with another bposim "
                         "version?)")
    seed = make_seed(row["seed_entropy"], list(row["spawn_key"]))
    data = storage.load_sweep(sweep_dir)
    rec = data.runs[data.runs["run_id"] == run_id]
    record = rec.iloc[0].to_dict() if len(rec) else None
    ts = data.timeseries[data.timeseries["run_id"] == run_id].reset_index(drop=True)
    return StoredRun(run_id=run_id, scenario=scenario, seed=seed, record=record,
                     timeseries=ts, outputs=list(manifest["outputs"]))


def compare(stored: StoredRun, quarterly: pd.DataFrame) -> tuple[bool, str]:
    """Compare a re-run's quarterly table with the stored time series, exactly.

    Returns
    -------
    identical : bool
    message : str
    """
    if stored.record is None or stored.record["status"] != "ok":
        status = "not stored" if stored.record is None else \
            f"{stored.record['status']} ({stored.record['error']})"
        return False, f"run {stored.run_id} in the sweep: {status}; nothing to compare"
    cols = ["year", "quarter", *stored.outputs]
    new = quarterly[cols].reset_index(drop=True)
    old = stored.timeseries[cols].reset_index(drop=True)
    if new.shape != old.shape:
        return False, (f"run {stored.run_id}: DIFFERS from the stored time series "
                       f"({new.shape[0]} vs {old.shape[0]} quarters)")
    diff = [c for c in cols if not np.array_equal(new[c].to_numpy(), old[c].to_numpy(),
                                                  equal_nan=True)]
    if diff:
        worst = max(float(np.nanmax(np.abs(new[c].to_numpy(float) - old[c].to_numpy(float))))
                    for c in diff)
        return False, (f"run {stored.run_id}: DIFFERS from the stored time series in "
                       f"{', '.join(diff)} (max abs difference {worst:.3g})")
    return True, (f"run {stored.run_id}: reproduces the stored time series exactly "
                  f"({len(new)} quarters x {len(stored.outputs)} outputs, bit for bit)")


__all__ = ["load_run", "compare", "StoredRun", "RerunError"]
