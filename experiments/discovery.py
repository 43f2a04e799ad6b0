"""Scenario discovery on a finished sweep: the regions of the inputs where an outcome of
interest occurs, as PRIM and CART boxes (``bposim discover``).

Each ``ok`` run is a case: its inputs are its parameters (uncertainties, levers or both;
:func:`experiments.outcomes.run_inputs`), and it is *of interest* when its outcome (e.g.
the offshore share, mean over 2025-2030; :func:`experiments.outcomes.run_outcome`) meets
the condition (``> 0.6``). A box is a set of limits on some inputs. Its statistics
(Bryant & Lempert 2010, Technological Forecasting and Social Change 77(1)):

- coverage: the share of the cases of interest that lie in the box;
- density: the share of the cases in the box that are of interest;
- mass: the share of all cases that lie in the box;
- restricted dimensions: how many inputs the box limits.

Methods, both from EMA Workbench (Kwakkel 2017, Environmental Modelling & Software 96):

- PRIM, the patient rule induction method (Friedman & Fisher 1999, Statistics and
  Computing 9(2)), :class:`ema_workbench.analysis.prim.Prim`: peels a small share
  (``peel_alpha``) of the cases off one side of one input at a time, the peel that best
  raises the ``objective`` (EMA's default ``lenient1``: the gain in density per case
  removed; ``original``: Friedman & Fisher's gain in density), then pastes back, giving a
  *peeling trajectory* of ever smaller and denser boxes. The box reported is the
  one of highest coverage among those with a density of at least ``min_density`` (ties:
  the denser, then the one with fewer restrictions); every step of the trajectory is kept
  in ``peeling.csv`` so another can be chosen. Further boxes (``n_boxes``) are found on
  the cases outside the earlier boxes. Each limit has its quasi-p value (a one-sided
  binomial test of the density gain from that limit, Bryant & Lempert 2010).
- CART (Breiman, Friedman, Olshen & Stone 1984), :class:`ema_workbench.analysis.cart.
  CART` on scikit-learn's decision tree with leaves of at least ``mass_min`` of the
  cases: every leaf is a box; leaves where the cases of interest are the majority are
  the boxes of interest.

Needs the ``explore`` extra (``pip install 'bposim[explore]'``: ema_workbench and
scikit-learn).
"""

from __future__ import annotations

import contextlib
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from experiments.outcomes import (check_inputs, check_statistic, parameter_kinds,
                                  parse_where, run_inputs, run_outcome)
from experiments.seeds import analysis_rng
from experiments.storage import SweepData
from simulation.config import ConfigError

#: Columns of ``boxes.csv``: one row per box and input.
BOX_COLUMNS = ("method", "box", "of_interest", "coverage", "density", "mass", "res_dim",
               "n_runs", "n_interest", "parameter", "kind", "restricted", "low", "high",
               "categories", "qp_low", "qp_high")
#: PRIM's peeling objectives, as EMA Workbench names them.
OBJECTIVES = ("lenient1", "lenient2", "original")
#: Columns of ``peeling.csv``: every step of each PRIM box's peeling trajectory.
PEELING_COLUMNS = ("box", "step", "coverage", "density", "mass", "res_dim", "n", "k",
                   "selected")


