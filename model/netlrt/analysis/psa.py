"""Probabilistic sensitivity analysis (PSA): every uncertain prior drawn at once, for one patient.

:func:`run_psa` draws ``n_draws`` parameter vectors from the priors (one ``numpy.random.Generator``),
evaluates every outcome of every modality exactly for each draw with the batch engine, and returns a
:class:`PSAResult` from which the probability that each modality is best, an acceptability curve,
EVPI and EVPPI (:mod:`netlrt.voi`) follow. Plots are in :mod:`netlrt.plot.psa`.

Examples
--------
>>> import netlrt
>>> model = netlrt.load_model()
>>> psa = model.psa(netlrt.cases.article_cases()["case3_y90"], n_draws=2000, seed=0, progress=False)
>>> round(float(psa.prob_best().sum()), 6)
1.0
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import decision, engine, voi
from .seeding import SeedLike, as_generator
from .patient import Patient
from .vocabulary import MODALITIES, OUTCOMES

if TYPE_CHECKING:
    from .model import Model

#: Column of :attr:`PSAResult.draws` holding a modality's expected utility: ``expected_utility_<modality>``.
EU_PREFIX = "expected_utility_"
#: Default grid of the harm-weight multiplier for :meth:`PSAResult.acceptability`.
DEFAULT_MULTIPLIERS = np.round(np.linspace(0.0, 5.0, 51), 10)
_QUANTILES = (0.025, 0.975)


@dataclass(frozen=True)
class PSAResult:
    """Result of a probabilistic sensitivity analysis for one patient.

    Attributes
    ----------
    patient : Patient
    draws : DataFrame
        One row per draw (index ``draw``). Columns: every parameter id (fixed parameters included, at
        their value), then ``expected_utility_<modality>`` for ``TAE``, ``cTACE``, ``DEE-TACE``, ``Y90``.
    outcome_draws : DataFrame
        One row per draw; columns MultiIndex ``(modality, outcome)``; values P(outcome).
    weights : Series
        The outcome weights of the patient's utility profile (index: outcome).
    parameters : tuple of str
        Ids of the uncertain parameters (the ones drawn; EVPPI ranks these).
    descriptions : dict
        Parameter id -> readable description, for tables and plots.
    eligible : bool
        Whether transarterial therapy is an option for the patient. An ineligible patient's numbers
        are still computed, for research; ``notes`` says so.
    notes : tuple of str
    seed : int or None
        The integer seed, when one was given (a Generator or ``None`` is recorded as ``None``).
    """

    patient: Patient
    draws: pd.DataFrame
    outcome_draws: pd.DataFrame
    weights: pd.Series
    parameters: tuple[str, ...]
    descriptions: dict[str, str]
    eligible: bool
    notes: tuple[str, ...] = ()
    seed: int | None = None

    @property
    def n_draws(self) -> int:
        return len(self.draws)

    @property
    def utilities(self) -> pd.DataFrame:
        """Expected utility per draw (rows) and modality (columns)."""
        out = self.draws[[EU_PREFIX + m for m in MODALITIES]]
        out.columns = pd.Index(MODALITIES, name="modality")
        return out

    def _probabilities(self) -> np.ndarray:
        return self.outcome_draws.to_numpy().reshape(self.n_draws, len(MODALITIES), len(OUTCOMES))

    def summary(self) -> pd.DataFrame:
        """Mean and 95% interval (2.5% and 97.5% quantiles) per modality and outcome.

        Returns
        -------
        DataFrame
            Columns ``modality``, ``outcome``, ``mean``, ``low``, ``high``; the outcomes of
            :data:`netlrt.OUTCOMES` then ``expected_utility``, for each modality in order.
        """
        wide = pd.concat([self.outcome_draws, pd.concat({"expected_utility": self.utilities}, axis=1)
                          .swaplevel(axis=1)], axis=1)
        values = wide.to_numpy()
        low, high = np.quantile(values, _QUANTILES, axis=0)
        rows = pd.MultiIndex.from_tuples(wide.columns, names=["modality", "outcome"])
        table = pd.DataFrame({"mean": values.mean(axis=0), "low": low, "high": high}, index=rows)
        order = pd.MultiIndex.from_product([MODALITIES, [*OUTCOMES, "expected_utility"]])
        return table.reindex(order).rename_axis(["modality", "outcome"]).reset_index()

    def prob_best(self) -> pd.Series:
        """Share of draws in which each modality has the highest expected utility (sums to 1).

        Ties go to the first modality in order, as in :func:`netlrt.decision.best`.
        """
        return _prob_best(self.utilities.to_numpy())

    def acceptability(self, multipliers: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
        """Acceptability curve over a benefit-harm trade-off.

        The patient's weights are split into benefits (positive weights) and harms (negative weights).
        For a multiplier ``lambda`` the utility of a modality in a draw is
        ``sum(benefit weights x P) + lambda * sum(harm weights x P)``: ``lambda = 1`` is the patient's
        own profile, ``0`` ignores harms, ``2`` counts every harm twice as heavily. This is the analogue
        of a cost-effectiveness acceptability curve, with harm in place of cost.

        Parameters
        ----------
        multipliers
            Values of ``lambda`` (>= 0); default 0 to 5 in steps of 0.1.

        Returns
        -------
        DataFrame
            One row per multiplier and modality: ``harm_multiplier``, ``modality``, ``prob_best`` (share
            of draws in which the modality is best) and ``optimal`` (True for the modality with the
            highest mean utility at that multiplier: the acceptability frontier).
        """
        lam = DEFAULT_MULTIPLIERS if multipliers is None else np.atleast_1d(np.asarray(multipliers, dtype=float))
        if lam.ndim != 1 or lam.size == 0 or not np.isfinite(lam).all() or (lam < 0).any():
            raise ValueError(f"multipliers: {multipliers!r}; allowed: a non-empty sequence of finite numbers >= 0")
        w = self.weights.to_numpy()
        probs = self._probabilities()
        benefit = decision.expected_utility(probs, np.where(w > 0, w, 0.0))
        harm = decision.expected_utility(probs, np.where(w < 0, w, 0.0))
        frames = []
        for x in lam:  # one multiplier at a time keeps memory at one (n_draws, 4) array
            u = benefit + x * harm
            optimal = int(np.argmax(u.mean(axis=0)))
            frames.append(pd.DataFrame({"harm_multiplier": x, "modality": list(MODALITIES),
                                        "prob_best": _prob_best(u).to_numpy(),
                                        "optimal": np.arange(len(MODALITIES)) == optimal}))
        return pd.concat(frames, ignore_index=True)

    def evpi(self) -> voi.Estimate:
        """Expected value of perfect information (expected-utility units), with its standard error ``.se``.

        See :func:`netlrt.voi.evpi`.
        """
        return voi.evpi(self.utilities.to_numpy())

    def evppi(self, params: str | Sequence[str], *, seed: SeedLike = None) -> voi.Estimate:
        """Expected value of partial perfect information on one parameter or a group, by regression.

        Parameters
        ----------
        params
            A parameter id or a list of ids (a group, learnt together; up to about four).
        seed
            Randomness of the standard error only; the estimate is deterministic.

        Returns
        -------
        Estimate
            A float in [0, :meth:`evpi`] with its standard error as ``.se`` (:func:`netlrt.voi.evppi`).
        """
        ids = [params] if isinstance(params, str) else list(params)
        known = [c for c in self.draws.columns if not c.startswith(EU_PREFIX)]
        bad = [p for p in ids if p not in known]
        if not ids or bad:
            raise ValueError(f"params: unknown parameter(s) {bad or ids!r}; allowed: ids of {', '.join(known)}")
        return voi.evppi(self.utilities.to_numpy(), self.draws[ids].to_numpy(), seed=seed)

    def evppi_ranking(self, *, seed: SeedLike = None) -> pd.DataFrame:
        """EVPPI of every uncertain parameter on its own, largest first.

        Returns
        -------
        DataFrame
            Columns ``parameter``, ``description``, ``evppi``, ``se``, ``share_of_evpi`` (EVPPI / EVPI,
            0 when EVPI is 0); one row per uncertain parameter.
        """
        rng = as_generator(seed)
        u = self.utilities.to_numpy()
        total = float(self.evpi())
        rows = []
        for p in self.parameters:
            e = voi.evppi(u, self.draws[p].to_numpy(), seed=rng)
            rows.append({"parameter": p, "description": self.descriptions.get(p, p), "evppi": float(e),
                         "se": e.se, "share_of_evpi": float(e) / total if total > 0 else 0.0})
        return pd.DataFrame(rows).sort_values("evppi", ascending=False, kind="stable").reset_index(drop=True)

    def to_df(self) -> pd.DataFrame:
        """:meth:`summary` with each modality's ``prob_best`` as an extra column."""
        df = self.summary()
        df["prob_best"] = df["modality"].map(self.prob_best())
        return df

    def _repr_html_(self) -> str:
        best = self.prob_best()
        s = self.summary().set_index(["modality", "outcome"])
        table = pd.DataFrame({
            "P(best)": best.map(lambda x: f"{x:.3f}"),
            "expected utility (95% interval)": [
                f"{s.loc[(m, 'expected_utility'), 'mean']:.3f} "
                f"({s.loc[(m, 'expected_utility'), 'low']:.3f} to {s.loc[(m, 'expected_utility'), 'high']:.3f})"
                for m in MODALITIES],
        }, index=pd.Index(MODALITIES, name="modality"))
        e = self.evpi()
        head = (f"<p><b>PSA</b>: {self.n_draws:,} draws of {len(self.parameters)} uncertain parameters"
                f"{'' if self.seed is None else f', seed {self.seed}'}; EVPI {float(e):.4f} (SE {e.se:.4f})</p>")
        notes = "".join(f"<p>&#9888; {html.escape(n)}</p>" for n in self.notes)
        return head + notes + table.to_html()


