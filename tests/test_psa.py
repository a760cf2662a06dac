"""Probabilistic sensitivity analysis: shapes, repeatability, definitions and validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from netlrt import MODALITIES, OUTCOMES, decision
from netlrt.psa import EU_PREFIX, PSAResult


@pytest.fixture(scope="module")
def psa(model, cases):
    return model.psa(cases["case3_y90"], n_draws=3000, seed=0, progress=False)


def test_tables_have_the_documented_shape(model, psa):
    assert isinstance(psa, PSAResult)
    assert list(psa.draws.columns) == [*model.priors, *(EU_PREFIX + m for m in MODALITIES)]
    assert psa.outcome_draws.shape == (3000, len(MODALITIES) * len(OUTCOMES))
    assert list(psa.outcome_draws.columns[:2]) == [("TAE", OUTCOMES[0]), ("TAE", OUTCOMES[1])]
    s = psa.summary()
    assert list(s.columns) == ["modality", "outcome", "mean", "low", "high"]
    assert len(s) == len(MODALITIES) * (len(OUTCOMES) + 1)
    assert ((s["low"] <= s["mean"]) & (s["mean"] <= s["high"])).all()
    assert list(psa.to_df().columns) == [*s.columns, "prob_best"]
    assert "EVPI" in psa._repr_html_()


def test_expected_utilities_come_from_the_outcome_draws(psa):
    probs = psa.outcome_draws.to_numpy().reshape(-1, 4, len(OUTCOMES))
    assert_allclose(psa.utilities.to_numpy(), decision.expected_utility(probs, psa.weights.to_numpy()))
    s = psa.summary().set_index(["modality", "outcome"])
    assert_allclose(s.loc[("Y90", "survival_3y"), "mean"], psa.outcome_draws[("Y90", "survival_3y")].mean())


def test_prob_best_counts_the_argmax_of_each_draw(psa):
    best = psa.prob_best()
    assert list(best.index) == list(MODALITIES)
    assert_allclose(best.sum(), 1.0)
    winners = psa.utilities.idxmax(axis=1).value_counts(normalize=True)
    assert_allclose(best.to_numpy(), winners.reindex(MODALITIES, fill_value=0).to_numpy())


def test_acceptability_at_multiplier_one_is_prob_best(psa):
    curve = psa.acceptability([0.0, 1.0, 3.0])
    assert list(curve.columns) == ["harm_multiplier", "modality", "prob_best", "optimal"]
    at_one = curve[curve["harm_multiplier"] == 1.0].set_index("modality")["prob_best"]
    assert_allclose(at_one.to_numpy(), psa.prob_best().to_numpy())
    assert_allclose(curve.groupby("harm_multiplier")["prob_best"].sum(), 1.0)
    assert (curve.groupby("harm_multiplier")["optimal"].sum() == 1).all()
    # Y90 causes the least post-embolization syndrome: weighting harms more cannot make it rarer best.
    y90 = curve[curve["modality"] == "Y90"]["prob_best"].to_numpy()
    assert y90[0] < y90[-1]
    with pytest.raises(ValueError, match="multipliers"):
        psa.acceptability([-1.0])


def test_seeded_runs_repeat_exactly_and_seeds_differ(model, cases):
    p = cases["case1_tae"]
    a, b = (model.psa(p, 500, seed=7, progress=False) for _ in range(2))
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.outcome_draws, b.outcome_draws)
    assert not a.draws.equals(model.psa(p, 500, seed=8, progress=False).draws)
    c = model.psa(p, 500, seed=np.random.default_rng(7), progress=False)
    pd.testing.assert_frame_equal(a.draws, c.draws)


def test_voi_is_bounded_and_ranked(psa):
    total = psa.evpi()
    assert total > 0
    one = psa.evppi("median_os_y90_years", seed=0)
    group = psa.evppi(["median_os_y90_years", "median_os_tae_years"], seed=0)
    assert 0 <= one <= group <= total
    ranking = psa.evppi_ranking(seed=0)
    assert list(ranking.columns) == ["parameter", "description", "evppi", "se", "share_of_evpi"]
    assert set(ranking["parameter"]) == set(psa.parameters)
    assert ranking["evppi"].is_monotonic_decreasing
    assert ranking["parameter"].iloc[0] == "median_os_y90_years"
    assert float(ranking.set_index("parameter").loc["median_os_y90_years", "evppi"]) == float(one)
    with pytest.raises(ValueError, match="params.*no_such"):
        psa.evppi("no_such")


@pytest.mark.parametrize(("kwargs", "name"), [({"n_draws": 0}, "n_draws"), ({"n_draws": 2.5}, "n_draws"),
                                              ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed")])
def test_bad_arguments_are_named(model, cases, kwargs, name):
    with pytest.raises(ValueError, match=name):
        model.psa(cases["case1_tae"], **{"progress": False, **kwargs})


def test_ineligible_patient_is_computed_and_noted(model, cases):
    psa = model.psa(cases["case1_tae"].replace(ecog=3), 200, seed=0, progress=False)
    assert not psa.eligible
    assert any("ECOG" in n for n in psa.notes)
    assert_allclose(psa.prob_best().sum(), 1.0)


def test_progress_bar_only_when_asked_and_long(model, cases, capsys):
    model.psa(cases["case1_tae"], 30_000, seed=0, progress=False)
    assert capsys.readouterr().err == ""
    model.psa(cases["case1_tae"], 30_000, seed=0, progress=True)
    assert "30000/30000" in capsys.readouterr().err


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(2, 50))
def test_prob_best_is_a_distribution_for_any_seed(model, cases, seed, n):
    psa = model.psa(cases["case2_tace"], n, seed=seed, progress=False)
    best = psa.prob_best()
    assert ((best >= 0) & (best <= 1)).all()
    assert_allclose(best.sum(), 1.0)
