"""The world: data loading, gap-filling rules, labour-cost fit, location classification."""

import numpy as np
import pytest

from simulation.config import load_scenario
from simulation.world import (NEARSHORE, OFFSHORE, ONSHORE, World, fill_series,
                              known_country_codes, timezone_gap_hours)


@pytest.fixture(scope="module")
def world():
    return World.build(load_scenario())


def test_about_thirty_countries(world):
    assert world.n_countries == 34
    assert len(known_country_codes()) == 34


def test_us_tax_cut_on_its_real_date(world):
    usa = world.index("USA")
    assert world.tax_rate[usa, world.yi(2017)] == pytest.approx(0.38906474)
    assert world.tax_rate[usa, world.yi(2018)] == pytest.approx(0.2583858)


def test_tax_carried_forward_after_last_observation(world):
    ind = world.index("IND")
    assert world.tax_rate[ind, world.yi(2030)] == world.tax_rate[ind, world.yi(2023)]
    assert any("tax_rate IND: carry_forward for 2024-2030" in s for s in world.fill_log)


def test_fill_series_rules():
    vals, rule = fill_series(np.array([2000, 2002]), np.array([1.0, 3.0]),
                             np.arange(1999, 2004))
    assert vals.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0]
    assert rule.tolist() == ["carry_back", "observed", "interpolate", "observed",
                             "carry_forward"]


def test_labour_fit_reported_and_plausible(world):
    fit = world.labour_fit
    assert 0.3 < fit.beta < 1.2
    assert fit.n_points == 12 and fit.r2 > 0.9
    assert "beta" in fit.summary()
    # countries with direct points keep their own level: India 2024 base wage 2-3 USD/h
    ind = world.index("IND")
    assert 2.0 <= world.labour_cost[ind, world.yi(2024)] <= 3.0
    # every labour cost is positive and finite
    assert np.all(np.isfinite(world.labour_cost)) and np.all(world.labour_cost > 0)


@pytest.mark.parametrize("home,vendor,expected", [
    ("USA", "USA", ONSHORE),
    ("USA", "CAN", NEARSHORE),    # land border
    ("USA", "MEX", NEARSHORE),    # land border
    ("DEU", "POL", NEARSHORE),    # land border
    ("IND", "LKA", NEARSHORE),    # same subregion (Southern Asia), 0 h apart
    ("PHL", "MYS", NEARSHORE),    # same subregion (South-eastern Asia), 0 h apart
    ("USA", "IND", OFFSHORE),
    ("USA", "COL", OFFSHORE),     # no border, other subregion
    ("GBR", "DEU", OFFSHORE),     # Northern vs Western Europe, no land border
    ("JPN", "CHN", NEARSHORE),    # Eastern Asia, 1 h apart
])
def test_classify_location(world, home, vendor, expected):
    assert world.location[world.index(home), world.index(vendor)] == expected


def test_timezone_gap_wraps_round_the_clock():
    assert timezone_gap_hours(-10, 12) == 2
    assert timezone_gap_hours(5.5, -5) == 10.5


def test_a_labour_cost_rule_put_in_place_is_fitted_afresh(monkeypatch, world):
    """The labour-cost fit is made once per process, but per rule: a rule that replaces
    ``fit_labour_cost_rule`` (an experiment's) is used by the next world, and the original
    one again after it."""
    import dataclasses

    from simulation import world as world_module
    original = world_module.fit_labour_cost_rule

    def steeper(labour, gdp):
        fit = original(labour, gdp)
        return dataclasses.replace(fit, beta=fit.beta + 0.1)

    monkeypatch.setattr(world_module, "fit_labour_cost_rule", steeper)
    swapped = World.build(load_scenario())
    assert swapped.labour_fit.beta == pytest.approx(world.labour_fit.beta + 0.1)
    assert not np.array_equal(swapped.labour_cost, world.labour_cost)
    monkeypatch.setattr(world_module, "fit_labour_cost_rule", original)
    np.testing.assert_array_equal(World.build(load_scenario()).labour_cost, world.labour_cost)


def test_fill_series_marks_observed_years_as_a_membership_test_does():
    """The rule of each year (``observed`` where the year is among the observations,
    whatever their order) on unordered, sparse and single observations."""
    years = np.arange(1990, 2031)
    for obs in ([2000, 1995, 2010], [2005], [1985, 2040], list(range(1990, 2031, 3))):
        oy = np.array(obs)
        _, rule = fill_series(oy, np.arange(len(oy), dtype=float), years)
        np.testing.assert_array_equal(rule == "observed", np.isin(years, oy))
