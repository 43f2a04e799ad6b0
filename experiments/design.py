"""Experimental designs: full factorial, explicit points, Latin hypercube, Sobol, Morris,
and policies crossed with scenarios.

Sampling designs draw points in the unit hypercube with well-kept libraries and map each
coordinate through the parameter's distribution (inverse CDF, :mod:`scipy.stats`):

- Latin hypercube: :class:`scipy.stats.qmc.LatinHypercube` (McKay, Beckman & Conover
  1979, Technometrics 21(2));
- Sobol: :func:`SALib.sample.sobol.sample`, Saltelli's scheme (Saltelli 2002, Comput.
  Phys. Commun. 145; Saltelli et al. 2010, Comput. Phys. Commun. 181), paired with
  :func:`SALib.analyze.sobol.analyze`;
- Morris: :func:`SALib.sample.morris.sample` (Morris 1991, Technometrics 33(2);
  Campolongo, Cariboni & Saltelli 2007, Environ. Model. Softw. 22), paired with
  :func:`SALib.analyze.morris.analyze`.
- crossed: every policy (a setting of the levers: the full factorial of their levels, or
  a Latin hypercube) x every scenario (a Latin hypercube of the uncertainties), policy by
  policy, as EMA Workbench's ``perform_experiments(scenarios=n, policies=...)``
  (Kwakkel 2017, Environ. Model. Softw. 96); every policy meets the same scenarios.

SALib samples the unit cube (``bounds = [0, 1]`` for every parameter); its analyses use
only the outputs (Sobol) or the unit-cube steps (Morris: the elementary effect is the
change in output over a step divided by the step, ``levels / (2 (levels - 1))`` in unit
coordinates, i.e. per full range of the parameter), so the
indices are the same as with SALib's own scaling for uniform ranges.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from experiments.parameters import Address, coerce
from experiments.seeds import design_rng
from experiments.spec import LoadedSpec, ParameterSpec
from simulation.config import ConfigError


@dataclass
class DesignPoints:
    """The points of a design.

    Attributes
    ----------
    names : list of str
        Parameter names (spec order); the columns of ``points``.
    points : list of dict
        One mapping name -> value per design point (Python scalars; integer fields
        rounded).
    unit : ndarray, shape (n_points, n_params), or None
        Unit-hypercube coordinates of sampling designs (None for factorial and points).
    problem : dict or None
        The SALib problem definition (unit bounds) for Sobol and Morris designs.
    notes : list of str
        Warnings raised by the samplers (e.g. scipy's note on Sobol' balance).
    groups : dict or None
        Crossed designs: ``{"policy": [...], "scenario": [...]}``, the policy and the
        scenario of each point (point = policy x n_scenarios + scenario).
    """

    names: list[str]
    points: list[dict[str, Any]]
    unit: np.ndarray | None = None
    problem: dict | None = None
    notes: list[str] = field(default_factory=list)
    groups: dict[str, list[int]] | None = None


def _py(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def levels(p: ParameterSpec, addr: Address) -> list[Any]:
    """The levels of a parameter in a factorial design (``values`` or ``range``+``levels``).

    Raises
    ------
    ConfigError
        If rounding an integer field's range makes two levels equal.
    """
    if p.values is not None:
        return [coerce(addr, _py(v)) for v in p.values]
    vals = [coerce(addr, float(v)) for v in np.linspace(p.range[0], p.range[1], p.levels)]
    if len(set(vals)) != len(vals):
        raise ConfigError(f"parameters ({p.name}).levels: {p.levels} levels of an integer "
                          f"field in {p.range} repeat after rounding: {vals}")
    return vals


def from_unit(p: ParameterSpec, addr: Address, u: np.ndarray) -> list[Any]:
    """Map unit-cube coordinates ``u`` (shape (n,)) to parameter values (inverse CDF).

    ``values`` lists are drawn uniformly (``values[floor(u * k)]``); ``range`` is uniform
    between its bounds; distributions use the :mod:`scipy.stats` quantile function.
    """
    u = np.asarray(u, dtype=float)
    if p.values is not None:
        k = len(p.values)
        idx = np.minimum((u * k).astype(int), k - 1)
        return [coerce(addr, _py(p.values[i])) for i in idx]
    if p.range is not None:
        x = p.range[0] + u * (p.range[1] - p.range[0])
    else:
        x = _distribution(p).ppf(u)
    return [coerce(addr, float(v)) for v in x]


def _distribution(p: ParameterSpec):
    from scipy import stats

    d = p.distribution
    if d == "uniform":
        return stats.uniform(loc=p.low, scale=p.high - p.low)
    if d == "loguniform":
        return stats.loguniform(p.low, p.high)
    if d == "normal":
        return stats.norm(loc=p.mean, scale=p.sd)
    if d == "truncnorm":
        return stats.truncnorm((p.low - p.mean) / p.sd, (p.high - p.mean) / p.sd,
                               loc=p.mean, scale=p.sd)
    if d == "triangular":
        return stats.triang((p.mode - p.low) / (p.high - p.low), loc=p.low,
                            scale=p.high - p.low)
    raise AssertionError(d)


def _lhs(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc

    try:
        sampler = qmc.LatinHypercube(d=d, rng=rng)
    except TypeError:  # scipy < 1.15 names the argument `seed`
        sampler = qmc.LatinHypercube(d=d, seed=rng)
    return sampler.random(n)


def _grid(names: list[str], params: dict[str, ParameterSpec],
          addresses: dict[str, Address]) -> list[dict[str, Any]]:
    """Every combination of the levels of ``names`` (the last name varies fastest)."""
    lv = [levels(params[n], addresses[n]) for n in names]
    return [dict(zip(names, combo)) for combo in itertools.product(*lv)]


def _sample(names: list[str], params: dict[str, ParameterSpec],
            addresses: dict[str, Address], n: int, rng: np.random.Generator
            ) -> list[dict[str, Any]]:
    """``n`` Latin-hypercube points over ``names``, through each one's inverse CDF."""
    unit = _lhs(len(names), n, rng)
    cols = [from_unit(params[m], addresses[m], unit[:, j]) for j, m in enumerate(names)]
    return [dict(zip(names, row)) for row in zip(*cols)]


