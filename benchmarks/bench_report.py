"""Wall time of the main job, ``netlrt report`` on the default priors.

Run by hand: ``python benchmarks/bench_report.py``.

The report is built three times into a temporary folder: the first run pays for imports and the model's internal
sample; the second, on the default workers, is the warm time; the third runs in this process only
(``workers=1``), so its time is the CPU the report needs, and the share of it spent drawing and saving figures
(``Page.figure``) is measured there. Serial time / warm time is the parallel speed-up the machine delivered
(up to 2 on two free cores; less when the cores are shared). Each part's time is summed over the worker
processes, so the parts add up to more than the wall time when the machine has several cores.

Last line: ``report_cold_seconds=<float> report_warm_seconds=<float> serial_seconds=<float>
figures_seconds=<float> figures=<int> speedup=<float> cores=<int> parts=<name:seconds,...>``.
"""

from __future__ import annotations

import os
import tempfile
import time

import netlrt
from netlrt.output.page import Page
from netlrt.output.report import build_report


def _serial_with_figure_time(model: netlrt.Model, out: str) -> tuple[float, float, int]:
    """Wall time of a one-process report, and the time and number of its figures."""
    drawn: list[float] = []
    figure = Page.figure

    def timed(self: Page, *args: object, **kwargs: object) -> None:
        t0 = time.perf_counter()
        figure(self, *args, **kwargs)
        drawn.append(time.perf_counter() - t0)

    Page.figure = timed
    try:
        t0 = time.perf_counter()
        build_report(model, out, progress=False, workers=1)
        return time.perf_counter() - t0, sum(drawn), len(drawn)
    finally:
        Page.figure = figure


def main() -> None:
    out = os.path.join(tempfile.mkdtemp(), "report")
    t0 = time.perf_counter()
    model = netlrt.load_model()
    build_report(model, out, progress=False)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = build_report(model, out, progress=False)
    warm = time.perf_counter() - t0
    serial, figures, n_figures = _serial_with_figure_time(model, out)
    speedup = serial / warm
    print(f"first report (imports, model, internal sample): {cold:.1f} s")
    print(f"warm report: {warm:.1f} s ({report.timing_line()})")
    print(f"one process: {serial:.1f} s, of which {n_figures} figures {figures:.1f} s; "
          f"speed-up on {os.cpu_count()} cores {speedup:.2f}")
    parts = ",".join(f"{k}:{v:.2f}" for k, v in sorted(report.timings.items(), key=lambda kv: -kv[1]) if k != "total")
    print(f"report_cold_seconds={cold:.2f} report_warm_seconds={warm:.2f} serial_seconds={serial:.2f} "
          f"figures_seconds={figures:.2f} figures={n_figures} speedup={speedup:.2f} cores={os.cpu_count()} "
          f"parts={parts}")


if __name__ == "__main__":
    main()
