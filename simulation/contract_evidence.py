"""Early terminations and back-sourcing of the model beside published survey figures.

The published figures are package data (``simulation/data/contract_evidence.csv``, sources
in ``SOURCES.md``): Deloitte's 2012 Global Outsourcing and Insourcing Survey, Dun &
Bradstreet's 2000 Barometer of Global Outsourcing and Deloitte's 2005 "Calling a Change in
the Outsourcing Market". :func:`contract_measures` computes the model's nearest measures
from a quarterly output table, :func:`compare_with_evidence` puts them side by side.

Measures (names are the ``model_measure`` column of the evidence file):

======================================  ==============================================
measure                                 definition (over the years asked for)
======================================  ==============================================
early_termination_share_two_years       mean over consecutive two-year windows of early
                                        terminations in the window / (contracts active
                                        at the window's start + contracts signed in it)
backsourced_share_of_early_terminations n_backsourced_after_early_term / n_terminations
poor_value_share_of_early_terminations  n_early_term_poor_value / n_terminations
breach_share_of_early_terminations      n_early_term_breach / n_terminations
vendor_exit_share_of_early_terminations n_early_term_vendor_exit / n_terminations
early_share_of_contract_endings         n_terminations / (contracts ended), from the
                                        cumulative ended count
======================================  ==============================================

The surveys count respondents (firms) over their experience; the model counts simulated
contracts. The comparisons are of orders of magnitude and of the ranking of causes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from simulation.world import DATA_DIR

#: Quarterly columns the measures need.
REQUIRED_COLUMNS = ("year", "n_terminations", "n_early_term_poor_value", "n_early_term_breach",
                    "n_early_term_vendor_exit", "n_backsourced_after_early_term",
                    "n_contracts_active", "n_contracts_signed_cum", "n_contracts_ended_cum")


@lru_cache(maxsize=None)
def _evidence() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "contract_evidence.csv")


def load_contract_evidence() -> pd.DataFrame:
    """The published figures (``contract_evidence.csv``), one row per figure."""
    return _evidence().copy()


def contract_measures(quarterly: pd.DataFrame, first_year: int | None = None,
                      last_year: int | None = None) -> dict[str, float]:
    """The model's measures of contract dynamics (see the module docstring).

    Parameters
    ----------
    quarterly : DataFrame
        Quarterly outputs of one run (``BPOModel.quarterly()`` or ``quarterly.csv``), with
        the columns of :data:`REQUIRED_COLUMNS`.
    first_year, last_year : int, optional
        Years measured (default: the whole table; the first two-year window starts in the
        year after the table's first year, so that contracts active at its start are known).

    Returns
    -------
    dict
        Measure name -> value (NaN where there is nothing to divide by).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in quarterly.columns]
    if missing:
        raise KeyError("contract_measures: missing columns " + ", ".join(missing))
    q = quarterly.reset_index(drop=True)
    y0 = int(q["year"].min()) if first_year is None else int(first_year)
    y1 = int(q["year"].max()) if last_year is None else int(last_year)
    sel = q[(q["year"] >= y0) & (q["year"] <= y1)]
    et = float(sel["n_terminations"].sum())

    def share(col: str) -> float:
        return float(sel[col].sum()) / et if et > 0 else float("nan")

    ended = sel["n_contracts_ended_cum"]
    before = q.index[q["year"] < y0]
    ended0 = float(q.loc[before[-1], "n_contracts_ended_cum"]) if len(before) else 0.0
    n_ended = float(ended.iloc[-1]) - ended0 if len(sel) else 0.0
    return {
        "early_termination_share_two_years": _two_year_share(q, y0, y1),
        "backsourced_share_of_early_terminations": share("n_backsourced_after_early_term"),
        "poor_value_share_of_early_terminations": share("n_early_term_poor_value"),
        "breach_share_of_early_terminations": share("n_early_term_breach"),
        "vendor_exit_share_of_early_terminations": share("n_early_term_vendor_exit"),
        "early_share_of_contract_endings": et / n_ended if n_ended > 0 else float("nan"),
    }


def _two_year_share(q: pd.DataFrame, y0: int, y1: int) -> float:
    """Mean share of contracts at risk that end early in consecutive two-year windows."""
    shares = []
    start = max(y0, int(q["year"].min()) + 1)
    for w0 in range(start, y1, 2):
        prev = q.index[q["year"] < w0]
        win = q[(q["year"] >= w0) & (q["year"] < w0 + 2)]
        if not len(prev) or win["year"].nunique() < 2:
            continue
        last = prev[-1]
        at_risk = float(q.loc[last, "n_contracts_active"]) + float(
            win["n_contracts_signed_cum"].iloc[-1] - q.loc[last, "n_contracts_signed_cum"])
        if at_risk > 0:
            shares.append(float(win["n_terminations"].sum()) / at_risk)
    return float(np.mean(shares)) if shares else float("nan")


def compare_with_evidence(measures: dict[str, float]) -> pd.DataFrame:
    """The published figures beside the model's measures.

    Parameters
    ----------
    measures : dict
        From :func:`contract_measures` (measures it lacks are shown as NaN).

    Returns
    -------
    DataFrame
        One row per published figure: ``source_id``, ``metric``, ``value_low``,
        ``value_high``, ``model_measure``, ``model_value`` and ``within`` (the model value
        lies in [value_low, value_high]; for the quality-of-service figure, whether poor
        value is the largest of the three causes, since respondents could name several
        reasons).
    """
    ev = load_contract_evidence()
    vals = ev["model_measure"].map(lambda m: measures.get(m, float("nan"))).astype(float)
    within = (vals >= ev["value_low"]) & (vals <= ev["value_high"])
    causes = [measures.get(f"{c}_share_of_early_terminations", float("nan"))
              for c in ("poor_value", "breach", "vendor_exit")]
    largest = bool(np.isfinite(causes[0]) and causes[0] >= max(causes))
    is_quality = ev["model_measure"] == "poor_value_share_of_early_terminations"
    within = within.where(~is_quality, largest)
    return pd.DataFrame({"source_id": ev["source_id"], "metric": ev["metric"],
                         "value_low": ev["value_low"], "value_high": ev["value_high"],
                         "model_measure": ev["model_measure"], "model_value": vals,
                         "within": within.astype(bool)})
