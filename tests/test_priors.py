"""Priors: provenance against the article, the reading rules, fitting, and the loader's errors (by role too)."""

from __future__ import annotations

import math
import os
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
from netlrt.evidence import fitting
from netlrt.evidence.cases import CASES
from netlrt.evidence.roles import ROLES, study_mass
from netlrt.evidence.priors_files import default_priors_path, init_folder, load_priors, parse_yaml, refit_folder
from netlrt.network.declarations import NODES, QUOTES

SHIPPED = load_priors()


def _numbers(text: str) -> set[float]:
    return {float(x.replace(",", "")) for x in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}


# ------------------------------------------------------------------------------------ provenance


@pytest.mark.parametrize("pid", [p.id for p in SHIPPED.values() if p.quotes])
def test_every_quote_is_verbatim_in_article(pid, article_text):
    for quote in SHIPPED[pid].quotes:
        assert quote in article_text, f"{pid}: quote not found verbatim in the article: {quote!r}"


@pytest.mark.parametrize("key", sorted(QUOTES))
def test_declaration_quotes_are_verbatim(key, article_text):
    assert " ".join(QUOTES[key].split()) in article_text


def test_edge_and_population_quotes_are_verbatim(article_text):
    for node in NODES:
        for parent, why in node.why.items():
            for text in ([why.text] if why.source == "article" else []) + ([why.quote] if why.quote else []):
                assert " ".join(text.split()) in article_text, f"{parent} -> {node.name}"
    doc = yaml.safe_load((default_priors_path() / "population.yaml").read_text())
    for finding, entry in doc["population"].items():
        if "quote" in entry:
            assert " ".join(entry["quote"].split()) in article_text, finding


def test_the_reference_numbers_allowed_are_the_articles(article_text):
    from netlrt.evidence.priors import ARTICLE_REFERENCES

    listed = [int(n) for n in re.findall(r" - (\d+) (?=[A-Za-z]+ )", article_text)]  # "- 33 de Baere T, ..."
    assert listed == list(range(1, ARTICLE_REFERENCES + 1))
    assert all(1 <= r <= ARTICLE_REFERENCES for p in SHIPPED.values() for r in p.refs)


def test_case_sentences_are_verbatim(article_text):
    for case in CASES:
        for name, field in case.fields.items():
            assert " ".join(field.sentence.split()) in article_text, f"{case.id}.{name}"


@pytest.mark.parametrize("pid", [p.id for p in SHIPPED.values() if p.source == "article"])
def test_article_numbers_are_numbers_of_the_quote(pid):
    p = SHIPPED[pid]
    assert p.quoted_values, f"{pid}: an article parameter names the numbers it takes from its quote"
    in_quotes = set().union(*(_numbers(q) for q in p.quotes))
    for v in p.quoted_values:
        assert v in in_quotes, f"{pid}: {v} is not a number of its quotes"


def test_every_assumption_says_why():
    for p in SHIPPED.values():
        if p.source == "assumption" or p.rule in ("study_maximum", "case_report", "direction"):
            assert len(p.reasoning.split()) >= 8, f"{p.id}: reasoning too thin: {p.reasoning!r}"
        if not p.is_fixed:
            assert len(p.reading.split()) >= 3, p.id
    for name, note in SHIPPED.population_notes.items():
        assert len(note.split()) >= 8, name
    for name, prof in SHIPPED.profiles.items():
        assert prof["reasoning"], name


# -------------------------------------------------------------------------------- reading rules


@pytest.mark.parametrize("pid", [p.id for p in SHIPPED.values() if p.rule in ("study_range", "study_maximum")])
def test_study_rules_cover_k_minus_1_over_k_plus_1(pid):
    """A range of k study results is the spread of results: it covers (k-1)/(k+1) of the predictive distribution."""
    p = SHIPPED[pid]
    k = len(p.refs)
    assert p.mass == pytest.approx((k - 1) / (k + 1))
    tail = (1 - p.mass) / 2
    assert_allclose(p.ppf([tail, 1 - tail]), p.interval, rtol=0.01)
    ends = sorted(v / p.quote_scale for v in p.quoted_values)
    if p.rule == "study_range":
        assert_allclose(p.interval, ends)
    else:  # 'up to x': x is the largest of k results, the upper end
        assert p.interval[1] == pytest.approx(ends[-1])


@pytest.mark.parametrize("pid", [p.id for p in SHIPPED.values() if p.rule in ("direction", "inferred_direction")])
def test_direction_rules_put_one_end_at_no_effect(pid):
    """A stated direction leaves 2.5% of the prior on the other side; one inferred from the article's words, 10%."""
    from scipy.special import ndtr

    p = SHIPPED[pid]
    assert 1.0 in p.interval and p.quotes and p.reasoning
    below_one = float(ndtr(-p.params["mu"] / p.params["sigma"]))  # P(ratio < 1) of the log-normal
    other_side = below_one if p.interval[0] == 1.0 else 1.0 - below_one
    assert other_side == pytest.approx({"direction": 0.025, "inferred_direction": 0.1}[p.rule], rel=1e-6)


def test_exchangeable_effects_are_the_same_prior_for_every_modality():
    groups: dict[str, list] = {}
    for p in SHIPPED.values():
        if p.rule == "exchangeable":
            groups.setdefault(p.id.rsplit("_", 1)[0].removesuffix("_dee"), []).append(p)
            assert p.interval[0] * p.interval[1] == pytest.approx(1.0)
    assert groups, "the survival, response and symptom effects are exchangeable"
    for members in groups.values():
        assert len(members) == len(netlrt.MODALITIES)
        assert len({tuple(sorted(m.params.items())) for m in members}) == 1


def test_one_survival_baseline_informed_by_the_three_ranges():
    p = SHIPPED["median_os_years"]
    assert p.rule == "study_range" and len(p.quotes) == 3
    assert p.interval == (2.0, 6.5)
    assert len(set(p.refs)) == len(p.refs) == 17  # TAE's refs are among TACE's; Y90's are their own
    assert not any(k.startswith("median_os_") and k != "median_os_years" for k in SHIPPED)


def test_modality_survival_effects_are_narrower_than_prognostic_ones():
    width = {k: math.log(p.interval[1] / p.interval[0]) for k, p in SHIPPED.items() if k.startswith("hr_")}
    modality = max(w for k, w in width.items() if k.startswith("hr_modality"))
    assert all(w > modality for k, w in width.items() if not k.startswith("hr_modality"))


