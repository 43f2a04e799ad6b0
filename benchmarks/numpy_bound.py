"""A pure-numpy lower bound of one model quarter (benchmark group 2).

:class:`NumpyQuarter` does the arithmetic of a quarter of the default scenario (captive
centres off) on copies of a model's arrays, as lean numpy code: no Mesa scheduling, no
DataCollector, no agents, no dataclasses, no vendor entry, and every per-country,
per-vendor and per-process factor folded into small tables once per quarter, so that each
pair or review is touched by as few full-size operations as possible. Per element it does
the same work as the model:

* every pair: three uniform draws; outsourced pairs: breach test (against the hazard
  set at signing, as the model does), poor-value test, termination and expiry; the
  review mask;
* every review: consideration set (inverse CDF per process, repeats dropped), the
  all-in cost of in-house (with the pair's cost factor and the process's non-labour
  inputs) and of each vendor option (fee on the delivery mix and non-labour inputs,
  coordination, governance, breach loss, backlash, political risk, transition), the
  hidden-cost bias, the nested
  logit choice, first-come capacity resolution, and the new contract state (with its
  breach hazard);
* every vendor pair after the reviews: vendor revenue and cost sums, and the output
  sums (ACV by location, office, vendor and country); firms' experience.

It is a bound, not a second model: the table folding changes the order of floating-point
operations, so its results match the model's only up to rounding (option costs agree to
about 1e-15 relative). It leaves out vendor entry and exit, capacity orders and captives.
The benchmark prints the contracts signed by both in their first quarter from the same
state and draws, as a check that the work is the same.
"""

from __future__ import annotations

import numpy as np

from simulation import mechanisms as mech
from simulation.world import OFFSHORE


