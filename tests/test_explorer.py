"""The Jupyter explorer: one control per patient field from the spec, and the evaluation updating live."""

from __future__ import annotations

import pytest

w = pytest.importorskip("ipywidgets")

from netlrt.evidence.patient_spec import FIELD, FIELDS  # noqa: E402
from netlrt.output.explorer import UNKNOWN, control_options, explore  # noqa: E402


@pytest.fixture()
def ui(model, cases):
    return explore(model, cases["case3_y90"])


def test_one_control_per_field_in_spec_order(ui):
    assert list(ui.controls) == [f.name for f in FIELDS]


@pytest.mark.parametrize("field", [f for f in FIELDS if f.kind != "preference"], ids=lambda f: f.name)
def test_each_control_fits_its_field(ui, field):
    control = ui.controls[field.name]
    if field.kind == "state":
        assert isinstance(control, w.Dropdown)
        assert [v for _, v in control.options] == [UNKNOWN, *field.states]
    elif field.kind == "bool":
        assert [v for _, v in control.options] == [UNKNOWN, False, True]
    elif field.kind == "int":  # ECOG: a small range is a dropdown
        assert [v for _, v in control.options] == [UNKNOWN, *range(int(field.low), int(field.high) + 1)]
    else:
        assert isinstance(control, w.Text) and control.placeholder == UNKNOWN


def test_starts_from_the_patient_and_shows_its_evaluation(model, cases, ui):
    assert ui.patient() == cases["case3_y90"]
    assert ui.output.value == model.evaluate(cases["case3_y90"])._repr_html_()


@pytest.mark.parametrize("field, value, expected", [
    ("distribution", "bilobar_oligo", "bilobar_oligo"),
    ("biliary", "bilioenteric_anastomosis", "bilioenteric_anastomosis"),
    ("functional", True, True),
    ("ecog", 3, 3),
    ("bilirubin_mg_dl", "4.2", 4.2),
    ("bilirubin_mg_dl", "above_3", "above_3"),
    ("lung_shunt_fraction", "", None),
    ("burden", "high", "high"),
    ("preference", "none", "none"),
])
def test_a_change_updates_the_evaluation(model, cases, ui, field, value, expected):
    ui.controls[field].value = value
    want = cases["case3_y90"].replace(**{field: expected})
    assert ui.patient() == want
    assert ui.output.value == model.evaluate(want)._repr_html_()


def test_unknown_leaves_a_finding_unknown(model, ui):
    ui.controls["biliary"].value = UNKNOWN
    ui.controls["functional"].value = UNKNOWN
    p = ui.patient()
    assert p.biliary is None and p.functional is None
    assert {"biliary", "functional"} <= set(p.unknown())
    assert "unknown, averaged over the treated population" in ui.output.value
    assert ui.output.value == model.evaluate(p)._repr_html_()


def test_ineligible_patient_is_shown_as_such(ui):
    ui.controls["ecog"].value = 4
    assert "none (ineligible)" in ui.output.value


def test_an_invalid_number_is_said_in_place_and_escaped(ui):
    before = ui.patient()
    ui.controls["bilirubin_mg_dl"].value = "<b>high</b>"
    assert "bilirubin_mg_dl" in ui.output.value and "<b>high" not in ui.output.value
    assert "color:#a33" in ui.output.value
    with pytest.raises(ValueError, match="bilirubin_mg_dl"):
        ui.patient()
    ui.controls["bilirubin_mg_dl"].value = "at_most_3"
    assert ui.patient() == before


def test_ki67_sets_the_grade_and_a_grade_by_hand_clears_ki67(ui):
    ui.controls["ki67"].value = "25"
    assert ui.controls["grade"].value == "G3" and ui.patient().grade == "G3"
    ui.controls["grade"].value = "G1"
    assert ui.controls["ki67"].value == "" and ui.patient().ki67 is None and ui.patient().grade == "G1"
    assert "color:#a33" not in ui.output.value


def test_preference_offers_the_model_profiles(model, ui):
    assert [v for _, v in ui.controls["preference"].options] == list(model.profiles)


def test_custom_preference_is_kept(model, cases):
    custom = cases["case3_y90"].replace(preference={"postembolization_syndrome": 2.0})
    ui = explore(model, custom)
    assert ui.controls["preference"].value == "custom"
    assert ui.patient().preference == {"postembolization_syndrome": 2.0}
    ui.controls["preference"].value = "none"
    assert ui.patient().preference == "none"


def test_an_evaluator_or_nothing_works_like_the_model(model, cases):
    by_core = explore(model.evaluator, cases["case1_tae"])
    assert by_core.output.value == model.evaluate(cases["case1_tae"])._repr_html_()
    default = explore()
    assert default.patient() == cases["case3_y90"]


@pytest.mark.parametrize("kwargs, match", [
    ({"model": 5}, "model: expected a netlrt Model or Evaluator, got int"),
    ({"patient": {"grade": "G1"}}, "patient: expected a netlrt.Patient, got dict"),
])
def test_bad_arguments(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        explore(**{"model": model, **kwargs})


def test_control_options():
    assert control_options(FIELD["grade"]) == [(UNKNOWN, UNKNOWN), ("G1", "G1"), ("G2", "G2"), ("G3", "G3")]
    assert control_options(FIELD["preference"], ["a", "b"]) == [("a", "a"), ("b", "b")]
    assert control_options(FIELD["ki67"]) is None