# ------------------------------------------------------------------------------------ fitting


@pytest.mark.parametrize("pid", SHIPPED.uncertain)
def test_fitted_distribution_reproduces_interval(pid):
    p = SHIPPED[pid]
    tail = (1 - p.mass) / 2
    assert_allclose(p.ppf([tail, 1 - tail]), p.interval, rtol=0.01)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 0.8), st.floats(0.05, 0.9), st.floats(0.3, 0.95))
def test_beta_fit_recovers_any_interval(low, width, mass):
    high = low + width * (0.99 - low)
    fitted = fitting.fit("beta", low, high, mass=mass)
    tail = (1 - mass) / 2
    assert_allclose(fitting.ppf("beta", fitted, [tail, 1 - tail]), [low, high], rtol=0.01)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.5, 200), st.floats(1.0, 300), st.floats(1e-6, 1 - 1e-6))
def test_fast_quantiles_match_exact(a, b, q):
    p = {"a": a, "b": b}
    assert fitting.fast_ppf("beta", p, np.array([q]))[0] == pytest.approx(float(fitting.ppf("beta", p, q)), rel=1e-7)


def test_fit_rejects_bad_intervals():
    with pytest.raises(ValueError, match="low 0.6 must be below high 0.5"):
        fitting.fit("beta", 0.6, 0.5)
    with pytest.raises(ValueError, match="inside \\(0, 1\\)"):
        fitting.fit("beta", 0.5, 1.5)
    with pytest.raises(ValueError, match="cannot fit 'gamma'"):
        fitting.fit("gamma", 1, 2)


def test_sampling_is_seeded_and_within_support():
    a, b, c = SHIPPED.sample(500, seed=0), SHIPPED.sample(500, seed=0), SHIPPED.sample(500, seed=1)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["response_base"], c["response_base"])
    for k, p in SHIPPED.items():
        role = next(r for r in ROLES.values() if r.unit == p.unit)
        assert all(role.contains(float(x)) for x in a[k]), k
    assert study_mass(2) == pytest.approx(1 / 3)


def test_to_df_has_contract_columns():
    df = SHIPPED.to_df()
    for col in ("id", "distribution", "mean", "low", "high", "source", "quote", "refs"):
        assert col in df.columns
    assert len(df) == len(SHIPPED) and df["id"].is_unique


def test_shipped_priors_are_found_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert len(netlrt.load_model().priors) == len(SHIPPED)


# ------------------------------------------------------------------------------ loader errors


@pytest.fixture
def priors_copy(tmp_path) -> Path:
    dst = tmp_path / "priors"
    shutil.copytree(default_priors_path(), dst)
    return dst


def _edit(folder: Path, fname: str, pid: str, change) -> None:
    f = folder / fname
    doc = yaml.safe_load(f.read_text())
    entries = doc["parameters"]
    entry = next(e for e in entries if e["id"] == pid)
    change(entry, entries)
    f.write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.mark.parametrize(
    "fname, pid, change, message",
    [
        ("efficacy.yaml", "response_base", lambda e, d: e.pop("distribution"), "missing field 'distribution'"),
        ("efficacy.yaml", "or_response_tae", lambda e, d: e.update(interval=[0.6, 0.5]), "low 0.6 must be below"),
        ("efficacy.yaml", "response_base", lambda e, d: e.update(distribution="weibull"),
         "unknown distribution 'weibull'"),
        ("efficacy.yaml", "or_response_tae", lambda e, d: e.update(id="response_base"), "duplicate id"),
        ("efficacy.yaml", "response_base", lambda e, d: e.pop("quote"), "the quote is missing"),
        ("efficacy.yaml", "or_response_tae", lambda e, d: e.pop("reasoning"), "'reasoning' is missing"),
        ("efficacy.yaml", "or_response_tae", lambda e, d: e.update(interval=[0.4, 2.5]), "do not reproduce"),
        ("efficacy.yaml", "response_base", lambda e, d: e.update(source="blog"), "source 'blog' not allowed"),
        ("efficacy.yaml", "response_base", lambda e, d: e.update(params={"a": -1, "b": 2}), "must be positive"),
        ("efficacy.yaml", "response_base", lambda e, d: e["params"].update(a=float("nan")), "finite number"),
        ("efficacy.yaml", "response_base", lambda e, d: e.update(refs=37), "refs must be a list"),
        ("efficacy.yaml", "or_response_tae", lambda e, d: e.update(mass="high"), "mass 'high' not allowed"),
        ("efficacy.yaml", "response_base", lambda e, d: e.update(intervall=[0.5, 0.6]), "unknown field 'intervall'"),
        # an article prior must still encode numbers of its quote: deleting quoted_values, or changing them with
        # the value, hid that ECOG <= 2 had become 4
        ("eligibility.yaml", "ecog_max", lambda e, d: (e.pop("quoted_values"), e.update(params={"value": 4})),
         "source 'article' needs quoted_values"),
        ("eligibility.yaml", "ecog_max", lambda e, d: e.update(quoted_values=[4], params={"value": 4}),
         "the quoted value 4 is not a number of the quote"),
        ("efficacy.yaml", "or_response_tae", lambda e, d: e.update(reasoning="   "), "reasoning is blank"),
        # the study rules count references as studies: a repeated or invented one would narrow the prior
        ("survival.yaml", "median_os_years", lambda e, d: e.update(refs=[15, 15]), "name a reference twice"),
        ("survival.yaml", "median_os_years", lambda e, d: e.update(refs=[15, 999999]), "reference numbers \\(1-41\\)"),
    ],
    ids=["missing-field", "low>high", "unknown-dist", "duplicate", "no-quote", "no-reasoning", "stale-params",
         "bad-source", "bad-beta", "nan", "refs-int", "mass-text", "typo", "article-no-values", "article-new-value",
         "blank-reasoning", "refs-twice", "refs-beyond"],
)
def test_loader_names_file_parameter_and_reason(priors_copy, fname, pid, change, message):
    _edit(priors_copy, fname, pid, change)
    with pytest.raises(ValueError, match=message) as info:
        load_priors(priors_copy)
    msg = str(info.value)
    assert fname in msg and (pid in msg or "duplicate" in msg)


