"""Per-patient sums over parameter draws: the one computation behind the population analysis, in memory or on Dask.

For each patient, over every draw: the sum of each modality's expected QALYs, the number of draws in which each
modality is best (ties as :func:`netlrt.decision.policy.best_index`: the first modality) and the sum of the
best modality's QALYs. Everything :class:`~netlrt.analysis.population.PopulationResult` reports follows from
these nine numbers per patient, so the patients x draws x modalities array is never held, and sums from
different processes (Dask partitions) are simply concatenated.

Why it is fast: the QALYs of a chunk of draws x patients x modalities are one matrix product of the terms'
tables and the patients' weights (:mod:`netlrt.analysis.population_draws`), more than 100 times faster than
:meth:`Evaluator.batch <netlrt.decision.core.Evaluator.batch>`, and patients with the same findings and
preference are computed once.

Memory: the largest array is ``4 x draw_chunk x patient_chunk`` floats (32 MB with the defaults), with one
chunk of tables (about 4 KB per draw); per patient, 9 sums, an id and its eligibility. Tables are read
:data:`READ_CHUNK` rows at a time, so Patient objects are held for those rows only.

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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import positive_int
from ..decision import policy
from ..decision.utility import TERMS
from ..evidence.patient import Patient
from ..evidence.patient_io import TABLE, PatientRows, parse_frame
from ..evidence.patient_spec import ID_COLUMN
from ..evidence.vocabulary import MODALITIES
from ..network.tables import STATES
from .population_draws import FINDINGS, DrawSet

__all__ = ["DRAW_CHUNK", "PATIENT_CHUNK", "READ_CHUNK", "PatientSums", "check_unique_ids", "patient_sums", "read_table",
           "table_sums"]

#: Draws whose tables are built and evaluated together.
DRAW_CHUNK = 256
#: Distinct patients (findings and preference) evaluated together; with DRAW_CHUNK bounds the largest array.
PATIENT_CHUNK = 4096
#: Table rows read (made into Patient objects) together; only each row's pattern and eligibility are kept.
READ_CHUNK = 20_000
_K = len(MODALITIES)


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
    # policy.best_index's rule along the modality axis (the first option within TIE_QALY of the best wins)
    # without moving that axis last, in place: the last modality wins unless an earlier one is tied with the best,
    # and going backwards the earliest tied one is written last; 4x faster than argmax over a strided axis.
    best = u[0].copy()
    for m in range(1, k):
        np.maximum(best, u[m], out=best)
    tied = np.subtract(best, policy.TIE_QALY)
    winner, near = np.full((d, n), k - 1, dtype=np.int8), np.empty((d, n), dtype=bool)
    for m in range(k - 2, -1, -1):
        np.greater_equal(u[m], tied, out=near)
        np.copyto(winner, m, where=near)
    top += best.sum(axis=0)
    for m in range(k):
        wins[:, m] += np.count_nonzero(winner == m, axis=0)


class _Encoder:
    """Patients -> their distinct patterns (findings, preference) and eligibility, keeping no Patient object."""

    def __init__(self, draws: DrawSet) -> None:
        self.draws = draws
        self.index = {r: {s: i for i, s in enumerate(STATES[r])} for r in FINDINGS}
        self.seen: dict[Any, int] = {}
        self.codes: list[list[int]] = []
        self.prefs: list[Any] = []
        self.ids: list[str] = []
        self.inverse: list[int] = []
        self.eligible: list[bool] = []
        self.reasons: list[str] = []
        self.assessed: dict[Any, tuple[bool, str]] = {}  # equal patients are assessed once (assess formats text)

    def add(self, ids: Sequence[str], patients: Sequence[Patient]) -> None:
        if len(ids) != len(patients):
            raise ValueError(f"ids: {len(ids)} ids for {len(patients)} patients; allowed: one id per patient")
        self.ids += ids
        for p in patients:
            e, pref = p.evidence(), p.preference
            key = (tuple(map(e.get, FINDINGS)), pref if isinstance(pref, str) else tuple(sorted(pref.items())))
            j = self.seen.get(key)
            if j is None:
                j = self.seen[key] = len(self.codes)
                self.codes.append([self.index[r][s] if s is not None else -1 for r, s in zip(FINDINGS, key[0])])
                self.prefs.append(pref)
            self.inverse.append(j)
            whole = tuple(p.to_dict().values()) if isinstance(pref, str) else repr(p)
            if whole not in self.assessed:
                a = policy.assess(p, self.draws.priors)
                self.assessed[whole] = (a.eligible, "; ".join(a.reasons))
            ok, why = self.assessed[whole]
            self.eligible.append(ok)
            self.reasons.append(why)

    def sums(self, patient_chunk: int, draw_chunk: int, skipped: tuple[str, ...]) -> PatientSums:
        draws, n = self.draws, len(self.codes)
        mult = np.array([draws.evaluator.multipliers(q) for q in self.prefs]).reshape(n, len(TERMS))
        code = np.array(self.codes, dtype=np.intp).reshape(n, len(FINDINGS))
        utility, wins, top = np.zeros((n, _K)), np.zeros((n, _K), dtype=np.int64), np.zeros(n)
        for start in range(0, draws.n_draws if n else 0, draw_chunk):
            tables, layout = draws.tables(start, min(start + draw_chunk, draws.n_draws))
            for lo in range(0, n, patient_chunk):
                sl = slice(lo, lo + patient_chunk)
                _accumulate(tables, draws.weights(layout, code[sl], mult[sl]), utility[sl], wins[sl], top[sl])
        inverse = np.array(self.inverse, dtype=np.intp)
        return PatientSums(tuple(self.ids), np.array(self.eligible, dtype=bool), tuple(self.reasons),
                           utility[inverse], wins[inverse], top[inverse], n, skipped)


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
    encoder = _Encoder(draws)
    encoder.add([str(i) for i in range(1, len(patients) + 1)] if ids is None else list(ids), patients)
    return encoder.sums(pc, dc, skipped)


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
        draws.evaluator.multipliers(patient.preference)  # an unknown profile or term is that row's problem

    rows = table if isinstance(table, PatientRows) else parse_frame(table, source=source, check=check)
    patients = rows.valid(skip_invalid=skip_invalid)
    return list(patients), list(patients.values()), rows.problems if skip_invalid else (), rows.source


def table_sums(draws: DrawSet, table: Any, *, source: str = TABLE, skip_invalid: bool = False,
               patient_chunk: int = PATIENT_CHUNK, draw_chunk: int = DRAW_CHUNK,
               read_chunk: int = READ_CHUNK) -> PatientSums:
    """:func:`patient_sums` for a DataFrame of patients (a Dask partition), read by :mod:`~netlrt.evidence.patient_io`.

    The table is read ``read_chunk`` rows at a time and only each patient's pattern and eligibility are kept,
    so memory does not hold a Patient object per row. Without a ``patient_id`` column or index, rows are
    numbered from 1 as :mod:`~netlrt.evidence.patient_io` does.

    Parameters
    ----------
    draws : DrawSet
    table : DataFrame or PatientRows
    source : str
        How messages name the table (with the rows read, when it is read in several chunks).
    skip_invalid : bool
        Leave invalid rows out (their messages in :attr:`PatientSums.skipped`) instead of raising.
    patient_chunk, draw_chunk : int
    read_chunk : int
        Table rows read together.

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
    import pandas as pd

    pc, dc = positive_int("patient_chunk", patient_chunk), positive_int("draw_chunk", draw_chunk)
    rc = positive_int("read_chunk", read_chunk)
    encoder = _Encoder(draws)
    if isinstance(table, PatientRows) or not isinstance(table, pd.DataFrame) or len(table) <= rc:
        ids, patients, skipped, _ = read_table(draws, table, source=source, skip_invalid=skip_invalid)
        encoder.add(ids, patients)
        return encoder.sums(pc, dc, skipped)
    if ID_COLUMN not in table.columns and table.index.name != ID_COLUMN:
        table = table.assign(**{ID_COLUMN: [str(i) for i in range(1, len(table) + 1)]})
    problems: list[str] = []
    for start in range(0, len(table), rc):
        rows = table.iloc[start:start + rc]
        ids, patients, bad, _ = read_table(draws, rows, source=f"{source} (rows {start + 1}-{start + len(rows)})",
                                           skip_invalid=True)
        encoder.add(ids, patients)
        problems += bad
    if problems and not skip_invalid:
        PatientRows({}, tuple(problems), source).valid()  # raises, listing every invalid row
    check_unique_ids(encoder.ids, source)
    return encoder.sums(pc, dc, tuple(problems))


def check_unique_ids(ids: Sequence[str], source: str) -> None:
    """``ValueError`` naming the first patient id that appears twice (e.g. across a table's chunks or partitions)."""
    if len(set(ids)) != len(ids):
        dup = next(i for i, count in Counter(ids).items() if count > 1)
        raise ValueError(f"{source}: duplicate {ID_COLUMN} {dup!r}; allowed: one row per patient")
