"""Calibration by simulated method of moments (SMM) to the published market-size series.

The objective (:func:`experiments.moments.objective`) compares moments of the model's
:data:`experiments.moments.SERIES_COLUMN` (the years of the spec's fit window, 2000-2017
at most) with those of the published TCV series. Each
candidate parameter set is run with the same replications' seeds (common random numbers),
so the objective is a deterministic function of the parameters and candidates are
compared on the same random draws. The optimiser is :func:`scipy.optimize.differential_evolution`
(Storn & Price 1997), a derivative-free global method suited to a simulated, non-smooth
objective; a whole population of candidates is evaluated at once through the sweep
engine's executors (in-process, local process pool or Dask), so calibration runs in
parallel locally or on a cluster.

After the optimum, :func:`standard_errors` gives the SMM sandwich standard errors and
local identification diagnostics (:mod:`experiments.uncertainty`),
:func:`identification_check` re-fits synthetic data generated at the optimum, and
:func:`forecast` predicts the published years after a fit window ending before 2017 with
parameter uncertainty.

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
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from experiments import moments as mom
from experiments.executors import RunTask, map_runs
from experiments.parameters import resolve, scenario_with
from experiments.progress import Progress
from experiments import uncertainty as unc
from experiments.seeds import (PARAMETER_DRAW_KEY, crn_key, forecast_key,
                               identification_key, optimiser_rng, parameter_draw_rng,
                               root_entropy, se_key)
from simulation.config import (CALIBRATED_SCENARIO, SCENARIO_DIR, ConfigError, Scenario,
                               _toml_value, load_scenario)
from simulation.inputs import parse_toml, read_text
from simulation.run import Clock, make_seed, provenance, run_model
from simulation.world import published_market_size

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

    ``n_firms`` simulated firms per run (each simulated firm stands for
    ``real_buyer_firms / n_firms`` real firms; the level of the deal index depends on
    ``n_firms`` through the sampling of the largest firms, so fit at the size you run), ``replications`` runs per
    candidate with common random numbers from ``seed``. ``fit_years`` ``[first, last]``:
    the window of published years the moments use (within 2000-2017, at least 6 years).
    After the fit: ``se_replications`` runs at the optimum estimate the moments'
    covariance, the Jacobian is taken by finite differences of ``fd_step`` x each
    parameter's bound width, and a fit window ending before 2017 is followed by a
    forecast of the later years with ``forecast_replications`` runs (see
    ``docs/calibration.md``).
    """

    scenario: str | None = None
    overrides: dict[str, Any] = {}
    parameters: list[Bound] = Field(min_length=1)
    n_firms: int = Field(500, ge=1, le=5_000_000)
    replications: int = Field(4, ge=1, le=1000)
    seed: int = Field(2017, ge=0)
    optimiser: Optimiser = Optimiser()
    fit_years: list[int] = Field([min(mom.FIT_YEARS), max(mom.FIT_YEARS)], min_length=2,
                                 max_length=2)
    se_replications: int = Field(16, ge=2, le=10_000)
    fd_step: float = Field(0.1, gt=0, le=0.5)
    forecast_replications: int = Field(20, ge=2, le=10_000)

    @field_validator("fit_years")
    @classmethod
    def _window(cls, v: list[int]) -> list[int]:
        mom.fit_window(*v)  # ValueError -> "fit_years: ..."
        return v

    @property
    def years(self) -> tuple[int, ...]:
        """The fit window's years."""
        return mom.fit_window(*self.fit_years)


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


def parse_fit_years(text: str) -> list[int]:
    """``"2000-2013"`` -> ``[2000, 2013]`` (the ``--fit-years`` option).

    Raises
    ------
    ConfigError
        One line naming ``fit_years`` if the text is not ``FIRST-LAST`` or the window is
        invalid.
    """
    parts = str(text).strip().split("-")
    try:
        first, last = (int(p) for p in parts)
    except ValueError:
        raise ConfigError(f"fit_years: expected FIRST-LAST such as 2000-2013, got "
                          f"{str(text)[:40]!r}") from None
    try:
        mom.fit_window(first, last)
    except ValueError as err:
        raise ConfigError(f"fit_years: {err}") from None
    return [first, last]


