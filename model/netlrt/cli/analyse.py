"""``netlrt analyse``: one sensitivity analysis of one patient, as a CSV table and a figure, without the report.

Writes ``<analysis>.csv`` (``one_way.csv``, ``two_way.csv``, ...) and the figure ``<analysis>.<format>`` into
``--out DIR``; a file of that name there is replaced whole (atomically), nothing else is touched.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..analysis import MIN_DRAWS
from ..output.page import FIGURE_FORMATS, MAX_DPI, MIN_DPI, figure_bytes
from .common import (UsageError, add_patient_arguments, add_priors_argument, check_output_file, check_preference,
                     load_model_from, patient_from_args, reword)

__all__ = ["ANALYSES", "DEFAULT_DRAWS", "add_parser", "run"]

#: Analysis -> what it writes.
ANALYSES = {
    "one-way": "tornado: each parameter over its 95% range, the others at their prior means",
    "two-way": "best modality on a grid of two parameters (--param X --param Y)",
    "threshold": "values of one parameter (--param) at which the recommendation changes",
    "psa": "probabilistic sensitivity analysis: P(best), expected QALYs with 95% intervals, EVPI",
    "evppi": "expected value of partial perfect information of every parameter, largest first",
    "sobol": "first-order and total Sobol indices of the recommendation's margin",
}
#: ``--draws`` when not given: PSA draws (psa, evppi) or Sobol's base sample N (a power of two).
DEFAULT_DRAWS = {"psa": 10_000, "evppi": 10_000, "sobol": 1024}
_PARAMS = {"threshold": 1, "two-way": 2}


def add_parser(sub: Any) -> None:
    """Register ``netlrt analyse``."""
    p = sub.add_parser("analyse", help="one sensitivity analysis as CSV and a figure",
                       description="; ".join(f"{k}: {v}" for k, v in ANALYSES.items()))
    p.add_argument("analysis", choices=tuple(ANALYSES))
    add_patient_arguments(p)
    p.add_argument("--param", action="append", default=[], metavar="ID",
                   help="uncertain parameter id (threshold: one; two-way: two); `netlrt priors show` lists them")
    p.add_argument("--draws", type=int, help=f"psa, evppi: PSA draws, at least {MIN_DRAWS} (default 10000); sobol: "
                                             "base sample N, a power of two, at least 8 (default 1024)")
    p.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--out", metavar="DIR", default=".",
                   help="existing folder for <analysis>.csv and the figure, e.g. one_way.csv and one_way.png; "
                        "files of those names there are replaced, unless read-only (default: the current folder)")
    p.add_argument("--figure-format", choices=FIGURE_FORMATS, default="png", help="format of the figure file "
                   "(default: png)")
    p.add_argument("--dpi", type=int, default=110, help="resolution of a PNG figure (default: 110)")
    add_priors_argument(p)


def _draws(args: argparse.Namespace) -> int:
    from ..analysis.sensitivity.sobol import MAX_DRAWS as MAX_SOBOL_DRAWS
    from ..checks import positive_int
    from .report import MAX_DRAWS

    if args.analysis not in DEFAULT_DRAWS:
        if args.draws is not None:
            raise UsageError(f"--draws: {args.analysis} draws nothing; leave --draws out (used by psa, evppi, sobol)")
        return 0
    if args.draws is None:
        return DEFAULT_DRAWS[args.analysis]
    try:
        n = positive_int("--draws", args.draws, minimum=MIN_DRAWS if args.analysis != "sobol" else 8,
                         maximum=MAX_DRAWS if args.analysis != "sobol" else MAX_SOBOL_DRAWS)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.analysis == "sobol" and n & (n - 1):
        raise UsageError(f"--draws: Sobol's base sample must be a power of two, got {n}; allowed e.g. "
                         f"{1 << (n.bit_length() - 1)} or {1 << n.bit_length()}")
    return n


def _params(model: Any, args: argparse.Namespace) -> list[str]:
    import difflib

    need = _PARAMS.get(args.analysis, 0)
    if len(args.param) != need:
        raise UsageError(f"--param: {args.analysis} takes {need} parameter id(s), got {len(args.param)}")
    uncertain = list(model.priors.uncertain)
    for pid in args.param:
        if pid in uncertain:
            continue
        if pid in model.priors:
            raise UsageError(f"--param: {pid!r} is fixed (no uncertainty to vary); allowed: an uncertain parameter, "
                             "as `netlrt priors show` lists them (distribution beta or lognormal)")
        near = difflib.get_close_matches(pid, uncertain, n=3)
        raise UsageError(f"--param: unknown parameter {pid!r}"
                         + (f"; did you mean {', '.join(near)}?" if near else "")
                         + " (`netlrt priors show` lists every parameter id)")
    if len(set(args.param)) != len(args.param):
        raise UsageError(f"--param: give two different parameters, got {args.param[0]!r} twice")
    return list(args.param)


def _compute(model: Any, patient: Any, args: argparse.Namespace, draws: int,
             params: list[str]) -> tuple[Any, Any, str]:
    """The analysis's table, its figure's axes and what the command prints beside the files' names."""
    from .. import plot

    kind = args.analysis
    if kind == "one-way":
        res = model.one_way(patient)
        return res.to_df(), plot.plot_tornado(res), ""
    if kind == "two-way":
        res = model.two_way(patient, *params)
        return res.to_df(), plot.plot_two_way(res), ""
    if kind == "threshold":
        res = model.threshold(patient, params[0])
        return res.to_df(), plot.plot_threshold(res), ""
    if kind == "sobol":
        res = model.sobol(patient, n_draws=draws, seed=args.seed)
        return res.to_df(), plot.plot_sobol(res), ""
    psa = model.psa(patient, n_draws=draws, seed=args.seed)
    evpi = psa.evpi()
    line = f"; EVPI {float(evpi):.4g} QALY per patient (SE {evpi.se:.2g})"
    if kind == "psa":
        return psa.to_df(), plot.plot_prob_best(psa), line
    ranking = psa.evppi_ranking(seed=args.seed)
    return ranking, plot.plot_evppi(ranking), line


