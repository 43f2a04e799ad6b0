"""The bposim Mesa model: buyer firms make-or-buy, process by process, from vendors abroad.

:class:`BPOModel` is the schedule of the ODD protocol (``docs/ODD.md`` §3). The two
populations own their state and rules: :class:`~agents.firms.Firms` (firms and their
firm-process pairs) and :class:`~agents.vendors.Vendors`; the market
(:func:`simulation.market.clear_market`) clears the quarter's reviews between them, and the
collector (:mod:`simulation.collector`) observes. The populations never call each other:
the schedule carries every message between them. One step is one quarter. See
``docs/architecture.md`` for where each mechanism lives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa

from agents.firms import Firms
from agents.vendors import Vendors
from simulation.collector import (acv_by_country_frame, annual_frame, bilateral_flows_frame,
                                  make_datacollector, quarter_flows, quarterly_frame)
from simulation.config import Scenario, load_scenario
from simulation.context import QuarterContext, quarter_index
from simulation.market import ReviewDraws, clear_market
from simulation.memory import keep_freed_memory
from simulation.world import World


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
        Extra labour-cost growth in every low-cost vendor country (buyer homes such as
        India included; see ``labour.low_cost_threshold``), per year (default 0).
    captives_enabled : bool, optional
        Allow captive centres (default True).
    agent_tables : bool
        Also record one row per firm and per vendor at the end of each reported year
        (:meth:`firm_table`, :meth:`vendor_table`; default False). Not a scenario field:
        it does not change the scenario or its config hash.
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
        If a parameter is unknown or out of range.

    Attributes
    ----------
    firms : agents.firms.Firms
        The buyer firms and their firm-process pairs; ``firms[i]`` is a view of firm i.
    vendors : agents.vendors.Vendors
        The vendors; ``vendors[j]`` is a view of vendor j.
    world : World
        Countries, processes and their data.
    context : QuarterContext or None
        The last simulated quarter's calendar and drivers.
    flows : QuarterFlows or None
        What happened in the last simulated quarter.

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
                 captives_enabled: bool | None = None, agent_tables: bool = False,
                 rng: Any = None, scenario: Any = None, **overrides: Any):
        super().__init__(rng=rng)
        keep_freed_memory()  # once per process: fewer page faults, the same results
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
        self.world = w = World.build(sc)
        self.first_year = w.first_year
        self.n_total_quarters = (w.last_year - w.first_year + 1) * 4
        self.n_quarters = (sc.time.end_year - sc.time.start_year + 1) * 4
        self.t = 0  # quarters since the start of the spin-up
        self.firms_per_agent = sc.population.real_buyer_firms / sc.population.n_firms
        # initialisation (ODD §5): firms draw first, then the initial vendors, which are
        # sampled at the same rate as firms so that the market does not depend on n_firms
        self.firms = Firms(sc, w, self.rng)
        self.vendors = Vendors(sc, w, self.rng, sampling=1.0 / self.firms_per_agent)
        self.context: QuarterContext | None = None
        self.flows = None
        self.datacollector = make_datacollector(agent_tables)
        for _ in range(sc.time.spinup_years * 4):
            self._advance_quarter()
        self.running = self.t < self.n_total_quarters

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
        return quarter_index(self.first_year, year, quarter)

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """One quarter: the ODD schedule (:meth:`_advance_quarter`, steps 1-10), then
        observation (step 11, the ``datacollector``)."""
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

    def _advance_quarter(self) -> None:
        """ODD steps 1-10 of one quarter; every random draw is made here, in this order:
        three uniforms per pair, the reviews' draws, then the vendors' entry draws."""
        firms, vendors, rng = self.firms, self.vendors, self.rng
        sc, w = self.scenario_config, self.world
        ctx = QuarterContext.of(self.t, self.first_year, sc, w)             # 1. context
        vendors.receive_capacity(ctx.t)                                     # 2. arrivals
        in_force = firms.in_force()
        # 3. draws: the breach, termination and review uniforms of every pair, in this
        # order, each row drawn just before the rule that reads it and freed after it
        breaches = firms.breaches(in_force, firms.draw_uniform(rng), ctx)   # 4. breaches
        vendors.lose_reputation(breaches.vendors)
        endings = firms.end_contracts(in_force, breaches, firms.draw_uniform(rng),
                                      ctx)                                  # 5-6. endings
        vendors.release(endings.vendor, endings.hours)
        due = firms.due_reviews(in_force, endings, firms.draw_uniform(rng),
                                ctx)                                        # 7. reviews
        # the pairs in force (up to two index arrays of n_pairs) are not read after step 7:
        # freed before the market clears (peak memory at a million firms)
        del in_force
        draws = ReviewDraws.draw(rng, len(due), sc, ctx)
        reviews = outcomes = None
        if len(due):
            reviews, outcomes = self._clear_market(due, draws, ctx)        # 8. market
            firms.apply_outcomes(reviews, outcomes, ctx.t)                 # apply outcomes
            vendors.commit(outcomes.vendor[outcomes.signed], reviews.hours[outcomes.signed])
        firms.learn()                                                       # 9. learning
        self._vendor_life_cycle(ctx)                                        # 10. vendors
        self.flows = quarter_flows(breaches, endings, reviews, outcomes, w.processes,
                                   sc.contracts.index_min_acv_usd_m * 1e6)
        self.context = ctx
        self.t += 1

    def _clear_market(self, due, draws, ctx):
        """Market clearing (ODD step 8): :func:`simulation.market.clear_market`."""
        return clear_market(due, draws, self.firms, self.vendors, self.world,
                            self.scenario_config, ctx)

    def _vendor_life_cycle(self, ctx: QuarterContext) -> None:
        """ODD step 10 (§7.10): accounts, learning, reputation, pricing, capacity, exit
        (the exiting vendors' contracts are orphaned) and entry."""
        vendors = self.vendors
        if vendors.n == 0:
            return
        contracts = self.firms.contracts(ctx)
        vendors.keep_accounts(contracts.vendor, contracts.acv, contracts.work_hours,
                              contracts.home, ctx)
        vendors.learn()
        vendors.recover_reputation()
        vendors.set_margins()
        vendors.adjust_capacity(ctx.t)
        exits = vendors.exit(ctx.t)
        self.firms.orphan(contracts, exits)
        vendors.enter(self.rng, contracts.vendor, contracts.acv, ctx.t)

    # ------------------------------------------------------------------ outputs
    def quarterly(self):
        """Quarterly outputs as a DataFrame (``year``, ``quarter`` and the output columns)."""
        return quarterly_frame(self)

    def annual(self):
        """Outputs aggregated per calendar year (stocks averaged, flows summed)."""
        return annual_frame(self.quarterly())

    def acv_by_country(self):
        """Long table ``year``, ``vendor_iso3``, ``acv_usd_bn`` (annual mean of quarters)."""
        return acv_by_country_frame(self)

    def bilateral_flows(self):
        """Annual flows by buyer home x vendor country x process group: ``year``,
        ``home_iso3``, ``vendor_iso3``, ``process_group``, ``acv_usd_bn``, ``hours``,
        ``n_contracts``, ``captive_value_usd_bn``, ``captive_hours``
        (:func:`simulation.collector.bilateral_flows_frame`; ``flows_bilateral.csv``)."""
        return bilateral_flows_frame(self)

    def firm_table(self):
        """One row per firm at the end of each reported year (needs ``agent_tables=True``).

        Returns
        -------
        DataFrame
            Columns (:data:`simulation.collector.FIRM_TABLE_COLUMNS`): ``year``, ``firm``
            (index in ``model.firms``), ``home_iso3``, ``productivity``, ``employees``,
            ``experience_years``, ``n_outsourced`` (processes under a vendor contract),
            ``n_captive`` (processes in a captive centre), ``acv_usd`` (annual value of its
            vendor contracts, USD/year, for this one simulated firm: not scaled by
            ``firms_per_agent``).

        Raises
        ------
        ValueError
            If the model was made without ``agent_tables=True``.

        Notes
        -----
        The rows are a Mesa ``DataCollector`` table (``model.datacollector.tables``), so
        ``model.datacollector.get_table_dataframe("firms")`` gives the same frame. No Mesa
        agent is registered (a million firms would cost ~300 MB), so ``mesa.batch_run``,
        which returns model reporters and the reporters of registered agents, gives
        model-level rows only. For agent-level rows over a parameter grid, run the grid
        yourself::

            rows = []
            for seed, decline in itertools.product([1, 2], [0.02, 0.06]):
                m = BPOModel(rng=seed, coordination_cost_decline=decline, agent_tables=True)
                m.run()
                rows.append(m.firm_table().assign(seed=seed, decline=decline))
            firms = pandas.concat(rows, ignore_index=True)
        """
        return self._table("firms")

    def vendor_table(self):
        """One row per vendor slot at the end of each reported year, exited vendors
        included (needs ``agent_tables=True``; see :meth:`firm_table`).

        Returns
        -------
        DataFrame
            Columns (:data:`simulation.collector.VENDOR_TABLE_COLUMNS`): ``year``,
            ``vendor`` (slot in ``model.vendors``), ``iso3`` (where it works),
            ``capacity_hours`` and ``committed_hours`` (hours per year), ``margin`` (target
            after-tax margin), ``reputation`` (0-1), ``revenue_q_usd`` and ``profit_q_usd``
            (the year's last quarter, USD, not scaled), ``active``.
        """
        return self._table("vendors")

    def _table(self, name: str):
        if name not in self.datacollector.tables:
            raise ValueError(f"no {name} table: make the model with agent_tables=True")
        return self.datacollector.get_table_dataframe(name)


__all__ = ["BPOModel"]
