"""Memory estimate of a run, checked before it starts (a run too large is refused up front).

The estimate counts what grows with the scenario (all arrays are float64/int64 or object
pointers, 8 bytes a cell):

* the event log, dominated by radar ``detect`` events: at most one per radar, per revisit,
  per threat in flight (every threat seen by every radar with Pd = 1: an upper bound);
  ``_EVENT_ROW_B`` bytes a row, held ``_EVENT_COPIES`` times at the end of a run (the per-step
  batches, their concatenation, the time-sorted copy and the labelled copy);
* the display samples: one truth row and one track row per threat in flight per sample period
  (``_SAMPLE_ROW_B`` bytes together), held twice (lists and their concatenation);
* the live state: threats, tracks (up to ``_TRACKS_PER_THREAT`` per threat: tentative and
  false tracks), their IMM mode states and covariances;
* a fixed base for the interpreter and the imported libraries (NumPy, SciPy, Numba).

The time a threat spends in flight is bounded by the vacuum flight time of its maximum range
at 45 degrees, ``sqrt(2 R / g)`` (a rocket with drag flies a shorter arc), or ``R / v`` for a
threat with a cruise speed, capped by the run's duration.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from amdsim.core.errors import AmdsimError

__all__ = [
    "available_memory_bytes",
    "check_memory",
    "estimate_detect_events",
    "estimate_memory_bytes",
]

_BASE_B = 400e6  # interpreter + NumPy/SciPy/Numba/pydantic, measured ~0.25-0.35 GB
_EVENT_ROW_B = 15 * 8  # 15 columns of 8 bytes (core.events)
_EVENT_COPIES = 3.0
_SAMPLE_ROW_B = 11 * 8 + 8 * 8  # truth sample (11 columns) + track sample (8 columns)
_SAMPLE_COPIES = 2.0
_STATE_ROW_B = 2_000  # per live threat: truth state, tracks' mode states/covariances, batches
_TRACKS_PER_THREAT = 3.0
_G_MPS2 = 9.80665
_SAFETY = 1.25


def _flight_time_s(threat_type: Any, duration_s: float) -> float:
    r = float(getattr(threat_type, "max_range_m", 0.0) or 0.0)
    v = float(getattr(threat_type, "cruise_speed_mps", 0.0) or 0.0)
    t = r / v if v > 0 else math.sqrt(2.0 * r / _G_MPS2)
    return min(max(t, 1.0), duration_s)


def _threat_seconds(scenario: Any) -> float:
    """Upper bound of the threat-seconds in flight of a run (s)."""
    duration = float(scenario.duration_s)
    catalog = scenario.catalog_resolved
    return float(
        sum(r.count * _flight_time_s(catalog.threats[r.threat], duration) for r in scenario.raids)
    )


def estimate_detect_events(scenario: Any) -> float:
    """Upper bound of the number of radar ``detect`` events of a run: every threat in flight
    seen by every radar at every revisit."""
    catalog = scenario.catalog_resolved
    looks_per_s = sum(1.0 / float(catalog.radars[r.type].revisit_s) for r in scenario.radars)
    return _threat_seconds(scenario) * looks_per_s


def estimate_memory_bytes(scenario: Any, sample_period_s: float = 1.0) -> int:
    """Upper-bound estimate of the peak memory (bytes) a run of ``scenario`` needs.

    Parameters
    ----------
    scenario
        A loaded :class:`amdsim.scenario.Scenario`.
    sample_period_s
        Sampling period of the display trajectories (``run(..., sample_period_s=)``).
    """
    duration = float(scenario.duration_s)
    threat_s = _threat_seconds(scenario)
    n_threats = int(scenario.n_threats)
    detect_rows = estimate_detect_events(scenario)
    sample_rows = threat_s / max(float(sample_period_s), 1e-3)
    live = max(threat_s / duration, 1.0) if duration > 0 else float(n_threats)
    total = (
        _BASE_B
        + detect_rows * _EVENT_ROW_B * _EVENT_COPIES
        + sample_rows * _SAMPLE_ROW_B * _SAMPLE_COPIES
        + n_threats * _STATE_ROW_B
        + live * _TRACKS_PER_THREAT * _STATE_ROW_B
    )
    return int(total * _SAFETY)


def available_memory_bytes(meminfo: str | os.PathLike[str] = "/proc/meminfo") -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes (None where it cannot be read)."""
    try:
        for line in Path(meminfo).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(
    scenario: Any, sample_period_s: float = 1.0, available_b: int | None = None
) -> int:
    """Refuse a run that will not fit in memory; returns the estimate (bytes).

    Raises
    ------
    AmdsimError
        ``"... needs about X GB, this machine has Y GB available"`` when the estimate exceeds
        ``available_b`` (default: ``MemAvailable`` of ``/proc/meminfo``; no check where that
        cannot be read).
    """
    need = estimate_memory_bytes(scenario, sample_period_s)
    have = available_memory_bytes() if available_b is None else int(available_b)
    if have is not None and need > have:
        raise AmdsimError(
            f"scenario {getattr(scenario, 'name', '?')!r} is too large for this machine: it "
            f"needs about {need / 1e9:.1f} GB, this machine has {have / 1e9:.1f} GB available "
            f"({scenario.n_threats:,} threats, {len(scenario.radars)} radars, "
            f"{float(scenario.duration_s):,.0f} s); split the raid, shorten the run, or use "
            "fewer radars"
        )
    return need
