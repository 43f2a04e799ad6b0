"""The vendors: their state and the vendor-side rules.

:class:`Vendors` holds the state of all simulated BPO vendors as growable arrays (struct of
arrays): entrants take new slots, and a vendor that exits keeps its slot, inactive. Each
rule is one method; the model's schedule (:class:`simulation.model.BPOModel`) calls them in
the ODD order and brings them what the firms did (contracts, hours released and signed).
``vendors[j]`` is a read-only view of vendor ``j`` (:class:`VendorView`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation import kernels
from simulation import mechanisms as mech
from simulation.config import Scenario
from simulation.context import QuarterContext
from simulation.world import World

#: Rounding slack when a request is checked against a vendor's spare capacity, hours/year.
CAPACITY_TOLERANCE_HOURS = 1e-6


@dataclass(frozen=True)
class ConsiderationIndex:
    """Inverse-CDF tables for drawing consideration sets, one per process.

    For process p, ``vendors[p]`` holds the vendor slots that can be drawn (active, offering
    p, positive weight), increasing, and ``cumw[p]`` the running sum of their weights. Its
    size is the number of (vendor, process) offers: nothing here is firms x vendors or
    reviews x vendors. Drawn by :func:`simulation.market.sample_consideration`.
    """

    vendors: list          # per process: ndarray of int, vendor slots
    cumw: list             # per process: ndarray of float, running sum of weights
    n_slots: int           # number of vendor slots (drawn indices are < n_slots)
    flat_vendors: np.ndarray | None = None  # the vendors of all processes, concatenated
    flat_cumw: np.ndarray | None = None     # the running sums of all processes, concatenated
    offsets: np.ndarray | None = None       # process p: flat entries offsets[p]:offsets[p + 1]


@dataclass(frozen=True)
class VendorView:
    """One vendor's state, a read-only copy (``model.vendors[j]``)."""

    unique_id: int             # slot of the vendor in :class:`Vendors`
    country_iso3: str          # where the vendor works
    capacity_hours: float      # in-house-equivalent hours per year
    committed_hours: float     # hours per year under contract (never above capacity)
    after_tax_margin: float    # target after-tax margin on cost (fraction)
    reputation: float          # 0-1; falls after each breach
    learning: float            # learning multiplier on unit cost (<= 1)
    revenue_q_usd: float       # revenue of the last quarter, USD
    profit_q_usd: float        # profit of the last quarter, USD
    specialisations: np.ndarray  # bool per process: the processes offered
    active: bool               # False once the vendor has exited

    @property
    def utilisation(self) -> float:
        """Committed / capacity (0-1)."""
        return self.committed_hours / self.capacity_hours if self.capacity_hours > 0 else 0.0


def segmented_cumsum(values, starts):
    """Running sums that restart at each segment, added one by one as a loop would.

    ``out[i] = values[s] + ... + values[i]`` for the segment ``[s, e)`` holding ``i``,
    summed left to right, so each entry is bit-identical to a per-segment Python loop
    (``total += x``). A single ``np.cumsum`` over all segments minus each segment's
    offset is not: its rounding grows with the sum of all earlier segments.

    Parameters
    ----------
    values : ndarray of float, shape (n,)
    starts : ndarray of int, shape (m,)
        Index of the first entry of each segment, increasing, ``starts[0] == 0``.

    Returns
    -------
    ndarray of float, shape (n,)

    Notes
    -----
    The cost is O(n) numpy work plus ``min(m, longest segment)`` Python iterations: it
    loops over segments when they are few and over positions within segments otherwise.
    """
    n = len(values)
    out = np.array(values, dtype=float, copy=True)
    if n == 0:
        return out
    ends = np.r_[starts[1:], n]
    sizes = ends - starts
    longest = int(sizes.max())
    if len(starts) <= longest:
        for s, e in zip(starts.tolist(), ends.tolist()):
            np.cumsum(out[s:e], out=out[s:e])
        return out
    # loop over positions: entries at position j of their segment add the entry before
    pos = np.arange(n) - np.repeat(starts, sizes)
    by_pos = np.argsort(pos, kind="stable")
    bounds = np.cumsum(np.bincount(pos))
    for j in range(1, longest):
        idx = by_pos[bounds[j - 1]:bounds[j]]
        out[idx] += out[idx - 1]
    return out


