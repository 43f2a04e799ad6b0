"""The one door into a run: build a :class:`~simulation.model.BPOModel`, step it to the end
of its span, and describe what ran.

Every job that runs the model goes through this module: ``bposim run`` (and its exact
re-run of a sweep's run), the sweep worker, calibration, the reproduction of the
market-growth figures, validation and the dashboard. It provides

- :func:`make_seed`, the one seeding scheme: a run's seed is a root ``entropy`` and,
  for one of many runs, a :class:`numpy.random.SeedSequence` spawn key (the table of
  every caller's keys is in :mod:`experiments.seeds`);
- :func:`build_model`, a model spun up to the start of its span;
- :func:`run_model`, the model stepped to the end of its span, with an optional
  wall-clock limit (:class:`RunTimeout`) and a callback after every quarter;
- :func:`provenance`, the one builder of the manifest fields that say what ran where:
  package version, git revision, seed and spawn key, config hash, start and end time,
  runtime (:func:`environment` is its part without timing).

Nothing here draws a random number: a run's results depend only on its scenario and seed.
"""

from __future__ import annotations

import datetime as _dt
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

import simulation

if TYPE_CHECKING:  # the model is imported when a run is built
    import pandas as pd

    from simulation.config import Scenario
    from simulation.model import BPOModel

#: A run's seed: an integer (the model's ``rng`` as given, Mesa's convention) or a
#: :class:`numpy.random.SeedSequence` child of a root seed (see :func:`make_seed`).
Seed = int | np.random.SeedSequence
#: Called after every simulated quarter of :func:`run_model` as ``on_quarter(model, done,
#: total)``: the model, quarters stepped so far and quarters to step in all.
QuarterCallback = Callable[["BPOModel", int, int], None]


class RunTimeout(Exception):
    """A run exceeded its wall-clock limit (``timeout_s`` of :func:`run_model`)."""


# ----------------------------------------------------------------------------- seeds
def make_seed(entropy: int | str, spawn_key: Sequence[int] | None = None) -> Seed:
    """The seed of a run: a root seed, or its child along a spawn key.

    Parameters
    ----------
    entropy : int or str
        The root seed (a stored entropy may be a decimal string).
    spawn_key : sequence of int, optional
        None: the run uses the root seed itself, as an integer (``bposim run --seed N``,
        the dashboard). Otherwise the run's :class:`numpy.random.SeedSequence` is
        ``SeedSequence(entropy, spawn_key=spawn_key)``, the same object as
        ``SeedSequence(entropy).spawn(...)`` gives along that path, so that runs are
        statistically independent and each can be re-created from ``(entropy,
        spawn_key)`` alone.

    Returns
    -------
    int or numpy.random.SeedSequence

    Notes
    -----
    The two forms give different random streams for the same entropy (Mesa seeds its
    Python ``random`` from an integer directly, from a SeedSequence with a draw), so each
    caller keeps the form its results were made with.
    """
    if spawn_key is None:
        return int(entropy)
    return np.random.SeedSequence(int(entropy), spawn_key=tuple(int(k) for k in spawn_key))


def seed_record(seed: Seed) -> int | dict:
    """A seed as written in manifests: the integer, or ``{"seed_entropy": str,
    "spawn_key": list}`` for a SeedSequence (the entropy as text: it may exceed 64 bits).
    """
    if isinstance(seed, np.random.SeedSequence):
        return {"seed_entropy": str(seed.entropy), "spawn_key": list(seed.spawn_key)}
    return int(seed)


# ------------------------------------------------------------------------------ runs
def check_deadline(deadline: float | None) -> None:
    """Raise :class:`RunTimeout` if ``time.monotonic()`` is past ``deadline``."""
    if deadline is not None and time.monotonic() > deadline:
        raise RunTimeout("run exceeded its timeout")


@cache
def _deadline_model_class() -> type:
    from simulation.model import BPOModel

    class DeadlineModel(BPOModel):
        """:class:`~simulation.model.BPOModel` that checks a wall-clock deadline before
        every quarter, the spin-up's (run by the constructor) included. It draws nothing,
        so its results are the model's. It hooks the model's private per-quarter method,
        the only way into the spin-up; ``tests/test_run.py`` checks that the hook is
        called."""

        def __init__(self, scenario: Scenario, *, rng: Seed, deadline: float):
            self._deadline = deadline
            super().__init__(scenario, rng=rng)

        def _advance_quarter(self) -> None:
            check_deadline(self._deadline)
            super()._advance_quarter()

    return DeadlineModel


def build_model(scenario: Scenario, seed: Seed, deadline: float | None = None
                ) -> "BPOModel":
    """The model of ``scenario`` with ``seed``, spun up to the start of its span.

    Parameters
    ----------
    scenario : Scenario
    seed : int or numpy.random.SeedSequence
        See :func:`make_seed`.
    deadline : float, optional
        A ``time.monotonic()`` value; the spin-up stops with :class:`RunTimeout` at the
        first quarter that starts after it.

    Raises
    ------
    RunTimeout
    """
    if deadline is None:
        from simulation.model import BPOModel
        return BPOModel(scenario, rng=seed)
    return _deadline_model_class()(scenario, rng=seed, deadline=deadline)


def utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Clock:
    """When a piece of work started (UTC) and how long it has taken (wall time)."""

    def __init__(self) -> None:
        self.started_utc = utc_now()
        self._t0 = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Wall time since the clock started, seconds."""
        return time.perf_counter() - self._t0


@dataclass
class Run:
    """A finished run: the model at the end of its span, its scenario, seed and timing.

    Attributes
    ----------
    model : BPOModel
    scenario : Scenario
    seed : int or numpy.random.SeedSequence
    clock : Clock
        Started before the model was built.
    runtime_s : float
        Wall time from building the model to its last quarter, seconds.
    """

    model: "BPOModel"
    scenario: Scenario
    seed: Seed
    clock: Clock
    runtime_s: float

    @cached_property
    def quarterly(self) -> pd.DataFrame:
        """:meth:`BPOModel.quarterly`: ``year``, ``quarter`` and every output column."""
        return self.model.quarterly()

    @cached_property
    def annual(self) -> pd.DataFrame:
        """:meth:`BPOModel.annual`: outputs per calendar year."""
        return self.model.annual()

    @cached_property
    def acv_by_country(self) -> pd.DataFrame:
        """:meth:`BPOModel.acv_by_country`: ``year``, ``vendor_iso3``, ``acv_usd_bn``."""
        return self.model.acv_by_country()

    @cached_property
    def flows_bilateral(self) -> pd.DataFrame:
        """:meth:`BPOModel.bilateral_flows`: annual flows by home x vendor country x
        process group."""
        return self.model.bilateral_flows()


def run_model(scenario: Scenario, seed: Seed, *, timeout_s: float | None = None,
              on_quarter: QuarterCallback | None = None) -> Run:
    """Build the model of ``scenario`` with ``seed`` and step it to the end of its span.

    Parameters
    ----------
    scenario : Scenario
    seed : int or numpy.random.SeedSequence
        See :func:`make_seed`.
    timeout_s : float, optional
        Wall-clock limit, seconds. It is checked before every simulated quarter, spin-up
        included (a cooperative check: it works the same in a thread, a process or a Dask
        worker, where a signal-based alarm would not); a quarter already started is
        finished first, so a run stops at most one quarter after its limit.
    on_quarter : callable, optional
        ``on_quarter(model, done, total)`` after every quarter of the span (not the
        spin-up): progress bars, and observers of the model's state.

    Returns
    -------
    Run

    Raises
    ------
    RunTimeout
        If the limit is exceeded.
    """
    clock = Clock()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    model = build_model(scenario, seed, deadline)
    total = model.n_total_quarters - model.t
    for done in range(1, total + 1):
        check_deadline(deadline)  # the model checks it too; this check needs only step()
        model.step()
        if on_quarter is not None:
            on_quarter(model, done, total)
    return Run(model=model, scenario=scenario, seed=seed, clock=clock,
               runtime_s=clock.seconds)


# ------------------------------------------------------------------------ provenance
def git_revision() -> str | None:
    """Git commit of the source tree the package runs from, or None."""
    src = Path(simulation.__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    rev = out.stdout.strip()
    return rev if out.returncode == 0 and rev else None


def environment() -> dict:
    """What the work runs with: ``package``, ``package_version``, ``git_revision``,
    ``python`` and ``platform``."""
    return {"package": "bposim", "package_version": simulation.__version__,
            "git_revision": git_revision(), "python": sys.version.split()[0],
            "platform": platform.platform()}


def provenance(clock: Clock, *, runtime_s: float | None = None, seed: Seed | None = None,
               scenario: Scenario | None = None, **fields) -> dict:
    """The manifest fields of a finished piece of work (a run, a calibration, a report).

    Parameters
    ----------
    clock : Clock
        Started when the work started.
    runtime_s : float, optional
        Wall time of the work, seconds (default: the clock's time so far; a run's
        manifest gives the simulation's own time, :attr:`Run.runtime_s`).
    seed : int or numpy.random.SeedSequence, optional
        Written as ``seed`` (:func:`seed_record`).
    scenario : Scenario, optional
        Its ``config_hash``.
    **fields
        Further fields of the caller's manifest (added last, so they may refine
        ``seed``).

    Returns
    -------
    dict
        :func:`environment`, ``started_utc``, ``finished_utc`` (now), ``runtime_s``
        (rounded to ms), then ``seed``, ``config_hash`` and ``fields``.
    """
    seconds = clock.seconds if runtime_s is None else runtime_s
    out = environment() | {"started_utc": clock.started_utc, "finished_utc": utc_now(),
                           "runtime_s": round(seconds, 3)}
    if seed is not None:
        out["seed"] = seed_record(seed)
    if scenario is not None:
        out["config_hash"] = scenario.config_hash()
    return out | fields


__all__ = ["Seed", "make_seed", "seed_record", "build_model", "run_model", "Run",
           "RunTimeout", "check_deadline", "Clock", "utc_now", "git_revision", "environment",
           "provenance"]
