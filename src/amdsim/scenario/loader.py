"""Load scenario files: YAML -> unit conversion -> schema -> cross-field checks -> catalog.

Every problem found is reported as ``file:line: field.path: message`` in one
:class:`~amdsim.core.errors.ScenarioError` (all problems, not just the first). Per-field
problems come first; cross-field and catalog checks run once the fields are valid.
"""

from __future__ import annotations

import os
from importlib import resources
from typing import Any

from pydantic import ValidationError

from amdsim.core.errors import ScenarioError
from amdsim.scenario._errors import Problem, locate, pydantic_problems
from amdsim.scenario._units import convert_units
from amdsim.scenario._yaml import Lines, decode_utf8, read_yaml
from amdsim.scenario.catalog_loader import load_catalog
from amdsim.scenario.checks import check_scenario
from amdsim.scenario.schema import Scenario

__all__ = [
    "list_presets",
    "load_preset",
    "load_scenario",
    "load_scenario_text",
    "preset_names",
    "preset_text",
    "scenario_lines",
    "validate_file",
]

_PRESET_PREFIX = "preset:"


def preset_names() -> list[str]:
    """Names of the built-in scenarios (``presets/NAME.yaml`` package data)."""
    root = resources.files("amdsim.scenario").joinpath("presets")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def list_presets() -> list[tuple[str, str]]:
    """``(name, one-line description)`` of every built-in scenario, sorted by name.

    The description is the first sentence of the preset's ``description`` (or its
    ``name``); the file is parsed but not validated.
    """
    out = []
    for name in preset_names():
        data, _ = read_yaml(preset_text(name), f"{_PRESET_PREFIX}{name}")
        text = ""
        if isinstance(data, dict):
            text = str(data.get("description") or data.get("name") or "")
        first = " ".join(text.split()).split(". ")[0].rstrip(".")
        out.append((name, first))
    return out


def preset_text(name: str) -> str:
    """The YAML text of built-in scenario ``name``."""
    res = resources.files("amdsim.scenario").joinpath("presets", f"{name}.yaml")
    if not res.is_file():
        raise ScenarioError(
            [
                (
                    f"{_PRESET_PREFIX}{name}",
                    None,
                    "",
                    f"unknown preset; available: {', '.join(preset_names())}",
                )
            ]
        )
    return decode_utf8(res.read_bytes(), f"{_PRESET_PREFIX}{name}")


def load_preset(name: str) -> Scenario:
    """Load built-in scenario ``name`` (see :func:`list_presets`)."""
    return load_scenario_text(preset_text(name), f"{_PRESET_PREFIX}{name}")


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario file, or ``preset:NAME`` for a built-in one.

    Returns
    -------
    Scenario
        Frozen, SI units; ``scenario.catalog_resolved`` is the catalog with its overrides.

    Raises
    ------
    ScenarioError
        With every problem as ``file:line: field.path: message``.
    """
    text_path = os.fspath(path)
    if text_path.startswith(_PRESET_PREFIX):
        return load_preset(text_path[len(_PRESET_PREFIX) :])
    try:
        with open(text_path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise ScenarioError([(text_path, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(
            [(text_path, None, "", "is a directory, not a scenario file")]
        ) from None
    except OSError as exc:
        raise ScenarioError([(text_path, None, "", f"cannot read file: {exc.strerror}")]) from None
    return load_scenario_text(decode_utf8(raw, text_path), text_path)


def load_scenario_text(text: str, filename: str = "<string>") -> Scenario:
    """Load and validate a scenario from YAML ``text`` (``filename`` is used in messages)."""
    data, lines = read_yaml(text, filename)
    if data is None:
        raise ScenarioError(
            [
                (
                    filename,
                    1,
                    "",
                    "empty scenario file: expected a mapping with at least name, origin and duration_s",
                )
            ]
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"
        raise ScenarioError(
            [(filename, 1, "", f"top level must be a mapping of scenario fields (got {kind})")]
        )
    conv, renames, unit_problems = convert_units(data, Scenario)
    problems: list[Problem] = []
    for path, msg in unit_problems:
        file, line, where, _ = locate(filename, lines, path)
        problems.append((file, line, where, msg))
    try:
        scenario = Scenario.model_validate(conv, context={"loader": True})
    except ValidationError as exc:
        problems.extend(
            pydantic_problems(exc, filename=filename, lines=lines, root=Scenario, renames=renames)
        )
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    scenario._source = filename
    scenario._lines = lines
    scenario._renames = renames
    catalog = None
    try:
        catalog = load_catalog(scenario)
    except ScenarioError as exc:
        problems.extend(exc.problems)
    for path, msg in check_scenario(scenario, catalog):
        file, line, where, _ = locate(filename, lines, path, renames)
        problems.append((file, line, where, msg))
    if problems:
        raise ScenarioError(problems)
    scenario._resolved = catalog
    return scenario


def scenario_lines(scenario: Scenario) -> tuple[str, Lines]:
    """The file name and YAML line map a scenario was loaded from (empty when built in code)."""
    return getattr(scenario, "_source", "<scenario>"), getattr(scenario, "_lines", None) or {}


def validate_file(path: str | os.PathLike[str]) -> str:
    """Validate a scenario file (or ``preset:NAME``); one summary line on success.

    Raises
    ------
    ScenarioError
        With every problem as ``file:line: field.path: message``.
    """
    sc = load_scenario(path)
    return summary(sc, os.fspath(path))


def summary(sc: Scenario, shown: str | None = None) -> str:
    """One line describing a loaded scenario."""
    where = shown if shown is not None else sc.source
    parts: list[Any] = [
        f"{len(sc.assets)} assets",
        f"{len(sc.radars)} radars",
        f"{len(sc.batteries)} batteries",
        f"{len(sc.raids)} raids ({sc.n_threats} threats)",
    ]
    return (
        f"OK {where}: {sc.name!r}: {', '.join(parts)}; "
        f"{sc.duration_s:g} s at dt {sc.dt_s:g} s ({sc.n_steps} steps)"
    )
