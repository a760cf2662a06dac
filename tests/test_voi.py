"""EVPI and regression EVPPI: closed-form answers, nested Monte Carlo on the model, the bounds, the basis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from scipy.stats import norm

from netlrt.analysis import MIN_DRAWS, voi
from netlrt.analysis.psa import run_psa


def _expected_positive_part(mu: float, sigma: float) -> float:
    """E[max(0, Z)] for Z ~ N(mu, sigma^2)."""
    return mu * norm.cdf(mu / sigma) + sigma * norm.pdf(mu / sigma)


@pytest.mark.parametrize("mu", [0.2, -0.3])
def test_linear_gaussian_decision_has_closed_form_evpi_and_evppi(mu):
    # Two options; incremental benefit mu + b1 X1 + b2 X2 with X1, X2 iid N(0, 1):
    # EVPI = E[max(0, INB)] - max(0, mu), INB ~ N(mu, b1^2 + b2^2); EVPPI(X_i) replaces the sd by |b_i|.
    b1, b2, n = 1.0, 0.5, 20_000
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, 2))
    u = np.column_stack([np.zeros(n), mu + x @ [b1, b2]])
    want_evpi = _expected_positive_part(mu, np.hypot(b1, b2)) - max(mu, 0)
    est_evpi = voi.evpi(u)
    assert_allclose(float(est_evpi), want_evpi, atol=4 * est_evpi.se)
    for i, b in enumerate((b1, b2)):
        want = _expected_positive_part(mu, b) - max(mu, 0)
        est = voi.evppi(u, x[:, i], seed=0)
        # Tolerance: 4 x the Monte Carlo SD of a sample mean of max(0, mu + b X_i), combined with the
        # regression SE. Over 100 seeds at n = 10 000 the estimator's bias was below 0.001.
        mc = np.maximum(0.0, mu + b * x[:, i]).std() / np.sqrt(n)
        assert_allclose(float(est), want, atol=4 * np.hypot(mc, est.se))
        assert 0 < est.se < 0.01
    both = voi.evppi(u, x, seed=0)  # a group of every parameter is (nearly) perfect information
    assert_allclose(float(both), want_evpi, atol=0.02)


@settings(max_examples=60, deadline=None)
@given(u=arrays(float, st.tuples(st.integers(MIN_DRAWS, MIN_DRAWS + 40), st.integers(2, 4)),
                 elements=st.floats(-10, 10)),
       data=st.data())
def test_evppi_lies_between_zero_and_evpi_on_any_sample(u, data):
    x = data.draw(arrays(float, (u.shape[0], data.draw(st.integers(1, 2))), elements=st.floats(-5, 5)))
    e, total = voi.evppi(u, x, seed=0), voi.evpi(u)
    assert 0.0 <= float(e) <= float(total)
    assert np.isfinite(e.se)


@pytest.mark.parametrize("p", [1, 2])
def test_standard_error_covers_the_spread_over_psa_samples(p):
    """Over independent PSA samples of U2 - U1 = x1 + 0.5 x2 + 0.2 z, the estimates spread about as the SE says
    and +- 1.96 SE holds the closed form sqrt(1 + 0.25 (p - 1)) phi(0) most of the time (here the SD is 0.79 and
    0.76 of the mean SE, coverage 91% and 92%). The regression's error alone gave 1.6 and 3.5, 73% and 39%."""
    n, truth = 1000, np.sqrt(1 + 0.25 * (p - 1)) * norm.pdf(0)
    estimates, ses = [], []
    for seed in range(100):
        x = np.random.default_rng(seed).normal(size=(n, 3))
        e = voi.evppi(np.column_stack([np.zeros(n), x[:, 0] + 0.5 * x[:, 1] + 0.2 * x[:, 2]]), x[:, :p], seed=seed)
        estimates.append(float(e))
        ses.append(e.se)
    estimates, ses = np.array(estimates), np.array(ses)
    assert 0.65 < np.std(estimates, ddof=1) / np.mean(ses) < 1.25
    assert np.mean(np.abs(estimates - truth) < 1.96 * ses) > 0.85


