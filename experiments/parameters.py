"""Address any scenario field from a sweep spec and apply values to a base scenario.

A *parameter address* names one field of :class:`simulation.config.Scenario`:

- a flat field name, e.g. ``review_hazard`` (names are unique across sections);
- ``section.field``, e.g. ``decision.review_hazard``;
- one entry of a per-country mapping, e.g. ``countries.tax_rate_overrides.IND`` (the
  statutory corporate tax rate of India, fraction) or ``labour.labour_cost_multiplier.PHL``
  (the flat form ``tax_rate_overrides.IND`` works too).

Values are written into the base scenario's nested dict and the result is validated with
:func:`simulation.config.validate_scenario`, so a value out of bounds gives the usual
one-line :class:`~simulation.config.ConfigError` naming the field.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Mapping

from simulation.config import SECTIONS, ConfigError, Scenario, field_index, validate_scenario
from simulation.messages import echo


@dataclass(frozen=True)
class Address:
    """A resolved parameter address.

    Attributes
    ----------
    section, field : str
        Section and field of the scenario schema.
    key : str or None
        Key inside a mapping field (an ISO3 country code), or None for the whole field.
    """

    section: str
    field: str
    key: str | None = None

    @property
    def canonical(self) -> str:
        """``section.field`` or ``section.field.KEY``."""
        base = f"{self.section}.{self.field}"
        return base if self.key is None else f"{base}.{self.key}"

    @property
    def kind(self) -> str:
        """Value kind: ``"int"``, ``"float"``, ``"bool"`` or ``"other"`` (lists, tables).

        A country entry of a ``dict[str, float]`` field is ``"float"``.
        """
        ann = SECTIONS[self.section].model_fields[self.field].annotation
        if self.key is not None:
            args = typing.get_args(ann)
            ann = args[1] if len(args) == 2 else Any
        if ann is bool:
            return "bool"
        if ann is int:
            return "int"
        if ann is float:
            return "float"
        return "other"


def resolve(address: str) -> Address:
    """Resolve a parameter address (see the module docstring).

    Raises
    ------
    ConfigError
        One line naming the address: unknown section or field, a key given for a field
        that is not a per-country mapping, or too many parts.
    """
    if not isinstance(address, str) or not address.strip():
        raise ConfigError("parameter name: must be a non-empty string")
    shown = echo(address)
    parts = address.split(".")
    index = field_index()
    if parts[0] in SECTIONS:
        if len(parts) < 2:
            raise ConfigError(f"{shown}: a section alone is not a parameter; name a field, "
                              f"e.g. {parts[0]}.{next(iter(SECTIONS[parts[0]].model_fields))}")
        section, field, rest = parts[0], parts[1], parts[2:]
        if field not in SECTIONS[section].model_fields:
            raise ConfigError(f"{shown}: unknown field of [{section}]; allowed: "
                              + ", ".join(SECTIONS[section].model_fields))
    elif parts[0] in index:
        section, field, rest = index[parts[0]], parts[0], parts[1:]
    else:
        raise ConfigError(f"{shown}: unknown scenario field; use a field name (e.g. "
                          "review_hazard), section.field or section.field.ISO3 (see "
                          "docs/configuration.md)")
    ann = SECTIONS[section].model_fields[field].annotation
    is_mapping = typing.get_origin(ann) is dict
    if not rest:
        return Address(section, field)
    if len(rest) == 1 and is_mapping and rest[0]:
        return Address(section, field, rest[0])
    if not is_mapping:
        raise ConfigError(f"{shown}: {section}.{field} is not a per-country table, so it "
                          "takes no .KEY suffix")
    raise ConfigError(f"{shown}: expected {section}.{field}.ISO3 (one country code)")


def apply(nested: dict[str, Any], addr: Address, value: Any) -> None:
    """Write ``value`` at ``addr`` into a nested scenario dict (in place, unvalidated)."""
    section = nested.setdefault(addr.section, {})
    if addr.key is None:
        section[addr.field] = value
    else:
        section[addr.field] = {**(section.get(addr.field) or {}), addr.key: value}


def scenario_with(base: Scenario, assignments: Mapping[Address, Any]) -> Scenario:
    """The base scenario with each address set to its value, validated.

    Parameters
    ----------
    base : Scenario
    assignments : mapping Address -> value

    Raises
    ------
    ConfigError
        If the resulting scenario is invalid (one line, names the field).
    """
    nested = base.to_dict()
    for addr, value in assignments.items():
        apply(nested, addr, value)
    return validate_scenario(nested, strict_types=False)


def coerce(addr: Address, value: Any) -> Any:
    """Round a sampled number to an integer for an integer field; other values unchanged.

    Sampling designs (Latin hypercube, Sobol, Morris) draw real numbers; an integer field
    such as ``n_firms`` takes the nearest integer.
    """
    if addr.kind == "int" and isinstance(value, float):
        return int(round(value))
    return value


__all__ = ["Address", "resolve", "apply", "scenario_with", "coerce"]
