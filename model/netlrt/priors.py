"""Priors with provenance: loading, validation, fitting and sampling.

A priors folder holds one YAML file per area (efficacy, survival, complications, ...). Each file
lists parameters; each parameter carries its distribution, the interval the distribution encodes,
and where the numbers come from (``source: article`` with a verbatim quote and reference numbers,
or ``source: assumption`` with the reasoning). :func:`load_priors` validates everything once, on load,
and raises ``ValueError`` naming the file, the parameter and the reason.

Examples
--------
>>> priors = load_priors()
>>> priors["response_y90"].interval
(0.5, 0.6)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import optimize, stats

from ._io import atomic_path
from .seeding import SeedLike, as_generator

#: Probability mass that an ``interval`` encloses unless a parameter says otherwise.
DEFAULT_MASS = 0.95

DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "beta": ("a", "b"),
    "lognormal": ("mu", "sigma"),  # optional ``loc`` shift: X = loc + exp(N(mu, sigma))
    "fixed": ("value",),
}
SOURCES = ("article", "assumption")
REQUIRED = ("id", "description", "unit", "distribution", "source")


@dataclass(frozen=True)
class Prior:
    """One model parameter with its distribution and provenance."""

    id: str
    description: str
    unit: str
    distribution: str
    params: Mapping[str, float]
    source: str
    interval: tuple[float, float] | None = None
    mass: float = DEFAULT_MASS
    reading: str = ""
    quote: str = ""
    refs: tuple[int, ...] = ()
    quoted_values: tuple[float, ...] = ()
    quote_scale: float = 1.0
    reasoning: str = ""
    area: str = ""
    file: str = ""

    @property
    def is_fixed(self) -> bool:
        """True for a point value (a threshold or a logical certainty), never varied in analyses."""
        return self.distribution == "fixed"

    def frozen(self) -> Any:
        """The scipy.stats frozen distribution (``None`` for a fixed value)."""
        return _frozen(self.distribution, self.params)

    @property
    def mean(self) -> float:
        if self.is_fixed:
            return float(self.params["value"])
        return float(self.frozen().mean())

    def ppf(self, q: np.ndarray | float) -> np.ndarray:
        """Quantiles of the prior; for a fixed parameter, the value whatever ``q``."""
        q = np.asarray(q, dtype=float)
        if self.is_fixed:
            return np.full(q.shape, float(self.params["value"]))
        return self.frozen().ppf(q)

    @property
    def low(self) -> float:
        """Lower end of the encoded interval (the 2.5th percentile for a 95% interval)."""
        return float(self.ppf((1 - self.mass) / 2))

    @property
    def high(self) -> float:
        return float(self.ppf(1 - (1 - self.mass) / 2))


def _frozen(distribution: str, params: Mapping[str, float]) -> Any:
    if distribution == "beta":
        return stats.beta(params["a"], params["b"])
    if distribution == "lognormal":
        return stats.lognorm(s=params["sigma"], loc=params.get("loc", 0.0), scale=math.exp(params["mu"]))
    return None


def fit(distribution: str, low: float, high: float, *, mass: float = DEFAULT_MASS, loc: float = 0.0) -> dict[str, float]:
    """Fit a distribution whose central ``mass`` interval is ``[low, high]``.

    Beta parameters are found with :func:`scipy.optimize.least_squares` on the two quantiles;
    the log-normal has the closed form through :func:`scipy.stats.norm.ppf`.

    Examples
    --------
    >>> p = fit("beta", 0.5, 0.6)
    >>> round(float(stats.beta(p["a"], p["b"]).ppf(0.025)), 3)
    0.5
    """
    if not low < high:
        raise ValueError(f"interval: low {low} must be below high {high}")
    tail = (1 - mass) / 2
    if distribution == "lognormal":
        if low <= loc:
            raise ValueError(f"interval: low {low} must exceed the log-normal shift loc={loc}")
        z = float(stats.norm.ppf(1 - tail))
        lo, hi = math.log(low - loc), math.log(high - loc)
        out = {"mu": (lo + hi) / 2, "sigma": (hi - lo) / (2 * z)}
        if loc:
            out["loc"] = loc
        return out
    if distribution == "beta":
        if not 0 < low < high < 1:
            raise ValueError(f"interval: a beta interval must lie inside (0, 1), got [{low}, {high}]")
        mid, width = (low + high) / 2, (high - low) / (2 * float(stats.norm.ppf(1 - tail)))
        conc = max(mid * (1 - mid) / width**2 - 1, 2.0)  # moment-matched start

        def residual(log_ab: np.ndarray) -> np.ndarray:
            dist = stats.beta(*np.exp(log_ab))
            return np.log(dist.ppf([tail, 1 - tail]) / np.array([low, high]))

        sol = optimize.least_squares(residual, np.log([mid * conc, (1 - mid) * conc]), xtol=1e-14, ftol=1e-14)
        a, b = np.exp(sol.x)
        return {"a": float(a), "b": float(b)}
    raise ValueError(f"distribution: cannot fit {distribution!r}; allowed: beta, lognormal")


class PriorSet(Mapping[str, Prior]):
    """The validated collection of priors, in file order. Behaves as a read-only mapping id -> Prior."""

    def __init__(self, priors: list[Prior], utilities: Mapping[str, Any], path: Path):
        self._priors = {p.id: p for p in priors}
        self.utilities = utilities
        self.path = path

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
        """Ids of parameters with a distribution (the ones sensitivity analyses vary)."""
        return [k for k, p in self._priors.items() if not p.is_fixed]

    def means(self) -> dict[str, float]:
        """Prior mean of every parameter (the values behind ``model.network``)."""
        return {k: p.mean for k, p in self._priors.items()}

    def ppf(self, u: np.ndarray, ids: list[str] | None = None) -> dict[str, np.ndarray]:
        """Map a ``(n, len(ids))`` array of uniforms through each prior's inverse CDF.

        Parameters not in ``ids`` are held at their means, so the result covers every parameter.
        """
        ids = self.uncertain if ids is None else ids
        u = np.atleast_2d(np.asarray(u, dtype=float))
        if u.shape[1] != len(ids):
            raise ValueError(f"u: expected {len(ids)} columns (one per parameter), got {u.shape[1]}")
        out = {k: np.full(u.shape[0], v) for k, v in self.means().items()}
        for j, k in enumerate(ids):
            out[k] = self[k].ppf(u[:, j])
        return out

    def sample(self, n: int, seed: SeedLike = None) -> dict[str, np.ndarray]:
        """Draw ``n`` values of every parameter from its prior with one ``numpy.random.Generator``."""
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n_draws: must be a positive integer, got {n!r}")
        rng = as_generator(seed)
        out = {}
        for k, p in self._priors.items():
            out[k] = np.full(n, p.mean) if p.is_fixed else p.frozen().rvs(size=n, random_state=rng)
        return out

    def to_df(self) -> pd.DataFrame:
        """One row per parameter: id, distribution, mean, low, high, source, quote, refs and more."""
        rows = []
        for p in self._priors.values():
            rows.append(
                {
                    "id": p.id,
                    "area": p.area,
                    "description": p.description,
                    "unit": p.unit,
                    "distribution": p.distribution,
                    "params": dict(p.params),
                    "mean": p.mean,
                    "low": p.low,
                    "high": p.high,
                    "interval": p.interval,
                    "reading": p.reading,
                    "source": p.source,
                    "quote": p.quote,
                    "refs": ",".join(map(str, p.refs)),
                    "reasoning": p.reasoning,
                    "file": p.file,
                }
            )
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        cols = ["id", "distribution", "mean", "low", "high", "source", "refs"]
        return self.to_df()[cols].to_html(index=False, float_format=lambda x: f"{x:.3g}")


def default_priors_path() -> Path:
    """Folder of the priors shipped with the package (falls back to the source tree's ``priors/``)."""
    shipped = resources.files("netlrt") / "priors"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parents[2] / "priors"


def load_priors(path: str | Path | None = None) -> PriorSet:
    """Load and validate every ``*.yaml`` file in a priors folder.

    Parameters
    ----------
    path
        A folder like the shipped ``priors/``; ``None`` for the shipped one.

    Raises
    ------
    ValueError
        Naming the file, the parameter and what is wrong (missing field, low > high,
        probability outside [0, 1], unknown distribution, duplicate id, missing quote, ...).
    """
    folder = default_priors_path() if path is None else Path(path)
    if not folder.is_dir():
        raise ValueError(f"priors: {str(folder)!r} is not a folder of YAML files")
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ValueError(f"priors: no *.yaml files in {str(folder)!r}")
    priors: list[Prior] = []
    seen: dict[str, str] = {}
    utilities: dict[str, Any] = {}
    for f in files:
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"{f.name}: not valid YAML ({exc})") from None
        if not isinstance(doc, dict):
            raise ValueError(f"{f.name}: expected a mapping with 'area' and 'parameters' or 'profiles'")
        if "profiles" in doc:
            utilities = _validate_utilities(f.name, doc)
            continue
        area = doc.get("area", f.stem)
        entries = doc.get("parameters")
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"{f.name}: 'parameters' must be a non-empty list")
        for i, entry in enumerate(entries):
            prior = _parse(f.name, area, i, entry)
            if prior.id in seen:
                raise ValueError(f"{f.name}: parameter {prior.id!r}: duplicate id (also in {seen[prior.id]})")
            seen[prior.id] = f.name
            priors.append(prior)
    if not utilities:
        raise ValueError(f"priors: no utilities file (a YAML file with 'profiles') in {str(folder)!r}")
    return PriorSet(priors, utilities, folder)


