"""Timing of the deterministic and global sensitivity analyses for one article case.

Run by hand (``python benchmarks/bench_sensitivity.py``), never as a test. Sobol is timed twice: as the model
runs it (each design row that changes one parameter rebuilds only what that parameter reaches) and on the plain
design (every row through the whole network), with the largest difference between their indices. The last line is
``one_way_s=... two_way_s=... threshold_all_s=... sobol_1024_s=... sobol_plain_s=... sobol_max_diff=...
whatif_s=...``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

import netlrt
from netlrt.analysis.sensitivity import model_problem, sobol

CASE = "case3_y90"


def timed(label: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<48} {seconds:8.3f} s")
    return seconds, out


def main() -> None:
    model = netlrt.load_model()
    patient = netlrt.cases.article_cases()[CASE]
    ids = model.priors.uncertain
    # Evaluating once first keeps one-time set-up out of the first analysis' timing.
    print(f"{CASE}: {len(ids)} uncertain parameters; base case recommends {model.evaluate(patient).recommended}")
    t1, ow = timed("one_way (21-point grid per parameter)", lambda: model.one_way(patient))
    t2, _ = timed("two_way 25x25", lambda: model.two_way(patient, "hr_modality_y90", "or_pes_y90", n_grid=25))
    t3, th = timed(f"threshold, all {len(ids)} parameters", lambda: [model.threshold(patient, k) for k in ids])
    model.sobol(patient, n_draws=8, seed=0)  # the priors' fast quantile tables, built once per process
    t4, sb = timed(f"sobol N=1024 over {len(ids)} parameters", lambda: model.sobol(patient, n_draws=1024, seed=0))
    plain = replace(model_problem(model.evaluator, patient), saltelli=None)
    t4p, sp = timed("sobol N=1024, plain design (reference)", lambda: sobol.analyze(plain, n_draws=1024, seed=0))
    cols = ["S1", "S1_conf", "ST", "ST_conf"]
    diff = float(np.nanmax(np.abs(sb.to_df().set_index("parameter").sort_index()[cols].to_numpy()
                                  - sp.to_df().set_index("parameter").sort_index()[cols].to_numpy())))
    t5, _ = timed("whatif", lambda: model.whatif(patient))
    print(f"one-way: {int(ow.to_df()['changes'].sum())} parameters change the recommendation within their range; "
          f"thresholds found for {sum(r.changes for r in th)}; top Sobol ST: {sb.to_df()['parameter'].iloc[0]}")
    print(f"sobol: {t4p / t4:.1f}x faster than the plain design; largest difference of an index {diff:.1e}")
    print(f"one_way_s={t1:.3f} two_way_s={t2:.3f} threshold_all_s={t3:.3f} sobol_1024_s={t4:.3f} "
          f"sobol_plain_s={t4p:.3f} sobol_max_diff={diff:.1e} whatif_s={t5:.3f}")


if __name__ == "__main__":
    main()
