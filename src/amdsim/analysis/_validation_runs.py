"""Metrics of one preset run for the validation report, derived from the event log.

Definitions (all counted per threat, not per track):

* *aimed at an asset*: the threat's raid targets a defended asset by name.
* *falls short*: the raid aims at open ground less than 5 km from its launch point -- the
  presets' stand-in for rockets that fail and fall near their launch area (public-figures
  §3.2 counts them separately).
* *crossing*: launched minus falls short.
* *engaged*: a fire order (``engage`` event) was given on a track of the threat. Fire orders
  name tracks, not threats; each engaged track is mapped to the truth threat nearest to it
  (within 5 km) at the first sample (1 s period) at or after its first fire order. Threats
  named by an ``intercept`` event are engaged by definition.
* *intercepted*: named by an ``intercept`` event; *leaker*: a ``leak`` event (ground impact
  inside a defended asset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amdsim.scenario.checks import aim_point, ground_distance_m

__all__ = ["RunMetrics", "run_metrics"]

_SHORT_M = 5000.0
_GATE_M = 5000.0


@dataclass(frozen=True)
class RunMetrics:
    """Counts of one run (threats unless stated) and the time series for plots."""

    launched: int
    aimed_at_assets: int
    falls_short: int
    engaged: int
    engaged_at_assets: int
    engaged_open_ground: int
    intercepted: int
    leakers: int
    rounds_fired: int
    cost_usd: float
    batteries: int
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    timeline: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def crossing(self) -> int:
        return self.launched - self.falls_short

    def share(self, num: str, den: str) -> float:
        """``num / den`` of two attributes; NaN when the denominator is 0."""
        d = float(getattr(self, den))
        return float(getattr(self, num)) / d if d > 0 else float("nan")


def _engaged_threats(result: Any) -> set[int]:
    ev = result.events
    eng = ev.kind == "engage"
    ids = {int(i) for i in ev.threat_id[ev.kind == "intercept"] if i >= 0}
    if not eng.any() or not result.tracks or not result.trajectories:
        return ids
    first: dict[int, float] = {}
    for tid, t in zip(ev.track_id[eng], ev.t_s[eng], strict=True):
        first[int(tid)] = min(first.get(int(tid), np.inf), float(t))
    tr, tj = result.tracks, result.trajectories
    is_threat = np.asarray(tj["object"]) == "threat"
    tj_t, tj_id = np.asarray(tj["t_s"])[is_threat], np.asarray(tj["id"])[is_threat]
    tj_p = np.column_stack([np.asarray(tj[c])[is_threat] for c in ("x_m", "y_m", "z_m")])
    tr_id, tr_t = np.asarray(tr["track_id"]), np.asarray(tr["t_s"])
    tr_p = np.column_stack([np.asarray(tr[c]) for c in ("x_m", "y_m", "z_m")])
    for tid, te in first.items():
        rows = np.flatnonzero(tr_id == tid)
        if rows.size == 0:
            continue
        after = rows[tr_t[rows] >= te - 1e-9]
        k = after[np.argmin(tr_t[after])] if after.size else rows[np.argmax(tr_t[rows])]
        same = np.flatnonzero(np.abs(tj_t - tr_t[k]) < 1e-6)
        if same.size == 0:
            continue
        d = np.linalg.norm(tj_p[same] - tr_p[k], axis=1)
        j = int(np.argmin(d))
        if d[j] <= _GATE_M:
            ids.add(int(tj_id[same[j]]))
    return ids


def run_metrics(result: Any, scenario: Any) -> RunMetrics:
    """The report's counts for one run of ``scenario`` (see the module docstring)."""
    ev = result.events
    threats = result.meta.get("threats", [])
    short_raids = set()
    for i, r in enumerate(scenario.raids):
        if r.target.asset is None:
            lat, lon = aim_point(scenario, i)
            if ground_distance_m(r.launch.lat_deg, r.launch.lon_deg, lat, lon) < _SHORT_M:
                short_raids.add(r.name)
    launched_ids = {int(i) for i in ev.threat_id[ev.kind == "launch"]}
    info = {int(t["id"]): t for t in threats if int(t["id"]) in launched_ids}
    at_asset = {i for i, t in info.items() if t.get("target_asset")}
    short = {i for i, t in info.items() if t.get("raid") in short_raids}
    engaged = _engaged_threats(result) & set(info)
    killed = {int(i) for i in ev.threat_id[ev.kind == "intercept"] if i >= 0}
    leaked = {int(i) for i in ev.threat_id[ev.kind == "leak"]}
    kinds: dict[str, dict[str, int]] = {}
    cat = scenario.catalog_resolved
    for i, t in info.items():
        k = str(cat.threats[t["type"]].kind)
        row = kinds.setdefault(
            k, {"launched": 0, "engaged": 0, "intercepted": 0, "leakers": 0, "aimed_at_assets": 0}
        )
        row["launched"] += 1
        row["engaged"] += i in engaged
        row["intercepted"] += i in killed
        row["leakers"] += i in leaked
        row["aimed_at_assets"] += i in at_asset
    fire = ev.kind == "interceptor_launch"
    return RunMetrics(
        launched=len(info),
        aimed_at_assets=len(at_asset),
        falls_short=len(short),
        engaged=len(engaged),
        engaged_at_assets=len(engaged & at_asset),
        engaged_open_ground=len(engaged - at_asset),
        intercepted=len(killed & set(info)),
        leakers=len(leaked),
        rounds_fired=int(np.count_nonzero(fire)),
        cost_usd=float(np.nansum(ev.cost_usd[fire])),
        batteries=len(scenario.batteries),
        by_kind=kinds,
        timeline={
            "launch_s": np.sort(ev.t_s[ev.kind == "launch"]),
            "leak_s": np.sort(ev.t_s[ev.kind == "leak"]),
            "intercept_s": np.sort(ev.t_s[ev.kind == "intercept"]),
            "round_s": np.sort(ev.t_s[fire]),
        },
    )
