"""netlrt.files with real files: symlinks, devices, FIFOs, permissions, report folders, signals, CSV guard."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import netlrt.files as files
from netlrt.files import (EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_TERMINATED, MANIFEST, Terminated, atomic_write,
                          build_folder, csv_safe, csv_safe_frame, handle_interrupt, publish_folder, quiet_broken_pipe,
                          refuse_same_file, terminate_as_interrupt)

IS_ROOT = os.geteuid() == 0


@contextmanager
def umask(value):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (hidden ones too): kind, permission bits, content or link target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            st_ = p.lstat()
            body = (os.readlink(p) if p.is_symlink() else p.read_bytes() if stat.S_ISREG(st_.st_mode) else None)
            out[str(p.relative_to(root))] = (stat.S_IFMT(st_.st_mode), stat.S_IMODE(st_.st_mode), body)
    return out


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp") or ".netlrt-build-" in p.name)


def write(path, text="new", **kw):
    with atomic_write(path, **kw) as f:
        f.write(text)


# ------------------------------------------------------------------------------------------ atomic_write

@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_new_file_gets_umask_permissions_not_0600(tmp_path, mask):
    with umask(mask):
        write(tmp_path / "a.csv", "x,y\n1,2\n")
    assert (tmp_path / "a.csv").read_text() == "x,y\n1,2\n"
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o666 & ~mask
    assert sorted(os.listdir(tmp_path)) == ["a.csv"]


def test_existing_file_keeps_its_permissions_and_bytes_mode(tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"old")
    f.chmod(0o640)
    with atomic_write(f, mode="wb") as fh:
        fh.write(b"\x00new\r\n")
    assert f.read_bytes() == b"\x00new\r\n" and stat.S_IMODE(f.stat().st_mode) == 0o640


def test_text_is_written_without_newline_translation(tmp_path):
    write(tmp_path / "a.txt", "a\r\nb\n")
    assert (tmp_path / "a.txt").read_bytes() == b"a\r\nb\n"


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt(), Terminated(signal.SIGTERM)])
def test_failure_in_the_block_leaves_old_file_and_no_temp(tmp_path, exc):
    f = tmp_path / "a.csv"
    f.write_text("old")
    with pytest.raises(type(exc)):
        with atomic_write(f) as fh:
            fh.write("half")
            assert len(os.listdir(tmp_path)) == 2  # the temporary file exists while writing
            raise exc
    assert f.read_text() == "old" and os.listdir(tmp_path) == ["a.csv"]


def test_a_full_disk_names_the_file_and_leaves_no_temp(tmp_path, monkeypatch):
    """A full disk is the machine's failure (an OSError: exit 1), named by the file being written."""
    f = tmp_path / "a.csv"
    f.write_text("old")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.writing.os, "fsync", full)
    with pytest.raises(OSError, match="No space left on device") as caught:
        write(f, "new", what="--out")
    monkeypatch.undo()
    assert caught.value.filename == str(f) and not isinstance(caught.value, ValueError)
    assert f.read_text() == "old" and os.listdir(tmp_path) == ["a.csv"]
    if os.path.exists("/dev/full"):  # a device fills up while the block writes, or when the file is closed
        with pytest.raises(OSError, match="No space left on device") as caught:
            write("/dev/full", "x" * 100_000)
        assert caught.value.filename == "/dev/full"


def test_a_read_only_file_is_refused_even_for_root(tmp_path):
    """Replacing a file ignores its mode: the rename would overwrite what its owner marked read-only."""
    f = tmp_path / "mine.csv"
    f.write_text("keep")
    f.chmod(0o444)
    with pytest.raises(ValueError, match=r"^--out: '.*mine.csv' is read-only; make it writable or choose another"):
        write(f, "new", what="--out")
    assert f.read_text() == "keep" and os.listdir(tmp_path) == ["mine.csv"]


def test_temp_file_is_hidden_beside_target_while_writing(tmp_path):
    with atomic_write(tmp_path / "out.csv") as fh:
        (tmp,) = os.listdir(tmp_path)
        assert fh.name  # a real file descriptor, so fsync works
    assert tmp.startswith(".out.csv.") and tmp.endswith(".tmp") and len(tmp) == len(".out.csv..tmp") + 8


