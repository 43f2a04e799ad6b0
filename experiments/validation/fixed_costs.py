"""Check 4: fixed transition costs concentrate offshoring among large firms (Melitz
2003)."""

from __future__ import annotations

import numpy as np

from experiments import figures
from experiments.validation.records import Replications, RunRecord, is_offshored
from experiments.validation.statistics import (CheckResult, Claim, arms_panel, frame,
                                               offshored_share, per_rep, quintile,
                                               window_mean)


def check_fixed_costs_and_size(reps: Replications) -> CheckResult:
    """Fixed transition costs concentrate offshoring among large firms (Melitz 2003).

    Claim: higher fixed costs of sourcing abroad concentrate offshoring among the largest
    firms: only firms large enough to spread the fixed cost over their volume go abroad.

    Source: Melitz, M. (2003), "The impact of trade on intra-industry reallocations and
    aggregate industry productivity", *Econometrica* 71(6): 1695-1725 (a fixed cost of
    serving foreign markets selects the largest, most productive firms); the same logic
    for sourcing in Antràs & Helpman (2004).

    Design. Arms: ``fixed_cost_offshore_usd_m`` 0.5 (default) and 2.0. Statistic: share of
    the offshored pairs that belong to the largest fifth of firms (by employees), mean over
    the window; paired difference.
    """
    base = reps.arm("default")
    high = reps.arm("offshore fixed cost 2.0", fixed_cost_offshore_usd_m=2.0)

    def top_share(rec: RunRecord) -> float:
        top = quintile(rec.employees) == 4
        off = is_offshored(rec.by_firm()).sum(axis=2)  # (years, firms)
        tot = off.sum(axis=1)
        return window_mean(np.where(tot > 0, off[:, top].sum(axis=1) / np.maximum(tot, 1),
                                     np.nan))

    d = per_rep(high, top_share) - per_rep(base, top_share)
    claims = [Claim("higher fixed cost concentrates offshoring among the largest firms",
                    "share of offshored pairs held by the largest 20 % of firms, fixed cost "
                    "2.0 minus 0.5 (fraction)", +1, d)]
    fig = figures.replication_panels_figure([
        arms_panel("(a) offshored pairs held by the largest 20 % of firms",
                    ["0.5 (default)", "2.0"], [base, high], top_share,
                    "share of offshored pairs"),
        arms_panel("(b) pairs offshored", ["0.5 (default)", "2.0"], [base, high],
                    offshored_share, "share of pairs offshored"),
    ], title="Check 4: fixed cost of offshore outsourcing (USD m) and firm size")
    return CheckResult(
        key="fixed_costs", title="Fixed transition costs and firm size",
        claim="Fixed transition costs concentrate offshoring among large firms.",
        source="Melitz (2003), Econometrica 71(6); Antràs & Helpman (2004), JPE 112(3)",
        experiment="fixed_cost_offshore_usd_m 0.5 (default) vs 2.0 (nearshore and offshore "
                   "vendors).",
        claims=claims, figure=fig, data=frame(d_top_quintile_share=d))