def _parse(fname: str, area: str, index: int, e: Any) -> Prior:
    if not isinstance(e, dict):
        raise ValueError(f"{fname}: parameter #{index + 1}: expected a mapping, got {type(e).__name__}")
    pid = e.get("id", f"#{index + 1}")
    where = f"{fname}: parameter {pid!r}"
    for key in REQUIRED:
        if key not in e or e[key] in (None, ""):
            raise ValueError(f"{where}: missing field {key!r}")
    dist = e["distribution"]
    if dist not in DISTRIBUTIONS:
        raise ValueError(f"{where}: unknown distribution {dist!r}; allowed: {', '.join(DISTRIBUTIONS)}")
    if e["source"] not in SOURCES:
        raise ValueError(f"{where}: source {e['source']!r} not allowed; allowed: {', '.join(SOURCES)}")
    params = e.get("params")
    if not isinstance(params, dict):
        raise ValueError(f"{where}: missing field 'params' (the distribution's parameters)")
    for key in DISTRIBUTIONS[dist]:
        if not _is_number(params.get(key)):
            raise ValueError(f"{where}: params needs a number {key!r} for a {dist} distribution")
    params = {k: float(v) for k, v in params.items()}
    if dist == "beta" and (params["a"] <= 0 or params["b"] <= 0):
        raise ValueError(f"{where}: beta parameters a and b must be positive, got a={params['a']}, b={params['b']}")
    if dist == "lognormal" and params["sigma"] <= 0:
        raise ValueError(f"{where}: lognormal sigma must be positive, got {params['sigma']}")
    if e["unit"] == "probability" and dist == "fixed" and not 0 <= params["value"] <= 1:
        raise ValueError(f"{where}: probability {params['value']} outside [0, 1]")

    interval = e.get("interval")
    mass = float(e.get("mass", DEFAULT_MASS))
    if dist != "fixed":
        if not (isinstance(interval, list) and len(interval) == 2 and all(map(_is_number, interval))):
            raise ValueError(f"{where}: missing field 'interval' ([low, high] that the distribution encodes)")
        low, high = map(float, interval)
        if low > high:
            raise ValueError(f"{where}: interval low {low} > high {high}")
        if e["unit"] == "probability" and not (0 <= low and high <= 1):
            raise ValueError(f"{where}: probability interval [{low}, {high}] outside [0, 1]")
        if not 0 < mass < 1:
            raise ValueError(f"{where}: mass {mass} must lie in (0, 1)")
        interval = (low, high)
        _check_reproduces(where, dist, params, interval, mass)
        if not e.get("reading"):
            raise ValueError(f"{where}: missing field 'reading' (how the interval was read from the evidence)")
    else:
        interval = None

    quote = " ".join(str(e.get("quote", "")).split())
    refs = e.get("refs", []) or []
    if e["source"] == "article":
        if not quote:
            raise ValueError(f"{where}: source is 'article' but the quote is missing")
    elif not e.get("reasoning"):
        raise ValueError(f"{where}: source is 'assumption' but 'reasoning' is missing")
    if not all(isinstance(r, int) and not isinstance(r, bool) for r in refs):
        raise ValueError(f"{where}: refs must be a list of integers, got {refs!r}")
    qv = e.get("quoted_values", []) or []
    if not all(map(_is_number, qv)):
        raise ValueError(f"{where}: quoted_values must be numbers, got {qv!r}")
    return Prior(
        id=str(pid),
        description=str(e["description"]),
        unit=str(e["unit"]),
        distribution=dist,
        params=params,
        source=e["source"],
        interval=interval,
        mass=mass,
        reading=" ".join(str(e.get("reading", "")).split()),
        quote=quote,
        refs=tuple(refs),
        quoted_values=tuple(float(v) for v in qv),
        quote_scale=float(e.get("quote_scale", 1.0)),
        reasoning=" ".join(str(e.get("reasoning", "")).split()),
        area=str(area),
        file=fname,
    )


