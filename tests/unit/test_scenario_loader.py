"""Scenario loader: unit conversion, presets, summaries, frames and defended areas."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from amdsim.core.errors import ScenarioError
from amdsim.core.frames import LocalFrame
from amdsim.scenario import (
    build_areas,
    ground_distance_m,
    list_presets,
    load_scenario,
    load_scenario_text,
    local_frame,
    preset_text,
    validate_file,
)
from tests.unit.scenario_stub import use_stub_catalog

MINIMAL = """\
name: Minimal
origin: {lat_deg: 31.5, lon_deg: 34.6}
duration_s: 60
"""


def test_minimal_scenario_defaults() -> None:
    sc = load_scenario_text(MINIMAL)
    assert sc.dt_s == 0.1
    assert sc.epoch == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert sc.seed is None
    assert sc.defence.wta == "assignment" and sc.defence.doctrine == "shoot-look-shoot"
    assert sc.assets == [] and sc.raids == [] and sc.n_threats == 0
    assert sc.n_steps == 600
    assert sc.source == "<string>"


def test_scenario_is_frozen() -> None:
    sc = load_scenario_text(MINIMAL)
    with pytest.raises(Exception, match="frozen"):
        sc.duration_s = 5.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("written", "field", "expected"),
    [
        ("duration_min: 2", "duration_s", 120.0),
        ("duration_h: 1.5", "duration_s", 5400.0),
        ("duration_s: 90", "duration_s", 90.0),
    ],
)
def test_duration_units(written: str, field: str, expected: float) -> None:
    text = MINIMAL.replace("duration_s: 60", written)
    assert getattr(load_scenario_text(text), field) == pytest.approx(expected, rel=1e-12)


def test_length_and_angle_units_convert_once(monkeypatch: pytest.MonkeyPatch) -> None:
    use_stub_catalog(monkeypatch)
    text = (
        MINIMAL
        + "dt_ms: 50\n"
        + "assets:\n  - {name: A, circle: {lat_deg: 31.5, lon_deg: 34.6, radius_km: 2.5}}\n"
        + "radars:\n  - {name: R, type: elm2084, lat_deg: 31.5, lon_deg: 34.6, alt_ft: 1000,"
        + " boresight_az_deg: 90}\n"
        + "raids:\n  - name: S\n    threat: grad\n"
        + "    launch: {lat_deg: 31.5, lon_deg: 34.5, radius_km: 0.3}\n"
        + "    target: {asset: A}\n    count: 2\n    schedule: {times_min: [0.5, 0.75]}\n"
    )
    sc = load_scenario_text(text)
    assert sc.dt_s == pytest.approx(0.05)
    assert sc.assets[0].circle is not None and sc.assets[0].circle.radius_m == pytest.approx(2500.0)
    assert sc.radars[0].alt_m == pytest.approx(304.8)
    assert sc.radars[0].boresight_az_rad == pytest.approx(math.pi / 2)
    assert sc.raids[0].launch.radius_m == pytest.approx(300.0)
    assert sc.raids[0].schedule.times_s == pytest.approx([30.0, 45.0])
    # degrees stay degrees where the model keeps degrees
    assert sc.origin.lat_deg == 31.5


def test_error_value_is_reported_in_the_unit_written() -> None:
    text = MINIMAL.replace("duration_s: 60", "duration_min: -2")
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "u.yaml")
    assert str(info.value) == "u.yaml:3: duration_min: must be > 0 (got -2)"


def test_epoch_with_offset_is_the_same_instant() -> None:
    a = load_scenario_text(MINIMAL + "epoch: 2026-01-01T02:00:00+02:00\n").epoch
    b = load_scenario_text(MINIMAL + "epoch: '2026-01-01T00:00:00Z'\n").epoch
    assert a == b


def test_all_errors_are_collected_in_one_exception() -> None:
    text = MINIMAL + "dt_s: -1\nseed: -4\nfoo: 1\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "x.yaml")
    lines = str(info.value).splitlines()
    assert lines == [
        "x.yaml:4: dt_s: must be > 0 (got -1)",
        "x.yaml:5: seed: must be >= 0 (got -4)",
        "x.yaml:6: foo: unknown field",
    ]
    assert [p[1] for p in info.value.problems] == [4, 5, 6]


def test_bool_is_not_a_number() -> None:
    with pytest.raises(ScenarioError, match=r"duration_s: must be a number \(got bool True\)"):
        load_scenario_text(MINIMAL.replace("60", "true"))


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml: file not found"):
        load_scenario("nope.yaml")


def test_load_from_file_path(tmp_path: pytest.TempPathFactory) -> None:
    p = tmp_path / "s.yaml"  # type: ignore[operator]
    p.write_text(MINIMAL.replace("duration_s: 60", "duration_s: 0"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert str(info.value) == f"{p}:3: duration_s: must be > 0 (got 0)"


def test_utf8_bom_and_unicode_names_are_fine() -> None:
    sc = load_scenario_text("\ufeff" + MINIMAL.replace("Minimal", "Sdérot ☂"))
    assert sc.name == "Sdérot ☂"


def test_presets_listed_and_loadable() -> None:
    names = [name for name, _ in list_presets()]
    assert "default" in names
    desc = dict(list_presets())["default"]
    assert desc.startswith("Rockets and mortars from two launch areas") and "\n" not in desc
    sc = load_scenario("preset:default")
    assert sc.source == "preset:default"
    assert 60 <= sc.n_threats <= 100
    assert sc.duration_s == 180.0 and sc.dt_s == 0.1
    assert {r.threat for r in sc.raids} >= {"qassam", "grad", "mortar120"}
    assert any(r.target.asset is None for r in sc.raids), "some rockets aim at open ground"
    assert {a.circle is None for a in sc.assets} == {True, False}, "circles and a polygon"


def test_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(ScenarioError, match=r"preset:nope: unknown preset; available: .*default"):
        load_scenario("preset:nope")


def test_validate_file_summary() -> None:
    line = validate_file("preset:default")
    sc = load_scenario("preset:default")
    assert line.startswith("OK preset:default: 'Default demo': 3 assets, 1 radars, 2 batteries")
    assert f"({sc.n_threats} threats)" in line and "(1800 steps)" in line


def test_validate_file_raises_on_errors(tmp_path: pytest.TempPathFactory) -> None:
    p = tmp_path / "bad.yaml"  # type: ignore[operator]
    p.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        validate_file(p)
    assert str(info.value).splitlines() == [
        f"{p}:1: origin: required field missing",
        f"{p}:1: duration_s: required field missing",
    ]


def test_frame_is_at_the_origin() -> None:
    sc = load_scenario("preset:default")
    f = local_frame(sc)
    assert isinstance(f, LocalFrame)
    assert (f.lat_deg, f.lon_deg, f.alt_m) == (31.5, 34.6, 0.0)
    np.testing.assert_array_equal(sc.frame().origin_ecef_m, f.origin_ecef_m)


def test_build_areas_circle_and_polygon() -> None:
    sc = load_scenario("preset:default")
    frame = sc.frame()
    areas = build_areas(sc, frame)
    assert len(areas) == 3
    assert list(areas.names) == ["Town A", "Village C", "Base B"]
    np.testing.assert_array_equal(areas.value, [100.0, 20.0, 50.0])
    # circle centre: independently, pymap3d's own geodetic2enu
    import pymap3d

    e, n, _ = pymap3d.geodetic2enu(31.5045, 34.6158, 0.0, 31.5, 34.6, 0.0)
    np.testing.assert_allclose(areas.center_m[0], [e, n], atol=1e-6)
    assert areas.radius_m[0] == 2000.0 and math.isnan(areas.radius_m[2])
    poly = areas.polygons[2]
    assert poly is not None and poly.shape == (4, 2)
    # the polygon centroid lies inside it and a point far away does not
    inside = areas.contains(np.array([areas.center_m[2], [1e5, 1e5]]))
    assert inside[0, 2] and not inside[1].any()
    # circle edge: 1 m inside / 1 m outside the 2 km radius
    c = areas.center_m[0]
    pts = c + np.array([[1999.0, 0.0], [2001.0, 0.0]])
    assert areas.contains(pts)[:, 0].tolist() == [True, False]


def test_build_areas_empty() -> None:
    areas = build_areas(load_scenario_text(MINIMAL))
    assert len(areas) == 0 and areas.center_m.shape == (0, 2)
    assert areas.first_hit(np.zeros((3, 2))).tolist() == [-1, -1, -1]


def test_polygon_centroid_of_a_square_is_its_centre() -> None:
    from amdsim.scenario.frames import polygon_centroid

    sq = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [0.0, 2.0]])
    np.testing.assert_allclose(polygon_centroid(sq), [2.0, 1.0])
    # L-shape = 3x1 bar (centroid 1.5, 0.5) + 1x2 bar (0.5, 2): area-weighted (1.1, 1.1),
    # not the vertex mean (1.333, 1.333)
    L = np.array([[0.0, 0.0], [3.0, 0.0], [3.0, 1.0], [1.0, 1.0], [1.0, 3.0], [0.0, 3.0]])
    np.testing.assert_allclose(polygon_centroid(L), [1.1, 1.1])


def test_ground_distance_along_a_meridian() -> None:
    """Along a meridian the geodesic is the meridian arc
    M = a (1 - e^2) * integral dphi / (1 - e^2 sin^2 phi)^(3/2) (e.g. Torge, Geodesy,
    eq. 4.17), integrated here independently with scipy; tolerance 1 mm."""
    from scipy.integrate import quad

    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)

    def arc(p0: float, p1: float) -> float:
        val, _ = quad(
            lambda p: (1 - e2 * math.sin(p) ** 2) ** -1.5, math.radians(p0), math.radians(p1)
        )
        return a * (1 - e2) * val

    for p0, p1 in [(0.0, 1.0), (31.4, 31.6), (-10.0, 45.0)]:
        assert ground_distance_m(p0, 34.6, p1, 34.6) == pytest.approx(arc(p0, p1), abs=1e-3)
    assert ground_distance_m(31.5, 34.6, 31.5, 34.6) == 0.0


def test_preset_text_is_the_package_file() -> None:
    assert preset_text("default").startswith("# amdsim default scenario")


def test_catalog_resolved_is_cached_and_has_radars() -> None:
    sc = load_scenario("preset:default")
    cat = sc.catalog_resolved
    assert cat is sc.catalog_resolved
    assert "elm2084" in cat.radars


RAID = """\
raids:
  - name: R
    threat: qassam
    launch: {lat_deg: 31.5, lon_deg: 34.5, radius_m: 0}
    target: {lat_deg: LAT, lon_deg: 34.5}
    count: 1
    schedule: {times_s: [0]}
