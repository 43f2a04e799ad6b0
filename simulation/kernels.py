"""Compiled kernels of the market clearing (numba, issue #16).

Each kernel implements one or more rules of :mod:`simulation.market`,
:mod:`simulation.mechanisms` or :mod:`agents.vendors` exactly as their numpy code does:
the same floating-point operations on the same values, in the same order, so that every
result is bit-identical to the numpy rule (``tests/test_kernels.py`` compares each kernel
with the numpy rule on random inputs, with exact equality). The mechanisms stay defined in
:mod:`simulation.mechanisms`; a kernel restates a composition of them row by row, and its
docstring names the ones it implements.

Rules of the kernels:

* no random numbers: every draw is made by the caller from the model's generator, in the
  same order as before;
* no ``exp`` or ``log``: numpy's vectorised ``exp``/``log`` (SIMD) and the C library's,
  which compiled code calls, differ in the last bit for a few per cent of arguments, so
  the transcendental functions stay numpy calls between kernels;
* sums run left to right, as numpy's do on fewer than 8 terms (a reduction over the
  columns of an ``(n, k)`` array with ``k < 8``) and as ``np.cumsum`` always does; a caller
  uses a kernel only when that holds.

Compiled with ``@njit(cache=True)``: the first call on a machine compiles and caches
(a few seconds, reported separately by ``benchmarks/bench_reference.py``); later
processes load the cache.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MODE_INHOUSE, MODE_VENDOR, MODE_CAPTIVE = 0, 1, 2  # as agents.firms
OFFSHORE = 2  # as simulation.world

#: Use the kernels (True) or the numpy rules they implement (False). The two give the
#: same results bit for bit (``tests/test_kernels.py``); the switch exists for those tests.
USE_KERNELS = True


def snapshot(namespace, names):
    """The rules a kernel restates, as they are now: ``(name, namespace.name)`` pairs."""
    return tuple((name, getattr(namespace, name)) for name in names)


def unchanged(namespace, rules) -> bool:
    """True while none of the rules of :func:`snapshot` has been replaced on
    ``namespace`` (a test or an experiment that swaps a mechanism, or a subclass that
    overrides a method). A kernel restates those rules, so its caller uses the numpy code,
    which calls them, as soon as one is replaced."""
    for name, rule in rules:
        if getattr(namespace, name) is not rule:
            return False
    return True


# --------------------------------------------------------------------- consideration sets
@njit(cache=True)
def consideration_tables(capacity, reputation, active, specialised):
    """The inverse-CDF tables of :meth:`agents.vendors.Vendors.consideration_index`.

    Implements the visibility weight ``capacity x reputation x active`` and, per process
    p, the running sum of the positive weights of the vendors offering p, in slot order
    (``np.cumsum``, summed left to right).

    Parameters
    ----------
    capacity, reputation : ndarray of float, shape (n,)
    active : ndarray of bool, shape (n,)
    specialised : ndarray of bool, shape (n, P)

    Returns
    -------
    ids : ndarray of int64, shape (m,)
        Vendor slots, process by process, increasing within a process.
    cumw : ndarray of float, shape (m,)
        Their running sums of weights, restarting at each process.
    offsets : ndarray of int64, shape (P + 1,)
        Process p's entries are ``offsets[p]:offsets[p + 1]``.
    """
    n, P = specialised.shape
    w = np.empty(n)
    count = np.zeros(P, dtype=np.int64)
    for v in range(n):
        w[v] = capacity[v] * reputation[v] * (1.0 if active[v] else 0.0)
        if w[v] * 1.0 > 0:
            for p in range(P):
                if specialised[v, p]:
                    count[p] += 1
    offsets = np.zeros(P + 1, dtype=np.int64)
    for p in range(P):
        offsets[p + 1] = offsets[p] + count[p]
    m = offsets[P]
    ids = np.empty(m, dtype=np.int64)
    cumw = np.empty(m)
    # one pass over the vendors, each process's running sum in slot order (the same
    # additions in the same order as a pass per process)
    nxt = offsets[:P].copy()
    run = np.zeros(P)
    for v in range(n):
        if not w[v] * 1.0 > 0:
            continue
        for p in range(P):
            if specialised[v, p]:
                i = nxt[p]
                run[p] = w[v] * 1.0 if i == offsets[p] else run[p] + w[v] * 1.0
                ids[i] = v
                cumw[i] = run[p]
                nxt[p] = i + 1
    return ids, cumw, offsets


@njit(cache=True)
def _upper_bound(cumw, lo, hi, x, start):
    """First index in ``[lo, hi)`` with ``cumw > x``, or ``hi`` (``np.searchsorted(...,
    side="right")`` on the non-decreasing ``cumw[lo:hi]``), found by stepping from the
    guess ``start``: the steps compare exactly, so the guess changes only the time taken,
    never the index found."""
    a = min(max(start, lo), hi)
    while a > lo and cumw[a - 1] > x:
        a -= 1
    while a < hi and cumw[a] <= x:
        a += 1
    return a


@njit(cache=True)
def sample_consideration(ids, cumw, offsets, n_slots, process, u, incumbent):
    """Consideration sets: implements :func:`simulation.market.sample_consideration`
    followed by :func:`simulation.market.decide`'s removal of the incumbent.

    Each draw ``u[r, j] x total weight`` is looked up in process ``process[r]``'s running
    sums (``np.searchsorted(..., side="right")``; a draw at the very top falls on slot
    ``n_slots - 1``); repeats within a row after the first become -1, and so does the
    review's incumbent.

    The lookup starts from a guide table (Chen and Asau 1974): the running sums of each
    process cut into as many equal intervals as it has entries, with the first entry past
    each cut; from there :func:`_upper_bound` steps to the exact index, so the result is
    the binary search's (and ``np.searchsorted``'s) whatever the rounding of the cuts.

    Returns
    -------
    ndarray of int64, shape (n, k)
        Vendor slots, -1 where none.
    """
    n, k = u.shape
    out = np.full((n, k), -1, dtype=np.int64)
    if n_slots == 0 or k == 0:
        return out
    P = offsets.shape[0] - 1
    # guide[offsets[p] + b]: first entry of process p whose running sum exceeds the b-th
    # of its m cuts b x total / m (a guess; _upper_bound makes it exact)
    guide = np.empty(cumw.shape[0], dtype=np.int64)
    for p in range(P):
        lo, hi = offsets[p], offsets[p + 1]
        m = hi - lo
        if m == 0:
            continue
        total = cumw[hi - 1]
        i = lo
        for b in range(m):
            cut = total * b / m
            while i < hi and cumw[i] <= cut:
                i += 1
            guide[lo + b] = i
    raw = np.empty(k, dtype=np.int64)
    for r in range(n):
        p = process[r]
        lo, hi = offsets[p], offsets[p + 1]
        if hi > lo and cumw[hi - 1] > 0:
            total = cumw[hi - 1]
            m = hi - lo
            for j in range(k):
                x = u[r, j] * total
                if x == x:  # a guess of the interval; any value works
                    b = min(max(int(x / total * m), 0), m - 1)
                    a = _upper_bound(cumw, lo, hi, x, guide[lo + b])
                else:  # nan: the binary search ends on lo
                    a = lo
                raw[j] = ids[a] if a < hi else n_slots - 1
        else:
            for j in range(k):
                raw[j] = -1
        inc = incumbent[r]
        for j in range(k):
            v = raw[j]
            if v < 0:
                continue
            dup = False
            for i in range(j):
                if raw[i] == v:
                    dup = True
                    break
            out[r, j] = -1 if (dup or v == inc) else v
    return out


# --------------------------------------------------------------------- pricing
@njit(cache=True)
def price_options(hours, home, process, pair, firm, prev_mode, status_quo, incumbent,
                  sampled, bias, captive_on, yi,
                  # world
                  labour_cost, location, timezone_gap, english_pair, distance_km,
                  breach_hazard_q, stability, tax_rate, export_tax_rate, entrant_tax_rate,
                  breach_cost_usd_m, third_party_premium,
                  # processes
                  wage_multiplier, nonlabour_share, data_sensitivity, sens_total,
                  asset_specificity, customer_facing, coordination_index,
                  # firms
                  inhouse_factor, captive,
                  # vendors
                  v_country, v_learning, v_margin, v_security, v_capacity, v_committed,
                  v_active, v_entered,
                  # scenario scalars
                  c2w, onsite, efficiency, term, kappa, breach_scale, offshore_mult,
                  backlash_intensity, political_scale, fixed_backsourcing, fixed_domestic,
                  fixed_offshore, fixed_captive, switching, specificity_scale, governance,
                  friction_base, friction_tz, friction_lang, friction_dist,
                  captive_efficiency, transfer_margin, captive_coordination):
        """Price every option of every review: implements
        :func:`simulation.market.price_options` (the numpy rule) row by row.

        The mechanisms it composes, each with the operation order of its numpy function:
        ``nonlabour_cost`` and the firm's own in-house cost
        (:meth:`agents.firms.Firms.own_inhouse_cost`), ``breach_hazard``,
        ``expected_breach_loss``, ``transition_cost``, ``vendor_input_cost``
        (``delivery_labour_cost``), ``vendor_price_per_hour`` with the tax rate of
        :meth:`agents.vendors.Vendors.tax_rate_for`, ``location_friction``,
        ``coordination_cost``, ``governance_cost``, ``backlash_cost``,
        ``political_risk_premium``, ``captive_input_cost`` and ``captive_tax_saving``.
        The hidden-cost bias (``hidden_cost_bias``, an ``exp``) is computed by the caller.
        The factors that depend only on the home and vendor countries (delivery-mix labour
        cost, location friction), on the country (political factor) or on the vendor
        (price markup on domestic and on export work) are tabulated once per call, each
        entry by the same expression as the row code, so with the same bits; an option
        that cannot be chosen gets its mode, country and hazard only.

        Needs at least one vendor slot (the caller uses the numpy rule otherwise).

        Returns
        -------
        perceived, true, acv, hazard : ndarray of float, shape (n, k)
        mode : ndarray of int8, shape (n, k)
        vendor : ndarray of int64, shape (n, k)
        country : ndarray of int16, shape (n, k)
        """
        n = hours.shape[0]
        S = sampled.shape[1]
        k = 2 + S + (1 if captive_on else 0)
        perceived = np.full((n, k), np.inf)
        true = np.full((n, k), np.inf)
        acv = np.zeros((n, k))
        mode = np.zeros((n, k), dtype=np.int8)
        vend = np.full((n, k), -1, dtype=np.int64)
        ctry = np.empty((n, k), dtype=np.int16)
        hazard = np.zeros((n, k))
        # the quarter's tables, each entry the same expression as in the rows below (same
        # operations on the same values, so the same bits): delivery-mix labour cost and
        # location friction per [home, country], the political factor per country, and
        # each vendor's price markup on domestic and on export work
        C = labour_cost.shape[0]
        mix = np.empty((C, C))
        fric_t = np.empty((C, C))
        polit_t = np.empty(C)
        for c in range(C):
            polit_t[c] = min(max((1.0 - stability[c, yi]) / 3.5, 0.0), 1.0)
            for h in range(C):
                s = onsite if c != h else 0.0
                mix[h, c] = (1.0 - s) * labour_cost[c, yi] + s * labour_cost[h, yi]
                eng = 1.0 if english_pair[h, c] else 0.0
                fric_t[h, c] = (friction_base + friction_tz * timezone_gap[h, c] / 12.0
                                + friction_lang * (1.0 - eng)
                                + friction_dist * distance_km[h, c] / 1e4)
        nv = v_country.shape[0]
        mk_home = np.empty(nv)
        mk_export = np.empty(nv)
        for v in range(nv):
            vc = v_country[v]
            mk_home[v] = 1.0 + v_margin[v] / (1.0 - min(tax_rate[vc, yi], 0.99))
            mk_export[v] = 1.0 + v_margin[v] / (
                1.0 - min(export_tax_rate[vc, v_entered[v] // 4, yi], 0.99))
        for r in range(n):
            h = home[r]
            p = process[r]
            hr = hours[r]
            wm = wage_multiplier[p]
            nl = nonlabour_share[p]
            lc_home = labour_cost[h, yi]
            inhouse_base = hr * lc_home * wm * c2w
            inhouse_own = (inhouse_base + inhouse_base * nl / (1.0 - nl)) \
                * inhouse_factor[pair[r]]
            b = bias[r]
            sens = data_sensitivity[p]
            sshare = sens / sens_total
            spec = asset_specificity[p]
            cf = 1.0 if customer_facing[p] else 0.0
            coord_i = coordination_index[p]
            impact = breach_cost_usd_m[h, yi] * 1e6
            # ---- column 0: in-house
            h_in = breach_hazard_q[h] * sshare * 1.0 * 1.0 * breach_scale
            h_in = min(max(h_in, 0.0), 1.0)
            breach_in = 4.0 * h_in * impact * sens * (1.0 + 0.0)
            if prev_mode[r] != MODE_INHOUSE:
                trans_in = (fixed_backsourcing + switching * inhouse_own
                            * (1.0 + specificity_scale * spec)) / term
            else:
                trans_in = 0.0
            true[r, 0] = inhouse_own + breach_in + trans_in
            perceived[r, 0] = inhouse_own + breach_in + (1 - b) * trans_in
            ctry[r, 0] = h
            # ---- vendor columns
            coord_base = inhouse_base * kappa * coord_i
            nl_home = lc_home * nl / (1.0 - nl)
            for j in range(1 + S):
                v = incumbent[r] if j == 0 else sampled[r, j - 1]
                col = 1 + j
                valid = v >= 0
                vs = v if valid else 0
                vc = v_country[vs]
                off = location[h, vc] == OFFSHORE
                hz = breach_hazard_q[vc] * sshare * v_security[vs] \
                    * (offshore_mult if off else 1.0) * breach_scale
                hz = min(max(hz, 0.0), 1.0)
                mode[r, col] = MODE_VENDOR
                ctry[r, col] = vc
                hazard[r, col] = hz
                # the costs of an option that cannot be chosen are not written
                if not (valid and v_capacity[vs] - v_committed[vs] >= hr and v_active[vs]):
                    continue
                inputs = mix[h, vc] + nl_home
                unit = inputs * wm * c2w * efficiency * v_learning[vs]
                price = unit * (mk_home[vs] if h == vc else mk_export[vs])
                fee = hr * price
                coord = coord_base * fric_t[h, vc]
                gov = fee * governance * spec
                breach = 4.0 * hz * impact * sens * (1.0 + third_party_premium)
                backl = inhouse_base * backlash_intensity * cf * (1.0 if off else 0.0)
                polit = fee * political_scale * polit_t[vc]
                fixed = (fixed_domestic if location[h, vc] == 0 else fixed_offshore) * 1e6
                if j == 0 and status_quo[r] == 1:
                    trans = 0.0
                else:
                    trans = (fixed + switching * (fee + coord)
                             * (1.0 + specificity_scale * spec)) / term
                hidden = coord + gov + trans
                visible = fee + breach + backl + polit
                true[r, col] = visible + hidden
                perceived[r, col] = visible + (1 - b) * hidden
                acv[r, col] = fee
                vend[r, col] = v
            # ---- captive centre
            if captive_on:
                cc = captive[firm[r]]
                if cc >= 0:
                    cand = cc
                elif S > 0 and sampled[r, 0] >= 0:
                    cand = v_country[sampled[r, 0]]
                else:
                    cand = -1
                valid = cand >= 0 and cand != h
                cs = cand if valid else 0
                loc = location[h, cs]
                off = loc == OFFSHORE
                host = labour_cost[cs, yi]
                cic = ((1.0 - onsite) * host + onsite * lc_home) + lc_home * nl / (1.0 - nl)
                base = hr * cic * wm * c2w * captive_efficiency
                saving = (tax_rate[h, yi] - entrant_tax_rate[cs, yi]) * transfer_margin * base
                eng = 1.0 if english_pair[h, cs] else 0.0
                fric = (friction_base + friction_tz * timezone_gap[h, cs] / 12.0
                        + friction_lang * (1.0 - eng) + friction_dist * distance_km[h, cs] / 1e4)
                coord = inhouse_base * kappa * coord_i * fric * captive_coordination
                hz = breach_hazard_q[cs] * sshare * 1.0 * (offshore_mult if off else 1.0) \
                    * breach_scale
                hz = min(max(hz, 0.0), 1.0)
                breach = 4.0 * hz * impact * sens * (1.0 + 0.0)
                backl = inhouse_base * backlash_intensity * cf * (1.0 if off else 0.0)
                polit = base * political_scale * min(max((1.0 - stability[cs, yi]) / 3.5, 0.0),
                                                     1.0)
                fixed = 0.0 if cc == cs else fixed_captive * 1e6
                if status_quo[r] == k - 1:
                    trans = 0.0
                else:
                    trans = (fixed + switching * (base + coord)
                             * (1.0 + specificity_scale * spec)) / term
                visible = base - saving + breach + backl + polit
                hidden = coord + trans
                if valid:
                    true[r, k - 1] = visible + hidden
                    perceived[r, k - 1] = visible + (1 - b) * hidden
                    acv[r, k - 1] = base * (1 + transfer_margin)
                mode[r, k - 1] = MODE_CAPTIVE
                ctry[r, k - 1] = cs
                hazard[r, k - 1] = hz
        return perceived, true, acv, mode, vend, ctry, hazard


# --------------------------------------------------------------------- nested logit
@njit(cache=True)
def logit_utilities(cost, reference_cost, intensity, inertia, status_quo_col, group,
                    n_groups, mu):
    """First part of :func:`simulation.mechanisms.logit_choice`: the utilities divided by
    the nest scale, shifted by their nest's maximum, ready for ``np.exp``.

    Parameters
    ----------
    group : ndarray of int64, shape (k,)
        Nest of each column as an index ``0 .. n_groups - 1`` into the sorted nests.

    Returns
    -------
    x : ndarray, shape (n, k)
        ``s - top`` (``top`` replaced by 0 in a nest without an available option), with
        ``s = util / mu``.
    top : ndarray, shape (n, n_groups)
        Maximum of ``s`` in each nest (-inf if none available).
    avail : ndarray of bool, shape (n, k)
    """
    n, k = cost.shape
    x = np.empty((n, k))
    top = np.full((n, n_groups), -np.inf)
    avail = np.empty((n, k), dtype=np.bool_)
    for r in range(n):
        sq = status_quo_col[r]
        for c in range(k):
            a = np.isfinite(cost[r, c])
            avail[r, c] = a
            u = -intensity * (cost[r, c] if a else 0.0) / reference_cost[r]
            if c == sq:
                u += inertia
            s = (u if a else -np.inf) / mu
            x[r, c] = s
            g = group[c]
            if s > top[r, g]:
                top[r, g] = s
        for c in range(k):
            t = top[r, group[c]]
            x[r, c] = x[r, c] - (t if np.isfinite(t) else 0.0)
    return x, top, avail


@njit(cache=True)
def logit_nest_totals(e, top, group, n_groups):
    """Second part of :func:`simulation.mechanisms.logit_choice`: each nest's sum of
    ``e = np.exp(x)`` over its columns, left to right (1 where the nest has no available
    option, ready for ``np.log``). The probabilities within a nest, ``e / total``, are
    taken by :func:`logit_draw`."""
    n, k = e.shape
    tot = np.zeros((n, n_groups))
    for r in range(n):
        for c in range(k):
            g = group[c]
            if np.isfinite(top[r, g]):
                tot[r, g] += e[r, c]
        for g in range(n_groups):
            if not np.isfinite(top[r, g]):
                tot[r, g] = 1.0
    return tot


@njit(cache=True)
def logit_inclusive(top, log_tot, mu):
    """Third part of :func:`simulation.mechanisms.logit_choice`: each nest's inclusive
    value ``mu (top + log tot)`` (-inf without an available option) minus the row's
    largest, ready for ``np.exp``."""
    n, G = top.shape
    y = np.empty((n, G))
    for r in range(n):
        m = -np.inf
        for g in range(G):
            iv = mu * (top[r, g] + log_tot[r, g]) if np.isfinite(top[r, g]) else -np.inf
            y[r, g] = iv
            if iv > m:
                m = iv
        for g in range(G):
            y[r, g] = y[r, g] - m
    return y


@njit(cache=True)
def logit_draw(pn, e, tot_nest, top, group, u, avail):
    """Last part of :func:`simulation.mechanisms.logit_choice`: nest probabilities
    ``pn = np.exp(y)`` normalised, option probabilities (nest probability x the option's
    probability within its nest, ``e / tot_nest``, 0 in a nest without an available
    option), their running sum normalised by its last entry, and the column where the
    uniform ``u`` falls (never an unavailable one)."""
    n, k = e.shape
    G = pn.shape[1]
    choice = np.empty(n, dtype=np.int64)
    cdf = np.empty(k)
    for r in range(n):
        tot = 0.0
        for g in range(G):
            tot = pn[r, g] if g == 0 else tot + pn[r, g]
        run = 0.0
        for c in range(k):
            g = group[c]
            within = e[r, c] / tot_nest[r, g] if np.isfinite(top[r, g]) else 0.0
            pr = pn[r, g] / tot * within
            run = pr if c == 0 else run + pr
            cdf[c] = run
        last = cdf[k - 1]
        cnt = 0
        for c in range(k):
            if cdf[c] / last < u[r]:
                cnt += 1
        ch = min(cnt, k - 1)
        if not avail[r, ch]:
            ch = k - 1
            for c in range(k - 1, -1, -1):
                if avail[r, c]:
                    ch = c
                    break
        choice[r] = ch
    return choice


# --------------------------------------------------------------------- capacity
@njit(cache=True)
def options_at(mode, vendor, country, acv, true, hazard, col):
    """Implements :meth:`simulation.market.Options.at`: each option array at column
    ``col[r]`` of row ``r``, in one pass.

    Returns
    -------
    mode, vendor, country, acv, true, hazard : ndarray, shape (n,)
        With the dtypes of the option arrays.
    """
    n = col.shape[0]
    o_mode = np.empty(n, dtype=mode.dtype)
    o_vendor = np.empty(n, dtype=vendor.dtype)
    o_country = np.empty(n, dtype=country.dtype)
    o_acv = np.empty(n, dtype=acv.dtype)
    o_true = np.empty(n, dtype=true.dtype)
    o_hazard = np.empty(n, dtype=hazard.dtype)
    for r in range(n):
        c = col[r]
        o_mode[r] = mode[r, c]
        o_vendor[r] = vendor[r, c]
        o_country[r] = country[r, c]
        o_acv[r] = acv[r, c]
        o_true[r] = true[r, c]
        o_hazard[r] = hazard[r, c]
    return o_mode, o_vendor, o_country, o_acv, o_true, o_hazard


@njit(cache=True)
def resolve_capacity(chosen_vendor, hours, order, spare, tolerance):
    """Implements :func:`agents.vendors.resolve_capacity`: each vendor accepts requests
    in the priority order ``order`` while its running total of hours (summed request by
    request) stays within its spare capacity + ``tolerance``, and closes its book at the
    first that does not fit."""
    n = chosen_vendor.shape[0]
    ok = np.ones(n, dtype=np.bool_)
    booked = np.zeros(spare.shape[0])
    seen = np.zeros(spare.shape[0], dtype=np.bool_)
    closed = np.zeros(spare.shape[0], dtype=np.bool_)
    for i in range(n):
        r = order[i]
        v = chosen_vendor[r]
        if v < 0:
            continue
        total = hours[r] if not seen[v] else booked[v] + hours[r]
        seen[v] = True
        booked[v] = total
        if closed[v] or not (total <= spare[v] + tolerance):
            closed[v] = True
            ok[r] = False
    return ok


# --------------------------------------------------------------------- pair rules
@njit(cache=True)
def listed_pairs(mode, a, b_lo, b_hi):
    """Two lists of pairs, increasing: those whose mode is ``a`` and those whose mode is
    from ``b_lo`` to ``b_hi``. A count, then one pass that writes each pair at the next
    free slot of both lists and moves on only in the lists it belongs to: no branch per
    pair (the mode is close to random along the pairs, so a branch is mispredicted about
    half the time). The arrays returned are views without the one spare slot."""
    n = mode.shape[0]
    na = 0
    nb = 0
    for i in range(n):
        md = mode[i]
        na += md == a
        nb += (md >= b_lo) & (md <= b_hi)
    la = np.empty(na + 1, dtype=np.int64)
    lb = np.empty(nb + 1, dtype=np.int64)
    ja = 0
    jb = 0
    for i in range(n):
        md = mode[i]
        la[ja] = i
        lb[jb] = i
        ja += md == a
        jb += (md >= b_lo) & (md <= b_hi)
    return la[:na], lb[:nb]


@njit(cache=True)
def in_force(mode):
    """Implements :meth:`agents.firms.Firms.in_force`: the pairs under a vendor contract
    and the pairs not in-house, increasing (:func:`listed_pairs`)."""
    return listed_pairs(mode, MODE_VENDOR, MODE_VENDOR, MODE_CAPTIVE)


@njit(cache=True)
def breached_pairs(outsourced, u, hazard):
    """Implements the test of :meth:`agents.firms.Firms.breaches`: the outsourced pairs
    whose uniform is below their breach hazard, increasing."""
    m = 0
    for i in outsourced:
        if u[i] < hazard[i]:
            m += 1
    out = np.empty(m, dtype=np.int64)
    m = 0
    for i in outsourced:
        if u[i] < hazard[i]:
            out[m] = i
            m += 1
    return out


@njit(cache=True)
def end_contracts(vendor_pairs, breached, u_term, breach_termination_prob, hours, pair_home,
                  process, labour_cost, yi, wage_multiplier, c2w, nonlabour_share,
                  inhouse_factor, true_cost, poor_tolerance, poor_quarters, poor_limit,
                  orphaned, end, t):
    """Implements the rules of :meth:`agents.firms.Firms.end_contracts` over the vendor
    contracts: termination after a breach, the poor-value counter (updated in
    ``poor_quarters``) against the firm's own in-house cost today
    (:meth:`~agents.firms.Firms.inhouse_cost_now`), the cause of an early ending
    (:func:`simulation.mechanisms.early_termination_cause`) and expiry.

    Parameters
    ----------
    breached : ndarray of int, shape (n_breached,)
        Breached pairs, increasing.

    Returns
    -------
    code : ndarray of int8, shape (n_contracts,)
        Per contract: -1 it goes on; 0 it ends at expiry; else the cause of its early
        ending (``EARLY_TERM_*`` of :mod:`simulation.mechanisms`).
    """
    n = vendor_pairs.shape[0]
    code = np.empty(n, dtype=np.int8)
    b = 0
    nb = breached.shape[0]
    for j in range(n):
        i = vendor_pairs[j]
        while b < nb and breached[b] < i:
            b += 1
        was_breached = b < nb and breached[b] == i
        term_breach = was_breached and u_term[i] < breach_termination_prob
        p = process[i]
        lab = hours[i] * labour_cost[pair_home[i], yi] * wage_multiplier[p] * c2w
        nl = nonlabour_share[p]
        inhouse_now = (lab + lab * nl / (1.0 - nl)) * inhouse_factor[i]
        poor = true_cost[i] > inhouse_now * (1.0 + poor_tolerance)
        n_poor = poor_quarters[i] + 1 if poor else 0
        poor_quarters[i] = n_poor
        if orphaned[i]:
            c = 1
        elif term_breach:
            c = 2
        elif n_poor >= poor_limit:
            c = 3
        elif end[i] <= t:
            c = 0
        else:
            c = -1
        code[j] = c
    return code


@njit(cache=True)
def endings(vendor_pairs, code, vendor, hours, n_early_term, n_processes):
    """Implements :meth:`agents.firms.Firms._endings` from the codes of
    :func:`end_contracts`: the contracts that end (increasing) with their expiry flag,
    vendor, hours and cause, and the count of early endings, which it also adds to the
    firms' ``n_early_term`` (in place).

    Returns
    -------
    pairs : ndarray of int64, shape (n_ending,)
    expired : ndarray of bool, shape (n_ending,)
    vendor : ndarray, shape (n_ending,), ``vendor``'s dtype
    hours : ndarray, shape (n_ending,)
    n_terminated : int
    cause : ndarray of int8, shape (n_ending,)
    """
    n = code.shape[0]
    m = 0
    for j in range(n):
        m += code[j] >= 0
    pairs = np.empty(m, dtype=np.int64)
    expired = np.empty(m, dtype=np.bool_)
    vend = np.empty(m, dtype=vendor.dtype)
    hrs = np.empty(m)
    cause = np.empty(m, dtype=np.int8)
    k = 0
    n_term = 0
    for j in range(n):
        c = code[j]
        if c < 0:
            continue
        i = vendor_pairs[j]
        pairs[k] = i
        expired[k] = c == 0
        vend[k] = vendor[i]
        hrs[k] = hours[i]
        cause[k] = c
        k += 1
        if c > 0:
            n_term += 1
            n_early_term[i // n_processes] += 1
    return pairs, expired, vend, hrs, n_term, cause


@njit(cache=True)
def due_reviews(u_review, threshold, demand_table, pair_home, process, mode, ending_pairs,
                ending_expired):
    """Implements :meth:`agents.firms.Firms.due_reviews`: the pairs whose uniform is below
    ``review_hazard x D`` (``threshold`` = review_hazard x the quarter's demand, or, when
    ``demand_table`` has rows, ``review_hazard x demand_table[home, process]``), except
    running vendor contracts, plus every pair whose contract ended (``ending_pairs``,
    increasing).

    Returns
    -------
    pairs : ndarray of int64
        Reviewing pairs, increasing.
    ended, expired : ndarray of bool
        Per reviewing pair: its vendor contract ended this quarter; at expiry.
    """
    n = u_review.shape[0]
    table = demand_table.shape[0] > 0
    ne = ending_pairs.shape[0]
    due = np.empty(n, dtype=np.bool_)
    m = 0
    for i in range(n):
        if mode[i] == MODE_VENDOR:
            d = False
        elif table:
            d = u_review[i] < threshold * demand_table[pair_home[i], process[i]]
        else:
            d = u_review[i] < threshold
        due[i] = d
        if d:
            m += 1
    for e in range(ne):
        if not due[ending_pairs[e]]:
            due[ending_pairs[e]] = True
            m += 1
    pairs = np.empty(m, dtype=np.int64)
    ended = np.zeros(m, dtype=np.bool_)
    expired = np.zeros(m, dtype=np.bool_)
    j = 0
    e = 0
    for i in range(n):
        if due[i]:
            pairs[j] = i
            ended[j] = mode[i] == MODE_VENDOR
            while e < ne and ending_pairs[e] < i:
                e += 1
            if e < ne and ending_pairs[e] == i:
                expired[j] = ending_expired[e]
            j += 1
    return pairs, ended, expired


@njit(cache=True)
def count_outsourced(mode, n_processes):
    """Implements the count of :meth:`agents.firms.Firms.learn`: processes not in-house
    per firm."""
    F = mode.shape[0] // n_processes
    out = np.zeros(F, dtype=np.int64)
    for f in range(F):
        c = 0
        for p in range(n_processes):
            if mode[f * n_processes + p] != MODE_INHOUSE:
                c += 1
        out[f] = c
    return out


@njit(cache=True)
def contracts(mode, country, pair_home, process, vendor, acv, hours, labour_cost, yi, onsite,
              nonlabour_share, wage_multiplier):
    """Implements :meth:`agents.firms.Firms.contracts`: the vendor contracts in force
    (pairs, vendor, ACV, buyer's home) and their work hours, ``hours x wage multiplier x
    vendor_input_cost / host labour cost``
    (:func:`simulation.mechanisms.vendor_input_cost`): the contracts listed
    (:func:`listed_pairs`), then one pass over them."""
    pairs, _ = listed_pairs(mode, MODE_VENDOR, MODE_VENDOR, MODE_VENDOR)  # one list needed
    m = pairs.shape[0]
    vend = np.empty(m, dtype=vendor.dtype)
    val = np.empty(m)
    work = np.empty(m)
    home = np.empty(m, dtype=pair_home.dtype)
    for j in range(m):
        i = pairs[j]
        c = country[i]
        h = pair_home[i]
        p = process[i]
        host = labour_cost[c, yi]
        buyer = labour_cost[h, yi]
        nl = nonlabour_share[p]
        s = onsite if c != h else 0.0
        inputs = ((1.0 - s) * host + s * buyer) + buyer * nl / (1.0 - nl)
        vend[j] = vendor[i]
        val[j] = acv[i]
        home[j] = h
        work[j] = hours[i] * wage_multiplier[p] * inputs / host
    return pairs, vend, val, work, home


@njit(cache=True)
def vendor_sums(vendor, acv, work_hours, buyer_home, country, n):
    """The per-vendor sums of :meth:`agents.vendors.Vendors.keep_accounts`, as its
    ``np.bincount`` calls add them (contract by contract, in order): ACV, work hours, and
    ACV of buyers in another country than the vendor's (export)."""
    rev = np.zeros(n)
    work = np.zeros(n)
    export = np.zeros(n)
    for j in range(vendor.shape[0]):
        v = vendor[j]
        rev[v] += acv[j]
        work[v] += work_hours[j]
        export[v] += acv[j] * (1.0 if buyer_home[j] != country[v] else 0.0)
    return rev, work, export


@njit(cache=True)
def acv_by_vendor_country(vendor, acv, country, n_countries):
    """``np.bincount(country[vendor], acv, minlength=n_countries)`` of
    :meth:`agents.vendors.Vendors.enter` without the gathered array of one country per
    contract (72 MB at 9M contracts): the same sums, contract by contract in order."""
    out = np.zeros(n_countries)
    for j in range(vendor.shape[0]):
        out[country[vendor[j]]] += acv[j]
    return out


# --------------------------------------------------------------------- outputs
@njit(cache=True)
def _pairwise_leaf(a, lo, n):
    """numpy's ``pairwise_sum`` of a run of at most 128 terms ``a[lo:lo + n]``: fewer than 8
    terms left to right from -0.0, else 8 interleaved partial sums, combined in a tree,
    then the remainder."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - (n % 8)
    while i < stop:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise(a, lo, n):
    """numpy's pairwise summation of ``a[lo:lo + n]`` (``pairwise_sum`` of numpy's
    ``loops_utils.h``): runs of more than 128 terms are halved at a multiple of 8 and the
    two halves' sums added. Evaluated with explicit stacks (a recursive compiled function
    does not survive numba's cache)."""
    los = np.empty(128, dtype=np.int64)
    ns = np.empty(128, dtype=np.int64)
    state = np.zeros(128, dtype=np.int8)
    vals = np.empty(128)
    top = 0
    nv = 0
    los[0] = lo
    ns[0] = n
    while top >= 0:
        l, m = los[top], ns[top]
        if m <= 128:
            vals[nv] = _pairwise_leaf(a, l, m)
            nv += 1
            top -= 1
            continue
        n2 = m // 2
        n2 -= n2 % 8
        if state[top] == 0:      # first the left half
            state[top] = 1
            top += 1
            los[top], ns[top], state[top] = l, n2, 0
        elif state[top] == 1:    # then the right half
            state[top] = 2
            top += 1
            los[top], ns[top], state[top] = l + n2, m - n2, 0
        else:                    # then left + right
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
            top -= 1
    return vals[0]


