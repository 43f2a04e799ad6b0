"""Calibration by simulated method of moments (SMM) to the published market-size series.

The objective (:func:`experiments.moments.objective`) compares moments of the model's
``tcv_signed_usd_bn`` (years 2000-2017 only) with those of the published TCV series. Each
candidate parameter set is run with the same replications' seeds (common random numbers),
so the objective is a deterministic function of the parameters and candidates are
compared on the same random draws. The optimiser is :func:`scipy.optimize.differential_evolution`
(Storn & Price 1997), a derivative-free global method suited to a simulated, non-smooth
objective; a whole population of candidates is evaluated at once through the sweep
engine's executors (in-process, local process pool or Dask), so calibration runs in
parallel locally or on a cluster.

The calibration spec (TOML) declares the fitted parameters with their bounds; see
``experiments/calibration/default.toml`` and ``docs/calibration.md``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments import moments as mom
from experiments.executors import RunTask, map_runs
from experiments.parameters import resolve, scenario_with
from experiments.progress import Progress
from experiments.seeds import crn_key, optimiser_rng, root_entropy
from simulation.config import (CALIBRATED_SCENARIO, SCENARIO_DIR, ConfigError, Scenario,
                               _toml_value, load_scenario)
from simulation.inputs import parse_toml, read_text
from simulation.run import Clock, make_seed, provenance, run_model

SPEC_DIR = Path(__file__).parent / "calibration"
DEFAULT_SPEC = SPEC_DIR / "default.toml"
#: The calibration shipped with the package (read by ``bposim reproduce``; replaced only
#: by ``bposim calibrate --install``).
SHIPPED_SCENARIO = CALIBRATED_SCENARIO
SHIPPED_RESULT = SCENARIO_DIR / "calibration.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Bound(_Strict):
    """Bounds of one fitted parameter (same units as the scenario field)."""

    name: str = Field(min_length=1)
    lower: float
    upper: float

    @model_validator(mode="after")
    def _order(self) -> "Bound":
        if not self.lower < self.upper:
            raise ValueError(f"parameters ({self.name}).upper: must be > lower")
        return self


class Optimiser(_Strict):
    """Settings of :func:`scipy.optimize.differential_evolution`."""

    maxiter: int = Field(12, ge=1, le=10_000)
    popsize: int = Field(5, ge=2, le=1000)
    tol: float = Field(0.01, ge=0, le=10)
    mutation: list[float] = Field([0.5, 1.0], min_length=2, max_length=2)
    recombination: float = Field(0.7, ge=0, le=1)


class CalibrationSpec(_Strict):
    """A calibration spec: base scenario, fitted parameters with bounds, evaluation size.

    ``n_firms`` simulated firms per run (market size is scale-free: each simulated firm
    stands for ``real_buyer_firms / n_firms`` real firms), ``replications`` runs per
    candidate with common random numbers from ``seed``.
    """

    scenario: str | None = None
    overrides: dict[str, Any] = {}
    parameters: list[Bound] = Field(min_length=1)
    n_firms: int = Field(500, ge=1, le=5_000_000)
    replications: int = Field(4, ge=1, le=1000)
    seed: int = Field(2017, ge=0)
    optimiser: Optimiser = Optimiser()


@dataclass
class LoadedCalibration:
    """A validated calibration spec with its base scenario resolved."""

    spec: CalibrationSpec
    base: Scenario
    text: str

    @property
    def spec_hash(self) -> str:
        blob = json.dumps(self.spec.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def load_calibration_spec(path: str | Path | None = None) -> LoadedCalibration:
    """Read and validate a calibration spec (default: the shipped one).

    Raises
    ------
    ConfigError
        One line naming the field.
    """
    from experiments.spec import _format_error

    path = Path(path) if path is not None else DEFAULT_SPEC
    text = read_text(path, "calibration spec")
    data = parse_toml(text, path, "calibration spec")
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_error(err, data)) from None
    base_file = None
    if spec.scenario is not None:
        base_file = Path(spec.scenario)
        if not base_file.is_absolute():
            base_file = path.parent / base_file
    base = load_scenario(base_file, calibrated=False)  # not the calibration installed before
    over = {resolve(k): v for k, v in spec.overrides.items()}
    over[resolve("time.end_year")] = max(mom.FIT_YEARS)
    over[resolve("time.start_year")] = min(mom.FIT_YEARS)
    over[resolve("population.n_firms")] = spec.n_firms
    try:
        base = scenario_with(base, over)
    except ConfigError as err:
        raise ConfigError(f"overrides: {err}") from None
    for b in spec.parameters:
        try:
            scenario_with(base, {resolve(b.name): b.lower})
            scenario_with(base, {resolve(b.name): b.upper})
        except ConfigError as err:
            raise ConfigError(f"parameters ({b.name}): {err}") from None
    return LoadedCalibration(spec=spec, base=base, text=text)


# ------------------------------------------------------------------ evaluation
def tcv_series(task: RunTask) -> tuple[list[float], float]:
    """Run one (candidate, replication) and return its TCV series for the fit years.

    Module-level so that process pools and Dask workers can run it.

    Returns
    -------
    (tcv 2000-2017 in USD bn, BPO TCV in 2015 in USD bn)
    """
    a = run_model(task.scenario, task.seed).annual.set_index("year")
    tcv = [float(a.at[y, "tcv_index_usd_bn"]) for y in mom.FIT_YEARS]
    return tcv, float(a.at[2015, "tcv_index_bpo_usd_bn"])


def candidate_scenarios(loaded: LoadedCalibration, xs: np.ndarray) -> list[Scenario]:
    """Scenarios of candidate parameter vectors ``xs`` (shape ``(n, n_parameters)``)."""
    addrs = [resolve(b.name) for b in loaded.spec.parameters]
    return [scenario_with(loaded.base, dict(zip(addrs, map(float, x)))) for x in xs]


def replication_keys(replications: int) -> list[tuple]:
    """Spawn keys of the replications (common random numbers across candidates)."""
    return [crn_key(r) for r in range(replications)]


def evaluate(loaded: LoadedCalibration, xs: np.ndarray, executor=None,
             data: dict[str, float] | None = None,
             progress: Progress | None = None) -> tuple[np.ndarray, list[dict]]:
    """Objective and simulated moments of each candidate.

    Parameters
    ----------
    loaded : LoadedCalibration
    xs : ndarray, shape (n, n_parameters)
    executor : experiments.executors.Executor or None
        Where the runs go (None: in this process).
    data : dict, optional
        Target moments (default: the published series, :func:`moments.data_moments`).
    progress : experiments.progress.Progress, optional
        Counts each finished run.

    Returns
    -------
    objectives : ndarray, shape (n,)
    moments : list of dict, one per candidate
    """
    data = mom.data_moments() if data is None else data
    xs = np.atleast_2d(np.asarray(xs, float))
    scen = candidate_scenarios(loaded, xs)
    entropy = root_entropy(loaded.spec.seed)
    keys = replication_keys(loaded.spec.replications)
    tasks = [RunTask((i, r), s, make_seed(entropy, k)) for i, s in enumerate(scen)
             for r, k in enumerate(keys)]
    done = None if progress is None else (lambda task, result: progress.update(1))
    results = dict(zip((t.key for t in tasks),
                       map_runs(executor, tcv_series, tasks, on_done=done)))
    objs, moms = [], []
    for i in range(len(scen)):
        rows = [results[(i, r)] for r in range(len(keys))]
        annuals = [pd.DataFrame({"year": list(mom.FIT_YEARS), "tcv_signed_usd_bn": tcv,
                                 "tcv_signed_bpo_usd_bn": [bpo if y == 2015 else np.nan
                                                           for y in mom.FIT_YEARS]})
                   for tcv, bpo in rows]
        sim = mom.simulated_moments(annuals)
        moms.append(sim)
        objs.append(mom.objective(sim, data))
    return np.array(objs), moms


# ------------------------------------------------------------------ optimisation
@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`."""

    names: list[str]
    values: list[float]
    objective: float
    fit_table: pd.DataFrame
    history: pd.DataFrame
    provenance: dict = field(default_factory=dict)

    def as_overrides(self) -> dict[str, float]:
        return dict(zip(self.names, self.values))


