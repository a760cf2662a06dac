"""Sensitivity figures: each draws the numbers of its result (hand-built problems with known answers, and the
article's cases), names parameters by description, and marks where the recommendation changes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from netlrt.analysis.sensitivity import DecisionProblem, Parameter, one_way, sobol, threshold, two_way
from netlrt.decision.utility import DAYS_PER_YEAR
from netlrt.plot import MODALITY_COLORS, plot_sobol, plot_threshold, plot_tornado, plot_two_way, plot_whatif
from netlrt.plot._style import short_label
from netlrt.plot.sensitivity import HIGH_COLOR, LOW_COLOR


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _problem(low: float = 0.2, high: float = 0.8) -> DecisionProblem:
    """A = p, B = 0.3 + 0.5 q: at the base (0.5, 0.5) B is best by 0.05; A takes over above p = 0.55, and
    below q = 0.4."""
    return DecisionProblem(lambda X: np.column_stack([X[:, 0], 0.3 + 0.5 * X[:, 1]]),
                           (Parameter.uniform("p", low, high, label="Chance of A's success", unit="probability"),
                            Parameter.uniform("q", low, high, label="Odds ratio of B's effect", unit="odds ratio")),
                           ("A", "B"))


def _rows(ax: Axes) -> dict[float, list]:
    """Bars grouped by their row (y centre)."""
    out: dict[float, list] = {}
    for c in ax.containers:
        if isinstance(c, BarContainer):
            for b in c:
                out.setdefault(round(b.get_y() + b.get_height() / 2, 6), []).append(b)
    return out


# -------------------------------------------------------------------------------------------- tornado

def test_tornado_bars_and_switches_by_hand():
    res = one_way.analyze(_problem(), n_grid=7)
    assert res.base_best == "B" and res.base_value == pytest.approx(0.05)
    ax = plot_tornado(res)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1].startswith("Chance of A's success")  # the largest swing on top
    assert labels[0].startswith("OR of B's effect")
    rows = _rows(ax)
    top, bottom = rows[1.0], rows[0.0]
    # p: low end margin 0.55 - 0.2 = 0.35 (B still best), high end 0.55 - 0.8 = -0.25 (A best: hatched)
    got = {to_hex(b.get_facecolor()): (b.get_x(), b.get_width(), bool(b.get_hatch())) for b in top}
    assert got[LOW_COLOR.lower()] == pytest.approx((0.05, 0.30, False))
    assert got[HIGH_COLOR.lower()] == pytest.approx((0.05, -0.30, True))
    # q: low end B = 0.4 < A = 0.5 (A best: hatched), high end margin 0.2
    got = {to_hex(b.get_facecolor()): (b.get_width(), bool(b.get_hatch())) for b in bottom}
    assert got[LOW_COLOR.lower()] == pytest.approx((-0.15, True))
    assert got[HIGH_COLOR.lower()] == pytest.approx((0.15, False))
    texts = [t.get_text() for t in ax.texts]
    assert "B\u2192A at 0.55" in texts and "A\u2192B at 0.4" in texts  # the exact switch points
    assert texts.count("A") == 2  # the winner named at each hatched bar end
    shade = next(p for p in ax.patches if p.get_gid() == "other_side")  # margin < 0: B no longer best
    assert shade.get_x() + shade.get_width() == pytest.approx(0.0) and shade.get_x() < -0.25
    assert "margin" in ax.get_xlabel().lower()
    assert ax.get_title().endswith("; best at the prior means: B")  # not the recommendation, which averages draws


def test_tornado_of_a_case(model, cases):
    res = model.one_way(cases["case1_tae"], n_grid=5)
    ax = plot_tornado(res, top=8)
    rows = _rows(ax)
    assert len(rows) == 8
    table = res.table.head(8).iloc[::-1].reset_index(drop=True)
    for y, r in table.iterrows():
        bars = {to_hex(b.get_facecolor()): b for b in rows[float(y)]}
        for end, color in (("low", LOW_COLOR), ("high", HIGH_COLOR)):
            b = bars[color.lower()]
            assert b.get_x() + b.get_width() == pytest.approx(r[f"metric_at_{end}"])
            assert bool(b.get_hatch()) == (r[f"best_at_{end}"] != res.base_best)
    # the description first, then the id with the range: two shortened descriptions can read alike (case 1's
    # kidney injury with normal function and with renal insufficiency both end 'after an arterial procedure, with...')
    for t, r in zip(ax.get_yticklabels(), table.itertuples()):
        *description, last = t.get_text().split("\n")
        assert "\n".join(description) == short_label(r.label)
        assert last == f"{r.parameter} [{r.low:.3g} to {r.high:.3g}]"
    assert len(plot_tornado(res, top=None).get_yticklabels()) == len(res.table)


def test_tornado_top_must_be_positive(model, cases):
    res = one_way.analyze(_problem(), n_grid=3)
    with pytest.raises(ValueError, match="top: expected a positive integer, got -1"):
        plot_tornado(res, top=-1)


# -------------------------------------------------------------------------------------------- two-way

def test_two_way_regions_are_the_best_options():
    res = two_way.analyze(_problem(0.0, 1.0), "p", "q", n_grid=3)
    assert res.best.tolist() == [["B", "A", "A"], ["B", "B", "A"], ["B", "B", "A"]]
    ax = plot_two_way(res)
    mesh = ax.collections[0]
    codes = np.asarray(mesh.get_array()).reshape(3, 3)
    assert codes.tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0]]
    marker = next(ln for ln in ax.get_lines() if ln.get_marker() == "o")
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (0.5, 0.5)
    assert ax.get_xlabel() == "Chance of A's success (probability)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B", "base case (B)"]


def test_two_way_of_a_case_uses_modality_colours(model, cases):
    res = model.two_way(cases["case1_tae"], "or_pes_y90", "days_renal_injury", n_grid=6)
    ax = plot_two_way(res)
    present = [t.get_text() for t in ax.get_legend().get_texts()][:-1]
    assert set(present) == set(res.best.ravel())
    colors = [to_hex(h.get_facecolor()) for h in ax.get_legend().legend_handles[:-1]]
    assert colors == [MODALITY_COLORS[m].lower() for m in present]


# ------------------------------------------------------------------------------------------ threshold

def test_threshold_lines_and_switch():
    res = threshold.analyze(_problem(0.0, 1.0), "p")
    assert res.thresholds == pytest.approx((0.55,))
    ax = plot_threshold(res)
    curves = [ln for ln in ax.get_lines() if ln.get_label() in ("A", "B")]
    for j, ln in enumerate(curves):
        assert list(ln.get_ydata()) == pytest.approx(res.utilities[:, j])
    vertical = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert [ln.get_xdata()[0] for ln in vertical] == pytest.approx([0.55])
    assert "B\u2192A at 0.55" in [t.get_text() for t in ax.texts]


def test_threshold_without_change(model, cases):
    res = model.threshold(cases["case1_tae"], "median_os_years")
    ax = plot_threshold(res)
    assert ax.get_title() == f"No change within range: {res.base_best} throughout"
    assert ax.get_ylabel() == "QALYs, others at prior means"  # not the Bayes expectation that evaluate() gives
    assert {ln.get_label(): to_hex(ln.get_color()) for ln in ax.get_lines() if ln.get_label() in MODALITY_COLORS} \
        == {m: c.lower() for m, c in MODALITY_COLORS.items()}


# -------------------------------------------------------------------------------------------- Sobol

def test_sobol_bars_are_the_indices_with_intervals():
    prob = DecisionProblem(lambda X: np.column_stack([X[:, 0] + 0.3 * X[:, 1], np.zeros(len(X))]),
                           (Parameter.uniform("a", 0, 1, label="Alpha"), Parameter.uniform("b", 0, 1, label="Beta"),
                            Parameter.uniform("c", 0, 1, label="Gamma")), ("A", "B"))
    res = sobol.analyze(prob, n_draws=256, metric=("utility", "A"))
    ax = plot_sobol(res)
    table = res.table.iloc[::-1]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    st, s1 = bars
    assert [b.get_width() for b in st] == pytest.approx(table["ST"].to_numpy())
    assert [b.get_width() for b in s1] == pytest.approx(table["S1"].to_numpy())
    segments = st.errorbar.lines[2][0].get_segments()
    assert [s[1][0] - s[0][0] for s in segments] == pytest.approx(2 * table["ST_conf"].to_numpy())
    assert [t.get_text().split(" \u2020")[0] for t in ax.get_yticklabels()] == list(table["label"])
    assert "N = 256" in ax.get_title()


def test_sobol_without_flags_counts_overlaps_by_the_analysis_rule():
    from types import SimpleNamespace

    table = pd.DataFrame({"parameter": ["a", "b", "c"], "label": ["A", "B", "C"], "S1": [0.3, 0.3, 0.05],
                          "S1_conf": [0.3, 0.05, 0.05], "ST": [0.5, 0.4, 0.1], "ST_conf": [0.6, 0.1, 0.05]})
    result = SimpleNamespace(table=table, n_draws=8, output="y", notes=())  # the top interval covers 0
    assert "1 neighbouring pair overlap: the ranking is not stable at N = 8" in plot_sobol(result).get_title()
    assert "overlap" not in plot_sobol(result, top=1).get_title()  # counted among the rows drawn


def test_sobol_flags_unstable_rows(model, cases):
    res = model.sobol(cases["case3_y90"], n_draws=64)
    ax = plot_sobol(res, top=10)
    flagged = res.table.head(10).iloc[::-1]["flag"].to_numpy() != ""
    labels = ax.get_yticklabels()
    assert [t.get_text().endswith("\u2020") for t in labels] == list(flagged)
    assert [to_hex(t.get_color()) == "#b00020" for t in labels] == list(flagged)
    footer = " ".join(t.get_text() for t in ax.texts)
    for note in res.notes:
        assert " ".join(note.split())[:40] in " ".join(footer.split())


# -------------------------------------------------------------------------------------------- what-if

def test_whatif_cells_match_their_rows(model, cases):
    res = model.whatif(cases["case3_y90"])
    ax = plot_whatif(res)
    t = res.table
    rows = t.drop_duplicates(["finding", "state"]).reset_index(drop=True)
    labels = [x.get_text() for x in ax.get_yticklabels()]
    assert labels == [f"{r.finding} = {r.state}" for r in rows.itertuples()]
    assert [x.get_fontweight() == "bold" for x in ax.get_yticklabels()] == list(rows["current"])
    modalities = [x.get_text() for x in ax.get_xticklabels()]
    cells = {(round(c.get_position()[1]), round(c.get_position()[0])): c.get_text() for c in ax.texts}
    for i, r in rows.iterrows():
        eu = t[(t["finding"] == r["finding"]) & (t["state"] == r["state"])].set_index("modality")["expected_utility"]
        best = eu.max()
        for j, m in enumerate(modalities):  # days behind the best, positive as in the outcome table
            want = f"{eu[m]:.3f}" if eu[m] == best else f"{(best - eu[m]) * DAYS_PER_YEAR:.1f} d"
            assert cells[(i, j)] == want, (r["finding"], r["state"], m)
    own = t[t["current"]].groupby("modality")["expected_utility"].agg(["min", "max"])
    assert np.allclose(own["min"], own["max"])  # every row of the patient's own state is the same patient


def test_plots_draw_into_a_given_axes(model, cases):
    patient = cases["case1_tae"]
    _, axes = plt.subplots(2, 3)
    results = [(plot_tornado, one_way.analyze(_problem(), n_grid=3)),
               (plot_two_way, two_way.analyze(_problem(), "p", "q", n_grid=3)),
               (plot_threshold, threshold.analyze(_problem(), "q")),
               (plot_whatif, model.whatif(patient))]
    before = plt.get_fignums()
    for ax, (plot, res) in zip(axes.ravel(), results):
        assert plot(res, ax=ax) is ax
    assert plt.get_fignums() == before
