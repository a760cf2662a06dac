"""``netlrt cohort``: every patient of a table, one row per patient x modality, and a per-patient summary.

The outputs are written atomically (complete or unchanged; a symlink is written through, a device written to),
never over the input, with text cells escaped against spreadsheet formulas; they are checked before any work.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import UsageError, add_priors_argument, check_output_file, load_model_from

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Register ``netlrt cohort``."""
    p = sub.add_parser("cohort", help="evaluate every patient of a CSV or YAML file",
                       description="Writes one row per patient and modality (--out: outcomes, expected QALYs, the "
                                   "recommendation) and, with --summary, one row per patient (recommendation, "
                                   "eligibility, reasons, warnings). A finding left empty is unknown.")
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
    """Evaluate the cohort and write its tables; returns the exit status."""
    from ..analysis.cohort import run_cohort, write_cohort_tables
    from ..evidence.patient_io import read_patient_rows
    from ..files import refuse_same_file

    if args.input == "":
        raise UsageError("--in: empty file name; give the CSV or YAML file of patients")
    check_output_file(args.out, "--out")
    if args.summary is not None:
        check_output_file(args.summary, "--summary")
        refuse_same_file(args.summary, args.out, what="--summary", kind="the --out file",
                         why="one would overwrite the other")
    model = load_model_from(args.priors)
    rows = read_patient_rows(args.input, check=lambda patient: model.evaluator.multipliers(patient.preference))
    for path, flag in ((args.out, "--out"), (args.summary, "--summary")):  # every input read: refuse before writing
        if path is not None:
            check_output_file(path, flag)
    if rows.problems and not args.skip_invalid:
        more = len(rows.problems) - 1
        raise UsageError(rows.problems[0] + (f" (and {more} more problem{'s' * (more > 1)}; --skip-invalid "
                                             "lists them and leaves their rows out)" if more else ""))
    if not rows.patients:
        for line in rows.problems:  # why every row was left out
            print(f"netlrt: skipped: {line}", file=sys.stderr)
        raise UsageError(f"--in: no valid patient in {args.input!r}; nothing to evaluate")
    result = run_cohort(model.evaluator, rows, skip_invalid=args.skip_invalid)
    for line in result.skipped:
        print(f"netlrt: skipped: {line}", file=sys.stderr)
    write_cohort_tables(result, [(args.out, "long", "--out")]
                        + ([(args.summary, "summary", "--summary")] if args.summary is not None else []))
    n = len(result.summary)
    print(f"wrote {len(result.table)} rows ({n} patient{'' if n == 1 else 's'}) to {args.out}"
          + (f" and the summary to {args.summary}" if args.summary is not None else ""))
    return 0
