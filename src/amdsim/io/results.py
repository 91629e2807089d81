"""Read a results folder (written by ``amdsim run``, ``mc``, ``compare``, ...) back in.

Reports and the viewer read result files only, never live engine objects. The readers here
check what is there and fail with a message naming what is missing, and are tolerant of
metrics written either as plain numbers or as ``{"value": x, "unit": "..."}``.

Run folder files (the contract with the engine, see ``docs/viewer.md``):

``run.json``, ``events.parquet``, ``summary.json``, ``trajectories.parquet`` (required) and
``tracks.parquet`` (optional).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from amdsim.core.errors import AmdsimError

__all__ = [
    "EVENT_COLUMNS",
    "RUN_REQUIRED",
    "TRACK_COLUMNS",
    "TRAJECTORY_COLUMNS",
    "Columns",
    "ResultsError",
    "RunResults",
    "check_dir",
    "load_run",
    "metric_rows",
    "metric_value",
    "read_json",
    "read_table",
]

EVENT_COLUMNS = (
    "t_s",
    "kind",
    "threat_id",
    "track_id",
    "sensor_id",
    "battery_id",
    "interceptor_id",
    "asset_id",
    "x_m",
    "y_m",
    "z_m",
    "value",
    "cost_usd",
    "p",
    "reason",
)
TRAJECTORY_COLUMNS = ("t_s", "object", "id", "type", "x_m", "y_m", "z_m")
TRACK_COLUMNS = ("t_s", "track_id", "x_m", "y_m", "z_m")
RUN_REQUIRED = ("run.json", "events.parquet", "summary.json", "trajectories.parquet")


class ResultsError(AmdsimError):
    """A results folder is missing, incomplete or holds a malformed file."""


Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class RunResults:
    """The files of one run's results folder, as plain columns and dicts.

    Attributes
    ----------
    run_dir : Path
    run : dict             ``run.json`` (scenario description: origin, assets, radars, ...)
    summary : dict         ``summary.json`` (metrics; plain numbers or ``{"value","unit"}``)
    events : Columns       ``events.parquet`` columns (see :mod:`amdsim.core.events`)
    trajectories : Columns ``trajectories.parquet`` columns (truth samples, ENU metres)
    tracks : Columns       ``tracks.parquet`` columns; empty dict if the file is absent
    missing_optional : tuple of optional file names that were not found
    """

    run_dir: Path
    run: dict[str, Any]
    summary: dict[str, Any]
    events: Columns
    trajectories: Columns
    tracks: Columns = field(default_factory=dict)
    missing_optional: tuple[str, ...] = ()

    def names(self, key: str) -> list[str]:
        """Names of the scenario's ``radars``, ``batteries`` or ``assets`` (index = id)."""
        return [str(x.get("name", f"{key}[{i}]")) for i, x in enumerate(self.run.get(key) or [])]

    def threat_types(self) -> dict[int, str]:
        """Threat id -> threat type, from ``run.json`` with the trajectories as fallback."""
        out = _first_type(self.trajectories, "threat")
        for th in self.run.get("threats") or []:
            if "id" in th:
                out[int(th["id"])] = str(th.get("type", out.get(int(th["id"]), "?")))
        return out

    def interceptor_types(self) -> dict[int, str]:
        """Interceptor id -> interceptor type: the ``reason`` of its ``interceptor_launch``
        event (the engine writes the type there), else the trajectories' ``type``."""
        out = _first_type(self.trajectories, "interceptor")
        ev = self.events
        sel = ev["kind"] == "interceptor_launch"
        for i, r in zip(ev["interceptor_id"][sel].tolist(), ev["reason"][sel].tolist()):
            if i >= 0 and r:
                out[int(i)] = str(r)
        return out


def _first_type(tr: Columns, obj: str) -> dict[int, str]:
    """Object id -> its ``type`` in the trajectories (first sample), for one object kind."""
    if not len(tr.get("id", ())):
        return {}
    sel = np.flatnonzero(tr["object"] == obj)
    ids, first = np.unique(tr["id"][sel], return_index=True)
    return {int(i): str(t) for i, t in zip(ids.tolist(), tr["type"][sel[first]].tolist())}


