"""Catalog model of a threat type (rocket, mortar, ballistic missile, cruise missile, drone).

Owned by the threats stage (:mod:`amdsim.threats`). All fields are SI (m, s, kg, N, rad,
m^2); a catalog or scenario file may write angles as ``*_deg`` and lengths as ``*_km`` (the
loader converts). Flight models by ``kind``:

* ``rocket`` — unguided, full motor burn (``thrust_n`` for ``burn_time_s`` consuming
  ``propellant_mass_kg``), leaves the launcher at ``launch_speed_mps``; range is set by the
  launcher elevation (low branch, ``elevation_min_rad`` .. ``elevation_max_rad``).
* ``mortar`` — unpowered shell fired at ``launch_speed_mps`` (muzzle speed); range set by
  the elevation on the high-angle branch (``elevation_min_rad`` .. ``elevation_max_rad``).
* ``ballistic`` — rises at ``launch_elevation_rad`` (pitch-over kick) then gravity-turns
  with thrust along velocity; range set by the engine cut-off time (<= ``burn_time_s``).
* ``cruise`` / ``drone`` — kinematic: climbs at ``climb_angle_rad`` to
  ``cruise_altitude_m``, flies at ``cruise_speed_mps`` through the waypoints, dives onto
  the aim point at ``dive_angle_rad``.

Dispersion: unguided kinds give ``range_sigma_frac`` / ``deflection_sigma_frac`` (1-sigma,
fraction of range); guided kinds give ``cep_m`` (circular error probable).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from amdsim.scenario.types._base import CatalogEntry

__all__ = ["DRAG_PROFILES", "THREAT_KINDS", "ThreatType"]

THREAT_KINDS = ("rocket", "mortar", "ballistic", "cruise", "drone")
DRAG_PROFILES = ("slender_rocket", "blunt_shell", "reentry_vehicle", "subsonic_airframe")
"""Names of the drag-coefficient profiles of :mod:`amdsim.physics.drag`."""


class ThreatType(CatalogEntry):
    """A threat type: mass properties, propulsion, flight profile, dispersion, signature."""

    kind: Literal["rocket", "mortar", "ballistic", "cruise", "drone"]
    launch_mass_kg: float = Field(gt=0)
    """Mass at launch (kg)."""
    diameter_m: float = Field(gt=0)
    """Body diameter (m); the drag reference area is ``pi d^2 / 4``."""
    drag_profile: Literal["slender_rocket", "blunt_shell", "reentry_vehicle", "subsonic_airframe"]
    min_range_m: float = Field(ge=0)
    max_range_m: float = Field(gt=0)
    thrust_n: float = Field(default=0.0, ge=0)
    """Motor thrust, constant during the burn (N)."""
    burn_time_s: float = Field(default=0.0, ge=0)
    """Full motor burn time (s)."""
    propellant_mass_kg: float = Field(default=0.0, ge=0)
    """Propellant burnt in ``burn_time_s`` (kg); mass flow is its ratio."""
    launch_speed_mps: float = Field(default=0.0, ge=0)
    """Speed leaving the launcher: rail exit / muzzle speed / initial rise speed (m/s)."""
    elevation_min_rad: float = Field(default=0.0, ge=0, le=math.pi / 2)
    """Lowest launcher elevation searched by the launch solution (rocket, mortar)."""
    elevation_max_rad: float = Field(default=math.radians(60.0), ge=0, le=math.pi / 2)
    """Highest launcher elevation searched by the launch solution (rocket, mortar)."""
    launch_elevation_rad: float = Field(default=math.radians(80.0), gt=0, le=math.pi / 2)
    """Ballistic missiles: flight-path elevation at the end of the vertical rise (rad)."""
    cruise_speed_mps: float = Field(default=0.0, ge=0)
    cruise_altitude_m: float = Field(default=0.0, ge=0)
    climb_angle_rad: float = Field(default=math.radians(15.0), gt=0, le=math.pi / 2)
    dive_angle_rad: float = Field(default=math.radians(30.0), gt=0, le=math.pi / 2)
    range_sigma_frac: float = Field(default=0.0, ge=0, le=0.5)
    """1-sigma range error as a fraction of range (unguided kinds)."""
    deflection_sigma_frac: float = Field(default=0.0, ge=0, le=0.5)
    """1-sigma deflection (cross-range) error as a fraction of range (unguided kinds)."""
    cep_m: float = Field(default=0.0, ge=0)
    """Circular error probable (m), guided kinds: sigma per axis = CEP / 1.1774."""
    rcs_m2: float = Field(gt=0)
    """Radar cross-section (m^2); no public figures exist: always an assumption."""
    unit_cost_usd: float | None = Field(default=None, ge=0)
    warhead_mass_kg: float | None = Field(default=None, ge=0)

    @property
    def area_m2(self) -> float:
        """Drag reference area ``pi d^2 / 4`` (m^2)."""
        return math.pi * self.diameter_m**2 / 4.0

    @property
    def boosted(self) -> bool:
        return self.kind in ("rocket", "ballistic")

    @model_validator(mode="after")
    def _consistent(self) -> ThreatType:
        if self.min_range_m >= self.max_range_m:
            raise ValueError(
                f"min_range_m ({self.min_range_m:g}) must be below max_range_m ({self.max_range_m:g})"
            )
        if self.boosted:
            if self.thrust_n <= 0 or self.burn_time_s <= 0:
                raise ValueError(f"a {self.kind} needs thrust_n > 0 and burn_time_s > 0")
            if not 0 < self.propellant_mass_kg < self.launch_mass_kg:
                raise ValueError("propellant_mass_kg must be > 0 and below launch_mass_kg")
        if self.kind in ("rocket", "mortar"):
            if self.elevation_min_rad >= self.elevation_max_rad:
                raise ValueError("elevation_min_rad must be below elevation_max_rad")
        if self.kind == "mortar" and self.launch_speed_mps <= 0:
            raise ValueError("a mortar needs launch_speed_mps (muzzle speed) > 0")
        if self.kind in ("cruise", "drone") and (
            self.cruise_speed_mps <= 0 or self.cruise_altitude_m <= 0
        ):
            raise ValueError(f"a {self.kind} needs cruise_speed_mps > 0 and cruise_altitude_m > 0")
        return self

    def check_range(self, range_m: float, what: str = "aim point") -> None:
        """Raise ``ValueError`` naming ``what`` if ``range_m`` is outside the type's range."""
        if range_m > self.max_range_m:
            raise ValueError(
                f"{what}: {range_m / 1000:.1f} km is beyond the maximum range of {self.label} "
                f"({self.max_range_m / 1000:.1f} km)"
            )
        if range_m < self.min_range_m:
            raise ValueError(
                f"{what}: {range_m / 1000:.1f} km is inside the minimum range of {self.label} "
                f"({self.min_range_m / 1000:.1f} km)"
            )
