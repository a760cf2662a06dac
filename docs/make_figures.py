"""Render the figures the README shows: ``python docs/make_figures.py`` (writes docs/network.png).

The network figure is drawn from the declarations (:mod:`netlrt.network.declarations`), so it needs no priors
and no pgmpy network; run this after adding or rewiring a node.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; no window

import matplotlib.pyplot as plt  # noqa: E402

from netlrt.files import atomic_write  # noqa: E402
from netlrt.plot import plot_network  # noqa: E402

HERE = Path(__file__).resolve().parent
DPI = 90


def main() -> None:
    """Write ``docs/network.png``."""
    ax = plot_network()
    fig = ax.get_figure()
    out = HERE / "network.png"
    with atomic_write(out, what="docs/network.png", mode="wb") as f:
        fig.savefig(f, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
