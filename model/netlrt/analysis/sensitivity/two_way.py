"""Two-way sensitivity analysis: the best option over a grid of two parameters, the others at base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._problem import DecisionProblem, Parameter, check_int, html_table, model_problem, resolve_metric

if TYPE_CHECKING:
    from ..model import Model
    from ..patient import Patient

DEFAULT_GRID = 25


@dataclass(frozen=True)
class TwoWayResult:
    """Best option and utility gap on an ``n x n`` grid of two parameters.

    Attributes
    ----------
    x, y : Parameter
        The two parameters (each gridded over its ``[low, high]``).
    x_values, y_values : ndarray
        Grid values, shape ``(n,)``.
    best : ndarray of str
        Shape ``(n_y, n_x)``: the best option at ``(x_values[i], y_values[j])`` is ``best[j, i]``.
    gap : ndarray
        Same shape: best minus second-best utility (how clear the choice is).
    options : tuple of str
        Every option of the problem (so regions keep their colours across figures).
    base_best : str
        The recommendation at the base case ``(x.base, y.base)``.
    """

    x: Parameter
    y: Parameter
    x_values: np.ndarray
    y_values: np.ndarray
    best: np.ndarray
    gap: np.ndarray
    options: tuple[str, ...]
    base_best: str

    def to_df(self) -> pd.DataFrame:
        """Long form: one row per grid point with columns ``x``, ``y``, ``best``, ``gap``."""
        xx, yy = np.meshgrid(self.x_values, self.y_values)
        return pd.DataFrame({"x": xx.ravel(), "y": yy.ravel(), "best": self.best.ravel(), "gap": self.gap.ravel()})

    def _repr_html_(self) -> str:
        share = pd.Series(self.best.ravel()).value_counts(normalize=True).rename("share of grid").reset_index()
        note = (f"x = {self.x.label} ({self.x.id}), y = {self.y.label} ({self.y.id}); "
                f"base case recommends {self.base_best}.")
        return html_table("Two-way sensitivity", share, note)


def analyze(problem: DecisionProblem, x: str, y: str, *, n: int = DEFAULT_GRID) -> TwoWayResult:
    """Grid two parameters over their ranges, the others at base.

    Parameters
    ----------
    problem : DecisionProblem
    x, y : str
        Parameter ids (different).
    n : int, default 25
        Grid points per axis, ends included.

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
    ...                        (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    >>> analyze(prob, "p", "q", n=3).best.tolist()
    [['B', 'A', 'A'], ['B', 'B', 'A'], ['B', 'B', 'A']]
    """
    n = check_int("n", n, 2)
    i, j = problem.index(x, argument="x"), problem.index(y, argument="y")
    if i == j:
        raise ValueError(f"y: must differ from x, got {y!r} twice")
    px, py = problem.params[i], problem.params[j]
    xs, ys = np.linspace(px.low, px.high, n), np.linspace(py.low, py.high, n)
    xx, yy = np.meshgrid(xs, ys)
    X = np.vstack([problem.base[None, :], problem.vary([i, j], np.column_stack([xx.ravel(), yy.ravel()]))])
    U = problem.f(X)
    best = np.array(problem.best(U), dtype=object)
    gap = resolve_metric("gap", problem)(problem, X, U)
    return TwoWayResult(px, py, xs, ys, best[1:].reshape(n, n), gap[1:].reshape(n, n), tuple(problem.options),
                        best[0])


def run(model: Model, patient: Patient, x: str, y: str, *, n: int = DEFAULT_GRID) -> TwoWayResult:
    """Two-way analysis of a patient's decision (see :meth:`netlrt.Model.two_way`)."""
    return analyze(model_problem(model, patient), x, y, n=n)
