"""What every analysis shares: parameter specs, the vectorised decision problem, and the output metrics.

An analysis sees a :class:`DecisionProblem`: a function ``f(X) -> U`` from an ``(n, D)`` array of
parameter values to an ``(n, k)`` array of option utilities, plus one :class:`Parameter` per column of
``X``. :func:`model_problem` is the one place that builds it for a patient, on the evaluation core
(:meth:`Evaluator.batch <netlrt.decision.core.Evaluator.batch>`), with every parameter not in ``X`` at its
prior mean; tests build small ones by hand. The best option of a row is
:func:`netlrt.decision.policy.best_index` (ties to the first option).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ...decision import policy
from ...evidence.patient import Patient
from ...evidence.vocabulary import MODALITIES, MODALITY_ALIASES
from ...network.declarations import OUTCOME_LABELS, OUTCOMES

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.priors import Prior

__all__ = ["AT_MEANS", "DecisionProblem", "Metric", "METRIC_HELP", "Parameter", "check_eligible", "html_table",
           "model_problem", "resolve_metric", "shown"]

#: How every deterministic result says what the other parameters were held at.
AT_MEANS = "others at their prior means"


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
        Inverse CDF, uniforms -> values; threshold searches take their support from it.
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
    design : callable or None
        ``U (n, D) uniforms -> X``: every column through its inverse CDF at once (a model uses
        :meth:`PriorSet.ppf(..., fast=True) <netlrt.evidence.priors.PriorSet.ppf>`); ``None``: each
        parameter's ``ppf``.
    notes : tuple of str
        What a reader must know about the problem (e.g. that the decision at the prior means differs from
        the Bayes decision).
    saltelli : callable or None
        ``(A, B)`` parameter values ``(N, D)`` each ``-> (N, D + 2, k)`` utilities at the rows of a Saltelli
        design (per draw: A, A with column j from B for each j, B), when the problem has a faster way to
        them than ``f`` on every row (a model does: :meth:`Evaluator.saltelli
        <netlrt.decision.core.Evaluator.saltelli>`); ``None``: ``f`` on the rows. It must agree with ``f``:
        a problem given another ``f`` (``dataclasses.replace``) needs ``saltelli=None`` too.
    fixed : tuple of str
        Parameters held at a value, with no uncertainty to vary (named as such when asked for).

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
    design: Callable[[np.ndarray], np.ndarray] | None = None
    notes: tuple[str, ...] = ()
    saltelli: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    fixed: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.params]

    @property
    def base(self) -> np.ndarray:
        """Base values, shape ``(D,)``."""
        return np.array([p.base for p in self.params])

    def index(self, param: Any, *, argument: str = "param") -> int:
        """Column of ``param`` in ``X``; ``ValueError`` naming the allowed ids otherwise."""
        ids = self.ids
        if isinstance(param, str) and param in self.fixed:
            raise ValueError(f"{argument}: {param!r} is fixed (no uncertainty to vary); allowed: an uncertain "
                             f"parameter ({', '.join(ids)})")
        if not isinstance(param, str) or param not in ids:
            raise ValueError(f"{argument}: unknown parameter {param!r}; allowed: {', '.join(ids)}")
        return ids.index(param)

    def vary(self, columns: Sequence[int], values: np.ndarray) -> np.ndarray:
        """Rows of ``X`` at the base case except ``columns``, which take ``values`` (shape ``(n, len(columns))``)."""
        values = np.asarray(values, dtype=float).reshape(-1, len(columns))
        X = np.tile(self.base, (values.shape[0], 1))
        X[:, list(columns)] = values
        return X

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Parameter values for an ``(n, D)`` array of uniforms (the Sobol design)."""
        if self.design is not None:
            return self.design(u)
        return np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(self.params)])

    def best(self, U: np.ndarray) -> list[str]:
        """The best option per row of utilities (:func:`netlrt.decision.policy.best_index`: ties to the first)."""
        return [self.options[j] for j in policy.best_index(U)]


# --------------------------------------------------------------------------------------------- metrics

#: Spellings accepted by ``metric=`` (one-way, Sobol).
METRIC_HELP = ('"margin" (the base-case recommendation minus its best alternative; negative where it is no '
               'longer best), "gap" (best minus second best), ("utility", option) or ("outcome", option, outcome)')


@dataclass(frozen=True)
class Metric:
    """A scalar output of the decision problem, per row of ``X``."""

    kind: str  # gap | margin | utility | outcome
    label: str
    unit: str
    option: int | None = None
    outcome: int | None = None

    def __call__(self, problem: DecisionProblem, X: np.ndarray | None, U: np.ndarray | None = None) -> np.ndarray:
        """The metric per row of ``X``; ``U`` (``problem.f(X)``) when the caller has it, else computed if needed.

        An outcome metric reads ``problem.outcomes`` and never ``U``, so a caller that needs only the metric
        leaves ``U`` out rather than evaluate the model twice. Any other metric reads only ``U`` when given it,
        so ``X`` may then be ``None``.
        """
        if self.kind == "outcome":
            return problem.outcomes(X)[:, self.option, self.outcome]
        if U is None:
            U = problem.f(X)
        if self.kind == "utility":
            return U[:, self.option]
        if self.kind == "gap":
            top2 = np.sort(U, axis=1)[:, -2:]
            return top2[:, 1] - top2[:, 0]
        others = np.delete(U, self.option, axis=1)  # margin: the base-case best against the best of the rest
        return U[:, self.option] - others.max(axis=1)


