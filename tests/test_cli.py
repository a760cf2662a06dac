"""The ``netlrt`` command line in-process: what each subcommand prints and writes, and every user mistake as one
line on stderr (``netlrt: error: `` naming the flag, file, row or parameter) with exit status 2.

Real files, devices, symlinks, signals and pipes are in test_cli_files.py; the report in test_report.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netlrt
from netlrt.cli import COMMANDS, main
from netlrt.evidence.patient_spec import FIELDS, ID_COLUMN
from netlrt.evidence.vocabulary import MODALITIES
from netlrt.network.declarations import OUTCOMES
from netlrt.output.report import DISCLAIMER

CASES = ("case1_tae", "case2_tace", "case3_y90")
#: Python argument names the user never typed: no message may start with one.
INTERNAL = ("df", "path", "n_draws", "n", "param", "patient", "patients", "format", "seed", "changes", "dest",
            "value", "priors")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(err: str) -> str:
    """The message of the single error line (fails unless ``err`` is exactly one ``netlrt: error:`` line)."""
    assert err.count("\n") == 1 and err.startswith("netlrt: error: "), err
    text = err[len("netlrt: error: "):].rstrip("\n")
    assert "Traceback" not in text and text.partition(":")[0] not in INTERNAL, text
    return text


@pytest.fixture()
def priors_copy(tmp_path, capsys) -> Path:
    folder = tmp_path / "my_priors"
    assert main(["priors", "init", str(folder)]) == 0
    capsys.readouterr()
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------------------------------------ basics

def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"netlrt {netlrt.__version__}"


@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS),
                                  *(["priors", a] for a in ("show", "init", "refit", "update"))])
def test_every_help_text_renders(argv, capsys):
    # argparse %-formats help: a field help with '50%' once crashed `netlrt evaluate --help`
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0 and out.startswith("usage: netlrt")
    assert "%%" not in out  # descriptions are not %-formatted: an escaped percent would show doubled
    first_block = out.split("\n\n")[1]  # after the usage: what the command does, before its arguments
    assert not first_block.startswith(("positional arguments:", "options:")), f"{argv}: no description"
    if argv and argv[0] in ("evaluate", "analyse"):
        assert all(f.flag in out for f in FIELDS)  # one flag per patient field, generated from the spec


# ------------------------------------------------------------------------------------------------ evaluate

@pytest.mark.parametrize("case", CASES)
def test_evaluate_case_json_is_the_python_evaluation(case, cases, model, capsys):
    code, out, err = run(capsys, "evaluate", "--case", case, "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    ev = model.evaluate(cases[case])
    assert doc["recommended"] == ev.recommended and doc["eligible"] is True
    assert list(doc["modalities"]) == list(MODALITIES)
    for m in MODALITIES:
        assert doc["modalities"][m]["expected_utility"] == pytest.approx(ev.expected_utility[m], rel=1e-12)
        assert list(doc["modalities"][m]["outcomes"]) == list(OUTCOMES)
        assert doc["modalities"][m]["prob_best"] == pytest.approx(ev.prob_best[m], rel=1e-12)


def test_evaluate_flags_table_names_the_recommendation_and_its_terms(model, capsys):
    code, out, _ = run(capsys, "evaluate", "--grade", "G2", "--burden", "low", "--distribution", "bilobar_oligo",
                       "--biliary", "intact", "--functional", "--ecog", "1")
    ev = model.evaluate(netlrt.Patient(grade="G2", burden="low", distribution="bilobar_oligo", biliary="intact",
                                       functional=True, ecog=1))
    assert code == 0
    assert f"recommended: {ev.recommended}" in out
    a, b = ev.ranking[:2]
    assert f"QALY terms of {a} and {b}" in out
    assert f"{ev.expected_utility[a]:.4f}" in out  # the table's expected QALYs, rounded to 4 places
    assert out.rstrip().endswith(textwrap.fill(DISCLAIMER, 110))


@pytest.mark.parametrize("case", CASES)
def test_evaluate_says_what_the_recommendation_rests_on(case, cases, model, capsys):
    code, out, _ = run(capsys, "evaluate", "--case", case)
    expected = model.inferences(cases[case], netlrt.cases.inferred_fields(case)).summary()
    assert code == 0 and f"\nwhat the recommendation rests on: {expected}\n" in out
    code, out, _ = run(capsys, "evaluate", "--ecog", "3")
    assert code == 0 and "rests on" not in out  # ineligible: nothing recommended


def test_evaluate_patient_file_yaml_and_csv_give_the_same_patient(tmp_path, capsys):
    # one id column name everywhere: patient_id in a single YAML file as in a CSV table
    (tmp_path / "p.yaml").write_text("patient_id: x\ngrade: G3\nburden: high\necog: 1\nbilirubin_mg_dl: 1.2\n")
    (tmp_path / "p.csv").write_text("patient_id,grade,burden,ecog,bilirubin_mg_dl\nx,G3,high,1,1.2\n")
    outs = [run(capsys, "evaluate", "--patient", tmp_path / n, "--format", "json") for n in ("p.yaml", "p.csv")]
    assert outs[0][0] == outs[1][0] == 0
    assert json.loads(outs[0][1]) == json.loads(outs[1][1])


def test_ineligible_patient_and_the_old_bilirubin_flag(capsys):
    code, out, _ = run(capsys, "evaluate", "--ki67", "25", "--bilirubin", "4.2", "--ecog", "3", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["eligible"] is False and doc["recommended"] is None
    assert any("ECOG 3" in r for r in doc["reasons"])
    assert any("bilirubin" in w for w in doc["warnings"] + doc["reasons"])


# ------------------------------------------------------------------------------------------------ mistakes

def _files(tmp: Path) -> None:
    """The bad inputs the mistakes below name."""
    (tmp / "two.yaml").write_text("- {grade: G1}\n- {grade: G2}\n")
    (tmp / "intkey.yaml").write_text("grade: G2\n1: x\n")
    (tmp / "repeat.yaml").write_text("grade: G2\ngrade: G3\n")
    (tmp / "quoted.yaml").write_text('bilirubin_mg_dl: "2.0"\n')
    (tmp / "idkey.yaml").write_text("id: a\ngrade: G2\n")
    (tmp / "latin1.yaml").write_bytes("grade: G2  # caf\xe9\n".encode("latin-1"))
    (tmp / "list.yaml").write_text("- G2\n- low\n")
    (tmp / "in.csv").write_text(f"{ID_COLUMN},grade\na,G1\n")
    (tmp / "link.csv").symlink_to(tmp / "in.csv")
    (tmp / "id.csv").write_text("id,grade\na,G1\n")
    (tmp / "comma.csv").write_text("patient_id,grade,ecog\na,G1,1,\nb,G2,0\n")
    (tmp / "dup.csv").write_text("patient_id,grade\na,G1\na,G2\n")
    (tmp / "bad3.csv").write_text("patient_id,grade,ecog\na,G1,1\nb,G2,7\nc,G9,0\n")
    (tmp / "badid.yaml").write_text("'../x': {grade: G1}\n")
    (tmp / "noid.csv").write_text("patient_id,grade\n,G1\n,G2\n")
    (tmp / "a_folder").mkdir()
    (tmp / "x.yaml").mkdir()
    (tmp / "loop").symlink_to(tmp / "loop")


MISTAKES = [
    # (argv with {t} for the temporary folder, what the message must contain)
    (["evaluate", "--grade", "G7"], "argument --grade: invalid choice: 'G7'"),
    (["evaluate", "--bogus"], "unrecognized arguments: --bogus"),
    (["evaluate", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    (["evaluate", "--ecog", "two"], "--ecog: 'two' is not an integer"),
    (["evaluate", "--ecog", "1.5"], "--ecog: '1.5' is not an integer"),
    (["evaluate", "--ecog", "7"], "--ecog: 7 is out of range; allowed: an integer 0-4"),
    (["evaluate", "--bilirubin-mg-dl", "abc"], "--bilirubin-mg-dl: 'abc' is text, not a number"),
    (["evaluate", "--functional", "maybe"], "--functional: 'maybe'; allowed: true/false"),
    (["evaluate", "--ki67", "5", "--grade", "G3"], "--grade: 'G3' contradicts ki67=5"),
    (["evaluate", "--preference", "cheapest"], "--preference: unknown profile 'cheapest'"),
    (["evaluate", "--case", "case9"], "--case: unknown case 'case9'; allowed: case1_tae, case2_tace, case3_y90"),
    (["evaluate", "--case", "case1_tae", "--ecog", "1"], "not both (got --ecog)"),
    (["evaluate", "--patient", "{t}/p.yaml", "--case", "case1_tae"], "not allowed with argument --patient"),
    (["evaluate", "--patient", "{t}/missing.yaml"], "'{t}/missing.yaml': cannot read it: No such file"),
    (["evaluate", "--patient", "{t}/a_folder"], "unknown file type ''; allowed: .yaml, .yml, .csv"),
    (["evaluate", "--patient", "{t}/two.yaml"], "--patient: '{t}/two.yaml' holds 2 patients; give a file with one"),
    (["evaluate", "--patient", "{t}/intkey.yaml"], "'{t}/intkey.yaml' is not valid YAML (line 2): key 1 is not text"),
    (["evaluate", "--patient", "{t}/repeat.yaml"], "(line 2): repeated key 'grade'"),
    (["evaluate", "--patient", "{t}/quoted.yaml"], "bilirubin_mg_dl: '2.0' is text, not a number"),
    (["evaluate", "--patient", "{t}/idkey.yaml"], "unknown field 'id'; the patient id key is 'patient_id'"),
    (["evaluate", "--patient", "{t}/latin1.yaml"], "'{t}/latin1.yaml': not UTF-8 text"),
    (["evaluate", "--patient", "{t}/list.yaml"], "patient #1: expected a mapping of field: value, got str"),
    (["evaluate", "--patient", "{t}/comma.csv"], "row 1 (line 2) has 4 cells but the header has 3 columns"),
    (["evaluate", "--priors", ""], "--priors: empty folder name"),
    (["evaluate", "--priors", "{t}/missing"], "--priors: '{t}/missing' is not a folder"),
    (["evaluate", "--priors", "{t}/loop"], "--priors: '{t}/loop'"),
    (["evaluate", "--priors", "{t}/x.yaml"], "--priors: no *.yaml files in '{t}/x.yaml'"),
    (["evaluate", "--priors", "{t}"], "x.yaml in '{t}' is a folder, not a priors file"),
    ([], "the following arguments are required: command"),
    (["report", "--draws", "1"], "--draws: expected an integer >= 100 and <= 1,000,000, got 1"),
    (["report", "--draws", "1000000000"], "--draws: expected an integer >= 100 and <= 1,000,000, got 1000000000"),
    (["report", "--draws", "1e4"], "argument --draws: invalid int value: '1e4'"),
    (["report", "--sobol-draws", "1000"], "--sobol-draws: must be a power of two"),
    (["report", "--dpi", "0"], "--dpi: expected an integer >= 30"),
    (["report", "--workers", "0"], "--workers: expected an integer >= 1"),
    (["report", "--out", "", "--patients", "{t}/in.csv"], "--out: the path is empty"),
    (["report", "--out", "{t}/" + "r" * 300, "--patients", "{t}/in.csv"], "File name too long"),
    (["report", "--out", "{t}/in.csv", "--patients", "{t}/in.csv"], "--out: '{t}/in.csv' is a plain file; give a "
                                                                    "folder"),
    (["report", "--out", "{t}/no/such", "--patients", "{t}/in.csv"], "--out: folder '{t}/no' does not exist"),
    (["report", "--patients", ""], "--patients: empty file name"),
    (["evaluate", "--case", ""], "--case: empty; give a case name"),  # not the all-unknown patient
    (["cohort", "--in", "{t}/in.csv", "--out", "-"], "--out: '-' would be a file named '-'; give /dev/stdout"),
    (["priors", "update", "--data", "", "--out", "{t}/u"], "--data: empty file name"),
    (["analyse", "psa", "--patient", " "], "--patient: empty; give a YAML or CSV file"),
    (["report", "--patients", "{t}/id.csv"], "unknown column 'id'; the patient id column is 'patient_id'"),
    (["report", "--patients", "{t}/dup.csv"], "duplicate patient_id 'a' in row 1 (line 2) and row 2 (line 3)"),
    (["report", "--patients", "{t}/bad3.csv"], "row 2 (line 3) (patient_id 'b'): ecog: 7 is out of range"),
    (["report", "--patients", "{t}/badid.yaml", "--out", "{t}/r"], "--patients '{t}/badid.yaml': id '../x' not "
                                                                   "allowed"),
    (["cohort", "--in", "{t}/in.csv", "--out", ""], "--out: empty file name"),
    (["cohort", "--in", "{t}/in.csv", "--out", "{t}/a_folder"], "--out: '{t}/a_folder' is a folder; give a file"),
    (["cohort", "--in", "{t}/in.csv", "--out", "{t}/no/x.csv"], "--out: folder '{t}/no' does not exist"),
    (["cohort", "--in", "{t}/in.csv", "--out", "{t}/" + "c" * 300 + ".csv"], "--out: cannot write"),
    (["cohort", "--in", "{t}/in.csv", "--out", "{t}/o.csv", "--summary", "{t}/o.csv"],
     "--summary: '{t}/o.csv' is the --out file '{t}/o.csv'; one would overwrite the other"),
    (["cohort", "--in", "{t}/missing.csv", "--out", "{t}/o.csv"], "patients file '{t}/missing.csv': cannot read"),
    (["cohort", "--in", "{t}/bad3.csv", "--out", "{t}/o.csv"], "row 2 (line 3) (patient_id 'b'): ecog: 7 is out of "
                                                               "range; allowed: an integer 0-4 or unknown (leave it "
                                                               "out) (and 1 more problem; --skip-invalid"),
    (["cohort", "--in", "{t}/in.csv", "--out", "{t}/loop"], "--out: '{t}/loop' is a symlink loop"),
    (["cohort", "--in", "{t}/noid.csv", "--out", "{t}/o.csv"], "row 1 (line 2): patient_id is empty; every patient "
                                                               "needs an id"),
    (["cohort", "--in", "{t}/id.csv", "--out", "{t}/o.csv"], "unknown column 'id'; the patient id column is "
                                                             "'patient_id'"),
    (["export", "--out", "{t}/net.txt"], "--out: cannot tell the format from the file name 'net.txt'"),
    (["export", "--out", "{t}/net.bif", "--format", "xdsl"], "--format: 'xdsl' contradicts the file name 'net.bif'"),
    (["export", "--out", "{t}/a_folder", "--format", "bif"], "--out: '{t}/a_folder' is a folder; give a file name"),
    (["export", "--out", "{t}/no/net.bif"], "--out: folder '{t}/no' does not exist"),
    (["analyse", "sobol", "--case", "case3_y90", "--draws", "500", "--out", "{t}"], "--draws: Sobol's base sample "
                                                                                    "must be a power of two"),
    # as for the report: with a handful of draws every parameter's EVPPI is the EVPI
    (["analyse", "psa", "--case", "case3_y90", "--draws", "2", "--out", "{t}"], "--draws: expected an integer >= 100 "
                                                                              "and <= 1,000,000, got 2"),
    (["analyse", "evppi", "--case", "case3_y90", "--draws", "99", "--out", "{t}"], "--draws: expected an integer >= "
                                                                                 "100 and <= 1,000,000, got 99"),
    (["analyse", "threshold", "--case", "case3_y90", "--out", "{t}"], "--param: threshold takes 1 parameter id(s), "
                                                                      "got 0"),
    (["analyse", "threshold", "--case", "case3_y90", "--param", "median_os_yeras", "--out", "{t}"],
     "--param: unknown parameter 'median_os_yeras'; did you mean median_os_years?"),
    (["analyse", "threshold", "--case", "case3_y90", "--param", "horizon_years", "--out", "{t}"],
     "--param: 'horizon_years' is fixed"),
    (["analyse", "one-way", "--case", "case3_y90", "--draws", "100", "--out", "{t}"], "--draws: one-way draws "
                                                                                      "nothing"),
    (["analyse", "one-way", "--ecog", "4", "--out", "{t}"], "no recommendation to analyse: ineligible: ECOG 4 above 2"),
    (["analyse", "one-way", "--case", "case3_y90", "--out", "{t}/missing"], "--out: '{t}/missing' is not an "
                                                                            "existing folder"),
    (["priors", "refit"], "the following arguments are required: folder"),
    (["priors", "refit", ""], "priors refit: empty folder name"),
    (["priors", "show", "{t}/missing"], "'{t}/missing' is not a folder"),
    (["priors", "init", "{t}"], "priors init: '{t}' exists and is not an empty folder"),
    (["priors", "init", "{t}/in.csv"], "priors init: '{t}/in.csv' is a plain file; choose a new folder"),
    (["priors", "init", "/dev/null"], "priors init: '/dev/null' is a character device; choose a new folder"),
    (["priors", "init", "{t}/link.csv"], "priors init: '{t}/link.csv', through a symlink, is a plain file; choose a "
                                         "new folder"),
    (["report", "--out", "{t}/link.csv"], "--out: '{t}/link.csv', through a symlink, is a plain file; give a folder"),
    (["priors", "init", "{t}/no/deeper"], "priors init: folder '{t}/no' does not exist"),
]


@pytest.mark.parametrize("argv, fragment", MISTAKES, ids=[" ".join(a)[:60] for a, _ in MISTAKES])
def test_user_mistakes_print_one_line_naming_what_and_exit_2(argv, fragment, tmp_path, capsys):
    _files(tmp_path)
    before = sorted(os.listdir(tmp_path))
    code, out, err = run(capsys, *(a.replace("{t}", str(tmp_path)) for a in argv))
    assert code == 2
    assert fragment.replace("{t}", str(tmp_path)) in one_error(err)
    assert sorted(os.listdir(tmp_path)) == before  # a refused command writes nothing, not even a hidden file


def test_refit_of_the_shipped_priors_is_refused(capsys):
    from netlrt.evidence.priors_files import default_priors_path

    code, _, err = run(capsys, "priors", "refit", default_priors_path())
    assert code == 2 and "the shipped priors are read-only" in one_error(err)


def test_disk_errors_are_one_line_with_exit_1(monkeypatch, capsys):
    from netlrt.cli import evaluate

    def full(args):
        raise OSError(28, "No space left on device", "/tmp/x.csv")

    monkeypatch.setattr(evaluate, "run", full)
    code, _, err = run(capsys, "evaluate")
    assert code == 1 and err == "netlrt: error: '/tmp/x.csv': No space left on device\n"


@pytest.mark.parametrize("exc, status, line", [
    (KeyboardInterrupt(), 130, "netlrt: stopped by Ctrl-C (SIGINT)\n"),
    (__import__("netlrt.files", fromlist=["Terminated"]).Terminated(15), 143, "netlrt: stopped by SIGTERM\n"),
])
def test_interrupts_are_one_line_with_the_shell_status(exc, status, line, monkeypatch, capsys):
    from netlrt.cli import evaluate

    def stop(args):
        raise exc

    monkeypatch.setattr(evaluate, "run", stop)
    assert run(capsys, "evaluate")[1:] == ("", line)
    monkeypatch.setattr(evaluate, "run", stop)
    assert main(["evaluate"]) == status
    capsys.readouterr()
    for kind in (ImportError, RuntimeError, ValueError):  # a library's own error for it: scipy's import, say

        def turned(args, kind=kind):
            try:
                raise exc
            except KeyboardInterrupt as interrupt:
                raise kind("initialization failed") from interrupt

        monkeypatch.setattr(evaluate, "run", turned)
        assert run(capsys, "evaluate") == (status, "", line), kind  # a traceback and exit 1, or 'error: ...' and 2


def test_the_console_script_lets_a_ctrl_c_during_shutdown_end_it(monkeypatch, capsys):
    """A second Ctrl-C just after the first (while the last line was printed, or the interpreter joined the report's
    worker threads) raised a KeyboardInterrupt where nothing caught it and printed a traceback: once the console
    script is interrupted, SIGINT is back at its default action. main() itself, which python -m netlrt and
    IPython's %run -m reach, puts back the handler it found, as does the console script when nothing stopped it."""
    import signal

    from netlrt.cli import console, evaluate

    def stop(args):
        raise KeyboardInterrupt

    before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(sys, "argv", ["netlrt", "evaluate", "--ecog", "3"])
    try:
        assert console() == 0 and signal.getsignal(signal.SIGINT) is before
        monkeypatch.setattr(evaluate, "run", stop)
        assert main() == 130 and signal.getsignal(signal.SIGINT) is before
        assert console() == 130 and signal.getsignal(signal.SIGINT) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGINT, before)
    capsys.readouterr()


