"""``netlrt analyse``: one sensitivity analysis of one patient, as a CSV table and a figure, without the report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import UsageError, add_patient_arguments, add_priors_argument, patient_from_args, priors_folder

__all__ = ["ANALYSES", "add_parser", "run"]

#: Analysis -> what it writes.
ANALYSES = {
    "one-way": "tornado: each parameter over its 95% range, the others at their prior means",
    "two-way": "best modality on a grid of two parameters (--param X --param Y)",
    "threshold": "values of one parameter (--param) at which the recommendation changes",
    "psa": "probabilistic sensitivity analysis: P(best), expected QALYs with 95%% intervals, EVPI",
    "evppi": "expected value of partial perfect information of every parameter, largest first",
    "sobol": "first-order and total Sobol indices of the recommendation's margin",
}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("analyse", help="one sensitivity analysis as CSV and a figure",
                       description="; ".join(f"{k}: {v}" for k, v in ANALYSES.items()))
    p.add_argument("analysis", choices=tuple(ANALYSES))
    add_patient_arguments(p)
    p.add_argument("--param", action="append", default=[], metavar="ID", help="parameter id (threshold, two-way)")
    p.add_argument("--draws", type=int, default=10_000, help="draws for psa/evppi/sobol (default: 10000; sobol 1024)")
    p.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--out", metavar="DIR", default=".", help="folder for <analysis>.csv and <analysis>.<format>")
    p.add_argument("--figure-format", choices=("png", "svg", "pdf"), default="png")
    add_priors_argument(p)


def _compute(model: Any, patient: Any, args: argparse.Namespace) -> tuple[Any, Any]:
    from .. import plot
    from ..checks import positive_int
    from .report import MAX_DRAWS

    kind, params = args.analysis, args.param
    need = {"threshold": 1, "two-way": 2}.get(kind, 0)
    if len(params) != need:
        raise UsageError(f"--param: {kind} takes {need} parameter id(s), got {len(params)}")
    if kind == "one-way":
        res = model.one_way(patient)
        return res.to_df(), plot.plot_tornado(res)
    if kind == "two-way":
        res = model.two_way(patient, *params)
        return res.to_df(), plot.plot_two_way(res)
    if kind == "threshold":
        res = model.threshold(patient, params[0])
        return res.to_df(), plot.plot_threshold(res)
    draws = positive_int("--draws", args.draws if kind != "sobol" or args.draws != 10_000 else 1024, minimum=2,
                         maximum=MAX_DRAWS)
    if kind == "sobol":
        res = model.sobol(patient, n_draws=draws, seed=args.seed)
        return res.to_df(), plot.plot_sobol(res)
    psa = model.psa(patient, n_draws=draws, seed=args.seed)
    if kind == "psa":
        return psa.to_df(), plot.plot_prob_best(psa)
    ranking = psa.evppi_ranking(seed=args.seed)
    return ranking, plot.plot_evppi(ranking)


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..files import atomic_write, csv_safe_frame
    from ..model import load_model

    out = Path(args.out)
    if not out.is_dir():
        raise UsageError(f"--out: {args.out!r} is not an existing folder")
    model = load_model(priors_folder(args.priors))
    table, ax = _compute(model, patient_from_args(args), args)
    name = args.analysis.replace("-", "_")
    with atomic_write(out / f"{name}.csv", what="--out") as f:
        csv_safe_frame(table).to_csv(f, index=False)
    fig = ax.figure
    with atomic_write(out / f"{name}.{args.figure_format}", what="--out", mode="wb") as f:
        fig.savefig(f, format=args.figure_format, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {out / (name + '.csv')} and {out / (name + '.' + args.figure_format)}")
    return 0