def read_json(path: Path) -> Any:
    """Read a JSON file; a malformed file raises :class:`ResultsError` naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc})") from None


def read_table(path: Path, required: tuple[str, ...] = ()) -> Columns:
    """Read a Parquet file into NumPy columns (strings as object arrays).

    Raises :class:`ResultsError` naming the file and any missing ``required`` columns.
    """
    try:
        table = pq.read_table(str(path))
    except FileNotFoundError:
        raise ResultsError(f"{path}: file not found") from None
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path}: not a readable Parquet file ({exc})") from None
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise ResultsError(f"{path}: missing column(s) {', '.join(missing)}")
    out: Columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            arr = col.fill_null("").to_numpy(zero_copy_only=False)
            out[name] = np.asarray(arr, dtype=object)
        else:
            out[name] = col.to_numpy()
    return out


def check_dir(path: str | Path, required: tuple[str, ...], what: str) -> Path:
    """Check ``path`` is a folder holding ``required`` files; the error names what is missing."""
    p = Path(path)
    if not p.exists():
        raise ResultsError(f"{what} folder {p} does not exist")
    if not p.is_dir():
        raise ResultsError(f"{p} is not a folder (expected a {what} folder)")
    missing = [name for name in required if not (p / name).is_file()]
    if missing:
        raise ResultsError(
            f"{what} folder {p} is incomplete: missing {', '.join(missing)} "
            f"(expected {', '.join(required)})"
        )
    return p


def load_run(run_dir: str | Path) -> RunResults:
    """Load a run's results folder.

    Raises
    ------
    ResultsError
        The folder does not exist, lacks one of ``run.json``, ``events.parquet``,
        ``summary.json``, ``trajectories.parquet``, or a file lacks required columns.
    """
    p = check_dir(run_dir, RUN_REQUIRED, "results")
    run = read_json(p / "run.json")
    summary = read_json(p / "summary.json")
    for name, obj in (("run.json", run), ("summary.json", summary)):
        if not isinstance(obj, dict):
            raise ResultsError(f"{p / name}: expected a JSON object")
    events = read_table(p / "events.parquet", EVENT_COLUMNS)
    traj = read_table(p / "trajectories.parquet", TRAJECTORY_COLUMNS)
    tracks: Columns = {}
    missing_opt: list[str] = []
    if (p / "tracks.parquet").is_file():
        tracks = read_table(p / "tracks.parquet", TRACK_COLUMNS)
    else:
        missing_opt.append("tracks.parquet")
    return RunResults(p, run, summary, events, traj, tracks, tuple(missing_opt))


def metric_value(x: Any) -> tuple[float, str]:
    """``(value, unit)`` of a metric given as a number or ``{"value": x, "unit": u}``.

    Non-numeric values give ``(nan, "")``.
    """
    unit = ""
    if isinstance(x, dict):
        unit = str(x.get("unit", "") or "")
        x = x.get("value")
    if isinstance(x, bool) or x is None:
        return math.nan, unit
    try:
        return float(x), unit
    except (TypeError, ValueError):
        return math.nan, unit


def metric_rows(summary: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, str]]:
    """Flatten a summary to ``(name, value, unit)`` rows, nested dicts as ``a.b`` names.

    Numeric leaves give floats; string leaves (e.g. ``scenario``) are kept as strings.
    """
    rows: list[tuple[str, Any, str]] = []
    for key, val in summary.items():
        name = f"{prefix}{key}"
        if isinstance(val, dict) and "value" in val and not isinstance(val["value"], dict):
            if isinstance(val["value"], str):
                rows.append((name, val["value"], str(val.get("unit", "") or "")))
            else:
                v, u = metric_value(val)
                rows.append((name, v, u))
        elif isinstance(val, dict):
            rows.extend(metric_rows(val, name + "."))
        elif isinstance(val, str):
            rows.append((name, val, ""))
        elif isinstance(val, (list, tuple)):
            continue
        else:
            v, u = metric_value(val)
            if not math.isnan(v):
                rows.append((name, v, u))
    return rows
