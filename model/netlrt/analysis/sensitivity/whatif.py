"""Findings what-if: sensitivity to evidence rather than to parameters.

Every patient finding that sets a network node (:data:`netlrt.evidence.patient_spec.FIELDS` with a ``node``)
is moved through its states, and through ``unknown`` (the network then averages over the population), and
the preference through the model's profiles, with every other finding fixed. Each variant is evaluated as
``evaluate`` would (the Bayes decision: QALYs averaged over the priors), all in one call of the core.
ECOG and the lung shunt fraction set no node (they decide eligibility and warnings), so they are not moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...evidence.patient_spec import FIELD, FIELDS
from ...evidence.vocabulary import MODALITIES
from ...network.declarations import OUTCOMES
from ._problem import check_eligible, html_table

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.patient import Patient

__all__ = ["COLUMNS", "UNKNOWN", "WhatIfResult", "findings", "run"]

#: The state label of a finding left unknown.
UNKNOWN = "unknown"
COLUMNS = ["finding", "state", "current", "modality", "expected_utility", "best", *OUTCOMES]


def findings(profiles: list[str] | tuple[str, ...] = ()) -> dict[str, tuple[Any, ...]]:
    """Finding -> the values it is moved through: each node-bearing field's states (booleans as False/True, a
    number by its node's categories) then ``None`` (unknown); ``preference`` through ``profiles``.

    Examples
    --------
    >>> findings(("none",))["grade"], findings(("none",))["preference"]
    (('G1', 'G2', 'G3', None), ('none',))
    """
    out: dict[str, tuple[Any, ...]] = {}
    for f in FIELDS:
        if not f.node:
            continue
        states: tuple[Any, ...] = (False, True) if f.kind == "bool" else \
            f.states if f.kind == "state" else f.node_states
        out[f.name] = (*states, None)
    out["preference"] = tuple(profiles)
    return out


@dataclass(frozen=True)
class WhatIfResult:
    """Outcomes, expected QALYs and recommendation for each state of each finding.

    Attributes
    ----------
    patient : Patient
        The patient the findings were moved from.
    table : DataFrame
        Long form, one row per finding x state x modality (columns :data:`COLUMNS`): ``state`` is the value as
        text (``unknown`` when left unknown), ``current`` marks the patient's own state, ``expected_utility``
        is in QALYs, ``best`` is the recommendation in that state, then P(outcome) per outcome.
    """

    patient: Patient
    table: pd.DataFrame

    def to_df(self) -> pd.DataFrame:
        """The long table: one row per finding, state and modality."""
        return self.table.copy()

    def recommendations(self) -> pd.DataFrame:
        """One row per finding and state: ``finding``, ``state``, ``current``, ``best``."""
        rows = self.table.drop_duplicates(["finding", "state"])
        return rows[["finding", "state", "current", "best"]].reset_index(drop=True)

    def _repr_html_(self) -> str:
        rec = self.recommendations()
        own = rec.loc[rec["current"], "best"].iloc[0]
        moving = sorted(set(rec.loc[rec["best"] != own, "finding"]))
        note = "Findings that change the recommendation: " + (", ".join(moving) or "none") + "."
        return html_table("Findings what-if (Bayes decision, as evaluate)", rec, note)


def _same(name: str, own: Any, state: Any) -> bool:
    """Whether ``state`` is the patient's own: the same node state (bilirubin 1.2 is ``at_most_3``)."""
    if name == "preference":
        return state == "custom" or (isinstance(own, str) and state == own)
    if own is None or state is None:
        return own is None and state is None
    return FIELD[name].to_state(own) == FIELD[name].to_state(state)


def _label(value: Any) -> str:
    return UNKNOWN if value is None else str(value)


def run(evaluator: Evaluator, patient: Patient) -> WhatIfResult:
    """Move each finding of ``patient`` through its states and ``unknown``, all else fixed.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core.
    patient : Patient
        An eligible patient.

    Returns
    -------
    WhatIfResult

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.cases import article_cases
    >>> res = run(Evaluator(load_priors()), article_cases()["case3_y90"])
    >>> int(res.recommendations()["current"].sum()) == res.recommendations()["finding"].nunique()
    True
    """
    check_eligible(evaluator, patient)
    moves = findings(tuple(evaluator.priors.profiles))
    if not isinstance(patient.preference, str):  # custom multipliers: kept as the current state
        moves["preference"] = ("custom", *moves["preference"])
    keys, variants = [], []
    for name, states in moves.items():
        own = getattr(patient, name)
        for state in states:
            current = _same(name, own, state)
            keys.append((name, state, current))
            variants.append(patient if current else patient.replace(**{name: state}))
    bayes = evaluator.bayes(variants, prob_best=False)  # one call: every variant, the Bayes expectation
    mean = bayes.mean
    rows = []
    for i, (name, state, current) in enumerate(keys):
        best = MODALITIES[int(bayes.best[i])]
        for j, m in enumerate(MODALITIES):
            rows.append({"finding": name, "state": _label(state), "current": current, "modality": m,
                         "expected_utility": float(mean.utility[0, i, j]), "best": best,
                         **dict(zip(OUTCOMES, mean.outcomes[0, i, j].tolist()))})
    return WhatIfResult(patient, pd.DataFrame(rows, columns=COLUMNS))
