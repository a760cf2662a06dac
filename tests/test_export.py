"""Export to BIF, XMLBIF, XDSL and NET: every CPD survives the round trip through pgmpy's readers, provenance comes
from the declarations, the format from the file name, and files are written safely."""

from __future__ import annotations

import os
import re
import stat
import xml.etree.ElementTree as etree

import numpy as np
import pytest

import netlrt
from netlrt.network.declarations import EDGE_SOURCES, NODES
from netlrt.network.pgmpy_adapter import read_network
from netlrt.output.export import FORMATS, SUFFIXES, export, format_for, genie_id, node_properties

# GeNIe and XMLBIF identifiers cannot hold '-': DEE-TACE is written DEE_TACE there.
RENAMED = {"xmlbif": {"DEE-TACE": "DEE_TACE"}, "xdsl": {"DEE-TACE": "DEE_TACE"}}


def _same_cpds(original, read, rename, atol):
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


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    """Each format written once and read back once (pgmpy's BIF and NET readers take seconds)."""
    folder = tmp_path_factory.mktemp("export")
    out = {}
    for fmt in FORMATS:
        path = export(model.network, model.priors, folder / f"netlrt.{fmt}")
        out[fmt] = (path, read_network(str(path), fmt))
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_every_cpd(model, exported, fmt):
    _, read = exported[fmt]
    read.check_model()
    # pgmpy's NET writer rounds probabilities to 8 decimals, XDSL's to 16; the others keep full precision.
    _same_cpds(model.network, read, RENAMED.get(fmt, {}), atol=1e-8 if fmt == "net" else 1e-12)


def test_model_export_is_this_export(model, tmp_path):
    a = model.export(tmp_path / "a.bif").read_text(encoding="utf-8")
    b = export(model.network, model.priors, tmp_path / "b.bif").read_text(encoding="utf-8")
    assert a == b


# ------------------------------------------------------------------------------------------ format

@pytest.mark.parametrize("name, fmt", [(f"m{suffix}", fmt) for suffix, fmt in SUFFIXES.items()]
                         + [("M.XDSL", "xdsl"), ("dir.v2/m.Net", "net")])
def test_format_from_the_suffix(name, fmt):
    assert format_for(name) == fmt
    assert format_for(name, fmt) == fmt  # an agreeing format is accepted


@pytest.mark.parametrize("name, fmt, match", [
    ("m.xdsl", "bif", "format: 'bif' contradicts the file name 'm.xdsl', which is xdsl"),
    ("m.xml", "net", "format: 'net' contradicts the file name 'm.xml', which is xmlbif"),
    ("m.txt", None, "path: cannot tell the format from the file name 'm.txt'"),
    ("m.bif", "dot", "format: unknown export format 'dot'; allowed: bif, xmlbif, xdsl, net"),
])
def test_format_mistakes(model, tmp_path, name, fmt, match):
    with pytest.raises(ValueError, match=match):
        format_for(name, fmt)
    with pytest.raises(ValueError, match=match):
        export(model.network, model.priors, tmp_path / name, fmt)
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary file left


def test_an_unknown_suffix_with_a_format(model, exported, tmp_path):
    path = export(model.network, model.priors, tmp_path / "network.txt", "net")
    assert path.read_bytes() == exported["net"][0].read_bytes()


# -------------------------------------------------------------------------------------- provenance

def test_properties_come_from_the_declarations(model):
    props = node_properties(model.priors)
    assert set(props) == {n.name for n in NODES}
    for node in NODES:
        p = props[node.name]
        assert p["kind"] == node.kind and p["label"] == node.label
        roles = node.priors()
        if roles:
            assert p["parameters"] == ", ".join(f"{pid} ({role})" for pid, role in roles.items())
            entries = p["provenance"].split(" | ")
            assert [e.split(":")[0] for e in entries] == list(roles)
            for pid, entry in zip(roles, entries):
                assert entry.startswith(f"{pid}: {model.priors[pid].provenance}")
        else:
            assert "parameters" not in p
        edges = p.get("edges", "")
        for parent in node.parents:
            why = node.why[parent]
            assert f"{parent} -> {node.name} ({why.source}): {why.text}" in edges


def test_a_modified_prior_is_exported_as_modified(model, exported, tmp_path):
    changed = model.with_priors({"or_pes_y90": {"interval": [0.3, 1.0]}}, note="a sceptic's view")
    read = read_network(str(export(changed.network, changed.priors, tmp_path / "m.xml")), "xmlbif")
    provenance = read.nodes["postembolization_syndrome"]["provenance"]
    assert "or_pes_y90: assumption (modified: a sceptic's view)" in provenance
    assert "modified" not in exported["xmlbif"][1].nodes["postembolization_syndrome"]["provenance"]
    # and the changed prior's table is what is written
    np.testing.assert_allclose(read.get_cpds("postembolization_syndrome").get_values(),
                               changed.network.get_cpds("postembolization_syndrome").get_values(), atol=1e-12)


