"""The catalog of system types: built-in YAML files plus a scenario's overrides.

Built-in files live in ``amdsim/scenario/catalog/`` (package data): ``threats.yaml``
(section ``threats``), ``radars.yaml`` (``radars``) and ``interceptors.yaml``
(``interceptors`` and ``systems``). Every physical value there is written
``{value: X, conf: TAG, source: "..."}``; the loader unwraps it into the plain field of
the entry model and records ``entry.provenance[field]``. A scenario's ``catalog:``
section overrides fields of built-in entries (provenance ``USER``) or adds complete new
entries.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from amdsim.core.errors import ScenarioError
from amdsim.scenario._errors import Problem, did_you_mean, locate, pydantic_problems
from amdsim.scenario._units import Renames, convert_units
from amdsim.scenario._yaml import Lines, Path, decode_utf8, read_yaml
from amdsim.scenario.types._base import CatalogEntry
from amdsim.scenario.types.interceptor import InterceptorType, WeaponSystem
from amdsim.scenario.types.radar import RadarType
from amdsim.scenario.types.threat import ThreatType

if TYPE_CHECKING:
    from amdsim.scenario.schema import Scenario

__all__ = ["CATALOG_FILES", "SECTIONS", "Catalog", "load_catalog"]

SECTIONS: dict[str, type[CatalogEntry]] = {
    "threats": ThreatType,
    "radars": RadarType,
    "interceptors": InterceptorType,
    "systems": WeaponSystem,
}
"""Catalog section -> entry model."""

CATALOG_FILES: tuple[str, ...] = ("threats.yaml", "radars.yaml", "interceptors.yaml")
"""Built-in catalog files (package data under ``amdsim/scenario/catalog/``)."""

_WRAP_KEYS = {"value", "conf", "source"}


@dataclass(frozen=True)
class Catalog:
    """A resolved, immutable catalog: name -> validated entry, per section."""

    threats: Mapping[str, ThreatType]
    radars: Mapping[str, RadarType]
    interceptors: Mapping[str, InterceptorType]
    systems: Mapping[str, WeaponSystem]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as plain dicts (read-only mapping proxies do not pickle)."""
        return (_catalog_from_dicts, ({s: dict(getattr(self, s)) for s in SECTIONS},))

    def section(self, name: str) -> Mapping[str, CatalogEntry]:
        """The entries of section ``name`` (``threats``, ``radars``, ``interceptors``, ``systems``)."""
        if name not in SECTIONS:
            raise KeyError(f"unknown catalog section {name!r}; sections: {', '.join(SECTIONS)}")
        return getattr(self, name)  # type: ignore[no-any-return]


def _catalog_from_dicts(sections: dict[str, dict[str, Any]]) -> Catalog:
    return Catalog(**{s: MappingProxyType(dict(v)) for s, v in sections.items()})