# ------------------------------------------------------------------------------------------------ priors

def test_priors_show_says_which_folder_is_in_use(priors_copy, capsys):
    from netlrt.evidence.priors_files import default_priors_path

    code, out, _ = run(capsys, "priors", "show")
    assert code == 0
    assert out.splitlines()[0] == (f"priors: {default_priors_path()} (the priors shipped with netlrt; copy them "
                                   "with `netlrt priors init DIR` to edit)")
    code, out, _ = run(capsys, "priors", "show", priors_copy)
    assert code == 0 and out.splitlines()[0].startswith(f"priors: {priors_copy} (your folder")
    ids = [line.split()[0] for line in out.splitlines()[2:]]
    assert ids == list(netlrt.load_model(priors_copy).priors)  # every parameter, in file order
    assert out.splitlines()[1].split()[:6] == ["id", "distribution", "mean", "low", "high", "unit"]  # of the numbers


def test_priors_init_copies_the_defaults_and_never_overwrites(tmp_path, capsys):
    from netlrt.evidence.priors_files import default_priors_path

    dest = tmp_path / "mine"
    code, out, _ = run(capsys, "priors", "init", dest)
    assert code == 0 and f"netlrt priors refit {dest}" in out
    shipped = sorted(default_priors_path().glob("*.yaml"))
    assert [p.name for p in shipped] == sorted(os.listdir(dest))
    assert all((dest / p.name).read_bytes() == p.read_bytes() for p in shipped)
    (dest / "survival.yaml").write_text("# mine\n")
    assert run(capsys, "priors", "init", dest)[0] == 2
    assert (dest / "survival.yaml").read_text() == "# mine\n"


