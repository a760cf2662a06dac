"""Every numeric argument takes the same kinds of number (``netlrt.checks.is_real`` / ``is_integer``).

An integer argument takes Python's and NumPy's integers of any width; a real one also takes floats of any width
and ``Fraction``. Bools, text and ``Decimal`` are refused with a ``ValueError`` naming the argument, as are NaN
and infinity, and values so large that the result would overflow. An accepted kind gives the same result as the
plain Python number.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from netlrt.analysis.evsi import (EVSICurve, ExponentialMedian, LogNormalEstimate, PopulationScale, StudyDesign,
                                  TwoArmRatio, enbs, evsi_curve, population_value)
from netlrt.analysis.study_design import BinomialOutcome
from netlrt.analysis.voi import evppi
from netlrt.evidence.priors import parse_prior
from netlrt.evidence.study_table import StudyRow, parse_studies
from netlrt.evidence.updating import MAX_TAU_SCALE, update
from netlrt.evidence.patient_spec import MAX_MULTIPLIER
from netlrt.seeding import as_generator

CURVE = EVSICurve((10, 50, 200), (0.01, 0.02, 0.022), (0.001, 0.001, 0.002), 0.025, 0.001, 0.03, ("p",), "pilot")
SCALE = PopulationScale(100, 5, 0.0)
ROWS = [StudyRow(1, "p", "Doe 2024", events=3, patients=10), StudyRow(2, "p", "Roe 2025", events=6, patients=9)]
_RNG = np.random.default_rng(5)
_P = _RNG.beta(3, 7, 400)
U, DRAWS = np.column_stack([_P + _RNG.normal(0, 0.2, 400), np.full(400, 0.32)]), {"p": _P}


def _entry(model, **change):
    return {**model.priors["abscess_bilioenteric"].to_entry(), **change}


# (argument, plain value, call): the call's result is compared between kinds; bases are exact in float32.
INTEGER = [
    ("horizon_years", 3, lambda m, v: PopulationScale(10, v, 0.05).discounted_patients()),
    ("arms", 2, lambda m, v: enbs(CURVE, population=SCALE, cost_per_patient=0.01, arms=v).to_df()["enbs"].tolist()),
    ("sizes", 5, lambda m, v: evsi_curve(U, DRAWS, lambda n: StudyDesign(BinomialOutcome("p", n)), [v, 20]).evsi),
    ("n", 5, lambda m, v: BinomialOutcome("p", v)),
    ("n_per_arm", 5, lambda m, v: TwoArmRatio("or", v, 0.25)),
    ("refs", 18, lambda m, v: parse_prior("f.yaml", "a", 0, _entry(m, refs=[v, 19])).refs),
    ("studies", 3, lambda m, v: parse_prior("f.yaml", "a", 0, _entry(m, studies=v), refit=True).params),
    ("events", 3, lambda m, v: StudyRow(1, "p", "Doe 2024", events=v, patients=10)),
    ("seed", 3, lambda m, v: as_generator(v).random()),
    ("n_basis", 6, lambda m, v: float(evppi(U, DRAWS["p"], n_basis=v))),
]
REAL = [
    ("patients_per_year", 100, lambda m, v: PopulationScale(v, 5, 0.05).discounted_patients()),
    ("cost_per_patient", 1, lambda m, v: enbs(CURVE, population=SCALE, cost_per_patient=v).to_df()["enbs"].tolist()),
    ("per_patient", 2, lambda m, v: population_value(v, SCALE)),
    ("sd", 2, lambda m, v: LogNormalEstimate("t", 10, sd=v)),
    ("follow_up", 12, lambda m, v: ExponentialMedian("m", 10, follow_up=v)),
    ("control_risk", 0.25, lambda m, v: TwoArmRatio("or", 10, v)),
    ("or_pes_y90", 2, lambda m, v: m.with_priors({"or_pes_y90": v}, note="fixed").priors["or_pes_y90"].params),
    ("mass", 0.5, lambda m, v: m.with_priors({"pes_embolic": {"interval": [0.25, 0.75], "mass": v}},
                                             note="wider").priors["pes_embolic"].params),
    ("estimate", 2, lambda m, v: StudyRow(1, "hr", "Doe 2024", estimate=v, lower=1.0, upper=10.0)),
    ("tau_scale", 0.5, lambda m, v: update("beta", {"a": 2, "b": 3}, "probability", ROWS, method="random",
                                           tau_scale=v).params),
    ("params", 2, lambda m, v: update("beta", {"a": v, "b": 3}, "probability", ROWS).params),
]


def _integers(base):
    return [int(base), np.int64(base), np.int32(base)]


def _reals(base):
    return ([*_integers(base)] if float(base).is_integer() else []) + [
        float(base), np.float64(base), np.float32(base), Fraction(base)]


def _refused(name, call, model, value):
    with pytest.raises(ValueError) as err:
        call(model, value)
    message = str(err.value)
    named = re.search(rf"(^|[ ,']){re.escape(name)}[:,' ]", message)  # 'n: ...', "parameter 'or_pes_y90'", ...
    huge = len(repr(value)) > 100  # a message may repeat a value of 400 digits, on one line
    assert named and "\n" not in message and (huge or len(message) < 400), message


@pytest.mark.parametrize(("name", "base", "call"), INTEGER, ids=[c[0] for c in INTEGER])
def test_integer_arguments_take_every_integer_and_nothing_else(model, name, base, call):
    expected = call(model, base)
    for value in _integers(base):
        assert call(model, value) == expected, type(value)
    for value in (True, np.True_, float(base), np.float64(base), Decimal(base), str(base)):
        _refused(name, call, model, value)
    if name not in ("seed", "refs", "studies", "n_basis"):  # these take any size of integer
        _refused(name, call, model, 10**400)


@pytest.mark.parametrize(("name", "base", "call"), REAL, ids=[c[0] for c in REAL])
def test_real_arguments_take_every_real_number_and_nothing_else(model, name, base, call):
    expected = call(model, base)
    for value in _reals(base):
        assert call(model, value) == expected, type(value)
    for value in (True, np.True_, Decimal(base), str(base), math.nan, math.inf, 10**400, Fraction(10**400)):
        _refused(name, call, model, value)


@pytest.fixture(scope="module")
def small_psa(model, cases):
    return model.psa(cases["case3_y90"], 400, seed=0)


def test_psa_options_take_numpy_kinds(small_psa):
    ranking = small_psa.evppi_ranking(se=2)
    for se in (np.int64(2), np.int32(2)):
        pd.testing.assert_frame_equal(small_psa.evppi_ranking(se=se), ranking)
    pd.testing.assert_frame_equal(small_psa.evppi_ranking(se=np.False_), small_psa.evppi_ranking(se=False))
    assert small_psa.evppi_ranking(se=np.True_)["se"].notna().all()
    for se in (2.0, Decimal(2), "2", -1):
        with pytest.raises(ValueError, match="^se:"):
            small_psa.evppi_ranking(se=se)
    curve = small_psa.acceptability([2])
    for lam in (np.int64(2), np.float32(2), Fraction(2)):
        pd.testing.assert_frame_equal(small_psa.acceptability([lam]), curve)


def test_the_harm_multiplier_has_the_preference_multipliers_range(small_psa):
    assert len(small_psa.acceptability([MAX_MULTIPLIER])) == 4
    for lam in (MAX_MULTIPLIER * 1.001, 1e308, np.True_):
        with pytest.raises(ValueError, match=f"^multipliers: .*allowed: .* 0-{MAX_MULTIPLIER:g}"):
            small_psa.acceptability([lam])


def test_values_whose_results_overflow_are_refused():
    with pytest.raises(ValueError, match="^patients_per_year, horizon_years: 1e\\+308 a year for 10 years .* finite"):
        PopulationScale(1e308, 10, 0.05)
    assert math.isfinite(PopulationScale(1e300, 10, 0.05).discounted_patients())
    with pytest.raises(ValueError, match="^cost_per_patient, fixed_cost, arms: 1e\\+308, 0.0, 1 .* finite"):
        enbs(CURVE, population=SCALE, cost_per_patient=1e308)
    too_wide = rf"^tau_scale: 1e\+308 is out of range; allowed: a number in \(0, {MAX_TAU_SCALE:g}\]"
    with pytest.raises(ValueError, match=too_wide):
        update("beta", {"a": 2, "b": 3}, "probability", ROWS, method="random", tau_scale=1e308)
    widest = update("beta", {"a": 2, "b": 3}, "probability", ROWS, method="random", tau_scale=MAX_TAU_SCALE)
    assert all(math.isfinite(v) and v > 0 for v in widest.params.values())


def test_huge_integers_elsewhere_are_refused_with_a_short_message():
    from netlrt.checks import positive_int, short_repr
    from netlrt.evidence import fitting
    from netlrt.evidence.patient import Patient

    with pytest.raises(ValueError, match="^preference: multiplier for 'survival' is an integer of 401 digits"):
        Patient(preference={"survival": 10**400})
    with pytest.raises(ValueError, match="^interval: low 0.1 must be below high an integer of 401 digits"):
        fitting.fit("beta", 0.1, 10**400)
    design = lambda n: StudyDesign(BinomialOutcome("p", n))  # noqa: E731
    with pytest.raises(ValueError, match=r"^sizes: 1152921504606846976 .*allowed: integers from 1 to 2\*\*53"):
        evsi_curve(U, DRAWS, design, [5, 2**60])
    assert short_repr(np.int64(10**11)) == repr(np.int64(10**11)) and short_repr(10**21) == "an integer of 22 digits"
    assert len(short_repr(Fraction(10**400, 3))) < 60
    # beyond the 4300 digits Python writes as text, the size is estimated, not a ValueError of its own
    assert short_repr(-(10**5000)) == "an integer of about 5001 digits"
    assert short_repr(10**20 - 1) == "99999999999999999999"
    with pytest.raises(ValueError, match="^draws: expected a positive integer, got an integer of 401 digits$"):
        positive_int("draws", -(10**400))
    # what the checks accept, the fit computes with: a Fraction or a NumPy scalar is the float it stands for
    assert fitting.fit("lognormal", Fraction(1), np.float32(2), mass=Fraction(9, 10)) == fitting.fit("lognormal", 1.0,
                                                                                                    2.0, mass=0.9)


def test_tau_scale_is_checked_with_either_method():
    with pytest.raises(ValueError, match="^tau_scale: 'junk'"):
        update("beta", {"a": 2, "b": 3}, "probability", ROWS, method="fixed", tau_scale="junk")


def test_one_value_of_information_must_be_a_finite_number_at_least_zero():
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="^per_patient: .*allowed: a number >= 0"):
            population_value(bad, SCALE)
    # A table may mark a missing value (e.g. an SE not computed) with NaN: it stays NaN.
    out = population_value(pd.Series([0.5, math.nan]), SCALE)
    assert out.iloc[0] == 250.0 and math.isnan(out.iloc[1])


@pytest.mark.parametrize(("events", "shown"), [(1e308, "1e+308"), (2**60, str(2**60)),
                                               (10**400, "an integer of 401 digits")],
                         ids=["float", "2**60", "10**400"])
def test_a_count_too_large_to_be_exact_is_refused_in_a_short_message(events, shown):
    with pytest.raises(ValueError, match=rf"^events: {re.escape(shown)} .*allowed: a whole number up to 2\*\*53$"):
        parse_studies([{"parameter": "p", "citation": "Doe", "events": events, "patients": 10**401}],
                      {"p": "probability"})
    with pytest.raises(ValueError, match=r"^events: .*allowed: a whole number up to 2\*\*53$"):
        StudyRow(1, "p", "Doe", events=2**60, patients=2**61)


def test_sizes_may_be_a_numpy_array():
    design = lambda n: StudyDesign(BinomialOutcome("p", n))  # noqa: E731
    assert evsi_curve(U, DRAWS, design, np.array([5, 20])) == evsi_curve(U, DRAWS, design, [5, 20])


def test_sizes_that_would_exhaust_memory_are_refused_by_name():
    import netlrt

    model = netlrt.load_model()
    case = netlrt.cases.article_cases()["case3_y90"]
    for call, name in ((lambda: model.one_way(case, n_grid=10**6), "n_grid"),
                       (lambda: model.threshold(case, "or_pes_y90", n_grid=10**7), "n_grid"),
                       (lambda: model.two_way(case, "or_pes_y90", "hr_modality_y90", n_grid=10**4), "n_grid"),
                       (lambda: model.sobol(case, n_draws=2**40), "n_draws")):
        with pytest.raises(ValueError, match=rf"^{name}: expected an integer >= \d+ and <= [\d,]+, got"):
            call()
