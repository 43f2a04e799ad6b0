"""A finished sweep ends in something to look at (:mod:`experiments.summary`): the summary
table, the default figures, the hint of how to load the results; ``bposim plot``."""

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from experiments.storage import load_sweep
from experiments.summary import (fan_points, grid_axes, load, load_hint, point_label,
                                 summary_table, sweep_figures)
from simulation.collector import FLOW_COLUMNS
from sweeputil import FAST_BASE, write

OUTPUTS = ["market_acv_usd_bn", "tcv_signed_usd_bn", "share_offshore", "n_breaches"]
GRID = f"""
name = "grid"
seed = 9
replications = 3
end_year = 2003
outputs = {OUTPUTS!r}
{FAST_BASE}
[design]
kind = "factorial"
[[parameters]]
name = "review_hazard"
values = [0.01, 0.05]
[[parameters]]
name = "countries.tax_rate_overrides.IND"
values = [0.1, 0.3]
"""


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """``bposim sweep`` of a 2 x 2 grid x 3 replications, in-process; its CLI output."""
    tmp = tmp_path_factory.mktemp("grid")
    spec = write(tmp / "grid.toml", GRID)
    p = run_cli(["sweep", spec, "--out", tmp / "sw", "--executor", "in-process"])
    assert p.returncode == 0, p.stderr
    return tmp / "sw", p


def test_summary_table_is_mean_and_range_over_replications(grid):
    sweep_dir, _ = grid
    table = pd.read_csv(sweep_dir / "summary.csv")
    assert list(table.columns) == ["point", "review_hazard", "countries.tax_rate_overrides.IND",
                                   "output", "year", "n_runs", "mean", "p05", "p95"]
    assert len(table) == 4 * len(OUTPUTS) * 4  # points x outputs x years 2000-2003
    # independently: each run's year (flows summed, stocks averaged), then over replications
    data = load_sweep(sweep_dir)
    ts = data.timeseries.merge(data.runs[["run_id", "point"]], on="run_id")
    for output in ("tcv_signed_usd_bn", "share_offshore", "n_breaches"):
        how = "sum" if output in FLOW_COLUMNS else "mean"
        per_run = ts.groupby(["point", "run_id", "year"])[output].agg(how).reset_index()
        if output == "n_breaches":  # counts per 1,000 real firms: 40 simulated firms
            per_run[output] *= 1000 / 40
        for (point, year), d in per_run.groupby(["point", "year"]):
            row = table[(table["point"] == point) & (table["year"] == year)
                        & (table["output"] == output)].iloc[0]
            v = np.sort(d[output].to_numpy())
            assert row["n_runs"] == 3
            assert row["mean"] == pytest.approx(v.mean(), rel=1e-12)
            assert row["p05"] == pytest.approx(v[0] + 0.1 * (v[1] - v[0]), rel=1e-9)
            assert row["p95"] == pytest.approx(v[1] + 0.9 * (v[2] - v[1]), rel=1e-9)
    assert (table["p05"] <= table["mean"] + 1e-12).all()
    assert (table["mean"] <= table["p95"] + 1e-12).all()
    pd.testing.assert_frame_equal(summary_table(*load(sweep_dir)), table, check_dtype=False)


def test_sweep_ends_with_figures_and_a_two_line_loading_hint(grid):
    sweep_dir, p = grid
    names = sorted(f.name for f in (sweep_dir / "figures").iterdir())
    assert names == sorted([f"fan_{o}.png" for o in OUTPUTS]
                           + [f"heatmap_{o}.png" for o in OUTPUTS])
    assert all((sweep_dir / "figures" / n).read_bytes()[:4] == b"\x89PNG" for n in names)
    hint = load_hint(sweep_dir)
    assert hint in p.stdout and len(hint.splitlines()) == 2
    assert "pandas" in hint.splitlines()[0] and "DuckDB" in hint.splitlines()[1]
    assert "summary.csv" in p.stdout and "wrote 9 files" in p.stdout


def test_the_loading_hint_works(grid):
    """What the hint says to run loads the summary (pandas and DuckDB)."""
    import duckdb

    sweep_dir, _ = grid
    d = sweep_dir.as_posix()
    via_pandas = pd.read_csv(f"{d}/summary.csv")
    via_duckdb = duckdb.sql(f"SELECT * FROM '{d}/summary.csv'").df()
    assert len(via_pandas) == len(via_duckdb) == 64
    np.testing.assert_allclose(via_duckdb["mean"], via_pandas["mean"])