"""


def test_reachability_agrees_with_the_threat_type_range_check() -> None:
    """With the real catalog, the loader refuses exactly the aim points that the threat
    model's own ``ThreatType.check_range`` refuses (launch radius 0, along a meridian)."""
    from amdsim.scenario import load_catalog

    qassam = load_catalog().threats["qassam"]
    lo, hi = qassam.min_range_m, qassam.max_range_m  # type: ignore[attr-defined]
    for dist_m in [0.5 * lo, 0.99 * lo, 1.01 * lo, 0.5 * (lo + hi), 0.99 * hi, 1.01 * hi, 3 * hi]:
        lat = 31.5 + dist_m / 110_870.0  # ~ metres per degree of latitude at 31.5 N
        text = MINIMAL + RAID.replace("LAT", f"{lat:.7f}")
        d = ground_distance_m(31.5, 34.5, lat, 34.5)
        try:
            qassam.check_range(d)  # type: ignore[attr-defined]
            model_ok = True
        except ValueError:
            model_ok = False
        try:
            load_scenario_text(text, "r.yaml")
            loader_ok = True
        except ScenarioError as exc:
            loader_ok = False
            assert str(exc).startswith("r.yaml:8: raids[0].target: aim point is ")
            assert ("beyond the maximum" in str(exc)) == (d > hi)
        assert loader_ok == model_ok, dist_m