def test_refit_refits_only_what_changed_and_then_nothing(priors_copy, capsys):
    f = priors_copy / "survival.yaml"
    edit(f, "  interval: [0.8, 1.25]\n", "  interval: [0.5, 2.0]\n")  # hr_modality_tae, an assumption
    code, out, _ = run(capsys, "priors", "refit", priors_copy)
    assert code == 0 and out.strip() == f"refitted 1 parameter(s) in {priors_copy}: hr_modality_tae"
    prior = netlrt.load_model(priors_copy).priors["hr_modality_tae"]
    assert (prior.low, prior.high) == pytest.approx((0.5, 2.0), rel=1e-6)
    code, out, _ = run(capsys, "priors", "refit", priors_copy)
    assert code == 0 and "refitted 0 parameter(s)" in out


def test_refit_and_show_refuse_a_folder_the_model_would_refuse(priors_copy, capsys):
    """A prior deleted: refit and show said all was well (exit 0) while every model command refused the folder."""
    f = priors_copy / "complications.yaml"
    text = f.read_text()
    start = text.index("- id: abscess_intact")
    f.write_text(text[:start] + text[text.index("- id:", start + 5):])
    missing = f"parameter 'abscess_intact' is missing from {str(priors_copy)!r}; node hepatic_abscess uses it"
    code, out, err = run(capsys, "priors", "refit", priors_copy)
    assert code == 2 and out == "" and one_error(err).startswith("priors refit: the model would refuse the folder "
                                                                 "refitted (")
    assert missing in err and one_error(err).endswith("); nothing was written")
    code, out, err = run(capsys, "priors", "show", priors_copy)
    assert code == 2 and out == "" and missing in one_error(err)
    assert run(capsys, "evaluate", "--priors", priors_copy)[0] == 2
    f.write_text(text)  # a refit the model would refuse: a lognormal probability
    edit(f, "distribution: beta\n  rule: assumption\n  interval: [0.3, 0.9]",
         "distribution: lognormal\n  rule: assumption\n  interval: [0.3, 0.9]")
    before = f.read_bytes()
    code, out, err = run(capsys, "priors", "refit", priors_copy)
    assert code == 2 and "nothing was written" in one_error(err) and f.read_bytes() == before  # it wrote, exit 0


