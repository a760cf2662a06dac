"""The network's layout and drawing (from the declarations), and the priors forest plot."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Annotation

from netlrt.network import layout
from netlrt.network.declarations import EDGE_SOURCES, NODES, Node, Why
from netlrt.plot import plot_network, plot_priors
from netlrt.plot.network import node_text
from netlrt.plot.priors import GROUPS, unit_group


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _distance_to_segment(p, a, b) -> float:
    p, a, b = (np.asarray(v, dtype=float) for v in (p, a, b))
    t = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0, 1)
    return float(np.linalg.norm(p - (a + t * (b - a))))


def _check_layout(pos, nodes, edges) -> None:
    assert set(pos) == {n.name for n in nodes}
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in pos.values())
    for parent, child in edges:
        assert pos[parent][1] > pos[child][1], (parent, child)
    names = list(pos)
    for i, a in enumerate(names):  # no two nodes on top of each other
        for b in names[i + 1:]:
            assert np.hypot(pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]) > 0.05, (a, b)
    # No edge passes behind a node it does not join (the reason intermediates sit in side columns).
    for name in names:
        for parent, child in edges:
            if name not in (parent, child):
                assert _distance_to_segment(pos[name], pos[parent], pos[child]) > 0.03, (name, parent, child)


def test_layout_rows_and_clear_edges():
    pos = layout.layered_positions()
    _check_layout(pos, NODES, EDGE_SOURCES)
    rows = layout.layers()
    assert [sorted(r) for r in rows] == [sorted(n.name for n in NODES if layout.LAYER[n.kind] == i) for i in range(3)]
    assert rows[0][len(rows[0]) // 2] == "modality"
    for n in NODES:
        x, y = pos[n.name]
        if n.kind == "intermediate":  # in a side column, between the two rows
            assert not layout.MARGIN <= x <= 1 - layout.MARGIN and 0 < y < 1
        else:
            assert y == (0.0 if n.kind == "outcome" else 1.0)


def test_layout_stays_readable_with_more_outcomes(monkeypatch):
    """Two more outcomes (one with an intermediate parent) keep every node apart and every edge clear."""
    extra = (Node("outcome_a", "outcome", "a", ("no", "yes"), ("modality", "burden"), None,
                  {"modality": Why("article", "x"), "burden": Why("assumption", "y")}),
             Node("outcome_b", "outcome", "b", ("no", "yes"), ("procedure_sessions", "grade"), None,
                  {"procedure_sessions": Why("assumption", "x"), "grade": Why("assumption", "y")}))
    nodes = NODES + extra
    monkeypatch.setattr(layout, "NODES", nodes)
    monkeypatch.setattr(layout, "NODE", {n.name: n for n in nodes})
    edges = [*EDGE_SOURCES, *((p, n.name) for n in extra for p in n.parents)]
    _check_layout(layout.layered_positions(), nodes, edges)


def test_plot_network_draws_the_declarations():
    _, ax = plt.subplots()
    before = plt.get_fignums()
    assert plot_network(ax=ax) is ax
    assert plt.get_fignums() == before  # no figure of its own when given an Axes
    pos = layout.layered_positions()
    labels = {t.get_gid(): t for t in ax.texts if not isinstance(t, Annotation)}
    assert set(labels) == {n.name for n in NODES}
    for name, text in labels.items():
        assert text.get_text() == node_text(name)
        assert text.get_position() == pytest.approx(pos[name])
    arrows = {a.get_gid(): a for a in ax.texts if isinstance(a, Annotation)}
    assert set(arrows) == {f"{p}->{c}" for p, c in EDGE_SOURCES}
    for (parent, child), source in EDGE_SOURCES.items():
        arrow = arrows[f"{parent}->{child}"]
        assert arrow.xy == pytest.approx(pos[child]) and arrow.xyann == pytest.approx(pos[parent])
        style = {"solid": "-", "dashed": "--"}.get(arrow.arrow_patch.get_linestyle(), arrow.arrow_patch.get_linestyle())
        assert style == ("-" if source == "article" else "--"), (parent, child, source)
    assert {src for src in EDGE_SOURCES.values()} == {"article", "assumption"}  # both styles are exercised


def test_plot_network_accepts_a_model_and_builds_no_pgmpy_network():
    code = textwrap.dedent("""
        import sys, matplotlib
        matplotlib.use("Agg")
        from netlrt.plot import plot_network
        plot_network()
        print("pgmpy" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_plot_network_with_a_model_is_the_same_drawing(model):
    a, b = plot_network(model), plot_network(None)
    assert [t.get_text() for t in a.texts] == [t.get_text() for t in b.texts]


@pytest.mark.parametrize("draw", ["two_way", "threshold"])
def test_analyse_figures_drawn_once_have_savefigs_pixels(model, draw):
    # figure_bytes lays out and renders in one drawing, savefig in two (layout, then pixels); the PNGs agree when
    # no artist depends on where another was drawn. test_report compares every figure of the report; these two
    # are figures of `netlrt analyse` only.
    from netlrt.evidence.cases import article_cases
    from netlrt.output.page import figure_bytes
    from netlrt.plot import plot_threshold, plot_two_way

    patient = article_cases()["case3_y90"]
    make = {"two_way": lambda: plot_two_way(model.two_way(patient, "hr_modality_y90", "hr_modality_tae", n_grid=9)),
            "threshold": lambda: plot_threshold(model.threshold(patient, "hr_modality_y90"))}[draw]
    expected = io.BytesIO()
    make().figure.savefig(expected, format="png", dpi=110, pil_kwargs={"compress_level": 3})
    assert figure_bytes(make().figure, "png", 110, draw) == expected.getvalue()


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_report_page_writes_the_same_vector_figure_twice(fmt):
    # matplotlib dates vector files and gives SVG elements random ids; the report's files repeat exactly.
    from netlrt.output.page import Page

    files = []
    for _ in range(2):
        page = Page(figure_format=fmt)
        page.figure(plot_network(), "network", "caption")
        files.append(page.files[f"network.{fmt}"])
        assert plt.get_fignums() == []  # the page closed the figure
    assert files[0] == files[1]
    if fmt == "svg":
        assert b"xlink:href" in files[0] and b"<dc:date>" not in files[0]
    else:
        assert files[0].startswith(b"%PDF") and b"/CreationDate" not in files[0]


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_figure_files_ignore_a_users_savefig_settings_and_leave_the_figure_as_it_was(fmt):
    # A matplotlibrc may flip images, make figures transparent or coloured, or crop them; report files do not
    # change with it. The figure keeps its dpi and canvas (a notebook may still show it).
    import matplotlib

    from netlrt.output.page import figure_bytes

    def write(**rc):
        fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
        ax.plot([0, 1], [0, 2])
        ax.set_title("t")
        canvas = fig.canvas
        with matplotlib.rc_context(rc):
            out = figure_bytes(fig, fmt, 150, "f")
        assert fig.dpi == 100 and fig.canvas is canvas
        return out

    assert write(**{"image.origin": "lower", "savefig.transparent": True, "savefig.facecolor": "yellow",
                    "savefig.edgecolor": "red", "savefig.bbox": "tight"}) == write()


def test_node_text_wraps_words():
    assert node_text("postembolization_syndrome") == "postembolization\nsyndrome"
    assert node_text("bilirubin_mg_dl") == "bilirubin\n(mg/dL)"


# ------------------------------------------------------------------------------------------- priors

def _rows(ax):
    """Parameter id -> the lines drawn on its row (mean marker, interval, quoted range), ids top to bottom."""
    at = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())))
    ids = [at[y] for y in sorted(at, reverse=True)]
    out = {pid: [ln for ln in ax.get_lines() if np.allclose(ln.get_ydata(), y)] for y, pid in at.items()}
    return ids, out


