"""Per-run outcomes of a finished sweep and the inputs beside them, for scenario discovery.

Scenario discovery (:mod:`experiments.discovery`) needs one number per run, e.g. "the
offshore share, mean over 2025-2030", a condition on it that marks the runs of interest
(``> 0.6``), and each run's inputs: its parameters, tagged ``uncertainty`` or ``lever``.

- :func:`run_outcome`: an output's yearly values (flows summed over the year's quarters,
  stocks and shares averaged; :func:`experiments.tables.annual_by_run`), reduced over a
  range of years by a statistic (mean, median, min, max, first or last year);
- :func:`parse_where`: the condition, one or more comparisons joined by ``and``, parsed
  (never evaluated as Python);
- :func:`run_inputs` and :func:`parameter_kinds`: the parameters of each ``ok`` run and
  their kinds, as stored in the sweep's manifest.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.storage import SweepData
from experiments.tables import annual_by_run
from simulation.config import ConfigError

#: Statistics of an output's yearly values over the chosen years.
STATISTICS = ("mean", "median", "min", "max", "first", "last")
#: Which parameters to use as inputs: all of them, or the uncertainties or levers only.
INPUT_SETS = ("all", "uncertainties", "levers")

_OPS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
        "<": operator.lt, ">": operator.gt}
_CLAUSE = re.compile(r"^\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*)?(<=|>=|==|!=|<|>)\s*"
                     r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Condition:
    """A condition on a run's outcome: comparisons that must all hold.

    Attributes
    ----------
    clauses : tuple of (operator, threshold)
        E.g. ``((">", 0.6),)`` for ``"> 0.6"``.
    """

    clauses: tuple[tuple[str, float], ...]

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask: True where every clause holds."""
        values = np.asarray(values, dtype=float)
        mask = np.ones(values.shape, dtype=bool)
        for op, threshold in self.clauses:
            mask &= _OPS[op](values, threshold)
        return mask

    def describe(self, name: str) -> str:
        """The condition as text, e.g. ``"share_offshore > 0.6"``."""
        return " and ".join(f"{name} {op} {t:g}" for op, t in self.clauses)


def parse_where(expr: str, output: str) -> Condition:
    """Parse ``--where``: comparisons joined by ``and``, e.g. ``"> 0.6"``,
    ``"share_offshore <= 0.5"`` or ``">= 0.2 and < 0.5"``.

    A comparison may name the output before its operator; it must then be ``output``.

    Raises
    ------
    ConfigError
        One line naming ``--where`` and the accepted form.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise ConfigError("--where: give a condition on the outcome, e.g. \"> 0.6\"")
    clauses = []
    for part in re.split(r"\s+and\s+", expr.strip()):
        m = _CLAUSE.match(part)
        if not m:
            raise ConfigError(f"--where: cannot read {part.strip()!r}; use comparisons "
                              "OP NUMBER (OP one of <, <=, >, >=, ==, !=) joined by 'and', "
                              "e.g. \"> 0.6\" or \">= 0.2 and < 0.5\"")
        name, op, number = m.groups()
        if name is not None and name != output:
            raise ConfigError(f"--where: names {name!r}, but the outcome is --output "
                              f"{output!r}")
        clauses.append((op, float(number)))
    return Condition(tuple(clauses))


def run_outcome(data: SweepData, output: str, years: tuple[int, int],
                statistic: str = "mean") -> pd.Series:
    """One number per ``ok`` run: ``statistic`` of ``output``'s yearly values over
    ``years`` (first and last year included).

    Returns
    -------
    Series
        Indexed by ``run_id``, named ``output``.

    Raises
    ------
    ConfigError
        Unknown output or statistic, or years outside the sweep's reported years.
    """
    check_statistic(statistic)
    kept = [c for c in data.timeseries.columns if c not in ("run_id", "year", "quarter")]
    if output not in kept:
        raise ConfigError(f"--output: {output!r} is not kept by this sweep; kept: "
                          + ", ".join(kept))
    annual = annual_by_run(data, [output])
    if annual.empty:
        raise ConfigError("the sweep has no ok run to analyse")
    lo, hi = years
    first, last = int(annual["year"].min()), int(annual["year"].max())
    if not (first <= lo <= hi <= last):
        raise ConfigError(f"--years: must be FIRST LAST within the sweep's years "
                          f"{first}-{last}, got {lo} {hi}")
    sel = annual[annual["year"].between(lo, hi)].sort_values(["run_id", "year"])
    return sel.groupby("run_id")[output].agg(statistic).rename(output)


def check_statistic(statistic: str) -> None:
    """Raise a one-line :class:`ConfigError` unless ``statistic`` is in
    :data:`STATISTICS`."""
    if statistic not in STATISTICS:
        raise ConfigError(f"--stat: {statistic!r} is not one of {', '.join(STATISTICS)}")


def check_inputs(which: str) -> None:
    """Raise a one-line :class:`ConfigError` unless ``which`` is in :data:`INPUT_SETS`."""
    if which not in INPUT_SETS:
        raise ConfigError(f"--inputs: {which!r} is not one of {', '.join(INPUT_SETS)}")


def parameter_kinds(data: SweepData) -> dict[str, str]:
    """Each swept parameter's kind, ``"uncertainty"`` or ``"lever"``, in spec order, from
    the sweep's manifest (parameters of sweeps made before kinds existed are
    uncertainties)."""
    spec = data.manifest.get("spec") or {}
    tagged = {p["name"]: p.get("kind", "uncertainty") for p in spec.get("parameters", [])}
    swept = data.manifest.get("parameters", {})
    return {n: tagged.get(n, "uncertainty") for n in data.plan.columns if n in swept}


def run_inputs(data: SweepData, which: str = "all") -> pd.DataFrame:
    """The parameters of every ``ok`` run, as inputs of an analysis.

    Parameters
    ----------
    data : SweepData
    which : {"all", "uncertainties", "levers"}

    Returns
    -------
    DataFrame
        Indexed by ``run_id``, one column per parameter (numbers as numbers, true/false as
        booleans, tables and lists as their JSON text), in spec order. Parameters with a
        single value across the runs are left out (they explain nothing).

    Raises
    ------
    ConfigError
        If ``which`` is unknown or no parameter of that kind varies.
    """
    check_inputs(which)
    kinds = parameter_kinds(data)
    want = {"all": ("uncertainty", "lever"), "uncertainties": ("uncertainty",),
            "levers": ("lever",)}[which]
    names = [n for n, k in kinds.items() if k in want]
    runs = data.runs[data.runs["status"] == "ok"].set_index("run_id").sort_index()
    x = runs[names]
    x = x[[n for n in names if x[n].nunique(dropna=False) > 1]]
    if x.shape[1] == 0:
        raise ConfigError(f"--inputs: no {which if which != 'all' else 'parameter'} varies "
                          "across the sweep's ok runs, so there is nothing to explain the "
                          "outcome with")
    return x


__all__ = ["Condition", "parse_where", "run_outcome", "run_inputs", "parameter_kinds",
           "check_statistic", "check_inputs", "STATISTICS", "INPUT_SETS"]
