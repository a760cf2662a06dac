"""Evidence updating of a model's priors: a researcher's study results turn priors into posteriors.

The statistics are in :mod:`netlrt.evidence.updating` (conjugate Beta-binomial and log-normal updates, or a
random-effects predictive). This module applies them to a :class:`~netlrt.evidence.priors.PriorSet`: each
updated prior keeps its article provenance (source, quotes, references), takes the rule ``posterior``, the
posterior's central 95% interval, and lists the studies that updated it in ``updates``. Default priors come
from the article and stated assumptions only; other publications enter here, as the user's choice, each with
its citation.

Examples
--------
>>> from netlrt.evidence.priors_files import load_priors
>>> priors = load_priors()
>>> rows = [{"parameter": "overnight_y90", "citation": "Hypothetical 2026 (illustration)", "events": 3,
...          "patients": 60}]
>>> updated = update_priors(priors, rows)
>>> updated["overnight_y90"].rule, updated["overnight_y90"].updates
('posterior', ('Hypothetical 2026 (illustration)',))
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import finite_real, short_repr
from . import fitting, study_table, updating
from .priors import Prior, PriorSet, entry_mass, parse_prior, squash
from .roles import RULES

__all__ = ["UNIT_ROLES", "changed_prior", "plan_update", "study_roles", "update_priors", "write_priors"]

#: Unit of a prior -> the kind of study data that can update it.
UNIT_ROLES: dict[str, str] = {"probability": "probability", "odds ratio": "ratio", "hazard ratio": "ratio",
                              "years": "time", "days": "time"}


def study_roles(priors: PriorSet) -> dict[str, str]:
    """Prior id -> ``probability``, ``ratio`` or ``time`` for every prior a study can update, and ``fixed`` or its
    unit for the others (so that a study of one is refused for what it is, not as an unknown id)."""
    return {k: "fixed" if p.is_fixed else UNIT_ROLES.get(p.unit, p.unit) for k, p in priors.items()}


def _rows(roles: Mapping[str, str], studies: Any) -> tuple[study_table.StudyRow, ...]:
    if isinstance(studies, (str, os.PathLike)):
        return study_table.read_studies_csv(studies, roles)
    if isinstance(studies, tuple) and studies and all(isinstance(r, study_table.StudyRow) for r in studies):
        return studies
    rows = study_table.parse_studies(studies, roles)
    if not rows:
        raise ValueError("studies: the table has no rows; allowed: one row per study result")
    return rows


def plan_update(priors: PriorSet, studies: Any, *, method: str = "fixed",
                tau_scale: float | None = None) -> dict[str, updating.UpdateResult]:
    """The update of every prior that has study rows, without applying it (for tables and plots).

    Parameters
    ----------
    priors : PriorSet
    studies : DataFrame, list of dict, path of a CSV file, or parsed rows
        One row per result: ``parameter``, ``citation``, ``population`` (optional), and ``events``/``patients``
        (a probability) or ``estimate``/``lower``/``upper`` (a 95% interval; a ratio or a time).
    method : {'fixed', 'random'}
    tau_scale : float, optional
        Half-normal scale of the between-study SD (random effects only; default
        :data:`netlrt.evidence.updating.DEFAULT_TAU_SCALE`).

    Returns
    -------
    dict
        Prior id -> :class:`netlrt.evidence.updating.UpdateResult`.
    """
    if tau_scale is not None and method == "fixed":  # a fixed effect has no between-study SD: it would be ignored
        raise ValueError(f"tau_scale: {tau_scale!r} given with method 'fixed', which has no between-study SD; "
                         "allowed: tau_scale with method 'random' only")
    roles = study_roles(priors)
    rows = _rows(roles, studies)
    specs = {k: (priors[k].distribution, priors[k].params, role) for k, role in roles.items()
             if role in study_table.ROLES}
    tau = updating.DEFAULT_TAU_SCALE if tau_scale is None else tau_scale
    return updating.update_all(specs, rows, method=method, tau_scale=tau)


def _posterior(prior: Prior, result: updating.UpdateResult) -> Prior:
    cites = tuple(dict.fromkeys(r.citation for r in result.rows))
    how = "random-effects predictive" if result.method == "random" else "fixed-effect (conjugate) posterior"
    conflict = f" In conflict with the prior: {'; '.join(result.conflicts)}." if result.conflicts else ""
    reading = (f"The {how} of the prior given {len(result.rows)} study result(s) ({'; '.join(cites)}); central 95% "
               f"interval.{conflict} Before the update: {prior.reading}")
    return replace(prior, params=dict(result.params), interval=tuple(float(x) for x in result.interval), mass=0.95,
                   rule="posterior", reading=reading, updates=prior.updates + cites)


def update_priors(priors: PriorSet, studies: Any, *, method: str = "fixed",
                  tau_scale: float | None = None) -> PriorSet:
    """A new :class:`PriorSet` whose priors with study rows are their posteriors (see :func:`plan_update`).

    A study in conflict with its prior (:data:`netlrt.evidence.updating.CONFLICT_Z`) is still used, with a
    ``UserWarning`` naming it, and the posterior's reading says so.

    Raises
    ------
    ValueError
        For a row whose parameter is unknown or cannot be updated (fixed, utility), impossible data (events >
        patients, lower > upper), or a missing citation, naming the row and the parameter.
    """
    import warnings

    results = plan_update(priors, studies, method=method, tau_scale=tau_scale)
    for line in (line for r in results.values() for line in r.conflicts):
        warnings.warn(f"prior-data conflict: {line}", UserWarning, stacklevel=2)
    return priors.replace({k: _posterior(priors[k], r) for k, r in results.items()})


class _Dumper(__import__("yaml").SafeDumper):
    """Writes entries as the shipped files do: long text folded, lists of numbers on one line."""


def _text(dumper: Any, s: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=">" if len(s) > 80 else None)


def _list(dumper: Any, items: list) -> Any:
    flow = all(isinstance(x, (int, float)) for x in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


def _dict(dumper: Any, items: dict) -> Any:
    flow = all(isinstance(x, (int, float)) for x in items.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", items, flow_style=flow)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _dict)


def write_priors(priors: PriorSet, dest: str | os.PathLike, *, changed: Mapping[str, Prior] | None = None) -> Path:
    """Write ``priors`` as a new priors folder ``dest``: a copy of its source folder with the ``changed`` entries
    (default: those with ``updates``) rewritten in place (their comments kept below them); every other byte,
    comments included, is kept.

    Raises
    ------
    ValueError
        When ``dest`` exists and is not an empty folder (nothing is overwritten), or cannot be written.
    """
    from ..files import new_folder
    from .priors_files import load_priors

    changed = dict(changed) if changed is not None else {k: p for k, p in priors.items() if p.updates}
    with new_folder(dest, what="--out") as target:  # complete, or gone after an interrupt
        _write_folder(priors, target, changed)
        try:  # netlrt's own rewrite, checked as the model will read it
            load_priors(target)
        except ValueError as exc:
            raise ValueError(f"priors update: the folder written would not load ({exc}); nothing was written; "
                             "please report this as a bug of netlrt") from None
    return target


def _write_folder(priors: PriorSet, target: Path, changed: Mapping[str, Prior]) -> None:
    import yaml

    from ..files import atomic_write
    from .priors_files import apply_edits, comments_in, entry_end, parameter_nodes, parse_yaml, read_text

    for f in sorted(priors.path.glob("*.yaml")):
        text = read_text(f)
        doc = parse_yaml(text, f"priors: {str(f)!r}")
        entries = doc.get("parameters") if isinstance(doc, dict) else None
        ids = [e.get("id") if isinstance(e, dict) else None for e in entries] if isinstance(entries, list) else []
        if any(i in changed for i in ids):  # only a file it rewrites is located (a tab would stop PyYAML's reader)
            edits = []
            for pid, node in zip(ids, parameter_nodes(text, f"priors update: {str(f)!r}")):
                if pid in changed:
                    dash = text.rfind("-", 0, node.start_mark.index)  # '- id: x', or '-' alone on its line
                    if dash < 0 or text[dash + 1:node.start_mark.index].strip():
                        raise ValueError(f"priors update: {str(f)!r}: parameter {pid!r}: the parameters list is "
                                         "written in flow style ([...]); write it as a block list ('- id: ...')")
                    start = text.rfind("\n", 0, dash) + 1
                    end = entry_end(text, node)  # the comments after the entry are kept; its own, below it
                    indent = " " * (dash - start)
                    dump = yaml.dump([changed[pid].to_entry()], Dumper=_Dumper, sort_keys=False, width=110,
                                     allow_unicode=True)
                    dump += "".join(f"  # {c}\n" for c in comments_in(text, start, end, node))
                    new = "".join(indent + line if line.strip() else line for line in dump.splitlines(True))
                    edits.append((start, end, new))
            text = apply_edits(text, edits)
        with atomic_write(target / f.name, what="--out") as out:
            out.write(text)
    for extra in ("README.md",):
        if (priors.path / extra).is_file():
            shutil.copyfile(priors.path / extra, target / extra)


def _valid_params(distribution: str, params: Any) -> bool:
    """Params worth reading an interval from; anything else is left for parse_prior to name."""
    try:
        values = fitting.ppf(distribution, params, [0.25, 0.75])
    except (TypeError, ValueError, KeyError):
        return False
    return bool(np.all(np.isfinite(values)))


def changed_prior(prior: Prior, change: Any, note: str) -> Prior:
    """``prior`` with a researcher's change applied, validated like a priors file and recorded in ``modified``.

    ``change`` is a number (the parameter becomes fixed at it), or a mapping with ``interval`` (and optionally
    ``distribution``, ``mass``, ``rule``), refitted as ``priors refit`` would the same edit of its file: by the
    prior's own rule unless ``rule`` is given (a study range keeps its (k-1)/(k+1) reading; ``rule:
    'assumption'`` reads the interval as a central 95% one), or with ``params`` (a distribution of the
    researcher's own: an assumption unless ``rule`` is given, its interval the one the params give).
    """
    where = f"with_priors: parameter {prior.id!r}"
    if not isinstance(note, str) or not note.strip():
        raise ValueError(f"{where}: note must say why it was changed (it is kept as the prior's provenance)")
    entry = prior.to_entry()
    entry["modified"] = "; ".join(x for x in (prior.modified, squash(note)) if x)
    if finite_real(change):
        for key in ("interval", "mass", "studies"):
            entry.pop(key, None)
        entry.update(distribution="fixed", rule="fixed", params={"value": float(change)})
        refit = False
    elif isinstance(change, Mapping) and change and set(change) <= {"interval", "distribution", "mass", "params",
                                                                       "rule"}:
        entry.update({k: list(v) if k == "interval" and isinstance(v, tuple) else v for k, v in change.items()})
        if entry["distribution"] == "fixed" and "interval" in change:
            if change.get("distribution") == "fixed":
                raise ValueError(f"{where}: distribution 'fixed' takes one value, not an interval; allowed: the "
                                 "number itself as the change ({id: value})")
            families = [f for f in fitting.FAMILIES if f != "fixed"]
            raise ValueError(f"{where}: is fixed, so an interval needs a distribution to spread over it; allowed: "
                             f"add 'distribution' ({', '.join(families)}), or give a number to fix it elsewhere")
        spread = entry["distribution"] != "fixed"
        params_alone = "params" in change and "interval" not in change
        if "rule" not in change and spread and (entry["rule"] == "fixed" or params_alone):
            entry["rule"] = "assumption"  # a distribution of the researcher's own: no reading of the article's
        if entry["rule"] != prior.rule:  # a new rule brings its own mass, and the old reading no longer holds
            entry.pop("reading", None)
            if "mass" not in change:
                entry.pop("mass", None)
        if entry["rule"] not in ("study_range", "study_maximum"):
            entry.pop("studies", None)
        if params_alone and spread and entry["rule"] in RULES and _valid_params(entry["distribution"],
                                                                                 change["params"]):
            # the interval the new params give at the mass the entry will be read with (checked as a file's)
            tail = (1 - entry_mass(where, entry["rule"], entry, len(prior.refs))) / 2
            entry["interval"] = [float(x) for x in fitting.ppf(entry["distribution"], change["params"],
                                                                [tail, 1 - tail])]
        refit = "params" not in change
    else:
        raise ValueError(f"{where}: change {short_repr(change)} not allowed; allowed: a number, or a mapping with "
                         "'interval' (and 'distribution', 'mass', 'rule') or 'params'")
    if entry["rule"] not in RULES:  # parse_prior would name it too, after this lookup
        raise ValueError(f"{where}: rule {entry['rule']!r} not allowed; allowed: {', '.join(RULES)}")
    if RULES[entry["rule"]][0] == "assumption":
        entry["source"] = "assumption"
    if entry["source"] == "assumption" and not entry.get("reasoning"):
        entry["reasoning"] = entry["modified"]
    entry.setdefault("reading", entry["modified"])
    return parse_prior(prior.file or "with_priors", prior.area, 0, entry, refit=refit)