def _prob_best(u: np.ndarray) -> pd.Series:
    # argmax takes the first maximum: the same tie rule as decision.best.
    counts = np.bincount(np.argmax(u, axis=1), minlength=len(MODALITIES))
    return pd.Series(counts / len(u), index=pd.Index(MODALITIES, name="modality"), name="prob_best")


def run_psa(model: Model, patient: Patient, n_draws: int = 10_000, seed: SeedLike = None, *,
            progress: bool = True) -> PSAResult:
    """Probabilistic sensitivity analysis over every uncertain prior for one patient.

    Parameters
    ----------
    model
        A :class:`netlrt.Model`.
    patient
        The patient; an ineligible one is computed too and the result notes it.
    n_draws
        Number of parameter draws (a positive integer).
    seed
        An int, a ``numpy.random.Generator`` or ``None`` (fresh entropy). The same int repeats exactly.
    progress
        Show a tqdm progress bar when the run spans more than one engine chunk.

    Returns
    -------
    PSAResult

    Examples
    --------
    >>> import netlrt
    >>> model = netlrt.load_model()
    >>> p = netlrt.Patient(grade="G2", burden="low", distribution="bilobar_multifocal", biliary="intact")
    >>> psa = run_psa(model, p, n_draws=1000, seed=0, progress=False)
    >>> psa.outcome_draws.shape
    (1000, 36)
    """
    if not isinstance(patient, Patient):
        raise ValueError(f"patient: expected a netlrt.Patient, got {type(patient).__name__}")
    if not isinstance(n_draws, (int, np.integer)) or isinstance(n_draws, bool) or n_draws < 1:
        raise ValueError(f"n_draws: must be a positive integer, got {n_draws!r}")
    rng = as_generator(seed)
    w = model.weights(patient)
    eligible, reasons = decision.eligibility(patient, model.priors)
    values = model.priors.sample(int(n_draws), rng)

    probs = np.empty((n_draws, len(MODALITIES), len(OUTCOMES)))
    chunk = engine.DEFAULT_CHUNK
    from tqdm import tqdm  # the text bar: works in terminals and notebooks without ipywidgets

    with tqdm(total=n_draws, unit="draw", desc="PSA", disable=not progress or n_draws <= chunk) as bar:
        for start in range(0, n_draws, chunk):
            block = {k: v[start:start + chunk] for k, v in values.items()}
            probs[start:start + chunk] = model.outcome_draws([patient], block, chunk_size=chunk)[:, 0]
            bar.update(min(chunk, n_draws - start))
    eu = decision.expected_utility(probs, w)

    index = pd.RangeIndex(n_draws, name="draw")
    columns = {**values, **{EU_PREFIX + m: eu[:, j] for j, m in enumerate(MODALITIES)}}
    draws = pd.DataFrame(columns, index=index, copy=False)  # no copy: a million draws stays affordable
    outcome_draws = pd.DataFrame(
        probs.reshape(n_draws, -1), index=index, copy=False,
        columns=pd.MultiIndex.from_product([MODALITIES, OUTCOMES], names=["modality", "outcome"]))
    notes = ()
    if not eligible:
        notes = (*reasons, "computed for research only: the model recommends no transarterial therapy for this patient")
    return PSAResult(
        patient=patient, draws=draws, outcome_draws=outcome_draws,
        weights=pd.Series(w, index=pd.Index(OUTCOMES, name="outcome"), name="weight"),
        parameters=tuple(model.priors.uncertain),
        descriptions={k: p.description for k, p in model.priors.items()},
        eligible=eligible, notes=notes,
        seed=int(seed) if isinstance(seed, (int, np.integer)) else None,
    )
