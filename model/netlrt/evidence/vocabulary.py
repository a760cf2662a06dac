"""The clinical vocabulary: modality ids and the states of every patient finding.

Every other module takes these names from here, so a state is spelled in one place. Outcome ids are
declared with their network nodes (:mod:`netlrt.network.declarations`).

Examples
--------
>>> normalize_modality("DEB-TACE")
'DEE-TACE'
"""

from __future__ import annotations

__all__ = [
    "BILIARY", "BILIRUBIN", "BURDENS", "DISTRIBUTIONS", "EXTRAHEPATIC", "GRADES", "MODALITIES",
    "MODALITY_ALIASES", "NO_YES", "normalize_modality",
]

#: The decision options, in the order every table and figure uses.
MODALITIES: tuple[str, ...] = ("TAE", "cTACE", "DEE-TACE", "Y90")
MODALITY_ALIASES: dict[str, str] = {"DEB-TACE": "DEE-TACE"}

GRADES: tuple[str, ...] = ("G1", "G2", "G3")
BURDENS: tuple[str, ...] = ("low", "intermediate", "high")
#: Lobar extent x lesion pattern (oligonodular: a few discrete lesions treatable segmentally).
DISTRIBUTIONS: tuple[str, ...] = ("unilobar_oligo", "unilobar_multifocal", "bilobar_oligo", "bilobar_multifocal")
BILIARY: tuple[str, ...] = ("intact", "bilioenteric_anastomosis", "incompetent_sphincter")
EXTRAHEPATIC: tuple[str, ...] = ("none", "limited", "extensive")
#: Serum bilirubin against the article's example of a marked abnormality (> 3.0 mg/dL).
BILIRUBIN: tuple[str, ...] = ("at_most_3", "above_3")
NO_YES: tuple[str, ...] = ("no", "yes")


def normalize_modality(name: object) -> str:
    """Return the canonical modality id for ``name`` (``DEB-TACE`` is an alias of ``DEE-TACE``).

    Parameters
    ----------
    name : str
        A modality id or alias.

    Returns
    -------
    str
        One of :data:`MODALITIES`.

    Raises
    ------
    ValueError
        For anything else, naming the allowed ids.

    Examples
    --------
    >>> normalize_modality("Y90")
    'Y90'
    """
    canonical = MODALITY_ALIASES.get(name, name) if isinstance(name, str) else name
    if canonical not in MODALITIES:
        allowed = ", ".join(MODALITIES + tuple(MODALITY_ALIASES))
        raise ValueError(f"modality: unknown value {name!r}; allowed: {allowed}")
    return str(canonical)
