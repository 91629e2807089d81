"""Radar detection and measurement models.

Public API: :func:`build_radars` (scenario -> :class:`RadarNetwork`),
:meth:`RadarNetwork.detect`, the :class:`Detections` batch and the Swerling Pd formulas.
"""

from amdsim.sensors.batches import Detections
from amdsim.sensors.build import build_radars, make_radar
from amdsim.sensors.radar import Radar, RadarNetwork, concat_detections, empty_detections
from amdsim.sensors.swerling import pd_swerling, snr_for_pd

__all__ = [
    "Detections",
    "Radar",
    "RadarNetwork",
    "build_radars",
    "concat_detections",
    "empty_detections",
    "make_radar",
    "pd_swerling",
    "snr_for_pd",
]
