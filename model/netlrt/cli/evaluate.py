"""``netlrt evaluate``: outcomes, expected QALYs with their terms, and the recommendation for one patient."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .common import add_patient_arguments, add_priors_argument, check_preference, load_model_from, patient_from_args

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Register ``netlrt evaluate``."""
    p = sub.add_parser("evaluate", help="outcomes, expected QALYs and the recommendation for one patient",
                       description="A finding left out is unknown: the model averages over the treated population.")
    add_patient_arguments(p)
    add_priors_argument(p)
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="tables for reading (default), or one JSON object for programs")


def run(args: argparse.Namespace) -> int:
    """Evaluate the patient and print the result; returns the exit status."""
    import textwrap

    import pandas as pd

    from ..output.report import DISCLAIMER

    patient = patient_from_args(args)
    model = load_model_from(args.priors)
    patient = check_preference(model, patient, args)
    ev = model.evaluate(patient)
    if args.format == "json":
        print(json.dumps(ev.to_dict(), indent=2))
        return 0
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(ev.outcome_table().round(4).to_string())
    print(f"\nrecommended: {ev.recommended or 'none (ineligible)'}{' (close call)' if ev.close_call else ''}")
    for line in ev.reasons:
        print(f"  {line}")
    for line in ev.warnings:
        print(f"  warning: {line}")
    if ev.eligible:
        a, b = ev.ranking[:2]
        terms = ev.deciding_terms(a, b)[["label", a, b, "days"]].rename(columns={"days": f"{a} - {b} (days)"})
        print(f"\nQALY terms of {a} and {b} (the days column: quality-adjusted days between them):")
        print(terms.head(6).round(4).to_string(index=False))
        print("\nwhat the recommendation rests on: " + model.inferences(patient, _inferred(args)).summary())
    print("\n" + textwrap.fill(DISCLAIMER, 110))
    return 0


def _inferred(args: argparse.Namespace) -> list[str]:
    """The findings of ``--case`` that its text implies rather than states (none for other patients)."""
    from ..evidence.cases import inferred_fields

    return inferred_fields(args.case) if getattr(args, "case", None) else []
