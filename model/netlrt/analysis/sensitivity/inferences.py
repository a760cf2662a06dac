"""What a recommendation rests on: the Bayes decision again with each inferred direction and inferred finding
undone, and without a stated preference.

The article states some things and netlrt reads others from its words, each labelled as an inference
(``docs/model.md``). Two kinds of reading can be undone cleanly, and each is, in turn, everything else kept:

* every prior of :func:`inferred_priors` (a direction read from the article's words, not stated, rule
  ``inferred_direction``; e.g. Y90's lower liver toxicity from "low levels of toxicity") is fixed at no
  effect (1);
* every finding given in ``inferred`` (the article's cases: a finding the case text implies but does not
  state, :func:`netlrt.evidence.cases.inferred_fields`) is left unknown, so the network averages over it;
* a stated preference (a weighting of the QALY terms, not evidence) is set to ``none``.

Other readings have no neutral value to return to (the size read from a case report, the population shares);
their reasoning is in the priors. Each variant is evaluated as ``evaluate`` would (the Bayes decision on the
internal sample, whose other parameters keep their draws). A row whose ``recommended`` differs from the
patient's marks a recommendation that rests on that reading. A row can leave the decision as it was: an effect
the same for every modality, or a finding the patient does not have (the bilirubin ratios at normal bilirubin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...decision.policy import TIE_QALY
from ...decision.utility import DAYS_PER_YEAR, days
from ...evidence.patient_spec import FIELDS
from ._problem import check_eligible, html_table

if TYPE_CHECKING:
    from ...decision.core import Evaluator
    from ...evidence.patient import Patient
    from ...evidence.priors import Prior, PriorSet

__all__ = ["COLUMNS", "KINDS", "InferencesResult", "inferred_priors", "run"]

COLUMNS = ["kind", "undone", "recommended", "runner_up", "lead_days", "changes_recommendation"]
#: What each kind of row undoes.
KINDS = {"as evaluated": "", "inferred prior": "fixed at no effect (1)", "inferred finding": "left unknown",
         "stated preference": "set to none"}


@dataclass(frozen=True)
class InferencesResult:
    """The recommendation with each inferred direction and inferred finding undone, and without a stated preference.

    Attributes
    ----------
    patient : Patient
    table : DataFrame
        Columns :data:`COLUMNS`, one row per variant, the patient as evaluated first: ``kind`` (a key of
        :data:`KINDS`), ``undone`` (the prior, finding or preference and its value), ``recommended`` and
        ``runner_up`` (the best two modalities), ``lead_days`` (their gap in quality-adjusted days; 0 for a tie,
        which the tie rule breaks by modality order) and ``changes_recommendation``.
    """

    patient: Patient
    table: pd.DataFrame

    def to_df(self) -> pd.DataFrame:
        return self.table.copy()

    def resting(self) -> pd.DataFrame:
        """The rows whose recommendation differs from the patient's: what the recommendation rests on."""
        return self.table[self.table["changes_recommendation"]].reset_index(drop=True)

    def summary(self) -> str:
        """One sentence: which readings the recommendation rests on, and what it would be without each."""
        own = self.table["recommended"].iloc[0]
        rows = self.resting()
        kinds = set(self.table["kind"])
        if len(self.table) == 1:
            return f"{own}: no inference or stated preference to undo."
        if rows.empty:
            undone = [text for kind, text in (("inferred prior", "each inferred direction"),
                                              ("inferred finding", "each inferred finding")) if kind in kinds]
            with_preference = "with the stated preference set to none"
            if not undone:
                return f"{own} stays best {with_preference}."
            return (f"{own} stays best with {' and '.join(undone)} undone in turn"
                    + (f", and {with_preference}." if "stated preference" in kinds else "."))
        inferences = int((rows["kind"] != "stated preference").sum())
        what = [f"{'one inference' if inferences == 1 else f'{inferences} inferences'}"] if inferences else []
        what += ["the stated preference"] if len(rows) > inferences else []
        ways = "; ".join(f"with {r.undone} {KINDS[r.kind]}, {r.recommended} would be best "
                         + (f"(by {days(r.lead_days)} quality-adjusted days)" if r.lead_days > 0 else
                            f"(tied with {r.runner_up}, first in modality order)") for r in rows.itertuples())
        return f"{own} depends on {' and '.join(what)}: {ways}."

    def _repr_html_(self) -> str:
        return html_table("What the recommendation rests on (Bayes decision, as evaluate)", self.table,
                          self.summary())


