"""``netlrt report``: a complete, self-contained folder, or nothing at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import netlrt
from netlrt import cli, report
from netlrt.report import DISCLAIMER, build_report, read_patients

REPO = Path(__file__).resolve().parents[1]

SMALL = {"n_draws": 200, "sobol_n": 32, "progress": False}


@pytest.fixture(scope="module")
def built(tmp_path_factory, model):
    return build_report(model, tmp_path_factory.mktemp("r") / "report", **SMALL)


def test_report_folder_holds_page_figures_and_tables(built):
    page = (built / "index.html").read_text(encoding="utf-8")
    assert DISCLAIMER in page
    assert page.index(DISCLAIMER) < page.index('id="model"')  # the statement comes first
    pngs = sorted(p.name for p in built.glob("*.png"))
    assert {"network.png", "priors.png", "case3_y90_tornado.png", "case3_y90_sobol.png"} <= set(pngs)
    for name in pngs:  # every figure written is embedded in the page, so it opens offline
        assert f'data-file="{name}"' in page
    assert page.count('src="data:image/png;base64,') == len(pngs)
    assert not re.search(r'src="(?!data:)', page)  # nothing loaded from elsewhere
    for case in netlrt.cases.article_cases():
        assert f'id="{case}"' in page
        assert (built / f"{case}_outcomes.csv").exists() and (built / f"{case}_evppi.csv").exists()
    assert {"edges.csv", "priors.csv", "summary.csv"} <= {p.name for p in built.glob("*.csv")}


def test_report_readme_matches_the_repository_one(built):
    shipped = REPO / "reports" / "README.md"
    if not shipped.exists():
        pytest.skip("no reports/README.md outside the repository")
    assert (built / "README.md").read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_failure_leaves_no_folder_and_keeps_the_old_report(tmp_path, model, monkeypatch):
    def boom(page):
        raise RuntimeError("section failed")

    monkeypatch.setattr(report, "_section_patients", boom)
    with pytest.raises(RuntimeError, match="section failed"):
        build_report(model, tmp_path / "new", **SMALL)
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temporary folder

    old = tmp_path / "old"
    old.mkdir()
    (old / "index.html").write_text("previous report")
    with pytest.raises(RuntimeError):
        build_report(model, old, **SMALL)
    assert [p.name for p in tmp_path.iterdir()] == ["old"]
    assert (old / "index.html").read_text() == "previous report"


def test_existing_report_is_replaced_whole(tmp_path, model, monkeypatch):
    monkeypatch.setattr(report, "_section_sensitivity", lambda page, pid: None)  # keep it quick
    target = tmp_path / "r"
    target.mkdir()
    (target / "stale.png").write_bytes(b"old")
    build_report(model, target, **SMALL)
    assert not (target / "stale.png").exists() and (target / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_own_patients_from_csv_and_yaml(tmp_path, model, monkeypatch):
    monkeypatch.setattr(report, "_section_sensitivity", lambda page, pid: None)
    csv = tmp_path / "p.csv"
    csv.write_text("id,grade,burden,distribution,biliary,ecog,functional,bilirubin_mg_dl\n"
                   "A,G1,low,unilobar_oligo,intact,1,true,\n"
                   "B,G3,high,bilobar_multifocal,bilioenteric_anastomosis,4,no,1.2\n")
    patients = read_patients(csv)
    assert patients["A"].functional is True and patients["A"].bilirubin_mg_dl is None
    assert patients["B"].ecog == 4
    yml = tmp_path / "p.yaml"
    yml.write_text("A: {grade: G1, burden: low, distribution: unilobar_oligo, biliary: intact}\n")
    assert read_patients(yml)["A"] == netlrt.Patient(grade="G1", burden="low", distribution="unilobar_oligo",
                                                       biliary="intact")
    out = build_report(model, tmp_path / "r", patients=patients, **SMALL)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="A"' in page and "none (ineligible)" in page  # B has ECOG 4
    assert "case1_tae" not in page


@pytest.mark.parametrize("name, text, match", [
    ("p.yaml", "just a string\n", "expected a list of patients"),
    ("p.yaml", "- {grade: G9, burden: low, distribution: unilobar_oligo, biliary: intact}\n", "grade: unknown value 'G9'"),
    ("p.csv", "grade,burden,distribution,biliary,ecog\nG1,low,unilobar_oligo,intact,two\n", "row 1.*ecog: 'two'; allowed: an integer"),
    ("p.txt", "x", "allowed: .yaml, .yml, .csv"),
])
def test_bad_patients_file(tmp_path, name, text, match):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        read_patients(path)


def test_patient_ids_must_be_safe_file_names(tmp_path, model):
    p = netlrt.cases.article_cases()["case1_tae"]
    with pytest.raises(ValueError, match="id '../x' not allowed"):
        build_report(model, tmp_path / "r", patients={"../x": p}, **SMALL)
    assert list(tmp_path.iterdir()) == []


def test_cli_errors_are_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert cli.main(["report", "--out", str(blocker / "reports"), "--quiet"]) == 2
    assert cli.main(["report", "--patients", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "does not exist" in err[0] and "cannot read" in err[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
