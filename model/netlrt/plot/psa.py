"""Figures of a probabilistic sensitivity analysis (:class:`netlrt.analysis.psa.PSAResult`) and its value of
information.

Each takes a result that is already computed: the PSA itself, its acceptability curve
(``psa.acceptability()``) or its EVPPI ranking (``psa.evppi_ranking()``); none runs an analysis.

Examples
--------
>>> import pandas as pd
>>> ranking = pd.DataFrame({"parameter": ["a", "b", "c"], "description": ["A", "B", "C"],
...                         "evppi": [0.002, 0.001, 0.0], "se": [0.0002, 0.0001, 0.0],
...                         "share_of_evpi": [0.5, 0.25, 0.0]})
>>> plot_evppi(ranking).get_title().splitlines()
['Value of learning each parameter', 'all 2 with EVPPI > 0 (3 ranked)']
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from ._style import MODALITY_COLORS, axes_or_new, check_top, short_label

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ..analysis.psa import PSAResult

__all__ = ["plot_acceptability", "plot_evppi", "plot_prob_best", "plot_psa_outcomes"]

#: How the best-on-average modality's stretch of the acceptability curve is drawn, and its key.
_BAND = {"lw": 7, "alpha": 0.4, "solid_capstyle": "butt"}

_Z95 = 1.96  # error bars are 95% intervals: 1.96 standard errors


def plot_prob_best(psa: PSAResult, *, ax: Axes | None = None) -> Axes:
    """Bar chart: share of PSA draws in which each modality has the most expected QALYs.

    Parameters
    ----------
    psa : PSAResult
        Its ``prob_best()`` Series (index modality) is drawn.
    ax : matplotlib Axes, optional
        Drawn into; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> psa = SimpleNamespace(prob_best=lambda: pd.Series({"TAE": 0.1, "cTACE": 0.2, "DEE-TACE": 0.3, "Y90": 0.4}),
    ...                       n_draws=1000)
    >>> [round(float(b.get_height()), 2) for b in plot_prob_best(psa).patches]
    [0.1, 0.2, 0.3, 0.4]
    """
    ax = axes_or_new(ax, (5, 3.5))
    best = psa.prob_best()
    bars = ax.bar(list(best.index), best.to_numpy(), color=[MODALITY_COLORS.get(m, "#999999") for m in best.index])
    ax.bar_label(bars, labels=[f"{x:.0%}" for x in best], padding=2, fontsize=9)
    ax.set_ylim(0, min(1.0, float(best.max()) * 1.15 + 0.05))
    ax.set_xlabel("Modality")
    ax.set_ylabel("P(most expected QALYs)")
    ax.set_title(f"Probability best ({psa.n_draws:,} PSA draws)", fontsize=10)
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    return ax


def plot_acceptability(curve: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Acceptability curve: P(best) of each modality as the weight on harms is scaled.

    Parameters
    ----------
    curve : DataFrame
        From ``psa.acceptability()``: columns ``harm_multiplier``, ``modality``, ``prob_best``, ``optimal``.
        Thick segments mark the modality with the most mean QALYs (the frontier).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When ``curve`` is not such a table (e.g. the PSA itself: pass ``psa.acceptability()``).

    Examples
    --------
    >>> import pandas as pd
    >>> curve = pd.DataFrame({"harm_multiplier": [0, 0, 1, 1], "modality": ["TAE", "Y90"] * 2,
    ...                       "prob_best": [0.7, 0.3, 0.2, 0.8], "optimal": [True, False, False, True]})
    >>> plot_acceptability(curve).get_xlabel()
    'Harm multiplier λ (× every term but survival)'
    """
    _require(curve, "curve", ("harm_multiplier", "modality", "prob_best", "optimal"), "psa.acceptability()")
    ax = axes_or_new(ax, (6.5, 4))
    for m in dict.fromkeys(curve["modality"]):
        d = curve[curve["modality"] == m]
        color = MODALITY_COLORS.get(m, "#999999")
        ax.plot(d["harm_multiplier"], d["prob_best"], color=color, label=m, lw=1.5)
        ax.plot(d["harm_multiplier"], d["prob_best"].where(d["optimal"]), color=color, **_BAND)
    lo, hi = float(curve["harm_multiplier"].min()), float(curve["harm_multiplier"].max())
    if lo <= 1.0 <= hi:
        ax.axvline(1.0, color="0.4", ls="--", lw=1)
        ax.annotate("the patient's own utility", (1.0, 1.0), xycoords=("data", "axes fraction"), xytext=(4, -12),
                    textcoords="offset points", fontsize=8, color="0.3")
    ax.set_xlim(lo, hi if hi > lo else lo + 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Harm multiplier λ (× every term but survival)")
    ax.set_ylabel("P(most expected QALYs)")
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    ax.set_title("Acceptability over the benefit-harm trade-off", fontsize=10)
    from matplotlib.lines import Line2D

    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.5", label="band: best on average\n(the decision)", **_BAND))
    ax.legend(handles=handles, title="Modality", fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_psa_outcomes(psa: PSAResult | pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean and 95% interval of every outcome probability over the PSA draws, per modality.

    Parameters
    ----------
    psa : PSAResult or DataFrame
        The PSA, or its ``summary()`` (columns ``modality``, ``outcome``, ``mean``, ``low``, ``high``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"modality": ["TAE", "Y90"], "outcome": ["objective_response"] * 2, "mean": [0.5, 0.6],
    ...                   "low": [0.4, 0.5], "high": [0.6, 0.7]})
    >>> [t.get_text() for t in plot_psa_outcomes(s).get_yticklabels()]
    ['Objective radiologic response']
    """
    from ..network.declarations import OUTCOME_LABELS, OUTCOMES

    s = psa if hasattr(psa, "columns") else psa.summary()
    _require(s, "psa", ("modality", "outcome", "mean", "low", "high"), "a PSAResult or its summary()")
    outcomes = [o for o in OUTCOMES if o in set(s["outcome"])]
    modalities = list(dict.fromkeys(s["modality"]))
    ax = axes_or_new(ax, (7.5, 1.0 + 0.45 * len(outcomes)))
    offsets = np.linspace(0.3, -0.3, len(modalities)) if len(modalities) > 1 else np.zeros(1)
    y = np.arange(len(outcomes))[::-1]
    for off, m in zip(offsets, modalities):
        d = s[(s["modality"] == m) & s["outcome"].isin(outcomes)].set_index("outcome").loc[outcomes]
        ax.errorbar(d["mean"], y + off, xerr=[d["mean"] - d["low"], d["high"] - d["mean"]], fmt="o", ms=3.5,
                    color=MODALITY_COLORS.get(m, "#999999"), label=m, capsize=2, lw=1.1)
    ax.set_yticks(y, ["\n".join(textwrap.wrap(OUTCOME_LABELS[o], 34, max_lines=2, placeholder="\u2026"))
                      for o in outcomes], fontsize=8)
    for b in y[:-1] - 0.5:
        ax.axhline(b, color="0.9", lw=0.8, zorder=0)
    ax.set_xlim(-0.02, 1.02)  # room for points at exactly 0 or 1
    ax.set_ylim(-0.6, len(outcomes) - 0.4)
    ax.set_xlabel("Probability (mean and 95% interval over PSA draws)")
    ax.set_ylabel("Outcome")
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_title("Outcome probabilities under parameter uncertainty", fontsize=10)
    ax.legend(title="Modality", fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_evppi(ranking: pd.DataFrame, *, ax: Axes | None = None, top: int | None = 10) -> Axes:
    """Horizontal bars: the EVPPI of the parameters of a ranking, with 95% error bars (1.96 SE).

    Exactly the rows drawn are named in the title: the ``top`` first rows of ``ranking`` whose EVPPI is above
    zero (a parameter with no value of information has nothing to show), largest on top. Parameters are
    labelled by their description. The lower axis is in QALYs per patient, the upper in quality-adjusted days.

    Parameters
    ----------
    ranking : DataFrame
        From ``psa.evppi_ranking()``: columns ``parameter``, ``description``, ``evppi``, ``se``, sorted largest
        first.
    ax : matplotlib Axes, optional
    top : int or None, default 10
        At most this many rows (``None``: every row with EVPPI > 0).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        For a ``top`` that is not a positive integer, or a ``ranking`` that is not such a table.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"parameter": ["a"], "description": ["A"], "evppi": [0.003], "se": [0.001]})
    >>> [round(float(b.get_width()), 4) for b in plot_evppi(r).patches]
    [0.003]
    """
    from ..decision.utility import DAYS_PER_YEAR

    top = check_top(top)
    _require(ranking, "ranking", ("parameter", "description", "evppi", "se"), "psa.evppi_ranking()")
    positive = ranking[ranking["evppi"] > 0]
    shown = positive if top is None else positive.head(top)
    d = shown.iloc[::-1]
    ax = axes_or_new(ax, (7.5, 1.6 + 0.42 * max(len(d), 1)))
    y = np.arange(len(d))
    ax.barh(y, d["evppi"].to_numpy(), xerr=_Z95 * d["se"].to_numpy(), color="#0072B2", alpha=0.85,
            error_kw={"capsize": 2, "linewidth": 0.9})
    ax.set_yticks(y, [short_label(t, 44) for t in d["description"]], fontsize=8)
    ax.set_xlim(left=0)
    if not len(d):
        ax.text(0.5, 0.5, "no parameter has EVPPI > 0", transform=ax.transAxes, ha="center", va="center")
        ax.set_yticks([])
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # small EVPPI values have long tick labels
    ax.set_xlabel("EVPPI (QALYs per patient; bars: 95% interval)")
    ax.set_ylabel("Parameter")
    days = ax.secondary_xaxis("top", functions=(lambda q: q * DAYS_PER_YEAR, lambda d: d / DAYS_PER_YEAR))
    days.set_xlabel("quality-adjusted days per patient", fontsize=8)
    days.tick_params(labelsize=8)
    n, k = len(ranking), len(positive)
    which = f"top {len(d)} of {k}" if len(d) < k else f"all {k}"
    # The title clears the upper (days) axis and its label, which the automatic placement does not see.
    ax.set_title(f"Value of learning each parameter\n{which} with EVPPI > 0 ({n} ranked)", fontsize=10, pad=30)
    return ax


def _require(table: Any, name: str, columns: tuple[str, ...], source: str) -> None:
    have = getattr(table, "columns", None)
    missing = [c for c in columns if have is None or c not in have]
    if missing:
        what = type(table).__name__ if have is None else f"a table without {', '.join(missing)}"
        raise ValueError(f"{name}: got {what}; allowed: a DataFrame with columns {', '.join(columns)}, "
                         f"as {source} returns")
