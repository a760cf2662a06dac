"""Two-way sensitivity: the best option on a grid, against hand computation and the one-way base case."""

from __future__ import annotations

import numpy as np
import pytest

from netlrt.analysis.sensitivity import AT_MEANS, DecisionProblem, Parameter, one_way, two_way


def test_grid_of_a_linear_problem():
    prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
                           (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    res = two_way.analyze(prob, "p", "q", n_grid=3)
    xx, yy = np.meshgrid([0, 0.5, 1], [0, 0.5, 1])
    a, b = xx, 0.3 + 0.5 * yy
    assert res.best.tolist() == np.where(a >= b, "A", "B").tolist()  # ties to the first option
    assert np.allclose(res.gap, np.abs(a - b)) and np.allclose(res.margin, b - a)  # B is best at the base case
    assert res.base_best == "B" and res.options == ("A", "B")
    df = res.to_df()
    assert list(df.columns) == ["x_parameter", "x", "y_parameter", "y", "best", "gap", "margin"] and len(df) == 9
    assert set(df["x_parameter"]) == {"p"} and set(df["y_parameter"]) == {"q"}
    assert df.loc[(df["x"] == 1.0) & (df["y"] == 0.0), "best"].item() == "A"


def test_model_two_way(model, cases):
    ev = model.evaluator
    x, y = ev.priors.uncertain[:2]
    res = two_way.run(ev, cases["case3_y90"], x, y, n_grid=4)
    assert res.best.shape == (4, 4) and res.x.id == x and res.y.id == y
    assert res.base_best == one_way.run(ev, cases["case3_y90"], n_grid=2).base_best
    assert ((res.margin >= 0) == (res.best == res.base_best)).all()
    assert res.x_values[0] == pytest.approx(ev.priors[x].low) and res.x_values[-1] == pytest.approx(ev.priors[x].high)
    assert AT_MEANS in res._repr_html_() and f"best at the prior means: {res.base_best}." in res._repr_html_()


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((0, 0), {}, r"y: must differ from x"),
    ((0, "nope"), {}, r"y: unknown parameter 'nope'"),
    (("nope", 0), {}, r"x: unknown parameter 'nope'"),
    ((0, 1), {"n_grid": 1}, r"n_grid: expected an integer >= 2 and <= [0-9,]+, got 1"),
])
def test_bad_arguments(model, cases, args, kwargs, match):
    ids = model.priors.uncertain
    x, y = (ids[a] if isinstance(a, int) else a for a in args)
    with pytest.raises(ValueError, match=match):
        two_way.run(model.evaluator, cases["case3_y90"], x, y, **kwargs)