def test_an_edited_article_prior_must_say_why_and_then_shows_it(priors_copy, capsys):
    f = priors_copy / "survival.yaml"
    edit(f, "  interval: [2.0, 6.5]\n", "  interval: [1.0, 9.0]\n")  # median_os_years, source: article
    code, _, err = run(capsys, "priors", "refit", priors_copy)
    assert code == 2
    msg = one_error(err)
    assert msg.startswith("survival.yaml: parameter 'median_os_years': ") and "add 'modified: <why>'" in msg
    edit(f, "  interval: [1.0, 9.0]\n", "  interval: [1.0, 9.0]\n  modified: a wider reading of mine\n")
    assert run(capsys, "priors", "refit", priors_copy)[0] == 0
    code, out, _ = run(capsys, "priors", "show", priors_copy)
    row = next(line for line in out.splitlines() if line.split()[0] == "median_os_years")
    assert "article (modified: a wider reading of mine)" in row


@pytest.mark.parametrize("fname, old, new, fragment", [
    ("survival.yaml", "  refs: [15, 16, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 37, 38, 39, 40, 41]\n", "  refs: 37\n",
     "survival.yaml: parameter 'median_os_years': refs must be a list"),
    ("survival.yaml", "  interval: [2.0, 6.5]\n", "  interval: 0.5\n",
     "survival.yaml: parameter 'median_os_years': interval must be [low, high]"),
    ("survival.yaml", "  interval: [0.8, 1.25]\n", "  interval: [0.8, 1.25]\n  mass: high\n",
     "survival.yaml: parameter 'hr_modality_tae': mass 'high' not allowed; allowed: a number in (0, 1)"),
    ("survival.yaml", "parameters:\n", "parameters: [\n", "'{d}/survival.yaml' is not valid YAML (line "),
    ("utilities.yaml", "    multipliers: {postembolization_syndrome: 5}\n",
     "    multipliers: {postembolization_syndrome: 1.0e+308}\n",
     "utilities.yaml: profile 'avoid_pes': multiplier of 'postembolization_syndrome' is 1e+308"),
    ("utilities.yaml", "    multipliers: {}\n", "    weights: {}\n", "utilities.yaml: profile 'none': needs "
     "'multipliers'"),
    ("utilities.yaml", "profiles:\n", "parameters: []\nprofiles:\n", "utilities.yaml: expected exactly one of"),
])
def test_bad_priors_files_name_the_file_and_parameter(priors_copy, fname, old, new, fragment, capsys):
    edit(priors_copy / fname, old, new)
    fragment = fragment.replace("{d}", str(priors_copy))
    for argv in (["priors", "refit", priors_copy], ["evaluate", "--case", "case1_tae", "--priors", priors_copy]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and fragment in one_error(err)


def test_a_missing_or_undecodable_priors_file_is_named(priors_copy, capsys):
    with open(priors_copy / "efficacy.yaml", "ab") as f:
        f.write("# caf\xe9\n".encode("latin-1"))
    code, _, err = run(capsys, "evaluate", "--case", "case1_tae", "--priors", priors_copy)
    assert code == 2 and one_error(err) == f"--priors: {str(priors_copy / 'efficacy.yaml')!r} is not UTF-8 text"
    (priors_copy / "efficacy.yaml").unlink()
    (priors_copy / "population.yaml").unlink()
    code, _, err = run(capsys, "priors", "show", priors_copy)
    assert code == 2 and "no population file" in one_error(err) and str(priors_copy) in err


def test_a_second_profiles_file_is_refused_not_silently_used(priors_copy, capsys):
    shutil.copyfile(priors_copy / "utilities.yaml", priors_copy / "zz_utilities.yaml")
    code, _, err = run(capsys, "evaluate", "--case", "case1_tae", "--priors", priors_copy)
    assert code == 2
    assert one_error(err) == "zz_utilities.yaml: a second profiles file (the first is utilities.yaml); keep one"


def test_priors_update_writes_a_new_folder_and_marks_the_update(tmp_path, capsys):
    data = tmp_path / "studies.csv"
    data.write_text("parameter,citation,population,events,patients\nresponse_base,Doe 2024,mixed,30,50\n")
    out_dir = tmp_path / "updated"
    code, out, _ = run(capsys, "priors", "update", "--data", data, "--out", out_dir)
    assert code == 0 and out.startswith("updated 1 prior(s) (response_base)")
    before = netlrt.load_model().priors["response_base"]
    after = netlrt.load_model(out_dir).priors["response_base"]
    assert after.provenance == "article (updated with 1 study)"
    assert before.mean < after.mean < 30 / 50 and after.high - after.low < before.high - before.low
    code, _, err = run(capsys, "priors", "update", "--data", data, "--out", out_dir)  # never over a folder
    assert code == 2 and "--out:" in one_error(err)
    code, _, err = run(capsys, "priors", "update", "--data", data, "--out", data)
    assert code == 2 and "--out:" in one_error(err) and data.read_text().startswith("parameter,citation")
    data.write_text("parameter,citation,events,patients\nresponse_base,Doe,60,50\n")
    code, _, err = run(capsys, "priors", "update", "--data", data, "--out", tmp_path / "u2")
    assert code == 2 and "events: 60 (patients 50) in row 1 (parameter 'response_base')" in one_error(err)


def test_priors_update_warns_of_a_study_in_conflict_with_its_prior(tmp_path, capsys):
    """A median survival in months typed into a years parameter is used, but not silently."""
    data = tmp_path / "studies.csv"
    data.write_text("parameter,citation,estimate,lower,upper\nmedian_os_years,Months 2026,40,30,55\n")
    code, out, err = run(capsys, "priors", "update", "--data", data, "--out", tmp_path / "u")
    assert code == 0 and out.startswith("updated 1 prior(s) (median_os_years)")
    (line,) = err.splitlines()
    assert line.startswith("netlrt: warning: prior-data conflict: median_os_years, row 1 (Months 2026): estimate 40 ")
    assert line.endswith("; check its unit and what it measures")
    assert "In conflict with the prior: median_os_years, row 1" in netlrt.load_model(tmp_path / "u").priors[
        "median_os_years"].reading


# ------------------------------------------------------------------------------------------------ cohort

def test_cohort_writes_the_long_table_and_the_summary(tmp_path, model, capsys):
    src = tmp_path / "patients.csv"
    src.write_text("patient_id,grade,burden,ecog,bilirubin_mg_dl\n=HYPERLINK(1),G1,low,1,\n"
                   "p2,G3,high,4,1.2\n-3,G2,,0,\n")
    out, summary = tmp_path / "long.csv", tmp_path / "summary.csv"
    code, stdout, err = run(capsys, "cohort", "--in", src, "--out", out, "--summary", summary)
    assert code == 0 and err == ""
    assert stdout.strip() == f"wrote 12 rows (3 patients) to {out} and the summary to {summary}"
    long = pd.read_csv(out, dtype={ID_COLUMN: str})
    assert list(long[ID_COLUMN].unique()) == ["'=HYPERLINK(1)", "p2", "'-3"]  # spreadsheet formulas defused
    assert list(long["modality"][:4]) == list(MODALITIES)
    s = pd.read_csv(summary, dtype={ID_COLUMN: str})
    assert list(s[ID_COLUMN]) == ["'=HYPERLINK(1)", "p2", "'-3"]
    assert list(s["eligible"]) == [True, False, True]
    assert s.loc[1, ["recommended", "runner_up", "gap", "gap_se"]].isna().all() and not s.loc[1, "close_call"]
    assert "ECOG 4" in s.loc[1, "reasons"]
    ev = model.evaluate(netlrt.Patient(grade="G1", burden="low", ecog=1))
    assert s.loc[0, "recommended"] == ev.recommended
    assert s.loc[0, "expected_utility"] == pytest.approx(ev.expected_utility[ev.recommended], rel=1e-9)
    rec = long[long["recommended"]]
    assert list(rec[ID_COLUMN]) == ["'=HYPERLINK(1)", "'-3"]  # one recommended row per eligible patient


def test_cohort_skip_invalid_lists_each_row_left_out(tmp_path, capsys):
    src = tmp_path / "p.csv"
    src.write_text("patient_id,grade,ecog\na,G1,1\nb,G9,0\nc,G2,9\n")
    code, out, err = run(capsys, "cohort", "--in", src, "--out", tmp_path / "o.csv", "--skip-invalid")
    assert code == 0 and "(1 patient)" in out
    lines = err.splitlines()
    assert len(lines) == 2 and all(x.startswith("netlrt: skipped: patients file") for x in lines)
    assert "row 2 (line 3) (patient_id 'b'): grade" in lines[0] and "row 3 (line 4) (patient_id 'c'): ecog" in lines[1]
    src.write_text("patient_id,grade\nb,G9\n")
    code, _, err = run(capsys, "cohort", "--in", src, "--out", tmp_path / "o2.csv", "--skip-invalid")
    assert code == 2 and "--in: no valid patient" in err.splitlines()[-1]
    assert "netlrt: skipped: " in err.splitlines()[0] and "row 1 (line 2) (patient_id 'b'): grade" in err  # why
    assert not (tmp_path / "o2.csv").exists()


def test_cohort_checks_each_rows_preference(tmp_path, capsys):
    src = tmp_path / "p.yaml"
    src.write_text("a: {grade: G1, preference: avoid_pes}\nb: {grade: G1, preference: cheapest}\n")
    code, _, err = run(capsys, "cohort", "--in", src, "--out", tmp_path / "o.csv")
    assert code == 2 and "patient #2 (patient_id 'b'): preference: unknown profile 'cheapest'" in one_error(err)


# ------------------------------------------------------------------------------------------------ export

@pytest.mark.parametrize("suffix, fmt, start", [(".bif", "bif", "network netlrt {"), (".xml", "xmlbif", "<?xml"),
                                                (".xmlbif", "xmlbif", "<?xml"), (".BIFXML", "xmlbif", "<?xml"),
                                                (".xdsl", "xdsl", "<?xml"), (".net", "net", "net")])
def test_export_takes_the_format_from_the_extension(suffix, fmt, start, tmp_path, capsys):
    out = tmp_path / f"model{suffix}"
    code, stdout, _ = run(capsys, "export", "--out", out)
    assert code == 0 and stdout.strip() == f"wrote {out} ({fmt})"
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith(start)
    if fmt == "xdsl":
        assert '<smile version="1.0" id="netlrt"' in text and "DEE_TACE" in text and "DEE-TACE\"" not in text


def test_export_with_format_for_another_extension(tmp_path, capsys):
    out = tmp_path / "model.txt"
    assert run(capsys, "export", "--out", out, "--format", "net")[0] == 0
    assert out.read_text().startswith("net")


def test_export_never_writes_over_a_priors_file(priors_copy, capsys):
    target = priors_copy / "efficacy.yaml"
    before = target.read_bytes()
    code, _, err = run(capsys, "export", "--out", target, "--format", "bif", "--priors", priors_copy)
    assert code == 2 and "is a file of the model's priors" in one_error(err)
    assert target.read_bytes() == before


# ------------------------------------------------------------------------------------------------ analyse

def test_analyse_psa_prints_the_evpi_its_help_promises(tmp_path, model, cases, capsys):
    code, out, _ = run(capsys, "analyse", "psa", "--case", "case3_y90", "--draws", "400", "--out", tmp_path)
    evpi = model.psa(cases["case3_y90"], n_draws=400, seed=0).evpi()
    assert code == 0 and out.strip() == (f"wrote {tmp_path / 'psa.csv'} and {tmp_path / 'psa.png'}; EVPI "
                                         f"{float(evpi):.4g} QALY per patient (SE {evpi.se:.2g})")
    assert float(evpi) > 0


def test_analyse_threshold_writes_the_exact_switch_point(tmp_path, model, cases, capsys):
    code, out, _ = run(capsys, "analyse", "threshold", "--case", "case3_y90", "--param", "hr_modality_y90",
                       "--out", tmp_path, "--figure-format", "svg")
    assert code == 0 and out.strip() == f"wrote {tmp_path / 'threshold.csv'} and {tmp_path / 'threshold.svg'}"
    table = pd.read_csv(tmp_path / "threshold.csv")
    expected = model.threshold(cases["case3_y90"], "hr_modality_y90").to_df()
    assert list(table.columns) == list(expected.columns)
    num = table.select_dtypes("number").columns
    np.testing.assert_allclose(table[num].to_numpy(float), expected[num].to_numpy(float), rtol=1e-9)
    assert (tmp_path / "threshold.svg").read_text().lstrip().startswith("<?xml")
    assert sorted(os.listdir(tmp_path)) == ["threshold.csv", "threshold.svg"]  # nothing hidden left behind


def test_analyse_sobol_and_evppi_are_seeded(tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        assert run(capsys, "analyse", "sobol", "--case", "case3_y90", "--draws", "16", "--out", tmp_path / sub)[0] == 0
    assert (tmp_path / "a" / "sobol.csv").read_bytes() == (tmp_path / "b" / "sobol.csv").read_bytes()
    table = pd.read_csv(tmp_path / "a" / "sobol.csv")
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(table.columns)  # intervals shown, not hidden
    png = (tmp_path / "a" / "sobol.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("analysis, extra, method", [
    ("one-way", [], lambda m, p: m.one_way(p).to_df()),
    ("two-way", ["--param", "hr_modality_y90", "--param", "median_os_years"],
     lambda m, p: m.two_way(p, "hr_modality_y90", "median_os_years").to_df()),
    ("psa", ["--draws", "300", "--seed", "7"], lambda m, p: m.psa(p, n_draws=300, seed=7).to_df()),
    ("evppi", ["--draws", "300", "--seed", "7"], lambda m, p: m.psa(p, n_draws=300, seed=7).evppi_ranking(seed=7)),
])
def test_analyse_writes_the_python_result(analysis, extra, method, tmp_path, model, cases, capsys):
    code, out, _ = run(capsys, "analyse", analysis, "--case", "case2_tace", *extra, "--out", tmp_path)
    name = analysis.replace("-", "_")
    assert code == 0 and sorted(os.listdir(tmp_path)) == [f"{name}.csv", f"{name}.png"]
    table = pd.read_csv(tmp_path / f"{name}.csv")
    expected = method(model, cases["case2_tace"])
    num = [c for c in expected.columns if pd.api.types.is_numeric_dtype(expected[c])]
    assert table.shape == expected.shape and num
    np.testing.assert_allclose(table[num].to_numpy(float), expected[num].to_numpy(float), rtol=1e-9, equal_nan=True)


def test_the_same_mistakes_from_python(model, cases):
    with pytest.raises(ValueError, match=r"^priors: 5 is not a folder name"):
        netlrt.load_model(5)
    with pytest.raises(ValueError, match=r"^priors: '' is not a folder name"):  # not the current folder
        netlrt.load_model("")
    with pytest.raises(ValueError, match=r"^params: \[\] names no parameter"):
        model.psa(cases["case3_y90"], n_draws=200).evppi([])
    as_int = netlrt.Patient(preference={"postembolization_syndrome": np.int64(5)})
    as_float = netlrt.Patient(preference={"postembolization_syndrome": 5.0})
    assert model.evaluate(as_int).expected_utility.equals(model.evaluate(as_float).expected_utility)


# ------------------------------------------------------------------------------------------------ the script

def test_console_script_and_module_entry_point():
    beside = Path(sys.executable).with_name("netlrt")  # the venv's bin/, whether or not it is on PATH
    exe = str(beside) if beside.exists() else shutil.which("netlrt")
    if exe is None:
        pytest.skip("netlrt console script not installed beside this Python nor on PATH")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"netlrt {netlrt.__version__}"
    done = subprocess.run([sys.executable, "-m", "netlrt", "evaluate", "--case", "case3_y90", "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and json.loads(done.stdout)["recommended"] in MODALITIES
    bad = subprocess.run([exe, "evaluate", "--grade", "G9"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and re.fullmatch(r"netlrt: error: argument --grade: [^\n]*\n", bad.stderr)
