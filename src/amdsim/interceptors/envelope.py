"""Engagement envelopes: where each interceptor type can intercept and how long it takes.

A missile envelope is a table of time of flight over a grid of ground range x altitude
(above the launcher), generated from the flyout itself (:func:`generate_table`): every grid
point is a stationary target, all are flown out at once with :func:`amdsim.interceptors.homing.advance`,
and the time of the closest approach is recorded where the miss is within the lethal radius
(NaN otherwise: out of time, too slow, never closing). Battle management reads it through
the :class:`~amdsim.interceptors.protocols.Envelope` protocol: bilinear interpolation of the
time of flight (NaN if any surrounding node is unreachable, so the table never extrapolates
past the reachable region), clipped to the weapon system's engagement box.

Tables are generated on first use in a process and cached (``functools.lru_cache``, keyed
by the interceptor type's values). Guns and lasers have closed-form envelopes.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from numba import njit

from amdsim.interceptors.flyouts import MODE_MISSILE, Flyouts
from amdsim.interceptors.homing import advance
from amdsim.interceptors.kinematics import InterceptorTable, launch_velocity
from amdsim.interceptors.protocols import Envelope
from amdsim.scenario.types.interceptor import InterceptorType, WeaponSystem
from amdsim.tracking.batches import Tracks

__all__ = [
    "GUN_MUZZLE_SPEED_MPS",
    "GunEnvelope",
    "LaserEnvelope",
    "TableEnvelope",
    "envelope_for",
    "generate_table",
    "laser_dwell_s",
    "system_envelope",
]

GUN_MUZZLE_SPEED_MPS = 1000.0
"""ASSUMPTION: mean projectile speed of a 20 mm round over the first km (NF in public-figures)."""
TABLE_MISS_TOLERANCE_M = 30.0
"""A table node counts as reachable when the coarse-step flyout passes within the lethal
radius or 30 m of it (the coarse 0.1 s guidance step alone can leave metres of miss)."""
GRID_MARGIN = 1.3
"""The table grid reaches 1.3 x the engagement box, so the box edge is inside the grid."""


@dataclass(frozen=True)
class TableEnvelope:
    """Time-of-flight table of one interceptor type (optionally clipped to a box).

    ``tof_s[j, i]`` is the flyout time (s) to the point at ``range_m[i]`` ground range and
    ``alt_m[j]`` altitude above the launcher, NaN where unreachable.
    """

    range_m: np.ndarray
    alt_m: np.ndarray
    tof_s: np.ndarray
    pk: float
    box_m: tuple[float, float, float, float] = (0.0, np.inf, -np.inf, np.inf)
    """(min range, max range, min altitude, max altitude) of the engagement box (m)."""

    def time_of_flight(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        """Bilinear time of flight (s), NaN outside the reachable region or the box."""
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        out = _bilinear_tof(
            np.ascontiguousarray(r).reshape(-1), np.ascontiguousarray(z).reshape(-1),
            self.range_m, self.alt_m, self.tof_s, *(float(b) for b in self.box_m),
        )  # fmt: skip
        return out.reshape(r.shape)

    def time_of_flight_numpy(
        self, ground_range_m: np.ndarray, altitude_m: np.ndarray
    ) -> np.ndarray:
        """NumPy reference of :meth:`time_of_flight` (same arithmetic, same results)."""
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        nr, nz = self.range_m.size, self.alt_m.size
        fr = (r - self.range_m[0]) / (self.range_m[-1] - self.range_m[0]) * (nr - 1)
        fz = (z - self.alt_m[0]) / (self.alt_m[-1] - self.alt_m[0]) * (nz - 1)
        with np.errstate(invalid="ignore"):
            i = np.clip(np.floor(fr), 0, nr - 2).astype(np.int64)
            j = np.clip(np.floor(fz), 0, nz - 2).astype(np.int64)
        i = np.where(np.isfinite(fr), i, 0)
        j = np.where(np.isfinite(fz), j, 0)
        wr, wz = fr - i, fz - j
        t = self.tof_s
        val = (
            (1 - wr) * (1 - wz) * t[j, i] + wr * (1 - wz) * t[j, i + 1]
            + (1 - wr) * wz * t[j + 1, i] + wr * wz * t[j + 1, i + 1]
        )  # fmt: skip
        r0, r1, z0, z1 = self.box_m
        inside = (
            (fr >= 0) & (fr <= nr - 1) & (fz >= 0) & (fz <= nz - 1)
            & (r >= r0) & (r <= r1) & (z >= z0) & (z <= z1)
        )  # fmt: skip
        return np.where(inside, val, np.nan)

    def single_shot_pk(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        """The type's Pk where the time of flight is defined, 0 elsewhere."""
        return np.where(np.isfinite(self.time_of_flight(ground_range_m, altitude_m)), self.pk, 0.0)

    def clipped(self, box_m: tuple[float, float, float, float]) -> TableEnvelope:
        """The same table restricted to an engagement box ``(r_min, r_max, z_min, z_max)``."""
        return TableEnvelope(self.range_m, self.alt_m, self.tof_s, self.pk, box_m)