def resolve_capacity(chosen_vendor, hours, order, spare):
    """Which vendor choices a vendor can accept, given its spare capacity.

    Requests are handled in the order ``order`` (a permutation of the reviews). Each
    vendor accepts requests in that order until the first one that does not fit; then it
    closes its book for the quarter. A request fits when the hours the vendor has
    accepted so far plus its own are at most the spare capacity (+
    ``CAPACITY_TOLERANCE_HOURS`` for rounding). Assumption: first come, first served,
    with a random arrival order.

    Parameters
    ----------
    chosen_vendor : ndarray of int, shape (n,)
        Vendor index per review, -1 for non-vendor choices.
    hours : ndarray, shape (n,)
        Hours per year requested (>= 0).
    order : ndarray of int, shape (n,)
        Priority order (a permutation of ``range(n)``).
    spare : ndarray, shape (n_vendors,)
        Spare capacity, hours per year.

    Returns
    -------
    ndarray of bool, shape (n,)
        True where the choice is accepted (always True for non-vendor choices).

    Notes
    -----
    The running total per vendor is summed request by request
    (:func:`segmented_cumsum`), so it is bit-identical to a per-vendor loop (the oracle in
    ``tests/oracle_agents.py``). Hours are non-negative, so a vendor's running total never
    falls: the requests that fit are the longest fitting prefix of its queue, exactly the
    loop's rule.
    """
    ok = np.ones(len(chosen_vendor), dtype=bool)
    sel = order[chosen_vendor[order] >= 0]
    if len(sel) == 0:
        return ok
    v = chosen_vendor[sel]
    h = hours[sel]
    srt = np.argsort(v, kind="stable")  # group by vendor, keep priority order within
    vs, hs = v[srt], h[srt]
    starts = np.r_[0, np.nonzero(vs[1:] != vs[:-1])[0] + 1]
    within = segmented_cumsum(hs, starts)
    fits = within <= spare[vs] + CAPACITY_TOLERANCE_HOURS
    acc = np.empty(len(sel), dtype=bool)
    acc[srt] = fits
    ok[sel] = acc
    return ok


