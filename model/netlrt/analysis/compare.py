"""Several models side by side for one patient: decisions, expected QALYs, P(best) and EVPI.

Each model (an :class:`~netlrt.decision.core.Evaluator`, e.g. ``model.evaluator`` of a model whose priors were
changed with ``with_priors``) gives its Bayes decision (as ``evaluate``) and a PSA of the same size and seed,
from which the probability that each modality is best and the EVPI follow. With an integer seed every model
draws from the same random stream (common random numbers), so differences between models are not sampling
noise of different draws where their priors agree.

Examples
--------
>>> from netlrt.decision.core import Evaluator
>>> from netlrt.evidence.priors_files import load_priors
>>> from netlrt.evidence.patient import Patient
>>> ev = Evaluator(load_priors())
>>> res = compare({"a": ev, "b": ev}, Patient(grade="G2"), n_draws=500)
>>> res.to_df().shape, bool((res.evpi()["evpi"].diff().iloc[1:] == 0).all())
((8, 8), True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..checks import positive_int
from ..decision import policy
from ..evidence.patient import Patient
from ..evidence.vocabulary import MODALITIES
from ..seeding import SeedLike, as_generator
from .psa import PSAResult, run_psa

if TYPE_CHECKING:
    import pandas as pd

    from ..decision.core import Evaluator

__all__ = ["COLUMNS", "CompareResult", "compare"]

COLUMNS = ["model", "modality", "expected_utility", "mc_se", "psa_mean", "prob_best", "recommended", "eligible"]


@dataclass(frozen=True)
class CompareResult:
    """Several models' decisions for one patient.

    Attributes
    ----------
    patient : Patient
    table : DataFrame
        One row per model x modality (columns :data:`COLUMNS`): the Bayes expected QALYs and their Monte Carlo
        error (as ``evaluate``), the PSA's mean QALYs, P(best) from the PSA, whether the model recommends the
        modality (never when the patient is ineligible) and eligibility.
    psa : dict
        Model name -> its :class:`~netlrt.analysis.psa.PSAResult` (for figures, EVPPI and more).
    close_call : dict
        Model name -> whether its decision is a close call (:func:`netlrt.decision.policy.is_close`).
    """

    patient: Patient
    table: pd.DataFrame
    psa: dict[str, PSAResult]
    close_call: dict[str, bool]

    def to_df(self) -> pd.DataFrame:
        """One row per model x modality (see :attr:`table`)."""
        return self.table.copy()

    def evpi(self) -> pd.DataFrame:
        """One row per model: ``model``, ``recommended``, ``close_call``, ``evpi`` and ``evpi_se`` (QALYs per
        patient)."""
        import pandas as pd

        rows = []
        for name, psa in self.psa.items():
            e = psa.evpi()
            rec = self.table[(self.table["model"] == name) & self.table["recommended"]]["modality"]
            rows.append({"model": name, "recommended": rec.iloc[0] if len(rec) else None,
                         "close_call": self.close_call[name], "evpi": float(e), "evpi_se": e.se})
        return pd.DataFrame(rows, columns=["model", "recommended", "close_call", "evpi", "evpi_se"])

    def _repr_html_(self) -> str:
        t = self.table
        eu = t.pivot(index="model", columns="modality", values="expected_utility")[list(MODALITIES)]
        pb = t.pivot(index="model", columns="modality", values="prob_best")[list(MODALITIES)]
        cells = eu.map(lambda x: f"{x:.3f}") + pb.map(lambda x: f" (P best {x:.2f})")
        summary = self.evpi().set_index("model")
        cells["recommended"] = summary["recommended"].fillna("none (ineligible)")
        cells["EVPI (QALY)"] = [f"{e:.4f} \u00b1 {s:.4f}" for e, s in zip(summary["evpi"], summary["evpi_se"])]
        n = next(iter(self.psa.values())).n_draws if self.psa else 0
        head = (f"<p><b>Models compared</b> for {html.escape(repr(self.patient))}: expected QALYs (Bayes decision) "
                f"and P(best) from {n:,} PSA draws each</p>")
        return head + cells.loc[list(self.psa)].to_html()


def compare(models: Mapping[str, Evaluator], patient: Patient, n_draws: int = 10_000,
            seed: SeedLike = 0) -> CompareResult:
    """Decisions of several models for one patient, side by side.

    Parameters
    ----------
    models : mapping
        Name -> :class:`~netlrt.decision.core.Evaluator` (at least one).
    patient : Patient
    n_draws : int, default 10000
        PSA draws per model.
    seed : int, numpy Generator or None, default 0
        One integer seed for every model's PSA (a Generator gives one integer for all of them).

    Returns
    -------
    CompareResult

    Raises
    ------
    ValueError
        For an empty mapping, a name that is not text, a value that is not an Evaluator, or a bad patient,
        ``n_draws`` or ``seed``.

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.patient import Patient
    >>> res = compare({"shipped": Evaluator(load_priors())}, Patient(ecog=3), n_draws=200)
    >>> res.evpi()["recommended"].tolist()
    [None]
    """
    import pandas as pd

    from ..decision.core import Evaluator

    if not isinstance(models, Mapping) or not models:
        raise ValueError("models: expected a non-empty mapping of model name -> model")
    for name, ev in models.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"models: name {name!r} is not allowed; allowed: non-empty text")
        if not isinstance(ev, Evaluator):
            raise ValueError(f"models: {name!r} is a {type(ev).__name__}; allowed: a model's evaluator "
                             "(netlrt.compare takes Model objects)")
    if not isinstance(patient, Patient):
        raise ValueError(f"patient: expected a netlrt.Patient, got {type(patient).__name__}")
    n_draws = positive_int("n_draws", n_draws, minimum=2)
    int_seed = seed if seed is None else int(as_generator(seed).integers(2**63 - 1)) \
        if isinstance(seed, np.random.Generator) else seed
    if int_seed is not None:
        as_generator(int_seed)  # a bad seed fails before any model runs

    frames, psas, close = [], {}, {}
    for name, ev in models.items():
        bayes = ev.bayes([patient], prob_best=False)
        psa = run_psa(ev, patient, n_draws, int_seed)
        eligible = psa.eligible
        u = bayes.mean.utility[0, 0]
        best = int(bayes.best[0])
        close[name] = policy.is_close(float(bayes.gap[0]), float(bayes.gap_se[0]))
        frames.append(pd.DataFrame({
            "model": name, "modality": list(MODALITIES), "expected_utility": u, "mc_se": bayes.mc_se[0],
            "psa_mean": psa.utilities.mean().to_numpy(), "prob_best": psa.prob_best().to_numpy(),
            "recommended": (np.arange(len(MODALITIES)) == best) & eligible, "eligible": eligible}))
        psas[name] = psa
    return CompareResult(patient, pd.concat(frames, ignore_index=True)[COLUMNS], psas, close)
