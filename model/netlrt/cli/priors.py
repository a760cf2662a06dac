"""``netlrt priors``: show, copy for editing, refit after an edit, update with study results."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from .common import UsageError, add_priors_argument, priors_folder, reword

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Register ``netlrt priors`` and its actions."""
    p = sub.add_parser("priors", help="show, copy, refit or update a priors folder",
                       description="A priors folder holds the YAML files of every prior, each with its source "
                                   "(the article, with its sentence and references, or an assumption, with its "
                                   "reasoning). The shipped folder is read-only; `init` copies it to edit.")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    show = actions.add_parser("show", help="the provenance table of a priors folder, and which folder is in use",
                              description="Prints which folder is in use, then one row per prior: id, "
                                          "distribution, mean, central 95% range (low, high), unit, how its "
                                          "interval was read (rule), provenance and reference numbers.")
    show.add_argument("folder", nargs="?", help="priors folder (default: the shipped priors)")
    init = actions.add_parser("init", help="copy the shipped priors into a new folder to edit",
                              description="Copies the shipped priors files into the folder, which must be new or "
                                          "empty; nothing there is replaced.")
    init.add_argument("folder", help="a new (or empty) folder for the copy")
    refit = actions.add_parser("refit", help="refit the params of the priors whose interval was edited",
                               description="Refits the params of every prior whose interval no longer matches "
                                           "them, in place, keeping comments and layout. An article-sourced "
                                           "prior whose interval no longer matches its quote needs 'modified: "
                                           "<why>' or source: assumption. All files are written or none.")
    refit.add_argument("folder", help="the priors folder you edited (its files are rewritten, comments kept)")
    update = actions.add_parser("update", help="update priors with a table of study results (CSV)",
                                description="Writes a new priors folder in which each prior named in the "
                                            "table is updated by its studies, each cited; the source folder "
                                            "(--priors) is not changed.")
    update.add_argument("--data", required=True, metavar="CSV", help="one row per study result: parameter, "
                        "citation, population, and events/patients or estimate/lower/upper (95%% interval)")
    update.add_argument("--out", required=True, metavar="DIR", help="new folder for the updated priors")
    update.add_argument("--method", choices=("fixed", "random"), default="fixed",
                        help="fixed: conjugate update; random: random-effects predictive for a new setting")
    update.add_argument("--tau-scale", type=float, help="half-normal scale of the between-study SD (random)")
    add_priors_argument(update)


def _where(path: Any) -> str:
    from ..evidence.priors_files import is_shipped

    if is_shipped(path):
        return f"{path} (the priors shipped with netlrt; copy them with `netlrt priors init DIR` to edit)"
    return f"{path} (your folder; refit it with `netlrt priors refit {path}` after editing an interval)"


def run(args: argparse.Namespace) -> int:
    """Run one action; returns the exit status."""
    try:
        return _run(args)
    except ValueError as exc:  # the library says 'priors: ...'; the user typed `netlrt priors <action>`
        raise reword(exc, {"priors": f"priors {args.action}"}) from None


def _run(args: argparse.Namespace) -> int:
    from ..decision.core import check_priors
    from ..evidence.priors import SHOWN
    from ..evidence.priors_files import init_folder, load_priors, refit_folder

    if args.action == "init":
        dest = init_folder(args.folder)
        print(f"copied the shipped priors to {dest}; edit them, run `netlrt priors refit {dest}`, then use "
              f"--priors {dest}")
        return 0
    if args.action == "refit":
        folder = priors_folder(args.folder, "priors refit")
        ids = refit_folder(folder, check=check_priors)  # a folder the model would refuse is not written
        print(f"refitted {len(ids)} parameter(s) in {args.folder}" + (f": {', '.join(ids)}" if ids else
                                                                       " (every interval already matched)"))
        return 0
    if args.action == "update":
        from ..evidence.studies import update_priors, write_priors
        from ..files import refuse_same_file

        try:
            source = load_priors(priors_folder(args.priors))
        except ValueError as exc:
            raise reword(exc, {"priors": "--priors"}) from None
        if not args.data.strip():
            raise UsageError("--data: empty file name; give the CSV file of study results")
        refuse_same_file(args.out, args.data, what="--out", remedy="choose another folder")
        refuse_same_file(args.out, source.path, what="--out", kind="the priors folder", remedy="choose another folder")
        try:
            with warnings.catch_warnings(record=True) as conflicts:
                warnings.simplefilter("always", UserWarning)
                updated = update_priors(source, args.data, method=args.method, tau_scale=args.tau_scale)
        except ValueError as exc:
            raise reword(exc, {"tau_scale": "--tau-scale"}) from None
        for warning in conflicts:
            print(f"netlrt: warning: {warning.message}", file=sys.stderr)
        out = write_priors(updated, args.out)
        changed = [k for k, p in updated.items() if p.updates and p is not source[k]]
        print(f"updated {len(changed)} prior(s) ({', '.join(changed)}) with {args.data}; wrote {out}")
        return 0
    priors = load_priors(priors_folder(args.folder, "priors show"))
    check_priors(priors)  # refused as every model command would (a prior deleted, an unknown id added)
    print(f"priors: {_where(priors.path)}")
    df = priors.to_df()
    print(df[list(SHOWN)].to_string(index=False))
    return 0

