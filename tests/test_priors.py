"""Priors: provenance against the article, fitted distributions, and the loader's errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import netlrt
from netlrt import priors as P
from netlrt.cases import CASES
from netlrt.structure import EDGES

SHIPPED = P.load_priors()


def _numbers(text: str) -> set[float]:
    return {float(x.replace(",", "")) for x in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}


# --------------------------------------------------------------------------------- provenance


@pytest.mark.parametrize("pid", [p.id for p in SHIPPED.values() if p.quote])
def test_quote_is_verbatim_in_article(pid, article_text):
    quote = SHIPPED[pid].quote
    assert quote in article_text, f"{pid}: quote not found verbatim in the article: {quote!r}"


@pytest.mark.parametrize("edge", [e for e, (src, _) in EDGES.items() if src == "article"], ids=str)
def test_edge_quote_is_verbatim_in_article(edge, article_text):
    assert " ".join(EDGES[edge][1].split()) in article_text


@pytest.mark.parametrize(
    "case_field",
    [(c.id, f) for c in CASES for f, (_, s) in c.fields.items() if not s.startswith(("not ", "no "))],
    ids=str,
)
def test_case_source_sentence_is_verbatim_in_article(case_field, article_text):
    case = next(c for c in CASES if c.id == case_field[0])
    sentence = case.fields[case_field[1]][1]
    assert " ".join(sentence.split()) in article_text


@pytest.mark.parametrize("pid", [p.id for p in SHIPPED.values() if p.source == "article"])
def test_article_range_matches_numbers_in_quote(pid):
    p = SHIPPED[pid]
    assert p.quoted_values, f"{pid}: an article parameter names the numbers it takes from its quote"
    in_quote = _numbers(p.quote)
    for v in p.quoted_values:
        assert v in in_quote, f"{pid}: {v} is not a number of the quote"
    ends = [p.params["value"]] if p.is_fixed else list(p.interval)
    for v in p.quoted_values:
        assert any(np.isclose(v / p.quote_scale, e) for e in ends), f"{pid}: {v} is not an end of the range {ends}"


def test_every_assumption_says_why():
    for p in SHIPPED.values():
        if p.source == "assumption":
            assert len(p.reasoning.split()) >= 8, f"{p.id}: reasoning too thin: {p.reasoning!r}"
    for name, prof in SHIPPED.utilities.items():
        assert prof["reasoning"], name


def test_article_facts_are_encoded():
    """The article's decision-relevant numbers each have a parameter."""
    expected = {
        "response_y90": (0.50, 0.60),
        "median_os_tae_years": (3, 6),
        "median_os_tace_years": (3, 6),
        "median_os_y90_years": (2, 6.5),
        "abscess_bilioenteric": (0.33, 0.86),
    }
    for pid, interval in expected.items():
        assert SHIPPED[pid].source == "article"
        assert_allclose(SHIPPED[pid].interval, interval)
    assert SHIPPED["symptom_control_tae"].interval[1] == pytest.approx(0.90)
    assert SHIPPED["ecog_max"].mean == 2
    assert SHIPPED["bilirubin_max_mg_dl"].mean == 3.0


# ------------------------------------------------------------------------------------ fitting


@pytest.mark.parametrize("pid", SHIPPED.uncertain)
def test_fitted_distribution_reproduces_interval(pid):
    p = SHIPPED[pid]
    tail = (1 - p.mass) / 2
    assert_allclose(p.ppf([tail, 1 - tail]), p.interval, rtol=0.01)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 0.8), st.floats(0.05, 0.9))
def test_beta_fit_recovers_any_interval(low, width):
    high = low + width * (0.99 - low)
    fitted = P.fit("beta", low, high)
    from scipy import stats

    assert_allclose(stats.beta(fitted["a"], fitted["b"]).ppf([0.025, 0.975]), [low, high], rtol=0.01)


def test_lognormal_fit_with_shift_stays_above_shift():
    fitted = P.fit("lognormal", 1.5, 8.0, loc=1.0)
    prior = P.Prior("x", "x", "odds ratio", "lognormal", fitted, "assumption", (1.5, 8.0), reading="r", reasoning="r")
    assert_allclose([prior.low, prior.high], [1.5, 8.0], rtol=1e-9)
    assert prior.ppf(1e-12) > 1.0


def test_fit_rejects_bad_intervals():
    with pytest.raises(ValueError, match="low 0.6 must be below high 0.5"):
        P.fit("beta", 0.6, 0.5)
    with pytest.raises(ValueError, match="inside \\(0, 1\\)"):
        P.fit("beta", 0.5, 1.5)
    with pytest.raises(ValueError, match="cannot fit 'gamma'"):
        P.fit("gamma", 1, 2)


