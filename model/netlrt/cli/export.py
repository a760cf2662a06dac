"""``netlrt export``: the network with its provenance for other Bayesian-network tools."""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_priors_argument, priors_folder

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="write the network (predictive CPDs, with provenance) for other BN tools")
    p.add_argument("--out", metavar="FILE", required=True,
                   help="output file; its extension gives the format (.bif, .xml/.xmlbif/.bifxml, .xdsl, .net)")
    p.add_argument("--format", choices=("bif", "xmlbif", "xdsl", "net"), help="must agree with the extension")
    add_priors_argument(p)


def run(args: argparse.Namespace) -> int:
    from ..model import load_model

    path = load_model(priors_folder(args.priors)).export(args.out, args.format)
    print(f"wrote {path}")
    return 0
