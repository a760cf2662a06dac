"""The one place randomness enters netlrt: seeds to generators, and a parameter's own random stream."""

from __future__ import annotations

import zlib

import numpy as np

from .checks import is_integer

__all__ = ["SeedLike", "as_generator", "recorded_seed", "stream"]

SeedLike = int | np.random.Generator | None


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed`` (an int, a Generator, or ``None`` for fresh entropy).

    Seed ``0`` is a seed like any other.

    Examples
    --------
    >>> float(as_generator(0).random()) == float(as_generator(0).random())
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if is_integer(seed) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"seed: expected a non-negative int, a numpy Generator or None, got {seed!r}")


def recorded_seed(seed: SeedLike) -> int | None:
    """The seed a result records, to be run again with: an integer seed, ``None`` for a Generator or fresh entropy.

    Examples
    --------
    >>> recorded_seed(np.int64(7)), recorded_seed(np.random.default_rng(7))
    (7, None)
    """
    return int(seed) if is_integer(seed) else None


def stream(pid: str) -> int:
    """A parameter's random stream number: a stable hash of its id (the same in every run and process).

    Examples
    --------
    >>> stream("response_base") == stream("response_base") != stream("or_pes_y90")
    True
    """
    return zlib.crc32(pid.encode("utf-8"))