def load_calibration_spec(path: str | Path | None = None,
                          fit_years: list[int] | None = None) -> LoadedCalibration:
    """Read and validate a calibration spec (default: the shipped one).

    Parameters
    ----------
    path : path, optional
    fit_years : [first, last], optional
        Overrides the spec's ``fit_years`` (``bposim calibrate --fit-years``).

    Raises
    ------
    ConfigError
        One line naming the field.
    """
    from experiments.spec import _format_error

    path = Path(path) if path is not None else DEFAULT_SPEC
    text = read_text(path, "calibration spec")
    data = parse_toml(text, path, "calibration spec")
    if fit_years is not None and isinstance(data, dict):
        data = {**data, "fit_years": list(fit_years)}
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
    over[resolve("time.end_year")] = spec.fit_years[1]
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
def tcv_series(task: RunTask) -> pd.DataFrame:
    """Run one (candidate, replication) and return its annual TCV series.

    Module-level so that process pools and Dask workers can run it.

    Returns
    -------
    DataFrame
        ``year``, :data:`moments.SERIES_COLUMN` and :data:`moments.SERIES_BPO_COLUMN`
        (USD bn per year) for every simulated year.
    """
    a = run_model(task.scenario, task.seed).annual
    return a[["year", mom.SERIES_COLUMN, mom.SERIES_BPO_COLUMN]].reset_index(drop=True)


def candidate_scenarios(loaded: LoadedCalibration, xs: np.ndarray,
                        base: Scenario | None = None) -> list[Scenario]:
    """Scenarios of candidate parameter vectors ``xs`` (shape ``(n, n_parameters)``),
    overlaid on ``base`` (default: the spec's base scenario)."""
    addrs = [resolve(b.name) for b in loaded.spec.parameters]
    base = loaded.base if base is None else base
    return [scenario_with(base, dict(zip(addrs, map(float, x)))) for x in xs]


def replication_keys(replications: int) -> list[tuple]:
    """Spawn keys of the replications (common random numbers across candidates)."""
    return [crn_key(r) for r in range(replications)]


