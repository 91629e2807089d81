"""What one run returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amdsim.core.events import EventBatch

__all__ = ["RunResult", "flatten_summary"]


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced. The event log is the one output; the rest derives from it
    (``summary``) or is sampled for display (``trajectories``, ``tracks``).

    Attributes
    ----------
    scenario_name, seed
    events : EventBatch
        Sorted by ``(t_s, stage order, sequence)``; identical for the same scenario and seed.
    summary : dict
        Metrics, each ``{"value": x, "unit": "..."}`` or a nested mapping of those (see
        :func:`amdsim.simulation.summary.summarise`).
    trajectories : dict[str, np.ndarray]
        Truth samples every ``sample_period_s``: columns t_s, object, id, type, x_m, y_m, z_m,
        lat_deg, lon_deg, alt_m.
    tracks : dict[str, np.ndarray]
        Confirmed-track estimates, same sampling: t_s, track_id, x_m, y_m, z_m, vx_mps, vy_mps, vz_mps.
    meta : dict
        Scenario description for reports and the viewer (``run.json``).
    """

    scenario_name: str
    seed: int
    events: EventBatch
    summary: dict[str, Any]
    trajectories: dict[str, np.ndarray] = field(default_factory=dict)
    tracks: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        """The summary flattened to scalar metrics (``impacts_per_asset.City A`` style keys)."""
        return flatten_summary(self.summary)


def flatten_summary(summary: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Flatten ``{"a": {"value": 1, "unit": "m"}, "b": {"x": {"value": 2}}}`` to
    ``{"a": 1.0, "b.x": 2.0}``; non-numeric leaves are skipped."""
    out: dict[str, float] = {}
    for key, val in summary.items():
        name = f"{prefix}{key}"
        if isinstance(val, dict) and "value" in val and not isinstance(val["value"], dict):
            v = val["value"]
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                out[name] = float(v)
        elif isinstance(val, dict):
            out.update(flatten_summary(val, name + "."))
        elif isinstance(val, (int, float, np.integer, np.floating)) and not isinstance(val, bool):
            out[name] = float(val)
    return out
