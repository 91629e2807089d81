"""Frames: WGS84 geodetic, Earth-centred Earth-fixed (ECEF) and local East-North-Up (ENU).

Truth propagates in ECEF; displays, the tracker and battle management use the ENU frame of
the scenario origin. Geodetic <-> ECEF conversions are pymap3d's (vectorised, WGS84);
ECEF <-> ENU is the fixed rotation of the origin, done here as one matrix product so it is
cheap on ``(n, 3)`` batches. Angles are radians unless the name says ``_deg``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pymap3d

__all__ = [
    "LocalFrame",
    "ecef_to_geodetic",
    "enu_rotation",
    "geodetic_to_ecef",
]

_WGS84 = pymap3d.Ellipsoid.from_name("wgs84")


ArrayLike = np.ndarray | float


def geodetic_to_ecef(lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike) -> np.ndarray:
    """WGS84 geodetic (deg, deg, m above the ellipsoid) -> ECEF ``(n, 3)`` in metres."""
    x, y, z = pymap3d.geodetic2ecef(
        np.asarray(lat_deg, float), np.asarray(lon_deg, float), np.asarray(alt_m, float), _WGS84
    )
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1).astype(float)


def ecef_to_geodetic(pos_ecef_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF ``(..., 3)`` metres -> WGS84 ``(lat_deg, lon_deg, alt_m)``."""
    p = np.asarray(pos_ecef_m, float)
    lat, lon, alt = pymap3d.ecef2geodetic(p[..., 0], p[..., 1], p[..., 2], _WGS84)
    return np.asarray(lat, float), np.asarray(lon, float), np.asarray(alt, float)


def enu_rotation(lat_deg: float, lon_deg: float) -> np.ndarray:
    """Rotation ``R`` (3, 3) with ``v_enu = R @ v_ecef`` at the given geodetic point."""
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    sla, cla, slo, clo = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
    return np.array(
        [
            [-slo, clo, 0.0],
            [-sla * clo, -sla * slo, cla],
            [cla * clo, cla * slo, sla],
        ]
    )


@dataclass(frozen=True)
class LocalFrame:
    """The ENU frame at a geodetic origin (x east, y north, z up, metres).

    Examples
    --------
    >>> f = LocalFrame(31.5, 34.5)
    >>> enu = f.ecef_to_enu(f.origin_ecef_m[None, :])
    >>> bool(np.allclose(enu, 0.0, atol=1e-6))
    True
    """

    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0
    origin_ecef_m: np.ndarray = field(init=False, repr=False)
    rot: np.ndarray = field(init=False, repr=False)
    rot_t: np.ndarray = field(init=False, repr=False)  # contiguous transpose: fast matmul

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "origin_ecef_m",
            geodetic_to_ecef(self.lat_deg, self.lon_deg, self.alt_m).reshape(3),
        )
        object.__setattr__(self, "rot", enu_rotation(self.lat_deg, self.lon_deg))
        object.__setattr__(self, "rot_t", np.ascontiguousarray(self.rot.T))

    # positions ---------------------------------------------------------------
    def ecef_to_enu(self, pos_ecef_m: np.ndarray) -> np.ndarray:
        """ECEF positions ``(..., 3)`` -> ENU positions (m)."""
        return (np.asarray(pos_ecef_m, float) - self.origin_ecef_m) @ self.rot_t

    def enu_to_ecef(self, pos_enu_m: np.ndarray) -> np.ndarray:
        """ENU positions ``(..., 3)`` -> ECEF positions (m)."""
        return np.asarray(pos_enu_m, float) @ self.rot + self.origin_ecef_m

    # vectors (velocities, accelerations) ---------------------------------------
    def vec_ecef_to_enu(self, v_ecef: np.ndarray) -> np.ndarray:
        return np.asarray(v_ecef, float) @ self.rot_t

    def vec_enu_to_ecef(self, v_enu: np.ndarray) -> np.ndarray:
        return np.asarray(v_enu, float) @ self.rot

    def cov_ecef_to_enu(self, cov_ecef: np.ndarray) -> np.ndarray:
        """Covariances ``(..., 3, 3)`` from ECEF to ENU axes."""
        return self.rot @ np.asarray(cov_ecef, float) @ self.rot_t

    # geodetic ----------------------------------------------------------------
    def geodetic_to_enu(
        self, lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike
    ) -> np.ndarray:
        return self.ecef_to_enu(geodetic_to_ecef(lat_deg, lon_deg, alt_m))

    def enu_to_geodetic(self, pos_enu_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return ecef_to_geodetic(self.enu_to_ecef(pos_enu_m))

    def altitude_m(self, pos_enu_m: np.ndarray) -> np.ndarray:
        """Height above the WGS84 ellipsoid of ENU positions (m)."""
        return self.enu_to_geodetic(pos_enu_m)[2]
