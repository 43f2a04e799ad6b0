"""Outputs: per-quarter metrics for Mesa's ``DataCollector`` and their yearly aggregation.

Column definitions (money in world USD bn: simulated values x ``firms_per_agent``; counts
are of simulated firm-process pairs, multiply by ``firms_per_agent`` for real-world
counts):

=====================  =======  ============================================================
column                 kind     meaning
=====================  =======  ============================================================
market_acv_usd_bn      stock    annual contract value (ACV) of active vendor contracts
tcv_signed_usd_bn      flow     total contract value (ACV x term) of contracts signed
                                (new and renewed) in the period, all sizes
tcv_index_usd_bn       flow     the part of tcv_signed_usd_bn that the published deal index
                                counts: contracts with ACV >= contracts.index_min_acv_usd_m
                                (ISG Index: USD 5 M); the like-for-like counterpart of the
                                published contract-value series (Statista 189788)
share_onshore etc.     stock    shares of ACV by location of the vendor relative to the
                                buyer's home (onshore / nearshore / offshore)
share_front_office     stock    shares of ACV by office of the process
share_captive          stock    captive centres' annual value / (ACV + captive value)
outsourcing_rate       stock    share of firm-process pairs under a vendor contract
outsourced_hours_m     stock    volume of work under vendor contracts: million in-house-
                                equivalent hours per year (world: x firms_per_agent); the
                                volume beside the value market_acv_usd_bn
n_vendors              stock    active vendors
hhi_vendors            stock    Herfindahl-Hirschman index of vendor ACV shares (0-1)
n_breaches             flow     breaches of outsourced work (vendor contracts and captives)
breach_loss_usd_bn     flow     cost of those breaches
n_terminations         flow     contracts ended before expiry (breach, poor value, vendor
                                exit); = the sum of the three n_early_term_* columns
n_backsourced          flow     outsourced work (vendor or captive) taken back in-house, at
                                any review (after an expiry, an early termination, or a
                                periodic review of a captive centre)
n_reshored             flow     work done abroad brought back to the home country (in-house
                                or an onshore vendor)
n_early_term_poor_value flow    early terminations after poor_value_quarters poor-value
                                quarters in a row (realised all-in cost above today's
                                in-house labour cost by more than poor_value_tolerance)
n_early_term_breach    flow     early terminations by a breach (breach_termination_prob)
n_early_term_vendor_exit flow   early terminations because the vendor exited the market.
                                One cause per contract: when causes coincide in a quarter,
                                vendor exit, then breach, then poor value
n_backsourced_after_early_term  contracts ended early whose work was taken back in-house at
                       flow     the review that follows (the same quarter);
                                <= n_terminations and <= n_backsourced
=====================  =======  ============================================================

The share of contracts ended early in a two-year window is ``n_terminations`` summed over
the window / (``n_contracts_active`` of the quarter before it + the contracts signed in it,
the change of ``n_contracts_signed_cum``); :mod:`simulation.contract_evidence` computes it
and sets it beside published survey figures.

Extra columns: ``tcv_signed_bpo_usd_bn`` (flow; the part of ``tcv_signed_usd_bn`` from
business processes, i.e. all but IT services), ``tcv_index_bpo_usd_bn`` (flow; the same
part of ``tcv_index_usd_bn``, for the published 2015 ITO/BPO split), ``acv_index_usd_bn``
(flow; the ACV of the contracts in ``tcv_index_usd_bn``, comparable with the ISG Index's
ACV figures),
``n_contracts_signed_cum``, ``n_contracts_active``, ``n_contracts_ended_cum`` (contract
conservation) and ``captive_value_usd_bn``.

An empty market (no ACV) reports ``share_onshore = 1`` and ``share_back_office = 1`` so
that shares always sum to 1; ``n_vendors`` and ``market_acv_usd_bn`` show it is empty.
Yearly values: stocks are the mean of the year's quarters (shares recomputed from the
mean ACV of each part, so they still sum to 1); flows are summed.

Agent-level data: with ``BPOModel(agent_tables=True)`` the collector also records one row
per firm (:data:`FIRM_TABLE_COLUMNS`) and per vendor slot (:data:`VENDOR_TABLE_COLUMNS`) at
the end of each reported year, as Mesa ``DataCollector`` tables ``"firms"`` and
``"vendors"`` (:meth:`BPOModel.firm_table <simulation.model.BPOModel.firm_table>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import mesa
import numpy as np
import pandas as pd

from agents.firms import MODE_CAPTIVE, MODE_VENDOR
from simulation import kernels
from simulation import mechanisms as mech

OUTPUT_COLUMNS = (
    "market_acv_usd_bn", "tcv_signed_usd_bn", "tcv_index_usd_bn", "share_onshore",
    "share_nearshore",
    "share_offshore", "share_front_office", "share_back_office", "share_captive",
    "outsourcing_rate", "n_vendors", "hhi_vendors", "n_breaches", "breach_loss_usd_bn",
    "n_terminations", "n_backsourced", "n_reshored", "outsourced_hours_m",
    "n_early_term_poor_value", "n_early_term_breach", "n_early_term_vendor_exit",
    "n_backsourced_after_early_term")
#: Early terminations by cause (they sum to ``n_terminations``).
EARLY_TERM_COLUMNS = ("n_early_term_poor_value", "n_early_term_breach",
                      "n_early_term_vendor_exit")
#: Extra columns kept for invariants: cumulative contracts signed / ended, active now.
BOOKKEEPING_COLUMNS = ("n_contracts_signed_cum", "n_contracts_active", "n_contracts_ended_cum",
                       "captive_value_usd_bn", "tcv_signed_bpo_usd_bn", "tcv_index_bpo_usd_bn",
                       "acv_index_usd_bn")
#: The published deal index's view of the contracts signed (the measurement model of the
#: published TCV series: :func:`simulation.mechanisms.counted_in_deal_index`).
INDEX_COLUMNS = ("tcv_index_usd_bn", "tcv_index_bpo_usd_bn", "acv_index_usd_bn")
FLOW_COLUMNS = ("tcv_signed_usd_bn", "tcv_signed_bpo_usd_bn", *INDEX_COLUMNS, "n_breaches",
                "breach_loss_usd_bn",
                "n_terminations", "n_backsourced", "n_reshored", *EARLY_TERM_COLUMNS,
                "n_backsourced_after_early_term")
SHARE_GROUPS = (("share_onshore", "share_nearshore", "share_offshore"),
                ("share_front_office", "share_back_office"))


#: Columns of the optional per-year firm table (:meth:`BPOModel.firm_table`).
FIRM_TABLE_COLUMNS = ("year", "firm", "home_iso3", "productivity", "employees",
                      "experience_years", "n_outsourced", "n_captive", "acv_usd")
#: Columns of the optional per-year vendor table (:meth:`BPOModel.vendor_table`).
VENDOR_TABLE_COLUMNS = ("year", "vendor", "iso3", "capacity_hours", "committed_hours",
                        "margin", "reputation", "revenue_q_usd", "profit_q_usd", "active")


@dataclass(frozen=True)
class QuarterFlows:
    """What happened in one quarter (simulated firms, not scaled).

    Attributes
    ----------
    tcv, tcv_bpo : float
        Total contract value signed (new and renewed), USD; its part from business
        processes (all but IT services).
    tcv_index, tcv_index_bpo, acv_index : float
        The contracts of ``tcv``/``tcv_bpo`` that the published deal index counts
        (:func:`simulation.mechanisms.counted_in_deal_index`: ACV at or above the index's
        threshold), USD: their TCV, its business-process part, and their ACV.
    n_breaches : int
        Breaches of outsourced work.
    breach_loss : float
        Their cost, USD.
    n_terminations : int
        Contracts ended before expiry.
    n_backsourced, n_reshored : int
        Reviews that took outsourced work back in-house; that brought work done abroad
        back to the home country.
    n_early_term_poor_value, n_early_term_breach, n_early_term_vendor_exit : int
        Contracts ended before expiry, by cause (they sum to ``n_terminations``).
    n_backsourced_after_early_term : int
        Reviews after an early termination that took the work back in-house.
    """

    tcv: float
    tcv_bpo: float
    n_breaches: int
    breach_loss: float
    n_terminations: int
    n_backsourced: int
    n_reshored: int
    n_early_term_poor_value: int = 0
    n_early_term_breach: int = 0
    n_early_term_vendor_exit: int = 0
    n_backsourced_after_early_term: int = 0
    tcv_index: float = 0.0
    tcv_index_bpo: float = 0.0
    acv_index: float = 0.0


def quarter_flows(breaches, endings, reviews, outcomes, processes,
                  index_min_acv_usd: float = 0.0) -> QuarterFlows:
    """The :class:`QuarterFlows` of a quarter from its breaches and contract endings
    (:class:`agents.firms.Breaches`, :class:`agents.firms.Endings`) and the reviews and
    outcomes of its market clearing (both None when nothing was reviewed), summed in
    review order. ``index_min_acv_usd`` is the published deal index's threshold (USD of
    ACV; :func:`simulation.mechanisms.counted_in_deal_index`)."""
    if outcomes is None:
        tcv = tcv_bpo = tcv_idx = tcv_idx_bpo = acv_idx = 0.0
        n_back = n_resh = n_back_early = 0
    else:
        s = outcomes.signed
        bpo = ~processes.ito[reviews.process]
        tcv = float(outcomes.tcv[s].sum())
        tcv_bpo = float(outcomes.tcv[s & bpo].sum())
        idx = s & mech.counted_in_deal_index(outcomes.acv, index_min_acv_usd)
        tcv_idx = float(outcomes.tcv[idx].sum())
        tcv_idx_bpo = float(outcomes.tcv[idx & bpo].sum())
        acv_idx = float(outcomes.acv[idx].sum())
        n_back, n_resh = int(outcomes.backsourced.sum()), int(outcomes.reshored.sum())
        early = endings.pairs[~endings.expired]
        ended_early = kernels.sorted_isin(reviews.pair, early) if kernels.USE_KERNELS \
            else np.isin(reviews.pair, early)  # both increasing
        n_back_early = int(np.count_nonzero(outcomes.backsourced & ended_early))
    return QuarterFlows(tcv=tcv, tcv_bpo=tcv_bpo, n_breaches=len(breaches.pairs),
                        breach_loss=breaches.loss, n_terminations=endings.n_terminated,
                        n_backsourced=n_back, n_reshored=n_resh,
                        n_early_term_poor_value=endings.n_by_cause(mech.EARLY_TERM_POOR_VALUE),
                        n_early_term_breach=endings.n_by_cause(mech.EARLY_TERM_BREACH),
                        n_early_term_vendor_exit=endings.n_by_cause(
                            mech.EARLY_TERM_VENDOR_EXIT),
                        n_backsourced_after_early_term=n_back_early,
                        tcv_index=tcv_idx, tcv_index_bpo=tcv_idx_bpo, acv_index=acv_idx)


def _read_metric(name: str, model) -> float:
    """Reporter body: one metric of the quarter, computed once per step."""
    return model.datacollector.latest[name]


def make_datacollector(agent_tables: bool = False) -> "QuarterCollector":
    """The model's ``datacollector``: one model reporter per output column, and the tables
    ``"firms"`` and ``"vendors"`` when ``agent_tables`` is True."""
    names = ("year", "quarter") + OUTPUT_COLUMNS + BOOKKEEPING_COLUMNS
    tables = {"firms": list(FIRM_TABLE_COLUMNS), "vendors": list(VENDOR_TABLE_COLUMNS)} \
        if agent_tables else None
    return QuarterCollector(model_reporters={n: partial(_read_metric, n) for n in names},
                            tables=tables)


class QuarterCollector(mesa.DataCollector):
    """Mesa ``DataCollector`` of bposim: the quarter's outputs, and the yearly agent tables.

    Attributes
    ----------
    latest : dict
        Outputs of the last collected quarter (:func:`quarter_metrics`).
    acv_by_country : list of ndarray, shape (n_countries,) each
        ACV by the country where the work is done, world USD bn, one per collected quarter.
    bilateral : dict
        Per calendar year, the sums over its collected quarters of the stocks by buyer home
        x vendor country x process group (:func:`bilateral_quarter`) and the number of
        quarters (:func:`bilateral_flows_frame`).
    tables : dict
        Mesa's tables; ``"firms"`` and ``"vendors"`` (one row per agent at the end of each
        reported year) when the model was made with ``agent_tables=True``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.latest: dict = {}
        self.acv_by_country: list[np.ndarray] = []
        self.bilateral: dict[int, tuple[np.ndarray, int]] = {}

    def collect(self, model):
        stocks = pair_stocks(model.firms, model.world, model.vendors.n)
        self.latest = quarter_metrics(model.firms, model.vendors, model.world, model.context,
                                      model.flows, model.firms_per_agent, stocks)
        self.acv_by_country.append(self.latest.pop("_acv_by_country"))
        year = model.context.year
        sums, nq = self.bilateral.get(year, (0.0, 0))
        self.bilateral[year] = (sums + stocks.bilateral, nq + 1)
        super().collect(model)
        if self.tables and model.context.quarter == 4:
            self._extend("firms", firm_rows(model.firms, model.context.year))
            self._extend("vendors", vendor_rows(model.vendors, model.context.year))

    def _extend(self, table: str, columns: dict) -> None:
        """Append many rows to a table at once (``columns``: one sequence per column)."""
        assert tuple(columns) == tuple(self.tables[table]), (table, tuple(columns))
        for name, values in columns.items():
            self.tables[table][name].extend(values)


