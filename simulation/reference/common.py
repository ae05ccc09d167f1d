"""Shared helpers and the agents of the plain-Python reference (no numba, no kernel code)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..state import PHASES, WORLD_FIELDS


SQRT3 = math.sqrt(3.0)
INITIATION, RUN, REDESIGN, EXPONENTIAL = (PHASES.index(name) for name in
                                          ("initiation", "run", "re-design", "exponential value"))


def spread(sd: float, u: float) -> float:
    """A log-uniform multiplier: exp(sd sqrt3 (2u - 1))."""
    return math.exp(sd * SQRT3 * (2.0 * u - 1.0))


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


def int_power(x: float, n: int) -> float:
    """x ** n for a whole n >= 0 by repeated squaring, the way compiled code computes a
    float to an integer power, so both paths round alike (Python's ``**`` calls pow())."""
    result = 1.0
    while n:
        if n & 1:
            result *= x
        n >>= 1
        x *= x
    return result


def has(mask: int, k: int) -> bool:
    """Does need mask ``mask`` include dimension ``k``?"""
    return (mask >> k) & 1 == 1


def pet_shares(rng, K: int) -> list[float]:
    """K cubed uniforms, normalized (1/K each if all are 0): dimensions a funder favours."""
    cubes = []
    for _ in range(K):
        u = rng.random()
        cubes.append(u * u * u)
    total = 0.0
    for x in cubes:
        total += x
    return [x / total if total > 0.0 else 1.0 / K for x in cubes]


def draw_mask(profile: list[float], complexity: int, rng) -> int:
    """A need mask with ``complexity`` distinct dimensions, each drawn in proportion to
    ``profile`` among the dimensions not yet chosen (one uniform per chosen dimension)."""
    mask = 0
    for _ in range(complexity):
        total = 0.0
        for k, share in enumerate(profile):
            if not has(mask, k):
                total += share
        u = rng.random() * total
        pick, acc = -1, 0.0
        for k, share in enumerate(profile):
            if not has(mask, k):
                pick = k
                acc += share
                if u < acc:
                    break
        mask |= 1 << pick
    return mask


MASK64 = (1 << 64) - 1


def mix64(z: int) -> int:
    """SplitMix64's output function (Steele, Lea & Flood 2014) on a 64-bit integer."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def person_uniform(key: int, b: int) -> float:
    """Person b's uptake uniform this month: the top 53 bits of mix64(key + (b + 1) x
    0x9E3779B97F4A7C15), the (b + 1)-th SplitMix64 output from the month key."""
    return (mix64((key + (b + 1) * 0x9E3779B97F4A7C15) & MASK64) >> 11) / 2.0 ** 53


class CounterStream:
    """The month's counter-based uniforms for need drift and renewal: the i-th (i = 0, 1,
    ...) is person_uniform(key, i)."""

    def __init__(self, key: int):
        self.key, self.i = key, 0

    def random(self) -> float:
        u = person_uniform(self.key, self.i)
        self.i += 1
        return u


@dataclass
class Partner:
    """A partner organization (one slot) and its current representative."""

    slot: int
    active: bool = False
    ever: bool = False
    sector: int = 0
    competence: list = field(default_factory=list)  # per dimension: service per hour
    engagement: float = 0.0
    commitment: float = 0.0
    knowledge: float = 0.0
    tenure: int = 0
    reps: int = 0
    low_months: int = 0
    ceiling: float = 0.0
    grant: float = 0.0
    hours_inkind: float = 0.0
    hours_funded: float = 0.0
    hours_coord: float = 0.0
    hours_orch: float = 0.0
    hours_agenda: float = 0.0
    hours_home: float = 0.0
    excess_coord: float = 0.0
    output: float = 0.0
    capacity: float = 0.0  # multiplier on partner_hours (the run's context)
    stake: float = 0.0     # added to its engagement target (the run's context)
    hours_grants: float = 0.0


@dataclass
class Funder:
    active: bool
    level: float
    preference: list  # the need profile the funder wants served
    tolerance: float = 1.0  # multiplier on expected_cost_per_outcome (its stance)
    term_start: int = 0     # month index at which its current grant began
    shortfall: float = 0.0  # shortfall against its expectation at its last review
    measured: float = 0.0   # cost per outcome it measured at its last review


@dataclass
class Beneficiary:
    needs: int           # bitmask of needed dimensions
    condition: float
    base_engagement: float
    months_above: int = 0
    enrolled: bool = False  # in the partnership's caseload
    achieved: bool = False  # has reached a sustained outcome (counted once)


class World:
    """Partnership-level scalars (``simulation.state.WORLD_FIELDS``), all starting at 0."""

    def __init__(self):
        for name in WORLD_FIELDS:
            setattr(self, name, 0.0)
