"""Expected value of sample information (EVSI) of a proposed study, from a PSA sample.

Pure functions on arrays: ``utilities`` is ``(n, k)`` (net benefit in QALYs per draw and option) and
``draws`` maps parameter id -> ``(n,)`` values (a dict or a DataFrame) in the same draws; the study is a
:class:`~netlrt.analysis.study_design.StudyDesign`.

**Method** (Strong, Oakley, Brennan & Breeze 2015). For every PSA draw one dataset is simulated from
the draw's parameters and reduced to summary statistics ``T``; with ``g(T) = E[U | T]``,

    EVSI = mean_n max_d g_d(T_n) - max_d mean_n U_d.

``g`` is estimated by regressing the utilities (differences against the option best on average) on
``T`` with the regression of netlrt's EVPPI (:mod:`netlrt.analysis.voi`: penalised least squares on cubic
B-splines of the ranks of each statistic, tensor products for several, the penalty's weight by generalised
cross-validation), so ``EVSI >= 0``.

**EVSI <= EVPPI** holds for the exact values, not necessarily for two regressions (on ``T`` and on the
parameters ``theta`` the data depend on) fitted to one sample: both methods cap the estimate at the EVPPI
of ``theta`` on the same sample (exactly :func:`netlrt.analysis.voi.evppi`), a value the truth cannot
exceed.

* ``method="regression"`` (default, Strong et al.): ``U`` is regressed on ``T``.
* ``method="two_stage"``: ``T`` is regressed on not ``U`` but its EVPPI fit ``h``, the estimate of
  ``E[U | theta]``, valid as the data depend on nothing else (``E[U | T] = E[E[U | theta] | T]``): the
  other parameters' noise is smoothed away before the second regression.

In the tests' cases both agree with the closed forms. With two statistics (two binomial outcomes, 4000
draws, 8 samples) both were about 2% below the exact value on average (half a standard error), and the
two-stage estimates' spread was about 15% smaller. Heath et al.'s moment matching is not implemented.

**Standard error**: a bootstrap of the PSA rows (utilities, parameters and simulated data together),
both regressions refitted with the penalties chosen on the full sample, 50 replicates (each fitted
once per distinct draw it takes, weighted by its copies). Unlike the coefficient resampling of
:func:`netlrt.analysis.voi.evppi`, it includes the error of a finite PSA sample, which is what separates
the estimate from the exact EVSI. Over repeated samples in the tests' cases the estimates' SD was 0.9-1.25
times the mean bootstrap SE.

**Units**: QALYs throughout, study costs included (money divided by the willingness to pay per QALY);
:class:`PopulationScale` turns per-patient values into population values.

References
----------
Strong M, Oakley JE, Brennan A, Breeze P. Estimating the expected value of sample information using the
probabilistic sensitivity analysis sample: a fast, nonparametric regression-based method. Med Decis
Making. 2015;35(5):570-583.
Heath A, Manolopoulou I, Baio G. Efficient Monte Carlo estimation of the expected value of sample
information using moment matching. Med Decis Making. 2018;38(2):163-173.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import finite_number, is_integer, short_repr
from ..evidence.study_table import MAX_COUNT
from ..seeding import SeedLike, as_generator
from .population_scale import PopulationScale, population_value
from .study_design import (BinomialOutcome, ExponentialMedian, LogNormalEstimate, Measurement, StudyDesign,
                           TwoArmRatio)

if TYPE_CHECKING:
    import pandas as pd

    from .voi import Estimate  # the same module as _voi() below

__all__ = ["BinomialOutcome", "ENBSResult", "EVSICurve", "ExponentialMedian", "LogNormalEstimate", "Measurement",
           "PopulationScale", "StudyDesign", "TwoArmRatio", "enbs", "evsi", "evsi_curve", "population_value"]


def _voi() -> Any:
    """netlrt's EVPI/EVPPI module: imported here only, and lazily (it loads scipy)."""
    from . import voi

    return voi


def _html(title: str, df: pd.DataFrame, note: str) -> str:
    return f"<h4>{title}</h4><p>{note}</p>" + df.to_html(index=False, float_format=lambda x: f"{x:.4g}")


# --- estimation -------------------------------------------------------------------------------------------------

def _fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, tuple[int, float]]:
    """Fitted values of ``y`` smoothed on ``x`` (the EVPPI regression, its penalty chosen by GCV), and the basis
    size and penalty used."""
    voi = _voi()
    smoother = voi._Smoother(voi.rank_scale(x), voi.basis_size(len(y), x.shape[1]))
    lam, fitted = smoother.fit(y)
    return fitted, (smoother.size, lam)


