"""The sweep spec: a declarative TOML file, validated with pydantic.

A spec names the base scenario, the parameters and their ranges, lists or distributions,
the design, the replications, the end year, the outputs to keep and an optional per-run
timeout. See ``docs/sweeps.md`` for the format and ``experiments/sweeps/`` for examples.

Every problem is reported as one line naming the field (a
:class:`~simulation.config.ConfigError`), before any output is written.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments.parameters import Address, resolve, scenario_with
from simulation.collector import BOOKKEEPING_COLUMNS, OUTPUT_COLUMNS
from simulation.config import ConfigError, Scenario, load_scenario
from simulation.inputs import parse_toml, read_text
from simulation.messages import echo

#: Columns a spec may keep (``outputs``): the model's output columns and bookkeeping.
KEEPABLE_OUTPUTS = OUTPUT_COLUMNS + BOOKKEEPING_COLUMNS
DISTRIBUTIONS = ("uniform", "loguniform", "normal", "truncnorm", "triangular")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ParameterSpec(_Strict):
    """One swept parameter: ``values``, a ``range`` or a ``distribution``.

    - ``values = [...]``: an explicit list (any design; sampling designs draw from it
      uniformly);
    - ``range = [low, high]``: uniform between the bounds; a factorial design also needs
      ``levels`` (evenly spaced, bounds included);
    - ``distribution = "uniform" | "loguniform" | "normal" | "truncnorm" | "triangular"``
      with ``low``/``high`` (uniform, loguniform), ``mean``/``sd`` (normal), ``mean``/
      ``sd``/``low``/``high`` (truncnorm) or ``low``/``mode``/``high`` (triangular);
      sampling designs only.

    ``kind`` tags the parameter as an exogenous ``"uncertainty"`` (the default) or a
    policy ``"lever"``, as EMA Workbench does; a ``crossed`` design crosses the lever
    settings with a sample of the uncertainties, and scenario discovery names each
    parameter's kind.
    """

    name: str = Field(min_length=1)
    kind: Literal["uncertainty", "lever"] = "uncertainty"
    values: list[Any] | None = Field(None, min_length=1)
    range: list[float] | None = Field(None, min_length=2, max_length=2)
    levels: int | None = Field(None, ge=2, le=100_000)
    distribution: Literal[DISTRIBUTIONS] | None = None  # type: ignore[valid-type]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    mode: float | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "ParameterSpec":
        name = echo(self.name)
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"{name}: give exactly one of values, range or "
                             f"distribution (got {', '.join(given) or 'none'})")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"{name}: range must be [low, high] with low < high, got "
                             f"{self.range}")
        if self.levels is not None and self.range is None:
            raise ValueError(f"{name}: levels goes with range")
        d = self.distribution
        needs = {"uniform": ("low", "high"), "loguniform": ("low", "high"),
                 "normal": ("mean", "sd"), "truncnorm": ("mean", "sd", "low", "high"),
                 "triangular": ("low", "mode", "high")}.get(d, ())
        extra = [k for k in ("low", "high", "mean", "sd", "mode")
                 if getattr(self, k) is not None and k not in needs]
        if extra:
            raise ValueError(f"{name}: {', '.join(extra)} not used by "
                             f"{'distribution ' + repr(d) if d else 'values/range'}")
        missing = [k for k in needs if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{name}: distribution {d!r} needs {', '.join(needs)} "
                             f"(missing {', '.join(missing)})")
        if d in ("uniform", "loguniform", "truncnorm", "triangular") and \
                not self.low < self.high:
            raise ValueError(f"{name}: low must be < high")
        if d == "loguniform" and self.low <= 0:
            raise ValueError(f"{name}: loguniform needs low > 0")
        if d == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"{name}: triangular needs low <= mode <= high")
        return self

    @property
    def bounded(self) -> bool:
        """True unless the distribution has unbounded support (normal)."""
        return self.distribution != "normal"


class FactorialDesign(_Strict):
    """Every combination of every parameter's levels."""
    kind: Literal["factorial"]