def test_symlink_to_file_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "data" / "real.csv"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o600)
    hop = tmp_path / "hop"
    hop.symlink_to("data/real.csv")  # relative, and a chain of two
    link = tmp_path / "link.csv"
    link.symlink_to(hop)
    write(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(hop) and hop.is_symlink()
    assert real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_dangling_symlink_into_existing_folder_creates_its_target(tmp_path):
    (tmp_path / "d").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "d" / "new.csv")
    write(link, "made")
    assert link.is_symlink() and (tmp_path / "d" / "new.csv").read_text() == "made"


def test_a_file_in_place_of_a_folder_is_named(tmp_path):
    (tmp_path / "pts.csv").write_text("a\n")
    with pytest.raises(ValueError, match=r"^--out: '.*pts.csv' is not a folder \(writing '.*pts.csv/sub.csv'\)"):
        atomic_write(tmp_path / "pts.csv" / "sub.csv", what="--out").__enter__()
    assert (tmp_path / "pts.csv").read_text() == "a\n"


def test_dangling_symlink_into_missing_folder_is_refused(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "nowhere" / "new.csv")
    with pytest.raises(ValueError, match=r"--out: folder .*nowhere.* does not exist"):
        write(link, what="--out")
    assert link.is_symlink() and sorted(os.listdir(tmp_path)) == ["link.csv"]


@pytest.mark.parametrize("length", [1, 2])
def test_symlink_loop_is_refused_by_name(tmp_path, length):
    names = [tmp_path / f"loop{i}" for i in range(length)]
    for i, p in enumerate(names):
        p.symlink_to(names[(i + 1) % length])
    with pytest.raises(ValueError, match=r"export: .*loop0.* is a symlink loop"):
        write(names[0], what="export")
    with pytest.raises(ValueError, match="Too many levels of symbolic links"):  # a loop on the way to the file
        write(names[0] / "a.csv", what="export")


def test_dev_null_stays_a_device():
    write("/dev/null", "x" * 10_000)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def _mknod(path: Path, kind: int, dev: int) -> None:
    try:
        os.mknod(path, kind | 0o666, dev)
    except (PermissionError, OSError) as exc:
        pytest.skip(f"mknod not permitted here: {exc}")


def test_character_device_made_with_mknod_is_written_to_not_replaced(tmp_path):
    dev = tmp_path / "null"
    _mknod(dev, stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    try:
        dev.open("w").close()
    except OSError as exc:
        pytest.skip(f"devices unusable on this file system: {exc}")
    write(dev, "discarded")
    assert stat.S_ISCHR(dev.lstat().st_mode) and os.listdir(tmp_path) == ["null"]


def test_fifo_is_written_straight_to(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    write(fifo, "through the pipe")
    reader.join(10)
    assert got == ["through the pipe"] and stat.S_ISFIFO(fifo.lstat().st_mode) and os.listdir(tmp_path) == ["pipe"]


def child_code(code: str) -> str:
    """Code for a child process: ``import netlrt.files`` is cheap (netlrt loads its layers on first use)."""
    return textwrap.dedent(code)


def _run(code: str, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", child_code(code), *args], capture_output=True, text=True,
                          timeout=60, **kw)


def test_dev_stdout_to_a_pipe_and_to_a_file_opened_by_the_shell(tmp_path):
    code = """
        from netlrt.files import atomic_write
        print("before", flush=True)
        with atomic_write("/dev/stdout") as f:
            f.write("report\\n")
    """
    assert _run(code).stdout == "before\nreport\n"
    out = tmp_path / "out.txt"
    with out.open("w") as fh:  # as `python ... > out.txt` does
        subprocess.run([sys.executable, "-c", child_code(code)], stdout=fh, timeout=60, check=True)
    assert out.read_text() == "before\nreport\n" and os.listdir(tmp_path) == ["out.txt"]


def test_refused_targets_name_argument_path_and_reason(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("keep")
    sock_dir = Path(tempfile.mkdtemp(dir="/tmp"))  # AF_UNIX paths are limited to about 100 bytes
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_dir / "s"))
    cases = [(tmp_path / "folder", "is a folder"), (sock_dir / "s", "is a socket"),
             (tmp_path / "missing" / "a.csv", "does not exist"), (tmp_path / "afile" / "a.csv", "is not a folder"),
             (tmp_path / ("n" * 300), "File name too long"), ("", "the path is empty"),
             ("/proc/netlrt-test.csv", "No such file or directory")]
    try:
        blk = tmp_path / "blk"
        os.mknod(blk, stat.S_IFBLK | 0o600, os.makedev(7, 0))
        cases.append((blk, "is a block device"))
    except OSError:
        pass
    before = snapshot(tmp_path)
    try:
        for path, reason in cases:
            with pytest.raises(ValueError) as info:
                write(path, what="--out")
            msg = str(info.value)
            assert msg.startswith("--out: ") and reason in msg and "\n" not in msg
            assert str(path)[:50] in msg
    finally:
        sock.close()
        os.unlink(sock_dir / "s")
        os.rmdir(sock_dir)
    assert snapshot(tmp_path) == before


def test_long_name_that_fits_gets_a_shorter_temp_name(tmp_path):
    write(tmp_path / ("n" * 250), "ok")
    assert (tmp_path / ("n" * 250)).read_text() == "ok" and len(os.listdir(tmp_path)) == 1


@pytest.mark.skipif(not IS_ROOT, reason="needs root to become another user")
def test_no_permission_is_a_value_error_for_an_ordinary_user():
    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    folder.chmod(0o755)  # readable by everyone, writable by root only (root itself bypasses permission bits)
    try:
        os.seteuid(65534)
        try:
            with pytest.raises(ValueError) as info:
                write(folder / "a.csv", what="--out")
        finally:
            os.seteuid(0)
        assert str(info.value) == f"--out: cannot write {str(folder / 'a.csv')!r}: Permission denied"
        assert os.listdir(folder) == []
    finally:
        os.rmdir(folder)


def test_bad_arguments_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match=r"mode: 'a' not allowed; allowed: 'w'"):
        write(tmp_path / "a", mode="a")
    with pytest.raises(ValueError, match="encoding: unknown encoding 'klingon'"):
        write(tmp_path / "a", encoding="klingon")
    with pytest.raises(ValueError, match=r"--out: expected a path .*got 5"):
        write(5, what="--out")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------------ refuse_same_file

