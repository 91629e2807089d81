"""Catalog loading: provenance unwrapping, built-in file checks, scenario overrides."""

from __future__ import annotations

import pytest

from amdsim.core.errors import ScenarioError
from amdsim.scenario import Catalog, load_catalog, load_scenario_text
from amdsim.scenario.catalog_loader import SECTIONS, _read_section_file

RADAR = """\
  elm_test:
    label: Test radar
    detection_range_m: {value: 100000, conf: M, source: "test"}
    max_range_m: {value: 120000, conf: ASSUMPTION, source: "test"}
"""

SCENARIO = """\
name: Override test
origin: {lat_deg: 31.5, lon_deg: 34.6}
duration_s: 60
"""


def _numeric(v: object) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    if isinstance(v, (list, tuple)):
        return any(_numeric(x) for x in v)
    return False


def test_every_numeric_field_of_every_builtin_entry_has_provenance() -> None:
    """Every numeric value a built-in catalog file gives carries {conf, source}. (Fields
    a file leaves out take the type model's documented default and have no provenance.)"""
    cat = load_catalog()
    checked = 0
    for section in SECTIONS:
        for name, entry in cat.section(section).items():
            for field in sorted(entry.model_fields_set):
                if field in ("label", "provenance"):
                    continue
                if _numeric(getattr(entry, field)):
                    assert field in entry.provenance, f"{section}.{name}.{field} has no provenance"
                    checked += 1
    assert checked > 0


def test_catalog_is_immutable() -> None:
    cat = load_catalog()
    assert isinstance(cat, Catalog)
    with pytest.raises(TypeError):
        cat.radars["x"] = cat.radars["elm2084"]  # type: ignore[index]
    with pytest.raises(Exception, match="frozen"):
        cat.radars["elm2084"].max_range_m = 1.0  # type: ignore[misc]
    with pytest.raises(KeyError, match="unknown catalog section 'radar'"):
        cat.section("radar")


def test_sectioned_file_is_unwrapped_with_provenance() -> None:
    sections, problems = _read_section_file("radars:\n" + RADAR, "t.yaml")
    assert problems == []
    entry = sections["radars"]["elm_test"]
    assert entry.detection_range_m == 100000.0  # type: ignore[attr-defined]
    assert entry.provenance["detection_range_m"].conf == "M"
    assert entry.provenance["max_range_m"].conf == "ASSUMPTION"
    assert entry.label == "Test radar"


def test_flat_file_of_one_section() -> None:
    flat = "\n".join(line[2:] for line in RADAR.splitlines())
    sections, problems = _read_section_file(flat, "catalog/radars.yaml", "radars")
    assert problems == [] and "elm_test" in sections["radars"]


def test_builtin_value_without_provenance_is_an_error() -> None:
    text = "radars:\n" + RADAR.replace(
        '{value: 120000, conf: ASSUMPTION, source: "test"}', "120000"
    ).replace('{value: 100000, conf: M, source: "test"}', "{value: 100000, conf: M}")
    _, problems = _read_section_file(text, "cat.yaml")
    assert problems == [
        ("cat.yaml", 4, "radars.elm_test.detection_range_m", "catalog value needs source"),
        (
            "cat.yaml",
            5,
            "radars.elm_test.max_range_m",
            "catalog value without conf and source: write "
            '{value: ..., conf: H|M|L|D|CLAIM|CALC|ASSUMPTION, source: "..."}',
        ),
    ]


def test_builtin_bad_conf_tag_and_unknown_section() -> None:
    text = "radarz: {}\nradars:\n" + RADAR.replace("conf: M,", "conf: HIGH,")
    _, problems = _read_section_file(text, "cat.yaml")
    assert problems[0][:3] == ("cat.yaml", 1, "radarz")
    assert "did you mean 'radars'" in problems[0][3]
    assert problems[1][:3] == ("cat.yaml", 5, "radars.elm_test.detection_range_m.conf")
    assert problems[1][3].startswith("must be one of 'H', 'M'")


def test_builtin_entry_units_are_converted() -> None:
    text = "radars:\n" + RADAR.replace("max_range_m: {value: 120000", "max_range_km: {value: 120")
    sections, problems = _read_section_file(text, "cat.yaml")
    assert problems == []
    entry = sections["radars"]["elm_test"]
    assert entry.max_range_m == pytest.approx(120000.0)  # type: ignore[attr-defined]
    assert entry.provenance["max_range_m"].conf == "ASSUMPTION"


