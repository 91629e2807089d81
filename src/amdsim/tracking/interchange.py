"""Detections in, tracks out: the CSV interchange and :func:`track_detections`.

Input CSV (header required, any column order, extra columns ignored)::

    t_s,x_m,y_m,z_m[,sensor][,sigma_m]

positions in a local Cartesian frame (x east, y north, z up, metres), times non-decreasing;
``sensor`` an integer sensor id (default 0), ``sigma_m`` the per-axis position noise standard
deviation of that detection (default: the ``sigma_m`` argument). Output CSV::

    t_s,track_id,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps

one row per confirmed track at each scan time (the times present in the input).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.core.errors import InputError
from amdsim.sensors.batches import Detections
from amdsim.tracking.build import make_tracker

__all__ = [
    "TRACK_COLUMNS",
    "add_track_command",
    "read_detections_csv",
    "run_track_command",
    "track_detections",
    "write_tracks_csv",
]

REQUIRED = ("t_s", "x_m", "y_m", "z_m")
TRACK_COLUMNS = ("t_s", "track_id", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")
_MIN_SIGMA_M = 1e-3  # zero noise is floored so covariances stay positive definite


def read_detections_csv(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read and check a detections CSV; errors name the file, line and column.

    Returns ``{"t_s", "x_m", "y_m", "z_m", "sensor", "sigma_m"}`` arrays (``sigma_m`` NaN
    where the file has no such column).

    Raises
    ------
    InputError
        ``detections.csv:17: x_m: not a number ('abc')``, missing columns, NaN or infinite
        values, times out of order, wrong number of fields.
    """
    name = os.fspath(path)
    short = Path(name).name
    try:
        with open(name, "rb") as raw_fh:
            raw = raw_fh.read()
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Excel) is allowed
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{short}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise InputError(f"{short}:1: empty file (expected header {','.join(REQUIRED)})")
        header = [h.strip() for h in header]
        dup = sorted({h for h in header if header.count(h) > 1 and h})
        if dup:
            raise InputError(f"{short}:1: duplicate column(s) {', '.join(dup)}")
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(
                f"{short}:1: missing column(s) {', '.join(missing)} (header: {','.join(header)})"
            )
        col = {c: header.index(c) for c in (*REQUIRED, "sensor", "sigma_m") if c in header}
        out: dict[str, list[float]] = {c: [] for c in col}
        last_t = -math.inf
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not f.strip() for f in row):
                continue
            if len(row) != len(header):
                raise InputError(
                    f"{short}:{line_no}: expected {len(header)} fields, got {len(row)}"
                )
            for c, i in col.items():
                text = row[i].strip()
                try:
                    v = float(text)
                except ValueError:
                    raise InputError(f"{short}:{line_no}: {c}: not a number ({text!r})") from None
                if not math.isfinite(v):
                    raise InputError(f"{short}:{line_no}: {c}: not finite ({text!r})")
                if c == "sensor" and (v != int(v) or not 0 <= v < 2**31):
                    raise InputError(
                        f"{short}:{line_no}: sensor: not an integer in [0, 2**31) ({text!r})"
                    )
                if c == "sigma_m" and v < 0:
                    raise InputError(f"{short}:{line_no}: sigma_m: must be >= 0 (got {text})")
                out[c].append(v)
            t = out["t_s"][-1]
            if t < last_t:
                raise InputError(
                    f"{short}:{line_no}: t_s: times out of order ({t!r} after {last_t!r})"
                )
            last_t = t
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise InputError(f"{short}:{reader.line_num}: {exc}") from None
    n = len(out["t_s"])
    return {
        "t_s": np.asarray(out["t_s"], float),
        "x_m": np.asarray(out["x_m"], float),
        "y_m": np.asarray(out["y_m"], float),
        "z_m": np.asarray(out["z_m"], float),
        "sensor": np.asarray(out.get("sensor", [0] * n), float).astype(np.int64),
        "sigma_m": np.asarray(out.get("sigma_m", [math.nan] * n), float),
    }


def _as_table(source: Any) -> dict[str, np.ndarray]:
    if isinstance(source, (str, os.PathLike)):
        return read_detections_csv(source)
    if isinstance(source, Mapping):
        missing = [c for c in REQUIRED if c not in source]
        if missing:
            raise InputError(f"detections: missing column(s) {', '.join(missing)}")
        tab = {c: np.asarray(source[c], float).reshape(-1) for c in REQUIRED}
        n = tab["t_s"].shape[0]
        tab["sensor"] = (
            np.asarray(source.get("sensor", np.zeros(n)), float).astype(np.int64).reshape(-1)
        )
        tab["sigma_m"] = np.asarray(source.get("sigma_m", np.full(n, np.nan)), float).reshape(-1)
    else:
        arr = np.asarray(source, float)
        if arr.ndim != 2 or arr.shape[1] < 4:
            raise InputError(
                f"detections: expected an (n, 4) array t_s,x_m,y_m,z_m (got shape {arr.shape})"
            )
        tab = dict(zip(REQUIRED, arr[:, :4].T, strict=True))
        tab["sensor"] = np.zeros(arr.shape[0], np.int64)
        tab["sigma_m"] = np.full(arr.shape[0], np.nan)
    for c in REQUIRED:
        bad = np.flatnonzero(~np.isfinite(tab[c]))
        if bad.size:
            raise InputError(f"detections: row {bad[0]}: {c}: not finite ({tab[c][bad[0]]})")
    back = np.flatnonzero(np.diff(tab["t_s"]) < 0)
    if back.size:
        raise InputError(f"detections: row {back[0] + 1}: t_s: times out of order")
    return tab


