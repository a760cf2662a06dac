"""What every analysis shares: parameter specs, the vectorised decision problem, and the output metrics.

An analysis sees a :class:`DecisionProblem`: a function ``f(X) -> U`` from an ``(n, D)`` array of
parameter values to an ``(n, k)`` array of option utilities, plus one :class:`Parameter` per column of
``X``. :func:`model_problem` is the one place that builds it from a model and a patient, on the batch
evaluator (:meth:`netlrt.Model.outcome_draws`); tests build small ones by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import decision
from ..patient import Patient
from ..priors import Prior
from ..vocabulary import MODALITIES, MODALITY_ALIASES, OUTCOME_LABELS, OUTCOMES

if TYPE_CHECKING:
    from ..model import Model


@dataclass(frozen=True)
class Parameter:
    """One varied input: its name, base value, one-way range and inverse CDF.

    Attributes
    ----------
    id : str
    label : str
        Readable name for tables and axes.
    unit : str
    base : float
        Value when the parameter is not the one being varied (the prior mean).
    low, high : float
        One-way range (a prior's 2.5th and 97.5th percentiles).
    ppf : callable
        Inverse CDF, uniforms -> values; Sobol designs and threshold searches go through it.
    """

    id: str
    label: str
    unit: str
    base: float
    low: float
    high: float
    ppf: Callable[[np.ndarray], np.ndarray]

    @classmethod
    def from_prior(cls, prior: Prior) -> Parameter:
        """The spec of a model parameter, from its prior."""
        return cls(prior.id, prior.description, prior.unit, prior.mean, prior.low, prior.high, prior.ppf)

    @classmethod
    def uniform(cls, id: str, low: float, high: float, *, base: float | None = None, label: str | None = None,
                unit: str = "") -> Parameter:
        """A parameter uniform on ``[low, high]`` (base: the midpoint), for hand-built problems.

        Examples
        --------
        >>> Parameter.uniform("p", 0.0, 2.0).base
        1.0
        """
        if not low < high:
            raise ValueError(f"{id}: low {low} must be below high {high}")
        return cls(id, label or id, unit, (low + high) / 2 if base is None else float(base), float(low), float(high),
                   lambda u: low + (high - low) * np.asarray(u, dtype=float))


@dataclass(frozen=True)
class DecisionProblem:
    """A vectorised decision function with its parameter specs.

    Attributes
    ----------
    f : callable
        ``X (n, D) -> utilities (n, k)``, one column per option.
    params : tuple of Parameter
        One per column of ``X``.
    options : tuple of str
        The ``k`` options, in the order of ``f``'s columns; ties go to the first.
    outcomes : callable or None
        ``X (n, D) -> (n, k, m)`` outcome probabilities, for the ``("outcome", option, outcome)`` metric.
    outcome_names : tuple of str

    Examples
    --------
    >>> prob = DecisionProblem(lambda X: np.column_stack([X[:, 0], 1 - X[:, 0]]),
    ...                        (Parameter.uniform("p", 0, 1),), ("A", "B"))
    >>> prob.best(prob.f(np.array([[0.8]])))
    ['A']
    """

    f: Callable[[np.ndarray], np.ndarray]
    params: tuple[Parameter, ...]
    options: tuple[str, ...]
    outcomes: Callable[[np.ndarray], np.ndarray] | None = None
    outcome_names: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.params]

    @property
    def base(self) -> np.ndarray:
        """Base values, shape ``(D,)``."""
        return np.array([p.base for p in self.params])

    def index(self, param: str, *, argument: str = "param") -> int:
        """Column of ``param`` in ``X``; ``ValueError`` naming the allowed ids otherwise."""
        ids = self.ids
        if not isinstance(param, str) or param not in ids:
            raise ValueError(f"{argument}: unknown parameter {param!r}; allowed: {', '.join(ids)}")
        return ids.index(param)

    def vary(self, columns: Sequence[int], values: np.ndarray) -> np.ndarray:
        """Rows of ``X`` at the base case except ``columns``, which take ``values`` (shape ``(n, len(columns))``)."""
        values = np.asarray(values, dtype=float).reshape(-1, len(columns))
        X = np.tile(self.base, (values.shape[0], 1))
        X[:, list(columns)] = values
        return X

    def best(self, U: np.ndarray) -> list[str]:
        """The best option per row of utilities (the first in option order on a tie, as :func:`decision.best`)."""
        return [self.options[j] for j in np.argmax(U, axis=1)]


# --------------------------------------------------------------------------------------------- metrics

#: Spellings accepted by ``metric=`` (one-way, Sobol).
METRIC_HELP = ('"gap" (best minus second-best expected utility), "margin" (base-case recommendation minus '
               'its best alternative), ("utility", option) or ("outcome", option, outcome)')


@dataclass(frozen=True)
class Metric:
    """A scalar output of the decision problem, per row of ``X``."""

    kind: str  # gap | margin | utility | outcome
    label: str
    unit: str
    option: int | None = None
    outcome: int | None = None

    def __call__(self, problem: DecisionProblem, X: np.ndarray, U: np.ndarray) -> np.ndarray:
        if self.kind == "outcome":
            return problem.outcomes(X)[:, self.option, self.outcome]
        if self.kind == "utility":
            return U[:, self.option]
        if self.kind == "gap":
            top2 = np.sort(U, axis=1)[:, -2:]
            return top2[:, 1] - top2[:, 0]
        others = np.delete(U, self.option, axis=1)  # margin: the base-case best against the best of the rest
        return U[:, self.option] - others.max(axis=1)


def resolve_metric(metric: Any, problem: DecisionProblem) -> Metric:
    """Turn a ``metric=`` argument into a :class:`Metric`; ``ValueError`` listing the spellings otherwise.

    ``"gap"`` is never negative and kinks where the recommendation changes; ``"margin"`` is continuous,
    has no kink there, and turns negative exactly where the base-case recommendation stops being best.

    Examples
    --------
    >>> prob = DecisionProblem(lambda X: X, (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    >>> resolve_metric(("utility", "B"), prob).option
    1
    """
    def option(name: Any) -> int:
        opts = problem.options
        name = MODALITY_ALIASES.get(name, name) if isinstance(name, str) else name
        if name not in opts:
            raise ValueError(f"metric: unknown option {name!r}; allowed: {', '.join(opts)}")
        return opts.index(name)

    if isinstance(metric, str) and metric in ("gap", "margin") and len(problem.options) < 2:
        raise ValueError(f"metric: {metric!r} compares options and this problem has one; allowed: "
                         '("utility", option) or ("outcome", option, outcome)')
    if isinstance(metric, str) and metric == "gap":
        return Metric("gap", "Expected-utility gap, best minus second best", "utility")
    if isinstance(metric, str) and metric == "margin":
        j = int(np.argmax(problem.f(problem.base[None, :])[0]))
        return Metric("margin", f"Expected-utility margin of {problem.options[j]} over the best alternative",
                      "utility", option=j)
    if isinstance(metric, tuple) and len(metric) == 2 and metric[0] == "utility":
        j = option(metric[1])
        return Metric("utility", f"Expected utility of {problem.options[j]}", "utility", option=j)
    if isinstance(metric, tuple) and len(metric) == 3 and metric[0] == "outcome":
        j = option(metric[1])
        if problem.outcomes is None or metric[2] not in problem.outcome_names:
            allowed = ", ".join(problem.outcome_names) or "none (this problem has no outcomes)"
            raise ValueError(f"metric: unknown outcome {metric[2]!r}; allowed: {allowed}")
        o = problem.outcome_names.index(metric[2])
        name = OUTCOME_LABELS.get(metric[2], metric[2])
        return Metric("outcome", f"P({name}) with {problem.options[j]}", "probability", option=j, outcome=o)
    raise ValueError(f"metric: {metric!r} not allowed; allowed: {METRIC_HELP}")


# ----------------------------------------------------------------------------------- model -> problem

def model_problem(model: Model, patient: Patient, params: Sequence[str] | None = None) -> DecisionProblem:
    """The decision problem of one patient: expected utility of each modality as a function of parameters.

    Parameters not in ``params`` (default: every uncertain parameter) stay at their prior means.

    Examples
    --------
    >>> import netlrt
    >>> model = netlrt.load_model()
    >>> prob = model_problem(model, netlrt.cases.article_cases()["case3_y90"])
    >>> prob.f(prob.base[None, :]).shape
    (1, 4)
    """
    check_eligible(model, patient)
    uncertain = model.priors.uncertain
    ids = list(uncertain if params is None else params)
    for k in ids:
        if k not in uncertain:
            raise ValueError(f"params: {k!r} is not an uncertain parameter; allowed: {', '.join(uncertain)}")
    w = model.weights(patient)

    def outcomes(X: np.ndarray) -> np.ndarray:
        values: dict[str, Any] = dict(model.means)  # scalars broadcast against the varied columns
        values.update({k: X[:, j] for j, k in enumerate(ids)})
        return model.outcome_draws([patient], values)[:, 0]

    return DecisionProblem(
        f=lambda X: decision.expected_utility(outcomes(X), w),
        params=tuple(Parameter.from_prior(model.priors[k]) for k in ids),
        options=MODALITIES,
        outcomes=outcomes,
        outcome_names=OUTCOMES,
    )


def check_eligible(model: Model, patient: Patient) -> None:
    """``ValueError`` unless ``patient`` is a Patient eligible for LRT (else there is no recommendation to vary)."""
    if not isinstance(patient, Patient):
        raise ValueError(f"patient: expected a netlrt.Patient, got {type(patient).__name__}")
    eligible, reasons = decision.eligibility(patient, model.priors)
    if not eligible:
        raise ValueError(f"patient: no recommendation to analyse ({'; '.join(reasons)})")


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int of at least ``minimum``; ``ValueError`` naming the argument otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def html_table(title: str, df: Any, note: str = "") -> str:
    """The ``_repr_html_`` of every result: a heading, an optional note and the table."""
    note_html = f"<p>{note}</p>" if note else ""
    return f"<h4>{title}</h4>{note_html}" + df.to_html(index=False, float_format=lambda x: f"{x:.4g}")
