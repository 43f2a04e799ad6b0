"""The statistics of validation: estimates over replications, claims and their verdicts,
and the per-replication measures the checks share.

Tolerance (the same for every claim): the two-sided 95 % confidence interval of the mean
(Student t with n - 1 degrees of freedom over the n replications) must lie entirely on the
side of zero that the claim predicts. A claim whose interval covers zero, or lies on the
other side, fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from experiments import figures
from experiments.samples import claim_status
from experiments.validation.records import RunRecord, is_offshored

LEVEL = 0.95
TOLERANCE = ("the 95 % confidence interval of the mean over replications (Student t, "
             "n - 1 d.o.f.) lies entirely on the predicted side of zero")


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with its 95 % confidence interval.

    Attributes
    ----------
    mean, se : float
        Mean and its standard error (sample s.d. / sqrt(n)).
    lo, hi : float
        Two-sided confidence interval at :data:`LEVEL` (Student t, n - 1 d.o.f.).
    n : int
        Replications with a finite value (NaN values are dropped).
    """

    mean: float
    se: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, samples) -> "Estimate":
        """Estimate from per-replication values (NaN dropped)."""
        x = np.asarray(samples, float)
        x = x[np.isfinite(x)]
        n = len(x)
        if n < 2:
            m = float(x.mean()) if n else float("nan")
            return cls(m, float("nan"), float("nan"), float("nan"), n)
        m = float(x.mean())
        se = float(x.std(ddof=1) / np.sqrt(n))
        half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1)) * se
        return cls(m, se, m - half, m + half, n)

    @property
    def t(self) -> float:
        """Mean / standard error (inf if every replication gave the same non-zero value)."""
        if self.se > 0:
            return self.mean / self.se
        return float(np.sign(self.mean) * np.inf) if self.mean else 0.0


@dataclass
class Claim:
    """One predicted direction of one check and its measured effect.

    Attributes
    ----------
    text : str
        The prediction, e.g. ``"captive > offshore outsourcing"``.
    statistic : str
        What is measured per replication, with its unit.
    expected : int
        +1 if the effect must be positive, -1 if negative.
    samples : ndarray, shape (replications,)
        Per-replication values of the statistic.
    if_failed : str
        The diagnosis of the failure, shown in the report only if the claim fails.
    """

    text: str
    statistic: str
    expected: int
    samples: np.ndarray
    if_failed: str = ""

    @property
    def estimate(self) -> Estimate:
        return Estimate.of(self.samples)

    @property
    def passed(self) -> bool:
        """The confidence interval lies entirely on the predicted side of zero."""
        e = self.estimate
        if e.n < 2 or not np.isfinite(e.lo):
            return bool(e.n >= 2 and e.mean != 0 and np.sign(e.mean) == self.expected)
        return bool(e.lo > 0) if self.expected > 0 else bool(e.hi < 0)

    @property
    def status(self) -> str:
        """``PASS``, ``FAIL``, or ``UNDERPOWERED`` (not passed, interval covering zero,
        fewer replications than :data:`experiments.samples.MIN_REPLICATIONS`)."""
        e = self.estimate
        return claim_status(self.passed, e.n, e.lo, e.hi)


@dataclass
class Diagnostic:
    """A measured effect that explains a result; reported, never pass/fail.

    Attributes
    ----------
    text : str
        What the diagnostic arm shows.
    statistic : str
        What is measured per replication, with its unit.
    samples : ndarray, shape (replications,)
    """

    text: str
    statistic: str
    samples: np.ndarray

    @property
    def estimate(self) -> Estimate:
        return Estimate.of(self.samples)


@dataclass
class CheckResult:
    """The outcome of one check: its claims, figure and per-replication data.

    Attributes
    ----------
    key, title : str
        Short name and title of the check.
    claim, source, experiment : str
        The claim in words, its sources and the design of the experiment.
    claims : list of Claim
        The measured predictions; the check passes when every one passes.
    figure : matplotlib.figure.Figure
    data : DataFrame
        Per-replication statistics (one row per replication).
    diagnostics : list of Diagnostic
        Extra arms that explain a failure (only with ``Size.diagnostics``).
    diagnosis : str
        Why the model fails the check, where that is known; shown only if a claim fails.
    """

    key: str
    title: str
    claim: str
    source: str
    experiment: str
    claims: list[Claim]
    figure: object
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    diagnosis: str = ""

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.claims)


def window_mean(values: np.ndarray) -> float:
    """Mean over snapshots, ignoring NaN (NaN if all are NaN)."""
    v = np.asarray(values, float)
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def group_mean(x: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of ``x`` per group id 0..n_groups-1 (NaN for an empty group)."""
    s = np.bincount(groups, x, minlength=n_groups)
    c = np.bincount(groups, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def offshored_share(rec: RunRecord) -> float:
    """Share of firm-process pairs whose work is done abroad, mean over the window."""
    return window_mean(is_offshored(rec.status).mean(axis=1))


def quintile(x: np.ndarray) -> np.ndarray:
    """Quintile (0-4) of each value by rank (ties broken by position)."""
    r = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return (r * 5 // len(x)).astype(np.int64)


def per_rep(records: Sequence[RunRecord], fn) -> np.ndarray:
    """``fn`` of each replication's record."""
    return np.array([fn(r) for r in records], dtype=float)


def arms_panel(title: str, labels, arms: Sequence[Sequence[RunRecord]], fn, ylabel: str
               ) -> figures.ReplicationPanel:
    """Figure panel: ``fn`` of every replication of each arm."""
    values = np.column_stack([per_rep(a, fn) for a in arms])
    return figures.ReplicationPanel(title=title, labels=list(labels), values=values,
                                    ylabel=ylabel)


def frame(**cols) -> pd.DataFrame:
    """Per-replication table: ``replication`` plus the given columns."""
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"replication": np.arange(n), **cols})
