"""Global sensitivity analysis of a sweep of any design, the method named in every row.

``bposim sensitivity SPEC`` runs the spec as a sweep (stored, resumable, like ``bposim
sweep``) and analyses it; ``bposim sensitivity SWEEP_DIR`` analyses a finished sweep
folder (:func:`analyze_folder`). The methods depend on the design:

- ``sobol`` designs: Sobol' indices S1, ST (and S2), ``morris`` designs: Morris mu*, mu,
  sigma (SALib). Sampling and analysis are paired automatically: the design's settings
  (``second_order``; ``levels``) are the analysis's settings, and the Morris analysis
  gets the same unit-cube sample the runs were made from;
- ``lhs`` designs: SALib's given-data analysers RBD-FAST (S1) and PAWN
  (:mod:`experiments.sensitivity_data`);
- every design: extra-trees feature scores, as EMA Workbench computes them (with the
  ``explore`` extra; without it they are skipped with a warning).

The response of a run is the mean per quarter of an output over the years
``[sensitivity] years = [first, last]`` (default: the last reported year); replications
of a design point are averaged before the analysis, so the indices describe the expected
response and the replication noise does not count as a parameter effect.

Results (in ``DIR/sensitivity/``, or the ``--out`` of a folder's analysis):
``indices.csv`` and ``indices.parquet`` (tidy: output, method, index, parameter,
parameter_2, value, conf, ci_low, ci_high), one chart per output with a panel per method
(``<output>.png``) and ``warnings.txt``.

Methods: Sobol (2001), Saltelli (2002), Saltelli et al. (2010) via
:func:`SALib.analyze.sobol.analyze`; Morris (1991) with the mu* of Campolongo, Cariboni &
Saltelli (2007) via :func:`SALib.analyze.morris.analyze`; SALib: Herman & Usher (2017),
JOSS 2(9), 97; Iwanaga, Usher & Herman (2022), Socio-Environmental Systems Modelling 4.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np
import pandas as pd
import pyarrow as pa

from experiments import storage
from experiments.plan import Plan
from experiments.seeds import analysis_rng
from experiments.sensitivity_data import (GIVEN_DATA_MIN_POINTS, PAWN_INDICES,
                                          feature_scores, given_data_indices, point_inputs)
from experiments.spec import LoadedSpec, SweepSpec, load_spec
from simulation.config import ConfigError

if TYPE_CHECKING:  # the runner is imported when a sensitivity analysis runs
    from experiments.runner import SweepOutcome

#: Sobol' base sample of SALib's own tutorial (docs/user_guide/basics.rst, N = 1024);
#: used as the rule of thumb below which bposim warns. Rule of thumb, not a theorem.
SOBOL_MIN_SAMPLES = 1024
#: Morris trajectories usually used for screening: r = 10 to 20 (Campolongo, Cariboni &
#: Saltelli 2007; Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, ch. 3).
MORRIS_MIN_TRAJECTORIES = 10
#: Latin-hypercube points below which bposim warns that the given-data indices and the
#: feature scores are rough (rule of thumb).
LHS_MIN_SAMPLES = 100

INDEX_COLUMNS = ("output", "method", "index", "parameter", "parameter_2", "value", "conf",
                 "ci_low", "ci_high")


def guidance_warnings(spec: SweepSpec) -> list[str]:
    """Warnings when the design's sample size is below SALib's guidance.

    Sobol: the base sample ``samples`` should be a power of 2 (SALib's
    ``sample.sobol`` docstring; the balance of scipy's Sobol' sequence) and, as a rule
    of thumb, at least :data:`SOBOL_MIN_SAMPLES`. Morris: ``levels`` should be even
    (SALib's ``sample.morris``) and ``trajectories`` at least
    :data:`MORRIS_MIN_TRAJECTORIES`.
    """
    d = spec.design
    out = []
    if d.kind == "sobol":
        n = d.samples
        if n & (n - 1):
            up = 1 << n.bit_length()
            out.append(f"design.samples = {n} is not a power of 2; SALib's Sobol' sampler "
                       f"needs one for the balance of the Sobol' sequence (e.g. {up})")
        if n < SOBOL_MIN_SAMPLES:
            out.append(f"design.samples = {n} is below {SOBOL_MIN_SAMPLES}, the base sample "
                       "of SALib's Sobol' tutorial; indices and confidence intervals may be "
                       "unreliable")
    elif d.kind == "morris":
        if d.levels % 2:
            out.append(f"design.levels = {d.levels} is odd; SALib: the number of Morris "
                       "grid levels should be even, or the sample may be biased")
        if d.trajectories < MORRIS_MIN_TRAJECTORIES:
            out.append(f"design.trajectories = {d.trajectories} is below "
                       f"{MORRIS_MIN_TRAJECTORIES}; Morris screening usually uses 10-20 "
                       "trajectories (Campolongo et al. 2007; Saltelli et al. 2008)")
    elif d.kind == "lhs" and d.samples < LHS_MIN_SAMPLES:
        out.append(f"design.samples = {d.samples} is below {LHS_MIN_SAMPLES}; the given-data "
                   "indices (RBD-FAST, PAWN) and feature scores from few points are rough"
                   + (f", and need at least {GIVEN_DATA_MIN_POINTS} points"
                      if d.samples < GIVEN_DATA_MIN_POINTS else ""))
    return out


def responses(plan: Plan, data: storage.SweepData, output: str,
              years: tuple[int, int]) -> np.ndarray:
    """Response of each design point: mean over quarters of ``years``, then over the
    point's ``ok`` replications. Shape (n_points,).

    Raises
    ------
    ConfigError
        If a design point has no ``ok`` run (the analysis needs every point).
    """
    ts = data.timeseries
    ts = ts[(ts["year"] >= years[0]) & (ts["year"] <= years[1])]
    per_run = ts.groupby("run_id")[output].mean()
    point_of = data.plan.set_index("run_id")["point"]
    per_point = per_run.groupby(point_of.reindex(per_run.index).to_numpy()).mean()
    n = len(plan.design.points)
    missing = sorted(set(range(n)) - set(per_point.index))
    if missing:
        raise ConfigError(f"sensitivity: {len(missing)} of {n} design points have no ok run "
                          f"(e.g. point {missing[0]}); rerun with --retry-failed or fix the "
                          "failures first")
    return per_point.reindex(range(n)).to_numpy(dtype=float)


def analyze(plan: Plan, data: storage.SweepData) -> tuple[pd.DataFrame, list[str]]:
    """Sensitivity indices of every selected output, by the methods of the design (see
    the module docstring).

    Returns
    -------
    indices : DataFrame
        Tidy table with :data:`INDEX_COLUMNS`; ``conf`` is SALib's half-width of the
        bootstrap confidence interval at ``conf_level`` (none for Morris mu and sigma,
        PAWN and feature scores).
    notes : list of str
        Outputs that could not be analysed (constant response) and methods skipped.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    loaded = plan.loaded
    spec, d = loaded.spec, loaded.spec.design
    s = spec.sensitivity
    conf_level = s.conf_level if s else 0.95
    resamples = s.resamples if s else 1000
    outputs = (s.outputs if s and s.outputs else None) or list(loaded.outputs)
    end = loaded.base.time.end_year
    years = tuple(s.years) if s and s.years else (end, end)
    names = plan.names
    problem = plan.design.problem
    rows, notes = [], []
    x = point_inputs(plan)
    given_data = d.kind == "lhs" and len(x) >= GIVEN_DATA_MIN_POINTS
    if d.kind == "lhs" and not given_data:
        notes.append(f"given-data indices (RBD-FAST, PAWN) skipped: they need at least "
                     f"{GIVEN_DATA_MIN_POINTS} design points, the sweep has {len(x)}")
    scoring = True
    for output in outputs:
        y = responses(plan, data, output, years)
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            notes.append(f"{output}: the response is constant (or not finite) across the "
                         "design, so its indices are undefined; skipped")
            continue
        rng = analysis_rng(plan.entropy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if d.kind == "sobol":
                si = sobol_analyze.analyze(problem, y, calc_second_order=d.second_order,
                                           num_resamples=resamples, conf_level=conf_level,
                                           seed=rng)
                for idx in ("S1", "ST"):
                    for j, name in enumerate(names):
                        rows.append(_row(output, "sobol", idx, name, None, si[idx][j],
                                         si[f"{idx}_conf"][j]))
                if d.second_order:
                    for j in range(len(names)):
                        for k in range(j + 1, len(names)):
                            rows.append(_row(output, "sobol", "S2", names[j], names[k],
                                             si["S2"][j, k], si["S2_conf"][j, k]))
            elif d.kind == "morris":
                si = morris_analyze.analyze(problem, plan.design.unit, y,
                                            num_resamples=resamples, conf_level=conf_level,
                                            num_levels=d.levels, seed=rng)
                for j, name in enumerate(names):
                    rows.append(_row(output, "morris", "mu_star", name, None,
                                     si["mu_star"][j], si["mu_star_conf"][j]))
                    rows.append(_row(output, "morris", "mu", name, None, si["mu"][j], None))
                    rows.append(_row(output, "morris", "sigma", name, None, si["sigma"][j],
                                     None))
        if given_data:
            rows += _given_data_rows(output, x, y, plan.entropy, conf_level, resamples)
        if scoring:
            try:
                rows += _score_rows(output, x, y, plan.entropy)
            except ImportError as err:
                scoring = False
                notes.append(f"feature scores skipped: they need the explore extra "
                             f"({err.name} is not installed): pip install 'bposim[explore]'")
    df = pd.DataFrame(rows, columns=list(INDEX_COLUMNS))
    return df, notes


def _given_data_rows(output: str, x: pd.DataFrame, y: np.ndarray, entropy: int,
                     conf_level: float, resamples: int) -> list[dict]:
    """RBD-FAST S1 (with its confidence interval) and PAWN rows of one output."""
    gd = given_data_indices(x, y, analysis_rng(entropy), conf_level, resamples)
    rows = []
    for j, name in enumerate(x.columns):
        rows.append(_row(output, "rbd_fast", "S1", name, None, gd["rbd_fast"]["S1"][j],
                         gd["rbd_fast"]["S1_conf"][j]))
        rows += [_row(output, "pawn", k, name, None, gd["pawn"][k][j], None)
                 for k in PAWN_INDICES]
    return rows


def _score_rows(output: str, x: pd.DataFrame, y: np.ndarray, entropy: int) -> list[dict]:
    """Extra-trees feature-score rows of one output (raises ImportError without the
    explore extra)."""
    scores = feature_scores(x, y, int(analysis_rng(entropy).integers(2 ** 31)))
    return [_row(output, "extra_trees", "feature_score", name, None, scores[name], None)
            for name in x.columns]


def _row(output, method, index, p1, p2, value, conf) -> dict:
    value = float(value)
    conf = None if conf is None else float(conf)
    lo = None if conf is None else value - conf
    hi = None if conf is None else value + conf
    return dict(output=output, method=method, index=index, parameter=p1, parameter_2=p2,
                value=value, conf=conf, ci_low=lo, ci_high=hi)


def write_results(indices: pd.DataFrame, notes: list[str], out_dir: Path,
                  formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Write the table (CSV and Parquet), one bar chart per output (in each of
    ``formats``) and the warnings; every file atomically."""
    from experiments.summary import sensitivity_figures  # matplotlib: only when drawing
    from simulation.plotting import save_figures

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "indices.csv", out_dir / "indices.parquet"]
    storage.write_text_atomic(indices.to_csv(index=False), paths[0])
    schema = pa.schema([pa.field(c, pa.string()) for c in INDEX_COLUMNS[:5]]
                       + [pa.field(c, pa.float64()) for c in INDEX_COLUMNS[5:]])
    storage.write_table_atomic(pa.Table.from_pandas(indices, schema=schema,
                                                    preserve_index=False), paths[1])
    paths += save_figures(sensitivity_figures(indices), out_dir, formats)
    storage.write_text_atomic("".join(f"{n}\n" for n in notes), out_dir / "warnings.txt")
    paths.append(out_dir / "warnings.txt")
    return paths


def format_table(indices: pd.DataFrame) -> str:
    """The indices as a short text table (value +/- conf)."""
    if indices.empty:
        return "(no indices)"
    d = indices.copy()
    d["value +/- conf"] = [f"{v:8.4f}" + (f" +/- {c:.4f}" if c == c and c is not None
                                           else "") for v, c in zip(d["value"], d["conf"])]
    d["parameter"] = [p if not q or q != q else f"{p} x {q}"
                      for p, q in zip(d["parameter"], d["parameter_2"])]
    return d[["output", "method", "index", "parameter", "value +/- conf"]].to_string(
        index=False)


@dataclass
class SensitivityResult:
    """What :func:`run_sensitivity` did.

    Attributes
    ----------
    outcome : experiments.runner.SweepOutcome or None
        The sweep session: runs stored, failed, timed out; ``exit_status`` (None when a
        finished folder was analysed, :func:`analyze_folder`).
    indices : DataFrame
        Tidy table with :data:`INDEX_COLUMNS` (:func:`analyze`); empty if interrupted.
    warnings : list of str
        Sample-size guidance (:func:`guidance_warnings`) and outputs that were skipped.
    paths : list of Path
        Files written in ``DIR/sensitivity/`` (none if interrupted).
    """

    outcome: SweepOutcome | None
    indices: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)


def run_sensitivity(spec: str | Path | LoadedSpec, opts, stderr: TextIO | None = None
                    ) -> SensitivityResult:
    """``bposim sensitivity SPEC`` as a function: run a design as a sweep (stored and
    resumable, :func:`experiments.runner.run_sweep`), analyse it (:func:`analyze`) and
    write the results (:func:`write_results`) to ``DIR/sensitivity/``.

    Parameters
    ----------
    spec : path or LoadedSpec
        Sweep spec of any design (and optionally a ``[sensitivity]`` table: outputs,
        years, confidence level, resamples).
    opts : experiments.runner.SweepOptions
        Folder and executor, as for :func:`experiments.runner.run_sweep`.
    stderr : text stream, optional
        Where warnings (``bposim: warning: ...``) and the progress bar go; default
        ``sys.stderr``.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    simulation.config.ConfigError
        Invalid spec; a design point without any ``ok`` run (:func:`responses`).
    experiments.runner.SweepError
        Folder in use, not a sweep folder, or the spec changed.
    """
    from experiments.runner import run_sweep

    stderr = stderr or sys.stderr
    loaded = spec if isinstance(spec, LoadedSpec) else load_spec(spec)
    warn = guidance_warnings(loaded.spec)
    for w in warn:
        print(f"bposim: warning: {w}", file=stderr)
    outcome = run_sweep(loaded, opts, stderr=stderr)
    if outcome.interrupted:
        return SensitivityResult(outcome, pd.DataFrame(columns=list(INDEX_COLUMNS)), warn)
    indices, notes = analyze(outcome.plan, storage.load_sweep(outcome.sweep_dir))
    for n in notes:
        print(f"bposim: warning: {n}", file=stderr)
    paths = write_results(indices, warn + notes, outcome.sweep_dir / "sensitivity")
    return SensitivityResult(outcome, indices, warn + notes, paths)


def analyze_folder(sweep_dir: str | Path, out_dir: str | Path | None = None,
                   stderr: TextIO | None = None, formats: tuple[str, ...] = ("png",)
                   ) -> SensitivityResult:
    """``bposim sensitivity SWEEP_DIR`` as a function: analyse a finished sweep folder
    (:func:`analyze`, the plan rebuilt by :func:`experiments.plan.stored_plan`) and write
    the results to ``out_dir`` (default ``SWEEP_DIR/sensitivity``; figures in each of
    ``formats``). Runs nothing.

    Returns
    -------
    SensitivityResult
        ``outcome`` is None.

    Raises
    ------
    simulation.config.ConfigError
        Not a sweep folder; a plan that cannot be rebuilt; a design point without any
        ``ok`` run.
    """
    from experiments.plan import stored_plan

    stderr = stderr or sys.stderr
    sweep_dir = Path(sweep_dir)
    out_dir = Path(out_dir) if out_dir is not None else sweep_dir / "sensitivity"
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out: {out_dir} is a file, not a folder")
    plan = stored_plan(sweep_dir)
    data = storage.load_sweep(sweep_dir)
    warn = guidance_warnings(plan.loaded.spec)
    indices, notes = analyze(plan, data)
    for w in warn + notes:
        print(f"bposim: warning: {w}", file=stderr)
    paths = write_results(indices, warn + notes, out_dir, formats)
    return SensitivityResult(None, indices, warn + notes, paths)


__all__ = ["run_sensitivity", "analyze_folder", "SensitivityResult", "analyze", "responses",
           "guidance_warnings", "write_results", "format_table", "SOBOL_MIN_SAMPLES",
           "MORRIS_MIN_TRAJECTORIES"]
