"""Validation of bposim against economic theory and firm-level evidence (issue #7).

Each check is one function, ``check_*``, in a module of its own (:mod:`.sorting`,
:mod:`.coordination`, :mod:`.dispersion`, :mod:`.fixed_costs`, :mod:`.specificity`,
:mod:`.tax`, :mod:`.breach`, :mod:`.drivers`), whose docstring names the claim and its
source. A check runs controlled experiments: every arm of an experiment is run with the same
replication seeds (common random numbers: the children of one
:class:`numpy.random.SeedSequence`), and the measured effect is the mean over replications of a per-replication statistic (for two
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
from experiments.validation.drivers import check_driver_elasticities
from experiments.validation.fixed_costs import check_fixed_costs_and_size
from experiments.validation.records import Replications, Size
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
    "drivers": check_driver_elasticities,
}

#: The arms each check runs (labels of :meth:`Replications.arm`), then those of its
#: diagnostics (run only at sizes with ``diagnostics``). One label is one scenario, run
#: once however many checks use it. They give ``bposim validate`` the total of its
#: progress; ``tests/test_validation.py`` checks them against the runs made.
ARMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # the sorting arm is the "USA buyers" scenario (captives on by default, default fixed
    # costs), so it is declared under that label and counted once
    "sorting": (("USA buyers", "sorting, reversed"), ("sorting, abundant capacity",)),
    "coordination": (("default", "coordination x 0.6", "USA buyers",
                      "USA buyers, wages abroad x 0.8"), ()),
    "dispersion": (("default", "Pareto shape 2"),
                   ("abundant capacity", "abundant capacity, Pareto shape 2")),
    "fixed_costs": (("default", "offshore fixed cost 2.0"), ()),
    "specificity": (("default", "specificity x 3"), ()),
    "tax": (("default", "IND tax 0.10", "captives, USA buyers, no US vendors",
             "captives, USA buyers, no US vendors, USA tax 0"), ()),
    "breach": (("default", "offshore breach multiplier 6", "breach hazard x 5"), ()),
    "drivers": (("default", "coordination cost", "breach hazard", "backlash", "hidden costs",
                 "hidden-cost bias", "labour cost of India", "tax rate of India"), ()),
}


def planned_runs(keys, size: Size) -> int:
    """Model runs of the checks ``keys`` at ``size``: distinct arms x replications."""
    arms = {a for k in keys for a in ARMS[k][0] + (ARMS[k][1] if size.diagnostics else ())}
    return len(arms) * size.replications


__all__ = ["CHECKS", "ARMS", "planned_runs", "check_sorting_by_productivity", "check_coordination_order",
           "check_productivity_dispersion", "check_fixed_costs_and_size",
           "check_asset_specificity", "check_tax_channel", "check_breach_risk",
           "check_driver_elasticities"]
