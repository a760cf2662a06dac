"""The patient specification, Patient validation and evidence, and the article's cases."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netlrt
from netlrt import Patient
from netlrt.evidence.cases import CASES, article_cases, case_sources
from netlrt.evidence.patient_spec import FIELD, FIELDS, FINDING_NODES, grade_from_ki67
from netlrt.network.declarations import NODE, ROOTS


def test_every_node_bearing_field_is_a_network_root_with_the_same_states():
    assert set(FINDING_NODES) == set(ROOTS) - {"modality"}
    for f in FIELDS:
        if f.node:
            assert f.node == f.name and NODE[f.node].states == f.node_states


def test_a_patient_may_leave_every_finding_unknown():
    p = Patient()
    assert p.evidence() == {} and p.preference == "none"
    assert p.unknown() == list(FINDING_NODES)


def test_evidence_maps_numbers_and_bools_to_node_states():
    p = Patient(grade="G3", functional=True, renal_insufficiency=False, bilirubin_mg_dl=3.5, ecog=1,
                lung_shunt_fraction=12.0)
    assert p.evidence() == {"grade": "G3", "functional": "yes", "renal_insufficiency": "no",
                            "bilirubin_mg_dl": "above_3"}
    assert Patient(bilirubin_mg_dl=3.0).evidence()["bilirubin_mg_dl"] == "at_most_3"
    assert Patient(bilirubin_mg_dl="above_3").evidence()["bilirubin_mg_dl"] == "above_3"


@pytest.mark.parametrize("ki67, grade", [(0, "G1"), (2.9, "G1"), (3, "G2"), (20, "G2"), (20.1, "G3"), (80, "G3")])
def test_ki67_sets_grade(ki67, grade):
    assert grade_from_ki67(ki67) == grade and Patient(ki67=ki67).grade == grade


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"grade": "G4"}, "grade: unknown value 'G4'; allowed: G1, G2, G3 or unknown"),
        ({"grade": "G1", "ki67": 30}, "grade: 'G1' contradicts ki67=30"),
        ({"colour": "blue"}, "colour: unknown patient field; allowed: grade"),
        ({"ecog": 5}, "ecog: 5 is out of range; allowed: an integer 0-4"),
        ({"ecog": 2.0}, "ecog: 2.0 \\(float\\) is not an integer"),
        ({"ecog": True}, "ecog: True \\(bool\\) is not an integer"),
        ({"bilirubin_mg_dl": "2.0"}, "bilirubin_mg_dl: '2.0' is text, not a number"),
        ({"bilirubin_mg_dl": Decimal("2.0")}, "bilirubin_mg_dl: Decimal\\('2.0'\\) \\(Decimal\\) is not a number"),
        ({"bilirubin_mg_dl": float("nan")}, "bilirubin_mg_dl: nan is out of range"),
        ({"functional": 1}, "functional: 1 is not a bool"),
        ({"functional": "yes"}, "functional: 'yes' is not a bool"),
        ({"preference": ""}, "preference: empty"),
        ({"preference": {}}, "preference: {} not allowed"),
        ({"preference": {"survival": 1e308}}, "multiplier for 'survival' is 1e\\+308"),
    ],
)
def test_bad_fields_name_field_value_and_what_is_allowed(fields, message):
    with pytest.raises(ValueError, match=message):
        Patient(**fields)


def test_numpy_scalars_are_accepted_and_stored_as_python_types():
    p = Patient(ecog=np.int64(1), bilirubin_mg_dl=np.float32(1.5), functional=np.bool_(True))
    assert type(p.ecog) is int and type(p.bilirubin_mg_dl) is float and p.functional is True
    # equal patients hash alike, so a set or a dict key holds them once
    assert len({Patient(grade=np.str_("G2")), Patient(grade="G2")}) == 1
    assert type(Patient(grade=np.str_("G2")).grade) is str
    assert len({Patient(bilirubin_mg_dl=-0.0), Patient(bilirubin_mg_dl=0.0)}) == 1


def test_patient_is_immutable_comparable_and_round_trips():
    p = Patient(grade="G2", burden="low", preference={"postembolization_syndrome": 3.0})
    with pytest.raises(AttributeError):
        p.grade = "G1"
    assert Patient(**p.to_dict()) == p and hash(Patient(**p.to_dict())) == hash(p)
    q = p.replace(grade="G3")
    assert q.grade == "G3" and p.grade == "G2"
    assert Patient(ki67=10).replace(grade="G1").ki67 is None


@given(st.fixed_dictionaries({}, optional={
    f.name: st.one_of(st.none(), st.sampled_from(f.states)) if f.kind == "state" else
    st.one_of(st.none(), st.booleans()) if f.kind == "bool" else
    st.one_of(st.none(), st.integers(0, 4)) if f.kind == "int" else
    st.one_of(st.none(), st.floats(f.low, f.high)) for f in FIELDS if f.kind != "preference"}))
def test_any_valid_patient_sets_only_known_states(fields):
    if fields.get("ki67") is not None and fields.get("grade") not in (None, grade_from_ki67(fields["ki67"])):
        fields["grade"] = None
    p = Patient(**fields)
    for node, state in p.evidence().items():
        assert state in NODE[node].states
    assert set(p.evidence()) | set(p.unknown()) == set(FINDING_NODES)


def test_parse_text_is_explicit():
    assert FIELD["functional"].parse_text("yes") is True and FIELD["functional"].parse_text(" ") is None
    assert FIELD["ecog"].parse_text("2") == 2 and FIELD["bilirubin_mg_dl"].parse_text("1e0") == 1.0
    assert FIELD["bilirubin_mg_dl"].parse_text("above_3") == "above_3"
    with pytest.raises(ValueError, match="ecog: '2.5' is not an integer"):
        FIELD["ecog"].parse_text("2.5")
    with pytest.raises(ValueError, match="functional: 'maybe'"):
        FIELD["functional"].parse_text("maybe")


# ------------------------------------------------------------------------------------- the cases


def test_cases_encode_only_what_the_texts_state():
    cases = article_cases()
    c1, c2, c3 = cases["case1_tae"], cases["case2_tace"], cases["case3_y90"]
    assert c1.grade is None and c1.burden is None and c1.extrahepatic is None  # not reported
    assert c1.functional is False  # symptom free on octreotide at referral; hot flashes were at presentation
    assert c3.functional is None  # loose stools, not said to be hormonal, 'but otherwise no episodes of flushing ...'
    assert c3.grade is None and c3.ki67 is None  # Ki-67 10% but a 'large cell NET': the two disagree
    assert c2.functional is None and c2.grade is None and c2.extrahepatic is None and c3.burden is None
    assert c3.preference == "avoid_pes" and c1.preference == "none" == c2.preference
    assert all(p.ecog == 0 for p in cases.values())


def test_case_sources_list_every_field_with_status_sentence_and_time():
    df = case_sources()
    assert len(df) == len(CASES) * len(FIELDS)
    assert set(df["status"]) == {"stated", "inferred", "unknown", "default"}
    assert set(df.loc[df["status"] == "default", "field"]) == {"preference"}
    for row in df.itertuples():
        if row.status in ("unknown", "default"):
            assert row.status == "default" or row.value is None or isinstance(row.value, float) and np.isnan(row.value)
            assert row.note
        else:
            assert row.sentence and row.time
        if row.status == "inferred":
            assert row.note, f"{row.case}.{row.field}: an inference says what it inferred"
    inferred = set(df.loc[df["status"] == "inferred", "field"])
    assert {"functional", "bilirubin_mg_dl", "renal_insufficiency"} <= inferred


def test_article_choices_are_modalities():
    assert {c.article_choice for c in CASES} <= set(netlrt.MODALITIES)