@dataclass(frozen=True)
class Settings:
    """What ``bposim discover`` looks for (see ``bposim discover --help``).

    Attributes
    ----------
    output : str
        Output column of the sweep's time-series table.
    where : str
        Condition on the per-run outcome (:func:`experiments.outcomes.parse_where`).
    years : (int, int) or None
        First and last year of the outcome; None: the sweep's last year.
    statistic : str
        Reduction of the yearly values over the years (:data:`experiments.outcomes.
        STATISTICS`).
    inputs : str
        ``all``, ``uncertainties`` or ``levers``.
    n_boxes : int
        PRIM boxes to find, one after the other.
    min_density : float
        The PRIM box reported is the one of highest coverage with at least this density.
    objective : str
        PRIM's peeling objective (:data:`OBJECTIVES`): ``lenient1`` (EMA Workbench's
        default: gain in density per case removed), ``lenient2`` or ``original``
        (Friedman & Fisher's: gain in density).
    peel_alpha, paste_alpha, mass_min : float
        PRIM's peeling and pasting shares and the minimum mass of a box (also CART's
        smallest leaf).
    """

    output: str
    where: str
    years: tuple[int, int] | None = None
    statistic: str = "mean"
    inputs: str = "all"
    n_boxes: int = 1
    min_density: float = 0.8
    objective: str = "lenient1"
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05

    def check(self) -> None:
        """Raise a one-line :class:`~simulation.config.ConfigError` for a bad setting
        (the output and years are checked against the sweep by :func:`discover`)."""
        parse_where(self.where, self.output)
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"--objective: {self.objective!r} is not one of "
                              + ", ".join(OBJECTIVES))
        check_statistic(self.statistic)
        check_inputs(self.inputs)
        if not 1 <= self.n_boxes <= 100:
            raise ConfigError(f"--boxes: must be 1-100, got {self.n_boxes}")
        for name, v, lo, hi in (("--min-density", self.min_density, 0.0, 1.0),
                                ("--peel-alpha", self.peel_alpha, 0.0, 0.5),
                                ("--paste-alpha", self.paste_alpha, 0.0, 0.5),
                                ("--mass-min", self.mass_min, 0.0, 0.5)):
            if not lo < v <= hi:
                raise ConfigError(f"{name}: must be in ({lo:g}, {hi:g}], got {v:g}")
        if self.years is not None and self.years[0] > self.years[1]:
            raise ConfigError(f"--years: FIRST must not be after LAST, got "
                              f"{self.years[0]} {self.years[1]}")


@dataclass
class Discovery:
    """The result of :func:`discover`.

    Attributes
    ----------
    settings : Settings
    definition : str
        The outcome of interest in words, e.g. ``share_offshore (mean 2025-2030) > 0.6``.
    cases : DataFrame
        One row per ``ok`` run: ``run_id``, the inputs, ``outcome`` and ``of_interest``.
    kinds : dict name -> kind
    boxes : DataFrame
        Every box (PRIM's and every CART leaf) x input, :data:`BOX_COLUMNS`.
    peeling : DataFrame
        The peeling trajectory of each PRIM box, :data:`PEELING_COLUMNS`.
    figures : dict file stem -> matplotlib Figure
        Drawn in the house style (:func:`simulation.plotting.styled`), written in each
        ``--figure-format`` by :func:`write_discovery`.
    notes : list of str
    """

    settings: Settings
    definition: str
    cases: pd.DataFrame
    kinds: dict[str, str]
    boxes: pd.DataFrame
    peeling: pd.DataFrame
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The boxes in words: one block per PRIM box, then the CART boxes of interest."""
        n, k = len(self.cases), int(self.cases["of_interest"].sum())
        inputs = [c for c in self.cases.columns if c in self.kinds]
        n_lev = sum(self.kinds[c] == "lever" for c in inputs)
        n_unc = len(inputs) - n_lev
        lines = [f"outcome of interest: {self.definition}",
                 f"{k} of {n} ok runs are of interest ({k / n:.0%}); inputs: "
                 f"{n_unc} {'uncertainty' if n_unc == 1 else 'uncertainties'}, "
                 f"{n_lev} {'lever' if n_lev == 1 else 'levers'}"]
        for (method, box), rows in self.boxes.groupby(["method", "box"], sort=False):
            first = rows.iloc[0]
            if method == "cart" and not first["of_interest"]:
                continue
            lines.append(f"{method.upper()} box {box}: coverage {first['coverage']:.2f}, "
                         f"density {first['density']:.2f}, mass {first['mass']:.2f}, "
                         f"{first['res_dim']} restricted")
            for _, r in rows[rows["restricted"]].iterrows():
                lines.append(f"  {r['parameter']} ({r['kind']}): {_limits(r)}")
        return "\n".join(lines)


def _limits(row: pd.Series) -> str:
    if isinstance(row["categories"], str) and row["categories"]:
        return "in " + row["categories"]
    text = f"{row['low']:.4g} to {row['high']:.4g}"
    if row["qp_low"] == row["qp_low"] or row["qp_high"] == row["qp_high"]:
        qp = [f"{v:.2g}" for v in (row["qp_low"], row["qp_high"]) if v == v]
        text += f" (quasi-p {', '.join(qp)})"
    return text


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """EMA Workbench and scikit-learn warn on import and on small samples (optional
    packages missing, out-of-bag estimates); those warnings are not the user's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def require_explore() -> None:
    """Import the ``explore`` extra, or raise a one-line :class:`ConfigError`."""
    try:
        with _quiet():
            import ema_workbench.analysis.prim  # noqa: F401
            import sklearn  # noqa: F401
    except ImportError as err:
        raise ConfigError(f"bposim discover needs the explore extra ({err.name} is not "
                          "installed): pip install 'bposim[explore]'") from None


