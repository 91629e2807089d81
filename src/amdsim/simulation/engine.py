"""The engine: one fixed-step loop over the pipeline stages.

Each step ``t -> t + dt`` runs the stages in the order of DESIGN.md::

    radars (scans due in the step, truth at t) -> threats.advance (launches, RK4, impacts)
        -> tracker.update -> interceptors.advance (kills) -> battle manager (every decision
        period) -> fire orders due after command latency and reaction time

Every stage returns its events as an :class:`~amdsim.core.events.EventBatch`; the engine
keeps them in stage order and sorts the whole log stably by time at the end, so the same
scenario and seed always give the same log. Stages a scenario does not use (no radars, no
batteries) are absent. Cheap numerical invariants are checked every step; ``check=True``
(``amdsim run --check``) adds the full checks (see :mod:`amdsim.simulation.invariants`).

Why a fixed step: every stage is a batch operation over all objects, so one step of all
stages at once is the cheapest schedule; stages with their own clocks (radar revisits, the
decision period, interceptor sub-steps, impacts between steps) resolve their own times
inside the step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from amdsim.core.events import EventBatch
from amdsim.core.frames import LocalFrame
from amdsim.core.rng import RngStreams
from amdsim.simulation import _meta
from amdsim.simulation._labels import label_by_track, label_track_inits
from amdsim.simulation.invariants import check_interceptors, check_threats, check_tracks
from amdsim.simulation.result import RunResult
from amdsim.simulation.summary import summarise
from amdsim.threats import ThreatState, truth_view

if TYPE_CHECKING:
    from amdsim.battle import BattleManager, BattleState, FirePlan
    from amdsim.interceptors import BatteryState, Flyouts
    from amdsim.sensors import RadarNetwork
    from amdsim.tracking import Tracker, Tracks, TrackScorer

__all__ = ["run"]

ProgressFn = Callable[[float], None]


def _load(scenario: Any) -> Any:
    from amdsim.scenario import load_scenario

    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario)
    return scenario


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
        Full numerical invariants of every stage every step (slower).
    sample_period_s
        Sampling period of the trajectories and tracks kept for display (s).
    """
    sc = _load(scenario)
    from amdsim.simulation.budget import check_memory

    check_memory(sc, sample_period_s)  # refuse up front a run that cannot fit in memory
    if seed is None:
        seed = int(getattr(sc, "seed", None) or 0)
    return _Engine(sc, int(seed), check=check, sample_period_s=sample_period_s).run(progress)


@dataclass
class _Picture:
    """Radars, tracker and the track scorer (present when the scenario has radars)."""

    radars: RadarNetwork
    rngs: dict[str, np.random.Generator]
    tracker: Tracker
    scorer: TrackScorer
    tracks: Tracks


@dataclass
class _Defence:
    """Batteries, interceptors in flight, the battle manager and pending fire orders."""

    batteries: BatteryState
    flyouts: Flyouts
    kill_rng: np.random.Generator
    battle: BattleManager | None
    battle_state: BattleState | None = None
    pending: list[FirePlan] = field(default_factory=list)


@dataclass
class _Sampler:
    """Truth and track samples every ``period_s`` for reports and the viewer."""

    period_s: float
    next_t: float = 0.0
    truth: dict[str, list[np.ndarray]] = field(default_factory=dict)
    tracks: dict[str, list[np.ndarray]] = field(default_factory=dict)

    @staticmethod
    def add(store: dict[str, list[np.ndarray]], **cols: np.ndarray) -> None:
        for k, v in cols.items():
            store.setdefault(k, []).append(np.asarray(v))

    @staticmethod
    def table(store: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in store.items()}


