"""Turn pydantic validation errors into ``file:line: field.path: message`` problems."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from amdsim.scenario._units import Renames, model_at, original_path
from amdsim.scenario._yaml import Lines, Path, format_path

__all__ = ["Problem", "did_you_mean", "locate", "pydantic_problems"]

Problem = tuple[str, int | None, str, str]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or ``''``."""
    close = difflib.get_close_matches(str(name), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def locate(
    filename: str, lines: Lines, path: Path, renames: Renames | None = None
) -> tuple[str, int | None, str, float]:
    """File, line, printable path (as written in the file) and unit factor of ``path``."""
    orig, factor = original_path(path, renames or {})
    line = None
    for n in range(len(orig), -1, -1):
        line = lines.get(tuple(orig[:n]))
        if line is not None:
            break
    return filename, line, format_path(orig), factor


def _num(x: Any, factor: float = 1.0) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return repr(x)
    v = x / factor if factor != 1.0 else x
    return f"{v:g}" if isinstance(v, float) else str(v)


def _typed(x: Any) -> str:
    """``str 'abc'``, ``bool True``; ``an empty value`` for YAML null."""
    if x is None:
        return "an empty value"
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(x).__name__} {text}"


def _message(err: Any, root: Any, loc: Path, factor: float) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    bounds = {
        "greater_than": (">", "gt"),
        "greater_than_equal": (">=", "ge"),
        "less_than": ("<", "lt"),
        "less_than_equal": ("<=", "le"),
    }
    if kind in bounds:
        op, key = bounds[kind]
        return f"must be {op} {_num(ctx[key], factor)} (got {_num(got, factor)})"
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        parent = model_at(root, loc[:-1])
        fields = (
            parent.model_fields
            if isinstance(parent, type) and issubclass(parent, BaseModel)
            else {}
        )
        return f"unknown field{did_you_mean(str(loc[-1]), fields)}"
    if kind == "finite_number":
        return f"must be a finite number (got {got!r})"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        want = "an integer" if kind.startswith("int") else "a number"
        return f"must be {want} (got {_typed(got)})"
    if kind in ("int_from_float",):
        return f"must be an integer (got {got!r})"
    if kind in ("string_type",):
        return f"must be text (got {_typed(got)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind in ("list_type",):
        return f"must be a list (got {_typed(got)})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of fields (got {_typed(got)})"
    if kind == "too_long":
        return f"too many items: at most {ctx.get('max_length')} (got {ctx.get('actual_length')})"
    if kind == "too_short":
        return f"too few items: at least {ctx.get('min_length')} (got {ctx.get('actual_length')})"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        hint = ""
        if isinstance(got, str):
            opts = [o.strip().strip("'") for o in str(expected).replace(" or ", ",").split(",")]
            hint = did_you_mean(got, [o for o in opts if o])
        return f"must be one of {expected} (got {got!r}){hint}"
    if kind == "bool_type":
        return f"must be true or false (got {got!r})"
    if kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        return f"must be an ISO 8601 date-time like 2026-01-01T00:00:00Z (got {got!r})"
    msg = str(err.get("msg", kind))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def pydantic_problems(
    exc: ValidationError,
    *,
    filename: str,
    lines: Lines,
    root: Any,
    prefix: Path = (),
    renames: Renames | None = None,
    loc_map: Callable[[Path], Path] | None = None,
) -> list[Problem]:
    """One problem per pydantic error, located at the YAML line of its field.

    ``loc_map`` may rewrite an error location (relative to ``root``) into the path as
    written in the file before it is looked up.
    """
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc: Path = tuple(err["loc"])
        shown = loc_map(loc) if loc_map is not None else loc
        file, line, where, factor = locate(filename, lines, (*prefix, *shown), renames)
        out.append((file, line, where, _message(err, root, loc, factor)))
    return out
