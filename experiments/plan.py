"""The plan of a sweep: every run, with its parameters, seed and identity.

Runs are numbered ``run_id = point * replications + replication``. Each planned run
carries the hash of its effective scenario and a *run key* (hash of scenario, seed and
kept outputs): a stored result is valid for a planned run only if their run keys match,
which is how a resumed or ``--force``-d sweep knows what to keep.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from experiments import storage
from experiments.design import DesignPoints, build_design
from experiments.parameters import resolve, scenario_with
from experiments.seeds import run_spawn_key
from experiments.spec import LoadedSpec, parse_spec
from simulation.config import ConfigError, Scenario, load_scenario
from simulation.messages import echo

#: Plan columns besides the parameters.
ID_COLUMNS = ("run_id", "point", "replication")
SEED_COLUMNS = ("seed_entropy", "spawn_key", "scenario_hash", "run_key")
#: Columns of a crossed design after the id columns: each run's policy and scenario.
GROUP_COLUMNS = ("policy", "scenario")
#: Parquet field metadata key of a parameter column: its kind, ``uncertainty`` or
#: ``lever`` (see :attr:`experiments.spec.LoadedSpec.kinds`).
KIND_METADATA = b"bposim.kind"


@dataclass(frozen=True)
class PlannedRun:
    """One planned run (see the module docstring)."""

    run_id: int
    point: int
    replication: int
    spawn_key: tuple[int, ...]
    scenario_hash: str
    run_key: str


@dataclass
class Plan:
    """Every run of a sweep.

    Attributes
    ----------
    loaded : LoadedSpec
    entropy : int
        Root entropy of the sweep's SeedSequence.
    design : DesignPoints
    scenarios : list of Scenario
        Validated scenario of each design point.
    runs : list of PlannedRun
        ``len(points) * replications`` runs, by ``run_id``.
    encodings : dict name -> "json"
        Parameters stored as JSON text (tables and lists).
    """

    loaded: LoadedSpec
    entropy: int
    design: DesignPoints
    scenarios: list[Scenario]
    runs: list[PlannedRun]
    encodings: dict[str, str]

    @property
    def names(self) -> list[str]:
        """Parameter names, in spec order."""
        return self.design.names

    def values(self, point: int) -> dict[str, Any]:
        """Parameter values of a design point (name -> value)."""
        return self.design.points[point]

    def row(self, run: PlannedRun) -> dict[str, Any]:
        """The plan-table row of a run (parameters encoded as stored)."""
        row: dict[str, Any] = {"run_id": run.run_id, "point": run.point,
                               "replication": run.replication}
        for col, ids in (self.design.groups or {}).items():
            row[col] = ids[run.point]
        for name, value in self.values(run.point).items():
            row[name] = encode(value) if name in self.encodings else value
        row.update(seed_entropy=str(self.entropy), spawn_key=list(run.spawn_key),
                   scenario_hash=run.scenario_hash, run_key=run.run_key)
        return row

    def schema(self) -> pa.Schema:
        """Arrow schema of the plan table (each parameter's kind in its field metadata,
        :data:`KIND_METADATA`)."""
        fields = [pa.field(c, pa.int64()) for c in ID_COLUMNS + tuple(self.design.groups or ())]
        kinds = self.loaded.kinds
        for name in self.names:
            fields.append(pa.field(name, _param_type(
                [pt[name] for pt in self.design.points], name in self.encodings),
                metadata={KIND_METADATA: kinds[name].encode()}))
        fields += [pa.field("seed_entropy", pa.string()),
                   pa.field("spawn_key", pa.list_(pa.int64())),
                   pa.field("scenario_hash", pa.string()), pa.field("run_key", pa.string())]
        return pa.schema(fields)

    def table(self) -> pa.Table:
        """The plan as an Arrow table (one row per run)."""
        return pa.Table.from_pylist([self.row(r) for r in self.runs], schema=self.schema())


def encode(value: Any) -> str:
    """JSON text of a table- or list-valued parameter (sorted keys)."""
    return json.dumps(value, sort_keys=True, default=str)


def decode(value: str) -> Any:
    """Inverse of :func:`encode`."""
    return json.loads(value)


def _needs_json(values: list[Any]) -> bool:
    return not all(isinstance(v, (bool, int, float, str)) for v in values)


def _param_type(values: list[Any], as_json: bool) -> pa.DataType:
    if as_json:
        return pa.string()
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pa.float64()
    if all(isinstance(v, str) for v in values):
        return pa.string()
    raise ConfigError("parameters: a parameter mixes value types (numbers, text, "
                      "true/false); give one type")


def run_key(scenario_hash: str, entropy: int, spawn_key: tuple, outputs: tuple) -> str:
    """Identity of a run's result: scenario, seed and kept outputs (hex, 32 chars)."""
    blob = json.dumps([scenario_hash, str(entropy), list(spawn_key), list(outputs)])
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def build_plan(loaded: LoadedSpec, entropy: int) -> Plan:
    """Build and validate the plan of a spec.

    Every design point's scenario is validated here, before anything is written, so a
    value out of bounds stops the sweep with one line naming the parameter and field.

    Raises
    ------
    ConfigError
    """
    design = build_design(loaded, entropy)
    names = design.names
    encodings = {n: "json" for n in names
                 if _needs_json([pt[n] for pt in design.points])}
    scenarios: list[Scenario] = []
    for j, pt in enumerate(design.points):
        try:
            sc = scenario_with(loaded.base, {loaded.addresses[n]: pt[n] for n in names})
        except ConfigError as err:
            shown = echo(", ".join(f"{n}={pt[n]!r}" for n in names), 120)
            raise ConfigError(f"parameters: design point {j} ({shown}): {err}") from None
        scenarios.append(sc)
    spec = loaded.spec
    R = spec.replications
    runs = []
    hashes = [sc.config_hash() for sc in scenarios]
    for p in range(len(design.points)):
        for r in range(R):
            key = run_spawn_key(p, r, spec.common_random_numbers)
            runs.append(PlannedRun(run_id=p * R + r, point=p, replication=r, spawn_key=key,
                                   scenario_hash=hashes[p],
                                   run_key=run_key(hashes[p], entropy, key, loaded.outputs)))
    plan = Plan(loaded=loaded, entropy=entropy, design=design, scenarios=scenarios,
                runs=runs, encodings=encodings)
    plan.schema()  # raises on mixed value types
    return plan