def test_same_file_refused_directly_through_symlink_and_hard_link(tmp_path, monkeypatch):
    src = tmp_path / "same.csv"
    src.write_text("patients")
    (tmp_path / "link.csv").symlink_to(src)
    os.link(src, tmp_path / "hard.csv")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for out in [src, tmp_path / "link.csv", tmp_path / "hard.csv", "../same.csv", "./../sub/../same.csv"]:
        with pytest.raises(ValueError, match=r"--out: .* is the input file .*same.csv'; writing it would destroy"):
            refuse_same_file(out, tmp_path / "other.csv", src)
    refuse_same_file(tmp_path / "new.csv", src, None)  # a different, not yet existing output is fine
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "future.csv")
    with pytest.raises(ValueError, match="is the input file"):  # neither exists: compared by where they lead
        refuse_same_file(dangling, tmp_path / "future.csv", what="--out")
    assert src.read_text() == "patients"


# ------------------------------------------------------------------------------------------ report folders

def build(target, files_: dict[str, str]) -> Path:
    with build_folder(target) as tmp:
        for name, text in files_.items():
            (tmp / name).write_text(text)
        publish_folder(tmp, target)
    return Path(target)


def manifest(folder: Path) -> list[str]:
    return json.loads((folder / MANIFEST).read_text())["files"]


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_new_report_folder_gets_umask_permissions_and_a_manifest(tmp_path, mask):
    with umask(mask):
        out = build(tmp_path / "rep", {"index.html": "<p>", "a.png": "png"})
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
    assert sorted(os.listdir(out)) == [MANIFEST, "a.png", "index.html"] and manifest(out) == ["a.png", "index.html"]
    assert sorted(os.listdir(tmp_path)) == ["rep"]


def test_thesis_folder_is_refused_and_left_intact(tmp_path):
    thesis = tmp_path / "mythesis"
    (thesis / "chapters").mkdir(parents=True)
    (thesis / "chapters" / "ch1.tex").write_text("work\n")
    thesis.chmod(0o751)
    before = snapshot(tmp_path)
    with pytest.raises(ValueError, match=r"--out: .*mythesis' holds files netlrt did not write \('chapters'\); "
                                         "nothing was changed; choose an empty or new folder"):
        build(thesis, {"index.html": "<p>"})
    with pytest.raises(ValueError, match="holds files netlrt did not write"):  # also when built elsewhere
        elsewhere = tmp_path.parent / f"{tmp_path.name}-build"
        elsewhere.mkdir()
        publish_folder(elsewhere, thesis)
    elsewhere.rmdir()
    assert snapshot(tmp_path) == before


