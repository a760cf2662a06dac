"""The forms a conditional probability table takes, one small class each.

A form says which priors it reads (with the role each plays) and builds its node's table for ``n``
parameter draws at once: an array ``(n, card, *parent_cards)`` whose columns sum to one, axes in the
order of the node's declared parents. Odds ratios act on the logit scale and hazard ratios on the
hazard, so every draw of every prior gives probabilities inside [0, 1].

Examples
--------
>>> f = Logistic(base="p", effects={"modality": {"Y90": "or_y90"}})
>>> f.priors()
{'p': 'probability', 'or_y90': 'odds_ratio'}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Deterministic", "Form", "Logistic", "Survival", "discounted_life_years"]

Values = Mapping[str, np.ndarray]
#: Node -> the states its tables span: every state, or (for a root every evaluated row observes alike) only the
#: observed one, which makes the tables of a single patient several times smaller.
States = Mapping[str, tuple[str, ...]]


class Form:
    """Base of the forms: ``priors()`` and ``table(node, parents, states, values, n, population)``."""

    deterministic = False

    def priors(self) -> dict[str, str]:
        """Prior id -> role (see :data:`netlrt.evidence.priors.ROLES`)."""
        return {}

    def table(self, states: tuple[str, ...], parents: tuple[str, ...], all_states: States, values: Values,
              n: int, population: Mapping[str, Mapping[str, float]]) -> np.ndarray:
        raise NotImplementedError


def _logit(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


@dataclass(frozen=True)
class Logistic(Form):
    """A binary node: ``P(second state) = expit(logit(base) + sum of log odds ratios of the parents' states)``.

    Parameters
    ----------
    base : str
        Probability prior of the reference states (every parent at a state without an entry).
    effects : mapping
        Parent -> {state: odds-ratio prior id}; states not listed have odds ratio 1.
    overrides : mapping
        Parent -> {state: probability prior id, or a constant}: in that state the prior replaces ``base``
        (the other parents' effects still apply), while a constant is the probability itself.
    """

    base: str
    effects: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, str | float]] = field(default_factory=dict)

    def priors(self) -> dict[str, str]:
        out = {self.base: "probability"}
        for by_state in self.overrides.values():
            out.update({v: "probability" for v in by_state.values() if isinstance(v, str)})
        for by_state in self.effects.values():
            out.update({v: "odds_ratio" for v in by_state.values()})
        return out

    def table(self, states, parents, all_states, values, n, population):
        shape = (n,) + tuple(len(all_states[p]) for p in parents)
        logit = np.broadcast_to(_logit(values[self.base]).reshape((n,) + (1,) * len(parents)), shape).copy()
        constant = np.full(shape, np.nan)
        for axis, parent in enumerate(parents, start=1):
            for state, source in self.overrides.get(parent, {}).items():
                if state not in all_states[parent]:  # a root restricted to its observed state
                    continue
                idx = (slice(None),) * axis + (all_states[parent].index(state),)
                if isinstance(source, str):
                    logit[idx] = _logit(values[source]).reshape((n,) + (1,) * (len(parents) - 1))
                else:
                    constant[idx] = float(source)
        for axis, parent in enumerate(parents, start=1):
            for state, ratio in self.effects.get(parent, {}).items():
                if state not in all_states[parent]:
                    continue
                idx = (slice(None),) * axis + (all_states[parent].index(state),)
                logit[idx] += np.log(values[ratio]).reshape((n,) + (1,) * (len(parents) - 1))
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(-logit))
        p = np.where(np.isnan(constant), p, constant)
        return np.stack([1.0 - p, p], axis=1)


@dataclass(frozen=True)
class Survival(Form):
    """Alive at ``years``: exponential survival, proportional hazards.

    The hazard of a patient is ``log(2) / median * HR_modality * HR_findings / C``. ``C`` is found for each
    draw so that the treated population, mixed over ``normalise_over`` with the population shares, has
    exactly the baseline median: ``sum_s w_s 2 ** (-HR_s / C) = 1/2``. So the median prior describes the
    treated cohorts the article reports, not a reference patient.

    Parameters
    ----------
    median : str
        Prior of the baseline median survival, years.
    hazard_ratios : mapping
        Parent -> {state: hazard-ratio prior id}; states not listed have hazard ratio 1.
    normalise_over : tuple of str
        The prognostic parents whose case mix defines the baseline (the modality is not among them: its
        effects are centred on no difference).
    years : float
        The time at which survival is the node's ``yes``.
    """

    median: str
    hazard_ratios: Mapping[str, Mapping[str, str]]
    normalise_over: tuple[str, ...]
    years: float = 3.0

    def priors(self) -> dict[str, str]:
        out = {self.median: "years"}
        for by_state in self.hazard_ratios.values():
            out.update({v: "hazard_ratio" for v in by_state.values()})
        return out

    def _ratios(self, parent: str, all_states: States, values: Values, n: int) -> np.ndarray:
        """``(n, card)`` hazard ratio of each state of ``parent``."""
        given = self.hazard_ratios.get(parent, {})
        return np.stack([values[given[s]] if s in given else np.ones(n) for s in all_states[parent]], axis=1)

    def hazard(self, parents: tuple[str, ...], all_states: States, values: Values, n: int,
               population: Mapping[str, Mapping[str, float]]) -> np.ndarray:
        """Hazard per year, ``(n, *parent_cards)``."""
        hr = np.ones((n,) + (1,) * len(parents))
        for axis, parent in enumerate(parents):
            shape = [n] + [1] * len(parents)
            shape[axis + 1] = len(all_states[parent])
            hr = hr * self._ratios(parent, all_states, values, n).reshape(shape)
        mix_hr = np.ones((n, 1))
        mix_w = np.ones(1)
        for parent in self.normalise_over:  # the whole population, whatever states the table keeps
            every = {parent: tuple(population[parent])}
            mix_hr = (mix_hr[:, :, None] * self._ratios(parent, every, values, n)[:, None, :]).reshape(n, -1)
            mix_w = np.outer(mix_w, list(population[parent].values())).ravel()
        scale = _median_scale(mix_hr, mix_w)
        base = math.log(2.0) / values[self.median] / scale
        return base.reshape((n,) + (1,) * len(parents)) * hr

    def table(self, states, parents, all_states, values, n, population):
        return self.table_from_hazard(self.hazard(parents, all_states, values, n, population))

    def table_from_hazard(self, hazard: np.ndarray) -> np.ndarray:
        """The node's table from its hazards (so a caller that needs both computes the hazards once)."""
        alive = np.exp(-self.years * hazard)
        return np.stack([1.0 - alive, alive], axis=1)


def _median_scale(hr: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``C`` per draw with ``sum_s w_s 2 ** (-hr_s / C) = 1/2``, by Newton's method on ``log C``.

    The left side increases with ``C`` from 0 to 1, so the root is unique; Newton from the mean hazard
    ratio converges in a few steps, and bisection guards the rare overshoot.
    """
    a = math.log(2.0) * hr
    x = np.log(hr @ w)
    lo, hi = np.log(hr.min(axis=1)), np.log(hr.max(axis=1))
    for _ in range(60):
        e = np.exp(-a * np.exp(-x)[:, None])
        f = e @ w - 0.5
        df = (e * a * np.exp(-x)[:, None]) @ w
        lo, hi = np.where(f < 0, x, lo), np.where(f > 0, x, hi)
        step = x - f / np.where(df > 0, df, np.inf)
        x = np.where((step > lo) & (step < hi), step, (lo + hi) / 2)
        if np.all(np.abs(f) < 1e-13):
            break
    return np.exp(x)


def discounted_life_years(hazard: np.ndarray, horizon: float, rate: float) -> np.ndarray:
    """Restricted mean survival to ``horizon`` years, discounted continuously at ``log(1 + rate)`` per year.

    For an exponential survival with hazard ``h`` and ``d = log(1 + rate)``:
    ``integral_0^T exp(-(h + d) t) dt = (1 - exp(-(h + d) T)) / (h + d)``.

    Examples
    --------
    >>> round(float(discounted_life_years(np.array(0.0), 10.0, 0.0)), 12)
    10.0
    """
    k = np.asarray(hazard, dtype=float) + np.log1p(rate)
    if np.all(k > 0):  # always so for the model's positive hazards
        return -np.expm1(-k * horizon) / k
    safe = np.where(k > 0, k, 1.0)
    return np.where(k > 0, -np.expm1(-k * horizon) / safe, horizon)


@dataclass(frozen=True)
class Deterministic(Form):
    """A node fixed by its parents' states: ``rule(*parent_states) -> state``.

    ``rule_text`` says the rule in words for the edge table and the export.
    """

    rule: Callable[..., str]
    rule_text: str
    deterministic = True

    def table(self, states, parents, all_states, values, n, population):
        shape = tuple(len(all_states[p]) for p in parents)
        t = np.zeros((len(states),) + shape)
        for idx in np.ndindex(*shape):
            t[(states.index(self.rule(*(all_states[p][i] for p, i in zip(parents, idx)))),) + idx] = 1.0
        return np.broadcast_to(t, (n,) + t.shape)

