"""Global (variance-based) sensitivity: Sobol first-order and total indices via SALib.

SALib draws a Saltelli/Sobol design on the unit hypercube; each column goes through its parameter's
inverse CDF (for the model, the prior's ``ppf``), so the parameters follow their priors (SALib itself
has no beta distribution), and the indices apportion the output's variance under the priors.

No grouping is needed: each netlrt parameter is the P(yes) of a binary node or an odds/hazard ratio, so
no CPD row holds several free entries that must sum to one. P(no) is derived as ``1 - P(yes)`` (a
reparameterisation), and every draw of the design is a valid network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..seeding import SeedLike, as_generator
from ._problem import DecisionProblem, check_int, html_table, model_problem, resolve_metric

if TYPE_CHECKING:
    from ..model import Model
    from ..patient import Patient

#: Uniforms are kept this far inside (0, 1) so that no inverse CDF returns 0 or infinity (a log-normal
#: ratio of 0 is log(0) in the odds arithmetic); it moves a value by less than any sampling error.
EDGE = 1e-12

COLUMNS = ["parameter", "label", "unit", "S1", "S1_conf", "ST", "ST_conf"]


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of one scalar output.

    Attributes
    ----------
    output : str
        What the indices apportion (readable).
    table : DataFrame
        One row per parameter, largest total index first (columns :data:`COLUMNS`); ``*_conf`` are SALib's
        bootstrap 95% confidence half-widths.
    s2 : DataFrame or None
        Second-order indices (parameter x parameter, upper triangle) when requested.
    n, seed : int
        SALib's base sample size and the integer seed passed to it.
    variance : float
        Variance of the output over the design (0 means nothing to apportion).
    """

    output: str
    table: pd.DataFrame
    s2: pd.DataFrame | None
    n: int
    seed: int
    variance: float

    def to_df(self) -> pd.DataFrame:
        """One row per parameter: S1, ST and their confidence half-widths, largest ST first."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        note = f"Output: {self.output}; N = {self.n}, seed {self.seed}, output variance {self.variance:.3g}."
        return html_table("Sobol indices", self.table, note)


def analyze(problem: DecisionProblem, *, n: int = 1024, seed: SeedLike = 0, metric: Any = "margin",
            second_order: bool = False, num_resamples: int = 100) -> SobolResult:
    """First-order and total Sobol indices of a scalar output of ``problem`` over its parameters' distributions.

    Parameters
    ----------
    problem : DecisionProblem
    n : int, default 1024
        SALib's base sample size, a power of two (the Sobol sequence's balance needs it). The model is
        evaluated ``n * (D + 2)`` times, or ``n * (2 D + 2)`` with ``second_order``.
    seed : int, numpy Generator or None, default 0
        Through :func:`netlrt.seeding.as_generator`; an integer seed for SALib is drawn from it, so an int or
        a seeded Generator repeats exactly.
    metric : str or tuple, default "margin"
        The output (see :func:`netlrt.sensitivity.one_way.analyze`). ``"margin"`` is the base-case
        recommendation's utility minus the best alternative's: continuous, and negative exactly when the
        recommendation changes, so its variance is the decision-relevant one.
    second_order : bool, default False
    num_resamples : int, default 100
        Bootstrap resamples for the confidence half-widths.

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0] + 0.1 * X[:, 1], np.zeros(len(X))]),
    ...                        (Parameter.uniform("a", 0, 1), Parameter.uniform("b", 0, 1)), ("A", "B"))
    >>> analyze(prob, n=256, metric=("utility", "A")).to_df()["parameter"].tolist()
    ['a', 'b']
    """
    from SALib.analyze import sobol as salib_analyze  # SALib is imported only when an analysis runs
    from SALib.sample import sobol as salib_sample

    n = check_int("n", n, 2)
    if n & (n - 1):
        raise ValueError(f"n: must be a power of two (Sobol sequences balance only then), got {n}; "
                         f"allowed e.g. {1 << (n.bit_length() - 1)} or {1 << n.bit_length()}")
    num_resamples = check_int("num_resamples", num_resamples, 1)
    m = resolve_metric(metric, problem)
    int_seed = int(as_generator(seed).integers(2**31 - 1))
    salib_problem = {"num_vars": len(problem.params), "names": problem.ids,
                     "bounds": [[0.0, 1.0]] * len(problem.params)}
    u = salib_sample.sample(salib_problem, n, calc_second_order=second_order, seed=int_seed)
    u = np.clip(u, EDGE, 1 - EDGE)
    X = np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(problem.params)])
    y = m(problem, X, problem.f(X))
    if np.ptp(y) == 0:  # a constant output has no variance to apportion; SALib would divide by zero
        nan = np.full(len(problem.params), np.nan)
        si = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan, "S2": np.full((len(nan),) * 2, np.nan)}
    else:
        si = salib_analyze.analyze(salib_problem, y, calc_second_order=second_order,
                                   num_resamples=num_resamples, seed=int_seed)
    table = pd.DataFrame({
        "parameter": problem.ids, "label": [p.label for p in problem.params], "unit": [p.unit for p in problem.params],
        "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"],
    }, columns=COLUMNS).sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    s2 = pd.DataFrame(si["S2"], index=problem.ids, columns=problem.ids) if second_order else None
    return SobolResult(m.label, table, s2, n, int_seed, float(np.var(y)))


def run(model: Model, patient: Patient, *, n: int = 1024, seed: SeedLike = 0, metric: Any = "margin",
        second_order: bool = False) -> SobolResult:
    """Sobol indices of a patient's decision over every uncertain prior (see :meth:`netlrt.Model.sobol`)."""
    return analyze(model_problem(model, patient), n=n, seed=seed, metric=metric, second_order=second_order)

