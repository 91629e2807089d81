"""ThreatFlight.advance, kill and the ENU truth view: launches inside a step, interpolated
impacts, n = 0, 1, many, numerical faults, cruise/drone waypoints."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from amdsim.core.errors import NumericalFault
from amdsim.core.frames import LocalFrame, ecef_to_geodetic
from amdsim.scenario import load_catalog
from amdsim.threats import ThreatFlight, kill, make_threats, truth_view
from amdsim.threats.flight import FLYING, IMPACTED, KILLED, WAITING

FRAME = LocalFrame(31.5, 34.5)


def _aim(range_m: float, az_deg: float) -> tuple[float, float]:
    a = np.radians(az_deg)
    lat, lon, _ = FRAME.enu_to_geodetic(np.array([[range_m * np.sin(a), range_m * np.cos(a), 0.0]]))
    return float(lat[0]), float(lon[0])


def _state(names: list[str], ranges: list[float], t0: list[float], waypoints=None):  # type: ignore[no-untyped-def]
    cat = load_catalog().threats
    n = len(names)
    aims = [_aim(r, 30.0 * i) for i, r in enumerate(ranges)]
    return make_threats(
        cat, names, np.full(n, 31.5), np.full(n, 34.5), np.array([a[0] for a in aims]),
        np.array([a[1] for a in aims]), np.array(t0, float), waypoints_deg=waypoints,
    )  # fmt: skip


def test_empty_state() -> None:
    state = _state([], [], [])
    assert len(state) == 0
    new, imp = ThreatFlight().advance(state, 0.0, 0.1)
    assert len(new) == 0 and len(imp) == 0
    assert len(truth_view(new, FRAME)) == 0
    assert len(kill(new, np.array([], dtype=np.int64))) == 0


def test_launch_inside_step_and_interpolated_impact() -> None:
    """Launched at t=0.05 inside (0, 0.1]; impact time off the step grid; single threat."""
    state = _state(["grad"], [10_000.0], [0.05])
    flight = ThreatFlight(0.1)
    assert flight.launched(state, -0.1, 0.1).size == 0
    assert flight.launched(state, 0.0, 0.1).tolist() == [0]
    state, imp = flight.advance(state, 0.0, 0.1)
    assert state.status[0] == FLYING
    view = truth_view(state, FRAME)
    assert view.ids.tolist() == [0] and view.pos_m.shape == (1, 3)
    assert 0.0 < view.pos_m[0, 2] < 10.0  # 0.05 s after launch
    t, impacts = 0.1, []
    while state.alive.any():
        state, imp = flight.advance(state, t, 0.1)
        t += 0.1
        if len(imp):
            impacts.append(imp)
    (imp,) = impacts
    assert state.status[0] == IMPACTED
    assert t - 0.1 < imp.t_s[0] <= t
    assert abs(imp.t_s[0] / 0.1 - round(imp.t_s[0] / 0.1)) > 1e-6  # not on the grid
    lat, lon, alt = ecef_to_geodetic(imp.pos_ecef_m)
    assert abs(float(alt[0])) < 0.5  # interpolated onto the ground
    assert imp.lat_deg[0] == pytest.approx(float(lat[0])) and imp.lon_deg[0] == pytest.approx(
        float(lon[0])
    )
    assert np.linalg.norm(imp.pos_ecef_m[0] - state.aim_ecef_m[0]) < 50.0


def test_step_size_does_not_move_impact() -> None:
    """Same threats flown at dt 0.1 s and 0.02 s land within 5 m of each other (the
    piecewise-linear Cd and atmosphere tables limit the order to ~2 in the dense air)."""
    state = _state(
        ["qassam", "fajr5", "mortar120"], [8_000.0, 50_000.0, 3_000.0], [0.0, 0.33, 1.07]
    )
    out = []
    for dt in (0.1, 0.02):
        s, t, pos = state, 0.0, np.zeros((3, 3))
        flight = ThreatFlight(dt)
        while s.alive.any():
            s, imp = flight.advance(s, t, dt)
            t += dt
            pos[imp.threat_id] = imp.pos_ecef_m
        out.append(pos)
    assert np.all(np.linalg.norm(out[0] - out[1], axis=1) < 5.0)


def test_serial_and_parallel_kernels_identical() -> None:
    state = _state(["grad"] * 30, list(np.linspace(3e3, 19e3, 30)), list(np.linspace(0, 2, 30)))
    a, b = ThreatFlight(parallel_min=10**9), ThreatFlight(parallel_min=0)
    sa, sb = state, state
    for k in range(60):
        sa, ia = a.advance(sa, 0.1 * k, 0.1)
        sb, ib = b.advance(sb, 0.1 * k, 0.1)
        np.testing.assert_array_equal(ia.threat_id, ib.threat_id)
    np.testing.assert_array_equal(sa.pos_ecef_m, sb.pos_ecef_m)


def test_kill_stops_flight_and_leaves_impacted_alone() -> None:
    state = _state(["grad", "grad", "grad"], [5e3, 15e3, 18e3], [0.0, 0.0, 100.0])
    flight = ThreatFlight()
    for k in range(20):
        state, _ = flight.advance(state, 0.1 * k, 0.1)
    state = kill(state, np.array([1, 2]))
    assert state.status.tolist() == [FLYING, KILLED, KILLED]
    frozen = state.pos_ecef_m[1].copy()
    state, _ = flight.advance(state, 2.0, 0.1)
    np.testing.assert_array_equal(state.pos_ecef_m[1], frozen)
    assert truth_view(state, FRAME).ids.tolist() == [0]
    with pytest.raises(ValueError, match="unknown threat ids"):
        kill(state, np.array([7]))


def test_state_is_not_mutated() -> None:
    state = _state(["grad"], [10e3], [0.0])
    before = state.pos_ecef_m.copy(), state.status.copy()
    ThreatFlight().advance(state, 0.0, 0.1)
    np.testing.assert_array_equal(state.pos_ecef_m, before[0])
    np.testing.assert_array_equal(state.status, before[1])
    assert state.status[0] == WAITING


def test_numerical_fault_names_threat_and_time() -> None:
    state = _state(["grad", "grad"], [10e3, 12e3], [0.0, 0.0])
    flight = ThreatFlight()
    state, _ = flight.advance(state, 0.0, 0.1)
    bad = state.dyn.copy()
    bad[1, 3] = np.nan
    with pytest.raises(NumericalFault, match=r"t=0\.100 s, object\(s\) \[1\]"):
        flight.advance(replace(state, dyn=bad), 0.1, 0.1)
    far = state.dyn.copy()
    far[0, :3] *= 2.0
    with pytest.raises(NumericalFault, match=r"\[0\]"):
        flight.advance(replace(state, dyn=far), 0.1, 0.1)


def test_drone_follows_waypoints_and_dives_on_aim() -> None:
    """A drone through one dog-leg waypoint: cruise height held, ground track passes the
    waypoint, dive ends on the aim point; flight time ~ path length / speed."""
    cat = load_catalog().threats
    wp_lat, wp_lon = _aim(20_000.0, 90.0)  # 20 km east
    aim = _aim(20_000.0, 0.0)  # 20 km north
    state = make_threats(
        cat, ["shahed136"], np.array([31.5]), np.array([34.5]), np.array([aim[0]]), np.array([aim[1]]),
        np.zeros(1), waypoints_deg=[np.array([[wp_lat, wp_lon]])],
    )  # fmt: skip
    flight = ThreatFlight(0.5)
    t, heights, track, impact = 0.0, [], [], None
    while state.alive.any():
        state, imp = flight.advance(state, t, 0.5)
        t += 0.5
        if state.in_flight[0]:
            p = FRAME.ecef_to_enu(state.pos_ecef_m[0])
            heights.append(ecef_to_geodetic(state.pos_ecef_m[0])[2])
            track.append(p)
        if len(imp):
            impact = imp
    assert impact is not None
    track_a = np.array(track)
    d_wp = np.min(np.hypot(track_a[:, 0] - 20_000.0, track_a[:, 1]))
    assert d_wp < 200.0
    h = np.array(heights)
    assert np.max(h) == pytest.approx(cat["shahed136"].cruise_altitude_m, abs=5.0)
    assert np.linalg.norm(impact.pos_ecef_m[0] - state.aim_ecef_m[0]) < 5.0
    path = 20_000.0 + np.hypot(20_000.0, 20_000.0)
    assert impact.t_s[0] == pytest.approx(path / cat["shahed136"].cruise_speed_mps, rel=0.05)


def test_cruise_missile_low_level_to_target() -> None:
    state = _state(["cruise"], [60_000.0], [3.0])
    flight = ThreatFlight(0.1)
    t, hmax = 0.0, 0.0
    while state.alive.any():
        state, imp = flight.advance(state, t, 0.1)
        t += 0.1
        if state.in_flight[0]:
            hmax = max(hmax, float(ecef_to_geodetic(state.pos_ecef_m[0])[2]))
    assert hmax == pytest.approx(50.0, abs=2.0)
    assert np.linalg.norm(imp.pos_ecef_m[0] - state.aim_ecef_m[0]) < 5.0
    assert imp.t_s[0] == pytest.approx(3.0 + 60_000.0 / 240.0, rel=0.02)
