"""The model: priors + network + decision layer, and the evaluation of one patient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import decision, engine
from .patient import Patient
from .priors import PriorSet, load_priors
from .structure import NODE, ROOTS
from .vocabulary import MODALITIES, OUTCOMES


@dataclass(frozen=True)
class Evaluation:
    """Outcome probabilities, expected utilities and the recommendation for one patient.

    Attributes
    ----------
    outcomes : DataFrame
        Index: modality; columns: outcome ids; values: P(outcome).
    expected_utility : Series
        Index: modality.
    recommended : str or None
        The modality with the highest expected utility, ``None`` when the patient is ineligible.
    eligible : bool
    reasons : list of str
        Why the patient is ineligible, or why the recommended modality ranks first.
    warnings : list of str
        High-risk findings (bilioenteric anastomosis, high lung shunt fraction, ...).
    """

    patient: Patient
    outcomes: pd.DataFrame
    expected_utility: pd.Series
    recommended: str | None
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_df(self) -> pd.DataFrame:
        """One row per modality: outcome probabilities, expected utility and whether it is recommended."""
        df = self.outcomes.copy()
        df["expected_utility"] = self.expected_utility
        df["recommended"] = [m == self.recommended for m in df.index]
        return df

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``netlrt evaluate --format json``."""
        return {
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "recommended": self.recommended,
            "modalities": {
                m: {"expected_utility": float(self.expected_utility[m]),
                    "outcomes": {o: float(self.outcomes.loc[m, o]) for o in self.outcomes.columns}}
                for m in self.outcomes.index
            },
        }

    def _repr_html_(self) -> str:
        head = (f"<p><b>Recommended:</b> {self.recommended or 'none (ineligible)'}</p>"
                + "".join(f"<p>{r}</p>" for r in self.reasons)
                + "".join(f"<p>&#9888; {w}</p>" for w in self.warnings))
        return head + self.to_df().to_html(float_format=lambda x: f"{x:.3f}")


class Model:
    """The decision model built from a priors folder.

    Use :func:`netlrt.load_model` to make one.

    Examples
    --------
    >>> import netlrt
    >>> model = netlrt.load_model()
    >>> p = netlrt.Patient(grade="G2", burden="low", distribution="bilobar_oligo", biliary="intact")
    >>> model.evaluate(p).recommended in netlrt.MODALITIES
    True
    """

    def __init__(self, priors: PriorSet):
        self.priors = priors

    def __repr__(self) -> str:
        return f"Model(priors={str(self.priors.path)!r}, parameters={len(self.priors)})"

    @cached_property
    def means(self) -> dict[str, float]:
        """Prior-mean value of every parameter (the values behind :attr:`network`)."""
        return self.priors.means()

    @cached_property
    def network(self) -> Any:
        """The pgmpy ``DiscreteBayesianNetwork`` with prior-mean CPDs (built on first use)."""
        from .pgmpy_adapter import build_network

        return build_network(self.means)

    @property
    def profiles(self) -> list[str]:
        """Names of the preference profiles in the priors' utilities file."""
        return list(self.priors.utilities)

    def outcome_draws(self, patients: Sequence[Patient], values: Mapping[str, np.ndarray] | None = None,
                      *, chunk_size: int = engine.DEFAULT_CHUNK) -> np.ndarray:
        """P(outcome) for each draw, patient and modality: shape ``(n_draws, n_patients, 4, n_outcomes)``.

        ``values`` maps parameter id -> draws; ``None`` means the prior means (one draw).
        """
        values = self.means if values is None else values
        evidence = evidence_indices(patients)
        probs = engine.outcome_probabilities(values, evidence, chunk_size=chunk_size)
        return probs.reshape(probs.shape[0], len(patients), len(MODALITIES), len(OUTCOMES))

    def weights(self, patient: Patient) -> np.ndarray:
        """Outcome weights for the patient's preference (a profile name or custom weights)."""
        return decision.weights(patient.preference, self.priors)

    def evaluate(self, patient: Patient) -> Evaluation:
        """Outcome probabilities per modality, expected utility and recommendation for one patient.

        Examples
        --------
        >>> import netlrt
        >>> ev = netlrt.load_model().evaluate(netlrt.cases.article_cases()["case3_y90"])
        >>> list(ev.outcomes.index)
        ['TAE', 'cTACE', 'DEE-TACE', 'Y90']
        """
        if not isinstance(patient, Patient):
            raise ValueError(f"patient: expected a netlrt.Patient, got {type(patient).__name__}")
        w = self.weights(patient)
        probs = self.outcome_draws([patient])[0, 0]
        outcomes = pd.DataFrame(probs, index=pd.Index(MODALITIES, name="modality"), columns=list(OUTCOMES))
        eu = pd.Series(decision.expected_utility(probs, w), index=outcomes.index, name="expected_utility")
        eligible, reasons = decision.eligibility(patient, self.priors)
        recommended = decision.best(eu) if eligible else None
        if eligible:
            reasons = decision.rationale(eu)
        return Evaluation(patient, outcomes, eu, recommended, eligible, reasons,
                          decision.warnings(patient, self.priors))

    # -- probabilistic sensitivity analysis and cohorts (netlrt.psa, netlrt.cohort) --

    def psa(self, patient: Patient, n_draws: int = 10_000, seed: Any = None, *, progress: bool = True) -> Any:
        """Probabilistic sensitivity analysis over every uncertain prior: a :class:`netlrt.psa.PSAResult`.

        ``seed`` is an int, a ``numpy.random.Generator`` or ``None``. See :func:`netlrt.psa.run_psa`.

        Examples
        --------
        >>> import netlrt
        >>> psa = netlrt.load_model().psa(netlrt.cases.article_cases()["case3_y90"], 1000, seed=0, progress=False)
        >>> psa.prob_best().index.tolist()
        ['TAE', 'cTACE', 'DEE-TACE', 'Y90']
        """
        from .psa import run_psa

        return run_psa(self, patient, n_draws, seed, progress=progress)

    def evaluate_cohort(self, df: pd.DataFrame, *, skip_invalid: bool = False) -> pd.DataFrame:
        """Evaluate many patients at once: one row per patient x modality. See :func:`netlrt.cohort.evaluate_cohort`.

        Examples
        --------
        >>> import netlrt, pandas as pd
        >>> df = pd.DataFrame({"grade": ["G1", "G3"], "burden": ["low", "high"],
        ...                    "distribution": ["unilobar_oligo", "bilobar_multifocal"], "biliary": ["intact"] * 2})
        >>> netlrt.load_model().evaluate_cohort(df).shape[0]
        8
        """
        from .cohort import evaluate_cohort

        return evaluate_cohort(self, df, skip_invalid=skip_invalid)

    # -- deterministic and global sensitivity analysis (netlrt.sensitivity) --

    # -- interoperability (netlrt.export) --


def evidence_indices(patients: Sequence[Patient]) -> dict[str, np.ndarray]:
    """Root-node state indices for every (patient, modality) pair, modality varying fastest."""
    rows: dict[str, list[int]] = {r: [] for r in ROOTS}
    for p in patients:
        ev = p.evidence()
        for m in MODALITIES:
            ev["modality"] = m
            for r in ROOTS:
                rows[r].append(NODE[r].states.index(ev[r]))
    return {r: np.asarray(v, dtype=np.intp) for r, v in rows.items()}


def load_model(priors: str | Path | None = None) -> Model:
    """Build the model from a priors folder (``None``: the priors shipped with netlrt).

    Examples
    --------
    >>> import netlrt
    >>> netlrt.load_model().priors["response_y90"].source
    'article'
    """
    return Model(load_priors(priors))
