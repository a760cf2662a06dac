"""Threshold analysis: the exact parameter values at which the recommendation changes.

The search runs over the parameter's support, taken as its 0.1th to 99.9th percentiles (``ppf`` of
:data:`SUPPORT_TAIL` and ``1 - SUPPORT_TAIL``): wider than the one-way range, yet finite for the
log-normal odds and hazard ratios, whose true support is unbounded. A grid brackets every change
of the best option; inside each bracket :func:`scipy.optimize.brentq` finds where the option that is
best on the left stops beating the best of the others, a continuous function of the parameter, and
the search carries on from there (so a third option that wins only inside one grid cell is found too).
A change that happens and reverts inside one grid cell is missed; ``n_grid`` sets the resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize

from ._problem import DecisionProblem, Parameter, check_int, html_table, model_problem

if TYPE_CHECKING:
    from ..model import Model
    from ..patient import Patient

#: Probability left out in each tail of the prior when searching for thresholds.
SUPPORT_TAIL = 0.001
DEFAULT_GRID = 201
#: brentq's absolute tolerance on the parameter value.
XTOL = 1e-10

COLUMNS = ["parameter", "label", "unit", "support_low", "support_high", "base", "threshold", "best_below",
           "best_above"]


@dataclass(frozen=True)
class ThresholdResult:
    """Values of one parameter at which the recommendation changes, within its support.

    Attributes
    ----------
    parameter : Parameter
    support : tuple of float
        The searched range (0.1th to 99.9th percentile).
    base_best : str
        Recommendation with every parameter at base.
    thresholds : tuple of float
        Increasing; empty when the recommendation does not change within the support.
    best_below, best_above : tuple of str
        The recommendation just below and just above each threshold.
    grid, utilities : ndarray
        The bracketing grid ``(n_grid,)`` and each option's utility on it ``(n_grid, k)``, for plotting.
    options : tuple of str
        The options, in the order of ``utilities``' columns.
    """

    parameter: Parameter
    support: tuple[float, float]
    base_best: str
    thresholds: tuple[float, ...]
    best_below: tuple[str, ...]
    best_above: tuple[str, ...]
    grid: np.ndarray
    utilities: np.ndarray
    options: tuple[str, ...]

    @property
    def changes(self) -> bool:
        """Whether the recommendation changes within the support."""
        return bool(self.thresholds)

    def to_df(self) -> pd.DataFrame:
        """One row per threshold; when there is none, one row with ``threshold`` NaN (no change within range)."""
        p = self.parameter
        head = {"parameter": p.id, "label": p.label, "unit": p.unit, "support_low": self.support[0],
                "support_high": self.support[1], "base": p.base}
        if not self.thresholds:
            rows = [{**head, "threshold": np.nan, "best_below": self.base_best, "best_above": self.base_best}]
        else:
            rows = [{**head, "threshold": t, "best_below": lo, "best_above": hi}
                    for t, lo, hi in zip(self.thresholds, self.best_below, self.best_above)]
        return pd.DataFrame(rows, columns=COLUMNS)

    def __str__(self) -> str:
        p, (lo, hi) = self.parameter, self.support
        if not self.thresholds:
            return f"{p.id}: no change within range [{lo:.4g}, {hi:.4g}] ({self.base_best} throughout)"
        steps = ", ".join(f"{a} -> {b} at {t:.6g}" for t, a, b in zip(self.thresholds, self.best_below,
                                                                       self.best_above))
        return f"{p.id}: {steps} (searched [{lo:.4g}, {hi:.4g}])"

    def _repr_html_(self) -> str:
        return html_table(f"Threshold analysis: {self.parameter.label}", self.to_df(), str(self))


def analyze(problem: DecisionProblem, param: str, *, n_grid: int = DEFAULT_GRID) -> ThresholdResult:
    """Find where the best option changes as ``param`` moves over its support, the others at base.

    Parameters
    ----------
    problem : DecisionProblem
    param : str
        Parameter id.
    n_grid : int, default 201
        Bracketing grid points over the support.

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
    ...                        (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    >>> round(analyze(prob, "p").thresholds[0], 9)
    0.55
    """
    n_grid = check_int("n_grid", n_grid, 2)
    j = problem.index(param)
    p = problem.params[j]
    lo, hi = (float(v) for v in p.ppf(np.array([SUPPORT_TAIL, 1 - SUPPORT_TAIL])))
    grid = np.linspace(lo, hi, n_grid)
    U = problem.f(problem.vary([j], np.append(grid, p.base)))
    best = np.argmax(U[:-1], axis=1)

    def utilities(x: float) -> np.ndarray:
        return problem.f(problem.vary([j], np.array([x])))[0]

    def lead(x: float, k: int) -> float:
        # Option k's utility minus the best of the others: > 0 while k is best, crosses 0 where it stops.
        u = utilities(x)
        return float(u[k] - np.delete(u, k).max())

    found: list[tuple[float, int, int]] = []
    for i in np.flatnonzero(best[1:] != best[:-1]):
        a, k, right = grid[i], int(best[i]), int(best[i + 1])
        while k != right:  # walk through every option that wins inside this cell
            t = optimize.brentq(lead, a, grid[i + 1], args=(k,), xtol=XTOL)
            after = int(np.argmax(utilities(min(t + 10 * XTOL, grid[i + 1]))))
            if after == k:  # a tie touching zero without a change: nothing more in this cell
                break
            found.append((t, k, after))
            a, k = t + 10 * XTOL, after
    opts = problem.options
    return ThresholdResult(p, (lo, hi), opts[int(np.argmax(U[-1]))], tuple(t for t, _, _ in found),
                           tuple(opts[a] for _, a, _ in found), tuple(opts[b] for _, _, b in found),
                           grid, U[:-1], tuple(opts))


def run(model: Model, patient: Patient, param: str, *, n_grid: int = DEFAULT_GRID) -> ThresholdResult:
    """Threshold analysis of one parameter for a patient's decision (see :meth:`netlrt.Model.threshold`)."""
    return analyze(model_problem(model, patient), param, n_grid=n_grid)
