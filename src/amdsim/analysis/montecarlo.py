"""Monte Carlo studies: N replications with independent random streams.

Replication ``i`` of a study with seed ``s`` runs with the integer seed
:func:`replication_seed` ``(s, i)``, derived through ``SeedSequence(entropy=s,
spawn_key=(i,))``; the engine splits that seed into its named streams. Results are put
back in replication order, so a study gives the same numbers with 1 worker, many workers
or a Dask cluster. Every finished replication is journalled (``journal.jsonl``, fsync-ed)
so a killed study resumes where it stopped, with nothing lost or run twice.

Outputs in ``out_dir``: ``replications.parquet`` (one row per successful replication:
``replication``, ``seed``, every metric), ``aggregate.json`` (``{metric: {mean, std,
ci_low, ci_high, n, unit, interval}}``), ``failures.json`` (replications that raised,
with their seed so they can be rerun alone) and ``study.json`` (study settings).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.analysis._journal import Journal
from amdsim.analysis._jsonio import write_json
from amdsim.analysis._worker import RunFn, run_chunk
from amdsim.analysis.executors import open_executor
from amdsim.analysis.overrides import portable
from amdsim.analysis.stats import summarise_column
from amdsim.core.errors import AmdsimError

__all__ = [
    "StudyInputError",
    "StudyResult",
    "StudyRunError",
    "check_n",
    "monte_carlo",
    "prepare_out_dir",
    "replication_seed",
    "resolve_scenario",
    "run_study",
    "write_json",
]


class StudyInputError(AmdsimError, ValueError):
    """A study was asked for something it cannot do (N <= 0, unwritable folder, ...)."""


class StudyRunError(AmdsimError, RuntimeError):
    """Replications could not run at all (a worker process died); the finished ones are
    kept in the journal and the study resumes when run again."""


def replication_seed(study_seed: int, index: int) -> int:
    """The engine seed of replication ``index`` of a study seeded ``study_seed`` (63 bits)."""
    ss = np.random.SeedSequence(entropy=int(study_seed), spawn_key=(int(index),))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class StudyResult:
    """What :func:`monte_carlo` returns.

    Attributes
    ----------
    columns : dict[str, np.ndarray]
        ``replication``, ``seed`` and one float column per metric, rows in replication
        order (failed replications omitted).
    aggregate : dict
        ``{metric: {"mean", "std", "ci_low", "ci_high", "n", "unit", "interval"}}``.
    failures : list[dict]
        ``{"replication", "seed", "error"}`` per replication that raised.
    n_resumed, n_computed : int
        Replications read back from the checkpoint / run by this call.
    """

    n: int
    seed: int
    columns: dict[str, np.ndarray]
    aggregate: dict[str, dict[str, Any]]
    failures: list[dict[str, Any]]
    units: dict[str, str] = field(default_factory=dict)
    out_dir: Path | None = None
    n_resumed: int = 0
    n_computed: int = 0
    elapsed_s: float = 0.0
    workers: int = 1

    def lines(self, keys: tuple[str, ...] = ()) -> list[str]:
        """Terminal summary: ``leakers: 3.21 threats (95% CI 2.95 to 3.47, n=200)`` per metric
        (default: every metric), then one line per failed replication with its seed."""
        out = []
        for k in keys or tuple(self.aggregate):
            a = self.aggregate.get(k)
            if a is None:
                continue
            unit = f" {a['unit']}" if a.get("unit") else ""
            out.append(
                f"{k}: {a['mean']:.4g}{unit} (95% CI {a['ci_low']:.4g} to {a['ci_high']:.4g}, n={a['n']})"
            )
        for f in self.failures:
            out.append(f"replication {f['replication']} failed (seed {f['seed']}): {f['error']}")
        return out

    def metric(self, name: str) -> np.ndarray:
        """Values of one metric, one per successful replication."""
        if name not in self.columns:
            raise KeyError(f"no metric {name!r}; have {sorted(self.columns)}")
        return self.columns[name]


def resolve_scenario(scenario: Any) -> Any:
    """A path or ``preset:NAME`` string is loaded with :func:`amdsim.scenario.load_scenario`;
    anything else (a loaded ``Scenario``, a synthetic test scenario) is used as is. The
    result is made picklable for worker processes (:func:`~amdsim.analysis.overrides.portable`)."""
    if isinstance(scenario, (str, Path)):
        from amdsim.scenario import load_scenario

        scenario = load_scenario(scenario)
    return portable(scenario)


def _default_run_fn() -> RunFn:
    from amdsim.simulation import run  # type: ignore[attr-defined]

    return run  # type: ignore[no-any-return]


def prepare_out_dir(out_dir: str | Path) -> Path:
    """Create ``out_dir`` and prove it is writable, or raise :class:`StudyInputError`."""
    p = Path(out_dir)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / ".amdsim-write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise StudyInputError(f"output folder {str(p)!r} is not writable: {exc}") from exc
    return p


def _digest(scenario: Any) -> str:
    return hashlib.sha256(repr(scenario).encode("utf-8")).hexdigest()[:16]


def _check_study(out: Path, seed: int, digest: str) -> None:
    meta_path = out / "study.json"
    if not meta_path.exists():
        return
    meta = json.loads(meta_path.read_text())
    if meta.get("seed") != seed or meta.get("scenario_digest") != digest:
        raise StudyInputError(
            f"{out} holds a different study (seed {meta.get('seed')}, scenario "
            f"{meta.get('scenario_digest')}); use a new output folder to start a new study"
        )


def _progress_bar(enabled: bool, total: int, done: int, label: str = "replications") -> Any:
    if not enabled:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=False,
    )
    bar.start()
    bar.add_task(label, total=total, completed=done)
    return bar


def monte_carlo(
    scenario: Any,
    n: int,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    seed: int = 0,
    run_fn: RunFn | None = None,
    progress: bool = True,
    chunk_size: int | None = None,
    alpha: float = 0.05,
) -> StudyResult:
    """Run ``n`` replications of ``scenario`` and aggregate their metrics.

    Parameters
    ----------
    scenario : Scenario, path or "preset:NAME"
        Passed (pickled) to ``run_fn`` in each worker.
    n : int
        Replications, >= 1. Resuming in the same ``out_dir`` with a larger ``n`` extends
        the study.
    out_dir : path, optional
        Checkpoint and results folder; without it nothing is written and nothing resumes.
    workers : int, optional
        Local processes (default: CPUs available; 1 = in this process).
    cluster : str, optional
        ``tcp://host:port`` of a Dask scheduler (checked before any work starts).
    seed : int
        Study seed; replication seeds derive from it (:func:`replication_seed`).
    run_fn : callable, optional
        ``run_fn(scenario, seed) -> RunResult | mapping``; default
        :func:`amdsim.simulation.run`. Must be picklable (module level) for workers > 1.
    progress : bool
        Show a progress bar on the terminal.
    chunk_size : int, optional
        Replications per task (default: about 8 tasks per worker, at most 16 per task).
    alpha : float
        1 - confidence level of the intervals.
    """
    n = check_n(n)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise StudyInputError(f"seed must be a non-negative integer (got {seed!r})")
    n, seed = int(n), int(seed)
    fn = run_fn if run_fn is not None else _default_run_fn()
    scen = resolve_scenario(scenario)
    out = prepare_out_dir(out_dir) if out_dir is not None else None
    with open_executor(workers, cluster, preload=_preload_of(fn)) as (executor, n_workers):
        return run_study(scen, n, seed, fn, executor, n_workers, out, progress, chunk_size, alpha)


def _preload_of(fn: RunFn) -> tuple[str, ...]:
    mod = getattr(fn, "__module__", None)
    return (mod,) if mod and mod != "__main__" else ()


def check_n(n: Any) -> int:
    """``n`` as an int, or :class:`StudyInputError` unless it is a positive integer."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise StudyInputError(f"number of replications must be a positive integer (got {n!r})")
    return int(n)


