"""Validation of bposim against economic theory and firm-level evidence (issue #7).

Each check is one function, ``check_*``, whose docstring names the claim and its source.
A check runs controlled experiments: every arm of an experiment is run with the same
replication seeds (common random numbers: the children of one
:class:`numpy.random.SeedSequence`), and the measured effect is the mean over replications
of a per-replication statistic (for two arms, the paired difference treatment - base).

Tolerance (the same for every claim): the two-sided 95 % confidence interval of the mean
(Student t with n - 1 degrees of freedom over the n replications) must lie entirely on the
side of zero that the claim predicts. A claim whose interval covers zero, or lies on the
other side, fails. Nothing is tuned per check to make it pass; the experiment designs are
documented in ``docs/validation.md``.

Vocabulary. A firm-process *pair* is the unit of the make-or-buy decision. Its *sourcing
status* (:func:`sourcing_status`) combines the mode with the location of the work relative
to the buyer's home country. *Offshoring* is used in the trade-literature sense: the work is
done in another country, by a vendor or a captive centre (the model's nearshore and
offshore locations); *offshore* alone means the model's offshore location class.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from simulation import plotting
from simulation.config import Scenario, load_scenario
from simulation.market import MODE_CAPTIVE, MODE_INHOUSE, MODE_VENDOR
from simulation.model import BPOModel
from simulation.world import NEARSHORE, ONSHORE, Processes, known_country_codes

# ----------------------------------------------------------------------- sourcing status
INHOUSE, VENDOR_ONSHORE, VENDOR_NEARSHORE, VENDOR_OFFSHORE = 0, 1, 2, 3
CAPTIVE_NEARSHORE, CAPTIVE_OFFSHORE = 4, 5
STATUS_NAMES = ("in-house", "vendor onshore", "vendor nearshore", "vendor offshore",
                "captive nearshore", "captive offshore")
#: Firm sourcing modes ranked from least to most foreign (Tomiura 2007, Table 1 groups).
FIRM_MODES = ("in-house only", "domestic outsourcing", "offshore outsourcing", "captive")
#: Rank of each sourcing status in :data:`FIRM_MODES`.
_STATUS_TO_FIRM_MODE = np.array([0, 1, 2, 2, 3, 3], dtype=np.int8)

LEVEL = 0.95
TOLERANCE = ("the 95 % confidence interval of the mean over replications (Student t, "
             "n - 1 d.o.f.) lies entirely on the predicted side of zero")


def sourcing_status(model: BPOModel) -> np.ndarray:
    """Sourcing status of every firm-process pair now.

    Parameters
    ----------
    model : BPOModel

    Returns
    -------
    ndarray of int8, shape (n_firms * n_processes,)
        :data:`INHOUSE` (0), :data:`VENDOR_ONSHORE` (1), :data:`VENDOR_NEARSHORE` (2),
        :data:`VENDOR_OFFSHORE` (3), :data:`CAPTIVE_NEARSHORE` (4) or
        :data:`CAPTIVE_OFFSHORE` (5). The location class is
        :func:`simulation.world.classify_location` of the country where the work is done
        against the buyer's home country; a captive centre is never onshore.
    """
    loc = model.world.location[model.p_home, model.p_country].astype(np.int8)
    mode = model.p_mode
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
    vendors: np.ndarray
    iso3: list[str]
    processes: Processes

    def by_firm(self) -> np.ndarray:
        """``status`` reshaped to ``(n_years, n_firms, n_processes)``."""
        return self.status.reshape(len(self.years), -1, self.n_processes)


def run_once(scenario: Scenario, seed: np.random.SeedSequence) -> RunRecord:
    """Run one scenario with one replication seed and keep a :class:`RunRecord`."""
    model = BPOModel(scenario, rng=seed)
    years, snaps, hours, vendors = [], [], [], []
    n_c = model.world.n_countries
    while model.running:
        model.step()
        if model.cal_quarter == 4:
            years.append(model.cal_year)
            snaps.append(sourcing_status(model))
            v = model.p_mode == MODE_VENDOR
            hours.append(np.bincount(model.p_country[v], model.p_hours[v], minlength=n_c))
            nv = model.n_vendor_slots
            vendors.append(np.bincount(model.v_country[:nv][model.v_active[:nv]],
                                       minlength=n_c))
    return RunRecord(years=np.array(years), status=np.array(snaps),
                     productivity=model.firm_productivity.copy(),
                     employees=model.firm_employees.copy(), home=model.firm_home.copy(),
                     n_processes=model.n_processes, annual=model.annual(),
                     acv_by_country=model.acv_by_country(), vendor_hours=np.array(hours),
                     vendors=np.array(vendors), iso3=list(model.world.iso3),
                     processes=model.world.processes)


class Replications:
    """Runs the arms of the experiments with common random numbers.

    Every arm is run once per replication with the same child seeds,
    ``numpy.random.SeedSequence(size.root_seed).spawn(size.replications)``; runs are cached
    by (scenario hash, replication), so arms shared by several checks run once.
    This is the one place that runs models; it can be swapped for a sweep engine.

    Parameters
    ----------
    size : Size
    progress : callable, optional
        ``progress(done_runs, label)`` after each run.
    """

    def __init__(self, size: Size, progress: Callable[[int, str], None] | None = None):
        self.size = size
        self.seeds = np.random.SeedSequence(size.root_seed).spawn(size.replications)
        self._cache: dict[str, list[RunRecord]] = {}
        self.progress = progress
        self.n_runs = 0
        self.run_seconds = 0.0

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
            recs = []
            for seed in self.seeds:
                t0 = time.perf_counter()
                recs.append(run_once(scenario, seed))
                self.run_seconds += time.perf_counter() - t0
                self.n_runs += 1
                if self.progress is not None:
                    self.progress(self.n_runs, label)
            self._cache[key] = recs
        return self._cache[key]

    def arm(self, label: str = "", **flat) -> list[RunRecord]:
        """Shorthand: ``run(scenario(**flat))``."""
        return self.run(self.scenario(**flat), label)


# ----------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class Estimate:
    """Mean over replications with its 95 % confidence interval.

    Attributes
    ----------
    mean, se : float
        Mean and its standard error (sample s.d. / sqrt(n)).
    lo, hi : float
        Two-sided confidence interval at :data:`LEVEL` (Student t, n - 1 d.o.f.).
    n : int
        Replications with a finite value (NaN values are dropped).
    """

    mean: float
    se: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, samples) -> "Estimate":
        """Estimate from per-replication values (NaN dropped)."""
        x = np.asarray(samples, float)
        x = x[np.isfinite(x)]
        n = len(x)
        if n < 2:
            m = float(x.mean()) if n else float("nan")
            return cls(m, float("nan"), float("nan"), float("nan"), n)
        m = float(x.mean())
        se = float(x.std(ddof=1) / np.sqrt(n))
        half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1)) * se
        return cls(m, se, m - half, m + half, n)

    @property
    def t(self) -> float:
        """Mean / standard error (inf if every replication gave the same non-zero value)."""
        if self.se > 0:
            return self.mean / self.se
        return float(np.sign(self.mean) * np.inf) if self.mean else 0.0


@dataclass
class Claim:
    """One predicted direction of one check and its measured effect.

    Attributes
    ----------
    text : str
        The prediction, e.g. ``"captive > offshore outsourcing"``.
    statistic : str
        What is measured per replication, with its unit.
    expected : int
        +1 if the effect must be positive, -1 if negative.
    samples : ndarray, shape (replications,)
        Per-replication values of the statistic.
    if_failed : str
        The diagnosis of the failure, shown in the report only if the claim fails.
    """

    text: str
    statistic: str
    expected: int
    samples: np.ndarray
    if_failed: str = ""

    @property
    def estimate(self) -> Estimate:
        return Estimate.of(self.samples)

    @property
    def passed(self) -> bool:
        """The confidence interval lies entirely on the predicted side of zero."""
        e = self.estimate
        if e.n < 2 or not np.isfinite(e.lo):
            return bool(e.n >= 2 and e.mean != 0 and np.sign(e.mean) == self.expected)
        return bool(e.lo > 0) if self.expected > 0 else bool(e.hi < 0)


@dataclass
class Diagnostic:
    """A measured effect that explains a result; reported, never pass/fail.

    Attributes
    ----------
    text : str
        What the diagnostic arm shows.
    statistic : str
        What is measured per replication, with its unit.
    samples : ndarray, shape (replications,)
    """

    text: str
    statistic: str
    samples: np.ndarray

    @property
    def estimate(self) -> Estimate:
        return Estimate.of(self.samples)


@dataclass
class CheckResult:
    """The outcome of one check: its claims, figure and per-replication data.

    Attributes
    ----------
    key, title : str
        Short name and title of the check.
    claim, source, experiment : str
        The claim in words, its sources and the design of the experiment.
    claims : list of Claim
        The measured predictions; the check passes when every one passes.
    figure : matplotlib.figure.Figure
    data : DataFrame
        Per-replication statistics (one row per replication).
    diagnostics : list of Diagnostic
        Extra arms that explain a failure (only with ``Size.diagnostics``).
    diagnosis : str
        Why the model fails the check, where that is known; shown only if a claim fails.
    """

    key: str
    title: str
    claim: str
    source: str
    experiment: str
    claims: list[Claim]
    figure: object
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    diagnosis: str = ""

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.claims)


def _window_mean(values: np.ndarray) -> float:
    """Mean over snapshots, ignoring NaN (NaN if all are NaN)."""
    v = np.asarray(values, float)
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def _group_mean(x: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of ``x`` per group id 0..n_groups-1 (NaN for an empty group)."""
    s = np.bincount(groups, x, minlength=n_groups)
    c = np.bincount(groups, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def offshored_share(rec: RunRecord) -> float:
    """Share of firm-process pairs whose work is done abroad, mean over the window."""
    return _window_mean(is_offshored(rec.status).mean(axis=1))


def _quintile(x: np.ndarray) -> np.ndarray:
    """Quintile (0-4) of each value by rank (ties broken by position)."""
    r = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return (r * 5 // len(x)).astype(np.int64)


def _per_rep(records: Sequence[RunRecord], fn) -> np.ndarray:
    return np.array([fn(r) for r in records], dtype=float)


def _arms_panel(title: str, labels, arms: Sequence[Sequence[RunRecord]], fn, ylabel: str
                ) -> "plotting.ReplicationPanel":
    values = np.column_stack([_per_rep(a, fn) for a in arms])
    return plotting.ReplicationPanel(title=title, labels=list(labels), values=values,
                                     ylabel=ylabel)


def _frame(**cols) -> pd.DataFrame:
    """Per-replication table: ``replication`` plus the given columns."""
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"replication": np.arange(n), **cols})


