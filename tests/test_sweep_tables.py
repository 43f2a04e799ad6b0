"""Analysing a stored sweep from Python: per-run annual tables (experiments.tables), the
heat map drawn from them, and ``bposim sensitivity`` as a function (run_sensitivity)."""

import numpy as np
import pandas as pd
import pytest

from experiments import figures
from experiments.runner import SweepOptions
from experiments.sensitivity import INDEX_COLUMNS, run_sensitivity
from experiments.storage import load_sweep
from experiments.tables import annual_by_run
from sweeputil import FAST_BASE, in_process_sweep, write

GRID = f"""
seed = 5
replications = 2
end_year = 2003
common_random_numbers = true
outputs = ["market_acv_usd_bn", "tcv_signed_usd_bn", "share_offshore"]
{FAST_BASE}
[design]
kind = "factorial"

[[parameters]]
name = "coordination_cost_decline"
values = [0.0, 0.08]

[[parameters]]
name = "countries.tax_rate_overrides.IND"
values = [0.15, 0.35]
"""


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    in_process_sweep(write(tmp / "grid.toml", GRID), tmp / "out")
    return load_sweep(tmp / "out")


def test_annual_by_run_sums_flows_and_averages_stocks(grid):
    annual = annual_by_run(grid)
    params = ["coordination_cost_decline", "countries.tax_rate_overrides.IND"]
    assert list(annual.columns) == ["run_id", "point", "replication", *params, "year",
                                    "market_acv_usd_bn", "tcv_signed_usd_bn",
                                    "share_offshore"]
    assert len(annual) == 8 * 4  # 8 runs x 2000-2003
    ts = grid.timeseries
    for _, row in annual.sample(6, random_state=0).iterrows():
        q = ts[(ts["run_id"] == row["run_id"]) & (ts["year"] == row["year"])]
        assert len(q) == 4
        assert row["tcv_signed_usd_bn"] == pytest.approx(q["tcv_signed_usd_bn"].sum())
        assert row["market_acv_usd_bn"] == pytest.approx(q["market_acv_usd_bn"].mean())
        assert row["share_offshore"] == pytest.approx(q["share_offshore"].mean())
        run = grid.runs.set_index("run_id").loc[row["run_id"]]
        assert row[params].tolist() == run[params].tolist()
        assert (row["point"], row["replication"]) == (run["point"], run["replication"])
    only = annual_by_run(grid, ["share_offshore"])
    assert list(only.columns)[-1] == "share_offshore" and "tcv_signed_usd_bn" not in only
    with pytest.raises(KeyError, match="'n_breaches' is not kept by this sweep"):
        annual_by_run(grid, ["n_breaches"])


def test_annual_by_run_keeps_only_ok_runs(grid):
    runs = grid.runs.copy()
    runs.loc[runs["run_id"] == 3, "status"] = "failed"
    annual = annual_by_run(type(grid)(runs=runs, timeseries=grid.timeseries, plan=grid.plan,
                                      manifest=grid.manifest))
    assert 3 not in set(annual["run_id"]) and annual["run_id"].nunique() == 7


def test_heatmap_of_a_stored_sweep_shows_the_mean_over_replications(grid):
    last = annual_by_run(grid).query("year == 2003")
    fig = figures.heatmap_figure(last, x="coordination_cost_decline",
                                  y="countries.tax_rate_overrides.IND",
                                  value="tcv_signed_usd_bn")
    img = fig.axes[0].images[0].get_array()
    # independent computation from the quarterly table: annual sum per run, then mean
    ts = grid.timeseries.query("year == 2003").merge(grid.runs, on="run_id")
    per_run = ts.groupby(["run_id", "coordination_cost_decline",
                          "countries.tax_rate_overrides.IND"])["tcv_signed_usd_bn"].sum()
    cell = per_run.groupby(level=[2, 1]).mean().unstack()  # rows: tax rate, cols: decline
    np.testing.assert_allclose(img, cell.to_numpy())
    assert "2 runs per cell" in fig.axes[0].get_title()


MORRIS = f"""
seed = 9
replications = 1
end_year = 2003
outputs = ["market_acv_usd_bn", "share_offshore"]
{FAST_BASE}
[design]
kind = "morris"
trajectories = 2
levels = 4

[[parameters]]
name = "coordination_cost_decline"
range = [0.0, 0.08]

[[parameters]]
name = "breach_hazard_scale"
range = [0.5, 20.0]

[sensitivity]
years = [2002, 2003]
resamples = 50
"""


def test_run_sensitivity_runs_analyses_and_writes(tmp_path, capsys):
    spec = write(tmp_path / "m.toml", MORRIS)
    res = run_sensitivity(spec, SweepOptions(out=tmp_path / "out", executor="in-process",
                                             quiet=True))
    assert res.outcome.exit_status == 0 and res.outcome.ok == 2 * (2 + 1)
    assert list(res.indices.columns) == list(INDEX_COLUMNS)
    assert set(res.indices["index"]) == {"mu_star", "mu", "sigma", "feature_score"}
    assert set(res.indices["method"]) == {"morris", "extra_trees"}
    stored = pd.read_csv(tmp_path / "out" / "sensitivity" / "indices.csv")
    pd.testing.assert_frame_equal(stored[["output", "index", "parameter", "value"]],
                                  res.indices[["output", "index", "parameter", "value"]])
    assert all(p.is_file() for p in res.paths)
    assert any("trajectories = 2 is below 10" in w for w in res.warnings)
    assert "trajectories = 2 is below 10" in capsys.readouterr().err


def test_run_sensitivity_of_a_grid_gives_feature_scores(tmp_path):
    spec = write(tmp_path / "g.toml", GRID)
    res = run_sensitivity(spec, SweepOptions(out=tmp_path / "out", executor="in-process",
                                             quiet=True))
    assert res.outcome.exit_status == 0
    assert set(res.indices["method"]) == {"extra_trees"}
    sums = res.indices.groupby("output")["value"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert (tmp_path / "out" / "sensitivity" / "indices.csv").is_file()
