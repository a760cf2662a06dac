"""Patients from files and tables: the one parser of YAML patient files, CSV files and DataFrames.

Every reader of patients (cohorts, the report, the command line) goes through this module, so one set of
rules holds everywhere:

* Columns (CSV, DataFrame) and keys (YAML) are :class:`~netlrt.Patient` fields
  (:data:`~netlrt.evidence.patient_spec.FIELDS`) plus the one id column or key ``patient_id``
  (:data:`~netlrt.evidence.patient_spec.ID_COLUMN`). Anything else is refused, naming it.
* Text cells are read with :meth:`Field.parse_text <netlrt.evidence.patient_spec.Field.parse_text>`:
  empty, ``none``, ``unknown`` or ``na`` (any case) is an unknown finding, except that a field's own state is
  that state (extrahepatic ``none``) and its other spellings are refused (``None`` could mean either);
  booleans are true/false, yes/no or 1/0; numbers are numeric text.
  A DataFrame's non-text cells are validated as Python values, except that a whole float such as ``2.0``
  is accepted for an integer field, because pandas stores an integer column with gaps as floats.
* YAML values keep their YAML types: ``bilirubin_mg_dl: "2.0"`` (quoted) is text, not a number, while a plain
  ``1.5e1`` is the number YAML 1.2 reads (PyYAML would read text); YAML 1.1's ``1:30``, ``1_0.5`` and ``0b10``
  are text. A patient id is kept as written (``007``, ``5E3``, ``1.0e+3``). A YAML file
  holds one patient (a mapping of fields, which may include ``patient_id``), a list of them, or a mapping
  patient id -> fields. Repeated keys and keys that are not text are refused.
* Patient ids are text (an integer id in a DataFrame is written as text), never empty, never repeated.
  Without a ``patient_id`` column rows are numbered from 1 (a DataFrame whose index is named
  ``patient_id`` uses it); a single-patient YAML file without ``patient_id`` is named after the file.
* A CSV row with more or fewer cells than the header (a trailing comma, a missing comma) is refused,
  naming the row; blank lines and rows of empty cells are skipped; a trailing unnamed column that is
  empty in every row (a trailing comma on every line) is ignored.

Every error names the file (or "patients table"), the row or patient, and the field.

Examples
--------
>>> import pandas as pd
>>> pts = patients_from_frame(pd.DataFrame({"patient_id": ["a", "b"], "grade": ["G1", ""],
...                                         "extrahepatic": ["none", "limited"]}))
>>> pts["a"].grade, pts["b"].grade, pts["a"].extrahepatic
('G1', None, 'none')
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks import is_bool, is_integer
from ..files.writing import note_input
from .patient import Patient
from .patient_spec import FIELD, ID_COLUMN

__all__ = ["PatientRows", "TABLE", "parse_frame", "patients_from_frame", "read_patient_rows", "read_patients"]

#: How messages name a DataFrame of patients (a file is named by its path).
TABLE = "patients table"
_ALLOWED = f"patient fields ({', '.join(FIELD)}) and {ID_COLUMN}"
Check = Callable[[Patient], Any]


@dataclass(frozen=True)
class PatientRows:
    """Patients parsed from a file or table, and a message for every row that could not be used.

    Attributes
    ----------
    patients : dict
        Patient id -> Patient, in row order, for the valid rows.
    problems : tuple of str
        ``"<source>: row <n> (patient_id '<id>'): <field>: <what is wrong>; allowed: ..."``, one per invalid row.
    source : str
        The file (``"patients file '<path>'"``) or ``"patients table"``.
    """

    patients: dict[str, Patient]
    problems: tuple[str, ...]
    source: str

    def valid(self, *, skip_invalid: bool = False) -> dict[str, Patient]:
        """The patients; ``ValueError`` listing every problem unless ``skip_invalid`` (or there is none)."""
        if not is_bool(skip_invalid):  # "no" is truthy: invalid rows would be left out unasked
            raise ValueError(f"skip_invalid: {skip_invalid!r}; allowed: True or False")
        if self.problems and not skip_invalid:
            head = f"{self.source}: {len(self.problems)} invalid row{'s' if len(self.problems) > 1 else ''}"
            raise ValueError(head + ":\n" + "\n".join(self.problems))
        return dict(self.patients)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):  # NaN marks a missing cell in pandas (numpy floats are floats)
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")  # pandas.NA / NaT, without importing pandas


def _cell(name: str, value: Any, typed: bool) -> Any:
    """One cell as the value of field ``name`` (``ValueError`` naming the field); ``typed``: a YAML value."""
    field = FIELD[name]
    if typed:
        return field.validate(value)
    if _missing(value):
        return None
    if isinstance(value, str):
        return field.parse_text(value)
    if field.kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)  # an integer column with gaps is float in pandas: 2.0 is the integer 2
    return field.validate(value)


def _id(value: Any) -> str | None:
    """A patient id as text; ``None`` when missing; ``ValueError`` for a value that cannot be an id."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if is_integer(value):
        return str(int(value))
    raise ValueError(f"{ID_COLUMN}: {value!r} ({type(value).__name__}) cannot be a patient id; allowed: text or "
                     "an integer")


