"""U.S. Standard Atmosphere 1976, vectorised, with an exponential continuation above 86 km.

Below 86 km geometric altitude the layer equations of USSA76 (NOAA-S/T 76-1562,
NASA-TM-X-74335) are used, written in geopotential altitude ``H = r0 Z / (r0 + Z)``:

.. math::
    T = T_b + L_b (H - H_b), \\qquad
    p = p_b \\left(\\frac{T_b}{T}\\right)^{g_0 M_0 / (R^* L_b)} \\;(L_b \\ne 0), \\qquad
    p = p_b \\exp\\!\\left(-\\frac{g_0 M_0 (H - H_b)}{R^* T_b}\\right) \\;(L_b = 0),

:math:`\\rho = p / (R T)`, :math:`a = \\sqrt{\\gamma R T}` with the defining constants of
public-figures §4.1. The base pressures are recomputed here from ``p0`` (they reproduce the
published layer-base table to its printed digits). The molecular-scale temperature is used
throughout (the small 80–86 km molecular-weight correction of USSA76 is ignored: at 86 km it
is 0.04 % in temperature).

Above 86 km (where USSA76 is no longer a single-gas hydrostatic model) the density is the
log-linear interpolation of USSA76 tabulated densities (86–1000 km; values as commonly
reproduced from NOAA-S/T 76-1562 Table 1, confidence L for our use), temperature is held at
the 86 km value 186.87 K (so the speed of sound stays defined; drag there is negligible) and
pressure is ``rho R T`` (nominal). Above 1000 km the last log slope is continued. Altitudes
below -5 km are clamped to -5 km.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from amdsim.core.constants import G0_MPS2

__all__ = [
    "R_AIR_JPKGK",
    "atmosphere",
    "density_and_sound_speed",
    "density_and_sound_speed_fast",
    "geopotential_m",
]

R_STAR = 8.31432
"""Universal gas constant of USSA76 (J/(mol K))."""
M0_KGPMOL = 0.0289644
"""Sea-level mean molar mass of air (kg/mol)."""
R_AIR_JPKGK = R_STAR / M0_KGPMOL
"""Specific gas constant of air (J/(kg K)), 287.0531."""
GAMMA = 1.4
R0_M = 6_356_766.0
"""Effective Earth radius of the USSA76 geopotential (m)."""
T0_K = 288.15
P0_PA = 101_325.0

_H_BASE_M = np.array([0.0, 11_000.0, 20_000.0, 32_000.0, 47_000.0, 51_000.0, 71_000.0])
_LAPSE_KPM = np.array([-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3])
_GMR = G0_MPS2 * M0_KGPMOL / R_STAR  # K/m


def _base_values() -> tuple[np.ndarray, np.ndarray]:
    t_b = np.empty(7)
    p_b = np.empty(7)
    t_b[0], p_b[0] = T0_K, P0_PA
    for k in range(6):
        dh = _H_BASE_M[k + 1] - _H_BASE_M[k]
        t_b[k + 1] = t_b[k] + _LAPSE_KPM[k] * dh
        if _LAPSE_KPM[k] == 0.0:
            p_b[k + 1] = p_b[k] * math.exp(-_GMR * dh / t_b[k])
        else:
            p_b[k + 1] = p_b[k] * (t_b[k] / t_b[k + 1]) ** (_GMR / _LAPSE_KPM[k])
    return t_b, p_b


_T_BASE_K, _P_BASE_PA = _base_values()
Z_TOP_M = 86_000.0
_H_TOP_M = R0_M * Z_TOP_M / (R0_M + Z_TOP_M)
T_TOP_K = 186.87
"""Kinetic temperature at 86 km (USSA76), used as the constant temperature above."""

# USSA76 tabulated densities above 86 km (geometric km, kg/m^3), log-linear interpolation.
_Z_HI_M = 1e3 * np.array(
    [
        86,
        90,
        100,
        110,
        120,
        130,
        140,
        150,
        160,
        180,
        200,
        250,
        300,
        350,
        400,
        450,
        500,
        600,
        700,
        800,
        900,
        1000,
    ],
    dtype=float,
)
_LNRHO_HI = np.log(
    np.array(
        [
            6.958e-06,
            3.416e-06,
            5.604e-07,
            9.708e-08,
            2.222e-08,
            8.152e-09,
            3.831e-09,
            2.076e-09,
            1.233e-09,
            5.194e-10,
            2.541e-10,
            6.073e-11,
            1.916e-11,
            7.014e-12,
            2.803e-12,
            1.184e-12,
            5.215e-13,
            1.137e-13,
            3.07e-14,
            1.136e-14,
            5.759e-15,
            3.561e-15,
        ]
    )
)
Z_MIN_M = -5_000.0


def geopotential_m(z_m: np.ndarray) -> np.ndarray:
    """Geopotential altitude ``H = r0 Z / (r0 + Z)`` (m) of geometric altitude ``Z`` (m)."""
    z = np.asarray(z_m, float)
    return R0_M * z / (R0_M + z)


def atmosphere(alt_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """USSA76 state at geometric altitudes (plain NumPy reference implementation).

    Parameters
    ----------
    alt_m : array_like
        Geometric altitude above mean sea level (m), any shape.

    Returns
    -------
    temperature_k, pressure_pa, density_kgpm3, sound_speed_mps : ndarray
        Same shape as ``alt_m``.
    """
    z = np.maximum(np.asarray(alt_m, float), Z_MIN_M)
    low = z <= Z_TOP_M
    h = geopotential_m(np.minimum(z, Z_TOP_M))
    k = np.clip(np.searchsorted(_H_BASE_M, h, side="right") - 1, 0, 6)
    tb, pb, lb, hb = _T_BASE_K[k], _P_BASE_PA[k], _LAPSE_KPM[k], _H_BASE_M[k]
    t = tb + lb * (h - hb)
    iso = lb == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        p_grad = pb * (tb / t) ** (_GMR / np.where(iso, 1.0, lb))
    p_iso = pb * np.exp(-_GMR * (h - hb) / tb)
    p = np.where(iso, p_iso, p_grad)
    rho = p / (R_AIR_JPKGK * t)
    # continuation above 86 km
    rho_hi = np.exp(_interp_hi(z))
    t = np.where(low, t, T_TOP_K)
    rho = np.where(low, rho, rho_hi)
    p = np.where(low, p, rho_hi * R_AIR_JPKGK * T_TOP_K)
    a = np.sqrt(GAMMA * R_AIR_JPKGK * t)
    return t, p, rho, a


def _interp_hi(z: np.ndarray) -> np.ndarray:
    """ln(rho) above 86 km: log-linear in the table, last slope continued beyond 1000 km."""
    zc = np.clip(z, _Z_HI_M[0], _Z_HI_M[-1])
    out = np.interp(zc, _Z_HI_M, _LNRHO_HI)
    slope = (_LNRHO_HI[-1] - _LNRHO_HI[-2]) / (_Z_HI_M[-1] - _Z_HI_M[-2])
    return np.where(z > _Z_HI_M[-1], _LNRHO_HI[-1] + slope * (z - _Z_HI_M[-1]), out)


@njit(cache=True, fastmath=False, error_model="numpy")
def density_and_sound_speed(alt_m: float) -> tuple[float, float]:
    """Scalar Numba version of :func:`atmosphere`: ``(density_kgpm3, sound_speed_mps)``."""
    z = alt_m if alt_m > Z_MIN_M else Z_MIN_M
    if z <= Z_TOP_M:
        h = R0_M * z / (R0_M + z)
        k = 0
        for j in range(1, 7):
            if h >= _H_BASE_M[j]:
                k = j
        tb = _T_BASE_K[k]
        lb = _LAPSE_KPM[k]
        dh = h - _H_BASE_M[k]
        if lb == 0.0:
            t = tb
            p = _P_BASE_PA[k] * math.exp(-_GMR * dh / tb)
        else:
            t = tb + lb * dh
            p = _P_BASE_PA[k] * (tb / t) ** (_GMR / lb)
        return p / (R_AIR_JPKGK * t), math.sqrt(GAMMA * R_AIR_JPKGK * t)
    a_top = math.sqrt(GAMMA * R_AIR_JPKGK * T_TOP_K)
    n = _Z_HI_M.shape[0]
    if z >= _Z_HI_M[n - 1]:
        slope = (_LNRHO_HI[n - 1] - _LNRHO_HI[n - 2]) / (_Z_HI_M[n - 1] - _Z_HI_M[n - 2])
        return math.exp(_LNRHO_HI[n - 1] + slope * (z - _Z_HI_M[n - 1])), a_top
    j = 0
    while _Z_HI_M[j + 1] < z:
        j += 1
    f = (z - _Z_HI_M[j]) / (_Z_HI_M[j + 1] - _Z_HI_M[j])
    return math.exp(_LNRHO_HI[j] + f * (_LNRHO_HI[j + 1] - _LNRHO_HI[j])), a_top


# Lookup table for the flight kernel: ln(rho) and a on a uniform 10 m grid from -5 km to
# 200 km, linear interpolation. Interpolation error in rho < 1e-6 relative inside layers and
# < 5e-5 in the 10 m cells that straddle a layer base (slope kink of ln rho). Checked against
# :func:`atmosphere` in the tests.
TABLE_DZ_M = 10.0
TABLE_TOP_M = 200_000.0


def _build_table() -> tuple[np.ndarray, np.ndarray]:
    z = np.arange(Z_MIN_M, TABLE_TOP_M + 2 * TABLE_DZ_M, TABLE_DZ_M)
    _, _, rho, a = atmosphere(z)
    return np.log(rho), a


_TAB_LNRHO, _TAB_A = _build_table()


@njit(cache=True, fastmath=False, error_model="numpy")
def density_and_sound_speed_fast(alt_m: float) -> tuple[float, float]:
    """Table version of :func:`density_and_sound_speed` (exact function above 200 km)."""
    if alt_m >= TABLE_TOP_M:
        return density_and_sound_speed(alt_m)
    x = (max(alt_m, Z_MIN_M) - Z_MIN_M) / TABLE_DZ_M
    j = int(x)
    f = x - j
    lr = _TAB_LNRHO[j] + f * (_TAB_LNRHO[j + 1] - _TAB_LNRHO[j])
    return math.exp(lr), _TAB_A[j] + f * (_TAB_A[j + 1] - _TAB_A[j])
