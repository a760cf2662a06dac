"""The population analysis on Dask: partitions of a dask DataFrame of patients evaluated in parallel.

An optional extra (``pip install 'netlrt[dask]'``). Each partition is read by
:mod:`netlrt.evidence.patient_io` and summed over the draws by
:func:`~netlrt.analysis.population_sums.table_sums`, the function the in-memory path uses, and the
partitions' sums are concatenated in order and finished by
:meth:`PopulationResult.from_sums <netlrt.analysis.population.PopulationResult.from_sums>`, as in memory:
the same numbers (up to the rounding of sums over draws, ~1e-16 relative).

What travels to the workers: the draws are sampled once, here, and sent with the priors as one
:class:`~netlrt.analysis.population_draws.DrawSet` (about 600 bytes per draw plus ~50 KB of priors): one key of
the graph that every partition task depends on, so a distributed scheduler moves it to each worker once and
the worker keeps one copy for all its partitions. The evaluator (preference multipliers) is rebuilt from the
priors once per worker (a cached property of that copy, which pickling leaves out); the network's tables are
built from the draws in each partition, one chunk of draws at a time (about 50 microseconds per draw, small
next to the evaluation of a partition's patients). Shipping the tables instead would send about 4 KB per
draw. (Beyond about 15,000 draws the DrawSet passes 10 MB and distributed warns of a large graph.)

When it pays: each partition computes its own distinct patients once, so partitions repeat work that one
process shares (``benchmarks/bench_population.py``: 100,000 patients in 8 partitions are 50,048 patterns,
20,605 in one process). Dask is for tables larger than one process's memory, read by the workers themselves
(``dask.dataframe.read_parquet``), and for more cores than one machine's; on 2 cores the in-memory path is as
fast or faster.

Examples
--------
>>> import numpy as np
>>> from netlrt.decision.core import Evaluator
>>> from netlrt.evidence.priors_files import load_priors
>>> from netlrt.analysis.population import random_cohort, run_population
>>> ev = Evaluator(load_priors())
>>> table = random_cohort(ev.priors, 40, seed=2)
>>> in_memory = run_population(ev, table, n_draws=100)
>>> try:
...     import dask.dataframe as dd
... except ImportError:  # without the dask extra the example compares the in-memory path with itself
...     on_dask = in_memory
... else:
...     on_dask = run_population_dask(ev, dd.from_pandas(table, npartitions=3), n_draws=100, scheduler="threads")
>>> float(np.abs(on_dask.evpi - in_memory.evpi).max()) < 1e-12, on_dask.patient_ids == in_memory.patient_ids
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..checks import positive_int
from ..evidence.patient_io import TABLE
from ..evidence.patient_spec import ID_COLUMN
from ..seeding import SeedLike
from .population import PopulationResult
from .population_draws import DrawSet
from .population_sums import DRAW_CHUNK, PATIENT_CHUNK, PatientSums, table_sums

if TYPE_CHECKING:
    from ..decision.core import Evaluator

__all__ = ["run_population_dask"]


def _dask() -> Any:
    try:
        import dask
        import dask.dataframe  # the dataframe extra too: fail here, not inside a worker
    except ImportError as exc:
        raise ImportError("run_population_dask needs Dask: pip install 'netlrt[dask]'") from exc
    return dask


def run_population_dask(evaluator: Evaluator, patients: Any, *, n_draws: int | None = None, seed: SeedLike = 0,
                        values: Mapping[str, Any] | None = None, skip_invalid: bool = False,
                        patient_chunk: int = PATIENT_CHUNK, draw_chunk: int = DRAW_CHUNK,
                        scheduler: Any = None) -> PopulationResult:
    """:func:`~netlrt.analysis.population.run_population` for a dask DataFrame, partitions in parallel.

    Parameters
    ----------
    evaluator : Evaluator
    patients : dask.dataframe.DataFrame
        One row per patient, with a ``patient_id`` column (or index): partitions cannot number rows.
    n_draws, seed, values, skip_invalid, patient_chunk, draw_chunk
        As :func:`~netlrt.analysis.population.run_population`; ``patient_chunk`` applies within a partition.
    scheduler : optional
        Anything ``dask.compute`` accepts: ``None`` (the active ``distributed.Client`` if there is one, else
        Dask's default), ``"threads"``, ``"processes"``, ``"synchronous"`` or a ``distributed.Client``
        (e.g. of a ``LocalCluster``). Reading patients is Python code that holds the GIL, so worker processes
        (a ``LocalCluster`` or ``"processes"``), not threads, evaluate partitions in parallel.

    Returns
    -------
    PopulationResult
        ``source`` is ``"patients table"``; skipped rows are named by partition and row.

    Raises
    ------
    ImportError
        Without Dask installed.
    ValueError
        For a table that is not a dask DataFrame or has no ``patient_id``, invalid rows (unless
        ``skip_invalid``), an id in two partitions, bad draws or chunk sizes.

    Examples
    --------
    >>> import pandas as pd
    >>> from netlrt.decision.core import Evaluator
    >>> from netlrt.evidence.priors_files import load_priors
    >>> from netlrt.analysis.population import run_population
    >>> ev, table = Evaluator(load_priors()), pd.DataFrame({"patient_id": ["a", "b"], "ecog": [0, 3]})
    >>> try:
    ...     import dask.dataframe as dd
    ... except ImportError:  # without the dask extra: the in-memory path, which gives the same numbers
    ...     res = run_population(ev, table, n_draws=50)
    ... else:
    ...     res = run_population_dask(ev, dd.from_pandas(table, npartitions=2), n_draws=50)
    >>> res.eligible.tolist(), res.recommended[1]
    ([True, False], None)
    """
    dask = _dask()
    import dask.dataframe as dd

    if not isinstance(patients, dd.DataFrame):
        raise ValueError(f"patients: {type(patients).__name__}; allowed: a dask DataFrame (for a pandas DataFrame "
                         "or a list of patients use run_population)")
    if ID_COLUMN not in patients.columns and patients.index.name != ID_COLUMN:
        raise ValueError(f"patients: no {ID_COLUMN!r} column or index; allowed: a dask DataFrame with one, since "
                         "each partition would number its rows from 1")
    pc, dc = positive_int("patient_chunk", patient_chunk), positive_int("draw_chunk", draw_chunk)
    draws = DrawSet.build(evaluator.priors, n_draws=n_draws, seed=seed, values=values)
    shipped = dask.delayed(draws, traverse=False)  # one graph key: sent to each worker once, not per partition
    task = dask.delayed(table_sums, pure=True)
    parts = [task(shipped, part, source=f"{TABLE} (partition {i})", skip_invalid=skip_invalid,
                  patient_chunk=pc, draw_chunk=dc)
             for i, part in enumerate(patients.to_delayed())]
    sums = dask.compute(*parts, scheduler=scheduler)
    return PopulationResult.from_sums(PatientSums.concat(sums), draws.n_draws, seed=draws.seed, source=TABLE)
