"""Benchmark: reports, viewer payloads and CZML export on a large synthetic results folder.

Builds a results folder per the results contract (``docs/viewer.md``) with ``N`` threats
(ballistic arcs sampled every 1 s, a detection and a battle-management decision every second
of flight, one interceptor per second threat) and times, in one process:

* ``load_run`` (read the Parquet/JSON files),
* ``write_report`` (self-contained ``report.html``),
* ``amdsim.viewer._data.build_payloads`` (the JSON the browser viewer loads) and its size,
* ``write_czml``.

Run: ``.venv/bin/python benchmarks/bench_report.py [N ...]``; writes ``docs/benchmarks/report.md``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from amdsim.io.czml import write_czml
from amdsim.io.report import write_report
from amdsim.io.results import load_run
from amdsim.viewer._data import build_payloads

FLIGHT_S = 80


def make_run(d: Path, n: int, seed: int = 0) -> None:
    """A synthetic results folder with ``n`` threats (see the module docstring)."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    t0 = rng.uniform(0.0, 300.0, n)
    p0 = np.c_[rng.uniform(-40e3, -30e3, n), rng.uniform(-10e3, 10e3, n)]
    aim = np.c_[rng.uniform(-3e3, 3e3, n), rng.uniform(-3e3, 3e3, n)]
    k = np.arange(FLIGHT_S + 1)
    s = k[None, :] / FLIGHT_S
    t = t0[:, None] + k[None, :]
    x = p0[:, :1] + (aim[:, :1] - p0[:, :1]) * s
    y = p0[:, 1:] + (aim[:, 1:] - p0[:, 1:]) * s
    z = 4 * 8000.0 * s * (1 - s) * np.ones((n, 1))
    ids = np.repeat(np.arange(n), FLIGHT_S + 1)
    traj = {
        "t_s": t.ravel(),
        "object": pa.array(["threat"] * ids.size, pa.string()),
        "id": ids,
        "type": pa.array(np.where(ids % 2 == 0, "qassam", "grad").tolist(), pa.string()),
        "x_m": x.ravel(),
        "y_m": y.ravel(),
        "z_m": z.ravel(),
        "lat_deg": 31.5 + y.ravel() / 111e3,
        "lon_deg": 34.6 + x.ravel() / 95e3,
        "alt_m": z.ravel(),
    }
    pq.write_table(pa.table(traj), d / "trajectories.parquet")
    kinds, tids, ts = [], [], []

    def add(kind: str, tid: np.ndarray, tt: np.ndarray) -> None:
        kinds.append(np.full(tid.size, kind, dtype=object))
        tids.append(tid)
        ts.append(tt)

    add("launch", np.arange(n), t0)
    add("detect", ids, t.ravel() + 0.5)
    add("decision", ids, t.ravel() + 0.7)
    add("impact", np.arange(n), t0 + FLIGHT_S)
    eng = np.arange(0, n, 2)
    add("engage", eng, t0[eng] + 20)
    add("interceptor_launch", eng, t0[eng] + 20.5)
    add("intercept", eng, t0[eng] + 60)
    kind = np.concatenate(kinds)
    tid = np.concatenate(tids)
    tt = np.concatenate(ts)
    m = tt.size
    cols = {
        "t_s": tt,
        "kind": pa.array(kind.tolist(), pa.string()),
        "threat_id": tid.astype(np.int64),
        "track_id": np.where(np.isin(kind, ["decision", "engage"]), tid + 10_000, -1).astype(
            np.int64
        ),
        "sensor_id": np.zeros(m, np.int64),
        "battery_id": np.where(np.isin(kind, ["engage", "interceptor_launch"]), 0, -1).astype(
            np.int64
        ),
        "interceptor_id": np.where(
            np.isin(kind, ["interceptor_launch", "intercept"]), tid + 50_000, -1
        ).astype(np.int64),
        "asset_id": np.full(m, -1, np.int64),
        "x_m": np.zeros(m),
        "y_m": np.zeros(m),
        "z_m": np.zeros(m),
        "value": np.full(m, np.nan),
        "cost_usd": np.where(kind == "interceptor_launch", 5e4, np.nan),
        "p": np.full(m, 0.9),
        "reason": pa.array(
            np.where(kind == "decision", "engage: predicted impact in City A", "").tolist(),
            pa.string(),
        ),
    }
    pq.write_table(pa.table(cols), d / "events.parquet")
    pq.write_table(
        pa.table({"t_s": [0.0], "track_id": [1], "x_m": [0.0], "y_m": [0.0], "z_m": [0.0]}),
        d / "tracks.parquet",
    )
    run = {
        "scenario_name": f"bench {n}",
        "seed": seed,
        "origin": {"lat_deg": 31.5, "lon_deg": 34.6, "alt_m": 0.0},
        "duration_s": 400.0,
        "dt_s": 0.1,
        "assets": [
            {
                "name": "City A",
                "value": 100,
                "kind": "circle",
                "center_m": [0, 0],
                "radius_m": 3000,
                "polygon_m": None,
            }
        ],
        "radars": [{"name": "R", "type": "elm2084", "pos_m": [0, 5000, 0], "max_range_m": 100e3}],
        "batteries": [
            {
                "name": "B",
                "system": "iron_dome",
                "pos_m": [0, 0, 0],
                "max_range_m": 15e3,
                "min_range_m": 4e3,
            }
        ],
        "threats": [
            {
                "id": i,
                "type": "qassam" if i % 2 == 0 else "grad",
                "raid": "r",
                "target_asset": "City A",
                "aim_m": aim[i].tolist(),
            }
            for i in range(n)
        ],
    }
    (d / "run.json").write_text(json.dumps(run))
    (d / "summary.json").write_text(json.dumps({"launched": n}))


