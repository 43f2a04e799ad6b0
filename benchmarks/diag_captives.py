"""Diagnostic of captive centres against the published captive shares (issue #12): not a
benchmark of speed.

Runs the scenario for several seeds (two processes) and prints, for Q4 of a few years,
mean +- standard error over seeds of

- the captive share of offshore value: captive annual value (transfer price) / (captive
  value + vendor ACV) of work done at the offshore location class;
- the captive share of India's exports: the same for work done in India for buyers abroad;
- the captive share of offshore pairs (a count, comparable with Duke CIBER / Archstone
  2005's 58 % of US offshore implementations);
- the BPO share of TCV signed in the year,

beside the published figures: about 25 % of the global offshore services market (Everest
Group 2019), 18 % (2015) and 23 % (2023) of India's IT exports (HSBC Global Research 2024).

    python benchmarks/diag_captives.py [--config FILE] [--firms N] [--seeds N]
                                       [--years 2015,2019,2023]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from simulation.config import load_scenario
from simulation.market import MODE_CAPTIVE, MODE_VENDOR
from simulation.run import run_model
from simulation.world import OFFSHORE


def _one(args) -> dict:
    config, firms, end_year, years, seed = args
    sc = load_scenario(config, n_firms=firms, end_year=end_year)
    out: dict = {}

    def on_quarter(m, done, total):
        ctx = m.context
        if ctx.quarter != 4 or ctx.year not in years:
            return
        f, w = m.firms, m.world
        cap, ven = f.mode == MODE_CAPTIVE, f.mode == MODE_VENDOR
        home = f.pair_home
        off = w.location[home, np.maximum(f.country, 0)] == OFFSHORE
        ind = (f.country == w.index("IND")) & (home != w.index("IND"))
        for name, sel in (("offshore_value", off), ("india_exports_value", ind)):
            c, v = f.acv[cap & sel].sum(), f.acv[ven & sel].sum()
            out[(ctx.year, name)] = c / (c + v) if c + v > 0 else np.nan
        n_off = ((cap | ven) & off).sum()
        out[(ctx.year, "offshore_pairs")] = (cap & off).sum() / n_off if n_off else np.nan

    run = run_model(sc, seed, on_quarter=on_quarter)
    a = run.annual.set_index("year")
    for y in years:
        out[(y, "bpo_share_tcv")] = a.loc[y, "tcv_signed_bpo_usd_bn"] / a.loc[y, "tcv_signed_usd_bn"]
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--firms", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--years", default="2015,2019,2023")
    a = ap.parse_args(argv)
    years = tuple(int(y) for y in a.years.split(","))
    jobs = [(a.config, a.firms, max(years), years, s) for s in range(1, a.seeds + 1)]
    with ProcessPoolExecutor(2) as ex:
        rows = list(ex.map(_one, jobs))
    names = ("offshore_value", "india_exports_value", "offshore_pairs", "bpo_share_tcv")
    print("| year | captive share of offshore value | of India's exports (value) "
          "| of offshore pairs | BPO share of TCV |")
    print("| --- | --- | --- | --- | --- |")
    for y in years:
        cells = []
        for n in names:
            v = np.array([r[(y, n)] for r in rows], float)
            cells.append(f"{np.nanmean(v):.2f} ± {np.nanstd(v, ddof=1) / np.sqrt(len(v)):.2f}")
        print(f"| {y} | " + " | ".join(cells) + " |")
    print(f"({a.seeds} seeds, {a.firms} firms, Q4 states; BPO share: TCV signed in the year)")


if __name__ == "__main__":
    main()
