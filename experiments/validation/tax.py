"""Check 6: corporate tax rates move work between countries and sourcing modes."""

from __future__ import annotations

from typing import Callable

import numpy as np

from experiments import figures
from experiments.validation.records import CAPTIVE_NEARSHORE, Replications, RunRecord
from experiments.validation.statistics import (CheckResult, Claim, Diagnostic, arms_panel,
                                               frame, per_rep, window_mean)


def country_hours_share(iso3: str) -> Callable[[RunRecord], float]:
    """Statistic: the country's share of contracted vendor hours (work volume), window
    mean."""
    def fn(rec: RunRecord) -> float:
        i = rec.iso3.index(iso3)
        tot = rec.vendor_hours.sum(axis=1)
        with np.errstate(all="ignore"):
            return window_mean(np.where(tot > 0, rec.vendor_hours[:, i] / tot, np.nan))
    return fn


def country_acv_share(iso3: str) -> Callable[[RunRecord], float]:
    """Statistic: the country's share of ACV, mean of the yearly shares."""
    def fn(rec: RunRecord) -> float:
        c = rec.acv_by_country
        tot = c.groupby("year")["acv_usd_bn"].sum()
        own = c[c["vendor_iso3"] == iso3].groupby("year")["acv_usd_bn"].sum()
        return float((own.reindex(tot.index, fill_value=0.0) / tot).mean()) if len(tot) \
            else float("nan")
    return fn


def captive_share(rec: RunRecord) -> float:
    """Share of pairs in a captive centre, mean over the window."""
    return window_mean((rec.status >= CAPTIVE_NEARSHORE).mean(axis=1))


def check_tax_channel(reps: Replications) -> CheckResult:
    """Corporate tax rates move work between countries and sourcing modes.

    Claims: (a) a lower statutory corporate tax rate in a vendor country raises that
    country's share of the market; (b) with captive centres allowed, a lower home-country
    rate reduces captive use, because the profit a captive earns on its cost-plus transfer
    price then saves less tax when it is booked abroad.

    Sources: (a) activity locates where after-tax returns are higher: Hines, J. & Rice, E.
    (1994), "Fiscal paradise: foreign tax havens and American business", *Quarterly
    Journal of Economics* 109(1): 149-182; de Mooij, R. & Ederveen, S. (2003), "Taxation
    and foreign direct investment: a synthesis of empirical research", *International Tax
    and Public Finance* 10(6): 673-693 (FDI falls with the host tax rate); (b) the
    profit-shifting incentive rises with the home-host rate gap (Hines & Rice 1994), the
    captive being foreign integration (Antràs & Helpman 2004).

    Design. (a) Arms: India's rate as in the data vs 0.10 in every year (India: the largest
    vendor country); statistics: India's share of contracted vendor hours (work volume) and
    of ACV (value), means over the window. (b) Captives on, all buyers in the USA and no
    US-based vendors, so that the home rate enters only through the captive's tax saving;
    arms: the US rate as in the data vs 0 in every year (a contrast large enough to be
    resolved at the quick size); statistic: share of pairs in a captive centre. Paired
    differences.
    """
    base = reps.arm("default")
    ind = reps.arm("IND tax 0.10", tax_rate_overrides={"IND": 0.10})
    hours, value = country_hours_share("IND"), country_acv_share("IND")
    d_h = per_rep(ind, hours) - per_rep(base, hours)
    d_v = per_rep(ind, value) - per_rep(base, value)
    why = ("A lower vendor-country rate acts through two channels (ODD 7.12): vendors price "
           "with it (cost x (1 + m / (1 - t))), so buyers move work to them, and entrants "
           "choose their country by exp(-3.3 x the expected tax rate of a new unit). The "
           "price channel raises the country's value share only where the fee is a large "
           "part of the buyer's all-in cost; the entry channel adds capacity, but extra "
           "entrants also crowd the incumbents and exit. At the quick size, with few "
           "vendors, the effect is noisy (docs/validation.md, check 6).")
    vw = dict(reps.scenario().vendors.vendor_country_weights)
    vw.pop("USA", None)
    cap = dict(captives_enabled=True, buyer_home_weights={"USA": 1.0},
               vendor_country_weights=vw)
    cap0 = reps.arm("captives, USA buyers, no US vendors", **cap)
    cap1 = reps.arm("captives, USA buyers, no US vendors, USA tax 0", **cap,
                    tax_rate_overrides={"USA": 0.0})
    d_b = per_rep(cap1, captive_share) - per_rep(cap0, captive_share)
    claims = [
        Claim("lower tax in a vendor country raises its share of work",
              "India's share of contracted vendor hours, rate 0.10 minus data (fraction)", +1,
              d_h),
        Claim("lower tax in a vendor country raises its share of value",
              "India's share of ACV, rate 0.10 minus data (fraction)", +1, d_v),
        Claim("lower home-country tax reduces captive use",
              "share of pairs in captive centres, US rate 0 minus data, USA buyers "
              "(fraction)", -1, d_b),
    ]
    diagnostics = []
    if reps.size.diagnostics:
        def ind_vendors(rec: RunRecord) -> float:
            return window_mean(rec.vendors[:, rec.iso3.index("IND")])
        diagnostics.append(Diagnostic(
            "active vendors based in India",
            "active Indian vendors, rate 0.10 minus data (count, window mean)",
            per_rep(ind, ind_vendors) - per_rep(base, ind_vendors)))
    fig = figures.replication_panels_figure([
        arms_panel("(a) India's share of vendor hours", ["data", "IND rate 0.10"],
                    [base, ind], hours, "share of contracted hours"),
        arms_panel("(b) India's share of ACV", ["data", "IND rate 0.10"], [base, ind], value,
                    "share of ACV"),
        arms_panel("(c) captive use, USA buyers", ["data", "USA rate 0"], [cap0, cap1],
                    captive_share, "share of pairs in captive centres"),
    ], title="Check 6: tax channel")
    return CheckResult(
        key="tax", title="Tax channel",
        claim="A lower corporate tax rate in a vendor country raises its share; with "
              "captives on, a lower home-country rate reduces captive use.",
        source="Hines & Rice (1994), QJE 109(1); de Mooij & Ederveen (2003), ITPF 10(6); "
               "Antràs & Helpman (2004), JPE 112(3)",
        experiment="(a) tax_rate_overrides IND = 0.10 vs the data; (b) captives on, all "
                   "buyers in the USA, no US-based vendors, tax_rate_overrides USA = 0 vs the "
                   "data.",
        claims=claims, figure=fig,
        data=frame(d_india_hours_share=d_h, d_india_acv_share=d_v, d_captive_share=d_b),
        diagnostics=diagnostics, diagnosis=why)