class _Engine:
    def __init__(self, sc: Any, seed: int, *, check: bool, sample_period_s: float):
        from amdsim.scenario import build_areas
        from amdsim.threats import ThreatFlight, build_threats

        self.sc = sc
        self.seed = seed
        self.check = check
        self.dt = float(sc.dt_s)
        self.duration = float(sc.duration_s)
        self.catalog = sc.catalog_resolved
        self.frame: LocalFrame = sc.frame()
        self.areas = build_areas(sc, self.frame)
        self.streams = RngStreams(seed)
        self.threats: ThreatState = build_threats(
            sc, self.catalog, self.frame, self.streams.get("threats")
        )
        self.flight = ThreatFlight(dt_max_s=self.dt)
        self.sampler = _Sampler(sample_period_s)
        self.picture = self._build_picture() if len(sc.radars) else None
        self.defence = self._build_defence() if len(sc.batteries) else None
        self._view: tuple[ThreatState | None, Any] = (None, None)

    def _truth(self, state: ThreatState) -> Any:
        """:func:`truth_view` of ``state``, computed once per state (states are immutable:
        every stage that changes one returns a new object)."""
        if self._view[0] is not state:
            self._view = (state, truth_view(state, self.frame))
        return self._view[1]

    def _build_picture(self) -> _Picture:
        from amdsim.sensors import build_radars
        from amdsim.tracking import TrackScorer, build_tracker

        radars = build_radars(self.sc, self.catalog, self.frame)
        tracker = build_tracker(self.sc, self.catalog, self.frame)
        return _Picture(
            radars, radars.make_rngs(self.streams), tracker, TrackScorer(), tracker.initial()
        )

    def _build_defence(self) -> _Defence:
        from amdsim.battle import build_battle_manager
        from amdsim.interceptors import Flyouts, build_batteries

        batteries = build_batteries(self.sc, self.catalog, self.frame)
        # without radars there is no air picture, so nothing can be engaged
        battle = build_battle_manager(self.sc, self.areas, self.frame) if self.picture else None
        return _Defence(batteries, Flyouts.empty(batteries.table), self.streams.get("kill"), battle)

    # ------------------------------------------------------------------ loop
    def run(self, progress: ProgressFn | None) -> RunResult:
        n_steps = math.ceil(self.duration / self.dt - 1e-9)
        state = self.threats
        log: list[EventBatch] = []
        every = max(1, n_steps // 100)
        for k in range(n_steps):
            state = self._step(state, k * self.dt, log)
            if progress is not None and k % every == 0:
                progress(k / n_steps)
        if progress is not None:
            progress(1.0)
        events = label_by_track(_sorted(EventBatch.concat(log)))
        meta = _meta.describe(self.sc, self.frame, self.areas, self.threats, self.catalog,
                              self.picture.radars if self.picture else None,
                              self.defence.batteries if self.defence else None, self.seed)  # fmt: skip
        summary = summarise(events, meta)
        if self.picture is not None:
            summary["tracking"] = self.picture.scorer.summary()
        return RunResult(
            scenario_name=self.sc.name,
            seed=self.seed,
            events=events,
            summary=summary,
            trajectories=_Sampler.table(self.sampler.truth),
            tracks=_Sampler.table(self.sampler.tracks),
            meta=meta,
        )

    def _step(self, state: ThreatState, t: float, log: list[EventBatch]) -> ThreatState:
        t1 = t + self.dt
        pic = self.picture
        dets = None
        if pic is not None:
            view = self._truth(state)
            dets, ev = pic.radars.detect(
                t, self.dt, view.ids, view.pos_m, view.vel_mps, view.rcs_m2, pic.rngs
            )
            log.append(ev)
        log.append(self._launch_events(state, t))
        state, impacts = self.flight.advance(state, t, self.dt)
        check_threats(state, t1, cheap=not self.check)
        log.append(self._impact_events(impacts))
        if pic is not None and dets is not None and len(dets):
            pic.tracks, ev = pic.tracker.update(pic.tracks, dets, t1)
            check_tracks(pic.tracks, t1, cheap=not self.check)
            log.append(label_track_inits(ev, self._truth(state)))
            v1 = self._truth(state)
            pic.scorer.update(t1, v1.ids, v1.pos_m, v1.vel_mps, pic.tracks)
        if self.defence is not None and pic is not None:
            state = self._defend(self.defence, pic, state, t, log)
        if t1 + 1e-9 >= self.sampler.next_t:
            self._sample(state, t1)
        return state

    # ------------------------------------------------------------------ stages
    def _defend(
        self, d: _Defence, pic: _Picture, state: ThreatState, t: float, log: list[EventBatch]
    ) -> ThreatState:
        """Interceptors in flight advance to t + dt and kills apply; then the battle manager
        decides, and fire orders whose launch time has come launch (they fly from the next
        step)."""
        from amdsim.interceptors import advance as fly_interceptors
        from amdsim.interceptors import tick
        from amdsim.threats import kill

        t1 = t + self.dt
        if len(d.flyouts):
            v1 = self._truth(state)
            d.flyouts, out, ev = fly_interceptors(
                d.flyouts, t, self.dt, pic.tracks, v1.ids, v1.pos_m, v1.vel_mps, d.kill_rng,
                origin_alt_m=float(self.frame.alt_m),
            )  # fmt: skip
            check_interceptors(d.flyouts, t1, frame=self.frame if self.check else None)
            log.append(ev)
            if len(out.killed_threat_id):
                state = kill(state, out.killed_threat_id)
            if len(out.drop_track_id):
                pic.tracks, ev = pic.tracker.drop(
                    pic.tracks, out.drop_track_id, t1, reason="intercepted"
                )
                log.append(ev)
        d.batteries, ev = tick(d.batteries, t1)
        log.append(ev)
        due = d.battle_state is None or t1 + 1e-9 >= d.battle_state.t_next_s
        if d.battle is not None and due:  # between decision times decide() does nothing
            plan, ev, d.battle_state = d.battle.decide(
                t1, pic.tracks, _battery_view(d), list(d.batteries.envelopes), d.battle_state
            )
            log.append(ev)
            if len(plan):
                d.pending.append(plan)
        if d.pending:
            self._fire_due(d, pic, t1, log)
        return state

    def _fire_due(self, d: _Defence, pic: _Picture, t1: float, log: list[EventBatch]) -> None:
        from amdsim.battle import FirePlan
        from amdsim.interceptors import fire

        plan = d.pending[0] if len(d.pending) == 1 else _concat_plans(d.pending)
        due = plan.t_launch_s <= t1 + 1e-9
        if not due.any():
            d.pending = [plan]
            return
        d.batteries, d.flyouts, ev = fire(
            d.batteries,
            d.flyouts,
            plan.battery[due],
            plan.track_id[due],
            plan.rounds[due],
            t1,
            pic.tracks,
        )
        log.append(ev)
        rest = ~due
        d.pending = (
            [FirePlan(*(getattr(plan, f)[rest] for f in _PLAN_FIELDS))] if rest.any() else []
        )

    def _launch_events(self, state: ThreatState, t: float) -> EventBatch:
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
        value = np.zeros(asset.shape)
        if len(self.areas):  # a scenario without assets: every impact is in the open
            value = np.where(asset >= 0, self.areas.value[np.maximum(asset, 0)], 0.0)
        ev = [
            EventBatch.make(
                "impact",
                impacts.t_s,
                threat_id=impacts.threat_id,
                asset_id=asset,
                pos_m=pos,
                value=value,
            )
        ]
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

    def _sample(self, state: ThreatState, t: float) -> None:
        self.sampler.next_t = t + self.sampler.period_s
        pic = self.picture
        if pic is not None and len(pic.tracks):
            tr = pic.tracker.predict(pic.tracks, t)
            c = tr.status == 1
            k = int(np.count_nonzero(c))
            if k:
                s = tr.state[c]
                self.sampler.add(
                    self.sampler.tracks, t_s=np.full(k, t), track_id=tr.track_id[c].astype(np.int64),
                    x_m=s[:, 0], y_m=s[:, 1], z_m=s[:, 2], vx_mps=s[:, 3], vy_mps=s[:, 4], vz_mps=s[:, 5],
                )  # fmt: skip
        view = self._truth(state)
        n = len(view)
        if n == 0:
            return
        lat, lon, alt = self.frame.enu_to_geodetic(view.pos_m)
        self.sampler.add(
            self.sampler.truth, t_s=np.full(n, t), object=np.full(n, "threat", dtype=object),
            id=view.ids.astype(np.int64), type=np.asarray(state.type_names, dtype=object)[view.type_idx],
            x_m=view.pos_m[:, 0], y_m=view.pos_m[:, 1], z_m=view.pos_m[:, 2],
            lat_deg=lat, lon_deg=lon, alt_m=alt,
        )  # fmt: skip


def _battery_view(d: _Defence) -> Any:
    """What battle management needs of the batteries, from the interceptors' state."""
    from amdsim.battle import BatteryView

    b = d.batteries
    n = len(b)
    ready = np.asarray(b.ready_rounds, np.int64).copy()
    free = np.asarray(b.channels_free(d.flyouts), np.int64).copy()
    if d.pending:
        # orders waiting for their launch time already hold their rounds and a channel:
        # without this the manager over-commits and fire() refuses ("no free fire channel")
        plan = d.pending[0] if len(d.pending) == 1 else _concat_plans(d.pending)
        np.subtract.at(ready, plan.battery, plan.rounds)
        engaged = b.engaged_tracks(d.flyouts)
        new_pairs = {
            (int(bi), int(tr))
            for bi, tr in zip(plan.battery.tolist(), plan.track_id.tolist())
            if int(tr) not in engaged[int(bi)]
        }
        for bi, _tr in new_pairs:
            free[bi] -= 1
        ready, free = np.maximum(ready, 0), np.maximum(free, 0)
    return BatteryView(
        pos_m=b.pos_m,
        envelope=np.arange(n),
        tier=3 - np.asarray(b.tier_rank, np.int64),  # battle ranks upper tiers highest
        engage_threshold=b.engage_threshold,
        reaction_s=b.reaction_time_s,
        ready_rounds=ready,
        spare_rounds=b.spare_rounds,
        free_channels=free,
        cost_usd=b.cost_per_round_usd,
        min_range_m=b.min_range_m,
        max_range_m=b.max_range_m,
        min_alt_m=b.min_alt_m,
        max_alt_m=b.max_alt_m,
        battery_id=np.arange(n, dtype=np.int64),
    )


_PLAN_FIELDS = ("battery", "track_id", "rounds", "t_launch_s", "t_intercept_s", "pk")


def _concat_plans(plans: list[Any]) -> Any:
    from amdsim.battle import FirePlan

    return FirePlan(*(np.concatenate([getattr(p, f) for p in plans]) for f in _PLAN_FIELDS))


def _sorted(events: EventBatch) -> EventBatch:
    order = np.argsort(events.t_s, kind="stable")
    return EventBatch(**{k: v[order] for k, v in events.columns().items()})
