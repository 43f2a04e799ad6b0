"""Figures of one run: the results folder of ``bposim run``, the notebooks and the dashboard.

Figures are built on :class:`matplotlib.figure.Figure` objects (no pyplot global state),
so they work headless, in notebooks and in Solara alike. Input tables are the model's
annual / quarterly outputs (see :mod:`simulation.collector` for the columns). The house
style (:data:`COLORS`, :data:`STYLE`, :func:`new_figure`) is shared by the figures of many
runs (sweeps, calibration, validation) in :mod:`experiments.figures`.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

#: The style sheet every figure is drawn with (:func:`styled`): sizes, fonts, colours.
STYLE_SHEET = Path(__file__).with_name("bposim.mplstyle")
#: Figure widths of a two-column page, inches (the default) and of one column.
WIDTHS = {"two-column": 7.2, "one-column": 3.5}
STYLE = {"figsize": (WIDTHS["two-column"], 4.0), "dpi": 300, "grid_alpha": 0.3}
#: The Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008, "Color universal design"),
#: in the order series take them: blue, orange, reddish purple, sky blue, bluish green,
#: vermillion, yellow, black. The first three never put red next to green.
PALETTE = ("#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#009E73", "#D55E00", "#F0E442",
           "#000000")
#: The house colours per series, all from :data:`PALETTE` (plus greys); no figure pairs
#: red with green.
COLORS = {
    "acv": "#0072B2", "tcv": "#D55E00", "published": "#222222",
    "onshore": "#0072B2", "nearshore": "#56B4E9", "offshore": "#E69F00",
    "front": "#CC79A7", "back": "#E69F00", "captive": "#7f7f7f",
    "breaches": "#D55E00", "backsourced": "#0072B2", "reshored": "#CC79A7",
    "terminations": "#555555", "band": "#D55E00", "pass": "#0072B2", "fail": "#D55E00",
}


@functools.cache
def style_params() -> dict:
    """The settings of :data:`STYLE_SHEET` (``key: value`` lines), each checked and
    converted by matplotlib's own validator for that setting."""
    import matplotlib

    out = {}
    for line in STYLE_SHEET.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, value = (x.strip() for x in line.split(":", 1))
            out[key] = matplotlib.RcParams.validate[key](value)
    return out


def styled(draw):
    """Decorator: draw a figure with the house style sheet (:data:`STYLE_SHEET`), then put
    back the caller's matplotlib settings.

    The settings are set and restored key by key rather than with
    ``matplotlib.style.context``: the Solara server (``bposim viz``) gives each browser
    session its own ``rcParams``, on which matplotlib's context managers neither validate
    nor restore.
    """
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib

        rc = matplotlib.rcParams
        params = style_params()
        before = {k: rc[k] for k in params}
        try:
            for k, v in params.items():
                rc[k] = v
            return draw(*args, **kwargs)
        finally:
            for k, v in before.items():
                rc[k] = v
    return wrapper


def resize(fig: Figure, width: str = "one-column") -> Figure:
    """Scale a figure to a page width (:data:`WIDTHS`), keeping its aspect ratio; the text
    keeps its size in points. Returns the figure."""
    w, h = fig.get_size_inches()
    fig.set_size_inches(WIDTHS[width], h * WIDTHS[width] / w)
    return fig

#: Axis labels (with units) of the output columns (:mod:`simulation.collector`).
OUTPUT_LABELS = {
    "market_acv_usd_bn": "ACV of active contracts, USD bn",
    "tcv_signed_usd_bn": "TCV signed, USD bn per year",
    "tcv_signed_bpo_usd_bn": "TCV signed (BPO), USD bn per year",
    "tcv_index_usd_bn": "TCV of index contracts (ACV >= USD 5 M), USD bn per year",
    "tcv_index_bpo_usd_bn": "TCV of index contracts (BPO), USD bn per year",
    "acv_index_usd_bn": "ACV of index contracts signed, USD bn per year",
    "share_onshore": "onshore share of ACV", "share_nearshore": "nearshore share of ACV",
    "share_offshore": "offshore share of ACV",
    "share_front_office": "front-office share of ACV",
    "share_back_office": "back-office share of ACV",
    "share_captive": "captive share of sourced value",
    "outsourcing_rate": "share of firm-process pairs outsourced",
    "n_vendors": "active vendors", "hhi_vendors": "HHI of vendor ACV shares",
    "n_breaches": "breaches per year per 1,000 firms",
    "breach_loss_usd_bn": "breach losses, USD bn per year",
    "n_terminations": "early terminations per year per 1,000 firms",
    "n_backsourced": "back-sourcing events per year per 1,000 firms",
    "n_reshored": "reshoring events per year per 1,000 firms",
}


