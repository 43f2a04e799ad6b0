"""The buyer firm agent."""

from __future__ import annotations

import mesa
import numpy as np

from simulation.market import build_reviews, contract_outcomes, decide, refused_choice


class Firm(mesa.Agent):
    """A buyer firm: a home country, a size and productivity, a portfolio of processes.

    Each process is in-house, under a vendor contract or (when enabled) in a captive
    centre. The decision rules are in :mod:`simulation.market` and
    :mod:`simulation.mechanisms`; the firm's state is row ``index`` of the model's arrays.

    Parameters
    ----------
    model : BPOModel
    index : int
        Row of this firm in the model's firm arrays.
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index
        # agent-by-agent path only (None otherwise, so that a million firms stay small):
        self._decision = None   # this quarter's reviews, options and choices
        self._rejected: list[int] | None = None   # review rows the vendors turned down

    # -------------------------------------------------- agent-by-agent decision path
    def step(self) -> None:
        """Review this firm's processes that are due for review this quarter.

        Used by the agent-by-agent path (``BPOModel(decision_path="agents")``); the
        vectorised path decides all firms' reviews at once with the same functions. For
        each review the firm draws its consideration set, prices its options and chooses
        (:func:`simulation.market.decide`), using its own rows of the quarter's random
        draws, then asks the chosen vendor for capacity. Nothing changes until
        :meth:`settle`. Does nothing outside a review round.
        """
        model = self.model
        rnd = model.review_round
        self._decision, self._rejected = None, None
        if rnd is None:
            return
        rows = rnd.rows_of_firm(self.index)
        if rows.start == rows.stop:
            return
        rv = build_reviews(model, rnd.pairs[rows], rnd.ended[rows], rnd.expired[rows],
                           rnd.growth, rnd.demand)
        opts, choice = decide(model, rv, rnd.u_cons[rows], rnd.u_choice[rows],
                             rnd.consideration)
        self._decision = (rows, rv, opts, choice)
        priority = rnd.priority
        for i, row in enumerate(range(rows.start, rows.stop)):
            vendor = int(opts.vendor[i, choice[i]])
            if vendor >= 0:
                model.vendor_agents[vendor].receive_request(self, row, int(priority[row]),
                                                            float(rv.hours[i]))

    def hear_rejection(self, row: int) -> None:
        """A vendor had no room for the request of review ``row`` (see
        :func:`simulation.market.refused_choice` for where the work goes)."""
        if self._rejected is None:
            self._rejected = []
        self._rejected.append(row)

    def settle(self) -> None:
        """Sign the contracts the vendors accepted; a rejected request keeps an in-house or
        captive status quo, else the work goes in-house (:func:`refused_choice`).

        Writes this firm's new arrangements (:meth:`BPOModel.apply_outcomes`), records
        them in the quarter's outcomes and tells each vendor the hours it signed.
        """
        if self._decision is None:
            return
        model = self.model
        rnd = model.review_round
        rows, rv, opts, choice = self._decision
        choice = choice.copy()
        if self._rejected:
            rej = np.asarray(self._rejected, dtype=np.int64) - rows.start
            choice[rej] = refused_choice(rv, opts)[rej]
        out = contract_outcomes(rv, opts, choice, rnd.term_draw[rows],
                                model.scenario_config.contracts.term_min_quarters)
        model.apply_outcomes(rv, out)
        model.review_outcomes.put(rows, out)
        for i in np.nonzero(out.signed)[0]:
            model.vendor_agents[int(out.vendor[i])].confirm_contract(rows.start + int(i),
                                                                     float(rv.hours[i]))
        self._decision, self._rejected = None, None

    @property
    def home_iso3(self) -> str:
        """ISO3 code of the home country."""
        return self.model.world.iso3[int(self.model.firm_home[self.index])]

    @property
    def productivity(self) -> float:
        """Productivity draw (Pareto, minimum 1)."""
        return float(self.model.firm_productivity[self.index])

    @property
    def employees(self) -> float:
        """Employees (``employees_min * productivity ** size_elasticity``, truncated)."""
        return float(self.model.firm_employees[self.index])

    @property
    def experience_years(self) -> float:
        """Years of outsourced process-quarters so far (drives the hidden-cost bias)."""
        return float(self.model.firm_experience[self.index])

    @property
    def _pairs(self) -> slice:
        P = self.model.n_processes
        return slice(self.index * P, (self.index + 1) * P)

    @property
    def modes(self) -> np.ndarray:
        """Sourcing mode per process, shape (n_processes,): 0 in-house, 1 vendor, 2 captive."""
        return self.model.p_mode[self._pairs]

    @property
    def vendors(self) -> np.ndarray:
        """Vendor index per process (-1 if none), shape (n_processes,)."""
        return self.model.p_vendor[self._pairs]

    @property
    def acv_usd(self) -> np.ndarray:
        """Annual contract value per process, USD/year (0 if in-house)."""
        return self.model.p_acv[self._pairs]

    @property
    def n_outsourced(self) -> int:
        """Number of processes under a vendor contract."""
        return int((self.modes == 1).sum())
