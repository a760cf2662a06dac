"""Evidence updating: closed forms, refusals, CSV parsing, the random-effects predictive and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from netlrt.evidence.study_table import Z95, StudyRow, parse_studies, read_studies_csv
from netlrt.evidence.updating import DEFAULT_TAU_SCALE, _normal_update, _random_effects, update, update_all

ROLES = {"response": "probability", "hr_os": "ratio", "median_os": "time", "abscess": "probability"}


def counts(pid: str, e: int, n: int, citation: str = "Doe 2024") -> dict:
    return {"parameter": pid, "citation": citation, "events": e, "patients": n}


def interval(pid: str, est: float, lo: float, hi: float, citation: str = "Roe 2023") -> dict:
    return {"parameter": pid, "citation": citation, "estimate": est, "lower": lo, "upper": hi}


def log_row(pid: str, y: float, se: float, citation: str = "Roe 2023") -> dict:
    """A row whose log estimate is y and whose 95% interval gives standard error se."""
    return interval(pid, math.exp(y), math.exp(y - Z95 * se), math.exp(y + Z95 * se), citation)


# ---------------------------------------------------------------- closed forms (fixed / common effect)

def test_beta_binomial_single_study():
    rows = parse_studies([counts("response", 7, 10)], ROLES)
    res = update("beta", {"a": 2, "b": 3}, "probability", rows)
    assert res.params == {"a": 9.0, "b": 6.0}
    assert res.prior_params == {"a": 2.0, "b": 3.0}
    assert res.mean == pytest.approx(9 / 15)
    assert res.interval == pytest.approx(tuple(stats.beta(9, 6).ppf([0.025, 0.975])))
    assert res.method == "fixed" and res.tau_mean is None and res.rows == rows


def test_beta_binomial_sums_over_studies():
    rows = parse_studies([counts("response", 3, 4), counts("response", 5, 10, "Lee 2022"),
                          counts("response", 0, 6, "Kim 2021")], ROLES)
    assert update("beta", {"a": 1, "b": 1}, "probability", rows).params == {"a": 9.0, "b": 13.0}


def test_normal_normal_on_log_scale_by_hand():
    # Prior log HR ~ N(0, 1); one study HR 2.0 with se 0.5 on the log scale:
    # precision 1 + 4 = 5, sigma = sqrt(0.2) = 0.4472136, mu = 4 ln 2 / 5 = 0.5545177.
    rows = parse_studies([log_row("hr_os", math.log(2.0), 0.5)], ROLES)
    res = update("lognormal", {"mu": 0.0, "sigma": 1.0}, "ratio", rows)
    assert res.params["mu"] == pytest.approx(0.5545177, abs=1e-7)
    assert res.params["sigma"] == pytest.approx(0.4472136, abs=1e-7)
    assert res.interval == pytest.approx((math.exp(0.5545177 - 1.959964 * 0.4472136),
                                          math.exp(0.5545177 + 1.959964 * 0.4472136)), rel=1e-6)
    assert res.mean == pytest.approx(math.exp(0.5545177 + 0.2 / 2), rel=1e-6)


def test_normal_normal_two_studies_by_hand():
    # Prior median 4 y (mu = ln 4, sigma 0.5, precision 4); studies ln 3 (se 0.25, precision 16) and ln 5 (se 1).
    # precision 21; mu = (4 x 1.3862944 + 16 x 1.0986123 + 1.6094379) / 21 = 24.732412 / 21 = 1.1777339.
    rows = parse_studies([log_row("median_os", math.log(3), 0.25), log_row("median_os", math.log(5), 1.0)], ROLES)
    res = update("lognormal", {"mu": math.log(4), "sigma": 0.5}, "time", rows)
    assert res.params["mu"] == pytest.approx(1.1777339, abs=1e-7)
    assert res.params["sigma"] == pytest.approx(1 / math.sqrt(21), rel=1e-12)


def test_standard_error_from_the_95_interval():
    row = parse_studies([interval("hr_os", 0.8, 0.5, 1.2)], ROLES)[0]
    y, var = row.transformed()
    assert y == pytest.approx(math.log(0.8))
    assert math.sqrt(var) == pytest.approx((math.log(1.2) - math.log(0.5)) / (2 * 1.959964), rel=1e-6)


def test_continuity_corrected_logit():
    y, var = parse_studies([counts("response", 7, 10)], ROLES)[0].transformed()
    assert y == pytest.approx(math.log(7.5 / 3.5))  # logit((7 + 0.5) / 11)
    assert var == pytest.approx(1 / 7.5 + 1 / 3.5)
    y0, _ = parse_studies([counts("response", 0, 10)], ROLES)[0].transformed()
    assert y0 == pytest.approx(math.log(0.5 / 10.5))


def test_normal_update_helper():
    assert _normal_update(0.0, 1.0, np.array([1.0]), np.array([1.0])) == pytest.approx((0.5, math.sqrt(0.5)))


# ---------------------------------------------------------------- refusals with row and parameter named

@pytest.mark.parametrize(("record", "words"), [
    (counts("respons", 1, 2), ["parameter", "'respons'", "row 2", "unknown", "did you mean 'response'"]),
    (counts("hr_os", 1, 2), ["row 2", "'hr_os'", "estimate, lower and upper"]),
    (interval("response", 0.5, 0.4, 0.6), ["row 2", "'response'", "events and patients"]),
    (counts("response", 12, 10), ["events: 12", "row 2", "'response'", "0 <= events <= patients"]),
    (counts("response", -1, 10), ["events: -1", "row 2", "'response'"]),
    (counts("response", 7.5, 10), ["events: 7.5", "row 2", "'response'", "whole number"]),
    (counts("response", 0, 0), ["patients: 0", "row 2", ">= 1"]),
    (counts("response", True, 10), ["events: True", "row 2", "a number"]),
    (counts("response", "12", 20), ["events: '12'", "a string", "row 2", "read_studies_csv"]),
    (counts("response", 3, math.inf), ["patients: inf", "row 2", "a whole number up to 2**53"]),
    (counts("response", math.nan, 10), ["events: missing", "row 2", "'response'"]),
    (interval("hr_os", 2.0, 3.0, 1.0), ["lower: 3.0 >= upper 1.0", "row 2", "'hr_os'"]),
    (interval("hr_os", 1.0, 1.0, 1.0), ["lower: 1.0 >= upper 1.0", "row 2"]),
    (interval("hr_os", 5.0, 1.0, 2.0), ["estimate: 5.0 outside [1.0, 2.0]", "row 2", "'hr_os'"]),
    (interval("hr_os", 0.5, 0.0, 1.0), ["lower: 0.0", "row 2", "> 0"]),
    (interval("hr_os", -1.0, -2.0, 1.0), ["estimate: -1.0", "row 2", "> 0"]),
    (interval("median_os", math.inf, 1.0, 2.0), ["estimate: inf", "row 2", "finite"]),
    (interval("median_os", math.nan, 1.0, 2.0), ["estimate: missing", "row 2", "'median_os'"]),
    ({"parameter": "hr_os", "citation": "x", "estimate": 1.0, "lower": 0.5}, ["upper: missing", "row 2"]),
    ({**counts("response", 1, 2), "citation": None}, ["citation: None", "row 2", "'response'", "non-empty"]),
    ({**counts("response", 1, 2), "citation": "  "}, ["citation: '  '", "row 2", "non-empty"]),
    ({**counts("response", 1, 2), "citation": math.nan}, ["citation: None", "row 2"]),
    ({**counts("response", 1, 2), "estimate": 0.5}, ["row 2", "'response'", "both", "one kind"]),
    ({"parameter": "response", "citation": "x"}, ["row 2", "'response'", "no data"]),
    ({**counts("response", 1, 2), "population": 3}, ["population: 3", "row 2"]),
    ({**counts("response", 1, 2), "n": 5}, ["unknown column", "'n'", "allowed"]),
])
def test_refusals_name_row_parameter_and_what_is_allowed(record, words):
    with pytest.raises(ValueError) as err:
        parse_studies([counts("abscess", 1, 5), record], ROLES)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_refuses_missing_citation_column_and_non_tables():
    with pytest.raises(ValueError, match="column 'citation' missing"):
        parse_studies(pd.DataFrame({"parameter": ["response"], "events": [1], "patients": [2]}), ROLES)
    with pytest.raises(ValueError, match="table: got str.*read_studies_csv"):
        parse_studies("studies.csv", ROLES)
    with pytest.raises(ValueError, match="'x' in row 1 has role 'rate'.*allowed roles: probability, ratio, time"):
        parse_studies([counts("x", 1, 2)], {"x": "rate", **ROLES})
    assert parse_studies([counts("response", 1, 2)], {"x": "rate", **ROLES})[0].events == 1  # unused ids may be fixed


def test_mixed_dataframe_reads_integral_floats_and_nan_as_missing():
    df = pd.DataFrame([counts("response", 7, 10), interval("hr_os", 0.8, 0.5, 1.2)])
    assert df["events"].dtype == float  # what pandas does to integers next to a missing value
    rows = parse_studies(df, ROLES)
    assert (rows[0].events, rows[0].patients, rows[0].estimate) == (7, 10, None)
    assert type(rows[0].events) is int
    assert (rows[1].events, rows[1].estimate, rows[1].population) == (None, 0.8, None)
    assert parse_studies(df.assign(population=["bilobar", None]), ROLES)[0].population == "bilobar"
    nullable = df.astype({"events": "Int64", "patients": "Int64"})  # pd.NA rather than NaN
    assert parse_studies(nullable, ROLES) == rows


def test_study_row_validates_direct_construction():
    with pytest.raises(ValueError, match=r"events: 3 \(patients 2\) in row 4 \(parameter 'p'\)"):
        StudyRow(4, "p", "Doe", events=3, patients=2)


@pytest.mark.parametrize(("family", "params", "role", "words"), [
    ("fixed", {"value": 2}, "probability", ["'fixed'", "cannot be updated"]),
    ("lognormal", {"mu": 0.6, "sigma": 0.7, "loc": 1.0}, "ratio", ["loc=1.0", "shifted lognormal", "loc absent or 0"]),
    ("beta", {"a": 1, "b": 1}, "ratio", ["'beta'", "a ratio", "allowed: lognormal"]),
    ("beta", {"a": 0, "b": 1}, "probability", ["params", "a > 0"]),
    ("beta", {"a": 1, "b": 1, "c": 2}, "probability", ["params", "beta {a, b}"]),
    ("lognormal", {"mu": 0, "sigma": -1}, "ratio", ["sigma > 0"]),
    ("lognormal", {"mu": 0, "sigma": 1}, "odds", ["role: 'odds'"]),
])
def test_update_refuses_priors_it_cannot_update(family, params, role, words):
    rows = parse_studies([interval("hr_os", 0.8, 0.5, 1.2)], ROLES)
    with pytest.raises(ValueError) as err:
        update(family, params, role, rows)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_update_refuses_rows_of_another_parameter_or_kind_and_bad_options():
    rows = parse_studies([counts("response", 1, 2), counts("abscess", 1, 2)], ROLES)
    with pytest.raises(ValueError, match="row 2: parameter 'abscess' differs from 'response'"):
        update("beta", {"a": 1, "b": 1}, "probability", rows)
    hr = parse_studies([interval("hr_os", 0.8, 0.5, 1.2)], ROLES)
    with pytest.raises(ValueError, match="row 1 .*'hr_os', a probability.*events and patients"):
        update("beta", {"a": 1, "b": 1}, "probability", hr)
    with pytest.raises(ValueError, match="method: 'bayes'; allowed: fixed, random"):
        update("lognormal", {"mu": 0, "sigma": 1}, "ratio", hr, method="bayes")
    with pytest.raises(ValueError, match="tau_scale: 0"):
        update("lognormal", {"mu": 0, "sigma": 1}, "ratio", hr, method="random", tau_scale=0)
    with pytest.raises(ValueError, match="rows: need at least one StudyRow"):
        update("lognormal", {"mu": 0, "sigma": 1}, "ratio", [])


# ---------------------------------------------------------------- CSV

def write(tmp_path, text: str):
    path = tmp_path / "studies.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_good_file_matches_the_table_route(tmp_path):
    path = write(tmp_path, "parameter,citation,population,events,patients,estimate,lower,upper\n"
                           "response,Doe 2024,bilobar multifocal,7,10,,,\n"
                           'hr_os,"Roe, 2023",,,,0.8,0.5,1.2\n'
                           "\n")
    rows = read_studies_csv(path, ROLES)
    assert rows == parse_studies([{**counts("response", 7, 10), "population": "bilobar multifocal"},
                                  interval("hr_os", 0.8, 0.5, 1.2, "Roe, 2023")], ROLES)
    assert type(rows[0].events) is int


def test_a_repeated_result_is_refused_not_counted_twice(tmp_path):
    with pytest.raises(ValueError, match=r"^row 3 repeats row 1 \(parameter 'response', citation 'Doe 2024'\).*twice"):
        parse_studies([counts("response", 3, 60), counts("response", 3, 60, "Lee 2020"), counts("response", 3, 60)],
                      ROLES)
    # the same citation with other data (another arm or cohort) is a result of its own
    assert len(parse_studies([counts("response", 3, 60), counts("response", 5, 60)], ROLES)) == 2
    path = write(tmp_path, "parameter,citation,events,patients\nresponse,Doe 2024,3,60\nresponse,Doe 2024 ,3,60\n")
    with pytest.raises(ValueError, match=r"studies.csv': row 2 repeats row 1"):
        read_studies_csv(path, ROLES)
    with pytest.raises(ValueError, match=r"studies.csv': no study results under the header"):
        read_studies_csv(write(tmp_path, "parameter,citation,events,patients\n\n"), ROLES)


def test_csv_trailing_comma_is_an_error_not_a_shift(tmp_path):
    path = write(tmp_path, "parameter,citation,events,patients\nresponse,Doe,7,10\nresponse,Lee,3,9,\n")
    with pytest.raises(ValueError, match=r"studies.csv', line 3: 5 cells for 4 columns in row 2.*trailing"):
        read_studies_csv(path, ROLES)


@pytest.mark.parametrize(("cells", "words"), [
    ("response,Doe,twelve,20", ["line 2: ", "events: 'twelve' in row 1 (parameter 'response') is not a number"]),
    ("response,Doe,7.5,20", ["line 2: ", "events: 7.5", "'response'", "whole number"]),
    ("response,Doe,nan,20", ["line 2: ", "events: 'nan' in row 1 (parameter 'response') is not finite"]),
    ("response,Doe,12,10", ["line 2: ", "events: 12 (patients 10)", "'response'"]),
    ("respons,Doe,1,10", ["line 2: ", "'respons'", "unknown"]),
    ("response,,1,10", ["line 2: ", "citation: None", "non-empty"]),
])
def test_csv_bad_cells_name_file_row_and_field(tmp_path, cells, words):
    path = write(tmp_path, f"parameter,citation,events,patients\n{cells}\n")
    with pytest.raises(ValueError) as err:
        read_studies_csv(path, ROLES)
    assert "studies.csv" in str(err.value)
    assert "row 1" in str(err.value)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_csv_trailing_comma_in_the_header(tmp_path):
    path = write(tmp_path, "parameter,citation,events,patients,\nresponse,Doe,7,10,\n")
    with pytest.raises(ValueError, match=r"studies.csv': unknown column\(s\) \[''\] \(an empty name: .*trailing comma"):
        read_studies_csv(path, ROLES)


def test_csv_missing_citation_column_empty_and_absent_files(tmp_path):
    with pytest.raises(ValueError, match="studies.csv'.*column 'citation' missing"):
        read_studies_csv(write(tmp_path, "parameter,events,patients\nresponse,1,2\n"), ROLES)
    with pytest.raises(ValueError, match="studies.csv'.*empty"):
        read_studies_csv(write(tmp_path, ""), ROLES)
    with pytest.raises(ValueError, match="nope.csv'.*cannot be read"):
        read_studies_csv(tmp_path / "nope.csv", ROLES)


# ---------------------------------------------------------------- random effects

def logit_prior(a: float, b: float) -> tuple[float, float]:
    return float(special.digamma(a) - special.digamma(b)), math.sqrt(special.polygamma(1, a) + special.polygamma(1, b))


def test_random_tends_to_fixed_as_tau_scale_goes_to_zero_log_scale():
    rows = parse_studies([log_row("hr_os", -0.3, 0.2), log_row("hr_os", 0.2, 0.3)], ROLES)
    fixed = update("lognormal", {"mu": 0, "sigma": 1}, "ratio", rows)
    random = update("lognormal", {"mu": 0, "sigma": 1}, "ratio", rows, method="random", tau_scale=1e-7)
    assert random.params["mu"] == pytest.approx(fixed.params["mu"], rel=1e-6)
    assert random.params["sigma"] == pytest.approx(fixed.params["sigma"], rel=1e-6)
    assert random.tau_scale == 1e-7 and random.tau_mean < 1e-7


def test_random_tends_to_fixed_on_the_logit_scale_and_beta_matches_expit_moments():
    rows = parse_studies([counts("response", 7, 10), counts("response", 30, 40)], ROLES)
    y, var = (np.array(v) for v in zip(*(r.transformed() for r in rows)))
    m0, s0 = logit_prior(2, 3)
    fixed_mean, fixed_sd = _normal_update(m0, s0, y, var)
    mean, sd, _ = _random_effects(m0, s0, y, var, 1e-7)
    assert (mean, sd) == pytest.approx((fixed_mean, fixed_sd), rel=1e-6)
    # The Beta returned carries the mean and variance of expit(theta) for theta ~ N(fixed_mean, fixed_sd^2).
    res = update("beta", {"a": 2, "b": 3}, "probability", rows, method="random", tau_scale=1e-7)
    density = stats.norm(fixed_mean, fixed_sd).pdf
    m1 = integrate.quad(lambda t: special.expit(t) * density(t), -20, 20)[0]
    m2 = integrate.quad(lambda t: special.expit(t) ** 2 * density(t), -20, 20)[0]
    beta = stats.beta(res.params["a"], res.params["b"])
    assert beta.mean() == pytest.approx(m1, rel=1e-7)
    assert beta.var() == pytest.approx(m2 - m1**2, rel=1e-6)


def brute_force(y, var, m0, s0, tau_scale, n=801, tau_max=None):
    """Joint posterior of (mu, tau) on a 2-D grid; returns grids and normalised weights."""
    mu = np.linspace(m0 - 8 * s0, m0 + 8 * s0, n)
    tau = np.linspace(0, 8 * tau_scale if tau_max is None else tau_max, n)
    M, T = np.meshgrid(mu, tau, indexing="ij")
    logp = stats.norm.logpdf(M, m0, s0) - 0.5 * (T / tau_scale) ** 2
    for yi, vi in zip(y, var):
        logp = logp + stats.norm.logpdf(yi, M, np.sqrt(vi + T**2))
    p = np.exp(logp - logp.max())
    p[:, [0, -1]] *= 0.5  # trapezoid rule in tau: the density is not zero at tau = 0
    return M, T, p / p.sum()


def test_random_agrees_with_brute_force_grid_lognormal():
    rows = parse_studies([log_row("median_os", math.log(2.5), 0.2), log_row("median_os", math.log(5.0), 0.25),
                          log_row("median_os", math.log(3.5), 0.4)], ROLES)
    res = update("lognormal", {"mu": math.log(4), "sigma": 0.35}, "time", rows, method="random", tau_scale=0.5)
    y, var = zip(*(r.transformed() for r in rows))
    M, T, p = brute_force(y, var, math.log(4), 0.35, 0.5)
    mean = np.sum(p * M)
    sd = math.sqrt(np.sum(p * (M**2 + T**2)) - mean**2)  # theta_new ~ N(mu, tau^2)
    # Both are smooth integrals, so the trapezoid rules agree far below the grid spacing.
    assert res.params["mu"] == pytest.approx(mean, abs=1e-8)
    assert res.params["sigma"] == pytest.approx(sd, rel=1e-6)
    assert res.tau_mean == pytest.approx(np.sum(p * T), rel=1e-4)  # the tau = 0 edge costs O(h^2) here


def test_random_agrees_with_brute_force_when_studies_push_tau_past_its_prior_scale():
    # Two precise studies far apart: about 13% of the posterior of tau lies beyond 8 x tau_scale = 0.4, which a
    # grid ending there would cut off.
    rows = parse_studies([log_row("hr_os", -2.0, 0.05), log_row("hr_os", 2.0, 0.05)], ROLES)
    res = update("lognormal", {"mu": 0.0, "sigma": 2.0}, "ratio", rows, method="random", tau_scale=0.05)
    y, var = zip(*(r.transformed() for r in rows))
    M, T, p = brute_force(y, var, 0.0, 2.0, 0.05, n=1201, tau_max=4.0)
    assert np.sum(p[T > 0.4]) > 0.1
    mean = np.sum(p * M)
    assert res.tau_mean == pytest.approx(np.sum(p * T), rel=1e-4)  # a grid ending at 0.4 is 2% off
    assert res.params["sigma"] == pytest.approx(math.sqrt(np.sum(p * (M**2 + T**2)) - mean**2), rel=1e-4)


def test_random_agrees_with_brute_force_grid_beta():
    rows = parse_studies([counts("response", 4, 20), counts("response", 15, 25)], ROLES)
    res = update("beta", {"a": 2, "b": 3}, "probability", rows, method="random", tau_scale=0.8)
    y, var = zip(*(r.transformed() for r in rows))
    m0, s0 = logit_prior(2, 3)
    M, T, p = brute_force(y, var, m0, s0, 0.8, n=401)
    nodes, w = np.polynomial.hermite_e.hermegauss(60)
    x = special.expit(M[..., None] + T[..., None] * nodes)
    e1, e2 = np.sum(p * (x @ w)) / w.sum(), np.sum(p * (x**2 @ w)) / w.sum()
    beta = stats.beta(res.params["a"], res.params["b"])
    assert beta.mean() == pytest.approx(e1, abs=1e-8)
    assert beta.var() == pytest.approx(e2 - e1**2, rel=1e-6)


def test_more_heterogeneous_studies_give_a_wider_predictive():
    prior = {"mu": 0.0, "sigma": 1.0}
    alike = parse_studies([log_row("hr_os", y, 0.15) for y in (0.0, 0.05, -0.05)], ROLES)
    spread = parse_studies([log_row("hr_os", y, 0.15) for y in (-0.6, 0.0, 0.6)], ROLES)
    a = update("lognormal", prior, "ratio", alike, method="random")
    b = update("lognormal", prior, "ratio", spread, method="random")
    assert b.params["sigma"] > 1.5 * a.params["sigma"]
    assert b.tau_mean > a.tau_mean
    assert a.params["mu"] == pytest.approx(b.params["mu"], abs=1e-9)  # symmetric spread, same centre


def test_random_predictive_is_wider_than_fixed_posterior_and_default_scale():
    rows = parse_studies([counts("response", e, 30) for e in (10, 14, 18, 22)], ROLES)
    fixed = update("beta", {"a": 2, "b": 2}, "probability", rows)
    random = update("beta", {"a": 2, "b": 2}, "probability", rows, method="random")
    assert random.tau_scale == DEFAULT_TAU_SCALE == 0.5
    width = lambda r: r.interval[1] - r.interval[0]  # noqa: E731
    assert width(random) > 1.5 * width(fixed)
    hr = parse_studies([log_row("hr_os", y, 0.2) for y in (-0.2, 0.1, 0.3)], ROLES)
    f = update("lognormal", {"mu": 0, "sigma": 1}, "ratio", hr)
    r = update("lognormal", {"mu": 0, "sigma": 1}, "ratio", hr, method="random")
    assert r.params["sigma"] > f.params["sigma"]


# ---------------------------------------------------------------- results and update_all

def test_to_df_prior_studies_posterior():
    rows = parse_studies([{**counts("response", 7, 10), "population": "Y90"}, counts("response", 3, 9, "Lee")],
                         ROLES)
    df = update("beta", {"a": 2, "b": 3}, "probability", rows).to_df()
    assert list(df.columns) == ["parameter", "kind", "label", "population", "estimate", "low", "high",
                                "events", "patients"]
    assert list(df["kind"]) == ["prior", "study", "study", "posterior"]
    assert list(df["label"]) == ["prior", "Doe 2024", "Lee", "posterior (fixed)"]
    assert df.loc[1, "estimate"] == pytest.approx(0.7) and df.loc[1, "population"] == "Y90"
    assert df.loc[1, "low"] == pytest.approx(stats.beta(7.5, 3.5).ppf(0.025))
    assert df.loc[3, "estimate"] == pytest.approx(12 / 24)  # Beta(12, 12)
    assert "<table" in update("beta", {"a": 2, "b": 3}, "probability", rows)._repr_html_()


def test_update_all_only_parameters_with_rows_in_prior_order():
    priors = {"response": ("beta", {"a": 2, "b": 3}, "probability"),
              "hr_os": ("lognormal", {"mu": 0.0, "sigma": 1.0}, "ratio"),
              "median_os": ("lognormal", {"mu": 1.4, "sigma": 0.2}, "time"),
              "ecog_max": ("fixed", {"value": 2}, "probability")}
    table = [log_row("hr_os", math.log(2.0), 0.5), counts("response", 7, 10)]
    out = update_all(priors, table)
    assert list(out) == ["response", "hr_os"]
    assert out["response"].params == {"a": 9.0, "b": 6.0}
    assert out["hr_os"].params["mu"] == pytest.approx(0.5545177, abs=1e-7)
    assert update_all(priors, parse_studies(table, ROLES), method="random")["response"].method == "random"
    with pytest.raises(ValueError, match="'ecog_max' cannot be updated"):
        update_all(priors, [counts("ecog_max", 1, 2)])
    with pytest.raises(ValueError, match="'abscess' in row 1 is unknown"):
        update_all(priors, parse_studies([counts("abscess", 1, 2)], ROLES))
    assert update_all(priors, []) == {}


# ---------------------------------------------------------------- invariants

count_rows = st.lists(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
                      min_size=1, max_size=5)
positive = st.floats(0.05, 200.0)


@settings(max_examples=60, deadline=None)
@given(a=positive, b=positive, data=count_rows)
def test_fixed_beta_posterior_mean_between_prior_and_pooled_proportion(a, b, data):
    rows = parse_studies([counts("response", e, n, f"Study {i}") for i, (e, n) in enumerate(data)], ROLES)
    res = update("beta", {"a": a, "b": b}, "probability", rows)
    assert all(math.isfinite(v) and v > 0 for v in res.params.values())
    prior_mean = a / (a + b)
    pooled = sum(e for e, _ in data) / sum(n for _, n in data)
    assert min(prior_mean, pooled) - 1e-12 <= res.mean <= max(prior_mean, pooled) + 1e-12


@settings(max_examples=30, deadline=None)
@given(a=positive, b=positive, data=count_rows, scale=st.floats(0.01, 2.0))
def test_random_beta_parameters_finite_and_positive(a, b, data, scale):
    rows = parse_studies([counts("response", e, n, f"Study {i}") for i, (e, n) in enumerate(data)], ROLES)
    res = update("beta", {"a": a, "b": b}, "probability", rows, method="random", tau_scale=scale)
    assert all(math.isfinite(v) and v > 0 for v in res.params.values())
    assert 0 <= res.interval[0] < res.interval[1] <= 1  # a 97.5% quantile can round to 1.0 in double precision
    assert 0 < res.mean < 1


log_rows = st.lists(st.tuples(st.floats(-3, 3), st.floats(0.02, 2.0)), min_size=1, max_size=5)


@settings(max_examples=40, deadline=None)
@given(mu=st.floats(-3, 3), sigma=st.floats(0.05, 3.0), data=log_rows, scale=st.floats(0.01, 2.0))
def test_lognormal_posteriors_finite_and_fixed_mean_within_the_evidence(mu, sigma, data, scale):
    rows = parse_studies([log_row("hr_os", y, se, f"Study {i}") for i, (y, se) in enumerate(data)], ROLES)
    fixed = update("lognormal", {"mu": mu, "sigma": sigma}, "ratio", rows)
    random = update("lognormal", {"mu": mu, "sigma": sigma}, "ratio", rows, method="random", tau_scale=scale)
    for res in (fixed, random):
        assert all(math.isfinite(v) for v in res.params.values()) and res.params["sigma"] > 0
    ys = [mu] + [r.transformed()[0] for r in rows]
    assert min(ys) - 1e-9 <= fixed.params["mu"] <= max(ys) + 1e-9
    assert fixed.params["sigma"] < sigma
    assert random.params["sigma"] >= fixed.params["sigma"] * (1 - 1e-9)


def test_options_that_would_be_ignored_or_read_as_truthy_are_refused():
    import netlrt

    model = netlrt.load_model()
    rows = [{"parameter": "overnight_y90", "citation": "Doe 2024", "events": 3, "patients": 60}]
    with pytest.raises(ValueError, match=r"^tau_scale: 5 given with method 'fixed'"):
        model.update(rows, method="fixed", tau_scale=5)
    for pid, role in (("ecog_max", "fixed"), ("utility_alive", "utility")):  # known, not unknown
        with pytest.raises(ValueError, match=rf"'{pid}' in row 1 has role '{role}', which study data cannot update"):
            model.update([{**rows[0], "parameter": pid}])
    case = netlrt.cases.article_cases()["case3_y90"]
    with pytest.raises(ValueError, match=r"^second_order: 'no'; allowed: True or False"):
        model.sobol(case, n_draws=8, second_order="no")
    with pytest.raises(ValueError, match=r"^skip_invalid: 'no'; allowed: True or False"):
        model.evaluate_cohort(pd.DataFrame({"patient_id": ["a"], "ecog": [9]}), skip_invalid="no")


# ---------------------------------------------------------------- prior-data conflict

def test_conflict_is_the_studys_distance_from_the_prior_predictive():
    # Prior log X ~ N(0, 0.4^2); a study of log estimate y with se s is z = y / sqrt(0.16 + s^2) SDs away.
    prior = {"mu": 0.0, "sigma": 0.4}
    near = parse_studies([log_row("median_os", 1.0, 0.3)], ROLES)  # z = 1 / 0.5 = 2
    far = parse_studies([log_row("median_os", 1.0, 0.3), log_row("median_os", 2.0, 0.3, "Months 2026")], ROLES)
    assert update("lognormal", prior, "time", near).conflicts == ()
    (line,) = update("lognormal", prior, "time", far).conflicts  # z = 4: the second row only
    assert line.startswith("median_os, row 2 (Months 2026): estimate 7.389 (95% interval 4.104 to 13.3) ")
    assert "lies +4.0 predictive SDs from the prior (two-sided p = 6e-05)" in line


def test_model_update_warns_of_a_conflict_and_keeps_quiet_otherwise():
    import warnings

    import netlrt

    model = netlrt.load_model()
    with pytest.warns(UserWarning, match=r"^prior-data conflict: median_os_years, row 1 \(Months 2026\)"):
        model.update([interval("median_os_years", 40, 30, 55, "Months 2026")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.update([interval("median_os_years", 3.5, 2.5, 4.9, "Years 2026")])


def test_conflict_of_counts_is_read_on_the_logit_scale():
    # Beta(20, 80): logit mean psi(20) - psi(80), variance psi'(20) + psi'(80); 45/50 events is far above it.
    rows = parse_studies([counts("response", 45, 50, "Percent 2026")], ROLES)
    (line,) = update("beta", {"a": 20, "b": 80}, "probability", rows, method="random").conflicts
    y, v = math.log(45.5 / 5.5), 1 / 45.5 + 1 / 5.5
    z = (y - special.digamma(20) + special.digamma(80)) / math.sqrt(special.polygamma(1, 20)
                                                                     + special.polygamma(1, 80) + v)
    assert f"45/50 events lies +{z:.1f} predictive SDs" in line
    assert update("beta", {"a": 20, "b": 80}, "probability", parse_studies([counts("response", 12, 50)],
                                                                            ROLES)).conflicts == ()
