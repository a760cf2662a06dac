"""Render the figures the README shows: ``python docs/make_figures.py`` (writes docs/network.png)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script that only writes files; no window

import matplotlib.pyplot as plt

import netlrt
from netlrt.plot import plot_network

HERE = Path(__file__).resolve().parent


def main() -> None:
    ax = plot_network(netlrt.load_model())
    ax.figure.savefig(HERE / "network.png", dpi=90, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"wrote {HERE / 'network.png'}")


if __name__ == "__main__":
    main()