def run_candidates(loaded: LoadedCalibration, xs: np.ndarray, keys: list[tuple],
                   executor=None, progress: Progress | None = None,
                   base: Scenario | None = None,
                   paired: bool = False) -> list[list[pd.DataFrame]]:
    """Run every candidate of ``xs`` on every seed of ``keys`` (spawn keys of the spec's
    root seed; :mod:`experiments.seeds`), through ``executor``; with ``paired``,
    candidate ``i`` on key ``i`` only (one parameter draw per replication).

    Returns
    -------
    list of list of DataFrame
        ``[candidate][replication]``: the annual series of :func:`tcv_series`.
    """
    xs = np.atleast_2d(np.asarray(xs, float))
    scen = candidate_scenarios(loaded, xs, base)
    entropy = root_entropy(loaded.spec.seed)
    if paired:
        if len(keys) != len(scen):
            raise ValueError(f"paired runs need one key per candidate: {len(keys)} keys, "
                             f"{len(scen)} candidates")
        tasks = [RunTask((i, 0), s, make_seed(entropy, k))
                 for i, (s, k) in enumerate(zip(scen, keys))]
    else:
        tasks = [RunTask((i, r), s, make_seed(entropy, k)) for i, s in enumerate(scen)
                 for r, k in enumerate(keys)]
    done = None if progress is None else (lambda task, result: progress.update(1))
    results = dict(zip((t.key for t in tasks),
                       map_runs(executor, tcv_series, tasks, on_done=done)))
    n_rep = 1 if paired else len(keys)
    return [[results[(i, r)] for r in range(n_rep)] for i in range(len(scen))]


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
        Target moments (default: the published series over the spec's fit window,
        :func:`moments.data_moments`).
    progress : experiments.progress.Progress, optional
        Counts each finished run.

    Returns
    -------
    objectives : ndarray, shape (n,)
    moments : list of dict, one per candidate (the spec's fit window)
    """
    years = loaded.spec.years
    data = mom.data_moments(years) if data is None else data
    runs = run_candidates(loaded, xs, replication_keys(loaded.spec.replications), executor,
                          progress)
    moms = [mom.simulated_moments(annuals, years) for annuals in runs]
    return np.array([mom.objective(m, data) for m in moms]), moms


# ------------------------------------------------------------------ optimisation
@dataclass
class Uncertainty:
    """Standard errors of a calibration (:func:`standard_errors`).

    Attributes
    ----------
    table : DataFrame
        :func:`experiments.uncertainty.parameter_table`: name, estimate, se, ci_low,
        ci_high (90 %), lower, upper, identified.
    covariance : ndarray (p, p) or None
        Sandwich covariance (parameter units squared); None if ``D'WD`` is singular.
    diagnostics : dict
        :func:`experiments.uncertainty.identification_diagnostics` (of ``W^1/2 D`` per
        bound width; ``singular_values_unscaled`` and ``condition_number_unscaled``: of
        ``W^1/2 D`` in the parameters' own units) plus ``moments`` (the moment names), ``jacobian`` (D, moments x parameters), ``omega`` (covariance of
        one realisation's moments), ``weights`` (the diagonal of W), the settings and the
        seeds' spawn keys.
    """

    table: pd.DataFrame
    covariance: np.ndarray | None
    diagnostics: dict

    def correlation(self) -> np.ndarray | None:
        return None if self.covariance is None else unc.correlation(self.covariance)


@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate` (and of :func:`identification_check`, :func:`forecast`
    when run)."""

    names: list[str]
    values: list[float]
    objective: float
    fit_table: pd.DataFrame
    history: pd.DataFrame
    provenance: dict = field(default_factory=dict)
    bounds: list[tuple[float, float]] = field(default_factory=list)
    uncertainty: Uncertainty | None = None
    recovery: pd.DataFrame | None = None
    recovery_info: dict | None = None
    forecast: pd.DataFrame | None = None
    forecast_info: dict | None = None

    def as_overrides(self) -> dict[str, float]:
        return dict(zip(self.names, self.values))


def fit_table(sim: dict[str, float], data: dict[str, float]) -> pd.DataFrame:
    """Moment-by-moment comparison: moment, published, simulated, scaled distance."""
    d = mom.distance_vector(sim, data)
    return pd.DataFrame({"moment": list(data), "published": list(data.values()),
                         "simulated": [sim[k] for k in data], "scaled_distance": d})


def fd_points(estimate: np.ndarray, bounds: list[tuple[float, float]],
              step: float) -> tuple[np.ndarray, np.ndarray]:
    """Finite-difference points of each parameter: ``x+ = min(theta + h, upper)``,
    ``x- = max(theta - h, lower)``, ``h = step x (upper - lower)``; the other parameters
    at ``theta``. At a bound the difference is one-sided (one point is ``theta``).

    Returns
    -------
    plus, minus : ndarray, shape (p, p)
        Row ``j``: the point moved in parameter ``j``.
    """
    est = np.asarray(estimate, float)
    plus, minus = np.tile(est, (len(est), 1)), np.tile(est, (len(est), 1))
    for j, (lo, hi) in enumerate(bounds):
        h = step * (hi - lo)
        plus[j, j] = min(est[j] + h, hi)
        minus[j, j] = max(est[j] - h, lo)
    return plus, minus


def jacobian_noise_share(runs: list[list[pd.DataFrame]], keys: list[str],
                         years: tuple[int, ...], steps: np.ndarray, D: np.ndarray,
                         W: np.ndarray) -> np.ndarray:
    """Share of each Jacobian column's weighted norm that is simulation noise.

    For parameter ``j`` the difference of the moments is also taken replication by
    replication (``D_jr``, each replication's own moments); the weighted noise of the
    column mean is ``sum_k W_kk var_r(D_kjr) / R`` and its weighted squared norm
    ``D_j' W D_j``. Their ratio is about 1 when the column is pure noise (the moments do
    not move beyond the replications' spread over the step: the common random numbers do
    not keep the runs in step), near 0 when it is signal. NaN with one replication.

    Parameters
    ----------
    runs : list of list of DataFrame
        :func:`run_candidates` of the ``2 p`` finite-difference points, plus points first.
    keys, years
        Moment names (the order of ``D``'s rows) and fit window.
    steps : ndarray, shape (p,)
        ``x+ - x-`` of each parameter.
    D : ndarray, shape (m, p)
    W : ndarray, shape (m, m)

    Returns
    -------
    ndarray, shape (p,)
    """
    p = len(steps)
    R = len(runs[0])
    out = np.full(p, np.nan)
    if R < 2:
        return out
    one = np.array([[[mom.simulated_moments([t], years)[k] for k in keys] for t in reps]
                    for reps in runs])  # (2p, R, m)
    w = np.diag(W)
    for j in range(p):
        d_r = (one[j] - one[p + j]) / steps[j]  # (R, m)
        noise = float(np.sum(w * d_r.var(axis=0, ddof=1)) / R)
        signal = float(D[:, j] @ W @ D[:, j])
        out[j] = noise / signal if signal > 0 else np.inf
    return out


def standard_errors(loaded: LoadedCalibration, estimate, executor=None,
                    progress: Progress | None = None) -> Uncertainty:
    """SMM sandwich standard errors at the estimate (see ``docs/calibration.md``).

    (a) ``se_replications`` runs at the estimate on their own seeds (spawn keys
    :func:`experiments.seeds.se_key`) give each run's moment vector; ``Omega`` is their
    covariance (one realisation's, the data's sampling variance under the model).
    (b) ``D``: central finite differences of the replication-mean moments, on the same
    ``se_replications`` seeds (:func:`fd_points`; more runs than the fit's
    ``replications``, because a small parameter change lets paired runs drift apart). (c) ``W``:
    :func:`experiments.moments.weight_matrix`. (d)
    :func:`experiments.uncertainty.smm_covariance` with ``R`` = the spec's replications.

    Parameters
    ----------
    loaded : LoadedCalibration
    estimate : sequence of float
        The optimum, in the order of the spec's parameters.
    executor, progress
        As :func:`evaluate`.
    """
    spec = loaded.spec
    years = spec.years
    est = np.asarray(estimate, float)
    bounds = [(b.lower, b.upper) for b in spec.parameters]
    keys = list(mom.data_moments(years))
    plus, minus = fd_points(est, bounds, spec.fd_step)
    se_keys = [se_key(r) for r in range(spec.se_replications)]
    # the Jacobian on the se_replications' seeds, not the fit's few: a small change of a
    # parameter lets paired runs drift apart (the contracts of the largest firms move
    # from one year to another), so a difference of two R-run means is mostly noise
    runs = run_candidates(loaded, np.vstack([plus, minus]), se_keys, executor, progress)
    m = np.array([[mm[k] for k in keys]
                  for mm in (mom.simulated_moments(r, years) for r in runs)])
    p = len(est)
    steps = np.diag(plus) - np.diag(minus)
    D = (m[:p] - m[p:]).T / steps  # (moments, parameters)
    W = mom.weight_matrix(keys)
    noise_share = jacobian_noise_share(runs, keys, years, steps, D, W)
    (tables,) = run_candidates(loaded, est[None, :], se_keys, executor, progress)
    M = np.array([[mom.simulated_moments([t], years)[k] for k in keys] for t in tables])
    Omega = np.atleast_2d(np.cov(M, rowvar=False, ddof=1))
    diag = unc.identification_diagnostics(D, W, [hi - lo for lo, hi in bounds])
    V = None
    if not diag["singular"]:
        try:
            V = unc.smm_covariance(D, W, Omega, spec.replications)
        except np.linalg.LinAlgError:
            V = None
    table = unc.parameter_table([b.name for b in spec.parameters], est, bounds, V)
    table["jacobian_noise_share"] = noise_share
    raw = unc.identification_diagnostics(D, W, np.ones(p))
    diag.update(
        singular_values_unscaled=raw["singular_values"],
        condition_number_unscaled=raw["condition_number"],
        dtwd_singular=V is None, moments=keys, jacobian=D.tolist(), omega=Omega.tolist(),
        weights=np.diag(W).tolist(), replications=spec.replications,
        se_replications=spec.se_replications, fd_step=spec.fd_step,
        fd_plus=np.diag(plus).tolist(), fd_minus=np.diag(minus).tolist(),
        se_spawn_keys=[list(k) for k in se_keys],
        not_identified=[n for n, ok in zip(table["name"], table["identified"]) if not ok],
        jacobian_noise_share=noise_share.tolist(),
        jacobian_scaled_by="bound width (upper - lower) of each parameter")
    return Uncertainty(table=table, covariance=V, diagnostics=diag)


def calibrate(loaded: LoadedCalibration, executor=None, data: dict[str, float] | None = None,
              progress: Progress | None = None,
              uncertainty: bool = True) -> CalibrationResult:
    """Fit the spec's parameters by SMM with differential evolution, then (with
    ``uncertainty``) their standard errors (:func:`standard_errors`) and, if the fit window
    ends before 2017, the out-of-sample forecast of the later years (:func:`forecast`).

    Parameters
    ----------
    loaded : LoadedCalibration
    executor : Executor or None
        Sweep executor for the runs (None: in-process).
    data : dict, optional
        Target moments (default: the published series over the spec's fit window). Tests
        and :func:`identification_check` pass moments of a synthetic series generated by
        the model itself.
    progress : experiments.progress.Progress, optional
        Counts each run; its total is set from the first generation (population x
        (``maxiter`` + 1) generations x replications, plus the replications of the best
        candidate and the runs of the standard errors and forecast: differential
        evolution may stop earlier), its status names the generation and the best
        objective.
    uncertainty : bool
        Compute standard errors (and the forecast); False: the point estimate only.
    """
    from scipy.optimize import differential_evolution

    spec = loaded.spec
    years = spec.years
    data = mom.data_moments(years) if data is None else data
    bounds = [(b.lower, b.upper) for b in spec.parameters]
    names = [b.name for b in spec.parameters]
    history: list[dict] = []
    clock = Clock()
    p = len(names)
    extra = spec.replications  # the best candidate
    if uncertainty:
        extra += (2 * p + 1) * spec.se_replications
        if years[-1] < max(mom.FIT_YEARS):
            extra += spec.forecast_replications

    def batch_map(_func, population):
        xs = np.array(list(population), float)
        if progress is not None and progress.total is None:
            progress.set_total(len(xs) * (spec.optimiser.maxiter + 1) * spec.replications
                               + extra)
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
        progress.set_total(progress.done + extra - spec.replications)
    prov = provenance(
        clock, seed=spec.seed, evaluations=len(history), generations=int(res.nit),
        spec=spec.model_dump(mode="json"), spec_hash=loaded.spec_hash,
        seed_entropy=root_entropy(spec.seed),
        replication_spawn_keys=[list(k) for k in replication_keys(spec.replications)],
        executor=executor.describe() if executor is not None else "in-process",
        fit_years=[years[0], years[-1]], series_column=mom.SERIES_COLUMN,
        series_bpo_column=mom.SERIES_BPO_COLUMN,
        optimiser="scipy.optimize.differential_evolution")
    result = CalibrationResult(names=names, values=[float(v) for v in best],
                               objective=float(objs[0]), fit_table=fit_table(moms[0], data),
                               history=pd.DataFrame(history), provenance=prov,
                               bounds=bounds)
    if uncertainty:
        result.uncertainty = standard_errors(loaded, best, executor, progress)
        if years[-1] < max(mom.FIT_YEARS):
            forecast(loaded, result, executor, progress)
        result.provenance["runtime_s"] = clock.seconds
    if progress is not None:
        progress.set_total(progress.done)
    return result


def forecast(loaded: LoadedCalibration, result: CalibrationResult, executor=None,
             progress: Progress | None = None) -> pd.DataFrame:
    """Out-of-sample forecast of the published years after the fit window (to 2017).

    Replication ``r`` (of the spec's ``forecast_replications``) runs at its own parameter
    draw ``theta_r ~ N(theta_hat, V)`` truncated to the bounds
    (:func:`experiments.uncertainty.draw_parameters` on
    :func:`experiments.seeds.parameter_draw_rng`) with seed spawn key
    :func:`experiments.seeds.forecast_key` ``(r)``; without a covariance (``D'WD``
    singular) every replication runs at ``theta_hat`` (simulation noise only, said in
    ``forecast_info``). Sets ``result.forecast`` (year, published, median, lo, hi, inside)
    and ``result.forecast_info`` and returns the table.

    Raises
    ------
    ValueError
        If the fit window already ends in 2017 (nothing to forecast).
    """
    spec = loaded.spec
    last = max(mom.FIT_YEARS)
    years = list(range(spec.years[-1] + 1, last + 1))
    if not years:
        raise ValueError("fit_years ends in 2017: no published year left to forecast")
    n = spec.forecast_replications
    est = np.asarray(result.values, float)
    V = result.uncertainty.covariance if result.uncertainty is not None else None
    if V is not None:
        draws = unc.draw_parameters(parameter_draw_rng(root_entropy(spec.seed)), est, V,
                                    result.bounds, n)
    else:
        draws = np.tile(est, (n, 1))
    base = scenario_with(loaded.base, {resolve("time.end_year"): last})
    keys = [forecast_key(r) for r in range(n)]
    runs = run_candidates(loaded, draws, keys, executor, progress, base=base, paired=True)
    annual = pd.concat([t[0].assign(replication=r) for r, t in enumerate(runs)],
                       ignore_index=True)
    table, summary = unc.forecast_table(annual, mom.SERIES_COLUMN, published_market_size(),
                                        years)
    result.forecast = table
    result.forecast_info = {
        **summary, "replications": n, "parameter_uncertainty": V is not None,
        "fit_years": [spec.years[0], spec.years[-1]], "column": mom.SERIES_COLUMN,
        "spawn_keys": [list(k) for k in keys],
        "parameter_draw_spawn_key": list(PARAMETER_DRAW_KEY),
        "draws": draws.tolist()}
    return table


def identification_check(loaded: LoadedCalibration, result: CalibrationResult,
                         executor=None, progress: Progress | None = None) -> pd.DataFrame:
    """Identification by recovery: can the fit find its own estimate again?

    One synthetic realisation of the moments is generated by the model at the estimate
    ``theta_hat`` (one run, seed spawn key :func:`experiments.seeds.identification_key`
    ``(0)``, which the fit and the standard errors never use), then the same spec is
    fitted to it from scratch (:func:`calibrate` without standard errors). A parameter
    passes if ``|recovered - theta_hat| <= 2 SE`` (its standard error from
    :func:`standard_errors`; fails when the SE is undefined). Sets ``result.recovery``
    and ``result.recovery_info`` and returns the table: name, true, recovered, se,
    error_over_se, error_over_width, passed.
    """
    spec = loaded.spec
    est = np.asarray(result.values, float)
    key = identification_key(0)
    ((table,),) = run_candidates(loaded, est[None, :], [key], executor, progress)
    synthetic = mom.simulated_moments([table], spec.years)
    refit = calibrate(loaded, executor, data=synthetic, progress=progress,
                      uncertainty=False)
    se = (result.uncertainty.table["se"].to_numpy(float) if result.uncertainty is not None
          else np.full(len(est), np.nan))
    got = np.asarray(refit.values, float)
    err = np.abs(got - est)
    widths = np.array([hi - lo for lo, hi in result.bounds])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = err / se
    rec = pd.DataFrame({"name": result.names, "true": est, "recovered": got, "se": se,
                        "error_over_se": ratio, "error_over_width": err / widths,
                        "passed": ratio <= 2.0})
    result.recovery = rec
    result.recovery_info = {"synthetic_spawn_key": list(key), "objective": refit.objective,
                            "evaluations": refit.provenance["evaluations"],
                            "synthetic_moments": synthetic,
                            "passed": int(rec["passed"].sum()), "parameters": len(rec)}
    return rec


def _json_safe(x):
    """``x`` with NumPy scalars as Python numbers and non-finite floats as None (JSON has
    no NaN or infinity)."""
    if isinstance(x, dict):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, np.ndarray):
        return _json_safe(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if np.isfinite(x) else None
    return x


def result_payload(result: CalibrationResult) -> dict:
    """The content of ``calibration.json``: parameters, objective, fit table, provenance
    and, when computed, ``standard_errors`` (one record per parameter), ``covariance``
    (``names``, ``matrix``, ``correlation``; null if ``D'WD`` is singular),
    ``identification`` (local diagnostics), ``recovery`` (:func:`identification_check`)
    and ``forecast`` (:func:`forecast`)."""
    payload = {"parameters": result.as_overrides(), "objective": result.objective,
               "fit_table": result.fit_table.to_dict(orient="records"),
               "provenance": result.provenance}
    u = result.uncertainty
    if u is not None:
        payload["standard_errors"] = u.table.to_dict(orient="records")
        payload["covariance"] = None if u.covariance is None else {
            "names": result.names, "matrix": u.covariance, "correlation": u.correlation()}
        payload["identification"] = u.diagnostics
    if result.recovery is not None:
        payload["recovery"] = {**(result.recovery_info or {}),
                               "table": result.recovery.to_dict(orient="records")}
    if result.forecast is not None:
        payload["forecast"] = {**(result.forecast_info or {}),
                               "table": result.forecast.to_dict(orient="records")}
    return _json_safe(payload)


def save_calibration(result: CalibrationResult, folder: Path) -> None:
    """Write ``calibrated.toml`` (a scenario overlay), ``calibration.json``
    (:func:`result_payload`) and ``history.csv`` into ``folder``; with standard errors
    also ``parameters.csv`` (estimate, SE, 90 % interval, identified), with a recovery
    check ``identification.csv``, with a forecast ``forecast.csv``.

    Only ``folder`` is written; ``bposim calibrate --install`` copies the first two over
    the shipped calibration (:data:`SHIPPED_SCENARIO`, :data:`SHIPPED_RESULT`)."""
    nested: dict[str, dict] = {}
    for name, value in result.as_overrides().items():
        a = resolve(name)
        if a.key is None:
            nested.setdefault(a.section, {})[a.field] = value
        else:
            nested.setdefault(a.section, {}).setdefault(a.field, {})[a.key] = value
    first, last = result.provenance.get("fit_years", [min(mom.FIT_YEARS), max(mom.FIT_YEARS)])
    lines = [f"# Calibrated parameters (SMM fit to the published TCV series {first}-{last}).",
             "# GENERATED by `bposim calibrate`; overlay on the default scenario.",
             f"# objective {result.objective:.4f}; provenance in calibration.json", ""]
    for sec, body in nested.items():
        lines.append(f"[{sec}]")
        for k, v in body.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    (folder / "calibrated.toml").write_text("\n".join(lines), encoding="utf-8")
    (folder / "calibration.json").write_text(
        json.dumps(result_payload(result), indent=2, sort_keys=True) + "\n",
        encoding="utf-8")
    result.history.to_csv(folder / "history.csv", index=False)
    if result.uncertainty is not None:
        result.uncertainty.table.to_csv(folder / "parameters.csv", index=False)
    if result.recovery is not None:
        result.recovery.to_csv(folder / "identification.csv", index=False)
    if result.forecast is not None:
        result.forecast.to_csv(folder / "forecast.csv", index=False)


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
