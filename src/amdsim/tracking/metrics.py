"""Tracking metrics: GOSPA, OSPA and a run scorer for ``summary.json``.

* GOSPA (Rahmathullah, García-Fernández and Svensson, *Generalized optimal sub-pattern
  assignment metric*, FUSION 2017, eq. 1 with ``alpha = 2``):
  ``d = ( min_assign sum d_c(x, y)^p + c^p / 2 (|X| + |Y| - 2 |assigned|) )^(1/p)``, where
  ``d_c = min(d, c)``; pairs at distance >= c are equivalent to a missed and a false target.
* OSPA (Schuhmacher, Vo and Vo, IEEE TSP 56(8), 2008, eq. 3):
  ``d = ( (min_assign sum d_c^p + c^p (n - m)) / n )^(1/p)`` for ``m <= n``, 0 when both
  sets are empty.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from amdsim.tracking.batches import Tracks

__all__ = ["TrackScorer", "gospa", "gospa_assignment", "ospa"]


def _as_points(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two point sets as 2-d arrays of the same width (empty inputs take the other's)."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    k = x.shape[-1] if (x.ndim == 2 and x.shape[0]) else (y.shape[-1] if y.ndim == 2 else 3)
    if x.ndim == 2 and x.shape[0] == 0 and y.ndim == 2:
        k = y.shape[1]
    return x.reshape(-1, k), y.reshape(-1, k)


def gospa_assignment(
    truth_pos: np.ndarray, est_pos: np.ndarray, c: float, p: float = 2.0
) -> tuple[float, np.ndarray, np.ndarray]:
    """GOSPA (alpha = 2) and its optimal assignment.

    Returns ``(gospa, truth_rows, est_rows)`` where the rows are the assigned pairs closer
    than ``c`` (the localisation part).
    """
    x, y = _as_points(truth_pos, est_pos)
    nx, ny = x.shape[0], y.shape[0]
    if c <= 0 or p < 1:
        raise ValueError(f"need c > 0 and p >= 1 (got c={c}, p={p})")
    empty = np.empty(0, np.int64)
    if nx == 0 or ny == 0:
        return float((0.5 * c**p * (nx + ny)) ** (1.0 / p)), empty, empty
    d = np.minimum(cdist(x, y), c)
    cost = d**p
    rows, cols = linear_sum_assignment(cost)
    real = d[rows, cols] < c
    n_assigned = int(real.sum())
    total = cost[rows, cols][real].sum() + 0.5 * c**p * (nx + ny - 2 * n_assigned)
    return float(total ** (1.0 / p)), rows[real], cols[real]


def gospa(
    truth_pos: np.ndarray, est_pos: np.ndarray, c: float, p: float = 2.0, alpha: float = 2.0
) -> float:
    """GOSPA distance between two point sets ``(n, k)`` and ``(m, k)`` (units of the points).

    Only ``alpha = 2`` is implemented (the value for which GOSPA splits into localisation,
    missed and false-target errors)."""
    if alpha != 2.0:
        raise ValueError("only alpha = 2 is implemented")
    return gospa_assignment(truth_pos, est_pos, c, p)[0]


def ospa(truth_pos: np.ndarray, est_pos: np.ndarray, c: float, p: float = 2.0) -> float:
    """OSPA distance between two point sets ``(n, k)`` and ``(m, k)`` (units of the points)."""
    x, y = _as_points(truth_pos, est_pos)
    if x.shape[0] > y.shape[0]:
        x, y = y, x
    m, n = x.shape[0], y.shape[0]
    if n == 0:
        return 0.0
    if m == 0:
        return float(c)
    d = np.minimum(cdist(x, y), c) ** p
    rows, cols = linear_sum_assignment(d)
    return float(((d[rows, cols].sum() + c**p * (n - m)) / n) ** (1.0 / p))


def _gospa_ospa(
    truth_pos: np.ndarray, est_pos: np.ndarray, c: float, p: float
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """:func:`gospa_assignment` and :func:`ospa` from one distance matrix and one optimal
    assignment (both minimise the sum of ``min(d, c)^p`` over ``min(n, m)`` pairs)."""
    x, y = _as_points(truth_pos, est_pos)
    nx, ny = x.shape[0], y.shape[0]
    if nx == 0 or ny == 0:
        g, ti, ei = gospa_assignment(x, y, c, p)
        return g, ospa(x, y, c, p), ti, ei
    d = np.minimum(cdist(x, y), c)
    cost = d**p
    rows, cols = linear_sum_assignment(cost)
    pair_cost = cost[rows, cols]
    real = d[rows, cols] < c
    n_assigned = int(real.sum())
    g = pair_cost[real].sum() + 0.5 * c**p * (nx + ny - 2 * n_assigned)
    n = max(nx, ny)
    o = (pair_cost.sum() + c**p * (n - min(nx, ny))) / n
    return float(g ** (1.0 / p)), float(o ** (1.0 / p)), rows[real], cols[real]


class TrackScorer:
    """Accumulates tracking metrics over a run (confirmed tracks vs truth, positions).

    Call :meth:`update` after each tracker update and :meth:`summary` at the end. Each
    step's confirmed tracks are matched to the truth by the GOSPA assignment (cut-off ``c``);
    matched pairs give position / velocity errors and NEES of the 6-d ``[p, v]`` estimate.

    A *track break* is counted when a truth object that was matched to one track id becomes
    matched to a different id; a *false track* is a confirmed track id never matched to a
    truth object over the run.
    """

    def __init__(self, c_m: float = 1000.0, p: float = 2.0):
        self.c_m = float(c_m)
        self.p = float(p)
        self._gospa: list[float] = []
        self._ospa: list[float] = []
        self._pos_se: list[np.ndarray] = []
        self._vel_se: list[np.ndarray] = []
        self._nees: list[np.ndarray] = []
        self._last_track: dict[int, int] = {}
        self._breaks = 0
        self._matched_ids: set[int] = set()
        self._seen_ids: set[int] = set()
        self._n_missed = 0
        self._n_truth = 0

    def update(
        self,
        t_s: float,
        truth_id: np.ndarray,
        truth_pos: np.ndarray,
        truth_vel: np.ndarray,
        tracks: Tracks,
    ) -> None:
        """Score one instant: truth ``(n,)``, ``(n, 3)``, ``(n, 3)`` against confirmed tracks."""
        conf = np.asarray(tracks.status) == 1
        est = tracks.state[conf]
        ids = tracks.track_id[conf]
        tpos = np.asarray(truth_pos, float).reshape(-1, 3)
        tvel = np.asarray(truth_vel, float).reshape(-1, 3)
        tid = np.asarray(truth_id, np.int64).reshape(-1)
        g, o, ti, ei = _gospa_ospa(tpos, est[:, 0:3], self.c_m, self.p)
        self._gospa.append(g)
        self._ospa.append(o)
        self._n_truth += tpos.shape[0]
        self._n_missed += tpos.shape[0] - ti.shape[0]
        self._seen_ids.update(int(i) for i in ids)
        if ti.size:
            dp = est[ei, 0:3] - tpos[ti]
            dv = est[ei, 3:6] - tvel[ti]
            self._pos_se.append(np.sum(dp**2, axis=1))
            self._vel_se.append(np.sum(dv**2, axis=1))
            err = np.concatenate([dp, dv], axis=1)
            cov = tracks.cov[conf][ei][:, 0:6, 0:6]
            try:
                self._nees.append(
                    np.einsum("ni,ni->n", err, np.linalg.solve(cov, err[..., None])[..., 0])
                )
            except np.linalg.LinAlgError:
                pass
            for a, b in zip(tid[ti].tolist(), ids[ei].tolist(), strict=True):
                prev = self._last_track.get(a)
                if prev is not None and prev != b:
                    self._breaks += 1
                self._last_track[a] = b
                self._matched_ids.add(b)

    def summary(self) -> dict[str, Any]:
        """Metrics with units, ready for ``summary.json``."""

        def mean(xs: list[float]) -> float | None:
            return float(np.mean(xs)) if xs else None

        def rmse(xs: list[np.ndarray]) -> float | None:
            return float(np.sqrt(np.mean(np.concatenate(xs)))) if xs else None

        nees = np.concatenate(self._nees) if self._nees else np.empty(0)
        return {
            "gospa_mean": {
                "value": mean(self._gospa),
                "unit": "m",
                "c_m": self.c_m,
                "p": self.p,
                "alpha": 2,
            },
            "ospa_mean": {"value": mean(self._ospa), "unit": "m", "c_m": self.c_m, "p": self.p},
            "position_rmse": {"value": rmse(self._pos_se), "unit": "m"},
            "velocity_rmse": {"value": rmse(self._vel_se), "unit": "m/s"},
            "track_breaks": {"value": self._breaks, "unit": "count"},
            "false_tracks": {"value": len(self._seen_ids - self._matched_ids), "unit": "count"},
            "missed_truth_fraction": {
                "value": (self._n_missed / self._n_truth) if self._n_truth else None,
                "unit": "fraction",
            },
            "nees_mean": {
                "value": float(np.mean(nees)) if nees.size else None,
                "unit": "1 (6 dof: ideal 6)",
            },
            "nees_median": {
                "value": float(np.median(nees)) if nees.size else None,
                "unit": "1 (6 dof: ideal 5.35)",
            },
        }