def discover(data: SweepData, settings: Settings) -> Discovery:
    """Scenario discovery with PRIM and CART on a loaded sweep.

    Raises
    ------
    ConfigError
        Bad settings, output or years; no run or every run of interest; the explore
        extra missing.
    """
    settings.check()
    require_explore()
    condition = parse_where(settings.where, settings.output)
    last = int(data.timeseries["year"].max()) if len(data.timeseries) else 0
    years = settings.years or (last, last)
    outcome = run_outcome(data, settings.output, years, settings.statistic)
    x = run_inputs(data, settings.inputs)
    x = x.loc[outcome.index]
    interest = condition(outcome.to_numpy())
    span = f"{years[0]}" if years[0] == years[1] else f"{years[0]}-{years[1]}"
    definition = f"{condition.describe(settings.output)} ({settings.statistic} {span})"
    k, n = int(interest.sum()), len(interest)
    if k == 0 or k == n:
        raise ConfigError(f"--where: {'no' if k == 0 else 'every'} ok run ({k} of {n}) has "
                          f"{definition}; discovery needs runs on both sides")
    all_kinds = parameter_kinds(data)
    kinds = {c: all_kinds[c] for c in x.columns}
    notes = []
    if n < 50:
        notes.append(f"only {n} runs: the boxes rest on few cases; a sweep of a few hundred "
                     "runs gives steadier boxes")
    xa = _as_analysis_frame(x)
    seed = int(analysis_rng(int(data.manifest.get("seed_entropy", 0))).integers(2 ** 31))
    from simulation.plotting import styled

    with _quiet(), _okabe_ito_boxes():
        prim_rows, peeling, prim_figs, prim_notes = styled(_prim)(xa, interest, settings,
                                                                 kinds)
        cart_rows, cart_figs = styled(_cart)(xa, interest, settings, kinds, seed)
    cases = x.assign(outcome=outcome.to_numpy(), of_interest=interest).reset_index()
    boxes = pd.DataFrame(prim_rows + cart_rows, columns=list(BOX_COLUMNS))
    return Discovery(settings=settings, definition=definition, cases=cases, kinds=kinds,
                     boxes=boxes, peeling=peeling, figures={**prim_figs, **cart_figs},
                     notes=notes + prim_notes)


@contextlib.contextmanager
def _okabe_ito_boxes() -> Iterator[None]:
    """EMA Workbench colours the boxes of several CART leaves from its own list (seaborn's
    palette at import, with red and green); draw them in the house palette instead."""
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    from simulation.plotting import PALETTE

    before = sdutil.COLOR_LIST
    sdutil.COLOR_LIST = list(PALETTE)
    try:
        yield
    finally:
        sdutil.COLOR_LIST = before


def _as_analysis_frame(x: pd.DataFrame) -> pd.DataFrame:
    """Inputs as EMA expects them: numbers as float or int, everything else (true/false,
    JSON text of tables) as categories of text; a fresh 0..n-1 index."""
    out = x.reset_index(drop=True).copy()
    for c in out.columns:
        if out[c].dtype == bool or not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(lambda v: json.dumps(v) if isinstance(v, bool) else str(v)
                                ).astype("category")
    return out


def _select(trajectory: pd.DataFrame, min_density: float) -> int:
    """Index of the reported box on a peeling trajectory (see the module docstring):
    among the boxes that restrict an input, the highest coverage at a density of at least
    ``min_density`` (ties: the denser, then fewer restrictions); if none is that dense,
    the densest."""
    t = trajectory.reset_index(drop=True)
    pool = t[t["res_dim"] > 0] if (t["res_dim"] > 0).any() else t
    dense = pool[pool["density"] >= min_density]
    keys = ["coverage", "density"] if len(dense) else ["density", "coverage"]
    order = (dense if len(dense) else pool).sort_values(
        keys + ["res_dim"], ascending=[False, False, True], kind="stable")
    return int(order.index[0])


