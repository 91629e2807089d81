"""Threat flight throughput: 10,000 threats (mixed rockets and ballistic missiles) flown
600 s at 0.1 s steps through ``ThreatFlight.advance`` (full model: WGS84, J2, rotation,
USSA76 drag, RK4), plus the build (launch solutions) and Numba compile time, reported
separately. Anchor, same process run: the plain NumPy reference RK4 step on the same batch.

Run:  .venv/bin/python benchmarks/bench_flight.py [--n 10000] [--t 600] [--dt 0.1]
Writes docs/benchmarks/flight.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]

MIX = {  # type: (share, min range m, max range m)
    "qassam": (0.20, 4_000.0, 11_000.0),
    "grad": (0.30, 5_000.0, 20_000.0),
    "fajr5": (0.10, 25_000.0, 74_000.0),
    "m75": (0.10, 25_000.0, 74_000.0),
    "r160": (0.10, 50_000.0, 155_000.0),
    "srbm": (0.12, 300_000.0, 790_000.0),
    "mrbm": (0.08, 800_000.0, 1_950_000.0),
}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _raid(n: int, seed: int):  # type: ignore[no-untyped-def]
    from amdsim.core.frames import LocalFrame

    rng = np.random.default_rng(seed)
    names = np.array(list(MIX))
    share = np.array([v[0] for v in MIX.values()])
    kinds = rng.choice(names, n, p=share / share.sum())
    lo = np.array([MIX[k][1] for k in kinds])
    hi = np.array([MIX[k][2] for k in kinds])
    rng_m = rng.uniform(lo, hi)
    az = rng.uniform(0.0, 2 * np.pi, n)
    frame = LocalFrame(31.5, 34.5)
    launch_enu = np.stack(
        [rng.uniform(-30e3, 30e3, n), rng.uniform(-30e3, 30e3, n), np.zeros(n)], 1
    )
    llat, llon, _ = frame.enu_to_geodetic(launch_enu)
    # aim at the given range/azimuth from each launch point (local flat offset)
    aims = np.empty((n, 2))
    for k in range(n):
        f = LocalFrame(float(llat[k]), float(llon[k]))
        la, lo_, _ = f.enu_to_geodetic(
            np.array([[rng_m[k] * np.sin(az[k]), rng_m[k] * np.cos(az[k]), 0.0]])
        )
        aims[k] = la[0], lo_[0]
    t_launch = rng.uniform(0.0, 60.0, n)
    return list(kinds), llat, llon, aims[:, 0], aims[:, 1], t_launch, rng


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--t", type=float, default=600.0)
    ap.add_argument("--dt", type=float, default=0.1)
    ap.add_argument("--serial", action="store_true", help="single-threaded kernels (per-core cost)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "flight.md"))
    args = ap.parse_args()

    t0 = time.perf_counter()
    from amdsim.physics.eom import rk4_step_batch, rk4_step_numpy
    from amdsim.scenario import load_catalog
    from amdsim.threats import ThreatFlight, make_threats

    cat = load_catalog().threats
    # Numba compile / cache load: a tiny build and flight
    small = make_threats(
        cat, ["grad", "srbm"], [31.5, 31.5], [34.5, 34.5], [31.6, 33.5], [34.5, 36.0], [0.0, 0.0]
    )
    fl = ThreatFlight(args.dt)
    fl.advance(small, 0.0, args.dt)
    ThreatFlight(args.dt, parallel_min=0).advance(small, 0.0, args.dt)
    compile_s = time.perf_counter() - t0

    names, llat, llon, alat, alon, t_launch, rng = _raid(args.n, seed=1)
    t1 = time.perf_counter()
    c1 = time.process_time()
    state = make_threats(cat, names, llat, llon, alat, alon, t_launch, rng, check_range=False)
    build_s = time.perf_counter() - t1
    build_cpu = time.process_time() - c1

    steps = round(args.t / args.dt)
    flight = ThreatFlight(args.dt, parallel_min=10**12 if args.serial else 2000)
    n_imp = 0
    t = 0.0
    t2 = time.perf_counter()
    c2 = time.process_time()
    in_flight_steps = 0
    for _ in range(steps):
        state, imp = flight.advance(state, t, args.dt)
        t += args.dt
        n_imp += len(imp)
        in_flight_steps += int(np.count_nonzero(state.status == 1)) + len(imp)
    fly_s = time.perf_counter() - t2
    fly_cpu = time.process_time() - c2
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    # anchor: NumPy reference vs Numba batch RK4 step on the same 10,000 states (mid-flight)
    mid = make_threats(
        cat, names, llat, llon, alat, alon, np.zeros(args.n), None, check_range=False
    )
    mf = ThreatFlight(args.dt)
    for k in range(100):
        mid, _ = mf.advance(mid, k * args.dt, args.dt)
    sel = mid.status == 1
    ini = mid.init
    a = (mid.pos_ecef_m[sel], mid.vel_ecef_mps[sel], mid.mass_kg[sel], args.dt, ini.thrust_n[sel] * 0,
         ini.mdot_kgps[sel] * 0, ini.area_m2[sel], ini.cd_profile[sel])  # fmt: skip
    import amdsim.physics.eom as eom

    eom.PARALLEL_MIN = 10**12  # anchor compares one core with one core
    rk4_step_batch(*a)
    reps = 20
    ta = time.process_time()
    for _ in range(reps):
        rk4_step_numpy(*a)
    np_s = (time.process_time() - ta) / reps
    ta = time.process_time()
    for _ in range(reps):
        rk4_step_batch(*a)
    nb_s = (time.process_time() - ta) / reps
    m = int(sel.sum())

    load = os.getloadavg()
    lines = [
        "# Threat flight benchmark",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_flight.py --n {args.n} --t {args.t:g} --dt {args.dt:g}"
        + (" --serial`" if args.serial else "`")
        + f" ({'single-threaded kernels' if args.serial else 'Numba threads: ' + str(numba.get_num_threads())})",
        "",
        f"Machine: {os.cpu_count()} CPUs (`nproc`), {_cpu_model()}; Python {sys.version.split()[0]}; "
        f"date {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(the machine is shared: wall times include other jobs).",
        "",
        f"Raid: {args.n} threats, mix "
        + ", ".join(f"{k} {v[0]:.0%}" for k, v in MIX.items())
        + "; launches uniform in 0-60 s from a 60 km square, ranges uniform within each type's "
        "envelope, dispersion on.",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| Numba compile / cache load (tiny build + one step) | {compile_s:.1f} s |",
        f"| build: {args.n} launch solutions + dispersion (wall / CPU) | {build_s:.1f} s / {build_cpu:.1f} s |",
        f"| flight: {steps} steps of {args.dt:g} s (wall / CPU) | **{fly_s:.2f} s** / {fly_cpu:.2f} s |",
        f"| steps per second | {steps / fly_s:.0f} |",
        f"| threat-steps in flight | {in_flight_steps:.3g} ({in_flight_steps / fly_s:.3g} per s wall) |",
        f"| CPU time per threat-step in flight | {fly_cpu / in_flight_steps * 1e9:.0f} ns |",
        f"| impacts | {n_imp} of {args.n} |",
        f"| peak memory (maxrss) | {maxrss_mb:.0f} MB |",
        f"| anchor: NumPy reference RK4 step, {m} threats, one core (CPU time) | {np_s * 1e3:.1f} ms |",
        f"| Numba batch RK4 step, same batch, one core (CPU time) | {nb_s * 1e3:.2f} ms (x{np_s / nb_s:.0f} faster) |",
        "",
        f"Goal: 10,000 threats flown 600 s at 0.1 s in under 10 s: "
        f"{'met' if fly_s < 10.0 else 'NOT met'} on this run ({fly_s:.1f} s wall).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
