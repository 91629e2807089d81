"""Extended and unscented Kalman filters, vectorised over stacks of tracks.

Shapes: states ``x (n, d)``, covariances ``P (n, d, d)``, measurements ``z (n, m)``,
measurement covariances ``R (n, m, m)``. All loops run over dimensions or sigma points,
never over tracks.

Equations
---------
* Kalman predict / update: Bar-Shalom, Li and Kirubarajan (2001), eqs. 5.2.3-5 and 5.2.3-15;
  the covariance update uses the Joseph form (ibid. eq. 5.2.3-18) so it stays symmetric
  positive definite.
* EKF: the same with the Jacobians of the model and measurement functions (ibid. §10.3).
* UKF: the scaled unscented transform (Julier and Uhlmann, Proc. IEEE 92(3), 2004;
  Wan and van der Merwe, 2000) with parameters ``alpha, beta, kappa``. The defaults
  ``alpha = 1, beta = 0, kappa = 0`` put every point at ``sqrt(d)`` standard deviations with
  equal weights (the spherical cubature rule), which keeps all weights positive.

For a linear measurement (the tracker's ENU position) the EKF and UKF updates coincide with
the linear Kalman update; the filters differ in prediction through nonlinear models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from amdsim.tracking.models import MotionModel

__all__ = [
    "EkfFilter",
    "UkfFilter",
    "cholesky_psd",
    "ekf_update",
    "inv3_sym",
    "kf_update_position",
    "log_gaussian",
    "mahalanobis3",
    "mixture_moments",
    "symmetrize",
    "ukf_predict",
    "ukf_update",
]


def symmetrize(p: np.ndarray) -> np.ndarray:
    return 0.5 * (p + np.swapaxes(p, -1, -2))


def cholesky_psd(p: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of a stack of covariances; a tiny relative jitter is added to
    the rows that are not numerically positive definite."""
    p = symmetrize(p)
    try:
        return np.linalg.cholesky(p)
    except np.linalg.LinAlgError:
        d = p.shape[-1]
        scale = np.maximum(np.trace(p, axis1=-2, axis2=-1) / d, 1e-300)
        for eps in (1e-12, 1e-9, 1e-6):
            try:
                return np.linalg.cholesky(p + (eps * scale)[..., None, None] * np.eye(d))
            except np.linalg.LinAlgError:
                continue
        raise


