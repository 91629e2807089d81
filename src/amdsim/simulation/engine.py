"""The engine: one fixed-step loop over the pipeline stages.

Each step ``t -> t + dt`` runs the stages in the order of DESIGN.md::

    threats.advance -> impacts vs defended areas -> radars -> tracker
        -> battle manager (every decision period) -> batteries fire -> interceptors advance

Every stage returns its events as an :class:`~amdsim.core.events.EventBatch`; the engine
concatenates them per step in stage order, and sorts the whole log stably by time at the end,
so the same scenario and seed always give the same log. Stages a scenario does not use (no
radars, no batteries) are simply absent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.core.errors import NumericalFault
from amdsim.core.events import EventBatch
from amdsim.core.frames import LocalFrame
from amdsim.core.rng import RngStreams
from amdsim.simulation.result import RunResult
from amdsim.simulation.summary import summarise
from amdsim.threats import truth_view

__all__ = ["run"]

ProgressFn = Callable[[float], None]


def _load(scenario: Any) -> Any:
    from amdsim.scenario import load_scenario

    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario)
    return scenario


@dataclass
class _Sampler:
    """Truth and track samples every ``period_s`` for reports and the viewer."""

    period_s: float
    next_t: float = 0.0
    cols: dict[str, list[np.ndarray]] = field(default_factory=dict)
    track_cols: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def due(self, t_s: float) -> bool:
        return t_s + 1e-9 >= self.next_t

    def add(self, store: dict[str, list[np.ndarray]], **cols: np.ndarray) -> None:
        for k, v in cols.items():
            store.setdefault(k, []).append(np.asarray(v))

    def table(self, store: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in store.items()}


def run(
    scenario: Any,
    seed: int | None = None,
    *,
    progress: ProgressFn | None = None,
    check: bool = False,
    sample_period_s: float = 1.0,
) -> RunResult:
    """Run one scenario with one seed.

    Parameters
    ----------
    scenario
        A loaded :class:`amdsim.scenario.Scenario`, a YAML path, or ``"preset:NAME"``.
    seed
        Seed of the run's named random streams; default: the scenario's ``seed``, else 0.
    progress
        Called with the fraction done (0..1) now and then.
    check
        Check numerical invariants of every stage every step (slower).
    sample_period_s
        Sampling period of the trajectories and tracks kept for display.
    """
    sc = _load(scenario)
    if seed is None:
        seed = int(getattr(sc, "seed", None) or 0)
    return _Engine(sc, int(seed), check=check, sample_period_s=sample_period_s).run(progress)


class _Engine:
    def __init__(self, sc: Any, seed: int, *, check: bool, sample_period_s: float):
        from amdsim.scenario import build_areas
        from amdsim.threats import ThreatFlight, build_threats

        self.sc = sc
        self.seed = seed
        self.check = check
        self.catalog = sc.catalog_resolved
        self.frame: LocalFrame = sc.frame()
        self.areas = build_areas(sc, self.frame)
        self.streams = RngStreams(seed)
        self.threats = build_threats(sc, self.catalog, self.frame, self.streams.get("threats"))
        self.flight = ThreatFlight(dt_max_s=float(sc.dt_s))
        self.radars = None
        self.tracker = None
        self.scorer = None
        if len(sc.radars):
            from amdsim.sensors import build_radars
            from amdsim.tracking import TrackScorer, build_tracker

            self.radars = build_radars(sc, self.catalog, self.frame)
            self.radar_rngs = self.radars.make_rngs(self.streams)
            self.tracker = build_tracker(sc, self.catalog, self.frame)
            self.scorer = TrackScorer()
        self.batteries = None
        self.battle = None
        if len(sc.batteries):
            from amdsim.battle import build_battle_manager
            from amdsim.interceptors import Flyouts, build_batteries

            self.batteries = build_batteries(sc, self.catalog, self.frame)
            self.flyouts = Flyouts.empty(self.batteries.table)
            self.kill_rng = self.streams.get("kill")
            if self.tracker is not None:
                self.battle = build_battle_manager(sc, self.areas, self.frame)
        self.dt = float(sc.dt_s)
        self.duration = float(sc.duration_s)
        self.sampler = _Sampler(sample_period_s)

    # ------------------------------------------------------------------ loop
    def run(self, progress: ProgressFn | None) -> RunResult:
        n_steps = int(math.ceil(self.duration / self.dt - 1e-9))
        state = self.threats
        tracks = self.tracker.initial() if self.tracker is not None else None
        self.battle_state = None
        self.pending: list[Any] = []
        log: list[EventBatch] = []
        every = max(1, n_steps // 100)
        for k in range(n_steps):
            t = k * self.dt
            t1 = t + self.dt
            dets = None
            if self.radars is not None:
                view = truth_view(state, self.frame)
                dets, ev = self.radars.detect(
                    t, self.dt, view.ids, view.pos_m, view.vel_mps, view.rcs_m2, self.radar_rngs
                )
                log.append(ev)
            log.append(self._launch_events(state, t))
            state, impacts = self.flight.advance(state, t, self.dt)
            log.append(self._impact_events(impacts))
            if self.tracker is not None and dets is not None and len(dets):
                tracks, ev = self.tracker.update(tracks, dets, t1)
                log.append(self._label_track_inits(ev, state))
                if self.check:
                    _check_tracks(tracks, t1)
                if self.scorer is not None:
                    v1 = truth_view(state, self.frame)
                    self.scorer.update(t1, v1.ids, v1.pos_m, v1.vel_mps, tracks)
            if self.batteries is not None:
                state, tracks = self._defend(state, tracks, t, log)
            if self.sampler.due(t1):
                self._sample(state, tracks, t1)
            if progress is not None and k % every == 0:
                progress(k / n_steps)
        if progress is not None:
            progress(1.0)
        events = _label_by_track(_sorted(EventBatch.concat(log)))
        meta = self._meta()
        summary = summarise(events, meta)
        if self.scorer is not None:
            summary["tracking"] = self.scorer.summary()
        return RunResult(
            scenario_name=self.sc.name,
            seed=self.seed,
            events=events,
            summary=summary,
            trajectories=self.sampler.table(self.sampler.cols),
            tracks=self.sampler.table(self.sampler.track_cols),
            meta=meta,
        )

    # ------------------------------------------------------------------ stages
    def _defend(self, state: Any, tracks: Any, t: float, log: list[EventBatch]) -> tuple[Any, Any]:
        """Interceptors in flight advance to t + dt, kills apply, then the battle manager
        decides and due fire orders launch (they fly from the next step)."""
        from amdsim.interceptors import advance as fly_interceptors
        from amdsim.interceptors import fire, tick
        from amdsim.threats import kill

        t1 = t + self.dt
        if self.tracker is None:
            return state, tracks
        if len(self.flyouts):
            v1 = truth_view(state, self.frame)
            self.flyouts, out, ev = fly_interceptors(
                self.flyouts, t, self.dt, tracks, v1.ids, v1.pos_m, v1.vel_mps, self.kill_rng,
                origin_alt_m=float(self.frame.alt_m),
            )  # fmt: skip
            log.append(ev)
            if len(out.killed_threat_id):
                state = kill(state, out.killed_threat_id)
            if len(out.drop_track_id):
                tracks, ev = self.tracker.drop(tracks, out.drop_track_id, t1, reason="intercepted")
                log.append(ev)
        self.batteries, ev = tick(self.batteries, t1)
        log.append(ev)
        if self.battle is not None:
            plan, ev, self.battle_state = self.battle.decide(
                t1, tracks, self._battery_view(), list(self.batteries.envelopes), self.battle_state
            )
            log.append(ev)
            if len(plan):
                self.pending.append(plan)
        if self.pending:
            self._fire_due(tracks, t1, log)
        return state, tracks

    def _fire_due(self, tracks: Any, t1: float, log: list[EventBatch]) -> None:
        from amdsim.battle import FirePlan
        from amdsim.interceptors import fire

        plan = _concat_plans(self.pending)
        due = plan.t_launch_s <= t1 + 1e-9
        if not due.any():
            return
        self.batteries, self.flyouts, ev = fire(
            self.batteries, self.flyouts, plan.battery[due], plan.track_id[due], plan.rounds[due], t1, tracks
        )
        log.append(ev)
        rest = ~due
        self.pending = [FirePlan(*(getattr(plan, f)[rest] for f in _PLAN_FIELDS))] if rest.any() else []

    def _battery_view(self) -> Any:
        from amdsim.battle import BatteryView

        b = self.batteries
        n = len(b)
        return BatteryView(
            pos_m=b.pos_m,
            envelope=np.arange(n),
            tier=3 - np.asarray(b.tier_rank, np.int64),
            engage_threshold=b.engage_threshold,
            reaction_s=b.reaction_time_s,
            ready_rounds=b.ready_rounds,
            spare_rounds=b.spare_rounds,
            free_channels=b.channels_free(self.flyouts),
            cost_usd=b.cost_per_round_usd,
            min_range_m=b.min_range_m,
            max_range_m=b.max_range_m,
            min_alt_m=b.min_alt_m,
            max_alt_m=b.max_alt_m,
            battery_id=np.arange(n, dtype=np.int64),
        )

    def _label_track_inits(self, ev: EventBatch, state: Any) -> EventBatch:
        """Scoring only: label each ``track_init`` with the nearest true threat (within
        ``_TRUTH_MATCH_M``), so the log can tell a track's story. The tracker never sees it."""
        init = np.flatnonzero(ev.kind == "track_init")
        if init.size == 0:
            return ev
        view = truth_view(state, self.frame)
        if len(view) == 0:
            return ev
        p = np.stack([ev.x_m[init], ev.y_m[init], ev.z_m[init]], axis=1)
        d2 = np.sum((p[:, None, :] - view.pos_m[None, :, :]) ** 2, axis=2)
        j = np.argmin(d2, axis=1)
        ok = d2[np.arange(init.size), j] <= _TRUTH_MATCH_M**2
        threat = ev.threat_id.copy()
        threat[init[ok]] = view.ids[j[ok]]
        return EventBatch(**{**ev.columns(), "threat_id": threat})

    def _launch_events(self, state: Any, t: float) -> EventBatch:
        ids = self.flight.launched(state, t, self.dt)
        if ids.size == 0:
            return EventBatch.empty()
        pos = self.frame.ecef_to_enu(state.init.pos0_ecef_m[ids])
        return EventBatch.make("launch", state.t_launch_s[ids], threat_id=ids, pos_m=pos)

    def _impact_events(self, impacts: Any) -> EventBatch:
        if len(impacts) == 0:
            return EventBatch.empty()
        pos = self.frame.ecef_to_enu(impacts.pos_ecef_m)
        asset = self.areas.first_hit(pos[:, :2])
        value = np.where(asset >= 0, self.areas.value[np.maximum(asset, 0)], 0.0)
        ev = [EventBatch.make("impact", impacts.t_s, threat_id=impacts.threat_id, asset_id=asset, pos_m=pos, value=value)]
        hit = asset >= 0
        if hit.any():
            ev.append(
                EventBatch.make(
                    "leak",
                    impacts.t_s[hit],
                    threat_id=impacts.threat_id[hit],
                    asset_id=asset[hit],
                    pos_m=pos[hit],
                    value=value[hit],
                )
            )
        return EventBatch.concat(ev)

    def _sample(self, state: Any, tracks: Any, t: float) -> None:
        self.sampler.next_t = t + self.sampler.period_s
        if tracks is not None and len(tracks):
            tr = self.tracker.predict(tracks, t) if self.tracker is not None else tracks
            c = tr.status == 1
            k = int(np.count_nonzero(c))
            if k:
                self.sampler.add(
                    self.sampler.track_cols,
                    t_s=np.full(k, t),
                    track_id=tr.track_id[c].astype(np.int64),
                    x_m=tr.state[c, 0],
                    y_m=tr.state[c, 1],
                    z_m=tr.state[c, 2],
                    vx_mps=tr.state[c, 3],
                    vy_mps=tr.state[c, 4],
                    vz_mps=tr.state[c, 5],
                )
        view = truth_view(state, self.frame)
        if len(view.ids) == 0:
            return
        lat, lon, alt = self.frame.enu_to_geodetic(view.pos_m)
        n = len(view.ids)
        self.sampler.add(
            self.sampler.cols,
            t_s=np.full(n, t),
            object=np.full(n, "threat", dtype=object),
            id=view.ids.astype(np.int64),
            type=np.asarray(state.type_names, dtype=object)[view.type_idx],
            x_m=view.pos_m[:, 0],
            y_m=view.pos_m[:, 1],
            z_m=view.pos_m[:, 2],
            lat_deg=lat,
            lon_deg=lon,
            alt_m=alt,
        )

    # ------------------------------------------------------------------ meta
    def _meta(self) -> dict[str, Any]:
        from amdsim._version import __version__

        a = self.areas
        assets = []
        for j in range(len(a)):
            poly = a.polygons[j]
            assets.append(
                {
                    "name": str(a.names[j]),
                    "value": float(a.value[j]),
                    "kind": "circle" if poly is None else "polygon",
                    "center_m": a.center_m[j].tolist(),
                    "radius_m": float(a.radius_m[j]) if poly is None else None,
                    "polygon_m": None if poly is None else poly.tolist(),
                }
            )
        return {
            "amdsim_version": __version__,
            "scenario_name": self.sc.name,
            "seed": self.seed,
            "epoch": _iso(getattr(self.sc, "epoch", None)),
            "origin": {"lat_deg": self.frame.lat_deg, "lon_deg": self.frame.lon_deg, "alt_m": self.frame.alt_m},
            "duration_s": self.duration,
            "dt_s": self.dt,
            "assets": assets,
            "radars": self._describe_radars(),
            "batteries": self._describe_batteries(),
            "threats": self._describe_threats(),
        }


    def _describe_batteries(self) -> list[dict[str, Any]]:
        b = self.batteries
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

    def _describe_radars(self) -> list[dict[str, Any]]:
        if self.radars is None:
            return []
        return [
            {
                "name": r.name,
                "type": self.sc.radars[r.index].type,
                "pos_m": [float(x) for x in r.site_m],
                "max_range_m": float(getattr(r.rtype, "max_range_m", float("nan"))),
                "boresight_az_deg": float(np.degrees(r.boresight_az_rad)),
            }
            for r in self.radars.radars
        ]

    def _describe_threats(self) -> list[dict[str, Any]]:
        st = self.threats
        aim = self.frame.geodetic_to_enu(st.aim_lat_deg, st.aim_lon_deg, np.zeros(len(st)))
        raids = self.sc.raids
        out = []
        for i in range(len(st)):
            name = st.type_names[int(st.type_idx[i])]
            raid = raids[int(st.raid_idx[i])] if st.raid_idx[i] >= 0 else None
            target = getattr(getattr(raid, "target", None), "asset", None) if raid is not None else None
            out.append(
                {
                    "id": int(st.id[i]),
                    "type": name,
                    "raid": raid.name if raid is not None else None,
                    "target_asset": target,
                    "aim_m": [float(aim[i, 0]), float(aim[i, 1])],
                    "t_launch_s": float(st.t_launch_s[i]),
                    "unit_cost_usd": _unit_cost(self.catalog.threats[name]),
                }
            )
        return out