#: Largest relative error allowed between a distribution's quantiles and its stated interval.
FIT_TOLERANCE = 0.01


def _check_reproduces(where: str, dist: str, params: dict, interval: tuple[float, float], mass: float) -> None:
    tail = (1 - mass) / 2
    got = _frozen(dist, params).ppf([tail, 1 - tail])
    for want, have, end in zip(interval, got, ("low", "high")):
        if abs(have - want) > FIT_TOLERANCE * abs(want):
            raise ValueError(
                f"{where}: params give {have:.4g} at the interval's {end} end, not {want:g} (more than 1% off); "
                "run `netlrt priors refit <folder>` after editing an interval"
            )


def refit_folder(path: str | Path) -> list[str]:
    """Refit ``params`` of every beta/log-normal parameter in a priors folder from its ``interval``.

    The files are rewritten in place (a log-normal keeps its ``loc`` shift). Returns the ids refitted.
    Use it after editing an interval by hand; :func:`load_priors` refuses params that no longer
    reproduce their interval.
    """
    folder = Path(path)
    done = []
    for f in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "parameters" not in doc:
            continue
        for e in doc["parameters"]:
            if e.get("distribution") in ("beta", "lognormal") and e.get("interval"):
                low, high = e["interval"]
                loc = float((e.get("params") or {}).get("loc", 0.0))
                e["params"] = fit(e["distribution"], float(low), float(high),
                                  mass=float(e.get("mass", DEFAULT_MASS)), loc=loc)
                done.append(e["id"])
        _write_yaml(f, doc)
    return done


