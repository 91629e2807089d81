"""The batches of interceptors in flight (``Flyouts``) and of engagement outcomes."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from amdsim.interceptors.kinematics import InterceptorTable

__all__ = ["MODE_GUN", "MODE_LASER", "MODE_MISSILE", "Flyouts", "Outcomes"]

MODE_MISSILE = 0
"""A guided interceptor flying out (3-DOF flyout with homing)."""
MODE_GUN = 1
"""A gun burst (C-RAM class) in progress; resolves at ``t_resolve_s``."""
MODE_LASER = 2
"""A laser dwell (Iron Beam class) in progress; resolves at ``t_resolve_s``."""


@dataclass(frozen=True, slots=True)
class Flyouts:
    """Engagements in progress, one row per interceptor round / burst / laser shot.

    Positions are in the scenario ENU frame at the current simulation time. ``aim_*`` is the
    state the round homes on at that time: the predicted track (midcourse) or, once the seeker
    has acquired (``threat_id >= 0``), the true threat. Gun and laser rows sit at the weapon
    (``pos_m``) and resolve at ``t_resolve_s`` with their own ``pk`` and ``max_range_m``.
    ``table`` holds the parameters of the missile types (``type_idx`` rows).
    """

    table: InterceptorTable
    interceptor_id: np.ndarray  # (n,) int64, unique over a run
    battery: np.ndarray  # (n,) int64 battery index
    type_idx: np.ndarray  # (n,) int64 row in table (-1 for gun / laser)
    mode: np.ndarray  # (n,) int8 MODE_*
    track_id: np.ndarray  # (n,) int64 track fired at
    threat_id: np.ndarray  # (n,) int64 locked true threat, -1 before acquisition
    pos_m: np.ndarray  # (n, 3)
    vel_mps: np.ndarray  # (n, 3)
    t_launch_s: np.ndarray  # (n,)
    aim_pos_m: np.ndarray  # (n, 3)
    aim_vel_mps: np.ndarray  # (n, 3)
    closing: np.ndarray  # (n,) bool, closing on the aim has been seen
    t_resolve_s: np.ndarray  # (n,) gun / laser resolution time (inf for missiles)
    pk: np.ndarray  # (n,) gun / laser kill probability (NaN for missiles: type's pk)
    max_range_m: np.ndarray  # (n,) gun / laser range limit (inf for missiles)
    cost_usd: np.ndarray  # (n,)

    def __len__(self) -> int:
        return int(self.interceptor_id.shape[0])

    @staticmethod
    def empty(table: InterceptorTable) -> Flyouts:
        """No engagement in progress."""
        zi = np.empty(0, dtype=np.int64)
        zf = np.empty(0)
        z3 = np.empty((0, 3))
        return Flyouts(
            table, zi, zi, zi, np.empty(0, dtype=np.int8), zi, zi, z3, z3, zf, z3, z3,
            np.empty(0, dtype=bool), zf, zf, zf, zf,
        )  # fmt: skip

    def select(self, mask: np.ndarray) -> Flyouts:
        """Rows where ``mask`` (bool or index array) selects."""
        return Flyouts(self.table, *(getattr(self, c)[mask] for c in _COLUMNS))

    @staticmethod
    def concat(a: Flyouts, b: Flyouts) -> Flyouts:
        """Rows of ``a`` then ``b`` (``a.table`` is kept)."""
        cols = {
            f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)])
            for f in fields(a)
            if f.name != "table"
        }
        return replace(a, **cols)  # type: ignore[arg-type]


_COLUMNS = tuple(f.name for f in fields(Flyouts) if f.name != "table")


@dataclass(frozen=True, slots=True)
class Outcomes:
    """What one :func:`advance` call resolved.

    ``killed_threat_id`` and ``drop_track_id`` are what the engine must apply (the killed
    threats stop flying, their tracks are dropped); ``resolved_*`` lists every engagement that
    ended (kill or miss), so channels and bookkeeping can be released.
    """

    killed_threat_id: np.ndarray  # (k,) int64, unique
    drop_track_id: np.ndarray  # (k,) int64, unique
    resolved_interceptor_id: np.ndarray  # (m,) int64
    resolved_battery: np.ndarray  # (m,) int64
    kill: np.ndarray  # (m,) bool
    miss_distance_m: np.ndarray  # (m,) NaN where no closest approach was reached

    def __len__(self) -> int:
        return int(self.resolved_interceptor_id.shape[0])

    @staticmethod
    def empty() -> Outcomes:
        """Nothing resolved (one shared, read-only instance: most steps return it)."""
        return _NO_OUTCOMES


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


_EMPTY_I = _frozen(np.empty(0, dtype=np.int64))
_NO_OUTCOMES = Outcomes(
    _EMPTY_I, _EMPTY_I, _EMPTY_I, _EMPTY_I, _frozen(np.empty(0, dtype=bool)), _frozen(np.empty(0))
)
