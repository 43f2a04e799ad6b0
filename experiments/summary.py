"""What a finished sweep leaves to look at: a summary table, default figures and a hint of
how to load the results.

``bposim sweep`` and ``bposim sensitivity`` call :func:`write_sweep_summary` when every
planned run is stored; ``bposim plot DIR`` calls it again (to redraw, e.g. in another
format). Files, in the sweep folder::

    summary.csv                   per design point, output and year: the runs, the mean
                                  and the 5 % and 95 % quantiles over replications (event
                                  counts per 1,000 real firms)
    figures/fan_<output>.<fmt>    fan chart of each output over time (median, central 50 %
                                  and 90 % of replications) at up to six design points
    figures/heatmap_<output>.<fmt>  a two-parameter grid: the mean of each output in the
                                  last year per cell
    sensitivity/<output>.<fmt>    Sobol or Morris designs: the indices of each output
                                  (with ``indices.csv``, :mod:`experiments.sensitivity`)

Yearly values are those of :func:`experiments.tables.annual_by_run` (flows summed over a
year's quarters, stocks averaged).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from experiments import storage
from experiments.tables import annual_by_run

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from experiments.plan import Plan

SUMMARY_CSV = "summary.csv"
FIGURES_DIR = "figures"
SENSITIVITY_DIR = "sensitivity"
#: Quantiles of the summary's range over replications.
RANGE = (0.05, 0.95)
#: Fan charts draw every design point up to this many; beyond, the points with the
#: lowest, middle and highest mean of the output in the last year.
MAX_FAN_PANELS = 6


def parameters(data: storage.SweepData) -> list[str]:
    """The swept parameters, in the spec's order (the plan table's)."""
    names = set(data.manifest.get("parameters", {}))
    return [c for c in data.plan.columns if c in names]


def _outputs(data: storage.SweepData) -> list[str]:
    return list(data.manifest.get("outputs", []))


def n_firms_by_point(data: storage.SweepData, sweep_dir: str | Path) -> pd.Series:
    """Simulated firms of each design point: the swept ``population.n_firms``, or the base
    scenario's (``base_scenario.toml`` of the sweep folder)."""
    from simulation.config import load_scenario

    params = data.manifest.get("parameters", {})
    pts = data.plan.drop_duplicates("point").set_index("point")
    swept = [n for n, address in params.items() if address == "population.n_firms"]
    if swept:
        return pts[swept[0]].astype(int)
    base = load_scenario(Path(sweep_dir) / storage.BASE_SCENARIO)
    return pd.Series(base.population.n_firms, index=pts.index)


def load(sweep_dir: str | Path) -> tuple[storage.SweepData, pd.Series]:
    """A sweep folder's tables and the simulated firms of each design point."""
    data = storage.load_sweep(sweep_dir)
    return data, n_firms_by_point(data, sweep_dir)


def annual_table(data: storage.SweepData, n_firms: pd.Series,
                 outputs: list[str] | None = None) -> pd.DataFrame:
    """:func:`experiments.tables.annual_by_run` with event counts per 1,000 real firms
    (:func:`simulation.plotting.per_thousand_firms`, by each point's ``n_firms``)."""
    from simulation.plotting import COUNT_COLUMNS

    annual = annual_by_run(data, outputs if outputs is not None else _outputs(data))
    scale = (1000.0 / annual["point"].map(n_firms)).to_numpy()
    for c in COUNT_COLUMNS:
        if c in annual.columns:
            annual[c] = annual[c] * scale
    return annual