class _Dumper(yaml.SafeDumper):
    """Folds long strings so the priors files stay readable in a diff."""


def _represent_str(dumper: yaml.SafeDumper, s: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=">" if len(s) > 80 else None)


_Dumper.add_representer(str, _represent_str)


def _write_yaml(f: Path, doc: dict) -> None:
    text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=110, allow_unicode=True, default_flow_style=None)
    with atomic_path(f, what="priors") as tmp:
        tmp.write_text(text, encoding="utf-8")


def _validate_utilities(fname: str, doc: dict) -> dict[str, Any]:
    from .vocabulary import OUTCOMES

    profiles = doc.get("profiles")
    if not isinstance(profiles, dict) or not profiles:
        raise ValueError(f"{fname}: 'profiles' must map profile names to outcome weights")
    out = {}
    for name, prof in profiles.items():
        if not isinstance(prof, dict) or not isinstance(prof.get("weights"), dict):
            raise ValueError(f"{fname}: profile {name!r}: missing field 'weights'")
        if not prof.get("reasoning"):
            raise ValueError(f"{fname}: profile {name!r}: missing field 'reasoning'")
        weights = prof["weights"]
        for k, v in weights.items():
            if k not in OUTCOMES:
                raise ValueError(f"{fname}: profile {name!r}: unknown outcome {k!r}; allowed: {', '.join(OUTCOMES)}")
            if not _is_number(v) or not math.isfinite(v):
                raise ValueError(f"{fname}: profile {name!r}: weight for {k!r} must be a finite number, got {v!r}")
        out[str(name)] = {"weights": {k: float(v) for k, v in weights.items()},
                          "description": str(prof.get("description", "")),
                          "reasoning": " ".join(str(prof["reasoning"]).split())}
    return out


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