def _pair_mean_productivity(rec: RunRecord, statuses: Sequence[int]) -> float:
    """Mean productivity of the firms of the pairs in the given statuses (window mean)."""
    phi = np.repeat(rec.productivity, rec.n_processes)
    sel = np.isin(rec.status, statuses)
    with np.errstate(all="ignore"):
        per_year = (sel * phi).sum(axis=1) / sel.sum(axis=1)
    return _window_mean(per_year)


#: Pair-level sourcing modes of Antràs & Helpman (2004), as groups of sourcing status.
PAIR_MODES = {"in-house": (INHOUSE,), "onshore vendor": (VENDOR_ONSHORE,),
              "foreign vendor": (VENDOR_NEARSHORE, VENDOR_OFFSHORE),
              "captive centre": (CAPTIVE_NEARSHORE, CAPTIVE_OFFSHORE)}

#: Diagnostic arm: vendors so large at entry that capacity never binds (not a scenario of
#: interest, only a way to show what the capacity rule does to a check).
ABUNDANT_CAPACITY = dict(initial_capacity_fte_median=50_000.0, capacity_sigma=0.0)

_CAPACITY_DIAGNOSIS = (
    "A vendor makes an offer only if its spare capacity covers the pair's whole volume "
    "(ODD 7.2). The large processes of the largest firms (IT services, customer service) "
    "often find no vendor with that much spare capacity, and stay in-house or go to a "
    "captive centre (which has no capacity limit); this works against sorting at the "
    "vendor margin. Meanwhile the fixed costs of outsourcing are small next to the "
    "in-house cost of all but the smallest processes of the smallest firms (USD 0.5 m "
    "amortised over the contract term is 5-23 % of the yearly in-house cost of the small "
    "processes of a 2,000-employee US firm, under 3.5 % for any process of a firm with "
    "14,000 employees), so they select few firms, and almost every firm offshores at "
    "least one of its 11 processes. The diagnostic arm with abundant vendor capacity "
    "(vendors enter with 50,000 FTE; run in the full report) shows the predicted sign.")


