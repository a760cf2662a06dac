"""Priors with provenance: one model parameter each, validated once, on load.

A parameter carries its distribution, the interval the distribution encodes, the *reading rule* by which
that interval was read from the evidence (see ``docs/model.md``), and where the numbers come from:
``source: article`` with verbatim quotes and the article's reference numbers, or ``source: assumption``
with the reasoning (a quote may still support a stated direction). :func:`parse_prior` checks one entry;
:class:`PriorSet` is the validated collection; :mod:`netlrt.evidence.priors_files` reads folders of YAML.

Examples
--------
>>> p = parse_prior("x.yaml", "area", 0, {
...     "id": "p", "description": "A probability", "unit": "probability", "distribution": "beta",
...     "rule": "assumption", "interval": [0.1, 0.5], "reading": "Wide.", "source": "assumption",
...     "reasoning": "Nothing is known, so the interval is wide.", "params": {"a": 3.2, "b": 8.5}},
...     refit=True)
>>> p.low < p.mean < p.high
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import finite_real, is_integer, short_repr
from ..seeding import SeedLike, as_generator, stream
from . import fitting
from .roles import DEFAULT_MASS, FIT_TOLERANCE, INFERRED_MASS, ROLES, RULES, UNITS, study_mass

__all__ = ["ARTICLE_REFERENCES", "SHOWN", "Prior", "PriorSet", "parse_prior", "squash"]

_REQUIRED = ("id", "description", "unit", "distribution", "rule", "source", "params")
#: The article's reference list runs from 1 to 41.
ARTICLE_REFERENCES = 41
_OPTIONAL = ("interval", "mass", "reading", "quote", "refs", "quoted_values", "quote_scale", "reasoning",
             "modified", "studies", "updates")


@dataclass(frozen=True)
class Prior:
    """One model parameter: its distribution and its provenance (see the module docstring)."""

    id: str
    description: str
    unit: str
    distribution: str
    params: Mapping[str, float]
    source: str
    rule: str
    interval: tuple[float, float] | None = None
    mass: float = DEFAULT_MASS
    reading: str = ""
    quotes: tuple[str, ...] = ()
    refs: tuple[int, ...] = ()
    quoted_values: tuple[float, ...] = ()
    quote_scale: float = 1.0
    reasoning: str = ""
    modified: str = ""
    updates: tuple[str, ...] = ()
    area: str = ""
    file: str = ""

    @property
    def is_fixed(self) -> bool:
        """True for a point value, never varied in analyses."""
        return self.distribution == "fixed"

    @property
    def ends(self) -> list[float]:
        """What a role's range must hold: the fixed value, or both ends of the interval."""
        return [self.params["value"]] if self.is_fixed else list(self.interval)

    @property
    def quote(self) -> str:
        """The supporting sentences of the article, joined (empty when there are none)."""
        return " [...] ".join(self.quotes)

    @property
    def mean(self) -> float:
        return fitting.mean(self.distribution, self.params)

    def ppf(self, q: np.ndarray | float) -> np.ndarray:
        """Quantiles of the prior; for a fixed parameter, the value whatever ``q``."""
        return fitting.ppf(self.distribution, self.params, q)

    @property
    def low(self) -> float:
        """The 2.5th percentile (the value itself when fixed)."""
        return float(self.ppf(0.025))

    @property
    def high(self) -> float:
        """The 97.5th percentile (the value itself when fixed)."""
        return float(self.ppf(0.975))

    @property
    def provenance(self) -> str:
        """``article``, ``assumption``, or either with what changed it (``article (modified: ...)``)."""
        notes = ([f"modified: {self.modified}"] if self.modified else []) + \
                ([f"updated with {len(self.updates)} stud{'y' if len(self.updates) == 1 else 'ies'}"]
                 if self.updates else [])
        return self.source + (f" ({'; '.join(notes)})" if notes else "")

    def to_entry(self) -> dict[str, Any]:
        """The prior as a priors-file entry (a plain mapping that :func:`parse_prior` reads back)."""
        entry: dict[str, Any] = {"id": self.id, "description": self.description, "unit": self.unit,
                                 "distribution": self.distribution, "rule": self.rule}
        if self.interval is not None:
            entry["interval"] = list(self.interval)
            if self.rule in ("study_range", "study_maximum"):
                entry["studies"] = round(2 / (1 - self.mass) - 1)  # k from (k-1)/(k+1)
            elif self.mass != DEFAULT_MASS:
                entry["mass"] = self.mass
        optional = {"reading": self.reading, "source": self.source, "quote": list(self.quotes),
                    "refs": list(self.refs), "quoted_values": list(self.quoted_values),
                    "quote_scale": self.quote_scale if self.quote_scale != 1.0 else None,
                    "reasoning": self.reasoning, "modified": self.modified, "updates": list(self.updates)}
        entry.update({k: v for k, v in optional.items() if v not in (None, "", [])})
        entry["params"] = dict(self.params)
        return entry


