"""Threshold analysis: the exact parameter values at which the recommendation changes, others at their prior means.

The search runs over the parameter's support, taken as its 0.1th to 99.9th percentiles (``ppf`` of
:data:`SUPPORT_TAIL` and ``1 - SUPPORT_TAIL``): wider than the one-way range, yet finite for the
log-normal odds and hazard ratios, whose true support is unbounded. A grid brackets every change of the
best option; inside each bracket :func:`scipy.optimize.brentq` finds where the option that is best on the
left stops beating the best of the others (a continuous function of the parameter), and the search carries
on from there, so a third option that wins only inside one grid cell is found too. A change that happens
and reverts inside one grid cell is missed; ``n_grid`` sets the resolution.

The one-way analysis takes its switch points from this search (:func:`search`), so a tornado and a
threshold analysis never disagree. Thresholds are rounded to :data:`DIGITS` significant digits: the search
is accurate to about 1e-12 of the support's width, so the rounding removes float noise (``0.4999999999999989``
is reported as ``0.5``) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...decision import policy
from ._problem import AT_MEANS, DecisionProblem, Parameter, html_table, model_problem, shown

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.patient import Patient

__all__ = ["COLUMNS", "DEFAULT_GRID", "DIGITS", "SUPPORT_TAIL", "ThresholdResult", "analyze", "run", "search",
           "support"]

#: Probability left out in each tail of the prior when searching for thresholds.
SUPPORT_TAIL = 0.001
DEFAULT_GRID = 201
#: Significant digits of a reported threshold.
DIGITS = 10
_XTOL = 1e-13  # brentq's tolerance, relative to the support's width

COLUMNS = ["parameter", "label", "unit", "support_low", "support_high", "base", "threshold", "best_below",
           "best_above"]


@dataclass(frozen=True)
class ThresholdResult:
    """Values of one parameter at which the recommendation changes within its support, others at their prior means.

    Attributes
    ----------
    parameter : Parameter
    support : tuple of float
        The searched range (0.1th to 99.9th percentile).
    base_best : str
        Recommendation with every parameter at its base value (prior mean).
    thresholds : tuple of float
        Increasing, rounded to :data:`DIGITS` significant digits; empty when the recommendation does not
        change within the support.
    best_below, best_above : tuple of str
        The recommendation just below and just above each threshold.
    grid, utilities : ndarray
        The bracketing grid ``(n_grid,)`` and each option's utility on it ``(n_grid, k)``, for plotting.
    options : tuple of str
        The options, in the order of ``utilities``' columns.
    notes : tuple of str
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
    notes: tuple[str, ...] = ()

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
            return (f"{p.id}: no change within [{shown(lo)}, {shown(hi)}] ({self.base_best} throughout; "
                    f"{AT_MEANS})")
        steps = ", ".join(f"{a} -> {b} at {shown(t, 6)}" for t, a, b in zip(self.thresholds, self.best_below,
                                                                            self.best_above))
        return f"{p.id}: {steps} (searched [{shown(lo)}, {shown(hi)}]; {AT_MEANS})"

    def _repr_html_(self) -> str:
        return html_table(f"Threshold analysis: {self.parameter.label} ({AT_MEANS})", self.to_df(), str(self),
                          self.notes)


def support(p: Parameter) -> tuple[float, float]:
    """The searched range of a parameter: its :data:`SUPPORT_TAIL` and ``1 - SUPPORT_TAIL`` quantiles."""
    lo, hi = (float(v) for v in p.ppf(np.array([SUPPORT_TAIL, 1 - SUPPORT_TAIL])))
    return lo, hi


def search(problem: DecisionProblem, j: int, grid: np.ndarray, U: np.ndarray) -> list[tuple[float, int, int]]:
    """Every change of the best option as parameter ``j`` moves over ``grid``, the others at base.

    Parameters
    ----------
    problem : DecisionProblem
    j : int
        Column of the parameter.
    grid : ndarray
        Increasing values ``(n_grid,)`` bracketing the changes.
    U : ndarray
        The options' utilities on the grid, ``(n_grid, k)``.

    Returns
    -------
    list of (threshold, option before, option after)
        Increasing thresholds (rounded to :data:`DIGITS` significant digits), with option indices.
    """
    from scipy import optimize  # imported when a search runs: scipy.optimize is slow to import

    best = policy.best_index(U)
    xtol = _XTOL * max(float(grid[-1] - grid[0]), 1e-300)

    def utilities(x: float) -> np.ndarray:
        return problem.f(problem.vary([j], np.array([x])))[0]

    def lead(x: float, k: int) -> float:
        # Option k's utility minus the best of the others: >= 0 while k is best, crosses 0 where it stops.
        u = utilities(x)
        return float(u[k] - np.delete(u, k).max())

    found: list[tuple[float, int, int]] = []
    for i in np.flatnonzero(best[1:] != best[:-1]):
        a, b, k, right = float(grid[i]), float(grid[i + 1]), int(best[i]), int(best[i + 1])
        while k != right:  # walk through every option that wins inside this cell
            t = optimize.brentq(lead, a, b, args=(k,), xtol=xtol, rtol=1e-13)
            after = int(policy.best_index(utilities(min(t + 10 * xtol, b))))
            if after == k:  # a tie touching zero without a change: nothing more in this cell
                break
            found.append((float(f"{t:.{DIGITS}g}"), k, after))
            a, k = min(t + 10 * xtol, b), after
    return found


def analyze(problem: DecisionProblem, param: str, *, n_grid: int = DEFAULT_GRID) -> ThresholdResult:
    """Find where the best option changes as ``param`` moves over its support, the others at base.

    Parameters
    ----------
    problem : DecisionProblem
    param : str
        Parameter id.
    n_grid : int, default 201
        Bracketing grid points over the support (>= 2).

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.analysis.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
    ...                        (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    >>> analyze(prob, "p").thresholds
    (0.55,)
    """
    from ...checks import positive_int

    n_grid = positive_int("n_grid", n_grid, minimum=2)
    j = problem.index(param)
    p = problem.params[j]
    lo, hi = support(p)
    grid = np.linspace(lo, hi, n_grid)
    U = problem.f(problem.vary([j], np.append(grid, p.base)))
    found = search(problem, j, grid, U[:-1])
    opts = problem.options
    return ThresholdResult(p, (lo, hi), opts[int(policy.best_index(U[-1]))], tuple(t for t, _, _ in found),
                           tuple(opts[a] for _, a, _ in found), tuple(opts[b] for _, _, b in found),
                           grid, U[:-1], tuple(opts), problem.notes)


def run(evaluator: Evaluator, patient: Patient, param: str, *, n_grid: int = DEFAULT_GRID) -> ThresholdResult:
    """Threshold analysis of one parameter for a patient's decision, the other parameters at their prior means.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core.
    patient : Patient
        An eligible patient.
    param : str
        An uncertain parameter's id.
    n_grid : int, default 201

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.cases import article_cases
    >>> ev = Evaluator(load_priors())
    >>> res = run(ev, article_cases()["case3_y90"], ev.priors.uncertain[0], n_grid=11)
    >>> res.to_df().shape[1]
    9
    """
    problem = model_problem(evaluator, patient)
    problem.index(param)
    return analyze(problem, param, n_grid=n_grid)
