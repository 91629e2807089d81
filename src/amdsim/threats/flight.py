"""The threat batch and its flight: ``ThreatState``, ``ThreatFlight.advance``, impacts, kills.

Truth propagates in ECEF (WGS84, rotating, J2, USSA76 drag; :mod:`amdsim.physics.eom`).
One call of :meth:`ThreatFlight.advance` moves every threat from ``t`` to ``t + dt``:
threats whose launch time falls in ``(t, t + dt]`` are launched and flown from their launch
time; threats in flight take one RK4 step (split at engine cut-off); a threat whose height
above the ellipsoid becomes negative impacts at the point and time interpolated between the
two step ends (not on the step grid).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from amdsim.core.errors import NumericalFault
from amdsim.core.frames import LocalFrame, ecef_to_geodetic
from amdsim.physics.eom import FULL_MODEL, EomOptions
from amdsim.threats._kernel import (
    FAULT,
    FLYING,
    IMPACTED,
    KILLED,
    WAITING,
    advance_batch,
    advance_batch_serial,
)
from amdsim.threats.launch import FlightInit

__all__ = [
    "FLYING",
    "IMPACTED",
    "KILLED",
    "WAITING",
    "Impacts",
    "ThreatFlight",
    "ThreatState",
    "TruthView",
]


@dataclass(frozen=True, slots=True)
class ThreatState:
    """All threats of a run, one row each (ids ``0..n-1``, in raid order).

    Dynamic columns change with :meth:`ThreatFlight.advance`; ``init`` holds the static
    flight arrays (launch state, propulsion, waypoints). ``status``: 0 waiting for launch,
    1 flying, 2 impacted, 3 killed (intercepted).
    """

    id: np.ndarray  # (n,) int64
    type_idx: np.ndarray  # (n,) int64 row in type_names
    type_names: tuple[str, ...]
    raid_idx: np.ndarray  # (n,) int64 scenario raid index (-1 if none)
    t_launch_s: np.ndarray  # (n,)
    status: np.ndarray  # (n,) int8
    dyn: np.ndarray  # (n, 7) x, y, z (ECEF m), vx, vy, vz (ECEF m/s), mass (kg)
    wp_idx: np.ndarray  # (n,) int64 current waypoint (cruise, drone)
    aim_ecef_m: np.ndarray  # (n, 3) undispersed aim point (ground)
    aim_lat_deg: np.ndarray
    aim_lon_deg: np.ndarray
    rcs_m2: np.ndarray  # (n,)
    init: FlightInit
    kernel_arrays: tuple[np.ndarray, np.ndarray, np.ndarray]  # (S0, P, Q), built once

    @staticmethod
    def create(
        init: FlightInit,
        t_launch_s: np.ndarray,
        type_idx: np.ndarray,
        type_names: tuple[str, ...],
        raid_idx: np.ndarray,
        aim_ecef_m: np.ndarray,
        aim_lat_deg: np.ndarray,
        aim_lon_deg: np.ndarray,
        rcs_m2: np.ndarray,
    ) -> ThreatState:
        """A state with every threat waiting for launch (ids ``0..n-1``)."""
        n = init.kind.shape[0]
        packed = init.packed(t_launch_s)
        return ThreatState(
            id=np.arange(n, dtype=np.int64), type_idx=np.asarray(type_idx, dtype=np.int64),
            type_names=tuple(type_names), raid_idx=np.asarray(raid_idx, dtype=np.int64),
            t_launch_s=np.ascontiguousarray(t_launch_s, dtype=float),
            status=np.full(n, WAITING, dtype=np.int8), dyn=packed[0].copy(),
            wp_idx=np.zeros(n, dtype=np.int64), aim_ecef_m=aim_ecef_m, aim_lat_deg=aim_lat_deg,
            aim_lon_deg=aim_lon_deg, rcs_m2=np.asarray(rcs_m2, float), init=init, kernel_arrays=packed,
        )  # fmt: skip

    @property
    def pos_ecef_m(self) -> np.ndarray:
        """ECEF positions ``(n, 3)`` (m); the launch point while waiting."""
        return self.dyn[:, 0:3]

    @property
    def vel_ecef_mps(self) -> np.ndarray:
        """ECEF (Earth-relative) velocities ``(n, 3)`` (m/s)."""
        return self.dyn[:, 3:6]

    @property
    def mass_kg(self) -> np.ndarray:
        return self.dyn[:, 6]

    def __len__(self) -> int:
        return int(self.id.shape[0])

    @property
    def kind(self) -> np.ndarray:
        """Kind code per threat: 0 rocket, 1 mortar, 2 ballistic, 3 cruise, 4 drone."""
        return self.init.kind

    @property
    def alive(self) -> np.ndarray:
        """Boolean: waiting or flying (not impacted, not killed)."""
        return self.status <= FLYING

    @property
    def in_flight(self) -> np.ndarray:
        return self.status == FLYING


@dataclass(frozen=True, slots=True)
class Impacts:
    """Ground impacts of one step (interpolated, not on the step grid)."""

    threat_id: np.ndarray  # (m,) int64
    t_s: np.ndarray  # (m,)
    pos_ecef_m: np.ndarray  # (m, 3)

    def __len__(self) -> int:
        return int(self.threat_id.shape[0])

    @property
    def lat_deg(self) -> np.ndarray:
        """Geodetic latitude of each impact (deg; computed on demand, the engine needs ENU)."""
        return np.atleast_1d(ecef_to_geodetic(self.pos_ecef_m)[0]).reshape(len(self))

    @property
    def lon_deg(self) -> np.ndarray:
        """Geodetic longitude of each impact (deg)."""
        return np.atleast_1d(ecef_to_geodetic(self.pos_ecef_m)[1]).reshape(len(self))

    @staticmethod
    def empty() -> Impacts:
        return Impacts(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 3)))


@dataclass(frozen=True, slots=True)
class TruthView:
    """Threats in flight as the sensors see them, in the scenario ENU frame."""

    ids: np.ndarray  # (m,) int64
    pos_m: np.ndarray  # (m, 3) ENU
    vel_mps: np.ndarray  # (m, 3) ENU
    rcs_m2: np.ndarray  # (m,)
    type_idx: np.ndarray  # (m,) int64

    def __len__(self) -> int:
        return int(self.ids.shape[0])


class ThreatFlight:
    """Flies a :class:`ThreatState` forward in time (the engine's ``threats.advance``).

    Parameters
    ----------
    dt_max_s : longest RK4 sub-step (s); an ``advance`` over a longer interval is sub-stepped.
    options : terms of the equations of motion (default: full model).
    parallel_min : use the multi-threaded kernel from this many threats flying in the step on
        (thread start-up costs more than it saves on small batches; threats still waiting
        for their launch time do not count). Results are identical.
    """

    def __init__(
        self, dt_max_s: float = 0.1, options: EomOptions = FULL_MODEL, parallel_min: int = 2000
    ):
        if not dt_max_s > 0:
            raise ValueError(f"dt_max_s must be > 0 (got {dt_max_s})")
        self.dt_max_s = float(dt_max_s)
        self.options = options
        self.parallel_min = int(parallel_min)

    def launched(self, state: ThreatState, t_s: float, dt_s: float) -> np.ndarray:
        """Ids of the threats that :meth:`advance` ``(state, t_s, dt_s)`` launches."""
        return state.id[(state.status == WAITING) & (state.t_launch_s <= t_s + dt_s)]

    def advance(self, state: ThreatState, t_s: float, dt_s: float) -> tuple[ThreatState, Impacts]:
        """Move every threat from ``t_s`` to ``t_s + dt_s``; returns the new state and impacts.

        Raises
        ------
        NumericalFault
            A state became NaN/inf, left 10,000 km radius, or fell below -10 km height.
        """
        n = len(state)
        if n == 0:
            return state, Impacts.empty()
        status = state.status.copy()
        dyn, wp_idx = state.dyn.copy(), state.wp_idx.copy()
        launched = np.zeros(n, dtype=np.bool_)
        impacted = np.zeros(n, dtype=np.bool_)
        t_imp = np.full(n, np.nan)
        imp_pos = np.full((n, 3), np.nan)
        s0, p, q = state.kernel_arrays
        o = self.options
        kernel = (
            advance_batch
            if np.count_nonzero(
                (status == FLYING) | ((status == WAITING) & (state.t_launch_s <= t_s + dt_s))
            )
            >= self.parallel_min
            else advance_batch_serial
        )
        kernel(
            float(t_s), float(t_s + dt_s), self.dt_max_s, status, dyn, s0, p, q,
            state.init.waypoints_ecef_m, wp_idx, o.j2, o.omega_radps, o.drag, o.sphere,
            launched, impacted, t_imp, imp_pos,
        )  # fmt: skip
        bad = status == FAULT
        if bad.any():
            raise NumericalFault(
                "threats.advance", float(t_s), state.id[bad].tolist(),
                "state is NaN/inf, beyond 10,000 km radius or below -10 km height",
            )  # fmt: skip
        new = replace(state, status=status, dyn=dyn, wp_idx=wp_idx)
        if not impacted.any():
            return new, Impacts.empty()
        sel = np.flatnonzero(impacted)
        return new, Impacts(state.id[sel], t_imp[sel], imp_pos[sel])


def kill(state: ThreatState, threat_ids: np.ndarray) -> ThreatState:
    """Intercepted threats stop flying (status 3). Ids already impacted are left alone."""
    ids = np.asarray(threat_ids, dtype=np.int64).ravel()
    if ids.size == 0:
        return state
    if np.any((ids < 0) | (ids >= len(state))):
        raise ValueError(f"unknown threat ids {ids[(ids < 0) | (ids >= len(state))].tolist()}")
    status = state.status.copy()
    hit = ids[status[ids] <= FLYING]
    status[hit] = KILLED
    return replace(state, status=status)


def truth_view(state: ThreatState, frame: LocalFrame) -> TruthView:
    """ENU positions, velocities and RCS of the threats in flight (for the sensors)."""
    sel = np.flatnonzero(state.status == FLYING)
    return TruthView(
        ids=state.id[sel],
        pos_m=frame.ecef_to_enu(state.pos_ecef_m[sel]).reshape(-1, 3),
        vel_mps=frame.vec_ecef_to_enu(state.vel_ecef_mps[sel]).reshape(-1, 3),
        rcs_m2=state.rcs_m2[sel],
        type_idx=state.type_idx[sel],
    )
