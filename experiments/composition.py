"""The market's composition beside published figures (issue #12).

:func:`composition_state` reads, at the end of a year, the model quantities that the
published figures of ``simulation/data/composition_targets.csv`` measure (outsourcing and
offshoring rates by process, India's share of cross-border work, captive share, the
front-office share of BPO value, realised savings, where US buyers' offshored work goes);
:func:`compare` sets them beside the published values; :func:`overlay_figures` draws the
reproduction's composition figures with the published points. ``bposim reproduce`` uses
all three (:mod:`experiments.reproduce`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.firms import MODE_CAPTIVE, MODE_VENDOR
from simulation.world import OFFSHORE, composition_targets

if TYPE_CHECKING:
    from simulation.model import BPOModel

#: Columns of a composition table (one row per quantity and group in a year).
COLUMNS = ("year", "quantity", "group", "value")
#: A.T. Kearney's (2004) complexity groups mapped to the model's processes (our mapping,
#: an assumption): "low complexity (call centres, transaction processing)" and "medium
#: complexity (IT, advanced BPO)"; sales and marketing are in neither.
COMPLEXITY = {"low complexity": ("customer_service", "technical_support",
                                 "payment_processing", "payroll"),
              "medium complexity": ("it_services", "accounting", "hr_administration",
                                    "compliance", "quality_assurance")}
#: Published groups compared with the model's whole market (the model has no sub-market
#: of that name): captive shares of India's or the global offshore market, the
#: front-office share of BPO.
WHOLE_MARKET = ("captive_share", "front_office_share_bpo")


def _share(num: float, den: float) -> float:
    return float(num / den) if den > 0 else float("nan")


def composition_state(model: "BPOModel") -> list[tuple]:
    """Composition quantities of the model's state now (call at the end of a year).

    Returns
    -------
    list of tuple
        Rows ``(year, quantity, group, value)``; ``quantity`` is a target name of
        ``composition_targets.csv`` (``outsourcing_rate``, ``offshoring_rate``,
        ``location_share``, ``captive_share``, ``front_office_share_bpo``,
        ``realised_saving``, ``realised_saving_above_30pct``) and ``group`` its group
        there (a process, a country, ``USA:<process>:<region>``, ...).
    """
    f, w, ctx = model.firms, model.world, model.context
    pr, yi, year = w.processes, ctx.year_index, ctx.year
    P = f.n_processes
    mode = f.mode
    vendor = mode == MODE_VENDOR
    abroad = f.country != f.pair_home
    rows = []
    by_proc = vendor.reshape(-1, P).mean(axis=0)
    off_proc = ((mode != 0) & abroad).reshape(-1, P).mean(axis=0)
    for p, name in enumerate(pr.names):
        rows += [(year, "outsourcing_rate", name, float(by_proc[p])),
                 (year, "offshoring_rate", name, float(off_proc[p]))]
    vi = np.flatnonzero(vendor)
    acv, country, home, proc = f.acv[vi], f.country[vi], f.pair_home[vi], f.process[vi]
    cross = country != home
    cross_acv = float(acv[cross].sum())
    ind, phl = w.index("IND"), w.index("PHL")
    rows += [(year, "location_share", "IND", _share(acv[cross & (country == ind)].sum(),
                                                     cross_acv)),
             (year, "location_share", "IND+PHL", _share(
                 acv[cross & ((country == ind) | (country == phl))].sum(), cross_acv))]
    usa = w.index("USA")
    asia = np.array(["Asia" in s for s in w.subregion])
    latam = np.array([s == "Latin America and the Caribbean" for s in w.subregion])
    for name in ("it_services", "accounting"):
        sel = cross & (home == usa) & (proc == pr.names.index(name)) if name in pr.names \
            else np.zeros(len(vi), bool)
        tot = float(acv[sel].sum())
        rows += [(year, "location_share", f"USA:{name}:Asia", _share(acv[sel & asia[country]]
                                                                     .sum(), tot)),
                 (year, "location_share", f"USA:{name}:Latin America",
                  _share(acv[sel & latam[country]].sum(), tot))]
    cap = float(f.acv[mode == MODE_CAPTIVE].sum())
    rows.append((year, "captive_share", "all", _share(cap, cap + cross_acv)))
    bpo = ~pr.ito[proc]
    rows.append((year, "front_office_share_bpo", "all",
                 _share(acv[bpo & pr.front_office[proc]].sum(), acv[bpo].sum())))
    # realised saving of offshore vendor contracts: 1 - true all-in cost / own in-house cost
    off = w.location[home, country] == OFFSHORE
    oi = vi[off]
    inhouse = f.own_inhouse_cost(oi, f.hours[oi] * w.labour_cost[f.pair_home[oi], yi]
                                 * pr.wage_multiplier[f.process[oi]]
                                 * model.scenario_config.labour.cost_to_wage_ratio)
    saving = 1.0 - f.true_cost[oi] / inhouse
    rows += [(year, "realised_saving", "all offshore",
              _share(inhouse.sum() - f.true_cost[oi].sum(), inhouse.sum())),
             (year, "realised_saving_above_30pct", "all offshore",
              float((saving > 0.30).mean()) if len(oi) else float("nan"))]
    for group, names in COMPLEXITY.items():
        sel = np.isin(f.process[oi], [pr.names.index(p) for p in names if p in pr.names])
        rows.append((year, "realised_saving", group, _share(
            inhouse[sel].sum() - f.true_cost[oi][sel].sum(), inhouse[sel].sum())))
    return rows


def observer(rows: list):
    """An ``on_quarter`` callback (:func:`simulation.run.run_model`) that appends
    :func:`composition_state` at the end of every year to ``rows``."""
    def observe(model, done: int, total: int) -> None:
        if model.context.quarter == 4:
            rows.extend(composition_state(model))
    return observe


def frame(rows: list) -> pd.DataFrame:
    """A composition table from rows of :func:`composition_state`."""
    return pd.DataFrame(rows, columns=list(COLUMNS))


def compare(comp: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """Published composition figures beside the model's.

    Parameters
    ----------
    comp : DataFrame
        Composition tables of several replications (:data:`COLUMNS` + ``replication``).
    annual : DataFrame
        Annual outputs of the same replications (``replication`` column), for the BPO
        share of TCV.

    Returns
    -------
    DataFrame
        One row per published figure that the model can be set beside: ``target``,
        ``group``, ``year``, ``published``, ``status``, ``series``, ``model_year`` (the
        published year, or the nearest simulated year for undated or out-of-span
        figures), ``model_median``, ``model_lo``, ``model_hi`` (5-95 % across
        replications).
    """
    t = composition_targets()
    t = t[~t["model_quantity"].str.startswith(("not comparable", "not compared"))]
    years = np.sort(comp["year"].unique()) if len(comp) else np.array([])
    bpo = annual.assign(value=annual["tcv_signed_bpo_usd_bn"] / annual["tcv_signed_usd_bn"],
                        quantity="bpo_share", group="all")[["replication", "year", "quantity",
                                                            "group", "value"]]
    allq = pd.concat([comp, bpo], ignore_index=True)
    out = []
    for r in t.itertuples():
        if not len(years):
            break
        y = int(r.year) if np.isfinite(r.year) else int(years[len(years) // 2])
        y = int(years[np.abs(years - y).argmin()])
        group = "all" if r.target in WHOLE_MARKET else r.group
        v = allq[(allq["quantity"] == r.target) & (allq["group"] == group)
                 & (allq["year"] == y)]["value"].dropna()
        out.append({"target": r.target, "group": r.group,
                    "year": r.year, "published": r.value, "status": r.status,
                    "series": r.series, "model_year": y,
                    "model_median": float(v.median()) if len(v) else float("nan"),
                    "model_lo": float(v.quantile(0.05)) if len(v) else float("nan"),
                    "model_hi": float(v.quantile(0.95)) if len(v) else float("nan")})
    return pd.DataFrame(out)


def _band(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("year")["value"]
    return pd.DataFrame({"median": g.median(), "lo": g.quantile(0.05),
                         "hi": g.quantile(0.95)}).reset_index()


def _points(ax, t: pd.DataFrame, color, label: str) -> None:
    """Published points: filled = verified, hollow = secondary / estimate."""
    ver = t["status"] == "verified"
    if ver.any():
        ax.plot(t["year"][ver], t["value"][ver], "o", color=color, ms=7, label=label)
    if (~ver).any():
        ax.plot(t["year"][~ver], t["value"][~ver], "o", mfc="none", color=color, ms=7,
                label=f"{label} (secondary / estimate)")


def _legend_below(fig, ax) -> None:
    """Move the legend of a filled (stacked) panel below it: no free corner is left."""
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2)


def overlay_figures(comp: pd.DataFrame, annual: pd.DataFrame, location_fig, office_fig
                    ) -> dict:
    """The reproduction's composition figures, with the published points.

    Parameters
    ----------
    comp, annual : DataFrame
        As in :func:`compare`.
    location_fig, office_fig : matplotlib.figure.Figure
        The location-share and office-share figures of the reproduction; India's share of
        cross-border ACV (with NASSCOM and Everest's figures) and the front-office share
        of BPO ACV (with the published lower bound) are drawn onto them.

    Returns
    -------
    dict
        ``name -> (Figure, DataFrame)`` for ``7_bpo_share`` and
        ``8_outsourcing_by_process``, drawn in the house style
        (:func:`simulation.plotting.styled`).
    """
    from simulation.plotting import styled  # matplotlib: imported only to draw

    return styled(_draw_overlays)(comp, annual, location_fig, office_fig)


def _draw_overlays(comp: pd.DataFrame, annual: pd.DataFrame, location_fig, office_fig
                   ) -> dict:
    from simulation.plotting import COLORS, STYLE, new_figure, year_axis

    t = composition_targets()
    # 3. location shares + India's share of cross-border work
    ax = location_fig.axes[0]
    ind = _band(comp[(comp["quantity"] == "location_share") & (comp["group"] == "IND")])
    ax.plot(ind["year"], ind["median"], "--", color=COLORS["published"],
            label="model: India's share of cross-border ACV")
    pts = t[(t["target"] == "location_share") & t["group"].isin(["IND", "IND+PHL"])]
    _points(ax, pts[pts["group"] == "IND"], COLORS["published"],
            "NASSCOM: India's share of offshore services")
    _points(ax, pts[pts["group"] == "IND+PHL"], COLORS["captive"],
            "Everest 2016: India + Philippines")
    _legend_below(location_fig, ax)
    # 4. office shares + front-office share of BPO value
    ax = office_fig.axes[0]
    fo = _band(comp[comp["quantity"] == "front_office_share_bpo"])
    ax.plot(fo["year"], fo["median"], "--", color=COLORS["front"],
            label="model: front office share of BPO ACV")
    pf = t[t["target"] == "front_office_share_bpo"]
    ax.plot(pf["year"], pf["value"], "^", mfc="none", color=COLORS["front"], ms=8,
            label="customer services > 30 % of BPO revenue (lower bound, weak)")
    _legend_below(office_fig, ax)
    # 7. BPO share of TCV
    bs = annual.assign(value=annual["tcv_signed_bpo_usd_bn"] / annual["tcv_signed_usd_bn"])
    b = _band(bs)
    fig7, (ax,) = new_figure()
    ax.fill_between(b["year"], b["lo"], b["hi"], color=COLORS["band"], alpha=0.2, lw=0,
                    label="model 90 % band")
    ax.plot(b["year"], b["median"], color=COLORS["tcv"],
            label="model: BPO share of TCV signed (median)")
    pb = t[t["target"] == "bpo_share"]
    comparable = ~pb["model_quantity"].str.startswith("not comparable")
    _points(ax, pb[comparable], COLORS["published"], "ISG / Statista award series")
    ax.plot(pb["year"][~comparable], pb["value"][~comparable], "x", color=COLORS["captive"],
            ms=7, label="Everest revenue / EMEA ISG (other series, context)")
    ax.set_ylim(0, 1)
    ax.set_ylabel("BPO share (non-IT processes)")
    ax.set_title("BPO share of contract value: model vs published")
    year_axis(ax)
    ax.legend(loc="best")
    # 8. outsourcing rate by process (model, survey years) vs surveys
    rates = comp[comp["quantity"] == "outsourcing_rate"]
    years = sorted(rates["year"].unique())
    y0 = min(years, key=lambda y: abs(y - 2010)) if years else 2010
    r = rates[rates["year"] == y0].groupby("group")["value"]
    procs = list(dict.fromkeys(rates["group"]))
    med = r.median().reindex(procs)
    lo, hi = r.quantile(0.05).reindex(procs), r.quantile(0.95).reindex(procs)
    fig8, (ax,) = new_figure(figsize=(STYLE["figsize"][0], 4.8))
    x = np.arange(len(procs))
    ax.bar(x, med, color=COLORS["acv"], alpha=0.6,
           label=f"model {y0}: share of pairs under a vendor contract")
    ax.errorbar(x, med, yerr=[med - lo, hi - med], fmt="none", color=COLORS["acv"],
                capsize=3)
    for target, marker, label in (("outsourcing_rate", "o", "surveys: share of organisations "
                                   "outsourcing (some of) the function"),
                                  ("offshoring_rate", "s", "Duke/Archstone 2005: share of "
                                   "companies offshoring")):
        pts = t[(t["target"] == target) & t["group"].isin(procs)]
        xs = np.array([procs.index(g) for g in pts["group"]], float)
        jitter = (np.arange(len(xs)) % 5 - 2) * 0.06
        ax.plot(xs + jitter, pts["value"], marker, mfc="none", color=COLORS["published"],
                ms=6, label=label)
    ax.set_xticks(x, procs, rotation=35, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share")
    ax.set_title("Outsourcing rate by process: model vs surveys (2007-2019)")
    fig8.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=1)
    table8 = pd.DataFrame({"process": procs, "model_median": med.values,
                           "model_lo": lo.values, "model_hi": hi.values, "year": y0})
    return {"7_bpo_share": (fig7, b.rename(columns={"median": "bpo_share_median",
                                                    "lo": "bpo_share_lo",
                                                    "hi": "bpo_share_hi"})),
            "8_outsourcing_by_process": (fig8, table8)}


def report_lines(table: pd.DataFrame) -> list[str]:
    """Markdown section of the reproduction report: :func:`compare`'s table."""
    lines = ["## Composition against published figures", "",
             "Model: median and 5-95 % range across replications in the published year "
             "(or the nearest simulated year). Sources and definitions: "
             "`simulation/data/composition_targets.csv` and `SOURCES.md`. Survey rates "
             "count organisations outsourcing *some* of a function (an upper bound for the "
             "model's share of pairs fully under contract).", "",
             "| target | group | year | published | status | model (year) | 5-95 % |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in table.itertuples():
        yr = "undated" if not np.isfinite(r.year) else f"{int(r.year)}"
        lines.append(f"| {r.target} | {r.group} | {yr} | {r.published:.3f} | {r.status} | "
                     f"{r.model_median:.3f} ({r.model_year}) | {r.model_lo:.3f}-"
                     f"{r.model_hi:.3f} |")
    return lines + [""]
