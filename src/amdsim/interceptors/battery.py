"""Batteries: what each one holds and how it fires (launch, gun burst, laser shot) and reloads.

A battery has ``launchers x rounds_per_launcher`` ready rounds and a stock of spare rounds
(``inventory``; default one full reload, ASSUMPTION). When at least one launcher's worth of
rounds has been fired and spares remain, a reload of one launcher starts and completes after
``reload_time_s`` (:func:`tick`). ``fire_channels`` bounds how many different tracks the
battery engages at once (rounds already in flight at a track share its channel).

:func:`fire` launches every order it is given *now*: the engine holds orders until their
launch time (battle management adds the reaction time when it plans).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from amdsim.core.events import EventBatch
from amdsim.core.frames import LocalFrame
from amdsim.interceptors.envelope import GUN_MUZZLE_SPEED_MPS, laser_dwell_s, system_envelope
from amdsim.interceptors.flyouts import MODE_GUN, MODE_LASER, MODE_MISSILE, Flyouts
from amdsim.interceptors.homing import state_time_s
from amdsim.interceptors.kinematics import InterceptorTable, launch_velocity
from amdsim.interceptors.prediction import (
    earliest_engagement,
    predict_path,
    predicted_intercept_point,
)
from amdsim.interceptors.protocols import Envelope
from amdsim.scenario.types.interceptor import WeaponSystem
from amdsim.tracking.batches import Tracks

__all__ = [
    "DIRECT_FIRE_HORIZON_S",
    "DIRECT_FIRE_PK_FRACTION",
    "BatteryState",
    "build_batteries",
    "earliest_engagement",
    "fire",
    "predict_path",
    "predicted_intercept_point",
    "tick",
]

DIRECT_FIRE_HORIZON_S = 120.0
"""ASSUMPTION: a gun or laser ordered on a track holds fire (channel busy) for up to 2 min
until the predicted path enters its envelope."""
DIRECT_FIRE_PK_FRACTION = 0.5
"""ASSUMPTION: a gun waits until its burst Pk is at least half the best Pk it will get on the
predicted path (its Pk grows as the threat closes), keeping time for a follow-up burst."""

_MODES = {"missile": MODE_MISSILE, "gun": MODE_GUN, "laser": MODE_LASER}
_TIERS = ("upper", "middle", "lower", "point")


@dataclass(frozen=True)
class BatteryState:
    """All batteries of a scenario, one row per battery (scenario order = ``battery_id``).

    Attributes
    ----------
    name, system, kind, interceptor, tier : (n,) object
        Battery name, weapon-system name, ``missile|gun|laser``, interceptor type ('' for
        guns and lasers), tier (``upper|middle|lower|point``).
    tier_rank : (n,) int          0 upper ... 3 point (for tier hand-off ordering)
    pos_m : (n, 3)                launcher position in the scenario ENU frame (m)
    radars : tuple of (k,) int    scenario radar indices each battery uses
    type_idx : (n,) int           row of the interceptor type in ``table`` (-1 gun / laser)
    launchers, rounds_per_launcher, fire_channels : (n,) int
    ready_rounds, spare_rounds : (n,) int   loaded rounds (bursts, shots) and stock
    reload_time_s, reload_done_s : (n,)     reload duration; completion time of the reload in
                                            progress (inf when none)
    reaction_time_s, engage_threshold : (n,)
    cost_per_round_usd, pk : (n,)           USD per round / burst / shot; nominal single-shot Pk
    min_range_m, max_range_m, min_alt_m, max_alt_m : (n,)   engagement box
    envelopes : tuple of Envelope           one per battery (shared per system)
    systems : tuple of WeaponSystem
    table : InterceptorTable                every missile type the batteries fire
    next_interceptor_id : int               the next round id to assign (unique in a run)
    """

    name: np.ndarray
    system: np.ndarray
    kind: np.ndarray
    interceptor: np.ndarray
    tier: np.ndarray
    tier_rank: np.ndarray
    pos_m: np.ndarray
    radars: tuple[np.ndarray, ...]
    type_idx: np.ndarray
    launchers: np.ndarray
    rounds_per_launcher: np.ndarray
    fire_channels: np.ndarray
    ready_rounds: np.ndarray
    spare_rounds: np.ndarray
    reload_time_s: np.ndarray
    reload_done_s: np.ndarray
    reaction_time_s: np.ndarray
    engage_threshold: np.ndarray
    cost_per_round_usd: np.ndarray
    pk: np.ndarray
    min_range_m: np.ndarray
    max_range_m: np.ndarray
    min_alt_m: np.ndarray
    max_alt_m: np.ndarray
    envelopes: tuple[Envelope, ...]
    systems: tuple[WeaponSystem, ...]
    table: InterceptorTable
    next_interceptor_id: int = 0
    origin_alt_m: float = 0.0

    def __len__(self) -> int:
        return int(self.name.shape[0])

    @property
    def capacity(self) -> np.ndarray:
        """Rounds the launchers hold when full (n,)."""
        return self.launchers * self.rounds_per_launcher

    def engaged_tracks(self, flyouts: Flyouts) -> list[set[int]]:
        """Track ids each battery has rounds in flight (or bursts / dwells) against."""
        out: list[set[int]] = [set() for _ in range(len(self))]
        for b, tr in zip(flyouts.battery.tolist(), flyouts.track_id.tolist()):
            out[b].add(tr)
        return out

    def channels_free(self, flyouts: Flyouts) -> np.ndarray:
        """Fire channels not busy with a track (n,) int."""
        busy = np.array([len(s) for s in self.engaged_tracks(flyouts)], dtype=np.int64)
        return np.maximum(self.fire_channels - busy, 0)


def _latlon(entry: Any) -> tuple[float, float, float]:
    if getattr(entry, "lat_deg", None) is not None:
        lat, lon = float(entry.lat_deg), float(entry.lon_deg)
    else:
        lat, lon = float(np.degrees(entry.lat_rad)), float(np.degrees(entry.lon_rad))
    return lat, lon, float(getattr(entry, "alt_m", 0.0) or 0.0)


def build_batteries(scenario: Any, catalog: Any, frame: LocalFrame) -> BatteryState:
    """Batteries of ``scenario.batteries`` with their catalog systems, in the ENU ``frame``.

    Scenario overrides: ``launchers`` (launcher count), ``inventory`` (spare rounds beyond
    those loaded; default one full reload for missiles and guns, ASSUMPTION, and the magazine
    again for a laser), ``engage_threshold``. ``radars`` (names, default all) become indices
    into ``scenario.radars``.
    """
    entries = list(getattr(scenario, "batteries", []) or [])
    radar_names = [r.name for r in (getattr(scenario, "radars", []) or [])]
    systems: list[WeaponSystem] = []
    for b in entries:
        if b.system not in catalog.systems:
            known = ", ".join(sorted(catalog.systems))
            raise KeyError(
                f"battery {b.name!r}: unknown weapon system {b.system!r}; known: {known}"
            )
        systems.append(catalog.systems[b.system])
    type_names = sorted({s.interceptor for s in systems if s.kind == "missile" and s.interceptor})
    table = InterceptorTable.from_types({n: catalog.interceptors[n] for n in type_names})
    n = len(entries)
    geo = [_latlon(b) for b in entries]
    pos = (
        frame.geodetic_to_enu(*(np.array(c) for c in zip(*geo))).reshape(n, 3)
        if n
        else np.empty((0, 3))
    )
    env_by_system: dict[str, Envelope] = {}
    envelopes = []
    for b, s in zip(entries, systems):
        if b.system not in env_by_system:
            itype = catalog.interceptors[s.interceptor] if s.kind == "missile" else None
            env_by_system[b.system] = system_envelope(s, itype)
        envelopes.append(env_by_system[b.system])
    launchers = np.array(
        [b.launchers if b.launchers is not None else s.launchers for b, s in zip(entries, systems)],
        dtype=np.int64,
    )
    rpl = np.array([s.rounds_per_launcher for s in systems], dtype=np.int64)
    spare = np.array(
        [
            b.inventory if b.inventory is not None else int(lc) * int(r)
            for b, s, lc, r in zip(entries, systems, launchers, rpl)
        ],
        dtype=np.int64,
    )
    radars = []
    for b in entries:
        names = radar_names if b.radars is None else list(b.radars)
        radars.append(np.array([radar_names.index(r) for r in names if r in radar_names], np.int64))

    def col(f: Any, dtype: Any = float) -> np.ndarray:
        return np.array([f(s) for s in systems], dtype=dtype)

    cost = np.array(
        [
            catalog.interceptors[s.interceptor].unit_cost_usd
            if s.kind == "missile"
            else s.round_cost_usd * (s.rounds_per_burst or 1)
            for s in systems
        ]
    )
    pk = np.array(
        [
            catalog.interceptors[s.interceptor].pk
            if s.kind == "missile"
            else (max(s.pk_burst or [0.0]) if s.kind == "gun" else (s.laser_pk or 0.0))
            for s in systems
        ]
    )
    thr = np.array(
        [
            b.engage_threshold if b.engage_threshold is not None else s.engage_threshold
            for b, s in zip(entries, systems)
        ]
    )
    return BatteryState(
        name=np.array([b.name for b in entries], dtype=object),
        system=np.array([b.system for b in entries], dtype=object),
        kind=col(lambda s: s.kind, object),
        interceptor=col(lambda s: s.interceptor or "", object),
        tier=col(lambda s: s.tier, object),
        tier_rank=col(lambda s: _TIERS.index(s.tier), np.int64),
        pos_m=pos,
        radars=tuple(radars),
        type_idx=col(lambda s: table.index(s.interceptor) if s.kind == "missile" else -1, np.int64),
        launchers=launchers,
        rounds_per_launcher=rpl,
        fire_channels=col(lambda s: s.fire_channels, np.int64),
        ready_rounds=launchers * rpl,
        spare_rounds=spare,
        reload_time_s=col(lambda s: s.reload_time_s),
        reload_done_s=np.full(n, np.inf),
        reaction_time_s=col(lambda s: s.reaction_time_s),
        engage_threshold=thr,
        cost_per_round_usd=cost,
        pk=pk,
        min_range_m=col(lambda s: s.min_range_m),
        max_range_m=col(lambda s: s.max_range_m),
        min_alt_m=col(lambda s: s.min_alt_m),
        max_alt_m=col(lambda s: s.max_alt_m),
        envelopes=tuple(envelopes),
        systems=tuple(systems),
        table=table,
        origin_alt_m=float(frame.alt_m),
    )


def tick(batteries: BatteryState, t_s: float) -> tuple[BatteryState, EventBatch]:
    """Complete reloads due by ``t_s`` (``reload`` events) and start new ones where a
    launcher's worth of rounds is missing and spares remain."""
    b = batteries
    due = np.flatnonzero(b.reload_done_s <= t_s)
    if due.size == 0 and not np.any(
        ~np.isfinite(b.reload_done_s)
        & (b.capacity - b.ready_rounds >= b.rounds_per_launcher)
        & (b.spare_rounds > 0)
    ):
        return b, EventBatch.empty()  # nothing completes, nothing starts: the state stands
    ready, spare, done_s = b.ready_rounds.copy(), b.spare_rounds.copy(), b.reload_done_s.copy()
    events = EventBatch.empty()
    if due.size:
        add = np.minimum(
            np.minimum(b.rounds_per_launcher[due], spare[due]), b.capacity[due] - ready[due]
        )
        ready[due] += add
        spare[due] -= add
        events = EventBatch.make(
            "reload", done_s[due], battery_id=due, value=add.astype(float), pos_m=b.pos_m[due],
            reason="launcher reloaded",
        )  # fmt: skip
        done_s[due] = np.inf
    start = (~np.isfinite(done_s)) & (b.capacity - ready >= b.rounds_per_launcher) & (spare > 0)
    done_s[start] = t_s + b.reload_time_s[start]
    out = replace(b, ready_rounds=ready, spare_rounds=spare, reload_done_s=done_s)
    return out, events


