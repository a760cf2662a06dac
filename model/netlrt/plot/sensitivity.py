"""Figures of the deterministic and global sensitivity analyses (:mod:`netlrt.sensitivity`).

Parameters are named by their readable description (shortened: parentheticals dropped, "odds ratio" ->
"OR", wrapped on two lines), never by raw id, and axes carry units.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ._style import MODALITY_COLORS, axes_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..sensitivity import OneWayResult, SobolResult, ThresholdResult, TwoWayResult, WhatIfResult

#: One colour per modality (Okabe-Ito, colour-blind safe), kept the same in every figure.
_FALLBACK = ["#0072B2", "#D55E00", "#F0E442", "#999999", "#000000"]
LOW_COLOR, HIGH_COLOR = "#0072B2", "#D55E00"

_ABBREVIATIONS = ((r"\bodds ratio\b", "OR"), (r"\bhazard ratio\b", "HR"),
                  (r"\bmedian overall survival\b", "median OS"), (r"\bradioembolization\b", "RE"))


def short_label(label: str, width: int = 34, lines: int = 2) -> str:
    """A readable parameter name that fits a tick label: parentheticals dropped, common terms abbreviated,
    wrapped to ``lines`` lines of ``width`` characters (cut with an ellipsis beyond).

    Examples
    --------
    >>> short_label("Odds ratio for abscess after Y90 versus the embolic therapies")
    'OR for abscess after Y90 versus\\nthe embolic therapies'
    """
    s = re.sub(r"\s*\([^)]*\)", "", label)
    for pattern, repl in _ABBREVIATIONS:
        s = re.sub(pattern, repl, s, flags=re.IGNORECASE)
    s = " ".join(s.split()).rstrip(",")
    s = s[:1].upper() + s[1:]
    return "\n".join(textwrap.wrap(s, width, max_lines=lines, placeholder="\u2026"))


def axis_label(label: str, unit: str, width: int = 55, lines: int = 2) -> str:
    """``short_label`` with the unit in parentheses (not repeated when the label already ends with it)."""
    label = re.sub(rf",\s*{re.escape(unit)}$", "", label) if unit else label
    return short_label(label, width, lines) + (f" ({unit})" if unit else "")


def _colors(options: tuple[str, ...] | list[str]) -> list[str]:
    spare = iter(_FALLBACK)
    return [MODALITY_COLORS.get(o) or next(spare) for o in options]


def plot_tornado(result: OneWayResult, *, ax: Axes | None = None, top: int | None = 15) -> Axes:
    """Tornado diagram: the metric with each parameter at its low and high end, largest swing on top.

    The blue bar runs from the base-case value to the value at the parameter's low end, the orange bar to
    its high end; a thin line spans the whole range the metric took on the grid (wider than the bars when
    the metric is not monotone). Parameters whose range changes the recommendation are annotated with the
    option that takes over and where.

    Parameters
    ----------
    result : OneWayResult
    ax : matplotlib Axes, optional
        A new figure (height growing with the rows shown) when ``None``.
    top : int or None, default 15
        Show the ``top`` largest swings (``None``: every parameter).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_tornado
    >>> res = netlrt.load_model().one_way(netlrt.cases.article_cases()["case3_y90"], n_grid=5)
    >>> plot_tornado(res, top=5).get_ylabel()
    ''
    """
    df = result.table if top is None else result.table.head(top)
    df = df.iloc[::-1]  # largest swing drawn at the top
    ax = axes_or_new(ax, (10, 1.2 + 0.42 * len(df)))
    y = np.arange(len(df))
    base = result.base_value
    for yi, r in zip(y, df.itertuples()):
        ends = [(r.metric_at_low, LOW_COLOR), (r.metric_at_high, HIGH_COLOR)]
        for v, color in sorted(ends, key=lambda e: -abs(e[0] - base)):  # the shorter bar stays visible on top
            ax.barh(yi, v - base, left=base, height=0.6, color=color)
    ax.hlines(y, df["metric_min"], df["metric_max"], color="#333333", linewidth=1)
    ax.axvline(base, color="#333333", linewidth=1, linestyle="--")
    ax.set_yticks(y, [f"{short_label(r.label)} [{r.low:.3g}\u2013{r.high:.3g}]" for r in df.itertuples()],
                  fontsize=8)
    span = max(float(df["metric_max"].max() - df["metric_min"].min()), 1e-12)
    for yi, r in zip(y, df.itertuples()):
        # Name every stretch of the range where another therapy is best: "X below v" / "X from v".
        before = (r.best_at_low, *r.switch_to[:-1])
        parts = [f"{a} below {v:.3g}" if a != result.base_best else f"{b} from {v:.3g}"
                 for v, a, b in zip(r.switch_values, before, r.switch_to)]
        if parts:
            text = "; ".join(parts)
            ax.text(r.metric_max + 0.02 * span, yi, "\u21c4 " + text, va="center", fontsize=7.5, color="#B00020")
    ax.set_xlim(df["metric_min"].min() - 0.05 * span, df["metric_max"].max() + 0.45 * span)
    ax.set_xlabel(f"{result.metric} ({result.metric_unit})")
    shown = f"top {len(df)} of {len(result.table)}" if len(df) < len(result.table) else f"all {len(df)}"
    ax.set_title(f"One-way sensitivity ({shown} parameters over [low\u2013high]); base case recommends "
                 f"{result.base_best}\n\u21c4: another therapy is best over part of the range", fontsize=10)
    ax.legend(handles=[Patch(color=LOW_COLOR, label="parameter at its low end"),
                       Patch(color=HIGH_COLOR, label="parameter at its high end"),
                       Line2D([], [], color="#333333", label="range over the grid"),
                       Line2D([], [], color="#333333", linestyle="--", label="base case")],
              loc="lower right", fontsize=7.5, framealpha=0.9)
    return ax


def plot_two_way(result: TwoWayResult, *, ax: Axes | None = None) -> Axes:
    """Regions of the best option over two parameters, with the base case marked.

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_two_way
    >>> res = netlrt.load_model().two_way(netlrt.cases.article_cases()["case3_y90"],
    ...                                   "median_os_y90_years", "or_pes_y90", n=5)
    >>> plot_two_way(res).get_xlabel().endswith("(years)")
    True
    """
    ax = axes_or_new(ax, (7, 5.5))
    opts = list(result.options)
    codes = np.vectorize(opts.index)(result.best)
    cmap = ListedColormap(_colors(opts))
    ax.pcolormesh(result.x_values, result.y_values, codes, cmap=cmap,
                  norm=BoundaryNorm(np.arange(len(opts) + 1) - 0.5, len(opts)), shading="nearest")
    ax.plot(result.x.base, result.y.base, marker="o", markersize=9, color="white", markeredgecolor="black",
            markeredgewidth=1.5, linestyle="")
    ax.set_xlabel(axis_label(result.x.label, result.x.unit))
    ax.set_ylabel(axis_label(result.y.label, result.y.unit))
    ax.set_title("Best therapy by two parameters (others at their means)", fontsize=10)
    present = [o for o in opts if (result.best == o).any()]
    handles = [Patch(color=c, label=o) for o, c in zip(opts, _colors(opts)) if o in present]
    handles.append(Line2D([], [], marker="o", color="white", markeredgecolor="black", linestyle="",
                          label=f"base case ({result.base_best})"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="Best therapy",
              title_fontsize=8)
    return ax


def plot_threshold(result: ThresholdResult, *, ax: Axes | None = None) -> Axes:
    """Each option's utility against the parameter, thresholds marked.

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_threshold
    >>> res = netlrt.load_model().threshold(netlrt.cases.article_cases()["case3_y90"], "or_pes_y90")
    >>> len(plot_threshold(res).get_lines()) >= 4
    True
    """
    ax = axes_or_new(ax, (7, 4.5))
    for j, (o, c) in enumerate(zip(result.options, _colors(result.options))):
        ax.plot(result.grid, result.utilities[:, j], color=c, linewidth=2, label=o)
    lo, hi = result.grid[0], result.grid[-1]
    for t, a, b in zip(result.thresholds, result.best_below, result.best_above):
        ax.axvline(t, color="#333333", linestyle=":", linewidth=1)
        # Labelled above the frame so they never hide a curve; near an edge they lean inwards.
        where = (t - lo) / (hi - lo)
        ha = "right" if where > 0.85 else "left" if where < 0.15 else "center"
        ax.annotate(f"{a}\u2192{b} at {t:.4g}", (t, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha=ha, va="bottom", fontsize=8)
    ax.axvline(result.parameter.base, color="#333333", linestyle="--", linewidth=1, label="base case")
    p = result.parameter
    ax.set_xlabel(axis_label(p.label, p.unit))
    ax.set_ylabel("Expected utility (3-year survival = 1)" if set(result.options) <= set(MODALITY_COLORS)
                  else "Utility")
    if not result.thresholds:
        ax.set_title(f"No change within range: {result.base_best} throughout", fontsize=10)
    else:
        ax.set_title("Threshold analysis", fontsize=10, pad=16)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_sobol(result: SobolResult, *, ax: Axes | None = None, top: int | None = 15) -> Axes:
    """First-order and total Sobol indices with SALib's 95% bootstrap intervals, largest total first.

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_sobol
    >>> res = netlrt.load_model().sobol(netlrt.cases.article_cases()["case3_y90"], n=64)
    >>> plot_sobol(res, top=5).get_xlabel()
    'Sobol index (share of output variance)'
    """
    df = result.table if top is None else result.table.head(top)
    df = df.iloc[::-1]
    ax = axes_or_new(ax, (9, 1.2 + 0.42 * len(df)))
    y = np.arange(len(df))
    h = 0.38
    ax.barh(y + h / 2, df["ST"], height=h, xerr=df["ST_conf"], color="#0072B2", label="total (ST)",
            error_kw={"linewidth": 0.8})
    ax.barh(y - h / 2, df["S1"], height=h, xerr=df["S1_conf"], color="#56B4E9", label="first order (S1)",
            error_kw={"linewidth": 0.8})
    ax.set_yticks(y, [short_label(lbl) for lbl in df["label"]], fontsize=8)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("Sobol index (share of output variance)")
    shown = f"top {len(df)} of {len(result.table)}" if len(df) < len(result.table) else f"all {len(df)}"
    ax.set_title(f"Global sensitivity ({shown} parameters, N = {result.n})\noutput: {result.output}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_whatif(result: WhatIfResult, *, ax: Axes | None = None) -> Axes:
    """Expected utility of each therapy as each finding moves through its states.

    Rows are ``finding = state`` (the patient's own state in bold), columns the therapies; the colour is
    the utility lost against the best therapy in that row (white: the best, which is also boxed).

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_whatif
    >>> res = netlrt.load_model().whatif(netlrt.cases.article_cases()["case3_y90"])
    >>> plot_whatif(res).get_xlabel()
    'Therapy'
    """
    df = result.table
    eu = df.pivot_table(index=["finding", "state"], columns="modality", values="expected_utility", sort=False)
    eu = eu[list(dict.fromkeys(df["modality"]))]
    rows = df.drop_duplicates(["finding", "state"]).reset_index(drop=True)
    loss = eu.to_numpy() - eu.to_numpy().max(axis=1, keepdims=True)
    ax = axes_or_new(ax, (8, 1.0 + 0.32 * len(rows)))
    im = ax.imshow(loss, cmap="Greys_r", vmin=min(float(loss.min()), -1e-9), vmax=0, aspect="auto")
    for i, j in np.ndindex(loss.shape):
        best = loss[i, j] == 0
        ax.text(j, i, f"{eu.iat[i, j]:.3f}", ha="center", va="center", fontsize=7.5,
                fontweight="bold" if best else "normal", color="black" if loss[i, j] > 0.6 * loss.min() else "white")
        if best:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#B00020", linewidth=1.8))
    ax.set_xticks(range(eu.shape[1]), eu.columns)
    ax.set_yticks(range(len(rows)), [f"{r.finding} = {r.state}" for r in rows.itertuples()], fontsize=8)
    for tick, current in zip(ax.get_yticklabels(), rows["current"]):
        tick.set_fontweight("bold" if current else "normal")
    breaks = np.flatnonzero(rows["finding"].to_numpy()[1:] != rows["finding"].to_numpy()[:-1])
    for b in breaks:
        ax.axhline(b + 0.5, color="#B00020", linewidth=0.6, alpha=0.5)
    ax.set_xlabel("Therapy")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    ax.set_title("What-if: each finding through its states (patient's own state in bold; best boxed)",
                 fontsize=10)
    cbar = ax.figure.colorbar(im, ax=ax, shrink=0.6)
    cbar.set_label("Expected utility minus the row's best", fontsize=8)
    return ax