def test_sampling_is_seeded_and_within_support():
    a = SHIPPED.sample(500, seed=0)
    b = SHIPPED.sample(500, seed=0)
    c = SHIPPED.sample(500, seed=1)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["response_y90"], c["response_y90"])
    for k, p in SHIPPED.items():
        if p.unit == "probability":
            assert ((a[k] >= 0) & (a[k] <= 1)).all(), k
    assert (a["or_biliary_dee_vs_ctace"] > 1).all() and (a["or_pes_y90"] < 1).all()


def test_to_df_has_contract_columns():
    df = SHIPPED.to_df()
    for col in ("id", "distribution", "mean", "low", "high", "source", "quote", "refs"):
        assert col in df.columns
    assert len(df) == len(SHIPPED) and df["id"].is_unique


def test_shipped_priors_are_found_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert len(netlrt.load_model().priors) == len(SHIPPED)
    assert (P.default_priors_path() / "efficacy.yaml").is_file()


# ------------------------------------------------------------------------------ loader errors


@pytest.fixture
def priors_copy(tmp_path) -> Path:
    dst = tmp_path / "priors"
    shutil.copytree(P.default_priors_path(), dst)
    return dst


def _edit(folder: Path, fname: str, pid: str, change) -> None:
    f = folder / fname
    doc = yaml.safe_load(f.read_text())
    entry = next(e for e in doc["parameters"] if e["id"] == pid)
    change(entry, doc)
    f.write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.mark.parametrize(
    "fname, pid, change, message",
    [
        ("efficacy.yaml", "response_y90", lambda e, d: e.pop("distribution"), "missing field 'distribution'"),
        ("efficacy.yaml", "response_y90", lambda e, d: e.update(interval=[0.6, 0.5]), "interval low 0.6 > high 0.5"),
        ("efficacy.yaml", "response_y90", lambda e, d: e.update(interval=[0.5, 1.2]), "outside \\[0, 1\\]"),
        ("efficacy.yaml", "response_y90", lambda e, d: e.update(distribution="weibull"), "unknown distribution 'weibull'"),
        ("efficacy.yaml", "response_tae", lambda e, d: e.update(id="response_y90"), "duplicate id"),
        ("efficacy.yaml", "response_y90", lambda e, d: e.pop("quote"), "source is 'article' but the quote is missing"),
        ("efficacy.yaml", "response_tae", lambda e, d: e.pop("reasoning"), "'reasoning' is missing"),
        ("efficacy.yaml", "response_y90", lambda e, d: e.update(interval=[0.4, 0.6]), "more than 1% off"),
        ("efficacy.yaml", "response_y90", lambda e, d: e.update(source="blog"), "source 'blog' not allowed"),
        ("efficacy.yaml", "response_y90", lambda e, d: e.update(params={"a": -1, "b": 2}), "must be positive"),
        ("procedures.yaml", "extra_procedure_y90", lambda e, d: e.update(params={"value": 1.5}),
         "probability 1.5 outside \\[0, 1\\]"),
    ],
    ids=["missing-field", "low>high", "prob>1", "unknown-dist", "duplicate", "no-quote", "no-reasoning",
         "stale-params", "bad-source", "bad-beta", "fixed-prob"],
)
def test_loader_names_file_parameter_and_reason(priors_copy, fname, pid, change, message):
    _edit(priors_copy, fname, pid, change)
    with pytest.raises(ValueError, match=message) as info:
        P.load_priors(priors_copy)
    assert fname in str(info.value)


def test_loader_rejects_bad_yaml_and_empty_folders(priors_copy, tmp_path):
    (priors_copy / "efficacy.yaml").write_text("parameters: [unclosed")
    with pytest.raises(ValueError, match="efficacy.yaml: not valid YAML"):
        P.load_priors(priors_copy)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no \\*.yaml files"):
        P.load_priors(empty)
    with pytest.raises(ValueError, match="is not a folder"):
        P.load_priors(tmp_path / "nope")


def test_loader_rejects_unknown_outcome_in_utilities(priors_copy):
    f = priors_copy / "utilities.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["profiles"]["none"]["weights"]["happiness"] = 1.0
    f.write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError, match="utilities.yaml: profile 'none': unknown outcome 'happiness'"):
        P.load_priors(priors_copy)


def test_refit_repairs_an_edited_interval(priors_copy):
    _edit(priors_copy, "efficacy.yaml", "response_y90", lambda e, d: e.update(interval=[0.4, 0.7]))
    with pytest.raises(ValueError, match="more than 1% off"):
        P.load_priors(priors_copy)
    assert "response_y90" in P.refit_folder(priors_copy)
    refitted = P.load_priors(priors_copy)["response_y90"]
    assert_allclose([refitted.low, refitted.high], [0.4, 0.7], rtol=1e-6)
    assert refitted.quote == SHIPPED["response_y90"].quote  # provenance survives the rewrite
