"""Multi-target tracking: filters, gating/association, track management, fusion, metrics.

Engine API: :func:`build_tracker` -> :class:`Tracker` with ``initial()``,
``update(tracks, detections, t_s)``, ``predict(tracks, t_s)``, ``drop(...)``;
:class:`amdsim.tracking.metrics.TrackScorer`. Interchange: :func:`track_detections`,
:func:`read_detections_csv`, :func:`write_tracks_csv`.
"""

from amdsim.tracking.batches import Tracks
from amdsim.tracking.build import build_tracker, enu_gravity, make_tracker
from amdsim.tracking.filters import EkfFilter, UkfFilter
from amdsim.tracking.interchange import (
    add_track_command,
    read_detections_csv,
    track_detections,
    write_tracks_csv,
)
from amdsim.tracking.metrics import TrackScorer, gospa, ospa
from amdsim.tracking.models import BallisticDrag, ConstantAcceleration, ConstantVelocity
from amdsim.tracking.tracker import Tracker

__all__ = [
    "BallisticDrag",
    "ConstantAcceleration",
    "ConstantVelocity",
    "EkfFilter",
    "TrackScorer",
    "Tracker",
    "Tracks",
    "UkfFilter",
    "add_track_command",
    "build_tracker",
    "enu_gravity",
    "gospa",
    "make_tracker",
    "ospa",
    "read_detections_csv",
    "track_detections",
    "write_tracks_csv",
]
