"""The batch engine against pgmpy's exact inference, chunking, and probability bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from netlrt import Patient, engine
from netlrt.model import evidence_indices
from netlrt.pgmpy_adapter import build_network, query_yes
from netlrt.vocabulary import BILIARY, BURDENS, DISTRIBUTIONS, GRADES, MODALITIES, OUTCOMES

patients = st.builds(
    Patient, grade=st.sampled_from(GRADES), burden=st.sampled_from(BURDENS),
    distribution=st.sampled_from(DISTRIBUTIONS), biliary=st.sampled_from(BILIARY),
    functional=st.booleans(), renal_insufficiency=st.booleans(),
)


def _random_patient(rng: np.random.Generator) -> Patient:
    pick = lambda xs: xs[int(rng.integers(len(xs)))]
    return Patient(grade=pick(GRADES), burden=pick(BURDENS), distribution=pick(DISTRIBUTIONS),
                   biliary=pick(BILIARY), functional=bool(rng.integers(2)), renal_insufficiency=bool(rng.integers(2)))


def test_matches_pgmpy_exact_inference_for_random_patients_and_draws(model):
    rng = np.random.default_rng(20170301)
    values = model.priors.sample(3, rng)
    people = [_random_patient(rng) for _ in range(3)]
    fast = model.outcome_draws(people, values)
    for d in range(3):
        network = build_network({k: v[d] for k, v in values.items()})
        for i, p in enumerate(people):
            for j, m in enumerate(MODALITIES):
                ref = query_yes(network, list(OUTCOMES), {**p.evidence(), "modality": m})
                assert_allclose(fast[d, i, j], [ref[o] for o in OUTCOMES], rtol=0, atol=1e-9,
                                err_msg=f"draw {d}, {p}, {m}")


def test_chunked_run_equals_one_block(model):
    values = model.priors.sample(50, seed=1)
    people = [_random_patient(np.random.default_rng(s)) for s in range(4)]
    assert_array_equal(model.outcome_draws(people, values, chunk_size=7), model.outcome_draws(people, values))


def test_bad_chunk_size_is_named(model):
    with pytest.raises(ValueError, match="chunk_size"):
        model.outcome_draws([_random_patient(np.random.default_rng(0))], chunk_size=0)


@settings(max_examples=40, deadline=None)
@given(p=patients, u=st.lists(st.floats(1e-10, 1 - 1e-10), min_size=33, max_size=33), n=st.integers(1, 3))
def test_probabilities_lie_in_unit_interval_for_any_draw_and_patient(model, p, u, n):
    # Uniforms strictly inside (0, 1) give every prior a value in its support (0 and 1 would give
    # log-normal odds ratios of 0 or infinity, where expit(logit(1) + log(0)) is undefined).
    ids = model.priors.uncertain
    grid = np.resize(np.asarray(u), (n, len(ids)))
    probs = engine.outcome_probabilities(model.priors.ppf(grid, ids), evidence_indices([p]))
    assert probs.shape == (n, len(MODALITIES), len(OUTCOMES))
    assert np.isfinite(probs).all()
    assert ((probs >= 0) & (probs <= 1)).all()
