"""Moments of the market-size series, for calibration by simulated method of moments.

The published series (Statista 189788, 2000-2017) is the total contract value (TCV) of
outsourcing contracts awarded per year, so the model side is ``tcv_signed_usd_bn``
(annual sums), never ACV or revenue. The moments, all computed on years up to 2017 only:

======================  ========================================================  ========
moment                  definition                                                scale
======================  ========================================================  ========
``level_YYYY``          log TCV in year YYYY (18 moments, 2000-2017)              0.15
``growth_mean``         mean of the annual log growth rates 2000-2017            0.02
``growth_sd``           standard deviation of those growth rates                 0.04
``change_2017``         TCV 2017 - TCV 2016, USD bn (published: +12.0)            10.0
``bpo_share_2015``      BPO share of TCV in 2015 (published 25.4 / 88.9)          0.05
======================  ========================================================  ========

The distance of a moment is ``(simulated - published) / scale``; scales are modelling
choices (the size of a discrepancy we consider as bad as one unit of another), stated here
and in ``docs/calibration.md``. Simulated moments are means over replications; the level
and growth moments use the log of the replication-mean TCV.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.world import published_market_size

FIT_YEARS = tuple(range(2000, 2018))
SCALES = {"level": 0.15, "growth_mean": 0.02, "growth_sd": 0.04, "change_2017": 10.0,
          "bpo_share_2015": 0.05}


def data_moments() -> dict[str, float]:
    """Moments of the published series (years 2000-2017)."""
    pub = published_market_size().set_index("year")
    tcv = pub.loc[list(FIT_YEARS), "value_usd_bn"].to_numpy(float)
    row = pub.loc[2015]
    return _moments(tcv, bpo_share_2015=float(row["bpo_usd_bn"] / row["value_usd_bn"]))


def _moments(tcv: np.ndarray, bpo_share_2015: float) -> dict[str, float]:
    out = {f"level_{y}": float(np.log(v)) for y, v in zip(FIT_YEARS, tcv)}
    g = np.diff(np.log(tcv))
    out["growth_mean"] = float(g.mean())
    out["growth_sd"] = float(g.std(ddof=1))
    out["change_2017"] = float(tcv[-1] - tcv[-2])
    out["bpo_share_2015"] = bpo_share_2015
    return out


def simulated_moments(annuals: list[pd.DataFrame]) -> dict[str, float]:
    """Moments of the model, from the annual tables of several replications.

    Parameters
    ----------
    annuals : list of DataFrame
        Annual outputs (``year``, ``tcv_signed_usd_bn``, ``tcv_signed_bpo_usd_bn``) covering
        2000-2017, one per replication.

    Raises
    ------
    ValueError
        If a table does not cover 2000-2017.
    """
    tcv = []
    bpo = []
    for a in annuals:
        a = a.set_index("year")
        missing = [y for y in FIT_YEARS if y not in a.index]
        if missing:
            raise ValueError(f"annual table lacks years {missing[:3]}...")
        tcv.append(a.loc[list(FIT_YEARS), "tcv_signed_usd_bn"].to_numpy(float))
        bpo.append(float(a.loc[2015, "tcv_signed_bpo_usd_bn"]))
    mean_tcv = np.maximum(np.mean(tcv, axis=0), 1e-9)
    tot2015 = float(np.mean([t[FIT_YEARS.index(2015)] for t in tcv]))
    share = float(np.mean(bpo)) / tot2015 if tot2015 > 0 else 0.0
    return _moments(mean_tcv, bpo_share_2015=share)


def distance_vector(sim: dict[str, float], data: dict[str, float]) -> np.ndarray:
    """Scaled moment distances, shape ``(n_moments,)`` in the order of ``data``."""
    out = []
    for k, v in data.items():
        scale = SCALES["level"] if k.startswith("level_") else SCALES[k]
        out.append((sim[k] - v) / scale)
    return np.array(out)


def objective(sim: dict[str, float], data: dict[str, float]) -> float:
    """SMM objective: mean of squared scaled distances (the level block is weighted as one
    moment in total, so the 18 levels do not drown the other four)."""
    d = distance_vector(sim, data)
    keys = list(data)
    lvl = np.array([k.startswith("level_") for k in keys])
    return float(np.mean(d[lvl] ** 2) + np.sum(d[~lvl] ** 2)) / (1 + (~lvl).sum())
