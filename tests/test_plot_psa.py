"""Smoke tests of the PSA figures: each returns labelled Axes and draws on a given Axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from netlrt.plot import plot_acceptability, plot_evppi, plot_prob_best, plot_psa_outcomes


@pytest.fixture(scope="module")
def psa(model, cases):
    return model.psa(cases["case3_y90"], n_draws=2000, seed=0, progress=False)


@pytest.mark.parametrize("plot", [plot_prob_best, plot_acceptability, plot_psa_outcomes, plot_evppi])
def test_returns_labelled_axes(psa, plot):
    fig, ax = plt.subplots()
    try:
        assert plot(psa, ax=ax) is ax
        assert ax.get_xlabel() and ax.get_ylabel()
    finally:
        plt.close(fig)


def test_evppi_plot_uses_descriptions_and_accepts_a_ranking(psa):
    ranking = psa.evppi_ranking(seed=0)
    ax = plot_evppi(ranking, top=5)
    try:
        labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
        assert labels[-1] == ranking["description"].iloc[0]
        assert "median_os_y90_years" not in labels
        assert "expected utility" in ax.get_xlabel()
    finally:
        plt.close(ax.figure)
    with pytest.raises(ValueError, match="top"):
        plot_evppi(ranking, top=0)


def test_acceptability_plot_accepts_a_curve(psa):
    ax = plot_acceptability(psa.acceptability([0, 1, 2]))
    try:
        assert len(ax.get_legend().get_texts()) == 4
        assert "λ" in ax.get_xlabel()
    finally:
        plt.close(ax.figure)
