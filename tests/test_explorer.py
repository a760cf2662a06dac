"""The Jupyter explorer: its controls drive a live evaluation."""

from __future__ import annotations

import pytest

w = pytest.importorskip("ipywidgets")

from netlrt.explorer import explore  # noqa: E402


def test_changing_a_finding_updates_the_evaluation(model, cases):
    ui = explore(model, cases["case3_y90"])
    html = ui.children[-1]
    assert "Recommended:</b> Y90" in html.value
    ui.controls["distribution"].value = "bilobar_oligo"
    ui.controls["preference"].value = "none"
    want = model.evaluate(cases["case3_y90"].replace(distribution="bilobar_oligo", preference="none"))
    assert f"Recommended:</b> {want.recommended}" in html.value
    ui.controls["biliary"].value = "bilioenteric_anastomosis"
    assert "33-86%" in html.value


def test_controls_cover_the_findings(model):
    ui = explore(model)
    assert set(ui.controls) == {"grade", "burden", "distribution", "biliary", "extrahepatic", "preference",
                                "functional", "renal_insufficiency"}
    assert list(ui.controls["preference"].options) == model.profiles