@pytest.mark.parametrize(
    "fname, pid, interval, message",
    [
        ("efficacy.yaml", "response_base", [0.4, 0.6], "the quoted value 50 .* no longer an end of"),
        ("efficacy.yaml", "or_response_tae", [0.5, 2.5],
         "rule 'exchangeable' .* centred on no effect .*; for an interval of your own give rule 'assumption' \\(in a "
         "priors file, with source 'assumption'\\)$"),
        ("complications.yaml", "or_pes_y90", [0.1, 0.9], "rule 'direction' needs one end of the interval at 1"),
    ],
    ids=["article-range-edited", "exchangeable-off-centre", "direction-off-one"],
)
def test_reading_rules_are_enforced_after_an_edit(priors_copy, fname, pid, interval, message):
    _edit(priors_copy, fname, pid, lambda e, d: e.update(interval=interval))
    with pytest.raises(ValueError, match=f"{fname}: parameter '{pid}': {message}"):
        refit_folder(priors_copy)


def _fixed(value):
    def change(entry, entries):
        for key in ("interval", "reading", "mass", "studies"):
            entry.pop(key, None)
        entry.update(distribution="fixed", rule="fixed", params={"value": value}, quoted_values=[], source="assumption",
                     reasoning="a value to test the role check")
    return change


@pytest.mark.parametrize(
    "fname, pid, change, message",
    [
        ("efficacy.yaml", "or_response_tae", lambda e, d: d.remove(e), "'or_response_tae' is missing .* node"),
        ("complications.yaml", "or_biliary_dee", _fixed(-2.0), "outside the range of its role \\(odds ratio"),
        ("survival.yaml", "median_os_years", _fixed(-4.0), "outside the range of its role \\(years"),
        ("efficacy.yaml", "response_base", lambda e, d: (_fixed(55.0)(e, d), e.update(unit="percent")),
         "as a probability"),
        ("efficacy.yaml", "response_base", lambda e, d: e.update(distribution="lognormal", params={}, rule="assumption",
                                                                 source="assumption", reasoning="trying a log-normal",
                                                                 quoted_values=[]), "as a probability"),
        ("efficacy.yaml", "response_base", lambda e, d: d.append({**e, "id": "spare"}), "'spare': no node"),
        ("quality_of_life.yaml", "years_uncontrolled_symptoms", _fixed(180.0),  # days typed into a years field
         "outside the range of its role \\(years"),
    ],
    ids=["missing", "negative-ratio", "negative-time", "percent-as-probability", "lognormal-probability", "unused",
         "days-as-years"],
)
def test_model_checks_every_prior_against_its_role(priors_copy, fname, pid, change, message):
    _edit(priors_copy, fname, pid, change)
    refit_folder(priors_copy)  # a researcher refits after editing; the role check still catches the mistake
    with pytest.raises(ValueError, match=message) as info:
        netlrt.load_model(priors_copy)
    assert pid in str(info.value) or "spare" in str(info.value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_written_as_python_writes_it_reads_back_as_itself(x):
    # refit writes params with repr(): 1e-05 and 1e+16 must come back as numbers (YAML 1.1 reads them as text).
    assert parse_yaml(f"x: {x!r}\ny: [{x!r}]\n", "f") == {"x": x, "y": [x]}


def test_exponents_without_a_dot_are_numbers_in_priors_files(priors_copy):
    f = priors_copy / "complications.yaml"
    text = f.read_text()
    assert "interval: [0.33, 0.86]" in text
    f.write_text(text.replace("interval: [0.33, 0.86]", "interval: [33e-2, 86E-2]"))
    pid = "abscess_bilioenteric"
    assert load_priors(priors_copy)[pid] == load_priors(default_priors_path())[pid]
    assert parse_yaml("a: '1e-3'\nb: 1e\n", "f") == {"a": "1e-3", "b": "1e"}  # quoted, or not a number: text


def test_loader_rejects_bad_files_and_folders(priors_copy, tmp_path):
    (priors_copy / "efficacy.yaml").write_text("parameters: [unclosed")
    with pytest.raises(ValueError, match="efficacy.yaml' is not valid YAML"):
        load_priors(priors_copy)
    (priors_copy / "efficacy.yaml").write_bytes(b"area: x\nparameters: [\xff]\n")
    with pytest.raises(ValueError, match="efficacy.yaml' is not UTF-8"):
        load_priors(priors_copy)
    (priors_copy / "efficacy.yaml").write_text("area: x\narea: y\nparameters: []\n")
    with pytest.raises(ValueError, match="repeated key 'area'"):
        load_priors(priors_copy)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no \\*.yaml files"):
        load_priors(empty)
    for bad in (tmp_path / "nope", "", 5):
        with pytest.raises(ValueError, match="priors: "):
            load_priors(bad)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(ValueError, match="priors: "):
        load_priors(loop)
    folder_named_yaml = tmp_path / "p2"
    shutil.copytree(default_priors_path(), folder_named_yaml)
    (folder_named_yaml / "extra.yaml").mkdir()
    with pytest.raises(ValueError, match="extra.yaml .* is a folder"):
        load_priors(folder_named_yaml)


def test_utilities_and_population_files_are_checked(priors_copy):
    f = priors_copy / "utilities.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["profiles"]["none"]["multipliers"]["happiness"] = 1.0
    f.write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError, match="utilities.yaml: profile 'none': unknown utility term 'happiness'"):
        netlrt.load_model(priors_copy)
    doc["profiles"]["none"]["multipliers"] = {"survival": 1e308}
    f.write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError, match="multiplier of 'survival'"):
        load_priors(priors_copy)
    shutil.copyfile(default_priors_path() / "utilities.yaml", f)
    shutil.copyfile(f, priors_copy / "utilities2.yaml")
    with pytest.raises(ValueError, match="a second profiles file"):
        load_priors(priors_copy)
    (priors_copy / "utilities2.yaml").unlink()
    doc = yaml.safe_load((priors_copy / "population.yaml").read_text())
    doc["population"]["grade"]["shares"]["G1"] = 0.9
    (priors_copy / "population.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError, match="population 'grade': shares sum to"):
        load_priors(priors_copy)


@pytest.mark.parametrize(("file", "edit", "message"), [
    ("survival.yaml", lambda d: d.update(colour="red"),
     "survival.yaml: unknown key 'colour' at the top level of a parameters file; allowed: area, description, "
     "parameters"),
    ("population.yaml", lambda d: d.update(area="x"), "population.yaml: unknown key 'area' at the top level"),
    ("utilities.yaml", lambda d: d["profiles"]["avoid_pes"].update(weights={"survival": 2}),
     "utilities.yaml: profile 'avoid_pes': unknown key 'weights'; allowed: multipliers, description, reasoning"),
    ("population.yaml", lambda d: d["population"]["grade"].update(share={"G1": 1}),
     "population.yaml: population 'grade': unknown key 'share'; allowed: shares, reasoning, quote"),
    # not unknown keys, but what a file must hold or say: found at load, not by `netlrt evaluate --preference`
    ("utilities.yaml", lambda d: d["profiles"].pop("none"), "utilities.yaml: the profile 'none' (no preference"),
    ("utilities.yaml", lambda d: d["profiles"]["avoid_pes"].update(reasoning="  "),
     "utilities.yaml: profile 'avoid_pes': needs 'multipliers'"),
])
def test_an_unknown_key_is_never_ignored(priors_copy, file, edit, message):
    f = priors_copy / file
    doc = yaml.safe_load(f.read_text())
    edit(doc)
    f.write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError) as err:
        load_priors(priors_copy)
    assert str(err.value).startswith(message), str(err.value)


