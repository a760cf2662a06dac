"""The decision layer: utilities, eligibility, warnings and the recommendation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .patient import Patient
from .priors import PriorSet
from .vocabulary import MODALITIES, OUTCOMES

#: Expected-utility gaps below this (on a scale where surviving 3 years = 1) are reported as close:
#: about two percentage points of 3-year survival, within the evidence's resolution.
CLOSE_GAP = 0.02


def weights(preference: str | Mapping[str, float], priors: PriorSet) -> np.ndarray:
    """Outcome weights, ordered as :data:`OUTCOMES`, for a profile name or custom weights.

    Outcomes a custom mapping leaves out weigh 0.

    Examples
    --------
    >>> from netlrt.priors import load_priors
    >>> float(weights("none", load_priors())[OUTCOMES.index("survival_3y")])
    1.0
    """
    if isinstance(preference, str):
        profiles = priors.utilities
        if preference not in profiles:
            raise ValueError(f"preference: unknown profile {preference!r}; allowed: {', '.join(profiles)} "
                             "or a mapping outcome -> weight")
        preference = profiles[preference]["weights"]
    return np.array([float(preference.get(o, 0.0)) for o in OUTCOMES])


def expected_utility(probabilities: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Sum of weight x P(outcome) over the last axis."""
    return probabilities @ w


def eligibility(patient: Patient, priors: PriorSet) -> tuple[bool, list[str]]:
    """Whether transarterial LRT is an option, with the reasons it is not."""
    reasons = []
    ecog_max = priors["ecog_max"].mean
    bili_max = priors["bilirubin_max_mg_dl"].mean
    if patient.ecog is not None and patient.ecog > ecog_max:
        reasons.append(f"ineligible: ECOG {patient.ecog} > {ecog_max:g}; the article reserves LRT for ECOG <= {ecog_max:g}")
    if patient.bilirubin_mg_dl is not None and patient.bilirubin_mg_dl > bili_max:
        reasons.append(f"ineligible: bilirubin {patient.bilirubin_mg_dl:g} mg/dL > {bili_max:g} mg/dL, "
                       "a marked abnormality that may preclude LRT")
    return not reasons, reasons


def warnings(patient: Patient, priors: PriorSet) -> list[str]:
    """High-risk findings a clinician should see whatever the recommendation."""
    out = []
    if patient.biliary == "bilioenteric_anastomosis":
        out.append("bilioenteric anastomosis: hepatic abscess risk 33-86% even with aggressive antibiotic prophylaxis")
    elif patient.biliary == "incompetent_sphincter":
        out.append("incompetent sphincter of Oddi: raised hepatic abscess risk (assumed; not quantified in the article)")
    lsf_max = priors["lung_shunt_warn_percent"].mean
    if patient.lung_shunt_fraction is not None and patient.lung_shunt_fraction >= lsf_max:
        out.append(f"lung shunt fraction {patient.lung_shunt_fraction:g}% >= {lsf_max:g}%: "
                   "Y90 dose reduction or another modality needed")
    if patient.extrahepatic == "extensive":
        out.append("extensive extrahepatic disease: LRT is indicated for liver-dominant disease")
    return out


def rationale(eu: Mapping[str, float]) -> list[str]:
    """Sentences explaining the ranking: the best modality, its margin, and any close call."""
    ranked = sorted(MODALITIES, key=lambda m: -eu[m])
    best, second = ranked[0], ranked[1]
    gap = eu[best] - eu[second]
    out = [f"{best} has the highest expected utility ({eu[best]:.3f}; next {second} {eu[second]:.3f})"]
    close = [m for m in ranked[1:] if eu[best] - eu[m] < CLOSE_GAP]
    if close:
        out.append(f"{best} and {', '.join(close)} are within {CLOSE_GAP} expected utility (gap {gap:.3f}): "
                   "close, as the article says treatments may be interchangeable")
    return out


def best(eu: Mapping[str, Any]) -> str:
    """The modality with the highest expected utility (the first in modality order on a tie)."""
    return max(MODALITIES, key=lambda m: (eu[m], -MODALITIES.index(m)))
