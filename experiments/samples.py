"""Honest small samples: the minimum number of replications behind a band or an interval.

bposim reports the spread of replications (the 90 % band of ``bposim reproduce``, the 5-95 %
range of a sweep's summary) and confidence intervals over replications (``bposim
validate``, ``bposim compare``). With few replications both say little:

- an empirical 5 % or 95 % quantile of fewer than 10 runs is an interpolation between the
  two most extreme runs, so a "90 % band" of 4 runs is the range of 4 runs, not a band
  that holds 90 % of outcomes;
- a Student-t interval of fewer than 10 replications is wide (t quantile 2.26 at n = 10,
  3.18 at n = 4), so a real effect of moderate size is often not resolved: a claim whose
  interval covers zero is then *underpowered*, not refuted.

:data:`MIN_REPLICATIONS` is that documented minimum. Below it, ``bposim reproduce`` and
``bposim validate`` print a warning (:func:`small_sample_warning`) and write it at the top
of their report, and validation marks a claim whose interval covers zero as
``UNDERPOWERED`` instead of ``FAIL`` (:func:`claim_status`).
"""

from __future__ import annotations

#: Replications below which bands and confidence intervals are flagged as indicative only.
MIN_REPLICATIONS = 10


def small_sample_warning(n: int, what: str) -> str | None:
    """One line warning that ``n`` replications are below :data:`MIN_REPLICATIONS`, or
    None when they are not.

    Parameters
    ----------
    n : int
        Replications.
    what : str
        What they are used for, e.g. ``"the 90 % band"``.
    """
    if n >= MIN_REPLICATIONS:
        return None
    return (f"{n} replications are below the minimum of {MIN_REPLICATIONS} for {what}; "
            "treat the result as indicative only (use more replications)")


def claim_status(passed: bool, n: int, lo: float, hi: float) -> str:
    """The verdict of a validation claim: ``PASS``, ``FAIL`` or ``UNDERPOWERED``.

    ``UNDERPOWERED``: the claim does not pass, its confidence interval ``[lo, hi]`` covers
    zero (no evidence either way) and fewer than :data:`MIN_REPLICATIONS` replications
    measured it. An interval entirely on the wrong side of zero is a ``FAIL`` at any size.
    """
    if passed:
        return "PASS"
    covers_zero = not (lo > 0 or hi < 0)  # NaN bounds (n < 2) cover zero
    return "UNDERPOWERED" if n < MIN_REPLICATIONS and covers_zero else "FAIL"


__all__ = ["MIN_REPLICATIONS", "small_sample_warning", "claim_status"]
