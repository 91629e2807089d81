"""Engagement feasibility: can battery ``b`` intercept track ``i``, where, when, with what Pk.

The predicted nominal path of each track is sampled at times :math:`t_k`
(:class:`amdsim.battle.impact.Prediction`). A round ordered now reaches the battery after the
command latency, leaves after the battery's reaction time, and flies for the interceptor
type's time of flight :math:`T(r_k, z_k)` (:class:`amdsim.interceptors.protocols.Envelope`,
ground range and altitude of the path point relative to the launcher). The intercept point is
the earliest sample with

.. math::  t_{now} + t_{latency} + t_{reaction} + T(r_k, z_k) \\le t_k ,

inside the envelope (``T`` finite) and inside the battery's min/max range and altitude.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amdsim.battle.impact import Prediction
from amdsim.interceptors.protocols import Envelope

__all__ = ["BatteryView", "Feasibility", "engagement_feasibility"]


@dataclass(frozen=True, slots=True)
class BatteryView:
    """What battle management needs of each battery, one row per battery (ENU frame).

    ``envelope[b]`` indexes the ``envelopes`` list passed with it; ``tier`` is larger for
    upper tiers (they are offered threats first); ``ready_rounds`` are loaded and ready to
    fire, ``spare_rounds`` in stock; ``free_channels`` fire-control channels not in use;
    ``cost_usd`` per round; the min/max range (ground range, m) and altitude (m above the
    launcher) bound the engagement box on top of the envelope.
    """

    pos_m: np.ndarray  # (b, 3)
    envelope: np.ndarray  # (b,) int
    tier: np.ndarray  # (b,) int
    engage_threshold: np.ndarray  # (b,) probability 0..1
    reaction_s: np.ndarray  # (b,)
    ready_rounds: np.ndarray  # (b,) int
    spare_rounds: np.ndarray  # (b,) int
    free_channels: np.ndarray  # (b,) int
    cost_usd: np.ndarray  # (b,)
    min_range_m: np.ndarray  # (b,)
    max_range_m: np.ndarray  # (b,)
    min_alt_m: np.ndarray  # (b,)
    max_alt_m: np.ndarray  # (b,)
    battery_id: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # (b,) or empty

    def __len__(self) -> int:
        return int(self.pos_m.shape[0])

    @property
    def ids(self) -> np.ndarray:
        """Scenario battery indices (``battery_id``, or 0..b-1 when not given)."""
        return self.battery_id if self.battery_id.shape[0] == len(self) else np.arange(len(self))

    def check(self) -> None:
        """Raise ``ValueError`` on inconsistent shapes or negative stocks."""
        b = len(self)
        for name in ("envelope", "tier", "engage_threshold", "reaction_s", "ready_rounds", "spare_rounds",
                     "free_channels", "cost_usd", "min_range_m", "max_range_m", "min_alt_m", "max_alt_m"):  # fmt: skip
            a = np.asarray(getattr(self, name))
            if a.shape != (b,):
                raise ValueError(f"BatteryView.{name} must have shape ({b},), got {a.shape}")
        if np.asarray(self.pos_m).shape != (b, 3):
            raise ValueError(f"BatteryView.pos_m must have shape ({b}, 3)")
        for name in ("ready_rounds", "spare_rounds", "free_channels"):
            if np.any(np.asarray(getattr(self, name)) < 0):
                raise ValueError(f"BatteryView.{name} must be >= 0")


@dataclass(frozen=True, slots=True)
class Feasibility:
    """Per (track, battery): feasible now, predicted intercept time/point, launch time, Pk."""

    ok: np.ndarray  # (n, b) bool
    t_intercept_s: np.ndarray  # (n, b), inf where not feasible
    t_launch_s: np.ndarray  # (n, b)
    point_m: np.ndarray  # (n, b, 3) predicted intercept point (NaN where not feasible)
    pk: np.ndarray  # (n, b) single-shot Pk at that point (0 where not feasible)
    in_reach: np.ndarray  # (n, b) bool: some path sample inside the envelope (time aside)


def engagement_feasibility(
    pred: Prediction,
    batteries: BatteryView,
    envelopes: list[Envelope] | list[Any],
    t_s: float,
    latency_s: float,
    rows: np.ndarray | None = None,
) -> Feasibility:
    """Earliest feasible intercept of every track by every battery (see the module docstring).

    ``rows`` (indices) restricts the work to those tracks; the others come back infeasible.
    """
    n, b = len(pred), len(batteries)
    ok = np.zeros((n, b), bool)
    reach = np.zeros((n, b), bool)
    t_int = np.full((n, b), np.inf)
    pk = np.zeros((n, b))
    point = np.full((n, b, 3), np.nan)
    reaction = np.asarray(batteries.reaction_s, float)
    t_launch = np.broadcast_to(t_s + latency_s + reaction, (n, b)).copy()
    rows = np.arange(n) if rows is None else np.asarray(rows, np.int64)
    if rows.size == 0 or b == 0:
        return Feasibility(ok, t_int, t_launch, point, pk, reach)
    path, path_t = pred.path_m[rows], pred.path_t_s[rows]
    valid = np.isfinite(path_t) & (path_t >= t_s) & np.isfinite(path[..., 0])
    valid &= path_t <= pred.assessment.t_impact_s[rows, None]
    last = np.flatnonzero(valid.any(axis=0))
    if last.size == 0:
        return Feasibility(ok, t_int, t_launch, point, pk, reach)
    s_max = int(last[-1]) + 1
    path, path_t, valid = path[:, :s_max], path_t[:, :s_max], valid[:, :s_max]
    bp = np.asarray(batteries.pos_m, float)
    rg = np.hypot(path[:, :, None, 0] - bp[:, 0], path[:, :, None, 1] - bp[:, 1])  # (r, s, b)
    alt = path[:, :, None, 2] - bp[:, 2]
    with np.errstate(invalid="ignore"):
        box = (
            valid[:, :, None]
            & (rg >= batteries.min_range_m) & (rg <= batteries.max_range_m)
            & (alt >= batteries.min_alt_m) & (alt <= batteries.max_alt_m)
        )  # fmt: skip
    tof = np.full(box.shape, np.inf)
    env_idx = np.asarray(batteries.envelope, np.int64)
    for g in np.unique(env_idx):
        sel = box & (env_idx == g)[None, None, :]
        if not sel.any():
            continue
        with np.errstate(invalid="ignore"):
            t = np.asarray(envelopes[int(g)].time_of_flight(rg[sel], alt[sel]), float)
        tof[sel] = np.where(np.isfinite(t), t, np.inf)
    inside = np.isfinite(tof)
    t_ready = t_s + latency_s + reaction
    good = inside & (t_ready[None, None, :] + tof <= path_t[:, :, None])
    any_good: np.ndarray = np.asarray(good.any(axis=1))  # (r, b)
    k = np.argmax(good, axis=1)  # earliest sample
    ri = np.arange(rows.size)[:, None]
    bi = np.arange(b)[None, :]
    rg_k, alt_k = rg[ri, k, bi], alt[ri, k, bi]
    p_k = np.zeros((rows.size, b))
    for g in np.unique(env_idx):
        cols = np.flatnonzero(env_idx == g)
        m = any_good[:, cols]
        if m.any():
            sub = np.zeros(m.shape)
            sub[m] = np.asarray(
                envelopes[int(g)].single_shot_pk(rg_k[:, cols][m], alt_k[:, cols][m]), float
            )
            p_k[:, cols] = sub
    ok[rows] = any_good
    reach[rows] = inside.any(axis=1)
    t_int[rows] = np.where(any_good, path_t[ri, k], np.inf)
    pk[rows] = np.where(any_good, np.clip(np.nan_to_num(p_k), 0.0, 1.0), 0.0)
    point[rows] = np.where(any_good[..., None], path[ri, k], np.nan)
    return Feasibility(ok, t_int, t_launch, point, pk, reach)
