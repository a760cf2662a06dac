"""Cohorts: many patients from a table, evaluated together, and the ``netlrt cohort`` command.

Each input column is a :class:`netlrt.Patient` field (plus an optional ``patient_id``). Cells may be
Python values or CSV text; text is parsed explicitly: booleans only from true/false/yes/no/1/0,
numbers only from numeric text, an empty cell means the field's default. Nothing else is coerced.
Every invalid row is reported at once (row, field, value, what is allowed).

Examples
--------
>>> import netlrt, pandas as pd
>>> df = pd.DataFrame({"grade": ["G2"], "burden": ["low"], "distribution": ["bilobar_oligo"],
...                    "biliary": ["intact"], "functional": ["yes"]})
>>> out = evaluate_cohort(netlrt.load_model(), df)
>>> out[["patient", "modality", "recommended"]].shape
(4, 3)
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Hashable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import decision
from ._io import atomic_path
from .patient import Patient
from .vocabulary import MODALITIES, OUTCOMES

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

#: Optional input column naming each patient in the output (otherwise the DataFrame's index is used).
ID_COLUMN = "patient_id"
BOOL_FIELDS = ("renal_insufficiency", "functional")
INT_FIELDS = ("ecog",)
FLOAT_FIELDS = ("bilirubin_mg_dl", "lung_shunt_fraction", "ki67")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)  # pandas marks a missing cell as NaN


def _parse_cell(field: str, value: Any) -> Any:
    """One cell as the Patient field expects it; ValueError naming what is allowed."""
    text = value.strip() if isinstance(value, str) else None
    if field in BOOL_FIELDS:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if text is not None and text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise ValueError("allowed: true/false, yes/no or 1/0")
    if field in INT_FIELDS:
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)  # a numeric column with gaps is float in pandas; 2.0 is the integer 2
        if text is not None and _INTEGER.fullmatch(text):
            return int(text)
        raise ValueError("allowed: an integer")
    if field in FLOAT_FIELDS:
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            return float(value)
        if text is not None and _NUMBER.fullmatch(text):
            return float(text)
        raise ValueError("allowed: a number")
    if field == "preference" and isinstance(value, Mapping):
        return value  # custom weights, checked by Patient
    if text is not None:
        return text
    raise ValueError("allowed: text")


def parse_patients(df: pd.DataFrame, profiles: list[str] | None = None) -> tuple[dict[Hashable, Patient], list[str]]:
    """Patients from a table, and a message for every invalid row.

    Parameters
    ----------
    df
        One row per patient; columns are Patient fields and optionally ``patient_id``.
    profiles
        Preference profile names allowed (``None``: any name; the model checks later).

    Returns
    -------
    patients : dict
        Patient id (``patient_id`` or the index label) -> Patient, for the valid rows.
    problems : list of str
        ``"row <index label>: <field>: <value>; allowed: ..."``: every cell that cannot be parsed, or
        else the first field the Patient rejects.

    Raises
    ------
    ValueError
        For a column that is not a Patient field, or duplicate patient ids (problems of the whole table).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"grade": ["G2", "G4"], "burden": ["low"] * 2,
    ...                    "distribution": ["bilobar_oligo"] * 2, "biliary": ["intact"] * 2})
    >>> patients, problems = parse_patients(df)
    >>> problems
    ["row 1: grade: unknown value 'G4'; allowed: G1, G2, G3"]
    """
    allowed = [f.name for f in fields(Patient)]
    unknown = [c for c in df.columns if c not in allowed and c != ID_COLUMN]
    if unknown:
        raise ValueError(f"df: unknown column(s) {', '.join(map(repr, unknown))}; "
                         f"allowed: {', '.join(allowed)} and {ID_COLUMN}")
    ids = list(df[ID_COLUMN]) if ID_COLUMN in df.columns else list(df.index)
    if len(set(ids)) != len(ids):
        dup = sorted({str(i) for i in ids if ids.count(i) > 1})
        raise ValueError(f"{ID_COLUMN if ID_COLUMN in df.columns else 'df.index'}: duplicate patient ids {dup}; "
                         "allowed: one row per patient")
    columns = [c for c in df.columns if c != ID_COLUMN]
    patients: dict[Hashable, Patient] = {}
    problems: list[str] = []
    for label, pid, row in zip(df.index, ids, df[columns].itertuples(index=False, name=None)):
        where = f"row {label}" + (f" ({ID_COLUMN} {pid!r})" if ID_COLUMN in df.columns else "")
        given, bad = {}, []
        for field, value in zip(columns, row):
            if _is_empty(value):
                continue  # the field's default
            try:
                given[field] = _parse_cell(field, value)
            except ValueError as exc:
                bad.append(f"{where}: {field}: {value!r}; {exc}")
        if not bad:
            try:
                patient = Patient(**given)
                if profiles is not None and isinstance(patient.preference, str) and patient.preference not in profiles:
                    raise ValueError(f"preference: unknown profile {patient.preference!r}; allowed: {', '.join(profiles)}")
                patients[pid] = patient
            except ValueError as exc:
                bad.append(f"{where}: {exc}")
        problems += bad
    return patients, problems


def evaluate_cohort(model: Model, df: pd.DataFrame, *, skip_invalid: bool = False) -> pd.DataFrame:
    """Outcomes, expected utility and recommendation for every patient in a table, at the prior means.

    All patients go through one call of the batch engine.

    Parameters
    ----------
    model
        A :class:`netlrt.Model`.
    df
        One row per patient (see :func:`parse_patients`).
    skip_invalid
        Leave invalid rows out instead of raising.

    Returns
    -------
    DataFrame
        One row per patient x modality: ``patient``, ``modality``, every outcome, ``expected_utility``,
        ``recommended`` (False for every modality of an ineligible patient) and ``eligible``.

    Raises
    ------
    ValueError
        Listing every invalid row (row, field, value, allowed), unless ``skip_invalid``.

    Examples
    --------
    >>> import netlrt, pandas as pd
    >>> df = pd.DataFrame({"grade": ["G2"], "burden": ["low"], "distribution": ["bilobar_oligo"],
    ...                    "biliary": ["intact"], "ecog": [3]})
    >>> evaluate_cohort(netlrt.load_model(), df)["recommended"].any()
    np.False_
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    patients, problems = parse_patients(df, model.profiles)
    if problems and not skip_invalid:
        raise ValueError(f"df: {len(problems)} invalid value(s):\n" + "\n".join(problems))
    return _evaluate(model, patients)


