"""Diagnostic of the post-2012 plateau of the published series (issue #13): not a benchmark
of speed.

The published TCV (Statista 189788) falls 10 % from 2012 to 2017 (99.1 -> 88.9 USD bn),
while the ISG Index's ACV of traditional sourcing stays near USD 23-26 bn. This script
takes the default (calibrated) scenario apart, one rule at a time, on the same seeds
(common random numbers), and prints for each variant the median over replications of
the model's series in 2012, 2016 and 2017, its change 2012 -> 2017 and 2016 -> 2017, and
how many of the 18 published years 2000-2017 lie inside its 90 % band:

1. ``before #13``: every contract signed (``tcv_signed_usd_bn``), terms drifting to 4.8
   years in 2012 (the earlier stylised fact), no IT work bought as a service;
2. ``+ deal index``: only contracts with ACV >= USD 5 M (``tcv_index_usd_bn``);
3. ``+ term path``: terms drifting to 3.75 years in 2015 (Statista TCV / ISG ACV 2015);
4. ``+ as-a-service`` (the default): IT work bought as a service after the ISG shares.

Each variant keeps the calibrated parameters; only the default (4) was fitted.

    python benchmarks/diag_plateau.py [--firms 2000] [--replications 20] [--seed 2024]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from experiments.seeds import crn_key, root_entropy
from simulation.config import load_scenario
from simulation.run import make_seed, run_model
from simulation.world import published_market_size

YEARS = list(range(2000, 2018))
OLD_TERMS = dict(term_mean_late_years=4.8, term_drift_end_year=2012)
VARIANTS = (("before #13", "tcv_signed_usd_bn", OLD_TERMS | dict(it_as_a_service_scale=0.0)),
            ("+ deal index", "tcv_index_usd_bn", OLD_TERMS | dict(it_as_a_service_scale=0.0)),
            ("+ term path", "tcv_index_usd_bn", dict(it_as_a_service_scale=0.0)),
            ("+ as-a-service (default)", "tcv_index_usd_bn", {}))


def _series(job) -> np.ndarray:
    firms, seed, r, v = job
    _, col, over = VARIANTS[v]
    sc = load_scenario(n_firms=firms, end_year=2017, **over)
    a = run_model(sc, make_seed(root_entropy(seed), crn_key(r))).annual.set_index("year")
    return a.loc[YEARS, col].to_numpy(float)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--firms", type=int, default=2000)
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    jobs = [(args.firms, args.seed, r, v) for v in range(len(VARIANTS))
            for r in range(args.replications)]
    with ProcessPoolExecutor(args.workers) as ex:
        out = list(ex.map(_series, jobs))
    pub = published_market_size().set_index("year").loc[YEARS, "value_usd_bn"].to_numpy()
    i12, i16, i17 = YEARS.index(2012), YEARS.index(2016), YEARS.index(2017)
    print(f"{args.replications} replications x {args.firms} firms, seed {args.seed}; "
          f"published: 2012 {pub[i12]:.1f}, 2016 {pub[i16]:.1f}, 2017 {pub[i17]:.1f}, "
          f"2012->2017 {pub[i17] / pub[i12] - 1:+.1%}, 2016->2017 {pub[i17] - pub[i16]:+.1f}")
    print(f"{'variant':<26}{'2012':>7}{'2016':>7}{'2017':>7}{'12->17':>9}{'16->17':>8}"
          f"{'in band':>9}")
    for v, (name, _, _) in enumerate(VARIANTS):
        arr = np.array(out[v * args.replications:(v + 1) * args.replications])
        med = np.median(arr, axis=0)
        lo, hi = np.quantile(arr, [0.05, 0.95], axis=0)
        inside = int(((pub >= lo) & (pub <= hi)).sum())
        print(f"{name:<26}{med[i12]:7.1f}{med[i16]:7.1f}{med[i17]:7.1f}"
              f"{med[i17] / med[i12] - 1:+9.1%}{med[i17] - med[i16]:+8.1f}{inside:>6}/18")


if __name__ == "__main__":
    main()
