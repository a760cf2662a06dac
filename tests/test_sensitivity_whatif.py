"""Findings what-if: each finding through its states, checked against evaluating the changed patient."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from netlrt.sensitivity import whatif


@pytest.fixture(scope="module")
def case3_whatif(model, cases):
    return model.whatif(cases["case3_y90"])


def test_every_state_of_every_finding(model, case3_whatif):
    df = case3_whatif.to_df()
    assert list(df.columns) == whatif.COLUMNS
    states = {**whatif.FINDINGS, "preference": tuple(model.profiles)}
    assert len(df) == 4 * sum(len(s) for s in states.values())
    rec = case3_whatif.recommendations()
    assert (rec.groupby("finding")["current"].sum() == 1).all()  # the patient's own state, once per finding


def test_each_state_matches_evaluating_that_patient(model, cases, case3_whatif):
    patient = cases["case3_y90"]
    df = case3_whatif.to_df()
    for (finding, state), rows in df.groupby(["finding", "state"], sort=False):
        value = {"True": True, "False": False}.get(state, state)
        ev = model.evaluate(patient.replace(**{finding: value}))
        assert rows["best"].iloc[0] == ev.recommended
        assert_allclose(rows["expected_utility"], ev.expected_utility.to_numpy(), rtol=1e-12)
        assert_allclose(rows["hepatic_abscess"], ev.outcomes["hepatic_abscess"].to_numpy(), rtol=1e-12)


def test_known_moves(case3_whatif):
    rec = case3_whatif.recommendations().set_index(["finding", "state"])["best"]
    # Case 3 chose Y90 partly to avoid post-embolization syndrome: without that preference TAE ranks first.
    assert rec["preference", "avoid_pes"] == "Y90" and rec["preference", "none"] == "TAE"
    # Oligonodular disease suits segmental TACE.
    assert rec["distribution", "bilobar_oligo"] == "cTACE"
    df = case3_whatif.to_df()
    abscess = df.query("modality == 'TAE' and finding == 'biliary'").set_index("state")["hepatic_abscess"]
    assert abscess["bilioenteric_anastomosis"] > 10 * abscess["intact"]


def test_custom_weights_are_the_current_preference(model, cases):
    patient = cases["case2_tace"].replace(preference={"survival_3y": 1.0})
    rec = model.whatif(patient).recommendations().query("finding == 'preference'")
    assert rec["state"].tolist() == ["custom", *model.profiles]
    assert rec["current"].tolist() == [True] + [False] * len(model.profiles)


def test_ineligible_patient_is_refused(model, cases):
    with pytest.raises(ValueError, match="patient: no recommendation to analyse"):
        model.whatif(cases["case2_tace"].replace(bilirubin_mg_dl=4.0))


def test_html(case3_whatif):
    html = case3_whatif._repr_html_()
    assert "Findings that change the recommendation: distribution, preference." in html
