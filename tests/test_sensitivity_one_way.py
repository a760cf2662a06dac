"""One-way (tornado): exact switch points from the threshold search, a measure that shows the side of the switch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from netlrt.analysis.sensitivity import AT_MEANS, DecisionProblem, Parameter, model_problem, one_way, threshold
from netlrt.analysis.sensitivity._problem import shown
from netlrt.evidence.vocabulary import MODALITIES


def toy() -> DecisionProblem:
    # A = p, B = 0.3 + 0.5 q: at the base (p = q = 0.5) B is best by 0.05; p switches at 0.55, q at 0.4.
    return DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
                           (Parameter.uniform("p", 0.2, 0.8), Parameter.uniform("q", 0.2, 0.8),
                            Parameter.uniform("r", 0.0, 1.0)), ("A", "B"))


def test_toy_tornado_has_exact_switches_and_signed_margins():
    res = one_way.analyze(toy(), n_grid=4)  # a coarse grid: the switches do not sit on it
    df = res.to_df().set_index("parameter")
    assert res.base_best == "B" and res.base_value == pytest.approx(0.05)
    assert df.loc["p", "switch_values"] == (0.55,) and df.loc["q", "switch_values"] == (0.4,)
    assert df.loc["p", "switch_from"] == ("B",) and df.loc["p", "switch_to"] == ("A",)
    assert df.loc["q", "switch_from"] == ("A",) and df.loc["q", "switch_to"] == ("B",)
    assert df.loc["r", "switch_values"] == () and not df.loc["r", "changes"] and df.loc["r", "swing"] == 0
    # margin of B over A: B - A; negative exactly past the switch
    assert df.loc["p", "metric_at_low"] == pytest.approx(0.55 - 0.2) and df.loc["p", "metric_at_high"] == \
        pytest.approx(0.55 - 0.8)
    assert df.loc["q", "metric_at_low"] == pytest.approx(0.4 - 0.5)
    assert list(df.index) == ["p", "q", "r"]  # largest swing first: 0.6, 0.3, 0
    assert res.switch_text().to_dict() == {"p": "A from 0.55", "q": "A below 0.4", "r": ""}


def test_switches_inside_the_range_only():
    # A = p on [0, 1] against B = 0.99: the threshold 0.99 lies in the support (to 0.999) but beyond high = 0.9.
    prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], np.full(len(X), 0.99)]),
                           (Parameter("p", "p", "", 0.5, 0.1, 0.9, lambda u: np.asarray(u, dtype=float)),), ("A", "B"))
    assert threshold.analyze(prob, "p").thresholds == (0.99,)
    row = one_way.analyze(prob).to_df().iloc[0]
    assert row["switch_values"] == () and not row["changes"]


@pytest.fixture(scope="module")
def case_result(model, cases):
    return one_way.run(model.evaluator, cases["case1_tae"], n_grid=5)


def test_model_switches_equal_the_threshold_analysis(model, cases, case_result):
    prob = model_problem(model.evaluator, cases["case1_tae"])
    df = case_result.to_df()
    assert sorted(df["parameter"]) == sorted(model.priors.uncertain)
    for row in df.itertuples():
        res = threshold.analyze(prob, row.parameter)
        inside = [(t, a, b) for t, a, b in zip(res.thresholds, res.best_below, res.best_above)
                  if row.low <= t <= row.high]
        assert list(zip(row.switch_values, row.switch_from, row.switch_to)) == inside, row.parameter


def test_model_margin_sign_shows_the_side_of_the_switch(model, cases, case_result):
    ev = model.evaluator
    b = ev.batch([cases["case1_tae"]]).utility[0, 0]  # every parameter at its prior mean
    best = int(np.argmax(b))
    assert case_result.base_best == MODALITIES[best]
    assert case_result.base_value == pytest.approx(b[best] - np.delete(b, best).max(), rel=1e-9)
    df = case_result.to_df()
    for end in ("low", "high"):
        same = df[f"best_at_{end}"] == case_result.base_best
        assert ((df[f"metric_at_{end}"] >= 0) == same).all()
    assert (df["swing"] >= 0).all() and df["swing"].is_monotonic_decreasing
    assert (df["changes"] >= df["switch_values"].map(bool)).all()


def test_curves_and_display(case_result, model):
    c = case_result.curves
    assert list(c.columns) == ["parameter", "value", "metric", "best"] and len(c) == 5 * len(model.priors.uncertain)
    assert AT_MEANS in case_result.title and AT_MEANS in case_result._repr_html_()
    for values in case_result.to_df()["switch_values"]:
        assert all(float(f"{t:.{threshold.DIGITS}g}") == t for t in values)
    assert shown(0.4999999999999989) == "0.5" and "0.4999999" not in case_result._repr_html_()


def test_other_metrics(model, cases):
    ev = model.evaluator
    gap = one_way.run(ev, cases["case3_y90"], metric="gap", n_grid=3).to_df()
    assert (gap[["metric_at_low", "metric_at_high", "metric_min"]] >= 0).all().all()
    util = one_way.run(ev, cases["case3_y90"], metric=("utility", "DEB-TACE"), n_grid=3)
    assert util.metric == "Expected utility of DEE-TACE" and util.metric_unit == "QALY"
    prob = model_problem(ev, cases["case3_y90"])
    outcome = prob.outcome_names[0]
    res = one_way.run(ev, cases["case3_y90"], metric=("outcome", "Y90", outcome), n_grid=3)
    assert res.metric_unit == "probability" and 0 <= res.base_value <= 1


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_grid": 1}, r"n_grid: expected an integer >= 2 and <= [0-9,]+, got 1"),
    ({"n_grid": 3.0}, r"n_grid: expected an integer >= 2 and <= [0-9,]+, got 3.0"),
    ({"metric": "variance"}, r"metric: 'variance' not allowed; allowed: \"margin\""),
    ({"metric": ("utility", "XYZ")}, r"metric: unknown option 'XYZ'; allowed: TAE, cTACE, DEE-TACE, Y90"),
    ({"metric": ("outcome", "TAE", "nope")}, r"metric: unknown outcome 'nope'; allowed: "),
])
def test_bad_arguments(model, cases, kwargs, match):
    with pytest.raises(ValueError, match=match):
        one_way.run(model.evaluator, cases["case3_y90"], **kwargs)


def test_params_subset_and_errors(model, cases):
    ev = model.evaluator
    ids = ev.priors.uncertain[:3]
    prob = model_problem(ev, cases["case2_tace"], ids)
    assert prob.ids == ids
    assert isinstance(one_way.analyze(prob, n_grid=3).to_df(), pd.DataFrame)
    fixed = next(k for k in ev.priors if ev.priors[k].is_fixed)
    with pytest.raises(ValueError, match=rf"params: '{fixed}' is not an uncertain parameter"):
        model_problem(ev, cases["case2_tace"], [fixed])
    with pytest.raises(ValueError, match=r"params: \[\]; allowed: a non-empty list"):
        model_problem(ev, cases["case2_tace"], [])
    U = prob.f(prob.vary([0], np.array([prob.params[0].low, prob.params[0].high])))
    assert_allclose(U.shape, (2, 4))


def test_a_model_with_every_prior_fixed_has_nothing_to_vary(model, cases):
    fixed = model.with_priors({k: model.priors[k].mean for k in model.priors.uncertain}, note="base case")
    with pytest.raises(ValueError, match=r"^priors: every parameter is fixed, so there is nothing to vary"):
        fixed.one_way(cases["case3_y90"])
    with pytest.raises(ValueError, match=r"^priors: every parameter is fixed"):
        fixed.sobol(cases["case3_y90"], n_draws=64)
