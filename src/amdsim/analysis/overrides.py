"""Variants of a scenario by dotted path: ``catalog.systems.iron_dome.launchers = 4``.

The one mechanism used by sensitivity sweeps and siting verification. A path's first
segment may omit ``catalog.`` for catalog sections (``systems.iron_dome.pk`` means
``catalog.systems.iron_dome.pk``; ``radars.elm2084.max_range_m`` is the catalog radar type,
while ``radars`` alone or ``radars.0.boresight_az_rad`` is the scenario's radar list): the value becomes a field-wise catalog override
(``conf: USER``) exactly as if it were written in the scenario's ``catalog:`` section.
Integer segments index lists (``batteries.0.launchers``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["CATALOG_SECTIONS", "normalise_path", "portable", "with_overrides"]

CATALOG_SECTIONS = ("threats", "radars", "interceptors", "systems")


def normalise_path(path: str) -> list[str]:
    """Split a dotted path; prefix ``catalog`` when it starts with a catalog section."""
    parts = [p for p in str(path).split(".") if p]
    if not parts:
        raise ValueError(f"empty parameter path {path!r}")
    if parts[0] in ("threats", "interceptors", "systems"):
        parts = ["catalog", *parts]
    elif parts[0] == "radars" and len(parts) >= 3 and not parts[1].lstrip("-").isdigit():
        parts = ["catalog", *parts]  # radars.<type>.<field>; radars.<index>... is the scenario list
    return parts


def _set_in(data: Any, parts: list[str], value: Any, full: str) -> Any:
    """Copy of ``data`` (dicts/lists) with ``parts`` set to ``value``; missing dict keys are
    created only inside the catalog section (overrides of named entries)."""
    head, rest = parts[0], parts[1:]
    if isinstance(data, list):
        try:
            idx = int(head)
            data[idx]
        except (ValueError, IndexError):
            raise ValueError(f"{full}: {head!r} is not an index of a list of {len(data)}") from None
        new = list(data)
        new[idx] = value if not rest else _set_in(new[idx], rest, value, full)
        return new
    if isinstance(data, Mapping):
        new_d = dict(data)
        if not rest:
            new_d[head] = value
            return new_d
        if head not in new_d:
            if full.startswith("catalog."):
                new_d[head] = {}
            else:
                raise ValueError(f"{full}: no field {head!r} (have {sorted(new_d)})")
        new_d[head] = _set_in(new_d[head], rest, value, full)
        return new_d
    raise ValueError(f"{full}: cannot set {head!r} inside a {type(data).__name__}")


def _is_pydantic(obj: Any) -> bool:
    return hasattr(obj, "model_dump") and hasattr(type(obj), "model_validate")


def with_overrides(scenario: Any, overrides: Mapping[str, Any]) -> Any:
    """A new scenario with every ``{path: value}`` applied.

    Works on pydantic scenarios (dumped, changed, validated again: the result is checked
    by the schema and, when it has one, its catalog is resolved now so a bad override
    fails before any replication runs), on dataclasses (e.g.
    :class:`~amdsim.analysis.synthetic.SyntheticRaid`) and on plain mappings.
    """
    if _is_pydantic(scenario):
        data = scenario.model_dump()
        for path, value in overrides.items():
            data = _set_in(data, normalise_path(path), value, ".".join(normalise_path(path)))
        new = type(scenario).model_validate(data)
        if hasattr(type(new), "catalog_resolved"):
            _ = new.catalog_resolved  # raises ScenarioError for an unknown entry or field
        return new
    if dataclasses.is_dataclass(scenario) and not isinstance(scenario, type):
        new_obj = scenario
        for path, value in overrides.items():
            parts = normalise_path(path)
            head = parts[0]
            if not hasattr(new_obj, head):
                raise ValueError(f"{path}: no field {head!r} in {type(new_obj).__name__}")
            cur = getattr(new_obj, head)
            val = (
                value
                if len(parts) == 1
                else _set_in(copy.deepcopy(cur), parts[1:], value, ".".join(parts))
            )
            new_obj = dataclasses.replace(new_obj, **{head: val})
        return new_obj
    if isinstance(scenario, Mapping):
        data_m: Any = dict(scenario)
        for path, value in overrides.items():
            parts = normalise_path(path)
            data_m = _set_in(data_m, parts, value, ".".join(parts))
        return data_m
    raise TypeError(f"cannot apply overrides to a {type(scenario).__name__}")


def portable(scenario: Any) -> Any:
    """The scenario as it is sent to worker processes: a loaded scenario pickles with its
    resolved catalog (``Catalog.__reduce__`` turns the read-only mapping proxies into
    dicts), so workers do not resolve the catalog again."""
    return scenario
