"""Uncertainties and levers in the sweep spec: tags, the crossed design (policies x
scenarios), the tags in the stored tables, and a crossed sweep that runs and resumes."""

import hashlib
import json

import pyarrow.parquet as pq
import pytest

from experiments.cli import main
from experiments.plan import KIND_METADATA, build_plan
from experiments.spec import load_spec
from experiments.storage import load_sweep
from sweeputil import FAST_BASE, SPEC_24, raw_runs, sorted_ts, write

CROSSED = f"""
name = "crossed"
seed = 9
end_year = 2004
outputs = ["share_offshore", "n_reshored"]
{FAST_BASE}
[design]
kind = "crossed"
scenarios = 3
{{policies}}
[[parameters]]
name = "offshore_labour_cost_growth"
range = [0.0, 0.08]
[[parameters]]
name = "captives_enabled"
kind = "lever"
values = [true, false]
[[parameters]]
name = "breach_hazard_scale"
distribution = "loguniform"
low = 0.5
high = 5.0
[[parameters]]
name = "countries.tax_rate_overrides.USA"
kind = "lever"
{{usa}}
"""


def _crossed(tmp_path, policies="", usa="values = [0.21, 0.35]", name="c.toml"):
    return write(tmp_path / name, CROSSED.format(policies=policies, usa=usa))


def test_kinds_default_to_uncertainty(tmp_path):
    loaded = load_spec(write(tmp_path / "s.toml", SPEC_24))
    assert loaded.kinds == {"review_hazard": "uncertainty",
                            "countries.tax_rate_overrides.IND": "uncertainty"}
    loaded = load_spec(_crossed(tmp_path))
    assert loaded.kinds == {"offshore_labour_cost_growth": "uncertainty",
                            "captives_enabled": "lever", "breach_hazard_scale": "uncertainty",
                            "countries.tax_rate_overrides.USA": "lever"}