def test_smoother_is_penalised_least_squares_on_its_basis():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(500, 2))
    y = np.column_stack([np.exp(x[:, 0]) * x[:, 1], x[:, 1]]) + rng.normal(size=(500, 2))
    for cols, size in (([0], 12), ([0, 1], 6)):
        smoother = voi._Smoother(voi.rank_scale(x[:, cols]), size)
        basis, pen = smoother.design.toarray(), voi.penalty(size, len(cols))[0]
        for lam in (0.0, 0.3, 30.0):
            want = basis @ np.linalg.solve(basis.T @ basis + lam * pen, basis.T @ y)
            assert_allclose(smoother.fitted(y, lam), want, atol=1e-7)
        assert_allclose(smoother.fitted(y, 0.0), basis @ np.linalg.lstsq(basis, y, rcond=None)[0], atol=1e-7)
        # the largest weight tried leaves the mean (the constant is the only function the penalty leaves free)
        mean = np.broadcast_to(y.mean(axis=0), y.shape)
        assert_allclose(smoother.fitted(y, voi.LAMBDAS[-1] * smoother.scale), mean, atol=1e-6)
        assert_allclose(smoother.fitted(y, 1e300), mean, atol=1e-12)


def test_gcv_chooses_the_weight_of_least_score_computed_from_the_fitted_values():
    """select computes each weight's residuals in the basis's size; here they come from refitting, as GCV says."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3000, 2))
    y = np.column_stack([np.sin(2 * x[:, 0]) + 0.3 * x[:, 1], x[:, 0] ** 2]) + rng.normal(size=(3000, 2))
    for cols in ([0], [0, 1]):
        smoother = voi._Smoother(voi.rank_scale(x[:, cols]), 8)
        scores = []
        for lam in voi.LAMBDAS * smoother.scale:
            rss = float(((y - smoother.fitted(y, lam)) ** 2).sum())
            df = float((1 / (1 + lam * smoother.e)).sum())
            scores.append(3000 * rss / (3000 - voi.GCV_GAMMA * df) ** 2)
        lam, fitted = smoother.select(y)
        assert lam == pytest.approx(voi.LAMBDAS[int(np.argmin(scores))] * smoother.scale, rel=1e-12)
        assert_allclose(fitted, smoother.fitted(y, lam), atol=1e-12)


def test_the_mean_is_kept_when_functions_have_no_draws():
    """A binary parameter leaves most of the 48 functions without draws; the fit must still keep the mean at every
    weight (it went to 0 at the largest, the constant being penalised through the dropped functions)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, 4000).astype(float)
    u = np.column_stack([np.zeros(4000), -1.0 + 1.2 * x + rng.normal(size=4000)])
    fit = voi._fit(u, x)
    delta = voi.differences(u)
    assert len(fit.smoother.used) < fit.smoother.design.shape[1]
    for lam in (fit.lam, voi.LAMBDAS[-1] * fit.smoother.scale):  # up to rounding (1e-5 at 1e11: tied draws)
        assert_allclose(fit.smoother.fitted(delta, lam).mean(axis=0), delta.mean(axis=0), rtol=1e-4)
    # two values: the fit is about the two groups' means (the penalty shrinks their difference a little)
    means = np.array([delta[x == v, 0].mean() for v in (0, 1)])
    want = np.mean(np.maximum(np.where(x == 1, means[1], means[0]), 0.0)) - max(delta[:, 0].mean(), 0.0)
    assert fit.value == pytest.approx(want, rel=0.01)


def test_penalty_leaves_only_the_constant_free():
    for size, p in ((8, 1), (6, 2), (4, 3)):
        pen, floor = voi.penalty(size, p)
        w = np.linalg.eigvalsh(pen)
        assert (w > -1e-9).all() and (w < 1e-9 * w[-1]).sum() == 1 and w[1] == pytest.approx(floor)
        assert_allclose(pen @ np.ones(size**p), 0.0, atol=1e-9)


