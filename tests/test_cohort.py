"""Cohorts: parsing rules, agreement with single-patient evaluation, error reporting and the CLI."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from netlrt import MODALITIES, OUTCOMES, Patient
from netlrt.cli import main
from netlrt.cohort import BOOL_FIELDS, FLOAT_FIELDS, INT_FIELDS, evaluate_cohort, parse_patients

CSV = """patient_id,grade,burden,distribution,biliary,ecog,functional,renal_insufficiency,bilirubin_mg_dl,preference,ki67
a,G2,low,bilobar_oligo,intact,0,yes,,,avoid_pes,
b,G3,high,bilobar_multifocal,bilioenteric_anastomosis,3,no,true,1.2,,
c,,intermediate,unilobar_oligo,intact,,0,1,,fewest_procedures, 25
"""
BAD_ROWS = """grade,burden,distribution,biliary,ecog,functional
G2,low,bilobar_oligo,intact,0,yes
G4,low,bilobar_oligo,intact,0,no
G1,low,bilobar_oligo,intact,two,maybe
"""


def test_every_patient_field_has_a_parsing_rule():
    typed = set(BOOL_FIELDS) | set(INT_FIELDS) | set(FLOAT_FIELDS)
    assert typed <= {f.name for f in fields(Patient)}
    text = {"grade", "burden", "distribution", "biliary", "preference", "extrahepatic"}
    assert typed | text == {f.name for f in fields(Patient)}


def test_cohort_matches_evaluate_patient_by_patient(model, cases):
    people = list(cases.values()) + [cases["case1_tae"].replace(ecog=3)]
    df = pd.DataFrame([p.to_dict() for p in people])
    out = model.evaluate_cohort(df)
    assert list(out.columns) == ["patient", "modality", *OUTCOMES, "expected_utility", "recommended", "eligible"]
    assert len(out) == len(people) * len(MODALITIES)
    for i, p in enumerate(people):
        ev = model.evaluate(p)
        rows = out[out["patient"] == i].set_index("modality")
        assert_allclose(rows[list(OUTCOMES)].to_numpy(), ev.outcomes.to_numpy(), rtol=0, atol=1e-15)
        assert_allclose(rows["expected_utility"].to_numpy(), ev.expected_utility.to_numpy(), rtol=0, atol=1e-15)
        assert (rows["eligible"] == ev.eligible).all()
        assert list(rows.index[rows["recommended"]]) == ([ev.recommended] if ev.recommended else [])


def test_csv_text_is_parsed_explicitly(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(CSV)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    patients, problems = parse_patients(df)
    assert problems == [] and list(patients) == ["a", "b", "c"]
    assert patients["a"].functional is True and patients["a"].renal_insufficiency is False  # empty = default
    assert patients["b"].ecog == 3 and patients["b"].bilirubin_mg_dl == 1.2 and patients["b"].preference == "none"
    assert patients["c"].functional is False and patients["c"].renal_insufficiency is True
    assert patients["c"].grade == "G3" and patients["c"].ki67 == 25.0  # grade from Ki-67


@pytest.mark.parametrize(("field", "value"), [("functional", "Y"), ("functional", "2"), ("ecog", "1.5"),
                                              ("ecog", "one"), ("bilirubin_mg_dl", "1,2"), ("ki67", "nan")])
def test_no_silent_coercion(field, value):
    row = {"grade": "G2", "burden": "low", "distribution": "bilobar_oligo", "biliary": "intact", field: value}
    patients, problems = parse_patients(pd.DataFrame([row]))
    assert not patients
    assert len(problems) == 1 and problems[0].startswith(f"row 0: {field}: ") and "allowed" in problems[0]


def test_every_invalid_row_is_reported_at_once(model):
    df = pd.read_csv(pd.io.common.StringIO(BAD_ROWS), dtype=str, keep_default_na=False)
    with pytest.raises(ValueError) as info:
        evaluate_cohort(model, df)
    msg = str(info.value)
    assert "row 1: grade: unknown value 'G4'; allowed: G1, G2, G3" in msg
    assert "row 2: ecog: 'two'" in msg and "row 2: functional: 'maybe'" in msg
    out = evaluate_cohort(model, df, skip_invalid=True)
    assert out["patient"].unique().tolist() == [0]


def test_unknown_columns_and_unknown_profiles_are_rejected(model):
    base = {"grade": "G2", "burden": "low", "distribution": "bilobar_oligo", "biliary": "intact"}
    with pytest.raises(ValueError, match="unknown column.*'age'"):
        evaluate_cohort(model, pd.DataFrame([{**base, "age": 50}]))
    with pytest.raises(ValueError, match="row 0: preference: unknown profile 'stoic'"):
        evaluate_cohort(model, pd.DataFrame([{**base, "preference": "stoic"}]))


def test_pandas_missing_values_mean_defaults(model):
    df = pd.DataFrame({"grade": ["G2", "G1"], "burden": ["low", "low"], "distribution": ["bilobar_oligo"] * 2,
                       "biliary": ["intact"] * 2, "ecog": [np.nan, 1.0]})
    patients, problems = parse_patients(df)
    assert problems == [] and patients[0].ecog is None and patients[1].ecog == 1


def test_cli_writes_results(tmp_path, capsys):
    src, dest = tmp_path / "patients.csv", tmp_path / "results.csv"
    src.write_text(CSV)
    assert main(["cohort", "--in", str(src), "--out", str(dest)]) == 0
    out = pd.read_csv(dest)
    assert len(out) == 3 * len(MODALITIES)
    assert out.groupby("patient")["recommended"].sum().to_dict() == {"a": 1, "b": 0, "c": 1}
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob("*.tmp"))
    assert "wrote 12 rows" in capsys.readouterr().out


def test_cli_lists_invalid_rows_and_writes_nothing(tmp_path, capsys):
    src, dest = tmp_path / "patients.csv", tmp_path / "results.csv"
    src.write_text(BAD_ROWS)
    assert main(["cohort", "--in", str(src), "--out", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "row 2: grade: unknown value 'G4'" in err  # data rows count from 1 in the CLI
    assert "row 3: ecog: 'two'" in err and "nothing written" in err
    assert not dest.exists() and list(tmp_path.iterdir()) == [src]
    assert main(["cohort", "--in", str(src), "--out", str(dest), "--skip-invalid"]) == 0
    assert len(pd.read_csv(dest)) == len(MODALITIES)
    assert "skipped" in capsys.readouterr().err


def test_cli_reports_a_missing_file(tmp_path, capsys):
    assert main(["cohort", "--in", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "--in" in capsys.readouterr().err
