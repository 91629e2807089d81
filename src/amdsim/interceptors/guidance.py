"""Homing guidance laws: proportional navigation (pure, true) and augmented PN.

Every law plays one role, :class:`Guidance`, with one verb ``command``: given the relative
state of the target seen from each interceptor, it returns the commanded acceleration
``(n, 3)`` (m/s^2), before any acceleration limit. All laws are vectorised over the rows and
never return NaN: a zero range or a zero velocity gives a zero command (the engagement layer
turns those singular geometries into a logged miss).

Notation (Zarchan, *Tactical and Strategic Missile Guidance*, AIAA, ch. 2 and 8):
``r = p_T - p_M`` (line of sight, LOS), ``v = v_T - v_M``, LOS rate vector
:math:`\\boldsymbol\\Omega = \\mathbf r \\times \\mathbf v / |\\mathbf r|^2`, closing speed
:math:`V_c = -\\mathbf r \\cdot \\mathbf v / |\\mathbf r|`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["LAWS", "AugmentedPN", "Guidance", "PurePN", "TruePN", "cross", "los_rate"]

_TINY = 1e-12


class Guidance(Protocol):
    """A homing guidance law."""

    def command(
        self,
        rel_pos_m: np.ndarray,
        rel_vel_mps: np.ndarray,
        own_vel_mps: np.ndarray,
        tgt_acc_mps2: np.ndarray,
        nav_gain: np.ndarray,
    ) -> np.ndarray:
        """Commanded acceleration ``(n, 3)`` (m/s^2).

        Parameters
        ----------
        rel_pos_m, rel_vel_mps : (n, 3)
            Target minus interceptor position (m) and velocity (m/s).
        own_vel_mps : (n, 3)
            Interceptor velocity (m/s).
        tgt_acc_mps2 : (n, 3)
            Estimated target acceleration relative to the interceptor's uncontrolled
            acceleration (target acceleration minus gravity at the interceptor), m/s^2.
            Used only by laws that augment PN.
        nav_gain : (n,)
            Effective navigation ratio N'.
        """
        ...


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of ``(n, 3)`` arrays (faster than ``np.cross`` for small n)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def los_rate(rel_pos_m: np.ndarray, rel_vel_mps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LOS rate vector ``Omega`` (n, 3) (rad/s) and closing speed ``Vc`` (n,) (m/s).

    .. math:: \\Omega = \\frac{r \\times v}{|r|^2}, \\qquad V_c = -\\frac{r\\cdot v}{|r|}

    Zero range gives zero LOS rate and zero closing speed (never NaN).
    """
    r = np.asarray(rel_pos_m, float)
    v = np.asarray(rel_vel_mps, float)
    r2 = np.einsum("ij,ij->i", r, r)
    ok = r2 > _TINY
    inv_r2 = np.where(ok, 1.0 / np.where(ok, r2, 1.0), 0.0)
    omega = cross(r, v) * inv_r2[:, None]
    vc = -np.einsum("ij,ij->i", r, v) * np.sqrt(inv_r2)
    return omega, vc


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.sqrt(np.einsum("ij,ij->i", x, x))
    ok = n > _TINY
    return x * np.where(ok, 1.0 / np.where(ok, n, 1.0), 0.0)[:, None]


class TruePN:
    """True proportional navigation: ``a = N' Vc (Omega x r_hat)``, normal to the LOS.

    In a plane this is Zarchan's :math:`n_c = N' V_c \\dot\\lambda` applied perpendicular to
    the line of sight (Zarchan ch. 2, listing C2L1).
    """

    def command(
        self,
        rel_pos_m: np.ndarray,
        rel_vel_mps: np.ndarray,
        own_vel_mps: np.ndarray,
        tgt_acc_mps2: np.ndarray,
        nav_gain: np.ndarray,
    ) -> np.ndarray:
        omega, vc = los_rate(rel_pos_m, rel_vel_mps)
        r_hat = _unit(np.asarray(rel_pos_m, float))
        return (np.asarray(nav_gain, float) * vc)[:, None] * cross(omega, r_hat)


class PurePN:
    """Pure proportional navigation: ``a = N' |v_M| (Omega x v_hat_M)``, normal to the
    interceptor velocity (Zarchan ch. 8; aerodynamic lift acts normal to the velocity)."""

    def command(
        self,
        rel_pos_m: np.ndarray,
        rel_vel_mps: np.ndarray,
        own_vel_mps: np.ndarray,
        tgt_acc_mps2: np.ndarray,
        nav_gain: np.ndarray,
    ) -> np.ndarray:
        omega, _ = los_rate(rel_pos_m, rel_vel_mps)
        vm = np.asarray(own_vel_mps, float)
        speed = np.sqrt(np.einsum("ij,ij->i", vm, vm))
        return (np.asarray(nav_gain, float) * speed)[:, None] * cross(omega, _unit(vm))


class AugmentedPN:
    """Augmented PN: true PN plus ``N'/2`` times the target acceleration normal to the LOS.

    .. math:: a = N' V_c\\, \\Omega \\times \\hat r + \\tfrac{N'}{2}\\, a_{T\\perp}

    Removes the step-manoeuvre miss of PN for a perfect acceleration estimate and halves
    the peak command (Zarchan ch. 8).
    """

    def command(
        self,
        rel_pos_m: np.ndarray,
        rel_vel_mps: np.ndarray,
        own_vel_mps: np.ndarray,
        tgt_acc_mps2: np.ndarray,
        nav_gain: np.ndarray,
    ) -> np.ndarray:
        base = TruePN().command(rel_pos_m, rel_vel_mps, own_vel_mps, tgt_acc_mps2, nav_gain)
        r_hat = _unit(np.asarray(rel_pos_m, float))
        at = np.asarray(tgt_acc_mps2, float)
        at_perp = at - np.einsum("ij,ij->i", at, r_hat)[:, None] * r_hat
        return base + 0.5 * np.asarray(nav_gain, float)[:, None] * at_perp


LAWS: dict[str, Guidance] = {"pn": TruePN(), "ppn": PurePN(), "apn": AugmentedPN()}
"""Guidance laws by the catalog name (``InterceptorType.guidance``)."""
