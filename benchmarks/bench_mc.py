"""Monte Carlo throughput: replications per second with 1 and 2 local workers and through a
Dask scheduler with 2 workers on 127.0.0.1, all in one process run, same study.

Run:  .venv/bin/python benchmarks/bench_mc.py [--n N] [--n-synthetic M] [--synthetic]
Writes docs/benchmarks/mc.md. Measures a CPU-bound synthetic run (50 ms per replication:
clean scaling and Dask overhead) and, when it runs, the real engine on ``preset:default``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.analysis.montecarlo import monte_carlo
from amdsim.analysis.synthetic import SyntheticRaid, synthetic_run

ROOT = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _real() -> tuple[Any, Any, str, float] | None:
    try:
        from amdsim.scenario import load_scenario
        from amdsim.simulation import run

        scen = load_scenario("preset:default")
        t0 = time.perf_counter()
        run(scen, 0)
        return scen, run, "real engine, preset:default", time.perf_counter() - t0
    except Exception as exc:  # the engine may not run: say so, measure the synthetic run only
        print(f"real engine not usable ({type(exc).__name__}: {exc})")
        return None


def _synthetic() -> tuple[Any, Any, str, float]:
    scen = SyntheticRaid(n_threats=50, busy_s=0.05)
    t0 = time.perf_counter()
    synthetic_run(scen, 0)
    kind = "synthetic CPU-bound run (50 ms of dense solves per replication)"
    return scen, synthetic_run, kind, time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_dask(nworkers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    exe = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    dn = subprocess.DEVNULL
    procs = [
        subprocess.Popen(
            [exe, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=dn,
            stderr=dn,
        )
    ]
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    procs.append(
        subprocess.Popen(
            [
                exe,
                "worker",
                addr,
                "--nworkers",
                str(nworkers),
                "--nthreads",
                "1",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            ],
            stdout=dn,
            stderr=dn,
        )
    )
    from distributed import Client

    with Client(addr, timeout="20s") as c:
        c.wait_for_workers(nworkers, timeout=60)
    return addr, procs


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in reversed(procs):
        p.terminate()
    for p in reversed(procs):
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def _measure(
    workload: tuple[Any, Any, str, float], n: int, configs: list[tuple[str, dict[str, Any]]]
) -> list[str]:
    scen, fn, kind, t_one = workload
    print(f"{kind}: one run {t_one:.3f} s; {n} replications per configuration")
    rows = []
    ref = None
    for label, kw in configs:
        t0 = time.perf_counter()
        r = monte_carlo(scen, n, seed=1, run_fn=fn, progress=False, **kw)
        wall = time.perf_counter() - t0
        diff = (
            []
            if ref is None
            else [
                k
                for k in ref.columns
                if k not in r.columns
                or not np.array_equal(ref.columns[k], r.columns[k], equal_nan=True)
            ]
        )
        ref = ref or r
        rows.append((label, wall, n / wall, diff))
        print(f"{label:45s} {wall:8.2f} s  {n / wall:8.3f} rep/s  differing columns={diff}")
    base = rows[0][2]
    lines = [
        f"### {kind}",
        "",
        f"One run {t_one:.3f} s; {n} replications per configuration, study seed 1.",
        "",
        "| configuration | wall (s) | replications/s | speed-up vs 1 worker | results identical to 1 worker |",
        "|---|---|---|---|---|",
    ]
    for label, wall, rate, diff in rows:
        same = (
            "yes" if not diff else f"NO ({', '.join(diff[:4])}{', ...' if len(diff) > 4 else ''})"
        )
        lines.append(f"| {label} | {wall:.2f} | {rate:.3f} | {rate / base:.2f} | {same} |")
    if len(rows) > 2:
        lines += [
            "",
            f"Dask path vs 2 local processes: {rows[2][2] / rows[1][2]:.2f}x the throughput "
            f"({rows[2][1] - rows[1][1]:+.2f} s wall on this study).",
        ]
    return [*lines, ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--n",
        type=int,
        default=0,
        help="real-engine replications per configuration (default: ~60 s serial)",
    )
    ap.add_argument(
        "--n-synthetic", type=int, default=100, help="synthetic replications per configuration"
    )
    ap.add_argument("--synthetic", action="store_true", help="measure the synthetic run only")
    args = ap.parse_args()
    load = os.getloadavg()
    workloads = [(_synthetic(), args.n_synthetic)]
    real = None if args.synthetic else _real()
    if real is not None:
        workloads.append((real, args.n or int(max(4, min(400, 60.0 / max(real[3], 1e-3))))))
    configs: list[tuple[str, dict[str, Any]]] = [
        ("1 worker (in process)", {"workers": 1}),
        ("2 local worker processes", {"workers": 2}),
    ]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        addr, procs = _start_dask(2)
        configs.append(("Dask: scheduler + 2 workers (nanny) on 127.0.0.1", {"cluster": addr}))
    except Exception as exc:
        print(f"Dask cluster could not start: {exc}")
    body: list[str] = []
    try:
        for wl, n in workloads:
            body += _measure(wl, n, configs)
    finally:
        _stop(procs)
    lines = [
        "# Monte Carlo throughput (`benchmarks/bench_mc.py`)",
        "",
        "Replications per second of one study with 1 worker (in process), 2 local worker processes",
        "and a Dask scheduler with 2 workers on 127.0.0.1 (started before timing), in one process",
        "run. Wall time includes starting the local workers or connecting to the scheduler; no",
        "`out_dir` (nothing written). The last column checks that every configuration gives the",
        "same numbers as 1 worker (a difference on the real engine means its code changed while",
        "the benchmark ran, or a determinism bug).",
        "",
        *body,
        f"Command: `.venv/bin/python benchmarks/bench_mc.py{' --synthetic' if args.synthetic else ''}"
        f"{f' --n {args.n}' if args.n else ''}`",
        f"Machine: {os.cpu_count()} CPUs (`nproc` = {len(os.sched_getaffinity(0))}), {_cpu_model()}; "
        f"Python {platform.python_version()}; {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        f"Load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min): the machine is",
        "shared with other work while this runs, so the figures are indicative.",
        "",
    ]
    out = ROOT / "docs" / "benchmarks" / "mc.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