#: Counts of events in the outputs (of simulated firm-process pairs).
COUNT_COLUMNS = ("n_breaches", "n_terminations", "n_backsourced", "n_reshored")


def per_thousand_firms(table: pd.DataFrame, n_firms: int) -> pd.DataFrame:
    """A copy of ``table`` with the event counts (:data:`COUNT_COLUMNS`) per 1,000 real
    buyer firms.

    Each simulated firm stands for ``real_buyer_firms / n_firms`` real firms, so a count of
    simulated firm-process pairs is ``count x real_buyer_firms / n_firms`` real events,
    i.e. ``count / n_firms x 1000`` per 1,000 real firms: comparable across runs of any
    size.
    """
    out = table.copy()
    for c in COUNT_COLUMNS:
        if c in out.columns:
            out[c] = out[c] * (1000.0 / n_firms)
    return out


def output_label(column: str) -> str:
    """Axis label of an output column, with its unit (the column name if unknown)."""
    return OUTPUT_LABELS.get(column, column)


def number_label(v) -> str:
    """A number as people read it in a tick or legend: whole numbers without decimals
    (thousands separated), others to three significant digits, never in exponent notation
    between 0.001 and 1e6 (``0.02667`` -> ``0.0267``); other values as they are."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                               np.floating)):
        return str(v)
    x = float(v)
    if not np.isfinite(x):
        return str(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 0.001:
        return f"{float(f'{x:.3g}'):.6f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def new_figure(ncols: int = 1, nrows: int = 1, **kw) -> tuple[Figure, np.ndarray]:
    """A figure in the house style and its axes (always a flat array): two-column width
    (:data:`WIDTHS`), 4 in high per row unless ``figsize`` says otherwise. Call it from a
    function decorated with :func:`styled`."""
    w, h = STYLE["figsize"]
    fig = Figure(figsize=kw.pop("figsize", (w, h * nrows)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw).ravel()
    for ax in axes:
        ax.grid(True, alpha=STYLE["grid_alpha"])
        ax.spines[["top", "right"]].set_visible(False)
    return fig, axes


#: Room per year tick on an x axis, inches ("2000" at 8.5 pt is about 0.3 in wide).
YEAR_TICK_SPACING = 0.4


def year_axis(ax) -> None:
    """x axis in calendar years: whole-year ticks, no offset notation (also for the
    dashboard's quarterly data, whose years are decimal), and no more ticks than the
    panel's width holds (:data:`YEAR_TICK_SPACING`), so that narrow panels side by side
    never run their labels together."""
    ax.set_xlabel("year")
    width = ax.get_position().width * ax.figure.get_figwidth()
    ax.xaxis.set_major_locator(MaxNLocator(nbins=max(2, int(width / YEAR_TICK_SPACING)),
                                           steps=[1, 2, 5, 10], integer=True,
                                           min_n_ticks=1))
    ax.ticklabel_format(axis="x", useOffset=False, style="plain")


def published_points(ax, published: pd.DataFrame | None) -> None:
    """The published TCV series as points, hollow where the value is not verified."""
    if published is None or not len(published):
        return
    ver = published["status"].eq("verified")
    ax.plot(published["year"][ver], published["value_usd_bn"][ver], "o",
            color=COLORS["published"], label="published TCV (Statista 189788)")
    if (~ver).any():
        ax.plot(published["year"][~ver], published["value_usd_bn"][~ver], "o",
                mfc="none", color=COLORS["published"], label="published, secondary/unverified")


@styled
def market_size_figure(annual: pd.DataFrame, published: pd.DataFrame | None = None,
                       band: pd.DataFrame | None = None, title: str | None = None) -> Figure:
    """Market size over time: ACV of active contracts and TCV signed per year, USD bn.

    Parameters
    ----------
    annual : DataFrame
        Columns ``year``, ``market_acv_usd_bn``, ``tcv_signed_usd_bn`` and, if present,
        ``tcv_index_usd_bn`` (the like-for-like counterpart of the published series, drawn
        as the main line; ``tcv_signed_usd_bn``, all contract sizes, is then thin).
    published : DataFrame, optional
        ``year``, ``value_usd_bn``, ``status`` (the published TCV series); drawn as points,
        hollow where the value is not verified.
    band : DataFrame, optional
        ``year``, ``lo``, ``hi``: a band around the main TCV line (e.g. 90 %).
    """
    fig, (ax,) = new_figure()
    index = "tcv_index_usd_bn" in annual
    main = "model: TCV of index contracts (ACV >= USD 5 M)" if index \
        else "model: TCV signed per year"
    if band is not None:
        ax.fill_between(band["year"], band["lo"], band["hi"], color=COLORS["band"], alpha=0.2,
                        lw=0, label=main.replace("model: ", "model ") + ", band")
    if index:
        ax.plot(annual["year"], annual["tcv_signed_usd_bn"], color=COLORS["tcv"], lw=0.8,
                alpha=0.6, label="model: TCV signed, all contracts")
    ax.plot(annual["year"], annual["tcv_index_usd_bn" if index else "tcv_signed_usd_bn"],
            color=COLORS["tcv"], label=main)
    ax.plot(annual["year"], annual["market_acv_usd_bn"], color=COLORS["acv"], ls="--",
            label="model: ACV of active contracts")
    published_points(ax, published)
    year_axis(ax)
    ax.set_ylabel("USD bn (nominal)")
    ax.set_ylim(bottom=0)
    ax.set_title(title or "Outsourcing market size")
    ax.legend(loc="upper left")
    return fig


@styled
def location_shares_figure(annual: pd.DataFrame) -> Figure:
    """Onshore / nearshore / offshore shares of ACV over time (stacked area)."""
    fig, (ax,) = new_figure()
    ys = [annual[f"share_{k}"] for k in ("onshore", "nearshore", "offshore")]
    ax.stackplot(annual["year"], *ys, labels=["onshore", "nearshore", "offshore"],
                 colors=[COLORS[k] for k in ("onshore", "nearshore", "offshore")], alpha=0.85)
    ax.set_ylim(0, 1)
    year_axis(ax)
    ax.set_ylabel("share of ACV")
    ax.set_title("Where the work goes")
    ax.legend(loc="upper left")
    return fig


@styled
def office_shares_figure(annual: pd.DataFrame) -> Figure:
    """Front-office vs back-office shares of ACV over time."""
    fig, (ax,) = new_figure()
    ax.stackplot(annual["year"], annual["share_front_office"], annual["share_back_office"],
                 labels=["front office", "back office"],
                 colors=[COLORS["front"], COLORS["back"]], alpha=0.85)
    ax.set_ylim(0, 1)
    year_axis(ax)
    ax.set_ylabel("share of ACV")
    ax.set_title("Front office vs back office")
    ax.legend(loc="upper left")
    return fig


@styled
def events_figure(annual: pd.DataFrame, n_firms: int) -> Figure:
    """Breaches, early terminations, back-sourcing and reshoring per year, per 1,000 real
    buyer firms (:func:`per_thousand_firms` of the run's ``n_firms`` simulated firms)."""
    fig, (ax,) = new_figure()
    per = per_thousand_firms(annual, n_firms)
    for col, key, label, ls in (("n_breaches", "breaches", "breaches", "-"),
                                ("n_terminations", "terminations", "early terminations",
                                 "--"),
                                ("n_backsourced", "backsourced", "back-sourced", "-"),
                                ("n_reshored", "reshored", "reshored", ":")):
        ax.plot(per["year"], per[col], color=COLORS[key], ls=ls, label=label)
    year_axis(ax)
    ax.set_ylabel("events per year per 1,000 firms")
    ax.set_ylim(bottom=0)
    ax.set_title("Breaches and back-sourcing")
    ax.legend(loc="upper left")
    return fig


@styled
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


@styled
def flow_matrix_figure(matrix: pd.DataFrame, top_home: int = 10, top_vendor: int = 14,
                       title: str | None = None) -> Figure:
    """Heat map of where the work flows: ACV by buyer home country x vendor country.

    Parameters
    ----------
    matrix : DataFrame
        Shape (n_home, n_vendor), index = buyer home ISO3 codes, columns = vendor-country
        ISO3 codes, values in USD bn per year (:func:`simulation.collector.acv_flow_matrix`).
    top_home, top_vendor : int
        Only the home (rows) and vendor (columns) countries with the largest total ACV are
        drawn, largest first; the rest is left out (the title says how much).
    title : str, optional
        Title; default "Where the work flows (ACV, USD bn)".

    Notes
    -----
    Onshore cells (same home and vendor country) are outlined in orange. Cell labels show values of
    at least 1 % of the largest cell.
    """
    fig, (ax,) = new_figure()
    ax.grid(False)
    title = title or "Where the work flows (ACV, USD bn)"
    total = float(matrix.to_numpy().sum()) if matrix.size else 0.0
    if total <= 0:
        ax.set_title(title)
        ax.text(0.5, 0.5, "no active vendor contracts yet", ha="center", va="center",
                transform=ax.transAxes, color=COLORS["captive"])
        ax.set_xticks([])
        ax.set_yticks([])
        return fig
    rows = matrix.sum(axis=1).sort_values(ascending=False).index[:top_home]
    cols = matrix.sum(axis=0).sort_values(ascending=False).index[:top_vendor]
    sub = matrix.loc[rows, cols]
    vals = sub.to_numpy()
    im = ax.imshow(vals, cmap="Blues", aspect="auto", vmin=0)
    ax.set_xticks(range(len(cols)), cols, rotation=90)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("vendor country (where the work is done)")
    ax.set_ylabel("buyer home country")
    vmax = vals.max()
    onshore = None
    for i, h in enumerate(rows):
        for j, v in enumerate(cols):
            x = vals[i, j]
            if x >= 0.01 * vmax:
                ax.text(j, i, f"{x:.1f}" if x >= 1 else f"{x:.2f}", ha="center",
                        va="center", fontsize=7, color="white" if x > 0.55 * vmax else "black")
            if h == v:
                onshore = ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                                 lw=1.5, ec=COLORS["tcv"],
                                                 label="onshore (home = vendor country)"))
    fig.colorbar(im, ax=ax, label="ACV, USD bn per year", shrink=0.9)
    if onshore is not None:
        fig.legend(handles=[onshore], loc="outside lower right")
    shown = float(vals.sum())
    ax.set_title(f"{title}; {shown:.1f} of {total:.1f} shown" if shown < total - 1e-9
                 else title)
    return fig