@njit(cache=True, fastmath=False)
def _bilinear_tof(r, z, grid_r, grid_z, tof, r0, r1, z0, z1):  # type: ignore[no-untyped-def]
    """Kernel of :meth:`TableEnvelope.time_of_flight` over flat ``r, z`` (the arithmetic of
    :meth:`TableEnvelope.time_of_flight_numpy`, term by term)."""
    nr, nz = grid_r.size, grid_z.size
    out = np.empty(r.size)
    for k in range(r.size):
        fr = (r[k] - grid_r[0]) / (grid_r[-1] - grid_r[0]) * (nr - 1)
        fz = (z[k] - grid_z[0]) / (grid_z[-1] - grid_z[0]) * (nz - 1)
        inside = (
            fr >= 0 and fr <= nr - 1 and fz >= 0 and fz <= nz - 1
            and r[k] >= r0 and r[k] <= r1 and z[k] >= z0 and z[k] <= z1
        )  # fmt: skip
        if not inside:  # NaN inputs fail every comparison and land here
            out[k] = np.nan
            continue
        i = min(max(int(np.floor(fr)), 0), nr - 2)
        j = min(max(int(np.floor(fz)), 0), nz - 2)
        wr, wz = fr - i, fz - j
        out[k] = (
            (1 - wr) * (1 - wz) * tof[j, i] + wr * (1 - wz) * tof[j, i + 1]
            + (1 - wr) * wz * tof[j + 1, i] + wr * wz * tof[j + 1, i + 1]
        )  # fmt: skip
    return out


def laser_dwell_s(system: WeaponSystem, range_m: np.ndarray) -> np.ndarray:
    """Laser dwell time to kill (s) at slant range ``range_m``.

    ASSUMPTION: the fluence on target falls with the square of range (diffraction-free beam
    of fixed divergence), so ``dwell = dwell_ref * (R / R_ref)^2 * weather_factor``.
    """
    ref_s = float(system.dwell_ref_s or 1.0)
    ref_m = float(system.dwell_ref_range_m or 1.0)
    r = np.asarray(range_m, float)
    return ref_s * (np.maximum(r, 1.0) / ref_m) ** 2 * system.weather_factor


