"""Honest small samples (:mod:`experiments.samples`): the documented minimum number of
replications, the warning below it, and UNDERPOWERED instead of FAIL."""

import math

import numpy as np
import pytest

from experiments.samples import MIN_REPLICATIONS, claim_status, small_sample_warning
from experiments.validation.statistics import Claim


def test_the_warning_appears_below_the_minimum_only():
    assert MIN_REPLICATIONS == 10
    assert small_sample_warning(10, "a 90 % band") is None
    w = small_sample_warning(4, "a 90 % band")
    assert w.startswith("4 replications are below the minimum of 10 for a 90 % band")
    assert "\n" not in w


@pytest.mark.parametrize("passed, n, lo, hi, status", [
    (True, 3, 0.1, 0.5, "PASS"),
    (False, 8, -0.1, 0.4, "UNDERPOWERED"),       # covers zero, too few replications
    (False, 8, math.nan, math.nan, "UNDERPOWERED"),
    (False, 8, -0.5, -0.1, "FAIL"),              # the wrong side: evidence against
    (False, 20, -0.1, 0.4, "FAIL"),              # enough replications: a plain failure
])
def test_claim_status(passed, n, lo, hi, status):
    assert claim_status(passed, n, lo, hi) == status


def test_a_claim_with_few_replications_and_an_interval_over_zero_is_underpowered():
    few = Claim("x rises", "x", +1, np.array([0.3, -0.2, 0.4, 0.1]))
    assert not few.passed and few.status == "UNDERPOWERED"
    many = Claim("x rises", "x", +1, np.tile([0.3, -0.2, 0.4, 0.1, -0.35], 3))
    assert not many.passed and many.status == "FAIL"
    wrong = Claim("x falls", "x", -1, np.array([1.0, 1.1, 0.9, 1.2]))
    assert wrong.status == "FAIL"
