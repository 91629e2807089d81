"""Defended areas: circle and polygon containment, against matplotlib's independent
point-in-polygon (``matplotlib.path.Path.contains_points``)."""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path as MplPath

from amdsim.core.areas import DefendedAreas, points_in_polygon


def _areas() -> DefendedAreas:
    concave = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [5.0, 3.0], [0.0, 10.0]])
    return DefendedAreas(
        names=np.array(["circle", "concave"], dtype=object),
        value=np.array([10.0, 50.0]),
        center_m=np.array([[0.0, 0.0], [5.0, 3.0]]),
        radius_m=np.array([3.0, np.nan]),
        polygons=(None, concave),
    )


def test_points_in_polygon_matches_matplotlib() -> None:
    rng = np.random.default_rng(0)
    for k in (3, 5, 8, 12):
        # random star-shaped (possibly concave) polygons
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(1.0, 5.0, k)
        poly = np.c_[rad * np.cos(ang), rad * np.sin(ang)]
        pts = rng.uniform(-6, 6, (2000, 2))
        ref = MplPath(poly).contains_points(pts)
        ours = points_in_polygon(pts, poly)
        # points within 1e-9 of an edge may differ by convention; none are drawn that close
        assert np.array_equal(ours, ref)


def test_contains_circle_and_concave_polygon() -> None:
    a = _areas()
    pts = np.array([[2.9, 0.3], [3.1, -0.5], [5.0, 1.0], [5.0, 5.0], [1.0, 8.0], [9.0, 8.0]])
    inside = a.contains(pts)
    assert inside[:, 0].tolist() == [True, False, False, False, False, False]
    # (5, 5) is in the notch of the concave polygon: outside
    assert inside[:, 1].tolist() == [True, False, True, False, True, True]


def test_first_hit_takes_the_most_valuable() -> None:
    a = _areas()
    pts = np.array([[2.0, 1.0], [-2.0, 0.0], [100.0, 100.0]])
    # (2, 1) is in both: the polygon (value 50) wins
    assert a.first_hit(pts).tolist() == [1, 0, -1]


def test_zero_and_one_point() -> None:
    a = _areas()
    assert a.contains(np.zeros((0, 2))).shape == (0, 2)
    assert a.first_hit(np.zeros((0, 2))).shape == (0,)
    assert a.contains(np.array([1.0, 0.0])).shape == (1, 2)
    assert len(a) == 2
