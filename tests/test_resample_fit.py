"""The bootstrap refit of EVSI's standard error is the EVPPI smoother refitted on the repeated rows."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from netlrt.analysis import voi
from netlrt.analysis.resample_fit import distinct, refit


@pytest.mark.parametrize(("p", "size", "tied"), [(1, 8, False), (1, 6, True), (2, 4, False)])
def test_weighted_refit_equals_refitting_the_repeated_rows(p, size, tied):
    rng = np.random.default_rng(p * 10 + size)
    n = 600
    x = rng.normal(size=(n, p))
    if tied:
        x = np.round(x, 1)  # many draws share a value: average ranks
    y = np.column_stack([x.sum(axis=1) ** 2, np.sin(x[:, 0])]) + rng.normal(scale=0.3, size=(n, 2))
    for _ in range(5):
        rows = rng.integers(0, n, n)
        times = np.bincount(rows, minlength=n)
        taken = np.flatnonzero(times)
        for lam in (0.0, 0.5):
            fitted = refit(y[taken], distinct(x), rows, taken, times[taken].astype(float), size, lam)
            direct = voi._Smoother(voi.rank_scale(x[rows]), size).fitted(y[rows], lam)
            # each copy of a draw has its draw's fitted value
            assert_allclose(fitted[np.searchsorted(taken, rows)], direct, rtol=0, atol=1e-7)