def _iso(epoch: Any) -> str | None:
    if epoch is None:
        return None
    text = epoch.isoformat() if hasattr(epoch, "isoformat") else str(epoch)
    return text.replace("+00:00", "Z")


def _unit_cost(threat_type: Any) -> float | None:
    v = getattr(threat_type, "unit_cost_usd", None)
    return None if v is None else float(v)


_TRUTH_MATCH_M = 2000.0


def _label_by_track(events: EventBatch) -> EventBatch:
    """Give events that name a track the threat id its ``track_init`` was matched to."""
    init = (events.kind == "track_init") & (events.threat_id >= 0)
    if not init.any():
        return events
    keys = events.track_id[init]
    vals = events.threat_id[init]
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    need = (events.track_id >= 0) & (events.threat_id < 0)
    idx = np.searchsorted(keys, events.track_id[need])
    idx = np.minimum(idx, keys.size - 1)
    found = keys[idx] == events.track_id[need]
    threat = events.threat_id.copy()
    sel = np.flatnonzero(need)[found]
    threat[sel] = vals[idx[found]]
    return EventBatch(**{**events.columns(), "threat_id": threat})


_PLAN_FIELDS = ("battery", "track_id", "rounds", "t_launch_s", "t_intercept_s", "pk")


def _concat_plans(plans: list[Any]) -> Any:
    from amdsim.battle import FirePlan

    if len(plans) == 1:
        return plans[0]
    return FirePlan(*(np.concatenate([getattr(p, f) for p in plans]) for f in _PLAN_FIELDS))


