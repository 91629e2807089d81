"""Flyout, guidance hand-over, closest approach and the ends of an engagement."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest

from amdsim.core.frames import LocalFrame
from amdsim.interceptors import Flyouts, advance, build_batteries, fire
from amdsim.interceptors.flyouts import MODE_MISSILE
from amdsim.interceptors.homing import closest_approach, hermite
from amdsim.interceptors.kinematics import InterceptorTable, gravity_mps2
from amdsim.scenario import load_catalog
from amdsim.tracking.batches import Tracks

FRAME = LocalFrame(31.5, 34.6, 0.0)


def _catalog(**tamir_update: float) -> NS:
    cat = load_catalog()
    inter = dict(cat.interceptors)
    inter["tamir"] = inter["tamir"].model_copy(update=tamir_update)
    return NS(systems=cat.systems, interceptors=inter)


def _scenario(system: str = "iron_dome") -> NS:
    b = NS(name="B", system=system, lat_deg=31.5, lon_deg=34.6, alt_m=0.0, radars=None,
           launchers=None, inventory=None, engage_threshold=None)  # fmt: skip
    return NS(batteries=[b], radars=[])


def _tracks(
    ids: np.ndarray, p: np.ndarray, v: np.ndarray, t: float, beta: float = np.nan
) -> Tracks:
    n = len(ids)
    return Tracks(np.asarray(ids, np.int64), np.hstack([p, v]), np.zeros((n, 6, 6)),
                  np.ones(n, np.int8), np.full(n, t), np.full(n, beta))  # fmt: skip


def _ballistic(p: np.ndarray, v: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    for _ in range(10):
        h = dt / 10
        pm, vm = p + v * h / 2, v + gravity_mps2(p) * h / 2
        p, v = p + vm * h, v + gravity_mps2(pm) * h
    return p, v


def _run(cat, p, v, *, ballistic=True, drop_track_after=None, remove_truth_after=None,
         system="iron_dome", rounds=1, t_end=200.0, seed=1):  # type: ignore[no-untyped-def]  # fmt: skip
    b = build_batteries(_scenario(system), cat, FRAME)
    f = Flyouts.empty(b.table)
    rng = np.random.Generator(np.random.PCG64(seed))
    t, dt = 0.0, 0.1
    tr = _tracks([7], p, v, t, 1000.0 if ballistic else np.nan)
    b, f, ev0 = fire(b, f, np.array([0]), np.array([7]), np.array([rounds]), t, tr)
    events = [ev0]
    while len(f) and t < t_end:
        if ballistic:
            p, v = _ballistic(p, v, dt)
        else:
            p = p + v * dt
        held = drop_track_after is None or t < drop_track_after
        tr = _tracks(
            [7] if held else [],
            p if held else np.empty((0, 3)),
            v if held else np.empty((0, 3)),
            t + dt,
        )
        gone = remove_truth_after is not None and t >= remove_truth_after
        ids = np.array([], np.int64) if gone else np.array([42])
        f, _out, ev = advance(f, t, dt, tr, ids, p[: len(ids)], v[: len(ids)], rng)
        events.append(ev)
        t += dt
    from amdsim.core.events import EventBatch

    return EventBatch.concat(events), f


def test_empty_batch() -> None:
    tab = InterceptorTable.from_types({})
    f, out, ev = advance(Flyouts.empty(tab), 0.0, 0.1, _tracks([], np.empty((0, 3)), np.empty((0, 3)), 0.0),
                         np.empty(0, np.int64), np.empty((0, 3)), np.empty((0, 3)), np.random.default_rng(0))  # fmt: skip
    assert len(f) == 0 and len(out) == 0 and len(ev) == 0


def test_closest_approach_matches_linear_motion() -> None:
    rng = np.random.default_rng(0)
    r0 = rng.normal(size=(20, 3)) * 100
    w = rng.normal(size=(20, 3)) * 1000
    h = 0.2
    _s, d = closest_approach(r0, w, r0 + w * h, w, h)
    t_star = np.clip(-np.einsum("ij,ij->i", r0, w) / np.einsum("ij,ij->i", w, w), 0, h)
    d_ref = np.linalg.norm(r0 + w * t_star[:, None], axis=1)
    np.testing.assert_allclose(d, d_ref, atol=0.01)  # m, over a 200-m-per-step relative motion
    assert np.all(d >= d_ref - 1e-9)


def test_hermite_reproduces_cubic() -> None:
    c = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0], [0.2, 0.0, 2.0], [-0.5, 0.3, 0.1]])

    def p(t: float) -> np.ndarray:
        return c[0] + c[1] * t + c[2] * t**2 + c[3] * t**3

    def v(t: float) -> np.ndarray:
        return c[1] + 2 * c[2] * t + 3 * c[3] * t**2

    dt = 2.0
    pos, vel = hermite(p(0)[None], v(0)[None], p(dt)[None], v(dt)[None], dt, 0.3)
    np.testing.assert_allclose(pos[0], p(0.6), atol=1e-12)
    np.testing.assert_allclose(vel[0], v(0.6), atol=1e-12)


def test_kill_against_ballistic_rocket_with_perfect_track() -> None:
    cat = _catalog(pk=1.0)
    ev, f = _run(cat, np.array([[20000.0, 3000.0, 5000.0]]), np.array([[-500.0, 0.0, -100.0]]))
    assert len(f) == 0
    launch = ev.kind == "interceptor_launch"
    assert launch.sum() == 1 and ev.cost_usd[launch][0] == 50000.0
    hit = ev.kind == "intercept"
    assert hit.sum() == 1
    assert ev.threat_id[hit][0] == 42 and ev.track_id[hit][0] == 7 and ev.battery_id[hit][0] == 0
    assert ev.interceptor_id[hit][0] == ev.interceptor_id[launch][0]
    assert 0.0 <= ev.p[hit][0] <= 5.0  # miss distance within the lethal radius (m)


def test_seeker_hands_over_to_truth_when_the_track_is_dropped() -> None:
    """Midcourse keeps the last track prediction; the seeker then locks on the real threat."""
    cat = _catalog(pk=1.0)
    ev, _ = _run(cat, np.array([[15000.0, 0.0, 3000.0]]), np.array([[-300.0, 0.0, 0.0]]),
                 ballistic=False, drop_track_after=5.0)  # fmt: skip
    assert (ev.kind == "intercept").sum() == 1


def test_pk_zero_is_a_logged_miss_within_lethal_radius() -> None:
    ev, _ = _run(
        _catalog(pk=0.0), np.array([[20000.0, 3000.0, 5000.0]]), np.array([[-500.0, 0.0, -100.0]])
    )
    miss = ev.kind == "miss"
    assert miss.sum() == 1 and "Pk" in ev.reason[miss][0] and ev.p[miss][0] <= 5.0


def test_target_running_away_is_a_miss_never_nan() -> None:
    """A target flying away faster than the round: zero closing speed or exhausted, no NaN."""
    ev, _ = _run(
        _catalog(),
        np.array([[5000.0, 0.0, 3000.0]]),
        np.array([[3000.0, 0.0, 0.0]]),
        ballistic=False,
    )
    miss = ev.kind == "miss"
    assert miss.sum() == 1
    assert ev.reason[miss][0] in {"zero closing speed", "fuel/time exhausted (too slow after burnout)",
                                  "fuel/time exhausted (flight time limit)"}  # fmt: skip
    assert np.isfinite([ev.x_m[miss][0], ev.y_m[miss][0], ev.z_m[miss][0]]).all()


def test_target_gone_after_lock() -> None:
    ev, _ = _run(_catalog(), np.array([[6000.0, 0.0, 2000.0]]), np.array([[-200.0, 0.0, 0.0]]),
                 ballistic=False, remove_truth_after=6.5)  # fmt: skip
    miss = ev.kind == "miss"
    assert (
        miss.sum() == 1 and ev.reason[miss][0] == "target no longer flying (destroyed or impacted)"
    )


def test_target_behind_at_acquisition() -> None:
    tab = InterceptorTable.from_types({"tamir": load_catalog().interceptors["tamir"]})
    one = lambda x: np.array([x])  # noqa: E731
    f = Flyouts(tab, one(1), one(0), one(0), np.array([MODE_MISSILE], np.int8), one(7), one(-1),
                np.array([[0.0, 0.0, 1000.0]]), np.array([[600.0, 0.0, 0.0]]), one(-10.0),
                np.array([[-1000.0, 0.0, 1000.0]]), np.zeros((1, 3)), np.zeros(1, bool),
                one(np.inf), one(np.nan), one(np.inf), one(0.0))  # fmt: skip
    tr = _tracks([7], np.array([[-1000.0, 0.0, 1000.0]]), np.zeros((1, 3)), 0.0)
    _, out, ev = advance(f, 0.0, 0.1, tr, one(42), np.array([[-1000.0, 0.0, 1000.0]]), np.zeros((1, 3)),
                         np.random.default_rng(0))  # fmt: skip
    assert ev.kind.tolist() == ["miss"] and ev.reason[0] == "target behind at seeker acquisition"
    assert len(out.killed_threat_id) == 0 and out.resolved_interceptor_id.tolist() == [1]


def test_unreachable_target_exhausts_fuel_or_time() -> None:
    """A stationary point 60 km up cannot be reached within a 30 s self-destruct time."""
    cat = _catalog(max_flight_time_s=30.0)
    ev, _ = _run(cat, np.array([[5000.0, 0.0, 60000.0]]), np.zeros((1, 3)), ballistic=False)
    miss = ev.kind == "miss"
    assert miss.sum() == 1 and ev.reason[miss][0].startswith("fuel/time exhausted")


@pytest.mark.parametrize("seed", [0, 1])
def test_same_seed_same_events(seed: int) -> None:
    args = (np.array([[20000.0, 3000.0, 5000.0]]), np.array([[-500.0, 0.0, -100.0]]))
    a, _ = _run(_catalog(), *args, rounds=2, seed=seed)
    b, _ = _run(_catalog(), *args, rounds=2, seed=seed)
    for k, col in a.columns().items():
        assert np.array_equal(col, b.columns()[k]) or (
            col.dtype == float and np.allclose(col, b.columns()[k], equal_nan=True)
        )
