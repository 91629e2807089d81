"""The engine: state, step loop, event log. ``run(scenario, seed) -> RunResult``."""

from amdsim.simulation.engine import run
from amdsim.simulation.result import RunResult

__all__ = ["RunResult", "run"]
