"""What battle management needs from an interceptor type, agreed in code.

The interceptors layer builds one :class:`Envelope` per interceptor (or gun / laser) type,
from its flyout model; battle management only calls these methods.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["Envelope"]


class Envelope(Protocol):
    """Reachable intercept region and time of flight of one interceptor type."""

    def time_of_flight(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        """Flyout time (s) from launch to a point at this ground range from the launcher and this
        altitude above the launcher; NaN where the point is outside the envelope.
        Any broadcastable shapes."""
        ...

    def single_shot_pk(self, ground_range_m: np.ndarray, altitude_m: np.ndarray) -> np.ndarray:
        """Single-shot kill probability at the intercept point (0 outside the envelope)."""
        ...
