"""Where each network node sits in a drawing: findings and the modality on top, outcomes at the bottom, the
intermediate nodes in a column at each side.

Shared by the network figure (:func:`netlrt.plot.plot_network`) and the GeNIe export (:mod:`netlrt.output.export`),
so the model looks the same in both. Pure computation: no plotting imports.

Examples
--------
>>> pos = layered_positions()
>>> pos["modality"][1] > pos["contrast_load"][1] > pos["hepatic_abscess"][1]
True
"""

from __future__ import annotations

from .declarations import NODE, NODES

__all__ = ["LAYER", "MARGIN", "layered_positions", "layers"]

#: Row of each node kind, top (0) to bottom.
LAYER: dict[str, int] = {"finding": 0, "decision": 0, "intermediate": 1, "outcome": 2}
#: The top and bottom rows span [MARGIN, 1 - MARGIN]; the side columns of intermediate nodes sit outside it.
MARGIN = 0.1
_SIDE_X = 0.02  # distance of a side column from the drawing's edge
_SIDE_STEP = 0.2  # vertical distance between nodes stacked in a side column
_SWEEPS = 3  # barycentre sweeps (top row by children, bottom row by parents); the order settles after two


def layers() -> list[list[str]]:
    """Node names per row of :data:`LAYER`, each row left to right (the middle row: left column, then right).

    Returns
    -------
    list of list of str

    Examples
    --------
    >>> top = layers()[0]
    >>> top[len(top) // 2]
    'modality'
    """
    x = layered_positions()
    return [sorted(row, key=lambda n: (x[n][0], -x[n][1])) for row in _rows()]


def _rows() -> list[list[str]]:
    """Node names per row of :data:`LAYER`, in declaration order."""
    rows: list[list[str]] = [[] for _ in range(max(LAYER.values()) + 1)]
    for node in NODES:
        rows[LAYER[node.kind]].append(node.name)
    return rows


def _modality_in_middle(others: list[str], top: list[str]) -> list[str]:
    """The top row's other nodes in order, with the modality (when the row has it) in the middle."""
    return others[:len(others) // 2] + ["modality"] + others[len(others) // 2:] if "modality" in top else others


def layered_positions() -> dict[str, tuple[float, float]]:
    """Node name -> (x, y) in the unit square: y = 1 for the findings and the modality, 0 for the outcomes.

    The top and bottom rows are ordered by the barycentre heuristic (a node sits near the mean position of
    the nodes it is joined to; the modality stays in the middle of the top row, since it feeds most
    outcomes), which keeps edges short and crossings few. The intermediate nodes do not form a row across the
    middle, where the many edges from the top row straight to the outcomes would pass behind them: each goes
    to a column at the left or right edge, on the side of its parents' mean position, stacked in declaration
    order (a chain such as treatment sessions -> procedure sessions reads downwards).

    Returns
    -------
    dict
        Node name -> (x, y).

    Examples
    --------
    >>> pos = layered_positions()
    >>> pos["treatment_sessions"][0] < 0.1 < 0.9 < pos["contrast_load"][0]
    True
    """
    rows = _rows()
    top, middle, bottom = rows[0], rows[LAYER["intermediate"]], rows[-1]
    gap = (1 - 2 * MARGIN) / max(len(top) - 1, len(bottom) - 1, 1)  # the widest row spans the main band
    x: dict[str, float] = {}
    y: dict[str, float] = {}

    def place(row: list[str], height: float) -> None:
        for i, name in enumerate(row):
            x[name], y[name] = 0.5 + (i - (len(row) - 1) / 2) * gap, height

    def mean_x(names: list[str] | tuple[str, ...], default: float) -> float:
        known = [x[n] for n in names if n in x]
        return sum(known) / len(known) if known else default

    children = {n.name: [c.name for c in NODES if n.name in c.parents] for n in NODES}
    order = _modality_in_middle([n for n in top if n != "modality"], top)
    place(order, 1.0)
    _sides(middle, x, y, mean_x)
    for sweep in range(_SWEEPS):
        if sweep:  # the top row follows its children; the modality keeps the middle
            order = _modality_in_middle(sorted((n for n in order if n != "modality"),
                                               key=lambda n: (mean_x(children[n], x[n]), x[n])), top)
            place(order, 1.0)
        place(sorted(bottom, key=lambda n: (mean_x(NODE[n].parents, 0.5), bottom.index(n))), 0.0)
    return {n.name: (x[n.name], y[n.name]) for n in NODES}


def _sides(middle: list[str], x: dict[str, float], y: dict[str, float], mean_x) -> None:  # noqa: ANN001
    left: list[str] = []
    right: list[str] = []
    for name in middle:  # declaration order is topological: a parent in this row is placed before its child
        b = mean_x(NODE[name].parents, 0.5)
        side = left if b < 0.5 or (b == 0.5 and len(right) > len(left)) else right
        side.append(name)
        x[name] = _SIDE_X if side is left else 1 - _SIDE_X
    for column in (left, right):
        for i, name in enumerate(column):
            y[name] = 0.5 + ((len(column) - 1) / 2 - i) * _SIDE_STEP
