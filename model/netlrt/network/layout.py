"""Where each network node sits in a drawing: findings and the modality on top, outcomes at the bottom.

Shared by the network figure (:func:`netlrt.plot.plot_network`) and the GeNIe export (:mod:`netlrt.export`),
so the model looks the same in both. Pure computation: no plotting imports.

Examples
--------
>>> pos = layered_positions()
>>> pos["modality"][1] > pos["technique_fit"][1] > pos["hepatic_abscess"][1]
True
"""

from __future__ import annotations

from .declarations import NODE, NODES

__all__ = ["LAYER", "layered_positions", "layers"]

#: Row of each node kind, top (0) to bottom.
LAYER: dict[str, int] = {"finding": 0, "decision": 0, "intermediate": 1, "outcome": 2}


def layers() -> list[list[str]]:
    """Node names per row, ordered left to right to keep edges short.

    The top row keeps the declaration order with the modality in the middle (it feeds most outcomes);
    each lower row is sorted by the mean position of a node's parents (the barycentre heuristic).
    """
    rows: list[list[str]] = [[] for _ in range(max(LAYER.values()) + 1)]
    for node in NODES:
        rows[LAYER[node.kind]].append(node.name)
    top = [n for n in rows[0] if n != "modality"]
    top.insert(len(top) // 2, "modality")
    rows[0] = top
    x = _xs(rows, 0)
    for r in range(1, len(rows)):
        rows[r].sort(key=lambda n: sum(x[p] for p in NODE[n].parents) / len(NODE[n].parents))
        x.update(_xs(rows, r))
    return rows


def layered_positions() -> dict[str, tuple[float, float]]:
    """Node name -> (x, y), x in [0, 1], y = 1 for the top row down to 0 for the bottom row.

    The middle (intermediate) row sits at the two sides: the many edges from the findings and the
    modality straight to the outcomes cross the middle of that row, and would pass behind its nodes.
    """
    rows = layers()
    depth = len(rows) - 1
    return {name: (x, 1.0 - r / depth) for r in range(len(rows)) for name, x in _xs(rows, r).items()}


def _xs(rows: list[list[str]], r: int) -> dict[str, float]:
    row = rows[r]
    if r == 1:  # the intermediate row: spread edge to edge (see layered_positions)
        return {name: 0.5 if len(row) == 1 else i / (len(row) - 1) for i, name in enumerate(row)}
    gap = 1.0 / max(max(map(len, rows)) - 1, 1)  # the widest row spans [0, 1]; others are centred
    return {name: 0.5 + (i - (len(row) - 1) / 2) * gap for i, name in enumerate(row)}
