"""Tables for analysing a loaded sweep: each run's outputs per calendar year, with the
run's design point and parameters alongside.

The sweep's time-series table (:func:`experiments.storage.load_sweep`) has one row per
simulated quarter of each ``ok`` run. Figures of a sweep (heat maps over a parameter grid,
fan charts over replications; :mod:`experiments.figures`) need one value per run and year,
next to the run's parameters: :func:`annual_by_run` builds that table.
"""

from __future__ import annotations

import pandas as pd

from experiments.storage import SweepData
from simulation.collector import FLOW_COLUMNS

KEYS = ("run_id", "year", "quarter")


def yearly(quarterly: pd.DataFrame, outputs: list[str]) -> pd.DataFrame:
    """Quarters to calendar years per run: flows (:data:`FLOW_COLUMNS`) summed, stocks
    (ACV, shares, vendors) the plain mean of the year's quarters.

    Parameters
    ----------
    quarterly : DataFrame
        ``run_id``, ``year`` and the ``outputs``, one row per quarter of each run.
    outputs : list of str

    Returns
    -------
    DataFrame
        ``run_id``, ``year`` and the outputs, one row per run and year.
    """
    if not len(quarterly):
        return pd.DataFrame(columns=["run_id", "year", *outputs])
    agg = {c: ("sum" if c in FLOW_COLUMNS else "mean") for c in outputs}
    return quarterly.groupby(["run_id", "year"], as_index=False).agg(agg)


def annual_by_run(data: SweepData, outputs: list[str] | tuple[str, ...] | None = None
                  ) -> pd.DataFrame:
    """Each ``ok`` run's outputs per calendar year, with its point and parameters.

    Parameters
    ----------
    data : SweepData
        A loaded sweep (:func:`experiments.storage.load_sweep`).
    outputs : sequence of str, optional
        Output columns of the time-series table to keep (default: all of them).

    Returns
    -------
    DataFrame
        One row per run and year: ``run_id``, ``point``, ``replication``, one column per
        swept parameter (named as in the spec; tables and lists as JSON text), ``year``
        and the outputs. Flows (:data:`simulation.collector.FLOW_COLUMNS`: TCV signed,
        breaches, terminations, back-sourcing, reshoring) are summed over the year's
        quarters, i.e. per year (TCV signed in USD bn per year); stocks (ACV in USD bn,
        shares as fractions, vendors) are the mean of the year's quarters. Shares are the
        plain mean of the quarterly shares, the response definition of ``bposim
        sensitivity`` (the annual table of ``bposim run`` weights them by quarterly ACV
        instead; the two differ little when ACV changes little within a year). Sorted by
        ``run_id`` and ``year``.

    Raises
    ------
    KeyError
        If an output is not in the sweep's time-series table (one line naming the kept
        columns).
    """
    ts = data.timeseries
    kept = [c for c in ts.columns if c not in KEYS]
    outputs = list(kept if outputs is None else outputs)
    unknown = [c for c in outputs if c not in kept]
    if unknown:
        raise KeyError(f"outputs: {unknown[0]!r} is not kept by this sweep; kept: "
                       + ", ".join(kept))
    annual = yearly(ts, outputs)
    params = list(data.manifest.get("parameters", {}))
    runs = data.runs.loc[data.runs["status"] == "ok", ["run_id", "point", "replication",
                                                       *params]]
    out = runs.merge(annual, on="run_id", how="inner", validate="one_to_many")
    return out.sort_values(["run_id", "year"], kind="stable").reset_index(drop=True)


__all__ = ["annual_by_run", "yearly"]
