"""Outputs: per-quarter metrics for Mesa's ``DataCollector`` and their yearly aggregation.

Column definitions (money in world USD bn: simulated values x ``firms_per_agent``; counts
are of simulated firm-process pairs, multiply by ``firms_per_agent`` for real-world
counts):

=====================  =======  ============================================================
column                 kind     meaning
=====================  =======  ============================================================
market_acv_usd_bn      stock    annual contract value (ACV) of active vendor contracts
tcv_signed_usd_bn      flow     total contract value (ACV x term) of contracts signed
                                (new and renewed) in the period; comparable with the
                                published contract-value series
share_onshore etc.     stock    shares of ACV by location of the vendor relative to the
                                buyer's home (onshore / nearshore / offshore)
share_front_office     stock    shares of ACV by office of the process
share_captive          stock    captive centres' annual value / (ACV + captive value)
outsourcing_rate       stock    share of firm-process pairs under a vendor contract
n_vendors              stock    active vendors
hhi_vendors            stock    Herfindahl-Hirschman index of vendor ACV shares (0-1)
n_breaches             flow     breaches of outsourced work (vendor contracts and captives)
breach_loss_usd_bn     flow     cost of those breaches
n_terminations         flow     contracts ended before expiry (breach, poor value, vendor
                                exit)
n_backsourced          flow     outsourced work (vendor or captive) taken back in-house
n_reshored             flow     work done abroad brought back to the home country (in-house
                                or an onshore vendor)
=====================  =======  ============================================================

An empty market (no ACV) reports ``share_onshore = 1`` and ``share_back_office = 1`` so
that shares always sum to 1; ``n_vendors`` and ``market_acv_usd_bn`` show it is empty.
Yearly values: stocks are the mean of the year's quarters (shares recomputed from the
mean ACV of each part, so they still sum to 1); flows are summed.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np
import pandas as pd

from simulation.market import MODE_CAPTIVE, MODE_VENDOR

OUTPUT_COLUMNS = (
    "market_acv_usd_bn", "tcv_signed_usd_bn", "share_onshore", "share_nearshore",
    "share_offshore", "share_front_office", "share_back_office", "share_captive",
    "outsourcing_rate", "n_vendors", "hhi_vendors", "n_breaches", "breach_loss_usd_bn",
    "n_terminations", "n_backsourced", "n_reshored")
#: Extra columns kept for invariants: cumulative contracts signed / ended, active now.
BOOKKEEPING_COLUMNS = ("n_contracts_signed_cum", "n_contracts_active", "n_contracts_ended_cum",
                       "captive_value_usd_bn")
FLOW_COLUMNS = ("tcv_signed_usd_bn", "n_breaches", "breach_loss_usd_bn", "n_terminations",
                "n_backsourced", "n_reshored")
SHARE_GROUPS = (("share_onshore", "share_nearshore", "share_offshore"),
                ("share_front_office", "share_back_office"))


def _read_metric(name: str, model) -> float:
    """Reporter body: one metric of the quarter, computed once per step."""
    return model._metrics[name]


def make_datacollector() -> mesa.DataCollector:
    """The model's ``datacollector``: one model reporter per output column."""
    names = ("year", "quarter") + OUTPUT_COLUMNS + BOOKKEEPING_COLUMNS
    return _Collector(model_reporters={n: partial(_read_metric, n) for n in names})


class _Collector(mesa.DataCollector):
    def collect(self, model):
        model._metrics = quarter_metrics(model)
        model._acv_country_hist.append(model._metrics.pop("_acv_by_country"))
        super().collect(model)


