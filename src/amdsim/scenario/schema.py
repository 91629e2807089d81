"""The scenario file schema: pydantic models with the agreed field names (SI inside).

Every model forbids unknown fields, refuses NaN/inf and is immutable. The file may use
other units with the unit in the key (``radius_km``, ``duration_min``,
``boresight_az_deg``); :mod:`amdsim.scenario.loader` converts them once before these
models see the data. Checks that need more than one field (unique names, references,
schedules inside the duration, reachability) are in :mod:`amdsim.scenario.checks`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from amdsim.core.frames import LocalFrame
from amdsim.scenario.types._base import Model

__all__ = [
    "MAX_ASSETS",
    "MAX_DURATION_S",
    "MAX_THREATS",
    "Asset",
    "Battery",
    "CatalogOverrides",
    "Circle",
    "Defence",
    "LaunchArea",
    "Origin",
    "RadarSite",
    "Raid",
    "Scenario",
    "Schedule",
    "Target",
]

MAX_THREATS = 1_000_000
"""Most threats a scenario may launch in total (sum of raid counts)."""
MAX_DURATION_S = 90 * 86_400.0
"""Longest scenario (s): a 90-day campaign."""
MAX_ASSETS = 100_000
MAX_SITES = 10_000
MAX_NAME = 200

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0)]
Lon = Annotated[float, Field(ge=-180.0, le=180.0)]
Alt = Annotated[float, Field(ge=-500.0, le=100_000.0)]


class _Strict(Model):
    """Scenario base: no NaN/inf, no silent type coercion (a number is a number)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False, strict=True
    )


class Origin(_Strict):
    """Origin of the scenario ENU frame (deg, deg, m above the WGS84 ellipsoid)."""

    lat_deg: Lat
    lon_deg: Lon
    alt_m: Alt = 0.0


class Circle(_Strict):
    """A circular defended area: centre and radius (m)."""

    lat_deg: Lat
    lon_deg: Lon
    radius_m: Annotated[float, Field(gt=0.0, le=1_000_000.0)]


class Asset(_Strict):
    """A defended asset with a value, either a circle or a polygon of ``[lat_deg, lon_deg]``."""

    name: Name
    value: Annotated[float, Field(ge=0.0, le=1e15)] = 1.0
    circle: Circle | None = None
    polygon: Annotated[list[list[float]], Field(max_length=100_000)] | None = None

    @field_validator("polygon")
    @classmethod
    def _vertices(cls, v: list[list[float]] | None) -> list[list[float]] | None:
        if v is None:
            return v
        if len(v) < 3:
            raise ValueError(f"a polygon needs at least 3 vertices (got {len(v)})")
        for i, p in enumerate(v):
            if len(p) != 2:
                raise ValueError(f"vertex {i} must be [lat_deg, lon_deg] (got {len(p)} numbers)")
            if not (np.isfinite(p[0]) and np.isfinite(p[1])):
                raise ValueError(f"vertex {i} must be finite numbers (got {p})")
            if not (-90.0 <= p[0] <= 90.0 and -180.0 <= p[1] <= 180.0):
                raise ValueError(f"vertex {i} {p} is not a valid [lat_deg, lon_deg]")
        return v

    @model_validator(mode="after")
    def _one_shape(self) -> Asset:
        if (self.circle is None) == (self.polygon is None):
            raise ValueError("give exactly one of 'circle' or 'polygon'")
        return self


class RadarSite(_Strict):
    """A radar of a catalog ``type`` at a site; boresight azimuth clockwise from north (rad)."""

    name: Name
    type: Name
    lat_deg: Lat
    lon_deg: Lon
    alt_m: Alt = 0.0
    boresight_az_rad: Annotated[float, Field(ge=-2 * np.pi, le=2 * np.pi)] = 0.0


class Battery(_Strict):
    """A battery of a catalog weapon ``system``; ``radars`` names scenario radars (None: all)."""

    name: Name
    system: Name
    lat_deg: Lat
    lon_deg: Lon
    alt_m: Alt = 0.0
    radars: list[Name] | None = None
    launchers: Annotated[int, Field(ge=1, le=1000)] | None = None
    inventory: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    engage_threshold: Annotated[float, Field(ge=0.0, le=1.0)] | None = None


class Defence(_Strict):
    """Battle-management settings."""

    decision_period_s: Annotated[float, Field(gt=0.0, le=3600.0)] = 1.0
    command_latency_s: Annotated[float, Field(ge=0.0, le=3600.0)] = 0.5
    wta: Literal["greedy", "milp", "assignment", "auto"] = "assignment"
    doctrine: Literal["shoot-look-shoot", "salvo"] = "shoot-look-shoot"
    cost_weight: Annotated[float, Field(ge=0.0, le=1e6)] = 0.0
    reserve_fraction: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0


class LaunchArea(_Strict):
    """Launch point (``radius_m`` 0) or disc from which launch points are drawn uniformly."""

    lat_deg: Lat
    lon_deg: Lon
    alt_m: Alt = 0.0
    radius_m: Annotated[float, Field(ge=0.0, le=1_000_000.0)] = 0.0


