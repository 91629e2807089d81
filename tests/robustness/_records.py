"""Records of what the robustness tests tried and what happened, for docs/robustness.md.

When ``AMDSIM_ROBUSTNESS_RECORDS`` names a file, every :func:`record` call appends one JSON
line ``{category, case, outcome, message, seconds, peak_mb, test}`` to it (one ``write`` per
line on a file opened for appending, so parallel test workers do not interleave lines).
``scripts/robustness_report.py`` runs the tests with it set and writes the report from these
lines. Without the variable, nothing is written.
"""

from __future__ import annotations

import json
import os
import re

__all__ = ["ENV", "record"]

ENV = "AMDSIM_ROBUSTNESS_RECORDS"
_TMP = re.compile(r"/tmp/pytest-of-[^/\s]+/pytest-\d+/[^/\s]+")


def record(
    category: str,
    case: str,
    outcome: str,
    message: str,
    seconds: float | None = None,
    peak_mb: float | None = None,
) -> None:
    """Append one record (no-op unless ``$AMDSIM_ROBUSTNESS_RECORDS`` is set)."""
    path = os.environ.get(ENV)
    if not path:
        return
    rec = {
        "category": category,
        "case": case,
        "outcome": outcome,
        "message": _TMP.sub("<tmp>", message)[:400],
        "seconds": None if seconds is None else round(float(seconds), 3),
        "peak_mb": None if peak_mb is None else round(float(peak_mb), 1),
        "test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
    }
    line = (json.dumps(rec, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
