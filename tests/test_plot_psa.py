"""Figures of one patient's decision, the PSA and its value of information: each draws exactly the numbers of the
result it is given."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer

from netlrt.decision.utility import DAYS_PER_YEAR, TERM
from netlrt.network.declarations import OUTCOME_LABELS, OUTCOMES
from netlrt.plot import (
    MODALITY_COLORS,
    plot_acceptability,
    plot_compare,
    plot_evppi,
    plot_prob_best,
    plot_psa_outcomes,
    plot_utility_terms,
)
from netlrt.plot.evaluation import MIN_DAYS, utility_term_differences


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def psa(model, cases):
    return model.psa(cases["case3_y90"], n_draws=1000, seed=0)


def _bars(ax):
    return [p for p in ax.patches if p.get_width() != 0 or p.get_height() != 0]


# ------------------------------------------------------------------------------------- prob best

def test_prob_best_bars_are_the_shares(psa):
    _, ax = plt.subplots()
    assert plot_prob_best(psa, ax=ax) is ax
    best = psa.prob_best()
    bars = ax.patches
    assert [b.get_height() for b in bars] == pytest.approx(best.to_numpy())
    assert [to_hex(b.get_facecolor()) for b in bars] == [MODALITY_COLORS[m].lower() for m in best.index]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(best.index)
    assert "1,000" in ax.get_title()


# ------------------------------------------------------------------------------------ acceptability

def test_acceptability_draws_the_curve_and_its_frontier(psa):
    curve = psa.acceptability([0.0, 1.0, 2.0, 3.0])
    ax = plot_acceptability(curve)
    lines = ax.get_lines()
    for m in curve["modality"].unique():
        d = curve[curve["modality"] == m]
        thin = next(ln for ln in lines if ln.get_label() == m)
        assert list(thin.get_xdata()) == list(d["harm_multiplier"])
        assert list(thin.get_ydata()) == pytest.approx(d["prob_best"].to_numpy())
        assert to_hex(thin.get_color()) == MODALITY_COLORS[m].lower()
        thick = next(ln for ln in lines if ln.get_linewidth() == 7 and ln.get_color() == thin.get_color())
        drawn = ~np.isnan(np.asarray(thick.get_ydata(), dtype=float))
        assert list(drawn) == list(d["optimal"])  # thick only where the modality is best on average
    keys = [t.get_text() for t in ax.get_legend().get_texts()]
    assert keys == [*curve["modality"].unique(), "band: best on average\n(the decision)"]  # the band has its key


def test_acceptability_wants_the_curve_not_the_psa(psa):
    with pytest.raises(ValueError, match=r"curve: got PSAResult; allowed: .*psa.acceptability\(\)"):
        plot_acceptability(psa)


# ------------------------------------------------------------------------------------ outcomes

def test_psa_outcomes_points_are_the_summary(psa):
    s = psa.summary()
    ax = plot_psa_outcomes(psa)
    at = dict(zip(ax.get_yticks(), (t.get_text().replace("\n", " ") for t in ax.get_yticklabels())))
    top_down = [at[y] for y in sorted(at, reverse=True)]
    assert [label[:20] for label in top_down] == [OUTCOME_LABELS[o][:20] for o in OUTCOMES]
    points = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(points) == 4
    for ln in points:
        m = next(k for k, c in MODALITY_COLORS.items() if c.lower() == to_hex(ln.get_color()))
        want = s[(s["modality"] == m)].set_index("outcome").loc[list(OUTCOMES), "mean"].to_numpy()
        assert list(ln.get_xdata()) == pytest.approx(want)
    assert plot_psa_outcomes(s).get_ylabel() == "Outcome"  # the summary table itself is accepted


# ---------------------------------------------------------------------------------------- EVPPI

RANKING = pd.DataFrame({
    "parameter": [f"p{i}" for i in range(8)],
    "description": [f"Parameter number {i}" for i in range(8)],
    "evppi": [0.05, 0.02, 0.01, 0.004, 0.001, 0.0, 0.0, 0.0],
    "se": [0.004, 0.002, 0.001, 0.0005, 0.0002, 0.0, 0.0, 0.0],
})


@pytest.mark.parametrize("top, shown", [(3, 3), (10, 5), (None, 5)])
def test_evppi_shows_exactly_the_rows_with_value(top, shown):
    ax = plot_evppi(RANKING, top=top)
    rows = RANKING.head(shown)
    assert [b.get_width() for b in ax.patches] == pytest.approx(rows["evppi"].to_numpy()[::-1])
    assert [t.get_text() for t in ax.get_yticklabels()] == list(rows["description"])[::-1]
    errorbar = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    caps = errorbar.lines[2][0].get_segments()  # the error bars: 1.96 SE either side
    assert [s[1][0] - s[0][0] for s in caps] == pytest.approx(2 * 1.96 * rows["se"].to_numpy()[::-1])
    which = "top 3 of 5" if shown == 3 else "all 5"
    assert ax.get_title().splitlines()[1] == f"{which} with EVPPI > 0 (8 ranked)"


def test_evppi_of_a_real_ranking(psa):
    ranking = psa.evppi_ranking(seed=0)
    ax = plot_evppi(ranking, top=4)
    positive = ranking[ranking["evppi"] > 0].head(4)
    assert [b.get_width() for b in ax.patches] == pytest.approx(positive["evppi"].to_numpy()[::-1])
    assert not any(pid in " ".join(t.get_text() for t in ax.get_yticklabels()) for pid in psa.parameters)
    upper = ax.child_axes[0]  # the days axis agrees with the QALY axis
    assert upper.get_xlabel() == "quality-adjusted days per patient"


def test_evppi_with_nothing_to_show():
    ax = plot_evppi(RANKING.assign(evppi=0.0))
    assert len(ax.patches) == 0 and "no parameter has EVPPI > 0" in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("arg, match", [
    ({"top": 0}, "top: expected a positive integer, got 0"),
    ({"top": 2.0}, "top: expected a positive integer, got 2.0"),
])
def test_evppi_bad_top(arg, match):
    with pytest.raises(ValueError, match=match):
        plot_evppi(RANKING, **arg)


def test_evppi_wants_a_ranking_not_the_psa(psa):
    with pytest.raises(ValueError, match=r"ranking: got PSAResult; allowed: .*psa.evppi_ranking\(\)"):
        plot_evppi(psa)


# ------------------------------------------------------------------------------------ utility terms

@pytest.mark.parametrize("case", ["case1_tae", "case2_tace", "case3_y90"])
def test_utility_terms_bars_are_the_differences_in_days(model, cases, case):
    ev = model.evaluate(cases[case])
    ax = plot_utility_terms(ev)
    ref = ev.recommended
    terms = ev.utility_terms
    others = [m for m in terms.index if m != ref]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Total (all terms)"
    by_label = {TERM[t].label: t for t in terms.columns}
    shown = [by_label[" ".join(lbl.split())] for lbl in labels[:-1]]
    diff = (terms - terms.loc[ref]) * DAYS_PER_YEAR
    assert set(shown) == {t for t in terms.columns if diff[t].abs().max() >= MIN_DAYS}
    assert list(diff.loc[others, shown].abs().max()) == sorted(diff.loc[others, shown].abs().max())  # biggest on top
    bars = ax.patches
    for j, m in enumerate(others):  # one bar series per other therapy, in row order then the total
        widths = [b.get_width() for b in bars[j * len(labels):(j + 1) * len(labels)]]
        want = [*diff.loc[m, shown], (ev.expected_utility[m] - ev.expected_utility[ref]) * DAYS_PER_YEAR]
        assert widths == pytest.approx(want)
        assert to_hex(bars[j * len(labels)].get_facecolor()) == MODALITY_COLORS[m].lower()
    assert f"compared with {ref}" in ax.get_xlabel()


def test_utility_terms_against_another_reference(model, cases):
    ev = model.evaluate(cases["case3_y90"])
    d = utility_term_differences(ev, "TAE")
    assert list(d.columns) == ["cTACE", "DEE-TACE", "Y90"]
    assert d.loc["total"].to_numpy() == pytest.approx(
        ((ev.expected_utility - ev.expected_utility["TAE"]) * DAYS_PER_YEAR).drop("TAE").to_numpy())
    assert d.drop(index="total").sum().to_numpy() == pytest.approx(d.loc["total"].to_numpy())
    assert "(reference)" in plot_utility_terms(ev, reference="TAE").get_title()
    with pytest.raises(ValueError, match="reference: unknown modality 'TACE'"):
        plot_utility_terms(ev, reference="TACE")


def test_utility_terms_of_an_ineligible_patient(model, cases):
    ev = model.evaluate(cases["case1_tae"].replace(ecog=4))
    assert ev.recommended is None
    ax = plot_utility_terms(ev)
    assert f"compared with {ev.ranking[0]}" in ax.get_xlabel()


# ------------------------------------------------------------------------------------------ compare

def test_compare_bars_and_stars(model, cases):
    import netlrt

    sceptic = model.with_priors({"or_pes_y90": {"interval": [0.5, 1.0]}}, note="a sceptic's view")
    res = netlrt.compare({"shipped": model, "sceptic": sceptic}, cases["case3_y90"], n_draws=300)
    ax = plot_compare(res)
    t = res.table
    modalities = list(dict.fromkeys(t["modality"]))
    want = [p for m in modalities for p in t[t["modality"] == m]["prob_best"]]
    assert [b.get_height() for b in ax.patches] == pytest.approx(want)
    stars = [a for a in ax.texts if a.get_text() == "\u2605"]
    assert len(stars) == int(t["recommended"].sum())
    ticks = [x.get_text() for x in ax.get_xticklabels()]
    assert [tk.split("\n")[0] for tk in ticks] == ["shipped", "sceptic"]
    assert ["close call" in tk for tk in ticks] == [res.close_call[m] for m in ("shipped", "sceptic")]


def test_compare_of_a_hand_made_table():
    t = pd.DataFrame({"model": ["a", "a", "b", "b"], "modality": ["TAE", "Y90"] * 2,
                      "prob_best": [0.6, 0.4, 0.3, 0.7], "recommended": [True, False, False, True]})
    ax = plot_compare(SimpleNamespace(table=t, close_call={}))
    stars = sorted(a.xy for a in ax.texts if a.get_text() == "\u2605")
    assert [round(y, 6) for _, y in stars] == [0.6, 0.7]
