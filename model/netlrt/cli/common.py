"""What the subcommands share: the one-line usage error, messages that name the flag the user typed, checks of
output files made before any work, and patient flags generated from the patient spec.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_patient_arguments(p)
>>> patient_from_args(p.parse_args(["--grade", "G2", "--functional"])).evidence()
{'grade': 'G2', 'functional': 'yes'}
>>> str(reword(ValueError("path: cannot tell the format"), {"path": "--out"}))
'--out: cannot tell the format'
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any, NoReturn

from ..evidence.patient import Patient
from ..evidence.patient_spec import FIELD, FIELDS

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "Parser", "UsageError", "add_patient_arguments", "add_priors_argument",
           "check_output_file", "check_preference", "load_model_from", "patient_from_args", "priors_folder",
           "reword"]

EXIT_USAGE = 2
EXIT_FAILURE = 1  # the machine failed (a disk full), not the request


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line with exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (``UsageError``) rather than a usage block and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def reword(exc: Exception, names: Mapping[str, str]) -> UsageError:
    """``exc`` as a `UsageError` whose leading argument name (``"path: ..."``) is replaced by the flag the user
    typed (``"--out: ..."``), so no message names a Python argument the user never saw.

    Parameters
    ----------
    exc : Exception
        A ``ValueError`` from the library, whose message starts ``"<name>: "``.
    names : mapping
        Library argument name -> what the user typed.

    Returns
    -------
    UsageError

    Examples
    --------
    >>> str(reword(ValueError("n_draws: must be a power of two"), {"n_draws": "--draws"}))
    '--draws: must be a power of two'
    >>> str(reword(ValueError("survival.yaml: bad"), {"n_draws": "--draws"}))
    'survival.yaml: bad'
    """
    text = str(exc)
    head, sep, rest = text.partition(": ")
    return UsageError(f"{names[head]}: {rest}" if sep and head in names else text)


def check_output_file(path: str, what: str, remedy: str = "choose another output file") -> None:
    """Refuse, before any work is done, an output file that cannot be written: an empty name, and everything
    :func:`netlrt.files.check_writable` refuses (a folder, a read-only file, a missing folder, a file read as input;
    `netlrt.files.atomic_write` checks again when it writes).

    Raises
    ------
    ValueError
        Naming ``what`` (the flag) and the path (a :class:`UsageError` for an empty name).

    Examples
    --------
    >>> check_output_file(".", "--out")
    Traceback (most recent call last):
    ...
    ValueError: --out: '.' is a folder; give a file name
    """
    from ..files import check_writable

    if path == "":
        raise UsageError(f"{what}: empty file name; give a file to write")
    if path == "-":  # elsewhere the terminal: a file named '-' is rarely what was meant
        raise UsageError(f"{what}: '-' would be a file named '-'; give /dev/stdout to print the table, or a file name")
    check_writable(path, what=what, remedy=remedy)


def add_priors_argument(p: argparse.ArgumentParser) -> None:
    """The ``--priors DIR`` option every model-building subcommand takes."""
    p.add_argument("--priors", metavar="DIR", help="priors folder (default: the priors shipped with netlrt; "
                                                   "`netlrt priors init DIR` makes an editable copy)")


def add_patient_arguments(p: argparse.ArgumentParser) -> None:
    """One flag per patient field (from :data:`netlrt.evidence.patient_spec.FIELDS`), plus ``--patient FILE`` and
    ``--case NAME``. A finding left out is unknown: the model averages over it."""
    source = p.add_mutually_exclusive_group()
    source.add_argument("--patient", metavar="FILE", help="YAML or CSV file with one patient's fields")
    source.add_argument("--case", metavar="NAME", help="one of the article's cases: case1_tae, case2_tace, case3_y90")
    for f in FIELDS:
        kwargs: dict[str, Any] = {"dest": f"field_{f.name}", "metavar": f.kind.upper() if f.kind != "state" else None}
        if f.kind == "state":
            kwargs["choices"] = f.states
        if f.kind == "bool":
            kwargs.update(nargs="?", const="yes", metavar="yes|no")
        allowed = "yes, no or unknown (leave it out); the flag alone means yes" if f.kind == "bool" else f.allowed()
        text = (f"{f.help} ({allowed})" if f.kind != "preference" else  # a flag takes a name; a file, a mapping
                "utility profile of the priors' utilities file (none, avoid_pes, fewest_procedures, ...); custom "
                "multipliers go in a --patient YAML file (preference: {term: multiplier})")
        # argparse %-formats help text: a literal percent sign must be doubled
        p.add_argument(f.flag, help=text.replace("%", "%%"), **kwargs)
    p.add_argument("--bilirubin", dest="field_bilirubin_mg_dl", help=argparse.SUPPRESS)  # 0.1's spelling


def patient_from_args(args: argparse.Namespace) -> Patient:
    """The patient the flags, ``--patient FILE`` or ``--case NAME`` describe (never more than one source).

    Raises
    ------
    UsageError
        Naming the flag (``--ecog: ...``), the file or the case.
    """
    given = {f.name: getattr(args, f"field_{f.name}") for f in FIELDS if getattr(args, f"field_{f.name}") is not None}
    for flag, value in (("--case", getattr(args, "case", None)), ("--patient", getattr(args, "patient", None))):
        if value is not None and not value.strip():  # not 'no patient given': the all-unknown patient would be used
            raise UsageError(f"{flag}: empty; give a {'case name' if flag == '--case' else 'YAML or CSV file'}")
    if getattr(args, "case", None) or getattr(args, "patient", None):
        if given:
            flags = ", ".join(FIELD[k].flag for k in given)
            raise UsageError(f"give --patient FILE or --case NAME, or finding flags, not both (got {flags})")
        if args.case:
            from ..evidence.cases import article_cases

            cases = article_cases()
            if args.case not in cases:
                raise UsageError(f"--case: unknown case {args.case!r}; allowed: {', '.join(cases)}")
            return cases[args.case]
        from ..evidence.patient_io import read_patient_rows

        rows = read_patient_rows(args.patient)
        if rows.problems:
            raise UsageError(rows.problems[0])
        if len(rows.patients) != 1:
            raise UsageError(f"--patient: {args.patient!r} holds {len(rows.patients)} patients; give a file with one")
        return next(iter(rows.patients.values()))
    flags = {name: FIELD[name].flag for name in given}
    fields = {}
    for name, text in given.items():
        field = FIELD[name]
        try:
            fields[name] = text if field.kind in ("state", "preference") else field.parse_text(text)
        except ValueError as exc:
            raise reword(exc, flags) from None
    try:
        return Patient(**fields)
    except ValueError as exc:
        raise reword(exc, flags) from None


def check_preference(model: Any, patient: Patient, args: argparse.Namespace) -> Patient:
    """``patient``, once its preference is known to the model's profiles (a mistake named by its flag or file).

    Raises
    ------
    UsageError
        For a preference the model does not know.
    """
    try:
        model.evaluator.multipliers(patient.preference)
    except ValueError as exc:
        if getattr(args, "patient", None):
            raise UsageError(f"--patient {args.patient!r}: {exc}") from None
        raise reword(exc, {"preference": "--case" if getattr(args, "case", None) else "--preference"}) from None
    return patient


def load_model_from(value: str | None) -> Any:
    """The model of the ``--priors`` folder (``None``: the shipped priors), folder errors naming ``--priors``."""
    from ..model import load_model

    try:
        return load_model(priors_folder(value))
    except ValueError as exc:
        raise reword(exc, {"priors": "--priors"}) from None


def priors_folder(value: str | None, what: str = "--priors") -> str | None:
    """``--priors`` (or a folder argument named ``what``) as given; an empty string is a mistake, not the current
    folder.

    Examples
    --------
    >>> priors_folder(None) is None, priors_folder("my_priors")
    (True, 'my_priors')
    """
    if value is not None and value.strip() == "":
        hint = ", or leave --priors out for the shipped priors" if what == "--priors" else ""
        raise UsageError(f"{what}: empty folder name; give a folder{hint}")
    return value if value is None else os.fspath(value)
