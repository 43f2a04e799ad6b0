"""The vendor agent."""

from __future__ import annotations

import mesa
import numpy as np

from simulation.market import CAPACITY_TOLERANCE_HOURS


class Vendor(mesa.Agent):
    """A BPO vendor: a country, a capacity, process specialisations, a unit cost that falls
    with learning by doing, a price (cost plus an after-tax margin), a security level and a
    reputation. Its state is slot ``index`` of the model's vendor arrays; it is removed from
    the model when it exits.

    Parameters
    ----------
    model : BPOModel
    index : int
        Slot of this vendor in the model's vendor arrays.
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index
        self._requests: list[tuple[int, int, float, object]] = []
        self._signed: list[tuple[int, float]] = []

    # -------------------------------------------------- agent-by-agent decision path
    def receive_request(self, firm, row: int, priority: int, hours: float) -> None:
        """A firm chose this vendor in review ``row`` for ``hours`` hours per year;
        ``priority`` is the review's rank in the quarter's first-come order."""
        self._requests.append((priority, row, hours, firm))

    def accept_requests(self) -> None:
        """Answer this quarter's requests in priority order.

        The vendor accepts requests while they fit in its spare capacity at the start of
        the quarter (+ 1e-6 hours of rounding slack); at the first that does not fit it
        closes its book, and rejects the rest. The vectorised path applies the same rule
        to all vendors at once (:func:`simulation.market.resolve_capacity`).
        """
        spare = self.model.review_round.spare[self.index]
        booked = 0.0
        book_open = True
        for _priority, row, hours, firm in sorted(self._requests, key=lambda r: r[0]):
            if book_open and booked + hours <= spare + CAPACITY_TOLERANCE_HOURS:
                booked += hours
            else:
                book_open = False
                firm.hear_rejection(row)
        self._requests = []

    def confirm_contract(self, row: int, hours: float) -> None:
        """A firm signed the contract of review ``row`` for ``hours`` hours per year."""
        self._signed.append((row, hours))

    def book_signed_hours(self) -> None:
        """Add the hours signed this quarter to the committed hours (in review order)."""
        if not self._signed:
            return
        total = 0.0
        for _row, hours in sorted(self._signed):
            total += hours
        self.model.v_committed[self.index] += total
        self._signed = []

    @property
    def country_iso3(self) -> str:
        """ISO3 code of the country where the vendor works."""
        return self.model.world.iso3[int(self.model.v_country[self.index])]

    @property
    def capacity_hours(self) -> float:
        """Capacity, in-house-equivalent hours per year."""
        return float(self.model.v_capacity[self.index])

    @property
    def committed_hours(self) -> float:
        """Hours per year under contract (never above capacity)."""
        return float(self.model.v_committed[self.index])

    @property
    def utilisation(self) -> float:
        """Committed / capacity (0-1)."""
        cap = self.capacity_hours
        return self.committed_hours / cap if cap > 0 else 0.0

    @property
    def reputation(self) -> float:
        """Reputation, 0-1; falls after each breach."""
        return float(self.model.v_reputation[self.index])

    @property
    def after_tax_margin(self) -> float:
        """Target after-tax margin on cost (fraction)."""
        return float(self.model.v_margin[self.index])

    @property
    def learning(self) -> float:
        """Learning multiplier on unit cost (<= 1)."""
        return float(self.model.v_learning[self.index])

    @property
    def specialisations(self) -> np.ndarray:
        """Processes offered, bool array of shape (n_processes,)."""
        return self.model.v_specialised[self.index]

    @property
    def active(self) -> bool:
        """False once the vendor has exited."""
        return bool(self.model.v_active[self.index])