class Vendors:
    """All simulated vendors, in growable arrays (one slot per vendor that ever entered).

    Vendors are sampled at the same rate as firms (one simulated vendor per
    ``1 / sampling`` real ones), so the market does not depend on ``n_firms``.

    Parameters
    ----------
    scenario : Scenario
    world : World
    rng : numpy.random.Generator
        Draws the initial vendors (:meth:`spawn`).
    sampling : float
        Simulated vendors per real vendor (``n_firms / real_buyer_firms``).

    Attributes
    ----------
    n : int
        Slots in use (vendors that ever entered); every array below has length ``n``.
    country : ndarray of int
        Country where the vendor works.
    capacity, committed : ndarray
        Capacity and hours under contract, in-house-equivalent hours per year.
    pending : ndarray
        Capacity on order, hours per year; ``pending_step`` (int): its arrival quarter,
        -1 if none.
    security : ndarray
        Security multiplier of the breach hazard (``(1 - security) / mean(1 - security)``).
    reputation, margin : ndarray
        Reputation (0-1) and target after-tax margin (fraction).
    cum_hours, ref_hours, learning : ndarray
        Cumulative hours worked, reference hours (capacity at entry), learning multiplier.
    loss_quarters : ndarray of int
        Consecutive loss quarters.
    active : ndarray of bool
        False once the vendor has exited.
    entered : ndarray of int
        Quarter of entry.
    revenue_q, profit_q, tax_q : ndarray
        Revenue, after-tax profit and corporate tax of the last quarter, USD (0 once
        exited).
    specialised : ndarray of bool, shape (n, n_processes)
        Processes offered.
    """

    _FIELDS = {
        "country": (np.int64, 0), "capacity": (float, 0.0), "committed": (float, 0.0),
        "pending": (float, 0.0), "pending_step": (np.int64, -1), "security": (float, 1.0),
        "reputation": (float, 0.0), "margin": (float, 0.0), "cum_hours": (float, 0.0),
        "ref_hours": (float, 1.0), "learning": (float, 1.0), "loss_quarters": (np.int64, 0),
        "active": (bool, False), "entered": (np.int64, 0), "revenue_q": (float, 0.0),
        "profit_q": (float, 0.0), "tax_q": (float, 0.0),
    }

    def __init__(self, scenario: Scenario, world: World, rng: np.random.Generator,
                 sampling: float):
        self.scenario, self.world, self.sampling = scenario, world, sampling
        self.n_processes = world.processes.n
        self.n = 0
        self._buffers: dict[str, np.ndarray] = {}
        vc = scenario.vendors
        n0 = int(round(vc.n_initial_vendors * sampling))
        if vc.n_initial_vendors > 0:
            n0 = max(n0, 1)
        self._grow(max(64, n0 * 2))
        self._set_views()
        n_c, p_c = self._country_draw_args(np.zeros(world.n_countries), 0)
        self.spawn(n0, rng.choice(n_c, size=n0, p=p_c), rng, t=0)

    def _grow(self, size: int) -> None:
        for name, (dt, fill) in self._FIELDS.items():
            new = np.full(size, fill, dtype=dt)
            old = self._buffers.get(name)
            if old is not None:
                new[:len(old)] = old
            self._buffers[name] = new
        spec = np.zeros((size, self.n_processes), dtype=bool)
        old = self._buffers.get("specialised")
        if old is not None:
            spec[:len(old)] = old
        self._buffers["specialised"] = spec

    def _set_views(self) -> None:
        """Point the public arrays at the first ``n`` slots of the buffers."""
        for name, buf in self._buffers.items():
            setattr(self, name, buf[:self.n])

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return self.n

    def __getitem__(self, j: int) -> VendorView:
        if not 0 <= j < self.n:
            raise IndexError(f"vendor {j} out of range(0, {self.n})")
        return VendorView(
            unique_id=int(j), country_iso3=self.world.iso3[int(self.country[j])],
            capacity_hours=float(self.capacity[j]), committed_hours=float(self.committed[j]),
            after_tax_margin=float(self.margin[j]), reputation=float(self.reputation[j]),
            learning=float(self.learning[j]), revenue_q_usd=float(self.revenue_q[j]),
            profit_q_usd=float(self.profit_q[j]), specialisations=self.specialised[j].copy(),
            active=bool(self.active[j]))

    # ------------------------------------------------------------------ entry
    def _country_draw_args(self, acv_by_country: np.ndarray, year_index: int):
        """Number of countries and the probabilities of an entrant's country in year
        ``year_index`` (:func:`mechanisms.entry_location_weights`: weight x agglomeration x
        exp(-semi-elasticity x the expected tax rate of a new unit), §7.12)."""
        w, vc = self.world, self.scenario.vendors
        wts = np.zeros(w.n_countries)
        for c, x in vc.vendor_country_weights.items():
            wts[w.index(c)] = x
        total = acv_by_country.sum()
        share = acv_by_country / total if total > 0 else np.zeros_like(acv_by_country)
        p = mech.entry_location_weights(wts, share, w.entrant_tax_rate[:, year_index],
                                        vc.entry_tax_semi_elasticity,
                                        vc.entry_agglomeration_weight)
        return w.n_countries, p / p.sum()

    def spawn(self, k: int, countries: np.ndarray, rng: np.random.Generator, t: int) -> None:
        """Create ``k`` vendors in the given countries in quarter ``t`` (§7.10, entry).

        Draws, in order: capacities (lognormal around ``initial_capacity_fte_median``),
        specialisations, one forced specialisation each, security (Beta).
        """
        if k == 0:
            return
        vc = self.scenario.vendors
        start = self.n
        if start + k > len(self._buffers["country"]):
            self._grow(max(2 * len(self._buffers["country"]), start + k))
        cap = vc.initial_capacity_fte_median * mech.HOURS_PER_FTE_YEAR * np.exp(
            vc.capacity_sigma * rng.standard_normal(k))
        spec = rng.random((k, self.n_processes)) < vc.specialisation_prob
        forced = rng.integers(0, self.n_processes, size=k)
        spec[np.arange(k), forced] = True
        sec = rng.beta(vc.security_beta_a, vc.security_beta_b, size=k)
        mean_insec = vc.security_beta_b / (vc.security_beta_a + vc.security_beta_b)
        self.n = start + k
        self._set_views()
        new = slice(start, start + k)
        self.country[new] = countries
        self.capacity[new] = cap
        self.committed[new] = 0.0
        self.security[new] = (1.0 - sec) / mean_insec
        self.reputation[new] = vc.reputation_initial
        self.margin[new] = vc.target_after_tax_margin
        self.ref_hours[new] = cap
        self.learning[new] = 1.0
        self.active[new] = True
        self.entered[new] = t
        self.specialised[new] = spec

    # ------------------------------------------------------------------ market side
    def consideration_index(self) -> ConsiderationIndex:
        """Sampling tables of the consideration sets (:class:`ConsiderationIndex`, §7.2).

        A vendor's chance to enter a consideration set for process p is proportional to its
        visibility (capacity, hours/year) x reputation (0-1), among active vendors offering
        p (assumption: buyers hear of large, reputable vendors first).

        Notes
        -----
        Only vendors with positive weight are kept; their running sums equal those of the
        full vector (adding a zero weight changes no sum), so draws are the same as an
        inverse CDF over all vendor slots, at a cost that grows with the log of the offers.
        """
        if kernels.USE_KERNELS:
            ids, cw, off = kernels.consideration_tables(self.capacity, self.reputation,
                                                        self.active, self.specialised)
            return ConsiderationIndex(
                vendors=[ids[off[p]:off[p + 1]] for p in range(self.n_processes)],
                cumw=[cw[off[p]:off[p + 1]] for p in range(self.n_processes)],
                n_slots=self.n, flat_vendors=ids, flat_cumw=cw, offsets=off)
        w = self.capacity * self.reputation * self.active
        vendors, cumw = [], []
        for p in range(self.n_processes):
            wp = w * self.specialised[:, p]
            ids = np.flatnonzero(wp > 0)
            vendors.append(ids)
            cumw.append(np.cumsum(wp[ids]))
        return ConsiderationIndex(vendors=vendors, cumw=cumw, n_slots=self.n)

    def accept_requests(self, chosen_vendor, hours, order) -> np.ndarray:
        """Answer the quarter's requests in priority order against today's spare capacity
        (:func:`resolve_capacity`, §7.5). Shapes ``(n,)``; returns bool, shape ``(n,)``."""
        spare = self.capacity - self.committed
        if kernels.USE_KERNELS:
            return kernels.resolve_capacity(chosen_vendor, hours, order, spare,
                                            CAPACITY_TOLERANCE_HOURS)
        return resolve_capacity(chosen_vendor, hours, order, spare)

    def commit(self, vendor: np.ndarray, hours: np.ndarray) -> None:
        """Book the hours of signed contracts (``vendor``, ``hours``: one entry per
        contract, in review order) as committed."""
        self.committed += np.bincount(vendor, hours, minlength=self.n)[:self.n]

    def release(self, vendor: np.ndarray, hours: np.ndarray) -> None:
        """Release the hours of ended contracts (one entry per contract)."""
        if len(vendor):
            self.committed -= np.bincount(vendor, hours, minlength=self.n)[:self.n]
            np.maximum(self.committed, 0.0, out=self.committed)

    # ------------------------------------------------------------------ life cycle
    def receive_capacity(self, t: int) -> None:
        """Capacity ordered earlier arrives in quarter ``t`` (ODD step 2)."""
        arrive = self.pending_step == t
        self.capacity[arrive] += self.pending[arrive]
        self.pending[arrive] = 0.0
        self.pending_step[arrive] = -1

    def lose_reputation(self, breached: np.ndarray) -> None:
        """Reputation x (1 - ``reputation_breach_penalty``) per breach (§7.8);
        ``breached``: the vendor of each breached contract."""
        if len(breached):
            hits = np.bincount(breached, minlength=self.n)[:self.n]
            self.reputation *= (1.0 - self.scenario.vendors.reputation_breach_penalty) ** hits

    def tax_rate_for(self, slots, buyer_home, year_index: int) -> np.ndarray:
        """Effective corporate tax rate of vendors on a buyer's contract (fraction, §7.12).

        The statutory rate of the vendor's country for a buyer in that country; otherwise
        the rate on export income under the BPO tax regimes for the vendor's entry year and
        age (``World.export_tax_rate``). ``slots`` and ``buyer_home`` broadcast (slots must
        be valid).
        """
        w = self.world
        c = self.country[slots]
        return np.where(buyer_home == c, w.tax_rate[c, year_index],
                        w.export_tax_rate[c, self.entered[slots] // 4, year_index])

    def keep_accounts(self, vendor, acv, work_hours, buyer_home, ctx: QuarterContext) -> None:
        """The quarter's revenue, corporate tax and after-tax profit (§7.10, §7.12).

        Parameters
        ----------
        vendor, acv, work_hours, buyer_home : ndarray, shape (n_contracts,)
            The contracts in force: vendor, ACV (USD/year), hours x wage multiplier, home
            country of the buyer.
        ctx : QuarterContext

        Notes
        -----
        revenue = sum ACV / 4; costs (work, idle capacity, overhead) at the host's labour
        cost x ``cost_to_wage_ratio`` x ``vendor_efficiency`` x learning, per quarter. Tax
        (:func:`mechanisms.vendor_profit_tax`): the statutory rate on the domestic share of
        positive profit, the export regime's rate on the export share (of positive profit,
        or of positive gross income = revenue - work and idle costs where the regime taxes
        gross income). ``profit_q`` is after tax. Exited vendors book 0.
        """
        sc, w = self.scenario, self.world
        vc, n = sc.vendors, self.n
        if kernels.USE_KERNELS:
            rev_sum, work_sum, export_sum = kernels.vendor_sums(vendor, acv, work_hours,
                                                                buyer_home, self.country, n)
        else:
            rev_sum = np.bincount(vendor, acv, minlength=n)[:n]
            work_sum = np.bincount(vendor, work_hours, minlength=n)[:n]
            export_sum = np.bincount(vendor, acv * (buyer_home != self.country[vendor]),
                                     minlength=n)[:n]
        revenue = rev_sum / 4.0
        wage = w.labour_cost[self.country, ctx.year_index] * sc.labour.cost_to_wage_ratio \
            * vc.vendor_efficiency * self.learning
        work_cost = work_sum * wage / 4.0
        idle = np.maximum(self.capacity - self.committed, 0.0)
        idle_cost = idle * wage * vc.idle_cost_fraction / 4.0
        overhead = vc.overhead_fte * mech.HOURS_PER_FTE_YEAR * wage / self.learning / 4.0
        gross_income = revenue - work_cost - idle_cost
        export = export_sum / 4.0
        yi, c, ey = ctx.year_index, self.country, self.entered // 4
        tax = mech.vendor_profit_tax(
            gross_income - overhead, gross_income,
            np.divide(export, revenue, out=np.ones(n), where=revenue > 0),
            w.tax_rate[c, yi], w.export_tax_rate[c, ey, yi], w.export_tax_gross[c, ey, yi])
        profit = gross_income - overhead - tax
        self.revenue_q[:] = np.where(self.active, revenue, 0.0)
        self.profit_q[:] = np.where(self.active, profit, 0.0)
        self.tax_q[:] = np.where(self.active, tax, 0.0)

    def learn(self) -> None:
        """Learning by doing (§7.10, :func:`mechanisms.learning_factor`)."""
        vc = self.scenario.vendors
        self.cum_hours += self.committed / 4.0
        self.learning[:] = mech.learning_factor(self.cum_hours, self.ref_hours,
                                                vc.progress_ratio, vc.learning_floor)

    def recover_reputation(self) -> None:
        """Reputation recovers by ``reputation_recovery`` x (initial - reputation)."""
        vc = self.scenario.vendors
        self.reputation += vc.reputation_recovery * (vc.reputation_initial - self.reputation)

    def _utilisation(self):
        """Busy (above ``utilisation_expand``) and idle (below ``utilisation_shrink``)."""
        vc = self.scenario.vendors
        util = np.where(self.capacity > 0, self.committed / self.capacity, 0.0)
        return util > vc.utilisation_expand, util < vc.utilisation_shrink

    def set_margins(self) -> None:
        """Pricing: the target margin rises by ``margin_step`` when busy, falls when idle,
        within [``margin_min``, ``margin_max``] (§7.10)."""
        vc = self.scenario.vendors
        hi, lo = self._utilisation()
        m = self.margin + vc.margin_step * (hi.astype(float) - lo.astype(float))
        self.margin[:] = np.clip(m, vc.margin_min, vc.margin_max)

    def adjust_capacity(self, t: int) -> None:
        """Capacity orders and cuts (§7.10): a busy vendor with nothing on order and a
        positive after-tax profit (:func:`mechanisms.capacity_order`) orders capacity x
        ``capacity_growth``, arriving ``capacity_lag_quarters`` after quarter ``t``; an
        idle vendor cuts capacity by ``capacity_growth`` / 2, never below its committed
        hours."""
        vc = self.scenario.vendors
        _, lo = self._utilisation()
        util = np.where(self.capacity > 0, self.committed / self.capacity, 0.0)
        order = self.active & mech.capacity_order(util, self.profit_q, vc.utilisation_expand,
                                                  self.pending_step >= 0)
        add = self.capacity * vc.capacity_growth
        if vc.capacity_lag_quarters == 0:
            self.capacity += np.where(order, add, 0.0)
        else:
            self.pending[:] = np.where(order, add, self.pending)
            self.pending_step[:] = np.where(order, t + vc.capacity_lag_quarters,
                                            self.pending_step)
        shrink = self.active & lo
        self.capacity[:] = np.where(
            shrink, np.maximum(self.committed, self.capacity * (1 - vc.capacity_growth / 2)),
            self.capacity)

    def exit(self, t: int) -> np.ndarray:
        """Exit after ``exit_loss_quarters`` after-tax loss quarters in a row, once
        ``entry_grace_quarters`` have passed since entry (§7.10).

        Returns
        -------
        ndarray of bool, shape (n,)
            The vendors that exit in quarter ``t`` (their contracts are orphaned).
        """
        vc = self.scenario.vendors
        grace = t - self.entered >= vc.entry_grace_quarters
        self.loss_quarters[:] = np.where(self.active & (self.profit_q < 0),
                                         self.loss_quarters + 1, 0)
        exits = self.active & grace & (self.loss_quarters >= vc.exit_loss_quarters)
        if exits.any():
            self.active &= ~exits
        return exits

    def enter(self, rng: np.random.Generator, vendor, acv, t: int) -> None:
        """Entry where margins are attractive (§7.10).

        The number of entrants is Poisson with mean ``entry_rate x sampling x
        clip(market margin / target_after_tax_margin, 0, 5)``, the market margin being
        after tax; their countries are drawn by :meth:`_country_draw_args` from the ACV won
        by each country (``vendor``, ``acv``: the contracts in force, shape
        ``(n_contracts,)``) and the expected tax rates of year ``t // 4``, then :meth:`spawn`.
        """
        vc, nc = self.scenario.vendors, self.world.n_countries
        rev_total = self.revenue_q.sum()
        margin = self.profit_q.sum() / rev_total if rev_total > 0 else \
            vc.target_after_tax_margin
        attract = min(max(margin, 0.0) / max(vc.target_after_tax_margin, 1e-9), 5.0)
        n_new = int(rng.poisson(vc.entry_rate * self.sampling * attract))
        if kernels.USE_KERNELS:
            acv_c = kernels.acv_by_vendor_country(vendor, acv, self.country, nc)
        else:
            acv_c = np.bincount(self.country[vendor], acv, minlength=nc) if len(vendor) \
                else np.zeros(nc)
        n_c, p_c = self._country_draw_args(acv_c, t // 4)
        self.spawn(n_new, rng.choice(n_c, size=n_new, p=p_c), rng, t)
