"""Radars and the radar network: scan schedule, detection draws, measurement noise, clutter.

Detection model (one look per target per scan):

.. math::
    \\mathrm{SNR} = \\mathrm{SNR}_{ref}\\,\\frac{\\sigma}{\\sigma_{ref}}
    \\left(\\frac{R_{ref}}{R}\\right)^4

(the radar equation with everything but RCS and range folded into the reference point;
Skolnik, *Introduction to Radar Systems*, 3rd ed., eq. 2.1). ``SNR_ref`` is chosen so that
the reference target at the catalog detection range is seen with probability ``pd_ref``;
Pd then follows from :mod:`amdsim.sensors.swerling`. A target is looked at only if it lies
within the instrumented range, the azimuth field of regard about the boresight, the
elevation limits (applied to the refracted elevation) and above the 4/3-Earth radio horizon
(:mod:`amdsim.sensors.geometry`). Measurements are range, azimuth and geometric elevation in
the radar's local frame with independent Gaussian noise, converted to the scenario ENU frame
with the linearised (first-order) covariance. False alarms: ``Poisson(pfa * n_cells)`` per
scan, uniform in range, azimuth and elevation over the field of regard.

Simplification: a whole scan happens at one instant (the scan time); truth is extrapolated
linearly from the step start to that instant with the truth velocity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

import numpy as np

from amdsim.core.events import EventBatch
from amdsim.scenario.types.radar import RadarType
from amdsim.sensors._kernels import look_kernel, measure_kernel
from amdsim.sensors.batches import Detections
from amdsim.sensors.geometry import K_EFFECTIVE_EARTH, horizon_geometry
from amdsim.sensors.swerling import pd_swerling, snr_for_pd

__all__ = ["Radar", "RadarNetwork", "polar_covariance_local", "polar_to_local"]

RngSource = (
    Mapping[str, np.random.Generator] | Callable[[str], np.random.Generator] | np.random.Generator
)

_NO_EVENTS = EventBatch.empty()
_MIN_CROSS_RANGE_M = 1.0  # floor on the range used for cross-range variance (no singular cov)


@dataclass(frozen=True)
class Radar:
    """One radar site: its type (settings) and its geometry in the scenario ENU frame.

    Attributes
    ----------
    name : str
    index : int                 sensor index in the scenario (``Detections.sensor``)
    rtype : RadarType           catalog type
    site_m : (3,)               antenna phase centre in the scenario ENU frame (m)
    rot : (3, 3)                scenario ENU -> radar local ENU rotation
    height_m : float            antenna height above the ellipsoid (m)
    earth_radius_m : float      local Earth radius for the horizon (m)
    boresight_az_rad : float    centre of the azimuth field of regard (clockwise from north)
    scan_phase_s : float        the radar scans at ``scan_phase_s + k * revisit_s``
    """

    name: str
    index: int
    rtype: RadarType
    site_m: np.ndarray
    rot: np.ndarray
    height_m: float
    earth_radius_m: float
    boresight_az_rad: float = 0.0
    scan_phase_s: float = 0.0

    @property
    def snr_ref(self) -> float:
        return snr_for_pd(self.rtype.pd_ref, self.rtype.pfa, self.rtype.swerling)

    def scan_times(self, t_s: float, dt_s: float) -> np.ndarray:
        """Scan instants in ``(t_s, t_s + dt_s]``."""
        rev = self.rtype.revisit_s
        k0 = math.floor((t_s - self.scan_phase_s) / rev + 1e-9) + 1
        k1 = math.floor((t_s + dt_s - self.scan_phase_s) / rev + 1e-9)
        if k1 < k0:
            return _NO_TIMES
        return self.scan_phase_s + rev * np.arange(k0, k1 + 1, dtype=float)

    def look(self, pos_m: np.ndarray) -> tuple[np.ndarray, ...]:
        """Range, azimuth, geometric elevation and in-coverage mask of positions ``(n, 3)``."""
        t = self.rtype
        return look_kernel(
            np.ascontiguousarray(pos_m, dtype=float).reshape(-1, 3), self.site_m, self.rot,
            float(self.height_m), float(self.earth_radius_m), K_EFFECTIVE_EARTH,
            float(self.boresight_az_rad), float(t.az_half_width_rad), float(t.min_range_m),
            float(t.max_range_m), float(t.el_min_rad), float(t.el_max_rad),
        )  # fmt: skip

    def look_numpy(self, pos_m: np.ndarray) -> tuple[np.ndarray, ...]:
        """NumPy reference of :meth:`look`."""
        rel = (np.asarray(pos_m, float).reshape(-1, 3) - self.site_m) @ self.rot.T
        rng_m = np.linalg.norm(rel, axis=1)
        az = np.arctan2(rel[:, 0], rel[:, 1])
        el = np.arctan2(rel[:, 2], np.hypot(rel[:, 0], rel[:, 1]))
        t = self.rtype
        visible, el_app, _ = horizon_geometry(rel, self.height_m, self.earth_radius_m)
        daz = _wrap_pi(az - self.boresight_az_rad)
        cover = (
            visible
            & (rng_m >= t.min_range_m)
            & (rng_m <= t.max_range_m)
            & (np.abs(daz) <= t.az_half_width_rad)
            & (el_app >= t.el_min_rad)
            & (el_app <= t.el_max_rad)
        )
        return rng_m, az, el, cover

    def pd(self, range_m: np.ndarray, rcs_m2: np.ndarray) -> np.ndarray:
        """Single-look detection probability of targets at ``range_m`` with ``rcs_m2``."""
        t = self.rtype
        r = np.maximum(np.asarray(range_m, float), 1.0)
        snr = (
            self.snr_ref
            * (np.asarray(rcs_m2, float) / t.ref_rcs_m2)
            * (t.detection_range_m / r) ** 4
        )
        return pd_swerling(snr, t.pfa, t.swerling)

    def measure(
        self, range_m: np.ndarray, az_rad: np.ndarray, el_rad: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Measured polar coordinates -> ENU position ``(n, 3)`` and covariance ``(n, 3, 3)``."""
        t = self.rtype
        return measure_kernel(
            np.ascontiguousarray(range_m, dtype=float).reshape(-1),
            np.ascontiguousarray(az_rad, dtype=float).reshape(-1),
            np.ascontiguousarray(el_rad, dtype=float).reshape(-1),
            self.rot, self.site_m,
            max(t.sigma_range_m, 1e-3) ** 2, max(t.sigma_az_rad, 1e-6) ** 2,
            max(t.sigma_el_rad, 1e-6) ** 2, _MIN_CROSS_RANGE_M,
        )  # fmt: skip

    def measure_numpy(
        self, range_m: np.ndarray, az_rad: np.ndarray, el_rad: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """NumPy reference of :meth:`measure`."""
        t = self.rtype
        local = polar_to_local(range_m, az_rad, el_rad)
        cov_local = polar_covariance_local(
            range_m, az_rad, el_rad, t.sigma_range_m, t.sigma_az_rad, t.sigma_el_rad
        )
        pos = local @ self.rot + self.site_m
        cov = self.rot.T @ cov_local @ self.rot
        return pos, 0.5 * (cov + np.swapaxes(cov, -1, -2))

    def scan(
        self,
        t_scan_s: float,
        truth_id: np.ndarray,
        pos_m: np.ndarray,
        rcs_m2: np.ndarray,
        rng: np.random.Generator,
    ) -> tuple[Detections, int]:
        """One scan: detections of real targets followed by false alarms (``truth_id = -1``).

        Returns the detections and the number of real-target detections at their head.
        """
        t = self.rtype
        rng_m, az, el, cover = self.look(pos_m)
        pd = np.where(cover, self.pd(rng_m, rcs_m2), 0.0)
        hit = rng.random(pd.shape[0]) < pd
        n_hit = int(np.count_nonzero(hit))
        n_fa = int(rng.poisson(t.pfa * t.n_cells)) if t.n_cells > 0 else 0
        r_m = np.concatenate(
            [
                rng_m[hit] + t.sigma_range_m * rng.standard_normal(n_hit),
                rng.uniform(t.min_range_m, t.max_range_m, n_fa),
            ]
        )
        a = np.concatenate(
            [
                az[hit] + t.sigma_az_rad * rng.standard_normal(n_hit),
                self.boresight_az_rad
                + rng.uniform(-t.az_half_width_rad, t.az_half_width_rad, n_fa),
            ]
        )
        e = np.concatenate(
            [
                el[hit] + t.sigma_el_rad * rng.standard_normal(n_hit),
                rng.uniform(t.el_min_rad, t.el_max_rad, n_fa),
            ]
        )
        r_m = np.abs(r_m)
        a = _wrap_pi(a)
        pos, cov = self.measure(r_m, a, e)
        n = n_hit + n_fa
        det = Detections(
            t_s=np.full(n, float(t_scan_s)),
            sensor=np.full(n, self.index, dtype=np.int64),
            range_m=r_m,
            az_rad=a,
            el_rad=e,
            pos_m=pos,
            cov_m2=cov,
            truth_id=np.concatenate(
                [np.asarray(truth_id, np.int64)[hit], np.full(n_fa, -1, np.int64)]
            ),
        )
        return det, n_hit


_NO_TIMES = np.empty(0)
_NO_TIMES.flags.writeable = False


def _wrap_pi(a: np.ndarray) -> np.ndarray:
    """Angles wrapped to [-pi, pi)."""
    return np.remainder(a + np.pi, 2.0 * np.pi) - np.pi


def polar_to_local(range_m: np.ndarray, az_rad: np.ndarray, el_rad: np.ndarray) -> np.ndarray:
    """Range, azimuth (clockwise from north), elevation -> local ENU ``(n, 3)``."""
    r, a, e = (np.asarray(v, float) for v in (range_m, az_rad, el_rad))
    ce = np.cos(e)
    return np.stack([r * ce * np.sin(a), r * ce * np.cos(a), r * np.sin(e)], axis=-1)


def polar_covariance_local(
    range_m: np.ndarray,
    az_rad: np.ndarray,
    el_rad: np.ndarray,
    sigma_r: float,
    sigma_az: float,
    sigma_el: float,
) -> np.ndarray:
    """First-order covariance ``J diag(sr^2, sa^2, se^2) J^T`` of :func:`polar_to_local`.

    The range in the angular terms is floored at 1 m so that a target at the radar gives a
    finite, positive-definite covariance (no NaN)."""
    r = np.maximum(np.asarray(range_m, float), _MIN_CROSS_RANGE_M)
    a, e = np.asarray(az_rad, float), np.asarray(el_rad, float)
    sa, ca, se, ce = np.sin(a), np.cos(a), np.sin(e), np.cos(e)
    j = np.empty((*r.shape, 3, 3))
    j[..., 0, 0], j[..., 0, 1], j[..., 0, 2] = ce * sa, r * ce * ca, -r * se * sa
    j[..., 1, 0], j[..., 1, 1], j[..., 1, 2] = ce * ca, -r * ce * sa, -r * se * ca
    j[..., 2, 0], j[..., 2, 1], j[..., 2, 2] = se, 0.0, r * ce
    # floors keep the covariance PD when a noise sigma is zero (1 mm, 1 microradian)
    d = np.array([max(sigma_r, 1e-3) ** 2, max(sigma_az, 1e-6) ** 2, max(sigma_el, 1e-6) ** 2])
    return (j * d) @ np.swapaxes(j, -1, -2)


def _rng_for(rngs: RngSource, name: str, scan: int) -> np.random.Generator:
    """The generator for one scan: a given (persistent) generator, or for a callable such
    as ``RngStreams.get`` a fresh stream named ``radar/<name>/<scan index>`` (so a callable
    that returns a new generator on every call still gives independent scans)."""
    if isinstance(rngs, np.random.Generator):
        return rngs
    if isinstance(rngs, Mapping):
        for key in (f"radar/{name}", name):
            if key in rngs:
                return rngs[key]
        raise KeyError(f"no random generator for radar {name!r} (expected key 'radar/{name}')")
    return rngs(f"radar/{name}/{scan}")


@dataclass(frozen=True)
class RadarNetwork:
    """All radars of a scenario. :meth:`detect` runs every scan due in a time step."""

    radars: tuple[Radar, ...]

    def __len__(self) -> int:
        return len(self.radars)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.radars]

    def make_rngs(self, streams: object) -> dict[str, np.random.Generator]:
        """Persistent generators ``{"radar/<name>": streams.get("radar/<name>")}``.

        Create them once per run and pass the dict to every :meth:`detect` call."""
        get = streams.get  # type: ignore[attr-defined]
        return {f"radar/{r.name}": get(f"radar/{r.name}") for r in self.radars}

    def detect(
        self,
        t_s: float,
        dt_s: float,
        truth_id: np.ndarray,
        truth_pos_m: np.ndarray,
        truth_vel_mps: np.ndarray,
        rcs_m2: np.ndarray,
        rngs: RngSource,
    ) -> tuple[Detections, EventBatch]:
        """Every scan whose time falls in ``(t_s, t_s + dt_s]``, radars in scenario order.

        Parameters
        ----------
        t_s, dt_s : float
            Step start (s) and length (s). Truth is given at ``t_s``.
        truth_id : (n,) int
        truth_pos_m, truth_vel_mps : (n, 3)
            Truth in the scenario ENU frame (m, m/s) at ``t_s``.
        rcs_m2 : (n,)
            Radar cross-section of each target (m^2).
        rngs : dict name -> Generator, one Generator, or callable name -> Generator
            A dict is looked up as ``"radar/<name>"`` (or ``"<name>"``); its generators
            must persist over the run (see :meth:`make_rngs`). A callable (e.g.
            ``RngStreams(seed).get``) is called once per scan with
            ``"radar/<name>/<scan index>"``.

        Returns
        -------
        detections : Detections
            Sorted by scan time, then radar index.
        events : EventBatch
            One ``detect`` event per real-target detection and one ``false_alarm`` per
            false alarm, at the measured position.
        """
        tid = np.asarray(truth_id, np.int64).reshape(-1)
        pos0 = np.asarray(truth_pos_m, float).reshape(-1, 3)
        vel = np.asarray(truth_vel_mps, float).reshape(-1, 3)
        rcs = np.broadcast_to(np.asarray(rcs_m2, float), tid.shape)
        parts: list[tuple[float, int, Detections, int]] = []
        for radar in self.radars:
            times = radar.scan_times(t_s, dt_s)
            if times.size == 0:
                continue
            for ts in times:
                scan = round((ts - radar.scan_phase_s) / radar.rtype.revisit_s)
                rng = _rng_for(rngs, radar.name, scan)
                pos = pos0 + vel * (ts - t_s)
                det, n_hit = radar.scan(float(ts), tid, pos, rcs, rng)
                parts.append((float(ts), radar.index, det, n_hit))
        parts.sort(key=lambda p: (p[0], p[1]))
        dets = concat_detections([p[2] for p in parts])
        if len(dets) == 0:
            return dets, _NO_EVENTS
        # one event per detection, in detection order: per scan its real-target detections
        # (``detect``, threat id = truth id) and then its false alarms (``false_alarm``)
        real = dets.truth_id >= 0
        events = EventBatch.make(
            np.where(real, "detect", "false_alarm").astype(object), dets.t_s,
            threat_id=dets.truth_id, sensor_id=dets.sensor, pos_m=dets.pos_m,
        )  # fmt: skip
        return dets, events


def empty_detections() -> Detections:
    """A batch with no rows."""
    z = np.empty(0)
    return Detections(
        z,
        np.empty(0, np.int64),
        z,
        z,
        z,
        np.empty((0, 3)),
        np.empty((0, 3, 3)),
        np.empty(0, np.int64),
    )


def concat_detections(parts: list[Detections]) -> Detections:
    """Concatenate detection batches row-wise."""
    if not parts:
        return empty_detections()
    return Detections(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Detections)}
    )
