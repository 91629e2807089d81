"""JSON payloads the replay viewer serves, made from a run's result files.

The browser never sees Parquet: the server converts each results file once, at start, into
compact JSON (positions rounded to 1 m, times to 10 ms; NaN written as ``null``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.io._report_story import threat_stories
from amdsim.io.results import RUN_REQUIRED, Columns, ResultsError, RunResults, load_run, metric_rows

__all__ = ["DATA_NAMES", "build_payloads"]

DATA_NAMES = (
    "run.json",
    "summary.json",
    "trajectories.json",
    "events.json",
    "stories.json",
    "tracks.json",
    "files.json",
)
_EVENT_KEEP = (
    "t_s",
    "kind",
    "threat_id",
    "track_id",
    "battery_id",
    "interceptor_id",
    "asset_id",
    "x_m",
    "y_m",
    "z_m",
)


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _dumps(obj: Any, clean: bool = True) -> bytes:
    """Compact JSON; ``clean`` maps NaN/inf to null (large arrays come clean from
    :func:`_round` and skip this walk)."""
    return json.dumps(_clean(obj) if clean else obj, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def _round(a: np.ndarray, nd: int) -> list[Any]:
    r = np.round(np.asarray(a, float), nd)
    out: list[Any] = r.tolist()
    if not np.isfinite(r).all():
        out = [v if math.isfinite(v) else None for v in out]
    return out


def _grouped(cols: Columns, keys: tuple[str, ...]) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Rows grouped by ``keys`` and sorted by time: ``[(key values, row indices), ...]``."""
    n = len(cols["t_s"])
    if n == 0:
        return []
    kcols = [
        np.asarray(cols[k]).astype(str) if cols[k].dtype == object else np.asarray(cols[k])
        for k in keys
    ]
    order = np.lexsort((np.asarray(cols["t_s"], float), *reversed(kcols)))
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for k in kcols:
        ks = k[order]
        change[1:] |= ks[1:] != ks[:-1]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], n]
    out = []
    for s, e in zip(starts, ends):
        idx = order[s:e]
        first = order[s]
        out.append(
            (
                {
                    k: cols[k][first].item() if hasattr(cols[k][first], "item") else cols[k][first]
                    for k in keys
                },
                idx,
            )
        )
    return out


def _trajectories(res: RunResults) -> dict[str, Any]:
    tr = res.trajectories
    objs = []
    for key, idx in _grouped(tr, ("object", "id")):
        objs.append(
            {
                "object": str(key["object"]),
                "id": int(key["id"]),
                "type": str(tr["type"][idx[0]]),
                "t": _round(tr["t_s"][idx], 2),
                "x": _round(tr["x_m"][idx], 0),
                "y": _round(tr["y_m"][idx], 0),
                "z": _round(tr["z_m"][idx], 0),
            }
        )
    return {"objects": objs}


def _tracks(res: RunResults) -> dict[str, Any]:
    tk = res.tracks
    if not tk:
        return {"tracks": []}
    out = []
    for key, idx in _grouped(tk, ("track_id",)):
        out.append(
            {
                "id": int(key["track_id"]),
                "t": _round(tk["t_s"][idx], 2),
                "x": _round(tk["x_m"][idx], 0),
                "y": _round(tk["y_m"][idx], 0),
                "z": _round(tk["z_m"][idx], 0),
            }
        )
    return {"tracks": out}


def _events(res: RunResults) -> dict[str, Any]:
    ev = res.events
    keep = ~np.isin(ev["kind"], ("detect", "false_alarm"))
    order = np.argsort(ev["t_s"][keep], kind="stable")
    out: dict[str, Any] = {}
    for c in _EVENT_KEEP:
        col = ev[c][keep][order]
        if col.dtype == object:
            out[c] = [str(v) for v in col.tolist()]
        elif np.issubdtype(col.dtype, np.integer):
            out[c] = col.astype(np.int64).tolist()
        else:
            out[c] = _round(col, 2 if c == "t_s" else 0)
    fa = ev["kind"] == "false_alarm"
    out["n_detections"] = int(np.sum(ev["kind"] == "detect"))
    out["n_false_alarms"] = int(np.sum(fa))
    return out


def _check_inside(run_dir: Path) -> None:
    """Refuse results files that are symlinks leading out of the folder."""
    root = run_dir.resolve()
    for name in (*RUN_REQUIRED, "tracks.parquet", "report.html"):
        p = run_dir / name
        if p.exists() and not p.resolve().is_relative_to(root):
            raise ResultsError(
                f"{p} points outside the results folder ({p.resolve()}); refusing to serve it"
            )


def build_payloads(run_dir: str | Path) -> dict[str, bytes]:
    """All ``/data/<name>`` payloads of a run, as UTF-8 JSON bytes (names in :data:`DATA_NAMES`)."""
    d = Path(run_dir)
    if d.is_dir():
        _check_inside(d)
    res = load_run(d)
    stories = threat_stories(res)
    return {
        "run.json": _dumps(res.run),
        "summary.json": _dumps(
            {
                "metrics": [
                    {"name": n, "value": v, "unit": u} for n, v, u in metric_rows(res.summary)
                ]
            }
        ),
        "trajectories.json": _dumps(_trajectories(res), clean=False),
        "events.json": _dumps(_events(res), clean=False),
        "stories.json": _dumps({"stories": [stories[k] for k in sorted(stories)]}),
        "tracks.json": _dumps(_tracks(res), clean=False),
        "files.json": _dumps({"report": (d / "report.html").is_file()}),
    }
