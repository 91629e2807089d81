"""Atomic JSON output shared by the studies."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

__all__ = ["write_json"]


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temporary file, then rename); non-finite floats become null."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(_json_safe(obj), indent=2, allow_nan=False))
    tmp.replace(path)
