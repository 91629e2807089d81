"""Gravity of the WGS84 Earth with the J2 zonal term."""

from __future__ import annotations

import numpy as np

from amdsim.core.constants import GM_EARTH_M3PS2, J2_EARTH, WGS84_A_M

__all__ = ["gravity_j2_ecef"]


def gravity_j2_ecef(pos_ecef_m: np.ndarray) -> np.ndarray:
    """Gravitational acceleration with J2 at ECEF positions ``(..., 3)`` (m/s^2).

    .. math::
        \\mathbf{g} = -\\frac{\\mu}{r^3}\\mathbf{r} - \\frac{3}{2} J_2 \\frac{\\mu a^2}{r^5}
        \\left[x(1-5z^2/r^2),\\; y(1-5z^2/r^2),\\; z(3-5z^2/r^2)\\right]

    Source: Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., eq. 8-30.
    """
    p = np.asarray(pos_ecef_m, float)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    r2 = x * x + y * y + z * z
    r = np.sqrt(r2)
    mu_r3 = GM_EARTH_M3PS2 / (r2 * r)
    k = 1.5 * J2_EARTH * GM_EARTH_M3PS2 * WGS84_A_M**2 / (r2 * r2 * r)
    zr2 = 5.0 * z * z / r2
    out = np.empty_like(p)
    out[..., 0] = -mu_r3 * x - k * x * (1.0 - zr2)
    out[..., 1] = -mu_r3 * y - k * y * (1.0 - zr2)
    out[..., 2] = -mu_r3 * z - k * z * (3.0 - zr2)
    return out