def _sorted(events: EventBatch) -> EventBatch:
    order = np.argsort(events.t_s, kind="stable")
    return EventBatch(**{k: v[order] for k, v in events.columns().items()})


def _check_tracks(tracks: Any, t: float) -> None:
    if len(tracks) == 0:
        return
    _check_finite("tracking.update", t, tracks.track_id, tracks.state, tracks.cov)
    sym = np.abs(tracks.cov - np.swapaxes(tracks.cov, 1, 2)).max(axis=(1, 2))
    scale = np.abs(tracks.cov).max(axis=(1, 2)) + 1e-300
    bad = sym > 1e-6 * scale
    if bad.any():
        raise NumericalFault("tracking.update", t, tracks.track_id[bad].tolist(), "covariance not symmetric")
    diag = np.diagonal(tracks.cov, axis1=1, axis2=2)
    bad = (diag <= 0).any(axis=1)
    if bad.any():
        raise NumericalFault("tracking.update", t, tracks.track_id[bad].tolist(), "covariance not positive definite")


def _check_finite(stage: str, t: float, ids: np.ndarray, *arrays: np.ndarray) -> None:
    for arr in arrays:
        bad = ~np.isfinite(arr).reshape(arr.shape[0], -1).all(axis=1)
        if bad.any():
            raise NumericalFault(stage, t, ids[bad].tolist(), "non-finite state")
