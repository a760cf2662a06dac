"""Two-way sensitivity analysis: the best option over a grid of two parameters, the others at their prior means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...checks import positive_int
from ._problem import AT_MEANS, DecisionProblem, Parameter, html_table, model_problem, resolve_metric

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.patient import Patient

__all__ = ["DEFAULT_GRID", "MAX_GRID", "TwoWayResult", "analyze", "run"]

DEFAULT_GRID = 25
#: Largest grid per axis (n_grid squared points are evaluated at once).
MAX_GRID = 401


@dataclass(frozen=True)
class TwoWayResult:
    """Best option, gap and margin on an ``n_grid x n_grid`` grid of two parameters, the others at their prior means.

    Attributes
    ----------
    x, y : Parameter
        The two parameters (each gridded over its ``[low, high]``).
    x_values, y_values : ndarray
        Grid values, shape ``(n_grid,)``.
    best : ndarray of str
        Shape ``(n_grid, n_grid)``: the best option at ``(x_values[i], y_values[j])`` is ``best[j, i]``.
    gap : ndarray
        Same shape: best minus second-best utility (how clear the choice is).
    margin : ndarray
        Same shape: the base-case recommendation minus its best alternative (negative where another is best).
    options : tuple of str
        Every option of the problem (so regions keep their colours across figures).
    base_best : str
        The recommendation at the base case ``(x.base, y.base)``.
    notes : tuple of str
    """

    x: Parameter
    y: Parameter
    x_values: np.ndarray
    y_values: np.ndarray
    best: np.ndarray
    gap: np.ndarray
    margin: np.ndarray
    options: tuple[str, ...]
    base_best: str
    notes: tuple[str, ...] = ()

    def to_df(self) -> pd.DataFrame:
        """Long form: one row per grid point with columns ``x_parameter``, ``x``, ``y_parameter``, ``y`` (the
        parameters' ids and values), ``best``, ``gap``, ``margin`` (in the options' utility: QALYs for a model)."""
        xx, yy = np.meshgrid(self.x_values, self.y_values)
        return pd.DataFrame({"x_parameter": self.x.id, "x": xx.ravel(), "y_parameter": self.y.id, "y": yy.ravel(),
                             "best": self.best.ravel(), "gap": self.gap.ravel(), "margin": self.margin.ravel()})

    def _repr_html_(self) -> str:
        share = pd.Series(self.best.ravel()).value_counts(normalize=True).rename("share of grid").reset_index()
        note = (f"x = {self.x.label} ({self.x.id}), y = {self.y.label} ({self.y.id}); "
                f"best at the prior means: {self.base_best}.")
        return html_table(f"Two-way sensitivity ({AT_MEANS})", share, note, self.notes)


def analyze(problem: DecisionProblem, x: str, y: str, *, n_grid: int = DEFAULT_GRID) -> TwoWayResult:
    """Grid two parameters over their ranges, the others at base.

    Parameters
    ----------
    problem : DecisionProblem
    x, y : str
        Parameter ids (different).
    n_grid : int, default 25
        Grid points per axis, ends included.

    Returns
    -------
    TwoWayResult

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.analysis.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
    ...                        (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    >>> analyze(prob, "p", "q", n_grid=3).best.tolist()
    [['B', 'A', 'A'], ['B', 'B', 'A'], ['B', 'B', 'A']]
    """
    n_grid = positive_int("n_grid", n_grid, minimum=2, maximum=MAX_GRID)
    i, j = problem.index(x, argument="x"), problem.index(y, argument="y")
    if i == j:
        raise ValueError(f"y: must differ from x, got {y!r} twice")
    px, py = problem.params[i], problem.params[j]
    xs, ys = np.linspace(px.low, px.high, n_grid), np.linspace(py.low, py.high, n_grid)
    xx, yy = np.meshgrid(xs, ys)
    X = np.vstack([problem.base[None, :], problem.vary([i, j], np.column_stack([xx.ravel(), yy.ravel()]))])
    U = problem.f(X)
    best = np.array(problem.best(U), dtype=object)
    gap = resolve_metric("gap", problem)(problem, X, U)
    margin = resolve_metric("margin", problem)(problem, X, U)
    shape = (n_grid, n_grid)
    return TwoWayResult(px, py, xs, ys, best[1:].reshape(shape), gap[1:].reshape(shape), margin[1:].reshape(shape),
                        tuple(problem.options), best[0], problem.notes)


def run(evaluator: Evaluator, patient: Patient, x: str, y: str, *, n_grid: int = DEFAULT_GRID) -> TwoWayResult:
    """Two-way analysis of a patient's decision, the other parameters at their prior means.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core.
    patient : Patient
        An eligible patient.
    x, y : str
        Uncertain parameter ids.
    n_grid : int, default 25

    Returns
    -------
    TwoWayResult

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.cases import article_cases
    >>> ev = Evaluator(load_priors())
    >>> a, b = ev.priors.uncertain[:2]
    >>> run(ev, article_cases()["case3_y90"], a, b, n_grid=3).best.shape
    (3, 3)
    """
    return analyze(model_problem(evaluator, patient), x, y, n_grid=n_grid)
