"""``netlrt cohort``: every patient of a table, one row per patient x modality, and a per-patient summary."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import UsageError, add_priors_argument, priors_folder

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("cohort", help="evaluate every patient of a CSV or YAML file")
    p.add_argument("--in", dest="input", required=True, metavar="FILE",
                   help="one row per patient (CSV), or a YAML list/mapping of patients; columns are patient fields "
                        "and optionally patient_id; an empty cell is unknown; rows count from 1 below the header")
    p.add_argument("--out", required=True, metavar="CSV",
                   help="results, one row per patient x modality (written only if every row is valid)")
    p.add_argument("--summary", metavar="CSV", help="also write one row per patient: recommendation, eligibility, "
                                                   "close call, reasons and warnings")
    p.add_argument("--skip-invalid", action="store_true", help="leave invalid rows out (listed on stderr)")
    add_priors_argument(p)


def run(args: argparse.Namespace) -> int:
    from ..analysis.cohort import run_cohort, write_cohort_csv
    from ..files import refuse_same_file
    from ..model import load_model

    if args.out == "" or args.summary == "":
        raise UsageError("--out/--summary: empty file name; give a CSV file to write")
    refuse_same_file(args.out, args.input, what="--out")
    if args.summary:
        refuse_same_file(args.summary, args.input, args.out, what="--summary")
    model = load_model(priors_folder(args.priors))
    result = run_cohort(model.evaluator, args.input, skip_invalid=args.skip_invalid)
    for line in result.skipped:
        print(f"netlrt: skipped: {line}", file=sys.stderr)
    write_cohort_csv(result, args.out, inputs=[args.input], what="--out")
    if args.summary:
        write_cohort_csv(result, args.summary, table="summary", inputs=[args.input, args.out], what="--summary")
    n = len(result.summary)
    print(f"wrote {len(result.table)} rows ({n} patients) to {args.out}"
          + (f" and the summary to {args.summary}" if args.summary else ""))
    return 0