def test_plot_priors_panels_hold_every_uncertain_prior_by_unit(model):
    priors = model.priors
    axes = plot_priors(priors)
    want = {}
    for pid in priors.uncertain:
        want.setdefault(unit_group(priors[pid].unit), []).append(pid)
    groups = [g for g in GROUPS if g in want] + [g for g in want if g not in GROUPS]
    assert [a.get_title(loc="left").split(":")[0] for a in axes] == groups
    for ax, g in zip(axes, groups):
        assert _rows(ax)[0] == want[g]
        assert ax.get_xscale() == GROUPS.get(g, ("linear",))[0]
    fig = axes[0].get_figure()
    assert all(a.get_figure() is fig for a in axes)  # one figure, small multiples
    assert fig.legends, "the key is drawn once for the figure"


def test_plot_priors_draws_each_mean_interval_and_quote(model):
    priors = model.priors
    quoted = [pid for pid in priors.uncertain if len(priors[pid].quoted_values) >= 2]
    assert quoted, "the shipped priors quote at least one range"
    pid = quoted[0]
    p = priors[pid]
    ax = plot_priors(priors, unit=unit_group(p.unit))
    _, rows = _rows(ax)
    xs = [tuple(np.round(ln.get_xdata(), 12)) for ln in rows[pid]]
    assert (round(p.mean, 12),) in xs
    assert (round(p.low, 12), round(p.high, 12)) in xs
    q = np.asarray(p.quoted_values) / p.quote_scale
    assert (round(q.min(), 12), round(q.max(), 12)) in xs


def test_plot_priors_marks_a_modified_prior(model):
    changed = model.with_priors({"or_pes_y90": {"interval": [0.3, 1.0]}}, note="a sceptic's view")
    ax = plot_priors(changed, ids=["or_pes_y90", "or_pes_high_burden"], unit="ratio")
    _, rows = _rows(ax)
    faces = {pid: next(ln.get_markerfacecolor() for ln in lines if ln.get_marker() == "o")
             for pid, lines in rows.items()}
    assert faces["or_pes_y90"] == "white" and faces["or_pes_high_burden"] != "white"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["source: assumption", "modified or updated"]
    article = plot_priors(model, ids=["response_base"], unit="probability")  # a key to what is shown only
    assert [t.get_text() for t in article.get_legend().get_texts()] == [
        "source: article", "range quoted in the article"]
    both = plot_priors(model, ids=["response_base", "pes_embolic"], unit="probability")
    assert [t.get_text() for t in both.get_legend().get_texts()] == [
        "source: article", "source: assumption", "range quoted in the article"]


def test_plot_priors_into_given_axes(model):
    _, ax = plt.subplots()
    assert plot_priors(model.priors, unit="years", ax=ax) is ax
    groups = {unit_group(model.priors[p].unit) for p in model.priors.uncertain}
    _, axes = plt.subplots(len(groups))
    assert list(plot_priors(model, ax=axes)) == list(axes)


@pytest.mark.parametrize("kwargs, match", [
    ({"unit": "furlongs"}, "unit: no uncertain parameter in unit group 'furlongs'"),
    ({"ids": ["nope"]}, "ids: unknown parameter 'nope'"),
    ({"ids": []}, "ids: none of the parameters given is uncertain"),
    ({"ncols": 0}, "ncols: expected a positive integer, got 0"),
])
def test_plot_priors_bad_input(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_priors(model, **kwargs)


def test_plot_priors_wrong_number_of_axes(model):
    _, axes = plt.subplots(2)
    with pytest.raises(ValueError, match="ax: 2 Axes given for"):
        plot_priors(model, ax=axes)

