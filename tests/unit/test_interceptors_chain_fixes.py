"""Engagement timing fixes found end to end (tests/scenarios/test_chain_invariants.py):
a track correction must not end a fresh round, guns and lasers hold fire until the threat is
in their envelope, and fire orders predict ballistic tracks with drag."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest
from ambiance import Atmosphere
from scipy.integrate import solve_ivp

from amdsim.core.constants import G0_MPS2
from amdsim.core.frames import LocalFrame
from amdsim.interceptors import Flyouts, advance, build_batteries, envelope_for, fire
from amdsim.interceptors.prediction import predict_path
from amdsim.scenario import load_catalog
from amdsim.tracking.batches import Tracks

FRAME = LocalFrame(31.5, 34.6, 0.0)


def _scenario(system: str) -> NS:
    b = NS(name="B", system=system, lat_deg=31.5, lon_deg=34.6, alt_m=0.0, radars=None,
           launchers=None, inventory=None, engage_threshold=None)  # fmt: skip
    return NS(batteries=[b], radars=[])


def _track(p: np.ndarray, v: np.ndarray, t: float, beta: float = np.nan) -> Tracks:
    return Tracks(np.array([7], np.int64), np.hstack([p, v])[None], np.zeros((1, 6, 6)),
                  np.ones(1, np.int8), np.full(1, t), np.full(1, beta))  # fmt: skip


def test_a_track_correction_does_not_end_a_fresh_round() -> None:
    """Case from preset:default (seed 1, round 0): a rocket track whose speed was
    over-estimated by 30 m/s is corrected 0.4 s after launch; the aim jumped back ~40 m and the
    round used to report "passed the predicted track point without seeker acquisition" 0.3 s
    after launch, 4 km from the rocket. It must keep flying."""
    b = build_batteries(_scenario("iron_dome"), load_catalog(), FRAME)
    f = Flyouts.empty(b.table)
    rng = np.random.default_rng(0)
    # geometry relative to the launcher (ENU m, m/s), times shifted by -10 s
    truth_p, truth_v = np.array([-4090.0, -1698.0, 229.0]), np.array([408.5, 23.7, 10.1])
    old = _track(np.array([-4289.0, -1710.0, 242.0]), np.array([437.3, 23.8, 35.2]), 0.0, 17000.0)
    b, f, ev = fire(b, f, np.array([0]), np.array([7]), np.array([1]), 0.6, old)
    assert (ev.kind == "interceptor_launch").sum() == 1
    t, dt = 0.6, 0.1
    ends = []
    while t < 2.0 - 1e-9:
        t1 = t + dt
        p1 = truth_p + truth_v * (t1 - 0.6)
        tracks = old if t1 < 1.0 - 1e-9 else _track(truth_p + truth_v * 0.4, truth_v, 1.0, 17000.0)
        f, _out, ev = advance(f, t, dt, tracks, np.array([42]), p1[None], truth_v[None], rng)
        ends.extend(ev.reason.tolist())
        t = t1
    assert ends == [] and len(f) == 1, ends


def test_gun_holds_fire_until_the_threat_is_in_reach() -> None:
    """A mortar bomb 4.7 km out (C-RAM reaches 1.5 km): the burst is timed for the point
    where the predicted path is inside the envelope with a useful Pk, not fired at once."""
    cat = load_catalog()
    b = build_batteries(_scenario("c_ram"), cat, FRAME)
    p, v = np.array([4000.0, 0.0, 2500.0]), np.array([-200.0, 0.0, -60.0])
    tr = _track(p, v, 0.0)
    b, f, _ = fire(b, Flyouts.empty(b.table), np.array([0]), np.array([7]), np.array([1]), 0.0, tr)
    t_res = float(f.t_resolve_s[0])
    at = predict_path(p, v, True, np.array([0.0, t_res]))[1]
    sys = cat.systems["c_ram"]
    # closed form: z(t) = 2500 - 60 t - g t^2 / 2, x(t) = 4000 - 200 t
    assert at[0] == pytest.approx(4000.0 - 200.0 * t_res, abs=1e-6)
    assert at[2] == pytest.approx(2500.0 - 60.0 * t_res - 0.5 * G0_MPS2 * t_res**2, abs=1e-6)
    slant = float(np.linalg.norm(at))
    assert slant <= sys.max_range_m and at[2] >= sys.min_alt_m
    assert t_res > 10.0  # the bomb needs > 10 s to come within 1.5 km
    assert 0.0 < f.pk[0] <= max(sys.pk_burst or [0.0])
    # the old behaviour (fire now) would have resolved after burst + 4.7 km / 1000 m/s < 7 s
    gun = envelope_for("c_ram", cat)
    assert np.isnan(gun.time_of_flight(np.hypot(p[0], p[1]), p[2]))


def test_laser_dwell_ends_when_the_threat_is_in_reach() -> None:
    cat = load_catalog()
    b = build_batteries(_scenario("iron_beam"), cat, FRAME)
    sys = cat.systems["iron_beam"]
    r0 = sys.max_range_m + 3000.0
    p, v = np.array([r0, 0.0, 500.0]), np.array([-200.0, 0.0, 0.0])
    b, f, _ = fire(
        b,
        Flyouts.empty(b.table),
        np.array([0]),
        np.array([7]),
        np.array([1]),
        5.0,
        _track(p, v, 5.0),
    )
    t_res = float(f.t_resolve_s[0])
    x = r0 - 200.0 * (t_res - 5.0)
    assert np.hypot(x, 500.0) <= sys.max_range_m + 1.0
    assert t_res - 5.0 >= 3000.0 / 200.0 - 0.5  # not before the drone is in range


def test_gun_envelope_has_no_zero_pk_engagements() -> None:
    """Inside the ground-range / altitude box but beyond the Pk table's slant range: no
    engagement (time of flight NaN) rather than a zero-Pk one."""
    gun = envelope_for("c_ram", load_catalog())
    r, z = np.array([1400.0, 500.0]), np.array([1000.0, 200.0])
    tof = gun.time_of_flight(r, z)
    pk = gun.single_shot_pk(r, z)
    assert np.isnan(tof[0]) and pk[0] == 0.0
    assert np.isfinite(tof[1]) and pk[1] > 0.0


def test_predict_path_with_drag_matches_an_independent_integration() -> None:
    """Reference: scipy's RK45 (rtol 1e-10) of dv/dt = g - rho |v| v / (2 beta) with the
    USSA76 density of the ``ambiance`` package (an implementation independent of ours)."""
    beta = 2000.0
    p0, v0 = np.array([0.0, 0.0, 3000.0]), np.array([500.0, 100.0, 200.0])

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        rho = float(Atmosphere(max(y[2], 0.0)).density[0])
        v = y[3:]
        a = np.array([0.0, 0.0, -G0_MPS2]) - rho * np.linalg.norm(v) * v / (2.0 * beta)
        return np.concatenate([v, a])

    tau = np.linspace(0.0, 30.0, 301)
    ref = solve_ivp(rhs, (0.0, 30.0), np.concatenate([p0, v0]), t_eval=tau, rtol=1e-10, atol=1e-6)
    path = predict_path(p0, v0, True, tau, beta_kg_m2=beta)
    err = np.linalg.norm(path - ref.y[:3].T, axis=1)
    assert err.max() < 1.0  # m, after ~14 km of flight
    # and drag matters here: the vacuum parabola is off by hundreds of metres
    vac = predict_path(p0, v0, True, tau)
    assert np.linalg.norm(vac[-1] - ref.y[:3, -1]) > 500.0