def _restricted(limits: pd.DataFrame, init: pd.DataFrame) -> dict[str, bool]:
    """Whether a box limits each input (a narrower range, or fewer categories)."""
    out = {}
    for name in init.columns:
        lo, hi = limits.loc[0, name], limits.loc[1, name]
        out[name] = bool(lo != init.loc[0, name] if isinstance(lo, set)
                         else lo > init.loc[0, name] or hi < init.loc[1, name])
    return out


def _box_rows(method: str, box: int, of_interest: bool, stats: dict, limits: pd.DataFrame,
              init: pd.DataFrame, kinds: dict[str, str], qp: dict | None = None
              ) -> list[dict]:
    """One row per input of a box (:data:`BOX_COLUMNS`)."""
    rows = []
    for name, restricted in _restricted(limits, init).items():
        lo, hi = limits.loc[0, name], limits.loc[1, name]
        row = dict(method=method, box=box, of_interest=bool(of_interest), **stats,
                   parameter=name, kind=kinds[name], restricted=restricted)
        if isinstance(lo, set):
            row.update(low=np.nan, high=np.nan, categories=json.dumps(sorted(map(str, lo))))
        else:
            row.update(low=float(lo), high=float(hi), categories="")
        q_lo, q_hi = (qp or {}).get(name, (-1, -1))
        row.update(qp_low=np.nan if q_lo == -1 else float(q_lo),
                   qp_high=np.nan if q_hi == -1 else float(q_hi))
        rows.append(row)
    return rows


def _stats(coverage, density, mass, res_dim, n, k) -> dict:
    return dict(coverage=float(coverage), density=float(density), mass=float(mass),
                res_dim=int(res_dim), n_runs=int(n), n_interest=int(k))


def _prim(x: pd.DataFrame, y: np.ndarray, s: Settings, kinds: dict[str, str]):
    """PRIM boxes: rows of ``boxes.csv``, the peeling trajectories, figures, notes."""
    import matplotlib.pyplot as plt
    from ema_workbench.analysis import prim

    from simulation.plotting import COLORS
    from ema_workbench.analysis.prim_util import PRIMObjectiveFunctions

    p = prim.Prim(x, y.copy(), obj_function=PRIMObjectiveFunctions(s.objective),
                  peel_alpha=s.peel_alpha, paste_alpha=s.paste_alpha, mass_min=s.mass_min)
    rows, peel, figs, notes = [], [], {}, []
    for b in range(1, s.n_boxes + 1):
        box = p.find_box()
        if box is None or box.peeling_trajectory["coverage"].max() <= 0:
            notes.append(f"PRIM found {b - 1} boxes: no case of interest is left outside "
                         "them")
            break
        traj = box.peeling_trajectory.reset_index(drop=True)
        i = _select(traj, s.min_density)
        box.select(i)
        if traj.loc[i, "density"] < s.min_density:
            notes.append(f"PRIM box {b}: no box reaches density {s.min_density:g}; the "
                         f"densest ({traj.loc[i, 'density']:.2f}) is reported")
        t = traj.loc[i]
        rows += _box_rows("prim", b, True, _stats(t["coverage"], t["density"], t["mass"],
                                                  t["res_dim"], t["n"], t["k"]),
                          box.box_lims[i], p.box_init, kinds, box.p_values[i])
        peel.append(pd.DataFrame({"box": b, "step": traj["id"].astype(int),
                                  **{c: traj[c] for c in ("coverage", "density", "mass",
                                                          "res_dim", "n", "k")},
                                  "selected": traj.index == i}))
        fig = box.show_tradeoff()
        ax = fig.axes[0]
        ax.scatter([t["coverage"]], [t["density"]], s=160, facecolors="none",
                   edgecolors=COLORS["tcv"], linewidths=1.8, label=f"reported box (step {i})")
        ax.legend(loc="lower left")
        ax.set_title(f"PRIM box {b}: peeling trajectory (coverage vs density)")
        figs[f"prim_box{b}_tradeoff"] = fig
        if int(t["res_dim"]) > 0:
            (fig,) = box.inspect(i, style="graph")
            fig.suptitle(f"PRIM box {b}: limits of the restricted inputs (quasi-p values)")
            figs[f"prim_box{b}_limits"] = fig
        else:
            fig, ax = plt.subplots()
            ax.text(0.5, 0.5, "PRIM restricted no input", ha="center", va="center")
            ax.set_axis_off()
            figs[f"prim_box{b}_limits"] = fig
    peeling = (pd.concat(peel, ignore_index=True) if peel
               else pd.DataFrame(columns=list(PEELING_COLUMNS)))
    return rows, peeling[list(PEELING_COLUMNS)], figs, notes