# ======================================================================= the checks
def check_sorting_by_productivity(reps: Replications) -> CheckResult:
    """Firms sort into sourcing modes by productivity (Antràs & Helpman 2004).

    Claim: with fixed costs ranked captive centre > offshore outsourcing > domestic
    outsourcing > in-house, the mean productivity of firms grouped by their most foreign
    sourcing mode is ordered in-house only < domestic outsourcing < offshore outsourcing <
    captive, and the share of firms that offshore rises with productivity. Reversing the
    fixed-cost ranking of outsourcing against integration reverses the productivity
    ordering of those two modes.

    Sources: Antràs, P. & Helpman, E. (2004), "Global sourcing", *Journal of Political
    Economy* 112(3): 552-580 (sorting by productivity when integration has the higher
    fixed cost); Tomiura, E. (2007), "Foreign outsourcing, exporting, and FDI: a
    productivity comparison at the firm level", *Journal of International Economics*
    72(1): 113-127 (Japanese firms: FDI firms most productive, then foreign outsourcers,
    then domestic firms); Defever, F. & Toubal, F. (2013), "Productivity,
    relationship-specific inputs and the sourcing modes of multinationals", *Journal of
    Economic Behavior & Organization* 94 (when outsourcing has the higher fixed cost, the
    most productive firms outsource).

    Design. All buyers in one high-wage home country (the USA: the theory's "North", and
    no confounding by home-country wages in a cross-section of firms), captives on.
    Arm A: fixed costs (USD m) captive 3.0 > offshore outsourcing 0.5 > domestic 0.2 >
    in-house 0 (the defaults). Arm B: outsourcing/integration ranking reversed (offshore
    outsourcing 3.0, captive 0.5). Statistics per replication, means over the year-end
    states of the window: mean productivity by the firm's most foreign mode; share of firms
    offshoring (any process abroad) in the top minus the bottom productivity quintile;
    mean productivity by pair-level mode (the decision unit of the model, one process of
    one firm, as the single input of Antràs & Helpman); in both arms, mean productivity of
    pairs with a foreign vendor minus pairs in a captive centre.
    """
    fixed = dict(fixed_cost_domestic_usd_m=0.2, fixed_cost_offshore_usd_m=0.5,
                 fixed_cost_captive_usd_m=3.0)
    assert (fixed["fixed_cost_captive_usd_m"] > fixed["fixed_cost_offshore_usd_m"]
            > fixed["fixed_cost_domestic_usd_m"] > 0)
    usa = dict(captives_enabled=True, buyer_home_weights={"USA": 1.0})
    base = reps.arm("sorting", **usa, **fixed)
    rev = reps.arm("sorting, reversed", **usa,
                   **(fixed | dict(fixed_cost_offshore_usd_m=3.0, fixed_cost_captive_usd_m=0.5)))

    def firm_group_means(rec: RunRecord) -> np.ndarray:
        mode = _STATUS_TO_FIRM_MODE[rec.by_firm()].max(axis=2)  # (years, firms)
        means = np.array([_group_mean(rec.productivity, m, 4) for m in mode])
        return np.array([_window_mean(means[:, g]) for g in range(4)])

    def offshoring_by_quintile(rec: RunRecord) -> np.ndarray:
        q = _quintile(rec.productivity)
        off = is_offshored(rec.by_firm()).any(axis=2)  # (years, firms)
        return np.array([_group_mean(o.astype(float), q, 5) for o in off]).mean(axis=0)

    def pair_modes(rec: RunRecord) -> np.ndarray:
        return np.array([_pair_mean_productivity(rec, s) for s in PAIR_MODES.values()])

    def vendor_minus_captive(rec: RunRecord) -> float:
        return (_pair_mean_productivity(rec, PAIR_MODES["foreign vendor"])
                - _pair_mean_productivity(rec, PAIR_MODES["captive centre"]))

    g = np.array([firm_group_means(r) for r in base])          # (reps, 4)
    firms_n = np.array([np.bincount(_STATUS_TO_FIRM_MODE[r.by_firm()].max(axis=2).ravel(),
                                    minlength=4) / len(r.years) for r in base]).mean(axis=0)
    qs = np.array([offshoring_by_quintile(r) for r in base])   # (reps, 5)
    pm = np.array([pair_modes(r) for r in base])               # (reps, 4)
    gap_a, gap_b = _per_rep(base, vendor_minus_captive), _per_rep(rev, vendor_minus_captive)
    names = list(PAIR_MODES)
    claims = []
    for i in range(3):
        empty = min(firms_n[i], firms_n[i + 1]) < 1
        claims.append(Claim(
            f"firms: {FIRM_MODES[i + 1]} > {FIRM_MODES[i]}",
            f"mean productivity, {FIRM_MODES[i + 1]} minus {FIRM_MODES[i]} firms", +1,
            g[:, i + 1] - g[:, i],
            if_failed=(f"firms per year in the groups: {FIRM_MODES[i]} {firms_n[i]:.1f}, "
                       f"{FIRM_MODES[i + 1]} {firms_n[i + 1]:.1f} (of {reps.size.n_firms})"
                       + ("; too few to observe an ordering" if empty else ""))))
    claims.append(Claim("firms: share offshoring rises with productivity",
                        "share of firms offshoring, top minus bottom productivity quintile "
                        "(fraction)", +1, qs[:, 4] - qs[:, 0],
                        if_failed=f"share of firms offshoring: bottom quintile "
                                  f"{np.nanmean(qs[:, 0]):.3f}, top {np.nanmean(qs[:, 4]):.3f}"))
    for i in range(3):
        claims.append(Claim(
            f"pairs: {names[i + 1]} > {names[i]}",
            f"mean productivity of pairs, {names[i + 1]} minus {names[i]}", +1,
            pm[:, i + 1] - pm[:, i]))
    claims.append(Claim("pairs, fixed cost captive > outsourcing: captive more productive",
                        "mean productivity of pairs, foreign vendor minus captive centre", -1,
                        gap_a))
    claims.append(Claim("pairs, reversed fixed costs: foreign vendor more productive "
                        "(Defever & Toubal 2013)",
                        "mean productivity of pairs, foreign vendor minus captive centre", +1,
                        gap_b))
    diagnostics = []
    if reps.size.diagnostics:
        ab = reps.arm("sorting, abundant capacity", **usa, **fixed, **ABUNDANT_CAPACITY)
        pa = np.array([pair_modes(r) for r in ab])
        diagnostics.append(Diagnostic(
            "with abundant vendor capacity, vendor pairs are more productive than in-house "
            "pairs (the ordering the theory predicts)",
            "mean productivity of pairs, foreign vendor minus in-house, abundant capacity",
            pa[:, 2] - pa[:, 0]))
    fig = plotting.replication_panels_figure([
        plotting.ReplicationPanel("(a) firms by most foreign mode", list(FIRM_MODES), g,
                                  "mean productivity", rotate=True),
        plotting.ReplicationPanel("(b) firms offshoring by productivity quintile",
                                  [f"Q{i + 1}" for i in range(5)], qs, "share of firms"),
        plotting.ReplicationPanel("(c) pairs by sourcing mode", names, pm,
                                  "mean productivity", rotate=True),
        plotting.ReplicationPanel("(d) pairs: foreign vendor minus captive",
                                  ["captive costlier\n(default)", "outsourcing\ncostlier"],
                                  np.column_stack([gap_a, gap_b]), "productivity gap",
                                  zero_line=True),
    ], title="Check 1: sorting by productivity (USA buyers, captives on)")
    data = _frame(**{f"firms_{m.replace(' ', '_')}": g[:, i] for i, m in enumerate(FIRM_MODES)},
                  **{f"offshoring_share_Q{i + 1}": qs[:, i] for i in range(5)},
                  **{f"pairs_{m.replace(' ', '_')}": pm[:, i] for i, m in enumerate(names)},
                  vendor_minus_captive_base=gap_a, vendor_minus_captive_reversed=gap_b)
    return CheckResult(
        key="sorting", title="Sorting by productivity",
        claim="More productive firms use more foreign sourcing modes: in-house only < "
              "domestic outsourcing < offshore outsourcing < captive; the share of firms "
              "offshoring rises with productivity; reversing the fixed-cost ranking of "
              "outsourcing and integration reverses the ordering of those two modes.",
        source="Antràs & Helpman (2004), JPE 112(3); Tomiura (2007), JIE 72(1); "
               "Defever & Toubal (2013), JEBO 94",
        experiment="All buyers in the USA, captive centres on; fixed costs (USD m) captive "
                   "3.0 > offshore outsourcing 0.5 > domestic outsourcing 0.2 > in-house 0 "
                   "(the defaults). Reversal arm: offshore outsourcing 3.0, captive 0.5. A "
                   "firm's most foreign mode is the highest of its 11 processes on the "
                   "ranking in-house < onshore vendor < foreign vendor < captive centre. "
                   "Pair-level statistics compare firm-process pairs by their own mode.",
        claims=claims, figure=fig, data=data, diagnostics=diagnostics,
        diagnosis=_CAPACITY_DIAGNOSIS)


