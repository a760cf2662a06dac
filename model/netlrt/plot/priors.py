"""Forest plot of the priors: each uncertain parameter's mean and 95% interval against the range the article quotes.

Examples
--------
>>> import netlrt
>>> ax = plot_priors(netlrt.load_model().priors, unit="years")
>>> [t.get_text() for t in ax.get_yticklabels()]
['years_uncontrolled_symptoms', 'median_os_years']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..evidence.priors import PriorSet

__all__ = ["GROUPS", "RANGE_COLOR", "SOURCE_COLORS", "plot_priors", "unit_group"]

SOURCE_COLORS: dict[str, str] = {"article": "#0072B2", "assumption": "#D55E00"}
RANGE_COLOR = "#BBBBBB"
#: Unit group -> (axis scale, x label). Units not listed get their own linear panel.
GROUPS: dict[str, tuple[str, str]] = {
    "probability": ("logit", "probability (logit scale)"),
    "ratio": ("log", "odds or hazard ratio (log scale)"),
    "utility": ("linear", "utility or disutility (share of full health)"),
    "days": ("log", "days (log scale)"),
    "years": ("linear", "years"),
}
_ROW_INCHES = 0.21  # height of one parameter's row; a panel adds room for its title and axis
_PANEL_INCHES = 0.95


def unit_group(unit: str) -> str:
    """The panel a unit is drawn in: odds and hazard ratios share one, utilities and disutilities another.

    Examples
    --------
    >>> unit_group("hazard ratio"), unit_group("disutility"), unit_group("days")
    ('ratio', 'utility', 'days')
    """
    if unit.endswith("ratio"):
        return "ratio"
    return "utility" if unit in ("utility", "disutility") else unit


def plot_priors(priors: PriorSet | Any, *, unit: str | None = None, ids: Sequence[str] | None = None,
                ax: Axes | np.ndarray | None = None, ncols: int = 2) -> Axes | np.ndarray:
    """Forest plot of the uncertain priors, one panel per unit group, coloured by source.

    Each row is one parameter (by id, as in the priors files): its mean (dot) and 95% interval (line) in the
    colour of its source, with the range the article quotes behind it in grey. A modified or updated prior
    (see ``Prior.provenance``) has an open dot. Probabilities are drawn on a logit axis and ratios and
    durations on log axes, so a 1% risk is as legible as a 50% one.

    Parameters
    ----------
    priors : PriorSet or Model
        A model's ``.priors`` is taken.
    unit : str, optional
        One unit group (``'probability'``, ``'ratio'``, ``'utility'``, ``'days'``, ``'years'``): one Axes.
        ``None``: every group, one panel each, in ``ncols`` columns of a new figure.
    ids : sequence of str, optional
        Only these parameters (default: every uncertain one; fixed values have no interval).
    ax : Axes, or array of Axes (one per group when ``unit`` is None), optional
        Drawn into; a new figure when ``None``.
    ncols : int, default 2
        Columns of panels in a new figure with every group.

    Returns
    -------
    Axes, or an array of Axes (one per unit group, in :data:`GROUPS` order) when ``unit`` is None.

    Raises
    ------
    ValueError
        For an unknown id, a unit group with no uncertain parameter, or the wrong number of Axes.

    Examples
    --------
    >>> import netlrt
    >>> axes = plot_priors(netlrt.load_model())
    >>> [a.get_title(loc="left").split(":")[0] for a in axes]
    ['probability', 'ratio', 'utility', 'days', 'years']
    """
    from ..checks import positive_int

    priors = getattr(priors, "priors", priors)
    chosen = list(priors.uncertain) if ids is None else list(ids)
    unknown = [i for i in chosen if i not in priors]
    if unknown:
        raise ValueError(f"ids: unknown parameter {unknown[0]!r}; allowed: {', '.join(priors)}")
    groups: dict[str, list[Any]] = {}
    for pid in chosen:
        if not priors[pid].is_fixed:
            groups.setdefault(unit_group(priors[pid].unit), []).append(priors[pid])
    order = [g for g in GROUPS if g in groups] + [g for g in groups if g not in GROUPS]
    groups = {g: groups[g] for g in order}
    if unit is not None:
        if unit not in groups:
            raise ValueError(f"unit: no uncertain parameter in unit group {unit!r}; allowed: {', '.join(groups)}")
        if ax is None:
            from ._style import axes_or_new

            ax = axes_or_new(None, (8, _PANEL_INCHES + _ROW_INCHES * len(groups[unit])))
        return _legend(_forest(ax, groups[unit], unit), groups[unit])
    if not groups:
        raise ValueError("ids: none of the parameters given is uncertain; allowed: ids of uncertain priors")
    ncols = positive_int("ncols", ncols)
    new = ax is None
    axes = _grid(groups, ncols) if new else np.asarray(ax).ravel()
    if len(axes) != len(groups):
        raise ValueError(f"ax: {len(axes)} Axes given for {len(groups)} unit groups ({', '.join(groups)}); "
                         "give one per group or choose one with unit=")
    for a, (name, group) in zip(axes, groups.items()):
        _forest(a, group, name)
    _legend(axes[0], [p for g in groups.values() for p in g], figure=new)
    return axes


def _grid(groups: dict[str, list[Any]], ncols: int) -> np.ndarray:
    """One new figure: the groups in ``ncols`` columns of similar height, each panel as tall as its rows."""
    import matplotlib.pyplot as plt

    heights = {g: _PANEL_INCHES + _ROW_INCHES * len(ps) for g, ps in groups.items()}
    columns: list[list[str]] = [[] for _ in range(min(ncols, len(groups)))]
    for g in sorted(groups, key=lambda g: -heights[g]):  # tallest first into the shortest column
        min(columns, key=lambda c: sum(heights[x] for x in c)).append(g)
    for c in columns:
        c.sort(key=list(groups).index)
    tallest = max(sum(heights[g] for g in c) for c in columns)
    fig = plt.figure(figsize=(7.5 * len(columns), tallest), layout="constrained")
    outer = fig.add_gridspec(1, len(columns))
    made: dict[str, Axes] = {}
    for j, column in enumerate(columns):
        # A shorter column ends with an empty cell, so its rows are as tall as the other column's.
        spare = tallest - sum(heights[g] for g in column)
        ratios = [heights[g] for g in column] + ([spare] if spare > 0.05 else [])
        inner = outer[0, j].subgridspec(len(ratios), 1, height_ratios=ratios)
        for i, g in enumerate(column):
            made[g] = fig.add_subplot(inner[i, 0])
    return np.array([made[g] for g in groups], dtype=object)


def _extent(priors: list[Any]) -> tuple[float, float]:
    """Smallest and largest value drawn: interval ends and quoted values."""
    quoted = [v / p.quote_scale for p in priors for v in p.quoted_values]
    return min([p.low for p in priors] + quoted), max([p.high for p in priors] + quoted)


def _forest(ax: Axes, priors: list[Any], group: str) -> Axes:
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    y = np.arange(len(priors))[::-1]
    scale, xlabel = GROUPS.get(group, ("linear", group))
    for yi, p in zip(y, priors):
        quoted = np.asarray(p.quoted_values, dtype=float) / p.quote_scale
        if quoted.size >= 2:
            ax.plot([quoted.min(), quoted.max()], [yi, yi], color=RANGE_COLOR, lw=8, solid_capstyle="butt", zorder=1)
        elif quoted.size == 1:
            ax.plot(quoted, [yi], marker="|", ms=13, mew=3, color=RANGE_COLOR, ls="none", zorder=1)
        color = SOURCE_COLORS.get(p.source, "#333333")
        ax.plot([p.low, p.high], [yi, yi], color=color, lw=1.6, zorder=2)
        changed = p.provenance != p.source
        ax.plot([p.mean], [yi], "o", ms=4.5, zorder=3, color=color, markerfacecolor="white" if changed else color)
    ax.set_yticks(y, [p.id for p in priors], fontsize=7.5)
    ax.set_ylim(-0.7, len(priors) - 0.3)
    if scale == "logit":
        ax.set_xscale("logit")
        lo, hi = _extent(priors)
        lo, hi = max(min(lo / 1.5, 0.001), 1e-5), min(max(1 - (1 - hi) / 1.5, 0.99), 1 - 1e-5)
        ticks = [t for t in (1e-4, 0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999) if lo <= t <= hi]
        ax.set_xlim(lo, hi)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1%}" if min(v, 1 - v) < 0.01 else f"{v:.0%}"))
    elif scale == "log":
        ax.set_xscale("log")
        ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20] if group == "ratio" else [1, 2, 7, 14, 30, 90, 180, 365]
        lo, hi = _extent(priors)
        ax.set_xlim(lo / 1.3, hi * 1.3)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        if group == "ratio":
            ax.axvline(1.0, color="#777777", lw=0.8, ls=":", zorder=0)
    elif group == "utility":
        ax.set_xlim(0, 1)
    else:
        ax.set_xlim(left=0)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#EEEEEE", zorder=0)
    ax.set_title(f"{group}: mean and 95% interval ({len(priors)})", fontsize=9, loc="left")
    return ax


def _legend(ax: Axes, shown: list[Any], *, figure: bool = False) -> Axes:
    """The key to colours and marks: beside ``ax``, or above the whole figure (``figure``: a new grid of panels)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=c, marker="o", ms=4.5, label=f"source: {s}") for s, c in SOURCE_COLORS.items()
               if any(p.source == s for p in shown)]  # only what the panels show
    if any(p.quoted_values for p in shown):
        handles.append(Patch(color=RANGE_COLOR, label="range quoted in the article"))
    if any(p.provenance != p.source for p in shown):
        handles.append(Line2D([], [], color="#333333", marker="o", ms=4.5, markerfacecolor="white",
                              label="modified or updated"))
    if figure:
        ax.figure.legend(handles=handles, fontsize=8, loc="outside upper center", ncol=len(handles), frameon=False)
    else:
        ax.legend(handles=handles, fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax
