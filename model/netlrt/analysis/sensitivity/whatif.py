"""Findings what-if: sensitivity to evidence rather than to parameters.

Each patient finding the network or the utilities use (grade, burden, distribution, biliary history,
functional status, renal insufficiency, preference profile) is moved through its states with every other
finding and every parameter fixed, and the outcomes, expected utilities and recommendation are reported.
ECOG, bilirubin, extrahepatic disease and lung shunt fraction are left out: they decide eligibility and
warnings, not outcome probabilities, so they cannot move a recommendation of an eligible patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import decision
from ..patient import Patient
from ..vocabulary import BILIARY, BURDENS, DISTRIBUTIONS, GRADES, MODALITIES, OUTCOMES
from ._problem import check_eligible, html_table

if TYPE_CHECKING:
    from ..model import Model

#: Finding -> the states it is moved through (preference: the model's profiles, added at run time).
FINDINGS: dict[str, tuple[Any, ...]] = {
    "grade": GRADES,
    "burden": BURDENS,
    "distribution": DISTRIBUTIONS,
    "biliary": BILIARY,
    "functional": (False, True),
    "renal_insufficiency": (False, True),
}

COLUMNS = ["finding", "state", "current", "modality", "expected_utility", "best", *OUTCOMES]


@dataclass(frozen=True)
class WhatIfResult:
    """Outcomes, expected utility and recommendation for each state of each finding.

    Attributes
    ----------
    patient : Patient
        The patient the findings were moved from.
    table : DataFrame
        Long form, one row per finding x state x modality (columns :data:`COLUMNS`): ``current`` marks the
        patient's own state, ``best`` is the recommendation in that state, then P(outcome) per outcome.
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
        moving = sorted(set(rec.loc[rec["best"] != rec.loc[rec["current"], "best"].iloc[0], "finding"]))
        note = "Findings that change the recommendation: " + (", ".join(moving) or "none") + "."
        return html_table("Findings what-if", rec, note)


def run(model: Model, patient: Patient) -> WhatIfResult:
    """Move each finding of ``patient`` through its states, all else fixed (see :meth:`netlrt.Model.whatif`).

    Examples
    --------
    >>> import netlrt
    >>> model = netlrt.load_model()
    >>> res = run(model, netlrt.cases.article_cases()["case3_y90"])
    >>> res.recommendations().query("current")["best"].unique().tolist()
    ['Y90']
    """
    check_eligible(model, patient)
    findings = {**FINDINGS, "preference": tuple(model.profiles)}
    if not isinstance(patient.preference, str):  # custom weights: keep them as the current state
        findings["preference"] = ("custom", *findings["preference"])
    keys, variants = [], []
    for name, states in findings.items():
        for state in states:
            current = getattr(patient, name) == state or (name == "preference" and state == "custom")
            keys.append((name, state, current))
            variants.append(patient if current else patient.replace(**{name: state}))
    probs = model.outcome_draws(variants)[0]  # one batch: (n_variants, modalities, outcomes)
    rows = []
    for (name, state, current), v, p in zip(keys, variants, probs):
        eu = decision.expected_utility(p, model.weights(v))
        best = decision.best(dict(zip(MODALITIES, eu)))
        for m, u, pm in zip(MODALITIES, eu, p):
            rows.append({"finding": name, "state": str(state), "current": current, "modality": m,
                         "expected_utility": float(u), "best": best, **dict(zip(OUTCOMES, pm.tolist()))})
    return WhatIfResult(patient, pd.DataFrame(rows, columns=COLUMNS))

