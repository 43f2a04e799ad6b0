"""The quarter's context: the calendar and the exogenous drivers every rule of a quarter reads.

It is computed once at the start of each quarter (ODD step 1) and passed, frozen, to the
populations' rules, the market and the collector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation import mechanisms as mech
from simulation.config import Scenario


def quarter_index(first_year: int, year: int, quarter: int) -> int:
    """Quarter index (0 = first quarter of the spin-up) of a calendar quarter (1-4)."""
    return (year - first_year) * 4 + quarter - 1


@dataclass(frozen=True)
class QuarterContext:
    """Calendar and exogenous drivers of one quarter.

    Attributes
    ----------
    t : int
        Quarter index since the start of the spin-up (0-based).
    year_index : int
        ``t // 4``: column of the world's yearly arrays (``[country, year_index]``).
    year, quarter : int
        Calendar year and quarter (1-4).
    coordination_scale : float
        Coordination-cost scale kappa(t), x in-house cost (:func:`mechanisms.coordination_scale`).
    mean_term_years : float
        Mean contract term, years (:func:`mechanisms.mean_contract_term`).
    demand : float
        Demand multiplier D(t) (:func:`mechanisms.demand_multiplier`), 1 = no shock: the
        part every review shares (all shocks, unless some are confined to homes or
        processes; then the shocks that hit every review).
    growth : float
        Work-volume growth factor G(t) = (1 + demand_growth) ** (t - start_year).
    demand_by_review : ndarray, shape (n_countries, n_processes), or None
        Demand multiplier by buyer home country and process
        (:func:`mechanisms.demand_multipliers`) when a shock of the quarter is confined to
        some homes or processes; None when every review has ``demand`` (see
        :meth:`demand_at`).
    work_by_process : ndarray, shape (n_processes,), or None
        Share of each process's work still bought as labour (in-house, vendor or captive):
        ``1 - mechanisms.it_work_bought_as_a_service`` for the IT processes, 1 for the
        others; None when it is 1 everywhere (before ``demand.cloud_start_year``, or the
        rule off). It scales the hours of a review, not the review hazard.
    """

    t: int
    year_index: int
    year: int
    quarter: int
    coordination_scale: float
    mean_term_years: float
    demand: float
    growth: float
    demand_by_review: np.ndarray | None = field(default=None, compare=False)
    work_by_process: np.ndarray | None = field(default=None, compare=False)

    def demand_at(self, home, process):
        """Demand multiplier of reviews at buyer home ``home`` and process ``process``
        (arrays of indices, shape (n,)): ``demand`` itself (a float) unless a shock of the
        quarter is confined, else ``demand_by_review[home, process]``, shape (n,)."""
        if self.demand_by_review is None:
            return self.demand
        return self.demand_by_review[home, process]

    @classmethod
    def of(cls, t: int, first_year: int, scenario: Scenario, world=None) -> "QuarterContext":
        """The context of quarter ``t`` of a run whose spin-up starts in ``first_year``.

        ``world`` (:class:`~simulation.world.World`) resolves the countries and processes
        a demand shock targets; without it every shock hits every review.
        """
        sc = scenario
        year = first_year + t // 4
        quarter = t % 4 + 1
        yf = year + (quarter - 1) / 4
        co, ct = sc.coordination, sc.contracts
        start_of = lambda y, q: quarter_index(first_year, y, q)  # noqa: E731
        demand = mech.demand_multiplier(t, sc.demand.shocks, start_of)
        by_review = None
        if world is not None and any(s.home != "all" or s.processes != "all"
                                     for s in sc.demand.shocks):
            m = mech.demand_multipliers(t, sc.demand.shocks, start_of, *shock_targets(
                sc, world), (world.n_countries, world.processes.n))
            if np.all(m == m.flat[0]):  # every review alike (e.g. a shock lists every home)
                demand = float(m.flat[0])
            else:
                by_review = m
                demand = mech.demand_multiplier(t, [s for s in sc.demand.shocks if s.home ==
                                                    "all" and s.processes == "all"], start_of)
        return cls(
            t=t, year_index=t // 4, year=year, quarter=quarter,
            coordination_scale=mech.coordination_scale(
                yf, co.coordination_cost_2000, co.coordination_cost_decline,
                co.coordination_cost_floor),
            mean_term_years=float(mech.mean_contract_term(
                yf, ct.term_mean_early_years, ct.term_mean_late_years,
                ct.term_drift_start_year, ct.term_drift_end_year)),
            demand=demand,
            growth=(1.0 + sc.demand.demand_growth) ** (yf - sc.time.start_year),
            demand_by_review=by_review,
            work_by_process=None if world is None else work_by_process(yf, sc, world))


def work_by_process(yf: float, scenario: Scenario, world) -> np.ndarray | None:
    """:attr:`QuarterContext.work_by_process` of year ``yf`` (float), or None when no work
    is bought as a service."""
    cloud = mech.it_work_bought_as_a_service(yf, world.cloud_years, world.cloud_it_shares,
                                             scenario.demand.it_as_a_service_scale)
    if cloud == 0.0:
        return None
    return np.where(world.processes.ito, 1.0 - cloud, 1.0)


def shock_targets(scenario: Scenario, world) -> tuple[list, list]:
    """The buyer home countries and processes each demand shock hits.

    Returns
    -------
    homes : list of ndarray of bool, shape (n_countries,)
    processes : list of ndarray of bool, shape (n_processes,)
        One per ``scenario.demand.shocks`` entry (:func:`mechanisms.process_group_mask`).
    """
    pr = world.processes
    homes = [np.ones(world.n_countries, bool) if s.home == "all"
             else np.isin(np.arange(world.n_countries), [world.index(c) for c in s.home])
             for s in scenario.demand.shocks]
    procs = [mech.process_group_mask(s.processes, pr.names, pr.ito, pr.front_office)
             for s in scenario.demand.shocks]
    return homes, procs
