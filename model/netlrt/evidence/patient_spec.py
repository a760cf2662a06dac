"""The one specification of a patient's fields.

Everything that knows a patient field is generated from :data:`FIELDS`: :class:`netlrt.Patient`'s
validation and ``evidence()``, the network's finding nodes, the command-line flags, the parsing of patient
files and tables, the Jupyter explorer's controls and the findings what-if. Adding a finding is one entry
here plus, if the network models it, its node's effects in :mod:`netlrt.network.declarations`.

Every finding may be unknown (``None``, the default): the network then averages over it with the
population shares of ``priors/population.yaml``.

Examples
--------
>>> FIELD["bilirubin_mg_dl"].to_state(4.1)
'above_3'
>>> [f.name for f in FIELDS if f.node][:3]
['grade', 'burden', 'distribution']
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..checks import finite_real, is_bool, is_integer, is_real, short_repr
from .vocabulary import BILIARY, BILIRUBIN, BURDENS, DISTRIBUTIONS, EXTRAHEPATIC, GRADES, NO_YES

__all__ = ["BILIRUBIN_LIMIT", "FIELD", "FIELDS", "FINDING_NODES", "Field", "ID_COLUMN", "MAX_MULTIPLIER",
           "grade_from_ki67"]

#: The column (CSV) or key (YAML) that names a patient, everywhere.
ID_COLUMN = "patient_id"
#: Bilirubin (mg/dL) above which the article says LRT 'may be precluded': the node bilirubin_mg_dl splits here.
BILIRUBIN_LIMIT = 3.0
#: Largest preference multiplier accepted: beyond it a single term would swamp every QALY of survival.
MAX_MULTIPLIER = 1000.0
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")


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


@dataclass(frozen=True)
class Field:
    """One patient field.

    Attributes
    ----------
    name : str
        The ``Patient`` attribute, CSV column and YAML key (the CLI flag is ``--name-with-dashes``).
    kind : {'state', 'bool', 'int', 'number', 'preference'}
    help : str
        One line for the CLI, the docs and the explorer.
    states : tuple of str
        The allowed values of a ``state`` field; for a ``number`` field that sets a node, the node states
        also accepted when only the category is known (e.g. bilirubin ``at_most_3``).
    low, high : float
        Range of a number.
    node : str or None
        The network node the field sets (named after the field), ``None`` when it is not a node.
    to_node : callable or None
        Maps a (number or bool) value to the node's state.
    """

    name: str
    kind: str
    help: str
    states: tuple[str, ...] = ()
    low: float = -math.inf
    high: float = math.inf
    node: str | None = None
    node_states: tuple[str, ...] = ()
    to_node: Callable[[Any], str] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def allowed(self) -> str:
        """What the field accepts, in words."""
        if self.kind == "state":
            return ", ".join(self.states) + " or unknown (leave it out)"
        if self.kind == "bool":
            return "True, False or unknown (leave it out)"
        if self.kind == "preference":
            return "a profile name, or a mapping utility term -> multiplier (>= 0)"
        what = "an integer" if self.kind == "int" else "a number"
        extra = f", one of {', '.join(self.states)} when only that is known" if self.states else ""
        return f"{what} {self.low:g}-{self.high:g}{extra} or unknown (leave it out)"

    def validate(self, value: Any) -> Any:
        """The canonical value, or ``ValueError`` naming the field, the value and what is allowed."""
        if value is None:
            return None
        bad = f"{self.name}: {value!r}"
        if self.kind == "state":
            if not isinstance(value, str) or value not in self.states:
                raise ValueError(f"{self.name}: unknown value {value!r}; allowed: {self.allowed()}")
            return str(value)  # numpy.str_ -> str: equal patients hash alike
        if self.kind == "bool":
            if not is_bool(value):
                raise ValueError(f"{bad} is not a bool; allowed: {self.allowed()}")
            return bool(value)
        if self.kind == "preference":
            return _preference(value)
        if isinstance(value, str):
            if value in self.states:
                return str(value)
            raise ValueError(f"{bad} is text, not a number; allowed: {self.allowed()}")
        if self.kind == "int":
            if not is_integer(value):
                raise ValueError(f"{bad} ({type(value).__name__}) is not an integer; allowed: {self.allowed()}")
        elif not is_real(value):
            raise ValueError(f"{bad} ({type(value).__name__}) is not a number; allowed: {self.allowed()}")
        if not (finite_real(value) and self.low <= value <= self.high):
            raise ValueError(f"{bad} is out of range; allowed: {self.allowed()}")
        return int(value) if self.kind == "int" else float(value) + 0.0  # -0.0 -> 0.0, as it compares

    def parse_text(self, text: str) -> Any:
        """A value from text (a CSV cell, a command-line argument); empty text means unknown."""
        t = text.strip()
        if t in self.states:  # a state spelled like an 'unknown' word (extrahepatic 'none') is the state
            return self.validate(t)
        if not t:
            return None
        if t.lower() in ("none", "unknown", "na"):
            state = next((s for s in self.states if s.lower() == t.lower()), None)
            if state is not None:  # 'None' for extrahepatic: the state 'none', or unknown?
                raise ValueError(f"{self.name}: {text!r} could mean the state {state!r} or unknown; allowed: "
                                 f"{state!r} as spelled for the state, an empty cell for unknown")
            return None
        if self.kind == "bool":
            if t.lower() in _TRUE + _FALSE:
                return t.lower() in _TRUE
            raise ValueError(f"{self.name}: {text!r}; allowed: true/false, yes/no, 1/0 or empty (unknown)")
        if self.kind == "int":
            if _INTEGER.fullmatch(t):
                return self.validate(int(t))
            raise ValueError(f"{self.name}: {text!r} is not an integer; allowed: {self.allowed()}")
        if self.kind == "number":
            if _NUMBER.fullmatch(t):
                return self.validate(float(t))
            return self.validate(t)  # a node state, or the "text, not a number" error
        return self.validate(t)

    def to_state(self, value: Any) -> str | None:
        """The node state a (validated) value sets, ``None`` when unknown or not a node."""
        if value is None or self.node is None:
            return None
        if self.to_node is None or (isinstance(value, str) and value in self.node_states):
            return value
        return self.to_node(value)


def _preference(value: Any) -> str | dict[str, float]:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("preference: empty; allowed: a profile name or a mapping utility term -> multiplier")
        return str(value)  # the model checks the name against its profiles
    if isinstance(value, Mapping) and value:
        out = {}
        for k, w in value.items():
            if not isinstance(k, str):
                raise ValueError(f"preference: term {k!r} is not a name; allowed: utility term names")
            if not finite_real(w) or not 0 <= w <= MAX_MULTIPLIER:
                raise ValueError(f"preference: multiplier for {k!r} is {short_repr(w)}; allowed: a number "
                                 f"0-{MAX_MULTIPLIER:g}")
            out[k] = float(w)
        return out
    raise ValueError(f"preference: {value!r} not allowed; allowed: a profile name or a non-empty mapping utility "
                     "term -> multiplier")


_yes_no = NO_YES.__getitem__
FIELDS: tuple[Field, ...] = (
    Field("grade", "state", "WHO grade (or give ki67)", GRADES, node="grade", node_states=GRADES),
    Field("ki67", "number", "Ki-67 index, percent; sets grade: G1 < 3, G2 3-20, G3 > 20", low=0, high=100),
    Field("burden", "state", "hepatic tumour burden: low < 25%, intermediate 25-50%, high > 50% of liver volume",
          BURDENS, node="burden", node_states=BURDENS),
    Field("distribution", "state", "lobar extent x lesion pattern", DISTRIBUTIONS, node="distribution",
          node_states=DISTRIBUTIONS),
    Field("biliary", "state", "prior biliary surgery (e.g. Whipple: bilioenteric_anastomosis)", BILIARY,
          node="biliary", node_states=BILIARY),
    Field("extrahepatic", "state", "extrahepatic disease (limited is not a contraindication)", EXTRAHEPATIC,
          node="extrahepatic", node_states=EXTRAHEPATIC),
    Field("functional", "bool", "hormonal (carcinoid) symptoms present at the time of the decision",
          node="functional", node_states=NO_YES, to_node=lambda v: _yes_no(int(v))),
    Field("renal_insufficiency", "bool", "renal insufficiency", node="renal_insufficiency", node_states=NO_YES,
          to_node=lambda v: _yes_no(int(v))),
    Field("bilirubin_mg_dl", "number", "serum bilirubin, mg/dL (> 3.0 'may preclude LRT': a warning and a risk "
          "factor)", BILIRUBIN, low=0, high=50, node="bilirubin_mg_dl", node_states=BILIRUBIN,
          to_node=lambda v: BILIRUBIN[int(v > BILIRUBIN_LIMIT)]),
    Field("ecog", "int", "ECOG performance status; > 2 makes the patient ineligible", low=0, high=4),
    Field("lung_shunt_fraction", "number", "lung shunt fraction, percent (Y90 planning)", low=0, high=100),
    Field("preference", "preference", "utility profile (none, avoid_pes, fewest_procedures, ...) or custom "
          "multipliers"),
)
FIELD: dict[str, Field] = {f.name: f for f in FIELDS}
#: Finding node -> its states, in declaration order (the network's finding roots).
FINDING_NODES: dict[str, tuple[str, ...]] = {f.node: f.node_states for f in FIELDS if f.node}
