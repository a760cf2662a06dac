"""The network's structure: nodes, their states, and every edge with its justification.

This module is declarative: it says which node depends on which and why. The numbers that fill the
conditional probability tables come from the priors, through :mod:`netlrt.cpds`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .vocabulary import BILIARY, BURDENS, DISTRIBUTIONS, GRADES, MODALITIES, NO_YES, OUTCOMES


@dataclass(frozen=True)
class Node:
    name: str
    states: tuple[str, ...]
    parents: tuple[str, ...]
    kind: str  # finding | decision | intermediate | outcome
    description: str


TECHNIQUE_FIT = ("neutral", "segmental_oligo", "lobar_multifocal")
CONTRAST_LOAD = ("limited", "standard", "extended")

NODES: tuple[Node, ...] = (
    Node("modality", MODALITIES, (), "decision", "The transarterial therapy chosen"),
    Node("grade", GRADES, (), "finding", "WHO grade"),
    Node("burden", BURDENS, (), "finding", "Hepatic tumour burden (<25%, 25-50%, >50% of liver volume)"),
    Node("distribution", DISTRIBUTIONS, (), "finding", "Lobar extent x lesion pattern"),
    Node("biliary", BILIARY, (), "finding", "Prior biliary surgery"),
    Node("functional", NO_YES, (), "finding", "Hormonal (carcinoid) symptoms present"),
    Node("renal_insufficiency", NO_YES, (), "finding", "Renal insufficiency"),
    Node("technique_fit", TECHNIQUE_FIT, ("modality", "distribution"), "intermediate",
         "Whether the modality's natural technique matches the lesion pattern (deterministic)"),
    Node("contrast_load", CONTRAST_LOAD, ("modality",), "intermediate",
         "Amount of arteriography (and contrast) a course needs (deterministic)"),
    Node("objective_response", NO_YES, ("modality", "technique_fit"), "outcome", "Objective radiologic response"),
    Node("symptom_control", NO_YES, ("modality", "functional"), "outcome",
         "Free of hormonal symptoms after therapy (certain when there were none)"),
    Node("survival_3y", NO_YES, ("modality", "grade", "burden"), "outcome", "Alive at 3 years"),
    Node("postembolization_syndrome", NO_YES, ("modality", "burden"), "outcome", "Post-embolization syndrome"),
    Node("hepatic_abscess", NO_YES, ("modality", "biliary"), "outcome", "Hepatic abscess"),
    Node("biliary_injury", NO_YES, ("modality",), "outcome", "Biliary injury (biloma, stricture)"),
    Node("carcinoid_crisis", NO_YES, ("functional",), "outcome", "Carcinoid crisis"),
    Node("renal_injury", NO_YES, ("contrast_load", "renal_insufficiency"), "outcome", "Contrast-induced kidney injury"),
    Node("extra_procedure", NO_YES, ("modality", "distribution"), "outcome", "More than one arterial procedure"),
)

NODE: dict[str, Node] = {n.name: n for n in NODES}
ROOTS: tuple[str, ...] = tuple(n.name for n in NODES if not n.parents)
assert tuple(n.name for n in NODES if n.kind == "outcome") == OUTCOMES  # one vocabulary, checked at import


def technique_fit(modality: str, distribution: str) -> str:
    """Segmental TACE suits oligonodular disease; lobar Y90 suits multifocal disease."""
    if modality in ("cTACE", "DEE-TACE") and distribution.endswith("_oligo"):
        return "segmental_oligo"
    if modality == "Y90" and distribution.endswith("_multifocal"):
        return "lobar_multifocal"
    return "neutral"


def contrast_load(modality: str) -> str:
    """TAE needs only limited arteriography; Y90 adds a separate mapping arteriogram."""
    return {"TAE": "limited", "Y90": "extended"}.get(modality, "standard")


#: Why each edge exists: (parent, child) -> ("article", verbatim quote) or ("assumption", reasoning).
EDGES: dict[tuple[str, str], tuple[str, str]] = {
    ("modality", "technique_fit"): ("article", "utility in segmental or superselective therapy"),
    ("distribution", "technique_fit"): (
        "article", "also has innate utility for multifocal hepatic metastases, which formed the basis for "
        "employment in the described case."),
    ("modality", "contrast_load"): (
        "article", "The lobar nature of this therapy also affords the need for only limited arteriography"),
    ("modality", "objective_response"): (
        "article", "have shown objective tumor radiologic response rates ranging from 50 to 60%"),
    ("technique_fit", "objective_response"): (
        "assumption", "A matched technique (segmental TACE for a few lesions, lobar Y90 for many) is assumed to "
        "raise the odds of response; the article states the suitability, not an effect size."),
    ("modality", "symptom_control"): ("article", "hormonal symptoms resolve in up to 90% of cases."),
    ("functional", "symptom_control"): (
        "article", "particularly because LRTs can reduce or eliminate symptoms in cases of symptomatic functional tumors."),
    ("modality", "survival_3y"): (
        "article", "median survival times range from 3 to 6 years across studies, which is comparable to TAE."),
    ("grade", "survival_3y"): (
        "article", "with survival more substantially influenced by NET characteristics, such as tumor grade, "
        "stage, and burden than by modality of LRT."),
    ("burden", "survival_3y"): (
        "article", "with survival more substantially influenced by NET characteristics, such as tumor grade, "
        "stage, and burden than by modality of LRT."),
    ("modality", "postembolization_syndrome"): (
        "article", "include decreased symptoms of postembolization syndrome and excellent tolerance"),
    ("burden", "postembolization_syndrome"): (
        "assumption", "Post-embolization syndrome follows tumour infarction, so a larger treated volume is "
        "assumed to raise it."),
    ("biliary", "hepatic_abscess"): (
        "article", "which markedly increases the risk of hepatic abscess, ranging from 33 to 86% even with "
        "aggressive antibiotic prophylaxis."),
    ("modality", "hepatic_abscess"): (
        "assumption", "Y90's minimally embolic infusion is assumed to cause less ischaemic biliary necrosis, "
        "hence fewer abscesses, than TAE or TACE."),
    ("modality", "biliary_injury"): (
        "article", "safety results indicate the possibility of relatively higher rates of biliary complications"),
    ("functional", "carcinoid_crisis"): (
        "article", "Periprocedural octreotide should be considered regardless of prior carcinoid symptoms, to "
        "control hormonal symptoms and/or hemodynamic status and avert carcinoid crisis"),
    ("contrast_load", "renal_injury"): (
        "article", "thus making the TAE approach potentially useful in patients with renal insufficiency"),
    ("renal_insufficiency", "renal_injury"): (
        "article", "thus making the TAE approach potentially useful in patients with renal insufficiency"),
    ("modality", "extra_procedure"): (
        "article", "need for a second interventional procedure consisting of a mapping or planning arteriogram"),
    ("distribution", "extra_procedure"): (
        "assumption", "Bilobar disease treated by TAE or TACE is usually staged one lobe at a time, as in the "
        "article's cases."),
}


def edges_df() -> pd.DataFrame:
    """The network's edges, one row each: parent, child, source (article | assumption) and justification."""
    rows = []
    for node in NODES:
        for parent in node.parents:
            source, text = EDGES[(parent, node.name)]
            rows.append({"parent": parent, "child": node.name, "source": source, "justification": text})
    return pd.DataFrame(rows)