def stored_plan(sweep_dir: str | Path) -> Plan:
    """The plan of a sweep folder, rebuilt from its stored spec, effective base scenario
    and seed, and checked run by run against its stored plan table (same run keys).

    Raises
    ------
    ConfigError
        Not a sweep folder, or a plan that differs from the stored one (the sweep was
        made by another bposim version).
    """
    sweep_dir = Path(sweep_dir)
    if not (sweep_dir / storage.MANIFEST).is_file():
        raise ConfigError(f"{sweep_dir}: not a bposim sweep folder (no {storage.MANIFEST})")
    try:
        storage.check_format(sweep_dir)
    except storage.SweepFormatError as err:
        raise ConfigError(str(err)) from None
    manifest = storage.read_manifest(sweep_dir)
    names = [c for c in pq.read_schema(sweep_dir / storage.PLAN).names
             if c in manifest["parameters"]]  # spec order (the manifest's is sorted)
    loaded = LoadedSpec(spec=parse_spec(manifest["spec"]), path=None,
                        text=manifest.get("spec_text", ""),
                        base=load_scenario(sweep_dir / storage.BASE_SCENARIO),
                        addresses={n: resolve(n) for n in names},
                        outputs=tuple(manifest["outputs"]))
    plan = build_plan(loaded, int(manifest["seed_entropy"]))
    stored = pq.read_table(sweep_dir / storage.PLAN, columns=["run_id", "run_key"])
    if stored.column("run_key").to_pylist() != [r.run_key for r in plan.runs]:
        raise ConfigError(f"{sweep_dir}: its plan cannot be rebuilt exactly from its spec "
                          "(made with another bposim version?)")
    return plan


__all__ = ["Plan", "PlannedRun", "build_plan", "stored_plan", "encode", "decode", "run_key",
           "ID_COLUMNS", "SEED_COLUMNS", "GROUP_COLUMNS", "KIND_METADATA"]
