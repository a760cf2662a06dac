"""The utility: expected quality-adjusted life-years (QALYs), as a sum of named terms.

For a modality, the QALYs are

* ``survival``: restricted mean survival to the horizon, discounted, times the utility of life with treated
  disease (:func:`netlrt.network.forms.discounted_life_years`);
* ``procedure_death``: minus that, times the probability of dying within 30 days of the course;
* ``uncontrolled_symptoms``: minus P(hormonal symptoms not resolved) x disutility x years, discounted as
  survival is (the years are a stretch of the benefit's horizon, not the first weeks);
* ``postembolization_syndrome``, ``overnight_stay``: minus P(per treatment session) x expected sessions x
  disutility x days / 365.25;
* ``procedure_sessions``: minus expected arterial procedures x disutility x days / 365.25;
* ``renal_injury``: minus P(per arterial procedure) x expected arterial procedures x disutility x days / 365.25
  (contrast is given at each, Y90's mapping arteriogram included); ``nontarget_injury`` and ``biliary_injury``
  likewise per treatment session (embolic material, and DEE-TACE's drug, is delivered at each);
* one term per other complication (abscess, carcinoid crisis, decompensation): minus P(event in the course) x
  disutility x days / 365.25. Their probabilities are the same for every modality or, for decompensation,
  differ through liver toxicity, which the article does not tie to a session.

:data:`COUNTED_PER` says which outcomes are counted per session or procedure; tables and notes read it.

Objective response enters no term: it is a surrogate whose value is counted through survival and symptoms,
and counting it again would count the same benefit twice. Short-term events are not discounted (they fall
in the first months). A preference profile multiplies named terms (``priors/utilities.yaml``).

Each term is computed per parameter draw as a table over the root nodes it depends on, so the engine takes
its exact expectation over unknown findings, and its average over draws is the Bayes expected value.

Examples
--------
>>> [t.name for t in TERMS][:3]
['survival', 'procedure_death', 'uncontrolled_symptoms']
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np

from ..network.declarations import NODE, ROOTS
from ..network.forms import discounted_life_years
from ..network.tables import Tables

__all__ = ["COUNTED_PER", "DAYS_PER_YEAR", "TERM", "TERMS", "Term", "days", "term_tables"]

DAYS_PER_YEAR = 365.25


def days(x: float) -> str:
    """A number of (quality-adjusted) days as text, never in exponent notation: one decimal from 1 up, two
    significant digits below, and 'below 0.001' (about a minute and a half) for a nonzero value smaller than that.

    Examples
    --------
    >>> days(0.0409), days(0.77), days(3.24), days(250.4), days(4e-5), days(0.0)
    ('0.041', '0.77', '3.2', '250.4', 'below 0.001', '0')
    """
    if abs(x) >= 1:
        return f"{x:.1f}"
    if 0 < abs(x) < 1e-3:
        return "below 0.001" if x > 0 else "above -0.001"
    return f"{x:.2g}"

Array = tuple[np.ndarray, tuple[str, ...]]  # (n, 1, *root_cards) and its roots


@dataclass(frozen=True)
class Term:
    """One named part of the QALYs: its label, the priors it reads (id -> role), how it is computed and the
    nodes whose tables it reads (so that a change of parameters recomputes only the terms it reaches)."""

    name: str
    label: str
    priors: Mapping[str, str]
    compute: Callable[[Tables, Mapping[str, np.ndarray]], Array]
    nodes: tuple[str, ...]


#: einsum letters of the roots (``n`` is the draw axis, ``s`` a table's own state axis).
_ROOT_LETTER = dict(zip(ROOTS, (c for c in string.ascii_letters if c not in "ns")))


def _product(*factors: Array) -> Array:
    """Elementwise product of tables over (possibly different) roots, on the union of their roots."""
    roots = tuple(r for r in ROOTS if any(r in f[1] for f in factors))
    subs = ",".join("ns" + "".join(_ROOT_LETTER[r] for r in f[1]) for f in factors)
    out = "ns" + "".join(_ROOT_LETTER[r] for r in roots)
    n = max(f[0].shape[0] for f in factors)
    return np.einsum(f"{subs}->{out}", *(np.broadcast_to(f[0], (n,) + f[0].shape[1:]) for f in factors)), roots


def _state(tables: Tables, node: str, index: int) -> Array:
    table, roots = tables.over_roots(node)
    return table[:, index:index + 1], roots


def _mean_count(tables: Tables, node: str) -> Array:
    """Expected count of a node whose states are one, two, three, ... (sessions)."""
    table, roots = tables.over_roots(node)
    counts = np.arange(1, table.shape[1] + 1).reshape((1, -1) + (1,) * (table.ndim - 2))
    return (table * counts).sum(axis=1, keepdims=True), roots


def _scalar(x: np.ndarray) -> Array:
    return np.asarray(x, dtype=float).reshape(-1, 1), ()


def _qalys_alive(tables: Tables, v: Mapping[str, np.ndarray]) -> Array:
    """Utility x discounted life-years of each survival stratum (the survival and death terms both use it)."""
    if "qalys_alive" not in tables.derived:
        tables.derived["qalys_alive"] = _compute_qalys_alive(tables, v)
    return tables.derived["qalys_alive"]


def _compute_qalys_alive(tables: Tables, v: Mapping[str, np.ndarray]) -> Array:
    hazard = tables.hazards["survival_3y"]
    years = discounted_life_years(hazard, v["horizon_years"].reshape((-1,) + (1,) * (hazard.ndim - 1)),
                                  v["discount_rate"].reshape((-1,) + (1,) * (hazard.ndim - 1)))
    u = v["utility_alive"].reshape((-1,) + (1,) * (hazard.ndim - 1))
    return (u * years)[:, None], NODE["survival_3y"].parents


def _survival(tables: Tables, v: Mapping[str, np.ndarray]) -> Array:
    return _qalys_alive(tables, v)


def _procedure_death(tables: Tables, v: Mapping[str, np.ndarray]) -> Array:
    table, roots = _product(_qalys_alive(tables, v), _state(tables, "death_30d", 1))
    return -table, roots


def _loss(v: Mapping[str, np.ndarray], name: str, *, days: bool = True) -> Array:
    """Disutility x duration in years: days undiscounted (they fall in the first months), years discounted from
    the course on at the model's rate."""
    if days:
        duration = v[f"days_{name}"] / DAYS_PER_YEAR
    else:
        duration = discounted_life_years(np.zeros(()), v[f"years_{name}"], v["discount_rate"])
    return _scalar(v[f"disutility_{name}"] * duration)


