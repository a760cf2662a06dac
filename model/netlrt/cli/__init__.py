"""The ``netlrt`` command line: one module per subcommand, each with ``add_parser(sub)`` and ``run(args) -> int``.

A user mistake (bad flag, unknown state, unreadable file, a name too long) prints one line on stderr,
``netlrt: error: `` and what is wrong where (the flag, file, row or parameter), and exits 2; a failure of the
machine (a disk full) prints one line and exits 1; no file the command reads is ever written over; Ctrl-C exits
130 and SIGTERM 143 with one line, after every temporary file is removed; a closed pipe (``netlrt ... | head``)
exits quietly (141). Subcommand modules import their heavy dependencies only when they run.

Examples
--------
>>> main(["evaluate", "--ecog", "two"])
2

"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence

from . import analyse, cohort, evaluate, export, priors, report
from .common import EXIT_FAILURE, EXIT_USAGE, Parser, UsageError

__all__ = ["COMMANDS", "build_parser", "console", "main"]

COMMANDS = {"evaluate": evaluate, "report": report, "analyse": analyse, "cohort": cohort, "export": export,
            "priors": priors}
#: OSErrors that come from the path a user gave (exit 2), not from the machine (exit 1).
_PATH_ERRORS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG,
                errno.ELOOP}


def build_parser() -> Parser:
    """The ``netlrt`` argument parser, one subparser per module of :data:`COMMANDS`."""
    from .. import __version__

    parser = Parser(prog="netlrt", description="Decision model for transarterial therapy of NET liver metastases, "
                                               "built from Gaba et al. 2017 (research use only, not clinical advice).")
    parser.add_argument("--version", action="version", version=f"netlrt {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, last: bool = False) -> int:
    """Run one ``netlrt`` command; returns the exit status. ``last``: the process ends next (the console script,
    :func:`console`), so after an interrupt a second Ctrl-C ends it at once (`terminate_as_interrupt`)."""
    from ..files import handle_interrupt, protect_inputs, terminate_as_interrupt

    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, not an error
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        with terminate_as_interrupt(last=last), protect_inputs():
            return _run(argv)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM, in the command or while the handlers were put back
        return handle_interrupt(exc)
    except Exception as exc:  # an interrupt a library turned into its own error (scipy's import: ImportError)
        interrupt = _interrupt_in(exc)
        if interrupt is None:
            raise
        return handle_interrupt(interrupt)


def _interrupt_in(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM behind ``exc``, if its chain of causes holds one (a signal landing while scipy loads
    its compiled modules comes out as "ImportError: initialization failed")."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def console() -> int:
    """The ``netlrt`` console script: :func:`main` for a process that ends with it.

    A second Ctrl-C just after the first (while the command's last line is printed, or the interpreter joins the
    report's worker threads) raised a KeyboardInterrupt where nothing caught it and printed a traceback; here it
    ends the process at once. Not so in :func:`main` called otherwise: ``python -m netlrt`` and IPython's
    ``%run -m netlrt`` run it inside a session that goes on.
    """
    return main(last=True)


def _run(argv: Sequence[str] | None) -> int:
    """One command, its mistakes and failures as one line and an exit status (interrupts are `main`'s)."""
    from ..files import checkpoint, quiet_broken_pipe

    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit:  # --help, --version: their text meets a closed pipe here, not at exit
            _flush()
            raise
        status = COMMANDS[args.command].run(args)
        checkpoint()  # a signal whose exception Python swallowed: the run was stopped, whatever it returned
        _flush()  # a closed pipe is met here, where it is caught, not in the interpreter's last flush
        return status
    except (UsageError, ValueError) as exc:
        if (interrupt := _interrupt_in(exc)) is not None:
            raise interrupt from None  # main's to say
        print(f"netlrt: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("netlrt: error: out of memory; use fewer --draws or a smaller table", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return quiet_broken_pipe()
    except OSError as exc:  # one line; a path's fault is the user's (2), the machine's (disk full) is not (1)
        where = f"{exc.filename!r}: " if exc.filename else ""
        print(f"netlrt: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE if exc.errno in _PATH_ERRORS else EXIT_FAILURE


def _flush() -> None:
    if sys.stdout is not None:  # None when the shell closed it (`netlrt ... >&-`): print() then writes nothing
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