def firm_rows(firms, year: int) -> dict:
    """One row per firm (columns :data:`FIRM_TABLE_COLUMNS`, as lists): its state and
    sourcing now. ``acv_usd`` is the annual value of its vendor contracts, USD/year."""
    mode = firms.mode.reshape(-1, firms.n_processes)
    is_v = mode == MODE_VENDOR
    iso3 = np.asarray(firms.world.iso3)
    acv = np.where(is_v, firms.acv.reshape(-1, firms.n_processes), 0.0).sum(axis=1)
    return {"year": [year] * firms.n, "firm": list(range(firms.n)),
            "home_iso3": iso3[firms.home].tolist(),
            "productivity": firms.productivity.tolist(),
            "employees": firms.employees.tolist(),
            "experience_years": firms.experience.tolist(),
            "n_outsourced": is_v.sum(axis=1).tolist(),
            "n_captive": (mode == MODE_CAPTIVE).sum(axis=1).tolist(), "acv_usd": acv.tolist()}


def vendor_rows(vendors, year: int) -> dict:
    """One row per vendor slot, exited vendors included (columns
    :data:`VENDOR_TABLE_COLUMNS`, as lists). Revenue and profit are those of the year's
    last quarter, USD."""
    iso3 = np.asarray(vendors.world.iso3)
    return {"year": [year] * vendors.n, "vendor": list(range(vendors.n)),
            "iso3": iso3[vendors.country].tolist(),
            "capacity_hours": vendors.capacity.tolist(),
            "committed_hours": vendors.committed.tolist(), "margin": vendors.margin.tolist(),
            "reputation": vendors.reputation.tolist(),
            "revenue_q_usd": vendors.revenue_q.tolist(),
            "profit_q_usd": vendors.profit_q.tolist(), "active": vendors.active.tolist()}


