"""The one module that talks to pgmpy.

pgmpy is imported lazily (it takes over a second and warns about its own deprecations at import),
so ``import netlrt`` stays cheap; its import-time warnings are filtered here, not globally.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np

from .declarations import NODES
from .tables import Tables

__all__ = ["build_network", "property_text", "query_yes", "read_network", "reader", "write_network",
           "writer"]


@cache
def _pgmpy() -> SimpleNamespace:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        # pgmpy imports tqdm.auto, which warns inside Jupyter when ipywidgets is absent; we never show its bars.
        warnings.filterwarnings("ignore", message="IProgress not found")
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.inference import VariableElimination
        from pgmpy.models import DiscreteBayesianNetwork
        from pgmpy import readwrite
    return SimpleNamespace(TabularCPD=TabularCPD, VariableElimination=VariableElimination,
                           DiscreteBayesianNetwork=DiscreteBayesianNetwork, readwrite=readwrite)


def build_network(tables: Tables, population: Mapping[str, Mapping[str, float]]) -> Any:
    """A pgmpy ``DiscreteBayesianNetwork`` from one draw of tables (``model.network`` uses the predictive ones).

    A finding's CPD is its population shares, so a query that leaves it out averages over it exactly as
    :func:`netlrt.network.engine.expect` does. The modality is a decision, always set in a query; its
    CPD is uniform and never enters a result.
    """
    if tables.n != 1:
        raise ValueError(f"tables: a pgmpy network holds one draw; got {tables.n} (use tables.mean())")
    pg = _pgmpy()
    names = {n.name: list(n.states) for n in NODES}
    model = pg.DiscreteBayesianNetwork([(p, n.name) for n in NODES for p in n.parents])
    model.add_nodes_from(names)  # roots without edges would otherwise be missing
    model.name = "netlrt"
    cpds = []
    for node in NODES:
        card = len(node.states)
        if not node.parents:
            shares = population.get(node.name)
            values = np.full(card, 1.0 / card) if shares is None else np.array([shares[s] for s in node.states])
            cpds.append(pg.TabularCPD(node.name, card, values.reshape(card, 1),
                                      state_names={node.name: names[node.name]}))
            continue
        table = np.asarray(tables.cpds[node.name][0])
        cpds.append(pg.TabularCPD(
            node.name, card, table.reshape(card, -1),
            evidence=list(node.parents), evidence_card=[len(names[p]) for p in node.parents],
            state_names={node.name: names[node.name], **{p: names[p] for p in node.parents}},
        ))
    model.add_cpds(*cpds)
    model.check_model()
    return model


def query_yes(network: Any, variables: list[str], evidence: Mapping[str, str]) -> dict[str, float]:
    """P(variable = 'yes') for each variable by pgmpy's exact VariableElimination."""
    infer = _pgmpy().VariableElimination(network)
    out = {}
    for var in variables:
        factor = infer.query([var], evidence=dict(evidence), show_progress=False)
        out[var] = float(factor.values[factor.state_names[var].index("yes")])
    return out


def writer(fmt: str) -> Any:
    """pgmpy's writer class for an export format (bif, xmlbif, xdsl, net)."""
    rw = _pgmpy().readwrite
    return {"bif": rw.BIFWriter, "xmlbif": rw.XMLBIFWriter, "xdsl": rw.XDSLWriter, "net": rw.NETWriter}[fmt]


def reader(fmt: str) -> Any:
    """pgmpy's reader class for an export format (bif, xmlbif, xdsl, net)."""
    rw = _pgmpy().readwrite
    return {"bif": rw.BIFReader, "xmlbif": rw.XMLBIFReader, "xdsl": rw.XDSLReader, "net": rw.NETReader}[fmt]


def property_text(text: str) -> str:
    """``text`` on one line, without the characters pgmpy's BIF/NET readers treat as syntax.

    The readers split a property on ``=`` and end it at ``;``; braces and double quotes delimit
    blocks and strings in BIF and NET.
    """
    table = str.maketrans({";": ",", "=": ":", "{": "(", "}": ")", '"': "'"})
    return " ".join(str(text).split()).translate(table)


def write_network(network: Any, path: str, fmt: str, properties: Mapping[str, Mapping[str, str]]) -> None:
    """Write ``network`` to ``path`` with pgmpy's writer, attaching text properties to every node.

    Each format carries the properties as far as it can: BIF ``property`` lines, XMLBIF ``<PROPERTY>``
    elements (one each; pgmpy's writer would keep only the last), Hugin NET node attributes as quoted
    strings, and GeNIe XDSL node ``<comment>`` text in the ``genie`` extension (whose random placement
    :mod:`netlrt.output.export` replaces with the layered layout).
    """
    net = network.copy()
    net.name = network.name or "netlrt"
    if fmt in ("bif", "net"):
        for node, props in properties.items():
            for key, value in props.items():
                text = property_text(value)
                net.nodes[node][key] = f'"{text}"' if fmt == "net" else text
    w = writer(fmt)(net)
    if fmt == "xmlbif":
        import xml.etree.ElementTree as etree

        for node, props in properties.items():
            var = w.variables[node]
            for old in var.findall("PROPERTY"):
                var.remove(old)
            for key, value in props.items():
                etree.SubElement(var, "PROPERTY").text = f"{key} = {property_text(value)}"
    elif fmt == "xdsl":
        import xml.etree.ElementTree as etree

        for elem in w.root.iter("node"):  # the genie extension's per-node layout elements
            node = elem.get("id")
            if node in properties:
                comment = etree.SubElement(elem, "comment")
                comment.text = "\n".join(f"{k}: {property_text(v)}" for k, v in properties[node].items())
    w.write(path)


def read_network(path: str, fmt: str) -> Any:
    """A network written by :func:`write_network`, read back with pgmpy (node properties kept where possible)."""
    kwargs = {"include_properties": True} if fmt in ("bif", "net") else {}
    return reader(fmt)(path, **kwargs).get_model()