def run_study(
    scen: Any,
    n: int,
    seed: int,
    fn: RunFn,
    executor: Executor,
    n_workers: int,
    out: Path | None,
    progress: bool = False,
    chunk_size: int | None = None,
    alpha: float = 0.05,
    label: str = "replications",
) -> StudyResult:
    """One study on an already open executor (what :func:`monte_carlo` and
    :func:`amdsim.analysis.compare.compare` share). ``out`` must be prepared already."""
    digest = _digest(scen)
    done: dict[int, dict[str, Any]] = {}
    journal = None
    if out is not None:
        _check_study(out, seed, digest)
        journal = Journal(out / "journal.jsonl")
        done = {i: r for i, r in journal.load().items() if i < n}
        write_json(
            out / "study.json",
            {
                "n": n,
                "seed": seed,
                "scenario_digest": digest,
                "run_fn": f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}",
            },
        )
    n_resumed = len(done)
    todo = [(i, replication_seed(seed, i)) for i in range(n) if i not in done]
    t0 = time.perf_counter()
    size = chunk_size or max(1, min(16, math.ceil(len(todo) / (8 * n_workers))))
    chunks = [todo[k : k + size] for k in range(0, len(todo), size)]
    bar = _progress_bar(progress, n, n_resumed, label)
    # a bounded window of tasks in flight: results are journalled as they come (also with the
    # in-process executor, which runs a task when it is submitted) and Ctrl-C stops quickly.
    # When tasks fail as a whole (a worker process died), no more are submitted, the rest in
    # flight are drained, and all unfinished replications are reported with their seeds.
    window = 2 * n_workers
    queue = iter(chunks)
    pending: dict[Future[Any], list[tuple[int, int]]] = {}
    lost: list[tuple[int, int]] = []
    error: BaseException | None = None
    try:
        while True:
            while len(pending) < window and error is None:
                chunk = next(queue, None)
                if chunk is None:
                    break
                try:
                    pending[executor.submit(run_chunk, fn, scen, chunk)] = chunk
                except Exception as exc:  # the executor is broken
                    error = exc
            if not pending:
                break
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in finished:
                chunk = pending.pop(fut)
                failure = fut.exception()
                if failure is not None:
                    error = error or failure
                    lost.extend(chunk)
                    continue
                recs = fut.result()
                if journal is not None:
                    try:
                        journal.append(recs)
                    except OSError as exc:  # full disk, folder gone or read-only
                        raise StudyRunError(
                            f"cannot write the checkpoint {journal.path}: {exc.strerror or exc}. "
                            f"{_kept(done, journal)}"
                        ) from exc
                for r in recs:
                    done[r["replication"]] = r
                if bar is not None:
                    bar.advance(bar.task_ids[0], len(recs))
    finally:
        for fut in pending:
            fut.cancel()
        if bar is not None:
            bar.stop()
    if error is not None:
        lost.extend(item for c in queue for item in c)  # never submitted
        lost.sort()
        raise StudyRunError(
            f"replications {[i for i, _ in lost]} (seeds {[sd for _, sd in lost]}) did not finish: "
            f"{type(error).__name__}: {error}. {_kept(done, journal)}"
        ) from error
    elapsed = time.perf_counter() - t0
    return _finish(done, n, seed, out, alpha, n_resumed, len(todo), elapsed, n_workers)


