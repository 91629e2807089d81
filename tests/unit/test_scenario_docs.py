"""The example in docs/scenario.md is the default preset, and it loads."""

from __future__ import annotations

import pathlib
import re

from amdsim.scenario import load_scenario_text, preset_text

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "scenario.md"


def _example() -> str:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(
        r"<!-- begin: presets/default.yaml -->\n```yaml\n(.*?)```\n<!-- end: presets/default.yaml -->",
        text,
        re.S,
    )
    assert m, "docs/scenario.md lost its default-scenario example"
    return m.group(1)


def test_docs_example_is_the_default_preset() -> None:
    assert _example() == preset_text("default")


def test_docs_example_loads() -> None:
    sc = load_scenario_text(_example(), "docs/scenario.md")
    assert sc.name == "Default demo" and sc.n_threats == 83


def test_docs_override_snippet_loads_against_the_builtin_catalog() -> None:
    text = DOC.read_text(encoding="utf-8")
    snippet = re.search(r"```yaml\n(catalog:\n.*?)```", text, re.S)
    assert snippet
    head = "name: Doc\norigin: {lat_deg: 31.5, lon_deg: 34.6}\nduration_s: 60\n"
    cat = load_scenario_text(head + snippet.group(1), "doc").catalog_resolved
    assert cat.threats["qassam"].max_range_m == 12_000.0  # type: ignore[attr-defined]
    assert cat.threats["qassam"].provenance["max_range_m"].conf == "USER"
    assert cat.radars["my_radar"].max_range_m == 60_000.0  # type: ignore[attr-defined]
    assert cat.systems["iron_dome"].launchers == 4  # type: ignore[attr-defined]
    assert cat.systems["iron_dome"].provenance["launchers"].conf == "M"
