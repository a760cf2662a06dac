"""Export the network to the files other Bayesian-network tools open: BIF, XMLBIF, GeNIe XDSL, Hugin NET.

The exported network is ``model.network`` (predictive CPDs: each table averaged over the priors). Every node
carries its provenance as text, read from the declarations (:mod:`netlrt.network.declarations`): its kind and
label, what its table is made of, the ids and roles of the priors behind it (``Node.priors()``) with each
prior's provenance (``Prior.provenance``: article or assumption, and whether a researcher modified or
updated it) and reference numbers, and the justification of each incoming edge (``Node.why``, with the
article's sentence). BIF, XMLBIF and NET keep these as node properties, XDSL as a node comment.

Identifiers: GeNIe allows only ``[A-Za-z][A-Za-z0-9_]*`` for node and state ids, and XMLBIF only letters,
digits and underscores in state names, so both files write the modality ``DEE-TACE`` as ``DEE_TACE`` (the
node's comment or properties say so); BIF and NET keep ``DEE-TACE``. XDSL lists the nodes parents first, as
GeNIe requires, under the network id ``netlrt``, laid out as :func:`netlrt.network.layout.layered_positions`.

Examples
--------
>>> import netlrt, tempfile, os
>>> model = netlrt.load_model()
>>> export(model.network, model.priors, os.path.join(tempfile.mkdtemp(), "netlrt.bif")).suffix
'.bif'
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..evidence.priors import PriorSet

__all__ = ["FORMATS", "SUFFIXES", "export", "format_for", "genie_id", "node_properties"]

#: The export formats (pgmpy reads each back).
FORMATS: tuple[str, ...] = ("bif", "xmlbif", "xdsl", "net")
#: File suffix (lower case) -> format.
SUFFIXES: dict[str, str] = {".bif": "bif", ".xml": "xmlbif", ".xmlbif": "xmlbif", ".bifxml": "xmlbif",
                            ".xdsl": "xdsl", ".net": "net"}
#: Formats whose identifiers cannot hold ``-``: a state such as ``DEE-TACE`` is written ``DEE_TACE``.
RENAMING_FORMATS: tuple[str, ...] = ("xmlbif", "xdsl")
_GENIE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# GeNIe canvas: pixels for the unit square of the layout, and each node's box.
_CANVAS_W, _CANVAS_H, _BOX_W, _BOX_H = 1800, 480, 120, 40


def format_for(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The export format of ``path``: from its suffix, or ``format``; a contradiction between them is refused.

    Parameters
    ----------
    path : str or os.PathLike
    format : {'bif', 'xmlbif', 'xdsl', 'net'}, optional
        Needed when the suffix is not one of :data:`SUFFIXES`; must agree with it when it is.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    ValueError
        For an unknown format, a file name whose suffix gives none, or a format that contradicts the suffix.

    Examples
    --------
    >>> format_for("net.XML"), format_for("model.txt", "net")
    ('xmlbif', 'net')
    >>> format_for("m.xdsl", "bif")
    Traceback (most recent call last):
    ...
    ValueError: format: 'bif' contradicts the file name 'm.xdsl', which is xdsl; drop the format or name the file ...
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"format: unknown export format {format!r}; allowed: {', '.join(FORMATS)}")
    name = os.path.basename(os.fspath(path))
    implied = SUFFIXES.get(os.path.splitext(name)[1].lower())
    if format is None and implied is None:
        raise ValueError(f"path: cannot tell the format from the file name {name!r}; end it with one of "
                         f"{', '.join(SUFFIXES)} or give the format ({', '.join(FORMATS)})")
    if format is not None and implied is not None and format != implied:
        fits = ", ".join(s for s, f in SUFFIXES.items() if f == format)
        raise ValueError(f"format: {format!r} contradicts the file name {name!r}, which is {implied}; drop the "
                         f"format or name the file with {fits}")
    return format or implied  # type: ignore[return-value]


def genie_id(name: str) -> str:
    """``name`` as a GeNIe identifier (``[A-Za-z][A-Za-z0-9_]*``): other characters become ``_``.

    Examples
    --------
    >>> genie_id("DEE-TACE"), genie_id("3y")
    ('DEE_TACE', 'n_3y')
    """
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return out if _GENIE.fullmatch(out) else f"n_{out}"


def node_properties(priors: PriorSet, *, renamed: bool = False) -> dict[str, dict[str, str]]:
    """Provenance text of every node, from the declarations and the priors.

    Keys (lower-case letters only, the strictest rule among the formats, Hugin NET's): ``kind``, ``label``,
    ``table`` (what the table is made of), ``parameters`` (prior ids with their roles), ``provenance`` (each
    prior's provenance and references), ``edges`` (each incoming edge's source and justification) and, when
    ``renamed``, ``states`` (the states written under another id).

    Parameters
    ----------
    priors : PriorSet
        The priors the network was built from (their provenance records modifications and updates).
    renamed : bool, default False
        Whether the format writes states as GeNIe identifiers (see :func:`genie_id`).

    Returns
    -------
    dict
        Node name -> property name -> text.

    Examples
    --------
    >>> import netlrt
    >>> props = node_properties(netlrt.load_model().priors)
    >>> props["hepatic_abscess"]["provenance"].split(" | ")[0]
    'abscess_intact: assumption'
    """
    from ..network.declarations import NODES

    out: dict[str, dict[str, str]] = {}
    for node in NODES:
        props = {"kind": node.kind, "label": node.label}
        if node.kind == "decision":
            props["table"] = "uniform: a decision is always set in a query, so its table never enters a result"
        elif not node.parents:
            props["table"] = "population shares of the treated population (priors: population)"
        elif node.form is not None:
            props["table"] = f"{type(node.form).__name__.lower()}: averaged over the priors' uncertainty"
        ids = node.priors()
        if ids:
            props["parameters"] = ", ".join(f"{pid} ({role})" for pid, role in ids.items())
            props["provenance"] = " | ".join(_provenance(priors, pid) for pid in ids)
        if node.parents:
            props["edges"] = " | ".join(_edge(node, p) for p in node.parents)
        if renamed:
            changed = [f"{genie_id(s)} is {s}" for s in node.states if genie_id(s) != s]
            if changed:
                props["states"] = "written as identifiers: " + ", ".join(changed)
        out[node.name] = props
    return out


def export(network: Any, priors: PriorSet, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``network`` with the provenance of every node to ``path``.

    Parameters
    ----------
    network : pgmpy DiscreteBayesianNetwork
        ``model.network``.
    priors : PriorSet
        ``model.priors``: the provenance written beside each table.
    path : str or os.PathLike
        The file. Written through :func:`netlrt.files.atomic_write`: a plain file is replaced only by a complete
        one, a symlink is written through (the link stays), a device such as ``/dev/stdout`` is written to.
    format : {'bif', 'xmlbif', 'xdsl', 'net'}, optional
        ``None``: from the suffix (``.bif``; ``.xml``, ``.xmlbif``, ``.bifxml``; ``.xdsl``; ``.net``). Given with
        one of those suffixes, it must agree.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        For an unknown or contradictory format, a folder, a missing folder, a file that cannot be written or a
        file of the model's priors.

    Examples
    --------
    >>> import netlrt, tempfile, os
    >>> model = netlrt.load_model()
    >>> out = export(model.network, model.priors, os.path.join(tempfile.mkdtemp(), "model.xdsl"))
    >>> out.read_text().count("<cpt ") == len(model.network.nodes)
    True
    """
    import tempfile

    from ..evidence.priors_files import _files
    from ..files import atomic_write, refuse_same_file
    from ..network.layout import layered_positions
    from ..network.pgmpy_adapter import write_network

    fmt = format_for(path, format)
    try:  # the command line refuses every file it read; from Python, the priors' own files
        own = _files(priors.path)
    except ValueError:  # the folder is gone or unlistable: none of its files can be written over
        own = []
    refuse_same_file(path, *own, what="path", kind="a file of the model's priors",
                     why="writing it would destroy the priors", remedy="choose another file")
    props = node_properties(priors, renamed=fmt in RENAMING_FORMATS)
    # pgmpy's writers take a file name (and open it in the locale's encoding); the text is rendered in a private
    # folder first, so the user's file is written only once, atomically, as UTF-8.
    with tempfile.TemporaryDirectory(prefix="netlrt-export-") as tmp:
        rendered = os.path.join(tmp, f"network.{fmt}")
        write_network(network, rendered, fmt, props)
        text = Path(rendered).read_text(encoding="utf-8")
    if fmt == "xdsl":
        text = _genie(text, layered_positions())
    with atomic_write(path, what="path") as f:
        f.write(text)
    return Path(path)


def _provenance(priors: PriorSet, pid: str) -> str:
    if pid not in priors:
        return f"{pid}: missing from the priors"
    p = priors[pid]
    refs = f", refs {','.join(map(str, p.refs))}" if p.refs else ""
    return f"{pid}: {p.provenance}{refs}"


def _edge(node: Any, parent: str) -> str:
    why = node.why[parent]
    quote = f" Quoted: \u201c{why.quote}\u201d" if why.quote and why.quote not in why.text else ""
    return f"{parent} -> {node.name} ({why.source}): {why.text}{quote}"


def _genie(text: str, positions: dict[str, tuple[float, float]]) -> str:
    """pgmpy's XDSL made valid for GeNIe: parents first, identifier ids, network id ``netlrt``, the layout kept."""
    import xml.etree.ElementTree as etree

    from ..network.declarations import NODES

    root = etree.fromstring(text.encode("utf-8"))
    root.set("id", "netlrt")
    nodes = root.find("nodes")
    cpts = {c.get("id"): c for c in nodes.findall("cpt")}
    order = [n.name for n in NODES if n.name in cpts] + [n for n in cpts if n not in {m.name for m in NODES}]
    for cpt in list(nodes):
        nodes.remove(cpt)
    for name in order:  # the declarations list every parent before its child
        cpt = cpts[name]
        cpt.set("id", genie_id(name))
        for state in cpt.findall("state"):
            state.set("id", genie_id(state.get("id")))
        parents = cpt.find("parents")
        if parents is not None:
            parents.text = " ".join(genie_id(p) for p in parents.text.split())
        nodes.append(cpt)
    genie = root.find("extensions/genie")
    genie.set("name", "netlrt")
    rank = {name: i for i, name in enumerate(order)}
    for elem in sorted(genie.findall("node"), key=lambda e: rank.get(e.get("id"), len(rank))):
        genie.remove(elem)
        genie.append(elem)  # the same parents-first order as the tables'
    for elem in genie.findall("node"):
        name = elem.get("id")
        elem.set("id", genie_id(name))
        if name in positions:
            x, y = positions[name]
            left = round(30 + _CANVAS_W * x - _BOX_W / 2)
            top = round(30 + _CANVAS_H * (1 - y) - _BOX_H / 2)
            elem.find("position").text = f"{left} {top} {left + _BOX_W} {top + _BOX_H}"
    etree.indent(root, space="    ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="unicode") + "\n"
