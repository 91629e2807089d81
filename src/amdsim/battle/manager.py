"""The battle manager: one decision cycle = evaluate threats, check feasibility, assign, order.

Each cycle (every ``decision_period_s``) the manager

1. predicts the impact point / closest approach of every confirmed track (cached per track
   while its state time is unchanged; not at all for a reserved track whose "engaged"
   decision is already logged, as nothing of it would be used) -> :class:`Assessment`;
2. drops tracks that endanger nothing: a battery engages a track only when the track's
   probability of hitting a defended asset is at least the battery's ``engage_threshold``
   (the Iron Dome rule: rockets heading for open ground are let through);
3. releases engagement reservations whose look time has passed (shoot-look-shoot: after the
   predicted intercept plus ``look_s`` a surviving track may be engaged again);
4. for each tier, upper tier first, solves the WTA over the feasible (battery, track) pairs:
   value = threat value at stake, Pk of one engagement (``1 - (1 - pk)^s`` for a salvo of
   ``s`` rounds), rounds = engagements the battery can afford (ready rounds above the reserve,
   free channels), at most one engagement per track per cycle, over the tracks and batteries
   with some feasible pair; lower tiers take what the upper tiers left (leakers and threats
   the upper tier cannot reach);
5. issues fire orders (launch after command latency + reaction), reserves the tracks for
   every battery (no battery fires at a reserved track: no double engagement by accident) and
   logs one ``decision`` event per track whenever its decision changes, plus one ``engage``
   event per fire order.

All evolving state (reservations, cached predictions, last decisions, next cycle time) is in
the :class:`BattleState` that goes in and comes out of :meth:`BattleManager.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from amdsim.battle.batches import FirePlan
from amdsim.battle.feasibility import BatteryView, Feasibility, engagement_feasibility
from amdsim.battle.impact import ImpactPredictor, Prediction
from amdsim.battle.wta import solve_static_wta_detailed
from amdsim.core.areas import DefendedAreas
from amdsim.core.events import EventBatch
from amdsim.core.frames import LocalFrame
from amdsim.tracking.batches import Tracks

__all__ = ["BattleManager", "BattleSettings", "BattleState", "build_battle_manager"]

_CODES = {"engage": 0, "engaged": 1, "reach": 2, "below": 3, "ammo": 4, "busy": 5, "wta": 6}


def _decision_key(code: np.ndarray, battery_id: np.ndarray) -> np.ndarray:
    """One integer per (decision category, battery id or -1): what is compared from cycle to
    cycle to log a decision only when it changes."""
    return np.asarray(code, np.int64) * (1 << 40) + (np.asarray(battery_id, np.int64) + 1)


_ENGAGED = int(_decision_key(np.array([_CODES["engaged"]]), np.array([-1]))[0])


@dataclass(frozen=True, slots=True)
class BattleSettings:
    """Battle-management settings (scenario ``defence:``; extra fields are ours, defaults shown).

    ``salvo_size`` rounds are fired per engagement under ``doctrine="salvo"`` (1 under
    shoot-look-shoot); ``look_s`` after the predicted intercept a reservation is released;
    ``wta_time_limit_s`` is kept for callers of :func:`solve_static_wta`; the engine's
    per-cycle solve never uses a wall-clock limit (determinism), see :meth:`decide`.
    """

    decision_period_s: float = 1.0
    command_latency_s: float = 0.5
    wta: str = "assignment"
    doctrine: str = "shoot-look-shoot"
    cost_weight: float = 0.0
    reserve_fraction: float = 0.0
    salvo_size: int = 2
    look_s: float = 2.0
    wta_time_limit_s: float = 0.05
    default_beta_kg_m2: float = np.inf

    def __post_init__(self) -> None:
        if self.doctrine not in ("shoot-look-shoot", "salvo"):
            raise ValueError(
                f"doctrine must be 'shoot-look-shoot' or 'salvo', got {self.doctrine!r}"
            )
        if self.wta not in ("greedy", "milp", "assignment", "auto"):
            raise ValueError(f"wta must be greedy | milp | assignment | auto, got {self.wta!r}")
        if not self.decision_period_s > 0 or self.command_latency_s < 0 or self.salvo_size < 1:
            raise ValueError(
                "decision_period_s must be > 0, command_latency_s >= 0, salvo_size >= 1"
            )
        if not 0.0 <= self.reserve_fraction < 1.0 or self.cost_weight < 0:
            raise ValueError("reserve_fraction must be in [0, 1) and cost_weight >= 0")

    @property
    def rounds_per_engagement(self) -> int:
        return self.salvo_size if self.doctrine == "salvo" else 1


@dataclass(frozen=True)
class BattleState:
    """Evolving battle-management state (engagement reservations and caches)."""

    t_next_s: float = -np.inf
    res_track: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    res_battery: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    res_release_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    dec_track: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # sorted ids
    dec_key: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # last decision
    cache_key: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))  # (track_id, t_state)
    cache: Prediction | None = None

    @staticmethod
    def empty() -> BattleState:
        return BattleState()

    def reserved(self, track_id: np.ndarray) -> np.ndarray:
        """Is each track reserved (an engagement in progress)?"""
        return np.isin(np.asarray(track_id), self.res_track)


def _subset(tracks: Tracks, rows: np.ndarray) -> Tracks:
    t_state = getattr(tracks, "t_state_s", None)
    kw: dict[str, Any] = {}
    if t_state is not None:
        kw["t_state_s"] = np.asarray(t_state)[rows]
    return Tracks(
        tracks.track_id[rows], tracks.state[rows], tracks.cov[rows], tracks.status[rows],
        tracks.t_update_s[rows], tracks.beta_kg_m2[rows], **kw,
    )  # fmt: skip


def _last_key(state: BattleState, track_id: np.ndarray) -> np.ndarray:
    """The last logged decision key of each track (-1 where none was logged)."""
    old_t, old_k = state.dec_track, state.dec_key
    if old_t.size == 0:
        return np.full(np.shape(track_id), -1, np.int64)
    pos = np.clip(np.searchsorted(old_t, track_id), 0, old_t.size - 1)
    return np.where(old_t[pos] == track_id, old_k[pos], -1)


class BattleManager:
    """Decides, each cycle, which battery fires how many rounds at which track (see module doc).

    Parameters
    ----------
    settings : BattleSettings
    areas : DefendedAreas
    frame : LocalFrame
    predictor : ImpactPredictor, optional
        Impact-point predictor (default: full model with ``settings.default_beta_kg_m2``).
    """

    def __init__(
        self,
        settings: BattleSettings,
        areas: DefendedAreas,
        frame: LocalFrame,
        predictor: ImpactPredictor | None = None,
    ) -> None:
        self.settings = settings
        self.areas = areas
        self.frame = frame
        self.predictor = predictor or ImpactPredictor(
            frame, areas, default_beta_kg_m2=settings.default_beta_kg_m2
        )

    # -- threat evaluation ----------------------------------------------------------------
    def assess(
        self, tracks: Tracks, state: BattleState | None = None, skip: np.ndarray | None = None
    ) -> tuple[Prediction, BattleState]:
        """Predictions for all rows of ``tracks``, reusing the cached ones whose state time
        has not changed. Rows where ``skip`` (bool) is set are not assessed: they come back
        as :meth:`Prediction.unassessed` rows (no impact, no hit probability, no path) and
        stay out of the cache."""
        state = state or BattleState.empty()
        if skip is not None and np.any(skip):
            rows = np.flatnonzero(~np.asarray(skip, bool))
            sub, state = self.assess(_subset(tracks, rows), state)
            skipped = np.flatnonzero(skip)
            none = Prediction.unassessed(
                tracks.track_id[skipped], len(self.areas), self.predictor.n_path
            )
            order = np.argsort(np.concatenate([rows, skipped]), kind="stable")
            both = Prediction.concat([sub, none], len(self.areas), self.predictor.n_path)
            return both.select(order), state
        t_state = getattr(tracks, "t_state_s", None)
        t_key = np.asarray(t_state if t_state is not None else tracks.t_update_s, float)
        key = (
            np.column_stack([np.asarray(tracks.track_id, float), t_key])
            if len(tracks)
            else np.empty((0, 2))
        )
        n = len(tracks)
        hit_row = np.full(n, -1, np.int64)
        if state.cache is not None and len(state.cache_key) and n:
            old_id, old_t = state.cache_key[:, 0], state.cache_key[:, 1]
            order = np.argsort(old_id, kind="stable")
            pos = np.clip(np.searchsorted(old_id[order], key[:, 0]), 0, order.size - 1)
            cand = order[pos]
            same = (old_id[cand] == key[:, 0]) & (old_t[cand] == key[:, 1])
            hit_row = np.where(same, cand, -1)
        miss = np.flatnonzero(hit_row < 0)
        parts_idx = []
        parts = []
        if miss.size:
            parts.append(self.predictor.predict(_subset(tracks, miss)))
            parts_idx.append(miss)
        hit = np.flatnonzero(hit_row >= 0)
        if hit.size and state.cache is not None:
            parts.append(state.cache.select(hit_row[hit]))
            parts_idx.append(hit)
        pred = Prediction.concat(parts, len(self.areas), self.predictor.n_path)
        if parts_idx:
            order = np.argsort(np.concatenate(parts_idx), kind="stable")
            if len(parts) > 1:
                pred = pred.select(order)
        return pred, replace(state, cache_key=key, cache=pred)

    # -- one decision cycle ---------------------------------------------------------------
    def decide(
        self,
        t_s: float,
        tracks: Tracks,
        batteries: BatteryView,
        envelopes: list[Any],
        state: BattleState | None = None,
    ) -> tuple[FirePlan, EventBatch, BattleState]:
        """One decision cycle at ``t_s`` (nothing happens before ``state.t_next_s``).

        Returns the fire plan, the ``decision`` / ``engage`` events, and the new state.
        """
        st = self.settings
        state = state or BattleState.empty()
        if t_s + 1e-9 < state.t_next_s:
            return FirePlan.empty(), EventBatch.empty(), state
        batteries.check()
        conf = np.flatnonzero(np.asarray(tracks.status) == 1)
        trk = _subset(tracks, conf)
        tid = np.asarray(trk.track_id, np.int64)

        # reservations: drop released ones and those of tracks no longer in the picture
        keep = (state.res_release_s > t_s) & np.isin(state.res_track, tid)
        res_track, res_batt, res_rel = (
            state.res_track[keep],
            state.res_battery[keep],
            state.res_release_s[keep],
        )
        reserved = np.isin(tid, res_track)
        # A reserved track whose last logged decision is already "engaged" needs no
        # assessment: its decision is "engaged" whatever the prediction says, and an unchanged
        # decision is not logged again (see _events), so nothing of its prediction is used.
        pred, state = self.assess(trk, state, skip=reserved & (_last_key(state, tid) == _ENGAGED))
        a = pred.assessment
        n, _b = len(pred), len(batteries)

        p_any = pred.p_any
        thr = np.asarray(batteries.engage_threshold, float)
        worthy = p_any[:, None] >= thr[None, :]  # (n, b)
        cand = (~reserved) & (a.threat_value > 0) & np.isfinite(a.t_impact_s)
        feas = engagement_feasibility(
            pred,
            batteries,
            envelopes,
            t_s,
            st.command_latency_s,
            np.flatnonzero(cand & worthy.any(axis=1)),
        )
        s = st.rounds_per_engagement
        ready = np.asarray(batteries.ready_rounds, np.int64)
        stock = ready + np.asarray(batteries.spare_rounds, np.int64)
        reserve = np.ceil(st.reserve_fraction * stock).astype(np.int64)
        usable = np.clip(np.minimum(ready, stock - reserve), 0, None)
        engagements = np.minimum(usable // s, np.asarray(batteries.free_channels, np.int64))

        assigned_b = np.full(n, -1)
        tiers = np.asarray(batteries.tier)
        for tier in np.unique(tiers)[::-1]:
            cols = np.flatnonzero(tiers == tier)
            rows = np.flatnonzero(cand & (assigned_b < 0))
            if rows.size == 0 or cols.size == 0:
                continue
            pk1 = np.where(
                feas.ok[np.ix_(rows, cols)] & worthy[np.ix_(rows, cols)],
                feas.pk[np.ix_(rows, cols)],
                0.0,
            )
            pk_e = 1.0 - (1.0 - pk1) ** s
            # only threats some battery of the tier can engage, and batteries that can engage
            # one of them: the others cannot take or give a round (their pairs are capped at 0)
            live = pk_e > 0.0
            rows = rows[live.any(axis=1)]
            sel = np.flatnonzero(live.any(axis=0) & (engagements[cols] > 0))
            if rows.size == 0 or sel.size == 0:
                continue
            pk_e = pk_e[np.ix_(live.any(axis=1), sel)]
            cols = cols[sel]
            # No wall-clock limit here: a time limit would make the plan (and so the event
            # log) depend on machine load, breaking "same seed, same log". The per-cycle
            # problem (one engagement per threat) is an assignment problem, which the
            # assignment solver solves exactly, so "auto" uses it; "milp" runs to optimality.
            res = solve_static_wta_detailed(
                pk_e.T, a.threat_value[rows], engagements[cols],
                "assignment" if st.wta == "auto" else st.wta, None,
                cost=s * np.asarray(batteries.cost_usd, float)[cols], cost_weight=st.cost_weight,
                max_per_pair=1, max_per_target=1,
            )  # fmt: skip
            bi, ti = np.nonzero(res.counts)
            assigned_b[rows[ti]] = cols[bi]
            np.subtract.at(engagements, cols[bi], 1)

        fire = np.flatnonzero(assigned_b >= 0)
        fb = assigned_b[fire]
        ids = batteries.ids
        plan = FirePlan(
            battery=ids[fb].astype(np.int64),
            track_id=tid[fire],
            rounds=np.full(fire.size, s, np.int64),
            t_launch_s=feas.t_launch_s[fire, fb],
            t_intercept_s=feas.t_intercept_s[fire, fb],
            pk=feas.pk[fire, fb],
        )
        res_track = np.concatenate([res_track, tid[fire]])
        res_batt = np.concatenate([res_batt, ids[fb].astype(np.int64)])
        res_rel = np.concatenate([res_rel, feas.t_intercept_s[fire, fb] + st.look_s])

        events, last = self._events(
            t_s, pred, feas, worthy, reserved, assigned_b, engagements, usable, batteries, state
        )
        engage_ev = EventBatch.empty() if fire.size == 0 else EventBatch.make(
            "engage", t_s, track_id=plan.track_id, battery_id=plan.battery, p=plan.pk,
            value=a.threat_value[fire], cost_usd=s * np.asarray(batteries.cost_usd, float)[fb],
            pos_m=feas.point_m[fire, fb].reshape(-1, 3),
            reason=np.array([f"{st.doctrine}: {s} round(s), t_int {t:.1f} s" for t in plan.t_intercept_s], dtype=object),
        )  # fmt: skip
        new_state = replace(
            state, t_next_s=t_s + st.decision_period_s, res_track=res_track, res_battery=res_batt,
            res_release_s=res_rel, dec_track=last[0], dec_key=last[1],
        )  # fmt: skip
        return plan, EventBatch.concat([events, engage_ev]), new_state

    # -- decision log ---------------------------------------------------------------------
    def _events(
        self,
        t_s: float,
        pred: Prediction,
        feas: Feasibility,
        worthy: np.ndarray,
        reserved: np.ndarray,
        assigned_b: np.ndarray,
        engagements_left: np.ndarray,
        usable: np.ndarray,
        batteries: BatteryView,
        state: BattleState,
    ) -> tuple[EventBatch, tuple[np.ndarray, np.ndarray]]:
        a = pred.assessment
        n = len(pred)
        ids = batteries.ids
        thr = np.asarray(batteries.engage_threshold, float)
        p_any = pred.p_any
        ok = feas.ok & worthy
        # decision category of every track, vectorised (first matching rule wins)
        rules = [
            ("engage", assigned_b >= 0),
            ("engaged", reserved),
            ("reach", np.full(n, len(batteries) == 0)),
            ("below", ~np.isfinite(a.t_impact_s) | ~worthy.any(axis=1)),
            ("reach", ~ok.any(axis=1)),
            ("ammo", ~(ok & (usable > 0)[None, :]).any(axis=1)),
            ("busy", ~(ok & (engagements_left > 0)[None, :]).any(axis=1)),
            ("wta", np.ones(n, bool)),
        ]
        cat = np.full(n, "", dtype=object)
        code = np.full(n, -1, np.int64)
        for name, mask in rules:
            sel = (code < 0) & mask
            cat[sel] = name
            code[sel] = _CODES[name]
        bid = np.where(assigned_b >= 0, ids[np.maximum(assigned_b, 0)] if len(ids) else -1, -1)
        # compare with the last logged decision of each track (sorted arrays, no Python loop)
        tid = np.asarray(a.track_id, np.int64)
        key = _decision_key(code, bid)
        old_t, old_k = state.dec_track, state.dec_key
        changed = np.flatnonzero(_last_key(state, tid) != key)
        keep_old = ~np.isin(old_t, tid)
        new_t = np.concatenate([old_t[keep_old], tid])
        new_k = np.concatenate([old_k[keep_old], key])
        order = np.argsort(new_t, kind="stable")
        last = (new_t[order], new_k[order])
        if changed.size == 0:
            return EventBatch.empty(), last
        r = changed
        thr_min = float(thr.min()) if thr.size else np.nan
        reasons = []
        for i in r:
            c, p = cat[i], float(p_any[i])
            if c == "engage":
                k = int(assigned_b[i])
                reasons.append(
                    f"engage: p_hit {p:.2f} >= {thr[k]:.2f}, battery {int(bid[i])}, "
                    f"t_int {feas.t_intercept_s[i, k]:.1f} s, pk {feas.pk[i, k]:.2f}"
                )
            elif c == "engaged":
                reasons.append("no new engagement: interceptor(s) in flight (shoot-look-shoot)")
            elif c == "below":
                where = (
                    "predicted impact in open ground"
                    if pred.ballistic[i]
                    else "path passes no defended asset"
                )
                reasons.append(f"no engage: p_hit {p:.2f} < threshold {thr_min:.2f} ({where})")
            elif c == "reach":
                reasons.append(
                    "no engage: no battery in range" if not feas.in_reach[i].any()
                    else "no engage: no battery can intercept before impact (too late)"
                )  # fmt: skip
            elif c == "ammo":
                reasons.append("no engage: batteries in range have no ready rounds above reserve")
            elif c == "busy":
                reasons.append(
                    "no engage: batteries in range have no free channel or round left this cycle"
                )
            else:
                reasons.append(
                    "no engage: not assigned (higher-value threats or cost outweighs value)"
                )
        m = len(self.areas)
        stake = a.p_hit[r] * self.areas.value[None, :] if m else np.zeros((r.size, 0))
        asset = (
            np.where(stake.sum(axis=1) > 0, np.argmax(stake, axis=1), -1)
            if m
            else np.full(r.size, -1)
        )
        pos = np.column_stack([a.impact_m[r], np.zeros(r.size)])
        ev = EventBatch.make(
            "decision", t_s, track_id=a.track_id[r], battery_id=bid[r].astype(np.int64),
            asset_id=asset.astype(np.int64), p=p_any[r], value=a.threat_value[r], pos_m=pos,
            reason=np.asarray(reasons, dtype=object),
        )  # fmt: skip
        return ev, last


def build_battle_manager(
    scenario: Any, areas: DefendedAreas, frame: LocalFrame, **extra: Any
) -> BattleManager:
    """The battle manager of a loaded scenario (reads ``scenario.defence``; ``extra`` overrides
    or adds :class:`BattleSettings` fields)."""
    d = getattr(scenario, "defence", None)
    kw: dict[str, Any] = {}
    for name in (
        "decision_period_s",
        "command_latency_s",
        "wta",
        "doctrine",
        "cost_weight",
        "reserve_fraction",
    ):
        if d is not None and getattr(d, name, None) is not None:
            kw[name] = getattr(d, name)
    kw.update(extra)
    return BattleManager(BattleSettings(**kw), areas, frame)
