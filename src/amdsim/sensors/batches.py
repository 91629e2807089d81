"""Batches the sensors produce."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Detections"]


@dataclass(frozen=True, slots=True)
class Detections:
    """One row per detection, positions in the scenario ENU frame (m).

    ``truth_id`` is the threat id that produced the detection (-1 for a false alarm);
    it is kept for scoring only and is never read by the tracker.
    """

    t_s: np.ndarray  # (n,) detection time
    sensor: np.ndarray  # (n,) int radar index
    range_m: np.ndarray  # (n,) measured slant range
    az_rad: np.ndarray  # (n,) measured azimuth, clockwise from north
    el_rad: np.ndarray  # (n,) measured elevation
    pos_m: np.ndarray  # (n, 3) measured position converted to ENU
    cov_m2: np.ndarray  # (n, 3, 3) position measurement covariance (ENU)
    truth_id: np.ndarray  # (n,) int, -1 = false alarm

    def __len__(self) -> int:
        return int(self.t_s.shape[0])
