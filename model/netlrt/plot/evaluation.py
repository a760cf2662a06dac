"""Figures of one patient's decision: which utility terms decide between the therapies, and how several models
(e.g. the shipped priors and a sceptic's) decide.

Examples
--------
>>> import netlrt
>>> ev = netlrt.load_model().evaluate(netlrt.cases.article_cases()["case3_y90"])
>>> plot_utility_terms(ev).get_xlabel()[:25]
'Quality-adjusted days com'
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

from ._style import MODALITY_COLORS, axes_or_new

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from ..analysis.compare import CompareResult
    from ..decision.evaluation import Evaluation

__all__ = ["MIN_DAYS", "plot_compare", "plot_utility_terms", "utility_term_differences"]

#: Terms that differ by less than this (quality-adjusted days, for every modality) are left out of the figure.
MIN_DAYS = 0.005


def utility_term_differences(evaluation: Evaluation, reference: str | None = None) -> pd.DataFrame:
    """Each modality's utility terms minus the reference modality's, in quality-adjusted days.

    Parameters
    ----------
    evaluation : Evaluation
    reference : str, optional
        The modality compared against (default: the recommended one, or the first of the ranking when the
        patient is ineligible).

    Returns
    -------
    DataFrame
        Index: the utility terms, then ``total``; columns: the other modalities. Positive: that modality does
        better than the reference on that term.

    Examples
    --------
    >>> import netlrt
    >>> ev = netlrt.load_model().evaluate(netlrt.cases.article_cases()["case3_y90"])
    >>> d = utility_term_differences(ev)
    >>> bool(np.allclose(d.drop(index="total").sum(), d.loc["total"]))
    True
    """
    from ..decision.utility import DAYS_PER_YEAR

    terms = evaluation.utility_terms
    ref = reference if reference is not None else (evaluation.recommended or evaluation.ranking[0])
    if ref not in terms.index:
        raise ValueError(f"reference: unknown modality {ref!r}; allowed: {', '.join(terms.index)}")
    diff = (terms - terms.loc[ref]).drop(index=ref) * DAYS_PER_YEAR
    out = diff.T
    out.loc["total"] = (evaluation.expected_utility - evaluation.expected_utility[ref]).drop(ref) * DAYS_PER_YEAR
    out.columns.name = f"minus {ref}"
    return out


def plot_utility_terms(evaluation: Evaluation, *, ax: Axes | None = None, reference: str | None = None) -> Axes:
    """Diverging bars: each therapy's utility terms against the recommended therapy, in quality-adjusted days.

    One row per utility term (largest difference on top, below the total); in each row a bar per other
    therapy, right of zero where that therapy gains on the term, left where it loses. The reader sees which
    terms decide the recommendation and by how much. Terms that no therapy moves by ``MIN_DAYS`` are left out
    and counted in the footnote.

    Parameters
    ----------
    evaluation : Evaluation
        From ``model.evaluate(patient)``; its ``utility_terms`` (QALYs) are drawn.
    ax : matplotlib Axes, optional
    reference : str, optional
        Compare against this modality instead of the recommended one.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import netlrt
    >>> ev = netlrt.load_model().evaluate(netlrt.cases.article_cases()["case1_tae"])
    >>> ax = plot_utility_terms(ev)
    >>> ax.get_yticklabels()[-1].get_text()
    'Total (all terms)'
    """
    from ..decision.utility import TERM

    d = utility_term_differences(evaluation, reference)
    ref = d.columns.name.removeprefix("minus ")
    terms = d.drop(index="total")
    moved = terms[terms.abs().max(axis=1) >= MIN_DAYS]
    order = moved.abs().max(axis=1).sort_values(ascending=True, kind="stable").index
    rows = d.loc[[*order, "total"]]
    hidden = len(terms) - len(moved)
    ax = axes_or_new(ax, (8, 1.8 + 0.5 * len(rows)))
    y = np.arange(len(rows))
    others = list(rows.columns)
    h = 0.8 / max(len(others), 1)
    for j, m in enumerate(others):
        offset = (len(others) - 1) / 2 * h - j * h  # first modality on top within a row, as in the legend
        ax.barh(y + offset, rows[m].to_numpy(), height=h, color=MODALITY_COLORS.get(m, "#999999"), label=m)
        total = float(rows[m].iloc[-1])
        ax.annotate(f"{total:+.1f}", (total, y[-1] + offset), xytext=(3 if total >= 0 else -3, 0),
                    textcoords="offset points", ha="left" if total >= 0 else "right", va="center", fontsize=7.5)
    ax.axvline(0, color="#333333", lw=1)
    ax.axhline(len(rows) - 1.5, color="#999999", lw=0.8)
    labels = [textwrap.fill(TERM[t].label if t in TERM else str(t), 36) for t in rows.index[:-1]]
    ax.set_yticks(y, [*labels, "Total (all terms)"], fontsize=8)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.set_ylim(-0.6, len(rows) - 0.4)
    lim = float(np.abs(rows.to_numpy()).max()) if rows.size else 1.0
    ax.set_xlim(-1.2 * lim - 1e-9, 1.2 * lim + 1e-9)  # room for the totals' labels
    ax.set_xlabel(f"Quality-adjusted days compared with {ref} (right: better than {ref})", fontsize=9)
    status = "recommended" if ref == evaluation.recommended else "reference"
    ax.set_title(f"What separates the therapies from {ref} ({status})", fontsize=10)
    if hidden:
        ax.annotate(f"{hidden} term{'s' if hidden != 1 else ''} with no difference above {MIN_DAYS} days not shown",
                    (0, 0), xycoords="axes fraction", xytext=(0, -32), textcoords="offset points", fontsize=7.5,
                    color="#555555", va="top")
    ax.legend(title="Therapy", fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_compare(result: CompareResult, *, ax: Axes | None = None) -> Axes:
    """Several models' decisions for one patient: P(best) of each therapy under each model, the recommendation starred.

    Parameters
    ----------
    result : CompareResult
        From ``netlrt.compare(models, patient)``: its ``table`` (``model``, ``modality``, ``prob_best``,
        ``recommended``) and ``close_call``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"model": ["a", "a", "b", "b"], "modality": ["TAE", "Y90"] * 2,
    ...                   "prob_best": [0.6, 0.4, 0.3, 0.7], "recommended": [True, False, False, True]})
    >>> ax = plot_compare(SimpleNamespace(table=t, close_call={"a": False, "b": True}))
    >>> [round(float(b.get_height()), 1) for b in ax.patches]
    [0.6, 0.3, 0.4, 0.7]
    """
    t = result.table if hasattr(result, "table") else result
    models = list(dict.fromkeys(t["model"]))
    modalities = list(dict.fromkeys(t["modality"]))
    close = getattr(result, "close_call", {}) or {}
    ax = axes_or_new(ax, (max(5.5, 1.6 * len(models) + 3), 4))
    x = np.arange(len(models))
    w = 0.8 / len(modalities)
    for j, m in enumerate(modalities):
        d = t[t["modality"] == m].set_index("model").loc[models]
        xs = x - 0.4 + (j + 0.5) * w
        ax.bar(xs, d["prob_best"].to_numpy(), width=w, color=MODALITY_COLORS.get(m, "#999999"), label=m)
        for xi, (p, rec) in zip(xs, zip(d["prob_best"], d["recommended"])):
            if rec:
                ax.annotate("\u2605", (xi, p), xytext=(0, 1), textcoords="offset points", ha="center", va="bottom",
                            fontsize=12)
    ax.set_xticks(x, [f"{m}\n(close call)" if close.get(m) else m for m in models])
    ax.set_ylim(0, 1.08)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylabel("P(most expected QALYs) over PSA draws")
    ax.set_title("Models compared (\u2605 recommended: the most expected QALYs)", fontsize=10)
    ax.legend(title="Therapy", fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
