"""The network drawn in layers from its declarations: findings and the modality on top, intermediates, outcomes below.

Examples
--------
>>> ax = plot_network()
>>> ax.get_title()
'netlrt network: what drives what'
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["EDGE_STYLES", "KIND_COLORS", "KIND_LABELS", "node_text", "plot_network"]

#: Fill colour of each node kind (colour-blind-safe Okabe-Ito hues, light enough for black text).
KIND_COLORS: dict[str, str] = {"finding": "#A6D8F5", "decision": "#F2C36B", "intermediate": "#DDDDDD",
                               "outcome": "#8FD6BD"}
KIND_LABELS: dict[str, str] = {"finding": "patient finding", "decision": "decision (modality)",
                               "intermediate": "intermediate", "outcome": "outcome"}
#: Line style of an edge by the source of its justification.
EDGE_STYLES: dict[str, str] = {"article": "-", "assumption": "--"}


#: Words of node names written as a reader expects them.
_WORDS = {"mg": "", "dl": "(mg/dL)", "3y": "at 3 years", "30d": "at 30 days"}


def node_text(name: str, width: int = 13) -> str:
    """A node's name as drawn: words (units spelled out) on lines of at most ``width`` characters.

    Examples
    --------
    >>> node_text("postembolization_syndrome")
    'postembolization\\nsyndrome'
    >>> node_text("bilirubin_mg_dl")
    'bilirubin\\n(mg/dL)'
    """
    words = " ".join(_WORDS.get(w, w) for w in name.split("_"))
    return "\n".join(textwrap.wrap(words, width, break_long_words=False))


def plot_network(model_or_none: Any = None, *, ax: Axes | None = None) -> Axes:
    """Draw the declared network: nodes coloured by kind, an edge solid when the article states it, dashed when assumed.

    The structure is read from :mod:`netlrt.network.declarations` (no pgmpy network is built) and laid out by
    :func:`netlrt.network.layout.layered_positions`. Each node's label Text has its name as ``gid``, each edge's
    arrow ``"parent->child"``.

    Parameters
    ----------
    model_or_none : Model or None
        Ignored: every model shares the declared structure (kept so ``plot_network(model)`` still works).
    ax : matplotlib Axes, optional
        Drawn into; a new 14 x 7 inch figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_network()
    >>> sorted({a.get_gid().split("->")[1] for a in ax.texts if "->" in (a.get_gid() or "")})[:2]
    ['biliary_injury', 'carcinoid_crisis']
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..network.declarations import EDGE_SOURCES, NODES
    from ..network.layout import layered_positions
    from ._style import axes_or_new

    ax = axes_or_new(ax, (14, 7))
    pos = layered_positions()
    boxes = {}
    for node in NODES:
        text = ax.text(*pos[node.name], node_text(node.name), ha="center", va="center", fontsize=8, zorder=3,
                       bbox={"boxstyle": "round,pad=0.4", "facecolor": KIND_COLORS[node.kind],
                             "edgecolor": "#333333", "linewidth": 0.8})
        text.set_gid(node.name)
        boxes[node.name] = text
    # Arrows are clipped to the label boxes (patchA/patchB), so they are drawn after them and above them.
    for (parent, child), source in EDGE_SOURCES.items():
        arrow = ax.annotate("", xy=pos[child], xytext=pos[parent], zorder=4,
                            arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.9, "shrinkA": 1,
                                        "shrinkB": 1, "linestyle": EDGE_STYLES[source],
                                        "patchA": boxes[parent].get_bbox_patch(),
                                        "patchB": boxes[child].get_bbox_patch(),
                                        "connectionstyle": "arc3,rad=0.04"})
        arrow.set_gid(f"{parent}->{child}")
    handles = [Patch(facecolor=c, edgecolor="#333333", label=KIND_LABELS[k]) for k, c in KIND_COLORS.items()]
    handles += [Line2D([], [], color="#555555", label="edge stated in the article"),
                Line2D([], [], color="#555555", linestyle="--",
                       label="edge assumed or inferred (its reasoning: the edges table)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=6, frameon=False, fontsize=8)
    ax.set_title("netlrt network: what drives what")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.08, 1.08)
    ax.axis("off")
    return ax
