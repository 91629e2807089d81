"""The engine's view of a scenario in its local ENU frame: frame and defended areas."""

from __future__ import annotations

import numpy as np

from amdsim.core.areas import DefendedAreas
from amdsim.core.frames import LocalFrame
from amdsim.scenario.schema import Scenario

__all__ = ["build_areas", "local_frame", "polygon_centroid"]


def local_frame(scenario: Scenario) -> LocalFrame:
    """The ENU frame at the scenario origin (x east, y north, z up; m)."""
    return scenario.frame()


def polygon_centroid(xy_m: np.ndarray) -> np.ndarray:
    """Area centroid of a simple polygon ``(k, 2)`` (shoelace formula); vertex mean if degenerate.

    .. math:: C_x = \\frac{1}{6A} \\sum (x_i + x_{i+1})(x_i y_{i+1} - x_{i+1} y_i)
    """
    x, y = xy_m[:, 0], xy_m[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    area = 0.5 * cross.sum()
    if abs(area) < 1e-9:
        return np.asarray(xy_m.mean(axis=0), dtype=float)
    cx = ((x + xn) * cross).sum() / (6.0 * area)
    cy = ((y + yn) * cross).sum() / (6.0 * area)
    return np.array([cx, cy])


def build_areas(scenario: Scenario, frame: LocalFrame | None = None) -> DefendedAreas:
    """The scenario's defended assets as :class:`~amdsim.core.areas.DefendedAreas` in ENU.

    Circle centres and polygon vertices are projected on the ellipsoid surface (altitude
    0) and expressed as (east, north) metres in ``frame`` (default: the scenario frame).
    Radii are kept as given (a circle of a few km is flat to well under a metre).
    """
    frame = frame or scenario.frame()
    m = len(scenario.assets)
    # one vectorised conversion of every circle centre and polygon vertex
    pts: list[list[float]] = []
    first: list[int] = []
    for asset in scenario.assets:
        first.append(len(pts))
        if asset.circle is not None:
            pts.append([asset.circle.lat_deg, asset.circle.lon_deg])
        else:
            assert asset.polygon is not None
            pts.extend(asset.polygon)
    first.append(len(pts))
    ll = np.asarray(pts, float).reshape(-1, 2)
    xy_all = frame.geodetic_to_enu(ll[:, 0], ll[:, 1], np.zeros(len(ll))).reshape(-1, 3)[:, :2]
    centre = np.zeros((m, 2))
    radius = np.full(m, np.nan)
    polys: list[np.ndarray | None] = []
    for j, asset in enumerate(scenario.assets):
        xy = xy_all[first[j] : first[j + 1]]
        if asset.circle is not None:
            centre[j] = xy[0]
            radius[j] = asset.circle.radius_m
            polys.append(None)
        else:
            polys.append(np.ascontiguousarray(xy))
            centre[j] = polygon_centroid(xy)
    return DefendedAreas(
        names=np.array([a.name for a in scenario.assets], dtype=object),
        value=np.array([a.value for a in scenario.assets], dtype=float),
        center_m=centre,
        radius_m=radius,
        polygons=tuple(polys),
    )
