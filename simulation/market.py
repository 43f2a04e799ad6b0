"""Market mechanics: the reviews of a quarter, from consideration sets to signed contracts.

A review is one firm-process pair deciding its sourcing. The quarter's reviews share a
:class:`ReviewRound` (their random draws and the market snapshot). The decision functions
work on any number of reviews: the vectorised path calls them once with all reviews of
the quarter, the agent-by-agent path once per firm with that firm's reviews
(:meth:`agents.firm.Firm.step`), and both give the same results bit for bit:

:func:`build_reviews` -> :func:`decide` (:func:`sample_consideration`,
:func:`price_options`, :func:`mechanisms.logit_choice`) -> :func:`resolve_capacity`
(or :meth:`agents.vendor.Vendor.accept_requests`) -> :func:`contract_outcomes`.

Nothing here allocates an array of size firms x vendors or reviews x vendors:
consideration sets are drawn by inverse-CDF sampling on one cumulative weight vector per
process (:class:`ConsiderationIndex`), so the cost is proportional to reviews x set size
(x the log of the number of vendors).

Option columns of the ``(n, k)`` option arrays:

* column 0: in-house;
* columns 1 .. 1 + set_size: vendors (column 1 is the incumbent at expiry, if any);
* last column (only when captives are enabled): a captive centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation import mechanisms as mech
from simulation.world import OFFSHORE

MODE_INHOUSE, MODE_VENDOR, MODE_CAPTIVE = 0, 1, 2
#: Rounding slack when a request is checked against a vendor's spare capacity, hours/year.
CAPACITY_TOLERANCE_HOURS = 1e-6


@dataclass
class Reviews:
    """The reviews of one quarter; every array has shape ``(n,)``."""

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
    inhouse_true: np.ndarray  # shape (n,): true in-house cost, USD/year

    @property
    def nest(self) -> np.ndarray:
        """Nest of each column for the nested logit: 0 in-house, 1 vendors, 2 captive."""
        return self.mode[0] if len(self.mode) else np.zeros(0, dtype=np.int8)


@dataclass
class ConsiderationIndex:
    """Inverse-CDF tables for drawing consideration sets, one per process.

    For process p, ``vendors[p]`` holds the vendor slots that can be drawn (active, offering
    p, positive weight), increasing, and ``cumw[p]`` the running sum of their weights. Its
    size is the number of (vendor, process) offers: nothing here is firms x vendors or
    reviews x vendors.
    """

    vendors: list          # per process: ndarray of int, vendor slots
    cumw: list             # per process: ndarray of float, running sum of weights
    n_slots: int           # number of vendor slots (drawn indices are < n_slots)


def consideration_index(capacity, reputation, specialised, active) -> ConsiderationIndex:
    """Sampling tables of the consideration sets (see :class:`ConsiderationIndex`).

    A vendor's chance to enter a consideration set for process p is proportional to its
    visibility (capacity, hours/year) x reputation (0-1), among active vendors offering p
    (assumption: buyers hear of large, reputable vendors first).

    Parameters
    ----------
    capacity, reputation : ndarray, shape (n_vendors,)
    specialised : ndarray of bool, shape (n_vendors, n_processes)
    active : ndarray of bool, shape (n_vendors,)

    Notes
    -----
    Only vendors with positive weight are kept; their running sums equal those of the
    full vector (adding a zero weight changes no sum), so draws are the same as an
    inverse CDF over all vendor slots, at a cost that grows with the log of the offers.
    """
    w = capacity * reputation * active
    vendors, cumw = [], []
    for p in range(specialised.shape[1]):
        wp = w * specialised[:, p]
        ids = np.flatnonzero(wp > 0)
        vendors.append(ids)
        cumw.append(np.cumsum(wp[ids]))
    return ConsiderationIndex(vendors=vendors, cumw=cumw, n_slots=len(w))


def sample_consideration(index: ConsiderationIndex, process, u):
    """Draw consideration sets: vendor indices of shape ``(n, k)``, -1 where none.

    Parameters
    ----------
    index : ConsiderationIndex
        From :func:`consideration_index`.
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


