"""Benchmark: 1,000 simultaneous interceptor flyouts, time per engine step.

Run: ``.venv/bin/python benchmarks/bench_flyout.py``. Prints the figures and writes
``docs/benchmarks/flyout.md``. Each of 1,000 Tamir rounds (a mix with PAC-3 MSE and THAAD in
the second case) homes on its own ballistic target with a perfect track; one engine step is
0.1 s split into 10 guidance sub-steps. The anchor run side by side is the same batch with
one row, to show the per-row cost.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from amdsim.interceptors.flyouts import MODE_MISSILE, Flyouts
from amdsim.interceptors.homing import advance
from amdsim.interceptors.kinematics import InterceptorTable, gravity_mps2, launch_velocity
from amdsim.scenario import load_catalog
from amdsim.tracking.batches import Tracks

N = 1000
DT = 0.1
STEPS = 50


def _setup(n: int, types: list[str]) -> tuple[Flyouts, np.ndarray, np.ndarray]:
    cat = load_catalog()
    tab = InterceptorTable.from_types({t: cat.interceptors[t] for t in types})
    ids = np.arange(n, dtype=np.int64)
    k = ids % len(types)
    x, y = 6000.0 * (ids % 32) - 96_000.0, 6000.0 * (ids // 32) - 96_000.0
    tgt = np.stack([x + 15000.0, y, np.full(n, 6000.0)], axis=1)
    tvel = np.tile([-400.0, 0.0, -150.0], (n, 1))
    launcher = np.stack([x, y, np.zeros(n)], axis=1)
    z3 = np.zeros((n, 3))
    f = Flyouts(
        tab, ids, np.zeros(n, np.int64), k, np.full(n, MODE_MISSILE, np.int8), ids,
        np.full(n, -1, np.int64), launcher, launch_velocity(launcher, tgt + tvel * 15, tab.loft_rad[k]),
        np.zeros(n), tgt.copy(), tvel.copy(), np.zeros(n, bool), np.full(n, np.inf),
        np.full(n, np.nan), np.full(n, np.inf), np.zeros(n),
    )  # fmt: skip
    del z3
    return f, tgt, tvel


def run(n: int, types: list[str]) -> tuple[float, int]:
    """Mean wall time (s) of one ``advance`` step over ``STEPS`` steps and rows left."""
    f, p, v = _setup(n, types)
    ids = np.arange(n, dtype=np.int64)
    rng = np.random.Generator(np.random.PCG64(0))
    beta = np.full(n, 1000.0)
    t = 0.0
    # warm-up (numba kernels load from cache)
    advance(f, t, DT, Tracks(ids, np.hstack([p, v]), np.zeros((n, 6, 6)), np.ones(n, np.int8),
                             np.full(n, t), beta), ids, p, v, rng)  # fmt: skip
    elapsed = 0.0
    for _ in range(STEPS):
        p = p + v * DT + 0.5 * gravity_mps2(p) * DT**2
        v = v + gravity_mps2(p) * DT
        tracks = Tracks(ids, np.hstack([p, v]), np.zeros((n, 6, 6)), np.ones(n, np.int8),
                        np.full(n, t + DT), beta)  # fmt: skip
        t0 = time.perf_counter()
        f, _, _ = advance(f, t, DT, tracks, ids, p, v, rng)
        elapsed += time.perf_counter() - t0
        t += DT
    return elapsed / STEPS, len(f)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    one, _ = run(1, ["tamir"])
    many, left = run(N, ["tamir"])
    mixed, left_mixed = run(N, ["tamir", "pac3_mse", "thaad"])
    nproc = os.cpu_count()
    try:
        load = subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        load = "n/a"
    lines = [
        "# Interceptor flyout benchmark",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_flyout.py` ({_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M} UTC)",
        f"Machine: {nproc} CPUs ({_cpu()}); load at the end: `{load}`",
        "",
        f"One engine step = {DT} s in 10 guidance sub-steps; {STEPS} steps timed after a warm-up.",
        "",
        "| case | flyouts | ms per step | us per flyout-step | ratio to 1 flyout |",
        "|---|---|---|---|---|",
        f"| anchor: 1 Tamir | 1 | {one * 1e3:.2f} | {one * 1e6:.0f} | 1.0 |",
        f"| 1,000 Tamir | {N} ({left} still flying) | {many * 1e3:.2f} | {many * 1e6 / N:.1f} | {many / one:.1f} |",
        f"| 1,000 mixed Tamir / PAC-3 MSE / THAAD | {N} ({left_mixed} still flying) | {mixed * 1e3:.2f} | {mixed * 1e6 / N:.1f} | {mixed / one:.1f} |",
        "",
        "Guidance, kinematics and closest approach of every round run in one Numba kernel per",
        "engine step (amdsim.interceptors._homing_kernel); kill draws and events stay in Python.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "flyout.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
