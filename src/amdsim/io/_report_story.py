"""Each threat's story, told from the event log: launched, detected, tracked, predicted
impact, engaged or why not, outcome. Used by the replay viewer (click a threat) and reports.

Conventions read from the events (``amdsim.core.events``): a ``decision`` event carries the
predicted impact point in ``x_m, y_m``, the hit probability in ``p``, the endangered asset in
``asset_id`` and the engage / no-engage reason in ``reason``. Tracks are linked to a threat
through any event carrying both a ``track_id`` and a ``threat_id``, else by position
(:func:`match_tracks`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from amdsim.io.results import RunResults

__all__ = ["match_tracks", "threat_stories"]

_SKIP = ("detect", "false_alarm")


def _km(x: float, y: float) -> str:
    return f"({x / 1000.0:.1f}, {y / 1000.0:.1f}) km"


def _name(names: list[str], i: int, what: str) -> str:
    return names[i] if 0 <= i < len(names) else f"{what} {i}"


def _first_detections(res: RunResults) -> dict[int, tuple[float, int, int]]:
    """Threat id -> (first detect time, its sensor id, number of detections)."""
    ev = res.events
    sel = ev["kind"] == "detect"
    tid = ev["threat_id"][sel].astype(np.int64)
    t = ev["t_s"][sel].astype(float)
    sid = ev["sensor_id"][sel].astype(np.int64)
    keep = tid >= 0
    tid, t, sid = tid[keep], t[keep], sid[keep]
    if tid.size == 0:
        return {}
    order = np.lexsort((t, tid))
    tid, t, sid = tid[order], t[order], sid[order]
    ids, first, counts = np.unique(tid, return_index=True, return_counts=True)
    return {
        int(i): (float(t[f]), int(sid[f]), int(c))
        for i, f, c in zip(ids, first, counts, strict=True)
    }


def match_tracks(res: RunResults, gate_m: float = 2000.0) -> dict[int, int]:
    """Track id -> the threat it followed, by position, for display only.

    At each sample time of ``tracks.parquet`` every track estimate is paired with the nearest
    true threat position of ``trajectories.parquet`` at the same time (if within ``gate_m``);
    a track goes to the threat it was paired with most often. Used when the event log does
    not link a track to a threat (the tracker never sees truth).
    """
    tk, tr = res.tracks, res.trajectories
    if not tk or not len(tk.get("t_s", ())) or not len(tr.get("t_s", ())):
        return {}
    sel = tr["object"] == "threat"
    t_true = np.round(np.asarray(tr["t_s"][sel], float), 3)
    id_true = np.asarray(tr["id"][sel], np.int64)
    p_true = np.stack([tr[c][sel] for c in ("x_m", "y_m", "z_m")], axis=-1).astype(float)
    t_trk = np.round(np.asarray(tk["t_s"], float), 3)
    id_trk = np.asarray(tk["track_id"], np.int64)
    p_trk = np.stack([tk[c] for c in ("x_m", "y_m", "z_m")], axis=-1).astype(float)
    votes: dict[tuple[int, int], int] = {}
    order = np.argsort(t_true, kind="stable")
    t_sorted = t_true[order]
    for t in np.unique(t_trk):
        lo = int(np.searchsorted(t_sorted, t, side="left"))
        hi = int(np.searchsorted(t_sorted, t, side="right"))
        if hi <= lo:
            continue
        b = order[lo:hi]
        a = np.flatnonzero(t_trk == t)
        d2 = np.sum((p_trk[a, None, :] - p_true[None, b, :]) ** 2, axis=-1)
        j = np.argmin(d2, axis=1)
        ok = d2[np.arange(a.size), j] <= gate_m**2
        for trk, th in zip(id_trk[a][ok].tolist(), id_true[b][j[ok]].tolist(), strict=True):
            votes[(trk, th)] = votes.get((trk, th), 0) + 1
    best: dict[int, tuple[int, int]] = {}
    for (trk, th), n in sorted(votes.items()):
        if trk not in best or n > best[trk][1]:
            best[trk] = (th, n)
    return {trk: th for trk, (th, _) in best.items()}


def _collapse(decisions: list[dict[str, Any]]) -> list[tuple[float, float, int, str]]:
    """Consecutive decisions with the same reason -> (t_first, t_last, count, reason)."""
    out: list[list[Any]] = []
    for d in decisions:
        n = int(d.get("n", 1))
        if out and out[-1][3] == d["reason"]:
            out[-1][1] = d["t_s"]
            out[-1][2] += n
        else:
            out.append([d.get("t_first", d["t_s"]), d["t_s"], n, d["reason"]])
    return [(a, b, c, r) for a, b, c, r in out]


def _decision_runs(ev: dict[str, np.ndarray], rows: np.ndarray) -> list[dict[str, Any]]:
    """Decision events compressed (vectorised) into runs of one (threat, track) with the same
    reason: each run is its last event's row plus ``t_first`` and ``n``. A battle manager
    decides every cycle, so this is most of a big event log."""
    if rows.size == 0:
        return []
    th, tr, t = ev["threat_id"][rows], ev["track_id"][rows], ev["t_s"][rows]
    reason = ev["reason"][rows].astype(str)
    o = np.lexsort((t, tr, th))
    change = (
        (th[o][1:] != th[o][:-1]) | (tr[o][1:] != tr[o][:-1]) | (reason[o][1:] != reason[o][:-1])
    )
    starts = np.flatnonzero(np.r_[True, change])
    ends = np.r_[starts[1:], o.size]
    last = rows[o[ends - 1]]
    names = list(ev)
    out = []
    for vals, t0, n in zip(
        zip(*(ev[c][last].tolist() for c in names)), t[o][starts].tolist(), (ends - starts).tolist()
    ):
        r = dict(zip(names, vals))
        r["t_first"], r["n"] = t0, n
        out.append(r)
    return out


def threat_stories(res: RunResults) -> dict[int, dict[str, Any]]:
    """The story of every threat of the run.

    Returns
    -------
    dict
        threat id -> ``{"id", "type", "raid", "target_asset", "outcome", "track_ids", "predicted_impact_m", "t_launch_s",
        "t_end_s", "lines": [{"label", "text"}]}``; ``outcome`` is one of
        ``"intercepted"``, ``"leaked"``, ``"impact"``, ``"in flight"``, ``"not launched"``.
    """
    ev = res.events
    radars, batteries = res.names("radars"), res.names("batteries")
    assets = res.names("assets")
    itypes = res.interceptor_types()
    meta = {int(th["id"]): th for th in res.run.get("threats") or [] if "id" in th}
    types = res.threat_types()
    is_dec = ev["kind"] == "decision"
    rows = np.flatnonzero(~np.isin(ev["kind"], _SKIP) & ~is_dec)
    by_threat: dict[int, list[dict[str, Any]]] = {}
    by_track: dict[int, list[dict[str, Any]]] = {}
    track_of: dict[int, set[int]] = {}
    names = list(ev)
    plain = (dict(zip(names, vals)) for vals in zip(*(ev[c][rows].tolist() for c in names)))
    for r in [*plain, *_decision_runs(ev, np.flatnonzero(is_dec))]:
        th, tr = int(r["threat_id"]), int(r["track_id"])
        if th >= 0:
            by_threat.setdefault(th, []).append(r)
            if tr >= 0:
                track_of.setdefault(th, set()).add(tr)
        elif tr >= 0:
            by_track.setdefault(tr, []).append(r)
    linked = {tr for trs in track_of.values() for tr in trs}
    matched: set[int] = set()
    for tr, th in match_tracks(res).items():
        if tr not in linked:
            track_of.setdefault(th, set()).add(tr)
            matched.add(tr)
    first_det = _first_detections(res)
    ids = sorted(set(meta) | set(types) | set(by_threat) | set(first_det))
    stories: dict[int, dict[str, Any]] = {}
    for tid in ids:
        evs = list(by_threat.get(tid, []))
        for tr in sorted(track_of.get(tid, ())):
            evs.extend(by_track.get(tr, []))
        evs.sort(key=lambda r: r.get("t_first", r["t_s"]))
        stories[tid] = _story(
            tid, evs, meta.get(tid, {}), types.get(tid, "?"), first_det.get(tid),
            sorted(track_of.get(tid, ())), radars, batteries, assets, itypes, matched,
        )  # fmt: skip
    return stories


def _story(
    tid: int,
    evs: list[dict[str, Any]],
    meta: dict[str, Any],
    typ: str,
    det: tuple[float, int, int] | None,
    tracks: list[int],
    radars: list[str],
    batteries: list[str],
    assets: list[str],
    itypes: dict[int, str],
    matched: set[int],
) -> dict[str, Any]:
    lines: list[dict[str, str]] = []

    def add(label: str, text: str) -> None:
        lines.append({"label": label, "text": text})

    of = {k: [r for r in evs if r["kind"] == k] for k in {r["kind"] for r in evs}}
    launch = of.get("launch", [])
    t_launch = launch[0]["t_s"] if launch else math.nan
    target = meta.get("target_asset")
    where = (
        _km(launch[0]["x_m"], launch[0]["y_m"])
        if launch and not math.isnan(launch[0]["x_m"])
        else ""
    )
    add(
        "Launched",
        (f"t = {t_launch:.1f} s" if launch else "not launched before the end of the run")
        + (f" from {where}" if where else "")
        + f"; {typ}"
        + (f", raid {meta['raid']}" if meta.get("raid") else "")
        + (f", aimed at {target}" if target else ""),
    )
    if det is None:
        add("Detected", "never detected")
    else:
        add(
            "Detected",
            f"first at t = {det[0]:.1f} s by {_name(radars, det[1], 'radar')} ({det[2]} detections)",
        )
    inits = {r["track_id"]: r["t_s"] for r in of.get("track_init", [])}
    drops = {r["track_id"]: r for r in of.get("track_drop", [])}
    if tracks:
        parts = []
        for tr in tracks:
            s = f"track {tr}" + (" (matched to this threat by position)" if tr in matched else "")
            if tr in inits:
                s += f" confirmed at t = {inits[tr]:.1f} s"
            if tr in drops:
                s += f", dropped at t = {drops[tr]['t_s']:.1f} s"
                if drops[tr]["reason"]:
                    s += f" ({drops[tr]['reason']})"
            parts.append(s)
        add("Tracked", "; ".join(parts))
    else:
        add("Tracked", "no confirmed track")
    decisions = of.get("decision", [])
    predicted = None
    if decisions and not math.isnan(decisions[-1]["x_m"]):
        predicted = [decisions[-1]["x_m"], decisions[-1]["y_m"]]
    if decisions:
        d = decisions[-1]
        txt = f"{_km(d['x_m'], d['y_m'])}" if not math.isnan(d["x_m"]) else "not given"
        if not math.isnan(d["p"]):
            txt += f", hit probability {d['p']:.2f}"
        if d["asset_id"] >= 0:
            txt += f", endangering {_name(assets, d['asset_id'], 'asset')}"
        add("Predicted impact", f"{txt} (at t = {d['t_s']:.1f} s)")
        for a, b, n, reason in _collapse(decisions):
            span = f"t = {a:.1f} s" if n == 1 else f"t = {a:.1f}–{b:.1f} s ({n}×)"
            add("Decision", f"{span}: {reason or '(no reason given)'}")
    engages = of.get("engage", [])
    launches = of.get("interceptor_launch", [])
    if engages or launches:
        for r in engages:
            add(
                "Engaged", f"t = {r['t_s']:.1f} s by {_name(batteries, r['battery_id'], 'battery')}"
            )
        for r in launches:
            iid = r["interceptor_id"]
            cost = f", {r['cost_usd']:,.0f} USD" if not math.isnan(r["cost_usd"]) else ""
            add(
                "Interceptor",
                f"#{iid} ({itypes.get(iid, 'interceptor')}) launched at t = {r['t_s']:.1f} s"
                f" from {_name(batteries, r['battery_id'], 'battery')}{cost}",
            )
    else:
        if decisions:
            why = f"last decision: {decisions[-1]['reason'] or '(no reason given)'}"
        elif det is None:
            why = "never detected"
        elif not tracks:
            why = "never tracked"
        else:
            why = "no engagement decision in the event log"
        add("Not engaged", why or "(no reason given)")
    for r in of.get("miss", []):
        dist = f", miss distance {r['p']:.0f} m" if not math.isnan(r["p"]) else ""
        add(
            "Miss",
            f"t = {r['t_s']:.1f} s by #{r['interceptor_id']}{dist}; {r['reason']}".rstrip("; "),
        )
    hit, impact, leak = of.get("intercept", []), of.get("impact", []), of.get("leak", [])
    if hit:
        r = hit[0]
        outcome = "intercepted"
        alt = f" at {r['z_m'] / 1000.0:.1f} km altitude" if not math.isnan(r["z_m"]) else ""
        add("Outcome", f"intercepted at t = {r['t_s']:.1f} s by #{r['interceptor_id']}{alt}")
    elif leak or impact:
        r = (leak or impact)[0]
        place = _km(r["x_m"], r["y_m"]) if not math.isnan(r["x_m"]) else "unknown point"
        if leak:
            outcome = "leaked"
            val = f", value lost {r['value']:g}" if not math.isnan(r["value"]) else ""
            add(
                "Outcome",
                f"LEAKED: impact at t = {r['t_s']:.1f} s at {place} in "
                f"{_name(assets, r['asset_id'], 'asset')}{val}",
            )
        else:
            outcome = "impact"
            add("Outcome", f"impact at t = {r['t_s']:.1f} s at {place}, outside defended assets")
    elif not launch:
        outcome = "not launched"
        add("Outcome", "not launched before the end of the run")
    else:
        outcome = "in flight"
        add("Outcome", "still in flight at the end of the run")
    t_end = max((r["t_s"] for r in hit + impact + leak), default=math.nan)
    return {
        "id": tid,
        "type": typ,
        "raid": meta.get("raid"),
        "target_asset": target,
        "outcome": outcome,
        "track_ids": tracks,
        "predicted_impact_m": predicted,
        "t_launch_s": None if math.isnan(t_launch) else t_launch,
        "t_end_s": None if math.isnan(t_end) else t_end,
        "lines": lines,
    }
