"""``netlrt cohort``: every patient of a CSV table, one row per patient x modality, and a per-patient summary."""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_priors_argument, priors_folder

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("cohort", help="evaluate every patient of a CSV table")
    p.add_argument("--in", dest="input", required=True, metavar="CSV",
                   help="one row per patient; columns are patient fields and optionally patient_id; an empty cell "
                        "is unknown; row numbers in messages count data rows from 1")
    p.add_argument("--out", required=True, metavar="CSV",
                   help="results, one row per patient x modality (written only if every row is valid)")
    p.add_argument("--summary", metavar="CSV", help="also write one row per patient: recommendation, eligibility, "
                                                   "close call, reasons and warnings")
    p.add_argument("--skip-invalid", action="store_true", help="leave invalid rows out (listed on stderr)")
    add_priors_argument(p)


def run(args: argparse.Namespace) -> int:
    from ..analysis.cohort import run_cli

    return run_cli(args, priors=priors_folder(args.priors))
