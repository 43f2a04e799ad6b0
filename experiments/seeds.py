"""Every random stream of the experiments, in the one seeding scheme of
:func:`simulation.run.make_seed`: a root seed and a :class:`numpy.random.SeedSequence`
spawn key per stream.

A sweep's root is the spec's ``seed`` (or fresh entropy from the operating system,
recorded in the sweep's manifest, when the spec gives none); calibration's is the
calibration spec's ``seed``, the reproduction's ``bposim reproduce --seed``, validation's
``Size.root_seed``. Children are addressed by spawn key, so a run's seed does not depend
on the order in which runs execute or on the executor, and any run can be re-created from
``(entropy, spawn_key)`` alone:

===========================  ===============  =============================================
stream                       spawn key        use
===========================  ===============  =============================================
design                       ``(0,)``         sweeps: scrambling / sampling of LHS, Sobol,
                                              Morris
crossed design: scenarios    ``(0, 1)``       the Latin hypercube of the uncertainties
crossed design: policies     ``(0, 2)``       the Latin hypercube of the levers
run (independent streams)    ``(1, p, r)``    sweeps: point ``p``, replication ``r``
run (common random numbers)  ``(2, r)``       sweeps, calibration, reproduction:
                                              replication ``r``, shared by every point
sensitivity bootstrap        ``(3,)``         SALib's confidence-interval resampling
standard-error replications  ``(4, r)``       calibration: replication ``r`` at the
                                              optimum, for the moments' covariance
identification data          ``(5, r)``       calibration: the synthetic "published"
                                              realisation of the recovery check
forecast replication         ``(6, r)``       calibration: replication ``r`` of the
                                              out-of-sample forecast
parameter draws              ``(7,)``         calibration's forecast and the
                                              reproduction: draws of the parameters
                                              from their estimated distribution
calibration optimiser        ``(9,)``         differential evolution's own draws
validation replication       ``(r,)``         replication ``r``, shared by every arm
===========================  ===============  =============================================

``bposim run --seed N`` and the dashboard seed their one run with the root itself
(``make_seed(N)``, no spawn key). A child ``SeedSequence(entropy, spawn_key=k)`` is the
same object that ``SeedSequence(entropy).spawn(...)`` would give along the path ``k``
(NumPy's spawning scheme), so the streams of one root are statistically independent
(O'Neill 2015, PCG; NumPy docs "Parallel random number generation").
"""

from __future__ import annotations

import numpy as np

from simulation.run import make_seed

DESIGN_KEY = (0,)
RUN_KEY = 1
CRN_KEY = 2
ANALYSIS_KEY = (3,)
SE_KEY = 4
IDENTIFICATION_KEY = 5
FORECAST_KEY = 6
PARAMETER_DRAW_KEY = (7,)
OPTIMISER_KEY = (9,)


def root_entropy(seed: int | None) -> int:
    """Entropy of a root SeedSequence: ``seed``, or fresh OS entropy if None."""
    return int(np.random.SeedSequence(seed).entropy)


def run_spawn_key(point: int, replication: int, common_random_numbers: bool) -> tuple:
    """Spawn key of a sweep's run at (point, replication); see the module docstring."""
    if common_random_numbers:
        return crn_key(replication)
    return (RUN_KEY, int(point), int(replication))


def crn_key(replication: int) -> tuple:
    """Spawn key of replication ``replication`` with common random numbers."""
    return (CRN_KEY, int(replication))


def se_key(replication: int) -> tuple:
    """Spawn key of calibration's standard-error replication ``replication`` (never used
    by the fit, so the moments' covariance is estimated on fresh draws)."""
    return (SE_KEY, int(replication))


def identification_key(replication: int) -> tuple:
    """Spawn key of the synthetic data of calibration's recovery check (never used by the
    fit or the standard errors)."""
    return (IDENTIFICATION_KEY, int(replication))


def forecast_key(replication: int) -> tuple:
    """Spawn key of calibration's out-of-sample forecast replication ``replication``."""
    return (FORECAST_KEY, int(replication))


def parameter_draw_rng(entropy: int) -> np.random.Generator:
    """Generator of the parameter draws ``theta_r ~ N(theta_hat, V)`` (calibration's
    forecast, the reproduction's band with parameter uncertainty)."""
    return np.random.default_rng(make_seed(entropy, PARAMETER_DRAW_KEY))


def validation_key(replication: int) -> tuple:
    """Spawn key of validation's replication ``replication`` (every arm shares it)."""
    return (int(replication),)


def design_rng(entropy: int, part: tuple[int, ...] = ()) -> np.random.Generator:
    """Generator for sampling designs (LHS, Sobol scrambling, Morris trajectories);
    ``part`` ``(1,)`` and ``(2,)``: the scenarios and the policies of a crossed design."""
    return np.random.default_rng(make_seed(entropy, DESIGN_KEY + tuple(part)))


def analysis_rng(entropy: int) -> np.random.Generator:
    """Generator for SALib's bootstrap confidence intervals."""
    return np.random.default_rng(make_seed(entropy, ANALYSIS_KEY))


def optimiser_rng(entropy: int) -> np.random.Generator:
    """Generator of calibration's differential evolution."""
    return np.random.default_rng(make_seed(entropy, OPTIMISER_KEY))


__all__ = ["root_entropy", "run_spawn_key", "crn_key", "se_key", "identification_key",
           "forecast_key", "parameter_draw_rng", "validation_key", "design_rng",
           "analysis_rng", "optimiser_rng"]
