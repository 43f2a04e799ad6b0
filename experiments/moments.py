"""Moments of the market-size series, for calibration by simulated method of moments.

The published series (Statista 189788, 2000-2017) is the total contract value (TCV) of
outsourcing contracts awarded per year, so the model side is the column
:data:`SERIES_COLUMN` of the annual outputs (annual sums; ``tcv_index_usd_bn``: the TCV of the contracts the deal index counts,
:func:`simulation.mechanisms.counted_in_deal_index`),
never ACV or revenue; its BPO part is :data:`SERIES_BPO_COLUMN`. The moments, computed on
the years of the fit window only (default 2000-2017, the whole published series; a
calibration spec's ``fit_years`` may shorten it):

======================  ========================================================  ========
moment                  definition                                                scale
======================  ========================================================  ========
``level_YYYY``          log TCV in year YYYY (one per year of the window)         0.15
``growth_mean``         mean of the annual log growth rates over the window       0.02
``growth_sd``           standard deviation of those growth rates                  0.04
``change_2017``         TCV 2017 - TCV 2016, USD bn (published: +12.0); only if   10.0
                        2016 and 2017 are in the window
``bpo_share_2015``      BPO share of TCV in 2015 (published 25.4 / 88.9); only    0.05
                        if 2015 is in the window
======================  ========================================================  ========

The distance of a moment is ``(simulated - published) / scale``; scales are modelling
choices (the size of a discrepancy we consider as bad as one unit of another), stated here
and in ``docs/calibration.md``. A simulated moment is the mean over replications of that
moment of each replication (the same function of one replication's series as of the
published series): the levels are means of log TCV, whose exponential is close to the
median over replications that ``bposim reproduce`` sets beside the data (the TCV of one
run is right-skewed: the largest firms' deals), and each moment is an average of
independent draws, as the standard errors' ``(1 + 1/R)`` factor assumes (issue #13; the
first calibrations used the log of the replication-mean TCV).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulation.world import published_market_size

#: The model's output compared with the published TCV series (USD bn per year). A
#: one-line change switches calibration and reproduction to another output.
SERIES_COLUMN = "tcv_index_usd_bn"
#: Its BPO part (USD bn per year): every process but IT services.
SERIES_BPO_COLUMN = "tcv_index_bpo_usd_bn"

#: Every year of the published series (the default fit window).
FIT_YEARS = tuple(range(2000, 2018))
#: Fewest years in a fit window (growth moments need a few growth rates).
MIN_FIT_YEARS = 6
SCALES = {"level": 0.15, "growth_mean": 0.02, "growth_sd": 0.04, "change_2017": 10.0,
          "bpo_share_2015": 0.05}


def fit_window(first: int, last: int) -> tuple[int, ...]:
    """The years ``first..last`` of a fit window, checked.

    Raises
    ------
    ValueError
        If the window leaves 2000-2017, is not increasing, or has fewer than
        :data:`MIN_FIT_YEARS` years (the message names neither field: callers prefix it).
    """
    lo, hi = min(FIT_YEARS), max(FIT_YEARS)
    if not (lo <= first <= hi and lo <= last <= hi):
        raise ValueError(f"must lie within {lo}-{hi} (the published series), got "
                         f"[{first}, {last}]")
    if not first < last:
        raise ValueError(f"first year must be before the last, got [{first}, {last}]")
    if last - first + 1 < MIN_FIT_YEARS:
        raise ValueError(f"needs at least {MIN_FIT_YEARS} years, got {last - first + 1} "
                         f"([{first}, {last}])")
    return tuple(range(first, last + 1))


def data_moments(years: Sequence[int] = FIT_YEARS) -> dict[str, float]:
    """Moments of the published series over the fit window ``years``."""
    pub = published_market_size().set_index("year")
    tcv = pub.loc[list(years), "value_usd_bn"].to_numpy(float)
    row = pub.loc[2015]
    return _moments(tcv, tuple(years),
                    bpo_share_2015=float(row["bpo_usd_bn"] / row["value_usd_bn"]))


def _moments(tcv: np.ndarray, years: tuple[int, ...],
             bpo_share_2015: float) -> dict[str, float]:
    out = {f"level_{y}": float(np.log(v)) for y, v in zip(years, tcv)}
    g = np.diff(np.log(tcv))
    out["growth_mean"] = float(g.mean())
    out["growth_sd"] = float(g.std(ddof=1))
    if 2016 in years and 2017 in years:
        out["change_2017"] = float(tcv[years.index(2017)] - tcv[years.index(2016)])
    if 2015 in years:
        out["bpo_share_2015"] = bpo_share_2015
    return out


def simulated_moments(annuals: list[pd.DataFrame],
                      years: Sequence[int] = FIT_YEARS) -> dict[str, float]:
    """Moments of the model over the fit window, from the annual tables of replications.

    Parameters
    ----------
    annuals : list of DataFrame
        Annual outputs (``year``, :data:`SERIES_COLUMN`, :data:`SERIES_BPO_COLUMN`; USD bn)
        covering ``years``, one per replication. A list of one table gives the moments of
        that one realisation.
    years : sequence of int
        The fit window (default 2000-2017).

    Raises
    ------
    ValueError
        If a table does not cover ``years``.
    """
    years = tuple(years)
    each = []
    for a in annuals:
        a = a.set_index("year")
        missing = [y for y in years if y not in a.index]
        if missing:
            raise ValueError(f"annual table lacks years {missing[:3]}...")
        tcv = np.maximum(a.loc[list(years), SERIES_COLUMN].to_numpy(float), 1e-9)
        share = 0.0
        if 2015 in years:
            tot = float(a.loc[2015, SERIES_COLUMN])
            share = float(a.loc[2015, SERIES_BPO_COLUMN]) / tot if tot > 1e-9 else 0.0
        each.append(_moments(tcv, years, bpo_share_2015=share))
    return {k: float(np.mean([m[k] for m in each])) for k in each[0]}


def scale(moment: str) -> float:
    """Scale of a moment (its units: log units for levels and growth, USD bn for
    ``change_2017``, a fraction for ``bpo_share_2015``)."""
    return SCALES["level"] if moment.startswith("level_") else SCALES[moment]


def distance_vector(sim: dict[str, float], data: dict[str, float]) -> np.ndarray:
    """Scaled moment distances, shape ``(n_moments,)`` in the order of ``data``."""
    return np.array([(sim[k] - v) / scale(k) for k, v in data.items()])


def objective_weights(keys: Sequence[str]) -> np.ndarray:
    """Weights ``w`` of the squared scaled distances in :func:`objective`, in the order of
    ``keys``: each level ``1 / (n_levels (1 + n_other))``, each other moment
    ``1 / (1 + n_other)``, so that ``objective = sum(w * distance**2)``."""
    lvl = np.array([k.startswith("level_") for k in keys])
    n_other = int((~lvl).sum())
    return np.where(lvl, 1.0 / max(int(lvl.sum()), 1), 1.0) / (1 + n_other)


def weight_matrix(keys: Sequence[str]) -> np.ndarray:
    """The SMM weighting matrix ``W`` of raw (unscaled) moment differences ``d``:
    ``diag(objective_weights / scale**2)``, so that ``objective = d' W d``."""
    return np.diag(objective_weights(keys) / np.array([scale(k) for k in keys]) ** 2)


def objective(sim: dict[str, float], data: dict[str, float]) -> float:
    """SMM objective: mean of squared scaled distances (the level block is weighted as one
    moment in total, so the levels do not drown the other moments)."""
    d = distance_vector(sim, data)
    lvl = np.array([k.startswith("level_") for k in data])
    return float(np.mean(d[lvl] ** 2) + np.sum(d[~lvl] ** 2)) / (1 + (~lvl).sum())
