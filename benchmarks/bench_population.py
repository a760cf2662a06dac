"""Speed and memory of the population analysis, in memory and on Dask.

Run by hand: ``python benchmarks/bench_population.py``. A synthetic cohort
(:func:`netlrt.analysis.population.random_cohort`: findings drawn from the population shares of the priors,
20% left unknown, ECOG from assumed shares) of 100,000 patients x 1,000 parameter draws:

1. In memory: ``run_population(evaluator, table, n_draws=1000)`` in a fresh subprocess, the table a pandas
   DataFrame (so reading the patients, :mod:`netlrt.evidence.patient_io`, is included; its time is also given
   on its own). Peak memory is the process's maximum resident set size (``ru_maxrss``), interpreter, imports
   and the table included; the rise over the resident size just before the run is given too.
2. On Dask: ``run_population_dask`` on a ``distributed.LocalCluster`` of 2 single-threaded worker processes
   (one per core), the table a dask DataFrame read from ``--partitions`` Parquet files (written before the
   clock starts), after a small warm-up run that makes the workers import netlrt. Peak memory: the client's
   ``ru_maxrss`` and each worker's.
3. The core's batch path (``Evaluator.batch(patients, values).utility``) on a slice, for the patient-draws per
   second the analysis would reach through it, and the largest difference from the analysis's numbers there.
   Run last, in this process: a child's ``ru_maxrss`` starts at its parent's resident size at the fork.

Patient-draws per second = patients x draws / wall seconds. The last line is
``patients=... draws=... in_memory_seconds=... in_memory_patient_draws_per_s=... in_memory_peak_mb=...
dask_seconds=... dask_patient_draws_per_s=... dask_peak_mb_client=... dask_peak_mb_workers=...
batch_patient_draws_per_s=... max_abs_diff=...`` (``max_abs_diff``: the largest difference between the
in-memory and Dask results over every patient's expected QALYs and EVPI, and from the batch path on the slice).
Sizes are arguments (defaults as above) for a quicker look: ``--patients 20000 --draws 200``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_COMMON = """
import json, resource, sys, time
import numpy as np
from netlrt.decision.core import Evaluator
from netlrt.evidence.priors_files import load_priors
from netlrt.analysis.population import random_cohort, run_population

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

n_patients, n_draws, partitions, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ev = Evaluator(load_priors())
table = random_cohort(ev.priors, n_patients, seed=0)
"""

_IN_MEMORY = _COMMON + """
from netlrt.evidence.patient_io import parse_frame
run_population(ev, table.head(100), n_draws=10)  # warm caches and lazy imports
before = rss_mb()
t0 = time.perf_counter()
res = run_population(ev, table, n_draws=n_draws, seed=0)
seconds = time.perf_counter() - t0
peak = peak_mb()
t0 = time.perf_counter()
parse_frame(table)
parse_seconds = time.perf_counter() - t0
np.savez(out, eu=res.expected_utility, evpi=res.evpi)
print(json.dumps({"seconds": seconds, "peak_mb": peak, "rise_mb": peak - before, "parse_seconds": parse_seconds,
                  "patterns": res.n_patterns, "evpi": res.evpi_per_patient(),
                  "share_changing": res.share_changing(0.05)}))
"""

_DASK = _COMMON + """
import dask.dataframe as dd
from distributed import Client, LocalCluster
from netlrt.analysis.population_dask import run_population_dask

def worker_peak_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if __name__ == "__main__":
    import os, tempfile
    with tempfile.TemporaryDirectory() as folder:
        for i, part in enumerate(np.array_split(np.arange(len(table)), partitions)):
            table.iloc[part].to_parquet(os.path.join(folder, f"part.{i:04d}.parquet"), index=False)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \\
                Client(cluster) as client:
            warm = dd.from_pandas(table.head(200), npartitions=2)
            run_population_dask(ev, warm, n_draws=10, scheduler=client)  # the workers import netlrt
            patients = dd.read_parquet(folder)  # each worker reads its partitions: nothing large in the graph
            t0 = time.perf_counter()
            res = run_population_dask(ev, patients, n_draws=n_draws, seed=0, scheduler=client)
            seconds = time.perf_counter() - t0
            workers = list(client.run(worker_peak_mb).values())
    np.savez(out, eu=res.expected_utility, evpi=res.evpi)
    print(json.dumps({"seconds": seconds, "peak_mb_client": peak_mb(), "peak_mb_workers": workers,
                      "patterns": res.n_patterns}))
