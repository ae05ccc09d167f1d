"""Named random streams: one ``numpy.random.Generator`` per process, derived from the seed.

Each process of the model draws from its own stream, seeded by ``SeedSequence([seed,
crc32(name)])``. Changing one process (say, the backbone share changes how often funders
cut) never shifts another's draws, so arms of a comparison share who turns over when,
whose needs drift, and which beneficiaries show up: common random numbers for free.
Each process also draws a fixed number of numbers per month whatever the state, so its
own stream stays aligned across arms too.

Only ``Generator.random()`` (uniform doubles) is used by the kernels, so the plain-Python
reference draws exactly the same numbers. The per-person uniforms of the beneficiaries
process are counter-based (SplitMix64 on a month key drawn from ``uptake`` or ``needs`` and
a counter: ``kernels/beneficiaries.py``, ``person_uniform``): a person's uptake draw needs
no other draw, and the same seed still gives every arm the same draws.
"""

from __future__ import annotations

import ctypes
import zlib
from typing import NamedTuple

import numpy as np
from numpy.random.bit_generator import ISeedSequence

STREAM_NAMES = ("init", "funding", "turnover", "membership", "trust", "uptake", "needs", "context", "shocks")


class Streams(NamedTuple):
    init: np.random.Generator        # initial state: competences, needs, conditions
    funding: np.random.Generator     # measurement noise in grants and reviews; persuasion
    turnover: np.random.Generator    # which representatives leave
    membership: np.random.Generator  # recruitment and recruits' competences
    trust: np.random.Generator       # betrayals
    uptake: np.random.Generator      # which beneficiaries take up services
    needs: np.random.Generator       # need drift
    context: np.random.Generator     # the run's context: capacities, fit, leadership, difficulty, stances
    shocks: np.random.Generator      # grant renewals, funders and partners leaving, leaders, policy


def check_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed = {seed!r} is not allowed: expected a whole number in [0, 2^63)")
    return int(seed)


# numpy's SeedSequence (numpy/random/bit_generator.pyx), done for the nine streams at once.
# ``SeedSequence([seed, crc32(name)])`` hashes its entropy words into a pool of four 32-bit
# words, and ``PCG64`` seeds itself from the pool's ``generate_state(4, uint64)``; building
# them one by one costs about 22 us a stream in numpy's Python-level code (0.2 ms a run).
# The hash constants follow a fixed sequence whatever the entropy, so they are computed
# once here and the nine pools are mixed together as columns of one array: the same words,
# hence the same generators and the same draws (tests/test_engine.py checks it against
# SeedSequence itself for seeds below and above 2^32).
_M32 = 0xFFFFFFFF
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4


def _hash_constants(start: int, mult: int, count: int) -> list[tuple[int, int]]:
    """(constant xor-ed in, constant multiplied by) of each of ``count`` successive hashes."""
    out, h = [], start
    for _ in range(count):
        after = (h * mult) & _M32
        out.append((h, after))
        h = after
    return out


_HASH_A = _hash_constants(_INIT_A, _MULT_A, _POOL + _POOL * (_POOL - 1))
_FILL = np.array([c for c, _ in _HASH_A[:_POOL]], dtype=np.uint32)[:, None]        # pool filling
_FILL_MUL = np.array([m for _, m in _HASH_A[:_POOL]], dtype=np.uint32)[:, None]
_MIX_SRC = [[d for d in range(_POOL) if d != s] for s in range(_POOL)]             # mixing order
_MIX_XOR = [np.array([_HASH_A[_POOL + 3 * s + k][0] for k in range(_POOL - 1)], dtype=np.uint32)[:, None]
            for s in range(_POOL)]
_MIX_MUL = [np.array([_HASH_A[_POOL + 3 * s + k][1] for k in range(_POOL - 1)], dtype=np.uint32)[:, None]
            for s in range(_POOL)]
