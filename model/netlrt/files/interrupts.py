"""Interrupts that clean up: SIGTERM and SIGHUP unwind the stack like Ctrl-C, a few file operations that must
happen together hold a signal back until they are done, and ``main()`` turns each into one line and the status a
shell expects."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any


__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "Terminated", "checkpoint", "handle_interrupt",
           "quiet_broken_pipe", "terminate_as_interrupt"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a C tool whose reader went away


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
# The signal last raised by _on_signal. Python swallows an exception raised while it runs a weakref callback or a
# __del__ (a signal can arrive there), and work would go on as if no signal had come: checkpoint() raises it again.
_received: int | None = None
_guarded = 0  # terminate_as_interrupt blocks open that installed a handler: checkpoint acts only inside one


def _interrupt(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _on_signal(signum: int, frame: object) -> None:
    global _pending, _received
    _received = signum
    if _depth:
        _pending = signum
        return
    raise _interrupt(signum)


def checkpoint() -> None:
    """Raise, as `Terminated` or ``KeyboardInterrupt``, a signal received under `terminate_as_interrupt` whose
    exception Python swallowed (raised inside a weakref callback or ``__del__``); called before netlrt writes a file
    or publishes a report, and by ``main()`` when a command returns, so a stopped run never publishes or exits 0.

    Examples
    --------
    >>> checkpoint()  # no signal received: nothing happens
    """
    if _guarded and _received is not None and _depth == 0:
        raise _interrupt(_received)


def _quiet_unraisable(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """An ``sys.unraisablehook`` that drops the "Exception ignored" traceback of an interrupt `_on_signal` raised
    (checkpoint raises it again) and hands anything else, a host's own Ctrl-C handler's included, to ``previous``."""
    def hook(unraisable: Any) -> None:
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and _received is not None):
            previous(unraisable)
    return hook


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
def terminate_as_interrupt(*, last: bool = False) -> Iterator[None]:
    """Within the block SIGTERM and SIGHUP raise `Terminated`, so ``finally``/``with`` cleanups run as on Ctrl-C.

    A signal (these or SIGINT) arriving while files are being renamed waits until they are consistent; one whose
    exception Python swallowed is raised again at the next `checkpoint`. Signals the caller ignores or handles are
    left alone; outside the main thread this does nothing. The old handlers return, except with ``last`` (the
    process ends after the block, as the console script's does): when the block ends by an interrupt, SIGINT goes
    back to its default action, so a second Ctrl-C while the process finishes (its last line, the interpreter
    joining worker threads) ends it at once instead of raising where nothing catches it (a traceback).

    Parameters
    ----------
    last : bool
        The process ends when the block does.

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
    if not saved:  # the caller's own handlers (or not the main thread): nothing of ours to raise again
        yield
        return
    global _guarded
    hook, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable(sys.unraisablehook)
    guarded, _guarded = _guarded, _guarded + 1
    try:
        yield
    except KeyboardInterrupt:
        if last and signal.SIGINT in saved:
            saved[signal.SIGINT] = signal.SIG_DFL
        raise
    finally:
        late = None
        for _ in range(len(saved) + 1):  # each try restores everything again; a signal can interrupt each once
            try:
                _restore(saved, hook, guarded)
                break
            except KeyboardInterrupt as exc:  # arrived while the handlers went back: raised once all is restored
                late = exc
        if late is not None:
            raise late


def _restore(saved: dict[int, Any], hook: Callable[[Any], object], guarded: int) -> None:
    """Put back what `terminate_as_interrupt` changed; safe to repeat (it sets values, it does not count)."""
    global _guarded, _received
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    _guarded = guarded
    sys.unraisablehook = hook
    _received = None


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


