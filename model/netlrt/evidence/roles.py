"""What a prior can be: the roles parameters play (unit, families, range) and the reading rules by which an
interval is read from the evidence (stated in full in ``docs/model.md``).

Examples
--------
>>> ROLES["odds_ratio"].contains(0.0), ROLES["probability"].contains(1.0)
(False, True)
>>> study_mass(17)
0.8888888888888888
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DEFAULT_MASS", "FIT_TOLERANCE", "INFERRED_MASS", "ROLES", "RULES", "Role", "UNITS", "study_mass"]

DEFAULT_MASS = 0.95
#: Mass of the interval of a direction inferred (not stated): a tenth of the prior stays on the other side.
INFERRED_MASS = 0.8
#: Largest relative error allowed between a distribution's quantiles and its stated interval.
FIT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Role:
    """What a parameter is used as: its unit, the families allowed and the range of its values."""

    unit: str
    families: tuple[str, ...]
    low: float
    high: float
    open_low: bool = False
    open_high: bool = False

    def contains(self, x: float) -> bool:
        above = x > self.low if self.open_low else x >= self.low
        below = x < self.high if self.open_high else x <= self.high
        return math.isfinite(x) and above and below

    def describe(self) -> str:
        lo, hi = ("(" if self.open_low else "[") + f"{self.low:g}", f"{self.high:g}" + (")" if self.open_high else "]")
        return f"unit {self.unit!r}, a {' or '.join(self.families)} value in {lo}, {hi}"


_POS = {"low": 0.0, "high": math.inf, "open_low": True, "open_high": True}
#: Role name -> Role. The network and decision declarations say which role each prior plays.
ROLES: dict[str, Role] = {
    "probability": Role("probability", ("beta", "fixed"), 0.0, 1.0),
    "odds_ratio": Role("odds ratio", ("lognormal", "fixed"), **_POS),
    "hazard_ratio": Role("hazard ratio", ("lognormal", "fixed"), **_POS),
    # No duration of this model exceeds a lifetime: 180 "years" of uncontrolled symptoms is 180 days in the wrong
    # unit, which would have cost every therapy 30 QALYs over a 10-year horizon.
    "years": Role("years", ("lognormal", "fixed"), 0.0, 100.0, open_low=True),
    "days": Role("days", ("lognormal", "fixed"), 0.0, 36525.0, open_low=True),
    "utility": Role("utility", ("beta", "fixed"), 0.0, 1.0),
    "disutility": Role("disutility", ("beta", "fixed"), 0.0, 1.0),
    "discount_rate": Role("rate per year", ("fixed",), 0.0, 1.0, open_high=True),
    "ecog": Role("ECOG", ("fixed",), 0.0, 4.0),
    "percent": Role("percent", ("fixed",), 0.0, 100.0),
}
UNITS = {r.unit for r in ROLES.values()}

#: Reading rule -> (source it implies, one-line statement). ``docs/model.md`` states each in full.
RULES: dict[str, tuple[str, str]] = {
    "study_range": ("article", "a range of k study results covers (k-1)/(k+1) of the predictive distribution"),
    "study_maximum": ("article", "'up to x' across k studies: x is the largest of k results, read like a range "
                      "whose smallest end is assumed"),
    "case_report": ("article", "a number from one of the article's cases, the centre of an assumed spread"),
    "direction": ("assumption", "a stated direction without a size: a 95% interval with one end at no effect"),
    "inferred_direction": ("assumption", "a direction inferred from the article's words, not stated: an 80% interval "
                           "with one end at no effect (a tenth of the mass on the other side)"),
    "exchangeable": ("assumption", "no comparative statement: an effect centred on no difference"),
    "assumption": ("assumption", "no number in the article: a deliberately wide interval with its reasoning"),
    "fixed": ("either", "a point value: a threshold, a convention or a logical certainty"),
    "posterior": ("either", "a prior updated by study results (listed in 'updates'; see netlrt.evidence.studies)"),
}


def study_mass(k: int) -> float:
    """Share of the predictive distribution that the range of ``k`` exchangeable study results covers.

    The smallest and largest of ``k`` draws from a continuous distribution enclose on average
    ``(k - 1) / (k + 1)`` of it.

    Examples
    --------
    >>> study_mass(5)
    0.6666666666666666
    """
    return (k - 1) / (k + 1)
