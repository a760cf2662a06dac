"""The network drawing, its layout, and the priors forest plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Annotation

from netlrt.layout import layered_positions
from netlrt.plot import plot_network, plot_priors
from netlrt.structure import EDGES, NODES


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_layout_puts_every_parent_above_its_child():
    pos = layered_positions()
    assert set(pos) == {n.name for n in NODES}
    for parent, child in EDGES:
        assert pos[parent][1] > pos[child][1], (parent, child)
    rows = {}
    for x, y in pos.values():
        rows.setdefault(y, []).append(x)
    assert all(len(set(xs)) == len(xs) for xs in rows.values())  # no two nodes on one spot


def test_plot_network_draws_each_node_and_edge_styled_by_source(model):
    _, ax = plt.subplots()
    assert plot_network(model, ax=ax) is ax
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    labels = {t.get_text().replace("\n", "_") for t in ax.texts if t not in arrows}
    assert labels == {n.name for n in NODES}
    assert len(arrows) == len(EDGES)
    dashed = [a for a in arrows if a.arrow_patch.get_linestyle() != "-"]
    assert len(dashed) == sum(src == "assumption" for src, _ in EDGES.values())


def test_plot_priors_small_multiples_by_unit(model):
    axes = plot_priors(model)
    assert [a.get_title(loc="left") for a in axes] == [f"Priors ({g}): mean and 95% interval"
                                             for g in ("probability", "ratio", "years")]
    n_rows = sum(len(a.get_yticks()) for a in axes)
    assert n_rows == len(model.priors.uncertain)
    assert axes[1].get_xscale() == "log"


def test_plot_priors_one_unit_on_given_axes(model):
    _, ax = plt.subplots()
    out = plot_priors(model.priors, unit="years", ax=ax)
    assert out is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["median_os_tae_years", "median_os_tace_years",
                                                            "median_os_y90_years"]


@pytest.mark.parametrize("kwargs, match", [
    ({"unit": "furlongs"}, "unit: no uncertain parameter in unit group 'furlongs'"),
    ({"ids": ["nope"]}, "ids: unknown parameter 'nope'"),
])
def test_plot_priors_bad_input(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_priors(model, **kwargs)
