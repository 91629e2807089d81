"""Radars -> tracker -> scorer on a small fixed-seed raid (no engine).

Rockets in ballistic flight with drag (truth from the ballistic model with a fine step) and
a slow drone, one EL/M-2084-class and one AN/MPQ-65-class radar from the built-in catalog;
the IMM tracker of :func:`build_tracker` must hold every object; same seed, same result.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from amdsim.core.frames import LocalFrame
from amdsim.scenario import load_catalog
from amdsim.sensors import build_radars
from amdsim.tracking import TrackScorer, build_tracker
from amdsim.tracking.models import BallisticDrag, ConstantVelocity

FRAME = LocalFrame(31.5, 34.6, 0.0)


def _truth_step(x_ball: np.ndarray, x_cv: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    ball = BallisticDrag(
        max_step_s=0.05, gravity_mps2=lambda p: np.tile([0.0, 0.0, -9.80665], (p.shape[0], 1))
    )
    return ball.propagate_points(
        x_ball, np.full(x_ball.shape[0], dt)
    ), ConstantVelocity().propagate(x_cv, np.full(x_cv.shape[0], dt))[0]


def _run(seed: int):
    catalog = load_catalog()
    scen = SimpleNamespace(
        radars=[
            SimpleNamespace(
                name="MMR",
                type="elm2084",
                lat_deg=31.5,
                lon_deg=34.6,
                alt_m=50.0,
                boresight_az_rad=0.0,
            ),
            SimpleNamespace(
                name="MPQ",
                type="mpq65",
                lat_deg=31.45,
                lon_deg=34.65,
                alt_m=50.0,
                boresight_az_rad=np.radians(220.0),
            ),
        ]
    )
    net = build_radars(scen, catalog, FRAME)
    rngs = {f"radar/{r.name}": np.random.default_rng([seed, i]) for i, r in enumerate(net.radars)}
    tracker = build_tracker(scen, catalog, FRAME)
    # three rockets launched from ~40 km south-west towards the origin, beta ~ 4000 kg/m^2
    x_ball = np.array(
        [
            [-30e3, -30e3, 8e3, 420.0, 420.0, 500.0, 1 / 4000],
            [-32e3, -28e3, 9e3, 430.0, 400.0, 450.0, 1 / 5000],
            [-28e3, -33e3, 7e3, 400.0, 450.0, 520.0, 1 / 3000],
        ]
    )
    x_cv = np.array([[-20e3, -10e3, 1500.0, 40.0, 20.0, 0.0]])  # drone, 45 m/s
    ids = np.arange(4)
    rcs = np.array([0.02, 0.02, 0.02, 0.05])
    tracks = tracker.initial()
    scorer = TrackScorer(c_m=1000.0)
    events = []
    dt = 0.1
    for k in range(250):
        t = k * dt
        pos = np.vstack([x_ball[:, :3], x_cv[:, :3]])
        vel = np.vstack([x_ball[:, 3:6], x_cv[:, 3:6]])
        det, ev1 = net.detect(t, dt, ids, pos, vel, rcs, rngs)
        x_ball, x_cv = _truth_step(x_ball, x_cv, dt)
        tracks, ev2 = tracker.update(tracks, det, t + dt)
        events += [ev1, ev2]
        if k >= 100 and k % 10 == 9:
            scorer.update(
                t + dt,
                ids,
                np.vstack([x_ball[:, :3], x_cv[:, :3]]),
                np.vstack([x_ball[:, 3:6], x_cv[:, 3:6]]),
                tracks,
            )
    return tracks, scorer.summary(), events


def test_pipeline_tracks_every_object_and_is_repeatable() -> None:
    tracks, summary, events = _run(seed=3)
    assert summary["missed_truth_fraction"]["value"] < 0.05
    assert summary["position_rmse"]["value"] < 150.0  # m, MMR cross-range sigma ~ 0.2 deg x 40 km
    assert summary["false_tracks"]["value"] <= 1
    assert summary["track_breaks"]["value"] == 0
    assert tracks.confirmed.sum() >= 4
    kinds = np.concatenate([e.kind for e in events])
    assert np.sum(kinds == "track_init") >= 4 and np.sum(kinds == "detect") > 100
    tracks2, summary2, _ = _run(seed=3)
    assert np.array_equal(tracks.state, tracks2.state) and summary == summary2