def _value(fitted_delta: np.ndarray) -> float:
    return float(_voi()._evppi_from_fitted(fitted_delta))


def _estimate(u: np.ndarray, theta: np.ndarray, summaries: list[np.ndarray], method: str,
              rng: np.random.Generator) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """(EVSI, SE) for each summary matrix, and (EVPPI of ``theta``, SE); ``method`` as in the module notes."""
    voi, n = _voi(), len(u)
    # Stage 1 is voi.evppi's own regression, so the cap below is exactly voi.evppi(u, theta) (voi sums an
    # untied parameter's draws in sorted order: a refit here could differ from it in the last bit).
    stage1 = voi._fit(u, theta)
    evppi, spec_theta = stage1.value, (stage1.smoother.size, stage1.lam)
    delta = voi.differences(u)
    response = stage1.fitted_by_draw() if method == "two_stage" else delta  # h: stage 1's fit
    fits = [_fit(response, t) for t in summaries]
    # Two regressions on one sample need not keep EVSI <= EVPPI, which the truth does: the cap (module notes).
    values = [min(max(_value(f), 0.0), evppi) for f, _ in fits]
    # Bootstrap: each replicate is the draws it takes, weighted by how often, refitted with the penalties chosen above.
    from .resample_fit import distinct, refit, resample_value

    groups = [distinct(t) for t in summaries]
    groups_theta = distinct(theta)
    reps = np.empty((voi.SE_REPLICATES, len(summaries) + 1))
    for b in range(voi.SE_REPLICATES):
        rows = rng.integers(0, n, n)
        times = np.bincount(rows, minlength=n)
        taken = np.flatnonzero(times)
        times = times[taken].astype(float)
        hb = refit(delta[taken], groups_theta, rows, taken, times, *spec_theta)
        reps[b, -1] = resample_value(hb, times, n)
        response = hb if method == "two_stage" else delta[taken]
        for j, (g, (_, spec)) in enumerate(zip(groups, fits)):
            reps[b, j] = min(resample_value(refit(response, g, rows, taken, times, *spec), times, n), reps[b, -1])
    se = reps.std(axis=0, ddof=1)
    return [(v, float(s)) for v, s in zip(values, se)], (evppi, float(se[-1]))


def _check_method(method: Any) -> str:
    if method not in ("regression", "two_stage"):
        raise ValueError(f"method: {method!r}; allowed: 'regression', 'two_stage'")
    return str(method)


def _prepare(utilities: Any, draws: Any, designs: list[StudyDesign]) -> tuple[np.ndarray, np.ndarray]:
    voi = _voi()
    measured = designs[0].parameters
    if len(measured) > voi.MAX_GROUP:  # EVSI is capped by the EVPPI of what the study measures
        raise ValueError(f"design: measures {len(measured)} parameters ({', '.join(measured)}); allowed: at most "
                         f"{voi.MAX_GROUP}, the largest group whose EVPPI netlrt estimates")
    u = voi._check_utilities(utilities)
    values = {}
    for d in designs:  # each design checks its own data models against the draws
        values = d.values(draws, len(u))
    theta = np.column_stack([values[p] for p in designs[0].parameters])
    return u, theta


def evsi(utilities: Any, draws: Any, design: StudyDesign, *, method: str = "regression",
         seed: SeedLike = 0) -> Estimate:
    """EVSI per patient of ``design`` (QALYs), by the regression method (module notes).

    Parameters
    ----------
    utilities
        ``(n_draws, n_options)`` net benefit (QALYs) of each option in each PSA draw.
    draws
        Parameter id -> ``(n_draws,)`` values in the same draws (dict or DataFrame); must hold every
        parameter the design's data depend on.
    design : StudyDesign
    method : {"regression", "two_stage"}, default "regression"
        Regress the utilities on the summary statistics (capped at the EVPPI), or their EVPPI fit
        (module notes).
    seed : int, numpy Generator or None
        Simulation of the data and the bootstrap; a given seed repeats exactly.

    Returns
    -------
    Estimate
        A float with ``0 <= EVSI <= voi.evppi(utilities, theta)`` for every sample, ``theta`` the
        parameters the data depend on (either method), and its bootstrap standard error as ``.se``.

    Raises
    ------
    ValueError
        Bad utilities or draws, a design parameter missing from the draws, or a data model that does
        not fit its parameter (e.g. a binomial outcome on a ratio).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> p = rng.beta(3, 7, 2000)
    >>> u = np.column_stack([p, np.full(2000, 0.32)])
    >>> e = evsi(u, {"p": p}, StudyDesign(BinomialOutcome("p", 30)), seed=0)
    >>> 0.03 < float(e) < 0.05, e.se < 0.005      # exact (beta-binomial): 0.0399
    (True, True)
    """
    if not isinstance(design, StudyDesign):
        raise ValueError(f"design: {design!r}; allowed: a StudyDesign")
    method = _check_method(method)
    u, theta = _prepare(utilities, draws, [design])
    rng = as_generator(seed)
    common = int(rng.integers(2**63))  # drawn as evsi_curve draws it: one study gives one number in both
    [(value, se)], _ = _estimate(u, theta, [design.simulate(draws, seed=common)], method, rng)
    return _voi().Estimate(value, se)