@pytest.mark.parametrize("fmt", ["bif", "xmlbif", "net"])
def test_provenance_is_carried_as_node_properties(model, exported, fmt):
    read = exported[fmt][1]
    want = node_properties(model.priors, renamed=fmt == "xmlbif")
    for node in ("hepatic_abscess", "survival_3y", "modality"):
        got = {k: v.strip('"').strip() for k, v in read.nodes[node].items() if k in want[node]}
        assert set(got) == set(want[node]), node
        assert got["kind"] == want[node]["kind"]
        assert got["parameters" if "parameters" in got else "table"].split(",")[0] == \
            want[node]["parameters" if "parameters" in got else "table"].split(",")[0]


def test_every_edge_justification_is_exported(exported):
    text = exported["bif"][0].read_text(encoding="utf-8")
    for (parent, child), source in EDGE_SOURCES.items():
        assert f"{parent} -> {child} ({source})" in text


# ------------------------------------------------------------------------------------------- GeNIe

def test_xdsl_is_valid_for_genie(exported):
    root = etree.parse(exported["xdsl"][0]).getroot()
    assert root.get("id") == "netlrt"
    assert root.find("extensions/genie").get("name") == "netlrt"
    cpts = root.find("nodes").findall("cpt")
    seen: set[str] = set()
    for cpt in cpts:  # parents first
        parents = (cpt.findtext("parents") or "").split()
        assert set(parents) <= seen, (cpt.get("id"), parents)
        seen.add(cpt.get("id"))
    ids = [c.get("id") for c in cpts] + [s.get("id") for c in cpts for s in c.findall("state")]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", i) for i in ids)
    assert [s.get("id") for s in root.find("nodes/cpt[@id='modality']").findall("state")] == \
        ["TAE", "cTACE", "DEE_TACE", "Y90"]
    comments = {e.get("id"): e.findtext("comment") for e in root.find("extensions/genie").findall("node")}
    assert set(comments) == {n.name for n in NODES}
    assert "DEE_TACE is DEE-TACE" in comments["modality"]
    assert "33 to 86%" in comments["hepatic_abscess"]  # the article's quote behind biliary -> hepatic_abscess


def test_xdsl_layout_follows_the_drawing(exported):
    from netlrt.network.layout import layered_positions

    root = etree.parse(exported["xdsl"][0]).getroot()
    boxes = {e.get("id"): [int(v) for v in e.findtext("position").split()]
             for e in root.find("extensions/genie").findall("node")}
    pos = layered_positions()
    for a in boxes:  # no two boxes overlap
        for b in boxes:
            if a < b:
                (l1, t1, r1, b1), (l2, t2, r2, b2) = boxes[a], boxes[b]
                assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, (a, b)
    for a in boxes:  # left-right and top-bottom order as in the figure
        for b in boxes:
            if pos[a][0] < pos[b][0]:
                assert boxes[a][0] < boxes[b][0]
            if pos[a][1] > pos[b][1]:
                assert boxes[a][1] < boxes[b][1]


def test_genie_id():
    assert genie_id("DEE-TACE") == "DEE_TACE"
    assert genie_id("a b.c") == "a_b_c"
    assert genie_id("3y") == "n_3y" and genie_id("_x") == "n__x"
    assert genie_id("survival_3y") == "survival_3y"


def test_export_is_deterministic(model, tmp_path):
    a = export(model.network, model.priors, tmp_path / "a.xdsl").read_bytes()
    b = export(model.network, model.priors, tmp_path / "b.xdsl").read_bytes()
    assert a == b


# ------------------------------------------------------------------------------------- safe writing

def test_replaces_a_file_atomically_and_keeps_its_mode(model, tmp_path):
    out = tmp_path / "m.bif"
    out.write_text("old")
    out.chmod(0o640)
    export(model.network, model.priors, out)
    assert out.read_text(encoding="utf-8").startswith("network")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bif"]  # no temporary file left


def test_writes_through_a_symlink_and_keeps_it(model, exported, tmp_path):
    target = tmp_path / "real.net"
    target.write_text("old")
    link = tmp_path / "link.net"
    link.symlink_to(target)
    export(model.network, model.priors, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == exported["net"][0].read_bytes()


def test_a_device_stays_a_device(model, tmp_path):
    dev = tmp_path / "null.bif"
    try:
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device here: {exc}")
    export(model.network, model.priors, dev)
    assert stat.S_ISCHR(dev.lstat().st_mode)


@pytest.mark.parametrize("name, match", [
    ("missing/m.bif", "does not exist"),
    ("", "is a folder|is empty"),
])
def test_unwritable_paths(model, tmp_path, name, match):
    path = tmp_path / name if name else tmp_path
    with pytest.raises(ValueError, match=match):
        export(model.network, model.priors, path, "bif" if not name else None)
    assert list(tmp_path.iterdir()) == []


def test_export_from_python_never_writes_over_the_models_priors(tmp_path):
    """The command line refuses every file it read; a notebook's export must not replace a priors file either."""
    from netlrt.evidence.priors_files import init_folder

    folder = init_folder(tmp_path / "mine")
    model = netlrt.load_model(folder)
    before = (folder / "survival.yaml").read_bytes()
    for target in (folder / "survival.yaml", f"{folder}/./survival.yaml"):
        with pytest.raises(ValueError, match=r"is a file of the model's priors .*writing it would destroy the priors"):
            model.export(target, "bif")
    assert (folder / "survival.yaml").read_bytes() == before
    assert model.export(tmp_path / "net.bif").exists()  # anywhere else is fine
