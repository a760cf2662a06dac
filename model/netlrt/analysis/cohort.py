"""Cohorts: many patients from a table or file, evaluated together with the Bayes decision.

Patients are parsed by :mod:`netlrt.evidence.patient_io` (one set of rules for every table of patients;
the id column is ``patient_id``) and evaluated through
:meth:`Evaluator.bayes(patients, prob_best=False) <netlrt.decision.core.Evaluator.bayes>`: predictive
outcome probabilities and expected QALYs averaged over parameter uncertainty, the same numbers
``evaluate`` gives one patient, for any number of patients at the cost of one draw. The probability that each
modality is best is not computed (it needs every internal draw per patient; run a PSA for one patient).
Eligibility and warnings come from :func:`netlrt.decision.policy.assess`, the close call from
:func:`netlrt.decision.policy.is_close`.

A command line needs two calls: ``res = run_cohort(model.evaluator, "patients.csv", skip_invalid=...)``
(``res.skipped`` lists the rows left out) and ``write_cohort_csv(res, out, inputs=["patients.csv"])``, which
writes atomically, never over the input, with patient ids escaped against spreadsheet formulas.

Examples
--------
>>> import pandas as pd
>>> from netlrt.decision.core import Evaluator
>>> from netlrt.evidence.priors_files import load_priors
>>> res = run_cohort(Evaluator(load_priors()), pd.DataFrame({"patient_id": ["a", "b"], "ecog": [0, 3]}))
>>> res.summary[["patient_id", "eligible"]].to_dict("list")
{'patient_id': ['a', 'b'], 'eligible': [True, False]}
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..decision import policy
from ..decision.utility import DAYS_PER_YEAR
from ..evidence.patient import Patient
from ..evidence.patient_io import TABLE, PatientRows, parse_frame, read_patient_rows
from ..evidence.patient_spec import ID_COLUMN
from ..evidence.vocabulary import MODALITIES
from ..network.declarations import OUTCOMES

if TYPE_CHECKING:
    import pandas as pd

    from ..decision.core import Evaluator

__all__ = ["CohortResult", "PATIENTS_PER_CALL", "SUMMARY_COLUMNS", "evaluate_cohort",
           "run_cohort", "write_cohort_csv", "write_cohort_tables"]

#: Patients evaluated per call of the core: bounds memory (8 replicate draws x patients x modalities x terms).
PATIENTS_PER_CALL = 4096
SUMMARY_COLUMNS = ["patient_id", "eligible", "recommended", "runner_up", "expected_utility", "gap", "gap_se",
                   "gap_days", "close_call", "reasons", "warnings", "unknown"]


@dataclass(frozen=True)
class CohortResult:
    """Every patient of a table evaluated with the Bayes decision.

    Attributes
    ----------
    table : DataFrame
        One row per patient x modality: ``patient_id``, ``modality``, P(outcome) for every outcome,
        ``expected_sessions``, ``expected_utility`` (QALYs), ``mc_se`` (its Monte Carlo error), ``recommended``
        (False for every modality of an ineligible patient) and ``eligible``.
    summary : DataFrame
        One row per patient (columns :data:`SUMMARY_COLUMNS`): the recommendation, the runner-up, the
        recommended modality's expected QALYs, the gap to the runner-up (QALYs, its Monte Carlo error,
        quality-adjusted days) and whether it is a close call (``None``, NaN and False when ineligible: no
        decision is made), why ineligible, the warnings and the unknown findings (each joined by ``"; "``).
    skipped : tuple of str
        The invalid rows left out (``skip_invalid=True``), one message each.
    source : str
        The file or ``"patients table"``.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    skipped: tuple[str, ...] = ()
    source: str = TABLE

    def to_df(self) -> pd.DataFrame:
        """The long table: one row per patient x modality."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        s = self.summary
        head = (f"<p><b>Cohort</b> ({html.escape(self.source)}): {len(s)} patients, {int(s['eligible'].sum())} "
                f"eligible, {int(s['close_call'].sum())} close calls"
                + (f"; {len(self.skipped)} invalid rows skipped" if self.skipped else "") + "</p>")
        counts = s["recommended"].fillna("none (ineligible)").value_counts().rename("patients").to_frame()
        shown = s[["patient_id", "recommended", "eligible", "close_call", "gap_days"]].head(50)
        return (head + counts.to_html() + shown.to_html(index=False, float_format=lambda x: f"{x:.1f}")
                + ("<p>(first 50 patients)</p>" if len(s) > 50 else ""))


def _evaluate(evaluator: Evaluator, ids: Sequence[str], patients: Sequence[Patient]) -> tuple[Any, Any]:
    import pandas as pd

    n, k = len(patients), len(MODALITIES)
    outcomes, eu, sessions = np.empty((n, k, len(OUTCOMES))), np.empty((n, k)), np.empty((n, k))
    mc_se, gap, gap_se = np.empty((n, k)), np.empty(n), np.empty(n)
    best, runner = np.empty(n, dtype=np.intp), np.empty(n, dtype=np.intp)
    for start in range(0, n, PATIENTS_PER_CALL):
        sl = slice(start, start + PATIENTS_PER_CALL)
        b = evaluator.bayes(patients[sl], prob_best=False)
        outcomes[sl], eu[sl], sessions[sl] = b.mean.outcomes[0], b.mean.utility[0], b.mean.sessions[0]
        mc_se[sl], gap[sl], gap_se[sl], best[sl], runner[sl] = b.mc_se, b.gap, b.gap_se, b.best, b.runner_up
    assessments = [policy.assess(p, evaluator.priors) for p in patients]
    eligible = np.array([a.eligible for a in assessments], dtype=bool)
    recommended = (best[:, None] == np.arange(k)) & eligible[:, None]

    table = pd.DataFrame({ID_COLUMN: np.repeat(np.array(ids, dtype=object), k),
                          "modality": np.tile(np.array(MODALITIES, dtype=object), n)})
    for j, name in enumerate(OUTCOMES):
        table[name] = outcomes[:, :, j].ravel()
    table["expected_sessions"] = sessions.ravel()
    table["expected_utility"] = eu.ravel()
    table["mc_se"] = mc_se.ravel()
    table["recommended"] = recommended.ravel()
    table["eligible"] = np.repeat(eligible, k)

    top = eu[np.arange(n), best]
    summary = pd.DataFrame({
        ID_COLUMN: list(ids), "eligible": eligible,
        "recommended": pd.Series([MODALITIES[b] if e else None for b, e in zip(best, eligible)], dtype=object),
        "runner_up": pd.Series([MODALITIES[r] if e else None for r, e in zip(runner, eligible)], dtype=object),
        "expected_utility": np.where(eligible, top, np.nan), "gap": np.where(eligible, gap, np.nan),
        "gap_se": np.where(eligible, gap_se, np.nan), "gap_days": np.where(eligible, gap * DAYS_PER_YEAR, np.nan),
        "close_call": [bool(e) and policy.is_close(g, s) for g, s, e in zip(gap, gap_se, eligible)],
        "reasons": ["; ".join(a.reasons) for a in assessments],
        "warnings": ["; ".join(a.warnings) for a in assessments],
        "unknown": ["; ".join(p.unknown()) for p in patients],
    }, columns=SUMMARY_COLUMNS)
    return table, summary


def _rows(evaluator: Evaluator, df: Any) -> PatientRows:
    def check(patient: Patient) -> None:
        evaluator.multipliers(patient.preference)  # an unknown profile or term is that row's problem

    if isinstance(df, PatientRows):
        return df
    if isinstance(df, (str, os.PathLike)):
        return read_patient_rows(df, check=check)
    return parse_frame(df, source=TABLE, check=check)


def run_cohort(evaluator: Evaluator, df: pd.DataFrame | str | os.PathLike[str] | PatientRows, *,
               skip_invalid: bool = False) -> CohortResult:
    """Evaluate every patient of a table: the long table and the per-patient summary.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core (``model.evaluator``).
    df : DataFrame, path or PatientRows
        One row per patient: columns are patient fields and optionally ``patient_id`` (rules in
        :mod:`netlrt.evidence.patient_io`); or a ``.csv``/``.yaml``/``.yml`` file of patients (read with
        :func:`netlrt.evidence.patient_io.read_patient_rows`, each preference checked against the profiles);
        or patients already read.
    skip_invalid : bool, default False
        Leave invalid rows out (listed in :attr:`CohortResult.skipped`) instead of raising.

    Returns
    -------
    CohortResult

    Raises
    ------
    ValueError
        Listing every invalid row (row, patient id, field, value, what is allowed) unless ``skip_invalid``; for
        problems of the whole table (unknown column, empty or duplicate ids) always.

    Examples
    --------
    >>> import pandas as pd
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> res = run_cohort(Evaluator(load_priors()), pd.DataFrame({"grade": ["G1", "G3"]}))
    >>> res.table.shape[0], list(res.summary["patient_id"])
    (8, ['1', '2'])
    """
    rows = _rows(evaluator, df)
    patients = rows.valid(skip_invalid=skip_invalid)
    table, summary = _evaluate(evaluator, list(patients), list(patients.values()))
    return CohortResult(table, summary, rows.problems if skip_invalid else (), rows.source)


def evaluate_cohort(evaluator: Evaluator, df: pd.DataFrame, *, skip_invalid: bool = False) -> pd.DataFrame:
    """Outcomes, expected QALYs and the recommendation of every patient: one row per patient x modality.

    The long table of :func:`run_cohort` (see there for the parameters).

    Examples
    --------
    >>> import pandas as pd
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> out = evaluate_cohort(Evaluator(load_priors()), pd.DataFrame({"patient_id": ["p1"], "ecog": [3]}))
    >>> bool(out["recommended"].any()), out.shape[0]
    (False, 4)
    """
    return run_cohort(evaluator, df, skip_invalid=skip_invalid).table


def write_cohort_csv(result: CohortResult, path: str | os.PathLike[str], *, table: str = "long",
                     inputs: Sequence[str | os.PathLike[str] | None] = (), what: str = "--out") -> None:
    """Write a cohort's long table or summary as CSV, safely.

    The file is written atomically (:func:`netlrt.files.atomic_write`: complete or unchanged), never over one
    of ``inputs`` (:func:`netlrt.files.refuse_same_file`), and text cells starting with ``= + - @`` (a patient
    id such as ``=cmd``) are escaped so spreadsheets show them as text (:func:`netlrt.files.csv_safe_frame`).

    Parameters
    ----------
    result : CohortResult
    path : str or os.PathLike
        The CSV file to write.
    table : {"long", "summary"}
        Which table.
    inputs : sequence of paths
        Files read to make the result (the patients file), which must not be overwritten.
    what : str
        How messages name ``path`` (the command-line option).

    Raises
    ------
    ValueError
        For an output that is an input, a folder, or cannot be written (see :func:`netlrt.files.atomic_write`).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from pathlib import Path
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> res = run_cohort(Evaluator(load_priors()), pd.DataFrame({"patient_id": ["=1+1"]}))
    >>> out = Path(tempfile.mkdtemp()) / "s.csv"
    >>> write_cohort_csv(res, out, table="summary")
    >>> out.read_text().splitlines()[1][:5]
    "'=1+1"
    """
    write_cohort_tables(result, [(path, table, what)], inputs=inputs)


def write_cohort_tables(result: CohortResult, outputs: Sequence[tuple[str | os.PathLike[str], str, str]], *,
                        inputs: Sequence[str | os.PathLike[str] | None] = ()) -> None:
    """Write several of a cohort's tables, each ``(path, table, what)`` as for :func:`write_cohort_csv`, so that
    they are replaced together (:func:`netlrt.files.atomic_writes`): an interrupt never leaves a new table beside
    an old one of another run.

    Raises
    ------
    ValueError
        As :func:`write_cohort_csv`, naming the output by its ``what``.
    """
    from ..files import atomic_writes, csv_safe_frame, refuse_same_file

    if not isinstance(result, CohortResult):
        raise ValueError(f"result: expected a CohortResult (from run_cohort), got {type(result).__name__}")
    frames = []
    for path, table, what in outputs:
        if table not in ("long", "summary"):
            raise ValueError(f"table: {table!r} not allowed; allowed: 'long', 'summary'")
        refuse_same_file(path, *inputs, what=what)
        frames.append(csv_safe_frame(result.table if table == "long" else result.summary))
    with atomic_writes([(path, what) for path, _, what in outputs]) as files:
        for f, df in zip(files, frames):
            df.to_csv(f, index=False)
