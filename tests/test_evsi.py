"""EVSI: closed forms (beta-binomial, normal on the log scale), nested Monte Carlo, the bounds, the data
models, population scaling, ENBS and the plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from scipy.stats import betabinom, norm

from netlrt.analysis import MIN_DRAWS
from netlrt.analysis import evsi as evsi_module
from netlrt.analysis.evsi import (BinomialOutcome, ENBSResult, EVSICurve, ExponentialMedian, LogNormalEstimate,
                                  PopulationScale, StudyDesign, TwoArmRatio, enbs, evsi, evsi_curve, population_value)

voi = evsi_module._voi()  # netlrt's EVPI/EVPPI, wherever the EVSI module finds it
N = 4000
METHODS = ["regression", "two_stage"]


# --- closed forms -------------------------------------------------------------------------------------------------

def _beta_binomial_evsi(a: float, b: float, n: int, gain: float, c: float) -> float:
    """Exact EVSI of a single-arm binomial study: options gain * p and c, p ~ Beta(a, b)."""
    x = np.arange(n + 1)
    posterior_mean = (a + x) / (a + b + n)
    return float((betabinom.pmf(x, n, a, b) * np.maximum(gain * posterior_mean, c)).sum() - max(gain * a / (a + b), c))


def _expected_max_lognormal(mu: float, tau: float, c: float) -> float:
    """E[max(W, c)] for log W ~ N(mu, tau^2)."""
    return float(c * norm.cdf((np.log(c) - mu) / tau)
                 + np.exp(mu + tau**2 / 2) * norm.cdf((mu + tau**2 - np.log(c)) / tau))


def _lognormal_evsi(m: float, s: float, sd: float, n: int, gain: float, c: float) -> float:
    """Exact EVSI: options gain * theta and c, log theta ~ N(m, s^2), log estimate ~ N(log theta, sd^2 / n).

    The posterior of log theta is normal with variance v = 1 / (1/s^2 + n/sd^2) and a mean that is
    N(m, s^2 - v) before the data, so E[theta | data] = exp(mean + v/2) is log-normal.
    """
    v = 1.0 / (1.0 / s**2 + n / sd**2)
    return _expected_max_lognormal(np.log(gain) + m + v / 2, np.sqrt(s**2 - v), c) - max(gain * np.exp(m + s**2 / 2), c)


def test_closed_forms_tend_to_the_evppi():
    # Perfect information on p: E[max(p, c)] - max(E p, c), by quadrature of the beta density.
    from scipy.integrate import quad
    from scipy.stats import beta

    evppi_p = quad(lambda p: max(p, 0.32) * beta.pdf(p, 3, 7), 0, 1)[0] - 0.32
    assert_allclose(_beta_binomial_evsi(3, 7, 100_000, 1.0, 0.32), evppi_p, rtol=1e-3)
    evppi_t = _expected_max_lognormal(0.0, 0.5, 1.1) - max(np.exp(0.125), 1.1)
    assert_allclose(_lognormal_evsi(0.0, 0.5, 2.0, 10**9, 1.0, 1.1), evppi_t, rtol=1e-6)
    assert _lognormal_evsi(0.0, 0.5, 2.0, 10, 1.0, 1.1) < _lognormal_evsi(0.0, 0.5, 2.0, 100, 1.0, 1.1) < evppi_t


@pytest.fixture(scope="module")
def beta_case():
    """p ~ Beta(3, 7); option A = p plus noise from another parameter, option B = 0.32."""
    rng = np.random.default_rng(11)
    p, other = rng.beta(3, 7, N), rng.normal(0, 0.2, N)
    return np.column_stack([p + other, np.full(N, 0.32)]), {"p": p, "other": other}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [5, 40])
def test_binomial_study_matches_the_beta_binomial_closed_form(beta_case, n, method):
    u, draws = beta_case
    est = evsi(u, draws, StudyDesign(BinomialOutcome("p", n)), method=method, seed=1)
    # Over 40 repeated samples like this one the bias was below 0.0004 and the SD 1.1-1.25 times the mean SE.
    assert abs(float(est) - _beta_binomial_evsi(3, 7, n, 1.0, 0.32)) < 4 * est.se
    assert 0 < est.se < 0.01


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [10, 100])
def test_lognormal_study_matches_the_normal_posterior_closed_form(n, method):
    rng = np.random.default_rng(12)
    theta, other = np.exp(rng.normal(0.0, 0.5, N)), rng.normal(0, 0.3, N)
    u = np.column_stack([theta + other, np.full(N, 1.1)])
    est = evsi(u, {"theta": theta}, StudyDesign(LogNormalEstimate("theta", n, sd=2.0)), method=method, seed=2)
    assert abs(float(est) - _lognormal_evsi(0.0, 0.5, 2.0, n, 1.0, 1.1)) < 4 * est.se


def _nested_evsi_median(n: int, follow_up: float, n_outer: int, n_inner: int, seed: int) -> tuple[float, float]:
    """EVSI of an ExponentialMedian study by nested Monte Carlo, and its standard error.

    Options 0.05 * median and 1.05, log median ~ N(log 20, 0.4^2). Outer loop: a median and a cohort's
    data (deaths d, exposure E); inner loop: the posterior mean of the median by importance weights
    (likelihood rate^d exp(-rate E)) on an independent prior sample.
    """
    rng = np.random.default_rng(seed)
    med_out, med_in = np.exp(rng.normal(np.log(20), 0.4, n_outer)), np.exp(rng.normal(np.log(20), 0.4, n_inner))
    t = (med_out / np.log(2))[:, None] * rng.standard_exponential((n_outer, n))
    deaths, exposure = (t < follow_up).sum(axis=1), np.minimum(t, follow_up).sum(axis=1)
    rate = np.log(2) / med_in
    loglik = deaths[:, None] * np.log(rate) - exposure[:, None] * rate
    w = np.exp(loglik - loglik.max(axis=1, keepdims=True))
    post = np.column_stack([0.05 * (w @ med_in) / w.sum(axis=1), np.full(n_outer, 1.05)])
    regret = post.max(axis=1) - post[:, int(np.argmax(post.mean(axis=0)))]
    return float(regret.mean()), float(regret.std(ddof=1) / np.sqrt(n_outer))


@pytest.mark.parametrize("method", METHODS)
def test_median_survival_study_agrees_with_nested_monte_carlo(method):
    rng = np.random.default_rng(13)
    median = np.exp(rng.normal(np.log(20), 0.4, N))
    u = np.column_stack([0.05 * median + rng.normal(0, 0.2, N), np.full(N, 1.05)])
    design = StudyDesign(ExponentialMedian("median", 20, follow_up=24.0))
    est = evsi(u, {"median": median}, design, method=method, seed=3)
    nested, nested_se = _nested_evsi_median(20, 24.0, 3000, 3000, seed=4)
    assert abs(float(est) - nested) < 4 * np.hypot(est.se, nested_se)
    assert float(est) < float(voi.evppi(u, median)) - 0.02  # 20 patients are far from perfect information


@pytest.mark.parametrize("method", METHODS)
def test_two_binomial_outcomes_match_the_closed_form(method):
    # Options p1 - 0.05 and p0 with independent betas: the exact EVSI is a double sum over both predictives.
    a0, b0, a1, b1, n = 6, 14, 8, 12, 50
    rng = np.random.default_rng(14)
    p0, p1 = rng.beta(a0, b0, N), rng.beta(a1, b1, N)
    u = np.column_stack([p1 - 0.05 + rng.normal(0, 0.05, N), p0])
    x = np.arange(n + 1)
    inb = (a1 + x)[None, :] / (a1 + b1 + n) - (a0 + x)[:, None] / (a0 + b0 + n) - 0.05
    weight = betabinom.pmf(x, n, a0, b0)[:, None] * betabinom.pmf(x, n, a1, b1)[None, :]
    exact = float((weight * np.maximum(inb, 0)).sum()) - max(a1 / (a1 + b1) - a0 / (a0 + b0) - 0.05, 0.0)
    design = StudyDesign([BinomialOutcome("p0", n), BinomialOutcome("p1", n)])
    est = evsi(u, {"p0": p0, "p1": p1}, design, method=method, seed=5)
    # Over 8 samples like this one the mean was about 2% low, half an SE (the local average used before
    # 27 November 2026 was 9% low, 16% with two_stage).
    assert abs(float(est) - exact) < 3 * est.se


# --- bounds, shape of the curve, degenerate cases -----------------------------------------------------------------

def test_curve_rises_towards_the_evppi_of_the_measured_parameter(beta_case):
    u, draws = beta_case
    curve = evsi_curve(u, draws, lambda n: StudyDesign(BinomialOutcome("p", n)), [2, 10, 50, 250, 2000], seed=6)
    v, se = np.array(curve.evsi), np.array(curve.se)
    assert (np.diff(v) > -2 * se[1:]).all()  # roughly increasing
    assert v[0] < v[-1] - 3 * se[-1]
    assert curve.evppi == pytest.approx(float(voi.evppi(u, draws["p"])), abs=1e-12)  # the same fit
    assert (v <= curve.evppi).all() and curve.evppi <= curve.evpi
    assert abs(v[-1] - curve.evppi) < 0.05 * curve.evppi
    df = curve.to_df()
    assert list(df.columns) == ["n", "evsi", "se"] and df["n"].tolist() == [2, 10, 50, 250, 2000]
    assert "EVSI" in curve._repr_html_()


def test_one_study_gives_one_number_alone_and_on_a_curve(beta_case):
    """The report shows a study's EVSI in a ranking (evsi) and on a curve of sizes (evsi_curve): with one seed they
    simulate the same data, so the two tables agree (they once drew different data, 0.0258 against 0.0250)."""
    u, draws = beta_case
    curve = evsi_curve(u, draws, lambda n: StudyDesign(BinomialOutcome("p", n)), [10, 60], seed=3)
    alone = evsi(u, draws, StudyDesign(BinomialOutcome("p", 60)), seed=3)
    assert (float(alone), alone.se) == (curve.evsi[1], curve.se[1])


@pytest.mark.parametrize("method", METHODS)
def test_a_parameter_that_cannot_change_the_decision_is_worth_nothing(beta_case, method):
    u, draws = beta_case
    dominated = np.column_stack([u[:, 0] + 1.0, u[:, 1]])  # A is better in every draw
    e = evsi(dominated, draws, StudyDesign(BinomialOutcome("p", 30)), method=method, seed=0)
    assert (float(e), e.se) == (0.0, 0.0)
    # The decision turns on 'other' only; what the study measures is independent of the utilities.
    rng = np.random.default_rng(7)
    unrelated = {"q": rng.uniform(size=N)}
    e = evsi(u, unrelated, StudyDesign(BinomialOutcome("q", 1000)), method=method, seed=0)
    assert float(e) <= float(voi.evppi(u, unrelated["q"])) < 0.1 * float(voi.evpi(u))
    assert float(e) <= 3 * e.se  # 0 with SE 0 when the regression shrinks to the mean


@settings(max_examples=25, deadline=None)
@given(u=arrays(float, st.tuples(st.integers(MIN_DRAWS, MIN_DRAWS + 40), st.integers(2, 3)),
                 elements=st.floats(-10, 10)),
       data=st.data(), method=st.sampled_from(METHODS))
def test_evsi_lies_between_zero_and_the_evppi_on_any_sample(u, data, method):
    p = data.draw(arrays(float, u.shape[0], elements=st.floats(0, 1)))
    e = evsi(u, {"p": p}, StudyDesign(BinomialOutcome("p", data.draw(st.integers(1, 50)))), method=method, seed=0)
    assert 0.0 <= float(e) <= float(voi.evppi(u, p)) <= float(voi.evpi(u))
    assert np.isfinite(e.se)


def test_seeded_runs_repeat_exactly(beta_case):
    u, draws = beta_case
    design = StudyDesign(TwoArmRatio("or", 30, control_risk=0.3))
    ratio = {"or": np.exp(draws["p"] - 0.3)}
    a, b = evsi(u, ratio, design, seed=8), evsi(u, ratio, design, seed=np.random.default_rng(8))
    assert (float(a), a.se) == (float(b), b.se)
    assert float(evsi(u, ratio, design, seed=9)) != float(a)
    make = lambda n: StudyDesign(BinomialOutcome("p", n))  # noqa: E731
    pd.testing.assert_frame_equal(evsi_curve(u, draws, make, [5, 20], seed=1).to_df(),
                                  evsi_curve(u, draws, make, [5, 20], seed=1).to_df())


def test_summary_scale_does_not_change_the_estimate(beta_case):
    # The smoother works on ranks, and the logit is monotone.
    u, draws = beta_case
    a = evsi(u, draws, StudyDesign(BinomialOutcome("p", 25)), seed=10)
    b = evsi(u, draws, StudyDesign(BinomialOutcome("p", 25, summary="logit")), seed=10)
    assert (float(a), a.se) == (float(b), b.se)


# --- data models --------------------------------------------------------------------------------------------------

def test_data_models_simulate_what_they_document():
    rng = np.random.default_rng(0)
    ones = np.ones(3000)
    # Exponential cohort, follow-up = median: half die, so the log median's SD is ~1/sqrt(200).
    t = StudyDesign(ExponentialMedian("m", 400, follow_up=12.0)).simulate({"m": 12 * ones}, seed=rng)[:, 0]
    assert_allclose(t.mean(), np.log(12), atol=0.01)
    assert_allclose(t.std(), 1 / np.sqrt(200), rtol=0.1)
    # Hazard ratio 0.5 with control risk 0.3: deaths 60 and 200 * (1 - 0.7 ** 0.5) = 32.7 per 200.
    hr = StudyDesign(TwoArmRatio("hr", 200, 0.3, scale="hazard")).simulate({"hr": 0.5 * ones}, seed=rng)[:, 0]
    assert_allclose(hr.mean(), np.log(0.5), atol=0.02)
    assert_allclose(hr.std(), np.sqrt(1 / 60.5 + 1 / 33.2), rtol=0.1)
    # Odds ratio 2 with the control risk a parameter: two statistics, the second the control proportion.
    s = StudyDesign(TwoArmRatio("or", 2000, "p0")).simulate({"or": 2 * ones, "p0": 0.3 * ones}, seed=rng)
    assert s.shape == (3000, 2)
    assert_allclose(s.mean(axis=0), [np.log(2), 0.3], atol=0.01)
    logit = BinomialOutcome("p", 10, summary="logit").simulate({"p": np.zeros(2)}, rng)
    assert_allclose(logit[:, 0], np.log(0.5 / 10.5))


@pytest.mark.parametrize(("make", "name"), [
    (lambda: BinomialOutcome("p", 0), "n"),
    (lambda: BinomialOutcome("p", True), "n"),
    (lambda: BinomialOutcome("p", 10.0), "n"),
    (lambda: BinomialOutcome("", 10), "parameter"),
    (lambda: BinomialOutcome("p", 10, summary="mean"), "summary"),
    (lambda: LogNormalEstimate("t", 10, sd=0.0), "sd"),
    (lambda: LogNormalEstimate("t", 10, sd="1"), "sd"),
    (lambda: ExponentialMedian("m", 10, follow_up=-1.0), "follow_up"),
    (lambda: TwoArmRatio("or", 0, 0.3), "n_per_arm"),
    (lambda: TwoArmRatio("or", 10, 1.5), "control_risk"),
    (lambda: TwoArmRatio("or", 10, 0.3, scale="risk"), "scale"),
    (lambda: StudyDesign([]), "measurements"),
    (lambda: StudyDesign([1]), "measurements"),
    (lambda: StudyDesign([BinomialOutcome("p", 5), BinomialOutcome("p", 9)]), "measurements"),
])
def test_invalid_designs_name_the_argument(make, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        make()


@pytest.mark.parametrize(("design", "draws", "match"), [
    (StudyDesign(BinomialOutcome("q", 10)), {"p": np.full(20, 0.5)}, r"design: parameter 'q' is not in draws"),
    (StudyDesign(BinomialOutcome("hr", 10)), {"hr": np.full(20, 1.5)}, r"design: BinomialOutcome needs a probab"),
    (StudyDesign(LogNormalEstimate("p", 10, 1.0)), {"p": np.full(20, -0.5)}, r"design: LogNormalEstimate needs"),
    (StudyDesign(TwoArmRatio("or", 10, "p0")), {"or": np.ones(20), "p0": np.full(20, 2.0)}, r"control_risk"),
    (StudyDesign(BinomialOutcome("p", 10)), {"p": np.full(20, "0.5")}, r"draws\['p'\]: dtype"),
    (StudyDesign(BinomialOutcome("p", 10)), {"p": np.full(19, 0.5)}, r"draws\['p'\]: shape"),
    ("p", {"p": np.full(20, 0.5)}, r"^design:"),
    (StudyDesign([BinomialOutcome(f"p{i}", 10) for i in range(6)]), {f"p{i}": np.full(20, 0.5) for i in range(6)},
     r"^design: measures 6 parameters \(p0, p1, p2, p3, p4, p5\); allowed: at most 5, the largest group whose "),
])
def test_designs_that_do_not_fit_the_draws_are_refused(design, draws, match):
    with pytest.raises(ValueError, match=match):
        evsi(np.zeros((20, 2)), draws, design)


def test_bad_arguments_are_named():
    u, draws, make = np.zeros((20, 2)), {"p": np.full(20, 0.5)}, lambda n: StudyDesign(BinomialOutcome("p", n))
    cases = [(lambda: evsi(u, draws, make(5), method="gam"), "method"),
             (lambda: evsi(np.zeros((20, 1)), draws, make(5)), "utilities"),
             (lambda: evsi_curve(u, draws, make, [10, 5]), "sizes"),
             (lambda: evsi_curve(u, draws, make, [0, 5]), "sizes"),
             (lambda: evsi_curve(u, draws, lambda n: None, [5]), "design_for_n"),
             (lambda: evsi_curve(u, {**draws, "q": draws["p"]},
                                 lambda n: make(n) if n < 9 else StudyDesign(BinomialOutcome("q", n)), [5, 9]),
              "design_for_n")]
    for call, name in cases:
        with pytest.raises(ValueError, match=rf"^{name}:"):
            call()


# --- population and ENBS ------------------------------------------------------------------------------------------

def test_population_scale_is_the_discounted_sum_of_annual_cohorts():
    scale = PopulationScale(123.0, 10, 0.035)
    assert_allclose(scale.discounted_patients(), sum(123.0 / 1.035**t for t in range(10)), rtol=1e-12)
    assert PopulationScale(50, 4, 0.0).discounted_patients() == 200.0
    e = population_value(voi.Estimate(0.02, 0.001), PopulationScale(50, 4, 0.0))
    assert (float(e), e.se) == pytest.approx((4.0, 0.2))
    assert population_value(0.5, PopulationScale(50, 4, 0.0)) == 100.0
    pd.testing.assert_series_equal(population_value(pd.Series([0.1, 0.2]), PopulationScale(10, 1, 0.0)),
                                   pd.Series([1.0, 2.0]))
    assert_allclose(population_value(np.array([0.1]), PopulationScale(10, 2, 0.0)), [2.0])


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"patients_per_year": 0, "horizon_years": 5, "discount_rate": 0.0}, "patients_per_year"),
    ({"patients_per_year": 10, "horizon_years": 0, "discount_rate": 0.0}, "horizon_years"),
    ({"patients_per_year": 10, "horizon_years": 2.5, "discount_rate": 0.0}, "horizon_years"),
    ({"patients_per_year": 10, "horizon_years": 5, "discount_rate": 1.0}, "discount_rate"),
    ({"patients_per_year": True, "horizon_years": 5, "discount_rate": 0.0}, "patients_per_year"),
])
def test_bad_population_is_named(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        PopulationScale(**kwargs)
    with pytest.raises(ValueError, match="^per_patient:"):
        population_value("0.1", PopulationScale(10, 1, 0.0))


CURVE = EVSICurve((10, 50, 200), (0.01, 0.02, 0.022), (0.001, 0.001, 0.002), 0.025, 0.001, 0.03, ("p",), "pilot")


def test_enbs_by_hand():
    r = enbs(CURVE, population=PopulationScale(100, 5, 0.0), cost_per_patient=0.02, fixed_cost=1.0, arms=2)
    df = r.to_df()
    # 500 patients: population EVSI 5, 10, 11; costs 1 + 0.04 n = 1.4, 3, 9.
    assert_allclose(df["population_evsi"], [5.0, 10.0, 11.0])
    assert_allclose(df["cost"], [1.4, 3.0, 9.0])
    assert_allclose(df["enbs"], [3.6, 7.0, 2.0])
    assert_allclose(df["enbs_se"], [0.5, 0.5, 1.0])
    assert r.best_n == 50
    assert enbs(CURVE, population=PopulationScale(100, 5, 0.0), fixed_cost=20.0).best_n is None
    assert "best size n = 50" in r._repr_html_()


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"cost_per_patient": -1.0}, "cost_per_patient"), ({"fixed_cost": np.nan}, "fixed_cost"),
    ({"arms": 0}, "arms"), ({"population": 500}, "population"),
])
def test_bad_enbs_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        enbs(CURVE, **{"population": PopulationScale(100, 5, 0.0), **kwargs})


# --- plots --------------------------------------------------------------------------------------------------------

def test_plots_draw_on_the_given_axes_and_mark_the_best_size():
    from netlrt.plot.evsi import plot_enbs, plot_evsi_curve  # here, so the analysis tests need no plotting

    result = enbs(CURVE, population=PopulationScale(100, 5, 0.0), cost_per_patient=0.02)
    assert isinstance(result, ENBSResult)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    try:
        assert plot_evsi_curve(CURVE, ax=ax1) is ax1
        assert ax1.get_ylabel() == "EVSI per patient (QALYs)" and "Sample size" in ax1.get_xlabel()
        assert any("EVPPI of p" in t.get_text() for t in ax1.get_legend().get_texts())
        assert plot_enbs(result, ax=ax2) is ax2
        assert [t.get_text() for t in ax2.get_legend().get_texts()][-1] == "best n = 50"
    finally:
        plt.close(fig)
    ax = plot_enbs(enbs(CURVE, population=PopulationScale(100, 5, 0.0), fixed_cost=20.0))
    try:
        assert any("no size" in t.get_text() for t in ax.texts)
    finally:
        plt.close(ax.figure)