def check_coordination_order(reps: Replications) -> CheckResult:
    """Tasks are offshored in order of their coordination cost (Grossman & Rossi-Hansberg
    2008).

    Claim: processes with a lower coordination index are offshored first; a fall in the
    coordination-cost scale raises the offshored share of tasks; a wider wage gap between
    the home country and vendor countries raises it too.

    Source: Grossman, G. & Rossi-Hansberg, E. (2008), "Trading tasks: a simple theory of
    offshoring", *American Economic Review* 98(5): 1978-1997 (tasks are offshored in order
    of their offshoring cost; a fall in that cost, or a wider wage gap, widens the range of
    tasks offshored).

    Design. (a) Default scenario: per replication, the Spearman rank correlation across the
    11 processes between the coordination index and the share of the process's pairs
    offshored (mean over the window). (b) Arm: coordination-cost scale in 2000 and its floor
    both x 0.6. (c) Buyers all headquartered in the USA (one home country, so that the wage
    gap is well defined); arm: labour cost x 0.8 in every other country.
    """
    base = reps.arm("default")
    co = reps.scenario().coordination
    low = reps.arm("coordination x 0.6",
                   coordination_cost_2000=co.coordination_cost_2000 * 0.6,
                   coordination_cost_floor=co.coordination_cost_floor * 0.6)
    usa = dict(buyer_home_weights={"USA": 1.0})
    gap0 = reps.arm("USA buyers", **usa)
    gap1 = reps.arm("USA buyers, wages abroad x 0.8", **usa, labour_cost_multiplier={
        c: 0.8 for c in sorted(known_country_codes()) if c != "USA"})
    pr = base[0].processes
    order = np.argsort(pr.coordination_index, kind="stable")

    def process_shares(rec: RunRecord) -> np.ndarray:
        return is_offshored(rec.by_firm()).mean(axis=1).mean(axis=0)  # (processes,)

    shares = np.array([process_shares(r) for r in base])  # (reps, P)
    rho = np.array([stats.spearmanr(pr.coordination_index, s).statistic for s in shares])
    d_coord = _per_rep(low, offshored_share) - _per_rep(base, offshored_share)
    d_wage = _per_rep(gap1, offshored_share) - _per_rep(gap0, offshored_share)
    claims = [
        Claim("lower coordination index: offshored first and more",
              "Spearman rank correlation (11 processes) of coordination index and "
              "offshored share", -1, rho),
        Claim("lower coordination-cost scale raises the offshored share",
              "offshored share of pairs, scale x 0.6 minus default (fraction)", +1, d_coord),
        Claim("wider wage gap raises the offshored share",
              "offshored share of pairs, wages abroad x 0.8 minus default, USA buyers "
              "(fraction)", +1, d_wage),
    ]
    fig = plotting.replication_panels_figure([
        plotting.ReplicationPanel(
            "(a) share offshored by process (by coordination index)",
            [f"{pr.names[i]} ({pr.coordination_index[i]:.2f})" for i in order],
            shares[:, order], "share of pairs offshored", rotate=True),
        _arms_panel("(b) coordination-cost scale", ["default", "x 0.6"], [base, low],
                    offshored_share, "share of pairs offshored"),
        _arms_panel("(c) wage gap (USA buyers)", ["default", "wages abroad\nx 0.8"],
                    [gap0, gap1], offshored_share, "share of pairs offshored"),
    ], title="Check 2: offshoring in order of coordination cost")
    data = _frame(spearman_rho=rho, d_offshored_coordination=d_coord,
                  d_offshored_wage_gap=d_wage,
                  **{f"offshored_{pr.names[i]}": shares[:, i] for i in range(pr.n)})
    return CheckResult(
        key="coordination", title="Processes offshored in order of coordination cost",
        claim="Processes with a lower coordination index are offshored first; a fall in "
              "the coordination-cost scale raises the offshored share; a wider wage gap "
              "between home and vendor countries raises it.",
        source="Grossman & Rossi-Hansberg (2008), AER 98(5)",
        experiment="(a) default scenario, rank correlation across the 11 processes of "
                   "coordination index and share of pairs offshored; (b) "
                   "coordination_cost_2000 and coordination_cost_floor x 0.6; (c) all "
                   "buyers in the USA, labour_cost_multiplier 0.8 for every other country.",
        claims=claims, figure=fig, data=data)


