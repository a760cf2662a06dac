"""The EVPPI smoother refitted on bootstrap resamples of a PSA sample, for the standard error of EVSI.

A resample of ``n`` rows repeats some draws and leaves others out. Instead of refitting the rows as drawn,
each distinct draw is fitted once and weighted by its copies: the same regression (:mod:`netlrt.analysis.voi`:
penalised least squares on cubic B-splines of rank-scaled values, at the penalty chosen on the full sample),
with the resample's average ranks counted from each column's distinct values rather than sorted, and its basis
values looked up in a table of the ``2n + 1`` half-ranks a resample can have. Equal to refitting the repeated
rows up to rounding.
"""

from __future__ import annotations

from functools import lru_cache, reduce

import numpy as np

from .voi import bspline_basis, penalised_fit, tensor_design

__all__ = ["distinct", "refit", "resample_value"]


def distinct(x: np.ndarray) -> list[np.ndarray]:
    """For each column of ``x``, each draw's index among the column's sorted distinct values: what the ranks
    of any resample of the draws are counted from (:func:`refit`)."""
    return [np.unique(c, return_inverse=True)[1].reshape(-1) for c in x.T]


def refit(y: np.ndarray, groups: list[np.ndarray], rows: np.ndarray, taken: np.ndarray, times: np.ndarray,
          size: int, lam: float) -> np.ndarray:
    """The regression at basis size ``size`` and penalty ``lam`` fitted on the resample ``rows`` of the draws, as
    fitted values at the draws ``taken`` (ascending), each standing for its ``times`` copies (floats); ``y`` is
    the response at ``taken``.

    The same regression as refitting ``y[rows]`` on ``x[rows]`` (the copies of a draw share its fitted value),
    but a draw's basis row is computed once and weighted instead of repeated, and the resample's average
    ranks are counted from ``groups`` (:func:`distinct`) instead of sorted: several times faster, and equal
    up to rounding (the basis values are the same bits).
    """
    n = len(rows)
    bases = []
    for g in groups:
        count = np.bincount(g[rows])  # copies of each distinct value in the resample
        twice = 2 * np.cumsum(count) - count  # 2 (average rank - 0.5): the rank scale (rank - 0.5) / n, times 2n
        bases.append(_basis(twice[g[taken]], n, size))
    return penalised_fit(tensor_design(bases, size), y, times, size, len(groups), lam)


def resample_value(fitted: np.ndarray, times: np.ndarray, n: int) -> float:
    """The EVPPI of fitted differences (as ``voi._evppi_from_fitted``) for a resample of ``n`` rows given as
    fitted values at its draws and their copies (the maxima over options as a chain of element-wise maxima:
    much faster than ``max(axis=1)`` on few columns)."""
    best = reduce(np.maximum, fitted.T, 0.0)  # max(0, best option) in each draw
    return float(times @ best / n - max(float((times @ fitted).max()) / n, 0.0))


_TABLE_MAX = 50_000  # draws up to which a resample's basis is looked up in a table (6.4 MB per size at most)


def _basis(twice: np.ndarray, n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The B-splines at the rank-scaled values ``(twice / 2) / n``, the arithmetic of ``(rank - 0.5) / n``.

    Average ranks are halves, so a resample of ``n`` draws has at most ``2n + 1`` such values: up to
    :data:`_TABLE_MAX` draws they are computed once per ``(n, size)`` and looked up.
    """
    if n > _TABLE_MAX:
        return bspline_basis(twice / 2 / n, size)
    values, cols = _half_rank_basis(n, size)
    return values.take(twice, axis=0), cols.take(twice, axis=0)  # take: several times faster than values[twice]


@lru_cache(maxsize=8)  # every basis size a call may refit at (voi.BASIS_SIZES)
def _half_rank_basis(n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The basis at every rank-scaled value a resample of ``n`` draws can have, ``(j / 2) / n`` for ``j = 0..2n``."""
    return bspline_basis(np.arange(2 * n + 1) / 2 / n, size)