def _timed(fn, *a):  # type: ignore[no-untyped-def]
    """(result, wall s, CPU s of this process)."""
    t, c = time.perf_counter(), time.process_time()
    out = fn(*a)
    return out, time.perf_counter() - t, time.process_time() - c


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(sizes: list[int]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm"  # import matplotlib & co. once, outside the timings
        make_run(warm, 10)
        write_report(warm)
        write_czml(warm, warm / "run.czml")
        for n in sizes:
            d = Path(tmp) / f"run{n}"
            make_run(d, n)
            res, *t_load = _timed(load_run, d)
            n_ev, n_tr = len(res.events["t_s"]), len(res.trajectories["t_s"])
            _, *t_rep = _timed(write_report, d)
            payloads, *t_view = _timed(build_payloads, d)
            _, *t_czml = _timed(write_czml, d, d / "run.czml")
            mb = sum(len(v) for v in payloads.values()) / 1e6
            rep_mb = (d / "report.html").stat().st_size / 1e6
            rows.append((n, n_ev, n_tr, t_load, t_rep, rep_mb, t_view, mb, t_czml))
            print(
                f"N={n:6d} events={n_ev:8d} samples={n_tr:8d} (wall/CPU s) "
                f"load {t_load[0]:.2f}/{t_load[1]:.2f}  report {t_rep[0]:.2f}/{t_rep[1]:.2f} "
                f"({rep_mb:.2f} MB)  viewer payloads {t_view[0]:.2f}/{t_view[1]:.2f} "
                f"({mb:.1f} MB JSON)  czml {t_czml[0]:.2f}/{t_czml[1]:.2f}"
            )
    cmd = "python benchmarks/bench_report.py " + " ".join(map(str, sizes))
    try:
        nproc = subprocess.run(
            ["nproc"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    lines = [
        "# Reports, viewer payloads and CZML export",
        "",
        f"Command: `.venv/bin/{cmd}` — machine: {nproc} CPUs (`nproc`), {_cpu()}, "
        f"{_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"1-min load average at the end {os.getloadavg()[0]:.1f} (shared machine: wall times "
        "scale with it).",
        "",
        "Synthetic results folder: N threats flying 80 s sampled every 1 s, one detection and one",
        "decision event per threat-second, one interceptor per second threat. Times are",
        "wall / CPU seconds of this process (CPU time is the fairer figure on a busy machine);",
        "matplotlib is imported before timing.",
        "",
        "| threats | events | trajectory samples | load_run (s) | write_report (s) | report.html (MB) | viewer payloads (s) | payload JSON (MB) | write_czml (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def f(x: list[float]) -> str:
        return f"{x[0]:.2f} / {x[1]:.2f}"

    for n, ne, nt, tl, tr, rmb, tv, mb, tc in rows:
        lines.append(
            f"| {n} | {ne} | {nt} | {f(tl)} | {f(tr)} | {rmb:.2f} | {f(tv)} | {mb:.1f} | {f(tc)} |"
        )
    out = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "report.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])