def resolve_metric(metric: Any, problem: DecisionProblem) -> Metric:
    """Turn a ``metric=`` argument into a :class:`Metric`; ``ValueError`` listing the spellings otherwise.

    ``"margin"`` is continuous, and negative exactly where the base-case recommendation is no longer best,
    so it shows on which side of a switch a value lies; ``"gap"`` is never negative and kinks at a switch.

    Examples
    --------
    >>> prob = DecisionProblem(lambda X: X, (Parameter.uniform("p", 0, 1), Parameter.uniform("q", 0, 1)), ("A", "B"))
    >>> resolve_metric(("utility", "B"), prob).option
    1
    """
    unit = "QALY" if set(problem.options) == set(MODALITIES) else "utility"

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
        return Metric("gap", "Expected-utility gap, best minus second best", unit)
    if isinstance(metric, str) and metric == "margin":
        j = int(policy.best_index(problem.f(problem.base[None, :])[0]))
        return Metric("margin", f"Margin of {problem.options[j]} (base-case best) over the best alternative", unit,
                      option=j)
    if isinstance(metric, tuple) and len(metric) == 2 and metric[0] == "utility":
        j = option(metric[1])
        return Metric("utility", f"Expected utility of {problem.options[j]}", unit, option=j)
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

def check_eligible(evaluator: Evaluator, patient: Any) -> None:
    """``ValueError`` unless ``patient`` is a Patient eligible for LRT (else there is no recommendation to vary)."""
    if not isinstance(patient, Patient):
        raise ValueError(f"patient: expected a netlrt.Patient, got {type(patient).__name__}")
    evaluator.multipliers(patient.preference)  # an unknown profile fails here, by name
    a = policy.assess(patient, evaluator.priors)
    if not a.eligible:
        raise ValueError(f"patient: no recommendation to analyse ({'; '.join(a.reasons)})")


def model_problem(evaluator: Evaluator, patient: Patient, params: Sequence[str] | None = None) -> DecisionProblem:
    """The decision problem of one patient: expected QALYs of each modality as a function of parameters.

    Parameters not in ``params`` (default: every uncertain parameter) stay at their prior means, and so
    does every parameter at the base case. The prior means are not the Bayes decision (expected QALYs
    averaged over the priors); when the two recommend different modalities, :attr:`DecisionProblem.notes`
    says so.

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.cases import article_cases
    >>> prob = model_problem(Evaluator(load_priors()), article_cases()["case3_y90"])
    >>> prob.f(prob.base[None, :]).shape
    (1, 4)
    """
    check_eligible(evaluator, patient)
    priors = evaluator.priors
    uncertain = priors.uncertain
    if not uncertain:
        raise ValueError("priors: every parameter is fixed, so there is nothing to vary; allowed: priors with at least "
                         "one uncertain parameter (a sensitivity analysis of a deterministic base case is empty)")
    if params is None:
        ids = list(uncertain)
    elif isinstance(params, str) or not isinstance(params, Sequence) or not params:
        raise ValueError(f"params: {params!r}; allowed: a non-empty list of parameter ids, or None for all")
    else:
        ids = list(params)
    for k in ids:
        if k not in uncertain:
            raise ValueError(f"params: {k!r} is not an uncertain parameter; allowed: {', '.join(uncertain)}")
    means = priors.means()

    def batch(X: np.ndarray) -> Any:
        values: dict[str, Any] = dict(means)  # scalars broadcast against the varied columns
        values.update({k: X[:, j] for j, k in enumerate(ids)})
        return evaluator.batch([patient], values)

    def design(u: np.ndarray) -> np.ndarray:
        values = priors.ppf(np.clip(u, 1e-12, 1 - 1e-12), ids, fast=True)
        return np.column_stack([values[k] for k in ids])

    def saltelli(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a_values, b_values = ({k: x[:, j] for j, k in enumerate(ids)} for x in (a, b))
        return evaluator.saltelli([patient], a_values, b_values)[:, :, 0]

    problem = DecisionProblem(
        f=lambda X: batch(X).utility[:, 0], params=tuple(Parameter.from_prior(priors[k]) for k in ids),
        options=MODALITIES, outcomes=lambda X: batch(X).outcomes[:, 0], outcome_names=OUTCOMES, design=design,
        saltelli=saltelli, fixed=tuple(k for k in priors if k not in ids))
    at_means = MODALITIES[int(policy.best_index(problem.f(problem.base[None, :])[0]))]
    bayes = MODALITIES[int(evaluator.bayes([patient], prob_best=False).best[0])]
    if at_means != bayes:
        note = (f"At the prior means {at_means} has the most QALYs, while the Bayes decision (QALYs averaged over "
                f"the priors, what evaluate recommends) is {bayes}: the deterministic analyses vary around the "
                "prior means")
        problem = replace(problem, notes=(note,))
    return problem


def shown(x: float, digits: int = 4) -> str:
    """A number for a table or sentence: ``digits`` significant digits, no float noise.

    Examples
    --------
    >>> shown(0.4999999999999989), shown(3.370210000012), shown(-0.0)
    ('0.5', '3.37', '0')
    """
    text = f"{x:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def html_table(title: str, df: Any, note: str = "", notes: Sequence[str] = ()) -> str:
    """The ``_repr_html_`` of every result: a heading, notes and the table, numbers to 4 significant digits."""
    import html

    paras = "".join(f"<p>{html.escape(n)}</p>" for n in (note, *notes) if n)
    return (f"<h4>{html.escape(title)}</h4>{paras}"
            + df.to_html(index=False, float_format=shown))
