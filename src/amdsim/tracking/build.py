"""Ready-made trackers: by model name, and the engine's default for a scenario."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from amdsim.core.frames import LocalFrame
from amdsim.tracking.filters import EkfFilter, UkfFilter
from amdsim.tracking.models import (
    BallisticDrag,
    ConstantAcceleration,
    ConstantVelocity,
    EnuJ2Gravity,
    FlatAltitude,
    flat_altitude_m,
    uniform_gravity,
)
from amdsim.tracking.tracker import Tracker

__all__ = ["MODELS", "build_tracker", "enu_gravity", "make_tracker"]

MODELS = ("cv", "ca", "ballistic", "imm")

B0_M2PKG = 1.0e-4
"""Initial inverse ballistic coefficient 1/beta (m^2/kg): beta = 10 t/m^2, between rockets
(~5 t/m^2) and ballistic missiles (tens of t/m^2). ASSUMPTION, with a wide prior."""
B0_SIGMA_M2PKG = 2.0e-4


def enu_gravity(frame: LocalFrame) -> Callable[[np.ndarray], np.ndarray]:
    """J2 gravity in the axes of the scenario ENU frame, ``pos (n, 3) -> (n, 3)`` (m/s^2)."""
    return EnuJ2Gravity(frame)


def _altitude_with_offset(alt0_m: float) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    return FlatAltitude(alt0_m)


def make_tracker(
    model: Literal["cv", "ca", "ballistic", "imm"] = "cv",
    filter: Literal["ekf", "ukf"] = "ekf",
    q_cv_m2ps3: float = 10.0,
    q_ca_m2ps5: float = 1.0,
    q_ballistic_m2ps3: float = 1.0,
    gravity_mps2: Callable[[np.ndarray], np.ndarray] = uniform_gravity,
    altitude_m: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] = flat_altitude_m,
    **settings: Any,
) -> Tracker:
    """A :class:`Tracker` for a named motion model.

    ``cv``: constant velocity (6 states); ``ca``: constant acceleration (9 states);
    ``ballistic``: gravity + drag with ``1/beta`` estimated (7 states); ``imm``: IMM of
    constant velocity and ballistic on the common 7-state. ``settings`` go to
    :class:`Tracker` (gates, M-of-N, deletion, associator ...).
    """
    wrap = EkfFilter if filter == "ekf" else UkfFilter
    if filter not in ("ekf", "ukf"):
        raise ValueError(f"filter must be 'ekf' or 'ukf' (got {filter!r})")
    ball = BallisticDrag(
        q_m2ps3=q_ballistic_m2ps3, gravity_mps2=gravity_mps2, altitude_m=altitude_m
    )
    if model == "cv":
        filters: tuple[Any, ...] = (wrap(ConstantVelocity(q_m2ps3=q_cv_m2ps3)),)
        extra: dict[str, Any] = {}
    elif model == "ca":
        filters = (wrap(ConstantAcceleration(q_m2ps5=q_ca_m2ps5)),)
        extra = {"init_extra_mean": (0.0, 0.0, 0.0), "init_extra_sigma": (30.0, 30.0, 30.0)}
    elif model == "ballistic":
        filters = (wrap(ball),)
        extra = {
            "init_extra_mean": (B0_M2PKG,),
            "init_extra_sigma": (B0_SIGMA_M2PKG,),
            "estimates_beta": True,
        }
    elif model == "imm":
        filters = (wrap(ConstantVelocity(q_m2ps3=q_cv_m2ps3, dim=7)), wrap(ball))
        extra = {
            "init_extra_mean": (B0_M2PKG,),
            "init_extra_sigma": (B0_SIGMA_M2PKG,),
            "estimates_beta": True,
        }
    else:
        raise ValueError(f"model must be one of {MODELS} (got {model!r})")
    extra.update(settings)
    return Tracker(filters=filters, **extra)


def build_tracker(scenario: Any, catalog: Any, frame: LocalFrame, **settings: Any) -> Tracker:
    """The engine's tracker: EKF IMM of constant velocity (drones, cruise missiles) and
    ballistic-with-drag (rockets, missiles) with J2 gravity in the scenario ENU axes.

    Defaults suit ~1 s radar revisits: 3-of-4 confirmation, deletion after 4 counted misses
    or 10 s without update. ``settings`` override any :class:`Tracker` setting.
    ``scenario`` and ``catalog`` are accepted for future per-scenario tuning.
    """
    del scenario, catalog
    alt0 = float(frame.alt_m)
    defaults: dict[str, Any] = {
        "init_vel_sigma_mps": 1000.0,
        "max_pos_sigma_m": 5000.0,
        "gravity_mps2": enu_gravity(frame),
        "altitude_m": _altitude_with_offset(alt0) if alt0 else flat_altitude_m,
    }
    defaults.update(settings)
    return make_tracker("imm", **defaults)
