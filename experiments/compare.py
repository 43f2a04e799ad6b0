"""Compare scenarios: runs, or design points of sweeps, against a baseline
(``bposim compare A B [...] --out DIR``).

Each argument is an *arm*: a results folder of ``bposim run`` (one replication) or a design
point of a sweep folder, written ``DIR:POINT`` (its replications). The first arm is the
baseline; every other arm is compared with it, per output and year (years as in
:func:`experiments.tables.yearly`: flows summed over the year's quarters, stocks
averaged).

**Pairing by seed.** Two replications with the same seed (the same integer seed, or the
same entropy and spawn key of a :class:`numpy.random.SeedSequence`) share their random
numbers, so their difference is the effect of the scenario alone (common random numbers).
When the arms share seeds, the effect is the mean of the paired differences over the
shared seeds, with a Student-t confidence interval of that mean (n - 1 degrees of
freedom); otherwise it is the difference of the arms' means with a Welch interval. One
pair (or one run per arm) gives the difference and no interval.

Counts of events (breaches, terminations, back-sourcing, reshoring) are compared per
1,000 real buyer firms (:func:`simulation.plotting.per_thousand_firms`), so arms with
different numbers of simulated firms compare.

Folder written (atomically, :func:`simulation.atomic.atomic_dir`)::

    effects.csv              per arm, output and year: the baseline's and the arm's means,
                             the effect (arm - baseline), its confidence interval, the
                             number of pairs (or runs) and whether they are paired
    arms.csv                 each arm: label, source, replications, seeds
    compare_<output>.<fmt>   per output: the arms over time (top) and the difference to
                             the baseline with its confidence band (bottom)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from experiments import storage
from experiments.tables import yearly
from simulation.collector import OUTPUT_COLUMNS
from simulation.plotting import per_thousand_firms

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Outputs drawn by default (each that every arm has); the CSV holds every common output.
DEFAULT_OUTPUTS = ("market_acv_usd_bn", "tcv_signed_usd_bn", "share_offshore",
                   "outsourcing_rate", "n_breaches", "n_backsourced")
#: Confidence level of the effects' intervals.
LEVEL = 0.95


class CompareError(ValueError):
    """An argument that is not an arm (one line)."""


@dataclass
class Arm:
    """One side of a comparison: the yearly outputs of its replications.

    Attributes
    ----------
    label : str
    source : str
        The argument it was read from.
    annual : DataFrame
        ``seed``, ``year`` and the outputs, one row per replication and year (counts per
        1,000 real firms); ``seed`` identifies a replication's random numbers.
    outputs : list of str
    """

    label: str
    source: str
    annual: pd.DataFrame
    outputs: list[str] = field(default_factory=list)

    @property
    def seeds(self) -> list[str]:
        return list(dict.fromkeys(self.annual["seed"]))


def seed_key(record) -> str:
    """A seed record of a manifest or plan as text: ``"42"``, or ``"ENTROPY/2.0"`` for a
    SeedSequence's entropy and spawn key."""
    if isinstance(record, dict):
        return f"{record['seed_entropy']}/{'.'.join(str(k) for k in record['spawn_key'])}"
    return str(int(record))


def load_arm(arg: str) -> Arm:
    """The arm named by a command-line argument: ``RUN_DIR`` or ``SWEEP_DIR:POINT``.

    Raises
    ------
    CompareError
        Not a run folder or a sweep design point (one line naming the argument).
    """
    path, _, point = arg.rpartition(":") if ":" in arg else (arg, "", "")
    if point and (Path(path) / storage.MANIFEST).is_file():
        return _sweep_arm(arg, Path(path), point)
    p = Path(arg)
    if (p / storage.MANIFEST).is_file() and (p / storage.PLAN).is_file():
        n = len(storage.load_sweep(p, timeseries=False).plan["point"].unique())
        raise CompareError(f"{arg}: a sweep folder; name one design point, {arg}:POINT "
                           f"(points 0-{n - 1})")
    return _run_arm(arg, p)


