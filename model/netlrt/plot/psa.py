"""Figures of a probabilistic sensitivity analysis (:class:`netlrt.psa.PSAResult`)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ..vocabulary import MODALITIES, OUTCOME_LABELS, OUTCOMES
from ._style import MODALITY_COLORS, axes_or_new

_EU_UNITS = "expected utility (3-year survival = 1)"


def plot_prob_best(psa: Any, *, ax: Axes | None = None) -> Axes:
    """Bar chart: share of PSA draws in which each modality has the highest expected utility.

    Examples
    --------
    >>> import netlrt
    >>> from netlrt.plot import plot_prob_best
    >>> psa = netlrt.load_model().psa(netlrt.cases.article_cases()["case3_y90"], 1000, seed=0, progress=False)
    >>> plot_prob_best(psa).get_ylabel()
    'Probability of highest expected utility'
    """
    ax = axes_or_new(ax, (5, 3.5))
    best = psa.prob_best()
    bars = ax.bar(best.index, best.to_numpy(), color=[MODALITY_COLORS[m] for m in best.index])
    ax.bar_label(bars, labels=[f"{x:.0%}" for x in best], padding=2)
    ax.set_ylim(0, min(1.0, best.max() * 1.2 + 0.05))
    ax.set_xlabel("Modality")
    ax.set_ylabel("Probability of highest expected utility")
    ax.set_title(f"Probability best ({psa.n_draws:,} PSA draws)")
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    return ax


def plot_acceptability(curve: Any, *, ax: Axes | None = None) -> Axes:
    """Acceptability curve: P(best) of each modality as the weight on harms is scaled.

    ``curve`` is the DataFrame of :meth:`PSAResult.acceptability` or a PSAResult (default grid).
    Thick segments mark the modality with the highest mean utility (the frontier).
    """
    df = curve.acceptability() if hasattr(curve, "acceptability") else curve
    ax = axes_or_new(ax, (6, 4))
    for m in MODALITIES:
        d = df[df["modality"] == m]
        ax.plot(d["harm_multiplier"], d["prob_best"], color=MODALITY_COLORS[m], label=m, lw=1.5)
        front = d["prob_best"].where(d["optimal"])
        ax.plot(d["harm_multiplier"], front, color=MODALITY_COLORS[m], lw=5, alpha=0.35, solid_capstyle="butt")
    ax.axvline(1.0, color="0.4", ls="--", lw=1)
    ax.annotate("patient's own weights", (1.0, 1.0), xycoords=("data", "axes fraction"), xytext=(4, -12),
                textcoords="offset points", fontsize=8, color="0.3")
    ax.set_xlim(df["harm_multiplier"].min(), df["harm_multiplier"].max())
    ax.set_ylim(0, 1)
    ax.set_xlabel("Harm weight multiplier λ (× the profile's harm weights)")
    ax.set_ylabel("Probability of highest expected utility")
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    ax.set_title("Acceptability over the benefit-harm trade-off")
    ax.legend(title="Modality (thick: best on average)", fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_psa_outcomes(psa: Any, *, ax: Axes | None = None) -> Axes:
    """Mean and 95% interval of every outcome probability, per modality (one row per outcome)."""
    s = psa.summary()
    s = s[s["outcome"].isin(OUTCOMES)]
    ax = axes_or_new(ax, (7, 6))
    offsets = np.linspace(0.3, -0.3, len(MODALITIES))  # first modality on top, as in the legend
    y = np.arange(len(OUTCOMES))[::-1]  # benefits at the top
    for off, m in zip(offsets, MODALITIES):
        d = s[s["modality"] == m].set_index("outcome").loc[list(OUTCOMES)]
        ax.errorbar(d["mean"], y + off, xerr=[d["mean"] - d["low"], d["high"] - d["mean"]], fmt="o", ms=4,
                    color=MODALITY_COLORS[m], label=m, capsize=2, lw=1.2)
    ax.set_yticks(y, [OUTCOME_LABELS[o] for o in OUTCOMES])
    for b in y[:-1] - 0.5:
        ax.axhline(b, color="0.9", lw=0.8, zorder=0)
    ax.set_xlim(-0.02, 1.02)  # room for points at exactly 0 or 1
    ax.set_ylim(-0.6, len(OUTCOMES) - 0.4)
    ax.set_xlabel("Probability (mean and 95% interval over PSA draws)")
    ax.set_ylabel("Outcome")
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_title("Outcome probabilities under parameter uncertainty")
    ax.legend(title="Modality", fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_evppi(ranking: Any, *, ax: Axes | None = None, top: int = 12) -> Axes:
    """Horizontal bars: EVPPI of the ``top`` parameters, with 95% error bars (1.96 SE).

    ``ranking`` is the DataFrame of :meth:`PSAResult.evppi_ranking` or a PSAResult (ranked here).
    Parameters are labelled by their description, not their id.
    """
    if not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top: {top!r}; allowed: a positive integer")
    df: pd.DataFrame = ranking.evppi_ranking(seed=0) if hasattr(ranking, "evppi_ranking") else ranking
    d = df.head(top).iloc[::-1]
    ax = axes_or_new(ax, (7, 0.4 * len(d) + 1.5))
    labels = ["\n".join(textwrap.wrap(t, 45)) for t in d["description"]]
    ax.barh(labels, d["evppi"], xerr=1.96 * d["se"], color="tab:blue", alpha=0.8, capsize=2)
    ax.set_xlim(left=0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # small EVPPI values have long tick labels
    ax.set_xlabel(f"EVPPI ({_EU_UNITS})")
    ax.set_ylabel("Parameter")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"Value of learning each parameter (top {len(d)})")
    return ax