def _event(outcome: str, *, per: str | None = None, loss: str | None = None) -> Callable[..., Array]:
    """The term of an outcome, once per course or, with ``per`` a count node, once per session it counts."""
    def compute(tables: Tables, v: Mapping[str, np.ndarray]) -> Array:
        factors = [_state(tables, outcome, 1), _loss(v, loss or outcome)]
        if per:
            factors.append(_mean_count(tables, per))
        table, roots = _product(*factors)
        return -table, roots
    return compute


def _symptoms(tables: Tables, v: Mapping[str, np.ndarray]) -> Array:
    table, roots = _product(_state(tables, "symptom_control", 0), _loss(v, "uncontrolled_symptoms", days=False))
    return -table, roots


def _sessions(tables: Tables, v: Mapping[str, np.ndarray]) -> Array:
    table, roots = _product(_mean_count(tables, "procedure_sessions"), _loss(v, "procedure_session"))
    return -table, roots


def _loss_priors(name: str, *, days: bool = True) -> dict[str, str]:
    if days:
        return {f"disutility_{name}": "disutility", f"days_{name}": "days"}
    return {f"disutility_{name}": "disutility", f"years_{name}": "years", "discount_rate": "discount_rate"}


_QALY = {"utility_alive": "utility", "horizon_years": "years", "discount_rate": "discount_rate"}
_EVENTS = ("hepatic_abscess", "biliary_injury", "carcinoid_crisis", "renal_injury", "hepatic_failure",
           "nontarget_injury")
