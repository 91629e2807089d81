"""Where replications run: in this process, local worker processes, or a Dask cluster.

All three are used through the :mod:`concurrent.futures` interface, so the study code is
the same for each; results are put back in replication order, so they do not depend on
which executor ran them.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from amdsim.core.errors import AmdsimError

__all__ = [
    "ClusterUnreachable",
    "InlineExecutor",
    "check_cluster",
    "default_workers",
    "open_executor",
]


class ClusterUnreachable(AmdsimError, ConnectionError):
    """The Dask scheduler address given with ``--cluster`` does not answer."""


class InlineExecutor(Executor):
    """Runs each task at submit time in the calling process (``workers=1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:  # KeyboardInterrupt and SystemExit propagate
            fut.set_exception(exc)
        return fut


def default_workers() -> int:
    """Number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def check_cluster(address: str, timeout_s: float = 3.0) -> tuple[str, int]:
    """Parse ``tcp://host:port`` and open (then close) a TCP connection to it.

    Raises
    ------
    ValueError
        The address is not ``tcp://host:port``.
    ClusterUnreachable
        Nothing accepts connections there within ``timeout_s``.
    """
    u = urlparse(address if "://" in address else f"tcp://{address}")
    if u.scheme != "tcp" or not u.hostname or not u.port:
        raise ValueError(f"cluster address must look like tcp://HOST:PORT (got {address!r})")
    try:
        with socket.create_connection((u.hostname, u.port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise ClusterUnreachable(
            f"no Dask scheduler answers at {address} ({exc}); start one with "
            f"`dask scheduler` or check the address"
        ) from exc
    return (u.hostname, u.port)


@contextmanager
def open_executor(
    workers: int | None = None, cluster: str | None = None, preload: tuple[str, ...] = ()
) -> Iterator[tuple[Executor, int]]:
    """An executor and its parallelism, shut down on exit.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default: the CPUs available). ``1`` runs in this process.
    cluster : str, optional
        ``tcp://host:port`` of a Dask scheduler; ``workers`` is then ignored.
    preload : tuple of str
        Modules the local fork server imports once (e.g. the run function's module), so
        workers do not each pay the import. Effective when the fork server first starts.
    """
    if cluster is not None:
        check_cluster(cluster)
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dependency missing
            raise ImportError(
                "--cluster needs dask[distributed]: pip install 'dask[distributed]'"
            ) from exc
        try:
            client = Client(cluster, timeout="10s")
        except Exception as exc:  # a port that answers but is not a Dask scheduler
            raise ClusterUnreachable(
                f"{cluster} did not answer as a Dask scheduler: {exc}"
            ) from exc
        try:
            n = max(1, sum(client.nthreads().values()))
            yield client.get_executor(pure=False), n
        finally:
            client.close()
        return
    n = default_workers() if workers is None else int(workers)
    if n < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    if n == 1:
        yield InlineExecutor(), 1
        return
    ctx = multiprocessing.get_context("forkserver")
    # the fork server imports these once; every worker forked from it starts with them loaded
    ctx.set_forkserver_preload(["numpy", "amdsim.analysis._worker", *preload])
    pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx)
    try:
        yield pool, n
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
