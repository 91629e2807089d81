"""Feed inputs to amdsim's readers with bounded time and memory and classify the outcome.

A child process (``python -m tests.robustness._probe``) reads a JSON list of cases
``{"kind": "scenario"|"csv"|"track", "path": ...}`` on stdin, sets ``RLIMIT_AS`` (address
space) once, runs each case under ``signal.alarm`` (wall clock), and prints one JSON result
per case: ``{"outcome", "message", "seconds", "peak_mb"}``. Outcomes:

* ``error``    – a clear amdsim error (ScenarioError / InputError) whose every line starts
  with ``file:line:`` (``error_no_line`` when a line lacks it);
* ``accepted`` – the input was valid and loaded;
* ``crash``    – any other exception (a traceback for the user): always a bug;
* ``timeout``, ``memory`` – the bound was hit: always a bug.

``peak_mb`` is the child's peak resident set after the case (a running maximum).
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["LINE_RE", "probe_many"]

TIMEOUT_S = 20
MEM_LIMIT_MB = 3072
LINE_RE = re.compile(r"^[^\s:][^:]*:\d+: ")


class _Alarm(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Alarm()


def _run_one(kind: str, path: str) -> None:
    if kind == "scenario":
        from amdsim.scenario import load_scenario

        load_scenario(path)
    elif kind == "csv":
        from amdsim.tracking.interchange import read_detections_csv

        read_detections_csv(path)
    elif kind == "track":
        from amdsim.tracking.interchange import track_detections

        track_detections(path, sigma_m=20.0)
    else:  # pragma: no cover - a bug in the test
        raise ValueError(kind)


def _classify(kind: str, path: str, timeout_s: int) -> dict[str, Any]:
    from amdsim.core.errors import AmdsimError

    t0 = time.perf_counter()
    signal.alarm(timeout_s)
    try:
        _run_one(kind, path)
        outcome, message = "accepted", ""
    except _Alarm:
        outcome, message = "timeout", f"no answer within {timeout_s} s"
    except MemoryError:
        outcome, message = "memory", "MemoryError"
    except AmdsimError as exc:
        message = str(exc)
        lines = message.splitlines() or [""]
        outcome = "error" if all(LINE_RE.match(x) for x in lines) else "error_no_line"
    except BaseException as exc:  # anything else reaches the user as a traceback
        outcome, message = "crash", f"{type(exc).__name__}: {exc}"[:400]
    finally:
        signal.alarm(0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "outcome": outcome,
        "message": message,
        "seconds": time.perf_counter() - t0,
        "peak_mb": peak_mb,
    }


def _main() -> None:
    cases = json.load(sys.stdin)
    mem = int(os.environ.get("AMDSIM_PROBE_MEM_MB", MEM_LIMIT_MB)) * 1024 * 1024
    timeout_s = int(os.environ.get("AMDSIM_PROBE_TIMEOUT_S", TIMEOUT_S))
    import amdsim.scenario
    import amdsim.tracking.interchange  # noqa: F401  (import before the memory limit bites)

    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    signal.signal(signal.SIGALRM, _on_alarm)
    for case in cases:
        res = _classify(case["kind"], case["path"], timeout_s)
        print(json.dumps(res), flush=True)


def probe_many(
    cases: list[tuple[str, str | os.PathLike[str]]],
    cwd: str | os.PathLike[str] | None = None,
    timeout_s: int = TIMEOUT_S,
    mem_mb: int = MEM_LIMIT_MB,
) -> list[dict[str, Any]]:
    """Run ``cases`` ``[(kind, path), ...]`` in one bounded child; one result per case.

    Paths are passed as given (relative ones resolve against ``cwd``), so error messages
    name them as a user would have typed them.
    """
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ)
    env.update(
        AMDSIM_PROBE_MEM_MB=str(mem_mb),
        AMDSIM_PROBE_TIMEOUT_S=str(timeout_s),
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        PYTHONPATH=os.pathsep.join([str(root), env.get("PYTHONPATH", "")]),
    )
    payload = json.dumps([{"kind": k, "path": os.fspath(p)} for k, p in cases])
    proc = subprocess.run(
        [sys.executable, "-m", "tests.robustness._probe"],
        input=payload,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60 + timeout_s * len(cases),
    )
    out = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    while len(out) < len(cases):  # the child died (e.g. killed for memory): name the rest
        out.append(
            {
                "outcome": "died",
                "message": f"probe exited {proc.returncode}: {proc.stderr[-300:]}",
                "seconds": None,
                "peak_mb": None,
            }
        )
    return out


if __name__ == "__main__":
    _main()
