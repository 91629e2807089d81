"""Mach-dependent drag-coefficient profiles and the drag equation.

Drag force ``D = 1/2 rho V^2 Cd(M) A`` (A = maximum cross-section; public-figures §4.2, H).
The named profiles are *rule-of-thumb* curves built from the public values of §4.2 (all L,
so every profile is an ASSUMPTION in shape):

* ``slender_rocket`` — "typical rocket nose cone" Cd ~0.5 at low speed is for model rockets;
  slender artillery rockets are taken at 0.30 subsonic (between the 0.2–0.25 slender sounding
  rocket and 0.5), a transonic peak +50 % and supersonic values ~10 % below subsonic, falling
  slowly at high Mach.
* ``blunt_shell`` — mortar bomb / blunt nose: 0.5 subsonic (nose-cone rule of thumb), +50 %
  transonic peak, ~10 % below subsonic when supersonic.
* ``reentry_vehicle`` — a missile body / RV: 0.25 subsonic, +50 % transonic, decreasing to
  the hypersonic Newtonian sharp-cone value 2 sin^2(10 deg) ~ 0.06 (CALC, §4.2) at Mach 20.
* ``subsonic_airframe`` — winged drone or cruise missile body (referenced to the body
  cross-section): 0.8 subsonic including wings, rising to 1.2 transonic and ~10 % below the
  subsonic value when supersonic (never flown there; kinematic cruise model).

Between breakpoints Cd is linear in Mach; it is held constant outside the table.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["CD_MACH", "CD_PROFILES", "CD_TABLE", "cd_of_mach", "profile_index"]

CD_MACH = np.array([0.0, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0])
"""Common Mach breakpoints of every profile."""

CD_PROFILES: dict[str, np.ndarray] = {
    "slender_rocket": np.array(
        [0.30, 0.30, 0.32, 0.38, 0.45, 0.45, 0.42, 0.35, 0.27, 0.24, 0.22, 0.20, 0.20]
    ),
    "blunt_shell": np.array(
        [0.50, 0.50, 0.55, 0.65, 0.75, 0.75, 0.70, 0.55, 0.45, 0.42, 0.40, 0.40, 0.40]
    ),
    "reentry_vehicle": np.array(
        [0.25, 0.25, 0.28, 0.33, 0.375, 0.375, 0.36, 0.30, 0.22, 0.16, 0.11, 0.08, 0.06]
    ),
    "subsonic_airframe": np.array(
        [0.80, 0.80, 0.85, 0.95, 1.20, 1.20, 1.10, 0.90, 0.72, 0.70, 0.68, 0.68, 0.68]
    ),
}
"""Cd at :data:`CD_MACH` for each named profile (see module docstring for the sources)."""

PROFILE_NAMES: tuple[str, ...] = tuple(CD_PROFILES)
CD_TABLE = np.stack([CD_PROFILES[k] for k in PROFILE_NAMES])
"""``(n_profiles, n_mach)`` table in the order of :data:`PROFILE_NAMES` (used by kernels)."""


def profile_index(name: str) -> int:
    """Row of ``name`` in :data:`CD_TABLE`; raises ``ValueError`` naming the known profiles."""
    try:
        return PROFILE_NAMES.index(name)
    except ValueError:
        raise ValueError(
            f"unknown drag profile {name!r}; known: {', '.join(PROFILE_NAMES)}"
        ) from None


def cd_of_mach(profile: np.ndarray | int, mach: np.ndarray) -> np.ndarray:
    """Drag coefficient (NumPy reference) for profile indices and Mach numbers (broadcast)."""
    prof, m = np.broadcast_arrays(np.asarray(profile, dtype=np.int64), np.asarray(mach, float))
    out = np.empty(m.shape)
    for k in np.unique(prof):
        sel = prof == k
        out[sel] = np.interp(m[sel], CD_MACH, CD_TABLE[int(k)])
    return out


@njit(cache=True, fastmath=False, error_model="numpy")
def cd_scalar(profile: int, mach: float) -> float:
    """Scalar Numba version of :func:`cd_of_mach`."""
    n = CD_MACH.shape[0]
    if mach <= CD_MACH[0]:
        return CD_TABLE[profile, 0]
    if mach >= CD_MACH[n - 1]:
        return CD_TABLE[profile, n - 1]
    j = 0
    while CD_MACH[j + 1] < mach:
        j += 1
    f = (mach - CD_MACH[j]) / (CD_MACH[j + 1] - CD_MACH[j])
    return CD_TABLE[profile, j] + f * (CD_TABLE[profile, j + 1] - CD_TABLE[profile, j])
