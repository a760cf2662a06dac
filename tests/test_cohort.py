"""Cohorts: agreement with single-patient evaluation, the per-patient summary, errors and safe CSV output."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from netlrt.analysis.cohort import SUMMARY_COLUMNS, evaluate_cohort, run_cohort, write_cohort_csv
from netlrt.decision import policy
from netlrt.evidence.patient_io import read_patient_rows
from netlrt.evidence.patient_spec import ID_COLUMN
from netlrt.evidence.vocabulary import MODALITIES
from netlrt.network.declarations import OUTCOMES


@pytest.fixture(scope="module")
def ev(model):
    return model.evaluator


@pytest.fixture(scope="module")
def people(cases):
    out = {k: p for k, p in cases.items()}
    out["ineligible"] = cases["case1_tae"].replace(ecog=3)
    out["unknown"] = cases["case2_tace"].replace(grade=None, burden=None)
    out["custom"] = cases["case3_y90"].replace(preference={"survival": 1.0, "postembolization_syndrome": 4.0})
    return out


def test_cohort_matches_evaluate_patient_by_patient(model, ev, people):
    df = pd.DataFrame([{ID_COLUMN: k, **p.to_dict()} for k, p in people.items()])
    res = run_cohort(ev, df)
    assert list(res.table.columns) == [ID_COLUMN, "modality", *OUTCOMES, "expected_sessions", "expected_utility",
                                       "mc_se", "recommended", "eligible"]
    assert list(res.summary.columns) == SUMMARY_COLUMNS and len(res.table) == len(people) * len(MODALITIES)
    for pid, p in people.items():
        e = model.evaluate(p)
        rows = res.table[res.table[ID_COLUMN] == pid].set_index("modality")
        assert_allclose(rows[list(OUTCOMES)].to_numpy(), e.outcomes.to_numpy(), rtol=1e-12, atol=1e-15)
        assert_allclose(rows["expected_utility"], e.expected_utility, rtol=1e-12)
        assert_allclose(rows["mc_se"], e.mc_se, rtol=1e-9)
        assert_allclose(rows["expected_sessions"], e.expected_sessions, rtol=1e-12)
        assert (rows["eligible"] == e.eligible).all()
        assert list(rows.index[rows["recommended"]]) == ([e.recommended] if e.recommended else [])
        s = res.summary.set_index(ID_COLUMN).loc[pid]
        assert s["recommended"] == e.recommended and s["eligible"] == e.eligible
        assert s["close_call"] == e.close_call
        np.testing.assert_allclose([s["gap"], s["gap_se"]], [e.gap, e.gap_se], rtol=1e-9)  # NaN when ineligible
        assert s["close_call"] == e.close_call
        a = policy.assess(p, ev.priors)
        assert s["reasons"] == "; ".join(a.reasons) and s["warnings"] == "; ".join(a.warnings)
        assert s["unknown"] == "; ".join(p.unknown())


def test_the_gap_is_the_recommendation_over_the_best_alternative(ev, people):
    res = run_cohort(ev, pd.DataFrame([{ID_COLUMN: k, **p.to_dict()} for k, p in people.items()]))
    assert not res.summary["eligible"].all()  # an ineligible patient has no recommendation, gap or close call
    for pid, s in res.summary.set_index(ID_COLUMN).iterrows():
        if not s["eligible"]:
            assert s[["recommended", "runner_up", "expected_utility", "gap", "gap_se", "gap_days"]].isna().all()
            assert not s["close_call"]
            continue
        u = res.table[res.table[ID_COLUMN] == pid].set_index("modality")["expected_utility"]
        best = u.idxmax()
        assert s["expected_utility"] == u[best]
        assert s["gap"] == pytest.approx(u[best] - u.drop(best).max(), abs=1e-15)
        assert s["runner_up"] == u.drop(best).idxmax()
        assert s["gap_days"] == pytest.approx(s["gap"] * 365.25)


def test_a_thousand_patients_cost_one_call(ev):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"grade": rng.choice(["G1", "G2", "G3", ""], 1000), "ecog": rng.integers(0, 5, 1000)})
    res = run_cohort(ev, df)
    assert len(res.summary) == 1000 and res.summary["eligible"].tolist() == (df["ecog"] <= 2).tolist()
    assert res.table.groupby(ID_COLUMN, sort=False)["recommended"].sum().tolist() == \
        res.summary["eligible"].astype(int).tolist()


def test_invalid_rows_are_listed_or_skipped(ev):
    df = pd.DataFrame({ID_COLUMN: ["a", "b", "c"], "grade": ["G1", "G9", "G2"],
                       "preference": ["none", "none", "mystery"]})
    with pytest.raises(ValueError) as info:
        evaluate_cohort(ev, df)
    msg = str(info.value)
    assert msg.startswith("patients table: 2 invalid rows") and "df" not in msg
    assert "row 2 (patient_id 'b'): grade: unknown value 'G9'" in msg
    assert "row 3 (patient_id 'c'): preference: unknown profile 'mystery'" in msg
    res = run_cohort(ev, df, skip_invalid=True)
    assert list(res.summary[ID_COLUMN]) == ["a"] and len(res.skipped) == 2
    with pytest.raises(ValueError, match="patients table: expected a pandas DataFrame"):
        evaluate_cohort(ev, {"grade": ["G1"]})
    with pytest.raises(ValueError, match="duplicate patient_id"):
        evaluate_cohort(ev, pd.DataFrame({ID_COLUMN: ["x", "x"], "grade": ["G1", "G2"]}))
    with pytest.raises(ValueError, match="row 1: patient_id is empty"):
        evaluate_cohort(ev, pd.DataFrame({ID_COLUMN: [np.nan, np.nan], "grade": ["G1", "G2"]}))


def test_an_empty_table_gives_empty_tables(ev):
    res = run_cohort(ev, pd.DataFrame({"grade": pd.Series([], dtype=object)}))
    assert res.table.empty and res.summary.empty and list(res.summary.columns) == SUMMARY_COLUMNS


def test_patients_from_a_file_and_safe_csv_output(ev, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("patient_id,grade,ecog\n=HYPERLINK(1),G1,0\n+2,G2,3\n@x,G3,1\n-4,,2\n", encoding="utf-8")
    res = run_cohort(ev, read_patient_rows(src))
    assert res.source == f"patients file {str(src)!r}"
    assert run_cohort(ev, src).table.equals(res.table) and run_cohort(ev, str(src)).summary.equals(res.summary)
    bad = tmp_path / "bad.yaml"
    bad.write_text("- patient_id: a\n  preference: mystery\n- patient_id: b\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.yaml': 1 invalid row:\n.*patient #1 \(patient_id 'a'\): preference: "
                                         r"unknown profile 'mystery'"):
        run_cohort(ev, bad)
    assert list(run_cohort(ev, bad, skip_invalid=True).summary[ID_COLUMN]) == ["b"]
    out = tmp_path / "out.csv"
    write_cohort_csv(res, out, table="summary", inputs=[src])
    ids = pd.read_csv(out, dtype=str)[ID_COLUMN].tolist()
    assert ids == ["'=HYPERLINK(1)", "'+2", "'@x", "'-4"]
    write_cohort_csv(res, out, inputs=[src])
    long = pd.read_csv(out)
    assert len(long) == 16 and long[ID_COLUMN].str.startswith("'").all()
    assert_allclose(long["expected_utility"], res.table["expected_utility"], rtol=1e-15)
    before = src.read_text()
    with pytest.raises(ValueError, match=r"--out: .* is the input file"):
        write_cohort_csv(res, src, inputs=[src])
    link = tmp_path / "link.csv"
    os.symlink(src, link)
    with pytest.raises(ValueError, match="is the input file"):
        write_cohort_csv(res, link, inputs=[src])
    assert src.read_text() == before
    with pytest.raises(ValueError, match="table: 'wide' not allowed"):
        write_cohort_csv(res, out, table="wide")
    with pytest.raises(ValueError, match="--out: .* folder"):
        write_cohort_csv(res, tmp_path)


def test_html_summarises(ev, people):
    res = run_cohort(ev, pd.DataFrame([{ID_COLUMN: k, **p.to_dict()} for k, p in people.items()]))
    page = res._repr_html_()
    assert f"{len(people)} patients" in page and "none (ineligible)" in page
    assert res.to_df().equals(res.table)
