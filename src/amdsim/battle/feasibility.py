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

from amdsim.battle._feasibility_kernel import box_points, earliest_good
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
    method: str = "numba",
) -> Feasibility:
    """Earliest feasible intercept of every track by every battery (see the module docstring).

    ``rows`` (indices) restricts the work to those tracks; the others come back infeasible.
    ``method``: ``"numba"`` (default, the box points only, :mod:`._feasibility_kernel`) or
    ``"numpy"`` (the dense reference); both give the same results.
    """
    if method not in ("numba", "numpy"):
        raise ValueError(f"method must be 'numba' or 'numpy', got {method!r}")
    n, b = len(pred), len(batteries)
    rows = np.arange(n) if rows is None else np.asarray(rows, np.int64)
    if rows.size == 0 or b == 0:
        return Feasibility(*_empty(n, b, t_s, latency_s, batteries))
    if method == "numpy":
        return _feasibility_numpy(pred, batteries, envelopes, t_s, latency_s, rows)
    ok, t_int, t_launch, point, pk, reach = _empty(n, b, t_s, latency_s, batteries)
    path, path_t = pred.path_m[rows], pred.path_t_s[rows]
    f = np.ascontiguousarray
    ri, bi, ki, rg, alt = box_points(
        f(path, dtype=float), f(_valid(pred, rows, t_s)), f(batteries.pos_m, dtype=float),
        f(batteries.min_range_m, dtype=float), f(batteries.max_range_m, dtype=float),
        f(batteries.min_alt_m, dtype=float), f(batteries.max_alt_m, dtype=float),
    )  # fmt: skip
    groups = _envelope_groups(envelopes, np.asarray(batteries.envelope, np.int64))
    group_of = np.empty(b, np.int64)
    for g, (_, cols) in enumerate(groups):
        group_of[cols] = g
    tof = np.full(ri.size, np.inf)
    for g, (env, _) in enumerate(groups):
        sel = np.flatnonzero(group_of[bi] == g)
        if sel.size:
            with np.errstate(invalid="ignore"):
                t = np.asarray(env.time_of_flight(rg[sel], alt[sel]), float)
            tof[sel] = np.where(np.isfinite(t), t, np.inf)
    reaction = np.asarray(batteries.reaction_s, float)
    t_ready = t_s + latency_s + reaction
    first, in_reach = earliest_good(
        ri, bi, ki, tof, f(t_ready), f(path_t, dtype=float), rows.size, b
    )
    any_good = first >= 0
    fr, fb = np.nonzero(any_good)
    pts = first[fr, fb]
    p_k = np.zeros((rows.size, b))
    for g, (env, _) in enumerate(groups):
        m = group_of[fb] == g
        if m.any():
            p_k[fr[m], fb[m]] = np.asarray(env.single_shot_pk(rg[pts[m]], alt[pts[m]]), float)
    ok[rows] = any_good
    reach[rows] = in_reach
    t_sub = np.full((rows.size, b), np.inf)
    t_sub[fr, fb] = path_t[fr, ki[pts]]
    t_int[rows] = t_sub
    pk[rows] = np.where(any_good, np.clip(np.nan_to_num(p_k), 0.0, 1.0), 0.0)
    p_sub = np.full((rows.size, b, 3), np.nan)
    p_sub[fr, fb] = path[fr, ki[pts]]
    point[rows] = p_sub
    return Feasibility(ok, t_int, t_launch, point, pk, reach)


def _empty(
    n: int, b: int, t_s: float, latency_s: float, batteries: BatteryView
) -> tuple[np.ndarray, ...]:
    """The :class:`Feasibility` fields (in order) of nothing feasible."""
    reaction = np.asarray(batteries.reaction_s, float)
    t_launch = np.broadcast_to(t_s + latency_s + reaction, (n, b)).copy()
    return (
        np.zeros((n, b), bool), np.full((n, b), np.inf), t_launch,
        np.full((n, b, 3), np.nan), np.zeros((n, b)), np.zeros((n, b), bool),
    )  # fmt: skip


def _valid(pred: Prediction, rows: np.ndarray, t_s: float) -> np.ndarray:
    """Path samples of ``rows`` that can be intercept points: known, not past, not after impact."""
    path, path_t = pred.path_m[rows], pred.path_t_s[rows]
    valid = np.isfinite(path_t) & (path_t >= t_s) & np.isfinite(path[..., 0])
    valid &= path_t <= pred.assessment.t_impact_s[rows, None]
    return np.asarray(valid)


