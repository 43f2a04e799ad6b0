"""Run a scenario and write its results folder (the main job behind ``bposim run``)."""

from __future__ import annotations

import datetime as _dt
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import simulation
from simulation.atomic import atomic_dir, check_output_dir, write_json
from simulation.config import Scenario, render_scenario_toml
from simulation.world import published_market_size

RESULTS_FORMAT_VERSION = 1


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


def utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunResult:
    """Outputs of one run: quarterly and annual tables, ACV by vendor country."""

    quarterly: pd.DataFrame
    annual: pd.DataFrame
    acv_by_country: pd.DataFrame
    runtime_s: float
    model: object


def simulate(scenario: Scenario, seed, progress: bool = False) -> RunResult:
    """Run one scenario to its end year with the given seed.

    Parameters
    ----------
    scenario : Scenario
    seed : int or numpy.random.SeedSequence
        Seed of the model's ``numpy.random.Generator`` (a sweep's runs use SeedSequence
        children, see :mod:`experiments.seeds`).
    progress : bool
        Show a tqdm progress bar on stderr.
    """
    from simulation.model import BPOModel

    t0 = time.perf_counter()
    model = BPOModel(scenario, rng=seed)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=model.n_total_quarters - model.t, unit="quarter", file=sys.stderr,
                   leave=False, desc="simulating", disable=None)
    model.run(progress=(lambda i, n: bar.update(1)) if bar else None)
    if bar:
        bar.close()
    return RunResult(quarterly=model.quarterly(), annual=model.annual(),
                     acv_by_country=model.acv_by_country(),
                     runtime_s=time.perf_counter() - t0, model=model)


def default_out_dir(seed: int, label: str | None = None) -> Path:
    """A new folder under ``results/``: ``results/run-YYYYmmdd-HHMMSS-seedN`` (or
    ``...-LABEL`` when a label is given)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return next_free_dir(Path("results") / f"run-{stamp}-{label or f'seed{seed}'}")


def next_free_dir(base: Path) -> Path:
    """``base``, or ``base-1``, ``base-2``, ... : the first that does not exist yet."""
    out, i = base, 1
    while out.exists():
        out = base.with_name(f"{base.name}-{i}")
        i += 1
    return out


def write_run_files(folder: Path, result: RunResult, scenario: Scenario, seed: int,
                    started: str) -> None:
    """Write a run's files into ``folder`` (normally the temporary folder of
    :func:`simulation.atomic.atomic_dir`).

    Files: ``quarterly.csv``/``.parquet``, ``annual.csv``/``.parquet``,
    ``acv_by_country.csv``, ``config.toml`` (effective scenario), ``manifest.json`` and
    ``market_size.png``.
    """
    from simulation import plotting  # matplotlib: imported only when a figure is drawn

    result.quarterly.to_csv(folder / "quarterly.csv", index=False)
    result.annual.to_csv(folder / "annual.csv", index=False)
    result.quarterly.to_parquet(folder / "quarterly.parquet", index=False)
    result.annual.to_parquet(folder / "annual.parquet", index=False)
    result.acv_by_country.to_csv(folder / "acv_by_country.csv", index=False)
    (folder / "config.toml").write_text(render_scenario_toml(scenario), encoding="utf-8")
    fig = plotting.market_size_figure(result.annual, published_market_size())
    plotting.save(fig, folder / "market_size.png")
    model = result.model
    write_json(folder / "manifest.json", {
        "results_format_version": RESULTS_FORMAT_VERSION,
        "package": "bposim", "package_version": simulation.__version__,
        "git_revision": git_revision(), "seed": seed,
        "config_hash": scenario.config_hash(), "started_utc": started,
        "finished_utc": utc_now(), "runtime_s": round(result.runtime_s, 3),
        "python": sys.version.split()[0], "platform": platform.platform(),
        "n_firms": scenario.population.n_firms,
        "firms_per_agent": model.firms_per_agent,
        "span": [scenario.time.start_year, scenario.time.end_year],
        "labour_cost_fit": model.world.labour_fit.summary(),
    })


def write_run(result: RunResult, scenario: Scenario, seed: int, out: Path, started: str
              ) -> Path:
    """Write a run's results folder atomically (see :mod:`simulation.atomic`): the files of
    :func:`write_run_files` plus the ``COMPLETE`` marker, renamed into place at the end."""
    with atomic_dir(out) as tmp:
        write_run_files(tmp, result, scenario, seed, started)
    return out


def summary(result: RunResult, scenario: Scenario) -> str:
    """A short text summary of a run (span, market size, offshore share, vendors)."""
    a = result.annual.set_index("year")
    lines = [f"span: {scenario.time.start_year}Q1-{scenario.time.end_year}Q4 "
             f"({len(result.quarterly)} quarters, {scenario.population.n_firms} firms)"]
    for y in sorted({scenario.time.start_year, 2017, scenario.time.end_year}):
        if y in a.index:
            lines.append(f"market {y}: ACV {a.at[y, 'market_acv_usd_bn']:.1f} USD bn, "
                         f"TCV signed {a.at[y, 'tcv_signed_usd_bn']:.1f} USD bn")
    last = a.index.max()
    lines.append(f"offshore share of ACV {last}: {a.at[last, 'share_offshore']:.1%}; "
                 f"vendors: {a.at[last, 'n_vendors']:.0f}")
    lines.append(f"runtime: {result.runtime_s:.1f} s")
    return "\n".join(lines)


__all__ = ["simulate", "write_run", "write_run_files", "summary", "default_out_dir", "check_output_dir",
           "RunResult", "git_revision"]
