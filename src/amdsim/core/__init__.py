"""Frames and geodesy, constants, RNG streams and error types. Imports nothing of ours."""

from amdsim.core.errors import AmdsimError, NumericalFault, ScenarioError
from amdsim.core.frames import LocalFrame
from amdsim.core.rng import RngStreams

__all__ = ["AmdsimError", "LocalFrame", "NumericalFault", "RngStreams", "ScenarioError"]