class Target(_Strict):
    """What a raid aims at: a defended ``asset`` by name, or an aim point."""

    asset: Name | None = None
    lat_deg: Lat | None = None
    lon_deg: Lon | None = None
    alt_m: Alt = 0.0

    @model_validator(mode="after")
    def _one_target(self) -> Target:
        has_point = self.lat_deg is not None or self.lon_deg is not None
        if self.asset is not None and has_point:
            raise ValueError("give exactly one of 'asset' or an aim point 'lat_deg'/'lon_deg'")
        if self.asset is None and not has_point:
            raise ValueError("give 'asset' or an aim point 'lat_deg' and 'lon_deg'")
        if has_point and (self.lat_deg is None or self.lon_deg is None):
            missing = "lon_deg" if self.lon_deg is None else "lat_deg"
            raise ValueError(f"aim point needs both 'lat_deg' and 'lon_deg' ({missing} missing)")
        return self


class Schedule(_Strict):
    """Launch times: explicit ``times_s``, or a window ``start_s``..``end_s`` with a pattern."""

    times_s: Annotated[list[float], Field(max_length=MAX_THREATS)] | None = None
    start_s: Annotated[float, Field(ge=0.0)] | None = None
    end_s: Annotated[float, Field(ge=0.0)] | None = None
    pattern: Literal["uniform", "poisson"] = "uniform"

    @model_validator(mode="after")
    def _one_form(self) -> Schedule:
        window = self.start_s is not None or self.end_s is not None
        if self.times_s is not None and window:
            raise ValueError("give either 'times_s' or 'start_s'/'end_s', not both")
        if self.times_s is None and not window:
            raise ValueError("give 'times_s' or a window 'start_s' and 'end_s'")
        if window:
            if self.start_s is None or self.end_s is None:
                raise ValueError("a launch window needs both 'start_s' and 'end_s'")
            if self.end_s < self.start_s:
                raise ValueError(
                    f"'end_s' ({self.end_s:g}) must not be before 'start_s' ({self.start_s:g})"
                )
        return self


class Raid(_Strict):
    """``count`` threats of catalog type ``threat`` from ``launch`` at ``target``."""

    name: Name
    threat: Name
    launch: LaunchArea
    target: Target
    count: Annotated[int, Field(ge=1, le=MAX_THREATS)]
    schedule: Schedule


class CatalogOverrides(_Strict):
    """Scenario additions/overrides of catalog entries: ``section -> name -> fields``."""

    threats: dict[str, dict[str, Any]] = Field(default_factory=dict)
    radars: dict[str, dict[str, Any]] = Field(default_factory=dict)
    interceptors: dict[str, dict[str, Any]] = Field(default_factory=dict)
    systems: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.threats or self.radars or self.interceptors or self.systems)


class Scenario(_Strict):
    """A whole scenario (SI units). Load it with :func:`amdsim.scenario.load_scenario`."""

    name: Name
    description: str = ""
    epoch: _dt.datetime = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
    origin: Origin
    duration_s: Annotated[float, Field(gt=0.0, le=MAX_DURATION_S)]
    dt_s: Annotated[float, Field(gt=0.0, le=3600.0)] = 0.1
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None
    assets: list[Asset] = Field(default_factory=list, max_length=MAX_ASSETS)
    radars: list[RadarSite] = Field(default_factory=list, max_length=MAX_SITES)
    batteries: list[Battery] = Field(default_factory=list, max_length=MAX_SITES)
    defence: Defence = Field(default_factory=Defence)
    raids: list[Raid] = Field(default_factory=list, max_length=MAX_SITES)
    catalog: CatalogOverrides = Field(default_factory=CatalogOverrides)

    _source: str = PrivateAttr(default="<scenario>")
    _resolved: Any = PrivateAttr(default=None)
    _lines: dict[Any, int] = PrivateAttr(default_factory=dict)
    _renames: dict[Any, Any] = PrivateAttr(default_factory=dict)

    @field_validator("epoch", mode="before")
    @classmethod
    def _parse_epoch(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                v = _dt.datetime.fromisoformat(v)
            except ValueError:
                raise ValueError(
                    f"must be an ISO 8601 date-time like 2026-01-01T00:00:00Z (got {v!r})"
                ) from None
        if isinstance(v, _dt.datetime) and v.tzinfo is None:
            v = v.replace(tzinfo=_dt.UTC)
        return v

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Scenario:
        """Cross-field and catalog checks for scenarios built in code (``model_validate``).

        The file loader passes ``context={"loader": True}`` and runs the same checks
        itself, so that it can report each problem at its file line.
        """
        if info.context and info.context.get("loader"):
            return self
        from amdsim.scenario._yaml import format_path
        from amdsim.scenario.catalog_loader import load_catalog
        from amdsim.scenario.checks import check_scenario

        catalog = load_catalog(self)
        problems = check_scenario(self, catalog)
        if problems:
            raise ValueError("; ".join(f"{format_path(p)}: {m}" for p, m in problems))
        return self

    @property
    def source(self) -> str:
        """File the scenario was read from (``<string>`` or ``<scenario>`` otherwise)."""
        return self._source

    @property
    def n_threats(self) -> int:
        """Total threats launched by all raids."""
        return sum(r.count for r in self.raids)

    @property
    def n_steps(self) -> int:
        """Number of time steps ``ceil(duration_s / dt_s)``."""
        return int(np.ceil(self.duration_s / self.dt_s - 1e-9))

    def frame(self) -> LocalFrame:
        """The ENU frame at :attr:`origin`."""
        return LocalFrame(self.origin.lat_deg, self.origin.lon_deg, self.origin.alt_m)

    @property
    def catalog_resolved(self) -> Any:
        """The built-in catalog with this scenario's ``catalog:`` overrides applied (cached)."""
        if self._resolved is None:
            from amdsim.scenario.catalog_loader import load_catalog

            self._resolved = load_catalog(self)
        return self._resolved
