"""Run the validation checks and write the report folder of ``bposim validate``.

Folder layout (written atomically, see :mod:`simulation.atomic`)::

    report.md                 the report: per check the claim, source, experiment,
                              figure, measured effects with 95 % CIs, tolerance, pass/fail
    results.json              the same numbers, machine-readable
    figures/summary.png       every claim's effect / standard error
    figures/<n>_<key>.png     one figure per check
    replications/<key>.csv    per-replication statistics of each check
    manifest.json             package version, git revision, size, seeds, runtime
    COMPLETE                  marker: the folder is finished
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from scipy import stats

import simulation
from experiments.executors import Executor
from experiments.figures import validation_summary_figure
from experiments.samples import MIN_REPLICATIONS, small_sample_warning
from experiments.validation import CHECKS
from experiments.validation.records import Replications, Size
from experiments.validation.statistics import LEVEL, TOLERANCE, CheckResult
from simulation import plotting
from simulation.atomic import atomic_dir, write_json
from simulation.output import next_free_dir
from simulation.run import Clock, provenance

REPORT_FORMAT_VERSION = 1


def run_checks(size: Size, keys: Iterable[str] | None = None,
               progress: Callable[[int, str], None] | None = None,
               executor: Executor | None = None) -> tuple[list[CheckResult], Replications]:
    """Run the selected checks (default: all, in report order) at one size.

    Parameters
    ----------
    size : Size
        :data:`~experiments.validation.records.QUICK`,
        :data:`~experiments.validation.records.FULL` or any.
    keys : iterable of str, optional
        Keys of :data:`~experiments.validation.CHECKS`.
    progress : callable, optional
        ``progress(done_runs, arm_label)`` after each model run.
    executor : experiments.executors.Executor, optional
        Where the runs go (started); None: in this process. The results do not depend on
        it.

    Returns
    -------
    results : list of CheckResult
    reps : Replications
        The runner (number of runs).

    Raises
    ------
    KeyError
        For an unknown check key.
    """
    keys = list(CHECKS) if keys is None else list(keys)
    for k in keys:
        if k not in CHECKS:
            raise KeyError(k)
    reps = Replications(size, progress=progress, executor=executor)
    return [CHECKS[k](reps) for k in keys], reps


def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:+.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:+.2e}"


def _verdict(status: str) -> str:
    return f"**{status}**"


def _check_status(res: CheckResult) -> str:
    """A check's verdict: PASS if every claim passes, FAIL if any fails, else
    UNDERPOWERED."""
    statuses = {c.status for c in res.claims}
    return "FAIL" if "FAIL" in statuses else "UNDERPOWERED" if "UNDERPOWERED" in statuses \
        else "PASS"


def _claim_rows(res: CheckResult) -> list[str]:
    rows = ["| prediction | statistic (per replication) | effect (mean) | 95 % CI | n | "
            "predicted sign | result |", "|---|---|---|---|---|---|---|"]
    for c in res.claims:
        e = c.estimate
        rows.append(f"| {c.text} | {c.statistic} | {_fmt(e.mean)} | [{_fmt(e.lo)}, "
                    f"{_fmt(e.hi)}] | {e.n} | {'> 0' if c.expected > 0 else '< 0'} | "
                    f"{_verdict(c.status)} |")
    return rows


def render_markdown(results: list[CheckResult], size: Size, runtime_s: float, n_runs: int,
                    figures: dict[str, str], started: str, revision: str | None) -> str:
    """The markdown report (figure paths relative to the report folder)."""
    n_claims = sum(len(r.claims) for r in results)
    n_pass = sum(c.passed for r in results for c in r.claims)
    n_weak = sum(c.status == "UNDERPOWERED" for r in results for c in r.claims)
    warning = small_sample_warning(size.replications, "confidence intervals")
    out = [
        "# bposim validation report", "",
        f"bposim {simulation.__version__}"
        + (f", git {revision[:12]}" if revision else "")
        + f"; generated {started}; size **{size.name}**: {size.n_firms} firms, "
        f"{size.replications} replications per arm, window {size.start_year}-"
        f"{size.end_year} (year-end states), root seed {size.root_seed}; {n_runs} model "
        f"runs in {runtime_s:.0f} s.", "",
        *([f"> **Warning: small sample.** {warning}. A claim whose interval covers zero "
           "is marked **UNDERPOWERED** (too few replications to tell), not FAIL; see "
           "`experiments/samples.py`.", ""] if warning else []),
        "Regenerate with `bposim validate" + (" --quick" if size.name == "quick" else "")
        + " --out DIR`. The checks, their sources and designs are explained in "
        "`docs/validation.md`.", "",
        "**Method.** Every arm of an experiment is run with the same replication seeds "
        "(common random numbers: the children of `numpy.random.SeedSequence(root_seed)`). "
        "The effect of a claim is the mean over replications of a per-replication "
        "statistic (for two arms, the paired difference). **Tolerance** (every claim): "
        f"{TOLERANCE}. A claim whose interval covers zero fails.", "",
        f"**Result: {n_pass} of {n_claims} claims pass"
        + (f", {n_weak} underpowered" if n_weak else "") + "; "
        f"{sum(r.passed for r in results)} of {len(results)} checks pass in full.**", "",
        "| # | check | prediction | effect | 95 % CI | result |",
        "|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(results, 1):
        for c in r.claims:
            e = c.estimate
            out.append(f"| {i} | {r.title} | {c.text} | {_fmt(e.mean)} | [{_fmt(e.lo)}, "
                       f"{_fmt(e.hi)}] | {_verdict(c.status)} |")
    out += ["", f"![summary]({figures['summary']})", ""]
    for i, r in enumerate(results, 1):
        out += [f"## {i}. {r.title}: {_check_status(r)}", "",
                f"**Claim.** {r.claim}", "", f"**Source.** {r.source}", "",
                f"**Experiment.** {r.experiment} {size.replications} replications per arm "
                f"(common random numbers), {size.n_firms} firms, window {size.start_year}-"
                f"{size.end_year}. Function `experiments.validation."
                f"{CHECKS[r.key].__name__}`.", "",
                f"![{r.key}]({figures[r.key]})", "",
                f"**Tolerance.** {TOLERANCE}.", ""]
        out += _claim_rows(r)
        if not r.passed and r.diagnosis:
            out += ["", f"**Why it fails (diagnosis).** {r.diagnosis}"]
        notes = [f"- *{c.text}*: {c.if_failed}" for c in r.claims
                 if c.status == "FAIL" and c.if_failed]
        if notes:
            out += ["", "Notes on the failed claims:", "", *notes]
        if r.diagnostics:
            out += ["", "**Diagnostics** (explain a result; not pass/fail):", "",
                    "| diagnostic | statistic | mean | 95 % CI | n |", "|---|---|---|---|---|"]
            for d in r.diagnostics:
                e = d.estimate
                out.append(f"| {d.text} | {d.statistic} | {_fmt(e.mean)} | [{_fmt(e.lo)}, "
                           f"{_fmt(e.hi)}] | {e.n} |")
        out += ["", f"Per-replication values: `replications/{r.key}.csv`.", ""]
    return "\n".join(out)


def results_json(results: list[CheckResult], size: Size) -> dict:
    """Machine-readable summary: every claim's estimate and verdict."""
    def est(e):
        return {"mean": e.mean, "se": e.se, "ci_low": e.lo, "ci_high": e.hi, "n": e.n}
    return {
        "report_format_version": REPORT_FORMAT_VERSION, "level": LEVEL, "tolerance": TOLERANCE,
        "min_replications": MIN_REPLICATIONS,
        "small_sample_warning": small_sample_warning(size.replications,
                                                     "confidence intervals"),
        "size": {"name": size.name, "n_firms": size.n_firms,
                 "replications": size.replications, "start_year": size.start_year,
                 "end_year": size.end_year, "root_seed": size.root_seed},
        "checks": [{
            "key": r.key, "title": r.title, "claim": r.claim, "source": r.source,
            "experiment": r.experiment, "passed": r.passed, "status": _check_status(r),
            "claims": [{"prediction": c.text, "statistic": c.statistic,
                        "expected_sign": c.expected, "passed": c.passed,
                        "status": c.status,
                        **est(c.estimate)} for c in r.claims],
            "diagnostics": [{"text": d.text, "statistic": d.statistic, **est(d.estimate)}
                            for d in r.diagnostics],
        } for r in results],
    }


