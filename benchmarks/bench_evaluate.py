"""How long one evaluation with the Bayes decision takes after loading (target: <= 20 ms).

Run by hand: ``python benchmarks/bench_evaluate.py``. Prints the figures; never a test.
Last line: ``load_s=<float> first_evaluate_s=<float> evaluate_ms=<float> pgmpy_evaluate_ms=<float>``.
"""

from __future__ import annotations

import statistics
import time

import netlrt
from netlrt.network.pgmpy_adapter import query_yes


def main() -> None:
    t0 = time.perf_counter()
    model = netlrt.load_model()
    load_s = time.perf_counter() - t0

    patients = [*netlrt.cases.article_cases().values(), netlrt.Patient()]
    t0 = time.perf_counter()
    model.evaluate(patients[0])  # builds the internal sample once
    first_s = time.perf_counter() - t0
    times = []
    for _ in range(100):
        for p in patients:
            t = time.perf_counter()
            model.evaluate(p)
            times.append(time.perf_counter() - t)
    evaluate_ms = 1000 * statistics.median(times)

    net = model.network
    ref = []
    for p in patients:
        t = time.perf_counter()
        for m in netlrt.MODALITIES:
            query_yes(net, list(netlrt.OUTCOMES), {**p.evidence(), "modality": m})
        ref.append(time.perf_counter() - t)
    pgmpy_ms = 1000 * statistics.median(ref)

    print(f"load_model: {load_s:.3f} s; first evaluate (builds the internal sample): {first_s:.3f} s")
    print(f"evaluate with the Bayes decision (median of {len(times)}): {evaluate_ms:.3f} ms")
    print(f"the same outcomes through pgmpy VariableElimination (predictive CPDs, no decision): {pgmpy_ms:.1f} ms")
    print(f"load_s={load_s:.4f} first_evaluate_s={first_s:.4f} evaluate_ms={evaluate_ms:.4f} "
          f"pgmpy_evaluate_ms={pgmpy_ms:.3f}")


if __name__ == "__main__":
    main()