def test_launch_disc_must_be_wholly_in_range() -> None:
    """Centre in range but the far edge of the launch disc beyond: refused."""
    from amdsim.scenario import load_catalog

    hi = load_catalog().threats["qassam"].max_range_m  # type: ignore[attr-defined]
    lat = 31.5 + 0.95 * hi / 110_870.0
    text = MINIMAL + RAID.replace("LAT", f"{lat:.7f}")
    load_scenario_text(text)
    with pytest.raises(ScenarioError, match=r"launch radius\) from the launch point, beyond"):
        load_scenario_text(text.replace("radius_m: 0", "radius_m: 2000"))


def test_round_trip_through_model_dump_and_pickle() -> None:
    """Analysis variants rebuild scenarios with ``model_validate(model_dump())`` and send
    them to worker processes: both must preserve every field."""
    import pickle

    from amdsim.scenario import Scenario

    sc = load_scenario("preset:default")
    _ = sc.catalog_resolved
    again = Scenario.model_validate(sc.model_dump())
    assert again.model_dump() == sc.model_dump()
    as_json = Scenario.model_validate_json(sc.model_dump_json())
    assert as_json.model_dump() == sc.model_dump()
    back = pickle.loads(pickle.dumps(sc))
    assert back.model_dump() == sc.model_dump() and back.source == "preset:default"
    assert set(back.catalog_resolved.threats) == set(sc.catalog_resolved.threats)


def test_scenario_built_in_code_gets_the_cross_field_checks() -> None:
    from pydantic import ValidationError

    from amdsim.scenario import Scenario

    data = load_scenario("preset:default").model_dump()
    data["raids"][4]["count"] = 3
    data["batteries"][0]["radars"] = ["MMR Eats"]
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    msg = str(info.value)
    assert "batteries[0].radars[0]: unknown radar 'MMR Eats' (did you mean 'MMR East'?)" in msg
    assert "raids[4].schedule.times_s: has 8 launch times but count is 3" in msg


def test_aim_point_of_an_asset_is_the_areas_centre() -> None:
    """The threat stage aims at ``checks.aim_point``: it must be the centre that
    ``build_areas`` reports, for circles and polygons alike."""
    from amdsim.scenario.checks import aim_point

    sc = load_scenario("preset:default")
    frame = sc.frame()
    areas = build_areas(sc, frame)
    names = list(areas.names)
    for i, raid in enumerate(sc.raids):
        if raid.target.asset is None:
            assert aim_point(sc, i) == (raid.target.lat_deg, raid.target.lon_deg)
            continue
        lat, lon = aim_point(sc, i)
        xy = frame.geodetic_to_enu(np.array(lat), np.array(lon), np.array(0.0)).reshape(3)[:2]
        np.testing.assert_allclose(xy, areas.center_m[names.index(raid.target.asset)], atol=0.01)
