"""Same study, same numbers: 1 worker, 2 worker processes, and a real Dask scheduler with
workers started by this test on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from amdsim.analysis.montecarlo import monte_carlo
from amdsim.analysis.synthetic import SyntheticRaid, synthetic_run

pytest.importorskip("distributed")

RAID = SyntheticRaid(n_threats=15)
N = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask_bin() -> str:
    exe = Path(sys.executable).with_name("dask")
    return str(exe) if exe.exists() else (shutil.which("dask") or "dask")


def _wait_port(port: int, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"dask scheduler did not open port {port}")


@pytest.fixture()
def dask_cluster(tmp_path: Path):
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "dask.log", "wb")
    procs = [
        subprocess.Popen(
            [
                _dask_bin(),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            stdout=log,
            stderr=log,
        )
    ]
    try:
        _wait_port(port, 30)
        for k in range(2):  # two worker processes, one thread each, no nanny
            procs.append(
                subprocess.Popen(
                    [
                        _dask_bin(),
                        "worker",
                        addr,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--local-directory",
                        str(tmp_path / f"w{k}"),
                    ],
                    stdout=log,
                    stderr=log,
                )
            )
        from distributed import Client

        with Client(addr, timeout="20s") as c:
            c.wait_for_workers(2, timeout=60)
        yield addr
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def test_identical_results_local_and_dask(dask_cluster: str, tmp_path: Path) -> None:
    one = monte_carlo(RAID, N, workers=1, seed=11, run_fn=synthetic_run, progress=False)
    two = monte_carlo(
        RAID, N, workers=2, seed=11, run_fn=synthetic_run, progress=False, chunk_size=2
    )
    dsk = monte_carlo(
        RAID,
        N,
        cluster=dask_cluster,
        seed=11,
        run_fn=synthetic_run,
        progress=False,
        chunk_size=3,
        out_dir=tmp_path / "dask",
    )
    assert dsk.workers == 2
    for other in (two, dsk):
        assert other.columns.keys() == one.columns.keys()
        for k in one.columns:
            np.testing.assert_array_equal(one.columns[k], other.columns[k])
    assert one.aggregate == dsk.aggregate
