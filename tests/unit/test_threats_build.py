"""Raid expansion from a scenario: ids in raid order, schedules, launch discs, aim points,
reproducibility, range checks naming the raid; the catalog entries and their provenance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from amdsim.core.frames import LocalFrame
from amdsim.scenario import ground_distance_m, load_catalog, load_scenario_text
from amdsim.scenario.schema import Schedule
from amdsim.threats import ThreatFlight, build_threats, check_reachable, launch_times, make_threats

SCENARIO = """
name: build test
origin: {lat_deg: 31.5, lon_deg: 34.6}
duration_s: 300
assets:
  - {name: Town, value: 10, circle: {lat_deg: 31.60, lon_deg: 34.60, radius_m: 2000}}
raids:
  - name: Grads
    threat: grad
    launch: {lat_deg: 31.50, lon_deg: 34.50, radius_m: 1000}
    target: {asset: Town}
    count: 5
    schedule: {start_s: 10, end_s: 20, pattern: uniform}
  - name: Mortars
    threat: mortar120
    launch: {lat_deg: 31.57, lon_deg: 34.60}
    target: {lat_deg: 31.60, lon_deg: 34.61}
    count: 3
    schedule: {times_s: [0, 1.5, 3]}
  - name: Drones
    threat: shahed136
    launch: {lat_deg: 31.10, lon_deg: 34.90}
    target: {asset: Town}
    count: 4
    schedule: {start_s: 0, end_s: 100, pattern: poisson}
"""


def _build(seed: int = 1):  # type: ignore[no-untyped-def]
    sc = load_scenario_text(SCENARIO)
    return sc, build_threats(sc, sc.catalog_resolved, sc.frame(), np.random.default_rng(seed))


def test_build_threats_rows_in_raid_order() -> None:
    _sc, st = _build()
    assert len(st) == 12
    assert st.id.tolist() == list(range(12))
    assert st.raid_idx.tolist() == [0] * 5 + [1] * 3 + [2] * 4
    names = [st.type_names[i] for i in st.type_idx]
    assert names == ["grad"] * 5 + ["mortar120"] * 3 + ["shahed136"] * 4
    np.testing.assert_allclose(st.t_launch_s[:5], [10, 12.5, 15, 17.5, 20])
    np.testing.assert_allclose(st.t_launch_s[5:8], [0, 1.5, 3])
    poisson = st.t_launch_s[8:]
    assert np.all(np.diff(poisson) >= 0) and np.all((poisson >= 0) & (poisson <= 100))
    # launch points inside the 1 km disc, aim at the asset centre
    f = LocalFrame(31.5, 34.5)
    d = np.linalg.norm(f.ecef_to_enu(st.init.pos0_ecef_m[:5])[:, :2], axis=1)
    assert np.all(d <= 1000.0 + 1e-6) and np.ptp(d) > 0
    np.testing.assert_allclose(st.aim_lat_deg[:5], 31.60)
    np.testing.assert_allclose(st.aim_lon_deg[8:], 34.60)
    assert np.all(st.rcs_m2 > 0)


def test_same_seed_same_threats_other_seed_differs() -> None:
    _, a = _build(3)
    _, b = _build(3)
    _, c = _build(4)
    np.testing.assert_array_equal(a.init.vel0_ecef_mps, b.init.vel0_ecef_mps)
    np.testing.assert_array_equal(a.t_launch_s, b.t_launch_s)
    assert not np.array_equal(a.init.pos0_ecef_m, c.init.pos0_ecef_m)


def test_built_raid_flies_to_ground() -> None:
    _, st = _build()
    flight = ThreatFlight(0.2)
    t, n_imp = 0.0, 0
    while st.alive.any() and t < 2000:
        st, imp = flight.advance(st, t, 0.2)
        n_imp += len(imp)
        t += 0.2
    assert n_imp == 12


def test_launch_times_patterns() -> None:
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(launch_times(Schedule(start_s=5, end_s=5), 1, rng), [5.0])
    np.testing.assert_allclose(launch_times(Schedule(start_s=0, end_s=9), 4, rng), [0, 3, 6, 9])
    p = launch_times(Schedule(start_s=0, end_s=1000, pattern="poisson"), 2000, rng)
    # conditioned Poisson process: uniform arrivals (KS test at 0.1 %)
    from scipy import stats

    assert stats.kstest(p / 1000.0, "uniform").pvalue > 1e-3
    np.testing.assert_allclose(launch_times(Schedule(times_s=[3.0, 1.0]), 2, rng), [3.0, 1.0])


def test_check_reachable_names_the_raid() -> None:
    grad = load_catalog().threats["grad"]
    check_reachable(grad, 31.5, 34.5, 31.6, 34.5, raid="ok")  # ~11 km
    with pytest.raises(ValueError, match=r"raid 'Far salvo'.*beyond the maximum range"):
        check_reachable(grad, 31.5, 34.5, 31.7, 34.5, raid="Far salvo")  # ~22 km
    with pytest.raises(ValueError, match=r"raid 'Near'.*inside the minimum range"):
        check_reachable(grad, 31.5, 34.5, 31.505, 34.5, raid="Near")
    with pytest.raises(ValueError, match="beyond the maximum range"):  # disc edge too far
        check_reachable(grad, 31.5, 34.5, 31.67, 34.5, radius_m=2000.0, raid="Disc")


def test_make_threats_refuses_out_of_range_aim() -> None:
    cat = load_catalog().threats
    with pytest.raises(ValueError, match=r"threat 0.*maximum range"):
        make_threats(cat, ["qassam"], [31.5], [34.5], [31.7], [34.5], [0.0])
    with pytest.raises(KeyError, match="unknown threat type 'nope'"):
        make_threats(cat, ["nope"], [31.5], [34.5], [31.6], [34.5], [0.0])


def test_unreachable_with_overridden_catalog_names_raid() -> None:
    """A user override that claims more range than the propulsion gives is refused."""
    cat = dict(load_catalog().threats)
    cat["grad"] = cat["grad"].model_copy(update={"max_range_m": 40_000.0})
    with pytest.raises(ValueError, match=r"raid 'Long'.*cannot reach"):
        make_threats(
            cat,
            ["grad"],
            [31.5],
            [34.5],
            [31.77],
            [34.5],
            [0.0],
            raid_idx=np.array([0]),
            raid_names=["Long"],
        )


def test_ground_distance_consistent_with_solver_range() -> None:
    d = ground_distance_m(31.5, 34.5, 31.6, 34.5)
    assert d == pytest.approx(11_090.0, rel=2e-3)


def test_catalog_entries_complete_and_sourced() -> None:
    cat = load_catalog().threats
    expected = {
        "qassam",
        "grad",
        "fajr5",
        "m75",
        "r160",
        "mortar120",
        "shahed136",
        "cruise",
        "srbm",
        "mrbm",
    }
    assert expected <= set(cat)
    for name in expected:
        t = cat[name]
        for field in ("launch_mass_kg", "diameter_m", "max_range_m", "min_range_m", "rcs_m2"):
            assert field in t.provenance, (name, field)
        assert t.provenance["rcs_m2"].conf == "ASSUMPTION"
        if t.kind in ("rocket", "ballistic"):
            assert "calibrated" in t.provenance["thrust_n"].source
    assert cat["qassam"].unit_cost_usd == 800
    assert cat["grad"].max_range_m == 20_400
    assert cat["shahed136"].cruise_speed_mps == pytest.approx(185 / 3.6, rel=1e-3)
    assert cat["mrbm"].launch_elevation_rad == pytest.approx(math.radians(85.0))
