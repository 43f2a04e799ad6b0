"""Invariants of the model's state and outputs, checked after every step by the tests."""

import numpy as np

from agents.firms import MODE_VENDOR

SHARE_GROUPS = (("share_onshore", "share_nearshore", "share_offshore"),
                ("share_front_office", "share_back_office"))
MONEY = ("market_acv_usd_bn", "tcv_signed_usd_bn", "breach_loss_usd_bn",
         "captive_value_usd_bn")


def check_step(m) -> None:
    """Assert the invariants of the quarter just simulated.

    Money never negative; shares in [0, 1] summing to 1; no vendor over capacity;
    contracts conserved (signed = active + ended); no NaN or infinity anywhere.
    """
    f, v = m.firms, m.vendors
    assert np.all(v.committed <= v.capacity * (1 + 1e-9) + 1e-6), "vendor over capacity"
    assert np.all(v.committed >= -1e-6)
    for arr in (f.acv, f.hours, v.capacity, v.committed, f.true_cost):
        assert np.all(np.isfinite(arr))
    assert np.all(f.acv >= 0) and np.all(f.hours >= 0)
    row = m.datacollector.latest
    for k, v in row.items():
        if not k.startswith("_"):
            assert np.isfinite(v), k
    for k in MONEY:
        assert row[k] >= 0, k
    for group in SHARE_GROUPS:
        vals = [row[g] for g in group]
        assert all(0.0 <= v <= 1.0 for v in vals), group
        assert abs(sum(vals) - 1.0) < 1e-9, group
    for k in ("share_captive", "outsourcing_rate", "hhi_vendors"):
        assert 0.0 <= row[k] <= 1.0, k
    assert row["n_contracts_signed_cum"] == row["n_contracts_active"] + row[
        "n_contracts_ended_cum"]
    assert row["n_contracts_active"] == int((f.mode == MODE_VENDOR).sum())


def run_checked(m) -> None:
    """Run a model to its end, checking the invariants after every step."""
    while m.running:
        m.step()
        check_step(m)
