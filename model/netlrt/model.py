"""The model: priors + network + decision layer, and the evaluation of one patient."""

from __future__ import annotations

import html

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
from .vocabulary import MODALITIES, OUTCOME_LABELS, OUTCOMES


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
                + "".join(f"<p>{html.escape(r)}</p>" for r in self.reasons)
                + "".join(f"<p>&#9888; {html.escape(w)}</p>" for w in self.warnings))
        table = self.outcome_table()
        table.columns = [f"{m} \u2605" if m == self.recommended else m for m in table.columns]
        return head + table.to_html(float_format=lambda x: f"{x:.3f}")

    def outcome_table(self) -> pd.DataFrame:
        """Readable outcome names as rows (expected utility last), one column per modality.

        Outcomes as rows keep the table four columns wide, in a notebook or a report.
        """
        table = pd.concat([self.outcomes.T, self.expected_utility.to_frame().T])
        table.index = [{**OUTCOME_LABELS, "expected_utility": "Expected utility"}[o] for o in table.index]
        return table.rename_axis(None, axis=1)


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

    def one_way(self, patient: Patient, *, metric: Any = "gap", n_grid: int = 21) -> Any:
        """One-way (tornado) analysis: each uncertain parameter over its prior's 2.5-97.5% range, others at means.

        ``metric`` is ``"gap"`` (best minus second-best expected utility, the default), ``"margin"`` (the
        base-case recommendation minus its best alternative), ``("utility", modality)`` or
        ``("outcome", modality, outcome)``. Returns a :class:`netlrt.sensitivity.OneWayResult`.

        Examples
        --------
        >>> import netlrt
        >>> model = netlrt.load_model()
        >>> res = model.one_way(netlrt.cases.article_cases()["case3_y90"], metric=("utility", "Y90"))
        >>> res.to_df()["swing"].is_monotonic_decreasing
        True
        """
        from .sensitivity import one_way

        return one_way.run(self, patient, metric=metric, n_grid=n_grid)

    def two_way(self, patient: Patient, x: str, y: str, *, n: int = 25) -> Any:
        """Best modality and utility gap on an ``n x n`` grid of two parameters' 2.5-97.5% ranges.

        Returns a :class:`netlrt.sensitivity.TwoWayResult`.

        Examples
        --------
        >>> import netlrt
        >>> model = netlrt.load_model()
        >>> res = model.two_way(netlrt.cases.article_cases()["case3_y90"], "median_os_y90_years", "or_pes_y90", n=5)
        >>> res.best.shape
        (5, 5)
        """
        from .sensitivity import two_way

        return two_way.run(self, patient, x, y, n=n)

    def threshold(self, patient: Patient, param: str, *, n_grid: int = 201) -> Any:
        """Values of ``param`` within its prior's 0.1-99.9% range at which the recommendation changes.

        Returns a :class:`netlrt.sensitivity.ThresholdResult` (``.thresholds`` empty: no change within range).

        Examples
        --------
        >>> import netlrt
        >>> model = netlrt.load_model()
        >>> res = model.threshold(netlrt.cases.article_cases()["case3_y90"], "median_os_y90_years")
        >>> res.best_above[0]
        'Y90'
        """
        from .sensitivity import threshold

        return threshold.run(self, patient, param, n_grid=n_grid)

    def sobol(self, patient: Patient, n: int = 1024, seed: int | np.random.Generator | None = 0, *,
              metric: Any = "margin", second_order: bool = False) -> Any:
        """First-order and total Sobol indices over every uncertain prior, via SALib.

        The default output is the base-case recommendation's expected utility minus the best alternative's.
        Returns a :class:`netlrt.sensitivity.SobolResult`.

        Examples
        --------
        >>> import netlrt
        >>> model = netlrt.load_model()
        >>> res = model.sobol(netlrt.cases.article_cases()["case3_y90"], n=64, seed=0)
        >>> res.to_df()["parameter"].iloc[0]
        'median_os_y90_years'
        """
        from .sensitivity import sobol

        return sobol.run(self, patient, n=n, seed=seed, metric=metric, second_order=second_order)

    def whatif(self, patient: Patient) -> Any:
        """Outcomes, expected utilities and recommendation as each patient finding moves through its states.

        Returns a :class:`netlrt.sensitivity.WhatIfResult`.

        Examples
        --------
        >>> import netlrt
        >>> res = netlrt.load_model().whatif(netlrt.cases.article_cases()["case3_y90"])
        >>> sorted(res.to_df()["finding"].unique())[:2]
        ['biliary', 'burden']
        """
        from .sensitivity import whatif

        return whatif.run(self, patient)

    # -- interoperability (netlrt.export) --

    def export(self, path: str | Path, format: str | None = None) -> Path:
        """Write :attr:`network` with its provenance as BIF, XMLBIF, XDSL or NET (see :func:`netlrt.export.export`).

        Examples
        --------
        >>> import netlrt, tempfile, os
        >>> netlrt.load_model().export(os.path.join(tempfile.mkdtemp(), "netlrt.net")).name
        'netlrt.net'
        """
        from .export import export

        return export(self, path, format)


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