def quarter_metrics(model) -> dict:
    """Outputs of the quarter just simulated (see the module docstring)."""
    w = model.world
    scale = model.firms_per_agent / 1e9
    is_v = model.p_mode == MODE_VENDOR
    acv = model.p_acv[is_v]
    total = float(acv.sum())
    loc = w.location[model.p_home[is_v], model.p_country[is_v]]
    by_loc = np.bincount(loc, acv, minlength=3)
    front = w.processes.front_office[model.p_process[is_v]]
    fo = float(acv[front].sum())
    cap_val = float(model.p_acv[model.p_mode == MODE_CAPTIVE].sum())
    nv = model.n_vendor_slots
    vend_acv = np.bincount(model.p_vendor[is_v], acv, minlength=nv)[:nv] if nv else np.zeros(0)
    hhi = float(((vend_acv / total) ** 2).sum()) if total > 0 else 0.0
    flows = model._last_flows
    if total > 0:  # shares from their own parts, so rounding cannot push them past 1
        s_loc = np.clip(by_loc / by_loc.sum(), 0.0, 1.0)
        s_front = min(max(fo / (fo + float(acv[~front].sum())), 0.0), 1.0)
    else:
        s_loc = np.array([1.0, 0.0, 0.0])
        s_front = 0.0
    acv_country = np.bincount(model.p_country[is_v], acv, minlength=w.n_countries) * scale
    return {
        "year": model.cal_year, "quarter": model.cal_quarter,
        "market_acv_usd_bn": total * scale,
        "tcv_signed_usd_bn": flows["tcv"] * scale,
        "share_onshore": float(s_loc[0]), "share_nearshore": float(s_loc[1]),
        "share_offshore": float(s_loc[2]),
        "share_front_office": float(s_front), "share_back_office": float(1.0 - s_front),
        "share_captive": cap_val / (total + cap_val) if cap_val > 0 else 0.0,
        "outsourcing_rate": float(is_v.mean()),
        "n_vendors": int(model.v_active[:nv].sum()),
        "hhi_vendors": hhi,
        "n_breaches": flows["n_breaches"],
        "breach_loss_usd_bn": flows["breach_loss"] * scale,
        "n_terminations": flows["n_terminations"],
        "n_backsourced": flows["n_backsourced"],
        "n_reshored": flows["n_reshored"],
        "n_contracts_signed_cum": model.n_signed_total,
        "n_contracts_active": int(is_v.sum()),
        "n_contracts_ended_cum": model.n_ended_total,
        "captive_value_usd_bn": cap_val * scale,
        "_acv_by_country": acv_country,
    }


def quarterly_frame(model) -> pd.DataFrame:
    """Quarterly table from ``model.datacollector`` (one row per simulated quarter)."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return df.astype({"year": "int64", "quarter": "int64"})


def annual_frame(q: pd.DataFrame) -> pd.DataFrame:
    """Aggregate a quarterly table per calendar year (stocks: mean; flows: sum)."""
    cols = [c for c in q.columns if c not in ("year", "quarter")]
    agg = {c: ("sum" if c in FLOW_COLUMNS else "mean") for c in cols}
    for c in ("n_contracts_signed_cum", "n_contracts_ended_cum", "n_contracts_active"):
        if c in agg:
            agg[c] = "last"
    a = q.groupby("year", as_index=False).agg(agg)
    # shares from the mean ACV of each part, so that they sum to 1
    acv = q["market_acv_usd_bn"]
    for group in SHARE_GROUPS:
        parts = pd.DataFrame({g: q[g] * acv for g in group}).groupby(q["year"]).mean()
        tot = parts.sum(axis=1).to_numpy()
        for g in group:
            a[g] = np.where(tot > 0, parts[g].to_numpy() / np.where(tot > 0, tot, 1),
                            a[g].to_numpy())
    cap = q["captive_value_usd_bn"].groupby(q["year"]).mean().to_numpy()
    denom = a["market_acv_usd_bn"].to_numpy() + cap
    a["share_captive"] = np.where(cap > 0, cap / np.where(denom > 0, denom, 1), 0.0)
    for c in ("n_vendors", "n_breaches", "n_terminations", "n_backsourced", "n_reshored"):
        if agg[c] == "sum":
            a[c] = a[c].astype("int64")
    return a


def acv_by_country_frame(model) -> pd.DataFrame:
    """Long table ``year``, ``vendor_iso3``, ``acv_usd_bn``: yearly mean of quarterly ACV
    by the country where the vendor works (only countries with ACV > 0)."""
    hist = np.array(model._acv_country_hist)
    if hist.size == 0:
        return pd.DataFrame(columns=["year", "vendor_iso3", "acv_usd_bn"])
    q = model.datacollector.get_model_vars_dataframe()
    df = pd.DataFrame(hist, columns=model.world.iso3)
    df["year"] = q["year"].to_numpy()
    yearly = df.groupby("year").mean()
    long = yearly.reset_index().melt(id_vars="year", var_name="vendor_iso3",
                                     value_name="acv_usd_bn")
    long = long[long["acv_usd_bn"] > 0].sort_values(["year", "vendor_iso3"])
    return long.reset_index(drop=True)
