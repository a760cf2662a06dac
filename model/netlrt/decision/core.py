"""The one batch evaluation core: many patients x many parameter draws -> outcomes, QALY terms, decisions.

:class:`Evaluator` holds a validated set of priors and evaluates patients for any parameter draws:

* :meth:`Evaluator.batch` gives arrays with named dimensions ``(draw, patient, modality, outcome)`` and
  ``(draw, patient, modality, term)``, for the PSA, cohorts, the what-if and the sensitivity analyses;
* :meth:`Evaluator.bayes` gives the Bayes decision: expected QALYs averaged over parameter uncertainty,
  computed on a fixed internal sample of the priors (:data:`INTERNAL_REPLICATES` independent replicates of
  :data:`INTERNAL_POINTS` stratified draws, in which every modality meets the same draws of its exchangeable
  effects: :attr:`Evaluator.internal_values`), with its Monte Carlo standard error from the spread of the
  replicates, and the probability each modality is best.

Averages over draws are exact through the draw-averaged (predictive) tables, since every result is linear
in the tables (:mod:`netlrt.network.engine`); that is also why ``model.network``'s CPDs, the predictive
tables, give the same outcome probabilities in pgmpy.

Examples
--------
>>> from netlrt.evidence.priors_files import load_priors
>>> from netlrt.evidence.patient import Patient
>>> ev = Evaluator(load_priors())
>>> b = ev.batch([Patient(grade="G1"), Patient(grade="G3")])
>>> b.utility.shape, b.dims
((1, 2, 4), ('draw', 'patient', 'modality'))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..evidence.patient import Patient
from ..evidence.priors import PriorSet
from ..evidence.roles import ROLES
from ..evidence.vocabulary import MODALITIES
from ..network.declarations import EXCHANGEABLE_EFFECTS, NODE, NODES, OUTCOMES, ROOTS
from ..network.engine import DEFAULT_CHUNK, RootEvidence, expect
from ..network.tables import STATES, Tables, affected, build_tables, update_tables
from ..seeding import stream
from . import policy
from .utility import TERM, TERMS, term_tables

__all__ = ["Batch", "Bayes", "Evaluator", "INTERNAL_POINTS", "INTERNAL_REPLICATES", "INTERNAL_SEED", "check_priors"]

INTERNAL_REPLICATES, INTERNAL_POINTS, INTERNAL_SEED = 8, 512, 20170401
_NODES_REPORTED = (*OUTCOMES, "procedure_sessions")
TERM_NAMES: tuple[str, ...] = tuple(t.name for t in TERMS)


def uses() -> dict[str, tuple[str, str]]:
    """Prior id -> (role, who uses it first): every prior the declarations read (``discount_rate`` is named with
    the survival term, not the symptom term that also discounts with it)."""
    out: dict[str, tuple[str, str]] = {}
    for node in NODES:
        for k, role in node.priors().items():
            out.setdefault(k, (role, f"node {node.name}"))
    for term in TERMS:
        for k, role in term.priors.items():
            out.setdefault(k, (role, f"utility term {term.name}"))
    out.update({"ecog_max": ("ecog", "the eligibility rule"),
                "lung_shunt_warn_percent": ("percent", "the lung shunt warning")})
    return out


def check_priors(priors: PriorSet) -> None:
    """``ValueError`` unless ``priors`` hold every prior the declarations read, in its role's range, and nothing
    else (:meth:`PriorSet.check_uses`): what the model refuses, wherever it is asked.

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> check_priors(load_priors())  # the shipped priors: nothing to say
    """
    priors.check_uses(uses(), TERM_NAMES)


@dataclass(frozen=True)
class RootTables:
    """Every reported node and every utility term as a table over its roots, for ``n`` draws."""

    n: int
    arrays: Mapping[str, tuple[np.ndarray, tuple[str, ...]]]

    @classmethod
    def build(cls, values: Mapping[str, np.ndarray], population: Mapping[str, Mapping[str, float]],
              fixed: Mapping[str, str] | None = None) -> RootTables:
        return cls.from_tables(build_tables(values, population, fixed), values)

    @classmethod
    def from_tables(cls, tables: Tables, values: Mapping[str, np.ndarray]) -> RootTables:
        arrays = {name: tables.over_roots(name) for name in _NODES_REPORTED}
        arrays.update({f"term:{k}": v for k, v in term_tables(tables, values).items()})
        return cls(tables.n, arrays)

    def mean(self) -> RootTables:
        return RootTables(1, {k: (a.mean(axis=0, keepdims=True), r) for k, (a, r) in self.arrays.items()})

    def groups(self, count: int) -> RootTables:
        """Averages within ``count`` equal consecutive groups of draws (one per replicate)."""
        return RootTables(count, {k: (a.reshape((count, -1) + a.shape[1:]).mean(axis=1), r)
                                  for k, (a, r) in self.arrays.items()})


@dataclass(frozen=True)
class Batch:
    """Evaluation of patients x modalities for ``n`` draws.

    Attributes
    ----------
    outcomes : ndarray
        ``(draw, patient, modality, outcome)``: P(outcome = yes), outcomes as :data:`netlrt.OUTCOMES`.
    terms : ndarray
        ``(draw, patient, modality, term)``: QALYs of each utility term (preference multipliers applied).
    sessions : ndarray
        ``(draw, patient, modality)``: expected arterial procedures of the course.
    """

    outcomes: np.ndarray
    terms: np.ndarray
    sessions: np.ndarray
    dims = ("draw", "patient", "modality")

    @property
    def utility(self) -> np.ndarray:
        """``(draw, patient, modality)``: expected QALYs, the sum of the terms."""
        return self.terms.sum(axis=-1)


@dataclass(frozen=True)
class Bayes:
    """The Bayes decision for patients: averages over the internal sample, per patient and modality.

    Attributes
    ----------
    mean : Batch
        The draw-averaged batch (one draw): predictive outcomes, expected terms and QALYs.
    mc_se : ndarray
        ``(patient, modality)``: Monte Carlo standard error of the expected QALYs.
    gap : ndarray
        ``(patient,)``: expected QALYs of the best modality minus the runner-up's.
    gap_se : ndarray
        ``(patient,)``: Monte Carlo standard error of the gap between the best two modalities.
    prob_best : ndarray
        ``(patient, modality)``: share of internal draws in which each modality is best.
    best : ndarray
        ``(patient,)``: index of the recommended modality (eligibility not applied).
    runner_up : ndarray
        ``(patient,)``: index of the best of the others (ties to the first, as for ``best``).
    replicate_terms : ndarray
        ``(replicate, patient, modality, term)``: each replicate's expected terms, for the Monte Carlo error of
        any difference of terms.
    """

    mean: Batch
    mc_se: np.ndarray
    gap: np.ndarray
    gap_se: np.ndarray
    prob_best: np.ndarray
    best: np.ndarray
    runner_up: np.ndarray
    replicate_terms: np.ndarray


class Evaluator:
    """Evaluates patients under a validated set of priors.

    Parameters
    ----------
    priors : PriorSet
        Checked against what the declarations use (:meth:`PriorSet.check_uses`) on construction.
    """

    def __init__(self, priors: PriorSet):
        check_priors(priors)
        self.priors = priors
        self._profile_multipliers: dict[str, np.ndarray] = {}  # filled as profiles are first asked for

    @cached_property
    def internal_values(self) -> dict[str, np.ndarray]:
        """The fixed internal sample of every parameter: independent replicates of :data:`INTERNAL_POINTS` draws,
        draw-major.

        A replicate is a Latin hypercube of ``INTERNAL_POINTS / 4`` points, in which each parameter takes one
        value from each equal-probability stratum (this removes most of the sampling error of the nearly additive
        expected QALYs), taken four times: in the ``k``-th copy, each modality's own effects
        (:data:`~netlrt.network.declarations.EXCHANGEABLE_EFFECTS`) take the draws of the modality ``k`` places
        on. Every copy is a sample of the priors, and each modality meets the same draws, so modalities whose
        effects have equal priors get equal expectations (up to rounding, which the tie rule of
        :func:`~netlrt.decision.policy.best_index` absorbs): sampling noise never tells them apart. The
        replicates are independent, so their spread gives an honest Monte Carlo standard error.
        """
        ids = self.priors.uncertain
        rotations, m = len(MODALITIES), INTERNAL_POINTS // len(MODALITIES)

        def strata(pid: str) -> np.ndarray:  # each parameter its own stream: a changed prior keeps the others' draws
            rng = np.random.default_rng([INTERNAL_SEED, stream(pid)])
            return np.stack([(rng.permutation(m) + rng.random(m)) / m for _ in range(INTERNAL_REPLICATES)])

        copies = {pid: np.repeat(strata(pid)[:, None, :], rotations, axis=1) for pid in ids}  # (rep, copy, point)
        for effect in EXCHANGEABLE_EFFECTS:
            group = [effect[mod] for mod in MODALITIES]
            # a fixed member's stream is passed on too: the uncertain ones still meet all four, each once
            uniforms = [copies[pid][:, 0] if pid in copies else strata(pid) for pid in group]
            for k in range(1, rotations):
                for i, pid in enumerate(group):
                    if pid in copies:
                        copies[pid][:, k] = uniforms[(i + k) % rotations]
        u = np.column_stack([copies[pid].reshape(-1) for pid in ids]) if ids else np.empty((INTERNAL_POINTS, 0))
        return self.priors.ppf(u, ids, fast=True)  # every prior fixed: the same point, INTERNAL_POINTS times

    @cached_property
    def internal_tables(self) -> Tables:
        """The network's tables for every draw of the internal sample."""
        return build_tables(self.internal_values, self.priors.population)

    @cached_property
    def internal(self) -> RootTables:
        """The internal sample's node and utility-term tables over their roots."""
        return RootTables.from_tables(self.internal_tables, self.internal_values)

    @cached_property
    def replicates(self) -> RootTables:
        """The internal sample's tables averaged within each replicate (for the Monte Carlo error)."""
        return self.internal.groups(INTERNAL_REPLICATES)

    @cached_property
    def predictive(self) -> RootTables:
        """The internal sample's draw-averaged tables: the Bayes expectations, exactly."""
        return self.internal.mean()

    def multipliers(self, preference: str | Mapping[str, float]) -> np.ndarray:
        """``(term,)`` multipliers of a preference: a profile name or a mapping term -> multiplier.

        A profile's are checked and built once (a read-only array), so asking per patient of a large cohort is cheap.
        """
        if isinstance(preference, str):
            if preference not in self._profile_multipliers:
                if preference not in self.priors.profiles:
                    raise ValueError(f"preference: unknown profile {preference!r}; allowed: "
                                     f"{', '.join(self.priors.profiles)} or a mapping utility term -> multiplier")
                built = self.multipliers(self.priors.profiles[preference]["multipliers"])
                built.setflags(write=False)
                self._profile_multipliers[preference] = built
            return self._profile_multipliers[preference]
        bad = [t for t in preference if t not in TERM]
        if bad:
            raise ValueError(f"preference: unknown utility term {bad[0]!r}; allowed: {', '.join(TERM_NAMES)}")
        return np.array([preference.get(t, 1.0) for t in TERM_NAMES])

    def evidence(self, patients: Sequence[Patient]) -> RootEvidence:
        """Root evidence rows for every (patient, modality) pair, modality varying fastest."""
        index = {}
        known = [p.evidence() for p in patients]  # once per patient, not once per root
        for root in ROOTS:
            if root == "modality":
                index[root] = np.tile(np.arange(len(MODALITIES)), len(patients))
                continue
            states = STATES[root]
            per_patient = [states.index(s) if (s := e.get(root)) is not None else -1 for e in known]
            index[root] = np.repeat(np.asarray(per_patient, dtype=np.intp), len(MODALITIES))
        return RootEvidence(index, self.shares)

    @cached_property
    def shares(self) -> dict[str, np.ndarray]:
        """Each finding's population shares over its states: what an unknown finding is averaged over."""
        return {r: np.array([self.priors.population[r][s] for s in STATES[r]]) for r in ROOTS if r != "modality"}

    def batch(self, patients: Sequence[Patient], values: Mapping[str, np.ndarray] | None = None, *,
              tables: RootTables | None = None, chunk_size: int = DEFAULT_CHUNK) -> Batch:
        """Evaluate ``patients`` for parameter draws.

        Parameters
        ----------
        patients
            The patients (validated :class:`~netlrt.Patient` objects).
        values
            Parameter id -> draws ``(n,)``; ``None`` for the prior means (one draw).
        tables
            Precomputed tables instead of ``values`` (e.g. :attr:`predictive`).
        chunk_size
            Draws built together, so memory stays bounded for millions of draws.

        Returns
        -------
        Batch
        """
        ev, mult = self._prepare(patients)
        if tables is not None:
            return self._run(tables, ev, mult, len(patients))
        arrays = self._values(values)
        n = max(len(a) for a in arrays.values())
        fixed, ev = self._shared(ev)
        parts = []
        for start in range(0, n, chunk_size):
            block = {k: a[start:start + chunk_size] if len(a) == n else a for k, a in arrays.items()}
            parts.append(self._run(RootTables.build(block, self.priors.population, fixed), ev, mult, len(patients)))
        if len(parts) == 1:
            return parts[0]
        return Batch(*(np.concatenate([getattr(b, f) for b in parts]) for f in ("outcomes", "terms", "sessions")))

    def _prepare(self, patients: Sequence[Patient]) -> tuple[RootEvidence, np.ndarray]:
        """The patients checked, their evidence and their preference multipliers ``(patient, term)``."""
        for p in patients:
            if not isinstance(p, Patient):
                raise ValueError(f"patient: expected a netlrt.Patient, got {type(p).__name__}")
        ev = self.evidence(patients)
        mult = np.stack([self.multipliers(p.preference) for p in patients]) if patients else np.ones((0, len(TERMS)))
        return ev, mult

    def _values(self, values: Mapping[str, Any] | None) -> dict[str, np.ndarray]:
        """Draws of every parameter: the given ones (checked), the others at their prior means."""
        out = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in self.priors.means().items()}
        if values is None:
            return out
        unknown = [k for k in values if k not in out]
        if unknown:
            raise ValueError(f"values: unknown parameter {unknown[0]!r}; allowed: the ids of the model's priors")
        lengths = set()
        for k, v in values.items():
            a = np.atleast_1d(np.asarray(v, dtype=float))
            role = next(r for r in ROLES.values() if r.unit == self.priors[k].unit)
            inside = a.ndim == 1 and a.size and role.contains(float(a.min())) and role.contains(float(a.max()))
            if not inside or not np.isfinite(a).all():
                raise ValueError(f"values: {k!r} must be a 1-D array of finite numbers in the range of its unit; "
                                 f"allowed: {role.describe()}")
            out[k] = a
            lengths.add(len(a))
        if len(lengths - {1}) > 1:
            raise ValueError(f"values: arrays of different lengths {sorted(lengths)}; allowed: one number of draws")
        return out

    @staticmethod
    def _shared(ev: RootEvidence) -> tuple[dict[str, str], RootEvidence]:
        """The findings every row observes alike, and the evidence re-indexed for tables built for only those
        states (:func:`netlrt.network.tables.build_tables`' ``fixed``): one patient's tables shrink severalfold."""
        fixed = {r: STATES[r][int(idx[0])] for r, idx in ev.index.items()
                 if r != "modality" and len(idx) and idx[0] >= 0 and (idx == idx[0]).all()}
        index = {r: np.zeros_like(idx) if r in fixed else idx for r, idx in ev.index.items()}
        return fixed, RootEvidence(index, ev.shares)

    def _run(self, tables: RootTables, ev: RootEvidence, mult: np.ndarray, n_patients: int) -> Batch:
        n, m = tables.n, len(MODALITIES)
        shape = (n, n_patients, m)
        if n_patients == 0:
            return Batch(np.empty(shape + (len(OUTCOMES),)), np.empty(shape + (len(TERMS),)), np.empty(shape))
        outcomes = np.stack([expect(*tables.arrays[o], ev)[:, :, 1] for o in OUTCOMES], axis=-1)
        terms = _weighted({t: expect(*tables.arrays[f"term:{t}"], ev)[:, :, 0] for t in TERM_NAMES}, mult)
        counts = np.arange(1, len(NODE["procedure_sessions"].states) + 1)
        sessions = expect(*tables.arrays["procedure_sessions"], ev) @ counts
        return Batch(outcomes.reshape(shape + (len(OUTCOMES),)), terms, sessions.reshape(shape))

    def saltelli(self, patients: Sequence[Patient], a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray], *,
                 chunk_size: int = DEFAULT_CHUNK) -> np.ndarray:
        """Expected QALYs at the rows of a Saltelli design: for each draw, the row of ``a``, then for each parameter
        of ``b`` (in its order) the row of ``a`` with that parameter from ``b``, then the row of ``b``.

        Equal (to rounding) to :meth:`batch`'s utility on those rows, at a fraction of the cost: a row that
        changes one parameter builds again only the nodes that read it and the QALY terms they reach
        (:func:`~netlrt.network.tables.update_tables`), and shares the rest with the row of ``a``.

        Parameters
        ----------
        patients
            The patients (validated :class:`~netlrt.Patient` objects).
        a, b
            Parameter id -> draws ``(n,)``: the same ids in the same order; every other parameter at its prior
            mean.
        chunk_size
            Draws built together, so memory stays bounded.

        Returns
        -------
        ndarray
            ``(draw, row, patient, modality)`` with ``len(b) + 2`` rows per draw.

        Examples
        --------
        >>> from netlrt.evidence.priors_files import load_priors
        >>> from netlrt.evidence.patient import Patient
        >>> ev = Evaluator(load_priors())
        >>> a, b = {"horizon_years": np.array([5.0])}, {"horizon_years": np.array([10.0])}
        >>> u = ev.saltelli([Patient()], a, b)
        >>> u.shape, bool(np.allclose(u[:, 1], ev.batch([Patient()], b).utility))
        ((1, 3, 1, 4), True)
        """
        if list(a) != list(b):
            raise ValueError(f"a, b: parameters {list(a)} and {list(b)}; allowed: the same ids in the same order")
        ev, mult = self._prepare(patients)
        first, second = self._values(a), self._values(b)
        n = max(len(x) for x in first.values())
        if max(len(x) for x in second.values()) != n:
            raise ValueError("a, b: different numbers of draws; allowed: one number of draws")
        if not patients:
            return np.empty((n, len(b) + 2, 0, len(MODALITIES)))
        fixed, ev = self._shared(ev)
        population = self.priors.population
        # The terms a change of each parameter reaches: those that read it, or a node whose table it moves.
        reach = {}
        for k in b:
            moved = affected({k})
            reach[k] = [t.name for t in TERMS if k in t.priors or not moved.isdisjoint(t.nodes)]
        chunks = []
        for start in range(0, n, chunk_size):
            a_rows, b_rows = ({k: x[start:start + chunk_size] if len(x) == n else x for k, x in v.items()}
                              for v in (first, second))
            base = build_tables(a_rows, population, fixed)
            at_a = self._terms(base, a_rows, ev)
            rows = [at_a]
            for k in b:
                values = {**a_rows, k: b_rows[k]}
                rows.append({**at_a, **self._terms(update_tables(base, values, population, fixed, {k}), values, ev,
                                                   reach[k])})
            rows.append(self._terms(build_tables(b_rows, population, fixed), b_rows, ev))
            chunks.append(np.stack([_weighted(r, mult).sum(axis=-1) for r in rows], axis=1))
        return np.concatenate(chunks)

    @staticmethod
    def _terms(tables: Tables, values: Mapping[str, np.ndarray], ev: RootEvidence,
               names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Term -> its expectation ``(n, rows)`` for the evidence rows ``ev`` (every term, or ``names``)."""
        return {k: expect(*table, ev)[:, :, 0] for k, table in term_tables(tables, values, names).items()}

    def bayes(self, patients: Sequence[Patient], *, prob_best: bool = True) -> Bayes:
        """The Bayes decision for ``patients`` (see the module docstring).

        ``prob_best=False`` skips the per-draw evaluation (the probabilities come back as NaN), for cohorts.
        """
        if prob_best and len(patients):
            # One pass over the internal draws gives everything: the results are linear in the tables, so their
            # means over all draws and over each replicate are those of the predictive and replicate tables.
            draws = self.batch(patients, tables=self.internal)
            mean = Batch(*(a.mean(axis=0, keepdims=True) for a in (draws.outcomes, draws.terms, draws.sessions)))
            replicate = Batch(*(a.reshape((INTERNAL_REPLICATES, -1) + a.shape[1:]).mean(axis=1)
                                for a in (draws.outcomes, draws.terms, draws.sessions)))
            pb = policy.share_best(draws.utility)
        else:
            ev, mult = self._prepare(patients)
            mean = self._run(self.predictive, ev, mult, len(patients))
            replicate = self._run(self.replicates, ev, mult, len(patients))
            pb = np.full(mean.utility[0].shape, np.nan)
        reps = replicate.utility
        mc_se = reps.std(axis=0, ddof=1) / np.sqrt(INTERNAL_REPLICATES)
        u = mean.utility[0]
        order = policy.ranking(u)  # by the tie rule, the runner-up too
        best = order[:, 0]
        runner_up = order[:, 1] if u.shape[1] > 1 else best
        rows = np.arange(len(patients))
        # a runner-up tied with the best may lie a rounding error above it: the gap is then 0, not -1e-14
        gap = np.maximum(u[rows, best] - u[rows, runner_up], 0.0)
        gaps = reps[:, rows, best] - reps[:, rows, runner_up] if len(patients) and u.shape[1] > 1 \
            else np.zeros((INTERNAL_REPLICATES, len(patients)))
        gap_se = gaps.std(axis=0, ddof=1) / np.sqrt(INTERNAL_REPLICATES)
        return Bayes(mean, mc_se, gap, gap_se, pb, best, runner_up, replicate.terms)


def _weighted(terms: Mapping[str, np.ndarray], mult: np.ndarray) -> np.ndarray:
    """``(draw, patient, modality, term)``: each term's expectation ``(n, patient x modality)`` (every term of
    :data:`TERM_NAMES`), times the patient's preference multiplier of the term."""
    stacked = np.stack([terms[t] for t in TERM_NAMES], axis=-1)
    n_patients = mult.shape[0]
    return stacked.reshape((stacked.shape[0], n_patients, -1, len(TERMS))) * mult[None, :, None, :]
