"""Build the scenario's radar network from the scenario and the catalog."""

from __future__ import annotations

import math
from typing import Any

from amdsim.core.frames import LocalFrame
from amdsim.scenario.types.radar import RadarType
from amdsim.sensors.geometry import local_earth_radius_m, site_transform
from amdsim.sensors.radar import Radar, RadarNetwork

__all__ = ["build_radars", "make_radar"]


def _get(entry: Any, name: str, default: Any = None) -> Any:
    if isinstance(entry, dict):
        return entry.get(name, default)
    return getattr(entry, name, default)


def make_radar(
    name: str,
    index: int,
    rtype: RadarType,
    frame: LocalFrame,
    lat_deg: float,
    lon_deg: float,
    alt_m: float = 0.0,
    boresight_az_rad: float = 0.0,
    scan_phase_s: float = 0.0,
) -> Radar:
    """One radar at a geodetic site (antenna ``rtype.antenna_height_m`` above ``alt_m``)."""
    height = float(alt_m) + rtype.antenna_height_m
    site, rot = site_transform(frame, lat_deg, lon_deg, height)
    return Radar(
        name=name,
        index=index,
        rtype=rtype,
        site_m=site,
        rot=rot,
        height_m=height,
        earth_radius_m=local_earth_radius_m(lat_deg),
        boresight_az_rad=float(boresight_az_rad),
        scan_phase_s=float(scan_phase_s),
    )


def build_radars(scenario: Any, catalog: Any, frame: LocalFrame) -> RadarNetwork:
    """The :class:`RadarNetwork` of ``scenario.radars`` (types from ``catalog.radars``).

    Each scenario radar entry needs ``name``, ``type``, ``lat_deg``, ``lon_deg`` and may
    give ``alt_m`` (default 0) and the boresight azimuth (``boresight_az_rad`` or
    ``boresight_az_deg``, clockwise from north, default 0). Sensor indices follow the
    order of ``scenario.radars``.
    """
    types: dict[str, RadarType] = dict(_get(catalog, "radars", {}) or {})
    radars = []
    for i, entry in enumerate(_get(scenario, "radars", []) or []):
        type_name = _get(entry, "type")
        if type_name not in types:
            raise KeyError(
                f"radars[{i}] ({_get(entry, 'name')!r}): unknown radar type {type_name!r}; "
                f"known: {sorted(types)}"
            )
        bore = _get(entry, "boresight_az_rad")
        if bore is None:
            bore = math.radians(float(_get(entry, "boresight_az_deg", 0.0) or 0.0))
        radars.append(
            make_radar(
                name=str(_get(entry, "name")),
                index=i,
                rtype=types[type_name],
                frame=frame,
                lat_deg=float(_get(entry, "lat_deg")),
                lon_deg=float(_get(entry, "lon_deg")),
                alt_m=float(_get(entry, "alt_m", 0.0) or 0.0),
                boresight_az_rad=float(bore),
            )
        )
    return RadarNetwork(tuple(radars))
