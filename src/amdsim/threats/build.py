"""Raid expansion: one row per threat with its launch time, launch point, aim point, launch
solution and dispersion.

Dispersion is drawn as the *impact* error the catalog states — range and deflection errors
(1-sigma fractions of range) for unguided kinds, a circular normal with ``sigma = CEP /
1.1774`` per axis for guided ones — and realised by solving the launch for the displaced aim
point, so the flown impact scatter matches the catalog by construction (to the solver's
metre-level accuracy). Launch points of an area raid are uniform in the launch disc.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from amdsim.core.frames import LocalFrame, geodetic_to_ecef
from amdsim.physics.eom import FULL_MODEL, EomOptions
from amdsim.scenario.types.threat import ThreatType
from amdsim.threats._kernel import KIND_CODES
from amdsim.threats.flight import ThreatState
from amdsim.threats.launch import FlightInit, LaunchSolution, range_sensitivity, solve_launch
from amdsim.threats.params import TypeArrays, local_axes, offset_point

__all__ = ["build_threats", "check_reachable", "launch_times", "make_threats"]

_CEP_TO_SIGMA = 1.0 / 1.1774  # CEP = 1.1774 sigma for a circular normal
_GUIDED = (KIND_CODES["ballistic"], KIND_CODES["cruise"], KIND_CODES["drone"])


def check_reachable(
    threat: ThreatType,
    launch_lat_deg: float,
    launch_lon_deg: float,
    aim_lat_deg: float,
    aim_lon_deg: float,
    radius_m: float = 0.0,
    raid: str = "raid",
) -> None:
    """Raise ``ValueError`` naming ``raid`` if some launch point of the disc cannot reach the
    aim point (ground distance outside ``[min_range_m, max_range_m]`` of the type)."""
    from amdsim.scenario.checks import ground_distance_m

    d = ground_distance_m(launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg)
    threat.check_range(d + radius_m, f"raid {raid!r}")
    threat.check_range(max(d - radius_m, 0.0), f"raid {raid!r}")


def launch_times(schedule: Any, count: int, rng: np.random.Generator) -> np.ndarray:
    """Launch times (s) of a raid schedule: explicit ``times_s``, or ``count`` launches over
    ``[start_s, end_s]`` evenly spaced (``uniform``) or as a Poisson process conditioned on
    ``count`` arrivals (sorted uniform draws, ``poisson``)."""
    if getattr(schedule, "times_s", None) is not None:
        return np.asarray(schedule.times_s, float)
    start = float(schedule.start_s or 0.0)
    end = float(schedule.end_s if schedule.end_s is not None else start)
    if schedule.pattern == "poisson":
        return np.sort(rng.uniform(start, end, count))
    return np.linspace(start, end, count) if count > 1 else np.array([start])


def make_threats(
    catalog: Mapping[str, ThreatType] | TypeArrays,
    type_names: Sequence[str],
    launch_lat_deg: np.ndarray,
    launch_lon_deg: np.ndarray,
    aim_lat_deg: np.ndarray,
    aim_lon_deg: np.ndarray,
    t_launch_s: np.ndarray,
    rng: np.random.Generator | None = None,
    *,
    launch_alt_m: np.ndarray | float = 0.0,
    raid_idx: np.ndarray | None = None,
    raid_names: Sequence[str] | None = None,
    waypoints_deg: Sequence[np.ndarray | None] | None = None,
    options: EomOptions = FULL_MODEL,
    check_range: bool = True,
) -> ThreatState:
    """Threats from plain arrays, one row per threat (the lower-level :func:`build_threats`).

    Parameters
    ----------
    catalog : threat types by name (or prepared :class:`TypeArrays`)
    type_names : ``(n,)`` catalog name of each threat
    launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg, t_launch_s : ``(n,)`` arrays
    rng : draws the dispersion; ``None`` flies every threat undispersed
    waypoints_deg : per threat ``None`` or ``(k, 2)`` [lat, lon] waypoints flown before the aim
        point (cruise missiles and drones; ignored for ballistic kinds)
    check_range : refuse aim points outside the catalog min/max range (``ValueError``)
    """
    types = catalog if isinstance(catalog, TypeArrays) else TypeArrays.from_catalog(catalog)
    n = len(type_names)
    tix = types.index(list(type_names))

    def arr(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, float), (n,)).astype(float)

    llat, llon, alat, alon = (
        arr(launch_lat_deg),
        arr(launch_lon_deg),
        arr(aim_lat_deg),
        arr(aim_lon_deg),
    )
    t_launch = arr(t_launch_s)
    raid = (
        np.full(n, -1, dtype=np.int64) if raid_idx is None else np.asarray(raid_idx, dtype=np.int64)
    )
    launch = geodetic_to_ecef(llat, llon, arr(launch_alt_m)).reshape(n, 3)
    aim = geodetic_to_ecef(alat, alon, np.zeros(n)).reshape(n, 3)
    if check_range and n:
        from pymap3d.vincenty import vdist

        # Vincenty's inverse (as ground_distance_m), all threats in one vectorised call
        same = (llat == alat) & (llon == alon)
        d = np.where(same, 0.0, np.asarray(vdist(llat, llon, alat, alon)[0], float).reshape(n))
        lo = np.array([t.min_range_m for t in types.types], float)[tix]
        hi = np.array([t.max_range_m for t in types.types], float)[tix]
        out = np.flatnonzero((d < lo) | (d > hi))
        if out.size:  # the first offender, with the type's own message
            i = int(out[0])
            who = raid_names[raid[i]] if raid_names is not None and raid[i] >= 0 else f"threat {i}"
            types.types[tix[i]].check_range(float(d[i]), f"raid {who!r}")
    # undispersed launch solutions, once per distinct (type, launch point, aim point)
    key = np.concatenate([tix[:, None].astype(float), launch, aim], axis=1)
    _uniq, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    usol = solve_launch(types, tix[first], launch[first], aim[first], options)
    bad = np.flatnonzero(usol.miss_m > np.maximum(50.0, 0.005 * usol.range_m))
    if bad.size:
        i = int(first[bad[0]])
        who = raid_names[raid[i]] if raid_names is not None and raid[i] >= 0 else f"threat {i}"
        raise ValueError(
            f"raid {who!r}: {types.names[tix[i]]} cannot reach its aim point "
            f"({usol.range_m[bad[0]] / 1000:.1f} km) with its catalog propulsion "
            f"(best miss {usol.miss_m[bad[0]]:.0f} m); check max_range_m against thrust_n / "
            "launch_speed_mps"
        )
    az = usol.az_rad[inverse]
    control = np.nan_to_num(usol.control[inverse])
    factor = np.ones(n)
    target = aim.copy()
    if rng is not None and n:
        target, az, control, factor = _disperse(
            types, tix, launch, aim, rng, usol, first, inverse, options
        )
    wp, n_wp = _waypoints(n, target, waypoints_deg)
    init = FlightInit.build(types, tix, launch, az, control, wp, n_wp, factor)
    return ThreatState.create(
        init,
        t_launch,
        tix,
        types.names,
        raid,
        aim,
        alat,
        alon,
        types.rcs_m2[tix] if n else np.zeros(0),
    )


def _disperse(
    types: TypeArrays,
    tix: np.ndarray,
    launch: np.ndarray,
    aim: np.ndarray,
    rng: np.random.Generator,
    usol: LaunchSolution,
    first: np.ndarray,
    inverse: np.ndarray,
    options: EomOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dispersed ``(target, az, control, impulse factor)`` per threat.

    A standard-normal pair ``z`` per threat scales the catalog sigmas (range/deflection as a
    fraction of range, or CEP/1.1774 per axis). Boosted kinds realise it as launch errors,
    linearised at the undispersed solution: azimuth ``+ s_cross z1 / R`` and the range knob
    ``+ s_down z0 / (dR/dknob)`` (impulse for rockets and mortars, cut-off time for ballistic
    missiles). Cruise missiles and drones steer to a displaced aim point.
    """
    n = tix.shape[0]
    z = rng.standard_normal((n, 2))
    rng_m = usol.range_m[inverse]
    guided = np.isin(types.kind[tix], _GUIDED)
    s_down = np.where(guided, types.cep_m[tix] * _CEP_TO_SIGMA, types.range_sigma_frac[tix] * rng_m)
    s_cross = np.where(
        guided, types.cep_m[tix] * _CEP_TO_SIGMA, types.deflection_sigma_frac[tix] * rng_m
    )
    d_down, d_cross = s_down * z[:, 0], s_cross * z[:, 1]
    kind = types.kind[tix]
    boosted = kind <= KIND_CODES["ballistic"]
    slope = range_sensitivity(types, tix[first], launch[first], usol, options)[inverse]
    az = usol.az_rad[inverse] + np.where(boosted, d_cross / np.maximum(rng_m, 1.0), 0.0)
    control = np.nan_to_num(usol.control[inverse])
    knob = np.where(
        boosted, d_down / np.where(np.isfinite(slope) & (slope != 0), slope, np.inf), 0.0
    )
    ball = kind == KIND_CODES["ballistic"]
    burn = types.burn_time_s[tix]
    control = np.where(ball, np.clip(control + knob, 0.05 * burn, burn), control)
    factor = np.where(boosted & ~ball, np.clip(1.0 + knob, 0.5, 1.5), 1.0)
    target = aim.copy()
    kin = ~boosted
    if kin.any():
        _, _, up = local_axes(aim[kin])
        d = aim[kin] - launch[kin]
        d -= np.sum(d * up, axis=1)[:, None] * up
        down = d / np.linalg.norm(d, axis=1, keepdims=True)
        target[kin] = offset_point(aim[kin], down, d_down[kin], d_cross[kin])
    return target, az, control, factor


