"""Uncertainty of a calibration by simulated method of moments: pure functions.

* :func:`smm_covariance`: the sandwich covariance of an SMM estimator (Gouriéroux &
  Monfort 1996, *Simulation-Based Econometric Methods*, ch. 2; Lee & Ingram 1991, J.
  Econometrics 47, for the factor ``1 + 1/R`` of ``R`` simulated replications per
  evaluation);
* :func:`parameter_table` and :func:`identification_diagnostics`: standard errors, 90 %
  intervals, correlations and local identification (the singular values of the weighted
  Jacobian);
* :func:`draw_parameters`: draws ``theta_r ~ N(theta_hat, V)`` truncated to the bounds
  (the forecast of ``bposim calibrate`` and the band of ``bposim reproduce``);
* :func:`forecast_table`: published values against a predictive band, year by year.

The orchestration (which runs, on which seeds) is in :mod:`experiments.calibration`; see
``docs/calibration.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: Two-sided level of the reported parameter intervals and predictive bands.
INTERVAL = 0.90
#: A parameter whose standard error exceeds this fraction of its bound width is flagged
#: "not identified locally".
SE_FLAG_FRACTION = 0.5


def smm_covariance(D: np.ndarray, W: np.ndarray, Omega: np.ndarray, R: int) -> np.ndarray:
    """Sandwich covariance of an SMM estimate.

    ``V = (1 + 1/R) (D'WD)^-1 D'W Omega W D (D'WD)^-1`` (Gouriéroux & Monfort 1996,
    Prop. 2.1 with a simulated moment averaged over ``R`` replications; Lee & Ingram 1991
    for the factor ``1 + 1/R``: the data moment's variance ``Omega`` plus the simulated
    moment's ``Omega / R``).

    Parameters
    ----------
    D : ndarray, shape (m, p)
        Jacobian of the (replication-mean) simulated moments with respect to the
        parameters, in moment units per parameter unit.
    W : ndarray, shape (m, m)
        Weighting matrix of raw moment differences (objective ``d' W d``).
    Omega : ndarray, shape (m, m)
        Covariance of the moments of one realisation (the data's, estimated from the
        model's replications at the estimate).
    R : int
        Replications averaged in each simulated moment (>= 1).

    Returns
    -------
    ndarray, shape (p, p)
        Covariance of the estimate, in parameter units squared (symmetric).

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``D'WD`` is singular (a direction of the parameters moves no weighted moment:
        not identified locally).
    ValueError
        If the shapes disagree or ``R < 1``.
    """
    D, W, Omega = (np.asarray(a, float) for a in (D, W, Omega))
    m, p = D.shape
    if W.shape != (m, m) or Omega.shape != (m, m):
        raise ValueError(f"shapes disagree: D {D.shape}, W {W.shape}, Omega {Omega.shape}")
    if R < 1:
        raise ValueError(f"R must be >= 1, got {R}")
    A = D.T @ W @ D
    if np.linalg.matrix_rank(A, hermitian=True) < p:
        raise np.linalg.LinAlgError("D'WD is singular: parameters not identified locally")
    A_inv = np.linalg.inv(A)
    V = (1.0 + 1.0 / R) * A_inv @ (D.T @ W @ Omega @ W @ D) @ A_inv
    return (V + V.T) / 2


def identification_diagnostics(D: np.ndarray, W: np.ndarray,
                               widths: Sequence[float]) -> dict:
    """Local identification: singular values of ``W^{1/2} D S``, ``S = diag(widths)``.

    The Jacobian is taken per bound width of each parameter (``S``), so that the singular
    values and the condition number do not depend on the parameters' units: a singular
    value is the weighted moment change (in objective units, square-rooted) of moving the
    parameters along a unit direction by one bound width. A (near-)zero singular value is a
    direction the moments cannot see (Canova & Sala 2009, J. Monetary Econ. 56).

    Parameters
    ----------
    D : ndarray, shape (m, p)
    W : ndarray, shape (m, m)
        Symmetric positive semi-definite.
    widths : sequence of float, length p
        Bound width of each parameter (upper - lower), in its units.

    Returns
    -------
    dict
        ``singular_values`` (descending), ``condition_number`` (largest / smallest; inf if
        the smallest is zero), ``rank`` and ``singular`` (rank below p, NumPy's default
        tolerance).
    """
    D = np.asarray(D, float)
    vals, vecs = np.linalg.eigh(np.asarray(W, float))
    W_half = vecs @ np.diag(np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    M = W_half @ D @ np.diag(np.asarray(widths, float))
    sv = np.linalg.svd(M, compute_uv=False)
    rank = int(np.linalg.matrix_rank(M))
    cond = float(sv[0] / sv[-1]) if sv[-1] > 0 else float("inf")
    return {"singular_values": [float(s) for s in sv], "condition_number": cond,
            "rank": rank, "singular": rank < D.shape[1]}


def parameter_table(names: Sequence[str], estimate: Sequence[float],
                    bounds: Sequence[tuple[float, float]], V: np.ndarray | None,
                    level: float = INTERVAL) -> pd.DataFrame:
    """Estimate, standard error, interval and identification flag of each parameter.

    Parameters
    ----------
    names, estimate, bounds
        Parameter names, estimates and ``(lower, upper)`` bounds (parameter units).
    V : ndarray, shape (p, p), or None
        Covariance (:func:`smm_covariance`); None when ``D'WD`` is singular.
    level : float
        Two-sided level of the normal interval ``estimate -+ z SE`` (clipped to the
        bounds).

    Returns
    -------
    DataFrame
        ``name, estimate, se, ci_low, ci_high, lower, upper, identified``; ``se`` and the
        interval are NaN when ``V`` is None; ``identified`` is False when ``V`` is None or
        the SE exceeds :data:`SE_FLAG_FRACTION` of the bound width.
    """
    est = np.asarray(estimate, float)
    lo = np.array([b[0] for b in bounds], float)
    hi = np.array([b[1] for b in bounds], float)
    if V is None:
        se = np.full(len(est), np.nan)
    else:
        se = np.sqrt(np.clip(np.diag(np.asarray(V, float)), 0, None))
    z = stats.norm.ppf(0.5 + level / 2)
    ident = np.isfinite(se) & (se <= SE_FLAG_FRACTION * (hi - lo))
    return pd.DataFrame({"name": list(names), "estimate": est, "se": se,
                         "ci_low": np.clip(est - z * se, lo, hi),
                         "ci_high": np.clip(est + z * se, lo, hi),
                         "lower": lo, "upper": hi, "identified": ident})


def correlation(V: np.ndarray) -> np.ndarray:
    """Correlation matrix of a covariance (NaN where a variance is zero)."""
    V = np.asarray(V, float)
    s = np.sqrt(np.clip(np.diag(V), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        return V / np.outer(s, s)


def draw_parameters(rng: np.random.Generator, mean: Sequence[float], cov: np.ndarray,
                    bounds: Sequence[tuple[float, float]], n: int,
                    max_batches: int = 1000) -> np.ndarray:
    """``n`` draws of ``N(mean, cov)`` truncated to the bounds, by rejection.

    Draws are made in batches of ``max(4 n, 64)`` from ``rng`` (``method="eigh"``, so a
    positive semi-definite ``cov`` is accepted) and those inside the bounds kept in order,
    so the result depends only on the generator's state. If fewer than ``n`` fall inside
    after ``max_batches`` batches (a distribution almost entirely outside the bounds), the
    remaining draws of the last batch are clipped to the bounds.

    Parameters
    ----------
    rng : numpy.random.Generator
        From :func:`experiments.seeds.parameter_draw_rng`.
    mean : sequence of float, length p
    cov : ndarray, shape (p, p)
    bounds : sequence of (lower, upper)
    n : int

    Returns
    -------
    ndarray, shape (n, p)
    """
    mean = np.asarray(mean, float)
    lo = np.array([b[0] for b in bounds], float)
    hi = np.array([b[1] for b in bounds], float)
    batch = max(4 * n, 64)
    kept: list[np.ndarray] = []
    got = 0
    x = np.empty((0, len(mean)))
    for _ in range(max_batches):
        x = rng.multivariate_normal(mean, np.asarray(cov, float), size=batch, method="eigh")
        ok = x[np.all((x >= lo) & (x <= hi), axis=1)]
        kept.append(ok)
        got += len(ok)
        if got >= n:
            return np.concatenate(kept)[:n]
    rest = np.clip(x[: n - got], lo, hi)
    return np.concatenate(kept + [rest])[:n]


def forecast_table(annual: pd.DataFrame, column: str, published: pd.DataFrame,
                   years: Sequence[int], level: float = INTERVAL) -> tuple[pd.DataFrame, dict]:
    """Published values against the model's predictive band, year by year.

    Parameters
    ----------
    annual : DataFrame
        ``replication``, ``year`` and ``column`` (one row per replication and year).
    column : str
        The model output compared (e.g. :data:`experiments.moments.SERIES_COLUMN`).
    published : DataFrame
        ``year`` and ``value_usd_bn`` (same units as ``column``).
    years : sequence of int
        The years reported.
    level : float
        Central band: quantiles ``(1 - level) / 2`` and ``(1 + level) / 2`` across
        replications (linear interpolation, as :func:`experiments.reproduce.band`).

    Returns
    -------
    table : DataFrame
        ``year, published, median, lo, hi, inside`` (``lo <= published <= hi``).
    summary : dict
        ``inside`` (k), ``years`` (n) and ``text`` ("k of n years inside the 90 % band").
    """
    q = ((1 - level) / 2, (1 + level) / 2)
    a = annual[annual["year"].isin(list(years))]
    g = a.groupby("year")[column]
    t = pd.DataFrame({"median": g.median(), "lo": g.quantile(q[0]), "hi": g.quantile(q[1])})
    t = t.reset_index()
    pub = published.set_index("year")["value_usd_bn"]
    t.insert(1, "published", [float(pub.get(y, np.nan)) for y in t["year"]])
    t["inside"] = (t["published"] >= t["lo"]) & (t["published"] <= t["hi"])
    k, n = int(t["inside"].sum()), int(len(t))
    return t, {"inside": k, "years": n,
               "text": f"{k} of {n} years inside the {level * 100:.0f} % band"}


__all__ = ["smm_covariance", "identification_diagnostics", "parameter_table", "correlation",
           "draw_parameters", "forecast_table", "INTERVAL", "SE_FLAG_FRACTION"]
