"""The patient: findings validated once, on construction, from the one specification
(:data:`netlrt.evidence.patient_spec.FIELDS`).

Examples
--------
>>> p = Patient(grade="G2", burden="low", functional=True)
>>> p.evidence()
{'grade': 'G2', 'burden': 'low', 'functional': 'yes'}
>>> p.unknown()[:3]
['distribution', 'biliary', 'extrahepatic']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .patient_spec import FIELD, FIELDS, grade_from_ki67

__all__ = ["Patient"]

#: Field values when not given: every finding unknown, no stated preference.
DEFAULTS: dict[str, Any] = {f.name: None for f in FIELDS} | {"preference": "none"}


def _doc() -> str:
    lines = [f"    {f.name} : {f.allowed()}\n        {f.help}." for f in FIELDS]
    return "\n".join(lines)


class Patient:
    """Findings of one patient, validated on construction. Every finding may be left unknown (``None``).

    Parameters
    ----------
{fields}

    ``preference`` defaults to ``'none'``; every other field to ``None`` (unknown: the network averages over
    it with the population shares of ``priors/population.yaml``). ``ki67`` sets ``grade`` (they must agree).

    Raises
    ------
    ValueError
        For an unknown field, an unknown state or an out-of-range number, naming the field, the value and
        what is allowed.

    Examples
    --------
    >>> Patient(ki67=25).grade
    'G3'
    >>> Patient(grade="G4")
    Traceback (most recent call last):
    ...
    ValueError: grade: unknown value 'G4'; allowed: G1, G2, G3 or unknown (leave it out)
    """

    __slots__ = ("_values",)

    def __init__(self, **fields: Any) -> None:
        unknown = sorted(set(fields) - set(FIELD), key=str)
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown patient field; allowed: {', '.join(FIELD)}")
        values = {name: FIELD[name].validate(fields.get(name, DEFAULTS[name])) for name in FIELD}
        if values["preference"] is None:
            values["preference"] = DEFAULTS["preference"]
        ki67 = values["ki67"]
        if ki67 is not None:
            derived = grade_from_ki67(ki67)
            if values["grade"] not in (None, derived):
                raise ValueError(f"grade: {values['grade']!r} contradicts ki67={ki67:g} (which means {derived}); "
                                 "give one, or make them agree")
            values["grade"] = derived
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "_values")[name]
        except KeyError:
            raise AttributeError(f"Patient has no field {name!r}; fields: {', '.join(FIELD)}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Patient is immutable; use patient.replace(field=value)")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Patient) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self._values.items() if v is not None and v != DEFAULTS[k])
        return f"Patient({given})"

    def __reduce__(self) -> tuple:
        return (_rebuild, (self.to_dict(),))  # pickles (e.g. to a worker process) by its fields

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(FIELD))

    def evidence(self) -> dict[str, str]:
        """The node -> state evidence this patient sets in ``model.network`` (the modality excluded).

        Unknown findings are left out, so the network averages over them. ECOG, the lung shunt fraction
        and ki67 (which sets ``grade``) are not network nodes: ECOG decides eligibility, the lung shunt
        fraction a warning.
        """
        out = {}
        for f in FIELDS:
            state = f.to_state(self._values[f.name])
            if state is not None:
                out[f.node] = state
        return out

    def unknown(self) -> list[str]:
        """The network findings left unknown (averaged over their population shares)."""
        return [f.name for f in FIELDS if f.node and self._values[f.name] is None]

    def to_dict(self) -> dict[str, Any]:
        """Plain field -> value mapping (round-trips through ``Patient(**d)``)."""
        out = dict(self._values)
        if isinstance(out["preference"], Mapping):
            out["preference"] = dict(out["preference"])
        return out

    def replace(self, **changes: Any) -> Patient:
        """A copy with some fields changed, validated like a new patient.

        Changing ``grade`` drops ``ki67``, and changing ``ki67`` resets ``grade`` from it, so the two cannot disagree.
        """
        d = self.to_dict()
        if "grade" in changes and "ki67" not in changes:
            d["ki67"] = None
        if "ki67" in changes and "grade" not in changes:
            d["grade"] = None  # the new ki67 sets it
        d.update(changes)
        return Patient(**d)


Patient.__doc__ = Patient.__doc__.replace("{fields}", _doc())


def _rebuild(fields: dict[str, Any]) -> Patient:
    return Patient(**fields)
