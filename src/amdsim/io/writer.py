"""Write a run's results folder atomically.

Everything is written into a hidden sibling folder first; only when every file is complete is
it renamed into place, so an interrupted run never leaves a half-written results folder.
Parquet files are written with fixed settings so the same run gives the same bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from amdsim.core.errors import AmdsimError
from amdsim.simulation.result import RunResult

__all__ = ["atomic_dir", "write_json", "write_parquet", "write_results"]

_PARQUET_OPTS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "store_schema": True,
}


def _to_arrow(columns: dict[str, np.ndarray]) -> pa.Table:
    arrays = {}
    for name, col in columns.items():
        col = np.asarray(col)
        if col.dtype == object:
            arrays[name] = pa.array(col.tolist(), type=pa.string())
        else:
            arrays[name] = pa.array(col)
    return pa.table(arrays)


def write_parquet(columns: dict[str, np.ndarray], path: Path) -> None:
    """Write columns to a Parquet file with deterministic settings."""
    pq.write_table(_to_arrow(columns), str(path), **_PARQUET_OPTS)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_json(obj: Any, path: Path) -> None:
    """Write JSON with sorted keys and a trailing newline (deterministic)."""
    text = json.dumps(obj, indent=2, sort_keys=True, default=_json_default, allow_nan=True)
    path.write_text(text + "\n", encoding="utf-8")


@contextlib.contextmanager
def atomic_dir(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir``.

    On any exception the temporary folder is removed and ``out_dir`` is left as it was.
    """
    out = Path(out_dir).resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; results are ordinary folders
    except OSError as exc:
        raise AmdsimError(f"cannot write results to {out}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except OSError as exc:  # full disk, read-only folder: clear message, old folder kept
        shutil.rmtree(tmp, ignore_errors=True)
        kept = f"; {out} was left as it was" if out.exists() else ""
        raise AmdsimError(f"cannot write results to {out}: {exc.strerror or exc}{kept}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_results(
    result: RunResult,
    out_dir: str | os.PathLike[str],
    *,
    extra: Callable[[Path], None] | None = None,
) -> Path:
    """Write ``events.parquet``, ``trajectories.parquet``, ``tracks.parquet``, ``summary.json``
    and ``run.json`` into ``out_dir`` atomically; ``extra(tmp_dir)`` may add files (e.g. the
    report) before the folder is moved into place. Returns the folder."""
    with atomic_dir(out_dir) as tmp:
        write_parquet(result.events.columns(), tmp / "events.parquet")
        if result.trajectories:
            write_parquet(result.trajectories, tmp / "trajectories.parquet")
        if result.tracks:
            write_parquet(result.tracks, tmp / "tracks.parquet")
        write_json(result.summary, tmp / "summary.json")
        write_json(result.meta, tmp / "run.json")
        if extra is not None:
            extra(tmp)
    return Path(out_dir)
