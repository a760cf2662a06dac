"""An interactive explorer for Jupyter: change a patient's findings, watch outcomes and the recommendation.

Needs ipywidgets (``pip install 'netlrt[notebooks]'``), imported only when :func:`explore` is called.

Examples
--------
>>> import netlrt
>>> from netlrt.explorer import explore
>>> ui = explore(netlrt.load_model(), netlrt.cases.article_cases()["case3_y90"])  # doctest: +SKIP
>>> ui                                                                             # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .patient import CHOICES

if TYPE_CHECKING:
    from .model import Model
    from .patient import Patient


def explore(model: Model | None = None, patient: Patient | None = None) -> Any:
    """A widget with one control per finding and the live evaluation below them.

    Parameters
    ----------
    model
        The model to evaluate with (``None``: the shipped priors).
    patient
        Starting findings (``None``: the article's case 3). Fields without a control (ECOG, bilirubin,
        lung shunt fraction) keep its values; the preference list holds the model's named profiles.

    Returns
    -------
    ipywidgets.VBox
        Display it in a notebook cell. ``.children[-1]`` is the HTML output, ``.controls`` maps each
        Patient field to its widget.
    """
    try:
        import ipywidgets as w
    except ImportError:
        raise ImportError("netlrt.explorer needs ipywidgets: pip install 'netlrt[notebooks]'") from None
    from .cases import article_cases
    from .model import load_model

    model = load_model() if model is None else model
    start = article_cases()["case3_y90"] if patient is None else patient
    profile = start.preference if isinstance(start.preference, str) else model.profiles[0]
    controls: dict[str, Any] = {
        name: w.Dropdown(options=list(states), value=getattr(start, name), description=name)
        for name, states in CHOICES.items()
    }
    controls["preference"] = w.Dropdown(options=model.profiles, value=profile, description="preference")
    controls["functional"] = w.Checkbox(value=start.functional, description="functional")
    controls["renal_insufficiency"] = w.Checkbox(value=start.renal_insufficiency, description="renal insufficiency")
    output = w.HTML()

    def update(_: Any = None) -> None:
        try:
            # Fields without a control (ECOG, bilirubin, lung shunt) keep the starting patient's values.
            ev = model.evaluate(start.replace(**{k: c.value for k, c in controls.items()}))
            output.value = ev._repr_html_()
        except ValueError as exc:  # shown in place of the table: the user is mid-edit
            output.value = f"<p style='color:#a33'>{exc}</p>"

    for c in controls.values():
        c.observe(update, names="value")
    update()
    widgets = list(controls.values())
    box = w.VBox([w.HBox(widgets[:4]), w.HBox(widgets[4:]), output])
    box.controls = controls
    return box
