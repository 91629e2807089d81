"""Batches battle management produces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Assessment", "FirePlan"]


@dataclass(frozen=True, slots=True)
class Assessment:
    """Threat evaluation, one row per assessed track (scenario ENU frame)."""

    track_id: np.ndarray  # (n,)
    impact_m: np.ndarray  # (n, 2) predicted impact / closest-approach point (east, north)
    impact_cov_m2: np.ndarray  # (n, 2, 2)
    t_impact_s: np.ndarray  # (n,) predicted absolute impact time (inf if none predicted)
    p_hit: np.ndarray  # (n, m) probability of landing inside each defended asset
    threat_value: np.ndarray  # (n,) expected value at stake = sum_j p_hit * value_j

    def __len__(self) -> int:
        return int(self.track_id.shape[0])


@dataclass(frozen=True, slots=True)
class FirePlan:
    """Fire orders: battery ``battery`` fires ``rounds`` at track ``track_id`` at ``t_launch_s``."""

    battery: np.ndarray  # (k,) battery index
    track_id: np.ndarray  # (k,)
    rounds: np.ndarray  # (k,) int
    t_launch_s: np.ndarray  # (k,)
    t_intercept_s: np.ndarray  # (k,) predicted intercept time
    pk: np.ndarray  # (k,) single-shot kill probability used for the decision

    def __len__(self) -> int:
        return int(self.battery.shape[0])

    @staticmethod
    def empty() -> FirePlan:
        z = np.empty(0)
        zi = np.empty(0, dtype=np.int64)
        return FirePlan(zi, zi, zi, z, z, z)
