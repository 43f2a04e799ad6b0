"""Check 2: tasks are offshored in order of their coordination cost (Grossman &
Rossi-Hansberg 2008)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from experiments import figures
from experiments.validation.records import Replications, RunRecord, is_offshored
from experiments.validation.statistics import (CheckResult, Claim, arms_panel, frame,
                                               offshored_share, per_rep)
from simulation.world import known_country_codes


def check_coordination_order(reps: Replications) -> CheckResult:
    """Tasks are offshored in order of their coordination cost (Grossman & Rossi-Hansberg
    2008).

    Claim: processes with a lower coordination index are offshored first; a fall in the
    coordination-cost scale raises the offshored share of tasks; a wider wage gap between
    the home country and vendor countries raises it too.

    Source: Grossman, G. & Rossi-Hansberg, E. (2008), "Trading tasks: a simple theory of
    offshoring", *American Economic Review* 98(5): 1978-1997 (tasks are offshored in order
    of their offshoring cost; a fall in that cost, or a wider wage gap, widens the range of
    tasks offshored).

    Design. (a) Default scenario: per replication, the Spearman rank correlation across the
    11 processes between the coordination index and the share of the process's pairs
    offshored (mean over the window). (b) Arm: coordination-cost scale in 2000 and its floor
    both x 0.6. (c) Buyers all headquartered in the USA (one home country, so that the wage
    gap is well defined); arm: labour cost x 0.8 in every other country.
    """
    base = reps.arm("default")
    co = reps.scenario().coordination
    low = reps.arm("coordination x 0.6",
                   coordination_cost_2000=co.coordination_cost_2000 * 0.6,
                   coordination_cost_floor=co.coordination_cost_floor * 0.6)
    usa = dict(buyer_home_weights={"USA": 1.0})
    gap0 = reps.arm("USA buyers", **usa)
    gap1 = reps.arm("USA buyers, wages abroad x 0.8", **usa, labour_cost_multiplier={
        c: 0.8 for c in sorted(known_country_codes()) if c != "USA"})
    pr = base[0].processes
    order = np.argsort(pr.coordination_index, kind="stable")

    def process_shares(rec: RunRecord) -> np.ndarray:
        return is_offshored(rec.by_firm()).mean(axis=1).mean(axis=0)  # (processes,)

    shares = np.array([process_shares(r) for r in base])  # (reps, P)
    rho = np.array([stats.spearmanr(pr.coordination_index, s).statistic for s in shares])
    d_coord = per_rep(low, offshored_share) - per_rep(base, offshored_share)
    d_wage = per_rep(gap1, offshored_share) - per_rep(gap0, offshored_share)
    claims = [
        Claim("lower coordination index: offshored first and more",
              "Spearman rank correlation (11 processes) of coordination index and "
              "offshored share", -1, rho),
        Claim("lower coordination-cost scale raises the offshored share",
              "offshored share of pairs, scale x 0.6 minus default (fraction)", +1, d_coord),
        Claim("wider wage gap raises the offshored share",
              "offshored share of pairs, wages abroad x 0.8 minus default, USA buyers "
              "(fraction)", +1, d_wage),
    ]
    fig = figures.replication_panels_figure([
        figures.ReplicationPanel(
            "(a) share offshored by process (by coordination index)",
            [f"{pr.names[i]} ({pr.coordination_index[i]:.2f})" for i in order],
            shares[:, order], "share of pairs offshored", rotate=True),
        arms_panel("(b) coordination-cost scale", ["default", "x 0.6"], [base, low],
                    offshored_share, "share of pairs offshored"),
        arms_panel("(c) wage gap (USA buyers)", ["default", "wages abroad\nx 0.8"],
                    [gap0, gap1], offshored_share, "share of pairs offshored"),
    ], title="Check 2: offshoring in order of coordination cost")
    data = frame(spearman_rho=rho, d_offshored_coordination=d_coord,
                  d_offshored_wage_gap=d_wage,
                  **{f"offshored_{pr.names[i]}": shares[:, i] for i in range(pr.n)})
    return CheckResult(
        key="coordination", title="Processes offshored in order of coordination cost",
        claim="Processes with a lower coordination index are offshored first; a fall in "
              "the coordination-cost scale raises the offshored share; a wider wage gap "
              "between home and vendor countries raises it.",
        source="Grossman & Rossi-Hansberg (2008), AER 98(5)",
        experiment="(a) default scenario, rank correlation across the 11 processes of "
                   "coordination index and share of pairs offshored; (b) "
                   "coordination_cost_2000 and coordination_cost_floor x 0.6; (c) all "
                   "buyers in the USA, labour_cost_multiplier 0.8 for every other country.",
        claims=claims, figure=fig, data=data)