@dataclass(frozen=True)
class EVSICurve:
    """EVSI per patient against sample size, from one PSA sample (see :func:`evsi_curve`).

    Attributes
    ----------
    sizes : tuple of int
        The sizes passed to ``design_for_n`` (patients, or patients per arm for a two-arm design).
    evsi, se : tuple of float
        EVSI per patient (QALYs) and its bootstrap standard error at each size.
    evppi, evppi_se : float
        EVPPI of the parameters the data depend on: the limit of the EVSI as the study grows.
    evpi : float
        EVPI of the whole sample.
    parameters : tuple of str
        The parameters the data depend on.
    name : str
        The design's name.
    """

    sizes: tuple[int, ...]
    evsi: tuple[float, ...]
    se: tuple[float, ...]
    evppi: float
    evppi_se: float
    evpi: float
    parameters: tuple[str, ...]
    name: str = ""

    def to_df(self) -> pd.DataFrame:
        """One row per size: ``n``, ``evsi``, ``se``."""
        import pandas as pd

        return pd.DataFrame({"n": list(self.sizes), "evsi": list(self.evsi), "se": list(self.se)})

    def _repr_html_(self) -> str:
        note = (f"Study {self.name or '(unnamed)'} measuring {', '.join(self.parameters)}; EVPPI {self.evppi:.4g} "
                f"(SE {self.evppi_se:.2g}), EVPI {self.evpi:.4g} QALYs per patient.")
        return _html("EVSI by sample size", self.to_df(), note)


def _check_sizes(sizes: Any) -> tuple[int, ...]:
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = list(sizes)  # its elements are checked below like a list's
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) == 0:
        raise ValueError(f"sizes: {sizes!r}; allowed: a non-empty sequence of increasing integers >= 1")
    for s in sizes:
        if not is_integer(s) or not 1 <= s <= MAX_COUNT:
            raise ValueError(f"sizes: {short_repr(s)} in the sizes given; allowed: integers from 1 to 2**53")
    if any(b <= a for a, b in zip(sizes, sizes[1:])):
        raise ValueError(f"sizes: {list(sizes)}; allowed: strictly increasing integers")
    return tuple(int(s) for s in sizes)


def evsi_curve(utilities: Any, draws: Any, design_for_n: Callable[[int], StudyDesign], sizes: Sequence[int], *,
               method: str = "regression", seed: SeedLike = 0) -> EVSICurve:
    """EVSI per patient of ``design_for_n(n)`` for each ``n`` in ``sizes``.

    Every size's data are simulated from the same random numbers (common random numbers), so the curve
    is smooth in ``n`` and differences between sizes are estimated better than the values themselves.

    Parameters
    ----------
    utilities, draws
        As for :func:`evsi`.
    design_for_n : callable
        ``n -> StudyDesign``; every design must depend on the same parameters.
    sizes : sequence of int
        Strictly increasing sizes (>= 1).
    method : {"regression", "two_stage"}, default "regression"
    seed : int, numpy Generator or None

    Returns
    -------
    EVSICurve

    Raises
    ------
    ValueError
        As for :func:`evsi`; also bad ``sizes``, or ``design_for_n`` not returning a StudyDesign on the
        same parameters for every size.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> p = rng.beta(3, 7, 2000)
    >>> u = np.column_stack([p, np.full(2000, 0.32)])
    >>> c = evsi_curve(u, {"p": p}, lambda n: StudyDesign(BinomialOutcome("p", n)), [5, 50], seed=0)
    >>> c.evsi[0] < c.evsi[1] <= c.evppi <= c.evpi
    True
    """
    sizes, method = _check_sizes(sizes), _check_method(method)
    if not callable(design_for_n):
        raise ValueError(f"design_for_n: {design_for_n!r}; allowed: a callable n -> StudyDesign")
    designs = [design_for_n(n) for n in sizes]
    for n, d in zip(sizes, designs):
        if not isinstance(d, StudyDesign):
            raise ValueError(f"design_for_n: returned {d!r} for n={n}; allowed: a StudyDesign")
        if set(d.parameters) != set(designs[0].parameters):
            raise ValueError(f"design_for_n: the design for n={n} depends on {list(d.parameters)}, the one for "
                             f"n={sizes[0]} on {list(designs[0].parameters)}; allowed: the same parameters")
    u, theta = _prepare(utilities, draws, designs)
    rng = as_generator(seed)
    common = int(rng.integers(2**63))
    summaries = [d.simulate(draws, seed=common) for d in designs]
    est, (evppi, evppi_se) = _estimate(u, theta, summaries, method, rng)
    return EVSICurve(sizes, tuple(v for v, _ in est), tuple(s for _, s in est), evppi, evppi_se,
                     float(_voi().evpi(u)), designs[0].parameters, designs[0].name)


