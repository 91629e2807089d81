"""Unit-suffix conversion, done once at the file boundary.

A field named ``<base>_<si>`` of a model may be written in a file as ``<base>_<alt>``;
the value (a number or a list of numbers) is multiplied by the factor below. Conversion is
model-aware: ``radius_km`` becomes ``radius_m`` only where the model has ``radius_m`` and
no ``radius_km`` field, so ``lat_deg`` stays ``lat_deg`` where the model keeps degrees.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, Union

from pydantic import BaseModel

from amdsim.scenario._yaml import Path

__all__ = ["ALIASES", "Renames", "convert_units", "field_type", "model_at", "original_path"]

ALIASES: dict[str, tuple[str, float]] = {
    "_km": ("_m", 1000.0),
    "_ft": ("_m", 0.3048),
    "_min": ("_s", 60.0),
    "_h": ("_s", 3600.0),
    "_ms": ("_s", 1e-3),
    "_deg": ("_rad", math.pi / 180.0),
    "_kmph": ("_mps", 1.0 / 3.6),
    "_kmps": ("_mps", 1000.0),
}
"""Accepted alternative suffix -> (SI suffix, factor to SI)."""

Renames = dict[Path, tuple[str, float]]
"""Converted path -> (key as written in the file, factor applied)."""


def _strip_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(tp)[0])
    return tp


def field_type(model: Any, key: str | int) -> Any:
    """The type found one step below ``model`` (a model class, list or dict type) at ``key``."""
    tp = _strip_optional(model)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if isinstance(key, str) and key in tp.model_fields:
            return _strip_optional(tp.model_fields[key].annotation)
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple) and args and isinstance(key, int):
        return _strip_optional(args[0])
    if origin is dict and len(args) == 2 and isinstance(key, str):
        return _strip_optional(args[1])
    return None


def model_at(root: Any, path: Path) -> Any:
    """Walk ``path`` from ``root`` with :func:`field_type`; ``None`` when it leaves the schema."""
    tp = root
    for key in path:
        tp = field_type(tp, key)
        if tp is None:
            return None
    return tp


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value * factor
    if isinstance(value, list):
        return [_scale(v, factor) for v in value]
    return value


def convert_units(
    value: Any, model: Any, path: Path = (), renames: Renames | None = None
) -> tuple[Any, Renames, list[tuple[Path, str]]]:
    """Rename ``<base>_<alt>`` keys to the model's SI field and scale their values.

    Returns the converted value, the renames made (for error messages) and the problems
    found (both forms of one field given).
    """
    renames = {} if renames is None else renames
    problems: list[tuple[Path, str]] = []
    tp = _strip_optional(model)
    if isinstance(value, dict):
        fields = (
            set(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else None
        )
        out: dict[str, Any] = {}
        for key, sub in value.items():
            new_key, factor = key, 1.0
            if fields is not None and key not in fields:
                for alt, (si, f) in ALIASES.items():
                    if key.endswith(alt) and key[: -len(alt)] + si in fields:
                        new_key, factor = key[: -len(alt)] + si, f
                        break
            if new_key != key:
                if new_key in value:
                    problems.append(((*path, key), f"give only one of {new_key!r} and {key!r}"))
                    continue
                renames[(*path, new_key)] = (key, factor)
                sub = _scale(sub, factor)
            child = field_type(tp, new_key) if fields is not None or tp is not None else None
            out[new_key], _, sub_problems = convert_units(sub, child, (*path, new_key), renames)
            problems.extend(sub_problems)
        return out, renames, problems
    if isinstance(value, list):
        items = []
        for i, item in enumerate(value):
            child = field_type(tp, i) if tp is not None else None
            conv, _, sub_problems = convert_units(item, child, (*path, i), renames)
            items.append(conv)
            problems.extend(sub_problems)
        return items, renames, problems
    return value, renames, problems


def original_path(path: Path, renames: Renames) -> tuple[Path, float]:
    """Map a converted path back to the keys written in the file, with the factor used."""
    out: list[str | int] = []
    factor = 1.0
    for i, key in enumerate(path):
        hit = renames.get(tuple(path[: i + 1]))
        if hit is not None:
            out.append(hit[0])
            factor = hit[1]
        else:
            out.append(key)
    return tuple(out), factor
