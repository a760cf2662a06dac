"""Writing files and report folders safely: the old result or the new, never half; nothing of the user's touched.

`atomic_write` renames a hidden temporary file onto the target (through symlinks; devices and FIFOs are written
straight to). `build_folder` and `publish_folder` build a report in a hidden folder inside the target and move its
files in, replacing only the files an earlier report's manifest lists. `terminate_as_interrupt` makes SIGTERM
unwind like Ctrl-C, so every cleanup runs on both. `csv_safe` guards CSV cells against formula injection.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "MANIFEST", "Terminated", "atomic_write",
           "build_folder", "csv_safe", "csv_safe_frame", "handle_interrupt", "publish_folder", "quiet_broken_pipe",
           "refuse_same_file", "terminate_as_interrupt"]

MANIFEST = ".netlrt-report.json"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a C tool whose reader went away

_BUILD_PREFIX = ".netlrt-build-"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_LINKS = 40  # the kernel's own limit on symlinks followed in one lookup
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
T = TypeVar("T")


# ------------------------------------------------------------------------------------------ paths

def _path(path: object, what: str) -> str:
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise ValueError(f"{what}: expected a path (str or os.PathLike), got {path!r}")
    if os.fspath(path) == "":
        raise ValueError(f"{what}: the path is empty; give a file or folder name")
    return os.fspath(path)


def _error(what: str, path: str, exc: OSError) -> ValueError:
    return ValueError(f"{what}: cannot write {path!r}: {exc.strerror or exc}")


def _kind(st: os.stat_result) -> str:
    m = st.st_mode
    return ("a folder" if stat.S_ISDIR(m) else "a block device" if stat.S_ISBLK(m) else "a socket" if stat.S_ISSOCK(m)
            else "a symlink" if stat.S_ISLNK(m) else "a plain file" if stat.S_ISREG(m) else "a character device"
            if stat.S_ISCHR(m) else "a named pipe" if stat.S_ISFIFO(m) else "a special file")


def _is_fd_folder(folder: str) -> bool:
    """Whether ``folder`` is a /proc/PID/fd folder, whose links are a process's open files (/dev/stdout leads there)."""
    parts = os.path.realpath(folder).split("/")
    return len(parts) in (4, 6) and parts[1] == "proc" and parts[-1] == "fd"


def _follow(path: str, what: str) -> tuple[str, os.stat_result | None, bool]:
    """The path the symlinks at ``path`` lead to, its lstat (None: absent) and whether it is an open file of a
    process (written straight to: replacing /proc/self/fd/1 would take the output away from the shell's redirect)."""
    p = path
    for _ in range(_MAX_LINKS):
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            return p, None, False
        except OSError as exc:
            raise _error(what, path, exc) from None
        if not stat.S_ISLNK(st.st_mode):
            return p, st, False
        if _is_fd_folder(os.path.dirname(os.path.abspath(p))):
            return p, st, True
        p = os.path.join(os.path.dirname(p), os.readlink(p))
    raise ValueError(f"{what}: {path!r} is a symlink loop (more than {_MAX_LINKS} links); point it at a file")


def _parent(real: str, path: str, what: str) -> str:
    folder = os.path.dirname(real) or "."
    if not os.path.isdir(folder):
        raise ValueError(f"{what}: folder {folder!r} does not exist (writing {path!r}); create it first")
    return folder


def _fresh(folder: str, prefix: str, suffix: str, make: Callable[[str], T]) -> tuple[str, T]:
    """Make something under a new random name in ``folder``: ``make(name)`` must fail if the name exists."""
    for _ in range(100):
        name = os.path.join(folder, f"{prefix}{os.urandom(4).hex()}{suffix}")
        try:
            return name, make(name)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", folder)


def _fsync_folder(folder: str) -> None:
    with suppress(OSError):  # makes the rename durable; where a file system cannot, there is nothing more to do
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------------------ files

