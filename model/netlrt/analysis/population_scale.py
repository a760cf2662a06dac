"""Population scaling of per-patient values of information (EVPI, EVPPI, EVSI).

The value of information per patient, times the discounted number of patients the decision affects,
is the most a health system should give up (in QALYs) to resolve the uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import finite_number, is_bool, is_integer, is_real, short_repr

__all__ = ["PopulationScale", "population_value"]


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
        finite_number("patients_per_year", self.patients_per_year, low=0.0, low_open=True)
        if not is_integer(self.horizon_years) or self.horizon_years < 1:
            raise ValueError(f"horizon_years: {self.horizon_years!r}; allowed: an integer >= 1")
        finite_number("discount_rate", self.discount_rate, low=0.0, high=1.0, high_open=True)
        try:
            total = self.discounted_patients()
        except OverflowError:  # a horizon of more years than a float holds
            total = math.inf
        if not math.isfinite(total):
            raise ValueError(f"patients_per_year, horizon_years: {short_repr(self.patients_per_year)} a year for "
                             f"{short_repr(self.horizon_years)} years is more patients than a float can count; "
                             "allowed: a population whose total is finite")

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
    if is_real(per_patient):  # one value: checked as a value of information is (a table may mark gaps with NaN)
        return finite_number("per_patient", per_patient, low=0.0) * factor
    if is_bool(per_patient) or isinstance(per_patient, (str, bytes)):
        raise ValueError(f"per_patient: {per_patient!r}; allowed: numbers (float, array, Series, DataFrame)")
    kinds = np.asarray(per_patient.dtypes if hasattr(per_patient, "columns") else [np.asarray(per_patient).dtype])
    if any(np.dtype(k).kind not in "iuf" for k in kinds):
        raise ValueError(f"per_patient: dtype(s) {sorted(set(map(str, kinds)))}; allowed: numbers")
    return per_patient * factor
