"""Threat evaluation: impact-point prediction with uncertainty and the defended-area test.

Ballistic tracks (rockets, mortars, ballistic missiles): the track's mean and covariance
(first six states, scenario ENU frame) are turned into the 13 sigma points of the unscented
transform (Julier & Uhlmann, Proc. IEEE 92(3), 2004; :math:`\\kappa = 0`, so the centre weight
is 0 and the 12 others :math:`1/12`); each point is flown to the ground by
:func:`amdsim.battle._impact_kernel.fly_to_ground` (J2 gravity, Earth rotation, USSA76 drag with
the track's ballistic coefficient). The impact points give the predicted impact mean, its 2x2
covariance and the time to impact. The probability of landing inside each defended asset is
the Gaussian integral over the asset, evaluated on a fixed equal-weight 2-D quadrature (a
Vogel spiral whose radii are the quantiles of the Rayleigh distribution, so point ``k``
carries probability 1/K), tested with :meth:`DefendedAreas.contains`. To keep a decision
cycle cheap, the nominal of every track is flown first and the 12 other sigma points only for
tracks whose nominal impact comes within ``screen_sigma`` rough spreads of an asset (the
others cannot reach an asset with any appreciable probability: hit probability 0).

Cruise missiles and drones (level flight): a straight path at the track's horizontal velocity;
for each asset the closest approach on the path within ``horizon_s``; the cross-track error is
Gaussian with the variance of the propagated covariance normal to the path, and the hit
probability is the probability that it falls inside the asset radius (area-equivalent radius
for polygons). A track is taken as ballistic when the caller says so, when the tracker
estimated its ballistic coefficient, or when it is fast (> ``level_max_speed_mps``), high
(> ``level_max_alt_m``) or steep (flight-path angle > ``level_max_gamma_deg``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from amdsim.battle._impact_kernel import fly_to_ground, quadrature_hits
from amdsim.battle.batches import Assessment
from amdsim.core.areas import DefendedAreas
from amdsim.core.constants import OMEGA_EARTH_RADPS
from amdsim.core.errors import NumericalFault
from amdsim.core.frames import LocalFrame
from amdsim.tracking.batches import Tracks

__all__ = ["ImpactPredictor", "Prediction", "gaussian_quadrature_2d"]

_G_MPS2 = 9.80665


def gaussian_quadrature_2d(k: int) -> np.ndarray:
    """``(k, 2)`` equal-weight points of the 2-D standard normal (deterministic).

    Radii are the Rayleigh quantiles at ``(i + 0.5)/k``, angles step by the golden angle.
    """
    i = np.arange(k)
    r = np.sqrt(-2.0 * np.log(1.0 - (i + 0.5) / k))
    a = i * np.pi * (3.0 - np.sqrt(5.0))
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=1)


@dataclass(frozen=True, slots=True)
class Prediction:
    """Threat assessment plus the predicted nominal paths used for intercept planning."""

    assessment: Assessment
    ballistic: np.ndarray  # (n,) bool
    path_m: np.ndarray  # (n, S, 3) predicted nominal positions (ENU), NaN after impact
    path_t_s: np.ndarray  # (n, S) absolute times of path_m

    def __len__(self) -> int:
        return len(self.assessment)

    @property
    def p_any(self) -> np.ndarray:
        """Probability of hitting any defended asset (assets assumed disjoint), (n,)."""
        return np.clip(self.assessment.p_hit.sum(axis=1), 0.0, 1.0)

    def select(self, rows: np.ndarray) -> Prediction:
        a = self.assessment
        sub = Assessment(
            a.track_id[rows], a.impact_m[rows], a.impact_cov_m2[rows], a.t_impact_s[rows],
            a.p_hit[rows], a.threat_value[rows],
        )  # fmt: skip
        return Prediction(sub, self.ballistic[rows], self.path_m[rows], self.path_t_s[rows])

    @staticmethod
    def unassessed(track_id: np.ndarray, n_assets: int, n_path: int) -> Prediction:
        """Rows for tracks that were not assessed: no impact (NaN, at ``t = inf``), hit
        probability and value 0, no path."""
        k = np.shape(track_id)[0]
        a = Assessment(
            np.asarray(track_id, np.int64), np.full((k, 2), np.nan), np.zeros((k, 2, 2)),
            np.full(k, np.inf), np.zeros((k, n_assets)), np.zeros(k),
        )  # fmt: skip
        return Prediction(
            a, np.zeros(k, bool), np.full((k, n_path, 3), np.nan), np.full((k, n_path), np.nan)
        )

    @staticmethod
    def concat(parts: list[Prediction], n_assets: int, n_path: int) -> Prediction:
        if not parts:
            a = Assessment(
                np.empty(0, np.int64), np.empty((0, 2)), np.empty((0, 2, 2)), np.empty(0),
                np.empty((0, n_assets)), np.empty(0),
            )  # fmt: skip
            return Prediction(a, np.empty(0, bool), np.empty((0, n_path, 3)), np.empty((0, n_path)))
        cat = np.concatenate
        a = Assessment(*[cat([getattr(p.assessment, f) for p in parts]) for f in _ASSESS_FIELDS])
        return Prediction(
            a,
            cat([p.ballistic for p in parts]),
            cat([p.path_m for p in parts]),
            cat([p.path_t_s for p in parts]),
        )


_ASSESS_FIELDS = ("track_id", "impact_m", "impact_cov_m2", "t_impact_s", "p_hit", "threat_value")


@dataclass(frozen=True)
class ImpactPredictor:
    """Impact-point / closest-approach prediction for a batch of tracks (settings only).

    Parameters
    ----------
    frame : LocalFrame
        The scenario ENU frame of the tracks.
    areas : DefendedAreas
        The defended assets.
    default_beta_kg_m2 : float
        Ballistic coefficient used where the track has none (``inf``: vacuum).
    steps_to_ground : int
        RK4 steps over the vacuum time to the ground (the step is fixed per object).
    ut_steps_to_ground : int
        The same for the sigma points of the unscented transform. Coarser than
        ``steps_to_ground`` (the default, a sixth as many steps), the nominal is flown again at
        that step and the sigma points' mean is taken relative to it (see :meth:`_ballistic`);
        ``steps_to_ground`` or more: no such correction.
    n_path : int
        Number of recorded path samples (the first ``n_path`` steps of the nominal).
    n_quad : int
        Quadrature points of the hit-probability integral.
    horizon_s : float
        Look-ahead of the straight-path model of level (cruise/drone) tracks.
    screen_sigma : float
        The full unscented transform is run only for tracks whose nominal impact lies within
        ``screen_sigma`` rough spreads (position sigma + velocity sigma x time of flight) of an
        asset's bounding circle; the others keep the nominal impact with that rough isotropic
        covariance and a hit probability of 0 (``inf``: always the full transform).
    earth_rotation, j2, sphere : bool
        Model switches for reference checks (all on: rotating WGS84 Earth with J2; ``sphere``
        measures the ground as the 6371 km mean sphere).
    """

    frame: LocalFrame
    areas: DefendedAreas
    default_beta_kg_m2: float = np.inf
    steps_to_ground: int = 24
    ut_steps_to_ground: int = 4
    n_path: int = 64
    n_quad: int = 128
    horizon_s: float = 900.0
    level_max_speed_mps: float = 400.0
    level_max_alt_m: float = 15_000.0
    level_max_gamma_deg: float = 20.0
    screen_sigma: float = 6.0
    earth_rotation: bool = True
    j2: bool = True
    sphere: bool = False

    def is_ballistic(self, tracks: Tracks) -> np.ndarray:
        """Heuristic ballistic / level classification (see the module docstring)."""
        v = tracks.vel_mps
        speed = np.linalg.norm(v, axis=1)
        vh = np.hypot(v[:, 0], v[:, 1])
        gamma = np.degrees(np.arctan2(np.abs(v[:, 2]), np.maximum(vh, 1e-9)))
        return (
            np.isfinite(tracks.beta_kg_m2)
            | (speed > self.level_max_speed_mps)
            | (tracks.pos_m[:, 2] > self.level_max_alt_m)
            | (gamma > self.level_max_gamma_deg)
        )

    def predict(self, tracks: Tracks, ballistic: np.ndarray | None = None) -> Prediction:
        """Assess every track of the batch (state at ``t_state_s``, else ``t_update_s``)."""
        n = len(tracks)
        t0 = (
            tracks.t_state_s
            if getattr(tracks, "t_state_s", None) is not None
            else tracks.t_update_s
        )
        t0 = np.asarray(t0, float)
        bad = ~(
            np.isfinite(tracks.state[:, :6]).all(axis=1)
            & np.isfinite(tracks.cov[:, :6, :6]).all(axis=(1, 2))
        )
        if np.any(bad):
            raise NumericalFault(
                "battle/impact", float(np.nanmax(t0)) if n else 0.0, tracks.track_id[bad].tolist(),
                "non-finite track state or covariance",
            )  # fmt: skip
        bal = self.is_ballistic(tracks) if ballistic is None else np.asarray(ballistic, bool)
        rows_b, rows_l = np.flatnonzero(bal), np.flatnonzero(~bal)
        m = len(self.areas)
        out_imp = np.full((n, 2), np.nan)
        out_cov = np.zeros((n, 2, 2))
        out_t = np.full(n, np.inf)
        out_p = np.zeros((n, m))
        path = np.full((n, self.n_path, 3), np.nan)
        path_t = np.full((n, self.n_path), np.nan)
        if rows_b.size:
            r = self._ballistic(tracks, rows_b, t0[rows_b])
            out_imp[rows_b], out_cov[rows_b], out_t[rows_b], out_p[rows_b] = r[0], r[1], r[2], r[3]
            path[rows_b], path_t[rows_b] = r[4], r[5]
        if rows_l.size:
            r = self._level(tracks, rows_l, t0[rows_l])
            out_imp[rows_l], out_cov[rows_l], out_t[rows_l], out_p[rows_l] = r[0], r[1], r[2], r[3]
            path[rows_l], path_t[rows_l] = r[4], r[5]
        value = out_p @ self.areas.value if m else np.zeros(n)
        a = Assessment(np.asarray(tracks.track_id, np.int64), out_imp, out_cov, out_t, out_p, value)
        return Prediction(a, bal, path, path_t)

    # -- ballistic ---------------------------------------------------------------------
    def _step(self, st: np.ndarray, inv_beta: np.ndarray, steps: int) -> np.ndarray:
        """RK4 step (s) of each ENU state ``(k, 6)``: the vacuum time to the ground (flat
        Earth, h above the origin) / ``steps``, and no more than a quarter of the sea-level
        drag time constant 2 beta / (rho0 |v|)."""
        h = st[:, 2] + self.frame.alt_m
        vz = st[:, 5]
        t_g = (
            vz + np.sqrt(np.maximum(vz * vz + 2.0 * _G_MPS2 * np.maximum(h, 0.0), 0.0))
        ) / _G_MPS2
        speed = np.maximum(np.linalg.norm(st[:, 3:6], axis=1), 1.0)
        tau = 2.0 / (1.225 * speed * np.maximum(inv_beta, 1e-300))
        return np.asarray(np.clip(np.minimum(t_g / steps, 0.25 * tau), 0.02, 20.0))

    def _fly(
        self, st: np.ndarray, inv_beta: np.ndarray, record: bool, dt: np.ndarray | None = None
    ) -> tuple[np.ndarray, ...]:
        """Fly ENU states ``(k, 6)`` to the ground at steps ``dt`` (default :meth:`_step` with
        ``steps_to_ground``): (impact EN (k, 2), t_flight (k,), path ENU (k or 0, n_path, 3),
        dt (k,))."""
        if dt is None:
            dt = self._step(st, inv_beta, self.steps_to_ground)
        pos_e = self.frame.enu_to_ecef(st[:, :3])
        vel_e = self.frame.vec_enu_to_ecef(st[:, 3:6])
        imp_e, _, t_f, rec = fly_to_ground(
            pos_e, vel_e, inv_beta, dt, max_steps=2000,
            omega_radps=OMEGA_EARTH_RADPS if self.earth_rotation else 0.0, j2=self.j2,
            sphere=self.sphere, n_record=self.n_path if record else 0,
            record=np.full(st.shape[0], record),
        )  # fmt: skip
        imp = _ecef_to_enu(self.frame, imp_e)[:, :2]
        path = rec
        if record and rec.size:
            # convert only the columns some object reached (the rest stay NaN)
            cols = np.flatnonzero(np.isfinite(rec[:, :, 0]).any(axis=0))
            last = int(cols[-1]) + 1 if cols.size else 0
            path = np.full(rec.shape, np.nan)
            part = rec[:, :last].reshape(-1, 3)
            path[:, :last] = _ecef_to_enu(self.frame, part).reshape(rec.shape[0], last, 3)
        return imp, t_f, path, dt

    def _ballistic(
        self, tracks: Tracks, rows: np.ndarray, t0: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        nb = rows.size
        x = tracks.state[rows, :6]
        p = tracks.cov[rows, :6, :6]
        p = 0.5 * (p + np.swapaxes(p, 1, 2))
        beta = np.where(
            np.isfinite(tracks.beta_kg_m2[rows]), tracks.beta_kg_m2[rows], self.default_beta_kg_m2
        )
        inv_beta = np.where(
            np.isfinite(beta) & (beta > 0), 1.0 / np.where(beta > 0, beta, 1.0), 0.0
        )
        # 1. the nominal (track mean) of every track, with its path
        imp_c, t_c, path, dt = self._fly(x, inv_beta, record=True)
        landed = np.isfinite(t_c)
        # rough isotropic impact spread: position error plus velocity error times flight time
        sig_pos = np.sqrt(np.maximum(p[:, 0, 0] + p[:, 1, 1], 0.0) / 2.0)
        sig_vel = np.sqrt(np.maximum(p[:, 3, 3] + p[:, 4, 4] + p[:, 5, 5], 0.0) / 3.0)
        rough = np.sqrt(sig_pos**2 + (np.nan_to_num(t_c) * sig_vel) ** 2) + 1.0
        mean = imp_c.copy()
        cov = rough[:, None, None] ** 2 * np.eye(2)[None]
        t_imp = np.where(landed, t0 + t_c, np.inf)
        # 2. full unscented transform where the impact may come near a defended asset
        near = landed & (self._distance_to_assets(imp_c) < self.screen_sigma * rough)
        full = np.flatnonzero(near)
        if full.size:
            k = full.size
            try:
                sq = np.linalg.cholesky(6.0 * p[full] + 1e-9 * np.eye(6))
            except np.linalg.LinAlgError:
                w, vec = np.linalg.eigh(6.0 * p[full])
                sq = vec * np.sqrt(np.maximum(w, 0.0))[:, None, :]
            dev = np.swapaxes(sq, 1, 2)  # row j = j-th column of the square root
            xs = x[full][:, None, :]
            # the 12 sigma points, and with a coarser UT step the nominal again at that step:
            # the integration error common to all (smooth in the state and the step) cancels
            # in the spread, and the mean is the fine-step nominal plus the sigma points' mean
            # offset from the coarse nominal (a control variate)
            coarse = self.ut_steps_to_ground < self.steps_to_ground
            parts = [xs + dev, xs - dev] + ([xs] if coarse else [])
            sig = np.concatenate(parts, axis=1).reshape(-1, 6)  # (k*13 or k*12, 6)
            ib = np.repeat(inv_beta[full], 13 if coarse else 12)
            imp_s, t_s, _, _ = self._fly(
                sig, ib, record=False, dt=self._step(sig, ib, self.ut_steps_to_ground)
            )
            imp_s, t_s = imp_s.reshape(k, -1, 2), t_s.reshape(k, -1)
            ok = np.isfinite(t_s).all(axis=1)  # all sigma points landed: UT; else keep rough
            g = full[ok]
            mu = imp_s[ok, :12].mean(axis=1)
            d = imp_s[ok, :12] - mu[:, None, :]
            t_mu = t_s[ok, :12].mean(axis=1)
            if coarse:
                mu = imp_c[g] + (mu - imp_s[ok, 12])
                t_mu = t_c[g] + (t_mu - t_s[ok, 12])
            mean[g] = mu
            cov[g] = np.einsum("nki,nkj->nij", d, d) / 12.0
            t_imp[g] = t0[g] + t_mu
        mean = np.where(landed[:, None], mean, np.nan)
        p_hit = np.zeros((nb, len(self.areas)))
        if full.size:
            p_hit[full] = self._p_hit_gauss(mean[full], cov[full])
        path_t = t0[:, None] + dt[:, None] * np.arange(self.n_path)[None, :]
        return mean, cov, t_imp, p_hit, path, np.where(np.isnan(path[..., 0]), np.nan, path_t)

    def _distance_to_assets(self, xy: np.ndarray) -> np.ndarray:
        """Distance (m) from each point to the nearest asset's bounding circle (0 inside)."""
        if len(self.areas) == 0:
            return np.full(xy.shape[0], np.inf)
        d = (
            np.linalg.norm(xy[:, None, :] - self.areas.center_m[None], axis=2)
            - self._bound_radius[None]
        )
        return np.maximum(d.min(axis=1), 0.0)

    @property
    def _bound_radius(self) -> np.ndarray:
        a = self.areas
        return np.array([
            a.radius_m[j] if a.polygons[j] is None
            else float(np.max(np.linalg.norm(a.polygons[j] - a.center_m[j], axis=1)))
            for j in range(len(a))
        ])  # fmt: skip

    def _p_hit_gauss(self, mean: np.ndarray, cov: np.ndarray, method: str = "numba") -> np.ndarray:
        """``(n, m)`` probability that an impact ~ N(mean, cov) lands in each asset, on the
        equal-weight quadrature (see the module docstring). ``method``: ``"numba"``
        (:func:`~amdsim.battle._impact_kernel.quadrature_hits`) or ``"numpy"`` (the
        reference, :meth:`DefendedAreas.contains`); the same results."""
        n, m = mean.shape[0], len(self.areas)
        if n == 0 or m == 0:
            return np.zeros((n, m))
        z = gaussian_quadrature_2d(self.n_quad)
        c = 0.5 * (cov + np.swapaxes(cov, 1, 2)) + 1e-6 * np.eye(2)
        a = c[:, 0, 0]
        b = c[:, 0, 1]
        d = c[:, 1, 1]
        l11 = np.sqrt(np.maximum(a, 0.0))
        l21 = np.where(l11 > 0, b / np.maximum(l11, 1e-300), 0.0)
        l22 = np.sqrt(np.maximum(d - l21 * l21, 0.0))
        if method == "numba":
            polys = self.areas.polygons
            sizes = [0 if poly is None else len(poly) for poly in polys]
            start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            verts = [np.asarray(poly, float).reshape(-1, 2) for poly in polys if poly is not None]
            f = np.ascontiguousarray
            return quadrature_hits(  # type: ignore[no-any-return]
                f(mean, dtype=float), f(l11), f(l21), f(l22), f(z),
                f(self.areas.center_m, dtype=float), f(self.areas.radius_m, dtype=float),
                f(np.concatenate(verts) if verts else np.empty((0, 2))), start,
            )  # fmt: skip
        if method != "numpy":
            raise ValueError(f"method must be 'numba' or 'numpy', got {method!r}")
        px = mean[:, 0:1] + l11[:, None] * z[None, :, 0]
        py = mean[:, 1:2] + l21[:, None] * z[None, :, 0] + l22[:, None] * z[None, :, 1]
        good = np.isfinite(mean[:, 0])
        pts = np.stack([px, py], axis=-1).reshape(-1, 2)
        pts = np.where(np.isfinite(pts), pts, 1e30)
        inside = self.areas.contains(pts).reshape(n, self.n_quad, m)
        return np.where(good[:, None], inside.mean(axis=1), 0.0)

    # -- level flight ------------------------------------------------------------------
    def _level(self, tracks: Tracks, rows: np.ndarray, t0: np.ndarray) -> tuple[np.ndarray, ...]:
        nl, m = rows.size, len(self.areas)
        p0 = tracks.pos_m[rows, :2]
        v = tracks.vel_mps[rows, :2]
        cov = tracks.cov[rows, :6, :6]
        pp, pv, vv = cov[:, 0:2, 0:2], cov[:, 0:2, 3:5], cov[:, 3:5, 3:5]
        c = self.areas.center_m  # (m, 2)
        polys = self.areas.polygons
        rad = np.array(
            [
                self.areas.radius_m[j] if polys[j] is None else _equiv_radius(polys[j])
                for j in range(m)
            ]
        )
        v2 = np.maximum(np.sum(v * v, axis=1), 1e-12)
        rel = c[None, :, :] - p0[:, None, :]  # (nl, m, 2)
        t_ca = np.clip(np.einsum("nmd,nd->nm", rel, v) / v2[:, None], 0.0, self.horizon_s)
        q = p0[:, None, :] + v[:, None, :] * t_ca[..., None]
        off = c[None] - q
        dist = np.linalg.norm(off, axis=2)
        speed = np.sqrt(v2)
        perp = np.stack([-v[:, 1], v[:, 0]], axis=1) / speed[:, None]
        nrm = np.where(
            dist[..., None] > 1e-6, off / np.maximum(dist, 1e-6)[..., None], perp[:, None, :]
        )
        t = t_ca[..., None, None]
        pc = pp[:, None] + t * (pv[:, None] + np.swapaxes(pv, 1, 2)[:, None]) + t * t * vv[:, None]
        sig = np.sqrt(np.maximum(np.einsum("nmi,nmij,nmj->nm", nrm, pc, nrm), 1.0))
        p_hit = ndtr((rad[None] - dist) / sig) - ndtr((-rad[None] - dist) / sig)
        p_hit = np.where(dist - rad[None] > 8.0 * sig, 0.0, p_hit)
        # the asset most at stake sets the reported closest-approach point and time
        if m:
            k = np.argmax(p_hit * self.areas.value[None, :] + 1e-12 * (p_hit > 0), axis=1)
            idx = np.arange(nl)
            imp = q[idx, k]
            tk = t_ca[idx, k]
            cov2 = pc[idx, k]
            endangered = p_hit[idx, k] > 0
            t_imp = np.where(endangered, t0 + tk, np.inf)
        else:
            imp, tk, cov2, t_imp = p0.copy(), np.zeros(nl), pp, np.full(nl, np.inf)
        t_end = np.where(np.isfinite(t_imp), tk, self.horizon_s)
        frac = np.linspace(0.0, 1.0, self.n_path)
        tt = t_end[:, None] * frac[None, :]
        path = np.empty((nl, self.n_path, 3))
        path[..., 0:2] = p0[:, None, :] + v[:, None, :] * tt[..., None]
        path[..., 2] = tracks.pos_m[rows, 2][:, None]
        return imp, cov2, t_imp, p_hit, path, t0[:, None] + tt


def _ecef_to_enu(frame: LocalFrame, pos_ecef_m: np.ndarray) -> np.ndarray:
    """``frame.ecef_to_enu`` with a contiguous rotation (``x @ R.T`` with a transposed view is
    ~100x slower in NumPy 2.4 for (n, 3) @ (3, 3))."""
    return (pos_ecef_m - frame.origin_ecef_m) @ np.ascontiguousarray(frame.rot.T)


def _equiv_radius(poly: np.ndarray | None) -> float:
    """Radius of the circle with the polygon's area (shoelace formula)."""
    assert poly is not None
    x, y = poly[:, 0], poly[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    return float(np.sqrt(area / np.pi))
