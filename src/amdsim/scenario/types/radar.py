"""Catalog model of a radar type (owned by the sensors stage).

All fields are SI (m, s, rad, m^2). A catalog or scenario entry may also give angles as
``*_deg`` and lengths as ``*_km``; they are converted once here, before validation.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from amdsim.scenario.types._base import CatalogEntry

__all__ = ["RadarType"]

_SUFFIX_CONVERSIONS = (("_deg", "_rad", math.radians), ("_km", "_m", lambda v: 1000.0 * v))


def _convert_units(data: Any) -> Any:
    """Rename ``x_deg`` -> ``x_rad`` and ``x_km`` -> ``x_m`` with the value converted."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key in list(out):
        for suffix, new_suffix, conv in _SUFFIX_CONVERSIONS:
            if isinstance(key, str) and key.endswith(suffix):
                new_key = key[: -len(suffix)] + new_suffix
                value = out.pop(key)
                out[new_key] = conv(float(value)) if isinstance(value, (int, float)) else value
                prov = out.get("provenance")
                if isinstance(prov, dict) and key in prov:
                    prov = dict(prov)
                    prov[new_key] = prov.pop(key)
                    out["provenance"] = prov
    return out


class RadarType(CatalogEntry):
    """A surveillance / fire-control radar type.

    The detection model (see :mod:`amdsim.sensors.radar`) scales the signal-to-noise ratio
    with the radar equation, ``SNR = SNR_ref * (rcs / ref_rcs) * (detection_range / R)^4``,
    where ``SNR_ref`` is the single-look SNR that gives probability ``pd_ref`` of detecting
    the reference target at ``detection_range_m`` for the radar's ``pfa`` and Swerling case.
    """

    detection_range_m: float = Field(gt=0)
    """Range at which a target of ``ref_rcs_m2`` is detected with probability ``pd_ref`` (m)."""
    ref_rcs_m2: float = Field(default=1.0, gt=0)
    """Radar cross-section of the reference target that ``detection_range_m`` refers to (m^2)."""
    pd_ref: float = Field(default=0.9, gt=0, lt=1)
    """Single-look detection probability of the reference target at ``detection_range_m``."""
    pfa: float = Field(default=1e-6, gt=0, lt=0.1)
    """Probability of false alarm per resolution cell and look."""
    swerling: Literal[0, 1] = 1
    """Target fluctuation model used for Pd (0: steady target, 1: Swerling 1)."""
    revisit_s: float = Field(default=1.0, gt=0)
    """Time between two looks at the same direction (s)."""
    min_range_m: float = Field(default=500.0, ge=0)
    """Instrumented minimum range (m)."""
    max_range_m: float = Field(gt=0)
    """Instrumented maximum range (m)."""
    az_half_width_rad: float = Field(default=math.pi, gt=0, le=math.pi)
    """Half-width of the azimuth field of regard about the boresight (rad); pi = 360 deg."""
    el_min_rad: float = Field(default=0.0, ge=-math.pi / 2, le=math.pi / 2)
    """Minimum elevation of the beam (rad), applied to the refracted (4/3 Earth) elevation."""
    el_max_rad: float = Field(default=math.radians(70.0), gt=-math.pi / 2, le=math.pi / 2)
    """Maximum elevation of the field of regard (rad)."""
    sigma_range_m: float = Field(default=20.0, ge=0)
    """Standard deviation of the range measurement noise (m)."""
    sigma_az_rad: float = Field(default=math.radians(0.2), ge=0)
    """Standard deviation of the azimuth measurement noise (rad)."""
    sigma_el_rad: float = Field(default=math.radians(0.2), ge=0)
    """Standard deviation of the elevation measurement noise (rad)."""
    n_cells: float = Field(default=1.0e6, ge=0)
    """Resolution cells per scan; expected false alarms per scan = ``pfa * n_cells``."""
    antenna_height_m: float = Field(default=5.0, ge=0)
    """Height of the antenna phase centre above the site altitude (m)."""

    @model_validator(mode="before")
    @classmethod
    def _units(cls, data: Any) -> Any:
        return _convert_units(data)

    @model_validator(mode="after")
    def _check(self) -> RadarType:
        if self.max_range_m <= self.min_range_m:
            raise ValueError(
                f"max_range_m ({self.max_range_m}) must exceed min_range_m ({self.min_range_m})"
            )
        if self.el_max_rad <= self.el_min_rad:
            raise ValueError("el_max_rad must exceed el_min_rad")
        return self