def _kept(done: dict[int, Any], journal: Journal | None) -> str:
    where = f" in {journal.path}" if journal is not None else " only in memory (no out_dir)"
    return f"{len(done)} finished replications are kept{where}; run the study again to resume"


def _finish(
    done: dict[int, dict[str, Any]],
    n: int,
    seed: int,
    out: Path | None,
    alpha: float,
    n_resumed: int,
    n_computed: int,
    elapsed: float,
    n_workers: int,
) -> StudyResult:
    ok = [done[i] for i in sorted(done) if "error" not in done[i]]
    failures = [
        {
            "replication": r["replication"],
            "seed": r["seed"],
            "error": r["error"],
            "traceback": r.get("traceback", ""),
        }
        for i, r in sorted(done.items())
        if "error" in r
    ]
    keys: list[str] = sorted({k for r in ok for k in r["metrics"]})
    units: dict[str, str] = {}
    for r in ok:
        for k, u in r.get("units", {}).items():
            units.setdefault(k, u)
    cols: dict[str, np.ndarray] = {
        "replication": np.array([r["replication"] for r in ok], dtype=np.int64),
        "seed": np.array([r["seed"] for r in ok], dtype=np.int64),
    }
    for k in keys:
        # a missing breakdown entry (leakers_by_type.x) means none; a missing top-level metric is unknown
        fill = 0.0 if "." in k else math.nan
        cols[k] = np.array([float(r["metrics"].get(k, fill)) for r in ok], dtype=float)
    if "leakers" in cols:
        cols["any_leaker"] = (cols["leakers"] > 0).astype(float)
        units["any_leaker"] = "probability"
        keys.append("any_leaker")
    aggregate = {k: summarise_column(cols[k], units.get(k, ""), alpha) for k in keys}
    if out is not None:
        try:
            _write_outputs(out, cols, aggregate, failures)
        except OSError as exc:  # full disk or read-only folder: the journal keeps the work
            raise StudyRunError(
                f"cannot write the study results in {out}: {exc.strerror or exc}. "
                f"All {len(done)} finished replications are kept in {out / 'journal.jsonl'}; "
                "free space and run the study again to write them"
            ) from exc
    return StudyResult(
        n=n,
        seed=seed,
        columns=cols,
        aggregate=aggregate,
        failures=failures,
        units=units,
        out_dir=out,
        n_resumed=n_resumed,
        n_computed=n_computed,
        elapsed_s=elapsed,
        workers=n_workers,
    )


def _write_outputs(
    out: Path,
    cols: dict[str, np.ndarray],
    aggregate: dict[str, Any],
    failures: list[dict[str, Any]],
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = out / "replications.parquet.tmp"
    pq.write_table(pa.table(cols), tmp)
    tmp.replace(out / "replications.parquet")
    write_json(out / "aggregate.json", aggregate)
    write_json(out / "failures.json", failures)
