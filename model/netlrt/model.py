"""The front object: a model is a validated set of priors, the network built from them, and the analyses.

:class:`Model` is thin: evaluation lives in :mod:`netlrt.decision` and each analysis in :mod:`netlrt.analysis`,
which depend on the :class:`~netlrt.decision.core.Evaluator`, never on this module.

Examples
--------
>>> import netlrt
>>> model = netlrt.load_model()
>>> model.evaluate(netlrt.cases.article_cases()["case3_y90"]).recommended in netlrt.MODALITIES
True
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .decision.core import Evaluator
from .decision.evaluation import Evaluation, evaluate
from .evidence.patient import Patient
from .evidence.priors import PriorSet
from .evidence.priors_files import load_priors
from .seeding import SeedLike

if TYPE_CHECKING:
    import pandas as pd

    from .analysis.compare import CompareResult
    from .analysis.psa import PSAResult
    from .analysis.sensitivity import (InferencesResult, OneWayResult, SobolResult, ThresholdResult, TwoWayResult,
                                       WhatIfResult)

__all__ = ["Model", "compare", "load_model"]


def _renamed(old: str, new: str, value: Any) -> Any:
    warnings.warn(f"{old}= is deprecated; use {new}=", FutureWarning, stacklevel=3)
    return value


class Model:
    """The decision model built from a priors folder. Use :func:`load_model` to make one.

    Attributes
    ----------
    priors : PriorSet
        Every parameter with its provenance, the population shares and the preference profiles.
    evaluator : Evaluator
        The batch evaluation core the analyses run on.
    """

    def __init__(self, priors: PriorSet):
        self.evaluator = Evaluator(priors)
        self.priors = priors

    def __repr__(self) -> str:
        return f"Model(priors={str(self.priors.path)!r}, parameters={len(self.priors)})"

    @cached_property
    def network(self) -> Any:
        """The pgmpy ``DiscreteBayesianNetwork`` with predictive CPDs: each the average of its table over the
        internal sample of the priors, so pgmpy's exact inference gives :meth:`evaluate`'s outcomes."""
        from .network.pgmpy_adapter import build_network

        return build_network(self.evaluator.internal_tables.mean(), self.priors.population)

    @property
    def profiles(self) -> list[str]:
        """Names of the preference profiles."""
        return list(self.priors.profiles)

    def evaluate(self, patient: Patient) -> Evaluation:
        """Outcomes, expected QALYs with their terms, and the Bayes decision for one patient.

        Examples
        --------
        >>> import netlrt
        >>> ev = netlrt.load_model().evaluate(netlrt.Patient(ecog=1))
        >>> list(ev.outcomes.index)
        ['TAE', 'cTACE', 'DEE-TACE', 'Y90']
        """
        return evaluate(self.evaluator, patient)

    def evaluate_cohort(self, df: pd.DataFrame, *, skip_invalid: bool = False) -> pd.DataFrame:
        """Many patients at once: one row per patient x modality (see :func:`netlrt.analysis.cohort.evaluate_cohort`).

        Examples
        --------
        >>> import netlrt, pandas as pd
        >>> df = pd.DataFrame({"patient_id": ["a", "b"], "grade": ["G1", "G3"]})
        >>> netlrt.load_model().evaluate_cohort(df).shape[0]
        8
        """
        from .analysis.cohort import evaluate_cohort

        return evaluate_cohort(self.evaluator, df, skip_invalid=skip_invalid)

    def psa(self, patient: Patient, n_draws: int = 10_000, seed: SeedLike = 0, *, progress: bool = False) -> PSAResult:
        """Probabilistic sensitivity analysis over every uncertain prior (see :func:`netlrt.analysis.psa.run_psa`).

        Parameters
        ----------
        patient : Patient
        n_draws : int, default 10000
            Parameter draws.
        seed : int, numpy Generator or None, default 0
            The same int repeats exactly; ``None`` draws fresh entropy.
        progress : bool, default False
            A text progress bar for long runs.

        Returns
        -------
        PSAResult

        Examples
        --------
        >>> import netlrt
        >>> psa = netlrt.load_model().psa(netlrt.cases.article_cases()["case3_y90"], 1000, seed=0)
        >>> round(float(psa.prob_best().sum()), 9)
        1.0
        """
        from .analysis.psa import run_psa

        return run_psa(self.evaluator, patient, n_draws, seed, progress=progress)

    def one_way(self, patient: Patient, *, metric: Any = "margin", n_grid: int = 21) -> OneWayResult:
        """One-way (tornado) analysis: each uncertain parameter over its 95% range, the others at their prior means.

        Parameters
        ----------
        patient : Patient
            An eligible patient.
        metric : str or tuple, default "margin"
            ``"margin"`` (the base-case recommendation's QALYs minus the best alternative's), ``"gap"``,
            ``("utility", modality)`` or ``("outcome", modality, outcome)``.
        n_grid : int, default 21
            Grid points over each range; switch points come from the exact threshold search.

        Returns
        -------
        OneWayResult
        """
        from .analysis.sensitivity import one_way

        return one_way.run(self.evaluator, patient, metric=metric, n_grid=n_grid)

    def two_way(self, patient: Patient, x: str, y: str, *, n_grid: int = 25, n: int | None = None) -> TwoWayResult:
        """Best modality on an ``n_grid x n_grid`` grid of two parameters' 95% ranges, the others at their means.

        Parameters
        ----------
        patient : Patient
        x, y : str
            Parameter ids.
        n_grid : int, default 25
        n : int, optional
            Deprecated alias of ``n_grid``.

        Returns
        -------
        TwoWayResult
        """
        from .analysis.sensitivity import two_way

        n_grid = _renamed("n", "n_grid", n) if n is not None else n_grid
        return two_way.run(self.evaluator, patient, x, y, n_grid=n_grid)

    def threshold(self, patient: Patient, param: str, *, n_grid: int = 201) -> ThresholdResult:
        """Values of ``param`` at which the recommendation changes, the others at their prior means.

        Parameters
        ----------
        patient : Patient
        param : str
            An uncertain parameter's id.
        n_grid : int, default 201
            The bracketing grid over the parameter's 0.1-99.9% range (each change then found by brentq).

        Returns
        -------
        ThresholdResult
        """
        from .analysis.sensitivity import threshold

        return threshold.run(self.evaluator, patient, param, n_grid=n_grid)

    def sobol(self, patient: Patient, n_draws: int = 1024, seed: SeedLike = 0, *, metric: Any = "margin",
              second_order: bool = False, n: int | None = None) -> SobolResult:
        """First-order and total Sobol indices of the recommendation's margin over every uncertain prior (SALib).

        Parameters
        ----------
        patient : Patient
        n_draws : int, default 1024
            SALib's base sample size (a power of two); the model is evaluated ``n_draws * (D + 2)`` times.
        seed : int, numpy Generator or None, default 0
        metric : str or tuple, default "margin"
            As for :meth:`one_way`.
        second_order : bool, default False
        n : int, optional
            Deprecated alias of ``n_draws``.

        Returns
        -------
        SobolResult
        """
        from .analysis.sensitivity import sobol

        n_draws = _renamed("n", "n_draws", n) if n is not None else n_draws
        return sobol.run(self.evaluator, patient, n_draws=n_draws, seed=seed, metric=metric, second_order=second_order)

    def whatif(self, patient: Patient) -> WhatIfResult:
        """Outcomes and recommendation as each finding moves through its states (unknown included), all else fixed.

        Parameters
        ----------
        patient : Patient

        Returns
        -------
        WhatIfResult
        """
        from .analysis.sensitivity import whatif

        return whatif.run(self.evaluator, patient)

    def inferences(self, patient: Patient, inferred: Sequence[str] = ()) -> InferencesResult:
        """The recommendation with each inferred direction and inferred finding undone in turn: every prior of
        :func:`~netlrt.analysis.sensitivity.inferences.inferred_priors` at no effect (1), every finding named in
        ``inferred`` unknown, and a stated preference at ``none``.

        Parameters
        ----------
        patient : Patient
            An eligible patient.
        inferred : sequence of str
            Findings of ``patient`` read from a text rather than stated (for the article's cases, the fields
            whose status is ``inferred`` in :func:`netlrt.cases.case_sources`).

        Returns
        -------
        InferencesResult
            ``resting()`` lists the readings without which another modality would be best.
        """
        from .analysis.sensitivity import inferences

        return inferences.run(self.evaluator, patient, inferred)

    def with_priors(self, changes: Mapping[str, Any], note: str | None = None) -> Model:
        """A new model with some priors changed; each change is recorded in the prior's provenance.

        Parameters
        ----------
        changes
            Parameter id -> a number (the parameter becomes fixed at it), or a mapping with ``interval`` (and
            ``distribution``, ``mass``, ``rule``), refitted by the prior's own rule as ``priors refit`` would the
            same edit of its file (``"rule": "assumption"`` reads the interval as a central 95% one), or with
            ``params``.
        note
            Why: kept as the changed priors' ``modified`` note. Without one the note says that no reason was
            given, so the provenance still shows the prior was changed.

        Examples
        --------
        >>> import netlrt
        >>> m = netlrt.load_model().with_priors({"or_pes_y90": {"interval": [0.3, 1.0]}}, note="a sceptical reading")
        >>> m.priors["or_pes_y90"].provenance
        'assumption (modified: a sceptical reading)'
        """
        if not isinstance(changes, Mapping) or not changes:
            raise ValueError("changes: expected a non-empty mapping parameter id -> change")
        unknown = [k for k in changes if k not in self.priors]
        if unknown:
            raise ValueError(f"changes: unknown parameter {unknown[0]!r}; allowed: {', '.join(self.priors)}")
        from .evidence.studies import changed_prior

        note = "changed with with_priors, no reason given" if note is None else note
        try:
            return Model(self.priors.replace({k: changed_prior(self.priors[k], v, note) for k, v in changes.items()}))
        except ValueError as exc:  # named as the researcher made the change, not by the file the prior came from
            text = str(exc)
            for file in {self.priors[k].file for k in changes if self.priors[k].file}:
                text = text.removeprefix(f"{file}: ")
            raise ValueError(text if text.startswith("with_priors: ") else f"with_priors: {text}") from None

    def update(self, studies: Any, *, method: str = "fixed", tau_scale: float | None = None) -> Model:
        """A new model whose priors are updated by a table of study results (see :mod:`netlrt.evidence.studies`).

        Parameters
        ----------
        studies : DataFrame, list of dict or path of a CSV file
            One row per result: ``parameter``, ``citation``, optional ``population``, and ``events``/``patients``
            (a probability) or ``estimate``/``lower``/``upper`` (a 95% interval; a ratio or a time).
        method : {'fixed', 'random'}
            Conjugate update, or a random-effects predictive for a new setting.
        tau_scale : float, optional
            Half-normal scale of the between-study SD (random effects).

        Returns
        -------
        Model
            Each updated prior keeps its provenance and lists the studies in ``updates``.
        """
        from .evidence.studies import update_priors

        return Model(update_priors(self.priors, studies, method=method, tau_scale=tau_scale))

    def export(self, path: str | os.PathLike, format: str | None = None) -> Path:
        """Write :attr:`network` with its provenance as BIF, XMLBIF, XDSL or NET (see :mod:`netlrt.output.export`).

        Parameters
        ----------
        path : str or os.PathLike
            The file; its extension gives the format (``.bif``, ``.xml``/``.xmlbif``/``.bifxml``, ``.xdsl``,
            ``.net``).
        format : str, optional
            Must agree with the extension.

        Returns
        -------
        Path
        """
        from .output.export import export

        return export(self.network, self.priors, path, format)


def load_model(priors: str | os.PathLike | None = None) -> Model:
    """Build the model from a priors folder (``None``: the priors shipped with netlrt).

    Raises
    ------
    ValueError
        For a folder that cannot be read or a prior that is missing, malformed, unused or unfit for its role,
        naming the file, the parameter and the reason.

    Examples
    --------
    >>> import netlrt
    >>> netlrt.load_model().priors["response_base"].source
    'article'
    """
    return Model(load_priors(priors))


def compare(models: Mapping[str, Model], patient: Patient, *, n_draws: int = 10_000,
            seed: SeedLike = 0) -> CompareResult:
    """Side-by-side decisions of several models for one patient (see :func:`netlrt.analysis.compare.compare`).

    Parameters
    ----------
    models : mapping
        Name -> Model (e.g. the shipped priors and a sceptic's).
    patient : Patient
    n_draws : int, default 10000
        PSA draws per model (the same seed for each, so shared priors share their draws).
    seed : int, numpy Generator or None, default 0

    Returns
    -------
    CompareResult
        Bayes decisions, P(best) and EVPI per model.
    """
    from .analysis.compare import compare as run

    if not isinstance(models, Mapping) or not all(isinstance(m, Model) for m in models.values()):
        raise ValueError(f"models: expected a mapping of model name -> netlrt Model, got {type(models).__name__}"
                         + ("" if not isinstance(models, Mapping) else " with other values"))
    return run({k: m.evaluator for k, m in models.items()}, patient, n_draws=n_draws, seed=seed)

