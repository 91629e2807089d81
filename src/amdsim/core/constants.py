"""Physical constants (SI).

Sources
-------
WGS84: NIMA TR8350.2 (2000), Table 3.1 and 3.2 (a, f, GM, omega) and the
EGM96 value of J2 (C20 normalised -4.84165371736e-4 -> J2 = 1.08262982e-3).
Standard gravity g0 and USSA76 constants: NOAA-S/T 76-1562 (public-figures §4.1).
"""

from __future__ import annotations

WGS84_A_M = 6_378_137.0
"""WGS84 semi-major axis (m)."""
WGS84_F = 1.0 / 298.257223563
"""WGS84 flattening."""
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
"""WGS84 semi-minor axis (m)."""
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""WGS84 first eccentricity squared."""
GM_EARTH_M3PS2 = 3.986004418e14
"""Earth gravitational parameter, WGS84 (m^3/s^2)."""
OMEGA_EARTH_RADPS = 7.292115e-5
"""Earth rotation rate, WGS84 (rad/s)."""
J2_EARTH = 1.08262982e-3
"""Second zonal harmonic (dimensionless), EGM96."""
G0_MPS2 = 9.80665
"""Standard gravity (m/s^2)."""
R_MEAN_EARTH_M = 6_371_000.0
"""Mean Earth radius (m), used only for spherical-Earth reference checks."""
