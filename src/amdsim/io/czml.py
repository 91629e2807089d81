"""Export a run as CZML (``amdsim export DIR --czml``) for Cesium-based tools.

CZML is a JSON array of packets; the first is the ``document`` packet (version and clock).
Each threat and interceptor is one packet with a time-tagged ``position`` in
``cartographicDegrees`` (``[t_s, lon_deg, lat_deg, height_m, ...]`` relative to the packet's
``epoch``; heights above the WGS84 ellipsoid), an ``availability`` interval, a ``point`` and
a trailing ``path``. Defended assets are ``ellipse`` (circles) or ``polygon`` packets; radars
and batteries are points with their range rings as outlined ellipses; intercepts and leaks are
points that appear at their time. Format: the CZML Guide and Packet reference of the
CesiumGS/cesium wiki (https://github.com/AnalyticalGraphicsInc/czml-writer/wiki/CZML-Guide).
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.core.frames import LocalFrame
from amdsim.io._report_story import threat_stories
from amdsim.io.results import RunResults, load_run

__all__ = ["DEFAULT_EPOCH", "czml_document", "write_czml"]

DEFAULT_EPOCH = "2026-01-01T00:00:00Z"
"""Used when ``run.json`` carries no ``epoch`` (simulation time is seconds from the epoch)."""

_RGBA = {
    "threat": [214, 39, 40, 255],
    "interceptor": [31, 119, 180, 255],
    "asset": [44, 160, 44, 90],
    "radar": [31, 119, 180, 255],
    "battery": [23, 52, 79, 255],
    "intercept": [255, 191, 0, 255],
    "leak": [214, 39, 40, 255],
}


def _epoch(run: dict[str, Any]) -> datetime:
    text = str(run.get("epoch") or DEFAULT_EPOCH).replace("Z", "+00:00")
    try:
        ep = datetime.fromisoformat(text)
    except ValueError:
        ep = datetime.fromisoformat(DEFAULT_EPOCH.replace("Z", "+00:00"))
    return ep if ep.tzinfo else ep.replace(tzinfo=UTC)


def _iso(ep: datetime, t_s: float) -> str:
    return (ep + timedelta(seconds=float(t_s))).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _color(key: str) -> dict[str, Any]:
    return {"rgba": _RGBA[key]}


def _site(
    kind: str, k: int, s: dict[str, Any], frame: LocalFrame, ring_m: float | None
) -> dict[str, Any]:
    lat, lon, alt = frame.enu_to_geodetic(np.asarray(s.get("pos_m", [0, 0, 0]), float))
    pkt: dict[str, Any] = {
        "id": f"{kind}/{k}",
        "name": str(s.get("name", f"{kind} {k}")),
        "position": {"cartographicDegrees": [float(lon), float(lat), float(alt)]},
        "point": {
            "pixelSize": 9,
            "color": _color(kind),
            "outlineColor": {"rgba": [255, 255, 255, 255]},
            "outlineWidth": 1,
        },
        "label": {
            "text": str(s.get("name", "")),
            "font": "12px sans-serif",
            "pixelOffset": {"cartesian2": [10, -10]},
        },
    }
    if ring_m:
        pkt["ellipse"] = {
            "semiMajorAxis": float(ring_m),
            "semiMinorAxis": float(ring_m),
            "fill": False,
            "outline": True,
            "outlineColor": _color(kind),
        }
    return pkt


def czml_document(res: RunResults) -> list[dict[str, Any]]:
    """The CZML packets of a run (see the module docstring)."""
    run = res.run
    o = run.get("origin") or {}
    frame = LocalFrame(
        float(o.get("lat_deg", 0.0)), float(o.get("lon_deg", 0.0)), float(o.get("alt_m", 0.0))
    )
    ep = _epoch(run)
    tr = res.trajectories
    t_all = np.concatenate(
        [np.asarray(tr["t_s"], float), np.asarray(res.events["t_s"], float), [0.0]]
    )
    t_end = max(float(run.get("duration_s") or 0.0), float(t_all.max()))
    start, stop = _iso(ep, 0.0), _iso(ep, t_end)
    name = str(run.get("scenario_name") or res.run_dir.name)
    packets: list[dict[str, Any]] = [
        {
            "id": "document",
            "name": f"amdsim: {name}",
            "version": "1.0",
            "clock": {
                "interval": f"{start}/{stop}",
                "currentTime": start,
                "multiplier": 10,
                "range": "LOOP_STOP",
                "step": "SYSTEM_CLOCK_MULTIPLIER",
            },
        }
    ]
    for k, a in enumerate(run.get("assets") or []):
        pkt: dict[str, Any] = {"id": f"asset/{k}", "name": str(a.get("name", f"asset {k}"))}
        pkt["description"] = f"Defended asset, value {a.get('value', '?')}"
        if a.get("polygon_m"):
            poly = np.asarray(a["polygon_m"], float)
            lat, lon, _ = frame.enu_to_geodetic(np.c_[poly, np.zeros(len(poly))])
            flat = np.c_[lon, lat, np.zeros(len(poly))].ravel().tolist()
            pkt["polygon"] = {
                "positions": {"cartographicDegrees": flat},
                "material": {"solidColor": {"color": _color("asset")}},
                "outline": True,
            }
        else:
            c = np.asarray(a.get("center_m") or [0.0, 0.0], float)
            lat, lon, _ = frame.enu_to_geodetic(np.array([c[0], c[1], 0.0]))
            r = float(a.get("radius_m") or 0.0)
            pkt["position"] = {"cartographicDegrees": [float(lon), float(lat), 0.0]}
            pkt["ellipse"] = {
                "semiMajorAxis": r,
                "semiMinorAxis": r,
                "material": {"solidColor": {"color": _color("asset")}},
                "outline": True,
            }
        packets.append(pkt)
    for k, r in enumerate(run.get("radars") or []):
        packets.append(_site("radar", k, r, frame, r.get("max_range_m")))
    for k, b in enumerate(run.get("batteries") or []):
        packets.append(_site("battery", k, b, frame, b.get("max_range_m")))
    packets += _movers(res, frame, ep)
    ev = res.events
    for kind in ("intercept", "leak"):
        sel = np.flatnonzero((ev["kind"] == kind) & np.isfinite(ev["x_m"]))
        if not sel.size:
            continue
        pos = np.stack([ev["x_m"][sel], ev["y_m"][sel], np.nan_to_num(ev["z_m"][sel])], axis=-1)
        lat, lon, alt = frame.enu_to_geodetic(pos)
        for j, i in enumerate(sel):
            packets.append(
                {
                    "id": f"{kind}/{j}",
                    "name": f"{kind} of threat {int(ev['threat_id'][i])} at t = {float(ev['t_s'][i]):.1f} s",
                    "availability": f"{_iso(ep, float(ev['t_s'][i]))}/{stop}",
                    "position": {
                        "cartographicDegrees": [float(lon[j]), float(lat[j]), float(alt[j])]
                    },
                    "point": {"pixelSize": 10, "color": _color(kind)},
                }
            )
    return packets


def _movers(res: RunResults, frame: LocalFrame, ep: datetime) -> list[dict[str, Any]]:
    tr = res.trajectories
    if not len(tr["t_s"]):
        return []
    if all(c in tr for c in ("lat_deg", "lon_deg", "alt_m")):
        lat, lon, alt = (np.asarray(tr[c], float) for c in ("lat_deg", "lon_deg", "alt_m"))
    else:
        lat, lon, alt = frame.enu_to_geodetic(np.stack([tr["x_m"], tr["y_m"], tr["z_m"]], axis=-1))
    obj = np.asarray(tr["object"]).astype(str)
    ids = np.asarray(tr["id"], np.int64)
    t = np.asarray(tr["t_s"], float)
    order = np.lexsort((t, ids, obj))
    key = np.char.add(obj[order], ids[order].astype(str))
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size]
    stories = threat_stories(res)
    out = []
    epoch = _iso(ep, 0.0)
    for s, e in zip(starts, ends):
        idx = order[s:e]
        kind, oid = str(obj[idx[0]]), int(ids[idx[0]])
        typ = str(tr["type"][idx[0]])
        samples = np.stack([t[idx], lon[idx], lat[idx], alt[idx]], axis=-1)
        pkt: dict[str, Any] = {
            "id": f"{kind}/{oid}",
            "name": f"{kind} {oid} ({typ})",
            "availability": f"{_iso(ep, t[idx[0]])}/{_iso(ep, t[idx[-1]])}",
            "position": {
                "epoch": epoch,
                "cartographicDegrees": np.round(samples, 7).ravel().tolist(),
                "interpolationAlgorithm": "LINEAR",
                "interpolationDegree": 1,
            },
            "point": {"pixelSize": 7 if kind == "threat" else 5, "color": _color(kind)},
            "path": {
                "material": {"solidColor": {"color": _color(kind)}},
                "width": 2 if kind == "threat" else 1,
                "leadTime": 0,
                "trailTime": float(t[idx[-1]] - t[idx[0]]) + 1.0,
                "resolution": 1,
            },
        }
        story = stories.get(oid) if kind == "threat" else None
        if story:
            rows = "".join(
                f"<tr><th>{html.escape(ln['label'])}</th><td>{html.escape(ln['text'])}</td></tr>"
                for ln in story["lines"]
            )
            pkt["description"] = f"<table>{rows}</table>"
        out.append(pkt)
    return out


def write_czml(run_dir: str | Path, out_path: str | Path | None = None) -> Path:
    """Write the run as a CZML file (default ``run_dir/run.czml``) and return its path."""
    res = load_run(run_dir)
    out = Path(out_path) if out_path is not None else Path(run_dir) / "run.czml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(czml_document(res), separators=(",", ":"), allow_nan=False), encoding="utf-8"
    )
    return out