@dataclass(frozen=True)
class PairStocks:
    """Sums over the firm-process pairs at the end of a quarter (simulated firms, not
    scaled), from which :func:`quarter_metrics` and the bilateral table are made.

    Attributes
    ----------
    total, front, back : float
        ACV of the vendor contracts in force (USD/year): all, front-office, back-office.
    captive : float
        Annual value of the captive centres, USD/year.
    hours : float
        Hours per year under vendor contracts.
    by_location : ndarray, shape (3,)
        Vendor ACV by location (onshore, nearshore, offshore), USD/year.
    by_vendor : ndarray, shape (n_vendors,)
        Vendor ACV by vendor slot, USD/year.
    by_country : ndarray, shape (n_countries,)
        Vendor ACV by the country where the work is done, USD/year.
    n_contracts : int
        Vendor contracts in force.
    bilateral : ndarray, shape (5, n_countries * n_countries * 4)
        :func:`bilateral_quarter`.
    """

    total: float
    front: float
    back: float
    captive: float
    hours: float
    by_location: np.ndarray
    by_vendor: np.ndarray
    by_country: np.ndarray
    n_contracts: int
    bilateral: np.ndarray


def process_groups(processes) -> np.ndarray:
    """Process group of each process (:data:`PROCESS_GROUP_NAMES`: 2 x ito + front office),
    shape ``(n_processes,)``, int."""
    return 2 * processes.ito.astype(np.intp) + processes.front_office.astype(np.intp)


