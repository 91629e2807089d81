"""The typed event table that every stage emits and the engine concatenates.

Columns (one row per event; ids are -1 where they do not apply, floats NaN):

==================  ========  ==========================================================
column              dtype     meaning
==================  ========  ==========================================================
``t_s``             float64   simulation time (s from the scenario epoch)
``kind``            str       one of :data:`EVENT_KINDS`
``threat_id``       int64     truth threat id
``track_id``        int64     tracker track id
``sensor_id``       int64     radar index in the scenario
``battery_id``      int64     battery index in the scenario
``interceptor_id``  int64     interceptor (round) id, unique in a run
``asset_id``        int64     defended-asset index in the scenario
``x_m,y_m,z_m``     float64   position in the scenario ENU frame (m)
``value``           float64   asset value lost / threat value at stake
``cost_usd``        float64   cost of what was expended (USD)
``p``               float64   a probability (hit probability, Pk) or a miss distance (m)
``reason``          str       short human-readable reason (engage / no-engage / miss)
==================  ========  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

__all__ = ["EVENT_KINDS", "EventBatch"]

EVENT_KINDS: tuple[str, ...] = (
    "launch",  # threat launched
    "impact",  # threat reached the ground (asset_id >= 0 when it hit a defended asset)
    "leak",  # threat hit a defended asset (emitted beside its impact)
    "detect",  # a radar detection of a real threat
    "false_alarm",  # a radar detection of nothing
    "track_init",
    "track_drop",
    "decision",  # battle-management engage / no-engage decision with its reason
    "engage",  # a fire order: battery -> track
    "interceptor_launch",
    "intercept",  # interceptor killed its threat
    "miss",  # interceptor missed (reason says why)
    "reload",
)

_INT_COLS = ("threat_id", "track_id", "sensor_id", "battery_id", "interceptor_id", "asset_id")
_FLOAT_COLS = ("x_m", "y_m", "z_m", "value", "cost_usd", "p")


@dataclass(frozen=True, slots=True)
class EventBatch:
    """A columnar batch of events (see the module docstring for the columns)."""

    t_s: np.ndarray
    kind: np.ndarray
    threat_id: np.ndarray
    track_id: np.ndarray
    sensor_id: np.ndarray
    battery_id: np.ndarray
    interceptor_id: np.ndarray
    asset_id: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    z_m: np.ndarray
    value: np.ndarray
    cost_usd: np.ndarray
    p: np.ndarray
    reason: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @staticmethod
    def make(kind: str | Any, t_s: Any, **cols: Any) -> EventBatch:
        """Build ``n`` events of one kind (or a kind per row: an array of kinds); scalars
        broadcast, missing columns get -1 / NaN / ''.

        ``pos_m=(n, 3)`` may be given instead of ``x_m, y_m, z_m``.
        """
        if isinstance(kind, str):
            if kind not in EVENT_KINDS:
                raise ValueError(f"unknown event kind {kind!r}")
        else:  # one kind per row
            kinds = np.asarray(kind, dtype=object)
            unknown = sorted(set(np.unique(kinds).tolist()) - set(EVENT_KINDS))
            if unknown:
                raise ValueError(f"unknown event kind(s) {unknown}")
            cols["_kind"] = kinds
        t = np.asarray(t_s, dtype=float)
        if "pos_m" in cols:
            pos = np.asarray(cols.pop("pos_m"), float).reshape(-1, 3)
            cols["x_m"], cols["y_m"], cols["z_m"] = pos[:, 0], pos[:, 1], pos[:, 2]
        # the batch length is that of the array columns; scalars (t_s included) broadcast
        lengths = {np.shape(v)[0] for v in [t, *cols.values()] if np.ndim(v) >= 1}
        if len(lengths) > 1:
            raise ValueError(f"event columns of different lengths: {sorted(lengths)}")
        n = lengths.pop() if lengths else 1
        out: dict[str, np.ndarray] = {"t_s": _column(t, n, float, np.nan)}
        kind_col = cols.pop("_kind", None)
        out["kind"] = np.full(n, kind, dtype=object) if kind_col is None else kind_col.copy()
        for c in _INT_COLS:
            out[c] = _column(cols.pop(c, None), n, np.int64, -1)
        for c in _FLOAT_COLS:
            out[c] = _column(cols.pop(c, None), n, float, np.nan)
        out["reason"] = _column(cols.pop("reason", None), n, object, "")
        if cols:
            raise TypeError(f"unknown event columns: {sorted(cols)}")
        return EventBatch(**out)

    @staticmethod
    def empty() -> EventBatch:
        """The empty batch (one shared, read-only instance: stages return it often)."""
        return _EMPTY

    @staticmethod
    def concat(batches: list[EventBatch]) -> EventBatch:
        batches = [b for b in batches if len(b)]
        if not batches:
            return EventBatch.empty()
        return EventBatch(
            **{
                f.name: np.concatenate([getattr(b, f.name) for b in batches])
                for f in fields(EventBatch)
            }
        )

    def columns(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(EventBatch)}


def _column(v: Any, n: int, dtype: Any, fill: Any) -> np.ndarray:
    """A fresh length-``n`` column: ``fill`` when absent, a scalar repeated, or a copy of an
    array (never a view of the caller's data)."""
    if v is None:
        return np.full(n, fill, dtype=dtype)
    a = np.asarray(v, dtype=dtype)
    if a.ndim == 0:
        return np.full(n, a[()], dtype=dtype)
    return np.array(a.reshape(n), dtype=dtype, copy=True)


def _make_empty() -> EventBatch:
    e = EventBatch.make("launch", np.empty(0))
    for v in e.columns().values():
        v.flags.writeable = False
    return e


_EMPTY = _make_empty()
