"""Threats: catalog types as arrays, raid expansion, launch solutions and flight.

Engine API::

    state = build_threats(scenario, catalog, frame, rng)          # ThreatState, ids 0..n-1
    flight = ThreatFlight(dt_max_s=scenario.dt_s)
    state, impacts = flight.advance(state, t_s, dt_s)              # Impacts batch
    state = kill(state, threat_ids)                                # intercepted threats
    view = truth_view(state, frame)                                # ENU truth for the sensors
"""

from amdsim.threats.build import build_threats, check_reachable, launch_times, make_threats
from amdsim.threats.flight import Impacts, ThreatFlight, ThreatState, TruthView, kill, truth_view
from amdsim.threats.launch import FlightInit, LaunchSolution, fly_to_impact, solve_launch
from amdsim.threats.params import TypeArrays

__all__ = [
    "FlightInit",
    "Impacts",
    "LaunchSolution",
    "ThreatFlight",
    "ThreatState",
    "TruthView",
    "TypeArrays",
    "build_threats",
    "check_reachable",
    "fly_to_impact",
    "kill",
    "launch_times",
    "make_threats",
    "solve_launch",
    "truth_view",
]
