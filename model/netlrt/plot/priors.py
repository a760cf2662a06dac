"""Forest plot of the priors: each parameter's mean and 95% interval against the range the article quotes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SOURCE_COLORS: dict[str, str] = {"article": "#0072B2", "assumption": "#D55E00"}
RANGE_COLOR = "#BBBBBB"


def unit_group(unit: str) -> str:
    """The axis a unit is drawn on: odds and hazard ratios share one (log scale); others keep their own."""
    return "ratio" if unit.endswith("ratio") else unit


def plot_priors(priors_or_model: Any, *, unit: str | None = None, ax: Axes | np.ndarray | None = None,
                ids: list[str] | None = None) -> Axes | np.ndarray:
    """Forest plot of the uncertain priors, coloured by source, with the article's quoted range behind.

    Parameters
    ----------
    priors_or_model : PriorSet or Model
    unit : str, optional
        ``'probability'``, ``'ratio'`` (odds and hazard ratios, log scale) or ``'years'``: one Axes for that
        group. ``None``: one panel per group, stacked in one figure (small multiples).
    ax : Axes, or array of Axes (one per group when ``unit`` is None), optional
        A new figure when ``None``.
    ids : list of str, optional
        Only these parameters (default: every parameter with a distribution; fixed thresholds have no interval).

    Returns
    -------
    Axes, or an array of Axes (one per unit group) when ``unit`` is None.

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_priors
    >>> ax = plot_priors(netlrt.load_model(), unit="years")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['median_os_tae_years', 'median_os_tace_years', 'median_os_y90_years']
    """
    priors = getattr(priors_or_model, "priors", priors_or_model)
    chosen = priors.uncertain if ids is None else list(ids)
    unknown = [i for i in chosen if i not in priors]
    if unknown:
        raise ValueError(f"ids: unknown parameter {unknown[0]!r}; allowed: {', '.join(priors)}")
    groups: dict[str, list[Any]] = {}
    for pid in chosen:
        if not priors[pid].is_fixed:
            groups.setdefault(unit_group(priors[pid].unit), []).append(priors[pid])
    if unit is not None:
        if unit not in groups:
            raise ValueError(f"unit: no uncertain parameter in unit group {unit!r}; allowed: {', '.join(groups)}")
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 1.2 + 0.3 * len(groups[unit])), layout="constrained")
        return _legend(_forest(ax, groups[unit], unit))
    if ax is None:
        heights = [len(g) + 2.5 for g in groups.values()]
        _, ax = plt.subplots(len(groups), 1, figsize=(9, 0.28 * sum(heights) + 0.6), layout="constrained",
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    axes = np.asarray(ax).ravel()
    if len(axes) != len(groups):
        raise ValueError(f"ax: {len(axes)} Axes given for {len(groups)} unit groups ({', '.join(groups)}); "
                         "give one per group or choose one with unit=")
    for a, (name, group) in zip(axes, groups.items()):
        _forest(a, group, name)
    _legend(axes[0])
    return axes


def _forest(ax: Axes, priors: list[Any], group: str) -> Axes:
    y = np.arange(len(priors))[::-1]
    for yi, p in zip(y, priors):
        quoted = np.asarray(p.quoted_values, dtype=float) / p.quote_scale
        if quoted.size >= 2:
            ax.plot([quoted.min(), quoted.max()], [yi, yi], color=RANGE_COLOR, lw=9, solid_capstyle="butt", zorder=1)
        elif quoted.size == 1:
            ax.plot(quoted, [yi], marker="|", ms=14, mew=3, color=RANGE_COLOR, zorder=1)
        color = SOURCE_COLORS[p.source]
        ax.plot([p.low, p.high], [yi, yi], color=color, lw=1.8, zorder=2)
        ax.plot([p.mean], [yi], "o", color=color, ms=5, zorder=3)
    ax.set_yticks(y, [p.id for p in priors], fontsize=8)
    ax.set_ylim(-0.8, len(priors) - 0.2)
    if group == "probability":
        ax.set_xlim(0, 1)
    elif group == "ratio":
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator([0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.axvline(1.0, color="#777777", lw=0.8, ls=":", zorder=0)
    units = sorted({p.unit for p in priors})
    ax.set_xlabel(", ".join(units))
    ax.grid(axis="x", color="#EEEEEE", zorder=0)
    ax.set_title(f"Priors ({group}): mean and 95% interval", fontsize=10, loc="left")
    return ax


def _legend(ax: Axes) -> Axes:
    ax.legend(handles=[
        Line2D([], [], color=SOURCE_COLORS["article"], marker="o", label="source: article"),
        Line2D([], [], color=SOURCE_COLORS["assumption"], marker="o", label="source: assumption"),
        Patch(color=RANGE_COLOR, label="range quoted in the article"),
    ], fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax
