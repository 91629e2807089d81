"""Interceptors and batteries: flyout, guidance, closest approach and kill; guns and lasers.

Engine API (see ``docs/interceptors.md``)::

    batteries = build_batteries(scenario, catalog, frame)
    flyouts = Flyouts.empty(batteries.table)
    batteries, events = tick(batteries, t_s)                       # reloads
    batteries, flyouts, events = fire(batteries, flyouts, battery_idx, track_id, rounds, t_s, tracks)
    flyouts, outcomes, events = advance(flyouts, t_s, dt_s, tracks, truth_id, truth_pos_m,
                                        truth_vel_mps, rng)
    envelope = envelope_for("iron_dome", catalog)                  # for battle management
"""

from amdsim.interceptors.battery import BatteryState, build_batteries, fire, tick
from amdsim.interceptors.envelope import (
    GunEnvelope,
    LaserEnvelope,
    TableEnvelope,
    envelope_for,
    generate_table,
    system_envelope,
)
from amdsim.interceptors.flyouts import MODE_GUN, MODE_LASER, MODE_MISSILE, Flyouts, Outcomes
from amdsim.interceptors.guidance import LAWS, AugmentedPN, Guidance, PurePN, TruePN
from amdsim.interceptors.homing import advance
from amdsim.interceptors.kinematics import InterceptorTable
from amdsim.interceptors.protocols import Envelope

__all__ = [
    "LAWS",
    "MODE_GUN",
    "MODE_LASER",
    "MODE_MISSILE",
    "AugmentedPN",
    "BatteryState",
    "Envelope",
    "Flyouts",
    "Guidance",
    "GunEnvelope",
    "InterceptorTable",
    "LaserEnvelope",
    "Outcomes",
    "PurePN",
    "TableEnvelope",
    "TruePN",
    "advance",
    "build_batteries",
    "envelope_for",
    "fire",
    "generate_table",
    "system_envelope",
    "tick",
]
