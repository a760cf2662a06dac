"""Threshold analysis: closed-form crossings on hand-built decisions, then the model."""

from __future__ import annotations

import numpy as np
import pytest

from netlrt import decision
from netlrt.sensitivity import DecisionProblem, Parameter, threshold
from netlrt.vocabulary import MODALITIES


def linear_problem() -> DecisionProblem:
    """U_A = p, U_B = 0.27 + 0.5 q, U_C = r (r never best below 0.5): A and B cross at p = 0.52, q = 0.46."""
    return DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.27 + 0.5 * X[:, 1], X[:, 2] - 1]),
                           (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1),
                            Parameter.uniform("r", 0, 1)), ("A", "B", "C"))


@pytest.mark.parametrize(("param", "value", "below", "above"), [("p", 0.52, "B", "A"), ("q", 0.46, "A", "B")])
def test_crossings_in_closed_form(param, value, below, above):
    res = threshold.analyze(linear_problem(), param)
    assert res.thresholds == pytest.approx((value,), abs=1e-9)
    assert (res.best_below, res.best_above) == ((below,), (above,))
    assert res.support == pytest.approx((0.001, 0.999))


def test_no_change_within_range_is_explicit():
    res = threshold.analyze(linear_problem(), "r")
    assert not res.changes and res.thresholds == ()
    df = res.to_df()
    assert len(df) == 1 and np.isnan(df["threshold"].item()) and df["best_below"].item() == "B"
    assert "no change within range" in str(res)


def test_an_option_winning_inside_one_grid_cell_is_found():
    # A = 1 - x, B = x, C = 0.52: A best below 0.48, C between 0.48 and 0.52, B above. A two-point grid
    # brackets only A -> B; the search must walk through C.
    prob = DecisionProblem(lambda X: np.column_stack([1 - X[:, 0], X[:, 0], np.full(len(X), 0.52)]),
                           (Parameter.uniform("x", 0, 1),), ("A", "B", "C"))
    res = threshold.analyze(prob, "x", n_grid=2)
    assert res.thresholds == pytest.approx((0.48, 0.52), abs=1e-9)
    assert res.best_below == ("A", "C") and res.best_above == ("C", "B")


def test_unknown_parameter_names_the_allowed():
    with pytest.raises(ValueError, match="param: unknown parameter 'z'; allowed: p, q, r"):
        threshold.analyze(linear_problem(), "z")


def _best_at(model, patient, param, value):
    values = {**model.means, param: np.array([value])}
    eu = decision.expected_utility(model.outcome_draws([patient], values)[0, 0], model.weights(patient))
    return decision.best(dict(zip(MODALITIES, eu)))


@pytest.mark.parametrize(("case", "param"), [("case3_y90", "or_pes_y90"), ("case3_y90", "pes_embolic"),
                                             ("case1_tae", "median_os_tae_years")])
def test_model_threshold_flips_the_recommendation(model, cases, case, param):
    patient = cases[case]
    res = model.threshold(patient, param)
    assert res.changes
    prior = model.priors[param]
    assert res.support == pytest.approx((float(prior.ppf(0.001)), float(prior.ppf(0.999))))
    for t, below, above in zip(res.thresholds, res.best_below, res.best_above):
        assert res.support[0] < t < res.support[1]
        assert _best_at(model, patient, param, t - 1e-6) == below
        assert _best_at(model, patient, param, t + 1e-6) == above


def test_model_threshold_without_change(model, cases):
    res = model.threshold(cases["case3_y90"], "hr_grade_g1")  # a G2 patient: the G1 hazard ratio is unused
    assert not res.changes and res.base_best == "Y90"
    assert "<table" in res._repr_html_()


def test_model_threshold_refuses_fixed_parameters(model, cases):
    with pytest.raises(ValueError, match="param: unknown parameter 'ecog_max'; allowed: abscess_bilioenteric"):
        model.threshold(cases["case3_y90"], "ecog_max")
