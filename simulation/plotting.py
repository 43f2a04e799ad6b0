"""The one plotting module of bposim: every figure of the CLI, notebooks and dashboard.

Figures are built on :class:`matplotlib.figure.Figure` objects (no pyplot global state),
so they work headless, in notebooks and in Solara alike. Input tables are the model's
annual / quarterly outputs (see :mod:`simulation.collector` for the columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: The house style: colours per series, used by every figure.
COLORS = {
    "acv": "#1f4e79", "tcv": "#c55a11", "published": "#222222",
    "onshore": "#2e75b6", "nearshore": "#70ad47", "offshore": "#c00000",
    "front": "#7030a0", "back": "#bf9000", "captive": "#7f7f7f",
    "breaches": "#c00000", "backsourced": "#2e75b6", "reshored": "#70ad47",
    "terminations": "#7f7f7f", "band": "#c55a11",
}
STYLE = {"figsize": (8.0, 4.5), "dpi": 120, "grid_alpha": 0.3}


def new_figure(ncols: int = 1, nrows: int = 1, **kw) -> tuple[Figure, np.ndarray]:
    """A figure in the house style and its axes (always a flat array)."""
    w, h = STYLE["figsize"]
    fig = Figure(figsize=kw.pop("figsize", (w * (1 + 0.6 * (ncols - 1)), h * nrows)),
                 dpi=STYLE["dpi"], layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw).ravel()
    for ax in axes:
        ax.grid(True, alpha=STYLE["grid_alpha"])
        ax.spines[["top", "right"]].set_visible(False)
    return fig, axes


def market_size_figure(annual: pd.DataFrame, published: pd.DataFrame | None = None,
                       band: pd.DataFrame | None = None, title: str | None = None) -> Figure:
    """Market size over time: ACV of active contracts and TCV signed per year, USD bn.

    Parameters
    ----------
    annual : DataFrame
        Columns ``year``, ``market_acv_usd_bn``, ``tcv_signed_usd_bn``.
    published : DataFrame, optional
        ``year``, ``value_usd_bn``, ``status`` (the published TCV series); drawn as points,
        hollow where the value is not verified.
    band : DataFrame, optional
        ``year``, ``lo``, ``hi``: a band around ``tcv_signed_usd_bn`` (e.g. 90 %).
    """
    fig, (ax,) = new_figure()
    if band is not None:
        ax.fill_between(band["year"], band["lo"], band["hi"], color=COLORS["band"], alpha=0.2,
                        lw=0, label="model TCV signed, band")
    ax.plot(annual["year"], annual["tcv_signed_usd_bn"], color=COLORS["tcv"], lw=2,
            label="model: TCV signed per year")
    ax.plot(annual["year"], annual["market_acv_usd_bn"], color=COLORS["acv"], lw=2, ls="--",
            label="model: ACV of active contracts")
    if published is not None and len(published):
        ver = published["status"].eq("verified")
        ax.plot(published["year"][ver], published["value_usd_bn"][ver], "o",
                color=COLORS["published"], label="published TCV (Statista 189788)")
        if (~ver).any():
            ax.plot(published["year"][~ver], published["value_usd_bn"][~ver], "o",
                    mfc="none", color=COLORS["published"],
                    label="published, secondary/unverified")
    ax.set_xlabel("year")
    ax.set_ylabel("USD bn (nominal)")
    ax.set_ylim(bottom=0)
    ax.set_title(title or "Outsourcing market size")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def location_shares_figure(annual: pd.DataFrame) -> Figure:
    """Onshore / nearshore / offshore shares of ACV over time (stacked area)."""
    fig, (ax,) = new_figure()
    ys = [annual[f"share_{k}"] for k in ("onshore", "nearshore", "offshore")]
    ax.stackplot(annual["year"], *ys, labels=["onshore", "nearshore", "offshore"],
                 colors=[COLORS[k] for k in ("onshore", "nearshore", "offshore")], alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_xlabel("year")
    ax.set_ylabel("share of ACV")
    ax.set_title("Where the work goes")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def office_shares_figure(annual: pd.DataFrame) -> Figure:
    """Front-office vs back-office shares of ACV over time."""
    fig, (ax,) = new_figure()
    ax.stackplot(annual["year"], annual["share_front_office"], annual["share_back_office"],
                 labels=["front office", "back office"],
                 colors=[COLORS["front"], COLORS["back"]], alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_xlabel("year")
    ax.set_ylabel("share of ACV")
    ax.set_title("Front office vs back office")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def events_figure(annual: pd.DataFrame) -> Figure:
    """Breaches, early terminations, back-sourcing and reshoring per year (counts of
    simulated firm-process pairs)."""
    fig, (ax,) = new_figure()
    for col, key, label in (("n_breaches", "breaches", "breaches"),
                            ("n_terminations", "terminations", "early terminations"),
                            ("n_backsourced", "backsourced", "back-sourced"),
                            ("n_reshored", "reshored", "reshored")):
        ax.plot(annual["year"], annual[col], color=COLORS[key], lw=2, label=label)
    ax.set_xlabel("year")
    ax.set_ylabel("events per year (simulated pairs)")
    ax.set_title("Breaches and back-sourcing")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def acv_by_country_figure(long: pd.DataFrame, year: int | None = None, top: int = 12) -> Figure:
    """Bar chart of ACV by vendor country in one year (default: the last year)."""
    fig, (ax,) = new_figure()
    if len(long):
        year = int(long["year"].max()) if year is None else year
        d = long[long["year"] == year].nlargest(top, "acv_usd_bn")
        ax.barh(d["vendor_iso3"][::-1], d["acv_usd_bn"][::-1], color=COLORS["acv"])
        ax.set_title(f"ACV by vendor country, {year}")
    ax.set_xlabel("USD bn")
    return fig


def save(fig: Figure, path: str | Path) -> Path:
    """Save a figure as PNG and return its path."""
    path = Path(path)
    fig.savefig(path, dpi=STYLE["dpi"])
    return path


# ------------------------------------------------------------------ validation figures
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
        max(4.2 * len(panels), 6.0), 4.2 if not any(p.rotate for p in panels) else 5.2))
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
        ax.set_xticks(x, p.labels, rotation=40 if p.rotate else 0,
                      ha="right" if p.rotate else "center", fontsize=8)
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_ylabel(p.ylabel)
        ax.set_title(p.title, fontsize=9)
    axes[0].legend(frameon=False, fontsize=8, loc="best")
    if title:
        fig.suptitle(title)
    return fig


def validation_summary_figure(labels: list[str], t_values: np.ndarray, passed: np.ndarray,
                              threshold: np.ndarray | None = None) -> Figure:
    """Summary of a validation report: each claim's signed t statistic.

    Parameters
    ----------
    labels : list of str, length n
        Claim names.
    t_values : ndarray, shape (n,)
        Mean effect / standard error, signed so that positive = the predicted direction
        (clipped to +/- 50 for display).
    passed : ndarray of bool, shape (n,)
    threshold : ndarray, shape (n,), optional
        The t value each claim needed to pass (the Student-t quantile); drawn as ticks.
    """
    fig, (ax,) = new_figure(figsize=(8.0, 0.35 * len(labels) + 1.5))
    y = np.arange(len(labels))[::-1]
    t = np.clip(np.nan_to_num(np.asarray(t_values, float)), -50, 50)
    colors = [COLORS["nearshore"] if ok else COLORS["offshore"] for ok in passed]
    ax.barh(y, t, color=colors)
    if threshold is not None:
        ax.plot(threshold, y, "|", color=COLORS["published"], ms=12, mew=2,
                label="needed to pass (95 % CI)")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.axvline(0.0, color=COLORS["published"], lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("effect / standard error, positive = predicted direction")
    ax.set_title("Validation: every claim")
    return fig
