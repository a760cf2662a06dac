"""An interactive explorer for Jupyter: change a patient's findings, watch outcomes and the recommendation.

The controls are generated from the patient specification (:data:`netlrt.evidence.patient_spec.FIELDS`), one per
field: a dropdown for a field with states (with ``unknown``), for a yes/no finding and for a small integer
range such as ECOG; a text box for a number (empty means unknown; bilirubin also takes ``above_3``); the
model's preference profiles for ``preference``. Needs ipywidgets (``pip install 'netlrt[notebooks]'``),
imported only when :func:`explore` is called.

Examples
--------
>>> import netlrt
>>> ui = explore(netlrt.load_model(), netlrt.cases.article_cases()["case3_y90"])  # doctest: +SKIP
>>> ui                                                                             # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..evidence.patient import Patient
    from ..evidence.patient_spec import Field

__all__ = ["UNKNOWN", "control_options", "explore"]

#: The option (and text) that leaves a finding unknown: the network averages over it.
UNKNOWN = "unknown"
#: An integer field with at most this many values gets a dropdown; a wider one a text box.
_MAX_CHOICES = 12
_CUSTOM = "custom"


def control_options(field: Field, profiles: list[str] | None = None) -> list[tuple[str, Any]] | None:
    """The (label, value) options of a field's dropdown, or ``None`` when the field takes typed text.

    Parameters
    ----------
    field : Field
        From :data:`netlrt.evidence.patient_spec.FIELDS`.
    profiles : list of str, optional
        The model's preference profiles (the options of ``preference``).

    Returns
    -------
    list of (str, object) or None

    Examples
    --------
    >>> from netlrt.evidence.patient_spec import FIELD
    >>> control_options(FIELD["functional"])
    [('unknown', 'unknown'), ('no', False), ('yes', True)]
    >>> control_options(FIELD["bilirubin_mg_dl"]) is None
    True
    """
    if field.kind == "preference":
        return [(p, p) for p in (profiles or ["none"])]
    if field.kind == "state":
        return [(UNKNOWN, UNKNOWN), *((s, s) for s in field.states)]
    if field.kind == "bool":
        return [(UNKNOWN, UNKNOWN), ("no", False), ("yes", True)]
    if field.kind == "int" and field.high - field.low + 1 <= _MAX_CHOICES:
        return [(UNKNOWN, UNKNOWN), *((str(v), v) for v in range(int(field.low), int(field.high) + 1))]
    return None


def explore(model: Any = None, patient: Patient | None = None) -> Any:
    """A widget with one control per patient field and the live evaluation below them.

    Parameters
    ----------
    model : Model or Evaluator, optional
        What evaluates the patient: a :class:`netlrt.Model`, or the batch core
        (:class:`~netlrt.decision.core.Evaluator`) of any priors; ``None``: the shipped priors.
    patient : Patient, optional
        The starting findings (``None``: the article's case 3). A custom preference (a mapping of multipliers)
        is kept as the option ``custom``.

    Returns
    -------
    ipywidgets.VBox
        Display it in a notebook cell. ``.controls`` maps each Patient field to its widget, ``.output`` is the
        HTML evaluation (or, while a value is invalid, the message saying why), ``.patient()`` the patient the
        controls describe (``ValueError`` while one is invalid).

    Raises
    ------
    ImportError
        When ipywidgets is not installed, saying how to install it.
    """
    try:
        import ipywidgets as w
    except ImportError:
        raise ImportError("netlrt.output.explorer needs ipywidgets: pip install 'netlrt[notebooks]'") from None
    from ..evidence.cases import article_cases
    from ..evidence.patient import Patient
    from ..evidence.patient_spec import FIELD, FIELDS, grade_from_ki67

    evaluate, profiles = _evaluator(model)
    start = article_cases()["case3_y90"] if patient is None else patient
    if not isinstance(start, Patient):
        raise ValueError(f"patient: expected a netlrt.Patient, got {type(start).__name__}")
    custom = None if isinstance(start.preference, str) else start.preference
    style = {"description_width": "initial"}
    controls: dict[str, Any] = {}
    for f in FIELDS:
        value = getattr(start, f.name)
        options = control_options(f, profiles)
        if f.kind == "preference" and custom is not None:
            options = [*options, (_CUSTOM, _CUSTOM)]
            value = _CUSTOM
        if options is None:
            text = "" if value is None else value if isinstance(value, str) else f"{value:g}"
            controls[f.name] = w.Text(value=text, placeholder=UNKNOWN, description=f.name, tooltip=f.help,
                                      style=style, continuous_update=False)
        else:
            current = UNKNOWN if value is None else value
            if current not in [v for _, v in options]:  # e.g. a profile this model does not have
                options = [*options, (str(current), current)]
            controls[f.name] = w.Dropdown(options=options, value=current, description=f.name, tooltip=f.help,
                                          style=style)
    output = w.HTML()
    syncing = False

    def values() -> dict[str, Any]:
        out = {}
        for name, c in controls.items():
            v = c.value
            if isinstance(c, w.Text):
                v = FIELD[name].parse_text(v)
            elif v == UNKNOWN and not isinstance(v, bool):
                v = None
            elif name == "preference" and v == _CUSTOM:
                v = custom
            out[name] = v
        return out

    def current_patient() -> Patient:
        return Patient(**values())

    def update(change: Any = None) -> None:
        nonlocal syncing
        if syncing:
            return
        syncing = True
        try:
            _keep_grade_and_ki67(change, controls, grade_from_ki67, FIELD)
        finally:
            syncing = False
        try:
            output.value = evaluate(current_patient())._repr_html_()
        except ValueError as exc:  # shown in place of the table: the user is mid-edit
            import html

            output.value = f"<p style='color:#a33'>{html.escape(str(exc))}</p>"

    for c in controls.values():
        c.observe(update, names="value")
    update()
    grid = w.GridBox(list(controls.values()), layout=w.Layout(grid_template_columns="repeat(3, 33%)"))
    box = w.VBox([grid, output])
    box.controls = controls
    box.output = output
    box.patient = current_patient
    return box


def _evaluator(model: Any) -> tuple[Any, list[str]]:
    """``evaluate(patient) -> Evaluation`` and the profile names of a Model, an Evaluator or the shipped priors.

    Output sits below :mod:`netlrt.model` (a Model's ``export`` uses this layer), so it never imports the front
    object: without a model it evaluates with the batch core, exactly as ``Model.evaluate`` does.
    """
    if model is not None and hasattr(model, "evaluate") and hasattr(model, "profiles"):
        return model.evaluate, list(model.profiles)
    from ..decision.core import Evaluator
    from ..decision.evaluation import evaluate

    if model is None:
        from ..evidence.priors_files import load_priors

        model = Evaluator(load_priors())
    if not isinstance(model, Evaluator):
        raise ValueError(f"model: expected a netlrt Model or Evaluator, got {type(model).__name__}")
    evaluator = model
    return (lambda patient: evaluate(evaluator, patient)), list(evaluator.priors.profiles)


def _keep_grade_and_ki67(change: Any, controls: dict[str, Any], grade_from_ki67: Any, FIELD: Any) -> None:
    """ki67 sets the grade: a valid ki67 moves the grade control; a grade chosen by hand clears a ki67 against it."""
    if change is None:
        return
    owner = change.get("owner") if isinstance(change, dict) else getattr(change, "owner", None)
    if owner is controls.get("ki67"):
        try:
            ki67 = FIELD["ki67"].parse_text(controls["ki67"].value)
        except ValueError:
            return
        if ki67 is not None:
            controls["grade"].value = grade_from_ki67(ki67)
    elif owner is controls.get("grade"):
        try:
            ki67 = FIELD["ki67"].parse_text(controls["ki67"].value)
        except ValueError:
            return
        if ki67 is not None and grade_from_ki67(ki67) != controls["grade"].value:
            controls["ki67"].value = ""
