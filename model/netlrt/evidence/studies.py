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

from . import updating
from .priors import Prior, PriorSet

__all__ = ["UNIT_ROLES", "plan_update", "study_roles", "update_priors", "write_priors"]

#: Unit of a prior -> the kind of study data that can update it.
UNIT_ROLES: dict[str, str] = {"probability": "probability", "odds ratio": "ratio", "hazard ratio": "ratio",
                              "years": "time", "days": "time"}


def study_roles(priors: PriorSet) -> dict[str, str]:
    """Prior id -> ``probability``, ``ratio`` or ``time`` for every prior a study can update."""
    return {k: UNIT_ROLES[p.unit] for k, p in priors.items() if p.unit in UNIT_ROLES and not p.is_fixed}


def _rows(priors: PriorSet, studies: Any) -> tuple[updating.StudyRow, ...]:
    roles = study_roles(priors)
    if isinstance(studies, (str, os.PathLike)):
        return updating.read_studies_csv(studies, roles)
    if isinstance(studies, tuple) and studies and all(isinstance(r, updating.StudyRow) for r in studies):
        return studies
    rows = updating.parse_studies(studies, roles)
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
        Half-normal scale of the between-study SD (random effects; default
        :data:`netlrt.evidence.updating.DEFAULT_TAU_SCALE`).

    Returns
    -------
    dict
        Prior id -> :class:`netlrt.evidence.updating.UpdateResult`.
    """
    rows = _rows(priors, studies)
    specs = {k: (priors[k].distribution, priors[k].params, role) for k, role in study_roles(priors).items()}
    tau = updating.DEFAULT_TAU_SCALE if tau_scale is None else tau_scale
    return updating.update_all(specs, rows, method=method, tau_scale=tau)


def _posterior(prior: Prior, result: updating.UpdateResult) -> Prior:
    cites = tuple(dict.fromkeys(r.citation for r in result.rows))
    how = "random-effects predictive" if result.method == "random" else "fixed-effect (conjugate) posterior"
    reading = (f"The {how} of the prior given {len(result.rows)} study result(s) ({'; '.join(cites)}); central 95% "
               f"interval. Before the update: {prior.reading}")
    return replace(prior, params=dict(result.params), interval=tuple(float(x) for x in result.interval), mass=0.95,
                   rule="posterior", reading=reading, updates=prior.updates + cites)


def update_priors(priors: PriorSet, studies: Any, *, method: str = "fixed",
                  tau_scale: float | None = None) -> PriorSet:
    """A new :class:`PriorSet` whose priors with study rows are their posteriors (see :func:`plan_update`).

    Raises
    ------
    ValueError
        For a row whose parameter is unknown or cannot be updated (fixed, utility), impossible data (events >
        patients, lower > upper), or a missing citation, naming the row and the parameter.
    """
    results = plan_update(priors, studies, method=method, tau_scale=tau_scale)
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
    (default: those with ``updates``) rewritten in place; every other byte, comments included, is kept.

    Raises
    ------
    ValueError
        When ``dest`` exists and is not an empty folder (nothing is overwritten), or cannot be written.
    """
    import yaml

    from ..files import atomic_write
    from .priors_files import read_yaml

    target = Path(dest)
    if str(dest) == "" or (target.exists() and (not target.is_dir() or any(target.iterdir()))):
        raise ValueError(f"--out: {str(dest)!r} exists and is not an empty folder; choose a new folder")
    if not target.absolute().parent.is_dir():
        raise ValueError(f"--out: folder {str(target.absolute().parent)!r} does not exist")
    changed = dict(changed) if changed is not None else {k: p for k, p in priors.items() if p.updates}
    target.mkdir(exist_ok=True)
    for f in sorted(priors.path.glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        doc = read_yaml(f)
        if isinstance(doc, dict) and isinstance(doc.get("parameters"), list):
            items = next(v for k, v in yaml.compose(text, Loader=yaml.SafeLoader).value if k.value == "parameters")
            edits = []
            for entry, node in zip(doc["parameters"], items.value):
                if isinstance(entry, dict) and entry.get("id") in changed:
                    start = text.rfind("\n", 0, node.start_mark.index) + 1
                    indent = " " * (node.start_mark.column - 2)
                    dump = yaml.dump([changed[entry["id"]].to_entry()], Dumper=_Dumper, sort_keys=False, width=110,
                                     allow_unicode=True)
                    new = "".join(indent + line if line.strip() else line for line in dump.splitlines(True))
                    edits.append((start, node.end_mark.index, new))
            for start, end, new in sorted(edits, reverse=True):
                text = text[:start] + new + text[end:]
        with atomic_write(target / f.name, what="--out") as out:
            out.write(text)
    for extra in ("README.md",):
        if (priors.path / extra).is_file():
            shutil.copyfile(priors.path / extra, target / extra)
    return target
