"""Findings what-if: states from the patient specification, each variant evaluated as evaluate would."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from netlrt.analysis.sensitivity import whatif
from netlrt.evidence.patient_spec import FIELDS
from netlrt.evidence.vocabulary import MODALITIES
from netlrt.network.declarations import OUTCOMES


def test_findings_come_from_the_spec(model):
    moves = whatif.findings(tuple(model.priors.profiles))
    assert list(moves) == [f.name for f in FIELDS if f.node] + ["preference"]
    for f in FIELDS:
        if f.node:
            assert moves[f.name][-1] is None and len(moves[f.name]) == len(f.node_states) + 1
    assert moves["preference"] == tuple(model.priors.profiles)


@pytest.fixture(scope="module")
def result(model, cases):
    return whatif.run(model.evaluator, cases["case3_y90"])


def test_every_state_and_unknown_is_evaluated_as_evaluate_would(model, cases, result):
    patient = cases["case3_y90"]
    df = result.to_df()
    assert list(df.columns) == whatif.COLUMNS and len(df) % len(MODALITIES) == 0
    rec = result.recommendations()
    assert (rec.groupby("finding")["current"].sum() == 1).all()  # the patient's own state, once per finding
    assert set(rec.loc[rec["finding"] == "grade", "state"]) == {"G1", "G2", "G3", "unknown"}
    own = rec[rec["current"]]
    assert (own["best"] == model.evaluate(patient).recommended).all()
    # bilirubin 'at_most_3' is the case's own node state; the patient's 'unknown' grade variant drops ki67
    assert rec.loc[(rec["finding"] == "bilirubin_mg_dl") & rec["current"], "state"].item() == "at_most_3"
    for name, state, variant in (("grade", "unknown", patient.replace(grade=None)),
                                 ("burden", "high", patient.replace(burden="high")),
                                 ("preference", "none", patient.replace(preference="none"))):
        e = model.evaluate(variant)
        rows = df[(df["finding"] == name) & (df["state"] == state)].set_index("modality")
        assert_allclose(rows["expected_utility"], e.expected_utility, rtol=1e-12)
        assert_allclose(rows[list(OUTCOMES)].to_numpy(), e.outcomes.to_numpy(), rtol=1e-12, atol=1e-15)
        assert (rows["best"] == MODALITIES[int(e.expected_utility.to_numpy().argmax())]).all()
    assert "Findings that change the recommendation" in result._repr_html_()


def test_numeric_bilirubin_and_custom_preference(model, cases):
    p = cases["case1_tae"].replace(bilirubin_mg_dl=1.4, preference={"survival": 1.0, "overnight_stay": 3.0})
    rec = whatif.run(model.evaluator, p).recommendations()
    assert rec.loc[(rec["finding"] == "bilirubin_mg_dl") & rec["current"], "state"].item() == "at_most_3"
    assert rec.loc[(rec["finding"] == "preference") & rec["current"], "state"].item() == "custom"


def test_ineligible_patients_have_nothing_to_vary(model, cases):
    with pytest.raises(ValueError, match=r"patient: no recommendation to analyse"):
        whatif.run(model.evaluator, cases["case1_tae"].replace(ecog=3))