def test_a_folder_that_cannot_be_listed_is_named(priors_copy, monkeypatch):
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("netlrt.evidence.priors_files.os.listdir", refuse)  # as for a folder of mode 0311 or 0
    with pytest.raises(ValueError, match=rf"^priors: cannot list {re.escape(repr(str(priors_copy)))}: Permission"):
        load_priors(priors_copy)


def test_a_utilities_file_holding_parameters_is_refused(priors_copy):
    f = priors_copy / "utilities.yaml"
    f.write_text(f.read_text() + "parameters: []\n")
    with pytest.raises(ValueError, match="utilities.yaml: expected exactly one of"):
        load_priors(priors_copy)


def test_with_priors_without_a_note_still_marks_the_change(model):
    changed = model.with_priors({"pes_embolic": {"interval": [0.25, 0.75]}})  # the CONTRACT's call
    assert changed.priors["pes_embolic"].provenance.endswith("(modified: changed with with_priors, no reason given)")


@pytest.mark.parametrize(("changes", "note", "message"), [
    ({"or_pes_y90": "x"}, "n", "with_priors: parameter 'or_pes_y90': change 'x' not allowed"),
    ({"or_pes_y90": {"interval": [0.5, 0.1]}}, "n", "with_priors: parameter 'or_pes_y90': interval low 0.5 must"),
    ({"or_pes_y90": {"mass": 2}}, "n", "with_priors: parameter 'or_pes_y90': mass 2 not allowed"),
    ({"or_pes_y90": 2}, " ", "with_priors: parameter 'or_pes_y90': note must say why"),
    ({"nope": 1}, "n", "changes: unknown parameter 'nope'"),
    ({"pes_embolic": 1.5}, "n", "with_priors: parameter 'pes_embolic': [1.5] is outside the range of its role"),
    ({"or_pes_y90": -1}, "n", "with_priors: parameter 'or_pes_y90': [-1.0] is outside the range of its role"),
])
def test_with_priors_names_the_change_not_the_file(model, changes, note, message):
    with pytest.raises(ValueError) as err:
        model.with_priors(changes, note=note)
    assert str(err.value).startswith(message), str(err.value)


def test_with_priors_refits_an_interval_as_priors_refit_does(model, priors_copy):
    """The same edit from Python and in the file gives the same prior: a study range keeps its reading (2/3 of
    the predictive distribution for five studies), unless the change gives another rule."""
    _edit(priors_copy, "efficacy.yaml", "response_base", lambda e, d: e.update(interval=[0.4, 0.6], modified="x"))
    refit_folder(priors_copy)
    from_file = load_priors(priors_copy)["response_base"]
    from_python = model.with_priors({"response_base": {"interval": [0.4, 0.6]}}, note="x").priors["response_base"]
    assert from_python.rule == from_file.rule == "study_range"
    assert from_python.mass == pytest.approx(2 / 3) and from_file.mass == pytest.approx(2 / 3)
    assert_allclose(list(from_python.params.values()), list(from_file.params.values()), rtol=1e-9)
    assert from_python.provenance == "article (modified: x)"
    assumed = model.with_priors({"response_base": {"interval": [0.4, 0.6], "rule": "assumption"}}, note="x")
    assert_allclose([assumed.priors["response_base"].low, assumed.priors["response_base"].high], [0.4, 0.6],
                    rtol=1e-6)


def test_an_edited_assumption_is_marked_with_the_default_it_differs_from(priors_copy):
    """An assumption's file needs no note to be edited, but its provenance shows that it is not netlrt's default,
    and which default; a parameter written rounded (mu 0.0 for 2.8e-17) is the same distribution, not an edit."""
    assert not any(p.modified for p in load_priors(priors_copy).values())  # an unedited copy claims nothing
    _edit(priors_copy, "complications.yaml", "or_pes_y90", lambda e, d: e.update(interval=[0.3, 1.0]))
    _edit(priors_copy, "quality_of_life.yaml", "horizon_years", lambda e, d: e.update(params={"value": 5.0}))
    _edit(priors_copy, "survival.yaml", "hr_modality_tae", lambda e, d: e["params"].update(mu=0.0))
    _edit(priors_copy, "complications.yaml", "pes_embolic",  # four digits: still the loader's interval
          lambda e, d: e["params"].update({k: float(f"{v:.4g}") for k, v in e["params"].items()}))
    _edit(priors_copy, "complications.yaml", "overnight_embolic", lambda e, d: e.update(mass=0.8))  # same interval
    refit_folder(priors_copy)
    priors = load_priors(priors_copy)
    version = netlrt.__version__
    assert priors["or_pes_y90"].provenance == (f"assumption (modified: differs from netlrt {version}'s default "
                                               "(lognormal, direction interval [0.1, 1] covering 95%))")
    assert priors["horizon_years"].modified == f"differs from netlrt {version}'s default (fixed at 10)"
    assert priors["overnight_embolic"].modified.endswith("[0.3, 0.95] covering 95%)")  # its default's coverage
    assert sorted(k for k, p in priors.items() if p.modified) == ["horizon_years", "or_pes_y90", "overnight_embolic"]


