"""The patient: findings validated once, on construction."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

import numpy as np

from .vocabulary import BILIARY, BURDENS, DISTRIBUTIONS, EXTRAHEPATIC, GRADES, OUTCOMES

#: Named preference profiles shipped in ``priors/utilities.yaml``; a model may load more.
PREFERENCES: tuple[str, ...] = ("none", "avoid_pes", "fewest_procedures")

#: Patient fields that take one of a fixed list of states, with those states.
CHOICES: dict[str, tuple[str, ...]] = {
    "grade": GRADES,
    "burden": BURDENS,
    "distribution": DISTRIBUTIONS,
    "biliary": BILIARY,
    "extrahepatic": EXTRAHEPATIC,
}


def grade_from_ki67(ki67: float) -> str:
    """WHO grade from the Ki-67 index (percent): G1 < 3, G2 3-20, G3 > 20.

    Examples
    --------
    >>> grade_from_ki67(10)
    'G2'
    """
    if ki67 < 3:
        return "G1"
    return "G2" if ki67 <= 20 else "G3"


@dataclass(frozen=True, init=False)
class Patient:
    """Findings of one patient, validated on construction.

    Parameters
    ----------
    grade : {'G1', 'G2', 'G3'}
        WHO grade. Give ``ki67`` (percent) instead to derive it (G1 < 3, G2 3-20, G3 > 20).
    burden : {'low', 'intermediate', 'high'}
        Hepatic tumour burden: <25%, 25-50%, >50% of liver volume.
    distribution : {'unilobar_oligo', 'unilobar_multifocal', 'bilobar_oligo', 'bilobar_multifocal'}
    biliary : {'intact', 'bilioenteric_anastomosis', 'incompetent_sphincter'}
    preference : str or mapping, default 'none'
        A named utility profile, or a mapping outcome -> weight (custom utilities).
    ecog : int 0-4 or None, default None
        ECOG performance status; above 2 makes the patient ineligible. ``None``: not recorded.
    bilirubin_mg_dl : float or None, default None
        Serum bilirubin; above 3.0 mg/dL makes the patient ineligible. ``None``: not recorded.
    renal_insufficiency : bool, default False
    functional : bool, default False
        Hormonal (carcinoid) symptoms present.
    extrahepatic : {'none', 'limited', 'extensive'}, default 'none'
    lung_shunt_fraction : float or None, default None
        Percent, from Y90 planning.
    ki67 : float or None, default None

    Raises
    ------
    ValueError
        For an unknown field, an unknown state or an out-of-range number, naming the field,
        the value and what is allowed.

    Examples
    --------
    >>> p = Patient(grade="G2", burden="low", distribution="bilobar_multifocal", biliary="intact")
    >>> p.evidence()["grade"]
    'G2'
    """

    grade: str
    burden: str
    distribution: str
    biliary: str
    preference: str | Mapping[str, float] = "none"
    ecog: int | None = None
    bilirubin_mg_dl: float | None = None
    renal_insufficiency: bool = False
    functional: bool = False
    extrahepatic: str = "none"
    lung_shunt_fraction: float | None = None
    ki67: float | None = None

    def __init__(self, **kwargs: Any) -> None:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown patient field; allowed: {', '.join(sorted(known))}")
        values = {f.name: kwargs.get(f.name, f.default) for f in fields(self)}
        values["grade"] = _resolve_grade(values["grade"], values["ki67"])
        for name, allowed in CHOICES.items():
            value = values[name]
            if value is MISSING or value is None:
                raise ValueError(f"{name}: required; allowed: {', '.join(allowed)}")
            if not isinstance(value, str) or value not in allowed:
                raise ValueError(f"{name}: unknown value {value!r}; allowed: {', '.join(allowed)}")
        values["preference"] = _check_preference(values["preference"])
        for name in ("renal_insufficiency", "functional"):
            if not isinstance(values[name], (bool, np.bool_)):
                raise ValueError(f"{name}: {values[name]!r} is not a bool; allowed: True, False")
            values[name] = bool(values[name])
        ecog = values["ecog"]
        if ecog is not None and (not _is_int(ecog) or not 0 <= ecog <= 4):
            raise ValueError(f"ecog: {ecog!r} out of range; allowed: an integer 0-4 or None")
        values["ecog"] = None if ecog is None else int(ecog)
        values["bilirubin_mg_dl"] = _check_number("bilirubin_mg_dl", values["bilirubin_mg_dl"], 0, 50)
        values["lung_shunt_fraction"] = _check_number("lung_shunt_fraction", values["lung_shunt_fraction"], 0, 100)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def evidence(self) -> dict[str, str]:
        """The node -> state evidence this patient sets in ``model.network`` (modality excluded).

        ECOG, bilirubin, extrahepatic disease and the lung shunt fraction are not network nodes: they
        decide eligibility and warnings in :mod:`netlrt.decision`, so they set no evidence.

        Examples
        --------
        >>> Patient(grade="G1", burden="low", distribution="unilobar_oligo", biliary="intact",
        ...         functional=True).evidence()["functional"]
        'yes'
        """
        yes_no = lambda b: "yes" if b else "no"  # noqa: E731
        return {
            "grade": self.grade,
            "burden": self.burden,
            "distribution": self.distribution,
            "biliary": self.biliary,
            "functional": yes_no(self.functional),
            "renal_insufficiency": yes_no(self.renal_insufficiency),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain field -> value mapping (round-trips through ``Patient(**d)``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if isinstance(out["preference"], Mapping):
            out["preference"] = dict(out["preference"])
        return out

    def replace(self, **changes: Any) -> "Patient":
        """A copy with some fields changed (validated like a new patient).

        Changing ``grade`` drops ``ki67`` so the two cannot disagree.
        """
        d = self.to_dict()
        if "grade" in changes and "ki67" not in changes:
            d["ki67"] = None
        d.update(changes)
        return Patient(**d)


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _check_number(name: str, value: Any, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(f"{name}: {value!r} out of range; allowed: a number {low}-{high} or None")
    return float(value)


def _resolve_grade(grade: Any, ki67: Any) -> Any:
    ki = _check_number("ki67", ki67, 0, 100)
    if ki is None:
        return grade
    derived = grade_from_ki67(ki)
    if grade not in (None, MISSING) and grade != derived:
        raise ValueError(f"grade: {grade!r} contradicts ki67={ki67} (which means {derived}); give one or make them agree")
    return derived


def _check_preference(pref: Any) -> str | dict[str, float]:
    if isinstance(pref, str):
        if not pref:
            raise ValueError("preference: empty; allowed: a profile name or a mapping outcome -> weight")
        return pref  # the model checks the name against its loaded profiles
    if isinstance(pref, Mapping):
        out = {}
        for k, w in pref.items():
            if k not in OUTCOMES:
                raise ValueError(f"preference: unknown outcome {k!r}; allowed: {', '.join(OUTCOMES)}")
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
                raise ValueError(f"preference: weight for {k!r} must be a finite number, got {w!r}")
            out[k] = float(w)
        if not out:
            raise ValueError("preference: empty weights; allowed: a mapping outcome -> weight")
        return out
    raise ValueError(f"preference: {pref!r} not allowed; allowed: a profile name ({', '.join(PREFERENCES)}) "
                     "or a mapping outcome -> weight")