def pair_stocks(firms, world, n_vendors: int) -> PairStocks:
    """The :class:`PairStocks` of the pairs now (one compiled pass,
    :func:`simulation.kernels.pair_stocks`, or the numpy expressions below, bit for bit
    the same)."""
    nc = world.n_countries
    if kernels.USE_KERNELS:
        *sums, n_active, bil = kernels.pair_stocks(
            firms.mode, firms.acv, firms.hours, firms.country, firms.pair_home, firms.process,
            firms.vendor, world.location, world.processes.front_office,
            process_groups(world.processes), n_vendors, nc)
        total, fo, back, cap_val, hours, by_loc, vend_acv, by_country = sums
        return PairStocks(float(total), float(fo), float(back), float(cap_val), float(hours),
                          by_loc, vend_acv, by_country, int(n_active), bil)
    is_v = firms.mode == MODE_VENDOR
    vi = np.flatnonzero(is_v)  # pairs under contract: gathered once, used for every sum
    acv = firms.acv[vi]
    country = firms.country[vi]
    loc = world.location.ravel()[firms.pair_home[vi].astype(np.intp) * nc + country]
    front = world.processes.front_office[firms.process[vi]]
    vend_acv = np.bincount(firms.vendor[vi], acv, minlength=n_vendors)[:n_vendors] \
        if n_vendors else np.zeros(0)
    return PairStocks(total=float(acv.sum()), front=float(acv[front].sum()),
                      back=float(acv[~front].sum()),
                      captive=float(firms.acv[firms.mode == MODE_CAPTIVE].sum()),
                      hours=float(firms.hours[vi].sum()),
                      by_location=np.bincount(loc, acv, minlength=3), by_vendor=vend_acv,
                      by_country=np.bincount(country, acv, minlength=nc),
                      n_contracts=len(vi), bilateral=bilateral_quarter(firms, world))