def inv3_sym(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse and determinant of a stack of symmetric 3 x 3 matrices ``(..., 3, 3)`` in
    closed form (adjugate over determinant, Cramer's rule), without LAPACK's per-matrix
    overhead. Only the upper triangle is read. Rows that are not positive definite come back
    with ``det <= 0`` (or non-finite) and must be handled by the caller."""
    a, b, c = s[..., 0, 0], s[..., 0, 1], s[..., 0, 2]
    d, e, f = s[..., 1, 1], s[..., 1, 2], s[..., 2, 2]
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    det = a * c00 + b * c01 + c * c02
    with np.errstate(divide="ignore", invalid="ignore"):
        k = 1.0 / det
    inv = np.empty(s.shape)
    inv[..., 0, 0] = c00 * k
    inv[..., 1, 1] = c11 * k
    inv[..., 2, 2] = c22 * k
    inv[..., 0, 1] = inv[..., 1, 0] = c01 * k
    inv[..., 0, 2] = inv[..., 2, 0] = c02 * k
    inv[..., 1, 2] = inv[..., 2, 1] = c12 * k
    return inv, det


def _pd3(det: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Rows whose closed-form 3 x 3 determinant is safely positive (leading minors too)."""
    a, d = s[..., 0, 0], s[..., 1, 1]
    m2 = a * d - s[..., 0, 1] ** 2
    scale = np.abs(a * d * s[..., 2, 2])
    return np.isfinite(det) & (det > 1e-12 * scale) & (a > 0) & (m2 > 0)


def log_gaussian(nu: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mahalanobis distance ``nu^T S^-1 nu`` and ``log N(nu; 0, S)`` over stacks.

    Stacks of 3 x 3 covariances (position measurements, the hot path of gating) use the
    closed-form adjugate inverse; other sizes, and 3 x 3 rows that are not clearly positive
    definite, use a jittered Cholesky factorisation."""
    m = nu.shape[-1]
    if m == 3 and s.ndim == 3 and s.shape[0] > 0:
        d2, det, ok = mahalanobis3(nu, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            logdet = np.log(det)
        if not ok.all():
            bad = ~ok
            d2[bad], logdet[bad] = _log_gaussian_chol(nu[bad], s[bad])
        return d2, -0.5 * (d2 + logdet + m * np.log(2.0 * np.pi))
    d2, logdet = _log_gaussian_chol(nu, s)
    return d2, -0.5 * (d2 + logdet + m * np.log(2.0 * np.pi))


def mahalanobis3(nu: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``nu^T S^-1 nu``, ``det S`` and a positive-definiteness flag for stacks of 3-vectors
    ``(k, 3)`` and 3 x 3 covariances ``(k, 3, 3)`` in closed form (adjugate / determinant;
    off-diagonal terms averaged, i.e. ``S`` symmetrised). Rows flagged False must be
    recomputed another way."""
    a, d, f = s[:, 0, 0], s[:, 1, 1], s[:, 2, 2]
    b = 0.5 * (s[:, 0, 1] + s[:, 1, 0])
    c = 0.5 * (s[:, 0, 2] + s[:, 2, 0])
    e = 0.5 * (s[:, 1, 2] + s[:, 2, 1])
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    det = a * c00 + b * c01 + c * c02
    x, y, z = nu[:, 0], nu[:, 1], nu[:, 2]
    q = (
        c00 * x * x
        + (a * f - c * c) * y * y
        + (a * d - b * b) * z * z
        + 2.0 * (c01 * x * y + c02 * x * z + (b * c - a * e) * y * z)
    )
    ok = np.isfinite(det) & (det > 1e-12 * np.abs(a * d * f)) & (a > 0) & (a * d - b * b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = q / det
    return d2, det, ok


def _log_gaussian_chol(nu: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(d2, log det S)`` through a (jittered) Cholesky factor."""
    if s.shape[0] == 0 and s.ndim == 3:
        return np.empty(0), np.empty(0)
    low = cholesky_psd(s)
    w = np.linalg.solve(low, nu[..., None])[..., 0]
    d2 = np.einsum("...i,...i->...", w, w)
    logdet = 2.0 * np.sum(np.log(np.diagonal(low, axis1=-2, axis2=-1)), axis=-1)
    return d2, logdet


def _gain(p_hT: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``K = P H^T S^-1`` for symmetric ``S``: solve ``S K^T = (P H^T)^T`` (closed-form inverse
    for 3 x 3 ``S`` when it is clearly positive definite)."""
    if s.ndim == 3 and s.shape[-1] == 3 and s.shape[0] > 0:
        inv, det = inv3_sym(s)
        if _pd3(det, s).all():
            return p_hT @ inv
    return np.swapaxes(np.linalg.solve(s, np.swapaxes(p_hT, -1, -2)), -1, -2)


def kf_update_position(
    x: np.ndarray, p: np.ndarray, z: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kalman update with a position measurement ``z = x[:3] + v``, ``v ~ N(0, R)``.

    Returns the updated ``x, P``, the innovation ``nu (n, 3)`` and its covariance ``S``.
    Joseph form: ``P+ = (I - K H) P (I - K H)^T + K R K^T``.
    """
    nu = z - x[:, 0:3]
    s = symmetrize(p[:, 0:3, 0:3] + r)
    k = _gain(p[:, :, 0:3], s)
    x_new = x + np.einsum("nij,nj->ni", k, nu)
    d = x.shape[1]
    ikh = np.broadcast_to(np.eye(d), p.shape).copy()
    ikh[:, :, 0:3] -= k
    p_new = ikh @ p @ np.swapaxes(ikh, -1, -2) + k @ r @ np.swapaxes(k, -1, -2)
    return x_new, symmetrize(p_new), nu, s


def ekf_update(
    x: np.ndarray,
    p: np.ndarray,
    z: np.ndarray,
    r: np.ndarray,
    h: Callable[[np.ndarray], np.ndarray],
    h_jac: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """EKF update with a nonlinear measurement ``z = h(x) + v`` and Jacobian ``h_jac``."""
    hm = h_jac(x)
    nu = z - h(x)
    s = symmetrize(hm @ p @ np.swapaxes(hm, -1, -2) + r)
    k = _gain(p @ np.swapaxes(hm, -1, -2), s)
    ikh = np.eye(x.shape[1]) - k @ hm
    p_new = ikh @ p @ np.swapaxes(ikh, -1, -2) + k @ r @ np.swapaxes(k, -1, -2)
    return x + np.einsum("nij,nj->ni", k, nu), symmetrize(p_new)


@dataclass(frozen=True)
class _Unscented:
    alpha: float = 1.0
    beta: float = 0.0
    kappa: float = 0.0

    def weights(self, d: int) -> tuple[float, np.ndarray, np.ndarray]:
        lam = self.alpha**2 * (d + self.kappa) - d
        wm = np.full(2 * d + 1, 0.5 / (d + lam))
        wc = wm.copy()
        wm[0] = lam / (d + lam)
        wc[0] = wm[0] + 1.0 - self.alpha**2 + self.beta
        return d + lam, wm, wc

    def points(self, x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sigma points ``(n, 2d+1, d)`` and the mean / covariance weights."""
        d = x.shape[1]
        c, wm, wc = self.weights(d)
        low = cholesky_psd(p) * np.sqrt(c)
        cols = np.swapaxes(low, -1, -2)  # rows = columns of the factor
        pts = np.concatenate([x[:, None, :], x[:, None, :] + cols, x[:, None, :] - cols], axis=1)
        return pts, wm, wc


def ukf_predict(
    x: np.ndarray, p: np.ndarray, model: MotionModel, dt: np.ndarray, ut: _Unscented | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Unscented prediction through ``model.propagate_points`` plus ``model.noise``."""
    ut = ut or _Unscented()
    n, d = x.shape
    pts, wm, wc = ut.points(x, p)
    k = pts.shape[1]
    prop = model.propagate_points(pts.reshape(n * k, d), np.repeat(dt, k)).reshape(n, k, d)
    xm = np.einsum("k,nkd->nd", wm, prop)
    dev = prop - xm[:, None, :]
    pm = np.einsum("k,nki,nkj->nij", wc, dev, dev) + model.noise(xm, dt)
    return xm, symmetrize(pm)


def ukf_update(
    x: np.ndarray,
    p: np.ndarray,
    z: np.ndarray,
    r: np.ndarray,
    h: Callable[[np.ndarray], np.ndarray],
    ut: _Unscented | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unscented update with a nonlinear measurement ``z = h(x) + v``."""
    ut = ut or _Unscented()
    n, d = x.shape
    pts, wm, wc = ut.points(x, p)
    k = pts.shape[1]
    zp = h(pts.reshape(n * k, d)).reshape(n, k, -1)
    zm = np.einsum("k,nkm->nm", wm, zp)
    dz = zp - zm[:, None, :]
    dx = pts - x[:, None, :]
    s = symmetrize(np.einsum("k,nki,nkj->nij", wc, dz, dz) + r)
    pxz = np.einsum("k,nki,nkj->nij", wc, dx, dz)
    gain = _gain(pxz, s)
    x_new = x + np.einsum("nij,nj->ni", gain, z - zm)
    p_new = p - gain @ s @ np.swapaxes(gain, -1, -2)
    return x_new, symmetrize(p_new)


@dataclass(frozen=True)
class EkfFilter:
    """Extended Kalman filter with one motion model (role: ``predict`` / ``update``)."""

    model: MotionModel

    @property
    def dim(self) -> int:
        return self.model.dim

    def predict(
        self, x: np.ndarray, p: np.ndarray, dt: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``x' = f(x, dt)``, ``P' = F P F^T + Q``."""
        xn, f = self.model.propagate(x, dt)
        return xn, symmetrize(f @ p @ np.swapaxes(f, -1, -2) + self.model.noise(xn, dt))

    def update(
        self, x: np.ndarray, p: np.ndarray, z: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Update with ENU position measurements; returns ``x, P, nu, S``."""
        return kf_update_position(x, p, z, r)


@dataclass(frozen=True)
class UkfFilter:
    """Unscented Kalman filter with one motion model (role: ``predict`` / ``update``)."""

    model: MotionModel
    alpha: float = 1.0
    beta: float = 0.0
    kappa: float = 0.0

    @property
    def dim(self) -> int:
        return self.model.dim

    def predict(
        self, x: np.ndarray, p: np.ndarray, dt: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return ukf_predict(x, p, self.model, dt, _Unscented(self.alpha, self.beta, self.kappa))

    def update(
        self, x: np.ndarray, p: np.ndarray, z: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Position measurement: linear, so the unscented update equals the Kalman update."""
        return kf_update_position(x, p, z, r)


def mixture_moments(
    mu: np.ndarray, xs: np.ndarray, ps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Moment-matched Gaussian mixture of per-mode estimates ``xs (n, m, d)``,
    ``ps (n, m, d, d)`` with weights ``mu (n, m)`` (Bar-Shalom et al. 2001, eq. 11.6.6-20)."""
    if xs.shape[1] == 1:
        return xs[:, 0], ps[:, 0]
    x = np.einsum("nm,nmd->nd", mu, xs)
    dx = xs - x[:, None, :]
    p = np.einsum("nm,nmij->nij", mu, ps + dx[..., :, None] * dx[..., None, :])
    return x, symmetrize(p)