def test_earlier_report_replaced_file_by_file_user_files_kept(tmp_path):
    out = build(tmp_path / "rep", {"index.html": "old", "gone.png": "old", "kept.csv": "old"})
    (out / "notes.txt").write_text("mine")
    (out / "drafts").mkdir()
    (out / "drafts" / "d.txt").write_text("mine too")
    (out / "kept.csv").chmod(0o600)
    out.chmod(0o750)
    build(out, {"index.html": "new", "kept.csv": "new", "added.svg": "new"})
    assert sorted(os.listdir(out)) == [MANIFEST, "added.svg", "drafts", "index.html", "kept.csv", "notes.txt"]
    assert (out / "index.html").read_text() == "new" and (out / "notes.txt").read_text() == "mine"
    assert (out / "drafts" / "d.txt").read_text() == "mine too"
    assert stat.S_IMODE(out.stat().st_mode) == 0o750 and stat.S_IMODE((out / "kept.csv").stat().st_mode) == 0o600
    assert manifest(out) == ["added.svg", "index.html", "kept.csv"]


def test_new_report_never_replaces_a_file_the_manifest_does_not_list(tmp_path):
    out = build(tmp_path / "rep", {"index.html": "old"})
    (out / "summary.csv").write_text("the user's own")
    before = snapshot(tmp_path)
    with pytest.raises(ValueError, match=r"holds 'summary.csv', which netlrt did not write"):
        build(out, {"index.html": "new", "summary.csv": "netlrt's"})
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("doc, reason", [
    ({"files": ["../victim.txt"]}, "not a file name inside the folder"),
    ({"files": ["/etc/passwd"]}, "not a file name inside the folder"),
    ({"files": ["sub"]}, "which is a folder"),
    ({"files": ["link"]}, "which is a symlink"),
    ({"files": [".."]}, "not a file name inside the folder"),
    ({"files": [3]}, "not a file name inside the folder"),
    ({"files": "index.html"}, "no list 'files'"),
    (["index.html"], "no list 'files'"),
    ("{not json", "is not a netlrt manifest"),
])
def test_suspicious_manifest_is_refused_and_nothing_deleted(tmp_path, doc, reason):
    out = tmp_path / "rep"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "x").write_text("keep")
    (tmp_path / "victim.txt").write_text("keep")
    (out / "link").symlink_to(tmp_path / "victim.txt")
    (out / MANIFEST).write_text(doc if isinstance(doc, str) else json.dumps(doc))
    before = snapshot(tmp_path)
    with pytest.raises(ValueError, match=f"manifest .*{reason}.*nothing was changed"):
        build(out, {"index.html": "new"})
    assert snapshot(tmp_path) == before


def test_manifest_that_is_a_folder_or_link_is_refused(tmp_path):
    (tmp_path / "a" / MANIFEST).mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / MANIFEST).symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "elsewhere.json").write_text('{"files": []}')
    before = snapshot(tmp_path)
    for name, kind in (("a", "a folder"), ("b", "a symlink")):
        with pytest.raises(ValueError, match=f"is {kind}, not a plain file"):
            build(tmp_path / name, {"index.html": "new"})
    assert snapshot(tmp_path) == before


def test_symlink_to_folder_is_published_through(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    build(tmp_path / "link", {"index.html": "x"})
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "index.html").read_text() == "x"
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]


def test_dot_and_dotdot_targets(tmp_path, monkeypatch):
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    build(".", {"index.html": "here"})
    assert sorted(os.listdir(".")) == [MANIFEST, "index.html"]
    build(".", {"index.html": "again"})  # a re-run replaces the earlier report
    assert Path("index.html").read_text() == "again"
    with pytest.raises(ValueError, match=r"'\.\.' holds files netlrt did not write \('b'\)"):
        build("..", {"index.html": "x"})
    build("../c", {"index.html": "beside"})
    assert (tmp_path / "a" / "c" / "index.html").read_text() == "beside"


def test_trailing_slash_names_the_folder(tmp_path):
    build(f"{tmp_path / 'rep'}/", {"index.html": "x"})
    build(f"{tmp_path / 'rep'}//", {"index.html": "y"})
    assert (tmp_path / "rep" / "index.html").read_text() == "y" and manifest(tmp_path / "rep") == ["index.html"]