@njit(cache=True)
def numpy_sum(a):
    """``a.sum()`` of a contiguous 1-D float array, bit for bit as numpy adds it
    (``0.0 +`` the pairwise sum; ``tests/test_kernels.py`` checks it on many sizes)."""
    return 0.0 + _pairwise(a, 0, a.shape[0])


@njit(cache=True)
def pair_stocks(mode, acv, hours, country, pair_home, process, vendor, location,
                front_office, group, n_vendors, n_countries):
    """The sums over the pairs of :func:`simulation.collector.pair_stocks` in one pass:
    those of :func:`simulation.collector.quarter_metrics` and the bilateral table of
    :func:`simulation.collector.bilateral_quarter`, each as its numpy expression adds it.

    The vendor contracts and the captive centres are first listed (pair order), then
    each list is read once: ACV of vendor contracts in total (``sum``: numpy's pairwise
    order, :func:`numpy_sum`), by location, vendor and country (``bincount``: contract by
    contract), of front- and back-office contracts and of captive centres (``sum``), the
    contracted hours (``sum``), and the cells ``(home x C + country) x 4 + group`` of the
    bilateral table (``bincount``).

    Returns
    -------
    total, front, back, captive, hours : float
    by_location : ndarray, shape (3,)
    by_vendor : ndarray, shape (n_vendors,)
    by_country : ndarray, shape (n_countries,)
    n_contracts : int
    bilateral : ndarray, shape (5, n_countries * n_countries * 4)
    """
    C = n_countries
    vi, ci = listed_pairs(mode, MODE_VENDOR, MODE_CAPTIVE, MODE_CAPTIVE)
    m = vi.shape[0]
    mc = ci.shape[0]
    a = np.empty(m)
    h = np.empty(m)
    fa = np.empty(m + 1)  # front- and back-office ACV, both written, one kept per contract
    ba = np.empty(m + 1)
    ca = np.empty(mc)
    by_loc = np.zeros(3)
    by_vendor = np.zeros(n_vendors)
    by_country = np.zeros(C)
    out = np.zeros((5, C * C * 4))
    jf = 0
    jb = 0
    for j in range(m):
        i = vi[j]
        x = acv[i]
        hh = hours[i]
        a[j] = x
        h[j] = hh
        p = process[i]
        fr = front_office[p]
        fa[jf] = x
        ba[jb] = x
        jf += fr
        jb += not fr
        c = country[i]
        hm = pair_home[i]
        by_loc[location[hm, c]] += x
        by_vendor[vendor[i]] += x
        by_country[c] += x
        cell = (hm * C + c) * 4 + group[p]
        out[0, cell] += x
        out[1, cell] += hh
        out[2, cell] += 1.0
    for j in range(mc):
        i = ci[j]
        x = acv[i]
        ca[j] = x
        cell = (pair_home[i] * C + country[i]) * 4 + group[process[i]]
        out[3, cell] += x
        out[4, cell] += hours[i]
    return (numpy_sum(a), numpy_sum(fa[:jf]), numpy_sum(ba[:jb]), numpy_sum(ca),
            numpy_sum(h), by_loc, by_vendor, by_country, m, out)


