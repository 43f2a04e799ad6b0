"""The quarter's context: the calendar and the exogenous drivers every rule of a quarter reads.

It is computed once at the start of each quarter (ODD step 1) and passed, frozen, to the
populations' rules, the market and the collector.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        Demand multiplier D(t) (:func:`mechanisms.demand_multiplier`), 1 = no shock.
    growth : float
        Work-volume growth factor G(t) = (1 + demand_growth) ** (t - start_year).
    """

    t: int
    year_index: int
    year: int
    quarter: int
    coordination_scale: float
    mean_term_years: float
    demand: float
    growth: float

    @classmethod
    def of(cls, t: int, first_year: int, scenario: Scenario) -> "QuarterContext":
        """The context of quarter ``t`` of a run whose spin-up starts in ``first_year``."""
        sc = scenario
        year = first_year + t // 4
        quarter = t % 4 + 1
        yf = year + (quarter - 1) / 4
        co, ct = sc.coordination, sc.contracts
        return cls(
            t=t, year_index=t // 4, year=year, quarter=quarter,
            coordination_scale=mech.coordination_scale(
                yf, co.coordination_cost_2000, co.coordination_cost_decline,
                co.coordination_cost_floor),
            mean_term_years=float(mech.mean_contract_term(
                yf, ct.term_mean_early_years, ct.term_mean_late_years,
                ct.term_drift_start_year, ct.term_drift_end_year)),
            demand=mech.demand_multiplier(t, sc.demand.shocks,
                                          lambda y, q: quarter_index(first_year, y, q)),
            growth=(1.0 + sc.demand.demand_growth) ** (yf - sc.time.start_year))
