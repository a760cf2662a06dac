"""The three patients of the seed article (Gaba et al. 2017), encoded from their case texts only.

Each field is ``stated`` (the sentence says it), ``inferred`` (read from a sentence by a stated inference)
or left unknown (the network averages over it). Every field records the sentence it comes from and the
time it describes: the findings are those at referral to interventional radiology, when the choice was
made, unless ``time`` says otherwise. :func:`case_sources` lists them all, unknown ones included.

Examples
--------
>>> cases = article_cases()
>>> sorted(cases)
['case1_tae', 'case2_tace', 'case3_y90']
>>> cases["case1_tae"].functional, cases["case3_y90"].grade is None
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .patient import Patient
from .patient_spec import FIELDS

__all__ = ["ArticleCase", "CASES", "CaseField", "article_cases", "case_sources", "inferred_fields"]

REFERRAL = "at referral"


@dataclass(frozen=True)
class CaseField:
    """One finding of an article case: its value, how it was read, the sentence and the time it describes."""

    value: Any
    status: str  # stated | inferred
    sentence: str
    note: str = ""
    time: str = REFERRAL


@dataclass(frozen=True)
class ArticleCase:
    """One of the article's cases: id, title, the therapy the article chose, and the findings it gives."""

    id: str
    title: str
    article_choice: str
    fields: dict[str, CaseField]
    unknown_notes: dict[str, str]

    def patient(self) -> Patient:
        return Patient(**{k: f.value for k, f in self.fields.items()})


_NORMAL_LIVER = ("normal liver function: bilirubin read as at most 3.0 mg/dL (the article's example of a marked "
                 "abnormality)")

CASES: tuple[ArticleCase, ...] = (
    ArticleCase(
        "case1_tae", "Case 1: TAE for metastatic NET (49-year-old man, small bowel carcinoid)", "TAE",
        {
            "distribution": CaseField("bilobar_multifocal", "stated",
                                      "which demonstrated standard hepatic arterial anatomy and multifocal "
                                      "hypervascular masses in both hepatic lobes", time="at the first embolization"),
            "ecog": CaseField(0, "stated", "At the time of consultation, the patient had maintained functional status "
                                           "(ECOG 0), normal liver function, and a chromogranin A level of 388 ng/mL."),
            "bilirubin_mg_dl": CaseField("at_most_3", "inferred",
                                         "At the time of consultation, the patient had maintained functional status "
                                         "(ECOG 0), normal liver function, and a chromogranin A level of 388 ng/mL.",
                                         _NORMAL_LIVER),
            "functional": CaseField(False, "inferred",
                                    "The patient remained symptom free for 2 years on octreotide and everolimus with "
                                    "stable hepatic tumor burden on cross-sectional imaging.",
                                    "no hormonal symptoms at referral (on octreotide); the hot flashes describe the "
                                    "presentation years earlier"),
            "renal_insufficiency": CaseField(True, "inferred",
                                             "thus making the TAE approach potentially useful in patients with renal "
                                             "insufficiency. This was the basis for selection of TAE in the described "
                                             "case.",
                                             "the rationale says renal-sparing limited arteriography was the basis of "
                                             "the choice ('This' may also mean the paragraph's practical benefits); "
                                             "the case text itself reports no kidney function: 'What the "
                                             "recommendation rests on' (model.inferences) shows the case without it"),
        },
        {"grade": "not reported (a small bowel carcinoid, no Ki-67)",
         "burden": "not reported as a share of liver volume ('multifocal', 'stable hepatic tumor burden')",
         "biliary": "not reported; the only surgery described is the small bowel resection",
         "extrahepatic": "not reported at referral (five of ten regional nodes were involved and resected at surgery)",
         "preference": "no patient preference reported: the default profile"},
    ),
    ArticleCase(
        "case2_tace", "Case 2: TACE for metastatic NET (59-year-old woman, pancreatic NET)", "cTACE",
        {
            "burden": CaseField("low", "inferred",
                                "including an 8.0-cm enhancing segment 4 tumor and a 2.8-cm segment 8 tumor",
                                "two tumours of 8.0 and 2.8 cm, about 280 mL as spheres: under 25% of an adult liver "
                                "of 1.5 L or more (a typical volume, not from the article); 'including' may hide "
                                "smaller lesions", time="at diagnosis, before referral"),
            "distribution": CaseField("bilobar_oligo", "stated",
                                      "TACE was prescribed due to intent for segmental treatment of a small right "
                                      "hepatic lobe tumor and larger left hepatic lobe tumor localized to hepatic "
                                      "segment 4."),
            "ecog": CaseField(0, "stated", "In clinic, the patient had normal functional status (ECOG 0) and preserved "
                                           "liver function."),
            "bilirubin_mg_dl": CaseField("at_most_3", "inferred",
                                         "In clinic, the patient had normal functional status (ECOG 0) and preserved "
                                         "liver function.", _NORMAL_LIVER.replace("normal", "preserved", 1)),
        },
        {"grade": "not reported",
         "biliary": "not reported; no pancreatic surgery is described",
         "extrahepatic": "not reported: the pancreatic primary was in place (not resected), but the text reports no "
                         "extrahepatic metastasis at referral",
         "functional": "not stated: she presented with fatigue and diarrhea, which the text does not attribute to "
                       "hormones (chromogranin A was normal)",
         "renal_insufficiency": "not reported",
         "preference": "no patient preference reported: the default profile"},
    ),
    ArticleCase(
        "case3_y90", "Case 3: Y90 RE for metastatic NET (61-year-old woman, large cell NET)", "Y90",
        {
            "distribution": CaseField("bilobar_multifocal", "stated",
                                      "demonstrated multifocal bilobar hypervascular hepatic masses consistent with "
                                      "metastatic NET"),
            "biliary": CaseField("intact", "stated",
                                 "Notably, no biliary intervention or reconstruction was necessary."),
            "ecog": CaseField(0, "stated", "she was healthy appearing with no diminishment in her level of activity "
                                           "(ECOG 0)."),
            "bilirubin_mg_dl": CaseField("at_most_3", "inferred", "Liver function tests were within normal limits.",
                                         _NORMAL_LIVER),
            "lung_shunt_fraction": CaseField(13.0, "stated",
                                             "nuclear medicine scan lung shunt fraction was calculated at 13%",
                                             time="at Y90 planning, after the choice"),
            "preference": CaseField("avoid_pes", "stated",
                                    "RE was selected, in part by patient preference to minimize postembolization "
                                    "syndrome."),
        },
        {"grade": "not given: the tumour 'demonstrated a Ki-67 proliferation index of 10%' (G2 by the WHO cut-offs, a "
                   "convention outside the article) but is called a 'large cell NET', a morphology usually graded "
                   "higher",
         "ki67": "10% in the resected primary (see grade): not used, as the two descriptions disagree",
         "burden": "not reported as a share of liver volume ('multifocal bilobar')",
         "extrahepatic": "not reported at referral (the primary was resected R0)",
         "functional": "not stated: 'two to three episodes of loose stools per week, but otherwise no episodes of "
                       "flushing, hypertension, or shortness of breath attributable to carcinoid syndrome'; whether "
                       "the loose stools are hormonal is not said (they stopped after Y90)",
         "renal_insufficiency": "not reported"},
    ),
)


