"""The three patients of the seed article (Gaba et al. 2017), encoded from their case texts.

Each field records the sentence it was read from, or says that the article does not report it and
which value was assumed. Where the article is silent the neutral choice is taken: grade G2 (the
reference stratum of the survival priors) and intermediate burden.

Examples
--------
>>> cases = article_cases()
>>> sorted(cases)
['case1_tae', 'case2_tace', 'case3_y90']
>>> cases["case3_y90"].grade
'G2'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .patient import Patient


@dataclass(frozen=True)
class ArticleCase:
    id: str
    title: str
    article_choice: str
    fields: dict[str, tuple[object, str]]  # field -> (value, source sentence or "not reported: ...")

    def patient(self) -> Patient:
        return Patient(**{k: v for k, (v, _) in self.fields.items()})


CASES: tuple[ArticleCase, ...] = (
    ArticleCase(
        "case1_tae", "Case 1: TAE for metastatic NET (49-year-old man, small bowel carcinoid)", "TAE",
        {
            "grade": ("G2", "not reported (a small bowel carcinoid, no Ki-67): G2 assumed, the reference stratum"),
            "burden": ("intermediate", "not reported as a fraction of liver volume: intermediate assumed"),
            "distribution": ("bilobar_multifocal",
                             "which demonstrated standard hepatic arterial anatomy and multifocal hypervascular "
                             "masses in both hepatic lobes"),
            "biliary": ("intact", "not stated; the surgery was a small bowel resection, no biliary reconstruction"),
            "ecog": (0, "At the time of consultation, the patient had maintained functional status (ECOG 0)"),
            "functional": (True, "A 49-year-old man presented to a community hospital with a chief complaint of hot flashes."),
            "renal_insufficiency": (True,
                                    "thus making the TAE approach potentially useful in patients with renal "
                                    "insufficiency. This was the basis for selection of TAE in the described case."),
            "preference": ("none", "no patient preference is reported"),
        },
    ),
    ArticleCase(
        "case2_tace", "Case 2: TACE for metastatic NET (59-year-old woman, pancreatic NET)", "cTACE",
        {
            "grade": ("G2", "not reported: G2 assumed, the reference stratum"),
            "burden": ("low", "including an 8.0-cm enhancing segment 4 tumor and a 2.8-cm segment 8 tumor"),
            "distribution": ("bilobar_oligo",
                             "TACE was prescribed due to intent for segmental treatment of a small right hepatic "
                             "lobe tumor and larger left hepatic lobe tumor localized to hepatic segment 4"),
            "biliary": ("intact", "not stated; no biliary surgery is reported"),
            "ecog": (0, "In clinic, the patient had normal functional status (ECOG 0) and preserved liver function."),
            "functional": (True, "experiencing fatigue and diarrhea for 5 months"),
            "renal_insufficiency": (False, "not reported: none assumed"),
            "preference": ("none", "no patient preference is reported"),
        },
    ),
    ArticleCase(
        "case3_y90", "Case 3: Y90 RE for metastatic NET (61-year-old woman, large cell NET)", "Y90",
        {
            "ki67": (10.0, "the tumor demonstrated a Ki-67 proliferation index of 10%"),
            "burden": ("intermediate", "not reported as a fraction of liver volume: intermediate assumed"),
            "distribution": ("bilobar_multifocal", "demonstrated multifocal bilobar hypervascular hepatic masses"),
            "biliary": ("intact", "Notably, no biliary intervention or reconstruction was necessary."),
            "ecog": (0, "she was healthy appearing with no diminishment in her level of activity (ECOG 0)"),
            "functional": (True, "She described two to three episodes of loose stools per week"),
            "renal_insufficiency": (False, "not reported: none assumed"),
            "lung_shunt_fraction": (13.0, "nuclear medicine scan lung shunt fraction was calculated at 13%"),
            "preference": ("avoid_pes", "in part by patient preference to minimize postembolization syndrome"),
        },
    ),
)


def article_cases() -> dict[str, Patient]:
    """The article's three patients as :class:`~netlrt.Patient` objects, keyed by case id."""
    return {c.id: c.patient() for c in CASES}


def case_sources() -> pd.DataFrame:
    """One row per case and field: the value and the sentence (or assumption) it comes from."""
    return pd.DataFrame(
        [{"case": c.id, "field": f, "value": v, "source": s} for c in CASES for f, (v, s) in c.fields.items()]
    )
