"""Checks across fields of a validated scenario: names, references, schedules, reachability.

These run after the per-field pydantic validation and before anything is simulated, so a
scenario that cannot happen (an aim point out of the threat's range, a launch time after
the end) is refused with the field that causes it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pymap3d.vincenty import vdist

from amdsim.core.frames import LocalFrame
from amdsim.scenario._errors import did_you_mean
from amdsim.scenario._yaml import Path
from amdsim.scenario.frames import polygon_centroid
from amdsim.scenario.schema import MAX_THREATS, Asset, Scenario

__all__ = ["MAX_STEPS", "aim_point", "asset_centre", "check_scenario", "ground_distance_m"]

MAX_STEPS = 100_000_000
"""Most time steps (``duration_s / dt_s``) a scenario may ask for."""


def ground_distance_m(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float) -> float:
    """Geodesic distance on the WGS84 ellipsoid (m), Vincenty's inverse formula (pymap3d).

    Source: T. Vincenty, "Direct and inverse solutions of geodesics on the ellipsoid",
    Survey Review 23(176), 1975.
    """
    if lat1_deg == lat2_deg and lon1_deg == lon2_deg:
        return 0.0
    dist, _ = vdist(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    return float(np.asarray(dist))


def aim_point(scenario: Scenario, raid_index: int) -> tuple[float, float]:
    """Aim point ``(lat_deg, lon_deg)`` of a raid: its aim point, or its asset's centre.

    The centre of a circle asset is its centre; that of a polygon its area centroid in the
    scenario ENU frame (the same point as ``build_areas(...).center_m``).
    """
    target = scenario.raids[raid_index].target
    if target.asset is None:
        assert target.lat_deg is not None and target.lon_deg is not None
        return target.lat_deg, target.lon_deg
    asset = next(a for a in scenario.assets if a.name == target.asset)
    return asset_centre(asset, scenario.frame())


def asset_centre(asset: Asset, frame: LocalFrame) -> tuple[float, float]:
    """``(lat_deg, lon_deg)`` of a circle's centre or a polygon's area centroid in ``frame``."""
    if asset.circle is not None:
        return asset.circle.lat_deg, asset.circle.lon_deg
    assert asset.polygon is not None
    ll = np.asarray(asset.polygon, float)
    xy = frame.geodetic_to_enu(ll[:, 0], ll[:, 1], np.zeros(len(ll))).reshape(-1, 3)[:, :2]
    cx, cy = polygon_centroid(xy)
    lat, lon, _ = frame.enu_to_geodetic(np.array([cx, cy, 0.0]))
    return float(lat), float(lon)


def _unique(items: Sequence[Any], key: str, out: list[tuple[Path, str]]) -> None:
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.name in first:
            out.append(
                ((key, i, "name"), f"duplicate name {item.name!r} (also {key}[{first[item.name]}])")
            )
        else:
            first[item.name] = i


def _known(name: str, table: Mapping[str, Any], what: str) -> str | None:
    if not table or name in table:
        return None
    listing = ", ".join(sorted(table)) if len(table) <= 12 else f"{len(table)} entries"
    return f"unknown {what} {name!r}{did_you_mean(name, table)}; known: {listing}"


def check_scenario(scenario: Scenario, catalog: Any = None) -> list[tuple[Path, str]]:
    """All cross-field problems of ``scenario`` as ``(path, message)``; empty when fine.

    ``catalog`` (a :class:`~amdsim.scenario.catalog_loader.Catalog`) enables the checks of
    catalog names and of threat reachability; a catalog section that is still empty is
    not checked.
    """
    out: list[tuple[Path, str]] = []
    dur = scenario.duration_s
    if scenario.dt_s > dur:
        out.append((("dt_s",), f"must be <= duration_s ({dur:g} s) (got {scenario.dt_s:g})"))
    elif dur / scenario.dt_s > MAX_STEPS:
        out.append(
            (
                ("dt_s",),
                f"too many time steps ({dur / scenario.dt_s:.3g} > {MAX_STEPS:.0e}); use a larger dt_s",
            )
        )
    for key in ("assets", "radars", "batteries", "raids"):
        _unique(getattr(scenario, key), key, out)
    total = scenario.n_threats
    if total > MAX_THREATS:
        out.append((("raids",), f"too many threats in total ({total} > {MAX_THREATS})"))

    radar_names = [r.name for r in scenario.radars]
    asset_names = [a.name for a in scenario.assets]
    for i, bat in enumerate(scenario.batteries):
        for j, rname in enumerate(bat.radars or []):
            if rname not in radar_names:
                out.append(
                    (
                        ("batteries", i, "radars", j),
                        f"unknown radar {rname!r}{did_you_mean(rname, radar_names)}; scenario radars: "
                        + (", ".join(repr(n) for n in radar_names) or "none"),
                    )
                )
    for i, raid in enumerate(scenario.raids):
        tgt = raid.target
        if tgt.asset is not None and tgt.asset not in asset_names:
            out.append(
                (
                    ("raids", i, "target", "asset"),
                    f"unknown asset {tgt.asset!r}{did_you_mean(tgt.asset, asset_names)}; scenario assets: "
                    + (", ".join(repr(n) for n in asset_names) or "none"),
                )
            )
        sch = raid.schedule
        if sch.times_s is not None:
            if len(sch.times_s) != raid.count:
                out.append(
                    (
                        ("raids", i, "schedule", "times_s"),
                        f"has {len(sch.times_s)} launch times but count is {raid.count}",
                    )
                )
            for k, t in enumerate(sch.times_s):
                if not 0.0 <= t <= dur:
                    out.append(
                        (
                            ("raids", i, "schedule", "times_s", k),
                            f"launch time must be within [0, duration_s={dur:g}] (got {t:g})",
                        )
                    )
        elif sch.end_s is not None and sch.end_s > dur:
            out.append(
                (
                    ("raids", i, "schedule", "end_s"),
                    f"launch window must end within duration_s={dur:g} (got {sch.end_s:g})",
                )
            )
    if catalog is not None:
        out.extend(_check_catalog_refs(scenario, catalog, asset_names))
    frame = scenario.frame() if any(a.polygon is not None for a in scenario.assets) else None
    for i, asset in enumerate(scenario.assets):
        if asset.polygon is not None and _polygon_area_m2(frame, asset.polygon) < 1.0:
            out.append((("assets", i, "polygon"), "polygon has (almost) zero area"))
    return out


def _polygon_area_m2(frame: Any, poly: Sequence[Sequence[float]]) -> float:
    """Shoelace area of a polygon of ``[lat_deg, lon_deg]`` vertices in ``frame`` (m^2)."""
    arr = np.asarray(poly, float)
    xy = frame.geodetic_to_enu(arr[:, 0], arr[:, 1], np.zeros(len(arr)))[:, :2]
    x, y = xy[:, 0], xy[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _check_catalog_refs(
    scenario: Scenario, catalog: Any, asset_names: list[str]
) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for i, radar in enumerate(scenario.radars):
        msg = _known(radar.type, catalog.radars, "radar type")
        if msg:
            out.append((("radars", i, "type"), msg))
    for i, bat in enumerate(scenario.batteries):
        msg = _known(bat.system, catalog.systems, "weapon system")
        if msg:
            out.append((("batteries", i, "system"), msg))
    for i, raid in enumerate(scenario.raids):
        msg = _known(raid.threat, catalog.threats, "threat type")
        if msg:
            out.append((("raids", i, "threat"), msg))
            continue
        entry = catalog.threats.get(raid.threat)
        if entry is None or (
            raid.target.asset is not None and raid.target.asset not in asset_names
        ):
            continue
        out.extend(_check_range(scenario, i, entry))
    return out


def _check_range(scenario: Scenario, i: int, entry: Any) -> list[tuple[Path, str]]:
    """Refuse raids whose aim point no launch point of the area can reach.

    The whole launch disc must be within ``[min_range_m, max_range_m]`` of the aim point:
    ``d + r <= max`` and ``d - r >= min`` (``d`` centre distance, ``r`` disc radius).
    """
    raid = scenario.raids[i]
    max_r = getattr(entry, "max_range_m", None)
    min_r = getattr(entry, "min_range_m", None)
    if max_r is None and min_r is None:
        return []  # NOTE: the threat type has no range fields yet; nothing to check
    lat, lon = aim_point(scenario, i)
    d = ground_distance_m(raid.launch.lat_deg, raid.launch.lon_deg, lat, lon)
    r = raid.launch.radius_m
    what = f"asset {raid.target.asset!r}" if raid.target.asset else "aim point"
    out: list[tuple[Path, str]] = []
    if max_r is not None and math.isfinite(max_r) and d + r > max_r:
        far = f"{d / 1000:.1f} km" + (f" (+{r / 1000:.1f} km launch radius)" if r else "")
        out.append(
            (
                ("raids", i, "target"),
                f"{what} is {far} from the launch point, beyond the maximum range of "
                f"{raid.threat!r} ({max_r / 1000:.1f} km)",
            )
        )
    if min_r is not None and min_r > 0 and d - r < min_r:
        near = f"{d / 1000:.1f} km" + (f" (-{r / 1000:.1f} km launch radius)" if r else "")
        out.append(
            (
                ("raids", i, "target"),
                f"{what} is {near} from the launch point, inside the minimum range of "
                f"{raid.threat!r} ({min_r / 1000:.1f} km)",
            )
        )
    return out