def _cart(x: pd.DataFrame, y: np.ndarray, s: Settings, kinds: dict[str, str],
          seed: int):
    """Every CART leaf as a box; the figure of the leaves of interest."""
    from ema_workbench.analysis import cart
    from ema_workbench.analysis import scenario_discovery_util as sdutil
    from sklearn import tree

    class SeededCART(cart.CART):
        """EMA's CART with a seeded tree (EMA leaves scikit-learn's tie-breaking among
        equally good splits to the global random state) and leaves of at least one case."""

        def build_tree(self) -> None:
            self.clf = tree.DecisionTreeClassifier(
                min_samples_leaf=max(1, int(self.mass_min * self.x.shape[0])),
                random_state=seed)
            self.clf.fit(self._x, self.y)

    c = SeededCART(x, y.astype(int), mass_min=s.mass_min)
    c.build_tree()
    init = sdutil._make_box(x)
    rows, of_interest = [], []
    for j, limits in enumerate(c.boxes, start=1):
        inside = np.asarray(sdutil._in_box(x, limits), dtype=bool)
        n, k = int(inside.sum()), int(y[inside].sum())
        keep = k > n / 2
        res_dim = sum(_restricted(limits, init).values())
        rows += _box_rows("cart", j, keep, _stats(k / y.sum(), k / max(n, 1), n / len(y),
                                                  res_dim, n, k), limits, init, kinds)
        if keep:
            of_interest.append(limits)
    figs = {}
    if of_interest:
        fig = sdutil.plot_boxes(x, of_interest, together=True)
        fig.axes[0].set_title("CART boxes of interest: limits of the restricted inputs")
        figs["cart_box_limits"] = fig
    return rows, figs


def write_discovery(result: Discovery, out_dir: str | Path, sweep_dir: str | Path,
                    formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Write a discovery to a new folder, atomically (renamed into place when complete).

    Files: ``boxes.csv`` (every box x input), ``peeling.csv``, ``cases.csv`` (each run's
    inputs, outcome and whether it is of interest), ``summary.txt``, ``discovery.json``
    (settings, counts, provenance) and the figures in each of ``formats``
    (:data:`simulation.plotting.FIGURE_FORMATS`; ``prim_box1_tradeoff.png``,
    ``prim_box1_limits.png``, ``cart_box_limits.png``, ...).

    Raises
    ------
    simulation.atomic.OutputExistsError
        If ``out_dir`` exists and is not empty.
    """
    import matplotlib.pyplot as plt

    from simulation.atomic import atomic_dir
    from simulation.plotting import save_figures
    from simulation.run import environment

    out_dir = Path(out_dir)
    names = []
    try:
        with atomic_dir(out_dir) as tmp:
            result.boxes.to_csv(tmp / "boxes.csv", index=False)
            result.peeling.to_csv(tmp / "peeling.csv", index=False)
            result.cases.to_csv(tmp / "cases.csv", index=False)
            text = result.summary() + "".join(f"\nnote: {n}" for n in result.notes)
            (tmp / "summary.txt").write_text(text + "\n", encoding="utf-8")
            meta = {"sweep": str(Path(sweep_dir).resolve()), "definition": result.definition,
                    "settings": asdict(result.settings), "kinds": result.kinds,
                    "n_runs": len(result.cases),
                    "n_interest": int(result.cases["of_interest"].sum()),
                    "notes": result.notes, **environment()}
            (tmp / "discovery.json").write_text(json.dumps(meta, indent=2, default=str)
                                                + "\n", encoding="utf-8")
            save_figures(result.figures, tmp, formats, bbox_inches="tight")
            names = sorted(p.name for p in tmp.iterdir())
    finally:
        for fig in result.figures.values():
            plt.close(fig)
    return [out_dir / n for n in names]


__all__ = ["Settings", "Discovery", "discover", "write_discovery", "require_explore",
           "BOX_COLUMNS", "PEELING_COLUMNS", "OBJECTIVES"]
