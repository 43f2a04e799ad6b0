"""The buyer firms: their state, their firm-process pairs, and the firm-side rules.

:class:`Firms` holds the state of all simulated buyer firms as arrays (struct of arrays), so
that each rule runs on all firms at once. The unit of the make-or-buy decision is the
firm-process pair: pair ``i`` is process ``i % n_processes`` of firm ``i // n_processes``.
Each rule is one method; the model's schedule (:class:`simulation.model.BPOModel`) calls
them in the ODD order and carries their results to the vendors and the market.
``firms[i]`` is a read-only view of firm ``i`` (:class:`FirmView`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation import kernels
from simulation import mechanisms as mech
from simulation.config import Scenario
from simulation.context import QuarterContext
from simulation.world import World

#: Sourcing modes of a firm-process pair.
MODE_INHOUSE, MODE_VENDOR, MODE_CAPTIVE = 0, 1, 2


@dataclass(frozen=True)
class InForce:
    """The arrangements in force at the start of a quarter.

    Attributes
    ----------
    is_vendor : ndarray of bool, shape (n_pairs,)
        The pair is under a vendor contract.
    vendor_pairs : ndarray of int, shape (n_contracts,)
        Pairs under a vendor contract, increasing.
    outsourced_pairs : ndarray of int, shape (n_outsourced,)
        Pairs under a vendor contract or in a captive centre, increasing.
    """

    is_vendor: np.ndarray
    vendor_pairs: np.ndarray
    outsourced_pairs: np.ndarray


@dataclass(frozen=True)
class Breaches:
    """The breaches of one quarter.

    Attributes
    ----------
    pairs : ndarray of int, shape (n,)
        Breached pairs (vendor contracts and captive centres), increasing.
    vendors : ndarray of int, shape (n_vendor_breaches,)
        Vendor of each breached vendor contract (a vendor appears once per breach).
    loss : float
        Cost of the breaches, USD (simulated firms).
    """

    pairs: np.ndarray
    vendors: np.ndarray
    loss: float


@dataclass(frozen=True)
class Endings:
    """The vendor contracts that end in one quarter (ODD steps 5-6).

    Attributes
    ----------
    pairs : ndarray of int, shape (n,)
        Pairs whose contract ends, increasing.
    expired : ndarray of bool, shape (n,)
        The contract ends at expiry (else early: breach, poor value or vendor exit).
    vendor : ndarray of int, shape (n,)
        Vendor of each ending contract.
    hours : ndarray, shape (n,)
        Hours per year each ending contract released.
    n_terminated : int
        Contracts ended before expiry.
    cause : ndarray of int8, shape (n,)
        Cause of each early ending (:func:`mechanisms.early_termination_cause`:
        ``EARLY_TERM_VENDOR_EXIT``, ``EARLY_TERM_BREACH``, ``EARLY_TERM_POOR_VALUE``);
        ``EARLY_TERM_NONE`` for a contract that expired.
    """

    pairs: np.ndarray
    expired: np.ndarray
    vendor: np.ndarray
    hours: np.ndarray
    n_terminated: int
    cause: np.ndarray

    def n_by_cause(self, cause: int) -> int:
        """Early endings with one cause (a ``mechanisms.EARLY_TERM_*`` code)."""
        return int(np.count_nonzero(self.cause == cause))


@dataclass(frozen=True)
class DueReviews:
    """The firm-process pairs that review their sourcing this quarter (ODD step 7).

    Attributes
    ----------
    pairs : ndarray of int, shape (n,)
        Reviewing pairs, increasing (so each firm's reviews are contiguous).
    ended : ndarray of bool, shape (n,)
        The pair's vendor contract ended this quarter.
    expired : ndarray of bool, shape (n,)
        ... at expiry (only then is the incumbent offered for renewal).
    """

    pairs: np.ndarray
    ended: np.ndarray
    expired: np.ndarray

    def __len__(self) -> int:
        return len(self.pairs)


@dataclass(frozen=True)
class Contracts:
    """The vendor contracts in force, as the vendors' accounts need them.

    Attributes
    ----------
    pairs : ndarray of int, shape (n,)
        Pairs under a vendor contract, increasing.
    vendor : ndarray of int, shape (n,)
        Vendor of each contract.
    acv : ndarray, shape (n,)
        Annual contract value, USD/year.
    work_hours : ndarray, shape (n,)
        Contracted hours per year x the process's wage multiplier x the vendor's input
        cost per hour relative to its host's labour cost (delivery mix and non-labour
        inputs, :func:`~simulation.mechanisms.vendor_input_cost`): wage-weighted hours in
        host-wage equivalents.
    home : ndarray of int16, shape (n,)
        Home country of each contract's buyer.
    """

    pairs: np.ndarray
    vendor: np.ndarray
    acv: np.ndarray
    work_hours: np.ndarray
    home: np.ndarray


@dataclass(frozen=True)
class FirmView:
    """One firm's state and its current sourcing, a read-only copy (``model.firms[i]``).

    Per-process arrays have shape ``(n_processes,)``, in the order of
    ``world.processes.names``.
    """

    unique_id: int            # row of the firm in :class:`Firms`
    home_iso3: str            # home country
    productivity: float       # Pareto draw, minimum 1
    employees: float
    experience_years: float   # process-years outsourced so far (drives the hidden-cost bias)
    captive_iso3: str | None  # country of its captive centre, None if none
    modes: np.ndarray         # MODE_* per process: 0 in-house, 1 vendor, 2 captive
    vendors: np.ndarray       # vendor index per process, -1 if none
    countries: tuple          # ISO3 code of the country where each process is done
    acv_usd: np.ndarray       # annual value paid per process, USD/year (0 in-house)

    @property
    def n_outsourced(self) -> int:
        """Number of processes under a vendor contract."""
        return int((self.modes == MODE_VENDOR).sum())


class Firms:
    """All simulated buyer firms and their firm-process pairs.

    Parameters
    ----------
    scenario : Scenario
    world : World
    rng : numpy.random.Generator
        Draws, in order: home countries, productivities, the pairs' in-house cost factors.

    Attributes
    ----------
    n, n_processes, n_pairs : int
        Firms, processes per firm, pairs (``n * n_processes``).
    home : ndarray of int, shape (n,)
        Home country index.
    productivity : ndarray, shape (n,)
        Productivity phi, Pareto with minimum 1 and shape ``productivity_pareto_shape``.
    employees : ndarray, shape (n,)
        ``min(employees_min * phi ** size_elasticity, employees_max)``.
    experience : ndarray, shape (n,)
        Years of process-quarters not in-house so far.
    captive : ndarray of int, shape (n,)
        Country of the firm's captive centre, -1 if none.
    n_early_term, n_backsourced : ndarray of int32, shape (n,)
        Vendor contracts of the firm ended early, and reviews that took its outsourced
        work back in-house, since the start of the spin-up (for firm-level comparisons
        with surveys: :func:`simulation.contract_evidence.state_measures`).
    process, pair_home : ndarray of int8 / int16, shape (n_pairs,)
        Process and home country of each pair.
    base_hours : ndarray, shape (n_pairs,)
        Work volume before growth and demand, in-house hours per year (a property,
        computed at each access; :meth:`base_hours_of` gives it for some pairs).
    mode : ndarray of int8, shape (n_pairs,)
        ``MODE_INHOUSE``, ``MODE_VENDOR`` or ``MODE_CAPTIVE``.
    vendor : ndarray of int32, shape (n_pairs,)
        Vendor under contract, -1 if none.
    country : ndarray of int16, shape (n_pairs,)
        Country where the work is done.
    acv : ndarray, shape (n_pairs,)
        Annual value paid, USD/year: contract ACV, or the captive's transfer price.
    hours : ndarray, shape (n_pairs,)
        Outsourced hours per year (0 in-house).
    end : ndarray of int32, shape (n_pairs,)
        Contract end quarter (-1 if none). A contract's start quarter and term are not
        kept: no rule or output reads them (88 MB at a million firms x 11 processes).
    true_cost : ndarray, shape (n_pairs,)
        Realised all-in annual cost of the arrangement at signing, USD/year.
    poor_quarters : ndarray of int32, shape (n_pairs,)
        Consecutive poor-value quarters of the contract.
    orphaned : ndarray of bool, shape (n_pairs,)
        The contract's vendor has exited (the contract ends next quarter).
    hazard : ndarray, shape (n_pairs,)
        Breach hazard per quarter of outsourced work, fixed when the arrangement began.
    inhouse_factor : ndarray, shape (n_pairs,)
        Persistent cost factor of the pair's in-house work (lognormal, mean 1;
        :func:`~simulation.mechanisms.inhouse_cost_factor`), drawn once.
    contracts_signed, contracts_ended : int
        Vendor contracts signed (new and renewed) and ended so far.

    Notes
    -----
    Integer pair state uses the smallest dtype that holds it (memory at a million firms x
    11 processes; see docs/performance.md).
    """

    def __init__(self, scenario: Scenario, world: World, rng: np.random.Generator):
        self.scenario, self.world = scenario, world
        po = scenario.population
        P = world.processes.n
        F = po.n_firms
        self.n, self.n_processes, self.n_pairs = F, P, F * P
        codes = list(po.buyer_home_weights)
        wts = np.array([po.buyer_home_weights[c] for c in codes])
        home_codes = np.array([world.index(c) for c in codes])
        self.home = home_codes[rng.choice(len(codes), size=F, p=wts / wts.sum())]
        k = po.productivity_pareto_shape
        self.productivity = mech.firm_productivity(rng, F, k, po.stratified_sizes)
        self.employees = np.minimum(po.employees_min * self.productivity ** po.size_elasticity,
                                    po.employees_max)
        self.experience = np.zeros(F)
        self.captive = np.full(F, -1, dtype=np.int64)
        self.n_early_term = np.zeros(F, dtype=np.int32)
        self.n_backsourced = np.zeros(F, dtype=np.int32)

        NP = self.n_pairs
        firm_of_pair = np.repeat(np.arange(F, dtype=np.int32), P)
        self.process = np.tile(np.arange(P, dtype=np.int8), F)
        self.pair_home = self.home.astype(np.int16)[firm_of_pair]
        del firm_of_pair
        self.mode = np.zeros(NP, dtype=np.int8)
        self.vendor = np.full(NP, -1, dtype=np.int32)
        self.country = self.pair_home.copy()
        self.acv = np.zeros(NP)
        self.hours = np.zeros(NP)
        self.end = np.full(NP, -1, dtype=np.int32)
        self.true_cost = np.zeros(NP)
        self.poor_quarters = np.zeros(NP, dtype=np.int32)
        self.orphaned = np.zeros(NP, dtype=bool)
        self.hazard = np.zeros(NP)
        self.inhouse_factor = mech.inhouse_cost_factor(rng.standard_normal(NP),
                                                       po.inhouse_cost_sigma)
        self.contracts_signed = 0
        self.contracts_ended = 0

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> FirmView:
        if not 0 <= i < self.n:
            raise IndexError(f"firm {i} out of range(0, {self.n})")
        iso3 = self.world.iso3
        pairs = slice(i * self.n_processes, (i + 1) * self.n_processes)
        cap = int(self.captive[i])
        return FirmView(
            unique_id=int(i), home_iso3=iso3[int(self.home[i])],
            productivity=float(self.productivity[i]), employees=float(self.employees[i]),
            experience_years=float(self.experience[i]),
            captive_iso3=iso3[cap] if cap >= 0 else None, modes=self.mode[pairs].copy(),
            vendors=self.vendor[pairs].copy(),
            countries=tuple(iso3[int(c)] for c in self.country[pairs]),
            acv_usd=self.acv[pairs].copy())

    @property
    def base_hours(self) -> np.ndarray:
        """Work volume of every pair before growth and demand, in-house hours per year,
        shape ``(n_pairs,)``: :meth:`base_hours_of` all pairs, a new array at each access."""
        return self.base_hours_of(np.arange(self.n_pairs))

    def base_hours_of(self, pairs: np.ndarray) -> np.ndarray:
        """Work volume of some pairs before growth and demand, in-house hours per year.

        Parameters
        ----------
        pairs : ndarray of int, shape (n,)

        Returns
        -------
        ndarray, shape (n,)
            ``employees[firm] x labour_intensity[process] x HOURS_PER_FTE_YEAR``, in that
            order (the product is computed for the pairs asked for, not stored: 88 MB at a
            million firms x 11 processes).
        """
        return self.employees[pairs // self.n_processes] \
            * self.world.processes.labour_intensity[self.process[pairs]] \
            * mech.HOURS_PER_FTE_YEAR

    # ------------------------------------------------------------------ rules
    def draw_uniforms(self, rng: np.random.Generator) -> np.ndarray:
        """The quarter's uniforms for every pair (ODD step 3), in this order: breach,
        termination, review. Shape ``(3, n_pairs)``, a new array. The model's schedule
        draws the same numbers row by row instead (:meth:`draw_uniform`), so that one row
        at a time exists (a million firms: 88 MB instead of 264 MB)."""
        return np.stack([self.draw_uniform(rng) for _ in range(3)])

    def draw_uniform(self, rng: np.random.Generator) -> np.ndarray:
        """One uniform per pair, shape ``(n_pairs,)``, a new array: ``rng.random(n_pairs)``,
        so three calls draw the rows of :meth:`draw_uniforms`. The schedule lets each row go
        once its rule has read it, so that no row is held while the market clears (a
        million firms: 88 MB less at the peak than one buffer kept for the whole run)."""
        return rng.random(self.n_pairs)

    def in_force(self) -> InForce:
        """The arrangements in force now (at the start of the quarter)."""
        is_v = self.mode == MODE_VENDOR
        if kernels.USE_KERNELS:
            vp, op = kernels.in_force(self.mode)
            return InForce(is_vendor=is_v, vendor_pairs=vp, outsourced_pairs=op)
        return InForce(is_vendor=is_v, vendor_pairs=np.flatnonzero(is_v),
                       outsourced_pairs=np.flatnonzero(self.mode != MODE_INHOUSE))

    def breaches(self, in_force: InForce, u: np.ndarray, ctx: QuarterContext) -> Breaches:
        """Breaches of outsourced work (ODD step 4, §7.8).

        Each outsourced pair (vendor contract or captive centre) is breached when its
        uniform ``u`` (shape ``(n_pairs,)``) is below the hazard fixed when its arrangement
        began (:func:`mechanisms.breach_hazard`). The impact of a breach is the home
        country's cost per breach x the process's data sensitivity x (1 + the third-party
        premium for vendor work).
        """
        w, pr = self.world, self.world.processes
        oi = in_force.outsourced_pairs
        bi = kernels.breached_pairs(oi, u, self.hazard) if kernels.USE_KERNELS \
            else oi[u[oi] < self.hazard[oi]]
        if not len(bi):
            return Breaches(pairs=bi, vendors=self.vendor[bi], loss=0.0)
        is_v = in_force.is_vendor[bi]
        impact = w.breach_cost_usd_m[self.pair_home[bi], ctx.year_index] * 1e6 \
            * pr.data_sensitivity[self.process[bi]] * (
                1.0 + np.where(is_v, w.third_party_premium, 0.0))
        return Breaches(pairs=bi, vendors=self.vendor[bi[is_v]], loss=float(impact.sum()))

    def end_contracts(self, in_force: InForce, breaches: Breaches, u_term: np.ndarray,
                      ctx: QuarterContext) -> Endings:
        """Vendor contracts that end this quarter (ODD steps 5-6, §7.8-7.9).

        A contract ends early when it was breached and its termination uniform ``u_term``
        (shape ``(n_pairs,)``) is below ``breach_termination_prob``; after
        ``poor_value_quarters`` quarters in a row of poor value (realised all-in cost above
        the firm's own in-house cost today x (1 + ``poor_value_tolerance``),
        :meth:`own_inhouse_cost`); or when its vendor
        has exited (orphaned). Otherwise it ends at expiry. Updates the poor-value
        counters and the count of ended contracts.

        Each early ending gets one cause (:func:`mechanisms.early_termination_cause`:
        vendor exit, then breach, then poor value), and counts in its firm's
        ``n_early_term``.
        """
        sc = self.scenario
        vi = in_force.vendor_pairs
        if (kernels.USE_KERNELS and kernels.unchanged(mech, _END_MECHANISMS)
                and kernels.unchanged(type(self), _END_FIRM_RULES)):
            w, pr = self.world, self.world.processes
            code = kernels.end_contracts(
                vi, breaches.pairs, u_term, float(sc.risk.breach_termination_prob),
                self.hours, self.pair_home, self.process, w.labour_cost, ctx.year_index,
                pr.wage_multiplier, float(sc.labour.cost_to_wage_ratio), pr.nonlabour_share,
                self.inhouse_factor, self.true_cost, float(sc.decision.poor_value_tolerance),
                self.poor_quarters, int(sc.decision.poor_value_quarters), self.orphaned,
                self.end, int(ctx.t))
            ei, expired, vendor, hours, n_term, cause = kernels.endings(
                vi, code, self.vendor, self.hours, self.n_early_term, self.n_processes)
            self.contracts_ended += len(ei)
            return Endings(pairs=ei, expired=expired, vendor=vendor, hours=hours,
                           n_terminated=int(n_term), cause=cause)
        breached = np.zeros(self.n_pairs, dtype=bool)
        breached[breaches.pairs] = True
        term_breach = breached[vi] & (u_term[vi] < sc.risk.breach_termination_prob)
        # the counter is 0 off contract: every pair leaving a contract is reset when reviewed
        inhouse_now = self.inhouse_cost_now(vi, ctx.year_index)
        poor = self.true_cost[vi] > inhouse_now * (1.0 + sc.decision.poor_value_tolerance)
        n_poor = np.where(poor, self.poor_quarters[vi] + 1, 0)
        self.poor_quarters[vi] = n_poor
        term_poor = n_poor >= sc.decision.poor_value_quarters
        cause = mech.early_termination_cause(self.orphaned[vi], term_breach, term_poor)
        terminated = cause != mech.EARLY_TERM_NONE
        expired = ~terminated & (self.end[vi] <= ctx.t)
        return self._endings(vi, terminated | expired, expired, terminated, cause)

    def _endings(self, vi, ending, expired, terminated, cause) -> Endings:
        """Book the contracts that end (``vi[ending]``) and describe them."""
        ei = vi[ending]
        self.contracts_ended += len(ei)
        np.add.at(self.n_early_term, vi[terminated] // self.n_processes, 1)
        return Endings(pairs=ei, expired=expired[ending], vendor=self.vendor[ei],
                       hours=self.hours[ei], n_terminated=int(terminated.sum()),
                       cause=cause[ending])

    def due_reviews(self, in_force: InForce, endings: Endings, u_review: np.ndarray,
                    ctx: QuarterContext) -> DueReviews:
        """The pairs that review their sourcing this quarter (ODD step 7, §7.1).

        Every pair whose contract ended, and each in-house or captive pair whose uniform
        ``u_review`` (shape ``(n_pairs,)``) is below ``review_hazard x D(t)``, with D(t) of
        the pair's home and process (:meth:`QuarterContext.demand_at`). Running vendor
        contracts are reviewed only when they end.
        """
        rh = self.scenario.decision.review_hazard
        if kernels.USE_KERNELS:
            table = ctx.demand_by_review
            pairs, ended, expired = kernels.due_reviews(
                u_review, rh * ctx.demand if table is None else rh,
                np.zeros((0, 0)) if table is None else table, self.pair_home, self.process,
                self.mode, endings.pairs, endings.expired)
            return DueReviews(pairs=pairs, ended=ended, expired=expired)
        due = u_review < rh * ctx.demand_at(self.pair_home, self.process)
        due[in_force.vendor_pairs] = False
        due[endings.pairs] = True
        pairs = np.flatnonzero(due)
        if not len(pairs):
            return DueReviews(pairs=pairs, ended=np.zeros(0, bool), expired=np.zeros(0, bool))
        by_expiry = np.zeros(self.n_pairs, dtype=bool)
        by_expiry[endings.pairs[endings.expired]] = True
        return DueReviews(pairs=pairs, ended=in_force.is_vendor[pairs],
                          expired=by_expiry[pairs])

    def apply_outcomes(self, reviews, outcomes, t: int) -> None:
        """Write the outcomes of reviews into the pairs (ODD step 8, §7.5).

        Parameters
        ----------
        reviews : simulation.market.Reviews
            The reviews (``n``), any subset of the quarter's: every write touches only the
            reviewed pairs and their firms.
        outcomes : simulation.market.Outcomes
            Their outcomes (``n``), from :func:`simulation.market.clear_market`.
        t : int
            The quarter (contracts start now and end ``term_q`` quarters later).

        Notes
        -----
        A new arrangement keeps the breach hazard it was priced with. A firm's captive
        country is set when a pair moves to a captive centre and cleared when its last
        captive pair leaves. Vendors' committed hours are booked by the vendors.
        """
        if kernels.USE_KERNELS:
            kernels.apply_outcomes(
                reviews.pair, reviews.firm, reviews.prev_mode, reviews.hours, outcomes.change,
                outcomes.mode, outcomes.vendor, outcomes.country, outcomes.acv, outcomes.true,
                outcomes.hazard, outcomes.term_q, outcomes.backsourced, t, self.vendor,
                self.acv, self.hours, self.end, self.true_cost,
                self.poor_quarters, self.orphaned, self.mode, self.country, self.hazard,
                self.n_backsourced, self.captive, self.n_processes)
            self.contracts_signed += int(outcomes.signed.sum())
            return
        c = outcomes.change
        pairs = reviews.pair[c]
        nm = outcomes.mode[c]
        sign = nm == MODE_VENDOR
        term_q = outcomes.term_q[c]
        country = outcomes.country[c]
        self.vendor[pairs] = np.where(sign, outcomes.vendor[c], -1)
        self.acv[pairs] = outcomes.acv[c]
        self.hours[pairs] = np.where(nm != MODE_INHOUSE, reviews.hours[c], 0.0)
        self.end[pairs] = np.where(sign, t + term_q, -1)
        self.true_cost[pairs] = outcomes.true[c]
        self.poor_quarters[pairs] = 0
        self.orphaned[reviews.pair] = False
        self.mode[pairs] = nm
        self.country[pairs] = country
        self.hazard[pairs] = np.where(nm != MODE_INHOUSE, outcomes.hazard[c], 0.0)
        self.contracts_signed += int(outcomes.signed.sum())
        np.add.at(self.n_backsourced, reviews.firm[outcomes.backsourced], 1)
        cap = nm == MODE_CAPTIVE
        if cap.any():
            self.captive[reviews.firm[c][cap]] = country[cap]
        left_captive = reviews.prev_mode[c] == MODE_CAPTIVE
        if left_captive.any():
            firms = np.unique(reviews.firm[c][left_captive])
            still = (self.mode.reshape(-1, self.n_processes)[firms] == MODE_CAPTIVE).any(axis=1)
            self.captive[firms[~still]] = -1

    def learn(self) -> None:
        """Firms learn from outsourced work (ODD step 9, §7.11): experience grows by a
        quarter-year per process not in-house."""
        if kernels.USE_KERNELS:
            self.experience += kernels.count_outsourced(self.mode, self.n_processes) / 4.0
            return
        self.experience += np.count_nonzero(
            self.mode.reshape(-1, self.n_processes) != MODE_INHOUSE, axis=1) / 4.0

    def contracts(self, ctx: QuarterContext) -> Contracts:
        """The vendor contracts in force now (:class:`Contracts`); the quarter ``ctx``
        prices their inputs (delivery mix and non-labour inputs, in host-wage hours)."""
        pr, w, yi = self.world.processes, self.world, ctx.year_index
        if kernels.USE_KERNELS and kernels.unchanged(mech, _CONTRACT_MECHANISMS):
            vi, vendor, acv, work, home = kernels.contracts(
                self.mode, self.country, self.pair_home, self.process, self.vendor, self.acv,
                self.hours, w.labour_cost, yi, float(self.scenario.labour.onsite_delivery_share),
                pr.nonlabour_share, pr.wage_multiplier)
            return Contracts(pairs=vi, vendor=vendor, acv=acv, work_hours=work, home=home)
        vi = np.flatnonzero(self.mode == MODE_VENDOR)
        host, buyer = w.labour_cost[self.country[vi], yi], w.labour_cost[self.pair_home[vi], yi]
        inputs = mech.vendor_input_cost(host, buyer, self.scenario.labour.onsite_delivery_share,
                                        self.country[vi] != self.pair_home[vi],
                                        pr.nonlabour_share[self.process[vi]])
        return Contracts(pairs=vi, vendor=self.vendor[vi], acv=self.acv[vi],
                         work_hours=self.hours[vi] * pr.wage_multiplier[self.process[vi]]
                         * inputs / host, home=self.pair_home[vi])

    def inhouse_cost_now(self, pairs: np.ndarray, year_index: int) -> np.ndarray:
        """What the contracted work of some pairs would cost in-house this year, USD/year,
        shape ``(n,)``: the benchmark of the poor-value rule (ODD §7.9), the firm's own
        in-house cost (:meth:`own_inhouse_cost`) of the contract's hours at today's
        home-country wage."""
        w, pr = self.world, self.world.processes
        return self.own_inhouse_cost(pairs, self.hours[pairs] * w.labour_cost[
            self.pair_home[pairs], year_index] * pr.wage_multiplier[self.process[pairs]]
            * self.scenario.labour.cost_to_wage_ratio)

    def own_inhouse_cost(self, pairs: np.ndarray, labour_cost: np.ndarray) -> np.ndarray:
        """The firms' own in-house cost of some pairs' work, USD/year, shape ``(n,)``.

        ``(labour_cost + non-labour inputs) x the pair's in-house cost factor``
        (:func:`~simulation.mechanisms.nonlabour_cost`,
        :func:`~simulation.mechanisms.inhouse_cost_factor`), with ``labour_cost`` the
        loaded labour cost of the work at the home country's wage (shape ``(n,)``).
        """
        nl = self.world.processes.nonlabour_share[self.process[pairs]]
        return (labour_cost + mech.nonlabour_cost(labour_cost, nl)) * self.inhouse_factor[pairs]

    def orphan(self, contracts: Contracts, exits: np.ndarray) -> None:
        """Mark the contracts of vendors that exited (``exits``: bool per vendor slot);
        they end early next quarter."""
        if exits.any():
            self.orphaned[contracts.pairs[exits[contracts.vendor]]] = True


#: The rules the kernels of :meth:`Firms.end_contracts` and :meth:`Firms.contracts`
#: restate (each kernel is used only while none of its rules is replaced).
_END_MECHANISMS = kernels.snapshot(mech, ("nonlabour_cost", "early_termination_cause"))
_END_FIRM_RULES = kernels.snapshot(Firms, ("own_inhouse_cost", "inhouse_cost_now"))
_CONTRACT_MECHANISMS = kernels.snapshot(mech, ("vendor_input_cost", "delivery_labour_cost",
                                               "nonlabour_cost"))
