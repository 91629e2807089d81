"""Tracker behaviour: M-of-N confirmation, deletion, drop, fusion, IMM, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.core.errors import NumericalFault
from amdsim.sensors.batches import Detections
from amdsim.tracking import Tracks, make_tracker
from amdsim.tracking.models import BallisticDrag


def dets(t: float, pos, sigma: float = 10.0, sensor: int = 0, truth=None) -> Detections:
    pos = np.asarray(pos, float).reshape(-1, 3)
    n = pos.shape[0]
    nan = np.full(n, np.nan)
    tid = np.full(n, -1, np.int64) if truth is None else np.asarray(truth, np.int64)
    return Detections(
        np.full(n, t),
        np.full(n, sensor, np.int64),
        nan,
        nan,
        nan,
        pos,
        np.tile(np.eye(3) * sigma**2, (n, 1, 1)),
        tid,
    )


def kinds(ev) -> list[str]:
    return ev.kind.tolist()


def test_m_of_n_confirmation_and_miss_deletion() -> None:
    tr = make_tracker("cv", confirm_m=3, confirm_n=4, max_misses=4, max_coast_s=100.0)
    tracks = tr.initial()
    log = []
    for k in range(3):
        tracks, ev = tr.update(tracks, dets(k, [100.0 * k, 0, 1000]), float(k))
        log.append(kinds(ev))
    assert log == [[], [], ["track_init"]]
    assert tracks.confirmed.sum() == 1 and tracks.track_id.tolist() == [0]
    # scans keep coming (a far clutter point) but the target is no longer seen
    drops = []
    for k in range(3, 9):
        tracks, ev = tr.update(tracks, dets(k, [9e5, 9e5, 1000]), float(k))
        drops += [(k, r) for kd, r in zip(ev.kind, ev.reason, strict=True) if kd == "track_drop"]
    assert drops == [(6, "misses")]  # 4th consecutive miss (scans 3, 4, 5, 6)


def test_tentative_track_dies_when_m_of_n_is_out_of_reach() -> None:
    tr = make_tracker("cv", confirm_m=3, confirm_n=4)
    tracks, _ = tr.update(tr.initial(), dets(0.0, [0, 0, 1000]), 0.0)
    for k in (1, 2):  # two counted misses: 1 hit of 3 scans, 3-of-4 impossible
        tracks, ev = tr.update(tracks, dets(k, [5e5, 0, 1000]), float(k))
        assert "track_drop" not in kinds(ev)  # tentative tracks go silently
    assert 0 not in tracks.track_id.tolist()


def test_coast_deletion_without_any_scan_and_predict() -> None:
    tr = make_tracker("cv", confirm_m=2, confirm_n=2, max_coast_s=5.0)
    tracks = tr.initial()
    for k in range(3):
        tracks, _ = tr.update(tracks, dets(k, [200.0 * k, 0, 1000]), float(k))
    pred = tr.predict(tracks, 4.0)
    assert pred.pos_m[0, 0] == pytest.approx(800.0, abs=30.0)
    assert np.all(
        np.diagonal(pred.cov, axis1=1, axis2=2) > np.diagonal(tracks.cov, axis1=1, axis2=2)
    )
    tracks, ev = tr.update(tracks, dets(0, np.empty((0, 3))), 7.5)
    assert kinds(ev) == ["track_drop"] and ev.reason.tolist() == ["coast"] and len(tracks) == 0


def test_drop_removes_and_reports_confirmed() -> None:
    tr = make_tracker("cv", confirm_m=2, confirm_n=2)
    tracks = tr.initial()
    for k in range(2):
        tracks, _ = tr.update(tracks, dets(k, [[0, 100.0 * k, 1000], [5e4, 0, 1000]]), float(k))
    tracks, _ = tr.update(tracks, dets(2, [[0, 200.0, 1000], [5e4, 0, 1000], [-5e4, 0, 0]]), 2.0)
    assert tracks.status.tolist() == [1, 1, 0]
    out, ev = tr.drop(tracks, np.array([0, 2]), 2.0, reason="killed")
    assert (
        out.track_id.tolist() == [1]
        and ev.track_id.tolist() == [0]
        and ev.reason.tolist() == ["killed"]
    )
    assert out.next_id == tracks.next_id == 3


def test_two_radars_fuse_into_one_track() -> None:
    rng = np.random.default_rng(0)
    tr = make_tracker("cv", confirm_m=3, confirm_n=4)
    tracks = tr.initial()
    for k in range(10):
        truth = np.array([150.0 * k, 50.0 * k, 3000.0])
        d = [
            dets(k, truth + rng.normal(0, 20, 3), 20.0, sensor=0),
            dets(k + 0.3, truth + np.array([45, 15, 0]) + rng.normal(0, 20, 3), 20.0, sensor=1),
        ]
        allp = np.vstack([x.pos_m for x in d])
        batch = Detections(
            np.concatenate([x.t_s for x in d]),
            np.concatenate([x.sensor for x in d]),
            *(np.full(2, np.nan),) * 3,
            allp,
            np.concatenate([x.cov_m2 for x in d]),
            np.full(2, -1),
        )
        tracks, _ = tr.update(tracks, batch, k + 0.5)
    assert tracks.confirmed.sum() == 1 and len(tracks) == 1
    assert tracks.sensors[0] == 0b11
    single = make_tracker("cv")
    t1 = single.initial()
    for k in range(10):
        t1, _ = single.update(t1, dets(k, [150.0 * k, 50.0 * k, 3000.0], 20.0), k + 0.5)
    assert np.trace(tracks.cov[0, :3, :3]) < np.trace(t1.cov[0, :3, :3])


def _ballistic_truth(n_steps: int, beta: float) -> np.ndarray:
    model = BallisticDrag(max_step_s=0.02)
    x = np.array([[0.0, 0.0, 30000.0, 800.0, 0.0, -400.0, 1.0 / beta]])
    out = []
    for _ in range(n_steps):
        out.append(x[0, :6].copy())
        x = model.propagate_points(x, np.array([1.0]))
    return np.array(out)


def test_imm_prefers_ballistic_mode_and_estimates_beta() -> None:
    rng = np.random.default_rng(5)
    beta = 3000.0
    truth = _ballistic_truth(45, beta)  # 30 km down to ~6 km: drag builds up
    tr = make_tracker("imm", q_cv_m2ps3=10.0)
    tracks = tr.initial()
    for k, s in enumerate(truth):
        tracks, _ = tr.update(tracks, dets(k, s[:3] + rng.normal(0, 10, 3)), float(k))
    assert len(tracks) == 1 and tracks.confirmed[0]
    assert tracks.mode_prob[0, 1] > 0.8
    assert tracks.beta_kg_m2[0] == pytest.approx(beta, rel=0.25)
    assert np.linalg.norm(tracks.pos_m[0] - truth[-1, :3]) < 60.0


def test_imm_prefers_cv_for_level_flight() -> None:
    rng = np.random.default_rng(6)
    tr = make_tracker("imm")
    tracks = tr.initial()
    for k in range(30):
        tracks, _ = tr.update(
            tracks, dets(k, np.array([60.0 * k, 0, 500.0]) + rng.normal(0, 10, 3)), float(k)
        )
    assert tracks.mode_prob[0, 0] > 0.5


def test_nonfinite_detection_raises_and_foreign_tracks_rejected() -> None:
    tr = make_tracker("cv")
    with pytest.raises(NumericalFault, match="non-finite"):
        tr.update(tr.initial(), dets(0.0, [np.nan, 0, 0]), 0.0)
    foreign = Tracks(
        np.zeros(1, np.int64),
        np.zeros((1, 6)),
        np.eye(6)[None],
        np.ones(1, np.int8),
        np.zeros(1),
        np.full(1, np.nan),
    )
    with pytest.raises(ValueError, match=r"Tracker\.initial"):
        tr.update(foreign, dets(0.0, [0, 0, 0]), 0.0)


def test_zero_noise_and_stationary_target_stay_finite() -> None:
    from amdsim.tracking.interchange import track_detections

    t = np.repeat(np.arange(20.0), 1)
    table = track_detections(
        {"t_s": t, "x_m": np.zeros(20), "y_m": np.zeros(20), "z_m": np.zeros(20)}, sigma_m=0.0
    )
    assert table["t_s"].size > 0 and np.all(np.isfinite(np.column_stack(list(table.values()))))


def test_tentative_consecutive_miss_limit() -> None:
    """With ``max_tentative_misses=2`` a tentative track survives single misses (h, m, h, m, h
    confirms at the 3rd hit) but dies at two misses in a row."""
    tr = make_tracker("cv", confirm_m=3, confirm_n=8, max_tentative_misses=2)
    tracks = tr.initial()
    pattern = [True, False, True, False, True]
    inits = []
    for k, seen in enumerate(pattern):
        pts = [[50.0 * k, 0, 1000]] if seen else [[9e5, 9e5, 1000]]
        tracks, ev = tr.update(tracks, dets(k, pts), float(k))
        inits += [k for kd in ev.kind if kd == "track_init"]
    assert inits == [4] and 0 in tracks.track_id[tracks.confirmed].tolist()
    tracks, _ = tr.update(tr.initial(), dets(0, [0, 0, 1000]), 0.0)
    for k in (1, 2):
        tracks, _ = tr.update(tracks, dets(k, [9e5, 9e5, 1000]), float(k))
    assert 0 not in tracks.track_id.tolist()


def _instant(t: float, looks: dict[int, list[list[float]]]) -> Detections:
    """The scans of several radars at one instant ``t`` (``{sensor: positions}``)."""
    parts = [dets(t, pos, sensor=s) for s, pos in looks.items()]
    return Detections(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Detections.__dataclass_fields__)
    )


def _blind(sensor: int, k: int) -> list[list[float]]:
    """A scan without the target: one clutter point far away, never twice at one place."""
    return [[9e5 + 5e4 * sensor, 9e5 + 5e4 * k, 1000.0]]


@pytest.mark.parametrize("kernels", [True, False])
@pytest.mark.parametrize("seer", [0, 3])
def test_same_instant_scans_keep_one_track(kernels: bool, seer: int) -> None:
    """Four radars scan at the same instants; after the first four seconds only radar ``seer``
    still sees the target. Misses count once per instant and any hit of the instant clears
    them, so the target keeps its one track (counting per scan, the three blind radars'
    misses -- before radar 3's hit, or after radar 0's -- deleted the track at every instant
    with ``max_misses=3`` and radar 3's detection started a new one). M-of-N counts one bit
    per instant: four radars at the first instant do not confirm at once."""
    from amdsim.tracking import _kernels as kern

    kern.ENABLED = kernels
    try:
        tr = make_tracker("cv", confirm_m=3, confirm_n=4, max_misses=3, max_coast_s=100.0)
        tracks = tr.initial()
        inits, drops = [], []
        for k in range(12):
            p = [100.0 * k, 0.0, 1000.0]
            looks = {s: [p] if k < 4 or s == seer else _blind(s, k) for s in range(4)}
            tracks, ev = tr.update(tracks, _instant(float(k), looks), float(k))
            inits += [
                (k, int(i))
                for kd, i in zip(ev.kind, ev.track_id, strict=True)
                if kd == "track_init"
            ]
            drops += [k for kd in ev.kind if kd == "track_drop"]
            if k >= 2:
                assert tracks.track_id[tracks.confirmed].tolist() == [0]
                assert tracks.misses[tracks.track_id == 0].tolist() == [0]
        assert inits == [(2, 0)] and drops == []
        assert tracks.sensors[tracks.track_id == 0].tolist() == [0b1111]
    finally:
        kern.ENABLED = True


@pytest.mark.parametrize("kernels", [True, False])
def test_same_instant_scans_delete_after_max_misses_instants(kernels: bool) -> None:
    """Four radars scan at the same instants; from t = 4 none sees the target: one miss per
    instant (not four), so the track is deleted at the ``max_misses``-th blind instant."""
    from amdsim.tracking import _kernels as kern

    kern.ENABLED = kernels
    try:
        tr = make_tracker("cv", confirm_m=3, confirm_n=4, max_misses=3, max_coast_s=100.0)
        tracks = tr.initial()
        drops, misses = [], []
        for k in range(10):
            p = [100.0 * k, 0.0, 1000.0]
            looks = {s: [p] if k < 4 else _blind(s, k) for s in range(4)}
            tracks, ev = tr.update(tracks, _instant(float(k), looks), float(k))
            drops += [
                (k, r) for kd, r in zip(ev.kind, ev.reason, strict=True) if kd == "track_drop"
            ]
            misses.append(tracks.misses[tracks.track_id == 0].tolist())
        assert drops == [(6, "misses")]  # blind instants 4, 5, 6
        assert misses[3:6] == [[0], [1], [2]] and misses[6] == []
    finally:
        kern.ENABLED = True