def track_detections(
    source: Any,
    sigma_m: float = 10.0,
    model: str = "cv",
    pd: float = 0.9,
    clutter_density: float = 1e-12,
    filter: str = "ekf",
    associator: str = "gnn",
    **settings: Any,
) -> dict[str, np.ndarray]:
    """Track external detections (a CSV path, a mapping of columns, or an ``(n, 4)`` array).

    Parameters
    ----------
    sigma_m : float
        Position noise standard deviation per axis (m) for rows without ``sigma_m``.
    model : "cv", "ca", "ballistic" or "imm"
    pd, clutter_density : float
        Detection probability and clutter density (1/m^3) used by the JPDA associator.
    filter : "ekf" or "ukf"
    associator : "gnn" or "jpda"
    settings
        Further :class:`amdsim.tracking.Tracker` settings (``confirm_m``, ``gate_prob``, ...).

    Returns
    -------
    dict of arrays with the columns :data:`TRACK_COLUMNS` (confirmed tracks at each scan).
    Gravity is uniform ``[0, 0, -9.80665]`` m/s^2 along -z.
    """
    tab = _as_table(source)
    if sigma_m < 0:
        raise InputError(f"sigma_m must be >= 0 (got {sigma_m})")
    sig = np.where(np.isnan(tab["sigma_m"]), sigma_m, tab["sigma_m"])
    sig = np.maximum(sig, _MIN_SIGMA_M)
    n = tab["t_s"].shape[0]
    pos = np.stack([tab["x_m"], tab["y_m"], tab["z_m"]], axis=1)
    cov = sig[:, None, None] ** 2 * np.eye(3)
    tracker = make_tracker(
        model,  # type: ignore[arg-type]
        filter=filter,  # type: ignore[arg-type]
        pd=pd,
        clutter_density=clutter_density,
        associator=associator,
        **settings,
    )
    dets = Detections(
        tab["t_s"],
        tab["sensor"],
        np.full(n, np.nan),
        np.full(n, np.nan),
        np.full(n, np.nan),
        pos,
        cov,
        np.full(n, -1, np.int64),
    )
    tracks = tracker.initial()
    rows: list[np.ndarray] = []
    times, starts = np.unique(tab["t_s"], return_index=True)
    bounds = [*list(starts[1:]), n]
    for t, a, b in zip(times, starts, bounds, strict=True):
        part = Detections(
            *(
                getattr(dets, f)[a:b]
                for f in (
                    "t_s",
                    "sensor",
                    "range_m",
                    "az_rad",
                    "el_rad",
                    "pos_m",
                    "cov_m2",
                    "truth_id",
                )
            )
        )
        tracks, _ = tracker.update(tracks, part, float(t))
        c = tracks.confirmed
        if c.any():
            k = int(c.sum())
            rows.append(np.column_stack([np.full(k, t), tracks.track_id[c], tracks.state[c, 0:6]]))
    table = np.concatenate(rows) if rows else np.empty((0, 8))
    out = {name: table[:, i] for i, name in enumerate(TRACK_COLUMNS)}
    out["track_id"] = out["track_id"].astype(np.int64)
    return out


def write_tracks_csv(path: str | os.PathLike[str], table: Mapping[str, np.ndarray]) -> None:
    """Write the output of :func:`track_detections` as CSV (header :data:`TRACK_COLUMNS`)."""
    cols = [np.asarray(table[c]) for c in TRACK_COLUMNS]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(TRACK_COLUMNS)
        for i in range(cols[0].shape[0]):
            w.writerow(
                [int(cols[1][i]) if j == 1 else repr(float(cols[j][i])) for j in range(len(cols))]
            )


def add_track_command(subparsers: Any) -> Any:
    """Register ``amdsim track DETECTIONS.csv -o TRACKS.csv [...]`` on an argparse
    ``subparsers`` object; the parser's ``func`` default runs it (returns an exit code)."""
    p = subparsers.add_parser("track", help="run the tracker on a detections CSV")
    p.add_argument("detections", help="input CSV with columns t_s,x_m,y_m,z_m[,sensor][,sigma_m]")
    p.add_argument("-o", "--output", required=True, help="output tracks CSV")
    p.add_argument("--sigma-m", type=float, default=10.0, help="position noise per axis (m)")
    p.add_argument("--model", choices=["cv", "ca", "ballistic", "imm"], default="cv")
    p.add_argument("--filter", choices=["ekf", "ukf"], default="ekf")
    p.add_argument("--associator", choices=["gnn", "jpda"], default="gnn")
    p.add_argument("--pd", type=float, default=0.9, help="detection probability (JPDA)")
    p.add_argument(
        "--clutter-density", type=float, default=1e-12, help="false alarms per m^3 (JPDA)"
    )
    p.set_defaults(func=run_track_command)
    return p


def run_track_command(args: Any) -> int:
    """Run ``amdsim track`` from parsed arguments (see :func:`add_track_command`)."""
    table = track_detections(
        args.detections,
        sigma_m=args.sigma_m,
        model=args.model,
        pd=args.pd,
        clutter_density=args.clutter_density,
        filter=args.filter,
        associator=args.associator,
    )
    write_tracks_csv(args.output, table)
    n_tracks = int(np.unique(table["track_id"]).size)
    print(f"{n_tracks} confirmed tracks, {table['t_s'].shape[0]} rows -> {args.output}")
    return 0
