"""``run.json``: the scenario as reports and the viewer need it (names, positions, ranges)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from amdsim._version import __version__
from amdsim.core.areas import DefendedAreas
from amdsim.core.frames import LocalFrame

__all__ = ["describe"]


def describe(
    sc: Any,
    frame: LocalFrame,
    areas: DefendedAreas,
    threats: Any,
    catalog: Any,
    radars: Any | None,
    batteries: Any | None,
    seed: int,
) -> dict[str, Any]:
    """The run description written to ``run.json`` (ENU metres, scenario order = ids)."""
    return {
        "amdsim_version": __version__,
        "scenario_name": sc.name,
        "seed": seed,
        "epoch": _iso(getattr(sc, "epoch", None)),
        "origin": {"lat_deg": frame.lat_deg, "lon_deg": frame.lon_deg, "alt_m": frame.alt_m},
        "duration_s": float(sc.duration_s),
        "dt_s": float(sc.dt_s),
        "assets": _assets(areas),
        "radars": _radars(sc, radars),
        "batteries": _batteries(batteries),
        "threats": _threats(sc, frame, threats, catalog),
    }


def _assets(a: DefendedAreas) -> list[dict[str, Any]]:
    out = []
    for j in range(len(a)):
        poly = a.polygons[j]
        out.append(
            {
                "name": str(a.names[j]),
                "value": float(a.value[j]),
                "kind": "circle" if poly is None else "polygon",
                "center_m": a.center_m[j].tolist(),
                "radius_m": float(a.radius_m[j]) if poly is None else None,
                "polygon_m": None if poly is None else poly.tolist(),
            }
        )
    return out


def _radars(sc: Any, radars: Any | None) -> list[dict[str, Any]]:
    if radars is None:
        return []
    return [
        {
            "name": r.name,
            "type": sc.radars[r.index].type,
            "pos_m": [float(x) for x in r.site_m],
            "max_range_m": float(getattr(r.rtype, "max_range_m", float("nan"))),
            "boresight_az_deg": float(np.degrees(r.boresight_az_rad)),
        }
        for r in radars.radars
    ]


def _batteries(b: Any | None) -> list[dict[str, Any]]:
    if b is None:
        return []
    return [
        {
            "name": str(b.name[i]),
            "system": str(b.system[i]),
            "kind": str(b.kind[i]),
            "interceptor": str(b.interceptor[i]),
            "tier": str(b.tier[i]),
            "pos_m": [float(x) for x in b.pos_m[i]],
            "min_range_m": float(b.min_range_m[i]),
            "max_range_m": float(b.max_range_m[i]),
            "max_alt_m": float(b.max_alt_m[i]),
        }
        for i in range(len(b))
    ]


def _threats(sc: Any, frame: LocalFrame, st: Any, catalog: Any) -> list[dict[str, Any]]:
    aim = frame.geodetic_to_enu(st.aim_lat_deg, st.aim_lon_deg, np.zeros(len(st)))
    raids = sc.raids
    out = []
    for i in range(len(st)):
        name = st.type_names[int(st.type_idx[i])]
        raid = raids[int(st.raid_idx[i])] if st.raid_idx[i] >= 0 else None
        target = getattr(getattr(raid, "target", None), "asset", None) if raid is not None else None
        cost = getattr(catalog.threats[name], "unit_cost_usd", None)
        out.append(
            {
                "id": int(st.id[i]),
                "type": name,
                "raid": raid.name if raid is not None else None,
                "target_asset": target,
                "aim_m": [float(aim[i, 0]), float(aim[i, 1])],
                "t_launch_s": float(st.t_launch_s[i]),
                "unit_cost_usd": None if cost is None or math.isnan(float(cost)) else float(cost),
            }
        )
    return out


def _iso(epoch: Any) -> str | None:
    if epoch is None:
        return None
    text = epoch.isoformat() if hasattr(epoch, "isoformat") else str(epoch)
    return text.replace("+00:00", "Z")
