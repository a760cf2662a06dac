"""Figures. Every function is ``plot_x(result, *, ax=None, ...) -> matplotlib.axes.Axes``.

A new figure is made only when ``ax`` is None; nothing here calls ``plt.show()`` or picks a backend.
Computation never imports this package.
"""

from __future__ import annotations

from .sensitivity import plot_sobol, plot_threshold, plot_tornado, plot_two_way, plot_whatif  # noqa: F401
from .network import plot_network  # noqa: F401
from .priors import plot_priors  # noqa: F401
from .psa import plot_acceptability, plot_evppi, plot_prob_best, plot_psa_outcomes  # noqa: F401