class PointsDesign(_Strict):
    """Explicit points: ``[[design.points]]`` tables mapping parameter names to values."""
    kind: Literal["points"]
    points: list[dict[str, Any]] = Field(min_length=1)


class LHSDesign(_Strict):
    """Latin hypercube of ``samples`` points (:class:`scipy.stats.qmc.LatinHypercube`)."""
    kind: Literal["lhs"]
    samples: int = Field(ge=1, le=10_000_000)


class SobolDesign(_Strict):
    """Saltelli's extension of the Sobol' sequence (:func:`SALib.sample.sobol.sample`):
    ``samples`` x (D + 2) points, or ``samples`` x (2D + 2) with ``second_order``."""
    kind: Literal["sobol"]
    samples: int = Field(ge=1, le=10_000_000)
    second_order: bool = False


class MorrisDesign(_Strict):
    """Morris elementary-effects trajectories (:func:`SALib.sample.morris.sample`):
    ``trajectories`` x (D + 1) points on a grid of ``levels`` levels."""
    kind: Literal["morris"]
    trajectories: int = Field(ge=2, le=1_000_000)
    levels: int = Field(4, ge=2, le=1000)


class CrossedDesign(_Strict):
    """Every policy x every scenario, as EMA Workbench's ``perform_experiments``: a Latin
    hypercube of ``scenarios`` points over the uncertainties, crossed with the policies
    (lever settings): the full factorial of the levers' values or levels, or, with
    ``policies``, a Latin hypercube of that many points over the levers."""
    kind: Literal["crossed"]
    scenarios: int = Field(ge=1, le=10_000_000)
    policies: int | None = Field(None, ge=1, le=1_000_000)


Design = Annotated[Union[FactorialDesign, PointsDesign, LHSDesign, SobolDesign, MorrisDesign,
                         CrossedDesign], Field(discriminator="kind")]
DESIGN_KINDS = ("factorial", "points", "lhs", "sobol", "morris", "crossed")


class BaseSpec(_Strict):
    """The base scenario: a scenario TOML file (relative to the spec) and overrides by
    parameter address."""
    scenario: str | None = None
    overrides: dict[str, Any] = {}


class SensitivitySpec(_Strict):
    """Settings of ``bposim sensitivity``: which outputs, which years (the response is the
    mean per quarter over ``years = [first, last]``, default the last year), the
    confidence level and the bootstrap resamples of SALib's analysis."""
    outputs: list[str] | None = Field(None, min_length=1)
    years: list[int] | None = Field(None, min_length=2, max_length=2)
    conf_level: float = Field(0.95, gt=0, lt=1)
    resamples: int = Field(1000, ge=10, le=1_000_000)


class SweepSpec(_Strict):
    """A sweep: base scenario, parameters, design, replications, end year, outputs."""
    name: str | None = None
    description: str = ""
    seed: int | None = Field(None, ge=0, lt=2 ** 128)
    replications: int = Field(1, ge=1, le=1_000_000)
    end_year: int | None = Field(None, ge=1991, le=2300)
    outputs: list[str] | None = Field(None, min_length=1)
    timeout_s: float | None = Field(None, gt=0, le=1e8)  # at most ~3 years, seconds
    common_random_numbers: bool = False
    base: BaseSpec = BaseSpec()
    design: Design = FactorialDesign(kind="factorial")
    parameters: list[ParameterSpec] = []
    sensitivity: SensitivitySpec | None = None


#: Most runs (design points x replications) of a sweep without ``--allow-large``: the
#: plan holds every run, and every point's scenario, in memory (about 20 kB a point).
MAX_RUNS = 50_000