def article_cases() -> dict[str, Patient]:
    """The article's three patients as :class:`~netlrt.Patient` objects, keyed by case id."""
    return {c.id: c.patient() for c in CASES}


def inferred_fields(case_id: str) -> list[str]:
    """The findings of an article case that its text implies rather than states (status ``inferred`` in
    :func:`case_sources`): what ``model.inferences`` leaves unknown in turn.

    Examples
    --------
    >>> inferred_fields("case1_tae")
    ['functional', 'renal_insufficiency', 'bilirubin_mg_dl']
    """
    s = case_sources()
    if case_id not in set(s["case"]):
        raise ValueError(f"case_id: unknown case {case_id!r}; allowed: {', '.join(c.id for c in CASES)}")
    return s.loc[(s["case"] == case_id) & (s["status"] == "inferred"), "field"].tolist()


def case_sources() -> Any:
    """One row per case and field (every patient field, unknown ones included): value, status (stated, inferred,
    unknown, or default for a preference the case does not report), sentence, note, time.

    Examples
    --------
    >>> df = case_sources()
    >>> sorted(df["status"].unique())
    ['default', 'inferred', 'stated', 'unknown']
    """
    import pandas as pd

    rows = []
    for c in CASES:
        patient = c.patient()
        for f in FIELDS:
            given = c.fields.get(f.name)
            if given is not None:
                rows.append({"case": c.id, "field": f.name, "value": given.value, "status": given.status,
                             "sentence": given.sentence, "note": given.note, "time": given.time})
            elif f.name == "grade" and patient.grade is not None:
                rows.append({"case": c.id, "field": "grade", "value": patient.grade, "status": "inferred",
                             "sentence": c.fields["ki67"].sentence, "note": "from ki67 (" + c.fields["ki67"].note + ")",
                             "time": c.fields["ki67"].time})
            elif f.kind == "preference":  # not a finding: the default profile when none is reported
                rows.append({"case": c.id, "field": f.name, "value": patient.preference, "status": "default",
                             "sentence": "", "note": c.unknown_notes.get(f.name, "no preference reported"),
                             "time": ""})
            else:
                rows.append({"case": c.id, "field": f.name, "value": None, "status": "unknown",
                             "sentence": "", "note": c.unknown_notes.get(f.name, "not reported"), "time": ""})
    return pd.DataFrame(rows)
