"""Per-patient sums over parameter draws: the one computation behind the population analysis, in memory or on Dask.

For each patient, over every draw: the sum of each modality's expected QALYs, the number of draws in which each
modality is best (ties as :func:`netlrt.decision.policy.best_index`: the first modality) and the sum of the
best modality's QALYs. Everything :class:`~netlrt.analysis.population.PopulationResult` reports follows from
these nine numbers per patient, so the patients x draws x modalities array is never held, and sums from
different processes (Dask partitions) are simply concatenated.

Why it is fast. A utility term's expected QALYs are linear in the term's table: the table (over the modality
and the findings it reads) dotted with the patient's weights over the findings' states, one-hot where a
finding is known and the population shares where it is not (as :func:`netlrt.network.engine.expect` does).
So the QALYs of a chunk of draws x patients x modalities are one matrix product, (modality x draw, state) @
(state, patient): the numbers of :meth:`Evaluator.batch(...).utility <netlrt.decision.core.Evaluator.batch>`
(the tests compare them) at about 1/100 of its cost. Patients with the same findings and preference have the
same numbers, so each distinct pattern is computed once.

Memory: the largest array is ``4 x draw_chunk x patient_chunk`` floats (32 MB with the defaults), with one
chunk of tables (about 4 KB per draw) and 9 sums per patient.

Examples
--------
>>> from netlrt.evidence.priors_files import load_priors
>>> from netlrt.evidence.patient import Patient
>>> draws = DrawSet.sample(load_priors(), 100, seed=0)
>>> s = patient_sums(draws, [Patient(grade="G1"), Patient(grade="G1")])
>>> int(s.wins.sum()), s.n_patterns
(200, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import positive_int
from ..decision import policy
from ..decision.utility import TERMS, term_tables
from ..evidence.patient import Patient
from ..evidence.patient_io import TABLE, PatientRows, parse_frame
from ..evidence.vocabulary import MODALITIES
from ..network.declarations import ROOTS
from ..network.tables import STATES, build_tables
from ..seeding import SeedLike, as_generator

if TYPE_CHECKING:
    from ..decision.core import Evaluator
    from ..evidence.priors import PriorSet

__all__ = [
    "DEFAULT_DRAWS",
    "DRAW_CHUNK",
    "PATIENT_CHUNK",
    "DrawSet",
    "PatientSums",
    "patient_sums",
    "read_table",
    "table_sums",
]

DEFAULT_DRAWS = 1000
#: Draws whose tables are built and evaluated together.
DRAW_CHUNK = 256
#: Distinct patients (findings and preference) evaluated together; with DRAW_CHUNK bounds the largest array.
PATIENT_CHUNK = 4096
_FINDINGS = tuple(r for r in ROOTS if r != "modality")
_K = len(MODALITIES)
Layout = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class DrawSet:
    """Parameter draws with their priors: everything a process needs to evaluate patients (what Dask ships).

    Parameters
    ----------
    priors : PriorSet
    values : mapping
        Parameter id -> ``(n_draws,)`` values, for every parameter.
    n_draws : int
    seed : int or None
        The integer seed they were sampled with (``None`` for a Generator, fresh entropy or values given).

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> DrawSet.sample(load_priors(), 10, seed=0).n_draws
    10
    """

    priors: PriorSet
    values: Mapping[str, np.ndarray]
    n_draws: int
    seed: int | None = None

    @classmethod
    def sample(cls, priors: PriorSet, n_draws: int | None = None, seed: SeedLike = 0) -> DrawSet:
        """``priors.sample(n_draws, seed)``, drawn once (a PSA's draws for the same seed; about 600 bytes each)."""
        n = positive_int("n_draws", DEFAULT_DRAWS if n_draws is None else n_draws)
        rng = as_generator(seed)
        return cls(priors, priors.sample(n, rng), n, int(seed) if isinstance(seed, (int, np.integer)) else None)

    @classmethod
    def build(cls, priors: PriorSet, *, n_draws: int | None = None, seed: SeedLike = 0,
              values: Mapping[str, Any] | None = None) -> DrawSet:
        """:meth:`sample` or, with ``values``, :meth:`from_values` (then ``n_draws`` must be None or agree).

        Examples
        --------
        >>> from netlrt.evidence.priors_files import load_priors
        >>> DrawSet.build(load_priors(), values={"ecog_max": [2.0, 2.0, 2.0]}).n_draws
        3
        """
        if values is None:
            return cls.sample(priors, n_draws, seed)
        draws = cls.from_values(priors, values)
        if n_draws is not None and n_draws != draws.n_draws:
            raise ValueError(f"n_draws: {n_draws!r} but values hold {draws.n_draws} draws; allowed: None or "
                             f"{draws.n_draws}")
        return draws

    @classmethod
    def from_values(cls, priors: PriorSet, values: Mapping[str, Any]) -> DrawSet:
        """Draws of your own (e.g. a posterior sample): parameter id -> ``(n,)``; the others at their means.

        Raises
        ------
        ValueError
            For an unknown parameter id, or draws that are not finite, 1-d and of one length.
        """
        if not isinstance(values, Mapping) or not values:
            raise ValueError(f"values: expected a non-empty mapping parameter id -> draws, got {values!r:.80}")
        bad = [k for k in values if k not in priors]
        if bad:
            raise ValueError(f"values: unknown parameter {bad[0]!r}; allowed: the ids of the priors")
        arrays = {k: np.asarray(v, dtype=float) for k, v in values.items()}
        n = len(next(iter(arrays.values())))
        for k, a in arrays.items():
            if a.ndim != 1 or len(a) != n or n == 0 or not np.isfinite(a).all():
                raise ValueError(f"values: {k!r} has shape {a.shape}; allowed: finite 1-d draws, as many (> 0) as "
                                 f"the first parameter's ({n})")
        return cls(priors, {k: np.full(n, m) for k, m in priors.means().items()} | arrays, n)

    def __getstate__(self) -> dict[str, Any]:  # ship the inputs, not what a process rebuilds from them
        return {k: self.__dict__[k] for k in ("priors", "values", "n_draws", "seed")}

    @cached_property
    def evaluator(self) -> Evaluator:
        """Built once per process (a Dask worker keeps one copy of this object for all its partitions)."""
        from ..decision.core import Evaluator

        return Evaluator(self.priors)

    @cached_property
    def _shares(self) -> dict[str, np.ndarray]:
        return {r: np.array([self.priors.population[r][s] for s in STATES[r]]) for r in _FINDINGS}

    def _tables(self, start: int, stop: int) -> tuple[np.ndarray, Layout]:
        """``(modality, draw, state)`` term tables for draws ``start:stop``, and each term's finding roots."""
        block = {k: v[start:stop] for k, v in self.values.items()}
        n = stop - start
        terms = term_tables(build_tables(block, self.priors.population), block)
        parts, layout = [], []
        for term in TERMS:
            table, roots = terms[term.name]
            table = np.broadcast_to(table, (n,) + table.shape[1:])[:, 0]
            if "modality" in roots:
                table = np.moveaxis(table, 1 + roots.index("modality"), 0)
            else:  # the same for every modality (e.g. carcinoid crisis): shifts all four alike
                table = np.broadcast_to(table, (_K,) + table.shape)
            parts.append(table.reshape(_K, n, -1))
            layout.append(tuple(r for r in roots if r != "modality"))
        return np.concatenate(parts, axis=2), tuple(layout)

    def _weights(self, layout: Layout, codes: np.ndarray, mult: np.ndarray) -> np.ndarray:
        """``(state, pattern)``: each term's weights over its findings' states, times the preference multiplier."""
        n = len(codes)
        per_root = {}
        for j, root in enumerate(_FINDINGS):
            w = np.broadcast_to(self._shares[root], (n, len(self._shares[root]))).copy()
            known = np.flatnonzero(codes[:, j] >= 0)
            w[known] = 0.0
            w[known, codes[known, j]] = 1.0
            per_root[root] = w
        blocks = []
        for t, roots in enumerate(layout):
            x = mult[:, t:t + 1]
            for root in roots:  # outer product in the table's axis order (C order)
                x = (x[:, :, None] * per_root[root][:, None, :]).reshape(n, -1)
            blocks.append(x)
        return np.concatenate(blocks, axis=1).T


@dataclass(frozen=True, eq=False)
class PatientSums:
    """Per-patient sums over the draws, in patient order.

    Attributes
    ----------
    ids : tuple of str
    eligible : ndarray of bool
        From :func:`netlrt.decision.policy.assess`.
    reasons : tuple of str
        Why each patient is ineligible (joined by ``"; "``).
    utility : ndarray
        ``(patient, modality)``: sum over draws of the expected QALYs.
    wins : ndarray of int
        ``(patient, modality)``: draws in which the modality is best.
    top : ndarray
        ``(patient,)``: sum over draws of the best modality's QALYs.
    n_patterns : int
        Distinct (findings, preference) patterns evaluated.
    skipped : tuple of str
        Invalid table rows left out.

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.patient import Patient
    >>> s = patient_sums(DrawSet.sample(load_priors(), 5), [Patient(ecog=3)])
    >>> PatientSums.concat([s, s]).ids, bool(s.eligible[0])
    (('1', '1'), False)
    """

    ids: tuple[str, ...]
    eligible: np.ndarray
    reasons: tuple[str, ...]
    utility: np.ndarray
    wins: np.ndarray
    top: np.ndarray
    n_patterns: int
    skipped: tuple[str, ...] = ()

    @classmethod
    def concat(cls, parts: Sequence[PatientSums]) -> PatientSums:
        """The sums of several groups of patients (e.g. partitions), in order."""
        return cls(tuple(i for p in parts for i in p.ids), np.concatenate([p.eligible for p in parts]),
                   tuple(r for p in parts for r in p.reasons), np.concatenate([p.utility for p in parts]),
                   np.concatenate([p.wins for p in parts]), np.concatenate([p.top for p in parts]),
                   sum(p.n_patterns for p in parts), tuple(s for p in parts for s in p.skipped))


def _accumulate(tables: np.ndarray, w: np.ndarray, utility: np.ndarray, wins: np.ndarray, top: np.ndarray) -> None:
    k, d, _ = tables.shape
    n = w.shape[1]
    u = (tables.reshape(k * d, -1) @ w).reshape(k, d, n)  # (modality, draw, pattern)
    utility += u.sum(axis=1).T
    # policy.best_index's rule along the modality axis (the first of equal maxima wins) without moving that
    # axis last: a strict '>' keeps the earlier modality on a tie; 4x faster than argmax over a strided axis.
    best, winner, better = u[0].copy(), np.zeros((d, n), dtype=np.int8), np.empty((d, n), dtype=bool)
    for m in range(1, k):
        np.greater(u[m], best, out=better)
        np.copyto(winner, m, where=better)
        np.maximum(best, u[m], out=best)
    top += best.sum(axis=0)
    for m in range(k):
        wins[:, m] += np.count_nonzero(winner == m, axis=0)


def patient_sums(draws: DrawSet, patients: Sequence[Patient], ids: Sequence[str] | None = None, *,
                 patient_chunk: int = PATIENT_CHUNK, draw_chunk: int = DRAW_CHUNK,
                 skipped: tuple[str, ...] = ()) -> PatientSums:
    """Sums over every draw for each patient: the per-patient function of both the in-memory and Dask paths.

    Parameters
    ----------
    draws : DrawSet
    patients : sequence of Patient
        Validated patients whose preferences the priors know.
    ids : sequence of str, optional
        Their ids (default ``"1"``, ``"2"``, ...).
    patient_chunk, draw_chunk : int
        Distinct patients and draws evaluated together.
    skipped : tuple of str
        Invalid rows left out before, carried into the result.

    Returns
    -------
    PatientSums

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.patient import Patient
    >>> s = patient_sums(DrawSet.sample(load_priors(), 50, seed=1), [Patient(grade="G3")], ["x"])
    >>> s.ids, s.utility.shape, bool(s.top[0] >= s.utility[0].max())
    (('x',), (1, 4), True)
    """
    pc, dc = positive_int("patient_chunk", patient_chunk), positive_int("draw_chunk", draw_chunk)
    ids = tuple(str(i) for i in range(1, len(patients) + 1)) if ids is None else tuple(ids)
    if len(ids) != len(patients):
        raise ValueError(f"ids: {len(ids)} ids for {len(patients)} patients; allowed: one id per patient")
    index = {r: {s: i for i, s in enumerate(STATES[r])} for r in _FINDINGS}
    seen: dict[Any, int] = {}
    inverse = np.empty(len(patients), dtype=np.intp)
    codes, prefs = [], []
    for i, p in enumerate(patients):
        e, pref = p.evidence(), p.preference
        key = (tuple(map(e.get, _FINDINGS)), pref if isinstance(pref, str) else tuple(sorted(pref.items())))
        j = seen.get(key)
        if j is None:
            j = seen[key] = len(codes)
            codes.append([index[r][s] if s is not None else -1 for r, s in zip(_FINDINGS, key[0])])
            prefs.append(pref)
        inverse[i] = j
    by_name: dict[str, np.ndarray] = {}
    mult = np.array([by_name.setdefault(q, draws.evaluator.multipliers(q)) if isinstance(q, str)
                     else draws.evaluator.multipliers(q) for q in prefs]).reshape(len(prefs), len(TERMS))
    code = np.array(codes, dtype=np.intp).reshape(len(codes), len(_FINDINGS))
    n = len(code)
    utility, wins, top = np.zeros((n, _K)), np.zeros((n, _K), dtype=np.int64), np.zeros(n)
    for start in range(0, draws.n_draws if n else 0, dc):
        tables, layout = draws._tables(start, min(start + dc, draws.n_draws))
        for lo in range(0, n, pc):
            sl = slice(lo, lo + pc)
            _accumulate(tables, draws._weights(layout, code[sl], mult[sl]), utility[sl], wins[sl], top[sl])
    assessed: dict[Any, policy.Assessment] = {}  # equal patients are assessed once (assess formats text: slow)
    found = []
    for p in patients:
        key = tuple(p.to_dict().values()) if isinstance(p.preference, str) else repr(p)
        if key not in assessed:
            assessed[key] = policy.assess(p, draws.priors)
        found.append(assessed[key])
    return PatientSums(ids, np.array([a.eligible for a in found], dtype=bool),
                       tuple("; ".join(a.reasons) for a in found), utility[inverse], wins[inverse], top[inverse], n,
                       skipped)


def read_table(draws: DrawSet, table: Any, *, source: str = TABLE,
               skip_invalid: bool = False) -> tuple[list[str], list[Patient], tuple[str, ...], str]:
    """The patients of a DataFrame (read by :mod:`netlrt.evidence.patient_io`) or of :class:`PatientRows`.

    Parameters
    ----------
    draws : DrawSet
        Its priors' profiles check each preference (an unknown one is that row's problem).
    table : DataFrame or PatientRows
    source : str
        How messages name the table.
    skip_invalid : bool
        Leave invalid rows out instead of raising.

    Returns
    -------
    tuple
        Patient ids, patients, the skipped rows' messages, the source.

    Raises
    ------
    ValueError
        Listing every invalid row unless ``skip_invalid``; for problems of the whole table always.

    Examples
    --------
    >>> import pandas as pd
    >>> from netlrt.evidence.priors_files import load_priors
    >>> ids, pts, skipped, _ = read_table(DrawSet.sample(load_priors(), 1), pd.DataFrame({"grade": ["G1", "G9"]}),
    ...                                   skip_invalid=True)
    >>> ids, len(skipped)
    (['1'], 1)
    """
    def check(patient: Patient) -> None:
        draws.evaluator.multipliers(patient.preference)

    rows = table if isinstance(table, PatientRows) else parse_frame(table, source=source, check=check)
    patients = rows.valid(skip_invalid=skip_invalid)
    return list(patients), list(patients.values()), rows.problems if skip_invalid else (), rows.source


def table_sums(draws: DrawSet, table: Any, *, source: str = TABLE, skip_invalid: bool = False,
               patient_chunk: int = PATIENT_CHUNK, draw_chunk: int = DRAW_CHUNK) -> PatientSums:
    """:func:`patient_sums` for a DataFrame of patients (a Dask partition), read by :mod:`~netlrt.evidence.patient_io`.

    Parameters
    ----------
    draws : DrawSet
    table : DataFrame or PatientRows
    source : str
        How messages name the table.
    skip_invalid : bool
        Leave invalid rows out (their messages in :attr:`PatientSums.skipped`) instead of raising.
    patient_chunk, draw_chunk : int

    Returns
    -------
    PatientSums

    Raises
    ------
    ValueError
        Listing every invalid row unless ``skip_invalid``; for problems of the whole table always.

    Examples
    --------
    >>> import pandas as pd
    >>> from netlrt.evidence.priors_files import load_priors
    >>> s = table_sums(DrawSet.sample(load_priors(), 20), pd.DataFrame({"patient_id": ["a"], "ecog": [1]}))
    >>> s.ids, int(s.wins.sum())
    (('a',), 20)
    """
    ids, patients, skipped, _ = read_table(draws, table, source=source, skip_invalid=skip_invalid)
    return patient_sums(draws, patients, ids, patient_chunk=patient_chunk, draw_chunk=draw_chunk, skipped=skipped)
