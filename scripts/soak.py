"""Soak test: one long Monte Carlo study, memory must stay flat.

Runs ``--replications`` replications of a scenario (default: the built-in default) in one
study through :func:`amdsim.analysis.montecarlo.monte_carlo` on one pool of worker
processes. Every replication reports the resident set size (RSS, from
``/proc/self/status``) of the worker that ran it, measured right after the run; a thread in
this (parent) process samples the parent's RSS every ``--sample-s`` seconds. The study fails
(exit status 1) if any process grows by more than the bound between the end of the warm-up
(first ``--warmup`` fraction of its replications / of the study time) and the end.

Bound (stated, ours): growth <= max(``--bound-mb`` MB, ``--bound-frac`` x warm RSS); defaults
64 MB and 10 %. A per-replication leak of 100 kB fails a 1,000-replication soak on two
workers (~50 MB per worker plus the warm-up) only at the default bound's edge, a leak of
1 MB per replication fails it by far; :func:`check_growth` is unit-tested with synthetic
series.

Usage::

    .venv/bin/python scripts/soak.py --replications 1000          # make soak
    .venv/bin/python scripts/soak.py --replications 100 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any

import numpy as np

__all__ = ["check_growth", "main", "rss_mb", "soak", "soak_run"]


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of process ``pid`` (MB, from ``/proc/<pid>/status`` VmRSS)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024.0
    return float("nan")  # pragma: no cover - every Linux process has VmRSS


def soak_run(scenario: Any, seed: int) -> dict[str, Any]:
    """Run function of the soak study (picklable): the run's metrics plus ``soak_rss_mb``
    and ``soak_pid`` of the worker that ran it."""
    from amdsim.simulation import run

    metrics = dict(run(scenario, seed).metrics())
    metrics["soak_rss_mb"] = rss_mb()
    metrics["soak_pid"] = float(os.getpid())
    return metrics


def check_growth(
    series: list[float], warmup: float = 0.1, bound_mb: float = 64.0, bound_frac: float = 0.1
) -> dict[str, float | bool]:
    """Growth of one process's RSS series (in time order) after its warm-up.

    ``warm`` = median of the first ``warmup`` fraction after the warm-up point (at least 3
    samples), ``end`` = median of the last 10 % (at least 3 samples); ``ok`` when
    ``end - warm <= max(bound_mb, bound_frac * warm)``. Medians ignore single spikes.
    """
    x = np.asarray(series, float)
    n = x.size
    if n < 6:
        return {"n": n, "warm_mb": float("nan"), "end_mb": float("nan"), "growth_mb": 0.0,
                "bound_mb": bound_mb, "ok": True}  # fmt: skip
    start = int(warmup * n)
    k = max(3, n // 10)
    warm = float(np.median(x[start : start + k]))
    end = float(np.median(x[-k:]))
    bound = max(bound_mb, bound_frac * warm)
    return {"n": n, "warm_mb": warm, "end_mb": end, "growth_mb": end - warm, "bound_mb": bound,
            "ok": end - warm <= bound}  # fmt: skip


class _ParentSampler(threading.Thread):
    def __init__(self, period_s: float) -> None:
        super().__init__(daemon=True)
        self.period_s = period_s
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        t0 = time.perf_counter()
        while not self._halt.is_set():
            self.samples.append((time.perf_counter() - t0, rss_mb()))
            self._halt.wait(self.period_s)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def soak(
    n: int,
    scenario: Any = "preset:default",
    workers: int = 2,
    seed: int = 0,
    sample_s: float = 1.0,
    warmup: float = 0.1,
    bound_mb: float = 64.0,
    bound_frac: float = 0.1,
    progress: bool = False,
) -> dict[str, Any]:
    """Run the soak study; returns the per-process growth table and ``ok``."""
    from amdsim.analysis.montecarlo import monte_carlo

    parent = _ParentSampler(sample_s)
    parent.start()
    t0 = time.perf_counter()
    try:
        res = monte_carlo(scenario, n, workers=workers, seed=seed, run_fn=soak_run,
                          progress=progress)  # fmt: skip
    finally:
        parent.stop()
    elapsed = time.perf_counter() - t0
    pids = res.columns["soak_pid"].astype(np.int64)
    rss = res.columns["soak_rss_mb"]
    procs: dict[str, Any] = {}
    for pid in sorted(set(pids.tolist())):
        procs[f"worker {pid}"] = check_growth(list(rss[pids == pid]), warmup, bound_mb, bound_frac)
    procs["parent"] = check_growth([r for _, r in parent.samples], warmup, bound_mb, bound_frac)
    return {
        "replications": n,
        "failed": len(res.failures),
        "workers": res.workers,
        "elapsed_s": elapsed,
        "s_per_replication": elapsed / n,
        "processes": procs,
        "ok": all(bool(p["ok"]) for p in procs.values()) and not res.failures,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--replications", type=int, default=1000)
    p.add_argument("--scenario", default="preset:default")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-s", type=float, default=1.0, help="parent RSS sampling period")
    p.add_argument("--warmup", type=float, default=0.1, help="warm-up fraction per process")
    p.add_argument("--bound-mb", type=float, default=64.0)
    p.add_argument("--bound-frac", type=float, default=0.1)
    p.add_argument("--json", help="also write the result as JSON here")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    out = soak(a.replications, a.scenario, a.workers, a.seed, a.sample_s, a.warmup,
               a.bound_mb, a.bound_frac, progress=not a.quiet)  # fmt: skip
    print(f"soak: {out['replications']} replications of {a.scenario} on {out['workers']} "
          f"workers in {out['elapsed_s']:.0f} s ({out['s_per_replication']:.2f} s each), "
          f"{out['failed']} failed")  # fmt: skip
    for name, g in out["processes"].items():
        print(f"  {name:<16} n={g['n']:<5} warm {g['warm_mb']:.0f} MB -> end {g['end_mb']:.0f} MB "
              f"(growth {g['growth_mb']:+.1f} MB, bound {g['bound_mb']:.0f} MB) "
              f"{'ok' if g['ok'] else 'GROWTH'}")  # fmt: skip
    print("soak: OK, memory flat" if out["ok"] else "soak: FAILED")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    # run as the importable module ``soak`` (this folder is sys.path[0]) so that worker
    # processes can unpickle ``soak.soak_run``
    import soak as _soak

    sys.exit(_soak.main())
