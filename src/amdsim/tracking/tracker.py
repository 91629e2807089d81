"""The multi-target tracker: IMM filtering, gating, association, track management.

One cycle per scan (detections grouped by time and sensor, in time order; sequential
processing of the scans of several radars fuses them into one air picture):

1. IMM mixing (Blom and Bar-Shalom, IEEE TAC 33(8), 1988; Bar-Shalom et al. 2001 §11.6.6);
   with one filter this is the plain filter.
2. Each mode filter predicts to the scan time; the moment-matched mixture is used for gating.
3. Gating and association (:mod:`amdsim.tracking.association`): GNN, or cheap JPDA.
4. Mode-matched updates, mode probabilities from the measurement likelihoods, combination.
5. Track management, counted per look instant (one scan time; the scans of several
   sensors at the same time are one instant): a track is hit at an instant when any of
   its scans updated it (one 1 in the M-of-N history, misses reset, confirmation possible
   at that scan), and missed when none did but a sensor that has updated it before
   scanned (one 0 and one miss, however many sensors scanned; a radar that never saw a
   track does not count misses against it). After the instant's last scan: deletion after
   ``max_misses`` consecutive missed instants, after ``max_coast_s`` without an update, or
   when the position standard deviation exceeds ``max_pos_sigma_m`` (tracks started at
   that instant are first tested at the next). With one scan per instant this is plain
   per-scan counting. Unassociated detections start tentative tracks (one-point
   initiation, zero velocity with ``init_vel_sigma_mps``).

Events: ``track_init`` when a track is confirmed, ``track_drop`` when a confirmed track is
deleted (``reason``: misses, coast, covariance or the reason given to :meth:`Tracker.drop`).
Tentative tracks come and go silently. Truth ids in the detections are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
from scipy.special import gammaincinv

from amdsim.core.errors import NumericalFault
from amdsim.core.events import EventBatch
from amdsim.sensors.batches import Detections
from amdsim.tracking import _kernels as kern
from amdsim.tracking._management import (
    EventRows,
    confirm,
    initiate,
    manage,
    mixture_fast,
    prune,
)
from amdsim.tracking.association import (
    cheap_jpda_weights,
    gate,
    gnn_assign,
    jpda_update_mode,
)
from amdsim.tracking.batches import Tracks
from amdsim.tracking.filters import EkfFilter, UkfFilter, log_gaussian, mixture_moments
from amdsim.tracking.models import (
    BallisticDrag,
    ConstantVelocity,
    EnuJ2Gravity,
    FlatAltitude,
    flat_altitude_m,
    uniform_gravity,
)

__all__ = ["Filter", "Tracker"]


@dataclass(frozen=True)
class _KernelSpec:
    """What the kernels need to know about the mode filters."""

    predict: bool  # every mode is an EKF on a model the predict kernel implements
    update: bool  # every mode updates with the linear position Kalman update
    codes: np.ndarray  # (m,) int64 mode codes
    par: np.ndarray  # (m, 5) mode parameters
    rot: np.ndarray  # (3, 3) ENU rotation of the J2 gravity frame
    origin: np.ndarray  # (3,) its ECEF origin


def _kernel_spec(filters: tuple[Any, ...]) -> _KernelSpec:
    m = len(filters)
    codes = np.zeros(m, np.int64)
    par = np.zeros((m, 5))
    rot, origin = np.eye(3), np.zeros(3)
    frames = set()
    ok = True
    for j, f in enumerate(filters):
        mdl = getattr(f, "model", None)
        if type(f) is not EkfFilter:
            ok = False
        elif type(mdl) is ConstantVelocity:
            codes[j], par[j] = kern.CV, (mdl.q_m2ps3, 0.0, 1.0, 0.0, 0.0)
        elif type(mdl) is BallisticDrag and mdl.dim == 7:
            g, alt = mdl.gravity_mps2, mdl.altitude_m
            if g is uniform_gravity:
                gk = 0.0
            elif type(g) is EnuJ2Gravity:
                gk = 1.0
                rot, origin = g.frame.rot, g.frame.origin_ecef_m
                frames.add(id(g.frame))
            else:
                ok = False
                continue
            if alt is flat_altitude_m:
                a0 = 0.0
            elif type(alt) is FlatAltitude:
                a0 = float(alt.alt0_m)
            else:
                ok = False
                continue
            codes[j], par[j] = kern.BALLISTIC, (mdl.q_m2ps3, mdl.q_b, mdl.max_step_s, gk, a0)
        else:
            ok = False
    upd = all(type(f) in (EkfFilter, UkfFilter) for f in filters)
    return _KernelSpec(
        predict=ok and len(frames) <= 1,
        update=upd,
        codes=codes,
        par=par,
        rot=np.ascontiguousarray(rot, float),
        origin=np.ascontiguousarray(origin, float),
    )


class Filter(Protocol):
    """Role of a mode filter: predict and update stacks of states."""

    @property
    def dim(self) -> int: ...

    def predict(
        self, x: np.ndarray, p: np.ndarray, dt: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def update(
        self, x: np.ndarray, p: np.ndarray, z: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Tracker:
    """Multi-target tracker (settings only; the air picture goes in and comes out).

    Parameters
    ----------
    filters : tuple of Filter
        Mode filters on a common state (first six terms ``[p, v]``); more than one makes an IMM.
    p_stay : float
        IMM probability of staying in a mode over one scan.
    associator : "gnn" or "jpda"
    gate_prob : float
        Probability mass inside the Mahalanobis gate (chi-square, 3 dof).
    pd : float
        Detection probability assumed by JPDA.
    clutter_density : float
        False-alarm density assumed by JPDA (1/m^3).
    confirm_m, confirm_n : int
        M-of-N confirmation.
    max_misses : int
        Consecutive missed instants that delete a confirmed track.
    max_tentative_misses : int or None
        Consecutive missed instants that delete a tentative track (besides M-of-N running
        out of reach); None: M-of-N only.
    max_coast_s : float
        Time without update that deletes any track (s).
    max_pos_sigma_m : float
        RMS position standard deviation above which a track is deleted (m).
    init_vel_sigma_mps : float
        Velocity standard deviation of a new track (m/s).
    init_extra_mean, init_extra_sigma : tuple of float
        Mean and standard deviation of the state terms after the sixth (e.g. ``b = 1/beta``
        in m^2/kg, or the accelerations in m/s^2).
    """

    filters: tuple[Any, ...]
    p_stay: float = 0.95
    associator: Literal["gnn", "jpda"] = "gnn"
    gate_prob: float = 0.9997
    pd: float = 0.9
    clutter_density: float = 1e-12
    confirm_m: int = 3
    confirm_n: int = 4
    max_misses: int = 4
    max_tentative_misses: int | None = None
    max_coast_s: float = 10.0
    max_pos_sigma_m: float = 5000.0
    init_vel_sigma_mps: float = 500.0
    init_extra_mean: tuple[float, ...] = ()
    init_extra_sigma: tuple[float, ...] = ()
    estimates_beta: bool = False
    gamma: float = field(init=False)
    _spec: _KernelSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dims = {f.dim for f in self.filters}
        if len(dims) != 1 or min(dims) < 6:
            raise ValueError(
                f"mode filters need one common state dimension >= 6 (got {sorted(dims)})"
            )
        if not 1 <= self.confirm_m <= self.confirm_n <= 63:
            raise ValueError("need 1 <= confirm_m <= confirm_n <= 63")
        if self.associator not in ("gnn", "jpda"):
            raise ValueError(f"associator must be 'gnn' or 'jpda' (got {self.associator!r})")
        extra = self.dim - 6
        if len(self.init_extra_mean) != extra or len(self.init_extra_sigma) != extra:
            object.__setattr__(
                self,
                "init_extra_mean",
                tuple(self.init_extra_mean[:extra])
                + (0.0,) * (extra - len(self.init_extra_mean[:extra])),
            )
            object.__setattr__(
                self,
                "init_extra_sigma",
                tuple(self.init_extra_sigma[:extra])
                + (1.0,) * (extra - len(self.init_extra_sigma[:extra])),
            )
        # chi-square quantile, 3 dof: chi2.ppf(p, k) = 2 gammaincinv(k / 2, p) (scipy.special
        # instead of scipy.stats, whose import costs seconds)
        object.__setattr__(self, "gamma", float(2.0 * gammaincinv(1.5, self.gate_prob)))
        object.__setattr__(self, "_spec", _kernel_spec(tuple(self.filters)))

    @property
    def dim(self) -> int:
        return int(self.filters[0].dim)

    @property
    def n_modes(self) -> int:
        return len(self.filters)

    def _transition(self) -> np.ndarray:
        m = self.n_modes
        if m == 1:
            return np.ones((1, 1))
        pi = np.full((m, m), (1.0 - self.p_stay) / (m - 1))
        np.fill_diagonal(pi, self.p_stay)
        return pi

    # ------------------------------------------------------------------ public API
    def initial(self) -> Tracks:
        """An empty air picture."""
        d, m = self.dim, self.n_modes
        z = np.empty(0)
        return self._pack(
            dict(
                ids=np.empty(0, np.int64),
                ms=np.empty((0, m, d)),
                mc=np.empty((0, m, d, d)),
                mu=np.empty((0, m)),
                status=np.empty(0, np.int8),
                t_upd=z,
                t_state=z,
                hist=np.empty(0, np.uint64),
                n_counted=np.empty(0, np.int64),
                misses=np.empty(0, np.int64),
                sensors=np.empty(0, np.int64),
                next_id=0,
            )
        )

    def predict(self, tracks: Tracks, t_s: float) -> Tracks:
        """All tracks predicted to ``t_s`` (no measurement)."""
        s = self._unpack(tracks)
        self._predict_modes(s, float(t_s), mix=False)
        return self._pack(s)

    def update(
        self, tracks: Tracks, detections: Detections, t_s: float
    ) -> tuple[Tracks, EventBatch]:
        """Process every scan in ``detections`` (times <= ``t_s``) and predict to ``t_s``.

        All scans of one instant must be in one call (an instant is closed at the end)."""
        s = self._unpack(tracks)
        events: list[EventBatch] = []
        rows = EventRows()  # events of the kernel path, in order
        n = len(detections)
        if n:
            order = np.lexsort((detections.sensor, detections.t_s))
            key_t, key_s = detections.t_s[order], detections.sensor[order]
            brk = np.flatnonzero((np.diff(key_t) != 0) | (np.diff(key_s) != 0)) + 1
            # a scan is the last of its instant when the next scan has another time
            t_grp = key_t[np.concatenate([[0], brk])]
            last = np.append(t_grp[1:] != t_grp[:-1], True)
            for grp, close in zip(np.split(order, brk), last.tolist(), strict=True):
                t_scan = float(detections.t_s[grp[0]])
                sensor = int(detections.sensor[grp[0]])
                try:
                    events.extend(self._scan(s, detections, grp, t_scan, sensor, close, rows))
                except np.linalg.LinAlgError as exc:
                    raise NumericalFault("tracking", t_scan, s["ids"].tolist(), str(exc)) from exc
        self._predict_modes(s, float(t_s), mix=False)
        events += prune(self, s, float(t_s), rows)
        events.append(rows.batch())
        return self._pack(s), EventBatch.concat(events)

    def drop(
        self, tracks: Tracks, track_ids: np.ndarray, t_s: float, reason: str = "killed"
    ) -> tuple[Tracks, EventBatch]:
        """Remove tracks by id (e.g. their threat was intercepted); ``track_drop`` events for
        the confirmed ones among them."""
        gone = np.isin(tracks.track_id, np.asarray(track_ids, np.int64))
        conf = gone & (tracks.status == 1)
        ev = EventBatch.make(
            "track_drop",
            t_s,
            track_id=tracks.track_id[conf],
            pos_m=tracks.pos_m[conf],
            reason=reason,
        )
        return tracks.select(~gone), ev

    # ------------------------------------------------------------------ internals
    def _unpack(self, t: Tracks) -> dict[str, Any]:
        if t.mode_state is None:
            raise ValueError(
                "Tracks were not produced by this Tracker (no mode states); start from Tracker.initial()"
            )
        keep = t.status != 2
        opt: dict[str, Any] = {
            "ms": t.mode_state,
            "mc": t.mode_cov,
            "mu": t.mode_prob,
            "t_state": t.t_state_s,
            "hist": t.hist,
            "n_counted": t.n_counted,
            "misses": t.misses,
            "sensors": t.sensors,
        }
        out: dict[str, Any] = {k: v[keep] for k, v in opt.items()}
        out["inst"] = np.zeros(int(keep.sum()), np.int8)  # no instant open between updates
        out.update(
            ids=t.track_id[keep],
            status=t.status[keep],
            t_upd=t.t_update_s[keep],
            next_id=t.next_id,
        )
        return out

    def _pack(self, s: dict[str, Any]) -> Tracks:
        x, p = mixture_fast(s["mu"], s["ms"], s["mc"])
        if self.estimates_beta and len(x):
            b = x[:, 6]
            with np.errstate(divide="ignore"):
                beta = np.where(b > 0, 1.0 / np.where(b > 0, b, 1.0), np.inf)
        else:
            beta = np.full(x.shape[0], np.nan)
        return Tracks(
            track_id=s["ids"],
            state=x,
            cov=p,
            status=s["status"],
            t_update_s=s["t_upd"],
            beta_kg_m2=beta,
            t_state_s=s["t_state"],
            mode_prob=s["mu"],
            mode_state=s["ms"],
            mode_cov=s["mc"],
            hist=s["hist"],
            n_counted=s["n_counted"],
            misses=s["misses"],
            sensors=s["sensors"],
            next_id=int(s["next_id"]),
        )

    def _predict_modes(self, s: dict[str, Any], t: float, mix: bool) -> np.ndarray:
        """Mix (IMM) and predict every mode to ``t`` in place; returns the predicted mode
        probabilities ``c (n, m)``."""
        n = s["ids"].shape[0]
        if n == 0:
            return s["mu"]
        if kern.ENABLED and self._spec.predict:
            # in place: the working dict owns its arrays (copies made by _unpack / prune /
            # initiate), never the caller's Tracks
            sp = self._spec
            kern.imm_predict(
                s["ms"], s["mc"], s["mu"], s["t_state"], t, mix, self._pi,
                sp.codes, sp.par, sp.rot, sp.origin,
            )  # fmt: skip
            return s["mu"]
        dt = np.maximum(t - s["t_state"], 0.0)
        ms, mc, mu = s["ms"], s["mc"], s["mu"]
        if mix and self.n_modes > 1:
            pi = self._transition()
            c = mu @ pi
            w = mu[:, :, None] * pi[None, :, :] / np.maximum(c[:, None, :], 1e-300)
            x0 = np.einsum("nij,nid->njd", w, ms)
            dx = ms[:, :, None, :] - x0[:, None, :, :]
            p0 = np.einsum(
                "nij,nijab->njab", w, mc[:, :, None] + dx[..., :, None] * dx[..., None, :]
            )
            ms, mc, mu = x0, p0, c
        if np.any(dt > 0) or mix:
            out_x = np.empty_like(ms)
            out_p = np.empty_like(mc)
            for j, f in enumerate(self.filters):
                out_x[:, j], out_p[:, j] = f.predict(ms[:, j], mc[:, j], dt)
            ms, mc = out_x, out_p
        s["ms"], s["mc"], s["mu"], s["t_state"] = ms, mc, mu, np.maximum(s["t_state"], t)
        return mu

    @property
    def _pi(self) -> np.ndarray:
        return self._transition()

    def _scan(
        self,
        s: dict[str, Any],
        det: Detections,
        rows: np.ndarray,
        t: float,
        sensor: int,
        close: bool = True,
        out: EventRows | None = None,
    ) -> list[EventBatch]:
        """One scan; ``close``: it is the last scan of the instant ``t``."""
        z, r = det.pos_m[rows], det.cov_m2[rows]
        if not (np.all(np.isfinite(z)) and np.all(np.isfinite(r))):
            raise NumericalFault("tracking", t, [], f"non-finite detection from sensor {sensor}")
        if kern.ENABLED and self.associator == "gnn" and self._spec.update:
            return self._scan_kernels(s, z, r, t, sensor, close, out)
        c = self._predict_modes(s, t, mix=True)
        ms, mc = s["ms"], s["mc"]
        n, m_det = ms.shape[0], rows.shape[0]
        x, p = mixture_moments(c, ms, mc)
        pairs = gate(x[:, 0:3], p[:, 0:3, 0:3], z, r, self.gamma)
        loglik = np.zeros((n, self.n_modes))
        hit = np.zeros(n, bool)
        used = np.zeros(m_det, bool)
        # stage 1: confirmed tracks take their detections first (a tentative track's wide
        # gate must not steal them); stage 2: tentative tracks share what is left
        conf_pair = s["status"][pairs.track] == 1
        pc = pairs.subset(conf_pair)
        if self.associator == "gnn":
            ti, dj = gnn_assign(pc, n, m_det, self.gamma)
        else:
            beta, beta0 = cheap_jpda_weights(pc, n, m_det, self.pd, self.clutter_density)
            hit = (1.0 - beta0) > 0.5
            for j in range(self.n_modes):
                loglik[:, j] = jpda_update_mode(
                    ms, mc, j, pc, beta, beta0, z, r, self.pd, self.clutter_density
                )
            used[pc.det] = True
            ti = dj = np.empty(0, np.int64)
        used[dj] = True
        t2, d2 = gnn_assign(pairs.subset(~conf_pair & ~used[pairs.det]), n, m_det, self.gamma)
        ti, dj = np.concatenate([ti, t2]), np.concatenate([dj, d2])
        hit[ti] = True
        used[dj] = True
        if ti.size:
            for j, f in enumerate(self.filters):
                xj, pj, nu, sj = f.update(ms[ti, j], mc[ti, j], z[dj], r[dj])
                ms[ti, j], mc[ti, j] = xj, pj
                loglik[ti, j] = log_gaussian(nu, sj)[1]
        if self.n_modes > 1 and hit.any():
            lw = np.log(np.maximum(c[hit], 1e-300)) + loglik[hit]
            lw -= lw.max(axis=1, keepdims=True)
            w = np.exp(lw)
            c = c.copy()
            c[hit] = w / w.sum(axis=1, keepdims=True)
        s["mu"] = c
        return self._close_scan(s, z, r, hit, used, t, sensor, close, out)

    def _close_scan(
        self,
        s: dict[str, Any],
        z: np.ndarray,
        r: np.ndarray,
        hit: np.ndarray,
        used: np.ndarray,
        t: float,
        sensor: int,
        close: bool,
        out: EventRows | None,
    ) -> list[EventBatch]:
        """Management after the update (both paths): count the scan, confirm and delete, then
        start tentative tracks on the detections no track used."""
        events = manage(self, s, hit, t, sensor, out, close)
        new = ~used
        if new.any():
            initiate(self, s, z[new], r[new], t, sensor, born=not close)
            if self.confirm_m == 1:  # else no track can confirm here: manage just did
                events += confirm(self, s, t, out)
        return events

    def _scan_kernels(
        self,
        s: dict[str, Any],
        z: np.ndarray,
        r: np.ndarray,
        t: float,
        sensor: int,
        close: bool = True,
        out: EventRows | None = None,
    ) -> list[EventBatch]:
        """:meth:`_scan` for GNN with the Numba kernels: same cycle, same results to rounding."""
        c = self._predict_modes(s, t, mix=True)
        ms, mc = s["ms"], s["mc"]
        n, m_det = ms.shape[0], z.shape[0]
        px, pp = kern.mixture_pos(c, ms, mc)
        ti, dj, d2, ll, ok = kern.gate_pairs(px, pp, z, r, self.gamma)
        if not ok:
            raise np.linalg.LinAlgError("gate: innovation covariance not positive definite")
        at, ad = kern.gnn_two_stage(ti, dj, d2, ll, s["status"], n, m_det, self.gamma)
        hit = np.zeros(n, bool)
        used = np.zeros(m_det, bool)
        hit[at] = True
        used[ad] = True
        if at.size and not kern.kf_update_imm(ms, mc, s["mu"], at, ad, z, r):
            raise np.linalg.LinAlgError("update: innovation covariance not positive definite")
        return self._close_scan(s, z, r, hit, used, t, sensor, close, out)
