"""Report folders: a report is built in a hidden folder inside the target and its files moved in, replacing only
the files an earlier report's manifest lists; nothing netlrt did not write is touched."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path


from .interrupts import _critical, checkpoint
from .writing import (_error, _follow, _fresh, _fsync_folder, _is, _kind, _path, atomic_write, parent_folder,
                      refuse_inputs)

__all__ = ["MANIFEST", "build_folder", "new_folder", "publish_folder"]

MANIFEST = ".netlrt-report.json"
_BUILD_PREFIX = ".netlrt-build-"


# ------------------------------------------------------------------------------------------ report folders

def _adopted(folder: str, names: list[str], adopt: Mapping[str, bytes]) -> set[str]:
    """Files holding exactly the bytes the build writes under that name: replacing them loses nothing."""
    out = set()
    for name in names:
        path = os.path.join(folder, name)
        if name in adopt and stat.S_ISREG(os.lstat(path).st_mode):
            with suppress(OSError), open(path, "rb") as fh:
                if fh.read(len(adopt[name]) + 1) == adopt[name]:
                    out.add(name)
    return out


def _survey(target: str, manifest: str, what: str,
            adopt: Mapping[str, bytes] | None = None) -> tuple[str, set[str] | None]:
    """The real folder behind ``target`` and the files its manifest lists (None: absent); refuses any other folder.

    A file whose bytes equal ``adopt[name]`` (what the build writes under that name, e.g. the README the
    repository ships in ``reports/``) counts as netlrt's own."""
    real, st, _ = _follow(target.rstrip("/") or "/", what)  # 'rep/' names the folder rep, absent or not
    if st is None:
        parent_folder(real, target, what)
        return real, None
    if not stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{what}: {_is(target, st)}; give a folder")
    try:
        names = sorted(n for n in os.listdir(real) if not _is_build(real, n))
    except OSError as exc:
        raise _error(what, target, exc) from None
    adopted = _adopted(real, names, adopt or {})
    if manifest in names:
        return real, _read_manifest(real, manifest, what) | adopted
    names = [n for n in names if n not in adopted]
    if names:
        shown = ", ".join(repr(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
        raise ValueError(f"{what}: {target!r} holds files netlrt did not write ({shown}); nothing was changed; "
                         "choose an empty or new folder")
    return real, adopted


def _is_build(folder: str, name: str) -> bool:
    # an unfinished build (this run's, a concurrent run's, or one left by SIGKILL) is netlrt's, not the user's
    return name.startswith(_BUILD_PREFIX) and stat.S_ISDIR(os.lstat(os.path.join(folder, name)).st_mode)


def _read_manifest(folder: str, manifest: str, what: str) -> set[str]:
    path = os.path.join(folder, manifest)

    def refuse(reason: str) -> ValueError:
        return ValueError(f"{what}: manifest {path!r} {reason}; nothing was changed; choose an empty or new folder")

    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise refuse(f"is {_kind(os.lstat(path))}, not a plain file")
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise refuse(f"is not a netlrt manifest ({' '.join(str(exc).split())})") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        raise refuse("is not a netlrt manifest (no list 'files')")
    for name in files:
        if (not isinstance(name, str) or name in ("", ".", "..", manifest) or os.path.basename(name) != name
                or "\0" in name):
            raise refuse(f"lists {name!r}, which is not a file name inside the folder")
        try:
            st = os.lstat(os.path.join(folder, name))
        except FileNotFoundError:
            continue  # removed by the user since: nothing to replace
        if not stat.S_ISREG(st.st_mode):
            raise refuse(f"lists {name!r}, which is {_kind(st)}")
    return set(files)


@contextmanager
def build_folder(target: str | os.PathLike[str], *, manifest: str = MANIFEST, what: str = "--out",
                 adopt: Mapping[str, bytes] | None = None) -> Iterator[Path]:
    """A hidden folder inside ``target`` to build a report in; removed when the block ends, however it ends.

    ``target`` is checked first by `publish_folder`'s rules, so a refusal comes before any work. An absent
    ``target`` is created (``0o777 & ~umask``) and removed again if nothing was published into it.

    Parameters
    ----------
    target : str or os.PathLike
        The report folder.
    manifest, what, adopt
        As in `publish_folder`.

    Yields
    ------
    Path
        The build folder, ``target/.netlrt-build-XXXXXXXX``.

    Raises
    ------
    ValueError
        As `publish_folder`.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "report"
    >>> with build_folder(out) as tmp:
    ...     _ = (tmp / "index.html").write_text("<p>done</p>")
    ...     _ = publish_folder(tmp, out)
    >>> sorted(p.name for p in out.iterdir())
    ['.netlrt-report.json', 'index.html']
    """
    import shutil

    p = _path(target, what)
    real, old = _survey(p, manifest, what, adopt)
    _keep_inputs(p, old or (), what)  # before the work: an earlier report's file the command reads stays
    created = None  # (device, inode) of the target folder made here
    build = folder = None
    try:
        with _critical():
            try:
                if old is None:
                    os.mkdir(real, 0o777)  # the umask applies, as to any new folder
                    created = _identity(real)
                build, _ = _fresh(real, _BUILD_PREFIX, "", lambda n: os.mkdir(n, 0o700))
                folder = os.open(real, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))  # follows it if it is moved
            except OSError as exc:
                raise _error(what, p, exc) from None
        yield Path(build)
    finally:
        with _critical():
            if build is not None:
                if folder is not None and sys.version_info >= (3, 11):  # wherever the folder was moved meanwhile
                    shutil.rmtree(os.path.basename(build), ignore_errors=True, dir_fd=folder)
                else:
                    shutil.rmtree(build, ignore_errors=True)
            if folder is not None:
                os.close(folder)
            with suppress(OSError):
                if created is not None and _identity(real) == created:  # not a folder made there since
                    os.rmdir(real)  # succeeds only when nothing was published


def _identity(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def publish_folder(build_dir: str | os.PathLike[str], target: str | os.PathLike[str], *, manifest: str = MANIFEST,
                   what: str = "--out", adopt: Mapping[str, bytes] | None = None) -> Path:
    """Move the files of a finished build into ``target``, touching only what an earlier report wrote.

    ``target`` may be absent (created, ``0o777 & ~umask``), empty, or hold an earlier report's manifest: only the
    files it lists are replaced or removed; other files and folders and the folder's permissions stay. A symlink to
    a folder is published through. The manifest is written with the old and new names before any move and with the
    new names after: an interruption part-way leaves every netlrt file listed, for the next run to replace.

    Parameters
    ----------
    build_dir : str or os.PathLike
        The finished report's plain files, on the same file system (`build_folder` makes one).
    target : str or os.PathLike
        The report folder.
    manifest : str
        File name of the manifest (a JSON list of the files netlrt wrote).
    what : str
        Names the argument in error messages.
    adopt : mapping, optional
        File name -> bytes: a file in ``target`` with exactly these bytes counts as netlrt's (the README the
        repository ships in ``reports/`` is what the report writes there), so it neither blocks nor is kept.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    ValueError
        When ``target`` holds files netlrt did not write (no manifest), a new file would replace a file the
        manifest does not list, the manifest lists a path outside the folder, a folder or anything but a plain file,
        or ``target`` cannot be written (not a folder, folder missing, no permission).

    Examples
    --------
    See `build_folder`.
    """
    p = _path(target, what)
    build = _path(build_dir, "build_dir")
    real, old = _survey(p, manifest, what, adopt)
    try:
        new = sorted(os.listdir(build))
        for name in new:
            if name == manifest or not stat.S_ISREG(os.lstat(os.path.join(build, name)).st_mode):
                raise ValueError(f"build_dir: {os.path.join(build, name)!r} cannot be published; allowed: plain "
                                 f"files not named {manifest!r}")
    except OSError as exc:
        raise ValueError(f"build_dir: cannot read {build!r}: {exc.strerror or exc}") from None
    clash = [n for n in new if n not in (old or ()) and os.path.lexists(os.path.join(real, n))]
    if clash:
        raise ValueError(f"{what}: {p!r} holds {clash[0]!r}, which netlrt did not write and the new report would "
                         "replace; nothing was changed; move it or choose an empty or new folder")
    checkpoint()  # a signal whose exception was swallowed stops the run before it publishes
    _keep_inputs(p, set(new) | (old or set()), what)  # every file about to be replaced or removed
    with _critical():  # under terminate_as_interrupt, a signal waits until the folder is consistent
        created = False
        try:
            if old is None:
                os.mkdir(real, 0o777)
                created = True
            _write_manifest(real, manifest, (old or set()) | set(new), what)
            for name in new:
                _move_file(os.path.join(build, name), os.path.join(real, name))
            for name in (old or set()) - set(new):
                with suppress(FileNotFoundError):
                    os.unlink(os.path.join(real, name))
            _write_manifest(real, manifest, set(new), what)
        except BaseException as exc:
            if created:
                with suppress(OSError):
                    os.rmdir(real)  # succeeds only when nothing was moved in
            if isinstance(exc, OSError):
                raise _error(what, p, exc) from None
            raise
        _fsync_folder(real)
    return Path(p)


def _keep_inputs(target: str, names: Iterable[str], what: str) -> None:
    """Refuse when a file to be replaced or removed in ``target`` is one the command reads (`protect_inputs`)."""
    for name in sorted(names):
        refuse_inputs(os.path.join(target, name), what=what,
                      remedy="choose another folder, or move the input out of this one")


def _write_manifest(folder: str, manifest: str, names: set[str], what: str) -> None:
    doc = {"written_by": "netlrt",
           "note": "netlrt replaces or removes only the files listed here; other files in this folder are left alone",
           "files": sorted(names)}
    with atomic_write(os.path.join(folder, manifest), what=what) as fh:
        fh.write(json.dumps(doc, indent=1) + "\n")


def _move_file(src: str, dst: str) -> None:
    with suppress(FileNotFoundError):
        os.chmod(src, stat.S_IMODE(os.lstat(dst).st_mode))  # a replaced report file keeps its permission bits
    os.replace(src, dst)


@contextmanager
def new_folder(target: str | os.PathLike[str], *, what: str = "--out") -> Iterator[Path]:
    """A folder to fill file by file that is either complete or gone: ``target`` must be absent or empty; if the
    block fails (an error, Ctrl-C, SIGTERM), everything written into it is removed, and the folder too if it
    was made here. Nothing else is ever touched, since everything in it is netlrt's.

    Parameters
    ----------
    target : str or os.PathLike
        The new folder (its parent must exist).
    what : str
        Names the argument in error messages.

    Yields
    ------
    Path
        ``target``.

    Raises
    ------
    ValueError
        When ``target`` is a file, a folder holding anything, or cannot be made.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "copy"
    >>> try:
    ...     with new_folder(out) as d:
    ...         _ = (d / "a.yaml").write_text("x")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> out.exists()
    False
    """
    import shutil

    p = _path(target, what)
    real, st, _ = _follow(p.rstrip("/") or "/", what)
    created = st is None
    if created:
        parent_folder(real, p, what)
        try:
            os.mkdir(real, 0o777)
        except OSError as exc:
            raise _error(what, p, exc) from None
    elif not stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{what}: {_is(p, st)}; choose a new folder")
    elif os.listdir(real):
        raise ValueError(f"{what}: {p!r} exists and is not an empty folder; choose a new folder")
    try:
        yield Path(p)
    except BaseException:
        with _critical():
            if created:
                shutil.rmtree(real, ignore_errors=True)
            else:
                for name in os.listdir(real):
                    path = os.path.join(real, name)
                    if os.path.isdir(path) and not os.path.islink(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        with suppress(OSError):
                            os.unlink(path)
        raise