class NumpyQuarter:
    """Copies of a model's state and the lean numpy arithmetic of its next quarters.

    Parameters
    ----------
    model : BPOModel
        A model of the default scenario with captive centres and BPO tax regimes off (the
        bound prices at the statutory rate and its accounts pay no tax). Its arrays and the
        state of its random generator are copied, so the model itself is untouched.
    """

    def __init__(self, model):
        sc = model.scenario_config
        if sc.captives.captives_enabled:
            raise ValueError("captives_enabled: the numpy bound covers captives off only")
        self.m = model
        self.t = model.t
        self.rng = np.random.Generator(type(model.rng.bit_generator)())
        self.rng.bit_generator.state = model.rng.bit_generator.state
        f, v = model.firms, model.vendors
        self.P = f.n_processes
        # copies of the populations' arrays: p_* pair arrays, v_* vendor arrays
        for name, x in (("p_mode", f.mode), ("p_vendor", f.vendor), ("p_country", f.country),
                        ("p_home", f.pair_home), ("p_process", f.process), ("p_acv", f.acv),
                        ("p_hours", f.hours), ("p_true", f.true_cost), ("p_end", f.end),
                        ("p_poor", f.poor_quarters), ("p_orphaned", f.orphaned),
                        ("p_base_hours", f.base_hours), ("p_hazard", f.hazard),
                        ("p_factor", f.inhouse_factor),
                        ("firm_experience", f.experience),
                        ("v_capacity", v.capacity), ("v_committed", v.committed),
                        ("v_country", v.country), ("v_learning", v.learning),
                        ("v_margin", v.margin), ("v_security_mult", v.security),
                        ("v_reputation", v.reputation), ("v_specialised", v.specialised),
                        ("v_active", v.active), ("v_pending", v.pending),
                        ("v_pending_step", v.pending_step)):
            setattr(self, name, x.copy())
        self.u = np.empty((3, f.n_pairs))
        w, co = model.world, sc.coordination
        self.friction = mech.location_friction(w.timezone_gap, w.english_pair, w.distance_km,
                                               co.friction_base, co.friction_timezone,
                                               co.friction_language, co.friction_distance)
        self.offshore = w.location == OFFSHORE
        #: onsite share of the delivery mix per [home, vendor country] (0 onshore)
        self.onsite = np.where(w.location != 0, sc.labour.onsite_delivery_share, 0.0)
        nl = w.processes.nonlabour_share
        self.nl_ratio = nl / (1.0 - nl)  # non-labour inputs per unit of labour cost
        fixed = np.where(w.location == 0, sc.transition.fixed_cost_domestic_usd_m,
                         sc.transition.fixed_cost_offshore_usd_m) * 1e6
        self.fixed = fixed
        self.n_reviews = self.n_signed = 0

    def quarter_tables(self) -> tuple:
        """The quarter's scalars and tables ([home, country], [country], [vendor],
        [process]), in the order ``quarter`` unpacks them; shared with the compiled bound
        (``compiled_bound.CompiledQuarter``)."""
        m, sc, w = self.m, self.m.scenario_config, self.m.world
        pr, dc, vc, rk, tr = w.processes, sc.decision, sc.vendors, sc.risk, sc.transition
        t, P, rng, u = self.t, self.P, self.rng, self.u
        yi = t // 4
        yf = w.first_year + t // 4 + (t % 4) / 4
        kappa = mech.coordination_scale(yf, sc.coordination.coordination_cost_2000,
                                        sc.coordination.coordination_cost_decline,
                                        sc.coordination.coordination_cost_floor)
        term = float(mech.mean_contract_term(
            yf, sc.contracts.term_mean_early_years, sc.contracts.term_mean_late_years,
            sc.contracts.term_drift_start_year, sc.contracts.term_drift_end_year))
        D = mech.demand_multiplier(t, sc.demand.shocks, m.quarter_index)
        vol = (1.0 + sc.demand.demand_growth) ** (yf - sc.time.start_year) * D
        sens, wm, spec = pr.data_sensitivity, pr.wage_multiplier, pr.asset_specificity
        sshare = sens / sens.sum()

        # ---- quarter tables: [home, country], [country], [vendor], [process]
        hz_hc = w.breach_hazard_q[None, :] * np.where(
            self.offshore, rk.offshore_breach_hazard_multiplier, 1.0) * rk.breach_hazard_scale
        loss_h = w.breach_cost_usd_m[:, yi] * 1e6
        labour = w.labour_cost[:, yi] * sc.labour.cost_to_wage_ratio
        polit_c = rk.political_risk_scale * np.clip((1.0 - w.stability[:, yi]) / 3.5, 0, 1)
        vcty = self.v_country
        markup_v = (vc.vendor_efficiency * self.v_learning
                    * (1.0 + self.v_margin / (1.0 - np.minimum(w.tax_rate[vcty, yi], 0.99))))
        # delivery-mix labour cost per [home, country]: (1 - s) w_c + s w_h
        lab_hc = (1.0 - self.onsite) * labour[None, :] + self.onsite * labour[:, None]
        nlr = self.nl_ratio
        return (m, sc, w, pr, dc, vc, rk, tr, t, P, rng, u, yi, yf, kappa, term, D, vol, sens,
                wm, spec, sshare, hz_hc, loss_h, labour, polit_c, vcty, markup_v, lab_hc, nlr)

    def review_draws(self, n: int, K: int, term: float) -> tuple:
        """The reviews' random numbers, in the model's order: consideration uniforms
        ``(n, K)``, choice uniforms ``(n,)``, contract terms (gamma, years) ``(n,)`` and the
        order in which the reviews claim capacity (a permutation of ``n``)."""
        rng, sc = self.rng, self.m.scenario_config
        u_cons = rng.random((n, K))
        u_choice = rng.random(n)
        draw = rng.gamma(sc.contracts.term_gamma_shape,
                         term / sc.contracts.term_gamma_shape, size=n)
        order = rng.permutation(n)
        return u_cons, u_choice, draw, order

    def quarter(self) -> None:
        """Simulate one quarter in place."""
        (m, sc, w, pr, dc, vc, rk, tr, t, P, rng, u, yi, yf, kappa, term, D, vol, sens, wm, spec,
         sshare, hz_hc, loss_h, labour, polit_c, vcty, markup_v, lab_hc,
         nlr) = self.quarter_tables()

        # ---- capacity ordered earlier arrives
        arrive = self.v_pending_step == t
        self.v_capacity += np.where(arrive, self.v_pending, 0.0)

        # ---- every pair: draws; outsourced pairs: breach, poor value, contract end
        for i in range(3):
            rng.random(len(u[i]), out=u[i])
        vi = np.flatnonzero(self.p_mode == 1)
        h, p, v = self.p_home[vi], self.p_process[vi], self.p_vendor[vi]
        br = u[0, vi] < self.p_hazard[vi]  # the hazard is set when a contract is signed
        self.breach_loss = float((loss_h[h[br]] * sens[p[br]]).sum()) * (
            1 + w.third_party_premium)
        self.v_reputation *= (1.0 - vc.reputation_breach_penalty) ** np.bincount(
            v[br], minlength=len(vcty))
        poor = self.p_true[vi] > self.p_hours[vi] * labour[h] * wm[p] * (1.0 + nlr[p]) \
            * self.p_factor[vi] * (1.0 + dc.poor_value_tolerance)
        cnt = np.where(poor, self.p_poor[vi] + 1, 0)
        self.p_poor[vi] = cnt
        ends = ((br & (u[1, vi] < rk.breach_termination_prob)) | (cnt >= dc.poor_value_quarters)
                | self.p_orphaned[vi] | (self.p_end[vi] <= t))
        ei = vi[ends]
        self.v_committed -= np.bincount(v[ends], self.p_hours[ei], minlength=len(vcty))
        np.maximum(self.v_committed, 0.0, out=self.v_committed)
        mask = u[2] < dc.review_hazard * D
        mask[vi] = False
        mask[ei] = True
        pairs = np.flatnonzero(mask)
        n, K = len(pairs), dc.consideration_set_size
        u_cons, u_choice, draw, order = self.review_draws(n, K, term)

        # ---- every review: consideration set
        firm, proc, home = pairs // P, pairs % P, self.p_home[pairs]
        hours = self.p_base_hours[pairs] * vol
        was_v = self.p_mode[pairs] == 1
        weight = self.v_capacity * self.v_reputation * self.v_active
        by_p = np.argsort(proc, kind="stable")
        bounds = np.r_[0, np.cumsum(np.bincount(proc, minlength=P))]
        cand = np.full((n, K + 1), -1, dtype=np.int64)
        for q in range(P):
            rows = by_p[bounds[q]:bounds[q + 1]]
            ids = np.flatnonzero(self.v_specialised[:, q] & (weight > 0))
            if len(rows) and len(ids):
                cum = np.cumsum(weight[ids])
                hit = np.searchsorted(cum, u_cons[rows] * cum[-1], "right")
                cand[rows, 1:] = ids[np.minimum(hit, len(ids) - 1)]
        by_v = np.argsort(cand[:, 1:], axis=1, kind="stable")  # repeats: keep the first
        srt = np.take_along_axis(cand[:, 1:], by_v, axis=1)
        dup = np.zeros_like(srt, dtype=bool)
        dup[:, 1:] = srt[:, 1:] == srt[:, :-1]
        np.put_along_axis(cand[:, 1:], by_v, np.where(dup, -1, srt), axis=1)
        inc = np.where(was_v & (self.p_end[pairs] <= t), self.p_vendor[pairs], -1)
        cand[:, 0] = np.where((inc >= 0) & self.v_active[np.maximum(inc, 0)], inc, -1)
        cand[:, 1:][cand[:, 1:] == cand[:, :1]] = -1

        # ---- every option: all-in annual cost (in-house in column 0, vendors after)
        vs = np.maximum(cand, 0)
        cty = vcty[vs]
        hw = hours * wm[proc]
        inhouse = hw * labour[home]
        own = inhouse * (1.0 + nlr[proc]) * self.p_factor[pairs]
        fee = hw[:, None] * (lab_hc[home[:, None], cty] + (labour[home] * nlr[proc])[:, None]) \
            * markup_v[vs]
        coord = (inhouse * kappa * pr.coordination_index[proc])[:, None] * self.friction[
            home[:, None], cty]
        sw = tr.switching_cost_fraction * (1.0 + tr.asset_specificity_scale * spec[proc])
        hid = (self.fixed[home[:, None], cty] + sw[:, None] * (fee + coord)) / term
        hid[:, 0] = np.where(cand[:, 0] >= 0, 0.0, hid[:, 0])  # renewal: no transition
        hid += coord
        hid += fee * (tr.governance_cost_scale * spec[proc])[:, None]
        risk = (loss_h[home] * sens[proc] * 4.0)[:, None] * np.minimum(
            hz_hc[home[:, None], cty] * sshare[proc][:, None] * self.v_security_mult[vs], 1.0)
        vis = fee * (1.0 + polit_c[cty]) + risk * (1.0 + w.third_party_premium)
        vis += (inhouse * rk.backlash_intensity * pr.customer_facing[proc])[:, None] \
            * self.offshore[home[:, None], cty]
        bias = dc.hidden_cost_bias * np.exp(-self.firm_experience[firm]
                                            / dc.experience_scale_years)
        cost = vis + (1.0 - bias)[:, None] * hid
        ok = (cand >= 0) & (self.v_capacity[vs] - self.v_committed[vs] >= hours[:, None]) \
            & self.v_active[vs]
        trans_in = np.where(was_v, (tr.fixed_cost_backsourcing_usd_m * 1e6 + sw * own)
                            / term, 0.0)
        cost_in = own + loss_h[home] * sens[proc] * 4.0 * np.minimum(
            hz_hc[home, home] * sshare[proc], 1.0) + (1.0 - bias) * trans_in

        # ---- nested logit: in-house nest vs vendor nest, status-quo inertia
        lam, mu = dc.logit_intensity, dc.nest_scale
        util = np.where(ok, -lam * cost / cost_in[:, None], -np.inf)
        util[:, 0] += np.where(cand[:, 0] >= 0, dc.status_quo_inertia, 0.0)
        u_in = -lam + np.where(was_v, 0.0, dc.status_quo_inertia)
        top = util.max(axis=1)
        e = np.exp((util - np.where(np.isfinite(top), top, 0.0)[:, None]) / mu)
        tot = e.sum(axis=1)
        iv = np.where(tot > 0, top + mu * np.log(np.where(tot > 0, tot, 1.0)), -np.inf)
        p_in = 1.0 / (1.0 + np.exp(iv - u_in))
        go = u_choice >= p_in
        within = np.cumsum(e, axis=1) / np.where(tot > 0, tot, 1.0)[:, None]
        col = (within < ((u_choice - p_in) / np.maximum(1.0 - p_in, 1e-300))[:, None]).sum(1)
        col = np.minimum(col, K)
        chosen = np.where(go, cand[np.arange(n), col], -1)

        # ---- first-come capacity, then the new contract state
        sel = order[chosen[order] >= 0]
        g = np.argsort(chosen[sel], kind="stable")
        sv, sh = chosen[sel][g], hours[sel][g]
        cum = np.cumsum(sh)
        first = np.r_[0, np.flatnonzero(sv[1:] != sv[:-1]) + 1]
        within_v = cum - np.repeat(cum[first] - sh[first], np.diff(np.r_[first, len(sv)]))
        fits = np.empty(len(sel), dtype=bool)
        fits[g] = within_v <= (self.v_capacity - self.v_committed)[sv] + 1e-6
        chosen[sel[~fits]] = -1
        sign = chosen >= 0
        sp, cs = pairs[sign], chosen[sign]
        tq = np.maximum(sc.contracts.term_min_quarters, np.rint(draw[sign] * 4))
        self.p_mode[pairs] = sign
        self.p_vendor[pairs] = chosen
        self.p_country[pairs] = np.where(sign, vcty[np.maximum(chosen, 0)], home)
        self.p_acv[pairs] = np.where(sign, fee[np.arange(n), col], 0.0)
        self.p_hours[pairs] = np.where(sign, hours, 0.0)
        self.p_true[pairs] = np.where(sign, cost[np.arange(n), col], cost_in)
        self.p_end[sp] = t + tq
        self.p_hazard[sp] = np.minimum(hz_hc[home[sign], vcty[cs]] * sshare[proc[sign]]
                                       * self.v_security_mult[cs], 1.0)
        self.p_poor[pairs] = 0
        self.p_orphaned[pairs] = False
        self.v_committed += np.bincount(cs, hours[sign], minlength=len(vcty))
        self.tcv = float((self.p_acv[sp] * tq / 4.0).sum())
        self.n_reviews += n
        self.n_signed += int(sign.sum())

        # ---- after the reviews: firms' experience, vendor accounts, output sums
        self.firm_experience += np.count_nonzero(self.p_mode.reshape(-1, P), axis=1) / 4.0
        vi = np.flatnonzero(self.p_mode == 1)
        v, acv = self.p_vendor[vi], self.p_acv[vi]
        nv = len(vcty)
        revenue = np.bincount(v, acv, minlength=nv) / 4.0
        hv, cv, pv = self.p_home[vi], self.p_country[vi], self.p_process[vi]
        work = np.bincount(v, self.p_hours[vi] * wm[pv] * (lab_hc[hv, cv] + labour[hv] * nlr[pv]),
                           minlength=nv) * vc.vendor_efficiency * self.v_learning
        self.v_profit = revenue - work / 4.0
        util_v = self.v_committed / np.maximum(self.v_capacity, 1e-300)
        self.v_margin = np.clip(self.v_margin + vc.margin_step * (
            (util_v > vc.utilisation_expand).astype(float)
            - (util_v < vc.utilisation_shrink)), vc.margin_min, vc.margin_max)
        loc = w.location[self.p_home[vi], self.p_country[vi]]
        self.outputs = (np.bincount(loc, acv, minlength=3),
                        acv[pr.front_office[self.p_process[vi]]].sum(),
                        np.bincount(v, acv, minlength=nv),
                        np.bincount(self.p_country[vi], acv, minlength=w.n_countries))
        self.t += 1