def _hash_without_kinds(loaded) -> str:
    """The spec hash as computed before parameters had a kind."""
    d = loaded.spec.model_dump(mode="json", exclude={
        "name": True, "description": True, "timeout_s": True, "sensitivity": True,
        "base": True, "end_year": True, "parameters": {"__all__": {"kind"}}})
    d["base_config_hash"] = loaded.base.config_hash()
    d["outputs"] = list(loaded.outputs)
    blob = json.dumps(d, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def test_untagged_spec_keeps_its_hash_so_old_sweeps_resume(tmp_path):
    plain = load_spec(write(tmp_path / "a.toml", SPEC_24))
    assert plain.spec_hash() == _hash_without_kinds(plain)
    tagged = SPEC_24.replace('name = "review_hazard"', 'name = "review_hazard"\n'
                             'kind = "uncertainty"')
    assert load_spec(write(tmp_path / "b.toml", tagged)).spec_hash() == plain.spec_hash()
    lever = SPEC_24.replace('name = "review_hazard"', 'name = "review_hazard"\n'
                            'kind = "lever"')
    assert load_spec(write(tmp_path / "c.toml", lever)).spec_hash() != plain.spec_hash()


def test_crossed_design_is_every_policy_times_the_same_scenarios(tmp_path):
    loaded = load_spec(_crossed(tmp_path))
    plan = build_plan(loaded, 9)
    pts, groups = plan.design.points, plan.design.groups
    assert len(pts) == 4 * 3  # 2 x 2 lever settings x 3 scenarios
    assert groups["policy"] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert groups["scenario"] == [0, 1, 2] * 4
    unc = ("offshore_labour_cost_growth", "breach_hazard_scale")
    lev = ("captives_enabled", "countries.tax_rate_overrides.USA")
    for p, s, pt in zip(groups["policy"], groups["scenario"], pts):
        assert all(pt[n] == pts[s][n] for n in unc)  # the same scenarios for every policy
        assert all(pt[n] == pts[3 * p][n] for n in lev)  # one setting per policy
    settings = {tuple(pts[3 * p][n] for n in lev) for p in range(4)}
    assert settings == {(True, 0.21), (True, 0.35), (False, 0.21), (False, 0.35)}
    # the scenarios are a Latin hypercube: one draw per third of each range
    growth = sorted(pts[s]["offshore_labour_cost_growth"] for s in range(3))
    assert [int(g / 0.08 * 3) for g in growth] == [0, 1, 2]


def test_sampled_policies_and_scenarios_drawn_apart(tmp_path):
    grid = build_plan(load_spec(_crossed(tmp_path)), 9).design
    sampled = build_plan(load_spec(_crossed(tmp_path, policies="policies = 5",
                                            usa="range = [0.15, 0.4]", name="p.toml")),
                         9).design
    assert len(sampled.points) == 5 * 3 and sampled.groups["policy"][-1] == 4
    usa = sorted({pt["countries.tax_rate_overrides.USA"] for pt in sampled.points})
    assert len(usa) == 5 and [int((u - 0.15) / 0.25 * 5) for u in usa] == [0, 1, 2, 3, 4]
    # the scenarios do not depend on how the policies are made (separate streams)
    for n in ("offshore_labour_cost_growth", "breach_hazard_scale"):
        assert [grid.points[s][n] for s in range(3)] == [sampled.points[s][n]
                                                          for s in range(3)]


BAD = {
    "no lever": (('kind = "lever"', 'kind = "uncertainty"'),
                 'a crossed design needs at least one parameter with kind = "lever"'),
    "no uncertainty": (("scenarios = 3", "scenarios = 3\npolicies = 2"),
                       ('name = "breach_hazard_scale"', 'name = "breach_hazard_scale"\n'
                        'kind = "lever"'),
                       ("range = [0.0, 0.08]", 'range = [0.0, 0.08]\nkind = "lever"'),
                       'a crossed design needs at least one parameter with kind = '
                       '"uncertainty"'),
    "lever range without levels": (("values = [0.21, 0.35]", "range = [0.2, 0.3]"),
                                   "levels: required with range in a lever of a crossed "
                                   "design without design.policies"),
    "uncertainty with levels": (("range = [0.0, 0.08]", "range = [0.0, 0.08]\nlevels = 3"),
                                "levels: only used by factorial designs"),
    "unknown kind": (('kind = "lever"\nvalues = [true', 'kind = "policy"\nvalues = [true'),
                     "parameters[1] (captives_enabled).kind: input should be 'uncertainty' "
                     "or 'lever'"),
    "no scenarios": (("scenarios = 3", "scenarios = 0"), "design.scenarios"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_crossed_spec_one_line_exit_2_no_output(case, tmp_path, capsys):
    *edits, needle = BAD[case]
    text = CROSSED.format(policies="", usa="values = [0.21, 0.35]")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path / "bad.toml", text)), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("bposim: error:"), err
    assert needle in err, err
    assert not out.exists()


def test_plan_table_carries_kinds_and_groups(tmp_path):
    table = build_plan(load_spec(_crossed(tmp_path)), 9).table()
    assert table.column_names[:5] == ["run_id", "point", "replication", "policy", "scenario"]
    kinds = {f.name: f.metadata[KIND_METADATA].decode() for f in table.schema
             if f.metadata and KIND_METADATA in f.metadata}
    assert kinds == load_spec(_crossed(tmp_path)).kinds


def test_crossed_sweep_runs_resumes_and_keeps_the_tags(tmp_path, capsys):
    spec, out = _crossed(tmp_path, usa="values = [0.21]"), tmp_path / "sweep"
    args = ["sweep", str(spec), "--out", str(out), "--executor", "in-process",
            "--chunk-size", "2"]
    assert main(args) == 0  # 2 policies x 3 scenarios = 6 runs in 3 chunks
    first = load_sweep(out)
    assert first.counts()["ok"] == 6
    # lose the last chunk, as a crash before it was stored would
    last = sorted((out / "runs").glob("part-*.parquet"))[-1]
    last.unlink()
    (out / "timeseries" / last.name).unlink()
    capsys.readouterr()
    assert main(args) == 0
    assert "this session: 2 runs" in capsys.readouterr().out
    again = load_sweep(out)
    assert len(raw_runs(out)) == 6 and again.counts()["ok"] == 6
    assert again.runs["policy"].tolist() == [0, 0, 0, 1, 1, 1]
    assert again.runs["scenario"].tolist() == [0, 1, 2] * 2
    assert sorted_ts(again.timeseries).equals(sorted_ts(first.timeseries))
    want = {"offshore_labour_cost_growth": "uncertainty", "captives_enabled": "lever",
            "breach_hazard_scale": "uncertainty",
            "countries.tax_rate_overrides.USA": "lever"}
    for part in [out / "plan.parquet", *sorted((out / "runs").glob("part-*.parquet"))]:
        schema = pq.read_schema(part)
        assert {n: schema.field(n).metadata[KIND_METADATA].decode() for n in want} == want
    stored = {p["name"]: p["kind"] for p in again.manifest["spec"]["parameters"]}
    assert stored == want