def test_stale_build_folder_alone_counts_as_empty(tmp_path):
    (tmp_path / "rep" / ".netlrt-build-deadbeef").mkdir(parents=True)
    build(tmp_path / "rep", {"index.html": "x"})
    assert manifest(tmp_path / "rep") == ["index.html"]


def test_unwritable_and_wrong_targets_leave_nothing_anywhere(tmp_path):
    (tmp_path / "afile").write_text("keep")
    root_before = sorted(os.listdir("/"))
    before = snapshot(tmp_path)
    for target, reason in [("/proc", "holds files netlrt did not write"), ("/", "holds files netlrt did not write"),
                           ("/proc/netlrt-report", "No such file or directory"),
                           (tmp_path / "afile", "is a plain file; give a folder"),
                           (tmp_path / "afile" / "rep", "is not a folder"),
                           (tmp_path / "no" / "rep", "does not exist"), ("", "the path is empty")]:
        with pytest.raises(ValueError, match=reason):
            build(target, {"index.html": "x"})
    assert sorted(os.listdir("/")) == root_before and snapshot(tmp_path) == before


def test_failed_build_removes_build_folder_and_the_folder_it_made(tmp_path):
    with pytest.raises(RuntimeError):
        with build_folder(tmp_path / "rep") as tmp:
            (tmp / "index.html").write_text("half")
            raise RuntimeError("figure failed")
    assert os.listdir(tmp_path) == []
    out = build(tmp_path / "rep", {"index.html": "old"})
    before = snapshot(out)
    with pytest.raises(KeyboardInterrupt):
        with build_folder(out) as tmp:
            (tmp / "index.html").write_text("half")
            raise KeyboardInterrupt
    assert snapshot(out) == before


def test_build_folder_refuses_before_any_work(tmp_path):
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "ch1.tex").write_text("work")
    ran = []
    with pytest.raises(ValueError, match="holds files netlrt did not write"):
        with build_folder(tmp_path / "thesis"):
            ran.append(True)
    assert ran == [] and os.listdir(tmp_path / "thesis") == ["ch1.tex"]


@pytest.mark.parametrize("stop_at", range(5))
def test_interrupt_part_way_through_publishing_leaves_every_file_listed(tmp_path, monkeypatch, stop_at):
    out = build(tmp_path / "rep", {"index.html": "old", "gone.png": "old", "kept.csv": "old"})
    (out / "notes.txt").write_text("mine")
    moved = []
    real_move = files.folders._move_file

    def move(src, dst):
        if len(moved) == stop_at:
            raise KeyboardInterrupt  # Ctrl-C without terminate_as_interrupt: nothing holds it back
        real_move(src, dst)
        moved.append(dst)

    monkeypatch.setattr(files.folders, "_move_file", move)
    new = {"index.html": "new", "kept.csv": "new", "a.svg": "new", "b.svg": "new"}
    try:
        build(out, new)
    except KeyboardInterrupt:
        pass
    present = {n for n in os.listdir(out) if n not in (MANIFEST, "notes.txt")}
    assert present <= set(manifest(out)) and (out / "notes.txt").read_text() == "mine"
    assert leftovers(out) == []  # nothing stranded in a hidden folder
    for name in present:
        assert (out / name).read_text() in ("old", "new")
    monkeypatch.setattr(files.folders, "_move_file", real_move)
    build(out, new)  # the next run finishes the job
    assert sorted(os.listdir(out)) == sorted([MANIFEST, "notes.txt", *new]) and manifest(out) == sorted(new)


# ------------------------------------------------------------------------------------------ signals

CHILD = """
    import sys, time
    from netlrt.files import atomic_write, build_folder, handle_interrupt, publish_folder, terminate_as_interrupt
    kind, target = sys.argv[1], sys.argv[2]
    with terminate_as_interrupt():
        try:
            if kind == "file":
                with atomic_write(target) as f:
                    f.write("partial")
                    f.flush()
                    print("ready", flush=True)
                    time.sleep(60)
            else:
                with build_folder(target) as tmp:
                    (tmp / "index.html").write_text("new")
                    print("ready", flush=True)
                    time.sleep(60)
                    publish_folder(tmp, target)
        except KeyboardInterrupt as exc:
            sys.exit(handle_interrupt(exc))
"""


