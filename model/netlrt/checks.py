"""Checks of arguments shared by every layer: one wording for each kind of mistake.

Examples
--------
>>> positive_int("n_draws", 10)
10
>>> positive_int("n_draws", True)
Traceback (most recent call last):
...
ValueError: n_draws: expected a positive integer, got True
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["finite_number", "finite_real", "is_bool", "is_integer", "is_real", "positive_int", "power_of_two",
           "short_repr"]


def is_bool(x: Any) -> bool:
    """A Python or NumPy bool (``numpy.bool_``; numpy itself need not be imported to ask)."""
    return isinstance(x, bool) or (type(x).__module__ == "numpy" and type(x).__name__ in ("bool", "bool_"))


def is_real(x: Any) -> bool:
    """A real number that is not a bool: what every numeric argument takes.

    Python's and NumPy's ints and floats of every width and ``fractions.Fraction`` are real numbers; a bool,
    text and ``decimal.Decimal`` (not a ``numbers.Real``) are not. Finiteness and range are the caller's.

    Examples
    --------
    >>> import numpy as np
    >>> [is_real(x) for x in (3, np.int32(3), np.float32(3.0), True, np.True_, "3")]
    [True, True, True, False, False, False]
    """
    return isinstance(x, numbers.Real) and not is_bool(x)


def finite_real(x: Any) -> bool:
    """A real number (`is_real`) that is finite; an integer too large for a float (``10**400``) is not.

    Examples
    --------
    >>> [finite_real(x) for x in (1e308, 10**308, 10**400, float("nan"), True)]
    [True, True, False, False, False]
    """
    if not is_real(x):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # math.isfinite converts an int to a float
        return False


def is_integer(x: Any) -> bool:
    """An integer that is not a bool: Python's or NumPy's of any width, not a float such as ``2.0``.

    Examples
    --------
    >>> import numpy as np
    >>> [is_integer(x) for x in (3, np.int64(3), 3.0, True)]
    [True, True, False, False]
    """
    return isinstance(x, numbers.Integral) and not is_bool(x)


def positive_int(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``; ``ValueError`` naming ``name`` otherwise.

    A bool is not an integer here, and neither is a float such as ``2.0``.
    """
    if not is_integer(value) or value < minimum or (maximum is not None and value > maximum):
        what = "a positive integer" if minimum == 1 and maximum is None else \
            f"an integer >= {minimum}" + (f" and <= {maximum:,}" if maximum is not None else "")
        raise ValueError(f"{name}: expected {what}, got {short_repr(value)}")
    return int(value)


def finite_number(name: str, value: Any, *, low: float = -math.inf, high: float = math.inf, low_open: bool = False,
                  high_open: bool = False) -> float:
    """``value`` as a float in ``[low, high]`` (``low_open``/``high_open``: without that end); ``ValueError`` naming
    ``name``, the value and the range.

    Examples
    --------
    >>> finite_number("x", "2.0", low=0)
    Traceback (most recent call last):
    ...
    ValueError: x: '2.0' is text, not a number; allowed: a number >= 0
    """
    rng = (f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
           if math.isfinite(low) and math.isfinite(high) else
           f"a number {'>' if low_open else '>='} {low:g}" if math.isfinite(low) else
           f"a number {'<' if high_open else '<='} {high:g}" if math.isfinite(high) else "a finite number")
    if isinstance(value, str):
        raise ValueError(f"{name}: {value!r} is text, not a number; allowed: {rng}")
    if not is_real(value):
        raise ValueError(f"{name}: {value!r} ({type(value).__name__}) is not allowed; allowed: {rng}")
    if not finite_real(value) or not low <= value <= high or (low_open and value == low) or \
            (high_open and value == high):
        raise ValueError(f"{name}: {short_repr(value)} is out of range; allowed: {rng}")
    return float(value)


def short_repr(value: Any) -> str:
    """``repr(value)``, shortened for an integer of more than 20 digits or any repr over 60 characters (a message
    stays one readable line)."""
    bits = abs(int(value)).bit_length() if is_integer(value) else 0
    if bits > 4000 * 3.33:  # Python refuses to write an integer of over 4300 digits as text
        return f"an integer of about {int(bits * math.log10(2)) + 1} digits"
    digits = len(str(abs(int(value)))) if bits > 64 else 0
    if digits > 20:
        return f"an integer of {digits} digits"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:25]}... ({len(text)} characters)"  # e.g. a Fraction of huge terms


def power_of_two(name: str, value: int) -> int:
    """``value`` (already a positive int) when it is a power of two, as a Sobol base sample must be;
    ``ValueError`` naming ``name`` and the nearest allowed sizes otherwise."""
    if value & (value - 1):
        raise ValueError(f"{name}: must be a power of two (Sobol sequences balance only then), got {value}; "
                         f"allowed e.g. {1 << (value.bit_length() - 1)} or {1 << value.bit_length()}")
    return value