def squash(x: Any) -> str:
    """``x`` as text on one line: runs of whitespace (YAML's folded line breaks) become one space."""
    return " ".join(str(x).split())


def parse_prior(fname: str, area: str, index: int, e: Any, *, refit: bool = False) -> Prior:
    """Validate one parameter entry of a priors file and return it as a :class:`Prior`.

    ``refit=True`` fits ``params`` to the interval instead of checking them (used by ``priors refit``).

    Raises
    ------
    ValueError
        ``"<file>: parameter '<id>': <what is wrong>; allowed: ..."``.
    """
    if not isinstance(e, dict):
        raise ValueError(f"{fname}: parameter #{index + 1}: expected a mapping, got {type(e).__name__}")
    pid = e.get("id", f"#{index + 1}")
    where = f"{fname}: parameter {pid!r}"
    if not isinstance(pid, str) or not pid.isidentifier():
        raise ValueError(f"{where}: id must be a name of letters, digits and '_'")
    for key in _REQUIRED:
        if key not in e or e[key] is None or e[key] == "":
            if not (key == "params" and refit):
                raise ValueError(f"{where}: missing field {key!r}")
    unknown = sorted(set(e) - set(_REQUIRED) - set(_OPTIONAL), key=str)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(_REQUIRED + _OPTIONAL)}")
    dist, unit, rule, source = e["distribution"], e["unit"], e["rule"], e["source"]
    if dist not in fitting.FAMILIES:
        raise ValueError(f"{where}: unknown distribution {dist!r}; allowed: {', '.join(fitting.FAMILIES)}")
    if unit not in UNITS:
        raise ValueError(f"{where}: unknown unit {unit!r}; allowed: {', '.join(sorted(UNITS))}")
    if rule not in RULES:
        raise ValueError(f"{where}: unknown rule {rule!r}; allowed: {', '.join(RULES)}")
    if source not in ("article", "assumption"):
        raise ValueError(f"{where}: source {source!r} not allowed; allowed: article, assumption")
    if RULES[rule][0] not in (source, "either"):
        raise ValueError(f"{where}: rule {rule!r} reads {RULES[rule][0]} evidence but source is {source!r}")
    if (rule == "fixed") != (dist == "fixed"):
        raise ValueError(f"{where}: rule 'fixed' goes with distribution 'fixed' and only with it")

    quotes = e.get("quote", [])
    quotes = [quotes] if isinstance(quotes, str) else quotes
    if not isinstance(quotes, list) or not all(isinstance(q, str) and q.strip() for q in quotes):
        raise ValueError(f"{where}: quote must be a sentence of the article or a list of them")
    refs = e.get("refs", [])
    if not isinstance(refs, list) or not all(is_integer(r) and 1 <= r <= ARTICLE_REFERENCES for r in refs):
        raise ValueError(f"{where}: refs must be a list of the article's reference numbers (1-{ARTICLE_REFERENCES}), "
                         f"got {short_repr(refs)}")
    if len(set(refs)) != len(refs):  # the study rules count the references as studies
        raise ValueError(f"{where}: refs {refs} name a reference twice; allowed: each reference once")
    qv = e.get("quoted_values", [])
    if not isinstance(qv, list) or not all(map(finite_real, qv)):
        raise ValueError(f"{where}: quoted_values must be a list of numbers, got {qv!r}")
    scale = e.get("quote_scale", 1.0)
    if not finite_real(scale) or scale <= 0:
        raise ValueError(f"{where}: quote_scale must be a positive number, got {scale!r}")
    for key in ("reading", "reasoning", "modified", "description"):
        if key in e and not isinstance(e[key], str):
            raise ValueError(f"{where}: {key} must be text, got {e[key]!r}")
        if key in e and not e[key].strip():  # blank text would pass for a reason given
            raise ValueError(f"{where}: {key} is blank; write it, or leave the key out where it is optional")
    updates = e.get("updates", [])
    if not isinstance(updates, list) or not all(isinstance(u, str) and u.strip() for u in updates):
        raise ValueError(f"{where}: updates must be a list of study citations, got {updates!r}")
    if source == "article" and not quotes:
        raise ValueError(f"{where}: source is 'article' but the quote is missing")
    if source == "assumption" and not e.get("reasoning"):
        raise ValueError(f"{where}: source is 'assumption' but 'reasoning' is missing (say why)")
    needs_quote = ("direction", "inferred_direction", "study_maximum", "case_report")
    if rule in needs_quote and not (quotes and e.get("reasoning")):
        raise ValueError(f"{where}: rule {rule!r} needs the article's quote and the reasoning for what it assumes")

    interval, mass = None, DEFAULT_MASS
    if dist != "fixed":
        raw = e.get("interval")
        if not (isinstance(raw, list) and len(raw) == 2 and all(map(finite_real, raw))):
            raise ValueError(f"{where}: interval must be [low, high], two finite numbers, got {raw!r}")
        interval = (float(raw[0]), float(raw[1]))
        if not interval[0] < interval[1]:
            raise ValueError(f"{where}: interval low {interval[0]} must be below high {interval[1]}")
        mass = entry_mass(where, rule, e, len(refs))
        if not squash(e.get("reading", "")):
            raise ValueError(f"{where}: missing field 'reading' (how the interval was read from the evidence)")
    elif "interval" in e or "mass" in e:
        raise ValueError(f"{where}: a fixed value has no interval or mass; give params: {{value: ...}}")
    params = _params(where, dist, e, interval, mass, refit)
    if not math.isfinite(fitting.mean(dist, params)):
        raise ValueError(f"{where}: the {dist} prior of interval {list(interval or ())} (mass {mass:g}) has a mean too "
                         "large for a float; allowed: a narrower interval, or a larger mass")
    prior = Prior(
        id=pid, description=squash(e["description"]), unit=unit, distribution=dist, params=params, source=source,
        rule=rule, interval=interval, mass=mass, reading=squash(e.get("reading", "")),
        quotes=tuple(squash(q) for q in quotes), refs=tuple(int(r) for r in refs),
        quoted_values=tuple(float(v) for v in qv),
        quote_scale=float(scale), reasoning=squash(e.get("reasoning", "")), modified=squash(e.get("modified", "")),
        updates=tuple(squash(u) for u in updates), area=str(area), file=fname)
    _check_rule(where, prior)
    return prior


