"""Proposed studies and their data models, for the expected value of sample information (:mod:`.evsi`).

A :class:`StudyDesign` lists what a study measures; each measurement is a data model that, given the
parameter values of one PSA draw, simulates the study's data and reduces them to summary statistics:

* :class:`BinomialOutcome`: events ~ Binomial(n, p); summary the proportion, or the logit of
  (events + 0.5) / (n + 1);
* :class:`LogNormalEstimate`: log estimate ~ N(log theta, sd^2 / n) (a ratio or a time); summary the
  log estimate;
* :class:`ExponentialMedian`: n exponential survival times with median theta, each followed for
  ``follow_up``; summary the log of the estimated median, log(2) exposure / (deaths + 0.5);
* :class:`TwoArmRatio`: ``n_per_arm`` patients per arm, control events ~ Binomial(n, p0), treated
  events ~ Binomial(n, p1) with p1 from p0 and the odds or hazard ratio; summary the estimated log
  ratio (and the control proportion when p0 is itself a model parameter).

The measurements of one design are independent given the parameters (e.g. two outcomes counted in
the same patients are simulated as independent binomials).

The EVSI smoother works on the ranks of each summary statistic, so any monotone transformation (the
proportion or its logit) gives the same EVSI; the choice matters only to the values :meth:`simulate`
returns.

For :class:`ExponentialMedian`, the rate's maximum-likelihood estimate is deaths / exposure, so the
log median has a standard error of about ``1 / sqrt(deaths)``; the deaths are simulated, not assumed,
so a short follow-up (few deaths) is valued as the weak study it is. For :class:`TwoArmRatio` on the
hazard scale the arms' survival over follow-up are ``S1 = S0 ** HR`` (proportional hazards), the
deaths are simulated per arm, and the log hazard ratio is normal with variance ``1/d0 + 1/d1`` (each
count + 0.5): with equal deaths ``d`` in total that is the familiar ``4 / d``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from ..checks import finite_number, is_integer, is_real, short_repr
from ..evidence.study_table import MAX_COUNT
from ..seeding import SeedLike, as_generator

__all__ = ["BinomialOutcome", "ExponentialMedian", "LogNormalEstimate", "Measurement", "StudyDesign", "TwoArmRatio"]

_CELLS = 1_000_000  # draws x patients simulated at once by ExponentialMedian (bounds memory)


def _check_size(name: str, value: Any) -> int:
    if not is_integer(value) or not 1 <= value <= MAX_COUNT:
        raise ValueError(f"{name}: {short_repr(value)}; allowed: an integer from 1 to 2**53 (patients)")
    return int(value)


def _check_id(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: {value!r}; allowed: a non-empty parameter id (str)")
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_range(kind: str, pid: str, x: np.ndarray, low: float, high: float, hint: str) -> None:
    """Values outside the parameter's range mean the data model does not fit the parameter."""
    if (x < low).any() or (x > high).any():
        raise ValueError(f"design: {kind} needs {hint}, but draws[{pid!r}] has values in "
                         f"[{x.min():.4g}, {x.max():.4g}]; allowed: {low:g} <= value <= {high:g}")


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


