"""Numba kernels of :func:`amdsim.battle.feasibility.engagement_feasibility`.

The NumPy reference (``engagement_feasibility(..., method="numpy")``) builds dense
``(track, sample, battery)`` arrays; these kernels do the same work on the path samples
inside each battery's engagement box only, in two passes around the envelope look-up (which
stays in NumPy, behind the :class:`~amdsim.interceptors.protocols.Envelope` protocol):

1. :func:`box_points` lists every (track, battery, sample) whose path sample is valid and
   inside the battery's min/max ground range and altitude, pair by pair, samples in time
   order, with its ground range and altitude;
2. the envelopes give the time of flight of those points;
3. :func:`earliest_good` keeps, per (track, battery), the first listed point that is inside
   the envelope and reached in time (``t_ready + tof <= t_k``).

Same arithmetic as the reference, so the same results (tested).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["box_points", "earliest_good"]


@njit(cache=True, fastmath=False, error_model="numpy")
def box_points(path, valid, bpos, min_r, max_r, min_a, max_a):  # type: ignore[no-untyped-def]
    """Points ``(row, battery, sample, ground range, altitude)`` inside the boxes (see module
    doc), ordered by row, battery, sample. Ground range ``sqrt(de^2 + dn^2)``."""
    r, s = valid.shape
    b = bpos.shape[0]
    cap = 0
    for i in range(r):
        for k in range(s):
            if valid[i, k]:
                cap += b
    ri = np.empty(cap, np.int64)
    bi = np.empty(cap, np.int64)
    ki = np.empty(cap, np.int64)
    rg = np.empty(cap)
    al = np.empty(cap)
    m = 0
    for i in range(r):
        for j in range(b):
            for k in range(s):
                if not valid[i, k]:
                    continue
                de = path[i, k, 0] - bpos[j, 0]
                dn = path[i, k, 1] - bpos[j, 1]
                g = math.sqrt(de * de + dn * dn)
                a = path[i, k, 2] - bpos[j, 2]
                if g >= min_r[j] and g <= max_r[j] and a >= min_a[j] and a <= max_a[j]:
                    ri[m], bi[m], ki[m], rg[m], al[m] = i, j, k, g, a
                    m += 1
    return ri[:m], bi[:m], ki[:m], rg[:m], al[:m]


@njit(cache=True, fastmath=False, error_model="numpy")
def earliest_good(ri, bi, ki, tof, t_ready, path_t, r, b):  # type: ignore[no-untyped-def]
    """Per (row, battery): feasible at all, the earliest good point's index into the lists
    (-1 if none), and whether any point is inside the envelope (``tof`` finite)."""
    first = np.full((r, b), -1, np.int64)
    reach = np.zeros((r, b), np.bool_)
    for p in range(ri.shape[0]):
        i, j = ri[p], bi[p]
        t = tof[p]
        if not np.isfinite(t):
            continue
        reach[i, j] = True
        if first[i, j] < 0 and t_ready[j] + t <= path_t[i, ki[p]]:
            first[i, j] = p
    return first, reach
