"""The bposim Mesa model: buyer firms make-or-buy, process by process, from vendors abroad.

State is held as arrays on the model (struct of arrays); the :class:`~agents.firm.Firm`
and :class:`~agents.vendor.Vendor` Mesa agents read that state through their attributes.
One step is one quarter. See ``docs/ODD.md`` for the full specification.
"""

from __future__ import annotations

import time as _time
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents.firm import Firm
from agents.vendor import Vendor
from simulation import mechanisms as mech
from simulation.collector import OUTPUT_COLUMNS, make_datacollector, quarter_metrics
from simulation.config import ConfigError, Scenario, load_scenario
from simulation.market import (MODE_CAPTIVE, MODE_INHOUSE, MODE_VENDOR, Outcomes,
                               ReviewRound, Reviews, build_reviews, consideration_index,
                               contract_outcomes, decide, refused_choice, resolve_capacity)
from simulation.world import OFFSHORE, World

#: Named keyword arguments of :class:`BPOModel` (the dashboard's drivers); any other
#: scenario field can be passed by its flat name too.
DRIVER_KWARGS = ("n_firms", "start_year", "end_year", "coordination_cost_decline",
                 "breach_hazard_scale", "backlash_intensity", "offshore_labour_cost_growth",
                 "captives_enabled")
#: Values of the ``decision_path`` keyword of :class:`BPOModel`.
DECISION_PATHS = ("vectorised", "agents")