def n_points(spec: SweepSpec) -> int:
    """The number of design points of a spec, counted without building the design."""
    d, k = spec.design, len(spec.parameters)
    if d.kind == "points":
        return len(d.points)
    if d.kind == "lhs":
        return d.samples
    if d.kind == "sobol":
        return d.samples * (2 * k + 2 if d.second_order else k + 2)
    if d.kind == "morris":
        return d.trajectories * (k + 1)
    return math.prod(len(p.values) if p.values is not None else p.levels or 1
                     for p in spec.parameters)


def check_size(spec: SweepSpec, allow_large: bool = False) -> int:
    """The number of runs of a spec, refused above :data:`MAX_RUNS` unless
    ``allow_large``; checked before the design is built.

    Raises
    ------
    ConfigError
        Too many runs (one line with the count and the way out).
    """
    points = n_points(spec)
    runs = points * spec.replications
    if runs > MAX_RUNS and not allow_large:
        raise ConfigError(
            f"design: {runs:,} runs ({points:,} points x {spec.replications:,} "
            f"replications) exceed the limit of {MAX_RUNS:,} runs of one sweep, whose plan "
            "is held in memory; use fewer samples, levels or replications, split the "
            "sweep, or pass --allow-large")
    return runs


@dataclass
class LoadedSpec:
    """A validated spec with its resolved base scenario and parameter addresses.

    Attributes
    ----------
    spec : SweepSpec
    path : Path or None
        The spec file.
    text : str
        The spec file's text (stored in the sweep folder).
    base : Scenario
        The base scenario (file + overrides + end year), validated.
    addresses : dict name -> Address
        The parameters in spec order.
    outputs : tuple of str
        Output columns kept in the time-series table.
    """

    spec: SweepSpec
    path: Path | None
    text: str
    base: Scenario
    addresses: dict[str, Address]
    outputs: tuple[str, ...]

    @property
    def kinds(self) -> dict[str, str]:
        """Each parameter's kind, ``"uncertainty"`` or ``"lever"``, in spec order (the
        parameters of a points design are uncertainties)."""
        tagged = {p.name: p.kind for p in self.spec.parameters}
        return {n: tagged.get(n, "uncertainty") for n in self.addresses}

    @property
    def name(self) -> str:
        """The sweep's name: ``name`` in the spec, else the spec file's stem."""
        return self.spec.name or (self.path.stem if self.path else "sweep")

    def spec_hash(self) -> str:
        """SHA-256 (hex) of everything that defines the runs.

        Covers the seed, replications, common random numbers, outputs, design, parameters
        and the effective base scenario (its config hash, so editing the base scenario
        file counts). Not covered: ``name``, ``description``, ``timeout_s`` and
        ``[sensitivity]``, which change no run. A parameter's default kind
        (uncertainty) is left out, so a spec without kinds has the hash it had before
        kinds existed and its sweeps resume.
        """
        d = self.spec.model_dump(mode="json", exclude={"name", "description", "timeout_s",
                                                       "sensitivity", "base", "end_year"})
        for p in d["parameters"]:
            if p["kind"] == "uncertainty":
                del p["kind"]
        d["base_config_hash"] = self.base.config_hash()
        d["outputs"] = list(self.outputs)
        blob = json.dumps(d, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def _format_error(err: ValidationError, data: Any) -> str:
    e = err.errors()[0]
    loc = list(e["loc"])
    if len(loc) >= 2 and loc[0] == "design" and loc[1] in DESIGN_KINDS:
        del loc[1]
    parts: list[str] = []
    for i, x in enumerate(loc):
        if isinstance(x, int):
            label = f"[{x}]"
            if parts == ["parameters"]:
                try:
                    label += f" ({echo(data['parameters'][x]['name'])})"
                except (KeyError, IndexError, TypeError):
                    pass
            parts[-1] = parts[-1] + label if parts else label
        else:
            parts.append(echo(x))
    where = ".".join(parts) or "spec"
    msg = e["msg"]
    if msg.startswith("Value error, "):
        return f"{where}: {msg[len('Value error, '):]}"
    if e["type"] == "extra_forbidden":
        if len(parts) == 1:
            return (f"{where}: unknown key; allowed at the top level: "
                    + ", ".join(SweepSpec.model_fields))
        return f"{where}: unknown key; see docs/sweeps.md for the spec format"
    if e["type"] == "union_tag_invalid":
        return f"{where}: kind must be one of {', '.join(DESIGN_KINDS)}"
    if e["type"] == "union_tag_not_found":
        return f"{where}: missing kind; one of {', '.join(DESIGN_KINDS)}"
    inp = e.get("input")
    shown = repr(inp) if not isinstance(inp, (dict, list)) else type(inp).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{where}: {msg[0].lower() + msg[1:]} (got {shown})"


def parse_spec(data: dict[str, Any]) -> SweepSpec:
    """Validate a spec mapping (as read from TOML).

    Raises
    ------
    ConfigError
        One line naming the field.
    """
    if not isinstance(data, dict):
        raise ConfigError("spec: must be a TOML table")
    data = dict(data)
    if isinstance(data.get("design"), dict) and "kind" not in data["design"] \
            and not data["design"]:
        data.pop("design")
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_error(err, data)) from None


