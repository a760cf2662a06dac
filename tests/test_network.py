"""The pgmpy network: contract names, hand-computed posteriors, agreement with evaluate, the article's reasoning."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

import netlrt
from netlrt.cpds import build_tables
from netlrt.pgmpy_adapter import _pgmpy, query_yes
from netlrt.structure import NODES, edges_df
from netlrt.vocabulary import BILIARY, BURDENS, DISTRIBUTIONS, GRADES, MODALITIES, OUTCOMES


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_network_passes_check_model_and_follows_contract_names(model):
    net = model.network
    assert net.check_model()
    states = {cpd.variable: cpd.state_names[cpd.variable] for cpd in net.get_cpds()}
    assert states["modality"] == list(MODALITIES)
    assert states["grade"] == list(GRADES)
    assert states["burden"] == list(BURDENS)
    assert states["distribution"] == list(DISTRIBUTIONS)
    assert states["biliary"] == list(BILIARY)
    for outcome in OUTCOMES:
        assert states[outcome] == ["no", "yes"]
    for required in ("objective_response", "symptom_control", "survival_3y", "postembolization_syndrome",
                     "hepatic_abscess", "biliary_injury", "carcinoid_crisis"):
        assert required in net.nodes()


def test_every_edge_is_justified():
    df = edges_df()
    assert len(df) == sum(len(n.parents) for n in NODES)
    assert set(df["source"]) <= {"article", "assumption"}
    assert df["justification"].str.len().min() > 20


def test_cpd_columns_are_normalised_for_random_draws(model):
    draws = model.priors.sample(200, seed=3)
    for name, table in build_tables(draws).items():
        assert ((table >= 0) & (table <= 1)).all(), name
        assert_allclose(table.sum(axis=1), 1.0, atol=1e-12, err_msg=name)


# ------------------------------------------------------------------- known answers by hand


def test_posteriors_match_hand_computation(model):
    m = model.means
    p = netlrt.Patient(grade="G3", burden="high", distribution="bilobar_oligo", biliary="bilioenteric_anastomosis",
                       renal_insufficiency=True, functional=True)
    out = model.evaluate(p).outcomes

    # Abscess with a bilioenteric anastomosis: the article's prior directly for TAE, odds-shifted for Y90.
    assert out.loc["TAE", "hepatic_abscess"] == pytest.approx(m["abscess_bilioenteric"], abs=1e-12)
    assert out.loc["Y90", "hepatic_abscess"] == pytest.approx(
        _expit(_logit(m["abscess_bilioenteric"]) + math.log(m["or_abscess_y90"])), abs=1e-12)
    # Survival: exponential from the median, hazard scaled by grade and burden.
    hazard = math.log(2) * 3 / m["median_os_tae_years"] * m["hr_grade_g3"] * m["hr_burden_high"]
    assert out.loc["TAE", "survival_3y"] == pytest.approx(math.exp(-hazard), abs=1e-12)
    # Segmental TACE for oligonodular disease gets the technique-fit odds ratio; TAE does not.
    assert out.loc["cTACE", "objective_response"] == pytest.approx(
        _expit(_logit(m["response_ctace"]) + math.log(m["or_response_segmental_oligo"])), abs=1e-12)
    assert out.loc["TAE", "objective_response"] == pytest.approx(m["response_tae"], abs=1e-12)
    # Kidney injury with renal insufficiency: TAE's limited arteriography lowers the odds.
    assert out.loc["TAE", "renal_injury"] == pytest.approx(
        _expit(_logit(m["renal_injury_insufficiency"]) + math.log(m["or_renal_limited_arteriography"])), abs=1e-12)
    assert out.loc["cTACE", "renal_injury"] == pytest.approx(m["renal_injury_insufficiency"], abs=1e-12)
    # PES with high burden; Y90 milder.
    assert out.loc["cTACE", "postembolization_syndrome"] == pytest.approx(
        _expit(_logit(m["pes_embolic"]) + math.log(m["or_pes_high_burden"])), abs=1e-12)
    assert out.loc["Y90", "postembolization_syndrome"] == pytest.approx(
        _expit(_logit(m["pes_embolic"]) + math.log(m["or_pes_high_burden"] * m["or_pes_y90"])), abs=1e-12)
    assert out.loc["DEE-TACE", "symptom_control"] == pytest.approx(m["symptom_control_tace"], abs=1e-12)
    assert out.loc["Y90", "extra_procedure"] == 1.0
    assert out.loc["TAE", "extra_procedure"] == pytest.approx(m["staged_bilobar"], abs=1e-12)
    # Expected utility is the weighted sum of the outcome probabilities.
    w = model.priors.utilities["none"]["weights"]
    assert model.evaluate(p).expected_utility["TAE"] == pytest.approx(
        sum(w[o] * out.loc["TAE", o] for o in OUTCOMES))


@pytest.mark.parametrize("case", ["case1_tae", "case2_tace", "case3_y90"])
def test_researchers_pgmpy_query_gives_what_evaluate_reports(model, cases, case):
    patient = cases[case]
    ev = model.evaluate(patient)
    for modality in MODALITIES:
        ref = query_yes(model.network, list(OUTCOMES), {**patient.evidence(), "modality": modality})
        for outcome in OUTCOMES:
            assert ev.outcomes.loc[modality, outcome] == pytest.approx(ref[outcome], abs=1e-12)


def test_contract_example_query(model, cases):
    ve = _pgmpy().VariableElimination(model.network)
    p = cases["case1_tae"]
    q = ve.query(["hepatic_abscess"], evidence={**p.evidence(), "modality": "TAE"}, show_progress=False)
    assert q.values[1] == pytest.approx(model.evaluate(p).outcomes.loc["TAE", "hepatic_abscess"], abs=1e-12)


# --------------------------------------------------------------------- the article's reasoning


def _grid(**fixed):
    base = dict(grade="G2", burden="intermediate", distribution="bilobar_multifocal", biliary="intact")
    return netlrt.Patient(**{**base, **fixed})


def test_survival_depends_more_on_grade_and_burden_than_on_modality(model):
    surv = {(g, b): model.evaluate(_grid(grade=g, burden=b)).outcomes["survival_3y"]
            for g in GRADES for b in BURDENS}
    modality_spread = max(s.max() - s.min() for s in surv.values())
    for m in MODALITIES:
        grade_spread = surv[("G1", "intermediate")][m] - surv[("G3", "intermediate")][m]
        burden_spread = surv[("G2", "low")][m] - surv[("G2", "high")][m]
        assert grade_spread > 3 * modality_spread
        assert burden_spread > 3 * modality_spread


def test_relative_claims_hold_in_every_draw(model):
    draws = model.priors.sample(2000, seed=11)
    probs = model.outcome_draws([_grid(biliary="bilioenteric_anastomosis", renal_insufficiency=True)], draws)[:, 0]
    col = {o: i for i, o in enumerate(OUTCOMES)}
    mod = {m: i for i, m in enumerate(MODALITIES)}
    assert (probs[:, mod["DEE-TACE"], col["biliary_injury"]] > probs[:, mod["cTACE"], col["biliary_injury"]]).all()
    for embolic in ("TAE", "cTACE", "DEE-TACE"):
        assert (probs[:, mod["Y90"], col["postembolization_syndrome"]]
                < probs[:, mod[embolic], col["postembolization_syndrome"]]).all()
        assert (probs[:, mod["TAE"], col["renal_injury"]] <= probs[:, mod[embolic], col["renal_injury"]]).all()
    assert (probs[:, mod["Y90"], col["extra_procedure"]] == 1).all()


def test_bilioenteric_anastomosis_markedly_raises_abscess(model):
    intact = model.evaluate(_grid()).outcomes["hepatic_abscess"]
    whipple = model.evaluate(_grid(biliary="bilioenteric_anastomosis")).outcomes["hepatic_abscess"]
    assert (whipple > 10 * intact).all()
    assert (whipple > 0.3).all()


def test_technique_fit_follows_the_article(model):
    oligo = model.evaluate(_grid(distribution="bilobar_oligo")).outcomes["objective_response"]
    multi = model.evaluate(_grid(distribution="bilobar_multifocal")).outcomes["objective_response"]
    assert oligo["cTACE"] > multi["cTACE"] and oligo["DEE-TACE"] > multi["DEE-TACE"]
    assert multi["Y90"] > oligo["Y90"]
    assert oligo["TAE"] == multi["TAE"]


def test_renal_insufficiency_favours_tae(model):
    eu_without = model.evaluate(_grid()).expected_utility
    eu_with = model.evaluate(_grid(renal_insufficiency=True)).expected_utility
    drop = eu_without - eu_with
    assert drop["TAE"] == drop.min()
    assert drop["Y90"] == drop.max()


def test_therapies_are_close_when_nothing_discriminates(model):
    """The article: treatments may be interchangeable. With no discriminating finding the spread stays small."""
    eu = model.evaluate(_grid()).expected_utility
    assert eu.max() - eu.min() < 0.1


def test_article_cases_get_the_article_choice(model, cases):
    for case in netlrt.cases.CASES:
        assert model.evaluate(cases[case.id]).recommended == case.article_choice


def test_batch_engine_rejects_partial_evidence():
    from netlrt.engine import propagate

    with pytest.raises(ValueError, match="missing"):
        propagate(build_tables(netlrt.load_priors().means()), {"modality": np.array([0])})
