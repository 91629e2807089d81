"""Unit-suffix conversion of ``amdsim.scenario._units`` on a small model."""

from __future__ import annotations

import math

import pytest
from pydantic import Field

from amdsim.scenario._units import convert_units, original_path
from amdsim.scenario.types._base import Model


class Leaf(Model):
    speed_mps: float = 0.0
    heading_rad: float = 0.0
    heading_deg: float = 0.0  # the model keeps this one in degrees: not converted
    times_s: list[float] = Field(default_factory=list)


class Root(Model):
    leaves: list[Leaf] = Field(default_factory=list)
    length_m: float = 0.0


@pytest.mark.parametrize(
    ("key", "value", "field", "expected"),
    [
        ("speed_kmph", 36.0, "speed_mps", 10.0),
        ("speed_kmps", 2.0, "speed_mps", 2000.0),
        ("heading_rad", 1.0, "heading_rad", 1.0),
        ("heading_deg", 90.0, "heading_deg", 90.0),
        ("times_min", [1.0, 2.5], "times_s", [60.0, 150.0]),
        ("times_h", [1.0], "times_s", [3600.0]),
        ("times_ms", [250.0], "times_s", [0.25]),
    ],
)
def test_leaf_conversions(key: str, value: object, field: str, expected: object) -> None:
    out, renames, problems = convert_units({"leaves": [{key: value}]}, Root)
    assert problems == []
    assert out["leaves"][0][field] == pytest.approx(expected)
    if key != field:
        assert original_path(("leaves", 0, field), renames) == (
            ("leaves", 0, key),
            pytest.approx(_factor(key)),
        )


def _factor(key: str) -> float:
    return {"_kmph": 1 / 3.6, "_kmps": 1000.0, "_min": 60.0, "_h": 3600.0, "_ms": 1e-3}[
        "_" + key.rsplit("_", 1)[1]
    ]


def test_top_level_and_feet() -> None:
    out, _, _ = convert_units({"length_ft": 1000.0}, Root)
    assert out == {"length_m": pytest.approx(304.8)}


def test_degrees_to_radians_where_the_model_wants_radians() -> None:
    class R(Model):
        az_rad: float = 0.0

    out, _, _ = convert_units({"az_deg": 180.0}, R)
    assert out["az_rad"] == pytest.approx(math.pi)


def test_both_forms_are_refused_and_unknown_keys_kept() -> None:
    out, _, problems = convert_units({"length_m": 1.0, "length_km": 2.0, "lenght_km": 3.0}, Root)
    assert problems == [(("length_km",), "give only one of 'length_m' and 'length_km'")]
    assert out == {"length_m": 1.0, "lenght_km": 3.0}  # the typo is left for the schema to refuse


def test_booleans_and_text_are_not_scaled() -> None:
    out, _, _ = convert_units({"length_km": True}, Root)
    assert out == {"length_m": True}