def summary_figure(results: list[CheckResult]):
    """Every claim's effect / standard error, signed so that positive = predicted."""
    labels, t, status, need = [], [], [], []
    for i, r in enumerate(results, 1):
        for c in r.claims:
            e = c.estimate
            labels.append(f"{i}. {c.text}")
            t.append(c.expected * e.t if e.n >= 2 else np.nan)
            status.append(c.status)
            need.append(stats.t.ppf(0.5 + LEVEL / 2, max(e.n - 1, 1)))
    return validation_summary_figure(labels, np.array(t), status, np.array(need))


def write_report(results: list[CheckResult], size: Size, out: Path, clock: Clock,
                 n_runs: int, formats: tuple[str, ...] = ("png",)) -> Path:
    """Write the report folder atomically (see the module docstring for its files).

    Parameters
    ----------
    results : list of CheckResult
    size : Size
    out : Path
    clock : Clock
        Started when the validation started.
    n_runs : int
        Model runs made.
    formats : tuple of str
        Figure formats; the report shows the PNG (else SVG, else the first format).

    Raises
    ------
    simulation.atomic.OutputExistsError
        If ``out`` exists and is not empty.
    """
    with atomic_dir(out) as tmp:
        (tmp / "figures").mkdir()
        (tmp / "replications").mkdir()
        shown = next((f for f in ("png", "svg") if f in formats), formats[0])
        figs = {"summary": summary_figure(results)}
        figs |= {f"{i}_{r.key}": r.figure for i, r in enumerate(results, 1)}
        plotting.save_figures(figs, tmp / "figures", formats)
        figures = {"summary": f"figures/summary.{shown}"}
        for i, r in enumerate(results, 1):
            figures[r.key] = f"figures/{i}_{r.key}.{shown}"
            r.data.to_csv(tmp / "replications" / f"{r.key}.csv", index=False)
        manifest = provenance(clock, report_format_version=REPORT_FORMAT_VERSION,
                              model_runs=n_runs, size=results_json([], size)["size"])
        (tmp / "report.md").write_text(
            render_markdown(results, size, manifest["runtime_s"], n_runs, figures,
                            clock.started_utc, manifest["git_revision"]), encoding="utf-8")
        write_json(tmp / "results.json", results_json(results, size))
        write_json(tmp / "manifest.json", manifest)
    return out


def default_out_dir(size: Size) -> Path:
    """A new folder ``results/validation-<size>-YYYYmmdd-HHMMSS``."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return next_free_dir(Path("results") / f"validation-{size.name}-{stamp}")


def validate(size: Size, out: Path, keys: Iterable[str] | None = None,
             progress: Callable[[int, str], None] | None = None,
             executor: Executor | None = None, formats: tuple[str, ...] = ("png",)
             ) -> tuple[list[CheckResult], Path]:
    """Run the checks and write the report folder (figures in ``formats``); the job behind
    ``bposim validate``.

    The runs go to ``executor`` (started; None: in this process); see :func:`run_checks`.
    """
    clock = Clock()
    results, reps = run_checks(size, keys, progress, executor)
    write_report(results, size, out, clock, reps.n_runs, formats)
    return results, out
