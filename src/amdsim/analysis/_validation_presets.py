"""Short copies of the long presets, for tests and the quick validation report.

A full preset may fly eleven days of rockets or eight hours of drones; its short copy keeps
the geography, the defence, the catalog and every raid (so every stage and every threat type
still runs) but launches fewer threats inside a short window, and brings slow, long
approaches (drones, cruise missiles) closer along their own great circle so that they arrive
within the run. Nothing else changes: rockets and ballistic missiles keep their launch
points, so their flight times, speeds and reentry conditions are those of the full preset.
"""

from __future__ import annotations

import math
from typing import Any

from amdsim.scenario import Scenario
from amdsim.scenario.checks import aim_point, ground_distance_m

__all__ = ["estimated_flight_s", "shortened"]

_G_MPS2 = 9.80665
_R_EARTH_M = 6_371_000.0


def _destination(lat_deg: float, lon_deg: float, brg_rad: float, d_m: float) -> tuple[float, float]:
    """Point at distance ``d_m`` along the great circle of initial bearing ``brg_rad``
    (spherical Earth; standard direct formula)."""
    la, lo, d = math.radians(lat_deg), math.radians(lon_deg), d_m / _R_EARTH_M
    la2 = math.asin(math.sin(la) * math.cos(d) + math.cos(la) * math.sin(d) * math.cos(brg_rad))
    lo2 = lo + math.atan2(
        math.sin(brg_rad) * math.sin(d) * math.cos(la), math.cos(d) - math.sin(la) * math.sin(la2)
    )
    return math.degrees(la2), (math.degrees(lo2) + 540.0) % 360.0 - 180.0


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    la1, la2, dlo = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dlo) * math.cos(la2)
    x = math.cos(la1) * math.sin(la2) - math.sin(la1) * math.cos(la2) * math.cos(dlo)
    return math.atan2(y, x)


def estimated_flight_s(threat: Any, range_m: float) -> float:
    """Rough flight time (s) of a threat type over ``range_m``: distance / cruise speed for
    drones and cruise missiles; burn time plus the flat-Earth minimum-energy time
    ``sqrt(2 R / g)`` (public-figures §4.4 flat-earth check), times 1.3 for drag and loft,
    for rockets, mortars and ballistic missiles. Used only to size the short run."""
    if threat.kind in ("drone", "cruise"):
        return range_m / float(threat.cruise_speed_mps) + 60.0
    burn = float(getattr(threat, "burn_time_s", 0.0) or 0.0)
    return burn + 1.3 * math.sqrt(2.0 * range_m / _G_MPS2)


def shortened(
    scenario: Scenario,
    *,
    max_threats: int = 40,
    window_s: float = 60.0,
    max_approach_s: float = 600.0,
    min_duration_s: float = 60.0,
    dt_s: float | None = None,
) -> Scenario:
    """A short copy of ``scenario`` (see the module docstring).

    Parameters
    ----------
    max_threats
        Total launches aimed for; every raid keeps at least one threat, the others scale in
        proportion (``count * max_threats / n_threats``, rounded, at least 1).
    window_s
        All launches are mapped linearly from the original schedule span into ``[0, window_s]``,
        keeping their order and relative timing.
    max_approach_s
        Drones and cruise missiles whose approach would take longer are launched closer, on
        the line to their aim point (never inside the type's minimum range).
    min_duration_s
        The run lasts at least this long, and at least until the slowest threat launched at
        the end of the window has arrived (estimated) plus 20 %.
    dt_s
        Optional new time step (s); default: the scenario's.
    """
    cat = scenario.catalog_resolved
    data = scenario.model_dump()
    total = max(scenario.n_threats, 1)
    scale = min(1.0, max_threats / total)
    span = 0.0
    for raid in scenario.raids:
        sch = raid.schedule
        span = max(span, max(sch.times_s) if sch.times_s else float(sch.end_s or 0.0))
    stretch = window_s / span if span > 0 else 0.0
    longest = 0.0
    for i, raid in enumerate(scenario.raids):
        rd = data["raids"][i]
        threat = cat.threats[raid.threat]
        count = max(1, round(raid.count * scale))
        rd["count"] = count
        sch = raid.schedule
        if sch.times_s is not None:
            times = sorted(sch.times_s)
            pick = [times[round(k * (len(times) - 1) / max(count - 1, 1))] for k in range(count)]
            rd["schedule"] = {"times_s": [t * stretch for t in pick]}
        else:
            rd["schedule"] = {
                "start_s": float(sch.start_s or 0.0) * stretch,
                "end_s": float(sch.end_s or 0.0) * stretch,
                "pattern": sch.pattern,
            }
        lat0, lon0 = raid.launch.lat_deg, raid.launch.lon_deg
        alat, alon = aim_point(scenario, i)
        dist = ground_distance_m(lat0, lon0, alat, alon)
        if threat.kind in ("drone", "cruise"):
            want = float(threat.cruise_speed_mps) * max_approach_s
            floor = float(threat.min_range_m) * 1.1 + raid.launch.radius_m
            new = max(floor, want)
            if new < dist:
                brg = _bearing(alat, alon, lat0, lon0)
                nlat, nlon = _destination(alat, alon, brg, new)
                rd["launch"] = {**rd["launch"], "lat_deg": nlat, "lon_deg": nlon}
                dist = new
        longest = max(longest, estimated_flight_s(threat, dist + raid.launch.radius_m))
    data["duration_s"] = max(min_duration_s, 1.2 * (window_s + longest))
    if dt_s is not None:
        data["dt_s"] = dt_s
    data["name"] = f"{scenario.name} (short)"
    return Scenario.model_validate(data)
