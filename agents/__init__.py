"""Mesa agents of bposim: buyer firms and vendors.

Their state lives in arrays on the model (struct of arrays, so that all reviews of a
quarter can be decided at once); each agent's attributes read and write its slice.
"""

from agents.firm import Firm
from agents.vendor import Vendor

__all__ = ["Firm", "Vendor"]