def run(args: argparse.Namespace) -> int:
    """Run one analysis and write its table and figure; returns the exit status."""
    from ..checks import positive_int
    from ..files import atomic_write, csv_safe_frame

    out = Path(args.out)
    if args.out == "" or not out.is_dir():
        raise UsageError(f"--out: {args.out!r} is not an existing folder; create it first")
    try:
        dpi = positive_int("--dpi", args.dpi, minimum=MIN_DPI, maximum=MAX_DPI)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    draws = _draws(args)
    patient = patient_from_args(args)
    model = load_model_from(args.priors)
    check_preference(model, patient, args)
    params = _params(model, args)
    ev = model.evaluate(patient)
    if not ev.eligible:
        raise UsageError(f"no recommendation to analyse: {'; '.join(ev.reasons)}")
    name = args.analysis.replace("-", "_")
    csv_path, fig_path = out / f"{name}.csv", out / f"{name}.{args.figure_format}"
    for path in (csv_path, fig_path):  # both before the work, so that neither is written when one would be refused
        check_output_file(str(path), "--out", remedy="choose another folder")

    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    import matplotlib.pyplot as plt

    try:
        table, ax, line = _compute(model, patient, args, draws, params)
    except ValueError as exc:
        raise reword(exc, {"n_draws": "--draws", "param": "--param", "seed": "--seed"}) from None
    fig = ax.figure
    try:
        with atomic_write(csv_path, what="--out") as f:
            csv_safe_frame(table).to_csv(f, index=False)
        with atomic_write(fig_path, what="--out", mode="wb") as f:
            f.write(figure_bytes(fig, args.figure_format, dpi, name))
    finally:
        plt.close(fig)
    print(f"wrote {csv_path} and {fig_path}{line}")
    return 0