def _run_arm(arg: str, path: Path) -> Arm:
    from simulation.results import ResultsError, load_run

    if not (path / "manifest.json").is_file():
        raise CompareError(f"{arg}: neither a results folder of bposim run nor a sweep "
                           "design point (SWEEP_DIR:POINT)")
    try:
        run = load_run(path)
    except ResultsError as err:
        raise CompareError(str(err)) from None
    outputs = [c for c in OUTPUT_COLUMNS if c in run.quarterly.columns]
    q = run.quarterly.assign(run_id=0)
    annual = per_thousand_firms(yearly(q, outputs), run.manifest["n_firms"])
    annual.insert(0, "seed", seed_key(run.manifest["seed"]))
    return Arm(label=path.name, source=arg, annual=annual.drop(columns="run_id"),
               outputs=outputs)


def _sweep_arm(arg: str, path: Path, point: str) -> Arm:
    from experiments.summary import annual_table, load, parameters, point_label

    data, n_firms = load(path)
    points = sorted(data.plan["point"].unique())
    if not point.isdigit() or int(point) not in points:
        raise CompareError(f"{arg}: no design point {point!r} in {path} (points "
                           f"{points[0]}-{points[-1]})")
    p = int(point)
    runs = data.runs[(data.runs["point"] == p) & (data.runs["status"] == "ok")]
    if runs.empty:
        raise CompareError(f"{arg}: design point {p} has no ok run")
    annual = annual_table(data, n_firms)
    annual = annual[annual["point"] == p]
    seeds = {int(r.run_id): seed_key({"seed_entropy": r.seed_entropy,
                                      "spawn_key": list(r.spawn_key)})
             for r in runs.itertuples()}
    outputs = list(data.manifest["outputs"])
    annual = annual[["run_id", "year", *outputs]]
    annual.insert(0, "seed", annual["run_id"].map(seeds))
    values = data.plan[data.plan["point"] == p].iloc[0]
    label = f"{data.manifest.get('name', path.name)}:{p}"
    desc = point_label({n: values[n] for n in parameters(data)})
    return Arm(label=f"{label} ({desc})" if desc else label, source=arg,
               annual=annual.drop(columns="run_id").reset_index(drop=True), outputs=outputs)


def _interval(x: np.ndarray, level: float) -> tuple[float, float]:
    """The Student-t interval of the mean of ``x`` (NaN for fewer than 2 values)."""
    n = len(x)
    if n < 2:
        return np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return x.mean() - half, x.mean() + half


def _welch(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float]:
    """Welch interval of mean(b) - mean(a) (NaN unless both have 2 values or more)."""
    if len(a) < 2 or len(b) < 2:
        return np.nan, np.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    d = b.mean() - a.mean()
    if se == 0:
        return d, d
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return d - half, d + half


def effects(baseline: Arm, arm: Arm, outputs: list[str], level: float = LEVEL
            ) -> pd.DataFrame:
    """The effect of ``arm`` against ``baseline`` per output and year.

    Returns
    -------
    DataFrame
        ``arm``, ``baseline``, ``output``, ``year``, ``paired`` (bool), ``n`` (pairs, or
        the smaller arm's runs), ``baseline_mean``, ``arm_mean``, ``effect``
        (arm - baseline: the mean paired difference, or the difference of means),
        ``ci_low``, ``ci_high`` (NaN with fewer than 2 pairs or runs per arm).
    """
    shared = [s for s in arm.seeds if s in set(baseline.seeds)]
    a = baseline.annual.set_index(["seed", "year"])
    b = arm.annual.set_index(["seed", "year"])
    years = sorted(set(a.index.get_level_values("year")) & set(b.index.get_level_values(
        "year")))
    rows = []
    for output in outputs:
        for year in years:
            xa = a.xs(year, level="year")[output]
            xb = b.xs(year, level="year")[output]
            if shared:
                d = (xb.loc[shared] - xa.loc[shared]).to_numpy(float)
                lo, hi = _interval(d, level)
                eff, n = d.mean(), len(d)
                ma, mb = xa.loc[shared].mean(), xb.loc[shared].mean()
            else:
                va, vb = xa.to_numpy(float), xb.to_numpy(float)
                lo, hi = _welch(va, vb, level)
                eff, n, ma, mb = vb.mean() - va.mean(), min(len(va), len(vb)), va.mean(), \
                    vb.mean()
            rows.append(dict(arm=arm.label, baseline=baseline.label, output=output,
                             year=int(year), paired=bool(shared), n=int(n),
                             baseline_mean=float(ma), arm_mean=float(mb), effect=float(eff),
                             ci_low=float(lo), ci_high=float(hi)))
    return pd.DataFrame(rows)


