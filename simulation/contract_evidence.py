"""Early terminations and back-sourcing of the model beside published survey figures.

The published figures are package data (``simulation/data/contract_evidence.csv``, sources
in ``SOURCES.md``): Deloitte's 2012 Global Outsourcing and Insourcing Survey, Dun &
Bradstreet's 2000 Barometer of Global Outsourcing and Deloitte's 2005 "Calling a Change in
the Outsourcing Market". :func:`contract_measures` computes the model's nearest measures
from a quarterly output table, :func:`state_measures` those read from a model's state, and
:func:`compare_with_evidence` puts them side by side.

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
firm_share_early_terminated             :func:`state_measures`: firms that ever
                                        outsourced with at least one early termination
firm_share_backsourced                  ... that ever took work back in-house
contract_share_no_saving                :func:`state_measures`: active contracts whose
                                        realised cost >= today's in-house cost
======================================  ==============================================

The surveys count respondents (firms) over their experience; the model counts simulated
contracts. The comparisons are of orders of magnitude and of the ranking of causes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from agents.firms import MODE_VENDOR
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


def state_measures(model) -> dict[str, float]:
    """Measures read from a model's state at the end of its run (run it to the survey year).

    - ``firm_share_early_terminated``: among the firms that have ever outsourced
      (experience > 0), the share with at least one early termination since the spin-up
      start (the cumulative counter ``firms.n_early_term``; Deloitte 2012: 48 % of
      respondents);
    - ``firm_share_backsourced``: ... the share that has taken work back in-house at least
      once (``firms.n_backsourced``; Deloitte 2005: 25 % of participants);
    - ``contract_share_no_saving``: the share of active vendor contracts whose realised
      all-in annual cost (at signing) is at least what their work would cost in-house
      today (:meth:`agents.firms.Firms.inhouse_cost_now`), the comparison of the
      poor-value rule without its tolerance (Deloitte 2005:
      44 % of participants saw no cost savings).

    The surveys ask about a respondent's whole experience; the model counts from the start
    of its spin-up, when all firms are in-house, so the windows are alike in kind, not in
    length. A simulated firm runs every process, so it holds many more contracts than a
    survey respondent reports on; firm shares are upper bounds for that reason.
    """
    firms = model.firms
    ever = firms.experience > 0
    out = {"firm_share_early_terminated": float("nan"), "firm_share_backsourced": float("nan"),
           "contract_share_no_saving": float("nan")}
    if ever.any():
        out["firm_share_early_terminated"] = float((firms.n_early_term[ever] > 0).mean())
        out["firm_share_backsourced"] = float((firms.n_backsourced[ever] > 0).mean())
    vi = np.flatnonzero(firms.mode == MODE_VENDOR)
    if len(vi):
        inhouse = firms.inhouse_cost_now(vi, model.context.year_index)  # poor-value benchmark
        out["contract_share_no_saving"] = float((firms.true_cost[vi] >= inhouse).mean())
    return out


def sampling_interval(ev: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """95 % interval of each published figure: the reported range widened by the survey's
    sampling error where its base is known (``n_base``): ``p +/- 1.96 sqrt(p (1 - p) / n)``
    (normal approximation to the binomial), clipped to [0, 1]."""
    p_lo, p_hi = ev["value_low"].astype(float), ev["value_high"].astype(float)
    n = pd.to_numeric(ev["n_base"], errors="coerce")
    half_lo = (1.96 * np.sqrt(p_lo * (1 - p_lo) / n)).fillna(0.0)
    half_hi = (1.96 * np.sqrt(p_hi * (1 - p_hi) / n)).fillna(0.0)
    return (p_lo - half_lo).clip(0, 1), (p_hi + half_hi).clip(0, 1)


def compare_with_evidence(measures: dict[str, float]) -> pd.DataFrame:
    """The published figures beside the model's measures.

    Parameters
    ----------
    measures : dict
        From :func:`contract_measures` and :func:`state_measures` (measures it lacks are
        shown as NaN).

    Returns
    -------
    DataFrame
        One row per published figure: ``source_id``, ``metric``, ``value_low``,
        ``value_high``, ``interval_low``, ``interval_high`` (:func:`sampling_interval`),
        ``model_measure``, ``model_value`` and ``within`` (the model value lies in the
        interval; for the quality-of-service figure, whether poor value is the largest of
        the three causes, since respondents could name several reasons).
    """
    ev = load_contract_evidence()
    vals = ev["model_measure"].map(lambda m: measures.get(m, float("nan"))).astype(float)
    lo, hi = sampling_interval(ev)
    within = (vals >= lo) & (vals <= hi)
    causes = [measures.get(f"{c}_share_of_early_terminations", float("nan"))
              for c in ("poor_value", "breach", "vendor_exit")]
    largest = bool(np.isfinite(causes[0]) and causes[0] >= max(causes))
    is_quality = ev["model_measure"] == "poor_value_share_of_early_terminations"
    within = within.where(~is_quality, largest)
    return pd.DataFrame({"source_id": ev["source_id"], "metric": ev["metric"],
                         "value_low": ev["value_low"], "value_high": ev["value_high"],
                         "interval_low": lo, "interval_high": hi,
                         "model_measure": ev["model_measure"], "model_value": vals,
                         "within": within.astype(bool)})


def measure(config=None, seeds=range(1, 6), n_firms: int = 2000, first_year: int = 2001,
            survey_year: int = 2012, **overrides) -> pd.DataFrame:
    """Run the model with several seeds to ``survey_year`` and compare it with the evidence.

    Parameters
    ----------
    config : Scenario, str, Path or None
        The scenario (None: the default).
    seeds : iterable of int
    n_firms : int
    first_year, survey_year : int
        Years of the flow measures (:func:`contract_measures`); the state measures
        (:func:`state_measures`) are read at the end of ``survey_year``.
    **overrides
        Scenario fields by flat name.

    Returns
    -------
    DataFrame
        :func:`compare_with_evidence` of the mean measures over the seeds, with their
        standard deviation across seeds (``model_sd``).
    """
    from simulation.model import BPOModel

    rows = []
    for seed in seeds:
        m = BPOModel(config, n_firms=n_firms, end_year=survey_year, rng=seed, **overrides)
        m.run_for(m.n_quarters)
        rows.append(contract_measures(m.quarterly(), first_year, survey_year)
                    | state_measures(m))
    df = pd.DataFrame(rows)
    out = compare_with_evidence(df.mean().to_dict())
    out["model_sd"] = out["model_measure"].map(df.std(ddof=1).to_dict())
    extra = [c for c in df.columns if c not in set(out["model_measure"])]
    tail = pd.DataFrame({"source_id": "model", "metric": extra, "model_measure": extra,
                         "model_value": df[extra].mean().to_numpy(),
                         "model_sd": df[extra].std(ddof=1).to_numpy()})
    return pd.concat([out, tail], ignore_index=True)


def main(argv=None) -> None:
    """``python -m simulation.contract_evidence [--config FILE] [--seeds N] [--firms N]``:
    print the model's contract measures beside the published figures."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m simulation.contract_evidence",
                                 description=main.__doc__.splitlines()[1].strip())
    ap.add_argument("--config", default=None, help="scenario TOML (default: the default)")
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..N (default 5)")
    ap.add_argument("--firms", type=int, default=2000, help="simulated firms (default 2000)")
    a = ap.parse_args(argv)
    df = measure(a.config, range(1, a.seeds + 1), a.firms)
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.precision", 3):
        print(df.drop(columns=["value_high"]).to_string(index=False))


if __name__ == "__main__":
    main()
