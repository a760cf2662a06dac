"""Models side by side: each model's row is its own evaluate and PSA; common random numbers across models."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import netlrt
from netlrt.analysis.compare import COLUMNS, compare
from netlrt.analysis.psa import run_psa
from netlrt.evidence.vocabulary import MODALITIES


@pytest.fixture(scope="module")
def sceptic(model):
    # A legitimate change of priors: Y90's hazard ratio of death clearly above 1. It stays uncertain, so the
    # internal sample of every other parameter is unchanged and only Y90's numbers may move.
    return model.with_priors({"hr_modality_y90": {"interval": [1.1, 1.6], "rule": "assumption"}},
                             note="a sceptic's view of Y90 survival")


def test_rows_are_each_models_decision_and_psa(model, sceptic, cases):
    patient = cases["case3_y90"]
    res = compare({"shipped": model.evaluator, "sceptic": sceptic.evaluator}, patient, n_draws=1000, seed=4)
    df = res.to_df()
    assert list(df.columns) == COLUMNS and len(df) == 2 * len(MODALITIES)
    for name, m in (("shipped", model), ("sceptic", sceptic)):
        rows = df[df["model"] == name].set_index("modality")
        e = m.evaluate(patient)
        assert_allclose(rows["expected_utility"], e.expected_utility, rtol=1e-12)
        assert_allclose(rows["mc_se"], e.mc_se, rtol=1e-9)
        assert list(rows.index[rows["recommended"]]) == [e.recommended]
        psa = run_psa(m.evaluator, patient, 1000, seed=4)
        assert_allclose(rows["prob_best"], psa.prob_best(), rtol=0)
        assert_allclose(rows["psa_mean"], psa.utilities.mean(), rtol=1e-12)
        assert rows["prob_best"].sum() == pytest.approx(1.0)
        assert res.close_call[name] == e.close_call
    sceptic_rows = df[df["model"] == "sceptic"].set_index("modality")
    shipped_rows = df[df["model"] == "shipped"].set_index("modality")
    assert sceptic_rows.loc["Y90", "expected_utility"] < shipped_rows.loc["Y90", "expected_utility"]
    assert_allclose(sceptic_rows.loc["TAE", "expected_utility"], shipped_rows.loc["TAE", "expected_utility"],
                    rtol=1e-12)  # only Y90's survival changed
    ev = res.evpi()
    assert list(ev["model"]) == ["shipped", "sceptic"] and (ev["evpi"] >= 0).all()
    assert ev.loc[0, "evpi"] == pytest.approx(float(res.psa["shipped"].evpi()))
    assert "EVPI" in res._repr_html_()


def test_common_random_numbers(model):
    from netlrt.evidence.patient import Patient

    res = compare({"a": model.evaluator, "b": model.evaluator}, Patient(grade="G1"), n_draws=300,
                  seed=np.random.default_rng(9))
    a = res.table[res.table["model"] == "a"].drop(columns="model").reset_index(drop=True)
    b = res.table[res.table["model"] == "b"].drop(columns="model").reset_index(drop=True)
    assert a.equals(b)
    assert res.psa["a"].draws.equals(res.psa["b"].draws)


def test_ineligible_patient_has_no_recommendation(model, cases):
    res = compare({"m": model.evaluator}, cases["case1_tae"].replace(ecog=3), n_draws=100)
    assert not res.table["recommended"].any() and not res.table["eligible"].any()
    assert res.evpi()["recommended"].tolist() == [None]


@pytest.mark.parametrize(("models", "kwargs", "match"), [
    ({}, {}, r"models: expected a non-empty mapping"),
    ({"a": "model"}, {}, r"models: 'a' is a str; allowed: a model's evaluator"),
    ({"": None}, {}, r"models: name '' is not allowed"),
    (None, {"n_draws": 1}, r"n_draws: expected an integer >= 2"),
    (None, {"seed": -3}, r"seed: expected a non-negative int"),
    (None, {"patient": "p"}, r"patient: expected a netlrt.Patient, got str"),
])
def test_bad_arguments(model, cases, models, kwargs, match):
    args = {"patient": cases["case2_tace"], **kwargs}
    with pytest.raises(ValueError, match=match):
        compare({"m": model.evaluator} if models is None else models, args.pop("patient"), **args)


def test_models_must_be_a_mapping_of_models():
    model = netlrt.load_model()
    with pytest.raises(ValueError, match=r"^models: expected a mapping of model name -> netlrt Model, got list$"):
        netlrt.compare([model], netlrt.Patient())
