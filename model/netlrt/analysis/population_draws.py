"""Parameter draws for the population analysis, and the utility terms as a linear form over the patients' weights.

A utility term's expected QALYs are linear in the term's table: the table (over the modality and the findings
it reads) dotted with the patient's weights over the findings' states, one-hot where a finding is known and
the population shares where it is not (as :func:`netlrt.network.engine.expect` does). :meth:`DrawSet.tables`
gives the tables of every term for a chunk of draws, ``(modality, draw, state)``, and :meth:`DrawSet.weights`
the weights of patients, ``(state, patient)``; their matrix product is every patient's expected QALYs for every
draw and modality, the numbers of :meth:`Evaluator.batch(...).utility
<netlrt.decision.core.Evaluator.batch>` (the tests compare them).

Examples
--------
>>> from netlrt.evidence.priors_files import load_priors
>>> draws = DrawSet.sample(load_priors(), 8, seed=0)
>>> tables, layout = draws.tables(0, 8)
>>> tables.shape[:2], layout[0]
((4, 8), ('grade', 'burden', 'extrahepatic'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import positive_int
from ..decision.utility import TERMS, term_tables
from ..evidence.vocabulary import MODALITIES
from ..network.declarations import ROOTS
from ..network.tables import build_tables
from ..seeding import SeedLike, as_generator, recorded_seed

if TYPE_CHECKING:
    from ..decision.core import Evaluator
    from ..evidence.priors import PriorSet

__all__ = ["DEFAULT_DRAWS", "FINDINGS", "DrawSet", "Layout"]

DEFAULT_DRAWS = 1000
#: The finding roots of the network (every root but the modality), in the order of a pattern's codes.
FINDINGS = tuple(r for r in ROOTS if r != "modality")
_K = len(MODALITIES)
#: Each utility term's finding roots, in the order of its states in :meth:`DrawSet.tables`.
Layout = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class DrawSet:
    """Parameter draws with their priors: everything a process needs to evaluate patients (what Dask ships).

    Parameters
    ----------
    priors : PriorSet
    values : mapping
        Parameter id -> ``(n_draws,)`` values, for every parameter.
    n_draws : int
    seed : int or None
        The integer seed they were sampled with (``None`` for a Generator, fresh entropy or values given).

    Examples
    --------
    >>> from netlrt.evidence.priors_files import load_priors
    >>> DrawSet.sample(load_priors(), 10, seed=0).n_draws
    10
    """

    priors: PriorSet
    values: Mapping[str, np.ndarray]
    n_draws: int
    seed: int | None = None

    @classmethod
    def sample(cls, priors: PriorSet, n_draws: int | None = None, seed: SeedLike = 0) -> DrawSet:
        """``priors.sample(n_draws, seed)``, drawn once (a PSA's draws for the same seed; about 600 bytes each)."""
        n = positive_int("n_draws", DEFAULT_DRAWS if n_draws is None else n_draws)
        rng = as_generator(seed)
        return cls(priors, priors.sample(n, rng), n, recorded_seed(seed))

    @classmethod
    def build(cls, priors: PriorSet, *, n_draws: int | None = None, seed: SeedLike = 0,
              values: Mapping[str, Any] | None = None) -> DrawSet:
        """:meth:`sample` or, with ``values``, :meth:`from_values` (then ``n_draws`` must be None or agree).

        Examples
        --------
        >>> from netlrt.evidence.priors_files import load_priors
        >>> DrawSet.build(load_priors(), values={"ecog_max": [2.0, 2.0, 2.0]}).n_draws
        3
        """
        if values is None:
            return cls.sample(priors, n_draws, seed)
        draws = cls.from_values(priors, values)
        if n_draws is not None and n_draws != draws.n_draws:
            raise ValueError(f"n_draws: {n_draws!r} but values hold {draws.n_draws} draws; allowed: None or "
                             f"{draws.n_draws}")
        return draws

    @classmethod
    def from_values(cls, priors: PriorSet, values: Mapping[str, Any]) -> DrawSet:
        """Draws of your own (e.g. a posterior sample): parameter id -> ``(n,)``; the others at their means.

        Raises
        ------
        ValueError
            For an unknown parameter id, or draws that are not finite, 1-d and of one length.
        """
        if not isinstance(values, Mapping) or not values:
            raise ValueError(f"values: expected a non-empty mapping parameter id -> draws, got {values!r:.80}")
        bad = [k for k in values if k not in priors]
        if bad:
            raise ValueError(f"values: unknown parameter {bad[0]!r}; allowed: the ids of the priors")
        arrays = {k: np.asarray(v, dtype=float) for k, v in values.items()}
        n = len(next(iter(arrays.values())))
        for k, a in arrays.items():
            if a.ndim != 1 or len(a) != n or n == 0 or not np.isfinite(a).all():
                raise ValueError(f"values: {k!r} has shape {a.shape}; allowed: finite 1-d draws, as many (> 0) as "
                                 f"the first parameter's ({n})")
        return cls(priors, {k: np.full(n, m) for k, m in priors.means().items()} | arrays, n)

    def __getstate__(self) -> dict[str, Any]:  # ship the inputs, not what a process rebuilds from them
        return {k: self.__dict__[k] for k in ("priors", "values", "n_draws", "seed")}

    @cached_property
    def evaluator(self) -> Evaluator:
        """Built once per process (a Dask worker keeps one copy of this object for all its partitions)."""
        from ..decision.core import Evaluator

        return Evaluator(self.priors)

    def tables(self, start: int, stop: int) -> tuple[np.ndarray, Layout]:
        """``(modality, draw, state)`` term tables for draws ``start:stop``, and each term's finding roots."""
        block = {k: v[start:stop] for k, v in self.values.items()}
        n = stop - start
        terms = term_tables(build_tables(block, self.priors.population), block)
        parts, layout = [], []
        for term in TERMS:
            table, roots = terms[term.name]
            table = np.broadcast_to(table, (n,) + table.shape[1:])[:, 0]
            if "modality" in roots:
                table = np.moveaxis(table, 1 + roots.index("modality"), 0)
            else:  # the same for every modality (e.g. carcinoid crisis): shifts all four alike
                table = np.broadcast_to(table, (_K,) + table.shape)
            parts.append(table.reshape(_K, n, -1))
            layout.append(tuple(r for r in roots if r != "modality"))
        return np.concatenate(parts, axis=2), tuple(layout)

    def weights(self, layout: Layout, codes: np.ndarray, mult: np.ndarray) -> np.ndarray:
        """``(state, pattern)``: each term's weights over its findings' states, times the preference multiplier."""
        n = len(codes)
        per_root = {}
        for j, root in enumerate(FINDINGS):
            shares = self.evaluator.shares[root]
            w = np.broadcast_to(shares, (n, len(shares))).copy()
            known = np.flatnonzero(codes[:, j] >= 0)
            w[known] = 0.0
            w[known, codes[known, j]] = 1.0
            per_root[root] = w
        blocks = []
        for t, roots in enumerate(layout):
            x = mult[:, t:t + 1]
            for root in roots:  # outer product in the table's axis order (C order)
                x = (x[:, :, None] * per_root[root][:, None, :]).reshape(n, -1)
            blocks.append(x)
        return np.concatenate(blocks, axis=1).T