def firms_offshoring(rec: RunRecord) -> float:
    """Share of firms with at least one process done abroad, mean over the window."""
    return _window_mean(is_offshored(rec.by_firm()).any(axis=2).mean(axis=1))


def check_productivity_dispersion(reps: Replications) -> CheckResult:
    """More productivity dispersion raises offshoring (Antràs & Helpman 2004; Helpman,
    Melitz & Yeaple 2004).

    Claim: a lower Pareto shape of firm productivity (more dispersion, the same minimum)
    raises the offshoring share, because more firms clear the fixed cost of sourcing abroad.

    Sources: Antràs, P. & Helpman, E. (2004), "Global sourcing", *JPE* 112(3) (more
    dispersion raises the share of foreign sourcing); Helpman, E., Melitz, M. & Yeaple, S.
    (2004), "Export versus FDI with heterogeneous firms", *AER* 94(1): 300-316 (more
    dispersion raises the share of FDI).

    Design. Arms: ``productivity_pareto_shape`` 3.0 (default) and 2.0, minimum productivity
    1 in both. Statistics: share of pairs offshored and share of firms offshoring (means
    over the window); paired differences.
    """
    base = reps.arm("default")
    disp = reps.arm("Pareto shape 2", productivity_pareto_shape=2.0)
    d = _per_rep(disp, offshored_share) - _per_rep(base, offshored_share)
    d_f = _per_rep(disp, firms_offshoring) - _per_rep(base, firms_offshoring)
    why = ("A lower shape makes firms larger on average (employees = employees_min x "
           "phi^2.8), so the work to be done grows faster than vendor capacity, which enters "
           "and grows with utilisation, not with demand: fewer pairs find a vendor with room "
           "for their whole volume. " + _CAPACITY_DIAGNOSIS)
    claims = [Claim("more dispersion raises the share of pairs offshored",
                    "offshored share of pairs, shape 2.0 minus 3.0 (fraction)", +1, d),
              Claim("more dispersion raises the share of firms offshoring",
                    "share of firms offshoring, shape 2.0 minus 3.0 (fraction)", +1, d_f)]
    diagnostics = []
    if reps.size.diagnostics:
        ab0 = reps.arm("abundant capacity", **ABUNDANT_CAPACITY)
        ab1 = reps.arm("abundant capacity, Pareto shape 2", **ABUNDANT_CAPACITY,
                       productivity_pareto_shape=2.0)
        diagnostics.append(Diagnostic(
            "the same experiment with abundant vendor capacity",
            "offshored share of pairs, shape 2.0 minus 3.0, abundant capacity (fraction)",
            _per_rep(ab1, offshored_share) - _per_rep(ab0, offshored_share)))
    fig = plotting.replication_panels_figure([
        _arms_panel("(a) pairs offshored", ["k = 3 (default)", "k = 2"], [base, disp],
                    offshored_share, "share of pairs offshored"),
        _arms_panel("(b) firms offshoring", ["k = 3 (default)", "k = 2"], [base, disp],
                    firms_offshoring, "share of firms offshoring"),
    ], title="Check 3: productivity dispersion (Pareto shape k)")
    return CheckResult(
        key="dispersion", title="Productivity dispersion",
        claim="More dispersion of firm productivity (a lower Pareto shape) raises the "
              "offshoring share.",
        source="Antràs & Helpman (2004), JPE 112(3); Helpman, Melitz & Yeaple (2004), AER "
               "94(1)",
        experiment="productivity_pareto_shape 3.0 (default) vs 2.0, minimum productivity 1 "
                   "in both.",
        claims=claims, figure=fig, data=_frame(d_offshored_pairs=d, d_offshoring_firms=d_f),
        diagnostics=diagnostics, diagnosis=why)


