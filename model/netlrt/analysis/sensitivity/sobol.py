"""Global (variance-based) sensitivity: Sobol first-order and total indices via SALib.

SALib draws a Saltelli/Sobol design on the unit hypercube; the problem turns it into parameter values through
each prior's inverse CDF (for a model, :meth:`PriorSet.ppf(..., fast=True) <netlrt.evidence.priors.PriorSet.ppf>`,
every column at once), so the parameters follow their priors and the indices apportion the output's variance
under the priors. The default output is the margin of the base-case recommendation (at the prior means) over
its best alternative: continuous, negative exactly where another therapy would be best, so its variance is
the decision's.

**Is N large enough?** SALib's bootstrap confidence half-widths (``S1_conf``, ``ST_conf``, 95%) are kept in
the table, and each row is flagged when its estimate cannot be read at face value: ``S1 > ST`` beyond the
intervals (impossible for the true indices), ``S1 < 0`` beyond its interval, or two neighbours in the ranking
of the :data:`TOP_RANKED` largest total indices whose intervals overlap, unless neither interval lies above
:data:`NEGLIGIBLE` (totals indistinguishable from a negligible share of the variance are not ranked against each
other). Gaps smaller than :data:`NEGLIGIBLE` are not flagged either. :attr:`SobolResult.stable` is False when
any of these occurs, and the notes say to raise ``n_draws``; overlapping neighbours may instead be truly equal
(parameters with equal priors and the same role), which no ``n_draws`` separates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...checks import is_bool, positive_int, power_of_two
from ...seeding import SeedLike, as_generator
from ._problem import DecisionProblem, Metric, html_table, model_problem, resolve_metric

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.patient import Patient

__all__ = ["saltelli_layout", "COLUMNS", "MAX_DRAWS", "NEGLIGIBLE", "SobolResult", "TOP_RANKED", "analyze",
           "overlapping_neighbours", "run"]

#: Uniforms are kept this far inside (0, 1) so that no inverse CDF returns 0 or infinity.
EDGE = 1e-12
#: How many of the largest total indices must be told apart for the ranking to count as stable.
TOP_RANKED = 10
COLUMNS = ["parameter", "label", "unit", "S1", "S1_conf", "ST", "ST_conf", "flag"]


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of one scalar output.

    Attributes
    ----------
    output : str
        What the indices apportion (readable).
    table : DataFrame
        One row per parameter, largest total index first (columns :data:`COLUMNS`); ``*_conf`` are SALib's
        bootstrap 95% confidence half-widths; ``flag`` says why a row cannot be read at face value (empty
        when it can; see the module notes).
    s2 : DataFrame or None
        Second-order indices (parameter x parameter, upper triangle) when requested.
    n_draws : int
        SALib's base sample size (the model ran ``n_draws * (D + 2)`` times).
    seed : int
        The integer seed passed to SALib.
    variance : float
        Variance of the output over the design (0 means nothing to apportion).
    notes : tuple of str
    """

    output: str
    table: pd.DataFrame
    s2: pd.DataFrame | None
    n_draws: int
    seed: int
    variance: float
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Alias of :attr:`n_draws` (netlrt 0.1's name)."""
        return self.n_draws

    @property
    def stable(self) -> bool:
        """Whether every index can be read at face value and the top of the ranking is told apart."""
        return bool((self.table["flag"] == "").all())

    def to_df(self) -> pd.DataFrame:
        """One row per parameter: S1, ST, their confidence half-widths and the flag, largest ST first."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        note = f"Output: {self.output}; N = {self.n_draws}, seed {self.seed}, output variance {self.variance:.3g}."
        return html_table("Sobol indices (parameters drawn from their priors)", self.table, note, self.notes)


#: Relative size of floating-point rounding in the utilities (a thousand machine epsilons): an output whose spread
#: over the design is below this share of the utilities' size is constant to rounding, with nothing to apportion.
RESOLUTION = 1e3 * np.finfo(float).eps
#: Largest base sample: the design holds n_draws x (parameters + 2) rows (2**40 asked for a petabyte).
MAX_DRAWS = 1 << 16


#: Indices below this share of the output's variance change no reading of the table: a gap of S1 above ST, an S1
#: below 0 or two overlapping totals smaller than this are not flagged (at the report's N, parameters with totals
#: of 1e-6 to 1e-4 had S1 a little below 0 beyond SALib's intervals, so every N asked for four times more).
NEGLIGIBLE = 0.01
_OVERLAP = "rank overlaps a neighbour's"


def _flags(df: pd.DataFrame, floor: float) -> list[str]:
    """Per row (sorted by ST), why the estimates cannot be read at face value.

    Differences below ``floor`` are never flagged: :func:`analyze` passes the larger of :data:`NEGLIGIBLE` and
    the size of an index that rounding of the utilities alone can produce (e.g. for a parameter whose effect
    cancels to the last digits).
    """
    s1, s1c, st, stc = (df[c].to_numpy() for c in ("S1", "S1_conf", "ST", "ST_conf"))
    flags: list[list[str]] = [[] for _ in range(len(df))]
    for i in range(len(df)):
        if s1[i] - st[i] > max(np.hypot(s1c[i], stc[i]), floor):
            flags[i].append("S1 > ST beyond the intervals")
        if s1[i] < -max(s1c[i], floor):
            flags[i].append("S1 < 0 beyond its interval")
    for a in overlapping_neighbours(st, stc, floor):
        for i in (a, a + 1):
            if _OVERLAP not in flags[i]:
                flags[i].append(_OVERLAP)
    return ["; ".join(f) for f in flags]


def overlapping_neighbours(st: np.ndarray, conf: np.ndarray, floor: float = 0.0,
                           top: int = TOP_RANKED) -> list[int]:
    """Ranks ``a`` (totals sorted largest first) whose interval overlaps that of rank ``a + 1``, among the ``top``
    largest, unless neither interval lies above ``floor`` (0, or the size below which an index is rounding or
    negligible: :func:`_flags`)."""
    told = st - conf > floor  # the total's interval lies above the floor
    return [a for a in range(min(top, len(st)) - 1)
            if (told[a] or told[a + 1]) and st[a] - conf[a] <= st[a + 1] + conf[a + 1]]


def _notes(df: pd.DataFrame, n_draws: int, floor: float) -> tuple[str, ...]:
    def rows(n: int, one: str, many: str) -> str:
        return f"{n} {one}" if n == 1 else f"{n} {many}"

    notes = []
    flagged = df["flag"] != ""
    overlap = df["flag"] == _OVERLAP  # no other flag
    more = (f"raise the draws (n_draws; --sobol-draws in netlrt report, --draws in netlrt analyse), e.g. to "
            f"{4 * n_draws}")
    if (flagged & ~overlap).any():
        notes.append(f"N = {n_draws} is too small: {rows(int((flagged & ~overlap).sum()), 'row has', 'rows have')} S1 "
                     f"above ST or below 0 beyond the intervals; {more}, before reading the indices")
    if overlap.any():
        which = rows(int(overlap.sum()), "row whose interval overlaps", "rows whose intervals overlap")
        notes.append(f"The order of {which} a neighbour's is not established "
                     f"at N = {n_draws}: {more}, unless they may be truly equal, as parameters with equal priors and "
                     "the same role are (the modalities' exchangeable effects)")
    small = int(((df["S1"] < -floor) & (df["S1"] >= -df["S1_conf"])).sum())
    if small:
        notes.append(f"{rows(small, 'parameter has', 'parameters have')} S1 slightly below 0, within "
                     f"{'its interval' if small == 1 else 'their intervals'}: sampling noise, read as 0")
    return tuple(notes)


@lru_cache(maxsize=8)
def _base(n_params: int, n_draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The Saltelli base matrices A and B (uniforms): the two halves of a scrambled Sobol sequence in 2D dimensions.

    Cached (read-only): every patient of a report shares them.
    """
    from scipy.stats import qmc

    base = qmc.Sobol(d=2 * n_params, scramble=True, seed=seed).random(n_draws)
    base.setflags(write=False)
    return base[:, :n_params], base[:, n_params:]


def saltelli_layout(a: np.ndarray, b: np.ndarray, second_order: bool) -> np.ndarray:
    """The Saltelli design's rows from its base matrices ``a`` and ``b`` (``(N, D)`` each), in the layout of
    SALib's ``sample.sobol.sample``, built with array operations (SALib fills it row by row in Python, seconds
    for ~70 parameters).

    Rows per base point: A, AB_1..AB_D, (BA_1..BA_D,) B, where AB_j is A with column j from B; the layout
    SALib's ``analyze.sobol.analyze`` reads. Every row only moves values between ``a`` and ``b``, so the layout
    commutes with any column-wise transform: :func:`analyze` lays out the parameter values of ``a`` and ``b``
    (2N rows through the inverse CDFs instead of ``N (D + 2)``).

    Examples
    --------
    >>> saltelli_layout(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]), False).tolist()
    [[1.0, 2.0], [3.0, 2.0], [1.0, 4.0], [3.0, 4.0]]
    """
    d = a.shape[1]
    blocks = [a[:, None, :]]
    ab = np.repeat(a[:, None, :], d, axis=1)
    ab[:, np.arange(d), np.arange(d)] = b
    blocks.append(ab)
    if second_order:
        ba = np.repeat(b[:, None, :], d, axis=1)
        ba[:, np.arange(d), np.arange(d)] = a
        blocks.append(ba)
    blocks.append(b[:, None, :])
    return np.concatenate(blocks, axis=1).reshape(-1, d)


def _design_outputs(problem: DecisionProblem, m: Metric, n_draws: int, second_order: bool,
                    seed: int) -> tuple[np.ndarray, float]:
    """The metric ``m`` at the rows of the Saltelli design, in :func:`saltelli_layout`'s order, and the size of the
    values it is computed from (the largest utility; 1 for an outcome's probability), the scale of its rounding.

    The parameter values are :func:`saltelli_layout` of the base matrices' values: equal to
    ``problem.from_unit`` of the design's uniforms (clipped to ``[EDGE, 1 - EDGE]``), since each inverse CDF
    acts value by value, at ``2 / (D + 2)`` of the cost. A problem with :attr:`DecisionProblem.saltelli` gives
    the utilities of the rows from the two base matrices; for second order, the rows BA_j (B with column j
    from A) are the middle rows of ``saltelli(B, A)``.
    """
    a, b = _base(len(problem.params), n_draws, seed)
    values = problem.from_unit(np.clip(np.vstack([a, b]), EDGE, 1 - EDGE))
    a, b = values[:n_draws], values[n_draws:]
    if m.kind == "outcome":
        return m(problem, saltelli_layout(a, b, second_order)), 1.0
    if problem.saltelli is None:
        X = saltelli_layout(a, b, second_order)
        U = problem.f(X)
    else:
        X, U = None, problem.saltelli(a, b)
        if second_order:
            U = np.concatenate([U[:, :-1], problem.saltelli(b, a)[:, 1:-1], U[:, -1:]], axis=1)
        U = U.reshape(-1, U.shape[-1])
    return m(problem, X, U), float(np.abs(U).max())


def analyze(problem: DecisionProblem, *, n_draws: int = 1024, seed: SeedLike = 0, metric: Any = "margin",
            second_order: bool = False, num_resamples: int = 100) -> SobolResult:
    """First-order and total Sobol indices of a scalar output of ``problem`` over its parameters' distributions.

    Parameters
    ----------
    problem : DecisionProblem
    n_draws : int, default 1024
        SALib's base sample size, a power of two (the Sobol sequence's balance needs it). The model is
        evaluated ``n_draws * (D + 2)`` times, or ``n_draws * (2 D + 2)`` with ``second_order``.
    seed : int, numpy Generator or None, default 0
        Through :func:`netlrt.seeding.as_generator`; an integer seed for SALib is drawn from it, so an int or
        a seeded Generator repeats exactly.
    metric : str or tuple, default "margin"
        The output (see :func:`netlrt.analysis.sensitivity.one_way.analyze`).
    second_order : bool, default False
    num_resamples : int, default 100
        Bootstrap resamples for the confidence half-widths.

    Returns
    -------
    SobolResult

    Examples
    --------
    >>> import numpy as np
    >>> from netlrt.analysis.sensitivity import DecisionProblem, Parameter
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0] + 0.1 * X[:, 1], np.zeros(len(X))]),
    ...                        (Parameter.uniform("a", 0, 1), Parameter.uniform("b", 0, 1)), ("A", "B"))
    >>> analyze(prob, n_draws=256, metric=("utility", "A")).to_df()["parameter"].tolist()
    ['a', 'b']
    """
    from SALib.analyze import sobol as salib_analyze  # SALib is imported only when an analysis runs

    n_draws = power_of_two("n_draws", positive_int("n_draws", n_draws, minimum=2, maximum=MAX_DRAWS))
    num_resamples = positive_int("num_resamples", num_resamples)
    if not is_bool(second_order):  # "no" is truthy: it would compute what was declined
        raise ValueError(f"second_order: {second_order!r}; allowed: True or False")
    m = resolve_metric(metric, problem)
    int_seed = int(as_generator(seed).integers(2**31 - 1))
    salib_problem = {"num_vars": len(problem.params), "names": problem.ids,
                     "bounds": [[0.0, 1.0]] * len(problem.params)}
    y, scale = _design_outputs(problem, m, n_draws, second_order, int_seed)
    # No variance to apportion beyond rounding (SALib would divide by zero, or apportion the rounding).
    constant = np.ptp(y) <= RESOLUTION * scale
    if constant:
        nan = np.full(len(problem.params), np.nan)
        si = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan, "S2": np.full((len(nan),) * 2, np.nan)}
    else:
        si = salib_analyze.analyze(salib_problem, y, calc_second_order=second_order,
                                   num_resamples=num_resamples, seed=int_seed)
    table = pd.DataFrame({
        "parameter": problem.ids, "label": [p.label for p in problem.params], "unit": [p.unit for p in problem.params],
        "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"], "flag": "",
    }, columns=COLUMNS).sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    if constant:
        notes: tuple[str, ...] = ("the output is constant over the design (to rounding): nothing to apportion",)
    else:
        rounding = RESOLUTION * scale / float(np.std(y))  # indices of the normalised output that rounding can give
        table["flag"] = _flags(table, max(rounding, NEGLIGIBLE))
        notes = _notes(table, n_draws, max(rounding, NEGLIGIBLE))
    s2 = pd.DataFrame(si["S2"], index=problem.ids, columns=problem.ids) if second_order else None
    return SobolResult(m.label, table, s2, n_draws, int_seed, float(np.var(y)), (*problem.notes, *notes))


def run(evaluator: Evaluator, patient: Patient, *, n_draws: int = 1024, seed: SeedLike = 0, metric: Any = "margin",
        second_order: bool = False) -> SobolResult:
    """Sobol indices of a patient's decision over every uncertain prior.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core.
    patient : Patient
        An eligible patient.
    n_draws : int, default 1024
    seed : int, numpy Generator or None, default 0
    metric : str or tuple, default "margin"
    second_order : bool, default False

    Returns
    -------
    SobolResult

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.cases import article_cases
    >>> ev = Evaluator(load_priors())
    >>> res = run(ev, article_cases()["case3_y90"], n_draws=32)
    >>> sorted(res.to_df()["parameter"]) == sorted(ev.priors.uncertain)
    True
    """
    return analyze(model_problem(evaluator, patient), n_draws=n_draws, seed=seed, metric=metric,
                   second_order=second_order)
