"""Catalog models of interceptor types and weapon systems (battery types).

All values are SI (m, s, kg, N, m/s, m/s^2, USD). In the catalog YAML every physical value is
written ``{value, conf, source}``; the loader unwraps it (see ``_base.CatalogEntry``).
Impossible values (negative speed or mass, Pk outside [0, 1], zero launchers, a minimum range
above the maximum, ...) are refused here with a message naming the field; the scenario loader
adds the file and line.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, model_validator

from amdsim.scenario.types._base import CatalogEntry

__all__ = ["InterceptorType", "WeaponSystem"]

Tier = Literal["upper", "middle", "lower", "point"]
"""Defence tier used for tier hand-off (upper = exo/high endo BMD ... point = last ditch)."""

PosFloat = Annotated[float, Field(gt=0.0)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
Prob = Annotated[float, Field(ge=0.0, le=1.0)]


class InterceptorType(CatalogEntry):
    """A guided interceptor round (3-DOF point mass with boost / sustain / coast).

    Attributes
    ----------
    mass_launch_kg, mass_burnout_kg : launch mass and mass after all propellant is burnt (kg).
    boost_thrust_n, boost_time_s : boost motor thrust (N) and burn time (s).
    sustain_thrust_n, sustain_time_s : sustainer thrust (N) and burn time (s); 0 for none.
    ref_area_m2 : aerodynamic reference area (m^2). cd0 : zero-lift drag coefficient at low
        Mach; the Mach dependence is a shared shape (interceptors/_aero.py).
    max_accel_mps2 : structural / autopilot lateral acceleration limit (m/s^2).
    cl_max : maximum lift coefficient; aerodynamic lateral acceleration is
        ``q S cl_max / m`` (so it decays with dynamic pressure at altitude).
    divert_accel_mps2 : lateral acceleration available without air (divert thrusters of an
        exo-atmospheric kill vehicle), 0 for purely aerodynamic interceptors.
    nav_gain : effective navigation ratio N' of the homing law (3-5).
    guidance : ``"pn"`` (true PN), ``"ppn"`` (pure PN) or ``"apn"`` (augmented PN).
    loft_rad : launch elevation added to the line of sight to the predicted intercept point.
    guidance_delay_s : unguided time after launch (clearing the launcher).
    seeker_range_m : range-to-go at which the seeker acquires the target (terminal homing).
    lethal_radius_m : miss distance within which the warhead / hit-to-kill can kill.
    pk : kill probability given a miss within the lethal radius.
    max_flight_time_s : self-destruct time (s).
    min_speed_mps : below this speed after burnout the round can no longer intercept.
    unit_cost_usd : cost of one round (USD).
    """

    mass_launch_kg: PosFloat
    mass_burnout_kg: PosFloat
    boost_thrust_n: PosFloat
    boost_time_s: PosFloat
    sustain_thrust_n: NonNegFloat
    sustain_time_s: NonNegFloat
    ref_area_m2: PosFloat
    cd0: PosFloat
    max_accel_mps2: PosFloat
    cl_max: NonNegFloat
    divert_accel_mps2: NonNegFloat
    nav_gain: float = Field(ge=2.0, le=8.0)
    guidance: Literal["pn", "ppn", "apn"] = "pn"
    loft_rad: float = Field(ge=0.0, le=1.4)
    guidance_delay_s: NonNegFloat
    seeker_range_m: PosFloat
    lethal_radius_m: PosFloat
    pk: Prob
    max_flight_time_s: PosFloat
    min_speed_mps: NonNegFloat
    unit_cost_usd: NonNegFloat

    @model_validator(mode="after")
    def _check(self) -> InterceptorType:
        if self.mass_burnout_kg >= self.mass_launch_kg:
            raise ValueError(
                f"mass_burnout_kg ({self.mass_burnout_kg}) must be below mass_launch_kg "
                f"({self.mass_launch_kg})"
            )
        if (self.sustain_thrust_n > 0) != (self.sustain_time_s > 0):
            raise ValueError("sustain_thrust_n and sustain_time_s must both be 0 or both > 0")
        if self.boost_time_s + self.sustain_time_s > self.max_flight_time_s:
            raise ValueError("boost_time_s + sustain_time_s must not exceed max_flight_time_s")
        return self


class WeaponSystem(CatalogEntry):
    """A battery type: what it fires, with what, how fast, and where it can engage.

    ``kind`` selects the engagement model: ``missile`` (guided interceptor flyouts of type
    ``interceptor``), ``gun`` (C-RAM class: bursts with a Pk per burst by range) or ``laser``
    (Iron Beam class: dwell time to kill growing with range squared, range-limited).

    Attributes
    ----------
    radar : radar type name (radar catalog) the battery normally uses.
    tier : defence tier for tier hand-off.
    launchers, rounds_per_launcher : missile launchers and ready rounds per launcher
        (guns / lasers: 1 mount, rounds = bursts or shots available before reload).
    reload_time_s : time to reload one launcher (s).
    fire_channels : engagements the fire control can guide at once.
    reaction_time_s : fire order to first launch (s).
    engage_threshold : default minimum probability of hitting a defended asset to engage.
    min_range_m, max_range_m, min_alt_m, max_alt_m : engagement envelope (ground range from
        the battery and altitude above it, m); the flyout table is clipped to it.
    threat_range_min_m, threat_range_max_m : publicly quoted range of the threats the system
        is meant for (e.g. Iron Dome 4-70 km); informative, battle management may use it.
    round_cost_usd : gun: cost of one round; laser: cost of one shot; missile: ignored
        (the interceptor's unit cost is used).
    rate_rds_per_s, rounds_per_burst, pk_range_m, pk_burst : gun burst model.
    dwell_ref_s, dwell_ref_range_m, laser_pk, weather_factor : laser dwell model
        (dwell = dwell_ref_s * (range / dwell_ref_range_m)^2 * weather_factor).
    """

    kind: Literal["missile", "gun", "laser"] = "missile"
    interceptor: str | None = None
    radar: str
    tier: Tier
    launchers: int = Field(ge=1)
    rounds_per_launcher: int = Field(ge=1)
    reload_time_s: NonNegFloat
    fire_channels: int = Field(ge=1)
    reaction_time_s: NonNegFloat
    engage_threshold: Prob
    min_range_m: NonNegFloat
    max_range_m: PosFloat
    min_alt_m: NonNegFloat
    max_alt_m: PosFloat
    threat_range_min_m: float | None = Field(default=None, ge=0.0)
    threat_range_max_m: float | None = Field(default=None, gt=0.0)
    round_cost_usd: float = Field(default=0.0, ge=0.0)
    rate_rds_per_s: float | None = Field(default=None, gt=0.0)
    rounds_per_burst: int | None = Field(default=None, ge=1)
    pk_range_m: list[float] | None = None
    pk_burst: list[float] | None = None
    dwell_ref_s: float | None = Field(default=None, gt=0.0)
    dwell_ref_range_m: float | None = Field(default=None, gt=0.0)
    laser_pk: float | None = Field(default=None, ge=0.0, le=1.0)
    weather_factor: float = Field(default=1.0, ge=1.0)

    @model_validator(mode="after")
    def _check(self) -> WeaponSystem:
        if self.min_range_m >= self.max_range_m:
            raise ValueError(
                f"min_range_m ({self.min_range_m}) must be below max_range_m ({self.max_range_m})"
            )
        if self.min_alt_m >= self.max_alt_m:
            raise ValueError(
                f"min_alt_m ({self.min_alt_m}) must be below max_alt_m ({self.max_alt_m})"
            )
        if self.kind == "missile" and not self.interceptor:
            raise ValueError("a missile system must name its interceptor type")
        if self.kind == "gun":
            need: tuple[str, ...] = ("rate_rds_per_s", "rounds_per_burst", "pk_range_m", "pk_burst")
            missing = [n for n in need if getattr(self, n) is None]
            if missing:
                raise ValueError(f"a gun system needs {', '.join(missing)}")
            r, p = self.pk_range_m or [], self.pk_burst or []
            if len(r) != len(p) or len(r) < 2:
                raise ValueError("pk_range_m and pk_burst must have the same length >= 2")
            if any(b <= a for a, b in itertools.pairwise(r)) or r[0] < 0:
                raise ValueError("pk_range_m must be non-negative and strictly increasing")
            if any(not 0.0 <= x <= 1.0 for x in p):
                raise ValueError("pk_burst values must be in [0, 1]")
        if self.kind == "laser":
            need = ("dwell_ref_s", "dwell_ref_range_m", "laser_pk")
            missing = [n for n in need if getattr(self, n) is None]
            if missing:
                raise ValueError(f"a laser system needs {', '.join(missing)}")
        return self