@njit(cache=True)
def sorted_isin(a, b):
    """``np.isin(a, b)`` for increasing ``a`` and ``b`` (one merge pass)."""
    out = np.zeros(a.shape[0], dtype=np.bool_)
    j = 0
    nb = b.shape[0]
    for i in range(a.shape[0]):
        while j < nb and b[j] < a[i]:
            j += 1
        out[i] = j < nb and b[j] == a[i]
    return out


@njit(cache=True)
def apply_outcomes(pairs, firm, prev_mode, review_hours, change, mode, vendor, country, acv,
                   true, hazard, term_q, backsourced, t, p_vendor, p_acv, p_hours,
                   p_end, p_true_cost, p_poor_quarters, p_orphaned, p_mode,
                   p_country, p_hazard, f_n_backsourced, f_captive, n_processes):
    """Implements :meth:`agents.firms.Firms.apply_outcomes` review by review: the new
    arrangement of each changed pair (vendor, ACV, hours, end quarter of a vendor
    contract, true cost, mode, country, breach hazard), the cleared poor-value counter and
    orphan flag, the firms' backsourcing count, and their captive country (set by a move
    to a captive centre, cleared when its last captive pair has left)."""
    n = pairs.shape[0]
    for r in range(n):
        p_orphaned[pairs[r]] = False
        if backsourced[r]:
            f_n_backsourced[firm[r]] += 1
        if not change[r]:
            continue
        i = pairs[r]
        nm = mode[r]
        sign = nm == MODE_VENDOR
        p_vendor[i] = vendor[r] if sign else -1
        p_acv[i] = acv[r]
        p_hours[i] = review_hours[r] if nm != MODE_INHOUSE else 0.0
        p_end[i] = t + term_q[r] if sign else -1
        p_true_cost[i] = true[r]
        p_poor_quarters[i] = 0
        p_mode[i] = nm
        p_country[i] = country[r]
        p_hazard[i] = hazard[r] if nm != MODE_INHOUSE else 0.0
    for r in range(n):
        if change[r] and mode[r] == MODE_CAPTIVE:
            f_captive[firm[r]] = country[r]
    for r in range(n):
        if change[r] and prev_mode[r] == MODE_CAPTIVE:
            f = firm[r]
            still = False
            for q in range(f * n_processes, (f + 1) * n_processes):
                if p_mode[q] == MODE_CAPTIVE:
                    still = True
                    break
            if not still:
                f_captive[f] = -1