@pytest.mark.parametrize("sig, status, message", [(signal.SIGTERM, EXIT_TERMINATED, "netlrt: stopped by SIGTERM\n"),
                                                  (signal.SIGINT, EXIT_INTERRUPTED,
                                                   "netlrt: stopped by Ctrl-C (SIGINT)\n")])
@pytest.mark.parametrize("kind", ["file", "folder", "new folder"])
def test_signal_during_slow_write_cleans_up(tmp_path, sig, status, message, kind):
    target = tmp_path / ("out.csv" if kind == "file" else "rep")
    if kind == "file":
        target.write_text("old")
    elif kind == "folder":
        build(target, {"index.html": "old"})
    before = snapshot(tmp_path)
    # as a context manager, so that a failure here closes the pipes too (an unclosed one failed the next test)
    with subprocess.Popen([sys.executable, "-c", child_code(CHILD), kind.split()[-1], str(target)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout.readline() == "ready\n"
            assert leftovers(tmp_path)  # the hidden temporary exists mid-write
            child.send_signal(sig)
            _, err = child.communicate(timeout=30)
        finally:
            child.kill()
    assert child.returncode == status and err == message
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


def test_terminate_as_interrupt_raises_terminated_and_restores_handlers():
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with pytest.raises(Terminated) as info:
        with terminate_as_interrupt():
            assert signal.getsignal(signal.SIGTERM) is not before[0]
            os.kill(os.getpid(), signal.SIGTERM)
    assert info.value.signum == signal.SIGTERM and isinstance(info.value, KeyboardInterrupt)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_terminate_as_interrupt_leaves_ignored_signals_alone():
    old = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with terminate_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)  # ignored, as the caller asked
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, old)


def test_signal_during_a_critical_section_waits_for_its_end():
    steps = []
    with pytest.raises(Terminated):
        with terminate_as_interrupt():
            with files.interrupts._critical():
                os.kill(os.getpid(), signal.SIGTERM)
                steps.append("renamed")  # still runs: the rename sequence is not cut in half
            steps.append("after")
    assert steps == ["renamed"]


class _Referent:
    pass


def test_a_signal_python_swallowed_stops_the_next_write_and_publish(tmp_path, monkeypatch):
    """A signal arriving while Python runs a weakref callback: its exception is dropped ("Exception ignored in"),
    so netlrt raises it again before it writes or publishes anything."""
    build = tmp_path / "build"
    build.mkdir()
    (build / "a.csv").write_text("a\n")
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    with terminate_as_interrupt():
        referent = _Referent()
        ref = weakref.ref(referent, lambda _: files.interrupts._on_signal(signal.SIGTERM, None))  # noqa: F841
        del referent  # the callback runs here; Python swallows the Terminated it raises
        for write in (lambda: atomic_write(tmp_path / "x.csv").__enter__(),
                      lambda: publish_folder(build, tmp_path / "report")):
            with pytest.raises(Terminated):
                write()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
    assert reported == []  # the swallowed interrupt is not reported as "Exception ignored": it is raised again
    with atomic_write(tmp_path / "x.csv") as f:  # the block is over: the signal is not raised again
        f.write("x\n")


def test_a_signal_while_the_handlers_go_back_leaves_them_restored(monkeypatch):
    """A Ctrl-C arriving just as SIGINT's handler is put back (found in review): every handler is still restored,
    nothing of the block is left behind, and the interrupt is raised after."""
    real = signal.signal
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    fired = []

    def restoring(signum, handler):
        old = real(signum, handler)
        if handler is signal.default_int_handler and not fired:  # SIGINT is back: a Ctrl-C arrives now
            fired.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return old

    with pytest.raises(KeyboardInterrupt):
        with terminate_as_interrupt():
            monkeypatch.setattr(signal, "signal", restoring)
    monkeypatch.undo()
    assert fired and {s: signal.getsignal(s) for s in before} == before
    assert (files.interrupts._guarded, files.interrupts._received) == (0, None)
    files.checkpoint()  # nothing stale to raise


def test_a_hosts_own_interrupt_is_not_hidden(monkeypatch):
    """An interrupt netlrt did not raise (a notebook's own Ctrl-C handler) still reaches the "Exception ignored"
    report (sys.unraisablehook)."""
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    with terminate_as_interrupt():
        referent = _Referent()
        ref = weakref.ref(referent, lambda _: (_ for _ in ()).throw(KeyboardInterrupt()))  # noqa: F841
        del referent
        files.checkpoint()  # nothing of netlrt's to raise
    assert [type(r.exc_value) for r in reported] == [KeyboardInterrupt]


