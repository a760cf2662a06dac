"""Nothing lost: the command line against real folders, devices (``mknod``), symlinks, hard links, signals and
closed pipes. Each test leaves the user's files byte for byte as they were and no hidden temporary file behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from netlrt.cli import main
from netlrt.files import MANIFEST

FAST = ["--draws", "200", "--sobol-draws", "32", "--quiet", "--workers", "1"]
HIDDEN = re.compile(r"^\..*\.tmp$|^\.netlrt-build-")


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("netlrt: error: "), err
    return err[len("netlrt: error: "):-1]


def snapshot(root: Path) -> dict[str, tuple[int, bytes | str | None]]:
    """Every entry under ``root``: its mode and its bytes (a file), link target (a symlink) or None (a folder)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            st = p.lstat()
            content = (os.readlink(p) if stat.S_ISLNK(st.st_mode) else p.read_bytes() if stat.S_ISREG(st.st_mode)
                       else None)
            out[str(p.relative_to(root))] = (st.st_mode, content)
    return out


def leftovers(root: Path) -> list[str]:
    return [str(Path(d, n)) for d, ds, fs in os.walk(root) for n in ds + fs if HIDDEN.match(n)]


def char_device(path: Path) -> Path:
    """A character device like /dev/null made with mknod; the test is skipped where that is not allowed."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError) as exc:
        pytest.skip(f"cannot mknod a character device here: {exc}")
    return path


def netlrt_exe() -> list[str]:
    beside = Path(sys.executable).with_name("netlrt")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "netlrt"]


def earlier_report(folder: Path) -> Path:
    """A folder holding an earlier netlrt report (manifest and its files) and a file of the user's."""
    folder.mkdir()
    (folder / "index.html").write_text("<p>the earlier report</p>")
    (folder / "old_only.csv").write_text("a,b\n1,2\n")
    (folder / "my_notes.txt").write_text("mine\n")
    (folder / MANIFEST).write_text(json.dumps({"files": ["index.html", "old_only.csv"]}))
    return folder


@pytest.fixture()
def frail(tmp_path) -> Path:
    """One ineligible patient: the quickest complete report (no sensitivity sections)."""
    f = tmp_path / "frail.yaml"
    f.write_text("patient_id: frail\necog: 4\n")
    return f


@pytest.fixture()
def patients(tmp_path) -> Path:
    f = tmp_path / "in.csv"
    f.write_text("patient_id,grade,ecog\n=cmd,G1,1\nB,G2,0\n")
    return f


# ------------------------------------------------------------------------------------------------ report folders

def test_report_refuses_a_folder_of_the_users_work(tmp_path, frail, capsys):
    thesis = tmp_path / "mythesis"
    (thesis / "chapters").mkdir(parents=True)
    (thesis / "chapters" / "ch1.tex").write_text("work\n")
    before = snapshot(tmp_path)
    for out in (thesis, f"{thesis}/", f"{thesis}/chapters/.."):
        assert main(["report", "--out", str(out), "--patients", str(frail), *FAST]) == 2
        msg = one_error(capsys)
        assert msg.startswith(f"--out: {str(out)!r} holds files netlrt did not write ('chapters')")
        assert "nothing was changed" in msg
    assert snapshot(tmp_path) == before  # same files, bytes and modes; no hidden folder anywhere


def test_report_refuses_the_current_folder_proc_and_devices(tmp_path, frail, monkeypatch, capsys):
    (tmp_path / "data.csv").write_text("x\n")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    for out, fragment in ((".", "'.' holds files netlrt did not write ('data.csv', 'frail.yaml')"),
                          ("/proc", "'/proc' holds files netlrt did not write"),
                          ("/proc/self", "'/proc/self' holds files netlrt did not write"),
                          ("/dev/null", "'/dev/null' is a character device; give a folder"),
                          ("data.csv", "'data.csv' is a plain file; give a folder")):
        assert main(["report", "--out", out, "--patients", str(frail), *FAST]) == 2
        assert fragment in one_error(capsys)
    assert snapshot(tmp_path) == before