def _check_columns(source: str, columns: Sequence[Any]) -> None:
    seen: set[Any] = set()
    for c in columns:
        if c in seen:
            raise ValueError(f"{source}: column {c!r} appears twice; allowed: each field once")
        seen.add(c)
        if c == "id":
            raise ValueError(f"{source}: unknown column 'id'; the patient id column is {ID_COLUMN!r}")
        if c != ID_COLUMN and c not in FIELD:
            raise ValueError(f"{source}: unknown column {c!r}; allowed: {_ALLOWED}")


def _parse_rows(source: str, columns: Sequence[str], rows: Iterable[tuple[str, Sequence[Any]]],
                index_ids: Sequence[Any] | None, check: Check | None, *, typed: bool = False) -> PatientRows:
    """Patients from ``(row label, cells)`` pairs; ids from the ``patient_id`` column, ``index_ids`` or numbers."""
    _check_columns(source, columns)
    id_col = columns.index(ID_COLUMN) if ID_COLUMN in columns else None
    fields = [(j, c) for j, c in enumerate(columns) if c != ID_COLUMN]
    parsed: list[tuple[str, str, dict[str, Any] | None, list[str]]] = []
    first_row: dict[str, str] = {}
    for n, (label, cells) in enumerate(rows, start=1):
        raw = cells[id_col] if id_col is not None else index_ids[n - 1] if index_ids is not None else n
        try:
            pid = _id(raw)
        except ValueError as exc:
            raise ValueError(f"{source}: {label}: {exc}") from None
        if pid is None:
            raise ValueError(f"{source}: {label}: {ID_COLUMN} is empty; every patient needs an id (or leave the "
                             f"{ID_COLUMN} column out to number the rows)")
        if pid in first_row:
            raise ValueError(f"{source}: duplicate {ID_COLUMN} {pid!r} in {first_row[pid]} and {label}; allowed: "
                             "one row per patient")
        first_row[pid] = label
        where = f"{source}: {label} ({ID_COLUMN} {pid!r})"
        given, bad = {}, []
        for j, name in fields:
            try:
                value = _cell(name, cells[j], typed)
            except ValueError as exc:
                bad.append(f"{where}: {exc}")
                continue
            if value is not None:
                given[name] = value
        parsed.append((pid, where, None if bad else given, bad))
    patients: dict[str, Patient] = {}
    problems: list[str] = []
    for pid, where, given, bad in parsed:
        if given is None:
            problems += bad
            continue
        try:
            patient = Patient(**given)
            if check is not None:
                check(patient)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        patients[pid] = patient
    return PatientRows(patients, tuple(problems), source)


