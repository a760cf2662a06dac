"""The clinical vocabulary: modality ids, finding states and outcome ids.

Every other module takes its names from here, so a state is spelled in one place.
"""

from __future__ import annotations

MODALITIES: tuple[str, ...] = ("TAE", "cTACE", "DEE-TACE", "Y90")
MODALITY_ALIASES: dict[str, str] = {"DEB-TACE": "DEE-TACE"}

GRADES: tuple[str, ...] = ("G1", "G2", "G3")
BURDENS: tuple[str, ...] = ("low", "intermediate", "high")
DISTRIBUTIONS: tuple[str, ...] = (
    "unilobar_oligo",
    "unilobar_multifocal",
    "bilobar_oligo",
    "bilobar_multifocal",
)
BILIARY: tuple[str, ...] = ("intact", "bilioenteric_anastomosis", "incompetent_sphincter")
EXTRAHEPATIC: tuple[str, ...] = ("none", "limited", "extensive")
NO_YES: tuple[str, ...] = ("no", "yes")

#: Outcomes reported per modality, benefits first. Each is a network node with states ``no``/``yes``.
OUTCOMES: tuple[str, ...] = (
    "objective_response",
    "symptom_control",
    "survival_3y",
    "postembolization_syndrome",
    "hepatic_abscess",
    "biliary_injury",
    "carcinoid_crisis",
    "renal_injury",
    "extra_procedure",
)

OUTCOME_LABELS: dict[str, str] = {
    "objective_response": "Objective radiologic response",
    "symptom_control": "Free of hormonal symptoms",
    "survival_3y": "Alive at 3 years",
    "postembolization_syndrome": "Post-embolization syndrome",
    "hepatic_abscess": "Hepatic abscess",
    "biliary_injury": "Biliary injury",
    "carcinoid_crisis": "Carcinoid crisis",
    "renal_injury": "Contrast-induced kidney injury",
    "extra_procedure": "More than one arterial procedure",
}


def normalize_modality(name: str) -> str:
    """Return the canonical modality id for ``name`` (``DEB-TACE`` is an alias of ``DEE-TACE``).

    Examples
    --------
    >>> normalize_modality("DEB-TACE")
    'DEE-TACE'
    """
    if not isinstance(name, str):
        raise ValueError(f"modality: {name!r} is not a string; allowed: {', '.join(MODALITIES)}")
    canonical = MODALITY_ALIASES.get(name, name)
    if canonical not in MODALITIES:
        allowed = ", ".join(MODALITIES + tuple(MODALITY_ALIASES))
        raise ValueError(f"modality: unknown value {name!r}; allowed: {allowed}")
    return canonical