def test_report_through_a_symlink_to_a_folder(tmp_path, frail, capsys):
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real)  # to a folder not yet made: the report makes it
    umask = os.umask(0o022)
    try:
        for _ in range(2):  # a new report, then one replacing it, both through the link
            assert main(["report", "--out", str(link), "--patients", str(frail), *FAST]) == 0
            assert link.is_symlink() and os.readlink(link) == str(real)  # the link stays a link
            names = set(os.listdir(real))
            assert "index.html" in names
            assert names == set(json.loads((real / MANIFEST).read_text())["files"]) | {MANIFEST}
            assert stat.S_IMODE(real.stat().st_mode) == 0o755  # as any new folder under this umask, not 0700
    finally:
        os.umask(umask)
    assert sorted(os.listdir(tmp_path)) == ["frail.yaml", "link", "real"] and leftovers(tmp_path) == []
    user = tmp_path / "users"
    user.mkdir()
    (user / "a.txt").write_text("mine")
    (tmp_path / "link2").symlink_to(user)
    capsys.readouterr()
    assert main(["report", "--out", str(tmp_path / "link2"), "--patients", str(frail), *FAST]) == 2
    assert "holds files netlrt did not write ('a.txt')" in one_error(capsys)
    assert os.listdir(user) == ["a.txt"]


# ------------------------------------------------------------------------------------------------ output files

def _cohort(inp: Path, out: str | Path) -> list[str]:
    return ["cohort", "--in", str(inp), "--out", str(out)]


def _export(inp: Path, out: str | Path) -> list[str]:
    return ["export", "--out", str(out), "--format", "bif"]


WRITERS = {"cohort": (_cohort, "patient_id,modality,"), "export": (_export, "network netlrt {")}


@pytest.mark.parametrize("command", WRITERS)
def test_a_device_stays_a_device(command, tmp_path, patients, capsys):
    argv, _ = WRITERS[command]
    dev = char_device(tmp_path / "null")
    for target in ("/dev/null", dev):
        assert main(argv(patients, target)) == 0
        st = os.lstat(target)
        assert stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", WRITERS)
def test_a_symlink_is_written_through_and_stays_a_link(command, tmp_path, patients, capsys):
    argv, start = WRITERS[command]
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / "target.out"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.out"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.out"
    dangling.symlink_to(tmp_path / "sub" / "new.out")
    for path in (link, dangling):
        assert main(argv(patients, path)) == 0
        assert path.is_symlink()
    assert target.read_text().startswith(start) and (tmp_path / "sub" / "new.out").read_text().startswith(start)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # a replaced file keeps its permissions
    assert leftovers(tmp_path) == []


def test_cohort_never_writes_over_its_input(tmp_path, patients, capsys):
    (tmp_path / "link.csv").symlink_to(patients)
    os.link(patients, tmp_path / "hard.csv")
    before = snapshot(tmp_path)
    outs = [patients, f"{tmp_path}/./in.csv", tmp_path / "link.csv", tmp_path / "hard.csv"]
    for out in outs:
        for extra in ([], ["--skip-invalid"]):
            assert main(_cohort(patients, out) + extra) == 2
            msg = one_error(capsys)
            assert msg.startswith("--out: ") and "is the input file" in msg and "would destroy the input" in msg
    assert main([*_cohort(patients, tmp_path / "o.csv"), "--summary", str(patients)]) == 2
    assert one_error(capsys).startswith("--summary: ")
    assert snapshot(tmp_path) == before


