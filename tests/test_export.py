"""Export to BIF, XMLBIF, XDSL and NET: every CPD survives the round trip through pgmpy's readers."""

from __future__ import annotations

import numpy as np
import pytest

import netlrt
from netlrt import cli
from netlrt.export import export, parameters_by_node
from netlrt.pgmpy_adapter import read_network
from netlrt.structure import EDGES, NODES

# XMLBIF allows only letters, digits and underscores in a state name; pgmpy's writer substitutes.
XMLBIF_STATE = {"DEE-TACE": "DEE_TACE"}


def _same_cpds(original, read, rename=None, atol=1e-12):
    rename = rename or {}
    assert set(read.nodes) == set(original.nodes)
    assert set(read.edges) == set(original.edges)
    for cpd in original.get_cpds():
        other = read.get_cpds(cpd.variable)
        want_states = {v: [rename.get(s, s) for s in states] for v, states in cpd.state_names.items()}
        assert other.state_names == want_states, cpd.variable
        values = other.get_values()
        if other.variables != cpd.variables:  # a reader may list the parents in another order
            values = other.reorder_parents(cpd.variables[1:], inplace=False)
        np.testing.assert_allclose(values, cpd.get_values(), rtol=0, atol=atol, err_msg=cpd.variable)


@pytest.mark.parametrize("fmt", ["bif", "xmlbif", "xdsl", "net"])
def test_round_trip_every_cpd(model, tmp_path, fmt):
    path = export(model, tmp_path / f"netlrt.{fmt}")
    read = read_network(str(path), fmt)
    read.check_model()
    # pgmpy's NET writer rounds probabilities to 8 decimals; the other writers keep full precision.
    _same_cpds(model.network, read, XMLBIF_STATE if fmt == "xmlbif" else None, atol=1e-8 if fmt == "net" else 1e-12)


@pytest.mark.parametrize("fmt", ["bif", "xmlbif", "net"])
def test_provenance_is_carried_as_node_properties(model, tmp_path, fmt):
    read = read_network(str(export(model, tmp_path / f"m.{fmt}")), fmt)
    props = {k: v.strip('"') for k, v in read.nodes["hepatic_abscess"].items()}
    assert props["kind"] == "outcome"
    assert props["parameters"].split(", ")[0] == "abscess_bilioenteric"
    assert "abscess_bilioenteric: article, refs 18,19" in props["provenance"]
    assert "33 to 86%" in props["edges"]  # the article's quote behind biliary -> hepatic_abscess


def test_xdsl_comments_hold_edge_justifications(model, tmp_path):
    text = export(model, tmp_path / "m.xdsl").read_text(encoding="utf-8")
    assert text.count("<comment>") == len(NODES)
    assert "ranging from 50 to 60%" in text


def test_every_edge_justification_is_exported(model, tmp_path):
    text = export(model, tmp_path / "m.bif").read_text(encoding="utf-8")
    for (parent, child), (source, _) in EDGES.items():
        assert f"{parent} -> {child} ({source})" in text


def test_parameters_by_node_covers_every_uncertain_parameter(model):
    found = {pid for ids in parameters_by_node(model.means).values() for pid in ids}
    assert set(model.priors.uncertain) <= found
    assert "ecog_max" not in found  # an eligibility threshold, not part of any table


def test_export_is_deterministic(model, tmp_path):
    a = export(model, tmp_path / "a.xdsl").read_bytes()
    b = export(model, tmp_path / "b.xdsl").read_bytes()
    assert a == b


def test_model_method_and_explicit_format(model, tmp_path):
    path = model.export(tmp_path / "network.txt", format="net")
    assert read_network(str(path), "net").get_cpds("modality").state_names["modality"] == list(netlrt.MODALITIES)


@pytest.mark.parametrize("name, fmt, match", [
    ("m.txt", None, "end it with one of"),
    ("m.bif", "dot", "unknown export format 'dot'"),
    ("missing/m.bif", None, "does not exist"),
])
def test_bad_requests_raise_and_write_nothing(model, tmp_path, name, fmt, match):
    with pytest.raises(ValueError, match=match):
        export(model, tmp_path / name, fmt)
    assert list(tmp_path.iterdir()) == []


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "m.xmlbif"
    assert cli.main(["export", "--out", str(out)]) == 0
    assert read_network(str(out), "xmlbif").get_cpds("survival_3y") is not None
    assert cli.main(["export", "--format", "bif", "--out", str(tmp_path / "nowhere" / "m.bif")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
