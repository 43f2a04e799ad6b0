"""Each driver moves the market the right way (one test each).

Every test runs paired replications with common random numbers (the same seeds in both
arms) and asserts the mean paired difference with a statistical tolerance: the effect must
have the expected sign and be more than ``T_MIN`` standard errors from zero.
"""

import numpy as np
import pytest

from simulation.config import load_scenario
from simulation.model import BPOModel

SEEDS = range(6)
FIRMS = 400
T_MIN = 2.0


def _metric(kw, fn):
    out = []
    for s in SEEDS:
        m = BPOModel(rng=s, n_firms=FIRMS, **kw)
        m.run()
        out.append(fn(m))
    return np.array(out)


def _country_share(iso):
    def fn(m):
        c = m.acv_by_country()
        c = c[c["year"] >= 2005]
        tot = c.groupby("year")["acv_usd_bn"].sum()
        own = c[c["vendor_iso3"] == iso].groupby("year")["acv_usd_bn"].sum()
        return float((own.reindex(tot.index, fill_value=0) / tot).mean())
    return fn


def _annual_mean(col):
    def fn(m):
        a = m.annual()
        return float(a.loc[a["year"] >= 2005, col].mean())
    return fn


def _assert_effect(base, treat, sign):
    d = treat - base
    se = d.std(ddof=1) / np.sqrt(len(d))
    t = d.mean() / se if se > 0 else np.inf * np.sign(d.mean())
    print(f"effect {d.mean():+.4f} se {se:.4f} t {t:+.2f}")
    assert np.sign(d.mean()) == sign, (base.mean(), treat.mean())
    assert abs(t) > T_MIN, f"effect {d.mean():.4f} +/- {se:.4f} (t={t:.2f})"


@pytest.mark.parametrize("iso", ["IND"])
def test_higher_vendor_country_tax_lowers_its_share(iso):
    fn = _country_share(iso)
    _assert_effect(_metric({}, fn), _metric({"tax_rate_overrides": {iso: 0.9}}, fn), -1)


def test_higher_vendor_country_labour_cost_lowers_its_share():
    fn = _country_share("IND")
    _assert_effect(_metric({}, fn), _metric({"labour_cost_multiplier": {"IND": 2.0}}, fn), -1)


def test_higher_offshore_breach_hazard_lowers_offshore_share():
    """Raising the breach hazard of offshore vendors lowers the offshore share of ACV.

    A uniform rise of every hazard (``breach_hazard_scale``) mainly ends thin-margin
    onshore outsourcing, which can raise the offshore *share* while outsourcing falls;
    that composition effect is a model result, documented in docs/ODD.md, so the test
    raises the hazard where the claim is about: at offshore vendors.
    """
    fn = _annual_mean("share_offshore")
    _assert_effect(_metric({}, fn), _metric({"offshore_breach_hazard_multiplier": 8.0}, fn), -1)


def test_higher_breach_hazard_lowers_outsourcing():
    fn = _annual_mean("outsourcing_rate")
    _assert_effect(_metric({}, fn), _metric({"breach_hazard_scale": 20.0}, fn), -1)


def test_lower_coordination_cost_raises_outsourcing():
    """Three quarters of the default's coordination-cost level (the calibrated default's,
    issue #13: a fixed 1.5 was lower than the old default 2.0 but is higher than the
    calibrated 1.2)."""
    fn = _annual_mean("outsourcing_rate")
    lower = 0.75 * load_scenario().coordination.coordination_cost_2000
    _assert_effect(_metric({}, fn), _metric({"coordination_cost_2000": lower}, fn), +1)