@pytest.mark.parametrize("p", [1, 3, 5])
def test_a_group_that_cannot_change_the_decision_is_worth_nothing(p):
    """Utilities independent of x: least squares on 4**p functions fitted noise (p = 5 at 4000 draws gave 0.18,
    EVPI 0.39); the penalty's GCV now shrinks the fit to the mean."""
    rng = np.random.default_rng(0)
    u = np.column_stack([np.zeros(4000), rng.normal(size=4000)])
    e = voi.evppi(u, rng.uniform(size=(4000, p)), seed=0)
    assert float(e) < 0.01 * float(voi.evpi(u)) and e.se < 0.01


@pytest.mark.parametrize("n", [2000, 20_000])
def test_decision_that_turns_in_a_tail_is_worth_its_evpi(n):
    """U depends on x alone, so EVPPI(x) = EVPI on every sample; the decision changes only in x's top 2.3%.
    (A local average, netlrt's smoother before least squares, gave 70-75% of EVPI at any n: it averages the
    tail with the draws below it.)"""
    x = np.random.default_rng(0).normal(size=n)
    u = np.column_stack([np.zeros(n), x - 2.0])
    assert float(voi.evppi(u, x, se=False)) == pytest.approx(float(voi.evpi(u)), rel=0.03)


def test_group_of_three_matches_its_closed_form():
    """U2 - U1 = x1 + x2 + x3 + 0.5 z: EVPPI(x1, x2, x3) = sqrt(3) phi(0) = 0.691 and EVPPI(x1, x2) =
    sqrt(2) phi(0) = 0.564 (a local average gave 0.551 for both at 10,000 draws)."""
    n = 10_000
    x = np.random.default_rng(0).normal(size=(n, 4))
    u = np.column_stack([np.zeros(n), x[:, :3].sum(axis=1) + 0.5 * x[:, 3]])
    for p in (2, 3):
        assert float(voi.evppi(u, x[:, :p], se=False)) == pytest.approx(np.sqrt(p) * norm.pdf(0), rel=0.015)


def test_group_larger_than_the_basis_allows_is_refused():
    with pytest.raises(ValueError, match=r"X: a group of 6 parameters; allowed: at most 5 "):
        voi.evppi(np.zeros((100, 2)), np.zeros((100, 6)))


def test_constant_parameter_is_worth_nothing_and_estimate_repeats():
    rng = np.random.default_rng(0)
    u = rng.standard_normal((500, 3))
    assert float(voi.evppi(u, np.ones(500), seed=0)) == 0.0
    a, b = voi.evppi(u, u[:, 0], seed=5), voi.evppi(u, u[:, 0], seed=5)
    assert (float(a), a.se) == (float(b), b.se)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"utilities": np.zeros((10, 1)), "X": np.zeros(10)}, "utilities"),
    ({"utilities": np.zeros((10, 2)), "X": np.zeros(9)}, "X"),
    ({"utilities": np.zeros((10, 2)), "X": np.zeros(10), "n_basis": 2}, "n_basis"),
    ({"utilities": np.full((10, 2), np.nan), "X": np.zeros(10)}, "utilities"),
])
def test_bad_input_is_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        voi.evppi(**kwargs)


def test_basis_and_ranks_are_scipys():
    from scipy.interpolate import BSpline
    from scipy.stats import rankdata

    rng = np.random.default_rng(0)
    for size in voi.BASIS_SIZES:
        u = np.concatenate([rng.random(300), np.linspace(0, 1, size - 2)])  # the knots themselves included
        values, cols = voi.bspline_basis(u, size)
        knots = np.concatenate([[0.0] * 3, np.linspace(0, 1, size - 2), [1.0] * 3])
        want = BSpline.design_matrix(u, knots, 3, extrapolate=True).toarray()
        got = np.zeros_like(want)
        for i in range(len(u)):
            got[i, cols[i]] += values[i]
        assert_allclose(got, want, rtol=0, atol=1e-15)
    x = rng.integers(0, 30, 1000).astype(float)
    assert np.array_equal(voi.ranks(x), rankdata(x))
    scaled = (voi.ranks(rng.random(500)) - 0.5) / 500  # no ties: the cached grid basis, reordered
    assert all(np.array_equal(a, b) for a, b in zip(voi._design(scaled, 8), voi.bspline_basis(scaled, 8)))