def parse_frame(df: Any, *, source: str = TABLE, check: Check | None = None) -> PatientRows:
    """Patients from a DataFrame, with a message for every invalid row (see the module notes for the rules).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient; columns are patient fields and optionally ``patient_id``.
    source : str
        How messages name the table.
    check : callable, optional
        Called with each valid Patient; a ``ValueError`` it raises becomes that row's problem (cohorts check
        the preference against the model's profiles this way).

    Returns
    -------
    PatientRows

    Raises
    ------
    ValueError
        For problems of the whole table: not a DataFrame, an unknown or repeated column, an empty or repeated
        patient id.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = parse_frame(pd.DataFrame({"grade": ["G2", "G4"], "ecog": [0, 1]}))
    >>> list(rows.patients), rows.problems[0][:53]
    (['1'], "patients table: row 2 (patient_id '2'): grade: unknow")
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{source}: expected a pandas DataFrame of patients (one row each), got "
                         f"{type(df).__name__}")
    columns = list(df.columns)
    index_ids = list(df.index) if df.index.name == ID_COLUMN and ID_COLUMN not in columns else None
    rows = ((f"row {n}", cells) for n, cells in enumerate(df.itertuples(index=False, name=None), start=1))
    return _parse_rows(source, columns, rows, index_ids, check)


def patients_from_frame(df: Any, *, source: str = TABLE, check: Check | None = None,
                        skip_invalid: bool = False) -> dict[str, Patient]:
    """Patients from a DataFrame: patient id -> Patient (see :func:`parse_frame`).

    Raises
    ------
    ValueError
        Listing every invalid row (row, patient id, field, value, what is allowed), unless ``skip_invalid``.

    Examples
    --------
    >>> import pandas as pd
    >>> patients_from_frame(pd.DataFrame({"patient_id": ["x"], "ecog": [3]}))["x"].ecog
    3
    """
    return parse_frame(df, source=source, check=check).valid(skip_invalid=skip_invalid)


# ------------------------------------------------------------------------------------------------ files

def _text(path: Path, source: str) -> str:
    note_input(path)
    try:
        return path.read_text(encoding="utf-8-sig")  # -sig: a spreadsheet's byte-order mark is not a column name
    except UnicodeDecodeError:
        raise ValueError(f"{source}: not UTF-8 text") from None
    except IsADirectoryError:
        raise ValueError(f"{source}: is a folder, not a file") from None
    except OSError as exc:
        raise ValueError(f"{source}: cannot read it: {exc.strerror or exc}") from None


def _csv_rows(text: str, source: str, check: Check | None) -> PatientRows:
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    table: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):  # blank lines and rows of empty cells carry no patient
                table.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ValueError(f"{source}: line {reader.line_num}: not valid CSV ({exc})") from None
    if not table:
        raise ValueError(f"{source}: no header row and no patients in it")
    (_, header), body = table[0], table[1:]
    header = [c.strip() for c in header]
    width = len(header)
    if header and header[-1] == "" and all(len(c) == width and not c[-1].strip() for _, c in body):
        header, width = header[:-1], width - 1  # a trailing comma on every line: an empty unnamed column
        body = [(line, c[:-1]) for line, c in body]
    if "" in header:
        raise ValueError(f"{source}: column {header.index('') + 1} of the header has no name; allowed: {_ALLOWED}")
    if not body:
        raise ValueError(f"{source}: a header and no patients")
    for n, (line, cells) in enumerate(body, start=1):
        if len(cells) != width:
            hint = "a trailing or extra comma?" if len(cells) > width else "a missing comma or cell?"
            raise ValueError(f"{source}: row {n} (line {line}) has {len(cells)} cells but the header has {width} "
                             f"columns ({hint}); nothing was read")
    rows = [(f"row {n} (line {line})", cells) for n, (line, cells) in enumerate(body, start=1)]
    return _parse_rows(source, header, rows, None, check)


def _yaml_rows(doc: Any, path: Path, source: str, check: Check | None) -> PatientRows:
    if doc is None:
        raise ValueError(f"{source}: no patients in it")
    if isinstance(doc, Mapping) and (ID_COLUMN in doc or "id" in doc or any(k in FIELD for k in doc)):
        doc = [doc if ID_COLUMN in doc or "id" in doc else {ID_COLUMN: path.stem, **doc}]
    elif isinstance(doc, Mapping):
        records = []
        for pid, fields in doc.items():
            if not isinstance(fields, Mapping):
                raise ValueError(f"{source}: patient {pid!r}: expected a mapping of field: value, got "
                                 f"{type(fields).__name__}; allowed: one patient, a list, or patient id -> fields")
            if ID_COLUMN in fields and fields[ID_COLUMN] != pid:
                raise ValueError(f"{source}: patient {pid!r}: {ID_COLUMN} {fields[ID_COLUMN]!r} differs from its key")
            records.append({**fields, ID_COLUMN: pid})
        doc = records
    if not isinstance(doc, list):
        raise ValueError(f"{source}: expected one patient (field: value), a list of patients or a mapping patient "
                         f"id -> fields, got {type(doc).__name__}")
    if not doc:
        raise ValueError(f"{source}: no patients in it")
    columns: list[str] = [ID_COLUMN]
    for i, rec in enumerate(doc, start=1):
        if not isinstance(rec, Mapping):
            raise ValueError(f"{source}: patient #{i}: expected a mapping of field: value, got {type(rec).__name__}")
        bad = [k for k in rec if k != ID_COLUMN and k not in FIELD]
        if bad:
            hint = f"the patient id key is {ID_COLUMN!r}" if bad[0] == "id" else f"allowed: {_ALLOWED}"
            raise ValueError(f"{source}: patient #{i}: unknown field {bad[0]!r}; {hint}")
        columns += [k for k in rec if k not in columns]
    rows = [(f"patient #{i}", [rec.get(ID_COLUMN, i) if c == ID_COLUMN else _yaml_value(c, rec.get(c))
                               for c in columns]) for i, rec in enumerate(doc, start=1)]
    return _parse_rows(source, columns, rows, None, check, typed=True)


def _yaml_value(name: str, value: Any) -> Any:
    """Field ``name``'s value from a patients file, with a scalar such as ``1.5e1`` (YAML 1.2's number, YAML 1.1's
    text) the number it spells where the field takes numbers (a preference's multipliers too); the id and the
    fields of named states keep it as the text it was written as."""
    from .priors_files import YamlNumber

    def number(v: Any) -> Any:
        if not isinstance(v, YamlNumber):
            return v
        return int(v, 10) if v.lstrip("+-").isdigit() else float(v)  # 007 is seven, 2.0 a float

    if FIELD[name].kind not in ("number", "int", "preference"):
        return value
    if isinstance(value, Mapping):
        return {k: number(v) for k, v in value.items()}
    return number(value)


def _source(path: Any) -> tuple[Path, str]:
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise ValueError(f"patients file: {path!r} is not a file name; allowed: a .yaml, .yml or .csv file")
    p = Path(path)
    return p, f"patients file {str(p)!r}"


def read_patient_rows(path: str | os.PathLike[str], *, check: Check | None = None) -> PatientRows:
    """Patients from a ``.yaml``/``.yml`` or ``.csv`` file, with a message for every invalid row or patient.

    Parameters
    ----------
    path : str or os.PathLike
        The file; its extension decides how it is read (module notes).
    check : callable, optional
        As in :func:`parse_frame`.

    Returns
    -------
    PatientRows

    Raises
    ------
    ValueError
        For a file that cannot be read or parsed, an unknown extension, column or key, a CSV row of the wrong
        width, an empty or repeated patient id; each names the file and the row or patient.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = f.write_text("patient_id,grade,ecog\\nA,G1,1\\nB,G9,0\\n")
    >>> rows = read_patient_rows(f)
    >>> list(rows.patients), len(rows.problems)
    (['A'], 1)
    """
    p, source = _source(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise ValueError(f"{source}: unknown file type {p.suffix!r}; allowed: .yaml, .yml, .csv")
    if suffix == ".csv":
        return _csv_rows(_text(p, source), source, check)
    from .priors_files import parse_yaml  # refuses repeated keys and keys that are not text

    return _yaml_rows(parse_yaml(_text(p, source), source, priors=False), p, source, check)


def read_patients(path: str | os.PathLike[str], *, check: Check | None = None,
                  skip_invalid: bool = False) -> dict[str, Patient]:
    """Patients from a ``.yaml``/``.yml`` or ``.csv`` file: patient id -> Patient (see :func:`read_patient_rows`).

    Raises
    ------
    ValueError
        As :func:`read_patient_rows`, and listing every invalid row unless ``skip_invalid``.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "case.yaml"
    >>> _ = f.write_text("grade: G2\\nburden: low\\nfunctional: false\\n")
    >>> read_patients(f)
    {'case': Patient(grade='G2', burden='low', functional=False)}
    """
    return read_patient_rows(path, check=check).valid(skip_invalid=skip_invalid)
