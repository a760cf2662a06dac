"""Writing one file safely: the old content or the new, never half; links written through, devices written to,
inputs never overwritten."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from contextvars import ContextVar
from typing import IO, Any, TypeVar


from .interrupts import _critical, checkpoint

__all__ = ["atomic_write", "atomic_writes", "check_writable", "note_input", "parent_folder", "protect_inputs",
           "refuse_inputs", "refuse_same_file"]

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


def _is(path: str, st: os.stat_result) -> str:
    """"'path' is a plain file", or "'path', through a symlink, is a plain file" when ``path`` is a link to it."""
    via = ", through a symlink," if os.path.islink(path.rstrip("/") or "/") else ""
    return f"{path!r}{via} is {_kind(st)}"


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
        except (FileNotFoundError, NotADirectoryError):  # absent; parent_folder says which folder is missing or a file
            return p, None, False
        except OSError as exc:
            raise _error(what, path, exc) from None
        if not stat.S_ISLNK(st.st_mode):
            return p, st, False
        if _is_fd_folder(os.path.dirname(os.path.abspath(p))):
            return p, st, True
        p = os.path.join(os.path.dirname(p), os.readlink(p))
    raise ValueError(f"{what}: {path!r} is a symlink loop (more than {_MAX_LINKS} links); point it at a file")


def parent_folder(real: str, path: str, what: str) -> str:
    """The folder ``real`` (where ``path`` leads) is written in; ``ValueError`` naming ``what`` when it is missing or
    is a file."""
    folder = os.path.dirname(real) or "."
    given = os.path.dirname(path) or "."  # named as the user wrote it, unless a symlink led elsewhere
    shown = given if os.path.realpath(given) == os.path.realpath(folder) else folder
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise ValueError(f"{what}: {shown!r} is not a folder (writing {path!r}); give a path inside a folder")
    if not os.path.isdir(folder):
        raise ValueError(f"{what}: folder {shown!r} does not exist (writing {path!r}); create it first")
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


# ------------------------------------------------------------------------------------------ inputs

_inputs: ContextVar[list[str] | None] = ContextVar("netlrt_inputs", default=None)


@contextmanager
def protect_inputs() -> Iterator[None]:
    """Within the block, every file netlrt reads (`note_input`) is kept from its writers: `atomic_write` and
    `publish_folder` refuse to replace it, whichever argument named the output. The command line runs each
    command in one; outside it nothing is recorded, so a Python session keeps no state between calls.

    Examples
    --------
    >>> with protect_inputs():
    ...     note_input("patients.csv")
    ...     refuse_inputs("./patients.csv", what="--out")
    Traceback (most recent call last):
    ...
    ValueError: --out: './patients.csv' is the input file 'patients.csv'; writing it would destroy the input; \
