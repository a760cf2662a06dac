"""``netlrt export``: the network with its provenance for other Bayesian-network tools.

The format comes from the file's extension (``.bif``; ``.xml``, ``.xmlbif``, ``.bifxml``; ``.xdsl``; ``.net``);
``--format`` is needed only for another extension and must agree with a known one. The file is written
atomically, through a symlink (the link stays) or straight to a device such as ``/dev/stdout``; writing over a
file of the priors folder is refused.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_priors_argument, check_output_file, load_model_from, reword

__all__ = ["add_parser", "run"]

_FLAGS = {"path": "--out", "format": "--format"}


def add_parser(sub: Any) -> None:
    """Register ``netlrt export``."""
    from ..output.export import FORMATS

    p = sub.add_parser("export", help="write the network (predictive CPDs, with provenance) for other BN tools",
                       description="Writes the network with each table averaged over the priors, and each node's "
                                   "provenance (priors, sources, reference numbers, each edge's justification) as node "
                                   "properties (XDSL: a comment). XMLBIF and XDSL write the modality DEE-TACE as "
                                   "DEE_TACE. Research use only; not clinical advice.")
    p.add_argument("--out", metavar="FILE", required=True,
                   help="output file; its extension gives the format (.bif, .xml/.xmlbif/.bifxml, .xdsl, .net)")
    p.add_argument("--format", choices=FORMATS, help="must agree with the extension")
    add_priors_argument(p)


def run(args: argparse.Namespace) -> int:
    """Write the network; returns the exit status."""
    from ..output.export import format_for

    check_output_file(args.out, "--out")
    try:
        fmt = format_for(args.out, args.format)
    except ValueError as exc:
        raise reword(exc, _FLAGS) from None
    model = load_model_from(args.priors)  # its priors files are inputs: writing one is refused (protect_inputs)
    try:
        path = model.export(args.out, fmt)
    except ValueError as exc:
        raise reword(exc, _FLAGS) from None
    print(f"wrote {path} ({fmt})")
    return 0
