"""Named, independent random streams from one seed.

Each stream is keyed by a *name* (``"threats.dispersion"``, ``"radar/North MMR"``,
``"kill"``), hashed stably into the ``spawn_key`` of a :class:`numpy.random.SeedSequence`.
Streams therefore do not depend on the order in which they are requested, so adding a
radar does not change the kill draws.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> tuple[int, ...]:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class RngStreams:
    """Factory of named generators derived from one integer seed.

    Examples
    --------
    >>> streams = RngStreams(42)
    >>> a = streams.get("kill").random()
    >>> b = RngStreams(42).get("kill").random()
    >>> a == b
    True
    """

    __slots__ = ("seed",)

    def __init__(self, seed: int):
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer (got {seed!r})")
        self.seed = int(seed)

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(entropy=self.seed, spawn_key=_name_key(name))

    def get(self, name: str) -> np.random.Generator:
        """A fresh generator for stream ``name`` (same name, same seed -> same draws)."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