def test_default_figures_hold_the_data(grid):
    sweep_dir, _ = grid
    figs = sweep_figures(*load(sweep_dir))
    fan = figs["fan_share_offshore"]
    panels = [ax for ax in fan.axes if ax.get_visible()]
    assert len(panels) == 4  # every design point
    assert "review_hazard 0.01, IND tax rate 0.1 (3 runs)" in panels[0].get_title().replace(
        "\n", " ")
    heat = figs["heatmap_share_offshore"]
    img = heat.axes[0].images[0].get_array()
    last = summary_table(*load(sweep_dir))
    last = last[(last["output"] == "share_offshore") & (last["year"] == 2003)]
    expect = last.pivot_table(index="countries.tax_rate_overrides.IND",
                              columns="review_hazard", values="mean")
    np.testing.assert_allclose(np.asarray(img), expect.to_numpy(), rtol=1e-12)


def test_plot_redraws_a_sweep_in_other_formats(grid):
    sweep_dir, _ = grid
    p = run_cli(["plot", sweep_dir, "--figure-format", "svg,pdf"])
    assert p.returncode == 0, p.stderr
    assert (sweep_dir / "figures" / "fan_n_breaches.svg").read_text().startswith("<?xml")
    assert (sweep_dir / "figures" / "heatmap_n_breaches.pdf").read_bytes()[:4] == b"%PDF"
    assert "load with pandas" in p.stdout


def test_fan_charts_of_many_points_show_lowest_middle_highest():
    last = [5, 1, 9, 3, 7, 2, 8, 4, 6]
    annual = pd.DataFrame({"point": np.repeat(np.arange(9), 2), "year": [2000, 2001] * 9,
                           "y": np.ravel([[0, v] for v in last])})
    # last-year means by point: 5 1 9 3 7 2 8 4 6 -> lowest point 1, middle (5) point 0,
    # highest point 2
    assert fan_points(annual, "y") == [1, 0, 2]
    assert fan_points(annual[annual["point"] < 6], "y") == [0, 1, 2, 3, 4, 5]


def test_point_labels_are_short_and_readable():
    assert point_label({"countries.tax_rate_overrides.IND": 0.02667,
                        "decision.review_hazard": 0.05, "n_firms": 2000.0}) == \
        "IND tax rate 0.0267, review_hazard 0.05, n_firms 2,000"


def test_a_morris_sweep_ends_with_its_indices(tmp_path):
    spec = write(tmp_path / "m.toml", f"""
name = "morris"
seed = 4
replications = 1
end_year = 2002
outputs = ["share_offshore"]
{FAST_BASE}
[design]
kind = "morris"
trajectories = 2
levels = 4
[[parameters]]
name = "review_hazard"
range = [0.01, 0.05]
[[parameters]]
name = "breach_hazard_scale"
range = [0.5, 2.0]
""")
    p = run_cli(["sweep", spec, "--out", tmp_path / "m", "--executor", "in-process",
                 "--figure-format", "pdf"])
    assert p.returncode == 0, p.stderr
    idx = pd.read_csv(tmp_path / "m" / "sensitivity" / "indices.csv")
    # Morris indices, plus the extra-trees feature scores every design gets (issue #17)
    assert set(idx["index"]) == {"mu_star", "mu", "sigma", "feature_score"}
    assert (tmp_path / "m" / "sensitivity" / "share_offshore.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "m" / "figures" / "fan_share_offshore.pdf").is_file()
    assert grid_axes(load_sweep(tmp_path / "m")) is None  # not a grid: no heat map
    assert not list((tmp_path / "m" / "figures").glob("heatmap_*"))


def test_plot_redraws_a_run_folder(tmp_path):
    out = tmp_path / "run"
    p = run_cli(["run", "--firms", "60", "--end-year", "2003", "--out", out, "--quiet"])
    assert p.returncode == 0, p.stderr
    (out / "events.png").unlink()
    p = run_cli(["plot", out, "--figure-format", "png,svg"])
    assert p.returncode == 0, p.stderr
    for name in ("market_size", "location_shares", "events", "acv_by_country"):
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (out / f"{name}.svg").is_file()


@pytest.mark.parametrize("args, needle", [
    (["plot", "/nonexistent"], "is neither a run folder"),
    (["plot", ".", "--figure-format", "png,gif"], "--figure-format: unknown format 'gif'"),
    (["sweep", "x.toml", "--figure-format", ","], "--figure-format: unknown format ''"),
])
def test_plot_and_figure_format_bad_input_one_line(args, needle):
    p = run_cli(args)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and needle in p.stderr, p.stderr