class BPOModel(mesa.Model):
    """Agent-based model of the business process outsourcing market.

    Parameters
    ----------
    config : Scenario, str, Path or None
        A validated :class:`~simulation.config.Scenario`, or a TOML scenario file that
        overrides the default scenario, or None for the default scenario.
    n_firms : int, optional
        Number of simulated buyer firms (default 2000).
    start_year, end_year : int, optional
        First and last reported year (default 2000 and 2030); the model spins up for
        ``time.spinup_years`` before ``start_year``.
    coordination_cost_decline : float, optional
        Yearly fall of the coordination-cost scale (default 0.04 per year).
    breach_hazard_scale : float, optional
        Multiplier of every breach hazard (default 1).
    backlash_intensity : float, optional
        Backlash cost of customer-facing offshore work, x in-house cost (default 0.10).
    offshore_labour_cost_growth : float, optional
        Extra labour-cost growth in non-buyer countries, per year (default 0).
    captives_enabled : bool, optional
        Allow captive centres (default False).
    decision_path : {"vectorised", "agents"}
        How the quarter's reviews are decided: all at once with numpy (default), or
        firm by firm in :meth:`Firm.step <agents.firm.Firm.step>` (the readable
        reference; much slower). Both give bit-identical results for the same seed.
        Not a scenario field: it does not change the scenario or its config hash.
    rng : int, SeedSequence, Generator or None
        Seed of the model's random generator (Mesa convention). All randomness comes
        from ``self.rng``.
    scenario : mesa.experimental.scenarios.Scenario, optional
        Ignored. Mesa's ``SolaraViz`` passes an empty Mesa scenario when it re-creates
        the model on Reset; bposim's scenario is ``config`` plus the keyword arguments.
    **overrides
        Any other scenario field by its flat name (see ``docs/configuration.md``).

    Raises
    ------
    simulation.config.ConfigError
        If a parameter is unknown or out of range, or ``decision_path`` is unknown.

    Notes
    -----
    Run with ``model.run_for(model.n_quarters)`` or ``model.run()``; one step is one
    quarter. Results: ``model.datacollector`` (quarterly) and :meth:`annual`.
    """

    def __init__(self, config: Scenario | str | Path | None = None, *,
                 n_firms: int | None = None, start_year: int | None = None,
                 end_year: int | None = None, coordination_cost_decline: float | None = None,
                 breach_hazard_scale: float | None = None,
                 backlash_intensity: float | None = None,
                 offshore_labour_cost_growth: float | None = None,
                 captives_enabled: bool | None = None, decision_path: str = "vectorised",
                 rng: Any = None, scenario: Any = None, **overrides: Any):
        if decision_path not in DECISION_PATHS:
            raise ConfigError(f"decision_path: {decision_path!r} is not allowed; allowed: "
                              + ", ".join(DECISION_PATHS))
        super().__init__(rng=rng)
        self.decision_path = decision_path
        self.review_round: ReviewRound | None = None  # set while agents review
        self.review_outcomes: Outcomes | None = None  # filled by firms while they settle
        named = dict(n_firms=n_firms, start_year=start_year, end_year=end_year,
                     coordination_cost_decline=coordination_cost_decline,
                     breach_hazard_scale=breach_hazard_scale,
                     backlash_intensity=backlash_intensity,
                     offshore_labour_cost_growth=offshore_labour_cost_growth,
                     captives_enabled=captives_enabled)
        flat = {k: v for k, v in named.items() if v is not None} | overrides
        if isinstance(config, Scenario):
            sc = config.with_overrides(**flat) if flat else config
        else:
            sc = load_scenario(config, **flat)
        self.scenario_config: Scenario = sc
        self.world = World.build(sc)
        self._wall_start = _time.perf_counter()
        self._init_state()
        self.datacollector = make_datacollector()
        for _ in range(sc.time.spinup_years * 4):
            self._advance_quarter()
        self.running = self.t < self.n_total_quarters

    # ------------------------------------------------------------------ set-up
    def _init_state(self) -> None:
        sc, w = self.scenario_config, self.world
        pr = w.processes
        rng = self.rng
        self.first_year = w.first_year
        self.n_total_quarters = (w.last_year - w.first_year + 1) * 4
        self.n_quarters = (sc.time.end_year - sc.time.start_year + 1) * 4
        self.t = 0  # quarters since the start of the spin-up
        self.n_processes = P = pr.n
        F = sc.population.n_firms
        self.firms_per_agent = sc.population.real_buyer_firms / F

        # firms: home country, productivity (Pareto), size
        codes = list(sc.population.buyer_home_weights)
        wts = np.array([sc.population.buyer_home_weights[c] for c in codes])
        home_codes = np.array([w.index(c) for c in codes])
        self.firm_home = home_codes[rng.choice(len(codes), size=F, p=wts / wts.sum())]
        k = sc.population.productivity_pareto_shape
        self.firm_productivity = (1.0 - rng.random(F)) ** (-1.0 / k)
        self.firm_employees = np.minimum(
            sc.population.employees_min * self.firm_productivity ** sc.population.size_elasticity,
            sc.population.employees_max)
        self.firm_experience = np.zeros(F)
        self.firm_captive = np.full(F, -1, dtype=np.int64)

        # firm-process pairs (pair = firm * P + process). Integer state uses the smallest
        # dtype that holds it (memory at a million firms x 11 processes; see
        # docs/performance.md).
        NP = F * P
        self.n_pairs = NP
        self.p_firm = np.repeat(np.arange(F, dtype=np.int32), P)
        self.p_process = np.tile(np.arange(P, dtype=np.int8), F)
        self.p_home = self.firm_home.astype(np.int16)[self.p_firm]
        self.p_mode = np.zeros(NP, dtype=np.int8)
        self.p_vendor = np.full(NP, -1, dtype=np.int32)
        self.p_country = self.p_home.copy()
        self.p_acv = np.zeros(NP)
        self.p_hours = np.zeros(NP)
        self.p_start = np.zeros(NP, dtype=np.int32)
        self.p_end = np.full(NP, -1, dtype=np.int32)
        self.p_term_q = np.zeros(NP, dtype=np.int32)
        self.p_true = np.zeros(NP)
        self.p_poor = np.zeros(NP, dtype=np.int32)
        self.p_orphaned = np.zeros(NP, dtype=bool)
        self.p_hazard = np.zeros(NP)  # breach hazard per quarter of outsourced work
        self.p_base_hours = self.firm_employees[self.p_firm] * pr.labour_intensity[
            self.p_process] * mech.HOURS_PER_FTE_YEAR
        # the quarter's uniforms for every pair, drawn into the same buffers every quarter
        self._u_pairs = np.empty((3, NP))

        # vendors (growable arrays)
        self.n_vendor_slots = 0
        self._vendor_arrays: dict[str, np.ndarray] = {}
        # vendors are sampled at the same rate as firms (1 simulated agent per
        # firms_per_agent real ones), so the market does not depend on n_firms
        self.vendor_sampling = 1.0 / self.firms_per_agent
        n_v0 = int(round(sc.vendors.n_initial_vendors * self.vendor_sampling))
        if sc.vendors.n_initial_vendors > 0:
            n_v0 = max(n_v0, 1)
        self._alloc_vendors(max(64, n_v0 * 2))
        self.vendor_agents: dict[int, Vendor] = {}

        # cumulative counters (contract conservation: signed = active + ended)
        self.n_signed_total = 0
        self.n_ended_total = 0
        self._acv_country_hist: list[np.ndarray] = []
        self._metrics: dict[str, Any] = {}
        self._last_flows: dict[str, Any] = {}

        self.firm_agents = [Firm(self, i) for i in range(F)]
        n_c, p_c = self._vendor_country_draw_args(np.zeros(w.n_countries))
        self._spawn_vendors(n_v0, rng.choice(n_c, size=n_v0, p=p_c))

    _VENDOR_FIELDS = {
        "v_country": (np.int64, 0), "v_capacity": (float, 0.0), "v_committed": (float, 0.0),
        "v_pending": (float, 0.0), "v_pending_step": (np.int64, -1),
        "v_security_mult": (float, 1.0), "v_reputation": (float, 0.0),
        "v_margin": (float, 0.0), "v_cum_hours": (float, 0.0), "v_ref_hours": (float, 1.0),
        "v_learning": (float, 1.0), "v_loss_q": (np.int64, 0), "v_active": (bool, False),
        "v_entered": (np.int64, 0), "v_revenue_q": (float, 0.0), "v_profit_q": (float, 0.0),
    }

    def _alloc_vendors(self, size: int) -> None:
        for name, (dt, fill) in self._VENDOR_FIELDS.items():
            new = np.full(size, fill, dtype=dt)
            old = self._vendor_arrays.get(name)
            if old is not None:
                new[:len(old)] = old
            self._vendor_arrays[name] = new
            setattr(self, name, new)
        old_spec = getattr(self, "v_specialised", None)
        spec = np.zeros((size, self.n_processes), dtype=bool)
        if old_spec is not None:
            spec[:len(old_spec)] = old_spec
        self.v_specialised = spec

    def _vendor_country_draw_args(self, acv_by_country: np.ndarray):
        sc, w = self.scenario_config, self.world
        wts = np.zeros(w.n_countries)
        for c, x in sc.vendors.vendor_country_weights.items():
            wts[w.index(c)] = x
        total = acv_by_country.sum()
        share = acv_by_country / total if total > 0 else np.zeros_like(acv_by_country)
        p = wts * (1.0 + 10.0 * share)
        return w.n_countries, p / p.sum()

    def _spawn_vendors(self, n: int, countries: np.ndarray) -> None:
        """Create ``n`` vendors in the given countries (draws from ``self.rng``)."""
        if n == 0:
            return
        vc = self.scenario_config.vendors
        rng = self.rng
        start = self.n_vendor_slots
        if start + n > len(self.v_country):
            self._alloc_vendors(max(2 * len(self.v_country), start + n))
        idx = np.arange(start, start + n)
        cap = vc.initial_capacity_fte_median * mech.HOURS_PER_FTE_YEAR * np.exp(
            vc.capacity_sigma * rng.standard_normal(n))
        spec = rng.random((n, self.n_processes)) < vc.specialisation_prob
        forced = rng.integers(0, self.n_processes, size=n)
        spec[np.arange(n), forced] = True
        sec = rng.beta(vc.security_beta_a, vc.security_beta_b, size=n)
        mean_insec = vc.security_beta_b / (vc.security_beta_a + vc.security_beta_b)
        self.v_country[idx] = countries
        self.v_capacity[idx] = cap
        self.v_committed[idx] = 0.0
        self.v_security_mult[idx] = (1.0 - sec) / mean_insec
        self.v_reputation[idx] = vc.reputation_initial
        self.v_margin[idx] = vc.target_after_tax_margin
        self.v_ref_hours[idx] = cap
        self.v_learning[idx] = 1.0
        self.v_active[idx] = True
        self.v_entered[idx] = self.t
        self.v_specialised[idx] = spec
        self.n_vendor_slots = start + n
        for i in idx:
            self.vendor_agents[int(i)] = Vendor(self, int(i))

    # ------------------------------------------------------------------ time
    @property
    def year(self) -> int:
        """Calendar year of the current (last simulated) quarter."""
        return self.first_year + max(self.t - 1, 0) // 4

    @property
    def quarter(self) -> int:
        """Quarter (1-4) of the current (last simulated) quarter."""
        return max(self.t - 1, 0) % 4 + 1

    def quarter_index(self, year: int, quarter: int) -> int:
        """Quarter index (since the spin-up start) of a calendar quarter."""
        return (year - self.first_year) * 4 + quarter - 1

    def step(self) -> None:
        """Advance one quarter and collect the outputs."""
        if self.t >= self.n_total_quarters:
            self.running = False
            return
        self._advance_quarter()
        self.datacollector.collect(self)
        self.running = self.t < self.n_total_quarters

    def run(self, progress=None) -> None:
        """Run to the end of the span. ``progress(i, n)`` is called after each quarter."""
        n = self.n_total_quarters - self.t
        for i in range(n):
            self.step()
            if progress is not None:
                progress(i + 1, n)

    # ------------------------------------------------------------------ one quarter
    def _advance_quarter(self) -> None:
        sc, w = self.scenario_config, self.world
        pr = w.processes
        rng = self.rng
        t = self.t
        cal_year = self.first_year + t // 4
        cal_q = t % 4 + 1
        yf = cal_year + (cal_q - 1) / 4
        self.year_index = yi = t // 4
        self.cal_year, self.cal_quarter = cal_year, cal_q
        self.coordination_scale = mech.coordination_scale(
            yf, sc.coordination.coordination_cost_2000, sc.coordination.coordination_cost_decline,
            sc.coordination.coordination_cost_floor)
        self.mean_term_years = float(mech.mean_contract_term(
            yf, sc.contracts.term_mean_early_years, sc.contracts.term_mean_late_years,
            sc.contracts.term_drift_start_year, sc.contracts.term_drift_end_year))
        self.demand = D = mech.demand_multiplier(t, sc.demand.shocks, self.quarter_index)
        growth = (1.0 + sc.demand.demand_growth) ** (yf - sc.time.start_year)
        flows = dict(tcv=0.0, tcv_bpo=0.0, n_signed=0, n_breaches=0, breach_loss=0.0,
                     n_terminations=0,
                     n_backsourced=0, n_reshored=0)

        # 1. capacity ordered earlier arrives
        nv = self.n_vendor_slots
        arrive = self.v_pending_step[:nv] == t
        self.v_capacity[:nv][arrive] += self.v_pending[:nv][arrive]
        self.v_pending[:nv][arrive] = 0.0
        self.v_pending_step[:nv][arrive] = -1

        # 2. the quarter's draws for every pair, in a fixed order
        NP = self.n_pairs
        u_breach = rng.random(NP, out=self._u_pairs[0])
        u_term = rng.random(NP, out=self._u_pairs[1])
        u_review = rng.random(NP, out=self._u_pairs[2])

        # breaches of outsourced work (vendor contracts and captives), with the hazard
        # fixed when the arrangement began (p_hazard); the rules run on outsourced pairs
        # only (`oi`) and vendor pairs only (`vi`)
        mode = self.p_mode
        is_v = mode == MODE_VENDOR
        vi = np.flatnonzero(is_v)
        oi = np.flatnonzero(mode != MODE_INHOUSE)
        bi = oi[u_breach[oi] < self.p_hazard[oi]]  # breached pairs, increasing
        nb = len(bi)
        if nb:
            impact = w.breach_cost_usd_m[self.p_home[bi], yi] * 1e6 \
                * pr.data_sensitivity[self.p_process[bi]] * (
                    1.0 + np.where(is_v[bi], w.third_party_premium, 0.0))
            flows["n_breaches"] = nb
            flows["breach_loss"] = float(impact.sum())
            hits = np.bincount(self.p_vendor[bi[is_v[bi]]], minlength=nv)[:nv]
            self.v_reputation[:nv] *= (1.0 - sc.vendors.reputation_breach_penalty) ** hits
        breached = np.zeros(NP, dtype=bool)
        breached[bi] = True
        term_breach = breached[vi] & (u_term[vi] < sc.risk.breach_termination_prob)

        # poor value: realised all-in cost vs today's in-house cost (the counter is 0
        # off contract: every pair leaving a contract is reset when it is reviewed)
        inhouse_now = self.p_hours[vi] * w.labour_cost[self.p_home[vi], yi] \
            * pr.wage_multiplier[self.p_process[vi]] * sc.labour.cost_to_wage_ratio
        poor = self.p_true[vi] > inhouse_now * (1.0 + sc.decision.poor_value_tolerance)
        n_poor = np.where(poor, self.p_poor[vi] + 1, 0)
        self.p_poor[vi] = n_poor
        term_poor = n_poor >= sc.decision.poor_value_quarters

        terminated = term_breach | term_poor | self.p_orphaned[vi]
        expired = ~terminated & (self.p_end[vi] <= t)
        ending = terminated | expired
        ei = vi[ending]  # pairs whose contract ends, increasing
        n_end = len(ei)
        if n_end:
            self.v_committed[:nv] -= np.bincount(self.p_vendor[ei], self.p_hours[ei],
                                                 minlength=nv)[:nv]
            np.maximum(self.v_committed[:nv], 0.0, out=self.v_committed[:nv])
        flows["n_terminations"] = int(terminated.sum())
        self.n_ended_total += n_end

        # 3. reviews: forced (contract ended) and periodic (in-house and captive work)
        rev_mask = u_review < sc.decision.review_hazard * D
        rev_mask[vi] = False
        rev_mask[ei] = True
        pairs = np.flatnonzero(rev_mask)
        n = len(pairs)
        k_set = sc.decision.consideration_set_size
        u_cons = rng.random((n, k_set))
        u_choice = rng.random(n)
        term_draw = rng.gamma(sc.contracts.term_gamma_shape,
                              self.mean_term_years / sc.contracts.term_gamma_shape, size=n)
        order = rng.permutation(n)
        if n:
            ended_by_expiry = np.zeros(NP, dtype=bool)
            ended_by_expiry[vi[expired]] = True
            rnd = ReviewRound(
                pairs=pairs, ended=is_v[pairs], expired=ended_by_expiry[pairs], u_cons=u_cons,
                u_choice=u_choice, term_draw=term_draw, order=order, growth=growth, demand=D,
                consideration=consideration_index(self.v_capacity[:nv], self.v_reputation[:nv],
                                                  self.v_specialised[:nv], self.v_active[:nv]),
                spare=self.v_capacity[:nv] - self.v_committed[:nv], n_processes=self.n_processes)
            if self.decision_path == "agents":
                out = self._review_by_agents(rnd)
            else:
                out = self._review_vectorised(rnd)
            self._book_flows(out, flows, pairs)

        # 4. firms learn from outsourced work
        self.firm_experience += np.count_nonzero(
            self.p_mode.reshape(-1, self.n_processes) != MODE_INHOUSE, axis=1) / 4.0

        # 5. vendors: accounts, learning, pricing, capacity, exit, entry
        self._vendor_quarter(yi)

        self.t += 1
        self._last_flows = flows

    def _review_vectorised(self, rnd: ReviewRound) -> Outcomes:
        """All reviews of the quarter at once (the default path)."""
        nv = self.n_vendor_slots
        rv = build_reviews(self, rnd.pairs, rnd.ended, rnd.expired, rnd.growth, rnd.demand)
        opts, choice = decide(self, rv, rnd.u_cons, rnd.u_choice, rnd.consideration)
        chosen_v = opts.vendor[np.arange(len(choice)), choice]
        accepted = resolve_capacity(chosen_v, rv.hours, rnd.order, rnd.spare)
        choice = np.where(accepted, choice, refused_choice(rv, opts))
        out = contract_outcomes(rv, opts, choice, rnd.term_draw,
                                self.scenario_config.contracts.term_min_quarters)
        self.apply_outcomes(rv, out)
        s = out.signed
        self.v_committed[:nv] += np.bincount(out.vendor[s], rv.hours[s], minlength=nv)[:nv]
        return out

    def _review_by_agents(self, rnd: ReviewRound) -> Outcomes:
        """The same reviews, agent by agent (the readable reference path).

        Each firm decides its own reviews in :meth:`Firm.step` and asks the chosen vendors
        for capacity; each vendor answers its requests in priority order
        (:meth:`Vendor.accept_requests`); each firm then signs its contracts
        (:meth:`Firm.settle`) and each vendor books the hours it signed
        (:meth:`Vendor.book_signed_hours`). Firms only read the state of the quarter's
        start until all have decided, so the order in which agents act does not matter.
        """
        self.review_round = rnd
        self.review_outcomes = Outcomes.empty(len(rnd.pairs))
        firms = self.agents_by_type[Firm]
        vendors = self.agents_by_type.get(Vendor)
        firms.do("step")
        if vendors is not None:
            vendors.do("accept_requests")
        firms.do("settle")
        if vendors is not None:
            vendors.do("book_signed_hours")
        out, self.review_round, self.review_outcomes = self.review_outcomes, None, None
        return out

    def apply_outcomes(self, rv: Reviews, out: Outcomes) -> None:
        """Write the outcomes of some reviews into the firm-process state.

        Works on any subset of the quarter's reviews (all of them, or one firm's): every
        write touches only the reviewed pairs and their firms. Vendors' committed hours
        and the quarter's flows are booked separately.
        """
        c = out.change
        pairs = rv.pair[c]
        nm = out.mode[c]
        sign = nm == MODE_VENDOR
        term_q = out.term_q[c]
        country = out.country[c]
        self.p_vendor[pairs] = np.where(sign, out.vendor[c], -1)
        self.p_acv[pairs] = out.acv[c]
        self.p_hours[pairs] = np.where(nm != MODE_INHOUSE, rv.hours[c], 0.0)
        self.p_start[pairs[sign]] = self.t
        self.p_term_q[pairs] = np.where(sign, term_q, 0)
        self.p_end[pairs] = np.where(sign, self.t + term_q, -1)
        self.p_true[pairs] = out.true[c]
        self.p_poor[pairs] = 0
        self.p_orphaned[rv.pair] = False
        self.p_mode[pairs] = nm
        self.p_country[pairs] = country
        outsourced = nm != MODE_INHOUSE
        self.p_hazard[pairs] = np.where(outsourced, self.breach_hazard(
            pairs, np.where(sign, out.vendor[c], -1), country), 0.0)
        # captive centres: a firm's captive country, cleared when its last captive goes
        cap = nm == MODE_CAPTIVE
        if cap.any():
            self.firm_captive[rv.firm[c][cap]] = country[cap]
        left_captive = rv.prev_mode[c] == MODE_CAPTIVE
        if left_captive.any():
            firms = np.unique(rv.firm[c][left_captive])
            P = self.n_processes
            still = (self.p_mode.reshape(-1, P)[firms] == MODE_CAPTIVE).any(axis=1)
            self.firm_captive[firms[~still]] = -1

    def breach_hazard(self, pairs, vendor, country) -> np.ndarray:
        """Breach hazard per quarter of outsourced work (:func:`mechanisms.breach_hazard`).

        Parameters
        ----------
        pairs : ndarray of int, shape (n,)
            Firm-process pairs.
        vendor : ndarray of int, shape (n,)
            Vendor doing the work, -1 for a captive centre.
        country : ndarray of int, shape (n,)
            Country where the work is done.

        Returns
        -------
        ndarray, shape (n,)
            Probability of a breach in a quarter. It depends only on the arrangement (the
            vendor's security, the country, the process), so it is computed once when an
            arrangement begins.
        """
        sc, w = self.scenario_config, self.world
        sens = w.processes.data_sensitivity
        sshare = sens[self.p_process[pairs]] / sens.sum()
        sec = np.where(vendor >= 0, self.v_security_mult[np.maximum(vendor, 0)], 1.0)
        loc = w.location.ravel()[self.p_home[pairs].astype(np.intp) * w.n_countries + country]
        off_mult = np.where(loc == OFFSHORE, sc.risk.offshore_breach_hazard_multiplier, 1.0)
        return mech.breach_hazard(w.breach_hazard_q[country], sshare, sec, off_mult,
                                  sc.risk.breach_hazard_scale)

    def _book_flows(self, out: Outcomes, flows: dict, pairs: np.ndarray) -> None:
        """Add the quarter's contract flows from the outcomes of all its reviews
        (``pairs``: the reviewed pairs, in the order of ``out``)."""
        s = out.signed
        n_signed = int(s.sum())
        if n_signed:
            flows["tcv"] += float(out.tcv[s].sum())
            bpo = s & ~self.world.processes.ito[self.p_process[pairs]]
            flows["tcv_bpo"] += float(out.tcv[bpo].sum())
            flows["n_signed"] += n_signed
            self.n_signed_total += n_signed
        flows["n_backsourced"] += int(out.backsourced.sum())
        flows["n_reshored"] += int(out.reshored.sum())

    def _vendor_quarter(self, yi: int) -> None:
        sc, w = self.scenario_config, self.world
        vc = sc.vendors
        pr = w.processes
        nv = self.n_vendor_slots
        if nv == 0:
            return
        act = self.v_active[:nv]
        vi = np.flatnonzero(self.p_mode == MODE_VENDOR)
        pv = self.p_vendor[vi]
        acv_v = self.p_acv[vi]
        revenue = np.bincount(pv, acv_v, minlength=nv)[:nv] / 4.0
        wage_v = w.labour_cost[self.v_country[:nv], yi] * sc.labour.cost_to_wage_ratio \
            * vc.vendor_efficiency * self.v_learning[:nv]
        work_cost = np.bincount(pv, self.p_hours[vi] * pr.wage_multiplier[self.p_process[vi]],
                                minlength=nv)[:nv] * wage_v[:] / 4.0
        idle = np.maximum(self.v_capacity[:nv] - self.v_committed[:nv], 0.0)
        idle_cost = idle * wage_v * vc.idle_cost_fraction / 4.0
        overhead = vc.overhead_fte * mech.HOURS_PER_FTE_YEAR * wage_v / self.v_learning[:nv] / 4.0
        profit = revenue - work_cost - idle_cost - overhead
        self.v_revenue_q[:nv] = np.where(act, revenue, 0.0)
        self.v_profit_q[:nv] = np.where(act, profit, 0.0)

        # learning by doing
        self.v_cum_hours[:nv] += self.v_committed[:nv] / 4.0
        self.v_learning[:nv] = mech.learning_factor(self.v_cum_hours[:nv], self.v_ref_hours[:nv],
                                                    vc.progress_ratio, vc.learning_floor)
        # reputation recovers toward its initial level
        self.v_reputation[:nv] += vc.reputation_recovery * (vc.reputation_initial
                                                            - self.v_reputation[:nv])
        # pricing and capacity follow utilisation
        util = np.where(self.v_capacity[:nv] > 0, self.v_committed[:nv] / self.v_capacity[:nv],
                        0.0)
        hi, lo = util > vc.utilisation_expand, util < vc.utilisation_shrink
        m = self.v_margin[:nv] + vc.margin_step * (hi.astype(float) - lo.astype(float))
        self.v_margin[:nv] = np.clip(m, vc.margin_min, vc.margin_max)
        order_cap = act & hi & (self.v_pending_step[:nv] < 0)
        add = self.v_capacity[:nv] * vc.capacity_growth
        if vc.capacity_lag_quarters == 0:
            self.v_capacity[:nv] += np.where(order_cap, add, 0.0)
        else:
            self.v_pending[:nv] = np.where(order_cap, add, self.v_pending[:nv])
            self.v_pending_step[:nv] = np.where(order_cap, self.t + vc.capacity_lag_quarters,
                                                self.v_pending_step[:nv])
        shrink = act & lo
        self.v_capacity[:nv] = np.where(
            shrink, np.maximum(self.v_committed[:nv],
                               self.v_capacity[:nv] * (1 - vc.capacity_growth / 2)),
            self.v_capacity[:nv])
        # exit after sustained losses (after the grace period of entrants)
        grace = self.t - self.v_entered[:nv] >= vc.entry_grace_quarters
        self.v_loss_q[:nv] = np.where(act & (profit < 0), self.v_loss_q[:nv] + 1, 0)
        exits = act & grace & (self.v_loss_q[:nv] >= vc.exit_loss_quarters)
        if exits.any():
            self.v_active[:nv] &= ~exits
            gone = np.nonzero(exits)[0]
            self.p_orphaned[vi[exits[pv]]] = True
            for i in gone:
                self.vendor_agents.pop(int(i)).remove()
        # entry where margins are attractive
        rev_total = self.v_revenue_q[:nv].sum()
        margin = self.v_profit_q[:nv].sum() / rev_total if rev_total > 0 else \
            vc.target_after_tax_margin
        attract = min(max(margin, 0.0) / max(vc.target_after_tax_margin, 1e-9), 5.0)
        n_new = int(self.rng.poisson(vc.entry_rate * self.vendor_sampling * attract))
        acv_c = np.bincount(self.v_country[pv], acv_v, minlength=w.n_countries) \
            if len(pv) else np.zeros(w.n_countries)
        n_c, p_c = self._vendor_country_draw_args(acv_c)
        countries = self.rng.choice(n_c, size=n_new, p=p_c)
        self._spawn_vendors(n_new, countries)

    # ------------------------------------------------------------------ outputs
    @property
    def metrics(self) -> dict[str, Any]:
        """Outputs of the last quarter (column names as in ``OUTPUT_COLUMNS``)."""
        return quarter_metrics(self)

    def quarterly(self):
        """Quarterly outputs as a DataFrame (``year``, ``quarter`` and the output columns)."""
        from simulation.collector import quarterly_frame
        return quarterly_frame(self)

    def annual(self):
        """Outputs aggregated per calendar year (stocks averaged, flows summed)."""
        from simulation.collector import annual_frame
        return annual_frame(self.quarterly())

    def acv_by_country(self):
        """Long table ``year``, ``vendor_iso3``, ``acv_usd_bn`` (annual mean of quarters)."""
        from simulation.collector import acv_by_country_frame
        return acv_by_country_frame(self)


__all__ = ["BPOModel", "OUTPUT_COLUMNS", "DRIVER_KWARGS", "DECISION_PATHS"]
