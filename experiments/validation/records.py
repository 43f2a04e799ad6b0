"""What the validation checks see of a run, and the runs themselves.

A check never touches a model: it reads :class:`RunRecord` objects, made by
:func:`record_run` through the run door (:func:`simulation.run.run_model`) on any executor
(:class:`Replications`). :func:`year_end_state` is the one function that reads the
model's internal state.

Vocabulary. A firm-process *pair* is the unit of the make-or-buy decision. Its *sourcing
status* (:func:`sourcing_status`) combines the mode with the location of the work relative
to the buyer's home country. *Offshoring* is used in the trade-literature sense: the work is
done in another country, by a vendor or a captive centre (the model's nearshore and
offshore locations); *offshore* alone means the model's offshore location class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from agents.firms import MODE_CAPTIVE, MODE_INHOUSE, MODE_VENDOR
from experiments.executors import Executor, RunTask, map_runs
from experiments.seeds import validation_key
from simulation.config import Scenario, load_scenario
from simulation.run import make_seed, run_model
from simulation.world import NEARSHORE, ONSHORE, Processes

if TYPE_CHECKING:
    from simulation.model import BPOModel

# ----------------------------------------------------------------------- sourcing status
INHOUSE, VENDOR_ONSHORE, VENDOR_NEARSHORE, VENDOR_OFFSHORE = 0, 1, 2, 3
CAPTIVE_NEARSHORE, CAPTIVE_OFFSHORE = 4, 5
STATUS_NAMES = ("in-house", "vendor onshore", "vendor nearshore", "vendor offshore",
                "captive nearshore", "captive offshore")


def sourcing_status(mode: np.ndarray, location: np.ndarray) -> np.ndarray:
    """Sourcing status of firm-process pairs.

    Parameters
    ----------
    mode : ndarray of int, shape (n_pairs,)
        The pairs' sourcing modes (``simulation.market.MODE_*``).
    location : ndarray of int, shape (n_pairs,)
        :func:`simulation.world.classify_location` of the country where each pair's work
        is done against the buyer's home country.

    Returns
    -------
    ndarray of int8, shape (n_pairs,)
        :data:`INHOUSE` (0), :data:`VENDOR_ONSHORE` (1), :data:`VENDOR_NEARSHORE` (2),
        :data:`VENDOR_OFFSHORE` (3), :data:`CAPTIVE_NEARSHORE` (4) or
        :data:`CAPTIVE_OFFSHORE` (5); a captive centre is never onshore.
    """
    loc = location.astype(np.int8)
    out = np.where(mode == MODE_VENDOR, VENDOR_ONSHORE + loc,
                   np.where(mode == MODE_CAPTIVE, CAPTIVE_NEARSHORE + loc - NEARSHORE, INHOUSE))
    assert not ((mode == MODE_CAPTIVE) & (loc == ONSHORE)).any()
    assert ((mode != MODE_INHOUSE) | (out == INHOUSE)).all()
    return out.astype(np.int8)


def is_offshored(status: np.ndarray) -> np.ndarray:
    """True where the work is done in another country (vendor or captive, nearshore or
    offshore). Same shape as ``status``."""
    return status >= VENDOR_NEARSHORE


def is_offshore_location(status: np.ndarray) -> np.ndarray:
    """True where the work is done at the offshore location class (vendor or captive)."""
    return (status == VENDOR_OFFSHORE) | (status == CAPTIVE_OFFSHORE)


# ----------------------------------------------------------------------- one run
@dataclass
class YearEnd:
    """The state of a model at the end of a year (Q4), as the checks need it.

    Attributes
    ----------
    year : int
    status : ndarray of int8, shape (n_firms * n_processes,)
        :func:`sourcing_status` of every pair.
    vendor_hours : ndarray, shape (n_countries,)
        Contracted vendor hours per year by the country where the vendor works
        (in-house-equivalent hours; countries in ``World.iso3`` order).
    offshore_vendor_hours : float
        The part of ``vendor_hours`` done at the offshore location class (relative to the
        buyer's home).
    vendors : ndarray of int, shape (n_countries,)
        Active vendors by country.
    productivity, employees : ndarray, shape (n_firms,)
        Firm productivity (Pareto draw) and employees.
    home : ndarray of int, shape (n_firms,)
        Home country index.
    n_processes : int
    iso3 : list of str
        Country codes in index order.
    processes : simulation.world.Processes
    """

    year: int
    status: np.ndarray
    vendor_hours: np.ndarray
    offshore_vendor_hours: float
    vendors: np.ndarray
    productivity: np.ndarray
    employees: np.ndarray
    home: np.ndarray
    n_processes: int
    iso3: list[str]
    processes: Processes


def year_end_state(model: "BPOModel") -> YearEnd | None:
    """The model's state if its last simulated quarter ended a year, else None.

    The one function of validation that reads the model's internal state (its pair,
    vendor and firm arrays and its calendar); everything else reads :class:`RunRecord`.
    """
    if model.context.quarter != 4:
        return None
    w, firms, vendors = model.world, model.firms, model.vendors
    v = firms.mode == MODE_VENDOR
    status = sourcing_status(firms.mode, w.location[firms.pair_home, firms.country])
    return YearEnd(
        year=model.context.year, status=status,
        vendor_hours=np.bincount(firms.country[v], firms.hours[v], minlength=w.n_countries),
        offshore_vendor_hours=float(firms.hours[status == VENDOR_OFFSHORE].sum()),
        vendors=np.bincount(vendors.country[vendors.active], minlength=w.n_countries),
        productivity=firms.productivity.copy(), employees=firms.employees.copy(),
        home=firms.home.copy(), n_processes=firms.n_processes, iso3=list(w.iso3),
        processes=w.processes)


@dataclass
class RunRecord:
    """What the checks need from one run.

    Attributes
    ----------
    years : ndarray of int, shape (n_years,)
        Years of the year-end (Q4) snapshots, the reported span.
    status : ndarray of int8, shape (n_years, n_firms * n_processes)
        :func:`sourcing_status` at each snapshot.
    productivity, employees : ndarray, shape (n_firms,)
        Firm productivity (Pareto draw) and employees.
    home : ndarray of int, shape (n_firms,)
        Home country index.
    n_processes : int
    annual : DataFrame
        :meth:`BPOModel.annual` (reported years).
    acv_by_country : DataFrame
        :meth:`BPOModel.acv_by_country` (``year``, ``vendor_iso3``, ``acv_usd_bn``).
    vendor_hours : ndarray, shape (n_years, n_countries)
        Contracted vendor hours per year by the country where the vendor works, at each
        snapshot (in-house-equivalent hours; countries in ``World.iso3`` order).
    offshore_vendor_hours : ndarray, shape (n_years,)
        The part of ``vendor_hours`` done at the offshore location class, at each snapshot.
    vendors : ndarray of int, shape (n_years, n_countries)
        Active vendors by country at each snapshot.
    iso3 : list of str
        Country codes in index order.
    processes : simulation.world.Processes
        The processes of the run (``population.processes``) and their attributes.
    """

    years: np.ndarray
    status: np.ndarray
    productivity: np.ndarray
    employees: np.ndarray
    home: np.ndarray
    n_processes: int
    annual: pd.DataFrame
    acv_by_country: pd.DataFrame
    vendor_hours: np.ndarray
    offshore_vendor_hours: np.ndarray
    vendors: np.ndarray
    iso3: list[str]
    processes: Processes

    def by_firm(self) -> np.ndarray:
        """``status`` reshaped to ``(n_years, n_firms, n_processes)``."""
        return self.status.reshape(len(self.years), -1, self.n_processes)


def record_run(task: RunTask) -> RunRecord:
    """Run one arm's replication and keep its :class:`RunRecord`. Module-level so that
    process pools and Dask workers can run it."""
    states: list[YearEnd] = []

    def observe(model, done: int, total: int) -> None:
        state = year_end_state(model)
        if state is not None:
            states.append(state)

    run = run_model(task.scenario, task.seed, on_quarter=observe)
    last = states[-1]  # the last quarter of a span always ends a year
    return RunRecord(years=np.array([s.year for s in states]),
                     status=np.array([s.status for s in states]),
                     productivity=last.productivity, employees=last.employees,
                     home=last.home, n_processes=last.n_processes, annual=run.annual,
                     acv_by_country=run.acv_by_country,
                     vendor_hours=np.array([s.vendor_hours for s in states]),
                     offshore_vendor_hours=np.array([s.offshore_vendor_hours for s in states]),
                     vendors=np.array([s.vendors for s in states]), iso3=last.iso3,
                     processes=last.processes)


# ----------------------------------------------------------------------- replications
@dataclass(frozen=True)
class Size:
    """Size of a validation run.

    Attributes
    ----------
    name : str
        ``"quick"`` or ``"full"`` (or any label).
    n_firms : int
        Simulated buyer firms per run.
    replications : int
        Replications per arm (common random numbers across arms).
    start_year, end_year : int
        Reported span; statistics are means over the year-end states of this window.
    root_seed : int
        Entropy of the root :class:`numpy.random.SeedSequence`.
    diagnostics : bool
        Also run the diagnostic arms that explain a failed claim (not pass/fail).
    real_buyer_firms : float or None
        Real buyers the simulated firms stand for (None: the scenario default). Vendors
        are sampled at the same rate as firms, so this also sets the number of simulated
        vendors (``n_initial_vendors x n_firms / real_buyer_firms``).
    """

    name: str
    n_firms: int
    replications: int
    start_year: int = 2000
    end_year: int = 2020
    root_seed: int = 20250607
    diagnostics: bool = True
    real_buyer_firms: float | None = None


#: ``bposim validate --quick`` and the test suite: seconds per check, no diagnostic arms.
#: 250 simulated firms standing for 250 real ones, so the run keeps the default's full
#: vendor population (300 vendors): a market of abundant vendors, not a 1-in-8 sample of
#: the default market, whose thin per-country vendor samples would change the results.
QUICK = Size("quick", n_firms=250, replications=8, start_year=2000, end_year=2008,
             diagnostics=False, real_buyer_firms=250.0)
#: ``bposim validate``: the reference report, at the default population (2000 firms) over
#: 2000-2020, the years with data.
FULL = Size("full", n_firms=2000, replications=20, start_year=2000, end_year=2020)


class Replications:
    """Runs the arms of the experiments with common random numbers.

    Every arm is run once per replication with the same seeds, the children
    ``(r,)`` of ``numpy.random.SeedSequence(size.root_seed)`` (:mod:`experiments.seeds`);
    runs are cached by (scenario hash, replication), so arms shared by several checks run
    once. An arm's replications run together on the executor; their records do not depend
    on it.

    Parameters
    ----------
    size : Size
    progress : callable, optional
        ``progress(done_runs, label)`` after each run.
    executor : experiments.executors.Executor, optional
        Where the runs go (started); None: one after another in this process.
    """

    def __init__(self, size: Size, progress: Callable[[int, str], None] | None = None,
                 executor: Executor | None = None):
        self.size = size
        self.seeds = [make_seed(size.root_seed, validation_key(r))
                      for r in range(size.replications)]
        self.executor = executor
        self._cache: dict[str, list[RunRecord]] = {}
        self.progress = progress
        self.n_runs = 0

    def scenario(self, **flat) -> Scenario:
        """The default scenario at this size, with flat overrides (``Scenario`` names)."""
        s = self.size
        if s.real_buyer_firms is not None:
            flat = {"real_buyer_firms": s.real_buyer_firms} | flat
        return load_scenario(n_firms=s.n_firms, start_year=s.start_year,
                             end_year=s.end_year, **flat)

    def run(self, scenario: Scenario, label: str = "") -> list[RunRecord]:
        """Records of every replication of one arm (cached)."""
        key = scenario.config_hash()
        if key not in self._cache:
            def done(task: RunTask, record: RunRecord) -> None:
                self.n_runs += 1
                if self.progress is not None:
                    self.progress(self.n_runs, label)

            tasks = [RunTask((key, r), scenario, seed) for r, seed in enumerate(self.seeds)]
            self._cache[key] = map_runs(self.executor, record_run, tasks, on_done=done)
        return self._cache[key]

    def arm(self, label: str = "", **flat) -> list[RunRecord]:
        """Shorthand: ``run(scenario(**flat))``."""
        return self.run(self.scenario(**flat), label)
