"""PSA: shapes and sums, agreement with the Bayes decision, reproducibility, EVPI/EVPPI wiring and known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import norm

from netlrt.analysis import voi
from netlrt.analysis.psa import EU_PREFIX, MAX_DRAWS, PSAResult, run_psa
from netlrt.analysis.study_design import BinomialOutcome, StudyDesign
from netlrt.decision.core import INTERNAL_POINTS, INTERNAL_REPLICATES, TERM_NAMES
from netlrt.evidence.patient import Patient
from netlrt.evidence.vocabulary import MODALITIES
from netlrt.network.declarations import OUTCOMES


@pytest.fixture(scope="module")
def ev(model):
    return model.evaluator


@pytest.fixture(scope="module")
def psa(ev, cases):
    return run_psa(ev, cases["case3_y90"], n_draws=4000, seed=3)


def test_tables_have_every_parameter_outcome_and_term(psa, ev):
    assert list(psa.draws.columns) == [*ev.priors, *(EU_PREFIX + m for m in MODALITIES)]
    assert psa.draws.index.name == "draw" and psa.n_draws == 4000
    assert list(psa.outcome_draws.columns) == [(m, o) for m in MODALITIES for o in OUTCOMES]
    assert list(psa.outcome_draws.columns.names) == ["modality", "outcome"]
    assert list(psa.term_draws.columns) == [(m, t) for m in MODALITIES for t in TERM_NAMES]
    assert list(psa.term_draws.columns.names) == ["modality", "term"]
    for m in MODALITIES:  # the terms of a modality sum to its expected QALYs, draw by draw
        assert_allclose(psa.term_draws[m].sum(axis=1), psa.draws[EU_PREFIX + m], rtol=1e-12)
    probs = psa.outcome_draws.to_numpy()
    assert ((probs >= 0) & (probs <= 1)).all()
    for k in ev.priors:
        if ev.priors[k].is_fixed:
            assert (psa.draws[k] == ev.priors[k].mean).all()
    assert psa.parameters == tuple(ev.priors.uncertain)


def test_each_draw_is_the_core_evaluated_at_that_draw(psa, ev, cases):
    rows = [0, 17, 3999]
    values = {k: psa.draws[k].to_numpy()[rows] for k in ev.priors}
    b = ev.batch([cases["case3_y90"]], values)
    assert_allclose(psa.outcome_draws.to_numpy()[rows].reshape(3, 4, -1), b.outcomes[:, 0], rtol=1e-12)
    assert_allclose(psa.utilities.to_numpy()[rows], b.utility[:, 0], rtol=1e-12)


def test_mean_of_the_draws_is_the_bayes_expectation_within_monte_carlo_error(psa, ev, cases):
    bayes = ev.bayes([cases["case3_y90"]])
    u = psa.utilities.to_numpy()
    se = np.sqrt(u.var(axis=0, ddof=1) / len(u) + bayes.mc_se[0] ** 2)
    assert (np.abs(u.mean(axis=0) - bayes.mean.utility[0, 0]) <= 4 * se).all()
    o = psa.outcome_draws.to_numpy().reshape(len(u), 4, -1)
    # the internal sample's own error is at most that of INTERNAL_REPLICATES x INTERNAL_POINTS plain draws
    o_se = o.std(axis=0, ddof=1) * np.sqrt(1 / len(u) + 1 / (INTERNAL_REPLICATES * INTERNAL_POINTS))
    assert (np.abs(o.mean(axis=0) - bayes.mean.outcomes[0, 0]) <= 4 * o_se).all()


def test_prob_best_counts_the_argmax_and_sums_to_one(psa):
    u = psa.utilities.to_numpy()
    want = np.array([(u.argmax(axis=1) == j).mean() for j in range(4)])
    assert_allclose(psa.prob_best().to_numpy(), want, rtol=0, atol=0)
    assert psa.prob_best().sum() == pytest.approx(1.0, abs=1e-12)
    assert list(psa.prob_best().index) == list(MODALITIES)


def test_seeded_runs_repeat_exactly(ev, cases):
    p = cases["case1_tae"]
    a, b = run_psa(ev, p, 300, seed=5), run_psa(ev, p, 300, seed=5)
    assert a.draws.equals(b.draws) and a.outcome_draws.equals(b.outcome_draws) and a.seed == 5
    g1 = run_psa(ev, p, 300, seed=np.random.default_rng(5))
    g2 = run_psa(ev, p, 300, seed=np.random.default_rng(5))
    assert g1.draws.equals(g2.draws) and g1.seed is None
    assert not run_psa(ev, p, 300, seed=6).draws.equals(a.draws)
    assert run_psa(ev, p, 300).draws.equals(run_psa(ev, p, 300, seed=0).draws)  # the default seed is 0


def test_evpi_is_mean_max_minus_max_mean(psa):
    u = psa.utilities.to_numpy()
    e = psa.evpi()
    assert float(e) == pytest.approx(u.max(axis=1).mean() - u.mean(axis=0).max(), abs=1e-12)
    assert float(e) >= 0 and e.se > 0


def _toy(u: np.ndarray, params: dict[str, np.ndarray]) -> PSAResult:
    n = len(u)
    draws = pd.DataFrame({**params, **{EU_PREFIX + m: u[:, j] for j, m in enumerate(MODALITIES)}})
    cols = pd.MultiIndex.from_product([MODALITIES, ["survival"]], names=["modality", "term"])
    return PSAResult(Patient(), draws, pd.DataFrame(index=range(n)), pd.DataFrame(u, columns=cols),
                     tuple(params), {}, True)


def test_closed_form_evpi_and_evppi_on_a_toy_decision():
    # cTACE's QALYs are mu + x1 + 0.5 x2 against TAE's 0 (the others never best), x1, x2 ~ N(0, 1):
    # EVPI = E[max(0, N(mu, 1.25))] - max(0, mu); EVPPI(x1) replaces the variance by 1.
    def positive_part(mu: float, sd: float) -> float:
        return mu * norm.cdf(mu / sd) + sd * norm.pdf(mu / sd)

    mu, n = 0.2, 20_000
    x = np.random.default_rng(1).standard_normal((n, 2))
    u = np.column_stack([np.zeros(n), mu + x[:, 0] + 0.5 * x[:, 1], np.full(n, -9.0), np.full(n, -9.0)])
    psa = _toy(u, {"x1": x[:, 0], "x2": x[:, 1]})
    e = psa.evpi()
    assert float(e) == pytest.approx(positive_part(mu, np.hypot(1, 0.5)) - mu, abs=4 * e.se)
    e1 = psa.evppi("x1")
    mc = np.maximum(0, mu + x[:, 0]).std() / np.sqrt(n)
    assert float(e1) == pytest.approx(positive_part(mu, 1.0) - mu, abs=4 * np.hypot(mc, e1.se) + 4 * e.se)
    assert 0 <= float(psa.evppi(["x1", "x2"])) <= float(e)


@pytest.mark.parametrize(("params", "match"), [
    ([], r"params: \[\] names no parameter"),
    ("nonexistent", r"params: unknown parameter 'nonexistent'; allowed: "),
    (["pes_embolic_typo", 3], r"params: unknown parameters 'pes_embolic_typo', 3"),
    (5, r"params: 5 names no parameter"),
    (["or_pes_y90", "hr_burden_high", "or_pes_y90"], r"params: 'or_pes_y90' is named twice; allowed: each parameter"),
    (lambda ids: ids[:6], r"params: a group of 6 parameters; allowed: at most 5 "),
])
def test_evppi_refuses_empty_unknown_repeated_and_too_many_parameters(psa, params, match):
    with pytest.raises(ValueError, match=match):
        psa.evppi(params(psa.parameters) if callable(params) else params)


def test_evppi_of_the_largest_group_has_its_standard_error(psa):
    """Five parameters: the largest group allowed (its standard error once took minutes to form)."""
    group = [p for p in psa.parameters if p.startswith("hr_modality_")] + [psa.parameters[0]]
    e = psa.evppi(group, seed=0)
    assert len(group) == 5 and 0.0 < float(e) <= float(psa.evpi())
    assert 0.0 < e.se < float(psa.evpi())


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_evppi_lies_between_zero_and_evpi_for_any_group(psa, data):
    group = data.draw(st.lists(st.sampled_from(psa.parameters), min_size=1, max_size=2, unique=True))
    e = psa.evppi(group, seed=0)
    assert 0.0 <= float(e) <= float(psa.evpi())


def test_evppi_ranking_orders_every_uncertain_parameter(psa):
    small = _toy(psa.utilities.to_numpy()[:1500], {k: psa.draws[k].to_numpy()[:1500] for k in psa.parameters[:6]})
    r = small.evppi_ranking()
    assert sorted(r["parameter"]) == sorted(psa.parameters[:6]) and r["evppi"].is_monotonic_decreasing
    top = r.iloc[0]
    assert top["evppi"] == pytest.approx(float(small.evppi(top["parameter"])), rel=1e-12)
    assert top["share_of_evpi"] == pytest.approx(top["evppi"] / float(small.evpi()))
    assert r.equals(small.evppi_ranking()) and r.equals(small.evppi_ranking(seed=0))


def test_acceptability_scales_every_term_but_survival(psa):
    curve = psa.acceptability([0.0, 1.0, 2.5])
    at1 = curve[curve["harm_multiplier"] == 1.0].set_index("modality")["prob_best"]
    assert_allclose(at1.to_numpy(), psa.prob_best().to_numpy(), rtol=0, atol=0)
    surv = np.column_stack([psa.term_draws[(m, "survival")].to_numpy() for m in MODALITIES])
    harm = psa.utilities.to_numpy() - surv
    for lam in (0.0, 2.5):
        u = surv + lam * harm
        got = curve[curve["harm_multiplier"] == lam]
        assert_allclose(got["prob_best"], [(u.argmax(axis=1) == j).mean() for j in range(4)], rtol=0, atol=0)
        assert got["optimal"].tolist() == [j == int(u.mean(axis=0).argmax()) for j in range(4)]
    assert len(psa.acceptability()) == 51 * 4
    for bad in ([], [-1.0], [np.nan], [True], "x"):
        with pytest.raises(ValueError, match="multipliers: .* allowed: a non-empty sequence of numbers 0-1000"):
            psa.acceptability(bad)


def test_summaries_are_means_and_quantiles(psa):
    s = psa.summary()
    assert list(s.columns) == ["modality", "outcome", "mean", "low", "high"]
    assert list(s["outcome"][:len(OUTCOMES) + 1]) == [*OUTCOMES, "expected_utility"]
    row = s[(s["modality"] == "Y90") & (s["outcome"] == OUTCOMES[0])].iloc[0]
    col = psa.outcome_draws[("Y90", OUTCOMES[0])]
    assert row["mean"] == pytest.approx(col.mean()) and row["low"] == pytest.approx(col.quantile(0.025))
    t = psa.term_summary()
    assert_allclose(t.groupby("modality", sort=False)["mean"].sum(), psa.utilities.mean(), rtol=1e-12)
    df = psa.to_df()
    assert_allclose(df.drop_duplicates("modality")["prob_best"], psa.prob_best(), rtol=0)
    assert "EVPI" in psa._repr_html_()


def test_evsi_is_capped_by_evppi(psa, ev):
    pid = next(k for k in psa.parameters if ev.priors[k].unit == "probability")
    e = psa.evsi(StudyDesign(BinomialOutcome(pid, 50)))
    assert 0 <= float(e) <= float(voi.evppi(psa.utilities.to_numpy(), psa.draws[pid].to_numpy())) + 1e-15


def test_ineligible_patients_are_computed_and_noted(ev, cases):
    res = run_psa(ev, cases["case1_tae"].replace(ecog=4), 200)
    assert not res.eligible and any("ECOG 4" in n for n in res.notes) and "research only" in res.notes[-1]
    assert "&#9888;" in res._repr_html_()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_draws": 1}, r"n_draws: expected an integer >= 2"),
    ({"n_draws": True}, r"n_draws: expected"),
    ({"n_draws": 100.0}, r"n_draws: expected"),
    ({"n_draws": MAX_DRAWS + 1}, r"n_draws: expected an integer >= 2 and <= 2,000,000"),
    ({"seed": -1}, r"seed: expected a non-negative int"),
    ({"patient": {"grade": "G1"}}, r"patient: expected a netlrt.Patient, got dict"),
    ({"patient": Patient(preference="mystery")}, r"preference: unknown profile 'mystery'"),
])
def test_bad_arguments_are_named(ev, cases, kwargs, match):
    args = {"patient": cases["case1_tae"], "n_draws": 10, **kwargs}
    with pytest.raises(ValueError, match=match):
        run_psa(ev, args.pop("patient"), **args)


def test_evppi_and_evsi_need_enough_draws_for_their_regression(model, cases):
    # At 5 draws the fit followed the draws, and 13 of the 68 parameters came out at exactly the EVPI
    few = model.psa(cases["case1_tae"], n_draws=99, seed=0)
    float(few.evpi())  # the EVPI needs no regression
    for call in (lambda: few.evppi_ranking(se=False), lambda: few.evppi("or_pes_y90"),
                 lambda: few.evsi({"or_pes_y90": 60})):
        with pytest.raises(ValueError, match=r"^utilities: 99 draws \(a PSA's n_draws\); EVPPI and EVSI by regression "
                                             r"need at least 100"):
            call()
    assert float(model.psa(cases["case1_tae"], n_draws=100, seed=0).evppi("or_pes_y90")) >= 0
