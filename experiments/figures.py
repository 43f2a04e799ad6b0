"""Figures of many runs: sweeps, sensitivity analysis, the reproduction of the market-growth
figures, and validation.

Drawn in the house style of :mod:`simulation.plotting` (the figures of one run), on
:class:`matplotlib.figure.Figure` objects (no pyplot global state).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulation.plotting import (COLORS, PALETTE, STYLE, new_figure, number_label,
                                 published_points, styled, year_axis)


# ------------------------------------------------------------------ sweeps
#: Colours of sensitivity indices (Sobol first/total order, Morris mu* and sigma, RBD-FAST
#: S1, PAWN median, extra-trees feature scores), all Okabe-Ito (:data:`PALETTE`).
SENSITIVITY_COLORS = {"S1": PALETTE[0], "ST": PALETTE[1], "mu_star": PALETTE[0],
                      "sigma": PALETTE[1], "median": PALETTE[2], "feature_score": PALETTE[3]}
#: Per method: the indices drawn as bars, their legend labels and the x-axis label.
SENSITIVITY_PANELS = {
    "sobol": ({"S1": "first order S1", "ST": "total order ST"},
              "Sobol index (share of output variance)"),
    "morris": ({"mu_star": "mu* (|EE| mean)", "sigma": "sigma (EE spread)"},
               "elementary effect (output units per full range of the parameter)"),
    "rbd_fast": ({"S1": "first order S1"},
                 "RBD-FAST first-order index (share of output variance)"),
    "pawn": ({"median": "median KS distance"},
             "PAWN index (KS distance of conditional output distributions)"),
    "extra_trees": ({"feature_score": "feature score"},
                    "extra-trees feature score (share of impurity reduction)"),
}


@styled
def sensitivity_figure(indices: pd.DataFrame, output: str | None = None) -> Figure:
    """Bar charts of the sensitivity indices of one output, one panel per method, with
    confidence intervals where the method has them.

    Parameters
    ----------
    indices : DataFrame
        Tidy table of :func:`experiments.sensitivity.analyze` for one output: columns
        ``method``, ``index``, ``parameter``, ``value``, ``conf`` (half-width of the
        confidence interval). Panels (:data:`SENSITIVITY_PANELS`): Sobol first-order
        ``S1`` and total-order ``ST`` indices (fractions of output variance); Morris
        ``mu_star`` (mean absolute elementary effect: the change of the output over a step
        divided by the step in unit-cube coordinates, i.e. output units per full range of
        the parameter) and ``sigma`` (standard deviation of the elementary effects);
        RBD-FAST first-order ``S1``; PAWN ``median``; extra-trees ``feature_score``.
    output : str, optional
        Output column named in the title.
    """
    methods = [m for m in dict.fromkeys(indices["method"]) if m in SENSITIVITY_PANELS] \
        or ["sobol"]
    params = list(dict.fromkeys(indices["parameter"]))
    w, _ = STYLE["figsize"]
    fig, axes = new_figure(nrows=len(methods), figsize=(
        w, 0.4 + len(methods) * (1.0 + 0.45 * max(len(params), 2))))
    y = np.arange(len(params))
    legend = {}  # label -> handle, one legend below all panels
    for ax, method in zip(axes, methods):
        keys, xlabel = SENSITIVITY_PANELS[method]
        rows = indices[indices["method"] == method]
        h = 0.76 / len(keys)
        for i, (key, label) in enumerate(keys.items()):
            d = rows[rows["index"] == key].set_index("parameter").reindex(params)
            err = d["conf"].to_numpy(dtype=float) if "conf" in d else None
            bars = ax.barh(y + (i - (len(keys) - 1) / 2) * h, d["value"].to_numpy(dtype=float),
                           height=h, xerr=None if err is None or np.isnan(err).all() else err,
                           error_kw={"ecolor": COLORS["published"], "capsize": 3,
                                     "markeredgecolor": COLORS["published"]},
                           color=SENSITIVITY_COLORS[key], label=label)
            legend.setdefault(label, bars)
        ax.set_yticks(y, params)
        ax.invert_yaxis()
        ax.axvline(0, color="#222222", lw=0.8)
        ax.set_xlabel(xlabel)
        ax.set_title(f"Sensitivity of {output or 'the output'} ({method})")
    fig.legend(list(legend.values()), list(legend), loc="outside lower center",
               ncols=min(len(legend), 3))
    return fig


@styled
def heatmap_figure(runs: pd.DataFrame, x: str, y: str, value: str, *,
                   xlabel: str | None = None, ylabel: str | None = None,
                   value_label: str | None = None, title: str | None = None,
                   fmt: str = "{:.2f}", cmap: str = "viridis") -> Figure:
    """Heat map of an output over a two-parameter grid: the mean over each cell's runs.

    Parameters
    ----------
    runs : DataFrame
        One row per run (e.g. one year of :func:`experiments.tables.annual_by_run`):
        columns ``x``, ``y`` (the two parameters' values) and ``value``. Rows with the
        same ``(x, y)`` (replications of a design point) are averaged; a cell without rows
        is left blank.
    x, y : str
        Parameter columns on the horizontal and vertical axes; levels sorted ascending
        (left to right, bottom to top).
    value : str
        Output column averaged per cell, in its own units (e.g. ``share_offshore``, a
        fraction of ACV; ``tcv_signed_usd_bn``, USD bn per year).
    xlabel, ylabel, value_label : str, optional
        Axis and colour-bar labels with units; default the column names.
    title : str, optional
        Title; the number of runs per cell is added below it.
    fmt : str
        Format of the cell labels (:meth:`str.format`), e.g. ``"{:.0%}"`` for a share.
    cmap : str
        Matplotlib colour map.

    Returns
    -------
    Figure
        One axes; its image holds the (n_y, n_x) array of cell means, row 0 = the lowest
        ``y`` level, i.e. ``runs.pivot_table(index=y, columns=x, values=value)``.

    Raises
    ------
    KeyError
        If a column is missing.
    """
    for col in (x, y, value):
        if col not in runs.columns:
            raise KeyError(f"heatmap_figure: no column {col!r}")
    fig, (ax,) = new_figure(figsize=(STYLE["figsize"][0], 4.6))
    ax.grid(False)
    cells = runs.pivot_table(index=y, columns=x, values=value, aggfunc="mean",
                             dropna=False).sort_index().sort_index(axis=1)
    counts = runs.groupby([y, x]).size()
    vals = cells.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(vals), origin="lower", aspect="auto", cmap=cmap)
    ax.set_xticks(range(cells.shape[1]), [number_label(v) for v in cells.columns])
    ax.set_yticks(range(cells.shape[0]), [number_label(v) for v in cells.index])
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    finite = vals[np.isfinite(vals)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            if np.isfinite(vals[i, j]):
                # light text on the dark end of the colour map (viridis: low values)
                ax.text(j, i, fmt.format(vals[i, j]), ha="center", va="center",
                        color="white" if vals[i, j] < mid else "black")
    fig.colorbar(im, ax=ax, label=value_label or value, shrink=0.9)
    lo, hi = (int(counts.min()), int(counts.max())) if len(counts) else (0, 0)
    n = f"{lo}" if lo == hi else f"{lo}-{hi}"
    ax.set_title(f"{title or value}\nmean of {n} run{'s' if hi != 1 else ''} per cell")
    return fig


#: Quantile bands of a fan chart: central coverage -> opacity of the band.
FAN_BANDS = {0.9: 0.18, 0.5: 0.38}
#: Panels per row of a fan chart.
FAN_COLUMNS = 3


@styled
def fan_chart_figure(runs: pd.DataFrame, value: str, group: str | None = None, *,
                     x: str = "year", published: pd.DataFrame | None = None,
                     ylabel: str | None = None, title: str | None = None,
                     color: str = COLORS["tcv"]) -> Figure:
    """Fan chart: the median over replications of an output over time, with central
    50 % and 90 % bands; one panel per design point.

    Parameters
    ----------
    runs : DataFrame
        One row per run and time: columns ``x``, ``value`` and ``group``
        (e.g. :func:`experiments.tables.annual_by_run` restricted to a few design points,
        with a label per point).
    value : str
        Output column, in its own units (e.g. ``tcv_signed_usd_bn``, USD bn per year).
    group : str, optional
        Column naming the design point of each run: one panel per value, in order of
        appearance, sharing the y axis. Default: one panel with every run.
    x : str
        Time column (default ``year``).
    published : DataFrame, optional
        ``year``, ``value_usd_bn``, ``status``: the published TCV series
        (:func:`simulation.world.published_market_size`, Statista 189788), drawn as
        points in every panel; only meaningful when ``value`` is TCV signed per year.
    ylabel : str, optional
        y-axis label with units; default the column name.
    title : str, optional
        Figure title; each panel's title names its group and number of runs.
    color : str
        Colour of the median and its bands.

    Returns
    -------
    Figure
        One axes per group. In each: the median line (``Line2D``, x = the sorted times,
        y = ``groupby(x)[value].median()``) and, per band of :data:`FAN_BANDS`, a filled
        area between the quantiles ``(1 - c) / 2`` and ``(1 + c) / 2`` of the runs at
        each time (pandas' linear interpolation).

    Raises
    ------
    KeyError
        If a column is missing.
    """
    for col in (x, value) + ((group,) if group else ()):
        if col not in runs.columns:
            raise KeyError(f"fan_chart_figure: no column {col!r}")
    groups = list(dict.fromkeys(runs[group])) if group else [None]
    n = max(len(groups), 1)
    ncols = min(n, FAN_COLUMNS)
    nrows = -(-n // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, sharey=True,
                           figsize=(STYLE["figsize"][0], 0.8 + 2.8 * nrows))
    for ax in axes[n:]:
        ax.set_visible(False)
    years = (runs[x].min(), runs[x].max()) if len(runs) else None
    if published is not None and years is not None:  # the published points of the runs' span
        published = published[published["year"].between(*years)]
    for ax, g in zip(axes, groups):
        d = runs if g is None else runs[runs[group] == g]
        by = d.groupby(x)[value]
        for cover, alpha in sorted(FAN_BANDS.items(), reverse=True):
            lo, hi = by.quantile((1 - cover) / 2), by.quantile((1 + cover) / 2)
            ax.fill_between(lo.index, lo.to_numpy(), hi.to_numpy(), color=color,
                            alpha=alpha, lw=0, label=f"central {cover:.0%} of runs")
        med = by.median()
        ax.plot(med.index, med.to_numpy(), color=color, lw=2, label="median")
        published_points(ax, published)
        if x == "year":
            year_axis(ax)
        else:
            ax.set_xlabel(x)
        if (d[value] >= 0).all():
            ax.set_ylim(bottom=0)
        runs_n = d["run_id"].nunique() if "run_id" in d else int(by.size().max())
        what = f"{runs_n} run{'s' if runs_n != 1 else ''}"
        ax.set_title(what if g is None else
                     f"{textwrap.fill(str(g), 36 if ncols > 1 else 80)}\n({what})",
                     fontsize="medium")
    axes[0].set_ylabel(ylabel or value)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    fig.suptitle(title or f"{value}: median and central 50 % / 90 % of runs")
    return fig


# ------------------------------------------------------------------ comparisons
@styled
def difference_figure(arms: list[tuple[str, pd.DataFrame]], effects: pd.DataFrame,
                      output: str, level: float = 0.95) -> Figure:
    """Scenarios against a baseline: levels above, differences with confidence bands below.

    Parameters
    ----------
    arms : list of (label, DataFrame)
        The baseline first. Each frame: ``year`` and ``value`` of ``output``, one row per
        replication and year.
    effects : DataFrame
        For ``output``: ``arm``, ``year``, ``effect``, ``ci_low``, ``ci_high``, ``paired``,
        ``n`` (:func:`experiments.compare.effects`).
    output : str
        Output column (for the axis label, :func:`simulation.plotting.output_label`).
    level : float
        Confidence level of the bands (for the legend).

    Returns
    -------
    Figure
        Two axes sharing x. Top: per arm the mean over replications (and the 5-95 % range
        when there are several). Bottom: per compared arm the effect (arm - baseline) and
        its confidence band, a line at zero.
    """
    from matplotlib.patches import Patch

    from simulation.plotting import output_label

    fig, (top, bottom) = new_figure(nrows=2, sharex=True, figsize=(
        STYLE["figsize"][0], 5.6), gridspec_kw={"height_ratios": [3, 2]})
    paired = set()
    for i, (label, d) in enumerate(arms):
        color = PALETTE[i % len(PALETTE)]
        by = d.groupby("year")["value"]
        mean = by.mean()
        if by.size().max() > 1:
            top.fill_between(mean.index, by.quantile(0.05), by.quantile(0.95), color=color,
                             alpha=0.15, lw=0)
        top.plot(mean.index, mean.to_numpy(), color=color, ls="-" if i else "--",
                 label=f"{label} (baseline)" if i == 0 else label)
        if i == 0:
            continue
        e = effects[effects["arm"] == label].sort_values("year")
        if e["ci_low"].notna().any():
            bottom.fill_between(e["year"], e["ci_low"], e["ci_high"], color=color, alpha=0.2,
                                lw=0)
        bottom.plot(e["year"], e["effect"], color=color)
        paired.add(f"mean of {e['n'].iloc[0]} paired differences" if e["paired"].iloc[0]
                   else "difference of means")
    bottom.axhline(0, color=COLORS["published"], lw=0.8)
    top.set_ylabel(output_label(output))
    bottom.set_ylabel("minus baseline")
    bottom.set_title(f"Difference to the baseline ({'; '.join(sorted(paired))}), band: "
                     f"{level:.0%} confidence interval", fontsize="medium")
    year_axis(bottom)
    handles, labels = top.get_legend_handles_labels()
    if any(len(d) > d["year"].nunique() for _, d in arms):
        handles.append(Patch(color=COLORS["captive"], alpha=0.3))
        labels.append("5-95 % of replications")
    fig.legend(handles, labels, loc="outside lower center", ncols=1)
    top.set_title(output_label(output))
    return fig


# ------------------------------------------------------------------ validation
@dataclass
class ReplicationPanel:
    """One panel of a validation figure: a statistic per replication and category.

    Attributes
    ----------
    title : str
    labels : list of str, length k
        Categories on the x axis (arms of an experiment, groups of firms, processes).
    values : ndarray, shape (replications, k)
        The statistic of each replication in each category (NaN = not observed). With
        common random numbers, a row is one replication seed in every category.
    ylabel : str
    zero_line : bool
        Draw a line at y = 0 (for differences).
    rotate : bool
        Rotate long category labels.
    """

    title: str
    labels: list[str]
    values: np.ndarray
    ylabel: str
    zero_line: bool = False
    rotate: bool = False


@styled
def replication_panels_figure(panels: list[ReplicationPanel], title: str | None = None,
                              level: float = 0.95) -> Figure:
    """Validation figure: per panel, the mean of each category with its confidence interval.

    Each replication is drawn as faint points joined across categories (the pairing of
    common random numbers); the mean over replications is a bar-free marker with a
    Student-t interval at ``level`` (default 95 %).

    Parameters
    ----------
    panels : list of ReplicationPanel
    title : str, optional
        Figure title.
    level : float
        Confidence level of the intervals.
    """
    from scipy import stats

    fig, axes = new_figure(ncols=len(panels), figsize=(
        STYLE["figsize"][0], 3.8 if not any(p.rotate for p in panels) else 4.8))
    for ax, p in zip(axes, panels):
        v = np.asarray(p.values, float)
        x = np.arange(v.shape[1])
        for row in v:
            ax.plot(x, row, "-o", color=COLORS["captive"], alpha=0.25, lw=0.8, ms=2.5)
        n = np.isfinite(v).sum(axis=0)
        with np.errstate(all="ignore"):
            mean = np.nanmean(v, axis=0)
            se = np.nanstd(v, axis=0, ddof=1) / np.sqrt(n)
        half = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * se, 0.0)
        ax.errorbar(x, mean, yerr=half, fmt="o", color=COLORS["acv"], ms=6, capsize=4, lw=2,
                    label=f"mean, {level:.0%} CI", zorder=3)
        if p.zero_line:
            ax.axhline(0.0, color=COLORS["published"], lw=0.8)
        ax.set_xticks(x, [textwrap.fill(lab, 18) for lab in p.labels],
                      rotation=40 if p.rotate else 0, ha="right" if p.rotate else "center")
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_ylabel(textwrap.fill(p.ylabel, 40))
        ax.set_title(textwrap.fill(p.title, 40), fontsize="medium")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center")
    if title:
        fig.suptitle(title)
    return fig


@styled
def validation_summary_figure(labels: list[str], t_values: np.ndarray, status: list[str],
                              threshold: np.ndarray | None = None) -> Figure:
    """Summary of a validation report: each claim's signed t statistic.

    Parameters
    ----------
    labels : list of str, length n
        Claim names (wrapped to lines of 60 characters, never cut).
    t_values : ndarray, shape (n,)
        Mean effect / standard error, signed so that positive = the predicted direction
        (clipped to +/- 50 for display).
    status : list of str, length n
        ``PASS``, ``FAIL`` or ``UNDERPOWERED`` (:func:`experiments.samples.claim_status`).
    threshold : ndarray, shape (n,), optional
        The t value each claim needed to pass (the Student-t quantile); drawn as ticks.
    """
    from matplotlib.patches import Patch

    look = {"PASS": (COLORS["pass"], None, "passes"),
            "FAIL": (COLORS["fail"], "//", "fails"),
            "UNDERPOWERED": (COLORS["captive"], "..", "underpowered (too few replications)")}
    wrapped = [textwrap.fill(lab, 60) for lab in labels]
    lines = sum(w.count("\n") + 1 for w in wrapped)
    fig, (ax,) = new_figure(figsize=(STYLE["figsize"][0], 0.17 * lines + 0.25 * len(labels)
                                     + 1.6))
    y = np.arange(len(labels))[::-1]
    t = np.clip(np.nan_to_num(np.asarray(t_values, float)), -50, 50)
    ax.barh(y, t, color=[look[s][0] for s in status], hatch=[look[s][1] for s in status])
    handles = [Patch(facecolor=look[s][0], hatch=look[s][1], label=look[s][2])
               for s in look if s in status]
    if threshold is not None:
        handles += ax.plot(threshold, y, "|", color=COLORS["published"], ms=12, mew=2,
                           label="needed to pass (95 % CI)")
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    ax.axvline(0.0, color=COLORS["published"], lw=0.8)
    ax.set_yticks(y, wrapped)
    ax.set_xlabel("effect / standard error, positive = predicted direction")
    ax.set_title("Validation: every claim")
    return fig


# ------------------------------------------------------------------ reproduction
@styled
def growth_figure(growth_band: pd.DataFrame, published: pd.DataFrame | None = None,
                  mark_year: int | None = 2017) -> Figure:
    """Year-on-year growth of TCV signed: model median and 90 % band, published points.

    Parameters
    ----------
    growth_band : DataFrame
        ``year``, ``median``, ``lo``, ``hi``: growth over the previous year, fraction.
    published : DataFrame, optional
        ``year``, ``growth`` (fraction) of the published series.
    mark_year : int, optional
        Year whose change is marked (default 2017: USD 12 bn more than 2016).
    """
    fig, (ax,) = new_figure()
    ax.fill_between(growth_band["year"], growth_band["lo"], growth_band["hi"],
                    color=COLORS["band"], alpha=0.2, lw=0, label="model, 90 % band")
    ax.plot(growth_band["year"], growth_band["median"], color=COLORS["tcv"],
            label="model median")
    if published is not None:
        p = published.dropna(subset=["growth"])
        ax.plot(p["year"], p["growth"], "o", color=COLORS["published"],
                label="published (Statista 189788)")
    if mark_year is not None:
        ax.axvspan(mark_year - 1, mark_year, color=COLORS["captive"], alpha=0.15,
                   label=f"{mark_year - 1}->{mark_year}")
    ax.axhline(0, color="#222222", lw=0.8)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("year")
    ax.set_ylabel("growth of TCV signed over the previous year")
    ax.set_title("Year-on-year growth")
    ax.legend(loc="upper right")
    return fig


@styled
def counterfactual_figure(with_band: pd.DataFrame, without_band: pd.DataFrame,
                          country_share: pd.DataFrame, event_year: int,
                          difference: pd.DataFrame | None = None) -> Figure:
    """A policy event against its counterfactual (e.g. the 2018 US tax cut).

    Top left: ACV of active contracts (USD bn), median and 90 % band, with and without the
    event. Top right: share of ACV won by vendors of the country concerned (columns
    ``usa_vendor_share`` and ``usa_vendor_share_no_cut``). Bottom (with ``difference``):
    the effect on ACV, the mean over replications of the paired difference (with -
    without, same seeds) and its 95 % confidence interval.

    Parameters
    ----------
    with_band, without_band : DataFrame
        ``year``, ``median``, ``lo``, ``hi``.
    country_share : DataFrame
    event_year : int
    difference : DataFrame, optional
        ``year``, ``mean``, ``ci_low``, ``ci_high`` of the paired difference.
    """
    fig, axes = new_figure(ncols=2, nrows=2 if difference is not None else 1, figsize=(
        STYLE["figsize"][0], 6.0 if difference is not None else 3.6))
    a1, a2 = axes[0], axes[1]
    for band_, color, ls, label in ((with_band, COLORS["tcv"], "-", "with the tax cut"),
                                    (without_band, COLORS["acv"], "--",
                                     "without (counterfactual)")):
        a1.fill_between(band_["year"], band_["lo"], band_["hi"], color=color, alpha=0.15, lw=0)
        a1.plot(band_["year"], band_["median"], color=color, ls=ls, label=label)
    a2.plot(country_share["year"], country_share["usa_vendor_share"], color=COLORS["tcv"],
            label="with the tax cut")
    a2.plot(country_share["year"], country_share["usa_vendor_share_no_cut"],
            color=COLORS["acv"], ls="--", label="without")
    a1.set_ylabel("ACV of active contracts, USD bn")
    a1.set_title(f"Market ACV, {event_year} US tax cut vs none", fontsize="medium")
    a2.set_ylabel("share of ACV won by US vendors")
    a2.set_title("US vendors' share", fontsize="medium")
    if difference is not None:
        gs = axes[2].get_subplotspec().get_gridspec()
        axes[2].remove()
        axes[3].remove()
        a3 = fig.add_subplot(gs[1, :])
        a3.fill_between(difference["year"], difference["ci_low"], difference["ci_high"],
                        color=COLORS["tcv"], alpha=0.2, lw=0,
                        label="95 % confidence interval")
        a3.plot(difference["year"], difference["mean"], color=COLORS["tcv"],
                label="mean of the paired differences (same seeds)")
        a3.axhline(0, color=COLORS["published"], lw=0.8)
        a3.set_ylabel("ACV with - without, USD bn")
        a3.set_title("Effect of the tax cut on ACV", fontsize="medium")
        axes = [a1, a2, a3]
    for ax in axes:
        ax.axvline(event_year, color="#222222", lw=0.8, ls=":")
        year_axis(ax)
        ax.legend(loc="upper left")
    return fig


@styled
def elasticity_figure(table: pd.DataFrame, level: str = "95 % CI") -> Figure:
    """Volume and value elasticities of the market's drivers (validation, issue #12).

    Parameters
    ----------
    table : DataFrame
        One row per driver: ``driver``, ``kind`` and, for ``volume`` and ``value``, the
        mean and its interval (``volume``, ``volume_lo``, ``volume_hi``, ...), as written
        by :func:`experiments.validation.drivers.check_driver_elasticities`.
    level : str
        Label of the intervals.
    """
    fig, (ax,) = new_figure(figsize=(STYLE["figsize"][0], 0.45 * len(table) + 1.8))
    y = np.arange(len(table))[::-1].astype(float)
    for k, (col, color, dy) in enumerate((("volume", COLORS["acv"], 0.15),
                                          ("value", COLORS["offshore"], -0.15))):
        m = table[col].to_numpy(float)
        err = np.vstack([m - table[f"{col}_lo"].to_numpy(float),
                         table[f"{col}_hi"].to_numpy(float) - m])
        ax.errorbar(m, y + dy, xerr=np.nan_to_num(err), fmt="o", color=color, capsize=3,
                    label=f"{col} (hours)" if col == "volume" else f"{col} (ACV)")
    ax.axvline(0.0, color=COLORS["published"], lw=0.8)
    labels = [f"{d}{' (semi)' if k == 'semi-elasticity' else ''}"
              for d, k in zip(table["driver"], table["kind"])]
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"elasticity of outsourcing to the driver (mean, {level})")
    ax.set_title("Drivers: volume and value elasticities")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2)
    return fig
