"""``bposim validate``: validate the model against theory and firm-level evidence.

The checks are in :mod:`experiments.validation`, the report writer in
:mod:`experiments.validation.report`; see ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.cli.common import (Command, UsageError, add_executor_args,
                                    add_figure_format_arg, executor_from_args,
                                    figure_formats)


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="report folder (default: a new folder "
                                            "results/validation-<size>-<time>)")
    p.add_argument("--quick", action="store_true",
                   help="small runs (250 firms, 8 replications, 2000-2008): seconds per "
                        "check; the default is the full report (2000 firms, 20 "
                        "replications, 2000-2020)")
    p.add_argument("--only", metavar="CHECKS",
                   help="comma-separated subset of checks (default: all)")
    add_executor_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_figure_format_arg(p)


def cmd_validate(args) -> int:
    """Run the validation checks and write the markdown report folder."""
    from experiments.progress import Progress
    from experiments.samples import MIN_REPLICATIONS, small_sample_warning
    from experiments.validation import CHECKS, planned_runs
    from experiments.validation.records import FULL, QUICK
    from experiments.validation.report import default_out_dir, validate
    from simulation.atomic import check_output_dir

    formats = figure_formats(args)
    keys = None
    if args.only is not None:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        bad = [k for k in keys if k not in CHECKS]
        if bad or not keys:
            raise UsageError(f"--only: unknown check {(bad[0] if bad else args.only)!r}; "
                             f"allowed: {', '.join(CHECKS)}")
    size = QUICK if args.quick else FULL
    out = args.out or default_out_dir(size)
    check_output_dir(out)
    executor = executor_from_args(args)
    progress = Progress(planned_runs(keys or list(CHECKS), size), "validate",
                        disable=args.quiet)

    def _progress(n_runs: int, label: str) -> None:
        progress.set_postfix(label)
        progress.update(1)
    try:
        with executor as ex:
            results, out = validate(size, out, keys, progress=_progress, executor=ex,
                                    formats=formats)
    finally:
        progress.close()
    warning = small_sample_warning(size.replications, "confidence intervals")
    if warning:
        print(f"bposim: warning: {warning}; claims whose interval covers zero are marked "
              "UNDERPOWERED, not FAIL", file=sys.stderr)
    if not args.quiet:
        for r in results:
            for c in r.claims:
                e = c.estimate
                print(f"{c.status:12s} {r.key:12s} {c.text}: "
                      f"{e.mean:+.3g} [{e.lo:+.3g}, {e.hi:+.3g}] (n={e.n})")
        n = sum(len(r.claims) for r in results)
        weak = sum(c.status == "UNDERPOWERED" for r in results for c in r.claims)
        print(f"{sum(c.passed for r in results for c in r.claims)} of {n} claims pass"
              + (f", {weak} underpowered (n < {MIN_REPLICATIONS})" if weak else ""))
        print(f"report: {out / 'report.md'}")
    return 0


COMMANDS = (Command("validate", "validate the model against economic theory and firm-level "
                    "evidence (markdown report)", cmd_validate, _validate_args),)
