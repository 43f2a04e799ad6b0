"""Seeds of a sweep: one root :class:`numpy.random.SeedSequence`, a child per run.

The root's entropy is the spec's ``seed`` (or fresh entropy from the operating system,
recorded in the sweep's manifest, when the spec gives none). Children are addressed by
spawn key, so a run's seed does not depend on the order in which runs execute or on the
executor, and any run can be re-created from ``(entropy, spawn_key)`` alone:

==========================  ===============  ==============================================
stream                      spawn key        use
==========================  ===============  ==============================================
design                      ``(0,)``         scrambling / sampling of LHS, Sobol, Morris
run (independent streams)   ``(1, p, r)``    point ``p``, replication ``r``
run (common random numbers) ``(2, r)``       replication ``r``, shared by every point
sensitivity bootstrap       ``(3,)``         SALib's confidence-interval resampling
==========================  ===============  ==============================================

A child ``SeedSequence(entropy, spawn_key=k)`` is the same object that
``SeedSequence(entropy).spawn(...)`` would give along the path ``k`` (NumPy's spawning
scheme), so the streams are statistically independent (O'Neill 2015, PCG; NumPy docs
"Parallel random number generation").
"""

from __future__ import annotations

import numpy as np

DESIGN_KEY = (0,)
RUN_KEY = 1
CRN_KEY = 2
ANALYSIS_KEY = (3,)


def root_entropy(seed: int | None) -> int:
    """Entropy of the sweep's root SeedSequence: ``seed``, or fresh OS entropy if None."""
    return int(np.random.SeedSequence(seed).entropy)


def run_spawn_key(point: int, replication: int, common_random_numbers: bool) -> tuple:
    """Spawn key of the run at (point, replication); see the module docstring."""
    if common_random_numbers:
        return (CRN_KEY, int(replication))
    return (RUN_KEY, int(point), int(replication))


def seed_sequence(entropy: int | str, spawn_key) -> np.random.SeedSequence:
    """Re-create a child SeedSequence from its stored entropy and spawn key."""
    return np.random.SeedSequence(int(entropy), spawn_key=tuple(int(k) for k in spawn_key))


def design_rng(entropy: int) -> np.random.Generator:
    """Generator for sampling designs (LHS, Sobol scrambling, Morris trajectories)."""
    return np.random.default_rng(seed_sequence(entropy, DESIGN_KEY))


def analysis_rng(entropy: int) -> np.random.Generator:
    """Generator for SALib's bootstrap confidence intervals."""
    return np.random.default_rng(seed_sequence(entropy, ANALYSIS_KEY))


__all__ = ["root_entropy", "run_spawn_key", "seed_sequence", "design_rng", "analysis_rng"]
