"""Shared look of netlrt's figures: one colour per modality in every plot (Okabe-Ito, colour-blind safe),
readable parameter names, and new figures made one way.

Examples
--------
>>> MODALITY_COLORS["Y90"]
'#CC79A7'
>>> short_label("Odds ratio for abscess after Y90 versus the embolic therapies (assumed)")
'OR for abscess after Y90 versus\\nthe embolic therapies'
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MODALITY_COLORS", "axes_or_new", "axis_label", "check_top", "modality_colors", "short_label"]

#: One colour per modality, the same in every figure.
MODALITY_COLORS: dict[str, str] = {"TAE": "#E69F00", "cTACE": "#56B4E9", "DEE-TACE": "#009E73", "Y90": "#CC79A7"}
#: Colours for options that are not modalities (a hand-built decision problem), in order.
_SPARE = ("#0072B2", "#D55E00", "#F0E442", "#999999", "#000000")

_ABBREVIATIONS = ((r"\bodds ratio\b", "OR"), (r"\bhazard ratio\b", "HR"),
                  (r"\bmedian overall survival\b", "median OS"), (r"\bradioembolization\b", "RE"))


def axes_or_new(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """``ax`` itself, or the Axes of a new figure of ``size`` inches (constrained layout) when ``ax`` is None.

    Parameters
    ----------
    ax : matplotlib Axes or None
    size : (float, float)
        Width and height in inches of a new figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> axes_or_new(None, (3, 2)).figure.get_size_inches().tolist()
    [3.0, 2.0]
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def modality_colors(options: Sequence[str]) -> list[str]:
    """The colour of each option: a modality's own colour, spare colours for anything else.

    Examples
    --------
    >>> modality_colors(["Y90", "watchful waiting"])
    ['#CC79A7', '#0072B2']
    """
    spare = iter(_SPARE * (1 + len(options) // len(_SPARE)))
    return [MODALITY_COLORS.get(o) or next(spare) for o in options]


def short_label(label: str, width: int = 34, lines: int = 2) -> str:
    """A parameter's description shortened to fit a tick label.

    Parentheticals are dropped, common terms abbreviated (odds ratio -> OR, hazard ratio -> HR), and the text
    wrapped to ``lines`` lines of ``width`` characters, cut with an ellipsis beyond.

    Parameters
    ----------
    label : str
    width, lines : int
        Characters per line and the most lines.

    Returns
    -------
    str

    Examples
    --------
    >>> short_label("Hazard ratio for death, G1 versus G2")
    'HR for death, G1 versus G2'
    """
    s = re.sub(r"\s*\([^)]*\)", "", label)
    for pattern, repl in _ABBREVIATIONS:
        s = re.sub(pattern, repl, s, flags=re.IGNORECASE)
    s = " ".join(s.split()).rstrip(",")
    s = s[:1].upper() + s[1:]
    return "\n".join(textwrap.wrap(s, width, max_lines=lines, placeholder="\u2026"))


def axis_label(label: str, unit: str, width: int = 55, lines: int = 2) -> str:
    """:func:`short_label` with the unit in parentheses (not repeated when the label already ends with it).

    Examples
    --------
    >>> axis_label("Median overall survival after TAE, years", "years")
    'Median OS after TAE (years)'
    """
    label = re.sub(rf",\s*{re.escape(unit)}$", "", label) if unit else label
    return short_label(label, width, lines) + (f" ({unit})" if unit else "")


def check_top(top: Any) -> int | None:
    """``top`` (how many rows a ranked figure shows) validated: a positive integer, or None for every row.

    Examples
    --------
    >>> check_top(5), check_top(None)
    (5, None)
    """
    if top is None:
        return None
    from ..checks import positive_int

    return positive_int("top", top)
