"""Defended areas on the local ENU plane: circles and polygons, each with a value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DefendedAreas"]


@dataclass(frozen=True)
class DefendedAreas:
    """All defended assets of a scenario, as arrays in the scenario ENU frame.

    Attributes
    ----------
    names : (m,) object      asset names
    value : (m,) float       value of each asset (scenario units, e.g. "points" or USD)
    center_m : (m, 2)        circle centre, or polygon centroid (east, north)
    radius_m : (m,)          circle radius; NaN for polygons
    polygons : tuple         one (k, 2) vertex array per asset; None for circles
    """

    names: np.ndarray
    value: np.ndarray
    center_m: np.ndarray
    radius_m: np.ndarray
    polygons: tuple[np.ndarray | None, ...]

    def __len__(self) -> int:
        return int(self.value.shape[0])

    def contains(self, xy_m: np.ndarray) -> np.ndarray:
        """Boolean ``(n, m)``: is each point ``(n, 2)`` (east, north) inside each asset?"""
        xy = np.asarray(xy_m, float).reshape(-1, 2)
        out = np.zeros((xy.shape[0], len(self)), dtype=bool)
        for j in range(len(self)):
            poly = self.polygons[j]
            if poly is None:
                d2 = np.sum((xy - self.center_m[j]) ** 2, axis=1)
                out[:, j] = d2 <= self.radius_m[j] ** 2
            else:
                out[:, j] = points_in_polygon(xy, poly)
        return out

    def first_hit(self, xy_m: np.ndarray) -> np.ndarray:
        """Index of the most valuable asset containing each point, -1 where none."""
        inside = self.contains(xy_m)
        if inside.shape[1] == 0:
            return np.full(inside.shape[0], -1, dtype=np.int64)
        scored = np.where(inside, self.value[None, :], -np.inf)
        best = np.argmax(scored, axis=1)
        return np.where(inside.any(axis=1), best, -1).astype(np.int64)


def points_in_polygon(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd ray-casting test of points ``(n, 2)`` against a simple polygon ``(k, 2)``."""
    x, y = xy[:, 0:1], xy[:, 1:2]
    x0, y0 = poly[:, 0][None, :], poly[:, 1][None, :]
    x1, y1 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return np.count_nonzero(crosses & (x < x_at), axis=1) % 2 == 1
