"""The article's reasoning, as tests: what it says differs between therapies, and only that, drives a decision.

Numbers are computed from the loaded priors, never copied from them, so a legitimate change of a prior keeps
these tests meaningful; what they pin down is the structure of the reasoning.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import netlrt
from netlrt import Patient
from netlrt.decision.policy import CLOSE_CALL_QALY

OUTCOMES = list(netlrt.OUTCOMES)
#: Outcome -> the modalities whose probability the article lets differ from the others (with its quote).
STATED = {
    "postembolization_syndrome": {"Y90"},   # "decreased symptoms of postembolization syndrome"
    "overnight_stay": {"Y90"},              # "outpatient nature with same-day discharge"
    "biliary_injury": {"DEE-TACE"},         # "relatively higher rates of biliary complications"
    "renal_injury": {"TAE"},                # "only limited arteriography" (per procedure; Y90's mapping counts)
    "hepatic_failure": {"Y90"},             # "low levels of toxicity" (an inference, labelled)
    "nontarget_injury": {"TAE"},            # "more forgiving impact of nontarget microsphere embolization"
}
EXCHANGEABLE = ("objective_response", "symptom_control", "survival_3y")  # effects centred on no difference


@pytest.fixture(scope="module")
def empty(model):
    return model.evaluate(Patient())


def test_without_a_discriminating_finding_the_therapies_are_a_close_call(empty):
    assert empty.close_call and empty.gap < CLOSE_CALL_QALY
    assert empty.prob_best.min() > 0.15  # each is best in a good share of parameter draws


def test_therapies_differ_only_where_the_article_states_a_difference(model, cases):
    for p in [Patient(), *cases.values()]:
        out = model.evaluate(p).outcomes
        for o in OUTCOMES:
            if o in EXCHANGEABLE:
                continue
            same = [m for m in netlrt.MODALITIES if m not in STATED.get(o, set())]
            assert np.ptp(out.loc[same, o]) < 1e-12, (o, same)


def test_exchangeable_effects_leave_no_difference_beyond_monte_carlo_error(model):
    per_draw = model.evaluator.batch([Patient(functional=True)], model.evaluator.internal_values).outcomes[:, 0]
    for o in EXCHANGEABLE:
        col = per_draw[:, :, OUTCOMES.index(o)]
        se = col.std(axis=0).max() / np.sqrt(len(col))
        assert np.ptp(col.mean(axis=0)) < 4 * se, o


def test_no_modality_is_worse_where_evidence_is_missing(model):
    """Shared baselines: complications the article does not compare are identical for every modality."""
    out = model.evaluate(Patient(biliary="bilioenteric_anastomosis", functional=True)).outcomes
    for o in ("hepatic_abscess", "carcinoid_crisis", "death_30d"):
        assert np.ptp(out[o]) == 0.0, o


def test_survival_depends_more_on_the_tumour_than_on_the_modality(model):
    base = Patient(grade="G2", burden="intermediate", extrahepatic="none")
    surv = lambda p: model.evaluate(p).outcomes["survival_3y"]  # noqa: E731
    modality_spread = np.ptp(surv(base))
    for field, states in (("grade", ("G1", "G3")), ("burden", ("low", "high")), ("extrahepatic", ("none",
                                                                                                   "extensive"))):
        a, b = (surv(base.replace(**{field: s})).mean() for s in states)
        assert abs(a - b) > 10 * modality_spread, field


def test_case3_y90_rests_on_the_patients_wish_to_avoid_postembolization_syndrome(model, cases):
    ev = model.evaluate(cases["case3_y90"])
    assert ev.recommended == "Y90"
    assert ev.deciding_terms()["term"].iloc[0] == "postembolization_syndrome"
    without = model.evaluate(cases["case3_y90"].replace(preference="none"))
    assert without.gap < ev.gap  # the preference the article reports widens Y90's lead


def test_case1_tae_advantage_is_the_kidney(model, cases):
    """The article chose TAE for its limited arteriography in renal insufficiency (an inferred finding)."""
    p = cases["case1_tae"]
    ev = model.evaluate(p)
    tae_vs_y90 = ev.deciding_terms("TAE", "Y90").set_index("term")["difference"]
    assert tae_vs_y90.idxmax() == "renal_injury"
    ev_kidney_ok = model.evaluate(p.replace(renal_insufficiency=False))
    margin = lambda e: e.expected_utility["TAE"] - e.expected_utility["Y90"]  # noqa: E731
    assert margin(ev) > margin(ev_kidney_ok)
    assert ev.recommended == "TAE" or ev.close_call  # "treatments may be interchangeable"


def test_case2_segmental_tace_gains_no_efficacy_the_article_does_not_claim(model, cases):
    ev = model.evaluate(cases["case2_tace"])
    assert ev.recommended == "cTACE" or ev.close_call
    diff = ev.deciding_terms("cTACE", "TAE").set_index("term")["difference"]
    # TAE and cTACE differ by the stated kidney and non-target terms and by Monte Carlo noise, nothing else
    stated = diff[["renal_injury", "nontarget_injury"]].abs().sum()
    assert diff.drop(["renal_injury", "nontarget_injury"]).abs().max() < 4 * ev.mc_se.max()
    assert abs(ev.expected_utility["cTACE"] - ev.expected_utility["TAE"]) < stated + 4 * ev.mc_se.max()


def test_case2_y90_rests_on_the_inferred_lower_toxicity(model, cases):
    """docs/model.md, section 9: case 2's Y90 rests on reading 'low levels of toxicity' as fewer decompensations."""
    p = cases["case2_tace"]
    assert model.evaluate(p).recommended == "Y90"
    assert model.with_priors({"or_toxicity_y90": 1.0}, note="no difference").evaluate(p).recommended == "TAE"
    t = model.threshold(p, "or_toxicity_y90")  # the others at their prior means
    assert t.thresholds == (pytest.approx(0.9656, abs=1e-4),) and (t.best_below, t.best_above) == (("Y90",), ("TAE",))


