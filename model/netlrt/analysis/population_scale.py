"""Population scaling of per-patient values of information (EVPI, EVPPI, EVSI).

The value of information per patient, times the discounted number of patients the decision affects,
is the most a health system should give up (in QALYs) to resolve the uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["PopulationScale", "population_value"]


def _number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or not low <= value <= high or (low_open and value == low):
        raise ValueError(f"{name}: {value!r}; allowed: a number in {'(' if low_open else '['}{low:g}, {high:g}]")
    return float(value)


@dataclass(frozen=True)
class PopulationScale:
    """The patients a decision affects: ``patients_per_year`` for ``horizon_years``, discounted yearly.

    Each year's cohort is treated at the start of its year, the first undiscounted:

        N = P * sum_{t=0}^{H-1} (1 + r)^-t = P * (1 - (1 + r)^-H) / (1 - (1 + r)^-1),  and P * H if r = 0.

    Parameters
    ----------
    patients_per_year : float
        Incident patients per year (> 0).
    horizon_years : int
        Years the decision stands (>= 1).
    discount_rate : float
        Annual discount rate in [0, 1) (e.g. 0.035).

    Examples
    --------
    >>> round(PopulationScale(100, 2, 0.05).discounted_patients(), 6)   # 100 + 100 / 1.05
    195.238095
    """

    patients_per_year: float
    horizon_years: int
    discount_rate: float

    def __post_init__(self) -> None:
        _number("patients_per_year", self.patients_per_year, 0.0, np.inf, low_open=True)
        if isinstance(self.horizon_years, bool) or not isinstance(self.horizon_years, (int, np.integer)) \
                or self.horizon_years < 1:
            raise ValueError(f"horizon_years: {self.horizon_years!r}; allowed: an integer >= 1")
        _number("discount_rate", self.discount_rate, 0.0, 1.0)
        if self.discount_rate == 1.0:
            raise ValueError("discount_rate: 1.0; allowed: a number in [0, 1)")

    def discounted_patients(self) -> float:
        """The discounted number of patients affected over the horizon (formula above)."""
        p, h, r = float(self.patients_per_year), int(self.horizon_years), float(self.discount_rate)
        if r == 0.0:
            return p * h
        v = 1.0 / (1.0 + r)
        return p * (1.0 - v**h) / (1.0 - v)


def population_value(per_patient: Any, scale: PopulationScale) -> Any:
    """A per-patient value of information (EVPI, EVPPI, EVSI) times the discounted patients affected.

    Works on a float, an :class:`~netlrt.analysis.voi.Estimate` (its ``.se`` scaled too), a numpy
    array, a pandas Series or DataFrame; returns the same kind.

    Examples
    --------
    >>> population_value(0.01, PopulationScale(100, 10, 0.0))
    10.0
    """
    if not isinstance(scale, PopulationScale):
        raise ValueError(f"scale: {scale!r}; allowed: a PopulationScale")
    factor = scale.discounted_patients()
    if isinstance(per_patient, float) and hasattr(per_patient, "se"):  # an Estimate: a float with its SE
        return type(per_patient)(float(per_patient) * factor, per_patient.se * factor)
    if isinstance(per_patient, (bool, np.bool_)) or isinstance(per_patient, (str, bytes)):
        raise ValueError(f"per_patient: {per_patient!r}; allowed: numbers (float, array, Series, DataFrame)")
    if isinstance(per_patient, (int, float, np.integer, np.floating)):
        return float(per_patient) * factor
    kinds = np.asarray(per_patient.dtypes if hasattr(per_patient, "columns") else [np.asarray(per_patient).dtype])
    if any(np.dtype(k).kind not in "iuf" for k in kinds):
        raise ValueError(f"per_patient: dtype(s) {sorted(set(map(str, kinds)))}; allowed: numbers")
    return per_patient * factor
