"""Tables computed from a run's event log for reports (leakage, expenditure, timeline).

Everything is derived from ``events.parquet`` (the one output), with names and types from
``run.json`` and the trajectories. Counts are of distinct threats / interceptors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from amdsim.io.results import RunResults

__all__ = ["expenditure", "leakage_by_asset", "leakage_by_type", "timeline_counts"]


def _ids(res: RunResults, kind: str, col: str = "threat_id") -> np.ndarray:
    ev = res.events
    sel = ev["kind"] == kind
    ids = ev[col][sel].astype(np.int64)
    return np.unique(ids[ids >= 0])


def leakage_by_type(res: RunResults) -> list[dict[str, Any]]:
    """One row per threat type: launched, detected, engaged, intercepted, impacts, leaks,
    value lost and leak rate (leaks / launched)."""
    types = res.threat_types()
    launched = set(_ids(res, "launch").tolist())
    sets = {
        "detected": set(_ids(res, "detect").tolist()),
        "engaged": set(_ids(res, "engage").tolist()),
        "intercepted": set(_ids(res, "intercept").tolist()),
        "impacts": set(_ids(res, "impact").tolist()),
        "leaks": set(_ids(res, "leak").tolist()),
    }
    ev = res.events
    leak_sel = ev["kind"] == "leak"
    lost: dict[int, float] = {}
    for i, v in zip(ev["threat_id"][leak_sel].tolist(), ev["value"][leak_sel].tolist()):
        lost[int(i)] = lost.get(int(i), 0.0) + (0.0 if np.isnan(v) else float(v))
    all_ids = sorted(launched | set(types))
    rows: dict[str, dict[str, Any]] = {}
    for tid in all_ids:
        typ = types.get(tid, "?")
        r = rows.setdefault(
            typ,
            {"type": typ, "launched": 0, **{k: 0 for k in sets}, "value_lost": 0.0},
        )
        r["launched"] += int(tid in launched)
        for k, s in sets.items():
            r[k] += int(tid in s)
        r["value_lost"] += lost.get(tid, 0.0)
    out = [rows[k] for k in sorted(rows)]
    for r in out:
        r["leak_rate"] = r["leaks"] / r["launched"] if r["launched"] else float("nan")
    return out


def leakage_by_asset(res: RunResults) -> list[dict[str, Any]]:
    """One row per defended asset: its value, leaks into it and value lost."""
    assets = res.run.get("assets") or []
    ev = res.events
    sel = ev["kind"] == "leak"
    aid = ev["asset_id"][sel].astype(np.int64)
    val = ev["value"][sel].astype(float)
    rows = []
    for j, a in enumerate(assets):
        m = aid == j
        rows.append(
            {
                "asset": str(a.get("name", f"asset {j}")),
                "asset_value": float(a.get("value", np.nan)),
                "leaks": int(m.sum()),
                "value_lost": float(np.nansum(val[m])),
            }
        )
    unknown = (aid < 0) | (aid >= len(assets))
    if unknown.any():
        rows.append(
            {
                "asset": "(unknown asset)",
                "asset_value": float("nan"),
                "leaks": int(unknown.sum()),
                "value_lost": float(np.nansum(val[unknown])),
            }
        )
    return rows


def expenditure(res: RunResults) -> list[dict[str, Any]]:
    """One row per (battery, interceptor type): rounds fired, intercepts, misses, cost (USD)."""
    ev = res.events
    bnames = res.names("batteries")
    systems = [str(b.get("system", "?")) for b in res.run.get("batteries") or []]
    itypes = res.interceptor_types()
    launch = ev["kind"] == "interceptor_launch"
    result: dict[int, str] = {}
    for kind in ("intercept", "miss"):
        sel = ev["kind"] == kind
        for i in ev["interceptor_id"][sel].tolist():
            if i >= 0:
                result[int(i)] = kind
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for iid, bid, cost in zip(
        ev["interceptor_id"][launch].tolist(),
        ev["battery_id"][launch].tolist(),
        ev["cost_usd"][launch].tolist(),
    ):
        bid = int(bid)
        bname = bnames[bid] if 0 <= bid < len(bnames) else f"battery {bid}"
        typ = itypes.get(int(iid)) or (systems[bid] if 0 <= bid < len(systems) else "?")
        r = rows.setdefault(
            (bname, typ),
            {
                "battery": bname,
                "interceptor": typ,
                "fired": 0,
                "intercepts": 0,
                "misses": 0,
                "cost_usd": 0.0,
            },
        )
        r["fired"] += 1
        outcome = result.get(int(iid))
        r["intercepts"] += int(outcome == "intercept")
        r["misses"] += int(outcome == "miss")
        r["cost_usd"] += 0.0 if np.isnan(cost) else float(cost)
    return [rows[k] for k in sorted(rows)]


def timeline_counts(res: RunResults, bin_s: float = 10.0) -> dict[str, np.ndarray]:
    """Counts per time bin of ``bin_s`` seconds: launches, intercepts, impacts, leaks.

    Returns ``{"edges_s": (k+1,), "launch": (k,), "intercept": (k,), "impact": (k,),
    "leak": (k,)}``.
    """
    ev = res.events
    t_end = max(float(res.run.get("duration_s") or 0.0), float(np.max(ev["t_s"], initial=0.0)))
    nbins = max(1, int(np.ceil(t_end / bin_s)))
    edges = np.arange(nbins + 1) * bin_s
    out: dict[str, np.ndarray] = {"edges_s": edges}
    for kind in ("launch", "intercept", "impact", "leak"):
        t = ev["t_s"][ev["kind"] == kind].astype(float)
        out[kind] = np.histogram(t, bins=edges)[0]
    return out
