"""Diagnostic of the market's composition (issue #12, part 2): not a benchmark of speed.

Runs one scenario and prints, for a few years: the realised saving of vendor contracts by
location (1 - true all-in cost / in-house cost of the same work now; fee-only saving
too), the outsourcing rate by process, the BPO share of TCV signed, location and office
shares of ACV and the share of ACV won by US-located vendors, beside the published
figures of ``simulation/data/composition_targets.csv`` where they exist.

    python benchmarks/diag_composition.py [--config FILE] [--firms N] [--seed S]
"""

from __future__ import annotations

import argparse

import numpy as np

from simulation.config import load_scenario
from simulation.market import MODE_CAPTIVE, MODE_INHOUSE, MODE_VENDOR
from simulation.run import build_model
from simulation.world import LOCATION_NAMES


def snapshot(m) -> dict:
    """Composition figures of the model's current state (see the module docstring)."""
    f, w, ctx = m.firms, m.world, m.context
    pr = w.processes
    yi = ctx.year_index
    c2w = m.scenario_config.labour.cost_to_wage_ratio
    mode = f.mode
    vi = np.flatnonzero(mode == MODE_VENDOR)
    home, proc = f.pair_home[vi], f.process[vi]
    country = f.country[vi]
    inhouse = f.own_inhouse_cost(vi, f.hours[vi] * w.labour_cost[home, yi]
                                 * pr.wage_multiplier[proc] * c2w)
    loc = w.location[home, country]
    out = {"year": ctx.year}
    for j, name in enumerate(LOCATION_NAMES):
        sel = loc == j
        if sel.any():
            out[f"saving_true_{name}"] = 1 - f.true_cost[vi][sel].sum() / inhouse[sel].sum()
            out[f"saving_fee_{name}"] = 1 - f.acv[vi][sel].sum() / inhouse[sel].sum()
            out[f"n_{name}"] = int(sel.sum())
            out[f"above30_{name}"] = float((1 - f.true_cost[vi][sel] / inhouse[sel] > 0.3).mean())
    P = pr.n
    by_p = (mode.reshape(-1, P) == MODE_VENDOR).mean(axis=0)
    out["rate_by_process"] = dict(zip(pr.names, by_p.round(3)))
    out["outsourced_share_pairs"] = float((mode != MODE_INHOUSE).mean())
    out["captive_share_pairs"] = float((mode == MODE_CAPTIVE).mean())
    acv = f.acv[vi]
    cross = country != home
    out["usa_vendor_acv_share"] = float(acv[country == w.index("USA")].sum() / acv.sum())
    out["ind_share_cross_border"] = float(acv[cross & (country == w.index("IND"))].sum()
                                          / acv[cross].sum())
    bpo = ~pr.ito[proc]
    out["front_share_bpo"] = float(acv[bpo & pr.front_office[proc]].sum() / acv[bpo].sum())
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--firms", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end-year", type=int, default=2025)
    ap.add_argument("--years", default="2005,2015,2025")
    a = ap.parse_args(argv)
    years = {int(y) for y in a.years.split(",")}
    m = build_model(load_scenario(a.config, n_firms=a.firms, end_year=a.end_year), a.seed)
    snaps = []
    while m.running:
        m.step()
        if m.context.quarter == 4 and m.context.year in years:
            snaps.append(snapshot(m))
    ann = m.annual().set_index("year")
    print(f"scenario {a.config or 'default'}, {a.firms} firms, seed {a.seed}")
    for snap in snaps:
        y = snap["year"]
        r = ann.loc[y]
        print(f"\n== {y}: outsourcing_rate {r.outsourcing_rate:.3f} (all outsourced pairs "
              f"{snap['outsourced_share_pairs']:.3f}, captive {snap['captive_share_pairs']:.3f});"
              f" BPO share of TCV {r.tcv_signed_bpo_usd_bn / r.tcv_signed_usd_bn:.3f}; "
              f"ACV {r.market_acv_usd_bn:.1f} bn, TCV {r.tcv_signed_usd_bn:.1f} bn")
        print(f"   shares of ACV: onshore {r.share_onshore:.3f} nearshore {r.share_nearshore:.3f}"
              f" offshore {r.share_offshore:.3f}; front office {r.share_front_office:.3f}; "
              f"US vendors {snap['usa_vendor_acv_share']:.3f}; India's share of cross-border"
              f" ACV {snap['ind_share_cross_border']:.3f}; front office share of BPO ACV "
              f"{snap['front_share_bpo']:.3f}")
        for name in LOCATION_NAMES:
            if f"n_{name}" in snap:
                print(f"   realised saving {name:9s}: all-in {snap[f'saving_true_{name}']:+.3f}, "
                      f"fee only {snap[f'saving_fee_{name}']:+.3f}, share saving > 0.30 "
                      f"{snap[f'above30_{name}']:.2f} ({snap[f'n_{name}']} contracts)")
        print("   outsourcing rate by process: " + ", ".join(
            f"{k} {v:.2f}" for k, v in snap["rate_by_process"].items()))
        print(f"   outsourced_hours_m {r.outsourced_hours_m:.1f}")


if __name__ == "__main__":
    main()
