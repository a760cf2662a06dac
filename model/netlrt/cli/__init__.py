"""The ``netlrt`` command line.

A user mistake (bad flag, unknown state, unreadable file) prints one line on stderr and exits 2.
Each subcommand is a pair: ``_add_<name>(subparsers)`` declares it, ``_run_<name>(args)`` runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        raise UsageError(message)


# ----------------------------------------------------------------------------------------- evaluate

_PATIENT_FLAGS = {
    # flag dest -> Patient field
    "grade": "grade", "ki67": "ki67", "burden": "burden", "distribution": "distribution", "biliary": "biliary",
    "preference": "preference", "ecog": "ecog", "bilirubin": "bilirubin_mg_dl",
    "extrahepatic": "extrahepatic", "lung_shunt_fraction": "lung_shunt_fraction",
}


def add_patient_arguments(p: argparse.ArgumentParser) -> None:
    """Flags describing one patient (shared by commands that take a single patient)."""
    p.add_argument("--patient", metavar="FILE", help="YAML file with the patient's fields")
    p.add_argument("--grade", help="G1, G2 or G3")
    p.add_argument("--ki67", type=float, help="Ki-67 index in percent (instead of --grade)")
    p.add_argument("--burden", help="low, intermediate or high")
    p.add_argument("--distribution", help="unilobar_oligo, unilobar_multifocal, bilobar_oligo, bilobar_multifocal")
    p.add_argument("--biliary", help="intact, bilioenteric_anastomosis or incompetent_sphincter")
    p.add_argument("--preference", help="none, avoid_pes, fewest_procedures (or another profile in the priors)")
    p.add_argument("--ecog", type=int, help="ECOG performance status 0-4")
    p.add_argument("--bilirubin", type=float, help="serum bilirubin, mg/dL")
    p.add_argument("--renal-insufficiency", action="store_true", help="renal insufficiency present")
    p.add_argument("--functional", action="store_true", help="hormonal (carcinoid) symptoms present")
    p.add_argument("--extrahepatic", help="none, limited or extensive")
    p.add_argument("--lung-shunt-fraction", type=float, help="percent, from Y90 planning")
    p.add_argument("--priors", metavar="DIR", help="priors folder (default: the shipped priors)")


def patient_from_args(args: argparse.Namespace) -> Any:
    from .patient import Patient

    given = {field: getattr(args, dest) for dest, field in _PATIENT_FLAGS.items() if getattr(args, dest) is not None}
    for flag in ("renal_insufficiency", "functional"):
        if getattr(args, flag):
            given[flag] = True
    if args.patient:
        if given:
            raise UsageError("give either --patient FILE or finding flags, not both")
        return Patient(**read_patient_file(args.patient))
    return Patient(**given)


def read_patient_file(path: str | Path) -> dict[str, Any]:
    """The fields of one patient from a YAML mapping."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read patient file {str(path)!r}: {exc.strerror}") from None
    except yaml.YAMLError:
        raise UsageError(f"patient file {str(path)!r} is not valid YAML") from None
    if not isinstance(doc, dict):
        raise UsageError(f"patient file {str(path)!r} must hold a mapping of field: value")
    return doc


def _add_evaluate(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="outcomes, expected utilities and the recommendation for one patient")
    add_patient_arguments(p)
    p.add_argument("--format", choices=("table", "json"), default="table")


def _run_evaluate(args: argparse.Namespace) -> int:
    from .model import load_model

    patient = patient_from_args(args)
    ev = load_model(args.priors).evaluate(patient)
    if args.format == "json":
        print(json.dumps(ev.to_dict(), indent=2))
        return 0
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(ev.to_df().round(3).T.to_string())
    print(f"\nrecommended: {ev.recommended or 'none (ineligible)'}")
    for line in ev.reasons:
        print(f"  {line}")
    for line in ev.warnings:
        print(f"  warning: {line}")
    return 0


# ------------------------------------------------------------------------------------------- priors

def _add_priors(sub: Any) -> None:
    p = sub.add_parser("priors", help="inspect or refit a priors folder")
    p.add_argument("action", choices=("show", "refit"), help="show: the provenance table; refit: refit params from intervals")
    p.add_argument("folder", nargs="?", help="priors folder (default: the shipped priors; refit needs a folder)")


def _run_priors(args: argparse.Namespace) -> int:
    from .priors import load_priors, refit_folder

    if args.action == "refit":
        if not args.folder:
            raise UsageError("priors refit needs a folder (copy the shipped priors first; they are read-only)")
        ids = refit_folder(args.folder)
        load_priors(args.folder)  # validate what was written
        print(f"refitted {len(ids)} parameters in {args.folder}")
        return 0
    df = load_priors(args.folder).to_df()
    print(df[["id", "distribution", "mean", "low", "high", "source", "refs"]].to_string(index=False))
    return 0


# --------------------------------------------------------------------------------------------- main

def _delegate(module: str) -> tuple[Any, Any]:
    """A subcommand that lives in ``netlrt.<module>`` as ``add_cli_parser(sub)`` and ``run_cli(args) -> int``.

    Those modules keep heavy imports inside functions, so building the parser stays cheap.
    """
    import importlib

    def add(sub: Any) -> None:
        importlib.import_module(f"netlrt.{module}").add_cli_parser(sub)

    def run(args: argparse.Namespace) -> int:
        return importlib.import_module(f"netlrt.{module}").run_cli(args)

    return add, run


COMMANDS = {
    "evaluate": (_add_evaluate, _run_evaluate),
    "priors": (_add_priors, _run_priors),
    "export": _delegate("export"),
    "report": _delegate("report"),
    "cohort": _delegate("cohort"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="netlrt", description="Decision model for transarterial therapy of NET liver metastases "
                                                "(research use only, not clinical advice).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add, _ in COMMANDS.values():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``netlrt`` console script."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command][1](args)
    except (UsageError, ValueError) as exc:
        print(f"netlrt: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


if __name__ == "__main__":
    sys.exit(main())
