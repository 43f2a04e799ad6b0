"""Check 1: firms sort into sourcing modes by productivity (Antràs & Helpman 2004)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from experiments import figures
from experiments.validation.records import (CAPTIVE_NEARSHORE, CAPTIVE_OFFSHORE, INHOUSE,
                                            VENDOR_NEARSHORE, VENDOR_OFFSHORE,
                                            VENDOR_ONSHORE, Replications, RunRecord,
                                            is_offshored)
from experiments.validation.statistics import (CheckResult, Claim, Diagnostic, frame,
                                               group_mean, per_rep, quintile, window_mean)

#: Firm sourcing modes ranked from least to most foreign (Tomiura 2007, Table 1 groups).
FIRM_MODES = ("in-house only", "domestic outsourcing", "offshore outsourcing", "captive")
#: Rank of each sourcing status in :data:`FIRM_MODES`.
STATUS_TO_FIRM_MODE = np.array([0, 1, 2, 2, 3, 3], dtype=np.int8)


def pair_mean_productivity(rec: RunRecord, statuses: Sequence[int]) -> float:
    """Mean productivity of the firms of the pairs in the given statuses (window mean)."""
    phi = np.repeat(rec.productivity, rec.n_processes)
    sel = np.isin(rec.status, statuses)
    with np.errstate(all="ignore"):
        per_year = (sel * phi).sum(axis=1) / sel.sum(axis=1)
    return window_mean(per_year)


#: Pair-level sourcing modes of Antràs & Helpman (2004), as groups of sourcing status.
PAIR_MODES = {"in-house": (INHOUSE,), "onshore vendor": (VENDOR_ONSHORE,),
              "foreign vendor": (VENDOR_NEARSHORE, VENDOR_OFFSHORE),
              "captive centre": (CAPTIVE_NEARSHORE, CAPTIVE_OFFSHORE)}

#: Diagnostic arm: vendors so large at entry that capacity never binds (not a scenario of
#: interest, only a way to show what the capacity rule does to a check).
ABUNDANT_CAPACITY = dict(initial_capacity_fte_median=50_000.0, capacity_sigma=0.0)

#: Why the model fails the sorting claims at the vendor margin (shared with check 3).
CAPACITY_DIAGNOSIS = (
    "A vendor makes an offer only if its spare capacity covers the pair's whole volume "
    "(ODD 7.2). The large processes of the largest firms (IT services, customer service) "
    "often find no vendor with that much spare capacity, and stay in-house or go to a "
    "captive centre (which has no capacity limit); this works against sorting at the "
    "vendor margin. Meanwhile the fixed costs of outsourcing are small next to the "
    "in-house cost of all but the smallest processes of the smallest firms (USD 0.5 m "
    "amortised over the contract term is 5-23 % of the yearly in-house cost of the small "
    "processes of a 2,000-employee US firm, under 3.5 % for any process of a firm with "
    "14,000 employees), so they select few firms, and almost every firm offshores at "
    "least one of its 11 processes. The diagnostic arm with abundant vendor capacity "
    "(vendors enter with 50,000 FTE; run in the full report) shows the predicted sign.")


def check_sorting_by_productivity(reps: Replications) -> CheckResult:
    """Firms sort into sourcing modes by productivity (Antràs & Helpman 2004).

    Claim: with fixed costs ranked captive centre > offshore outsourcing > domestic
    outsourcing > in-house, the mean productivity of firms grouped by their most foreign
    sourcing mode is ordered in-house only < domestic outsourcing < offshore outsourcing <
    captive, and the share of firms that offshore rises with productivity. Reversing the
    fixed-cost ranking of outsourcing against integration reverses the productivity
    ordering of those two modes.

    Sources: Antràs, P. & Helpman, E. (2004), "Global sourcing", *Journal of Political
    Economy* 112(3): 552-580 (sorting by productivity when integration has the higher
    fixed cost); Tomiura, E. (2007), "Foreign outsourcing, exporting, and FDI: a
    productivity comparison at the firm level", *Journal of International Economics*
    72(1): 113-127 (Japanese firms: FDI firms most productive, then foreign outsourcers,
    then domestic firms); Defever, F. & Toubal, F. (2013), "Productivity,
    relationship-specific inputs and the sourcing modes of multinationals", *Journal of
    Economic Behavior & Organization* 94 (when outsourcing has the higher fixed cost, the
    most productive firms outsource).

    Design. All buyers in one high-wage home country (the USA: the theory's "North", and
    no confounding by home-country wages in a cross-section of firms), captives on.
    Arm A: fixed costs (USD m) captive 3.0 > offshore outsourcing 0.5 > domestic 0.2 >
    in-house 0 (the defaults). Arm B: outsourcing/integration ranking reversed (offshore
    outsourcing 3.0, captive 0.5). Statistics per replication, means over the year-end
    states of the window: mean productivity by the firm's most foreign mode; share of firms
    offshoring (any process abroad) in the top minus the bottom productivity quintile;
    mean productivity by pair-level mode (the decision unit of the model, one process of
    one firm, as the single input of Antràs & Helpman); in both arms, mean productivity of
    pairs with a foreign vendor minus pairs in a captive centre.
    """
    fixed = dict(fixed_cost_domestic_usd_m=0.2, fixed_cost_offshore_usd_m=0.5,
                 fixed_cost_captive_usd_m=3.0)
    assert (fixed["fixed_cost_captive_usd_m"] > fixed["fixed_cost_offshore_usd_m"]
            > fixed["fixed_cost_domestic_usd_m"] > 0)
    usa = dict(captives_enabled=True, buyer_home_weights={"USA": 1.0})
    base = reps.arm("sorting", **usa, **fixed)
    rev = reps.arm("sorting, reversed", **usa,
                   **(fixed | dict(fixed_cost_offshore_usd_m=3.0, fixed_cost_captive_usd_m=0.5)))

    def firm_group_means(rec: RunRecord) -> np.ndarray:
        mode = STATUS_TO_FIRM_MODE[rec.by_firm()].max(axis=2)  # (years, firms)
        means = np.array([group_mean(rec.productivity, m, 4) for m in mode])
        return np.array([window_mean(means[:, g]) for g in range(4)])

    def offshoring_by_quintile(rec: RunRecord) -> np.ndarray:
        q = quintile(rec.productivity)
        off = is_offshored(rec.by_firm()).any(axis=2)  # (years, firms)
        return np.array([group_mean(o.astype(float), q, 5) for o in off]).mean(axis=0)

    def pair_modes(rec: RunRecord) -> np.ndarray:
        return np.array([pair_mean_productivity(rec, s) for s in PAIR_MODES.values()])

    def vendor_minus_captive(rec: RunRecord) -> float:
        return (pair_mean_productivity(rec, PAIR_MODES["foreign vendor"])
                - pair_mean_productivity(rec, PAIR_MODES["captive centre"]))

    g = np.array([firm_group_means(r) for r in base])          # (reps, 4)
    firms_n = np.array([np.bincount(STATUS_TO_FIRM_MODE[r.by_firm()].max(axis=2).ravel(),
                                    minlength=4) / len(r.years) for r in base]).mean(axis=0)
    qs = np.array([offshoring_by_quintile(r) for r in base])   # (reps, 5)
    pm = np.array([pair_modes(r) for r in base])               # (reps, 4)
    gap_a, gap_b = per_rep(base, vendor_minus_captive), per_rep(rev, vendor_minus_captive)
    names = list(PAIR_MODES)
    claims = []
    for i in range(3):
        empty = min(firms_n[i], firms_n[i + 1]) < 1
        claims.append(Claim(
            f"firms: {FIRM_MODES[i + 1]} > {FIRM_MODES[i]}",
            f"mean productivity, {FIRM_MODES[i + 1]} minus {FIRM_MODES[i]} firms", +1,
            g[:, i + 1] - g[:, i],
            if_failed=(f"firms per year in the groups: {FIRM_MODES[i]} {firms_n[i]:.1f}, "
                       f"{FIRM_MODES[i + 1]} {firms_n[i + 1]:.1f} (of {reps.size.n_firms})"
                       + ("; too few to observe an ordering" if empty else ""))))
    claims.append(Claim("firms: share offshoring rises with productivity",
                        "share of firms offshoring, top minus bottom productivity quintile "
                        "(fraction)", +1, qs[:, 4] - qs[:, 0],
                        if_failed=f"share of firms offshoring: bottom quintile "
                                  f"{np.nanmean(qs[:, 0]):.3f}, top {np.nanmean(qs[:, 4]):.3f}"))
    for i in range(3):
        claims.append(Claim(
            f"pairs: {names[i + 1]} > {names[i]}",
            f"mean productivity of pairs, {names[i + 1]} minus {names[i]}", +1,
            pm[:, i + 1] - pm[:, i]))
    claims.append(Claim("pairs, fixed cost captive > outsourcing: captive more productive",
                        "mean productivity of pairs, foreign vendor minus captive centre", -1,
                        gap_a))
    claims.append(Claim("pairs, reversed fixed costs: foreign vendor more productive "
                        "(Defever & Toubal 2013)",
                        "mean productivity of pairs, foreign vendor minus captive centre", +1,
                        gap_b))
    diagnostics = []
    if reps.size.diagnostics:
        ab = reps.arm("sorting, abundant capacity", **usa, **fixed, **ABUNDANT_CAPACITY)
        pa = np.array([pair_modes(r) for r in ab])
        diagnostics.append(Diagnostic(
            "with abundant vendor capacity, vendor pairs are more productive than in-house "
            "pairs (the ordering the theory predicts)",
            "mean productivity of pairs, foreign vendor minus in-house, abundant capacity",
            pa[:, 2] - pa[:, 0]))
    fig = figures.replication_panels_figure([
        figures.ReplicationPanel("(a) firms by most foreign mode", list(FIRM_MODES), g,
                                  "mean productivity", rotate=True),
        figures.ReplicationPanel("(b) firms offshoring by productivity quintile",
                                  [f"Q{i + 1}" for i in range(5)], qs, "share of firms"),
        figures.ReplicationPanel("(c) pairs by sourcing mode", names, pm,
                                  "mean productivity", rotate=True),
        figures.ReplicationPanel("(d) pairs: foreign vendor minus captive",
                                  ["captive costlier\n(default)", "outsourcing\ncostlier"],
                                  np.column_stack([gap_a, gap_b]), "productivity gap",
                                  zero_line=True),
    ], title="Check 1: sorting by productivity (USA buyers, captives on)")
    data = frame(**{f"firms_{m.replace(' ', '_')}": g[:, i] for i, m in enumerate(FIRM_MODES)},
                  **{f"offshoring_share_Q{i + 1}": qs[:, i] for i in range(5)},
                  **{f"pairs_{m.replace(' ', '_')}": pm[:, i] for i, m in enumerate(names)},
                  vendor_minus_captive_base=gap_a, vendor_minus_captive_reversed=gap_b)
    return CheckResult(
        key="sorting", title="Sorting by productivity",
        claim="More productive firms use more foreign sourcing modes: in-house only < "
              "domestic outsourcing < offshore outsourcing < captive; the share of firms "
              "offshoring rises with productivity; reversing the fixed-cost ranking of "
              "outsourcing and integration reverses the ordering of those two modes.",
        source="Antràs & Helpman (2004), JPE 112(3); Tomiura (2007), JIE 72(1); "
               "Defever & Toubal (2013), JEBO 94",
        experiment="All buyers in the USA, captive centres on; fixed costs (USD m) captive "
                   "3.0 > offshore outsourcing 0.5 > domestic outsourcing 0.2 > in-house 0 "
                   "(the defaults). Reversal arm: offshore outsourcing 3.0, captive 0.5. A "
                   "firm's most foreign mode is the highest of its 11 processes on the "
                   "ranking in-house < onshore vendor < foreign vendor < captive centre. "
                   "Pair-level statistics compare firm-process pairs by their own mode.",
        claims=claims, figure=fig, data=data, diagnostics=diagnostics,
        diagnosis=CAPACITY_DIAGNOSIS)
