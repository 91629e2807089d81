"""Battle-management fast paths against their references.

- the Numba feasibility kernels against the dense NumPy reference (identical results);
- the Numba hit-probability quadrature against ``DefendedAreas.contains`` (identical);
- the coarse-step unscented transform (control variate) against the fine-step one;
- the impact kernel's gravity is the threat flight's (``physics.eom``), bit for bit;
- a reserved track whose "engaged" decision is already logged is not assessed, and that
  changes nothing in the plan, the events or the reservations.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from amdsim.battle import BatteryView, BattleManager, BattleSettings, engagement_feasibility
from amdsim.battle._impact_kernel import _accel
from amdsim.battle.batches import Assessment
from amdsim.battle.impact import ImpactPredictor, Prediction
from amdsim.core.areas import DefendedAreas
from amdsim.core.constants import OMEGA_EARTH_RADPS
from amdsim.core.frames import LocalFrame
from amdsim.physics.eom import accel_scalar
from amdsim.tracking.batches import Tracks

FRAME = LocalFrame(31.5, 34.6, 0.0)
SQUARE = np.array([[-1000.0, 19000.0], [1000.0, 19000.0], [1000.0, 21000.0], [-1000.0, 21000.0]])
TRIANGLE = np.array([[5000.0, 5000.0], [9000.0, 5000.0], [7000.0, 9000.0]])
AREAS = DefendedAreas(
    np.array(["City", "Base", "Port"], object), np.array([100.0, 50.0, 20.0]),
    np.array([[10000.0, 0.0], [0.0, 20000.0], [7000.0, 6333.0]]),
    np.array([3000.0, np.nan, np.nan]), (None, SQUARE, TRIANGLE),
)  # fmt: skip


class _BoxEnvelope:
    """Test double: average speed ``speed_mps`` inside a range/altitude box."""

    def __init__(self, speed_mps: float, max_range_m: float, pk: float) -> None:
        self.speed, self.max_range, self.pk = speed_mps, max_range_m, pk

    def time_of_flight(self, r: np.ndarray, z: np.ndarray) -> np.ndarray:
        r, z = np.broadcast_arrays(np.asarray(r, float), np.asarray(z, float))
        ok = (r <= self.max_range) & (z >= 0.0) & (z <= 8000.0)
        return np.where(ok, np.hypot(r, z) / self.speed, np.nan)

    def single_shot_pk(self, r: np.ndarray, z: np.ndarray) -> np.ndarray:
        t = self.time_of_flight(r, z)
        return np.where(np.isfinite(t), self.pk * (1.0 - 0.5 * np.asarray(r) / self.max_range), 0.0)


def _random_prediction(rng: np.random.Generator, n: int, s: int = 24) -> Prediction:
    t0 = rng.uniform(0.0, 5.0, n)
    dt = rng.uniform(0.5, 3.0, n)
    path_t = t0[:, None] + dt[:, None] * np.arange(s)[None, :]
    start = rng.uniform(-30_000.0, 30_000.0, (n, 2))
    vel = rng.uniform(-400.0, 400.0, (n, 2))
    tt = path_t - t0[:, None]
    z = np.maximum(rng.uniform(2000.0, 9000.0, n)[:, None] - 4.9 * tt**2 / 10.0, -10.0)
    path = np.stack(
        [start[:, None, 0] + vel[:, None, 0] * tt, start[:, None, 1] + vel[:, None, 1] * tt, z], -1
    )
    land = rng.integers(4, s + 1, n)  # samples after landing are NaN
    gone = np.arange(s)[None, :] >= land[:, None]
    path[gone] = np.nan
    path_t = np.where(gone, np.nan, path_t)
    t_imp = np.where(rng.random(n) < 0.9, t0 + dt * (land - 1), np.inf)
    a = Assessment(
        np.arange(n), np.zeros((n, 2)), np.zeros((n, 2, 2)), t_imp, np.zeros((n, 1)), np.ones(n)
    )
    return Prediction(a, np.ones(n, bool), path, path_t)


def _batteries(rng: np.random.Generator, b: int) -> BatteryView:
    return BatteryView(
        pos_m=np.column_stack([rng.uniform(-20_000, 20_000, (b, 2)), rng.uniform(0, 100, b)]),
        envelope=rng.integers(0, 4, b), tier=np.zeros(b, np.int64),
        engage_threshold=np.full(b, 0.1), reaction_s=rng.uniform(1.0, 4.0, b),
        ready_rounds=np.full(b, 4), spare_rounds=np.zeros(b, np.int64),
        free_channels=np.full(b, 2), cost_usd=np.full(b, 1e5),
        min_range_m=np.full(b, 500.0), max_range_m=rng.uniform(5_000.0, 40_000.0, b),
        min_alt_m=np.full(b, 50.0), max_alt_m=np.full(b, 8_000.0),
    )  # fmt: skip


@pytest.mark.parametrize(("n", "b"), [(0, 3), (1, 1), (1, 5), (40, 7), (200, 20)])
def test_feasibility_kernel_matches_numpy_reference(n, b):
    rng = np.random.default_rng(100 + n + b)
    pred, bat = _random_prediction(rng, n), _batteries(rng, b)
    fast_env, slow_env = _BoxEnvelope(900.0, 30_000.0, 0.9), _BoxEnvelope(400.0, 8_000.0, 0.7)
    # four envelope indices, two objects: batteries of one type share an envelope object
    envelopes = [fast_env, slow_env, fast_env, slow_env]
    for rows in (None, np.arange(n)[::3]):
        kw = {"rows": rows}
        got = engagement_feasibility(pred, bat, envelopes, 2.0, 0.5, **kw)
        ref = engagement_feasibility(pred, bat, envelopes, 2.0, 0.5, method="numpy", **kw)
        for f in dataclasses.fields(got):
            np.testing.assert_array_equal(getattr(got, f.name), getattr(ref, f.name), f.name)
    if n >= 40:
        assert ref.ok.any() and (~ref.ok).any()  # the comparison covers both outcomes


def test_feasibility_rejects_unknown_method():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="method"):
        engagement_feasibility(
            _random_prediction(rng, 2), _batteries(rng, 2), [], 0.0, 0.5, method="x"
        )


@pytest.mark.parametrize("n", [0, 1, 500])
def test_p_hit_kernel_matches_numpy_reference(n):
    rng = np.random.default_rng(n)
    pred = ImpactPredictor(FRAME, AREAS)
    mean = rng.uniform(-5000.0, 25000.0, (n, 2))
    if n > 5:
        mean[3] = np.nan
        mean[5, 1] = np.inf
        mean[7] = TRIANGLE[0]  # on a vertex
    root = rng.normal(0.0, 1500.0, (n, 2, 2))
    cov = root @ np.swapaxes(root, 1, 2)
    got = pred._p_hit_gauss(mean, cov)
    ref = pred._p_hit_gauss(mean, cov, method="numpy")
    np.testing.assert_array_equal(got, ref)
    if n > 5:
        assert (ref > 0).any() and (ref[3] == 0).all()


def _rocket_tracks(n: int, rng: np.random.Generator) -> Tracks:
    """Rockets in flight towards the defended areas (a few km up, 20-60 km to go)."""
    pos = np.column_stack(
        [rng.uniform(-30e3, -10e3, n), rng.uniform(-5e3, 5e3, n), rng.uniform(2e3, 12e3, n)]
    )
    vel = np.column_stack(
        [rng.uniform(300, 700, n), rng.uniform(-50, 50, n), rng.uniform(-300, 200, n)]
    )
    sig = np.diag([40.0, 40.0, 40.0, 8.0, 8.0, 8.0]) ** 2
    cov = np.tile(sig, (n, 1, 1))
    beta = rng.choice([np.nan, 800.0, 3000.0], n)
    return Tracks(np.arange(n), np.hstack([pos, vel]), cov, np.ones(n, np.int8), np.zeros(n), beta)


def test_coarse_step_unscented_transform_matches_fine_step():
    """Sigma points at a sixth of the steps, with the control variate on the nominal, give
    the impact mean within 0.25 m and the spread within 0.1 % of sigma points at the
    nominal's step (0.14 m and 0.03 % here; without the control variate the mean is 0.65 m
    off). On the 5,000-rocket raid (docs/battle.md): mean within 0.01 m median and 7 m worst,
    the fine-step nominal's own error against a 192-step reference; spread within 0.2 %."""
    rng = np.random.default_rng(7)
    n = 60
    pos = np.column_stack(
        [rng.uniform(-60e3, -30e3, n), rng.uniform(-5e3, 5e3, n), rng.uniform(10e3, 30e3, n)]
    )
    vel = np.column_stack(
        [rng.uniform(600, 1100, n), rng.uniform(-50, 50, n), rng.uniform(-400, 300, n)]
    )
    cov = np.tile(np.diag([40.0, 40.0, 40.0, 8.0, 8.0, 8.0]) ** 2, (n, 1, 1))
    beta = rng.choice([1500.0, 3000.0, 8000.0], n)
    trk = Tracks(np.arange(n), np.hstack([pos, vel]), cov, np.ones(n, np.int8), np.zeros(n), beta)
    base = ImpactPredictor(FRAME, AREAS, screen_sigma=np.inf)
    assert base.ut_steps_to_ground < base.steps_to_ground
    fine = dataclasses.replace(base, ut_steps_to_ground=base.steps_to_ground)
    a, r = base.predict(trk).assessment, fine.predict(trk).assessment
    sd = np.sqrt(np.trace(r.impact_cov_m2, axis1=1, axis2=2))
    assert np.mean(np.abs(r.impact_cov_m2[:, 0, 1]) > 1.0) > 0.9  # the transform, not "rough"
    assert np.max(np.linalg.norm(a.impact_m - r.impact_m, axis=1)) < 0.25
    sd_a = np.sqrt(np.trace(a.impact_cov_m2, axis1=1, axis2=2))
    assert np.max(np.abs(sd_a / sd - 1.0)) < 0.001
    assert np.max(np.abs(a.t_impact_s - r.t_impact_s)) < 0.01
    assert np.max(np.abs(a.p_hit - r.p_hit)) <= 1.0 / base.n_quad
    assert (r.p_hit > 0).sum() >= 3


