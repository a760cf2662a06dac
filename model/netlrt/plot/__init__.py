"""Figures. Every function is ``plot_x(result, *, ax=None) -> matplotlib.axes.Axes``.

A figure takes a result that is already computed and only draws it: a new figure is made only when ``ax``
is None, nothing calls ``plt.show()`` or picks a backend, and no analysis runs inside a plot. Computation
never imports this package. Every modality has one colour in every figure (:data:`MODALITY_COLORS`).

- structure: :func:`plot_network` (the declared network), :func:`plot_priors` (forest plot of the priors);
- one patient: :func:`plot_utility_terms` (which utility terms decide), :func:`plot_compare` (models side by side);
- PSA and value of information: :func:`plot_prob_best`, :func:`plot_acceptability`, :func:`plot_psa_outcomes`,
  :func:`plot_evppi`, :func:`plot_evsi_curve`, :func:`plot_enbs`;
- sensitivity: :func:`plot_tornado`, :func:`plot_two_way`, :func:`plot_threshold`, :func:`plot_sobol`,
  :func:`plot_whatif`.

Examples
--------
>>> from netlrt.plot import plot_network
>>> plot_network().get_title()
'netlrt network: what drives what'
"""

from __future__ import annotations

from ._style import MODALITY_COLORS
from .evaluation import plot_compare, plot_utility_terms
from .evsi import plot_enbs, plot_evsi_curve
from .network import plot_network
from .priors import plot_priors
from .psa import plot_acceptability, plot_evppi, plot_prob_best, plot_psa_outcomes
from .sensitivity import plot_sobol, plot_threshold, plot_tornado, plot_two_way, plot_whatif

__all__ = ["MODALITY_COLORS", "plot_acceptability", "plot_compare", "plot_enbs", "plot_evppi", "plot_evsi_curve",
           "plot_network", "plot_priors", "plot_prob_best", "plot_psa_outcomes", "plot_sobol", "plot_threshold",
           "plot_tornado", "plot_two_way", "plot_utility_terms", "plot_whatif"]
