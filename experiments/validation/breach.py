"""Check 7: breach risk moves data-sensitive work home and ends contracts early."""

from __future__ import annotations

from typing import Callable

import numpy as np

from experiments import figures
from experiments.validation.records import Replications, RunRecord, is_offshore_location
from experiments.validation.statistics import (CheckResult, Claim, arms_panel, frame,
                                               per_rep, window_mean)


def _sensitive_processes(rec: RunRecord) -> np.ndarray:
    """Mask of the data-sensitive processes (data sensitivity >= 0.7), shape
    (n_processes,)."""
    return rec.processes.data_sensitivity >= 0.7


def per_100_contract_years(col: str) -> Callable[[RunRecord], float]:
    """Statistic: events of an annual flow column per 100 contract-years over the window
    (contract-years = sum over years of the mean number of active vendor contracts)."""
    def fn(rec: RunRecord) -> float:
        a = rec.annual
        exposure = float((a["outsourcing_rate"] * rec.status.shape[1]).sum())
        return 100.0 * float(a[col].sum()) / exposure if exposure > 0 else float("nan")
    return fn


def check_breach_risk(reps: Replications) -> CheckResult:
    """Breach risk moves data-sensitive work home and ends contracts early.

    Claims: (a) a higher breach hazard at offshore vendors lowers the offshore share of
    data-sensitive processes more than that of other processes; (b) more breaches raise
    early terminations and back-sourcing.

    Sources: (a) the cost of a breach rises with the sensitivity of the data handled
    (IBM Security / Ponemon Institute, *Cost of a Data Breach Report*, 2017-2024), and
    security and confidentiality risk weighs most in the sourcing of sensitive work
    (Lacity, M., Khan, S. & Willcocks, L. (2009), "A review of the IT outsourcing
    literature: insights for practice", *Journal of Strategic Information Systems* 18(3):
    130-146); (b) service failures lead to early termination and back-sourcing (Whitten,
    D. & Leidner, D. (2006), "Bringing IT back: an analysis of the decision to backsource
    or switch vendors", *Decision Sciences* 37(4): 605-621; Lacity, Khan & Willcocks 2009).

    Design. (a) Arms: ``offshore_breach_hazard_multiplier`` 1.5 (default) vs 6.0;
    statistic: change in the share of pairs done at the offshore location for the
    data-sensitive processes (sensitivity >= 0.7) minus that change for the other
    processes (difference in differences). (b) Arms: ``breach_hazard_scale`` 1 vs 5;
    statistics: early terminations and back-sourcing events per 100 contract-years.
    """
    base = reps.arm("default")
    sens = _sensitive_processes(base[0])
    off = reps.arm("offshore breach multiplier 6", offshore_breach_hazard_multiplier=6.0)

    def offshore_share(mask):
        def fn(rec: RunRecord) -> float:
            return window_mean(is_offshore_location(rec.by_firm()[:, :, mask]).mean(
                axis=(1, 2)))
        return fn

    s_sens, s_other = offshore_share(sens), offshore_share(~sens)
    d_sens = per_rep(off, s_sens) - per_rep(base, s_sens)
    d_other = per_rep(off, s_other) - per_rep(base, s_other)
    hi = reps.arm("breach hazard x 5", breach_hazard_scale=5.0)
    term = per_100_contract_years("n_terminations")
    back = per_100_contract_years("n_backsourced")
    d_term = per_rep(hi, term) - per_rep(base, term)
    d_back = per_rep(hi, back) - per_rep(base, back)
    claims = [
        Claim("offshore breach risk cuts offshoring of data-sensitive processes more",
              "change of offshore share (multiplier 6 minus 1.5), sensitive minus other "
              "processes (fraction)", -1, d_sens - d_other),
        Claim("more breaches raise early terminations",
              "early terminations per 100 contract-years, hazard x 5 minus x 1", +1, d_term),
        Claim("more breaches raise back-sourcing",
              "back-sourcing events per 100 contract-years, hazard x 5 minus x 1", +1, d_back),
    ]
    fig = figures.replication_panels_figure([
        figures.ReplicationPanel("(a) change of offshore share",
                                  ["data-sensitive", "other"],
                                  np.column_stack([d_sens, d_other]),
                                  "offshore share, x 6 minus x 1.5", zero_line=True),
        arms_panel("(b) early terminations", ["hazard x 1", "x 5"], [base, hi], term,
                    "per 100 contract-years"),
        arms_panel("(c) back-sourcing", ["hazard x 1", "x 5"], [base, hi], back,
                    "per 100 contract-years"),
    ], title="Check 7: breach risk")
    return CheckResult(
        key="breach", title="Breach risk",
        claim="A higher breach hazard at offshore vendors lowers the offshore share of "
              "data-sensitive processes more than that of other processes; breaches raise "
              "early terminations and back-sourcing.",
        source="IBM/Ponemon Cost of a Data Breach (2017-2024); Lacity, Khan & Willcocks "
               "(2009), JSIS 18(3); Whitten & Leidner (2006), Decision Sciences 37(4)",
        experiment="(a) offshore_breach_hazard_multiplier 1.5 (default) vs 6.0; "
                   "data-sensitive = data_sensitivity >= 0.7 (accounting, payroll, payment "
                   "processing, IT services, HR administration, compliance); (b) "
                   "breach_hazard_scale 1 vs 5.",
        claims=claims, figure=fig,
        data=frame(d_offshore_sensitive=d_sens, d_offshore_other=d_other,
                    d_terminations_per_100=d_term, d_backsourcing_per_100=d_back))