def summary_table(data: storage.SweepData, n_firms: pd.Series) -> pd.DataFrame:
    """Per design point, output and year: ``n_runs`` (``ok`` replications), ``mean``,
    ``p05`` and ``p95`` (the 5 % and 95 % quantiles over replications, linear
    interpolation), next to the point's parameter values. Event counts are per 1,000 real
    firms.

    Parameters
    ----------
    data, n_firms
        A loaded sweep and its points' simulated firms (:func:`load`).

    Returns
    -------
    DataFrame
        Columns ``point``, the parameters (as in the spec), ``output``, ``year``,
        ``n_runs``, ``mean``, ``p05``, ``p95``; sorted by point, output (in the spec's
        order) and year.
    """
    params, outputs = parameters(data), _outputs(data)
    annual = annual_table(data, n_firms, outputs)
    long = annual.melt(id_vars=["point", "year"], value_vars=outputs, var_name="output")
    g = long.groupby(["point", "output", "year"])["value"]
    table = pd.DataFrame({"n_runs": g.count(), "mean": g.mean(),
                          "p05": g.quantile(RANGE[0]), "p95": g.quantile(RANGE[1])})
    table = table.reset_index()
    points = data.plan.drop_duplicates("point")[["point", *params]]
    table = points.merge(table, on="point", how="inner")
    table["_o"] = table["output"].map({o: i for i, o in enumerate(outputs)})
    table = table.sort_values(["point", "_o", "year"], kind="stable").drop(columns="_o")
    return table[["point", *params, "output", "year", "n_runs", "mean", "p05", "p95"]
                 ].reset_index(drop=True)


def short_name(parameter: str) -> str:
    """A parameter's name for labels: its last part (``decision.review_hazard`` ->
    ``review_hazard``; ``countries.tax_rate_overrides.IND`` -> ``IND tax rate``)."""
    parts = parameter.split(".")
    if len(parts) > 2 and parts[-2] == "tax_rate_overrides":
        return f"{parts[-1]} tax rate"
    return parts[-1]


def point_label(values: dict) -> str:
    """A design point in a few words: ``review_hazard 0.03, IND tax rate 0.25``."""
    from simulation.plotting import number_label

    return ", ".join(f"{short_name(k)} {number_label(v)}" for k, v in values.items())