# --- net benefit of sampling -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ENBSResult:
    """Expected net benefit of sampling by sample size (see :func:`enbs`); all values in QALYs.

    Attributes
    ----------
    curve : EVSICurve
    population : PopulationScale
    cost_per_patient, fixed_cost : float
        Costs in QALYs.
    arms : int
        Arms of ``n`` patients each.
    best_n : int or None
        The size with the largest ENBS, or None when no size has a positive ENBS (no study worth running).
    """

    curve: EVSICurve
    population: PopulationScale
    cost_per_patient: float
    fixed_cost: float
    arms: int
    best_n: int | None

    def to_df(self) -> pd.DataFrame:
        """One row per size: ``n``, ``evsi``, ``se``, ``population_evsi``, ``cost``, ``enbs``, ``enbs_se``."""
        df = self.curve.to_df()
        factor = self.population.discounted_patients()
        df["population_evsi"] = df["evsi"] * factor
        df["cost"] = self.fixed_cost + self.cost_per_patient * self.arms * df["n"]
        df["enbs"] = df["population_evsi"] - df["cost"]
        df["enbs_se"] = df["se"] * factor  # the costs are known
        return df

    def _repr_html_(self) -> str:
        best = "no size has a positive ENBS" if self.best_n is None else f"best size n = {self.best_n}"
        note = (f"{self.population.discounted_patients():.4g} discounted patients; cost {self.fixed_cost:g} + "
                f"{self.cost_per_patient:g} x {self.arms} x n QALYs; {best}.")
        return _html("Expected net benefit of sampling", self.to_df(), note)


def enbs(curve: EVSICurve, *, population: PopulationScale, cost_per_patient: float = 0.0, fixed_cost: float = 0.0,
         arms: int = 1) -> ENBSResult:
    """Expected net benefit of sampling: population EVSI minus the study's cost, at each size of ``curve``.

    ``ENBS(n) = EVSI(n) * population.discounted_patients() - (fixed_cost + cost_per_patient * arms * n)``.

    Parameters
    ----------
    curve : EVSICurve
    population : PopulationScale
    cost_per_patient, fixed_cost : float, default 0
        Costs in QALYs (>= 0): a money cost divided by the willingness to pay per QALY, i.e. the health
        the money would buy elsewhere.
    arms : int, default 1
        Arms of ``n`` patients each (2 for a two-arm design sized per arm).

    Returns
    -------
    ENBSResult

    Examples
    --------
    >>> c = EVSICurve((10, 50, 200), (0.01, 0.02, 0.022), (0.001,) * 3, 0.025, 0.001, 0.03, ("p",))
    >>> enbs(c, population=PopulationScale(100, 5, 0.0), cost_per_patient=0.05).best_n
    50
    """
    if not isinstance(curve, EVSICurve):
        raise ValueError(f"curve: {curve!r}; allowed: an EVSICurve (from evsi_curve)")
    if not isinstance(population, PopulationScale):
        raise ValueError(f"population: {population!r}; allowed: a PopulationScale")
    cost_per_patient = finite_number("cost_per_patient", cost_per_patient, low=0.0)
    fixed_cost = finite_number("fixed_cost", fixed_cost, low=0.0)
    if not is_integer(arms) or arms < 1:
        raise ValueError(f"arms: {arms!r}; allowed: an integer >= 1")
    result = ENBSResult(curve, population, cost_per_patient, fixed_cost, int(arms), None)
    try:
        table = result.to_df()
    except OverflowError:  # arms beyond what a float holds
        table = None
    if table is None or not np.isfinite(table["enbs"].to_numpy()).all():
        raise ValueError(f"cost_per_patient, fixed_cost, arms: {cost_per_patient!r}, {fixed_cost!r}, {short_repr(arms)}"
                         " make a study cost more than a float can hold; allowed: costs whose total is finite")
    i = int(table["enbs"].to_numpy().argmax())
    best = int(table["n"].iloc[i]) if table["enbs"].iloc[i] > 0 else None
    return ENBSResult(curve, population, cost_per_patient, fixed_cost, int(arms), best)
