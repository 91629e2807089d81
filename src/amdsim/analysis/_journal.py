"""Append-only JSON-lines checkpoint of finished replications.

Each finished replication is one line ``{"replication": i, "seed": s, "metrics": {...},
"units": {...}}`` (or ``"error": "..."``), written and ``fsync``-ed before the study moves
on, so a study killed at any instant (SIGKILL included) loses at most the replications in
flight. A torn last line (the process died mid-write) is cut off when the journal is
reopened; duplicate indices (cannot happen through this API, but a hand-merged journal
may have them) keep the first record.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

__all__ = ["Journal"]


def _encode(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # "nan", "inf", "-inf": JSON has no literal for them
    return v


def _decode(v: Any) -> Any:
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    return v


class Journal:
    """The checkpoint file of one study.

    Parameters
    ----------
    path : Path
        ``out_dir/journal.jsonl``.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> dict[int, dict[str, Any]]:
        """Records by replication index; truncates a torn final line in place."""
        if not self.path.exists():
            return {}
        raw = self.path.read_bytes()
        end = raw.rfind(b"\n") + 1
        if end != len(raw):
            with open(self.path, "r+b") as f:
                f.truncate(end)
                f.flush()
                os.fsync(f.fileno())
        out: dict[int, dict[str, Any]] = {}
        for line in raw[:end].splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            rec["metrics"] = {k: _decode(v) for k, v in rec.get("metrics", {}).items()}
            out.setdefault(int(rec["replication"]), rec)
        return out

    def append(self, records: list[dict[str, Any]]) -> None:
        """Append records and fsync before returning."""
        if not records:
            return
        lines = []
        for rec in records:
            rec = dict(rec)
            rec["metrics"] = {k: _encode(v) for k, v in rec.get("metrics", {}).items()}
            lines.append(json.dumps(rec, allow_nan=False, sort_keys=True))
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with open(self.path, "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
