"""Threshold analysis: the exact parameter values at which the recommendation changes, others at their prior means.

The search runs over the parameter's support, taken as its 0.1th to 99.9th percentiles (``ppf`` of
:data:`SUPPORT_TAIL` and ``1 - SUPPORT_TAIL``): wider than the one-way range, yet finite for the
log-normal odds and hazard ratios, whose true support is unbounded. A grid brackets every change of the
best option; inside each bracket Brent's method (:func:`scipy.optimize.brentq`'s steps) finds where the option
that is best on the left stops beating the best of the others (a continuous function of the parameter), and the
search carries on from there, so a third option that wins only inside one grid cell is found too. A change that
happens and reverts inside one grid cell is missed; ``n_grid`` sets the resolution. The root searches of all
cells (and, in the one-way analysis, of all parameters) step together, one model evaluation per step.

The one-way analysis takes its switch points from this search (:func:`search`), so a tornado and a
threshold analysis never disagree. Thresholds are rounded to :data:`DIGITS` significant digits: the search
is accurate to about 1e-12 of the support's width, so the rounding removes float noise (``0.4999999999999989``
is reported as ``0.5``) and nothing else. The crossings are found with exact ties (``best_index(..., tie=0.0)``):
the search steps 10 x its tolerance past a crossing to see which option wins there, a step the decision's
:data:`~netlrt.decision.policy.TIE_QALY` could swallow. The base case's best follows the decision's tie rule, as
the one-way analysis's does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...decision import policy
from ._problem import AT_MEANS, DecisionProblem, Parameter, html_table, model_problem, shown

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.patient import Patient

__all__ = ["COLUMNS", "DEFAULT_GRID", "DIGITS", "MAX_GRID", "SUPPORT_TAIL", "ThresholdResult", "analyze", "run",
           "search", "search_many", "support"]

#: Probability left out in each tail of the prior when searching for thresholds.
SUPPORT_TAIL = 0.001
DEFAULT_GRID = 201
#: Largest bracketing grid (the switch points are exact at any grid; a million points ran out of memory).
MAX_GRID = 100_001
#: Significant digits of a reported threshold.
DIGITS = 10
_XTOL = 1e-13  # brentq's tolerance, relative to the support's width
_RTOL = 1e-13
_MAXITER = 100  # scipy.optimize.brentq's default

#: A change of the best option: (threshold, option before, option after).
Switch = tuple[float, int, int]

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


def _brentq(value: Callable[[np.ndarray], float], a: float, b: float, xtol: float,
            rtol: float) -> Generator[float, np.ndarray, float]:
    """:func:`scipy.optimize.brentq` as a generator: yields each point to evaluate, is sent back what was evaluated
    there (``value`` makes it the function's value), and returns the root.

    A model evaluation costs about as much for one row as for a few dozen, so :func:`search_many` runs every root
    search at once, one evaluation per step; scipy's brentq calls its function one point at a time and cannot.
    The steps are scipy's (``Zeros/brentq.c`` of scipy 1.17, with its default ``maxiter`` and its errors),
    operation for operation: given the same function values, the root is the same to the bit.

    Examples
    --------
    >>> from scipy import optimize
    >>> def run(gen):
    ...     x = next(gen)
    ...     while True:
    ...         try:
    ...             x = gen.send(np.array([np.cos(x) - x]))
    ...         except StopIteration as done:
    ...             return done.value
    >>> run(_brentq(lambda u: float(u[0]), 0.0, 1.0, 1e-13, 1e-13)) == optimize.brentq(
    ...     lambda x: np.cos(x) - x, 0.0, 1.0, xtol=1e-13, rtol=1e-13)
    True
    """
    def at(x: float) -> Generator[float, np.ndarray, float]:
        fx = value((yield x))
        if np.isnan(fx):
            raise ValueError(f"The function value at x={x} is NaN; solver cannot continue.")
        return fx

    xpre, xcur, xblk, fblk, spre, scur = a, b, 0.0, 0.0, 0.0, 0.0
    fpre = yield from at(xpre)
    fcur = yield from at(xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1, fpre) == math.copysign(1, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    for _ in range(_MAXITER):
        if fpre != 0 and fcur != 0 and math.copysign(1, fpre) != math.copysign(1, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = _div(-fcur * (xcur - xpre), fcur - fpre)
            else:  # extrapolate
                dpre = _div(fpre - fcur, xpre - xcur)
                dblk = _div(fblk - fcur, xblk - xcur)
                stry = _div(-fcur * (fblk * dblk - fpre * dpre), dblk * dpre * (fblk - fpre))
            bound = 3 * abs(sbis) - delta
            if 2 * abs(stry) < (abs(spre) if abs(spre) < bound else bound):  # a good short step
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = yield from at(xcur)
    raise RuntimeError(f"Failed to converge after {_MAXITER} iterations.")


def _div(n: float, d: float) -> float:
    """``n / d`` as C computes it (IEEE 754): a zero divisor gives an infinity or NaN, not an exception."""
    if d != 0:
        return n / d
    return math.nan if n == 0 or math.isnan(n) else math.copysign(math.inf, n) * math.copysign(1.0, d)


def _lead(u: np.ndarray, k: int) -> float:
    """Option k's utility minus the best of the others: >= 0 while k is best, crosses 0 where it stops."""
    return float(u[k] - np.delete(u, k).max())


def _cell(a: float, b: float, k: int, right: int, xtol: float) -> Generator[float, np.ndarray, list[Switch]]:
    """Every change of the best option inside one grid cell, from ``k`` (best at ``a``) to ``right`` (at ``b``).

    A generator as :func:`_brentq`, sent the options' utilities at each point it yields. It walks through
    every option that wins inside the cell: a root of ``k``'s lead, then the option best just past it.
    """
    found: list[Switch] = []
    while k != right:
        t = yield from _brentq(partial(_lead, k=k), a, b, xtol, _RTOL)
        if t in (a, b):  # k ties another option at an end, so its lead is 0 there and brentq stops at once:
            t = yield from _bisect_best(k, a, b, xtol)  # bisection finds where k stops being best
        after = int(policy.best_index((yield min(t + 10 * xtol, b)), tie=0.0))
        if after == k:  # a tie touching zero without a change: nothing more in this cell
            break
        found.append((float(f"{t:.{DIGITS}g}"), k, after))
        a, k = min(t + 10 * xtol, b), after
    return found


def _bisect_best(k: int, a: float, b: float, xtol: float) -> Generator[float, np.ndarray, float]:
    """Where option ``k``, best at ``a`` and not at ``b``, stops being best: the first point found not to have
    ``k`` best, within brentq's tolerance of the last found to have it (a generator as :func:`_brentq`)."""
    while b - a > xtol + _RTOL * abs(b):
        mid = a + (b - a) / 2
        if int(policy.best_index((yield mid), tie=0.0)) == k:
            a = mid
        else:
            b = mid
    return b


def _lockstep(problem: DecisionProblem, walks: Sequence[tuple[int, Generator[float, np.ndarray, list[Switch]]]]
              ) -> list[list[Switch]]:
    """Run ``(column, generator)`` walks together: each round evaluates every point asked for in one batch.

    A generator yields a value of its column (the other parameters at base) and is sent that row's utilities.
    """
    results: list[list[Switch]] = [[] for _ in walks]
    asked: dict[int, float] = {}

    def advance(i: int, sent: np.ndarray | None) -> None:
        try:
            asked[i] = walks[i][1].send(sent)
        except StopIteration as done:
            results[i] = done.value

    for i in range(len(walks)):
        advance(i, None)
    while asked:
        points = list(asked.items())
        asked.clear()
        U = problem.f(np.vstack([problem.vary([walks[i][0]], np.array([x])) for i, x in points]))
        for (i, _), u in zip(points, U):
            advance(i, u)
    return results


def search_many(problem: DecisionProblem, searches: Sequence[tuple[int, np.ndarray, np.ndarray]]
                ) -> list[list[Switch]]:
    """:func:`search` for several parameters, every root search of every grid cell stepping together.

    Each step of the root searches is one evaluation of the model for all of them (a few batch calls in all,
    instead of one per function value). A row evaluated among others can differ from the row alone by rounding
    (about 1e-15: the model iterates until the whole batch converges), which moves a root by far less than the
    :data:`DIGITS` reported.

    Parameters
    ----------
    problem : DecisionProblem
    searches : sequence of (j, grid, U)
        As :func:`search`'s arguments.

    Returns
    -------
    list
        :func:`search`'s result for each search, in order.
    """
    walks, owner = [], []
    for n, (j, grid, U) in enumerate(searches):
        best = policy.best_index(U, tie=0.0)
        xtol = _XTOL * max(float(grid[-1] - grid[0]), 1e-300)
        for i in np.flatnonzero(best[1:] != best[:-1]):
            walks.append((j, _cell(float(grid[i]), float(grid[i + 1]), int(best[i]), int(best[i + 1]), xtol)))
            owner.append(n)
    found: list[list[Switch]] = [[] for _ in searches]
    for n, cell in zip(owner, _lockstep(problem, walks)):
        found[n].extend(cell)
    return found


def search(problem: DecisionProblem, j: int, grid: np.ndarray, U: np.ndarray) -> list[Switch]:
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
    return search_many(problem, [(j, grid, U)])[0]


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

    n_grid = positive_int("n_grid", n_grid, minimum=2, maximum=MAX_GRID)
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
