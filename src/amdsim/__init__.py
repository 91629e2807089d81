"""amdsim: open simulation and planning of layered air and missile defence.

The public front: ``amdsim.run(scenario, seed)`` runs one scenario and returns a
:class:`~amdsim.simulation.result.RunResult`; ``amdsim.load_scenario(path)`` loads and
validates a scenario file.
"""

from __future__ import annotations

from typing import Any

from amdsim._version import __version__

__all__ = ["__version__", "load_scenario", "monte_carlo", "run"]


def __getattr__(name: str) -> Any:  # lazy: `import amdsim` stays cheap
    if name == "run":
        from amdsim.simulation import run

        return run
    if name == "load_scenario":
        from amdsim.scenario import load_scenario

        return load_scenario
    if name == "monte_carlo":
        from amdsim.analysis import monte_carlo

        return monte_carlo
    raise AttributeError(f"module 'amdsim' has no attribute {name!r}")
