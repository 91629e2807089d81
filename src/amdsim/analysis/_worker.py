"""Worker-side code of a study: run replications, turn results into plain records.

Kept light (NumPy only) because every worker process imports it.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["extract_metrics", "run_chunk"]

RunFn = Callable[[Any, int], Any]


def _units_of(summary: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in summary.items():
        if isinstance(v, Mapping) and "value" in v and not isinstance(v["value"], Mapping):
            out[prefix + k] = str(v.get("unit", ""))
        elif isinstance(v, Mapping):
            out.update(_units_of(v, f"{prefix}{k}."))
    return out


def _flatten(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Same rule as :func:`amdsim.simulation.result.flatten_summary` (numeric leaves, or
    ``{"value": x}`` leaves, joined with dots), kept here so that worker processes running
    a stand-in run function do not import the whole engine."""
    out: dict[str, float] = {}
    for key, val in summary.items():
        name = f"{prefix}{key}"
        if isinstance(val, Mapping) and "value" in val and not isinstance(val["value"], Mapping):
            val = val["value"]
        if isinstance(val, Mapping):
            out.update(_flatten(val, name + "."))
        elif isinstance(val, (int, float, np.integer, np.floating)) and not isinstance(val, bool):
            out[name] = float(val)
    return out


RESERVED = ("replication", "seed")
"""Columns the study writes itself; a run's own ``seed`` entry is not a metric."""


def extract_metrics(result: Any) -> tuple[dict[str, float], dict[str, str]]:
    """Scalar metrics and their units from a ``RunResult`` or a metrics mapping."""
    if hasattr(result, "metrics") and callable(result.metrics):
        units = _units_of(getattr(result, "summary", {}) or {})
        metrics = {k: float(v) for k, v in result.metrics().items()}
    elif isinstance(result, Mapping):
        metrics, units = _flatten(result), _units_of(result)
    else:
        raise TypeError(
            f"run function returned {type(result).__name__}; expected RunResult or mapping"
        )
    for k in RESERVED:
        metrics.pop(k, None)
        units.pop(k, None)
    return metrics, units


def run_chunk(run_fn: RunFn, scenario: Any, items: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Worker task: run replications ``items = [(index, seed), ...]``; never raises for
    a failing replication (the error is recorded with its seed)."""
    out = []
    for index, seed in items:
        t0 = time.perf_counter()
        try:
            metrics, units = extract_metrics(run_fn(scenario, seed))
            out.append(
                {
                    "replication": index,
                    "seed": seed,
                    "metrics": metrics,
                    "units": units,
                    "elapsed_s": time.perf_counter() - t0,
                }
            )
        except Exception as exc:
            out.append(
                {
                    "replication": index,
                    "seed": seed,
                    "metrics": {},
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(limit=8),
                    "elapsed_s": time.perf_counter() - t0,
                }
            )
    return out
