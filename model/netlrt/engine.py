"""Batch exact inference: outcome probabilities for many parameter draws and many patients at once.

Every root of the network (the findings and the modality) is observed in an evaluation, and each
intermediate node's parents are roots. So, given the evidence, the unobserved parents of any node are
independent, and each node's marginal is its CPD contracted with its parents' marginals, in
topological order. That is exact (pgmpy's VariableElimination gives the same numbers; the tests
check it to 1e-9) and it runs as a few numpy gathers and products over a draws axis.
:func:`_check_exactness` enforces the structural condition when the module is imported, so a change
to :mod:`netlrt.structure` that breaks it fails loudly rather than silently approximating.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .cpds import build_tables
from .structure import NODE, NODES, ROOTS
from .vocabulary import OUTCOMES

#: Draws evaluated together; bounds memory at roughly 2 KB of tables per draw in flight.
DEFAULT_CHUNK = 20_000


def _unobserved_ancestors(name: str) -> set[str]:
    out = set()
    for parent in NODE[name].parents:
        if parent not in ROOTS:
            out |= {parent} | _unobserved_ancestors(parent)
    return out


def _check_exactness() -> None:
    for node in NODES:
        hidden = [p for p in node.parents if p not in ROOTS]
        for i, a in enumerate(hidden):
            for b in hidden[i + 1:]:
                if (_unobserved_ancestors(a) | {a}) & (_unobserved_ancestors(b) | {b}):
                    raise RuntimeError(f"engine: parents {a} and {b} of {node.name} share a hidden ancestor")


_check_exactness()


def propagate(tables: Mapping[str, np.ndarray], evidence: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Marginal of every non-root node for each draw and each evidence row.

    Parameters
    ----------
    tables
        Output of :func:`netlrt.cpds.build_tables`: node -> ``(n, card, *parent_cards)``.
    evidence
        Every root node -> integer state indices, one per evidence row (arrays of equal length ``k``).

    Returns
    -------
    dict
        Node -> array ``(n, k, card)``.
    """
    missing = [r for r in ROOTS if r not in evidence]
    if missing:
        raise ValueError(f"evidence: every finding and the modality must be set; missing {missing}")
    marg: dict[str, np.ndarray] = {}
    for node in NODES:
        if not node.parents:
            continue
        table = tables[node.name]
        observed = [i for i, p in enumerate(node.parents) if p in evidence]
        hidden = [i for i, p in enumerate(node.parents) if p not in evidence]
        # Bring observed parent axes to the front, gather them per row: (k, n, card, *hidden_cards).
        moved = np.moveaxis(table, [2 + i for i in observed], list(range(len(observed))))
        g = moved[tuple(np.asarray(evidence[node.parents[i]]) for i in observed)]
        for i in reversed(hidden):  # contract the last hidden axis with that parent's marginal
            m = np.moveaxis(marg[node.parents[i]], 0, 1)  # (k, n, c)
            g = np.einsum("kn...c,knc->kn...", g, m)
        marg[node.name] = np.moveaxis(g, 0, 1)
    return marg


def outcome_probabilities(
    values: Mapping[str, np.ndarray],
    evidence: Mapping[str, np.ndarray],
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> np.ndarray:
    """P(outcome = yes) for every draw, evidence row and outcome.

    Parameters
    ----------
    values
        Parameter id -> ``(n,)`` draws (scalars for one draw).
    evidence
        Root node -> ``(k,)`` state indices.
    chunk_size
        Draws per block, so memory stays bounded for millions of draws.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k, len(OUTCOMES))``, ordered as :data:`netlrt.vocabulary.OUTCOMES`.

    Examples
    --------
    >>> from netlrt.priors import load_priors
    >>> ev = {r: np.array([0]) for r in ROOTS}
    >>> outcome_probabilities(load_priors().means(), ev).shape
    (1, 1, 9)
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size: must be positive, got {chunk_size}")
    arrays = {k: np.atleast_1d(np.asarray(x, dtype=float)) for k, x in values.items()}
    n = max(len(a) for a in arrays.values())
    k = len(next(iter(evidence.values())))
    out = np.empty((n, k, len(OUTCOMES)))
    for start in range(0, n, chunk_size):
        block = {key: (a[start:start + chunk_size] if len(a) == n else a) for key, a in arrays.items()}
        marg = propagate(build_tables(block), evidence)
        for j, name in enumerate(OUTCOMES):
            out[start:start + chunk_size, :, j] = marg[name][..., 1]
    return out
