"""Market clearing: one quarter's reviews, from consideration sets to signed contracts.

A review is one firm-process pair deciding its sourcing. :func:`clear_market` clears a
quarter from explicit inputs: the due reviews (:meth:`agents.firms.Firms.due_reviews`), their
random draws (:class:`ReviewDraws`), the two populations (:class:`agents.firms.Firms`,
:class:`agents.vendors.Vendors`), the :class:`~simulation.world.World`, the scenario and
the frozen :class:`~simulation.context.QuarterContext`. It reads the populations and
writes nothing: the model's schedule applies the outcomes.

:func:`build_reviews` -> :func:`decide` (:func:`sample_consideration`,
:func:`price_options`, :func:`mechanisms.logit_choice`) ->
:meth:`Vendors.accept_requests <agents.vendors.Vendors.accept_requests>` ->
:func:`refused_choice` -> :func:`contract_outcomes` (:func:`clear_market` decides the
reviews in blocks of :data:`DECIDE_BLOCK`, see there).

The decision functions work on any number of reviews (all of a quarter, or one firm's),
so the agent-by-agent oracle in ``tests/oracle_agents.py`` calls them firm by firm and
gets the same results bit for bit.

Nothing here allocates an array of size firms x vendors or reviews x vendors:
consideration sets are drawn by inverse-CDF sampling on one cumulative weight vector per
process (:meth:`Vendors.consideration_index <agents.vendors.Vendors.consideration_index>`),
so the cost is proportional to reviews x set size (x the log of the number of vendors).

Option columns of the ``(n, k)`` option arrays:

* column 0: in-house;
* columns 1 .. 1 + set_size: vendors (column 1 is the incumbent at expiry, if any);
* last column (only when captives are enabled): a captive centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.firms import MODE_CAPTIVE, MODE_INHOUSE, MODE_VENDOR, DueReviews, Firms
from agents.vendors import ConsiderationIndex, Vendors
from simulation import kernels
from simulation import mechanisms as mech
from simulation.config import Scenario
from simulation.context import QuarterContext
from simulation.world import OFFSHORE, World


@dataclass(frozen=True)
class ReviewDraws:
    """The random draws of a quarter's ``n`` reviews, indexed by review.

    Attributes
    ----------
    u_cons : ndarray, shape (n, consideration_set_size)
        Uniforms of the consideration-set draws.
    u_choice : ndarray, shape (n,)
        Uniforms of the logit choices.
    term_draw : ndarray, shape (n,)
        Contract terms, years (gamma, mean = the quarter's mean term).
    order : ndarray of int, shape (n,)
        Priority order of the requests to vendors (a permutation of ``range(n)``).
    """

    u_cons: np.ndarray
    u_choice: np.ndarray
    term_draw: np.ndarray
    order: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, scenario: Scenario,
             ctx: QuarterContext) -> "ReviewDraws":
        """Draw them from ``rng`` in this order: consideration uniforms, choice uniforms,
        terms, priority order (drawn even when ``n`` is 0)."""
        ct = scenario.contracts
        u_cons = rng.random((n, scenario.decision.consideration_set_size))
        u_choice = rng.random(n)
        term_draw = rng.gamma(ct.term_gamma_shape, ctx.mean_term_years / ct.term_gamma_shape,
                              size=n)
        order = rng.permutation(n)
        return cls(u_cons=u_cons, u_choice=u_choice, term_draw=term_draw, order=order)


@dataclass
class Reviews:
    """The reviews of one quarter (or one firm's); every array has shape ``(n,)``."""

    pair: np.ndarray          # firm-process pair index (firm * n_processes + process)
    firm: np.ndarray
    process: np.ndarray
    home: np.ndarray          # home country index
    hours: np.ndarray         # work volume, in-house hours per year
    incumbent: np.ndarray     # vendor index offered for renewal, -1 if none
    status_quo: np.ndarray    # column of the current arrangement, -1 if none
    prev_mode: np.ndarray     # mode before the review
    prev_country: np.ndarray  # country where the work was done before the review


@dataclass
class Options:
    """Priced options of the reviews; arrays have shape ``(n, k)``."""

    perceived: np.ndarray     # all-in annual cost as the firm sees it, USD/year (inf = none)
    true: np.ndarray          # all-in annual cost with all hidden costs, USD/year
    acv: np.ndarray           # annual value paid: vendor fee or captive transfer price
    mode: np.ndarray          # MODE_* per column
    vendor: np.ndarray        # vendor index, -1 if none
    country: np.ndarray       # where the work is done
    hazard: np.ndarray        # breach hazard per quarter of outsourced work (0 in-house)

    @property
    def nest(self) -> np.ndarray:
        """Nest of each column for the nested logit: 0 in-house, 1 vendors, 2 captive."""
        return self.mode[0] if len(self.mode) else np.zeros(0, dtype=np.int8)

    def at(self, col: np.ndarray) -> "ChosenOption":
        """The option at column ``col[i]`` of each row ``i`` (``col``: shape ``(n,)``)."""
        if kernels.USE_KERNELS:
            mode, vendor, country, acv, true, hazard = kernels.options_at(
                self.mode, self.vendor, self.country, self.acv, self.true, self.hazard,
                np.asarray(col, dtype=np.int64))
            return ChosenOption(mode=mode, vendor=vendor, country=country, acv=acv, true=true,
                                hazard=hazard)
        r = np.arange(len(col))
        return ChosenOption(mode=self.mode[r, col], vendor=self.vendor[r, col],
                            country=self.country[r, col], acv=self.acv[r, col],
                            true=self.true[r, col], hazard=self.hazard[r, col])


@dataclass
class ChosenOption:
    """One option per review (the fields of :class:`Options` at one column per row);
    every array has shape ``(n,)``."""

    mode: np.ndarray
    vendor: np.ndarray
    country: np.ndarray
    acv: np.ndarray
    true: np.ndarray
    hazard: np.ndarray

    @classmethod
    def concatenate(cls, parts: list["ChosenOption"]) -> "ChosenOption":
        """The options of consecutive blocks of reviews, end to end."""
        return cls(**{f: np.concatenate([getattr(p, f) for p in parts])
                      for f in cls.__dataclass_fields__})

    @classmethod
    def where(cls, cond: np.ndarray, a: "ChosenOption", b: "ChosenOption") -> "ChosenOption":
        """Row by row, ``a`` where ``cond`` is True, else ``b``."""
        return cls(**{f: np.where(cond, getattr(a, f), getattr(b, f))
                      for f in cls.__dataclass_fields__})


@dataclass
class Outcomes:
    """What each review ends with; every array has shape ``(n,)``."""

    change: np.ndarray        # bool: the arrangement changes (new, renewed or ended contract)
    mode: np.ndarray          # MODE_* chosen
    vendor: np.ndarray        # vendor index, -1 if none
    country: np.ndarray       # where the work is done from now on
    acv: np.ndarray           # annual value, USD/year
    true: np.ndarray          # true all-in cost, USD/year
    hazard: np.ndarray        # breach hazard per quarter of the arrangement (0 in-house)
    term_q: np.ndarray        # contract term, quarters (meaningful where signed)
    signed: np.ndarray        # bool: a vendor contract is signed (new or renewed)
    tcv: np.ndarray           # total contract value of a signed contract, USD
    backsourced: np.ndarray   # bool: outsourced work (vendor or captive) comes back in-house
    reshored: np.ndarray      # bool: work done abroad comes back to the home country


def clear_market(due: DueReviews, draws: ReviewDraws, firms: Firms, vendors: Vendors,
                 world: World, scenario: Scenario, ctx: QuarterContext
                 ) -> tuple[Reviews, Outcomes]:
    """Clear one quarter's market (ODD step 8, §7.2-7.5).

    Each due review draws its consideration set, prices its options and chooses by
    nested logit (:func:`decide`); the chosen vendors accept requests in the quarter's
    priority order while they have room
    (:meth:`Vendors.accept_requests <agents.vendors.Vendors.accept_requests>`); a refused
    review falls back to :func:`refused_choice`; :func:`contract_outcomes` gives what
    each review ends with. The reviews are priced and chosen in blocks of
    :data:`DECIDE_BLOCK` (the results do not depend on it).

    Parameters
    ----------
    due : DueReviews
        The ``n`` reviews of the quarter (``n`` > 0).
    draws : ReviewDraws
        Their random draws.
    firms, vendors : Firms, Vendors
        The populations at the start of the reviews (read only).
    world : World
    scenario : Scenario
    ctx : QuarterContext

    Returns
    -------
    reviews : Reviews
    outcomes : Outcomes
        To be applied by :meth:`Firms.apply_outcomes <agents.firms.Firms.apply_outcomes>`
        and :meth:`Vendors.commit <agents.vendors.Vendors.commit>`.
    """
    rv = build_reviews(firms, vendors, scenario, ctx, due.pairs, due.ended, due.expired)
    consideration = vendors.consideration_index()
    n = len(rv.pair)
    parts = []  # per block: (choice, fallback, the options at each)
    for lo in range(0, n, DECIDE_BLOCK):
        rows = slice(lo, min(lo + DECIDE_BLOCK, n))
        sub = review_rows(rv, rows)
        opts, choice = decide(firms, vendors, world, scenario, ctx, sub, draws.u_cons[rows],
                              draws.u_choice[rows], consideration)
        fallback = refused_choice(sub, opts)
        parts.append((choice, fallback, opts.at(choice), opts.at(fallback)))
        del opts  # one block's (reviews x options) arrays at a time
    choice, fallback = (np.concatenate([p[i] for p in parts]) for i in (0, 1))
    at_choice, at_fallback = (ChosenOption.concatenate([p[i] for p in parts]) for i in (2, 3))
    del parts
    accepted = vendors.accept_requests(at_choice.vendor, rv.hours, draws.order)
    return rv, outcomes_of(rv, np.where(accepted, choice, fallback),
                           ChosenOption.where(accepted, at_choice, at_fallback),
                           draws.term_draw, scenario.contracts.term_min_quarters)


#: Reviews decided at a time by :func:`clear_market`: it prices and chooses the reviews of a
#: quarter block by block (every review's decision depends on its own row only, as the
#: agent-by-agent oracle checks), and keeps of each block only the options at the chosen
#: and the fallback column, so that the ``(reviews, options)`` arrays of
#: :func:`price_options` and the logit exist for one block at a time (a million firms: up
#: to 700,000 reviews a quarter, some 400 MB of such arrays at once otherwise).
DECIDE_BLOCK = 65536


def review_rows(rv: Reviews, rows: slice) -> Reviews:
    """Some rows of the reviews (``rows``, a slice), as views of their arrays."""
    return Reviews(**{f: getattr(rv, f)[rows] for f in Reviews.__dataclass_fields__})


def option_columns(scenario: Scenario) -> int:
    """Number of option columns ``k``: in-house, incumbent, sampled vendors, [captive]."""
    return 2 + scenario.decision.consideration_set_size + (
        1 if scenario.captives.captives_enabled else 0)


def _gather(values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """``values[slots]`` for vendor slots ``slots >= 0``; the caller masks the entries of
    absent vendors. With no vendor at all, zeros of the same shape."""
    return values[slots] if len(values) else np.zeros(np.shape(slots), values.dtype)


def build_reviews(firms: Firms, vendors: Vendors, scenario: Scenario, ctx: QuarterContext,
                  pairs, ended, expired) -> Reviews:
    """The :class:`Reviews` of some firm-process pairs (all of a quarter, or one firm's).

    Parameters
    ----------
    firms, vendors : Firms, Vendors
        The state before the reviews.
    scenario : Scenario
    ctx : QuarterContext
        The volume reviewed is ``base_hours * growth * demand`` hours per year
        (:meth:`Firms.base_hours_of <agents.firms.Firms.base_hours_of>`), with the
        demand multiplier of the review's home and process (:meth:`QuarterContext.demand_at`).
    pairs : ndarray of int, shape (n,)
    ended, expired : ndarray of bool, shape (n,)
        Whether the pair's vendor contract ended this quarter, and whether by expiry
        (only then is the incumbent offered for renewal).
    """
    prev_mode = np.where(ended, MODE_VENDOR, firms.mode[pairs]).astype(np.int8)
    inc = np.where(expired, firms.vendor[pairs], -1)
    inc = np.where((inc >= 0) & _gather(vendors.active, np.maximum(inc, 0)), inc, -1)
    k = option_columns(scenario)
    sq = np.where(prev_mode == MODE_INHOUSE, 0,
                  np.where(prev_mode == MODE_CAPTIVE, k - 1, np.where(inc >= 0, 1, -1)))
    P = firms.n_processes
    home = firms.pair_home[pairs]
    process = pairs % P
    hours = firms.base_hours_of(pairs) * ctx.growth * ctx.demand_at(home, process)
    if ctx.work_by_process is not None:  # IT work bought as a service (cloud)
        hours = hours * ctx.work_by_process[process]
    return Reviews(pair=pairs, firm=pairs // P, process=process, home=home, hours=hours,
                   incumbent=inc, status_quo=sq, prev_mode=prev_mode,
                   prev_country=firms.country[pairs].copy())


def decide(firms: Firms, vendors: Vendors, world: World, scenario: Scenario,
           ctx: QuarterContext, rv: Reviews, u_cons, u_choice,
           consideration: ConsiderationIndex):
    """The make-or-buy choice of each review, before vendors check their capacity.

    Draws the consideration set (the incumbent is never drawn twice), prices every option
    (:func:`price_options`) and chooses by nested logit (:func:`mechanisms.logit_choice`).

    Parameters
    ----------
    firms, vendors, world, scenario, ctx
        As in :func:`clear_market`.
    rv : Reviews
        ``n`` reviews (all of a quarter, or one firm's).
    u_cons : ndarray, shape (n, consideration_set_size)
    u_choice : ndarray, shape (n,)
        The reviews' rows of the quarter's draws.
    consideration : ConsiderationIndex
        From :meth:`Vendors.consideration_index <agents.vendors.Vendors.consideration_index>`.

    Returns
    -------
    opts : Options
    choice : ndarray of int, shape (n,)
        Chosen option column per review.
    """
    dc = scenario.decision
    if kernels.USE_KERNELS and consideration.offsets is not None:
        sampled = kernels.sample_consideration(
            consideration.flat_vendors, consideration.flat_cumw, consideration.offsets,
            consideration.n_slots, rv.process, u_cons, rv.incumbent)
    else:
        sampled = sample_consideration(consideration, rv.process, u_cons)
        sampled[sampled == rv.incumbent[:, None]] = -1
    opts = price_options(firms, vendors, world, scenario, ctx, rv, sampled)
    choice = mech.logit_choice(opts.perceived, opts.perceived[:, 0], dc.logit_intensity,
                               dc.status_quo_inertia, rv.status_quo, u_choice, nest=opts.nest,
                               nest_scale=dc.nest_scale)
    return opts, choice


def sample_consideration(index: ConsiderationIndex, process, u):
    """Draw consideration sets: vendor indices of shape ``(n, k)``, -1 where none.

    Parameters
    ----------
    index : ConsiderationIndex
        From :meth:`Vendors.consideration_index <agents.vendors.Vendors.consideration_index>`.
    process : ndarray of int, shape (n,)
    u : ndarray, shape (n, k)
        Uniform draws. Draws are with replacement; repeats within a row become -1.
    """
    n, k = u.shape
    out = np.full((n, k), -1, dtype=np.int64)
    if index.n_slots == 0 or k == 0:
        return out
    for p in np.unique(process):
        rows = np.nonzero(process == p)[0]
        cum = index.cumw[p]
        if len(cum) == 0 or cum[-1] <= 0:
            continue
        # a draw at the very top of the CDF (u * total rounding up to total) falls on the
        # last vendor slot, as an inverse CDF over all slots would
        ids = np.r_[index.vendors[p], index.n_slots - 1]
        out[rows] = ids[np.searchsorted(cum, u[rows] * cum[-1], side="right")]
    if k > 1:  # drop repeats within a row (keep the first occurrence)
        srt = np.sort(out, axis=1)
        order = np.argsort(out, axis=1, kind="stable")
        dup_sorted = np.zeros_like(srt, dtype=bool)
        dup_sorted[:, 1:] = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
        dup = np.zeros_like(dup_sorted)
        np.put_along_axis(dup, order, dup_sorted, axis=1)
        out[dup] = -1
    return out


def price_options(firms: Firms, vendors: Vendors, world: World, scenario: Scenario,
                  ctx: QuarterContext, rv: Reviews, sampled: np.ndarray) -> Options:
    """Price every option of every review (all-in annual costs, USD/year).

    Parameters
    ----------
    firms, vendors : Firms, Vendors
        Firms' experience and captive centres; vendors' country, price, security and room.
    world, scenario : World, Scenario
    ctx : QuarterContext
        Year, coordination-cost scale and mean contract term of the quarter.
    rv : Reviews
    sampled : ndarray of int, shape (n, set_size)
        Vendors drawn by :func:`sample_consideration` (-1 = none).

    Notes
    -----
    The cost components are the mechanisms of :mod:`simulation.mechanisms`: the firm's own
    in-house cost (labour and non-labour inputs times the pair's cost factor,
    :meth:`Firms.own_inhouse_cost <agents.firms.Firms.own_inhouse_cost>`), vendor fee (on
    the vendor's delivery mix and the process's non-labour inputs,
    :func:`~simulation.mechanisms.vendor_input_cost`), coordination, governance, expected
    breach loss, backlash, political risk premium and amortised transition cost; hidden costs (coordination, governance, transition) are
    scaled by ``1 - bias`` in the perceived cost.
    """
    if (kernels.USE_KERNELS and vendors.n > 0 and len(rv.pair)
            and kernels.unchanged(mech, _PRICING_MECHANISMS)
            and kernels.unchanged(type(firms), _PRICING_FIRM_RULES)
            and kernels.unchanged(type(vendors), _PRICING_VENDOR_RULES)):
        return _price_options_compiled(firms, vendors, world, scenario, ctx, rv, sampled)
    sc, w, yi = scenario, world, ctx.year_index
    pr = w.processes
    n = len(rv.pair)
    P = rv.process
    captive_on = sc.captives.captives_enabled
    vcols = np.column_stack([rv.incumbent, sampled]) if n else np.zeros((0, 1 + sampled.shape[1]),
                                                                        np.int64)
    k = 1 + vcols.shape[1] + (1 if captive_on else 0)

    c2w = sc.labour.cost_to_wage_ratio
    wm = pr.wage_multiplier[P]
    inhouse_base = rv.hours * w.labour_cost[rv.home, yi] * wm * c2w
    nl_share = pr.nonlabour_share[P]
    inhouse_own = firms.own_inhouse_cost(rv.pair, inhouse_base)
    term = ctx.mean_term_years
    kappa = ctx.coordination_scale
    bias = mech.hidden_cost_bias(sc.decision.hidden_cost_bias, firms.experience[rv.firm],
                                 sc.decision.experience_scale_years)
    sens = pr.data_sensitivity[P]
    sshare = sens / pr.data_sensitivity.sum()
    spec = pr.asset_specificity[P]
    cf = pr.customer_facing[P]
    coord_i = pr.coordination_index[P]
    impact = w.breach_cost_usd_m[rv.home, yi] * 1e6
    risk = sc.risk
    tr = sc.transition
    co = sc.coordination

    perceived = np.full((n, k), np.inf)
    true = np.full((n, k), np.inf)
    acv = np.zeros((n, k))
    mode = np.zeros((n, k), dtype=np.int8)
    vend = np.full((n, k), -1, dtype=np.int64)
    ctry = np.repeat(rv.home[:, None], k, axis=1)
    hazard = np.zeros((n, k))

    # ---- column 0: in-house
    h_in = mech.breach_hazard(w.breach_hazard_q[rv.home], sshare, 1.0, 1.0,
                              risk.breach_hazard_scale)
    breach_in = mech.expected_breach_loss(h_in, sens, impact, 0.0)
    trans_in = np.where(rv.prev_mode != MODE_INHOUSE,
                        mech.transition_cost(tr.fixed_cost_backsourcing_usd_m * 1e6,
                                             inhouse_own, tr.switching_cost_fraction, spec,
                                             tr.asset_specificity_scale, term), 0.0)
    true[:, 0] = inhouse_own + breach_in + trans_in
    perceived[:, 0] = inhouse_own + breach_in + (1 - bias) * trans_in

    # ---- vendor columns
    if vcols.shape[1]:
        v = vcols
        valid = v >= 0
        vs = np.where(valid, v, 0)
        vc = _gather(vendors.country, vs)
        home2 = np.repeat(rv.home[:, None], v.shape[1], axis=1)
        loc = w.location[home2, vc]
        inputs = mech.vendor_input_cost(w.labour_cost[vc, yi], w.labour_cost[home2, yi],
                                        sc.labour.onsite_delivery_share, vc != home2,
                                        nl_share[:, None])
        price = mech.vendor_price_per_hour(
            inputs, wm[:, None], c2w, sc.vendors.vendor_efficiency,
            _gather(vendors.learning, vs), _gather(vendors.margin, vs),
            vendors.tax_rate_for(vs, home2, yi) if vendors.n else w.tax_rate[vc, yi])
        fee = rv.hours[:, None] * price
        fric = mech.location_friction(w.timezone_gap[home2, vc], w.english_pair[home2, vc],
                                      w.distance_km[home2, vc], co.friction_base,
                                      co.friction_timezone, co.friction_language,
                                      co.friction_distance)
        coord = mech.coordination_cost(inhouse_base[:, None], kappa, coord_i[:, None], fric)
        gov = mech.governance_cost(fee, spec[:, None], tr.governance_cost_scale)
        off = loc == OFFSHORE
        hz = mech.breach_hazard(w.breach_hazard_q[vc], sshare[:, None],
                                _gather(vendors.security, vs),
                                np.where(off, risk.offshore_breach_hazard_multiplier, 1.0),
                                risk.breach_hazard_scale)
        breach = mech.expected_breach_loss(hz, sens[:, None], impact[:, None],
                                           w.third_party_premium)
        backl = mech.backlash_cost(inhouse_base[:, None], risk.backlash_intensity, cf[:, None],
                                   off)
        polit = mech.political_risk_premium(fee, w.stability[vc, yi], risk.political_risk_scale)
        fixed = np.where(loc == 0, tr.fixed_cost_domestic_usd_m,
                         tr.fixed_cost_offshore_usd_m) * 1e6
        is_sq = np.zeros(v.shape, dtype=bool)
        is_sq[:, 0] = rv.status_quo == 1
        trans = np.where(is_sq, 0.0,
                         mech.transition_cost(fixed, fee + coord, tr.switching_cost_fraction,
                                              spec[:, None], tr.asset_specificity_scale, term))
        # an offer needs spare capacity for the whole volume
        spare = _gather(vendors.capacity, vs) - _gather(vendors.committed, vs)
        ok = valid & (spare >= rv.hours[:, None]) & _gather(vendors.active, vs)
        hidden = coord + gov + trans
        visible = fee + breach + backl + polit
        cols = slice(1, 1 + v.shape[1])
        true[:, cols] = np.where(ok, visible + hidden, np.inf)
        perceived[:, cols] = np.where(ok, visible + (1 - bias[:, None]) * hidden, np.inf)
        acv[:, cols] = np.where(ok, fee, 0.0)
        mode[:, cols] = MODE_VENDOR
        vend[:, cols] = np.where(ok, v, -1)
        ctry[:, cols] = vc
        hazard[:, cols] = hz

    # ---- captive centre
    if captive_on:
        cc = firms.captive[rv.firm]
        # a firm without a captive considers the country of the first sampled vendor
        first = sampled[:, 0] if sampled.shape[1] else np.full(n, -1)
        cand = np.where(cc >= 0, cc, np.where(
            first >= 0, _gather(vendors.country, np.maximum(first, 0)), -1))
        valid = (cand >= 0) & (cand != rv.home)
        cs = np.where(valid, cand, 0)
        loc = w.location[rv.home, cs]
        off = loc == OFFSHORE
        base = rv.hours * mech.captive_input_cost(
            w.labour_cost[cs, yi], w.labour_cost[rv.home, yi], sc.labour.onsite_delivery_share,
            nl_share) * wm * c2w * sc.captives.captive_efficiency
        saving = mech.captive_tax_saving(base, w.tax_rate[rv.home, yi],
                                         w.entrant_tax_rate[cs, yi],
                                         sc.captives.transfer_pricing_margin)
        fric = mech.location_friction(w.timezone_gap[rv.home, cs], w.english_pair[rv.home, cs],
                                      w.distance_km[rv.home, cs], co.friction_base,
                                      co.friction_timezone, co.friction_language,
                                      co.friction_distance)
        coord = mech.coordination_cost(inhouse_base, kappa, coord_i, fric) \
            * sc.captives.captive_coordination_factor
        hz = mech.breach_hazard(w.breach_hazard_q[cs], sshare, 1.0,
                                np.where(off, risk.offshore_breach_hazard_multiplier, 1.0),
                                risk.breach_hazard_scale)
        breach = mech.expected_breach_loss(hz, sens, impact, 0.0)
        backl = mech.backlash_cost(inhouse_base, risk.backlash_intensity, cf, off)
        polit = mech.political_risk_premium(base, w.stability[cs, yi], risk.political_risk_scale)
        has_here = cc == cs
        fixed = np.where(has_here, 0.0, tr.fixed_cost_captive_usd_m * 1e6)
        is_sq = rv.status_quo == k - 1
        trans = np.where(is_sq, 0.0, mech.transition_cost(fixed, base + coord,
                                                           tr.switching_cost_fraction, spec,
                                                           tr.asset_specificity_scale, term))
        visible = base - saving + breach + backl + polit
        hidden = coord + trans
        true[:, -1] = np.where(valid, visible + hidden, np.inf)
        perceived[:, -1] = np.where(valid, visible + (1 - bias) * hidden, np.inf)
        acv[:, -1] = np.where(valid, base * (1 + sc.captives.transfer_pricing_margin), 0.0)
        mode[:, -1] = MODE_CAPTIVE
        ctry[:, -1] = cs
        hazard[:, -1] = hz
    return Options(perceived=perceived, true=true, acv=acv, mode=mode, vendor=vend,
                   country=ctry, hazard=hazard)


#: The rules the pricing kernel restates (it is used only while none is replaced).
_PRICING_MECHANISMS = kernels.snapshot(mech, (
    "nonlabour_cost", "breach_hazard", "expected_breach_loss", "transition_cost",
    "vendor_input_cost", "delivery_labour_cost", "vendor_price_per_hour",
    "location_friction", "coordination_cost", "governance_cost", "backlash_cost",
    "political_risk_premium", "captive_input_cost", "captive_tax_saving"))
_PRICING_FIRM_RULES = kernels.snapshot(Firms, ("own_inhouse_cost",))
_PRICING_VENDOR_RULES = kernels.snapshot(Vendors, ("tax_rate_for",))


def _price_options_compiled(firms: Firms, vendors: Vendors, world: World, scenario: Scenario,
                            ctx: QuarterContext, rv: Reviews, sampled: np.ndarray) -> Options:
    """:func:`price_options` by its compiled kernel (:func:`simulation.kernels.price_options`,
    bit-identical); needs at least one vendor slot and one review."""
    sc, w, pr = scenario, world, world.processes
    risk, tr, co, cp = sc.risk, sc.transition, sc.coordination, sc.captives
    bias = mech.hidden_cost_bias(sc.decision.hidden_cost_bias, firms.experience[rv.firm],
                                 sc.decision.experience_scale_years)
    perceived, true, acv, mode, vend, ctry, hazard = kernels.price_options(
        rv.hours, rv.home, rv.process, rv.pair, rv.firm, rv.prev_mode, rv.status_quo,
        rv.incumbent, sampled, bias, bool(cp.captives_enabled), ctx.year_index,
        w.labour_cost, w.location, w.timezone_gap, w.english_pair, w.distance_km,
        w.breach_hazard_q, w.stability, w.tax_rate, w.export_tax_rate, w.entrant_tax_rate,
        w.breach_cost_usd_m, float(w.third_party_premium),
        pr.wage_multiplier, pr.nonlabour_share, pr.data_sensitivity,
        float(pr.data_sensitivity.sum()), pr.asset_specificity, pr.customer_facing,
        pr.coordination_index,
        firms.inhouse_factor, firms.captive,
        vendors.country, vendors.learning, vendors.margin, vendors.security,
        vendors.capacity, vendors.committed, vendors.active, vendors.entered,
        float(sc.labour.cost_to_wage_ratio), float(sc.labour.onsite_delivery_share),
        float(sc.vendors.vendor_efficiency), float(ctx.mean_term_years),
        float(ctx.coordination_scale), float(risk.breach_hazard_scale),
        float(risk.offshore_breach_hazard_multiplier), float(risk.backlash_intensity),
        float(risk.political_risk_scale), float(tr.fixed_cost_backsourcing_usd_m * 1e6),
        float(tr.fixed_cost_domestic_usd_m), float(tr.fixed_cost_offshore_usd_m),
        float(tr.fixed_cost_captive_usd_m), float(tr.switching_cost_fraction),
        float(tr.asset_specificity_scale), float(tr.governance_cost_scale),
        float(co.friction_base), float(co.friction_timezone), float(co.friction_language),
        float(co.friction_distance), float(cp.captive_efficiency),
        float(cp.transfer_pricing_margin), float(cp.captive_coordination_factor))
    return Options(perceived=perceived, true=true, acv=acv, mode=mode, vendor=vend,
                   country=ctry, hazard=hazard)


def refused_choice(rv: Reviews, opts: Options) -> np.ndarray:
    """Column a review falls back to when its vendor has no room, shape ``(n,)``.

    The review keeps its status quo if that is in-house or a captive centre, and
    otherwise (a renewal or a new contract was refused) the work goes in-house.
    """
    r = np.arange(len(rv.pair))
    sq = rv.status_quo
    keep = (sq >= 0) & (opts.mode[r, np.maximum(sq, 0)] != MODE_VENDOR)
    return np.where(keep, sq, 0)


def contract_outcomes(rv: Reviews, opts: Options, choice, term_draw,
                      term_min_quarters: int) -> Outcomes:
    """Outcomes of reviews from their final choices (after capacity checks).

    A review changes nothing when it keeps its in-house or captive status quo; any other
    choice (including renewal with the incumbent) signs or ends an arrangement. The term
    of a contract is ``max(term_min_quarters, round(4 * term_draw))`` quarters.
    """
    return outcomes_of(rv, choice, opts.at(choice), term_draw, term_min_quarters)


def outcomes_of(rv: Reviews, choice, chosen: ChosenOption, term_draw,
                term_min_quarters: int) -> Outcomes:
    """:func:`contract_outcomes` from the final choices (``choice``, columns) and the
    options at them (``chosen``: :meth:`Options.at`)."""
    mode = chosen.mode
    change = ~((choice == rv.status_quo) & (rv.prev_mode != MODE_VENDOR))
    term_q = np.maximum(term_min_quarters, np.rint(term_draw * 4).astype(np.int64))
    acv = chosen.acv
    country = chosen.country
    signed = change & (mode == MODE_VENDOR)
    return Outcomes(change=change, mode=mode, vendor=chosen.vendor, country=country,
                    acv=acv, true=chosen.true, hazard=chosen.hazard,
                    term_q=term_q, signed=signed,
                    tcv=acv * term_q / 4.0,
                    backsourced=change & (rv.prev_mode != MODE_INHOUSE)
                    & (mode == MODE_INHOUSE),
                    reshored=change & (rv.prev_country != rv.home) & (country == rv.home))