def fire(
    batteries: BatteryState,
    flyouts: Flyouts,
    battery_idx: np.ndarray,
    track_id: np.ndarray,
    rounds: np.ndarray,
    t_s: float,
    tracks: Tracks,
) -> tuple[BatteryState, Flyouts, EventBatch]:
    """Launch fire orders now: battery ``battery_idx[i]`` fires ``rounds[i]`` at ``track_id[i]``.

    Missiles launch toward the predicted intercept point (the track extrapolated at constant
    velocity by the envelope's time of flight, three iterations), elevated by the type's loft.
    A gun fires ``rounds`` bursts back to back; a laser ``rounds`` shots (dwells) back to
    back; both hold fire (the channel stays busy) until the predicted path enters their
    envelope (:func:`earliest_engagement`, within :data:`DIRECT_FIRE_HORIZON_S`), so the first
    burst or dwell ends when the threat reaches the earliest engageable point. Orders are cut to the ready rounds and the free fire channels; a cut or refused
    order gives a ``decision`` event with the reason. Each round gives an
    ``interceptor_launch`` event with battery, interceptor and track ids and its cost.

    Returns
    -------
    batteries, flyouts (with the new rows appended), events
    """
    b = batteries
    ready = b.ready_rounds.copy()
    engaged = b.engaged_tracks(flyouts)
    busy = np.array([len(s) for s in engaged], dtype=np.int64)
    k_ids = np.asarray(tracks.track_id)
    next_id = b.next_interceptor_id
    rows: list[dict[str, Any]] = []
    events: list[EventBatch] = []
    for bi, tr, nr in zip(
        np.asarray(battery_idx, np.int64).tolist(),
        np.asarray(track_id, np.int64).tolist(),
        np.asarray(rounds, np.int64).tolist(),
    ):
        hit = np.flatnonzero(k_ids == tr)
        why = ""
        n_fire = min(nr, int(ready[bi]))
        new_channel = tr not in engaged[bi]
        if hit.size == 0:
            why, n_fire = "order refused: track not held", 0
        elif new_channel and busy[bi] >= b.fire_channels[bi]:
            why, n_fire = "order refused: no free fire channel", 0
        elif n_fire < nr:
            why = f"order cut to {n_fire} of {nr} rounds: not enough ready rounds"
        if why:
            events.append(EventBatch.make("decision", t_s, battery_id=bi, track_id=tr, reason=why))
        if n_fire <= 0:
            continue
        j = int(hit[0])
        ready[bi] -= n_fire
        if new_channel:
            engaged[bi].add(tr)
            busy[bi] += 1
        age = t_s - float(state_time_s(tracks)[j])
        tp = tracks.pos_m[j] + tracks.vel_mps[j] * age
        tv = tracks.vel_mps[j]
        ids = np.arange(next_id, next_id + n_fire, dtype=np.int64)
        next_id += n_fire
        beta = float(tracks.beta_kg_m2[j])
        rows.append(_rows(b, bi, tr, ids, tp, tv, t_s, _is_ballistic(tracks, j), beta))
        events.append(
            EventBatch.make(
                "interceptor_launch", t_s, battery_id=bi, interceptor_id=ids, track_id=tr,
                cost_usd=b.cost_per_round_usd[bi], pos_m=np.repeat(b.pos_m[bi][None], n_fire, 0),
                reason=str(b.interceptor[bi] or b.system[bi]),  # round type: "tamir", or gun/laser system
            )
        )  # fmt: skip
    out_b = replace(b, ready_rounds=ready, next_interceptor_id=next_id)
    if not rows:
        return out_b, flyouts, EventBatch.concat(events)
    new = Flyouts(flyouts.table, **{key: np.concatenate([r[key] for r in rows]) for key in rows[0]})
    return out_b, Flyouts.concat(flyouts, new), EventBatch.concat(events)


