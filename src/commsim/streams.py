"""Named random streams: one per decision, derived from the replicate's seed.

Each stream is a ``numpy.random.Generator`` whose ``SeedSequence`` has the replicate seed as
entropy and a stable hash of the decision's name as spawn key. Household decisions draw a
full-length array every month (one number per household slot, used or not), so replicate r of
every policy sees the same draws for the same decision: common random numbers, independent
of which other decisions or policies ran, and of the number of workers.
"""

from __future__ import annotations

import zlib

import numpy as np


def name_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Lazily created named generators for one model run."""

    def __init__(self, seed: int):
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer (got {seed!r})")
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def sequence(self, name: str, *keys: int) -> np.random.SeedSequence:
        """The seed sequence of stream ``name``, further keyed by ``keys`` (e.g. month, estate)."""
        return np.random.SeedSequence(self.seed, spawn_key=(name_key(name), *keys))

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._streams.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.sequence(name)))
            self._streams[name] = gen
        return gen

    def once(self, name: str, *keys: int) -> np.random.Generator:
        """A fresh generator for a rare event, keyed e.g. by (month, estate): CRN-safe."""
        return np.random.Generator(np.random.PCG64(self.sequence(name, *keys)))

    def uniform(self, name: str, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1) (float32 is enough for Bernoulli draws) from stream ``name``."""
        return self[name].random(n, dtype=np.float32)