def quarter_metrics(firms, vendors, world, ctx, flows: QuarterFlows,
                    firms_per_agent: float, stocks: "PairStocks | None" = None) -> dict:
    """Outputs of the quarter just simulated (see the module docstring).

    Parameters
    ----------
    firms, vendors : agents.firms.Firms, agents.vendors.Vendors
        The state at the end of the quarter.
    world : World
    ctx : QuarterContext
        The quarter (its calendar year and quarter).
    flows : QuarterFlows
        What happened in the quarter.
    firms_per_agent : float
        Real firms per simulated firm (money is scaled to the world with it).
    stocks : PairStocks, optional
        The sums over the pairs now (:func:`pair_stocks`); computed when not given.

    Returns
    -------
    dict
        ``year``, ``quarter``, every output and bookkeeping column, and
        ``_acv_by_country`` (ndarray, shape (n_countries,), world USD bn).
    """
    scale = firms_per_agent / 1e9
    nv = vendors.n
    st = stocks if stocks is not None else pair_stocks(firms, world, nv)
    total, fo, back, cap_val, hours = st.total, st.front, st.back, st.captive, st.hours
    by_loc, vend_acv, by_country, n_active = st.by_location, st.by_vendor, st.by_country, \
        st.n_contracts
    vsum = float(vend_acv.sum()) if nv else 0.0
    hhi = min(float(((vend_acv / vsum) ** 2).sum()), 1.0) if vsum > 0 else 0.0
    if total > 0:  # shares from their own parts, so rounding cannot push them past 1
        s_loc = np.clip(by_loc / by_loc.sum(), 0.0, 1.0)
        s_front = min(max(fo / (fo + back), 0.0), 1.0)
    else:
        s_loc = np.array([1.0, 0.0, 0.0])
        s_front = 0.0
    acv_country = by_country * scale
    return {
        "year": ctx.year, "quarter": ctx.quarter,
        "market_acv_usd_bn": total * scale,
        "tcv_signed_usd_bn": flows.tcv * scale,
        "tcv_signed_bpo_usd_bn": flows.tcv_bpo * scale,
        "tcv_index_usd_bn": flows.tcv_index * scale,
        "tcv_index_bpo_usd_bn": flows.tcv_index_bpo * scale,
        "acv_index_usd_bn": flows.acv_index * scale,
        "share_onshore": float(s_loc[0]), "share_nearshore": float(s_loc[1]),
        "share_offshore": float(s_loc[2]),
        "share_front_office": float(s_front), "share_back_office": float(1.0 - s_front),
        "share_captive": cap_val / (total + cap_val) if cap_val > 0 else 0.0,
        # the mean of a boolean array is its count (exact in any order) / its length
        "outsourcing_rate": n_active / firms.n_pairs,
        "n_vendors": int(vendors.active.sum()),
        "hhi_vendors": hhi,
        "n_breaches": flows.n_breaches,
        "breach_loss_usd_bn": flows.breach_loss * scale,
        "n_terminations": flows.n_terminations,
        "n_backsourced": flows.n_backsourced,
        "n_reshored": flows.n_reshored,
        "outsourced_hours_m": hours * firms_per_agent / 1e6,
        **{c: getattr(flows, c) for c in (*EARLY_TERM_COLUMNS,
                                          "n_backsourced_after_early_term")},
        "n_contracts_signed_cum": firms.contracts_signed,
        "n_contracts_active": int(n_active),
        "n_contracts_ended_cum": firms.contracts_ended,
        "captive_value_usd_bn": cap_val * scale,
        "_acv_by_country": acv_country,
    }


