"""One suite over every filter x motion model x associator of the tracker.

Contract: empty input works; shapes are consistent; covariances symmetric positive definite;
track ids unique and never reused; three well-separated targets in free fall above the
atmosphere are each held by one confirmed track within tolerance; the result does not
depend on the truth ids in the detections (which the tracker must never read); same input,
same output.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from amdsim.sensors.batches import Detections
from amdsim.tracking import make_tracker

COMBOS = list(itertools.product(["cv", "ca", "ballistic", "imm"], ["ekf", "ukf"], ["gnn", "jpda"]))


def _scenario(seed: int = 0, n_scans: int = 12):
    """Three targets, 70-80 km up (negligible drag), free fall; 15 m noise, Pd 0.9, clutter."""
    rng = np.random.default_rng(seed)
    p0 = np.array([[0.0, 0, 80e3], [30e3, 0, 75e3], [0, 30e3, 70e3]])
    v0 = np.array([[500.0, 0, 100], [0, 600, 0], [-400, -300, 50]])
    g = np.array([0, 0, -9.80665])
    out = []
    for k in range(n_scans):
        t = float(k)
        truth = p0 + v0 * t + 0.5 * g * t * t
        seen = rng.random(3) < 0.9
        z = truth[seen] + rng.normal(0, 15.0, (int(seen.sum()), 3))
        fa = rng.uniform(-50e3, 50e3, (2, 3)) + np.array([0, 0, 75e3])
        pos = np.vstack([z, fa])
        n = pos.shape[0]
        tid = np.concatenate([np.flatnonzero(seen), [-1, -1]])
        nan = np.full(n, np.nan)
        out.append(
            (
                t,
                truth,
                Detections(
                    np.full(n, t),
                    np.zeros(n, np.int64),
                    nan,
                    nan,
                    nan,
                    pos,
                    np.tile(np.eye(3) * 225.0, (n, 1, 1)),
                    tid,
                ),
            )
        )
    return out


def _run(model, flt, assoc, scans, scramble_truth=False):
    tr = make_tracker(
        model, filter=flt, associator=assoc, q_cv_m2ps3=30.0, pd=0.9, clutter_density=1e-13
    )
    tracks = tr.initial()
    seen_ids: set[int] = set()
    dropped: set[int] = set()
    for t, _, det in scans:
        if scramble_truth:
            det = Detections(
                det.t_s,
                det.sensor,
                det.range_m,
                det.az_rad,
                det.el_rad,
                det.pos_m,
                det.cov_m2,
                np.random.default_rng(int(t)).integers(-5, 100, len(det)),
            )
        before = set(tracks.track_id.tolist())
        tracks, _ = tr.update(tracks, det, t)
        after = set(tracks.track_id.tolist())
        dropped |= before - after
        assert not (after & dropped), "track id reused"
        seen_ids |= after
        n, d = tracks.state.shape
        assert tracks.cov.shape == (n, d, d) and tracks.track_id.shape == (n,)
        assert len(np.unique(tracks.track_id)) == n
        assert np.allclose(tracks.cov, np.swapaxes(tracks.cov, 1, 2))
        if n:
            assert np.all(np.linalg.eigvalsh(tracks.cov) > 0)
        assert np.all(np.isfinite(tracks.state))
    return tracks


@pytest.mark.parametrize(("model", "flt", "assoc"), COMBOS)
def test_empty_input(model, flt, assoc) -> None:
    tr = make_tracker(model, filter=flt, associator=assoc)
    nan = np.empty(0)
    empty = Detections(
        nan,
        np.empty(0, np.int64),
        nan,
        nan,
        nan,
        np.empty((0, 3)),
        np.empty((0, 3, 3)),
        np.empty(0, np.int64),
    )
    tracks, ev = tr.update(tr.initial(), empty, 5.0)
    assert len(tracks) == 0 and len(ev) == 0
    assert tr.predict(tracks, 6.0).state.shape == (0, tr.dim)


@pytest.mark.parametrize(("model", "flt", "assoc"), COMBOS)
def test_tracks_three_targets(model, flt, assoc) -> None:
    scans = _scenario()
    tracks = _run(model, flt, assoc, scans)
    truth = scans[-1][1]
    conf = tracks.pos_m[tracks.confirmed]
    assert conf.shape[0] == 3
    d = np.linalg.norm(conf[:, None, :] - truth[None, :, :], axis=2)
    assert np.all(d.min(axis=0) < 100.0)  # m: every target held


@pytest.mark.parametrize(("model", "flt", "assoc"), COMBOS[::3])
def test_truth_ids_are_never_read_and_runs_repeat(model, flt, assoc) -> None:
    scans = _scenario(seed=1)
    a = _run(model, flt, assoc, scans)
    b = _run(model, flt, assoc, scans, scramble_truth=True)
    assert np.array_equal(a.track_id, b.track_id) and np.array_equal(a.state, b.state)
