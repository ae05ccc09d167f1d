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

import zlib
from typing import NamedTuple

import numpy as np

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


def make_streams(seed: int) -> Streams:
    """The run's named streams; a pure function of the seed."""
    seed = check_seed(seed)
    gens = [
        np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode())])))
        for name in STREAM_NAMES
    ]
    return Streams(*gens)
