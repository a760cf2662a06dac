"""The network drawn in layers: findings and the modality on top, intermediate nodes, outcomes below."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Fill colour of each node kind (colour-blind-safe Okabe-Ito hues).
KIND_COLORS: dict[str, str] = {
    "finding": "#56B4E9",
    "decision": "#E69F00",
    "intermediate": "#CCCCCC",
    "outcome": "#009E73",
}
KIND_LABELS: dict[str, str] = {
    "finding": "patient finding", "decision": "decision (modality)",
    "intermediate": "intermediate (deterministic)", "outcome": "outcome",
}


def plot_network(model: Any, *, ax: Axes | None = None) -> Axes:
    """Draw ``model.network``: nodes coloured by kind, edges solid when the article states them, dashed when assumed.

    Parameters
    ----------
    model : netlrt.Model
        Its pgmpy network is drawn, laid out by :func:`netlrt.layout.layered_positions`.
    ax : matplotlib Axes, optional
        Drawn into; a new 13 x 6.5 inch figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_network
    >>> ax = plot_network(netlrt.load_model())
    >>> ax.get_title()
    'netlrt network: what drives what'
    """
    from ..layout import layered_positions
    from ..structure import EDGES, NODE

    if ax is None:
        _, ax = plt.subplots(figsize=(13, 6.5))
    graph = nx.DiGraph(model.network.edges)
    graph.add_nodes_from(model.network.nodes)
    pos = layered_positions()
    boxes = {}
    for n in graph.nodes:
        boxes[n] = ax.text(*pos[n], n.replace("_", "\n"), ha="center", va="center", fontsize=8.5, zorder=3,
                           bbox={"boxstyle": "round,pad=0.5", "facecolor": KIND_COLORS[NODE[n].kind],
                                 "edgecolor": "#333333", "linewidth": 0.8})
    # Arrows are clipped to the label boxes (patchA/patchB), so they are drawn after them (higher zorder),
    # once the boxes have their final size.
    for parent, child in graph.edges:
        ax.annotate("", xy=pos[child], xytext=pos[parent], zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 1.0, "shrinkA": 2, "shrinkB": 2,
                                "linestyle": "-" if EDGES[(parent, child)][0] == "article" else "--",
                                "patchA": boxes[parent].get_bbox_patch(), "patchB": boxes[child].get_bbox_patch(),
                                "connectionstyle": "arc3,rad=0.05"})
    handles = [Patch(facecolor=c, edgecolor="#333333", label=KIND_LABELS[k]) for k, c in KIND_COLORS.items()]
    handles += [Line2D([], [], color="#444444", label="edge stated in the article"),
                Line2D([], [], color="#444444", linestyle="--", label="edge assumed (reasoning in the edge table)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=3, frameon=False, fontsize=8)
    ax.set_title("netlrt network: what drives what")
    ax.set_xlim(-0.06, 1.06)
    ax.set_ylim(-0.12, 1.1)
    ax.axis("off")
    return ax