def test_main_exits_as_stopped_when_a_signal_was_swallowed(monkeypatch, capsys, tmp_path):
    from netlrt.cli import evaluate, main

    def run(args):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except Terminated:  # swallowed, as Python does inside a weakref callback or __del__
            pass
        return 0

    monkeypatch.setattr(evaluate, "run", run)
    assert main(["evaluate", "--case", "case3_y90"]) == EXIT_TERMINATED
    assert capsys.readouterr().err == "netlrt: stopped by SIGTERM\n"
    monkeypatch.undo()
    assert main(["evaluate", "--case", "case3_y90"]) == 0  # the next command is not stopped by the old signal
    with atomic_write(tmp_path / "x.csv") as f:  # nor is a write outside the command line
        f.write("x\n")


def test_outside_the_command_line_reading_protects_nothing(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text("a\n")
    files.note_input(f)  # no protect_inputs block: nothing is recorded, no state between calls
    with atomic_write(f) as out:
        out.write("b\n")
    with files.protect_inputs():
        files.note_input(f)
        with pytest.raises(ValueError, match="is the input file"):
            atomic_write(f, what="--out").__enter__()
        with atomic_write(f, edits_input=True) as out:  # an input edited in place on purpose (priors refit)
            out.write("c\n")
    assert f.read_text() == "c\n"


def test_a_device_is_never_refused_as_an_input(tmp_path):
    """A device is written to, not replaced: a terminal read as /dev/stdin and written as /dev/stdout, or both
    tables sent to /dev/null, destroy nothing."""
    with files.protect_inputs():
        files.note_input(os.devnull)
        files.refuse_inputs(os.devnull, what="--out")
    refuse_same_file(os.devnull, os.devnull, what="--summary", kind="the --out file", why="one would overwrite")
    (tmp_path / "a.csv").write_text("a\n")
    with pytest.raises(ValueError, match="is the --out file"):  # a plain file still is
        refuse_same_file(tmp_path / "a.csv", tmp_path / "a.csv", what="--summary", kind="the --out file",
                         why="one would overwrite")


@pytest.mark.parametrize("exc, status, line", [(KeyboardInterrupt(), 130, "netlrt: stopped by Ctrl-C (SIGINT)"),
                                               (Terminated(signal.SIGTERM), 143, "netlrt: stopped by SIGTERM"),
                                               (Terminated(signal.SIGHUP), 129, "netlrt: stopped by SIGHUP")])
def test_handle_interrupt_status_and_one_line(capsys, exc, status, line):
    assert handle_interrupt(exc) == status
    assert capsys.readouterr() == ("", line + "\n")
    assert (EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_BROKEN_PIPE) == (130, 143, 141)


BROKEN = """
    import sys
    from netlrt.files import quiet_broken_pipe
    try:
        for i in range(200_000):
            print("line", i)
    except BrokenPipeError:
        status = quiet_broken_pipe() if sys.argv[1] == "helper" else 1
        print("a last line, as main() might print")
        sys.exit(status)
"""


@pytest.mark.parametrize("how", ["helper", "plain"])
def test_broken_pipe_exits_quietly_with_the_helper(how):
    with subprocess.Popen([sys.executable, "-c", child_code(BROKEN), how], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        assert child.stdout.readline() == "line 0\n"
        child.stdout.close()  # as `| head -1` does
        err = child.stderr.read()
        child.wait(timeout=30)
    if how == "helper":
        assert child.returncode == EXIT_BROKEN_PIPE and err == ""
    else:  # without it any later output (or the interpreter's final flush) raises again: what the helper is for
        assert "BrokenPipeError" in err and child.returncode == 1


def test_quiet_broken_pipe_without_a_real_stdout(capsys):
    assert quiet_broken_pipe() == EXIT_BROKEN_PIPE  # pytest's capture has no file descriptor


# ------------------------------------------------------------------------------------------ CSV

@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+41 79", "'+41 79"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\r=1", "'\r=1"), ("p-01", "p-01"), ("", ""), (" =1", " =1"), ("'=1", "'=1"), (-2, -2), (-2.5, -2.5),
    (None, None), (True, True)])
def test_csv_safe_known_cases(value, expected):
    assert csv_safe(value) == expected and type(csv_safe(value)) is type(expected)


