"""The run summary, derived from the event log alone (the one output)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from amdsim.core.events import EventBatch

__all__ = ["summarise"]


def _m(value: float | int, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def summarise(events: EventBatch, meta: dict[str, Any]) -> dict[str, Any]:
    """Metrics with units from the events of one run.

    ``meta`` supplies names: ``assets`` (name, value), ``threats`` (id, type, unit_cost_usd),
    ``interceptor_types`` by interceptor id are read from the ``interceptor_launch`` events'
    ``reason`` column (which carries the interceptor type).
    """
    kind = events.kind
    assets = [a["name"] for a in meta.get("assets", [])]
    threat_type = {t["id"]: t["type"] for t in meta.get("threats", [])}
    threat_cost = {t["id"]: float(t.get("unit_cost_usd") or 0.0) for t in meta.get("threats", [])}

    launch = kind == "launch"
    impact = kind == "impact"
    leak = kind == "leak"
    intercept = kind == "intercept"
    ilaunch = kind == "interceptor_launch"

    leak_assets = events.asset_id[leak]
    per_asset = {name: int(np.count_nonzero(leak_assets == j)) for j, name in enumerate(assets)}
    value_lost = float(np.nansum(events.value[leak]))

    launched_ids = events.threat_id[launch]
    by_type_launched = Counter(threat_type.get(int(i), "?") for i in launched_ids)
    by_type_leak = Counter(threat_type.get(int(i), "?") for i in events.threat_id[leak])
    by_type_killed = Counter(threat_type.get(int(i), "?") for i in events.threat_id[intercept])

    used = Counter(str(r) for r in events.reason[ilaunch])
    defence_cost = float(np.nansum(events.cost_usd[ilaunch]))
    attack_cost = float(sum(threat_cost.get(int(i), 0.0) for i in launched_ids))
    kills = int(np.count_nonzero(intercept))
    rounds = int(np.count_nonzero(ilaunch))
    engaged = len(set(events.track_id[kind == "engage"].tolist()))

    return {
        "scenario": meta.get("scenario_name", ""),
        "seed": meta.get("seed"),
        "launched": _m(int(np.count_nonzero(launch)), "threats"),
        "impacts": _m(int(np.count_nonzero(impact)), "threats"),
        "leakers": _m(int(np.count_nonzero(leak)), "threats"),
        "impacts_open_ground": _m(int(np.count_nonzero(impact & (events.asset_id < 0))), "threats"),
        "impacts_per_asset": {k: _m(v, "threats") for k, v in per_asset.items()},
        "value_lost": _m(value_lost, "value units"),
        "engaged_tracks": _m(engaged, "tracks"),
        "intercepts": _m(kills, "threats"),
        "interceptors_used": {k: _m(v, "rounds") for k, v in sorted(used.items())},
        "rounds_fired": _m(rounds, "rounds"),
        "cost_usd": _m(defence_cost, "USD"),
        "attack_cost_usd": _m(attack_cost, "USD"),
        "cost_exchange_ratio": _m(
            defence_cost / attack_cost if attack_cost > 0 else float("nan"),
            "defence USD per attack USD",
        ),
        "rounds_per_kill": _m(rounds / kills if kills else float("nan"), "rounds"),
        "launched_by_type": {k: _m(v, "threats") for k, v in sorted(by_type_launched.items())},
        "leakers_by_type": {
            k: _m(by_type_leak.get(k, 0), "threats") for k in sorted(by_type_launched)
        },
        "intercepts_by_type": {
            k: _m(by_type_killed.get(k, 0), "threats") for k in sorted(by_type_launched)
        },
        "detections": _m(int(np.count_nonzero(kind == "detect")), "detections"),
        "false_alarms": _m(int(np.count_nonzero(kind == "false_alarm")), "detections"),
        "tracks_initiated": _m(int(np.count_nonzero(kind == "track_init")), "tracks"),
    }
