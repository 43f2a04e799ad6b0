"""Experiments on the bposim model, above it: parameter sweeps (``bposim sweep``) and
sensitivity analysis (``bposim sensitivity``), calibration and the reproduction of the
market-growth figures (``bposim calibrate``, ``bposim reproduce``), validation
(``bposim validate``, :mod:`experiments.validation`), the figures of many runs, and the
``bposim`` command line itself (:mod:`experiments.cli`). The model (:mod:`simulation`,
:mod:`agents`) never imports this package; every run goes through
:func:`simulation.run.run_model`. See ``docs/architecture.md``."""
