"""Run a scenario and write its results folder (the ``amdsim run`` command's Python twin)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from amdsim.io.writer import write_results
from amdsim.simulation import run
from amdsim.simulation.result import RunResult

__all__ = ["run_to_dir"]


def run_to_dir(
    scenario: Any,
    out_dir: str | os.PathLike[str],
    seed: int | None = None,
    *,
    progress: bool = False,
    check: bool = False,
    report: bool = True,
) -> RunResult:
    """Run ``scenario`` (a path, ``preset:NAME`` or a loaded Scenario) and write
    ``out_dir`` atomically: events.parquet, trajectories.parquet, tracks.parquet,
    summary.json, run.json and report.html."""
    if progress:
        from amdsim.io.terminal import progress_callback

        with progress_callback("simulating") as cb:
            result = run(scenario, seed, progress=cb, check=check)
    else:
        result = run(scenario, seed, check=check)

    def _extra(tmp: Path) -> None:
        if report:
            from amdsim.io.report import write_report

            write_report(tmp)

    write_results(result, out_dir, extra=_extra)
    return result
