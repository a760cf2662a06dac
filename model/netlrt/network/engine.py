"""Exact batch inference: expectations over the network for many parameter draws and many evidence rows.

Every quantity the model reports is an expectation of a table over root nodes (the modality and the
findings): a node's distribution ``P(node | roots)`` (:meth:`netlrt.network.tables.Tables.over_roots`) or a
utility term's value. The roots are independent in the network, an observed root is fixed at its state and
an unobserved one keeps its population shares, so

    E[table | evidence] = sum over unobserved roots of table x product of their shares,

one gather per observed root and one contraction per unobserved one, vectorised over draws and rows. This
is exact (pgmpy's VariableElimination gives the same numbers; the tests check it with partial evidence),
and linear in the table, so averaging tables over draws averages the results.

Examples
--------
>>> import numpy as np
>>> table = np.array([[[0.2, 0.6], [0.8, 0.4]]])   # (n=1, states=2, root 'r' with 2 states)
>>> rows = RootEvidence({"r": np.array([0, -1])}, {"r": np.array([0.5, 0.5])})
>>> expect(table, ("r",), rows)[0].round(3).tolist()
[[0.2, 0.8], [0.4, 0.6]]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_CHUNK", "RootEvidence", "expect"]

#: Draws evaluated together by callers that chunk; bounds memory for millions of draws.
DEFAULT_CHUNK = 8192


@dataclass(frozen=True)
class RootEvidence:
    """Evidence rows on the roots.

    Attributes
    ----------
    index : dict
        Root -> integer state index per row, ``-1`` where the root is unobserved (arrays of equal length k).
    shares : dict
        Root -> population shares of its states, used where it is unobserved.
    """

    index: Mapping[str, np.ndarray]
    shares: Mapping[str, np.ndarray]

    @property
    def k(self) -> int:
        return len(next(iter(self.index.values())))


def expect(table: np.ndarray, roots: tuple[str, ...], evidence: RootEvidence) -> np.ndarray:
    """Expectation of ``table`` over its roots for every draw and evidence row.

    Parameters
    ----------
    table : ndarray
        ``(n, s, *root_cards)``: ``s`` values (a node's states, or 1 for a utility term) per root state.
    roots : tuple of str
        The roots of the trailing axes, in order.
    evidence : RootEvidence

    Returns
    -------
    ndarray
        ``(n, k, s)``.
    """
    varying, summed, pick = [], [], [slice(None), slice(None)]
    # A root every row sees alike (the same state, or unknown everywhere: one patient's rows differ only in
    # the modality) is dealt with once for all rows, before the row axis exists; that is most of the work.
    # The known ones are picked together by basic indexing, a view rather than a copy.
    for root in roots:
        idx = np.asarray(evidence.index[root])
        if len(idx) and (idx == idx[0]).all():
            if idx[0] >= 0:
                pick.append(int(idx[0]))
                continue
            summed.append(root)
        else:
            varying.append(root)
        pick.append(slice(None))
    x = table[tuple(pick)]
    if summed:  # one matrix product with the outer product of their shares
        left = [r for r in roots if r in varying or r in summed]
        axes = [2 + left.index(r) for r in summed]
        x = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
        w = np.ones(1)
        for r in summed:
            w = np.outer(w, evidence.shares[r]).ravel()
        x = x.reshape(x.shape[:x.ndim - len(axes)] + (-1,)) @ w
    if not varying:  # every row alike: (n, s) -> (n, s, k)
        x = np.repeat(x[:, :, None], evidence.k, axis=2)
    for i, root in enumerate(varying):
        idx = np.asarray(evidence.index[root])
        observed = idx >= 0
        if i == 0:  # the first root brings in the row axis: (n, s, c, ...) -> (n, s, k, ...)
            if observed.all():
                x = x[:, :, idx]
            else:
                x = np.einsum("nsa...,ka->nsk...", x, _weights(idx, evidence.shares[root]))
        elif observed.all():  # (n, s, k, c, ...): each row takes its own state
            x = x[:, :, np.arange(len(idx)), idx]
        else:
            x = np.einsum("nska...,ka->nsk...", x, _weights(idx, evidence.shares[root]))
    return np.moveaxis(x, 1, 2)


def _weights(idx: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """``(k, card)``: one-hot rows where observed, the population shares where not."""
    w = np.broadcast_to(np.asarray(shares, dtype=float), (len(idx), len(shares))).copy()
    rows = np.flatnonzero(idx >= 0)
    w[rows] = 0.0
    w[rows, idx[rows]] = 1.0
    return w
