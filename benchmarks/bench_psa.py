"""Speed and memory of the batch engine and the PSA (run by hand: ``python benchmarks/bench_psa.py``).

1. The pgmpy route: for each of a few hundred parameter draws, build the pgmpy network from that draw's tables
   and query every outcome of the four modalities with VariableElimination, for the article's case 3 (whose
   burden, extrahepatic disease and renal function are unknown: partial evidence).
2. The batch engine on the same draws and patient (``Evaluator.batch``), best of several repeats; the largest
   difference from pgmpy is measured there. At 200 draws a call is mostly fixed overhead, so the engine is also
   timed on those draws tiled to a 10,000-draw batch, the size a PSA hands it (``speedup_10k_batch``).
3. A 10,000-draw PSA (``model.psa``), best of three wall times.
4. A one-million-draw PSA in a fresh subprocess, run first; its peak memory is the process's maximum resident set
   size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, KiB on Linux), interpreter and imports included.

The last line is ``speedup_vs_pgmpy=... speedup_10k_batch=... max_abs_diff=... psa_10k_seconds=...
peak_mb_1m_draws=...``.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

import netlrt
from netlrt.network.pgmpy_adapter import build_network, query_yes
from netlrt.network.tables import build_tables

N_PGMPY = 200
PATIENT = "case3_y90"

_CHILD = f"""
import resource, netlrt
model = netlrt.load_model()
psa = model.psa(netlrt.cases.article_cases()[{PATIENT!r}], n_draws=1_000_000, seed=0)
assert psa.n_draws == 1_000_000
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    # The one-million-draw child runs first: a child started after the parent's heavy work can report the
    # parent's resident size as its own peak.
    t0 = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True)
    peak_mb = float(child.stdout.strip().splitlines()[-1])
    million_s = time.perf_counter() - t0

    model = netlrt.load_model()
    patient = netlrt.cases.article_cases()[PATIENT]
    outcomes = list(netlrt.OUTCOMES)
    values = model.priors.sample(N_PGMPY, seed=0)

    t0 = time.perf_counter()
    reference = np.empty((N_PGMPY, len(netlrt.MODALITIES), len(outcomes)))
    for d in range(N_PGMPY):
        network = build_network(build_tables({k: v[d:d + 1] for k, v in values.items()}, model.priors.population),
                                model.priors.population)
        for j, m in enumerate(netlrt.MODALITIES):
            yes = query_yes(network, outcomes, {**patient.evidence(), "modality": m})
            reference[d, j] = [yes[o] for o in outcomes]
    pgmpy_per_draw = (time.perf_counter() - t0) / N_PGMPY
    print(f"pgmpy route: {pgmpy_per_draw * 1e3:.1f} ms per draw ({N_PGMPY} draws, partial evidence)")

    fast_times = []
    for _ in range(20):
        t0 = time.perf_counter()
        fast = model.evaluator.batch([patient], values).outcomes[:, 0]
        fast_times.append(time.perf_counter() - t0)
    fast_per_draw = min(fast_times) / N_PGMPY
    max_abs_diff = float(np.abs(fast - reference).max())
    print(f"batch engine: {fast_per_draw * 1e6:.2f} us per draw on the same draws; max |diff| {max_abs_diff:.3g}")

    tiled = {k: np.tile(v, 10_000 // N_PGMPY) for k, v in values.items()}
    tiled_times = []
    for _ in range(5):
        t0 = time.perf_counter()
        model.evaluator.batch([patient], tiled)
        tiled_times.append(time.perf_counter() - t0)
    tiled_per_draw = min(tiled_times) / 10_000
    print(f"batch engine: {tiled_per_draw * 1e6:.2f} us per draw in a 10,000-draw batch (the same draws tiled)")

    model.psa(patient, 100, seed=0)  # warm caches and lazy imports
    psa_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        model.psa(patient, 10_000, seed=0)
        psa_times.append(time.perf_counter() - t0)
    psa_10k = min(psa_times)
    print(f"10,000-draw PSA: {psa_10k:.3f} s")

    print(f"1,000,000-draw PSA: {million_s:.1f} s in a subprocess, peak RSS {peak_mb:.0f} MB")

    print(f"speedup_vs_pgmpy={pgmpy_per_draw / fast_per_draw:.1f} "
          f"speedup_10k_batch={pgmpy_per_draw / tiled_per_draw:.1f} max_abs_diff={max_abs_diff:.3e} "
          f"psa_10k_seconds={psa_10k:.4f} peak_mb_1m_draws={peak_mb:.1f}")


if __name__ == "__main__":
    main()
