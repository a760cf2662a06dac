"""Threshold analysis: brentq against analytic crossings, several switches in one cell, and the model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlrt.analysis.sensitivity import AT_MEANS, DecisionProblem, Parameter, model_problem, threshold


def linear() -> DecisionProblem:
    # A = p, B = 0.3 + 0.5 q with q at its base 0.5: B is best below p = 0.55, A above.
    return DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
                           (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))


def test_linear_crossing():
    res = threshold.analyze(linear(), "p")
    assert res.thresholds == (0.55,) and res.best_below == ("B",) and res.best_above == ("A",)
    assert res.base_best == "B" and res.changes
    assert res.support == pytest.approx((0.001, 0.999))


@pytest.mark.parametrize("c", [0.25, 0.3, 0.6, 1 / 3, math.pi / 10])
def test_nonlinear_crossing_is_exact_to_the_stated_digits(c):
    # A = p^2 crosses B = c at sqrt(c); thresholds are rounded to DIGITS significant digits: no float noise.
    prob = DecisionProblem(lambda X: np.column_stack([X[:, 0] ** 2, np.full(len(X), c)]),
                           (Parameter.uniform("p", 0, 1),), ("A", "B"))
    (t,) = threshold.analyze(prob, "p", n_grid=7).thresholds
    assert t == float(f"{math.sqrt(c):.{threshold.DIGITS}g}")


def test_three_options_inside_one_grid_cell():
    # A = 1 - p, B = p, C = 0.55: A best below 0.45, C between 0.45 and 0.55, B above; a 2-point grid sees only
    # A at one end and B at the other, and the search walks through C.
    prob = DecisionProblem(lambda X: np.column_stack([1 - X[:, 0], X[:, 0], np.full(len(X), 0.55)]),
                           (Parameter.uniform("p", 0, 1),), ("A", "B", "C"))
    res = threshold.analyze(prob, "p", n_grid=2)
    assert res.thresholds == (0.45, 0.55)
    assert res.best_below == ("A", "C") and res.best_above == ("C", "B")


@pytest.mark.parametrize("c", [0.5, 0.37])
def test_switch_away_from_an_exact_tie(c):
    # A and B tie exactly; C = p overtakes both at c, and B = max(c, p - 0.2) leaves A at c + 0.2. The tied best's
    # lead is 0 at every grid point before its switch, where Brent's method stops at once (it once reported
    # "no change" with C best at the grid's top; 200 points miss both thresholds).
    prob = DecisionProblem(lambda X: np.column_stack([np.full(len(X), c), np.full(len(X), c), X[:, 0]]),
                           (Parameter.uniform("p", 0, 1),), ("A", "B", "C"))
    res = threshold.analyze(prob, "p", n_grid=200)
    assert res.thresholds == (c,) and res.best_below == ("A",) and res.best_above == ("C",)
    prob = DecisionProblem(lambda X: np.column_stack([np.full(len(X), c), np.maximum(c, X[:, 0] - 0.2)]),
                           (Parameter.uniform("p", 0, 1),), ("A", "B"))
    res = threshold.analyze(prob, "p", n_grid=200)
    assert res.thresholds == (pytest.approx(c + 0.2, abs=1e-9),) and res.best_above == ("B",)
    # the mirror: Y is best below 1 - c, then ties X, the tie going to X; the tie reaches the cell's right end
    prob = DecisionProblem(lambda X: np.column_stack([np.full(len(X), c), np.maximum(c, 1 - X[:, 0])]),
                           (Parameter.uniform("p", 0, 1),), ("X", "Y"))
    res = threshold.analyze(prob, "p", n_grid=200)
    assert res.thresholds == (pytest.approx(1 - c, abs=1e-9),) and res.best_below == ("Y",)


def test_several_switches_and_no_switch():
    prob = DecisionProblem(lambda X: np.column_stack([np.sin(2 * np.pi * X[:, 0]), np.zeros(len(X))]),
                           (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    assert threshold.analyze(prob, "p").thresholds == (0.5,)
    none = threshold.analyze(prob, "q")
    assert none.thresholds == () and not none.changes
    df = none.to_df()
    assert len(df) == 1 and np.isnan(df["threshold"].iloc[0]) and df["best_below"].iloc[0] == none.base_best
    assert "no change within" in str(none) and AT_MEANS in str(none)


def test_model_threshold_brackets_a_real_change(model, cases):
    # For every switch the search reports, the best modality just below and just above it is the one it names.
    ev = model.evaluator
    found = 0
    for patient in cases.values():
        prob = model_problem(ev, patient)
        for pid in ev.priors.uncertain:
            res = threshold.analyze(prob, pid, n_grid=41)
            j = prob.index(pid)
            for t, below, above in zip(res.thresholds, res.best_below, res.best_above):
                eps = 1e-7 * (res.support[1] - res.support[0])
                U = prob.f(prob.vary([j], np.array([t - eps, t + eps])))
                assert prob.best(U) == [below, above], (pid, t)
                found += 1
            if found >= 4:
                return
    assert found, "no parameter changes any article case's recommendation within its support"


def test_run_checks_its_arguments(model, cases):
    ev = model.evaluator
    with pytest.raises(ValueError, match=r"param: unknown parameter 'nope'; allowed: "):
        threshold.run(ev, cases["case1_tae"], "nope")
    fixed = next(k for k in ev.priors if ev.priors[k].is_fixed)
    with pytest.raises(ValueError, match=rf"param: '{fixed}' is fixed \(no uncertainty to vary\); allowed: "):
        threshold.run(ev, cases["case1_tae"], fixed)
    with pytest.raises(ValueError, match=r"n_grid: expected an integer >= 2 and <= [0-9,]+, got 1"):
        threshold.run(ev, cases["case1_tae"], ev.priors.uncertain[0], n_grid=1)
    with pytest.raises(ValueError, match=r"patient: no recommendation to analyse \(ineligible: ECOG 4"):
        threshold.run(ev, cases["case1_tae"].replace(ecog=4), ev.priors.uncertain[0])
    with pytest.raises(ValueError, match=r"patient: expected a netlrt.Patient, got str"):
        threshold.run(ev, "case1_tae", ev.priors.uncertain[0])
    res = threshold.run(ev, cases["case1_tae"], ev.priors.uncertain[0], n_grid=5)
    assert AT_MEANS in res._repr_html_()


def _run(gen):
    """Drive a batched root search the way the lockstep loop does, one point at a time."""
    x = next(gen)
    while True:
        try:
            x = gen.send(np.array([_F(x)]))
        except StopIteration as done:
            return done.value


_F = None


@given(coef=st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=4), a=st.floats(-3, -0.01),
       b=st.floats(0.01, 3))
@settings(max_examples=300, deadline=None)
def test_batched_brent_steps_are_scipys_to_the_bit(coef, a, b):
    # The one-way analysis steps every root search together; each must be scipy's brentq exactly.
    global _F
    from scipy import optimize

    def f(x):
        return ((coef[0] * x + coef[1]) * x + coef[2]) * x + coef[3]

    _F = f

    def outcome(solve):
        try:
            return solve()
        except (ValueError, RuntimeError) as err:  # no sign change; no convergence in 100 steps
            return type(err)

    want = outcome(lambda: optimize.brentq(f, a, b, xtol=1e-13, rtol=1e-13))
    assert outcome(lambda: _run(threshold._brentq(lambda u: float(u[0]), a, b, 1e-13, 1e-13))) == want


def test_base_best_follows_the_decisions_tie_rule_as_the_one_way_does():
    """B is a rounding error above A at the base (p = 0.5): tied, so A, the first, is best there in both
    analyses; the crossing itself is still found exactly (just above the base)."""
    from netlrt.analysis.sensitivity import one_way

    prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], np.full(len(X), 0.5 + 5e-13)]),
                           (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    res = threshold.analyze(prob, "p")
    assert res.base_best == one_way.analyze(prob).base_best == "A"
    assert res.thresholds == (0.5,) and res.best_below == ("B",) and res.best_above == ("A",)
