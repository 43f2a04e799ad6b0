"""Diagnostic of the tax channel (issue #12): not a benchmark of speed.

Prints, for the default scenario (or ``--config``), paired runs with common random
numbers (the same seed in both arms), mean ± standard error of the paired difference and t:

1. the acceptance design: India's statutory rate 20 % from 2005 vs the data; India's share
   of ACV, mean of 2010-2019 (``tests/test_tax_channel.py`` runs the same design);
2. the 2018 US rate change: the data (the cut) vs
   ``experiments/scenarios/no_us_tax_cut_2018.toml`` (the US rate stays at its 2017
   level); means of the Q4 states 2018-2025.

    python benchmarks/diag_tax.py [--firms 2000] [--seeds-india 12] [--seeds-us 20]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from simulation.config import load_scenario
from simulation.market import MODE_CAPTIVE, MODE_VENDOR
from simulation.run import run_model

NO_CUT = Path(__file__).resolve().parents[1] / "experiments/scenarios/no_us_tax_cut_2018.toml"


def _india(args) -> float:
    firms, seed, cut = args
    over = dict(tax_rate_changes=[{"iso3": "IND", "year": 2005, "rate": 0.20}]) if cut else {}
    a = run_model(load_scenario(n_firms=firms, end_year=2019, **over), seed).acv_by_country
    a = a[(a["year"] >= 2010) & (a["year"] <= 2019)]
    tot = a.groupby("year")["acv_usd_bn"].sum()
    own = a[a["vendor_iso3"] == "IND"].groupby("year")["acv_usd_bn"].sum()
    return float((own.reindex(tot.index, fill_value=0.0) / tot).mean())


US_STATS = ("US-based vendors' share of ACV", "onshore share of US buyers' vendor hours",
            "US buyers' share of pairs with a vendor", "US buyers' share of pairs in captive "
            "centres", "active US-based vendors", "market ACV, USD bn")


def _us(args) -> np.ndarray:
    firms, seed, config = args
    sc = load_scenario(config, n_firms=firms, end_year=2025)
    rows = []

    def on_quarter(m, done, total):
        if m.context.quarter != 4 or m.context.year < 2018:
            return
        f, w, V = m.firms, m.world, m.vendors
        usa = w.index("USA")
        ven, us_buyer = f.mode == MODE_VENDOR, f.pair_home == usa
        h = f.hours[ven & us_buyer]
        rows.append([f.acv[ven & (f.country == usa)].sum() / f.acv[ven].sum(),
                     h[f.country[ven & us_buyer] == usa].sum() / h.sum(),
                     ven[us_buyer].mean(), (f.mode == MODE_CAPTIVE)[us_buyer].mean(),
                     (V.active & (V.country == usa)).sum()])

    run = run_model(sc, seed, on_quarter=on_quarter)
    a = run.annual
    acv = a.loc[(a["year"] >= 2018) & (a["year"] <= 2025), "market_acv_usd_bn"].mean()
    return np.r_[np.mean(rows, axis=0), acv]


def _paired(d) -> str:
    d = np.asarray(d, float)
    se = d.std(ddof=1) / np.sqrt(len(d))
    return f"{d.mean():+.4g} ± {se:.2g} | {d.mean() / se:+.1f}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=2000)
    ap.add_argument("--seeds-india", type=int, default=12)
    ap.add_argument("--seeds-us", type=int, default=20)
    a = ap.parse_args(argv)
    with ProcessPoolExecutor(2) as ex:
        s = range(1, a.seeds_india + 1)
        cut = list(ex.map(_india, [(a.firms, i, True) for i in s]))
        base = list(ex.map(_india, [(a.firms, i, False) for i in s]))
        print("| India 20 % from 2005: India's ACV share 2010-19 | effect | t |")
        print("| --- | --- | --- |")
        print(f"| base {np.mean(base):.3f}, cut {np.mean(cut):.3f} | "
              f"{_paired(np.subtract(cut, base))} |\n")
        s = range(1, a.seeds_us + 1)
        data = np.array(list(ex.map(_us, [(a.firms, i, None) for i in s])))
        nocut = np.array(list(ex.map(_us, [(a.firms, i, NO_CUT) for i in s])))
    print("| statistic (2018-2025) | no cut | cut | effect | t |")
    print("| --- | --- | --- | --- | --- |")
    for k, name in enumerate(US_STATS):
        print(f"| {name} | {nocut[:, k].mean():.4g} | {data[:, k].mean():.4g} | "
              f"{_paired(data[:, k] - nocut[:, k])} |")
    print(f"({a.firms} firms; {a.seeds_india} and {a.seeds_us} paired seeds)")


if __name__ == "__main__":
    main()
