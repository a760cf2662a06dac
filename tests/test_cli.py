"""The ``netlrt`` command line: evaluate, priors, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import netlrt
from netlrt.cli import main
from netlrt.vocabulary import MODALITIES, OUTCOMES

FLAGS = ["--grade", "G2", "--burden", "low", "--distribution", "bilobar_oligo", "--biliary", "intact"]


@pytest.mark.parametrize("case", [c.id for c in netlrt.cases.CASES])
def test_evaluate_json_for_article_cases(case, cases, model, tmp_path, capsys):
    f = tmp_path / f"{case}.yaml"
    f.write_text(yaml.safe_dump(cases[case].to_dict()))
    assert main(["evaluate", "--patient", str(f), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ev = model.evaluate(cases[case])
    assert out["recommended"] == ev.recommended and out["eligible"] is True
    assert list(out["modalities"]) == list(MODALITIES)
    for m in MODALITIES:
        assert out["modalities"][m]["expected_utility"] == pytest.approx(ev.expected_utility[m])
        assert set(out["modalities"][m]["outcomes"]) == set(OUTCOMES)


def test_evaluate_flags_table(capsys):
    assert main(["evaluate", *FLAGS, "--functional", "--ecog", "1"]) == 0
    out = capsys.readouterr().out
    assert "recommended: cTACE" in out and "survival_3y" in out


def test_ki67_flag_and_ineligible_patient(capsys):
    args = ["evaluate", "--ki67", "25", "--burden", "high", "--distribution", "unilobar_oligo",
            "--biliary", "intact", "--bilirubin", "4.2", "--format", "json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["eligible"] is False and out["recommended"] is None
    assert any("bilirubin 4.2" in r for r in out["reasons"])


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["evaluate", "--grade", "G7", "--burden", "low", "--distribution", "bilobar_oligo", "--biliary", "intact"],
         "grade: unknown value 'G7'"),
        (["evaluate", *FLAGS, "--bogus"], "unrecognized arguments: --bogus"),
        (["evaluate", *FLAGS, "--format", "xml"], "invalid choice: 'xml'"),
        (["evaluate", "--burden", "low", "--distribution", "bilobar_oligo", "--biliary", "intact"],
         "grade: required"),
        (["evaluate", "--patient", "/nonexistent/p.yaml"], "cannot read patient file"),
        (["evaluate", "--patient", "p.yaml", "--grade", "G1"], "either --patient FILE or finding flags"),
        (["evaluate", *FLAGS, "--ecog", "two"], "invalid int value: 'two'"),
        (["evaluate", *FLAGS, "--priors", "/nonexistent"], "is not a folder"),
        (["evaluate", *FLAGS, "--preference", "cheapest"], "unknown profile 'cheapest'"),
        ([], "the following arguments are required: command"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(args, fragment, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("netlrt: error: ")
    assert fragment in err


def test_patient_file_must_be_a_mapping(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text("- G2\n- low\n")
    assert main(["evaluate", "--patient", str(f)]) == 2
    assert "must hold a mapping" in capsys.readouterr().err


def test_priors_show_and_refit(tmp_path, capsys):
    assert main(["priors", "show"]) == 0
    assert "response_y90" in capsys.readouterr().out
    folder = tmp_path / "priors"
    shutil.copytree(netlrt.priors.default_priors_path(), folder)
    assert main(["priors", "refit", str(folder)]) == 0
    assert "refitted" in capsys.readouterr().out
    assert main(["priors", "refit"]) == 2


def test_console_script_is_installed():
    beside = Path(sys.executable).with_name("netlrt")  # the venv's bin/, whether or not it is on PATH
    exe = str(beside) if beside.exists() else shutil.which("netlrt")
    if exe is None:
        pytest.skip("netlrt console script not installed beside this Python nor on PATH")
    done = subprocess.run([exe, "evaluate", *FLAGS, "--format", "json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["recommended"] in MODALITIES
    bad = subprocess.run([exe, "evaluate", "--grade", "G9"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "netlrt", "evaluate", *FLAGS], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "recommended:" in done.stdout
