"""CSV cells a spreadsheet will not run: text starting like a formula is escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["csv_safe", "csv_safe_frame"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
T = TypeVar("T")


# ------------------------------------------------------------------------------------------ CSV

def csv_safe(value: T) -> T | str:
    """Guard a CSV cell against spreadsheet formula injection: text starting ``= + - @``, tab or carriage return
    gets a leading apostrophe, which spreadsheets show as text.

    Parameters
    ----------
    value : object
        A cell value; only ``str`` is ever changed, so numbers (negative ones too) stay numbers.

    Returns
    -------
    object
        ``value``, or ``"'" + value``.

    Examples
    --------
    >>> csv_safe("=HYPERLINK(\\"http://x\\")"), csv_safe("-2"), csv_safe(-2.5), csv_safe("p-01")
    ('\\'=HYPERLINK("http://x")', "'-2", -2.5, 'p-01')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with `csv_safe` applied to every text cell, column label and index label, and each tuple or
    list cell (a tornado's switch points) written as its items joined by ``"; "``, not as Python's repr.

    Parameters
    ----------
    df : pandas.DataFrame
        The table about to be written with ``to_csv``; it is not changed.

    Returns
    -------
    pandas.DataFrame
        Same shape and order; numeric columns untouched; text (object, string, categorical) columns guarded.

    Examples
    --------
    >>> import pandas as pd
    >>> csv_safe_frame(pd.DataFrame({"patient_id": ["=1+1", "p2"], "x": [-1.0, 2.0]})).to_csv(index=False)
    "patient_id,x\\n'=1+1,-1.0\\np2,2.0\\n"
    >>> csv_safe_frame(pd.DataFrame({"switch_to": [("TAE", "Y90"), ()]})).to_csv(index=False)
    'switch_to\\nTAE; Y90\\n""\\n'
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    out = df.copy()
    out.columns = pd.RangeIndex(df.shape[1])  # positions: column labels may repeat
    for i in range(df.shape[1]):
        if _is_text(out[i].dtype):
            out[i] = out[i].astype(object).map(_cell)
    out.columns = _safe_labels(df.columns)
    out.index = _safe_labels(df.index)
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        value = "; ".join(map(str, value))
    return csv_safe(value)


def _is_text(dtype: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))


def _safe_labels(index: pd.Index) -> pd.Index:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_arrays([_safe_labels(index.get_level_values(i)) for i in range(index.nlevels)],
                                         names=index.names)
    return index.map(csv_safe) if _is_text(index.dtype) else index