def test_override_merges_field_wise_with_user_provenance() -> None:
    base = load_catalog().radars["elm2084"]
    sc = load_scenario_text(SCENARIO + "catalog:\n  radars:\n    elm2084: {max_range_km: 500}\n")
    over = sc.catalog_resolved.radars["elm2084"]
    assert over.max_range_m == pytest.approx(500_000.0)
    assert over.provenance["max_range_m"].conf == "USER"
    # untouched fields and their provenance are the built-in ones
    assert over.detection_range_m == base.detection_range_m
    assert over.provenance["detection_range_m"] == base.provenance["detection_range_m"]
    # the built-in catalog is not changed by a scenario's overrides
    assert load_catalog().radars["elm2084"].max_range_m == base.max_range_m
    assert base.provenance["max_range_m"].conf != "USER"


def test_override_with_explicit_provenance() -> None:
    sc = load_scenario_text(
        SCENARIO
        + "catalog:\n  radars:\n    elm2084:\n"
        + '      max_range_m: {value: 450000, conf: L, source: "my notes"}\n'
    )
    entry = sc.catalog_resolved.radars["elm2084"]
    assert entry.max_range_m == 450000.0
    assert (entry.provenance["max_range_m"].conf, entry.provenance["max_range_m"].source) == (
        "L",
        "my notes",
    )


def test_new_entry_is_added_and_validated() -> None:
    sc = load_scenario_text(
        SCENARIO + "catalog:\n  radars:\n    my_radar: {detection_range_km: 50, max_range_km: 60}\n"
    )
    entry = sc.catalog_resolved.radars["my_radar"]
    assert entry.label == "my_radar"
    assert entry.max_range_m == pytest.approx(60_000.0)
    assert entry.provenance["detection_range_m"].conf == "USER"
    assert "elm2084" in sc.catalog_resolved.radars


def test_incomplete_new_entry_reports_file_and_line() -> None:
    text = SCENARIO + "catalog:\n  radars:\n    my_radar:\n      max_range_m: 60000\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "s.yaml")
    assert (
        str(info.value)
        == "s.yaml:6: catalog.radars.my_radar.detection_range_m: required field missing"
    )


def test_override_value_error_reports_the_unit_written() -> None:
    text = SCENARIO + "catalog:\n  radars:\n    elm2084: {max_range_km: -5}\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "s.yaml")
    assert str(info.value) == "s.yaml:6: catalog.radars.elm2084.max_range_km: must be > 0 (got -5)"


def test_override_can_be_referenced_by_the_scenario() -> None:
    text = (
        SCENARIO
        + "radars:\n  - {name: R, type: my_radar, lat_deg: 31.5, lon_deg: 34.6}\n"
        + "catalog:\n  radars:\n    my_radar: {detection_range_km: 50, max_range_km: 60}\n"
    )
    assert load_scenario_text(text).radars[0].type == "my_radar"


def test_check_references_between_entries() -> None:
    from types import SimpleNamespace

    from amdsim.scenario.catalog_loader import check_references

    sections = {
        "interceptors": {"tamir": SimpleNamespace()},
        "radars": {"elm2084": SimpleNamespace()},
        "systems": {
            "ok": SimpleNamespace(interceptor="tamir", radar="elm2084"),
            "gun": SimpleNamespace(interceptor=None, radar="elm2084"),
            "bad": SimpleNamespace(interceptor="tamr", radar="mpq65"),
        },
    }
    assert check_references(sections) == [
        (
            "systems",
            "bad",
            "interceptor",
            "unknown interceptor type 'tamr' (did you mean 'tamir'?)",
        ),
        ("systems", "bad", "radar", "unknown radar type 'mpq65'"),
    ]
    # an empty referenced section is not checked
    assert check_references({**sections, "interceptors": {}, "radars": {}}) == []


def test_builtin_catalog_references_resolve() -> None:
    from amdsim.scenario.catalog_loader import check_references

    cat = load_catalog()
    assert check_references({s: cat.section(s) for s in SECTIONS}) == []


def test_flat_file_errors_keep_their_lines() -> None:
    flat = "\n".join(line[2:] for line in RADAR.splitlines()).replace("100000", "-5")
    _, problems = _read_section_file(flat, "catalog/radars.yaml", "radars")
    assert problems == [
        ("catalog/radars.yaml", 3, "radars.elm_test.detection_range_m", "must be > 0 (got -5)")
    ]
