"""Probabilistic sensitivity analysis (PSA): every uncertain prior drawn at once, for one patient.

:func:`run_psa` draws ``n_draws`` parameter vectors from the priors (one ``numpy.random.Generator``),
evaluates the patient for every draw with the batch core (:meth:`Evaluator.batch
<netlrt.decision.core.Evaluator.batch>`, in chunks so memory stays bounded), and returns a :class:`PSAResult`:
per draw, every parameter, every outcome probability and every QALY term of every modality. The probability
that each modality is best, an acceptability curve, EVPI, EVPPI (:mod:`netlrt.analysis.voi`) and EVSI
(:mod:`netlrt.analysis.evsi`) follow from it. Figures are in :mod:`netlrt.plot`.

The mean over draws of each modality's expected QALYs estimates the Bayes expected QALYs that ``evaluate``
reports (computed there on a fixed internal sample), within Monte Carlo error.

Examples
--------
>>> from netlrt.decision.core import Evaluator
>>> from netlrt.evidence.priors_files import load_priors
>>> from netlrt.evidence.cases import article_cases
>>> psa = run_psa(Evaluator(load_priors()), article_cases()["case3_y90"], n_draws=2000, seed=0)
>>> round(float(psa.prob_best().sum()), 9), list(psa.outcome_draws.columns.names)
(1.0, ['modality', 'outcome'])
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..checks import is_bool, is_integer, is_real, positive_int
from ..decision import policy
from ..decision.core import TERM_NAMES
from ..evidence.patient import Patient
from ..evidence.patient_spec import MAX_MULTIPLIER
from ..evidence.vocabulary import MODALITIES
from ..network.declarations import OUTCOMES
from ..network.engine import DEFAULT_CHUNK
from ..seeding import SeedLike, as_generator, recorded_seed

if TYPE_CHECKING:
    from ..decision.core import Evaluator
    from ..evidence.priors import PriorSet
    from .voi import Estimate

__all__ = ["DEFAULT_MULTIPLIERS", "EU_PREFIX", "MAX_DRAWS", "PSAResult", "run_psa"]

#: Column of :attr:`PSAResult.draws` holding a modality's expected QALYs: ``expected_utility_<modality>``.
EU_PREFIX = "expected_utility_"
#: Default grid of the harm multiplier of :meth:`PSAResult.acceptability`: 0 to 5 in steps of 0.1.
DEFAULT_MULTIPLIERS = np.round(np.linspace(0.0, 5.0, 51), 10)
#: Largest PSA: each draw keeps about 1.4 kB (parameters, outcomes and terms of four modalities), so the
#: limit keeps a run under about 3 GB; more draws add nothing a researcher can see.
MAX_DRAWS = 2_000_000
_QUANTILES = (0.025, 0.975)


@dataclass(frozen=True)
class PSAResult:
    """Result of a probabilistic sensitivity analysis for one patient.

    Attributes
    ----------
    patient : Patient
    draws : DataFrame
        One row per draw (index ``draw``). Columns: every parameter id (fixed ones at their value), then
        ``expected_utility_<modality>`` (QALYs) for ``TAE``, ``cTACE``, ``DEE-TACE``, ``Y90``.
    outcome_draws : DataFrame
        One row per draw; columns MultiIndex ``(modality, outcome)``; values P(outcome).
    term_draws : DataFrame
        One row per draw; columns MultiIndex ``(modality, term)``; QALYs of each utility term (the patient's
        preference applied); each modality's terms sum to its ``expected_utility_<modality>``.
    parameters : tuple of str
        Ids of the uncertain parameters (the ones drawn; EVPPI ranks these).
    descriptions : dict
        Parameter id -> readable description.
    eligible : bool
        Whether transarterial therapy is an option (:func:`netlrt.decision.policy.assess`); an ineligible
        patient's numbers are still computed, for research, and ``notes`` says so.
    notes : tuple of str
    seed : int or None
        The integer seed, when one was given (a Generator or ``None`` is recorded as ``None``).
    priors : PriorSet or None
        The priors drawn from (they give each parameter's default study design in :meth:`evsi`).
    """

    patient: Patient
    draws: pd.DataFrame
    outcome_draws: pd.DataFrame
    term_draws: pd.DataFrame
    parameters: tuple[str, ...]
    descriptions: dict[str, str]
    eligible: bool
    notes: tuple[str, ...] = ()
    seed: int | None = None
    priors: PriorSet | None = field(default=None, repr=False, compare=False)

    @property
    def n_draws(self) -> int:
        return len(self.draws)

    @property
    def utilities(self) -> pd.DataFrame:
        """Expected QALYs per draw (rows) and modality (columns)."""
        return pd.DataFrame(self._u(), index=self.draws.index, columns=pd.Index(MODALITIES, name="modality"))

    def _u(self) -> np.ndarray:
        return np.column_stack([self.draws[EU_PREFIX + m].to_numpy() for m in MODALITIES])

    def _summary(self, wide: pd.DataFrame, names: Sequence[str], level: str, extra: bool) -> pd.DataFrame:
        u = self._u() if extra else None
        rows = []
        for j, m in enumerate(MODALITIES):  # one modality at a time bounds the memory of the quantiles
            values = wide[m].to_numpy()
            if u is not None:
                values = np.column_stack([values, u[:, j]])
            low, high = np.quantile(values, _QUANTILES, axis=0)
            rows.append(pd.DataFrame({"modality": m, level: [*names, *(["expected_utility"] if extra else [])],
                                      "mean": values.mean(axis=0), "low": low, "high": high}))
        return pd.concat(rows, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Mean and 95% interval (2.5% and 97.5% quantiles over draws) per modality and outcome.

        Returns
        -------
        DataFrame
            Columns ``modality``, ``outcome``, ``mean``, ``low``, ``high``: for each modality in order, the
            outcomes then ``expected_utility`` (QALYs).
        """
        return self._summary(self.outcome_draws, OUTCOMES, "outcome", True)

    def term_summary(self) -> pd.DataFrame:
        """Mean and 95% interval of each utility term (QALYs): columns ``modality``, ``term``, ``mean``, ``low``,
        ``high``."""
        return self._summary(self.term_draws, TERM_NAMES, "term", False)

    def prob_best(self) -> pd.Series:
        """Share of draws in which each modality has the most expected QALYs (sums to 1; ties as
        :func:`netlrt.decision.policy.best_index`)."""
        return _prob_best(self._u())

    def acceptability(self, multipliers: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
        """Acceptability curve over the weight given to harms.

        With harm multiplier ``lambda`` a modality's QALYs in a draw are ``survival + lambda x (every other
        term)``: the quality-adjusted survival plus ``lambda`` times the (negative) terms of procedural
        death, symptoms, adverse events, stays and sessions. ``lambda = 1`` is the patient's own utility, ``0``
        ignores every harm, ``2`` counts each twice: the analogue of a cost-effectiveness acceptability curve
        with harm in place of cost.

        Parameters
        ----------
        multipliers
            Values of ``lambda`` in [0, :data:`~netlrt.evidence.patient_spec.MAX_MULTIPLIER`], the range a
            preference's multipliers take; default :data:`DEFAULT_MULTIPLIERS`.

        Returns
        -------
        DataFrame
            One row per multiplier and modality: ``harm_multiplier``, ``modality``, ``prob_best`` and
            ``optimal`` (True for the modality with the most mean QALYs at that multiplier: the frontier).
        """
        lam = DEFAULT_MULTIPLIERS if multipliers is None else np.atleast_1d(np.asarray(multipliers, dtype=object))
        ok = lam.ndim == 1 and lam.size > 0 and all(is_real(x) and 0 <= x <= MAX_MULTIPLIER for x in lam)
        if not ok:
            raise ValueError(f"multipliers: {multipliers!r} not allowed; allowed: a non-empty sequence of numbers "
                             f"0-{MAX_MULTIPLIER:g} (as a preference's multipliers)")
        terms = self.term_draws
        survival = np.column_stack([terms[(m, "survival")].to_numpy() for m in MODALITIES])
        harm = self._u() - survival
        frames = []
        for x in lam.astype(float):  # one multiplier at a time keeps memory at one (n_draws, 4) array
            u = survival + x * harm
            optimal = int(policy.best_index(u.mean(axis=0)))
            frames.append(pd.DataFrame({"harm_multiplier": x, "modality": list(MODALITIES),
                                        "prob_best": _prob_best(u).to_numpy(),
                                        "optimal": np.arange(len(MODALITIES)) == optimal}))
        return pd.concat(frames, ignore_index=True)

    def evpi(self) -> Estimate:
        """Expected value of perfect information (QALYs per patient), with its standard error ``.se``
        (:func:`netlrt.analysis.voi.evpi`)."""
        from .voi import evpi

        return evpi(self._u())

    def _ids(self, params: str | Sequence[str]) -> list[str]:
        from .voi import MAX_GROUP

        ids = [params] if isinstance(params, str) else list(params) if isinstance(params, Sequence) else None
        known = [c for c in self.draws.columns if not c.startswith(EU_PREFIX)]
        if not ids:
            raise ValueError(f"params: {params!r} names no parameter; allowed: a parameter id or a non-empty list "
                             f"of them, e.g. {', '.join(self.parameters[:3])}")
        bad = [p for p in ids if not isinstance(p, str) or p not in known]
        if bad:
            raise ValueError(f"params: unknown parameter{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))}; "
                             f"allowed: {', '.join(known)}")
        repeated = next((p for i, p in enumerate(ids) if p in ids[:i]), None)
        if repeated is not None:
            raise ValueError(f"params: {repeated!r} is named twice; allowed: each parameter once")
        if len(ids) > MAX_GROUP:
            raise ValueError(f"params: a group of {len(ids)} parameters; allowed: at most {MAX_GROUP} (the smoother "
                             f"of a group needs 4**p basis functions; see netlrt.analysis.voi.MAX_GROUP)")
        return ids

    def evppi(self, params: str | Sequence[str], *, seed: SeedLike = 0) -> Estimate:
        """Expected value of partial perfect information on one parameter or a group, by regression.

        Parameters
        ----------
        params
            A parameter id or a list of at most five ids (a group, learnt together). A group is fitted with
            fewer basis functions per parameter than one parameter alone: at 10,000 draws a group of three
            came within 1.5% of its closed form in the tests, and the model's four modality hazard ratios
            within 5% of a nested Monte Carlo value.
        seed
            Randomness of the standard error only; the estimate is deterministic.

        Returns
        -------
        Estimate
            QALYs per patient, in ``[0, evpi()]``, with its standard error ``.se`` (:func:`netlrt.analysis.voi.evppi`).
            The error is the Monte Carlo error of the fit, not its smoothing: a fit that smooths a small effect away
            gives 0 with an error near 0, and a group can then come out below one of its members (more draws needed).

        Raises
        ------
        ValueError
            For an empty list, an unknown or repeated id, or a group of more than
            :data:`netlrt.analysis.voi.MAX_GROUP` parameters, naming them; or a PSA of fewer than
            :data:`netlrt.analysis.MIN_DRAWS` draws, too few for the regression.
        """
        from .voi import evppi

        ids = self._ids(params)
        return evppi(self._u(), np.column_stack([self.draws[p].to_numpy() for p in ids]), seed=seed)

    def evppi_ranking(self, *, seed: SeedLike = 0, se: bool | int = True) -> pd.DataFrame:
        """EVPPI of every uncertain parameter on its own, largest first.

        Parameters
        ----------
        seed
            Randomness of the standard errors.
        se : bool or int, default True
            Standard errors for every parameter (``True``), none (``False``: a screen, about half the cost), or
            the ``se`` largest only (the rest NaN): the standard error is most of the cost, and matters where the
            EVPPI does.

        Returns
        -------
        DataFrame
            Columns ``parameter``, ``description``, ``evppi``, ``se``, ``share_of_evpi`` (EVPPI / EVPI, 0 when
            EVPI is 0); one row per uncertain parameter.

        Raises
        ------
        ValueError
            For ``se`` not a bool or a count, or a PSA of fewer than :data:`netlrt.analysis.MIN_DRAWS` draws.

        Examples
        --------
        >>> import netlrt
        >>> psa = netlrt.load_model().psa(netlrt.cases.article_cases()["case3_y90"], 2000, seed=0)
        >>> r = psa.evppi_ranking(se=3)
        >>> int(r["se"].notna().sum()), bool(r["evppi"].is_monotonic_decreasing)
        (3, True)
        """
        from .voi import _check_utilities, _fit, _standard_error, evpi

        if not is_bool(se) and not (is_integer(se) and se >= 0):
            raise ValueError(f"se: {se!r} not allowed; allowed: True, False or a number of parameters >= 0")
        rng = as_generator(seed)
        u = _check_utilities(self._u())
        total = float(evpi(u))
        x = {p: self.draws[p].to_numpy() for p in self.parameters}
        values, specs = {}, {}
        for p in self.parameters:  # a fit holds a few MB: keep its value and the size and penalty, not the fit
            fit = _fit(u, x[p])
            values[p], specs[p] = fit.value, (fit.smoother.size, fit.lam)
        order = sorted(self.parameters, key=lambda p: -values[p])
        k = (len(order) if se else 0) if is_bool(se) else int(se)
        errors = {p: _standard_error(_fit(u, x[p], *specs[p]), rng) for p in order[:k]}  # the same fit again
        df = pd.DataFrame([{"parameter": p, "description": self.descriptions.get(p, p), "evppi": values[p],
                            "se": errors.get(p, float("nan")), "share_of_evpi": values[p] / total if total > 0 else 0.0}
                           for p in order], columns=["parameter", "description", "evppi", "se", "share_of_evpi"])
        return df.reset_index(drop=True)

    def evsi(self, design: Any, *, method: str = "regression", seed: SeedLike = 0) -> Estimate:
        """Expected value of sample information of a proposed study (see :func:`netlrt.analysis.evsi.evsi`).

        Parameters
        ----------
        design : StudyDesign or mapping
            What the study measures (:mod:`netlrt.analysis.study_design`), or a mapping parameter id ->
            patients, each measured with its default data model (:func:`netlrt.analysis.designs.default_design`:
            e.g. ``{"or_pes_y90": 60}`` is a two-arm comparison with 60 patients per arm).
        method : {"regression", "two_stage"}
        seed
            Simulation of the study's data and the bootstrap.

        Raises
        ------
        ValueError
            For a design that does not fit the model, or a PSA of fewer than :data:`netlrt.analysis.MIN_DRAWS`
            draws (too few for the regression).

        Examples
        --------
        >>> import netlrt
        >>> psa = netlrt.load_model().psa(netlrt.cases.article_cases()["case3_y90"], 2000, seed=0)
        >>> 0 <= float(psa.evsi({"overnight_y90": 60})) <= float(psa.evpi())
        True
        """
        from .evsi import evsi

        if isinstance(design, Mapping):
            if self.priors is None:
                raise ValueError("design: a mapping needs the priors of the PSA; pass a StudyDesign")
            from .designs import default_design

            design = default_design(self.priors, design)
        return evsi(self._u(), self.draws, design, method=method, seed=seed)

    def to_df(self) -> pd.DataFrame:
        """:meth:`summary` with each modality's ``prob_best`` as an extra column."""
        df = self.summary()
        df["prob_best"] = df["modality"].map(self.prob_best())
        return df

    def _repr_html_(self) -> str:
        best = self.prob_best()
        u = self._u()
        low, high = np.quantile(u, _QUANTILES, axis=0)
        table = pd.DataFrame({
            "P(best)": [f"{best[m]:.3f}" for m in MODALITIES],
            "expected QALYs (95% interval)": [f"{a:.3f} ({b:.3f} to {c:.3f})" for a, b, c in zip(u.mean(axis=0), low,
                                                                                                  high)],
        }, index=pd.Index(MODALITIES, name="modality"))
        e = self.evpi()
        head = (f"<p><b>PSA</b>: {self.n_draws:,} draws of {len(self.parameters)} uncertain parameters"
                f"{'' if self.seed is None else f', seed {self.seed}'}; EVPI {float(e):.4f} QALY (SE {e.se:.4f})</p>")
        notes = "".join(f"<p>&#9888; {html.escape(n)}</p>" for n in self.notes)
        return head + notes + table.to_html()


def _prob_best(u: np.ndarray) -> pd.Series:
    return pd.Series(policy.share_best(u), index=pd.Index(MODALITIES, name="modality"), name="prob_best")


def run_psa(evaluator: Evaluator, patient: Patient, n_draws: int = 10_000, seed: SeedLike = 0, *,
            progress: bool = False) -> PSAResult:
    """Probabilistic sensitivity analysis over every uncertain prior for one patient.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core (``model.evaluator``).
    patient : Patient
        The patient; an ineligible one is computed too and the result notes it.
    n_draws : int, default 10000
        Parameter draws, 2 to :data:`MAX_DRAWS`.
    seed : int, numpy Generator or None, default 0
        The same int repeats exactly; ``None`` draws fresh entropy.
    progress : bool, default False
        Show a tqdm progress bar when the run spans more than one chunk of the core.

    Returns
    -------
    PSAResult

    Raises
    ------
    ValueError
        For a patient that is not a :class:`~netlrt.Patient`, an unknown preference profile, or a bad
        ``n_draws`` or ``seed``.

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.patient import Patient
    >>> psa = run_psa(Evaluator(load_priors()), Patient(grade="G2", burden="low"), n_draws=500, seed=1)
    >>> psa.outcome_draws.shape[0], list(psa.term_draws.columns.names)
    (500, ['modality', 'term'])
    """
    if not isinstance(patient, Patient):
        raise ValueError(f"patient: expected a netlrt.Patient, got {type(patient).__name__}")
    n = positive_int("n_draws", n_draws, minimum=2, maximum=MAX_DRAWS)
    rng = as_generator(seed)
    evaluator.multipliers(patient.preference)  # an unknown profile fails before any work
    priors = evaluator.priors
    assessment = policy.assess(patient, priors)
    values = priors.sample(n, rng)

    k = len(MODALITIES)
    outcomes = np.empty((n, k, len(OUTCOMES)))
    terms = np.empty((n, k, len(TERM_NAMES)))
    chunk = DEFAULT_CHUNK
    from tqdm import tqdm  # the text bar: works in terminals and notebooks without ipywidgets

    with tqdm(total=n, unit="draw", desc="PSA", disable=not progress or n <= chunk) as bar:
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            b = evaluator.batch([patient], {key: v[start:stop] for key, v in values.items()}, chunk_size=chunk)
            outcomes[start:stop] = b.outcomes[:, 0]
            terms[start:stop] = b.terms[:, 0]
            bar.update(stop - start)
    eu = terms.sum(axis=-1)

    index = pd.RangeIndex(n, name="draw")
    columns = {**values, **{EU_PREFIX + m: eu[:, j] for j, m in enumerate(MODALITIES)}}
    draws = pd.DataFrame(columns, index=index, copy=False)  # no copy: a million draws stays affordable
    outcome_draws = pd.DataFrame(outcomes.reshape(n, -1), index=index, copy=False,
                                 columns=pd.MultiIndex.from_product([MODALITIES, OUTCOMES],
                                                                    names=["modality", "outcome"]))
    term_draws = pd.DataFrame(terms.reshape(n, -1), index=index, copy=False,
                              columns=pd.MultiIndex.from_product([MODALITIES, TERM_NAMES], names=["modality", "term"]))
    notes: tuple[str, ...] = ()
    if not assessment.eligible:
        notes = (*assessment.reasons, "computed for research only: no transarterial therapy is recommended for this "
                 "patient")
    return PSAResult(
        patient=patient, draws=draws, outcome_draws=outcome_draws, term_draws=term_draws,
        parameters=tuple(priors.uncertain), descriptions={key: p.description for key, p in priors.items()},
        eligible=assessment.eligible, notes=notes,
        seed=recorded_seed(seed),
        priors=priors)
