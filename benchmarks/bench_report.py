"""Wall time of the main job, ``netlrt report`` on the default priors.

Run by hand: ``python benchmarks/bench_report.py``.

The report is built twice into a temporary folder: the first run pays for imports and the model's internal
sample, the second is the warm time. Each part's time is summed over the worker processes, so the parts add up
to more than the wall time when the machine has several cores.

Last line: ``report_cold_seconds=<float> report_warm_seconds=<float> cores=<int> parts=<name:seconds,...>``.
"""

from __future__ import annotations

import os
import tempfile
import time

import netlrt
from netlrt.output.report import build_report


def main() -> None:
    out = os.path.join(tempfile.mkdtemp(), "report")
    t0 = time.perf_counter()
    model = netlrt.load_model()
    build_report(model, out, progress=False)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = build_report(model, out, progress=False)
    warm = time.perf_counter() - t0
    print(f"first report (imports, model, internal sample): {cold:.1f} s")
    print(f"warm report: {warm:.1f} s ({report.timing_line()})")
    parts = ",".join(f"{k}:{v:.2f}" for k, v in sorted(report.timings.items(), key=lambda kv: -kv[1]) if k != "total")
    print(f"report_cold_seconds={cold:.2f} report_warm_seconds={warm:.2f} cores={os.cpu_count()} parts={parts}")


if __name__ == "__main__":
    main()
