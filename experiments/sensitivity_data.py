"""Sensitivity from the data of any design: extra-trees feature scores for every sweep, and
SALib's given-data analysers for a Latin hypercube.

Sobol' and Morris indices need their own samples (:mod:`experiments.sensitivity`). The
methods here work on the design points a sweep already has, one response per point
(replications averaged):

- ``extra_trees`` (index ``feature_score``), every design: the impurity-based importance
  of each input in an ensemble of extremely randomised regression trees (Geurts, Ernst &
  Wehenkel 2006, Machine Learning 63), the feature scoring of EMA Workbench
  (:func:`ema_workbench.analysis.feature_scoring.get_ex_feature_scores`; settings after
  Jaxa-Rozen & Kwakkel 2018, Environmental Modelling & Software 107). The scores sum to 1
  and rank inputs by their whole effect, interactions included; they have no confidence
  interval. Needs the ``explore`` extra.
- ``rbd_fast`` (index ``S1``), Latin hypercube designs: the first-order Sobol' index
  estimated from any sample by random balance designs (Tarantola, Gatelli & Mara 2006,
  Reliability Engineering & System Safety 91; Plischke 2010, RESS 95), with a bootstrap
  confidence interval, :func:`SALib.analyze.rbd_fast.analyze`.
- ``pawn`` (indices ``median``, and ``minimum``, ``mean``, ``maximum``, ``CV``), Latin
  hypercube designs: the Kolmogorov-Smirnov distance between the output's unconditional
  distribution and its distributions within slices of an input, summarised over the
  slices (Pianosi & Wagener 2015, EMS 67; 2018, EMS 108), :func:`SALib.analyze.pawn.
  analyze`. Moment-independent: it sees effects on the whole distribution.

SALib's delta (Borgonovo 2007) is left out: its 1.6 implementation took 90 s on 500
points and 3 inputs on a reference machine, where the two above take a fraction of a
second.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from experiments.plan import Plan, encode

#: Fewest design points for the given-data analysers: RBD-FAST reads M = 10 harmonics of
#: the reordered output and its bias correction divides by 1 - 2M/N, on half the points
#: in its bootstrap (so it needs N > 4M = 40); PAWN splits each input in 10 slices.
GIVEN_DATA_MIN_POINTS = 50
#: PAWN's summary statistics of the KS distances over the slices.
PAWN_INDICES = ("median", "minimum", "mean", "maximum", "CV")


def point_inputs(plan: Plan) -> pd.DataFrame:
    """The parameters of every design point (rows = points, spec order); tables and lists
    as their JSON text, as stored."""
    rows = [{n: encode(v) if n in plan.encodings else v for n, v in pt.items()}
            for pt in plan.design.points]
    return pd.DataFrame(rows, columns=plan.names)


def _numeric(x: pd.DataFrame) -> np.ndarray:
    """Inputs as numbers for SALib: numbers as they are, true/false as 1/0, anything else
    as the index of its value in sorted order."""
    cols = []
    for c in x.columns:
        s = x[c]
        if s.dtype == bool:
            cols.append(s.astype(float).to_numpy())
        elif pd.api.types.is_numeric_dtype(s):
            cols.append(s.to_numpy(dtype=float))
        else:
            cols.append(s.astype("category").cat.codes.to_numpy(dtype=float))
    return np.column_stack(cols)


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int) -> pd.Series:
    """Extra-trees feature scores of each input (EMA Workbench's settings: 100 trees, a
    third of the inputs per split, at least one of them).

    Returns
    -------
    Series
        Score per input, in the order of ``x``'s columns; they sum to 1.

    Raises
    ------
    ImportError
        If the ``explore`` extra (ema_workbench, scikit-learn) is not installed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA's optional packages; out-of-bag estimates
        from ema_workbench.analysis.feature_scoring import (RuleInductionType,
                                                            get_ex_feature_scores)

        scores, _ = get_ex_feature_scores(
            x, np.asarray(y, dtype=float), mode=RuleInductionType.REGRESSION,
            max_features=max(1, round(x.shape[1] / 3)), random_state=seed)
    return scores.iloc[:, 0].reindex(list(x.columns))


def given_data_indices(x: pd.DataFrame, y: np.ndarray, rng: np.random.Generator,
                       conf_level: float, resamples: int) -> dict[str, dict]:
    """RBD-FAST and PAWN indices of each input from a Latin-hypercube sample.

    Returns
    -------
    dict
        ``{"rbd_fast": {"S1": array, "S1_conf": array}, "pawn": {"median": array, ...}}``,
        arrays in the order of ``x``'s columns.
    """
    from SALib.analyze import pawn, rbd_fast

    names = list(x.columns)
    xs = _numeric(x)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[float(c.min()), float(c.max())] for c in xs.T]}
    y = np.asarray(y, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rbd = rbd_fast.analyze(problem, xs, y, num_resamples=resamples,
                               conf_level=conf_level, seed=rng)
        pw = pawn.analyze(problem, xs, y, seed=int(rng.integers(2 ** 31)))
    return {"rbd_fast": {"S1": np.asarray(rbd["S1"]), "S1_conf": np.asarray(rbd["S1_conf"])},
            "pawn": {k: np.asarray(pw[k]) for k in PAWN_INDICES}}


__all__ = ["feature_scores", "given_data_indices", "point_inputs", "GIVEN_DATA_MIN_POINTS",
           "PAWN_INDICES"]
