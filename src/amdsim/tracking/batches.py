"""Batches the tracker produces: the air picture."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Tracks"]


@dataclass(frozen=True, slots=True)
class Tracks:
    """The air picture, one row per track, in the scenario ENU frame.

    ``state`` is ``[x, y, z, vx, vy, vz]`` (m, m/s), optionally followed by model-specific
    terms that downstream code must not assume; ``cov`` its covariance. ``beta_kg_m2`` is the
    estimated ballistic coefficient m/(Cd A) (NaN when the track's model does not estimate it).
    ``status``: 0 tentative, 1 confirmed, 2 deleted (deleted rows are removed on the next update).
    """

    track_id: np.ndarray  # (n,) int64, unique over a run
    state: np.ndarray  # (n, d)
    cov: np.ndarray  # (n, d, d)
    status: np.ndarray  # (n,) int8
    t_update_s: np.ndarray  # (n,) time of the last measurement update
    beta_kg_m2: np.ndarray  # (n,)

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @property
    def pos_m(self) -> np.ndarray:
        return self.state[:, 0:3]

    @property
    def vel_mps(self) -> np.ndarray:
        return self.state[:, 3:6]

    @property
    def confirmed(self) -> np.ndarray:
        return self.status == 1