def test_with_priors_takes_params_alone_with_the_interval_they_give(model):
    """The docstring's 'or with params': the old interval, which new params no longer reproduce, was kept and then
    refused ('run netlrt priors refit <folder>')."""
    p = model.with_priors({"pes_embolic": {"params": {"a": 2.0, "b": 2.0}}}, note="x").priors["pes_embolic"]
    assert dict(p.params) == {"a": 2.0, "b": 2.0} and p.mass == 0.95
    assert_allclose(p.interval, [p.ppf(0.025), p.ppf(0.975)], rtol=1e-12)
    assert_allclose(p.interval, [0.0943, 0.9057], atol=1e-4)  # Beta(2, 2)'s central 95%
    with pytest.raises(ValueError, match=r"^with_priors: parameter 'pes_embolic': beta parameters a and b must be "):
        model.with_priors({"pes_embolic": {"params": {"a": -1.0, "b": 2.0}}}, note="x")
    with pytest.raises(ValueError, match=r"^with_priors: parameter 'horizon_years': is fixed, so an interval needs a "
                                         r"distribution .*allowed: add 'distribution' \(beta, lognormal\)"):
        model.with_priors({"horizon_years": {"interval": [5, 15]}}, note="x")
    spread = model.with_priors({"horizon_years": {"interval": [5, 15], "distribution": "lognormal"}}, note="x")
    assert spread.priors["horizon_years"].rule == "assumption"
    # params are the researcher's own distribution: an assumption whatever rule read the article's interval
    # (the exchangeable and direction rules' checks refused them, a study rule's mass misplaced the interval)
    for pid, params in (("hr_modality_tae", {"mu": 0.1, "sigma": 0.1}), ("or_pes_y90", {"mu": -1.0, "sigma": 0.5}),
                        ("median_os_years", {"mu": 1.3, "sigma": 0.3})):
        p = model.with_priors({pid: {"params": params}}, note="x").priors[pid]
        assert (p.rule, p.mass, dict(p.params)) == ("assumption", 0.95, params)
        assert p.provenance == "assumption (modified: x)"
    half = model.with_priors({"pes_embolic": {"params": {"a": 2.0, "b": 2.0}, "mass": 0.5}}, note="x")
    assert_allclose(half.priors["pes_embolic"].interval, [half.priors["pes_embolic"].ppf(q) for q in (0.25, 0.75)])
    for bad in (None, "x", 7, float("nan")):
        with pytest.raises(ValueError, match=r"^with_priors: parameter 'pes_embolic': mass .* not allowed; allowed: "):
            model.with_priors({"pes_embolic": {"params": {"a": 2.0, "b": 2.0}, "mass": bad}}, note="x")


def test_with_priors_refuses_a_mass_beside_a_study_rule_as_a_file_does(model):
    with pytest.raises(ValueError, match=r"^with_priors: parameter 'median_os_years': rule 'study_range' sets mass = "
                                         r"\(k-1\)/\(k\+1\) from its 17 studies; remove 'mass', or make it your "
                                         r"own, read as a central interval of that mass: rule 'assumption' \(in a "
                                         r"priors file, with source 'assumption'\)$"):
        model.with_priors({"median_os_years": {"interval": [2.0, 6.5], "mass": 0.5}}, note="x")
    own = model.with_priors({"median_os_years": {"interval": [2.0, 6.5], "mass": 0.5, "rule": "assumption"}},
                            note="x").priors["median_os_years"]
    assert (own.rule, own.mass) == ("assumption", 0.5)


def test_modified_article_prior_is_allowed_and_marked(priors_copy):
    _edit(priors_copy, "efficacy.yaml", "response_base",
          lambda e, d: e.update(interval=[0.4, 0.7], modified="our centre's series (n=40) suggests wider"))
    refit_folder(priors_copy)
    p = load_priors(priors_copy)["response_base"]
    assert p.provenance.startswith("article (modified: our centre's series")


# ------------------------------------------------------------------------------- refit and init


def test_refit_repairs_only_what_changed_and_keeps_comments(priors_copy):
    f = priors_copy / "efficacy.yaml"
    text = f.read_text()
    text = text.replace("  interval: [0.5, 2.0]", "  interval: [0.4, 2.5]  # widened by me", 1)
    text = "# my notes on these priors\n" + text
    f.write_text(text)
    with pytest.raises(ValueError, match="do not reproduce"):
        load_priors(priors_copy)
    assert refit_folder(priors_copy) == ["or_response_tae"]
    after = f.read_text()
    assert "# my notes on these priors" in after and "# widened by me" in after
    changed = [a for a, b in zip(after.splitlines(), text.splitlines()) if a != b]
    assert len(changed) == 1 and changed[0].strip().startswith("params:")
    refitted = load_priors(priors_copy)["or_response_tae"]
    assert_allclose([refitted.low, refitted.high], [0.4, 2.5], rtol=1e-6)
    assert refit_folder(priors_copy) == []  # nothing left to refit


def test_refit_writes_params_into_block_and_flow_entries_keeping_comments(priors_copy):
    f = priors_copy / "survival.yaml"
    text = f.read_text()
    start, end = text.index("- id: hr_modality_tae"), text.index("- id: hr_modality_ctace")
    entry = yaml.safe_load(text[start:end])[0]
    del entry["params"]  # an entry written on one line, in flow style, without params yet
    text = text[:start] + "- " + yaml.safe_dump(entry, default_flow_style=True, width=10**6).strip() + "\n" + text[end:]
    block = ("  params:\n    mu: 2.7755575615628914e-17\n    sigma: 0.11385084270646686\n"
             "  # NOTE: widened after the 2024 meta-analysis\n")
    at = text.index("- id: hr_modality_ctace")
    text = text[:at] + text[at:].replace("  params: {mu: 2.7755575615628914e-17, sigma: 0.11385084270646686}\n",
                                         block, 1).replace("interval: [0.8, 1.25]", f"interval: [0.7, {1 / 0.7!r}]", 1)
    f.write_text(text)
    assert refit_folder(priors_copy) == ["hr_modality_tae", "hr_modality_ctace"]
    after = f.read_text()
    assert "  # NOTE: widened after the 2024 meta-analysis\n" in after
    priors = load_priors(priors_copy)
    assert_allclose([priors["hr_modality_ctace"].low, priors["hr_modality_ctace"].high], [0.7, 1 / 0.7], rtol=1e-6)
    assert priors["hr_modality_tae"].params == SHIPPED["hr_modality_tae"].params


