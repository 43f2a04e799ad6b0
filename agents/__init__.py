"""The populations of bposim: buyer firms (:class:`Firms`) and vendors (:class:`Vendors`).

Each population owns its state as arrays (struct of arrays, so that a rule runs on all
agents at once) and its rules as methods; ``population[i]`` is a read-only view of one
agent. The populations do not call each other, and nothing here imports the model: the
model's schedule (:mod:`simulation.model`) carries the messages between them.
"""

from agents.firms import Firms
from agents.vendors import Vendors

__all__ = ["Firms", "Vendors"]