def fan_points(annual: pd.DataFrame, output: str) -> list[int]:
    """The design points a fan chart of ``output`` shows: all (up to
    :data:`MAX_FAN_PANELS`), else those with the lowest, middle and highest mean in the last
    year."""
    points = sorted(annual["point"].unique())
    if len(points) <= MAX_FAN_PANELS:
        return points
    last = annual[annual["year"] == annual["year"].max()]
    means = last.groupby("point")[output].mean().sort_values(kind="stable")
    picks = [means.index[0], means.index[len(means) // 2], means.index[-1]]
    return list(dict.fromkeys(int(p) for p in picks))


def grid_axes(data: storage.SweepData) -> tuple[str, str] | None:
    """The two parameters of a full two-parameter numeric grid (x, y), or None."""
    params = parameters(data)
    if len(params) != 2 or data.manifest.get("encodings", {}):
        return None
    pts = data.plan.drop_duplicates("point")
    if not all(pd.api.types.is_numeric_dtype(pts[p]) for p in params):
        return None
    nx, ny = (pts[p].nunique() for p in params)
    full = nx * ny == len(pts) == len(pts[params].drop_duplicates())
    return (params[0], params[1]) if full and nx > 1 and ny > 1 else None


def sweep_figures(data: storage.SweepData, n_firms: pd.Series) -> dict[str, "Figure"]:
    """The default figures of a sweep (:func:`load`): ``fan_<output>`` for every output
    and, for a full two-parameter grid, ``heatmap_<output>`` of the last year's means."""
    from experiments.figures import fan_chart_figure, heatmap_figure
    from simulation.plotting import output_label
    from simulation.world import published_market_size

    params, outputs = parameters(data), _outputs(data)
    annual = annual_table(data, n_firms, outputs)
    figs: dict[str, Figure] = {}
    if annual.empty:
        return figs
    points = data.plan.drop_duplicates("point").set_index("point")[params]
    labels = {int(p): point_label(points.loc[p].to_dict()) for p in points.index}
    name = data.manifest.get("name", "sweep")
    for output in outputs:
        shown = fan_points(annual, output)
        d = annual[annual["point"].isin(shown)].assign(
            design_point=lambda x: x["point"].map(labels))
        d = d.sort_values("point", key=lambda s: s.map(shown.index), kind="stable")
        some = "" if len(shown) == annual["point"].nunique() else \
            f" ({len(shown)} of {annual['point'].nunique()} points: lowest, middle, highest)"
        figs[f"fan_{output}"] = fan_chart_figure(
            d, output, group="design_point" if params else None,
            published=published_market_size() if output == "tcv_signed_usd_bn" else None,
            ylabel=output_label(output), title=f"{name}: {output_label(output)}{some}")
    axes = grid_axes(data)
    if axes is not None:
        x, y = axes
        last = annual[annual["year"] == annual["year"].max()]
        year = int(last["year"].iloc[0])
        for output in outputs:
            figs[f"heatmap_{output}"] = heatmap_figure(
                last, x, y, output, xlabel=short_name(x), ylabel=short_name(y),
                value_label=output_label(output),
                title=f"{name}: {output_label(output)}, {year}")
    return figs


def sensitivity_figures(indices: pd.DataFrame) -> dict[str, "Figure"]:
    """One bar chart of Sobol or Morris indices per output (``<output>``)."""
    from experiments.figures import sensitivity_figure

    return {o: sensitivity_figure(indices[indices["output"] == o], o)
            for o in indices["output"].unique()}


def write_sweep_summary(sweep_dir: str | Path, formats: tuple[str, ...] = ("png",),
                        plan: "Plan | None" = None) -> tuple[list[Path], list[str]]:
    """Write the summary table and the default figures into a sweep folder.

    Parameters
    ----------
    sweep_dir : path
        A sweep folder (:func:`experiments.storage.load_sweep`).
    formats : tuple of str
        Figure formats (:data:`simulation.plotting.FIGURE_FORMATS`).
    plan : Plan, optional
        The sweep's plan (from the session that ran it). With a Sobol or Morris design
        whose indices were not computed yet (no ``sensitivity/indices.csv``), they are
        computed (:func:`experiments.sensitivity.analyze`) and written.

    Returns
    -------
    paths : list of Path
        The files written.
    notes : list of str
        What could not be drawn, and why (one line each).
    """
    from simulation.config import ConfigError
    from simulation.plotting import save_figures

    sweep_dir = Path(sweep_dir)
    data, n_firms = load(sweep_dir)
    path = sweep_dir / SUMMARY_CSV
    storage.write_text_atomic(summary_table(data, n_firms).to_csv(index=False), path)
    paths = [path] + save_figures(sweep_figures(data, n_firms), sweep_dir / FIGURES_DIR,
                                  formats)
    notes: list[str] = []
    sens = sweep_dir / SENSITIVITY_DIR
    if (plan is not None and plan.loaded.spec.design.kind in ("sobol", "morris")
            and not (sens / "indices.csv").is_file()):
        from experiments.sensitivity import analyze, write_results

        try:
            indices, skipped = analyze(plan, data)
        except ConfigError as err:  # a design point without any ok run
            return paths, [f"no sensitivity indices: {err}"]
        paths += write_results(indices, skipped, sens, formats)
        notes += skipped
    elif (sens / "indices.csv").is_file():
        indices = pd.read_csv(sens / "indices.csv")
        paths += save_figures(sensitivity_figures(indices), sens, formats)
    return paths, notes


def load_hint(sweep_dir: str | Path) -> str:
    """Two lines: how to load the sweep's results with pandas and with DuckDB."""
    d = Path(sweep_dir).as_posix()
    return (f'load with pandas: pd.read_csv("{d}/{SUMMARY_CSV}"), or every run: '
            f'experiments.storage.load_sweep("{d}").timeseries\n'
            f"load with DuckDB: duckdb.sql(\"SELECT * FROM '{d}/{SUMMARY_CSV}'\"), or "
            f'experiments.storage.connect_duckdb("{d}") (views runs, timeseries, plan)')


__all__ = ["load", "parameters", "annual_table", "n_firms_by_point", "summary_table",
           "sweep_figures", "sensitivity_figures", "write_sweep_summary", "load_hint", "fan_points", "grid_axes", "point_label", "short_name",
           "SUMMARY_CSV", "FIGURES_DIR", "RANGE", "MAX_FAN_PANELS"]
