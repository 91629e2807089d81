"""Radar viewing geometry: site frames, look angles and the 4/3-Earth radio horizon.

The scenario ENU frame is flat; the Earth's curvature is accounted for here explicitly. A
target's position is first expressed in the radar's own local ENU frame (tangent to the
ellipsoid at the radar site), then placed on a sphere of the local mean radius of curvature
to get its height and ground arc from the radar. Refraction is modelled by the standard
effective-Earth-radius method with ``k = 4/3`` (Skolnik, *Introduction to Radar Systems*,
3rd ed., §8.2; Doerry, *Earth Curvature and Atmospheric Refraction Effects on Radar Signal
Propagation*, Sandia SAND2012-10690, 2013): on an Earth of radius ``k R`` the rays are
straight, so the target is visible iff the central angle between radar and target on that
Earth is below the sum of the two horizon angles, and the (apparent) elevation is the
elevation on that Earth.
"""

from __future__ import annotations

import numpy as np

from amdsim.core.constants import WGS84_A_M, WGS84_E2
from amdsim.core.frames import LocalFrame, enu_rotation

__all__ = ["K_EFFECTIVE_EARTH", "horizon_geometry", "local_earth_radius_m", "site_transform"]

K_EFFECTIVE_EARTH = 4.0 / 3.0
"""Effective-Earth-radius factor of the standard atmosphere (Skolnik §8.2)."""


def local_earth_radius_m(lat_deg: float) -> float:
    """Gaussian mean radius of curvature ``sqrt(M N)`` of the WGS84 ellipsoid (m)."""
    s2 = np.sin(np.radians(lat_deg)) ** 2
    w = 1.0 - WGS84_E2 * s2
    m = WGS84_A_M * (1.0 - WGS84_E2) / w**1.5
    n = WGS84_A_M / np.sqrt(w)
    return float(np.sqrt(m * n))


def site_transform(
    frame: LocalFrame, lat_deg: float, lon_deg: float, alt_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Radar site in the scenario ENU frame and the rotation to the radar's local ENU axes.

    Returns
    -------
    site_m : (3,) site position in the scenario ENU frame (m)
    rot : (3, 3) ``v_radar_local = rot @ v_scenario_enu``
    """
    site = frame.geodetic_to_enu(np.array([lat_deg]), np.array([lon_deg]), np.array([alt_m]))
    rot = enu_rotation(lat_deg, lon_deg) @ frame.rot.T
    return np.asarray(site, float).reshape(3), rot


def horizon_geometry(
    rel_local_m: np.ndarray,
    radar_height_m: float,
    earth_radius_m: float,
    k: float = K_EFFECTIVE_EARTH,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visibility over the curved Earth, apparent elevation and target height.

    Parameters
    ----------
    rel_local_m : (n, 3)
        Target minus antenna position in the radar's local ENU axes (m).
    radar_height_m : float
        Antenna height above the ellipsoid (m).
    earth_radius_m : float
        Local Earth radius ``R`` (m), e.g. :func:`local_earth_radius_m`.
    k : float
        Effective-Earth-radius factor (4/3 standard refraction, 1 = no refraction).

    Returns
    -------
    visible : (n,) bool
        Line of sight clears the effective Earth and the target is above the ground.
    el_app_rad : (n,)
        Elevation of the target on the effective Earth (refracted elevation, rad).
    height_m : (n,)
        Target height above the spherical Earth (m).

    Notes
    -----
    With ``r1 = kR + h_r``, ``r2 = kR + h_t`` and the central angle ``theta = d / (kR)``
    for the ground arc ``d``: ``tan(el) = (r2 cos(theta) - r1) / (r2 sin(theta))`` and the
    line of sight is clear iff ``theta <= acos(kR / r1) + acos(kR / r2)``.
    """
    rel = np.asarray(rel_local_m, float).reshape(-1, 3)
    rho = np.hypot(rel[:, 0], rel[:, 1])
    zc = earth_radius_m + radar_height_m + rel[:, 2]
    r_t = np.hypot(rho, zc)
    height = r_t - earth_radius_m
    arc = earth_radius_m * np.arctan2(rho, zc)
    re = k * earth_radius_m
    theta = arc / re
    r1 = re + max(radar_height_m, 0.0)
    r2 = re + np.maximum(height, 0.0)
    el_app = np.arctan2(r2 * np.cos(theta) - r1, r2 * np.sin(theta))
    # a target straight above or at the antenna: elevation from the local vector
    near = rho < 1e-9
    el_app = np.where(near, np.where(rel[:, 2] >= 0, np.pi / 2, -np.pi / 2), el_app)
    limit = np.arccos(re / r1) + np.arccos(re / r2)
    visible = (theta <= limit) & (height >= 0.0)
    return visible, el_app, height