def test_untied_parameter_shares_the_sorted_grid_smoother_and_gets_the_general_fit():
    """One parameter without ties is fitted on its sorted draws with a shared smoother: the same EVPPI,
    size choice and residuals (in sorted order) as the smoother built on its own rank scale."""
    rng = np.random.default_rng(3)
    n = 2000
    x = rng.gamma(2.0, size=n)
    u = np.column_stack([np.zeros(n), np.sin(3 * x) + rng.standard_normal(n), 0.2 * x + rng.standard_normal(n)])
    fast = voi._fit(u, x)
    assert voi._untied_order(x) is not None and fast.smoother is voi._grid_smoother(n, fast.smoother.size)
    ref = int(np.argmax(u.mean(axis=0)))
    delta = np.delete(u - u[:, [ref]], ref, axis=1)
    general = voi._Smoother([(voi.ranks(x) - 0.5) / n], fast.smoother.size)
    fitted = general.fitted(delta, fast.lam)
    order = np.argsort(x)
    assert_allclose(fast.fitted, fitted[order], rtol=1e-9, atol=1e-12)  # sums in another order: rounding
    assert_allclose(fast.value, float(voi._evppi_from_fitted(fitted)), rtol=1e-9)
    tied = np.round(x, 1)  # ties: the general path
    assert voi._untied_order(tied) is None and voi._fit(u, tied).smoother is not voi._grid_smoother(n, 4)


def _nested_evppi(ev, patient, param: str, n_outer: int, n_inner: int, seed: int) -> tuple[float, float]:
    """EVPPI by nested Monte Carlo: outer values of ``param``, inner draws of everything else.

    Returns the estimate and its standard error (outer sampling; the inner means share one sample of
    the other parameters, whose noise the second term cancels to first order).
    """
    rng = np.random.default_rng(seed)
    inner = ev.priors.sample(n_inner, rng)
    outer = ev.priors.sample(n_outer, rng)[param]
    cond = np.empty((n_outer, 4))
    for i, v in enumerate(outer):
        cond[i] = ev.batch([patient], {**inner, param: np.full(n_inner, v)}).utility[:, 0].mean(axis=0)
    gain = cond.max(axis=1) - cond[:, int(np.argmax(cond.mean(axis=0)))]
    return float(gain.mean()), float(gain.std(ddof=1) / np.sqrt(n_outer))


def test_regression_evppi_agrees_with_nested_monte_carlo(model, cases):
    # The parameter: the one most correlated with the utility difference of the two modalities best on average
    # (chosen from the loaded priors, so the test follows a change of priors).
    ev, patient = model.evaluator, cases["case3_y90"]
    psa = run_psa(ev, patient, n_draws=20_000, seed=11)
    u = psa.utilities.to_numpy()
    a, b = np.argsort(-u.mean(axis=0))[:2]
    diff = u[:, a] - u[:, b]
    param = max(psa.parameters, key=lambda k: abs(np.corrcoef(psa.draws[k], diff)[0, 1]))
    est = psa.evppi(param, seed=0)
    nested, se = _nested_evppi(ev, patient, param, n_outer=200, n_inner=1_000, seed=12)
    # The regression value also carries the PSA's own sampling error (about EVPI's SE); the nested value has a
    # bias of order var(inner mean) / (inner draws), small at 1000; 4 combined SDs.
    tol = 4 * np.sqrt(se**2 + est.se**2 + psa.evpi().se ** 2)
    assert abs(float(est) - nested) <= tol, (param, float(est), nested, tol)
    assert 0 < float(est) <= float(psa.evpi())