#: Process groups of the bilateral table: IT (ITO) or business process outsourcing (BPO),
#: back or front office; code = 2 x ito + front.
PROCESS_GROUP_NAMES = ("bpo_back", "bpo_front", "ito_back", "ito_front")
#: Columns of the bilateral table (:func:`bilateral_flows_frame`, ``flows_bilateral.csv``).
BILATERAL_COLUMNS = ("year", "home_iso3", "vendor_iso3", "process_group", "acv_usd_bn",
                     "hours", "n_contracts", "captive_value_usd_bn", "captive_hours")


def bilateral_quarter(firms, world) -> np.ndarray:
    """Stocks of one quarter by buyer home x vendor country x process group (simulated
    firms, not scaled).

    Returns
    -------
    ndarray, shape (5, n_countries * n_countries * 4)
        Rows: vendor ACV (USD/year), vendor hours (per year), vendor contracts, captive
        value (USD/year), captive hours; cell ``(home * C + country) * 4 + group``, group
        as in :data:`PROCESS_GROUP_NAMES`.
    """
    C = world.n_countries
    group = process_groups(world.processes)
    out = np.zeros((5, C * C * 4))
    for row, mode in ((0, MODE_VENDOR), (3, MODE_CAPTIVE)):
        idx = np.flatnonzero(firms.mode == mode)
        if not len(idx):
            continue
        cell = (firms.pair_home[idx].astype(np.intp) * C + firms.country[idx]) * 4 \
            + group[firms.process[idx]]
        out[row] = np.bincount(cell, firms.acv[idx], minlength=C * C * 4)
        out[row + 1] = np.bincount(cell, firms.hours[idx], minlength=C * C * 4)
        if mode == MODE_VENDOR:
            out[2] = np.bincount(cell, minlength=C * C * 4)
    return out


