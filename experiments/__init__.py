"""Experiments on the bposim model: scenario files now; sweeps and calibration later."""
