"""Run every benchmark group in turn and print their figures (see docs/performance.md).

Run from the repository root after ``pip install -e .``: ``python benchmarks/run_all.py``.
``--quick`` uses smaller sizes (a smoke run of well under a minute, not the reported
figures).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_numpy_bound  # noqa: E402
import bench_paths  # noqa: E402
import bench_scaling  # noqa: E402
import bench_sweep  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if a.quick:
        bench_paths.main(["--firms", "2000", "--quarters", "2"])
        bench_numpy_bound.main(["--firms", "10000", "--quarters", "4"])
        bench_scaling.main(["--sizes", "1000", "10000"])
        bench_sweep.main(["--quick"])
    else:
        bench_paths.main([])
        bench_numpy_bound.main([])
        bench_scaling.main([])
        bench_sweep.main([])  # group 4: sweep throughput, 2 workers vs 1, vs mesa.batch_run


if __name__ == "__main__":
    main()
