"""Every table of the network for ``n`` parameter draws at once, built from the declarations.

:func:`build_tables` is the single definition of how priors become conditional probability tables. It
is vectorised over draws (every parameter an array ``(n,)``) and is used both for the pgmpy network (the
draw-averaged, predictive tables) and for the batch engine (thousands of draws), so the two cannot drift
apart. Besides each node's own table it gives the node's table *over its root ancestors*, with the
intermediate nodes summed out (:meth:`Tables.over_roots`): the form the engine and the utility terms use.

Examples
--------
>>> from netlrt.evidence.priors_files import load_priors
>>> priors = load_priors()
>>> t = build_tables(priors.means(), priors.population)
>>> t.cpds["hepatic_abscess"].shape
(1, 2, 3)
>>> t.over_roots("renal_injury")[1]
('modality', 'renal_insufficiency')
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np

from .declarations import NODE, NODES, ROOTS, Node
from .forms import Survival

__all__ = ["STATES", "Tables", "affected", "build_tables", "root_ancestors", "update_tables"]

#: Node -> its states.
STATES: dict[str, tuple[str, ...]] = {n.name: n.states for n in NODES}
_LETTER = dict(zip((n.name for n in NODES), (c for c in string.ascii_letters if c != "n")))


def root_ancestors(name: str) -> tuple[str, ...]:
    """The root nodes above ``name`` (itself when it is a root), in :data:`ROOTS` order."""
    if not NODE[name].parents:
        return (name,)
    found = {r for p in NODE[name].parents for r in root_ancestors(p)}
    return tuple(r for r in ROOTS if r in found)


def _intermediate_ancestors(name: str) -> set[str]:
    return {a for p in NODE[name].parents if NODE[p].parents for a in {p} | _intermediate_ancestors(p)}


def _check_exact() -> None:
    """The two structural conditions of exact, linear inference, checked at import.

    Summing intermediate nodes out parent by parent is exact only if no two intermediate parents of a node
    share an intermediate ancestor (given the roots they are then independent). And a node's marginal is
    linear in the uncertain tables (so averaging tables over draws averages the marginals) only if at most
    one table on its path from the roots is uncertain: the others must be deterministic.
    """
    for node in NODES:
        uncertain = [a for a in {node.name} | _intermediate_ancestors(node.name)
                     if NODE[a].parents and not NODE[a].form.deterministic]
        if len(uncertain) > 1:
            raise RuntimeError(f"tables: {node.name}'s marginal multiplies the uncertain tables of {sorted(uncertain)}")
        hidden = [p for p in node.parents if NODE[p].parents]
        for i, a in enumerate(hidden):
            for b in hidden[i + 1:]:
                if ({a} | _intermediate_ancestors(a)) & ({b} | _intermediate_ancestors(b)):
                    raise RuntimeError(f"tables: parents {a} and {b} of {node.name} share an intermediate ancestor")


_check_exact()


@dataclass(frozen=True)
class Tables:
    """The network's tables for ``n`` draws.

    Attributes
    ----------
    n : int
    cpds : dict
        Node -> ``(n, card, *parent_cards)`` (every non-root node), axes in declared parent order.
    hazards : dict
        Survival node -> ``(n, *parent_cards)`` hazard per year (the utility layer turns it into QALYs).
    """

    n: int
    cpds: dict[str, np.ndarray]
    hazards: dict[str, np.ndarray]
    _over_roots: dict[str, tuple[np.ndarray, tuple[str, ...]]] = field(default_factory=dict, repr=False)
    #: Quantities derived from the tables that several users need (e.g. discounted life-years), computed once.
    derived: dict[str, object] = field(default_factory=dict, repr=False)

    def over_roots(self, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """``P(name | its root ancestors)``: an array ``(n, card, *root_cards)`` and the roots of its axes.

        Intermediate parents are summed out: ``sum_i P(name | i, ...) P(i | roots)``, exact given the
        structural check above. Cached, since the engine and the utility terms ask for the same ones.
        """
        if name not in self._over_roots:
            node = NODE[name]
            roots = root_ancestors(name)
            if all(not NODE[p].parents for p in node.parents):  # only root parents: a view in root order
                order = [node.parents.index(r) + 2 for r in roots]
                self._over_roots[name] = (np.moveaxis(self.cpds[name], order, range(2, 2 + len(order))), roots)
                return self._over_roots[name]
            operands, subscripts = [self.cpds[name]], ["n" + _LETTER[name] + "".join(_LETTER[p] for p in node.parents)]
            for p in node.parents:
                if NODE[p].parents:
                    table, proots = self.over_roots(p)
                    operands.append(table)
                    subscripts.append("n" + _LETTER[p] + "".join(_LETTER[r] for r in proots))
            out = "n" + _LETTER[name] + "".join(_LETTER[r] for r in roots)
            operands = [np.broadcast_to(o, (self.n,) + o.shape[1:]) for o in operands]
            self._over_roots[name] = (np.einsum(",".join(subscripts) + "->" + out, *operands), roots)
        return self._over_roots[name]

    def mean(self) -> Tables:
        """The draw-averaged (predictive) CPDs, as one draw: what ``model.network`` holds.

        Every marginal the engine computes is linear in the tables (see :func:`_check_exact`), so these give
        the draw-averaged marginals exactly. Hazards are left out: quality-adjusted survival is not linear
        in them, so the utility layer averages its terms per draw instead.
        """
        return Tables(1, {k: v.mean(axis=0, keepdims=True) for k, v in self.cpds.items()}, {})


def build_tables(values: Mapping[str, np.ndarray | float], population: Mapping[str, Mapping[str, float]],
                 fixed: Mapping[str, str] | None = None) -> Tables:
    """Tables of every non-root node for ``n`` parameter draws.

    Parameters
    ----------
    values
        Parameter id -> array ``(n,)`` (scalars are one draw, and broadcast against arrays).
    population
        Finding -> {state: share}, the case mix that normalises the survival baseline.
    fixed
        Root -> state: build the tables for that state of the root only (its axis keeps length one). For the
        rows of one patient, whose known findings are the same in every row, this is exact and much cheaper.

    Returns
    -------
    Tables
    """
    states = _states(fixed)
    arrays, n = _arrays(values)
    cpds, hazards = {}, {}
    for node in NODES:
        if node.parents:
            _build_node(node, states, arrays, n, population, cpds, hazards)
    return Tables(n, cpds, hazards)


def update_tables(base: Tables, values: Mapping[str, np.ndarray | float],
                  population: Mapping[str, Mapping[str, float]], fixed: Mapping[str, str] | None,
                  params: Collection[str]) -> Tables:
    """The tables of :func:`build_tables` for ``values`` that differ from those of ``base`` only in ``params``.

    Only the nodes that read one of ``params`` are built again; every other node's table, and its table over
    the roots when no node it depends on was built again (:func:`affected`), is shared with ``base``. One
    parameter changed costs a node or two instead of the whole network: what a Sobol design needs, whose rows
    each take one parameter from a second sample. ``population`` and ``fixed`` must be those ``base`` was built
    with.
    """
    states = _states(fixed)
    arrays, n = _arrays(values)
    if n != base.n:
        raise ValueError(f"values: {n} draws, the base tables have {base.n}")
    cpds, hazards = dict(base.cpds), dict(base.hazards)
    readers = _readers(params)
    for name in readers:
        _build_node(NODE[name], states, arrays, n, population, cpds, hazards)
    changed = _below(readers)
    return Tables(n, cpds, hazards, {k: v for k, v in base._over_roots.items() if k not in changed})


def affected(params: Collection[str]) -> set[str]:
    """The nodes whose tables over the roots depend on a parameter of ``params``: those that read one, and every
    node below them.

    Examples
    --------
    >>> sorted(affected({"horizon_years"})), sorted(affected({"staged_unilobar"}))[:1]
    ([], ['procedure_sessions'])
    """
    return _below(_readers(params))


def _readers(params: Collection[str]) -> list[str]:
    """The nodes whose own tables read a parameter of ``params``, in declaration order."""
    return [node.name for node in NODES if node.parents and not node.priors().keys().isdisjoint(params)]


def _below(readers: Collection[str]) -> set[str]:
    """The nodes ``readers`` and every node whose table over the roots depends on one of them."""
    return {node.name for node in NODES if node.parents
            and not ({node.name} | _intermediate_ancestors(node.name)).isdisjoint(readers)}


def _states(fixed: Mapping[str, str] | None) -> dict[str, tuple[str, ...]]:
    states = dict(STATES)
    for root, state in (fixed or {}).items():
        if root not in ROOTS or state not in STATES[root]:
            raise ValueError(f"fixed: {root}={state!r} is not a root and one of its states")
        states[root] = (state,)
    return states


def _arrays(values: Mapping[str, np.ndarray | float]) -> tuple[dict[str, np.ndarray], int]:
    """Every value as an array of the ``n`` draws (scalars broadcast), and ``n``."""
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
    n = max(len(a) for a in arrays.values())
    return {k: np.broadcast_to(a, (n,)) for k, a in arrays.items()}, n


def _build_node(node: Node, states: Mapping[str, tuple[str, ...]], arrays: Mapping[str, np.ndarray], n: int,
                population: Mapping[str, Mapping[str, float]], cpds: dict[str, np.ndarray],
                hazards: dict[str, np.ndarray]) -> None:
    """Build ``node``'s table (and hazards, for a survival node) into ``cpds`` (and ``hazards``)."""
    if isinstance(node.form, Survival):
        hazards[node.name] = node.form.hazard(node.parents, states, arrays, n, population)
        cpds[node.name] = node.form.table_from_hazard(hazards[node.name])
    else:
        cpds[node.name] = node.form.table(node.states, node.parents, states, arrays, n, population)
    want = (n, len(node.states)) + tuple(len(states[p]) for p in node.parents)
    if cpds[node.name].shape != want:  # a programming error in a form, not a user mistake
        raise RuntimeError(f"table {node.name}: shape {cpds[node.name].shape}, expected {want}")
