"""Figures of a sweep (experiments.figures): heat maps over a parameter grid and fan
charts over replications draw exactly the data they are given, summarised as documented."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import FillBetweenPolyCollection

from experiments import figures
from simulation.world import published_market_size


def _grid_runs(seed=0) -> pd.DataFrame:
    """A 3 x 2 grid with 1-4 runs per cell (unequal on purpose) and one empty cell."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in (0.0, 0.04, 0.08):
        for b in (0.1, 0.3):
            if (a, b) == (0.08, 0.3):
                continue  # a grid point without any ok run
            n = 1 if (a, b) == (0.0, 0.1) else 4
            for r in range(n):
                rows.append({"decline": a, "backlash": b, "run_id": len(rows),
                             "share": rng.uniform(0, 1)})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # order must not matter


def test_heatmap_cells_are_the_pivoted_means():
    runs = _grid_runs()
    fig = figures.heatmap_figure(runs, x="decline", y="backlash", value="share",
                                  xlabel="decline (fraction per year)",
                                  value_label="offshore share", fmt="{:.3f}")
    ax = fig.axes[0]
    img = ax.images[0].get_array()
    expected = runs.pivot_table(index="backlash", columns="decline", values="share",
                                aggfunc="mean")
    assert img.shape == (2, 3)
    # row 0 = lowest y level (origin lower), columns in ascending x
    np.testing.assert_allclose(img.filled(np.nan)[0, :2], expected.loc[0.1, [0.0, 0.04]])
    np.testing.assert_allclose(img.filled(np.nan)[1, :2], expected.loc[0.3, [0.0, 0.04]])
    np.testing.assert_allclose(img[0, 2], runs.query("decline == 0.08")["share"].mean())
    assert img.mask[1, 2] and ax.images[0].origin == "lower"  # the empty cell is blank
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.04", "0.08"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.1", "0.3"]
    # one label per non-empty cell, at its position, with the cell's mean
    labels = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text()
              for t in ax.texts}
    assert len(labels) == 5 and (2, 1) not in labels
    assert labels[(1, 1)] == f"{expected.loc[0.3, 0.04]:.3f}"
    assert ax.get_xlabel() == "decline (fraction per year)" and ax.get_ylabel() == "backlash"
    assert fig.axes[1].get_ylabel() == "offshore share"  # the colour bar
    assert "1-4 runs per cell" in ax.get_title()


def test_heatmap_needs_its_columns():
    with pytest.raises(KeyError, match="no column 'nope'"):
        figures.heatmap_figure(_grid_runs(), x="decline", y="backlash", value="nope")


def _fan_runs(seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g, n, scale in (("slow", 20, 10.0), ("fast", 7, 30.0)):
        for r in range(n):
            run_id = len({(x["group"], x["rep"]) for x in rows})
            for year in range(2000, 2008):
                rows.append({"group": g, "rep": r, "run_id": run_id, "year": year,
                             "tcv": scale * (1 + 0.1 * (year - 2000)) * rng.lognormal()})
    return pd.DataFrame(rows)


def _vertices_at(coll, x) -> np.ndarray:
    v = coll.get_paths()[0].vertices
    return np.unique(v[np.isclose(v[:, 0], x), 1])


def test_fan_chart_draws_medians_and_quantile_bands_per_group():
    runs = _fan_runs()
    fig = figures.fan_chart_figure(runs, "tcv", group="group",
                                    published=published_market_size(),
                                    ylabel="TCV signed, USD bn per year")
    axes = fig.axes
    assert len(axes) == 2 and axes[0].get_shared_y_axes().joined(axes[0], axes[1])
    for ax, g in zip(axes, ("slow", "fast")):  # panels in order of appearance
        d = runs[runs["group"] == g]
        assert ax.get_title() == f"{g}\n({d['run_id'].nunique()} runs)"
        median = ax.get_lines()[0]
        med = d.groupby("year")["tcv"].median()
        np.testing.assert_array_equal(median.get_xdata(), med.index.to_numpy())
        np.testing.assert_allclose(median.get_ydata(), med.to_numpy())
        bands = [c for c in ax.collections if isinstance(c, FillBetweenPolyCollection)]
        assert [b.get_label() for b in bands] == ["central 90% of runs",
                                                  "central 50% of runs"]
        for band, (q_lo, q_hi) in zip(bands, ((0.05, 0.95), (0.25, 0.75))):
            for year, values in d.groupby("year")["tcv"]:
                want = np.sort([np.quantile(values, q_lo), np.quantile(values, q_hi)])
                np.testing.assert_allclose(_vertices_at(band, year), want)
        # the published series over the runs' years, verified points filled, rest hollow
        pub = published_market_size()
        pub = pub[pub["year"].between(runs["year"].min(), runs["year"].max())]
        points = [ln for ln in ax.get_lines()[1:]]
        assert sum(len(p.get_xdata()) for p in points) == len(pub) > 0
        assert min(min(p.get_xdata()) for p in points) >= runs["year"].min()
    assert axes[0].get_ylabel() == "TCV signed, USD bn per year"


def test_fan_chart_without_groups_uses_every_run():
    runs = _fan_runs()
    fig = figures.fan_chart_figure(runs, "tcv", title="all")
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                               runs.groupby("year")["tcv"].median().to_numpy())
    assert ax.get_title() == f"{runs['run_id'].nunique()} runs"
    assert fig.get_suptitle() == "all"
    with pytest.raises(KeyError, match="no column 'point'"):
        figures.fan_chart_figure(runs, "tcv", group="point")
