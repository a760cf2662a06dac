"""The result of evaluating one patient: outcomes, expected QALYs and their terms, the Bayes decision and why.

Examples
--------
>>> import netlrt
>>> ev = netlrt.load_model().evaluate(netlrt.Patient(distribution="bilobar_multifocal", ecog=0))
>>> bool(abs(ev.utility_terms.sum(axis=1) - ev.expected_utility).max() < 1e-12)
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..evidence.patient import Patient
from ..evidence.vocabulary import MODALITIES, normalize_modality
from ..network.declarations import OUTCOME_LABELS, OUTCOMES
from . import policy
from .core import TERM_NAMES, Bayes, Evaluator
from .utility import DAYS_PER_YEAR, TERM

__all__ = ["Evaluation", "build_evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """Outcome probabilities, expected QALYs and the recommendation for one patient.

    Every number is averaged over parameter uncertainty (the Bayes decision; see :mod:`netlrt.decision.core`).

    Attributes
    ----------
    patient : Patient
    outcomes : DataFrame
        Index modality, columns outcome ids: predictive P(outcome), per treatment session or per arterial
        procedure (Y90's mapping arteriogram included) for the outcomes of
        :data:`~netlrt.decision.utility.COUNTED_PER`, per course otherwise.
    expected_utility : Series
        Expected QALYs per modality (the model's horizon and discounting).
    utility_terms : DataFrame
        Index modality, one column per utility term (QALYs); each row sums to ``expected_utility``.
    expected_sessions : Series
        Expected arterial procedures of the course (treatment sessions, plus Y90's mapping).
    prob_best : Series
        Share of the internal parameter draws in which each modality has the most QALYs.
    mc_se : Series
        Monte Carlo standard error of each expected QALY.
    recommended : str or None
        The modality with the most expected QALYs; ``None`` when the patient is ineligible.
    eligible : bool
    close_call : bool
        The two best modalities are within :data:`netlrt.decision.policy.CLOSE_CALL_QALY` (or within
        Monte Carlo error); False when the patient is ineligible (no decision is made).
    gap, gap_se : float
        Expected QALYs of the best minus the second best, and its Monte Carlo standard error; NaN when the
        patient is ineligible.
    reasons : list of str
        Why the patient is ineligible, or why the recommended modality ranks first.
    warnings : list of str
        High-risk findings and unknowns a clinician must see.
    unknown : tuple of str
        Findings left unknown, averaged over the population.
    """

    patient: Patient
    outcomes: pd.DataFrame
    expected_utility: pd.Series
    utility_terms: pd.DataFrame
    expected_sessions: pd.Series
    prob_best: pd.Series
    mc_se: pd.Series
    recommended: str | None
    eligible: bool
    close_call: bool
    gap: float
    gap_se: float
    reasons: list[str]
    warnings: list[str]
    unknown: tuple[str, ...]

    @property
    def ranking(self) -> list[str]:
        """Modalities from most to fewest expected QALYs, by the decision's own tie rule
        (:func:`netlrt.decision.policy.ranking`): the first is the recommendation, the second the runner-up,
        even where rounding puts a tied modality a hair ahead."""
        return [MODALITIES[i] for i in policy.ranking(self.expected_utility[list(MODALITIES)].to_numpy())]

    def deciding_terms(self, a: str | None = None, b: str | None = None) -> pd.DataFrame:
        """The utility terms that separate two modalities (default: the best two), largest difference first.

        Returns
        -------
        DataFrame
            Columns ``term``, ``label``, ``<a>``, ``<b>``, ``difference`` (a minus b, QALYs) and ``days``
            (the difference in quality-adjusted days).
        """
        a = self.ranking[0] if a is None else normalize_modality(a)
        b = self.ranking[1] if b is None else normalize_modality(b)
        t = self.utility_terms
        diff = _term_differences(t, a, b)
        return pd.DataFrame({"term": diff.index, "label": [TERM[c].label for c in diff.index],
                             a: t.loc[a, diff.index].to_numpy(), b: t.loc[b, diff.index].to_numpy(),
                             "difference": diff.to_numpy(), "days": diff.to_numpy() * DAYS_PER_YEAR})

    def to_df(self) -> pd.DataFrame:
        """One row per modality: outcomes, expected sessions, expected QALYs, MC error, P(best), recommended."""
        df = self.outcomes.copy()
        df["expected_sessions"] = self.expected_sessions
        df["expected_utility"] = self.expected_utility
        df["mc_se"] = self.mc_se
        df["prob_best"] = self.prob_best
        df["recommended"] = [m == self.recommended for m in df.index]
        return df

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``netlrt evaluate --format json``."""
        return {
            "eligible": self.eligible, "reasons": list(self.reasons), "warnings": list(self.warnings),
            "recommended": self.recommended, "close_call": self.close_call, "unit": "QALY",
            "unknown": list(self.unknown),
            "modalities": {m: {"expected_utility": float(self.expected_utility[m]),
                               "mc_se": float(self.mc_se[m]), "prob_best": float(self.prob_best[m]),
                               "expected_sessions": float(self.expected_sessions[m]),
                               "utility_terms": {k: float(v) for k, v in self.utility_terms.loc[m].items()},
                               "outcomes": {o: float(self.outcomes.loc[m, o]) for o in self.outcomes.columns}}
                           for m in self.outcomes.index},
        }

    def outcome_table(self) -> pd.DataFrame:
        """Readable rows (outcomes, expected sessions, expected QALYs and their distance from the recommended
        modality's (the best's when ineligible) in quality-adjusted days, P(best)), one column per modality."""
        eu = self.expected_utility
        top = eu[self.recommended] if self.recommended else eu.max()
        behind = ((top - eu) * DAYS_PER_YEAR).rename("behind")
        table = pd.concat([self.outcomes.T, self.expected_sessions.to_frame().T, self.expected_utility.to_frame().T,
                           behind.to_frame().T, self.prob_best.to_frame().T])
        names = {**OUTCOME_LABELS, "expected_sessions": "Arterial procedures (expected)",
                 "expected_utility": "Expected QALYs", "behind": "Behind the best (quality-adjusted days)",
                 "prob_best": "P(best)"}
        table.index = [names[o] for o in table.index]
        return table.rename_axis(None, axis=1)

    def _repr_html_(self) -> str:
        head = (f"<p><b>Recommended:</b> {html.escape(self.recommended or 'none (ineligible)')}"
                f"{' (close call)' if self.close_call else ''}</p>"
                + "".join(f"<p>{html.escape(r)}</p>" for r in self.reasons)
                + "".join(f"<p>&#9888; {html.escape(w)}</p>" for w in self.warnings))
        table = self.outcome_table()
        table.columns = [f"{m} \u2605" if m == self.recommended else m for m in table.columns]
        return head + table.to_html(float_format=lambda x: f"{x:.3f}")


def _term_differences(terms: pd.DataFrame, a: str, b: str) -> pd.Series:
    """Each utility term of ``a`` minus that of ``b`` (QALYs), largest absolute difference first (ties in term
    order)."""
    diff = terms.loc[a] - terms.loc[b]
    return diff.reindex(diff.abs().sort_values(ascending=False, kind="stable").index)


def _terms_sentence(ev_terms: pd.DataFrame, a: str, b: str, se: pd.Series) -> str:
    """The terms separating ``a`` from ``b`` beyond twice their Monte Carlo error (``se``, QALYs per term): a smaller
    difference is noise of the internal sample, not a reason."""
    top = _term_differences(ev_terms, a, b)[:4]
    parts = [f"{TERM[t].label.lower()} {d * DAYS_PER_YEAR:+.1f}" for t, d in top.items()
             if abs(d) >= max(0.05 / DAYS_PER_YEAR, 2 * se[t])]
    return f"What separates {a} from {b}, in quality-adjusted days: " + ("; ".join(parts) or "nothing measurable")


def build_evaluation(patient: Patient, bayes: Bayes, index: int, assessment: policy.Assessment,
                     multipliers: np.ndarray | None = None) -> Evaluation:
    """The :class:`Evaluation` of patient ``index`` of a :class:`~netlrt.decision.core.Bayes` result, whose
    QALY terms were weighted by the patient's preference ``multipliers`` (one per utility term; ``None``: not
    weighted, and not said to be)."""
    mods = pd.Index(MODALITIES, name="modality")
    mean = bayes.mean
    u = mean.utility[0, index]
    outcomes = pd.DataFrame(mean.outcomes[0, index], index=mods, columns=list(OUTCOMES))
    eu = pd.Series(u, index=mods, name="expected_utility")
    terms = pd.DataFrame(mean.terms[0, index], index=mods, columns=list(TERM_NAMES))
    gap, gap_se = (float(bayes.gap[index]), float(bayes.gap_se[index])) if assessment.eligible else (np.nan, np.nan)
    close = assessment.eligible and policy.is_close(gap, gap_se)
    pb = pd.Series(bayes.prob_best[index], index=mods, name="prob_best")
    reasons = list(assessment.reasons)
    recommended = MODALITIES[int(bayes.best[index])] if assessment.eligible else None
    if assessment.eligible:
        a, b = recommended, MODALITIES[int(bayes.runner_up[index])]
        reasons.append(f"{a} has the most expected QALYs: {eu[a]:.3f} (next {b} {eu[b]:.3f}; gap {gap:.4f} QALY = "
                       f"{gap * DAYS_PER_YEAR:.1f} quality-adjusted days, Monte Carlo SE "
                       f"{gap_se * DAYS_PER_YEAR:.2g} day)")
        if weighted := [f"{TERM[t].label.lower()} counted {m:g} times"
                        for t, m in zip(TERM_NAMES, () if multipliers is None else multipliers) if m != 1]:
            shown = f"the preference {patient.preference}" if isinstance(patient.preference, str) else \
                "the patient's own preference"
            reasons.append(f"these QALYs are weighted by {shown}: {', '.join(weighted)}")
        ia, ib = MODALITIES.index(a), MODALITIES.index(b)
        reps = bayes.replicate_terms[:, index, ia] - bayes.replicate_terms[:, index, ib]
        se = pd.Series(reps.std(axis=0, ddof=1) / np.sqrt(len(reps)), index=list(TERM_NAMES))
        reasons.append(_terms_sentence(terms, a, b, se))
        if close:
            week = policy.CLOSE_CALL_QALY
            why = (f"below one quality-adjusted week ({week:.4f} QALY)" if gap < week
                   else "within two Monte Carlo standard errors")
            reasons.append(f"close call: the gap is {why}, as the article allows ('treatments may be "
                           "interchangeable'); P(best) " + ", ".join(f"{m} {pb[m]:.2f}" for m in MODALITIES))
    unknown = tuple(patient.unknown())
    warnings = list(assessment.warnings)
    if unknown:
        warnings.append("unknown, averaged over the treated population: " + ", ".join(unknown))
    sessions = pd.Series(mean.sessions[0, index], index=mods, name="expected_sessions")
    return Evaluation(patient, outcomes, eu, terms, sessions, pb, pd.Series(bayes.mc_se[index], index=mods,
                      name="mc_se"), recommended, assessment.eligible, close, gap, gap_se, reasons, warnings, unknown)


def evaluate(evaluator: Evaluator, patient: Patient) -> Evaluation:
    """The :class:`Evaluation` of one patient: the Bayes decision with its eligibility, reasons and warnings.

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> evaluate(Evaluator(load_priors()), Patient(ecog=3)).eligible
    False
    """
    return build_evaluation(patient, evaluator.bayes([patient]), 0, policy.assess(patient, evaluator.priors),
                            evaluator.multipliers(patient.preference))
