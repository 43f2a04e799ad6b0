"""The run door (simulation.run): one way to build and step a model, one seeding scheme, one
provenance builder, and a deadline that is checked before every quarter."""

import time

import numpy as np
import pandas as pd
import pytest

from simulation import run as run_door
from simulation.config import load_scenario
from simulation.model import BPOModel
from simulation.run import (Clock, RunTimeout, build_model, make_seed, provenance,
                            run_model, seed_record)


@pytest.fixture(scope="module")
def short():
    return load_scenario(n_firms=30, start_year=2000, end_year=2001, spinup_years=2)


@pytest.mark.parametrize("seed", [7, make_seed(7, (2, 1))])
def test_run_model_is_the_model_run_to_its_end(short, seed):
    run = run_model(short, seed)
    plain = BPOModel(short, rng=seed)
    plain.run()
    pd.testing.assert_frame_equal(run.quarterly, plain.quarterly(), check_exact=True)
    pd.testing.assert_frame_equal(run.annual, plain.annual(), check_exact=True)
    assert run.model.t == run.model.n_total_quarters and run.runtime_s > 0


def test_seeds_follow_numpy_spawning():
    assert make_seed(42) == 42 and isinstance(make_seed("42"), int)
    child = make_seed("5", [2, 3])
    path = np.random.SeedSequence(5).spawn(3)[2].spawn(4)[3]
    assert child.generate_state(4).tolist() == path.generate_state(4).tolist()
    assert seed_record(child) == {"seed_entropy": "5", "spawn_key": [2, 3]}
    assert seed_record(make_seed(9)) == 9


def test_on_quarter_sees_every_reported_quarter(short):
    seen = []
    run_model(short, 3, on_quarter=lambda m, done, total: seen.append((m.t, done, total)))
    assert [d for _, d, _ in seen] == list(range(1, 9)) and {n for *_, n in seen} == {8}
    assert seen[-1][0] == (2 + 2) * 4  # spin-up years + reported years, in quarters


def test_deadline_is_checked_before_every_quarter_spin_up_included(short, monkeypatch):
    calls = []
    real = run_door.check_deadline

    def spy(deadline):
        calls.append(deadline)
        real(deadline)

    monkeypatch.setattr(run_door, "check_deadline", spy)
    build_model(short, 1, deadline=time.monotonic() + 600)
    assert len(calls) == 2 * 4  # the constructor's spin-up quarters
    with pytest.raises(RunTimeout):
        run_model(short, 1, timeout_s=-1.0)


def test_provenance_has_every_field(short):
    p = provenance(Clock(), seed=make_seed(3, (2, 1)), scenario=short, extra=1)
    for key in ("package", "package_version", "git_revision", "python", "platform",
                "started_utc", "finished_utc", "runtime_s"):
        assert key in p, key
    assert p["seed"] == {"seed_entropy": "3", "spawn_key": [2, 1]}
    assert p["config_hash"] == short.config_hash() and p["extra"] == 1
