"""Catalog threat types as kernel arrays, and local geometry helpers on the launch sphere."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from amdsim.core.constants import WGS84_A_M
from amdsim.core.frames import ecef_to_geodetic, geodetic_to_ecef
from amdsim.physics.drag import profile_index
from amdsim.scenario.types.threat import ThreatType
from amdsim.threats._kernel import KIND_CODES

__all__ = ["TypeArrays", "bearing_range", "local_axes", "offset_point"]


@dataclass(frozen=True)
class TypeArrays:
    """One row per catalog threat type (order of ``names``), SI, for the kernels."""

    names: tuple[str, ...]
    types: tuple[ThreatType, ...]
    kind: np.ndarray  # (k,) int8 kind code (see amdsim.threats._kernel)
    mass0_kg: np.ndarray
    area_m2: np.ndarray
    cd_profile: np.ndarray  # (k,) int64
    thrust_n: np.ndarray
    mdot_kgps: np.ndarray
    burn_time_s: np.ndarray
    launch_speed_mps: np.ndarray
    el_min_rad: np.ndarray
    el_max_rad: np.ndarray
    el_launch_rad: np.ndarray
    speed_mps: np.ndarray
    cruise_alt_m: np.ndarray
    tan_dive: np.ndarray
    sin_climb: np.ndarray
    range_sigma_frac: np.ndarray
    deflection_sigma_frac: np.ndarray
    cep_m: np.ndarray
    rcs_m2: np.ndarray
    min_range_m: np.ndarray
    max_range_m: np.ndarray

    @staticmethod
    def from_catalog(
        threats: Mapping[str, ThreatType], names: Sequence[str] | None = None
    ) -> TypeArrays:
        """Arrays of the catalog entries ``names`` (default: all, in catalog order)."""
        names = tuple(threats) if names is None else tuple(names)
        ts = tuple(threats[n] for n in names)

        def col(f: object) -> np.ndarray:
            return np.array([f(t) for t in ts], dtype=float)  # type: ignore[operator]

        burn = col(lambda t: t.burn_time_s)
        prop = col(lambda t: t.propellant_mass_kg)
        with np.errstate(divide="ignore", invalid="ignore"):
            mdot = np.where(burn > 0, prop / np.where(burn > 0, burn, 1.0), 0.0)
        return TypeArrays(
            names=names,
            types=ts,
            kind=np.array([KIND_CODES[t.kind] for t in ts], dtype=np.int8),
            mass0_kg=col(lambda t: t.launch_mass_kg),
            area_m2=col(lambda t: t.area_m2),
            cd_profile=np.array([profile_index(t.drag_profile) for t in ts], dtype=np.int64),
            thrust_n=col(lambda t: t.thrust_n),
            mdot_kgps=mdot,
            burn_time_s=burn,
            launch_speed_mps=col(lambda t: t.launch_speed_mps),
            el_min_rad=col(lambda t: t.elevation_min_rad),
            el_max_rad=col(lambda t: t.elevation_max_rad),
            el_launch_rad=col(lambda t: t.launch_elevation_rad),
            speed_mps=col(lambda t: t.cruise_speed_mps),
            cruise_alt_m=col(lambda t: t.cruise_altitude_m),
            tan_dive=col(lambda t: math.tan(t.dive_angle_rad)),
            sin_climb=col(lambda t: math.sin(t.climb_angle_rad)),
            range_sigma_frac=col(lambda t: t.range_sigma_frac),
            deflection_sigma_frac=col(lambda t: t.deflection_sigma_frac),
            cep_m=col(lambda t: t.cep_m),
            rcs_m2=col(lambda t: t.rcs_m2),
            min_range_m=col(lambda t: t.min_range_m),
            max_range_m=col(lambda t: t.max_range_m),
        )

    def index(self, names: Sequence[str]) -> np.ndarray:
        """Type indices of ``names``; ``KeyError`` naming the unknown type and the known ones."""
        lookup = {n: i for i, n in enumerate(self.names)}
        out = np.empty(len(names), dtype=np.int64)
        for j, n in enumerate(names):
            if n not in lookup:
                raise KeyError(f"unknown threat type {n!r}; known: {', '.join(self.names)}")
            out[j] = lookup[n]
        return out


def local_axes(pos_ecef_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodetic east, north, up unit vectors ``(n, 3)`` at ECEF points ``(n, 3)``."""
    lat, lon, _ = ecef_to_geodetic(pos_ecef_m)
    la, lo = np.radians(lat), np.radians(lon)
    sla, cla, slo, clo = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
    east = np.stack([-slo, clo, np.zeros_like(lo)], axis=-1)
    north = np.stack([-sla * clo, -sla * slo, cla], axis=-1)
    up = np.stack([cla * clo, cla * slo, sla], axis=-1)
    return east, north, up


def bearing_range(
    from_ecef_m: np.ndarray, to_ecef_m: np.ndarray, east: np.ndarray, north: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Initial great-circle bearing (rad, clockwise from north) and range (m) on a sphere of
    radius ``a`` between ECEF points, with the local ``east``/``north`` axes of ``from``."""
    ua = from_ecef_m / np.linalg.norm(from_ecef_m, axis=-1, keepdims=True)
    ub = to_ecef_m / np.linalg.norm(to_ecef_m, axis=-1, keepdims=True)
    c = np.sum(ua * ub, axis=-1)
    tang = ub - c[:, None] * ua
    s = np.linalg.norm(tang, axis=-1)
    rng_m = WGS84_A_M * np.arctan2(s, c)
    brg = np.arctan2(np.sum(tang * east, axis=-1), np.sum(tang * north, axis=-1))
    return brg, rng_m


def offset_point(
    point_ecef_m: np.ndarray,
    downrange_unit: np.ndarray,
    d_down_m: np.ndarray,
    d_cross_m: np.ndarray,
) -> np.ndarray:
    """Move ground points by ``d_down`` along ``downrange_unit`` (horizontal, ``(n, 3)``) and
    ``d_cross`` to its right, then put them back on the ellipsoid (height 0)."""
    _, _, up = local_axes(point_ecef_m)
    right = np.cross(downrange_unit, up)
    moved = point_ecef_m + d_down_m[:, None] * downrange_unit + d_cross_m[:, None] * right
    lat, lon, _ = ecef_to_geodetic(moved)
    return geodetic_to_ecef(lat, lon, np.zeros_like(lat)).reshape(-1, 3)
