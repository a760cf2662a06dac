"""The declared network: structure, tables for any draw, exact inference against pgmpy with partial evidence."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netlrt
from netlrt.evidence.patient_spec import FIELDS
from netlrt.network.declarations import EDGE_SOURCES, EXCHANGEABLE_EFFECTS, NODE, NODES, OUTCOMES, ROOTS, edges_df
from netlrt.network.engine import RootEvidence, expect
from netlrt.network.forms import Survival, discounted_life_years
from netlrt.network.pgmpy_adapter import query_yes
from netlrt.network.tables import STATES, affected, build_tables, root_ancestors, update_tables

CONTRACT_OUTCOMES = {"objective_response", "symptom_control", "survival_3y", "postembolization_syndrome",
                     "hepatic_abscess", "biliary_injury", "carcinoid_crisis", "hepatic_failure", "death_30d",
                     "overnight_stay"}


def test_contract_outcomes_are_binary_nodes():
    assert CONTRACT_OUTCOMES <= set(OUTCOMES)
    for o in OUTCOMES:
        assert NODE[o].states == ("no", "yes") and NODE[o].kind == "outcome"


def test_every_edge_has_a_reason_and_every_form_names_its_priors(model):
    df = edges_df()
    assert len(df) == len(EDGE_SOURCES) == sum(len(n.parents) for n in NODES)
    assert set(df["source"]) == {"article", "assumption"} and df["justification"].str.len().min() > 20
    used = {k for n in NODES for k in n.priors()}
    assert used <= set(model.priors)
    survival = df[(df["parent"] == "modality") & (df["child"] == "survival_3y")]["justification"].item()
    assert "hr_modality_<modality> for survival" in survival  # it named the odds ratios or_*_<modality> only


def test_an_edge_whose_effect_is_an_inferred_direction_is_not_drawn_as_stated(model):
    # The network figure draws 'article' edges solid and calls dashed ones 'assumed or inferred'
    found = 0
    for node in NODES:
        by_parent = {**getattr(node.form, "effects", {}), **getattr(node.form, "hazard_ratios", {})}
        for parent, by_state in by_parent.items():
            if any(model.priors[pid].rule == "inferred_direction" for pid in by_state.values()):
                found += 1
                assert EDGE_SOURCES[(parent, node.name)] == "assumption", (parent, node.name)
    assert found == 3  # or_toxicity_y90, or_hepatic_failure_bilirubin, or_death_bilirubin


def test_stage_and_liver_function_are_wired():
    assert "extrahepatic" in NODE["survival_3y"].parents
    assert "bilirubin_mg_dl" in NODE["hepatic_failure"].parents and "bilirubin_mg_dl" in NODE["death_30d"].parents
    assert "technique_fit" not in NODE  # v1's efficacy bonus for a 'matched technique' is gone


@st.composite
def seeds(draw):
    return draw(st.integers(0, 2**32 - 1))


@settings(max_examples=20, deadline=None)
@given(seeds())
def test_tables_are_probabilities_for_any_draw(seed):
    priors = netlrt.load_priors()
    tables = build_tables(priors.sample(64, seed=seed), priors.population)
    for name, cpd in tables.cpds.items():
        assert np.all((cpd >= 0) & (cpd <= 1)), name
        np.testing.assert_allclose(cpd.sum(axis=1), 1.0, atol=1e-12, err_msg=name)
        over, roots = tables.over_roots(name)
        assert roots == root_ancestors(name)
        np.testing.assert_allclose(over.sum(axis=1), 1.0, atol=1e-12, err_msg=name)


def test_survival_baseline_is_the_treated_cohort_median():
    """The case mix of population.yaml, mixed over grade, burden and extrahepatic disease, has the baseline median."""
    priors = netlrt.load_priors()
    values = priors.sample(200, seed=3)
    form = NODE["survival_3y"].form
    assert isinstance(form, Survival)
    parents = NODE["survival_3y"].parents
    hazard = form.hazard(parents, STATES, values, 200, priors.population)  # (n, modality, grade, burden, extra)
    hr_modality = np.stack([values[form.hazard_ratios["modality"][m]] for m in netlrt.MODALITIES], axis=1)
    weights = np.einsum("g,b,e->gbe", *(np.array(list(priors.population[p].values())) for p in parents[1:]))
    for j in range(len(netlrt.MODALITIES)):
        h = hazard[:, j] / hr_modality[:, j, None, None, None]  # the cohort without its modality effect
        alive = np.exp(-h * values["median_os_years"][:, None, None, None])
        np.testing.assert_allclose((alive * weights).sum(axis=(1, 2, 3)), 0.5, atol=1e-10)


def test_discounted_life_years_closed_form():
    h, T, r = 0.2, 10.0, 0.03
    t = np.linspace(0, T, 200_001)
    numeric = np.trapezoid(np.exp(-h * t) * (1 + r) ** -t, t)
    assert float(discounted_life_years(np.array(h), T, r)) == pytest.approx(numeric, rel=1e-8)


# --------------------------------------------------------------------------------------- engine


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(-1, 2), min_size=3, max_size=3))
def test_expect_equals_brute_force_enumeration(seed, observed):
    rng = np.random.default_rng(seed)
    cards, shares = (2, 3, 3), [rng.dirichlet(np.ones(c)) for c in (2, 3, 3)]
    table = rng.random((2, 1) + cards)
    idx = [min(o, c - 1) for o, c in zip(observed, cards)]
    ev = RootEvidence({r: np.array([i, -1]) for r, i in zip("abc", idx)}, dict(zip("abc", shares)))
    got = expect(table, ("a", "b", "c"), ev)
    for row in range(2):
        want = np.zeros(2)
        for states in itertools.product(*(range(c) for c in cards)):
            w = math.prod(1.0 if (row == 0 and i >= 0 and s == i) else 0.0 if (row == 0 and i >= 0)
                          else sh[s] for s, i, sh in zip(states, idx, shares))
            want += w * table[(slice(None), 0) + states]
        np.testing.assert_allclose(got[:, row, 0], want, rtol=1e-12)


def _patients() -> st.SearchStrategy:
    fields = {f.name: st.sampled_from((None,) + f.states) if f.kind == "state" else
              st.sampled_from((None, False, True)) if f.kind == "bool" else
              st.sampled_from((None, 1.0, 4.2, "at_most_3")) for f in FIELDS
              if f.node and f.name != "grade"}
    return st.fixed_dictionaries(fields).map(lambda d: netlrt.Patient(**d))


@settings(max_examples=6, deadline=None)
@given(_patients())
def test_pgmpy_exact_inference_equals_evaluate_with_partial_evidence(model, patient):
    ev = model.evaluate(patient)
    for m in netlrt.MODALITIES:
        got = query_yes(model.network, list(OUTCOMES), {**patient.evidence(), "modality": m})
        for o in OUTCOMES:
            assert got[o] == pytest.approx(ev.outcomes.loc[m, o], abs=1e-12), (m, o)


def test_pgmpy_network_is_valid_and_named_as_the_contract_says(model):
    net = model.network
    assert net.check_model()
    assert set(net.nodes) == set(NODE) and set(ROOTS) <= set(net.nodes)
    for f in FIELDS:
        if f.node:
            assert list(net.get_cpds(f.node).state_names[f.node]) == list(f.node_states)


@settings(max_examples=15, deadline=None)
@given(_patients(), st.integers(0, 2**31))
def test_outcomes_are_probabilities_for_any_patient_and_draw(model, patient, seed):
    batch = model.evaluator.batch([patient], model.priors.sample(32, seed=seed))
    assert np.all((batch.outcomes >= 0) & (batch.outcomes <= 1))
    assert np.all(np.isfinite(batch.terms)) and np.all(batch.sessions >= 1) and np.all(batch.sessions <= 3)


def test_update_tables_equals_building_them_again_for_each_parameter():
    # Every parameter changed alone: the nodes that read it are built again, every other table (and table over the
    # roots) is shared; all must equal the tables built from scratch, or a form reads a prior it does not declare.
    priors = netlrt.load_priors()
    a, b = priors.sample(8, seed=1), priors.sample(8, seed=2)
    base = build_tables(a, priors.population)
    for node in NODES:
        if node.parents:
            base.over_roots(node.name)
    for k in priors.uncertain:
        values = {**a, k: b[k]}
        got, want = update_tables(base, values, priors.population, None, {k}), build_tables(values, priors.population)
        for node in NODES:
            if node.parents:
                np.testing.assert_array_equal(got.cpds[node.name], want.cpds[node.name], err_msg=f"{k}: {node.name}")
                np.testing.assert_allclose(got.over_roots(node.name)[0], want.over_roots(node.name)[0], rtol=1e-13,
                                           atol=1e-15, err_msg=f"{k}: {node.name}")
                if node.name not in affected({k}):
                    assert got.over_roots(node.name)[0] is base.over_roots(node.name)[0]
    with pytest.raises(ValueError, match="values: 3 draws, the base tables have 8"):
        update_tables(base, priors.sample(3, seed=1), priors.population, None, {"staged_unilobar"})


@settings(max_examples=12, deadline=None)
@given(st.lists(_patients(), min_size=1, max_size=2), st.integers(0, 2**31))
def test_saltelli_rows_equal_the_batch_on_the_design(model, patients, seed):
    # The Sobol path (each row of A with one parameter from B, sharing what that parameter does not reach) against
    # the plain batch on the same rows, for any patients (unknown findings averaged over) and any draws; in chunks
    # smaller than the sample, so the chunks join in order.
    ev, ids = model.evaluator, model.priors.uncertain
    a, b = ({k: v for k, v in model.priors.sample(10, seed=s).items() if k in ids} for s in (seed, seed + 1))
    rows = [a] + [{**a, k: b[k]} for k in b] + [b]
    X = {k: np.column_stack([r[k] for r in rows]).ravel() for k in ids}  # draw-major, as saltelli_layout
    want = ev.batch(patients, X).utility.reshape(10, len(rows), len(patients), -1)
    got = ev.saltelli(patients, a, b, chunk_size=4)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_saltelli_refuses_mismatched_samples(model):
    ev, p = model.evaluator, netlrt.Patient()
    one = {"horizon_years": np.ones(3) * 5}
    with pytest.raises(ValueError, match=r"a, b: parameters \['horizon_years'\] and \['discount_rate'\]"):
        ev.saltelli([p], one, {"discount_rate": np.zeros(3)})
    with pytest.raises(ValueError, match="a, b: different numbers of draws"):
        ev.saltelli([p], one, {"horizon_years": np.ones(2) * 5})


def test_saltelli_for_no_patients_is_empty(model):
    a, b = {"horizon_years": np.full(3, 5.0)}, {"horizon_years": np.full(3, 9.0)}
    assert model.evaluator.saltelli([], a, b).shape == (3, 3, 0, 4)


def test_the_exchangeable_effects_are_the_modality_effects_the_priors_call_exchangeable():
    """The decision core rotates the draws of EXCHANGEABLE_EFFECTS among modalities: they must be every effect
    that gives each modality a prior of its own, and exactly the priors whose rule is 'exchangeable'."""
    per_modality = []
    for node in NODES:
        effects = getattr(node.form, "effects", None) or getattr(node.form, "hazard_ratios", None) or {}
        if set(effects.get("modality", {})) == set(netlrt.MODALITIES):
            per_modality.append(effects["modality"])
    assert len(per_modality) == len(EXCHANGEABLE_EFFECTS) == 3
    assert {frozenset(e.items()) for e in per_modality} == {frozenset(e.items()) for e in EXCHANGEABLE_EFFECTS}
    priors = netlrt.load_priors()
    assert {pid for e in EXCHANGEABLE_EFFECTS for pid in e.values()} == \
        {pid for pid, p in priors.items() if p.rule == "exchangeable"}
