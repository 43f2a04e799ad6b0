"""Sweep specs, parameter addresses, designs, seeds and plans (no model runs)."""

from pathlib import Path

import numpy as np
import pytest

from experiments.cli import main
from experiments.design import build_design
from experiments.parameters import resolve, scenario_with
from experiments.plan import build_plan
from experiments.seeds import root_entropy
from experiments.spec import load_spec
from simulation.config import ConfigError, load_scenario
from simulation.run import make_seed
from sweeputil import FAST_BASE, SPEC_24, write

ROOT = Path(__file__).resolve().parent.parent


def _spec(tmp_path, text, name="s.toml"):
    return load_spec(write(tmp_path / name, text))


# ----------------------------------------------------------------- parameter addresses
@pytest.mark.parametrize("name,canonical,kind", [
    ("review_hazard", "decision.review_hazard", "float"),
    ("decision.review_hazard", "decision.review_hazard", "float"),
    ("n_firms", "population.n_firms", "int"),
    ("captives_enabled", "captives.captives_enabled", "bool"),
    ("countries.tax_rate_overrides.IND", "countries.tax_rate_overrides.IND", "float"),
    ("tax_rate_overrides.IND", "countries.tax_rate_overrides.IND", "float"),
    ("labour.labour_cost_multiplier.PHL", "labour.labour_cost_multiplier.PHL", "float"),
    ("countries.tax_rate_changes", "countries.tax_rate_changes", "other"),
])
def test_addresses_resolve(name, canonical, kind):
    a = resolve(name)
    assert a.canonical == canonical and a.kind == kind


@pytest.mark.parametrize("name,needle", [
    ("no_such_field", "unknown scenario field"),
    ("decision.nope", "unknown field of [decision]"),
    ("review_hazard.IND", "not a per-country table"),
    ("countries", "a section alone"),
    ("countries.tax_rate_overrides.IND.x", "one country code"),
])
def test_bad_addresses_one_line(name, needle):
    with pytest.raises(ConfigError) as e:
        resolve(name)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_per_country_values_reach_the_scenario():
    base = load_scenario()
    sc = scenario_with(base, {resolve("countries.tax_rate_overrides.IND"): 0.42,
                              resolve("labour.labour_cost_multiplier.PHL"): 1.5,
                              resolve("review_hazard"): 0.2})
    assert sc.countries.tax_rate_overrides == {"IND": 0.42}
    assert sc.labour.labour_cost_multiplier == {"PHL": 1.5}
    assert sc.decision.review_hazard == 0.2
    with pytest.raises(ConfigError, match="countries.tax_rate_overrides.IND"):
        scenario_with(base, {resolve("countries.tax_rate_overrides.IND"): 1.5})


