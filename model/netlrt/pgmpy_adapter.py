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

from .cpds import build_tables
from .structure import NODES


@cache
def _pgmpy() -> SimpleNamespace:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.inference import VariableElimination
        from pgmpy.models import DiscreteBayesianNetwork
        from pgmpy import readwrite
    return SimpleNamespace(TabularCPD=TabularCPD, VariableElimination=VariableElimination,
                           DiscreteBayesianNetwork=DiscreteBayesianNetwork, readwrite=readwrite)


def build_network(values: Mapping[str, float]) -> Any:
    """A pgmpy ``DiscreteBayesianNetwork`` whose CPDs come from one set of parameter values.

    Roots (the findings and the modality) get uniform CPDs: they are always observed in an
    evaluation, so their marginals never enter a result.
    """
    pg = _pgmpy()
    tables = build_tables(values)
    names = {n.name: list(n.states) for n in NODES}
    model = pg.DiscreteBayesianNetwork([(p, n.name) for n in NODES for p in n.parents])
    model.add_nodes_from(names)  # roots without edges would otherwise be missing
    cpds = []
    for node in NODES:
        card = len(node.states)
        if not node.parents:
            cpds.append(pg.TabularCPD(node.name, card, np.full((card, 1), 1.0 / card),
                                      state_names={node.name: names[node.name]}))
            continue
        table = np.asarray(tables[node.name][0])
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
    rw = _pgmpy().readwrite
    return {"bif": rw.BIFReader, "xmlbif": rw.XMLBIFReader, "xdsl": rw.XDSLReader, "net": rw.NETReader}[fmt]