def _evaluate(model: Model, patients: Mapping[Hashable, Patient]) -> pd.DataFrame:
    import pandas as pd

    ids, plist = list(patients), list(patients.values())
    n, k = len(plist), len(MODALITIES)
    probs = model.outcome_draws(plist)[0] if plist else np.empty((0, k, len(OUTCOMES)))
    eu = np.empty((n, k))
    prefs = [repr(p.preference) for p in plist]  # custom weights are dicts; group patients by profile
    for pref in set(prefs):
        rows = [i for i, q in enumerate(prefs) if q == pref]
        eu[rows] = decision.expected_utility(probs[rows], model.weights(plist[rows[0]]))
    eligible = np.array([decision.eligibility(p, model.priors)[0] for p in plist], dtype=bool)
    # argmax takes the first maximum: the tie rule of decision.best.
    recommended = (np.argmax(eu, axis=1)[:, None] == np.arange(k)) & eligible[:, None] if n else np.zeros((0, k), bool)

    out = pd.DataFrame({"patient": np.repeat(np.array(ids, dtype=object), k),
                        "modality": np.tile(np.array(MODALITIES, dtype=object), n)})
    for j, name in enumerate(OUTCOMES):
        out[name] = probs[:, :, j].ravel()
    out["expected_utility"] = eu.ravel()
    out["recommended"] = recommended.ravel()
    out["eligible"] = np.repeat(eligible, k)
    return out


# ---------------------------------------------------------------------------------------------- CLI

def add_cli_parser(sub: Any) -> None:
    """Declare ``netlrt cohort --in patients.csv --out results.csv [--skip-invalid] [--priors DIR]``."""
    p = sub.add_parser("cohort", help="evaluate every patient in a CSV file (one row per patient x modality out)")
    p.add_argument("--in", dest="input", required=True, metavar="CSV",
                   help="one row per patient; columns are patient fields (grade, burden, ...) and optionally "
                        "patient_id; row numbers in messages count data rows from 1")
    p.add_argument("--out", required=True, metavar="CSV", help="results file (written only if every row is valid)")
    p.add_argument("--skip-invalid", action="store_true", help="leave invalid rows out (listed on stderr)")
    p.add_argument("--priors", metavar="DIR", help="priors folder (default: the shipped priors)")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``netlrt cohort``: 0 on success, 2 (nothing written) when rows are invalid."""
    import pandas as pd

    from .model import load_model

    src, dest = Path(args.input), Path(args.out)
    if not dest.parent.is_dir():
        raise ValueError(f"--out: folder {str(dest.parent)!r} does not exist")
    try:
        # Text only, no NA guessing: the parsing rules above decide what a cell means.
        df = pd.read_csv(src, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"--in: cannot read {str(src)!r} as CSV ({' '.join(str(exc).split())})") from None
    df.index = pd.RangeIndex(1, len(df) + 1)  # data row numbers as a spreadsheet user counts them below the header
    model = load_model(args.priors)
    patients, problems = parse_patients(df, model.profiles)
    if problems:
        for line in problems:
            print(f"netlrt: {'skipped' if args.skip_invalid else 'invalid'}: {line}", file=sys.stderr)
        if not args.skip_invalid:
            print(f"netlrt: error: {len(problems)} invalid value(s) in {src}; nothing written "
                  "(fix them or pass --skip-invalid)", file=sys.stderr)
            return 2
    result = _evaluate(model, patients)
    with atomic_path(dest, what="--out") as tmp:
        result.to_csv(tmp, index=False)
    print(f"wrote {len(result)} rows ({len(patients)} patients) to {dest}")
    return 0
