"""Check 3: more productivity dispersion raises offshoring (Antràs & Helpman 2004;
Helpman, Melitz & Yeaple 2004)."""

from __future__ import annotations

from experiments import figures
from experiments.validation.records import Replications, RunRecord, is_offshored
from experiments.validation.sorting import ABUNDANT_CAPACITY, CAPACITY_DIAGNOSIS
from experiments.validation.statistics import (CheckResult, Claim, Diagnostic, arms_panel,
                                               frame, offshored_share, per_rep,
                                               window_mean)


def firms_offshoring(rec: RunRecord) -> float:
    """Share of firms with at least one process done abroad, mean over the window."""
    return window_mean(is_offshored(rec.by_firm()).any(axis=2).mean(axis=1))


def check_productivity_dispersion(reps: Replications) -> CheckResult:
    """More productivity dispersion raises offshoring (Antràs & Helpman 2004; Helpman,
    Melitz & Yeaple 2004).

    Claim: a lower Pareto shape of firm productivity (more dispersion, the same minimum)
    raises the offshoring share, because more firms clear the fixed cost of sourcing abroad.

    Sources: Antràs, P. & Helpman, E. (2004), "Global sourcing", *JPE* 112(3) (more
    dispersion raises the share of foreign sourcing); Helpman, E., Melitz, M. & Yeaple, S.
    (2004), "Export versus FDI with heterogeneous firms", *AER* 94(1): 300-316 (more
    dispersion raises the share of FDI).

    Design. Arms: ``productivity_pareto_shape`` 3.0 (default) and 2.0, minimum productivity
    1 in both. Statistics: share of pairs offshored and share of firms offshoring (means
    over the window); paired differences.
    """
    base = reps.arm("default")
    disp = reps.arm("Pareto shape 2", productivity_pareto_shape=2.0)
    d = per_rep(disp, offshored_share) - per_rep(base, offshored_share)
    d_f = per_rep(disp, firms_offshoring) - per_rep(base, firms_offshoring)
    why = ("A lower shape makes firms larger on average (employees = employees_min x "
           "phi^2.8), so the work to be done grows faster than vendor capacity, which enters "
           "and grows with utilisation, not with demand: fewer pairs find a vendor with room "
           "for their whole volume. " + CAPACITY_DIAGNOSIS)
    claims = [Claim("more dispersion raises the share of pairs offshored",
                    "offshored share of pairs, shape 2.0 minus 3.0 (fraction)", +1, d),
              Claim("more dispersion raises the share of firms offshoring",
                    "share of firms offshoring, shape 2.0 minus 3.0 (fraction)", +1, d_f)]
    diagnostics = []
    if reps.size.diagnostics:
        ab0 = reps.arm("abundant capacity", **ABUNDANT_CAPACITY)
        ab1 = reps.arm("abundant capacity, Pareto shape 2", **ABUNDANT_CAPACITY,
                       productivity_pareto_shape=2.0)
        diagnostics.append(Diagnostic(
            "the same experiment with abundant vendor capacity",
            "offshored share of pairs, shape 2.0 minus 3.0, abundant capacity (fraction)",
            per_rep(ab1, offshored_share) - per_rep(ab0, offshored_share)))
    fig = figures.replication_panels_figure([
        arms_panel("(a) pairs offshored", ["k = 3 (default)", "k = 2"], [base, disp],
                    offshored_share, "share of pairs offshored"),
        arms_panel("(b) firms offshoring", ["k = 3 (default)", "k = 2"], [base, disp],
                    firms_offshoring, "share of firms offshoring"),
    ], title="Check 3: productivity dispersion (Pareto shape k)")
    return CheckResult(
        key="dispersion", title="Productivity dispersion",
        claim="More dispersion of firm productivity (a lower Pareto shape) raises the "
              "offshoring share.",
        source="Antràs & Helpman (2004), JPE 112(3); Helpman, Melitz & Yeaple (2004), AER "
               "94(1)",
        experiment="productivity_pareto_shape 3.0 (default) vs 2.0, minimum productivity 1 "
                   "in both.",
        claims=claims, figure=fig, data=frame(d_offshored_pairs=d, d_offshoring_firms=d_f),
        diagnostics=diagnostics, diagnosis=why)