choose another output file
    """
    token = _inputs.set([])
    try:
        yield
    finally:
        _inputs.reset(token)


def note_input(path: str | os.PathLike[str]) -> None:
    """Record a file being read, when inside `protect_inputs` (elsewhere nothing happens)."""
    read = _inputs.get()
    if read is not None:
        read.append(os.fspath(path))


def refuse_inputs(path: str | os.PathLike[str], *, what: str, remedy: str = "choose another output file") -> None:
    """`refuse_same_file` against every input recorded by `note_input` in the current `protect_inputs` block."""
    refuse_same_file(path, *(_inputs.get() or ()), what=what, remedy=remedy)


# ------------------------------------------------------------------------------------------ files

@contextmanager
def atomic_write(path: str | os.PathLike[str], *, what: str = "out", mode: str = "w",
                 encoding: str = "utf-8", edits_input: bool = False) -> Iterator[IO[Any]]:
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
    edits_input : bool
        The file is an input edited in place on purpose (``priors refit``): not refused as one (`protect_inputs`).

    Yields
    ------
    file object
        Open for writing (``df.to_csv(f)``, ``f.write(text)``); the block must not close it.

    Raises
    ------
    ValueError
        Naming ``what``, the path and the reason: a folder, block device or socket; a missing folder; a name too
        long; no permission; a symlink loop; a file read as input (`protect_inputs`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
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
    checkpoint()  # a signal whose exception was swallowed stops the run before it writes
    p, real, st, folder = _target(path, what, edits_input)
    if folder is None:
        try:  # appending: a shell's `> file` behind /dev/stdout keeps what was printed before
            f = open(p, mode.replace("w", "a"), **opts)
        except OSError as exc:
            raise _error(what, p, exc) from None
        with _naming_write_errors(p), f:  # a full disk may first show when f is closed
            yield f
        return
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
        with _naming_write_errors(p):
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
                raise (_named(exc, p) if exc.errno in _WRITE_ERRORS else _error(what, p, exc)) from None
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


@contextmanager
def atomic_writes(targets: Sequence[tuple[str | os.PathLike[str], str]], *,
                  edits_input: bool = False) -> Iterator[list[IO[Any]]]:
    """`atomic_write` for several files that belong together, each ``(path, what)``: text files, open in a list
    (``edits_input`` as `atomic_write`'s, for every file).

    Every file is written to its temporary file first; only when the block ends are they all renamed onto their
    targets, with signals held back, so an interrupt leaves every target unchanged or every one replaced, never
    a new file beside an old one.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_writes([(d / "a.csv", "--out"), (d / "b.csv", "--summary")]) as (a, b):
    ...     _ = a.write("x\\n"), b.write("y\\n")
    >>> sorted(p.name for p in d.iterdir())
    ['a.csv', 'b.csv']
    """
    with ExitStack() as stack:
        files = [stack.enter_context(atomic_write(path, what=what, edits_input=edits_input)) for path, what in targets]
        yield files
        with _critical():
            stack.close()


#: Errors of writing itself, which the write does not name a file for.
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


@contextmanager
def _naming_write_errors(path: str) -> Iterator[None]:
    """A full disk met while the block writes ``path`` names ``path`` (the OSError of a write names no file)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno in _WRITE_ERRORS:
            raise _named(exc, path) from None
        raise


def _named(exc: OSError, path: str) -> OSError:
    """``exc`` naming ``path``: the machine's failure (exit 1), not the user's mistake."""
    return OSError(exc.errno, exc.strerror, path)


def check_writable(path: str | os.PathLike[str], *, what: str = "out", remedy: str = "choose another output file"
                   ) -> None:
    """Refuse, before any work is done, what :func:`atomic_write` would refuse to write at ``path`` (it checks again
    when it writes): a folder, a read-only file, a missing folder, a file read as input (``remedy`` then says
    what to do), and so on.

    Raises
    ------
    ValueError
        Naming ``what``, the path and the reason.

    Examples
    --------
    >>> check_writable(".", what="--out")
    Traceback (most recent call last):
    ...
    ValueError: --out: '.' is a folder; give a file name
    """
    _target(path, what, edits_input=False, remedy=remedy)


def _target(path: object, what: str, edits_input: bool, remedy: str = "choose another output file"
            ) -> tuple[str, str, os.stat_result | None, str | None]:
    """``path`` as given, where its symlinks lead, that file's lstat (None: absent) and the folder a temporary file
    is written in to replace it (None: a device, pipe or open file of a process, written straight to)."""
    p = _path(path, what)
    if not edits_input:
        refuse_inputs(p, what=what, remedy=remedy)
    real, st, is_fd = _follow(p, what)
    if is_fd or (st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode))):
        return p, real, st, None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{what}: {_is(p, st)}; give a file name")
    if st is not None and (not st.st_mode & 0o222 or not os.access(real, os.W_OK)):  # replacing ignores the mode
        raise ValueError(f"{what}: {p!r} is read-only; make it writable" + ("" if edits_input else f" or {remedy}"))
    return p, real, st, parent_folder(real, p, what)


def refuse_same_file(output: str | os.PathLike[str], *inputs: str | os.PathLike[str] | None,
                     what: str = "--out", kind: str = "the input file",
                     why: str = "writing it would destroy the input", remedy: str = "choose another output file"
                     ) -> None:
    """Refuse an output path that is (or would replace) one of the inputs, through symlinks and hard links.

    A character device or named pipe (``/dev/stdout``, ``/dev/null``) is written to, not replaced: it destroys
    nothing and is never refused, though a terminal may be where patients are read from and where both tables go.

    Parameters
    ----------
    output : str or os.PathLike
        The path about to be written.
    *inputs : str, os.PathLike or None
        Paths read to make it; ``None`` (an input not given) is skipped.
    what : str
        Names the output argument in the message.
    kind, why, remedy : str
        What the inputs are, why that is refused and what to do, in the message (e.g. ``"the --out file"`` and
        ``"one would overwrite the other"`` for a second output).

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
    with suppress(OSError):
        if stat.S_ISCHR(os.stat(out).st_mode) or stat.S_ISFIFO(os.stat(out).st_mode):
            return
    for src in inputs:
        if src is None:
            continue
        inp = _path(src, "input")
        try:
            same = os.path.samefile(out, inp)
        except OSError:  # one does not exist yet: compare where the paths lead
            same = os.path.realpath(out) == os.path.realpath(inp)
        if same:
            raise ValueError(f"{what}: {out!r} is {kind} {inp!r}; {why}; {remedy}")