def check_fixed_costs_and_size(reps: Replications) -> CheckResult:
    """Fixed transition costs concentrate offshoring among large firms (Melitz 2003).

    Claim: higher fixed costs of sourcing abroad concentrate offshoring among the largest
    firms: only firms large enough to spread the fixed cost over their volume go abroad.

    Source: Melitz, M. (2003), "The impact of trade on intra-industry reallocations and
    aggregate industry productivity", *Econometrica* 71(6): 1695-1725 (a fixed cost of
    serving foreign markets selects the largest, most productive firms); the same logic
    for sourcing in Antràs & Helpman (2004).

    Design. Arms: ``fixed_cost_offshore_usd_m`` 0.5 (default) and 2.0. Statistic: share of
    the offshored pairs that belong to the largest fifth of firms (by employees), mean over
    the window; paired difference.
    """
    base = reps.arm("default")
    high = reps.arm("offshore fixed cost 2.0", fixed_cost_offshore_usd_m=2.0)

    def top_share(rec: RunRecord) -> float:
        top = _quintile(rec.employees) == 4
        off = is_offshored(rec.by_firm()).sum(axis=2)  # (years, firms)
        tot = off.sum(axis=1)
        return _window_mean(np.where(tot > 0, off[:, top].sum(axis=1) / np.maximum(tot, 1),
                                     np.nan))

    d = _per_rep(high, top_share) - _per_rep(base, top_share)
    claims = [Claim("higher fixed cost concentrates offshoring among the largest firms",
                    "share of offshored pairs held by the largest 20 % of firms, fixed cost "
                    "2.0 minus 0.5 (fraction)", +1, d)]
    fig = plotting.replication_panels_figure([
        _arms_panel("(a) offshored pairs held by the largest 20 % of firms",
                    ["0.5 (default)", "2.0"], [base, high], top_share,
                    "share of offshored pairs"),
        _arms_panel("(b) pairs offshored", ["0.5 (default)", "2.0"], [base, high],
                    offshored_share, "share of pairs offshored"),
    ], title="Check 4: fixed cost of offshore outsourcing (USD m) and firm size")
    return CheckResult(
        key="fixed_costs", title="Fixed transition costs and firm size",
        claim="Fixed transition costs concentrate offshoring among large firms.",
        source="Melitz (2003), Econometrica 71(6); Antràs & Helpman (2004), JPE 112(3)",
        experiment="fixed_cost_offshore_usd_m 0.5 (default) vs 2.0 (nearshore and offshore "
                   "vendors).",
        claims=claims, figure=fig, data=_frame(d_top_quintile_share=d))


def outsourcing_rate(rec: RunRecord) -> float:
    """Share of pairs under a vendor contract (any location), mean over the window."""
    v = (rec.status >= VENDOR_ONSHORE) & (rec.status <= VENDOR_OFFSHORE)
    return _window_mean(v.mean(axis=1))


def check_asset_specificity(reps: Replications) -> CheckResult:
    """Higher asset specificity lowers outsourcing (Williamson 1985).

    Claim: the more specific the assets a process needs, the costlier it is to govern a
    contract and to switch vendors, so less of it is bought from vendors.

    Source: Williamson, O. (1985), *The Economic Institutions of Capitalism*, Free Press
    (asset specificity favours hierarchy over market governance).

    Design. Asset specificity a_p enters the model through the switching cost
    (x (1 + ``asset_specificity_scale`` x a_p)) and the governance cost
    (``governance_cost_scale`` x a_p x fee), so doubling both scales is the same as
    scaling every process's asset specificity by the same factor. Arms: default vs both
    scales x 3 (a contrast large enough to be resolved at the quick size).
    Statistic: share of pairs under a vendor contract, mean over the window; paired
    difference.
    """
    tr = reps.scenario().transition
    base = reps.arm("default")
    high = reps.arm("specificity x 3", asset_specificity_scale=tr.asset_specificity_scale * 3,
                    governance_cost_scale=tr.governance_cost_scale * 3)
    d = _per_rep(high, outsourcing_rate) - _per_rep(base, outsourcing_rate)
    claims = [Claim("higher asset specificity lowers outsourcing",
                    "share of pairs under a vendor contract, specificity x 3 minus default "
                    "(fraction)", -1, d)]
    fig = plotting.replication_panels_figure([
        _arms_panel("outsourcing rate", ["default", "asset specificity x 3"], [base, high],
                    outsourcing_rate, "share of pairs under a vendor contract"),
    ], title="Check 5: asset specificity")
    return CheckResult(
        key="specificity", title="Asset specificity",
        claim="Higher asset specificity lowers outsourcing.",
        source="Williamson (1985), The Economic Institutions of Capitalism",
        experiment="asset_specificity_scale and governance_cost_scale both x 3 (= every "
                   "process's asset specificity x 3 in the cost of an option).",
        claims=claims, figure=fig, data=_frame(d_outsourcing_rate=d))


def country_hours_share(iso3: str) -> Callable[[RunRecord], float]:
    """Statistic: the country's share of contracted vendor hours (work volume), window
    mean."""
    def fn(rec: RunRecord) -> float:
        i = rec.iso3.index(iso3)
        tot = rec.vendor_hours.sum(axis=1)
        with np.errstate(all="ignore"):
            return _window_mean(np.where(tot > 0, rec.vendor_hours[:, i] / tot, np.nan))
    return fn