def entry_mass(where: str, rule: str, e: dict, n_refs: int) -> float:
    """The central mass a priors-file entry's interval covers under its rule (checked as the file's)."""
    if rule in ("study_range", "study_maximum"):
        k = e.get("studies", n_refs)
        if not (is_integer(k) and k >= 2):
            raise ValueError(f"{where}: rule {rule!r} needs the number of studies (its refs, or 'studies: k' >= 2), "
                             f"got {k!r}")
        if "mass" in e:
            raise ValueError(f"{where}: rule {rule!r} sets mass = (k-1)/(k+1) from its {k} studies; remove 'mass', "
                             "or make it your own, read as a central interval of that mass: rule 'assumption' (in a "
                             "priors file, with source 'assumption')")
        return study_mass(int(k))
    mass = e.get("mass", DEFAULT_MASS)
    if not finite_real(mass) or not 0 < mass < 1:
        raise ValueError(f"{where}: mass {mass!r} not allowed; allowed: a number in (0, 1)")
    return float(mass)


def _params(where: str, dist: str, e: dict, interval: tuple[float, float] | None, mass: float,
            refit: bool) -> dict[str, float]:
    if refit and dist != "fixed":
        try:
            return fitting.fit(dist, *interval, mass=mass)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    params = e.get("params")
    names = fitting.FAMILIES[dist]
    if not isinstance(params, dict) or set(params) != set(names):
        raise ValueError(f"{where}: params must be {{{', '.join(names)}}} for a {dist} distribution, got {params!r}")
    for k, v in params.items():
        if not finite_real(v):
            raise ValueError(f"{where}: params {k}={v!r} must be a finite number")
    out = {k: float(params[k]) for k in names}
    if dist == "beta" and min(out.values()) <= 0:
        raise ValueError(f"{where}: beta parameters a and b must be positive, got {out}")
    if dist == "lognormal" and out["sigma"] <= 0:
        raise ValueError(f"{where}: lognormal sigma must be positive, got {out['sigma']}")
    if interval is not None:
        try:  # an interval the family cannot have is the mistake to name, not params that miss it
            fitting.check_support(dist, *interval)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        err = fitting.interval_error(dist, out, interval, mass)
        if not err <= FIT_TOLERANCE:
            raise ValueError(f"{where}: params do not reproduce the interval {list(interval)} (off by {err:.1%}); "
                             "run `netlrt priors refit <folder>` after editing an interval")
    return out