def load_spec(path: str | Path) -> LoadedSpec:
    """Read, validate and resolve a sweep spec file.

    Checks the spec's own fields, that every parameter addresses a scenario field, that
    the base scenario (with overrides and end year) is valid, and that the outputs exist.
    The values of the design are checked later, by :func:`experiments.plan.build_plan`.

    Raises
    ------
    ConfigError
        One line naming the field.
    """
    path = Path(path)
    text = read_text(path, "sweep spec")
    data = parse_toml(text, path, "sweep spec")
    if not data:
        raise ConfigError(f"{echo(path, 160)}: the spec file has no settings; see "
                          "docs/sweeps.md and experiments/sweeps/ for examples")
    spec = parse_spec(data)
    return resolve_spec(spec, path=path, text=text)


def resolve_spec(spec: SweepSpec, path: Path | None = None, text: str = "") -> LoadedSpec:
    """Resolve a validated :class:`SweepSpec` (base scenario, addresses, outputs).

    Raises
    ------
    ConfigError
    """
    base_file = None
    if spec.base.scenario is not None:
        base_file = Path(spec.base.scenario)
        if not base_file.is_absolute() and path is not None:
            base_file = path.parent / base_file
    try:
        base = load_scenario(base_file)
    except ConfigError as err:
        raise ConfigError(f"base.scenario: {err}") from None
    over = {}
    for name, value in spec.base.overrides.items():
        try:
            over[resolve(name)] = value
        except ConfigError as err:
            raise ConfigError(f"base.overrides.{err}") from None
    if spec.end_year is not None:
        over[resolve("time.end_year")] = spec.end_year
    if over:
        try:
            base = scenario_with(base, over)
        except ConfigError as err:
            raise ConfigError(f"base: {err}") from None

    addresses: dict[str, Address] = {}
    seen: dict[str, str] = {}
    if spec.design.kind == "points":
        if spec.parameters:
            raise ConfigError("parameters: a points design takes its parameters from "
                              "design.points; remove the [[parameters]] tables")
        for name in spec.design.points[0]:
            try:
                addr = resolve(name)
            except ConfigError as err:
                raise ConfigError(f"design.points[0].{err}") from None
            if addr.canonical in seen:
                raise ConfigError(f"design.points[0].{echo(name)}: the same field as "
                                  f"{seen[addr.canonical]}")
            addresses[name] = addr
            seen[addr.canonical] = name
    for i, p in enumerate(spec.parameters):
        try:
            addr = resolve(p.name)
        except ConfigError as err:
            raise ConfigError(f"parameters[{i}].name: {err}") from None
        if p.name in addresses or addr.canonical in seen:
            raise ConfigError(f"parameters[{i}].name: {echo(p.name)} is given twice"
                              + (f" (as {seen[addr.canonical]})"
                                 if addr.canonical in seen else ""))
        if addr.kind == "other" and p.values is None:
            raise ConfigError(f"parameters[{i}] ({echo(p.name)}): {addr.canonical} is a "
                              "table or list; give its settings as values = [...]")
        addresses[p.name] = addr
        seen[addr.canonical] = p.name

    outputs = tuple(spec.outputs) if spec.outputs else OUTPUT_COLUMNS
    for col in outputs:
        if col not in KEEPABLE_OUTPUTS:
            raise ConfigError(f"outputs: unknown column {col!r}; allowed: "
                              + ", ".join(KEEPABLE_OUTPUTS))
    if len(set(outputs)) != len(outputs):
        raise ConfigError("outputs: a column is listed twice")
    _check_design(spec, addresses)
    _check_sensitivity(spec, base, outputs)
    return LoadedSpec(spec=spec, path=path, text=text, base=base, addresses=addresses,
                      outputs=outputs)


