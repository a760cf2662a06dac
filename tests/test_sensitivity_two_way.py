"""Two-way analysis: regions against the closed form on a hand-built decision, then the model."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from netlrt.sensitivity import DecisionProblem, Parameter, two_way


def linear_problem() -> DecisionProblem:
    """U_A = p, U_B = 0.27 + 0.5 q, U_C = 0.2 constant (never best); p, q on [0, 1]."""
    return DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.27 + 0.5 * X[:, 1], np.full(len(X), 0.2)]),
                           (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B", "C"))


def test_regions_match_the_closed_form():
    res = two_way.analyze(linear_problem(), "p", "q", n=9)
    xx, yy = np.meshgrid(res.x_values, res.y_values)
    expected = np.where(xx > 0.27 + 0.5 * yy, "A", "B")  # no grid point sits on the line p = 0.27 + 0.5 q
    assert (res.best == expected).all()
    # The gap is best minus second best, and C (0.2) is second where A = p falls below it.
    second = np.where(xx > 0.27 + 0.5 * yy, np.maximum(0.27 + 0.5 * yy, 0.2), np.maximum(xx, 0.2))
    assert_allclose(res.gap, np.maximum(xx, 0.27 + 0.5 * yy) - second, atol=1e-12)
    assert res.base_best == "B" and res.options == ("A", "B", "C")


def test_to_df_is_long_form():
    df = two_way.analyze(linear_problem(), "q", "p", n=4).to_df()
    assert df.shape == (16, 4) and list(df.columns) == ["x", "y", "best", "gap"]
    assert df.loc[(df["x"] == 0) & (df["y"] == 1), "best"].item() == "A"  # q = 0, p = 1


def test_bad_arguments_name_what_is_allowed():
    prob = linear_problem()
    with pytest.raises(ValueError, match="x: unknown parameter 'r'; allowed: p, q"):
        two_way.analyze(prob, "r", "q")
    with pytest.raises(ValueError, match="y: must differ from x"):
        two_way.analyze(prob, "p", "p")


def test_model_two_way(model, cases):
    res = model.two_way(cases["case1_tae"], "response_tae", "median_os_tae_years", n=7)
    assert res.best.shape == (7, 7) and res.gap.shape == (7, 7) and (res.gap >= 0).all()
    assert set(res.best.ravel()) == {"TAE", "cTACE"}  # both ends of the grid choose differently
    assert res.base_best == model.evaluate(cases["case1_tae"]).recommended
    assert res.x.low == pytest.approx(model.priors["response_tae"].low)
    assert "<table" in res._repr_html_()
