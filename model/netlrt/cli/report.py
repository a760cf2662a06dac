"""``netlrt report``: the main job, one self-contained HTML page with the figures and tables it shows."""

from __future__ import annotations

import argparse
from typing import Any

from .common import UsageError, add_priors_argument, priors_folder

__all__ = ["MAX_DRAWS", "add_parser", "run"]

#: Largest ``--draws``: the PSA keeps every draw of every parameter in memory for its analyses.
MAX_DRAWS = 1_000_000


def add_parser(sub: Any) -> None:
    p = sub.add_parser("report", help="the HTML report: model, priors, the article's cases, sensitivity analyses")
    p.add_argument("--out", metavar="DIR", default="reports",
                   help="output folder (default: reports/); a folder holding files that netlrt did not write is "
                        "refused, an earlier report's files are replaced, nothing else is touched")
    p.add_argument("--patients", metavar="FILE", help="YAML or CSV file of patients (default: the article's cases)")
    p.add_argument("--draws", type=int, default=10_000, help="PSA draws per patient (default: 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random analyses (default: 0)")
    p.add_argument("--figure-format", choices=("png", "svg", "pdf"), default="png",
                   help="format of the figure files beside the page (the page embeds PNG)")
    p.add_argument("--dpi", type=int, default=110, help="resolution of raster figures (default: 110)")
    add_priors_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ..checks import positive_int
    from ..model import load_model
    from ..output.report import build_report

    try:
        draws = positive_int("--draws", args.draws, minimum=100, maximum=MAX_DRAWS)
        dpi = positive_int("--dpi", args.dpi, minimum=30, maximum=1200)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    patients = None
    if args.patients:
        from ..evidence.patient_io import read_patients

        patients = read_patients(args.patients)
    report = build_report(load_model(priors_folder(args.priors)), args.out, patients=patients, n_draws=draws,
                          seed=args.seed, progress=not args.quiet, figure_format=args.figure_format, dpi=dpi)
    print(f"wrote {report.path / 'index.html'} in {report.seconds:.1f} s ({report.timing_line()})")
    return 0