def price_options(model, rv: Reviews, sampled: np.ndarray) -> Options:
    """Price every option of every review (all-in annual costs, USD/year).

    Parameters
    ----------
    model : BPOModel
        Supplies the scenario, world, year and vendor / firm state.
    rv : Reviews
    sampled : ndarray of int, shape (n, set_size)
        Vendors drawn by :func:`sample_consideration` (-1 = none).

    Notes
    -----
    The cost components are the mechanisms of :mod:`simulation.mechanisms`: vendor fee,
    coordination, governance, expected breach loss, backlash, political risk premium and
    amortised transition cost; hidden costs (coordination, governance, transition) are
    scaled by ``1 - bias`` in the perceived cost.
    """
    sc, w, yi = model.scenario_config, model.world, model.year_index
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
    term = model.mean_term_years
    kappa = model.coordination_scale
    bias = mech.hidden_cost_bias(sc.decision.hidden_cost_bias, model.firm_experience[rv.firm],
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

    # ---- column 0: in-house
    h_in = mech.breach_hazard(w.breach_hazard_q[rv.home], sshare, 1.0, 1.0,
                              risk.breach_hazard_scale)
    breach_in = mech.expected_breach_loss(h_in, sens, impact, 0.0)
    trans_in = np.where(rv.prev_mode != MODE_INHOUSE,
                        mech.transition_cost(tr.fixed_cost_backsourcing_usd_m * 1e6,
                                             inhouse_base, tr.switching_cost_fraction, spec,
                                             tr.asset_specificity_scale, term), 0.0)
    true[:, 0] = inhouse_base + breach_in + trans_in
    perceived[:, 0] = inhouse_base + breach_in + (1 - bias) * trans_in

    # ---- vendor columns
    if vcols.shape[1]:
        v = vcols
        valid = v >= 0
        vs = np.where(valid, v, 0)
        vc = model.v_country[vs]
        home2 = np.repeat(rv.home[:, None], v.shape[1], axis=1)
        loc = w.location[home2, vc]
        price = mech.vendor_price_per_hour(
            w.labour_cost[vc, yi], wm[:, None], c2w, sc.vendors.vendor_efficiency,
            model.v_learning[vs], model.v_margin[vs], w.tax_rate[vc, yi])
        fee = rv.hours[:, None] * price
        fric = mech.location_friction(w.timezone_gap[home2, vc], w.english_pair[home2, vc],
                                      w.distance_km[home2, vc], co.friction_base,
                                      co.friction_timezone, co.friction_language,
                                      co.friction_distance)
        coord = mech.coordination_cost(inhouse_base[:, None], kappa, coord_i[:, None], fric)
        gov = mech.governance_cost(fee, spec[:, None], tr.governance_cost_scale)
        off = loc == OFFSHORE
        hz = mech.breach_hazard(w.breach_hazard_q[vc], sshare[:, None], model.v_security_mult[vs],
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
        spare = model.v_capacity[vs] - model.v_committed[vs]
        ok = valid & (spare >= rv.hours[:, None]) & model.v_active[vs]
        hidden = coord + gov + trans
        visible = fee + breach + backl + polit
        cols = slice(1, 1 + v.shape[1])
        true[:, cols] = np.where(ok, visible + hidden, np.inf)
        perceived[:, cols] = np.where(ok, visible + (1 - bias[:, None]) * hidden, np.inf)
        acv[:, cols] = np.where(ok, fee, 0.0)
        mode[:, cols] = MODE_VENDOR
        vend[:, cols] = np.where(ok, v, -1)
        ctry[:, cols] = vc

    # ---- captive centre
    if captive_on:
        cc = model.firm_captive[rv.firm]
        # a firm without a captive considers the country of the first sampled vendor
        first = sampled[:, 0] if sampled.shape[1] else np.full(n, -1)
        cand = np.where(cc >= 0, cc, np.where(first >= 0, model.v_country[np.maximum(first, 0)],
                                              -1))
        valid = (cand >= 0) & (cand != rv.home)
        cs = np.where(valid, cand, 0)
        loc = w.location[rv.home, cs]
        off = loc == OFFSHORE
        base = (rv.hours * w.labour_cost[cs, yi] * wm * c2w * sc.captives.captive_efficiency)
        saving = mech.captive_tax_saving(base, w.tax_rate[rv.home, yi], w.tax_rate[cs, yi],
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
    return Options(perceived=perceived, true=true, acv=acv, mode=mode, vendor=vend,
                   country=ctry, inhouse_true=true[:, 0].copy())


@dataclass
class ReviewRound:
    """Everything the reviews of one quarter share: the reviewing pairs, the quarter's
    random draws (indexed by review) and the market snapshot the offers are priced against.

    Both decision paths read the same round: the vectorised path takes all rows at once,
    and on the agent-by-agent path each firm takes its own rows (:meth:`rows_of_firm`).
    Arrays have shape ``(n,)`` (``u_cons``: ``(n, consideration_set_size)``) unless stated.
    """

    pairs: np.ndarray         # reviewing firm-process pairs, increasing
    ended: np.ndarray         # bool: the pair's vendor contract ended this quarter
    expired: np.ndarray       # bool: ... by expiry (the incumbent may renew)
    u_cons: np.ndarray        # uniforms of the consideration-set draws
    u_choice: np.ndarray      # uniforms of the logit choices
    term_draw: np.ndarray     # contract terms, years (gamma draws)
    order: np.ndarray         # priority order of the requests (a permutation of range(n))
    growth: float             # work-volume growth factor since start_year
    demand: float             # demand multiplier of the quarter
    consideration: "ConsiderationIndex"  # the vendors' sampling tables (consideration_index)
    spare: np.ndarray         # (n_vendor_slots,): spare capacity, hours/year, at the start
    n_processes: int

    @property
    def priority(self) -> np.ndarray:
        """Rank of each review in the priority order (0 = first served)."""
        rank = np.empty(len(self.order), dtype=np.int64)
        rank[self.order] = np.arange(len(self.order))
        return rank

    def rows_of_firm(self, firm: int) -> slice:
        """Rows of one firm's reviews (pairs are sorted, so they are contiguous)."""
        lo, hi = np.searchsorted(self.pairs, [firm * self.n_processes,
                                              (firm + 1) * self.n_processes])
        return slice(int(lo), int(hi))


def option_columns(scenario) -> int:
    """Number of option columns ``k``: in-house, incumbent, sampled vendors, [captive]."""
    return 2 + scenario.decision.consideration_set_size + (
        1 if scenario.captives.captives_enabled else 0)


def build_reviews(model, pairs, ended, expired, growth, demand) -> Reviews:
    """The :class:`Reviews` of some firm-process pairs (all of a quarter, or one firm's).

    Parameters
    ----------
    model : BPOModel
        Supplies the state before the reviews.
    pairs : ndarray of int, shape (n,)
    ended, expired : ndarray of bool, shape (n,)
        Whether the pair's vendor contract ended this quarter, and whether by expiry
        (only then is the incumbent offered for renewal).
    growth, demand : float
        Work-volume growth factor and demand multiplier of the quarter; the volume
        reviewed is ``base_hours * growth * demand`` hours per year.
    """
    prev_mode = np.where(ended, MODE_VENDOR, model.p_mode[pairs]).astype(np.int8)
    inc = np.where(expired, model.p_vendor[pairs], -1)
    inc = np.where((inc >= 0) & model.v_active[np.maximum(inc, 0)], inc, -1)
    k = option_columns(model.scenario_config)
    sq = np.where(prev_mode == MODE_INHOUSE, 0,
                  np.where(prev_mode == MODE_CAPTIVE, k - 1, np.where(inc >= 0, 1, -1)))
    P = model.n_processes
    return Reviews(pair=pairs, firm=pairs // P, process=pairs % P,
                   home=model.p_home[pairs], hours=model.p_base_hours[pairs] * growth * demand,
                   incumbent=inc, status_quo=sq, prev_mode=prev_mode,
                   prev_country=model.p_country[pairs].copy())


def decide(model, rv: Reviews, u_cons, u_choice, consideration):
    """The make-or-buy choice of each review, before vendors check their capacity.

    Draws the consideration set (the incumbent is never drawn twice), prices every option
    (:func:`price_options`) and chooses by nested logit (:func:`mechanisms.logit_choice`).

    Parameters
    ----------
    model : BPOModel
    rv : Reviews
        ``n`` reviews (all of a quarter, or one firm's).
    u_cons : ndarray, shape (n, consideration_set_size)
    u_choice : ndarray, shape (n,)
        The reviews' rows of the quarter's draws.
    consideration : ConsiderationIndex
        From :func:`consideration_index`.

    Returns
    -------
    opts : Options
    choice : ndarray of int, shape (n,)
        Chosen option column per review.
    """
    dc = model.scenario_config.decision
    sampled = sample_consideration(consideration, rv.process, u_cons)
    sampled[sampled == rv.incumbent[:, None]] = -1
    opts = price_options(model, rv, sampled)
    choice = mech.logit_choice(opts.perceived, opts.perceived[:, 0], dc.logit_intensity,
                               dc.status_quo_inertia, rv.status_quo, u_choice, nest=opts.nest,
                               nest_scale=dc.nest_scale)
    return opts, choice


@dataclass
class Outcomes:
    """What each review ends with; every array has shape ``(n,)``."""

    change: np.ndarray        # bool: the arrangement changes (new, renewed or ended contract)
    mode: np.ndarray          # MODE_* chosen
    vendor: np.ndarray        # vendor index, -1 if none
    country: np.ndarray       # where the work is done from now on
    acv: np.ndarray           # annual value, USD/year
    true: np.ndarray          # true all-in cost, USD/year
    term_q: np.ndarray        # contract term, quarters (meaningful where signed)
    signed: np.ndarray        # bool: a vendor contract is signed (new or renewed)
    tcv: np.ndarray           # total contract value of a signed contract, USD
    backsourced: np.ndarray   # bool: outsourced work (vendor or captive) comes back in-house
    reshored: np.ndarray      # bool: work done abroad comes back to the home country

    @classmethod
    def empty(cls, n: int) -> "Outcomes":
        """Blank outcomes for ``n`` reviews, to be filled by :meth:`put`."""
        z = np.zeros(n, dtype=bool)
        return cls(change=z.copy(), mode=np.zeros(n, np.int8), vendor=np.full(n, -1),
                   country=np.zeros(n, np.int64), acv=np.zeros(n), true=np.zeros(n),
                   term_q=np.zeros(n, np.int64), signed=z.copy(), tcv=np.zeros(n),
                   backsourced=z.copy(), reshored=z)

    def put(self, rows: slice, other: "Outcomes") -> None:
        """Copy ``other`` (the outcomes of some reviews) into rows ``rows``."""
        for name in self.__dataclass_fields__:
            getattr(self, name)[rows] = getattr(other, name)


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
    r = np.arange(len(choice))
    mode = opts.mode[r, choice]
    change = ~((choice == rv.status_quo) & (rv.prev_mode != MODE_VENDOR))
    term_q = np.maximum(term_min_quarters, np.rint(term_draw * 4).astype(np.int64))
    acv = opts.acv[r, choice]
    country = opts.country[r, choice]
    signed = change & (mode == MODE_VENDOR)
    return Outcomes(change=change, mode=mode, vendor=opts.vendor[r, choice], country=country,
                    acv=acv, true=opts.true[r, choice], term_q=term_q, signed=signed,
                    tcv=acv * term_q / 4.0,
                    backsourced=change & (rv.prev_mode != MODE_INHOUSE)
                    & (mode == MODE_INHOUSE),
                    reshored=change & (rv.prev_country != rv.home) & (country == rv.home))


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
    closes its book for the quarter (:meth:`agents.vendor.Vendor.accept_requests` is the
    same rule written as a per-vendor loop). A request fits when the hours the vendor has
    accepted so far plus its own are at most the spare capacity (+ 1e-6 hours for
    rounding). Assumption: first come, first served, with a random arrival order.

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
    (:func:`segmented_cumsum`), so it is bit-identical to the per-vendor loop. Hours are
    non-negative, so a vendor's running total never falls: the requests that fit are the
    longest fitting prefix of its queue, exactly the loop's rule.
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
