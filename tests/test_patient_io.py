"""The one patient parser: YAML files, CSV files and DataFrames, with every error naming file, row and field."""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pytest

from netlrt.evidence.patient import Patient
from netlrt.evidence.patient_io import TABLE, parse_frame, patients_from_frame, read_patient_rows, read_patients
from netlrt.evidence.patient_spec import FIELD, FIELDS, ID_COLUMN

CSV = """patient_id,grade,burden,extrahepatic,ecog,functional,renal_insufficiency,bilirubin_mg_dl,preference,ki67
a,G2,low,none,0,yes,,,avoid_pes,
b,G3,high,limited,3,no,true,1.2,,
c,,intermediate,unknown,,0,1,above_3,fewest_procedures, 25
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_cells_are_parsed_by_the_patient_spec(tmp_path):
    pts = read_patients(_write(tmp_path, "p.csv", CSV))
    assert list(pts) == ["a", "b", "c"]
    a, b, c = pts.values()
    assert (a.functional, a.renal_insufficiency, a.extrahepatic, a.preference) == (True, None, "none", "avoid_pes")
    assert (b.ecog, b.bilirubin_mg_dl, b.renal_insufficiency, b.preference) == (3, 1.2, True, "none")
    assert (c.grade, c.ki67, c.extrahepatic, c.bilirubin_mg_dl) == ("G3", 25.0, None, "above_3")
    # every other cell went through Field.parse_text (grade of c comes from its ki67)
    table = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False).set_index(ID_COLUMN)
    for pid, p in pts.items():
        for name, text in table.loc[pid].items():
            if name not in ("ki67", "grade", "preference"):
                assert getattr(p, name) == FIELD[name].parse_text(text), (pid, name)


@pytest.mark.parametrize(("text", "match"), [
    ("patient_id,grade\na,G1,\nb,G2\n", r"row 1 \(line 2\) has 3 cells but the header has 2 columns \(a trailing"),
    ("patient_id,grade,burden\na,G1\n", r"row 1 \(line 2\) has 2 cells but the header has 3 columns \(a missing"),
    ("patient_id,grade\na,G1\na,G2\n", r"duplicate patient_id 'a' in row 1 \(line 2\) and row 2 \(line 3\)"),
    ("patient_id,grade\na,G1\n,G2\n", r"row 2 \(line 3\): patient_id is empty"),
    ("id,grade\na,G1\n", r"unknown column 'id'; the patient id column is 'patient_id'"),
    ("patient_id,grade,colour\na,G1,red\n", r"unknown column 'colour'; allowed: patient fields"),
    ("patient_id,grade,grade\na,G1,G2\n", r"column 'grade' appears twice"),
    ("patient_id,,grade\na,x,G1\n", r"column 2 of the header has no name"),
    ("patient_id,grade\n", r"a header and no patients"),
    ("", r"no header row and no patients"),
])
def test_csv_table_errors_name_the_file_and_row(tmp_path, text, match):
    path = _write(tmp_path, "t.csv", text)
    with pytest.raises(ValueError, match=match) as info:
        read_patients(path)
    assert str(info.value).startswith(f"patients file {str(path)!r}")


def test_a_trailing_comma_on_every_line_is_an_empty_column(tmp_path):
    pts = read_patients(_write(tmp_path, "t.csv", "patient_id,grade,\na,G1,\n\nb,G2,\n"))
    assert {k: p.grade for k, p in pts.items()} == {"a": "G1", "b": "G2"}


def test_row_errors_are_all_listed_with_row_id_and_field(tmp_path):
    path = _write(tmp_path, "bad.csv", "patient_id,grade,ecog,bilirubin_mg_dl\nok,G1,0,1\nx,G4,2.0,2,5\n"
                                       .replace("2,5", "high"))
    rows = read_patient_rows(path)
    assert list(rows.patients) == ["ok"]
    assert rows.problems == (
        f"patients file {str(path)!r}: row 2 (line 3) (patient_id 'x'): grade: unknown value 'G4'; allowed: "
        f"{FIELD['grade'].allowed()}",
        f"patients file {str(path)!r}: row 2 (line 3) (patient_id 'x'): ecog: '2.0' is not an integer; allowed: "
        f"{FIELD['ecog'].allowed()}",
        f"patients file {str(path)!r}: row 2 (line 3) (patient_id 'x'): bilirubin_mg_dl: 'high' is text, not a "
        f"number; allowed: {FIELD['bilirubin_mg_dl'].allowed()}")
    with pytest.raises(ValueError, match=r"3 invalid rows") as info:
        rows.valid()
    assert "df" not in str(info.value).split(":")[0]
    assert list(rows.valid(skip_invalid=True)) == ["ok"]


def test_rows_are_numbered_without_an_id_column(tmp_path):
    pts = read_patients(_write(tmp_path, "n.csv", "grade\nG1\nG2\n"))
    assert list(pts) == ["1", "2"]


def test_non_utf8_and_unknown_types_and_folders_are_named(tmp_path):
    bad = tmp_path / "latin.csv"
    bad.write_bytes("patient_id,grade\nJos\xe9,G1\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin.csv'.*not UTF-8"):
        read_patients(bad)
    with pytest.raises(ValueError, match=r"unknown file type '.txt'; allowed: .yaml, .yml, .csv"):
        read_patients(_write(tmp_path, "p.txt", "x"))
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(ValueError, match=r"dir.csv'.*folder"):
        read_patients(tmp_path / "dir.csv")
    with pytest.raises(ValueError, match=r"missing.yaml'.*cannot read"):
        read_patients(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match=r"patients file: '' is not a file name"):
        read_patients("")


# ------------------------------------------------------------------------------------------------- YAML

def test_yaml_one_patient_a_list_or_a_mapping(tmp_path):
    one = read_patients(_write(tmp_path, "case.yaml", "grade: G2\nfunctional: false\npreference:\n  survival: 2\n"))
    assert list(one) == ["case"] and one["case"].preference == {"survival": 2.0}
    named = read_patients(_write(tmp_path, "n.yml", "patient_id: P7\nburden: low\n"))
    assert list(named) == ["P7"] and named["P7"].burden == "low"
    listed = read_patients(_write(tmp_path, "l.yaml", "- grade: G1\n- patient_id: x\n  ecog: 1\n"))
    assert list(listed) == ["1", "x"]
    mapping = read_patients(_write(tmp_path, "m.yaml", "alpha: {grade: G3}\nbeta: {ecog: 2}\n"))
    assert {k: (p.grade, p.ecog) for k, p in mapping.items()} == {"alpha": ("G3", None), "beta": (None, 2)}
    # Ids that YAML 1.2 would read as numbers stay the text they are (priors files read 1e-3 as a number).
    ids = read_patients(_write(tmp_path, "i.yaml", "- patient_id: 5E3\n  ecog: 1\n- patient_id: 12e4\n"))
    assert list(ids) == ["5E3", "12e4"]
    assert list(read_patients(_write(tmp_path, "k.yaml", "7e10: {ecog: 1}\n"))) == ["7e10"]
    # as written, too: a leading zero and a float's form (the same ids in a CSV are kept as text)
    ids = read_patients(_write(tmp_path, "z.yaml", "- patient_id: 007\n  ecog: 01\n- patient_id: 1.0e+3\n"))
    assert list(ids) == ["007", "1.0e+3"] and ids["007"].ecog == 1


def test_yaml_numbers_without_a_dot_are_numbers_where_a_field_takes_numbers(tmp_path):
    # YAML 1.2 reads 1.5e1 as 15; PyYAML (YAML 1.1) as text, which the file's author did not mean.
    p = read_patients(_write(tmp_path, "p.yaml", "patient_id: 5E3\nbilirubin_mg_dl: 1.5e1\n"
                                                 "preference: {survival: 2e0}\n"))
    assert list(p) == ["5E3"] and p["5E3"].bilirubin_mg_dl == 15.0 and p["5E3"].preference == {"survival": 2.0}
    with pytest.raises(ValueError, match=r"grade: unknown value '1e3'"):  # a named state keeps the text written
        read_patients(_write(tmp_path, "g.yaml", "grade: 1e3\n"))
    with pytest.raises(ValueError, match=r"ecog: 1\.0 \(float\) is not an integer"):
        read_patients(_write(tmp_path, "e.yaml", "ecog: 1e0\n"))
    with pytest.raises(ValueError, match=r"bilirubin_mg_dl: '1\.5e1' is text"):  # quoted: text, as written
        read_patients(_write(tmp_path, "q.yaml", "bilirubin_mg_dl: '1.5e1'\n"))


@pytest.mark.parametrize(("text", "match"), [
    ("ki67: 1:30\n", r"ki67: '1:30' is text"),  # YAML 1.1 read 90 (sexagesimal)
    ("ki67: 1_0.5\n", r"ki67: '1_0\.5' is text"),  # 10.5
    ("ecog: 0b10\n", r"ecog: '0b10' is text"),  # 2
])
def test_yaml_11_number_forms_nobody_means_are_not_numbers(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_patients(_write(tmp_path, "n.yaml", text))
    assert read_patients(_write(tmp_path, "d.yaml", "ki67: 010\n"))["d"].ki67 == 10.0  # decimal, not octal 8


@pytest.mark.parametrize(("text", "match"), [
    ("grade: G1\ngrade: G2\n", r"repeated key 'grade'"),
    ("a: {grade: G1}\n1: {grade: G2}\n", r"key 1 is not text"),
    ("id: a\ngrade: G1\n", r"patient #1: unknown field 'id'; the patient id key is 'patient_id'"),
    ("- grade: G1\n- colour: red\n", r"patient #2: unknown field 'colour'"),
    ("- patient_id: a\n- patient_id: a\n", r"duplicate patient_id 'a'"),
    ("a: [1, 2]\n", r"patient 'a': expected a mapping of field: value"),
    ("a: {patient_id: b}\n", r"patient 'a': patient_id 'b' differs from its key"),
    ("- 3\n", r"patient #1: expected a mapping"),
    ("42\n", r"expected one patient .* got int"),
    ("", r"no patients in it"),
    ("grade: [G1\n", r"not valid YAML \(line"),
])
def test_yaml_errors_name_the_file_and_patient(tmp_path, text, match):
    path = _write(tmp_path, "p.yaml", text)
    with pytest.raises(ValueError, match=match) as info:
        read_patients(path)
    assert str(info.value).startswith(f"patients file {str(path)!r}")


def test_yaml_values_keep_their_types(tmp_path):
    path = _write(tmp_path, "t.yaml", "- patient_id: q\n  bilirubin_mg_dl: '2.0'\n  ecog: 2.0\n")
    rows = read_patient_rows(path)
    assert rows.patients == {}
    assert "bilirubin_mg_dl: '2.0' is text, not a number" in rows.problems[0]
    assert "ecog: 2.0 (float) is not an integer" in rows.problems[1]
    assert all("patient #1 (patient_id 'q')" in p for p in rows.problems)


# -------------------------------------------------------------------------------------------- DataFrames

def test_frame_values_are_validated_not_coerced():
    df = pd.DataFrame({ID_COLUMN: ["a", "b", "c", "d"], "ecog": [1.0, np.nan, 2.5, 1.0],
                       "functional": [True, None, "yes", 1], "bilirubin_mg_dl": [1.5, "2.0", decimal.Decimal("2"),
                                                                                  np.float64(4.0)]})
    rows = parse_frame(df)
    assert list(rows.patients) == ["a", "b"]
    assert rows.patients["a"].ecog == 1 and rows.patients["b"].bilirubin_mg_dl == 2.0  # text cells are parsed
    problems = "\n".join(rows.problems)
    assert "row 3 (patient_id 'c'): ecog: 2.5 (float) is not an integer" in problems
    assert "row 3 (patient_id 'c'): bilirubin_mg_dl: Decimal('2') (Decimal) is not a number" in problems
    assert "row 4 (patient_id 'd'): functional: 1 is not a bool" in problems
    assert all(p.startswith(f"{TABLE}: ") for p in rows.problems)


@pytest.mark.parametrize(("ids", "match"), [
    ([np.nan, np.nan], r"row 1: patient_id is empty"),
    (["a", None], r"row 2: patient_id is empty"),
    (["a", "a"], r"duplicate patient_id 'a' in row 1 and row 2"),
    ([1, "1"], r"duplicate patient_id '1'"),
    ([1.5, 2.5], r"row 1: patient_id: 1.5 \(float\) cannot be a patient id"),
])
def test_frame_ids_are_text_present_and_unique(ids, match):
    with pytest.raises(ValueError, match=match) as info:
        patients_from_frame(pd.DataFrame({ID_COLUMN: ids, "grade": ["G1", "G2"]}))
    assert str(info.value).startswith(TABLE)


def test_frame_index_named_patient_id_is_the_id():
    df = pd.DataFrame({"grade": ["G1", "G2"]}, index=pd.Index([10, 20], name=ID_COLUMN))
    assert list(patients_from_frame(df)) == ["10", "20"]
    assert list(patients_from_frame(df.reset_index(drop=True))) == ["1", "2"]


def test_frame_roundtrips_every_field():
    p = Patient(grade="G2", burden="high", distribution="bilobar_oligo", biliary="intact", extrahepatic="none",
                functional=True, renal_insufficiency=False, bilirubin_mg_dl=3.5, ecog=1, lung_shunt_fraction=12.0,
                preference="avoid_pes")
    q = Patient()
    df = pd.DataFrame([{ID_COLUMN: "p", **p.to_dict()}, {ID_COLUMN: "q", **q.to_dict()}])
    assert set(df.columns) == {ID_COLUMN, *(f.name for f in FIELDS)}
    assert patients_from_frame(df) == {"p": p, "q": q}
    text = pd.DataFrame([{k: "" if v is None else str(v) for k, v in {ID_COLUMN: pid, **x.to_dict()}.items()}
                         for pid, x in (("p", p), ("q", q))])  # as a CSV read as text gives it
    assert patients_from_frame(text) == {"p": p, "q": q}


def test_check_hook_reports_per_row_and_non_frames_are_refused():
    def check(patient):
        if patient.preference not in ("none",):
            raise ValueError(f"preference: unknown profile {patient.preference!r}")

    rows = parse_frame(pd.DataFrame({"preference": ["none", "mystery"]}), check=check)
    assert list(rows.patients) == ["1"] and rows.problems == (
        f"{TABLE}: row 2 (patient_id '2'): preference: unknown profile 'mystery'",)
    with pytest.raises(ValueError, match=r"patients table: expected a pandas DataFrame of patients .* got list"):
        patients_from_frame([{"grade": "G1"}])


def test_an_unknown_word_spelled_like_a_state_is_refused_not_read_as_unknown(tmp_path):
    # 'None' in extrahepatic could be the state 'none' (no extrahepatic disease) or an unknown finding
    with pytest.raises(ValueError, match=r"extrahepatic: 'None' could mean the state 'none' or unknown"):
        read_patients(_write(tmp_path, "x.csv", "patient_id,extrahepatic\nA,None\n"))
    ok = read_patients(_write(tmp_path, "y.csv", "patient_id,extrahepatic,grade\nA,none,NA\nB,,unknown\n"))
    assert [(p.extrahepatic, p.grade) for p in ok.values()] == [("none", None), (None, None)]
