"""The calibrated default scenario (issue #13): one scenario for run, dashboard, validate."""

import json

import pytest

from conftest import run_cli
from simulation.config import CALIBRATED_SCENARIO, DEFAULT_SCENARIO, load_scenario, read_toml
from simulation.output import scenario_label


def _fitted():
    return [(sec, k, v) for sec, body in read_toml(CALIBRATED_SCENARIO).items()
            for k, v in body.items()]


def test_default_scenario_carries_the_shipped_calibration():
    sc, base = load_scenario(), load_scenario(calibrated=False)
    raw = read_toml(DEFAULT_SCENARIO)
    assert _fitted()
    for sec, k, v in _fitted():
        assert getattr(getattr(sc, sec), k) == pytest.approx(v)
        assert getattr(getattr(base, sec), k) == raw[sec][k]
    payload = json.loads((CALIBRATED_SCENARIO.parent / "calibration.json").read_text())
    assert payload["covariance"] is not None  # the band of reproduce has parameter draws
    # a user's file overlays the calibrated default, not the base
    assert load_scenario(n_firms=300).coordination == sc.coordination


def test_run_says_which_scenario_it_runs(tmp_path):
    assert scenario_label(load_scenario()).startswith("calibrated default")
    assert scenario_label(load_scenario(calibrated=False)).startswith(
        "the calibrated parameters are changed")
    r = run_cli(["run", "--firms", "100", "--end-year", "2001", "--out", tmp_path / "a"])
    assert r.returncode == 0 and "scenario: calibrated default" in r.stdout
    r = run_cli(["run", "--uncalibrated", "--firms", "100", "--end-year", "2001", "--out",
                 tmp_path / "b"])
    assert r.returncode == 0 and "not the calibrated default" in r.stdout
    a = (tmp_path / "a" / "config.toml").read_text()
    b = (tmp_path / "b" / "config.toml").read_text()
    assert a != b