def test_analyse_checks_both_its_files_before_the_work_and_keeps_read_only_ones(tmp_path, monkeypatch, capsys):
    """A figure path that is a folder was found only after the table had replaced one_way.csv; a read-only file
    of the same name was replaced."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one_way.csv").write_text("my table\n")
    (tmp_path / "one_way.png").mkdir()
    before = snapshot(tmp_path)
    assert main(["analyse", "one-way", "--case", "case1_tae"]) == 2
    assert one_error(capsys) == "--out: 'one_way.png' is a folder; give a file name"
    assert snapshot(tmp_path) == before  # the table was not written either
    (tmp_path / "psa.csv").write_text("my notes\n")
    (tmp_path / "psa.csv").chmod(0o444)
    before = snapshot(tmp_path)
    for argv in (["analyse", "psa", "--case", "case1_tae", "--draws", "100"],
                 ["cohort", "--in", "psa.csv", "--out", "psa.csv"], ["export", "--out", "psa.csv", "--format", "bif"]):
        assert main(argv) == 2
        assert "'psa.csv' is read-only; make it writable or choose another " in one_error(capsys)
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


def test_cohort_refusals_name_the_input(tmp_path, patients, capsys):
    assert main(_cohort(patients, tmp_path / "link_to_in.csv")) == 0  # a new name is fine
    (tmp_path / "l2.csv").symlink_to(patients)
    assert main(_cohort(patients, tmp_path / "l2.csv")) == 2
    assert one_error(capsys) == (f"--out: {str(tmp_path / 'l2.csv')!r} is the input file {str(patients)!r}; "
                                 "writing it would destroy the input; choose another output file")


def test_export_never_writes_over_the_priors_it_reads(tmp_path, capsys):
    folder = tmp_path / "p"
    assert main(["priors", "init", str(folder)]) == 0
    (tmp_path / "link.bif").symlink_to(folder / "survival.yaml")
    before = snapshot(tmp_path)
    for out in (folder / "survival.yaml", tmp_path / "link.bif"):
        assert main(["export", "--out", str(out), "--format", "bif", "--priors", str(folder)]) == 2
    assert snapshot(tmp_path) == before


def test_no_command_writes_over_a_file_it_read(tmp_path, patients, frail, capsys):
    """Whichever argument names the output: the patients file, a priors file in use (directly or through a link),
    a patients file that sits where the report writes one."""
    folder = tmp_path / "p"
    assert main(["priors", "init", str(folder)]) == 0
    (folder / "psa.csv").symlink_to("efficacy.yaml")
    (tmp_path / "psa.csv").write_text("burden,ecog\nlow,0\n")
    report = tmp_path / "r"
    assert main(["report", "--out", str(report), "--patients", str(frail), *FAST]) == 0
    (report / "summary.csv").write_text("patient_id,burden\nzz,low\n")  # the user's own file, under a report name
    capsys.readouterr()
    before = snapshot(tmp_path)
    cases = [
        (["analyse", "psa", "--patient", str(tmp_path / "psa.csv"), "--draws", "100", "--out", str(tmp_path)],
         f"--out: {str(tmp_path / 'psa.csv')!r} is the input file"),
        (["analyse", "psa", "--case", "case3_y90", "--draws", "100", "--priors", str(folder), "--out", str(folder)],
         f"--out: {str(folder / 'psa.csv')!r} is the input file {str(folder / 'efficacy.yaml')!r}"),
        (["cohort", "--in", str(patients), "--out", str(folder / "efficacy.yaml"), "--priors", str(folder)],
         f"--out: {str(folder / 'efficacy.yaml')!r} is the input file"),
        (["cohort", "--in", str(patients), "--out", str(tmp_path / "o.csv"), "--summary",
          str(folder / "utilities.yaml"), "--priors", str(folder)],
         f"--summary: {str(folder / 'utilities.yaml')!r} is the input file"),
        (["report", "--out", str(report), "--patients", str(report / "summary.csv"), *FAST],
         f"--out: {str(report / 'summary.csv')!r} is the input file"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        msg = one_error(capsys)
        remedy = {"report": "choose another folder, or move the input out of this one",
                  "analyse": "choose another folder"}.get(argv[0], "choose another output file")
        assert msg.startswith(message) and msg.endswith(f"writing it would destroy the input; {remedy}"), msg
    assert snapshot(tmp_path) == before
    assert not leftovers(tmp_path)


def test_report_refuses_to_replace_its_input_before_the_work(tmp_path, frail, monkeypatch, capsys):
    report = tmp_path / "r"
    assert main(["report", "--out", str(report), "--patients", str(frail), *FAST]) == 0
    (report / "summary.csv").write_text("patient_id,burden\nzz,low\n")

    def no_work(*args, **kwargs):
        raise AssertionError("the report's sections were computed before the refusal")

    monkeypatch.setattr("netlrt.output.report_sections.run_jobs", no_work)
    capsys.readouterr()
    assert main(["report", "--out", str(report), "--patients", str(report / "summary.csv"), *FAST]) == 2
    assert "is the input file" in one_error(capsys)


def test_priors_refit_still_edits_its_own_files(tmp_path, capsys):
    folder = tmp_path / "p"
    assert main(["priors", "init", str(folder)]) == 0
    f = folder / "survival.yaml"
    f.write_text(f.read_text().replace("  params:", "  params_dropped:", 1).replace("params_dropped:", "#", 1))
    assert main(["priors", "refit", str(folder)]) == 0
    assert "refitted 1 parameter" in capsys.readouterr().out


def test_a_path_too_long_is_a_user_mistake(tmp_path, capsys):
    assert main(["analyse", "one-way", "--case", "case3_y90", "--out", str(tmp_path / ("b" * 300))]) == 2
    msg = one_error(capsys)
    assert "b" * 300 in msg and "File name too long" in msg


def test_closed_standard_output_is_not_an_error(monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)  # what Python makes of `netlrt ... >&-`
    assert main(["evaluate", "--case", "case3_y90"]) == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_priors_file_is_named(tmp_path, capsys):
    folder = tmp_path / "p"
    assert main(["priors", "init", str(folder)]) == 0
    capsys.readouterr()
    os.chmod(folder / "survival.yaml", 0)
    try:
        assert main(["priors", "show", str(folder)]) == 2
        assert "survival.yaml" in one_error(capsys)
    finally:
        os.chmod(folder / "survival.yaml", 0o644)


# ------------------------------------------------------------------------------------------------ refit

def test_refit_keeps_every_comment_and_changes_one_line(tmp_path, capsys):
    folder = tmp_path / "p"
    assert main(["priors", "init", str(folder)]) == 0
    f = folder / "survival.yaml"
    text = f.read_text()
    text = "# my survival priors, read again in 2025\n" + text
    text = text.replace("parameters:\n", "parameters:  # one entry per parameter\n", 1)
    text = text.replace("  interval: [0.8, 1.25]\n", "  # widened after the 2025 meta-analysis\n"
                                                     "  interval: [0.5, 2.0]   # my reading\n", 1)
    f.write_text(text)
    os.chmod(f, 0o640)
    others = {p.name: p.read_bytes() for p in folder.iterdir() if p != f}
    capsys.readouterr()
    assert main(["priors", "refit", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == f"refitted 1 parameter(s) in {folder}: hr_modality_tae"
    after = f.read_text()
    old_lines, new_lines = text.splitlines(), after.splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert len(changed) == 1 and changed[0][0].startswith("  params:") and changed[0][1].startswith("  params:")
    for comment in ("# my survival priors", "# one entry per parameter", "# widened after", "# my reading"):
        assert comment in after
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p != f} == others
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------------------ signals, pipes

def _wait_for(predicate, what: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _group_gone(pgid: int, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum, status, line", [(signal.SIGTERM, 143, "netlrt: stopped by SIGTERM\n"),
                                                  (signal.SIGINT, 130, "netlrt: stopped by Ctrl-C (SIGINT)\n")])
def test_signal_during_a_report_keeps_the_earlier_report(signum, status, line, tmp_path):
    out = earlier_report(tmp_path / "rep")
    (tmp_path / "p.yaml").write_text("patient_id: a\ngrade: G2\necog: 0\n")
    before = snapshot(tmp_path)
    # as a terminal does: the signal goes to the whole process group (the report's worker processes too)
    proc = subprocess.Popen([*netlrt_exe(), "report", "--out", str(out), "--patients", str(tmp_path / "p.yaml"),
                             "--draws", "200", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        _wait_for(lambda: any(n.startswith(".netlrt-build-") for n in os.listdir(out)), "the build folder")
        time.sleep(0.3)
        os.killpg(proc.pid, signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, stdout, stderr) == (status, "", line)
    assert _group_gone(proc.pid), "a worker process outlived the report"
    assert snapshot(tmp_path) == before  # the earlier report intact, the build folder gone


@pytest.mark.parametrize("signum, status, line", [(signal.SIGTERM, 143, "netlrt: stopped by SIGTERM\n"),
                                                  (signal.SIGINT, 130, "netlrt: stopped by Ctrl-C (SIGINT)\n")])
def test_a_signal_while_a_worker_waits_for_a_job_stops_the_report_once(signum, status, line, tmp_path, frail):
    """A terminal signals every process of the command; a worker waiting in the pool's queue held its lock when
    the signal stopped it, and about one interrupted report in 25 then hung for good."""
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from netlrt.output import report_sections
        def job(kind, pid):
            if kind == "static":  # the last job: the other worker has none left and waits in the queue
                time.sleep(1.0)
                os.killpg(0, {int(signum)})
                time.sleep(1.0)
        report_sections._job = job
        from netlrt.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    out = tmp_path / "rep"
    proc = subprocess.Popen([sys.executable, "-c", script, "report", "--out", str(out), "--patients", str(frail),
                             *FAST[:-1], "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert (proc.returncode, stdout, stderr) == (status, "", line)  # no worker's traceback
    assert _group_gone(proc.pid), "a worker process outlived the report"
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_second_ctrl_c_while_the_workers_stop_still_ends_the_report_at_once(tmp_path, frail):
    """Workers ignore signals; the parent waited for their running jobs (as long as the jobs took), and a second
    Ctrl-C during that wait left them blocked for good."""
    script = textwrap.dedent("""
        import os, signal, sys, time
        from netlrt.output import report_sections
        def job(kind, pid):
            if kind == "static":  # a long job, running when the two signals come
                os.killpg(0, signal.SIGINT)
                time.sleep(0.5)
                os.killpg(0, signal.SIGINT)
                time.sleep(60)
        report_sections._job = job
        from netlrt.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, "report", "--out", str(tmp_path / "rep"), "--patients",
                             str(frail), *FAST[:-1], "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    started = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert (proc.returncode, stdout, stderr) == (130, "", "netlrt: stopped by Ctrl-C (SIGINT)\n")
    assert time.monotonic() - started < 40, "the report waited for the running job"
    assert _group_gone(proc.pid), "a worker process outlived the report"
    assert leftovers(tmp_path) == []


