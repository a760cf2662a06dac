"""The network, declared: every node with its states, parents, table form, priors and the reason for each edge.

This is the one place the structure lives. :mod:`netlrt.network.tables` builds every table from these
declarations, the loader checks every prior they name, the export writes their provenance, and the network
figure draws them. Adding a binary outcome is one :class:`Node` here, its priors in ``priors/`` and, if it
costs quality of life, one term in :mod:`netlrt.decision.utility` (which names the nodes it reads).

An edge is justified by the article (``source="article"``, a verbatim quote) or by an assumption
(``source="assumption"``, the reasoning, with the sentence it rests on when there is one).

Examples
--------
>>> NODE["hepatic_abscess"].parents
('biliary',)
>>> OUTCOMES[:3]
('objective_response', 'symptom_control', 'survival_3y')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..evidence.patient_spec import FIELDS
from ..evidence.vocabulary import MODALITIES, NO_YES
from .forms import Deterministic, Form, Logistic, Survival

__all__ = ["EDGE_SOURCES", "EXCHANGEABLE_EFFECTS", "NODE", "NODES", "OUTCOMES", "OUTCOME_LABELS", "QUOTES", "ROOTS",
           "Node", "Why", "edges_df"]


@dataclass(frozen=True)
class Why:
    """The justification of one edge: ``source`` is ``article`` (``text`` is a verbatim quote) or
    ``assumption`` (``text`` is the reasoning; ``quote`` the article's sentence it rests on, if any)."""

    source: str
    text: str
    quote: str = ""


@dataclass(frozen=True)
class Node:
    """One network node: name, kind, readable label, states, parents, table form and edge justifications."""

    name: str
    kind: str  # decision | finding | intermediate | outcome
    label: str
    states: tuple[str, ...]
    parents: tuple[str, ...] = ()
    form: Form | None = None
    why: Mapping[str, Why] = field(default_factory=dict)

    def priors(self) -> dict[str, str]:
        """Prior id -> role for this node's table."""
        return {} if self.form is None else self.form.priors()


#: Sentences of the article the declarations quote (verbatim; a test checks each against the article).
QUOTES = {
    "similar": "This fact is supported by similar LRT clinical outcomes reported in the literature,",
    "prognosis": "with survival more substantially influenced by NET characteristics, such as tumor grade, stage, "
                 "and burden than by modality of LRT.",
    "effective": "current data suggest that each transarterial treatment options described herein are effective "
                 "options for the control of NET liver metastasis and palliation of related symptoms.",
    "functional": "particularly because LRTs can reduce or eliminate symptoms in cases of symptomatic functional "
                  "tumors.",
    "y90_benefits": "include decreased symptoms of postembolization syndrome and excellent tolerance, low levels of "
                    "toxicity, outpatient nature with same-day discharge",
    "pes_tae": "Downsides of TAE include occurrence of postembolization syndrome",
    "whipple": "which markedly increases the risk of hepatic abscess, ranging from 33 to 86% even with aggressive "
               "antibiotic prophylaxis.",
    "dee": "safety results indicate the possibility of relatively higher rates of biliary complications that warrant "
           "caution in use of these agents until more robust safety data are available.",
    "octreotide": "Periprocedural octreotide should be considered regardless of prior carcinoid symptoms, to control "
                  "hormonal symptoms and/or hemodynamic status and avert carcinoid crisis",
    "tae_renal": "The lobar nature of this therapy also affords the need for only limited arteriography, thus making "
                 "the TAE approach potentially useful in patients with renal insufficiency.",
    "mapping": "as well as need for a second interventional procedure consisting of a mapping or planning "
               "arteriogram.",
    "bilirubin": "marked (e.g., bilirubin $>$ 3.0 mg/dL) or uncorrectable abnormality of these parameters may "
                 "preclude LRT.",
    "staged": "One month later, the left hepatic artery was embolized using the same technique.",
    "nontarget": "Potential practical benefits of TAE compared with other transarterial LRTs include relatively "
                 "reduced compound preparatory time (no need for pharmacy preparation of therapeutic agents and no "
                 "need for mapping or planning arteriography), technical ease, and more forgiving impact of nontarget "
                 "microsphere embolization.",
}

_EXCHANGEABLE = ("Exchangeable modalities: the article compares no rates between modalities here, so each modality's "
                 "effect is centred on no difference with an assumed width, the same for every modality (the priors "
                 "or_*_<modality>, or hr_modality_<modality> for survival).")


def _assumed(text: str, quote: str = "") -> Why:
    return Why("assumption", text, QUOTES.get(quote, quote))


def _article(quote: str) -> Why:
    return Why("article", QUOTES[quote])


def _contrast(modality: str) -> str:
    return "limited" if modality == "TAE" else "standard"


def _sessions(modality: str, treatment: str) -> str:
    count = ("one", "two").index(treatment) + 1 + (modality == "Y90")
    return ("one", "two", "three")[count - 1]


def _by_modality(prefix: str) -> dict[str, str]:
    return {m: f"{prefix}_{m.lower().replace('-', '_')}" for m in MODALITIES}


#: Each modality's own effect on an outcome the article does not compare between modalities (the nodes below use
#: them): modality -> prior id, one mapping per outcome. The default priors of a mapping are equal (rule
#: ``exchangeable``); the decision core rotates their draws among the modalities so that equal priors give exactly
#: equal expectations (:attr:`netlrt.decision.core.Evaluator.internal_values`).
EXCHANGEABLE_EFFECTS: tuple[dict[str, str], ...] = tuple(_by_modality(prefix) for prefix in
                                                         ("or_response", "or_symptoms", "hr_modality"))


_FINDINGS = tuple(Node(f.node, "finding", f.help, f.node_states) for f in FIELDS if f.node)
_BILOBAR = {d: "staged_bilobar" for d in ("bilobar_oligo", "bilobar_multifocal")}

NODES: tuple[Node, ...] = (
    Node("modality", "decision", "The transarterial therapy chosen", MODALITIES),
    *_FINDINGS,
    # ---------------------------------------------------------------------------------- intermediate
    Node("contrast_load", "intermediate", "Arteriography (and contrast) of each arterial procedure",
         ("limited", "standard"), ("modality",),
         Deterministic(_contrast, "TAE: limited; cTACE, DEE-TACE, Y90: standard"),
         {"modality": _article("tae_renal")}),
    Node("treatment_sessions", "intermediate", "Treatment sessions of the initial course", ("one", "two"),
         ("distribution",), Logistic("staged_unilobar", overrides={"distribution": _BILOBAR}),
         {"distribution": _assumed("Bilobar disease is treated one lobe at a time, as in all three of the "
                                   "article's cases; a unilobar course rarely needs a second session. The same "
                                   "for every modality: the article's cases stage TAE, TACE and Y90 alike.",
                                   "staged")}),
    Node("procedure_sessions", "intermediate", "Arterial procedures of the initial course (Y90 adds its mapping "
         "arteriogram)", ("one", "two", "three"), ("modality", "treatment_sessions"),
         Deterministic(_sessions, "treatment sessions, plus one mapping arteriogram for Y90"),
         {"modality": _article("mapping"),
          "treatment_sessions": _assumed("The count is the treatment sessions plus the mapping procedure.")}),
    # -------------------------------------------------------------------------------------- outcomes
    Node("objective_response", "outcome", "Objective radiologic response", NO_YES, ("modality",),
         Logistic("response_base", effects={"modality": _by_modality("or_response")}),
         {"modality": _assumed(_EXCHANGEABLE, "similar")}),
    Node("symptom_control", "outcome", "Free of hormonal symptoms after therapy (certain without them)", NO_YES,
         ("modality", "functional"),
         Logistic("symptom_control_base", effects={"modality": _by_modality("or_symptoms")},
                  overrides={"functional": {"no": 1.0}}),
         {"modality": _assumed(_EXCHANGEABLE, "effective"), "functional": _article("functional")}),
    Node("survival_3y", "outcome", "Alive at 3 years", NO_YES, ("modality", "grade", "burden", "extrahepatic"),
         Survival("median_os_years", {"modality": _by_modality("hr_modality"),
                                      "grade": {"G2": "hr_grade_g2", "G3": "hr_grade_g3"},
                                      "burden": {"intermediate": "hr_burden_intermediate", "high": "hr_burden_high"},
                                      "extrahepatic": {"limited": "hr_extrahepatic_limited",
                                                       "extensive": "hr_extrahepatic_extensive"}},
                  normalise_over=("grade", "burden", "extrahepatic")),
         {"modality": _assumed(_EXCHANGEABLE + " Survival depends more on the tumour than on the modality.",
                               "prognosis"),
          "grade": _article("prognosis"), "burden": _article("prognosis"),
          "extrahepatic": _assumed("Inference: the article's 'stage' (quoted) is read as extrahepatic disease, the "
                                   "stage that varies among patients who all have liver metastases.", "prognosis")}),
    Node("postembolization_syndrome", "outcome", "Post-embolization syndrome after a treatment session", NO_YES,
         ("modality", "burden"),
         Logistic("pes_embolic", effects={"modality": {"Y90": "or_pes_y90"}, "burden": {"high": "or_pes_high_burden"}}),
         {"modality": _article("y90_benefits"),
          "burden": _assumed("The syndrome follows the infarction of tumour, so treating a larger tumour volume is "
                             "assumed to raise it.")}),
    Node("overnight_stay", "outcome", "Overnight admission after a treatment session", NO_YES, ("modality",),
         Logistic("overnight_embolic", overrides={"modality": {"Y90": "overnight_y90"}}),
         {"modality": _article("y90_benefits")}),
    Node("hepatic_abscess", "outcome", "Hepatic abscess", NO_YES, ("biliary",),
         Logistic("abscess_intact", effects={"biliary": {"incompetent_sphincter": "or_abscess_incompetent_sphincter"}},
                  overrides={"biliary": {"bilioenteric_anastomosis": "abscess_bilioenteric"}}),
         {"biliary": _article("whipple")}),
    Node("biliary_injury", "outcome", "Biliary injury (biloma, stricture) after a treatment session", NO_YES,
         ("modality",),
         Logistic("biliary_injury_base", effects={"modality": {"DEE-TACE": "or_biliary_dee"}}),
         {"modality": _article("dee")}),
    Node("carcinoid_crisis", "outcome", "Carcinoid crisis", NO_YES, ("functional",),
         Logistic("carcinoid_crisis_nonfunctional", overrides={"functional": {"yes": "carcinoid_crisis_functional"}}),
         {"functional": _assumed("Crisis is a surge of the hormones that cause the symptoms, so a tumour with "
                                 "hormonal symptoms is assumed to carry more risk; the article asks for octreotide "
                                 "cover regardless (quoted), so the risk is not zero without them.", "octreotide")}),
    Node("renal_injury", "outcome", "Contrast-induced kidney injury after an arterial procedure", NO_YES,
         ("contrast_load", "renal_insufficiency"),
         Logistic("renal_injury_normal", effects={"contrast_load": {"limited": "or_renal_limited_arteriography"}},
                  overrides={"renal_insufficiency": {"yes": "renal_injury_insufficiency"}}),
         {"contrast_load": _article("tae_renal"), "renal_insufficiency": _article("tae_renal")}),
    Node("hepatic_failure", "outcome", "Liver toxicity with hepatic decompensation", NO_YES,
         ("modality", "burden", "bilirubin_mg_dl"),
         Logistic("hepatic_failure_base", effects={"modality": {"Y90": "or_toxicity_y90"},
                                                   "burden": {"high": "or_hepatic_failure_high_burden"},
                                                   "bilirubin_mg_dl": {"above_3": "or_hepatic_failure_bilirubin"}}),
         {"modality": _assumed("Inference: the article counts 'low levels of toxicity' among Y90's purported "
                               "benefits (quoted); read as liver toxicity, a direction without a size.",
                               "y90_benefits"),
          "burden": _assumed("Less functioning liver remains when more of it is tumour, so a burden above 50% is "
                             "assumed to raise the risk of decompensation."),
          "bilirubin_mg_dl": _assumed("Inference: a marked liver abnormality is the article's reason that LRT may "
                                      "be precluded (quoted); read as a raised risk of decompensation, a direction "
                                      "without a size.", "bilirubin")}),
    Node("nontarget_injury", "outcome", "Injury from non-target embolization after a treatment session (e.g. gastric "
         "ulcer, cholecystitis)", NO_YES, ("modality",),
         Logistic("nontarget_injury_base", effects={"modality": {"TAE": "or_nontarget_tae"}}),
         {"modality": _article("nontarget")}),
    Node("death_30d", "outcome", "Death within 30 days of the course", NO_YES, ("burden", "bilirubin_mg_dl"),
         Logistic("death_30d_base", effects={"burden": {"high": "or_death_high_burden"},
                                             "bilirubin_mg_dl": {"above_3": "or_death_bilirubin"}}),
         {"burden": _assumed("A burden above 50% is assumed to raise procedure mortality, as for decompensation."),
          "bilirubin_mg_dl": _assumed("A marked liver abnormality is the article's reason that LRT may be "
                                      "precluded (quoted); it is assumed to raise procedure mortality.",
                                      "bilirubin")}),
)

NODE: dict[str, Node] = {n.name: n for n in NODES}
ROOTS: tuple[str, ...] = tuple(n.name for n in NODES if not n.parents)
OUTCOMES: tuple[str, ...] = tuple(n.name for n in NODES if n.kind == "outcome")
OUTCOME_LABELS: dict[str, str] = {n.name: n.label for n in NODES if n.kind == "outcome"}
#: (parent, child) -> 'article' or 'assumption'.
EDGE_SOURCES: dict[tuple[str, str], str] = {(p, n.name): n.why[p].source for n in NODES for p in n.parents}


def _check() -> None:
    """Every parent is declared before its child and every edge has a reason (checked at import)."""
    seen: set[str] = set()
    for node in NODES:
        for p in node.parents:
            if p not in seen:
                raise RuntimeError(f"declarations: {node.name}'s parent {p} is not declared before it")
            if p not in node.why:
                raise RuntimeError(f"declarations: edge {p} -> {node.name} has no justification")
        if (node.form is None) != (not node.parents):
            raise RuntimeError(f"declarations: {node.name}: a table form goes with parents, and only with them")
        seen.add(node.name)


_check()


def edges_df():  # noqa: ANN201 (pandas imported lazily)
    """The network's edges, one row each: ``parent``, ``child``, ``source`` and ``justification``.

    An assumption's justification ends with the sentence it rests on, when there is one.

    Examples
    --------
    >>> edges_df().query("child == 'biliary_injury'")["source"].tolist()
    ['article']
    """
    import pandas as pd

    rows = []
    for node in NODES:
        for p in node.parents:
            w = node.why[p]
            text = w.text + (f" Quoted: \u201c{w.quote}\u201d" if w.quote else "")
            rows.append({"parent": p, "child": node.name, "source": w.source, "justification": text})
    return pd.DataFrame(rows)
