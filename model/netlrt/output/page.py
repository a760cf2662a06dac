"""A page being built: its HTML parts and the files beside it, held in memory so that a worker process can
build part of a report and return it (:mod:`netlrt.output.report`).

Examples
--------
>>> import pandas as pd
>>> page = Page()
>>> page.table(pd.DataFrame({"x": [1.23456]}), "t")
>>> sorted(page.files), "1.23" in page.parts[0]
(['t.csv'], True)
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FIGURE_FORMATS", "MAX_DPI", "MIN_DPI", "Page", "figure_bytes"]

#: Formats of the figure files beside a page (the page itself embeds PNG).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
#: Resolutions allowed for raster figures, in dots per inch.
MIN_DPI, MAX_DPI = 30, 1200


@dataclass
class Page:
    """Parts of the page and the files beside it, collected in memory (so a worker process can return them)."""

    figure_format: str = "png"
    dpi: int = 110
    parts: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def html(self, text: str) -> None:
        self.parts.append(text)

    def merge(self, other: Page) -> None:
        """Append another page's parts, and take its files."""
        self.parts.extend(other.parts)
        self.files.update(other.files)

    def figure(self, ax: Any, name: str, caption: str) -> None:
        """Render the figure of ``ax``, embed it as PNG, keep it as a file (in the chosen format), close it."""
        import matplotlib.pyplot as plt
        import numpy as np

        fig = np.asarray(ax).ravel()[0].figure
        png = figure_bytes(fig, "png", self.dpi, name)
        self.files[f"{name}.png"] = png
        if self.figure_format != "png":
            self.files[f"{name}.{self.figure_format}"] = figure_bytes(fig, self.figure_format, self.dpi, name)
        plt.close(fig)
        data = base64.b64encode(png).decode("ascii")
        link = f"{name}.{self.figure_format}"
        self.parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
                          f'<figcaption>{html.escape(caption)} <a href="{link}">{link}</a></figcaption></figure>')

    def table(self, df: pd.DataFrame, name: str, *, show: pd.DataFrame | None = None, index: bool = False,
              digits: int = 3, note: str = "") -> None:
        """Keep ``df`` as CSV (spreadsheet-safe) and show it, or the compact view ``show``, as an HTML table.

        Numbers are shown to ``digits`` significant digits; the CSV keeps them in full.
        """
        from ..files import csv_safe_frame

        self.files[f"{name}.csv"] = csv_safe_frame(df.reset_index() if index else df).to_csv(index=False).encode()
        shown = df if show is None else show
        table = shown.to_html(index=index, index_names=False, float_format=lambda x: f"{x:.{digits}g}",
                              classes="data", border=0, escape=True, na_rep="")
        self.parts.append(f'<div class="scroll">{table}</div><p class="file">{html.escape(note)} '
                          f'Table: <a href="{name}.csv">{name}.csv</a></p>')


def figure_bytes(fig: Any, fmt: str, dpi: int, name: str) -> bytes:
    """The file of ``fig`` in ``fmt`` (one of :data:`FIGURE_FORMATS`) at ``dpi``.

    The same figure gives the same bytes in every run and under any matplotlibrc: no creation date, SVG ids
    salted by ``name`` instead of random, and the ``savefig.*`` and ``image.origin`` settings at their defaults
    (opaque, the figure's own colours, the whole figure, upright). The figure keeps its dpi and canvas.
    """
    import matplotlib
    import numpy as np

    out = io.BytesIO()
    if fmt == "png":
        # One drawing lays the figure out (constrained layout) and renders it; savefig would lay it out in a
        # drawing of its own first. The PNG is savefig's as long as no artist depends on where an earlier one
        # was drawn (the network's arrows are drawn after the boxes they are clipped to; test_report compares
        # every figure of the report). zlib level 3 instead of the default 6 encodes the same pixels about 40%
        # faster, and these flat-coloured figures come out no larger.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.image import imsave

        canvas, old_dpi = fig.canvas, fig.dpi
        try:
            agg = FigureCanvasAgg(fig)  # the figure's own canvas (perhaps a window's) is neither drawn nor resized
            fig.dpi = dpi
            agg.draw()
            imsave(out, np.asarray(agg.buffer_rgba()), format="png", origin="upper", dpi=dpi,
                   pil_kwargs={"compress_level": 3})
        finally:
            fig.dpi = old_dpi
            fig.set_canvas(canvas)
    else:
        undated = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
        with matplotlib.rc_context({"svg.hashsalt": name, "savefig.bbox": "standard", "savefig.transparent": False,
                                    "savefig.facecolor": "auto", "savefig.edgecolor": "auto"}):
            fig.savefig(out, format=fmt, dpi=dpi, metadata=undated)
    return out.getvalue()