#: Outcomes that can follow each session, not once per course, and the count node that counts them: the syndrome
#: and the night in hospital follow each treatment session, as do non-target and biliary injury (embolic material,
#: and DEE-TACE's drug, is delivered at each); kidney injury follows each arterial procedure (contrast is given at
#: each, Y90's mapping arteriogram included).
COUNTED_PER = {"postembolization_syndrome": "treatment_sessions", "overnight_stay": "treatment_sessions",
               "nontarget_injury": "treatment_sessions", "biliary_injury": "treatment_sessions",
               "renal_injury": "procedure_sessions"}
_EVENT_LABELS = {"postembolization_syndrome": "Post-embolization syndrome",
                 "overnight_stay": "Overnight hospital stays", "hepatic_abscess": "Hepatic abscess",
                 "biliary_injury": "Biliary injury", "carcinoid_crisis": "Carcinoid crisis",
                 "renal_injury": "Kidney injury", "hepatic_failure": "Hepatic decompensation",
                 "nontarget_injury": "Non-target injury"}


def _event_term(outcome: str) -> Term:
    per = COUNTED_PER.get(outcome)
    return Term(outcome, _EVENT_LABELS[outcome], _loss_priors(outcome), _event(outcome, per=per),
                (outcome, per) if per else (outcome,))


#: The terms, in the order tables show them. Their names are what preference profiles multiply.
TERMS: tuple[Term, ...] = (
    Term("survival", "Quality-adjusted survival (discounted, to the horizon)", _QALY, _survival, ("survival_3y",)),
    Term("procedure_death", "Death within 30 days of the course", _QALY, _procedure_death,
         ("survival_3y", "death_30d")),
    Term("uncontrolled_symptoms", "Hormonal symptoms not resolved", _loss_priors("uncontrolled_symptoms", days=False),
         _symptoms, ("symptom_control",)),
    _event_term("postembolization_syndrome"),
    _event_term("overnight_stay"),
    Term("procedure_sessions", "Arterial procedures (treatment and mapping)", _loss_priors("procedure_session"),
         _sessions, ("procedure_sessions",)),
    *map(_event_term, _EVENTS),
)
TERM: dict[str, Term] = {t.name: t for t in TERMS}


def _check_nodes() -> None:
    """Every node a term declares is a node with a table (checked at import: a misspelt one would leave the term
    out of what a change of that node's parameters recomputes, :meth:`Evaluator.saltelli
    <netlrt.decision.core.Evaluator.saltelli>`)."""
    tabled = {n for n, node in NODE.items() if node.parents}
    for t in TERMS:
        unknown = [n for n in t.nodes if n not in tabled]
        if unknown or not t.nodes:
            raise RuntimeError(f"term {t.name}: nodes {list(t.nodes)}; allowed: one or more of {sorted(tabled)}")


_check_nodes()


def term_tables(tables: Tables, values: Mapping[str, np.ndarray],
                names: Collection[str] | None = None) -> dict[str, Array]:
    """Every term's QALY table over its roots, ``(n, 1, *root_cards)``, for the draws of ``tables``; only the
    terms ``names`` when given.

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.network.tables import build_tables
    >>> priors = load_priors()
    >>> t = term_tables(build_tables(priors.means(), priors.population), priors.means())
    >>> t["survival"][1]
    ('modality', 'grade', 'burden', 'extrahepatic')
    """
    v = {k: np.broadcast_to(np.atleast_1d(np.asarray(x, dtype=float)), (tables.n,)) for k, x in values.items()}
    return {t.name: t.compute(tables, v) for t in TERMS if names is None or t.name in names}
