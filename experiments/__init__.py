"""Experiments on the bposim model: scenario files, parameter sweeps (``bposim sweep``) and
sensitivity analysis (``bposim sensitivity``); see ``docs/sweeps.md``."""
