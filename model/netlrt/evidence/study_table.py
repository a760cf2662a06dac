"""The study table of evidence updating: one validated row per study result, from a DataFrame, a list of
mappings or a CSV file.

A row names the prior (``parameter``), the ``citation`` (required), an optional ``population``, and either
``events`` and ``patients`` (a probability) or ``estimate``, ``lower`` and ``upper`` (a 95% interval; a ratio
or a time). Every refusal names the row, the parameter and what is allowed.

Examples
--------
>>> rows = parse_studies([{"parameter": "p", "citation": "Doe 2024", "events": 7, "patients": 10}],
...                      {"p": "probability"})
>>> rows[0].transformed()[0] == math.log(7.5 / 3.5)
True
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import finite_real, is_integer, is_real, short_repr
from ..files.writing import note_input

__all__ = ["COLUMNS", "ROLES", "StudyRow", "Z95", "check_kind", "parse_studies", "read_studies_csv"]

#: Role of a prior -> the family study data can update.
ROLES: dict[str, str] = {"probability": "beta", "ratio": "lognormal", "time": "lognormal"}
Z95 = 1.959963984540054  # standard normal 97.5% quantile
COLUMNS = ("parameter", "citation", "population", "events", "patients", "estimate", "lower", "upper")
_COUNTS, _INTERVAL = ("events", "patients"), ("estimate", "lower", "upper")
MAX_COUNT = 2**53  # the largest count a float (a CSV column with gaps) holds exactly


def _is_missing(value: Any) -> bool:
    # pandas puts NaN (or pd.NA) in the unused columns of a mixed table, so NaN reads as "not given".
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return True
    pd = sys.modules.get("pandas")
    return pd is not None and value is pd.NA


@dataclass(frozen=True)
class StudyRow:
    """One validated study result: events in patients (a probability) or an estimate with its 95% interval.

    Parameters
    ----------
    row : int
        Position in the study table, from 1 (error messages name it).
    parameter, citation, population : str
        Prior id; non-empty citation; free text such as a modality or cohort (may be None).
    events, patients : int or None
        For a probability: 0 <= events <= patients, patients >= 1.
    estimate, lower, upper : float or None
        For a ratio or a time: all > 0, lower <= estimate <= upper, lower < upper.

    Raises
    ------
    ValueError
        Naming the row, the parameter, the field and what is allowed.

    Examples
    --------
    >>> row = StudyRow(1, "median_os", "Doe 2024", estimate=4.0, lower=3.0, upper=5.5)
    >>> row.kind, round(row.transformed()[0], 4)
    ('interval', 1.3863)
    """

    row: int
    parameter: str
    citation: str
    population: str | None = None
    events: int | None = None
    patients: int | None = None
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        pid, row = self.parameter, self.row
        if not isinstance(pid, str) or not pid:
            raise ValueError(f"parameter: {pid!r} in row {row}; allowed: a non-empty prior id")
        at = f"in row {row} (parameter {pid!r})"
        if not isinstance(self.citation, str) or not self.citation.strip():
            raise ValueError(f"citation: {self.citation!r} {at}; allowed: non-empty text")
        if self.population is not None and not isinstance(self.population, str):
            raise ValueError(f"population: {self.population!r} {at}; allowed: text or missing")
        for name in _COUNTS + _INTERVAL:
            v, count = getattr(self, name), name in _COUNTS
            if v is None:
                continue
            if not (is_integer(v) and abs(v) <= MAX_COUNT if count else finite_real(v)):
                allowed = "a whole number up to 2**53" if count else "a finite number"
                raise ValueError(f"{name}: {short_repr(v)} {at}; allowed: {allowed}")
            object.__setattr__(self, name, int(v) if count else float(v))
        given = {n for n in _COUNTS + _INTERVAL if getattr(self, n) is not None}
        if not given:
            raise ValueError(f"row {row} (parameter {pid!r}) has no data; allowed: events and patients (a "
                             "probability) or estimate, lower and upper (a ratio or a time)")
        if given & set(_COUNTS) and given & set(_INTERVAL):
            raise ValueError(f"row {row} (parameter {pid!r}) gives both events/patients and estimate/lower/upper; "
                             "allowed: one kind of data per row")
        fields = _COUNTS if given & set(_COUNTS) else _INTERVAL
        if missing := [n for n in fields if n not in given]:
            raise ValueError(f"{', '.join(missing)}: missing {at}; allowed: {' and '.join(fields)} together")
        e, n, est, lo, hi = self.events, self.patients, self.estimate, self.lower, self.upper
        if fields == _COUNTS and n < 1:
            raise ValueError(f"patients: {n} {at}; allowed: an integer >= 1")
        if fields == _COUNTS and not 0 <= e <= n:
            raise ValueError(f"events: {e} (patients {n}) {at}; allowed: 0 <= events <= patients")
        if fields == _INTERVAL:
            if bad := [f"{name}: {v}" for name, v in zip(_INTERVAL, (est, lo, hi)) if v <= 0]:
                raise ValueError(f"{bad[0]} {at}; allowed: a ratio or time > 0")
            if not lo < hi:
                raise ValueError(f"lower: {lo} >= upper {hi} {at}; allowed: lower < upper")
            if not lo <= est <= hi:
                raise ValueError(f"estimate: {est} outside [{lo}, {hi}] {at}; allowed: lower <= estimate <= upper")

    @property
    def kind(self) -> str:
        """``'counts'`` (events in patients) or ``'interval'`` (an estimate with its 95% interval)."""
        return "counts" if self.events is not None else "interval"

    def transformed(self) -> tuple[float, float]:
        """The estimate and its variance on the model scale: logit (continuity-corrected) or log."""
        if self.kind == "counts":
            e, n = self.events, self.patients
            return math.log((e + 0.5) / (n - e + 0.5)), 1.0 / (e + 0.5) + 1.0 / (n - e + 0.5)
        return math.log(self.estimate), ((math.log(self.upper) - math.log(self.lower)) / (2 * Z95)) ** 2


def _number(value: Any, name: str, at: str) -> int | float | None:
    if _is_missing(value):
        return None
    if not is_real(value):
        hint = " (a string; read CSV files with read_studies_csv)" if isinstance(value, str) else ""
        raise ValueError(f"{name}: {value!r}{hint} {at}; allowed: a number")
    if name in _COUNTS:
        # A float column is what pandas makes of integers next to missing values: 7.0 is 7, 7.5 is refused, and
        # so is a count beyond 2**53, where floats no longer hold every whole number.
        if not (finite_real(value) and float(value).is_integer() and abs(value) <= MAX_COUNT):
            raise ValueError(f"{name}: {short_repr(value)} {at}; allowed: a whole number up to 2**53")
        return int(value)
    if not finite_real(value):
        raise ValueError(f"{name}: {short_repr(value)} {at}; allowed: a finite number")
    return float(value)


def _parse_record(record: Mapping[str, Any], row: int, roles: Mapping[str, str]) -> StudyRow:
    pid = record.get("parameter")
    if _is_missing(pid) or not isinstance(pid, str) or pid not in roles:
        ids = sorted(k for k, role in roles.items() if role in ROLES)  # those a study can update
        near = difflib.get_close_matches(str(pid), ids, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        shown = ", ".join(ids[:12]) + (f", ... ({len(ids)} in all)" if len(ids) > 12 else "")
        raise ValueError(f"parameter: {pid!r} in row {row} is unknown; {hint}allowed: a prior id ({shown})")
    if roles[pid] not in ROLES:
        raise ValueError(f"parameter: {pid!r} in row {row} has role {roles[pid]!r}, which study data cannot "
                         f"update; allowed roles: {', '.join(ROLES)}")
    at = f"in row {row} (parameter {pid!r})"
    citation, population = record.get("citation"), record.get("population")
    if _is_missing(citation) or not isinstance(citation, str) or not citation.strip():
        raise ValueError(f"citation: {None if _is_missing(citation) else citation!r} {at}; allowed: non-empty text")
    if _is_missing(population) or (isinstance(population, str) and not population.strip()):
        population = None
    values = {n: _number(record.get(n), n, at) for n in _COUNTS + _INTERVAL}
    study = StudyRow(row, pid, citation.strip(), population, **values)
    check_kind(study, roles[pid])
    return study


def check_kind(study: StudyRow, role: str) -> None:
    if study.kind != ("counts" if role == "probability" else "interval"):
        gives, need = ("events/patients", "estimate, lower and upper") if study.kind == "counts" else \
            ("estimate/lower/upper", "events and patients")
        raise ValueError(f"row {study.row} (parameter {study.parameter!r}, a {role}) gives {gives}; "
                         f"allowed for a {role}: {need}")


def _check_columns(columns: Sequence[Any], where: str) -> None:
    if unknown := [c for c in columns if c not in COLUMNS]:
        hint = " (an empty name: look for a trailing comma in the header)" if "" in unknown else ""
        raise ValueError(f"{where}: unknown column(s) {unknown}{hint}; allowed: {', '.join(COLUMNS)}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"{where}: duplicate column names in {list(columns)}; allowed: each column once")
    for required in ("parameter", "citation"):
        if required not in columns:
            raise ValueError(f"{where}: column {required!r} missing; allowed: {', '.join(COLUMNS)}")


def parse_studies(table: Any, roles: Mapping[str, str]) -> tuple[StudyRow, ...]:
    """Validate a tidy table of study results, one row per result.

    Parameters
    ----------
    table : pandas.DataFrame or sequence of dict
        Columns ``parameter`` and ``citation`` (required), ``population`` (optional), and per row either
        ``events`` and ``patients`` or ``estimate``, ``lower`` and ``upper`` (a 95% interval); no other columns.
        Numbers must be numbers (a string is refused: read files with :func:`read_studies_csv`); ``None`` or NaN
        is missing, and a whole float such as 7.0 (pandas' integers beside missing values) counts as 7.
    roles : Mapping[str, str]
        Prior id -> role (``probability``, ``ratio`` or ``time``): which ids exist and which data fit them.

    Returns
    -------
    tuple of StudyRow
        In table order; ``row`` counts from 1.

    Raises
    ------
    ValueError
        Naming the row, the parameter and what is allowed: unknown id, data of the wrong kind for the role,
        impossible or non-finite value, a string where a number belongs, missing citation, unknown column, a row
        that repeats another.

    Examples
    --------
    >>> rows = parse_studies([{"parameter": "p", "citation": "Doe 2024", "events": 7, "patients": 10}],
    ...                      {"p": "probability"})
    >>> rows[0].events, rows[0].patients
    (7, 10)
    """
    if type(table).__module__.startswith("pandas") and hasattr(table, "columns"):
        _check_columns(list(table.columns), "table")
        records = table.to_dict("records")
    elif isinstance(table, Sequence) and not isinstance(table, (str, bytes)) and \
            all(isinstance(r, Mapping) for r in table):
        records = list(table)
        if records:
            _check_columns(list(dict.fromkeys(k for r in records for k in r)), "table")
    else:
        raise ValueError(f"table: got {type(table).__name__}; allowed: a pandas DataFrame or a sequence of dicts "
                         "(read CSV files with read_studies_csv)")
    return _once(tuple(_parse_record(r, i, roles) for i, r in enumerate(records, start=1)))


def _once(rows: tuple[StudyRow, ...]) -> tuple[StudyRow, ...]:
    """``rows``, refusing a row that repeats an earlier one (the same result would be counted twice)."""
    seen: dict[tuple[Any, ...], int] = {}
    for r in rows:
        key = (r.parameter, r.citation.strip(), r.population, r.events, r.patients, r.estimate, r.lower, r.upper)
        if key in seen:
            raise ValueError(f"row {r.row} repeats row {seen[key]} (parameter {r.parameter!r}, citation "
                             f"{r.citation!r}): the same result would count twice; allowed: each study result once")
        seen[key] = r.row
    return rows


def _csv_value(text: str, name: str, at: str) -> Any:
    text = text.strip()
    if name not in _COUNTS + _INTERVAL or not text:
        return text or None
    try:
        value = int(text) if name in _COUNTS and text.lstrip("+-").isdigit() else float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} {at} is not a number; allowed: a number or an empty cell") from None
    if not math.isfinite(value):  # in a file, missing is an empty cell; "nan" text is a mistake
        raise ValueError(f"{name}: {text!r} {at} is not finite; allowed: a finite number or an empty cell")
    return value


def read_studies_csv(path: str | Path, roles: Mapping[str, str]) -> tuple[StudyRow, ...]:
    """Read and validate a CSV file of study results: a header row, then one row per result.

    Cells are parsed explicitly: an empty cell is missing, numbers must parse as finite numbers (``nan`` text is
    refused), and a row with more or fewer cells than the header (say, a trailing comma) is refused, never
    shifted. Otherwise the rules of :func:`parse_studies` apply.

    Parameters
    ----------
    path : str or Path
        The CSV file, UTF-8 (a byte-order mark is allowed).
    roles : Mapping[str, str]
        Prior id -> role, as for :func:`parse_studies`.

    Returns
    -------
    tuple of StudyRow

    Raises
    ------
    ValueError
        Naming the file, the line, the row (data rows count from 1), the field and what is allowed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = pathlib.Path(folder) / "studies.csv"
    ...     _ = f.write_text("parameter,citation,events,patients\\np,Doe 2024,7,10\\n")
    ...     read_studies_csv(f, {"p": "probability"})[0].events
    7
    """
    name = str(Path(path))
    note_input(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"file {name!r}: cannot be read ({err}); allowed: an existing UTF-8 CSV file") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        raise ValueError(f"file {name!r}: empty; allowed: a header row, then one row per study result")
    _check_columns(header, f"file {name!r}")
    out: list[StudyRow] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # blank lines, as spreadsheets leave at the end
        where, row = f"file {name!r}, line {reader.line_num}", len(out) + 1
        if len(cells) != len(header):
            raise ValueError(f"{where}: {len(cells)} cells for {len(header)} columns in row {row}; allowed: one "
                             "cell per header column (look for a trailing or missing comma)")
        try:
            at = f"in row {row} (parameter {cells[header.index('parameter')].strip()!r})"
            out.append(_parse_record({h: _csv_value(c, h, at) for h, c in zip(header, cells)}, row, roles))
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
    if not out:
        raise ValueError(f"file {name!r}: no study results under the header; allowed: one row per study result")
    try:
        return _once(tuple(out))
    except ValueError as err:
        raise ValueError(f"file {name!r}: {err}") from None