def test_refit_keeps_the_comments_inside_a_block_params_mapping(priors_copy):
    """A block ``params:`` mapping was rewritten as one flow line, dropping the comments between its numbers."""
    f = priors_copy / "survival.yaml"
    text = f.read_text()
    flow = "  params: {mu: 2.7755575615628914e-17, sigma: 0.11385084270646686}\n"
    same = ("  params:\n    # log scale\n    mu: 2.7755575615628914e-17  # centred on 1\n"
            "    sigma: 0.11385084270646686\n")
    other = "  params:\n    # my old beta\n    a: 1.0  # first try\n    b: 2.0\n"
    at, other_at = text.index("- id: hr_modality_ctace"), text.index("- id: hr_modality_dee_tace")
    text = (text[:at] + text[at:other_at].replace(flow, same, 1).replace("interval: [0.8, 1.25]",
                                                                          f"interval: [0.7, {1 / 0.7!r}]", 1)
            + text[other_at:].replace(flow, other, 1))
    f.write_text(text)
    assert refit_folder(priors_copy) == ["hr_modality_ctace", "hr_modality_dee_tace"]
    after = f.read_text()
    priors = load_priors(priors_copy)
    ctace = priors["hr_modality_ctace"]
    assert_allclose([ctace.low, ctace.high], [0.7, 1 / 0.7], rtol=1e-6)
    assert (f"  params:\n    # log scale\n    mu: {ctace.params['mu']!r}  # centred on 1\n"
            f"    sigma: {ctace.params['sigma']!r}\n") in after  # same names: each number in its own place
    assert "  params: {mu: 2.7755575615628914e-17, sigma: 0.11385084270646686}  # my old beta  # first try\n" in after
    assert priors["hr_modality_dee_tace"].params == SHIPPED["hr_modality_dee_tace"].params


def test_a_mistake_in_any_file_leaves_every_file_as_it_was(priors_copy):
    """Refit validated the folder after writing: the files before the mistake were already rewritten."""
    _edit(priors_copy, "complications.yaml", "pes_embolic", lambda e, d: e.update(interval=[0.2, 0.8]))
    _edit(priors_copy, "quality_of_life.yaml", "utility_alive", lambda e, d: e.update(interval=[60, 90]))
    before = {f.name: f.read_bytes() for f in priors_copy.iterdir()}
    with pytest.raises(ValueError, match="quality_of_life.yaml"):
        refit_folder(priors_copy)
    assert {f.name: f.read_bytes() for f in priors_copy.iterdir()} == before


def test_refit_refuses_the_shipped_priors_and_init_never_overwrites(tmp_path):
    with pytest.raises(ValueError, match="read-only"):
        refit_folder(default_priors_path())
    dest = init_folder(tmp_path / "mine")
    assert load_priors(dest).to_df()["id"].tolist() == SHIPPED.to_df()["id"].tolist()
    with pytest.raises(ValueError, match="not an empty folder"):
        init_folder(dest)


def test_with_priors_refuses_an_unknown_rule_and_a_mean_beyond_a_float():
    model = netlrt.load_model()
    with pytest.raises(ValueError, match=r"^with_priors: parameter 'pes_embolic': rule 'bogus' not allowed; allowed: "):
        model.with_priors({"pes_embolic": {"interval": [0.2, 0.8], "rule": "bogus"}}, note="x")
    for change in ({"interval": [1, 1e100]}, {"interval": [0.1, 1], "mass": 0.001}):  # OverflowError at evaluate
        with pytest.raises(ValueError, match=r"'or_pes_y90': the lognormal prior .* has a mean too large for a float"):
            model.with_priors({"or_pes_y90": change}, note="x")


def test_an_interval_end_at_zero_is_one_message_without_warnings(priors_copy):
    # the suite turns warnings into errors: a RuntimeWarning (divide by zero) printed before the message fails here
    _edit(priors_copy, "complications.yaml", "pes_embolic", lambda e, d: e.update(interval=[0.0, 0.9]))
    with pytest.raises(ValueError, match=r"'pes_embolic': interval: a beta interval must lie inside \(0, 1\)"):
        refit_folder(priors_copy)


def test_a_percentage_for_a_probability_is_named_before_the_params_that_miss_it(priors_copy):
    """The loader said 'params do not reproduce the interval; run refit', which cannot fix it."""
    _edit(priors_copy, "complications.yaml", "pes_embolic", lambda e, d: e.update(interval=[30, 90]))
    for call in (load_priors, refit_folder):
        with pytest.raises(ValueError, match=r"'pes_embolic': interval: a beta interval must lie inside \(0, 1\), "
                                             r"got \[30.0, 90.0\]$"):
            call(priors_copy)


def test_refit_fills_a_bare_params_key_and_a_flow_entry_ending_in_a_comma(priors_copy):
    f = priors_copy / "efficacy.yaml"
    text = f.read_text()
    start = text.index("- id: or_response_tae")
    line = text.index("  params:", start)
    text = text[:line] + "  params:" + text[text.index("\n", line):]  # params: with no value yet
    text = text[:start] + text[start:].replace("interval: [0.5, 2.0]", "interval: [0.4, 2.5]", 1)
    start, end = text.index("- id: or_response_ctace"), text.index("- id: or_response_dee_tace")
    entry = yaml.safe_load(text[start:end])[0]
    del entry["params"]
    flow = yaml.safe_dump(entry, default_flow_style=True, width=10**6).strip()
    text = text[:start] + "- " + flow[:-1] + ", }\n" + text[end:]  # a trailing comma before the brace
    f.write_text(text)
    assert refit_folder(priors_copy) == ["or_response_tae", "or_response_ctace"]
    priors = load_priors(priors_copy)
    assert_allclose([priors["or_response_tae"].low, priors["or_response_tae"].high], [0.4, 2.5], rtol=1e-6)
    assert priors["or_response_ctace"].params == SHIPPED["or_response_ctace"].params


# ------------------------------------------------------------------------------- refit and update: file layouts


def _entry_span(text: str, pid: str) -> tuple[int, int]:
    start = text.index(f"- id: {pid}\n")
    nxt = text.find("\n- id: ", start + 1)
    return start, len(text) if nxt < 0 else nxt + 1