def _is_ballistic(tracks: Tracks, j: int) -> bool:
    """ASSUMPTION: a track is ballistic if its model estimates a ballistic coefficient, or it
    climbs or dives faster than 50 m/s (drones and cruise missiles fly level)."""
    return bool(np.isfinite(tracks.beta_kg_m2[j]) or abs(tracks.vel_mps[j, 2]) > 50.0)


def _rows(
    b: BatteryState,
    bi: int,
    tr: int,
    ids: np.ndarray,
    tp: np.ndarray,
    tv: np.ndarray,
    t_s: float,
    ballistic: bool,
    beta: float = np.inf,
) -> dict[str, np.ndarray]:
    """Flyout rows for ``len(ids)`` rounds of battery ``bi`` at a track at ``tp, tv`` now
    (``beta``: the track's ballistic coefficient, kg/m^2, inf when not estimated)."""
    alt0 = b.origin_alt_m
    n = ids.size
    launcher = b.pos_m[bi]
    kind = str(b.kind[bi])
    system = b.systems[bi]
    pos = np.repeat(launcher[None], n, 0)
    rel = tp - launcher
    slant = float(np.linalg.norm(rel))
    t_res = np.full(n, np.inf)
    pk = np.full(n, np.nan)
    rmax = np.full(n, np.inf)
    if kind == "missile":
        k = int(b.type_idx[bi])
        pip = predicted_intercept_point(
            b.envelopes[bi], launcher, tp, tv, ballistic, float(b.table.max_flight_time_s[k]),
            beta_kg_m2=beta, alt0_m=alt0,
        )  # fmt: skip
        vel = launch_velocity(pos, np.repeat(pip[None], n, 0), np.full(n, b.table.loft_rad[k]))
        type_idx = np.full(n, k, np.int64)
    else:
        vel = np.zeros((n, 3))
        type_idx = np.full(n, -1, np.int64)
        rmax[:] = system.max_range_m
        # hold fire until the predicted path enters the envelope: the first burst / dwell
        # ends when the threat reaches the earliest engageable point (fire at once if none)
        tau, pip, ok = earliest_engagement(
            b.envelopes[bi], launcher, tp, tv, ballistic, DIRECT_FIRE_HORIZON_S, 512,
            pk_fraction=DIRECT_FIRE_PK_FRACTION, beta_kg_m2=beta, alt0_m=alt0,
        )  # fmt: skip
        pip_slant = float(np.linalg.norm(pip - launcher))
        if kind == "gun":
            burst = float(system.rounds_per_burst or 1) / float(system.rate_rds_per_s or 1.0)
            if ok:
                t_res = t_s + tau + burst * np.arange(n)
            else:
                t_res = t_s + burst * np.arange(1, n + 1) + slant / GUN_MUZZLE_SPEED_MPS
            dt_res = t_res - t_s
            grid = np.linspace(0.0, float(dt_res.max()), 1 + int(np.ceil(dt_res.max() / 0.1)))
            path = predict_path(tp, tv, ballistic, grid, beta_kg_m2=beta, alt0_m=alt0)
            at = np.stack([np.interp(dt_res, grid, path[:, c]) for c in range(3)], axis=1)
            r_at = np.linalg.norm(at - launcher, axis=1)
            pk = np.interp(r_at, system.pk_range_m or [0.0], system.pk_burst or [0.0], right=0.0)
        else:
            dwell = float(laser_dwell_s(system, np.array(pip_slant if ok else slant)))
            t_res = t_s + (tau if ok else dwell) + dwell * np.arange(n)
            pk[:] = float(system.laser_pk or 0.0)
    return {
        "interceptor_id": ids,
        "battery": np.full(n, bi, np.int64),
        "type_idx": type_idx,
        "mode": np.full(n, _MODES[kind], np.int8),
        "track_id": np.full(n, tr, np.int64),
        "threat_id": np.full(n, -1, np.int64),
        "pos_m": pos,
        "vel_mps": vel,
        "t_launch_s": np.full(n, t_s),
        "aim_pos_m": np.repeat(tp[None], n, 0),
        "aim_vel_mps": np.repeat(tv[None], n, 0),
        "closing": np.zeros(n, bool),
        "t_resolve_s": t_res,
        "pk": pk,
        "max_range_m": rmax,
        "cost_usd": np.full(n, b.cost_per_round_usd[bi]),
    }
