"""Patient validation, the decision layer, and invariants over any valid patient."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netlrt
from netlrt.patient import grade_from_ki67
from netlrt.vocabulary import BILIARY, BURDENS, DISTRIBUTIONS, EXTRAHEPATIC, GRADES, MODALITIES, OUTCOMES

BASE = dict(grade="G2", burden="low", distribution="bilobar_multifocal", biliary="intact")


@pytest.mark.parametrize(
    "field, value",
    [
        ("grade", "G4"), ("grade", "g2"), ("burden", "huge"), ("distribution", "diffuse"), ("biliary", "whipple"),
        ("extrahepatic", "some"), ("ecog", 5), ("ecog", -1), ("ecog", 2.5), ("ecog", True),
        ("bilirubin_mg_dl", -0.1), ("bilirubin_mg_dl", float("nan")), ("bilirubin_mg_dl", "3"),
        ("functional", "yes"), ("renal_insufficiency", 1), ("lung_shunt_fraction", 150.0), ("ki67", -2),
        ("preference", 3), ("preference", ""), ("preference", {"happiness": 1.0}),
        ("preference", {"survival_3y": float("inf")}),
    ],
)
def test_invalid_field_raises_naming_field_and_value(field, value):
    with pytest.raises(ValueError) as info:
        netlrt.Patient(**{**BASE, field: value})
    message = str(info.value)
    assert message.startswith(field)
    assert repr(value) in message or str(value) in message or field == "preference"


def test_unknown_and_missing_fields():
    with pytest.raises(ValueError, match="^tumour_size: unknown patient field; allowed: .*grade"):
        netlrt.Patient(**BASE, tumour_size=3)
    with pytest.raises(ValueError, match="^burden: required; allowed: low, intermediate, high"):
        netlrt.Patient(grade="G1", distribution="unilobar_oligo", biliary="intact")


@pytest.mark.parametrize("ki67, grade", [(0, "G1"), (2.99, "G1"), (3, "G2"), (20, "G2"), (20.01, "G3"), (80, "G3")])
def test_ki67_maps_to_grade(ki67, grade):
    assert grade_from_ki67(ki67) == grade
    p = netlrt.Patient(**{**BASE, "grade": None}, ki67=ki67)
    assert p.grade == grade and p.evidence()["grade"] == grade


def test_ki67_contradicting_grade_is_refused():
    with pytest.raises(ValueError, match="grade: 'G1' contradicts ki67=10"):
        netlrt.Patient(**{**BASE, "grade": "G1"}, ki67=10)


def test_evidence_maps_booleans_to_node_states():
    p = netlrt.Patient(**BASE, functional=True)
    assert p.evidence() == {"grade": "G2", "burden": "low", "distribution": "bilobar_multifocal",
                            "biliary": "intact", "functional": "yes", "renal_insufficiency": "no"}


def test_replace_and_round_trip():
    p = netlrt.Patient(**{**BASE, "grade": None}, ki67=10, preference={"survival_3y": 1.0})
    assert netlrt.Patient(**p.to_dict()) == p
    assert p.replace(grade="G3").grade == "G3"
    with pytest.raises(ValueError, match="burden"):
        p.replace(burden="none")


def test_unknown_profile_is_refused_at_evaluation(model):
    p = netlrt.Patient(**BASE, preference="maximal_comfort")
    with pytest.raises(ValueError, match="preference: unknown profile 'maximal_comfort'; allowed: none, avoid_pes"):
        model.evaluate(p)


@pytest.mark.parametrize("kwargs, fragment", [({"ecog": 3}, "ECOG 3 > 2"), ({"bilirubin_mg_dl": 3.5}, "bilirubin 3.5")])
def test_ineligible_patient_gets_no_recommendation(model, kwargs, fragment):
    ev = model.evaluate(netlrt.Patient(**BASE, **kwargs))
    assert not ev.eligible and ev.recommended is None
    assert any(fragment in r for r in ev.reasons)


def test_thresholds_are_inclusive(model):
    ev = model.evaluate(netlrt.Patient(**BASE, ecog=2, bilirubin_mg_dl=3.0))
    assert ev.eligible and ev.recommended in MODALITIES


def test_high_risk_findings_warn(model):
    ev = model.evaluate(netlrt.Patient(**{**BASE, "biliary": "bilioenteric_anastomosis"}, lung_shunt_fraction=20))
    assert any("33-86%" in w for w in ev.warnings)
    assert any("lung shunt fraction 20%" in w for w in ev.warnings)
    assert not model.evaluate(netlrt.Patient(**BASE, lung_shunt_fraction=19.9)).warnings


def test_avoid_pes_moves_the_choice_towards_y90(model):
    neutral = model.evaluate(netlrt.Patient(**BASE)).expected_utility
    avoid = model.evaluate(netlrt.Patient(**BASE, preference="avoid_pes")).expected_utility
    assert (avoid["Y90"] - avoid.drop("Y90").max()) > (neutral["Y90"] - neutral.drop("Y90").max())


def test_custom_weights_are_used(model):
    only_abscess = netlrt.Patient(**{**BASE, "biliary": "bilioenteric_anastomosis"},
                                  preference={"hepatic_abscess": -1.0})
    ev = model.evaluate(only_abscess)
    assert ev.expected_utility.tolist() == pytest.approx((-ev.outcomes["hepatic_abscess"]).tolist())
    assert ev.recommended == "Y90"


def test_evaluation_tables_and_html(model):
    ev = model.evaluate(netlrt.Patient(**BASE))
    df = ev.to_df()
    assert list(df.index) == list(MODALITIES)
    assert list(df.columns) == list(OUTCOMES) + ["expected_utility", "recommended"]
    assert df["recommended"].sum() == 1
    assert "<table" in ev._repr_html_() and ev.recommended in ev._repr_html_()
    d = ev.to_dict()
    assert set(d) >= {"eligible", "reasons", "recommended", "modalities"}
    assert set(d["modalities"]["TAE"]["outcomes"]) == set(OUTCOMES)


patients = st.builds(
    lambda grade, burden, dist, biliary, pref, ecog, bili, renal, functional, extra, lsf: netlrt.Patient(
        grade=grade, burden=burden, distribution=dist, biliary=biliary, preference=pref, ecog=ecog,
        bilirubin_mg_dl=bili, renal_insufficiency=renal, functional=functional, extrahepatic=extra,
        lung_shunt_fraction=lsf),
    st.sampled_from(GRADES), st.sampled_from(BURDENS), st.sampled_from(DISTRIBUTIONS), st.sampled_from(BILIARY),
    st.one_of(st.sampled_from(["none", "avoid_pes", "fewest_procedures"]),
              st.dictionaries(st.sampled_from(OUTCOMES), st.floats(-5, 5), min_size=1)),
    st.one_of(st.none(), st.integers(0, 4)), st.one_of(st.none(), st.floats(0, 10)),
    st.booleans(), st.booleans(), st.sampled_from(EXTRAHEPATIC), st.one_of(st.none(), st.floats(0, 60)),
)


@settings(max_examples=150, deadline=None)
@given(patients)
def test_any_valid_patient_gets_valid_outputs(model, patient):
    ev = model.evaluate(patient)
    values = ev.outcomes.to_numpy()
    assert ((values >= 0) & (values <= 1)).all()
    assert np.isfinite(ev.expected_utility.to_numpy()).all()
    if ev.eligible:
        assert ev.recommended in MODALITIES
        assert ev.expected_utility[ev.recommended] == ev.expected_utility.max()
    else:
        assert ev.recommended is None and ev.reasons
    assert ev.eligible == ((patient.ecog is None or patient.ecog <= 2)
                           and (patient.bilirubin_mg_dl is None or patient.bilirubin_mg_dl <= 3.0))
    assert not math.isnan(ev.expected_utility.sum())


def test_numpy_scalars_from_dataframes_are_accepted_as_their_python_types():
    p = netlrt.Patient(**BASE, ecog=np.int64(1), functional=np.bool_(True), bilirubin_mg_dl=np.float64(1.5))
    assert type(p.ecog) is int and type(p.functional) is bool and p.bilirubin_mg_dl == 1.5


def test_deb_tace_is_an_alias_of_dee_tace():
    from netlrt.vocabulary import normalize_modality

    assert normalize_modality("DEB-TACE") == "DEE-TACE" == normalize_modality("DEE-TACE")
    with pytest.raises(ValueError, match="modality: unknown value 'TARE'; allowed: TAE, cTACE, DEE-TACE, Y90, DEB-TACE"):
        normalize_modality("TARE")