@contextmanager
def atomic_write(path: str | os.PathLike[str], *, what: str = "out", mode: str = "w",
                 encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it only ever holds a complete result.

    A plain or absent file is written as a hidden ``.NAME.XXXXXXXX.tmp`` beside it, synced and renamed onto it when
    the block ends; on an exception (Ctrl-C, SIGTERM under `terminate_as_interrupt`) the temporary file is removed
    and the target is unchanged. An existing file keeps its permission bits; a new one gets ``0o666 & ~umask``. A
    symlink is followed (the link stays); a character device or FIFO (``/dev/null``, ``/dev/stdout``, a named pipe)
    is appended to directly.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    what : str
        Names the argument in error messages, e.g. ``"--out"``.
    mode : {"w", "wb"}
        Text (newlines written as given, no translation) or bytes.
    encoding : str
        Text encoding.

    Yields
    ------
    file object
        Open for writing (``df.to_csv(f)``, ``f.write(text)``); the block must not close it.

    Raises
    ------
    ValueError
        Naming ``what``, the path and the reason: a folder, block device or socket; a missing folder; a name too
        long; no permission; a symlink loop.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_write(d / "a.csv", what="--out") as f:
    ...     _ = f.write("id,x\\n")
    >>> (d / "a.csv").read_text(), sorted(p.name for p in d.iterdir())
    ('id,x\\n', ['a.csv'])
    """
    import codecs

    if mode not in ("w", "wb"):
        raise ValueError(f"mode: {mode!r} not allowed; allowed: 'w' (text) or 'wb' (bytes)")
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ValueError(f"encoding: unknown encoding {encoding!r}; allowed: a Python codec name") from None
    opts: dict[str, Any] = {"encoding": encoding, "newline": ""} if mode == "w" else {}
    p = _path(path, what)
    real, st, is_fd = _follow(p, what)
    if is_fd or (st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode))):
        try:  # appending: a shell's `> file` behind /dev/stdout keeps what was printed before
            f = open(p, mode.replace("w", "a"), **opts)
        except OSError as exc:
            raise _error(what, p, exc) from None
        with f:
            yield f
        return
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{what}: {p!r} is {_kind(st)}; give a file name")
    folder = _parent(real, p, what)
    tmp: str | None = None
    f = None
    try:
        with _critical():
            try:  # os.open applies the umask, unlike mkstemp's fixed 0600
                tmp, fd = _fresh(folder, f".{os.path.basename(real)[:60]}.", ".tmp",
                                 lambda n: os.open(n, _NEW_FILE, 0o666))
            except OSError as exc:
                raise _error(what, p, exc) from None
            f = os.fdopen(fd, mode, **opts)
        yield f
        with _critical():
            try:
                f.flush()
                os.fsync(f.fileno())
                if st is not None:
                    os.fchmod(f.fileno(), stat.S_IMODE(st.st_mode))
                f.close()
                os.replace(tmp, real)
            except OSError as exc:
                raise _error(what, p, exc) from None
            tmp = None
            _fsync_folder(folder)
    finally:
        with _critical():
            if f is not None:
                with suppress(OSError):  # a second failed flush (disk still full) must not keep the unlink from running
                    f.close()
            if tmp is not None:
                with suppress(FileNotFoundError):
                    os.unlink(tmp)


def refuse_same_file(output: str | os.PathLike[str], *inputs: str | os.PathLike[str] | None,
                     what: str = "--out") -> None:
    """Refuse an output path that is (or would replace) one of the inputs, through symlinks and hard links.

    Parameters
    ----------
    output : str or os.PathLike
        The path about to be written.
    *inputs : str, os.PathLike or None
        Paths read to make it; ``None`` (an input not given) is skipped.
    what : str
        Names the output argument in the message.

    Raises
    ------
    ValueError
        When ``output`` is one of ``inputs`` (`os.path.samefile` where both exist, else resolved paths are equal).

    Examples
    --------
    >>> refuse_same_file("out.csv", "in.csv", None)
    >>> refuse_same_file("data/../in.csv", "in.csv")
    Traceback (most recent call last):
    ...
    ValueError: --out: 'data/../in.csv' is the input file 'in.csv'; writing it would destroy the input; choose \
another output file
    """
    out = _path(output, what)
    for src in inputs:
        if src is None:
            continue
        inp = _path(src, "input")
        try:
            same = os.path.samefile(out, inp)
        except OSError:  # one does not exist yet: compare where the paths lead
            same = os.path.realpath(out) == os.path.realpath(inp)
        if same:
            raise ValueError(f"{what}: {out!r} is the input file {inp!r}; writing it would destroy the input; "
                             "choose another output file")


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
        _parent(real, target, what)
        return real, None
    if not stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{what}: {target!r} is {_kind(st)}; give a folder")
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
    created = False
    build = None
    try:
        with _critical():
            try:
                if old is None:
                    os.mkdir(real, 0o777)  # the umask applies, as to any new folder
                    created = True
                build, _ = _fresh(real, _BUILD_PREFIX, "", lambda n: os.mkdir(n, 0o700))
            except OSError as exc:
                raise _error(what, p, exc) from None
        yield Path(build)
    finally:
        with _critical():
            if build is not None:
                shutil.rmtree(build, ignore_errors=True)
            if created:
                with suppress(OSError):
                    os.rmdir(real)  # succeeds only when nothing was published


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


# ------------------------------------------------------------------------------------------ signals

class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP received under `terminate_as_interrupt`: a ``KeyboardInterrupt``, so it unwinds as Ctrl-C.

    Parameters
    ----------
    signum : int
        The signal received.

    Examples
    --------
    >>> import signal
    >>> isinstance(Terminated(signal.SIGTERM), KeyboardInterrupt), Terminated(signal.SIGTERM).signum
    (True, <Signals.SIGTERM: 15>)
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signal.Signals(signum)


_depth = 0  # critical sections open: a signal arriving now is raised when they end
_pending: int | None = None


def _interrupt(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _on_signal(signum: int, frame: object) -> None:
    global _pending
    if _depth:
        _pending = signum
        return
    raise _interrupt(signum)


@contextmanager
def _critical() -> Iterator[None]:
    """Hold back signals (those `terminate_as_interrupt` handles) while a few renames or unlinks run together."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _pending is not None:
            signum, _pending = _pending, None
            raise _interrupt(signum)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block SIGTERM and SIGHUP raise `Terminated`, so ``finally``/``with`` cleanups run as on Ctrl-C.

    A signal (these or SIGINT) arriving while files are being renamed waits until they are consistent. Signals the
    caller ignores or handles are left alone; outside the main thread this does nothing. The old handlers return.

    Yields
    ------
    None

    Examples
    --------
    >>> import os, signal
    >>> try:
    ...     with terminate_as_interrupt():
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ... except KeyboardInterrupt as exc:
    ...     status = handle_interrupt(exc, file=sys.stdout)
    netlrt: stopped by SIGTERM
    >>> status
    143
    """
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    if hasattr(signal, "SIGHUP"):
        defaults[signal.SIGHUP] = signal.SIG_DFL
    saved = {}
    try:
        for signum, default in defaults.items():
            if signal.getsignal(signum) in (default, signal.SIG_DFL):
                saved[signum] = signal.signal(signum, _on_signal)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def handle_interrupt(exc: KeyboardInterrupt, *, prog: str = "netlrt", file: IO[str] | None = None) -> int:
    """Print the one-line message for Ctrl-C or `Terminated` and return the exit status (130, 143, 129 for SIGHUP).

    Parameters
    ----------
    exc : KeyboardInterrupt
        The interrupt caught in ``main()``.
    prog : str
        Program name starting the message.
    file : text stream, optional
        Where to print; standard error by default.

    Returns
    -------
    int
        ``128 + signal number``, as a shell reports a command stopped by that signal.

    Examples
    --------
    >>> handle_interrupt(KeyboardInterrupt(), file=sys.stdout)
    netlrt: stopped by Ctrl-C (SIGINT)
    130
    """
    signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
    name = "Ctrl-C (SIGINT)" if signum == signal.SIGINT else signal.Signals(signum).name
    with suppress(OSError, ValueError):  # the terminal is gone (SIGHUP) or stderr closed: the status still tells
        print(f"{prog}: stopped by {name}", file=sys.stderr if file is None else file, flush=True)
    return 128 + signum


def quiet_broken_pipe() -> int:
    """Call when a ``BrokenPipeError`` reaches ``main()`` (``netlrt ... | head``): no traceback, no second error.

    Points standard output at ``/dev/null`` (the recipe in the ``signal`` module's documentation, "Note on SIGPIPE"),
    so later output and the interpreter's final flush do not raise again.

    Returns
    -------
    int
        `EXIT_BROKEN_PIPE` (141), the status a shell reports for a C tool whose reader went away.

    Examples
    --------
    >>> # in main(): except BrokenPipeError: return quiet_broken_pipe()
    >>> EXIT_BROKEN_PIPE
    141
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # no real stdout (captured, closed): nothing will be flushed to it
        return EXIT_BROKEN_PIPE
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
    return EXIT_BROKEN_PIPE


# ------------------------------------------------------------------------------------------ CSV

def csv_safe(value: T) -> T | str:
    """Guard a CSV cell against spreadsheet formula injection: text starting ``= + - @``, tab or carriage return
    gets a leading apostrophe, which spreadsheets show as text.

    Parameters
    ----------
    value : object
        A cell value; only ``str`` is ever changed, so numbers (negative ones too) stay numbers.

    Returns
    -------
    object
        ``value``, or ``"'" + value``.

    Examples
    --------
    >>> csv_safe("=HYPERLINK(\\"http://x\\")"), csv_safe("-2"), csv_safe(-2.5), csv_safe("p-01")
    ('\\'=HYPERLINK("http://x")', "'-2", -2.5, 'p-01')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with `csv_safe` applied to every text cell, column label and index label.

    Parameters
    ----------
    df : pandas.DataFrame
        The table about to be written with ``to_csv``; it is not changed.

    Returns
    -------
    pandas.DataFrame
        Same shape and order; numeric columns untouched; text (object, string, categorical) columns guarded.

    Examples
    --------
    >>> import pandas as pd
    >>> csv_safe_frame(pd.DataFrame({"patient_id": ["=1+1", "p2"], "x": [-1.0, 2.0]})).to_csv(index=False)
    "patient_id,x\\n'=1+1,-1.0\\np2,2.0\\n"
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    out = df.copy()
    out.columns = pd.RangeIndex(df.shape[1])  # positions: column labels may repeat
    for i in range(df.shape[1]):
        if _is_text(out[i].dtype):
            out[i] = out[i].astype(object).map(csv_safe)
    out.columns = _safe_labels(df.columns)
    out.index = _safe_labels(df.index)
    return out


def _is_text(dtype: Any) -> bool:
    import pandas as pd

    return dtype == object or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))


def _safe_labels(index: pd.Index) -> pd.Index:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_arrays([_safe_labels(index.get_level_values(i)) for i in range(index.nlevels)],
                                         names=index.names)
    return index.map(csv_safe) if _is_text(index.dtype) else index