def _crossed(loaded: LoadedSpec, entropy: int) -> DesignPoints:
    """Every policy x every scenario (see the module docstring)."""
    d = loaded.spec.design
    params = {p.name: p for p in loaded.spec.parameters}
    names = list(loaded.addresses)
    kinds = loaded.kinds
    uncertainties = [n for n in names if kinds[n] == "uncertainty"]
    levers = [n for n in names if kinds[n] == "lever"]
    scenarios = _sample(uncertainties, params, loaded.addresses, d.scenarios,
                        design_rng(entropy, (1,)))
    if d.policies is None:
        policies = _grid(levers, params, loaded.addresses)
    else:
        policies = _sample(levers, params, loaded.addresses, d.policies,
                           design_rng(entropy, (2,)))
    pts = [{n: {**pol, **sc}[n] for n in names} for pol in policies for sc in scenarios]
    groups = {"policy": [i for i in range(len(policies)) for _ in scenarios],
              "scenario": [j for _ in policies for j in range(len(scenarios))]}
    return DesignPoints(names, pts, groups=groups)


def build_design(loaded: LoadedSpec, entropy: int) -> DesignPoints:
    """The design points of a spec.

    Parameters
    ----------
    loaded : LoadedSpec
    entropy : int
        Root entropy of the sweep; sampling designs draw from its design stream (see
        :mod:`experiments.seeds`), so the same seed gives the same points.

    Raises
    ------
    ConfigError
        If the levels of a factorial design are invalid.
    """
    spec = loaded.spec
    d = spec.design
    names = list(loaded.addresses)
    params = {p.name: p for p in spec.parameters}
    if d.kind == "points":
        pts = [{n: coerce(loaded.addresses[n], _py(pt[n])) for n in names} for pt in d.points]
        return DesignPoints(names, pts)
    if d.kind == "factorial":
        return DesignPoints(names, _grid(names, params, loaded.addresses))
    if d.kind == "crossed":
        return _crossed(loaded, entropy)

    D = len(names)
    rng = design_rng(entropy)
    problem = {"num_vars": D, "names": names, "bounds": [[0.0, 1.0]] * D}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if d.kind == "lhs":
            unit = _lhs(D, d.samples, rng)
            problem = None
        elif d.kind == "sobol":
            from SALib.sample import sobol as sobol_sample
            unit = sobol_sample.sample(problem, d.samples, calc_second_order=d.second_order,
                                       scramble=True, seed=rng)
        elif d.kind == "morris":
            from SALib.sample import morris as morris_sample
            unit = morris_sample.sample(problem, d.trajectories, num_levels=d.levels,
                                        seed=rng)
        else:  # pragma: no cover - the spec schema allows no other kind
            raise AssertionError(d.kind)
    notes = sorted({" ".join(str(w.message).split()) for w in caught})
    cols = [from_unit(params[n], loaded.addresses[n], unit[:, j]) for j, n in enumerate(names)]
    pts = [dict(zip(names, row)) for row in zip(*cols)]
    return DesignPoints(names, pts, unit=np.asarray(unit), problem=problem, notes=notes)


__all__ = ["DesignPoints", "build_design", "levels", "from_unit"]
