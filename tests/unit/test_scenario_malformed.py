"""Every malformed scenario in ``tests/unit/malformed/`` is refused with its exact message.

Each ``NAME.yaml`` is paired with ``NAME.expected``: the full text of the ScenarioError
(one ``file:line: field.path: message`` per line). Catalog names and ranges come from a
small stub catalog (below) so that these messages do not change when catalog figures do.
"""

from __future__ import annotations

import pathlib

import pytest

from amdsim.core.errors import ScenarioError
from amdsim.scenario import load_scenario
from tests.unit.scenario_stub import use_stub_catalog

HERE = pathlib.Path(__file__).parent / "malformed"
CASES = sorted(p.stem for p in HERE.glob("*.yaml"))


@pytest.fixture
def stub_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    use_stub_catalog(monkeypatch)


def test_every_case_has_expected_message() -> None:
    assert len(CASES) >= 30
    missing = [c for c in CASES if not (HERE / f"{c}.expected").is_file()]
    assert not missing, f"no .expected file for {missing}"
    orphans = [p.stem for p in HERE.glob("*.expected") if p.stem not in CASES]
    assert not orphans


@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("override_")])
def test_malformed_scenario_message(
    case: str, stub_catalog: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(HERE)
    expected = (HERE / f"{case}.expected").read_text(encoding="utf-8").strip()
    with pytest.raises(ScenarioError) as info:
        load_scenario(f"{case}.yaml")
    assert str(info.value) == expected
    # every problem is a (file, line, path, message) tuple naming this file with a line
    for file, line, _path, message in info.value.problems:
        assert file == f"{case}.yaml"
        assert line is not None and line >= 1
        assert message


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("override_")])
def test_malformed_override_message(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Overrides are validated against the real built-in entries (elm2084 radar)."""
    monkeypatch.chdir(HERE)
    expected = (HERE / f"{case}.expected").read_text(encoding="utf-8").strip()
    with pytest.raises(ScenarioError) as info:
        load_scenario(f"{case}.yaml")
    assert str(info.value) == expected


def test_base_of_the_malformed_cases_is_valid(stub_catalog: None) -> None:
    """The cases differ from a valid scenario only by the fault they name."""
    text = (HERE / "unknown_threat.yaml").read_text(encoding="utf-8").replace("qasam", "qassam")
    from amdsim.scenario import load_scenario_text

    sc = load_scenario_text(text, "base.yaml")
    assert sc.raids[0].threat == "qassam"
