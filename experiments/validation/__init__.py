"""Validation of bposim against economic theory and firm-level evidence (issue #7).

Each check is one function, ``check_*``, in a module of its own (:mod:`.sorting`,
:mod:`.coordination`, :mod:`.dispersion`, :mod:`.fixed_costs`, :mod:`.specificity`,
:mod:`.tax`, :mod:`.breach`), whose docstring names the claim and its source. A check runs
controlled experiments: every arm of an experiment is run with the same replication seeds
(common random numbers: the children of one :class:`numpy.random.SeedSequence`), and the
measured effect is the mean over replications of a per-replication statistic (for two
arms, the paired difference treatment - base).

Tolerance (the same for every claim, :mod:`.statistics`): the two-sided 95 % confidence
interval of the mean (Student t with n - 1 degrees of freedom over the n replications) must
lie entirely on the side of zero that the claim predicts. A claim whose interval covers
zero, or lies on the other side, fails. Nothing is tuned per check to make it pass; the
experiment designs are documented in ``docs/validation.md``.

The runs and what the checks see of them are in :mod:`.records`; the report folder of
``bposim validate`` is written by :mod:`.report`.
"""

from __future__ import annotations

from typing import Callable

from experiments.validation.breach import check_breach_risk
from experiments.validation.coordination import check_coordination_order
from experiments.validation.dispersion import check_productivity_dispersion
from experiments.validation.fixed_costs import check_fixed_costs_and_size
from experiments.validation.records import Replications
from experiments.validation.sorting import check_sorting_by_productivity
from experiments.validation.specificity import check_asset_specificity
from experiments.validation.statistics import CheckResult
from experiments.validation.tax import check_tax_channel

#: Every check, in report order.
CHECKS: dict[str, Callable[[Replications], CheckResult]] = {
    "sorting": check_sorting_by_productivity,
    "coordination": check_coordination_order,
    "dispersion": check_productivity_dispersion,
    "fixed_costs": check_fixed_costs_and_size,
    "specificity": check_asset_specificity,
    "tax": check_tax_channel,
    "breach": check_breach_risk,
}

__all__ = ["CHECKS", "check_sorting_by_productivity", "check_coordination_order",
           "check_productivity_dispersion", "check_fixed_costs_and_size",
           "check_asset_specificity", "check_tax_channel", "check_breach_risk"]