# ----------------------------------------------------------------------- bad specs
BAD = {
    "unknown top key": ("replicashuns = 3\n", "replicashuns: unknown key; allowed at the "
                        "top level: name, description, seed, replications"),
    "replications 0": ("replications = 0\n[[parameters]]\nname='review_hazard'\n"
                       "values=[0.1]\n", "replications"),
    "unknown parameter": ("[[parameters]]\nname = 'review_hazzard'\nvalues = [0.1]\n",
                          "review_hazzard"),
    "value out of bounds": ("[[parameters]]\nname = 'review_hazard'\nvalues = [0.1, 1.5]\n",
                            "decision.review_hazard"),
    "country tax rate out of bounds": (
        "[[parameters]]\nname = 'countries.tax_rate_overrides.IND'\nvalues = [0.2, 1.7]\n",
        "countries.tax_rate_overrides"),
    "unknown country": ("[[parameters]]\nname = 'countries.tax_rate_overrides.XXX'\n"
                        "values = [0.2]\n", "'XXX'"),
    "range without levels": ("[[parameters]]\nname = 'review_hazard'\nrange = [0.0, 0.1]\n",
                             "parameters[0] (review_hazard).levels"),
    "range reversed": ("[[parameters]]\nname = 'review_hazard'\nrange = [0.3, 0.1]\n"
                       "levels = 2\n", "low < high"),
    "two sources": ("[[parameters]]\nname = 'review_hazard'\nvalues = [0.1]\n"
                    "range = [0.0, 0.1]\n", "exactly one of values, range or distribution"),
    "unknown design": ("[design]\nkind = 'grid'\n", "design: kind must be one of"),
    "lhs without samples": ("[design]\nkind = 'lhs'\n[[parameters]]\nname = 'review_hazard'"
                            "\nrange = [0.0, 0.1]\n", "design.samples"),
    "distribution in factorial": ("[[parameters]]\nname = 'review_hazard'\n"
                                  "distribution = 'normal'\nmean = 0.1\nsd = 0.01\n",
                                  "factorial design needs values or range"),
    "normal in morris": ("[design]\nkind = 'morris'\ntrajectories = 4\n[[parameters]]\n"
                         "name = 'review_hazard'\ndistribution = 'normal'\nmean = 0.1\n"
                         "sd = 0.01\n[[parameters]]\nname = 'n_firms'\nrange=[10.0, 20.0]\n",
                         "bounded"),
    "unknown output": ("outputs = ['market_size']\n", "outputs: unknown column"),
    "negative timeout": ("timeout_s = -1\n", "timeout_s"),
    "missing base file": ("[base]\nscenario = 'nope.toml'\n", "nope.toml: no such file"),
    "bad base override": ("[base.overrides]\nn_firms = 0\n", "population.n_firms"),
    "not toml": ("seed = = 3\n", "invalid TOML"),
    "sensitivity output not kept": ("outputs = ['n_vendors']\n[sensitivity]\n"
                                    "outputs = ['share_offshore']\n", "sensitivity.outputs"),
    "points design with parameters": ("[design]\nkind = 'points'\n[[design.points]]\n"
                                      "review_hazard = 0.1\n[[parameters]]\n"
                                      "name = 'review_hazard'\nvalues = [0.1]\n",
                                      "remove the [[parameters]]"),
    "uneven points": ("[design]\nkind = 'points'\n[[design.points]]\nreview_hazard = 0.1\n"
                      "[[design.points]]\nn_firms = 10\n", "design.points[1]"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_spec_one_line_exit_2_no_output(case, tmp_path, capsys):
    text, needle = BAD[case]
    spec = write(tmp_path / "bad.toml", text)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("bposim: error:"), err
    assert needle in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_options_exit_2(tmp_path, capsys):
    spec = write(tmp_path / "s.toml", SPEC_24)
    for args, needle in ((["--workers", "0"], "--workers"),
                         (["--scheduler", "tcp://127.0.0.1:1", "--dask-local", "2"],
                          "--scheduler and --dask-local"),
                         (["--executor", "dask"], "--executor dask"),
                         (["--chunk-size", "0"], "--chunk-size")):
        out = tmp_path / "o"
        assert main(["sweep", str(spec), "--out", str(out), *args]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err, err
        assert not out.exists()


def test_foreign_folder_is_refused(tmp_path, capsys):
    spec = write(tmp_path / "s.toml", SPEC_24)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    assert "not a bposim sweep folder" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_example_specs_are_valid():
    specs = sorted((ROOT / "experiments" / "sweeps").glob("*.toml"))
    assert len(specs) >= 4
    kinds = set()
    for path in specs:
        loaded = load_spec(path)
        plan = build_plan(loaded, root_entropy(loaded.spec.seed))
        assert plan.runs, path
        kinds.add(loaded.spec.design.kind)
    assert {"factorial", "sobol", "morris", "lhs", "points"} <= kinds


# -------------------------------------------------------------------------- designs
def test_factorial_plan_has_every_combination(tmp_path):
    loaded = _spec(tmp_path, SPEC_24)
    plan = build_plan(loaded, 1)
    assert len(plan.runs) == 24
    combos = {(p["review_hazard"], p["countries.tax_rate_overrides.IND"])
              for p in plan.design.points}
    assert combos == {(h, t) for h in (0.01, 0.05) for t in (0.1, 0.2, 0.3)}
    assert [r.run_id for r in plan.runs] == list(range(24))
    assert all(r.run_id == r.point * 4 + r.replication for r in plan.runs)
    # the scenario of each point carries its values
    for p, sc in zip(plan.design.points, plan.scenarios):
        assert sc.decision.review_hazard == p["review_hazard"]
        assert sc.countries.tax_rate_overrides["IND"] == p["countries.tax_rate_overrides.IND"]
        assert sc.population.n_firms == 40 and sc.time.end_year == 2004


def test_three_levels_each_is_nine_points(tmp_path):
    """2 parameters at 3 levels each, 4 replications: a full factorial of 36 runs."""
    text = SPEC_24.replace("values = [0.01, 0.05]", "values = [0.01, 0.03, 0.05]")
    plan = build_plan(_spec(tmp_path, text), 1)
    assert len(plan.design.points) == 9 and len(plan.runs) == 36


LHS = f"""
seed = 5
[design]
kind = "lhs"
samples = 20
{FAST_BASE}
[[parameters]]
name = "review_hazard"
range = [0.0, 0.2]
[[parameters]]
name = "consideration_set_size"
range = [1.0, 8.0]
[[parameters]]
name = "coordination_cost_decline"
distribution = "normal"
mean = 0.04
sd = 0.01
"""


def test_lhs_is_stratified_seeded_and_rounds_integers(tmp_path):
    loaded = _spec(tmp_path, LHS)
    d1 = build_design(loaded, 5)
    d2 = build_design(loaded, 5)
    d3 = build_design(loaded, 6)
    assert d1.points == d2.points and d1.points != d3.points
    u = d1.unit
    assert u.shape == (20, 3)
    for j in range(3):  # one point in each of the 20 strata of every dimension
        assert sorted((u[:, j] * 20).astype(int)) == list(range(20))
    rh = np.array([p["review_hazard"] for p in d1.points])
    np.testing.assert_allclose(rh, 0.2 * u[:, 0])
    assert all(isinstance(p["consideration_set_size"], int) for p in d1.points)
    from scipy.stats import norm
    np.testing.assert_allclose([p["coordination_cost_decline"] for p in d1.points],
                               norm(0.04, 0.01).ppf(u[:, 2]))


def test_sobol_and_morris_sizes(tmp_path):
    params = "[[parameters]]\nname = 'review_hazard'\nrange = [0.0, 0.2]\n" \
             "[[parameters]]\nname = 'backlash_intensity'\nrange = [0.0, 0.5]\n"
    base = f"{FAST_BASE}\n{params}"
    sob = _spec(tmp_path, "seed = 1\n[design]\nkind = 'sobol'\nsamples = 8\n" + base,
                "a.toml")
    assert len(build_design(sob, 1).points) == 8 * (2 + 2)
    sob2 = _spec(tmp_path, "seed = 1\n[design]\nkind = 'sobol'\nsamples = 8\n"
                 "second_order = true\n" + base, "b.toml")
    assert len(build_design(sob2, 1).points) == 8 * (2 * 2 + 2)
    mor = _spec(tmp_path, "seed = 1\n[design]\nkind = 'morris'\ntrajectories = 5\n"
                "levels = 4\n" + base, "c.toml")
    d = build_design(mor, 1)
    assert len(d.points) == 5 * 3
    # Morris trajectories move one parameter at a time, on the 4-level grid
    steps = np.abs(np.diff(d.unit.reshape(5, 3, 2), axis=1))
    assert ((steps > 0).sum(axis=2) == 1).all()
    assert set(np.round(d.unit.ravel() * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}


def test_points_design(tmp_path):
    loaded = _spec(tmp_path, f"""seed = 2
replications = 2
{FAST_BASE}
[design]
kind = "points"
[[design.points]]
review_hazard = 0.02
"labour.labour_cost_multiplier.IND" = 1.0
[[design.points]]
review_hazard = 0.05
"labour.labour_cost_multiplier.IND" = 2.5
""")
    plan = build_plan(loaded, 2)
    assert len(plan.runs) == 4
    assert plan.scenarios[1].labour.labour_cost_multiplier == {"IND": 2.5}


# ---------------------------------------------------------------------------- seeds
def test_seeds_child_per_run_and_common_random_numbers(tmp_path):
    plan = build_plan(_spec(tmp_path, SPEC_24), 99)
    keys = [r.spawn_key for r in plan.runs]
    assert len(set(keys)) == 24
    draws = {make_seed(99, k).generate_state(2).tobytes() for k in keys}
    assert len(draws) == 24  # independent streams
    crn = build_plan(_spec(tmp_path, "common_random_numbers = true\n" + SPEC_24,
                           "crn.toml"), 99)
    by_rep = {}
    for r in crn.runs:
        by_rep.setdefault(r.replication, set()).add(r.spawn_key)
    assert all(len(v) == 1 for v in by_rep.values()) and len(by_rep) == 4
    # re-created from what is stored; the same child as NumPy's spawn tree gives
    r = plan.runs[5]
    assert r.spawn_key == (1, 1, 1)
    row = plan.row(r)
    a = make_seed(row["seed_entropy"], row["spawn_key"]).generate_state(4)
    b = np.random.SeedSequence(99).spawn(2)[1].spawn(2)[1].spawn(2)[1].generate_state(4)
    assert (a == b).all()


def test_spec_hash_ignores_description_but_not_the_design(tmp_path):
    a = _spec(tmp_path, SPEC_24, "a.toml")
    b = _spec(tmp_path, 'description = "notes"\ntimeout_s = 9.0\n' + SPEC_24, "b.toml")
    c = _spec(tmp_path, SPEC_24.replace("replications = 4", "replications = 5"), "c.toml")
    assert a.spec_hash() == b.spec_hash() != c.spec_hash()