def bilateral_flows_frame(model) -> pd.DataFrame:
    """Annual flows by buyer home country x vendor country x process group.

    A long table with the columns of :data:`BILATERAL_COLUMNS`, one row per year, home,
    vendor country and process group with vendor or captive work, sorted in that order:

    - ``home_iso3``: the buyer's home country; ``vendor_iso3``: the country where the work
      is done (the vendor's country, or the captive centre's); the diagonal is onshore work;
    - ``process_group``: ``bpo_back``, ``bpo_front``, ``ito_back``, ``ito_front`` (ITO = the
      processes of ``Processes.ITO_PROCESSES``; office from ``processes.csv``);
    - ``acv_usd_bn``: ACV of active vendor contracts, world USD bn per year;
    - ``hours``: their contracted volume, in-house-equivalent hours per year, world
      (simulated hours x ``firms_per_agent``);
    - ``n_contracts``: active vendor contracts (simulated firm-process pairs);
    - ``captive_value_usd_bn``, ``captive_hours``: the same for captive centres (their
      transfer price; 0 when captives are off).

    Every value is the mean over the year's collected quarters (stocks, as in the annual
    table), so ``acv_usd_bn`` summed over homes and groups is :func:`acv_by_country_frame`,
    and summed over everything the annual ``market_acv_usd_bn``. Trade-in-services
    statistics record exports by the exporter's country: ``vendor_iso3`` -> ``home_iso3``,
    vendor and captive (intra-firm) work together.
    """
    w = model.world
    C = w.n_countries
    iso = np.asarray(w.iso3)
    scale = model.firms_per_agent
    frames = []
    for year, (sums, nq) in sorted(model.datacollector.bilateral.items()):
        mean = sums / nq
        keep = np.flatnonzero((mean[2] > 0) | (mean[3] > 0))
        home, rest = np.divmod(keep, C * 4)
        vendor, group = np.divmod(rest, 4)
        frames.append(pd.DataFrame({
            "year": year, "home_iso3": iso[home], "vendor_iso3": iso[vendor],
            "process_group": np.asarray(PROCESS_GROUP_NAMES)[group],
            "acv_usd_bn": mean[0, keep] * scale / 1e9, "hours": mean[1, keep] * scale,
            "n_contracts": mean[2, keep], "captive_value_usd_bn": mean[3, keep] * scale / 1e9,
            "captive_hours": mean[4, keep] * scale}))
    if not frames:
        return pd.DataFrame(columns=list(BILATERAL_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(BILATERAL_COLUMNS)]


def quarterly_frame(model) -> pd.DataFrame:
    """Quarterly table from ``model.datacollector`` (one row per simulated quarter)."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return df.astype({"year": "int64", "quarter": "int64"})


def annual_frame(q: pd.DataFrame) -> pd.DataFrame:
    """Aggregate a quarterly table per calendar year (stocks: mean; flows: sum)."""
    cols = [c for c in q.columns if c not in ("year", "quarter")]
    agg = {c: ("sum" if c in FLOW_COLUMNS else "mean") for c in cols}
    for c in ("n_contracts_signed_cum", "n_contracts_ended_cum", "n_contracts_active"):
        if c in agg:
            agg[c] = "last"
    a = q.groupby("year", as_index=False).agg(agg)
    # shares from the mean ACV of each part, so that they sum to 1
    acv = q["market_acv_usd_bn"]
    for group in SHARE_GROUPS:
        parts = pd.DataFrame({g: q[g] * acv for g in group}).groupby(q["year"]).mean()
        tot = parts.sum(axis=1).to_numpy()
        for g in group:
            a[g] = np.where(tot > 0, parts[g].to_numpy() / np.where(tot > 0, tot, 1),
                            a[g].to_numpy())
    cap = q["captive_value_usd_bn"].groupby(q["year"]).mean().to_numpy()
    denom = a["market_acv_usd_bn"].to_numpy() + cap
    a["share_captive"] = np.where(cap > 0, cap / np.where(denom > 0, denom, 1), 0.0)
    for c in ("n_vendors", "n_breaches", "n_terminations", "n_backsourced", "n_reshored",
              *EARLY_TERM_COLUMNS, "n_backsourced_after_early_term"):
        if agg[c] == "sum":
            a[c] = a[c].astype("int64")
    return a


def acv_by_country_frame(model) -> pd.DataFrame:
    """Long table ``year``, ``vendor_iso3``, ``acv_usd_bn``: yearly mean of quarterly ACV
    by the country where the vendor works (only countries with ACV > 0)."""
    hist = np.array(model.datacollector.acv_by_country)
    if hist.size == 0:
        return pd.DataFrame(columns=["year", "vendor_iso3", "acv_usd_bn"])
    q = model.datacollector.get_model_vars_dataframe()
    df = pd.DataFrame(hist, columns=model.world.iso3)
    df["year"] = q["year"].to_numpy()
    yearly = df.groupby("year").mean()
    long = yearly.reset_index().melt(id_vars="year", var_name="vendor_iso3",
                                     value_name="acv_usd_bn")
    long = long[long["acv_usd_bn"] > 0].sort_values(["year", "vendor_iso3"])
    return long.reset_index(drop=True)


def trailing_year_frame(q: pd.DataFrame) -> pd.DataFrame:
    """Quarterly table for live views (the dashboard), on the units of the annual table.

    Parameters
    ----------
    q : DataFrame
        Quarterly table (:func:`quarterly_frame`), one row per simulated quarter.

    Returns
    -------
    DataFrame
        Same rows and columns, with ``year`` replaced by the decimal year of the quarter's
        start (``year + (quarter - 1) / 4``, float) and every flow column (``FLOW_COLUMNS``)
        replaced by its trailing four-quarter sum, i.e. a per-year rate comparable with the
        annual table. While fewer than four quarters exist, the mean of the available
        quarters x 4 is used. Stocks (ACV, shares, vendors) are the quarter's values.
    """
    out = q.copy()
    out["year"] = q["year"].astype(float) + (q["quarter"].astype(float) - 1.0) / 4.0
    for c in FLOW_COLUMNS:
        if c in q.columns:
            out[c] = q[c].astype(float).rolling(4, min_periods=1).mean() * 4.0
    return out


def acv_flow_matrix(model) -> pd.DataFrame:
    """Where the work flows: ACV of active vendor contracts, buyer home country x vendor
    country, in the current state of the model (the last simulated quarter).

    Parameters
    ----------
    model : BPOModel

    Returns
    -------
    DataFrame
        Shape (n_home, n_vendor): index ``home_iso3`` (buyer's home country), columns
        ``vendor_iso3`` (country where the vendor does the work), values in world USD bn per
        year (simulated ACV x ``firms_per_agent``). Only countries with some ACV are kept
        (an empty market gives a 0 x 0 frame). The diagonal is onshore work. The total
        equals ``market_acv_usd_bn`` of the last collected quarter.
    """
    w = model.world
    n = w.n_countries
    firms = model.firms
    is_v = firms.mode == MODE_VENDOR
    flat = np.bincount(firms.pair_home[is_v] * n + firms.country[is_v], firms.acv[is_v],
                       minlength=n * n)
    m = flat.reshape(n, n) * (model.firms_per_agent / 1e9)
    iso = list(w.iso3)
    df = pd.DataFrame(m, index=pd.Index(iso, name="home_iso3"),
                      columns=pd.Index(iso, name="vendor_iso3"))
    return df.loc[df.sum(axis=1) > 0, df.sum(axis=0) > 0]