def _check_design(spec: SweepSpec, addresses: dict[str, Address]) -> None:
    d = spec.design
    if d.kind == "points":
        for j, pt in enumerate(d.points):
            if set(pt) != set(d.points[0]):
                raise ConfigError(f"design.points[{j}]: every point must set the same "
                                  f"parameters as point 0 ({', '.join(d.points[0])})")
        return
    if not spec.parameters and d.kind != "factorial":  # factorial: replications only
        raise ConfigError(f"parameters: a {d.kind} design needs at least one [[parameters]]")
    for i, p in enumerate(spec.parameters):
        where = f"parameters[{i}] ({echo(p.name)})"
        crossed_grid = d.kind == "crossed" and p.kind == "lever" and d.policies is None
        if d.kind == "factorial" or crossed_grid:
            what = ("a factorial design" if d.kind == "factorial" else
                    "a lever of a crossed design without design.policies (a full factorial)")
            if p.distribution is not None:
                raise ConfigError(f"{where}: {what} needs values or range with levels, not "
                                  "a distribution")
            if p.range is not None and p.levels is None:
                raise ConfigError(f"{where}.levels: required with range in {what}, e.g. "
                                  "levels = 3")
        else:
            if p.levels is not None:
                raise ConfigError(f"{where}.levels: only used by factorial designs and the "
                                  f"levers of a crossed design without design.policies; "
                                  f"this {p.kind} is sampled from its range")
            if d.kind == "morris" and not p.bounded:
                raise ConfigError(f"{where}.distribution: a Morris design needs bounded "
                                  "parameters (range, uniform, loguniform, truncnorm or "
                                  "triangular)")
    if d.kind in ("sobol", "morris") and len(spec.parameters) < 2:
        raise ConfigError(f"parameters: a {d.kind} design needs at least two parameters")
    if d.kind == "crossed":
        for kind in ("uncertainty", "lever"):
            if not any(p.kind == kind for p in spec.parameters):
                raise ConfigError(f"parameters: a crossed design needs at least one "
                                  f'parameter with kind = "{kind}"')


def _check_sensitivity(spec: SweepSpec, base: Scenario, outputs: tuple[str, ...]) -> None:
    s = spec.sensitivity
    if s is None:
        return
    for col in s.outputs or ():
        if col not in outputs:
            raise ConfigError(f"sensitivity.outputs: {col!r} is not among the kept outputs "
                              f"({', '.join(outputs)})")
    if s.years is not None:
        lo, hi = s.years
        t = base.time
        if not (t.start_year <= lo <= hi <= t.end_year):
            raise ConfigError(f"sensitivity.years: must be [first, last] within "
                              f"{t.start_year}-{t.end_year}, got {s.years}")


__all__ = ["SweepSpec", "ParameterSpec", "LoadedSpec", "load_spec", "parse_spec",
           "resolve_spec", "n_points", "check_size", "KEEPABLE_OUTPUTS", "DESIGN_KINDS",
           "MAX_RUNS"]