def _is_numeric(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    if isinstance(v, list):
        return any(_is_numeric(x) for x in v)
    if isinstance(v, dict):
        return any(_is_numeric(x) for x in v.values())
    return False


def _unwrap(
    raw: dict[str, Any], path: Path, *, builtin: bool
) -> tuple[dict[str, Any], dict[str, dict[str, str]], list[tuple[Path, str]]]:
    """Split ``{field: {value, conf, source}}`` into plain fields and provenance."""
    fields: dict[str, Any] = {}
    prov: dict[str, dict[str, str]] = {}
    problems: list[tuple[Path, str]] = []
    for key, val in raw.items():
        if key == "provenance":
            problems.append(((*path, key), "reserved: provenance comes from {value, conf, source}"))
            continue
        if isinstance(val, dict) and "value" in val and set(val) <= _WRAP_KEYS:
            fields[key] = val["value"]
            if builtin and ("conf" not in val or "source" not in val):
                missing = " and ".join(k for k in ("conf", "source") if k not in val)
                problems.append(((*path, key), f"catalog value needs {missing}"))
            conf = val.get("conf", "USER")
            prov[key] = {"conf": conf, "source": str(val.get("source", "scenario file"))}
        else:
            if builtin and _is_numeric(val):
                problems.append(
                    (
                        (*path, key),
                        "catalog value without conf and source: write "
                        '{value: ..., conf: H|M|L|D|CLAIM|CALC|ASSUMPTION, source: "..."}',
                    )
                )
            fields[key] = val
            if not builtin:
                prov[key] = {"conf": "USER", "source": "scenario file"}
    return fields, prov, problems


def _provenance_loc(loc: Path) -> Path:
    """``('provenance', field, 'conf')`` -> ``(field, 'conf')``: where the file wrote it."""
    if len(loc) >= 2 and loc[0] == "provenance":
        return tuple(loc[1:])
    return loc


def _build_entry(
    model: type[CatalogEntry],
    name: str,
    raw: Any,
    path: Path,
    *,
    builtin: bool,
    base: CatalogEntry | None,
    filename: str,
    lines: Lines,
) -> tuple[CatalogEntry | None, list[Problem]]:
    if not isinstance(raw, dict):
        _, line, where, _ = locate(filename, lines, path)
        return None, [(filename, line, where, f"must be a mapping of fields (got {raw!r})")]
    fields, prov, found = _unwrap(raw, path, builtin=builtin)
    renames: Renames = {}
    fields, renames, unit_found = convert_units(fields, model, path, renames)
    for conv_path, (orig_key, _) in renames.items():
        if len(conv_path) == len(path) + 1 and orig_key in prov:
            prov[str(conv_path[-1])] = prov.pop(orig_key)
    problems: list[Problem] = []
    for p, msg in [*found, *unit_found]:
        _, line, where, _ = locate(filename, lines, p, renames)
        problems.append((filename, line, where, msg))
    if base is not None:
        merged = base.model_dump()
        merged.update(fields)
        merged["provenance"] = {**merged.get("provenance", {}), **prov}
    else:
        merged = {**fields, "provenance": prov}
        if not builtin:
            merged.setdefault("label", name)
    try:
        entry = model.model_validate(merged)
    except ValidationError as exc:
        problems.extend(
            pydantic_problems(
                exc,
                filename=filename,
                lines=lines,
                root=model,
                prefix=path,
                renames=renames,
                loc_map=_provenance_loc,
            )
        )
        return None, problems
    return (None if problems else entry), problems


def _read_section_file(
    text: str, filename: str, default_section: str | None = None
) -> tuple[dict[str, dict[str, CatalogEntry]], list[Problem]]:
    """Read one catalog file: ``section: {name: entry}``, or ``{name: entry}`` for a file
    of a single section (``default_section``, e.g. ``radars`` for ``radars.yaml``)."""
    data, lines = read_yaml(text, filename)
    out: dict[str, dict[str, CatalogEntry]] = {s: {} for s in SECTIONS}
    problems: list[Problem] = []
    if data is None:
        return out, problems
    if not isinstance(data, dict):
        return out, [(filename, 1, "", "top level must be a mapping of catalog sections")]
    if default_section is not None and not any(k in SECTIONS for k in data):
        # flat file: entries at top level; re-key the line map under the section
        lines = {(default_section, *k): v for k, v in lines.items()}
        data = {default_section: data}
    for section, entries in data.items():
        if section not in SECTIONS:
            msg = f"unknown catalog section{did_you_mean(section, SECTIONS)}; sections: {', '.join(SECTIONS)}"
            problems.append((filename, lines.get((section,)), section, msg))
            continue
        if entries is None:
            continue
        if not isinstance(entries, dict):
            problems.append(
                (filename, lines.get((section,)), section, "must be a mapping name -> entry")
            )
            continue
        for name, raw in entries.items():
            entry, found = _build_entry(
                SECTIONS[section],
                name,
                raw,
                (section, name),
                builtin=True,
                base=None,
                filename=filename,
                lines=lines,
            )
            problems.extend(found)
            if entry is not None:
                out[section][name] = entry
    return out, problems


@functools.lru_cache(maxsize=1)
def _builtin() -> dict[str, dict[str, CatalogEntry]]:
    """Parse and validate the package catalog files once per process."""
    merged: dict[str, dict[str, CatalogEntry]] = {s: {} for s in SECTIONS}
    problems: list[Problem] = []
    root = resources.files("amdsim.scenario").joinpath("catalog")
    for fname in CATALOG_FILES:
        res = root.joinpath(fname)
        if not res.is_file():
            continue  # not written yet: the section stays empty
        shown = f"catalog/{fname}"
        default = fname[:-5] if fname[:-5] in SECTIONS else None
        sections, found = _read_section_file(decode_utf8(res.read_bytes(), shown), shown, default)
        problems.extend(found)
        for section, entries in sections.items():
            for name, entry in entries.items():
                if name in merged[section]:
                    problems.append(
                        (shown, None, f"{section}.{name}", "defined in two catalog files")
                    )
                merged[section][name] = entry
    for section, name, field, msg in check_references(merged):
        problems.append(("catalog", None, f"{section}.{name}.{field}", msg))
    if problems:
        raise ScenarioError(problems)
    return merged


_REFERENCES = (("systems", "interceptor", "interceptors"), ("systems", "radar", "radars"))
"""(section, field, section it names): names one catalog entry gives of another."""


def check_references(
    sections: Mapping[str, Mapping[str, Any]],
) -> list[tuple[str, str, str, str]]:
    """Entries naming other entries that do not exist, as ``(section, name, field, message)``.

    A referenced section that is still empty is not checked.
    """
    out: list[tuple[str, str, str, str]] = []
    for section, field, target in _REFERENCES:
        known = sections.get(target, {})
        if not known:
            continue
        for name, entry in sections.get(section, {}).items():
            ref = getattr(entry, field, None)
            if isinstance(ref, str) and ref not in known:
                out.append(
                    (
                        section,
                        name,
                        field,
                        f"unknown {target[:-1]} type {ref!r}{did_you_mean(ref, known)}",
                    )
                )
    return out


def load_catalog(scenario: Scenario | None = None) -> Catalog:
    """The built-in catalog, with ``scenario.catalog`` overrides applied when given.

    Parameters
    ----------
    scenario
        A loaded scenario; its ``catalog:`` section may override fields of built-in
        entries (those fields get provenance ``USER``) or add new, complete entries.

    Raises
    ------
    ScenarioError
        A built-in catalog file or an override is invalid (``file:line: path: message``).
    """
    sections = {s: dict(v) for s, v in _builtin().items()}
    if scenario is not None and not scenario.catalog.is_empty():
        from amdsim.scenario.loader import scenario_lines

        filename, lines = scenario_lines(scenario)
        problems: list[Problem] = []
        for section, model in SECTIONS.items():
            for name, raw in getattr(scenario.catalog, section).items():
                entry, found = _build_entry(
                    model,
                    name,
                    raw,
                    ("catalog", section, name),
                    builtin=False,
                    base=sections[section].get(name),
                    filename=filename,
                    lines=lines,
                )
                problems.extend(found)
                if entry is not None:
                    sections[section][name] = entry
        if not problems:
            for section, name, field, msg in check_references(sections):
                if name not in getattr(scenario.catalog, section):
                    continue  # a built-in entry: checked with the built-in files
                _, line, where, _ = locate(filename, lines, ("catalog", section, name, field))
                problems.append((filename, line, where, msg))
        if problems:
            raise ScenarioError(problems)
    return Catalog(**{s: MappingProxyType(v) for s, v in sections.items()})  # type: ignore[arg-type]
