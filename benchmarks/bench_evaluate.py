"""How long one patient evaluation takes after loading (target: well under 50 ms).

Run by hand: ``python benchmarks/bench_evaluate.py``. Prints the figures; never a test.
Last line: ``load_s=<float> evaluate_ms=<float> pgmpy_evaluate_ms=<float>``.
"""

from __future__ import annotations

import statistics
import time

import netlrt
from netlrt.pgmpy_adapter import query_yes
from netlrt.vocabulary import MODALITIES, OUTCOMES


def main() -> None:
    t0 = time.perf_counter()
    model = netlrt.load_model()
    load_s = time.perf_counter() - t0

    patients = list(netlrt.cases.article_cases().values())
    model.evaluate(patients[0])  # warm caches (prior means)
    times = []
    for _ in range(300):
        for p in patients:
            t = time.perf_counter()
            model.evaluate(p)
            times.append(time.perf_counter() - t)
    evaluate_ms = 1000 * statistics.median(times)

    net = model.network
    ref = []
    for p in patients:
        t = time.perf_counter()
        for m in MODALITIES:
            query_yes(net, list(OUTCOMES), {**p.evidence(), "modality": m})
        ref.append(time.perf_counter() - t)
    pgmpy_ms = 1000 * statistics.median(ref)

    print(f"load_model: {load_s:.3f} s")
    print(f"evaluate (median of {len(times)}): {evaluate_ms:.3f} ms")
    print(f"the same outcomes through pgmpy VariableElimination: {pgmpy_ms:.1f} ms")
    print(f"load_s={load_s:.4f} evaluate_ms={evaluate_ms:.4f} pgmpy_evaluate_ms={pgmpy_ms:.3f}")


if __name__ == "__main__":
    main()