def _waypoints(
    n: int, target: np.ndarray, waypoints_deg: Sequence[np.ndarray | None] | None
) -> tuple[np.ndarray, np.ndarray]:
    lists = [None] * n if waypoints_deg is None else list(waypoints_deg)
    k = 1 + max([0] + [0 if w is None else len(w) for w in lists])
    wp = np.repeat(target[:, None, :], k, axis=1)
    n_wp = np.ones(n, dtype=np.int64)
    for i, w in enumerate(lists):
        if w is None or len(w) == 0:
            continue
        w = np.asarray(w, float).reshape(-1, 2)
        wp[i, : len(w)] = geodetic_to_ecef(w[:, 0], w[:, 1], np.zeros(len(w))).reshape(-1, 3)
        wp[i, len(w)] = target[i]
        n_wp[i] = len(w) + 1
    return np.ascontiguousarray(wp), n_wp


def build_threats(
    scenario: Any, catalog: Any, frame: LocalFrame | None, rng: np.random.Generator
) -> ThreatState:
    """Expand every raid of ``scenario`` into threats (ids ``0..n-1`` in raid order).

    ``catalog`` is the resolved :class:`~amdsim.scenario.catalog_loader.Catalog` (its
    ``threats`` mapping is used); ``rng`` (the ``"threats"`` stream) draws the schedule
    (Poisson), the launch points in the launch discs and the dispersion. ``frame`` is not
    needed (threats fly in ECEF) and is accepted for the engine's uniform call.
    """
    from amdsim.scenario.checks import aim_point

    names: list[str] = []
    llat: list[np.ndarray] = []
    llon: list[np.ndarray] = []
    lalt: list[np.ndarray] = []
    alat: list[np.ndarray] = []
    alon: list[np.ndarray] = []
    times: list[np.ndarray] = []
    raid_idx: list[np.ndarray] = []
    for i, raid in enumerate(scenario.raids):
        c = int(raid.count)
        t = launch_times(raid.schedule, c, rng)
        la, lo = _launch_points(raid.launch, c, rng)
        a_lat, a_lon = aim_point(scenario, i)
        names += [raid.threat] * c
        llat.append(la)
        llon.append(lo)
        lalt.append(np.full(c, float(raid.launch.alt_m)))
        alat.append(np.full(c, a_lat))
        alon.append(np.full(c, a_lon))
        times.append(t)
        raid_idx.append(np.full(c, i, dtype=np.int64))

    def cat(xs: list[np.ndarray], dtype: Any = float) -> np.ndarray:
        return np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype=dtype)

    return make_threats(
        dict(catalog.threats), names, cat(llat), cat(llon), cat(alat), cat(alon), cat(times), rng,
        launch_alt_m=cat(lalt), raid_idx=cat(raid_idx, np.int64),
        raid_names=[r.name for r in scenario.raids],
    )  # fmt: skip


def _launch_points(
    launch: Any, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points uniform in the launch disc (``radius_m``) on its local plane."""
    lat0, lon0, r = float(launch.lat_deg), float(launch.lon_deg), float(launch.radius_m)
    if r <= 0:
        return np.full(count, lat0), np.full(count, lon0)
    rad = r * np.sqrt(rng.uniform(0.0, 1.0, count))
    ang = rng.uniform(0.0, 2 * np.pi, count)
    enu = np.stack([rad * np.cos(ang), rad * np.sin(ang), np.zeros(count)], axis=1)
    lat, lon, _ = LocalFrame(lat0, lon0).enu_to_geodetic(enu)
    return np.atleast_1d(lat), np.atleast_1d(lon)
