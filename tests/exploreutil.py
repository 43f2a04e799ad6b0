"""Helpers for the exploratory-modelling tests: sweeps whose response is a known function
of the parameters.

:func:`known_model` replaces the run door used by the sweep worker with a function of the
scenario, so a real sweep folder (plan, runs and time-series tables, manifest) is written
by the real sweep machinery in-process, in a fraction of a second per run, and its
outcome is known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd
import pytest

from experiments import worker
from experiments.cli import main
from simulation.config import Scenario


@dataclass
class KnownRun:
    """What the worker reads of a run: its quarterly table."""

    quarterly: pd.DataFrame


def known_model(response: Callable[[Scenario], float], outputs: tuple[str, ...]):
    """A stand-in for :func:`simulation.run.run_model` whose every output, in every
    quarter, is ``response(scenario)``."""

    def run_model(scenario: Scenario, seed, timeout_s=None) -> KnownRun:
        value = float(response(scenario))
        t = scenario.time
        rows = [{"year": y, "quarter": q, **{c: value for c in outputs}}
                for y in range(t.start_year, t.end_year + 1) for q in range(1, 5)]
        return KnownRun(pd.DataFrame(rows))

    return run_model


def unit(value: float, low: float, high: float) -> float:
    """``value`` of a parameter with range [low, high], mapped to [0, 1]."""
    return (value - low) / (high - low)


def run_known(args: list[str], response: Callable[[Scenario], float],
              outputs: tuple[str, ...] = ("share_offshore",)) -> int:
    """``bposim ARGS`` in-process (use ``--executor in-process``), every run of the sweep
    replaced by :func:`known_model`; returns the exit status."""
    mp = pytest.MonkeyPatch()
    mp.setattr(worker, "run_model", known_model(response, outputs))
    try:
        return main([str(a) for a in args])
    finally:
        mp.undo()