def fit_table(sim: dict[str, float], data: dict[str, float]) -> pd.DataFrame:
    """Moment-by-moment comparison: moment, published, simulated, scaled distance."""
    d = mom.distance_vector(sim, data)
    return pd.DataFrame({"moment": list(data), "published": list(data.values()),
                         "simulated": [sim[k] for k in data], "scaled_distance": d})


def calibrate(loaded: LoadedCalibration, executor=None, data: dict[str, float] | None = None,
              progress: Progress | None = None) -> CalibrationResult:
    """Fit the spec's parameters by SMM with differential evolution.

    Parameters
    ----------
    loaded : LoadedCalibration
    executor : Executor or None
        Sweep executor for the runs (None: in-process).
    data : dict, optional
        Target moments (default: the published series). Tests pass moments of a
        synthetic series generated by the model itself.
    progress : experiments.progress.Progress, optional
        Counts each run; its total is set from the first generation (population x
        (``maxiter`` + 1) generations x replications, plus the replications of the best
        candidate: differential evolution may stop earlier), its status names the
        generation and the best objective.
    """
    from scipy.optimize import differential_evolution

    spec = loaded.spec
    data = mom.data_moments() if data is None else data
    bounds = [(b.lower, b.upper) for b in spec.parameters]
    names = [b.name for b in spec.parameters]
    history: list[dict] = []
    clock = Clock()

    def batch_map(_func, population):
        xs = np.array(list(population), float)
        if progress is not None and progress.total is None:
            progress.set_total(len(xs) * (spec.optimiser.maxiter + 1) * spec.replications
                               + spec.replications)
        objs, _ = evaluate(loaded, xs, executor, data, progress)
        for x, o in zip(xs, objs):
            history.append({**dict(zip(names, x)), "objective": float(o)})
        return list(objs)

    gen = [0]

    def callback(intermediate_result):
        gen[0] += 1
        if progress is not None:
            progress.set_postfix(f"generation {gen[0]}, best objective "
                                 f"{intermediate_result.fun:.4f}")

    o = spec.optimiser
    res = differential_evolution(
        lambda x: 0.0, bounds, workers=batch_map, updating="deferred", maxiter=o.maxiter,
        popsize=o.popsize, tol=o.tol, mutation=tuple(o.mutation),
        recombination=o.recombination, polish=False, init="sobol",
        rng=optimiser_rng(spec.seed),
        callback=callback)
    best = np.asarray(res.x, float)
    objs, moms = evaluate(loaded, best[None, :], executor, data, progress)
    if progress is not None:  # the total was an upper bound (early stop on ``tol``)
        progress.set_total(progress.done)
    prov = provenance(
        clock, seed=spec.seed, evaluations=len(history), generations=int(res.nit),
        spec=spec.model_dump(mode="json"), spec_hash=loaded.spec_hash,
        seed_entropy=root_entropy(spec.seed),
        replication_spawn_keys=[list(k) for k in replication_keys(spec.replications)],
        executor=executor.describe() if executor is not None else "in-process",
        fit_years=[min(mom.FIT_YEARS), max(mom.FIT_YEARS)],
        optimiser="scipy.optimize.differential_evolution")
    return CalibrationResult(names=names, values=[float(v) for v in best],
                             objective=float(objs[0]), fit_table=fit_table(moms[0], data),
                             history=pd.DataFrame(history), provenance=prov)