"""


def _child(code: str, args: argparse.Namespace, out: Path) -> dict:
    child = subprocess.run([sys.executable, "-c", code, str(args.patients), str(args.draws), str(args.partitions),
                            str(out)], capture_output=True, text=True, check=False)
    if child.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def _batch_reference(n_patients: int, n_draws: int) -> tuple[float, float]:
    """Patient-draws per second of ``Evaluator.batch(...).utility``, and its largest difference from ours."""
    from netlrt.analysis.population import random_cohort, run_population
    from netlrt.decision.core import Evaluator
    from netlrt.evidence.patient_io import parse_frame
    from netlrt.evidence.priors_files import load_priors

    ev = Evaluator(load_priors())
    table = random_cohort(ev.priors, n_patients, seed=1)
    patients = list(parse_frame(table).patients.values())
    values = ev.priors.sample(n_draws, seed=0)
    ev.batch(patients[:10], values)
    t0 = time.perf_counter()
    u = ev.batch(patients, values).utility
    rate = n_patients * n_draws / (time.perf_counter() - t0)
    ours = run_population(ev, patients, n_draws=n_draws, seed=0)
    return rate, float(np.abs(ours.expected_utility - u.mean(axis=0)).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--partitions", type=int, default=8, help="partitions of the dask DataFrame")
    args = parser.parse_args()
    work = args.patients * args.draws

    with tempfile.TemporaryDirectory() as tmp:
        mem = _child(_IN_MEMORY, args, Path(tmp) / "memory.npz")
        print(f"in memory: {mem['seconds']:.1f} s = {work / mem['seconds']:,.0f} patient-draws/s; peak RSS "
              f"{mem['peak_mb']:.0f} MB ({mem['rise_mb']:.0f} MB above the resident size before the run); reading "
              f"the table alone {mem['parse_seconds']:.1f} s; {mem['patterns']:,} distinct patients of "
              f"{args.patients:,}; EVPI {mem['evpi']:.4f} QALYs per patient; best therapy changes in >= 5% of draws "
              f"for {mem['share_changing']:.1%}")
        dask = _child(_DASK, args, Path(tmp) / "dask.npz")
        workers = dask["peak_mb_workers"]
        print(f"Dask, LocalCluster 2 workers x 1 thread, {args.partitions} partitions: {dask['seconds']:.1f} s = "
              f"{work / dask['seconds']:,.0f} patient-draws/s; peak RSS client {dask['peak_mb_client']:.0f} MB, "
              f"workers {', '.join(f'{w:.0f}' for w in workers)} MB; {dask['patterns']:,} patterns summed over "
              "partitions")
        a, b = np.load(Path(tmp) / "memory.npz"), np.load(Path(tmp) / "dask.npz")
        diff = max(float(np.abs(a["eu"] - b["eu"]).max()), float(np.abs(a["evpi"] - b["evpi"]).max()))
    print(f"in memory vs Dask: max |diff| {diff:.2e}")
    # after the children: a child's ru_maxrss starts at the parent's resident size at the fork
    batch_rate, batch_diff = _batch_reference(500, 200)
    print(f"core batch path: {batch_rate:,.0f} patient-draws/s (500 patients x 200 draws); "
          f"max |diff| from the population sums {batch_diff:.2e}")

    print(f"patients={args.patients} draws={args.draws} in_memory_seconds={mem['seconds']:.2f} "
          f"in_memory_patient_draws_per_s={work / mem['seconds']:.0f} in_memory_peak_mb={mem['peak_mb']:.1f} "
          f"dask_seconds={dask['seconds']:.2f} dask_patient_draws_per_s={work / dask['seconds']:.0f} "
          f"dask_peak_mb_client={dask['peak_mb_client']:.1f} dask_peak_mb_workers={max(workers):.1f} "
          f"batch_patient_draws_per_s={batch_rate:.0f} max_abs_diff={max(diff, batch_diff):.3e}")


if __name__ == "__main__":
    main()