def country_acv_share(iso3: str) -> Callable[[RunRecord], float]:
    """Statistic: the country's share of ACV, mean of the yearly shares."""
    def fn(rec: RunRecord) -> float:
        c = rec.acv_by_country
        tot = c.groupby("year")["acv_usd_bn"].sum()
        own = c[c["vendor_iso3"] == iso3].groupby("year")["acv_usd_bn"].sum()
        return float((own.reindex(tot.index, fill_value=0.0) / tot).mean()) if len(tot) \
            else float("nan")
    return fn


def captive_share(rec: RunRecord) -> float:
    """Share of pairs in a captive centre, mean over the window."""
    return _window_mean((rec.status >= CAPTIVE_NEARSHORE).mean(axis=1))


def check_tax_channel(reps: Replications) -> CheckResult:
    """Corporate tax rates move work between countries and sourcing modes.

    Claims: (a) a lower statutory corporate tax rate in a vendor country raises that
    country's share of the market; (b) with captive centres allowed, a lower home-country
    rate reduces captive use, because the profit a captive earns on its cost-plus transfer
    price then saves less tax when it is booked abroad.

    Sources: (a) activity locates where after-tax returns are higher: Hines, J. & Rice, E.
    (1994), "Fiscal paradise: foreign tax havens and American business", *Quarterly
    Journal of Economics* 109(1): 149-182; de Mooij, R. & Ederveen, S. (2003), "Taxation
    and foreign direct investment: a synthesis of empirical research", *International Tax
    and Public Finance* 10(6): 673-693 (FDI falls with the host tax rate); (b) the
    profit-shifting incentive rises with the home-host rate gap (Hines & Rice 1994), the
    captive being foreign integration (Antràs & Helpman 2004).

    Design. (a) Arms: India's rate as in the data vs 0.10 in every year (India: the largest
    vendor country); statistics: India's share of contracted vendor hours (work volume) and
    of ACV (value), means over the window. (b) Captives on, all buyers in the USA and no
    US-based vendors, so that the home rate enters only through the captive's tax saving;
    arms: the US rate as in the data vs 0 in every year (a contrast large enough to be
    resolved at the quick size); statistic: share of pairs in a captive centre. Paired
    differences.
    """
    base = reps.arm("default")
    ind = reps.arm("IND tax 0.10", tax_rate_overrides={"IND": 0.10})
    hours, value = country_hours_share("IND"), country_acv_share("IND")
    d_h = _per_rep(ind, hours) - _per_rep(base, hours)
    d_v = _per_rep(ind, value) - _per_rep(base, value)
    why = ("In the model a vendor country's tax rate enters only the vendors' prices "
           "(cost x (1 + m / (1 - t))). Vendor capacity is scarce and vendors raise their "
           "margin when utilisation is high, so a lower price mostly reallocates who gets "
           "the scarce capacity; new vendors choose their country by weight x (1 + 10 x "
           "its ACV share), which falls with the price; and a thinner pre-tax mark-up "
           "covers less of a vendor's fixed overhead, so more low-tax vendors make losses "
           "and exit. Nothing lets capacity move to where after-tax profit is higher (the full "
           "report's diagnostic counts the Indian vendors).")
    vw = dict(reps.scenario().vendors.vendor_country_weights)
    vw.pop("USA", None)
    cap = dict(captives_enabled=True, buyer_home_weights={"USA": 1.0},
               vendor_country_weights=vw)
    cap0 = reps.arm("captives, USA buyers, no US vendors", **cap)
    cap1 = reps.arm("captives, USA buyers, no US vendors, USA tax 0", **cap,
                    tax_rate_overrides={"USA": 0.0})
    d_b = _per_rep(cap1, captive_share) - _per_rep(cap0, captive_share)
    claims = [
        Claim("lower tax in a vendor country raises its share of work",
              "India's share of contracted vendor hours, rate 0.10 minus data (fraction)", +1,
              d_h),
        Claim("lower tax in a vendor country raises its share of value",
              "India's share of ACV, rate 0.10 minus data (fraction)", +1, d_v),
        Claim("lower home-country tax reduces captive use",
              "share of pairs in captive centres, US rate 0 minus data, USA buyers "
              "(fraction)", -1, d_b),
    ]
    diagnostics = []
    if reps.size.diagnostics:
        def ind_vendors(rec: RunRecord) -> float:
            return _window_mean(rec.vendors[:, rec.iso3.index("IND")])
        diagnostics.append(Diagnostic(
            "active vendors based in India",
            "active Indian vendors, rate 0.10 minus data (count, window mean)",
            _per_rep(ind, ind_vendors) - _per_rep(base, ind_vendors)))
    fig = plotting.replication_panels_figure([
        _arms_panel("(a) India's share of vendor hours", ["data", "IND rate 0.10"],
                    [base, ind], hours, "share of contracted hours"),
        _arms_panel("(b) India's share of ACV", ["data", "IND rate 0.10"], [base, ind], value,
                    "share of ACV"),
        _arms_panel("(c) captive use, USA buyers", ["data", "USA rate 0"], [cap0, cap1],
                    captive_share, "share of pairs in captive centres"),
    ], title="Check 6: tax channel")
    return CheckResult(
        key="tax", title="Tax channel",
        claim="A lower corporate tax rate in a vendor country raises its share; with "
              "captives on, a lower home-country rate reduces captive use.",
        source="Hines & Rice (1994), QJE 109(1); de Mooij & Ederveen (2003), ITPF 10(6); "
               "Antràs & Helpman (2004), JPE 112(3)",
        experiment="(a) tax_rate_overrides IND = 0.10 vs the data; (b) captives on, all "
                   "buyers in the USA, no US-based vendors, tax_rate_overrides USA = 0 vs the "
                   "data.",
        claims=claims, figure=fig,
        data=_frame(d_india_hours_share=d_h, d_india_acv_share=d_v, d_captive_share=d_b),
        diagnostics=diagnostics, diagnosis=why)