def test_y90_adds_exactly_its_mapping_procedure(model, cases):
    for p in [Patient(), *cases.values()]:
        s = model.evaluate(p).expected_sessions
        assert s["Y90"] == pytest.approx(s["TAE"] + 1) and s["TAE"] == s["cTACE"] == s["DEE-TACE"]


def test_every_case_is_eligible_and_explained(model, cases):
    for name, p in cases.items():
        ev = model.evaluate(p)
        assert ev.eligible and ev.recommended in netlrt.MODALITIES, name
        assert any(r.startswith(f"What separates {ev.recommended}") for r in ev.reasons), name


def test_the_lean_to_y90_without_a_preference_rests_on_the_inferred_lower_toxicity(model):
    """docs/model.md, sections 9 and 11: of the 2,592 fully given patients (ECOG 0, no preference), Y90 is best for
    2,160, and for 648 with or_toxicity_y90 at no effect; with every finding unknown, TAE is best without it."""
    states = {"grade": ["G1", "G2", "G3"], "burden": ["low", "intermediate", "high"],
              "distribution": ["unilobar_oligo", "unilobar_multifocal", "bilobar_oligo", "bilobar_multifocal"],
              "biliary": ["intact", "bilioenteric_anastomosis", "incompetent_sphincter"],
              "extrahepatic": ["none", "limited", "extensive"], "functional": [False, True],
              "renal_insufficiency": [False, True], "bilirubin_mg_dl": ["at_most_3", "above_3"]}
    df = pd.DataFrame([dict(zip(states, v)) for v in itertools.product(*states.values())]).assign(ecog=0)
    df.insert(0, "patient_id", [f"p{i}" for i in range(len(df))])

    def y90_best(m: netlrt.Model) -> int:
        long = m.evaluate_cohort(df)
        return int((long.loc[long["recommended"], "modality"] == "Y90").sum())

    no_difference = model.with_priors({"or_toxicity_y90": 1.0}, note="no difference")
    assert len(df) == 2592 and (y90_best(model), y90_best(no_difference)) == (2160, 648)
    assert model.evaluate(Patient(ecog=0)).recommended == "Y90"
    assert no_difference.evaluate(Patient(ecog=0)).recommended == "TAE"