def _replace_in_entry(f, pid: str, *pairs: tuple[str, str]) -> str:
    text = f.read_text()
    start, end = _entry_span(text, pid)
    entry = text[start:end]
    for old, new in pairs:
        assert old in entry, old
        entry = entry.replace(old, new, 1)
    f.write_text(text[:start] + entry + text[end:])
    return text[:start] + entry + text[end:]


PES_HIGH = "  params: {mu: 0.5493061443340549, sigma: 0.28026338681063107}\n"


def test_refit_keeps_the_comments_of_a_multiline_flow_params_it_replaces(priors_copy):
    f = priors_copy / "complications.yaml"
    _replace_in_entry(f, "or_pes_high_burden", ("interval: [1.0, 3.0]", "interval: [1.0, 4.0]"),
                      (PES_HIGH, "  params: {mu: 0.55,  # log of 1.73, from 'table # 2'\n           sigma: 0.28,\n"
                                 "           note: 'not # a comment'}  # end\n"))
    assert refit_folder(priors_copy) == ["or_pes_high_burden"]
    p = load_priors(priors_copy)["or_pes_high_burden"]
    assert_allclose([p.low, p.high], [1.0, 4.0], rtol=1e-6)
    line = next(x for x in f.read_text().splitlines() if x.startswith("  params:") and "end" in x)
    assert line.endswith("}  # log of 1.73, from 'table # 2'  # end")  # a '#' inside a quoted value is no comment


def test_refit_writes_every_file_or_none(priors_copy, monkeypatch):
    from netlrt.files import writing

    efficacy, survival = priors_copy / "efficacy.yaml", priors_copy / "survival.yaml"
    _replace_in_entry(efficacy, "or_response_tae", ("interval: [0.5, 2.0]", "interval: [0.4, 2.5]"))
    _replace_in_entry(survival, "hr_modality_tae", ("interval: [0.8, 1.25]", "interval: [0.5, 2.0]"))
    before = {f.name: f.read_bytes() for f in priors_copy.iterdir()}
    target = writing._target

    def read_only(path, what, *args):  # as a read-only survival.yaml is refused (root may write it anyway)
        if str(path).endswith("survival.yaml"):
            raise ValueError(f"{what}: {str(path)!r} is read-only; make it writable")
        return target(path, what, *args)

    monkeypatch.setattr(writing, "_target", read_only)
    with pytest.raises(ValueError, match="survival.yaml' is read-only"):
        refit_folder(priors_copy)
    assert {f.name: f.read_bytes() for f in priors_copy.iterdir()} == before  # efficacy.yaml was written before


def test_refit_keeps_crlf_line_ends_and_places_a_new_params_line_before_the_next_entrys_comments(priors_copy):
    f = priors_copy / "efficacy.yaml"
    _replace_in_entry(f, "or_response_tae", ("interval: [0.5, 2.0]", "interval: [0.4, 2.5]"),
                      ("  params: {mu: 0.0, sigma: 0.353653019151067}\n", "\n# ===== cTACE =====\n"))
    f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    assert refit_folder(priors_copy) == ["or_response_tae"]
    after = f.read_bytes()
    assert after.count(b"\r\n") == after.count(b"\n")  # every line still ends in CRLF
    text = after.decode().replace("\r\n", "\n")
    start, end = _entry_span(text, "or_response_tae")
    assert "  params: {mu: " in text[start:text.index("# ===== cTACE", start)]
    assert_allclose(load_priors(priors_copy)["or_response_tae"].high, 2.5, rtol=1e-6)


def test_refit_refuses_params_shared_by_a_yaml_alias(priors_copy):
    f = priors_copy / "efficacy.yaml"
    text = f.read_text()
    flow = "  params: {mu: 0.0, sigma: 0.353653019151067}\n"
    _replace_in_entry(f, "or_response_tae", (flow, "  params: &or_prior {mu: 0.0, sigma: 0.353653019151067}\n"))
    _replace_in_entry(f, "or_response_ctace", (flow, "  params: *or_prior\n"),
                      ("interval: [0.5, 2.0]", "interval: [0.4, 2.5]"))
    before = f.read_bytes()
    message = r"^priors refit: .*efficacy.yaml': parameter '{}': its params hold a YAML anchor or alias .*nothing was "
    with pytest.raises(ValueError, match=message.format("or_response_ctace")):
        refit_folder(priors_copy)
    assert f.read_bytes() == before
    f.write_text(text)  # one number shared, then one anchored with no alias: a rewrite would drop '&s'
    _replace_in_entry(f, "or_response_tae", (flow, "  params: {mu: 0.0, sigma: &s 0.353653019151067}\n"),
                      ("interval: [0.5, 2.0]", "interval: [0.4, 2.5]"))
    _replace_in_entry(f, "or_response_ctace", (flow, "  params: {mu: 0.0, sigma: *s}\n"))
    with pytest.raises(ValueError, match=message.format("or_response_tae")):
        refit_folder(priors_copy)
    _replace_in_entry(f, "or_response_ctace", ("sigma: *s}", "sigma: 0.353653019151067}"))  # the anchor alone
    with pytest.raises(ValueError, match=message.format("or_response_tae")):
        refit_folder(priors_copy)
    _replace_in_entry(f, "or_response_tae", ("sigma: &s ", "sigma: !!float &s "))  # after a tag
    with pytest.raises(ValueError, match=message.format("or_response_tae")):
        refit_folder(priors_copy)


def test_a_tab_the_loader_reads_is_one_message_from_refit_and_update(priors_copy, tmp_path):
    from netlrt.evidence.studies import write_priors

    f = priors_copy / "efficacy.yaml"
    _replace_in_entry(f, "response_base", ("  unit: ", "  unit:\t"))  # libyaml reads it; PyYAML's reader does not
    priors = load_priors(priors_copy)
    assert refit_folder(priors_copy) == []  # a file with nothing to refit is not rewritten, so not located
    with pytest.raises(ValueError, match=r"^priors update: .*efficacy.yaml': cannot rewrite this file \(line \d+\): "
                                         r".*; nothing was written \(a tab outside quotes: replace it with spaces\)$"):
        write_priors(priors, tmp_path / "out", changed={"response_base": priors["response_base"]})
    assert not (tmp_path / "out").exists()
    _replace_in_entry(f, "or_response_tae", ("interval: [0.5, 2.0]", "interval: [0.4, 2.5]"))
    before = f.read_bytes()
    with pytest.raises(ValueError, match=r"^priors refit: .*efficacy.yaml': cannot rewrite this file \(line \d+\): "):
        refit_folder(priors_copy)
    assert f.read_bytes() == before


