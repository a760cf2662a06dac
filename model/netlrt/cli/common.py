"""What the subcommands share: the one-line usage error, and patient flags generated from the patient spec.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_patient_arguments(p)
>>> patient_from_args(p.parse_args(["--grade", "G2", "--functional"])).evidence()
{'grade': 'G2', 'functional': 'yes'}
"""

from __future__ import annotations

import argparse
import os
from typing import Any, NoReturn

from ..evidence.patient import Patient
from ..evidence.patient_spec import FIELDS

__all__ = ["EXIT_USAGE", "Parser", "UsageError", "add_patient_arguments", "add_priors_argument", "patient_from_args"]

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line with exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (``UsageError``) rather than a usage block and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def add_priors_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--priors", metavar="DIR", help="priors folder (default: the priors shipped with netlrt; "
                                                   "`netlrt priors init DIR` makes an editable copy)")


def add_patient_arguments(p: argparse.ArgumentParser) -> None:
    """One flag per patient field (from :data:`netlrt.evidence.patient_spec.FIELDS`), plus ``--patient FILE`` and
    ``--case NAME``. A finding left out is unknown: the model averages over it."""
    source = p.add_mutually_exclusive_group()
    source.add_argument("--patient", metavar="FILE", help="YAML file with one patient's fields")
    source.add_argument("--case", metavar="NAME", help="one of the article's cases: case1_tae, case2_tace, case3_y90")
    for f in FIELDS:
        kwargs: dict[str, Any] = {"dest": f"field_{f.name}", "metavar": f.kind.upper() if f.kind != "state" else None}
        if f.kind == "state":
            kwargs["choices"] = f.states
        if f.kind == "bool":
            kwargs.update(nargs="?", const="yes", metavar="yes|no")
        p.add_argument(f.flag, help=f"{f.help} ({f.allowed()})", **kwargs)
    p.add_argument("--bilirubin", dest="field_bilirubin_mg_dl", help=argparse.SUPPRESS)  # 0.1's spelling


def patient_from_args(args: argparse.Namespace) -> Patient:
    """The patient the flags, ``--patient FILE`` or ``--case NAME`` describe (never more than one source)."""
    given = {f.name: getattr(args, f"field_{f.name}") for f in FIELDS if getattr(args, f"field_{f.name}") is not None}
    if getattr(args, "case", None) or getattr(args, "patient", None):
        if given:
            flags = ", ".join(next(x.flag for x in FIELDS if x.name == k) for k in given)
            raise UsageError(f"give --patient FILE or --case NAME, or finding flags, not both (got {flags})")
        if args.case:
            from ..evidence.cases import article_cases

            cases = article_cases()
            if args.case not in cases:
                raise UsageError(f"--case: unknown case {args.case!r}; allowed: {', '.join(cases)}")
            return cases[args.case]
        from ..evidence.patient_io import read_patients

        patients = read_patients(args.patient)
        if len(patients) != 1:
            raise UsageError(f"--patient: {args.patient!r} holds {len(patients)} patients; give a file with one")
        return next(iter(patients.values()))
    fields = {}
    for name, text in given.items():
        field = next(f for f in FIELDS if f.name == name)
        fields[name] = text if field.kind in ("state", "preference") else field.parse_text(text)
    return Patient(**fields)


def priors_folder(value: str | None) -> str | None:
    """``--priors`` as given; an empty string is a mistake, not the current folder."""
    if value is not None and value.strip() == "":
        raise UsageError("--priors: empty folder name; give a folder, or leave --priors out for the shipped priors")
    return value if value is None else os.fspath(value)
