"""`bposim sensitivity`: SALib Sobol and Morris, paired with their designs, replications
averaged, indices with confidence intervals as a table and a chart, size warnings."""

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.plan import build_plan
from experiments.sensitivity import INDEX_COLUMNS, analyze, guidance_warnings, responses
from experiments.spec import load_spec
from experiments.storage import SweepData, load_sweep
from sweeputil import FAST_BASE, write

PARAMS = """
[[parameters]]
name = "review_hazard"
range = [0.0, 0.1]
[[parameters]]
name = "breach_hazard_scale"
range = [0.5, 20.0]
"""


def _spec(tmp_path, design, extra="", name="s.toml"):
    return write(tmp_path / name, f"""seed = 3
replications = 2
end_year = 2002
outputs = ["market_acv_usd_bn", "share_offshore"]
{extra}
{FAST_BASE}
[design]
{design}
{PARAMS}
[sensitivity]
years = [2001, 2002]
resamples = 100
""")


@pytest.fixture(scope="module")
def sobol_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sobol")
    spec = _spec(tmp, "kind = 'sobol'\nsamples = 4")
    out = tmp / "out"
    return spec, out, main(["sensitivity", str(spec), "--out", str(out), "--executor",
                            "in-process", "--quiet"])


def test_sobol_writes_indices_table_and_charts(sobol_run, capsys):
    spec, out, code = sobol_run
    assert code == 0
    d = out / "sensitivity"
    idx = pd.read_csv(d / "indices.csv")
    assert list(idx.columns) == list(INDEX_COLUMNS)
    assert len(load_sweep(out).runs) == 4 * (2 + 2) * 2  # N (D + 2) points x 2 replications
    for output in ("market_acv_usd_bn", "share_offshore"):
        sub = idx[(idx["output"] == output) & (idx["method"] == "sobol")]
        assert sorted(sub["index"]) == ["S1", "S1", "ST", "ST"]
        scores = idx[(idx["output"] == output) & (idx["method"] == "extra_trees")]
        assert set(scores["parameter"]) == set(sub["parameter"])
        assert scores["value"].sum() == pytest.approx(1.0) and scores["conf"].isna().all()
        assert set(sub["parameter"]) == {"review_hazard", "breach_hazard_scale"}
        assert (sub["conf"] > 0).all()
        np.testing.assert_allclose(sub["ci_high"] - sub["ci_low"], 2 * sub["conf"])
        png = (d / f"{output}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    pq_idx = pd.read_parquet(d / "indices.parquet")
    assert pq_idx["parameter_2"].isna().all() and idx["parameter_2"].isna().all()
    pd.testing.assert_frame_equal(pq_idx.drop(columns="parameter_2"),
                                  idx.drop(columns="parameter_2"), check_dtype=False)
    assert "below 1024" in (d / "warnings.txt").read_text()


def test_replications_are_averaged(sobol_run, tmp_path):
    spec, out, _ = sobol_run
    loaded = load_spec(spec)
    data = load_sweep(out)
    plan = build_plan(loaded, int(data.manifest["seed_entropy"]))
    y = responses(plan, data, "market_acv_usd_bn", (2001, 2002))
    ts = data.timeseries[data.timeseries["year"].between(2001, 2002)]
    per_run = ts.groupby("run_id")["market_acv_usd_bn"].mean()
    point = data.runs.set_index("run_id")["point"]
    manual = [per_run[point[point == p].index].mean() for p in range(len(y))]
    np.testing.assert_allclose(y, manual, rtol=0, atol=0)
    # the two replications of a point differ, so averaging does something
    assert (per_run[point[point == 0].index].nunique()) == 2


def _synthetic(loaded, slope=4.0, noise=1.0):
    """Plan and fake stored results whose response is known exactly:
    y = slope * u_1 (u = unit-cube coordinate of review_hazard), replication 0 adds
    +noise and replication 1 -noise (so their mean is exact)."""
    plan = build_plan(loaded, 3)
    lo, hi = 0.0, 0.1
    rows, ts = [], []
    for r in plan.runs:
        u1 = (plan.values(r.point)["review_hazard"] - lo) / (hi - lo)
        y = slope * u1 + (noise if r.replication == 0 else -noise)
        rows.append({"run_id": r.run_id, "point": r.point, "status": "ok"})
        for q in range(1, 5):
            ts.append({"run_id": r.run_id, "year": 2002, "quarter": q,
                       "market_acv_usd_bn": y, "share_offshore": y})
    runs = pd.DataFrame(rows)
    return plan, SweepData(runs=runs, timeseries=pd.DataFrame(ts), plan=runs, manifest={})


def test_morris_is_paired_with_its_design(tmp_path):
    loaded = load_spec(_spec(tmp_path, "kind = 'morris'\ntrajectories = 10\nlevels = 4"))
    plan, data = _synthetic(loaded)
    idx, notes = analyze(plan, data)
    m = idx[(idx["output"] == "market_acv_usd_bn")].set_index(["index", "parameter"])
    # elementary effect of y = 4 u1: exactly 4 per unit-cube step, 0 for the other
    assert m.loc[("mu_star", "review_hazard"), "value"] == pytest.approx(4.0, abs=1e-9)
    assert m.loc[("mu", "review_hazard"), "value"] == pytest.approx(4.0, abs=1e-9)
    assert m.loc[("sigma", "review_hazard"), "value"] == pytest.approx(0.0, abs=1e-9)
    assert m.loc[("mu_star", "breach_hazard_scale"), "value"] == pytest.approx(0, abs=1e-9)
    assert notes == []


def test_sobol_is_paired_with_its_design(tmp_path):
    loaded = load_spec(_spec(tmp_path, "kind = 'sobol'\nsamples = 256"))
    plan, data = _synthetic(loaded)
    idx, _ = analyze(plan, data)
    s = idx[(idx["output"] == "share_offshore")].set_index(["index", "parameter"])["value"]
    assert s[("S1", "review_hazard")] == pytest.approx(1.0, abs=0.05)
    assert s[("ST", "review_hazard")] == pytest.approx(1.0, abs=0.05)
    assert abs(s[("S1", "breach_hazard_scale")]) < 0.02
    assert s[("ST", "breach_hazard_scale")] == pytest.approx(0.0, abs=1e-9)


def test_morris_cli_and_chart(tmp_path, capsys):
    spec = _spec(tmp_path, "kind = 'morris'\ntrajectories = 2\nlevels = 3",
                 extra="", name="m.toml").read_text().replace("replications = 2",
                                                              "replications = 1")
    spec = write(tmp_path / "m1.toml", spec)
    out = tmp_path / "out"
    assert main(["sensitivity", str(spec), "--out", str(out), "--executor",
                 "in-process"]) == 0
    cap = capsys.readouterr()
    assert "levels = 3 is odd" in cap.err and "trajectories = 2 is below 10" in cap.err
    assert "mu_star" in cap.out
    idx = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert set(idx.loc[idx["method"] == "morris", "index"]) == {"mu_star", "mu", "sigma"}
    assert (out / "sensitivity" / "share_offshore.png").is_file()


@pytest.mark.parametrize("design,needles", [
    ("kind = 'sobol'\nsamples = 1024", []),
    ("kind = 'sobol'\nsamples = 1000", ["not a power of 2", "e.g. 1024", "below 1024"]),
    ("kind = 'sobol'\nsamples = 2048", []),
    ("kind = 'morris'\ntrajectories = 10\nlevels = 4", []),
    ("kind = 'morris'\ntrajectories = 9\nlevels = 5", ["is odd", "below 10"]),
])
def test_sample_size_guidance(tmp_path, design, needles):
    spec = load_spec(_spec(tmp_path, design)).spec
    w = " | ".join(guidance_warnings(spec))
    for n in needles:
        assert n in w
    assert bool(w) == bool(needles)


def test_lhs_spec_is_analysed_with_given_data_methods(tmp_path, capsys):
    spec = _spec(tmp_path, "kind = 'lhs'\nsamples = 4")
    out = tmp_path / "o"
    assert main(["sensitivity", str(spec), "--out", str(out), "--executor", "in-process",
                 "--quiet"]) == 0
    idx = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert set(idx["method"]) == {"extra_trees"}  # too few points for RBD-FAST and PAWN
    warnings = (out / "sensitivity" / "warnings.txt").read_text()
    assert "given-data indices (RBD-FAST, PAWN) skipped: they need at least 50" in warnings
    assert "design.samples = 4 is below 100" in capsys.readouterr().err
