"""Export the network to the files other Bayesian-network tools open: BIF, XMLBIF, GeNIe XDSL, Hugin NET.

The exported network holds the prior-mean CPDs (``model.network``). Every node carries its provenance
as text properties: its kind and description, the ids of the parameters behind its table with their
source (article or assumption) and reference numbers, and the justification of each incoming edge.
Formats differ in what they keep: BIF, XMLBIF and NET store node properties, XDSL a node comment.
XMLBIF allows only letters, digits and underscores in state names, so pgmpy writes ``DEE-TACE`` as
``DEE_TACE`` there.

Examples
--------
>>> import netlrt, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "netlrt.bif")
>>> export(netlrt.load_model(), path).suffix
'.bif'
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._io import atomic_path

if TYPE_CHECKING:
    from .model import Model

#: File suffix -> format. ``.xml`` is the usual suffix of XMLBIF files.
SUFFIXES: dict[str, str] = {".bif": "bif", ".xmlbif": "xmlbif", ".xml": "xmlbif", ".xdsl": "xdsl", ".net": "net"}


def export(model: Model, path: str | Path, format: str | None = None) -> Path:
    """Write ``model.network`` with its provenance to ``path``.

    Parameters
    ----------
    model
        The model whose prior-mean network is written.
    path
        Output file. Written to a temporary file next to it and moved into place, so an existing
        file is replaced only by a complete one.
    format : {'bif', 'xmlbif', 'xdsl', 'net'}, optional
        ``None``: from the suffix (``.bif``, ``.xmlbif`` or ``.xml``, ``.xdsl``, ``.net``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        For an unknown format or suffix, or a folder that does not exist or cannot be written.

    Examples
    --------
    >>> import netlrt, tempfile, os
    >>> out = export(netlrt.load_model(), os.path.join(tempfile.mkdtemp(), "model.xdsl"))
    >>> out.read_text().count("<cpt ")
    18
    """
    from .pgmpy_adapter import FORMATS, write_network

    path = Path(path)
    if format is None:
        if path.suffix.lower() not in SUFFIXES:
            raise ValueError(f"export: cannot tell the format from the file name {path.name!r}; end it with one of "
                             f"{', '.join(SUFFIXES)} or give the format ({', '.join(FORMATS)})")
        format = SUFFIXES[path.suffix.lower()]
    if format not in FORMATS:
        raise ValueError(f"format: unknown export format {format!r}; allowed: {', '.join(FORMATS)}")
    if path.is_dir():
        raise ValueError(f"export: {str(path)!r} is a folder; give a file name such as {str(path / 'netlrt.bif')!r}")
    if not path.parent.is_dir():
        raise ValueError(f"export: folder {str(path.parent)!r} does not exist")
    from .layout import layered_positions

    with atomic_path(path, what="export") as tmp:
        write_network(model.network, str(tmp), format, node_properties(model), layered_positions())
    return path


def node_properties(model: Model) -> dict[str, dict[str, str]]:
    """Provenance text of every node: kind, label, parameters, provenance of each parameter, edges.

    Property names are lower-case letters only, the strictest rule among the formats (Hugin NET).

    Examples
    --------
    >>> import netlrt
    >>> props = node_properties(netlrt.load_model())
    >>> props["objective_response"]["parameters"].split(", ")[:2]
    ['response_y90', 'response_tae']
    """
    from .structure import EDGES, NODES

    by_node = parameters_by_node(model.means)
    out = {}
    for node in NODES:
        ids = by_node.get(node.name, [])
        props = {"kind": node.kind, "label": node.description}
        if ids:
            props["parameters"] = ", ".join(ids)
            props["provenance"] = " | ".join(_provenance(model.priors[i]) for i in ids)
        if node.parents:
            props["edges"] = " | ".join(
                f"{p} -> {node.name} ({EDGES[(p, node.name)][0]}): {EDGES[(p, node.name)][1]}" for p in node.parents)
        out[node.name] = props
    return out


def parameters_by_node(values: Mapping[str, float]) -> dict[str, list[str]]:
    """Node name -> ids of the parameters its CPD depends on, in priors order.

    Found by moving each parameter and seeing which tables change, so it follows
    :func:`netlrt.cpds.build_tables` without a second copy of its wiring.

    Examples
    --------
    >>> from netlrt.priors import load_priors
    >>> parameters_by_node(load_priors().means())["carcinoid_crisis"]
    ['carcinoid_crisis_functional', 'carcinoid_crisis_nonfunctional']
    """
    import numpy as np

    from .cpds import build_tables

    base = build_tables(values)
    out: dict[str, list[str]] = {}
    for pid, v in values.items():
        # Halving moves every parameter inside its support (probabilities, ratios, years) and off its value.
        moved = build_tables({**values, pid: v / 2 if v else 0.5})
        for node, table in moved.items():
            if not np.allclose(table, base[node], rtol=0, atol=1e-12):
                out.setdefault(node, []).append(pid)
    return out


def _provenance(prior: Any) -> str:
    refs = f", refs {','.join(map(str, prior.refs))}" if prior.refs else ""
    return f"{prior.id}: {prior.source}{refs}"


# --------------------------------------------------------------------------------------- command line

def add_cli_parser(sub: Any) -> None:
    """Declare ``netlrt export``."""
    p = sub.add_parser("export", help="write the network (prior means, with provenance) for other BN tools")
    p.add_argument("--format", choices=("bif", "xmlbif", "xdsl", "net"),
                   help="file format (default: from the suffix of --out)")
    p.add_argument("--out", metavar="FILE", required=True, help="output file")
    p.add_argument("--priors", metavar="DIR", help="priors folder (default: the shipped priors)")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``netlrt export``; a mistake raises ValueError, which the CLI reports in one line."""
    from .model import load_model

    path = export(load_model(args.priors), args.out, args.format)
    print(f"wrote {path}")
    return 0
