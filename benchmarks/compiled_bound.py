"""A compiled lower bound of one model quarter (issue #16), beside the numpy bound.

:class:`CompiledQuarter` does the same work per pair and per review as
:class:`numpy_bound.NumpyQuarter` (the default scenario, captive centres and BPO tax
regimes off; same state copies, same quarter tables, same random draws in the same order)
but as a few compiled loops (numba) that touch each pair and each review once: a pass over
the pairs (breach, poor value, contract end, review mask), a pass over the reviews
(consideration set, every option's all-in cost, the nested logit with ``math.exp``), the
first-come capacity rule, a pass writing the new contracts, and a pass over the pairs
for the experience, vendor sums and output sums. No Mesa, no DataCollector, no
dataclasses, no vendor entry or exit, no captives, no bit-for-bit promise: it is a bound,
not a second model (it agrees with the numpy bound only up to rounding; the benchmark
prints the contracts both sign in their first quarter as a check that the work is the
same).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from numpy_bound import NumpyQuarter
from simulation import kernels
from simulation import mechanisms as mech


@njit(cache=True)
def _pair_pass(mode, home, process, vendor, hazard, true, hours, factor, poor, orphaned,
               end, u, t, labour, wm, nlr, tolerance, poor_limit, term_prob, review_thr,
               loss_h, sens, hits, committed, P):
    n = mode.shape[0]
    loss = 0.0
    due = np.empty(n, dtype=np.int64)
    was_v = np.empty(n, dtype=np.bool_)
    m = 0
    for i in range(n):
        if mode[i] == 1:
            h, p, v = home[i], process[i], vendor[i]
            br = u[0, i] < hazard[i]
            if br:
                loss += loss_h[h] * sens[p]
                hits[v] += 1
            cost_in = hours[i] * labour[h] * wm[p] * (1.0 + nlr[p]) * factor[i]
            cnt = poor[i] + 1 if true[i] > cost_in * (1.0 + tolerance) else 0
            poor[i] = cnt
            if (br and u[1, i] < term_prob) or cnt >= poor_limit or orphaned[i] or end[i] <= t:
                committed[v] -= hours[i]
                due[m] = i
                was_v[m] = True
                m += 1
        elif u[2, i] < review_thr:
            due[m] = i
            was_v[m] = False
            m += 1
    return due[:m].copy(), was_v[:m].copy(), loss


@njit(cache=True)
def _review_pass(pairs, was_v, u_cons, u_choice, ids, cumw, offsets, P, t, p_home, p_vendor,
                 p_end, p_factor, p_base_hours, vol, firm_experience, v_country, v_capacity,
                 v_committed, v_active, v_security, markup_v, labour, lab_hc, nlr, wm, spec,
                 sens, sshare, coord_index, customer_facing, friction, fixed, offshore, hz_hc,
                 polit_c, loss_h, third_party, kappa, term, switching, spec_scale, governance,
                 backlash, fixed_back, bias0, exp_scale, lam, mu, inertia):
    n, K = u_cons.shape
    chosen = np.full(n, -1, dtype=np.int64)
    fee_out = np.zeros(n)
    cost_out = np.zeros(n)
    cin_out = np.empty(n)
    hz_out = np.zeros(n)
    hours_out = np.empty(n)
    cand = np.empty(K + 1, dtype=np.int64)
    fee = np.empty(K + 1)
    cost = np.empty(K + 1)
    util = np.empty(K + 1)
    for r in range(n):
        i = pairs[r]
        f, p = i // P, i % P
        h = p_home[i]
        hr = p_base_hours[i] * vol
        hours_out[r] = hr
        # consideration set: inverse CDF per process, repeats and the incumbent dropped
        lo, hi = offsets[p], offsets[p + 1]
        inc = p_vendor[i] if (was_v[r] and p_end[i] <= t) else -1
        if inc >= 0 and not v_active[inc]:
            inc = -1
        cand[0] = inc
        for j in range(K):
            c = -1
            if hi > lo:
                x = u_cons[r, j] * cumw[hi - 1]
                a, b = lo, hi
                while a < b:
                    mid = (a + b) >> 1
                    if cumw[mid] <= x:
                        a = mid + 1
                    else:
                        b = mid
                c = ids[min(a, hi - 1)]
                for q in range(j + 1):
                    if cand[q] == c:
                        c = -1
                        break
            cand[1 + j] = c
        # in-house
        hw = hr * wm[p]
        inhouse = hw * labour[h]
        own = inhouse * (1.0 + nlr[p]) * p_factor[i]
        sw = switching * (1.0 + spec_scale * spec[p])
        bias = bias0 * math.exp(-firm_experience[f] / exp_scale)
        trans_in = (fixed_back + sw * own) / term if was_v[r] else 0.0
        cost_in = own + loss_h[h] * sens[p] * 4.0 * min(hz_hc[h, h] * sshare[p], 1.0) \
            + (1.0 - bias) * trans_in
        cin_out[r] = cost_in
        # vendor options and the vendor nest's inclusive value
        top = -np.inf
        for j in range(K + 1):
            v = cand[j]
            util[j] = -np.inf
            if v < 0 or not v_active[v] or v_capacity[v] - v_committed[v] < hr:
                continue
            c = v_country[v]
            fe = hw * (lab_hc[h, c] + labour[h] * nlr[p]) * markup_v[v]
            co = inhouse * kappa * coord_index[p] * friction[h, c]
            hid = 0.0 if j == 0 else (fixed[h, c] + sw * (fe + co)) / term
            hid += co + fe * governance * spec[p]
            risk = loss_h[h] * sens[p] * 4.0 * min(hz_hc[h, c] * sshare[p] * v_security[v], 1.0)
            vis = fe * (1.0 + polit_c[c]) + risk * (1.0 + third_party)
            if offshore[h, c] and customer_facing[p]:
                vis += inhouse * backlash
            fee[j] = fe
            cost[j] = vis + (1.0 - bias) * hid
            util[j] = -lam * cost[j] / cost_in + (inertia if j == 0 else 0.0)
            if util[j] > top:
                top = util[j]
        tot = 0.0
        for j in range(K + 1):
            if util[j] > -np.inf:
                tot += math.exp((util[j] - top) / mu)
        u_in = -lam + (0.0 if was_v[r] else inertia)
        if tot > 0:
            iv = top + mu * math.log(tot)
            p_in = 1.0 / (1.0 + math.exp(iv - u_in))
        else:
            p_in = 1.0
        if u_choice[r] >= p_in:
            target = (u_choice[r] - p_in) / max(1.0 - p_in, 1e-300) * tot
            run = 0.0
            col = K
            for j in range(K + 1):
                if util[j] > -np.inf:
                    run += math.exp((util[j] - top) / mu)
                if run >= target and util[j] > -np.inf:
                    col = j
                    break
            if util[col] > -np.inf:
                v = cand[col]
                chosen[r] = v
                fee_out[r] = fee[col]
                cost_out[r] = cost[col]
                hz_out[r] = min(hz_hc[h, v_country[v]] * sshare[p] * v_security[v], 1.0)
                continue
        cost_out[r] = cost_in
    return chosen, fee_out, cost_out, cin_out, hz_out, hours_out


@njit(cache=True)
def _apply(pairs, chosen, fee, cost, cost_in, hz, hours, draw, term_min, t, p_home, v_country,
           p_mode, p_vendor, p_country, p_acv, p_hours, p_true, p_end, p_hazard, p_poor,
           p_orphaned, v_committed):
    tcv = 0.0
    signed = 0
    for r in range(pairs.shape[0]):
        i = pairs[r]
        v = chosen[r]
        sign = v >= 0
        p_mode[i] = 1 if sign else 0
        p_vendor[i] = v
        p_country[i] = v_country[v] if sign else p_home[i]
        p_acv[i] = fee[r] if sign else 0.0
        p_hours[i] = hours[r] if sign else 0.0
        p_true[i] = cost[r] if sign else cost_in[r]  # refused for capacity: in-house
        p_poor[i] = 0
        p_orphaned[i] = False
        if sign:
            tq = max(term_min, round(draw[r] * 4))
            p_end[i] = t + tq
            p_hazard[i] = hz[r]
            v_committed[v] += hours[r]
            tcv += fee[r] * tq / 4.0
            signed += 1
    return tcv, signed


@njit(cache=True)
def _after(p_mode, p_vendor, p_acv, p_hours, p_home, p_country, p_process, firm_experience,
           wm, lab_hc, labour, nlr, location, front_office, nv, nc, P):
    revenue = np.zeros(nv)
    work = np.zeros(nv)
    by_loc = np.zeros(3)
    by_country = np.zeros(nc)
    front = 0.0
    for f in range(firm_experience.shape[0]):
        k = 0
        for i in range(f * P, (f + 1) * P):
            if p_mode[i] == 0:
                continue
            k += 1
            v, a, h, c, p = p_vendor[i], p_acv[i], p_home[i], p_country[i], p_process[i]
            revenue[v] += a
            work[v] += p_hours[i] * wm[p] * (lab_hc[h, c] + labour[h] * nlr[p])
            by_loc[location[h, c]] += a
            by_country[c] += a
            if front_office[p]:
                front += a
        firm_experience[f] += k / 4.0
    return revenue, work, by_loc, by_country, front


class CompiledQuarter(NumpyQuarter):
    """The numpy bound's state and quarter tables, its arithmetic in compiled loops."""

    def quarter(self) -> None:
        """Simulate one quarter in place."""
        (m, sc, w, pr, dc, vc, rk, tr, t, P, rng, u, yi, yf, kappa, term, D, vol, sens, wm, spec,
         sshare, hz_hc, loss_h, labour, polit_c, vcty, markup_v, lab_hc,
         nlr) = self.quarter_tables()
        nv = len(vcty)

        arrive = self.v_pending_step == t
        self.v_capacity += np.where(arrive, self.v_pending, 0.0)
        for i in range(3):
            rng.random(len(u[i]), out=u[i])
        hits = np.zeros(nv, dtype=np.int64)
        pairs, was_v, loss = _pair_pass(
            self.p_mode, self.p_home, self.p_process, self.p_vendor, self.p_hazard,
            self.p_true, self.p_hours, self.p_factor, self.p_poor, self.p_orphaned, self.p_end,
            u, t, labour, wm, nlr, dc.poor_value_tolerance, dc.poor_value_quarters,
            rk.breach_termination_prob, dc.review_hazard * D, loss_h, sens, hits,
            self.v_committed, P)
        self.breach_loss = loss * (1 + w.third_party_premium)
        self.v_reputation *= (1.0 - vc.reputation_breach_penalty) ** hits
        np.maximum(self.v_committed, 0.0, out=self.v_committed)
        n, K = len(pairs), dc.consideration_set_size
        u_cons, u_choice, draw, order = self.review_draws(n, K, term)
        ids, cumw, offsets = kernels.consideration_tables(
            self.v_capacity, self.v_reputation, self.v_active, self.v_specialised)
        chosen, fee, cost, cost_in, hz, hours = _review_pass(
            pairs, was_v, u_cons, u_choice, ids, cumw, offsets, P, t, self.p_home,
            self.p_vendor, self.p_end, self.p_factor, self.p_base_hours, vol,
            self.firm_experience, vcty, self.v_capacity, self.v_committed, self.v_active,
            self.v_security_mult, markup_v, labour, lab_hc, nlr, wm, spec, sens, sshare,
            pr.coordination_index, pr.customer_facing, self.friction, self.fixed,
            self.offshore, hz_hc, polit_c, loss_h, w.third_party_premium, kappa, term,
            tr.switching_cost_fraction, tr.asset_specificity_scale, tr.governance_cost_scale,
            rk.backlash_intensity, tr.fixed_cost_backsourcing_usd_m * 1e6, dc.hidden_cost_bias,
            dc.experience_scale_years, dc.logit_intensity, dc.nest_scale,
            dc.status_quo_inertia)
        ok = kernels.resolve_capacity(chosen, hours, order,
                                      self.v_capacity - self.v_committed, 1e-6)
        chosen[~ok] = -1
        self.tcv, signed = _apply(
            pairs, chosen, fee, cost, cost_in, hz, hours, draw, sc.contracts.term_min_quarters, t,
            self.p_home, vcty, self.p_mode, self.p_vendor, self.p_country, self.p_acv,
            self.p_hours, self.p_true, self.p_end, self.p_hazard, self.p_poor,
            self.p_orphaned, self.v_committed)
        self.n_reviews += n
        self.n_signed += signed
        revenue, work, by_loc, by_country, front = _after(
            self.p_mode, self.p_vendor, self.p_acv, self.p_hours, self.p_home, self.p_country,
            self.p_process, self.firm_experience, wm, lab_hc, labour, nlr, w.location,
            pr.front_office, nv, w.n_countries, P)
        self.v_profit = revenue / 4.0 - work * vc.vendor_efficiency * self.v_learning / 4.0
        util_v = self.v_committed / np.maximum(self.v_capacity, 1e-300)
        self.v_margin = np.clip(self.v_margin + vc.margin_step * (
            (util_v > vc.utilisation_expand).astype(float)
            - (util_v < vc.utilisation_shrink)), vc.margin_min, vc.margin_max)
        self.outputs = (by_loc, front, revenue, by_country)
        self.t += 1
