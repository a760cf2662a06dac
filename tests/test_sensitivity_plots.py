"""Sensitivity figures: each returns its Axes and names parameters by description, never by raw id."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.axes import Axes

from netlrt.plot import plot_sobol, plot_threshold, plot_tornado, plot_two_way, plot_whatif
from netlrt.plot.sensitivity import short_label


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(ax: Axes) -> str:
    return " ".join(t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()) + ax.get_xlabel() \
        + ax.get_ylabel()


def test_tornado_shows_the_top_parameters_by_description(model, cases):
    res = model.one_way(cases["case3_y90"], n_grid=5)
    ax = plot_tornado(res, top=8)
    assert isinstance(ax, Axes) and len(ax.get_yticklabels()) == 8
    assert not any(pid in _texts(ax) for pid in model.priors.uncertain)
    assert ax.get_yticklabels()[-1].get_text().startswith(short_label(res.table["label"].iloc[0]).split("\n")[0])
    assert "(utility)" in ax.get_xlabel()
    assert len(plot_tornado(res, top=None).get_yticklabels()) == len(model.priors.uncertain)


def test_plots_draw_into_a_given_axes(model, cases):
    patient = cases["case1_tae"]
    _, axes = plt.subplots(2, 3)
    results = [(plot_tornado, model.one_way(patient, n_grid=3)),
               (plot_two_way, model.two_way(patient, "response_tae", "median_os_tae_years", n=4)),
               (plot_threshold, model.threshold(patient, "median_os_tae_years")),
               (plot_sobol, model.sobol(patient, n=32)),
               (plot_whatif, model.whatif(patient))]
    for ax, (plot, res) in zip(axes.ravel(), results):
        assert plot(res, ax=ax) is ax


def test_two_way_and_threshold_labels_carry_units(model, cases):
    patient = cases["case1_tae"]
    ax = plot_two_way(model.two_way(patient, "response_tae", "median_os_tae_years", n=4))
    assert ax.get_xlabel().endswith("(probability)") and ax.get_ylabel() == "Median OS after TAE (years)"
    assert any(t.get_text() == "base case (TAE)" for t in ax.get_legend().get_texts())
    ax = plot_threshold(model.threshold(patient, "hr_grade_g1"))
    assert ax.get_title().startswith("No change within range")


def test_short_label():
    assert short_label("Hazard ratio for death, G1 versus G2") == "HR for death, G1 versus G2"
    assert short_label("x " * 60).endswith("\u2026") and short_label("x " * 60).count("\n") == 1
