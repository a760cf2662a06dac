"""``netlrt report``: the main job, one self-contained HTML page with the figures and tables it shows.

The report is built in a hidden folder inside ``--out`` and published when complete: a folder holding files
netlrt did not write is refused before any work, only an earlier report's files (listed in its manifest) are
replaced, and the folder's other files and permissions stay (:func:`netlrt.files.publish_folder`).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..analysis import MIN_DRAWS
from ..output.page import FIGURE_FORMATS, MAX_DPI, MIN_DPI
from .common import UsageError, add_priors_argument, load_model_from, reword

__all__ = ["MAX_DRAWS", "add_parser", "run"]

#: Largest ``--draws``: the PSA keeps every draw of every parameter in memory for its analyses.
MAX_DRAWS = 1_000_000


def add_parser(sub: Any) -> None:
    """Register ``netlrt report``."""
    p = sub.add_parser("report", help="the HTML report: model, priors, the article's cases, sensitivity analyses",
                       description="Writes index.html (self-contained: figures embedded) with the figures and "
                                   "tables it shows into --out. Research use only; not clinical advice.")
    p.add_argument("--out", metavar="DIR", default="reports",
                   help="output folder (default: reports/); a folder holding files that netlrt did not write is "
                        "refused, an earlier report's files are replaced, nothing else is touched")
    p.add_argument("--patients", metavar="FILE", help="YAML or CSV file of patients, with an optional patient_id "
                                                      "column or key (default: the article's three cases)")
    p.add_argument("--draws", type=int, default=10_000,
                   help=f"PSA draws per patient, {MIN_DRAWS} to {MAX_DRAWS:,} (default: 10000)")
    p.add_argument("--sobol-draws", type=int, default=1024, metavar="N",
                   help="Sobol base sample per patient, a power of two (default: 1024)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random analyses (default: 0)")
    p.add_argument("--figure-format", choices=FIGURE_FORMATS, default="png",
                   help="format of the figure files beside the page (the page embeds PNG)")
    p.add_argument("--dpi", type=int, default=110,
                   help=f"resolution of raster figures, {MIN_DPI} to {MAX_DPI} (default: 110)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes computing the patients' sections (default: one per core; 1: this process only)")
    add_priors_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress line (the closing line with the timings stays)")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    from ..analysis.sensitivity.sobol import MAX_DRAWS as MAX_SOBOL_DRAWS
    from ..checks import positive_int, power_of_two

    try:
        opts = {"n_draws": positive_int("--draws", args.draws, minimum=MIN_DRAWS, maximum=MAX_DRAWS),
                "sobol_draws": positive_int("--sobol-draws", args.sobol_draws, minimum=8, maximum=MAX_SOBOL_DRAWS),
                "dpi": positive_int("--dpi", args.dpi, minimum=MIN_DPI, maximum=MAX_DPI),
                "workers": None if args.workers is None else positive_int("--workers", args.workers, maximum=256)}
        power_of_two("--sobol-draws", opts["sobol_draws"])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return opts


def run(args: argparse.Namespace) -> int:
    """Build the report; returns the exit status."""
    from ..output.report import build_report

    opts = _options(args)
    patients = None
    if args.patients is not None:
        from ..evidence.patient_io import read_patient_rows

        if args.patients == "":
            raise UsageError("--patients: empty file name; give a YAML or CSV file, or leave --patients out for the "
                             "article's cases")
        rows = read_patient_rows(args.patients)
        if rows.problems:
            more = len(rows.problems) - 1
            raise UsageError(rows.problems[0] + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))
        patients = rows.patients
    model = load_model_from(args.priors)
    try:
        report = build_report(model, args.out, patients=patients, seed=args.seed, progress=not args.quiet,
                              figure_format=args.figure_format, **opts)
    except ValueError as exc:
        raise reword(exc, {"patients": f"--patients {args.patients!r}", "seed": "--seed"}) from None
    print(f"wrote {report.path / 'index.html'} in {report.seconds:.1f} s ({report.timing_line()})")
    return 0