def test_merge_keys_and_files_that_are_not_regular_are_refused_by_name(priors_copy):
    f = priors_copy / "efficacy.yaml"
    text = f.read_text()
    f.write_text(text.replace("- id: or_response_tae\n", "- &exch\n  id: or_response_tae\n", 1)
                 .replace("- id: or_response_ctace\n", "- <<: *exch\n  id: or_response_ctace\n", 1))
    with pytest.raises(ValueError, match=r"efficacy.yaml' is not valid YAML \(line \d+\): merge keys \(<<\) are not "
                                         r"allowed; write each entry's keys out"):
        load_priors(priors_copy)
    f.write_text(text)
    os.mkfifo(priors_copy / "zz.yaml")  # reading it would wait for a writer for ever
    for call in (load_priors, refit_folder):
        with pytest.raises(ValueError, match=r"zz.yaml in .* is not a regular file \(a named pipe or a device\)"):
            call(priors_copy)


def test_with_priors_says_a_fixed_distribution_takes_one_value(model):
    with pytest.raises(ValueError, match=r"'or_response_tae': distribution 'fixed' takes one value, not an interval"):
        model.with_priors({"or_response_tae": {"interval": [0.4, 2.5], "distribution": "fixed"}}, note="x")


def test_update_keeps_the_comments_after_an_entry_it_rewrites(priors_copy, tmp_path):
    from netlrt.evidence.studies import write_priors

    f = priors_copy / "efficacy.yaml"
    text = f.read_text()
    start, end = _entry_span(text, "response_base")
    f.write_text(text[:end] + "  # my note: checked 2026-01\n\n# ===== odds ratios of response =====\n" + text[end:])
    priors = load_priors(priors_copy)
    out = write_priors(priors, tmp_path / "out", changed={"response_base": priors["response_base"]})
    written = (out / "efficacy.yaml").read_text()
    assert "  # my note: checked 2026-01\n\n# ===== odds ratios of response =====\n- id: or_response_tae" in written
    assert load_priors(out)["response_base"].params == priors["response_base"].params


def test_update_rewrites_an_entry_ending_in_a_block_scalar_and_copies_a_file_it_does_not_rewrite(priors_copy, tmp_path):
    """An entry ending in 'reasoning: >-' ends at a line break: the next entry's '- id:' line was replaced too."""
    from netlrt.evidence.studies import write_priors

    f = priors_copy / "efficacy.yaml"
    text = f.read_text()
    start, end = _entry_span(text, "response_base")
    entry = text[start:end]
    reasoning = re.search(r"  reasoning: >-\n(?:    .*\n)+", entry).group(0)
    after = "\n# ---- odds ratios ----\n\n"  # blank lines after a block scalar are not the entry's
    f.write_text(text[:start] + entry.replace(reasoning, "") + reasoning + after + text[end:])  # a block scalar last
    survival = priors_copy / "survival.yaml"
    survival.write_text(survival.read_text().replace("  unit: years", "  unit:\tyears", 1))  # PyYAML's reader stops
    priors = load_priors(priors_copy)
    out = write_priors(priors, tmp_path / "out", changed={"response_base": priors["response_base"]})
    written = (out / "efficacy.yaml").read_text()
    assert written.count("\n- id: ") == text.count("\n- id: ") and "\n" + after + "- id: or_response_tae" in written
    assert load_priors(out).to_df().equals(priors.to_df())
    assert (out / "survival.yaml").read_bytes() == survival.read_bytes()


@pytest.mark.parametrize("layout", ["dash alone", "wide dash", "flow list"])
def test_update_writes_an_entry_in_its_own_layout_with_its_comments(priors_copy, tmp_path, layout):
    """'-' alone on its line and '-   id:' were indented as '- id:', and the folder written would not load."""
    from netlrt.evidence.studies import write_priors

    f = priors_copy / "efficacy.yaml"
    text = f.read_text()
    start, end = _entry_span(text, "response_base")
    entry = text[start:end].replace("  unit: probability\n", "  unit: probability  # of a response\n", 1)
    if layout == "flow list":
        doc = yaml.safe_load(text)
        flows = [yaml.safe_dump(e, default_flow_style=True, width=10**6).strip() for e in doc["parameters"]]
        head = yaml.safe_dump({k: v for k, v in doc.items() if k != "parameters"}, sort_keys=False)
        f.write_text(head + "parameters: [" + ",\n  ".join(flows) + "]\n")
    else:
        entry = entry.replace("- id: ", "-\n  id: " if layout == "dash alone" else "-   id: ", 1)
        if layout == "wide dash":
            entry = "\n".join(line.replace("  ", "    ", 1) if line.startswith("  ") else line
                               for line in entry.split("\n"))
        f.write_text(text[:start] + entry + text[end:])
    priors = load_priors(priors_copy)
    if layout == "flow list":
        with pytest.raises(ValueError, match=r"parameter 'response_base': the parameters list is written in flow "
                                             r"style \(\[\.\.\.\]\); write it as a block list"):
            write_priors(priors, tmp_path / "out", changed={"response_base": priors["response_base"]})
        return
    out = write_priors(priors, tmp_path / "out", changed={"response_base": priors["response_base"]})
    written = (out / "efficacy.yaml").read_text()
    assert "  # of a response\n" in written  # the entry's own comment, below it
    assert load_priors(out).to_df().equals(priors.to_df())


def test_update_checks_the_folder_it_wrote_and_leaves_none_that_would_not_load(priors_copy, tmp_path, monkeypatch):
    from netlrt.evidence import priors_files
    from netlrt.evidence.studies import write_priors

    priors = load_priors(priors_copy)
    monkeypatch.setattr(priors_files, "apply_edits", lambda text, edits: text + "- id: [broken\n")  # a rewrite's bug
    with pytest.raises(ValueError, match=r"^priors update: the folder written would not load \(.*efficacy.yaml"
                                         r"' is not valid YAML.*\); nothing was written; please report"):
        write_priors(priors, tmp_path / "out", changed={"response_base": priors["response_base"]})
    assert not (tmp_path / "out").exists()
