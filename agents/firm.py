"""The buyer firm agent."""

from __future__ import annotations

import mesa
import numpy as np


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
