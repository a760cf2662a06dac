"""Population analysis at scale: a cohort under parameter uncertainty (patients x draws) in bounded memory.

For every patient and parameter draw the expected QALYs of the four modalities are computed, keeping only sums
over the draws per patient (:mod:`netlrt.analysis.population_sums`). From them, per patient: the Bayes choice
(highest expected QALYs averaged over the draws; ties as :func:`netlrt.decision.policy.best_index`), the
share of draws in which each modality is best, the share of draws in which the best modality is not the Bayes
choice (``share_changed``), and the expected value of perfect information (EVPI: the mean over draws of the
best modality's QALYs minus the Bayes choice's mean). For the eligible patients
(:func:`netlrt.decision.policy.assess`; the ineligible are reported and left out of every population number):
the share whose best therapy changes in at least a given share of draws, the population EVPI per patient (the
mean of the patients' EVPI; scaled to a population with :class:`~netlrt.analysis.population_scale.PopulationScale`)
and the expected QALYs per patient of treating everyone with one modality against the patient-level Bayes
policy.

Draws: ``evaluator.priors.sample(n_draws, seed)``, drawn once up front (about 600 bytes per draw), so they
are a PSA's draws for the same seed, and nothing depends on the chunk sizes or on how
:func:`netlrt.analysis.population_dask.run_population_dask` partitions the patients (beyond the rounding of
sums over draws, ~1e-16 relative). Pass ``values=`` for draws of your own (e.g. a posterior sample).

Examples
--------
>>> from netlrt.decision.core import Evaluator
>>> from netlrt.evidence.priors_files import load_priors
>>> ev = Evaluator(load_priors())
>>> res = run_population(ev, random_cohort(ev.priors, 50, seed=1), n_draws=200, seed=0)
>>> res.to_df().shape, bool((res.evpi >= 0).all())
((50, 14), True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import finite_number, positive_int
from ..decision import policy
from ..evidence.patient import Patient
from ..evidence.patient_io import TABLE, PatientRows
from ..evidence.patient_spec import FIELDS, ID_COLUMN
from ..evidence.vocabulary import MODALITIES
from ..seeding import SeedLike, as_generator
from .population_draws import DrawSet
from .population_scale import PopulationScale, population_value
from .population_sums import DRAW_CHUNK, PATIENT_CHUNK, PatientSums, check_unique_ids, patient_sums, table_sums

if TYPE_CHECKING:
    import pandas as pd

    from ..decision.core import Evaluator
    from ..evidence.priors import PriorSet

__all__ = ["PopulationResult", "random_cohort", "run_population"]

_K = len(MODALITIES)


@dataclass(frozen=True, eq=False)
class PopulationResult:
    """A cohort evaluated under parameter uncertainty: per-patient decisions and population summaries.

    Attributes
    ----------
    patient_ids : tuple of str
    eligible : ndarray of bool
        ``(patient,)``: from :func:`netlrt.decision.policy.assess`. Ineligible patients' numbers are computed
        (for research) but they have no recommendation and every population number leaves them out.
    reasons : tuple of str
        Why each patient is ineligible (joined by ``"; "``; empty when eligible).
    expected_utility : ndarray
        ``(patient, modality)``: QALYs averaged over the draws.
    prob_best : ndarray
        ``(patient, modality)``: share of draws in which each modality is best (rows sum to 1).
    share_changed : ndarray
        ``(patient,)``: share of draws in which the best modality is not the patient's Bayes choice.
    evpi : ndarray
        ``(patient,)``: mean over draws of the best QALYs minus the Bayes choice's mean (>= 0).
    best : ndarray of int
        ``(patient,)``: index of the Bayes choice in :data:`~netlrt.evidence.vocabulary.MODALITIES`.
    n_draws : int
    seed : int or None
        The integer seed of the draws (``None`` for a Generator, fresh entropy or ``values=``).
    skipped : tuple of str
        Invalid rows left out (``skip_invalid=True``).
    source : str
    n_patterns : int
        Distinct (findings, preference) patterns evaluated (summed over partitions).

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.patient import Patient
    >>> res = run_population(Evaluator(load_priors()), {"a": Patient(grade="G3"), "b": Patient(ecog=3)}, n_draws=50)
    >>> res.to_df()["eligible"].tolist(), res.summary().columns.tolist()
    ([True, False], ['measure', 'modality', 'value', 'unit'])
    """

    patient_ids: tuple[str, ...]
    eligible: np.ndarray
    reasons: tuple[str, ...]
    expected_utility: np.ndarray
    prob_best: np.ndarray
    share_changed: np.ndarray
    evpi: np.ndarray
    best: np.ndarray
    n_draws: int
    seed: int | None = None
    skipped: tuple[str, ...] = ()
    source: str = TABLE
    n_patterns: int = 0

    @classmethod
    def from_sums(cls, sums: PatientSums, n_draws: int, *, seed: int | None = None,
                  source: str = TABLE) -> PopulationResult:
        """The result from per-patient sums over ``n_draws`` draws (computed here, on Dask or elsewhere).

        Raises
        ------
        ValueError
            For a patient id that appears twice, or sums that do not count ``n_draws`` draws per patient.

        Examples
        --------
        >>> from netlrt.evidence.priors_files import load_priors
        >>> from netlrt.evidence.patient import Patient
        >>> from netlrt.analysis.population_draws import DrawSet
        >>> from netlrt.analysis.population_sums import patient_sums
        >>> s = patient_sums(DrawSet.sample(load_priors(), 30), [Patient(grade="G2")])
        >>> PopulationResult.from_sums(s, 30).n_draws
        30
        """
        n_draws = positive_int("n_draws", n_draws)
        check_unique_ids(sums.ids, source)
        counted = sums.wins.sum(axis=1)
        if (counted != n_draws).any():
            raise ValueError(f"n_draws: {n_draws} but the sums count {int(counted[counted != n_draws][0])} draws "
                             "for a patient; allowed: the number of draws summed over")
        eu = sums.utility / n_draws
        best = policy.best_index(eu)
        rows = np.arange(len(best))
        # mean(max) >= max(mean) exactly; rounding of the two sums can leave -1e-17 where no draw changes the choice
        evpi = np.maximum(sums.top / n_draws - eu[rows, best], 0.0)
        return cls(sums.ids, sums.eligible, sums.reasons, eu, sums.wins / n_draws,
                   (n_draws - sums.wins[rows, best]) / n_draws, evpi, best, n_draws, seed, sums.skipped, source,
                   sums.n_patterns)

    @property
    def recommended(self) -> list[str | None]:
        """The Bayes choice of each eligible patient; ``None`` for the ineligible."""
        return [MODALITIES[b] if e else None for b, e in zip(self.best, self.eligible)]

    def evpi_per_patient(self) -> float:
        """The population EVPI per patient (QALYs): the mean EVPI of the eligible patients (NaN if none)."""
        return float(self.evpi[self.eligible].mean()) if self.eligible.any() else float("nan")

    def population_evpi(self, scale: PopulationScale) -> float:
        """The EVPI per patient times the discounted patients ``scale`` affects (QALYs).

        Parameters
        ----------
        scale : PopulationScale
            Patients per year, horizon and discount rate
            (:func:`~netlrt.analysis.population_scale.population_value`).
        """
        return population_value(self.evpi_per_patient(), scale)

    def share_changing(self, at_least: float = 0.05) -> float:
        """Share of eligible patients whose best modality is not their Bayes choice in ``>= at_least`` of draws.

        Parameters
        ----------
        at_least : float, default 0.05
            A share of draws in (0, 1].

        Raises
        ------
        ValueError
            For ``at_least`` outside (0, 1].
        """
        x = finite_number("at_least", at_least, low=0.0, high=1.0, low_open=True)
        return float((self.share_changed[self.eligible] >= x).mean()) if self.eligible.any() else float("nan")

    def policy_values(self) -> pd.Series:
        """Expected QALYs per eligible patient of each policy.

        ``treat_all_<modality>`` (everyone the same modality), ``bayes`` (each patient their Bayes choice) and
        ``perfect_information`` (each patient the best modality of each draw: ``bayes`` + EVPI).
        """
        import pandas as pd

        e = self.eligible
        eu, rows = self.expected_utility[e], np.arange(int(e.sum()))
        bayes = eu[rows, self.best[e]]
        out = {f"treat_all_{m}": eu[:, j] for j, m in enumerate(MODALITIES)}
        out |= {"bayes": bayes, "perfect_information": bayes + self.evpi[e]}
        return pd.Series({k: float(v.mean()) if len(v) else float("nan") for k, v in out.items()}, name="qalys")

    def to_df(self) -> pd.DataFrame:
        """One row per patient: ``patient_id``, ``eligible``, ``recommended``, ``prob_best_<modality>``,
        ``expected_utility_<modality>`` (QALYs), ``share_changed``, ``evpi``, ``reasons``."""
        import pandas as pd

        df = pd.DataFrame({ID_COLUMN: list(self.patient_ids), "eligible": self.eligible,
                           "recommended": pd.Series(self.recommended, dtype=object)})
        for j, m in enumerate(MODALITIES):
            df[f"prob_best_{m}"] = self.prob_best[:, j]
        for j, m in enumerate(MODALITIES):
            df[f"expected_utility_{m}"] = self.expected_utility[:, j]
        df["share_changed"], df["evpi"], df["reasons"] = self.share_changed, self.evpi, list(self.reasons)
        return df

    def summary(self, *, at_least: float = 0.05, scale: PopulationScale | None = None) -> pd.DataFrame:
        """Population numbers, one per row: columns ``measure``, ``modality``, ``value``, ``unit``.

        Counts (patients, eligible, ineligible, skipped rows, draws, distinct patterns), the share of eligible
        patients recommended each modality, ``share_changing`` (best modality changes in ``>= at_least`` of
        draws), the mean ``share_changed``, ``evpi_per_patient``, ``population_evpi`` (only with ``scale``),
        the policy values (:meth:`policy_values`) and ``bayes_gain`` (Bayes policy minus the best single
        modality for all). Every share and mean is over the eligible patients.

        Parameters
        ----------
        at_least : float, default 0.05
            The share of draws for ``share_changing`` (see :meth:`share_changing`).
        scale : PopulationScale, optional
            Adds ``population_evpi``.

        Returns
        -------
        DataFrame
        """
        import pandas as pd

        e = self.eligible
        n_e = int(e.sum())
        rec = [np.mean(self.best[e] == j) if n_e else np.nan for j in range(_K)]
        pv = self.policy_values()
        rows: list[tuple[str, str | None, float, str]] = [
            ("patients", None, len(e), "patients"), ("eligible", None, n_e, "patients"),
            ("ineligible", None, len(e) - n_e, "patients"), ("skipped", None, len(self.skipped), "rows"),
            ("draws", None, self.n_draws, "draws"), ("patterns", None, self.n_patterns, "distinct patients"),
            *[("recommended", m, float(r), "share of eligible patients") for m, r in zip(MODALITIES, rec)],
            ("changed_at_least", None, float(at_least), "share of draws"),
            ("share_changing", None, self.share_changing(at_least), "share of eligible patients"),
            ("mean_share_changed", None, float(self.share_changed[e].mean()) if n_e else np.nan, "share of draws"),
            ("evpi_per_patient", None, self.evpi_per_patient(), "QALYs per patient")]
        if scale is not None:
            rows.append(("population_evpi", None, self.population_evpi(scale), "QALYs"))
        rows += [("treat_all", m, pv[f"treat_all_{m}"], "QALYs per patient") for m in MODALITIES]
        rows += [("bayes_policy", None, pv["bayes"], "QALYs per patient"),
                 ("perfect_information", None, pv["perfect_information"], "QALYs per patient"),
                 ("bayes_gain", None, pv["bayes"] - max(pv[f"treat_all_{m}"] for m in MODALITIES),
                  "QALYs per patient")]
        return pd.DataFrame(rows, columns=["measure", "modality", "value", "unit"])

    def _repr_html_(self) -> str:
        s = self.summary()
        head = (f"<p><b>Population analysis</b> ({html.escape(self.source)}): {len(self.patient_ids)} patients x "
                f"{self.n_draws} draws, {int(self.eligible.sum())} eligible"
                + (f"; {len(self.skipped)} invalid rows skipped" if self.skipped else "") + "</p>")
        return head + s.to_html(index=False, na_rep="", float_format=lambda x: f"{x:.4g}")


def _patients(draws: DrawSet, patients: Any) -> tuple[list[str], list[Patient]]:
    if isinstance(patients, Mapping):
        bad = [k for k in patients if not isinstance(k, str)]
        if bad:
            raise ValueError(f"patients: id {bad[0]!r} ({type(bad[0]).__name__}); allowed: text patient ids")
        ids, pts = list(patients), list(patients.values())
    elif isinstance(patients, Sequence) and not isinstance(patients, str):
        ids, pts = [str(i) for i in range(1, len(patients) + 1)], list(patients)
    else:
        raise ValueError(f"patients: {type(patients).__name__}; allowed: a pandas DataFrame (one row per patient), "
                         "PatientRows, a mapping patient id -> Patient or a sequence of Patient")
    for i, p in zip(ids, pts):
        if not isinstance(p, Patient):
            raise ValueError(f"patients: {i!r} is a {type(p).__name__}; allowed: netlrt.Patient")
        draws.evaluator.multipliers(p.preference)  # an unknown profile or term, before any work
    return ids, pts


def run_population(evaluator: Evaluator, patients: Any, *, n_draws: int | None = None, seed: SeedLike = 0,
                   values: Mapping[str, Any] | None = None, skip_invalid: bool = False,
                   patient_chunk: int = PATIENT_CHUNK, draw_chunk: int = DRAW_CHUNK) -> PopulationResult:
    """Evaluate a cohort under parameter uncertainty, patients x draws, in bounded memory.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core (``model.evaluator``).
    patients : DataFrame, PatientRows, mapping or sequence
        A table of patients (rules in :mod:`netlrt.evidence.patient_io`), patients read from a file, a mapping
        patient id -> :class:`~netlrt.Patient`, or a sequence of them (numbered from 1).
    n_draws : int, optional
        Random parameter draws ``evaluator.priors.sample(n_draws, seed)``. By default (neither ``n_draws`` nor
        ``values``) the model's fixed internal sample (:attr:`Evaluator.internal_values`, stratified), so each
        patient's recommendation is the one :meth:`netlrt.Model.evaluate` gives: with a few hundred random draws,
        Monte Carlo noise would decide the many close calls.
    seed : int, numpy Generator or None, default 0
    values : mapping, optional
        Draws of your own instead: parameter id -> ``(n,)`` (the others at their prior means).
    skip_invalid : bool, default False
        Leave invalid table rows out (listed in :attr:`PopulationResult.skipped`) instead of raising.
    patient_chunk, draw_chunk : int
        Distinct patients and draws evaluated together (memory: ``4 x draw_chunk x patient_chunk`` floats).
        The results do not depend on them beyond floating-point rounding.

    Returns
    -------
    PopulationResult

    Raises
    ------
    ValueError
        For invalid patients (every invalid row listed, unless ``skip_invalid``), an unknown preference
        profile, bad draws or chunk sizes.

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.patient import Patient
    >>> res = run_population(Evaluator(load_priors()), [Patient(grade="G1"), Patient(ecog=4)], n_draws=100)
    >>> res.recommended[1], round(float(res.prob_best.sum(axis=1)[0]), 12)
    (None, 1.0)
    """
    import pandas as pd

    as_generator(seed)  # a bad seed is refused even where the internal sample makes it unused
    if n_draws is None and values is None:
        values = evaluator.internal_values
    draws = DrawSet.build(evaluator.priors, n_draws=n_draws, seed=seed, values=values)
    if isinstance(patients, (pd.DataFrame, PatientRows)):
        source = patients.source if isinstance(patients, PatientRows) else TABLE
        sums = table_sums(draws, patients, skip_invalid=skip_invalid, patient_chunk=patient_chunk,
                          draw_chunk=draw_chunk, source=source)
    else:
        ids, pts = _patients(draws, patients)
        sums = patient_sums(draws, pts, ids, patient_chunk=patient_chunk, draw_chunk=draw_chunk)
        source = "patients"
    return PopulationResult.from_sums(sums, draws.n_draws, seed=draws.seed, source=source)


#: ECOG shares of the synthetic cohorts (an assumption for benchmarks and tests, not from the article).
_ECOG_SHARES = (0.45, 0.35, 0.14, 0.04, 0.02)


def random_cohort(priors: PriorSet, n_patients: int, *, unknown: float = 0.2, seed: SeedLike = 0) -> pd.DataFrame:
    """A synthetic cohort for benchmarks, tests and examples: findings drawn from the population shares.

    Each network finding is drawn from ``priors.population``, ECOG from assumed shares (about 6% above 2,
    so ineligible), the preference is ``none`` for 80% and another profile otherwise; each finding and ECOG
    is left unknown with probability ``unknown``.

    Parameters
    ----------
    priors : PriorSet
    n_patients : int
    unknown : float, default 0.2
        Probability that a finding is missing, in [0, 1].
    seed : int, numpy Generator or None, default 0

    Returns
    -------
    DataFrame
        ``patient_id`` (``P000001``, ...) and one column per field drawn (``None`` where unknown).

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> random_cohort(load_priors(), 3, seed=0).shape
    (3, 11)
    """
    import pandas as pd

    n = positive_int("n_patients", n_patients)
    p_unknown = finite_number("unknown", unknown, low=0.0, high=1.0)
    rng = as_generator(seed)
    df = pd.DataFrame({ID_COLUMN: [f"P{i:06d}" for i in range(1, n + 1)]})
    for f in FIELDS:
        if f.node is None and f.name != "ecog":
            continue
        if f.name == "ecog":
            states, shares = np.arange(len(_ECOG_SHARES)), np.array(_ECOG_SHARES)
        else:
            pop = priors.population[f.node]
            states, shares = np.array(list(pop), dtype=object), np.array(list(pop.values()))
        drawn = states[rng.choice(len(states), size=n, p=shares / shares.sum())]
        cells = np.array([int(x) for x in drawn] if f.name == "ecog" else
                         [x == "yes" for x in drawn] if f.kind == "bool" else list(drawn), dtype=object)
        cells[rng.random(n) < p_unknown] = None
        df[f.name] = pd.Series(cells, dtype=object)  # None where unknown (pandas' text dtype would make it NaN)
    profiles = [k for k in priors.profiles if k != "none"]
    pref = np.full(n, "none", dtype=object)
    if profiles:
        other = rng.random(n) < 0.2
        pref[other] = np.array(profiles, dtype=object)[rng.integers(len(profiles), size=int(other.sum()))]
    df["preference"] = pref
    return df