_HASH_B = _hash_constants(_INIT_B, _MULT_B, 2 * _POOL)                             # generate_state(4, uint64)
_OUT_XOR = np.array([c for c, _ in _HASH_B], dtype=np.uint32)[:, None]
_OUT_MUL = np.array([m for _, m in _HASH_B], dtype=np.uint32)[:, None]
_OUT_ROWS = [i % _POOL for i in range(2 * _POOL)]
_CRCS = np.array([zlib.crc32(name.encode()) for name in STREAM_NAMES], dtype=np.uint32)
_MIX_L32, _MIX_R32, _SHIFT = np.uint32(_MIX_L), np.uint32(_MIX_R), np.uint32(16)


def _words(seed: int) -> list[int]:
    """SeedSequence's 32-bit words of a whole number, least significant first ([0] for 0)."""
    words = []
    while True:
        words.append(seed & _M32)
        seed >>= 32
        if not seed:
            return words


def _pcg64_states(seed: int) -> np.ndarray:
    """``SeedSequence([seed, crc32(name)]).generate_state(4, uint64)`` of every stream, one
    column each (uint64, shape (4, streams)); the crc words are below 2^32 (one word each)
    and the pool (4 words) is longer than the entropy (at most 3), as the loops assume."""
    seed_words = _words(seed)
    pool = np.zeros((_POOL, len(STREAM_NAMES)), dtype=np.uint32)
    pool[: len(seed_words)] = np.array(seed_words, dtype=np.uint32)[:, None]
    pool[len(seed_words)] = _CRCS
    with np.errstate(over="ignore"):
        pool ^= _FILL                                   # hashmix of each entropy word
        pool *= _FILL_MUL
        pool ^= pool >> _SHIFT
        for s in range(_POOL):                          # mix each word into the others
            h = pool[s] ^ _MIX_XOR[s]
            h *= _MIX_MUL[s]
            h ^= h >> _SHIFT
            dst = _MIX_SRC[s]
            r = _MIX_L32 * pool[dst] - _MIX_R32 * h
            r ^= r >> _SHIFT
            pool[dst] = r
        out = pool[_OUT_ROWS] ^ _OUT_XOR                # generate_state: 8 words from the pool
        out *= _OUT_MUL
        out ^= out >> _SHIFT
    return np.ascontiguousarray(out.T).view("<u8").T   # two 32-bit words a uint64, low first


class _Words(ISeedSequence):
    """What ``PCG64`` asks of a seed sequence: ``generate_state(4, uint64)``, given."""

    __slots__ = ("state",)

    def __init__(self, state: np.ndarray):
        self.state = state

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words != _POOL or np.dtype(dtype) != np.uint64:  # only PCG64's own request
            raise ValueError("these words seed a PCG64 only")
        return self.state


def make_streams(seed: int) -> Streams:
    """The run's named streams; a pure function of the seed: ``Generator(PCG64(
    SeedSequence([seed, crc32(name)])))`` for each name, with the nine seed sequences'
    words computed together (``_pcg64_states``)."""
    seed = check_seed(seed)
    states = _pcg64_states(seed)
    return Streams(*[np.random.Generator(np.random.PCG64(_Words(states[:, i].copy())))
                     for i in range(len(STREAM_NAMES))])


# numpy's ``bitgen_t`` (numpy/random/bitgen.h, its stable C interface) of each generator,
# read from the bit generator's capsule: ``kernels.common.generators`` rebuilds numba's
# generator values from these addresses, which costs nothing, where numba's own unboxing
# of a ``Generator`` argument costs about 10 us (ctypes calls in Python) each time.
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = (ctypes.py_object, ctypes.c_char_p)


def stream_addresses(streams: Streams) -> tuple[int, ...]:
    """The address of each stream's ``bitgen_t`` (its state and next-number functions),
    in ``STREAM_NAMES`` order; valid while ``streams`` lives."""
    return tuple(_capsule_pointer(g.bit_generator.capsule, b"BitGenerator") for g in streams)