def inferred_priors(priors: PriorSet) -> list[Prior]:
    """The priors that encode a direction inferred from the article's words: rule ``inferred_direction``, or any
    prior whose counterpart in netlrt's shipped priors has that rule, however a researcher has since changed it
    (another interval and rule, fixed, updated by studies), unless it is fixed at no effect (1): the inference
    is then still in the model."""
    from ...evidence.priors_files import shipped_priors

    shipped = shipped_priors()
    return [p for p in priors.values()
            if p.rule == "inferred_direction"
            or (p.id in shipped and shipped[p.id].rule == "inferred_direction" and not (p.is_fixed and p.mean == 1))]


def _check_inferred(inferred: Any, patient: Patient) -> None:
    if isinstance(inferred, str) or not isinstance(inferred, Sequence):
        raise ValueError(f"inferred: expected a list of finding names, got {inferred!r}")
    findings = [f.name for f in FIELDS if f.node]  # what sets the network (ECOG and the shunt set no node)
    for i, name in enumerate(inferred):
        if not isinstance(name, str) or name not in findings:
            raise ValueError(f"inferred: unknown finding {name!r}; allowed: {', '.join(findings)}")
        if name in inferred[:i]:
            raise ValueError(f"inferred: {name!r} is named twice; allowed: each finding once")
        if getattr(patient, name) is None:
            raise ValueError(f"inferred: {name!r} is unknown for this patient; only a given finding can be inferred")


def run(evaluator: Evaluator, patient: Patient, inferred: Sequence[str] = ()) -> InferencesResult:
    """The recommendation for ``patient`` with each inferred prior, each finding in ``inferred`` and a stated
    preference undone in turn.

    Parameters
    ----------
    evaluator : Evaluator
        The model's evaluation core.
    patient : Patient
        An eligible patient.
    inferred : sequence of str
        The patient's findings that were inferred rather than stated (field names; each must be given).

    Returns
    -------
    InferencesResult

    Examples
    --------
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.evidence.cases import article_cases
    >>> res = run(Evaluator(load_priors()), article_cases()["case3_y90"])
    >>> res.to_df()["kind"].tolist()[0], bool(res.to_df()["changes_recommendation"].iloc[0])
    ('as evaluated', False)
    """
    from ...decision.core import Evaluator
    from ...decision.evaluation import evaluate
    from ...evidence.studies import changed_prior

    check_eligible(evaluator, patient)
    _check_inferred(inferred, patient)
    rows: list[tuple[str, str, Evaluator, Patient]] = [("as evaluated", "", evaluator, patient)]
    note = "fixed at no effect to show what the recommendation rests on"
    rows += [("inferred prior", f"{p.id} (mean {p.mean:.3g})",
              Evaluator(evaluator.priors.replace({p.id: changed_prior(p, 1.0, note)})), patient)
             for p in inferred_priors(evaluator.priors)]
    rows += [("inferred finding", f"{name} = {getattr(patient, name)}", evaluator, patient.replace(**{name: None}))
             for name in inferred]
    if patient.preference != "none" and (evaluator.multipliers(patient.preference) != 1).any():
        shown = patient.preference if isinstance(patient.preference, str) else "custom"
        rows.append(("stated preference", f"preference = {shown}", evaluator, patient.replace(preference="none")))
    out = []
    for kind, undone, ev, variant in rows:
        e = evaluate(ev, variant)  # every variant stays eligible: eligibility rests on ECOG, which none changes
        lead = e.gap if e.gap > TIE_QALY else 0.0  # a tie (rounding) is no lead: the tie rule chose by order
        out.append({"kind": kind, "undone": undone, "recommended": e.recommended, "runner_up": e.ranking[1],
                    "lead_days": lead * DAYS_PER_YEAR})
    table = pd.DataFrame(out, columns=COLUMNS[:-1])
    table["changes_recommendation"] = table["recommended"] != table["recommended"].iloc[0]
    return InferencesResult(patient, table)
