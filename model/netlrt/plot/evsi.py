"""Figures of the expected value of sample information (:mod:`netlrt.analysis.evsi`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._style import axes_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis.evsi import ENBSResult, EVSICurve

__all__ = ["plot_enbs", "plot_evsi_curve"]

_BAND = 2.0  # the shaded band is +-2 standard errors, about a 95% interval


def _size_axis(ax: Axes, n: np.ndarray) -> None:
    """Sample sizes usually grow geometrically: a log axis then, labelled with plain numbers (50, not 5x10^1)."""
    from matplotlib.ticker import NullFormatter

    if len(n) > 1 and n.max() / n.min() >= 20:
        ax.set_xscale("log")
        ax.set_xticks(n, [f"{int(v):d}" for v in n])  # the sizes computed, as plain numbers
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Sample size n (patients; per arm for a comparison)")


def plot_evsi_curve(result: EVSICurve | ENBSResult, *, ax: Axes | None = None) -> Axes:
    """EVSI per patient against sample size, with a +-2 SE band and the EVPPI it tends to.

    Parameters
    ----------
    result : EVSICurve
        From :func:`netlrt.analysis.evsi.evsi_curve` (or an :class:`ENBSResult`, whose curve is drawn).
    ax : matplotlib Axes, optional
        Drawn on when given; otherwise a new figure is made.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from netlrt.analysis.evsi import EVSICurve
    >>> c = EVSICurve((10, 50, 200), (0.01, 0.02, 0.022), (0.001,) * 3, 0.025, 0.001, 0.03, ("p",), "pilot")
    >>> plot_evsi_curve(c).get_ylabel()
    'EVSI per patient (QALYs)'
    """
    curve = getattr(result, "curve", result)
    df = curve.to_df()
    ax = axes_or_new(ax, (6, 4))
    n, v, se = df["n"].to_numpy(), df["evsi"].to_numpy(), df["se"].to_numpy()
    ax.fill_between(n, np.maximum(v - _BAND * se, 0.0), v + _BAND * se, color="tab:blue", alpha=0.2, lw=0,
                    label="± 2 SE")
    ax.plot(n, v, "o-", color="tab:blue", ms=4, lw=1.5, label="EVSI")
    ax.axhline(curve.evppi, color="0.3", ls="--", lw=1, label=f"EVPPI of {', '.join(curve.parameters)}")
    ax.axhline(curve.evpi, color="0.6", ls=":", lw=1, label="EVPI (all parameters)")
    _size_axis(ax, n)
    ax.set_ylim(0, max(curve.evpi, float((v + _BAND * se).max())) * 1.08)
    ax.set_ylabel("EVSI per patient (QALYs)")
    ax.set_title(f"Value of the study{f' {curve.name!r}' if curve.name else ''} by its size")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_enbs(result: ENBSResult, *, ax: Axes | None = None) -> Axes:
    """Expected net benefit of sampling against sample size (population, QALYs), the best size marked.

    Parameters
    ----------
    result : ENBSResult
        From :func:`netlrt.analysis.evsi.enbs`.
    ax : matplotlib Axes, optional
        Drawn on when given; otherwise a new figure is made.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from netlrt.analysis.evsi import EVSICurve, PopulationScale, enbs
    >>> c = EVSICurve((10, 50, 200), (0.01, 0.02, 0.022), (0.001,) * 3, 0.025, 0.001, 0.03, ("p",))
    >>> r = enbs(c, population=PopulationScale(100, 5, 0.0), cost_per_patient=0.05)
    >>> plot_enbs(r).get_xlabel()
    'Sample size n (patients; per arm for a comparison)'
    """
    df = result.to_df()
    ax = axes_or_new(ax, (7.5, 4))
    n, v, se = df["n"].to_numpy(), df["enbs"].to_numpy(), df["enbs_se"].to_numpy()
    ax.fill_between(n, v - _BAND * se, v + _BAND * se, color="tab:green", alpha=0.2, lw=0, label="± 2 SE")
    ax.plot(n, v, "o-", color="tab:green", ms=4, lw=1.5, label="ENBS")
    ax.plot(n, df["population_evsi"], color="tab:blue", lw=1, ls="--", label="population EVSI")
    ax.plot(n, df["cost"], color="tab:red", lw=1, ls=":", label="study cost")
    ax.axhline(0.0, color="0.5", lw=0.8)
    if result.best_n is not None:
        best = df.loc[df["n"] == result.best_n, "enbs"].iloc[0]
        ax.plot([result.best_n], [best], marker="*", ms=14, color="black", ls="none",
                label=f"best n = {result.best_n}")
    else:
        ax.annotate("no size has a positive ENBS", (0.02, 0.95), xycoords="axes fraction", va="top", fontsize=8)
    _size_axis(ax, n)
    ax.set_ylabel("QALYs (population, discounted)")
    pop = result.population
    ax.set_title(f"Expected net benefit of sampling\n{pop.patients_per_year:g} patients a year for "
                 f"{pop.horizon_years} years, discounted {pop.discount_rate:.1%} a year", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