@pytest.mark.parametrize("j2", [True, False])
def test_impact_kernel_gravity_is_the_threat_flights(j2):
    rng = np.random.default_rng(3)
    for _ in range(20):
        r = FRAME.enu_to_ecef(rng.uniform([-5e4, -5e4, 0.0], [5e4, 5e4, 3e4]))
        v = rng.uniform(-800.0, 800.0, 3)
        got = _accel(*r, *v, 0.0, j2, OMEGA_EARTH_RADPS, 6.37e6)
        ref = accel_scalar(*r, *v, 1.0, 0.0, 0.0, 0, j2, OMEGA_EARTH_RADPS, False, False)
        assert got == ref


def test_reserved_engaged_tracks_are_not_assessed_and_nothing_changes(monkeypatch):
    """Run a few decision cycles twice: as is (reserved tracks whose "engaged" decision is
    logged are skipped) and with every track assessed; plans, events and state agree."""
    rng = np.random.default_rng(11)
    trk = _rocket_tracks(30, rng)
    trk = dataclasses.replace(trk, beta_kg_m2=np.full(30, np.nan))
    bat = BatteryView(
        pos_m=np.array([[0.0, 0.0, 0.0], [8000.0, 15000.0, 0.0]]), envelope=np.zeros(2, np.int64),
        tier=np.zeros(2, np.int64), engage_threshold=np.full(2, 0.05), reaction_s=np.full(2, 1.0),
        ready_rounds=np.full(2, 40), spare_rounds=np.zeros(2, np.int64),
        free_channels=np.full(2, 3), cost_usd=np.full(2, 1e5), min_range_m=np.full(2, 500.0),
        max_range_m=np.full(2, 60_000.0), min_alt_m=np.full(2, 10.0), max_alt_m=np.full(2, 1e4),
    )  # fmt: skip
    env = [_BoxEnvelope(1200.0, 60_000.0, 0.9)]

    def run(mgr: BattleManager) -> list:
        out, state, rows = [], None, []
        orig = mgr.predictor.predict

        def count(tracks, *a):
            rows.append(len(tracks))
            return orig(tracks, *a)

        object.__setattr__(
            mgr, "predictor", SimpleNamespace(predict=count, n_path=orig.__self__.n_path)
        )
        for k in range(4):
            t = float(k)
            moved = dataclasses.replace(trk, t_update_s=np.full(30, t))
            plan, ev, state = mgr.decide(t, moved, bat, env, state)
            out.append((plan, ev, state))
        return out, rows

    settings = BattleSettings(default_beta_kg_m2=2000.0)
    fast, rows_fast = run(BattleManager(settings, AREAS, FRAME))
    orig_assess = BattleManager.assess
    monkeypatch.setattr(
        BattleManager, "assess", lambda self, t, s=None, skip=None: orig_assess(self, t, s)
    )
    full, rows_full = run(BattleManager(settings, AREAS, FRAME))
    assert sum(rows_fast) < sum(rows_full)  # something was skipped
    assert len(fast[0][0]) > 0
    for (p1, e1, s1), (p2, e2, s2) in zip(fast, full):
        for a, b in ((p1, p2), (e1, e2)):
            for f in dataclasses.fields(a):
                x, y = getattr(a, f.name), getattr(b, f.name)
                if x.dtype == object:
                    assert x.tolist() == y.tolist()
                else:
                    np.testing.assert_array_equal(x, y, f.name)
        for f in ("res_track", "res_battery", "res_release_s", "dec_track", "dec_key"):
            np.testing.assert_array_equal(getattr(s1, f), getattr(s2, f))