def common_outputs(arms: list[Arm]) -> list[str]:
    """The outputs every arm has, in the order of the first."""
    return [o for o in arms[0].outputs if all(o in a.outputs for a in arms[1:])]


def comparison_figures(arms: list[Arm], table: pd.DataFrame, outputs: list[str]
                       ) -> dict[str, "Figure"]:
    """``compare_<output>``: each arm's mean over time (with its 5-95 % range over
    replications) above, each arm's effect against the baseline with its confidence band
    below (:func:`experiments.figures.difference_figure`)."""
    from experiments.figures import difference_figure

    return {f"compare_{o}": difference_figure(
        [(a.label, a.annual[["year", o]].rename(columns={o: "value"})) for a in arms],
        table[table["output"] == o], o, level=LEVEL) for o in outputs}


def compare(args: list[str], out: Path, formats: tuple[str, ...] = ("png",),
            outputs: list[str] | None = None
            ) -> tuple[pd.DataFrame, list[str], list[Path]]:
    """Compare every arm with the first and write the folder ``out`` (atomically).

    Parameters
    ----------
    args : list of str
        Two or more arms (``RUN_DIR`` or ``SWEEP_DIR:POINT``); the first is the baseline.
    out : Path
        A new (or empty) folder.
    formats : tuple of str
        Figure formats.
    outputs : list of str, optional
        Outputs to draw (default: :data:`DEFAULT_OUTPUTS` that every arm has).

    Returns
    -------
    effects : DataFrame
        Every arm against the baseline (:func:`effects`), every common output.
    drawn : list of str
        The outputs drawn.
    paths : list of Path
        The files written (under their final names).

    Raises
    ------
    CompareError
        Fewer than two arms, an argument that is not an arm, or an unknown output.
    """
    from simulation.atomic import atomic_dir
    from simulation.plotting import save_figures

    if len(args) < 2:
        raise CompareError("give at least two arms: a baseline and one to compare")
    arms = [load_arm(a) for a in args]
    common = common_outputs(arms)
    if outputs is None:
        drawn = [o for o in DEFAULT_OUTPUTS if o in common] or common
    else:
        bad = [o for o in outputs if o not in common]
        if bad:
            raise CompareError(f"--outputs: {bad[0]!r} is not an output of every arm; "
                               f"allowed: {', '.join(common)}")
        drawn = list(outputs)
    table = pd.concat([effects(arms[0], a, common) for a in arms[1:]], ignore_index=True)
    info = pd.DataFrame([{"arm": a.label, "source": a.source, "baseline": i == 0,
                          "replications": len(a.seeds), "seeds": " ".join(a.seeds)}
                         for i, a in enumerate(arms)])
    with atomic_dir(out) as tmp:
        table.to_csv(tmp / "effects.csv", index=False)
        info.to_csv(tmp / "arms.csv", index=False)
        figs = save_figures(comparison_figures(arms, table, drawn), tmp, formats)
    paths = [out / "effects.csv", out / "arms.csv"] + [out / f.name for f in figs]
    return table, drawn, paths


def describe(table: pd.DataFrame, outputs: list[str]) -> str:
    """A few lines: per arm and output of ``outputs``, the effect in the last year with
    its interval."""
    lines = []
    last = table[(table["year"] == table["year"].max()) & table["output"].isin(outputs)]
    for r in last.itertuples():
        ci = "" if np.isnan(r.ci_low) else f" [{r.ci_low:+.3g}, {r.ci_high:+.3g}]"
        how = (f"{r.n} pair{'s' if r.n != 1 else ''}" if r.paired
               else f"unpaired, n={r.n}")
        lines.append(f"{r.arm} - {r.baseline}: {r.output} {r.year} {r.effect:+.3g}{ci} "
                     f"({how})")
    return "\n".join(lines)


__all__ = ["compare", "effects", "load_arm", "Arm", "CompareError", "seed_key",
           "comparison_figures", "common_outputs", "describe", "DEFAULT_OUTPUTS", "LEVEL"]
