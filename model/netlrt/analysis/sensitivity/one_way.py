"""One-way (tornado) sensitivity analysis: each parameter across its range, the others at base.

Each parameter is moved over a grid from its ``low`` to its ``high`` value (for a model, the prior's
2.5th and 97.5th percentiles), not just to the two ends, so a recommendation that changes and changes
back inside the range is still seen; :mod:`netlrt.sensitivity.threshold` then finds the exact values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._problem import DecisionProblem, check_int, html_table, model_problem, resolve_metric

if TYPE_CHECKING:
    from ..model import Model
    from ..patient import Patient

#: Grid points per parameter: 21 puts one every 5% of the range.
DEFAULT_GRID = 21

COLUMNS = ["parameter", "label", "unit", "base", "low", "high", "metric_at_low", "metric_at_high",
           "metric_min", "metric_max", "swing", "best_at_low", "best_at_high", "changes", "switch_values",
           "switch_to"]


@dataclass(frozen=True)
class OneWayResult:
    """Tornado table and the curves behind it.

    Attributes
    ----------
    metric, metric_unit : str
        What was measured (readable) and its unit.
    base_value : float
        The metric with every parameter at base.
    base_best : str
        The recommendation with every parameter at base.
    table : DataFrame
        One row per parameter, largest swing first (columns :data:`COLUMNS`). ``swing`` is the metric's
        max minus min over the grid; ``changes`` is True when some grid value recommends another option
        than the base case; ``switch_values`` are the grid values where the best option differs from the
        one at the grid value below, and ``switch_to`` the option that takes over there.
    curves : DataFrame
        Long form: ``parameter``, ``value``, ``metric``, ``best``, one row per grid point.
    """

    metric: str
    metric_unit: str
    base_value: float
    base_best: str
    table: pd.DataFrame
    curves: pd.DataFrame

    def to_df(self) -> pd.DataFrame:
        """The tornado table, one row per parameter, largest swing first."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        note = f"Base case: {self.metric} = {self.base_value:.4g}; recommended {self.base_best}."
        return html_table(f"One-way sensitivity: {self.metric}", self.table, note)


def analyze(problem: DecisionProblem, *, metric: Any = "gap", n_grid: int = DEFAULT_GRID) -> OneWayResult:
    """Move each parameter over a grid across ``[low, high]`` with the others at base.

    Parameters
    ----------
    problem : DecisionProblem
    metric : str or tuple, default "gap"
        ``"gap"`` (best minus second-best utility), ``"margin"`` (base-case recommendation minus its best
        alternative; negative where it is no longer recommended), ``("utility", option)`` or
        ``("outcome", option, outcome)``.
    n_grid : int, default 21
        Grid points per parameter, ends included.

    Returns
    -------
    OneWayResult

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
    ...                        (Parameter.uniform("p", 0.2, 0.8), Parameter.uniform("q", 0.2, 0.8)), ("A", "B"))
    >>> analyze(prob, metric=("utility", "A"), n_grid=7).to_df()["swing"].round(3).tolist()
    [0.6, 0.0]
    """
    n_grid = check_int("n_grid", n_grid, 2)
    m = resolve_metric(metric, problem)
    grids = [np.linspace(p.low, p.high, n_grid) for p in problem.params]
    # One batch: the base case first, then every parameter's grid.
    X = np.vstack([problem.base[None, :]] + [problem.vary([j], g) for j, g in enumerate(grids)])
    U = problem.f(X)
    values = m(problem, X, U)
    best = problem.best(U)
    base_best = best[0]
    rows, curves = [], []
    for j, (p, grid) in enumerate(zip(problem.params, grids)):
        sl = slice(1 + j * n_grid, 1 + (j + 1) * n_grid)
        v, b = values[sl], best[sl]
        switch = [i for i in range(1, n_grid) if b[i] != b[i - 1]]
        rows.append({
            "parameter": p.id, "label": p.label, "unit": p.unit, "base": p.base, "low": p.low, "high": p.high,
            "metric_at_low": v[0], "metric_at_high": v[-1], "metric_min": v.min(), "metric_max": v.max(),
            "swing": v.max() - v.min(), "best_at_low": b[0], "best_at_high": b[-1],
            "changes": any(x != base_best for x in b),
            "switch_values": tuple(float(grid[i]) for i in switch), "switch_to": tuple(b[i] for i in switch),
        })
        curves.append(pd.DataFrame({"parameter": p.id, "value": grid, "metric": v, "best": b}))
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values("swing", ascending=False, kind="stable")
    return OneWayResult(m.label, m.unit, float(values[0]), base_best, table.reset_index(drop=True),
                        pd.concat(curves, ignore_index=True))


def run(model: Model, patient: Patient, *, metric: Any = "gap", n_grid: int = DEFAULT_GRID) -> OneWayResult:
    """One-way analysis of a patient's decision over every uncertain parameter (see :meth:`netlrt.Model.one_way`)."""
    return analyze(model_problem(model, patient), metric=metric, n_grid=n_grid)