def _sensitive_processes(rec: RunRecord) -> np.ndarray:
    """Mask of the data-sensitive processes (data sensitivity >= 0.7), shape
    (n_processes,)."""
    return rec.processes.data_sensitivity >= 0.7


def per_100_contract_years(col: str) -> Callable[[RunRecord], float]:
    """Statistic: events of an annual flow column per 100 contract-years over the window
    (contract-years = sum over years of the mean number of active vendor contracts)."""
    def fn(rec: RunRecord) -> float:
        a = rec.annual
        exposure = float((a["outsourcing_rate"] * rec.status.shape[1]).sum())
        return 100.0 * float(a[col].sum()) / exposure if exposure > 0 else float("nan")
    return fn


def check_breach_risk(reps: Replications) -> CheckResult:
    """Breach risk moves data-sensitive work home and ends contracts early.

    Claims: (a) a higher breach hazard at offshore vendors lowers the offshore share of
    data-sensitive processes more than that of other processes; (b) more breaches raise
    early terminations and back-sourcing.

    Sources: (a) the cost of a breach rises with the sensitivity of the data handled
    (IBM Security / Ponemon Institute, *Cost of a Data Breach Report*, 2017-2024), and
    security and confidentiality risk weighs most in the sourcing of sensitive work
    (Lacity, M., Khan, S. & Willcocks, L. (2009), "A review of the IT outsourcing
    literature: insights for practice", *Journal of Strategic Information Systems* 18(3):
    130-146); (b) service failures lead to early termination and back-sourcing (Whitten,
    D. & Leidner, D. (2006), "Bringing IT back: an analysis of the decision to backsource
    or switch vendors", *Decision Sciences* 37(4): 605-621; Lacity, Khan & Willcocks 2009).

    Design. (a) Arms: ``offshore_breach_hazard_multiplier`` 1.5 (default) vs 6.0;
    statistic: change in the share of pairs done at the offshore location for the
    data-sensitive processes (sensitivity >= 0.7) minus that change for the other
    processes (difference in differences). (b) Arms: ``breach_hazard_scale`` 1 vs 5;
    statistics: early terminations and back-sourcing events per 100 contract-years.
    """
    base = reps.arm("default")
    sens = _sensitive_processes(base[0])
    off = reps.arm("offshore breach multiplier 6", offshore_breach_hazard_multiplier=6.0)

    def offshore_share(mask):
        def fn(rec: RunRecord) -> float:
            return _window_mean(is_offshore_location(rec.by_firm()[:, :, mask]).mean(
                axis=(1, 2)))
        return fn

    s_sens, s_other = offshore_share(sens), offshore_share(~sens)
    d_sens = _per_rep(off, s_sens) - _per_rep(base, s_sens)
    d_other = _per_rep(off, s_other) - _per_rep(base, s_other)
    hi = reps.arm("breach hazard x 5", breach_hazard_scale=5.0)
    term = per_100_contract_years("n_terminations")
    back = per_100_contract_years("n_backsourced")
    d_term = _per_rep(hi, term) - _per_rep(base, term)
    d_back = _per_rep(hi, back) - _per_rep(base, back)
    claims = [
        Claim("offshore breach risk cuts offshoring of data-sensitive processes more",
              "change of offshore share (multiplier 6 minus 1.5), sensitive minus other "
              "processes (fraction)", -1, d_sens - d_other),
        Claim("more breaches raise early terminations",
              "early terminations per 100 contract-years, hazard x 5 minus x 1", +1, d_term),
        Claim("more breaches raise back-sourcing",
              "back-sourcing events per 100 contract-years, hazard x 5 minus x 1", +1, d_back),
    ]
    fig = plotting.replication_panels_figure([
        plotting.ReplicationPanel("(a) change of offshore share",
                                  ["data-sensitive", "other"],
                                  np.column_stack([d_sens, d_other]),
                                  "offshore share, x 6 minus x 1.5", zero_line=True),
        _arms_panel("(b) early terminations", ["hazard x 1", "x 5"], [base, hi], term,
                    "per 100 contract-years"),
        _arms_panel("(c) back-sourcing", ["hazard x 1", "x 5"], [base, hi], back,
                    "per 100 contract-years"),
    ], title="Check 7: breach risk")
    return CheckResult(
        key="breach", title="Breach risk",
        claim="A higher breach hazard at offshore vendors lowers the offshore share of "
              "data-sensitive processes more than that of other processes; breaches raise "
              "early terminations and back-sourcing.",
        source="IBM/Ponemon Cost of a Data Breach (2017-2024); Lacity, Khan & Willcocks "
               "(2009), JSIS 18(3); Whitten & Leidner (2006), Decision Sciences 37(4)",
        experiment="(a) offshore_breach_hazard_multiplier 1.5 (default) vs 6.0; "
                   "data-sensitive = data_sensitivity >= 0.7 (accounting, payroll, payment "
                   "processing, IT services, HR administration, compliance); (b) "
                   "breach_hazard_scale 1 vs 5.",
        claims=claims, figure=fig,
        data=_frame(d_offshore_sensitive=d_sens, d_offshore_other=d_other,
                    d_terminations_per_100=d_term, d_backsourcing_per_100=d_back))


#: Every check, in report order.
CHECKS: dict[str, Callable[[Replications], CheckResult]] = {
    "sorting": check_sorting_by_productivity,
    "coordination": check_coordination_order,
    "dispersion": check_productivity_dispersion,
    "fixed_costs": check_fixed_costs_and_size,
    "specificity": check_asset_specificity,
    "tax": check_tax_channel,
    "breach": check_breach_risk,
}
