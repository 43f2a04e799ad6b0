"""The vendor agent."""

from __future__ import annotations

import mesa
import numpy as np


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
