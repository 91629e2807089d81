"""GOSPA / OSPA against hand-computed cases and the run scorer.

GOSPA: Rahmathullah et al., FUSION 2017 (alpha = 2); OSPA: Schuhmacher et al., IEEE TSP 2008.
"""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.tracking.batches import Tracks
from amdsim.tracking.metrics import TrackScorer, gospa, gospa_assignment, ospa


@pytest.mark.parametrize(
    ("truth", "est", "expected"),
    [
        ([[0, 0]], [[3, 4]], 5.0),  # one pair at 5 < c
        ([[0, 0]], np.empty((0, 2)), np.sqrt(100 / 2)),  # one missed: c^2 / 2
        ([[0, 0], [100, 0]], [[1, 0]], np.sqrt(1 + 50)),  # pair at 1 + one missed
        ([[0, 0]], [[20, 0]], np.sqrt(50 + 50)),  # beyond c: a miss and a false target
        (np.empty((0, 2)), np.empty((0, 2)), 0.0),
        ([[0, 0], [10, 0]], [[10, 1], [0, 1]], np.sqrt(2.0)),  # optimal assignment, not order
    ],
)
def test_gospa_hand_cases(truth, est, expected) -> None:
    assert gospa(np.array(truth, float), np.array(est, float), c=10.0, p=2) == pytest.approx(
        expected
    )


def test_gospa_p1_and_assignment() -> None:
    g, ti, ei = gospa_assignment(
        np.array([[0.0, 0, 0], [50, 0, 0]]), np.array([[0.0, 0, 2]]), c=10.0, p=1
    )
    assert g == pytest.approx(2 + 5)  # 2 m + c/2 for the miss
    assert ti.tolist() == [0] and ei.tolist() == [0]
    with pytest.raises(ValueError):
        gospa(np.zeros((1, 3)), np.zeros((1, 3)), c=10.0, alpha=1.0)


def test_ospa_hand_cases() -> None:
    x = np.array([[0.0, 0], [10, 0]])
    y = np.array([[0.0, 1]])
    assert ospa(x, y, c=5.0, p=1) == pytest.approx((1 + 5) / 2)
    assert ospa(x, y, c=5.0, p=2) == pytest.approx(np.sqrt((1 + 25) / 2))
    assert ospa(y, x, c=5.0, p=2) == pytest.approx(np.sqrt(13))  # symmetric
    assert ospa(np.empty((0, 2)), np.empty((0, 2)), c=5.0) == 0.0
    assert ospa(x, np.empty((0, 2)), c=5.0) == 5.0


def _tracks(ids, pos, vel, status=None) -> Tracks:
    n = len(ids)
    state = np.hstack([np.asarray(pos, float), np.asarray(vel, float)])
    return Tracks(
        track_id=np.asarray(ids, np.int64),
        state=state,
        cov=np.tile(np.eye(6), (n, 1, 1)),
        status=np.ones(n, np.int8) if status is None else np.asarray(status, np.int8),
        t_update_s=np.zeros(n),
        beta_kg_m2=np.full(n, np.nan),
    )


def test_scorer_rmse_breaks_false_tracks_and_nees() -> None:
    sc = TrackScorer(c_m=100.0)
    tpos = np.array([[0.0, 0, 0], [1000, 0, 0]])
    tvel = np.zeros((2, 3))
    # step 1: tracks 1, 2 on truths 10, 11 with 3 m and 4 m errors; track 3 is false
    sc.update(
        0.0,
        np.array([10, 11]),
        tpos,
        tvel,
        _tracks(
            [1, 2, 3], [[3, 0, 0], [1000, 4, 0], [5000, 0, 0]], [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
        ),
    )
    # step 2: truth 11 now held by track 4 (a break); tentative track 5 is ignored
    sc.update(
        1.0,
        np.array([10, 11]),
        tpos,
        tvel,
        _tracks([1, 4, 5], [[3, 0, 0], [1000, 4, 0], [0, 0, 0]], np.zeros((3, 3)), [1, 1, 0]),
    )
    s = sc.summary()
    assert s["position_rmse"]["value"] == pytest.approx(np.sqrt((9 + 16 + 9 + 16) / 4))
    assert s["velocity_rmse"]["value"] == pytest.approx(np.sqrt(1 / 4))
    assert s["track_breaks"]["value"] == 1
    assert s["false_tracks"]["value"] == 1
    assert s["nees_mean"]["value"] == pytest.approx((10 + 16 + 9 + 16) / 4)
    assert s["nees_median"]["value"] == pytest.approx(13.0)
    g1 = np.sqrt(9 + 16 + 100**2 / 2)
    assert s["gospa_mean"]["value"] == pytest.approx((g1 + 5.0) / 2)
    assert s["missed_truth_fraction"]["value"] == 0.0


def test_scorer_empty_run() -> None:
    s = TrackScorer().summary()
    assert s["gospa_mean"]["value"] is None and s["track_breaks"]["value"] == 0


@pytest.mark.parametrize("nx, ny", [(0, 0), (0, 5), (5, 0), (30, 40), (40, 30), (200, 180)])
def test_scorer_shared_assignment_equals_separate_metrics(nx: int, ny: int) -> None:
    """The scorer's one-assignment GOSPA + OSPA equal gospa_assignment and ospa computed apart."""
    from amdsim.tracking.metrics import _gospa_ospa

    rng = np.random.default_rng(nx * 1000 + ny)
    x, y = rng.uniform(0, 5000, (nx, 3)), rng.uniform(0, 5000, (ny, 3))
    g, o, ti, _ei = _gospa_ospa(x, y, 1000.0, 2.0)
    g_ref, ti_ref, _ = gospa_assignment(x, y, 1000.0, 2.0)
    assert g == pytest.approx(g_ref, rel=1e-12, abs=1e-9)
    assert o == pytest.approx(ospa(x, y, 1000.0, 2.0), rel=1e-12, abs=1e-9)
    assert ti.size == ti_ref.size
