"""The configuration reference of every config surface, generated from the schemas.

``docs/configuration.md`` = the scenario reference (:func:`simulation.config.
render_reference_markdown`) + the sweep spec (:class:`experiments.spec.SweepSpec`) + the
calibration spec (:class:`experiments.calibration.CalibrationSpec`). Each pydantic model is
the single place where a field's type, bounds and default live; this module only prints
them. ``bposim config --reference`` writes it.
"""

from __future__ import annotations

import json
import typing

from pydantic import BaseModel


def _type_name(ann) -> str:
    text = str(ann) if typing.get_origin(ann) is not None else getattr(ann, "__name__",
                                                                       str(ann))
    for prefix in ("experiments.spec.", "experiments.calibration.", "typing.",
                   "simulation.config."):
        text = text.replace(prefix, "")
    return text.replace("|", "or")


def _bounds(field) -> str:
    out = []
    for m in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"),
                          ("min_length", "min length"), ("max_length", "max length")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sym} {v}")
    return ", ".join(out)


def _default(field) -> str:
    if field.is_required():
        return "required"
    d = field.default
    if isinstance(d, BaseModel):
        d = d.model_dump(mode="json")
    try:
        return "`" + json.dumps(d).replace("|", "\\|") + "`"
    except TypeError:
        return f"`{d!r}`"


def model_table(model: type[BaseModel], title: str, intro: str = "") -> list[str]:
    """Markdown table of one pydantic model: field, type, default, bounds, description."""
    lines = [f"### {title}", ""]
    if intro:
        lines += [intro, ""]
    if model.__doc__:
        lines += [" ".join(model.__doc__.split()), ""]
    lines += ["| field | type | default | bounds |", "| --- | --- | --- | --- |"]
    for name, f in model.model_fields.items():
        lines.append(f"| `{name}` | {_type_name(f.annotation)} | {_default(f)} | "
                     f"{_bounds(f)} |")
    return lines + [""]


def render_full_reference() -> str:
    """The whole ``docs/configuration.md``: scenario, sweep spec, calibration spec."""
    from experiments import calibration as cal
    from experiments import spec as sp
    from simulation.config import render_reference_markdown

    lines = [render_reference_markdown().rstrip("\n"), "", "## Sweep spec (`bposim sweep`, "
             "`bposim sensitivity`)", "",
             "A TOML file; see [sweeps.md](sweeps.md) for its meaning and examples in "
             "`experiments/sweeps/`. Parameter names address scenario fields (flat name, "
             "`section.field` or `section.field.ISO3`).", ""]
    lines += model_table(sp.SweepSpec, "top level")
    lines += model_table(sp.BaseSpec, "`[base]`")
    lines += model_table(sp.ParameterSpec, "`[[parameters]]`")
    for m in (sp.FactorialDesign, sp.PointsDesign, sp.LHSDesign, sp.SobolDesign,
              sp.MorrisDesign, sp.CrossedDesign):
        lines += model_table(m, f"`[design]` kind = "
                             f"\"{typing.get_args(m.model_fields['kind'].annotation)[0]}\"")
    lines += model_table(sp.SensitivitySpec, "`[sensitivity]`")
    lines += ["## Calibration spec (`bposim calibrate`)", "",
              "A TOML file; see [calibration.md](calibration.md) and "
              "`experiments/calibration/default.toml`.", ""]
    lines += model_table(cal.CalibrationSpec, "top level")
    lines += model_table(cal.Bound, "`[[parameters]]`")
    lines += model_table(cal.Optimiser, "`[optimiser]`")
    return "\n".join(lines)