def test_sigterm_while_publishing_leaves_a_consistent_folder(tmp_path, frail):
    out = earlier_report(tmp_path / "rep")
    script = textwrap.dedent("""
        import os, signal, sys
        import netlrt.files.folders as files
        real, moved = files._move_file, []
        def move(src, dst):  # SIGTERM arrives between two of the publishing renames
            real(src, dst)
            moved.append(dst)
            if len(moved) == 2:
                os.kill(os.getpid(), signal.SIGTERM)
        files._move_file = move
        from netlrt.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    done = subprocess.run([sys.executable, "-c", script, "report", "--out", str(out), "--patients", str(frail),
                           *FAST], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (143, "netlrt: stopped by SIGTERM\n")
    listed = set(json.loads((out / MANIFEST).read_text())["files"])
    assert set(os.listdir(out)) == listed | {MANIFEST, "my_notes.txt"}  # every netlrt file listed, nothing hidden
    assert (out / "my_notes.txt").read_text() == "mine\n"
    page = (out / "index.html").read_text()
    assert "frail" in page and page.endswith("</html>\n")  # the publishing finished before the signal was taken
    assert "old_only.csv" not in listed and leftovers(tmp_path) == []


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_while_writing_a_cohort_removes_the_partial_file(signum, status, tmp_path, patients):
    out = tmp_path / "out.csv"
    out.write_text("the previous results\n")
    script = textwrap.dedent("""
        import sys, time
        import pandas as pd
        to_csv = pd.DataFrame.to_csv
        def slow(self, f=None, *args, **kwargs):  # half written: the signal arrives now
            result = to_csv(self, f, *args, **kwargs)
            f.flush()
            time.sleep(120)
            return result
        pd.DataFrame.to_csv = slow
        from netlrt.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, *_cohort(patients, out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: any(n.startswith(".out.csv.") and os.path.getsize(tmp_path / n) > 0
                              for n in os.listdir(tmp_path)), "the partial file")
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status and stderr.count("\n") == 1 and stderr.startswith("netlrt: stopped by ")
    assert out.read_text() == "the previous results\n" and leftovers(tmp_path) == []


def test_signal_while_writing_the_summary_keeps_both_earlier_tables(tmp_path, patients):
    """--out and --summary are replaced together: a signal while the second is written leaves both as they were."""
    out, summary = tmp_path / "out.csv", tmp_path / "summary.csv"
    out.write_text("the previous results\n")
    summary.write_text("the previous summary\n")
    script = textwrap.dedent("""
        import sys, time
        import pandas as pd
        to_csv, calls = pd.DataFrame.to_csv, []
        def slow(self, f=None, *args, **kwargs):  # the long table is written; the signal comes with the summary
            result = to_csv(self, f, *args, **kwargs)
            calls.append(f)
            if len(calls) == 2:
                f.flush()
                time.sleep(120)
            return result
        pd.DataFrame.to_csv = slow
        from netlrt.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, *_cohort(patients, out), "--summary", str(summary)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: any(n.startswith(".summary.csv.") and os.path.getsize(tmp_path / n) > 0
                              for n in os.listdir(tmp_path)), "the partial summary")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143 and stderr == "netlrt: stopped by SIGTERM\n"
    assert out.read_text() == "the previous results\n" and summary.read_text() == "the previous summary\n"
    assert leftovers(tmp_path) == []


def _user_env() -> dict[str, str]:
    # a user's shell buffers Python's stdout; PYTHONUNBUFFERED (set by some test runners) would hide a late EPIPE
    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_a_closed_pipe_is_quiet(tmp_path):
    # `netlrt cohort --in big.csv --out /dev/stdout | head -1`: far more than a pipe buffer, reader gone early
    big = tmp_path / "big.csv"
    big.write_text("patient_id,grade,ecog\n" + "".join(f"p{i},G{1 + i % 3},{i % 3}\n" for i in range(400)))
    with subprocess.Popen([*netlrt_exe(), "cohort", "--in", str(big), "--out", "/dev/stdout"], env=_user_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        first = proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.wait(timeout=120)
    assert first.startswith(b"patient_id,modality,")
    assert (proc.returncode, stderr) == (141, b"")  # no BrokenPipeError traceback, no second message


@pytest.mark.parametrize("argv", [["--version"], ["evaluate", "--help"], ["evaluate", "--case", "case1_tae"]])
def test_a_reader_gone_before_anything_is_printed_is_quiet(argv):
    # small outputs sit in Python's buffer until the end: the closed pipe must be met inside main(), not in the
    # interpreter's last flush ("Exception ignored ... BrokenPipeError", exit 120)
    with subprocess.Popen([*netlrt_exe(), *argv], env=_user_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.wait(timeout=120)
    assert (proc.returncode, stderr) == (141, b"")


# ------------------------------------------------------------------------------------------------ new priors folders

def test_ctrl_c_during_priors_init_leaves_no_half_folder(tmp_path, monkeypatch, capsys):
    import shutil

    copy, done = shutil.copyfile, []

    def interrupted(src, dst, *args, **kwargs):
        if len(done) == 2:
            raise KeyboardInterrupt
        done.append(dst)
        return copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", interrupted)
    assert main(["priors", "init", str(tmp_path / "mine")]) == 130
    assert os.listdir(tmp_path) == []  # a later `priors init mine` must not be refused, nor half a folder loaded


def test_ctrl_c_during_priors_update_leaves_no_half_folder(tmp_path, monkeypatch, capsys):
    import netlrt.files

    data = tmp_path / "studies.csv"
    data.write_text("parameter,citation,population,events,patients\nresponse_base,Doe 2024,mixed,30,50\n")
    write, calls = netlrt.files.atomic_write, []

    def interrupted(path, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return write(path, **kwargs)

    monkeypatch.setattr(netlrt.files, "atomic_write", interrupted)
    assert main(["priors", "update", "--data", str(data), "--out", str(tmp_path / "updated")]) == 130
    assert sorted(os.listdir(tmp_path)) == ["studies.csv"]


def test_a_file_name_that_is_not_utf8_is_printed_escaped(tmp_path):
    """Under a strict UTF-8 stdout (most UTF-8 locales but C.UTF-8), printing the name failed after the write."""
    name = os.fsdecode(b"net\xff.bif")
    done = subprocess.run([*netlrt_exe(), "export", "--out", name], cwd=tmp_path, capture_output=True,
                          env={**_user_env(), "PYTHONIOENCODING": "utf-8"}, timeout=120)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == b"wrote net\\udcff.bif (bif)\n" and (tmp_path / name).exists()
