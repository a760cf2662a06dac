"""One-way (tornado) analysis: known answers on a hand-built linear decision, then the model."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from netlrt import decision
from netlrt.sensitivity import DecisionProblem, Parameter, one_way
from netlrt.vocabulary import MODALITIES, OUTCOMES


def linear_problem() -> DecisionProblem:
    """Two options: U_A = p, U_B = 0.27 + 0.5 q; p and q on [0.2, 0.8], base 0.5 (B best by 0.02)."""
    return DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.27 + 0.5 * X[:, 1]]),
                           (Parameter.uniform("p", 0.2, 0.8), Parameter.uniform("q", 0.2, 0.8)), ("A", "B"))


def test_utility_metric_swings_by_hand():
    df = one_way.analyze(linear_problem(), metric=("utility", "A"), n_grid=7).to_df()
    assert df["parameter"].tolist() == ["p", "q"]
    assert_allclose(df["swing"], [0.6, 0.0], atol=1e-12)
    assert_allclose(df[["metric_at_low", "metric_at_high"]].iloc[0], [0.2, 0.8])


def test_gap_metric_by_hand():
    # Grid 0.2, 0.3, ..., 0.8. Along p the gap is |p - 0.52|: 0.32 ... 0.02, 0.08 ... 0.28 (swing 0.30);
    # along q it is |0.5 - (0.27 + 0.5 q)|: 0.13 ... 0.02, 0.07 ... 0.17 (swing 0.15).
    res = one_way.analyze(linear_problem(), n_grid=7)
    df = res.to_df().set_index("parameter")
    assert res.base_best == "B" and res.base_value == pytest.approx(0.02)
    assert df.index.tolist() == ["p", "q"]
    assert_allclose(df.loc["p", ["metric_at_low", "metric_at_high", "metric_min", "swing"]].astype(float),
                    [0.32, 0.28, 0.02, 0.30], atol=1e-12)
    assert_allclose(df.loc["q", ["metric_at_low", "metric_at_high", "metric_min", "swing"]].astype(float),
                    [0.13, 0.17, 0.02, 0.15], atol=1e-12)
    # A takes over from p = 0.6 (p > 0.52); along q, A is best up to 0.4 and B from 0.5 (q > 0.46).
    assert df.loc["p", "switch_values"] == pytest.approx((0.6,)) and df.loc["p", "switch_to"] == ("A",)
    assert df.loc["q", "switch_values"] == pytest.approx((0.5,)) and df.loc["q", "switch_to"] == ("B",)
    assert df.loc["q", "best_at_low"] == "A" and df["changes"].all()


def test_margin_turns_negative_where_the_recommendation_changes():
    df = one_way.analyze(linear_problem(), metric="margin", n_grid=7).to_df().set_index("parameter")
    assert df.loc["p", "metric_at_high"] == pytest.approx(0.27 + 0.25 - 0.8)
    assert df.loc["p", "metric_at_low"] == pytest.approx(0.52 - 0.2)


def test_curves_hold_every_grid_point():
    res = one_way.analyze(linear_problem(), n_grid=7)
    assert res.curves.shape == (14, 4)
    assert res.curves.query("parameter == 'p'")["best"].tolist() == list("BBBBAAA")


@pytest.mark.parametrize(("metric", "match"), [
    ("best", "metric: 'best' not allowed; allowed"),
    (("utility", "Z"), "metric: unknown option 'Z'; allowed: A, B"),
    (("outcome", "A", "survival_3y"), "metric: unknown outcome 'survival_3y'; allowed: none"),
])
def test_bad_metric_names_what_is_allowed(metric, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(")):
        one_way.analyze(linear_problem(), metric=metric)


def test_bad_grid_is_refused():
    with pytest.raises(ValueError, match="n_grid: expected an integer >= 2, got 1"):
        one_way.analyze(linear_problem(), n_grid=1)


# ------------------------------------------------------------------------------------------- model

@pytest.fixture(scope="module")
def case3_one_way(model, cases):
    return model.one_way(cases["case3_y90"], n_grid=11)


def _best_at(model, patient, param, value):
    values = {**model.means, param: np.array([value])}
    eu = decision.expected_utility(model.outcome_draws([patient], values)[0, 0], model.weights(patient))
    return decision.best(dict(zip(MODALITIES, eu)))


def test_model_one_way_covers_every_uncertain_parameter_sorted(model, case3_one_way):
    df = case3_one_way.to_df()
    assert sorted(df["parameter"]) == sorted(model.priors.uncertain)
    assert df["swing"].is_monotonic_decreasing and (df["swing"] >= 0).all()
    assert case3_one_way.base_best == "Y90"
    assert_allclose(df["low"], [model.priors[k].low for k in df["parameter"]])


def test_model_switch_flags_agree_with_direct_evaluation(model, cases, case3_one_way):
    patient = cases["case3_y90"]
    df = case3_one_way.to_df()
    assert df["changes"].any()
    for r in df.itertuples():
        grid = np.linspace(r.low, r.high, 11)
        bests = [_best_at(model, patient, r.parameter, v) for v in grid]
        assert r.changes == any(b != "Y90" for b in bests)
        for v, to in zip(r.switch_values, r.switch_to):
            i = int(np.argmin(abs(grid - v)))
            assert bests[i] == to and bests[i - 1] != to


def test_model_outcome_metric_moves_only_its_parameters(model, cases):
    res = model.one_way(cases["case1_tae"], metric=("outcome", "DEB-TACE", "biliary_injury"), n_grid=5)
    moved = set(res.to_df().query("swing > 0")["parameter"])
    assert moved == {"biliary_injury_base", "or_biliary_dee_vs_ctace"}
    assert res.metric_unit == "probability"


def test_model_unknown_outcome_names_the_allowed(model, cases):
    with pytest.raises(ValueError, match=f"allowed: {', '.join(OUTCOMES)}"):
        model.one_way(cases["case1_tae"], metric=("outcome", "TAE", "death"))


def test_ineligible_patient_is_refused(model, cases):
    with pytest.raises(ValueError, match="patient: no recommendation to analyse"):
        model.one_way(cases["case1_tae"].replace(ecog=4))


def test_result_renders_html(case3_one_way):
    assert "<table" in case3_one_way._repr_html_()
