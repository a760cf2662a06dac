"""Figures of the deterministic and global sensitivity analyses (:mod:`netlrt.analysis.sensitivity`).

Parameters are named by their readable description (shortened, see :func:`netlrt.plot._style.short_label`),
the tornado's with the parameter's id beneath it (two shortened descriptions can read alike), and axes carry
units.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from types import SimpleNamespace
>>> sob = SimpleNamespace(table=pd.DataFrame({"label": ["a", "b"], "S1": [0.6, 0.1], "S1_conf": [0.05, 0.04],
...                                           "ST": [0.7, 0.2], "ST_conf": [0.06, 0.05]}), n=1024, output="margin")
>>> plot_sobol(sob).get_xlabel()
'Sobol index (share of output variance)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._style import axes_or_new, axis_label, check_top, modality_colors, short_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis.sensitivity import OneWayResult, SobolResult, ThresholdResult, TwoWayResult, WhatIfResult

__all__ = ["HIGH_COLOR", "LOW_COLOR", "plot_sobol", "plot_threshold", "plot_tornado", "plot_two_way", "plot_whatif",
           "short_label"]

LOW_COLOR, HIGH_COLOR = "#0072B2", "#D55E00"
_OTHER_SIDE = "#F4E1E4"  # background where the base-case recommendation is no longer best
_SWITCH = "#B00020"


def _table(result: Any) -> Any:
    return result.table if hasattr(result, "table") else result.to_df()


def plot_tornado(result: OneWayResult, *, ax: Axes | None = None, top: int | None = 15) -> Axes:
    """Tornado diagram: the metric with each parameter at its low and high end, largest swing on top.

    The blue bar runs from the base-case value to the value at the parameter's low end, the orange bar to its
    high end; a thin line spans the range the metric took over the whole grid. A bar end at which another
    therapy is best is hatched and named, so each bar shows which side of the switch it is on; with the margin
    metric (the base-case recommendation minus its best alternative) the switch is the zero line, and the
    side beyond it is shaded. The exact switch points are written beside the row.

    Parameters
    ----------
    result : OneWayResult
        ``table`` with ``parameter`` (its id), ``label``, ``low``, ``high``, ``metric_at_low``, ``metric_at_high``,
        ``metric_min``, ``metric_max``, ``best_at_low``, ``best_at_high``, ``switch_values``, ``switch_to``; ``metric``,
        ``metric_unit``, ``base_value``, ``base_best``.
    ax : matplotlib Axes, optional
    top : int or None, default 15
        Show the ``top`` largest swings (``None``: every parameter).

    Returns
    -------
    matplotlib.axes.Axes
    """
    top = check_top(top)
    full = _table(result)
    df = (full if top is None else full.head(top)).iloc[::-1]  # largest swing drawn at the top
    ax = axes_or_new(ax, (10, 1.5 + 0.42 * len(df)))
    y = np.arange(len(df))
    base, best = float(result.base_value), result.base_best
    lo_all, hi_all = float(min(df["metric_min"].min(), base)), float(max(df["metric_max"].max(), base))
    span = max(hi_all - lo_all, 1e-12)
    margin = "margin" in str(result.metric).lower()
    if margin and lo_all < 0 < hi_all + 0.05 * span:
        ax.axvspan(lo_all - span, 0, color=_OTHER_SIDE, zorder=0, lw=0, gid="other_side")
        ax.axvline(0, color=_SWITCH, lw=1.2, zorder=1)
    for yi, r in zip(y, df.itertuples()):
        ends = [(r.metric_at_low, LOW_COLOR, r.best_at_low), (r.metric_at_high, HIGH_COLOR, r.best_at_high)]
        for v, color, winner in sorted(ends, key=lambda e: -abs(e[0] - base)):  # the shorter bar drawn on top
            other = winner != best
            ax.barh(yi, v - base, left=base, height=0.6, color=color, zorder=2, edgecolor="white" if other else color,
                    hatch="///" if other else None, lw=0)
            if other:
                ax.annotate(winner, (v, yi), xytext=(-3 if v < base else 3, 0), textcoords="offset points",
                            ha="right" if v < base else "left", va="center", fontsize=7, color=_SWITCH, zorder=4)
    ax.hlines(y, df["metric_min"], df["metric_max"], color="#333333", linewidth=0.9, zorder=3)
    ax.axvline(base, color="#333333", linewidth=1, linestyle="--", zorder=3)
    ax.set_yticks(y, [f"{short_label(r.label)}\n{r.parameter} [{r.low:.3g} to {r.high:.3g}]" for r in df.itertuples()],
                  fontsize=7.5)
    notes = []
    for yi, r in zip(y, df.itertuples()):
        before = getattr(r, "switch_from", None) or (r.best_at_low, *r.switch_to[:-1])
        parts = [f"{a}\u2192{b} at {v:.4g}" for v, a, b in zip(r.switch_values, before, r.switch_to)]
        if parts:
            notes.append(yi)
            ax.text(1.01, yi, "; ".join(parts), transform=ax.get_yaxis_transform(), va="center", fontsize=7.5,
                    color=_SWITCH, clip_on=False)
    ax.set_xlim(lo_all - 0.14 * span, hi_all + 0.14 * span)  # room for the winners named at the bar ends
    ax.set_ylim(-0.6, len(df) - 0.4)
    ax.set_xlabel(f"{result.metric} ({result.metric_unit})", fontsize=9)
    shown = f"top {len(df)} of {len(full)}" if len(df) < len(full) else f"all {len(df)}"
    ax.set_title(f"One-way sensitivity ({shown} parameters over their 95% intervals); best at the prior means: {best}",
                 fontsize=10)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=LOW_COLOR, label="parameter at its low end"),
               Patch(color=HIGH_COLOR, label="parameter at its high end"),
               Patch(facecolor="#999999", edgecolor="white", hatch="///", label="another therapy best there"),
               Line2D([], [], color="#333333", label="range over the grid"),
               Line2D([], [], color="#333333", linestyle="--", label=f"base case ({base:.3g})")]
    if margin:
        handles.append(Patch(color=_OTHER_SIDE, label=f"{best} no longer best (margin < 0)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.09 if len(df) > 4 else -0.2), ncol=3,
              fontsize=7.5, frameon=False)
    return ax


def plot_two_way(result: TwoWayResult, *, ax: Axes | None = None) -> Axes:
    """Regions of the best option over two parameters, with the base case marked.

    Parameters
    ----------
    result : TwoWayResult
        ``x``, ``y`` (parameters with ``label``, ``unit``, ``base``), ``x_values``, ``y_values``, ``best``
        (``(n_y, n_x)`` option names), ``options``, ``base_best``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax = axes_or_new(ax, (7.5, 5.5))
    opts = list(result.options)
    colors = modality_colors(opts)
    codes = np.vectorize(opts.index, otypes=[int])(np.asarray(result.best, dtype=object))
    ax.pcolormesh(result.x_values, result.y_values, codes, cmap=ListedColormap(colors),
                  norm=BoundaryNorm(np.arange(len(opts) + 1) - 0.5, len(opts)), shading="nearest")
    ax.plot(result.x.base, result.y.base, marker="o", markersize=9, color="white", markeredgecolor="black",
            markeredgewidth=1.5, linestyle="")
    ax.set_xlabel(axis_label(result.x.label, result.x.unit))
    ax.set_ylabel(axis_label(result.y.label, result.y.unit))
    ax.set_title("Best therapy by two parameters (the others at their means)", fontsize=10)
    present = set(np.asarray(result.best, dtype=object).ravel())
    handles = [Patch(color=c, label=o) for o, c in zip(opts, colors) if o in present]
    handles.append(Line2D([], [], marker="o", color="white", markeredgecolor="black", linestyle="",
                          label=f"base case ({result.base_best})"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="Best therapy",
              title_fontsize=8)
    return ax


def plot_threshold(result: ThresholdResult, *, ax: Axes | None = None) -> Axes:
    """Each option's expected QALYs against one parameter, the values where the best option changes marked.

    Parameters
    ----------
    result : ThresholdResult
        ``grid``, ``utilities`` (``(n_grid, k)``), ``options``, ``thresholds``, ``best_below``, ``best_above``,
        ``parameter`` (``label``, ``unit``, ``base``), ``base_best``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes_or_new(ax, (7.5, 4.5))
    grid, u = np.asarray(result.grid, dtype=float), np.asarray(result.utilities, dtype=float)
    for j, (o, c) in enumerate(zip(result.options, modality_colors(result.options))):
        ax.plot(grid, u[:, j], color=c, linewidth=2, label=o)
    lo, hi = grid[0], grid[-1]
    for t, a, b in zip(result.thresholds, result.best_below, result.best_above):
        ax.axvline(t, color=_SWITCH, linestyle=":", linewidth=1.2)
        where = (t - lo) / (hi - lo) if hi > lo else 0.5  # labels above the frame lean inwards near an edge
        ha = "right" if where > 0.85 else "left" if where < 0.15 else "center"
        ax.annotate(f"{a}\u2192{b} at {t:.4g}", (t, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha=ha, va="bottom", fontsize=8, color=_SWITCH)
    p = result.parameter
    ax.axvline(p.base, color="#333333", linestyle="--", linewidth=1, label="base case")
    ax.set_xlim(lo, hi)
    ax.set_xlabel(axis_label(p.label, p.unit))
    # at the prior means of the others, not the Bayes expectation over them that evaluate() reports
    ax.set_ylabel(("QALYs" if set(result.options) <= set(_modalities()) else "Utility") + ", others at prior means")
    if not len(result.thresholds):
        ax.set_title(f"No change within range: {result.base_best} throughout", fontsize=10)
    else:
        ax.set_title("Where the best therapy changes", fontsize=10, pad=18)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_sobol(result: SobolResult, *, ax: Axes | None = None, top: int | None = 15) -> Axes:
    """First-order and total Sobol indices with SALib's 95% confidence intervals as error bars, largest total first.

    A row the analysis flags (its ``flag`` column: S1 above ST or below zero beyond the intervals, or a rank
    whose interval reaches a neighbour's) has its label in red with a dagger, and the analysis' notes (e.g.
    that N is too small for a stable ranking) are written under the axes. Without a ``flag`` column, neighbours
    among the rows drawn whose intervals touch are counted in the title instead, by the analysis' own rule
    (:func:`~netlrt.analysis.sensitivity.sobol.overlapping_neighbours`).

    Parameters
    ----------
    result : SobolResult
        ``table`` (or ``to_df()``) with ``label``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (and ``flag``),
        largest ST first; ``n_draws`` (or ``n``), ``output`` and ``notes``.
    ax : matplotlib Axes, optional
    top : int or None, default 15

    Returns
    -------
    matplotlib.axes.Axes
    """
    import textwrap

    top = check_top(top)
    full = _table(result)
    df = (full if top is None else full.head(top)).iloc[::-1]
    ax = axes_or_new(ax, (9, 2.0 + 0.42 * len(df)))
    y = np.arange(len(df))
    h = 0.38
    err = {"linewidth": 0.9, "capsize": 2}
    ax.barh(y + h / 2, df["ST"], height=h, xerr=df["ST_conf"], color="#0072B2", label="total (ST)", error_kw=err)
    ax.barh(y - h / 2, df["S1"], height=h, xerr=df["S1_conf"], color="#56B4E9", label="first order (S1)",
            error_kw=err)
    flags = df["flag"].fillna("").astype(str).to_numpy() if "flag" in df else np.full(len(df), "")
    ax.set_yticks(y, [short_label(lbl) + (" \u2020" if f else "") for lbl, f in zip(df["label"], flags)], fontsize=8)
    for tick, f in zip(ax.get_yticklabels(), flags):
        if f:
            tick.set_color(_SWITCH)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("Sobol index (share of output variance)")
    n = getattr(result, "n_draws", getattr(result, "n", None))
    k = len(df)
    shown = f"top {k} of {len(full)}" if k < len(full) else f"all {k}"
    title = f"Global sensitivity ({shown} parameters, N = {n}; bars: 95% intervals)\noutput: {result.output}"
    notes = list(getattr(result, "notes", ()) or ())
    if "flag" in df:
        if flags.any():
            notes.insert(0, "\u2020 flagged: " + "; ".join(sorted({x for f in flags if f for x in f.split("; ")})))
    else:
        from ..analysis.sensitivity.sobol import NEGLIGIBLE, overlapping_neighbours

        st, conf = full["ST"].to_numpy(dtype=float), full["ST_conf"].to_numpy(dtype=float)
        touching = len(overlapping_neighbours(st, conf, NEGLIGIBLE, top=k))  # among the rows drawn
        if touching:
            pairs = f"{touching} neighbouring pair{'s' if touching != 1 else ''}"
            title += f"\n{pairs} overlap: the ranking is not stable at N = {n}"
    ax.set_title(title, fontsize=9.5)
    if notes:
        text = "\n".join(textwrap.fill(t, 110) for t in notes)
        ax.annotate(text, (0, 0), xycoords="axes fraction", xytext=(0, -34), textcoords="offset points", va="top",
                    fontsize=7.5, color=_SWITCH)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_whatif(result: WhatIfResult, *, ax: Axes | None = None) -> Axes:
    """Expected QALYs of each therapy as each finding moves through its states.

    Rows are ``finding = state`` (the patient's own state in bold), columns the therapies. The best therapy of a
    row shows its expected QALYs and is boxed; every other cell shows how many quality-adjusted days it falls
    behind that best, and is shaded darker the further behind.

    Parameters
    ----------
    result : WhatIfResult
        ``table`` with ``finding``, ``state``, ``current``, ``modality``, ``expected_utility`` (QALYs).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import pandas as pd
    from matplotlib.patches import Rectangle

    from ..decision.utility import DAYS_PER_YEAR

    df = _table(result)
    rows = df.drop_duplicates(["finding", "state"]).reset_index(drop=True)
    # Rows in the table's order (pivot_table would regroup them, putting labels beside other rows' values).
    eu = df.set_index(["finding", "state", "modality"])["expected_utility"].unstack("modality")
    eu = eu.reindex(pd.MultiIndex.from_frame(rows[["finding", "state"]]))[list(dict.fromkeys(df["modality"]))]
    values = eu.to_numpy()
    chosen = np.array([list(eu.columns).index(b) for b in rows["best"]])  # by the tie rule, as the table says
    behind = (values[np.arange(len(rows)), chosen][:, None] - values) * DAYS_PER_YEAR  # >= 0, as the outcome table
    ax = axes_or_new(ax, (7.5, 1.4 + 0.3 * len(rows)))
    top = max(float(behind.max()), 1e-9)
    im = ax.imshow(behind, cmap="Greys", vmin=0, vmax=top, aspect="auto")
    for i, j in np.ndindex(behind.shape):
        best = j == chosen[i]
        text = f"{values[i, j]:.3f}" if best else f"{behind[i, j]:.1f} d"
        ax.text(j, i, text, ha="center", va="center", fontsize=7.5, fontweight="bold" if best else "normal",
                color="black" if behind[i, j] < 0.55 * top else "white")
        if best:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=_SWITCH, linewidth=1.8))
    ax.set_xticks(range(eu.shape[1]), eu.columns)
    ax.set_yticks(range(len(rows)), [f"{r.finding} = {r.state}" for r in rows.itertuples()], fontsize=8)
    for tick, current in zip(ax.get_yticklabels(), rows["current"]):
        tick.set_fontweight("bold" if current else "normal")
    findings = rows["finding"].to_numpy()
    for b in np.flatnonzero(findings[1:] != findings[:-1]):
        ax.axhline(b + 0.5, color="#555555", linewidth=0.6)
    ax.set_xlabel("Therapy")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    ax.set_title("What-if: each finding through its states (the patient's own in bold)\nthe best boxed, in QALYs; "
                 "the others: quality-adjusted days behind it", fontsize=9.5)
    cbar = ax.figure.colorbar(im, ax=ax, shrink=0.6)
    cbar.set_label("quality-adjusted days behind the row's best", fontsize=8)
    return ax


def _modalities() -> tuple[str, ...]:
    from ..evidence.vocabulary import MODALITIES

    return MODALITIES