@dataclass(frozen=True)
class BinomialOutcome:
    """A probability measured in ``n`` patients: events ~ Binomial(n, p).

    Parameters
    ----------
    parameter : str
        Id of the probability parameter.
    n : int
        Patients (>= 1).
    summary : {"proportion", "logit"}, default "proportion"
        Summary statistic: events / n, or the continuity-corrected logit of (events + 0.5) / (n + 1).

    Examples
    --------
    >>> BinomialOutcome("response", 40).simulate({"response": np.array([0.0, 1.0])}, np.random.default_rng(0))
    array([[0.],
           [1.]])
    """

    parameter: str
    n: int
    summary: str = "proportion"

    def __post_init__(self) -> None:
        _check_id("parameter", self.parameter)
        object.__setattr__(self, "n", _check_size("n", self.n))
        if self.summary not in ("proportion", "logit"):
            raise ValueError(f"summary: {self.summary!r}; allowed: 'proportion', 'logit'")

    @property
    def parameters(self) -> tuple[str, ...]:
        """Ids of the parameters the simulated data depend on."""
        return (self.parameter,)

    def check(self, values: Mapping[str, np.ndarray]) -> None:
        """Raise ``ValueError`` if the draws are not probabilities."""
        _check_range("BinomialOutcome", self.parameter, values[self.parameter], 0.0, 1.0, "a probability")

    def simulate(self, values: Mapping[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """One dataset per draw, reduced to its ``(n_draws, 1)`` summary statistic."""
        events = rng.binomial(self.n, values[self.parameter])
        if self.summary == "proportion":
            return (events / self.n)[:, None]
        return _logit((events + 0.5) / (self.n + 1.0))[:, None]


@dataclass(frozen=True)
class LogNormalEstimate:
    """A positive parameter (a ratio or a time) estimated on the log scale: ``N(log theta, sd**2 / n)``.

    Parameters
    ----------
    parameter : str
        Id of the parameter (values > 0).
    n : int
        Patients (>= 1).
    sd : float
        Per-patient standard deviation on the log scale (> 0): the standard error with ``n`` patients is
        ``sd / sqrt(n)``. For example, a log odds ratio from two equal arms with event risks p0, p1 has
        ``sd**2 = 2 / (p0 (1 - p0)) + 2 / (p1 (1 - p1))`` with ``n`` the total patients.

    Examples
    --------
    >>> m = LogNormalEstimate("hr", 100, sd=2.0)
    >>> m.simulate({"hr": np.ones(20_000)}, np.random.default_rng(0)).std().round(2)   # sd / sqrt(n)
    np.float64(0.2)
    """

    parameter: str
    n: int
    sd: float

    def __post_init__(self) -> None:
        _check_id("parameter", self.parameter)
        object.__setattr__(self, "n", _check_size("n", self.n))
        object.__setattr__(self, "sd", finite_number("sd", self.sd, low=0.0, low_open=True))

    @property
    def parameters(self) -> tuple[str, ...]:
        """Ids of the parameters the simulated data depend on."""
        return (self.parameter,)

    def check(self, values: Mapping[str, np.ndarray]) -> None:
        """Raise ``ValueError`` if the draws are not all positive."""
        _check_range("LogNormalEstimate", self.parameter, values[self.parameter], 1e-300, np.inf, "a positive value")

    def simulate(self, values: Mapping[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """One log estimate per draw, ``(n_draws, 1)``."""
        theta = values[self.parameter]
        return (np.log(theta) + self.sd / np.sqrt(self.n) * rng.standard_normal(len(theta)))[:, None]


@dataclass(frozen=True)
class ExponentialMedian:
    """A median survival time measured in a cohort of ``n`` with exponential survival.

    Every patient is followed for ``follow_up`` (same unit as the median) or until death; the summary
    is the log of the estimated median ``log(2) * exposure / (deaths + 0.5)`` (0.5 keeps a study
    without deaths finite). Its standard error is about ``1 / sqrt(deaths)``.

    Parameters
    ----------
    parameter : str
        Id of the median survival time (values > 0).
    n : int
        Patients (>= 1).
    follow_up : float
        Follow-up of every patient (> 0), in the median's unit.

    Examples
    --------
    >>> m = ExponentialMedian("median_os", 50, follow_up=24.0)
    >>> m.simulate({"median_os": np.full(3, 30.0)}, np.random.default_rng(0)).shape
    (3, 1)
    """

    parameter: str
    n: int
    follow_up: float

    def __post_init__(self) -> None:
        _check_id("parameter", self.parameter)
        object.__setattr__(self, "n", _check_size("n", self.n))
        object.__setattr__(self, "follow_up", finite_number("follow_up", self.follow_up, low=0.0, low_open=True))

    @property
    def parameters(self) -> tuple[str, ...]:
        """Ids of the parameters the simulated data depend on."""
        return (self.parameter,)

    def check(self, values: Mapping[str, np.ndarray]) -> None:
        """Raise ``ValueError`` if the draws are not all positive."""
        _check_range("ExponentialMedian", self.parameter, values[self.parameter], 1e-300, np.inf, "a positive time")

    def simulate(self, values: Mapping[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """One log estimated median per draw, ``(n_draws, 1)``."""
        mean_time = values[self.parameter] / np.log(2.0)
        out = np.empty(len(mean_time))
        rows = max(1, _CELLS // self.n)
        for start in range(0, len(out), rows):
            scale = mean_time[start:start + rows, None]
            t = scale * rng.standard_exponential((len(scale), self.n))
            deaths = (t < self.follow_up).sum(axis=1)
            exposure = np.minimum(t, self.follow_up).sum(axis=1)
            out[start:start + rows] = np.log(np.log(2.0) * exposure / (deaths + 0.5))
        return out[:, None]


@dataclass(frozen=True)
class TwoArmRatio:
    """A comparative study: an odds or hazard ratio (treated vs control) with ``n_per_arm`` patients per arm.

    Parameters
    ----------
    parameter : str
        Id of the ratio (values > 0).
    n_per_arm : int
        Patients in each arm (>= 1).
    control_risk : float or str
        Event risk over the study's follow-up in the control arm: a number in (0, 1), or the id of a
        probability parameter (then the study also reports the control proportion, a second summary).
    scale : {"odds", "hazard"}, default "odds"
        ``"odds"``: treated risk ``expit(logit p0 + log OR)``, summary the log odds ratio of the two arms'
        counts (each cell + 0.5). ``"hazard"``: treated risk ``1 - (1 - p0) ** HR``, summary
        ``log HR + N(0, 1/(d0 + 0.5) + 1/(d1 + 0.5))`` with the simulated deaths ``d0, d1``.

    Examples
    --------
    >>> m = TwoArmRatio("or_y90", 60, control_risk=0.3)
    >>> m.simulate({"or_y90": np.full(4, 2.0)}, np.random.default_rng(0)).shape
    (4, 1)
    """

    parameter: str
    n_per_arm: int
    control_risk: float | str
    scale: str = "odds"

    def __post_init__(self) -> None:
        _check_id("parameter", self.parameter)
        object.__setattr__(self, "n_per_arm", _check_size("n_per_arm", self.n_per_arm))
        if self.scale not in ("odds", "hazard"):
            raise ValueError(f"scale: {self.scale!r}; allowed: 'odds', 'hazard'")
        if isinstance(self.control_risk, str):
            _check_id("control_risk", self.control_risk)
            if _looks_numeric(self.control_risk):
                raise ValueError(f"control_risk: {self.control_risk!r} is text, not a number or a parameter id; "
                                 "allowed: a number in (0, 1) or a parameter id")
        elif not is_real(self.control_risk) or not 0.0 < self.control_risk < 1.0:
            raise ValueError(f"control_risk: {self.control_risk!r}; allowed: a number in (0, 1) or a parameter id")
        else:
            object.__setattr__(self, "control_risk", float(self.control_risk))

    @property
    def parameters(self) -> tuple[str, ...]:
        """Ids of the parameters the simulated data depend on (the ratio, and the control risk if a parameter)."""
        return (self.parameter, self.control_risk) if isinstance(self.control_risk, str) else (self.parameter,)

    def check(self, values: Mapping[str, np.ndarray]) -> None:
        """Raise ``ValueError`` if the ratio draws are not positive or the control risks not probabilities."""
        _check_range("TwoArmRatio", self.parameter, values[self.parameter], 1e-300, np.inf, "a positive ratio")
        if isinstance(self.control_risk, str):
            _check_range("TwoArmRatio", self.control_risk, values[self.control_risk], 0.0, 1.0,
                         "a control_risk probability")

    def simulate(self, values: Mapping[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """The log ratio estimate per draw, ``(n_draws, 1)``, or ``(n_draws, 2)`` with the control proportion."""
        ratio = values[self.parameter]
        p0 = values[self.control_risk] if isinstance(self.control_risk, str) else np.full(len(ratio), self.control_risk)
        n = self.n_per_arm
        if self.scale == "odds":
            p1 = 1.0 / (1.0 + np.exp(-(_logit(p0) + np.log(ratio))))
            x0, x1 = rng.binomial(n, p0), rng.binomial(n, p1)
            est = np.log((x1 + 0.5) / (n - x1 + 0.5)) - np.log((x0 + 0.5) / (n - x0 + 0.5))
        else:
            p1 = -np.expm1(ratio * np.log1p(-p0))  # 1 - (1 - p0) ** HR, accurate for small risks
            x0, x1 = rng.binomial(n, p0), rng.binomial(n, p1)
            z = rng.standard_normal(len(ratio))
            est = np.log(ratio) + z * np.sqrt(1.0 / (x0 + 0.5) + 1.0 / (x1 + 0.5))
        if isinstance(self.control_risk, str):
            return np.column_stack([est, x0 / n])
        return est[:, None]


Measurement = Union[BinomialOutcome, LogNormalEstimate, ExponentialMedian, TwoArmRatio]
_KINDS = (BinomialOutcome, LogNormalEstimate, ExponentialMedian, TwoArmRatio)


@dataclass(frozen=True)
class StudyDesign:
    """A proposed study: the measurements it makes (each a data model with its own size).

    Parameters
    ----------
    measurements : measurement or sequence of measurements
        :class:`BinomialOutcome`, :class:`LogNormalEstimate`, :class:`ExponentialMedian`,
        :class:`TwoArmRatio`; each parameter measured at most once. Stored as a tuple.
    name : str, default ""
        A label for tables and plots.

    Raises
    ------
    ValueError
        An empty design, an item that is not a measurement, or a parameter measured twice.

    Examples
    --------
    >>> d = StudyDesign([BinomialOutcome("response", 60), LogNormalEstimate("hr", 60, sd=2.0)], name="pilot")
    >>> d.parameters
    ('response', 'hr')
    >>> d.simulate({"response": np.full(5, 0.4), "hr": np.ones(5)}, seed=0).shape
    (5, 2)
    """

    measurements: Sequence[Measurement]
    name: str = ""

    def __post_init__(self) -> None:
        items = (self.measurements,) if isinstance(self.measurements, _KINDS) else self.measurements
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence) or len(items) == 0:
            raise ValueError(f"measurements: {self.measurements!r}; allowed: a non-empty sequence of "
                             f"{', '.join(k.__name__ for k in _KINDS)}")
        for i, m in enumerate(items):
            if not isinstance(m, _KINDS):
                raise ValueError(f"measurements: item {i} is {m!r}; allowed: "
                                 f"{', '.join(k.__name__ for k in _KINDS)}")
        measured = [m.parameter for m in items]
        twice = sorted({p for p in measured if measured.count(p) > 1})
        if twice:
            raise ValueError(f"measurements: parameter(s) {twice} measured more than once; allowed: one measurement "
                             "per parameter (add the patients into one)")
        if not isinstance(self.name, str):
            raise ValueError(f"name: {self.name!r}; allowed: a string")
        object.__setattr__(self, "measurements", tuple(items))

    @property
    def arms(self) -> int:
        """Arms of the study: 2 when it compares (a :class:`TwoArmRatio`), else 1 (its cost counts every arm)."""
        return 2 if any(isinstance(m, TwoArmRatio) for m in self.measurements) else 1

    @property
    def parameters(self) -> tuple[str, ...]:
        """Ids of every parameter the simulated data depend on, in order of first use."""
        return tuple(dict.fromkeys(p for m in self.measurements for p in m.parameters))

    def values(self, draws: Any, n_draws: int | None = None) -> dict[str, np.ndarray]:
        """The draws of :attr:`parameters` as float arrays, checked against each data model.

        Parameters
        ----------
        draws : mapping or DataFrame
            Parameter id -> ``(n_draws,)`` numbers.
        n_draws : int, optional
            Required length; by default the length of the first parameter's draws.

        Returns
        -------
        dict
            Parameter id -> float array, for the ids in :attr:`parameters`.

        Raises
        ------
        ValueError
            A parameter missing from ``draws`` (message starts ``design:``), draws that are not finite
            numbers of the right length (``draws[id]:``), or values outside a data model's range, such
            as a binomial outcome on a ratio (``design:``).
        """
        available = list(draws.keys())
        out: dict[str, np.ndarray] = {}
        if n_draws is None and self.parameters[0] in available:
            n_draws = len(np.asarray(draws[self.parameters[0]]))
        for pid in self.parameters:
            if pid not in available:
                raise ValueError(f"design: parameter {pid!r} is not in draws; available: {sorted(map(str, available))}")
            x = np.asarray(draws[pid])
            if x.dtype.kind not in "iuf":
                raise ValueError(f"draws[{pid!r}]: dtype {x.dtype}; allowed: numbers (bool and str are not)")
            x = x.astype(float)
            if x.ndim != 1 or (n_draws is not None and len(x) != n_draws) or not np.isfinite(x).all():
                raise ValueError(f"draws[{pid!r}]: shape {x.shape}; allowed: {n_draws} finite values")
            out[pid] = x
        for m in self.measurements:
            m.check(out)
        return out

    def simulate(self, draws: Any, *, seed: SeedLike = 0) -> np.ndarray:
        """One dataset per draw, reduced to its summary statistics.

        Parameters
        ----------
        draws : mapping or DataFrame
            Parameter id -> ``(n_draws,)`` values, as for :meth:`values`.
        seed : int, numpy Generator or None
            Through :func:`netlrt.seeding.as_generator`; the measurements draw in order, so a seed repeats.

        Returns
        -------
        numpy.ndarray
            ``(n_draws, n_summaries)``: each measurement's columns, in the order of :attr:`measurements`.

        Raises
        ------
        ValueError
            As for :meth:`values`.
        """
        values = self.values(draws)
        rng = as_generator(seed)
        return np.column_stack([m.simulate(values, rng) for m in self.measurements])
