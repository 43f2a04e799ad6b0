"""Test oracle: the quarter's market cleared agent by agent, as plain loops.

:func:`simulation.market.clear_market` decides all reviews of a quarter at once with numpy.
:func:`clear_agent_by_agent` clears the same quarter the readable way, over the public
state of the populations:

1. each firm, one after the other, decides its own reviews with the model's decision
   functions (:func:`~simulation.market.build_reviews`, :func:`~simulation.market.decide`)
   on its own rows of the quarter's draws, and sends a request to each vendor it chose;
2. each vendor answers its requests in priority order: it accepts them while they fit in
   its spare capacity at the start of the quarter (+ ``CAPACITY_TOLERANCE_HOURS``), and at
   the first that does not fit it closes its book and turns the rest down;
3. each firm settles: a turned-down review falls back to
   :func:`~simulation.market.refused_choice`, then
   :func:`~simulation.market.contract_outcomes`.

Firms read only the state of the quarter's start until all have decided, so the order in
which agents act does not matter (``reverse=True`` has them act in reverse order).
:class:`AgentByAgentModel` is a :class:`~simulation.model.BPOModel` that clears its
markets this way; the tests compare it with the model bit for bit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields

import numpy as np

from agents.vendors import CAPACITY_TOLERANCE_HOURS
from simulation.market import (Outcomes, Reviews, build_reviews, contract_outcomes, decide,
                               refused_choice)
from simulation.model import BPOModel


def _concat(cls, parts):
    """One dataclass of ``cls`` from parts in row order (arrays concatenated)."""
    return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                  for f in fields(cls)})


def clear_agent_by_agent(due, draws, firms, vendors, world, scenario, ctx, reverse=False):
    """Clear one quarter agent by agent (see the module docstring).

    Same arguments as :func:`simulation.market.clear_market`, plus ``reverse`` (firms and
    vendors act in reverse order).

    Returns
    -------
    reviews : Reviews
    outcomes : Outcomes
        Rows in the order of ``due.pairs``, as :func:`~simulation.market.clear_market`.
    n_rejected : int
        Requests the vendors turned down.
    """
    P = firms.n_processes
    firm_order = range(firms.n - 1, -1, -1) if reverse else range(firms.n)
    vendor_order = range(vendors.n - 1, -1, -1) if reverse else range(vendors.n)
    consideration = vendors.consideration_index()
    priority = np.empty(len(due), dtype=np.int64)
    priority[draws.order] = np.arange(len(due))

    # 1. each firm decides its own reviews and asks the vendors it chose
    decisions = {}
    requests = defaultdict(list)  # vendor -> [(priority, row, hours)]
    for f in firm_order:
        lo, hi = (int(x) for x in np.searchsorted(due.pairs, [f * P, (f + 1) * P]))
        if lo == hi:
            continue
        rows = slice(lo, hi)
        rv = build_reviews(firms, vendors, scenario, ctx, due.pairs[rows], due.ended[rows],
                           due.expired[rows])
        opts, choice = decide(firms, vendors, world, scenario, ctx, rv, draws.u_cons[rows],
                              draws.u_choice[rows], consideration)
        decisions[f] = (rows, rv, opts, choice)
        for i in range(hi - lo):
            vendor = int(opts.vendor[i, choice[i]])
            if vendor >= 0:
                requests[vendor].append((int(priority[lo + i]), lo + i, float(rv.hours[i])))

    # 2. each vendor answers its requests in priority order
    rejected = set()
    for v in vendor_order:
        spare = vendors.capacity[v] - vendors.committed[v]
        booked, book_open = 0.0, True
        for _priority, row, hours in sorted(requests.get(v, [])):
            if book_open and booked + hours <= spare + CAPACITY_TOLERANCE_HOURS:
                booked += hours
            else:
                book_open = False
                rejected.add(row)

    # 3. each firm settles
    settled = {}
    for f in firm_order:
        if f not in decisions:
            continue
        rows, rv, opts, choice = decisions[f]
        choice = choice.copy()
        turned_down = [row - rows.start for row in range(rows.start, rows.stop)
                       if row in rejected]
        if turned_down:
            choice[turned_down] = refused_choice(rv, opts)[turned_down]
        settled[rows.start] = (rv, contract_outcomes(rv, opts, choice, draws.term_draw[rows],
                                                     scenario.contracts.term_min_quarters))
    parts = [settled[start] for start in sorted(settled)]
    return (_concat(Reviews, [rv for rv, _ in parts]),
            _concat(Outcomes, [out for _, out in parts]), len(rejected))


class AgentByAgentModel(BPOModel):
    """:class:`~simulation.model.BPOModel` whose markets clear agent by agent.

    Parameters
    ----------
    *args, **kwargs
        As :class:`~simulation.model.BPOModel`.
    reverse : bool
        Firms and vendors act in reverse order.

    Attributes
    ----------
    n_rejected : int
        Requests the vendors turned down so far.
    """

    def __init__(self, *args, reverse: bool = False, **kwargs):
        self.reverse = reverse
        self.n_rejected = 0
        super().__init__(*args, **kwargs)

    def _clear_market(self, due, draws, ctx):
        reviews, outcomes, n_rejected = clear_agent_by_agent(
            due, draws, self.firms, self.vendors, self.world, self.scenario_config, ctx,
            reverse=self.reverse)
        self.n_rejected += n_rejected
        return reviews, outcomes