@given(st.text())
def test_csv_safe_text_invariant(s):
    out = csv_safe(s)
    assert out == (("'" + s) if s[:1] in ("=", "+", "-", "@", "\t", "\r") and s else s)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r")) and out.endswith(s)


@given(st.one_of(st.integers(), st.floats(allow_nan=False)))
def test_csv_safe_leaves_numbers_alone(x):
    assert csv_safe(x) is x


def test_csv_safe_frame_text_cells_and_labels_only():
    df = pd.DataFrame({"patient_id": ["=cmd|' /C calc'!A0", "p2", None], "x": [-1.5, 2.0, 3.0],
                       "cat": pd.Categorical(["-low", "high", "high"]), "=evil": ["a", "+b", "c"]},
                      index=pd.Index(["@r1", "r2", "r3"]))
    df["s"] = pd.array(["-s", "t", pd.NA], dtype="string")
    original = df.copy()
    safe = csv_safe_frame(df)
    assert list(safe.columns) == ["patient_id", "x", "cat", "'=evil", "s"] and list(safe.index) == ["'@r1", "r2", "r3"]
    assert safe["patient_id"].tolist()[:2] == ["'=cmd|' /C calc'!A0", "p2"] and pd.isna(safe["patient_id"].iloc[2])
    assert safe["x"].tolist() == [-1.5, 2.0, 3.0] and safe["x"].dtype == float
    assert safe["cat"].tolist() == ["'-low", "high", "high"] and safe["'=evil"].tolist() == ["a", "'+b", "c"]
    assert safe["s"].tolist()[:2] == ["'-s", "t"] and pd.isna(safe["s"].iloc[2])
    pd.testing.assert_frame_equal(df, original)  # the input is not changed
    text = safe.to_csv()
    assert "\n=" not in text and ",=" not in text and ",-1.5" in text


def test_csv_safe_frame_repeated_and_multiindex_labels():
    df = pd.DataFrame([["=a", 1, "-b"]], columns=pd.MultiIndex.from_tuples([("g", "=x"), ("g", "n"), ("h", "=x")]))
    safe = csv_safe_frame(df)
    assert list(safe.columns) == [("g", "'=x"), ("g", "n"), ("h", "'=x")]
    assert safe.iloc[0].tolist() == ["'=a", 1, "'-b"]
    with pytest.raises(ValueError, match="df: expected a pandas DataFrame, got list"):
        csv_safe_frame([["=a"]])


def test_a_file_identical_to_what_the_build_writes_is_adopted(tmp_path):
    """The repository's reports/README.md is the text the report writes there: not user data, not a blocker."""
    from netlrt.files import build_folder, publish_folder

    target = tmp_path / "reports"
    target.mkdir()
    readme = b"# reports/\ngenerated here\n"
    (target / "README.md").write_bytes(readme)
    with build_folder(target, adopt={"README.md": readme}) as tmp:
        (tmp / "README.md").write_bytes(readme)
        (tmp / "index.html").write_text("<p>report</p>")
        publish_folder(tmp, target, adopt={"README.md": readme})
    assert sorted(p.name for p in target.iterdir()) == [".netlrt-report.json", "README.md", "index.html"]
    (target / "README.md").write_bytes(b"my own notes\n")  # edited by the user: now theirs
    (target / ".netlrt-report.json").unlink()
    with pytest.raises(ValueError, match="holds files netlrt did not write"):
        with build_folder(target, adopt={"README.md": readme}):
            pass
    assert (target / "README.md").read_bytes() == b"my own notes\n"


def test_a_report_folder_moved_during_the_build_keeps_what_the_user_made(tmp_path):
    """Moving the new report folder away and making another of its name while the report ran: the new folder (the
    user's) was removed, and the build folder was left behind in the moved one."""
    out = tmp_path / "R"
    with pytest.raises(RuntimeError):
        with files.build_folder(out) as tmp:
            (tmp / "index.html").write_text("<p>half</p>")
            out.rename(tmp_path / "R.old")
            out.mkdir()
            raise RuntimeError("the report stops")
    assert out.is_dir() and list(out.iterdir()) == []  # the user's folder stays
    if sys.version_info >= (3, 11):  # removing the build by the folder's descriptor needs rmtree(dir_fd=)
        assert list((tmp_path / "R.old").iterdir()) == []
