"""One-way (tornado) sensitivity analysis: each parameter across its range, the others at their prior means.

Each parameter is moved over a grid from its ``low`` to its ``high`` value (for a model, the prior's 2.5th
and 97.5th percentiles) for the tornado's bars and curves. Where the recommendation changes inside that
range is not read off the grid: the switch points are the exact thresholds of
:func:`netlrt.analysis.sensitivity.threshold.search` (the same grid and root search as
:func:`threshold.analyze <netlrt.analysis.sensitivity.threshold.analyze>`) that fall inside ``[low, high]``.

The default measure, ``"margin"``, is the base-case recommendation's expected utility minus the best
alternative's: positive while it stays best, negative past a switch, so each bar shows on which side of the
switch its end lies (``best_at_low`` and ``best_at_high`` name the therapy best there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...checks import positive_int
from . import threshold
from ._problem import AT_MEANS, DecisionProblem, html_table, model_problem, resolve_metric, shown

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.patient import Patient

__all__ = ["COLUMNS", "DEFAULT_GRID", "MAX_GRID", "OneWayResult", "analyze", "run"]

#: Grid points per parameter: 21 puts one every 5% of the range.
DEFAULT_GRID = 21
#: Largest grid: every parameter's grid is evaluated at once (about 150 kB per grid point with the default priors).
MAX_GRID = 1001

COLUMNS = ["parameter", "label", "unit", "base", "low", "high", "metric_at_low", "metric_at_high",
           "metric_min", "metric_max", "swing", "best_at_low", "best_at_high", "changes", "switch_values",
           "switch_from", "switch_to"]


@dataclass(frozen=True)
class OneWayResult:
    """Tornado table and the curves behind it.

    Attributes
    ----------
    metric, metric_unit : str
        What was measured (readable) and its unit.
    base_value : float
        The metric with every parameter at its prior mean.
    base_best : str
        The recommendation with every parameter at its prior mean.
    table : DataFrame
        One row per parameter, largest swing first (columns :data:`COLUMNS`). ``swing`` is the metric's max
        minus min over the grid; ``best_at_low``/``best_at_high`` the best option at the range's ends;
        ``changes`` is True when another option is best somewhere in the range; ``switch_values`` are the
        exact thresholds inside the range (increasing; see the module notes), where ``switch_from`` gives way
        to ``switch_to``. Values are exact (thresholds to :data:`threshold.DIGITS
        <netlrt.analysis.sensitivity.threshold.DIGITS>` significant digits); displays round them.
    curves : DataFrame
        Long form: ``parameter``, ``value``, ``metric``, ``best``, one row per grid point.
    notes : tuple of str
    """

    metric: str
    metric_unit: str
    base_value: float
    base_best: str
    table: pd.DataFrame
    curves: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"One-way sensitivity ({AT_MEANS}): {self.metric}"

    def to_df(self) -> pd.DataFrame:
        """The tornado table, one row per parameter, largest swing first (exact values)."""
        return self.table.copy()

    def switch_text(self) -> pd.Series:
        """Per parameter, where another option takes over, e.g. ``'TAE below 3.37'`` (empty when none)."""
        out = {}
        for r in self.table.itertuples():
            parts = [f"{b} from {shown(v)}" if a == self.base_best else f"{a} below {shown(v)}"
                     for v, a, b in zip(r.switch_values, r.switch_from, r.switch_to)]
            out[r.parameter] = "; ".join(parts)
        return pd.Series(out, name="switches")

    def _repr_html_(self) -> str:
        note = f"Base case ({AT_MEANS}): {self.metric} = {shown(self.base_value)}; {self.base_best} is best."
        df = self.table.drop(columns=["switch_values", "switch_from", "switch_to"]).assign(
            switches=self.switch_text().to_numpy())
        return html_table(self.title, df, note, self.notes)


def analyze(problem: DecisionProblem, *, metric: Any = "margin", n_grid: int = DEFAULT_GRID,
            threshold_grid: int = threshold.DEFAULT_GRID) -> OneWayResult:
    """Move each parameter over a grid across ``[low, high]`` with the others at base.

    Parameters
    ----------
    problem : DecisionProblem
    metric : str or tuple, default "margin"
        ``"margin"`` (the base-case recommendation minus its best alternative; negative past a switch),
        ``"gap"`` (best minus second best), ``("utility", option)`` or ``("outcome", option, outcome)``.
    n_grid : int, default 21
        Grid points per parameter for the bars and curves, ends included.
    threshold_grid : int, default 201
        Bracketing grid of the exact switch search (as ``threshold.analyze``'s ``n_grid``).

    Returns
    -------
    OneWayResult

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.analysis.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
    ...                        (Parameter.uniform("p", 0.2, 0.8), Parameter.uniform("q", 0.2, 0.8)), ("A", "B"))
    >>> df = analyze(prob, n_grid=7).to_df()
    >>> df[["parameter", "best_at_low", "best_at_high", "switch_values"]].values.tolist()
    [['p', 'B', 'A', (0.55,)], ['q', 'A', 'B', (0.4,)]]
    """
    n_grid = positive_int("n_grid", n_grid, minimum=2, maximum=MAX_GRID)
    threshold_grid = positive_int("threshold_grid", threshold_grid, minimum=2)
    m = resolve_metric(metric, problem)
    grids = [np.linspace(p.low, p.high, n_grid) for p in problem.params]
    supports = [np.linspace(*threshold.support(p), threshold_grid) for p in problem.params]
    # One batch: the base case, every parameter's grid, then every parameter's threshold grid.
    X = np.vstack([problem.base[None, :]] + [problem.vary([j], g) for j, g in enumerate(grids)]
                  + [problem.vary([j], g) for j, g in enumerate(supports)])
    U = problem.f(X)
    head = 1 + len(grids) * n_grid
    values = m(problem, X[:head], U[:head])
    best = problem.best(U[:head])
    base_best = best[0]
    opts = problem.options
    # Every parameter's switch search at once: one model evaluation per root-finding step, not per value.
    switches = threshold.search_many(problem, [(j, g, U[head + j * threshold_grid:head + (j + 1) * threshold_grid])
                                               for j, g in enumerate(supports)])
    rows = []
    for j, p in enumerate(problem.params):
        sl = slice(1 + j * n_grid, 1 + (j + 1) * n_grid)
        v, b = values[sl], best[sl]
        found = [f for f in switches[j] if p.low <= f[0] <= p.high]
        rows.append({
            "parameter": p.id, "label": p.label, "unit": p.unit, "base": p.base, "low": p.low, "high": p.high,
            "metric_at_low": v[0], "metric_at_high": v[-1], "metric_min": v.min(), "metric_max": v.max(),
            "swing": v.max() - v.min(), "best_at_low": b[0], "best_at_high": b[-1],
            "changes": bool(found) or any(x != base_best for x in b),
            "switch_values": tuple(t for t, _, _ in found), "switch_from": tuple(opts[a] for _, a, _ in found),
            "switch_to": tuple(opts[c] for _, _, c in found),
        })
    curves = pd.DataFrame({"parameter": np.repeat(problem.ids, n_grid), "value": np.concatenate(grids),
                           "metric": values[1:], "best": best[1:]})
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values("swing", ascending=False, kind="stable")
    return OneWayResult(m.label, m.unit, float(values[0]), base_best, table.reset_index(drop=True),
                        curves, problem.notes)


def run(evaluator: Evaluator, patient: Patient, *, metric: Any = "margin", n_grid: int = DEFAULT_GRID) -> OneWayResult:
    """One-way analysis of a patient's decision over every uncertain parameter, the others at their prior means.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core.
    patient : Patient
        An eligible patient.
    metric : str or tuple, default "margin"
    n_grid : int, default 21

    Returns
    -------
    OneWayResult

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.cases import article_cases
    >>> ev = Evaluator(load_priors())
    >>> len(run(ev, article_cases()["case3_y90"], n_grid=3).to_df()) == len(ev.priors.uncertain)
    True
    """
    return analyze(model_problem(evaluator, patient), metric=metric, n_grid=n_grid)