def _feasibility_numpy(
    pred: Prediction,
    batteries: BatteryView,
    envelopes: list[Envelope] | list[Any],
    t_s: float,
    latency_s: float,
    rows: np.ndarray,
) -> Feasibility:
    """The NumPy reference: dense ``(row, sample, battery)`` arrays."""
    n, b = len(pred), len(batteries)
    ok, t_int, t_launch, point, pk, reach = _empty(n, b, t_s, latency_s, batteries)
    path, path_t = pred.path_m[rows], pred.path_t_s[rows]
    valid = _valid(pred, rows, t_s)
    last = np.flatnonzero(valid.any(axis=0))
    if last.size == 0:
        return Feasibility(ok, t_int, t_launch, point, pk, reach)
    s_max = int(last[-1]) + 1
    path, path_t, valid = path[:, :s_max], path_t[:, :s_max], valid[:, :s_max]
    bp = np.asarray(batteries.pos_m, float)
    de, dn = path[:, :, None, 0] - bp[:, 0], path[:, :, None, 1] - bp[:, 1]
    rg = np.sqrt(de * de + dn * dn)  # (r, s, b) ground range
    alt = path[:, :, None, 2] - bp[:, 2]
    with np.errstate(invalid="ignore"):
        box = (
            valid[:, :, None]
            & (rg >= batteries.min_range_m) & (rg <= batteries.max_range_m)
            & (alt >= batteries.min_alt_m) & (alt <= batteries.max_alt_m)
        )  # fmt: skip
    groups = _envelope_groups(envelopes, np.asarray(batteries.envelope, np.int64))
    tof = np.full(box.shape, np.inf)
    for env, cols in groups:
        sub = box[:, :, cols]
        if not sub.any():
            continue
        with np.errstate(invalid="ignore"):
            t = np.asarray(env.time_of_flight(rg[:, :, cols][sub], alt[:, :, cols][sub]), float)
        part = np.full(sub.shape, np.inf)
        part[sub] = np.where(np.isfinite(t), t, np.inf)
        tof[:, :, cols] = part
    inside = np.isfinite(tof)
    t_ready = t_s + latency_s + np.asarray(batteries.reaction_s, float)
    good = inside & (t_ready[None, None, :] + tof <= path_t[:, :, None])
    any_good: np.ndarray = np.asarray(good.any(axis=1))  # (r, b)
    k = np.argmax(good, axis=1)  # earliest sample
    ri = np.arange(rows.size)[:, None]
    bi = np.arange(b)[None, :]
    rg_k, alt_k = rg[ri, k, bi], alt[ri, k, bi]
    p_k = np.zeros((rows.size, b))
    for env, cols in groups:
        m = any_good[:, cols]
        if m.any():
            sub_pk = np.zeros(m.shape)
            sub_pk[m] = np.asarray(env.single_shot_pk(rg_k[:, cols][m], alt_k[:, cols][m]), float)
            p_k[:, cols] = sub_pk
    ok[rows] = any_good
    reach[rows] = inside.any(axis=1)
    t_int[rows] = np.where(any_good, path_t[ri, k], np.inf)
    pk[rows] = np.where(any_good, np.clip(np.nan_to_num(p_k), 0.0, 1.0), 0.0)
    point[rows] = np.where(any_good[..., None], path[ri, k], np.nan)
    return Feasibility(ok, t_int, t_launch, point, pk, reach)


def _envelope_groups(envelopes: list[Any], env_idx: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    """Battery columns grouped by envelope *object* (batteries of one type usually share one
    envelope under different indices), in order of first appearance: each envelope is then
    evaluated once on all its batteries' points (the envelopes are pure functions of the
    points, so the grouping changes no result)."""
    seen: dict[int, int] = {}
    out: list[tuple[Any, list[int]]] = []
    for col, g in enumerate(env_idx.tolist()):
        env = envelopes[int(g)]
        key = id(env)
        if key not in seen:
            seen[key] = len(out)
            out.append((env, []))
        out[seen[key]][1].append(col)
    return [(env, np.asarray(cols, np.int64)) for env, cols in out]
