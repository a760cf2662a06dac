"""The decision rules, written once: eligibility, warnings, the tie rule and what counts as a close call.

Every evaluation path (one patient, cohorts, the PSA, the what-if, the sensitivity analyses) decides
through these functions.

Examples
--------
>>> import numpy as np
>>> best_index(np.array([[1.0, 2.0, 2.0, 0.5]])).tolist()
[1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..evidence.patient import Patient
from ..evidence.patient_spec import BILIRUBIN_LIMIT, FIELD
from ..evidence.priors import PriorSet

__all__ = ["Assessment", "CLOSE_CALL_QALY", "TIE_QALY", "assess", "best_index", "is_close", "ranking", "share_best"]

#: Expected-QALY gaps below this are a close call: one quality-adjusted week. The article's practical reasons
#: (a week of post-embolization syndrome, a night in hospital, one more procedure) are each worth days, so a
#: gap smaller than a week rests on those judgements, which the article itself calls interchangeable.
CLOSE_CALL_QALY = 7 / 365.25

#: Expected-QALY gaps below this (30 microseconds) are ties. Rounding in a sum of a dozen terms of a few QALYs,
#: averaged over draws, is about 1e-14; a threshold moves by TIE_QALY / slope, far below its reported digits.
TIE_QALY = 1e-12


@dataclass(frozen=True)
class Assessment:
    """Whether transarterial therapy is an option, and what a clinician must see whatever the recommendation.

    Attributes
    ----------
    eligible : bool
    reasons : list of str
        Why the patient is ineligible (empty when eligible).
    warnings : list of str
        High-risk findings and what is unknown about eligibility.
    """

    eligible: bool
    reasons: list[str]
    warnings: list[str]


def assess(patient: Patient, priors: PriorSet) -> Assessment:
    """Eligibility and warnings for one patient.

    ECOG above the article's limit makes a patient ineligible; bilirubin above 3.0 mg/dL is a strong
    warning (the article: 'may preclude'), and a risk factor in the network; an unknown ECOG or bilirubin
    is said, not assumed.

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> a = assess(Patient(ecog=3), load_priors())
    >>> a.eligible, a.reasons[0][:24]
    (False, 'ineligible: ECOG 3 above')
    """
    reasons, warnings = [], []
    ecog_max = priors["ecog_max"].mean
    if patient.ecog is None:
        warnings.append(f"ECOG not recorded: the article reserves LRT for ECOG <= {ecog_max:g}; check it")
    elif patient.ecog > ecog_max:
        reasons.append(f"ineligible: ECOG {patient.ecog} above {ecog_max:g}; the article reserves LRT for patients "
                       f"with maintained functional status (ECOG <= {ecog_max:g})")
    bili = patient.bilirubin_mg_dl
    if bili is None:
        warnings.append(f"bilirubin not recorded: above {BILIRUBIN_LIMIT:g} mg/dL 'may preclude LRT'; the model "
                        "averages over the population's liver function")
    elif FIELD["bilirubin_mg_dl"].to_state(bili) == "above_3":  # the network's state: one rule for both
        shown = "above 3" if isinstance(bili, str) else f"{bili:g}"
        warnings.append(f"bilirubin {shown} mg/dL: a marked abnormality that 'may preclude LRT'; counted as a "
                        "strong risk of decompensation and death within 30 days, for every modality")
    if patient.biliary == "bilioenteric_anastomosis":
        abscess = priors["abscess_bilioenteric"].mean  # the prior in use, which a researcher may have changed
        shown = f"{abscess:.0%}" if abscess >= 0.01 else f"{100 * abscess:.2g}%" if abscess >= 1e-4 else "below 0.01%"
        warnings.append(f"bilioenteric anastomosis: hepatic abscess risk {shown} on average under the "
                        "priors in use, for every modality (the article: 33-86% even with aggressive antibiotic "
                        "prophylaxis)")
    elif patient.biliary == "incompetent_sphincter":
        warnings.append("incompetent sphincter of Oddi: raised hepatic abscess risk (assumed; not quantified in "
                        "the article)")
    lsf_max = priors["lung_shunt_warn_percent"].mean
    if patient.lung_shunt_fraction is not None and patient.lung_shunt_fraction >= lsf_max:
        warnings.append(f"lung shunt fraction {patient.lung_shunt_fraction:g}% >= {lsf_max:g}%: Y90 dose "
                        "reduction or another modality needed; the model does not count the shunt, so Y90's numbers "
                        "here leave it out")
    if patient.extrahepatic == "extensive":
        warnings.append("extensive extrahepatic disease: transarterial therapy is indicated for liver-dominant "
                        "disease")
    return Assessment(not reasons, reasons, warnings)


def best_index(utilities: np.ndarray, tie: float = TIE_QALY) -> np.ndarray:
    """Index of the best option along the last axis; a tie goes to the first option in modality order.

    Options within ``tie`` of the best are tied: options equal in exact arithmetic (say TAE and cTACE with TAE's
    stated differences switched off) differ by rounding in their sums of terms, which must not decide. The
    threshold search passes 0: it steps just past a crossing to see which option wins there.
    """
    u = np.asarray(utilities)
    return np.argmax(u >= u.max(axis=-1, keepdims=True) - tie, axis=-1)


def ranking(utilities: np.ndarray) -> np.ndarray:
    """Indices of the options along the last axis from best to worst, each place taken by :func:`best_index`
    among the options left: the first is the recommendation, the second the runner-up, ties in modality order.

    Examples
    --------
    >>> ranking(np.array([1.0, 2.0, 2.0 + 1e-15, 0.5])).tolist()   # options 1 and 2 tie: the first goes first
    [1, 2, 0, 3]
    """
    u = np.array(utilities, dtype=float)
    order = np.empty(u.shape, dtype=np.intp)
    for k in range(u.shape[-1]):
        order[..., k] = best_index(u)
        np.put_along_axis(u, order[..., k:k + 1], -np.inf, axis=-1)
    return order


def share_best(utilities: np.ndarray) -> np.ndarray:
    """Share of the rows (axis 0, e.g. draws) in which each option is best, ties as :func:`best_index`:
    ``utilities`` without its first axis."""
    winners = best_index(utilities)
    return np.stack([(winners == j).mean(axis=0) for j in range(utilities.shape[-1])], axis=-1)


def is_close(gap: float, mc_se: float = 0.0) -> bool:
    """A close call: the gap is below :data:`CLOSE_CALL_QALY` or within two Monte Carlo standard errors."""
    return bool(gap < max(CLOSE_CALL_QALY, 2.0 * mc_se))
