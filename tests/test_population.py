"""Population analysis at scale: every reported number against a brute-force evaluation with Evaluator.batch."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlrt.analysis.population import PopulationResult, random_cohort, run_population
from netlrt.analysis.population_draws import DrawSet
from netlrt.analysis.population_scale import PopulationScale
from netlrt.analysis.population_sums import PatientSums, _accumulate, patient_sums, table_sums
from netlrt.decision.core import Evaluator
from netlrt.decision.policy import assess, best_index
from netlrt.evidence.patient import Patient
from netlrt.evidence.patient_io import parse_frame
from netlrt.evidence.priors_files import load_priors
from netlrt.evidence.vocabulary import MODALITIES

N_DRAWS, SEED = 64, 11


@pytest.fixture(scope="module")
def ev() -> Evaluator:
    return Evaluator(load_priors())


@pytest.fixture(scope="module")
def table(ev) -> pd.DataFrame:
    df = random_cohort(ev.priors, 24, seed=5)
    extra = pd.DataFrame({"patient_id": ["all_unknown", "ecog4", "custom", "twin_a", "twin_b"],
                          "ecog": pd.Series([None, 4, 1, 0, 0], dtype=object),  # ints, as in random_cohort
                          "grade": [None, "G3", "G2", "G1", "G1"],
                          "preference": ["none", "none", "avoid_pes", "fewest_procedures", "fewest_procedures"]})
    return pd.concat([df, extra], ignore_index=True)


@pytest.fixture(scope="module")
def brute(ev, table):
    """The full (draw, patient, modality) array from the core, and every number computed from it by hand."""
    patients = list(parse_frame(table).patients.values())
    u = ev.batch(patients, ev.priors.sample(N_DRAWS, seed=SEED)).utility
    mean = u.mean(axis=0)
    best = best_index(mean)
    winner = best_index(u)
    rows = np.arange(len(patients))
    eligible = np.array([assess(p, ev.priors).eligible for p in patients])
    return {"u": u, "mean": mean, "best": best, "eligible": eligible,
            "prob_best": np.stack([(winner == j).mean(axis=0) for j in range(len(MODALITIES))], axis=-1),
            "share_changed": (winner != best).mean(axis=0),
            "evpi": u.max(axis=-1).mean(axis=0) - mean[rows, best]}


@pytest.fixture(scope="module")
def result(ev, table) -> PopulationResult:
    return run_population(ev, table, n_draws=N_DRAWS, seed=SEED, patient_chunk=5, draw_chunk=9)


def test_every_per_patient_number_matches_brute_force(result, brute, table):
    assert result.patient_ids == tuple(table["patient_id"])
    np.testing.assert_allclose(result.expected_utility, brute["mean"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.best, brute["best"])
    np.testing.assert_allclose(result.prob_best, brute["prob_best"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.share_changed, brute["share_changed"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.evpi, brute["evpi"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.eligible, brute["eligible"])
    assert result.recommended == [MODALITIES[b] if e else None for b, e in zip(brute["best"], brute["eligible"])]
    assert result.evpi.max() > 0 and result.share_changed.max() > 0  # the comparison is not of zeros


def test_population_numbers_match_brute_force(result, brute):
    e = brute["eligible"]
    assert 0 < e.sum() < len(e)
    rows = np.arange(int(e.sum()))
    mean, best = brute["mean"][e], brute["best"][e]
    pv = result.policy_values()
    for j, m in enumerate(MODALITIES):
        assert pv[f"treat_all_{m}"] == pytest.approx(mean[:, j].mean(), abs=1e-12)
    assert pv["bayes"] == pytest.approx(mean[rows, best].mean(), abs=1e-12)
    assert pv["perfect_information"] == pytest.approx(brute["u"][:, e].max(axis=-1).mean(), abs=1e-12)
    assert result.evpi_per_patient() == pytest.approx(brute["evpi"][e].mean(), abs=1e-12)
    for x in (0.05, 0.3, 0.6, 1.0):
        assert result.share_changing(x) == pytest.approx((brute["share_changed"][e] >= x - 1e-12).mean())
    s = result.summary(at_least=0.3).set_index(["measure", "modality"], drop=False)["value"]
    assert s[("eligible", None)] == e.sum() and s[("ineligible", None)] == (~e).sum()
    assert s[("bayes_gain", None)] == pytest.approx(pv["bayes"] - max(mean.mean(axis=0)), abs=1e-12)
    assert s[("share_changing", None)] == result.share_changing(0.3)
    for j, m in enumerate(MODALITIES):
        assert s[("recommended", m)] == pytest.approx(np.mean(best == j))


def test_to_df_and_html(result):
    df = result.to_df()
    assert list(df.columns[:3]) == ["patient_id", "eligible", "recommended"]
    assert len(df) == len(result.patient_ids)
    np.testing.assert_allclose(df[[f"prob_best_{m}" for m in MODALITIES]].sum(axis=1), 1.0, rtol=0, atol=1e-12)
    ecog4 = df.set_index("patient_id").loc["ecog4"]
    assert not ecog4["eligible"] and ecog4["recommended"] is None and "ECOG 4" in ecog4["reasons"]
    assert "Population analysis" in result._repr_html_() and "bayes_policy" in result._repr_html_()


def test_equal_patients_are_evaluated_once_and_agree(result):
    i, j = result.patient_ids.index("twin_a"), result.patient_ids.index("twin_b")
    np.testing.assert_array_equal(result.expected_utility[i], result.expected_utility[j])
    assert result.n_patterns < len(result.patient_ids)


@pytest.mark.parametrize(("patient_chunk", "draw_chunk"), [(1, 1), (3, 64), (4096, 7), (2, 1000)])
def test_chunk_sizes_do_not_change_the_numbers(ev, table, result, patient_chunk, draw_chunk):
    other = run_population(ev, table, n_draws=N_DRAWS, seed=SEED, patient_chunk=patient_chunk,
                           draw_chunk=draw_chunk)
    np.testing.assert_array_equal(other.prob_best, result.prob_best)
    np.testing.assert_allclose(other.expected_utility, result.expected_utility, rtol=0, atol=1e-12)
    np.testing.assert_allclose(other.evpi, result.evpi, rtol=0, atol=1e-12)


def test_seeded_runs_repeat_and_seeds_differ(ev, table, result):
    again = run_population(ev, table, n_draws=N_DRAWS, seed=SEED, patient_chunk=5, draw_chunk=9)
    np.testing.assert_array_equal(again.expected_utility, result.expected_utility)
    np.testing.assert_array_equal(again.evpi, result.evpi)
    assert result.seed == SEED
    other = run_population(ev, table, n_draws=N_DRAWS, seed=SEED + 1)
    assert not np.array_equal(other.expected_utility, result.expected_utility)
    generator = run_population(ev, table, n_draws=N_DRAWS, seed=np.random.default_rng(SEED))
    np.testing.assert_allclose(generator.evpi, result.evpi, rtol=0, atol=1e-12)  # the same stream
    assert generator.seed is None


def test_values_are_the_draws(ev, table, result):
    values = ev.priors.sample(N_DRAWS, seed=SEED)
    given_values = run_population(ev, table, values=values)
    np.testing.assert_allclose(given_values.expected_utility, result.expected_utility, rtol=0, atol=1e-12)
    assert given_values.seed is None and given_values.n_draws == N_DRAWS
    one = run_population(ev, table, values={"pes_embolic": [0.3, 0.3]})  # the others at their prior means
    core = ev.batch(list(parse_frame(table).patients.values()), {**ev.priors.means(), "pes_embolic": 0.3})
    np.testing.assert_allclose(one.expected_utility, core.utility[0], rtol=0, atol=1e-12)
    assert (one.evpi == 0).all() and (one.share_changed == 0).all()  # two equal draws: nothing to learn


def test_patient_inputs_agree(ev, result, table):
    rows = parse_frame(table)
    as_map = run_population(ev, rows.patients, n_draws=N_DRAWS, seed=SEED)
    as_list = run_population(ev, list(rows.patients.values()), n_draws=N_DRAWS, seed=SEED)
    as_rows = run_population(ev, rows, n_draws=N_DRAWS, seed=SEED)
    for other in (as_map, as_list, as_rows):
        np.testing.assert_allclose(other.evpi, result.evpi, rtol=0, atol=1e-12)
    assert as_map.patient_ids == result.patient_ids and as_list.patient_ids[:2] == ("1", "2")


def test_tables_are_read_in_chunks_with_the_same_result(ev, table, result):
    draws = DrawSet.sample(ev.priors, N_DRAWS, seed=SEED)
    chunked = table_sums(draws, table, read_chunk=4, patient_chunk=5, draw_chunk=9)
    assert chunked.ids == result.patient_ids
    np.testing.assert_array_equal(chunked.wins / N_DRAWS, result.prob_best)
    np.testing.assert_allclose(chunked.utility / N_DRAWS, result.expected_utility, rtol=0, atol=1e-12)
    numbered = table_sums(draws, table.drop(columns="patient_id"), read_chunk=7)
    assert numbered.ids == tuple(str(i) for i in range(1, len(table) + 1))  # rows numbered across chunks
    bad = pd.concat([table, pd.DataFrame({"patient_id": ["x", "y"], "grade": ["G4", "G5"]})], ignore_index=True)
    with pytest.raises(ValueError, match=r"2 invalid rows:\n.*'G4'.*\n.*'G5'"):  # every invalid row, each chunk
        table_sums(draws, bad, read_chunk=len(table) + 1)
    skipped = table_sums(draws, bad, read_chunk=len(table) + 1, skip_invalid=True)
    assert len(skipped.ids) == len(table) and "(rows 31-31): row 1 (patient_id 'y')" in skipped.skipped[1]
    with pytest.raises(ValueError, match="duplicate patient_id 'twin_a'"):
        table_sums(draws, pd.concat([table, table.tail(2)]), read_chunk=len(table))


def test_custom_preferences_match_brute_force(ev):
    patients = [Patient(grade="G2", preference={"survival": 2.0, "procedure_sessions": 0.0}),
                Patient(grade="G2", preference={"procedure_sessions": 0.0, "survival": 2.0}), Patient(grade="G2")]
    values = ev.priors.sample(30, seed=2)
    u = ev.batch(patients, values).utility
    res = run_population(ev, patients, values=values)
    np.testing.assert_allclose(res.expected_utility, u.mean(axis=0), rtol=0, atol=1e-12)
    assert res.n_patterns == 2  # the same multipliers in another order are one pattern
    assert not np.allclose(res.expected_utility[0], res.expected_utility[2])


def test_an_empty_cohort(ev):
    res = run_population(ev, [], n_draws=10)
    assert res.to_df().shape == (0, 14) and np.isnan(res.evpi_per_patient())
    assert res.summary().set_index("measure")["value"]["patients"] == 0


def test_ineligible_patients_are_reported_and_left_out(ev):
    patients = {"ok": Patient(grade="G2", ecog=0), "no": Patient(grade="G2", ecog=3)}
    res = run_population(ev, patients, n_draws=40)
    assert res.eligible.tolist() == [True, False] and res.recommended[1] is None
    assert res.reasons[1].startswith("ineligible") and res.reasons[0] == ""
    assert res.evpi[1] == pytest.approx(res.evpi[0])  # computed for research: the same findings
    assert res.evpi_per_patient() == pytest.approx(res.evpi[0])
    assert res.policy_values()["bayes"] == pytest.approx(res.expected_utility[0, res.best[0]])
    none = run_population(ev, [Patient(ecog=4)], n_draws=10)
    assert np.isnan(none.evpi_per_patient()) and np.isnan(none.policy_values()["bayes"])
    assert none.summary()["measure"].tolist().count("treat_all") == len(MODALITIES)


def test_population_evpi_is_scaled(result):
    scale = PopulationScale(200, 5, 0.035)
    assert result.population_evpi(scale) == pytest.approx(result.evpi_per_patient() * scale.discounted_patients())
    s = result.summary(scale=scale).set_index("measure")["value"]
    assert s["population_evpi"] == pytest.approx(result.population_evpi(scale))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), unknown=st.floats(0, 1))
def test_invariants(ev, seed, n, unknown):
    res = run_population(ev, random_cohort(ev.priors, n, unknown=unknown, seed=seed), n_draws=20, seed=seed)
    assert (res.evpi >= 0).all()
    np.testing.assert_allclose(res.prob_best.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert ((res.share_changed >= 0) & (res.share_changed <= 1)).all()
    pv = res.policy_values()
    if res.eligible.any():  # the Bayes policy beats every single modality and perfect information beats both
        assert pv["bayes"] >= max(pv[f"treat_all_{m}"] for m in MODALITIES) - 1e-12
        assert pv["perfect_information"] >= pv["bayes"]


def test_ties_go_to_the_first_modality():
    tables = np.array([[[1.0], [2.0], [3.0]], [[1.0], [5.0], [0.0]], [[0.5], [5.0], [3.0]], [[1.0], [1.0], [3.0]]])
    w = np.ones((1, 2))
    utility, wins, top = np.zeros((2, 4)), np.zeros((2, 4), dtype=np.int64), np.zeros(2)
    _accumulate(tables, w, utility, wins, top)
    winner = best_index(np.moveaxis(tables[:, :, 0], 0, -1))  # (draw,): [0, 1, 0]
    assert winner.tolist() == [0, 1, 0]
    assert wins[0].tolist() == [2, 1, 0, 0] and top.tolist() == [9.0, 9.0]  # 1 + 5 + 3
    # rounding in a sum of terms is a tie too: cTACE 1e-13 above TAE in the first draw, DEE-TACE 1e-13 above
    # cTACE in the second; Y90 1e-9 above TAE in the third is not a tie
    tables[1, 0, 0] += 1e-13
    tables[2, 1, 0] += 1e-13
    tables[3, 2, 0] += 1e-9
    wins[:] = 0
    _accumulate(tables, w, utility, wins, top)
    assert best_index(np.moveaxis(tables[:, :, 0], 0, -1)).tolist() == [0, 1, 3]
    assert wins[0].tolist() == [1, 1, 0, 1]


def test_drawset_ships_its_inputs_only(ev):
    draws = DrawSet.sample(ev.priors, 5, seed=0)
    _ = draws.evaluator  # built, then left out of the pickle
    copy = pickle.loads(pickle.dumps(draws))
    assert "evaluator" not in copy.__dict__ and copy.seed == 0 and copy.n_draws == 5
    s1, s2 = patient_sums(draws, [Patient(grade="G1")]), patient_sums(copy, [Patient(grade="G1")])
    np.testing.assert_array_equal(s1.utility, s2.utility)
    both = PatientSums.concat([s1, s2])
    with pytest.raises(ValueError, match="duplicate patient_id '1'"):
        PopulationResult.from_sums(both, 5)
    with pytest.raises(ValueError, match="n_draws: 6 but the sums count 5 draws"):
        PopulationResult.from_sums(s1, 6)


def test_random_cohort(ev):
    df = random_cohort(ev.priors, 4000, unknown=0.25, seed=3)
    assert df["patient_id"].is_unique and df.equals(random_cohort(ev.priors, 4000, unknown=0.25, seed=3))
    assert df["grade"].isna().mean() == pytest.approx(0.25, abs=0.03)
    known = df["grade"].dropna()
    assert (known == "G1").mean() == pytest.approx(ev.priors.population["grade"]["G1"], abs=0.03)
    assert set(df["functional"].dropna()) == {True, False}
    fields = df.drop(columns=["patient_id", "preference"])
    assert all(x is None for x in fields.to_numpy()[fields.isna().to_numpy()])  # unknown is None in every column
    assert len(parse_frame(df).patients) == 4000  # every row is a valid patient
    assert random_cohort(ev.priors, 50, unknown=0.0, seed=1).drop(columns="patient_id").notna().all().all()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_draws": 0}, "n_draws"),
    ({"patient_chunk": 0}, "patient_chunk"),
    ({"draw_chunk": 1.5}, "draw_chunk"),
    ({"values": {"no_such_parameter": [1.0]}}, "unknown parameter 'no_such_parameter'"),
    ({"values": {"ecog_max": [2.0, np.nan]}}, "finite 1-d draws"),
    ({"values": {"ecog_max": [2.0, 2.0]}, "n_draws": 3}, "values hold 2 draws"),
    ({"seed": -1}, "seed"),
])
def test_bad_arguments(ev, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_population(ev, [Patient()], **kwargs)


def test_bad_patients(ev):
    with pytest.raises(ValueError, match="allowed: a pandas DataFrame"):
        run_population(ev, "patients.csv", n_draws=5)
    with pytest.raises(ValueError, match="id 7 .int.; allowed: text patient ids"):
        run_population(ev, {7: Patient()}, n_draws=5)
    with pytest.raises(ValueError, match="'2' is a dict"):
        run_population(ev, [Patient(), {"grade": "G1"}], n_draws=5)
    with pytest.raises(ValueError, match="preference: unknown profile 'bold'"):
        run_population(ev, [Patient(preference="bold")], n_draws=5)
    bad = pd.DataFrame({"patient_id": ["a", "b"], "grade": ["G1", "G7"]})
    with pytest.raises(ValueError, match="row 2 .*grade: unknown value 'G7'"):
        run_population(ev, bad, n_draws=5)
    res = run_population(ev, bad, n_draws=5, skip_invalid=True)
    assert res.patient_ids == ("a",) and "G7" in res.skipped[0]
    with pytest.raises(ValueError, match="at_least"):
        res.share_changing(0)


# ------------------------------------------------------------------------------------------------ Dask

def test_dask_threads_equals_in_memory(ev, table, result):
    dd = pytest.importorskip("dask.dataframe")
    from netlrt.analysis.population_dask import run_population_dask

    on_dask = run_population_dask(ev, dd.from_pandas(table, npartitions=4), n_draws=N_DRAWS, seed=SEED,
                                  scheduler="threads", patient_chunk=3)
    assert on_dask.patient_ids == result.patient_ids
    np.testing.assert_array_equal(on_dask.prob_best, result.prob_best)
    np.testing.assert_allclose(on_dask.expected_utility, result.expected_utility, rtol=0, atol=1e-12)
    np.testing.assert_allclose(on_dask.evpi, result.evpi, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(on_dask.eligible, result.eligible)
    assert on_dask.seed == SEED


def test_dask_local_cluster_of_two_workers_equals_in_memory(ev):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from netlrt.analysis.population_dask import run_population_dask

    df = random_cohort(ev.priors, 300, seed=8)
    in_memory = run_population(ev, df, n_draws=200, seed=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        on_dask = run_population_dask(ev, dd.from_pandas(df, npartitions=6), n_draws=200, seed=4, scheduler=client)
    assert on_dask.patient_ids == in_memory.patient_ids
    np.testing.assert_array_equal(on_dask.prob_best, in_memory.prob_best)
    for name in ("expected_utility", "evpi", "share_changed"):
        np.testing.assert_allclose(getattr(on_dask, name), getattr(in_memory, name), rtol=0, atol=1e-12)
    a, b = (r.summary().query("measure != 'patterns'")["value"] for r in (on_dask, in_memory))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)  # patterns: counted per partition on Dask


def test_dask_needs_patient_ids(ev):
    dd = pytest.importorskip("dask.dataframe")
    from netlrt.analysis.population_dask import run_population_dask

    with pytest.raises(ValueError, match="no 'patient_id' column"):
        run_population_dask(ev, dd.from_pandas(pd.DataFrame({"grade": ["G1", "G2"]}), npartitions=2), n_draws=5)
    with pytest.raises(ValueError, match="allowed: a dask DataFrame"):
        run_population_dask(ev, pd.DataFrame({"patient_id": ["a"]}), n_draws=5)
    twice = dd.from_pandas(pd.DataFrame({"patient_id": ["a", "b", "a"], "grade": ["G1", "G2", "G3"]}), npartitions=2)
    with pytest.raises(ValueError, match="duplicate patient_id 'a'"):
        run_population_dask(ev, twice, n_draws=5, scheduler="synchronous")
    with pytest.raises(ValueError, match="patient_chunk"):
        run_population_dask(ev, twice, n_draws=5, patient_chunk=0)
    by_index = pd.DataFrame({"grade": ["G1", "G2", "G3"]}, index=pd.Index(["x", "y", "z"], name="patient_id"))
    res = run_population_dask(ev, dd.from_pandas(by_index, npartitions=2), n_draws=5, scheduler="synchronous")
    assert res.patient_ids == ("x", "y", "z")


def test_without_dask_the_error_says_how_to_install_it(ev, monkeypatch):
    from netlrt.analysis.population_dask import run_population_dask

    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"pip install 'netlrt\[dask\]'"):
        run_population_dask(ev, pd.DataFrame({"patient_id": ["a"]}), n_draws=5)