def _check_rule(where: str, p: Prior) -> None:
    """The checks each reading rule makes possible (``docs/model.md``, 'Reading rules')."""
    ends = p.ends
    if p.rule == "posterior" and not p.updates:
        raise ValueError(f"{where}: rule 'posterior' needs the citations of the studies that updated it ('updates')")
    if p.source == "article" and not p.modified and not p.updates:
        # The numbers the article gives must still be the numbers the prior encodes: the ends of a range (or
        # the value), or the median of a case report's spread; and they must be numbers of its quote.
        if not p.quoted_values:
            raise ValueError(f"{where}: source 'article' needs quoted_values, the numbers of its quote that the prior "
                             "encodes; or make it source: assumption")
        text = re.sub(r"\^\{[^}]*\}", "", p.quote)  # not the 90 of $^{90}\text{Y}$
        said = {float(x.replace(",", "")) for x in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}  # 13,715 too
        if missing := [v for v in p.quoted_values if v not in said]:
            raise ValueError(f"{where}: the quoted value {missing[0]:g} is not a number of the quote; the article "
                             "does not give it: add 'modified: <why>' or make it source: assumption")
        targets = [float(p.ppf(0.5))] if p.rule == "case_report" else ends
        for v in p.quoted_values:
            if not any(math.isclose(v / p.quote_scale, x, rel_tol=1e-6) for x in targets):
                what = "median" if p.rule == "case_report" else "an end of"
                raise ValueError(
                    f"{where}: the quoted value {v:g} (scale {p.quote_scale:g}) is no longer {what} {targets}; the "
                    "article does not give these numbers: add 'modified: <why>' or make it source: assumption")
    if p.rule == "posterior":
        return
    if p.rule == "study_range" and len(p.quoted_values) != 2:
        raise ValueError(f"{where}: rule 'study_range' needs the two quoted_values of the range")
    if p.rule == "study_maximum" and len(p.quoted_values) != 1:
        raise ValueError(f"{where}: rule 'study_maximum' needs the one quoted value 'up to x'")
    if p.rule in ("direction", "inferred_direction") and not any(math.isclose(x, 1.0) for x in ends):
        raise ValueError(f"{where}: rule {p.rule!r} needs one end of the interval at 1 (no effect), got {ends}")
    if p.rule == "inferred_direction" and not math.isclose(p.mass, INFERRED_MASS):
        raise ValueError(f"{where}: rule 'inferred_direction' encodes an {INFERRED_MASS:.0%} interval; set mass: "
                         f"{INFERRED_MASS}")
    if p.rule == "exchangeable" and not math.isclose(ends[0] * ends[1], 1.0, rel_tol=1e-9):
        raise ValueError(f"{where}: rule 'exchangeable' needs an interval centred on no effect (low * high = 1); "
                         "for an interval of your own give rule 'assumption' (in a priors file, with source "
                         "'assumption')")


