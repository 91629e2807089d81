"""Linearised homing loop (Zarchan, *Tactical and Strategic Missile Guidance*, ch. 2-3, 8).

The engagement is linearised about the collision triangle: ``y`` is the relative lateral
displacement (target minus missile), the line-of-sight angle is
:math:`\\lambda = y / (V_c t_{go})`, proportional navigation commands
:math:`n_c = N' V_c \\dot\\lambda` and the flight control system is a single lag
:math:`n_L = n_c / (1 + \\tau s)` (``tau = 0`` for the zero-lag loop). With a step target
manoeuvre ``n_T`` and a heading error ``HE`` (rad):

.. math::
    \\ddot y = n_T - n_L, \\qquad y(0) = 0, \\qquad \\dot y(0) = -V_M\\, HE,
    \\qquad \\dot\\lambda = \\frac{y + \\dot y\\, t_{go}}{V_c\\, t_{go}^2}.

This module integrates the loop forward (RK4) for reference tests and for documentation of
the miss-distance behaviour; it is not used by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LinearHomingResult", "simulate_linear_homing"]


@dataclass(frozen=True)
class LinearHomingResult:
    """Time histories of ``m`` linear engagements (consistent units, e.g. ft, s or m, s)."""

    t_s: np.ndarray  # (k, m)
    y: np.ndarray  # (k, m) relative displacement
    n_c: np.ndarray  # (k, m) commanded acceleration
    miss: np.ndarray  # (m,) y at t_F


def simulate_linear_homing(
    nav_gain: np.ndarray | float,
    t_final_s: np.ndarray | float,
    closing_speed: np.ndarray | float,
    missile_speed: np.ndarray | float,
    heading_error_rad: np.ndarray | float = 0.0,
    target_accel: np.ndarray | float = 0.0,
    tau_s: np.ndarray | float = 0.0,
    n_steps: int = 4000,
) -> LinearHomingResult:
    """Integrate the linear homing loop from ``t = 0`` to ``t_final_s`` (RK4, ``n_steps``).

    Parameters broadcast to ``(m,)`` engagements, integrated together with the step
    ``t_final_s / n_steps`` each. The loop is stopped one step before ``t_F`` (where
    ``lambda_dot`` is singular) and the miss is the displacement extrapolated to ``t_F`` with
    the last relative velocity.
    """
    n, tf, vc, vm, he, nt, tau = (
        np.atleast_1d(np.asarray(a, float))
        for a in np.broadcast_arrays(
            nav_gain,
            t_final_s,
            closing_speed,
            missile_speed,
            heading_error_rad,
            target_accel,
            tau_s,
        )
    )
    h = tf / n_steps
    lag = tau > 0
    tau_safe = np.where(lag, tau, 1.0)

    def deriv(t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y, yd, nl = x
        tgo = tf - t
        nc = n * (y + yd * tgo) / (tgo * tgo)  # N' Vc lambda_dot
        nl_dot = np.where(lag, (nc - nl) / tau_safe, 0.0)
        nl_eff = np.where(lag, nl, nc)
        return np.stack([yd, nt - nl_eff, nl_dot]), nc

    x = np.stack([np.zeros_like(tf), -vm * he, np.zeros_like(tf)])
    ts = np.empty((n_steps, tf.size))
    ys = np.empty((n_steps, tf.size))
    ncs = np.empty((n_steps, tf.size))
    for i in range(n_steps - 1):
        t = i * h
        k1, nc = deriv(t, x)
        ts[i], ys[i], ncs[i] = t, x[0], nc
        k2, _ = deriv(t + h / 2, x + h / 2 * k1)
        k3, _ = deriv(t + h / 2, x + h / 2 * k2)
        k4, _ = deriv(t + h, x + h * k3)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    t = (n_steps - 1) * h
    _, nc = deriv(t, x)
    ts[-1], ys[-1], ncs[-1] = t, x[0], nc
    del vc  # the closing speed cancels in the linear loop (n_c = N' (y + y' t_go) / t_go^2)
    return LinearHomingResult(ts, ys, ncs, x[0] + x[1] * h)
