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


# --- numpy's SeedSequence and PCG64 seeding, for keyed generators made every month ----------------
# ``np.random.PCG64(np.random.SeedSequence(seed, spawn_key=keys))`` costs 25-45 us, most of it
# hashing the seed words again for every key. The same state is computed below in plain integer
# arithmetic with the seed's and the stream name's part hashed once (numpy/random/bit_generator.pyx:
# ``SeedSequence.mix_entropy`` and ``generate_state``; numpy/random/src/pcg64: ``pcg64_set_seed``).
# tests/test_determinism.py checks the states against numpy's for many seeds and keys.
_M32, _M128 = 0xFFFFFFFF, (1 << 128) - 1
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341
_POOL = 4


def _hash_constants(n: int) -> list[tuple[int, int]]:
    """The (xor, multiplier) pairs of the first ``n`` hashmix calls (they do not depend on values)."""
    h, out = _INIT_A, []
    for _ in range(n):
        nxt = (h * _MULT_A) & _M32
        out.append((h, nxt))
        h = nxt
    return out


_CONSTANTS = _hash_constants(_POOL * _POOL + _POOL * 8)  # the pool, then up to 8 spawn-key words


def _words(x: int) -> list[int]:
    """``x`` as little-endian 32-bit words (0 is one word), as SeedSequence splits integers."""
    out = [x & _M32]
    x >>= 32
    while x:
        out.append(x & _M32)
        x >>= 32
    return out


def _hashmix(value: int, k: int) -> int:
    xor, mult = _CONSTANTS[k]
    value = ((value ^ xor) * mult) & _M32
    return value ^ (value >> 16)


def _mix(x: int, y: int) -> int:
    r = (_MIX_L * x - _MIX_R * y) & _M32
    return r ^ (r >> 16)


def _mix_in(pool: list[int], word: int, k: int) -> int:
    """Mix one more entropy word into ``pool`` (in place; ``_mix(pool[d], _hashmix(word, k + d))``
    written out); returns the next constant index."""
    for d in range(_POOL):
        xor, mult = _CONSTANTS[k + d]
        h = ((word ^ xor) * mult) & _M32
        h ^= h >> 16
        r = (_MIX_L * pool[d] - _MIX_R * h) & _M32
        pool[d] = r ^ (r >> 16)
    return k + _POOL


def _seed_pool(seed: int) -> list[int] | None:
    """SeedSequence's pool after the seed's words (padded to the pool size: keys follow), or None
    for a seed of more than four words."""
    run = _words(seed)
    if len(run) > _POOL:
        return None
    run += [0] * (_POOL - len(run))
    pool = [_hashmix(run[i], i) for i in range(_POOL)]
    k = _POOL
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hashmix(pool[src], k))
                k += 1
    return pool


def _pcg64_state(pool: list[int]) -> dict:
    """The PCG64 state seeded by a SeedSequence with this pool (``generate_state(4, uint64)``,
    then ``pcg64_set_seed``)."""
    h, w = _INIT_B, []
    for i in range(8):
        v = pool[i % _POOL] ^ h
        h = (h * _MULT_B) & _M32
        v = (v * h) & _M32
        w.append(v ^ (v >> 16))
    initstate = ((w[0] | w[1] << 32) << 64) | (w[2] | w[3] << 32)
    initseq = ((w[4] | w[5] << 32) << 64) | (w[6] | w[7] << 32)
    inc = ((initseq << 1) | 1) & _M128
    state = (((inc + initstate) & _M128) * _PCG_MULT + inc) & _M128
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}


class Streams:
    """Lazily created named generators for one model run."""

    def __init__(self, seed: int):
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer (got {seed!r})")
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}
        self._seed_pool = _seed_pool(self.seed)
        self._keyed: dict[str, tuple[list[int], int, np.random.Generator]] = {}

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

    def keyed(self, name: str, *keys: int) -> np.random.Generator:
        """The generator :meth:`once` gives for (``name``, ``keys``), faster: one generator per
        name is re-seeded on each call, so it is valid only until the next ``keyed`` call with
        the same name (draw from it at once; for a decision made every month, e.g. staffing).
        Keys are non-negative integers below 2**32."""
        entry = self._keyed.get(name)
        if len(keys) > 7 or self._seed_pool is None:
            return self.once(name, *keys)
        if entry is None:
            pool = list(self._seed_pool)
            k = _mix_in(pool, name_key(name), _POOL * _POOL)
            entry = self._keyed[name] = (pool, k, self.once(name, *keys))
            return entry[2]
        base, k, gen = entry
        pool = list(base)
        for key in keys:
            if not 0 <= key <= _M32:
                return self.once(name, *keys)
            k = _mix_in(pool, key, k)
        gen.bit_generator.state = _pcg64_state(pool)
        return gen

    def uniform(self, name: str, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1) (float32 is enough for Bernoulli draws) from stream ``name``."""
        return self[name].random(n, dtype=np.float32)