#: The columns of :meth:`PriorSet.to_df` shown at a glance (a notebook's table, ``netlrt priors show``).
SHOWN = ("id", "distribution", "mean", "low", "high", "unit", "rule", "provenance", "refs")


class PriorSet(Mapping[str, Prior]):
    """The validated priors of a model (a read-only mapping id -> Prior) with the population shares of the
    patient findings and the preference profiles.

    Attributes
    ----------
    population : dict
        Finding -> {state: share}: who the treated population is, used for unknown findings.
    population_notes : dict
        Finding -> the reasoning (and quote) behind its shares.
    profiles : dict
        Profile name -> {"multipliers": {term: factor}, "description": str, "reasoning": str}.
    path : Path
        The folder the priors were read from.
    """

    def __init__(self, priors: list[Prior], population: Mapping[str, Mapping[str, float]],
                 population_notes: Mapping[str, str], profiles: Mapping[str, Any], path: Path,
                 files: Mapping[str, str] | None = None):
        self._priors = {p.id: p for p in priors}
        self.population = {k: dict(v) for k, v in population.items()}
        self.population_notes = dict(population_notes)
        self.profiles = dict(profiles)
        self.path = Path(path)
        self.files = dict(files or {})

    def __getitem__(self, key: str) -> Prior:
        try:
            return self._priors[key]
        except KeyError:
            raise KeyError(f"no parameter {key!r}; known: {', '.join(self._priors)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._priors)

    def __len__(self) -> int:
        return len(self._priors)

    @property
    def uncertain(self) -> list[str]:
        """Ids of the parameters with a distribution (the ones analyses vary), in file order."""
        return [k for k, p in self._priors.items() if not p.is_fixed]

    def means(self) -> dict[str, float]:
        """Prior mean of every parameter."""
        return {k: p.mean for k, p in self._priors.items()}

    def ppf(self, u: np.ndarray, ids: list[str] | None = None, *, fast: bool = False) -> dict[str, np.ndarray]:
        """Map a ``(n, len(ids))`` array of uniforms through each prior's inverse CDF.

        Parameters not in ``ids`` (default: every uncertain one) are held at their means.
        ``fast`` uses :func:`netlrt.evidence.fitting.fast_ppf` (for large designs).
        """
        ids = self.uncertain if ids is None else list(ids)
        u = np.atleast_2d(np.asarray(u, dtype=float))
        if u.shape[1] != len(ids):
            raise ValueError(f"u: expected {len(ids)} columns (one per parameter), got {u.shape[1]}")
        out = {k: np.full(u.shape[0], v) for k, v in self.means().items()}
        quantile = fitting.fast_ppf if fast else fitting.ppf
        for j, k in enumerate(ids):
            out[k] = quantile(self[k].distribution, self[k].params, u[:, j])
        return out

    def sample(self, n_draws: int, seed: SeedLike = 0) -> dict[str, np.ndarray]:
        """``n_draws`` values of every parameter from its prior.

        Each parameter draws from its own stream, seeded by ``seed`` and its id (:func:`stream`), so models that
        share a prior share its draws (common random numbers when comparing models), whatever else changed.
        """
        from ..checks import positive_int

        n = positive_int("n_draws", n_draws)
        root = int(as_generator(seed).integers(2**63))
        return {k: fitting.sample(p.distribution, p.params, n, np.random.default_rng([root, stream(k)]))
                for k, p in self._priors.items()}

    def replace(self, changed: Mapping[str, Prior]) -> PriorSet:
        """A copy with some priors replaced (same population and profiles)."""
        priors = [changed.get(k, p) for k, p in self._priors.items()]
        return PriorSet(priors, self.population, self.population_notes, self.profiles, self.path, self.files)

    def check_uses(self, uses: Mapping[str, tuple[str, str]], terms: tuple[str, ...]) -> None:
        """Check the priors against what the model uses them for.

        Parameters
        ----------
        uses
            Prior id -> (role, who uses it), from the network, utility and policy declarations.
        terms
            Names of the utility terms, which profiles may multiply.

        Raises
        ------
        ValueError
            For a prior that is missing, that does not suit its role (unit, family or value), or that nothing
            uses; and for a profile naming an unknown term. Each names the file, the parameter and the reason.
        """
        for pid, (role_name, user) in uses.items():
            what = role_name.replace("_", " ")
            what = ("an " if what[0] in "aeiou" else "a ") + what
            if pid not in self._priors:
                raise ValueError(f"priors: parameter {pid!r} is missing from {str(self.path)!r}; {user} uses it as "
                                 f"{what}")
            p, role = self._priors[pid], ROLES[role_name]
            where = f"{p.file}: parameter {pid!r}"
            if p.unit != role.unit or p.distribution not in role.families:
                raise ValueError(f"{where}: {user} uses it as {what}, but it is a "
                                 f"{p.distribution} in unit {p.unit!r}; allowed: {role.describe()}")
            values = p.ends
            if not all(role.contains(x) for x in values):
                raise ValueError(f"{where}: {values} is outside the range of its role ({role_name.replace('_', ' ')} "
                                 f"for {user}); allowed: {role.describe()}")
        unused = [k for k in self._priors if k not in uses]
        if unused:
            p = self._priors[unused[0]]
            raise ValueError(f"{p.file}: parameter {p.id!r}: no node, utility term or rule uses it; remove it, or "
                             "declare what uses it")
        for name, prof in self.profiles.items():
            bad = [t for t in prof["multipliers"] if t not in terms]
            if bad:
                raise ValueError(f"{self.files.get('profiles', 'profiles')}: profile {name!r}: unknown utility term "
                                 f"{bad[0]!r}; allowed: {', '.join(terms)}")

    def to_df(self) -> Any:
        """One row per parameter: id, distribution, mean, low, high, source, quote, refs and the rest."""
        import pandas as pd

        rows = [{"id": p.id, "area": p.area, "description": p.description, "unit": p.unit,
                 "distribution": p.distribution, "params": dict(p.params), "mean": p.mean, "low": p.low,
                 "high": p.high, "interval": p.interval, "mass": None if p.is_fixed else p.mass, "rule": p.rule,
                 "reading": p.reading, "source": p.source, "provenance": p.provenance, "quote": p.quote,
                 "refs": ",".join(map(str, p.refs)), "reasoning": p.reasoning, "modified": p.modified,
                 "updates": "; ".join(p.updates), "file": p.file} for p in self._priors.values()]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return self.to_df()[list(SHOWN)].to_html(index=False, float_format=lambda x: f"{x:.3g}")