@styled
def baseline_difference_figure(difference: pd.DataFrame, columns: tuple[str, ...],
                               title: str | None = None) -> Figure:
    """The difference of a run to a baseline run over time, one panel per output.

    Parameters
    ----------
    difference : DataFrame
        ``year`` and, per column of ``columns``, the run's value minus the baseline's
        (e.g. :func:`simulation.viz.baseline_difference`).
    columns : tuple of str
        Outputs, one panel each, labelled with :func:`output_label`.
    title : str, optional
    """
    fig, axes = new_figure(ncols=len(columns), figsize=(STYLE["figsize"][0], 3.0))
    for i, (ax, col) in enumerate(zip(axes, columns)):
        ax.plot(difference["year"], difference[col], color=PALETTE[i % len(PALETTE)], lw=2)
        ax.axhline(0, color=COLORS["published"], lw=0.8)
        year_axis(ax)
        ax.set_title(output_label(col), fontsize="medium")
    axes[0].set_ylabel("this run minus baseline")
    fig.suptitle(title or "Difference to the baseline")
    return fig


def run_figures(annual: pd.DataFrame, acv_by_country: pd.DataFrame, n_firms: int
                ) -> dict[str, Figure]:
    """The figures of one run's results folder: ``market_size`` (against the published
    series), ``location_shares``, ``events`` (per 1,000 firms) and ``acv_by_country``
    (last year).

    Parameters
    ----------
    annual : DataFrame
        The run's annual table.
    acv_by_country : DataFrame
        ``year``, ``vendor_iso3``, ``acv_usd_bn``.
    n_firms : int
        The run's simulated buyer firms.
    """
    from simulation.world import published_market_size

    return {"market_size": market_size_figure(annual, published_market_size()),
            "location_shares": location_shares_figure(annual),
            "events": events_figure(annual, n_firms),
            "acv_by_country": acv_by_country_figure(acv_by_country)}


def save(fig: Figure, path: str | Path) -> Path:
    """Save a figure as PNG and return its path."""
    path = Path(path)
    fig.savefig(path, dpi=STYLE["dpi"])
    return path


#: Figure file formats bposim writes (``--figure-format``, a comma list of them).
FIGURE_FORMATS = ("png", "pdf", "svg")


def save_figures(figures: dict[str, Figure], folder: str | Path,
                 formats: tuple[str, ...] = ("png",), bbox_inches: str | None = None
                 ) -> list[Path]:
    """Write each figure as ``folder/<name>.<format>`` for every format; returns the paths.

    Each file is written under a temporary name and renamed, so a figure file is never
    half-written.

    Parameters
    ----------
    figures : dict
        File name (without extension) -> Figure.
    folder : path
        Created if missing.
    formats : tuple of str
        Any of :data:`FIGURE_FORMATS`.
    bbox_inches : str, optional
        ``"tight"`` trims figures drawn without a constrained layout (those of other
        libraries, e.g. EMA Workbench's).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            tmp = folder / f".{name}.{fmt}.tmp"
            fig.savefig(tmp, dpi=STYLE["dpi"], format=fmt, bbox_inches=bbox_inches)
            tmp.replace(path)
            paths.append(path)
    return paths