def save_calibration(result: CalibrationResult, folder: Path) -> None:
    """Write ``calibrated.toml`` (a scenario overlay), ``calibration.json`` (values,
    objective, fit table, seeds, provenance) and ``history.csv`` into ``folder``.

    Only ``folder`` is written; ``bposim calibrate --install`` copies the first two over
    the shipped calibration (:data:`SHIPPED_SCENARIO`, :data:`SHIPPED_RESULT`)."""
    nested: dict[str, dict] = {}
    for name, value in result.as_overrides().items():
        a = resolve(name)
        if a.key is None:
            nested.setdefault(a.section, {})[a.field] = value
        else:
            nested.setdefault(a.section, {}).setdefault(a.field, {})[a.key] = value
    lines = ["# Calibrated parameters (SMM fit to the published TCV series 2000-2017).",
             "# GENERATED by `bposim calibrate`; overlay on the default scenario.",
             f"# objective {result.objective:.4f}; provenance in calibration.json", ""]
    for sec, body in nested.items():
        lines.append(f"[{sec}]")
        for k, v in body.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    (folder / "calibrated.toml").write_text("\n".join(lines), encoding="utf-8")
    payload = {"parameters": result.as_overrides(), "objective": result.objective,
               "fit_table": result.fit_table.to_dict(orient="records"),
               "provenance": result.provenance}
    (folder / "calibration.json").write_text(json.dumps(payload, indent=2, sort_keys=True)
                                             + "\n", encoding="utf-8")
    result.history.to_csv(folder / "history.csv", index=False)


def calibrated_scenario(path: str | Path | None = None, **flat) -> Scenario:
    """The default scenario with the shipped (or given) calibration overlaid.

    Raises
    ------
    ConfigError
        If the calibration file is missing or invalid.
    """
    p = Path(path) if path is not None else SHIPPED_SCENARIO
    if not p.is_file():
        raise ConfigError(f"{p}: no calibration file; run `bposim calibrate` first")
    return load_scenario(p, calibrated=False, **flat)