@dataclass(frozen=True)
class GunEnvelope:
    """C-RAM class gun: engagement time = burst + projectile flight; Pk per burst by range."""

    system: WeaponSystem

    def _box(self, r: np.ndarray, z: np.ndarray) -> np.ndarray:
        s = self.system
        return (r >= s.min_range_m) & (r <= s.max_range_m) & (z >= s.min_alt_m) & (z <= s.max_alt_m)

    def burst_s(self) -> float:
        """Duration of one burst (s)."""
        return float(self.system.rounds_per_burst or 1) / float(self.system.rate_rds_per_s or 1.0)

    def time_of_flight(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        """Burst + projectile flight (s); NaN outside the box or where the burst Pk is 0 (the
        Pk table is by slant range, the box by ground range and altitude)."""
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        t = self.burst_s() + np.hypot(r, z) / GUN_MUZZLE_SPEED_MPS
        return np.where(self._box(r, z) & (self._pk(r, z) > 0.0), t, np.nan)

    def _pk(self, r: np.ndarray, z: np.ndarray) -> np.ndarray:
        s = self.system
        return np.interp(np.hypot(r, z), s.pk_range_m or [0.0], s.pk_burst or [0.0], right=0.0)

    def single_shot_pk(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        return np.where(self._box(r, z), self._pk(r, z), 0.0)


@dataclass(frozen=True)
class LaserEnvelope:
    """Iron Beam class laser: engagement time = dwell time to kill at the slant range."""

    system: WeaponSystem

    def _box(self, r: np.ndarray, z: np.ndarray) -> np.ndarray:
        s = self.system
        return (r >= s.min_range_m) & (r <= s.max_range_m) & (z >= s.min_alt_m) & (z <= s.max_alt_m)

    def time_of_flight(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        return np.where(self._box(r, z), laser_dwell_s(self.system, np.hypot(r, z)), np.nan)

    def single_shot_pk(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        return np.where(self._box(r, z), float(self.system.laser_pk or 0.0), 0.0)


def generate_table(
    itype: InterceptorType,
    max_range_m: float,
    max_alt_m: float,
    *,
    n_range: int = 33,
    n_alt: int = 25,
    dt_s: float = 2.0,
    substep_s: float = 0.1,
) -> TableEnvelope:
    """Fly ``itype`` from a launcher at the origin to every node of a range x altitude grid.

    The default sub-step (0.1 s) keeps generation to seconds; against the engine's 0.01 s
    sub-step the time of flight differs by < 2 % (checked in the reference tests).
    Returns the unclipped table; nodes where the closest approach is beyond the lethal
    radius (or :data:`TABLE_MISS_TOLERANCE_M`), or never reached (time limit, too slow, never closing, ground), are NaN.
    """
    r = np.linspace(0.0, max_range_m, n_range)
    z = np.linspace(0.0, max_alt_m, n_alt)
    rr, zz = np.meshgrid(r, z)
    pts = np.stack([rr.ravel(), np.zeros(rr.size), zz.ravel()], axis=1)
    n = pts.shape[0]
    ids = np.arange(n, dtype=np.int64)
    tab = InterceptorTable.from_types({"type": itype})
    zeros3 = np.zeros((n, 3))
    tracks = Tracks(
        ids, np.hstack([pts, zeros3]), np.zeros((n, 6, 6)), np.ones(n, np.int8), np.zeros(n),
        np.full(n, np.nan),
    )  # fmt: skip
    fly = Flyouts(
        tab, ids, np.zeros(n, np.int64), np.zeros(n, np.int64), np.full(n, MODE_MISSILE, np.int8),
        ids, np.full(n, -1, np.int64), zeros3.copy(), launch_velocity(zeros3, pts, np.full(n, itype.loft_rad)),
        np.zeros(n), pts.copy(), zeros3.copy(), np.zeros(n, bool), np.full(n, np.inf),
        np.full(n, np.nan), np.full(n, np.inf), np.zeros(n),
    )  # fmt: skip
    tof = np.full(n, np.nan)
    rng = np.random.Generator(np.random.PCG64(0))  # draws do not enter the table
    t = 0.0
    while len(fly) and t <= itype.max_flight_time_s + dt_s:
        fly, _, ev = advance(fly, t, dt_s, tracks, ids, pts, zeros3, rng, substep_s=substep_s)
        ok = np.isfinite(ev.p) & (ev.p <= max(itype.lethal_radius_m, TABLE_MISS_TOLERANCE_M))
        tof[ev.interceptor_id[ok]] = ev.t_s[ok]
        t += dt_s
    return TableEnvelope(r, z, tof.reshape(rr.shape), float(itype.pk))


TABLE_VERSION = 1
"""Bump when the flyout or the table generation changes (invalidates the packaged tables)."""
STORE = "envelope_tables.npz"
"""Packaged tables of the built-in catalog (``amdsim/interceptors/data/``), regenerated with
``python -m amdsim.interceptors.envelope``; a table whose key is not there is generated."""


def _key(itype_json: str, max_range_m: float, max_alt_m: float) -> str:
    text = f"{TABLE_VERSION}|{itype_json}|{max_range_m:.3f}|{max_alt_m:.3f}"
    return "t" + hashlib.sha256(text.encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=1)
def _stored() -> dict[str, np.ndarray]:
    res = resources.files("amdsim.interceptors").joinpath("data", STORE)
    if not res.is_file():
        return {}
    with res.open("rb") as fh, np.load(fh) as data:
        return {k: np.array(data[k]) for k in data.files}


@functools.lru_cache(maxsize=64)
def _cached_table(itype_json: str, max_range_m: float, max_alt_m: float) -> TableEnvelope:
    tof = _stored().get(_key(itype_json, max_range_m, max_alt_m))
    if tof is not None:
        r = np.linspace(0.0, max_range_m, tof.shape[1])
        z = np.linspace(0.0, max_alt_m, tof.shape[0])
        return TableEnvelope(r, z, tof, 1.0)
    return generate_table(InterceptorType.model_validate_json(itype_json), max_range_m, max_alt_m)


def _kinematic_json(itype: InterceptorType) -> str:
    kin = itype.model_copy(update={"label": "", "provenance": {}, "pk": 1.0, "unit_cost_usd": 0.0})
    return kin.model_dump_json()


def table_for(itype: InterceptorType, max_range_m: float, max_alt_m: float) -> TableEnvelope:
    """The (cached) unclipped table of ``itype`` over a grid reaching the given extents.

    The cache key is the type's kinematic values only (not its label, provenance, Pk or
    cost), so a scenario that overrides the Pk or the cost reuses the table.
    """
    tab = _cached_table(_kinematic_json(itype), float(max_range_m), float(max_alt_m))
    return TableEnvelope(tab.range_m, tab.alt_m, tab.tof_s, float(itype.pk))


def system_envelope(system: WeaponSystem, itype: InterceptorType | None = None) -> Envelope:
    """The envelope of a weapon system: its interceptor's table clipped to its box, or the
    gun / laser model."""
    if system.kind == "gun":
        return GunEnvelope(system)
    if system.kind == "laser":
        return LaserEnvelope(system)
    if itype is None:
        raise ValueError(f"missile system {system.label!r} needs its interceptor type")
    table = table_for(itype, GRID_MARGIN * system.max_range_m, GRID_MARGIN * system.max_alt_m)
    return table.clipped(
        (system.min_range_m, system.max_range_m, system.min_alt_m, system.max_alt_m)
    )


def envelope_for(name: str, catalog: Any) -> Envelope:
    """Envelope of a weapon system (``catalog.systems``) or an interceptor type.

    A system's envelope is clipped to its engagement box; an interceptor type's is the bare
    kinematic table over a grid reaching 1.3 x the largest box of the systems that fire it.
    """
    if name in catalog.systems:
        system = catalog.systems[name]
        itype = catalog.interceptors[system.interceptor] if system.kind == "missile" else None
        return system_envelope(system, itype)
    if name in catalog.interceptors:
        users = [s for s in catalog.systems.values() if s.interceptor == name]
        if not users:
            raise KeyError(f"no weapon system fires interceptor type {name!r}")
        r = max(s.max_range_m for s in users) * GRID_MARGIN
        z = max(s.max_alt_m for s in users) * GRID_MARGIN
        return table_for(catalog.interceptors[name], r, z)
    known = ", ".join(sorted([*catalog.systems, *catalog.interceptors]))
    raise KeyError(f"unknown weapon system or interceptor type {name!r}; known: {known}")


def builtin_table_keys(catalog: Any) -> dict[str, tuple[InterceptorType, float, float]]:
    """Every table the built-in catalog's systems and types use: key -> (type, extents)."""
    out: dict[str, tuple[InterceptorType, float, float]] = {}
    for name, itype in catalog.interceptors.items():
        users = [
            s for s in catalog.systems.values() if s.kind == "missile" and s.interceptor == name
        ]
        extents = {(GRID_MARGIN * s.max_range_m, GRID_MARGIN * s.max_alt_m) for s in users}
        if users:
            extents.add(
                (
                    max(s.max_range_m for s in users) * GRID_MARGIN,
                    max(s.max_alt_m for s in users) * GRID_MARGIN,
                )
            )
        for r, z in extents:
            out[_key(_kinematic_json(itype), float(r), float(z))] = (itype, float(r), float(z))
    return out


def write_builtin_tables(path: str | None = None) -> str:
    """Generate the tables of the built-in catalog and save them (``.npz``); returns the path."""
    from amdsim.scenario import load_catalog

    target = path or str(resources.files("amdsim.interceptors").joinpath("data", STORE))
    tables = {
        key: generate_table(itype, r, z).tof_s
        for key, (itype, r, z) in builtin_table_keys(load_catalog()).items()
    }
    np.savez_compressed(target, **tables)  # type: ignore[arg-type]
    return target


if __name__ == "__main__":  # pragma: no cover
    print(write_builtin_tables())
